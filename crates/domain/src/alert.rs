//! Alerts (DOMAIN.md "Alert"): a community focal point, or a partner's
//! caseworker, tells the organisation that a child may be at risk or
//! exploited — who reports, where, what was seen, the child if known, how
//! urgent. A caseworker or supervisor of the receiving organisation then
//! triages it: into a new case (through the ordinary case registration),
//! into situation-analysis evidence, or dismissed with a reason.
//!
//! The report itself (names, places, what was seen) is as sensitive as a
//! child's identity: the store keeps it apart from the alert's head, and the
//! person who sent it never reads it back (they see that it was sent).
//! Triage erases what is no longer needed ([`AlertDetails::erase_at_triage`]):
//! the child's name and description once a case holds them or once the
//! alert is kept only as evidence about a place, and the reporter's contact
//! too when the alert is dismissed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::{NewCase, NewCaseInput};
use crate::codes::{code_list, Gender};
use crate::ids::{CaseId, OrganisationId};
use crate::{text, ValidationErrors};

code_list!(
    /// How soon someone must act on an alert.
    AlertUrgency {
        /// The child is in danger now (today).
        Immediate = "immediate",
        /// Within a few days.
        Soon = "soon",
        /// When the organisation can.
        Routine = "routine",
    }
);

code_list!(
    /// Where an alert is in its triage.
    AlertStatus {
        /// Sent, not yet triaged.
        New = "new",
        /// A case was registered from it.
        Case = "case",
        /// Kept as evidence for the situation analysis of its area.
        Evidence = "evidence",
        /// Dismissed, with a reason.
        Dismissed = "dismissed",
    }
);

/// Longest description of what was seen.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;

/// The body of `POST /api/v1/alerts`, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlertInput {
    /// Who reports: a name, a role ("teacher at the village school"), or both.
    pub reporter: String,
    /// How to reach the reporter again, if they wish.
    pub reporter_contact: Option<String>,
    /// Where the child was seen (village, market, border point…).
    pub place: String,
    /// ISO 3166-1 country of the place, when known.
    pub country: Option<String>,
    /// `YYYY-MM-DD`, not in the future; today when absent.
    pub seen_on: Option<String>,
    /// What was seen or heard.
    pub description: String,
    /// The child, when known.
    pub child: Option<AlertChildInput>,
    /// `immediate`, `soon` or `routine`.
    pub urgency: String,
}

/// What the reporter knows of the child; every part optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertChildInput {
    pub name: Option<String>,
    /// HTCDS `prs_Gender`, e.g. `Feminine`.
    pub sex: Option<String>,
    /// Approximate age in years.
    pub estimated_age: Option<i64>,
    /// Anything else that helps find the child (clothes, language, who was with them).
    pub description: Option<String>,
}

/// A validated alert, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub details: AlertDetails,
    pub country: Option<String>,
    pub seen_on: NaiveDate,
    pub urgency: AlertUrgency,
}

/// The report's content: identifying or locating, stored apart and read only
/// on audited paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertDetails {
    pub reporter: String,
    pub reporter_contact: Option<String>,
    pub place: String,
    pub description: String,
    pub child: AlertChild,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertChild {
    pub name: Option<String>,
    pub sex: Option<Gender>,
    pub estimated_age: Option<i64>,
    pub description: Option<String>,
}

/// A part of the report that triage may erase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportField {
    ChildName,
    ChildDescription,
    ReporterContact,
}

impl ReportField {
    /// Its column in `alert_details`.
    pub fn column(self) -> &'static str {
        match self {
            ReportField::ChildName => "child_name",
            ReportField::ChildDescription => "child_description",
            ReportField::ReporterContact => "reporter_contact",
        }
    }
}

impl AlertDetails {
    /// What of the report triage to `status` erases (data minimisation): a
    /// case holds the child's identity from then on; evidence is about a
    /// place, not a child; a dismissed alert keeps only what says why it was
    /// dismissed.
    pub fn erased_at_triage(status: AlertStatus) -> &'static [ReportField] {
        use ReportField::*;
        match status {
            AlertStatus::New => &[],
            AlertStatus::Case | AlertStatus::Evidence => &[ChildName, ChildDescription],
            AlertStatus::Dismissed => &[ChildName, ChildDescription, ReporterContact],
        }
    }

    /// Erases what [`Self::erased_at_triage`] names.
    pub fn erase_at_triage(&mut self, status: AlertStatus) {
        for field in Self::erased_at_triage(status) {
            match field {
                ReportField::ChildName => self.child.name = None,
                ReportField::ChildDescription => self.child.description = None,
                ReportField::ReporterContact => self.reporter_contact = None,
            }
        }
    }
}

