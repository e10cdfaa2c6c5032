//! An organisation's workflow settings over HTTP (issue #4): who may read
//! and change them, what a change does to the work list and the standards
//! checklist, and hostile input refused with API.md's body and nothing
//! written; the work list's page size and capped counts. On SQLite and
//! PostgreSQL.

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{assert_error, child, TestApp};
use crate::workflow_story::World;

on_both_backends!(
    settings_belong_to_admins_and_the_organisations_supervisors,
    changed_settings_move_the_work_list_and_the_checklist,
    hostile_settings_are_refused_and_write_nothing,
    the_work_list_sends_the_page_asked_for,
);

fn path(organisation: &str) -> String {
    format!("/api/v1/organisations/{organisation}/settings")
}

async fn settings_belong_to_admins_and_the_organisations_supervisors(app: &TestApp) {
    let w = World::new(app).await;
    app.seed_user("admin", Role::Admin, &w.tirana).await;
    let admin = app.sign_in("admin").await;
    // The defaults of DOMAIN.md, to an administrator and to the supervisor.
    for client in [&admin, &w.al_sup] {
        let (status, body) = client.get(&path(&w.tirana)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let deadlines = body["settings"]["deadlines"].as_array().unwrap();
        assert_eq!(deadlines.len(), 12);
        let assign = deadlines.iter().find(|d| d["risk_level"] == "high" && d["step"] == "assign").unwrap();
        assert_eq!(assign["minutes"], 60);
        assert_eq!(body["settings"]["standards"].as_array().unwrap().len(), 12);
    }
    // An administrator configures any organisation.
    let (status, body) = admin.get(&path(&w.athens)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A caseworker never may (403); another organisation's supervisor finds
    // nothing there (404, as for an organisation that does not exist).
    let (status, body) = w.al_cw.get(&path(&w.tirana)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_error(&body, "forbidden");
    let before = app.counts().await;
    for (client, organisation) in
        [(&w.gr_sup, w.tirana.as_str()), (&w.al_sup, "00000000-0000-4000-8000-00000000beef"), (&w.al_sup, "not-an-id")]
    {
        for method in [Method::GET, Method::PUT] {
            let (status, body) = client.send(method.clone(), &path(organisation), Some(json!({}))).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {organisation}: {body}");
            assert_error(&body, "not_found");
        }
    }
    assert_eq!(app.counts().await, before, "refusals before the store write nothing");
    // The document describes both.
    let (_, openapi) = admin.get("/api/v1/openapi.json").await;
    let described = &openapi["paths"]["/api/v1/organisations/{id}/settings"];
    assert!(described["get"].is_object() && described["put"].is_object(), "{described}");
}

async fn changed_settings_move_the_work_list_and_the_checklist(app: &TestApp) {
    let w = World::new(app).await;
    let (status, body) = w.al_cw.post("/api/v1/cases", child("Arta", "Kola")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["case"]["id"].as_str().unwrap().to_string();
    // The first response to a high-risk child is due in a day by default…
    let due = |work: &Value| -> Vec<(String, String)> {
        ["overdue", "upcoming"]
            .iter()
            .flat_map(|list| work[list].as_array().unwrap().clone())
            .filter(|item| item["case_id"] == id.as_str())
            .map(|item| {
                (item["task"]["kind"]["task"].as_str().unwrap().to_string(), item["task"]["due_at"].to_string())
            })
            .collect()
    };
    let (_, work) = w.al_cw.get("/api/v1/me/work").await;
    let by_default = due(&work);
    assert_eq!(by_default.iter().map(|(task, _)| task.as_str()).collect::<Vec<_>>(), ["first_response"]);
    // …and within one minute once the supervisor says so.
    let body = json!({
        "deadlines": [{"risk_level": "high", "step": "first_response", "minutes": 1}],
        "standards": [{"key": "birth_registered", "label": "Birth registered"}],
    });
    let (status, saved) = w.al_sup.send(Method::PUT, &path(&w.tirana), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, read) = w.al_sup.get(&path(&w.tirana)).await;
    assert_eq!(read, saved);
    let (_, work) = w.al_cw.get("/api/v1/me/work").await;
    let moved = due(&work);
    assert_eq!(moved.len(), 1, "{work}");
    assert_eq!(moved[0].0, "first_response");
    assert!(moved[0].1 < by_default[0].1, "{moved:?} is not earlier than {by_default:?}");
    // The checklist is the organisation's list.
    let check = |key: &str| json!({"key": key, "status": "met", "date": "2026-11-20"});
    let (status, body) = w.al_cw.post(&format!("/api/v1/cases/{id}/standards"), check("guardian_appointed")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["key"].is_string(), "{body}");
    let (_, standards) = w.al_cw.get(&format!("/api/v1/cases/{id}/standards")).await;
    assert_eq!(standards["unmet"].as_array().unwrap().len(), 1, "{standards}");
    let (status, body) = w.al_cw.post(&format!("/api/v1/cases/{id}/standards"), check("birth_registered")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Left out, a part is the defaults again.
    let (status, body) = w.al_sup.send(Method::PUT, &path(&w.tirana), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["settings"]["standards"].as_array().unwrap().len(), 12);
    let (_, work) = w.al_cw.get("/api/v1/me/work").await;
    assert_eq!(due(&work), by_default);
}

async fn hostile_settings_are_refused_and_write_nothing(app: &TestApp) {
    let w = World::new(app).await;
    let target = path(&w.tirana);
    let long = "x".repeat(5_000);
    let invalid: Vec<(Value, &str)> = vec![
        (json!({"deadlines": [{"risk_level": "high", "step": "assign", "minutes": -5}]}), "deadlines[0].minutes"),
        (json!({"deadlines": [{"risk_level": "high", "step": "assign", "minutes": 0}]}), "deadlines[0].minutes"),
        (json!({"deadlines": [{"risk_level": "high", "step": "assign", "minutes": 600_000}]}), "deadlines[0].minutes"),
        (
            json!({"deadlines": [{"risk_level": "high", "step": "assign", "minutes": 9_223_372_036_854_775_807i64}]}),
            "deadlines[0].minutes",
        ),
        (json!({"deadlines": [{"risk_level": "extreme", "step": "assign", "minutes": 60}]}), "deadlines[0].risk_level"),
        (json!({"deadlines": [{"risk_level": "low", "step": "<script>", "minutes": 60}]}), "deadlines[0].step"),
        (
            json!({"deadlines": [{"risk_level": "low", "step": "assign", "minutes": 60},
                                 {"risk_level": "low", "step": "assign", "minutes": 90}]}),
            "deadlines[1]",
        ),
        (
            json!({"deadlines": (0..13).map(|_| json!({"risk_level": "low", "step": "assign", "minutes": 60})).collect::<Vec<_>>()}),
            "deadlines",
        ),
        (json!({"standards": []}), "standards"),
        (
            json!({"standards": (0..101).map(|i| json!({"key": format!("k{i}"), "label": "L"})).collect::<Vec<_>>()}),
            "standards",
        ),
        (json!({"standards": [{"key": "Robert'); DROP TABLE cases;--", "label": "x"}]}), "standards[0].key"),
        (json!({"standards": [{"key": "ok", "label": long}]}), "standards[0].label"),
        (json!({"standards": [{"key": "ok", "label": " "}]}), "standards[0].label"),
        (json!({"standards": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}), "standards[1].key"),
    ];
    let before = app.counts().await;
    for (body, field) in invalid {
        let (status, response) = w.al_sup.send(Method::PUT, &target, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {response}");
        assert_error(&response, "validation_failed");
        assert!(response["error"]["fields"][field].is_string(), "{field} in {response}");
    }
    // Wrong shapes and wrong content are the client's errors, never a 500.
    for body in [json!({"deadlines": "all of them"}), json!({"colour": "red"}), json!([1, 2]), json!(null)] {
        let (status, response) = w.al_sup.send(Method::PUT, &target, Some(body.clone())).await;
        assert!(status.is_client_error(), "{body}: {status} {response}");
        assert!(response["error"]["code"].is_string(), "{response}");
    }
    let (status, _) = w.al_sup.raw(Method::PUT, &target, "application/json", b"{\"deadlines\": [".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = w.al_sup.raw(Method::PUT, &target, "text/plain", b"{}".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) = w.al_sup.send(Method::DELETE, &target, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(app.counts().await, before, "a refused request wrote something");
}

async fn the_work_list_sends_the_page_asked_for(app: &TestApp) {
    let w = World::new(app).await;
    for name in ["Arta", "Besa", "Drita"] {
        let (status, body) = w.al_cw.post("/api/v1/cases", child(name, "Kola")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Three first responses upcoming: all by default, counted exactly.
    let (status, work) = w.al_cw.get("/api/v1/me/work").await;
    assert_eq!(status, StatusCode::OK, "{work}");
    assert_eq!(work["upcoming"].as_array().unwrap().len(), 3, "{work}");
    assert_eq!((work["upcoming_total"].as_u64(), work["upcoming_total_capped"].as_bool()), (Some(3), Some(false)));
    // A page of two: the soonest two, and the count of all three.
    let (status, page) = w.al_cw.get("/api/v1/me/work?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["upcoming"].as_array().unwrap()[..], work["upcoming"].as_array().unwrap()[..2]);
    assert_eq!(page["upcoming_total"], 3);
    // Out of range or not a number: 422 naming the parameter, nothing audited.
    let before = app.counts().await;
    for bad in ["0", "101", "ten", "-1"] {
        let (status, body) = w.al_cw.get(&format!("/api/v1/me/work?limit={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "limit={bad}: {body}");
        assert_error(&body, "validation_failed");
        assert!(body["error"]["fields"]["limit"].is_string(), "{body}");
    }
    // A parameter the list does not know is a malformed request.
    let (status, body) = w.al_cw.get("/api/v1/me/work?per_page=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "malformed_request");
    assert_eq!(app.counts().await.audit_events, before.audit_events);
}
