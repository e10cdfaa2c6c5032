//! Who may read, list, update and register which case, over HTTP: every role
//! × every relation to a case × every action, checked against DOMAIN.md's role
//! table as `safepath_domain::policy` implements it. Then the reassignment
//! rules, cookie sessions with their CSRF token, and the security headers.
//!
//! The matrix is a table of rows (actor, role, relation, case, action,
//! expected, actual); a failure prints the whole table with the wrong rows
//! marked, so that one run shows every hole at once.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use safepath_domain::ids::{OrganisationId, UserId};
use safepath_domain::policy::{case_scope, Actor, CaseAccessFacts};
use serde_json::{json, Value};

use crate::support::{assert_error, child, read, Client, TestApp, PASSWORD};

crate::on_both_backends!(
    role_relation_action_matrix,
    only_supervisors_reassign_and_only_within_their_organisation,
    cookie_sessions_need_the_csrf_token_to_change_anything,
    responses_carry_the_security_headers
);

// ---------------------------------------------------------------------------
// The expected matrix.

/// How a case stands to the user asking for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Relation {
    /// Owned by the user's organisation and assigned to the user.
    OwnMine,
    /// Owned by the user's organisation, assigned to a colleague.
    OwnColleagues,
    /// Owned by the user's organisation, assigned to nobody.
    OwnUnassigned,
    /// Owned by another organisation, assigned to someone there.
    OtherAssigned,
    /// Owned by another organisation, assigned to nobody.
    OtherUnassigned,
}

impl Relation {
    const ALL: [Relation; 5] = [
        Relation::OwnMine,
        Relation::OwnColleagues,
        Relation::OwnUnassigned,
        Relation::OtherAssigned,
        Relation::OtherUnassigned,
    ];

    fn column(self) -> usize {
        Relation::ALL.iter().position(|r| *r == self).unwrap()
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Relation::OwnMine => "own org, assigned to me",
            Relation::OwnColleagues => "own org, assigned to a colleague",
            Relation::OwnUnassigned => "own org, unassigned",
            Relation::OtherAssigned => "other org, assigned there",
            Relation::OtherUnassigned => "other org, unassigned",
        })
    }
}

/// DOMAIN.md's role table for children's identifying data: which relations
/// each role may read and update (and finds in its case list). Columns in
/// `Relation::ALL` order.
const SEES: &[(Role, [bool; 5])] = &[
    //                   own/mine own/colleague own/unassigned other/assigned other/unassigned
    (Role::Caseworker, [true, false, false, false, false]),
    (Role::Supervisor, [true, true, true, false, false]),
    (Role::Manager, [false, false, false, false, false]),
    (Role::Analyst, [false, false, false, false, false]),
    (Role::Admin, [false, false, false, false, false]),
    (Role::FocalPoint, [false, false, false, false, false]),
];

/// Roles that may list cases and register children at all; every other role
/// gets 403 for both, whatever the case.
const CASE_WORKERS: &[Role] = &[Role::Caseworker, Role::Supervisor];

fn sees(role: Role, relation: Relation) -> bool {
    SEES.iter()
        .find(|(r, _)| *r == role)
        .map(|(_, row)| row[relation.column()])
        .unwrap_or_else(|| panic!("{role} is missing from SEES"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Read,
    List,
    Update,
    Register,
}

/// What a request came back with: a status, or for a list whether the case was in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Status(u16),
    Listed,
    NotListed,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Status(code) => write!(f, "{code}"),
            Outcome::Listed => f.write_str("listed"),
            Outcome::NotListed => f.write_str("not listed"),
        }
    }
}

fn expected(role: Role, relation: Option<Relation>, action: Action) -> Outcome {
    let works_cases = CASE_WORKERS.contains(&role);
    let visible = relation.is_some_and(|r| sees(role, r));
    match action {
        Action::Read | Action::Update if visible => Outcome::Status(200),
        // Out of scope answers exactly like absent.
        Action::Read | Action::Update => Outcome::Status(404),
        Action::List if !works_cases => Outcome::Status(403),
        Action::List if visible => Outcome::Listed,
        Action::List => Outcome::NotListed,
        Action::Register if works_cases => Outcome::Status(201),
        Action::Register => Outcome::Status(403),
    }
}

