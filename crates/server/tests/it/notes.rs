//! Case notes over the API (`GET`/`POST /api/v1/cases/{id}/notes`): scoped
//! like every case read, audited, never in an HTCDS export; hostile input
//! gets API.md's 4xx and writes nothing.

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use serde_json::{json, Value};

use crate::support::{assert_error, child, TestApp};

crate::on_both_backends!(notes_are_scoped_audited_and_never_exported, hostile_notes_are_refused_and_write_nothing);

/// An organisation with a caseworker, a second caseworker and a supervisor.
async fn organisation(app: &TestApp, name: &str, prefix: &str) -> String {
    let org = app.seed_organisation(name, "AL").await;
    for (suffix, role) in [("cw", Role::Caseworker), ("cw2", Role::Caseworker), ("sup", Role::Supervisor)] {
        app.seed_user(&format!("{prefix}.{suffix}"), role, &org).await;
    }
    org
}

async fn register(app: &TestApp, username: &str) -> String {
    let (status, body) = app.sign_in(username).await.post("/api/v1/cases", child("Drita", "Hoxha")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["case"]["id"].as_str().unwrap().to_string()
}

async fn notes_are_scoped_audited_and_never_exported(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    organisation(app, "Athens Child Support", "gr").await;
    let fp_org = app.seed_organisation("Village committee", "AL").await;
    app.seed_user("al.fp", Role::FocalPoint, &fp_org).await;
    let case = register(app, "al.cw").await;
    let cw = app.sign_in("al.cw").await;
    let path = format!("/api/v1/cases/{case}/notes");

    let (status, body) = cw.get(&path).await;
    assert_eq!((status, body.clone()), (StatusCode::OK, json!({"notes": []})), "{body}");
    let events = app.counts().await.audit_events;
    let (status, body) = cw.post(&path, json!({"text": "Called the aunt.\nShe will visit on Monday."})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["note"]["text"], "Called the aunt.\nShe will visit on Monday.", "line breaks kept");
    assert_eq!(body["note"]["author_name"], "al.cw");
    assert_eq!(app.counts().await.case_notes, 1);
    assert_eq!(app.counts().await.audit_events, events + 1, "the note and its audit event, together");
    let (status, _) = cw.post(&path, json!({"text": "Second visit planned."})).await;
    assert_eq!(status, StatusCode::CREATED);

    // Newest first, to the caseworker and to the supervisor of the organisation.
    for reader in ["al.cw", "al.sup"] {
        let (status, body) = app.sign_in(reader).await.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{reader}: {body}");
        let texts: Vec<&str> = body["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap()).collect();
        assert_eq!(texts, ["Second visit planned.", "Called the aunt.\nShe will visit on Monday."], "{reader}");
    }

    // Outside the scope the case does not exist: another caseworker of the
    // same organisation (not assigned), and another organisation.
    let before = app.counts().await;
    for outsider in ["al.cw2", "gr.cw", "gr.sup"] {
        let client = app.sign_in(outsider).await;
        let (status, body) = client.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{outsider}: {body}");
        assert_error(&body, "not_found");
        let (status, body) = client.post(&path, json!({"text": "Not mine to write."})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{outsider}: {body}");
    }
    assert_eq!(app.counts().await.case_notes, before.case_notes, "nothing written outside the scope");
    // A focal point may never write case work (403) nor read it.
    let fp = app.sign_in("al.fp").await;
    assert_eq!(fp.post(&path, json!({"text": "x"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(fp.get(&path).await.0, StatusCode::FORBIDDEN);

    // The HTCDS export of the case holds no note.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/cases/{case}/htcds", app.base))
        .bearer_auth(cw.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let export = response.text().await.unwrap();
    assert!(!export.contains("Called the aunt") && !export.contains("Second visit"), "{export}");

    // The notes endpoints are in the OpenAPI document.
    let (_, doc) = app.client().get("/api/v1/openapi.json").await;
    let ops = &doc["paths"]["/api/v1/cases/{id}/notes"];
    assert!(ops["get"].is_object() && ops["post"].is_object(), "{ops}");
}

async fn hostile_notes_are_refused_and_write_nothing(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let case = register(app, "al.cw").await;
    let cw = app.sign_in("al.cw").await;
    let path = format!("/api/v1/cases/{case}/notes");
    let before = app.counts().await;

    let invalid: Vec<(Value, &str)> = vec![
        (json!({"text": ""}), "text"),
        (json!({"text": "   \n  "}), "text"),
        (json!({"text": "a\u{0000}b"}), "text"),
        (json!({"text": "bell\u{0007}"}), "text"),
        (json!({"text": "x".repeat(4001)}), "text"),
    ];
    for (body, field) in invalid {
        let (status, answer) = cw.post(&path, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_error(&answer, "validation_failed");
        assert!(answer["error"]["fields"][field].is_string(), "{answer}");
    }
    for body in [json!({}), json!({"text": 42}), json!({"text": "ok", "author": "someone else"}), json!(["text"])] {
        let (status, answer) = cw.post(&path, body.clone()).await;
        assert!(matches!(status.as_u16(), 400 | 422), "{body}: {status} {answer}");
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
    let (status, _) = cw.raw(Method::POST, &path, "application/json", b"{\"text\": \"unfinished".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = cw.raw(Method::POST, &path, "text/plain", b"{\"text\": \"hello\"}".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!("{{\"text\": \"{}\"}}", "x".repeat(300 * 1024));
    let (status, _) = cw.raw(Method::POST, &path, "application/json", huge.into_bytes()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    for id in ["not-a-uuid", "..%2F..%2Fetc", "1%20OR%201=1", "00000000-0000-0000-0000-000000000000"] {
        let (status, answer) = cw.post(&format!("/api/v1/cases/{id}/notes"), json!({"text": "hello"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {answer}");
        let (status, _) = cw.get(&format!("/api/v1/cases/{id}/notes")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
    }
    let (status, _) = cw.send(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _) = app.client().post(&path, json!({"text": "anonymous"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Nothing written; only the attempts on a well-formed id were audited.
    let after = app.counts().await;
    assert_eq!(after.case_notes, before.case_notes);
    assert_eq!(after.case_records, before.case_records);
    assert!(after.audit_events - before.audit_events <= 2, "{} audit events", after.audit_events - before.audit_events);

    // SQL and HTML in a note are text, stored and returned verbatim.
    let text = "'); DROP TABLE case_notes; -- <script>alert(1)</script>";
    let (status, body) = cw.post(&path, json!({"text": text})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, body) = cw.get(&path).await;
    assert_eq!(body["notes"][0]["text"], text);
}
