//! Possible duplicates and their review (issue #3 §3), on SQLite and
//! PostgreSQL: one child registered twice in two scripts is suggested with
//! the explanation of its score, a supervisor confirms (the newer case becomes
//! `duplicate` through the workflow) and can undo it; twins are not
//! suggested; nothing outside the caller's scope is ever suggested; role
//! refusals are 403 and ids outside the scope 404, writing nothing.

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use safepath_store::{AuditVerification, Store};
use serde_json::{json, Value};

use crate::support::{Client, TestApp};

crate::on_both_backends!(
    one_child_in_two_scripts_is_suggested_confirmed_and_unmerged,
    suggestions_stay_within_the_callers_scope,
    refusals_and_hostile_ids_write_nothing,
);

/// A registration with a date of birth.
pub fn registration(given: &str, family: &str, date_of_birth: &str, consents: &[&str]) -> Value {
    let consents: Vec<Value> =
        consents.iter().map(|p| json!({"purpose": p, "given_by": "child", "date": "2026-11-01"})).collect();
    json!({
        "child": {"given_name": given, "family_name": family, "sex": "Feminine", "date_of_birth": date_of_birth,
                  "citizenship": ["AL"], "languages": ["sq"]},
        "identification": {"date": "2026-11-01", "place": "Tirana", "channel": "outreach"},
        "risk_level": "high",
        "consents": consents
    })
}

pub async fn register(client: &Client, body: Value) -> String {
    let (status, response) = client.post("/api/v1/cases", body).await;
    assert_eq!(status, StatusCode::CREATED, "{response}");
    response["case"]["id"].as_str().unwrap().to_string()
}

async fn status_of(client: &Client, id: &str) -> String {
    let (status, body) = client.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["case"]["status"].as_str().unwrap().to_string()
}

