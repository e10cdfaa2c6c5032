//! What the browser tests share: a chromedriver process, a browser tab with
//! the few actions a user takes (fill, choose, click, read), axe-core run on
//! each page checked, and the interface's own translations to say what a
//! page must show.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde_json::{json, Value};

use crate::support::{Backend, TestApp, PASSWORD};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PHONE: (u32, u32) = (360, 800);
const DESKTOP: (u32, u32) = (1280, 900);
/// The tallest screenshot saved, in pixels.
const SCREENSHOT_MAX_HEIGHT: u64 = 2400;
/// How long a page may take to appear before a step fails (a loaded CI
/// machine, not a performance target: those are measured by `slow_link`).
const PATIENCE: Duration = Duration::from_secs(20);

/// A failed step, said in words (what was expected, what the page showed).
pub(crate) type Outcome<T = ()> = Result<T, String>;

fn said(error: impl std::fmt::Display) -> String {
    error.to_string()
}

/// axe-core's source when Chromium and chromedriver are installed; `None`
/// (the test is skipped) when they are not, unless `SAFEPATH_REQUIRE_BROWSER`
/// is set, as `.ci/run` does, in which case their absence fails the test.
pub(crate) fn prerequisites() -> Option<Arc<str>> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var_os("SAFEPATH_REQUIRE_BROWSER").is_none(),
            "SAFEPATH_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("chromium or chromedriver missing: browser test skipped (.ci/run installs them)");
        return None;
    }
    Some(axe_source().into())
}

/// The application on `backend` and axe-core's source, or `None` when the
/// test is skipped: no browser (see [`prerequisites`]), or no PostgreSQL
/// configured for the PostgreSQL variant.
pub(crate) async fn app_on(backend: Backend) -> Option<(TestApp, Arc<str>)> {
    let axe = prerequisites()?;
    let Some(app) = TestApp::start(backend).await else {
        eprintln!("SAFEPATH_TEST_DATABASE_URL is not set: PostgreSQL variant skipped");
        return None;
    };
    Some((app, axe))
}

/// Two browsers open at once on one application (two WebDriver sessions of
/// one chromedriver, each with its own cookies and cache).
pub(crate) struct TwoBrowsers {
    pub(crate) a: Tab,
    pub(crate) b: Tab,
    _driver: Chromedriver,
}

impl TwoBrowsers {
    pub(crate) async fn open(app: &TestApp, axe: &Arc<str>) -> TwoBrowsers {
        let driver = Chromedriver::start().await;
        let (a, b) = tokio::join!(driver.tab(&app.base, axe), driver.tab(&app.base, axe));
        TwoBrowsers { a, b, _driver: driver }
    }

    /// Closes both browsers whatever the story's outcome, then fails the
    /// test with the story's own words if it failed.
    pub(crate) async fn finish(self, outcome: Outcome) {
        self.a.close().await;
        self.b.close().await;
        outcome.unwrap_or_else(|failure| panic!("{failure}"));
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

/// The interface's messages of one language, read from the translation
/// files the server embeds, so that a test says *which* message a page must
/// show and keeps passing when its wording is improved.
pub(crate) struct Strings {
    bundle: FluentBundle<FluentResource>,
}

impl Strings {
    pub(crate) fn of(language: &str) -> Strings {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("i18n").join(language);
        let mut bundle = FluentBundle::new_concurrent(vec![language.parse().expect("language tag")]);
        bundle.set_use_isolating(false);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "ftl"))
            .collect();
        files.sort();
        for file in files {
            let source = std::fs::read_to_string(&file).expect("translation file");
            let resource = FluentResource::try_new(source).expect("translation file parses");
            bundle.add_resource(resource).expect("no key defined twice");
        }
        Strings { bundle }
    }

    /// The message `key`, with `args` (name, value) filled in.
    pub(crate) fn get(&self, key: &str, args: &[(&str, &str)]) -> String {
        let message = self.bundle.get_message(key).unwrap_or_else(|| panic!("no message {key}"));
        let pattern = message.value().unwrap_or_else(|| panic!("message {key} has no value"));
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, *value);
        }
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        assert!(errors.is_empty(), "{key}: {errors:?}");
        text.into_owned()
    }

    pub(crate) fn t(&self, key: &str) -> String {
        self.get(key, &[])
    }
}

/// A chromedriver process on a free port, stopped when dropped.
pub(crate) struct Chromedriver {
    url: String,
    _process: tokio::process::Child,
}

impl Chromedriver {
    pub(crate) async fn start() -> Chromedriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let process = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Chromedriver { url, _process: process }
    }

    /// A new headless Chromium (its own profile: cookies and cache of its
    /// own) showing the application at `base`.
    pub(crate) async fn tab(&self, base: &str, axe: &Arc<str>) -> Tab {
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
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("WebDriver session with headless Chromium");
        let session = client.session_id().await.ok().flatten().expect("a WebDriver session id");
        Tab {
            client,
            base: base.to_string(),
            axe: axe.clone(),
            screenshots: std::env::var_os("SAFEPATH_SCREENSHOTS").map(PathBuf::from),
            session_url: format!("{}/session/{session}", self.url),
        }
    }
}

