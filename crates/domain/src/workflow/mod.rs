//! The holistic case workflow (issue #4): the state machine, the rules it
//! enforces, and the validated records a caseworker and a supervisor keep for
//! a child — assessments, indicators, best-interest assessment and
//! determination, case plan and services, standards of care, episodes of
//! exploitation and movement, perpetrators, referrals, transfers, deadlines.
//!
//! Like the rest of the crate, nothing here does IO: the store gathers the
//! facts a rule needs, calls in, and writes what the rule allowed.
//!
//! How a caller uses it (a handler, say, for "start the case plan"):
//!
//! 1. parse the body into its validated type (`…::parse(input, today)`;
//!    errors are [`crate::ValidationErrors`], 422);
//! 2. gather the [`Facts`] from the store (approvals through
//!    [`approval::currently_approved`], the sharing basis through
//!    [`SharingBasis::from_consents`], …);
//! 3. call [`perform`] (role, then rules) or the rule of [`rules`]; a
//!    [`Refusal`] says why, with a stable [`RefusalCode`] whose
//!    [`RefusalKind`] is 403 or 409;
//! 4. write the new status and the record, with its audit event.
//!
//! Code map:
//!
//! | module | what |
//! |---|---|
//! | [`machine`] | statuses, [`Action`]s, [`transition`] / [`perform`], [`Refusal`] |
//! | [`rules`] | the BIA gate on services and plans, the BID gate on durable solutions and separation |
//! | [`consent`] | consent or a supervisor's override before anything is shared |
//! | [`approval`] | supervisor approvals of BIA, BID, case plan, transfer, closure |
//! | [`referral`] | referrals: sections shared, access end date, their own state machine |
//! | [`transfer`] | transfer requests and the facts the machine needs from them |
//! | [`closure`] | closure, reopening and duplicate bodies |
//! | [`vulnerability`] | vulnerability assessments at three levels, with strengths |
//! | [`indicators`] | indicator catalogue, observations, screening (a suggestion), trafficking-status decisions |
//! | [`best_interest`] | best-interest assessment and determination, the child's own words |
//! | [`plan`] | case plan and services |
//! | [`standards`] | the standards-of-care checklist and its unmet items |
//! | [`episodes`] | exploitation and movement episodes, perpetrators |
//! | [`follow_up`] | follow-ups |
//! | [`note`] | free-text case notes (never exported or aggregated) |
//! | [`deadlines`] | the deadline table and a case's due and overdue tasks |
//! | [`settings`] | an organisation's deadline table and standards-of-care list, defaults where unset |

pub mod approval;
pub mod best_interest;
pub mod closure;
pub mod consent;
pub mod deadlines;
pub mod episodes;
mod fields;
pub mod follow_up;
pub mod indicators;
pub mod machine;
pub mod note;
pub mod plan;
pub mod referral;
pub mod rules;
pub mod settings;
pub mod standards;
pub mod transfer;
pub mod vulnerability;

pub use consent::{ConsentOverride, SharingBasis};
pub use machine::{
    is_open, next_actions, perform, transition, Action, Facts, Refusal, RefusalCode, RefusalKind, TransferFacts,
};
