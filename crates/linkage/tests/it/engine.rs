//! The linkage engine: comparison levels on tables of real-world variants,
//! blocking, EM, explanations, and a synthetic register with known
//! duplicates, siblings and twins.

use chrono::NaiveDate;
use safepath_linkage::engine::block::{dedupe_candidates, link_candidates, BlockingRule, DEFAULT_RULES};
use safepath_linkage::engine::compare::{
    compare, date_level, name_level, token_set_similarity, Vector, FIELDS, FIELD_COUNT, MISSING,
};
use safepath_linkage::engine::model::{count_vectors, estimate_u, Model};
use safepath_linkage::engine::record::{PartialDate, Prepared, PreparedName, Record};
use safepath_linkage::engine::{dedupe, explain, link, Settings};
use safepath_linkage::variants::default_variants;

fn name(s: &str) -> PreparedName {
    PreparedName::new(Some(s), default_variants())
}

fn date(y: i32, m: u32, d: u32) -> Option<PartialDate> {
    NaiveDate::from_ymd_opt(y, m, d).map(PartialDate::full)
}

fn prepared(r: &Record) -> Prepared {
    Prepared::new(r, default_variants())
}

#[test]
fn name_levels_on_real_world_variants() {
    for (a, b, at_most) in [
        ("Mohammed", "Muhammad", 1),
        ("Mohammed", "Md.", 1),
        ("Aleksandr", "Александр", 1),
        ("Lakshmi", "Laxmi", 1),
        ("Fatoumata", "Fatou", 1),
        ("Abdul Rahman", "Abdulrahman", 0),
        ("Jean-Pierre", "Jean Pierre", 0),
        ("José", "JOSE", 0),
        ("Ali Hassan", "Hassan Ali", 0),
        ("Catherine", "Cathrine", 2),
    ] {
        let level = name_level(&name(a), &name(b));
        assert!(level <= at_most, "{a} / {b}: level {level}");
        assert_eq!(level, name_level(&name(b), &name(a)), "{a} / {b} not symmetric");
    }
    for (a, b) in [("Amina", "Olga"), ("Mohammed", "Fatoumata"), ("Yusuf", "Grace")] {
        assert_eq!(name_level(&name(a), &name(b)), 4, "{a} / {b}");
    }
    assert_eq!(name_level(&name(""), &name("Ali")), MISSING);
    assert!(token_set_similarity(&["ali".into(), "hassan".into()], &["hassan".into(), "ali".into()]) > 0.999);
}

#[test]
fn swapped_given_and_family_names_agree() {
    let a = Record {
        id: "a".into(),
        given_name: Some("Nguyen".into()),
        family_name: Some("Thi Lan".into()),
        ..Record::default()
    };
    let b =
        Record { id: "b".into(), given_name: Some("Thi Lan".into()), family_name: Some("Nguyen".into()), ..a.clone() };
    let v = compare(&prepared(&a), &prepared(&b));
    assert_eq!((v[0], v[1]), (0, 0));
}

#[test]
fn date_levels() {
    let with = |dob: Option<PartialDate>, age: Option<u8>| {
        prepared(&Record {
            id: "x".into(),
            date_of_birth: dob,
            estimated_age: age,
            registration_date: NaiveDate::from_ymd_opt(2024, 3, 1),
            ..Record::default()
        })
    };
    let d = |dob| with(dob, None);
    assert_eq!(date_level(&d(date(2012, 4, 3)), &d(date(2012, 4, 3))), 0);
    assert_eq!(date_level(&d(date(2012, 4, 3)), &d(date(2012, 3, 4))), 1, "day/month swapped");
    assert_eq!(date_level(&d(date(2012, 4, 3)), &d(date(2012, 4, 20))), 2);
    assert_eq!(date_level(&d(date(2012, 12, 30)), &d(date(2013, 1, 2))), 3);
    assert_eq!(date_level(&d(Some(PartialDate::year_only(2012))), &d(date(2012, 7, 1))), 3, "year only");
    assert_eq!(date_level(&d(date(2012, 4, 3)), &with(None, Some(11))), 4, "estimated age 11 in 2024");
    assert_eq!(date_level(&with(None, Some(11)), &with(None, Some(12))), 4);
    assert_eq!(date_level(&d(date(2012, 4, 3)), &with(None, Some(3))), 5);
    assert_eq!(date_level(&d(date(2012, 4, 3)), &d(date(2016, 4, 3))), 5);
    assert_eq!(date_level(&d(None), &d(date(2016, 4, 3))), MISSING);
}

