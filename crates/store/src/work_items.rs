//! The work list, persisted: each open case's tasks with their due times, as
//! the domain's deadline rules compute them ([`deadlines::case_tasks`]), kept
//! in `work_items` and an organisation's settings in `organisation_settings`.
//!
//! Why: computing a supervisor's work list on every request read every open
//! case of the organisation and its records (26,000 cases: 0.4 s alone, 15 s
//! at p95 under load, docs/benchmarks.md). The rules stay in the domain, with
//! no IO; what they compute is written with whatever changes it, so that
//! `/me/work` reads one index range of due times, with a LIMIT and a count.
//!
//! Architecture Invariant: a case's work items are the domain's tasks for the
//! case as stored. Every writer unit that changes what the rules read — the
//! case's status, risk level, owner or assignee, its records, approvals and
//! transfers, or its organisation's settings — calls [`refresh_case`] (or
//! [`refresh_organisation`]) before it ends, in the same transaction.
//! A task's due time does not depend on the time it is read at: only whether
//! it is overdue does, and that is decided by the query.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use safepath_domain::codes::{CaseStatus, RiskLevel, ServiceType};
use safepath_domain::ids::{CaseId, OrganisationId, UserId};
use safepath_domain::policy::CaseScope;
use safepath_domain::workflow::deadlines::{self, CaseTimeline, ServiceDue, Task, TaskKind};
use safepath_domain::workflow::machine::OPEN_STATUSES;
use safepath_domain::workflow::plan::ServiceStatus;
use safepath_domain::workflow::settings::{OrganisationSettings, OrganisationSettingsInput};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::cases::{parse_code, parse_date, scope_condition_on, Params};
use crate::directory::corrupt;
use crate::workflow::WorkItem;
use crate::StoreResult;

/// Rows per multi-row insert (7 parameters each).
const ROWS_PER_INSERT: usize = 200;

/// An organisation's settings: DOMAIN.md's defaults when none are stored.
pub(crate) async fn organisation_settings(
    conn: &mut AnyConnection,
    organisation: &OrganisationId,
) -> StoreResult<OrganisationSettings> {
    let row = sqlx::query("SELECT settings FROM organisation_settings WHERE organisation_id = $1")
        .bind(organisation.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        None => Ok(OrganisationSettings::default()),
        Some(row) => settings_from_json(&row.try_get::<String, _>("settings")?),
    }
}

fn settings_from_json(raw: &str) -> StoreResult<OrganisationSettings> {
    let input: OrganisationSettingsInput = serde_json::from_str(raw).map_err(|_| corrupt("settings", raw))?;
    OrganisationSettings::parse(input).map_err(|_| corrupt("settings", raw))
}

