//! End-to-end tests of the `safepath` binary: each runs the real executable
//! (as an operator's script or a deployment tool would) against a fresh SQLite
//! file and, when `SAFEPATH_TEST_DATABASE_URL` is set, a fresh PostgreSQL
//! database created for the test and dropped afterwards.

mod htcds;
mod link;
mod support;

use std::io::Write;
use std::process::Stdio;

use support::{
    assert_fails, assert_no_panic, audit_events, block_on, free_port, is_uuid, safepath, safepath_in, safepath_stdin,
    stderr_of, stdout_of, Backend, Db, Server, DEMO_PASSWORD,
};

/// Declares each scenario once as a `fn(Db)` and runs it on both backends:
/// `sqlite::name` and `postgres::name` (skipped with a note without PostgreSQL).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(super::support::Db::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(db) = super::support::Db::postgres() {
                    super::$name(db);
                }
            })*
        }
    };
}

on_both_backends!(
    database_url_is_read_from_the_environment,
    migrate_is_idempotent,
    org_add_prints_one_id_and_rejects_bad_input,
    user_add_reads_or_generates_the_password,
    user_add_rejects_bad_input,
    demo_loads_once_and_refuses_a_second_time,
    audit_verify_detects_altered_and_removed_events,
    backup,
    serve_demo_end_to_end,
);

// ---------------------------------------------------------------------------
// 1. Help

#[test]
fn help_for_the_binary_and_every_subcommand() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--help"],
            &[
                "--database-url",
                "SAFEPATH_DATABASE_URL",
                "serve",
                "migrate",
                "demo",
                "audit",
                "backup",
                "org",
                "user",
                "bench",
            ],
        ),
        (&["serve", "--help"], &["--database-url", "--bind", "--demo", "--idle-timeout-minutes", "--secure-cookies"]),
        (&["migrate", "--help"], &["--database-url"]),
        (&["demo", "--help"], &["--database-url", "--seed"]),
        (&["audit", "--help"], &["verify"]),
        (&["audit", "verify", "--help"], &["--database-url", "broken"]),
        (&["backup", "--help"], &["--database-url", "--output"]),
        (&["org", "--help"], &["add"]),
        (&["org", "add", "--help"], &["--database-url", "--name", "--type", "--country", "--reference-prefix", "NGO"]),
        (&["user", "--help"], &["add"]),
        (
            &["user", "add", "--help"],
            &["--database-url", "--username", "--role", "--org", "--password-stdin", "--language", "supervisor"],
        ),
        (&["bench", "--help"], &["--database-url", "--backend", "--cases", "--concurrency", "--seconds"]),
        (&["help", "user", "add"], &["--password-stdin"]),
    ];
    for (args, expected) in cases {
        let output = safepath(args);
        let out = stdout_of(&output);
        assert!(output.status.success(), "safepath {args:?} failed: {}", stderr_of(&output));
        assert!(out.contains("Usage: safepath"), "safepath {args:?} printed no usage line:\n{out}");
        for needle in *expected {
            assert!(out.contains(needle), "safepath {args:?} does not mention {needle}:\n{out}");
        }
    }
    let version = safepath(&["--version"]);
    assert!(version.status.success());
    assert!(stdout_of(&version).starts_with("safepath "), "{}", stdout_of(&version));

    // No subcommand, or an unknown one: usage error, not a panic.
    for args in [&[][..], &["frobnicate"][..], &["org", "add", "--name", "x"][..]] {
        let output = safepath(args);
        assert_eq!(output.status.code(), Some(2), "safepath {args:?} should be a usage error");
        assert!(stderr_of(&output).contains("Usage:"), "{}", stderr_of(&output));
        assert_no_panic(&output);
    }
}

