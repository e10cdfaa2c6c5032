//! The case workflow in the web pages (issue #5 §2–3) over HTTP, as a
//! browser without JavaScript uses them: forms with CSRF tokens, refusals
//! explained in the page in the user's language, what was typed kept.

use chrono::{Days, Utc};
use reqwest::StatusCode;
use safepath_domain::codes::Role;
use serde_json::json;

use crate::support::{child, TestApp};
use crate::web::{organisation, seed_user_speaking, Browser, Page};

crate::on_both_backends!(
    a_bia_approved_by_the_supervisor_opens_the_case_plan,
    a_plan_before_an_approved_bia_is_explained_in_french,
    a_receiver_sees_only_the_shared_sections,
    a_closure_requested_by_the_caseworker_is_approved_by_the_supervisor,
);

/// `today` plus `days`, as a date input sends it.
fn day(days: u64) -> String {
    Utc::now().date_naive().checked_add_days(Days::new(days)).unwrap().to_string()
}

/// The page's text with askama's escapes of quotes undone.
fn text(page: &Page) -> String {
    page.body.replace("&#39;", "'").replace("&quot;", "\"").replace("&#x27;", "'")
}

/// Registers a child through the API (with consent for sharing when asked).
async fn register(app: &TestApp, username: &str, given: &str, sharing: bool) -> String {
    let client = app.sign_in(username).await;
    let mut body = child(given, "Hoxha");
    if sharing {
        body["consents"]
            .as_array_mut()
            .unwrap()
            .push(json!({"purpose": "sharing", "given_by": "guardian", "date": "2026-11-01"}));
    }
    let (status, body) = client.post("/api/v1/cases", body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["case"]["id"].as_str().unwrap().to_string()
}

async fn post_step(browser: &Browser, case: &str, step: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = browser.csrf().await;
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser.post(&format!("/cases/{case}/workflow/{step}"), &form).await
}

fn assert_done(page: &Page, case: &str, anchor: &str) {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), format!("/cases/{case}#{anchor}"));
}

async fn record_bia(browser: &Browser, case: &str) {
    let today = day(0);
    let done = post_step(
        browser,
        case,
        "bia",
        &[
            ("date", &today),
            ("childs_words", "Dua të shkoj në shkollë."),
            ("childs_language", "sq"),
            ("not_heard_because", ""),
            ("protection", "Safe in the shelter"),
            ("recommendation", "Plan education and legal aid"),
        ],
    )
    .await;
    assert_done(&done, case, "bia");
}

async fn approve_bia(browser: &Browser, case: &str) {
    let done = post_step(browser, case, "approve-bia", &[("decision", "approved"), ("comment", "")]).await;
    assert_done(&done, case, "approvals");
}

async fn make_plan(browser: &Browser, case: &str) {
    let due = day(20);
    let done = post_step(
        browser,
        case,
        "plan",
        &[
            ("goal", "Back to school in Tirana"),
            ("service_type", "education"),
            ("provider_name", "School no. 5"),
            ("due_date", &due),
        ],
    )
    .await;
    assert_done(&done, case, "plan");
}