struct Row {
    actor: String,
    role: Role,
    relation: Option<Relation>,
    case: String,
    action: Action,
    expected: Outcome,
    actual: Outcome,
    /// Anything else wrong with the answer (error body, policy disagreement).
    note: Option<String>,
}

impl Row {
    fn failed(&self) -> bool {
        self.expected != self.actual || self.note.is_some()
    }
}

fn render(rows: &[Row]) -> String {
    let mut out = format!(
        "   {:<12} {:<11} {:<33} {:<14} {:<9} {:<10} {:<10}\n",
        "actor", "role", "relation", "case", "action", "expected", "actual"
    );
    for row in rows {
        let relation = row.relation.map(|r| r.to_string()).unwrap_or("—".into());
        out.push_str(&format!(
            "{} {:<12} {:<11} {:<33} {:<14} {:<9} {:<10} {:<10} {}\n",
            if row.failed() { "✗ " } else { "  " },
            row.actor,
            row.role.as_str(),
            relation,
            row.case,
            format!("{:?}", row.action),
            row.expected.to_string(),
            row.actual.to_string(),
            row.note.as_deref().unwrap_or("")
        ));
    }
    out
}

// ---------------------------------------------------------------------------
// The world: two organisations, every role in each, cases in every relation.

/// The accounts of each organisation: two caseworkers, a supervisor, and
/// one of each role that holds no cases.
const STAFF: &[(&str, Role)] = &[
    ("cw1", Role::Caseworker),
    ("cw2", Role::Caseworker),
    ("sup", Role::Supervisor),
    ("mgr", Role::Manager),
    ("analyst", Role::Analyst),
    ("admin", Role::Admin),
    ("focal", Role::FocalPoint),
];

/// Cases of each organisation: label and which staff member holds it.
const CASES: &[(&str, Option<&str>)] =
    &[("cw1", Some("cw1")), ("cw2", Some("cw2")), ("sup", Some("sup")), ("unassigned", None)];

struct Member {
    username: String,
    id: String,
    role: Role,
    org: usize,
    client: Client,
}

struct SeededCase {
    label: String,
    id: String,
    org: usize,
    assignee: Option<String>,
}

struct World {
    orgs: [String; 2],
    members: Vec<Member>,
    cases: Vec<SeededCase>,
}

impl World {
    fn member(&self, username: &str) -> &Member {
        self.members.iter().find(|m| m.username == username).unwrap_or_else(|| panic!("no member {username}"))
    }

    fn case(&self, label: &str) -> &SeededCase {
        self.cases.iter().find(|c| c.label == label).unwrap_or_else(|| panic!("no case {label}"))
    }
}

const ORG_PREFIXES: [&str; 2] = ["a", "b"];

async fn seed_world(app: &TestApp) -> World {
    let orgs =
        [app.seed_organisation("Organisation A", "AL").await, app.seed_organisation("Organisation B", "GR").await];
    let mut members = Vec::new();
    for (org, prefix) in ORG_PREFIXES.iter().enumerate() {
        for (name, role) in STAFF {
            let username = format!("{prefix}.{name}");
            let id = app.seed_user(&username, *role, &orgs[org]).await;
            let client = app.sign_in(&username).await;
            members.push(Member { username, id, role: *role, org, client });
        }
    }
    let mut world = World { orgs, members, cases: Vec::new() };
    // Each organisation's supervisor registers its cases (a supervisor may assign).
    for (org, prefix) in ORG_PREFIXES.iter().enumerate() {
        let supervisor = world.member(&format!("{prefix}.sup")).client.clone();
        for (label, holder) in CASES {
            let assignee = holder.map(|h| world.member(&format!("{prefix}.{h}")).id.clone());
            let mut body = child("Child", &format!("{prefix} {label}"));
            if let Some(user) = &assignee {
                body["assigned_to"] = json!(user);
            }
            let (status, body) = supervisor.post("/api/v1/cases", body).await;
            assert_eq!(status, StatusCode::CREATED, "{prefix}/{label}: {body}");
            assert_eq!(body["case"]["assigned_to"].as_str(), assignee.as_deref());
            world.cases.push(SeededCase {
                label: format!("{prefix}/{label}"),
                id: body["case"]["id"].as_str().unwrap().to_string(),
                org,
                assignee,
            });
        }
    }
    world
}

