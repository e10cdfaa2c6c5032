//! The web pages in a real browser: headless Chromium from Debian's packages,
//! driven through chromedriver (WebDriver), with axe-core injected to check
//! accessibility (no serious or critical violation on any page checked).
//!
//! - `registration`: a caseworker signs in, registers a child after one
//!   refused attempt, and is refused a plan before an approved best-interest
//!   assessment, explained on the page; a Nepali caseworker sees Devanagari.
//! - `referral`: two browsers at once, two organisations in two countries,
//!   the partner's caseworker in French, from registration to closure.
//! - `focal_point`: a focal point sends an alert and can open nothing else,
//!   while a caseworker sees it arrive in *My work*.
//! - `slow_link` (ignored, a measurement): *My work* on a 2G-like link.
//!
//! Needs `/usr/bin/chromium`, `/usr/bin/chromedriver` (`.ci/run` installs
//! them) and axe-core from npm (installed into `~/.cache/safepath-axe` by
//! `.ci/run`, or by the test when missing). Without the browser the tests
//! are skipped, unless `SAFEPATH_REQUIRE_BROWSER` is set (as in CI).
//! With `SAFEPATH_SCREENSHOTS=<dir>` they save phone (360 px) and desktop
//! screenshots of each page checked there (`docs/screenshots/` in the
//! repository).

mod driver;
mod focal_point;
mod referral;
mod registration;
mod slow_link;
