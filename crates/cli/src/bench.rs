//! `safepath bench`: loads a database with synthetic cases, serves the real
//! application on loopback and measures it with concurrent HTTP clients on
//! the same machine, printing a Markdown table (see docs/benchmarks.md).
//!
//! The figures come from a program, never from timed assertions in tests.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use safepath_domain::ids::OrganisationId;
use safepath_domain::policy::CaseScope;
use safepath_server::{AppState, PasswordCost, ServerConfig};
use safepath_store::{AuditContext, CaseFilter, SqlStore, Store, StoreConfig};
use serde_json::{json, Value};

use crate::demo;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum BenchBackend {
    Sqlite,
    Postgres,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Database to measure: a fresh SQLite file in a temporary folder, or a
    /// fresh schema in the PostgreSQL at --postgres-url (dropped afterwards).
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BenchBackend,
    #[arg(long, env = "SAFEPATH_TEST_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres_url: String,
    /// Cases to load before measuring.
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Keep the loaded database afterwards (its location is printed), for inspection.
    #[arg(long)]
    keep: bool,
    /// An SQLite file to measure instead of a fresh one in a temporary
    /// folder: loaded as usual when empty, and kept; when it already holds
    /// the cases (an earlier run's), measured as it is, without loading
    /// again — with whatever the earlier runs' scenarios wrote in it.
    #[arg(long, conflicts_with = "backend")]
    database: Option<std::path::PathBuf>,
    /// Scenarios to run (comma-separated); all when left out.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Scenario>,
}

/// The groups of scenarios `--only` can choose from.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum Scenario {
    /// `GET /api/v1/cases/{id}`, an audited single-case read.
    Read,
    /// `GET /api/v1/cases?q=` at full concurrency, at 8 connections and at one.
    Search,
    /// `POST /api/v1/cases`.
    Register,
    /// `GET /api/v1/me/work` for the supervisor of the largest organisation.
    Work,
    /// `POST /api/v1/cases/{id}/follow-ups`, a workflow action.
    FollowUp,
    /// The web pages, server side: *My work* (`GET /`), the case page
    /// (`GET /cases/{id}`) and the supervisor's dashboard in a signed-in
    /// browser session.
    Pages,
}

impl BenchArgs {
    fn runs(&self, scenario: Scenario) -> bool {
        self.only.is_empty() || self.only.contains(&scenario)
    }
}

/// The result of one scenario.
struct Measured {
    scenario: &'static str,
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// CPU time of the whole process (server, database and load generator) during the scenario.
    cpu: Option<Duration>,
}

impl Measured {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }

    fn row(&self) -> String {
        let cpu_per_request = match self.cpu {
            Some(cpu) if self.requests > 0 => format!("{:.2}", cpu.as_secs_f64() * 1000.0 / self.requests as f64),
            _ => "n/a".to_string(),
        };
        format!(
            "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {cpu_per_request} | {} |",
            self.scenario,
            self.requests,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.percentile(0.50),
            self.percentile(0.95),
            self.percentile(0.99),
            self.errors
        )
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (config, label) = match args.backend {
        BenchBackend::Sqlite => {
            let path = args.database.clone().unwrap_or_else(|| dir.path().join("bench.db"));
            (StoreConfig::new(format!("sqlite:{}", path.display())), "SQLite (WAL, synchronous=FULL)")
        }
        BenchBackend::Postgres => {
            let schema = format!("bench_{}", std::process::id());
            let config = StoreConfig { schema: Some(schema), ..StoreConfig::new(args.postgres_url.clone()) };
            (config, "PostgreSQL")
        }
    };
    let store = SqlStore::open(&config).await.context("cannot open the benchmark database")?;
    let result = measure(&store, &args, label).await;
    if args.keep {
        let kept = dir.keep();
        println!("kept: {} (SQLite) / schema {:?} (PostgreSQL)", kept.display(), config.schema);
    } else if let Some(schema) = &config.schema {
        drop_schema(&args.postgres_url, schema).await;
    }
    result
}

