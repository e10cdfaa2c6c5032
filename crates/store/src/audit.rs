//! The audit trail: every create, read, list, update, export and sign-in is
//! an event written in the same transaction as what it records.
//!
//! Events are hash-chained: each event's hash covers its own content and the
//! previous event's hash, and `audit_head` holds the newest link. Altering an
//! event breaks its hash; removing one breaks the chain (or, for the newest
//! events, no longer matches the head). Triggers also refuse UPDATE and
//! DELETE, so tampering needs direct access to the database files.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

use crate::db::Backend;
use crate::writer::Tx;
use crate::{AuditContext, StoreResult};

/// The hash "before" the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The newest link of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl Default for ChainHead {
    fn default() -> Self {
        Self { seq: 0, hash: GENESIS_HASH.into() }
    }
}

impl ChainHead {
    /// Reads the head at the start of a writer transaction. On PostgreSQL the
    /// row lock keeps writers of other processes from forking the chain.
    pub(crate) async fn load(tx: &mut Tx) -> StoreResult<ChainHead> {
        let sql = match tx.backend {
            Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
            Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
        };
        let row = sqlx::query(sql).fetch_one(&mut tx.conn).await?;
        Ok(ChainHead { seq: row.try_get("seq")?, hash: row.try_get("hash")? })
    }

    pub(crate) async fn store(&self, tx: &mut Tx) -> StoreResult<()> {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(self.seq)
            .bind(&self.hash)
            .execute(&mut tx.conn)
            .await?;
        Ok(())
    }
}

/// What an event is about.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub fn new(kind: &'a str, id: &'a str) -> Self {
        Self { kind, id: Some(id) }
    }

    pub fn kind(kind: &'a str) -> Self {
        Self { kind, id: None }
    }
}

/// One event, before it is chained.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub action: &'a str,
    pub target: Option<Target<'a>>,
    /// Names of the fields touched or filtered on — never their values.
    pub fields: &'a [&'a str],
    pub outcome: &'a str,
}

/// The canonical content an event's hash covers, in a fixed order.
#[derive(Serialize)]
struct HashedContent<'a> {
    seq: i64,
    at: i64,
    actor_user_id: Option<&'a str>,
    actor_org_id: Option<&'a str>,
    action: &'a str,
    target_kind: Option<&'a str>,
    target_id: Option<&'a str>,
    fields: &'a str,
    request_id: &'a str,
    outcome: &'a str,
    prev_hash: &'a str,
}

fn event_hash(content: &HashedContent<'_>) -> String {
    let canonical = serde_json::to_vec(content).expect("plain data serialises");
    hex::encode(Sha256::digest(canonical))
}

