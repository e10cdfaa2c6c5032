//! Privacy-preserving matching with CLKs: determinism under one secret,
//! unrelated encodings under another, tolerance to spelling and script, the
//! text form, lossless popcount blocking and the one-to-one assignment.

use chrono::NaiveDate;
use proptest::prelude::*;
use safepath_linkage::clk::{
    candidate_pairs, dice, match_encodings, match_encodings_with, notices, ClkError, ClkRecord, Encoder, Encoding,
    LshBlocking, MatchOptions, DEFAULT_THRESHOLD,
};

const SECRET: &[u8] = b"network secret shared by the NGOs of one network";
const OTHER_SECRET: &[u8] = b"a different network's secret, 32+";

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn record<'a>(id: &'a str, given: &'a str, family: &'a str, dob: Option<NaiveDate>, place: &'a str) -> ClkRecord<'a> {
    ClkRecord {
        id,
        given_name: Some(given),
        family_name: Some(family),
        sex: Some("M"),
        date_of_birth: dob,
        place: Some(place),
    }
}

fn encoder(secret: &[u8]) -> Encoder {
    Encoder::with_secret(secret).unwrap()
}

fn aleksandr() -> ClkRecord<'static> {
    record("a1", "Aleksandr", "Petrov", date(2011, 3, 14), "Odesa")
}

#[test]
fn same_input_and_secret_give_identical_encodings() {
    let first = encoder(SECRET).encode(&aleksandr());
    let second = encoder(SECRET).encode(&aleksandr());
    assert_eq!(first, second);
    assert_eq!(first.len_bits(), 1024);
    let bits = first.popcount();
    assert!((150..700).contains(&bits), "{bits} bits set");
}

#[test]
fn different_secret_gives_unrelated_encodings() {
    let ours = encoder(SECRET).encode(&aleksandr());
    let theirs = encoder(OTHER_SECRET).encode(&aleksandr());
    let score = dice(&ours, &theirs).unwrap();
    assert!(score < 0.6, "Dice {score} under different secrets");
    // About what two random filters of this density share.
    let density = f64::from(ours.popcount()) / 1024.0;
    assert!((score - density).abs() < 0.15, "Dice {score}, density {density}");
}

#[test]
fn name_variants_across_scripts_score_high() {
    let enc = encoder(SECRET);
    let latin = enc.encode(&aleksandr());
    let pairs = [
        record("c", "Александр", "Петров", date(2011, 3, 14), "Одеса"),
        record("c", "ALEKSANDR", "PETROV", date(2011, 3, 14), "Odesa"),
        record("c", "Aleksander", "Petrov", date(2011, 3, 14), "Odessa"),
        record("c", "Aleksandr", "Petrov", date(2011, 3, 15), "Odesa"),
    ];
    for other in pairs {
        let score = dice(&latin, &enc.encode(&other)).unwrap();
        assert!(score >= DEFAULT_THRESHOLD, "{other:?}: Dice {score}");
    }
    let cyrillic = enc.encode(&pairs[0]);
    assert_eq!(dice(&latin, &cyrillic).unwrap(), 1.0, "folding makes the scripts agree exactly");
}

#[test]
fn different_children_score_low() {
    let enc = encoder(SECRET);
    let a = enc.encode(&aleksandr());
    let others = [
        record("x", "Fatoumata", "Diallo", date(2009, 7, 2), "Conakry"),
        record("x", "Ivan", "Petrov", date(2013, 11, 30), "Odesa"),
        record("x", "Lakshmi", "Tamang", date(2011, 3, 14), "Kathmandu"),
        record("x", "Dmitri", "Petrov", date(2011, 3, 14), "Odesa"),
    ];
    for other in others {
        let score = dice(&a, &enc.encode(&other)).unwrap();
        assert!(score < DEFAULT_THRESHOLD, "{other:?}: Dice {score}");
    }
}

#[test]
fn missing_fields_set_no_bits() {
    let enc = encoder(SECRET);
    let empty = enc.encode(&ClkRecord { id: "e", ..ClkRecord::default() });
    assert_eq!(empty.popcount(), 0);
    let only_name = enc.encode(&ClkRecord { id: "n", given_name: Some("Aleksandr"), ..ClkRecord::default() });
    assert!(only_name.popcount() > 0);
    let blank = enc.encode(&ClkRecord { id: "b", given_name: Some(" ;-) "), ..ClkRecord::default() });
    assert_eq!(blank.popcount(), 0);
}

