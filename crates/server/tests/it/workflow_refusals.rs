//! The workflow's refusals (issue #4), each with API.md's error body and
//! NOTHING written: the row counts of every table, audit_events included,
//! are the same before and after, and the case's status has not moved.
//! Then hostile input on the new endpoints. On SQLite and PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use safepath_store::RowCounts;

use crate::on_both_backends;
use crate::support::{Client, TestApp};
use crate::workflow_story::{approve, bia, bid, day, indicator, plan, referral, transfer, World};

/// Sends one request that must be refused with `status` and `code` (and,
/// for 422, name `field`), and checks that it wrote nothing at all.
async fn refused(
    app: &TestApp,
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    (status, code): (u16, &str),
    field: Option<&str>,
) -> Value {
    let before = app.counts().await;
    let (got, response) = client.send(method.clone(), path, body).await;
    let after = app.counts().await;
    assert_eq!(got.as_u16(), status, "{method} {path}: {response}");
    assert_eq!(response["error"]["code"], code, "{method} {path}: {response}");
    assert!(response["error"]["message"].as_str().is_some_and(|m| !m.trim().is_empty()), "{response}");
    if let Some(field) = field {
        assert!(response["error"]["fields"][field].as_str().is_some_and(|m| !m.is_empty()), "{response}");
    }
    assert_eq!(before, after, "{method} {path} wrote something");
    response
}

async fn status_of(client: &Client, id: &str) -> String {
    let (_, body) = client.get(&format!("/api/v1/cases/{id}")).await;
    body["case"]["status"].as_str().unwrap_or_default().to_string()
}

async fn a_plan_before_an_approved_bia_is_refused(app: &TestApp) {
    let w = World::new(app).await;
    let id = w.register("Arta", true).await;
    let path = format!("/api/v1/cases/{id}/plan");
    let body =
        refused(app, &w.al_cw, Method::POST, &path, Some(plan(&w.athens)), (409, "bia_not_approved"), None).await;
    assert!(body["error"]["message"].as_str().unwrap().contains("best-interest assessment"));
    // A BIA that waits for its approval is not enough either.
    let (status, _) = w.al_cw.post(&format!("/api/v1/cases/{id}/bia"), bia()).await;
    assert_eq!(status, StatusCode::CREATED);
    refused(app, &w.al_cw, Method::POST, &path, Some(plan(&w.athens)), (409, "bia_not_approved"), None).await;
    // Nor may any service but immediate protection start.
    let school = json!({"service_type": "education", "provider_name": "School", "due_date": day(5)});
    let services = format!("/api/v1/cases/{id}/services");
    refused(app, &w.al_cw, Method::POST, &services, Some(school), (409, "bia_not_approved"), None).await;
    assert_eq!(status_of(&w.al_cw, &id).await, "best_interest");
}

async fn a_referral_without_consent_is_refused(app: &TestApp) {
    let w = World::new(app).await;
    let id = w.with_approved_bia("Blerta", false).await;
    let path = format!("/api/v1/cases/{id}/referrals");
    refused(app, &w.al_cw, Method::POST, &path, Some(referral(&w.athens)), (409, "consent_required"), None).await;
    // A caseworker may not override consent; a supervisor needs a reason.
    let mut over = referral(&w.athens);
    over["consent_override_reason"] = json!("The child is in danger");
    refused(app, &w.al_cw, Method::POST, &path, Some(over.clone()), (403, "role_not_permitted"), None).await;
    let mut empty = over.clone();
    empty["consent_override_reason"] = json!("  ");
    refused(app, &w.al_sup, Method::POST, &path, Some(empty), (409, "override_reason_required"), None).await;
    // With the supervisor's reason it goes, and the override is audited.
    let before = app.counts().await;
    let (status, body) = w.al_sup.post(&path, over).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["referral"]["sharing_basis"], "override");
    let after = app.counts().await;
    assert_eq!(after.referrals, before.referrals + 1);
    assert_eq!(after.audit_events, before.audit_events + 1);
}

