//! A caseworker registers a child in Chromium: one refused attempt that keeps
//! what was typed, the case page, a case plan refused before an approved
//! best-interest assessment (explained on the page), and a Nepali colleague
//! whose pages are in Devanagari.

use reqwest::StatusCode;
use safepath_domain::codes::Role;
use serde_json::{json, Value};

use fantoccini::key::Key;

use super::driver::{prerequisites, Chromedriver, Outcome, Strings, Tab, Typed};
use crate::support::{child, Backend, TestApp, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caseworker_registers_a_child_in_chromium_and_every_page_passes_axe() {
    let Some(axe) = prerequisites() else { return };
    let app = TestApp::start(Backend::Sqlite).await.expect("app");
    let org = app.seed_organisation("Maiti Nepal", "NP").await;
    app.seed_user("sunita", Role::Caseworker, &org).await;
    crate::web::seed_user_speaking(&app, "sarita", Role::Caseworker, &org, "ne").await;
    let nepali = app.sign_in("sarita").await;
    for (given, family) in [("सीता", "थापा"), ("Gita", "Karki")] {
        let (status, body) = nepali.post("/api/v1/cases", child(given, family)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let api = app.sign_in("sunita").await;
    for (given, family, risk) in [
        ("Anjali", "Tamang", "high"),
        ("Bishnu", "Gurung", "medium"),
        ("Kamala", "Rai", "low"),
        ("Laxmi", "Magar", "high"),
        ("Puja", "Shrestha", "medium"),
    ] {
        let mut body = child(given, family);
        body["risk_level"] = json!(risk);
        let (status, body) = api.post("/api/v1/cases", body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let driver = Chromedriver::start().await;
    let tab = driver.tab(&app.base, &axe).await;
    let outcome = story(&tab).await;
    tab.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

async fn story(tab: &Tab) -> Outcome {
    let en = Strings::of("en");

    // Sign in with the keyboard alone: the skip link comes first, then the
    // form's fields in order; Enter sends the form.
    tab.goto("/sign-in").await?;
    tab.check("sign-in").await?;
    tab.keys(&[Typed::Key(Key::Tab)]).await?;
    expect_focus(tab, "skip").await?;
    tab.keys(&[Typed::Key(Key::Tab)]).await?;
    expect_focus(tab, "username").await?;
    tab.keys(&[Typed::Text("sunita"), Typed::Key(Key::Tab)]).await?;
    expect_focus(tab, "password").await?;
    tab.keys(&[Typed::Text(PASSWORD), Typed::Key(Key::Enter)]).await?;
    tab.wait_for_path(|path| path == "/").await?;
    tab.shows(&[&en.t("my-work-title"), "Anjali Tamang"]).await?;
    // The skip link takes the focus past the navigation to the content.
    tab.keys(&[Typed::Key(Key::Tab), Typed::Key(Key::Enter)]).await?;
    expect_focus(tab, "main").await?;
    tab.check("my-work").await?;
    tab.click_link(&en.t("nav-cases")).await?;
    tab.wait_for_path(|path| path == "/cases").await?;
    tab.check("case-list").await?;

    // Registration: a first attempt without a place is refused and keeps the name.
    tab.click_link(&en.t("nav-register")).await?;
    tab.wait_for_path(|path| path == "/cases/new").await?;
    tab.check("registration").await?;
    tab.fill("given_name", "Sabina").await?;
    tab.fill("family_name", "Lama").await?;
    tab.fill("estimated_age", "12").await?;
    tab.select("sex", "Feminine").await?;
    tab.select("channel", "community_focal_point").await?;
    tab.select("risk_level", "high").await?;
    tab.select("consent_given_by", "child").await?;
    tab.submit("main form button[type=submit]").await?;
    tab.wait_for_text(&en.t("error-place")).await?;
    let kept = tab.js("return document.getElementById('given_name').value", vec![]).await?;
    if kept != json!("Sabina") {
        return Err(format!("the refused form lost the name: {kept}"));
    }
    let focused = tab.js("return document.activeElement.id", vec![]).await?;
    if focused != json!("error-summary") {
        return Err(format!("the error summary should have focus, not {focused}"));
    }
    tab.check("registration-refused").await?;
    tab.fill("place", "Birgunj border crossing").await?;
    tab.submit("main form button[type=submit]").await?;
    tab.wait_for_path(|path| path.starts_with("/cases/") && path != "/cases/new").await?;
    let case_page = tab.path().await?;
    let (channel, risk) = (en.t("code-channel-community_focal_point"), en.t("code-risk-high"));
    tab.shows(&["Sabina Lama", "Birgunj border crossing", &channel, &risk]).await?;
    tab.check("case-page").await?;

    // A case plan before an approved best-interest assessment: refused, the
    // refusal and what is missing explained on the page, what was typed kept.
    tab.click("#plan summary").await?;
    tab.fill("plan-goal", "Back to school").await?;
    tab.select("plan-service", "education").await?;
    tab.fill("plan-provider", "Birgunj school").await?;
    let due = (chrono::Utc::now().date_naive() + chrono::Days::new(20)).to_string();
    tab.set_date("plan-due", &due).await?;
    tab.submit("form[action$='/workflow/plan'] button[type=submit]").await?;
    tab.shows(&[
        &en.t("wf-refusal-plan-bia_not_approved"),
        &en.t("wf-missing-approved-bia"),
        &en.t("wf-missing-no-bia"),
    ])
    .await?;
    tab.hides(&["bia_not_approved"]).await?;
    let problem = tab.js("return document.getElementById('problem') !== null", vec![]).await?;
    if problem != json!(true) {
        return Err("the refusal is not in the page's problem box".into());
    }
    for (field, typed) in
        [("plan-goal", "Back to school"), ("plan-service", "education"), ("plan-provider", "Birgunj school")]
    {
        let kept: Value = tab.js("return document.getElementById(arguments[0]).value", vec![json!(field)]).await?;
        if kept != json!(typed) {
            return Err(format!("the refused plan lost {field}: {kept}"));
        }
    }
    tab.check("plan-refused").await?;
    // Nothing was written: the case page read afresh has no plan.
    tab.goto(&case_page).await?;
    tab.hides(&["Back to school", "Birgunj school"]).await?;

    // Sign out; a caseworker who reads Nepali signs in and sees Devanagari.
    let ne = Strings::of("ne");
    tab.sign_out().await?;
    tab.sign_in("sarita").await?;
    if tab.lang().await? != "ne" {
        return Err("My work is not marked as Nepali".into());
    }
    tab.shows(&[&ne.t("my-work-title"), "सीता थापा"]).await?;
    tab.check("my-work-nepali").await?;
    tab.goto("/cases/new").await?;
    tab.shows(&[&ne.t("register-title")]).await?;
    tab.check("registration-nepali").await
}

async fn expect_focus(tab: &Tab, wanted: &str) -> Outcome {
    match tab.focused().await? {
        focused if focused == wanted => Ok(()),
        focused => Err(format!("the focus should be on {wanted}, not {focused} ({})", tab.path().await?)),
    }
}
