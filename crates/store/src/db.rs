//! Connecting to SQLite or PostgreSQL, and what differs between them.
//!
//! The two backends share every query (written with `$n` parameters, which
//! both accept) through sqlx's `Any` driver. What differs lives here:
//! - SQLite runs in WAL mode with `synchronous=FULL`, so a committed
//!   transaction survives a power cut; the writer takes the write lock up
//!   front (`BEGIN IMMEDIATE`).
//! - PostgreSQL serialises audit-chain appends across processes with a row
//!   lock on `audit_head` (`SELECT … FOR UPDATE`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};
use tokio::sync::mpsc;

use safepath_domain::case::{CaseView, NewCase};

use crate::writer::{Combiner, Writer};
use crate::{AuditContext, StoreError, StoreResult};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite:path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// PostgreSQL schema to work in (created when missing); tests use one each.
    pub schema: Option<String>,
    /// Connections for reads that need no audit (sessions, credentials).
    pub read_connections: u32,
    /// Whether a missing SQLite file is created (serving, migrating) or is an
    /// error (verifying or backing up a database that should already exist).
    pub create_if_missing: bool,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), schema: None, read_connections: 8, create_if_missing: true }
    }

    pub fn backend(&self) -> StoreResult<Backend> {
        if self.url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Unsupported("the database URL must start with sqlite: or postgres://".into()))
        }
    }

    /// The URL as sqlx wants it: SQLite files are created when missing.
    fn connect_url(&self) -> StoreResult<String> {
        Ok(match self.backend()? {
            Backend::Sqlite if !self.url.contains("mode=") => {
                let separator = if self.url.contains('?') { '&' } else { '?' };
                let mode = if self.create_if_missing { "rwc" } else { "rw" };
                format!("{}{separator}mode={mode}", self.url)
            }
            _ => self.url.clone(),
        })
    }
}

/// The one implementation of [`crate::Store`], over either backend.
pub struct SqlStore {
    pub(crate) backend: Backend,
    pub(crate) pool: AnyPool,
    pub(crate) writer: Writer,
    /// Registrations made at the same time, written as one unit.
    pub(crate) registrations: Combiner<(AuditContext, NewCase), CaseView>,
    /// Dropped with the store, which ends the SQLite checkpointer.
    _checkpointer: Option<mpsc::Sender<()>>,
}

/// WAL pages after which the writer checkpoints in its own commit: a
/// backstop, if the checkpointer falls behind.
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// How often the checkpointer copies the WAL into the database at most.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Copies committed pages from the WAL into the database file on a connection
/// of its own, beside the writer instead of inside its commits.
///
/// Why: SQLite checkpoints in the commit that brings the WAL over its limit
/// (1,000 pages by default), and a checkpoint reads every page of the WAL,
/// writes it to the database and syncs it; the writer and everyone waiting
/// for its commit then wait for that too. A `PASSIVE` checkpoint never
/// blocks the writer or the readers (it copies what no reader still needs),
/// and a durable commit is durable in the WAL already, so moving checkpoints
/// here changes no guarantee. The writer keeps a higher limit of its own
/// ([`WRITER_AUTOCHECKPOINT_PAGES`]) in case this task falls behind.
async fn checkpoint_while_open(mut conn: AnyConnection, mut closed: mpsc::Receiver<()>) {
    loop {
        tokio::select! {
            _ = closed.recv() => break,
            _ = tokio::time::sleep(CHECKPOINT_EVERY) => {}
        }
        if let Err(error) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
            // Nothing is lost: the pages stay in the WAL and the writer's own
            // limit checkpoints them.
            tracing::warn!(%error, "background checkpoint failed");
        }
    }
    let _ = conn.close().await;
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "core", include_str!("../migrations/sqlite/0001_core.sql")),
    (2, "workflow", include_str!("../migrations/sqlite/0002_workflow.sql")),
    (3, "linkage", include_str!("../migrations/sqlite/0003_linkage.sql")),
    (4, "work_items", include_str!("../migrations/sqlite/0004_work_items.sql")),
    (5, "notes", include_str!("../migrations/sqlite/0005_notes.sql")),
    (6, "alerts", include_str!("../migrations/sqlite/0006_alerts.sql")),
    (7, "search_keys", include_str!("../migrations/sqlite/0007_search_keys.sql")),
    (8, "dashboard", include_str!("../migrations/sqlite/0008_dashboard.sql")),
    (9, "search_page", include_str!("../migrations/sqlite/0009_search_page.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "core", include_str!("../migrations/postgres/0001_core.sql")),
    (2, "workflow", include_str!("../migrations/postgres/0002_workflow.sql")),
    (3, "linkage", include_str!("../migrations/postgres/0003_linkage.sql")),
    (4, "work_items", include_str!("../migrations/postgres/0004_work_items.sql")),
    (5, "notes", include_str!("../migrations/postgres/0005_notes.sql")),
    (6, "alerts", include_str!("../migrations/postgres/0006_alerts.sql")),
    (7, "search_keys", include_str!("../migrations/postgres/0007_search_keys.sql")),
    (8, "dashboard", include_str!("../migrations/postgres/0008_dashboard.sql")),
    (9, "search_page", include_str!("../migrations/postgres/0009_search_page.sql")),
];

impl SqlStore {
    /// Connects, applies pending migrations and starts the writer.
    pub async fn open(config: &StoreConfig) -> StoreResult<Arc<SqlStore>> {
        sqlx::any::install_default_drivers();
        let backend = config.backend()?;
        let url = config.connect_url()?;
        let schema = config.schema.clone();
        if let Some(schema) = &schema {
            if !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(StoreError::Unsupported("schema names are lower-case letters, digits and _".into()));
            }
        }

        let mut writer_conn = connect_one(backend, &url, schema.as_deref()).await?;
        if let Some(schema) = &schema {
            writer_conn.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str()).await?;
            set_search_path(&mut writer_conn, schema).await?;
        }
        migrate(backend, &mut writer_conn).await?;

        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(config.read_connections.max(1))
            // A local SQLite file does not go stale between uses: no ping
            // (a round trip to the connection's thread) before each one.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    prepare_connection(backend, conn).await?;
                    if let Some(schema) = &schema {
                        set_search_path(conn, schema).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;

        let checkpointer = match backend {
            Backend::Sqlite => {
                writer_conn
                    .execute(format!("PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES}").as_str())
                    .await?;
                let conn = connect_one(backend, &url, None).await?;
                let (open, closed) = mpsc::channel(1);
                tokio::spawn(checkpoint_while_open(conn, closed));
                Some(open)
            }
            Backend::Postgres => None,
        };
        let writer = Writer::start(backend, writer_conn);
        let registrations = Combiner::start(writer.clone(), crate::cases::register_together);
        Ok(Arc::new(SqlStore { backend, pool, writer, registrations, _checkpointer: checkpointer }))
    }
}

