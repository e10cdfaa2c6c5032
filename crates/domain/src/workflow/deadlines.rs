//! Deadlines (DOMAIN.md, "Rules the workflow enforces"): a configurable table
//! keyed on (risk level, step), and the pure computation of a case's due and
//! overdue tasks at a given moment.
//!
//! Shipped defaults: assign a new case within 1 h (high risk) or 3 h (other);
//! first response within 24 h / 3 days / 7 days; a case plan within 14 days
//! of registration; follow-up every 7 / 14 / 30 days.
//!
//! Dates without a time (a service's due date, a review date) fall due at the
//! end of that day in UTC; the server may shift them to an office's time zone
//! before calling in.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::CaseStatus;
use crate::codes::{code_list, RiskLevel, ServiceType};
use crate::workflow::machine::is_open;
use crate::workflow::plan::ServiceStatus;
use crate::ValidationErrors;

/// The longest deadline the table accepts: one year, in minutes.
pub const MAX_DEADLINE_MINUTES: u32 = 366 * 24 * 60;

code_list!(
    /// The steps that have a deadline in the table.
    DeadlineStep {
        /// A new case gets a caseworker.
        Assign = "assign",
        /// Someone sees or speaks with the child.
        FirstResponse = "first_response",
        /// A case plan is approved, counted from registration.
        CasePlan = "case_plan",
        /// The interval between follow-ups once services run.
        FollowUp = "follow_up",
    }
);

/// How long each step may take, per risk level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeadlineTable {
    /// Minutes, keyed on `risk_level/step` wire names.
    #[schema(value_type = BTreeMap<String, u32>)]
    #[serde(serialize_with = "serialize_entries")]
    entries: BTreeMap<(RiskLevel, DeadlineStep), u32>,
}

fn serialize_entries<S: serde::Serializer>(
    entries: &BTreeMap<(RiskLevel, DeadlineStep), u32>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for ((risk, step), minutes) in entries {
        map.serialize_entry(&format!("{risk}/{step}"), minutes)?;
    }
    map.end()
}

/// One entry of the table as configured.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineInput {
    pub risk_level: String,
    pub step: String,
    /// The time allowed, in minutes (1 to one year).
    pub minutes: i64,
}

/// One entry of the table as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeadlineEntry {
    pub risk_level: RiskLevel,
    pub step: DeadlineStep,
    pub minutes: u32,
}

impl From<DeadlineEntry> for DeadlineInput {
    fn from(entry: DeadlineEntry) -> Self {
        DeadlineInput {
            risk_level: entry.risk_level.as_str().to_string(),
            step: entry.step.as_str().to_string(),
            minutes: i64::from(entry.minutes),
        }
    }
}

const HOUR: u32 = 60;
const DAY: u32 = 24 * HOUR;

impl Default for DeadlineTable {
    fn default() -> Self {
        DeadlineTable::defaults()
    }
}

impl DeadlineTable {
    /// DOMAIN.md's shipped defaults.
    pub fn defaults() -> Self {
        use DeadlineStep::*;
        use RiskLevel::*;
        let entries = [
            ((High, Assign), HOUR),
            ((Medium, Assign), 3 * HOUR),
            ((Low, Assign), 3 * HOUR),
            ((High, FirstResponse), DAY),
            ((Medium, FirstResponse), 3 * DAY),
            ((Low, FirstResponse), 7 * DAY),
            ((High, CasePlan), 14 * DAY),
            ((Medium, CasePlan), 14 * DAY),
            ((Low, CasePlan), 14 * DAY),
            ((High, FollowUp), 7 * DAY),
            ((Medium, FollowUp), 14 * DAY),
            ((Low, FollowUp), 30 * DAY),
        ];
        DeadlineTable { entries: entries.into_iter().collect() }
    }

    /// The defaults with the configured entries replacing theirs: an
    /// organisation changes what it needs, and every step keeps a deadline.
    pub fn parse(input: Vec<DeadlineInput>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut table = DeadlineTable::defaults();
        let mut seen = std::collections::BTreeSet::new();
        let most = RiskLevel::ALL.len() * DeadlineStep::ALL.len();
        if input.len() > most {
            errors.add("deadlines", format!("must list at most {most} entries"));
            return Err(errors);
        }
        for (i, entry) in input.into_iter().enumerate() {
            let risk = errors.check(&format!("deadlines[{i}].risk_level"), RiskLevel::parse(&entry.risk_level));
            let step = errors.check(&format!("deadlines[{i}].step"), DeadlineStep::parse(&entry.step));
            let minutes = if (1..=i64::from(MAX_DEADLINE_MINUTES)).contains(&entry.minutes) {
                Some(entry.minutes as u32)
            } else {
                errors.add(format!("deadlines[{i}].minutes"), format!("must be between 1 and {MAX_DEADLINE_MINUTES}"));
                None
            };
            if let (Some(risk), Some(step), Some(minutes)) = (risk, step, minutes) {
                if !seen.insert((risk, step)) {
                    errors.add(format!("deadlines[{i}]"), format!("{risk}/{step} is listed twice"));
                }
                table.entries.insert((risk, step), minutes);
            }
        }
        errors.into_result(|| table)
    }

