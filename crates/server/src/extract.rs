//! Request extractors: JSON bodies with API.md's error statuses, the signed-in
//! user (bearer token, or cookie plus CSRF token), and query strings.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method};
use safepath_domain::policy::Actor;
use safepath_domain::user::User;
use safepath_domain::ValidationErrors;
use safepath_store::AuditContext;
use serde::de::DeserializeOwned;

use crate::auth::{self, SESSION_COOKIE};
use crate::error::ApiError;
use crate::AppState;

/// A JSON body: 415 without a JSON content type, 413 over the limit, 400 when
/// it is not JSON (or not UTF-8), 422 naming the field when a value has the
/// wrong type or a field is unknown.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_body(req, state.config.body_limit).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Bodies over the limit are still read (and dropped) up to this size, so
/// that the client receives the 413 instead of a connection reset mid-upload.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

/// Reads a request body of at most `limit` bytes.
async fn read_body(req: Request, limit: usize) -> Result<Vec<u8>, ApiError> {
    use futures::StreamExt;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > DRAIN_LIMIT) {
        return Err(ApiError::TooLarge { limit });
    }
    let mut stream = req.into_body().into_data_stream();
    let mut body = Vec::new();
    let mut received = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::Malformed("the request body could not be read".into()))?;
        received += chunk.len();
        if received <= limit {
            body.extend_from_slice(&chunk);
        } else if received > DRAIN_LIMIT {
            break;
        }
    }
    if received > limit {
        return Err(ApiError::TooLarge { limit });
    }
    Ok(body)
}

/// Parses a JSON document into `T`, telling syntax errors (400) from wrong
/// values (422 with the path of the offending field).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::Malformed("the body is not valid UTF-8".into()));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut *deserializer) {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            return match inner.classify() {
                serde_json::error::Category::Data => {
                    let field = if path == "." { "body".to_string() } else { path };
                    Err(ApiError::Invalid(ValidationErrors::single(field, describe_data_error(&inner))))
                }
                _ => Err(ApiError::Malformed(format!("the body is not valid JSON: {inner}"))),
            };
        }
    };
    // One document, nothing after it.
    deserializer.end().map_err(|e| ApiError::Malformed(format!("the body is not one JSON document: {e}")))?;
    // serde also builds a struct from an array of its fields in order, which
    // would bypass field names: every body of this API is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::Invalid(ValidationErrors::single("body", "must be a JSON object")));
    }
    Ok(value)
}

/// serde's message without its position suffix, which means nothing to a form.
fn describe_data_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.find(" at line ") {
        Some(end) => message[..end].to_string(),
        None => message,
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub token_hash: String,
    pub request_id: String,
}

impl Authenticated {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.id.clone(),
            organisation_id: self.user.organisation_id.clone(),
            role: self.user.role,
        }
    }

    pub fn audit(&self) -> AuditContext {
        AuditContext::user(self.actor(), self.request_id.clone())
    }
}

/// Finds the session token: `Authorization: Bearer`, else the session cookie.
/// Returns the token and whether it came from the cookie.
pub fn session_token(parts: &Parts) -> Option<(String, bool)> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(|t| (t.trim().to_string(), false));
    }
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| (value.to_string(), true))
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (token, from_cookie) = session_token(parts).ok_or(ApiError::Unauthenticated)?;
        if !auth::is_well_formed_token(&token) {
            return Err(ApiError::Unauthenticated);
        }
        let state_changing = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if from_cookie && state_changing {
            // Browsers attach cookies to cross-site requests; only a page of
            // ours knows the CSRF token derived from the session.
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !auth::constant_time_eq(sent.as_bytes(), auth::csrf_token(&token).as_bytes()) {
                return Err(ApiError::CsrfFailed);
            }
        }
        let request_id = request_id(parts);
        let user = auth::authenticate(state, &token, &request_id).await?;
        Ok(Authenticated { user, token_hash: auth::token_hash(&token), request_id })
    }
}

/// The request id set by the request-id layer (a fresh one if absent).
pub fn request_id(parts: &Parts) -> String {
    parts.extensions.get::<RequestId>().map(|id| id.0.clone()).unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// A request's id, for logs and the audit trail.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Parses a query string into `T`; any problem is a 400 naming the parameter.
/// Escapes must be well formed and decode to UTF-8: a mangled search is never run.
pub fn parse_query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    let raw = raw.unwrap_or("");
    for pair in raw.split('&') {
        let name = pair.split('=').next().unwrap_or("");
        if !decodes_strictly(pair) {
            let field = if decodes_strictly(name) { name } else { "query" };
            return Err(ApiError::MalformedQuery(ValidationErrors::single(
                field,
                "is not valid percent-encoded UTF-8",
            )));
        }
    }
    serde_urlencoded::from_str(raw)
        .map_err(|error| ApiError::MalformedQuery(ValidationErrors::single("query", error.to_string())))
}

/// Whether every `%` starts a two-digit hex escape and the decoded bytes are UTF-8.
fn decodes_strictly(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => decoded.push(byte),
                    None => return false,
                }
                i += 3;
            }
            byte => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}
