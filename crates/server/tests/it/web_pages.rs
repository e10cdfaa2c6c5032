//! The pages of issue #5 beyond the case: the focal point's alert form (and
//! nothing else), alert triage, the partner directory, administration and the
//! supervisor's dashboard — over HTTP as a browser without JavaScript uses
//! them. Every page: `no-store`, CSRF on every form, role refusals, out of
//! scope the same 404 as absent, refused forms keep what was typed.

use reqwest::header::CACHE_CONTROL;
use reqwest::StatusCode;
use safepath_domain::codes::Role;

use crate::support::TestApp;
use crate::web::{transferred, Browser, Page};

crate::on_both_backends!(
    a_focal_point_sees_the_alert_form_and_nothing_else,
    a_refused_alert_keeps_what_was_typed,
    a_caseworker_triages_an_alert_into_a_case,
    alerts_are_dismissed_or_kept_as_evidence_and_other_organisations_see_nothing,
    the_partner_directory_shows_who_does_what_where,
    administrators_create_organisations_through_the_form,
    administrators_create_and_deactivate_accounts,
    the_dashboard_counts_the_supervisors_cases_and_nothing_else,
    every_page_is_small_on_a_slow_link,
);

#[track_caller]
fn assert_page(page: &Page, status: StatusCode) {
    assert_eq!(page.status, status, "{}", page.body);
    assert_eq!(page.headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
}

/// Two organisations with a focal point, caseworker, supervisor and admin.
async fn network(app: &TestApp) -> (String, String) {
    let mut orgs = Vec::new();
    for (name, prefix) in [("Terre des hommes", "tdh"), ("Other NGO", "oth")] {
        let org = app.seed_organisation(name, "AL").await;
        app.seed_user(&format!("{prefix}.fp"), Role::FocalPoint, &org).await;
        app.seed_user(&format!("{prefix}.cw"), Role::Caseworker, &org).await;
        app.seed_user(&format!("{prefix}.sup"), Role::Supervisor, &org).await;
        app.seed_user(&format!("{prefix}.admin"), Role::Admin, &org).await;
        orgs.push(org);
    }
    (orgs[0].clone(), orgs[1].clone())
}

fn alert_form<'a>(csrf: &'a str, place: &'a str, description: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("urgency", "immediate"),
        ("place", place),
        ("country", "AL"),
        ("seen_on", ""),
        ("description", description),
        ("child_name", "Drita"),
        ("child_sex", "Feminine"),
        ("child_age", "12"),
        ("child_description", "red coat"),
        ("reporter", "Teacher"),
        ("reporter_contact", ""),
    ]
}

/// Sends an alert through the form; returns nothing the sender could not see anyway.
async fn send_alert(app: &TestApp, username: &str, place: &str) {
    let browser = Browser::sign_in(&app.base, username).await;
    let form = browser.get("/alert").await;
    let csrf = form.input("csrf");
    let sent = browser.post("/alert", &alert_form(&csrf, place, "Selling at night")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
}

async fn a_focal_point_sees_the_alert_form_and_nothing_else(app: &TestApp) {
    network(app).await;
    let case_id = {
        let client = app.sign_in("tdh.cw").await;
        let (_, body) = client.post("/api/v1/cases", crate::support::child("Arbën", "Krasniqi")).await;
        body["case"]["id"].as_str().unwrap().to_string()
    };
    let browser = Browser::sign_in(&app.base, "tdh.fp").await;
    // Home is the alert form.
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/alert");
    let form = browser.get("/alert").await;
    assert_page(&form, StatusCode::OK);
    assert_eq!(form.title(), "Send an alert · Safepath");
    assert!(form.body.contains("You have not sent any alert yet."), "{}", form.body);
    // The navigation offers nothing but the form.
    for link in ["href=\"/cases\"", "href=\"/approvals\"", "href=\"/alerts\"", "href=\"/directory\"", "href=\"/\""] {
        assert!(!form.body.contains(link), "{link} offered to a focal point");
    }

    let csrf = form.input("csrf");
    let forged = browser.post("/alert", &alert_form("forged", "Kukës market", "Selling at night")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.counts().await.alerts, 0);
    let sent = browser.post("/alert", &alert_form(&csrf, "Kukës market", "Selling at night")).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.location(), "/alert?sent=1");
    let confirmation = browser.get("/alert?sent=1").await;
    assert_page(&confirmation, StatusCode::OK);
    assert!(confirmation.body.contains("Alert sent. Thank you"), "{}", confirmation.body);
    assert!(confirmation.body.contains("Alert sent on "), "{}", confirmation.body);
    // Nothing of what was reported comes back, the form is empty again.
    assert!(!confirmation.body.contains("Kukës market") && !confirmation.body.contains("Drita"));
    assert_eq!(app.counts().await.alerts, 1);

    // Every other page refuses.
    let alert_id = {
        let (_, body) = app.sign_in("tdh.cw").await.get("/api/v1/alerts").await;
        body["alerts"][0]["id"].as_str().unwrap().to_string()
    };
    for (path, status) in [
        ("/cases".to_string(), StatusCode::FORBIDDEN),
        ("/cases/new".to_string(), StatusCode::FORBIDDEN),
        (format!("/cases/{case_id}"), StatusCode::NOT_FOUND),
        ("/approvals".to_string(), StatusCode::FORBIDDEN),
        ("/alerts".to_string(), StatusCode::FORBIDDEN),
        (format!("/alerts/{alert_id}"), StatusCode::FORBIDDEN),
    ] {
        let page = browser.get(&path).await;
        assert_page(&page, status);
        assert!(!page.body.contains("Arbën") && !page.body.contains("Kukës"), "{path}");
    }
    let csrf = browser.get("/alert").await.input("csrf");
    let triage = browser
        .post(&format!("/alerts/{alert_id}/triage"), &[("csrf", &csrf), ("decision", "dismissed"), ("note", "x")])
        .await;
    assert_eq!(triage.status, StatusCode::FORBIDDEN);
    let register = browser.post("/cases/new", &[("csrf", &csrf), ("given_name", "X")]).await;
    assert_eq!(register.status, StatusCode::FORBIDDEN);
}

