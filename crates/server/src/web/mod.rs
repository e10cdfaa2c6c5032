//! The web application caseworkers use (issue #5): server-rendered pages over
//! the same store calls and access policy as the API, so every page that
//! shows a child is audited exactly like the API call it stands for.
//!
//! - Templates are askama files under `templates/`, checked at compile time;
//!   every word on a page comes from the Fluent files under `i18n/`.
//! - Pages work without JavaScript; `static/app.js` only enhances. The
//!   stylesheet and script are embedded, served under content-hashed names
//!   with a one-year immutable cache, and gzip-compressed like the pages.
//! - The session is the API's cookie session; every form carries a CSRF token
//!   (derived from the session, or a sign-in cookie before there is one).
//! - No identity data in URLs (name searches are POSTed), titles or logs;
//!   pages are `Cache-Control: no-store`.

mod admin;
mod alerts;
mod assets;
mod case_sections;
mod cases;
mod dashboard;
mod directory;
pub mod i18n;
mod session;
mod workflow;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use safepath_domain::policy::{role_may, sees_only_the_alert_form, Permission};
use tower_http::compression::CompressionLayer;

use crate::auth;
use crate::error::ApiError;
use crate::extract::{request_id, session_token, Authenticated};
use crate::AppState;
use i18n::Language;

/// The pages, their assets, and gzip for all of them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(alerts::home))
        .route("/sign-in", get(session::form).post(session::submit))
        .route("/sign-out", post(session::sign_out))
        .route("/cases", get(cases::list).post(cases::search))
        .route("/cases/new", get(cases::new_form).post(cases::register))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/workflow/{step}", post(workflow::step))
        .route("/approvals", get(workflow::approvals))
        .route("/referrals/answered", get(workflow::referral_answered))
        .route("/referrals/{id}", get(workflow::referral).post(workflow::referral_answer))
        .route("/alert", get(alerts::form).post(alerts::send))
        .route("/alerts", get(alerts::queue))
        .route("/alerts/{id}", get(alerts::show))
        .route("/alerts/{id}/triage", post(alerts::triage))
        .route("/directory", get(directory::show))
        .route("/dashboard", get(dashboard::show))
        .route("/admin", get(admin::users))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}/active", post(admin::set_active))
        .route("/admin/organisations", get(admin::organisations).post(admin::create_organisation))
        .route("/transfers/{id}", get(workflow::transfer).post(workflow::transfer_answer))
        .route("/static/{name}", get(assets::serve))
        .layer(CompressionLayer::new())
}

/// What every page's frame needs: language, who is signed in, the CSRF
/// token for its forms, the asset URLs, which navigation entry is current.
pub struct Ui {
    pub language: Language,
    pub signed_in: Option<SignedIn>,
    pub csrf: String,
    pub stylesheet: String,
    pub script: String,
    pub current: &'static str,
}

pub struct SignedIn {
    pub name: String,
    /// A focal point: the navigation shows the alert form and nothing else.
    pub alert_form_only: bool,
    pub may_triage_alerts: bool,
    pub may_read_dashboard: bool,
    pub may_administer: bool,
    pub may_list_cases: bool,
    pub may_register: bool,
    pub may_approve: bool,
}

impl Ui {
    fn new(language: Language, current: &'static str) -> Self {
        Ui {
            language,
            signed_in: None,
            csrf: String::new(),
            stylesheet: assets::stylesheet(),
            script: assets::script(),
            current,
        }
    }

    fn for_session(session: &WebSession, current: &'static str) -> Self {
        let user = &session.session.user;
        Ui {
            signed_in: Some(SignedIn {
                name: user.display_name.clone().unwrap_or_else(|| user.username.clone()),
                alert_form_only: sees_only_the_alert_form(user.role),
                may_triage_alerts: role_may(user.role, Permission::TriageAlerts),
                may_read_dashboard: role_may(user.role, Permission::ReadTeamDashboard),
                may_administer: role_may(user.role, Permission::ManageUsers),
                may_list_cases: role_may(user.role, Permission::ListCases),
                may_register: role_may(user.role, Permission::RegisterCase),
                may_approve: role_may(
                    user.role,
                    Permission::Approve(safepath_domain::codes::ApprovalKind::BestInterestAssessment),
                ),
            }),
            csrf: session.csrf.clone(),
            ..Ui::new(Language::new(&user.language), current)
        }
    }

