//! Family tracing (issue #3 §3), on SQLite and PostgreSQL: a family's
//! request is matched only against cases in the caller's scope whose consent
//! allows tracing; a supervisor confirms a match; caseworkers may not
//! (403); another organisation's request is absent (404); hostile input is
//! refused and writes nothing.

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use serde_json::{json, Value};

use crate::duplicates::{linkage_rows, register, registration};
use crate::support::{Client, TestApp};

crate::on_both_backends!(a_family_finds_a_child_whose_consent_allows_tracing, hostile_tracing_requests_write_nothing);

/// Who sends, a JSON body or raw bytes, the status expected, the field named.
type Attempt<'a> = (&'a Client, Option<Value>, Option<Vec<u8>>, u16, Option<&'a str>);

fn request() -> Value {
    json!({
        "given_name": "Amina",
        "family_name": "Diallo",
        "sex": "Feminine",
        "date_of_birth": "2011-05-06",
        "last_seen_place": "Tirana",
        "last_seen_date": "2026-09-01",
        "family_members": [{"name": "Mariama Diallo", "relation": "mother"}, {"name": "Ousmane", "relation": "brother"}]
    })
}

async fn matches(client: &Client, id: &str) -> Vec<Value> {
    let (status, body) = client.get(&format!("/api/v1/tracing-requests/{id}/matches")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["tracing_request"]["request"]["given_name"].is_string(), "{body}");
    body["matches"].as_array().unwrap().clone()
}

