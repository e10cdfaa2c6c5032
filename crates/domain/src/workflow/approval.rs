//! Supervisor approvals (DOMAIN.md, Approval): of a best-interest assessment
//! or determination, a case plan, a transfer, a closure. One constructor, so
//! that the role check and the "say why when you reject" rule cannot be
//! forgotten by any of the five.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{ApprovalDecision, ApprovalKind};
use crate::ids::UserId;
use crate::policy::{self, Actor, Permission};
use crate::workflow::fields::{self, LONG_TEXT};
use crate::workflow::machine::{Refusal, RefusalCode};
use crate::ValidationErrors;

/// A supervisor's decision, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalInput {
    /// `approved` or `rejected`.
    pub decision: String,
    /// Required when rejecting: the caseworker needs to know what to change.
    pub comment: Option<String>,
}

/// A decided approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Approval {
    pub kind: ApprovalKind,
    pub decision: ApprovalDecision,
    pub decided_by: UserId,
    pub comment: Option<String>,
    pub decided_on: NaiveDate,
}

/// Why a decision could not be recorded: the actor may not decide (403), or
/// the input is invalid (422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error(transparent)]
    Refused(Refusal),
    #[error(transparent)]
    Invalid(ValidationErrors),
}

impl Approval {
    /// Records `actor`'s decision on an approval of `kind`, on `today`.
    pub fn decide(
        kind: ApprovalKind,
        input: ApprovalInput,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<Approval, DecisionError> {
        if !policy::role_may(actor.role, Permission::Approve(kind)) {
            return Err(DecisionError::Refused(Refusal::new(
                RefusalCode::RoleNotPermitted,
                format!("only a supervisor may decide a {kind} approval"),
            )));
        }
        let mut errors = ValidationErrors::new();
        let decision = errors.check("decision", ApprovalDecision::parse(&input.decision));
        let comment = fields::optional(&mut errors, "comment", input.comment.as_deref(), LONG_TEXT);
        if decision == Some(ApprovalDecision::Rejected) && matches!(comment, Some(None)) {
            errors.add("comment", "must say why when rejecting");
        }
        if !errors.is_empty() {
            return Err(DecisionError::Invalid(errors));
        }
        Ok(Approval {
            kind,
            decision: decision.expect("no errors"),
            decided_by: actor.user_id.clone(),
            comment: comment.expect("no errors"),
            decided_on: today,
        })
    }

    pub fn is_approved(&self) -> bool {
        self.decision == ApprovalDecision::Approved
    }
}

/// Whether the latest decision of `kind` among `approvals` is an approval: a
/// rejection after an approval withdraws it. The latest is the one with the
/// latest date; on the same date, the later in the slice (the store passes
/// them in the order they were decided).
///
/// The store passes the approvals of the *current* record only: a new
/// best-interest assessment or a new case plan needs an approval of its own.
pub fn currently_approved(approvals: &[Approval], kind: ApprovalKind) -> bool {
    approvals
        .iter()
        .filter(|a| a.kind == kind)
        .enumerate()
        .max_by_key(|(i, a)| (a.decided_on, *i))
        .is_some_and(|(_, a)| a.is_approved())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Role;
    use crate::ids::OrganisationId;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: UserId::parse("00000000-0000-4000-8000-000000000001").unwrap(),
            organisation_id: OrganisationId::parse("00000000-0000-4000-8000-000000000002").unwrap(),
            role,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn only_supervisors_decide() {
        for &role in Role::ALL {
            for &kind in ApprovalKind::ALL {
                let input = ApprovalInput { decision: "approved".into(), comment: None };
                let result = Approval::decide(kind, input, &actor(role), today());
                match role {
                    Role::Supervisor => assert!(result.unwrap().is_approved()),
                    _ => assert!(
                        matches!(result, Err(DecisionError::Refused(r)) if r.code == RefusalCode::RoleNotPermitted)
                    ),
                }
            }
        }
    }

    #[test]
    fn the_latest_decision_counts() {
        let decide = |decision: &str, day: u32| {
            let input = ApprovalInput { decision: decision.into(), comment: Some("comment".into()) };
            let on = NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
            Approval::decide(ApprovalKind::BestInterestAssessment, input, &actor(Role::Supervisor), on).unwrap()
        };
        let kind = ApprovalKind::BestInterestAssessment;
        assert!(!currently_approved(&[], kind));
        assert!(currently_approved(&[decide("rejected", 1), decide("approved", 2)], kind));
        assert!(currently_approved(&[decide("approved", 2), decide("rejected", 1)], kind));
        assert!(!currently_approved(&[decide("approved", 1), decide("rejected", 2)], kind));
        assert!(!currently_approved(&[decide("approved", 2), decide("rejected", 2)], kind));
        assert!(!currently_approved(&[decide("approved", 2)], ApprovalKind::CasePlan));
    }

    #[test]
    fn a_rejection_says_why() {
        let input = ApprovalInput { decision: "rejected".into(), comment: Some("  ".into()) };
        let Err(DecisionError::Invalid(errors)) =
            Approval::decide(ApprovalKind::CasePlan, input, &actor(Role::Supervisor), today())
        else {
            panic!("a rejection without a reason must be invalid")
        };
        assert!(errors.fields.contains_key("comment"));
        let input = ApprovalInput { decision: "maybe".into(), comment: Some("a\0".into()) };
        let Err(DecisionError::Invalid(errors)) =
            Approval::decide(ApprovalKind::CasePlan, input, &actor(Role::Supervisor), today())
        else {
            panic!("invalid")
        };
        assert_eq!(errors.fields.len(), 2);
    }
}
