//! Administration pages (administrators only, DOMAIN.md: no access to
//! children's files): organisations (list, create) and user accounts (list,
//! create with role, organisation and language, deactivate and reactivate).
//! The same validation (`NewOrganisation::parse`, `NewUser::parse`) and the
//! same audited store calls as the API.
//!
//! A new account's password is typed by the administrator, or — left empty —
//! generated and shown once on the answer page (never in a URL, never
//! stored in clear, the page `no-store`).

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safepath_domain::codes::{OrganisationType, Role};
use safepath_domain::ids::UserId;
use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput, Organisation};
use safepath_domain::policy::{role_may, Permission};
use safepath_domain::user::{NewUser, NewUserInput, LANGUAGES};
use safepath_domain::ValidationErrors;
use safepath_store::{StoreError, UserAccount};
use serde::Deserialize;

use super::cases::{choices, Choice};
use super::{error_page, failure, page, parse_form, Ui, WebSession};
use crate::routes::directory::hash_password;
use crate::{auth, AppState};

/// Translated messages of `invalid`'s fields, each under the form field it belongs to.
fn field_errors(
    ui: &Ui,
    invalid: &ValidationErrors,
    field_of: fn(&str) -> (&'static str, &'static str),
) -> BTreeMap<&'static str, String> {
    let mut errors = BTreeMap::new();
    for path in invalid.fields.keys() {
        let (field, key) = field_of(path);
        errors.entry(field).or_insert_with(|| ui.t(key));
    }
    errors
}

/// The page frame for a user whose role may do `permission`; `None` for
/// anyone else, who gets [`forbidden`].
fn admin_ui(session: &WebSession, permission: Permission) -> Option<Ui> {
    role_may(session.session.user.role, permission).then(|| Ui::for_session(session, "admin"))
}

fn forbidden(session: &WebSession) -> Response {
    error_page(Ui::for_session(session, "admin"), StatusCode::FORBIDDEN)
}

// ---------------------------------------------------------------------------
// Organisations

#[derive(Deserialize, Default)]
struct OrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    org_type: String,
    #[serde(default)]
    countries: String,
    #[serde(default)]
    reference_prefix: String,
    #[serde(default)]
    services: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    csrf: String,
}

pub struct OrganisationRow {
    pub name: String,
    pub kind: String,
    pub countries: String,
    pub prefix: String,
}

#[derive(Template)]
#[template(path = "admin_organisations.html")]
struct OrganisationsPage {
    ui: Ui,
    rows: Vec<OrganisationRow>,
    form: OrganisationForm,
    types: Vec<Choice>,
    errors: BTreeMap<&'static str, String>,
    created: bool,
}

impl OrganisationsPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

async fn organisations_page(
    state: &AppState,
    session: &WebSession,
    ui: Ui,
    form: OrganisationForm,
    errors: BTreeMap<&'static str, String>,
    created: bool,
) -> Response {
    let organisations = match state.store.list_organisations(&session.session.audit()).await {
        Ok(organisations) => organisations,
        Err(error) => return failure(ui, error.into()),
    };
    let rows = organisations
        .iter()
        .map(|o| OrganisationRow {
            name: o.name.clone(),
            kind: ui.t(&format!("org-type-{}", o.org_type.as_str())),
            countries: o.countries.join(", "),
            prefix: o.reference_prefix.clone(),
        })
        .collect();
    let types = choices(&ui, OrganisationType::ALL, OrganisationType::as_str, "org-type", &form.org_type);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page(status, &OrganisationsPage { ui, rows, form, types, errors, created })
}

/// `GET /admin/organisations`.
pub async fn organisations(State(state): State<AppState>, session: WebSession, RawQuery(raw): RawQuery) -> Response {
    let Some(ui) = admin_ui(&session, Permission::ManageOrganisations) else { return forbidden(&session) };
    let created = raw.as_deref() == Some("created=1");
    organisations_page(&state, &session, ui, OrganisationForm::default(), BTreeMap::new(), created).await
}

