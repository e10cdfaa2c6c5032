//! *My work*, the case list and search, registration, and the case page.
//! Each handler makes the same policy call and store call as its API twin.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use safepath_domain::case::{CaseView, ChildInput, ConsentInput, IdentificationInput, NewCase, NewCaseInput};
use safepath_domain::codes::{
    CaseStatus, ConsentGivenBy, Gender, IdentificationChannel, ProtectionStatus, RiskLevel, Role,
};
use safepath_domain::ids::CaseId;
use safepath_domain::policy::{case_scope, role_may, Permission};
use safepath_store::workflow::WORK_LIST_LIMIT;
use safepath_store::{CaseFilter, CaseSummary};
use serde::Deserialize;

use super::workflow::{render_case, work_lists, Typed, WorkLists, Workflow};
use super::{error_page, failure, page, parse_form, Ui, WebSession};
use crate::today;
use crate::AppState;

/// Cases per page of the list.
const PER_PAGE: u32 = 25;
/// Open cases shown on *My work*.
const MY_WORK_LIMIT: u32 = 100;
/// Tasks of each work list shown on *My work*, unless asked for more
/// (`/?tasks=all`: the API's page, [`WORK_LIST_LIMIT`]).
const MY_WORK_TASKS: usize = 20;

/// One line of a list: what lets a caseworker recognise the case.
pub struct CaseRow {
    pub id: String,
    pub reference: String,
    pub name: String,
    pub risk: &'static str,
    pub risk_label: String,
    pub status_label: String,
    pub identified: String,
}

impl CaseRow {
    fn new(ui: &Ui, case: &CaseSummary) -> Self {
        let name = match &case.family_name {
            Some(family) => format!("{} {family}", case.given_name),
            None => case.given_name.clone(),
        };
        CaseRow {
            id: case.id.to_string(),
            reference: case.reference.clone(),
            name,
            risk: case.risk_level.as_str(),
            risk_label: ui.t(&format!("code-risk-{}", case.risk_level.as_str())),
            status_label: ui.t(&format!("code-status-{}", case.status.as_str())),
            identified: ui.language.date_str(&case.identification_date),
        }
    }
}

fn is_open(status: CaseStatus) -> bool {
    !matches!(status, CaseStatus::Closed | CaseStatus::Duplicate | CaseStatus::Transferred)
}

fn risk_rank(risk: RiskLevel) -> u8 {
    match risk {
        RiskLevel::High => 0,
        RiskLevel::Medium => 1,
        RiskLevel::Low => 2,
    }
}

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    ui: Ui,
    may_hold_cases: bool,
    cases: Vec<CaseRow>,
    open_count: String,
    high_count: String,
    /// The work list: tasks due, approvals waiting, referrals and transfers.
    work: Option<WorkLists>,
    /// New alerts sent to the organisation, most urgent first.
    alerts: Option<super::alerts::NewAlerts>,
}

/// `GET /`: *My work*, the home page; `?tasks=all` shows longer work lists.
pub async fn my_work(State(state): State<AppState>, session: WebSession, RawQuery(query): RawQuery) -> Response {
    let ui = Ui::for_session(&session, "my-work");
    let user = &session.session.user;
    if !role_may(user.role, Permission::ListCases) {
        return page(
            StatusCode::OK,
            &MyWorkPage {
                ui,
                may_hold_cases: false,
                cases: Vec::new(),
                open_count: String::new(),
                high_count: String::new(),
                work: None,
                alerts: None,
            },
        );
    }
    let filter = CaseFilter {
        query: None,
        status: None,
        risk_level: None,
        assigned_to: Some(user.id.clone()),
        page: 1,
        per_page: MY_WORK_LIMIT,
    };
    let scope = case_scope(&session.session.actor());
    let tasks = if query.as_deref() == Some("tasks=all") { WORK_LIST_LIMIT } else { MY_WORK_TASKS };
    // Three reads, each audited: at once rather than one after the other.
    let audit = session.session.audit();
    let (found, work, alerts) = tokio::join!(
        state.store.list_cases(&audit, &scope, filter),
        work_lists(&state, &session, &ui, tasks),
        super::alerts::new_alerts(&state, &session, &ui),
    );
    let found = match found {
        Ok(found) => found,
        Err(error) => return failure(ui, error.into()),
    };
    let mut open: Vec<&CaseSummary> = found.cases.iter().filter(|c| is_open(c.status)).collect();
    open.sort_by_key(|c| (risk_rank(c.risk_level), std::cmp::Reverse(c.updated_at)));
    let high = open.iter().filter(|c| c.risk_level == RiskLevel::High).count();
    let cases = open.iter().map(|c| CaseRow::new(&ui, c)).collect();
    let open_count = ui.language.number(open.len() as i64);
    let high_count = ui.language.number(high as i64);
    let work = match work {
        Ok(work) => Some(work),
        Err(error) => return failure(ui, error.into()),
    };
    let alerts = match alerts {
        Ok(alerts) => alerts,
        Err(error) => return failure(ui, error.into()),
    };
    page(StatusCode::OK, &MyWorkPage { ui, may_hold_cases: true, cases, open_count, high_count, work, alerts })
}

