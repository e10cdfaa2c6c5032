//! A case as an HTCDS v2.0 record (issue #4 §9): the same scope and audit as
//! reading the case (`case.read`); the mapping is `domain::htcds`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use safepath_domain::case::CaseView;
use safepath_domain::htcds;
use safepath_domain::ids::CaseId;
use safepath_domain::policy::case_scope;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Authenticated;
use crate::AppState;

/// An id from the path; anything that is not a case id cannot name a case.
fn case_id(path: Result<Path<String>, PathRejection>) -> ApiResult<CaseId> {
    let Path(raw) = path.map_err(|_| ApiError::NotFound)?;
    CaseId::parse(&raw).map_err(|_| ApiError::NotFound)
}

async fn read(
    state: &AppState,
    session: &Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<CaseView> {
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    Ok(state.store.get_case(&session.audit(), &scope, &id).await?)
}

/// A case as an HTCDS v2.0 JSON file of one record (`{"htcds_version": "2.0", "records": [...]}`),
/// importable as it is with `safepath import htcds`. Out of scope is 404, like absent.
#[utoipa::path(get, path = "/api/v1/cases/{id}/htcds", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, description = "HTCDS v2.0 JSON: the standard's field names, Safepath's extensions as safepath_*",
        content_type = "application/json", body = Object),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn case_htcds(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let case = read(&state, &session, path).await?;
    let record = htcds::record_json(&htcds::record_of(&case));
    Ok(Json(serde_json::json!({"standard": "HTCDS", "htcds_version": htcds::HTCDS_VERSION, "records": [record]})))
}

/// A case as HTCDS v2.0 CSV: a header row of the standard's field names, one row.
#[utoipa::path(get, path = "/api/v1/cases/{id}/htcds.csv", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, description = "HTCDS v2.0 CSV (RFC 4180, UTF-8)", content_type = "text/csv", body = String),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn case_htcds_csv(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    let case = read(&state, &session, path).await?;
    let body = htcds::to_csv(&[htcds::record_of(&case)]);
    let disposition = format!("attachment; filename=\"{}.csv\"", case.reference);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