fn list_of(raw: &str) -> Vec<String> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn organisation_field_of(path: &str) -> (&'static str, &'static str) {
    match path {
        "name" => ("name", "admin-error-org-name"),
        "type" => ("type", "admin-error-org-type"),
        "reference_prefix" => ("reference_prefix", "admin-error-prefix"),
        "contact" => ("contact", "admin-error-contact"),
        p if p.starts_with("services") => ("services", "admin-error-services"),
        _ => ("countries", "admin-error-countries"),
    }
}

/// `POST /admin/organisations`: adds an organisation; a refused form comes back as typed.
pub async fn create_organisation(State(state): State<AppState>, session: WebSession, body: Bytes) -> Response {
    let form: OrganisationForm = parse_form(&body).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(&form.csrf) {
        return refused;
    }
    let Some(ui) = admin_ui(&session, Permission::ManageOrganisations) else { return forbidden(&session) };
    let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = NewOrganisationInput {
        name: form.name.clone(),
        org_type: form.org_type.clone(),
        countries: list_of(&form.countries),
        reference_prefix: optional(&form.reference_prefix),
        services: Some(list_of(&form.services)),
        contact: optional(&form.contact),
    };
    let organisation = match NewOrganisation::parse(input) {
        Ok(organisation) => organisation,
        Err(invalid) => {
            let errors = field_errors(&ui, &invalid, organisation_field_of);
            return organisations_page(&state, &session, ui, form, errors, false).await;
        }
    };
    match state.store.create_organisation(&session.session.audit(), organisation).await {
        Ok(_) => Redirect::to("/admin/organisations?created=1").into_response(),
        Err(StoreError::Invalid(invalid)) => {
            let errors = field_errors(&ui, &invalid, organisation_field_of);
            organisations_page(&state, &session, ui, form, errors, false).await
        }
        Err(error) => failure(ui, error.into()),
    }
}

// ---------------------------------------------------------------------------
// Users

#[derive(Deserialize, Default)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub language: String,
    pub active: bool,
    /// Not the administrator's own account (which they may not deactivate).
    pub may_deactivate: bool,
}

/// A value of a `<select>` whose values are not static (organisation ids).
pub struct OwnedChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    ui: Ui,
    rows: Vec<UserRow>,
    /// Keeps what was typed, except the password (never sent back).
    form: UserForm,
    roles: Vec<Choice>,
    organisations: Vec<OwnedChoice>,
    languages: Vec<OwnedChoice>,
    errors: BTreeMap<&'static str, String>,
    /// The account just created, and its generated password (shown this once).
    created: Option<(String, Option<String>)>,
}

impl UsersPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

fn user_row(ui: &Ui, me: &UserId, organisations: &[Organisation], account: &UserAccount) -> UserRow {
    let user = &account.user;
    UserRow {
        id: user.id.to_string(),
        username: user.username.clone(),
        name: user.display_name.clone().unwrap_or_default(),
        role: ui.t(&format!("admin-role-{}", user.role.as_str())),
        organisation: organisations
            .iter()
            .find(|o| o.id == user.organisation_id)
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        language: ui.t(&format!("admin-language-{}", user.language)),
        active: account.active,
        may_deactivate: &user.id != me,
    }
}

