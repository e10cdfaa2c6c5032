//! Accounts over the API, for deployment scripts (issue #2's scriptable
//! administration): administrators list accounts and deactivate or
//! reactivate them; a deactivated account's open sessions stop at once; no
//! other role may; hostile input is refused with API.md's body and nothing
//! written. On SQLite and PostgreSQL.

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{assert_error, TestApp, PASSWORD};
use crate::workflow_story::World;

on_both_backends!(administrators_deactivate_and_reactivate_accounts, hostile_account_changes_write_nothing);

async fn administrators_deactivate_and_reactivate_accounts(app: &TestApp) {
    let w = World::new(app).await;
    let admin_id = app.seed_user("admin", Role::Admin, &w.tirana).await;
    let admin = app.sign_in("admin").await;
    let (status, body) = admin.get("/api/v1/users").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 5, "{body}");
    let gr_cw = users.iter().find(|u| u["username"] == "gr.cw").expect("listed");
    assert_eq!(gr_cw["id"], w.gr_cw_id.as_str());
    assert_eq!((gr_cw["role"].as_str(), gr_cw["active"].as_bool()), (Some("caseworker"), Some(true)));
    assert!(users.iter().all(|u| u.get("password_hash").is_none() && u.get("password").is_none()), "{body}");

    // No other role may list or change accounts.
    for client in [&w.al_sup, &w.gr_cw] {
        let (status, body) = client.get("/api/v1/users").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) =
            client.send(Method::PATCH, &format!("/api/v1/users/{}", w.gr_cw_id), Some(json!({"active": false}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error(&body, "forbidden");
    }
    assert_eq!(w.gr_cw.get("/api/v1/me/work").await.0, StatusCode::OK, "still signed in");

    // Deactivated: the open session stops at once and sign-in is refused.
    let target = format!("/api/v1/users/{}", w.gr_cw_id);
    let (status, body) = admin.send(Method::PATCH, &target, Some(json!({"active": false}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["active"], false);
    let (status, body) = w.gr_cw.get("/api/v1/me/work").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let anonymous = app.client();
    let (status, _) = anonymous.post("/api/v1/session", json!({"username": "gr.cw", "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Reactivated: signs in again.
    let (status, body) = admin.send(Method::PATCH, &target, Some(json!({"active": true}))).await;
    assert_eq!((status, body["user"]["active"].clone()), (StatusCode::OK, Value::Bool(true)), "{body}");
    assert_eq!(app.sign_in("gr.cw").await.get("/api/v1/me/work").await.0, StatusCode::OK);

    // An administrator cannot lock themselves out.
    let (status, body) =
        admin.send(Method::PATCH, &format!("/api/v1/users/{admin_id}"), Some(json!({"active": false}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_error(&body, "workflow_conflict");
    // The document describes both.
    let (_, openapi) = admin.get("/api/v1/openapi.json").await;
    assert!(openapi["paths"]["/api/v1/users"]["get"].is_object());
    assert!(openapi["paths"]["/api/v1/users/{id}"]["patch"].is_object());
}

async fn hostile_account_changes_write_nothing(app: &TestApp) {
    let w = World::new(app).await;
    app.seed_user("admin", Role::Admin, &w.tirana).await;
    let admin = app.sign_in("admin").await;
    let target = format!("/api/v1/users/{}", w.gr_cw_id);
    let before = app.counts().await;
    // Ids that name nothing: 404, whatever their shape.
    for id in ["00000000-0000-4000-8000-00000000beef", "not-an-id", "%00", "'%20OR%201=1--", &"x".repeat(10_000)] {
        let (status, body) =
            admin.send(Method::PATCH, &format!("/api/v1/users/{id}"), Some(json!({"active": false}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {body}");
        assert_error(&body, "not_found");
    }
    // Wrong shapes: 422 (well-formed but invalid) or 400 (not JSON), never a 500.
    for body in [
        json!({"active": "no"}),
        json!({"active": 0}),
        json!({"active": null}),
        json!({}),
        json!({"active": false, "role": "admin"}),
        json!([false]),
        json!(null),
    ] {
        let (status, response) = admin.send(Method::PATCH, &target, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {response}");
        assert_error(&response, "validation_failed");
    }
    let (status, body) = admin.raw(Method::PATCH, &target, "application/json", b"{\"active\": fal".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "malformed_request");
    let (status, body) = admin.raw(Method::PATCH, &target, "text/plain", b"{\"active\": false}".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let mut oversized = b"{\"active\": false, \"x\": \"".to_vec();
    oversized.extend(std::iter::repeat_n(b'a', 300 * 1024));
    oversized.extend(b"\"}");
    let (status, _) = admin.raw(Method::PATCH, &target, "application/json", oversized).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    for method in [Method::DELETE, Method::PUT] {
        let (status, _) = admin.send(method, &target, Some(json!({"active": false}))).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    }
    let (status, _) = app.client().send(Method::PATCH, &target, Some(json!({"active": false}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.counts().await, before, "a refused request wrote something");
    assert_eq!(w.gr_cw.get("/api/v1/me/work").await.0, StatusCode::OK, "the account still works");
}