/// Appends one event inside the writer's transaction: chained by [`chain`],
/// the one place that decides what an event's hash covers.
pub(crate) async fn append(tx: &mut Tx, ctx: &AuditContext, event: NewEvent<'_>) -> StoreResult<()> {
    let event = chain(tx, ctx, event);
    sqlx::query(&format!(
        "INSERT INTO audit_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(event.seq)
    .bind(event.at)
    .bind(event.actor_user_id)
    .bind(event.actor_org_id)
    .bind(event.action)
    .bind(event.target_kind)
    .bind(event.target_id)
    .bind(event.fields)
    .bind(event.request_id)
    .bind(event.outcome)
    .bind(event.prev_hash)
    .bind(event.hash)
    .execute(&mut tx.conn)
    .await?;
    Ok(())
}

/// An event chained but not yet inserted, for bulk imports that insert many
/// events per statement: the columns of `audit_events`, in [`EVENT_COLUMNS`] order.
pub(crate) struct ChainedEvent {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<String>,
    pub actor_org_id: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub fields: String,
    pub request_id: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

pub(crate) const EVENT_COLUMNS: &str =
    "seq, at, actor_user_id, actor_org_id, action, target_kind, target_id, fields, request_id, outcome, prev_hash, hash";

/// Chains an event (its hash over its content and the previous hash) and advances the head; the
/// caller must insert it in this transaction (a failed unit rolls back the head).
pub(crate) fn chain(tx: &mut Tx, ctx: &AuditContext, event: NewEvent<'_>) -> ChainedEvent {
    let fields = serde_json::to_string(event.fields).expect("strings serialise");
    let seq = tx.head.seq + 1;
    let content = HashedContent {
        seq,
        at: crate::now_ms(),
        actor_user_id: ctx.actor.as_ref().map(|a| a.user_id.as_str()),
        actor_org_id: ctx.actor.as_ref().map(|a| a.organisation_id.as_str()),
        action: event.action,
        target_kind: event.target.map(|t| t.kind),
        target_id: event.target.and_then(|t| t.id),
        fields: &fields,
        request_id: &ctx.request_id,
        outcome: event.outcome,
        prev_hash: &tx.head.hash,
    };
    let hash = event_hash(&content);
    let chained = ChainedEvent {
        seq,
        at: content.at,
        actor_user_id: content.actor_user_id.map(str::to_string),
        actor_org_id: content.actor_org_id.map(str::to_string),
        action: event.action.to_string(),
        target_kind: content.target_kind.map(str::to_string),
        target_id: content.target_id.map(str::to_string),
        fields: fields.clone(),
        request_id: ctx.request_id.clone(),
        outcome: event.outcome.to_string(),
        prev_hash: tx.head.hash.clone(),
        hash: hash.clone(),
    };
    tx.head = ChainHead { seq, hash };
    chained
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerification {
    /// Every event is intact and the head matches the newest.
    Intact { events: i64 },
    /// The first event (by sequence) found broken, and why.
    Broken { seq: i64, reason: String },
}

/// Walks the chain from the first event, in pages, recomputing every hash.
pub(crate) async fn verify(pool: &AnyPool) -> StoreResult<AuditVerification> {
    const PAGE: i64 = 5_000;
    let mut expected = ChainHead::default();
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor_user_id, actor_org_id, action, target_kind, target_id, fields, request_id, outcome, prev_hash, hash
             FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(expected.seq)
        .bind(PAGE)
        .fetch_all(pool)
        .await?;
        for row in &rows {
            let seq: i64 = row.try_get("seq")?;
            if seq != expected.seq + 1 {
                return Ok(AuditVerification::Broken {
                    seq: expected.seq + 1,
                    reason: format!("event {} is missing (next present is {seq})", expected.seq + 1),
                });
            }
            let prev_hash: String = row.try_get("prev_hash")?;
            let stored_hash: String = row.try_get("hash")?;
            let actor_user_id: Option<String> = row.try_get("actor_user_id")?;
            let actor_org_id: Option<String> = row.try_get("actor_org_id")?;
            let action: String = row.try_get("action")?;
            let target_kind: Option<String> = row.try_get("target_kind")?;
            let target_id: Option<String> = row.try_get("target_id")?;
            let fields: String = row.try_get("fields")?;
            let request_id: String = row.try_get("request_id")?;
            let outcome: String = row.try_get("outcome")?;
            let recomputed = event_hash(&HashedContent {
                seq,
                at: row.try_get("at")?,
                actor_user_id: actor_user_id.as_deref(),
                actor_org_id: actor_org_id.as_deref(),
                action: &action,
                target_kind: target_kind.as_deref(),
                target_id: target_id.as_deref(),
                fields: &fields,
                request_id: &request_id,
                outcome: &outcome,
                prev_hash: &prev_hash,
            });
            if prev_hash != expected.hash {
                return Ok(AuditVerification::Broken { seq, reason: "does not link to the event before it".into() });
            }
            if recomputed != stored_hash {
                return Ok(AuditVerification::Broken { seq, reason: "content was altered".into() });
            }
            expected = ChainHead { seq, hash: stored_hash };
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?;
    let head = ChainHead { seq: head.try_get("seq")?, hash: head.try_get("hash")? };
    if head != expected {
        return Ok(AuditVerification::Broken {
            seq: expected.seq + 1,
            reason: format!(
                "the chain ends at event {} but its head records event {}: events were removed",
                expected.seq, head.seq
            ),
        });
    }
    Ok(AuditVerification::Intact { events: expected.seq })
}

/// Row counts of every table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowCounts {
    pub organisations: i64,
    pub users: i64,
    pub sessions: i64,
    pub child_identities: i64,
    pub child_names: i64,
    pub name_keys: i64,
    pub cases: i64,
    pub consents: i64,
    pub audit_events: i64,
    /// The workflow's tables (issue #4).
    pub case_records: i64,
    pub approvals: i64,
    pub referrals: i64,
    pub transfers: i64,
    pub case_status_history: i64,
    /// The persisted work list and the organisations' workflow settings.
    pub work_items: i64,
    pub organisation_settings: i64,
    /// Alerts (issue #5): heads and reports.
    pub alerts: i64,
    pub alert_details: i64,
    /// Case notes (issue #5).
    pub case_notes: i64,
}

pub(crate) async fn row_counts(pool: &AnyPool) -> StoreResult<RowCounts> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM organisations) AS organisations,
                (SELECT COUNT(*) FROM users) AS users,
                (SELECT COUNT(*) FROM sessions) AS sessions,
                (SELECT COUNT(*) FROM child_identities) AS child_identities,
                (SELECT COUNT(*) FROM child_names) AS child_names,
                (SELECT COUNT(*) FROM name_keys) AS name_keys,
                (SELECT COUNT(*) FROM cases) AS cases,
                (SELECT COUNT(*) FROM consents) AS consents,
                (SELECT COUNT(*) FROM audit_events) AS audit_events,
                (SELECT COUNT(*) FROM case_records) AS case_records,
                (SELECT COUNT(*) FROM approvals) AS approvals,
                (SELECT COUNT(*) FROM referrals) AS referrals,
                (SELECT COUNT(*) FROM transfers) AS transfers,
                (SELECT COUNT(*) FROM case_status_history) AS case_status_history,
                (SELECT COUNT(*) FROM work_items) AS work_items,
                (SELECT COUNT(*) FROM organisation_settings) AS organisation_settings,
                (SELECT COUNT(*) FROM alerts) AS alerts,
                (SELECT COUNT(*) FROM alert_details) AS alert_details,
                (SELECT COUNT(*) FROM case_notes) AS case_notes",
    )
    .fetch_one(pool)
    .await?;
    Ok(RowCounts {
        organisations: row.try_get("organisations")?,
        users: row.try_get("users")?,
        sessions: row.try_get("sessions")?,
        child_identities: row.try_get("child_identities")?,
        child_names: row.try_get("child_names")?,
        name_keys: row.try_get("name_keys")?,
        cases: row.try_get("cases")?,
        consents: row.try_get("consents")?,
        audit_events: row.try_get("audit_events")?,
        case_records: row.try_get("case_records")?,
        approvals: row.try_get("approvals")?,
        referrals: row.try_get("referrals")?,
        transfers: row.try_get("transfers")?,
        case_status_history: row.try_get("case_status_history")?,
        work_items: row.try_get("work_items")?,
        organisation_settings: row.try_get("organisation_settings")?,
        alerts: row.try_get("alerts")?,
        alert_details: row.try_get("alert_details")?,
        case_notes: row.try_get("case_notes")?,
    })
}
