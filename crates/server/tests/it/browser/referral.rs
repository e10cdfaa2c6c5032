//! Two browsers at once, two organisations in two countries: a caseworker in
//! Tirana registers a child, records an assessment and a best-interest
//! assessment; the supervisor approves; the caseworker makes a plan and
//! refers the child, with consent, to a partner in Paris whose caseworker
//! works in French and sees only the shared sections, accepts and completes
//! the referral; the closure is requested and approved. Every page visited
//! is checked by axe-core, and the French pages are checked against the
//! French translation files.

use chrono::{Days, Utc};
use safepath_domain::codes::Role;

use super::driver::{app_on, Outcome, Strings, Tab, TwoBrowsers};
use crate::support::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_is_referred_across_a_border_and_closed_in_two_browsers_on_sqlite() {
    two_browsers(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_is_referred_across_a_border_and_closed_in_two_browsers_on_postgres() {
    two_browsers(Backend::Postgres).await;
}

async fn two_browsers(backend: Backend) {
    let Some((app, axe)) = app_on(backend).await else { return };
    // Tirana's caseworker and supervisor work in English (the default),
    // Paris's caseworker in French.
    let tirana = app.seed_organisation("Tirana Child Protection", "AL").await;
    app.seed_user("al.cw", Role::Caseworker, &tirana).await;
    app.seed_user("al.sup", Role::Supervisor, &tirana).await;
    let paris = app.seed_organisation("Paris Accueil Mineurs", "FR").await;
    crate::web::seed_user_speaking(&app, "fr.cw", Role::Caseworker, &paris, "fr").await;

    let browsers = TwoBrowsers::open(&app, &axe).await;
    let outcome = story(&browsers.a, &browsers.b, &paris).await;
    browsers.finish(outcome).await;
}

fn day(days: u64) -> String {
    Utc::now().date_naive().checked_add_days(Days::new(days)).expect("a date").to_string()
}

/// `a` works in Tirana as the caseworker throughout; `b` is the supervisor
/// of Tirana, then the partner's caseworker in Paris, then the supervisor
/// again: two sessions open at once, in two languages. `paris` is the
/// partner organisation's id.
async fn story(a: &Tab, b: &Tab, paris: &str) -> Outcome {
    let (en, fr) = (Strings::of("en"), Strings::of("fr"));

    // Both sign in; the partner's My work is in French and holds nothing yet.
    a.sign_in("al.cw").await?;
    b.sign_in("fr.cw").await?;
    if b.lang().await? != "fr" {
        return Err("the French caseworker's pages are not marked French".into());
    }
    b.shows(&[&fr.t("my-work-title"), &fr.t("my-work-referrals"), &fr.t("my-work-nothing")]).await?;
    b.hides(&[&fr.t("my-work-referral")]).await?;

    // Tirana registers the child, with consent to services and to sharing.
    a.click_link(&en.t("nav-register")).await?;
    a.wait_for_path(|path| path == "/cases/new").await?;
    a.fill("given_name", "Drita").await?;
    a.fill("family_name", "Hoxha").await?;
    a.fill("estimated_age", "15").await?;
    a.select("sex", "Feminine").await?;
    a.fill("place", "Tirana bus station").await?;
    a.select("channel", "outreach").await?;
    a.select("risk_level", "high").await?;
    a.select("consent_given_by", "guardian").await?;
    a.click("#consent_sharing").await?;
    a.submit("main form button[type=submit]").await?;
    a.wait_for_path(|path| path.starts_with("/cases/") && path != "/cases/new").await?;
    let case_page = a.path().await?;
    a.shows(&["Drita Hoxha", &en.t("code-risk-high"), &en.t("code-status-registered")]).await?;

    // A vulnerability assessment, then the best-interest assessment.
    a.click("#assessment summary").await?;
    a.select("va-level", "individual").await?;
    a.fill("va-notes", "Out of school since March").await?;
    a.submit("form[action$='/workflow/assessment'] button[type=submit]").await?;
    a.shows(&[&en.t("wf-record-vulnerability_assessment"), "Out of school since March"]).await?;
    a.fill("bia-words", "I want to go back to school and see my mother.").await?;
    a.fill("bia-language", "sq").await?;
    a.fill("bia-protection", "Safe in the shelter; the recruiter knows her village.").await?;
    a.fill("bia-recommendation", "Education and legal aid; family assessment first").await?;
    a.submit("form[action$='/workflow/bia'] button[type=submit]").await?;
    a.shows(&[&en.t("wf-record-bia"), "Education and legal aid; family assessment first"]).await?;
    a.check("case-page-bia").await?;

    // The partner signs out; Tirana's supervisor approves the assessment.
    b.sign_out().await?;
    b.sign_in("al.sup").await?;
    b.shows(&[&en.t("my-work-approval-bia")]).await?;
    b.click_link(&en.t("nav-approvals")).await?;
    b.wait_for_path(|path| path == "/approvals").await?;
    b.check("approvals").await?;
    b.click_link(&en.t("wf-approval-bia")).await?;
    b.wait_for_path(|path| path.starts_with("/cases/")).await?;
    b.submit("form[action$='/workflow/approve-bia'] button[value=approved]").await?;
    let approved_bia = en.get("wf-history-approved", &[("what", &en.t("wf-approval-bia"))]);
    b.shows(&[&approved_bia]).await?;

    // The caseworker makes the plan; the supervisor approves it too.
    a.goto(&case_page).await?;
    a.shows(&[&approved_bia]).await?;
    a.click("#plan summary").await?;
    a.fill("plan-goal", "Back to school in Tirana").await?;
    a.select("plan-service", "education").await?;
    a.fill("plan-provider", "School no. 5").await?;
    a.set_date("plan-due", &day(20)).await?;
    a.submit("form[action$='/workflow/plan'] button[type=submit]").await?;
    a.shows(&[&en.t("wf-record-case_plan"), "Back to school in Tirana"]).await?;
    b.goto(&case_page).await?;
    b.submit("form[action$='/workflow/approve-case_plan'] button[value=approved]").await?;
    b.shows(&[&en.get("wf-history-approved", &[("what", &en.t("wf-approval-case_plan"))])]).await?;
    b.sign_out().await?;

    // The referral to Paris shares the summary and the plan, for 30 days.
    a.goto(&case_page).await?;
    a.click("#referral summary").await?;
    a.select("ref-org", paris).await?;
    a.select("ref-reason", "AdditionalServicesRequired").await?;
    a.select("ref-service", "legal_assistance").await?;
    a.click("#ref-section-summary").await?;
    a.click("#ref-section-case_plan").await?;
    a.set_date("ref-until", &day(30)).await?;
    a.submit("form[action$='/workflow/referral'] button[type=submit]").await?;
    a.shows(&[&en.t("wf-service-legal_assistance"), &en.t("wf-referral-status-requested")]).await?;
    a.check("case-page-referred").await?;

    // Paris, in French: the referral in My work, only the shared sections.
    b.sign_in("fr.cw").await?;
    b.shows(&[&fr.t("my-work-referral")]).await?;
    b.check("my-work-french").await?;
    b.click_link(&fr.t("my-work-referral")).await?;
    b.wait_for_path(|path| path.starts_with("/referrals/")).await?;
    let referral_page = b.path().await?;
    if b.lang().await? != "fr" {
        return Err("the referral page is not marked French".into());
    }
    b.shows(&[
        &fr.t("referral-title"),
        &fr.t("referral-only-shared"),
        &fr.t("wf-section-summary"),
        &fr.t("wf-section-case_plan"),
        &fr.t("wf-service-legal_assistance"),
        &fr.t("wf-referral-status-requested"),
        &fr.t("wf-field-reference"),
        &fr.t("code-status-implementation"),
        "Back to school in Tirana",
    ])
    .await?;
    // Nothing beyond the shared sections: no name, no best-interest
    // assessment, no child's words, no vulnerability notes.
    b.hides(&[
        "Drita",
        "Hoxha",
        "Education and legal aid",
        "I want to go back to school",
        "Out of school since March",
        "shared-identity",
        "shared-best_interest",
        // The shared sections in words, not the stored JSON's names and ids.
        "case_id",
        "created_at",
        "risk_level",
    ])
    .await?;
    b.check("referral-french").await?;
    b.submit("button[name=action][value=accept]").await?;
    b.wait_for_path(|path| path.starts_with("/referrals/")).await?;
    b.shows(&[&fr.t("wf-referral-status-accepted")]).await?;
    b.fill("outcome", "Aide juridique apportée ; scolarisation confirmée").await?;
    b.submit("form:has(#outcome) button[type=submit]").await?;
    // Completing is confirmed in French on a page that shows nothing of the
    // case, and it ends the partner's access to the shared sections.
    b.wait_for_path(|path| path.starts_with("/referrals/answered")).await?;
    b.shows(&[&fr.t("referral-answered-title"), &fr.t("referral-completed-body")]).await?;
    b.hides(&["Back to school", "Drita"]).await?;
    b.goto(&referral_page).await?;
    if b.status().await? != 404 {
        return Err(format!("{referral_page} is still readable after its completion"));
    }
    b.hides(&["Back to school", "Drita"]).await?;

    // The case itself stays out of Paris's reach: the same 404 as a missing
    // page, in French, with nothing of the child on it.
    b.goto(&case_page).await?;
    if b.status().await? != 404 {
        return Err(format!("the partner opened {case_page}"));
    }
    b.shows(&[&fr.t("error-not-found-title"), &fr.t("error-not-found-body")]).await?;
    b.hides(&["Drita", "Hoxha", "Tirana bus station", "Back to school"]).await?;
    b.check("not-found-french").await?;
    b.sign_out().await?;

    // Tirana sees the referral completed and asks for the closure.
    a.goto(&case_page).await?;
    a.shows(&[&en.t("wf-referral-status-completed")]).await?;
    a.click("#closure summary").await?;
    a.select("closure-reason", "goals_achieved").await?;
    a.fill("closure-details", "Back at school, living with her mother").await?;
    a.submit("form[action$='/workflow/closure'] button[type=submit]").await?;
    a.shows(&[&en.t("code-status-closure_requested")]).await?;

    // The supervisor approves the closure from My work.
    b.sign_in("al.sup").await?;
    b.click_link(&en.t("my-work-approval-closure")).await?;
    b.wait_for_path(|path| path.starts_with("/cases/")).await?;
    b.submit("form[action$='/workflow/approve-closure'] button[value=approved]").await?;
    let closed = en.get(
        "wf-history-status",
        &[("from", &en.t("code-status-closure_requested")), ("to", &en.t("code-status-closed"))],
    );
    b.shows(&[&en.get("wf-history-approved", &[("what", &en.t("wf-approval-closure"))]), &closed]).await?;
    b.goto("/dashboard").await?;
    b.shows(&[&en.t("dashboard-title")]).await?;
    b.hides(&["Drita", "Hoxha"]).await?;
    b.check("dashboard").await?;
    a.goto(&case_page).await?;
    a.shows(&[&closed]).await?;
    a.check("case-page-closed").await
}
