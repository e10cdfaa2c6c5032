//! The story (issue #4) over HTTP, on SQLite and PostgreSQL: two
//! organisations in two countries take one child from registration through
//! assessment, best-interest assessment, plan, services, a consent-gated
//! referral, a transfer across the border and follow-ups, to closure.
//!
//! The fixtures here (two organisations, their staff, valid bodies) are
//! shared with `workflow_refusals.rs`.

use chrono::{Days, NaiveDate, Utc};
use reqwest::StatusCode;
use safepath_domain::codes::Role;
use safepath_store::{AuditVerification, Store};
use serde_json::{json, Value};

use crate::on_both_backends;
use crate::support::{child, Client, TestApp};

/// Two organisations in two countries and their staff, signed in.
pub struct World {
    pub tirana: String,
    pub athens: String,
    /// Caseworker and supervisor of the Albanian organisation (the owner).
    pub al_cw: Client,
    pub al_sup: Client,
    /// Caseworker and supervisor of the Greek partner.
    pub gr_cw: Client,
    pub gr_sup: Client,
    pub gr_cw_id: String,
}

impl World {
    pub async fn new(app: &TestApp) -> World {
        let tirana = app.seed_organisation("Tirana Child Protection", "AL").await;
        let athens = app.seed_organisation("Athens Child Support", "GR").await;
        app.seed_user("al.cw", Role::Caseworker, &tirana).await;
        app.seed_user("al.sup", Role::Supervisor, &tirana).await;
        let gr_cw_id = app.seed_user("gr.cw", Role::Caseworker, &athens).await;
        app.seed_user("gr.sup", Role::Supervisor, &athens).await;
        World {
            tirana,
            athens,
            al_cw: app.sign_in("al.cw").await,
            al_sup: app.sign_in("al.sup").await,
            gr_cw: app.sign_in("gr.cw").await,
            gr_sup: app.sign_in("gr.sup").await,
            gr_cw_id,
        }
    }

