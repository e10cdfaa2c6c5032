//! Alerts over the API: a focal point's report reaches their organisation's
//! caseworkers and supervisors, who triage it into a case (registered like
//! any other), into situation evidence, or dismiss it with a reason. The
//! access matrix of DOMAIN.md (a focal point can only submit), scoping (an
//! alert of another organisation is 404), and hostile input that writes
//! nothing.

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use safepath_store::{AuditVerification, Store};
use serde_json::{json, Value};

use crate::support::{assert_error, child, TestApp};

crate::on_both_backends!(
    a_focal_points_alert_becomes_a_case,
    alerts_become_evidence_or_are_dismissed_with_a_reason,
    only_the_receiving_organisation_reads_and_triages_an_alert,
    roles_follow_the_access_matrix,
    hostile_alerts_are_refused_and_write_nothing,
);

/// A valid report.
pub(crate) fn report() -> Value {
    json!({
        "reporter": "Teacher, village school",
        "reporter_contact": "+355 69 000 0000",
        "place": "Bus station, Kukës",
        "country": "AL",
        "description": "A girl of about 12 selling at night; a man collects the money.",
        "child": {"name": "Drita", "sex": "Feminine", "estimated_age": 12, "description": "red coat"},
        "urgency": "immediate"
    })
}

/// Two organisations, each with a focal point, a caseworker, a supervisor and
/// an administrator of the network in the first.
async fn network(app: &TestApp) {
    for (name, prefix) in [("Terre des hommes", "tdh"), ("Other NGO", "oth")] {
        let org = app.seed_organisation(name, "AL").await;
        app.seed_user(&format!("{prefix}.fp"), Role::FocalPoint, &org).await;
        app.seed_user(&format!("{prefix}.cw"), Role::Caseworker, &org).await;
        app.seed_user(&format!("{prefix}.sup"), Role::Supervisor, &org).await;
        app.seed_user(&format!("{prefix}.mgr"), Role::Manager, &org).await;
        app.seed_user(&format!("{prefix}.an"), Role::Analyst, &org).await;
        app.seed_user(&format!("{prefix}.admin"), Role::Admin, &org).await;
    }
}

