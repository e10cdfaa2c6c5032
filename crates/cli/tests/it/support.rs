//! Helpers: running the binary, fresh databases per test, a served instance
//! that is killed even when the test panics.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Connection;

pub const DEMO_PASSWORD: &str = "safepath-demo-2026";

/// The binary, with no Safepath settings inherited from the environment.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_safepath"));
    command
        .args(args)
        .env_remove("SAFEPATH_DATABASE_URL")
        .env_remove("SAFEPATH_BIND")
        .env_remove("SAFEPATH_SECURE_COOKIES")
        .stdin(Stdio::null());
    command
}

pub fn safepath(args: &[&str]) -> Output {
    command(args).output().expect("cannot run safepath")
}

/// Runs in `cwd` with extra environment variables.
pub fn safepath_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = command(args);
    command.current_dir(cwd);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("cannot run safepath")
}

/// Runs with `input` piped to standard input.
pub fn safepath_stdin(args: &[&str], input: &str) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run safepath");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn assert_no_panic(output: &Output) {
    let err = stderr_of(output);
    assert!(!err.contains("panicked"), "the binary panicked:\n{err}");
}

/// Asserts a readable failure (non-zero exit, an `error` on stderr, no panic); returns stderr.
pub fn assert_fails(output: &Output, what: &[&str]) -> String {
    let err = stderr_of(output);
    assert!(!output.status.success(), "{what:?} should have failed; stdout:\n{}\nstderr:\n{err}", stdout_of(output));
    assert_no_panic(output);
    assert!(err.contains("error"), "{what:?}: no error message on stderr:\n{err}");
    err
}

/// The number of audit events, from `audit verify` (which must say OK).
pub fn audit_events(db: &Db) -> i64 {
    let output = safepath(&["--database-url", db.url(), "audit", "verify"]);
    let out = stdout_of(&output);
    assert!(output.status.success(), "audit verify failed:\n{out}{}", stderr_of(&output));
    out.strip_prefix("OK: ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected audit verify output: {out}"))
}

pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

/// A port nothing listens on (at the time of asking).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------
// Databases

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test: a SQLite file in a temporary folder,
/// or a PostgreSQL database dropped when this is dropped.
pub struct Db {
    backend: Backend,
    url: String,
    _folder: Option<tempfile::TempDir>,
    /// Server URL (the `SAFEPATH_TEST_DATABASE_URL` database) and the created database's name.
    postgres: Option<(String, String)>,
}

impl Db {
    pub fn sqlite() -> Db {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", folder.path().join("x.db").display());
        Db { backend: Backend::Sqlite, url, _folder: Some(folder), postgres: None }
    }

    /// None (with a note) when `SAFEPATH_TEST_DATABASE_URL` is unset.
    pub fn postgres() -> Option<Db> {
        let Ok(admin) = std::env::var("SAFEPATH_TEST_DATABASE_URL") else {
            eprintln!("note: SAFEPATH_TEST_DATABASE_URL is unset; skipping the PostgreSQL variant");
            return None;
        };
        let name = format!("safepath_cli_{:016x}", rand::random::<u64>());
        let url = with_database(&admin, &name);
        block_on(async {
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("cannot reach SAFEPATH_TEST_DATABASE_URL");
            sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        });
        Some(Db { backend: Backend::Postgres, url, _folder: None, postgres: Some((admin, name)) })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn sqlite_file(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite:").filter(|_| self.backend == Backend::Sqlite).map(PathBuf::from)
    }

    /// Runs statements directly, behind the application's back.
    pub fn execute(&self, statements: &[&str]) {
        block_on(async {
            match self.backend {
                Backend::Sqlite => {
                    let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                    for sql in statements {
                        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                    }
                    conn.close().await.unwrap();
                }
                Backend::Postgres => {
                    let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                    for sql in statements {
                        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                    }
                    conn.close().await.unwrap();
                }
            }
        })
    }

    /// The one text value a query returns.
    pub fn query_string(&self, sql: &str) -> String {
        block_on(async {
            match self.backend {
                Backend::Sqlite => {
                    let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
                }
                Backend::Postgres => {
                    let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
                }
            }
        })
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres {
            let result = block_on(async {
                let mut conn = sqlx::PgConnection::connect(admin).await?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
                conn.close().await
            });
            if let Err(error) = result {
                eprintln!("warning: could not drop the test database {name}: {error}");
            }
        }
    }
}

/// `postgres://user@host:port/db?params` with another database name.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{server}/{database}{query}")
}

// ---------------------------------------------------------------------------
// A served instance

/// `safepath serve` on a free port; killed when dropped (also when the test panics).
pub struct Server {
    child: Child,
    pub port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `serve` and waits (up to 60 s) until `/healthz` answers and the
    /// start-up lines are printed. Retries on another port if the chosen one was taken meanwhile.
    pub fn start(db: &Db, extra: &[&str]) -> Server {
        Server::start_with_url(db.url(), extra)
    }

    pub fn start_with_url(url: &str, extra: &[&str]) -> Server {
        for _ in 0..3 {
            let port = free_port();
            let bind = format!("127.0.0.1:{port}");
            let mut args = vec!["--database-url", url, "serve", "--bind", &bind];
            args.extend_from_slice(extra);
            let mut child = command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
            let stdout = collect(child.stdout.take().unwrap());
            let stderr = collect(child.stderr.take().unwrap());
            let mut server = Server { child, port, stdout, stderr };
            match server.wait_until_ready() {
                Ok(()) => return server,
                Err(message) if message.contains("cannot listen on") => continue,
                Err(message) => panic!("{message}"),
            }
        }
        panic!("could not find a free port for serve");
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader threads drain the pipes.
                std::thread::sleep(Duration::from_millis(200));
                return Err(format!(
                    "serve exited with {status}; stdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr.lock().unwrap()
                ));
            }
            if self.healthz() && self.stdout().contains("API description:") {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "serve did not answer /healthz within 60 s; stdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr.lock().unwrap()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A raw HTTP/1.1 probe, so that waiting needs no runtime.
    fn healthz(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.starts_with("HTTP/1.1 200") && response.ends_with("ok")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end by itself.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(200));
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Everything printed on standard output so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a pipe to the end on a thread, so the child never blocks on a full pipe.
fn collect(pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let mut sink = sink.lock().unwrap();
            sink.push_str(&line);
            sink.push('\n');
        }
    });
    text
}
