//! The case workflow (issue #4) in the store: every step loads the case under
//! the caller's scope (absent when outside it), gathers the [`Facts`] the
//! domain's rules need, asks the rule, and writes the record, the new status
//! and the audit event in one writer unit. A refusal is an error of the unit,
//! so nothing of it is written.
//!
//! Per-case records (assessments, BIA, BID, plan, services, episodes…) are
//! validated domain values kept as JSON in `case_records`; approvals,
//! referrals and transfers have tables of their own because they are read
//! across cases (a supervisor's queue, a partner's inbox).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use safepath_domain::case::{Age, CaseView, Consent};
use safepath_domain::codes::{
    ApprovalDecision, ApprovalKind, CaseStatus, ClosureReason, ConsentGivenBy, ConsentPurpose, ServiceType,
};
use safepath_domain::ids::{CaseId, OrganisationId, UserId};
use safepath_domain::policy::{self, Actor, CaseScope};
use safepath_domain::workflow::approval::{currently_approved, Approval};
use safepath_domain::workflow::best_interest::{BestInterestAssessment, BestInterestDetermination};
use safepath_domain::workflow::closure::{ClosureRequest, Duplicate, Reopening};
use safepath_domain::workflow::deadlines::Task;
use safepath_domain::workflow::episodes::{
    ChildAge, ExploitationEpisode, ExploitationEpisodeInput, MovementEpisode, MovementEpisodeInput, Perpetrator,
};
use safepath_domain::workflow::follow_up::FollowUp;
use safepath_domain::workflow::indicators::{
    self, IndicatorCatalogue, IndicatorObservation, ScreeningResult, ScreeningRule, TraffickingStatusDecision,
};
use safepath_domain::workflow::plan::{CasePlan, ServiceItem, ServiceStatus};
use safepath_domain::workflow::referral::{
    referral_transition, CaseSection, NewReferral, ReferralAccess, ReferralAction, ReferralOutcome, ReferralSide,
    ReferralStatus,
};
use safepath_domain::workflow::settings::{OrganisationSettings, SettingsView};
use safepath_domain::workflow::standards::{
    unmet_standards, StandardCheck, StandardCheckInput, StandardDefinition, StandardsList, Unmet,
};
use safepath_domain::workflow::transfer::NewTransfer;
use safepath_domain::workflow::vulnerability::VulnerabilityAssessment;
use safepath_domain::workflow::{
    is_open, perform, transition, Action, ConsentOverride, Facts, Refusal, RefusalCode, SharingBasis, TransferFacts,
};
use safepath_domain::ValidationErrors;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::cases::{load_case, parse_code, parse_date, scope_condition, Params};
use crate::db::SqlStore;
use crate::directory::{corrupt, new_id};
use crate::work_items;
use crate::writer::Tx;
use crate::{AuditContext, StoreError, StoreResult};

/// The kinds of record a case keeps in `case_records`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    VulnerabilityAssessment,
    IndicatorObservation,
    #[serde(rename = "bia")]
    BestInterestAssessment,
    #[serde(rename = "bid")]
    BestInterestDetermination,
    CasePlan,
    Service,
    StandardCheck,
    ExploitationEpisode,
    MovementEpisode,
    /// Restricted: read only with the perpetrator permission.
    Perpetrator,
    FollowUp,
    ClosureRequest,
    Reopening,
    /// A person's record of the child's trafficking status (the screening
    /// only suggests).
    TraffickingStatus,
}

impl RecordKind {
    pub const ALL: &'static [RecordKind] = &[
        RecordKind::VulnerabilityAssessment,
        RecordKind::IndicatorObservation,
        RecordKind::BestInterestAssessment,
        RecordKind::BestInterestDetermination,
        RecordKind::CasePlan,
        RecordKind::Service,
        RecordKind::StandardCheck,
        RecordKind::ExploitationEpisode,
        RecordKind::MovementEpisode,
        RecordKind::Perpetrator,
        RecordKind::FollowUp,
        RecordKind::ClosureRequest,
        RecordKind::Reopening,
        RecordKind::TraffickingStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::VulnerabilityAssessment => "vulnerability_assessment",
            RecordKind::IndicatorObservation => "indicator_observation",
            RecordKind::BestInterestAssessment => "bia",
            RecordKind::BestInterestDetermination => "bid",
            RecordKind::CasePlan => "case_plan",
            RecordKind::Service => "service",
            RecordKind::StandardCheck => "standard_check",
            RecordKind::ExploitationEpisode => "exploitation_episode",
            RecordKind::MovementEpisode => "movement_episode",
            RecordKind::Perpetrator => "perpetrator",
            RecordKind::FollowUp => "follow_up",
            RecordKind::ClosureRequest => "closure_request",
            RecordKind::Reopening => "reopening",
            RecordKind::TraffickingStatus => "trafficking_status",
        }
    }

    /// The kind named `raw` on the wire (as in a stored or shared record).
    pub fn parse(raw: &str) -> StoreResult<RecordKind> {
        RecordKind::ALL.iter().copied().find(|k| k.as_str() == raw).ok_or_else(|| corrupt("record kind", raw))
    }

    /// Whether the deadline rules read records of this kind (first contact,
    /// follow-ups, services, the BID's review date, the plan's services).
    fn affects_deadlines(self) -> bool {
        use RecordKind::*;
        matches!(
            self,
            VulnerabilityAssessment | IndicatorObservation | BestInterestDetermination | CasePlan | Service | FollowUp
        )
    }

    /// The section of a case file a record belongs to (what a referral shares).
    pub fn section(self) -> Option<CaseSection> {
        use RecordKind::*;
        Some(match self {
            VulnerabilityAssessment => CaseSection::Vulnerability,
            IndicatorObservation | TraffickingStatus => CaseSection::Indicators,
            BestInterestAssessment | BestInterestDetermination => CaseSection::BestInterest,
            CasePlan | Service => CaseSection::CasePlan,
            StandardCheck => CaseSection::StandardsOfCare,
            ExploitationEpisode => CaseSection::Exploitation,
            MovementEpisode => CaseSection::Movement,
            Perpetrator => CaseSection::Perpetrators,
            FollowUp => CaseSection::FollowUps,
            ClosureRequest | Reopening => return None,
        })
    }
}

/// A record to add to a case, validated by the domain (episodes are parsed in
/// the transaction: their ages derive from the child's recorded age).
#[derive(Debug, Clone)]
pub enum NewRecord {
    VulnerabilityAssessment(VulnerabilityAssessment),
    IndicatorObservation(IndicatorObservation),
    BestInterestAssessment(BestInterestAssessment),
    BestInterestDetermination(BestInterestDetermination),
    CasePlan(CasePlan),
    Service(ServiceItem),
    /// Checked against the owning organisation's list of standards, as of the date.
    StandardCheck(StandardCheckInput, NaiveDate),
    ExploitationEpisode(ExploitationEpisodeInput, NaiveDate),
    MovementEpisode(MovementEpisodeInput, NaiveDate),
    Perpetrator(Perpetrator),
    FollowUp(FollowUp),
    TraffickingStatus(TraffickingStatusDecision),
}

/// A record of a case as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseRecord {
    pub id: String,
    pub case_id: CaseId,
    pub kind: RecordKind,
    /// The validated record (its shape depends on `kind`).
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_by: Option<UserId>,
    pub created_at: i64,
}

/// An approval, pending (no decision yet) or decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApprovalRecord {
    pub id: String,
    pub case_id: CaseId,
    pub kind: ApprovalKind,
    /// The record (BIA, BID, plan, closure request) or transfer decided on.
    pub record_id: Option<String>,
    pub requested_by: Option<UserId>,
    pub requested_at: i64,
    pub decision: Option<ApprovalDecision>,
    pub comment: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReferralRecord {
    pub id: String,
    pub case_id: CaseId,
    pub from_organisation: OrganisationId,
    pub to_organisation: OrganisationId,
    pub to_user: Option<UserId>,
    pub reason: String,
    pub details: Option<String>,
    pub service_type: ServiceType,
    pub sections: Vec<CaseSection>,
    pub access_until: NaiveDate,
    pub status: ReferralStatus,
    /// `consent` or `override`.
    pub sharing_basis: String,
    pub outcome: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TransferRecord {
    pub id: String,
    pub case_id: CaseId,
    pub from_organisation: OrganisationId,
    pub to_organisation: OrganisationId,
    pub from_country: String,
    pub to_country: String,
    pub reason: String,
    pub details: Option<String>,
    pub separates_from_parents: bool,
    pub sharing_basis: String,
    /// `requested`, `accepted`, `declined`, `cancelled` or `completed`.
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a receiver answers to a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAnswer {
    Accept,
    Decline,
}

/// A workflow step on a case that carries no record of its own beyond it.
#[derive(Debug, Clone)]
pub enum CaseCommand {
    RequestClosure(ClosureRequest),
    Reopen(Reopening),
    MarkDuplicate(Duplicate),
    /// Undoes a merge: back to the status the case held when it was merged
    /// (the linkage module knows it from the confirmed suggestion).
    Unmerge {
        status_before_merge: CaseStatus,
    },
    CompleteTransfer,
    CancelTransfer,
    ResumeAfterTransfer,
}

/// A case's status after a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusChange {
    pub case_id: CaseId,
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub version: i64,
}

/// One row of a case's status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusHistoryEntry {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub action: Action,
    pub actor: Option<UserId>,
    pub at: i64,
}