async fn send_alert(app: &TestApp, username: &str) -> String {
    let (status, body) = app.sign_in(username).await.post("/api/v1/alerts", report()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["alert"]["id"].as_str().unwrap().to_string()
}

async fn a_focal_points_alert_becomes_a_case(app: &TestApp) {
    network(app).await;
    let focal = app.sign_in("tdh.fp").await;
    let (status, body) = focal.post("/api/v1/alerts", report()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The sender gets a receipt: nothing of what they wrote comes back.
    let receipt = body["alert"].as_object().unwrap();
    assert_eq!(receipt.keys().collect::<Vec<_>>(), ["id", "received_at"], "{body}");
    let id = receipt["id"].as_str().unwrap().to_string();

    let caseworker = app.sign_in("tdh.cw").await;
    let (status, body) = caseworker.get("/api/v1/alerts?status=new").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let alerts = body["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["id"], id.as_str());
    assert_eq!(alerts[0]["urgency"], "immediate");
    assert_eq!(alerts[0]["details"]["child"]["name"], "Drita");
    assert_eq!(alerts[0]["status"], "new");

    let mut registration = child("Drita", "Hoxha");
    registration["identification"]["channel"] = json!("community_focal_point");
    let (status, body) = caseworker
        .post(&format!("/api/v1/alerts/{id}/triage"), json!({"decision": "case", "case": registration}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["alert"]["status"], "case");
    let case_id = body["alert"]["triage"]["case_id"].as_str().unwrap().to_string();
    // The case holds the child's identity now: the report no longer does.
    let (status, read) = caseworker.get(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    for details in [&body["alert"]["details"], &read["alert"]["details"]] {
        assert!(details["child"]["name"].is_null() && details["child"]["description"].is_null(), "{details}");
        assert_eq!(details["child"]["estimated_age"], 12, "{details}");
        assert!(details["description"].as_str().is_some_and(|d| !d.is_empty()), "{details}");
    }

    // The case is an ordinary registration, assigned to the caseworker who triaged.
    let (status, body) = caseworker.get(&format!("/api/v1/cases/{case_id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["case"]["status"], "registered");
    assert_eq!(body["case"]["identification"]["channel"], "community_focal_point");

    // Triaged once only.
    let (status, body) = caseworker.post(&format!("/api/v1/alerts/{id}/triage"), json!({"decision": "evidence"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "workflow_conflict");
    let (_, body) = caseworker.get("/api/v1/alerts?status=new").await;
    assert_eq!(body["alerts"].as_array().unwrap().len(), 0);

    // The focal point still cannot read the case, nor the alert.
    let (status, _) = focal.get(&format!("/api/v1/cases/{case_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = focal.get(&format!("/api/v1/alerts/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(matches!(app.store.verify_audit().await.unwrap(), AuditVerification::Intact { .. }));
}

async fn alerts_become_evidence_or_are_dismissed_with_a_reason(app: &TestApp) {
    network(app).await;
    let evidence = send_alert(app, "tdh.fp").await;
    let dismissed = send_alert(app, "tdh.cw").await;
    let supervisor = app.sign_in("tdh.sup").await;

    let (status, body) = supervisor
        .post(&format!("/api/v1/alerts/{evidence}/triage"), json!({"decision": "evidence", "note": "third this month"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["alert"]["status"], "evidence");
    assert_eq!(body["alert"]["triage"]["note"], "third this month");
    assert!(body["alert"]["triage"]["case_id"].is_null());

    let before = app.counts().await;
    let (status, body) =
        supervisor.post(&format!("/api/v1/alerts/{dismissed}/triage"), json!({"decision": "dismissed"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["note"].is_string(), "{body}");
    assert_eq!(app.counts().await, before);
    let (status, body) = supervisor
        .post(
            &format!("/api/v1/alerts/{dismissed}/triage"),
            json!({"decision": "dismissed", "note": "the family is known and safe"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["alert"]["status"], "dismissed");
    // Dismissed: nothing that identifies the child or reaches the reporter is kept.
    let details = &body["alert"]["details"];
    assert!(details["child"]["name"].is_null() && details["reporter_contact"].is_null(), "{details}");
    assert_eq!(app.counts().await.cases, 0);

    let (_, body) = supervisor.get("/api/v1/alerts").await;
    let statuses: Vec<&str> =
        body["alerts"].as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&"evidence") && statuses.contains(&"dismissed"), "{statuses:?}");
}

async fn only_the_receiving_organisation_reads_and_triages_an_alert(app: &TestApp) {
    network(app).await;
    let id = send_alert(app, "tdh.fp").await;
    for username in ["oth.cw", "oth.sup"] {
        let other = app.sign_in(username).await;
        let (status, body) = other.get("/api/v1/alerts").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["alerts"].as_array().unwrap().len(), 0, "{username}");
        let before = app.counts().await;
        let (status, body) = other.get(&format!("/api/v1/alerts/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{username}: {body}");
        assert_error(&body, "not_found");
        let (status, body) = other
            .post(&format!("/api/v1/alerts/{id}/triage"), json!({"decision": "dismissed", "note": "not ours"}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{username}: {body}");
        assert_eq!(app.counts().await, before, "{username}: an out-of-scope attempt writes nothing");
    }
    // A well-formed id that names nothing is the same 404.
    let (status, _) = app.sign_in("tdh.cw").await.get("/api/v1/alerts/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn roles_follow_the_access_matrix(app: &TestApp) {
    network(app).await;
    let id = send_alert(app, "tdh.fp").await;
    for (username, may_send, may_read) in [
        ("tdh.fp", true, false),
        ("tdh.cw", true, true),
        ("tdh.sup", true, true),
        ("tdh.mgr", false, false),
        ("tdh.an", false, false),
        ("tdh.admin", false, false),
    ] {
        let client = app.sign_in(username).await;
        let (status, body) = client.post("/api/v1/alerts", report()).await;
        let expected = if may_send { StatusCode::CREATED } else { StatusCode::FORBIDDEN };
        assert_eq!(status, expected, "{username} sends: {body}");
        let (status, body) = client.get("/api/v1/alerts").await;
        let expected = if may_read { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(status, expected, "{username} lists: {body}");
        if !may_read {
            assert_error(&body, "forbidden");
            let (status, _) = client.get(&format!("/api/v1/alerts/{id}")).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{username} reads");
            let (status, _) =
                client.post(&format!("/api/v1/alerts/{id}/triage"), json!({"decision": "evidence"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{username} triages");
        }
    }
    let (status, body) = app.client().post("/api/v1/alerts", report()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Every attempt above that was refused wrote nothing: the alert is still new.
    let (_, body) = app.sign_in("tdh.sup").await.get("/api/v1/alerts?status=new").await;
    assert!(body["alerts"].as_array().unwrap().iter().any(|a| a["id"] == id.as_str()));
}

async fn hostile_alerts_are_refused_and_write_nothing(app: &TestApp) {
    network(app).await;
    let id = send_alert(app, "tdh.fp").await;
    let focal = app.sign_in("tdh.fp").await;
    let caseworker = app.sign_in("tdh.cw").await;
    let before = app.counts().await;

    let mut invalid = Vec::new();
    for (field, value) in [
        ("reporter", json!("")),
        ("reporter", json!("x".repeat(10_000))),
        ("place", json!("Kukës\u{0}")),
        ("country", json!("ZZ")),
        ("seen_on", json!("2999-01-01")),
        ("seen_on", json!("yesterday")),
        ("description", json!("   ")),
        ("urgency", json!("whenever")),
    ] {
        let mut body = report();
        body[field] = value;
        invalid.push((field.to_string(), body));
    }
    for (field, value) in [("sex", json!("girl")), ("estimated_age", json!(-3)), ("name", json!("\u{7}"))] {
        let mut body = report();
        body["child"][field] = value;
        invalid.push((format!("child.{field}"), body));
    }
    for (field, body) in invalid {
        let (status, response) = focal.post("/api/v1/alerts", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {response}");
        assert_error(&response, "validation_failed");
        assert!(response["error"]["fields"][&field].is_string(), "{field}: {response}");
    }
    for (body, expected) in [
        (b"{\"reporter\": ".to_vec(), StatusCode::BAD_REQUEST),
        (b"[]".to_vec(), StatusCode::BAD_REQUEST),
        (serde_json::to_vec(&json!({"urgency": "soon", "extra": 1})).unwrap(), StatusCode::BAD_REQUEST),
        (vec![0xff, 0xfe], StatusCode::BAD_REQUEST),
    ] {
        let (status, response) = focal.raw(Method::POST, "/api/v1/alerts", "application/json", body).await;
        assert!(status == expected || status == StatusCode::UNPROCESSABLE_ENTITY, "{status}: {response}");
        assert!(response["error"]["code"].is_string(), "{response}");
    }
    let (status, _) = focal.raw(Method::POST, "/api/v1/alerts", "text/plain", b"help".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = focal.raw(Method::POST, "/api/v1/alerts", "application/json", vec![b' '; 256 * 1024 + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Triage: bad decisions, bad registrations, ids that name nothing, bad queries.
    let triage = format!("/api/v1/alerts/{id}/triage");
    for (body, field) in [
        (json!({"decision": "later"}), "decision"),
        (json!({"decision": "case"}), "case"),
        (json!({"decision": "case", "case": child("", "X")}), "case.child.given_name"),
        (json!({"decision": "evidence", "case": child("A", "B")}), "case"),
        (json!({"decision": "dismissed", "note": "x".repeat(5_000)}), "note"),
    ] {
        let (status, response) = caseworker.post(&triage, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {response}");
        assert!(response["error"]["fields"][field].is_string(), "{field}: {response}");
    }
    for path in ["/api/v1/alerts/1", "/api/v1/alerts/'%20OR%201=1", "/api/v1/alerts/..%2F..%2Fetc%2Fpasswd"] {
        let (status, _) = caseworker.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for query in ["status=open", "status=%ff", "sort=name"] {
        let (status, response) = caseworker.get(&format!("/api/v1/alerts?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {response}");
    }
    // Not a row, not even an audit event: every refusal came before the store.
    assert_eq!(app.counts().await, before);
}
