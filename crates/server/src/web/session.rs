//! Signing in and out from the browser.
//!
//! The sign-in form has no session to derive a CSRF token from, so it gets a
//! random one that is also set as a short-lived cookie (double submit): a
//! form posted from another site cannot know it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::{self, Language};
use super::{cookie, page, parse_form, Ui, WebSession};
use crate::auth;
use crate::error::ApiError;
use crate::routes::session::{clearing_cookie, open_session, session_cookie, RequestIdOf};
use crate::routes::ClientAddress;
use crate::AppState;

const SIGN_IN_COOKIE: &str = "safepath_sign_in";

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ui: Ui,
    username: String,
    /// A translated notice (signed out, session ended) or error.
    notice: Option<String>,
    error: Option<String>,
    form_token: String,
}

#[derive(Deserialize)]
struct SignInQuery {
    expired: Option<String>,
    signed_out: Option<String>,
    lang: Option<String>,
}

/// The language of a page shown before sign-in: `?lang=`, else the browser's.
fn language_of(lang: Option<&str>, headers: &HeaderMap) -> Language {
    match lang.filter(|code| i18n::is_supported(code)) {
        Some(code) => Language::new(code),
        None => Language::new(i18n::negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))),
    }
}

fn render(
    state: &AppState,
    status: StatusCode,
    language: Language,
    username: String,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let form_token = auth::new_token();
    let mut response = page(
        status,
        &SignInPage { ui: Ui::new(language, "sign-in"), username, notice, error, form_token: form_token.clone() },
    );
    let mut cookie = format!("{SIGN_IN_COOKIE}={form_token}; HttpOnly; SameSite=Strict; Path=/sign-in; Max-Age=3600");
    if state.config.secure_cookies {
        cookie.push_str("; Secure");
    }
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /sign-in`.
pub async fn form(State(state): State<AppState>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let query: SignInQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or(SignInQuery {
        expired: None,
        signed_out: None,
        lang: None,
    });
    let language = language_of(query.lang.as_deref(), &headers);
    let notice = if query.expired.is_some() {
        let minutes = (state.config.idle_timeout.as_secs() / 60).max(1) as i64;
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("minutes", minutes);
        args.set("shown", language.number(minutes));
        Some(language.message("sign-in-expired", Some(&args)))
    } else if query.signed_out.is_some() {
        Some(language.text("sign-in-signed-out"))
    } else {
        None
    };
    render(&state, StatusCode::OK, language, String::new(), notice, None)
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    form_token: String,
    lang: Option<String>,
}

/// `POST /sign-in`: on success the session cookie is set and the browser goes to *My work*.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    RequestIdOf(request_id): RequestIdOf,
    parts: Parts,
    body: Bytes,
) -> Response {
    let Some(form) = parse_form::<SignInForm>(&body) else {
        let language = language_of(None, &parts.headers);
        return render(
            &state,
            StatusCode::BAD_REQUEST,
            language,
            String::new(),
            None,
            Some(language.text("sign-in-form-expired")),
        );
    };
    let language = language_of(form.lang.as_deref(), &parts.headers);
    let expected = cookie(&parts, SIGN_IN_COOKIE).unwrap_or("");
    if expected.is_empty() || !auth::constant_time_eq(expected.as_bytes(), form.form_token.as_bytes()) {
        return render(
            &state,
            StatusCode::FORBIDDEN,
            language,
            form.username,
            None,
            Some(language.text("sign-in-form-expired")),
        );
    }
    match open_session(&state, &address, request_id, &form.username, form.password).await {
        Ok((token, _user)) => {
            let mut response = Redirect::to("/").into_response();
            match session_cookie(&state, &token) {
                Ok(value) => response.headers_mut().append(header::SET_COOKIE, value),
                Err(_) => return super::error_page(Ui::new(language, ""), StatusCode::INTERNAL_SERVER_ERROR),
            };
            response.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_static("safepath_sign_in=; HttpOnly; SameSite=Strict; Path=/sign-in; Max-Age=0"),
            );
            response
        }
        Err(ApiError::WrongCredentials) => render(
            &state,
            StatusCode::UNAUTHORIZED,
            language,
            form.username,
            None,
            Some(language.text("sign-in-wrong")),
        ),
        Err(ApiError::Throttled) => render(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            language,
            form.username,
            None,
            Some(language.text("sign-in-throttled")),
        ),
        Err(error) => super::failure(Ui::new(language, ""), error),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

/// `POST /sign-out`: the session ends at once.
pub async fn sign_out(State(state): State<AppState>, session: WebSession, body: Bytes) -> Response {
    let sent = parse_form::<CsrfOnly>(&body).map(|f| f.csrf).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(&sent) {
        return refused;
    }
    state.sessions.forget(&session.session.token_hash);
    if let Err(error) = state.store.end_session(&session.session.audit(), &session.session.token_hash).await {
        return super::failure(Ui::for_session(&session, ""), error.into());
    }
    let mut response = Redirect::to("/sign-in?signed_out=1").into_response();
    response.headers_mut().insert(header::SET_COOKIE, clearing_cookie());
    response
}