impl NewAlert {
    /// Parses a report received on `today` (dates after it are refused).
    pub fn parse(input: NewAlertInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let reporter = errors.check("reporter", text::required(&input.reporter, 200));
        let reporter_contact = errors.check("reporter_contact", text::optional(input.reporter_contact.as_deref(), 200));
        let place = errors.check("place", text::required(&input.place, 300));
        let country = match input.country.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(raw) => errors.check("country", text::country(raw)),
            None => None,
        };
        let seen_on = match input.seen_on.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(raw) => errors.check("seen_on", parse_seen_on(raw, today)),
            None => Some(today),
        };
        let description = errors.check("description", text::required(&input.description, MAX_DESCRIPTION_CHARS));
        let urgency = errors.check("urgency", AlertUrgency::parse(input.urgency.trim()));
        let child = parse_child(&mut errors, input.child.unwrap_or_default());
        errors.into_result(|| NewAlert {
            details: AlertDetails {
                reporter: reporter.unwrap_or_default(),
                reporter_contact: reporter_contact.flatten(),
                place: place.unwrap_or_default(),
                description: description.unwrap_or_default(),
                child,
            },
            country,
            seen_on: seen_on.unwrap_or(today),
            urgency: urgency.unwrap_or(AlertUrgency::Routine),
        })
    }
}

fn parse_seen_on(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = text::date(raw)?;
    if date > today {
        Err("must not be in the future".into())
    } else {
        Ok(date)
    }
}

fn parse_child(errors: &mut ValidationErrors, input: AlertChildInput) -> AlertChild {
    let name = errors.check("child.name", text::optional(input.name.as_deref(), 200)).flatten();
    let sex = match input.sex.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => errors.check("child.sex", Gender::parse(raw)),
        None => None,
    };
    let estimated_age = match input.estimated_age {
        Some(age) if !(0..=25).contains(&age) => {
            errors.add("child.estimated_age", "must be between 0 and 25 years");
            None
        }
        age => age,
    };
    let description = errors.check("child.description", text::optional(input.description.as_deref(), 1_000)).flatten();
    AlertChild { name, sex, estimated_age, description }
}

/// An alert as the receiving organisation's caseworkers read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: String,
    pub organisation_id: OrganisationId,
    pub urgency: AlertUrgency,
    pub status: AlertStatus,
    pub country: Option<String>,
    pub seen_on: NaiveDate,
    /// Milliseconds since the Unix epoch.
    pub received_at: i64,
    pub details: AlertDetails,
    pub triage: Option<AlertTriageRecord>,
}

/// How an alert was triaged, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertTriageRecord {
    pub decision: AlertStatus,
    pub by: crate::ids::UserId,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// The case registered from the alert (decision `case`).
    pub case_id: Option<CaseId>,
    /// The dismissal reason or the note for the situation analysis.
    pub note: Option<String>,
}

/// What the sender of an alert sees of it afterwards: that it was sent, and
/// when — never what it said, nor what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertReceipt {
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub received_at: i64,
}

/// The body of `POST /api/v1/alerts/{id}/triage`, as received.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertTriageInput {
    /// `case`, `evidence` or `dismissed`.
    pub decision: String,
    /// The registration of the child (decision `case`), as `POST /api/v1/cases` takes it.
    pub case: Option<NewCaseInput>,
    /// Why it is dismissed (required for `dismissed`), or a note for the
    /// situation analysis (`evidence`).
    pub note: Option<String>,
}

/// A validated triage decision.
#[derive(Debug, Clone)]
pub enum AlertTriage {
    /// Register the child: the case goes through the ordinary registration.
    Case(Box<NewCase>),
    /// Keep as situation-analysis evidence for the alert's area.
    Evidence { note: Option<String> },
    /// Dismiss, with a reason.
    Dismissed { reason: String },
}