impl SqlStore {
    /// Refreshes PostgreSQL's planner statistics of the case tables after a
    /// bulk load: with stale ones it scans an organisation's cases instead of
    /// starting a name search from its few matches (1.3 ms against 60 ms).
    /// SQLite is left without statistics: its join order is fixed by the
    /// queries (CROSS JOIN), and with `sqlite_stat1` present the audited
    /// single-case read measured at half its throughput (docs/benchmarks.md).
    pub(crate) async fn refresh_statistics(&self) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            self.pool
                .execute(
                    "ANALYZE cases, child_identities, child_names, name_keys, search_terms, search_keys, consents, work_items",
                )
                .await?;
        }
        Ok(())
    }
}

async fn connect_one(backend: Backend, url: &str, _schema: Option<&str>) -> StoreResult<AnyConnection> {
    let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
    let mut conn = AnyConnection::connect_with(&options).await?;
    prepare_connection(backend, &mut conn).await?;
    Ok(conn)
}

/// Per-connection settings. For SQLite these are what makes a commit durable
/// (WAL + synchronous=FULL) and what lets readers proceed while one writer writes.
async fn prepare_connection(backend: Backend, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        for pragma in [
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA busy_timeout = 10000",
            // A larger page cache than SQLite's default 2 MiB for the writer,
            // whose cache survives its own commits. (A memory map was tried:
            // remapping as the file grows at each checkpoint cost more than
            // it saved, docs/benchmarks.md.)
            "PRAGMA cache_size = -32768",
            "PRAGMA temp_store = MEMORY",
        ] {
            conn.execute(pragma).await?;
        }
    }
    Ok(())
}

async fn set_search_path(conn: &mut AnyConnection, schema: &str) -> Result<(), sqlx::Error> {
    conn.execute(format!("SET search_path TO {schema}").as_str()).await.map(|_| ())
}

/// The migration that adds `work_items`, whose rows are backfilled in its transaction.
const WORK_ITEMS_MIGRATION: i64 = 4;

/// Applies the embedded migrations not yet applied, each in its own transaction.
async fn migrate(backend: Backend, conn: &mut AnyConnection) -> StoreResult<()> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await?;
    let migrations = match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    for (version, name, sql) in migrations {
        let applied: Option<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(*version)
            .fetch_optional(&mut *conn)
            .await?;
        if applied.is_some() {
            continue;
        }
        let mut tx = conn.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        if *version == WORK_ITEMS_MIGRATION {
            // Rows computed by the domain's rules cannot be written in SQL.
            crate::work_items::backfill(&mut tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(*name)
            .bind(crate::now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}
