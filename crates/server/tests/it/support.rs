//! `TestApp`: the real router on a real database — a temporary SQLite file,
//! or a fresh schema in the PostgreSQL named by `SAFEPATH_TEST_DATABASE_URL` —
//! served over TCP on port 0, and a small HTTP client for it.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput};
use safepath_domain::user::{NewUser, NewUserInput};
use safepath_server::{auth, AppState, PasswordCost, ServerConfig};
use safepath_store::{AuditContext, RowCounts, SqlStore, Store, StoreConfig};
use serde_json::{json, Value};

pub const PASSWORD: &str = "a long test passphrase";

/// Cheap hashing for tests; production uses OWASP's argon2id parameters.
pub const TEST_COST: PasswordCost = PasswordCost { memory_kib: 1024, iterations: 1 };

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub store: Arc<SqlStore>,
    pub backend: Backend,
    /// Raw access for tamper tests: the SQLite file, or the PostgreSQL URL and schema.
    pub raw_url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
    _server: tokio::task::JoinHandle<()>,
}

/// Runs `$test` against SQLite, and against PostgreSQL when configured.
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let app = $crate::support::TestApp::start($crate::support::Backend::Sqlite).await.expect("sqlite app");
                super::$test(&app).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let Some(app) = $crate::support::TestApp::start($crate::support::Backend::Postgres).await else {
                    eprintln!("SAFEPATH_TEST_DATABASE_URL is not set: PostgreSQL variant skipped");
                    return;
                };
                super::$test(&app).await;
            })+
        }
    };
}

impl TestApp {
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, ServerConfig { password_cost: TEST_COST, ..ServerConfig::default() }).await
    }

    pub async fn start_with(backend: Backend, config: ServerConfig) -> Option<TestApp> {
        let (store_config, dir, raw_url, schema) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("safepath.db");
                let url = format!("sqlite:{}", path.display());
                (StoreConfig::new(url.clone()), Some(dir), url, None)
            }
            Backend::Postgres => {
                let url = std::env::var("SAFEPATH_TEST_DATABASE_URL").ok()?;
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let config = StoreConfig { schema: Some(schema.clone()), ..StoreConfig::new(url.clone()) };
                (config, None, url, Some(schema))
            }
        };
        let store = SqlStore::open(&store_config).await.expect("store opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let state = AppState::new(store.clone(), config);
        let server = tokio::spawn(async move {
            safepath_server::serve(listener, state, std::future::pending()).await.expect("server runs");
        });
        Some(TestApp { base, store, backend, raw_url, schema, _dir: dir, _server: server })
    }

    /// A second server with another configuration over the same store.
    pub async fn start_on(app: &TestApp, config: ServerConfig) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let state = AppState::new(app.store.clone(), config);
        let server = tokio::spawn(async move {
            safepath_server::serve(listener, state, std::future::pending()).await.expect("server runs");
        });
        Served { base, _server: server }
    }

    /// Creates an organisation directly in the store (bootstrap, before any admin exists).
    pub async fn seed_organisation(&self, name: &str, country: &str) -> String {
        let input: NewOrganisationInput =
            serde_json::from_value(json!({"name": name, "type": "NGO", "countries": [country]})).unwrap();
        let org = NewOrganisation::parse(input).unwrap();
        self.store.create_organisation(&AuditContext::system("test"), org).await.unwrap().id.to_string()
    }

    /// Creates a user directly in the store and returns their id.
    pub async fn seed_user(&self, username: &str, role: Role, organisation_id: &str) -> String {
        let user = NewUser::parse(NewUserInput {
            username: username.into(),
            password: PASSWORD.into(),
            role: role.as_str().into(),
            organisation_id: organisation_id.into(),
            language: None,
            display_name: None,
        })
        .unwrap();
        let hash = auth::hash_password(PASSWORD, TEST_COST).unwrap();
        self.store.create_user(&AuditContext::system("test"), user, hash).await.unwrap().id.to_string()
    }

    pub fn client(&self) -> Client {
        Client { base: self.base.clone(), http: reqwest::Client::new(), token: None }
    }

    /// Signs in and returns a client carrying the bearer token.
    pub async fn sign_in(&self, username: &str) -> Client {
        sign_in_at(&self.base, username).await
    }

    pub async fn counts(&self) -> RowCounts {
        self.store.row_counts().await.unwrap()
    }

    /// Runs raw SQL against the test database, bypassing the application
    /// (as an attacker with file access would).
    pub async fn raw_sql(&self, sql: &str) {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.raw_url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.raw_url).await.unwrap();
                let schema = self.schema.as_deref().unwrap();
                sqlx::raw_sql(&format!("SET search_path TO {schema}; {sql}")).execute(&mut conn).await.unwrap();
            }
        }
    }
}

