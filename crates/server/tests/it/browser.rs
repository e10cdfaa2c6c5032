//! The web pages in a real browser: headless Chromium from Debian's packages,
//! driven through chromedriver (WebDriver), with axe-core injected to check
//! accessibility. A caseworker signs in, finds the case list, registers a
//! child after one refused attempt, and lands on the case page; every page
//! must have no serious or critical axe violation.
//!
//! Needs `/usr/bin/chromium`, `/usr/bin/chromedriver` (`.ci/run` installs
//! them) and axe-core from npm (installed into `~/.cache/safepath-axe` by
//! `.ci/run`, or by this test when missing). Without the browser the test
//! is skipped, unless `SAFEPATH_REQUIRE_BROWSER` is set (as in CI).
//! With `SAFEPATH_SCREENSHOTS=<dir>` it saves phone (360 px) and desktop
//! screenshots of each page there (`docs/screenshots/` in the repository).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use safepath_domain::codes::Role;
use serde_json::{json, Value};

use crate::support::{child, Backend, TestApp, PASSWORD};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PHONE: (u32, u32) = (360, 800);
const DESKTOP: (u32, u32) = (1280, 900);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caseworker_registers_a_child_in_chromium_and_every_page_passes_axe() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var_os("SAFEPATH_REQUIRE_BROWSER").is_none(),
            "SAFEPATH_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("chromium or chromedriver missing: browser test skipped (.ci/run installs them)");
        return;
    }
    let axe = axe_source();
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
    let browser = driver.browser().await;
    let screenshots = std::env::var_os("SAFEPATH_SCREENSHOTS").map(PathBuf::from);
    let result = story(&browser, &app.base, &axe, screenshots.as_deref()).await;
    browser.close().await.ok();
    result.unwrap();
}