/// A value of a `<select>`.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub(super) fn choices<T: Copy>(
    ui: &Ui,
    all: &[T],
    wire: fn(T) -> &'static str,
    prefix: &str,
    current: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|value| {
            let value = wire(*value);
            Choice { value, label: ui.t(&format!("{prefix}-{value}")), selected: value == current }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CaseListPage {
    ui: Ui,
    q: String,
    statuses: Vec<Choice>,
    risks: Vec<Choice>,
    rows: Vec<CaseRow>,
    summary: String,
    previous: Option<u32>,
    next: Option<u32>,
    invalid_query: bool,
}

/// The list's form, as received: query string (filters only) or POST body
/// (with the name search, which never goes in a URL).
#[derive(Deserialize, Default)]
struct ListForm {
    q: Option<String>,
    status: Option<String>,
    risk: Option<String>,
    page: Option<String>,
    csrf: Option<String>,
}

/// `GET /cases?status=&risk=&page=`: the list, filtered, without a name search.
pub async fn list(State(state): State<AppState>, session: WebSession, RawQuery(raw): RawQuery) -> Response {
    let form: ListForm = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let form = ListForm { q: None, ..form };
    show_list(&state, &session, form).await
}

/// `POST /cases`: the list with a name search.
pub async fn search(State(state): State<AppState>, session: WebSession, body: Bytes) -> Response {
    let form: ListForm = parse_form(&body).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(form.csrf.as_deref().unwrap_or("")) {
        return refused;
    }
    show_list(&state, &session, form).await
}

async fn show_list(state: &AppState, session: &WebSession, form: ListForm) -> Response {
    let ui = Ui::for_session(session, "cases");
    if !role_may(session.session.user.role, Permission::ListCases) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let q = form.q.unwrap_or_default();
    let status = form.status.unwrap_or_default();
    let risk = form.risk.unwrap_or_default();
    let page_number = form.page.as_deref().and_then(|p| p.parse::<u32>().ok()).filter(|p| (1..=100_000).contains(p));
    let query = q.trim();
    let too_long = query.chars().count() > crate::routes::cases::MAX_QUERY_CHARS;
    let filter = CaseFilter {
        query: (!query.is_empty() && !too_long).then(|| query.to_string()),
        status: CaseStatus::parse(&status).ok(),
        risk_level: RiskLevel::parse(&risk).ok(),
        assigned_to: None,
        page: page_number.unwrap_or(1),
        per_page: PER_PAGE,
    };
    let current_page = filter.page;
    let scope = case_scope(&session.session.actor());
    let found = match state.store.list_cases(&session.session.audit(), &scope, filter).await {
        Ok(found) => found,
        Err(error) => return failure(ui, error.into()),
    };
    let pages = ((found.total.max(0) as u32).div_ceil(PER_PAGE)).max(1);
    let rows = found.cases.iter().map(|c| CaseRow::new(&ui, c)).collect();
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("count", found.total);
    args.set("shown", ui.language.number(found.total));
    args.set("page", ui.language.number(current_page as i64));
    args.set("pages", ui.language.number(pages as i64));
    let summary = ui.language.message("cases-summary", Some(&args));
    let statuses = choices(&ui, CaseStatus::ALL, CaseStatus::as_str, "code-status", &status);
    let risks = choices(&ui, RiskLevel::ALL, RiskLevel::as_str, "code-risk", &risk);
    page(
        StatusCode::OK,
        &CaseListPage {
            ui,
            q,
            statuses,
            risks,
            rows,
            summary,
            previous: (current_page > 1).then(|| current_page - 1),
            next: (current_page < pages).then(|| current_page + 1),
            invalid_query: too_long,
        },
    )
}

/// The registration form as typed, kept whole so that a refused form comes
/// back with everything the caseworker entered.
#[derive(Deserialize, Default, Clone)]
pub struct RegistrationForm {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub date_of_birth: String,
    #[serde(default)]
    pub estimated_age: String,
    #[serde(default)]
    pub age_disputed: Option<String>,
    #[serde(default)]
    pub citizenship: String,
    #[serde(default)]
    pub identification_date: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub risk_level: String,
    #[serde(default)]
    pub protection_status: String,
    #[serde(default)]
    pub consent_given_by: String,
    /// Ticked when the consent also covers sharing with partners (referrals).
    #[serde(default)]
    pub consent_sharing: Option<String>,
    #[serde(default)]
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ui: Ui,
    form: RegistrationForm,
    /// Field name → translated message.
    errors: BTreeMap<&'static str, String>,
    sexes: Vec<Choice>,
    channels: Vec<Choice>,
    risks: Vec<Choice>,
    protection: Vec<Choice>,
    given_by: Vec<Choice>,
}

impl RegisterPage {
    fn new(ui: Ui, form: RegistrationForm, errors: BTreeMap<&'static str, String>) -> Self {
        let sexes = choices(&ui, Gender::ALL, Gender::as_str, "code-sex", &form.sex);
        let channels =
            choices(&ui, IdentificationChannel::ALL, IdentificationChannel::as_str, "code-channel", &form.channel);
        let risks = choices(&ui, RiskLevel::ALL, RiskLevel::as_str, "code-risk", &form.risk_level);
        let protection =
            choices(&ui, ProtectionStatus::ALL, ProtectionStatus::as_str, "code-protection", &form.protection_status);
        let given_by =
            choices(&ui, ConsentGivenBy::ALL, ConsentGivenBy::as_str, "code-given-by", &form.consent_given_by);
        RegisterPage { ui, form, errors, sexes, channels, risks, protection, given_by }
    }

    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// `GET /cases/new`.
pub async fn new_form(session: WebSession) -> Response {
    let ui = Ui::for_session(&session, "register");
    if !role_may(session.session.user.role, Permission::RegisterCase) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let form = RegistrationForm { identification_date: today().format("%Y-%m-%d").to_string(), ..Default::default() };
    page(StatusCode::OK, &RegisterPage::new(ui, form, BTreeMap::new()))
}

/// The form's field that shows a validation problem of `path`, and the
/// message key explaining it.
pub(super) fn field_of(path: &str) -> (&'static str, &'static str) {
    match path {
        "child.given_name" => ("given_name", "error-given-name"),
        "child.family_name" => ("family_name", "error-family-name"),
        "child.sex" => ("sex", "error-sex"),
        "child.date_of_birth" => ("date_of_birth", "error-age"),
        "child.estimated_age" => ("estimated_age", "error-estimated-age"),
        p if p.starts_with("child.citizenship") => ("citizenship", "error-citizenship"),
        "identification.date" => ("identification_date", "error-identification-date"),
        "identification.place" => ("place", "error-place"),
        "identification.channel" => ("channel", "error-channel"),
        "risk_level" => ("risk_level", "error-risk"),
        "protection_status" => ("protection_status", "error-protection"),
        p if p.starts_with("consents") => ("consent_given_by", "error-consent"),
        _ => ("given_name", "error-invalid"),
    }
}

/// Builds the API's registration body from the form. Problems the API body
/// cannot express (an age that is not a number) are reported directly.
pub(super) fn registration_input(
    form: &RegistrationForm,
    errors: &mut BTreeMap<&'static str, String>,
    ui: &Ui,
) -> NewCaseInput {
    let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let estimated_age = match form.estimated_age.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(years) => Some(years),
            Err(_) => {
                errors.insert("estimated_age", ui.t("error-estimated-age"));
                None
            }
        },
    };
    let citizenship = form
        .citizenship
        .split([',', ' '])
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>();
    if form.consent_sharing.is_some() && optional(&form.consent_given_by).is_none() {
        errors.insert("consent_given_by", ui.t("error-consent"));
    }
    let purposes: &[&str] = if form.consent_sharing.is_some() { &["services", "sharing"] } else { &["services"] };
    let consents = optional(&form.consent_given_by).map(|given_by| {
        purposes
            .iter()
            .map(|purpose| ConsentInput {
                purpose: purpose.to_string(),
                given_by: given_by.clone(),
                date: form.identification_date.trim().to_string(),
                withheld: None,
                legal_basis: None,
            })
            .collect()
    });
    NewCaseInput {
        child: ChildInput {
            given_name: form.given_name.clone(),
            family_name: optional(&form.family_name),
            other_names: None,
            sex: form.sex.clone(),
            date_of_birth: optional(&form.date_of_birth),
            estimated_age,
            age_disputed: Some(form.age_disputed.is_some()),
            citizenship: Some(citizenship),
            languages: None,
        },
        identification: IdentificationInput {
            date: form.identification_date.trim().to_string(),
            place: form.place.clone(),
            channel: form.channel.clone(),
            local_structure: None,
        },
        risk_level: form.risk_level.clone(),
        protection_status: optional(&form.protection_status),
        assigned_to: None,
        consents,
    }
}

