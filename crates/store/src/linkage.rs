//! Record linkage inside the service (issue #3 §3): possible duplicates of a
//! case, the supervisor's review queue (a confirmed pair is merged through
//! the workflow's own `MarkDuplicate` step, a rejected pair is never
//! suggested again, a merge can be undone), and family tracing.
//!
//! **Suggestions never cross scope.** Candidates are read under the caller's
//! [`CaseScope`] (the same `scope_condition` as every case query), blocked
//! on the `name_keys` of the case's owning organisation, then scored by the
//! linkage engine's comparators ([`safepath_linkage::engine::explain`]). A
//! caseworker sees only candidates among their own cases; nothing about a
//! case outside the scope is read, counted or stored. Family tracing reads
//! only cases whose consent for `tracing` is granted and not withdrawn.
//!
//! Every call is one writer unit with its audit event (field names only);
//! a candidate shown is an identity read, audited as `case.match.read`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use safepath_domain::case::CaseView;
use safepath_domain::codes::{CaseStatus, ConsentPurpose, Gender};
use safepath_domain::family_tracing::TracingRequest;
use safepath_domain::ids::{CaseId, OrganisationId};
use safepath_domain::policy::{Actor, CaseScope};
use safepath_domain::workflow::closure::Duplicate;
use safepath_linkage::engine::compare::FIELDS;
use safepath_linkage::engine::explain;
use safepath_linkage::engine::model::{Model, Scorer, TermFrequencies};
use safepath_linkage::engine::record::{PartialDate, Prepared, Record};
use safepath_linkage::variants::default_variants;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::cases::{load_case, parse_code, scope_condition, Params};
use crate::db::SqlStore;
use crate::directory::{corrupt, new_id};
use crate::workflow::{command_in, CaseCommand, StatusChange};
use crate::writer::Tx;
use crate::{AuditContext, StoreError, StoreResult};

/// Pairs at or above this probability are suggested for review. Lower than
/// the engine's automatic threshold (0.9): a person decides every merge, and
/// a missed link loses a child's history.
pub const SUGGESTION_THRESHOLD: f64 = 0.5;
/// Candidates scored per call at most (the blocking keys' best).
const MAX_CANDIDATES: i64 = 50;
/// Search keys of a tracing request used for blocking at most.
const MAX_KEYS: usize = 200;
/// Identity fields compared (what a candidate read discloses).
const COMPARED_FIELDS: &[&str] =
    &["given_name", "family_name", "other_names", "sex", "date_of_birth", "estimated_age", "citizenship"];

/// One comparison's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldContribution {
    /// given_name, family_name, date_of_birth, sex, place, citizenship, mother_name, father_name,
    /// id_number, address, postcode.
    pub field: String,
    /// How the two values compared ("exact", "variant or phonetic", "missing"…).
    pub level: String,
    /// Evidence in bits (log2 m/u): positive for the same child, negative against.
    pub bits: f64,
    pub term_frequency_adjusted: bool,
}

/// Why two records are thought to be one child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchExplanation {
    pub probability: f64,
    /// Sum of the contributions' bits.
    pub weight: f64,
    pub prior_bits: f64,
    /// Given and family names were compared crosswise (name order swapped).
    pub names_swapped: bool,
    /// A hard conflict (different sex, given names, birth years far apart): never suggested.
    pub conflict: Option<String>,
    pub contributions: Vec<FieldContribution>,
}

/// A case in the caller's scope that may be the same child.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PossibleDuplicate {
    /// The stored suggestion (for the review queue).
    pub suggestion_id: String,
    pub case_id: CaseId,
    pub reference: String,
    pub status: CaseStatus,
    pub given_name: String,
    pub family_name: Option<String>,
    pub probability: f64,
    pub explanation: MatchExplanation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatus {
    Pending,
    Confirmed,
    Rejected,
    Unmerged,
}

impl SuggestionStatus {
    fn as_str(self) -> &'static str {
        match self {
            SuggestionStatus::Pending => "pending",
            SuggestionStatus::Confirmed => "confirmed",
            SuggestionStatus::Rejected => "rejected",
            SuggestionStatus::Unmerged => "unmerged",
        }
    }

    fn parse(raw: &str) -> Result<Self, String> {
        Ok(match raw {
            "pending" => SuggestionStatus::Pending,
            "confirmed" => SuggestionStatus::Confirmed,
            "rejected" => SuggestionStatus::Rejected,
            "unmerged" => SuggestionStatus::Unmerged,
            other => return Err(other.to_string()),
        })
    }
}