/// Stores an organisation's settings (validated by the caller's type).
pub(crate) async fn write_settings(
    conn: &mut AnyConnection,
    organisation: &OrganisationId,
    settings: &OrganisationSettings,
    updated_by: Option<&UserId>,
) -> StoreResult<()> {
    let json = serde_json::to_string(&settings.to_input()).expect("settings serialise");
    let now = crate::now_ms();
    let updated_by = updated_by.map(|u| u.as_str().to_string());
    let updated = sqlx::query(
        "UPDATE organisation_settings SET settings = $1, updated_by = $2, updated_at = $3 WHERE organisation_id = $4",
    )
    .bind(&json)
    .bind(updated_by.clone())
    .bind(now)
    .bind(organisation.as_str())
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO organisation_settings (organisation_id, settings, updated_by, updated_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(organisation.as_str())
        .bind(&json)
        .bind(updated_by)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Who a case's work items belong to: copies of the case's columns.
struct Owner {
    organisation_id: String,
    assigned_to: Option<String>,
}

/// The deadline timelines of the open cases matching `condition` (over the
/// cases table aliased `c`), from the case and its records and approvals.
async fn timelines(
    conn: &mut AnyConnection,
    condition: &str,
    params: &Params,
) -> StoreResult<BTreeMap<String, (Owner, CaseTimeline)>> {
    let open: Vec<String> = OPEN_STATUSES.iter().map(|s| format!("'{s}'")).collect();
    let open = open.join(", ");
    let cases_sql = format!(
        "SELECT c.id, c.organisation_id, c.status, c.risk_level, c.assigned_to, c.created_at FROM cases c
         WHERE {condition} AND c.status IN ({open})"
    );
    let rows = params.bind(sqlx::query(&cases_sql)).fetch_all(&mut *conn).await?;
    let mut timelines = BTreeMap::new();
    for row in &rows {
        let status: String = row.try_get("status")?;
        let risk: String = row.try_get("risk_level")?;
        let created_at: i64 = row.try_get("created_at")?;
        let assigned_to: Option<String> = row.try_get("assigned_to")?;
        let timeline = CaseTimeline {
            status: parse_code(&status, CaseStatus::parse, "status")?,
            risk_level: parse_code(&risk, RiskLevel::parse, "risk level")?,
            registered_at: at(created_at),
            // When the assignment was made is not recorded: an assigned case
            // has no assignment task, whenever it was assigned.
            assigned_at: assigned_to.as_ref().map(|_| at(created_at)),
            first_response_at: None,
            case_plan_approved_at: None,
            last_follow_up_at: None,
            scheduled_follow_ups: Vec::new(),
            services: Vec::new(),
            bid_review_date: None,
        };
        let owner = Owner { organisation_id: row.try_get("organisation_id")?, assigned_to };
        timelines.insert(row.try_get("id")?, (owner, timeline));
    }
    if timelines.is_empty() {
        return Ok(timelines);
    }
    // What the records say: the first contact, the latest follow-up done,
    // and every pending item with its due date.
    let records_sql = format!(
        "SELECT r.case_id, r.kind, r.due_on, r.data, r.created_at FROM cases c JOIN case_records r ON r.case_id = c.id
         WHERE {condition} AND c.status IN ({open})
           AND (r.due_on IS NOT NULL OR r.kind IN ('follow_up', 'vulnerability_assessment', 'indicator_observation'))"
    );
    let rows = params.bind(sqlx::query(&records_sql)).fetch_all(&mut *conn).await?;
    for row in &rows {
        let case_id: String = row.try_get("case_id")?;
        let Some((_, timeline)) = timelines.get_mut(&case_id) else { continue };
        let kind: String = row.try_get("kind")?;
        let due_on: Option<String> = row.try_get("due_on")?;
        let due_on = due_on.as_deref().map(parse_date).transpose()?;
        let created_at = at(row.try_get("created_at")?);
        let contact = matches!(kind.as_str(), "follow_up" | "vulnerability_assessment" | "indicator_observation");
        if contact && due_on.is_none() {
            timeline.first_response_at = Some(timeline.first_response_at.map_or(created_at, |t| t.min(created_at)));
        }
        match (kind.as_str(), due_on) {
            ("follow_up", None) => {
                timeline.last_follow_up_at = Some(timeline.last_follow_up_at.map_or(created_at, |t| t.max(created_at)))
            }
            ("follow_up", Some(due)) => timeline.scheduled_follow_ups.push(due),
            ("service", Some(due)) => {
                let data: String = row.try_get("data")?;
                let data: Value = serde_json::from_str(&data).map_err(|_| corrupt("record", &data))?;
                let service_type = data["service_type"].as_str().and_then(|s| ServiceType::parse(s).ok());
                let status = data["status"].as_str().and_then(|s| ServiceStatus::parse(s).ok());
                if let (Some(service_type), Some(status)) = (service_type, status) {
                    timeline.services.push(ServiceDue { service_type, due_date: due, status });
                }
            }
            ("bid", Some(review)) => {
                timeline.bid_review_date = Some(timeline.bid_review_date.map_or(review, |r| r.max(review)))
            }
            _ => {}
        }
    }
    let approved_sql = format!(
        "SELECT a.case_id, MAX(a.decided_at) AS approved_at FROM cases c JOIN approvals a ON a.case_id = c.id
         WHERE {condition} AND c.status IN ({open}) AND a.kind = 'case_plan' AND a.decision = 'approved'
         GROUP BY a.case_id"
    );
    let rows = params.bind(sqlx::query(&approved_sql)).fetch_all(&mut *conn).await?;
    for row in &rows {
        let case_id: String = row.try_get("case_id")?;
        if let Some((_, timeline)) = timelines.get_mut(&case_id) {
            timeline.case_plan_approved_at = row.try_get::<Option<i64>, _>("approved_at")?.map(at);
        }
    }
    Ok(timelines)
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

/// Rewrites the work items of the cases matching `condition` (over `c`):
/// those of cases no longer open go, the others are computed afresh.
async fn refresh(conn: &mut AnyConnection, condition: &str, params: &Params) -> StoreResult<()> {
    let delete = format!("DELETE FROM work_items WHERE case_id IN (SELECT c.id FROM cases c WHERE {condition})");
    params.bind(sqlx::query(&delete)).execute(&mut *conn).await?;
    let timelines = timelines(conn, condition, params).await?;
    let mut tables = HashMap::new();
    let mut rows: Vec<(String, usize, &Owner, Task)> = Vec::new();
    // The due times do not depend on `now`; only the (unstored) overdue flag does.
    let now = Utc::now();
    for (case_id, (owner, timeline)) in &timelines {
        if !tables.contains_key(&owner.organisation_id) {
            let organisation = OrganisationId::from_trusted(owner.organisation_id.clone());
            let settings = organisation_settings(conn, &organisation).await?;
            tables.insert(owner.organisation_id.clone(), settings.deadlines);
        }
        let table = &tables[&owner.organisation_id];
        for (position, task) in deadlines::case_tasks(timeline, table, now).into_iter().enumerate() {
            rows.push((case_id.clone(), position, owner, task));
        }
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut params = Params::default();
        let values: Vec<String> = chunk
            .iter()
            .map(|(case_id, position, owner, task)| {
                format!(
                    "({}, {}, {}, {}, {}, {}, {})",
                    params.text(case_id.as_str()),
                    params.int(*position as i64),
                    params.text(owner.organisation_id.as_str()),
                    params.optional_text(owner.assigned_to.as_deref()),
                    params.text(task.kind.name()),
                    params.optional_text(task.kind.service_type().map(|s| s.as_str())),
                    params.int(task.due_at.timestamp_millis()),
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO work_items (case_id, position, organisation_id, assigned_to, task, service_type, due_at) VALUES {}",
            values.join(", ")
        );
        params.bind(sqlx::query(&sql)).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Recomputes one case's work items (see the module's invariant).
pub(crate) async fn refresh_case(conn: &mut AnyConnection, case: &CaseId) -> StoreResult<()> {
    let mut params = Params::default();
    let condition = format!("c.id = {}", params.text(case.as_str()));
    refresh(conn, &condition, &params).await
}

/// Recomputes the work items of several cases (a bulk import's chunk).
pub(crate) async fn refresh_cases(conn: &mut AnyConnection, cases: &[CaseId]) -> StoreResult<()> {
    if cases.is_empty() {
        return Ok(());
    }
    let mut params = Params::default();
    let ids: Vec<String> = cases.iter().map(|c| params.text(c.as_str())).collect();
    let condition = format!("c.id IN ({})", ids.join(", "));
    refresh(conn, &condition, &params).await
}

/// Recomputes the work items of every case of an organisation (its deadline
/// table changed).
pub(crate) async fn refresh_organisation(conn: &mut AnyConnection, organisation: &OrganisationId) -> StoreResult<()> {
    let mut params = Params::default();
    let condition = format!("c.organisation_id = {}", params.text(organisation.as_str()));
    refresh(conn, &condition, &params).await
}

/// Fills `work_items` for the cases that exist when the table is created.
pub(crate) async fn backfill(conn: &mut AnyConnection) -> StoreResult<()> {
    let rows = sqlx::query("SELECT DISTINCT organisation_id FROM cases").fetch_all(&mut *conn).await?;
    for row in &rows {
        let organisation = OrganisationId::from_trusted(row.try_get("organisation_id")?);
        refresh_organisation(conn, &organisation).await?;
    }
    Ok(())
}

/// One list of a work view: the first `limit` items in due order and how
/// many there are in all.
pub(crate) struct WorkPage {
    pub items: Vec<WorkItem>,
    pub total: usize,
}

/// The overdue tasks (due before `now`) and the upcoming ones (due from
/// `now` to `now + horizon`) of the cases in `scope`: each list from one
/// index range of `work_items`, the first `limit` rows with their case's
/// reference, and both counts from one more range.
pub(crate) async fn read(
    conn: &mut AnyConnection,
    scope: &CaseScope,
    now: DateTime<Utc>,
    horizon: TimeDelta,
    limit: usize,
) -> StoreResult<(WorkPage, WorkPage)> {
    let now_ms = now.timestamp_millis();
    let until_ms = now.checked_add_signed(horizon).map_or(i64::MAX, |t| t.timestamp_millis());
    let mut params = Params::default();
    let condition = scope_condition_on(scope, "w", &mut params);
    let now_param = params.int(now_ms);
    let until_param = params.int(until_ms);
    let counts_sql = format!(
        "SELECT COUNT(*) AS due, COALESCE(SUM(CASE WHEN w.due_at < {now_param} THEN 1 ELSE 0 END), 0) AS overdue
         FROM work_items w WHERE {condition} AND w.due_at <= {until_param}"
    );
    let row = params.bind(sqlx::query(&counts_sql)).fetch_one(&mut *conn).await?;
    let due: i64 = row.try_get("due")?;
    let overdue: i64 = row.try_get("overdue")?;
    let overdue_items = page(conn, scope, None, now_ms, limit).await?;
    let upcoming_items = page(conn, scope, Some(now_ms), until_ms, limit).await?;
    Ok((
        WorkPage { items: overdue_items, total: overdue.max(0) as usize },
        WorkPage { items: upcoming_items, total: (due - overdue).max(0) as usize },
    ))
}

/// The first `limit` items of the scope due in `[from, before)` (from the
/// beginning when `from` is `None`), or `[from, until]` for the upcoming list.
async fn page(
    conn: &mut AnyConnection,
    scope: &CaseScope,
    from: Option<i64>,
    bound: i64,
    limit: usize,
) -> StoreResult<Vec<WorkItem>> {
    let mut params = Params::default();
    let condition = scope_condition_on(scope, "w", &mut params);
    let range = match from {
        None => format!("w.due_at < {}", params.int(bound)),
        Some(from) => format!("w.due_at >= {} AND w.due_at <= {}", params.int(from), params.int(bound)),
    };
    let limit = params.int(limit as i64);
    // The rows first, in index order; the case only for its reference.
    let sql = format!(
        "SELECT w.case_id, c.reference, w.task, w.service_type, w.due_at FROM work_items w CROSS JOIN cases c
         WHERE {condition} AND {range} AND c.id = w.case_id
         ORDER BY w.due_at, w.case_id, w.position LIMIT {limit}"
    );
    let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await?;
    let overdue = from.is_none();
    rows.iter()
        .map(|row| {
            let name: String = row.try_get("task")?;
            let service: Option<String> = row.try_get("service_type")?;
            let service = service.as_deref().map(|s| parse_code(s, ServiceType::parse, "service type")).transpose()?;
            let kind = TaskKind::from_parts(&name, service).ok_or_else(|| corrupt("task", &name))?;
            Ok(WorkItem {
                case_id: CaseId::from_trusted(row.try_get("case_id")?),
                reference: row.try_get("reference")?,
                task: Task { kind, due_at: at(row.try_get("due_at")?), overdue },
            })
        })
        .collect()
}
