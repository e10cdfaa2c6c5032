//! Hostile input on every endpoint. Each attempt must get the 4xx API.md
//! prescribes (400 malformed, 413 too large, 415 not JSON, 422 invalid value
//! naming the field, 404 for ids that name nothing), with API.md's error body,
//! never a 5xx, never SQL or a stack trace, and must write NOTHING: the row
//! counts of every table, audit_events included, are the same before and after.
//!
//! SQL and HTML metacharacters in a *name* are legitimate text: they must be
//! stored verbatim and come back JSON-escaped, with no effect on the database.

use reqwest::{Method, StatusCode};
use safepath_domain::codes::Role;
use safepath_store::{AuditVerification, Store};
use serde_json::{json, Value};

use crate::support::{child, send_wire, Client, TestApp, PASSWORD};

crate::on_both_backends!(
    malformed_bodies_are_refused_on_every_endpoint,
    invalid_values_are_refused_naming_the_field,
    hostile_ids_and_query_strings_are_refused,
    raw_bytes_on_the_wire_are_refused,
    hostile_credentials_get_the_same_401_and_only_the_attempt_is_audited,
    sql_and_html_in_names_are_stored_verbatim_and_do_nothing,
    trailing_data_after_the_json_document_is_refused,
    query_strings_must_decode_strictly,
    bodies_must_be_json_objects,
    nul_in_the_username_is_a_plain_401,
);

/// One byte over the default body limit (256 KiB).
const OVER_LIMIT: usize = 256 * 1024 + 1;
/// A name fifty times longer than any accepted (200 characters).
const LONG: usize = 10_000;

// ---------------------------------------------------------------------------
// The attempt table and its runner.

#[derive(Debug, Clone, Copy)]
enum Who {
    Anonymous,
    Admin,
    Caseworker,
}

/// How an attempt is sent.
enum Payload {
    /// No body (GET).
    Nothing,
    /// A JSON document with `Content-Type: application/json`.
    Json(Value),
    /// Raw bytes with this content type, or with no `Content-Type` at all.
    Bytes(Option<&'static str>, Vec<u8>),
    /// A whole HTTP/1.1 request, byte for byte, over TCP (method and path unused).
    Wire(Vec<u8>),
}

struct Attempt {
    name: String,
    who: Who,
    method: Method,
    path: String,
    payload: Payload,
    status: u16,
    code: &'static str,
    /// For 422 (and query 400s): the field `error.fields` must name.
    field: Option<String>,
    /// Refused by the HTTP parser before the application: status only.
    bare: bool,
}

impl Attempt {
    fn new(name: impl Into<String>, who: Who, method: Method, path: impl Into<String>) -> Self {
        Attempt {
            name: name.into(),
            who,
            method,
            path: path.into(),
            payload: Payload::Nothing,
            status: 0,
            code: "",
            field: None,
            bare: false,
        }
    }

    fn json(mut self, body: Value) -> Self {
        self.payload = Payload::Json(body);
        self
    }

    fn bytes(mut self, content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Self {
        self.payload = Payload::Bytes(content_type, body.into());
        self
    }

    fn wire(mut self, request: Vec<u8>) -> Self {
        self.payload = Payload::Wire(request);
        self
    }

    /// The expected answer: status and `error.code`.
    fn expect(mut self, status: u16, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }

    /// 400 `malformed_request`: the body is not JSON (or not UTF-8).
    fn malformed(self) -> Self {
        self.expect(400, "malformed_request")
    }

    /// 422 `validation_failed`, naming `field`.
    fn invalid(self, field: &str) -> Self {
        let mut attempt = self.expect(422, "validation_failed");
        attempt.field = Some(field.into());
        attempt
    }

    /// 400 from the HTTP parser (hyper) itself, for a request line that is not
    /// HTTP: the application never sees the request, so there is no API.md body
    /// to check, only the status (and that nothing was written).
    fn refused_by_http_parser(mut self) -> Self {
        self.status = 400;
        self.bare = true;
        self
    }

    /// 400 `malformed_request` for a query string, naming the parameter.
    fn bad_query(self, field: &str) -> Self {
        let mut attempt = self.malformed();
        attempt.field = Some(field.into());
        attempt
    }
}

/// The signed-in clients and the one case the attempts aim at.
struct Fixture {
    org: String,
    anonymous: Client,
    admin: Client,
    caseworker: Client,
    case_id: String,
}

impl Fixture {
    fn client(&self, who: Who) -> &Client {
        match who {
            Who::Anonymous => &self.anonymous,
            Who::Admin => &self.admin,
            Who::Caseworker => &self.caseworker,
        }
    }

    fn case_path(&self) -> String {
        format!("/api/v1/cases/{}", self.case_id)
    }

