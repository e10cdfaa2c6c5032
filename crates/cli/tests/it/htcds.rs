//! `safepath export htcds` / `safepath import htcds`: round trips into an
//! empty database, all-or-nothing imports that name every bad record, and
//! files refused whole.

use std::path::Path;

use serde_json::Value;

use crate::support::{assert_fails, audit_events, block_on, safepath, stderr_of, stdout_of, Db, Server, DEMO_PASSWORD};

/// Each scenario on SQLite and, when `SAFEPATH_TEST_DATABASE_URL` is set, PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(crate::support::Db::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(db) = crate::support::Db::postgres() {
                    super::$name(db);
                }
            })*
        }
    };
}

on_both_backends!(
    export_then_import_into_an_empty_database_gives_the_same_cases,
    one_bad_record_among_a_thousand_writes_nothing_and_is_named,
    one_case_over_http_as_htcds_json_and_csv,
);

fn run_ok(args: &[&str]) -> String {
    let output = safepath(args);
    assert!(output.status.success(), "safepath {args:?} failed:\n{}{}", stdout_of(&output), stderr_of(&output));
    stdout_of(&output)
}

fn count(db: &Db, table: &str) -> i64 {
    db.query_string(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}")).parse().unwrap()
}

/// A fresh database holding one organisation; returns its id.
fn empty_with_organisation(db: &Db) -> String {
    run_ok(&["--database-url", db.url(), "migrate"]);
    let id = run_ok(&[
        "--database-url",
        db.url(),
        "org",
        "add",
        "--name",
        "Partner Albania",
        "--type",
        "NGO",
        "--country",
        "AL",
        "--reference-prefix",
        "PA",
    ]);
    id.trim().to_string()
}

/// The records of an HTCDS JSON file, without the fields that name rows of
/// one database (ids, references, the assigned user), sorted.
fn comparable_records(path: &Path) -> Vec<serde_json::Map<String, Value>> {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(file["htcds_version"], "2.0");
    let mut records: Vec<serde_json::Map<String, Value>> = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            let mut record = record.as_object().unwrap().clone();
            for field in ["safepath_CaseId", "safepath_Reference", "cas_CaseOwner"] {
                record.remove(field);
            }
            record
        })
        .collect();
    records.sort_by_key(|record| Value::Object(record.clone()).to_string());
    records
}

fn export_json(db: &Db, organisation: &str, path: &Path) {
    run_ok(&[
        "--database-url",
        db.url(),
        "export",
        "htcds",
        "--org",
        organisation,
        "--format",
        "json",
        "--output",
        path.to_str().unwrap(),
    ]);
}

fn export_then_import_into_an_empty_database_gives_the_same_cases(source: Db) {
    let folder = tempfile::tempdir().unwrap();
    run_ok(&["--database-url", source.url(), "demo"]);
    // The demo organisation with children from the most populations.
    let organisation = source.query_string(
        "SELECT organisation_id FROM cases GROUP BY organisation_id ORDER BY COUNT(*) DESC, organisation_id LIMIT 1",
    );
    let exported_json = folder.path().join("cases.json");
    let exported_csv = folder.path().join("cases.csv");
    export_json(&source, &organisation, &exported_json);
    let out = run_ok(&[
        "--database-url",
        source.url(),
        "export",
        "htcds",
        "--org",
        &organisation,
        "--format",
        "csv",
        "--output",
        exported_csv.to_str().unwrap(),
    ]);
    assert!(out.contains("exported"), "{out}");
    let header = std::fs::read_to_string(&exported_csv).unwrap().lines().next().unwrap().to_string();
    for field in ["prs_FirstName", "prs_SecondName", "prs_Birthdate", "prs_Gender", "prs_Citizenship", "cas_Status"] {
        assert!(header.split(',').any(|column| column == field), "{field} missing from the CSV header");
    }
    let original = comparable_records(&exported_json);
    assert!(original.len() > 20, "the demo organisation holds cases");
    let scripts: std::collections::BTreeSet<String> = original
        .iter()
        .filter_map(|record| record.get("safepath_OtherNames"))
        .flat_map(|names| names.as_array().unwrap().iter().map(|n| n["script"].as_str().unwrap().to_string()))
        .collect();
    assert!(scripts.len() >= 2, "names in several scripts: {scripts:?}");

    for (format, file) in [("csv", &exported_csv), ("json", &exported_json)] {
        let target = match source.backend() {
            crate::support::Backend::Sqlite => Db::sqlite(),
            crate::support::Backend::Postgres => Db::postgres().unwrap(),
        };
        let into = empty_with_organisation(&target);
        let out = run_ok(&[
            "--database-url",
            target.url(),
            "import",
            "htcds",
            "--org",
            &into,
            "--input",
            file.to_str().unwrap(),
        ]);
        assert!(out.contains(&format!("imported {} cases", original.len())), "{format}: {out}");
        assert_eq!(count(&target, "cases"), original.len() as i64);

        let again = folder.path().join(format!("again-{format}.json"));
        export_json(&target, &into, &again);
        let imported = comparable_records(&again);
        assert_eq!(imported.len(), original.len());
        for (before, after) in original.iter().zip(&imported) {
            for (field, value) in before {
                assert_eq!(after.get(field), Some(value), "{format}: {field} differs after the round trip");
            }
            assert_eq!(before.len(), after.len(), "{format}: {after:?} has fields {before:?} lacks");
        }
        let references = target.query_string("SELECT MIN(reference) FROM cases");
        assert!(references.starts_with("PA-"), "imported cases get the importing organisation's references");
        assert!(stdout_of(&safepath(&["--database-url", target.url(), "audit", "verify"])).starts_with("OK"));
    }
}

