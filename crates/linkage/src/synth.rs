//! A seeded synthetic register with known truth, for measuring the engine
//! (the `safepath link synth` command and the benchmarks) — no real child is
//! in it.
//!
//! Families of one to three children; each child is registered one to four
//! times, by organisations that spell differently. A re-registration may
//! write the names in Cyrillic or Devanagari, use a nickname or another
//! spelling from the variant table ("Fatou" for "Fatoumata", "Md" for
//! "Mohammed", "Sasha" for "Aleksandr"), put the family name first, carry a
//! typo, give only an estimated age or a year of birth, swap day and month,
//! or leave the place and parents out. Siblings and twins (same parents,
//! same family name, same place, twins on the same date of birth) are
//! different children: a pair of them is a hard non-match.
//!
//! Most names are made of syllables with a Latin, a Cyrillic and a
//! Devanagari spelling each, so the generator can write the same name in
//! three scripts and there are enough distinct names for a million records;
//! a share of given names is taken from real names with known variants.
//! Names are drawn with a skew, so common names are common.

use chrono::{Datelike, Duration, NaiveDate};

use crate::engine::record::{PartialDate, Record};

/// One synthetic record with its truth.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticRecord {
    pub record: Record,
    /// The child the record is about: records with the same `child` are
    /// duplicates, all others are not.
    pub child: u64,
    /// The child's family (siblings and twins share it).
    pub family: u64,
}

/// SplitMix64: small, seeded, reproducible across platforms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with the given percentage.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// In `0..n`, small indices far more likely (density ∝ skew of u^3).
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u) * n as f64) as usize % n
    }
}

/// Consonants: Latin, Cyrillic, Devanagari (with its inherent vowel).
const CONSONANTS: [(&str, &str, char); 12] = [
    ("k", "к", 'क'),
    ("g", "г", 'ग'),
    ("t", "т", 'त'),
    ("d", "д", 'द'),
    ("n", "н", 'न'),
    ("p", "п", 'प'),
    ("b", "б", 'ब'),
    ("m", "м", 'म'),
    ("r", "р", 'र'),
    ("l", "л", 'ल'),
    ("s", "с", 'स'),
    ("v", "в", 'व'),
];
/// Vowels: Latin, Cyrillic, Devanagari vowel sign.
const VOWELS: [(&str, &str, char); 5] = [
    ("a", "а", '\u{093E}'),
    ("i", "и", '\u{093F}'),
    ("u", "у", '\u{0941}'),
    ("e", "е", '\u{0947}'),
    ("o", "о", '\u{094B}'),
];

/// A name as a list of syllables (consonant index, vowel index).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Syllables(Vec<(u8, u8)>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Devanagari,
}

impl Syllables {
    /// Name number `n` of a pool: a bijection from numbers to syllable lists
    /// of the given length (so a pool has no repeated names).
    fn numbered(mut n: usize, syllables: usize) -> Self {
        let mut out = Vec::with_capacity(syllables);
        for _ in 0..syllables {
            let s = n % 60;
            n /= 60;
            out.push(((s / 5) as u8, (s % 5) as u8));
        }
        Syllables(out)
    }

    fn write(&self, script: Script) -> String {
        let mut out = String::new();
        for (i, &(c, v)) in self.0.iter().enumerate() {
            let (cl, cc, cd) = CONSONANTS[usize::from(c)];
            let (vl, vc, vd) = VOWELS[usize::from(v)];
            match script {
                Script::Latin => {
                    let mut s = format!("{cl}{vl}");
                    if i == 0 {
                        s[..1].make_ascii_uppercase();
                    }
                    out.push_str(&s);
                }
                Script::Cyrillic => {
                    let s = format!("{cc}{vc}");
                    if i == 0 {
                        let mut chars = s.chars();
                        let first = chars.next().expect("two letters");
                        out.extend(first.to_uppercase());
                        out.extend(chars);
                    } else {
                        out.push_str(&s);
                    }
                }
                Script::Devanagari => {
                    out.push(cd);
                    out.push(vd);
                }
            }
        }
        out
    }
}