#[test]
fn blocking_skips_oversized_blocks_and_counts_per_rule() {
    let records: Vec<Prepared> = (0..300)
        .map(|i| {
            prepared(&Record {
                id: i.to_string(),
                given_name: Some(if i % 2 == 0 { "Mohammed" } else { "Muhammad" }.into()),
                family_name: Some("Diallo".into()),
                date_of_birth: date(2010 + i % 3, 1, 1),
                ..Record::default()
            })
        })
        .collect();
    let c = dedupe_candidates(&records, &DEFAULT_RULES, 1_000);
    // Given+family phonetic puts all 300 together (44,850 pairs): split by
    // birth year into 3 parts of 4,950 pairs, still over 1,000, and no other
    // key tells them apart: skipped and reported.
    assert!(c.sub_blocked > 0);
    assert!(c.oversized.iter().any(|b| b.rule == BlockingRule::GivenFamilyPhonetic && b.pairs == 4_950));
    // Year blocks of 100 records: 4,950 pairs each, also over 1,000.
    assert!(c.pairs.is_empty());
    let c = dedupe_candidates(&records, &DEFAULT_RULES, 5_000);
    assert_eq!(c.pairs.len(), 3 * 4_950);
    let fam = c.per_rule.iter().find(|r| r.rule == BlockingRule::FamilyPhoneticBirthYear).unwrap();
    assert_eq!((fam.pairs, fam.new_pairs), (14_850, 14_850));
    let given = c.per_rule.iter().find(|r| r.rule == BlockingRule::GivenPhoneticBirthYear).unwrap();
    assert_eq!((given.pairs, given.new_pairs), (14_850, 0));
    let mut unique = c.pairs.clone();
    unique.dedup();
    assert_eq!(unique.len(), c.pairs.len());

    let l = link_candidates(&records[..10], &records[10..20], &DEFAULT_RULES, 1_000);
    assert!(l.pairs.iter().all(|&(a, b)| a < 10 && b < 10));
    assert!(!l.pairs.is_empty());
}

#[test]
fn a_full_date_of_birth_blocks_names_misspelt_beyond_their_phonetic_keys() {
    // FEBRL-like: letters transposed in both names, so that no phonetic key
    // agrees; only the date of birth brings the two records together.
    let record = |id: &str, given: &str, family: &str, dob| Record {
        id: id.into(),
        given_name: Some(given.into()),
        family_name: Some(family.into()),
        date_of_birth: dob,
        place: Some("berwick".into()),
        ..Record::default()
    };
    let records = [
        record("a", "emma", "louca", date(1959, 3, 8)),
        record("b", "emam", "louac", date(1959, 3, 8)),
        record("c", "emma", "louca", Some(PartialDate::year_only(1959))),
        record("d", "emam", "louac", Some(PartialDate::year_only(1959))),
    ];
    let prepared: Vec<Prepared> = records.iter().map(prepared).collect();
    let c = dedupe_candidates(&prepared, &DEFAULT_RULES, 1_000);
    let by_date = c.per_rule.iter().find(|r| r.rule == BlockingRule::DateOfBirth).unwrap();
    // Only the two full dates make a key; a year alone does not.
    assert_eq!((by_date.pairs, by_date.new_pairs), (1, 1));
    assert!(c.pairs.contains(&(0, 1)));
    assert!(!c.pairs.contains(&(2, 3)));
    let l = link_candidates(&prepared[..1], &prepared[1..2], &[BlockingRule::DateOfBirth], 1_000);
    assert_eq!(l.pairs, vec![(0, 0)]);
}

