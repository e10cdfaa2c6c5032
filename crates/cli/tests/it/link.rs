//! `safepath link`: deduplication and matching of CSV registers, keyed
//! Bloom-filter encodings, and every kind of bad file (a clear error, and no
//! output file at all).
//!
//! The hand-written registers are small; a model trained without labels
//! needs more pairs than a dozen records give, so they are mixed into a
//! synthetic background register (`safepath link synth`) as a register of a
//! real organisation would be mixed with its other children.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::support::{assert_fails, safepath, safepath_stdin, stderr_of, stdout_of};

/// Column order of `link synth`, which the hand-written rows follow.
const HEADER: &str = "id,given_name,family_name,other_names,sex,date_of_birth,estimated_age,registration_date,place,citizenship,mother_name,father_name,child_id,family_id";

/// Children as registers write them: Cyrillic and Devanagari, a swapped name
/// order, day and month swapped, a nickname, an estimated age, and twins.
const HAND_ROWS: &[&str] = &[
    "a1,Aleksandr,Petrov,,M,2012-03-04,,2024-01-10,Odesa,UA,Olga Petrova,Ivan Petrov,a,a",
    "a2,Александр,Петров,,м,2012-03-04,,2024-02-11,Одеса,,Ольга Петрова,,a,a",
    "a3,Petrov,Aleksandr,,M,2012-04-03,,2024-05-02,Odessa,,,Ivan Petrov,a,a",
    "b1,Lakshmi,Tamang,,F,2010-06-01,,2023-03-01,Kathmandu,NP,Sita Tamang,Ram Tamang,b,b",
    "b2,लक्ष्मी,तामाङ,,F,2010-06-01,,2023-04-01,काठमाडौं,,सीता तामाङ,,b,b",
    "b3,Laxmi,Tamang,,F,,14,2024-05-01,Kathmandu,,Sita Tamang,,b,b",
    "c1,Awa,Diallo,,F,2015-09-09,,2024-01-01,Conakry,GN,Mariam Diallo,Moussa Diallo,c,c",
    "c2,Bintou,Diallo,,F,2015-09-09,,2024-01-01,Conakry,GN,Mariam Diallo,Moussa Diallo,c2,c",
    "c3,Awa,Diallo,,F,2015-09-09,,2024-06-01,Conakry,,,Moussa Diallo,c,c",
    "d1,Mohammed,Rahman,,M,2011-02-02,,2022-01-01,Dhaka,BD,Salma Begum,Abdul Rahman,d,d",
    "d2,Md,Rahman,,M,2011-02-02,,2022-09-01,Dhaka,,Salma Begum,,d,d",
    "e1,Fatoumata,Camara,,F,2013-01-15,,2023-01-01,Bamako,ML,Hawa Keita,,e,e",
    "e2,Fatou,Camara,,F,2013-01-15,,2024-01-01,Bamako,,Hawa Keita,,e,e",
    "f1,Grace,Okafor,,F,2009-12-12,,2023-01-01,Lagos,NG,Rose Okafor,Peter Okafor,f,f",
    "h1,Ivan,Horvat,,M,2014-02-02,,2023-01-01,Zagreb,,Ana Horvat,Marko Horvat,h,h",
];

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The synthetic background register's data lines (no header).
fn background(folder: &Path, records: usize, seed: u64) -> Vec<String> {
    let file = folder.join(format!("background-{seed}.csv"));
    let output = safepath(&[
        "link",
        "synth",
        "--records",
        &records.to_string(),
        "--seed",
        &seed.to_string(),
        "--output",
        path_str(&file),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    lines.map(String::from).collect()
}

fn write_register(path: &Path, rows: &[String]) {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn hand(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| HAND_ROWS.iter().find(|r| r.starts_with(&format!("{id},"))).unwrap().to_string()).collect()
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path).unwrap().lines().map(|line| line.split(',').map(String::from).collect()).collect()
}

/// The files in a folder, sorted (to check nothing else was left behind).
fn files_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn dedupe_finds_the_same_child_across_scripts_and_keeps_twins_apart() {
    let folder = tempfile::tempdir().unwrap();
    let register = folder.path().join("register.csv");
    let clusters = folder.path().join("clusters.csv");
    let mut rows: Vec<String> = HAND_ROWS.iter().map(|r| r.to_string()).collect();
    rows.extend(background(folder.path(), 1_500, 5));
    write_register(&register, &rows);

    let output = safepath(&["link", "dedupe", "--input", path_str(&register), "--output", path_str(&clusters)]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let out = stdout_of(&output);
    assert!(out.contains(&format!("Deduplicated {} records", rows.len())), "{out}");
    assert!(out.contains("clusters:") && out.contains("candidate pairs compared"), "{out}");

    let table = read_csv(&clusters);
    assert_eq!(table[0], ["id", "cluster_id"]);
    assert_eq!(table.len(), rows.len() + 1, "one row per record");
    // Input order is kept.
    for (row, line) in table[1..].iter().zip(&rows) {
        assert!(line.starts_with(&format!("{},", row[0])));
    }
    let cluster: HashMap<&str, &str> = table[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    let same = |a: &str, b: &str| cluster[a] == cluster[b];
    assert!(same("a1", "a2"), "Aleksandr Petrov in Latin and Cyrillic");
    assert!(same("a1", "a3"), "family name written first, day and month swapped");
    assert!(same("b1", "b2"), "Lakshmi Tamang in Latin and Devanagari");
    assert!(same("b1", "b3"), "Laxmi with an estimated age");
    assert!(same("c1", "c3"));
    assert!(same("d1", "d2"), "Md for Mohammed");
    assert!(same("e1", "e2"), "Fatou for Fatoumata");
    assert!(!same("c1", "c2"), "the twins Awa and Bintou were merged");
    assert!(!same("c3", "c2"), "the twins Awa and Bintou were merged");
    for (a, b) in [("a1", "b1"), ("f1", "h1"), ("d1", "h1"), ("e1", "c1")] {
        assert!(!same(a, b), "{a} and {b} merged");
    }
    // Nothing but the input and the output in the folder.
    assert_eq!(files_in(folder.path()), ["clusters.csv", "register.csv"]);

    // The whole synthetic background: pairwise quality against its truth.
    let evaluate = safepath(&["link", "evaluate", "--clusters", path_str(&clusters), "--truth", path_str(&register)]);
    assert!(evaluate.status.success(), "{}", stderr_of(&evaluate));
    let report = stdout_of(&evaluate);
    let value = |name: &str| -> f64 {
        report.split(&format!("{name} ")).nth(1).and_then(|r| r.split_whitespace().next()).unwrap().parse().unwrap()
    };
    assert!(value("precision") >= 0.97, "{report}");
    assert!(value("recall") >= 0.9, "{report}");
}

#[test]
fn the_childs_own_document_number_tells_a_renamed_child_from_a_twin() {
    let folder = tempfile::tempdir().unwrap();
    let register = folder.path().join("register.csv");
    let clusters = folder.path().join("clusters.csv");
    // The background carries document numbers too (two records in three),
    // so that EM learns what an agreeing number is worth.
    let mut rows: Vec<String> = background(folder.path(), 1_500, 7)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let child = row.split(',').nth(12).unwrap().to_string();
            if i % 3 == 0 {
                format!("{row},")
            } else {
                format!("{row},N-{child}")
            }
        })
        .collect();
    // FEBRL's twin pattern (no sex, no parents): the same family name, date
    // of birth and place, wholly different given names. g2 is g1 registered
    // under another given name with the same document; g3 is a twin with a
    // document of their own (the next number).
    rows.extend([
        "g1,Joel,Tyner,,,2013-12-16,,2024-01-01,Yoogali,,,,g,g,AB 123456".to_string(),
        "g2,William,Tyner,,,2013-12-16,,2024-05-01,Yoogali,,,,g,g,ab-123456".to_string(),
        "g3,Jack,Tyner,,,2013-12-16,,2024-01-01,Yoogali,,,,g3,g,AB 123457".to_string(),
        "g4,Samuel,Tyner,,,2013-12-16,,2024-01-01,Yoogali,,,,g4,g,".to_string(),
        // g1 again, its number mistyped (two digits swapped): not a number
        // issued next to it, so the twins' rule does not hold it apart.
        "g5,Joel,Tyner,,,2013-12-16,,2025-02-01,Yoogali,,,,g,g,AB 124356".to_string(),
        // h2 is h1 under another given name with the same document and no
        // date of birth; h3 is a twin with the next number.
        "h1,Amina,Kebede,,,2015-03-02,,2024-01-01,Dessie,,,,h,h,ET 998877".to_string(),
        "h2,Hawi,Kebede,,,,,2024-06-01,Dessie,,,,h,h,ET-998877".to_string(),
        "h3,Selam,Kebede,,,2015-03-02,,2024-01-01,Dessie,,,,h3,h,ET 998878".to_string(),
    ]);
    let mut text = format!("{HEADER},id_number\n");
    for row in &rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(&register, text).unwrap();
    let output = safepath(&["link", "dedupe", "--input", path_str(&register), "--output", path_str(&clusters)]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let table = read_csv(&clusters);
    let cluster: HashMap<&str, &str> = table[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(cluster["g1"], cluster["g2"], "the same document, the same date of birth: one child");
    assert_eq!(cluster["g1"], cluster["g5"], "the same date of birth, the number mistyped: one child");
    for twin in ["g3", "g4"] {
        assert_ne!(cluster["g1"], cluster[twin], "{twin} is a twin");
    }
    assert_eq!(cluster["h1"], cluster["h2"], "the same document, no date to disagree: one child");
    assert_ne!(cluster["h1"], cluster["h3"], "h3 is a twin");
    // The columns are documented where the command is.
    let help = stdout_of(&safepath(&["link", "dedupe", "--help"]));
    assert!(help.contains("id_number") && help.contains("never a parent's"), "{help}");
}

#[test]
fn match_links_two_registers() {
    let folder = tempfile::tempdir().unwrap();
    let (left, right, pairs) =
        (folder.path().join("left.csv"), folder.path().join("right.csv"), folder.path().join("pairs.csv"));
    let background = background(folder.path(), 1_600, 9);
    let mut left_rows = hand(&["a1", "b1", "c1", "c2", "d1", "e1"]);
    left_rows.extend(background[..800].iter().cloned());
    let mut right_rows = hand(&["a2", "b3", "c3", "d2", "e2", "h1"]);
    right_rows.extend(background[800..].iter().cloned());
    write_register(&left, &left_rows);
    write_register(&right, &right_rows);

    let output = safepath(&[
        "link",
        "match",
        "--left",
        path_str(&left),
        "--right",
        path_str(&right),
        "--output",
        path_str(&pairs),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("linked pairs"), "{}", stdout_of(&output));
    let table = read_csv(&pairs);
    assert_eq!(table[0], ["left_id", "right_id", "probability"]);
    let found: Vec<(&str, &str)> = table[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    for pair in [("a1", "a2"), ("b1", "b3"), ("c1", "c3"), ("d1", "d2"), ("e1", "e2")] {
        assert!(found.contains(&pair), "{pair:?} not linked");
    }
    assert!(!found.contains(&("c2", "c3")), "a twin linked to her sister's record");
    assert!(!found.iter().any(|p| p.1 == "h1"), "Ivan Horvat is in one register only");
    for row in &table[1..] {
        let p: f64 = row[2].parse().unwrap();
        assert!((0.9..=1.0).contains(&p), "{row:?}");
    }
}

fn write_secret(folder: &Path) -> (PathBuf, &'static str) {
    let secret = "network secret of the Balkans route, 2026";
    let file = folder.join("secret.txt");
    std::fs::write(&file, format!("{secret}\n")).unwrap();
    (file, secret)
}

#[test]
fn encodings_match_across_organisations_without_names() {
    let folder = tempfile::tempdir().unwrap();
    let (ours, theirs) = (folder.path().join("ours.csv"), folder.path().join("theirs.csv"));
    write_register(&ours, &hand(&["a1", "b1", "c1", "f1"]));
    write_register(&theirs, &hand(&["a2", "b2", "c2", "h1"]));
    let (secret_file, secret) = write_secret(folder.path());
    let (ours_clk, theirs_clk) = (folder.path().join("ours.clk.csv"), folder.path().join("theirs.clk.csv"));

    let output = safepath(&[
        "link",
        "encode",
        "--input",
        path_str(&ours),
        "--output",
        path_str(&ours_clk),
        "--secret-file",
        path_str(&secret_file),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(!stdout_of(&output).contains(secret) && !stderr_of(&output).contains(secret));
    // The other organisation passes the secret on standard input.
    let output = safepath_stdin(
        &["link", "encode", "--input", path_str(&theirs), "--output", path_str(&theirs_clk), "--secret-file", "-"],
        &format!("{secret}\n"),
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(!stdout_of(&output).contains(secret) && !stderr_of(&output).contains(secret));
    let encoded = std::fs::read_to_string(&theirs_clk).unwrap();
    assert!(encoded.starts_with("id,clk\n"), "{encoded}");
    for name in ["Александр", "Petrov", "Bintou", "Diallo", "Horvat"] {
        assert!(!encoded.contains(name), "an encoding file holds the name {name}");
    }

    // `match-encodings` of the two files into `output`, with `extra` options.
    let match_encodings = |output: &Path, extra: &[&str]| {
        let mut args = vec!["link", "match-encodings", "--left", path_str(&ours_clk), "--right", path_str(&theirs_clk)];
        args.extend(["--output", path_str(output)]);
        args.extend(extra);
        let result = safepath(&args);
        assert!(result.status.success(), "{}", stderr_of(&result));
        stdout_of(&result)
    };
    let matches = folder.path().join("matches.csv");
    let stdout = match_encodings(&matches, &[]);
    assert!(stdout.contains("pairs decided: "), "{stdout}");
    let table = read_csv(&matches);
    assert_eq!(table[0], ["left_id", "right_id", "dice"]);
    let found: Vec<(&str, &str)> = table[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert!(found.contains(&("a1", "a2")), "{found:?}");
    assert!(!found.contains(&("c1", "c2")), "twins matched: {found:?}");
    assert!(!found.iter().any(|p| p.0 == "f1" || p.1 == "h1"), "{found:?}");
    // With LSH blocking on top (many samples): the same links here.
    let lsh_matches = folder.path().join("lsh-matches.csv");
    match_encodings(&lsh_matches, &["--lsh-tables", "90", "--lsh-bits", "16"]);
    assert_eq!(read_csv(&lsh_matches), table);
    // The parameters of the size rule (a few records: 8 bits, 30 samples).
    let stdout = match_encodings(&lsh_matches, &["--lsh"]);
    assert!(stdout.contains("LSH blocking: 30 samples of 8 bits"), "{stdout}");
    assert_eq!(read_csv(&lsh_matches), table);

    // Another secret: nothing in common.
    let other_secret = folder.path().join("other.txt");
    std::fs::write(&other_secret, "a different network's secret!!").unwrap();
    let other_clk = folder.path().join("other.clk.csv");
    let output = safepath(&[
        "link",
        "encode",
        "--input",
        path_str(&theirs),
        "--output",
        path_str(&other_clk),
        "--secret-file",
        path_str(&other_secret),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let output = safepath(&[
        "link",
        "match-encodings",
        "--left",
        path_str(&ours_clk),
        "--right",
        path_str(&other_clk),
        "--output",
        path_str(&matches),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(read_csv(&matches).len(), 1, "encodings under different secrets matched");
}

#[test]
fn the_secret_is_never_taken_from_the_command_line_or_printed() {
    let folder = tempfile::tempdir().unwrap();
    let register = folder.path().join("r.csv");
    write_register(&register, &hand(&["a1"]));
    let out = folder.path().join("out.csv");
    let output = safepath(&[
        "link",
        "encode",
        "--input",
        path_str(&register),
        "--output",
        path_str(&out),
        "--secret",
        "network secret on the command line",
    ]);
    assert!(!output.status.success());
    assert!(!out.exists());
    // Too short: the error gives the length, not the secret.
    let output = safepath_stdin(
        &["link", "encode", "--input", path_str(&register), "--output", path_str(&out), "--secret-file", "-"],
        "shortsecret",
    );
    let err = assert_fails(&output, &["encode with a short secret"]);
    assert!(err.contains("at least 16 bytes"), "{err}");
    assert!(!err.contains("shortsecret"), "{err}");
    assert!(!out.exists());
    let missing = folder.path().join("no-such-secret");
    let output = safepath(&[
        "link",
        "encode",
        "--input",
        path_str(&register),
        "--output",
        path_str(&out),
        "--secret-file",
        path_str(&missing),
    ]);
    assert!(assert_fails(&output, &["encode with a missing secret file"]).contains("cannot read the secret file"));
    assert!(!out.exists());
}

/// A bad file: the command fails, says what and where, and leaves no output
/// (and no temporary file) behind.
fn assert_refused(args: &[&str], folder: &Path, output: &Path, expected: &[&str]) {
    let before = files_in(folder);
    let result = safepath(args);
    let err = assert_fails(&result, args);
    for needle in expected {
        assert!(err.contains(needle), "{args:?}: expected {needle:?} in:\n{err}");
    }
    assert!(!output.exists(), "{args:?} wrote {}", output.display());
    assert_eq!(files_in(folder), before, "{args:?} left files behind");
}

#[test]
fn bad_registers_are_refused_with_nothing_written() {
    let folder = tempfile::tempdir().unwrap();
    let good = folder.path().join("good.csv");
    write_register(&good, &hand(&["a1", "a2", "b1"]));
    let long_name = "x".repeat(5_000);
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "latin1",
            b"id,given_name,family_name\n1,Ana,Silva\n2,Jos\xe9,Nu\xf1ez\n".to_vec(),
            vec!["line 3", "given_name", "not valid UTF-8", "byte 4", "0xe9"],
        ),
        ("utf16", b"\xff\xfei\x00d\x00\n\x00".to_vec(), vec!["line 1", "not valid UTF-8"]),
        (
            "no_id",
            "given_name,family_name\nAna,Silva\n".as_bytes().to_vec(),
            vec!["no `id` column", "given_name, family_name"],
        ),
        (
            "duplicate_id",
            "id,given_name\n7,Ana\n8,Olga\n7,Grace\n".as_bytes().to_vec(),
            vec!["line 4", "id `7` is already used on line 2"],
        ),
        ("empty_id", "id,given_name\n1,Ana\n ,Olga\n".as_bytes().to_vec(), vec!["line 3", "the id is empty"]),
        (
            "ragged",
            "id,given_name,family_name\n1,Ana,Silva\n2,Olga\n".as_bytes().to_vec(),
            vec!["line 3 has 2 fields but the header has 3"],
        ),
        (
            "oversized",
            format!("id,given_name\n1,Ana\n2,{long_name}\n").into_bytes(),
            vec!["line 3", "given_name", "5000 bytes", "limit"],
        ),
        (
            "unclosed_quote",
            format!("id,given_name\n1,\"Ana\n2,{long_name}\n").into_bytes(),
            vec!["given_name", "bytes", "limit"],
        ),
        ("twice", "id,given_name,Given_Name\n1,Ana,Anna\n".as_bytes().to_vec(), vec!["column `given_name` twice"]),
    ];
    for (name, content, expected) in &cases {
        let input = folder.path().join(format!("{name}.csv"));
        std::fs::write(&input, content).unwrap();
        let output = folder.path().join("clusters.csv");
        assert_refused(
            &["link", "dedupe", "--input", path_str(&input), "--output", path_str(&output)],
            folder.path(),
            &output,
            expected,
        );
        // The same file on either side of a match.
        let pairs = folder.path().join("pairs.csv");
        for (l, r) in [(&input, &good), (&good, &input)] {
            assert_refused(
                &["link", "match", "--left", path_str(l), "--right", path_str(r), "--output", path_str(&pairs)],
                folder.path(),
                &pairs,
                expected,
            );
        }
        let (secret, _) = write_secret(folder.path());
        let encoded = folder.path().join("encoded.csv");
        assert_refused(
            &[
                "link",
                "encode",
                "--input",
                path_str(&input),
                "--output",
                path_str(&encoded),
                "--secret-file",
                path_str(&secret),
            ],
            folder.path(),
            &encoded,
            expected,
        );
    }
    let missing = folder.path().join("missing.csv");
    let output = folder.path().join("clusters.csv");
    assert_refused(
        &["link", "dedupe", "--input", path_str(&missing), "--output", path_str(&output)],
        folder.path(),
        &output,
        &["cannot open", "missing.csv"],
    );
    // An output in a folder that does not exist: refused, nothing created.
    let nowhere = folder.path().join("no-such-folder").join("clusters.csv");
    assert_refused(
        &["link", "dedupe", "--input", path_str(&good), "--output", path_str(&nowhere)],
        folder.path(),
        &nowhere,
        &["cannot write in"],
    );
    let bad_threshold = folder.path().join("t.csv");
    assert_refused(
        &["link", "dedupe", "--input", path_str(&good), "--output", path_str(&bad_threshold), "--threshold", "1.5"],
        folder.path(),
        &bad_threshold,
        &["--threshold"],
    );
}

#[test]
fn bad_encoding_files_are_refused_with_nothing_written() {
    let folder = tempfile::tempdir().unwrap();
    let register = folder.path().join("r.csv");
    write_register(&register, &hand(&["a1", "b1"]));
    let (secret, _) = write_secret(folder.path());
    let good = folder.path().join("good.clk.csv");
    let output = safepath(&[
        "link",
        "encode",
        "--input",
        path_str(&register),
        "--output",
        path_str(&good),
        "--secret-file",
        path_str(&secret),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let first_clk = read_csv(&good)[1][1].clone();
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("not_base64", format!("id,clk\n1,{first_clk}\n2,not*base64\n"), vec!["line 3", "invalid character"]),
        ("no_clk", format!("id,clk\n1,{first_clk}\n2,\n"), vec!["line 3", "no `clk` value"]),
        ("short", format!("id,clk\n1,{first_clk}\n2,AAAAAAAAAAA=\n"), vec!["line 3", "64 bits, expected 1024"]),
        ("duplicate", format!("id,clk\n1,{first_clk}\n1,{first_clk}\n"), vec!["already used on line 2"]),
        ("no_id", format!("clk\n{first_clk}\n"), vec!["no `id` column"]),
    ];
    for (name, content, expected) in &cases {
        let bad = folder.path().join(format!("{name}.clk.csv"));
        std::fs::write(&bad, content).unwrap();
        let matches = folder.path().join("matches.csv");
        assert_refused(
            &[
                "link",
                "match-encodings",
                "--left",
                path_str(&good),
                "--right",
                path_str(&bad),
                "--output",
                path_str(&matches),
            ],
            folder.path(),
            &matches,
            expected,
        );
    }
    let matches = folder.path().join("matches.csv");
    for (tables, bits) in [("0", "16"), ("10", "0"), ("10", "65")] {
        let args = [
            "link",
            "match-encodings",
            "--left",
            path_str(&good),
            "--right",
            path_str(&good),
            "--output",
            path_str(&matches),
            "--lsh-tables",
            tables,
            "--lsh-bits",
            bits,
        ];
        assert_refused(&args, folder.path(), &matches, &["LSH blocking needs 1..=64 bits per table"]);
    }
}

#[test]
fn synth_is_reproducible_and_evaluate_checks_ids() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (folder.path().join("a.csv"), folder.path().join("b.csv"));
    for file in [&a, &b] {
        let output = safepath(&["link", "synth", "--records", "300", "--seed", "11", "--output", path_str(file)]);
        assert!(output.status.success(), "{}", stderr_of(&output));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text.lines().count(), 301);
    // A clustering that puts every record alone: precision 1 (nothing claimed), recall 0.
    let clusters = folder.path().join("clusters.csv");
    let mut alone = String::from("id,cluster_id\n");
    for (i, line) in text.lines().skip(1).enumerate() {
        alone.push_str(&format!("{},{i}\n", line.split(',').next().unwrap()));
    }
    std::fs::write(&clusters, &alone).unwrap();
    let output = safepath(&["link", "evaluate", "--clusters", path_str(&clusters), "--truth", path_str(&a)]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("precision 1.0000 recall 0.0000"), "{}", stdout_of(&output));
    std::fs::write(&clusters, format!("{alone}unknown,1\n")).unwrap();
    let output = safepath(&["link", "evaluate", "--clusters", path_str(&clusters), "--truth", path_str(&a)]);
    assert!(assert_fails(&output, &["evaluate with an unknown id"]).contains("id `unknown` is not in the truth file"));
}
