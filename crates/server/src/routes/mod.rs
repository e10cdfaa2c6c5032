//! The API's routes, one module per resource.

pub(crate) mod cases;
pub(crate) mod directory;
pub(crate) mod exchange;
pub(crate) mod session;

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
        .route("/api/v1/users", axum::routing::post(directory::create_user).fallback(method_not_allowed))
        .route("/api/v1/cases", get(cases::list).post(cases::create).fallback(method_not_allowed))
        .route("/api/v1/cases/{id}", get(cases::read).patch(cases::update).fallback(method_not_allowed))
        .route("/api/v1/cases/{id}/htcds", get(exchange::case_htcds).fallback(method_not_allowed))
        .route("/api/v1/cases/{id}/htcds.csv", get(exchange::case_htcds_csv).fallback(method_not_allowed))
        .route("/api/v1/openapi.json", get(crate::openapi::document))
        .route("/healthz", get(|| async { "ok" }))
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