async fn a_family_finds_a_child_whose_consent_allows_tracing(app: &TestApp) {
    let org = app.seed_organisation("Tirana Child Rights", "AL").await;
    let other = app.seed_organisation("Border Police", "GR").await;
    app.seed_user("supervisor", Role::Supervisor, &org).await;
    app.seed_user("caseworker", Role::Caseworker, &org).await;
    app.seed_user("other_supervisor", Role::Supervisor, &other).await;
    let supervisor = app.sign_in("supervisor").await;
    let caseworker = app.sign_in("caseworker").await;
    let other_supervisor = app.sign_in("other_supervisor").await;

    let consenting =
        register(&supervisor, registration("Aminata", "Diallo", "2011-05-06", &["services", "tracing"])).await;
    // The same name, without consent to tracing: never matched.
    let without = register(&supervisor, registration("Amina", "Diallo", "2011-05-06", &["services"])).await;
    // Another organisation's child with consent: outside the scope.
    let elsewhere =
        register(&other_supervisor, registration("Amina", "Diallo", "2011-05-06", &["services", "tracing"])).await;

    let (status, body) = caseworker.post("/api/v1/tracing-requests", request()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["tracing_request"]["id"].as_str().unwrap().to_string();
    assert_eq!(body["tracing_request"]["request"]["family_members"][0]["relation"], "mother");

    let found = matches(&supervisor, &id).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["case_id"], consenting.as_str());
    assert!(found[0]["probability"].as_f64().unwrap() >= 0.5, "{}", found[0]);
    assert!(found[0]["explanation"]["contributions"].as_array().unwrap().len() >= 8);
    assert_eq!(found[0]["confirmed"], false);
    for absent in [&without, &elsewhere] {
        assert!(found.iter().all(|m| m["case_id"] != absent.as_str()));
    }
    // The caseworker's scope holds none of these cases.
    assert!(matches(&caseworker, &id).await.is_empty());

    // Another organisation knows nothing of the request.
    let (status, _) = other_supervisor.get(&format!("/api/v1/tracing-requests/{id}/matches")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A reviewer confirms; a caseworker may not; a case without consent cannot be.
    let confirm = |case: &str| format!("/api/v1/tracing-requests/{id}/matches/{case}/confirm");
    let before = app.counts().await;
    let (status, body) = caseworker.post(&confirm(&consenting), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = supervisor.post(&confirm(&without), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = other_supervisor.post(&confirm(&elsewhere), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let after = app.counts().await;
    assert_eq!(before.cases, after.cases);
    let (status, body) = supervisor.post(&confirm(&consenting), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["match"]["confirmed"], true);
    let found = matches(&supervisor, &id).await;
    assert_eq!(found[0]["confirmed"], true);

    // Consent withdrawn or never given: adding a consenting duplicate of the
    // non-consenting child changes nothing for the one without consent.
    let found = matches(&supervisor, &id).await;
    assert!(found.iter().all(|m| m["case_id"] != without.as_str()));
    assert!(app.store_verify().await);
}

async fn hostile_tracing_requests_write_nothing(app: &TestApp) {
    let org = app.seed_organisation("Tirana Child Rights", "AL").await;
    app.seed_user("supervisor", Role::Supervisor, &org).await;
    app.seed_user("admin", Role::Admin, &org).await;
    let supervisor = app.sign_in("supervisor").await;
    let admin = app.sign_in("admin").await;

    let with = |pointer: &str, value: Value| {
        let mut body = request();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let mut unknown = request();
    unknown["is_admin"] = json!(true);
    let mut unknown_member = request();
    unknown_member["family_members"][0]["phone"] = json!("+355");
    let long = "x".repeat(10_000);
    let cases: Vec<Attempt> = vec![
        (&supervisor, None, Some(b"{\"given_name\": ".to_vec()), 400, None),
        (&supervisor, None, Some(b"[1, 2, 3]".to_vec()), 422, None),
        (&supervisor, Some(unknown), None, 422, None),
        (&supervisor, Some(unknown_member), None, 422, None),
        (&supervisor, Some(with("/given_name", json!(long))), None, 422, Some("given_name")),
        (&supervisor, Some(with("/family_members/0/name", json!(long))), None, 422, Some("family_members[0].name")),
        (&supervisor, Some(with("/given_name", json!("Ami\u{0}na"))), None, 422, Some("given_name")),
        (&supervisor, Some(with("/last_seen_place", json!("Tir\u{0}ana"))), None, 422, Some("last_seen_place")),
        (&supervisor, Some(with("/given_name", json!("   "))), None, 422, Some("given_name")),
        (&supervisor, Some(with("/sex", json!("robot"))), None, 422, Some("sex")),
        (&supervisor, Some(with("/last_seen_date", json!("2999-01-01"))), None, 422, Some("last_seen_date")),
        (&supervisor, Some(with("/date_of_birth", json!("04/05/2011"))), None, 422, Some("date_of_birth")),
        (&supervisor, Some(with("/given_name", json!(42))), None, 422, None),
        (&admin, Some(request()), None, 403, None),
    ];
    for (client, body, raw, expected, field) in cases {
        let before = app.counts().await;
        let rows_before = linkage_rows(app).await;
        let (status, response) = match raw {
            Some(bytes) => client.raw(Method::POST, "/api/v1/tracing-requests", "application/json", bytes).await,
            None => client.send(Method::POST, "/api/v1/tracing-requests", body).await,
        };
        let shown = response.to_string();
        assert!(status.is_client_error(), "{status}: {}", &shown[..shown.len().min(300)]);
        if expected != 422 || field.is_some() {
            assert_eq!(status.as_u16(), expected, "{}", &shown[..shown.len().min(300)]);
        }
        if let Some(field) = field {
            assert!(response["error"]["fields"][field].is_string(), "{}", &shown[..shown.len().min(300)]);
        }
        assert!(!shown.contains(&"x".repeat(300)), "the input echoed back");
        assert_eq!(before, app.counts().await);
        assert_eq!(rows_before, linkage_rows(app).await);
    }
    // Ids that name nothing.
    for path in [
        "/api/v1/tracing-requests/not-a-uuid/matches",
        "/api/v1/tracing-requests/%00/matches",
        "/api/v1/tracing-requests/00000000-0000-4000-8000-000000000000/matches/not-a-case/confirm",
    ] {
        let before = app.counts().await;
        let method = if path.ends_with("confirm") { Method::POST } else { Method::GET };
        let (status, _) = supervisor.send(method, path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(before, app.counts().await);
    }
}

impl TestApp {
    async fn store_verify(&self) -> bool {
        use safepath_store::{AuditVerification, Store};
        matches!(self.store.verify_audit().await.unwrap(), AuditVerification::Intact { .. })
    }
}
