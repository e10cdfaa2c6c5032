//! The case workflow in the web pages (issue #5 §2–3) over HTTP, as a
//! browser without JavaScript uses them: forms with CSRF tokens, refusals
//! explained in the page in the user's language, what was typed kept.

use chrono::{Days, Utc};
use reqwest::StatusCode;
use safepath_domain::codes::Role;
use serde_json::json;

use safepath_store::RowCounts;

use crate::support::{child, TestApp};
use crate::web::{organisation, seed_user_speaking, Browser, Page};

crate::on_both_backends!(
    a_bia_approved_by_the_supervisor_opens_the_case_plan,
    a_plan_before_an_approved_bia_is_explained_in_french,
    a_receiver_sees_only_the_shared_sections,
    a_supervisor_may_share_without_consent_with_a_reason,
    a_closure_requested_by_the_caseworker_is_approved_by_the_supervisor,
    indicators_are_screened_for_the_supervisor_and_a_person_records_the_status,
    a_bid_is_recorded_with_its_panel_and_approved,
    a_transfer_is_explained_accepted_by_the_receiver_and_completed,
    standards_of_care_show_who_checked_and_what_is_unmet,
    episodes_are_drawn_as_timelines_with_a_table,
    perpetrators_exist_only_for_those_who_may_read_them,
    notes_are_written_on_the_page_and_kept_when_refused,
    the_sections_of_a_case_out_of_scope_are_absent,
);