    /// A message in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.language.text(key)
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.language.with(key, name, value.to_string())
    }

    /// A message with two arguments.
    pub fn t2(&self, key: &str, (n1, v1): (&str, &str), (n2, v2): (&str, &str)) -> String {
        let mut args = fluent_bundle::FluentArgs::new();
        args.set(n1.to_string(), v1.to_string());
        args.set(n2.to_string(), v2.to_string());
        self.language.message(key, Some(&args))
    }

    pub fn lang(&self) -> &'static str {
        self.language.code()
    }

    pub fn dir(&self) -> &'static str {
        self.language.dir()
    }

    /// `aria-current` for the navigation entry of this page.
    pub fn is_current(&self, entry: &str) -> bool {
        self.current == entry
    }
}

/// A rendered page: HTML, never stored by the browser or a proxy (most pages
/// show a child's identity, and the others are cheap).
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            body,
        )
            .into_response(),
        Err(error) => {
            tracing::error!("a page could not be rendered: {error}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ui: Ui,
    title_key: &'static str,
    body_key: &'static str,
}

/// An error explained in the user's language, with the frame of the site.
pub fn error_page(ui: Ui, status: StatusCode) -> Response {
    let (title_key, body_key) = match status {
        StatusCode::NOT_FOUND => ("error-not-found-title", "error-not-found-body"),
        StatusCode::FORBIDDEN => ("error-forbidden-title", "error-forbidden-body"),
        StatusCode::BAD_REQUEST => ("error-bad-request-title", "error-bad-request-body"),
        StatusCode::SERVICE_UNAVAILABLE => ("error-unavailable-title", "error-unavailable-body"),
        _ => ("error-internal-title", "error-internal-body"),
    };
    page(status, &ErrorPage { ui, title_key, body_key })
}

/// A short confirmation in the user's language, in the frame of the site.
pub fn notice_page(ui: Ui, title_key: &'static str, body_key: &'static str) -> Response {
    page(StatusCode::OK, &ErrorPage { ui, title_key, body_key })
}

/// Maps an API error met while building a page to the page that explains it.
/// Details of 5xx go to the log (without identity data), never to the page.
fn failure(ui: Ui, error: ApiError) -> Response {
    let status = match &error {
        ApiError::NotFound => StatusCode::NOT_FOUND,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::Malformed(_) | ApiError::MalformedQuery(_) => StatusCode::BAD_REQUEST,
        ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Unauthenticated | ApiError::SessionExpired => return Redirect::to("/sign-in").into_response(),
        other => {
            tracing::error!("page failed: {other}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    error_page(ui, status)
}

/// The signed-in user of a page request (session cookie only: pages are for
/// browsers). Without a valid session the browser is sent to sign in; after
/// the idle timeout, with a message saying so.
pub struct WebSession {
    pub session: Authenticated,
    pub csrf: String,
}

impl WebSession {
    /// The refusal of a form whose CSRF token is not this session's; `None`
    /// when the token is right.
    fn refuse_forged(&self, sent: &str) -> Option<Response> {
        if auth::constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            None
        } else {
            Some(error_page(Ui::for_session(self, ""), StatusCode::FORBIDDEN))
        }
    }
}

impl FromRequestParts<AppState> for WebSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_sign_in = |target: &'static str| {
            let mut response = Redirect::to(target).into_response();
            response.headers_mut().insert(header::SET_COOKIE, crate::routes::session::clearing_cookie());
            response
        };
        let token = match session_token(parts) {
            Some((token, true)) if auth::is_well_formed_token(&token) => token,
            _ => return Err(Redirect::to("/sign-in").into_response()),
        };
        let request_id = request_id(parts);
        match auth::authenticate(state, &token, &request_id).await {
            Ok(user) => Ok(WebSession {
                csrf: auth::csrf_token(&token),
                session: Authenticated { user, token_hash: auth::token_hash(&token), request_id },
            }),
            Err(ApiError::SessionExpired) => Err(to_sign_in("/sign-in?expired=1")),
            Err(ApiError::Unauthenticated) => Err(to_sign_in("/sign-in")),
            Err(error) => {
                let language = Language::new(i18n::negotiate(accept_language(parts)));
                Err(failure(Ui::new(language, ""), error))
            }
        }
    }
}

/// The router's fallback: API paths answer the API's JSON 404, any other
/// path the web application's 404 page (a mistyped address in a browser).
pub async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return crate::routes::not_found().await.into_response();
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    error_page(Ui::new(Language::new(i18n::negotiate(accept)), ""), StatusCode::NOT_FOUND)
}

fn accept_language(parts: &Parts) -> Option<&str> {
    parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())
}

/// Reads the cookie `name`.
fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// Parses an `application/x-www-form-urlencoded` body.
fn parse_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_urlencoded::from_bytes(body).ok()
}