/// A record as listed in a history: what and when, not its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecordEntry {
    pub id: String,
    pub kind: RecordKind,
    pub created_by: Option<UserId>,
    pub created_at: i64,
}

/// A case's workflow history: every status change, record, approval,
/// referral and transfer. It stays whole for a new owner after a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseHistory {
    pub case_id: CaseId,
    pub status: CaseStatus,
    pub statuses: Vec<StatusHistoryEntry>,
    pub records: Vec<RecordEntry>,
    pub approvals: Vec<ApprovalRecord>,
    pub referrals: Vec<ReferralRecord>,
    pub transfers: Vec<TransferRecord>,
}

/// The sections of a referred case the receiver may read now.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReferredCase {
    pub referral: ReferralRecord,
    /// Keyed on section name (`summary`, `case_plan`, …); only shared ones.
    #[schema(value_type = Object)]
    pub sections: BTreeMap<CaseSection, Value>,
}

/// A case's screening result (a suggestion for the supervisor) with the
/// observations it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Screening {
    pub result: ScreeningResult,
    pub observations: Vec<IndicatorObservation>,
}

/// A case's standards-of-care checks and what is unmet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StandardsView {
    pub checks: Vec<StandardCheck>,
    pub unmet: Vec<UnmetStandard>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnmetStandard {
    pub standard: StandardDefinition,
    pub unmet: Unmet,
}

/// One task of a work list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    pub case_id: CaseId,
    pub reference: String,
    pub task: Task,
}

/// A user's work: overdue and upcoming tasks of their cases, approvals
/// waiting for them, referrals and transfers addressed to their organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkView {
    /// The most overdue first: a page of at most `limit` (the request's).
    pub overdue: Vec<WorkItem>,
    /// How many tasks are overdue in all, counted up to 1,000: when more
    /// are, this is 1,000 and `overdue_total_capped` is true ("1,000+").
    pub overdue_total: usize,
    /// More tasks are overdue than `overdue_total` (the count stopped at 1,000).
    pub overdue_total_capped: bool,
    /// The soonest first: a page of at most `limit` (the request's).
    pub upcoming: Vec<WorkItem>,
    /// How many tasks fall due within the horizon in all, counted up to
    /// 1,000: when more do, this is 1,000 and `upcoming_total_capped` is true.
    pub upcoming_total: usize,
    /// More tasks fall due within the horizon than `upcoming_total`.
    pub upcoming_total_capped: bool,
    pub approvals: Vec<ApprovalRecord>,
    pub referrals: Vec<ReferralRecord>,
    pub transfers: Vec<TransferRecord>,
}

/// How far ahead a work list looks.
pub const WORK_HORIZON_DAYS: i64 = 7;

/// Most tasks of each list sent: a supervisor of 20,000 cases has tens of
/// thousands, and a page of the most urgent is what a person can act on.
pub const WORK_LIST_LIMIT: usize = 100;

/// How many tasks of each list a work view counts at most: a count of
/// tens of thousands read that many index entries on every request
/// (docs/benchmarks.md), and beyond a thousand the number tells a person
/// nothing more than "1,000+".
pub const WORK_COUNT_CAP: usize = 1_000;

// ---------------------------------------------------------------------------
// Reading and writing inside a unit.

/// The case columns a workflow step needs (no identity).
#[derive(Debug, Clone)]
pub(crate) struct CaseHead {
    pub(crate) id: CaseId,
    pub(crate) organisation_id: OrganisationId,
    pub(crate) status: CaseStatus,
    pub(crate) version: i64,
}

fn refused(refusal: Refusal) -> StoreError {
    StoreError::Refused(refusal)
}

pub(crate) fn actor_of(ctx: &AuditContext) -> StoreResult<Actor> {
    ctx.actor.clone().ok_or_else(|| StoreError::Unsupported("workflow steps are taken by a signed-in user".into()))
}

pub(crate) async fn case_head(tx: &mut Tx, scope: &CaseScope, id: &CaseId) -> StoreResult<Option<CaseHead>> {
    let mut params = Params::default();
    let id_param = params.text(id.as_str());
    let condition = scope_condition(scope, &mut params);
    let sql = format!(
        "SELECT c.id, c.organisation_id, c.status, c.version FROM cases c WHERE c.id = {id_param} AND {condition}"
    );
    let Some(row) = params.bind(sqlx::query(&sql)).fetch_optional(&mut tx.conn).await? else {
        return Ok(None);
    };
    let status: String = row.try_get("status")?;
    Ok(Some(CaseHead {
        id: CaseId::from_trusted(row.try_get("id")?),
        organisation_id: OrganisationId::from_trusted(row.try_get("organisation_id")?),
        status: parse_code(&status, CaseStatus::parse, "status")?,
        version: row.try_get("version")?,
    }))
}

/// The case in scope, or `None` after auditing the attempt as `not_found`
/// (the pattern of `case.update`: a write aimed at an absent case is traced).
pub(crate) async fn case_or_audit(
    tx: &mut Tx,
    ctx: &AuditContext,
    scope: &CaseScope,
    id: &CaseId,
    action: &str,
) -> StoreResult<Option<CaseHead>> {
    let head = case_head(tx, scope, id).await?;
    if head.is_none() {
        audit::append(
            tx,
            ctx,
            NewEvent { action, target: Some(Target::new("case", id.as_str())), fields: &[], outcome: "not_found" },
        )
        .await?;
    }
    Ok(head)
}

pub(crate) async fn audit_case(
    tx: &mut Tx,
    ctx: &AuditContext,
    action: &str,
    case: &CaseId,
    fields: &[&str],
) -> StoreResult<()> {
    audit::append(tx, ctx, NewEvent { action, target: Some(Target::new("case", case.as_str())), fields, outcome: "ok" })
        .await
}

/// Moves the case to `to` and notes it in the status history and the audit trail.
async fn set_status(
    tx: &mut Tx,
    ctx: &AuditContext,
    head: &mut CaseHead,
    to: CaseStatus,
    action: Action,
) -> StoreResult<()> {
    let now = crate::now_ms();
    let updated = sqlx::query(
        "UPDATE cases SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(head.id.as_str())
    .bind(head.status.as_str())
    .execute(&mut tx.conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict("the case changed while this step ran; try again".into()));
    }
    let seq: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM case_status_history WHERE case_id = $1")
        .bind(head.id.as_str())
        .fetch_one(&mut tx.conn)
        .await?
        .try_get("next")?;
    sqlx::query(
        "INSERT INTO case_status_history (case_id, seq, from_status, to_status, action, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(head.id.as_str())
    .bind(seq)
    .bind(head.status.as_str())
    .bind(to.as_str())
    .bind(action.as_str())
    .bind(ctx.actor.as_ref().map(|a| a.user_id.as_str().to_string()))
    .bind(now)
    .execute(&mut tx.conn)
    .await?;
    let event = format!("case.{action}");
    audit_case(tx, ctx, &event, &head.id, &["status"]).await?;
    head.status = to;
    head.version += 1;
    Ok(())
}

/// Asks the machine (role, then rules) and moves the case.
async fn step(tx: &mut Tx, ctx: &AuditContext, actor: &Actor, head: &mut CaseHead, action: Action) -> StoreResult<()> {
    let facts = gather_facts(tx, head, None).await?;
    let to = perform(actor.role, head.status, action, &facts).map_err(refused)?;
    set_status(tx, ctx, head, to, action).await
}

/// The linear path of DOMAIN.md up to the case plan.
const PATH: [(CaseStatus, Action); 4] = [
    (CaseStatus::Identified, Action::Register),
    (CaseStatus::Registered, Action::StartAssessment),
    (CaseStatus::Assessment, Action::StartBestInterest),
    (CaseStatus::BestInterest, Action::StartCasePlan),
];

/// Takes the case along the path until it reaches `target`, each step through
/// the machine; a case already at or past `target` stays where it is.
async fn advance_to(
    tx: &mut Tx,
    ctx: &AuditContext,
    actor: &Actor,
    head: &mut CaseHead,
    target: CaseStatus,
) -> StoreResult<()> {
    let position = |status: CaseStatus| PATH.iter().position(|(s, _)| *s == status).unwrap_or(PATH.len());
    let goal = position(target);
    while position(head.status) < goal {
        let action = PATH[position(head.status)].1;
        step(tx, ctx, actor, head, action).await?;
    }
    Ok(())
}

async fn latest_record(tx: &mut Tx, case: &CaseId, kind: RecordKind) -> StoreResult<Option<(String, Value)>> {
    let row = sqlx::query(
        "SELECT id, data FROM case_records WHERE case_id = $1 AND kind = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(case.as_str())
    .bind(kind.as_str())
    .fetch_optional(&mut tx.conn)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let data: String = row.try_get("data")?;
            let value = serde_json::from_str(&data).map_err(|_| corrupt("record", &data))?;
            Ok(Some((row.try_get("id")?, value)))
        }
    }
}