async fn drop_schema(url: &str, schema: &str) {
    use sqlx::{Connection, Executor};
    if let Ok(mut conn) = sqlx::PgConnection::connect(url).await {
        let _ = conn.execute(format!("DROP SCHEMA {schema} CASCADE").as_str()).await;
    }
}

async fn measure(store: &Arc<SqlStore>, args: &BenchArgs, label: &str) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    let ctx = AuditContext::system("bench");
    let started = Instant::now();
    let reused = args.database.is_some() && !store.is_empty().await?;
    let (supervisor_org, loaded) = if reused {
        (demo_organisation(store, "al").await?, store.row_counts().await?.cases as usize)
    } else {
        load_cases(store, args, today).await?
    };
    let load_time = started.elapsed();

    // Serve the real application on loopback.
    let state = AppState::new(store.clone(), ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(safepath_server::serve(listener, state, std::future::pending()));

    let client = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency * 2).build()?;
    let supervisor = sign_in(&client, &base, "al.supervisor").await?;
    let caseworker = sign_in(&client, &base, "al.caseworker1").await?;

    // Case ids and names the supervisor may see, to read and search for.
    let scope = CaseScope::Organisation(supervisor_org);
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for page in 1..=20 {
        let filter = CaseFilter { page, per_page: 100, ..CaseFilter::default() };
        let listed = store.list_cases(&ctx, &scope, filter).await?;
        for case in listed.cases {
            names.push(match &case.family_name {
                Some(family) => format!("{} {family}", case.given_name),
                None => case.given_name.clone(),
            });
            ids.push(case.id.to_string());
        }
    }
    if ids.is_empty() {
        bail!("no cases to read");
    }
    let organisation_cases =
        store.list_cases(&ctx, &scope, CaseFilter { page: 1, per_page: 1, ..CaseFilter::default() }).await?.total;

    let duration = Duration::from_secs(args.seconds);
    let mut results = Vec::new();
    let reads = Arc::new(ids);
    if args.runs(Scenario::Read) {
        results.push(
            load(&client, args.concurrency, duration, "GET /api/v1/cases/{id} (audited read)", {
                let (base, token, reads) = (base.clone(), supervisor.clone(), reads.clone());
                move |client, i| {
                    let url = format!("{base}/api/v1/cases/{}", reads[i % reads.len()]);
                    client.get(url).bearer_auth(&token)
                }
            })
            .await,
        );
    }
    let names = Arc::new(names);
    // Searching at full load, as a handful of caseworkers would, and alone:
    // one client's CPU per search is the cost of a search itself, which the
    // other helpers' load on a shared machine hardly changes.
    let searches = [
        (args.concurrency, "GET /api/v1/cases?q= (name search)"),
        (8, "GET /api/v1/cases?q= (name search, 8 connections)"),
        (1, "GET /api/v1/cases?q= (name search, 1 connection)"),
    ];
    for (concurrency, scenario) in searches.into_iter().filter(|_| args.runs(Scenario::Search)) {
        let (base, token, names) = (base.clone(), supervisor.clone(), names.clone());
        let search = move |client: &reqwest::Client, i: usize| {
            let url = format!("{base}/api/v1/cases");
            client.get(url).query(&[("q", names[(i * 7919) % names.len()].as_str())]).bearer_auth(&token)
        };
        results.push(load(&client, concurrency, duration, scenario, search).await);
    }
    let bodies = Arc::new(registration_bodies(today));
    if args.runs(Scenario::Register) {
        results.push(
            load(&client, args.concurrency, duration, "POST /api/v1/cases (registration)", {
                let (base, token, bodies) = (base.clone(), caseworker.clone(), bodies.clone());
                move |client, i| {
                    client.post(format!("{base}/api/v1/cases")).bearer_auth(&token).json(&bodies[i % bodies.len()])
                }
            })
            .await,
        );
    }

    // The workflow (issue #4): a supervisor's work list over the whole
    // organisation, and a workflow action (a follow-up scheduled).
    if args.runs(Scenario::Work) {
        results.push(
            load(&client, args.concurrency, duration, "GET /api/v1/me/work (supervisor)", {
                let (base, token) = (base.clone(), supervisor.clone());
                move |client, _| client.get(format!("{base}/api/v1/me/work")).bearer_auth(&token)
            })
            .await,
        );
    }
    let follow_up = json!({"due_date": (today + chrono::Days::new(7)).to_string(), "kind": "phone_call"});
    if args.runs(Scenario::FollowUp) {
        results.push(
            load(&client, args.concurrency, duration, "POST /api/v1/cases/{id}/follow-ups (workflow action)", {
                let (base, token, reads) = (base.clone(), supervisor.clone(), reads.clone());
                move |client, i| {
                    let url = format!("{base}/api/v1/cases/{}/follow-ups", reads[i % reads.len()]);
                    client.post(url).bearer_auth(&token).json(&follow_up)
                }
            })
            .await,
        );
    }
    if args.runs(Scenario::Pages) {
        results.extend(render_pages(&client, &base, duration, reads.clone()).await?);
    }

    let counts = store.row_counts().await?;
    println!();
    println!(
        "### {label}: {} cases, {} concurrent connections, {} s per scenario",
        loaded, args.concurrency, args.seconds
    );
    println!();
    if reused {
        println!("Measured the database of an earlier run ({loaded} cases, not loaded again); the supervisor's organisation holds {organisation_cases} cases.");
    } else {
        println!("Loaded {} cases in {:.1} s ({:.0} cases/s, each audited); the supervisor's organisation holds {organisation_cases} cases.", loaded, load_time.as_secs_f64(), loaded as f64 / load_time.as_secs_f64());
    }
    println!();
    println!("| scenario | requests | requests/s | p50 ms | p95 ms | p99 ms | CPU ms/request | errors |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for result in &results {
        println!("{}", result.row());
    }
    println!();
    println!("Audit events written: {} (chain: {:?})", counts.audit_events, store.verify_audit().await?);
    Ok(())
}