/// Real given names and the variants a re-registration may use instead
/// (nicknames, spellings, scripts), all in the shipped variant table.
const REAL_BOYS: &[(&str, &[&str])] = &[
    ("Mohammed", &["Muhammad", "Md", "Mohamed", "Mamadou"]),
    ("Aleksandr", &["Sasha", "Александр", "Alexander"]),
    ("Ibrahim", &["Ibrahima", "Brahim"]),
    ("Yusuf", &["Youssouf", "Yousef", "Josef"]),
    ("Omar", &["Oumar", "Umar"]),
    ("Hassan", &["Hasan", "Hassane"]),
    ("Abdullah", &["Abdoulaye", "Abdallah"]),
    ("Ivan", &["Vanya", "Иван"]),
    ("Krishna", &["Kishan", "Krisna"]),
];
const REAL_GIRLS: &[(&str, &[&str])] = &[
    ("Fatoumata", &["Fatou", "Fatima", "Fatumata"]),
    ("Lakshmi", &["Laxmi", "लक्ष्मी"]),
    ("Aisha", &["Aissatou", "Aicha"]),
    ("Mariam", &["Maryam", "Mariama"]),
    ("Aminata", &["Amina", "Aminatou"]),
    ("Zainab", &["Zeinab", "Djeneba"]),
    ("Elena", &["Lena", "Елена", "Olena"]),
    ("Ekaterina", &["Katya", "Katerina"]),
    ("Olga", &["Ольга", "Olha"]),
    ("Sita", &["Seeta", "सीता"]),
];

const CITIZENSHIPS: &[&str] = &["AL", "BD", "GN", "KH", "ML", "MD", "NP", "NG", "SN", "UA", "VN", "SY"];

/// How a given name is chosen and written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GivenName {
    Real { index: usize, boy: bool },
    Made(Syllables),
}

#[derive(Debug, Clone)]
struct Child {
    given: GivenName,
    boy: bool,
    dob: NaiveDate,
}

#[derive(Debug, Clone)]
struct Family {
    family_name: Syllables,
    place: Syllables,
    citizenship: &'static str,
    mother_given: Syllables,
    mother_family: Syllables,
    father_given: Syllables,
}

/// Sizes of the name pools: large enough that a million records hold many
/// distinct names, skewed so that some names are very common.
const GIVEN_POOL: usize = 3_600; // two syllables
const FAMILY_POOL: usize = 60_000; // three syllables (of 216,000)
const PLACE_POOL: usize = 2_000;

fn typo(name: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 4 {
        return name.to_string();
    }
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(i, i - 1),
        1 => {
            chars.remove(i);
        }
        _ => {
            let c = chars[i];
            chars.insert(i, c);
        }
    }
    chars.into_iter().collect()
}

fn given_written(given: &GivenName, script: Script, variant: bool, rng: &mut Rng) -> String {
    match given {
        GivenName::Real { index, boy } => {
            let (name, variants) = if *boy { REAL_BOYS[*index] } else { REAL_GIRLS[*index] };
            if variant {
                variants[rng.below(variants.len())].to_string()
            } else {
                name.to_string()
            }
        }
        GivenName::Made(s) => s.write(script),
    }
}

fn new_child(rng: &mut Rng, boy: bool, dob: NaiveDate) -> Child {
    let given = if rng.chance(25) {
        let index = if boy { rng.below(REAL_BOYS.len()) } else { rng.below(REAL_GIRLS.len()) };
        GivenName::Real { index, boy }
    } else {
        // Boys' and girls' pools differ by their last vowel class.
        let mut s = Syllables::numbered(rng.skewed(GIVEN_POOL), 2);
        s.0[1].1 = if boy { [2, 4, 1][rng.below(3)] } else { [0, 3][rng.below(2)] };
        GivenName::Made(s)
    };
    Child { given, boy, dob }
}

fn random_dob(rng: &mut Rng) -> NaiveDate {
    NaiveDate::from_ymd_opt(2004 + rng.below(18) as i32, 1, 1).expect("valid") + Duration::days(rng.below(365) as i64)
}

