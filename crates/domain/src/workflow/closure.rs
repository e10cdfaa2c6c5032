//! The bodies of the workflow steps that carry data: a closure request (an
//! HTCDS-style reason and its detail), a reopening (why), and marking a case
//! as a duplicate (of which case). Parsed here so that "closure without a
//! reason" is a 422 before the machine is even asked.

use serde::{Deserialize, Serialize};

use crate::codes::ClosureReason;
use crate::ids::CaseId;
use crate::workflow::fields::{self, LONG_TEXT};
use crate::ValidationErrors;

/// The body of a closure request, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureRequestInput {
    /// One of the closure reasons, e.g. `goals_achieved`.
    pub reason: Option<String>,
    /// What happened, in words: exported as HTCDS `cas_ReasonForCaseClosure`.
    pub details: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClosureRequest {
    pub reason: ClosureReason,
    pub details: Option<String>,
}

impl ClosureRequest {
    pub fn parse(input: ClosureRequestInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let reason = match input.reason.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("reason", "a closure needs a reason");
                None
            }
            Some(raw) => errors.check("reason", ClosureReason::parse(raw)),
        };
        let details = fields::optional(&mut errors, "details", input.details.as_deref(), LONG_TEXT);
        if reason == Some(ClosureReason::Other) && matches!(details, Some(None)) {
            errors.add("details", "say what the reason is when it is \"other\"");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ClosureRequest { reason: reason.expect("no errors"), details: details.expect("no errors") })
    }
}

/// The body of a reopening, as received: why the closed case is opened again
/// (the child was found exploited again, a new risk appeared…).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reopening {
    pub reason: String,
}

impl Reopening {
    pub fn parse(input: ReopenInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let reason = fields::required(&mut errors, "reason", &input.reason, LONG_TEXT);
        errors.into_result(|| Reopening { reason: reason.expect("no errors") })
    }
}

/// The body of marking a case as a duplicate, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicateInput {
    /// The case this one duplicates (the one that is kept).
    pub duplicate_of: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Duplicate {
    pub duplicate_of: CaseId,
}

impl Duplicate {
    /// Parses the body for case `this`: a case is not its own duplicate.
    pub fn parse(input: DuplicateInput, this: &CaseId) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let original = errors.check("duplicate_of", CaseId::parse(&input.duplicate_of));
        if original.as_ref() == Some(this) {
            errors.add("duplicate_of", "must be another case than this one");
        }
        errors.into_result(|| Duplicate { duplicate_of: original.expect("no errors") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_needs_a_reason() {
        for reason in [None, Some(""), Some("  "), Some("bored"), Some("goals_achieved\0")] {
            let input = ClosureRequestInput { reason: reason.map(String::from), details: None };
            assert!(ClosureRequest::parse(input).unwrap_err().fields.contains_key("reason"), "{reason:?}");
        }
        let other = ClosureRequestInput { reason: Some("other".into()), details: None };
        assert!(ClosureRequest::parse(other).unwrap_err().fields.contains_key("details"));
        let fine = ClosureRequestInput { reason: Some("goals_achieved".into()), details: None };
        assert_eq!(ClosureRequest::parse(fine).unwrap().reason.htcds_case_status(), "Closed");
    }

    #[test]
    fn reopening_and_duplicates_are_validated() {
        assert!(Reopening::parse(ReopenInput { reason: " ".into() }).is_err());
        let this = CaseId::parse("00000000-0000-4000-8000-000000000001").unwrap();
        assert!(Duplicate::parse(DuplicateInput { duplicate_of: this.to_string() }, &this).is_err());
        assert!(Duplicate::parse(DuplicateInput { duplicate_of: "1".into() }, &this).is_err());
        let other = DuplicateInput { duplicate_of: "00000000-0000-4000-8000-000000000002".into() };
        assert!(Duplicate::parse(other, &this).is_ok());
    }
}