/// The decided approvals of one record (or transfer), in the order decided.
async fn decisions_on(tx: &mut Tx, record_id: &str) -> StoreResult<Vec<Approval>> {
    let rows = sqlx::query(
        "SELECT kind, decision, comment, decided_by, decided_on FROM approvals
         WHERE record_id = $1 AND decision IS NOT NULL ORDER BY decided_at, id",
    )
    .bind(record_id)
    .fetch_all(&mut tx.conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let decision: String = row.try_get("decision")?;
            let decided_on: String = row.try_get("decided_on")?;
            Ok(Approval {
                kind: parse_code(&kind, ApprovalKind::parse, "approval kind")?,
                decision: parse_code(&decision, ApprovalDecision::parse, "decision")?,
                decided_by: UserId::from_trusted(row.try_get::<Option<String>, _>("decided_by")?.unwrap_or_default()),
                comment: row.try_get("comment")?,
                decided_on: parse_date(&decided_on)?,
            })
        })
        .collect()
}

/// Whether the case's *current* record of `kind` is approved (a new BIA or
/// plan needs an approval of its own).
async fn current_record_approved(
    tx: &mut Tx,
    case: &CaseId,
    kind: RecordKind,
    approval: ApprovalKind,
) -> StoreResult<bool> {
    let Some((record_id, _)) = latest_record(tx, case, kind).await? else {
        return Ok(false);
    };
    Ok(currently_approved(&decisions_on(tx, &record_id).await?, approval))
}

async fn current_consents(tx: &mut Tx, case: &CaseId) -> StoreResult<Vec<Consent>> {
    let rows = sqlx::query(
        "SELECT purpose, given_by, given_on, withheld, legal_basis FROM consents WHERE case_id = $1 AND withdrawn_on IS NULL ORDER BY position",
    )
    .bind(case.as_str())
    .fetch_all(&mut tx.conn)
    .await?;
    rows.iter()
        .map(|row| {
            let purpose: String = row.try_get("purpose")?;
            let given_by: String = row.try_get("given_by")?;
            Ok(Consent {
                purpose: parse_code(&purpose, ConsentPurpose::parse, "consent purpose")?,
                given_by: parse_code(&given_by, ConsentGivenBy::parse, "consent giver")?,
                date: parse_date(&row.try_get::<String, _>("given_on")?)?,
                withheld: row.try_get("withheld")?,
                legal_basis: row.try_get("legal_basis")?,
            })
        })
        .collect()
}

/// The open transfer of a case (requested or accepted), if any.
async fn open_transfer(tx: &mut Tx, case: &CaseId) -> StoreResult<Option<AnyRow>> {
    Ok(sqlx::query(&format!(
        "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE case_id = $1 AND status IN ('requested', 'accepted')
         ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(case.as_str())
    .fetch_optional(&mut tx.conn)
    .await?)
}

fn sharing_from_row(row: &AnyRow) -> StoreResult<SharingBasis> {
    let basis: String = row.try_get("sharing_basis")?;
    Ok(match basis.as_str() {
        "override" => SharingBasis::Override(ConsentOverride::from_trusted(
            row.try_get::<Option<String>, _>("override_reason")?.unwrap_or_default(),
            UserId::from_trusted(row.try_get::<Option<String>, _>("override_by")?.unwrap_or_default()),
        )),
        _ => SharingBasis::Consent,
    })
}

/// Everything the machine needs to know about the case, from its records.
async fn gather_facts(tx: &mut Tx, head: &CaseHead, proposed: Option<TransferFacts>) -> StoreResult<Facts> {
    let mut facts = Facts {
        bia_approved: current_record_approved(
            tx,
            &head.id,
            RecordKind::BestInterestAssessment,
            ApprovalKind::BestInterestAssessment,
        )
        .await?,
        bid_exists: latest_record(tx, &head.id, RecordKind::BestInterestDetermination).await?.is_some(),
        case_plan_approved: current_record_approved(tx, &head.id, RecordKind::CasePlan, ApprovalKind::CasePlan).await?,
        transfer: proposed,
        ..Facts::default()
    };
    if head.status == CaseStatus::ClosureRequested {
        if let Some((_, data)) = latest_record(tx, &head.id, RecordKind::ClosureRequest).await? {
            facts.closure_reason = data["reason"].as_str().and_then(|r| ClosureReason::parse(r).ok());
            facts.status_before_request = data["status_before"].as_str().and_then(|s| CaseStatus::parse(s).ok());
        }
    }
    if head.status == CaseStatus::TransferRequested {
        if let Some(row) = open_transfer(tx, &head.id).await? {
            let id: String = row.try_get("id")?;
            let status: String = row.try_get("status")?;
            let before: String = row.try_get("status_before")?;
            let from_country: String = row.try_get("from_country")?;
            let to_country: String = row.try_get("to_country")?;
            let sharing = sharing_from_row(&row)?;
            let approvals = decisions_on(tx, &id).await?;
            facts.status_before_request = CaseStatus::parse(&before).ok();
            facts.transfer = Some(TransferFacts {
                cross_border: from_country != to_country,
                separates_from_parents: row.try_get::<i64, _>("separates_from_parents")? == 1,
                sharing: Some(sharing),
                supervisor_approved: currently_approved(&approvals, ApprovalKind::Transfer),
                receiver_accepted: status == "accepted",
            });
        }
    }
    Ok(facts)
}

/// Records may be added while work on the child goes on, or while a closure
/// or transfer decision is pending; not to a closed, merged or handed-over case.
fn check_accepts_records(status: CaseStatus) -> Result<(), Refusal> {
    if is_open(status) || matches!(status, CaseStatus::ClosureRequested | CaseStatus::TransferRequested) {
        Ok(())
    } else {
        Err(Refusal::new(
            RefusalCode::NotAllowedFromStatus,
            format!("records cannot be added while the case is \"{status}\""),
        ))
    }
}

async fn insert_record(
    tx: &mut Tx,
    ctx: &AuditContext,
    case: &CaseId,
    kind: RecordKind,
    data: Value,
    due_on: Option<NaiveDate>,
) -> StoreResult<CaseRecord> {
    let id = new_id();
    let now = crate::now_ms();
    let created_by = ctx.actor.as_ref().map(|a| a.user_id.clone());
    sqlx::query(
        "INSERT INTO case_records (id, case_id, kind, data, due_on, created_by, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
    )
    .bind(&id)
    .bind(case.as_str())
    .bind(kind.as_str())
    .bind(data.to_string())
    .bind(due_on.map(|d| d.to_string()))
    .bind(created_by.as_ref().map(|u| u.as_str().to_string()))
    .bind(now)
    .bind(now)
    .execute(&mut tx.conn)
    .await?;
    Ok(CaseRecord { id, case_id: case.clone(), kind, data, created_by, created_at: now })
}

async fn request_approval(
    tx: &mut Tx,
    ctx: &AuditContext,
    case: &CaseId,
    kind: ApprovalKind,
    record_id: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO approvals (id, case_id, kind, record_id, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(case.as_str())
    .bind(kind.as_str())
    .bind(record_id)
    .bind(ctx.actor.as_ref().map(|a| a.user_id.as_str().to_string()))
    .bind(crate::now_ms())
    .execute(&mut tx.conn)
    .await?;
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("domain records serialise")
}

async fn child_age(tx: &mut Tx, case: &CaseId) -> StoreResult<ChildAge> {
    let row = sqlx::query(
        "SELECT i.date_of_birth, i.estimated_age, c.created_at FROM cases c JOIN child_identities i ON i.id = c.identity_id WHERE c.id = $1",
    )
    .bind(case.as_str())
    .fetch_one(&mut tx.conn)
    .await?;
    let born: Option<String> = row.try_get("date_of_birth")?;
    let estimated: Option<i64> = row.try_get("estimated_age")?;
    let created_at: i64 = row.try_get("created_at")?;
    let recorded_on = DateTime::<Utc>::from_timestamp_millis(created_at).unwrap_or_default().date_naive();
    let age = match born {
        Some(born) => Age::Born(parse_date(&born)?),
        None => Age::Estimated { years: estimated.unwrap_or(0).clamp(0, 255) as u8 },
    };
    Ok(ChildAge { age, recorded_on })
}

/// Checks that every episode a perpetrator record names is an episode of this case.
async fn check_episodes(tx: &mut Tx, case: &CaseId, perpetrator: &Perpetrator) -> StoreResult<()> {
    for episode in &perpetrator.episode_ids {
        let found = sqlx::query(
            "SELECT 1 AS one FROM case_records WHERE id = $1 AND case_id = $2 AND kind IN ('exploitation_episode', 'movement_episode')",
        )
        .bind(episode.as_str())
        .bind(case.as_str())
        .fetch_optional(&mut tx.conn)
        .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(ValidationErrors::single(
                "episode_ids",
                "must name exploitation or movement episodes of this case",
            )));
        }
    }
    Ok(())
}

async fn add_record(
    tx: &mut Tx,
    ctx: &AuditContext,
    actor: &Actor,
    head: &mut CaseHead,
    record: NewRecord,
) -> StoreResult<CaseRecord> {
    check_accepts_records(head.status).map_err(refused)?;
    let status_before = head.status;
    let follow_up_done = matches!(&record, NewRecord::FollowUp(f) if f.is_done());
    let (kind, data, due_on) = match record {
        NewRecord::VulnerabilityAssessment(r) => (RecordKind::VulnerabilityAssessment, to_json(&r), None),
        NewRecord::IndicatorObservation(r) => (RecordKind::IndicatorObservation, to_json(&r), None),
        NewRecord::BestInterestAssessment(r) => (RecordKind::BestInterestAssessment, to_json(&r), None),
        NewRecord::BestInterestDetermination(r) => {
            (RecordKind::BestInterestDetermination, to_json(&r), Some(r.review_date))
        }
        NewRecord::CasePlan(plan) => {
            let facts = gather_facts(tx, head, None).await?;
            CasePlan::check_allowed(facts.bia_approved).map_err(refused)?;
            for service in &plan.services {
                service.check_allowed(facts.bia_approved).map_err(refused)?;
            }
            (RecordKind::CasePlan, to_json(&plan), None)
        }
        NewRecord::Service(service) => {
            let facts = gather_facts(tx, head, None).await?;
            service.check_allowed(facts.bia_approved).map_err(refused)?;
            let due = service.status.is_pending().then_some(service.due_date);
            (RecordKind::Service, to_json(&service), due)
        }
        NewRecord::StandardCheck(input, today) => {
            let standards = work_items::organisation_settings(&mut tx.conn, &head.organisation_id).await?.standards;
            let checked_by = &actor.user_id;
            let check = StandardCheck::parse(input, &standards, checked_by, today).map_err(StoreError::Invalid)?;
            (RecordKind::StandardCheck, to_json(&check), None)
        }
        NewRecord::TraffickingStatus(r) => (RecordKind::TraffickingStatus, to_json(&r), None),
        NewRecord::ExploitationEpisode(input, today) => {
            let age = child_age(tx, &head.id).await?;
            let episode = ExploitationEpisode::parse(input, &age, today).map_err(StoreError::Invalid)?;
            (RecordKind::ExploitationEpisode, to_json(&episode), None)
        }
        NewRecord::MovementEpisode(input, today) => {
            let age = child_age(tx, &head.id).await?;
            let episode = MovementEpisode::parse(input, &age, today).map_err(StoreError::Invalid)?;
            (RecordKind::MovementEpisode, to_json(&episode), None)
        }
        NewRecord::Perpetrator(r) => {
            check_episodes(tx, &head.id, &r).await?;
            (RecordKind::Perpetrator, to_json(&r), None)
        }
        NewRecord::FollowUp(r) => {
            let due = (!r.is_done()).then_some(r.due_date);
            (RecordKind::FollowUp, to_json(&r), due)
        }
    };
    // Recording the first assessment starts the assessment; a BIA starts the
    // best-interest step; a plan the case-plan step — each through the machine.
    let target = match kind {
        RecordKind::VulnerabilityAssessment | RecordKind::IndicatorObservation => Some(CaseStatus::Assessment),
        RecordKind::BestInterestAssessment => Some(CaseStatus::BestInterest),
        RecordKind::CasePlan => Some(CaseStatus::CasePlan),
        _ => None,
    };
    if let Some(target) = target.filter(|_| is_open(head.status)) {
        advance_to(tx, ctx, actor, head, target).await?;
    }
    let record = insert_record(tx, ctx, &head.id, kind, data, due_on).await?;
    if kind == RecordKind::CasePlan {
        // The plan's services are services of the case, each with its due date.
        if let Some(services) = record.data["services"].as_array() {
            for service in services.clone() {
                let pending = service["status"].as_str().and_then(|s| ServiceStatus::parse(s).ok());
                let due = service["due_date"].as_str().and_then(|d| parse_date(d).ok());
                let due = due.filter(|_| pending.is_some_and(ServiceStatus::is_pending));
                insert_record(tx, ctx, &head.id, RecordKind::Service, service, due).await?;
            }
        }
    }
    let approval = match kind {
        RecordKind::BestInterestAssessment => Some(ApprovalKind::BestInterestAssessment),
        RecordKind::BestInterestDetermination => Some(ApprovalKind::BestInterestDetermination),
        RecordKind::CasePlan => Some(ApprovalKind::CasePlan),
        _ => None,
    };
    if let Some(approval) = approval {
        request_approval(tx, ctx, &head.id, approval, &record.id).await?;
    }
    if follow_up_done && head.status == CaseStatus::Implementation {
        // A follow-up done once services run starts the follow-up phase, when
        // the machine allows it (an approved plan).
        let facts = gather_facts(tx, head, None).await?;
        if let Ok(to) = transition(head.status, Action::StartFollowUp, &facts) {
            set_status(tx, ctx, head, to, Action::StartFollowUp).await?;
        }
    }
    if kind.affects_deadlines() || head.status != status_before {
        work_items::refresh_case(&mut tx.conn, &head.id).await?;
    }
    let event = format!("case.{}.record", kind.as_str());
    audit_case(tx, ctx, &event, &head.id, &[kind.as_str()]).await?;
    Ok(record)
}

fn record_from_row(row: &AnyRow) -> StoreResult<CaseRecord> {
    let kind: String = row.try_get("kind")?;
    let data: String = row.try_get("data")?;
    Ok(CaseRecord {
        id: row.try_get("id")?,
        case_id: CaseId::from_trusted(row.try_get("case_id")?),
        kind: RecordKind::parse(&kind)?,
        data: serde_json::from_str(&data).map_err(|_| corrupt("record", &data))?,
        created_by: row.try_get::<Option<String>, _>("created_by")?.map(UserId::from_trusted),
        created_at: row.try_get("created_at")?,
    })
}

async fn records_of(tx: &mut Tx, case: &CaseId, kinds: &[RecordKind]) -> StoreResult<Vec<CaseRecord>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let mut params = Params::default();
    let case_param = params.text(case.as_str());
    let list: Vec<String> = kinds.iter().map(|k| params.text(k.as_str())).collect();
    let sql = format!(
        "SELECT id, case_id, kind, data, created_by, created_at FROM case_records
         WHERE case_id = {case_param} AND kind IN ({}) ORDER BY created_at, id",
        list.join(", ")
    );
    let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut tx.conn).await?;
    rows.iter().map(record_from_row).collect()
}