fn database_url_is_read_from_the_environment(db: Db) {
    // Run in an empty folder: if the variable were ignored, the default
    // `sqlite:safepath.db` would appear there.
    let cwd = tempfile::tempdir().unwrap();
    let output = safepath_in(cwd.path(), &["migrate"], &[("SAFEPATH_DATABASE_URL", db.url())]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("is up to date"), "{}", stdout_of(&output));
    assert!(!cwd.path().join("safepath.db").exists(), "the default database was used instead of the variable");
    if let Some(file) = db.sqlite_file() {
        assert!(file.exists(), "{} was not created", file.display());
    }
    // The variable is really used by the next command too, and the flag wins over it.
    let org = safepath_in(
        cwd.path(),
        &["org", "add", "--name", "Env Org", "--type", "NGO", "--country", "AL"],
        &[("SAFEPATH_DATABASE_URL", db.url())],
    );
    assert!(org.status.success(), "{}", stderr_of(&org));
    assert_eq!(audit_events(&db), 1);
    let flag_wins = safepath_in(
        cwd.path(),
        &["--database-url", db.url(), "audit", "verify"],
        &[("SAFEPATH_DATABASE_URL", "mysql://not-used")],
    );
    assert!(flag_wins.status.success(), "{}", stderr_of(&flag_wins));
    // `--database-url` is global: it may also follow the subcommand.
    let after = safepath(&["audit", "verify", "--database-url", db.url()]);
    assert!(stdout_of(&after).starts_with("OK: 1 audit events"), "{}", stdout_of(&after));
}

// ---------------------------------------------------------------------------
// 2. Migrate

fn migrate_is_idempotent(db: Db) {
    for round in 1..=2 {
        let output = safepath(&["--database-url", db.url(), "migrate"]);
        assert!(output.status.success(), "migrate #{round} failed: {}", stderr_of(&output));
        assert!(stdout_of(&output).contains("is up to date"), "{}", stdout_of(&output));
        assert_no_panic(&output);
    }
    assert_eq!(audit_events(&db), 0);
}

// ---------------------------------------------------------------------------
// 3. Deployment automation: organisations and users from scripts

