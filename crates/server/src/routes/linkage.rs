//! Record linkage in the service (issue #3 §3): possible duplicates of a
//! case, the supervisors' review queue (confirm, reject, undo a merge), and
//! family tracing.
//!
//! Every handler: extract → authorise (`domain::policy`: caseworkers and
//! supervisors see suggestions within their case scope; only supervisors
//! decide, 403 otherwise) → parse (422) → one store call → JSON. Candidates
//! are read under the caller's scope only: nothing outside it is revealed,
//! and an id outside it is 404 like an absent one.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_domain::family_tracing::{TracingRequest, TracingRequestInput};
use safepath_domain::ids::CaseId;
use safepath_domain::policy::{case_scope, Permission};
use safepath_store::{
    DuplicateDecision, DuplicateSuggestion, PossibleDuplicate, StatusChange, TracingMatch, TracingMatches,
    TracingRequestRecord,
};
use serde::Serialize;

use super::directory::authorise;
use super::method_not_allowed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authenticated};
use crate::AppState;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}/duplicates", get(case_duplicates).fallback(method_not_allowed))
        .route("/api/v1/cases/{id}/unmerge", post(unmerge).fallback(method_not_allowed))
        .route("/api/v1/duplicates", get(duplicate_queue).fallback(method_not_allowed))
        .route("/api/v1/duplicates/{id}/confirm", post(confirm_duplicate).fallback(method_not_allowed))
        .route("/api/v1/duplicates/{id}/reject", post(reject_duplicate).fallback(method_not_allowed))
        .route("/api/v1/tracing-requests", post(create_tracing_request).fallback(method_not_allowed))
        .route("/api/v1/tracing-requests/{id}/matches", get(tracing_matches).fallback(method_not_allowed))
        .route(
            "/api/v1/tracing-requests/{id}/matches/{case_id}/confirm",
            post(confirm_tracing_match).fallback(method_not_allowed),
        )
}

type IdPath = Result<Path<String>, PathRejection>;
type PairPath = Result<Path<(String, String)>, PathRejection>;

fn case_id(raw: &str) -> ApiResult<CaseId> {
    CaseId::parse(raw).map_err(|_| ApiError::NotFound)
}

/// A suggestion or tracing-request id: a UUID as written by the store, or it names nothing (404).
pub(crate) fn record_id(raw: &str) -> ApiResult<String> {
    uuid::Uuid::parse_str(raw)
        .ok()
        .filter(|id| id.hyphenated().to_string() == raw)
        .map(|_| raw.to_string())
        .ok_or(ApiError::NotFound)
}