impl AlertTriage {
    pub fn parse(input: AlertTriageInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let note = |errors: &mut ValidationErrors| errors.check("note", text::optional(input.note.as_deref(), 2_000));
        match input.decision.trim() {
            "case" => {
                let Some(case) = input.case else {
                    return Err(ValidationErrors::single("case", "a registration is required to open a case"));
                };
                if input.note.is_some() {
                    return Err(ValidationErrors::single("note", "is not taken with decision \"case\""));
                }
                NewCase::parse(case, today).map(|case| AlertTriage::Case(Box::new(case))).map_err(|errors| {
                    let mut nested = ValidationErrors::new();
                    for (field, reason) in errors.fields {
                        nested.add(format!("case.{field}"), reason);
                    }
                    nested
                })
            }
            decision @ ("evidence" | "dismissed") => {
                let mut errors = ValidationErrors::new();
                if input.case.is_some() {
                    errors.add("case", "is only taken with decision \"case\"");
                }
                let note = note(&mut errors).flatten();
                if decision == "dismissed" && note.is_none() {
                    errors.add("note", "a reason is required to dismiss an alert");
                }
                errors.into_result(|| match decision {
                    "evidence" => AlertTriage::Evidence { note },
                    _ => AlertTriage::Dismissed { reason: note.unwrap_or_default() },
                })
            }
            _ => Err(ValidationErrors::single("decision", "must be one of: case, evidence, dismissed")),
        }
    }

    /// The status the alert takes.
    pub fn status(&self) -> AlertStatus {
        match self {
            AlertTriage::Case(_) => AlertStatus::Case,
            AlertTriage::Evidence { .. } => AlertStatus::Evidence,
            AlertTriage::Dismissed { .. } => AlertStatus::Dismissed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn input() -> NewAlertInput {
        NewAlertInput {
            reporter: "Teacher, Bajram Curri school".into(),
            place: "Bus station, Kukës".into(),
            description: "A girl of about 12 selling at night, a man collects the money".into(),
            urgency: "soon".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_report_is_enough() {
        let alert = NewAlert::parse(input(), today()).unwrap();
        assert_eq!(alert.seen_on, today());
        assert_eq!(alert.urgency, AlertUrgency::Soon);
        assert_eq!(alert.details.child, AlertChild::default());
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = NewAlertInput {
            reporter: " ".into(),
            place: "x\0".into(),
            country: Some("XX".into()),
            seen_on: Some("2026-12-01".into()),
            description: "".into(),
            urgency: "yesterday".into(),
            child: Some(AlertChildInput { sex: Some("girl".into()), estimated_age: Some(-1), ..Default::default() }),
            ..Default::default()
        };
        let errors = NewAlert::parse(bad, today()).unwrap_err();
        for field in
            ["reporter", "place", "country", "seen_on", "description", "urgency", "child.sex", "child.estimated_age"]
        {
            assert!(errors.fields.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn triage_erases_the_child_and_a_dismissal_the_reporters_contact() {
        let full = NewAlert::parse(
            NewAlertInput {
                reporter_contact: Some("+355 69 000 0000".into()),
                child: Some(AlertChildInput {
                    name: Some("Drita".into()),
                    sex: Some("Feminine".into()),
                    estimated_age: Some(12),
                    description: Some("red coat".into()),
                }),
                ..input()
            },
            today(),
        )
        .unwrap()
        .details;
        let mut new = full.clone();
        new.erase_at_triage(AlertStatus::New);
        assert_eq!(new, full);
        for status in [AlertStatus::Case, AlertStatus::Evidence, AlertStatus::Dismissed] {
            let mut details = full.clone();
            details.erase_at_triage(status);
            assert_eq!((details.child.name, details.child.description), (None, None), "{status}");
            // What the area's evidence counts stays: place, what was seen, sex and age.
            assert_eq!((details.place, details.description), (full.place.clone(), full.description.clone()));
            assert_eq!((details.child.sex, details.child.estimated_age), (full.child.sex, Some(12)));
            assert_eq!(details.reporter_contact.is_none(), status == AlertStatus::Dismissed, "{status}");
        }
    }

    #[test]
    fn a_dismissal_needs_a_reason_and_a_case_a_registration() {
        let triage = |decision: &str, note: Option<&str>| AlertTriageInput {
            decision: decision.into(),
            case: None,
            note: note.map(str::to_string),
        };
        assert!(AlertTriage::parse(triage("dismissed", None), today()).unwrap_err().fields.contains_key("note"));
        assert!(AlertTriage::parse(triage("case", None), today()).unwrap_err().fields.contains_key("case"));
        assert!(AlertTriage::parse(triage("later", None), today()).unwrap_err().fields.contains_key("decision"));
        assert_eq!(AlertTriage::parse(triage("evidence", None), today()).unwrap().status(), AlertStatus::Evidence);
        assert_eq!(
            AlertTriage::parse(triage("dismissed", Some("already known")), today()).unwrap().status(),
            AlertStatus::Dismissed
        );
    }
}
