//! The case workflow (issue #4): sub-resources of a case (assessments,
//! indicators, BIA, BID, approvals, plan, services, standards, episodes,
//! perpetrators, referrals, transfer, follow-ups, closure, reopening,
//! history), the partner's side of referrals and transfers, a supervisor's
//! approval queue, a user's work list, and an organisation's workflow
//! settings (deadline table, standards of care).
//!
//! Every handler: extract → authorise (one call into the domain policy) →
//! parse into the domain's validated type (422) → one store call → JSON. The
//! workflow's refusals come back from the store as [`ApiError::Refused`]:
//! 403 or 409 with the rule's own code.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use safepath_domain::codes::ApprovalKind;
use safepath_domain::ids::{CaseId, OrganisationId};
use safepath_domain::policy::{case_scope, may_configure_organisation, role_may, Permission};
use safepath_domain::workflow::approval::{Approval, ApprovalInput, DecisionError};
use safepath_domain::workflow::best_interest::{
    BestInterestAssessment, BestInterestAssessmentInput, BestInterestDetermination, BestInterestDeterminationInput,
};
use safepath_domain::workflow::closure::{
    ClosureRequest, ClosureRequestInput, Duplicate, DuplicateInput, ReopenInput, Reopening,
};
use safepath_domain::workflow::episodes::{
    ExploitationEpisodeInput, MovementEpisodeInput, Perpetrator, PerpetratorInput,
};
use safepath_domain::workflow::follow_up::{FollowUp, FollowUpInput};
use safepath_domain::workflow::indicators::{
    IndicatorCatalogue, IndicatorObservation, ObservationInput, StatusDecisionError, TraffickingStatusDecision,
    TraffickingStatusInput,
};
use safepath_domain::workflow::plan::{CasePlan, CasePlanInput, ServiceItem, ServiceItemInput};
use safepath_domain::workflow::referral::{CaseSection, NewReferral, ReferralAction, ReferralInput, ReferralOutcome};
use safepath_domain::workflow::settings::{OrganisationSettings, OrganisationSettingsInput, SettingsView};
use safepath_domain::workflow::standards::StandardCheckInput;
use safepath_domain::workflow::transfer::{NewTransfer, TransferInput};
use safepath_domain::workflow::vulnerability::{VulnerabilityAssessment, VulnerabilityAssessmentInput};
use safepath_domain::workflow::ConsentOverride;
use safepath_domain::ValidationErrors;
use safepath_store::workflow::WORK_LIST_LIMIT;
use safepath_store::{
    ApprovalRecord, CaseCommand, CaseHistory, CaseRecord, NewRecord, RecordKind, ReferralRecord, ReferredCase,
    Screening, StandardsView, StatusChange, TransferAnswer, TransferRecord, WorkView,
};
use serde::{Deserialize, Serialize};

use super::directory::authorise;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{parse_query, ApiJson, Authenticated};
use crate::today;
use crate::AppState;

type CasePath = Result<Path<String>, PathRejection>;
type PairPath = Result<Path<(String, String)>, PathRejection>;

/// A case id from the path; anything else cannot name a case (404).
fn case_id(path: CasePath) -> ApiResult<CaseId> {
    let Path(raw) = path.map_err(|_| ApiError::NotFound)?;
    CaseId::parse(&raw).map_err(|_| ApiError::NotFound)
}

