//! A community focal point sends an alert and can open nothing else: the
//! alert form is their only page, it gives back receipts and no names, and
//! every case, list or queue answers 403 or 404 with nothing of a child on
//! it. Meanwhile a caseworker of the same organisation, in a second
//! browser, sees the alert arrive in *My work* and registers the child from
//! it (a case the focal point cannot open either); then the administrator
//! manages accounts and reads no child. Axe-core checks each page.

use reqwest::StatusCode;
use safepath_domain::codes::Role;

use super::driver::{app_on, Outcome, Strings, Tab, TwoBrowsers};
use crate::support::{child, Backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focal_point_sends_an_alert_and_can_open_no_case_on_sqlite() {
    alert_story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focal_point_sends_an_alert_and_can_open_no_case_on_postgres() {
    alert_story(Backend::Postgres).await;
}

async fn alert_story(backend: Backend) {
    let Some((app, axe)) = app_on(backend).await else { return };
    let tirana = app.seed_organisation("Tirana Child Protection", "AL").await;
    app.seed_user("al.cw", Role::Caseworker, &tirana).await;
    app.seed_user("al.fp", Role::FocalPoint, &tirana).await;
    app.seed_user("al.admin", Role::Admin, &tirana).await;
    let (status, body) = app.sign_in("al.cw").await.post("/api/v1/cases", child("Drita", "Hoxha")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let case = Case {
        page: format!("/cases/{}", body["case"]["id"].as_str().expect("id")),
        reference: body["case"]["reference"].as_str().expect("reference").to_string(),
    };

    let browsers = TwoBrowsers::open(&app, &axe).await;
    let outcome = story(&browsers.a, &browsers.b, &case).await;
    browsers.finish(outcome).await;
}

/// The case the focal point must not reach.
struct Case {
    page: String,
    reference: String,
}

async fn story(fp: &Tab, cw: &Tab, case: &Case) -> Outcome {
    let en = Strings::of("en");
    let nothing_of_the_child = ["Drita", "Hoxha", case.reference.as_str()];

    // The caseworker's My work holds no alert yet.
    cw.sign_in("al.cw").await?;
    cw.shows(&[&en.get("my-work-alerts", &[("count", "0")])]).await?;

    // The focal point lands on the alert form; the navigation holds nothing else.
    fp.sign_in("al.fp").await?;
    fp.wait_for_path(|path| path == "/alert").await?;
    fp.shows(&[&en.t("alert-title"), &en.t("nav-alert"), &en.t("alert-no-receipts")]).await?;
    fp.hides(&[&en.t("nav-my-work"), &en.t("nav-cases"), &en.t("nav-register"), "href=\"/cases"]).await?;
    fp.hides(&nothing_of_the_child).await?;
    fp.check("alert-form").await?;

    // An empty alert is refused, each problem said; then the alert is sent.
    fp.submit("main form button[type=submit]").await?;
    fp.shows(&[&en.t("alert-error-place"), &en.t("alert-error-description"), &en.t("alert-error-reporter")]).await?;
    fp.check("alert-refused").await?;
    fp.select("urgency", "immediate").await?;
    fp.fill("place", "Tirana bus station, platform 2").await?;
    fp.fill("description", "A girl of about twelve selling tissues at night, a man watching her.").await?;
    fp.fill("child_name", "Arbëna").await?;
    fp.fill("child_age", "12").await?;
    fp.fill("reporter", "Teacher, school no. 3").await?;
    fp.submit("main form button[type=submit]").await?;
    fp.wait_for_path(|path| path == "/alert").await?;
    fp.shows(&[&en.t("alert-sent"), &en.t("alert-receipts")]).await?;
    // A receipt, and nothing typed comes back: no name, no place.
    fp.hides(&["Arbëna", "platform 2", &en.t("alert-no-receipts")]).await?;
    fp.check("alert-sent").await?;

    // Every other page is closed to the focal point, and shows no child.
    let closed = [
        case.page.as_str(),
        "/cases",
        "/cases/new",
        "/approvals",
        "/alerts",
        "/dashboard",
        "/directory",
        "/admin/users",
        "/referrals/00000000-0000-4000-8000-000000000000",
    ];
    refused_everywhere(fp, &closed, &nothing_of_the_child).await?;
    // Home is the alert form again.
    fp.goto("/").await?;
    fp.wait_for_path(|path| path == "/alert").await?;

    // The caseworker sees the alert arrive, opens it and registers the child
    // from it.
    cw.goto("/").await?;
    cw.shows(&[&en.get("my-work-alerts", &[("count", "1")]), "Tirana bus station, platform 2"]).await?;
    cw.check("my-work-alert").await?;
    cw.click_link("Tirana bus station, platform 2").await?;
    cw.wait_for_path(|path| path.starts_with("/alerts/")).await?;
    cw.shows(&[&en.t("triage-title"), "Arbëna", "A girl of about twelve selling tissues"]).await?;
    cw.check("alert-triage").await?;
    cw.select("sex", "Feminine").await?;
    cw.select("risk_level", "high").await?;
    cw.submit("form:has(#given_name) button[type=submit]").await?;
    cw.wait_for_path(|path| path.starts_with("/cases/")).await?;
    let from_alert = cw.path().await?;
    cw.shows(&["Arbëna", &en.t("code-channel-community_focal_point")]).await?;
    cw.goto("/alerts").await?;
    cw.check("alerts").await?;
    cw.goto("/directory").await?;
    cw.shows(&["Tirana Child Protection"]).await?;
    cw.check("directory").await?;

    // The case made from the focal point's own alert is closed to them too.
    refused_everywhere(fp, &[from_alert.as_str()], &["Arbëna"]).await?;

    // The administrator manages accounts and organisations, and reads no child.
    cw.sign_out().await?;
    cw.sign_in("al.admin").await?;
    cw.goto("/admin/users").await?;
    cw.shows(&[&en.t("admin-users-title"), "al.fp"]).await?;
    cw.check("admin-users").await?;
    cw.goto("/admin/organisations").await?;
    cw.shows(&[&en.t("admin-organisations-title"), "Tirana Child Protection"]).await?;
    cw.check("admin-organisations").await?;
    refused_everywhere(cw, &[case.page.as_str(), from_alert.as_str()], &nothing_of_the_child).await
}

/// Each of `paths` answers 403 or 404 to the tab's user, with none of
/// `hidden` on the page.
async fn refused_everywhere(tab: &Tab, paths: &[&str], hidden: &[&str]) -> Outcome {
    for path in paths {
        tab.goto(path).await?;
        let status = tab.status().await?;
        if status != 403 && status != 404 {
            return Err(format!("{path} opened ({status})"));
        }
        tab.hides(hidden).await?;
    }
    Ok(())
}
