//! Cross-border and cross-organisation transfers (DOMAIN.md, Transfer): the
//! owning organisation hands the whole case to another. The case machine
//! ([`crate::workflow::machine`]) decides when it may complete; this module
//! parses the request and derives the facts the machine needs from it.

use serde::{Deserialize, Serialize};

use crate::codes::ReferralReason;
use crate::ids::OrganisationId;
use crate::text;
use crate::workflow::consent::SharingBasis;
use crate::workflow::fields::{self, LONG_TEXT};
use crate::workflow::machine::TransferFacts;
use crate::ValidationErrors;

/// The body of a transfer request, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    pub to_organisation: String,
    /// ISO 3166-1: the country where the child is now.
    pub from_country: String,
    /// ISO 3166-1: the country where the receiver will work with the child.
    pub to_country: String,
    /// HTCDS referral reason; `MigrationOrChangeOfLocation` for most transfers.
    pub reason: String,
    pub details: Option<String>,
    /// The transfer separates the child from their parents against their will.
    #[serde(default)]
    pub separates_from_parents: bool,
}

/// A validated transfer request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewTransfer {
    pub to_organisation: OrganisationId,
    pub from_country: String,
    pub to_country: String,
    pub reason: ReferralReason,
    pub details: Option<String>,
    pub separates_from_parents: bool,
}

impl NewTransfer {
    pub fn parse(input: TransferInput, owner: &OrganisationId) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let to_organisation = fields::organisation(&mut errors, "to_organisation", &input.to_organisation);
        if to_organisation.as_ref() == Some(owner) {
            errors.add("to_organisation", "must be another organisation than the one that owns the case");
        }
        let from_country = errors.check("from_country", text::country(&input.from_country));
        let to_country = errors.check("to_country", text::country(&input.to_country));
        let reason = errors.check("reason", ReferralReason::parse(&input.reason));
        let details = fields::optional(&mut errors, "details", input.details.as_deref(), LONG_TEXT);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewTransfer {
            to_organisation: to_organisation.expect("no errors"),
            from_country: from_country.expect("no errors"),
            to_country: to_country.expect("no errors"),
            reason: reason.expect("no errors"),
            details: details.expect("no errors"),
            separates_from_parents: input.separates_from_parents,
        })
    }

    /// The child crosses a border.
    pub fn is_cross_border(&self) -> bool {
        self.from_country != self.to_country
    }

    /// The facts the case machine needs, given what has happened since the
    /// request: the sharing basis, the supervisor's approval, the receiver's
    /// acceptance.
    pub fn facts(
        &self,
        sharing: Option<SharingBasis>,
        supervisor_approved: bool,
        receiver_accepted: bool,
    ) -> TransferFacts {
        TransferFacts {
            cross_border: self.is_cross_border(),
            separates_from_parents: self.separates_from_parents,
            sharing,
            supervisor_approved,
            receiver_accepted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> OrganisationId {
        OrganisationId::parse("00000000-0000-4000-8000-000000000001").unwrap()
    }

    fn input() -> TransferInput {
        TransferInput {
            to_organisation: "00000000-0000-4000-8000-000000000002".into(),
            from_country: "GRC".into(),
            to_country: "AL".into(),
            reason: "MigrationOrChangeOfLocation".into(),
            details: None,
            separates_from_parents: false,
        }
    }

    #[test]
    fn a_transfer_to_another_country_needs_a_bid() {
        let transfer = NewTransfer::parse(input(), &owner()).unwrap();
        assert_eq!(transfer.from_country, "GR");
        assert!(transfer.facts(None, false, false).requires_bid());
        let mut domestic = input();
        domestic.to_country = "GR".into();
        let transfer = NewTransfer::parse(domestic, &owner()).unwrap();
        assert!(!transfer.facts(None, false, false).requires_bid());
    }

    #[test]
    fn rejects_bad_transfers() {
        let bad = TransferInput {
            to_organisation: owner().to_string(),
            from_country: "XX".into(),
            to_country: "\0".into(),
            reason: String::new(),
            details: Some("x".repeat(10_000)),
            separates_from_parents: false,
        };
        let errors = NewTransfer::parse(bad, &owner()).unwrap_err();
        assert_eq!(errors.fields.len(), 5);
    }
}
