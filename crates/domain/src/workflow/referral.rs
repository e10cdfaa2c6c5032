//! Consent-gated referrals to partner organisations (DOMAIN.md, Referral).
//!
//! The sender chooses which sections of the case the receiver sees (data
//! minimisation) and until when; the receiver accepts or declines, and once
//! done reports the outcome back. The sender may revoke at any time before
//! completion. Nothing is sent without a [`SharingBasis`]: consent, or a
//! supervisor's override with a reason.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{code_list, ReferralReason, Role, ServiceType};
use crate::ids::{OrganisationId, UserId};
use crate::policy::{self, Permission};
use crate::workflow::consent::SharingBasis;
use crate::workflow::fields::{self, LONG_TEXT};
use crate::workflow::machine::{Refusal, RefusalCode};
use crate::workflow::rules;
use crate::ValidationErrors;

/// The longest a receiver's access may last, in days from the referral.
pub const MAX_ACCESS_DAYS: u32 = 365;

code_list!(
    /// The parts of a case file a referral or transfer can share. The
    /// receiver of a referral reads exactly the sections the sender chose.
    CaseSection {
        /// Reference, status, risk level, protection status, identification.
        Summary = "summary",
        /// The child's identity: names, age, citizenship, languages.
        Identity = "identity",
        Consents = "consents",
        Vulnerability = "vulnerability",
        Indicators = "indicators",
        BestInterest = "best_interest",
        CasePlan = "case_plan",
        StandardsOfCare = "standards_of_care",
        Exploitation = "exploitation",
        Movement = "movement",
        FollowUps = "follow_ups",
        /// Restricted: only a sender who may read perpetrators may share them.
        Perpetrators = "perpetrators",
    }
);

code_list!(
    /// Where a referral stands.
    ReferralStatus {
        Requested = "requested",
        Accepted = "accepted",
        Declined = "declined",
        Completed = "completed",
        Revoked = "revoked",
    }
);

code_list!(
    /// What can happen to a referral.
    ReferralAction {
        /// The receiver takes the child on.
        Accept = "accept",
        /// The receiver cannot help.
        Decline = "decline",
        /// The receiver reports the outcome back; its access ends.
        Complete = "complete",
        /// The sender withdraws the referral; the receiver's access ends.
        Revoke = "revoke",
    }
);

/// Which end of a referral an actor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralSide {
    /// The organisation that owns the case and sent the referral.
    Sender,
    /// The organisation the referral is addressed to.
    Receiver,
}

/// The body of a new referral, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    pub to_organisation: String,
    /// A person at the receiving organisation, when known.
    pub to_user: Option<String>,
    /// HTCDS `cas_ReasonForOutgoingReferral`.
    pub reason: String,
    pub details: Option<String>,
    pub service_type: String,
    /// The sections the receiver may read (at least one).
    pub sections: Vec<String>,
    /// `YYYY-MM-DD`: the last day the receiver may read the shared sections.
    pub access_until: String,
}

/// A validated referral, before the consent and service rules are checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewReferral {
    pub to_organisation: OrganisationId,
    pub to_user: Option<UserId>,
    pub reason: ReferralReason,
    pub details: Option<String>,
    pub service_type: ServiceType,
    pub sections: BTreeSet<CaseSection>,
    pub access_until: NaiveDate,
}