/// `POST /cases/new`: registers the child and opens the case page; a refused
/// form comes back as typed, each problem beside its field.
pub async fn register(State(state): State<AppState>, session: WebSession, body: Bytes) -> Response {
    let form: RegistrationForm = parse_form(&body).unwrap_or_default();
    if let Some(refused) = session.refuse_forged(&form.csrf) {
        return refused;
    }
    let ui = Ui::for_session(&session, "register");
    if !role_may(session.session.user.role, Permission::RegisterCase) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let mut errors = BTreeMap::new();
    let input = registration_input(&form, &mut errors, &ui);
    let parsed = NewCase::parse(input, today());
    let case = match parsed {
        Ok(case) if errors.is_empty() => case,
        Ok(_) => return page(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage::new(ui, form, errors)),
        Err(invalid) => {
            for path in invalid.fields.keys() {
                let (field, key) = field_of(path);
                errors.entry(field).or_insert_with(|| ui.t(key));
            }
            return page(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage::new(ui, form, errors));
        }
    };
    debug_assert!(session.session.user.role != Role::Caseworker || case.assigned_to.is_none());
    match state.store.create_case(&session.session.audit(), case).await {
        Ok(created) => Redirect::to(&format!("/cases/{}", created.id)).into_response(),
        Err(error) => failure(ui, error.into()),
    }
}