fn relation(member: &Member, case: &SeededCase) -> Relation {
    match (member.org == case.org, &case.assignee) {
        (true, Some(holder)) if *holder == member.id => Relation::OwnMine,
        (true, Some(_)) => Relation::OwnColleagues,
        (true, None) => Relation::OwnUnassigned,
        (false, Some(_)) => Relation::OtherAssigned,
        (false, None) => Relation::OtherUnassigned,
    }
}

/// Whether `policy.rs` itself lets `member` at `case`: the table above must
/// agree with it, or the table (or the policy) is wrong.
fn policy_permits(world: &World, member: &Member, case: &SeededCase) -> bool {
    let actor = Actor {
        user_id: UserId::parse(&member.id).unwrap(),
        organisation_id: OrganisationId::parse(&world.orgs[member.org]).unwrap(),
        role: member.role,
    };
    let owner = OrganisationId::parse(&world.orgs[case.org]).unwrap();
    let assignee = case.assignee.as_deref().map(|a| UserId::parse(a).unwrap());
    case_scope(&actor).permits(CaseAccessFacts { owner: &owner, assigned_to: assignee.as_ref() })
}

/// The API.md error body with `code` when `status` is one; a note otherwise.
fn error_note(status: StatusCode, body: &Value) -> Option<String> {
    let code = match status.as_u16() {
        403 => "forbidden",
        404 => "not_found",
        _ => return None,
    };
    let message_ok = body["error"]["message"].as_str().is_some_and(|m| !m.is_empty());
    (body["error"]["code"] != code || !message_ok).then(|| format!("error body: {body}"))
}

// ---------------------------------------------------------------------------
// 1. The matrix.