/// A suggested pair as the review queue shows it: references, no names.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DuplicateSuggestion {
    pub id: String,
    pub case_a: CaseId,
    pub reference_a: String,
    pub case_b: CaseId,
    pub reference_b: String,
    pub probability: f64,
    pub explanation: MatchExplanation,
    pub status: SuggestionStatus,
    /// After a confirmation: the case marked `duplicate`, and the one kept.
    pub merged_case_id: Option<CaseId>,
    pub kept_case_id: Option<CaseId>,
    pub created_at: i64,
}

/// A supervisor's decision on a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateDecision {
    /// The newer case becomes `duplicate` of the older (the workflow's `MarkDuplicate`).
    Confirm,
    /// Not the same child: the pair is never suggested again.
    Reject,
}

/// A tracing request as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TracingRequestRecord {
    pub id: String,
    pub organisation_id: OrganisationId,
    pub request: TracingRequest,
    pub created_at: i64,
}

/// A case that may be the child a family looks for.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TracingMatch {
    pub case_id: CaseId,
    pub reference: String,
    pub status: CaseStatus,
    pub given_name: String,
    pub family_name: Option<String>,
    pub probability: f64,
    pub explanation: MatchExplanation,
    /// A reviewer confirmed that this case is the child sought.
    pub confirmed: bool,
}

/// A tracing request and its matches in the caller's scope.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TracingMatches {
    pub tracing_request: TracingRequestRecord,
    pub matches: Vec<TracingMatch>,
}

// ---------------------------------------------------------------------------
// Scoring: the engine's comparators with a fixed model.

/// The service's scorer. One organisation's caseload is too small (and
/// changes too often) to train a model by EM at every request, so the m and
/// u probabilities are fixed here, in line with what EM finds on the
/// synthetic registers (docs/benchmarks.md): agreement on a name is strong
/// evidence, on sex or citizenship weak, and the prior is that of a pair
/// already sharing a name key.
fn scorer() -> &'static Scorer {
    static SCORER: OnceLock<Scorer> = OnceLock::new();
    SCORER.get_or_init(|| {
        let name_m = vec![0.80, 0.10, 0.05, 0.03, 0.02];
        let name_u = vec![0.02, 0.01, 0.01, 0.02, 0.94];
        let date_m = vec![0.80, 0.03, 0.03, 0.06, 0.06, 0.02];
        let date_u = vec![0.003, 0.0005, 0.01, 0.1, 0.2, 0.6865];
        let agree_m = vec![0.97, 0.03];
        let agree_u = vec![0.5, 0.5];
        let place_m = vec![0.6, 0.2, 0.2];
        let place_u = vec![0.1, 0.05, 0.85];
        let parent_m = vec![0.8, 0.1, 0.05, 0.05];
        let parent_u = vec![0.01, 0.01, 0.03, 0.95];
        let code_m = vec![0.9, 0.05, 0.05];
        let code_u = vec![0.0001, 0.001, 0.9989];
        let (mut m, mut u) = (Vec::new(), Vec::new());
        for field in FIELDS {
            use safepath_linkage::engine::compare::Field::*;
            let (fm, fu) = match field {
                GivenName | FamilyName => (&name_m, &name_u),
                DateOfBirth => (&date_m, &date_u),
                Sex | Citizenship => (&agree_m, &agree_u),
                Place | Address => (&place_m, &place_u),
                MotherName | FatherName => (&parent_m, &parent_u),
                IdNumber | Postcode => (&code_m, &code_u),
            };
            debug_assert_eq!(fm.len(), field.levels().len());
            m.push(fm.clone());
            u.push(fu.clone());
        }
        Scorer {
            model: Model { lambda: 0.05, m, u },
            given_tf: TermFrequencies::default(),
            family_tf: TermFrequencies::default(),
        }
    })
}

fn sex_code(gender: Gender) -> Option<&'static str> {
    match gender {
        Gender::Feminine | Gender::TransgenderFeminine => Some("f"),
        Gender::Masculine | Gender::TransgenderMasculine => Some("m"),
        _ => None,
    }
}