#[test]
fn text_form_round_trips() {
    let e = encoder(SECRET).encode(&aleksandr());
    let text = e.to_text();
    assert_eq!(text.len(), 172, "1024 bits = 128 bytes = 172 base64 characters");
    assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
    assert_eq!(Encoding::from_text("a1", &text).unwrap(), e);
    assert_eq!(Encoding::from_text("a1", &format!("  {text}\n")).unwrap(), e);
    assert_eq!(Encoding::from_text_expecting("a1", &text, 1024).unwrap(), e);
    let short = Encoding { id: "s".into(), bits: vec![u64::MAX, 0x8000_0000_0000_0001] };
    assert_eq!(Encoding::from_text("s", &short.to_text()).unwrap(), short);
}

/// Whether an error is the expected one.
type ErrorCheck = fn(&ClkError) -> bool;

#[test]
fn bad_text_forms_are_rejected_with_clear_errors() {
    let text = encoder(SECRET).encode(&aleksandr()).to_text();
    let cases: Vec<(String, ErrorCheck)> = vec![
        (String::new(), |e| matches!(e, ClkError::BadTextLength { chars: 0 })),
        (text[..text.len() - 4].to_string(), |e| matches!(e, ClkError::UnsupportedLength { bits: 1008 })),
        (text[..text.len() - 1].to_string(), |e| matches!(e, ClkError::BadTextLength { chars: 171 })),
        (text.replacen(&text[..1], "!", 1), |e| matches!(e, ClkError::BadCharacter { position: 0, character: '!' })),
        (format!("{}é{}", &text[..10], &text[11..]), |e| {
            matches!(e, ClkError::BadCharacter { position: 10, character: 'é' })
        }),
        ("00ff".repeat(43), |e| matches!(e, ClkError::UnsupportedLength { .. })),
        ("a,b".to_string(), |e| matches!(e, ClkError::BadCharacter { position: 1, character: ',' })),
        ("A".repeat(100_000), |e| matches!(e, ClkError::UnsupportedLength { .. })),
    ];
    for (input, expected) in cases {
        let err = Encoding::from_text("x", &input).unwrap_err();
        assert!(expected(&err), "{input:.40}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
    let small = Encoding { id: "s".into(), bits: vec![1; 8] }.to_text();
    assert_eq!(
        Encoding::from_text_expecting("s", &small, 1024).unwrap_err(),
        ClkError::WrongLength { expected: 1024, found: 512 }
    );
}

#[test]
fn one_to_one_assignment_takes_highest_scores_first() {
    // Hand-made 64-bit filters with known Dice coefficients.
    let e = |id: &str, w: u64| Encoding { id: id.into(), bits: vec![w] };
    let full = 0xFFFF; // 16 bits
    let left = [e("L1", full), e("L2", 0xFFFE)];
    // R1 is the exact twin of L1 (1.0) and close to L2 (2·15/31 ≈ 0.968);
    // R2 is close to both (L1: 2·14/30 ≈ 0.933, L2: 2·14/29 ≈ 0.966).
    let right = [e("R1", full), e("R2", 0xFFFE & !0x8)];
    let links = match_encodings(&left, &right, 0.9).unwrap();
    let got: Vec<(&str, &str)> = links.iter().map(|l| (l.left_id.as_str(), l.right_id.as_str())).collect();
    assert_eq!(got, [("L1", "R1"), ("L2", "R2")]);
    assert_eq!(links[0].score, 1.0);
    assert!((links[1].score - 28.0 / 29.0).abs() < 1e-12);
    // Above L2–R2's score only the exact pair remains.
    assert_eq!(match_encodings(&left, &right, 0.97).unwrap().len(), 1);
    // The notices carry ids and organisations only.
    let (ours, theirs) = notices(&links, "Org A", "Org B");
    assert_eq!(ours[0].your_record, "L1");
    assert_eq!(ours[0].their_record, "R1");
    assert_eq!(ours[0].their_organisation, "Org B");
    assert_eq!(theirs[1].your_record, "R2");
    assert_eq!(theirs[1].their_organisation, "Org A");
    assert_eq!(
        theirs[1].to_string(),
        "a child in your care (record R2) may be the same child as record L2 of organisation Org A"
    );
}

#[test]
fn registers_link_the_same_children() {
    let enc = encoder(SECRET);
    let left: Vec<Encoding> = [
        record("A-1", "Aleksandr", "Petrov", date(2011, 3, 14), "Odesa"),
        record("A-2", "Fatoumata", "Diallo", date(2009, 7, 2), "Conakry"),
        record("A-3", "Lakshmi", "Tamang", date(2012, 1, 5), "Sindhupalchok"),
    ]
    .iter()
    .map(|r| enc.encode(r))
    .collect();
    let right: Vec<Encoding> = [
        record("B-9", "Laxmi", "Tamang", date(2012, 1, 5), "Sindhupalchok"),
        record("B-7", "Александр", "Петров", date(2011, 3, 14), "Одеса"),
        record("B-8", "Ivan", "Sidorov", date(2010, 5, 5), "Kyiv"),
    ]
    .iter()
    .map(|r| enc.encode(r))
    .collect();
    let mut got: Vec<(String, String)> = match_encodings(&left, &right, DEFAULT_THRESHOLD)
        .unwrap()
        .into_iter()
        .map(|l| (l.left_id, l.right_id))
        .collect();
    got.sort();
    assert_eq!(got, [("A-1".to_string(), "B-7".to_string()), ("A-3".to_string(), "B-9".to_string())]);
}

#[test]
fn bad_arguments_are_errors() {
    let a = Encoding { id: "a".into(), bits: vec![1; 16] };
    let b = Encoding { id: "b".into(), bits: vec![1; 8] };
    assert!(matches!(
        match_encodings(std::slice::from_ref(&a), std::slice::from_ref(&b), 0.8),
        Err(ClkError::MixedLengths { .. })
    ));
    assert!(matches!(dice(&a, &b), Err(ClkError::MixedLengths { .. })));
    for t in [0.0, -1.0, 1.5, f64::NAN] {
        assert!(matches!(
            match_encodings(std::slice::from_ref(&a), std::slice::from_ref(&a), t),
            Err(ClkError::BadThreshold(_))
        ));
    }
    assert!(match_encodings(&[], &[a], 0.8).unwrap().is_empty());
    assert!(Encoder::with_secret(b"too short").is_err());
}

/// All pairs at or above `t`, by brute force.
fn brute_force(left: &[Encoding], right: &[Encoding], t: f64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, a) in left.iter().enumerate() {
        for (j, b) in right.iter().enumerate() {
            if dice(a, b).unwrap() >= t {
                out.push((i, j));
            }
        }
    }
    out
}

/// Random filters of 128 bits with widely varying densities, plus noisy
/// copies of some left filters on the right so that pairs above the
/// threshold exist.
fn filter_sets() -> impl Strategy<Value = (Vec<Encoding>, Vec<Encoding>, f64)> {
    let words = prop::collection::vec(prop::array::uniform2(any::<u64>()), 1..12);
    let masks = prop::collection::vec((0u32..4, any::<u64>(), any::<u64>()), 1..12);
    (words, masks, 0.3f64..1.0).prop_map(|(words, masks, t)| {
        let left: Vec<Encoding> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                // Thin some filters out so popcounts spread over the range.
                let shift = (i % 4) as u32;
                let bits = w.iter().map(|x| (0..shift).fold(*x, |acc, _| acc & acc.rotate_left(7 + shift))).collect();
                Encoding { id: format!("l{i}"), bits }
            })
            .collect();
        let right = masks
            .iter()
            .enumerate()
            .map(|(j, (how, m1, m2))| {
                let base = &left[j % left.len()].bits;
                let bits = match how {
                    0 => vec![*m1, *m2],
                    1 => vec![base[0] ^ (m1 & m2 & m1.rotate_left(3)), base[1]],
                    2 => vec![base[0] & (m1 | m2), base[1] | (m1 & m2 & m2.rotate_left(5))],
                    _ => base.clone(),
                };
                Encoding { id: format!("r{j}"), bits }
            })
            .collect();
        (left, right, t)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The popcount filter never drops a pair at or above the threshold: with
    /// a huge "candidates" count and every best pair found, the greedy
    /// assignment over the blocked pairs equals the one over all pairs.
    #[test]
    fn popcount_blocking_is_lossless((left, right, t) in filter_sets()) {
        let outcome = match_encodings_with(&left, &right, &MatchOptions { threshold: t, ..MatchOptions::default() })
            .unwrap();
        let all = brute_force(&left, &right, t);
        prop_assert_eq!(outcome.candidates, all.len());
        prop_assert!(outcome.comparisons <= (left.len() * right.len()) as u64);
        // The greedy assignment over all brute-force pairs gives the same links.
        let mut pairs: Vec<(f64, usize, usize)> =
            all.iter().map(|&(i, j)| (dice(&left[i], &right[j]).unwrap(), i, j)).collect();
        pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
        let (mut lu, mut ru) = (vec![false; left.len()], vec![false; right.len()]);
        let mut expected = Vec::new();
        for (s, i, j) in pairs {
            if !lu[i] && !ru[j] {
                lu[i] = true;
                ru[j] = true;
                expected.push((left[i].id.clone(), right[j].id.clone(), s));
            }
        }
        let got: Vec<_> = outcome.links.into_iter().map(|l| (l.left_id, l.right_id, l.score)).collect();
        prop_assert_eq!(got, expected);
    }

    /// The exhaustive candidate pairs are exactly the brute-force pairs, with
    /// their scores; threads change nothing.
    #[test]
    fn exhaustive_candidates_are_all_pairs_above_the_threshold((left, right, t) in filter_sets()) {
        let base = MatchOptions { threshold: t, ..MatchOptions::default() };
        let got = candidate_pairs(&left, &right, &base).unwrap();
        let mut pairs: Vec<(usize, usize)> = got.pairs.iter().map(|p| (p.1 as usize, p.2 as usize)).collect();
        pairs.sort_unstable();
        prop_assert_eq!(pairs, brute_force(&left, &right, t));
        for &(s, i, j) in &got.pairs {
            prop_assert_eq!(s, dice(&left[i as usize], &right[j as usize]).unwrap());
        }
        prop_assert_eq!(&candidate_pairs(&left, &right, &MatchOptions { threads: 3, ..base }).unwrap(), &got);
    }

    /// LSH candidates: never a pair below the threshold, never a pair twice,
    /// a subset of the exhaustive ones, every pair of identical filters (they
    /// collide in every table), and the same whatever the thread count.
    #[test]
    fn lsh_candidates_are_sound((left, right, t) in filter_sets(), tables in 1usize..6, bits in 1usize..20, seed in any::<u64>()) {
        let base = MatchOptions { threshold: t, ..MatchOptions::default() };
        let all = brute_force(&left, &right, t);
        let lsh = MatchOptions { lsh: Some(LshBlocking { tables, bits, seed }), ..base };
        let got = candidate_pairs(&left, &right, &lsh).unwrap();
        let mut pairs: Vec<(usize, usize)> = got.pairs.iter().map(|p| (p.1 as usize, p.2 as usize)).collect();
        pairs.sort_unstable();
        let before = pairs.len();
        pairs.dedup();
        prop_assert_eq!(before, pairs.len());
        for p in &pairs {
            prop_assert!(all.binary_search(p).is_ok());
        }
        for &(i, j) in &all {
            if left[i].bits == right[j].bits {
                prop_assert!(pairs.binary_search(&(i, j)).is_ok());
            }
        }
        for &(s, i, j) in &got.pairs {
            prop_assert!(s >= t);
            prop_assert_eq!(s, dice(&left[i as usize], &right[j as usize]).unwrap());
        }
        // The comparison count may differ (a pair found by one thread is not
        // known to the other), the pairs may not.
        prop_assert_eq!(&candidate_pairs(&left, &right, &MatchOptions { threads: 2, ..lsh }).unwrap().pairs, &got.pairs);
        let outcome = match_encodings_with(&left, &right, &lsh).unwrap();
        prop_assert_eq!(outcome.candidates, got.pairs.len());
    }
}

#[test]
fn lsh_with_many_tables_finds_near_duplicates() {
    let enc = encoder(SECRET);
    let left = vec![enc.encode(&aleksandr())];
    let right = vec![enc.encode(&record("b", "Aleksander", "Petrov", date(2011, 3, 14), "Odesa"))];
    let options = MatchOptions { lsh: Some(LshBlocking { tables: 64, bits: 8, seed: 1 }), ..MatchOptions::default() };
    assert_eq!(match_encodings_with(&left, &right, &options).unwrap().links.len(), 1);
}

#[test]
fn lsh_size_rule_keeps_the_reference_and_grows_with_the_registers() {
    let rule = |l, r| {
        let b = LshBlocking::for_sizes(l, r, 7);
        (b.bits, b.tables)
    };
    // The reference: FEBRL4's 5,000 × 5,000, where 16 × 90 loses nothing.
    assert_eq!(rule(5_000, 5_000), (16, 90));
    assert_eq!(rule(50_000, 50_000), (20, 158));
    assert_eq!(rule(49_986, 50_014), (20, 158));
    assert_eq!(rule(1_000_000, 1_000_000), (27, 417));
    // Bounds: tiny or empty registers, and a huge one on one side.
    assert_eq!(rule(0, 0), (8, 30));
    assert_eq!(rule(1, 10_000_000), (8, 30));
    let (bits, tables) = rule(usize::MAX / 2, usize::MAX / 2);
    assert!(bits <= 32 && tables <= 1024, "{bits} {tables}");
    // Symmetric, never fewer bits or tables for larger registers, and the
    // seed passed through.
    let mut last = (0, 0);
    for n in [10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000] {
        assert_eq!(rule(n, 3 * n), rule(3 * n, n));
        let now = rule(n, n);
        assert!(now.0 >= last.0 && now.1 >= last.1, "{n}: {now:?} after {last:?}");
        last = now;
    }
    assert_eq!(LshBlocking::for_sizes(10, 10, 99).seed, 99);
}