async fn story(browser: &Client, base: &str, axe: &str, screenshots: Option<&Path>) -> Result<(), String> {
    let err = |e: fantoccini::error::CmdError| e.to_string();

    // Sign in.
    browser.goto(&format!("{base}/sign-in")).await.map_err(err)?;
    check_page(browser, axe, "sign-in", screenshots).await?;
    browser.find(Locator::Id("username")).await.map_err(err)?.send_keys("sunita").await.map_err(err)?;
    browser.find(Locator::Id("password")).await.map_err(err)?.send_keys(PASSWORD).await.map_err(err)?;
    browser.find(Locator::Css("form button[type=submit]")).await.map_err(err)?.click().await.map_err(err)?;
    wait_for_path(browser, |path| path == "/").await?;

    // My work, then the case list.
    let text = body_text(browser).await?;
    if !text.contains("My work") || !text.contains("Anjali Tamang") {
        return Err(format!("My work does not show the caseworker's cases: {text}"));
    }
    check_page(browser, axe, "my-work", screenshots).await?;
    browser.find(Locator::LinkText("Cases")).await.map_err(err)?.click().await.map_err(err)?;
    wait_for_path(browser, |path| path == "/cases").await?;
    check_page(browser, axe, "case-list", screenshots).await?;

    // Registration: a first attempt without a place is refused and keeps the name.
    browser.find(Locator::LinkText("Register a child")).await.map_err(err)?.click().await.map_err(err)?;
    wait_for_path(browser, |path| path == "/cases/new").await?;
    check_page(browser, axe, "registration", screenshots).await?;
    let fill = |id: &'static str, value: &'static str| async move {
        let field = browser.find(Locator::Id(id)).await.map_err(err)?;
        field.clear().await.map_err(err)?;
        field.send_keys(value).await.map_err(err)
    };
    fill("given_name", "Sabina").await?;
    fill("family_name", "Lama").await?;
    fill("estimated_age", "12").await?;
    select(browser, "sex", "Feminine").await?;
    select(browser, "channel", "community_focal_point").await?;
    select(browser, "risk_level", "high").await?;
    select(browser, "consent_given_by", "child").await?;
    browser.find(Locator::Css("main form button[type=submit]")).await.map_err(err)?.click().await.map_err(err)?;
    wait_for_text(browser, "Enter where the child was identified.").await?;
    let kept: Value =
        browser.execute("return document.getElementById('given_name').value", vec![]).await.map_err(err)?;
    if kept != json!("Sabina") {
        return Err(format!("the refused form lost the name: {kept}"));
    }
    let focused: Value = browser.execute("return document.activeElement.id", vec![]).await.map_err(err)?;
    if focused != json!("error-summary") {
        return Err(format!("the error summary should have focus, not {focused}"));
    }
    check_page(browser, axe, "registration-refused", screenshots).await?;
    fill("place", "Birgunj border crossing").await?;
    browser.find(Locator::Css("main form button[type=submit]")).await.map_err(err)?.click().await.map_err(err)?;
    wait_for_path(browser, |path| path.starts_with("/cases/") && path != "/cases/new").await?;
    let text = body_text(browser).await?;
    for expected in ["Sabina Lama", "Birgunj border crossing", "Community focal point", "High risk"] {
        if !text.contains(expected) {
            return Err(format!("the case page lacks {expected}: {text}"));
        }
    }
    check_page(browser, axe, "case-page", screenshots).await?;

    // A case plan before an approved best-interest assessment: refused, the
    // refusal and what is missing explained on the page, the goal kept.
    browser.find(Locator::Css("#plan summary")).await.map_err(err)?.click().await.map_err(err)?;
    fill("plan-goal", "Back to school").await?;
    select(browser, "plan-service", "education").await?;
    fill("plan-provider", "Birgunj school").await?;
    let due = (chrono::Utc::now().date_naive() + chrono::Days::new(20)).to_string();
    browser
        .execute("document.getElementById('plan-due').value = arguments[0]; return true;", vec![json!(due)])
        .await
        .map_err(err)?;
    browser
        .find(Locator::Css("form[action$='/workflow/plan'] button[type=submit]"))
        .await
        .map_err(err)?
        .click()
        .await
        .map_err(err)?;
    wait_for_text(browser, "A case plan needs an approved best-interest assessment").await?;
    let text = body_text(browser).await?;
    if !text.contains("No best-interest assessment is recorded for this case yet") {
        return Err(format!("the refusal does not say what is missing: {text}"));
    }
    let kept: Value =
        browser.execute("return document.getElementById('plan-goal').value", vec![]).await.map_err(err)?;
    if kept != json!("Back to school") {
        return Err(format!("the refused plan lost its goal: {kept}"));
    }
    check_page(browser, axe, "plan-refused", screenshots).await?;

    // Sign out; a caseworker who reads Nepali signs in and sees Devanagari.
    browser.find(Locator::Css(".sign-out button")).await.map_err(err)?.click().await.map_err(err)?;
    wait_for_path(browser, |path| path == "/sign-in").await?;
    browser.find(Locator::Id("username")).await.map_err(err)?.send_keys("sarita").await.map_err(err)?;
    browser.find(Locator::Id("password")).await.map_err(err)?.send_keys(PASSWORD).await.map_err(err)?;
    browser.find(Locator::Css("form button[type=submit]")).await.map_err(err)?.click().await.map_err(err)?;
    wait_for_path(browser, |path| path == "/").await?;
    let lang: Value = browser.execute("return document.documentElement.lang", vec![]).await.map_err(err)?;
    let text = body_text(browser).await?;
    if lang != json!("ne") || !text.contains("मेरो काम") || !text.contains("सीता थापा") {
        return Err(format!("My work is not in Nepali ({lang}): {text}"));
    }
    check_page(browser, axe, "my-work-nepali", screenshots).await?;
    browser.goto(&format!("{base}/cases/new")).await.map_err(err)?;
    check_page(browser, axe, "registration-nepali", screenshots).await?;
    Ok(())
}