fn case_record(case: &CaseView) -> Record {
    let child = &case.child;
    Record {
        id: case.id.as_str().to_string(),
        given_name: Some(child.given_name.clone()),
        family_name: child.family_name.clone(),
        other_names: child.other_names.iter().map(|n| n.name.clone()).collect(),
        sex: sex_code(child.sex).map(str::to_string),
        date_of_birth: if child.age_is_estimated { None } else { child.date_of_birth.map(PartialDate::full) },
        estimated_age: if child.age_is_estimated { child.estimated_age } else { None },
        registration_date: Some(case.identification.date),
        place: Some(case.identification.place.clone()),
        citizenship: child.citizenship.first().cloned(),
        mother_name: None,
        father_name: None,
        id_number: None,
        address: None,
        postcode: None,
    }
}

fn tracing_record(request: &TracingRequest, received: NaiveDate) -> Record {
    Record {
        id: "tracing-request".into(),
        given_name: Some(request.given_name.clone()),
        family_name: request.family_name.clone(),
        other_names: request.other_names.clone(),
        sex: request.sex.and_then(sex_code).map(str::to_string),
        date_of_birth: request.date_of_birth.map(PartialDate::full),
        estimated_age: request.age,
        registration_date: Some(request.last_seen_date.unwrap_or(received)),
        place: request.last_seen_place.clone(),
        citizenship: None,
        mother_name: request.relative("mother").map(str::to_string),
        father_name: request.relative("father").map(str::to_string),
        id_number: None,
        address: None,
        postcode: None,
    }
}

/// Scores two records with the engine's comparators and the service's model.
pub fn score(a: &Record, b: &Record) -> MatchExplanation {
    let variants = default_variants();
    let explanation = explain(scorer(), &Prepared::new(a, variants), &Prepared::new(b, variants));
    MatchExplanation {
        probability: explanation.probability,
        weight: explanation.weight,
        prior_bits: explanation.prior_bits,
        names_swapped: explanation.names_swapped,
        conflict: explanation.conflict.map(str::to_string),
        contributions: explanation
            .contributions
            .iter()
            .map(|c| FieldContribution {
                field: c.field.name().to_string(),
                level: c.level.to_string(),
                bits: c.bits,
                term_frequency_adjusted: c.term_frequency_adjusted,
            })
            .collect(),
    }
}

fn suggested(explanation: &MatchExplanation) -> bool {
    explanation.conflict.is_none() && explanation.probability >= SUGGESTION_THRESHOLD
}

// ---------------------------------------------------------------------------
// Helpers.

fn actor_of(ctx: &AuditContext) -> StoreResult<Actor> {
    ctx.actor.clone().ok_or(StoreError::NotFound)
}

async fn audit_event(
    tx: &mut Tx,
    ctx: &AuditContext,
    action: &str,
    kind: &str,
    id: &str,
    fields: &[&str],
    outcome: &str,
) -> StoreResult<()> {
    audit::append(tx, ctx, NewEvent { action, target: Some(Target::new(kind, id)), fields, outcome }).await
}

fn explanation_json(explanation: &MatchExplanation) -> String {
    serde_json::to_string(explanation).expect("plain data serialises")
}

fn parse_explanation(raw: &str) -> StoreResult<MatchExplanation> {
    serde_json::from_str(raw).map_err(|_| corrupt("match explanation", raw))
}

const SUGGESTION_COLUMNS: &str = "s.id, s.case_a, s.case_b, s.explanation, s.status, s.merged_case_id, s.kept_case_id,
    s.previous_status, s.created_at, ca.reference AS reference_a, cb.reference AS reference_b,
    ca.created_at AS created_a, cb.created_at AS created_b";

fn suggestion_from_row(row: &AnyRow) -> StoreResult<DuplicateSuggestion> {
    let explanation = parse_explanation(&row.try_get::<String, _>("explanation")?)?;
    let status: String = row.try_get("status")?;
    Ok(DuplicateSuggestion {
        id: row.try_get("id")?,
        case_a: CaseId::from_trusted(row.try_get("case_a")?),
        reference_a: row.try_get("reference_a")?,
        case_b: CaseId::from_trusted(row.try_get("case_b")?),
        reference_b: row.try_get("reference_b")?,
        probability: explanation.probability,
        explanation,
        status: parse_code(&status, SuggestionStatus::parse, "suggestion status")?,
        merged_case_id: row.try_get::<Option<String>, _>("merged_case_id")?.map(CaseId::from_trusted),
        kept_case_id: row.try_get::<Option<String>, _>("kept_case_id")?.map(CaseId::from_trusted),
        created_at: row.try_get("created_at")?,
    })
}