/// Something typed on the keyboard: a key, or text.
pub(crate) enum Typed<'a> {
    Key(Key),
    Text(&'a str),
}

/// One browser, driven as a user drives it. Every step returns an
/// [`Outcome`] so that the browser is closed even when a step fails.
pub(crate) struct Tab {
    pub(crate) client: Client,
    base: String,
    axe: Arc<str>,
    screenshots: Option<PathBuf>,
    /// chromedriver's URL of this session, for the commands WebDriver lacks.
    session_url: String,
}

impl Tab {
    pub(crate) async fn close(self) {
        self.client.close().await.ok();
    }

    pub(crate) async fn goto(&self, path: &str) -> Outcome {
        self.client.goto(&format!("{}{path}", self.base)).await.map_err(said)?;
        self.settle().await
    }

    /// The current URL's path (and fragment, when there is one).
    pub(crate) async fn path(&self) -> Outcome<String> {
        let url = self.client.current_url().await.map_err(said)?;
        Ok(match url.fragment() {
            Some(fragment) => format!("{}#{fragment}", url.path()),
            None => url.path().to_string(),
        })
    }

    pub(crate) async fn js(&self, script: &str, args: Vec<Value>) -> Outcome<Value> {
        self.client.execute(script, args).await.map_err(said)
    }

    /// Types `value` into the field with id `id`, replacing what was there.
    pub(crate) async fn fill(&self, id: &str, value: &str) -> Outcome {
        let field = self.client.find(Locator::Id(id)).await.map_err(|e| format!("no field #{id}: {e}"))?;
        field.clear().await.map_err(said)?;
        field.send_keys(value).await.map_err(said)
    }

    /// Sets a date field: typing into `<input type=date>` depends on the
    /// browser's locale, so the value is set as the picker would.
    pub(crate) async fn set_date(&self, id: &str, date: &str) -> Outcome {
        let set = self
            .js(
                "var f = document.getElementById(arguments[0]); f.value = arguments[1]; return f.value;",
                vec![json!(id), json!(date)],
            )
            .await?;
        if set != json!(date) {
            return Err(format!("#{id} did not take {date}: {set}"));
        }
        Ok(())
    }

    pub(crate) async fn select(&self, id: &str, value: &str) -> Outcome {
        let field = self.client.find(Locator::Id(id)).await.map_err(|e| format!("no select #{id}: {e}"))?;
        field.select_by_value(value).await.map_err(|e| format!("#{id} has no option {value}: {e}"))
    }

    pub(crate) async fn click(&self, css: &str) -> Outcome {
        let element = self.client.find(Locator::Css(css)).await.map_err(|e| format!("nothing matches {css}: {e}"))?;
        element.click().await.map_err(|e| format!("{css} cannot be clicked: {e}"))
    }

    pub(crate) async fn click_link(&self, text: &str) -> Outcome {
        let link = self.client.find(Locator::LinkText(text)).await.map_err(|e| format!("no link {text:?}: {e}"))?;
        link.click().await.map_err(said)
    }

