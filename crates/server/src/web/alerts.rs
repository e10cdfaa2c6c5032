//! Alerts in the pages: the focal point's form — the only page a focal point
//! has, showing nothing but receipts of their own alerts — and, for
//! caseworkers and supervisors, the queue of alerts sent to their
//! organisation and the triage page (register the child, keep as evidence,
//! or dismiss with a reason). Same policy calls and store calls as
//! `routes::alerts`.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use safepath_domain::alert::{
    Alert, AlertChildInput, AlertStatus, AlertTriage, AlertTriageInput, AlertUrgency, NewAlert, NewAlertInput,
};
use safepath_domain::codes::{Gender, IdentificationChannel, RiskLevel};
use safepath_domain::policy::{alert_scope, role_may, sees_only_the_alert_form, Permission};
use safepath_store::StoreError;
use serde::Deserialize;

use super::cases::{choices, field_of, registration_input, Choice, RegistrationForm};
use super::{error_page, failure, page, parse_form, Ui, WebSession};
use crate::routes::linkage::record_id;
use crate::{today, AppState};

/// `GET /`: a focal point's home is the alert form; everyone else's is *My work*.
pub async fn home(state: State<AppState>, session: WebSession, query: RawQuery) -> Response {
    if sees_only_the_alert_form(session.session.user.role) {
        return Redirect::to("/alert").into_response();
    }
    super::cases::my_work(state, session, query).await
}

/// The alert form as typed, kept whole when it is refused.
#[derive(Deserialize, Default)]
pub struct AlertForm {
    #[serde(default)]
    reporter: String,
    #[serde(default)]
    reporter_contact: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    seen_on: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    child_name: String,
    #[serde(default)]
    child_sex: String,
    #[serde(default)]
    child_age: String,
    #[serde(default)]
    child_description: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Template)]
#[template(path = "alert_form.html")]
struct AlertFormPage {
    ui: Ui,
    form: AlertForm,
    errors: BTreeMap<&'static str, String>,
    urgencies: Vec<Choice>,
    sexes: Vec<Choice>,
    /// Just sent (after the redirect).
    sent: bool,
    /// When each of the user's alerts was received, newest first.
    receipts: Vec<String>,
}

impl AlertFormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

fn received(ui: &Ui, ms: i64) -> String {
    let at = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    format!("{} {}", ui.language.date(at.date_naive()), at.format("%H:%M"))
}

