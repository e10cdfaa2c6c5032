//! Builders of inputs, and a standard cast of organisations and users.

use chrono::NaiveDate;
use safepath_domain::case::{NewCase, NewCaseInput};
use safepath_domain::codes::Role;
use safepath_domain::ids::CaseId;
use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput, Organisation};
use safepath_domain::policy::{case_scope, Actor, CaseScope};
use safepath_domain::user::{NewUser, NewUserInput};
use safepath_store::{AuditContext, CaseFilter, RowCounts, Store, StoreError};
use serde_json::{json, Value};

use crate::common::TestStore;

/// The "today" registrations are parsed against; identification dates are in 2026.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).expect("valid date")
}

pub fn system() -> AuditContext {
    AuditContext::system("test")
}

pub fn ctx(actor: &Actor) -> AuditContext {
    AuditContext::user(actor.clone(), "req-1")
}

pub fn scope(actor: &Actor) -> CaseScope {
    case_scope(actor)
}

pub fn new_organisation(name: &str, prefix: &str) -> NewOrganisation {
    NewOrganisation::parse(NewOrganisationInput {
        name: name.into(),
        org_type: "NGO".into(),
        countries: vec!["AL".into()],
        reference_prefix: Some(prefix.into()),
        services: Some(vec!["shelter".into()]),
        contact: None,
    })
    .expect("valid organisation")
}

pub fn new_user(username: &str, role: Role, organisation: &Organisation) -> NewUser {
    NewUser::parse(NewUserInput {
        username: username.into(),
        password: "correct horse battery staple".into(),
        role: role.as_str().into(),
        organisation_id: organisation.id.to_string(),
        language: Some("en".into()),
        display_name: None,
    })
    .expect("valid user")
}

/// An organisation with two caseworkers, a supervisor and an administrator.
pub struct Team {
    pub organisation: Organisation,
    pub caseworker: Actor,
    /// A second caseworker of the same organisation.
    pub colleague: Actor,
    pub supervisor: Actor,
    pub admin: Actor,
}

/// Creates an organisation (reference prefix `prefix`) and its [`Team`].
pub async fn team(store: &TestStore, name: &str, prefix: &str) -> Team {
    let organisation =
        store.create_organisation(&system(), new_organisation(name, prefix)).await.expect("create organisation");
    let lower = prefix.to_lowercase();
    let member = |role: Role, suffix: &str| {
        let user = new_user(&format!("{lower}.{suffix}"), role, &organisation);
        async move {
            let user = store.create_user(&system(), user, "$argon2id$test-hash".into()).await.expect("create user");
            Actor { user_id: user.id, organisation_id: user.organisation_id, role: user.role }
        }
    };
    let caseworker = member(Role::Caseworker, "caseworker").await;
    let colleague = member(Role::Caseworker, "colleague").await;
    let supervisor = member(Role::Supervisor, "supervisor").await;
    let admin = member(Role::Admin, "admin").await;
    Team { organisation, caseworker, colleague, supervisor, admin }
}

/// The JSON body of a registration of `given` `family` (no family name when empty).
pub fn case_json(given: &str, family: &str) -> Value {
    json!({
        "child": {
            "given_name": given,
            "family_name": if family.is_empty() { Value::Null } else { family.into() },
            "sex": "Feminine",
            "estimated_age": 14,
            "citizenship": ["AL"],
            "languages": ["sq"],
        },
        "identification": {"date": "2026-03-15", "place": "Tirana", "channel": "outreach"},
        "risk_level": "high",
    })
}

/// Parses a registration body as the server would.
pub fn new_case(body: Value) -> NewCase {
    let input: NewCaseInput = serde_json::from_value(body).expect("registration JSON matches NewCaseInput");
    NewCase::parse(input, today()).expect("valid registration")
}

/// A registration of `given` `family`, otherwise as [`case_json`].
pub fn child(given: &str, family: &str) -> NewCase {
    new_case(case_json(given, family))
}

/// A registration assigned to `assignee`.
pub fn child_assigned(given: &str, family: &str, assignee: &Actor) -> NewCase {
    let mut body = case_json(given, family);
    body["assigned_to"] = assignee.user_id.to_string().into();
    new_case(body)
}

/// The field names of an `Invalid` error; panics on anything else.
#[track_caller]
pub fn invalid_fields<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Vec<String> {
    match result {
        Err(StoreError::Invalid(errors)) => errors.fields.keys().cloned().collect(),
        other => panic!("expected StoreError::Invalid, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::NotFound)), "expected NotFound, got {result:?}");
}

/// A filter for `query`, first page of 20.
pub fn query(text: &str) -> CaseFilter {
    CaseFilter { query: Some(text.into()), page: 1, per_page: 20, ..Default::default() }
}

/// Ids of the cases `actor` finds with `filter`.
pub async fn find(store: &TestStore, actor: &Actor, filter: CaseFilter) -> Vec<CaseId> {
    let page = store.list_cases(&ctx(actor), &scope(actor), filter).await.expect("list cases");
    assert!(page.total as usize >= page.cases.len(), "total below page size");
    page.cases.into_iter().map(|c| c.id).collect()
}

/// A random id that names nothing.
pub fn unknown_case_id() -> CaseId {
    CaseId::parse(&uuid::Uuid::new_v4().to_string()).expect("a UUID is an id")
}

/// Row counts with the audit trail left out, to check that nothing else changed.
pub fn without_audit(counts: &RowCounts) -> RowCounts {
    RowCounts { audit_events: 0, ..counts.clone() }
}