    /// Clicks a form's submit button and waits for the next page.
    pub(crate) async fn submit(&self, button_css: &str) -> Outcome {
        let before: Value = self.js("return performance.timeOrigin", vec![]).await?;
        self.click(button_css).await?;
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(now) = self.js("return performance.timeOrigin", vec![]).await {
                if now != before {
                    return self.settle().await;
                }
            }
            if Instant::now() > deadline {
                return Err(format!("{button_css} led to no new page"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types on the keyboard, into whatever has the focus; [`Key`]s (Tab,
    /// Enter) are keys, anything else is typed character by character.
    pub(crate) async fn keys(&self, typed: &[Typed<'_>]) -> Outcome {
        let mut actions = KeyActions::new("keyboard".into());
        for part in typed {
            let chars: Vec<char> = match part {
                Typed::Key(key) => vec![char::from(*key)],
                Typed::Text(text) => text.chars().collect(),
            };
            for value in chars {
                actions = actions.then(KeyAction::Down { value }).then(KeyAction::Up { value });
            }
        }
        self.client.perform_actions(actions).await.map_err(said)
    }

    /// What has the keyboard focus: its id, else its class, else its tag.
    pub(crate) async fn focused(&self) -> Outcome<String> {
        let focused = self
            .js("var e = document.activeElement; return e ? (e.id || e.className || e.tagName) : ''", vec![])
            .await?;
        Ok(focused.as_str().unwrap_or_default().to_string())
    }

    /// The page's visible text, spaces normalised (no-break spaces as spaces).
    pub(crate) async fn text(&self) -> Outcome<String> {
        let mut last = String::new();
        for _ in 0..20 {
            self.settle().await?;
            match self.js("return document.body.innerText", vec![]).await {
                Ok(Value::String(text)) => return Ok(text.replace(['\u{a0}', '\u{202f}'], " ")),
                Ok(other) => last = format!("no text: {other}"),
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(last)
    }

    /// Fails unless the page shows every one of `expected`.
    pub(crate) async fn shows(&self, expected: &[&str]) -> Outcome {
        let text = self.text().await?;
        let missing: Vec<&&str> = expected.iter().filter(|e| !text.contains(**e)).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("{} lacks {missing:?}; it shows:\n{text}", self.path().await?))
        }
    }

    /// Fails if the page shows any of `forbidden`, in its text or its HTML.
    pub(crate) async fn hides(&self, forbidden: &[&str]) -> Outcome {
        let text = self.text().await?;
        let html = self.client.source().await.map_err(said)?;
        match forbidden.iter().find(|f| text.contains(**f) || html.contains(**f)) {
            None => Ok(()),
            Some(found) => Err(format!("{} shows {found:?}:\n{text}", self.path().await?)),
        }
    }

    /// The document's language (`<html lang>`).
    pub(crate) async fn lang(&self) -> Outcome<String> {
        let lang = self.js("return document.documentElement.lang", vec![]).await?;
        Ok(lang.as_str().unwrap_or_default().to_string())
    }

    /// The HTTP status of the current document, from Navigation Timing.
    pub(crate) async fn status(&self) -> Outcome<u64> {
        let status = self.js("return performance.getEntriesByType('navigation')[0].responseStatus", vec![]).await?;
        status.as_u64().ok_or_else(|| format!("no response status: {status}"))
    }

    pub(crate) async fn wait_for_path(&self, wanted: impl Fn(&str) -> bool) -> Outcome {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let path = self.path().await?;
            if wanted(path.split('#').next().unwrap_or_default()) {
                return self.settle().await;
            }
            if Instant::now() > deadline {
                return Err(format!("still at {path}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn wait_for_text(&self, wanted: &str) -> Outcome {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.text().await?;
            if text.contains(wanted) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{wanted:?} never appeared: {text}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Signs in through the form and waits for the landing page.
    pub(crate) async fn sign_in(&self, username: &str) -> Outcome {
        self.goto("/sign-in").await?;
        self.fill("username", username).await?;
        self.fill("password", PASSWORD).await?;
        self.submit("form button[type=submit]").await?;
        self.wait_for_path(|path| path != "/sign-in").await
    }

    pub(crate) async fn sign_out(&self) -> Outcome {
        self.submit(".sign-out button").await?;
        self.wait_for_path(|path| path == "/sign-in").await
    }

    /// Waits until the current document has finished loading.
    pub(crate) async fn settle(&self) -> Outcome {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let state = self.client.execute("return document.readyState", vec![]).await;
            if matches!(state, Ok(Value::String(ref s)) if s == "complete") {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("the page never finished loading: {state:?}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs axe-core on the current page at desktop and phone width and
    /// fails on any serious or critical violation; with
    /// `SAFEPATH_SCREENSHOTS=<dir>` saves `<name>-desktop.png` and
    /// `<name>-phone.png` there.
    pub(crate) async fn check(&self, name: &str) -> Outcome {
        self.settle().await?;
        for (label, (width, height)) in [("desktop", DESKTOP), ("phone", PHONE)] {
            self.client.set_window_size(width, height).await.map_err(said)?;
            let injected = self
                .js(&format!("{}\n;return typeof axe === 'object';", self.axe), vec![])
                .await
                .map_err(|e| format!("axe-core could not be injected: {e}"))?;
            if injected != json!(true) {
                return Err("axe-core did not load".into());
            }
            let violations = self
                .js(
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
            if let Some(dir) = &self.screenshots {
                self.screenshot(&dir.join(format!("{name}-{label}.png")), width, height).await?;
            }
        }
        self.client.set_window_size(DESKTOP.0, DESKTOP.1).await.map_err(said)
    }

    /// Saves the whole page as a PNG (the window made as tall as the page,
    /// up to `SCREENSHOT_MAX_HEIGHT`), so that a screenshot shows more than
    /// the first screen of a long page such as the case page.
    async fn screenshot(&self, file: &Path, width: u32, height: u32) -> Outcome {
        let page_height = self.js("return document.documentElement.scrollHeight", vec![]).await?;
        let tall = page_height.as_u64().unwrap_or(0).clamp(u64::from(height), SCREENSHOT_MAX_HEIGHT);
        self.client.set_window_size(width, tall as u32).await.map_err(said)?;
        let png = self.client.screenshot().await.map_err(said)?;
        std::fs::create_dir_all(file.parent().unwrap_or(Path::new("."))).map_err(said)?;
        std::fs::write(file, png).map_err(said)
    }

    /// A chromedriver command beyond WebDriver's (`chromium/network_conditions`,
    /// `goog/cdp/execute`), sent to this session.
    pub(crate) async fn chromium(&self, command: &str, body: Value) -> Outcome<Value> {
        let response = reqwest::Client::new()
            .post(format!("{}/{command}", self.session_url))
            .json(&body)
            .send()
            .await
            .map_err(said)?;
        let status = response.status();
        let answer: Value = response.json().await.map_err(said)?;
        if !status.is_success() {
            return Err(format!("chromedriver refused {command}: {status} {answer}"));
        }
        Ok(answer["value"].clone())
    }
}