async fn render_form(
    state: &AppState,
    session: &WebSession,
    form: AlertForm,
    errors: BTreeMap<&'static str, String>,
    sent: bool,
) -> Response {
    let ui = Ui::for_session(session, "alert");
    let receipts = match state.store.alert_receipts(&session.session.audit()).await {
        Ok(receipts) => receipts.iter().map(|r| received(&ui, r.received_at)).collect(),
        Err(error) => return failure(ui, error.into()),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let urgencies = choices(&ui, AlertUrgency::ALL, AlertUrgency::as_str, "alert-urgency", &form.urgency);
    let sexes = choices(&ui, Gender::ALL, Gender::as_str, "code-sex", &form.child_sex);
    page(status, &AlertFormPage { ui, form, errors, urgencies, sexes, sent, receipts })
}

/// `GET /alert`: the alert form, and receipts of what the user sent.
pub async fn form(State(state): State<AppState>, session: WebSession, RawQuery(raw): RawQuery) -> Response {
    if !role_may(session.session.user.role, Permission::SubmitAlert) {
        return error_page(Ui::for_session(&session, "alert"), StatusCode::FORBIDDEN);
    }
    let sent = raw.as_deref() == Some("sent=1");
    let form = AlertForm { seen_on: today().format("%Y-%m-%d").to_string(), ..Default::default() };
    render_form(&state, &session, form, BTreeMap::new(), sent).await
}

/// The form field showing a validation problem of `path`, and its message key.
fn alert_field_of(path: &str) -> (&'static str, &'static str) {
    match path {
        "reporter" => ("reporter", "alert-error-reporter"),
        "reporter_contact" => ("reporter_contact", "alert-error-contact"),
        "place" => ("place", "alert-error-place"),
        "country" => ("country", "alert-error-country"),
        "seen_on" => ("seen_on", "alert-error-seen-on"),
        "description" => ("description", "alert-error-description"),
        "urgency" => ("urgency", "alert-error-urgency"),
        "child.name" => ("child_name", "alert-error-child-name"),
        "child.sex" => ("child_sex", "alert-error-child-sex"),
        "child.estimated_age" => ("child_age", "alert-error-child-age"),
        _ => ("child_description", "alert-error-child-description"),
    }
}

fn alert_input(form: &AlertForm, errors: &mut BTreeMap<&'static str, String>, ui: &Ui) -> NewAlertInput {
    let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let estimated_age = match form.child_age.trim() {
        "" => None,
        raw => raw.parse::<i64>().map_err(|_| errors.insert("child_age", ui.t("alert-error-child-age"))).ok(),
    };
    NewAlertInput {
        reporter: form.reporter.clone(),
        reporter_contact: optional(&form.reporter_contact),
        place: form.place.clone(),
        country: optional(&form.country),
        seen_on: optional(&form.seen_on),
        description: form.description.clone(),
        child: Some(AlertChildInput {
            name: optional(&form.child_name),
            sex: optional(&form.child_sex),
            estimated_age,
            description: optional(&form.child_description),
        }),
        urgency: form.urgency.clone(),
    }
}

/// `POST /alert`: sends the alert, then back to the form with "alert sent";
/// a refused form comes back as typed.
pub async fn send(State(state): State<AppState>, session: WebSession, body: Bytes) -> Response {
    let form: AlertForm = parse_form(&body).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(&form.csrf) {
        return refused;
    }
    let ui = Ui::for_session(&session, "alert");
    if !role_may(session.session.user.role, Permission::SubmitAlert) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let mut errors = BTreeMap::new();
    let input = alert_input(&form, &mut errors, &ui);
    let alert = match NewAlert::parse(input, today()) {
        Ok(alert) if errors.is_empty() => alert,
        Ok(_) => return render_form(&state, &session, form, errors, false).await,
        Err(invalid) => {
            for path in invalid.fields.keys() {
                let (field, key) = alert_field_of(path);
                errors.entry(field).or_insert_with(|| ui.t(key));
            }
            return render_form(&state, &session, form, errors, false).await;
        }
    };
    match state.store.create_alert(&session.session.audit(), alert).await {
        Ok(_) => Redirect::to("/alert?sent=1").into_response(),
        Err(error) => failure(ui, error.into()),
    }
}

/// One alert of the queue, as listed.
pub struct AlertRow {
    pub href: String,
    pub urgency: &'static str,
    pub urgency_label: String,
    pub status_label: String,
    pub place: String,
    pub received: String,
}

fn alert_row(ui: &Ui, alert: &Alert) -> AlertRow {
    AlertRow {
        href: format!("/alerts/{}", alert.id),
        urgency: alert.urgency.as_str(),
        urgency_label: ui.t(&format!("alert-urgency-{}", alert.urgency.as_str())),
        status_label: ui.t(&format!("alert-status-{}", alert.status.as_str())),
        place: alert.details.place.clone(),
        received: received(ui, alert.received_at),
    }
}

fn urgency_rank(urgency: AlertUrgency) -> u8 {
    match urgency {
        AlertUrgency::Immediate => 0,
        AlertUrgency::Soon => 1,
        AlertUrgency::Routine => 2,
    }
}

/// *My work*'s block of new alerts.
pub struct NewAlerts {
    pub rows: Vec<AlertRow>,
    /// How many, written in the page's language.
    pub count: String,
}

/// The new alerts of the caller's organisation, most urgent first, for
/// *My work*; `None` for a role that does not triage.
pub async fn new_alerts(state: &AppState, session: &WebSession, ui: &Ui) -> Result<Option<NewAlerts>, StoreError> {
    if !role_may(session.session.user.role, Permission::TriageAlerts) {
        return Ok(None);
    }
    let scope = alert_scope(&session.session.actor());
    let mut alerts = state.store.list_alerts(&session.session.audit(), &scope, Some(AlertStatus::New)).await?;
    alerts.sort_by_key(|a| (urgency_rank(a.urgency), std::cmp::Reverse(a.received_at)));
    let count = ui.language.number(alerts.len() as i64);
    Ok(Some(NewAlerts { rows: alerts.iter().map(|a| alert_row(ui, a)).collect(), count }))
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertQueuePage {
    ui: Ui,
    new: Vec<AlertRow>,
    triaged: Vec<AlertRow>,
}

/// `GET /alerts`: the alerts sent to the organisation, new ones first.
pub async fn queue(State(state): State<AppState>, session: WebSession) -> Response {
    let ui = Ui::for_session(&session, "alerts");
    if !role_may(session.session.user.role, Permission::TriageAlerts) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let scope = alert_scope(&session.session.actor());
    let mut alerts = match state.store.list_alerts(&session.session.audit(), &scope, None).await {
        Ok(alerts) => alerts,
        Err(error) => return failure(ui, error.into()),
    };
    alerts.sort_by_key(|a| (a.status != AlertStatus::New, urgency_rank(a.urgency), std::cmp::Reverse(a.received_at)));
    let (new, triaged): (Vec<&Alert>, Vec<&Alert>) = alerts.iter().partition(|a| a.status == AlertStatus::New);
    let new = new.into_iter().map(|a| alert_row(&ui, a)).collect();
    let triaged = triaged.into_iter().map(|a| alert_row(&ui, a)).collect();
    page(StatusCode::OK, &AlertQueuePage { ui, new, triaged })
}

/// A label and a value of the triage page.
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// The triage choice sent with the registration fields.
#[derive(Deserialize, Default)]
struct TriageChoice {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Template)]
#[template(path = "alert.html")]
struct TriagePage {
    ui: Ui,
    id: String,
    facts: Vec<Fact>,
    status_label: String,
    is_new: bool,
    may_register: bool,
    case_href: Option<String>,
    note: Option<String>,
    /// The registration form (prefilled from the alert, or as typed).
    form: RegistrationForm,
    decision: String,
    typed_note: String,
    errors: BTreeMap<&'static str, String>,
    sexes: Vec<Choice>,
    channels: Vec<Choice>,
    risks: Vec<Choice>,
}

impl TriagePage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// The registration an alert suggests: what the reporter knew of the child,
/// where and when they were seen, through a community focal point, with the
/// risk its urgency implies. The caseworker completes and confirms it.
fn registration_from(alert: &Alert) -> RegistrationForm {
    let child = &alert.details.child;
    let risk = match alert.urgency {
        AlertUrgency::Immediate => RiskLevel::High,
        AlertUrgency::Soon => RiskLevel::Medium,
        AlertUrgency::Routine => RiskLevel::Low,
    };
    RegistrationForm {
        given_name: child.name.clone().unwrap_or_default(),
        sex: child.sex.map(|s| s.as_str().to_string()).unwrap_or_default(),
        estimated_age: child.estimated_age.map(|a| a.to_string()).unwrap_or_default(),
        identification_date: alert.seen_on.format("%Y-%m-%d").to_string(),
        place: alert.details.place.clone(),
        channel: IdentificationChannel::CommunityFocalPoint.as_str().into(),
        risk_level: risk.as_str().into(),
        citizenship: alert.country.clone().unwrap_or_default(),
        ..Default::default()
    }
}

struct Typed {
    form: RegistrationForm,
    decision: String,
    note: String,
    errors: BTreeMap<&'static str, String>,
}

fn triage_page(ui: Ui, alert: &Alert, may_register: bool, typed: Option<Typed>) -> TriagePage {
    let dash = || "—".to_string();
    let fact = |label: &str, value: String| Fact { label: ui.t(label), value };
    let details = &alert.details;
    let child = &details.child;
    let facts = vec![
        fact("alert-field-urgency", ui.t(&format!("alert-urgency-{}", alert.urgency.as_str()))),
        fact("alert-field-received", received(&ui, alert.received_at)),
        fact("alert-field-seen-on", ui.language.date(alert.seen_on)),
        fact("alert-field-place", details.place.clone()),
        fact("alert-field-country", alert.country.clone().unwrap_or_else(dash)),
        fact("alert-field-description", details.description.clone()),
        fact("alert-field-reporter", details.reporter.clone()),
        fact("alert-field-contact", details.reporter_contact.clone().unwrap_or_else(dash)),
        fact("alert-field-child-name", child.name.clone().unwrap_or_else(dash)),
        fact(
            "alert-field-child-sex",
            child.sex.map(|s| ui.t(&format!("code-sex-{}", s.as_str()))).unwrap_or_else(dash),
        ),
        fact("alert-field-child-age", child.estimated_age.map(|a| ui.language.number(a)).unwrap_or_else(dash)),
        fact("alert-field-child-description", child.description.clone().unwrap_or_else(dash)),
    ];
    let typed = typed.unwrap_or_else(|| Typed {
        form: registration_from(alert),
        decision: String::new(),
        note: String::new(),
        errors: BTreeMap::new(),
    });
    let sexes = choices(&ui, Gender::ALL, Gender::as_str, "code-sex", &typed.form.sex);
    let channels =
        choices(&ui, IdentificationChannel::ALL, IdentificationChannel::as_str, "code-channel", &typed.form.channel);
    let risks = choices(&ui, RiskLevel::ALL, RiskLevel::as_str, "code-risk", &typed.form.risk_level);
    let triage = alert.triage.as_ref();
    TriagePage {
        id: alert.id.clone(),
        facts,
        status_label: ui.t(&format!("alert-status-{}", alert.status.as_str())),
        is_new: alert.status == AlertStatus::New,
        may_register,
        case_href: triage.and_then(|t| t.case_id.as_ref()).map(|id| format!("/cases/{id}")),
        note: triage.and_then(|t| t.note.clone()),
        form: typed.form,
        decision: typed.decision,
        typed_note: typed.note,
        errors: typed.errors,
        sexes,
        channels,
        risks,
        ui,
    }
}

type IdPath = Result<Path<String>, PathRejection>;

fn alert_id(path: IdPath) -> Option<String> {
    path.ok().and_then(|Path(raw)| record_id(&raw).ok())
}

/// `GET /alerts/{id}`: the alert and its triage forms; out of scope is the same 404 as absent.
pub async fn show(State(state): State<AppState>, session: WebSession, path: IdPath) -> Response {
    let ui = Ui::for_session(&session, "alerts");
    let user = &session.session.user;
    if !role_may(user.role, Permission::TriageAlerts) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let Some(id) = alert_id(path) else { return error_page(ui, StatusCode::NOT_FOUND) };
    let scope = alert_scope(&session.session.actor());
    match state.store.get_alert(&session.session.audit(), &scope, &id).await {
        Ok(alert) => {
            let may_register = role_may(user.role, Permission::RegisterCase);
            page(StatusCode::OK, &triage_page(ui, &alert, may_register, None))
        }
        Err(error) => failure(ui, error.into()),
    }
}

/// `POST /alerts/{id}/triage`: registers the child, keeps the alert as
/// evidence, or dismisses it; a refused form comes back as typed.
pub async fn triage(State(state): State<AppState>, session: WebSession, path: IdPath, body: Bytes) -> Response {
    let choice: TriageChoice = parse_form(&body).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(&choice.csrf) {
        return refused;
    }
    let ui = Ui::for_session(&session, "alerts");
    let user = &session.session.user;
    if !role_may(user.role, Permission::TriageAlerts) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let Some(id) = alert_id(path) else { return error_page(ui, StatusCode::NOT_FOUND) };
    let may_register = role_may(user.role, Permission::RegisterCase);
    let form: RegistrationForm = parse_form(&body).unwrap_or_default();
    let mut errors = BTreeMap::new();
    let case = (choice.decision == "case").then(|| registration_input(&form, &mut errors, &ui));
    let note = Some(choice.note.trim().to_string()).filter(|n| !n.is_empty());
    let input = AlertTriageInput { decision: choice.decision.clone(), case, note };
    let parsed = AlertTriage::parse(input, today());
    if let Err(invalid) = &parsed {
        for path in invalid.fields.keys() {
            let (field, key) = match path.strip_prefix("case.") {
                Some(case_path) => field_of(case_path),
                None if path == "note" => ("note", "triage-error-note"),
                None => ("decision", "triage-error-decision"),
            };
            errors.entry(field).or_insert_with(|| ui.t(key));
        }
    }
    let scope = alert_scope(&session.session.actor());
    let audit = session.session.audit();
    let triage = match parsed {
        Ok(triage) if errors.is_empty() => triage,
        _ => {
            // Read the alert again (audited) to show it beside the refused form.
            let alert = match state.store.get_alert(&audit, &scope, &id).await {
                Ok(alert) => alert,
                Err(error) => return failure(ui, error.into()),
            };
            let typed = Typed { form, decision: choice.decision, note: choice.note, errors };
            return page(StatusCode::UNPROCESSABLE_ENTITY, &triage_page(ui, &alert, may_register, Some(typed)));
        }
    };
    if matches!(triage, AlertTriage::Case(_)) && !may_register {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    match state.store.triage_alert(&audit, &scope, &id, triage).await {
        Ok(alert) => match alert.triage.and_then(|t| t.case_id) {
            Some(case) => Redirect::to(&format!("/cases/{case}")).into_response(),
            None => Redirect::to(&format!("/alerts/{}", alert.id)).into_response(),
        },
        Err(StoreError::Conflict(_)) => Redirect::to(&format!("/alerts/{id}")).into_response(),
        Err(error) => failure(ui, error.into()),
    }
}