async fn a_refused_alert_keeps_what_was_typed(app: &TestApp) {
    network(app).await;
    let browser = Browser::sign_in(&app.base, "tdh.fp").await;
    let csrf = browser.get("/alert").await.input("csrf");
    let mut form = alert_form(&csrf, "Kukës market", "");
    form.retain(|(name, _)| *name != "child_age");
    form.push(("child_age", "about ten"));
    let refused = browser.post("/alert", &form).await;
    assert_page(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Describe what you saw or heard."), "{}", refused.body);
    assert!(refused.body.contains("The age must be a whole number"), "{}", refused.body);
    assert_eq!(refused.input("place"), "Kukës market");
    assert_eq!(refused.input("child_name"), "Drita");
    assert_eq!(refused.input("child_age"), "about ten");
    assert!(refused.body.contains("<option value=\"immediate\" selected>"), "urgency kept");
    assert!(refused.body.contains("aria-invalid=\"true\""));
    assert_eq!(app.counts().await.alerts, 0);
}

async fn a_caseworker_triages_an_alert_into_a_case(app: &TestApp) {
    network(app).await;
    send_alert(app, "tdh.fp", "Kukës market").await;
    let browser = Browser::sign_in(&app.base, "tdh.cw").await;
    let home = browser.get("/").await;
    assert_page(&home, StatusCode::OK);
    assert!(home.body.contains("New alerts (1)"), "{}", home.body);
    let href = {
        let at = home.body.find("href=\"/alerts/").expect("alert link on My work") + 6;
        home.body[at..].split('"').next().unwrap().to_string()
    };
    let alert = browser.get(&href).await;
    assert_page(&alert, StatusCode::OK);
    assert!(alert.body.contains("Selling at night") && alert.body.contains("red coat"));
    // The registration is prefilled from the alert.
    assert_eq!(alert.input("given_name"), "Drita");
    assert_eq!(alert.input("place"), "Kukës market");
    assert!(alert.body.contains("<option value=\"community_focal_point\" selected>"));
    assert!(alert.body.contains("<option value=\"high\" selected>"), "immediate → high risk");
    let csrf = alert.input("csrf");
    let action = format!("{href}/triage");
    let mut registration = vec![
        ("csrf", csrf.as_str()),
        ("decision", "case"),
        ("given_name", "Drita"),
        ("family_name", "Hoxha"),
        ("sex", "Feminine"),
        ("date_of_birth", ""),
        ("estimated_age", ""),
        ("citizenship", "AL"),
        ("identification_date", "2026-11-01"),
        ("place", "Kukës market"),
        ("channel", "community_focal_point"),
        ("risk_level", "high"),
    ];
    // Neither a date of birth nor an age: refused, as typed.
    let refused = browser.post(&action, &registration).await;
    assert_page(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.input("family_name"), "Hoxha");
    assert!(refused.body.contains("Give the date of birth"), "{}", refused.body);
    assert_eq!(app.counts().await.cases, 0);

    registration.retain(|(name, _)| *name != "estimated_age");
    registration.push(("estimated_age", "12"));
    let done = browser.post(&action, &registration).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location().starts_with("/cases/"), "{}", done.location());
    let case = browser.get(done.location()).await;
    assert_page(&case, StatusCode::OK);
    assert!(case.body.contains("Hoxha"));
    let alert = browser.get(&href).await;
    assert!(alert.body.contains("Case opened") && alert.body.contains(done.location()), "{}", alert.body);
    assert!(!alert.body.contains("name=\"decision\""), "a triaged alert offers no decision");
    assert!(browser.get("/").await.body.contains("New alerts (0)"));
}