/// A referral or transfer id: a UUID, or it names nothing (404).
fn record_id(path: CasePath) -> ApiResult<String> {
    let Path(raw) = path.map_err(|_| ApiError::NotFound)?;
    uuid::Uuid::parse_str(&raw)
        .ok()
        .filter(|id| id.hyphenated().to_string() == raw)
        .map(|_| raw)
        .ok_or(ApiError::NotFound)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordEnvelope {
    pub record: CaseRecord,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordsEnvelope {
    pub records: Vec<CaseRecord>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApprovalEnvelope {
    pub approval: ApprovalRecord,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApprovalsEnvelope {
    pub approvals: Vec<ApprovalRecord>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReferralEnvelope {
    pub referral: ReferralRecord,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReferralsEnvelope {
    pub referrals: Vec<ReferralRecord>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TransferEnvelope {
    pub transfer: TransferRecord,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusEnvelope {
    pub status: StatusChange,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryEnvelope {
    pub history: CaseHistory,
}

async fn add(
    state: &AppState,
    session: &Authenticated,
    id: &CaseId,
    record: NewRecord,
) -> ApiResult<(StatusCode, Json<RecordEnvelope>)> {
    let scope = case_scope(&session.actor());
    let record = state.store.add_case_record(&session.audit(), &scope, id, record).await?;
    Ok((StatusCode::CREATED, Json(RecordEnvelope { record })))
}

async fn list(
    state: &AppState,
    session: &Authenticated,
    path: CasePath,
    kinds: Vec<RecordKind>,
) -> ApiResult<Json<RecordsEnvelope>> {
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    let records = state.store.case_records(&session.audit(), &scope, &id, kinds).await?;
    Ok(Json(RecordsEnvelope { records }))
}

macro_rules! record_endpoints {
    (@get $path:literal) => { $path };
    (@get $path:literal, $get_path:literal) => { $get_path };
    ($(
        $(#[$post_doc:meta])* post $post:ident,
        $(#[$get_doc:meta])* get $get:ident,
        $path:literal $(+ get $get_path:literal)?, $input:ty, $kinds:expr, $permission:expr,
        |$in:ident, $session:ident, $id:ident| $parse:expr;
    )+) => {$(
        $(#[$post_doc])*
        #[utoipa::path(post, path = $path, tag = "workflow", request_body = $input,
            params(("id" = String, Path, description = "case id")),
            responses((status = 201, body = RecordEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
                (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
            security(("bearer" = [])))]
        pub async fn $post(
            State(state): State<AppState>,
            $session: Authenticated,
            path: CasePath,
            ApiJson($in): ApiJson<$input>,
        ) -> ApiResult<(StatusCode, Json<RecordEnvelope>)> {
            authorise(&$session, $permission)?;
            let $id = case_id(path)?;
            let record: NewRecord = $parse;
            add(&state, &$session, &$id, record).await
        }

        $(#[$get_doc])*
        #[utoipa::path(get, path = record_endpoints!(@get $path $(, $get_path)?), tag = "workflow", params(("id" = String, Path, description = "case id")),
            responses((status = 200, body = RecordsEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
            security(("bearer" = [])))]
        pub async fn $get(
            State(state): State<AppState>,
            session: Authenticated,
            path: CasePath,
        ) -> ApiResult<Json<RecordsEnvelope>> {
            authorise(&session, $permission)?;
            list(&state, &session, path, $kinds).await
        }
    )+};
}

record_endpoints! {
    /// Record a vulnerability assessment (individual, household or community
    /// level). The first one moves a registered case into assessment.
    post add_assessment,
    /// The case's vulnerability assessments, oldest first.
    get list_assessments,
    "/api/v1/cases/{id}/assessments", VulnerabilityAssessmentInput,
    vec![RecordKind::VulnerabilityAssessment], Permission::RecordCaseWork,
    |input, session, id| NewRecord::VulnerabilityAssessment(VulnerabilityAssessment::parse(input, today())?);

    /// Record an observation of a trafficking indicator of the catalogue.
    post add_indicator,
    /// The case's indicator observations.
    get list_indicators,
    "/api/v1/cases/{id}/indicators", ObservationInput,
    vec![RecordKind::IndicatorObservation], Permission::RecordCaseWork,
    |input, session, id| NewRecord::IndicatorObservation(
        IndicatorObservation::parse(input, &IndicatorCatalogue::defaults(), today())?);

    /// Record the child's trafficking status as a person decided it (the
    /// organisation's own decision, or one by police, a court…). The
    /// screening never sets it.
    post add_trafficking_status,
    /// The case's trafficking-status decisions.
    get list_trafficking_status,
    "/api/v1/cases/{id}/trafficking-status", TraffickingStatusInput,
    vec![RecordKind::TraffickingStatus], Permission::RecordCaseWork,
    |input, session, id| NewRecord::TraffickingStatus(
        TraffickingStatusDecision::record(input, &session.actor(), today()).map_err(|error| match error {
            StatusDecisionError::Refused(refusal) => ApiError::Refused(refusal),
            StatusDecisionError::Invalid(errors) => ApiError::Invalid(errors),
        })?);

    /// Record a best-interest assessment; it waits for a supervisor's approval.
    post add_bia,
    /// The case's best-interest assessments.
    get list_bia,
    "/api/v1/cases/{id}/bia", BestInterestAssessmentInput,
    vec![RecordKind::BestInterestAssessment], Permission::RecordCaseWork,
    |input, session, id| NewRecord::BestInterestAssessment(BestInterestAssessment::parse(input, today())?);

    /// Record a best-interest determination (panel, decision, review date).
    post add_bid,
    /// The case's best-interest determinations.
    get list_bid,
    "/api/v1/cases/{id}/bid", BestInterestDeterminationInput,
    vec![RecordKind::BestInterestDetermination], Permission::RecordCaseWork,
    |input, session, id| NewRecord::BestInterestDetermination(BestInterestDetermination::parse(input, today())?);

    /// Write the case plan: refused (409 `bia_not_approved`) until a
    /// supervisor approved the best-interest assessment.
    post add_plan,
    /// The case's plans (the latest is current).
    get list_plans,
    "/api/v1/cases/{id}/plan", CasePlanInput,
    vec![RecordKind::CasePlan], Permission::RecordCaseWork,
    |input, session, id| NewRecord::CasePlan(CasePlan::parse(input, today())?);

    /// Add a service: anything but immediate protection needs an approved BIA.
    post add_service,
    /// The case's services (the plan's included).
    get list_services,
    "/api/v1/cases/{id}/services", ServiceItemInput,
    vec![RecordKind::Service], Permission::RecordCaseWork,
    |input, session, id| NewRecord::Service(ServiceItem::parse(input, today())?);

    /// Record an exploitation episode; the age at its start is derived.
    post add_exploitation_episode,
    /// The case's exploitation and movement episodes.
    get list_episodes,
    "/api/v1/cases/{id}/episodes/exploitation" + get "/api/v1/cases/{id}/episodes", ExploitationEpisodeInput,
    vec![RecordKind::ExploitationEpisode, RecordKind::MovementEpisode], Permission::RecordCaseWork,
    |input, session, id| NewRecord::ExploitationEpisode(input, today());

    /// Record a perpetrator (supervisors: restricted, never in aggregates).
    post add_perpetrator,
    /// The case's perpetrator records (supervisors only).
    get list_perpetrators,
    "/api/v1/cases/{id}/perpetrators", PerpetratorInput,
    vec![RecordKind::Perpetrator], Permission::ReadPerpetrators,
    |input, session, id| NewRecord::Perpetrator(Perpetrator::parse(input)?);

    /// Record a follow-up, scheduled or done.
    post add_follow_up,
    /// The case's follow-ups.
    get list_follow_ups,
    "/api/v1/cases/{id}/follow-ups", FollowUpInput,
    vec![RecordKind::FollowUp], Permission::RecordCaseWork,
    |input, session, id| NewRecord::FollowUp(FollowUp::parse(input, today())?);
}

/// Record a movement episode (departure, transit, destination, return).
#[utoipa::path(post, path = "/api/v1/cases/{id}/episodes/movement", tag = "workflow", request_body = MovementEpisodeInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 201, body = RecordEnvelope), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_movement_episode(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(input): ApiJson<MovementEpisodeInput>,
) -> ApiResult<(StatusCode, Json<RecordEnvelope>)> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    add(&state, &session, &id, NewRecord::MovementEpisode(input, today())).await
}

/// Record a check of a standard of care (who and when are recorded).
#[utoipa::path(post, path = "/api/v1/cases/{id}/standards", tag = "workflow", request_body = StandardCheckInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 201, body = RecordEnvelope), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_standard_check(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(input): ApiJson<StandardCheckInput>,
) -> ApiResult<(StatusCode, Json<RecordEnvelope>)> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    // Checked in the store against the owning organisation's list.
    add(&state, &session, &id, NewRecord::StandardCheck(input, today())).await
}

/// The case's standards-of-care checks and the standards not met.
#[utoipa::path(get, path = "/api/v1/cases/{id}/standards", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = StandardsView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn standards(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<StandardsView>> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    Ok(Json(state.store.case_standards(&session.audit(), &scope, &id).await?))
}

/// The indicator screening: a suggestion for the supervisor. It never sets
/// the trafficking status; a person records that.
#[utoipa::path(get, path = "/api/v1/cases/{id}/screening", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Screening), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn screening(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<Screening>> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    Ok(Json(state.store.case_screening(&session.audit(), &scope, &id).await?))
}

/// A supervisor decides the case's BIA, BID, case plan, transfer or closure
/// (`kind` in the path). A caseworker is refused (403); a rejection needs a
/// comment (422).
#[utoipa::path(post, path = "/api/v1/cases/{id}/approvals/{kind}", tag = "workflow", request_body = ApprovalInput,
    params(("id" = String, Path, description = "case id"),
        ("kind" = String, Path, description = "bia, bid, case_plan, transfer or closure")),
    responses((status = 200, body = ApprovalEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    session: Authenticated,
    path: PairPath,
    ApiJson(input): ApiJson<ApprovalInput>,
) -> ApiResult<Json<ApprovalEnvelope>> {
    let Path((raw_id, raw_kind)) = path.map_err(|_| ApiError::NotFound)?;
    let id = CaseId::parse(&raw_id).map_err(|_| ApiError::NotFound)?;
    let kind = ApprovalKind::parse(&raw_kind).map_err(|_| ApiError::NotFound)?;
    let approval = Approval::decide(kind, input, &session.actor(), today()).map_err(|error| match error {
        DecisionError::Refused(refusal) => ApiError::Refused(refusal),
        DecisionError::Invalid(errors) => ApiError::Invalid(errors),
    })?;
    let scope = case_scope(&session.actor());
    let approval = state.store.decide_approval(&session.audit(), &scope, &id, approval).await?;
    Ok(Json(ApprovalEnvelope { approval }))
}

/// The approvals waiting on the caller's cases (a supervisor's queue).
#[utoipa::path(get, path = "/api/v1/approvals", tag = "workflow",
    responses((status = 200, body = ApprovalsEnvelope), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn approval_queue(
    State(state): State<AppState>,
    session: Authenticated,
) -> ApiResult<Json<ApprovalsEnvelope>> {
    authorise(&session, Permission::Approve(ApprovalKind::CasePlan))?;
    let scope = case_scope(&session.actor());
    let approvals = state.store.pending_approvals(&session.audit(), &scope).await?;
    Ok(Json(ApprovalsEnvelope { approvals }))
}

/// A supervisor's override of consent, when the body asks for one.
fn consent_override(session: &Authenticated, reason: Option<&str>) -> ApiResult<Option<ConsentOverride>> {
    reason.map(|reason| ConsentOverride::authorise(reason, &session.actor()).map_err(ApiError::Refused)).transpose()
}

/// A referral as sent: the domain's referral and, optionally, a supervisor's
/// reason for sharing without consent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    pub to_organisation: String,
    pub to_user: Option<String>,
    pub reason: String,
    pub details: Option<String>,
    pub service_type: String,
    pub sections: Vec<String>,
    /// `YYYY-MM-DD`: the receiver's last day of access.
    pub access_until: String,
    /// Share without a consent for sharing (supervisors; audited).
    pub consent_override_reason: Option<String>,
}

/// Refer the case to a partner organisation, sharing the chosen sections
/// until `access_until`. Refused (409 `consent_required`) without a consent
/// for sharing or a supervisor's override with a reason.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "workflow", request_body = ReferralRequest,
    params(("id" = String, Path, description = "case id")),
    responses((status = 201, body = ReferralEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_referral(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(request): ApiJson<ReferralRequest>,
) -> ApiResult<(StatusCode, Json<ReferralEnvelope>)> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    let input = ReferralInput {
        to_organisation: request.to_organisation,
        to_user: request.to_user,
        reason: request.reason,
        details: request.details,
        service_type: request.service_type,
        sections: request.sections,
        access_until: request.access_until,
    };
    let referral = NewReferral::parse(input, &session.user.organisation_id, today())?;
    let over = consent_override(&session, request.consent_override_reason.as_deref())?;
    let scope = case_scope(&session.actor());
    let referral = state.store.create_referral(&session.audit(), &scope, &id, referral, over).await?;
    Ok((StatusCode::CREATED, Json(ReferralEnvelope { referral })))
}

/// The case's referrals (from its history).
#[utoipa::path(get, path = "/api/v1/cases/{id}/referrals", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = ReferralsEnvelope), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn case_referrals(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<ReferralsEnvelope>> {
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    let history = state.store.case_history(&session.audit(), &scope, &id, false).await?;
    Ok(Json(ReferralsEnvelope { referrals: history.referrals }))
}

/// A referral, to the organisation that sent it or the one it is addressed to.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "workflow",
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = ReferralEnvelope), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn read_referral(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<ReferralEnvelope>> {
    let id = record_id(path)?;
    let referral = state.store.referral(&session.audit(), &id).await?;
    Ok(Json(ReferralEnvelope { referral }))
}

/// What the receiver of a referral may read of the case: the shared
/// sections, until the access end date. Otherwise 404.
#[utoipa::path(get, path = "/api/v1/referrals/{id}/case", tag = "workflow",
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = ReferredCase), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn referred_case(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<ReferredCase>> {
    let id = record_id(path)?;
    Ok(Json(state.store.referred_case(&session.audit(), &id, None, today()).await?))
}

/// One shared section of a referred case (404 when not shared, or after the
/// access end date).
#[utoipa::path(get, path = "/api/v1/referrals/{id}/case/{section}", tag = "workflow",
    params(("id" = String, Path, description = "referral id"), ("section" = String, Path, description = "e.g. summary, case_plan")),
    responses((status = 200, body = ReferredCase), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn referred_section(
    State(state): State<AppState>,
    session: Authenticated,
    path: PairPath,
) -> ApiResult<Json<ReferredCase>> {
    let Path((raw_id, raw_section)) = path.map_err(|_| ApiError::NotFound)?;
    let id = record_id(Ok(Path(raw_id)))?;
    let section = CaseSection::parse(&raw_section).map_err(|_| ApiError::NotFound)?;
    Ok(Json(state.store.referred_case(&session.audit(), &id, Some(section), today()).await?))
}

async fn referral_step(
    state: &AppState,
    session: &Authenticated,
    path: CasePath,
    action: ReferralAction,
    outcome: Option<ReferralOutcome>,
) -> ApiResult<Json<ReferralEnvelope>> {
    authorise(session, Permission::RespondToReferral)?;
    let id = record_id(path)?;
    let referral = state.store.referral_action(&session.audit(), &id, action, outcome).await?;
    Ok(Json(ReferralEnvelope { referral }))
}

/// The receiving organisation accepts the referral.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/accept", tag = "workflow",
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = ReferralEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn accept_referral(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<ReferralEnvelope>> {
    referral_step(&state, &session, path, ReferralAction::Accept, None).await
}

/// The receiving organisation declines the referral.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/decline", tag = "workflow",
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = ReferralEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decline_referral(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<ReferralEnvelope>> {
    referral_step(&state, &session, path, ReferralAction::Decline, None).await
}

/// The sender revokes the referral; the receiver's access ends.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/revoke", tag = "workflow",
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = ReferralEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_referral(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<ReferralEnvelope>> {
    referral_step(&state, &session, path, ReferralAction::Revoke, None).await
}

/// The receiver's report of what was done.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    pub outcome: String,
}

/// The receiver reports the outcome back; the referral is completed and its
/// access ends.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/complete", tag = "workflow", request_body = OutcomeInput,
    params(("id" = String, Path, description = "referral id")),
    responses((status = 200, body = ReferralEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn complete_referral(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> ApiResult<Json<ReferralEnvelope>> {
    let outcome = ReferralOutcome::parse(&input.outcome)?;
    referral_step(&state, &session, path, ReferralAction::Complete, Some(outcome)).await
}

/// A transfer as requested, with an optional override of consent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_organisation: String,
    /// ISO 3166-1: where the child is now.
    pub from_country: String,
    /// ISO 3166-1: where the receiver will work with the child.
    pub to_country: String,
    pub reason: String,
    pub details: Option<String>,
    #[serde(default)]
    pub separates_from_parents: bool,
    /// Share without a consent for sharing (supervisors; audited).
    pub consent_override_reason: Option<String>,
}

/// Request a transfer of the case to another organisation (another country,
/// often). It completes once a supervisor approved it, the receiver accepted
/// and — across a border — a best-interest determination exists.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transfer", tag = "workflow", request_body = TransferRequest,
    params(("id" = String, Path, description = "case id")),
    responses((status = 201, body = TransferEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn request_transfer(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(request): ApiJson<TransferRequest>,
) -> ApiResult<(StatusCode, Json<TransferEnvelope>)> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    let input = TransferInput {
        to_organisation: request.to_organisation,
        from_country: request.from_country,
        to_country: request.to_country,
        reason: request.reason,
        details: request.details,
        separates_from_parents: request.separates_from_parents,
    };
    let transfer = NewTransfer::parse(input, &session.user.organisation_id)?;
    let over = consent_override(&session, request.consent_override_reason.as_deref())?;
    let scope = case_scope(&session.actor());
    let transfer = state.store.request_transfer(&session.audit(), &scope, &id, transfer, over).await?;
    Ok((StatusCode::CREATED, Json(TransferEnvelope { transfer })))
}

async fn answer(
    state: &AppState,
    session: &Authenticated,
    path: CasePath,
    answer: TransferAnswer,
) -> ApiResult<Json<TransferEnvelope>> {
    authorise(session, Permission::RespondToReferral)?;
    let id = record_id(path)?;
    let transfer = state.store.answer_transfer(&session.audit(), &id, answer).await?;
    Ok(Json(TransferEnvelope { transfer }))
}

/// A transfer addressed to the caller's organisation, as its receiver reads
/// it before answering (never the case itself); any other is 404.
#[utoipa::path(get, path = "/api/v1/transfers/{id}", tag = "workflow",
    params(("id" = String, Path, description = "transfer id")),
    responses((status = 200, body = TransferEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn read_transfer(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<TransferEnvelope>> {
    authorise(&session, Permission::RespondToReferral)?;
    let id = record_id(path)?;
    let transfer = state.store.incoming_transfer(&session.audit(), &id).await?;
    Ok(Json(TransferEnvelope { transfer }))
}

/// The receiving organisation accepts a transfer.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/accept", tag = "workflow",
    params(("id" = String, Path, description = "transfer id")),
    responses((status = 200, body = TransferEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn accept_transfer(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<TransferEnvelope>> {
    answer(&state, &session, path, TransferAnswer::Accept).await
}

/// The receiving organisation declines a transfer; the case returns to the
/// status it held before the request.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/decline", tag = "workflow",
    params(("id" = String, Path, description = "transfer id")),
    responses((status = 200, body = TransferEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decline_transfer(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<TransferEnvelope>> {
    answer(&state, &session, path, TransferAnswer::Decline).await
}

async fn command(
    state: &AppState,
    session: &Authenticated,
    id: &CaseId,
    command: CaseCommand,
) -> ApiResult<Json<StatusEnvelope>> {
    let scope = case_scope(&session.actor());
    let status = state.store.case_command(&session.audit(), &scope, id, command).await?;
    Ok(Json(StatusEnvelope { status }))
}

/// A supervisor of the owning organisation completes the transfer: the case,
/// and the child's search keys, move to the receiver. Refused (409) until the
/// receiver accepted, a supervisor approved, and a BID exists where needed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transfer/complete", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = StatusEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn complete_transfer(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<StatusEnvelope>> {
    let id = case_id(path)?;
    command(&state, &session, &id, CaseCommand::CompleteTransfer).await
}

/// Withdraw the transfer request; the case returns to its earlier status.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transfer/cancel", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = StatusEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel_transfer(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<StatusEnvelope>> {
    let id = case_id(path)?;
    command(&state, &session, &id, CaseCommand::CancelTransfer).await
}

/// The new owner takes a transferred case up (back to assessment).
#[utoipa::path(post, path = "/api/v1/cases/{id}/resume", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = StatusEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn resume(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<StatusEnvelope>> {
    let id = case_id(path)?;
    command(&state, &session, &id, CaseCommand::ResumeAfterTransfer).await
}

/// Request the closure of the case, with a reason from the closure-reason
/// list (422 without one); a supervisor approves it
/// (`POST /cases/{id}/approvals/closure`).
#[utoipa::path(post, path = "/api/v1/cases/{id}/closure", tag = "workflow", request_body = ClosureRequestInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = StatusEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn request_closure(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(input): ApiJson<ClosureRequestInput>,
) -> ApiResult<Json<StatusEnvelope>> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    let request = ClosureRequest::parse(input)?;
    command(&state, &session, &id, CaseCommand::RequestClosure(request)).await
}

/// Reopen a closed case (supervisors), saying why.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reopen", tag = "workflow", request_body = ReopenInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = StatusEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reopen(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(input): ApiJson<ReopenInput>,
) -> ApiResult<Json<StatusEnvelope>> {
    let id = case_id(path)?;
    let reopening = Reopening::parse(input)?;
    command(&state, &session, &id, CaseCommand::Reopen(reopening)).await
}

/// Mark the case as a duplicate of another (supervisors).
#[utoipa::path(post, path = "/api/v1/cases/{id}/duplicate", tag = "workflow", request_body = DuplicateInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = StatusEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mark_duplicate(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(input): ApiJson<DuplicateInput>,
) -> ApiResult<Json<StatusEnvelope>> {
    let id = case_id(path)?;
    let duplicate = Duplicate::parse(input, &id)?;
    command(&state, &session, &id, CaseCommand::MarkDuplicate(duplicate)).await
}

/// The case's workflow history: statuses, records, approvals, referrals,
/// transfers. It stays whole for a new owner after a transfer.
#[utoipa::path(get, path = "/api/v1/cases/{id}/history", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = HistoryEnvelope), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<HistoryEnvelope>> {
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    let perpetrators = role_may(session.user.role, Permission::ReadPerpetrators);
    let history = state.store.case_history(&session.audit(), &scope, &id, perpetrators).await?;
    Ok(Json(HistoryEnvelope { history }))
}

/// Tasks of each work list sent when the request does not say.
pub const WORK_DEFAULT_LIMIT: usize = 25;

/// Query parameters of `/me/work`, as received.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkQuery {
    /// Tasks of each list (overdue, upcoming) sent, most urgent first: 1 to 100, default 25.
    pub limit: Option<String>,
}

fn work_limit(query: WorkQuery) -> Result<usize, ValidationErrors> {
    let Some(raw) = query.limit else { return Ok(WORK_DEFAULT_LIMIT) };
    raw.parse::<usize>()
        .ok()
        .filter(|n| (1..=WORK_LIST_LIMIT).contains(n))
        .ok_or_else(|| ValidationErrors::single("limit", format!("must be a whole number from 1 to {WORK_LIST_LIMIT}")))
}

/// The caller's work: overdue and upcoming tasks of their cases (deadline
/// table), a page of each with its count (capped at 1,000), approvals
/// waiting for a supervisor, referrals and transfers addressed to their
/// organisation.
#[utoipa::path(get, path = "/api/v1/me/work", tag = "workflow", params(WorkQuery),
    responses((status = 200, body = WorkView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn my_work(
    State(state): State<AppState>,
    session: Authenticated,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<WorkView>> {
    authorise(&session, Permission::RecordCaseWork)?;
    let limit = work_limit(parse_query(raw.as_deref())?).map_err(ApiError::Invalid)?;
    let scope = case_scope(&session.actor());
    Ok(Json(state.store.work_page(&session.audit(), &scope, chrono::Utc::now(), limit).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SettingsEnvelope {
    pub settings: SettingsView,
}

/// The organisation named in the path, if `session` may configure it: 403
/// for a role that never may, 404 for an id that is not a UUID or an
/// organisation that is not the caller's to configure (absent, like a case
/// outside the scope).
fn configurable_organisation(session: &Authenticated, path: CasePath) -> ApiResult<OrganisationId> {
    authorise(session, Permission::ConfigureWorkflow)?;
    let Path(raw) = path.map_err(|_| ApiError::NotFound)?;
    let organisation = OrganisationId::parse(&raw).map_err(|_| ApiError::NotFound)?;
    if may_configure_organisation(&session.actor(), &organisation) {
        Ok(organisation)
    } else {
        Err(ApiError::NotFound)
    }
}

/// An organisation's deadline table (minutes per risk level and step) and
/// standards-of-care list, DOMAIN.md's defaults where it set none
/// (administrators, or the organisation's supervisors).
#[utoipa::path(get, path = "/api/v1/organisations/{id}/settings", tag = "workflow",
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 200, body = SettingsEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn organisation_settings(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
) -> ApiResult<Json<SettingsEnvelope>> {
    let organisation = configurable_organisation(&session, path)?;
    let settings = state.store.organisation_settings(&session.audit(), &organisation).await?;
    Ok(Json(SettingsEnvelope { settings }))
}

/// Replace an organisation's settings. `deadlines` lists only the entries
/// that differ from the defaults (1 minute to 366 days each); `standards`
/// replaces the whole list (1 to 100 items); a part left out is the
/// defaults. The due times of the organisation's open cases follow at once.
#[utoipa::path(put, path = "/api/v1/organisations/{id}/settings", tag = "workflow",
    request_body = OrganisationSettingsInput, params(("id" = String, Path, description = "organisation id")),
    responses((status = 200, body = SettingsEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_organisation_settings(
    State(state): State<AppState>,
    session: Authenticated,
    path: CasePath,
    ApiJson(input): ApiJson<OrganisationSettingsInput>,
) -> ApiResult<Json<SettingsEnvelope>> {
    let organisation = configurable_organisation(&session, path)?;
    let settings = OrganisationSettings::parse(input)?;
    let settings = state.store.update_organisation_settings(&session.audit(), &organisation, settings).await?;
    Ok(Json(SettingsEnvelope { settings }))
}