    fn token(&self, who: Who) -> String {
        self.client(who).token.clone().unwrap_or_default()
    }
}

async fn fixture(app: &TestApp) -> Fixture {
    let org = app.seed_organisation("Hostile Input Org", "AL").await;
    app.seed_user("h.admin", Role::Admin, &org).await;
    app.seed_user("h.cw", Role::Caseworker, &org).await;
    let admin = app.sign_in("h.admin").await;
    let caseworker = app.sign_in("h.cw").await;
    let (status, body) = caseworker.post("/api/v1/cases", child("Arta", "Hoxha")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Fixture {
        org,
        anonymous: app.client(),
        admin,
        caseworker,
        case_id: body["case"]["id"].as_str().unwrap().to_string(),
    }
}

/// Words that would betray internal detail in an error body. (Our own input
/// may be echoed in a message, so none of these appear in the attempts.)
const LEAKS: &[&str] = &[
    "sqlx",
    "sqlstate",
    "sqlite",
    "postgres",
    "database",
    "syntax error",
    "panicked",
    "backtrace",
    ".rs:",
    "/src/",
    "internal",
];

/// Sends every attempt; collects every deviation; fails once with all of them.
async fn run(app: &TestApp, f: &Fixture, attempts: Vec<Attempt>) {
    let mut failures = Vec::new();
    let total = attempts.len();
    for attempt in attempts {
        let before = app.counts().await;
        let client = f.client(attempt.who);
        let mut content_type = None;
        let (status, body) = match attempt.payload {
            Payload::Nothing => client.send(attempt.method, &attempt.path, None).await,
            Payload::Json(body) => client.send(attempt.method, &attempt.path, Some(body)).await,
            Payload::Bytes(Some(content_type), bytes) => {
                client.raw(attempt.method, &attempt.path, content_type, bytes).await
            }
            Payload::Bytes(None, bytes) => client.raw_without_content_type(attempt.method, &attempt.path, bytes).await,
            Payload::Wire(request) => {
                let response = send_wire(&app.base, &request).await;
                content_type = Some(
                    response
                        .headers
                        .iter()
                        .find(|(name, _)| name == "content-type")
                        .map(|(_, value)| value.clone())
                        .unwrap_or_default(),
                );
                let body = serde_json::from_str(&response.body).unwrap_or(Value::String(response.body));
                (StatusCode::from_u16(response.status).unwrap_or(StatusCode::IM_A_TEAPOT), body)
            }
        };
        let after = app.counts().await;

        let mut problems = Vec::new();
        if status.is_server_error() {
            problems.push("a 5xx".to_string());
        }
        if status.as_u16() != attempt.status {
            problems.push(format!("status {} instead of {}", status.as_u16(), attempt.status));
        }
        if !attempt.bare {
            if body["error"]["code"] != attempt.code {
                problems.push(format!("code {} instead of {}", body["error"]["code"], attempt.code));
            }
            if body["error"]["message"].as_str().is_none_or(|m| m.trim().is_empty()) {
                problems.push("no error.message".into());
            }
            if let Some(content_type) = content_type.filter(|t| !t.starts_with("application/json")) {
                problems.push(format!("content type {content_type:?}"));
            }
        }
        if let Some(field) = &attempt.field {
            if body["error"]["fields"][field].as_str().is_none_or(|reason| reason.is_empty()) {
                problems.push(format!("error.fields does not name {field}"));
            }
        }
        let text = body.to_string().to_lowercase();
        if let Some(leak) = LEAKS.iter().find(|leak| text.contains(*leak)) {
            problems.push(format!("the body mentions {leak:?}"));
        }
        if after != before {
            problems.push(format!("rows written: {before:?} → {after:?}"));
        }
        if !problems.is_empty() {
            let shown: String = body.to_string().chars().take(400).collect();
            failures.push(format!("✗ {}: {}\n    body: {shown}", attempt.name, problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} hostile requests were mishandled:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Building bodies.

/// `base` with the value at JSON pointer `pointer` replaced (created if absent).
fn with(base: &Value, pointer: &str, value: Value) -> Value {
    let mut body = base.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = if parent.is_empty() { &mut body } else { body.pointer_mut(parent).unwrap() };
    match parent {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer} is not inside an object or array"),
    }
    body
}

/// `base` without the value at `pointer`.
fn without(base: &Value, pointer: &str) -> Value {
    let mut body = base.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = if parent.is_empty() { &mut body } else { body.pointer_mut(parent).unwrap() };
    parent.as_object_mut().unwrap().remove(key);
    body
}

/// `base` serialised with the value at `pointer` written as `raw` JSON text
/// (for numbers `serde_json::Value` cannot hold, such as 1e400).
fn with_raw(base: &Value, pointer: &str, raw: &str) -> Vec<u8> {
    let marker = "\u{1}raw\u{1}";
    let text = with(base, pointer, json!(marker)).to_string();
    text.replace(&json!(marker).to_string(), raw).into_bytes()
}

/// A body that is valid JSON, padded with spaces to exactly `size` bytes.
fn padded(base: &Value, size: usize) -> Vec<u8> {
    let mut bytes = base.to_string().into_bytes();
    bytes.resize(size, b' ');
    bytes
}

/// An endpoint that takes a JSON body, with a body it would accept.
struct BodyEndpoint {
    label: &'static str,
    who: Who,
    method: Method,
    path: String,
    valid: Value,
    /// A string field of `valid`, for values that must not parse as a string.
    text_field: &'static str,
}

fn body_endpoints(f: &Fixture) -> Vec<BodyEndpoint> {
    vec![
        BodyEndpoint {
            label: "POST /session",
            who: Who::Anonymous,
            method: Method::POST,
            path: "/api/v1/session".into(),
            valid: json!({"username": "h.cw", "password": PASSWORD}),
            text_field: "/username",
        },
        BodyEndpoint {
            label: "POST /organisations",
            who: Who::Admin,
            method: Method::POST,
            path: "/api/v1/organisations".into(),
            valid: json!({"name": "Hostile Partner", "type": "NGO", "countries": ["AL"]}),
            text_field: "/name",
        },
        BodyEndpoint {
            label: "POST /users",
            who: Who::Admin,
            method: Method::POST,
            path: "/api/v1/users".into(),
            valid: json!({"username": "new.user", "password": PASSWORD, "role": "caseworker",
                          "organisation_id": f.org, "language": "en"}),
            text_field: "/username",
        },
        BodyEndpoint {
            label: "POST /cases",
            who: Who::Caseworker,
            method: Method::POST,
            path: "/api/v1/cases".into(),
            valid: child("Besa", "Krasniqi"),
            text_field: "/risk_level",
        },
        BodyEndpoint {
            label: "PATCH /cases/{id}",
            who: Who::Caseworker,
            method: Method::PATCH,
            path: f.case_path(),
            valid: json!({"version": 1, "risk_level": "low"}),
            text_field: "/risk_level",
        },
    ]
}

impl BodyEndpoint {
    fn attempt(&self, what: &str) -> Attempt {
        Attempt::new(format!("{} {what}", self.label), self.who, self.method.clone(), &self.path)
    }
}

// ---------------------------------------------------------------------------
// 1. Bodies that are not (acceptable) JSON documents: the same on every endpoint.

async fn malformed_bodies_are_refused_on_every_endpoint(app: &TestApp) {
    let f = fixture(app).await;
    let json = Some("application/json");
    let mut attempts = Vec::new();
    for ep in body_endpoints(&f) {
        let valid = ep.valid.to_string().into_bytes();
        let truncated = valid[..valid.len() - 3].to_vec();
        let bom = ["\u{feff}".as_bytes(), valid.as_slice()].concat();
        let mut not_utf8 = valid.clone();
        // Replace the first letter of the first string value with bytes that are not UTF-8.
        let at = not_utf8.iter().position(|b| *b == b':').unwrap() + 2;
        not_utf8.splice(at..at + 1, [0xff, 0xfe, 0xc3]);

        attempts.extend([
            // Not JSON at all, or not UTF-8: 400.
            ep.attempt("truncated JSON").bytes(json, truncated).malformed(),
            // (Trailing data after a whole document: see known_bugs.)
            ep.attempt("empty body").bytes(json, "").malformed(),
            ep.attempt("only whitespace").bytes(json, "  \n ").malformed(),
            ep.attempt("byte-order mark").bytes(json, bom).malformed(),
            ep.attempt("single quotes").bytes(json, "{'a': 'b'}").malformed(),
            ep.attempt("a comment").bytes(json, "/* x */ {}").malformed(),
            ep.attempt("NaN").bytes(json, with_raw(&ep.valid, ep.text_field, "NaN")).malformed(),
            ep.attempt("invalid UTF-8").bytes(json, not_utf8).malformed(),
            ep.attempt("lone surrogate escape")
                .bytes(json, with_raw(&ep.valid, ep.text_field, r#""\ud800""#))
                .malformed(),
            // Well-formed JSON of the wrong shape is "well-formed but invalid"
            // (API.md: 422), reported on the field `body`, like a missing field.
            ep.attempt("[] body").bytes(json, "[]").invalid("body"),
            ep.attempt("null body").bytes(json, "null").invalid("body"),
            ep.attempt("number body").bytes(json, "42").invalid("body"),
            ep.attempt("string body").bytes(json, "\"x\"").invalid("body"),
            ep.attempt("true body").bytes(json, "true").invalid("body"),
            ep.attempt("{} body").bytes(json, "{}").invalid("body"),
            // Not declared as JSON: 415, even when the bytes are JSON.
            ep.attempt("text/plain").bytes(Some("text/plain"), valid.clone()).expect(415, "unsupported_media_type"),
            ep.attempt("form-urlencoded")
                .bytes(Some("application/x-www-form-urlencoded"), "username=h.cw&password=x")
                .expect(415, "unsupported_media_type"),
            ep.attempt("multipart")
                .bytes(Some("multipart/form-data; boundary=x"), valid.clone())
                .expect(415, "unsupported_media_type"),
            ep.attempt("application/xml").bytes(Some("application/xml"), "<a/>").expect(415, "unsupported_media_type"),
            ep.attempt("application/jsonx")
                .bytes(Some("application/jsonx"), valid.clone())
                .expect(415, "unsupported_media_type"),
            ep.attempt("no content type").bytes(None, valid.clone()).expect(415, "unsupported_media_type"),
            // Over the limit: 413, whether or not it would parse.
            ep.attempt("one byte over the limit")
                .bytes(json, padded(&ep.valid, OVER_LIMIT))
                .expect(413, "payload_too_large"),
            ep.attempt("a 300 KiB string")
                .json(with(&ep.valid, "/padding", json!("a".repeat(300 * 1024))))
                .expect(413, "payload_too_large"),
            ep.attempt("1 MiB of garbage").bytes(json, vec![b'['; 1024 * 1024]).expect(413, "payload_too_large"),
            // Fields nobody asked for: 422 naming the field.
            ep.attempt("unknown field").json(with(&ep.valid, "/is_admin", json!(true))).invalid("is_admin"),
        ]);
    }
    run(app, &f, attempts).await;
}

// ---------------------------------------------------------------------------
// 2. Well-formed bodies with values that must not be accepted.

async fn invalid_values_are_refused_naming_the_field(app: &TestApp) {
    let f = fixture(app).await;
    let endpoints = body_endpoints(&f);
    let [session, organisation, user, register, update] = &endpoints[..] else { unreachable!() };
    let json = Some("application/json");
    let long = "x".repeat(LONG);
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let nobody = uuid::Uuid::new_v4().to_string();
    let mut attempts = Vec::new();

    // POST /session: wrong shapes are 422; values are only ever "wrong credentials".
    let s = &session.valid;
    attempts.extend([
        session.attempt("username a number").json(with(s, "/username", json!(42))).invalid("username"),
        session.attempt("password null").json(with(s, "/password", Value::Null)).invalid("password"),
        session.attempt("password missing").json(without(s, "/password")).invalid("body"),
        session
            .attempt("duplicate username key")
            .bytes(json, format!("{{\"username\": \"x\", \"username\": \"h.cw\", \"password\": \"{PASSWORD}\"}}"))
            .invalid("body"),
        // (10,000-character credentials are failed sign-ins, audited: see
        // `hostile_credentials_get_the_same_401_and_only_the_attempt_is_audited`.)
    ]);

    // POST /organisations.
    let o = &organisation.valid;
    let many_countries: Vec<&str> = std::iter::repeat_n("AL", 51).collect();
    attempts.extend([
        organisation.attempt("country XX").json(with(o, "/countries", json!(["XX"]))).invalid("countries[0]"),
        organisation.attempt("country ZZZ").json(with(o, "/countries", json!(["AL", "ZZZ"]))).invalid("countries[1]"),
        organisation.attempt("country SQL").json(with(o, "/countries", json!(["' OR 1=1 --"]))).invalid("countries[0]"),
        organisation.attempt("countries a string").json(with(o, "/countries", json!("AL"))).invalid("countries"),
        organisation.attempt("no country").json(with(o, "/countries", json!([]))).invalid("countries"),
        organisation.attempt("51 countries").json(with(o, "/countries", json!(many_countries))).invalid("countries"),
        organisation.attempt("10,000-character name").json(with(o, "/name", json!(long))).invalid("name"),
        organisation.attempt("name with NUL").json(with(o, "/name", json!("Hostile\u{0}Partner"))).invalid("name"),
        organisation.attempt("name with ESC").json(with(o, "/name", json!("Hostile\u{1b}[2J"))).invalid("name"),
        organisation.attempt("blank name").json(with(o, "/name", json!("   "))).invalid("name"),
        organisation.attempt("name a number").json(with(o, "/name", json!(7))).invalid("name"),
        organisation.attempt("type not HTCDS").json(with(o, "/type", json!("Cartel"))).invalid("type"),
        organisation
            .attempt("reference prefix HTML")
            .json(with(o, "/reference_prefix", json!("<script>")))
            .invalid("reference_prefix"),
        organisation
            .attempt("service with NUL")
            .json(with(o, "/services", json!(["shelter\u{0}"])))
            .invalid("services[0]"),
        organisation.attempt("10,000-character contact").json(with(o, "/contact", json!(long))).invalid("contact"),
    ]);

    // POST /users.
    let u = &user.valid;
    attempts.extend([
        user.attempt("username SQL").json(with(u, "/username", json!("'); DROP TABLE users; --"))).invalid("username"),
        user.attempt("username HTML")
            .json(with(u, "/username", json!("<script>alert(1)</script>")))
            .invalid("username"),
        user.attempt("username with NUL").json(with(u, "/username", json!("new\u{0}user"))).invalid("username"),
        user.attempt("10,000-character username").json(with(u, "/username", json!(long))).invalid("username"),
        user.attempt("short password").json(with(u, "/password", json!("short"))).invalid("password"),
        user.attempt("password with NUL")
            .json(with(u, "/password", json!("a long pass\u{0}phrase")))
            .invalid("password"),
        user.attempt("10,000-character password").json(with(u, "/password", json!(long))).invalid("password"),
        user.attempt("role root").json(with(u, "/role", json!("root"))).invalid("role"),
        user.attempt("role a list").json(with(u, "/role", json!(["admin"]))).invalid("role"),
        user.attempt("organisation SQL")
            .json(with(u, "/organisation_id", json!("' OR 1=1 --")))
            .invalid("organisation_id"),
        user.attempt("no such organisation")
            .json(with(u, "/organisation_id", json!(nobody)))
            .invalid("organisation_id"),
        user.attempt("language xx").json(with(u, "/language", json!("xx"))).invalid("language"),
        user.attempt("display name with NUL")
            .json(with(u, "/display_name", json!("New\u{0}User")))
            .invalid("display_name"),
        user.attempt("10,000-character display name")
            .json(with(u, "/display_name", json!(long)))
            .invalid("display_name"),
    ]);

    // POST /cases.
    let c = &register.valid;
    let no_age = without(c, "/child/estimated_age");
    let many_names: Vec<Value> = (0..21).map(|i| json!({"name": format!("N{i}")})).collect();
    for (what, raw) in [
        ("-1", "-1"),
        ("26", "26"),
        ("9999999999", "9999999999"),
        ("14.5", "14.5"),
        ("1e30", "1e30"),
        ("above u64", "99999999999999999999"),
        ("a string", "\"14\""),
        ("a list", "[14]"),
        ("true", "true"),
    ] {
        attempts.push(
            register
                .attempt(&format!("estimated age {what}"))
                .bytes(json, with_raw(c, "/child/estimated_age", raw))
                .invalid("child.estimated_age"),
        );
    }
    // A number too large for any numeric type is not valid JSON for serde_json.
    attempts.push(
        register.attempt("estimated age 1e400").bytes(json, with_raw(c, "/child/estimated_age", "1e400")).malformed(),
    );
    let names: [(&str, &str); 9] = [
        ("NUL", "Ar\u{0}ta"),
        ("BEL", "Ar\u{7}ta"),
        ("ESC", "Ar\u{1b}[31mta"),
        ("DEL", "Ar\u{7f}ta"),
        ("C1 NEL", "Ar\u{85}ta"),
        ("newline", "Ar\nta"),
        ("backspace", "Arta\u{8}\u{8}"),
        ("10,000 characters", &long),
        ("blank", "  \t "),
    ];
    for (what, name) in names {
        attempts.extend([
            register
                .attempt(&format!("given name {what}"))
                .json(with(c, "/child/given_name", json!(name)))
                .invalid("child.given_name"),
            register
                .attempt(&format!("alias {what}"))
                .json(with(c, "/child/other_names", json!([{"name": name}])))
                .invalid("child.other_names[0].name"),
            update
                .attempt(&format!("given name {what}"))
                .json(with(&update.valid, "/child", json!({"given_name": name})))
                .invalid("child.given_name"),
        ]);
    }
    attempts.extend([
        register
            .attempt("family name 10,000 characters")
            .json(with(c, "/child/family_name", json!(long)))
            .invalid("child.family_name"),
        register
            .attempt("family name NUL")
            .json(with(c, "/child/family_name", json!("Hox\u{0}ha")))
            .invalid("child.family_name"),
        register.attempt("given name null").json(with(c, "/child/given_name", Value::Null)).invalid("child.given_name"),
        register
            .attempt("given name a number")
            .json(with(c, "/child/given_name", json!(1)))
            .invalid("child.given_name"),
        register
            .attempt("21 aliases")
            .json(with(c, "/child/other_names", json!(many_names)))
            .invalid("child.other_names"),
        register
            .attempt("alias kind villain")
            .json(with(c, "/child/other_names", json!([{"name": "Ari", "kind": "villain"}])))
            .invalid("child.other_names[0].kind"),
        register
            .attempt("alias script bogus")
            .json(with(c, "/child/other_names", json!([{"name": "Ari", "script": "Klingon"}])))
            .invalid("child.other_names[0].script"),
        register
            .attempt("date of birth in the future")
            .json(with(&no_age, "/child/date_of_birth", json!("2999-01-01")))
            .invalid("child.date_of_birth"),
        register
            .attempt("date of birth tomorrow")
            .json(with(&no_age, "/child/date_of_birth", json!(tomorrow)))
            .invalid("child.date_of_birth"),
        register
            .attempt("date of birth 30 February")
            .json(with(&no_age, "/child/date_of_birth", json!("2015-02-30")))
            .invalid("child.date_of_birth"),
        register
            .attempt("date of birth DD/MM/YYYY")
            .json(with(&no_age, "/child/date_of_birth", json!("31/12/2015")))
            .invalid("child.date_of_birth"),
        register
            .attempt("date of birth over 25 years ago")
            .json(with(&no_age, "/child/date_of_birth", json!("1990-01-01")))
            .invalid("child.date_of_birth"),
        register
            .attempt("both date of birth and estimated age")
            .json(with(c, "/child/date_of_birth", json!("2012-01-01")))
            .invalid("child.date_of_birth"),
        register.attempt("neither date of birth nor estimated age").json(no_age.clone()).invalid("child.date_of_birth"),
        register
            .attempt("citizenship XX")
            .json(with(c, "/child/citizenship", json!(["XX"])))
            .invalid("child.citizenship[0]"),
        register
            .attempt("citizenship ZZZ")
            .json(with(c, "/child/citizenship", json!(["AL", "ZZZ"])))
            .invalid("child.citizenship[1]"),
        register
            .attempt("citizenship SQL")
            .json(with(c, "/child/citizenship", json!(["'; DROP TABLE cases; --"])))
            .invalid("child.citizenship[0]"),
        register
            .attempt("citizenship a string")
            .json(with(c, "/child/citizenship", json!("AL")))
            .invalid("child.citizenship"),
        register
            .attempt("language HTML")
            .json(with(c, "/child/languages", json!(["<script>"])))
            .invalid("child.languages[0]"),
        register.attempt("sex not HTCDS").json(with(c, "/child/sex", json!("Robot"))).invalid("child.sex"),
        register
            .attempt("identification in the future")
            .json(with(c, "/identification/date", json!("2999-01-01")))
            .invalid("identification.date"),
        register
            .attempt("identification place NUL")
            .json(with(c, "/identification/place", json!("Tir\u{0}ana")))
            .invalid("identification.place"),
        register
            .attempt("identification place 10,000 characters")
            .json(with(c, "/identification/place", json!(long)))
            .invalid("identification.place"),
        register
            .attempt("identification channel bogus")
            .json(with(c, "/identification/channel", json!("telepathy")))
            .invalid("identification.channel"),
        register
            .attempt("risk level SQL")
            .json(with(c, "/risk_level", json!("'); DROP TABLE cases; --")))
            .invalid("risk_level"),
        register.attempt("risk level null").json(with(c, "/risk_level", Value::Null)).invalid("risk_level"),
        register
            .attempt("protection status bogus")
            .json(with(c, "/protection_status", json!("abandoned")))
            .invalid("protection_status"),
        register.attempt("assigned_to SQL").json(with(c, "/assigned_to", json!("' OR 1=1 --"))).invalid("assigned_to"),
        // A caseworker may not pick an assignee at all; the role answers first.
        register
            .attempt("assigned_to someone else")
            .json(with(c, "/assigned_to", json!(nobody)))
            .expect(403, "forbidden"),
        register
            .attempt("consent in the future")
            .json(with(c, "/consents/0/date", json!("2999-01-01")))
            .invalid("consents[0].date"),
        register
            .attempt("consent purpose bogus")
            .json(with(c, "/consents/0/purpose", json!("marketing")))
            .invalid("consents[0].purpose"),
        register.attempt("consents a string").json(with(c, "/consents", json!("all"))).invalid("consents"),
        register.attempt("child missing").json(without(c, "/child")).invalid("body"),
        register.attempt("child a string").json(with(c, "/child", json!("Arta"))).invalid("child"),
        register
            .attempt("unknown child field")
            .json(with(c, "/child/eye_colour", json!("brown")))
            .invalid("child.eye_colour"),
        register
            .attempt("unknown identification field")
            .json(with(c, "/identification/gps", json!("41.3,19.8")))
            .invalid("identification.gps"),
        register
            .attempt("unknown consent field")
            .json(with(c, "/consents/0/signature", json!("x")))
            .invalid("consents[0].signature"),
        register
            .attempt("unknown alias field")
            .json(with(c, "/child/other_names", json!([{"name": "Ari", "secret": 1}])))
            .invalid("child.other_names[0].secret"),
        register.attempt("server-set field status").json(with(c, "/status", json!("closed"))).invalid("status"),
        register
            .attempt("server-set field organisation_id")
            .json(with(c, "/organisation_id", json!(nobody)))
            .invalid("organisation_id"),
    ]);

    // PATCH /cases/{id}: the case stays at version 1 throughout.
    let p = &update.valid;
    for (what, raw) in [("\"1\"", "\"1\""), ("0", "0"), ("-1", "-1"), ("1.5", "1.5"), ("null", "null")] {
        attempts.push(
            update.attempt(&format!("version {what}")).bytes(json, with_raw(p, "/version", raw)).invalid("version"),
        );
    }
    attempts.extend([
        update.attempt("version missing").json(without(p, "/version")).invalid("body"),
        update.attempt("stale version").json(with(p, "/version", json!(999))).expect(409, "version_conflict"),
        update.attempt("version i64::MAX").json(with(p, "/version", json!(i64::MAX))).expect(409, "version_conflict"),
        update.attempt("risk level bogus").json(with(p, "/risk_level", json!("extreme"))).invalid("risk_level"),
        update
            .attempt("estimated age 26")
            .json(with(p, "/child", json!({"estimated_age": 26})))
            .invalid("child.estimated_age"),
        update
            .attempt("estimated age -1")
            .json(with(p, "/child", json!({"estimated_age": -1})))
            .invalid("child.estimated_age"),
        update
            .attempt("estimated age a string")
            .json(with(p, "/child", json!({"estimated_age": "14"})))
            .invalid("child.estimated_age"),
        update
            .attempt("date of birth in the future")
            .json(with(p, "/child", json!({"date_of_birth": tomorrow})))
            .invalid("child.date_of_birth"),
        update
            .attempt("empty family name")
            .json(with(p, "/child", json!({"family_name": ""})))
            .invalid("child.family_name"),
        update
            .attempt("citizenship XX")
            .json(with(p, "/child", json!({"citizenship": ["XX"]})))
            .invalid("child.citizenship[0]"),
        update
            .attempt("identification in the future")
            .json(with(p, "/identification", json!({"date": "2999-01-01"})))
            .invalid("identification.date"),
        update
            .attempt("unknown child field")
            .json(with(p, "/child", json!({"eye_colour": "brown"})))
            .invalid("child.eye_colour"),
        update.attempt("server-set field status").json(with(p, "/status", json!("closed"))).invalid("status"),
        update
            .attempt("assigned_to SQL")
            .json(with(p, "/assigned_to", json!("'; DROP TABLE cases; --")))
            .invalid("assigned_to"),
        update.attempt("caseworker reassigns").json(with(p, "/assigned_to", json!(nobody))).expect(403, "forbidden"),
    ]);

    run(app, &f, attempts).await;

    // The case is as registered: every PATCH above was refused.
    let (_, body) = f.caseworker.get(&f.case_path()).await;
    assert_eq!(body["case"]["version"], 1, "{body}");
    assert_eq!(body["case"]["child"]["given_name"], "Arta");
}

// ---------------------------------------------------------------------------
// 3. Ids in the path and query strings.

async fn hostile_ids_and_query_strings_are_refused(app: &TestApp) {
    let f = fixture(app).await;
    let get = |name: &str, path: String| Attempt::new(format!("GET {name}"), Who::Caseworker, Method::GET, path);
    let case = &f.case_id;
    let mut attempts = Vec::new();

    // Anything that is not a case id names no case: 404, and no store query
    // (so not even an audited read).
    let ids = [
        ("not a UUID", "not-a-uuid".to_string()),
        ("SQL", "'%20OR%20'1'='1".to_string()),
        ("SQL with semicolon", "1;%20DROP%20TABLE%20cases;--".to_string()),
        ("percent-encoded SQL", "%27%29%3B%20DROP%20TABLE%20cases%3B%20--".to_string()),
        ("HTML", "%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_string()),
        ("invalid UTF-8", "%FF%FE%FD".to_string()),
        ("invalid percent-encoding", "%ZZ%4".to_string()),
        ("NUL after the id", format!("{case}%00")),
        ("quote after the id", format!("{case}'")),
        ("id with a space", format!("{case}%20")),
        ("id without hyphens", case.replace('-', "")),
        ("10,000 characters", "a".repeat(LONG)),
    ];
    for (what, id) in &ids {
        attempts.push(get(&format!("case id {what}"), format!("/api/v1/cases/{id}")).expect(404, "not_found"));
        attempts.push(
            Attempt::new(
                format!("PATCH case id {what}"),
                Who::Caseworker,
                Method::PATCH,
                format!("/api/v1/cases/{id}"),
            )
            .json(json!({"version": 1, "risk_level": "low"}))
            .expect(404, "not_found"),
        );
    }

    // Bad list parameters: 400 naming the parameter, before any query runs.
    let long_q = "a".repeat(LONG);
    let queries: Vec<(&str, String, &str)> = vec![
        ("per_page=0", "per_page=0".into(), "per_page"),
        ("per_page=1000", "per_page=1000".into(), "per_page"),
        ("per_page=-5", "per_page=-5".into(), "per_page"),
        ("per_page empty", "per_page=".into(), "per_page"),
        ("page=-1", "page=-1".into(), "page"),
        ("page=0", "page=0".into(), "page"),
        ("page=abc", "page=abc".into(), "page"),
        ("page=1e3", "page=1e3".into(), "page"),
        ("page above u64", "page=99999999999999999999".into(), "page"),
        ("status=bogus", "status=bogus".into(), "status"),
        ("status SQL", "status=%27%20OR%201%3D1--".into(), "status"),
        ("risk_level=extreme", "risk_level=extreme".into(), "risk_level"),
        ("assigned_to not an id", "assigned_to=me".into(), "assigned_to"),
        ("unknown parameter", "admin=true".into(), "query"),
        ("duplicate parameter", "q=a&q=b".into(), "query"),
        ("q of 10,000 characters", format!("q={long_q}"), "q"),
        ("q with NUL", "q=Ar%00ta".into(), "q"),
        ("q only NUL", "q=%00".into(), "q"),
        ("q with ESC", "q=%1B%5B2J".into(), "q"),
        ("q with newline", "q=Ar%0Ata".into(), "q"),
        // (Query strings that do not decode: see known_bugs.)
    ];
    for (what, query, field) in queries {
        attempts.push(get(what, format!("/api/v1/cases?{query}")).bad_query(field));
    }
    run(app, &f, attempts).await;
}

// ---------------------------------------------------------------------------
// 4. Bytes no well-behaved client would send, written straight to the socket.

fn http_request(f: &Fixture, request_line: &[u8], extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nConnection: close\r\n{extra_headers}\r\n",
        f.token(Who::Caseworker)
    );
    [request_line, head.as_bytes(), body].concat()
}

async fn raw_bytes_on_the_wire_are_refused(app: &TestApp) {
    let f = fixture(app).await;
    let wire = |name: &str| Attempt::new(name, Who::Caseworker, Method::GET, "");
    let case = f.case_id.as_bytes();
    let over_limit_chunked = {
        let chunk = vec![b' '; 64 * 1024];
        let mut body = Vec::new();
        for _ in 0..5 {
            body.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
            body.extend(&chunk);
            body.extend(b"\r\n");
        }
        body.extend(b"0\r\n\r\n");
        body
    };
    let attempts = vec![
        // Raw bytes that are not UTF-8 (nor even ASCII) in the request target.
        wire("raw invalid UTF-8 in the query")
            .wire(http_request(&f, b"GET /api/v1/cases?q=\xff\xfe HTTP/1.1", "", b""))
            .refused_by_http_parser(),
        wire("raw invalid UTF-8 in the path")
            .wire(http_request(&f, b"GET /api/v1/cases/\xff\xfe HTTP/1.1", "", b""))
            .refused_by_http_parser(),
        wire("percent-encoded invalid UTF-8 in the path")
            .wire(http_request(&f, b"GET /api/v1/cases/%C3%28 HTTP/1.1", "", b""))
            .expect(404, "not_found"),
        wire("NUL after the id in the path")
            .wire(http_request(&f, &[b"GET /api/v1/cases/", case, b"%00 HTTP/1.1"].concat(), "", b""))
            .expect(404, "not_found"),
        // 320 KiB in chunks, without a Content-Length the limit could be checked against.
        wire("chunked body over the limit")
            .wire(http_request(
                &f,
                b"POST /api/v1/cases HTTP/1.1",
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                &over_limit_chunked,
            ))
            .expect(413, "payload_too_large"),
        // The declared length cuts the document short: the server sees truncated JSON.
        wire("Content-Length shorter than the body")
            .wire(http_request(
                &f,
                b"POST /api/v1/cases HTTP/1.1",
                "Content-Type: application/json\r\nContent-Length: 5\r\n",
                child("Arta", "Hoxha").to_string().as_bytes(),
            ))
            .malformed(),
    ];
    run(app, &f, attempts).await;
}

// ---------------------------------------------------------------------------
// 5. Sign-in with hostile credentials.

async fn hostile_credentials_get_the_same_401_and_only_the_attempt_is_audited(app: &TestApp) {
    let f = fixture(app).await;
    let (_, reference) =
        f.anonymous.post("/api/v1/session", json!({"username": "nobody", "password": "not the password"})).await;
    let long = "x".repeat(LONG);
    // (what, username, password, audited): every answer is the one any wrong
    // password gets; an attempt that reaches the user lookup is audited once.
    let attempts: [(&str, &str, &str, bool); 10] = [
        ("SQL tautology", "' OR '1'='1", "' OR '1'='1", true),
        ("SQL comment", "h.admin'--", "x", true),
        ("SQL stacked query", "x'; DROP TABLE users; --", "x", true),
        ("HTML", "<script>alert(1)</script>", "x", true),
        ("LIKE wildcard", "h.%", PASSWORD, true),
        ("NUL in the password", "h.cw", "a long test\u{0}passphrase", true),
        ("ESC in the username", "h.\u{1b}cw", PASSWORD, true),
        ("10,000-character username", &long, PASSWORD, true),
        ("10,000-character password", "h.cw", &long, true),
        ("NUL in the username", "h.cw\u{0}", PASSWORD, true),
    ];
    let mut failures = Vec::new();
    for (what, username, password, audited) in attempts {
        let before = app.counts().await;
        let (status, body) =
            f.anonymous.post("/api/v1/session", json!({"username": username, "password": password})).await;
        let after = app.counts().await;
        let mut expected_after = before.clone();
        expected_after.audit_events += i64::from(audited);
        if status != StatusCode::UNAUTHORIZED || body != reference {
            failures.push(format!("{what}: {status} {body}"));
        }
        if after != expected_after {
            failures.push(format!("{what}: rows {before:?} → {after:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing was harmed: the real users still sign in.
    app.sign_in("h.admin").await;
    app.sign_in("h.cw").await;
}

/// The same with a NUL byte in the username: PostgreSQL text cannot hold NUL,
/// so the user lookup must not pass it through.
async fn nul_in_the_username_is_a_plain_401(app: &TestApp) {
    let f = fixture(app).await;
    let (status, body) =
        f.anonymous.post("/api/v1/session", json!({"username": "h.cw\u{0}", "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "wrong_credentials");
}

// ---------------------------------------------------------------------------
// 6. Metacharacters in names: legitimate text, stored verbatim, inert.

async fn sql_and_html_in_names_are_stored_verbatim_and_do_nothing(app: &TestApp) {
    let f = fixture(app).await;
    let given = "'); DROP TABLE cases; --";
    let family = "\" OR 1=1 --";
    let alias = "<script>alert(1)</script>";
    let alias2 = "Robert'); DROP TABLE child_identities;--";
    let place = "<img src=x onerror=alert(1)>";
    let withheld = "'; DELETE FROM consents; --";

    let mut registration = child(given, family);
    registration["child"]["other_names"] = json!([{"name": alias}, {"name": alias2}]);
    registration["identification"]["place"] = json!(place);
    registration["consents"][0]["withheld"] = json!(withheld);
    let (status, body) = f.caseworker.post("/api/v1/cases", registration).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["case"]["id"].as_str().unwrap().to_string();

    // Read back exactly, as JSON with nosniff (so a browser never runs it as HTML).
    let response = f
        .caseworker
        .http
        .get(format!("{}/api/v1/cases/{id}", app.base))
        .bearer_auth(f.token(Who::Caseworker))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let text = response.text().await.unwrap();
    assert!(text.contains(r#""\" OR 1=1 --""#), "JSON-escaped quote: {text}");
    let case: Value = serde_json::from_str(&text).unwrap();
    let child_view = &case["case"]["child"];
    assert_eq!(child_view["given_name"], given);
    assert_eq!(child_view["family_name"], family);
    assert_eq!(child_view["other_names"][0]["name"], alias);
    assert_eq!(child_view["other_names"][1]["name"], alias2);
    assert_eq!(case["case"]["identification"]["place"], place);
    assert_eq!(case["case"]["consents"][0]["withheld"], withheld);

    // Every table is still there and works: two cases (the fixture's and this one).
    let counts = app.counts().await;
    assert_eq!(counts.cases, 2, "{counts:?}");
    assert_eq!(counts.child_identities, 2, "{counts:?}");
    assert_eq!(counts.consents, 2, "{counts:?}");
    let (status, body) = f.caseworker.get("/api/v1/cases").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);

    // Searching with the same text finds at most that child, never "everyone".
    for q in [given, family, "' OR '1'='1", "%", "_"] {
        let (status, body) = f.caseworker.get(&format!("/api/v1/cases?q={}", crate::story::urlencode(q))).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        let ids: Vec<&str> = body["cases"].as_array().unwrap().iter().filter_map(|c| c["id"].as_str()).collect();
        assert!(!ids.contains(&f.case_id.as_str()), "{q:?} matched an unrelated child: {body}");
    }

    // Changing a name to markup round-trips too.
    let (status, body) = f
        .caseworker
        .patch(
            &format!("/api/v1/cases/{id}"),
            json!({"version": 1, "child": {"given_name": place, "family_name": alias}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["case"]["child"]["given_name"], place);
    assert_eq!(body["case"]["child"]["family_name"], alias);

    // Organisation and user names in the directory, likewise.
    let org_name = "Org'); DROP TABLE organisations; --";
    let (status, body) = f
        .admin
        .post("/api/v1/organisations", json!({"name": org_name, "type": "NGO", "countries": ["AL"], "contact": alias}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["organisation"]["name"], org_name);
    let (_, body) = f.admin.get("/api/v1/organisations").await;
    let listed = body["organisations"].as_array().unwrap();
    assert!(listed.iter().any(|o| o["name"] == org_name && o["contact"] == alias), "{body}");
    let (status, body) = f
        .admin
        .post(
            "/api/v1/users",
            json!({"username": "o.reilly", "password": PASSWORD, "role": "caseworker",
                   "organisation_id": f.org, "display_name": "O'Reilly <b>\"Bobby\"</b>"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["display_name"], "O'Reilly <b>\"Bobby\"</b>");

    // Nothing was executed: the audit chain, written alongside, is intact.
    let counts = app.counts().await;
    assert_eq!((counts.cases, counts.organisations, counts.users), (2, 2, 3));
    assert!(matches!(app.store.verify_audit().await.unwrap(), AuditVerification::Intact { .. }));
}

// ---------------------------------------------------------------------------
// Once bugs, now fixed: one JSON document, strict query decoding, objects only.

/// A JSON body is one document: anything after it makes the body malformed
/// (API.md: 400), and nothing may be written.
async fn trailing_data_after_the_json_document_is_refused(app: &TestApp) {
    let f = fixture(app).await;
    let json = Some("application/json");
    let mut attempts = Vec::new();
    for ep in body_endpoints(&f) {
        let valid = ep.valid.to_string().into_bytes();
        attempts.extend([
            ep.attempt("trailing garbage").bytes(json, [valid.as_slice(), b" garbage"].concat()).malformed(),
            ep.attempt("two documents").bytes(json, [valid.as_slice(), valid.as_slice()].concat()).malformed(),
            ep.attempt("trailing comma and brace").bytes(json, [valid.as_slice(), b",}"].concat()).malformed(),
        ]);
    }
    run(app, &f, attempts).await;
}

/// A query string whose percent-escapes do not decode to UTF-8 text is
/// malformed (API.md: 400), like a body that is not UTF-8; it must not be
/// searched for in a mangled form (and so not audited as a search either).
async fn query_strings_must_decode_strictly(app: &TestApp) {
    let f = fixture(app).await;
    let attempts = [
        ("q percent-encoded invalid UTF-8", "q=Ar%FFta"),
        ("q overlong UTF-8", "q=Ar%C0%AFta"),
        ("q truncated UTF-8 sequence", "q=Ar%C3"),
        ("q invalid percent-encoding", "q=Ar%ZZta"),
        ("q lone percent sign", "q=Arta%"),
    ]
    .into_iter()
    .map(|(what, query)| {
        Attempt::new(format!("GET {what}"), Who::Caseworker, Method::GET, format!("/api/v1/cases?{query}")).malformed()
    })
    .collect();
    run(app, &f, attempts).await;
}

/// API.md's bodies are JSON objects. serde's derived `Deserialize` also takes
/// a struct from an array of its fields in declaration order, which no
/// document describes and which bypasses field names: it must be refused.
async fn bodies_must_be_json_objects(app: &TestApp) {
    let f = fixture(app).await;
    let json = Some("application/json");
    let endpoints = body_endpoints(&f);
    let [session, _, _, _, update] = &endpoints[..] else { unreachable!() };
    let attempts = vec![
        session.attempt("positional array").bytes(json, format!("[\"h.cw\", \"{PASSWORD}\"]")).invalid("body"),
        update.attempt("positional array").bytes(json, "[1, \"low\", null, null, null, null]").invalid("body"),
    ];
    run(app, &f, attempts).await;
}