/// SplitMix64, as a seeded generator for the synthetic data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const BOYS: &[(&str, &str)] = &[
    ("Mohammed", "Muhammad"),
    ("Aleksandr", "Александр"),
    ("Yusuf", "Yusuf"),
    ("Ibrahim", "Ibrahim"),
    ("Dmitri", "Дмитрий"),
    ("Omar", "Omar"),
    ("Nikolai", "Николай"),
    ("Kwame", "Kwame"),
    ("Pierre", "Piere"),
    ("Tenzin", "Tenzin"),
];
const GIRLS: &[(&str, &str)] = &[
    ("Lakshmi", "Laxmi"),
    ("Fatoumata", "Fatou"),
    ("Aisha", "Aïsha"),
    ("Olga", "Ольга"),
    ("Priya", "Priya"),
    ("Elena", "Елена"),
    ("Grace", "Grace"),
    ("Bintou", "Bintou"),
    ("Zainab", "Zaynab"),
    ("Esther", "Ester"),
];
const FAMILIES: &[&str] = &[
    "Diallo",
    "Traore",
    "Ivanov",
    "Petrova",
    "Sharma",
    "Das",
    "Okafor",
    "Mensah",
    "Kamara",
    "Bangura",
    "Haddad",
    "Nasser",
    "Popescu",
    "Horvat",
    "Kowalski",
    "Nguyen",
    "Tran",
    "Chowdhury",
    "Rahman",
    "Hossain",
    "Sok",
    "Chea",
    "Osei",
    "Boateng",
    "Mwangi",
    "Otieno",
    "Kone",
    "Sissoko",
    "Barry",
    "Balde",
    "Camara",
    "Keita",
    "Fofana",
    "Coulibaly",
    "Toure",
    "Sylla",
    "Cisse",
    "Sow",
    "Ba",
    "Ndiaye",
];
const PLACES: &[&str] = &["Dakar", "Bamako", "Lagos", "Accra", "Athens", "Sofia", "Dhaka", "Kolkata", "Phnom Penh"];
const MOTHERS: &[&str] = &["Mariam", "Awa", "Natalia", "Sunita", "Khadija", "Rose", "Ana", "Hawa", "Salma", "Mai"];
const FATHERS: &[&str] = &["Moussa", "Ivan", "Rajesh", "Ahmed", "Joseph", "Sekou", "Karim", "Peter", "Ali", "Vinh"];

struct Child {
    given: (&'static str, &'static str),
    boy: bool,
    family: &'static str,
    dob: NaiveDate,
    place: &'static str,
    mother: String,
    father: String,
}

