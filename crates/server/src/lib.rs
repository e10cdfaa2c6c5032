//! Safepath's HTTP API (API.md): sessions, organisations, users, cases, the
//! OpenAPI document. Only this crate knows about HTTP and JSON.
//!
//! Every handler has the same shape: extract (body, signed-in user) →
//! authorise (one call into `safepath_domain::policy`) → one store call → map
//! to a response. No SQL here; no access decision anywhere else.

pub mod auth;
pub mod error;
pub mod extract;
pub mod openapi;
mod routes;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use safepath_domain::ids::UserId;
use safepath_store::{AuditContext, Store, StoreResult, UserAccount};
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::PasswordCost;
pub use error::{ApiError, ErrorBody};

/// Today's date (UTC): what validated input is checked against (no date of
/// birth in the future, ages at registration).
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Settings of the HTTP service.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// A session unused for this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute_timeout: Duration,
    /// Set when served behind TLS: cookies get `Secure`, responses HSTS.
    pub secure_cookies: bool,
    /// Failed sign-ins allowed per username, and per client address, in `throttle_window`.
    pub throttle_per_username: usize,
    pub throttle_per_address: usize,
    pub throttle_window: Duration,
    pub password_cost: PasswordCost,
    /// How long a session read from the database is trusted without re-reading it.
    pub session_cache_ttl: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            body_limit: 256 * 1024,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            throttle_per_username: 5,
            throttle_per_address: 50,
            throttle_window: Duration::from_secs(15 * 60),
            password_cost: PasswordCost::default(),
            session_cache_ttl: Duration::from_secs(5),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ServerConfig>,
    pub throttle: Arc<auth::Throttle>,
    pub sessions: Arc<auth::SessionCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        let throttle =
            auth::Throttle::new(config.throttle_window, config.throttle_per_username, config.throttle_per_address);
        let sessions = auth::SessionCache::new(config.session_cache_ttl);
        Self { store, config: Arc::new(config), throttle: Arc::new(throttle), sessions: Arc::new(sessions) }
    }

    /// Deactivates or reactivates an account. The store deletes a
    /// deactivated account's sessions; this process's session cache forgets
    /// them too, so that its tokens stop at once (page and API alike).
    pub async fn set_user_active(&self, ctx: &AuditContext, id: &UserId, active: bool) -> StoreResult<UserAccount> {
        let account = self.store.set_user_active(ctx, id, active).await?;
        self.sessions.forget_user(id);
        Ok(account)
    }
}

/// Content-Security-Policy: no inline script, nothing from elsewhere, never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application: API routes plus security headers and limits.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let secure = state.config.secure_cookies;
    let mut app = routes::api()
        .merge(web::routes())
        .fallback(web::not_found)
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(assign_request_id))
        .layer(static_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(static_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(static_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(static_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(static_header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        // Responses are not stored unless they say otherwise (the web
        // pages' hashed assets are immutable).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    if secure {
        app = app.layer(static_header(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"));
    }
    app
}

fn static_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// Gives every request an id (for the audit trail and logs) and echoes it.
async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    request.extensions_mut().insert(extract::RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
    }
    response
}

/// Serves the application on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