/// The forms of a caseworker's case page (a case without a transfer).
const STEPS: &[&str] = &[
    "assessment",
    "indicator",
    "trafficking-status",
    "bia",
    "bid",
    "plan",
    "service",
    "standard",
    "exploitation",
    "movement",
    "referral",
    "transfer",
    "follow-up",
    "closure",
    "note",
];

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
    for step in STEPS {
        assert!(page.body.contains(&format!(r#"action="/cases/{case}/workflow/{step}""#)), "no {step} form");
    }
    assert_eq!(page.body.matches(r#"name="csrf""#).count(), STEPS.len() + 1, "every form and sign-out carry the token");

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

/// Refers `case` to `to` for immediate protection, sharing its summary,
/// with `override_reason` in the supervisor's field (empty: none).
async fn refer(browser: &Browser, case: &str, to: &str, until: &str, override_reason: &str) -> Page {
    let fields = [
        ("to_organisation", to),
        ("reason", "AdditionalServicesRequired"),
        ("service_type", "immediate_protection"),
        ("section", "summary"),
        ("access_until", until),
        ("consent_override_reason", override_reason),
    ];
    post_step(browser, case, "referral", &fields).await
}

/// Sharing without consent (DOMAIN.md: an override needs a reason and a
/// supervisor, and is audited): the caseworker is refused and cannot forge
/// an override; the supervisor is told how, and then shares with a reason.
async fn a_supervisor_may_share_without_consent_with_a_reason(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let athens = organisation(app, "Athens Child Support", "gr").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    let until = day(30);
    // The caseworker sees no override field; without consent the referral is refused.
    let page = cw.get(&format!("/cases/{case}")).await;
    assert!(!page.body.contains("consent_override_reason"), "no override field for a caseworker");
    let before = app.counts().await;
    let refused = refer(&cw, &case, &athens, &until, "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(text(&refused).contains("Sharing needs the recorded consent for sharing"), "{}", refused.body);
    assert!(!text(&refused).contains("As a supervisor"), "the hint is for supervisors");
    // A forged override from a caseworker: refused as not theirs to give.
    let forged = refer(&cw, &case, &athens, &until, "I decided so").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let after = app.counts().await;
    assert_eq!(RowCounts { audit_events: before.audit_events, ..after }, before, "nothing written but audited reads");

    // The supervisor is shown the field, and told how when it is left empty.
    let page = sup.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains(r#"name="consent_override_reason""#));
    let refused = refer(&sup, &case, &athens, &until, "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(text(&refused).contains("As a supervisor you may share without consent"), "{}", refused.body);
    // With a reason: sent, on the basis of the override, with who gave it.
    let done = refer(&sup, &case, &athens, &until, "Asking the family would alert the recruiter").await;
    assert_done(&done, &case, "referral");
    let api = app.sign_in("al.sup").await;
    let (status, body) = api.get(&format!("/api/v1/cases/{case}/referrals")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent = &body["referrals"][0];
    assert_eq!(sent["sharing_basis"], "override", "{body}");
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

/// The part of a page from the element with `id` on (`len` bytes), for messages.
fn near<'a>(page: &'a Page, id: &str, len: usize) -> &'a str {
    let at = page.body.find(&format!("id=\"{id}\"")).unwrap_or(0);
    &page.body[at..(at + len).min(page.body.len())]
}

async fn indicators_are_screened_for_the_supervisor_and_a_person_records_the_status(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    let today = day(0);

    // A date in the future is refused; what was typed is kept.
    let tomorrow = day(1);
    let refused = post_step(
        &cw,
        &case,
        "indicator",
        &[
            ("indicator", "child_labour.debt_bondage"),
            ("observed", "yes"),
            ("source", "Interview with the child"),
            ("date", &tomorrow),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(text(&refused).contains("Check: Date"), "{}", near(&refused, "problem", 600));
    assert!(refused.body.contains(r#"value="Interview with the child""#), "the source is kept");
    assert!(refused.body.contains(r#"<option value="child_labour.debt_bondage" selected>"#), "the indicator is kept");

    // Recruitment, exploitative conditions and coercion, one strong indicator
    // each: the screening (for the supervisor only) counts them per
    // dimension; one strong indicator does not make a dimension positive.
    for indicator in
        ["child_labour.deceived_nature_of_job", "child_labour.excessive_hours", "child_labour.debt_bondage"]
    {
        let done = post_step(
            &cw,
            &case,
            "indicator",
            &[("indicator", indicator), ("observed", "yes"), ("source", "Interview with the child"), ("date", &today)],
        )
        .await;
        assert_done(&done, &case, "indicator");
    }
    let page = cw.get(&format!("/cases/{case}")).await;
    assert!(text(&page).contains("Deceived about the nature of the job"), "the observation is listed");
    assert!(!page.body.contains(r#"id="screening""#), "the screening is for the supervisor");
    let page = sup.get(&format!("/cases/{case}")).await;
    let body = text(&page);
    assert!(page.body.contains(r#"id="screening""#));
    assert!(body.contains("Some indicators are present, not enough to suggest identification."), "{body}");
    assert!(body
        .contains(r#"<tr><th scope="row">Coercion at destination</th><td>1</td><td>0</td><td>0</td><td>No</td></tr>"#));
    assert!(body.contains("A screening only suggests."));
    // It never sets the status: none is recorded until a person records one.
    let (_, api) = app.sign_in("al.sup").await.get(&format!("/api/v1/cases/{case}/trafficking-status")).await;
    assert_eq!(api["records"].as_array().map(Vec::len), Some(0), "{api}");

    // The status form: without a status, refused and kept; then recorded.
    let refused = post_step(
        &cw,
        &case,
        "trafficking-status",
        &[("status", ""), ("decided_by_org_type", "Police"), ("date", &today), ("note", "Police report 12/26")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&refused).contains("Check: Status"));
    assert!(refused.body.contains(">Police report 12/26</textarea>"));
    assert!(refused.body.contains(r#"<option value="Police" selected>"#));
    let done = post_step(
        &cw,
        &case,
        "trafficking-status",
        &[
            ("status", "PossibleVictimOfTrafficking"),
            ("decided_by_org_type", "Police"),
            ("date", &today),
            ("note", "Police report 12/26"),
        ],
    )
    .await;
    assert_done(&done, &case, "trafficking-status");
    let body = text(&cw.get(&format!("/cases/{case}")).await);
    assert!(body.contains("Possible victim of trafficking") && body.contains("Decided by the police"), "{body}");
}

async fn a_bid_is_recorded_with_its_panel_and_approved(app: &TestApp) {
    let org = organisation(app, "Tirana Child Protection", "al").await;
    seed_user_speaking(app, "es.cw", Role::Caseworker, &org, "es").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    let today = day(0);
    let review = day(90);
    let mut bid = vec![
        ("date", today.as_str()),
        ("panel", "Tirana BID panel"),
        ("member_name", "Elira Daci"),
        ("member_function", "Social worker"),
        ("member_name", ""),
        ("member_function", ""),
        ("member_name", ""),
        ("member_function", ""),
        ("decision", "Stay with the aunt in Tirana"),
        ("durable_solution", "local_integration"),
        ("childs_words", "Dua të rri me tezen."),
        ("childs_language", "sq"),
        ("review_date", review.as_str()),
    ];
    // One member is not a panel: refused, every row kept.
    let refused = post_step(&cw, &case, "bid", &bid).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(text(&refused).contains("Check: Panel members (at least two)"), "{}", near(&refused, "problem", 600));
    assert!(refused.body.contains(r#"value="Elira Daci""#) && refused.body.contains(r#"value="Tirana BID panel""#));
    assert!(refused.body.contains(r#"<option value="local_integration" selected>"#));
    assert!(refused.body.contains(">Dua të rri me tezen.</textarea>"));

    bid[4] = ("member_name", "Arben Kola");
    bid[5] = ("member_function", "Psychologist");
    let done = post_step(&cw, &case, "bid", &bid).await;
    assert_done(&done, &case, "bid");
    let page = text(&cw.get(&format!("/cases/{case}")).await);
    assert!(page.contains("Elira Daci (Social worker), Arben Kola (Psychologist)"), "{page}");
    assert!(page.contains("Local integration · Stay with the aunt in Tirana") && page.contains("Dua të rri me tezen."));

    // It waits for the supervisor, who approves it on the page.
    assert!(sup.get("/approvals").await.body.contains(&format!("/cases/{case}#approvals")));
    let done = post_step(&sup, &case, "approve-bid", &[("decision", "approved"), ("comment", "")]).await;
    assert_done(&done, &case, "approvals");
    assert!(text(&cw.get(&format!("/cases/{case}")).await).contains("Approved: Best-interest determination"));

    // In Spanish, the section and its labels.
    let es = register(app, "es.cw", "Drita", false).await;
    let page = Browser::sign_in(&app.base, "es.cw").await.get(&format!("/cases/{es}")).await;
    assert!(page.body.contains("Determinación del interés superior") && page.body.contains("Fecha de revisión"));
}

async fn a_transfer_is_explained_accepted_by_the_receiver_and_completed(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let athens = organisation(app, "Athens Child Support", "gr").await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    let transfer = |to: &str| {
        vec![
            ("to_organisation", to.to_string()),
            ("from_country", "AL".to_string()),
            ("to_country", "GR".to_string()),
            ("reason", "MigrationOrChangeOfLocation".to_string()),
            ("details", "The mother lives in Athens".to_string()),
        ]
    };
    let form = |fields: &[(&'static str, String)]| fields.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();

    // Without consent for sharing: refused, the reason and what is missing shown.
    let without = register(app, "al.cw", "Drita", false).await;
    let fields = form(&transfer(&athens));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = post_step(&cw, &without, "transfer", &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", near(&refused, "problem", 600));
    let body = text(&refused);
    assert!(body.contains("A transfer needs the child's recorded consent for sharing"), "{body}");
    assert!(body.contains(r#"<li class="missing">"#) && body.contains("Consent for sharing recorded"));
    assert!(refused.body.contains(">The mother lives in Athens</textarea>"), "what was typed is kept");
    assert!(!body.contains("consent_required"), "no raw code");

    // With consent: requested; it waits for the supervisor and the receiver.
    let case = register(app, "al.cw", "Drita", true).await;
    let done = post_step(&cw, &case, "transfer", &fields).await;
    assert_done(&done, &case, "transfer");
    let page = text(&cw.get(&format!("/cases/{case}")).await);
    assert!(page.contains("Athens Child Support") && page.contains("AL → GR") && page.contains("Requested"), "{page}");
    assert!(page.contains(&format!(r#"action="/cases/{case}/workflow/transfer-complete""#)));

    // Completing before the receiver accepted is refused and explained.
    let refused = post_step(&sup, &case, "transfer-complete", &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let problem = near(&refused, "problem", 400).to_string();
    assert!(
        problem.contains("not accepted") || problem.contains("approve") || problem.contains("determination"),
        "{problem}"
    );

    // The receiver finds it in My work, reads the request only, and accepts.
    let partner = Browser::sign_in(&app.base, "gr.cw").await;
    let home = partner.get("/").await;
    let at = home.body.find("/transfers/").expect("the transfer in My work");
    let link = home.body[at..].split('"').next().unwrap().to_string();
    let incoming = partner.get(&link).await;
    assert_eq!(incoming.status, StatusCode::OK, "{}", incoming.body);
    let body = text(&incoming);
    assert!(body.contains("Tirana Child Protection") && body.contains("The mother lives in Athens"));
    assert!(!body.contains("Drita") && !body.contains("Hoxha"), "no identity before the case is transferred");
    assert_eq!(partner.get(&format!("/cases/{case}")).await.status, StatusCode::NOT_FOUND);
    // Another organisation's user, and the sender's caseworker, cannot open it.
    assert_eq!(cw.get(&link).await.status, StatusCode::NOT_FOUND);
    let csrf = partner.csrf().await;
    let accepted = partner.post(&link, &[("csrf", &csrf), ("action", "accept")]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert!(text(&partner.get(&link).await).contains("Accepted"));
    let again = partner.post(&link, &[("csrf", &csrf), ("action", "accept")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "an answered transfer cannot be answered again");

    // The supervisor approves; across a border a BID is still missing.
    let done = post_step(&sup, &case, "approve-transfer", &[("decision", "approved")]).await;
    assert_done(&done, &case, "approvals");
    let refused = post_step(&sup, &case, "transfer-complete", &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", near(&refused, "problem", 400));
    assert!(text(&refused).contains("A transfer across a border needs a best-interest determination first."));

    // With a BID the transfer completes: the case is the receiver's now.
    let today = day(0);
    let review = day(60);
    let bid = [
        ("date", today.as_str()),
        ("panel", "Tirana BID panel"),
        ("member_name", "Elira Daci"),
        ("member_function", "Social worker"),
        ("member_name", "Arben Kola"),
        ("member_function", "Psychologist"),
        ("decision", "Reunite with the mother in Athens"),
        ("durable_solution", "third_country"),
        ("not_heard_because", "Too young to be heard"),
        ("review_date", review.as_str()),
    ];
    assert_done(&post_step(&cw, &case, "bid", &bid).await, &case, "bid");
    let _ = post_step(&sup, &case, "approve-bid", &[("decision", "approved")]).await;
    let done = post_step(&sup, &case, "transfer-complete", &[]).await;
    assert_done(&done, &case, "transfer");
    assert_eq!(sup.get(&format!("/cases/{case}")).await.status, StatusCode::NOT_FOUND, "no longer the sender's");
    let receiver = Browser::sign_in(&app.base, "gr.sup").await;
    let page = receiver.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(text(&page).contains("Completed"));
}

async fn standards_of_care_show_who_checked_and_what_is_unmet(app: &TestApp) {
    let org = organisation(app, "Tirana Child Protection", "al").await;
    seed_user_speaking(app, "pt.cw", Role::Caseworker, &org, "pt").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    let today = day(0);

    let page = text(&sup.get(&format!("/cases/{case}")).await);
    assert!(page.contains("Standards not met") && page.contains("Not checked yet"), "nothing checked is not met");
    let done = post_step(
        &cw,
        &case,
        "standard",
        &[("key", "safe_accommodation"), ("status", "met"), ("date", &today), ("note", "Shelter Shpresa")],
    )
    .await;
    assert_done(&done, &case, "standard");
    let done = post_step(
        &cw,
        &case,
        "standard",
        &[("key", "guardian_appointed"), ("status", "not_met"), ("date", &today), ("note", "Court date pending")],
    )
    .await;
    assert_done(&done, &case, "standard");
    let page = sup.get(&format!("/cases/{case}")).await;
    let unmet = near(&page, "standard-h", 3000);
    assert!(unmet.contains("A guardian is appointed") && unmet.contains("Court date pending"), "{unmet}");
    let table = &unmet[unmet.find("<table>").expect("the checks")..];
    assert!(table.contains("The child is in safe accommodation") && table.contains("al.cw"), "who checked: {table}");
    let listed = &unmet[..unmet.find("<table>").unwrap()];
    assert!(!listed.contains("safe accommodation"), "a met standard is not on the unmet list");

    // An unknown standard is refused, the note kept.
    let refused = post_step(
        &cw,
        &case,
        "standard",
        &[("key", "no_such_standard"), ("status", "met"), ("date", &today), ("note", "Typed note")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(">Typed note</textarea>"));

    // In Portuguese.
    let pt = register(app, "pt.cw", "Drita", false).await;
    let page = Browser::sign_in(&app.base, "pt.cw").await.get(&format!("/cases/{pt}")).await;
    assert!(page.body.contains("Normas de cuidado") && page.body.contains("Foi nomeado um tutor"));
}

async fn episodes_are_drawn_as_timelines_with_a_table(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let page = text(&cw.get(&format!("/cases/{case}")).await);
    assert!(page.contains("Nothing recorded yet."));

    // The end before the start: refused, kept.
    let refused = post_step(
        &cw,
        &case,
        "exploitation",
        &[
            ("form", "begging"),
            ("place", "Tirana, Skanderbeg Square"),
            ("country", "AL"),
            ("start_date", "2026-06-01"),
            ("end_date", "2026-05-01"),
            ("visibility", "visible"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", near(&refused, "problem", 600));
    assert!(text(&refused).contains("Check: End (empty while it goes on)"));
    assert!(refused.body.contains(r#"value="Tirana, Skanderbeg Square""#));

    let begging = [
        ("form", "begging"),
        ("place", "Tirana, Skanderbeg Square"),
        ("country", "AL"),
        ("start_date", "2026-03-01"),
        ("end_date", "2026-05-01"),
        ("dates_approximate", "yes"),
        ("visibility", "visible"),
    ];
    assert_done(&post_step(&cw, &case, "exploitation", &begging).await, &case, "exploitation");
    let sexual = [
        ("form", "sexual_exploitation"),
        ("place", "Athens"),
        ("country", "GR"),
        ("start_date", "2026-05-02"),
        ("visibility", "hidden"),
        ("notes", "Controlled by a man called 'uncle'"),
    ];
    assert_done(&post_step(&cw, &case, "exploitation", &sexual).await, &case, "exploitation");
    // The circle of exploitation in full: sector, income and who took it,
    // means of control, recruitment and the recruiter. A mistyped amount is
    // refused with the rest kept.
    let mut farm = vec![
        ("form", "agricultural_labour"),
        ("place", "Marathon"),
        ("country", "GR"),
        ("start_date", "2026-05-10"),
        ("end_date", "2026-05-20"),
        ("visibility", "hidden"),
        ("sector", "A_AgricultureForestryAndFishing"),
        ("income_amount", "ten"),
        ("income_currency", "eur"),
        ("income_period", "day"),
        ("income_taken_by", "intermediary"),
        ("means_of_control", "DebtBondage"),
        ("means_of_control", "WithholdsDocuments"),
        ("recruitment", "ThroughFamilyOrFamilyEvents"),
        ("relation_to_recruiter", "Familial"),
        ("relation_detail", "an uncle"),
    ];
    let before = app.counts().await;
    let refused = post_step(&cw, &case, "exploitation", &farm).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", near(&refused, "problem", 600));
    assert!(text(&refused).contains("Check: Income"), "{}", near(&refused, "problem", 600));
    assert!(refused.body.contains(r#"value="ten""#) && refused.body.contains(r#"value="an uncle""#));
    assert!(refused.body.contains(r#"value="WithholdsDocuments" checked"#), "the boxes stay ticked");
    let after = app.counts().await;
    assert_eq!(RowCounts { audit_events: before.audit_events, ..after }, before, "nothing written but audited reads");
    farm[7] = ("income_amount", "10");
    assert_done(&post_step(&cw, &case, "exploitation", &farm).await, &case, "exploitation");
    let journey = [
        ("stage", "transit"),
        ("place", "Kakavija border crossing"),
        ("country", "AL"),
        ("start_date", "2026-05-01"),
        ("end_date", "2026-05-02"),
        ("accompanied_by", "intermediary"),
        ("legal_status", "irregular"),
        ("route", "Western Balkans route"),
    ];
    assert_done(&post_step(&cw, &case, "movement", &journey).await, &case, "movement");

    let page = cw.get(&format!("/cases/{case}")).await;
    let section = near(&page, "exploitation-h", 4000);
    assert_eq!(section.matches("<rect class=\"bar bar-exploitation").count(), 3, "{section}");
    assert!(section.contains(r#"aria-hidden="true""#), "the drawing is decoration; the table says it");
    assert!(section.contains("ongoing"), "the episode that goes on is marked");
    let body = text(&page);
    assert!(body.contains("Begging") && body.contains("Sexual exploitation") && body.contains("Since "), "{body}");
    assert!(body.contains("Hidden · Controlled by a man called 'uncle'"), "{}", near(&page, "exploitation-h", 6000));
    assert!(
        body.contains(
            "Hidden · Agriculture, forestry and fishing · earned 10 EUR per day · taken by: An intermediary · \
             control: Debt bondage, Keeps the child's documents · recruited: Through the family · recruiter: Family · an uncle"
        ),
        "{body}"
    );
    let movement = near(&page, "movement-h", 4000);
    assert_eq!(movement.matches("<rect class=\"bar bar-movement").count(), 1);
    assert!(movement.contains("Kakavija border crossing (AL)") && movement.contains("With an intermediary"));
    // The drawing is SVG attributes only: no inline style the CSP would block.
    assert!(!page.body.contains("style=\""), "no inline style");
}

async fn perpetrators_exist_only_for_those_who_may_read_them(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    let episode = [
        ("form", "begging"),
        ("place", "Tirana"),
        ("country", "AL"),
        ("start_date", "2026-03-01"),
        ("visibility", "visible"),
    ];
    assert_done(&post_step(&cw, &case, "exploitation", &episode).await, &case, "exploitation");

    // The caseworker's page does not say the section exists.
    let page = cw.get(&format!("/cases/{case}")).await;
    assert!(!page.body.contains("perpetrator") && !page.body.contains("Perpetrator"), "no trace of the section");
    let forged = post_step(&cw, &case, "perpetrator", &[("role", "Exploiter"), ("description", "A man")]).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND, "a caseworker's attempt is the 404 of a missing page");
    assert_eq!(app.counts().await.case_records, 1, "nothing written");

    // The supervisor records one, linked to the episode.
    let page = sup.get(&format!("/cases/{case}")).await;
    assert!(page.body.contains(r#"id="perpetrator""#));
    let marker = r#"name="episode" type="checkbox" value=""#;
    let at = page.body.find(marker).expect("the episode to link") + marker.len();
    let episode_id = page.body[at..].split('"').next().unwrap().to_string();
    let refused = post_step(&sup, &case, "perpetrator", &[("description", "Tall man, calls himself Beni")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&refused).contains("Check: Role in the process"));
    assert!(refused.body.contains(">Tall man, calls himself Beni</textarea>"));
    let done = post_step(
        &sup,
        &case,
        "perpetrator",
        &[
            ("role", "Exploiter"),
            ("role", "RecruiterOrIntermediary"),
            ("relation_to_child", "Acquainted"),
            ("description", "Tall man, calls himself Beni"),
            ("episode", &episode_id),
        ],
    )
    .await;
    assert_done(&done, &case, "perpetrator");
    let body = text(&sup.get(&format!("/cases/{case}")).await);
    assert!(body.contains("Recruiter or intermediary, Exploiter") && body.contains("Known to the child"), "{body}");
    assert!(body.contains("Begging ("), "the linked episode is named");
    // Still nothing of it on the caseworker's page.
    let page = cw.get(&format!("/cases/{case}")).await;
    assert!(!page.body.contains("Beni") && !page.body.contains("perpetrator"));
}

async fn notes_are_written_on_the_page_and_kept_when_refused(app: &TestApp) {
    let org = organisation(app, "Tirana Child Protection", "al").await;
    seed_user_speaking(app, "fr.cw", Role::Caseworker, &org, "fr").await;
    let case = register(app, "al.cw", "Drita", false).await;
    let cw = Browser::sign_in(&app.base, "al.cw").await;

    let long = "x".repeat(4001);
    let refused = post_step(&cw, &case, "note", &[("text", &long)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&refused).contains("Check: Note"));
    assert!(refused.body.contains(&format!(">{long}</textarea>")), "the text is kept");
    assert_eq!(app.counts().await.case_notes, 0);

    let done = post_step(&cw, &case, "note", &[("text", "Called the aunt.\r\nShe visits on Monday.")]).await;
    assert_done(&done, &case, "note");
    let page = cw.get(&format!("/cases/{case}")).await;
    let notes = near(&page, "note-h", 3000);
    assert!(notes.contains("<p>Called the aunt.</p><p>She visits on Monday.</p>"), "{notes}");
    assert!(notes.contains("al.cw"), "the author");
    // The supervisor reads it too; the API lists the same note.
    let sup = Browser::sign_in(&app.base, "al.sup").await;
    assert!(sup.get(&format!("/cases/{case}")).await.body.contains("She visits on Monday."));
    let (_, api) = app.sign_in("al.cw").await.get(&format!("/api/v1/cases/{case}/notes")).await;
    assert_eq!(api["notes"][0]["text"], "Called the aunt.\nShe visits on Monday.");

    // In French.
    let fr_case = register(app, "fr.cw", "Drita", false).await;
    let page = Browser::sign_in(&app.base, "fr.cw").await.get(&format!("/cases/{fr_case}")).await;
    assert!(page.body.contains("Ajouter la note") && page.body.contains("Aucune note pour l"));
}

async fn the_sections_of_a_case_out_of_scope_are_absent(app: &TestApp) {
    organisation(app, "Tirana Child Protection", "al").await;
    organisation(app, "Athens Child Support", "gr").await;
    let case = register(app, "al.cw", "Drita", true).await;
    let outsider = Browser::sign_in(&app.base, "gr.sup").await;
    let before = app.counts().await;
    let today = day(0);
    let forms: &[(&str, &[(&str, &str)])] = &[
        ("note", &[("text", "Not my case")]),
        (
            "indicator",
            &[("indicator", "child_labour.isolation"), ("observed", "yes"), ("source", "x"), ("date", &today)],
        ),
        ("standard", &[("key", "medical_care"), ("status", "met"), ("date", &today)]),
        ("transfer-cancel", &[]),
        ("perpetrator", &[("role", "Other"), ("description", "x")]),
    ];
    for (step, fields) in forms {
        let page = post_step(&outsider, &case, step, fields).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{step}: {}", page.body);
        assert!(!page.body.contains("Drita"));
    }
    assert_eq!(outsider.get(&format!("/cases/{case}")).await.status, StatusCode::NOT_FOUND);
    let after = app.counts().await;
    assert_eq!((after.case_notes, after.case_records), (before.case_notes, before.case_records));
    // A step name that names nothing, and a forged token.
    let cw = Browser::sign_in(&app.base, "al.cw").await;
    assert_eq!(post_step(&cw, &case, "no-such-step", &[]).await.status, StatusCode::NOT_FOUND);
    let forged = cw.post(&format!("/cases/{case}/workflow/note"), &[("csrf", "forged"), ("text", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.counts().await.case_notes, before.case_notes);
}