/// Writes `n` demo children as an HTCDS file through the hidden sample command.
fn sample(folder: &Path, n: usize, format: &str) -> std::path::PathBuf {
    let path = folder.join(format!("sample-{n}.{format}"));
    run_ok(&[
        "export",
        "htcds-sample",
        "--cases",
        &n.to_string(),
        "--format",
        format,
        "--output",
        path.to_str().unwrap(),
    ]);
    path
}

fn one_bad_record_among_a_thousand_writes_nothing_and_is_named(db: Db) {
    let folder = tempfile::tempdir().unwrap();
    let organisation = empty_with_organisation(&db);
    let file = sample(folder.path(), 1_000, "csv");
    // Record 537 (line 538: the header is line 1) gets a sex outside HTCDS prs_Gender.
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1_001);
    let bad = &mut lines[537];
    let replaced = bad.replacen(",Feminine,", ",Female,", 1).replacen(",Masculine,", ",Male,", 1);
    assert_ne!(*bad, replaced);
    *bad = replaced;
    std::fs::write(&file, lines.join("\r\n") + "\r\n").unwrap();

    let (cases, identities, events) = (count(&db, "cases"), count(&db, "child_identities"), audit_events(&db));
    let args =
        ["--database-url", db.url(), "import", "htcds", "--org", &organisation, "--input", file.to_str().unwrap()];
    let output = safepath(&args);
    let err = assert_fails(&output, &args);
    assert!(err.contains("record 537 (line 538) [DEMO-"), "the bad record is named:\n{err}");
    assert!(err.contains("prs_Gender: must be one of: Feminine"), "with its field and reason:\n{err}");
    assert!(err.contains("1 of 1000 records"), "{err}");
    assert!(!err.contains("record 536 ") && !err.contains("record 538 "), "only the bad one is named:\n{err}");
    assert_eq!(count(&db, "cases"), cases, "nothing written");
    assert_eq!(count(&db, "child_identities"), identities);
    assert_eq!(audit_events(&db), events, "not even an audit event");

    // Fixed, the same file imports whole, with a progress bar and a summary.
    let fixed = text;
    std::fs::write(&file, fixed).unwrap();
    let out = run_ok(&args);
    assert!(out.contains("imported 1000 cases"), "{out}");
    assert_eq!(count(&db, "cases"), cases + 1_000);
}

#[test]
fn files_that_are_not_htcds_are_refused_whole() {
    let db = Db::sqlite();
    let folder = tempfile::tempdir().unwrap();
    let organisation = empty_with_organisation(&db);
    let json = sample(folder.path(), 3, "json");
    let text = std::fs::read_to_string(&json).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = folder.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let mut big = b"prs_FirstName,prs_Gender\r\n".to_vec();
    while big.len() < 1_200_000 {
        big.extend_from_slice(b"Ana,Feminine\r\n");
    }
    let files: Vec<(std::path::PathBuf, &[&str], &str)> = vec![
        (
            write("latin1.csv", b"prs_FirstName,prs_Gender\nJos\xe9,Masculine\n"),
            &[],
            "not UTF-8 text (invalid byte at line 2)",
        ),
        (write("header.csv", b"name,sex,age\nAna,F,12\n"), &[], "unknown columns \"name\", \"sex\", \"age\""),
        (write("big.csv", &big), &["--max-mib", "1"], "larger than the limit"),
        (write("truncated.json", &text.as_bytes()[..text.len() / 2]), &[], "not an HTCDS JSON file"),
        (
            write("truncated.csv", b"prs_FirstName,prs_Gender\n\"Ana,Feminine\n"),
            &[],
            "not closed (is the file truncated?)",
        ),
        (write("empty.csv", b""), &[], "holds no records"),
        (write("array.json", b"[{\"prs_FirstName\": \"Ana\"}]"), &[], "not an HTCDS JSON file"),
        (write("cases.txt", b"prs_FirstName\nAna\n"), &[], "give --format json or csv"),
    ];
    let before = audit_events(&db);
    for (path, extra, expected) in files {
        let mut args = vec!["--database-url", db.url(), "import", "htcds", "--org", &organisation, "--input"];
        args.push(path.to_str().unwrap());
        args.extend_from_slice(extra);
        let output = safepath(&args);
        let err = assert_fails(&output, &args);
        assert!(err.contains(expected), "{}: expected {expected:?} in:\n{err}", path.display());
    }
    assert_eq!(count(&db, "cases"), 0);
    assert_eq!(audit_events(&db), before, "a refused file writes nothing, not even an audit event");

    // A valid file with --dry-run writes nothing either; an export never overwrites.
    let out = run_ok(&[
        "--database-url",
        db.url(),
        "import",
        "htcds",
        "--org",
        &organisation,
        "--input",
        json.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(out.contains("3 records"), "{out}");
    assert_eq!(count(&db, "cases"), 0);
    let args = ["--database-url", db.url(), "export", "htcds", "--org", &organisation, "--format", "json", "--output"];
    let output = safepath(&[&args[..], &[json.to_str().unwrap()][..]].concat());
    assert!(assert_fails(&output, &args).contains("already exists"));
}

#[test]
fn export_and_import_explain_every_argument() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["export", "--help"], &["htcds"]),
        (&["export", "htcds", "--help"], &["--database-url", "--org", "--format", "--output", "json", "csv"]),
        (&["import", "--help"], &["htcds"]),
        (
            &["import", "htcds", "--help"],
            &["--database-url", "--org", "--input", "--format", "--assign-to", "--max-mib", "--dry-run"],
        ),
    ];
    for (args, expected) in cases {
        let out = run_ok(args);
        for needle in *expected {
            assert!(out.contains(needle), "safepath {args:?} does not mention {needle}:\n{out}");
        }
    }
    let output = safepath(&["export", "--help"]);
    assert!(!stdout_of(&output).contains("htcds-sample"), "the benchmark helper stays hidden");
}