/// Reads one suggestion of the caller's organisation whose two cases are
/// both in `scope`; `None` otherwise (absent and out of scope alike). Also
/// returns the cases' creation times (to tell the newer).
async fn read_suggestion(
    tx: &mut Tx,
    actor: &Actor,
    scope: &CaseScope,
    id: &str,
) -> StoreResult<Option<(DuplicateSuggestion, i64, i64)>> {
    let mut params = Params::default();
    let id_param = params.text(id);
    let org_param = params.text(actor.organisation_id.as_str());
    let scope_a = scope_condition(scope, &mut params);
    let scope_b = scope_condition(scope, &mut params);
    let sql = format!(
        "SELECT {SUGGESTION_COLUMNS}
         FROM duplicate_suggestions s JOIN cases ca ON ca.id = s.case_a JOIN cases cb ON cb.id = s.case_b
         WHERE s.id = {id_param} AND s.organisation_id = {org_param}
           AND EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_a AND {scope_a})
           AND EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_b AND {scope_b})"
    );
    let Some(row) = params.bind(sqlx::query(&sql)).fetch_optional(&mut tx.conn).await? else {
        return Ok(None);
    };
    Ok(Some((suggestion_from_row(&row)?, row.try_get("created_a")?, row.try_get("created_b")?)))
}

/// Stores (or refreshes) a pending suggestion for a pair; returns its id, or
/// `None` when the pair was already decided.
async fn upsert_suggestion(
    tx: &mut Tx,
    organisation: &OrganisationId,
    one: &CaseId,
    other: &CaseId,
    explanation: &MatchExplanation,
) -> StoreResult<Option<String>> {
    let (a, b) = if one.as_str() < other.as_str() { (one, other) } else { (other, one) };
    let existing = sqlx::query("SELECT id, status FROM duplicate_suggestions WHERE case_a = $1 AND case_b = $2")
        .bind(a.as_str())
        .bind(b.as_str())
        .fetch_optional(&mut tx.conn)
        .await?;
    let json = explanation_json(explanation);
    if let Some(row) = existing {
        let id: String = row.try_get("id")?;
        let status: String = row.try_get("status")?;
        if status != SuggestionStatus::Pending.as_str() {
            return Ok(None);
        }
        sqlx::query("UPDATE duplicate_suggestions SET explanation = $1 WHERE id = $2")
            .bind(json)
            .bind(&id)
            .execute(&mut tx.conn)
            .await?;
        return Ok(Some(id));
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO duplicate_suggestions (id, organisation_id, case_a, case_b, explanation, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(organisation.as_str())
    .bind(a.as_str())
    .bind(b.as_str())
    .bind(json)
    .bind(SuggestionStatus::Pending.as_str())
    .bind(crate::now_ms())
    .execute(&mut tx.conn)
    .await?;
    Ok(Some(id))
}

fn has_tracing_consent(case: &CaseView) -> bool {
    case.consents.iter().any(|c| c.purpose == ConsentPurpose::Tracing)
}

async fn load_tracing_request(
    tx: &mut Tx,
    actor: &Actor,
    id: &str,
) -> StoreResult<Option<(TracingRequestRecord, NaiveDate)>> {
    let row = sqlx::query(
        "SELECT id, organisation_id, data, created_at FROM tracing_requests WHERE id = $1 AND organisation_id = $2",
    )
    .bind(id)
    .bind(actor.organisation_id.as_str())
    .fetch_optional(&mut tx.conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let data: String = row.try_get("data")?;
    let request: TracingRequest = serde_json::from_str(&data).map_err(|_| corrupt("tracing request", &data))?;
    let created_at: i64 = row.try_get("created_at")?;
    let received = chrono::DateTime::from_timestamp_millis(created_at)
        .map(|t| t.date_naive())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    Ok(Some((
        TracingRequestRecord {
            id: row.try_get("id")?,
            organisation_id: OrganisationId::from_trusted(row.try_get("organisation_id")?),
            request,
            created_at,
        },
        received,
    )))
}

/// Cases in `scope` of `organisation` sharing a search key with `keys`
/// (the tolerant search's index), optionally only those with tracing consent.
async fn blocked_candidates(
    tx: &mut Tx,
    scope: &CaseScope,
    organisation: &OrganisationId,
    keys: KeySource<'_>,
    exclude: Option<&CaseId>,
    tracing_only: bool,
) -> StoreResult<Vec<CaseId>> {
    let mut params = Params::default();
    let org_param = params.text(organisation.as_str());
    let key_condition = match keys {
        KeySource::Identity(identity) => {
            let identity_param = params.text(identity);
            let org_again = params.text(organisation.as_str());
            format!("k.key IN (SELECT key FROM name_keys WHERE identity_id = {identity_param} AND organisation_id = {org_again})")
        }
        KeySource::Keys(keys) => {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = keys.iter().map(|k| params.text(k.as_str())).collect();
            format!("k.key IN ({})", list.join(", "))
        }
    };
    let mut extra = String::new();
    if let Some(exclude) = exclude {
        let exclude_param = params.text(exclude.as_str());
        let again = params.text(exclude.as_str());
        extra.push_str(&format!(
            " AND c.id <> {exclude_param} AND NOT EXISTS (SELECT 1 FROM duplicate_suggestions s
               WHERE s.status <> 'pending' AND ((s.case_a = c.id AND s.case_b = {again}) OR (s.case_b = c.id AND s.case_a = {again})))"
        ));
    }
    if tracing_only {
        let purpose = params.text(ConsentPurpose::Tracing.as_str());
        extra.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM consents t WHERE t.case_id = c.id AND t.purpose = {purpose} AND t.withdrawn_on IS NULL)"
        ));
    }
    let condition = scope_condition(scope, &mut params);
    let limit = params.int(MAX_CANDIDATES);
    let sql = format!(
        "SELECT DISTINCT c.id AS id FROM name_keys k JOIN cases c ON c.identity_id = k.identity_id
         WHERE k.organisation_id = {org_param} AND {key_condition} AND c.status <> 'duplicate'{extra} AND {condition}
         ORDER BY c.id LIMIT {limit}"
    );
    let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut tx.conn).await?;
    rows.iter().map(|r| Ok(CaseId::from_trusted(r.try_get("id")?))).collect()
}