fn one(path: IdPath) -> ApiResult<String> {
    path.map(|Path(raw)| raw).map_err(|_| ApiError::NotFound)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PossibleDuplicates {
    /// Cases in your scope that may be the same child, most probable first,
    /// each with the explanation of its score.
    pub duplicates: Vec<PossibleDuplicate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestionQueue {
    pub suggestions: Vec<DuplicateSuggestion>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestionEnvelope {
    pub suggestion: DuplicateSuggestion,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnmergeEnvelope {
    pub status: StatusChange,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TracingRequestEnvelope {
    pub tracing_request: TracingRequestRecord,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TracingMatchEnvelope {
    #[serde(rename = "match")]
    pub confirmed: TracingMatch,
}

/// Cases in the caller's scope that may be the same child as this one (at
/// registration: the follow-up read of the new case). Each pair found is
/// kept as a pending suggestion for the supervisors' queue. Audited.
#[utoipa::path(get, path = "/api/v1/cases/{id}/duplicates", tag = "linkage",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = PossibleDuplicates), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn case_duplicates(
    State(state): State<AppState>,
    session: Authenticated,
    path: IdPath,
) -> ApiResult<Json<PossibleDuplicates>> {
    authorise(&session, Permission::ListCases)?;
    let id = case_id(&one(path)?)?;
    let scope = case_scope(&session.actor());
    let duplicates = state.store.possible_duplicates(&session.audit(), &scope, &id).await?;
    Ok(Json(PossibleDuplicates { duplicates }))
}

/// Pending suggested duplicates of the supervisor's organisation.
#[utoipa::path(get, path = "/api/v1/duplicates", tag = "linkage",
    responses((status = 200, body = SuggestionQueue), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn duplicate_queue(
    State(state): State<AppState>,
    session: Authenticated,
) -> ApiResult<Json<SuggestionQueue>> {
    authorise(&session, Permission::ReviewMatches)?;
    let scope = case_scope(&session.actor());
    let suggestions = state.store.duplicate_queue(&session.audit(), &scope).await?;
    Ok(Json(SuggestionQueue { suggestions }))
}

async fn decide(
    state: &AppState,
    session: &Authenticated,
    path: IdPath,
    decision: DuplicateDecision,
) -> ApiResult<Json<SuggestionEnvelope>> {
    authorise(session, Permission::ReviewMatches)?;
    let id = record_id(&one(path)?)?;
    let scope = case_scope(&session.actor());
    let suggestion = state.store.decide_duplicate(&session.audit(), &scope, &id, decision).await?;
    Ok(Json(SuggestionEnvelope { suggestion }))
}

/// Confirm a suggestion: the newer case is marked `duplicate` of the older
/// through the workflow (both histories are kept). Supervisors.
#[utoipa::path(post, path = "/api/v1/duplicates/{id}/confirm", tag = "linkage",
    params(("id" = String, Path, description = "suggestion id")),
    responses((status = 200, body = SuggestionEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm_duplicate(
    State(state): State<AppState>,
    session: Authenticated,
    path: IdPath,
) -> ApiResult<Json<SuggestionEnvelope>> {
    decide(&state, &session, path, DuplicateDecision::Confirm).await
}

/// Reject a suggestion: not the same child; the pair is never suggested again. Supervisors.
#[utoipa::path(post, path = "/api/v1/duplicates/{id}/reject", tag = "linkage",
    params(("id" = String, Path, description = "suggestion id")),
    responses((status = 200, body = SuggestionEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reject_duplicate(
    State(state): State<AppState>,
    session: Authenticated,
    path: IdPath,
) -> ApiResult<Json<SuggestionEnvelope>> {
    decide(&state, &session, path, DuplicateDecision::Reject).await
}

/// Undo a confirmed merge: the case goes back to the status it had. Supervisors.
#[utoipa::path(post, path = "/api/v1/cases/{id}/unmerge", tag = "linkage",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = UnmergeEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unmerge(
    State(state): State<AppState>,
    session: Authenticated,
    path: IdPath,
) -> ApiResult<Json<UnmergeEnvelope>> {
    authorise(&session, Permission::ReviewMatches)?;
    let id = case_id(&one(path)?)?;
    let scope = case_scope(&session.actor());
    let status = state.store.unmerge_case(&session.audit(), &scope, &id).await?;
    Ok(Json(UnmergeEnvelope { status }))
}

/// Record a family's tracing request (a family looking for a child).
#[utoipa::path(post, path = "/api/v1/tracing-requests", tag = "linkage", request_body = TracingRequestInput,
    responses((status = 201, body = TracingRequestEnvelope), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_tracing_request(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(input): ApiJson<TracingRequestInput>,
) -> ApiResult<(StatusCode, Json<TracingRequestEnvelope>)> {
    authorise(&session, Permission::TraceFamilies)?;
    let request = TracingRequest::parse(input, chrono::Utc::now().date_naive())?;
    let tracing_request = state.store.create_tracing_request(&session.audit(), request).await?;
    Ok((StatusCode::CREATED, Json(TracingRequestEnvelope { tracing_request })))
}

/// The request and the cases in the caller's scope, whose consent allows
/// tracing, that may be the child sought, with the explanation of each score.
#[utoipa::path(get, path = "/api/v1/tracing-requests/{id}/matches", tag = "linkage",
    params(("id" = String, Path, description = "tracing request id")),
    responses((status = 200, body = TracingMatches), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn tracing_matches(
    State(state): State<AppState>,
    session: Authenticated,
    path: IdPath,
) -> ApiResult<Json<TracingMatches>> {
    authorise(&session, Permission::TraceFamilies)?;
    let id = record_id(&one(path)?)?;
    let scope = case_scope(&session.actor());
    Ok(Json(state.store.tracing_matches(&session.audit(), &scope, &id).await?))
}

/// A reviewer (supervisor) confirms that this case is the child sought.
#[utoipa::path(post, path = "/api/v1/tracing-requests/{id}/matches/{case_id}/confirm", tag = "linkage",
    params(("id" = String, Path, description = "tracing request id"), ("case_id" = String, Path, description = "case id")),
    responses((status = 200, body = TracingMatchEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm_tracing_match(
    State(state): State<AppState>,
    session: Authenticated,
    path: PairPath,
) -> ApiResult<Json<TracingMatchEnvelope>> {
    authorise(&session, Permission::ReviewMatches)?;
    let Path((raw_id, raw_case)) = path.map_err(|_| ApiError::NotFound)?;
    let id = record_id(&raw_id)?;
    let case = case_id(&raw_case)?;
    let scope = case_scope(&session.actor());
    let confirmed = state.store.confirm_tracing_match(&session.audit(), &scope, &id, &case).await?;
    Ok(Json(TracingMatchEnvelope { confirmed }))
}