fn record_of(family: &Family, child: &Child, id: String, rng: &mut Rng, first: bool) -> Record {
    // Registered between a few months and twelve years after birth, by 2025.
    let latest = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid");
    let registration_date = (child.dob + Duration::days(90 + rng.below(12 * 365) as i64)).min(latest);
    let script = if first || rng.chance(78) {
        Script::Latin
    } else if rng.chance(55) {
        Script::Cyrillic
    } else {
        Script::Devanagari
    };
    let nickname = !first && rng.chance(40);
    let mut given = given_written(&child.given, script, nickname, rng);
    let mut family_name = family.family_name.write(script);
    if !first && script == Script::Latin && rng.chance(12) {
        if rng.chance(50) {
            family_name = typo(&family_name, rng);
        } else {
            given = typo(&given, rng);
        }
    }
    let mut dob = Some(PartialDate::full(child.dob));
    let mut estimated_age = None;
    if !first {
        match rng.below(20) {
            0..=2 => {
                // Only an estimated age, often a year off.
                dob = None;
                let age = registration_date.year() - child.dob.year() - 1 + rng.below(3) as i32;
                estimated_age = u8::try_from(age.max(0)).ok();
            }
            3..=4 => dob = Some(PartialDate::year_only(child.dob.year())),
            5 if child.dob.day() <= 12 => {
                dob =
                    NaiveDate::from_ymd_opt(child.dob.year(), child.dob.day(), child.dob.month()).map(PartialDate::full)
            }
            6 => dob = None,
            _ => {}
        }
    } else if rng.chance(5) {
        dob = None;
        estimated_age = u8::try_from((registration_date.year() - child.dob.year()).max(0)).ok();
    }
    // Family name first, in the given-name column.
    let (given, family_name) = if !first && rng.chance(15) { (family_name, given) } else { (given, family_name) };
    let sex = match rng.below(40) {
        0 => None,
        1 => Some(if child.boy { "boy" } else { "girl" }),
        2 => Some(if child.boy { "male" } else { "female" }),
        _ => Some(if child.boy { "M" } else { "F" }),
    };
    let mother = format!("{} {}", family.mother_given.write(script), family.mother_family.write(script));
    let father = format!("{} {}", family.father_given.write(script), family.family_name.write(script));
    Record {
        id,
        given_name: Some(given),
        family_name: Some(family_name),
        other_names: Vec::new(),
        sex: sex.map(String::from),
        date_of_birth: dob,
        estimated_age,
        registration_date: Some(registration_date),
        place: (first || rng.chance(75)).then(|| family.place.write(script)),
        citizenship: rng.chance(50).then(|| family.citizenship.to_string()),
        mother_name: rng.chance(if first { 85 } else { 65 }).then_some(mother),
        father_name: rng.chance(if first { 70 } else { 50 }).then_some(father),
        ..Record::default()
    }
}

/// About `records` synthetic records (exactly that many), shuffled, with ids
/// `S0000001`…; the same seed gives the same register.
pub fn generate(records: usize, seed: u64) -> Vec<SyntheticRecord> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<SyntheticRecord> = Vec::with_capacity(records + 8);
    let mut child_no = 0u64;
    let mut family_no = 0u64;
    while out.len() < records {
        let family = Family {
            family_name: Syllables::numbered(rng.skewed(FAMILY_POOL), 3),
            place: Syllables::numbered(rng.skewed(PLACE_POOL), 2),
            citizenship: CITIZENSHIPS[rng.below(CITIZENSHIPS.len())],
            mother_given: Syllables::numbered(rng.skewed(GIVEN_POOL), 2),
            mother_family: Syllables::numbered(rng.skewed(FAMILY_POOL), 3),
            father_given: Syllables::numbered(rng.skewed(GIVEN_POOL), 2),
        };
        let (boy, dob) = (rng.chance(50), random_dob(&mut rng));
        let first = new_child(&mut rng, boy, dob);
        let mut children = vec![first];
        match rng.below(10) {
            // Twins: same date of birth, another given name.
            0 => {
                let boy = rng.chance(50);
                children.push(new_child(&mut rng, boy, children[0].dob));
            }
            // A sibling, one to four years apart.
            1..=2 => {
                let dob = children[0].dob + Duration::days(365 + rng.below(3 * 365) as i64);
                let boy = rng.chance(50);
                children.push(new_child(&mut rng, boy, dob));
            }
            _ => {}
        }
        // Siblings never share a given name.
        for k in 1..children.len() {
            while children[..k].iter().any(|c| c.given == children[k].given) {
                let (boy, dob) = (children[k].boy, children[k].dob);
                children[k] = new_child(&mut rng, boy, dob);
            }
        }
        for child in &children {
            let copies = match rng.below(20) {
                0..=8 => 1,
                9..=14 => 2,
                15..=18 => 3,
                _ => 4,
            };
            for copy in 0..copies {
                let record = record_of(&family, child, String::new(), &mut rng, copy == 0);
                out.push(SyntheticRecord { record, child: child_no, family: family_no });
            }
            child_no += 1;
        }
        family_no += 1;
    }
    out.truncate(records);
    // Registers are not ordered by child.
    for i in (1..out.len()).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    for (i, r) in out.iter_mut().enumerate() {
        r.record.id = format!("S{:07}", i + 1);
    }
    out
}