const APPROVAL_COLUMNS: &str =
    "a.id, a.case_id, a.kind, a.record_id, a.requested_by, a.requested_at, a.decision, a.comment, a.decided_by, a.decided_on";

fn approval_from_row(row: &AnyRow) -> StoreResult<ApprovalRecord> {
    let kind: String = row.try_get("kind")?;
    let decision: Option<String> = row.try_get("decision")?;
    let decided_on: Option<String> = row.try_get("decided_on")?;
    Ok(ApprovalRecord {
        id: row.try_get("id")?,
        case_id: CaseId::from_trusted(row.try_get("case_id")?),
        kind: parse_code(&kind, ApprovalKind::parse, "approval kind")?,
        record_id: row.try_get("record_id")?,
        requested_by: row.try_get::<Option<String>, _>("requested_by")?.map(UserId::from_trusted),
        requested_at: row.try_get("requested_at")?,
        decision: decision.map(|d| parse_code(&d, ApprovalDecision::parse, "decision")).transpose()?,
        comment: row.try_get("comment")?,
        decided_by: row.try_get::<Option<String>, _>("decided_by")?.map(UserId::from_trusted),
        decided_on: decided_on.as_deref().map(parse_date).transpose()?,
    })
}

const REFERRAL_COLUMNS: &str =
    "id, case_id, from_organisation, to_organisation, to_user, reason, details, service_type,
    sections, access_until, status, sharing_basis, override_reason, override_by, outcome, created_at, updated_at";