    /// Every entry, in the shape [`DeadlineTable::parse`] reads: what an
    /// organisation's settings show and store.
    pub fn entries(&self) -> Vec<DeadlineEntry> {
        self.entries.iter().map(|(&(risk_level, step), &minutes)| DeadlineEntry { risk_level, step, minutes }).collect()
    }

    /// The time allowed for `step` on a case of `risk`.
    pub fn allowed(&self, risk: RiskLevel, step: DeadlineStep) -> TimeDelta {
        let minutes = self.entries.get(&(risk, step)).copied().unwrap_or(DAY);
        TimeDelta::minutes(i64::from(minutes))
    }
}

/// What the deadline computation needs to know about one case. The store
/// fills it from the case, its approvals, services and follow-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTimeline {
    pub status: CaseStatus,
    pub risk_level: RiskLevel,
    pub registered_at: DateTime<Utc>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// The first time someone saw or spoke with the child.
    pub first_response_at: Option<DateTime<Utc>>,
    pub case_plan_approved_at: Option<DateTime<Utc>>,
    /// The latest follow-up done.
    pub last_follow_up_at: Option<DateTime<Utc>>,
    /// Follow-ups scheduled and not yet done.
    pub scheduled_follow_ups: Vec<NaiveDate>,
    /// The case's services with their due dates.
    pub services: Vec<ServiceDue>,
    /// When the best-interest determination is to be reviewed.
    pub bid_review_date: Option<NaiveDate>,
}

impl CaseTimeline {
    /// A case as registered, before anything else happened to it: no
    /// assignment, contact, plan, follow-up, service or review yet.
    pub fn registered(status: CaseStatus, risk_level: RiskLevel, registered_at: DateTime<Utc>) -> Self {
        CaseTimeline {
            status,
            risk_level,
            registered_at,
            assigned_at: None,
            first_response_at: None,
            case_plan_approved_at: None,
            last_follow_up_at: None,
            scheduled_follow_ups: Vec::new(),
            services: Vec::new(),
            bid_review_date: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceDue {
    pub service_type: ServiceType,
    pub due_date: NaiveDate,
    pub status: ServiceStatus,
}

/// A piece of work on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum TaskKind {
    Assign,
    FirstResponse,
    CasePlan,
    /// The periodic follow-up of the deadline table.
    FollowUp,
    /// A follow-up someone scheduled.
    ScheduledFollowUp,
    Service {
        service_type: ServiceType,
    },
    BidReview,
}

impl TaskKind {
    /// The name a stored work item carries (with the service type apart).
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Assign => "assign",
            TaskKind::FirstResponse => "first_response",
            TaskKind::CasePlan => "case_plan",
            TaskKind::FollowUp => "follow_up",
            TaskKind::ScheduledFollowUp => "scheduled_follow_up",
            TaskKind::Service { .. } => "service",
            TaskKind::BidReview => "bid_review",
        }
    }

    pub fn service_type(self) -> Option<ServiceType> {
        match self {
            TaskKind::Service { service_type } => Some(service_type),
            _ => None,
        }
    }

