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
use safepath_domain::workflow::deadlines::{self, CaseTimeline, DeadlineTable, ServiceDue, Task, TaskKind};
use safepath_domain::workflow::machine::OPEN_STATUSES;
use safepath_domain::workflow::plan::ServiceStatus;
use safepath_domain::workflow::settings::{OrganisationSettings, OrganisationSettingsInput};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::cases::{parse_code, parse_date, scope_condition_on, Params};
use crate::directory::corrupt;
use crate::workflow::{WorkItem, WORK_COUNT_CAP};
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

/// The record kinds that count as a first contact with the child.
const CONTACT_KINDS: [&str; 3] = ["follow_up", "vulnerability_assessment", "indicator_observation"];

/// The rows of `case_records` the rules read: pending items with a due date
/// and first contacts (`r` is the records table).
fn records_the_rules_read() -> String {
    let kinds: Vec<String> = CONTACT_KINDS.iter().map(|k| format!("'{k}'")).collect();
    format!("(r.due_on IS NOT NULL OR r.kind IN ({}))", kinds.join(", "))
}

/// A case's columns as the rules read them (before its records and approvals).
fn case_timeline(status: &str, risk: &str, created_at: i64, assigned: bool) -> StoreResult<CaseTimeline> {
    let status = parse_code(status, CaseStatus::parse, "status")?;
    let risk_level = parse_code(risk, RiskLevel::parse, "risk level")?;
    Ok(CaseTimeline {
        // When the assignment was made is not recorded: an assigned case
        // has no assignment task, whenever it was assigned.
        assigned_at: assigned.then(|| at(created_at)),
        ..CaseTimeline::registered(status, risk_level, at(created_at))
    })
}