async fn duplicates(client: &Client, id: &str) -> Vec<Value> {
    let (status, body) = client.get(&format!("/api/v1/cases/{id}/duplicates")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["duplicates"].as_array().unwrap().clone()
}

async fn queue(client: &Client) -> Vec<Value> {
    let (status, body) = client.get("/api/v1/duplicates").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["suggestions"].as_array().unwrap().clone()
}

struct World {
    supervisor: Client,
    caseworker: Client,
    other_supervisor: Client,
}

async fn world(app: &TestApp) -> World {
    let org = app.seed_organisation("Tirana Child Rights", "AL").await;
    let other = app.seed_organisation("Border Police", "GR").await;
    app.seed_user("supervisor", Role::Supervisor, &org).await;
    app.seed_user("caseworker", Role::Caseworker, &org).await;
    app.seed_user("other_supervisor", Role::Supervisor, &other).await;
    World {
        supervisor: app.sign_in("supervisor").await,
        caseworker: app.sign_in("caseworker").await,
        other_supervisor: app.sign_in("other_supervisor").await,
    }
}

async fn one_child_in_two_scripts_is_suggested_confirmed_and_unmerged(app: &TestApp) {
    let w = world(app).await;
    let first = register(&w.supervisor, registration("Elena", "Petrova", "2012-03-04", &["services"])).await;
    // The same child, registered again from a Cyrillic document.
    let second = register(&w.supervisor, registration("Елена", "Петрова", "2012-03-04", &["services"])).await;
    // Her twin sister: same family name, same date of birth, another given name.
    let twin = register(&w.supervisor, registration("Maria", "Petrova", "2012-03-04", &["services"])).await;
    // The same child known to another organisation: never suggested here.
    let elsewhere = register(&w.other_supervisor, registration("Elena", "Petrova", "2012-03-04", &["services"])).await;

    let found = duplicates(&w.supervisor, &second).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let suggestion = &found[0];
    assert_eq!(suggestion["case_id"], first.as_str());
    let probability = suggestion["probability"].as_f64().unwrap();
    assert!(probability >= 0.9, "{suggestion}");
    let contributions = suggestion["explanation"]["contributions"].as_array().unwrap();
    let given = contributions.iter().find(|c| c["field"] == "given_name").expect("given name compared");
    assert!(given["bits"].as_f64().unwrap() > 0.0, "{given}");
    assert!(contributions.iter().any(|c| c["field"] == "date_of_birth" && c["level"] == "exact"));
    for id in [&twin, &elsewhere] {
        assert!(found.iter().all(|d| d["case_id"] != id.as_str()), "{id} suggested: {found:?}");
    }
    // The twin's own candidates: not her sister.
    let twins = duplicates(&w.supervisor, &twin).await;
    assert!(twins.is_empty(), "twins suggested: {twins:?}");

    // The review queue: the pair, once, for this organisation only.
    let pending = queue(&w.supervisor).await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    let suggestion_id = pending[0]["id"].as_str().unwrap().to_string();
    assert_eq!(pending[0]["status"], "pending");
    assert!(queue(&w.other_supervisor).await.is_empty());

    // Confirmed by the supervisor: the newer case is a duplicate of the older.
    let (status, body) = w.supervisor.post(&format!("/api/v1/duplicates/{suggestion_id}/confirm"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["suggestion"]["status"], "confirmed");
    assert_eq!(body["suggestion"]["merged_case_id"], second.as_str());
    assert_eq!(body["suggestion"]["kept_case_id"], first.as_str());
    assert_eq!(status_of(&w.supervisor, &second).await, "duplicate");
    assert_eq!(status_of(&w.supervisor, &first).await, "registered");
    // Both histories are kept; the merge went through the workflow.
    let (status, history) = w.supervisor.get(&format!("/api/v1/cases/{second}/history")).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert!(history.to_string().contains("duplicate"), "{history}");
    let (status, _) = w.supervisor.get(&format!("/api/v1/cases/{first}/history")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(queue(&w.supervisor).await.is_empty());
    // Decided once: a second confirmation is a conflict.
    let (status, body) = w.supervisor.post(&format!("/api/v1/duplicates/{suggestion_id}/confirm"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // A merged case is not suggested again from the kept one.
    assert!(duplicates(&w.supervisor, &first).await.is_empty());

    // Undone: back to the status it had, and the pair is not suggested again.
    let (status, body) = w.supervisor.post(&format!("/api/v1/cases/{first}/unmerge"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = w.supervisor.post(&format!("/api/v1/cases/{second}/unmerge"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"]["from"], "duplicate");
    assert_eq!(body["status"]["to"], "registered");
    assert_eq!(status_of(&w.supervisor, &second).await, "registered");
    // Both moves are in the case's status history, the undo as the
    // workflow's own step.
    let (status, body) = w.supervisor.get(&format!("/api/v1/cases/{second}/history")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let moves: Vec<(&str, &str, &str)> = body["history"]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["from"].as_str().unwrap(), s["action"].as_str().unwrap(), s["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        moves[moves.len() - 2..],
        [("registered", "mark_duplicate", "duplicate"), ("duplicate", "unmerge", "registered")],
        "{moves:?}"
    );
    assert!(duplicates(&w.supervisor, &second).await.is_empty());
    assert!(queue(&w.supervisor).await.is_empty());

    // A rejected pair is remembered.
    let again = register(&w.supervisor, registration("Elena", "Petrova", "2012-03-04", &["services"])).await;
    let found = duplicates(&w.supervisor, &again).await;
    assert_eq!(found.len(), 2, "{found:?}");
    let rejected = found[0]["suggestion_id"].as_str().unwrap().to_string();
    let rejected_case = found[0]["case_id"].as_str().unwrap().to_string();
    let (status, body) = w.supervisor.post(&format!("/api/v1/duplicates/{rejected}/reject"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["suggestion"]["status"], "rejected");
    let found = duplicates(&w.supervisor, &again).await;
    assert!(found.iter().all(|d| d["case_id"] != rejected_case.as_str()), "{found:?}");

    // Everything was audited, field names only, and the chain holds.
    let verification = app.store.verify_audit().await.unwrap();
    assert!(matches!(verification, AuditVerification::Intact { .. }), "{verification:?}");
    let (count, values) = audit_summary(app).await;
    assert!(count >= 6, "linkage events: {count}");
    assert!(!values.contains("Elena") && !values.contains("Petrova"), "values in the audit trail: {values}");
}

async fn suggestions_stay_within_the_callers_scope(app: &TestApp) {
    let w = world(app).await;
    // The caseworker's own registration, and the same child registered by
    // the supervisor (not assigned to the caseworker).
    let own = register(&w.caseworker, registration("Arben", "Hoxha", "2011-06-07", &["services"])).await;
    let other = register(&w.supervisor, registration("Arben", "Hoxha", "2011-06-07", &["services"])).await;
    assert_eq!(status_of(&w.caseworker, &own).await, "registered");

    // The caseworker sees nothing of the case outside their caseload…
    assert!(duplicates(&w.caseworker, &own).await.is_empty());
    // …and the case itself is absent to them.
    let (status, _) = w.caseworker.get(&format!("/api/v1/cases/{other}/duplicates")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The supervisor's scope holds both.
    let found = duplicates(&w.supervisor, &other).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["case_id"], own.as_str());
    // Another organisation's supervisor: 404, and an empty queue.
    let (status, _) = w.other_supervisor.get(&format!("/api/v1/cases/{own}/duplicates")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(queue(&w.other_supervisor).await.is_empty());
}

async fn refusals_and_hostile_ids_write_nothing(app: &TestApp) {
    let w = world(app).await;
    let first = register(&w.supervisor, registration("Fatoumata", "Diallo", "2010-01-02", &["services"])).await;
    let second = register(&w.supervisor, registration("Fatou", "Diallo", "2010-01-02", &["services"])).await;
    let found = duplicates(&w.supervisor, &second).await;
    assert_eq!(found.len(), 1, "nickname not suggested: {found:?}");
    let suggestion = found[0]["suggestion_id"].as_str().unwrap().to_string();

    let confirm = format!("/api/v1/duplicates/{suggestion}/confirm");
    let reject = format!("/api/v1/duplicates/{suggestion}/reject");
    let unmerge = format!("/api/v1/cases/{first}/unmerge");
    let attempts: Vec<(&Client, Method, String, u16)> = vec![
        // Caseworkers see suggestions, never decide them.
        (&w.caseworker, Method::POST, confirm.clone(), 403),
        (&w.caseworker, Method::POST, reject.clone(), 403),
        (&w.caseworker, Method::POST, unmerge.clone(), 403),
        (&w.caseworker, Method::GET, "/api/v1/duplicates".into(), 403),
        // Another organisation: absent.
        (&w.other_supervisor, Method::POST, confirm.clone(), 404),
        (&w.other_supervisor, Method::POST, reject.clone(), 404),
        (&w.other_supervisor, Method::POST, unmerge.clone(), 404),
        // Ids that name nothing.
        (&w.supervisor, Method::POST, "/api/v1/duplicates/not-a-uuid/confirm".into(), 404),
        (&w.supervisor, Method::POST, format!("/api/v1/duplicates/{}/confirm", "x".repeat(10_000)), 404),
        (&w.supervisor, Method::POST, "/api/v1/duplicates/%00/reject".into(), 404),
        (&w.supervisor, Method::GET, "/api/v1/cases/%27%20OR%201=1--/duplicates".into(), 404),
        (&w.supervisor, Method::POST, "/api/v1/cases/not-a-case/unmerge".into(), 404),
        (&w.supervisor, Method::DELETE, confirm.clone(), 405),
    ];
    for (client, method, path, expected) in attempts {
        let before = app.counts().await;
        let rows_before = linkage_rows(app).await;
        let (status, body) = client.send(method.clone(), &path, None).await;
        assert_eq!(status.as_u16(), expected, "{method} {}: {body}", &path[..path.len().min(80)]);
        assert!(body["error"]["code"].is_string(), "{body}");
        let after = app.counts().await;
        // A refused role or a malformed id writes nothing; an attempt on an
        // id of another organisation is audited as that (404), like case reads.
        if expected != 404 || path.contains("not-a") || path.contains("%") || path.contains("xxxx") {
            assert_eq!(before, after, "{method} {}", &path[..path.len().min(80)]);
        } else {
            assert_eq!(before.cases, after.cases);
            assert_eq!(before.case_status_history, after.case_status_history);
        }
        assert_eq!(rows_before, linkage_rows(app).await);
    }
    assert_eq!(status_of(&w.supervisor, &first).await, "registered");
    assert_eq!(status_of(&w.supervisor, &second).await, "registered");
    assert_eq!(queue(&w.supervisor).await.len(), 1);
}

/// Rows of the linkage tables, and their statuses.
pub async fn linkage_rows(app: &TestApp) -> Vec<String> {
    query_strings(
        app,
        "SELECT id || ':' || status AS v FROM duplicate_suggestions
         UNION ALL SELECT id AS v FROM tracing_requests
         UNION ALL SELECT request_id || ':' || case_id AS v FROM tracing_confirmations ORDER BY v",
    )
    .await
}

/// The number of linkage audit events, and every audit field list joined.
async fn audit_summary(app: &TestApp) -> (usize, String) {
    let actions = query_strings(
        app,
        "SELECT action || ' ' || fields AS v FROM audit_events
         WHERE action LIKE 'duplicate.%' OR action LIKE 'case.duplicates%' OR action LIKE 'case.match%'
            OR action LIKE 'case.unmerge%' OR action LIKE 'tracing.%'",
    )
    .await;
    let all = query_strings(app, "SELECT fields || COALESCE(target_id, '') AS v FROM audit_events").await;
    (actions.len(), all.join("\n"))
}

pub async fn query_strings(app: &TestApp, sql: &str) -> Vec<String> {
    use sqlx::{Connection, Row};
    match app.backend {
        crate::support::Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&app.raw_url).await.unwrap();
            let rows = sqlx::query(sql).fetch_all(&mut conn).await.unwrap();
            rows.iter().map(|r| r.get::<String, _>("v")).collect()
        }
        crate::support::Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.raw_url).await.unwrap();
            let schema = app.schema.as_deref().unwrap();
            sqlx::query(&format!("SET search_path TO {schema}")).execute(&mut conn).await.unwrap();
            let rows = sqlx::query(sql).fetch_all(&mut conn).await.unwrap();
            rows.iter().map(|r| r.get::<String, _>("v")).collect()
        }
    }
}