async fn alerts_are_dismissed_or_kept_as_evidence_and_other_organisations_see_nothing(app: &TestApp) {
    network(app).await;
    send_alert(app, "tdh.fp", "Kukës market").await;
    let ids: Vec<String> = {
        let (_, body) = app.sign_in("tdh.sup").await.get("/api/v1/alerts").await;
        body["alerts"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect()
    };
    let id = &ids[0];

    // Another organisation: absent, on every path, and writing nothing.
    let other = Browser::sign_in(&app.base, "oth.sup").await;
    let queue = other.get("/alerts").await;
    assert_page(&queue, StatusCode::OK);
    assert!(!queue.body.contains("Kukës"));
    let before = app.counts().await;
    assert_page(&other.get(&format!("/alerts/{id}")).await, StatusCode::NOT_FOUND);
    assert_page(&other.get("/alerts/not-an-id").await, StatusCode::NOT_FOUND);
    let csrf = other.csrf().await;
    let before_post = app.counts().await;
    let refused = other
        .post(&format!("/alerts/{id}/triage"), &[("csrf", &csrf), ("decision", "dismissed"), ("note", "not ours")])
        .await;
    assert_page(&refused, StatusCode::NOT_FOUND);
    assert_eq!(app.counts().await.alerts, before.alerts);
    assert_eq!(app.counts().await.audit_events, before_post.audit_events, "an out-of-scope triage writes nothing");

    let browser = Browser::sign_in(&app.base, "tdh.sup").await;
    let csrf = browser.csrf().await;
    let action = format!("/alerts/{id}/triage");
    let refused = browser.post(&action, &[("csrf", &csrf), ("decision", "dismissed"), ("note", "")]).await;
    assert_page(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Give the reason for dismissing"), "{}", refused.body);
    assert!(refused.body.contains("id=\"decision-dismissed\" name=\"decision\" value=\"dismissed\" checked"));
    let done = browser.post(&action, &[("csrf", &csrf), ("decision", "dismissed"), ("note", "known and safe")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let alert = browser.get(&format!("/alerts/{id}")).await;
    assert!(alert.body.contains("Dismissed") && alert.body.contains("known and safe"), "{}", alert.body);
    let queue = browser.get("/alerts").await;
    assert_page(&queue, StatusCode::OK);
    assert!(queue.body.contains("Dismissed"));

    send_alert(app, "tdh.cw", "Border point").await;
    let (_, body) = app.sign_in("tdh.sup").await.get("/api/v1/alerts?status=new").await;
    let second = body["alerts"][0]["id"].as_str().unwrap().to_string();
    let done = browser
        .post(&format!("/alerts/{second}/triage"), &[("csrf", &csrf), ("decision", "evidence"), ("note", "")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(browser.get(&format!("/alerts/{second}")).await.body.contains("Kept as situation evidence"));
}

async fn the_partner_directory_shows_who_does_what_where(app: &TestApp) {
    network(app).await;
    let admin = app.sign_in("tdh.admin").await;
    let (status, body) = admin
        .post(
            "/api/v1/organisations",
            serde_json::json!({"name": "Shelter <Nepal>", "type": "LocalGovernmentOrganisation", "countries": ["NPL"],
                               "services": ["shelter", "psychosocial"], "contact": "shelter@example.org"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let browser = Browser::sign_in(&app.base, "tdh.cw").await;
    let all = browser.get("/directory").await;
    assert_page(&all, StatusCode::OK);
    assert_eq!(all.title(), "Partner directory · Safepath");
    assert!(all.body.contains("3 organisations"), "{}", all.body);
    assert!(all.body.contains("Shelter ") && !all.body.contains("<Nepal>"), "names are escaped");
    assert!(all.body.contains("Local government") && all.body.contains("shelter, psychosocial"));
    assert!(all.body.contains("shelter@example.org"));
    let nepal = browser.get("/directory?country=np").await;
    assert_page(&nepal, StatusCode::OK);
    assert!(nepal.body.contains("1 organisations") || nepal.body.contains("1 organisation"), "{}", nepal.body);
    assert!(!nepal.body.contains("Other NGO"));
    assert!(nepal.body.contains("<option value=\"NP\" selected>"));
    // Hostile filters show nothing, and break nothing.
    for query in ["country=%ff", "country=<script>", "country=' OR 1=1"] {
        let page = browser.get(&format!("/directory?{query}")).await;
        assert_page(&page, StatusCode::OK);
        assert!(!page.body.contains("<script>"));
    }
    let focal = Browser::sign_in(&app.base, "tdh.fp").await;
    let refused = focal.get("/directory").await;
    assert_page(&refused, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("Other NGO"));
}

async fn administrators_create_organisations_through_the_form(app: &TestApp) {
    network(app).await;
    let browser = Browser::sign_in(&app.base, "tdh.admin").await;
    let page = browser.get("/admin/organisations").await;
    assert_page(&page, StatusCode::OK);
    assert!(page.body.contains("Terre des hommes") && page.body.contains("TDH-AL"));
    let csrf = page.input("csrf");
    let before = app.counts().await;
    let forged = browser.post("/admin/organisations", &organisation_form("forged", "NP", "")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let refused = browser.post("/admin/organisations", &organisation_form(&csrf, "NP, Atlantis", "")).await;
    assert_page(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Give at least one country"), "{}", refused.body);
    assert_eq!(refused.input("name"), "Shelter Kathmandu");
    assert_eq!(refused.input("countries"), "NP, Atlantis");
    assert_eq!(refused.input("services"), "shelter, legal assistance");
    assert_eq!(app.counts().await.organisations, before.organisations);
    let refused = browser.post("/admin/organisations", &organisation_form(&csrf, "NP", "TDH-AL")).await;
    assert_page(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("not used by another organisation"));

    let done = browser.post("/admin/organisations", &organisation_form(&csrf, "NP", "")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = browser.get(done.location()).await;
    assert!(page.body.contains("The organisation was added.") && page.body.contains("SK-NP"), "{}", page.body);
    assert_eq!(app.counts().await.organisations, before.organisations + 1);

    for username in ["tdh.sup", "tdh.cw", "tdh.fp"] {
        let other = Browser::sign_in(&app.base, username).await;
        assert_page(&other.get("/admin/organisations").await, StatusCode::FORBIDDEN);
        assert_page(&other.get("/admin/users").await, StatusCode::FORBIDDEN);
        let csrf = other.get("/alert").await.input("csrf");
        let refused = other.post("/admin/organisations", &organisation_form(&csrf, "AL", "")).await;
        assert_page(&refused, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.counts().await.organisations, before.organisations + 1);
}

async fn administrators_create_and_deactivate_accounts(app: &TestApp) {
    let (tdh, _) = network(app).await;
    let browser = Browser::sign_in(&app.base, "tdh.admin").await;
    let page = browser.get("/admin/users").await;
    assert_page(&page, StatusCode::OK);
    assert!(page.body.contains("tdh.cw") && page.body.contains("Caseworker"));
    assert!(!page.body.contains("Deactivate tdh.admin"), "an administrator cannot deactivate themselves");
    let csrf = page.input("csrf");
    let send = |username: &'static str, password: &'static str| {
        let form = user_form(&csrf, &tdh, username, password);
        let browser = &browser;
        async move { browser.post("/admin/users", &form.iter().map(|(n, v)| (*n, v.as_str())).collect::<Vec<_>>()).await }
    };
    let before = app.counts().await;
    let refused = send("sita.tamang", "short").await;
    assert_page(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("at least 12 characters"), "{}", refused.body);
    assert_eq!(refused.input("username"), "sita.tamang");
    assert!(!refused.body.contains("value=\"short\""), "a password is never sent back");
    let refused = send("tdh.cw", "").await;
    assert_page(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("not already taken"), "{}", refused.body);
    assert_eq!(app.counts().await.users, before.users);

    // An empty password is generated and shown once.
    let created = send("sita.tamang", "").await;
    assert_page(&created, StatusCode::OK);
    assert!(created.body.contains("The account sita.tamang was created."), "{}", created.body);
    let password = {
        let at = created.body.find("<code class=\"secret\">").expect("password shown") + 21;
        created.body[at..].split('<').next().unwrap().to_string()
    };
    assert!(password.len() >= 12);
    let client = app.client();
    let (status, body) =
        client.post("/api/v1/session", serde_json::json!({"username": "sita.tamang", "password": password})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["role"], "caseworker");
    let mut signed_in = app.client();
    signed_in.token = body["token"].as_str().map(str::to_string);
    assert_eq!(signed_in.get("/api/v1/cases").await.0, StatusCode::OK, "the new account works");
    assert!(!browser.get("/admin/users").await.body.contains(&password), "shown once only");

    // Deactivation ends the account's sessions and sign-ins.
    let id = {
        let page = browser.get("/admin/users").await;
        let marker = "Deactivate sita.tamang";
        let at = page.body.find(marker).expect("deactivate button");
        let form = page.body[..at].rfind("/admin/users/").unwrap() + 13;
        page.body[form..].split('/').next().unwrap().to_string()
    };
    let forged = browser.post(&format!("/admin/users/{id}/active"), &[("csrf", "x"), ("active", "0")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = browser.post(&format!("/admin/users/{id}/active"), &[("csrf", &csrf), ("active", "0")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // Its open session ends at once, not when a cache entry expires.
    let (status, body) = signed_in.get("/api/v1/cases").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) =
        client.post("/api/v1/session", serde_json::json!({"username": "sita.tamang", "password": password})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(browser.get("/admin/users").await.body.contains("Reactivate sita.tamang"));
    for (path, status) in [
        (format!("/admin/users/{id}/active"), StatusCode::BAD_REQUEST),
        ("/admin/users/not-an-id/active".to_string(), StatusCode::NOT_FOUND),
        ("/admin/users/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f/active".to_string(), StatusCode::NOT_FOUND),
    ] {
        let active = if status == StatusCode::BAD_REQUEST { "maybe" } else { "0" };
        let page = browser.post(&path, &[("csrf", &csrf), ("active", active)]).await;
        assert_page(&page, status);
    }
    let done = browser.post(&format!("/admin/users/{id}/active"), &[("csrf", &csrf), ("active", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let (status, _) =
        client.post("/api/v1/session", serde_json::json!({"username": "sita.tamang", "password": password})).await;
    assert_eq!(status, StatusCode::OK);

    let supervisor = Browser::sign_in(&app.base, "tdh.sup").await;
    let csrf = supervisor.csrf().await;
    let refused = supervisor.post(&format!("/admin/users/{id}/active"), &[("csrf", &csrf), ("active", "0")]).await;
    assert_page(&refused, StatusCode::FORBIDDEN);
}

fn organisation_form<'a>(csrf: &'a str, countries: &'a str, prefix: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "Shelter Kathmandu"),
        ("type", "NGO"),
        ("countries", countries),
        ("reference_prefix", prefix),
        ("services", "shelter, legal assistance"),
        ("contact", "+977 1 000000"),
    ]
}

fn user_form(csrf: &str, organisation: &str, username: &str, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_string()),
        ("username", username.to_string()),
        ("display_name", "Sita Tamang".to_string()),
        ("role", "caseworker".to_string()),
        ("organisation_id", organisation.to_string()),
        ("language", "ne".to_string()),
        ("password", password.to_string()),
    ]
}

/// The value of the table row labelled `label` in the chart `chart`.
fn chart_value(page: &Page, chart: &str, label: &str) -> String {
    let start = page.body.find(&format!("id=\"{chart}-heading\"")).expect("chart");
    let section = &page.body[start..];
    let section = &section[..section.find("</section>").unwrap()];
    let row =
        section.find(&format!("<th scope=\"row\">{label}</th><td>")).unwrap_or_else(|| panic!("{label} in {chart}"));
    let value = &section[row + label.len() + 25..];
    value.split('<').next().unwrap().to_string()
}

async fn the_dashboard_counts_the_supervisors_cases_and_nothing_else(app: &TestApp) {
    network(app).await;
    let caseworker = app.sign_in("tdh.cw").await;
    for (given, risk) in [("Arbën", "high"), ("Drita", "low")] {
        let mut body = crate::support::child(given, "Krasniqi");
        body["risk_level"] = serde_json::json!(risk);
        let (status, body) = caseworker.post("/api/v1/cases", body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // One case nobody is assigned to, and one of another organisation.
    let (status, _) = app.sign_in("tdh.sup").await.post("/api/v1/cases", crate::support::child("Besa", "Gashi")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app.sign_in("oth.cw").await.post("/api/v1/cases", crate::support::child("Other", "Child")).await;
    assert_eq!(status, StatusCode::CREATED);
    // A month ago: every deadline of those cases has passed.
    app.raw_sql("UPDATE cases SET created_at = created_at - 2592000000").await;
    app.raw_sql("UPDATE work_items SET due_at = due_at - 2592000000").await;

    let browser = Browser::sign_in(&app.base, "tdh.sup").await;
    let page = browser.get("/dashboard").await;
    assert_page(&page, StatusCode::OK);
    assert_eq!(page.title(), "Dashboard · Safepath");
    assert_eq!(chart_value(&page, "caseload", "tdh.cw"), "2");
    assert_eq!(chart_value(&page, "caseload", "tdh.sup"), "0");
    assert_eq!(chart_value(&page, "caseload", "Not assigned"), "1");
    assert_eq!(chart_value(&page, "status", "Registered"), "3");
    assert_eq!(chart_value(&page, "risk", "High risk"), "2");
    assert_eq!(chart_value(&page, "risk", "Medium risk"), "0");
    assert_eq!(chart_value(&page, "risk", "Low risk"), "1");
    let overdue: i64 = chart_value(&page, "overdue", "tdh.cw").parse().unwrap();
    assert!(overdue >= 2, "two cases a month old have overdue work: {overdue}");
    assert_eq!(chart_value(&page, "overdue", "tdh.sup"), "0");
    let unassigned: i64 = chart_value(&page, "overdue", "Not assigned").parse().unwrap();
    assert!(unassigned >= 1, "an unassigned case past its assignment deadline");
    // Accessible charts: a role, a title and a description each.
    assert_eq!(page.body.matches("<svg role=\"img\"").count(), 4);
    assert_eq!(page.body.matches("<title id=").count(), 4);
    assert_eq!(page.body.matches("<desc id=").count(), 4);
    // Aggregates only: no child is named, no other organisation counted.
    for name in ["Arbën", "Drita", "Besa", "Krasniqi", "Other", "oth.cw"] {
        assert!(!page.body.contains(name), "{name} on the dashboard");
    }
    for username in ["tdh.cw", "tdh.fp", "tdh.admin"] {
        assert_page(&Browser::sign_in(&app.base, username).await.get("/dashboard").await, StatusCode::FORBIDDEN);
    }
}

/// Every page of this file under 100 KB on a first load (page, stylesheet
/// and script, gzip as a browser receives them) and 30 KB later (the assets
/// are cached under hashed names). Sizes printed for docs/benchmarks.md.
async fn every_page_is_small_on_a_slow_link(app: &TestApp) {
    network(app).await;
    for i in 0..20 {
        send_alert(app, "tdh.fp", &format!("Market {i}")).await;
        let (status, _) =
            app.sign_in("tdh.cw").await.post("/api/v1/cases", crate::support::child(&format!("Child{i}"), "X")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, body) = app.sign_in("tdh.sup").await.get("/api/v1/alerts").await;
    let alert = body["alerts"][0]["id"].as_str().unwrap().to_string();
    let mut pages = Vec::new();
    for (username, path) in [
        ("tdh.fp", "/alert".to_string()),
        ("tdh.sup", "/alerts".to_string()),
        ("tdh.sup", format!("/alerts/{alert}")),
        ("tdh.sup", "/directory".to_string()),
        ("tdh.sup", "/dashboard".to_string()),
        ("tdh.admin", "/admin/users".to_string()),
        ("tdh.admin", "/admin/organisations".to_string()),
    ] {
        let browser = Browser::sign_in(&app.base, username).await;
        let page = browser.get(&path).await;
        assert_page(&page, StatusCode::OK);
        let assets: Vec<String> = ["href=\"/static/", "src=\"/static/"]
            .iter()
            .map(|marker| page.body.split(marker).nth(1).unwrap().split('"').next().unwrap().to_string())
            .collect();
        let (bytes, encoding, _) = transferred(&browser.http, &format!("{}{path}", app.base)).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{path}");
        let mut first = bytes;
        for asset in &assets {
            first += transferred(&browser.http, &format!("{}/static/{asset}", app.base)).await.0;
        }
        assert!(bytes < 30_000 && first < 100_000, "{path}: {bytes} B, {first} B on a first load");
        pages.push(format!("{path}: {bytes} B page, {first} B first load"));
    }
    eprintln!("{}", pages.join("\n"));
}