/// What one record tells the rules: the first contact, the latest
/// follow-up done, and every pending item with its due date. `data` is
/// needed for services only.
fn apply_record(
    timeline: &mut CaseTimeline,
    kind: &str,
    due_on: Option<&str>,
    data: Option<&str>,
    created_at: i64,
) -> StoreResult<()> {
    let due_on = due_on.map(parse_date).transpose()?;
    let created_at = at(created_at);
    if CONTACT_KINDS.contains(&kind) && due_on.is_none() {
        timeline.first_response_at = Some(timeline.first_response_at.map_or(created_at, |t| t.min(created_at)));
    }
    match (kind, due_on) {
        ("follow_up", None) => {
            timeline.last_follow_up_at = Some(timeline.last_follow_up_at.map_or(created_at, |t| t.max(created_at)))
        }
        ("follow_up", Some(due)) => timeline.scheduled_follow_ups.push(due),
        ("service", Some(due)) => {
            let data = data.unwrap_or_default();
            let data: Value = serde_json::from_str(data).map_err(|_| corrupt("record", data))?;
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
    Ok(())
}

/// The `IN (…)` list of the open statuses.
fn open_statuses() -> String {
    let open: Vec<String> = OPEN_STATUSES.iter().map(|s| format!("'{s}'")).collect();
    open.join(", ")
}

/// The deadline timelines of the open cases matching `condition` (over the
/// cases table aliased `c`), from the case and its records and approvals.
async fn timelines(
    conn: &mut AnyConnection,
    condition: &str,
    params: &Params,
) -> StoreResult<BTreeMap<String, (Owner, CaseTimeline)>> {
    let open = open_statuses();
    let cases_sql = format!(
        "SELECT c.id, c.organisation_id, c.status, c.risk_level, c.assigned_to, c.created_at FROM cases c
         WHERE {condition} AND c.status IN ({open})"
    );
    let rows = params.bind(sqlx::query(&cases_sql)).fetch_all(&mut *conn).await?;
    let mut timelines = BTreeMap::new();
    for row in &rows {
        let status: String = row.try_get("status")?;
        let risk: String = row.try_get("risk_level")?;
        let assigned_to: Option<String> = row.try_get("assigned_to")?;
        let timeline = case_timeline(&status, &risk, row.try_get("created_at")?, assigned_to.is_some())?;
        let owner = Owner { organisation_id: row.try_get("organisation_id")?, assigned_to };
        timelines.insert(row.try_get("id")?, (owner, timeline));
    }
    if timelines.is_empty() {
        return Ok(timelines);
    }
    let records_sql = format!(
        "SELECT r.case_id, r.kind, r.due_on, CASE WHEN r.kind = 'service' THEN r.data END AS data, r.created_at
         FROM cases c JOIN case_records r ON r.case_id = c.id
         WHERE {condition} AND c.status IN ({open}) AND {}",
        records_the_rules_read()
    );
    let rows = params.bind(sqlx::query(&records_sql)).fetch_all(&mut *conn).await?;
    for row in &rows {
        let case_id: String = row.try_get("case_id")?;
        let Some((_, timeline)) = timelines.get_mut(&case_id) else { continue };
        let kind: String = row.try_get("kind")?;
        let due_on: Option<String> = row.try_get("due_on")?;
        let data: Option<String> = row.try_get("data")?;
        apply_record(timeline, &kind, due_on.as_deref(), data.as_deref(), row.try_get("created_at")?)?;
    }
    let approved_sql = format!(
        "SELECT a.case_id, MAX(a.decided_at) AS approved_at FROM cases c JOIN approvals a ON a.case_id = c.id
         WHERE {condition} AND c.status IN ({open}) AND {PLAN_APPROVED}
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

/// The approvals the rules read (`a` is the approvals table).
const PLAN_APPROVED: &str = "a.kind = 'case_plan' AND a.decision = 'approved'";

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

/// One row of `work_items` but for its case and position: what a full
/// recompute and the stored rows are compared on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ItemRow {
    organisation_id: String,
    assigned_to: Option<String>,
    task: String,
    service_type: Option<String>,
    due_at: i64,
}

/// The rows the rules give a case (none for a closed one).
fn rows_of(owner: &Owner, timeline: &CaseTimeline, table: &DeadlineTable) -> Vec<ItemRow> {
    // The due times do not depend on `now`; only the (unstored) overdue flag does.
    deadlines::case_tasks(timeline, table, Utc::now())
        .into_iter()
        .map(|task| ItemRow {
            organisation_id: owner.organisation_id.clone(),
            assigned_to: owner.assigned_to.clone(),
            task: task.kind.name().to_string(),
            service_type: task.kind.service_type().map(|s| s.as_str().to_string()),
            due_at: task.due_at.timestamp_millis(),
        })
        .collect()
}

/// Every open case matching `condition` with the rows the rules give it,
/// each organisation's deadline table read once.
async fn computed_rows(
    conn: &mut AnyConnection,
    condition: &str,
    params: &Params,
) -> StoreResult<BTreeMap<String, Vec<ItemRow>>> {
    let timelines = timelines(conn, condition, params).await?;
    let mut tables = HashMap::new();
    let mut computed = BTreeMap::new();
    for (case_id, (owner, timeline)) in &timelines {
        if !tables.contains_key(&owner.organisation_id) {
            let organisation = OrganisationId::from_trusted(owner.organisation_id.clone());
            let settings = organisation_settings(conn, &organisation).await?;
            tables.insert(owner.organisation_id.clone(), settings.deadlines);
        }
        computed.insert(case_id.clone(), rows_of(owner, timeline, &tables[&owner.organisation_id]));
    }
    Ok(computed)
}

/// Writes `rows` as `(case, position, row)` in multi-row statements; with
/// `replace`, a row already at its position is overwritten.
async fn write_rows(conn: &mut AnyConnection, rows: &[(&str, i64, &ItemRow)], replace: bool) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut params = Params::default();
        let values: Vec<String> = chunk
            .iter()
            .map(|(case_id, position, row)| {
                format!(
                    "({}, {}, {}, {}, {}, {}, {})",
                    params.text(*case_id),
                    params.int(*position),
                    params.text(row.organisation_id.as_str()),
                    params.optional_text(row.assigned_to.as_deref()),
                    params.text(row.task.as_str()),
                    params.optional_text(row.service_type.as_deref()),
                    params.int(row.due_at),
                )
            })
            .collect();
        let on_conflict = if replace {
            " ON CONFLICT (case_id, position) DO UPDATE SET organisation_id = excluded.organisation_id,
              assigned_to = excluded.assigned_to, task = excluded.task, service_type = excluded.service_type,
              due_at = excluded.due_at"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO work_items (case_id, position, organisation_id, assigned_to, task, service_type, due_at) VALUES {}{on_conflict}",
            values.join(", ")
        );
        params.bind(sqlx::query(&sql)).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Rewrites the work items of the cases matching `condition` (over `c`):
/// those of cases no longer open go, the others are computed afresh.
async fn refresh(conn: &mut AnyConnection, condition: &str, params: &Params) -> StoreResult<()> {
    let delete = format!("DELETE FROM work_items WHERE case_id IN (SELECT c.id FROM cases c WHERE {condition})");
    params.bind(sqlx::query(&delete)).execute(&mut *conn).await?;
    let computed = computed_rows(conn, condition, params).await?;
    let rows: Vec<(&str, i64, &ItemRow)> = computed
        .iter()
        .flat_map(|(case_id, rows)| rows.iter().enumerate().map(|(n, row)| (case_id.as_str(), n as i64, row)))
        .collect();
    write_rows(conn, &rows, false).await
}

/// Brings one case's work items in line with the rules (see the module's
/// invariant), writing only what changed: a workflow step moves one or two
/// of a case's tasks, and the writer runs one unit at a time, so a step's
/// statements are the writer's throughput (docs/benchmarks.md).
///
/// One statement reads what the rules read — the case, its records, its
/// approved plan, its organisation's settings — together with the rows
/// stored; rows that stay keep their position (a position only tells a
/// case's rows apart), changed ones are overwritten in place or added in
/// one upsert, and rows left over are deleted in one more statement.
pub(crate) async fn refresh_case(conn: &mut AnyConnection, case: &CaseId) -> StoreResult<()> {
    let sql = format!(
        "SELECT 'case' AS src, c.created_at AS n, CAST(NULL AS BIGINT) AS p, c.status AS a, c.risk_level AS b,
                c.assigned_to AS d, c.organisation_id AS e
           FROM cases c WHERE c.id = $1
         UNION ALL
         SELECT 'record', r.created_at, CAST(NULL AS BIGINT), r.kind, r.due_on,
                CASE WHEN r.kind = 'service' THEN r.data END, CAST(NULL AS TEXT)
           FROM case_records r WHERE r.case_id = $1 AND {records}
         UNION ALL
         SELECT 'approved', MAX(a.decided_at), CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                CAST(NULL AS TEXT), CAST(NULL AS TEXT)
           FROM approvals a WHERE a.case_id = $1 AND {PLAN_APPROVED}
         UNION ALL
         SELECT 'settings', s.updated_at, CAST(NULL AS BIGINT), s.settings, CAST(NULL AS TEXT), CAST(NULL AS TEXT),
                CAST(NULL AS TEXT)
           FROM cases c JOIN organisation_settings s ON s.organisation_id = c.organisation_id WHERE c.id = $1
         UNION ALL
         SELECT 'item', w.due_at, w.position, w.task, w.service_type, w.assigned_to, w.organisation_id
           FROM work_items w WHERE w.case_id = $1",
        records = records_the_rules_read()
    );
    let rows = sqlx::query(&sql).bind(case.as_str()).fetch_all(&mut *conn).await?;
    let mut case_row = None;
    let mut settings = None;
    let mut approved_at = None;
    let mut records = Vec::new();
    let mut stored: Vec<(i64, ItemRow)> = Vec::new();
    for row in &rows {
        let src: String = row.try_get("src")?;
        let n: Option<i64> = row.try_get("n")?;
        let a: Option<String> = row.try_get("a")?;
        let b: Option<String> = row.try_get("b")?;
        let d: Option<String> = row.try_get("d")?;
        let e: Option<String> = row.try_get("e")?;
        match src.as_str() {
            "case" => case_row = Some((n, a, b, d, e)),
            "record" => records.push((n, a, b, d)),
            "approved" => approved_at = n,
            "settings" => settings = a,
            _ => stored.push((
                row.try_get::<Option<i64>, _>("p")?.unwrap_or_default(),
                ItemRow {
                    organisation_id: e.unwrap_or_default(),
                    assigned_to: d,
                    task: a.unwrap_or_default(),
                    service_type: b,
                    due_at: n.unwrap_or_default(),
                },
            )),
        }
    }
    let (created_at, status, risk, assigned_to, organisation_id) =
        case_row.ok_or_else(|| corrupt("work item", case.as_str()))?;
    let (created_at, status, risk) =
        (created_at.unwrap_or_default(), status.unwrap_or_default(), risk.unwrap_or_default());
    let owner = Owner { organisation_id: organisation_id.unwrap_or_default(), assigned_to };
    let mut timeline = case_timeline(&status, &risk, created_at, owner.assigned_to.is_some())?;
    for (created_at, kind, due_on, data) in &records {
        let kind = kind.as_deref().unwrap_or_default();
        apply_record(&mut timeline, kind, due_on.as_deref(), data.as_deref(), created_at.unwrap_or_default())?;
    }
    timeline.case_plan_approved_at = approved_at.map(at);
    let table = match settings {
        None => OrganisationSettings::default().deadlines,
        Some(raw) => settings_from_json(&raw)?.deadlines,
    };
    write_changes(conn, case, stored, rows_of(&owner, &timeline, &table)).await
}

/// Writes the difference between a case's stored rows and the rows wanted.
async fn write_changes(
    conn: &mut AnyConnection,
    case: &CaseId,
    mut stored: Vec<(i64, ItemRow)>,
    wanted: Vec<ItemRow>,
) -> StoreResult<()> {
    let mut next = stored.iter().map(|(position, _)| *position).max().unwrap_or(-1);
    let mut added = Vec::new();
    for row in wanted {
        match stored.iter().position(|(_, kept)| *kept == row) {
            Some(i) => {
                stored.swap_remove(i);
            }
            None => added.push(row),
        }
    }
    // The left-over rows' positions are reused first, then new ones after the last.
    let mut free: Vec<i64> = stored.iter().map(|(position, _)| *position).collect();
    free.sort_unstable();
    let mut writes = Vec::new();
    for row in &added {
        let position = if free.is_empty() {
            next += 1;
            next
        } else {
            free.remove(0)
        };
        writes.push((case.as_str(), position, row));
    }
    if !writes.is_empty() {
        write_rows(conn, &writes, true).await?;
    }
    if !free.is_empty() {
        let mut params = Params::default();
        let case_param = params.text(case.as_str());
        let positions: Vec<String> = free.iter().map(|p| params.int(*p)).collect();
        let sql =
            format!("DELETE FROM work_items WHERE case_id = {case_param} AND position IN ({})", positions.join(", "));
        params.bind(sqlx::query(&sql)).execute(&mut *conn).await?;
    }
    Ok(())
}
/// Recomputes the work items of several cases (a bulk import's chunk).
pub(crate) async fn refresh_cases<'a>(
    conn: &mut AnyConnection,
    cases: impl IntoIterator<Item = &'a CaseId>,
) -> StoreResult<()> {
    let mut params = Params::default();
    let ids: Vec<String> = cases.into_iter().map(|c| params.text(c.as_str())).collect();
    if ids.is_empty() {
        return Ok(());
    }
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
/// many there are, counted up to [`WORK_COUNT_CAP`].
pub(crate) struct WorkPage {
    pub items: Vec<WorkItem>,
    pub total: usize,
    /// More than `total` (= [`WORK_COUNT_CAP`]) items: the count stopped.
    pub capped: bool,
}

/// The overdue tasks (due before `now`) and the upcoming ones (due from
/// `now` to `now + horizon`) of the cases in `scope`, in one statement:
/// each list's first `limit` rows from one index range of `work_items` in
/// due order, with their case's reference, and each list counted from the
/// same range up to [`WORK_COUNT_CAP`] + 1 rows, so that no request reads
/// more than a bounded part of the index however many cases the scope holds.
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
    let range = |params: &mut Params, list: List| {
        let condition = scope_condition_on(scope, "w", params);
        match list {
            List::Overdue => format!("{condition} AND w.due_at < {}", params.int(now_ms)),
            List::Upcoming => {
                format!("{condition} AND w.due_at >= {} AND w.due_at <= {}", params.int(now_ms), params.int(until_ms))
            }
        }
    };
    let mut branches = Vec::new();
    let mut counts = Vec::new();
    for list in [List::Overdue, List::Upcoming] {
        // The rows first, in index order; the case only for its reference.
        let rows = range(&mut params, list);
        branches.push(format!(
            "SELECT * FROM (SELECT {n} AS list, w.case_id, c.reference, w.task, w.service_type, w.due_at, w.position
               FROM work_items w CROSS JOIN cases c WHERE {rows} AND c.id = w.case_id
               ORDER BY w.due_at, w.case_id, w.position LIMIT {limit}) page{n}",
            n = list as i64,
            limit = params.int(limit as i64),
        ));
        let counted = range(&mut params, list);
        counts.push(format!(
            "(SELECT COUNT(*) FROM (SELECT 1 FROM work_items w WHERE {counted} LIMIT {}) counted{})",
            params.int(WORK_COUNT_CAP as i64 + 1),
            list as i64
        ));
    }
    // The counts as one more row: overdue in `due_at`, upcoming in `position`.
    branches.push(format!(
        "SELECT 2, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), {}, {}",
        counts[0], counts[1]
    ));
    let sql = branches.join(" UNION ALL ");
    let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await?;
    let mut lists = [(List::Overdue, Vec::new()), (List::Upcoming, Vec::new())];
    let mut totals = (0, 0);
    for row in &rows {
        let list: i64 = row.try_get("list")?;
        let due_at: i64 = row.try_get("due_at")?;
        let position: i64 = row.try_get("position")?;
        let Some((list, items)) = lists.get_mut(list as usize) else {
            totals = (due_at, position);
            continue;
        };
        let name: String = row.try_get("task")?;
        let service: Option<String> = row.try_get("service_type")?;
        let service = service.as_deref().map(|s| parse_code(s, ServiceType::parse, "service type")).transpose()?;
        let kind = TaskKind::from_parts(&name, service).ok_or_else(|| corrupt("task", &name))?;
        let item = WorkItem {
            case_id: CaseId::from_trusted(row.try_get("case_id")?),
            reference: row.try_get("reference")?,
            task: Task { kind, due_at: at(due_at), overdue: *list == List::Overdue },
        };
        items.push((position, item));
    }
    let [(_, overdue), (_, upcoming)] = lists;
    Ok((page(overdue, totals.0), page(upcoming, totals.1)))
}

/// The two lists of a work view, numbered as the statement tags their rows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Overdue = 0,
    Upcoming = 1,
}

