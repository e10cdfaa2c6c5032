//! Alerts: sent by focal points (and case workers), read and triaged by the
//! receiving organisation's caseworkers and supervisors under the domain's
//! [`AlertScope`]. The report (`alert_details`) is read only on paths that
//! write an audit event (`alert.list`, `alert.read`, `alert.triage`); the
//! sender reads receipts (`alert.receipts`), never the report.
//!
//! Triage into a case registers the child through `cases::insert_case`, the
//! registration every other path uses, in the same writer unit as the alert's
//! new status: either both are written or neither.

use safepath_domain::alert::{
    Alert, AlertChild, AlertDetails, AlertReceipt, AlertStatus, AlertTriage, AlertTriageRecord, AlertUrgency, NewAlert,
};
use safepath_domain::codes::Gender;
use safepath_domain::ids::{CaseId, OrganisationId, UserId};
use safepath_domain::policy::{Actor, AlertScope};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::cases::{insert_case, parse_code, parse_date};
use crate::db::SqlStore;
use crate::directory::new_id;
use crate::writer::Tx;
use crate::{AuditContext, StoreError, StoreResult};

/// Most alerts one list returns: the newest first; a queue longer than this
/// is triaged from its top.
pub const ALERT_LIST_LIMIT: i64 = 200;

/// Names of the report's fields, for audit events (never their values).
const DETAIL_FIELDS: &[&str] = &["reporter", "reporter_contact", "place", "description", "child"];

const ALERT_COLUMNS: &str = "a.id, a.organisation_id, a.received_at, a.urgency, a.country, a.seen_on, a.status,
     a.triaged_by, a.triaged_at, a.case_id, d.reporter, d.reporter_contact, d.place, d.description,
     d.child_name, d.child_sex, d.child_estimated_age, d.child_description, d.triage_note";

fn actor_of(ctx: &AuditContext) -> StoreResult<Actor> {
    ctx.actor.clone().ok_or_else(|| StoreError::Unsupported("alerts are sent and read by signed-in users".into()))
}

fn alert_from_row(row: &AnyRow) -> StoreResult<Alert> {
    let urgency: String = row.try_get("urgency")?;
    let status: String = row.try_get("status")?;
    let status = parse_code(&status, AlertStatus::parse, "alert status")?;
    let sex: Option<String> = row.try_get("child_sex")?;
    let triaged_by: Option<String> = row.try_get("triaged_by")?;
    let triage = match (triaged_by, row.try_get::<Option<i64>, _>("triaged_at")?) {
        (Some(by), Some(at)) => Some(AlertTriageRecord {
            decision: status,
            by: UserId::from_trusted(by),
            at,
            case_id: row.try_get::<Option<String>, _>("case_id")?.map(CaseId::from_trusted),
            note: row.try_get("triage_note")?,
        }),
        _ => None,
    };
    Ok(Alert {
        id: row.try_get("id")?,
        organisation_id: OrganisationId::from_trusted(row.try_get("organisation_id")?),
        urgency: parse_code(&urgency, AlertUrgency::parse, "alert urgency")?,
        status,
        country: row.try_get("country")?,
        seen_on: parse_date(&row.try_get::<String, _>("seen_on")?)?,
        received_at: row.try_get("received_at")?,
        details: AlertDetails {
            reporter: row.try_get("reporter")?,
            reporter_contact: row.try_get("reporter_contact")?,
            place: row.try_get("place")?,
            description: row.try_get("description")?,
            child: AlertChild {
                name: row.try_get("child_name")?,
                sex: sex.as_deref().map(|s| parse_code(s, Gender::parse, "sex")).transpose()?,
                estimated_age: row.try_get("child_estimated_age")?,
                description: row.try_get("child_description")?,
            },
        },
        triage,
    })
}