/// Loads the demo organisations and users, then generated children up to
/// `--cases`: the supervisor's organisation and the cases loaded.
async fn load_cases(
    store: &Arc<SqlStore>,
    args: &BenchArgs,
    today: chrono::NaiveDate,
) -> anyhow::Result<(OrganisationId, usize)> {
    let cheap = PasswordCost { memory_kib: 1024, iterations: 1 };
    let summary = demo::load(store.as_ref(), demo::DEFAULT_SEED, cheap).await?;
    let progress = demo::bar(args.cases, "loading");
    let mut loaded = summary.cases;
    let mut seed = demo::DEFAULT_SEED;
    let ctx = AuditContext::system("bench");
    while loaded < args.cases {
        let mut batch = Vec::new();
        while batch.len() < 5_000 && loaded + batch.len() < args.cases {
            seed += 1;
            let data = demo::generate::generate(seed, today);
            batch.extend(demo::registrations(&data, &summary.organisations, &summary.user_ids, today)?);
        }
        batch.truncate(args.cases - loaded);
        loaded += batch.len();
        store.import_cases(&ctx, batch).await?;
        progress.set_position(loaded as u64);
    }
    progress.finish_and_clear();
    let organisation = summary.organisations.get("al").context("demo organisation al")?;
    Ok((organisation.clone(), loaded))
}

/// The id of a demo organisation in a database loaded before, found by its name.
async fn demo_organisation(store: &Arc<SqlStore>, key: &str) -> anyhow::Result<OrganisationId> {
    let data = demo::generate::generate(demo::DEFAULT_SEED, chrono::Utc::now().date_naive());
    let generated = data.organisations.iter().find(|o| o.key == key).context("demo organisation")?;
    let name = generated.body["name"].as_str().context("demo organisation's name")?;
    let organisations = store.list_organisations(&AuditContext::system("bench")).await?;
    let found = organisations.into_iter().find(|o| o.name == name);
    Ok(found.with_context(|| format!("the database holds no organisation {name:?}"))?.id)
}