fn org_add_prints_one_id_and_rejects_bad_input(db: Db) {
    let output = safepath(&[
        "--database-url",
        db.url(),
        "org",
        "add",
        "--name",
        "Terre des hommes",
        "--type",
        "NGO",
        "--country",
        "AL",
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let out = stdout_of(&output);
    assert_eq!(out.lines().count(), 1, "org add must print exactly one line:\n{out}");
    assert!(out.ends_with('\n'));
    assert!(is_uuid(out.trim_end()), "not a UUID: {out:?}");
    assert_eq!(audit_events(&db), 1);

    // Several countries, explicit prefix.
    let several = safepath(&[
        "--database-url",
        db.url(),
        "org",
        "add",
        "--name",
        "Shakti Samuha",
        "--type",
        "NGO",
        "--country",
        "NP",
        "--country",
        "IN",
        "--reference-prefix",
        "SS-NP",
    ]);
    assert!(several.status.success(), "{}", stderr_of(&several));
    assert!(is_uuid(stdout_of(&several).trim_end()));
    assert_eq!(audit_events(&db), 2);

    let bad: &[(&[&str], &[&str])] = &[
        (&["--type", "Charity", "--country", "AL"], &["type", "NGO"]),
        (&["--type", "NGO", "--country", "XX"], &["countries[0]", "country code"]),
        (&["--type", "NGO", "--country", "AL", "--reference-prefix", "-"], &["reference_prefix"]),
    ];
    for (extra, expected) in bad {
        let mut args = vec!["--database-url", db.url(), "org", "add", "--name", "Bad Org"];
        args.extend_from_slice(extra);
        let output = safepath(&args);
        let err = assert_fails(&output, &args);
        for needle in *expected {
            assert!(err.contains(needle), "safepath {args:?}: error does not name {needle}:\n{err}");
        }
        assert_eq!(audit_events(&db), 2, "a rejected org add wrote something");
    }
    // An empty name is rejected too.
    let output =
        safepath(&["--database-url", db.url(), "org", "add", "--name", " ", "--type", "NGO", "--country", "AL"]);
    assert!(assert_fails(&output, &["org add --name ' '"]).contains("name"));
    assert_eq!(audit_events(&db), 2);
}

fn add_org(db: &Db, name: &str) -> String {
    let output =
        safepath(&["--database-url", db.url(), "org", "add", "--name", name, "--type", "NGO", "--country", "AL"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let id = stdout_of(&output).trim_end().to_string();
    assert!(is_uuid(&id), "{id:?}");
    id
}

fn user_add_reads_or_generates_the_password(db: Db) {
    let org = add_org(&db, "Terre des hommes");

    // Password on standard input: stdout is the id and nothing else.
    let args =
        ["--database-url", db.url(), "user", "add", "--username", "al.sup", "--role", "supervisor", "--org", &org];
    let mut with_stdin = args.to_vec();
    with_stdin.push("--password-stdin");
    let output = safepath_stdin(&with_stdin, "correct horse battery\n");
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(stdout_of(&output).lines().count(), 1, "{}", stdout_of(&output));
    assert!(is_uuid(stdout_of(&output).trim_end()), "{}", stdout_of(&output));
    assert!(!stderr_of(&output).contains("correct horse"), "the given password must not be echoed");

    // Generated password: shown once, on stderr, never on stdout.
    let output = safepath(&[
        "--database-url",
        db.url(),
        "user",
        "add",
        "--username",
        "al.caseworker",
        "--role",
        "caseworker",
        "--org",
        &org,
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let out = stdout_of(&output);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(is_uuid(out.trim_end()), "{out}");
    let err = stderr_of(&output);
    let marker = "generated password (shown once, store it safely): ";
    let generated = err
        .lines()
        .find_map(|line| line.strip_prefix(marker))
        .unwrap_or_else(|| panic!("no generated password on stderr:\n{err}"))
        .trim()
        .to_string();
    assert!(generated.len() >= 12, "generated password too short: {generated:?}");
    assert!(!out.contains(&generated), "the password must not go to stdout");
    assert_eq!(audit_events(&db), 3);

    // Both passwords sign in through the real service.
    let server = Server::start(&db, &[]);
    block_on(async {
        let client = reqwest::Client::new();
        for (username, password, expected) in [
            ("al.sup", "correct horse battery", 200),
            ("al.caseworker", generated.as_str(), 200),
            ("al.caseworker", "wrong password!!", 401),
        ] {
            let response = client
                .post(server.url("/api/v1/session"))
                .json(&serde_json::json!({ "username": username, "password": password }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), expected, "sign-in of {username}");
            if expected == 200 {
                let body: serde_json::Value = response.json().await.unwrap();
                assert!(body["token"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
                assert_eq!(body["user"]["username"], username, "{body}");
            }
        }
    });
}

fn user_add_rejects_bad_input(db: Db) {
    let org = add_org(&db, "Terre des hommes");
    let password = "a-long-enough-password\n";
    let first = safepath_stdin(
        &[
            "--database-url",
            db.url(),
            "user",
            "add",
            "--username",
            "al.sup",
            "--role",
            "supervisor",
            "--org",
            &org,
            "--password-stdin",
        ],
        password,
    );
    assert!(first.status.success(), "{}", stderr_of(&first));
    let events = audit_events(&db);

    let missing_org = "6f1c1d0e-8a54-4d3b-9a57-2b1f6f0f2c11";
    let cases: &[(&str, &str, &str, &str, &[&str])] = &[
        // username, role, org, stdin, words the error must contain
        ("al.new", "supervisor", &org, "short\n", &["password", "12 characters"]),
        ("al.new", "supervisor", &org, "", &["password", "12 characters"]),
        ("al.sup", "supervisor", &org, password, &["username", "already taken"]),
        ("al.new", "wizard", &org, password, &["role", "caseworker"]),
        ("al.new", "supervisor", missing_org, password, &["organisation", "no such organisation"]),
        ("al.new", "supervisor", "not-an-id", password, &["organisation"]),
    ];
    for (username, role, org, stdin, expected) in cases {
        let args = [
            "--database-url",
            db.url(),
            "user",
            "add",
            "--username",
            username,
            "--role",
            role,
            "--org",
            org,
            "--password-stdin",
        ];
        let output = safepath_stdin(&args, stdin);
        let err = assert_fails(&output, &args);
        for needle in *expected {
            assert!(
                err.contains(needle),
                "user add {username} {role} {org}: error does not mention {needle:?}:\n{err}"
            );
        }
        assert!(stdout_of(&output).is_empty(), "a rejected user add printed an id: {}", stdout_of(&output));
        assert_eq!(audit_events(&db), events, "a rejected user add wrote something");
    }
}

// ---------------------------------------------------------------------------
// 4. Demo data

fn demo_loads_once_and_refuses_a_second_time(db: Db) {
    let output = safepath(&["--database-url", db.url(), "demo"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let out = stdout_of(&output);
    assert!(out.contains(DEMO_PASSWORD), "{out}");
    assert!(out.contains("al.caseworker1"), "{out}");
    let children: usize = out
        .split_once("Demo data loaded: ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no child count in:\n{out}"));
    assert!((250..=350).contains(&children), "about 300 children expected, got {children}");
    let events = audit_events(&db);
    assert!(events > 0);

    let again = safepath(&["--database-url", db.url(), "demo"]);
    let err = assert_fails(&again, &["demo (second time)"]);
    assert!(err.contains("already holds data"), "{err}");
    assert!(!stdout_of(&again).contains("Demo data loaded"), "{}", stdout_of(&again));
    assert_eq!(audit_events(&db), events, "the refused demo changed the database");

    // `serve --demo` on the loaded database: says so, and serves anyway.
    let server = Server::start(&db, &["--demo"]);
    let out = server.stdout();
    assert!(out.contains("demo data not loaded"), "{out}");
    assert!(!out.contains("Demo data loaded"), "{out}");
    block_on(async {
        let response = reqwest::get(server.url("/healthz")).await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
    });
    drop(server);
    assert_eq!(audit_events(&db), events, "serve --demo on a loaded database changed it");
}

// ---------------------------------------------------------------------------
// 5. Audit verification

fn audit_verify_detects_altered_and_removed_events(db: Db) {
    for name in ["Alpha Org", "Beta Org", "Gamma Org"] {
        add_org(&db, name);
    }
    let output = safepath(&["--database-url", db.url(), "audit", "verify"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).starts_with("OK: 3 audit events"), "{}", stdout_of(&output));

    // Alter event 2 behind the application's back.
    let original: String = db.query_string("SELECT outcome FROM audit_events WHERE seq = 2");
    match db.backend() {
        Backend::Sqlite => db.execute(&["DROP TRIGGER audit_events_no_update"]),
        Backend::Postgres => db.execute(&["ALTER TABLE audit_events DISABLE TRIGGER ALL"]),
    }
    db.execute(&["UPDATE audit_events SET outcome = 'x' WHERE seq = 2"]);
    let output = safepath(&["--database-url", db.url(), "audit", "verify"]);
    assert_eq!(output.status.code(), Some(1), "{}{}", stdout_of(&output), stderr_of(&output));
    assert!(stdout_of(&output).starts_with("BROKEN at audit event 2"), "{}", stdout_of(&output));
    assert_no_panic(&output);

    // Put it back: intact again.
    db.execute(&[&format!("UPDATE audit_events SET outcome = '{original}' WHERE seq = 2")]);
    let output = safepath(&["--database-url", db.url(), "audit", "verify"]);
    assert!(output.status.success(), "{}", stdout_of(&output));
    assert!(stdout_of(&output).starts_with("OK: 3 audit events"), "{}", stdout_of(&output));

    // Remove the newest event: only the chain head can tell.
    if db.backend() == Backend::Sqlite {
        db.execute(&["DROP TRIGGER audit_events_no_delete"]);
    }
    db.execute(&["DELETE FROM audit_events WHERE seq = 3"]);
    let output = safepath(&["--database-url", db.url(), "audit", "verify"]);
    assert_eq!(output.status.code(), Some(1), "{}{}", stdout_of(&output), stderr_of(&output));
    assert!(stdout_of(&output).starts_with("BROKEN at audit event 3"), "{}", stdout_of(&output));
    assert!(stdout_of(&output).contains("removed"), "{}", stdout_of(&output));
}

// ---------------------------------------------------------------------------
// 6. Backup

fn backup(db: Db) {
    add_org(&db, "Terre des hommes");
    add_org(&db, "Shakti Samuha");
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join("copy.db");
    let copy_arg = copy.to_str().unwrap();

    if db.backend() == Backend::Postgres {
        let output = safepath(&["--database-url", db.url(), "backup", "--output", copy_arg]);
        let err = assert_fails(&output, &["backup on PostgreSQL"]);
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!copy.exists());
        assert_eq!(audit_events(&db), 2);
        return;
    }

    let output = safepath(&["--database-url", db.url(), "backup", "--output", copy_arg]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains(copy_arg), "{}", stdout_of(&output));
    assert!(copy.exists());
    // The copy holds the chain as it was; the backup itself is audited in the source afterwards.
    let copy_url = format!("sqlite:{copy_arg}");
    let verify_copy = safepath(&["--database-url", &copy_url, "audit", "verify"]);
    assert!(stdout_of(&verify_copy).starts_with("OK: 2 audit events"), "{}", stdout_of(&verify_copy));
    assert_eq!(audit_events(&db), 3);
    // The copy is a working database.
    let org =
        safepath(&["--database-url", &copy_url, "org", "add", "--name", "After", "--type", "NGO", "--country", "GR"]);
    assert!(org.status.success(), "{}", stderr_of(&org));

    // An existing file is never overwritten.
    let existing = folder.path().join("existing.db");
    std::fs::File::create(&existing).unwrap().write_all(b"keep me").unwrap();
    let output = safepath(&["--database-url", db.url(), "backup", "--output", existing.to_str().unwrap()]);
    let err = assert_fails(&output, &["backup to an existing file"]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
    assert_eq!(audit_events(&db), 3, "a refused backup was audited or wrote something");
}

// ---------------------------------------------------------------------------
// 7. The service with demo data, end to end

fn serve_demo_end_to_end(db: Db) {
    let server = Server::start(&db, &["--demo"]);
    let out = server.stdout();
    assert!(out.contains(&format!("http://127.0.0.1:{}", server.port)), "{out}");
    assert!(out.contains("/api/v1/openapi.json"), "{out}");
    assert!(out.contains("Demo sign-ins"), "{out}");
    assert!(out.contains(DEMO_PASSWORD), "{out}");
    assert!(out.contains("al.caseworker1"), "{out}");
    assert!(!out.contains("demo data not loaded"), "{out}");

    block_on(async {
        let client = reqwest::Client::new();
        let response = client
            .post(server.url("/api/v1/session"))
            .json(&serde_json::json!({ "username": "al.caseworker1", "password": DEMO_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let session: serde_json::Value = response.json().await.unwrap();
        let token = session["token"].as_str().expect("token").to_string();

        let response = client.get(server.url("/api/v1/cases")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let page: serde_json::Value = response.json().await.unwrap();
        assert!(page["total"].as_i64().is_some_and(|total| total > 0), "{page}");

        let response = client.get(server.url("/api/v1/cases")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "cases without a token");

        let response = client.get(server.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let document: serde_json::Value = response.json().await.unwrap();
        assert!(document.get("openapi").is_some(), "no openapi version");
        assert!(document["paths"].get("/api/v1/cases").is_some(), "no /api/v1/cases path");
    });
    drop(server);
    let verify = safepath(&["--database-url", db.url(), "audit", "verify"]);
    assert!(stdout_of(&verify).starts_with("OK: "), "{}", stdout_of(&verify));
}

// ---------------------------------------------------------------------------
// 8. Bad database URLs

#[test]
fn bad_database_urls_fail_readably() {
    let folder = tempfile::tempdir().unwrap();
    let missing = format!("sqlite:{}/no-such-dir/x.db", folder.path().display());
    let cases: &[(&str, &str)] = &[
        ("mysql://x", "must start with sqlite: or postgres://"),
        ("", "must start with sqlite: or postgres://"),
        (&missing, "cannot open the database"),
        // Nothing listens on port 1.
        ("postgres://safepath:s3cret-pw@127.0.0.1:1/x", "cannot open the database"),
    ];
    for (url, expected) in cases {
        for command in [&["migrate"][..], &["audit", "verify"][..], &["demo"][..]] {
            let mut args = vec!["--database-url", url];
            args.extend_from_slice(command);
            let output = safepath(&args);
            let err = assert_fails(&output, &args);
            assert!(err.contains(expected), "safepath {args:?}: expected {expected:?} in:\n{err}");
            assert!(!err.contains("s3cret-pw"), "the password leaked into the error:\n{err}");
        }
    }
    assert!(!folder.path().join("no-such-dir").exists());

    // serve with a bad URL: fails before listening.
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let output = safepath(&["--database-url", "mysql://x", "serve", "--bind", &bind]);
    assert_fails(&output, &["serve with mysql://x"]);
}

#[test]
fn serve_on_a_busy_port_fails_readably() {
    let db = Db::sqlite();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = busy.local_addr().unwrap().to_string();
    let mut child = support::command(&["--database-url", db.url(), "serve", "--bind", &bind])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("serve on a busy port did not exit");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let err = assert_fails(&output, &["serve on a busy port"]);
    assert!(err.contains("cannot listen on"), "{err}");
}

#[test]
fn serve_stops_cleanly_on_interrupt() {
    let db = Db::sqlite();
    let mut server = Server::start(&db, &[]);
    let pid = server.pid().to_string();
    let kill = std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(kill.success());
    let status = server.wait_for_exit(std::time::Duration::from_secs(30)).expect("serve ignored SIGINT");
    assert!(status.success(), "serve exited with {status} after SIGINT");
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

/// The service prints its database URL at start-up; the password must not appear.
#[test]
fn serve_does_not_print_the_database_password() {
    let Some(db) = Db::postgres() else { return };
    let (scheme, rest) = db.url().split_once("://").unwrap();
    let Some((user_info, host)) = rest.rsplit_once('@') else {
        eprintln!("note: SAFEPATH_TEST_DATABASE_URL names no user; skipping");
        return;
    };
    let (with_password, secret) = match user_info.split_once(':') {
        Some((_, password)) => (db.url().to_string(), password.to_string()),
        // The local test server trusts local connections: any password is accepted.
        None => (format!("{scheme}://{user_info}:s3cret-pw@{host}"), "s3cret-pw".to_string()),
    };
    let server = Server::start_with_url(&with_password, &[]);
    let out = server.stdout();
    assert!(out.contains("Safepath is running"), "{out}");
    assert!(!out.contains(&secret), "the database password was printed:\n{out}");
    assert!(out.contains(":***@"), "{out}");
    drop(server);
    drop(db);
}

// ---------------------------------------------------------------------------
// Known bugs (see the report): each test states the expected behaviour.

/// Regression (was a bug): `audit verify` (and `backup`) on a mistyped SQLite path create an empty
/// database there and report "OK: 0 audit events, chain intact" with exit 0.
#[test]
fn audit_verify_on_a_missing_sqlite_file_fails() {
    let folder = tempfile::tempdir().unwrap();
    let typo = folder.path().join("typo.db");
    let url = format!("sqlite:{}", typo.display());
    let output = safepath(&["--database-url", &url, "audit", "verify"]);
    let err = assert_fails(&output, &["audit verify on a missing file"]);
    assert!(err.contains("typo.db"), "{err}");
    assert!(!stdout_of(&output).starts_with("OK:"), "{}", stdout_of(&output));
    assert!(!typo.exists(), "audit verify created {}", typo.display());
}

/// Regression (was a bug): `org add` opens (creates and migrates) the database before validating
/// its input, unlike `user add`; a rejected command leaves a new database behind.
#[test]
fn org_add_validates_before_touching_the_database() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("x.db");
    let url = format!("sqlite:{}", file.display());
    let output =
        safepath(&["--database-url", &url, "org", "add", "--name", "X", "--type", "Charity", "--country", "AL"]);
    assert!(assert_fails(&output, &["org add --type Charity"]).contains("type"));
    assert!(!file.exists(), "a rejected org add created {}", file.display());
}

/// Regression (was a bug): `redact` only hides a password in the user-info part; sqlx also takes
/// `?password=...`, which then appears verbatim in errors and the start-up line.
#[test]
fn a_password_in_the_url_query_is_not_printed() {
    let output = safepath(&["--database-url", "postgres://safepath@127.0.0.1:1/x?password=s3cret-pw", "migrate"]);
    let err = assert_fails(&output, &["migrate with ?password="]);
    assert!(!err.contains("s3cret-pw"), "the password leaked into the error:\n{err}");
}