impl NewReferral {
    /// Parses a referral from the organisation `owner`, on `today`.
    pub fn parse(input: ReferralInput, owner: &OrganisationId, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let to_organisation = fields::organisation(&mut errors, "to_organisation", &input.to_organisation);
        if to_organisation.as_ref() == Some(owner) {
            errors.add("to_organisation", "must be another organisation than the one that owns the case");
        }
        let to_user = match input.to_user.as_deref() {
            Some(raw) => fields::user(&mut errors, "to_user", raw).map(Some),
            None => Some(None),
        };
        let reason = errors.check("reason", ReferralReason::parse(&input.reason));
        let details = fields::optional(&mut errors, "details", input.details.as_deref(), LONG_TEXT);
        let service_type = errors.check("service_type", ServiceType::parse(&input.service_type));
        let sections: BTreeSet<CaseSection> =
            fields::code_set(&mut errors, "sections", &input.sections, CaseSection::parse).into_iter().collect();
        if input.sections.is_empty() {
            errors.add("sections", "must name at least one section to share");
        }
        let access_until =
            fields::future_date(&mut errors, "access_until", &input.access_until, today, MAX_ACCESS_DAYS);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewReferral {
            to_organisation: to_organisation.expect("no errors"),
            to_user: to_user.expect("no errors"),
            reason: reason.expect("no errors"),
            details: details.expect("no errors"),
            service_type: service_type.expect("no errors"),
            sections,
            access_until: access_until.expect("no errors"),
        })
    }

    /// Whether this referral may be sent: a basis for sharing (consent, or an
    /// override), the service rule (nothing but immediate protection before an
    /// approved BIA), and perpetrator records only from a sender allowed to
    /// read them.
    pub fn check_may_send(
        &self,
        sender: Role,
        sharing: Option<&SharingBasis>,
        bia_approved: bool,
    ) -> Result<(), Refusal> {
        if sharing.is_none() {
            return Err(Refusal::new(
                RefusalCode::ConsentRequired,
                "a referral shares the case: it needs consent for sharing, or a supervisor's override with a reason",
            ));
        }
        if self.sections.contains(&CaseSection::Perpetrators) && !policy::role_may(sender, Permission::ReadPerpetrators)
        {
            return Err(Refusal::new(RefusalCode::RoleNotPermitted, "only a supervisor may share perpetrator records"));
        }
        rules::check_service_allowed(self.service_type, bia_approved)
    }
}

/// The receiver's report of what was done, required to complete a referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReferralOutcome(String);

