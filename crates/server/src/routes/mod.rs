//! The API's routes, one module per resource.

pub(crate) mod alerts;
pub(crate) mod cases;
pub(crate) mod directory;
pub(crate) mod exchange;
pub(crate) mod linkage;
pub(crate) mod notes;
pub(crate) mod session;
pub(crate) mod workflow;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::get;
use axum::Router;

use crate::error::ApiError;
use crate::AppState;

pub fn api() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/session",
            get(session::current).post(session::sign_in).delete(session::sign_out).fallback(method_not_allowed),
        )
        .route(
            "/api/v1/organisations",
            get(directory::list_organisations).post(directory::create_organisation).fallback(method_not_allowed),
        )
        .route("/api/v1/users", get(directory::list_users).post(directory::create_user).fallback(method_not_allowed))
        .route("/api/v1/users/{id}", axum::routing::patch(directory::update_user).fallback(method_not_allowed))
        .route("/api/v1/cases", get(cases::list).post(cases::create).fallback(method_not_allowed))
        .route("/api/v1/cases/{id}", get(cases::read).patch(cases::update).fallback(method_not_allowed))
        .route("/api/v1/cases/{id}/htcds", get(exchange::case_htcds).fallback(method_not_allowed))
        .route("/api/v1/cases/{id}/htcds.csv", get(exchange::case_htcds_csv).fallback(method_not_allowed))
        .merge(workflow_routes())
        .merge(linkage::routes())
        .merge(alerts::routes())
        .route("/api/v1/openapi.json", get(crate::openapi::document))
        .route("/healthz", get(|| async { "ok" }))
}

/// The case workflow (issue #4): sub-resources of a case, referrals,
/// transfers, approvals, the work list.
fn workflow_routes() -> Router<AppState> {
    use axum::routing::post;
    use workflow as w;
    let case = |rest: &str| format!("/api/v1/cases/{{id}}/{rest}");
    Router::new()
        .route(&case("assessments"), get(w::list_assessments).post(w::add_assessment).fallback(method_not_allowed))
        .route(&case("indicators"), get(w::list_indicators).post(w::add_indicator).fallback(method_not_allowed))
        .route(&case("screening"), get(w::screening).fallback(method_not_allowed))
        .route(
            &case("trafficking-status"),
            get(w::list_trafficking_status).post(w::add_trafficking_status).fallback(method_not_allowed),
        )
        .route(&case("bia"), get(w::list_bia).post(w::add_bia).fallback(method_not_allowed))
        .route(&case("bid"), get(w::list_bid).post(w::add_bid).fallback(method_not_allowed))
        .route(&case("approvals/{kind}"), post(w::decide).fallback(method_not_allowed))
        .route(&case("plan"), get(w::list_plans).post(w::add_plan).fallback(method_not_allowed))
        .route(&case("services"), get(w::list_services).post(w::add_service).fallback(method_not_allowed))
        .route(&case("standards"), get(w::standards).post(w::add_standard_check).fallback(method_not_allowed))
        .route(&case("episodes"), get(w::list_episodes).fallback(method_not_allowed))
        .route(&case("episodes/exploitation"), post(w::add_exploitation_episode).fallback(method_not_allowed))
        .route(&case("episodes/movement"), post(w::add_movement_episode).fallback(method_not_allowed))
        .route(&case("perpetrators"), get(w::list_perpetrators).post(w::add_perpetrator).fallback(method_not_allowed))
        .route(&case("referrals"), get(w::case_referrals).post(w::create_referral).fallback(method_not_allowed))
        .route(&case("transfer"), post(w::request_transfer).fallback(method_not_allowed))
        .route(&case("transfer/complete"), post(w::complete_transfer).fallback(method_not_allowed))
        .route(&case("transfer/cancel"), post(w::cancel_transfer).fallback(method_not_allowed))
        .route(&case("resume"), post(w::resume).fallback(method_not_allowed))
        .route(&case("follow-ups"), get(w::list_follow_ups).post(w::add_follow_up).fallback(method_not_allowed))
        .route(&case("closure"), post(w::request_closure).fallback(method_not_allowed))
        .route(&case("reopen"), post(w::reopen).fallback(method_not_allowed))
        .route(&case("duplicate"), post(w::mark_duplicate).fallback(method_not_allowed))
        .route(&case("history"), get(w::history).fallback(method_not_allowed))
        .route(&case("notes"), get(notes::list_notes).post(notes::add_note).fallback(method_not_allowed))
        .route("/api/v1/referrals/{id}", get(w::read_referral).fallback(method_not_allowed))
        .route("/api/v1/referrals/{id}/case", get(w::referred_case).fallback(method_not_allowed))
        .route("/api/v1/referrals/{id}/case/{section}", get(w::referred_section).fallback(method_not_allowed))
        .route("/api/v1/referrals/{id}/accept", post(w::accept_referral).fallback(method_not_allowed))
        .route("/api/v1/referrals/{id}/decline", post(w::decline_referral).fallback(method_not_allowed))
        .route("/api/v1/referrals/{id}/complete", post(w::complete_referral).fallback(method_not_allowed))
        .route("/api/v1/referrals/{id}/revoke", post(w::revoke_referral).fallback(method_not_allowed))
        .route("/api/v1/transfers/{id}", get(w::read_transfer).fallback(method_not_allowed))
        .route("/api/v1/transfers/{id}/accept", post(w::accept_transfer).fallback(method_not_allowed))
        .route("/api/v1/transfers/{id}/decline", post(w::decline_transfer).fallback(method_not_allowed))
        .route("/api/v1/approvals", get(w::approval_queue).fallback(method_not_allowed))
        .route("/api/v1/me/work", get(w::my_work).fallback(method_not_allowed))
        .route(
            "/api/v1/organisations/{id}/settings",
            get(w::organisation_settings).put(w::update_organisation_settings).fallback(method_not_allowed),
        )
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The client's network address, for throttling sign-ins.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddress(address))
    }
}
