//! Follow-ups (DOMAIN.md, FollowUp): visits and calls after services began,
//! scheduled ahead and recorded when done.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::code_list;
use crate::workflow::fields::{self, LONG_TEXT};
use crate::ValidationErrors;

/// How far ahead a follow-up may be scheduled, in days.
pub const MAX_SCHEDULE_DAYS: u32 = 366;

code_list!(
    /// How the child was followed up.
    FollowUpType {
        HomeVisit = "home_visit",
        OfficeVisit = "office_visit",
        SchoolVisit = "school_visit",
        PhoneCall = "phone_call",
        /// Through a partner organisation or a local structure.
        ThroughPartner = "through_partner",
        Other = "other",
    }
);

code_list!(
    /// What the follow-up found.
    FollowUpOutcome {
        /// The child is safe and the plan is on track.
        OnTrack = "on_track",
        /// The plan needs changes.
        PlanNeedsReview = "plan_needs_review",
        /// A new risk: the case needs attention now.
        NewRisk = "new_risk",
        /// The child could not be reached.
        NotReached = "not_reached",
    }
);

/// A follow-up as received: scheduled (`due_date` only) or done.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// `YYYY-MM-DD`, not in the future; absent while it is only scheduled.
    pub done_date: Option<String>,
    pub kind: String,
    pub notes: Option<String>,
    /// Required once done.
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    pub due_date: NaiveDate,
    pub done_date: Option<NaiveDate>,
    pub kind: FollowUpType,
    pub notes: Option<String>,
    pub outcome: Option<FollowUpOutcome>,
}

impl FollowUp {
    pub fn parse(input: FollowUpInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let due_date = errors.check("due_date", crate::text::date(&input.due_date)).and_then(|date| {
            let latest = today.checked_add_days(chrono::Days::new(MAX_SCHEDULE_DAYS.into())).unwrap_or(NaiveDate::MAX);
            if date < fields::earliest_date() || date > latest {
                errors.add("due_date", format!("must be at most {MAX_SCHEDULE_DAYS} days ahead"));
                None
            } else {
                Some(date)
            }
        });
        let done_date = fields::optional_past_date(&mut errors, "done_date", input.done_date.as_deref(), today);
        let kind = errors.check("kind", FollowUpType::parse(&input.kind));
        let notes = fields::optional(&mut errors, "notes", input.notes.as_deref(), LONG_TEXT);
        let outcome = match input.outcome.as_deref() {
            Some(raw) => errors.check("outcome", FollowUpOutcome::parse(raw)).map(Some),
            None => Some(None),
        };
        match (done_date, outcome) {
            (Some(Some(_)), Some(None)) => errors.add("outcome", "a follow-up that was done has an outcome"),
            (Some(None), Some(Some(_))) => errors.add("done_date", "give the date the follow-up was done"),
            _ => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(FollowUp {
            due_date: due_date.expect("no errors"),
            done_date: done_date.expect("no errors"),
            kind: kind.expect("no errors"),
            notes: notes.expect("no errors"),
            outcome: outcome.expect("no errors"),
        })
    }

    pub fn is_done(&self) -> bool {
        self.done_date.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn scheduled_and_done_follow_ups() {
        let scheduled =
            FollowUpInput { due_date: "2026-12-10".into(), kind: "home_visit".into(), ..Default::default() };
        assert!(!FollowUp::parse(scheduled, today()).unwrap().is_done());
        let done = FollowUpInput {
            due_date: "2026-11-20".into(),
            done_date: Some("2026-11-21".into()),
            kind: "phone_call".into(),
            outcome: Some("on_track".into()),
            ..Default::default()
        };
        assert!(FollowUp::parse(done, today()).unwrap().is_done());
        let no_outcome = FollowUpInput {
            due_date: "2026-11-20".into(),
            done_date: Some("2026-11-21".into()),
            kind: "phone_call".into(),
            ..Default::default()
        };
        assert!(FollowUp::parse(no_outcome, today()).unwrap_err().fields.contains_key("outcome"));
        let far = FollowUpInput { due_date: "2099-01-01".into(), kind: "x".into(), ..Default::default() };
        assert_eq!(FollowUp::parse(far, today()).unwrap_err().fields.len(), 2);
    }
}
