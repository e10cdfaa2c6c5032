//! `safepath`: the one binary. Serves the application, migrates, loads demo
//! data, verifies the audit chain, backs up, administers organisations and
//! users from scripts, and benchmarks.

mod bench;
mod demo;
mod htcds;
mod link;

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput};
use safepath_domain::user::{NewUser, NewUserInput};
use safepath_server::{auth, AppState, PasswordCost, ServerConfig};
use safepath_store::{AuditContext, AuditVerification, SqlStore, Store, StoreConfig};

#[derive(Parser)]
#[command(
    name = "safepath",
    version,
    about = "Safepath: case management for organisations protecting children from trafficking and exploitation."
)]
struct Cli {
    /// Database: `sqlite:FILE` (embedded default) or `postgres://user@host/db`.
    #[arg(long, global = true, env = "SAFEPATH_DATABASE_URL", default_value = "sqlite:safepath.db")]
    database_url: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service (migrates the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the synthetic demo data into an empty database.
    Demo {
        /// Seed of the generator (the same seed gives the same data).
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
    },
    /// Audit trail commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a consistent copy of the SQLite database while it is in use.
    Backup {
        /// File to write (must not exist).
        #[arg(long, short)]
        output: String,
    },
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Measure throughput and latency against a loaded database (see docs/benchmarks.md).
    Bench(bench::BenchArgs),
    /// Export cases to an exchange file (`export htcds`: HTCDS v2.0 JSON or CSV).
    Export(htcds::ExportArgs),
    /// Import cases from an exchange file (`import htcds`): all records, or none if any is invalid.
    Import(htcds::ImportArgs),
    /// Record linkage on CSV registers: dedupe, match, privacy-preserving encodings (no database needed).
    Link(link::LinkArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SAFEPATH_BIND")]
    bind: SocketAddr,
    /// Load the demo data first (only into an empty database) and print the demo sign-ins.
    #[arg(long)]
    demo: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, default_value_t = 30)]
    idle_timeout_minutes: u64,
    /// Hours after sign-in after which a session ends, used or not.
    #[arg(long, default_value_t = 12)]
    absolute_timeout_hours: u64,
    /// Mark cookies Secure and send HSTS (set this when served behind TLS).
    #[arg(long, env = "SAFEPATH_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Largest request body accepted, in KiB.
    #[arg(long, default_value_t = 256)]
    body_limit_kib: usize,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of every audit event; exits 1 and names the first broken event.
    Verify,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add an organisation; prints its id.
    Add {
        #[arg(long)]
        name: String,
        /// HTCDS organisation type, e.g. NGO, LawEnforcement, LocalGovernmentOrganisation.
        #[arg(long = "type")]
        org_type: String,
        /// ISO 3166-1 country code; repeat for several.
        #[arg(long = "country", required = true)]
        countries: Vec<String>,
        /// Prefix of case references, e.g. TDH-AL (derived from the name when absent).
        #[arg(long)]
        reference_prefix: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; prints its id (and the generated password when none is given).
    Add {
        #[arg(long)]
        username: String,
        /// focal_point, caseworker, supervisor, manager, analyst or admin.
        #[arg(long)]
        role: String,
        /// Id of the user's organisation.
        #[arg(long = "org")]
        organisation_id: String,
        /// Read the password from standard input (first line); otherwise one is generated and shown once.
        #[arg(long)]
        password_stdin: bool,
        /// Interface language: en, fr, es, pt or ne.
        #[arg(long, default_value = "en")]
        language: String,
        #[arg(long)]
        display_name: Option<String>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SAFEPATH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(database_url: &str) -> anyhow::Result<Arc<SqlStore>> {
    open_with(StoreConfig::new(database_url)).await
}

/// Opens a database that must already exist (nothing to verify or back up otherwise).
async fn open_existing(database_url: &str) -> anyhow::Result<Arc<SqlStore>> {
    open_with(StoreConfig { create_if_missing: false, ..StoreConfig::new(database_url) }).await
}

async fn open_with(config: StoreConfig) -> anyhow::Result<Arc<SqlStore>> {
    let url = config.url.clone();
    SqlStore::open(&config).await.with_context(|| format!("cannot open the database at {}", redact(&url)))
}

/// The URL without a password (in the user part or a `password=` parameter), for messages.
fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match base[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}://{user}:***@{}", &base[..scheme], &base[at + 1..]),
            None => base.to_string(),
        },
        _ => base.to_string(),
    };
    match query {
        None => base,
        Some(query) => {
            let parameters: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{base}?{}", parameters.join("&"))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let url = cli.database_url;
    match cli.command {
        Command::Serve(args) => serve(&url, args).await?,
        Command::Migrate => {
            open(&url).await?;
            println!("database at {} is up to date", redact(&url));
        }
        Command::Demo { seed } => {
            let store = open(&url).await?;
            let summary = demo::load(store.as_ref(), seed, PasswordCost::default()).await?;
            print_demo_sign_ins(&summary);
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let store = open_existing(&url).await?;
            match store.verify_audit().await? {
                AuditVerification::Intact { events } => {
                    println!("OK: {events} audit events, chain intact")
                }
                AuditVerification::Broken { seq, reason } => {
                    println!("BROKEN at audit event {seq}: {reason}");
                    return Ok(std::process::ExitCode::FAILURE);
                }
            }
        }
        Command::Backup { output } => {
            if std::path::Path::new(&output).exists() {
                bail!("{output} already exists; choose a new file name");
            }
            let store = open_existing(&url).await?;
            store.backup(&AuditContext::system("cli-backup"), &output).await?;
            println!("backup written to {output}");
        }
        Command::Org { command: OrgCommand::Add { name, org_type, countries, reference_prefix } } => {
            let input =
                NewOrganisationInput { name, org_type, countries, reference_prefix, services: None, contact: None };
            let org = NewOrganisation::parse(input).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = open(&url).await?;
            let created = store.create_organisation(&AuditContext::system("cli"), org).await.map_err(describe)?;
            println!("{}", created.id);
        }
        Command::User {
            command: UserCommand::Add { username, role, organisation_id, password_stdin, language, display_name },
        } => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_to_string(&mut line).context("cannot read the password from standard input")?;
                (line.lines().next().unwrap_or("").to_string(), false)
            } else {
                (auth::new_token()[..24].to_string(), true)
            };
            let input = NewUserInput {
                username,
                password: password.clone(),
                role,
                organisation_id,
                language: Some(language),
                display_name,
            };
            let user = NewUser::parse(input).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = open(&url).await?;
            let hash = auth::hash_password(&password, PasswordCost::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
            let created = store.create_user(&AuditContext::system("cli"), user, hash).await.map_err(describe)?;
            println!("{}", created.id);
            if generated {
                eprintln!("generated password (shown once, store it safely): {password}");
            }
        }
        Command::Bench(args) => bench::run(args).await?,
        Command::Export(args) => htcds::export(&url, args).await?,
        Command::Import(args) => htcds::import(&url, args).await?,
        Command::Link(args) => link::run(args)?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn describe(error: safepath_store::StoreError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

fn print_demo_sign_ins(summary: &demo::DemoSummary) {
    println!("Demo data loaded: {} children, {} accounts.", summary.cases, summary.users.len());
    println!("Demo sign-ins (password for all: {}):", demo::DEMO_PASSWORD);
    for (username, role) in &summary.users {
        println!("  {username:<20} {role}");
    }
}

async fn serve(url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let store = open(url).await?;
    if args.demo {
        if store.is_empty().await? {
            let summary = demo::load(store.as_ref(), demo::DEFAULT_SEED, PasswordCost::default()).await?;
            print_demo_sign_ins(&summary);
        } else {
            println!("The database already holds data: demo data not loaded.");
        }
    }
    let config = ServerConfig {
        body_limit: args.body_limit_kib * 1024,
        idle_timeout: Duration::from_secs(args.idle_timeout_minutes * 60),
        absolute_timeout: Duration::from_secs(args.absolute_timeout_hours * 3600),
        secure_cookies: args.secure_cookies,
        ..ServerConfig::default()
    };
    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("cannot listen on {}", args.bind))?;
    println!("Safepath is running at http://{} (database: {})", listener.local_addr()?, redact(url));
    println!("API description: http://{}/api/v1/openapi.json", listener.local_addr()?);
    let state = AppState::new(store, config);
    safepath_server::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager: stop taking requests, finish
/// those under way (their writes commit), then exit.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
