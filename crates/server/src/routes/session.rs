//! `POST/GET/DELETE /api/v1/session`: signing in and out.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use safepath_domain::user::{parse_username, User};
use safepath_store::{SignInOutcome, SignInRecord};
use serde::{Deserialize, Serialize};

use super::ClientAddress;
use crate::auth::{self, SESSION_COOKIE};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{request_id, ApiJson, Authenticated};
use crate::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`. Shown once; the server keeps only its hash.
    pub token: String,
    /// Send as `X-CSRF-Token` with state-changing requests authenticated by the cookie.
    pub csrf_token: String,
    pub user: User,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CurrentSession {
    pub user: User,
}

/// The request id, as an extractor usable before authentication.
pub struct RequestIdOf(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestIdOf {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(RequestIdOf(request_id(parts)))
    }
}

/// Sign in. Wrong credentials answer 401 with the same message whether the
/// user exists or not; repeated failures are throttled (429). Every attempt
/// is audited.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = SessionCreated), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    RequestIdOf(request_id): RequestIdOf,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let (token, user) = open_session(&state, &address, request_id, &body.username, body.password).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&state, &token)?);
    let body = SessionCreated { csrf_token: auth::csrf_token(&token), token, user };
    Ok((StatusCode::OK, headers, Json(body)).into_response())
}

/// Checks credentials and opens a session: the one sign-in path of the API
/// and the web pages. Returns the new session token and its user.
pub(crate) async fn open_session(
    state: &AppState,
    address: &str,
    request_id: String,
    raw_username: &str,
    password: String,
) -> ApiResult<(String, User)> {
    // A username that could never exist (NUL, overlong, odd characters) is
    // simply wrong: the same 401, audited and counted towards throttling.
    let username = match parse_username(raw_username) {
        Ok(username) if password.len() <= 1024 => username,
        _ => {
            let key = if raw_username.len() <= 64 && !raw_username.contains('\0') { raw_username } else { "(invalid)" };
            state.throttle.record_failure(key, address);
            state
                .store
                .record_sign_in(SignInRecord {
                    request_id,
                    user: None,
                    outcome: SignInOutcome::WrongCredentials,
                    token_hash: None,
                    now: safepath_store::now_ms(),
                })
                .await?;
            return Err(ApiError::WrongCredentials);
        }
    };
    let credentials = state.store.credentials(&username).await?;
    let user = credentials.as_ref().map(|c| c.user.clone());
    let record = |outcome, token_hash| SignInRecord {
        request_id: request_id.clone(),
        user: user.clone(),
        outcome,
        token_hash,
        now: safepath_store::now_ms(),
    };
    if state.throttle.is_blocked(&username, address) {
        state.store.record_sign_in(record(SignInOutcome::Throttled, None)).await?;
        return Err(ApiError::Throttled);
    }
    // Verify against a real hash even for unknown users, so that timing does
    // not tell which usernames exist.
    let stored =
        credentials.as_ref().filter(|c| c.active).map(|c| c.password_hash.clone()).unwrap_or_else(|| dummy_hash(state));
    let verified = tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored))
        .await
        .map_err(|e| ApiError::Internal(format!("password check failed: {e}")))?;
    let Some(user) = user.clone().filter(|_| verified && credentials.as_ref().is_some_and(|c| c.active)) else {
        state.throttle.record_failure(&username, address);
        state.store.record_sign_in(record(SignInOutcome::WrongCredentials, None)).await?;
        return Err(ApiError::WrongCredentials);
    };
    let token = auth::new_token();
    state.store.record_sign_in(record(SignInOutcome::Success, Some(auth::token_hash(&token)))).await?;
    state.throttle.record_success(&username);
    Ok((token, user))
}

/// The `Set-Cookie` value carrying a new session token.
pub(crate) fn session_cookie(state: &AppState, token: &str) -> ApiResult<HeaderValue> {
    let mut cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        state.config.absolute_timeout.as_secs()
    );
    if state.config.secure_cookies {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clearing_cookie() -> HeaderValue {
    HeaderValue::from_static("safepath_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

fn dummy_hash(state: &AppState) -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| auth::hash_password("not a real password", state.config.password_cost).unwrap_or_default())
        .clone()
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = CurrentSession), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn current(session: Authenticated) -> Json<CurrentSession> {
    Json(CurrentSession { user: session.user })
}

/// Sign out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn sign_out(State(state): State<AppState>, session: Authenticated) -> ApiResult<Response> {
    state.sessions.forget(&session.token_hash);
    state.store.end_session(&session.audit(), &session.token_hash).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, clearing_cookie());
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}
