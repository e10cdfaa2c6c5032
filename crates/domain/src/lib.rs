//! Safepath's domain: the vocabulary of DOMAIN.md as Rust types.
//!
//! Input from the outside world (JSON bodies, CSV rows, CLI arguments) is parsed
//! here into types that cannot hold invalid values ("parse, don't validate").
//! The access policy — who may see and do what — lives in [`policy`], and only
//! there. The case workflow of issue #4 (state machine, rules, assessments,
//! referrals, transfers, deadlines) is in [`workflow`]. This crate does no IO: no database, no network, no clock reads except
//! where a caller passes `today` in.

pub mod alert;
pub mod case;
pub mod codes;
pub mod error;
pub mod family_tracing;
pub mod htcds;
pub mod ids;
pub mod organisation;
pub mod policy;
pub mod text;
pub mod user;
pub mod workflow;

pub use error::ValidationErrors;
