//! The holistic case workflow (issue #4): the state machine, the rules it
//! enforces, and the validated records a caseworker and a supervisor keep for
//! a child — assessments, indicators, best-interest assessment and
//! determination, case plan and services, standards of care, episodes of
//! exploitation and movement, perpetrators, referrals, transfers, deadlines.
//!
//! Like the rest of the crate, nothing here does IO: the store gathers the
//! facts a rule needs, calls in, and writes what the rule allowed.

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
pub mod plan;
pub mod referral;
pub mod rules;
pub mod standards;
pub mod transfer;
pub mod vulnerability;

pub use consent::{ConsentOverride, SharingBasis};
pub use machine::{perform, transition, Action, Facts, Refusal, RefusalCode, RefusalKind, TransferFacts};