    /// Registers a child (by the Albanian caseworker); with `sharing`, the
    /// guardian's consent for sharing is recorded too.
    pub async fn register(&self, given: &str, sharing: bool) -> String {
        let mut body = child(given, "Hoxha");
        if sharing {
            body["consents"]
                .as_array_mut()
                .unwrap()
                .push(json!({"purpose": "sharing", "given_by": "guardian", "date": "2026-11-01"}));
        }
        let (status, body) = self.al_cw.post("/api/v1/cases", body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["case"]["id"].as_str().unwrap().to_string()
    }

    /// Registers a child and takes the case to an approved best-interest assessment.
    pub async fn with_approved_bia(&self, given: &str, sharing: bool) -> String {
        let id = self.register(given, sharing).await;
        let (status, body) = self.al_cw.post(&format!("/api/v1/cases/{id}/bia"), bia()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = self.al_sup.post(&format!("/api/v1/cases/{id}/approvals/bia"), approve()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// `today` plus `days`, as the API writes dates.
pub fn day(days: u64) -> String {
    today().checked_add_days(Days::new(days)).unwrap().to_string()
}

pub fn yesterday() -> String {
    today().pred_opt().unwrap().to_string()
}

pub fn assessment() -> Value {
    json!({"level": "individual", "date": day(0),
           "factors": [{"factor": "irregular_status", "presence": "present", "note": "No documents"}],
           "strengths": ["Speaks Greek and Albanian"], "protective_factors": ["Mother in contact"]})
}

pub fn indicator(code: &str) -> Value {
    json!({"indicator": code, "observed": true, "source": "interview", "date": day(0)})
}

pub fn bia() -> Value {
    json!({"kind": "short", "date": day(0),
           "childs_views": {"in_own_words": "Dua të shkoj në shkollë.", "language": "sq"},
           "elements": [{"element": "protection_and_safety", "findings": "Safe in the shelter"}],
           "recommendation": "Plan education and legal aid"})
}

pub fn bid() -> Value {
    json!({"date": day(0), "panel": "Tirana BID panel",
           "members": [{"name": "A. Social", "function": "social worker"}, {"name": "B. Guardian", "function": "guardian"}],
           "decision": "Join the mother in Thessaloniki", "durable_solution": "third_country",
           "separation_from_parents": false,
           "childs_views": {"in_own_words": "Dua të jem me mamin.", "language": "sq"},
           "review_date": day(180)})
}

pub fn plan(provider: &str) -> Value {
    json!({"goals": ["Safe return to school"],
           "services": [{"service_type": "legal_assistance", "provider_organisation_id": provider, "due_date": day(20)}]})
}

pub fn approve() -> Value {
    json!({"decision": "approved"})
}

pub fn referral(to: &str) -> Value {
    json!({"to_organisation": to, "reason": "AdditionalServicesRequired", "service_type": "legal_assistance",
           "sections": ["summary", "case_plan"], "access_until": day(30)})
}

pub fn transfer(to: &str) -> Value {
    json!({"to_organisation": to, "from_country": "AL", "to_country": "GR", "reason": "MigrationOrChangeOfLocation"})
}

async fn status_of(client: &Client, id: &str) -> String {
    let (status, body) = client.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["case"]["status"].as_str().unwrap().to_string()
}

#[track_caller]
fn created(result: (StatusCode, Value)) -> Value {
    assert_eq!(result.0, StatusCode::CREATED, "{}", result.1);
    result.1
}

#[track_caller]
fn ok(result: (StatusCode, Value)) -> Value {
    assert_eq!(result.0, StatusCode::OK, "{}", result.1);
    result.1
}

async fn from_alert_to_closure_across_a_border(app: &TestApp) {
    let w = World::new(app).await;
    let case = |rest: &str, id: &str| format!("/api/v1/cases/{id}/{rest}");

    // Alert → registration, with the guardian's consent for sharing.
    let id = w.register("Klea", true).await;
    assert_eq!(status_of(&w.al_cw, &id).await, "registered");

    // Vulnerability assessment: the case moves into assessment.
    let record = created(w.al_cw.post(&case("assessments", &id), assessment()).await);
    assert_eq!(record["record"]["kind"], "vulnerability_assessment");
    assert_eq!(status_of(&w.al_cw, &id).await, "assessment");

    // The circle of exploitation: an episode (the age at its start derived
    // from the child's recorded age), a movement, and the perpetrator behind
    // them (a supervisor's record).
    let street = json!({"form": "street_vending", "place": {"description": "Bus station", "country": "GR"},
                        "start_date": "2025-06-01", "end_date": "2026-10-01", "means_of_control": ["TakesEarnings"],
                        "visibility": "visible"});
    let episode = created(w.al_cw.post(&case("episodes/exploitation", &id), street).await);
    assert_eq!(episode["record"]["data"]["age_at_start"], json!({"years": 13, "estimated": true}));
    let departure = json!({"stage": "departure", "place": {"description": "Tirana", "country": "AL"},
                           "start_date": "2025-05-20", "accompanied_by": "intermediary", "legal_status": "national"});
    created(w.al_cw.post(&case("episodes/movement", &id), departure).await);
    let episodes = ok(w.al_cw.get(&case("episodes", &id)).await);
    assert_eq!(episodes["records"].as_array().unwrap().len(), 2);
    let episode_id = episode["record"]["id"].as_str().unwrap();
    let perpetrator = json!({"roles": ["Exploiter"], "description": "Takes the earnings every evening",
                             "episode_ids": [episode_id]});
    created(w.al_sup.post(&case("perpetrators", &id), perpetrator).await);

    // Indicators and the screening: a suggestion, no status set.
    for code in
        ["child_labour.deceived_nature_of_job", "child_labour.threats_recruitment", "child_labour.excessive_hours"]
    {
        created(w.al_cw.post(&case("indicators", &id), indicator(code)).await);
    }
    let screening = ok(w.al_cw.get(&case("screening", &id)).await);
    assert_eq!(screening["observations"].as_array().unwrap().len(), 3);
    assert!(screening["result"]["suggestion"].is_string());
    let decisions = ok(w.al_cw.get(&case("trafficking-status", &id)).await);
    assert_eq!(decisions["records"], json!([]), "the screening sets no status by itself");
    let decided = json!({"status": "PossibleVictimOfTrafficking", "decided_by_org_type": "NGO", "date": day(0)});
    let recorded = created(w.al_sup.post(&case("trafficking-status", &id), decided).await);
    assert_eq!(recorded["record"]["data"]["status"], "PossibleVictimOfTrafficking");

    // Immediate protection may start before the BIA.
    let shelter = json!({"service_type": "immediate_protection", "provider_name": "Shelter", "due_date": day(0)});
    created(w.al_cw.post(&case("services", &id), shelter).await);

    // The BIA waits in the supervisor's queue, then is approved.
    created(w.al_cw.post(&case("bia", &id), bia()).await);
    assert_eq!(status_of(&w.al_cw, &id).await, "best_interest");
    let queue = ok(w.al_sup.get("/api/v1/approvals").await);
    assert!(queue["approvals"].as_array().unwrap().iter().any(|a| a["case_id"] == id.as_str() && a["kind"] == "bia"));
    let work = ok(w.al_sup.get("/api/v1/me/work").await);
    assert!(work["approvals"].as_array().unwrap().iter().any(|a| a["kind"] == "bia"), "{work}");
    let decided = ok(w.al_sup.post(&case("approvals/bia", &id), approve()).await);
    assert_eq!(decided["approval"]["decision"], "approved");

    // The case plan (with a service by the Greek partner) and its approval.
    created(w.al_cw.post(&case("plan", &id), plan(&w.athens)).await);
    assert_eq!(status_of(&w.al_cw, &id).await, "case_plan");
    ok(w.al_sup.post(&case("approvals/case_plan", &id), approve()).await);
    assert_eq!(status_of(&w.al_cw, &id).await, "implementation");

    // Services.
    let school = json!({"service_type": "education", "provider_name": "School no. 5", "due_date": day(10)});
    created(w.al_cw.post(&case("services", &id), school).await);
    let services = ok(w.al_cw.get(&case("services", &id)).await);
    assert_eq!(services["records"].as_array().unwrap().len(), 3, "shelter, the plan's legal aid, school");

    // A referral with consent; the partner accepts, reads only what was
    // shared, and reports the outcome back.
    let sent = created(w.al_cw.post(&case("referrals", &id), referral(&w.athens)).await);
    let referral_id = sent["referral"]["id"].as_str().unwrap().to_string();
    assert_eq!(sent["referral"]["status"], "requested");
    assert_eq!(sent["referral"]["sharing_basis"], "consent");
    let inbox = ok(w.gr_cw.get("/api/v1/me/work").await);
    assert!(inbox["referrals"].as_array().unwrap().iter().any(|r| r["id"] == referral_id.as_str()), "{inbox}");
    let (status, _) = w.gr_cw.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the partner does not see the case itself");
    let accepted = ok(w.gr_cw.post(&format!("/api/v1/referrals/{referral_id}/accept"), json!({})).await);
    assert_eq!(accepted["referral"]["status"], "accepted");
    let shared = ok(w.gr_cw.get(&format!("/api/v1/referrals/{referral_id}/case")).await);
    let sections: Vec<&str> = shared["sections"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(sections, ["case_plan", "summary"]);
    assert!(!shared.to_string().contains("Klea"), "no identity leaves with the summary: {shared}");
    assert_eq!(shared["sections"]["summary"]["status"], "implementation");
    let plan_section = ok(w.gr_cw.get(&format!("/api/v1/referrals/{referral_id}/case/case_plan")).await);
    assert!(plan_section["sections"]["case_plan"].as_array().unwrap().iter().any(|r| r["kind"] == "case_plan"));
    let completed = ok(w
        .gr_cw
        .post(&format!("/api/v1/referrals/{referral_id}/complete"), json!({"outcome": "Asylum lawyer assigned"}))
        .await);
    assert_eq!(completed["referral"]["status"], "completed");
    let seen_by_sender = ok(w.al_cw.get(&format!("/api/v1/referrals/{referral_id}")).await);
    assert_eq!(seen_by_sender["referral"]["outcome"], "Asylum lawyer assigned");
    let (status, _) = w.gr_cw.get(&format!("/api/v1/referrals/{referral_id}/case")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a completed referral's access ends");

    // The transfer across the border: a BID, supervisor approval, the
    // receiver's acceptance, then completion by the owner's supervisor.
    created(w.al_cw.post(&case("bid", &id), bid()).await);
    let requested = created(w.al_cw.post(&case("transfer", &id), transfer(&w.athens)).await);
    let transfer_id = requested["transfer"]["id"].as_str().unwrap().to_string();
    assert_eq!(status_of(&w.al_cw, &id).await, "transfer_requested");
    ok(w.al_sup.post(&case("approvals/transfer", &id), approve()).await);
    let inbox = ok(w.gr_sup.get("/api/v1/me/work").await);
    assert!(inbox["transfers"].as_array().unwrap().iter().any(|t| t["id"] == transfer_id.as_str()), "{inbox}");
    let accepted = ok(w.gr_sup.post(&format!("/api/v1/transfers/{transfer_id}/accept"), json!({})).await);
    assert_eq!(accepted["transfer"]["status"], "accepted");
    let moved = ok(w.al_sup.post(&case("transfer/complete", &id), json!({})).await);
    assert_eq!(moved["status"]["to"], "transferred");

    // The sender sees nothing any more; the receiver owns the whole history
    // and finds the child by name.
    let (status, _) = w.al_sup.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = w.al_sup.get(&case("history", &id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let search = ok(w.al_sup.get("/api/v1/cases?q=Klea").await);
    assert_eq!(search["total"], 0, "the child's search keys moved with the case");
    let search = ok(w.gr_sup.get("/api/v1/cases?q=Klea").await);
    assert_eq!(search["total"], 1);
    let owned = ok(w.gr_sup.get(&format!("/api/v1/cases/{id}")).await);
    assert_eq!(owned["case"]["organisation_id"], w.athens.as_str());
    let history = ok(w.gr_sup.get(&case("history", &id)).await);
    let kinds: Vec<&str> =
        history["history"]["records"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    for kind in ["vulnerability_assessment", "bia", "case_plan", "service", "bid"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert_eq!(history["history"]["statuses"][0]["from"], "registered");

    // The receiver assigns the case, takes it up, and follows up.
    let version = owned["case"]["version"].as_i64().unwrap();
    ok(w.gr_sup.patch(&format!("/api/v1/cases/{id}"), json!({"version": version, "assigned_to": w.gr_cw_id})).await);
    let resumed = ok(w.gr_cw.post(&case("resume", &id), json!({})).await);
    assert_eq!(resumed["status"]["to"], "assessment");
    let done = json!({"due_date": day(0), "done_date": day(0), "kind": "home_visit", "outcome": "on_track",
                      "notes": "Living with her mother"});
    created(w.gr_cw.post(&case("follow-ups", &id), done).await);
    let scheduled = json!({"due_date": day(3), "kind": "school_visit"});
    created(w.gr_cw.post(&case("follow-ups", &id), scheduled).await);
    let work = ok(w.gr_cw.get("/api/v1/me/work").await);
    let upcoming = work["upcoming"].as_array().unwrap();
    assert!(
        upcoming.iter().any(|t| t["case_id"] == id.as_str() && t["task"]["kind"]["task"] == "scheduled_follow_up"),
        "{work}"
    );

    // Closure requested, then approved by the receiver's supervisor.
    let closing = ok(w.gr_cw.post(&case("closure", &id), json!({"reason": "goals_achieved"})).await);
    assert_eq!(closing["status"]["to"], "closure_requested");
    let queue = ok(w.gr_sup.get("/api/v1/approvals").await);
    assert!(queue["approvals"].as_array().unwrap().iter().any(|a| a["kind"] == "closure"), "{queue}");
    ok(w.gr_sup.post(&case("approvals/closure", &id), approve()).await);
    assert_eq!(status_of(&w.gr_sup, &id).await, "closed");

    // Every step left its trace, and the chain is whole.
    assert!(matches!(app.store.verify_audit().await.unwrap(), AuditVerification::Intact { .. }));
    let _ = &w.tirana;

    // All of it is in the OpenAPI document.
    let document = ok(app.client().get("/api/v1/openapi.json").await);
    for path in [
        "/api/v1/cases/{id}/assessments",
        "/api/v1/cases/{id}/indicators",
        "/api/v1/cases/{id}/screening",
        "/api/v1/cases/{id}/trafficking-status",
        "/api/v1/cases/{id}/bia",
        "/api/v1/cases/{id}/bid",
        "/api/v1/cases/{id}/approvals/{kind}",
        "/api/v1/cases/{id}/plan",
        "/api/v1/cases/{id}/services",
        "/api/v1/cases/{id}/standards",
        "/api/v1/cases/{id}/episodes",
        "/api/v1/cases/{id}/perpetrators",
        "/api/v1/cases/{id}/referrals",
        "/api/v1/cases/{id}/transfer",
        "/api/v1/cases/{id}/follow-ups",
        "/api/v1/cases/{id}/closure",
        "/api/v1/cases/{id}/reopen",
        "/api/v1/cases/{id}/history",
        "/api/v1/referrals/{id}/accept",
        "/api/v1/referrals/{id}/complete",
        "/api/v1/transfers/{id}/accept",
        "/api/v1/approvals",
        "/api/v1/me/work",
    ] {
        assert!(document["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
}

/// The other ways out: a revoked referral, a declined transfer, a rejected
/// closure, reopening, a duplicate; perpetrators behind their permission.
async fn revoke_decline_reject_reopen_duplicate(app: &TestApp) {
    let w = World::new(app).await;
    let case = |rest: &str, id: &str| format!("/api/v1/cases/{id}/{rest}");
    let id = w.with_approved_bia("Iliriana", true).await;

    // The sender revokes a referral; the receiver's access ends at once, and
    // the receiver may not revoke (403 with the rule's code).
    let sent = created(w.al_cw.post(&case("referrals", &id), referral(&w.athens)).await);
    let rid = sent["referral"]["id"].as_str().unwrap().to_string();
    let (status, body) = w.gr_cw.post(&format!("/api/v1/referrals/{rid}/revoke"), json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("role_not_permitted")));
    ok(w.al_cw.post(&format!("/api/v1/referrals/{rid}/revoke"), json!({})).await);
    let (status, _) = w.gr_cw.get(&format!("/api/v1/referrals/{rid}/case/summary")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = w.gr_cw.post(&format!("/api/v1/referrals/{rid}/accept"), json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("not_allowed_from_status")));

    // A declined transfer takes the case back where it was.
    let before = status_of(&w.al_cw, &id).await;
    let requested = created(w.al_cw.post(&case("transfer", &id), transfer(&w.athens)).await);
    let tid = requested["transfer"]["id"].as_str().unwrap().to_string();
    let (status, _) = w.al_sup.post(&format!("/api/v1/transfers/{tid}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only the receiver answers");
    ok(w.gr_sup.post(&format!("/api/v1/transfers/{tid}/decline"), json!({})).await);
    assert_eq!(status_of(&w.al_cw, &id).await, before);

    // Perpetrators: supervisors only, and hidden from a caseworker's history.
    let perpetrator =
        json!({"roles": ["RecruiterOrIntermediary"], "description": "Man called 'Uncle', works the bus station"});
    let (status, _) = w.al_cw.post(&case("perpetrators", &id), perpetrator.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    created(w.al_sup.post(&case("perpetrators", &id), perpetrator).await);
    let (status, _) = w.al_cw.get(&case("perpetrators", &id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let seen = ok(w.al_cw.get(&case("history", &id)).await);
    assert!(!seen.to_string().contains("perpetrator"), "{seen}");
    let seen = ok(w.al_sup.get(&case("history", &id)).await);
    assert!(seen.to_string().contains("perpetrator"));

    // A rejected closure returns the case; an approved one closes it; a
    // supervisor reopens it.
    ok(w.al_cw.post(&case("closure", &id), json!({"reason": "goals_achieved"})).await);
    ok(w.al_sup.post(&case("approvals/closure", &id), json!({"decision": "rejected", "comment": "Not yet"})).await);
    assert_eq!(status_of(&w.al_cw, &id).await, before);
    ok(w.al_cw.post(&case("closure", &id), json!({"reason": "goals_achieved"})).await);
    ok(w.al_sup.post(&case("approvals/closure", &id), approve()).await);
    assert_eq!(status_of(&w.al_cw, &id).await, "closed");
    let (status, body) =
        w.al_cw.post(&case("follow-ups", &id), json!({"due_date": day(3), "kind": "phone_call"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("not_allowed_from_status")));
    let (status, _) = w.al_cw.post(&case("reopen", &id), json!({"reason": "Seen at the bus station again"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let reopened = ok(w.al_sup.post(&case("reopen", &id), json!({"reason": "Seen at the bus station again"})).await);
    assert_eq!(reopened["status"]["to"], "assessment");

    // A duplicate names the case it duplicates.
    let other = w.register("Iliriana", true).await;
    let merged = ok(w.al_sup.post(&case("duplicate", &other), json!({"duplicate_of": id})).await);
    assert_eq!(merged["status"]["to"], "duplicate");
    assert!(matches!(app.store.verify_audit().await.unwrap(), AuditVerification::Intact { .. }));
}

on_both_backends!(from_alert_to_closure_across_a_border, revoke_decline_reject_reopen_duplicate);