    /// The inverse of [`TaskKind::name`] and [`TaskKind::service_type`].
    pub fn from_parts(name: &str, service_type: Option<ServiceType>) -> Option<TaskKind> {
        Some(match (name, service_type) {
            ("assign", None) => TaskKind::Assign,
            ("first_response", None) => TaskKind::FirstResponse,
            ("case_plan", None) => TaskKind::CasePlan,
            ("follow_up", None) => TaskKind::FollowUp,
            ("scheduled_follow_up", None) => TaskKind::ScheduledFollowUp,
            ("service", Some(service_type)) => TaskKind::Service { service_type },
            ("bid_review", None) => TaskKind::BidReview,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub kind: TaskKind,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
}

/// The end of `date` in UTC (the last second of the day).
fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
    let midnight = next.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    midnight - TimeDelta::seconds(1)
}

fn after(start: DateTime<Utc>, allowed: TimeDelta) -> DateTime<Utc> {
    start.checked_add_signed(allowed).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Every open task of a case at `now`, earliest first. A case that is not
/// open (closed, duplicate, transferred, or waiting on a closure or transfer
/// decision) has none: the waiting ones are the supervisor's approvals.
pub fn case_tasks(case: &CaseTimeline, table: &DeadlineTable, now: DateTime<Utc>) -> Vec<Task> {
    if !is_open(case.status) {
        return Vec::new();
    }
    let risk = case.risk_level;
    let mut due: Vec<(TaskKind, DateTime<Utc>)> = Vec::new();
    if case.assigned_at.is_none() {
        due.push((TaskKind::Assign, after(case.registered_at, table.allowed(risk, DeadlineStep::Assign))));
    }
    if case.first_response_at.is_none() {
        due.push((
            TaskKind::FirstResponse,
            after(case.registered_at, table.allowed(risk, DeadlineStep::FirstResponse)),
        ));
    }
    match case.case_plan_approved_at {
        None => due.push((TaskKind::CasePlan, after(case.registered_at, table.allowed(risk, DeadlineStep::CasePlan)))),
        Some(approved) if matches!(case.status, CaseStatus::Implementation | CaseStatus::FollowUp) => {
            let since = case.last_follow_up_at.map_or(approved, |last| last.max(approved));
            due.push((TaskKind::FollowUp, after(since, table.allowed(risk, DeadlineStep::FollowUp))));
        }
        Some(_) => {}
    }
    due.extend(case.scheduled_follow_ups.iter().map(|date| (TaskKind::ScheduledFollowUp, end_of_day(*date))));
    due.extend(
        case.services
            .iter()
            .filter(|s| s.status.is_pending())
            .map(|s| (TaskKind::Service { service_type: s.service_type }, end_of_day(s.due_date))),
    );
    if let Some(review) = case.bid_review_date {
        due.push((TaskKind::BidReview, end_of_day(review)));
    }
    let mut tasks: Vec<Task> =
        due.into_iter().map(|(kind, due_at)| Task { kind, due_at, overdue: due_at < now }).collect();
    tasks.sort_by_key(|t| (t.due_at, t.kind));
    tasks
}

/// A user's work list: what is overdue, and what falls due within `horizon`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkList<K> {
    pub overdue: Vec<(K, Task)>,
    pub upcoming: Vec<(K, Task)>,
}

/// Splits the tasks of many cases (each tagged with a key, e.g. a case id)
/// into overdue and upcoming within `horizon` of `now`; later tasks are left
/// out. Both lists are sorted by due time, earliest first.
pub fn work_list<K: Clone>(
    cases: &[(K, CaseTimeline)],
    table: &DeadlineTable,
    now: DateTime<Utc>,
    horizon: TimeDelta,
) -> WorkList<K> {
    let until = after(now, horizon);
    let mut list = WorkList { overdue: Vec::new(), upcoming: Vec::new() };
    for (key, case) in cases {
        for task in case_tasks(case, table, now) {
            if task.overdue {
                list.overdue.push((key.clone(), task));
            } else if task.due_at <= until {
                list.upcoming.push((key.clone(), task));
            }
        }
    }
    list.overdue.sort_by_key(|(_, t)| t.due_at);
    list.upcoming.sort_by_key(|(_, t)| t.due_at);
    list
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn new_case(risk: RiskLevel) -> CaseTimeline {
        CaseTimeline::registered(CaseStatus::Registered, risk, at(1, 8))
    }

    #[test]
    fn defaults_follow_domain_md() {
        let table = DeadlineTable::defaults();
        assert_eq!(table.allowed(RiskLevel::High, DeadlineStep::Assign), TimeDelta::hours(1));
        assert_eq!(table.allowed(RiskLevel::Low, DeadlineStep::Assign), TimeDelta::hours(3));
        assert_eq!(table.allowed(RiskLevel::Medium, DeadlineStep::FirstResponse), TimeDelta::days(3));
        assert_eq!(table.allowed(RiskLevel::Low, DeadlineStep::FollowUp), TimeDelta::days(30));
        assert_eq!(table.allowed(RiskLevel::High, DeadlineStep::CasePlan), TimeDelta::days(14));
    }

    #[test]
    fn a_new_high_risk_case_is_overdue_for_assignment_after_an_hour() {
        let table = DeadlineTable::defaults();
        let tasks = case_tasks(&new_case(RiskLevel::High), &table, at(1, 10));
        let kinds: Vec<(TaskKind, bool)> = tasks.iter().map(|t| (t.kind, t.overdue)).collect();
        assert_eq!(kinds, [(TaskKind::Assign, true), (TaskKind::FirstResponse, false), (TaskKind::CasePlan, false)]);
        assert_eq!(tasks[0].due_at, at(1, 9));
        let low = case_tasks(&new_case(RiskLevel::Low), &table, at(1, 10));
        assert!(low.iter().all(|t| !t.overdue));
    }

    #[test]
    fn follow_ups_run_from_the_latest_one() {
        let table = DeadlineTable::defaults();
        let mut case = new_case(RiskLevel::Medium);
        case.status = CaseStatus::FollowUp;
        case.assigned_at = Some(at(1, 9));
        case.first_response_at = Some(at(1, 12));
        case.case_plan_approved_at = Some(at(5, 12));
        case.last_follow_up_at = Some(at(10, 12));
        case.services = vec![
            ServiceDue {
                service_type: ServiceType::Education,
                due_date: at(20, 0).date_naive(),
                status: ServiceStatus::Planned,
            },
            ServiceDue {
                service_type: ServiceType::Medical,
                due_date: at(2, 0).date_naive(),
                status: ServiceStatus::Delivered,
            },
        ];
        case.bid_review_date = Some(at(30, 0).date_naive());
        let tasks = case_tasks(&case, &table, at(21, 0));
        let kinds: Vec<(TaskKind, bool)> = tasks.iter().map(|t| (t.kind, t.overdue)).collect();
        assert_eq!(
            kinds,
            [
                (TaskKind::Service { service_type: ServiceType::Education }, true),
                (TaskKind::FollowUp, false),
                (TaskKind::BidReview, false)
            ]
        );
        assert_eq!(tasks[1].due_at, at(24, 12));
        case.status = CaseStatus::Closed;
        assert!(case_tasks(&case, &table, at(21, 0)).is_empty());
    }

    #[test]
    fn work_lists_split_overdue_and_upcoming() {
        let table = DeadlineTable::defaults();
        let cases = vec![("a", new_case(RiskLevel::High)), ("b", new_case(RiskLevel::Low))];
        let list = work_list(&cases, &table, at(1, 10), TimeDelta::days(1));
        assert_eq!(list.overdue.iter().map(|(k, t)| (*k, t.kind)).collect::<Vec<_>>(), [("a", TaskKind::Assign)]);
        assert_eq!(
            list.upcoming.iter().map(|(k, t)| (*k, t.kind)).collect::<Vec<_>>(),
            [("b", TaskKind::Assign), ("a", TaskKind::FirstResponse)]
        );
    }

    #[test]
    fn the_table_is_configurable_and_bounded() {
        let table = DeadlineTable::parse(vec![DeadlineInput {
            risk_level: "high".into(),
            step: "follow_up".into(),
            minutes: 3 * 24 * 60,
        }])
        .unwrap();
        assert_eq!(table.allowed(RiskLevel::High, DeadlineStep::FollowUp), TimeDelta::days(3));
        assert_eq!(table.allowed(RiskLevel::Low, DeadlineStep::FollowUp), TimeDelta::days(30));
        for minutes in [0, -1, i64::MAX, i64::from(MAX_DEADLINE_MINUTES) + 1] {
            let input = DeadlineInput { risk_level: "x".into(), step: "y".into(), minutes };
            assert_eq!(DeadlineTable::parse(vec![input]).unwrap_err().fields.len(), 3);
        }
        let json = serde_json::to_value(DeadlineTable::defaults()).unwrap();
        assert_eq!(json["entries"]["high/assign"], 60);
    }

    #[test]
    fn task_kinds_are_stored_by_name_and_read_back() {
        let kinds = [
            TaskKind::Assign,
            TaskKind::FirstResponse,
            TaskKind::CasePlan,
            TaskKind::FollowUp,
            TaskKind::ScheduledFollowUp,
            TaskKind::Service { service_type: ServiceType::Medical },
            TaskKind::BidReview,
        ];
        for kind in kinds {
            assert_eq!(TaskKind::from_parts(kind.name(), kind.service_type()), Some(kind));
        }
        assert_eq!(TaskKind::from_parts("service", None), None);
        assert_eq!(TaskKind::from_parts("assign", Some(ServiceType::Medical)), None);
        assert_eq!(TaskKind::from_parts("nap", None), None);
    }

    #[test]
    fn an_entry_listed_twice_is_refused_and_entries_read_back() {
        let entry = || DeadlineInput { risk_level: "low".into(), step: "assign".into(), minutes: 90 };
        let errors = DeadlineTable::parse(vec![entry(), entry()]).unwrap_err();
        assert!(errors.fields.contains_key("deadlines[1]"), "{errors:?}");
        let table = DeadlineTable::parse(vec![entry()]).unwrap();
        let again = DeadlineTable::parse(table.entries().into_iter().map(DeadlineInput::from).collect()).unwrap();
        assert_eq!(again, table);
        assert_eq!(table.entries().len(), 12);
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let mut case = new_case(RiskLevel::High);
        case.registered_at = DateTime::<Utc>::MAX_UTC;
        case.bid_review_date = Some(NaiveDate::MAX);
        case.scheduled_follow_ups = vec![NaiveDate::MIN];
        let tasks = case_tasks(&case, &DeadlineTable::defaults(), DateTime::<Utc>::MIN_UTC);
        assert_eq!(tasks.len(), 5);
    }
}