/// The answer to a demo user's sign-in.
async fn session_for(client: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<reqwest::Response> {
    Ok(client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": username, "password": demo::DEMO_PASSWORD}))
        .send()
        .await?
        .error_for_status()?)
}

async fn sign_in(client: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    let response: Value = session_for(client, base, username).await?.json().await?;
    response["token"].as_str().map(str::to_string).context("no token in the sign-in answer")
}

/// Connections of the page scenarios: a handful of people at their screens.
const PAGE_CONNECTIONS: usize = 8;

/// The server's side of the web pages (issue #5's render target): the
/// supervisor signs in as a browser does (the session cookie the sign-in
/// sets) and asks for *My work* and for case pages, each answer read whole.
async fn render_pages(
    client: &reqwest::Client,
    base: &str,
    duration: Duration,
    reads: Arc<Vec<String>>,
) -> anyhow::Result<Vec<Measured>> {
    let cookie = session_cookie(client, base, "al.supervisor").await?;
    // A page that sent the browser to sign in would be measured as a success.
    let check = client.get(format!("{base}/")).header(reqwest::header::COOKIE, &cookie).send().await?;
    if !check.status().is_success() || check.url().path() != "/" {
        bail!("the signed-in session does not reach My work ({} at {})", check.status(), check.url().path());
    }
    let mut results = Vec::new();
    results.push(
        load(client, PAGE_CONNECTIONS, duration, "GET / (My work page, supervisor, 8 connections)", {
            let (base, cookie) = (base.to_string(), cookie.clone());
            move |client, _| client.get(format!("{base}/")).header(reqwest::header::COOKIE, &cookie)
        })
        .await,
    );
    results.push(
        load(client, PAGE_CONNECTIONS, duration, "GET /cases/{id} (case page, 8 connections)", {
            let (base, cookie) = (base.to_string(), cookie.clone());
            move |client, i| {
                let url = format!("{base}/cases/{}", reads[(i * 7919) % reads.len()]);
                client.get(url).header(reqwest::header::COOKIE, &cookie)
            }
        })
        .await,
    );
    results.push(
        load(client, PAGE_CONNECTIONS, duration, "GET /dashboard (supervisor's charts, 8 connections)", {
            let (base, cookie) = (base.to_string(), cookie.clone());
            move |client, _| client.get(format!("{base}/dashboard")).header(reqwest::header::COOKIE, &cookie)
        })
        .await,
    );
    Ok(results)
}

/// Signs in and returns the session cookie (`name=value`) a browser would send.
async fn session_cookie(client: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    let response = session_for(client, base, username).await?;
    let set_cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .context("the sign-in set no session cookie")?;
    let pair = set_cookie.split(';').next().unwrap_or_default().trim();
    if !pair.contains('=') {
        bail!("unexpected session cookie");
    }
    Ok(pair.to_string())
}

/// A few thousand registration bodies from the demo generator, without assignee
/// (the caseworker registering is assigned).
fn registration_bodies(today: chrono::NaiveDate) -> Vec<Value> {
    let mut bodies: Vec<Value> =
        (0..10).flat_map(|i| demo::generate::generate(7_000 + i, today).children).map(|child| child.body).collect();
    bodies.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
    bodies
}

/// Runs `concurrency` clients for `duration`, each sending the request built
/// by `request` as soon as its previous one is answered.
async fn load<F>(
    client: &reqwest::Client,
    concurrency: usize,
    duration: Duration,
    scenario: &'static str,
    request: F,
) -> Measured
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let (client, request, stop) = (client.clone(), request.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut i = worker * 1_000_003;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let sent = Instant::now();
                let ok = match request(&client, i).send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        let _ = response.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                if !ok {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        if let Ok((worker_latencies, worker_errors)) = worker.await {
            latencies.extend(worker_latencies);
            errors += worker_errors;
        }
    }
    let elapsed = started.elapsed();
    let cpu = process_cpu_time().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
    latencies.sort_unstable();
    Measured { scenario, requests: latencies.len(), errors, elapsed, latencies, cpu }
}

/// User plus system CPU time of this process so far, from `/proc/self/stat`
/// (Linux; `None` elsewhere). Its fields 14 and 15 count in `USER_HZ`, which
/// Linux fixes at 100 per second for user space.
fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it do not.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}