fn one_case_over_http_as_htcds_json_and_csv(db: Db) {
    let folder = tempfile::tempdir().unwrap();
    let server = Server::start(&db, &["--demo"]);
    let (file, reference) = block_on(async {
        let client = reqwest::Client::new();
        let sign_in = |username: &'static str| {
            let client = client.clone();
            let url = server.url("/api/v1/session");
            async move {
                let body = serde_json::json!({ "username": username, "password": DEMO_PASSWORD });
                let session: Value = client.post(url).json(&body).send().await.unwrap().json().await.unwrap();
                session["token"].as_str().unwrap().to_string()
            }
        };
        let albania = sign_in("al.supervisor").await;
        let greece = sign_in("gr.supervisor").await;
        let page: Value = client
            .get(server.url("/api/v1/cases?per_page=1"))
            .bearer_auth(&albania)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = page["cases"][0]["id"].as_str().unwrap().to_string();
        let reference = page["cases"][0]["reference"].as_str().unwrap().to_string();

        let response =
            client.get(server.url(&format!("/api/v1/cases/{id}/htcds"))).bearer_auth(&albania).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let file: Value = response.json().await.unwrap();
        assert_eq!(file["htcds_version"], "2.0");
        assert_eq!(file["records"][0]["safepath_Reference"], reference.as_str());
        assert!(file["records"][0]["prs_FirstName"].is_string());

        let response = client
            .get(server.url(&format!("/api/v1/cases/{id}/htcds.csv")))
            .bearer_auth(&albania)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = response.text().await.unwrap();
        assert!(csv.starts_with("prs_Salutation,prs_FirstName,"), "{csv}");
        assert_eq!(csv.lines().count(), 2);

        // Another organisation's case is absent, as for a read; so is a bad id.
        for (token, path) in [
            (&greece, format!("/api/v1/cases/{id}/htcds")),
            (&greece, format!("/api/v1/cases/{id}/htcds.csv")),
            (&albania, "/api/v1/cases/not-an-id/htcds".to_string()),
        ] {
            let response = client.get(server.url(&path)).bearer_auth(token).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 404, "{path}");
        }
        let response = client.get(server.url(&format!("/api/v1/cases/{id}/htcds"))).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401);

        let document: Value =
            client.get(server.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
        for path in ["/api/v1/cases/{id}/htcds", "/api/v1/cases/{id}/htcds.csv"] {
            assert!(document["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
        }
        (file, reference)
    });
    drop(server);
    let reads = db
        .query_string("SELECT CAST(COUNT(*) AS TEXT) FROM audit_events WHERE action = 'case.read' AND outcome = 'ok'");
    assert_eq!(reads, "2", "each download is audited as a read");

    // The downloaded file imports as it is.
    let target = match db.backend() {
        crate::support::Backend::Sqlite => Db::sqlite(),
        crate::support::Backend::Postgres => Db::postgres().unwrap(),
    };
    let into = empty_with_organisation(&target);
    let path = folder.path().join("one.json");
    std::fs::write(&path, file.to_string()).unwrap();
    let out =
        run_ok(&["--database-url", target.url(), "import", "htcds", "--org", &into, "--input", path.to_str().unwrap()]);
    assert!(out.contains("imported 1 cases"), "{out}");
    assert!(!reference.starts_with("PA-"));
}