/// Runs axe-core on the current page (at desktop and phone width) and fails
/// on any serious or critical violation; saves screenshots when asked.
async fn check_page(browser: &Client, axe: &str, name: &str, screenshots: Option<&Path>) -> Result<(), String> {
    settle(browser).await?;
    for (label, (width, height)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        browser.set_window_size(width, height).await.map_err(|e| e.to_string())?;
        let injected: Value = browser
            .execute(&format!("{axe}\n;return typeof axe === 'object';"), vec![])
            .await
            .map_err(|e| format!("axe-core could not be injected: {e}"))?;
        if injected != json!(true) {
            return Err("axe-core did not load".into());
        }
        let violations: Value = browser
            .execute(
                "return axe.run(document, {resultTypes: ['violations']}).then(function (r) {
                   return r.violations.map(function (v) {
                     return {id: v.id, impact: v.impact, help: v.help,
                             targets: v.nodes.map(function (n) { return n.target.join(' '); })};
                   });
                 });",
                vec![],
            )
            .await
            .map_err(|e| format!("axe-core failed on {name}: {e}"))?;
        let serious: Vec<&Value> = violations
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious") | Some("critical")))
            .collect();
        if !serious.is_empty() {
            return Err(format!("{name} ({label}) has serious accessibility violations: {serious:#?}"));
        }
        if let Some(minor) = violations.as_array().filter(|v| !v.is_empty()) {
            eprintln!("{name} ({label}): minor axe findings: {minor:?}");
        }
        if let Some(dir) = screenshots {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            let png = browser.screenshot().await.map_err(|e| e.to_string())?;
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).map_err(|e| e.to_string())?;
        }
    }
    browser.set_window_size(DESKTOP.0, DESKTOP.1).await.map_err(|e| e.to_string())
}

async fn select(browser: &Client, id: &str, value: &str) -> Result<(), String> {
    browser
        .find(Locator::Id(id))
        .await
        .map_err(|e| e.to_string())?
        .select_by_value(value)
        .await
        .map_err(|e| e.to_string())
}

/// The page's text. A navigation may replace the document between finding
/// the body and reading it, so a failed read is retried.
async fn body_text(browser: &Client) -> Result<String, String> {
    let mut last = String::new();
    for _ in 0..20 {
        settle(browser).await?;
        match browser.find(Locator::Css("body")).await {
            Ok(body) => match body.text().await {
                Ok(text) => return Ok(text),
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(last)
}

/// Waits until the current document has finished loading.
async fn settle(browser: &Client) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let state = browser.execute("return document.readyState", vec![]).await;
        if matches!(state, Ok(Value::String(ref s)) if s == "complete") {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("the page never finished loading: {state:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_path(browser: &Client, wanted: impl Fn(&str) -> bool) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.map_err(|e| e.to_string())?;
        if wanted(url.path()) {
            return settle(browser).await;
        }
        if Instant::now() > deadline {
            return Err(format!("still at {url}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for_text(browser: &Client, text: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let body = body_text(browser).await?;
        if body.contains(text) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{text:?} never appeared: {body}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// axe-core's browser bundle, from the npm cache directory; installed there
/// with npm when missing.
fn axe_source() -> String {
    let cache = std::env::var_os("SAFEPATH_AXE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/safepath-axe"));
    let script = cache.join("node_modules/axe-core/axe.min.js");
    if !script.exists() {
        std::fs::create_dir_all(&cache).expect("axe cache directory");
        let status = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&cache)
            .arg("axe-core@4")
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm install axe-core failed");
    }
    std::fs::read_to_string(&script).expect("axe.min.js")
}

/// A chromedriver process on a free port, stopped when dropped.
struct Chromedriver {
    port: u16,
    _process: tokio::process::Child,
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let process = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let status = format!("http://127.0.0.1:{port}/status");
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(&status).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Chromedriver { port, _process: process }
    }

    async fn browser(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--lang=en-GB", "--hide-scrollbars", "--window-size=1280,900"]
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("WebDriver session with headless Chromium")
    }
}
