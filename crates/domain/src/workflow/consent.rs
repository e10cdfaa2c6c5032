//! Consent before sharing: the one rule every referral and transfer passes.
//!
//! DOMAIN.md: consent is required before a referral or transfer shares
//! anything; an override needs a reason and a supervisor, and is audited. A
//! [`SharingBasis`] is the proof that one of the two holds; the only ways to
//! get one are [`SharingBasis::from_consents`] and
//! [`ConsentOverride::authorise`], so code that holds one cannot have skipped
//! the check.

use serde::Serialize;

use crate::case::Consent;
use crate::codes::ConsentPurpose;
use crate::ids::UserId;
use crate::policy::{self, Actor, Permission};
use crate::text;
use crate::workflow::machine::{Refusal, RefusalCode};

/// Longest override reason accepted, in characters.
pub const MAX_OVERRIDE_REASON_CHARS: usize = 2000;

/// A supervisor's decision to share without consent (for example when asking
/// would put the child in danger), with the reason written down for the audit
/// trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConsentOverride {
    reason: String,
    authorised_by: UserId,
}

impl ConsentOverride {
    /// Records an override by `supervisor`. Refused when the actor's role may
    /// not override consent, or when the reason is empty or unprintable.
    pub fn authorise(reason: &str, supervisor: &Actor) -> Result<Self, Refusal> {
        if !policy::role_may(supervisor.role, Permission::OverrideConsent) {
            return Err(Refusal::new(RefusalCode::RoleNotPermitted, "only a supervisor may share without consent"));
        }
        let reason = text::required(reason, MAX_OVERRIDE_REASON_CHARS).map_err(|why| {
            Refusal::new(RefusalCode::OverrideReasonRequired, format!("the reason for sharing without consent {why}"))
        })?;
        Ok(ConsentOverride { reason, authorised_by: supervisor.user_id.clone() })
    }

    /// Rebuilds an override the store recorded earlier (already checked then).
    pub fn from_trusted(reason: String, authorised_by: UserId) -> Self {
        ConsentOverride { reason, authorised_by }
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn authorised_by(&self) -> &UserId {
        &self.authorised_by
    }
}

/// Why a case (or part of it) may be shared with another organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum SharingBasis {
    /// A recorded consent for sharing.
    Consent,
    /// A supervisor's override, with its reason.
    Override(ConsentOverride),
}

impl SharingBasis {
    /// The basis for sharing given the case's *current* consents (withdrawn
    /// ones must not be passed) and an optional override. A consent for
    /// sharing wins over an override: the override is for when there is none.
    pub fn from_consents(consents: &[Consent], over: Option<ConsentOverride>) -> Result<SharingBasis, Refusal> {
        if consents.iter().any(|c| c.purpose == ConsentPurpose::Sharing) {
            return Ok(SharingBasis::Consent);
        }
        over.map(SharingBasis::Override).ok_or_else(|| {
            Refusal::new(
                RefusalCode::ConsentRequired,
                "nothing may be shared without a consent for sharing, or a supervisor's override with a reason",
            )
        })
    }

    pub fn is_override(&self) -> bool {
        matches!(self, SharingBasis::Override(_))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::codes::{ConsentGivenBy, Role};
    use crate::ids::OrganisationId;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: UserId::parse("00000000-0000-4000-8000-000000000001").unwrap(),
            organisation_id: OrganisationId::parse("00000000-0000-4000-8000-000000000002").unwrap(),
            role,
        }
    }

    fn consent(purpose: ConsentPurpose) -> Consent {
        Consent {
            purpose,
            given_by: ConsentGivenBy::Child,
            date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            withheld: None,
            legal_basis: None,
        }
    }

    #[test]
    fn sharing_needs_consent_or_a_supervisors_override() {
        let refused = SharingBasis::from_consents(&[consent(ConsentPurpose::Services)], None).unwrap_err();
        assert_eq!(refused.code, RefusalCode::ConsentRequired);
        assert_eq!(
            SharingBasis::from_consents(&[consent(ConsentPurpose::Sharing)], None).unwrap(),
            SharingBasis::Consent
        );
        let over = ConsentOverride::authorise("the child is in immediate danger", &actor(Role::Supervisor)).unwrap();
        let basis = SharingBasis::from_consents(&[], Some(over)).unwrap();
        assert!(basis.is_override());
    }

    #[test]
    fn only_supervisors_override_and_only_with_a_reason() {
        for role in Role::ALL {
            let result = ConsentOverride::authorise("reason", &actor(*role));
            assert_eq!(result.is_ok(), *role == Role::Supervisor, "{role}");
        }
        for bad in ["", "   ", "a\0b", &"x".repeat(10_000)] {
            let refused = ConsentOverride::authorise(bad, &actor(Role::Supervisor)).unwrap_err();
            assert_eq!(refused.code, RefusalCode::OverrideReasonRequired);
        }
    }
}