fn referral_from_row(row: &AnyRow) -> StoreResult<ReferralRecord> {
    let service: String = row.try_get("service_type")?;
    let status: String = row.try_get("status")?;
    let sections: String = row.try_get("sections")?;
    let sections: Vec<String> = serde_json::from_str(&sections).map_err(|_| corrupt("sections", &sections))?;
    Ok(ReferralRecord {
        id: row.try_get("id")?,
        case_id: CaseId::from_trusted(row.try_get("case_id")?),
        from_organisation: OrganisationId::from_trusted(row.try_get("from_organisation")?),
        to_organisation: OrganisationId::from_trusted(row.try_get("to_organisation")?),
        to_user: row.try_get::<Option<String>, _>("to_user")?.map(UserId::from_trusted),
        reason: row.try_get("reason")?,
        details: row.try_get("details")?,
        service_type: parse_code(&service, ServiceType::parse, "service type")?,
        sections: sections.iter().map(|s| parse_code(s, CaseSection::parse, "section")).collect::<StoreResult<_>>()?,
        access_until: parse_date(&row.try_get::<String, _>("access_until")?)?,
        status: parse_code(&status, ReferralStatus::parse, "referral status")?,
        sharing_basis: row.try_get("sharing_basis")?,
        outcome: row.try_get("outcome")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const TRANSFER_COLUMNS: &str =
    "id, case_id, from_organisation, to_organisation, from_country, to_country, reason, details,
    separates_from_parents, sharing_basis, override_reason, override_by, status, status_before, created_at, updated_at";

fn transfer_from_row(row: &AnyRow) -> StoreResult<TransferRecord> {
    Ok(TransferRecord {
        id: row.try_get("id")?,
        case_id: CaseId::from_trusted(row.try_get("case_id")?),
        from_organisation: OrganisationId::from_trusted(row.try_get("from_organisation")?),
        to_organisation: OrganisationId::from_trusted(row.try_get("to_organisation")?),
        from_country: row.try_get("from_country")?,
        to_country: row.try_get("to_country")?,
        reason: row.try_get("reason")?,
        details: row.try_get("details")?,
        separates_from_parents: row.try_get::<i64, _>("separates_from_parents")? == 1,
        sharing_basis: row.try_get("sharing_basis")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn organisation_exists(tx: &mut Tx, id: &OrganisationId, field: &str) -> StoreResult<()> {
    let row = sqlx::query("SELECT 1 AS one FROM organisations WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut tx.conn)
        .await?;
    match row {
        Some(_) => Ok(()),
        None => Err(StoreError::Invalid(ValidationErrors::single(field, "no such organisation"))),
    }
}

/// Decides the pending approval of `record_id` (or records a decided one when
/// none is pending: a new decision after an earlier one).
async fn write_decision(
    tx: &mut Tx,
    case: &CaseId,
    record_id: &str,
    approval: &Approval,
) -> StoreResult<ApprovalRecord> {
    let now = crate::now_ms();
    let pending: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM approvals WHERE record_id = $1 AND kind = $2 AND decision IS NULL ORDER BY requested_at LIMIT 1",
    )
    .bind(record_id)
    .bind(approval.kind.as_str())
    .fetch_optional(&mut tx.conn)
    .await?;
    let id = match pending {
        Some((id,)) => id,
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO approvals (id, case_id, kind, record_id, requested_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(case.as_str())
            .bind(approval.kind.as_str())
            .bind(record_id)
            .bind(now)
            .execute(&mut tx.conn)
            .await?;
            id
        }
    };
    sqlx::query(
        "UPDATE approvals SET decision = $1, comment = $2, decided_by = $3, decided_on = $4, decided_at = $5 WHERE id = $6",
    )
    .bind(approval.decision.as_str())
    .bind(approval.comment.clone())
    .bind(approval.decided_by.as_str())
    .bind(approval.decided_on.to_string())
    .bind(now)
    .bind(&id)
    .execute(&mut tx.conn)
    .await?;
    let row = sqlx::query(&format!("SELECT {APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1"))
        .bind(&id)
        .fetch_one(&mut tx.conn)
        .await?;
    approval_from_row(&row)
}

fn nothing_to_decide(what: &str) -> StoreError {
    StoreError::Refused(Refusal::new(RefusalCode::NotAllowedFromStatus, format!("there is no {what} to decide on")))
}

async fn decide(
    tx: &mut Tx,
    ctx: &AuditContext,
    actor: &Actor,
    head: &mut CaseHead,
    approval: Approval,
) -> StoreResult<ApprovalRecord> {
    let record_kind = match approval.kind {
        ApprovalKind::BestInterestAssessment => Some((RecordKind::BestInterestAssessment, "best-interest assessment")),
        ApprovalKind::BestInterestDetermination => {
            Some((RecordKind::BestInterestDetermination, "best-interest determination"))
        }
        ApprovalKind::CasePlan => Some((RecordKind::CasePlan, "case plan")),
        _ => None,
    };
    let decided = if let Some((kind, what)) = record_kind {
        let (record_id, _) = latest_record(tx, &head.id, kind).await?.ok_or_else(|| nothing_to_decide(what))?;
        let decided = write_decision(tx, &head.id, &record_id, &approval).await?;
        if approval.kind == ApprovalKind::CasePlan && approval.is_approved() && head.status == CaseStatus::CasePlan {
            step(tx, ctx, actor, head, Action::StartImplementation).await?;
        }
        decided
    } else if approval.kind == ApprovalKind::Transfer {
        if head.status != CaseStatus::TransferRequested {
            return Err(nothing_to_decide("transfer request"));
        }
        let row = open_transfer(tx, &head.id).await?.ok_or_else(|| nothing_to_decide("transfer request"))?;
        let transfer_id: String = row.try_get("id")?;
        write_decision(tx, &head.id, &transfer_id, &approval).await?
    } else {
        let action = if approval.is_approved() { Action::ApproveClosure } else { Action::RejectClosure };
        let facts = gather_facts(tx, head, None).await?;
        let to = perform(actor.role, head.status, action, &facts).map_err(refused)?;
        let (record_id, _) = latest_record(tx, &head.id, RecordKind::ClosureRequest)
            .await?
            .ok_or_else(|| nothing_to_decide("closure request"))?;
        let decided = write_decision(tx, &head.id, &record_id, &approval).await?;
        set_status(tx, ctx, head, to, action).await?;
        decided
    };
    // An approved plan starts the follow-up clock; a closure ends the tasks.
    work_items::refresh_case(&mut tx.conn, &head.id).await?;
    audit_case(tx, ctx, "case.approve", &head.id, &[approval.kind.as_str(), "decision", "comment"]).await?;
    Ok(decided)
}

fn sharing_columns(basis: &SharingBasis) -> (&'static str, Option<String>, Option<String>) {
    match basis {
        SharingBasis::Consent => ("consent", None, None),
        SharingBasis::Override(over) => {
            ("override", Some(over.reason().to_string()), Some(over.authorised_by().as_str().to_string()))
        }
    }
}

async fn load_referral(tx: &mut Tx, id: &str) -> StoreResult<Option<(ReferralRecord, AnyRow)>> {
    let row = sqlx::query(&format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut tx.conn)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some((referral_from_row(&row)?, row))),
    }
}

/// The side `actor` is on, or `None` (absent to them): the sender must also
/// hold the case in its scope.
async fn side_of(tx: &mut Tx, actor: &Actor, referral: &ReferralRecord) -> StoreResult<Option<ReferralSide>> {
    let side = policy::referral_side(actor, &referral.from_organisation, &referral.to_organisation);
    if side == Some(ReferralSide::Sender)
        && case_head(tx, &policy::case_scope(actor), &referral.case_id).await?.is_none()
    {
        return Ok(None);
    }
    Ok(side)
}

/// A section of a case file as JSON, from the case and its records.
async fn section_json(tx: &mut Tx, case: &CaseView, section: CaseSection) -> StoreResult<Value> {
    let kinds: Vec<RecordKind> = RecordKind::ALL.iter().copied().filter(|k| k.section() == Some(section)).collect();
    Ok(match section {
        CaseSection::Summary => serde_json::json!({
            "reference": case.reference, "status": case.status, "risk_level": case.risk_level,
            "protection_status": case.protection_status, "identification": case.identification,
        }),
        CaseSection::Identity => to_json(&case.child),
        CaseSection::Consents => to_json(&case.consents),
        _ => to_json(&records_of(tx, &case.id, &kinds).await?),
    })
}

// ---------------------------------------------------------------------------
// The store's workflow calls, each one writer unit.

impl SqlStore {
    pub(crate) async fn add_case_record_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        record: NewRecord,
    ) -> StoreResult<CaseRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(mut head) = case_or_audit(tx, &ctx, &scope, &id, "case.record").await? else {
                        return Ok(Err(StoreError::NotFound));
                    };
                    add_record(tx, &ctx, &actor, &mut head, record).await.map(Ok)
                })
            })
            .await?
    }

    pub(crate) async fn case_records_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        kinds: Vec<RecordKind>,
    ) -> StoreResult<Vec<CaseRecord>> {
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let head = case_head(tx, &scope, &id).await?;
                    let records = match &head {
                        Some(_) => Some(records_of(tx, &id, &kinds).await?),
                        None => None,
                    };
                    let fields: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
                    let outcome = if records.is_some() { "ok" } else { "not_found" };
                    let event = NewEvent {
                        action: "case.records.read",
                        target: Some(Target::new("case", id.as_str())),
                        fields: &fields,
                        outcome,
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(records)
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn screening_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<Screening> {
        let records = self.case_records_impl(ctx, scope, id, vec![RecordKind::IndicatorObservation]).await?;
        let observations = records
            .into_iter()
            .map(|r| serde_json::from_value(r.data).map_err(|e| StoreError::Database(format!("bad observation: {e}"))))
            .collect::<StoreResult<Vec<IndicatorObservation>>>()?;
        let result = indicators::screen(&IndicatorCatalogue::defaults(), &observations, &ScreeningRule::children());
        Ok(Screening { result, observations })
    }

    pub(crate) async fn standards_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<StandardsView> {
        let records = self.case_records_impl(ctx, scope, id, vec![RecordKind::StandardCheck]).await?;
        let checks = records
            .into_iter()
            .map(|r| serde_json::from_value(r.data).map_err(|e| StoreError::Database(format!("bad check: {e}"))))
            .collect::<StoreResult<Vec<StandardCheck>>>()?;
        let list = self.organisation_standards(scope, id).await?;
        let unmet = unmet_standards(&list, &checks)
            .into_iter()
            .map(|(standard, unmet)| UnmetStandard { standard: standard.clone(), unmet })
            .collect();
        Ok(StandardsView { checks, unmet })
    }

    /// The standards list of the organisation owning case `id` (which the
    /// caller has just read in `scope`).
    async fn organisation_standards(&self, scope: &CaseScope, id: &CaseId) -> StoreResult<StandardsList> {
        let mut params = Params::default();
        let id_param = params.text(id.as_str());
        let condition = scope_condition(scope, &mut params);
        let sql = format!("SELECT c.organisation_id FROM cases c WHERE c.id = {id_param} AND {condition}");
        let mut conn = self.pool.acquire().await?;
        let row = params.bind(sqlx::query(&sql)).fetch_optional(&mut *conn).await?.ok_or(StoreError::NotFound)?;
        let organisation = OrganisationId::from_trusted(row.try_get("organisation_id")?);
        Ok(work_items::organisation_settings(&mut conn, &organisation).await?.standards)
    }

    pub(crate) async fn organisation_settings_impl(
        &self,
        ctx: &AuditContext,
        organisation: &OrganisationId,
    ) -> StoreResult<SettingsView> {
        let (ctx, organisation) = (ctx.clone(), organisation.clone());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let exists = organisation_exists(tx, &organisation, "organisation_id").await.is_ok();
                    let settings = match exists {
                        true => Some(work_items::organisation_settings(&mut tx.conn, &organisation).await?),
                        false => None,
                    };
                    let event = NewEvent {
                        action: "organisation.settings.read",
                        target: Some(Target::new("organisation", organisation.as_str())),
                        fields: &[],
                        outcome: if exists { "ok" } else { "not_found" },
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(settings.map(|s| s.view()))
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn update_organisation_settings_impl(
        &self,
        ctx: &AuditContext,
        organisation: &OrganisationId,
        settings: OrganisationSettings,
    ) -> StoreResult<SettingsView> {
        let (ctx, organisation) = (ctx.clone(), organisation.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let target = Some(Target::new("organisation", organisation.as_str()));
                    if organisation_exists(tx, &organisation, "organisation_id").await.is_err() {
                        let event = NewEvent {
                            action: "organisation.settings.update",
                            target,
                            fields: &[],
                            outcome: "not_found",
                        };
                        audit::append(tx, &ctx, event).await?;
                        return Ok(Err(StoreError::NotFound));
                    }
                    let updated_by = ctx.actor.as_ref().map(|a| &a.user_id);
                    work_items::write_settings(&mut tx.conn, &organisation, &settings, updated_by).await?;
                    // Every open case's due times follow the new table.
                    work_items::refresh_organisation(&mut tx.conn, &organisation).await?;
                    let event = NewEvent {
                        action: "organisation.settings.update",
                        target,
                        fields: &["deadlines", "standards"],
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(Ok(settings.view()))
                })
            })
            .await?
    }

    pub(crate) async fn decide_approval_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        approval: Approval,
    ) -> StoreResult<ApprovalRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(mut head) = case_or_audit(tx, &ctx, &scope, &id, "case.approve").await? else {
                        return Ok(Err(StoreError::NotFound));
                    };
                    decide(tx, &ctx, &actor, &mut head, approval).await.map(Ok)
                })
            })
            .await?
    }

    pub(crate) async fn pending_approvals_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
    ) -> StoreResult<Vec<ApprovalRecord>> {
        let approvals = self.pending_approvals_read(scope).await?;
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let event = NewEvent {
                        action: "approval.list",
                        target: Some(Target::kind("approval")),
                        fields: &[],
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await
                })
            })
            .await?;
        Ok(approvals)
    }

    async fn pending_approvals_read(&self, scope: &CaseScope) -> StoreResult<Vec<ApprovalRecord>> {
        let mut params = Params::default();
        let condition = scope_condition(scope, &mut params);
        let sql = format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals a JOIN cases c ON c.id = a.case_id
             WHERE a.decision IS NULL AND {condition} ORDER BY a.requested_at, a.id"
        );
        let mut conn = self.pool.acquire().await?;
        let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await?;
        let mut approvals = rows.iter().map(approval_from_row).collect::<StoreResult<Vec<_>>>()?;
        // Only what a supervisor can decide now: the current record of each kind.
        approvals.retain(|a| a.record_id.is_some());
        Ok(approvals)
    }

    pub(crate) async fn create_referral_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        referral: NewReferral,
        over: Option<ConsentOverride>,
    ) -> StoreResult<ReferralRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(head) = case_or_audit(tx, &ctx, &scope, &id, "case.referral.create").await? else {
                        return Ok(Err(StoreError::NotFound));
                    };
                    check_accepts_records(head.status).map_err(refused)?;
                    organisation_exists(tx, &referral.to_organisation, "to_organisation").await?;
                    let consents = current_consents(tx, &head.id).await?;
                    let basis = SharingBasis::from_consents(&consents, over).map_err(refused)?;
                    let facts = gather_facts(tx, &head, None).await?;
                    referral.check_may_send(actor.role, Some(&basis), facts.bia_approved).map_err(refused)?;
                    let (basis_name, override_reason, override_by) = sharing_columns(&basis);
                    let referral_id = new_id();
                    let now = crate::now_ms();
                    let sections: Vec<&str> = referral.sections.iter().map(|s| s.as_str()).collect();
                    sqlx::query(
                        "INSERT INTO referrals (id, case_id, from_organisation, to_organisation, to_user, reason, details, service_type,
                             sections, access_until, status, sharing_basis, override_reason, override_by, created_by, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                    )
                    .bind(&referral_id)
                    .bind(head.id.as_str())
                    .bind(head.organisation_id.as_str())
                    .bind(referral.to_organisation.as_str())
                    .bind(referral.to_user.as_ref().map(|u| u.as_str().to_string()))
                    .bind(referral.reason.as_str())
                    .bind(referral.details.clone())
                    .bind(referral.service_type.as_str())
                    .bind(serde_json::to_string(&sections).expect("strings serialise"))
                    .bind(referral.access_until.to_string())
                    .bind(ReferralStatus::Requested.as_str())
                    .bind(basis_name)
                    .bind(override_reason)
                    .bind(override_by)
                    .bind(actor.user_id.as_str())
                    .bind(now)
                    .bind(now)
                    .execute(&mut tx.conn)
                    .await?;
                    let mut fields = vec!["to_organisation", "sections", "access_until", "service_type", "reason"];
                    if basis.is_override() {
                        fields.push("consent_override");
                    }
                    audit_case(tx, &ctx, "case.referral.create", &head.id, &fields).await?;
                    let (record, _) = load_referral(tx, &referral_id).await?.ok_or(StoreError::NotFound)?;
                    Ok(Ok(record))
                })
            })
            .await?
    }

    pub(crate) async fn referral_impl(&self, ctx: &AuditContext, id: &str) -> StoreResult<ReferralRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, id) = (ctx.clone(), id.to_string());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let found = match load_referral(tx, &id).await? {
                        Some((referral, _)) if side_of(tx, &actor, &referral).await?.is_some() => Some(referral),
                        _ => None,
                    };
                    let outcome = if found.is_some() { "ok" } else { "not_found" };
                    let event = NewEvent {
                        action: "referral.read",
                        target: Some(Target::new("referral", &id)),
                        fields: &[],
                        outcome,
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(found)
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn referral_action_impl(
        &self,
        ctx: &AuditContext,
        id: &str,
        action: ReferralAction,
        outcome: Option<ReferralOutcome>,
    ) -> StoreResult<ReferralRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, id) = (ctx.clone(), id.to_string());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some((referral, _)) = load_referral(tx, &id).await? else {
                        return Err(StoreError::NotFound);
                    };
                    let Some(side) = side_of(tx, &actor, &referral).await? else {
                        return Err(StoreError::NotFound);
                    };
                    let next = referral_transition(referral.status, action, side, outcome.as_ref()).map_err(refused)?;
                    sqlx::query("UPDATE referrals SET status = $1, outcome = COALESCE($2, outcome), updated_at = $3 WHERE id = $4")
                        .bind(next.as_str())
                        .bind(outcome.as_ref().map(|o| o.as_str().to_string()))
                        .bind(crate::now_ms())
                        .bind(&id)
                        .execute(&mut tx.conn)
                        .await?;
                    let event = format!("referral.{action}");
                    let fields: &[&str] = if outcome.is_some() { &["status", "outcome"] } else { &["status"] };
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent { action: &event, target: Some(Target::new("referral", &id)), fields, outcome: "ok" },
                    )
                    .await?;
                    let (record, _) = load_referral(tx, &id).await?.ok_or(StoreError::NotFound)?;
                    Ok(record)
                })
            })
            .await
    }

    pub(crate) async fn referred_case_impl(
        &self,
        ctx: &AuditContext,
        id: &str,
        section: Option<CaseSection>,
        today: NaiveDate,
    ) -> StoreResult<ReferredCase> {
        let actor = actor_of(ctx)?;
        let (ctx, id) = (ctx.clone(), id.to_string());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let Some((referral, _)) = load_referral(tx, &id).await? else {
                        return Err(StoreError::NotFound);
                    };
                    let access = ReferralAccess {
                        status: referral.status,
                        sections: referral.sections.iter().copied().collect::<BTreeSet<_>>(),
                        access_until: referral.access_until,
                    };
                    let wanted: Vec<CaseSection> = match section {
                        Some(section) => vec![section],
                        None => CaseSection::ALL.to_vec(),
                    };
                    let readable: Vec<CaseSection> = wanted
                        .into_iter()
                        .filter(|s| {
                            policy::may_read_referred_section(&actor, &referral.to_organisation, &access, *s, today)
                        })
                        .collect();
                    // Nothing readable is absent, and (like any refused
                    // request) writes nothing.
                    if readable.is_empty() {
                        return Err(StoreError::NotFound);
                    }
                    let owner = CaseScope::Organisation(referral.from_organisation.clone());
                    let Some(case) = load_case(tx, &owner, &referral.case_id).await? else {
                        // The case changed owner since (a transfer): the referral's view ends.
                        return Err(StoreError::NotFound);
                    };
                    let mut sections = BTreeMap::new();
                    for section in &readable {
                        sections.insert(*section, section_json(tx, &case, *section).await?);
                    }
                    let fields: Vec<&str> = readable.iter().map(|s| s.as_str()).collect();
                    let event = NewEvent {
                        action: "referral.case.read",
                        target: Some(Target::new("referral", &id)),
                        fields: &fields,
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(ReferredCase { referral, sections })
                })
            })
            .await
    }

    pub(crate) async fn request_transfer_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        transfer: NewTransfer,
        over: Option<ConsentOverride>,
    ) -> StoreResult<TransferRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(mut head) = case_or_audit(tx, &ctx, &scope, &id, "case.transfer.request").await? else {
                        return Ok(Err(StoreError::NotFound));
                    };
                    organisation_exists(tx, &transfer.to_organisation, "to_organisation").await?;
                    let consents = current_consents(tx, &head.id).await?;
                    let basis = SharingBasis::from_consents(&consents, over).map_err(refused)?;
                    let facts = gather_facts(tx, &head, Some(transfer.facts(Some(basis.clone()), false, false))).await?;
                    let to = perform(actor.role, head.status, Action::RequestTransfer, &facts).map_err(refused)?;
                    let before = head.status;
                    let (basis_name, override_reason, override_by) = sharing_columns(&basis);
                    let transfer_id = new_id();
                    let now = crate::now_ms();
                    sqlx::query(
                        "INSERT INTO transfers (id, case_id, from_organisation, to_organisation, from_country, to_country, reason, details,
                             separates_from_parents, sharing_basis, override_reason, override_by, status, status_before, created_by, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'requested', $13, $14, $15, $16)",
                    )
                    .bind(&transfer_id)
                    .bind(head.id.as_str())
                    .bind(head.organisation_id.as_str())
                    .bind(transfer.to_organisation.as_str())
                    .bind(&transfer.from_country)
                    .bind(&transfer.to_country)
                    .bind(transfer.reason.as_str())
                    .bind(transfer.details.clone())
                    .bind(i64::from(transfer.separates_from_parents))
                    .bind(basis_name)
                    .bind(override_reason)
                    .bind(override_by)
                    .bind(before.as_str())
                    .bind(actor.user_id.as_str())
                    .bind(now)
                    .bind(now)
                    .execute(&mut tx.conn)
                    .await?;
                    request_approval(tx, &ctx, &head.id, ApprovalKind::Transfer, &transfer_id).await?;
                    set_status(tx, &ctx, &mut head, to, Action::RequestTransfer).await?;
                    work_items::refresh_case(&mut tx.conn, &head.id).await?;
                    let mut fields = vec!["to_organisation", "from_country", "to_country", "reason"];
                    if basis.is_override() {
                        fields.push("consent_override");
                    }
                    audit_case(tx, &ctx, "case.transfer.request", &head.id, &fields).await?;
                    let row = sqlx::query(&format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = $1"))
                        .bind(&transfer_id)
                        .fetch_one(&mut tx.conn)
                        .await?;
                    Ok(Ok(transfer_from_row(&row)?))
                })
            })
            .await?
    }

    /// A transfer as its receiver reads it before answering: the request
    /// itself (countries, reason, details), never the case.
    pub(crate) async fn incoming_transfer_impl(&self, ctx: &AuditContext, id: &str) -> StoreResult<TransferRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, id) = (ctx.clone(), id.to_string());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let row = sqlx::query(&format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = $1"))
                        .bind(&id)
                        .fetch_optional(&mut tx.conn)
                        .await?;
                    let transfer = row
                        .as_ref()
                        .map(transfer_from_row)
                        .transpose()?
                        .filter(|t| policy::may_answer_transfer(&actor, &t.to_organisation));
                    let outcome = if transfer.is_some() { "ok" } else { "not_found" };
                    let event = NewEvent {
                        action: "transfer.read",
                        target: Some(Target::new("transfer", &id)),
                        fields: &[],
                        outcome,
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(transfer)
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn answer_transfer_impl(
        &self,
        ctx: &AuditContext,
        id: &str,
        answer: TransferAnswer,
    ) -> StoreResult<TransferRecord> {
        let actor = actor_of(ctx)?;
        let (ctx, id) = (ctx.clone(), id.to_string());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let row = sqlx::query(&format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = $1"))
                        .bind(&id)
                        .fetch_optional(&mut tx.conn)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    let transfer = transfer_from_row(&row)?;
                    if !policy::may_answer_transfer(&actor, &transfer.to_organisation) {
                        return Err(StoreError::NotFound);
                    }
                    if transfer.status != "requested" {
                        return Err(refused(Refusal::new(
                            RefusalCode::NotAllowedFromStatus,
                            format!("the transfer is already \"{}\"", transfer.status),
                        )));
                    }
                    let now = crate::now_ms();
                    let (status, event) = match answer {
                        TransferAnswer::Accept => ("accepted", "transfer.accept"),
                        TransferAnswer::Decline => ("declined", "transfer.decline"),
                    };
                    if answer == TransferAnswer::Decline {
                        // The case goes back to where it was, through the machine.
                        let owner = CaseScope::Organisation(transfer.from_organisation.clone());
                        let mut head = case_head(tx, &owner, &transfer.case_id).await?.ok_or(StoreError::NotFound)?;
                        let facts = gather_facts(tx, &head, None).await?;
                        let to = transition(head.status, Action::CancelTransfer, &facts).map_err(refused)?;
                        set_status(tx, &ctx, &mut head, to, Action::CancelTransfer).await?;
                        work_items::refresh_case(&mut tx.conn, &head.id).await?;
                    }
                    sqlx::query("UPDATE transfers SET status = $1, updated_at = $2 WHERE id = $3")
                        .bind(status)
                        .bind(now)
                        .bind(&id)
                        .execute(&mut tx.conn)
                        .await?;
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent {
                            action: event,
                            target: Some(Target::new("transfer", &id)),
                            fields: &["status"],
                            outcome: "ok",
                        },
                    )
                    .await?;
                    Ok(TransferRecord { status: status.to_string(), updated_at: now, ..transfer })
                })
            })
            .await
    }

    pub(crate) async fn case_command_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        command: CaseCommand,
    ) -> StoreResult<StatusChange> {
        let actor = actor_of(ctx)?;
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    Ok(command_in(tx, &ctx, &actor, &scope, &id, command).await?.ok_or(StoreError::NotFound))
                })
            })
            .await?
    }

    pub(crate) async fn case_history_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        include_perpetrators: bool,
    ) -> StoreResult<CaseHistory> {
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let head = case_head(tx, &scope, &id).await?;
                    let history = match head {
                        Some(head) => Some(history_of(tx, &head, include_perpetrators).await?),
                        None => None,
                    };
                    let outcome = if history.is_some() { "ok" } else { "not_found" };
                    let event = NewEvent {
                        action: "case.history.read",
                        target: Some(Target::new("case", id.as_str())),
                        fields: &["history"],
                        outcome,
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(history)
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn work_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<WorkView> {
        let actor = actor_of(ctx)?;
        let work = self.work_read(&actor, scope, now, limit.min(WORK_LIST_LIMIT)).await?;
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let event =
                        NewEvent { action: "me.work", target: Some(Target::kind("case")), fields: &[], outcome: "ok" };
                    audit::append(tx, &ctx, event).await
                })
            })
            .await?;
        Ok(work)
    }

    async fn work_read(
        &self,
        actor: &Actor,
        scope: &CaseScope,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<WorkView> {
        let mut conn = self.pool.acquire().await?;
        let horizon = TimeDelta::days(WORK_HORIZON_DAYS);
        let (overdue, upcoming) = work_items::read(&mut conn, scope, now, horizon, limit).await?;
        drop(conn);
        let approvals = if policy::role_may(actor.role, policy::Permission::Approve(ApprovalKind::CasePlan)) {
            self.pending_approvals_read(scope).await?
        } else {
            Vec::new()
        };
        let (referrals, transfers) = if policy::role_may(actor.role, policy::Permission::RespondToReferral) {
            let mut conn = self.pool.acquire().await?;
            let rows = sqlx::query(&format!(
                "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE to_organisation = $1 AND status = 'requested' ORDER BY created_at"
            ))
            .bind(actor.organisation_id.as_str())
            .fetch_all(&mut *conn)
            .await?;
            let referrals = rows.iter().map(referral_from_row).collect::<StoreResult<Vec<_>>>()?;
            let rows = sqlx::query(&format!(
                "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE to_organisation = $1 AND status = 'requested' ORDER BY created_at"
            ))
            .bind(actor.organisation_id.as_str())
            .fetch_all(&mut *conn)
            .await?;
            (referrals, rows.iter().map(transfer_from_row).collect::<StoreResult<Vec<_>>>()?)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(WorkView {
            overdue_total: overdue.total,
            overdue_total_capped: overdue.capped,
            upcoming_total: upcoming.total,
            upcoming_total_capped: upcoming.capped,
            overdue: overdue.items,
            upcoming: upcoming.items,
            approvals,
            referrals,
            transfers,
        })
    }
}

/// Runs a workflow step on a case in scope inside the caller's unit of work,
/// so that a step can be part of a larger transaction (confirming a suggested
/// duplicate merges the case and decides the suggestion in one). `None`: the
/// case is not in scope, and the attempt is audited as `not_found`.
pub(crate) async fn command_in(
    tx: &mut Tx,
    ctx: &AuditContext,
    actor: &Actor,
    scope: &CaseScope,
    id: &CaseId,
    command: CaseCommand,
) -> StoreResult<Option<StatusChange>> {
    let Some(mut head) = case_or_audit(tx, ctx, scope, id, "case.workflow").await? else {
        return Ok(None);
    };
    let from = head.status;
    run_command(tx, ctx, actor, &mut head, command).await?;
    // Every command moves the case (and a transfer its owner).
    work_items::refresh_case(&mut tx.conn, &head.id).await?;
    Ok(Some(StatusChange { case_id: head.id.clone(), from, to: head.status, version: head.version }))
}

async fn run_command(
    tx: &mut Tx,
    ctx: &AuditContext,
    actor: &Actor,
    head: &mut CaseHead,
    command: CaseCommand,
) -> StoreResult<()> {
    match command {
        CaseCommand::RequestClosure(request) => {
            let mut facts = gather_facts(tx, head, None).await?;
            facts.closure_reason = Some(request.reason);
            let to = perform(actor.role, head.status, Action::RequestClosure, &facts).map_err(refused)?;
            let mut data = to_json(&request);
            data["status_before"] = Value::String(head.status.as_str().to_string());
            let record = insert_record(tx, ctx, &head.id, RecordKind::ClosureRequest, data, None).await?;
            request_approval(tx, ctx, &head.id, ApprovalKind::Closure, &record.id).await?;
            set_status(tx, ctx, head, to, Action::RequestClosure).await?;
            audit_case(tx, ctx, "case.closure.request", &head.id, &["reason", "details"]).await
        }
        CaseCommand::Reopen(reopening) => {
            step(tx, ctx, actor, head, Action::Reopen).await?;
            insert_record(tx, ctx, &head.id, RecordKind::Reopening, to_json(&reopening), None).await?;
            Ok(())
        }
        CaseCommand::MarkDuplicate(duplicate) => {
            let mut facts = gather_facts(tx, head, None).await?;
            // The original must be a case the caller may see too.
            let scope = policy::case_scope(actor);
            if case_head(tx, &scope, &duplicate.duplicate_of).await?.is_none() {
                return Err(StoreError::Invalid(ValidationErrors::single("duplicate_of", "no such case")));
            }
            facts.duplicate_of = Some(duplicate.duplicate_of.clone());
            let to = perform(actor.role, head.status, Action::MarkDuplicate, &facts).map_err(refused)?;
            set_status(tx, ctx, head, to, Action::MarkDuplicate).await
        }
        CaseCommand::Unmerge { status_before_merge } => {
            let mut facts = gather_facts(tx, head, None).await?;
            facts.status_before_merge = Some(status_before_merge);
            let to = perform(actor.role, head.status, Action::Unmerge, &facts).map_err(refused)?;
            set_status(tx, ctx, head, to, Action::Unmerge).await
        }
        CaseCommand::CompleteTransfer => {
            let facts = gather_facts(tx, head, None).await?;
            let to = perform(actor.role, head.status, Action::CompleteTransfer, &facts).map_err(refused)?;
            let row = open_transfer(tx, &head.id).await?.ok_or(StoreError::NotFound)?;
            let transfer = transfer_from_row(&row)?;
            set_status(tx, ctx, head, to, Action::CompleteTransfer).await?;
            // Ownership moves: the case, and the child's search keys with it.
            // The sender keeps nothing beyond what the receiver shares back.
            let now = crate::now_ms();
            sqlx::query("UPDATE cases SET organisation_id = $1, assigned_to = NULL, updated_at = $2 WHERE id = $3")
                .bind(transfer.to_organisation.as_str())
                .bind(now)
                .bind(head.id.as_str())
                .execute(&mut tx.conn)
                .await?;
            sqlx::query(
                "UPDATE name_keys SET organisation_id = $1 WHERE identity_id = (SELECT identity_id FROM cases WHERE id = $2)",
            )
            .bind(transfer.to_organisation.as_str())
            .bind(head.id.as_str())
            .execute(&mut tx.conn)
            .await?;
            crate::cases::index_for_search(tx, crate::cases::SearchIndexed::Case(head.id.as_str()), true).await?;
            sqlx::query("UPDATE transfers SET status = 'completed', updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&transfer.id)
                .execute(&mut tx.conn)
                .await?;
            head.organisation_id = transfer.to_organisation;
            audit_case(tx, ctx, "case.transfer.complete", &head.id, &["organisation_id", "assigned_to"]).await
        }
        CaseCommand::CancelTransfer => {
            let row = open_transfer(tx, &head.id).await?;
            step(tx, ctx, actor, head, Action::CancelTransfer).await?;
            if let Some(row) = row {
                let transfer_id: String = row.try_get("id")?;
                sqlx::query("UPDATE transfers SET status = 'cancelled', updated_at = $1 WHERE id = $2")
                    .bind(crate::now_ms())
                    .bind(&transfer_id)
                    .execute(&mut tx.conn)
                    .await?;
            }
            Ok(())
        }
        CaseCommand::ResumeAfterTransfer => step(tx, ctx, actor, head, Action::ResumeAfterTransfer).await,
    }
}

/// The workflow part of a case file, for a case already read under the
/// caller's scope: every record (perpetrators only when permitted) and the
/// history. The case page reads it in the same unit as the case itself.
pub(crate) async fn workflow_of(
    tx: &mut Tx,
    case: &CaseView,
    include_perpetrators: bool,
) -> StoreResult<(Vec<CaseRecord>, CaseHistory)> {
    let kinds: Vec<RecordKind> = RecordKind::ALL
        .iter()
        .copied()
        .filter(|kind| include_perpetrators || *kind != RecordKind::Perpetrator)
        .collect();
    let records = records_of(tx, &case.id, &kinds).await?;
    let head = CaseHead {
        id: case.id.clone(),
        organisation_id: case.organisation_id.clone(),
        status: case.status,
        version: case.version,
    };
    let history = history_of(tx, &head, include_perpetrators).await?;
    Ok((records, history))
}

async fn history_of(tx: &mut Tx, head: &CaseHead, include_perpetrators: bool) -> StoreResult<CaseHistory> {
    let rows = sqlx::query(
        "SELECT from_status, to_status, action, actor, at FROM case_status_history WHERE case_id = $1 ORDER BY seq",
    )
    .bind(head.id.as_str())
    .fetch_all(&mut tx.conn)
    .await?;
    let mut statuses = Vec::with_capacity(rows.len());
    for row in &rows {
        let from: String = row.try_get("from_status")?;
        let to: String = row.try_get("to_status")?;
        let action: String = row.try_get("action")?;
        statuses.push(StatusHistoryEntry {
            from: parse_code(&from, CaseStatus::parse, "status")?,
            to: parse_code(&to, CaseStatus::parse, "status")?,
            action: parse_code(&action, Action::parse, "action")?,
            actor: row.try_get::<Option<String>, _>("actor")?.map(UserId::from_trusted),
            at: row.try_get("at")?,
        });
    }
    let rows = sqlx::query(
        "SELECT id, kind, created_by, created_at FROM case_records WHERE case_id = $1 ORDER BY created_at, id",
    )
    .bind(head.id.as_str())
    .fetch_all(&mut tx.conn)
    .await?;
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind = RecordKind::parse(&row.try_get::<String, _>("kind")?)?;
        if kind == RecordKind::Perpetrator && !include_perpetrators {
            continue;
        }
        records.push(RecordEntry {
            id: row.try_get("id")?,
            kind,
            created_by: row.try_get::<Option<String>, _>("created_by")?.map(UserId::from_trusted),
            created_at: row.try_get("created_at")?,
        });
    }
    let rows = sqlx::query(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM approvals a WHERE a.case_id = $1 ORDER BY a.requested_at, a.id"
    ))
    .bind(head.id.as_str())
    .fetch_all(&mut tx.conn)
    .await?;
    let approvals = rows.iter().map(approval_from_row).collect::<StoreResult<Vec<_>>>()?;
    let rows =
        sqlx::query(&format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE case_id = $1 ORDER BY created_at, id"))
            .bind(head.id.as_str())
            .fetch_all(&mut tx.conn)
            .await?;
    let referrals = rows.iter().map(referral_from_row).collect::<StoreResult<Vec<_>>>()?;
    let rows =
        sqlx::query(&format!("SELECT {TRANSFER_COLUMNS} FROM transfers WHERE case_id = $1 ORDER BY created_at, id"))
            .bind(head.id.as_str())
            .fetch_all(&mut tx.conn)
            .await?;
    let transfers = rows.iter().map(transfer_from_row).collect::<StoreResult<Vec<_>>>()?;
    Ok(CaseHistory {
        case_id: head.id.clone(),
        status: head.status,
        statuses,
        records,
        approvals,
        referrals,
        transfers,
    })
}