/// The alert `id` if it lies in `scope`; `None` when absent or outside (the same to the caller).
async fn load_alert(tx: &mut Tx, scope: &AlertScope, id: &str) -> StoreResult<Option<Alert>> {
    let AlertScope::Organisation(organisation) = scope else { return Ok(None) };
    let row = sqlx::query(&format!(
        "SELECT {ALERT_COLUMNS} FROM alerts a JOIN alert_details d ON d.alert_id = a.id
         WHERE a.id = $1 AND a.organisation_id = $2"
    ))
    .bind(id)
    .bind(organisation.as_str())
    .fetch_optional(&mut tx.conn)
    .await?;
    let alert = row.as_ref().map(alert_from_row).transpose()?;
    Ok(alert.filter(|alert| scope.permits(&alert.organisation_id)))
}

impl SqlStore {
    pub(crate) async fn create_alert_impl(&self, ctx: &AuditContext, alert: NewAlert) -> StoreResult<AlertReceipt> {
        let actor = actor_of(ctx)?;
        let ctx = ctx.clone();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let receipt = AlertReceipt { id: new_id(), received_at: crate::now_ms() };
                    sqlx::query(
                        "INSERT INTO alerts (id, organisation_id, submitted_by, received_at, urgency, country, seen_on, status)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&receipt.id)
                    .bind(actor.organisation_id.as_str())
                    .bind(actor.user_id.as_str())
                    .bind(receipt.received_at)
                    .bind(alert.urgency.as_str())
                    .bind(&alert.country)
                    .bind(alert.seen_on.format("%Y-%m-%d").to_string())
                    .bind(AlertStatus::New.as_str())
                    .execute(&mut tx.conn)
                    .await?;
                    let details = &alert.details;
                    sqlx::query(
                        "INSERT INTO alert_details (alert_id, reporter, reporter_contact, place, description,
                             child_name, child_sex, child_estimated_age, child_description)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&receipt.id)
                    .bind(&details.reporter)
                    .bind(&details.reporter_contact)
                    .bind(&details.place)
                    .bind(&details.description)
                    .bind(&details.child.name)
                    .bind(details.child.sex.map(|s| s.as_str()))
                    .bind(details.child.estimated_age)
                    .bind(&details.child.description)
                    .execute(&mut tx.conn)
                    .await?;
                    let event = NewEvent {
                        action: "alert.create",
                        target: Some(Target::new("alert", &receipt.id)),
                        fields: DETAIL_FIELDS,
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(receipt)
                })
            })
            .await
    }

    pub(crate) async fn alert_receipts_impl(&self, ctx: &AuditContext) -> StoreResult<Vec<AlertReceipt>> {
        let actor = actor_of(ctx)?;
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let rows = sqlx::query(
                        "SELECT id, received_at FROM alerts WHERE submitted_by = $1 ORDER BY received_at DESC LIMIT $2",
                    )
                    .bind(actor.user_id.as_str())
                    .bind(ALERT_LIST_LIMIT)
                    .fetch_all(&mut tx.conn)
                    .await?;
                    let receipts = rows
                        .iter()
                        .map(|row| {
                            Ok(AlertReceipt { id: row.try_get("id")?, received_at: row.try_get("received_at")? })
                        })
                        .collect::<StoreResult<Vec<_>>>()?;
                    let event = NewEvent {
                        action: "alert.receipts",
                        target: Some(Target::kind("alert")),
                        fields: &[],
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(receipts)
                })
            })
            .await
    }

    pub(crate) async fn list_alerts_impl(
        &self,
        ctx: &AuditContext,
        scope: &AlertScope,
        status: Option<AlertStatus>,
    ) -> StoreResult<Vec<Alert>> {
        let AlertScope::Organisation(organisation) = scope.clone() else { return Ok(Vec::new()) };
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let status_filter = if status.is_some() { "AND a.status = $3" } else { "" };
                    let sql = format!(
                        "SELECT {ALERT_COLUMNS} FROM alerts a JOIN alert_details d ON d.alert_id = a.id
                         WHERE a.organisation_id = $1 {status_filter}
                         ORDER BY a.received_at DESC LIMIT $2"
                    );
                    let mut query = sqlx::query(&sql).bind(organisation.as_str()).bind(ALERT_LIST_LIMIT);
                    if let Some(status) = status {
                        query = query.bind(status.as_str());
                    }
                    let rows = query.fetch_all(&mut tx.conn).await?;
                    let alerts = rows.iter().map(alert_from_row).collect::<StoreResult<Vec<_>>>()?;
                    let fields: &[&str] = if status.is_some() { &["status"] } else { &[] };
                    let event =
                        NewEvent { action: "alert.list", target: Some(Target::kind("alert")), fields, outcome: "ok" };
                    audit::append(tx, &ctx, event).await?;
                    Ok(alerts)
                })
            })
            .await
    }

    pub(crate) async fn get_alert_impl(&self, ctx: &AuditContext, scope: &AlertScope, id: &str) -> StoreResult<Alert> {
        let ctx = ctx.clone();
        let scope = scope.clone();
        let id = id.to_string();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let alert = load_alert(tx, &scope, &id).await?.ok_or(StoreError::NotFound)?;
                    let event = NewEvent {
                        action: "alert.read",
                        target: Some(Target::new("alert", &alert.id)),
                        fields: DETAIL_FIELDS,
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(alert)
                })
            })
            .await
    }

    pub(crate) async fn triage_alert_impl(
        &self,
        ctx: &AuditContext,
        scope: &AlertScope,
        id: &str,
        triage: AlertTriage,
    ) -> StoreResult<Alert> {
        let actor = actor_of(ctx)?;
        let ctx = ctx.clone();
        let scope = scope.clone();
        let id = id.to_string();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let alert = load_alert(tx, &scope, &id).await?.ok_or(StoreError::NotFound)?;
                    if alert.status != AlertStatus::New {
                        return Err(StoreError::Conflict(format!("the alert was already triaged ({})", alert.status)));
                    }
                    let (case_id, note) = match &triage {
                        AlertTriage::Case(case) => {
                            let created = insert_case(tx, &ctx, &alert.organisation_id, case).await?;
                            (Some(created.id), None)
                        }
                        AlertTriage::Evidence { note } => (None, note.clone()),
                        AlertTriage::Dismissed { reason } => (None, Some(reason.clone())),
                    };
                    let now = crate::now_ms();
                    // `status = 'new'` again: another server process on the
                    // same PostgreSQL may have triaged it since it was read.
                    let updated = sqlx::query(
                        "UPDATE alerts SET status = $1, triaged_by = $2, triaged_at = $3, case_id = $4
                         WHERE id = $5 AND status = $6",
                    )
                    .bind(triage.status().as_str())
                    .bind(actor.user_id.as_str())
                    .bind(now)
                    .bind(case_id.as_ref().map(|c| c.as_str().to_string()))
                    .bind(&alert.id)
                    .bind(AlertStatus::New.as_str())
                    .execute(&mut tx.conn)
                    .await?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::Conflict("the alert was already triaged".into()));
                    }
                    // What the report no longer needs is erased in the same unit.
                    let status = triage.status();
                    let erased = AlertDetails::erased_at_triage(status);
                    let erase: String = erased.iter().map(|field| format!(", {} = NULL", field.column())).collect();
                    sqlx::query(&format!("UPDATE alert_details SET triage_note = $1{erase} WHERE alert_id = $2"))
                        .bind(&note)
                        .bind(&alert.id)
                        .execute(&mut tx.conn)
                        .await?;
                    let mut details = alert.details.clone();
                    details.erase_at_triage(status);
                    let decided: &[&str] = match triage {
                        AlertTriage::Case(_) => &["status", "case_id"],
                        _ => &["status", "triage_note"],
                    };
                    let fields: Vec<&str> =
                        decided.iter().copied().chain(erased.iter().map(|field| field.column())).collect();
                    let event = NewEvent {
                        action: "alert.triage",
                        target: Some(Target::new("alert", &alert.id)),
                        fields: &fields,
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    let triage = AlertTriageRecord {
                        decision: triage.status(),
                        by: actor.user_id.clone(),
                        at: now,
                        case_id,
                        note,
                    };
                    Ok(Alert { status: triage.decision, triage: Some(triage), details, ..alert })
                })
            })
            .await
    }
}
