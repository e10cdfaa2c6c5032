//! Cases: registration, reading, listing with tolerant name search, changes.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use safepath_domain::case::{CasePatch, CasePatchInput, CaseView, NewCase, NewCaseInput};
use safepath_domain::codes::{CaseStatus, RiskLevel, Role};
use safepath_domain::ids::{CaseId, UserId};
use safepath_domain::policy::{case_scope, Permission};
use safepath_domain::{text, ValidationErrors};
use safepath_store::{CaseFilter, CasePage};
use serde::{Deserialize, Serialize};

use super::directory::authorise;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{parse_query, ApiJson, Authenticated};
use crate::today;
use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseEnvelope {
    pub case: CaseView,
}

/// Most cases on one page of a list.
pub const MAX_PER_PAGE: u32 = 100;
/// Longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// An id from the path; anything that is not a case id cannot name a case.
fn case_id(path: Result<Path<String>, PathRejection>) -> ApiResult<CaseId> {
    let Path(raw) = path.map_err(|_| ApiError::NotFound)?;
    CaseId::parse(&raw).map_err(|_| ApiError::NotFound)
}

/// Register a child. A caseworker's registration is assigned to them.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCaseInput,
    responses((status = 201, body = CaseEnvelope), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(input): ApiJson<NewCaseInput>,
) -> ApiResult<(StatusCode, Json<CaseEnvelope>)> {
    authorise(&session, Permission::RegisterCase)?;
    let case = NewCase::parse(input, today())?;
    if session.user.role == Role::Caseworker && case.assigned_to.as_ref().is_some_and(|u| *u != session.user.id) {
        return Err(ApiError::Forbidden("a caseworker registers children to their own caseload; a supervisor assigns"));
    }
    let case = state.store.create_case(&session.audit(), case).await?;
    Ok((StatusCode::CREATED, Json(CaseEnvelope { case })))
}

/// Read a case with the child's identity. Out of scope is 404, like absent.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseEnvelope), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<CaseEnvelope>> {
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    let case = state.store.get_case(&session.audit(), &scope, &id).await?;
    Ok(Json(CaseEnvelope { case }))
}

/// Query parameters of the case list, as received.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Name search, tolerant of spelling variants, transliteration and name order.
    pub q: Option<String>,
    pub status: Option<String>,
    pub risk_level: Option<String>,
    pub assigned_to: Option<String>,
    /// From 1.
    pub page: Option<String>,
    /// 1 to 100, default 20.
    pub per_page: Option<String>,
}

fn parse_list_query(query: ListQuery) -> Result<CaseFilter, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let q = query.q.as_deref().and_then(|q| errors.check("q", text::optional(Some(q), MAX_QUERY_CHARS))).flatten();
    let status = query.status.as_deref().and_then(|s| errors.check("status", CaseStatus::parse(s)));
    let risk_level = query.risk_level.as_deref().and_then(|r| errors.check("risk_level", RiskLevel::parse(r)));
    let assigned_to = query.assigned_to.as_deref().and_then(|u| errors.check("assigned_to", UserId::parse(u)));
    let number = |raw: Option<&str>, default: u32, max: u32| -> Result<u32, String> {
        match raw {
            None => Ok(default),
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| format!("must be a whole number from 1 to {max}")),
        }
    };
    let page = errors.check("page", number(query.page.as_deref(), 1, 100_000));
    let per_page = errors.check("per_page", number(query.per_page.as_deref(), 20, MAX_PER_PAGE));
    errors.into_result(|| CaseFilter {
        query: q,
        status,
        risk_level,
        assigned_to,
        page: page.unwrap_or(1),
        per_page: per_page.unwrap_or(20),
    })
}

/// List and search the cases in the caller's scope.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListQuery),
    responses((status = 200, body = CasePage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    session: Authenticated,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<CasePage>> {
    authorise(&session, Permission::ListCases)?;
    let query: ListQuery = parse_query(raw.as_deref())?;
    let filter = parse_list_query(query).map_err(ApiError::MalformedQuery)?;
    let scope = case_scope(&session.actor());
    let page = state.store.list_cases(&session.audit(), &scope, filter).await?;
    Ok(Json(page))
}

/// Change a case. Send the `version` you read; a stale one answers 409.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", request_body = CasePatchInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseEnvelope), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
    ApiJson(input): ApiJson<CasePatchInput>,
) -> ApiResult<Json<CaseEnvelope>> {
    let id = case_id(path)?;
    let patch = CasePatch::parse(input, today())?;
    if patch.assigned_to.is_some() {
        authorise(&session, Permission::AssignCases)?;
    }
    let scope = case_scope(&session.actor());
    let case = state.store.update_case(&session.audit(), &scope, &id, patch).await?;
    Ok(Json(CaseEnvelope { case }))
}
