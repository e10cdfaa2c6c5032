//! *My work* on a 2G-like link, measured in Chromium (issue #5: usable in
//! under 3 s at 250 kbit/s and 300 ms round trip). A measurement, not a
//! test: it asserts nothing about time and is ignored by default. Run it with
//!
//! ```sh
//! cargo test -p safepath-server --test it browser::slow_link -- --ignored --nocapture
//! ```
//!
//! and copy the table into docs/benchmarks.md. Timings come from the page's
//! own Navigation Timing and Paint Timing entries (milliseconds from the
//! start of the navigation), bytes from `transferSize` (what crossed the
//! throttled link, headers included).

use reqwest::StatusCode;
use safepath_domain::codes::Role;
use serde_json::{json, Value};

use super::driver::{prerequisites, Chromedriver, Outcome, Tab};
use crate::support::{child, Backend, TestApp};

/// Runs of each kind of load; the table shows the median and the slowest.
const RUNS: usize = 5;
/// The caseworker's open cases, as in the page-size test.
const CASES: usize = 30;
/// 250 kbit/s each way, in bytes per second, and 300 ms of latency.
const THROUGHPUT: u64 = 250_000 / 8;
const LATENCY_MS: u64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture, figures in docs/benchmarks.md"]
async fn my_work_on_a_2g_link() {
    let Some(axe) = prerequisites() else { return };
    let app = TestApp::start(Backend::Sqlite).await.expect("app");
    let org = app.seed_organisation("Tirana Child Protection", "AL").await;
    app.seed_user("al.cw", Role::Caseworker, &org).await;
    let api = app.sign_in("al.cw").await;
    let mut case_page = String::new();
    for i in 0..CASES {
        let mut body = child(&format!("Drita{i}"), "Hoxha");
        body["risk_level"] = json!(["high", "medium", "low"][i % 3]);
        let (status, body) = api.post("/api/v1/cases", body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        case_page = format!("/cases/{}", body["case"]["id"].as_str().expect("case id"));
    }

    let driver = Chromedriver::start().await;
    let tab = driver.tab(&app.base, &axe).await;
    let outcome = measure(&tab, &case_page).await;
    tab.close().await;
    let rows = outcome.unwrap_or_else(|failure| panic!("{failure}"));
    println!(
        "\n{CASES} open cases, SQLite, {} kbit/s, {LATENCY_MS} ms latency, {RUNS} runs each",
        THROUGHPUT * 8 / 1000
    );
    println!(
        "| load | first paint (median / max) | DOM ready (median / max) | load end (median / max) | bytes | requests |"
    );
    println!("|---|---|---|---|---|---|");
    for (label, runs) in rows {
        println!(
            "| {label} | {} | {} | {} | {} | {} |",
            spread(&runs, |t| t.first_paint),
            spread(&runs, |t| t.dom_ready),
            spread(&runs, |t| t.load_end),
            runs[0].bytes,
            runs[0].requests
        );
    }
}

/// One page load as the page itself timed it.
#[derive(Debug, Clone, Copy)]
struct Timing {
    first_paint: f64,
    dom_ready: f64,
    load_end: f64,
    bytes: u64,
    requests: u64,
}

fn spread(runs: &[Timing], of: impl Fn(&Timing) -> f64) -> String {
    let mut values: Vec<f64> = runs.iter().map(of).collect();
    values.sort_by(f64::total_cmp);
    if values.iter().any(|v| *v < 0.0) {
        return "not reported".into();
    }
    format!("{:.0} / {:.0} ms", values[values.len() / 2], values[values.len() - 1])
}

/// Each kind of load `RUNS` times; `case_page` is one of the caseworker's
/// cases, the page opened most after *My work*.
async fn measure(tab: &Tab, case_page: &str) -> Outcome<Vec<(&'static str, Vec<Timing>)>> {
    let mut sign_in_cold = Vec::new();
    let mut after_sign_in = Vec::new();
    let mut my_work_cold = Vec::new();
    let mut my_work_later = Vec::new();
    let mut case_later = Vec::new();
    throttle(tab).await?;
    for _ in 0..RUNS {
        // A first visit: nothing cached, the sign-in page and its assets.
        clear_cache(tab).await?;
        tab.goto("/sign-in").await?;
        sign_in_cold.push(timing(tab).await?);
        // Signing in: the form's POST, the redirect, My work (assets cached).
        tab.fill("username", "al.cw").await?;
        tab.fill("password", crate::support::PASSWORD).await?;
        tab.submit("form button[type=submit]").await?;
        tab.wait_for_path(|path| path == "/").await?;
        after_sign_in.push(timing(tab).await?);
        // My work with an empty cache (a browser that dropped it), then
        // again; each time from another page, as a user comes back to it
        // (Chromium reports no paint timing for a load of the same address).
        tab.goto("/cases").await?;
        clear_cache(tab).await?;
        tab.goto("/").await?;
        my_work_cold.push(timing(tab).await?);
        tab.goto("/cases").await?;
        tab.goto("/").await?;
        my_work_later.push(timing(tab).await?);
        tab.goto(case_page).await?;
        case_later.push(timing(tab).await?);
        tab.sign_out().await?;
    }
    // Not a target but a check of the set-up: every load crossed the link.
    if let Some(fast) = sign_in_cold.iter().chain(&my_work_cold).find(|t| t.dom_ready < LATENCY_MS as f64) {
        return Err(format!("the network emulation did not take effect: {fast:?}"));
    }
    Ok(vec![
        ("sign-in page, empty cache", sign_in_cold),
        ("sign in → *My work* (POST, redirect, page)", after_sign_in),
        ("*My work*, empty cache", my_work_cold),
        ("*My work*, later load", my_work_later),
        ("case page (from *My work*, assets cached)", case_later),
    ])
}

/// chromedriver's network emulation for this tab (Chrome DevTools'
/// `Network.emulateNetworkConditions` underneath).
async fn throttle(tab: &Tab) -> Outcome {
    tab.chromium(
        "chromium/network_conditions",
        json!({"network_conditions": {
            "offline": false,
            "latency": LATENCY_MS,
            "download_throughput": THROUGHPUT,
            "upload_throughput": THROUGHPUT
        }}),
    )
    .await
    .map(drop)
}

async fn clear_cache(tab: &Tab) -> Outcome {
    tab.chromium("goog/cdp/execute", json!({"cmd": "Network.clearBrowserCache", "params": {}})).await.map(drop)
}

/// The current page's timings, once its load event has ended and (when
/// Chromium reports it within a few seconds) its first contentful paint.
async fn timing(tab: &Tab) -> Outcome<Timing> {
    let mut loaded = None;
    for _ in 0..200 {
        let t: Value = tab
            .js(
                "var n = performance.getEntriesByType('navigation')[0];
                 var paint = performance.getEntriesByName('first-contentful-paint')[0];
                 var resources = performance.getEntriesByType('resource');
                 return {first_paint: paint ? paint.startTime : -1,
                         dom_ready: n.domContentLoadedEventEnd, load_end: n.loadEventEnd,
                         bytes: resources.reduce(function (s, r) { return s + r.transferSize; }, n.transferSize),
                         requests: 1 + resources.length};",
                vec![],
            )
            .await?;
        let number = |key: &str| t[key].as_f64().unwrap_or(0.0);
        if number("load_end") > 0.0 {
            loaded = Some(Timing {
                first_paint: number("first_paint"),
                dom_ready: number("dom_ready"),
                load_end: number("load_end"),
                bytes: number("bytes") as u64,
                requests: number("requests") as u64,
            });
            if number("first_paint") >= 0.0 {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    loaded.ok_or_else(|| "the page's load event never ended".into())
}
