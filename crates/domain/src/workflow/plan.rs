//! The case plan and its services (DOMAIN.md, CasePlan and Service types).
//!
//! A plan is written only after the best-interest assessment is approved
//! ([`crate::workflow::rules::check_case_plan_allowed`]); a service outside a
//! plan — immediate protection before the assessment — is a
//! [`ServiceItem`] on its own, gated by
//! [`crate::workflow::rules::check_service_allowed`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{code_list, ServiceType};
use crate::ids::OrganisationId;
use crate::workflow::fields::{self, LONG_TEXT, SHORT_TEXT};
use crate::workflow::machine::Refusal;
use crate::workflow::rules;
use crate::ValidationErrors;

/// How far ahead a service may be due, in days.
pub const MAX_DUE_DAYS: u32 = 730;
/// Most goals and most services one plan may hold.
pub const MAX_PLAN_ENTRIES: usize = 50;

code_list!(
    /// Where a planned service stands.
    ServiceStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Delivered = "delivered",
        /// No provider could give it (a gap to report, not a failure of the child).
        NotAvailable = "not_available",
        Cancelled = "cancelled",
    }
);

impl ServiceStatus {
    /// Whether the service still has to happen (and so can be overdue).
    pub fn is_pending(self) -> bool {
        matches!(self, ServiceStatus::Planned | ServiceStatus::InProgress)
    }
}

/// One service, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemInput {
    pub service_type: String,
    /// A partner organisation of the directory…
    pub provider_organisation_id: Option<String>,
    /// …or the name of a provider outside it. At least one of the two.
    pub provider_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// Defaults to `planned`.
    pub status: Option<String>,
    pub notes: Option<String>,
}

/// Who provides a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Provider {
    pub organisation_id: Option<OrganisationId>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ServiceItem {
    pub service_type: ServiceType,
    pub provider: Provider,
    pub due_date: NaiveDate,
    pub status: ServiceStatus,
    pub notes: Option<String>,
}

impl ServiceItem {
    /// Parses one service. A due date may lie in the past for a service being
    /// recorded after the fact, but not before the earliest plausible date.
    pub fn parse(input: ServiceItemInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let item = parse_item(&mut errors, "", input, today);
        errors.into_result(|| item.expect("no errors"))
    }

    /// The rule for a service given on its own (outside an approved plan).
    pub fn check_allowed(&self, bia_approved: bool) -> Result<(), Refusal> {
        rules::check_service_allowed(self.service_type, bia_approved)
    }

    /// Whether the service is pending and its due date has passed.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_pending() && self.due_date < today
    }
}

fn parse_item(
    errors: &mut ValidationErrors,
    prefix: &str,
    input: ServiceItemInput,
    today: NaiveDate,
) -> Option<ServiceItem> {
    let field = |name: &str| format!("{prefix}{name}");
    let service_type = errors.check(&field("service_type"), ServiceType::parse(&input.service_type));
    let organisation_id = match input.provider_organisation_id.as_deref() {
        Some(raw) => fields::organisation(errors, &field("provider_organisation_id"), raw).map(Some),
        None => Some(None),
    };
    let name = fields::optional(errors, &field("provider_name"), input.provider_name.as_deref(), SHORT_TEXT);
    if matches!((&organisation_id, &name), (Some(None), Some(None))) {
        errors.add(field("provider_organisation_id"), "name the provider: a partner organisation or a provider name");
    }
    let due_date = errors.check(&field("due_date"), crate::text::date(&input.due_date)).and_then(|date| {
        let latest = today.checked_add_days(chrono::Days::new(MAX_DUE_DAYS.into())).unwrap_or(NaiveDate::MAX);
        if date < fields::earliest_date() || date > latest {
            errors.add(
                field("due_date"),
                format!("must be between {} and {MAX_DUE_DAYS} days from today", fields::earliest_date()),
            );
            None
        } else {
            Some(date)
        }
    });
    let status = match input.status.as_deref() {
        Some(raw) => errors.check(&field("status"), ServiceStatus::parse(raw)),
        None => Some(ServiceStatus::Planned),
    };
    let notes = fields::optional(errors, &field("notes"), input.notes.as_deref(), LONG_TEXT);
    Some(ServiceItem {
        service_type: service_type?,
        provider: Provider { organisation_id: organisation_id?, name: name? },
        due_date: due_date?,
        status: status?,
        notes: notes?,
    })
}

/// A case plan as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePlanInput {
    pub goals: Vec<String>,
    pub services: Vec<ServiceItemInput>,
}

/// A validated case plan. Its approval is an [`crate::workflow::approval::Approval`] of kind `case_plan`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CasePlan {
    pub goals: Vec<String>,
    pub services: Vec<ServiceItem>,
}

impl CasePlan {
    pub fn parse(input: CasePlanInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if input.goals.is_empty() {
            errors.add("goals", "a plan needs at least one goal");
        }
        let goals = if input.goals.len() > MAX_PLAN_ENTRIES {
            errors.add("goals", format!("must list at most {MAX_PLAN_ENTRIES} goals"));
            Vec::new()
        } else {
            fields::text_list(&mut errors, "goals", &input.goals, LONG_TEXT)
        };
        let services = if input.services.len() > MAX_PLAN_ENTRIES {
            errors.add("services", format!("must list at most {MAX_PLAN_ENTRIES} services"));
            Vec::new()
        } else {
            input
                .services
                .into_iter()
                .enumerate()
                .filter_map(|(i, item)| parse_item(&mut errors, &format!("services[{i}]."), item, today))
                .collect()
        };
        errors.into_result(|| CasePlan { goals, services })
    }

    /// Whether this plan may be written and approved now.
    pub fn check_allowed(bia_approved: bool) -> Result<(), Refusal> {
        rules::check_case_plan_allowed(bia_approved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn service() -> ServiceItemInput {
        ServiceItemInput {
            service_type: "education".into(),
            provider_name: Some("Shkolla 9 Maji".into()),
            due_date: "2027-01-10".into(),
            ..Default::default()
        }
    }

    #[test]
    fn parses_a_plan() {
        let plan = CasePlan::parse(
            CasePlanInput { goals: vec!["Back in school by January".into()], services: vec![service()] },
            today(),
        )
        .unwrap();
        assert_eq!(plan.services[0].status, ServiceStatus::Planned);
        assert!(!plan.services[0].is_overdue(today()));
        assert!(plan.services[0].is_overdue(NaiveDate::from_ymd_opt(2027, 1, 11).unwrap()));
    }

    #[test]
    fn rejects_bad_plans_per_field() {
        let mut no_provider = service();
        no_provider.provider_name = None;
        no_provider.due_date = "9999-12-31".into();
        no_provider.status = Some("done".into());
        let errors =
            CasePlan::parse(CasePlanInput { goals: vec![], services: vec![no_provider] }, today()).unwrap_err();
        assert_eq!(
            errors.fields.keys().collect::<Vec<_>>(),
            ["goals", "services[0].due_date", "services[0].provider_organisation_id", "services[0].status"]
        );
    }

    #[test]
    fn only_immediate_protection_before_the_bia() {
        let mut shelter = service();
        shelter.service_type = "immediate_protection".into();
        assert!(ServiceItem::parse(shelter, today()).unwrap().check_allowed(false).is_ok());
        assert!(ServiceItem::parse(service(), today()).unwrap().check_allowed(false).is_err());
        assert!(CasePlan::check_allowed(false).is_err());
    }
}