/// A list's rows in due order (a compound statement's order is not its
/// branches'), with its capped count.
fn page(mut items: Vec<(i64, WorkItem)>, counted: i64) -> WorkPage {
    items.sort_by(|(p, a), (q, b)| (a.task.due_at, &a.case_id, p).cmp(&(b.task.due_at, &b.case_id, q)));
    let counted = counted.max(0) as usize;
    WorkPage {
        items: items.into_iter().map(|(_, item)| item).collect(),
        total: counted.min(WORK_COUNT_CAP),
        capped: counted > WORK_COUNT_CAP,
    }
}

impl crate::SqlStore {
    /// The cases whose stored work items differ from what the rules give
    /// them computed afresh (every open case, its records and approvals, its
    /// organisation's settings): none while the module's invariant holds.
    /// A check of the incremental upkeep, as `audit verify` is one of the chain.
    pub async fn work_items_differences(&self) -> StoreResult<Vec<CaseId>> {
        let mut conn = self.pool.acquire().await?;
        let computed = computed_rows(&mut conn, "1 = 1", &Params::default()).await?;
        let rows =
            sqlx::query("SELECT case_id, organisation_id, assigned_to, task, service_type, due_at FROM work_items")
                .fetch_all(&mut *conn)
                .await?;
        let mut stored: BTreeMap<String, Vec<ItemRow>> = BTreeMap::new();
        for row in &rows {
            stored.entry(row.try_get("case_id")?).or_default().push(ItemRow {
                organisation_id: row.try_get("organisation_id")?,
                assigned_to: row.try_get("assigned_to")?,
                task: row.try_get("task")?,
                service_type: row.try_get("service_type")?,
                due_at: row.try_get("due_at")?,
            });
        }
        let cases: std::collections::BTreeSet<&String> = computed.keys().chain(stored.keys()).collect();
        let sorted = |rows: Option<&Vec<ItemRow>>| {
            let mut rows = rows.cloned().unwrap_or_default();
            rows.sort();
            rows
        };
        Ok(cases
            .into_iter()
            .filter(|case| sorted(computed.get(*case)) != sorted(stored.get(*case)))
            .map(|case| CaseId::from_trusted(case.clone()))
            .collect())
    }
}