/// Pairwise quality of a clustering against the truth: a pair of records is
/// predicted when both are in one cluster, true when both are one child.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairwiseQuality {
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub true_positives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl PairwiseQuality {
    /// From the three counts (precision and recall are 1 when there is
    /// nothing to predict or find).
    pub fn from_counts(true_pairs: u64, predicted_pairs: u64, true_positives: u64) -> Self {
        let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let precision = ratio(true_positives, predicted_pairs);
        let recall = ratio(true_positives, true_pairs);
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Self { true_pairs, predicted_pairs, true_positives, precision, recall, f1 }
    }

    /// Compares cluster labels with truth labels (same order, same length)
    /// in linear time: pairs are counted per label, not enumerated.
    pub fn of_clusters<P: std::hash::Hash + Eq + Copy, T: std::hash::Hash + Eq + Copy>(
        predicted: &[P],
        truth: &[T],
    ) -> Self {
        use std::collections::HashMap;
        let pairs = |n: u64| n * n.saturating_sub(1) / 2;
        let mut by_predicted: HashMap<P, u64> = HashMap::new();
        let mut by_truth: HashMap<T, u64> = HashMap::new();
        let mut by_both: HashMap<(P, T), u64> = HashMap::new();
        for (&p, &t) in predicted.iter().zip(truth) {
            *by_predicted.entry(p).or_default() += 1;
            *by_truth.entry(t).or_default() += 1;
            *by_both.entry((p, t)).or_default() += 1;
        }
        Self::from_counts(
            by_truth.values().map(|&n| pairs(n)).sum(),
            by_predicted.values().map(|&n| pairs(n)).sum(),
            by_both.values().map(|&n| pairs(n)).sum(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;
    use crate::phonetic::phonetic_key;
    use crate::variants::default_variants;

    #[test]
    fn the_three_scripts_fold_to_one_name() {
        for n in [0, 1, 59, 60, 777, 3_599, 12_345, 59_999] {
            let s = Syllables::numbered(n, 3);
            let latin = fold(&s.write(Script::Latin));
            assert_eq!(fold(&s.write(Script::Cyrillic)), latin, "{s:?}");
            let devanagari = fold(&s.write(Script::Devanagari));
            assert_eq!(phonetic_key(&devanagari), phonetic_key(&latin), "{s:?}: {devanagari} / {latin}");
        }
    }

    #[test]
    fn real_variants_are_in_the_table() {
        for (name, variants) in REAL_BOYS.iter().chain(REAL_GIRLS) {
            for v in *variants {
                let (a, b) = (fold(name), fold(v));
                assert!(
                    default_variants().are_variants(&a, &b) || phonetic_key(&a) == phonetic_key(&b),
                    "{name} / {v}"
                );
            }
        }
    }

    #[test]
    fn generation_is_reproducible_and_sized() {
        let a = generate(2_000, 7);
        assert_eq!(a.len(), 2_000);
        assert_eq!(a, generate(2_000, 7));
        assert_ne!(a, generate(2_000, 8));
        let children: std::collections::HashSet<u64> = a.iter().map(|r| r.child).collect();
        assert!(children.len() < 1_600 && children.len() > 800, "{}", children.len());
    }

    #[test]
    fn pairwise_quality_counts_pairs() {
        let q = PairwiseQuality::of_clusters(&[0, 0, 1, 1, 1], &[5, 5, 5, 6, 6]);
        assert_eq!((q.true_pairs, q.predicted_pairs, q.true_positives), (4, 4, 2));
        assert!((q.f1 - 0.5).abs() < 1e-12);
    }
}
