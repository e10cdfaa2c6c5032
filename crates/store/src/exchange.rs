//! Case exchange (HTCDS files, issue #4 §9): the audited bulk read behind an
//! export. Imports go through [`crate::Store::import_cases_with_progress`]
//! (`cases.rs`): one writer unit, all or nothing.
//!
//! An export reads identities, so it runs like a single-case read: in the
//! writer, with its `case.export` event (field names only) appended in the
//! same transaction, and under the caller's scope through
//! [`scope_condition`]. It holds the writer for the time of the read (about a
//! second per 100,000 cases), which is why it is three set-wise statements
//! rather than one read per case.

use std::collections::HashMap;
use std::sync::Arc;

use safepath_domain::case::{CaseView, ChildName, Consent};
use safepath_domain::codes::{CaseStatus, RiskLevel};
use safepath_domain::policy::CaseScope;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::cases::{case_from_row, consent_from_row, name_from_row, scope_condition, Params, CASE_COLUMNS};
use crate::db::SqlStore;
use crate::writer::Tx;
use crate::{AuditContext, StoreResult};

/// Which cases of the caller's scope an export takes (all by default).
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub status: Option<CaseStatus>,
    pub risk_level: Option<RiskLevel>,
}

/// Told how many cases of an import are written so far (for a progress bar).
pub type ImportProgress = Arc<dyn Fn(usize) + Send + Sync>;

/// A progress callback that ignores progress.
pub fn no_progress() -> ImportProgress {
    Arc::new(|_| {})
}

/// The fields an export reads, for its audit event.
const EXPORTED_FIELDS: &[&str] =
    &["child", "identification", "risk_level", "protection_status", "assigned_to", "consents", "status"];

impl SqlStore {
    pub(crate) async fn export_cases_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        filter: ExportFilter,
    ) -> StoreResult<Vec<CaseView>> {
        let (ctx, scope) = (ctx.clone(), scope.clone());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let cases = read_cases(tx, &scope, &filter).await?;
                    let event = NewEvent {
                        action: "case.export",
                        target: Some(Target::kind("case")),
                        fields: EXPORTED_FIELDS,
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(cases)
                })
            })
            .await
    }
}

/// The cases in scope with their names and consents, in order of reference.
async fn read_cases(tx: &mut Tx, scope: &CaseScope, filter: &ExportFilter) -> StoreResult<Vec<CaseView>> {
    let mut params = Params::default();
    let mut conditions = vec![scope_condition(scope, &mut params)];
    if let Some(status) = filter.status {
        conditions.push(format!("c.status = {}", params.text(status.as_str())));
    }
    if let Some(risk) = filter.risk_level {
        conditions.push(format!("c.risk_level = {}", params.text(risk.as_str())));
    }
    let condition = conditions.join(" AND ");

    let names_sql = format!(
        "SELECT n.identity_id, n.name AS name, n.kind AS name_kind, n.script AS name_script, n.language AS name_language
         FROM cases c JOIN child_names n ON n.identity_id = c.identity_id
         WHERE {condition} ORDER BY n.identity_id, n.position"
    );
    let mut names: HashMap<String, Vec<ChildName>> = HashMap::new();
    for row in params.bind(sqlx::query(&names_sql)).fetch_all(&mut tx.conn).await? {
        names.entry(row.try_get("identity_id")?).or_default().push(name_from_row(&row)?);
    }

    let consents_sql = format!(
        "SELECT k.case_id, k.purpose, k.given_by, k.given_on, k.withheld, k.legal_basis
         FROM cases c JOIN consents k ON k.case_id = c.id AND k.withdrawn_on IS NULL
         WHERE {condition} ORDER BY k.case_id, k.position"
    );
    let mut consents: HashMap<String, Vec<Consent>> = HashMap::new();
    for row in params.bind(sqlx::query(&consents_sql)).fetch_all(&mut tx.conn).await? {
        consents.entry(row.try_get("case_id")?).or_default().push(consent_from_row(&row)?);
    }

    let cases_sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases c JOIN child_identities i ON i.id = c.identity_id
         WHERE {condition} ORDER BY c.created_at, c.reference"
    );
    let rows = params.bind(sqlx::query(&cases_sql)).fetch_all(&mut tx.conn).await?;
    let mut cases = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = row.try_get("id")?;
        let identity: String = row.try_get("identity_id")?;
        let case =
            case_from_row(row, names.remove(&identity).unwrap_or_default(), consents.remove(&id).unwrap_or_default())?;
        cases.push(case);
    }
    Ok(cases)
}