async fn a_bia_approved_by_the_supervisor_opens_the_case_plan(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;

    // The case page holds the workflow's forms, each with the CSRF token.
    let page = cw.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for step in ["assessment", "bia", "plan", "service", "referral", "follow-up", "closure"] {
        assert!(page.body.contains(&format!(r#"action="/cases/{case}/workflow/{step}""#)), "no {step} form");
    }
    assert_eq!(page.body.matches(r#"name="csrf""#).count(), 8, "every form and sign-out carry the token");

    // A short vulnerability assessment.
    let today = day(0);
    let done =
        post_step(&cw, &case, "assessment", &[("level", "individual"), ("date", &today), ("notes", "Out of school")])
            .await;
    assert_done(&done, &case, "assessment");

    // A BIA missing its recommendation comes back with what was typed.
    let refused = post_step(
        &cw,
        &case,
        "bia",
        &[
            ("date", &today),
            ("childs_words", "Dua të shkoj në shkollë."),
            ("protection", "Safe"),
            ("recommendation", ""),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(&refused);
    assert!(body.contains("Some fields need correcting") && body.contains("Check: Recommendation"), "{body}");
    assert!(body.contains(">Dua të shkoj në shkollë.</textarea>"), "the child's words are kept");

    // The BIA; the supervisor finds it in My work and the approvals queue.
    record_bia(&cw, &case).await;
    let home = sup.get("/").await;
    assert!(home.body.contains("Best-interest assessment to approve"), "{}", home.body);
    assert!(home.body.contains(&format!("/cases/{case}#approvals")));
    let queue = sup.get("/approvals").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&format!("/cases/{case}#approvals")), "{}", queue.body);

    // A caseworker may not approve: explained on the page, nothing decided.
    let forbidden = post_step(&cw, &case, "approve-bia", &[("decision", "approved")]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(text(&forbidden).contains("Your role may not do this: a supervisor must."), "{}", forbidden.body);

    // The supervisor approves; the caseworker makes the plan.
    approve_bia(&sup, &case).await;
    assert!(sup.get("/approvals").await.body.contains("No approval is waiting."));
    make_plan(&cw, &case).await;
    let page = cw.get(&format!("/cases/{case}")).await;
    let body = text(&page);
    assert!(body.contains("Back to school in Tirana"), "the plan is on the page");
    assert!(body.contains("Approved: Best-interest assessment"), "the history shows the approval");
    assert!(body.contains("Status: Best interest → Case plan"), "{body}");
    // The plan waits for its own approval.
    assert!(sup.get("/").await.body.contains("Case plan to approve"));

    // A follow-up, then a closure request without a reason is refused, kept.
    let due = day(7);
    let done = post_step(&cw, &case, "follow-up", &[("kind", "home_visit"), ("due_date", &due), ("notes", "")]).await;
    assert_done(&done, &case, "follow-up");
    let refused = post_step(&cw, &case, "closure", &[("reason", ""), ("details", "Moved with her aunt")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains(">Moved with her aunt</textarea>"));
}

async fn a_plan_before_an_approved_bia_is_explained_in_french(app: &TestApp) {
    let org = organisation(app, "Tirana Child Protection", "al").await;
    seed_user_speaking(app, "fr.cw", Role::Caseworker, &org, "fr").await;
    let case = register(app, "fr.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "fr.cw").await;

    let due = day(20);
    let plan = [
        ("goal", "Scolarisation à Tirana"),
        ("service_type", "education"),
        ("provider_name", "École no 5"),
        ("due_date", due.as_str()),
    ];
    let refused = post_step(&cw, &case, "plan", &plan).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains(r#"<html lang="fr" dir="ltr">"#));
    let body = text(&refused);
    assert!(
        body.contains("Un plan de prise en charge nécessite une évaluation de l'intérêt supérieur approuvée"),
        "{body}"
    );
    assert!(body.contains("Ce qui manque : une évaluation de l'intérêt supérieur approuvée par un superviseur"));
    assert!(body.contains("Aucune évaluation de l'intérêt supérieur n'est encore enregistrée pour ce cas"));
    assert!(!body.contains("bia_not_approved") && !body.contains("a case plan needs"), "no raw error");
    // What was typed is kept, the service chosen still selected.
    assert!(body.contains(">Scolarisation à Tirana</textarea>"));
    assert!(body.contains(r#"<option value="education" selected>"#));

    // With a BIA waiting for approval, the page says that is what is missing.
    record_bia(&cw, &case).await;
    let refused = post_step(&cw, &case, "plan", &plan).await;
    let problem = refused.body.find("id=\"problem\"").map(|at| &refused.body[at..at + 600]).unwrap_or("");
    assert_eq!(refused.status, StatusCode::CONFLICT, "{problem}");
    assert!(text(&refused).contains("L'évaluation de l'intérêt supérieur attend l'approbation d'un superviseur."));
    // Nothing was written: no plan on the case page.
    let page = cw.get(&format!("/cases/{case}")).await;
    assert!(!page.body.contains("Scolarisation à Tirana"));
}

async fn a_receiver_sees_only_the_shared_sections(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let athens = organisation(app, "Athens Child Support", "gr").await;
    let case = register(app, "al.cw", "Drita", true).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    record_bia(&cw, &case).await;
    approve_bia(&sup, &case).await;
    make_plan(&cw, &case).await;

    // The referral shares the summary and the case plan, for 30 days.
    let until = day(30);
    let done = post_step(
        &cw,
        &case,
        "referral",
        &[
            ("to_organisation", &athens),
            ("reason", "AdditionalServicesRequired"),
            ("service_type", "legal_assistance"),
            ("section", "summary"),
            ("section", "case_plan"),
            ("access_until", &until),
        ],
    )
    .await;
    assert_done(&done, &case, "referral");

    // The partner's caseworker finds it in My work and reads only those sections.
    let partner = Browser::sign_in(&app.base, "gr.cw").await;
    let home = partner.get("/").await;
    let at = home.body.find("/referrals/").expect("the referral in My work");
    let link = home.body[at..].split('"').next().unwrap().to_string();
    let shared = partner.get(&link).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    assert!(shared.body.contains(r#"id="shared-summary""#) && shared.body.contains(r#"id="shared-case_plan""#));
    assert!(text(&shared).contains("Back to school in Tirana"), "the shared plan");
    for unshared in ["shared-identity", "shared-best_interest", "shared-vulnerability", "shared-consents"] {
        assert!(!shared.body.contains(unshared), "{unshared} was not shared");
    }
    assert!(!shared.body.contains("Plan education and legal aid"), "the BIA is not shared");
    assert!(!shared.body.contains("Dua të shkoj"), "the child's words are not shared");
    // The case itself stays out of reach.
    assert_eq!(partner.get(&format!("/cases/{case}")).await.status, StatusCode::NOT_FOUND);

    // The partner accepts.
    let csrf = partner.csrf().await;
    let accepted = partner.post(&link, &[("csrf", &csrf), ("action", "accept")]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert!(partner.get(&link).await.body.contains("Accepted"));
}

async fn a_closure_requested_by_the_caseworker_is_approved_by_the_supervisor(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    record_bia(&cw, &case).await;
    approve_bia(&sup, &case).await;
    make_plan(&cw, &case).await;
    let done = post_step(&sup, &case, "approve-case_plan", &[("decision", "approved")]).await;
    assert_done(&done, &case, "approvals");

    // A rejection needs a comment: refused, explained, nothing decided.
    let done = post_step(&cw, &case, "closure", &[("reason", "goals_achieved"), ("details", "Back at school")]).await;
    assert_done(&done, &case, "closure");
    assert!(sup.get("/").await.body.contains("Closure to approve"));
    let refused = post_step(&sup, &case, "approve-closure", &[("decision", "rejected"), ("comment", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(text(&refused).contains("Check: Comment (required to reject)"), "{}", refused.body);

    let done = post_step(&sup, &case, "approve-closure", &[("decision", "approved")]).await;
    assert_done(&done, &case, "approvals");
    let page = text(&cw.get(&format!("/cases/{case}")).await);
    assert!(page.contains("Approved: Closure") && page.contains("Closure requested → Closed"), "{page}");
}
