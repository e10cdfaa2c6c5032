//! The web pages of issue #5 over HTTP, as a browser without JavaScript uses
//! them: cookie session, CSRF tokens in forms, redirects after posts.

use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, LOCATION};
use reqwest::StatusCode;
use safepath_domain::codes::Role;
use safepath_domain::user::{NewUser, NewUserInput};
use safepath_server::{auth, ServerConfig};
use safepath_store::{AuditContext, Store};
use serde_json::json;

use crate::support::{child, Backend, TestApp, PASSWORD, TEST_COST};

crate::on_both_backends!(
    sign_in_form_signs_in_and_out,
    forms_without_the_csrf_token_are_refused,
    my_work_lists_my_open_cases_by_risk,
    case_list_searches_names_tolerantly_filters_and_pages,
    registration_opens_the_case_page,
    a_refused_registration_keeps_what_was_typed,
    consent_to_sharing_at_registration_needs_who_gave_it,
    a_french_user_sees_french_and_a_nepali_user_nepali,
    a_case_out_of_scope_is_the_same_404_page_as_a_missing_one,
    assets_are_hashed_immutable_and_pages_are_small,
    my_work_shows_the_most_urgent_tasks_and_links_to_more,
);

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub(crate) struct Browser {
    base: String,
    pub(crate) http: reqwest::Client,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first `<input name="{name}" … value="…">`.
    pub(crate) fn input(&self, name: &str) -> String {
        let at = self.body.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no input {name}"));
        let rest = &self.body[at..];
        let value = rest.find("value=\"").expect("value") + 7;
        rest[value..].split('"').next().unwrap().to_string()
    }

    pub(crate) fn title(&self) -> &str {
        let start = self.body.find("<title>").expect("title") + 7;
        let end = self.body.find("</title>").expect("title end");
        &self.body[start..end]
    }
}

impl Browser {
    pub(crate) fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Browser { base: base.to_string(), http }
    }

    pub(crate) async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Page { status, headers, body }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        Self::read(self.http.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }

    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::read(self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()).await
    }

    /// Signs in through the form; panics unless it lands on *My work*.
    pub(crate) async fn sign_in(base: &str, username: &str) -> Browser {
        let browser = Browser::new(base);
        let form = browser.get("/sign-in").await;
        let token = form.input("form_token");
        let done =
            browser.post("/sign-in", &[("username", username), ("password", PASSWORD), ("form_token", &token)]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/");
        browser
    }

    /// The CSRF token of the signed-in session, read off a page.
    pub(crate) async fn csrf(&self) -> String {
        self.get("/").await.input("csrf")
    }
}

/// An organisation with a caseworker (`cw`) and a supervisor (`sup`).
pub(crate) async fn organisation(app: &TestApp, name: &str, prefix: &str) -> String {
    let org = app.seed_organisation(name, "AL").await;
    app.seed_user(&format!("{prefix}.cw"), Role::Caseworker, &org).await;
    app.seed_user(&format!("{prefix}.sup"), Role::Supervisor, &org).await;
    org
}

/// A user with an interface language.
pub(crate) async fn seed_user_speaking(app: &TestApp, username: &str, role: Role, org: &str, language: &str) {
    let user = NewUser::parse(NewUserInput {
        username: username.into(),
        password: PASSWORD.into(),
        role: role.as_str().into(),
        organisation_id: org.into(),
        language: Some(language.into()),
        display_name: None,
    })
    .unwrap();
    let hash = auth::hash_password(PASSWORD, TEST_COST).unwrap();
    app.store.create_user(&AuditContext::system("test"), user, hash).await.unwrap();
}

/// Registers a child through the API and returns the case id.
async fn register_via_api(app: &TestApp, username: &str, given: &str, family: &str, risk: &str) -> String {
    let client = app.sign_in(username).await;
    let mut body = child(given, family);
    body["risk_level"] = json!(risk);
    let (status, body) = client.post("/api/v1/cases", body).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["case"]["id"].as_str().unwrap().to_string()
}

fn registration<'a>(csrf: &'a str, given: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("given_name", given),
        ("family_name", "Thapa"),
        ("sex", "Feminine"),
        ("date_of_birth", ""),
        ("estimated_age", "13"),
        ("citizenship", "NP"),
        ("identification_date", "2026-11-02"),
        ("place", "Birgunj border crossing"),
        ("channel", "community_focal_point"),
        ("risk_level", "high"),
        ("protection_status", "unaccompanied"),
        ("consent_given_by", "child"),
    ]
}