async fn role_relation_action_matrix(app: &TestApp) {
    let world = seed_world(app).await;
    let mut versions: HashMap<String, i64> = world.cases.iter().map(|c| (c.id.clone(), 1)).collect();
    let mut rows = Vec::new();
    let mut seen: BTreeSet<(&'static str, Relation)> = BTreeSet::new();

    for member in &world.members {
        // List once: which of the seeded cases does this user find?
        let (list_status, list_body) = member.client.get("/api/v1/cases?per_page=100").await;
        let listed: BTreeSet<String> = list_body["cases"]
            .as_array()
            .map(|cases| cases.iter().filter_map(|c| c["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let list_note = error_note(list_status, &list_body);

        for case in &world.cases {
            let relation = relation(member, case);
            seen.insert((member.role.as_str(), relation));
            let policy_note = (policy_permits(&world, member, case) != sees(member.role, relation))
                .then(|| "SEES disagrees with policy::case_scope".to_string());
            let row = |action, actual, note: Option<String>| Row {
                actor: member.username.clone(),
                role: member.role,
                relation: Some(relation),
                case: case.label.clone(),
                action,
                expected: expected(member.role, Some(relation), action),
                actual,
                note: note.or(policy_note.clone()),
            };

            // List.
            let actual = match list_status {
                StatusCode::OK if listed.contains(&case.id) => Outcome::Listed,
                StatusCode::OK => Outcome::NotListed,
                other => Outcome::Status(other.as_u16()),
            };
            rows.push(row(Action::List, actual, list_note.clone()));

            // Read.
            let path = format!("/api/v1/cases/{}", case.id);
            let (status, body) = member.client.get(&path).await;
            let note = error_note(status, &body).or_else(|| {
                (status == StatusCode::OK && body["case"]["id"] != case.id.as_str())
                    .then(|| format!("read another case: {}", body["case"]["id"]))
            });
            rows.push(row(Action::Read, Outcome::Status(status.as_u16()), note));

            // Update, with the right version: only scope can refuse it.
            let version = versions[&case.id];
            let risk = ["high", "medium", "low"][(version % 3) as usize];
            let (status, body) = member.client.patch(&path, json!({"version": version, "risk_level": risk})).await;
            let mut note = error_note(status, &body);
            if status == StatusCode::OK {
                versions.insert(case.id.clone(), version + 1);
                if body["case"]["version"] != version + 1 || body["case"]["risk_level"] != risk {
                    note = Some(format!("update not applied: {}", body["case"]));
                }
            }
            rows.push(row(Action::Update, Outcome::Status(status.as_u16()), note));
        }
    }

    // Registering a child: the role decides, whatever the case. A refused
    // registration writes nothing.
    for member in &world.members {
        let before = app.counts().await;
        let (status, body) = member.client.post("/api/v1/cases", child("New", &member.username)).await;
        let mut note = error_note(status, &body);
        if status != StatusCode::CREATED && app.counts().await != before {
            note = Some("a refused registration wrote rows".into());
        }
        rows.push(Row {
            actor: member.username.clone(),
            role: member.role,
            relation: None,
            case: "(new)".into(),
            action: Action::Register,
            expected: expected(member.role, None, Action::Register),
            actual: Outcome::Status(status.as_u16()),
            note,
        });
    }

    // Refused updates changed nothing: every case is at the version the
    // successful updates alone account for.
    for case in &world.cases {
        let supervisor = &world.member(&format!("{}.sup", ORG_PREFIXES[case.org])).client;
        let (_, body) = supervisor.get(&format!("/api/v1/cases/{}", case.id)).await;
        assert_eq!(body["case"]["version"], versions[&case.id], "{}: a refused update changed the case", case.label);
    }

    // The world really covered every role in every relation it can have
    // (only caseworkers and supervisors hold cases, so only they have "mine").
    for (role, _) in SEES {
        for relation in Relation::ALL {
            let possible = relation != Relation::OwnMine || CASE_WORKERS.contains(role);
            assert_eq!(seen.contains(&(role.as_str(), relation)), possible, "coverage of {role} / {relation}");
        }
    }

    let failures = rows.iter().filter(|r| r.failed()).count();
    assert!(
        failures == 0,
        "{failures} of {} access checks disagree with DOMAIN.md's role table:\n{}",
        rows.len(),
        render(&rows)
    );
}

// ---------------------------------------------------------------------------
// 2. Reassignment.

async fn only_supervisors_reassign_and_only_within_their_organisation(app: &TestApp) {
    let world = seed_world(app).await;
    let cw1 = world.member("a.cw1");
    let cw2 = world.member("a.cw2");
    let supervisor = world.member("a.sup");
    let manager = world.member("a.mgr");
    let other_cw = world.member("b.cw1");
    let case = world.case("a/cw1");
    let path = format!("/api/v1/cases/{}", case.id);

    // A caseworker may never (re)assign, not even to themselves: 403, nothing written.
    for target in [&cw2.id, &cw1.id] {
        let before = app.counts().await;
        let (status, body) = cw1.client.patch(&path, json!({"version": 1, "assigned_to": target})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error(&body, "forbidden");
        assert_eq!(app.counts().await, before, "a refused reassignment writes nothing");
    }

    // Nor register a child into a colleague's caseload.
    let before = app.counts().await;
    let mut registration = child("Besa", "Krasniqi");
    registration["assigned_to"] = json!(cw2.id);
    let (status, body) = cw1.client.post("/api/v1/cases", registration).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    assert_eq!(app.counts().await, before);

    // A supervisor may not assign outside the organisation, nor to someone who
    // holds no cases, nor to nobody: 422 on `assigned_to`, nothing written.
    let unknown = uuid::Uuid::new_v4().to_string();
    for (why, target) in [
        ("caseworker of another organisation", &other_cw.id),
        ("manager of the own organisation", &manager.id),
        ("no such user", &unknown),
    ] {
        let before = app.counts().await;
        let (status, body) = supervisor.client.patch(&path, json!({"version": 1, "assigned_to": target})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {body}");
        assert_error(&body, "validation_failed");
        assert!(body["error"]["fields"]["assigned_to"].is_string(), "{why}: {body}");
        assert_eq!(app.counts().await, before, "{why}: nothing written");

        let before = app.counts().await;
        let mut registration = child("Dritan", "Gashi");
        registration["assigned_to"] = json!(target);
        let (status, body) = supervisor.client.post("/api/v1/cases", registration).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "register, {why}: {body}");
        assert!(body["error"]["fields"]["assigned_to"].is_string(), "{why}: {body}");
        assert_eq!(app.counts().await, before, "register, {why}: nothing written");
    }

    // Another organisation's supervisor cannot reach the case at all.
    let (status, _) =
        world.member("b.sup").client.patch(&path, json!({"version": 1, "assigned_to": other_cw.id})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Within the organisation, the supervisor reassigns; the case moves with it.
    let (status, body) = supervisor.client.patch(&path, json!({"version": 1, "assigned_to": cw2.id})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["case"]["assigned_to"], cw2.id.as_str());
    assert_eq!(body["case"]["version"], 2);
    assert_eq!(cw1.client.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(cw2.client.get(&path).await.0, StatusCode::OK);

    // And registers straight into a caseworker's caseload.
    let mut registration = child("Elira", "Berisha");
    registration["assigned_to"] = json!(cw2.id);
    let (status, body) = supervisor.client.post("/api/v1/cases", registration).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["case"]["assigned_to"], cw2.id.as_str());
}

// ---------------------------------------------------------------------------
// 3. Cookie sessions and CSRF.

/// A browser-like request: the session cookie, optionally `X-CSRF-Token`, no bearer token.
async fn with_cookie(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", app.base)).header("cookie", cookie);
    if let Some(token) = csrf {
        request = request.header("x-csrf-token", token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request.send().await.expect("request sent")).await
}

struct BrowserSession {
    /// `safepath_session=<token>`, as a browser would send it back.
    cookie: String,
    csrf_token: String,
    token: String,
}

/// Signs in as a browser would and checks the cookie's flags.
async fn browser_sign_in(app: &TestApp, username: &str) -> BrowserSession {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("sign-in sent");
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie =
        response.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).expect("sign-in sets a cookie").to_string();
    let body: Value = response.json().await.unwrap();

    let mut parts = set_cookie.split(';').map(str::trim);
    let pair = parts.next().unwrap();
    let attributes: Vec<String> = parts.map(str::to_ascii_lowercase).collect();
    let (name, value) = pair.split_once('=').unwrap();
    assert_eq!(name, "safepath_session", "{set_cookie}");
    assert_eq!(value, body["token"], "the cookie carries the session token");
    for flag in ["httponly", "samesite=strict", "path=/"] {
        assert!(attributes.iter().any(|a| a == flag), "the session cookie lacks {flag}: {set_cookie}");
    }
    BrowserSession {
        cookie: pair.to_string(),
        csrf_token: body["csrf_token"].as_str().expect("csrf_token").to_string(),
        token: body["token"].as_str().unwrap().to_string(),
    }
}

async fn cookie_sessions_need_the_csrf_token_to_change_anything(app: &TestApp) {
    let org = app.seed_organisation("Organisation A", "AL").await;
    app.seed_user("a.cw1", Role::Caseworker, &org).await;
    app.seed_user("a.cw2", Role::Caseworker, &org).await;
    let browser = browser_sign_in(app, "a.cw1").await;
    let other_session = browser_sign_in(app, "a.cw2").await;
    assert_ne!(browser.csrf_token, browser.token);

    // Reads need no CSRF token.
    let (status, body) = with_cookie(app, Method::GET, "/api/v1/session", &browser.cookie, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "a.cw1");
    let (status, _) = with_cookie(app, Method::GET, "/api/v1/cases", &browser.cookie, None, None).await;
    assert_eq!(status, StatusCode::OK);

    // Changes need the session's own CSRF token; anything else is 403 and writes nothing.
    let zeros = "0".repeat(64);
    let refused: [(&str, Option<&str>); 5] = [
        ("no token", None),
        ("empty token", Some("")),
        ("wrong token", Some(&zeros)),
        ("the session token itself", Some(&browser.token)),
        ("another session's CSRF token", Some(&other_session.csrf_token)),
    ];
    for (why, csrf) in refused {
        let before = app.counts().await;
        let (status, body) =
            with_cookie(app, Method::POST, "/api/v1/cases", &browser.cookie, csrf, Some(child("Arta", "Hoxha"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "POST, {why}: {body}");
        assert_error(&body, "csrf_failed");
        assert_eq!(app.counts().await, before, "POST, {why}: nothing written");
    }
    let (status, body) = with_cookie(
        app,
        Method::POST,
        "/api/v1/cases",
        &browser.cookie,
        Some(&browser.csrf_token),
        Some(child("Arta", "Hoxha")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let path = format!("/api/v1/cases/{}", body["case"]["id"].as_str().unwrap());

    for (why, csrf) in refused {
        let before = app.counts().await;
        let (status, body) = with_cookie(
            app,
            Method::PATCH,
            &path,
            &browser.cookie,
            csrf,
            Some(json!({"version": 1, "risk_level": "low"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "PATCH, {why}: {body}");
        assert_error(&body, "csrf_failed");
        assert_eq!(app.counts().await, before, "PATCH, {why}: nothing written");
    }
    let (status, body) = with_cookie(
        app,
        Method::PATCH,
        &path,
        &browser.cookie,
        Some(&browser.csrf_token),
        Some(json!({"version": 1, "risk_level": "low"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["case"]["risk_level"], "low");

    // A bearer token is not sent by browsers on their own: no CSRF token needed.
    let api_client = Client { token: Some(browser.token.clone()), ..app.client() };
    let (status, body) = api_client.patch(&path, json!({"version": 2, "risk_level": "medium"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Signing out is a change too; with the token it ends the session.
    let (status, body) = with_cookie(app, Method::DELETE, "/api/v1/session", &browser.cookie, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "csrf_failed");
    let (status, _) =
        with_cookie(app, Method::DELETE, "/api/v1/session", &browser.cookie, Some(&browser.csrf_token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = with_cookie(app, Method::GET, "/api/v1/session", &browser.cookie, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_error(&body, "unauthenticated");
}

// ---------------------------------------------------------------------------
// 4. Security headers, on successes and on errors alike.

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn responses_carry_the_security_headers(app: &TestApp) {
    let org = app.seed_organisation("Organisation A", "AL").await;
    app.seed_user("a.cw1", Role::Caseworker, &org).await;
    let token = app.sign_in("a.cw1").await.token.unwrap();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", app.base);
    let requests = [
        ("200 signed-in read", http.get(url("/api/v1/session")).bearer_auth(&token)),
        ("200 list", http.get(url("/api/v1/cases")).bearer_auth(&token)),
        ("401 not signed in", http.get(url("/api/v1/cases"))),
        ("404 unknown route", http.get(url("/no/such/page"))),
        ("415 wrong content type", http.post(url("/api/v1/session")).body("x")),
        ("200 health", http.get(url("/healthz"))),
    ];
    for (what, request) in requests {
        let response = request.send().await.expect("request sent");
        let headers = response.headers();
        let csp = header(headers, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: CSP must forbid framing: {csp:?}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{what}: CSP must not allow inline or eval'd script: {csp:?}"
        );
        assert!(csp.contains("default-src 'self'"), "{what}: {csp:?}");
        assert_eq!(header(headers, "x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header(headers, "referrer-policy"), "no-referrer", "{what}");
        assert_eq!(header(headers, "cache-control"), "no-store", "{what}");
        assert_eq!(header(headers, "x-frame-options"), "DENY", "{what}");
    }
}
