//! [`TestStore`]: a fresh store per test, on a temporary SQLite file or in a
//! fresh PostgreSQL schema, plus raw SQL access for tampering.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use safepath_store::{Backend, RowCounts, SqlStore, Store, StoreConfig};
use sqlx::{AnyConnection, Connection, Executor};
use tempfile::TempDir;

/// The variable naming the PostgreSQL server the `postgres::` tests use.
pub const DATABASE_URL_VAR: &str = "SAFEPATH_TEST_DATABASE_URL";

enum Location {
    Sqlite { dir: TempDir, path: PathBuf },
    Postgres { url: String, schema: String },
}

/// A store of its own for one test; dereferences to the [`SqlStore`].
pub struct TestStore {
    pub store: Arc<SqlStore>,
    location: Location,
}

impl TestStore {
    /// A store on a new SQLite file in a temporary directory.
    pub async fn sqlite() -> TestStore {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("safepath.db");
        let store = SqlStore::open(&StoreConfig::new(sqlite_url(&path))).await.expect("open SQLite store");
        TestStore { store, location: Location::Sqlite { dir, path } }
    }

    /// A store in a new schema of the PostgreSQL database named by
    /// `SAFEPATH_TEST_DATABASE_URL`; `None` (with a note) when it is unset.
    pub async fn postgres() -> Option<TestStore> {
        let Ok(url) = std::env::var(DATABASE_URL_VAR) else {
            eprintln!("note: {DATABASE_URL_VAR} is not set; skipping the PostgreSQL variant");
            return None;
        };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let config = StoreConfig { schema: Some(schema.clone()), read_connections: 4, ..StoreConfig::new(url.clone()) };
        let store = SqlStore::open(&config).await.expect("open PostgreSQL store");
        Some(TestStore { store, location: Location::Postgres { url, schema } })
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// The shared handle, for spawned tasks.
    pub fn shared(&self) -> Arc<SqlStore> {
        Arc::clone(&self.store)
    }

    pub async fn counts(&self) -> RowCounts {
        self.store.row_counts().await.expect("row counts")
    }

    pub async fn audit_events(&self) -> i64 {
        self.counts().await.audit_events
    }

    /// Another store on the same database (or schema), as a second process would open it.
    pub async fn second_store(&self) -> Arc<SqlStore> {
        let config = match &self.location {
            Location::Sqlite { path, .. } => StoreConfig::new(sqlite_url(path)),
            Location::Postgres { url, schema } => {
                StoreConfig { schema: Some(schema.clone()), read_connections: 2, ..StoreConfig::new(url.clone()) }
            }
        };
        SqlStore::open(&config).await.expect("open a second store")
    }

    /// A path in the test's temporary directory (SQLite only).
    pub fn temp_path(&self, name: &str) -> Option<PathBuf> {
        match &self.location {
            Location::Sqlite { dir, .. } => Some(dir.path().join(name)),
            Location::Postgres { .. } => None,
        }
    }

    /// A connection of its own to the store's database (its schema on
    /// PostgreSQL), outside the store: for what the store never does.
    pub async fn raw(&self) -> AnyConnection {
        match &self.location {
            Location::Sqlite { path, .. } => {
                AnyConnection::connect(&sqlite_url(path)).await.expect("raw SQLite connection")
            }
            Location::Postgres { url, schema } => {
                let mut conn = AnyConnection::connect(url).await.expect("raw PostgreSQL connection");
                conn.execute(format!("SET search_path TO {schema}").as_str()).await.expect("search path");
                conn
            }
        }
    }

    /// Runs one statement on a raw connection.
    pub async fn raw_execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let mut conn = self.raw().await;
        let result = conn.execute(sql).await.map(|done| done.rows_affected());
        let _ = conn.close().await;
        result
    }

    /// Runs a `SELECT COUNT(*) …` (or any one-integer query) on a raw connection.
    pub async fn raw_count(&self, sql: &str) -> i64 {
        let mut conn = self.raw().await;
        let count = sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut conn).await.expect(sql);
        let _ = conn.close().await;
        count
    }

    /// Lifts the triggers that make `audit_events` append-only, as someone
    /// with direct access to the database could.
    pub async fn disable_audit_protection(&self) {
        let statements: &[&str] = match self.backend() {
            Backend::Sqlite => &["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"],
            Backend::Postgres => &["ALTER TABLE audit_events DISABLE TRIGGER ALL"],
        };
        for sql in statements {
            self.raw_execute(sql).await.expect(sql);
        }
    }
}

impl Deref for TestStore {
    type Target = SqlStore;

    fn deref(&self) -> &SqlStore {
        &self.store
    }
}

impl Drop for TestStore {
    /// Drops the test's PostgreSQL schema (best effort, from a thread of its
    /// own since `drop` cannot await); a SQLite file goes with its directory.
    fn drop(&mut self) {
        let Location::Postgres { url, schema } = &self.location else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut conn = AnyConnection::connect(&url).await.ok()?;
                conn.execute("SET lock_timeout = '10s'").await.ok()?;
                conn.execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str()).await.ok()?;
                conn.close().await.ok()
            })
        });
        let _ = cleanup.join();
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}