async fn sign_in_form_signs_in_and_out(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    let browser = Browser::new(&app.base);

    // Signed out, My work sends the browser to sign in.
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/sign-in");

    let form = browser.get("/sign-in").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"<html lang="en" dir="ltr">"#), "{}", form.body);
    assert!(form.body.contains(r#"<label for="username">Username</label>"#));
    let csp = form.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(!form.body.contains("<script>") && !form.body.contains("style="), "no inline script or style");
    let token = form.input("form_token");
    assert_eq!(token.len(), 64);

    // A wrong password: the same form, the username kept, the password not.
    let wrong = browser
        .post("/sign-in", &[("username", "np.cw"), ("password", "not the password"), ("form_token", &token)])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The username or password is not right"));
    assert!(wrong.body.contains(r#"value="np.cw""#));
    assert!(!wrong.body.contains("not the password"));

    // The right one: a session cookie, HttpOnly and SameSite=Strict, and My work.
    let token = wrong.input("form_token");
    let done = browser.post("/sign-in", &[("username", "np.cw"), ("password", PASSWORD), ("form_token", &token)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let cookies: Vec<_> = done.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let session = cookies.iter().find(|c| c.starts_with("safepath_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<h1>My work</h1>"));
    assert_eq!(home.headers[CACHE_CONTROL], "no-store");

    // Sign out: the session ends, and the page says so.
    let csrf = home.input("csrf");
    let out = browser.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/sign-in?signed_out=1");
    assert!(browser.get("/sign-in?signed_out=1").await.body.contains("You are signed out."));
    assert_eq!(browser.get("/").await.location(), "/sign-in");

    // After the idle timeout, sign-in explains why.
    let short = ServerConfig {
        password_cost: TEST_COST,
        idle_timeout: Duration::from_millis(700),
        session_cache_ttl: Duration::ZERO,
        ..ServerConfig::default()
    };
    let served = TestApp::start_on(app, short).await;
    let browser = Browser::sign_in(&served.base, "np.cw").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/sign-in?expired=1");
    let page = browser.get("/sign-in?expired=1").await;
    assert!(page.body.contains("You were signed out after one minute without activity"), "{}", page.body);
}

async fn forms_without_the_csrf_token_are_refused(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    let browser = Browser::sign_in(&app.base, "np.cw").await;
    let csrf = browser.csrf().await;
    let other = Browser::sign_in(&app.base, "np.sup").await.csrf().await;
    let before = app.counts().await;

    // Registration with no token, and with another session's token: 403, nothing written.
    let mut form = registration("", "Sita");
    form.retain(|(name, _)| *name != "csrf");
    let refused = browser.post("/cases/new", &form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Not allowed"));
    assert_eq!(browser.post("/cases/new", &registration(&other, "Sita")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.counts().await, before, "a refused form writes nothing");

    // Search and sign-out need it too.
    assert_eq!(browser.post("/cases", &[("q", "Sita")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.post("/sign-out", &[("csrf", "0")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(browser.get("/").await.status, StatusCode::OK, "still signed in");

    // The sign-in form needs its own token, matching its cookie.
    let fresh = Browser::new(&app.base);
    let refused = fresh.post("/sign-in", &[("username", "np.cw"), ("password", PASSWORD), ("form_token", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("The form had expired"));
}

async fn my_work_lists_my_open_cases_by_risk(app: &TestApp) {
    let org = organisation(app, "Maiti Nepal", "np").await;
    app.seed_user("np.cw2", Role::Caseworker, &org).await;
    register_via_api(app, "np.cw", "Mina", "Gurung", "low").await;
    register_via_api(app, "np.cw", "Sita", "Tamang", "high").await;
    register_via_api(app, "np.cw2", "Rita", "Rai", "high").await;

    let home = Browser::sign_in(&app.base, "np.cw").await.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Open: 2") && home.body.contains("High risk: 1"), "{}", home.body);
    let sita = home.body.find("Sita Tamang").expect("own high-risk case");
    let mina = home.body.find("Mina Gurung").expect("own low-risk case");
    assert!(sita < mina, "high risk first");
    assert!(!home.body.contains("Rita"), "another caseworker's case is not on my list");
    assert!(home.body.contains("Overdue: ") && home.body.contains("Approvals waiting"));
    assert_eq!(home.title(), "My work · Safepath");

    // A role without cases sees no list.
    let admin_org = app.seed_organisation("Network", "CH").await;
    app.seed_user("admin", Role::Admin, &admin_org).await;
    let admin = Browser::sign_in(&app.base, "admin").await.get("/").await;
    assert!(admin.body.contains("Your role does not give access to children"));
    assert!(!admin.body.contains(r#"href="/cases""#));
}

async fn case_list_searches_names_tolerantly_filters_and_pages(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    register_via_api(app, "np.cw", "Aleksandr", "Smyth", "high").await;
    for i in 0..26 {
        register_via_api(app, "np.sup", &format!("Child{i}"), "Shrestha", "low").await;
    }
    let browser = Browser::sign_in(&app.base, "np.sup").await;
    let csrf = browser.csrf().await;

    // The search is POSTed: no name in any URL. Misspelled and reordered, it finds.
    let list = browser.get("/cases").await;
    assert!(list.body.contains(r#"<form method="post" action="/cases""#));
    assert!(list.body.contains("27 cases · page 1 of 2"), "{}", list.body);
    let found = browser.post("/cases", &[("csrf", &csrf), ("q", "smith Aleksnder")]).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("One case · page 1 of 1"), "{}", found.body);
    assert!(found.body.contains("Aleksandr Smyth"));
    assert!(found.body.contains(r#"value="smith Aleksnder""#), "the query stays in the box");

    // Filters, by query string (no identity in them) or with the search.
    let high = browser.get("/cases?risk=high").await;
    assert!(high.body.contains("One case") && high.body.contains("Aleksandr"));
    assert!(high.body.contains(r#"<option value="high" selected>"#));
    let none = browser.post("/cases", &[("csrf", &csrf), ("q", "Aleksandr"), ("risk", "low")]).await;
    assert!(none.body.contains("No case matches."));

    // Paging: 25 a page, previous and next as buttons of the same form.
    assert!(list.body.contains(r#"name="page" value="2""#));
    let second = browser.post("/cases", &[("csrf", &csrf), ("page", "2")]).await;
    assert!(second.body.contains("27 cases · page 2 of 2"));
    assert!(second.body.contains(r#"name="page" value="1""#) && !second.body.contains(r#"value="3""#));

    // A caseworker only finds their own cases.
    let cw = Browser::sign_in(&app.base, "np.cw").await;
    assert!(cw.get("/cases").await.body.contains("One case"));
}

async fn registration_opens_the_case_page(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    let browser = Browser::sign_in(&app.base, "np.cw").await;
    let form = browser.get("/cases/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"<label for="given_name">Given name"#));
    let csrf = form.input("csrf");

    let done = browser.post("/cases/new", &registration(&csrf, "Sita")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.location().to_string();
    let id = location.strip_prefix("/cases/").expect("case page");
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4, "an opaque id, no name in the URL");

    let page = browser.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers[CACHE_CONTROL], "no-store");
    assert!(page.body.contains("Sita Thapa"));
    assert!(
        page.title().starts_with("Case NPL-AL-2026-00001") || page.title().starts_with("Case "),
        "{}",
        page.title()
    );
    assert!(!page.title().contains("Sita"), "no identity in the title");
    for text in [
        "Birgunj border crossing",
        "Community focal point",
        "High risk",
        "Unaccompanied",
        "2 November 2026",
        "Registered",
        "The child",
        "Best-interest assessment and determination",
    ] {
        assert!(page.body.contains(text), "{text} on the case page");
    }

    // The registration is on My work, and the API sees the same case.
    assert!(browser.get("/").await.body.contains("Sita Thapa"));
    let (status, body) = app.sign_in("np.cw").await.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["case"]["child"]["estimated_age"], 13);
    assert_eq!(body["case"]["consents"][0]["given_by"], "child");
}

async fn a_refused_registration_keeps_what_was_typed(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    let browser = Browser::sign_in(&app.base, "np.cw").await;
    let csrf = browser.csrf().await;
    let before = app.counts().await;
    let mut form = registration(&csrf, "Sita");
    for (name, value) in form.iter_mut() {
        match *name {
            "place" => *value = "",
            "estimated_age" => *value = "about twelve",
            "identification_date" => *value = "2999-01-01",
            _ => {}
        }
    }
    let refused = browser.post("/cases/new", &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for kept in [r#"value="Sita""#, r#"value="Thapa""#, r#"value="about twelve""#, r#"value="NP""#] {
        assert!(refused.body.contains(kept), "{kept} kept: {}", refused.body);
    }
    assert!(refused.body.contains(r#"<option value="community_focal_point" selected>"#));
    assert!(refused.body.contains(r#"<option value="high" selected>"#));
    for message in [
        "Enter where the child was identified.",
        "The estimated age must be a whole number of years from 0 to 25.",
        "it cannot be in the future",
    ] {
        assert!(refused.body.contains(message), "{message}");
    }
    assert!(refused.body.contains(r#"id="place" name="place" type="text" value="" required aria-invalid="true""#));
    assert!(refused.body.contains(r##"<a href="#place">"##), "the summary links to the field");
    assert_eq!(app.counts().await, before, "nothing written");
}

async fn consent_to_sharing_at_registration_needs_who_gave_it(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    let browser = Browser::sign_in(&app.base, "np.cw").await;
    let csrf = browser.csrf().await;

    // Ticked without saying who gave consent: refused, kept ticked, nothing written.
    let before = app.counts().await;
    let mut form = registration(&csrf, "Sita");
    form.retain(|(name, _)| *name != "consent_given_by");
    form.push(("consent_sharing", "yes"));
    let refused = browser.post("/cases/new", &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("Check who gave consent and the date identified."), "{}", refused.body);
    assert!(refused.body.contains(r#"name="consent_sharing" type="checkbox" value="yes" checked"#));
    assert_eq!(app.counts().await, before, "nothing written");

    // With who gave it, the case holds consent to services and to sharing.
    let mut form = registration(&csrf, "Sita");
    form.push(("consent_sharing", "yes"));
    let done = browser.post("/cases/new", &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let id = done.location().trim_start_matches("/cases/").to_string();
    let (status, case) = app.sign_in("np.cw").await.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let purposes: Vec<&str> =
        case["case"]["consents"].as_array().unwrap().iter().map(|c| c["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, ["services", "sharing"]);
    assert!(case["case"]["consents"].as_array().unwrap().iter().all(|c| c["given_by"] == "child"));
}

async fn a_french_user_sees_french_and_a_nepali_user_nepali(app: &TestApp) {
    let org = organisation(app, "Terre des hommes", "tdh").await;
    seed_user_speaking(app, "amelie", Role::Caseworker, &org, "fr").await;
    seed_user_speaking(app, "sunita", Role::Caseworker, &org, "ne").await;
    register_via_api(app, "amelie", "Awa", "Diallo", "high").await;

    let browser = Browser::sign_in(&app.base, "amelie").await;
    let home = browser.get("/").await;
    assert!(home.body.contains(r#"<html lang="fr" dir="ltr">"#));
    assert!(home.body.contains("<h1>Mon travail</h1>") && home.body.contains("Risque élevé"), "{}", home.body);
    assert!(home.body.contains("Se déconnecter"));
    assert_eq!(home.title(), "Mon travail · Safepath");
    let csrf = home.input("csrf");
    let mut form = registration(&csrf, "");
    form.retain(|(name, _)| *name != "place");
    let refused = browser.post("/cases/new", &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Indiquez le prénom de l"), "{}", refused.body);
    assert!(refused.body.contains("Indiquez où l"));
    let list = browser.get("/cases").await;
    assert!(list.body.contains("1 dossier · page 1 sur 1"), "{}", list.body);
    assert!(list.body.contains("1 novembre 2026"), "dates in French");

    // Nepali, in Devanagari, digits included.
    let nepali = Browser::sign_in(&app.base, "sunita").await;
    let home = nepali.get("/").await;
    assert!(home.body.contains(r#"<html lang="ne" dir="ltr">"#));
    assert!(home.body.contains("मेरो काम") && home.body.contains("खुला: ०"), "{}", home.body);
    assert!(nepali.get("/cases/new").await.body.contains("बालबालिका दर्ता गर्नुहोस्"));

    // Before sign-in, the browser's language, or the one chosen.
    let fresh = Browser::new(&app.base);
    let spanish = fresh
        .http
        .get(format!("{}/sign-in", app.base))
        .header("accept-language", "es-ES,es;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(spanish.contains(r#"lang="es""#) && spanish.contains("Iniciar sesión"));
    assert!(fresh.get("/sign-in?lang=pt").await.body.contains("Palavra-passe"));
}

async fn a_case_out_of_scope_is_the_same_404_page_as_a_missing_one(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    organisation(app, "Kyma Shelter", "gr").await;
    let theirs = register_via_api(app, "gr.cw", "Eleni", "Papadopoulou", "high").await;
    let browser = Browser::sign_in(&app.base, "np.sup").await;
    let out_of_scope = browser.get(&format!("/cases/{theirs}")).await;
    let missing = browser.get(&format!("/cases/{}", uuid::Uuid::new_v4())).await;
    let not_an_id = browser.get("/cases/not-an-id").await;
    for page in [&out_of_scope, &missing, &not_an_id] {
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("<h1>Not found</h1>"));
        assert!(!page.body.contains("Eleni"));
    }
    assert_eq!(out_of_scope.body, missing.body, "out of scope looks exactly like absent");

    // A mistyped address gets the 404 page too; the API keeps its JSON body.
    let mistyped = browser.get("/casess").await;
    assert_eq!(mistyped.status, StatusCode::NOT_FOUND);
    assert!(mistyped.body.contains("<h1>Not found</h1>"));
    let api = browser.get("/api/v1/nothing-here").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.contains(r#""code":"not_found""#), "{}", api.body);
}

/// Compressed size of a response as a browser asking for gzip receives it.
pub(crate) async fn transferred(http: &reqwest::Client, url: &str) -> (usize, Option<String>, String) {
    let response = http.get(url).header(ACCEPT_ENCODING, "gzip").send().await.unwrap();
    let encoding = response.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_string());
    let cache = response.headers().get(CACHE_CONTROL).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (response.bytes().await.unwrap().len(), encoding, cache)
}

async fn assets_are_hashed_immutable_and_pages_are_small(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    for i in 0..30 {
        register_via_api(app, "np.cw", &format!("Kamala{i}"), "Bhattarai", ["high", "medium", "low"][i % 3]).await;
    }
    let browser = Browser::sign_in(&app.base, "np.cw").await;
    let home = browser.get("/").await;
    let css = home.body.split("href=\"/static/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let js = home.body.split("src=\"/static/").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(css.starts_with("app.") && css.ends_with(".css") && css.len() == "app..css".len() + 12, "{css}");

    let (css_bytes, encoding, cache) = transferred(&browser.http, &format!("{}/static/{css}", app.base)).await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert_eq!(cache, "public, max-age=31536000, immutable");
    let (js_bytes, _, _) = transferred(&browser.http, &format!("{}/static/{js}", app.base)).await;
    assert_eq!(browser.get("/static/app.css").await.status, StatusCode::NOT_FOUND, "only hashed names");

    let case = browser
        .get("/cases")
        .await
        .body
        .split("<td><a href=\"/cases/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let mut report = vec![format!("assets: css {css_bytes} B, js {js_bytes} B (gzip)")];
    for (name, path, signed_in) in [
        ("sign-in", "/sign-in", false),
        ("my work (30 cases)", "/", true),
        ("case list (25 rows)", "/cases", true),
        ("registration", "/cases/new", true),
        ("case page", &format!("/cases/{case}") as &str, true),
    ] {
        let http = if signed_in { browser.http.clone() } else { reqwest::Client::new() };
        let (bytes, encoding, cache) = transferred(&http, &format!("{}{path}", app.base)).await;
        assert_eq!(encoding.as_deref(), Some("gzip"), "{name} compressed");
        assert_eq!(cache, "no-store", "{name}");
        let first = bytes + css_bytes + js_bytes;
        assert!(first < 100 * 1024, "{name}: {first} bytes on first load");
        assert!(bytes < 30 * 1024, "{name}: {bytes} bytes on later loads");
        report.push(format!("{name}: {bytes} B page, {first} B first load"));
    }
    if app.backend == Backend::Sqlite {
        eprintln!("page sizes transferred (gzip):\n  {}", report.join("\n  "));
    }
    let _ = app.store.row_counts().await.unwrap();
}

async fn my_work_shows_the_most_urgent_tasks_and_links_to_more(app: &TestApp) {
    organisation(app, "Maiti Nepal", "np").await;
    for i in 0..23 {
        register_via_api(app, "np.cw", &format!("Kamala{i}"), "Bhattarai", "high").await;
    }
    // 23 first responses fall due this week: 20 shown, all counted, and a link to more.
    let browser = Browser::sign_in(&app.base, "np.cw").await;
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.body.matches("First response</a>").count(), 20, "{}", home.body);
    assert!(home.body.contains("Due in the next 7 days: 23"), "{}", home.body);
    assert_eq!(home.body.matches("href=\"/?tasks=all#follow-ups\"").count(), 1, "{}", home.body);
    assert!(!home.body.contains("/?tasks=all#overdue"), "nothing is overdue");
    // The longer list: every task, no further link.
    let more = browser.get("/?tasks=all").await;
    assert_eq!(more.status, StatusCode::OK);
    assert_eq!(more.body.matches("First response</a>").count(), 23, "{}", more.body);
    assert!(!more.body.contains("?tasks=all#"), "{}", more.body);
}
