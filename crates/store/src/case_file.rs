//! The whole case file in one unit (issue #5, the case page): the case and
//! the child's identity, every workflow record, the history and the notes,
//! with the names of the colleagues who wrote them and the organisation's
//! standards-of-care list. One writer unit instead
//! of one per section: each unit waits for a group commit, so a page built
//! from five calls waited five times.
//!
//! The reads are the same functions the single-purpose calls use
//! (`cases::load_case`, `workflow::workflow_of`, `notes::notes_of`), under the
//! caller's scope; the unit appends one `case.read` event naming every part
//! read (`child`, `records`, `history`, `notes`), as its last statement, so
//! nothing is read unaudited. Perpetrator records are read only when the
//! caller holds the permission.

use std::collections::BTreeMap;

use safepath_domain::case::CaseView;
use safepath_domain::ids::CaseId;
use safepath_domain::policy::CaseScope;
use safepath_domain::workflow::standards::StandardsList;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::cases::{load_case, Params};
use crate::db::SqlStore;
use crate::notes::{notes_of, NoteRecord};
use crate::work_items;
use crate::workflow::{workflow_of, CaseHistory, CaseRecord};
use crate::writer::Tx;
use crate::{AuditContext, StoreError, StoreResult};

/// Everything the case page shows of one case.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub case: CaseView,
    /// Every record, oldest first (perpetrators only when permitted).
    pub records: Vec<CaseRecord>,
    pub history: CaseHistory,
    /// Newest first.
    pub notes: Vec<NoteRecord>,
    /// User id → name, for everyone who wrote a record or note on the case.
    pub people: BTreeMap<String, String>,
    /// The owning organisation's standards-of-care list (its settings, or
    /// the defaults), which the checklist is drawn against.
    pub standards: StandardsList,
}

/// The names of the users `ids` (display name, else username).
async fn names_of(tx: &mut Tx, ids: &[&str]) -> StoreResult<BTreeMap<String, String>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut params = Params::default();
    let list: Vec<String> = ids.iter().map(|id| params.text(*id)).collect();
    let sql =
        format!("SELECT id, COALESCE(display_name, username) AS name FROM users WHERE id IN ({})", list.join(", "));
    let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut tx.conn).await?;
    rows.iter().map(|row| Ok((row.try_get("id")?, row.try_get("name")?))).collect()
}

impl SqlStore {
    pub(crate) async fn case_file_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        include_perpetrators: bool,
    ) -> StoreResult<CaseFile> {
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let target = Some(Target::new("case", id.as_str()));
                    let Some(case) = load_case(tx, &scope, &id).await? else {
                        let event = NewEvent { action: "case.read", target, fields: &["child"], outcome: "not_found" };
                        audit::append(tx, &ctx, event).await?;
                        return Ok(None);
                    };
                    let (records, history) = workflow_of(tx, &case, include_perpetrators).await?;
                    let notes = notes_of(tx, &case.id).await?;
                    let mut writers: Vec<&str> = records
                        .iter()
                        .filter_map(|r| r.created_by.as_ref().map(|u| u.as_str()))
                        .chain(notes.iter().map(|n| n.author.as_str()))
                        .collect();
                    writers.sort_unstable();
                    writers.dedup();
                    let people = names_of(tx, &writers).await?;
                    let standards =
                        work_items::organisation_settings(&mut tx.conn, &case.organisation_id).await?.standards;
                    let fields: &[&str] = if include_perpetrators {
                        &["child", "records", "history", "notes", "perpetrators"]
                    } else {
                        &["child", "records", "history", "notes"]
                    };
                    audit::append(tx, &ctx, NewEvent { action: "case.read", target, fields, outcome: "ok" }).await?;
                    Ok(Some(CaseFile { case, records, history, notes, people, standards }))
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }
}