/// A minimal JSON client that returns status and body and never panics on 4xx.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl Client {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).timeout(Duration::from_secs(30));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        read(response).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// Sends raw bytes with a chosen content type.
    pub async fn raw(&self, method: Method, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.expect("request sent")).await
    }
}

pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body read");
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, body)
}

/// Asserts API.md's error body with the expected code.
#[track_caller]
pub fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "error body: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "error message: {body}");
}

/// A valid registration body.
pub fn child(given: &str, family: &str) -> Value {
    json!({
        "child": {"given_name": given, "family_name": family, "sex": "Feminine", "estimated_age": 14,
                  "citizenship": ["AL"], "languages": ["sq"]},
        "identification": {"date": "2026-11-01", "place": "Tirana", "channel": "outreach"},
        "risk_level": "high",
        "consents": [{"purpose": "services", "given_by": "child", "date": "2026-11-01"}]
    })
}

// ---------------------------------------------------------------------------
// Helpers for access_matrix.rs and hostile_input.rs (added; nothing above changed).

impl Client {
    /// Sends raw bytes without any `Content-Type` header.
    pub async fn raw_without_content_type(&self, method: Method, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).timeout(Duration::from_secs(30)).body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.expect("request sent")).await
    }
}

/// A response read off a raw TCP connection: status, headers (lower-cased
/// names) and the body as text.
#[derive(Debug)]
pub struct WireResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Sends `request`, a complete HTTP/1.1 request, byte for byte over a fresh
/// TCP connection: for what reqwest would refuse or re-encode (raw non-UTF-8
/// bytes in the request target, chunked bodies without a length). The request
/// should carry `Connection: close`.
pub async fn send_wire(base: &str, request: &[u8]) -> WireResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    // The server may answer (e.g. 413) before reading everything: ignore write errors.
    let _ = stream.write_all(request).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw.get(split + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status =
        lines.next().and_then(|line| line.split_whitespace().nth(1)).and_then(|code| code.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_vec() };
    WireResponse { status, headers, body: String::from_utf8_lossy(&body).to_string() }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size =
            std::str::from_utf8(&rest[..end]).ok().and_then(|s| usize::from_str_radix(s.trim(), 16).ok()).unwrap_or(0);
        let data = &rest[end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        rest = data[size..].strip_prefix(b"\r\n").unwrap_or(&data[size..]);
    }
    out
}

/// A server started by [`TestApp::start_on`].
pub struct Served {
    pub base: String,
    _server: tokio::task::JoinHandle<()>,
}

impl Served {
    pub async fn sign_in(&self, username: &str) -> Client {
        sign_in_at(&self.base, username).await
    }
}

/// Signs in at the server at `base` with the test password.
pub async fn sign_in_at(base: &str, username: &str) -> Client {
    let mut client = Client { base: base.to_string(), http: reqwest::Client::new(), token: None };
    let (status, body) = client.post("/api/v1/session", json!({"username": username, "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "sign-in of {username}: {body}");
    client.token = Some(body["token"].as_str().unwrap().to_string());
    client
}