/// A label and value of the case page.
pub struct Fact {
    pub label: String,
    pub value: String,
}

pub struct ConsentRow {
    pub purpose: String,
    pub given_by: String,
    pub date: String,
    pub withheld: String,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    ui: Ui,
    id: String,
    reference: String,
    name: String,
    status: String,
    risk: &'static str,
    risk_label: String,
    identity: Vec<Fact>,
    identification: Vec<Fact>,
    consents: Vec<ConsentRow>,
    /// The workflow's sections and forms (issue #4).
    wf: Workflow,
}

/// `GET /cases/{id}`: the case page. Out of scope is the same 404 page as absent.
pub async fn show(
    State(state): State<AppState>,
    session: WebSession,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let Some(id) = path.ok().and_then(|Path(raw)| CaseId::parse(&raw).ok()) else {
        return error_page(Ui::for_session(&session, "cases"), StatusCode::NOT_FOUND);
    };
    render_case(&state, &session, &id, Typed::default(), None, StatusCode::OK).await
}

pub fn case_page(ui: Ui, case: CaseView, wf: Workflow) -> CasePage {
    let child = &case.child;
    let fact = |label: &str, value: String| Fact { label: ui.t(label), value };
    let dash = || "—".to_string();
    let mut identity = vec![
        fact("field-given-name", child.given_name.clone()),
        fact("field-family-name", child.family_name.clone().unwrap_or_else(dash)),
    ];
    if !child.other_names.is_empty() {
        let names = child.other_names.iter().map(|n| n.name.clone()).collect::<Vec<_>>().join(", ");
        identity.push(fact("case-other-names", names));
    }
    identity.push(fact("field-sex", ui.t(&format!("code-sex-{}", child.sex.as_str()))));
    match (child.date_of_birth, child.estimated_age) {
        (Some(born), _) => identity.push(fact("field-date-of-birth", ui.language.date(born))),
        (None, Some(years)) => identity.push(fact("field-estimated-age", ui.language.number(years as i64))),
        (None, None) => {}
    }
    identity.push(fact("field-age-disputed", ui.t(if child.age_disputed { "case-yes" } else { "case-no" })));
    identity.push(fact(
        "field-citizenship",
        if child.citizenship.is_empty() { dash() } else { child.citizenship.join(", ") },
    ));
    let identification = vec![
        fact("field-identification-date", ui.language.date(case.identification.date)),
        fact("field-place", case.identification.place.clone()),
        fact("field-channel", ui.t(&format!("code-channel-{}", case.identification.channel.as_str()))),
        fact(
            "field-protection-status",
            case.protection_status.map(|p| ui.t(&format!("code-protection-{}", p.as_str()))).unwrap_or_else(dash),
        ),
    ];
    let consents = case
        .consents
        .iter()
        .map(|c| ConsentRow {
            purpose: ui.t(&format!("code-purpose-{}", c.purpose.as_str())),
            given_by: ui.t(&format!("code-given-by-{}", c.given_by.as_str())),
            date: ui.language.date(c.date),
            withheld: c.withheld.clone().unwrap_or_default(),
        })
        .collect();
    let name = match &child.family_name {
        Some(family) => format!("{} {family}", child.given_name),
        None => child.given_name.clone(),
    };
    CasePage {
        id: case.id.to_string(),
        reference: case.reference.clone(),
        name,
        status: ui.t(&format!("code-status-{}", case.status.as_str())),
        risk: case.risk_level.as_str(),
        risk_label: ui.t(&format!("code-risk-{}", case.risk_level.as_str())),
        identity,
        identification,
        consents,
        wf,
        ui,
    }
}
