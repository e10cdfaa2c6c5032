//! The core story of issue #2, end to end over HTTP.

use reqwest::StatusCode;
use safepath_domain::codes::Role;
use safepath_store::{AuditVerification, Store};
use serde_json::json;

use crate::support::{assert_error, child, TestApp, PASSWORD};

crate::on_both_backends!(
    core_story,
    sessions_end_and_failures_are_throttled_and_audited,
    idle_and_absolute_timeouts_end_sessions
);

async fn core_story(app: &TestApp) {
    // Bootstrap: one administrator in a network organisation.
    let network = app.seed_organisation("Safepath Network", "CH").await;
    app.seed_user("admin", Role::Admin, &network).await;
    let admin = app.sign_in("admin").await;

    // The admin creates two organisations in two countries, and their users.
    let (status, body) = admin
        .post("/api/v1/organisations", json!({"name": "Terre des hommes Albania", "type": "NGO", "countries": ["AL"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let albania = body["organisation"]["id"].as_str().unwrap().to_string();
    assert_eq!(body["organisation"]["reference_prefix"], "TDHA-AL");
    let (status, body) =
        admin.post("/api/v1/organisations", json!({"name": "Kyma Shelter", "type": "NGO", "countries": ["GRC"]})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let greece = body["organisation"]["id"].as_str().unwrap().to_string();

    let mut users = std::collections::HashMap::new();
    for (username, role, org) in [
        ("al.caseworker", "caseworker", &albania),
        ("al.supervisor", "supervisor", &albania),
        ("gr.caseworker", "caseworker", &greece),
        ("analyst", "analyst", &network),
    ] {
        let (status, body) = admin
            .post(
                "/api/v1/users",
                json!({"username": username, "password": PASSWORD, "role": role, "organisation_id": org, "language": "en"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(body["user"].get("password_hash").is_none());
        users.insert(username, body["user"]["id"].as_str().unwrap().to_string());
    }

    // A caseworker registers a child, with a Cyrillic alias.
    let caseworker = app.sign_in("al.caseworker").await;
    let mut registration = child("Aleksandr", "Smyth");
    registration["child"]["other_names"] = json!([{"name": "Александр Смит", "kind": "transliteration"}]);
    let (status, body) = caseworker.post("/api/v1/cases", registration).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let case = &body["case"];
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["status"], "registered");
    assert_eq!(case["version"], 1);
    assert_eq!(case["reference"], "TDHA-AL-2026-00001");
    assert_eq!(case["assigned_to"].as_str(), Some(users["al.caseworker"].as_str()));
    assert_eq!(case["child"]["other_names"][0]["script"], "Cyrl");

    // Reads it.
    let (status, body) = caseworker.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["case"]["child"]["given_name"], "Aleksandr");

    // Finds it by a misspelled and by a transliterated name, and by spelling variants.
    for query in ["Aleksnder Smith", "Александр", "alexander", "SMYTH aleksandr", "Alexandre"] {
        let (status, body) = caseworker.get(&format!("/api/v1/cases?q={}", urlencode(query))).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(body["total"], 1, "{query} should find the child: {body}");
        assert_eq!(body["cases"][0]["id"], id.as_str());
    }
    let (_, body) = caseworker.get("/api/v1/cases?q=Maria").await;
    assert_eq!(body["total"], 0);

    // The other organisation's caseworker, the admin and the analyst get 404.
    let other = app.sign_in("gr.caseworker").await;
    let analyst = app.sign_in("analyst").await;
    for (who, client) in [("other org caseworker", &other), ("admin", &admin), ("analyst", &analyst)] {
        let (status, body) = client.get(&format!("/api/v1/cases/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
        assert_error(&body, "not_found");
        let (status, _) =
            client.patch(&format!("/api/v1/cases/{id}"), json!({"version": 1, "risk_level": "low"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} update");
    }
    let (_, body) = other.get("/api/v1/cases?q=Aleksandr").await;
    assert_eq!(body["total"], 0, "another organisation's search must not see the child");

    // The supervisor of the owning organisation sees it.
    let supervisor = app.sign_in("al.supervisor").await;
    let (status, body) = supervisor.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["case"]["reference"], "TDHA-AL-2026-00001");

    // Updates with the version read; a stale version gets 409 and changes nothing.
    let (status, body) =
        caseworker.patch(&format!("/api/v1/cases/{id}"), json!({"version": 1, "risk_level": "medium"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["case"]["version"], 2);
    let before = app.counts().await;
    let (status, body) =
        supervisor.patch(&format!("/api/v1/cases/{id}"), json!({"version": 1, "risk_level": "low"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "version_conflict");
    assert_eq!(app.counts().await, before, "a stale update writes nothing");
    let (_, body) = supervisor.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(body["case"]["risk_level"], "medium");

    // The audit chain verifies, then fails after a row is altered.
    assert!(matches!(app.store.verify_audit().await.unwrap(), AuditVerification::Intact { .. }));
    let events = app.counts().await.audit_events;
    assert!(events >= 20, "every sign-in, create, read, list and update is audited ({events})");
    disable_append_only(app).await;
    app.raw_sql("UPDATE audit_events SET outcome = 'not_found' WHERE seq = 5").await;
    match app.store.verify_audit().await.unwrap() {
        AuditVerification::Broken { seq, .. } => assert_eq!(seq, 5),
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

async fn sessions_end_and_failures_are_throttled_and_audited(app: &TestApp) {
    let org = app.seed_organisation("Himal Child Safety", "NP").await;
    app.seed_user("np.caseworker", Role::Caseworker, &org).await;
    let client = app.sign_in("np.caseworker").await;
    assert_eq!(client.get("/api/v1/session").await.0, StatusCode::OK);

    // Sign-out: the token stops working at once.
    let (status, _) = client.send(reqwest::Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = client.get("/api/v1/cases").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthenticated");

    // Wrong password and unknown user: the same 401 and message; both audited.
    let anonymous = app.client();
    let audit_before = app.counts().await.audit_events;
    let (status, wrong_password) =
        anonymous.post("/api/v1/session", json!({"username": "np.caseworker", "password": "not the password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, unknown_user) =
        anonymous.post("/api/v1/session", json!({"username": "nobody", "password": "not the password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, unknown_user);
    assert_eq!(app.counts().await.audit_events, audit_before + 2);

    // Repeated failures are throttled (429), even with the right password, and audited.
    for _ in 0..5 {
        anonymous.post("/api/v1/session", json!({"username": "np.caseworker", "password": "still wrong"})).await;
    }
    let (status, body) =
        anonymous.post("/api/v1/session", json!({"username": "np.caseworker", "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_error(&body, "throttled");
    assert_eq!(app.counts().await.audit_events, audit_before + 2 + 5 + 1);
}

/// Lets raw SQL alter audit rows, as someone with the database files could.
pub async fn disable_append_only(app: &TestApp) {
    match app.backend {
        crate::support::Backend::Sqlite => {
            app.raw_sql("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;").await
        }
        crate::support::Backend::Postgres => app.raw_sql("ALTER TABLE audit_events DISABLE TRIGGER ALL").await,
    }
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn idle_and_absolute_timeouts_end_sessions(app: &TestApp) {
    use std::time::Duration;

    let org = app.seed_organisation("Akwaba Protection", "CI").await;
    app.seed_user("ci.caseworker", Role::Caseworker, &org).await;
    let base = || safepath_server::ServerConfig { password_cost: crate::support::TEST_COST, ..Default::default() };

    // Idle: a session unused for longer than the idle timeout ends, with a clear code.
    let idle =
        TestApp::start_on(app, safepath_server::ServerConfig { idle_timeout: Duration::from_millis(1_000), ..base() })
            .await;
    let client = idle.sign_in("ci.caseworker").await;
    assert_eq!(client.get("/api/v1/session").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (status, body) = client.get("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "session_expired");
    let (status, _) = client.get("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an expired session stays ended");

    // Absolute: even a session in constant use ends after the absolute timeout.
    let absolute = TestApp::start_on(
        app,
        safepath_server::ServerConfig { absolute_timeout: Duration::from_millis(2_000), ..base() },
    )
    .await;
    let client = absolute.sign_in("ci.caseworker").await;
    for _ in 0..3 {
        assert_eq!(client.get("/api/v1/session").await.0, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (status, body) = client.get("/api/v1/session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "session_expired");
}
