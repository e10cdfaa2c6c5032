//! The one error type of the HTTP API and its mapping to API.md's error body.
//!
//! Rule: handlers return `ApiError`; store errors convert into it here. A 5xx
//! answer carries a generic message and a request id; the detail goes to the
//! log only.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use safepath_domain::ValidationErrors;
use safepath_store::StoreError;
use serde::Serialize;

/// API.md's error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code, e.g. `validation_failed`.
    pub code: &'static str,
    pub message: String,
    /// Invalid fields by dotted path, when there are any.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("the query is not valid")]
    MalformedQuery(ValidationErrors),
    #[error("sign in first")]
    Unauthenticated,
    #[error("your session has expired; sign in again")]
    SessionExpired,
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("the CSRF token is missing or wrong")]
    CsrfFailed,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("the record was changed by someone else since you read it (now at version {current})")]
    StaleVersion { current: i64 },
    #[error("{0}")]
    Conflict(String),
    /// A workflow rule refused the step: 403 or 409 by the refusal's kind,
    /// with its stable code (`bia_not_approved`, `consent_required`, …).
    #[error("{0}")]
    Refused(safepath_domain::workflow::Refusal),
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("send JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("some values are not valid")]
    Invalid(ValidationErrors),
    #[error("too many attempts; wait a few minutes and try again")]
    Throttled,
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        use ApiError::*;
        match self {
            Malformed(_) | MalformedQuery(_) => (StatusCode::BAD_REQUEST, "malformed_request"),
            Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            SessionExpired => (StatusCode::UNAUTHORIZED, "session_expired"),
            WrongCredentials => (StatusCode::UNAUTHORIZED, "wrong_credentials"),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            CsrfFailed => (StatusCode::FORBIDDEN, "csrf_failed"),
            NotFound => (StatusCode::NOT_FOUND, "not_found"),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            StaleVersion { .. } => (StatusCode::CONFLICT, "version_conflict"),
            Conflict(_) => (StatusCode::CONFLICT, "workflow_conflict"),
            Refused(refusal) => match refusal.kind() {
                safepath_domain::workflow::RefusalKind::Forbidden => (StatusCode::FORBIDDEN, refusal.code.as_str()),
                safepath_domain::workflow::RefusalKind::Conflict => (StatusCode::CONFLICT, refusal.code.as_str()),
            },
            TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            Throttled => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Invalid(errors)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::StaleVersion { current } => ApiError::StaleVersion { current },
            StoreError::Invalid(errors) => ApiError::Invalid(errors),
            StoreError::Conflict(reason) => ApiError::Conflict(reason),
            StoreError::Refused(refusal) => ApiError::Refused(refusal),
            StoreError::Unsupported(reason) => ApiError::Conflict(reason),
            StoreError::Closed => ApiError::Unavailable("the server is shutting down".into()),
            StoreError::Database(detail) => ApiError::Internal(detail),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let (message, fields) = match self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ("something went wrong on the server; the error was logged".to_string(), BTreeMap::new())
            }
            ApiError::Invalid(errors) | ApiError::MalformedQuery(errors) => {
                let message = if status == StatusCode::BAD_REQUEST {
                    "the query is not valid".to_string()
                } else {
                    "some values are not valid".to_string()
                };
                (message, errors.fields)
            }
            other => (other.to_string(), BTreeMap::new()),
        };
        let body = ErrorBody { error: ErrorDetail { code, message, fields } };
        (status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