enum KeySource<'a> {
    /// The keys of an identity's names (a registered child).
    Identity(&'a str),
    /// Keys computed from names given in a request.
    Keys(&'a [String]),
}

// ---------------------------------------------------------------------------
// The store's calls.

impl SqlStore {
    pub(crate) async fn possible_duplicates_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<Vec<PossibleDuplicate>> {
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(case) = load_case(tx, &scope, &id).await? else {
                        audit_event(tx, &ctx, "case.duplicates.read", "case", id.as_str(), &[], "not_found").await?;
                        return Ok(Err(StoreError::NotFound));
                    };
                    let mut found = Vec::new();
                    if case.status != CaseStatus::Duplicate {
                        let this = case_record(&case);
                        let candidates = blocked_candidates(
                            tx,
                            &scope,
                            &case.organisation_id,
                            KeySource::Identity(case.child.identity_id.as_str()),
                            Some(&case.id),
                            false,
                        )
                        .await?;
                        for candidate_id in candidates {
                            let Some(other) = load_case(tx, &scope, &candidate_id).await? else { continue };
                            let explanation = score(&this, &case_record(&other));
                            if !suggested(&explanation) {
                                continue;
                            }
                            let Some(suggestion_id) =
                                upsert_suggestion(tx, &case.organisation_id, &case.id, &other.id, &explanation).await?
                            else {
                                continue;
                            };
                            audit_event(tx, &ctx, "case.match.read", "case", other.id.as_str(), COMPARED_FIELDS, "ok")
                                .await?;
                            found.push(PossibleDuplicate {
                                suggestion_id,
                                case_id: other.id.clone(),
                                reference: other.reference.clone(),
                                status: other.status,
                                given_name: other.child.given_name.clone(),
                                family_name: other.child.family_name.clone(),
                                probability: explanation.probability,
                                explanation,
                            });
                        }
                    }
                    found.sort_by(|a, b| b.probability.total_cmp(&a.probability));
                    audit_event(tx, &ctx, "case.duplicates.read", "case", case.id.as_str(), COMPARED_FIELDS, "ok")
                        .await?;
                    Ok(Ok(found))
                })
            })
            .await?
    }

    pub(crate) async fn duplicate_queue_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
    ) -> StoreResult<Vec<DuplicateSuggestion>> {
        let actor = actor_of(ctx)?;
        let (ctx, scope) = (ctx.clone(), scope.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let mut params = Params::default();
                    let org_param = params.text(actor.organisation_id.as_str());
                    let scope_a = scope_condition(&scope, &mut params);
                    let scope_b = scope_condition(&scope, &mut params);
                    let sql = format!(
                        "SELECT {SUGGESTION_COLUMNS}
                         FROM duplicate_suggestions s JOIN cases ca ON ca.id = s.case_a JOIN cases cb ON cb.id = s.case_b
                         WHERE s.organisation_id = {org_param} AND s.status = 'pending'
                           AND ca.status <> 'duplicate' AND cb.status <> 'duplicate'
                           AND EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_a AND {scope_a})
                           AND EXISTS (SELECT 1 FROM cases c WHERE c.id = s.case_b AND {scope_b})
                         ORDER BY s.created_at, s.id LIMIT 500"
                    );
                    let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut tx.conn).await?;
                    let list = rows.iter().map(suggestion_from_row).collect::<StoreResult<Vec<_>>>()?;
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent {
                            action: "duplicate.list",
                            target: Some(Target::kind("duplicate_suggestion")),
                            fields: &[],
                            outcome: "ok",
                        },
                    )
                    .await?;
                    Ok(list)
                })
            })
            .await
    }

    pub(crate) async fn decide_duplicate_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &str,
        decision: DuplicateDecision,
    ) -> StoreResult<DuplicateSuggestion> {
        let actor = actor_of(ctx)?;
        let action = match decision {
            DuplicateDecision::Confirm => "duplicate.confirm",
            DuplicateDecision::Reject => "duplicate.reject",
        };
        // One unit: the suggestion (in the caller's organisation and scope,
        // still pending), the workflow's own MarkDuplicate step (its rules,
        // status history and audit event) and the decision on the suggestion
        // commit together or not at all.
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.to_string());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some((suggestion, created_a, created_b)) = read_suggestion(tx, &actor, &scope, &id).await?
                    else {
                        audit_event(tx, &ctx, action, "duplicate_suggestion", &id, &[], "not_found").await?;
                        return Ok(Err(StoreError::NotFound));
                    };
                    if suggestion.status != SuggestionStatus::Pending {
                        return Ok(Err(StoreError::Conflict("this suggestion was already decided".into())));
                    }
                    let (new_status, merged, kept, previous) = match decision {
                        DuplicateDecision::Reject => (SuggestionStatus::Rejected, None, None, None),
                        DuplicateDecision::Confirm => {
                            // The newer registration is the duplicate of the older.
                            let a_is_newer =
                                (created_a, suggestion.case_a.as_str()) > (created_b, suggestion.case_b.as_str());
                            let (merged, kept) = if a_is_newer {
                                (suggestion.case_a.clone(), suggestion.case_b.clone())
                            } else {
                                (suggestion.case_b.clone(), suggestion.case_a.clone())
                            };
                            let command = CaseCommand::MarkDuplicate(Duplicate { duplicate_of: kept.clone() });
                            let Some(change) = command_in(tx, &ctx, &actor, &scope, &merged, command).await? else {
                                return Ok(Err(StoreError::NotFound));
                            };
                            (SuggestionStatus::Confirmed, Some(merged), Some(kept), Some(change.from))
                        }
                    };
                    let updated = sqlx::query(
                        "UPDATE duplicate_suggestions SET status = $1, merged_case_id = $2, kept_case_id = $3,
                            previous_status = $4, decided_by = $5, decided_at = $6
                         WHERE id = $7 AND status = 'pending'",
                    )
                    .bind(new_status.as_str())
                    .bind(merged.as_ref().map(|c| c.as_str().to_string()))
                    .bind(kept.as_ref().map(|c| c.as_str().to_string()))
                    .bind(previous.map(|s| s.as_str().to_string()))
                    .bind(actor.user_id.as_str())
                    .bind(crate::now_ms())
                    .bind(&id)
                    .execute(&mut tx.conn)
                    .await?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::Conflict("this suggestion was already decided".into()));
                    }
                    audit_event(tx, &ctx, action, "duplicate_suggestion", &id, &["status"], "ok").await?;
                    let (suggestion, _, _) =
                        read_suggestion(tx, &actor, &scope, &id).await?.ok_or(StoreError::NotFound)?;
                    Ok(Ok(suggestion))
                })
            })
            .await?
    }

    pub(crate) async fn unmerge_case_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<StatusChange> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(case) = load_case(tx, &scope, &id).await? else {
                        audit_event(tx, &ctx, "case.unmerge", "case", id.as_str(), &[], "not_found").await?;
                        return Ok(Err(StoreError::NotFound));
                    };
                    let row = sqlx::query(
                        "SELECT id, previous_status FROM duplicate_suggestions
                         WHERE merged_case_id = $1 AND status = 'confirmed' ORDER BY decided_at DESC LIMIT 1",
                    )
                    .bind(case.id.as_str())
                    .fetch_optional(&mut tx.conn)
                    .await?;
                    let Some(row) = row.filter(|_| case.status == CaseStatus::Duplicate) else {
                        return Ok(Err(StoreError::Conflict("this case was not merged as a duplicate".into())));
                    };
                    let suggestion: String = row.try_get("id")?;
                    let previous: Option<String> = row.try_get("previous_status")?;
                    let previous = previous.ok_or_else(|| corrupt("previous status", "NULL"))?;
                    let to = parse_code(&previous, CaseStatus::parse, "status")?;
                    // The workflow's own step: its rules, the status-history
                    // row and the `case.unmerge` audit event, in this unit.
                    let command = CaseCommand::Unmerge { status_before_merge: to };
                    let Some(change) = command_in(tx, &ctx, &actor, &scope, &case.id, command).await? else {
                        return Ok(Err(StoreError::NotFound));
                    };
                    sqlx::query(
                        "UPDATE duplicate_suggestions SET status = 'unmerged', decided_by = $1, decided_at = $2 WHERE id = $3",
                    )
                    .bind(actor.user_id.as_str())
                    .bind(crate::now_ms())
                    .bind(&suggestion)
                    .execute(&mut tx.conn)
                    .await?;
                    Ok(Ok(change))
                })
            })
            .await?
    }

    pub(crate) async fn create_tracing_request_impl(
        &self,
        ctx: &AuditContext,
        request: TracingRequest,
    ) -> StoreResult<TracingRequestRecord> {
        let actor = actor_of(ctx)?;
        let ctx = ctx.clone();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let id = new_id();
                    let now = crate::now_ms();
                    let data = serde_json::to_string(&request).expect("plain data serialises");
                    sqlx::query(
                        "INSERT INTO tracing_requests (id, organisation_id, data, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&id)
                    .bind(actor.organisation_id.as_str())
                    .bind(data)
                    .bind(actor.user_id.as_str())
                    .bind(now)
                    .execute(&mut tx.conn)
                    .await?;
                    let mut fields = vec!["given_name"];
                    for (present, name) in [
                        (request.family_name.is_some(), "family_name"),
                        (!request.other_names.is_empty(), "other_names"),
                        (request.sex.is_some(), "sex"),
                        (request.date_of_birth.is_some(), "date_of_birth"),
                        (request.age.is_some(), "age"),
                        (request.last_seen_place.is_some(), "last_seen_place"),
                        (request.last_seen_date.is_some(), "last_seen_date"),
                        (!request.family_members.is_empty(), "family_members"),
                    ] {
                        if present {
                            fields.push(name);
                        }
                    }
                    audit_event(tx, &ctx, "tracing.create", "tracing_request", &id, &fields, "ok").await?;
                    Ok(TracingRequestRecord { id, organisation_id: actor.organisation_id.clone(), request, created_at: now })
                })
            })
            .await
    }

    pub(crate) async fn tracing_matches_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &str,
    ) -> StoreResult<TracingMatches> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.to_string());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some((record, received)) = load_tracing_request(tx, &actor, &id).await? else {
                        audit_event(tx, &ctx, "tracing.matches.read", "tracing_request", &id, &[], "not_found").await?;
                        return Ok(Err(StoreError::NotFound));
                    };
                    let sought = tracing_record(&record.request, received);
                    let mut keys = BTreeSet::new();
                    let names = std::iter::once(&record.request.given_name)
                        .chain(record.request.family_name.iter())
                        .chain(record.request.other_names.iter());
                    for name in names {
                        keys.extend(safepath_linkage::name_index_keys(name));
                    }
                    let keys: Vec<String> = keys.into_iter().take(MAX_KEYS).collect();
                    let candidates =
                        blocked_candidates(tx, &scope, &actor.organisation_id, KeySource::Keys(&keys), None, true)
                            .await?;
                    let confirmed: BTreeSet<String> =
                        sqlx::query("SELECT case_id FROM tracing_confirmations WHERE request_id = $1")
                            .bind(&record.id)
                            .fetch_all(&mut tx.conn)
                            .await?
                            .iter()
                            .map(|r| r.try_get::<String, _>("case_id"))
                            .collect::<Result<_, _>>()?;
                    let mut matches = Vec::new();
                    for candidate_id in candidates {
                        let Some(case) = load_case(tx, &scope, &candidate_id).await? else { continue };
                        if !has_tracing_consent(&case) {
                            continue;
                        }
                        let explanation = score(&sought, &case_record(&case));
                        if !suggested(&explanation) {
                            continue;
                        }
                        audit_event(tx, &ctx, "case.match.read", "case", case.id.as_str(), COMPARED_FIELDS, "ok")
                            .await?;
                        matches.push(TracingMatch {
                            confirmed: confirmed.contains(case.id.as_str()),
                            case_id: case.id.clone(),
                            reference: case.reference.clone(),
                            status: case.status,
                            given_name: case.child.given_name.clone(),
                            family_name: case.child.family_name.clone(),
                            probability: explanation.probability,
                            explanation,
                        });
                    }
                    matches.sort_by(|a, b| b.probability.total_cmp(&a.probability));
                    audit_event(tx, &ctx, "tracing.matches.read", "tracing_request", &record.id, COMPARED_FIELDS, "ok")
                        .await?;
                    Ok(Ok(TracingMatches { tracing_request: record, matches }))
                })
            })
            .await?
    }

    pub(crate) async fn confirm_tracing_match_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &str,
        case_id: &CaseId,
    ) -> StoreResult<TracingMatch> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id, case_id) = (ctx.clone(), scope.clone(), id.to_string(), case_id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let request = load_tracing_request(tx, &actor, &id).await?;
                    let case = load_case(tx, &scope, &case_id).await?;
                    let (Some((record, received)), Some(case)) = (request, case) else {
                        audit_event(tx, &ctx, "tracing.match.confirm", "tracing_request", &id, &[], "not_found").await?;
                        return Ok(Err(StoreError::NotFound));
                    };
                    if !has_tracing_consent(&case) {
                        return Ok(Err(StoreError::Conflict(
                            "the child's consent does not allow family tracing".into(),
                        )));
                    }
                    let explanation = score(&tracing_record(&record.request, received), &case_record(&case));
                    sqlx::query(
                        "INSERT INTO tracing_confirmations (request_id, case_id, explanation, confirmed_by, confirmed_at)
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id, case_id) DO NOTHING",
                    )
                    .bind(&record.id)
                    .bind(case.id.as_str())
                    .bind(explanation_json(&explanation))
                    .bind(actor.user_id.as_str())
                    .bind(crate::now_ms())
                    .execute(&mut tx.conn)
                    .await?;
                    audit_event(tx, &ctx, "tracing.match.confirm", "tracing_request", &record.id, &["case_id"], "ok")
                        .await?;
                    Ok(Ok(TracingMatch {
                        case_id: case.id.clone(),
                        reference: case.reference.clone(),
                        status: case.status,
                        given_name: case.child.given_name.clone(),
                        family_name: case.child.family_name.clone(),
                        probability: explanation.probability,
                        explanation,
                        confirmed: true,
                    }))
                })
            })
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(given: &str, family: &str, dob: &str) -> Record {
        Record {
            id: given.into(),
            given_name: Some(given.into()),
            family_name: Some(family.into()),
            sex: Some("f".into()),
            date_of_birth: PartialDate::parse(dob),
            place: Some("Tirana".into()),
            citizenship: Some("AL".into()),
            ..Record::default()
        }
    }

    #[test]
    fn one_child_in_two_scripts_is_suggested_and_twins_are_not() {
        let latin = record("Elena", "Petrova", "2012-03-04");
        let cyrillic = record("Елена", "Петрова", "2012-03-04");
        let same = score(&latin, &cyrillic);
        assert!(suggested(&same), "{same:?}");
        assert_eq!(same.contributions.len(), FIELDS.len());

        let twin = record("Maria", "Petrova", "2012-03-04");
        let twins = score(&latin, &twin);
        assert!(!suggested(&twins), "{twins:?}");
    }
}