async fn a_caseworker_may_not_approve(app: &TestApp) {
    let w = World::new(app).await;
    let id = w.register("Dea", true).await;
    let (status, _) = w.al_cw.post(&format!("/api/v1/cases/{id}/bia"), bia()).await;
    assert_eq!(status, StatusCode::CREATED);
    for kind in ["bia", "bid", "case_plan", "transfer", "closure"] {
        let path = format!("/api/v1/cases/{id}/approvals/{kind}");
        refused(app, &w.al_cw, Method::POST, &path, Some(approve()), (403, "role_not_permitted"), None).await;
    }
    // A supervisor's rejection must say why (422).
    let path = format!("/api/v1/cases/{id}/approvals/bia");
    let reject = json!({"decision": "rejected"});
    refused(app, &w.al_sup, Method::POST, &path, Some(reject), (422, "validation_failed"), Some("comment")).await;
    // A supervisor of another organisation does not see the case at all: 404,
    // and, like a `PATCH` of an absent case, only the attempt is audited.
    let before = app.counts().await;
    let (status, body) = w.gr_sup.post(&path, approve()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    let after = app.counts().await;
    assert_eq!(after.audit_events, before.audit_events + 1);
    assert_eq!(RowCounts { audit_events: 0, ..after }, RowCounts { audit_events: 0, ..before });
}

async fn a_receiver_reads_only_shared_sections_until_the_end_date(app: &TestApp) {
    let w = World::new(app).await;
    let id = w.with_approved_bia("Era", true).await;
    let (status, body) = w.al_cw.post(&format!("/api/v1/cases/{id}/referrals"), referral(&w.athens)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rid = body["referral"]["id"].as_str().unwrap().to_string();
    let (status, _) = w.gr_cw.post(&format!("/api/v1/referrals/{rid}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = w.gr_cw.get(&format!("/api/v1/referrals/{rid}/case/summary")).await;
    assert_eq!(status, StatusCode::OK, "a shared section is readable");
    for section in ["identity", "consents", "perpetrators", "exploitation", "no_such_section"] {
        let path = format!("/api/v1/referrals/{rid}/case/{section}");
        refused(app, &w.gr_cw, Method::GET, &path, None, (404, "not_found"), None).await;
    }
    // Perpetrator records, even when a supervisor shares them, reach only the
    // receiver's supervisors.
    let mut with_perpetrators = referral(&w.athens);
    with_perpetrators["sections"] = json!(["summary", "perpetrators"]);
    let (status, body) = w.al_sup.post(&format!("/api/v1/cases/{id}/referrals"), with_perpetrators).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let restricted = body["referral"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/referrals/{restricted}/case/perpetrators");
    refused(app, &w.gr_cw, Method::GET, &path, None, (404, "not_found"), None).await;
    let (status, _) = w.gr_sup.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    // The sender's own staff read the case, not the referral's view of it;
    // a third organisation sees nothing.
    let third = app.seed_organisation("Skopje Partner", "MK").await;
    app.seed_user("mk.sup", safepath_domain::codes::Role::Supervisor, &third).await;
    let outsider = app.sign_in("mk.sup").await;
    refused(app, &outsider, Method::GET, &format!("/api/v1/referrals/{rid}/case"), None, (404, "not_found"), None)
        .await;
    refused(app, &w.al_cw, Method::GET, &format!("/api/v1/referrals/{rid}/case"), None, (404, "not_found"), None).await;
    // After the access end date (time passes: the date is moved back), nothing.
    app.raw_sql(&format!(
        "UPDATE referrals SET access_until = '{}' WHERE id = '{rid}'",
        crate::workflow_story::yesterday()
    ))
    .await;
    for path in [format!("/api/v1/referrals/{rid}/case"), format!("/api/v1/referrals/{rid}/case/summary")] {
        refused(app, &w.gr_cw, Method::GET, &path, None, (404, "not_found"), None).await;
    }
}

async fn a_transfer_completes_only_once_the_receiver_accepted(app: &TestApp) {
    let w = World::new(app).await;
    let id = w.with_approved_bia("Fjolla", true).await;
    let (status, body) = w.al_cw.post(&format!("/api/v1/cases/{id}/transfer"), transfer(&w.athens)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let complete = format!("/api/v1/cases/{id}/transfer/complete");
    // A caseworker may not complete it at all.
    refused(app, &w.al_cw, Method::POST, &complete, Some(json!({})), (403, "role_not_permitted"), None).await;
    // Across a border: a BID first, then the supervisor's approval, then the receiver.
    refused(app, &w.al_sup, Method::POST, &complete, Some(json!({})), (409, "bid_required"), None).await;
    let (status, _) = w.al_cw.post(&format!("/api/v1/cases/{id}/bid"), bid()).await;
    assert_eq!(status, StatusCode::CREATED);
    refused(app, &w.al_sup, Method::POST, &complete, Some(json!({})), (409, "supervisor_approval_required"), None)
        .await;
    let (status, _) = w.al_sup.post(&format!("/api/v1/cases/{id}/approvals/transfer"), approve()).await;
    assert_eq!(status, StatusCode::OK);
    let body =
        refused(app, &w.al_sup, Method::POST, &complete, Some(json!({})), (409, "receiver_not_accepted"), None).await;
    assert!(body["error"]["message"].as_str().unwrap().contains("accepted"));
    assert_eq!(status_of(&w.al_sup, &id).await, "transfer_requested");
    assert_eq!(app.counts().await.transfers, 1);
}

async fn a_closure_needs_a_reason(app: &TestApp) {
    let w = World::new(app).await;
    let id = w.register("Gresa", true).await;
    let path = format!("/api/v1/cases/{id}/closure");
    for body in [json!({}), json!({"reason": ""}), json!({"reason": "bored"}), json!({"details": "done"})] {
        refused(app, &w.al_cw, Method::POST, &path, Some(body), (422, "validation_failed"), Some("reason")).await;
    }
    // "other" needs its words.
    let other = json!({"reason": "other"});
    refused(app, &w.al_cw, Method::POST, &path, Some(other), (422, "validation_failed"), Some("details")).await;
    assert_eq!(status_of(&w.al_cw, &id).await, "registered");
}

async fn hostile_input_on_the_workflow_endpoints(app: &TestApp) {
    let w = World::new(app).await;
    let id = w.register("Hana", true).await;
    let case = |rest: &str| format!("/api/v1/cases/{id}/{rest}");
    let long = "x".repeat(10_000);
    let endpoints: Vec<(String, Value, &str)> = vec![
        (case("assessments"), crate::workflow_story::assessment(), "/notes"),
        (case("indicators"), indicator("child_labour.excessive_hours"), "/source"),
        (case("bia"), bia(), "/recommendation"),
        (case("bid"), bid(), "/panel"),
        (case("plan"), plan(&w.athens), "/goals/0"),
        (
            case("services"),
            json!({"service_type": "immediate_protection", "provider_name": "S", "due_date": day(1)}),
            "/provider_name",
        ),
        (case("follow-ups"), json!({"due_date": day(3), "kind": "school_visit"}), "/notes"),
        (case("referrals"), referral(&w.athens), "/details"),
        (case("transfer"), transfer(&w.athens), "/details"),
        (case("closure"), json!({"reason": "goals_achieved"}), "/details"),
        (case("approvals/bia"), approve(), "/comment"),
    ];
    for (path, valid, text) in endpoints {
        let client = if path.contains("approvals") { &w.al_sup } else { &w.al_cw };
        // Malformed JSON: 400.
        let before = app.counts().await;
        let (status, body) = client.raw(Method::POST, &path, "application/json", b"{,}".to_vec()).await;
        assert_eq!(status.as_u16(), 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "malformed_request");
        assert_eq!(before, app.counts().await, "{path} wrote on malformed JSON");
        // Not JSON: 415.
        let (status, _) = client.raw(Method::POST, &path, "text/plain", b"hello".to_vec()).await;
        assert_eq!(status.as_u16(), 415, "{path}");
        // An unknown field: 422 naming it.
        let mut unknown = valid.clone();
        unknown["is_admin"] = json!(true);
        refused(app, client, Method::POST, &path, Some(unknown), (422, "validation_failed"), Some("is_admin")).await;
        // `/goals/0` is reported as `goals[0]`, `/a/b` as `a.b`.
        let field = text.trim_start_matches('/').split('/').fold(String::new(), |path, segment| {
            match (path.is_empty(), segment.parse::<usize>()) {
                (_, Ok(index)) => format!("{path}[{index}]"),
                (true, Err(_)) => segment.to_string(),
                (false, Err(_)) => format!("{path}.{segment}"),
            }
        });
        // A 10,000-character string and a NUL byte: 422 naming the field.
        for bad in [long.clone(), "a\u{0}b".to_string()] {
            let mut body = valid.clone();
            match body.pointer_mut(text) {
                Some(slot) => *slot = json!(bad),
                None => body[field.as_str()] = json!(bad),
            }
            refused(app, client, Method::POST, &path, Some(body), (422, "validation_failed"), Some(&field)).await;
        }
    }
    // Ids that name nothing: 404, nothing written.
    for path in [
        "/api/v1/cases/not-a-uuid/bia".to_string(),
        "/api/v1/cases/00000000-0000-4000-8000-000000000000/history".to_string(),
        "/api/v1/referrals/'%20OR%201=1/case".to_string(),
        "/api/v1/referrals/00000000-0000-4000-8000-000000000000/case".to_string(),
        "/api/v1/transfers/x/accept".to_string(),
    ] {
        let method = if path.ends_with("accept") { Method::POST } else { Method::GET };
        let before = app.counts().await;
        let (status, body) = w.al_sup.send(method, &path, None).await;
        assert_eq!(status.as_u16(), 404, "{path}: {body}");
        let after = app.counts().await;
        // A read of an absent case is audited as `not_found`, like `GET /cases/{id}`.
        assert_eq!(
            after.case_records + after.approvals + after.referrals,
            before.case_records + before.approvals + before.referrals
        );
    }
}

on_both_backends!(
    a_plan_before_an_approved_bia_is_refused,
    a_referral_without_consent_is_refused,
    a_caseworker_may_not_approve,
    a_receiver_reads_only_shared_sections_until_the_end_date,
    a_transfer_completes_only_once_the_receiver_accepted,
    a_closure_needs_a_reason,
    hostile_input_on_the_workflow_endpoints,
);