fn base(rng: &mut Rng, family: &'static str, place: &'static str, mother: String, father: String) -> Child {
    let boy = rng.chance(50);
    let list = if boy { BOYS } else { GIRLS };
    let dob = NaiveDate::from_ymd_opt(2006 + rng.below(12) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
        .unwrap();
    Child { given: list[rng.below(list.len())], boy, family, dob, place, mother, father }
}

fn typo(s: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() > 4 {
        let i = 1 + rng.below(c.len() - 3);
        c.swap(i, i + 1);
    }
    c.into_iter().collect()
}

fn record_of(child: &Child, id: String, rng: &mut Rng, variant: bool) -> Record {
    let given = if variant { child.given.1 } else { child.given.0 };
    let mut family = child.family.to_string();
    let mut dob = Some(PartialDate::full(child.dob));
    let mut estimated_age = None;
    let registration_date = NaiveDate::from_ymd_opt(2024, 3, 1);
    if variant {
        match rng.below(6) {
            0 => family = typo(&family, rng),
            1 => {
                dob = None;
                estimated_age = Some((2024 - chrono::Datelike::year(&child.dob) - 1 + rng.below(3) as i32) as u8);
            }
            2 => {
                let d = chrono::Datelike::day(&child.dob);
                let m = chrono::Datelike::month(&child.dob);
                if d <= 12 {
                    dob = NaiveDate::from_ymd_opt(chrono::Datelike::year(&child.dob), d, m).map(PartialDate::full);
                }
            }
            3 => dob = Some(PartialDate::year_only(chrono::Datelike::year(&child.dob))),
            _ => {}
        }
    }
    let swapped = variant && rng.chance(20);
    let (g, f) = if swapped { (family, given.to_string()) } else { (given.to_string(), family) };
    Record {
        id,
        given_name: Some(g),
        family_name: Some(f),
        other_names: vec![],
        sex: Some(if child.boy { "M" } else { "F" }.into()),
        date_of_birth: dob,
        estimated_age,
        registration_date,
        place: if variant && rng.chance(30) { None } else { Some(child.place.into()) },
        citizenship: None,
        mother_name: if variant && rng.chance(30) { None } else { Some(child.mother.clone()) },
        father_name: Some(child.father.clone()),
        ..Record::default()
    }
}

/// Records, the child each belongs to, and the pairs of twins and siblings.
fn synthetic() -> (Vec<Record>, Vec<usize>, Vec<(String, String)>) {
    synthetic_families(260)
}

fn synthetic_families(families: usize) -> (Vec<Record>, Vec<usize>, Vec<(String, String)>) {
    let mut rng = Rng(42);
    let mut records = Vec::new();
    let mut truth = Vec::new();
    let mut relatives = Vec::new();
    let mut child_id = 0;
    for family_no in 0..families {
        let family = FAMILIES[rng.below(FAMILIES.len())];
        let place = PLACES[rng.below(PLACES.len())];
        let mother = format!("{} {}", MOTHERS[rng.below(MOTHERS.len())], FAMILIES[rng.below(FAMILIES.len())]);
        let father = FATHERS[rng.below(FATHERS.len())].to_string();
        let first = base(&mut rng, family, place, mother.clone(), father.clone());
        let mut children = vec![first];
        if family_no % 5 == 0 || family_no % 7 == 0 {
            // A sibling (or a twin: same date of birth), with another given name.
            let mut other = base(&mut rng, family, place, mother.clone(), father.clone());
            while other.given.0 == children[0].given.0 {
                other = base(&mut rng, family, place, mother.clone(), father.clone());
            }
            if family_no % 5 == 0 {
                other.dob = children[0].dob;
            } else {
                other.dob = children[0].dob + chrono::Duration::days(400 + rng.below(300) as i64);
            }
            children.push(other);
        }
        let mut first_ids = Vec::new();
        for child in &children {
            let copies = 1 + usize::from(rng.chance(60)) + usize::from(rng.chance(20));
            for copy in 0..copies {
                let id = format!("r{}", records.len());
                if copy == 0 {
                    first_ids.push(id.clone());
                }
                records.push(record_of(child, id, &mut rng, copy > 0));
                truth.push(child_id);
            }
            child_id += 1;
        }
        if first_ids.len() == 2 {
            relatives.push((first_ids[0].clone(), first_ids[1].clone()));
        }
    }
    (records, truth, relatives)
}

fn pair_sets(labels: &[usize]) -> std::collections::HashSet<(usize, usize)> {
    let mut out = std::collections::HashSet::new();
    for i in 0..labels.len() {
        for j in i + 1..labels.len() {
            if labels[i] == labels[j] {
                out.insert((i, j));
            }
        }
    }
    out
}

#[test]
fn synthetic_register_is_deduplicated_without_merging_siblings_or_twins() {
    let (records, truth, relatives) = synthetic();
    let result = dedupe(&records, &Settings::default());
    let predicted: Vec<usize> = result.clusters.iter().map(|(_, c)| *c).collect();
    let (want, got) = (pair_sets(&truth), pair_sets(&predicted));
    let true_positives = got.intersection(&want).count() as f64;
    let precision = true_positives / got.len() as f64;
    let recall = true_positives / want.len() as f64;
    eprintln!(
        "records {} candidate pairs {} true pairs {} predicted {} precision {precision:.3} recall {recall:.3} em {:?} iterations",
        records.len(),
        result.candidate_pairs,
        want.len(),
        got.len(),
        result.em.iterations
    );
    assert!(precision >= 0.9, "precision {precision}");
    assert!(recall >= 0.9, "recall {recall}");
    assert!(result.candidate_pairs < records.len() * (records.len() - 1) / 2 / 10);
    assert!(!relatives.is_empty());
    let cluster = |id: &str| result.clusters.iter().find(|(i, _)| i == id).unwrap().1;
    for (a, b) in &relatives {
        assert_ne!(cluster(a), cluster(b), "siblings or twins {a} and {b} merged");
    }
    // Twins specifically: same date of birth, family, parents.
    let twins = relatives
        .iter()
        .filter(|(a, b)| {
            let r = |id: &str| records.iter().find(|r| r.id == id).unwrap().clone();
            r(a).date_of_birth == r(b).date_of_birth
        })
        .count();
    assert!(twins > 10, "{twins} twin pairs");
}

#[test]
fn link_finds_the_same_children_in_two_registers() {
    let (records, truth, _) = synthetic();
    // Left: first record of each child; right: the others.
    let mut seen = std::collections::HashSet::new();
    let (mut left, mut right, mut lt, mut rt) = (vec![], vec![], vec![], vec![]);
    for (r, &t) in records.iter().zip(&truth) {
        if seen.insert(t) {
            left.push(r.clone());
            lt.push(t);
        } else {
            right.push(r.clone());
            rt.push(t);
        }
    }
    let result = link(&left, &right, &Settings::default());
    let index = |v: &[Record], id: &str| v.iter().position(|r| r.id == id).unwrap();
    let correct =
        result.pairs.iter().filter(|p| lt[index(&left, &p.left_id)] == rt[index(&right, &p.right_id)]).count();
    let precision = correct as f64 / result.pairs.len() as f64;
    let recall = correct as f64 / right.len() as f64;
    eprintln!("link: {} pairs precision {precision:.3} recall {recall:.3}", result.pairs.len());
    assert!(precision >= 0.9 && recall >= 0.9, "precision {precision} recall {recall}");
}

#[test]
fn explanation_contributions_sum_to_the_weight() {
    let (records, _, _) = synthetic();
    let result = dedupe(&records, &Settings::default());
    let a = prepared(&records[0]);
    for other in &records[1..40] {
        let b = prepared(other);
        let e = explain(&result.scorer, &a, &b);
        assert_eq!(e.contributions.len(), FIELD_COUNT);
        let sum: f64 = e.contributions.iter().map(|c| c.bits).sum();
        assert!((sum - e.weight).abs() < 1e-9);
        let p = 1.0 / (1.0 + (-(e.weight + e.prior_bits)).exp2());
        assert!((p - e.probability).abs() < 1e-9);
        for c in &e.contributions {
            assert!(c.bits.is_finite(), "{c:?}");
        }
    }
    // A real duplicate is explained with positive name evidence.
    let pair = &result.pairs[0];
    let find = |id: &str| prepared(records.iter().find(|r| r.id == id).unwrap());
    let e = explain(&result.scorer, &find(&pair.left_id), &find(&pair.right_id));
    assert!(e.probability >= 0.9 && e.conflict.is_none());
    assert!((e.weight - pair.weight).abs() < 1e-9);
}

#[test]
fn em_log_likelihood_never_decreases() {
    // A generated sample: 20% matches agreeing mostly, 80% non-matches.
    let mut rng = Rng(7);
    let vectors: Vec<Vector> = (0..20_000)
        .map(|_| {
            let matched = rng.chance(20);
            let mut v = [0u8; FIELD_COUNT];
            for (f, field) in FIELDS.iter().enumerate() {
                let n = field.levels().len();
                v[f] = if rng.chance(10) {
                    MISSING
                } else if matched {
                    if rng.chance(85) {
                        0
                    } else {
                        rng.below(n) as u8
                    }
                } else if rng.chance(70) {
                    (n - 1) as u8
                } else {
                    rng.below(n) as u8
                };
            }
            v
        })
        .collect();
    let random: Vec<Vector> = vectors.iter().copied().filter(|v| v[0] != 0).collect();
    let mut model = Model::initial(estimate_u(&count_vectors(random)));
    let report = model.fit(&count_vectors(vectors), 200, 1e-12);
    assert!(report.iterations >= 2);
    for w in report.log_likelihood.windows(2) {
        assert!(w[1] >= w[0] - 1e-6 * w[0].abs(), "{} then {}", w[0], w[1]);
    }
    assert!((model.lambda - 0.2).abs() < 0.08, "lambda {}", model.lambda);
    assert!(model.m[0][0] > 0.7);
}

#[test]
fn hard_conflicts_keep_twins_and_siblings_apart() {
    use safepath_linkage::engine::compare::hard_conflict;
    let child = |given: &str, sex: &str, dob: Option<PartialDate>| Record {
        id: given.into(),
        given_name: Some(given.into()),
        family_name: Some("Diallo".into()),
        sex: Some(sex.into()),
        date_of_birth: dob,
        mother_name: Some("Mariam Sow".into()),
        father_name: Some("Moussa".into()),
        place: Some("Dakar".into()),
        ..Record::default()
    };
    let dob = date(2014, 5, 6);
    for (a, b, conflict) in [
        (child("Awa", "F", dob), child("Bintou", "F", dob), true), // twins
        (child("Awa", "F", dob), child("Moussa", "M", dob), true), // twins of other sex
        (child("Awa", "F", dob), child("Awa", "F", date(2018, 1, 1)), true), // 4 years apart
        (child("Awa", "F", dob), child("Awa", "F", date(2014, 6, 5)), false), // day/month swap
        (child("Fatoumata", "F", dob), child("Fatou", "F", None), false), // nickname
        // Siblings whose given names are one letter apart (Jaro-Winkler ≥ 0.92)
        // and who were born 4 years apart: the birth years keep them apart
        // even though the names agree (softening this rule merged such
        // siblings on the synthetic register).
        (child("Naki", "M", date(2018, 6, 5)), child("Nuki", "M", date(2022, 6, 2)), true),
    ] {
        let (pa, pb) = (prepared(&a), prepared(&b));
        let v = compare(&pa, &pb);
        assert_eq!(hard_conflict(&pa, &pb, &v).is_some(), conflict, "{:?} / {:?}", a.given_name, b.given_name);
    }
    // The twin pattern with nothing else to tell them apart (no sex, no
    // parents, as in FEBRL): same family name, date of birth and place,
    // wholly different given names. FEBRL's duplicates often look like this
    // (a given name replaced by another); so do twins. It stays a conflict.
    let bare = |given: &str| Record {
        id: given.into(),
        given_name: Some(given.into()),
        family_name: Some("Tyner".into()),
        date_of_birth: date(1983, 12, 16),
        place: Some("Yoogali".into()),
        citizenship: Some("WA".into()),
        ..Record::default()
    };
    let (pa, pb) = (prepared(&bare("Joel")), prepared(&bare("William")));
    assert_eq!(hard_conflict(&pa, &pb, &compare(&pa, &pb)), Some("different given names"));
    // The child's own identity document tells them apart: the same number
    // lifts the given-name conflict (twins do not share a document), a
    // different one never makes a conflict by itself, and a number shared
    // by siblings born on other days (a parent's passport entered for both)
    // lifts nothing.
    let with_document = |given: &str, number: &str, dob: Option<PartialDate>| Record {
        id_number: Some(number.into()),
        date_of_birth: dob,
        ..bare(given)
    };
    let conflict_of = |a: &Record, b: &Record| {
        let (pa, pb) = (prepared(a), prepared(b));
        hard_conflict(&pa, &pb, &compare(&pa, &pb))
    };
    let dob = date(1983, 12, 16);
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("William", "ab-123456", dob)),
        None
    );
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("William", "AB 123457", dob)),
        Some("different given names")
    );
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("William", "AB 123456", date(1984, 3, 1))),
        Some("different given names")
    );
    assert_eq!(conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("Joel", "ZX 987", dob)), None);
    // The same number outweighs one identifying field that disagrees, never
    // two: with no date on one side, the different given name alone does
    // not separate them; different given names *and* dates (siblings
    // entered on a parent's passport) do.
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("William", "AB 123456", None)),
        None
    );
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("William", "AB 123456", date(1988, 2, 3))),
        Some("dates of birth more than 2 years apart")
    );
    // A number mistyped (two digits swapped, one dropped) with the same date
    // of birth: one child; numbers that could have been issued one after
    // the other (one character replaced: twins registered together) keep
    // the twins apart, and a mistyped number with no date to agree is too
    // little.
    for (other, conflict) in [
        ("AB 124356", None),
        ("AB 12356", None),
        ("AB 183456", Some("different given names")),
        ("AB 133456", Some("different given names")),
        ("AB 123455", Some("different given names")),
    ] {
        assert_eq!(
            conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("William", other, dob)),
            conflict,
            "{other}"
        );
    }
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("William", "AB 124356", None)),
        Some("different given names")
    );
    // Birth years far apart with the same document and the same name, or
    // the name misspelt or missing on one side: an unrelated date on one
    // record, not two children.
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("Joel", "AB 123456", date(1941, 2, 3))),
        None
    );
    assert_eq!(
        conflict_of(&with_document("Jakob", "AB 123456", dob), &with_document("Jakib", "AB 123456", date(1941, 2, 3))),
        None
    );
    let mut no_given = with_document("Joel", "AB 123456", date(1941, 2, 3));
    no_given.given_name = None;
    assert_eq!(conflict_of(&with_document("Joel", "AB 123456", dob), &no_given), None);
    // Without a shared number, siblings a letter apart keep the conflict.
    assert_eq!(
        conflict_of(&with_document("Naki", "AB 123456", dob), &with_document("Nuki", "ZX 987654", date(1988, 2, 3))),
        Some("dates of birth more than 2 years apart")
    );
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &with_document("Joel", "AB 123465", date(1941, 2, 3))),
        None
    );
    let mut other_family = with_document("Joel", "AB 123465", date(1941, 2, 3));
    other_family.family_name = Some("Browne".into());
    assert_eq!(
        conflict_of(&with_document("Joel", "AB 123456", dob), &other_family),
        Some("dates of birth more than 2 years apart")
    );
    // Twins, one of them registered family name first ("Kakaka Koko"):
    // crosswise only "Kakaka" agrees, and whether the other comparison is
    // the given names' cannot be known. Seen merged on the synthetic register
    // once every pair born on one day was compared.
    let mut written_swapped = child("Kakaka", "M", dob);
    written_swapped.family_name = Some("Koko".into());
    let mut twin = child("Madu", "M", dob);
    twin.family_name = Some("Kakaka".into());
    let (pa, pb) = (prepared(&twin), prepared(&written_swapped));
    let v = compare(&pa, &pb);
    assert_eq!(v[0], 0, "the family names agree crosswise");
    assert_eq!(hard_conflict(&pa, &pb, &v), Some("names written in the other order, one of them different"));
    // Swapped with both names alike stays a possible duplicate.
    let mut same = child("Kakaka", "M", dob);
    same.family_name = Some("Madu".into());
    let (pa, pc) = (prepared(&twin), prepared(&same));
    assert_eq!(hard_conflict(&pa, &pc, &compare(&pa, &pc)), None);
    let result = dedupe(&[twin, written_swapped], &Settings::default());
    assert!(result.pairs.is_empty(), "{:?}", result.pairs);
}

#[test]
fn common_names_weigh_less_than_rare_ones() {
    use safepath_linkage::engine::model::{Scorer, TermFrequencies};
    let mut model = Model::initial(estimate_u(&[]));
    model.u[0] = vec![0.05, 0.01, 0.01, 0.01, 0.92];
    let names: Vec<&str> =
        std::iter::repeat_n("mohammed", 300).chain(["tenzin"]).chain(std::iter::repeat_n("x", 699)).collect();
    let scorer = Scorer { model, given_tf: TermFrequencies::new(names), family_tf: TermFrequencies::default() };
    let mut v: Vector = [MISSING; FIELD_COUNT];
    v[0] = 0;
    let common = scorer.explain_vector(&v, "mohammed", "");
    let rare = scorer.explain_vector(&v, "tenzin", "");
    assert!(common.contributions[0].term_frequency_adjusted && rare.contributions[0].term_frequency_adjusted);
    assert!(rare.weight > common.weight + 5.0, "rare {} common {}", rare.weight, common.weight);
    assert_eq!(common.contributions.iter().map(|c| c.field).collect::<Vec<_>>(), FIELDS.to_vec());
}