impl ReferralOutcome {
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let text = fields::required(&mut errors, "outcome", raw, LONG_TEXT);
        errors.into_result(|| ReferralOutcome(text.expect("no errors")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The status `action` by `side` takes a referral in `status` to, or why not.
///
/// `requested → accepted | declined | revoked`, `accepted → completed |
/// revoked`; declined, completed and revoked are final. Only the receiver
/// accepts, declines and completes (with an outcome); only the sender revokes.
pub fn referral_transition(
    status: ReferralStatus,
    action: ReferralAction,
    side: ReferralSide,
    outcome: Option<&ReferralOutcome>,
) -> Result<ReferralStatus, Refusal> {
    use ReferralAction as A;
    use ReferralStatus as S;
    let expected_side = if action == A::Revoke { ReferralSide::Sender } else { ReferralSide::Receiver };
    if side != expected_side {
        let who = if expected_side == ReferralSide::Sender { "sending" } else { "receiving" };
        return Err(Refusal::new(
            RefusalCode::RoleNotPermitted,
            format!("only the {who} organisation may \"{action}\" a referral"),
        ));
    }
    let next = match (status, action) {
        (S::Requested, A::Accept) => S::Accepted,
        (S::Requested, A::Decline) => S::Declined,
        (S::Accepted, A::Complete) => {
            if outcome.is_none() {
                return Err(Refusal::new(
                    RefusalCode::OutcomeRequired,
                    "completing a referral means reporting its outcome back",
                ));
            }
            S::Completed
        }
        (S::Requested | S::Accepted, A::Revoke) => S::Revoked,
        _ => {
            return Err(Refusal::new(
                RefusalCode::NotAllowedFromStatus,
                format!("\"{action}\" is not possible while the referral is \"{status}\""),
            ))
        }
    };
    Ok(next)
}

/// What decides whether the receiver may read a section of a referred case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralAccess {
    pub status: ReferralStatus,
    pub sections: BTreeSet<CaseSection>,
    pub access_until: NaiveDate,
}

impl ReferralAccess {
    /// Whether the receiving organisation may read `section` on `today`: only
    /// a shared section, only while the referral is pending or accepted (they
    /// need to read it to decide), and only until the access end date,
    /// inclusive. Anything else answers as absent (404).
    pub fn receiver_may_read(&self, section: CaseSection, today: NaiveDate) -> bool {
        matches!(self.status, ReferralStatus::Requested | ReferralStatus::Accepted)
            && today <= self.access_until
            && self.sections.contains(&section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn owner() -> OrganisationId {
        OrganisationId::parse("00000000-0000-4000-8000-000000000001").unwrap()
    }

    fn input() -> ReferralInput {
        ReferralInput {
            to_organisation: "00000000-0000-4000-8000-000000000002".into(),
            to_user: None,
            reason: "AdditionalServicesRequired".into(),
            details: Some("Legal counselling in Greek".into()),
            service_type: "legal_assistance".into(),
            sections: vec!["summary".into(), "case_plan".into(), "summary".into()],
            access_until: "2027-01-31".into(),
        }
    }

    #[test]
    fn parses_a_referral() {
        let referral = NewReferral::parse(input(), &owner(), today()).unwrap();
        assert_eq!(referral.sections.len(), 2);
        assert_eq!(referral.service_type, ServiceType::LegalAssistance);
    }

    #[test]
    fn rejects_bad_referrals_field_by_field() {
        let mut bad = input();
        bad.to_organisation = owner().to_string();
        bad.sections = vec![];
        bad.access_until = "2026-11-26".into();
        bad.reason = "Because".into();
        let errors = NewReferral::parse(bad, &owner(), today()).unwrap_err();
        assert_eq!(errors.fields.keys().collect::<Vec<_>>(), ["access_until", "reason", "sections", "to_organisation"]);
        let mut far = input();
        far.access_until = "2028-01-01".into();
        assert!(NewReferral::parse(far, &owner(), today()).unwrap_err().fields.contains_key("access_until"));
    }

    #[test]
    fn sending_needs_consent_the_bia_and_permission_for_perpetrators() {
        let referral = NewReferral::parse(input(), &owner(), today()).unwrap();
        assert_eq!(
            referral.check_may_send(Role::Caseworker, None, true).unwrap_err().code,
            RefusalCode::ConsentRequired
        );
        assert_eq!(
            referral.check_may_send(Role::Caseworker, Some(&SharingBasis::Consent), false).unwrap_err().code,
            RefusalCode::BiaNotApproved
        );
        assert!(referral.check_may_send(Role::Caseworker, Some(&SharingBasis::Consent), true).is_ok());
        let mut with_perpetrators = referral.clone();
        with_perpetrators.sections.insert(CaseSection::Perpetrators);
        assert_eq!(
            with_perpetrators.check_may_send(Role::Caseworker, Some(&SharingBasis::Consent), true).unwrap_err().code,
            RefusalCode::RoleNotPermitted
        );
        assert!(with_perpetrators.check_may_send(Role::Supervisor, Some(&SharingBasis::Consent), true).is_ok());
    }

    #[test]
    fn referral_state_machine_over_every_pair() {
        use ReferralAction as A;
        use ReferralStatus as S;
        let outcome = ReferralOutcome::parse("Enrolled in school on 2 December").unwrap();
        let allowed = [
            (S::Requested, A::Accept, S::Accepted),
            (S::Requested, A::Decline, S::Declined),
            (S::Requested, A::Revoke, S::Revoked),
            (S::Accepted, A::Complete, S::Completed),
            (S::Accepted, A::Revoke, S::Revoked),
        ];
        for &status in S::ALL {
            for &action in A::ALL {
                let side = if action == A::Revoke { ReferralSide::Sender } else { ReferralSide::Receiver };
                let result = referral_transition(status, action, side, Some(&outcome));
                match allowed.iter().find(|(s, a, _)| *s == status && *a == action) {
                    Some((_, _, to)) => assert_eq!(result, Ok(*to)),
                    None => assert_eq!(result.unwrap_err().code, RefusalCode::NotAllowedFromStatus),
                }
                let other = if side == ReferralSide::Sender { ReferralSide::Receiver } else { ReferralSide::Sender };
                let wrong_side = referral_transition(status, action, other, Some(&outcome));
                assert_eq!(wrong_side.unwrap_err().code, RefusalCode::RoleNotPermitted);
            }
        }
        assert_eq!(
            referral_transition(S::Accepted, A::Complete, ReferralSide::Receiver, None).unwrap_err().code,
            RefusalCode::OutcomeRequired
        );
        assert!(ReferralOutcome::parse(" ").is_err());
        assert!(ReferralOutcome::parse(&"x".repeat(10_000)).is_err());
    }

    #[test]
    fn receivers_read_shared_sections_until_the_end_date_only() {
        let access = ReferralAccess {
            status: ReferralStatus::Accepted,
            sections: [CaseSection::Summary].into_iter().collect(),
            access_until: today(),
        };
        assert!(access.receiver_may_read(CaseSection::Summary, today()));
        assert!(!access.receiver_may_read(CaseSection::Identity, today()));
        assert!(!access.receiver_may_read(CaseSection::Summary, today().succ_opt().unwrap()));
        for status in [ReferralStatus::Declined, ReferralStatus::Completed, ReferralStatus::Revoked] {
            let ended = ReferralAccess { status, ..access.clone() };
            assert!(!ended.receiver_may_read(CaseSection::Summary, today()), "{status}");
        }
    }
}
