//! Alerts (DOMAIN.md "Alert"): a focal point — or a caseworker or supervisor
//! — reports that a child may be at risk; the receiving organisation's
//! caseworkers and supervisors read them and triage each one into a case
//! (registered like any other), into situation evidence, or dismissed.
//!
//! Every handler: extract → authorise (`policy::role_may`, 403) → parse
//! (422) → one store call under `policy::alert_scope` (an alert outside it is
//! 404 like a missing one) → JSON. The sender gets a receipt, never the report
//! back.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use safepath_domain::alert::{
    Alert, AlertReceipt, AlertStatus, AlertTriage, AlertTriageInput, NewAlert, NewAlertInput,
};
use safepath_domain::policy::{alert_scope, Permission};
use safepath_domain::ValidationErrors;
use serde::{Deserialize, Serialize};

use super::directory::authorise;
use super::linkage::record_id;
use super::method_not_allowed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{parse_query, ApiJson, Authenticated};
use crate::{today, AppState};

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/alerts", get(list_alerts).post(create_alert).fallback(method_not_allowed))
        .route("/api/v1/alerts/{id}", get(read_alert).fallback(method_not_allowed))
        .route("/api/v1/alerts/{id}/triage", post(triage_alert).fallback(method_not_allowed))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertReceiptEnvelope {
    /// That the alert was received, and when: nothing of its content.
    pub alert: AlertReceipt,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertEnvelope {
    pub alert: Alert,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertList {
    /// Newest first, at most 200.
    pub alerts: Vec<Alert>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AlertQuery {
    status: Option<String>,
}

/// Send an alert to one's organisation (focal points, caseworkers, supervisors).
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", request_body = NewAlertInput,
    responses((status = 201, body = AlertReceiptEnvelope), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_alert(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(input): ApiJson<NewAlertInput>,
) -> ApiResult<(StatusCode, Json<AlertReceiptEnvelope>)> {
    authorise(&session, Permission::SubmitAlert)?;
    let alert = NewAlert::parse(input, today())?;
    let alert = state.store.create_alert(&session.audit(), alert).await?;
    Ok((StatusCode::CREATED, Json(AlertReceiptEnvelope { alert })))
}

/// The alerts sent to the caller's organisation, newest first (caseworkers and supervisors).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts",
    params(("status" = Option<String>, Query, description = "new, case, evidence or dismissed")),
    responses((status = 200, body = AlertList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_alerts(
    State(state): State<AppState>,
    session: Authenticated,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<AlertList>> {
    authorise(&session, Permission::TriageAlerts)?;
    let query: AlertQuery = parse_query(raw.as_deref())?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(
            AlertStatus::parse(raw)
                .map_err(|reason| ApiError::MalformedQuery(ValidationErrors::single("status", reason)))?,
        ),
    };
    let scope = alert_scope(&session.actor());
    let alerts = state.store.list_alerts(&session.audit(), &scope, status).await?;
    Ok(Json(AlertList { alerts }))
}

/// One alert sent to the caller's organisation.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts",
    params(("id" = String, Path, description = "alert id")),
    responses((status = 200, body = AlertEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn read_alert(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<AlertEnvelope>> {
    authorise(&session, Permission::TriageAlerts)?;
    let id = alert_id(path)?;
    let alert = state.store.get_alert(&session.audit(), &alert_scope(&session.actor()), &id).await?;
    Ok(Json(AlertEnvelope { alert }))
}

/// Triage a new alert: `case` registers the child (the `case` body is the
/// one `POST /api/v1/cases` takes), `evidence` keeps it for the situation
/// analysis of its area, `dismissed` needs a reason in `note`. An alert
/// already triaged is 409.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/triage", tag = "alerts", request_body = AlertTriageInput,
    params(("id" = String, Path, description = "alert id")),
    responses((status = 200, body = AlertEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn triage_alert(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
    ApiJson(input): ApiJson<AlertTriageInput>,
) -> ApiResult<Json<AlertEnvelope>> {
    authorise(&session, Permission::TriageAlerts)?;
    let id = alert_id(path)?;
    let triage = AlertTriage::parse(input, today())?;
    if matches!(triage, AlertTriage::Case(_)) {
        authorise(&session, Permission::RegisterCase)?;
    }
    let alert = state.store.triage_alert(&session.audit(), &alert_scope(&session.actor()), &id, triage).await?;
    Ok(Json(AlertEnvelope { alert }))
}

fn alert_id(path: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    path.map_err(|_| ApiError::NotFound).and_then(|Path(raw)| record_id(&raw))
}
