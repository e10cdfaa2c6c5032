//! Case notes (issue #5): free text kept in `case_notes`, a table that the
//! HTCDS export (`exchange.rs`), the aggregates and the referral sections
//! never read. Adding a note and reading a case's notes are each one writer
//! unit with their audit event; a case outside the scope is absent (404),
//! and an attempt to write on one is audited as `not_found`.

use safepath_domain::ids::{CaseId, UserId};
use safepath_domain::policy::CaseScope;
use safepath_domain::workflow::note::NewNote;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::db::SqlStore;
use crate::directory::new_id;
use crate::workflow::{actor_of, audit_case, case_head, case_or_audit};
use crate::writer::Tx;
use crate::{AuditContext, StoreError, StoreResult};

/// A note as stored, with its author's name for the page (who wrote what
/// is part of reading a note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NoteRecord {
    pub id: String,
    pub case_id: CaseId,
    pub author: UserId,
    /// The author's display name, or username when they have none.
    pub author_name: String,
    pub text: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

const NOTE_SELECT: &str =
    "SELECT n.id, n.case_id, n.author, COALESCE(u.display_name, u.username) AS author_name, n.text, n.created_at
     FROM case_notes n JOIN users u ON u.id = n.author";

fn note_from_row(row: &AnyRow) -> StoreResult<NoteRecord> {
    Ok(NoteRecord {
        id: row.try_get("id")?,
        case_id: CaseId::from_trusted(row.try_get("case_id")?),
        author: UserId::from_trusted(row.try_get("author")?),
        author_name: row.try_get("author_name")?,
        text: row.try_get("text")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A case's notes, newest first (the one written last is the one read first).
pub(crate) async fn notes_of(tx: &mut Tx, case: &CaseId) -> StoreResult<Vec<NoteRecord>> {
    let rows = sqlx::query(&format!("{NOTE_SELECT} WHERE n.case_id = $1 ORDER BY n.created_at DESC, n.id DESC"))
        .bind(case.as_str())
        .fetch_all(&mut tx.conn)
        .await?;
    rows.iter().map(note_from_row).collect()
}

impl SqlStore {
    pub(crate) async fn add_case_note_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        note: NewNote,
    ) -> StoreResult<NoteRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(head) = case_or_audit(tx, &ctx, &scope, &id, "case.note.create").await? else {
                        return Ok(Err(StoreError::NotFound));
                    };
                    let note_id = new_id();
                    sqlx::query(
                        "INSERT INTO case_notes (id, case_id, author, text, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&note_id)
                    .bind(head.id.as_str())
                    .bind(actor.user_id.as_str())
                    .bind(&note.text)
                    .bind(crate::now_ms())
                    .execute(&mut tx.conn)
                    .await?;
                    audit_case(tx, &ctx, "case.note.create", &head.id, &["text"]).await?;
                    let row = sqlx::query(&format!("{NOTE_SELECT} WHERE n.id = $1"))
                        .bind(&note_id)
                        .fetch_one(&mut tx.conn)
                        .await?;
                    Ok(Ok(note_from_row(&row)?))
                })
            })
            .await?
    }

    pub(crate) async fn case_notes_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<Vec<NoteRecord>> {
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let notes = match case_head(tx, &scope, &id).await? {
                        Some(head) => Some(notes_of(tx, &head.id).await?),
                        None => None,
                    };
                    let outcome = if notes.is_some() { "ok" } else { "not_found" };
                    let event = NewEvent {
                        action: "case.notes.read",
                        target: Some(Target::new("case", id.as_str())),
                        fields: &["notes"],
                        outcome,
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(notes)
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }
}