async fn users_page(
    state: &AppState,
    session: &WebSession,
    ui: Ui,
    form: UserForm,
    errors: BTreeMap<&'static str, String>,
    created: Option<(String, Option<String>)>,
) -> Response {
    let audit = session.session.audit();
    let (organisations, accounts) =
        match tokio::try_join!(state.store.list_organisations(&audit), state.store.list_users(&audit)) {
            Ok(both) => both,
            Err(error) => return failure(ui, error.into()),
        };
    let me = &session.session.user.id;
    let rows = accounts.iter().map(|a| user_row(&ui, me, &organisations, a)).collect();
    let roles = choices(&ui, Role::ALL, Role::as_str, "admin-role", &form.role);
    let organisations = organisations
        .iter()
        .map(|o| OwnedChoice {
            value: o.id.to_string(),
            label: o.name.clone(),
            selected: o.id.as_str() == form.organisation_id,
        })
        .collect();
    let chosen_language = if form.language.is_empty() { ui.lang() } else { form.language.as_str() };
    let languages = LANGUAGES
        .iter()
        .map(|code| OwnedChoice {
            value: code.to_string(),
            label: ui.t(&format!("admin-language-{code}")),
            selected: *code == chosen_language,
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page(status, &UsersPage { ui, rows, form, roles, organisations, languages, errors, created })
}

/// `GET /admin/users` (also `GET /admin`).
pub async fn users(State(state): State<AppState>, session: WebSession) -> Response {
    let Some(ui) = admin_ui(&session, Permission::ManageUsers) else { return forbidden(&session) };
    users_page(&state, &session, ui, UserForm::default(), BTreeMap::new(), None).await
}

fn user_field_of(path: &str) -> (&'static str, &'static str) {
    match path {
        "username" => ("username", "admin-error-username"),
        "password" => ("password", "admin-error-password"),
        "role" => ("role", "admin-error-role"),
        "language" => ("language", "admin-error-language"),
        "display_name" => ("display_name", "admin-error-display-name"),
        _ => ("organisation_id", "admin-error-organisation"),
    }
}

/// `POST /admin/users`: creates an account; answers with the list and, when
/// the password was generated, the password — this once.
pub async fn create_user(State(state): State<AppState>, session: WebSession, body: Bytes) -> Response {
    let form: UserForm = parse_form(&body).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(&form.csrf) {
        return refused;
    }
    let Some(ui) = admin_ui(&session, Permission::ManageUsers) else { return forbidden(&session) };
    let generated = form.password.is_empty().then(auth::new_token);
    let input = NewUserInput {
        username: form.username.clone(),
        password: generated.clone().unwrap_or_else(|| form.password.clone()),
        role: form.role.clone(),
        organisation_id: form.organisation_id.clone(),
        language: Some(form.language.clone()).filter(|l| !l.is_empty()),
        display_name: Some(form.display_name.trim().to_string()).filter(|n| !n.is_empty()),
    };
    let form = UserForm { password: String::new(), ..form };
    let user = match NewUser::parse(input) {
        Ok(user) => user,
        Err(invalid) => {
            let errors = field_errors(&ui, &invalid, user_field_of);
            return users_page(&state, &session, ui, form, errors, None).await;
        }
    };
    let hash = match hash_password(&state, &user.password).await {
        Ok(hash) => hash,
        Err(error) => return failure(ui, error),
    };
    match state.store.create_user(&session.session.audit(), user, hash).await {
        Ok(created) => {
            let created = Some((created.username, generated));
            users_page(&state, &session, ui, UserForm::default(), BTreeMap::new(), created).await
        }
        Err(StoreError::Invalid(invalid)) => {
            let errors = field_errors(&ui, &invalid, user_field_of);
            users_page(&state, &session, ui, form, errors, None).await
        }
        Err(error) => failure(ui, error.into()),
    }
}

#[derive(Deserialize, Default)]
struct ActiveForm {
    #[serde(default)]
    active: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /admin/users/{id}/active`: deactivates (`active=0`, ending the
/// account's sessions) or reactivates (`active=1`) an account.
pub async fn set_active(
    State(state): State<AppState>,
    session: WebSession,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let form: ActiveForm = parse_form(&body).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(&form.csrf) {
        return refused;
    }
    let Some(ui) = admin_ui(&session, Permission::ManageUsers) else { return forbidden(&session) };
    let Some(id) = path.ok().and_then(|Path(raw)| UserId::parse(&raw).ok()) else {
        return error_page(ui, StatusCode::NOT_FOUND);
    };
    let active = match form.active.as_str() {
        "1" => true,
        "0" => false,
        _ => return error_page(ui, StatusCode::BAD_REQUEST),
    };
    match state.set_user_active(&session.session.audit(), &id, active).await {
        Ok(_) => Redirect::to("/admin/users").into_response(),
        Err(StoreError::Conflict(_)) => error_page(ui, StatusCode::FORBIDDEN),
        Err(error) => failure(ui, error.into()),
    }
}
