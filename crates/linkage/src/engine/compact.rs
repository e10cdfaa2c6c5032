//! The engine's working form of a register, built for a million records:
//! every distinct name is prepared once and stored once, and a record is a
//! few small integers pointing at its names (about 50 bytes instead of the
//! kilobyte and more of a [`Prepared`](super::record::Prepared) with its
//! strings).
//!
//! Names are interned by their folded text, so two records with the same
//! name (in any script or spelling that folds alike) hold the same id:
//! comparing them is an integer comparison, and the full name comparators
//! run only for distinct names. Blocking keys are built from interned ids
//! (no string keys). [`Tables::compare`] and
//! [`Tables::compare_unless_conflict`] give exactly what
//! [`super::compare::compare`] and [`super::compare::hard_conflict`] give on
//! prepared records (blocking-key parts and tokens are compared by 64-bit
//! hashes, see [`key_hash`]); a test checks it on a synthetic register.
//!
//! Most pairs of different names are told apart without reading the names:
//! an upper bound of their Jaro-Winkler similarity from byte counts
//! ([`jaro_winkler_bound`]) is below the lowest level's threshold. The
//! bound never changes a level, it only skips work.

use std::collections::HashMap;

use chrono::Datelike;

use super::compare::{
    agree_level, code_level, date_level_of, document_lifts_name_conflict, document_lifts_years_conflict, jaro_winkler,
    mistyped_number, place_level, swap_wins, token_set_similarity, Vector, MISSING,
};
use super::record::{address_text, code_text, PartialDate, PreparedName, Record, Sex, AGE_TOLERANCE_YEARS};
use crate::variants::NameVariants;

/// Id 0 of every table: the empty value.
pub(crate) const EMPTY: u32 = 0;

/// Strings interned to dense ids (0 is the empty string). The table is
/// keyed by the strings' 64-bit hashes and each text is stored once; a hit
/// is checked against the stored text, so two strings never share an id.
#[derive(Debug, Clone)]
pub(crate) struct Interner {
    ids: KeyMap<u64, u32>,
    texts: Vec<Box<str>>,
}

impl Default for Interner {
    fn default() -> Self {
        Self { ids: KeyMap::default(), texts: vec!["".into()] }
    }
}

impl Interner {
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        if text.is_empty() {
            return EMPTY;
        }
        let hash = key_hash(text);
        if let Some(&id) = self.ids.get(&hash) {
            if &*self.texts[id as usize] == text {
                return id;
            }
            // A collision of 64-bit hashes: the text gets an id of its own
            // (found again by a linear search, which never happens in practice).
            if let Some(found) = self.texts.iter().position(|t| &**t == text) {
                return found as u32;
            }
            self.texts.push(text.into());
            return self.texts.len() as u32 - 1;
        }
        let id = self.texts.len() as u32;
        self.texts.push(text.into());
        self.ids.insert(hash, id);
        id
    }

    pub(crate) fn text(&self, id: u32) -> &str {
        &self.texts[id as usize]
    }
}

/// The 64-bit hash of a blocking-key part or token (0 for the empty
/// string, never 0 otherwise). Keys are compared by these hashes: two
/// different strings would be taken as equal only if their hashes
/// collided, which for the few million distinct keys of a large register
/// has a chance of about one in ten million.
pub(crate) type KeyHash = u64;

pub(crate) fn key_hash(text: &str) -> KeyHash {
    use std::hash::Hasher;
    if text.is_empty() {
        return 0;
    }
    let mut h = KeyHasher::default();
    h.write(text.as_bytes());
    h.finish().max(1)
}

/// A distinct name, prepared once, with its blocking keys as ids of
/// [`Tables::keys`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Name {
    pub(crate) prepared: PreparedName,
    /// Phonetic keys of all tokens, joined.
    pub(crate) phonetic_joined: KeyHash,
    /// Phonetic key of the first token.
    pub(crate) phonetic_first: KeyHash,
    /// [`PreparedName::first_canonical_or_phonetic`].
    pub(crate) canonical_first: KeyHash,
    /// The tokens run together ("abdul rahman" → "abdulrahman").
    concat: KeyHash,
    /// The tokens sorted, joined.
    sorted: KeyHash,
    /// Per token: the token, its phonetic key and its canonical forms.
    tokens: Box<[TokenIds]>,
    /// Byte counts of the joined name, then of each token.
    histograms: Box<[Histogram]>,
}

/// Byte counts of a folded string (a–z, space, anything else together):
/// two strings cannot have more Jaro matches than their histograms share.
type Histogram = [u8; 28];

fn histogram(text: &str) -> Histogram {
    let mut h = [0u8; 28];
    for b in text.bytes() {
        let slot = match b {
            b'a'..=b'z' => usize::from(b - b'a'),
            b' ' => 26,
            _ => 27,
        };
        h[slot] = h[slot].saturating_add(1);
    }
    h
}

/// An upper bound of [`jaro_winkler`]`(a, b)`, from the shared byte counts
/// (Jaro's matches without its window, no transpositions) and the exact
/// common prefix. Lets the engine skip Jaro-Winkler for names that cannot
/// reach a level's threshold; the result is never changed by it.
fn jaro_winkler_bound(a: &str, ha: &Histogram, b: &str, hb: &Histogram) -> f64 {
    let shared: u32 = ha.iter().zip(hb).map(|(x, y)| u32::from(*x.min(y))).sum();
    if shared == 0 || a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() { 1.0 } else { 0.0 };
    }
    let m = f64::from(shared);
    let j = ((m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0).min(1.0);
    let prefix = a.bytes().zip(b.bytes()).take(4).take_while(|(x, y)| x == y).count();
    (j + prefix as f64 * 0.1 * (1.0 - j)).min(1.0)
}

/// A string's part of [`jaro_winkler_bound`]: byte counts, length and
/// first four bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Part {
    histogram: Histogram,
    prefix: [u8; 4],
    len: u32,
}

impl Part {
    fn new(text: &str) -> Self {
        let mut prefix = [0u8; 4];
        for (p, b) in prefix.iter_mut().zip(text.bytes()) {
            *p = b;
        }
        Self { histogram: histogram(text), prefix, len: text.len() as u32 }
    }

    /// [`jaro_winkler_bound`] from the parts alone.
    fn bound(&self, other: &Part) -> f64 {
        let shared: u32 = self.histogram.iter().zip(&other.histogram).map(|(x, y)| u32::from(*x.min(y))).sum();
        if shared == 0 || self.len == 0 || other.len == 0 {
            return if self.len == 0 && other.len == 0 { 1.0 } else { 0.0 };
        }
        let m = f64::from(shared);
        let j = ((m / f64::from(self.len) + m / f64::from(other.len) + 1.0) / 3.0).min(1.0);
        let longest = self.len.min(other.len).min(4) as usize;
        let prefix = self.prefix[..longest].iter().zip(&other.prefix[..longest]).take_while(|(x, y)| x == y).count();
        (j + prefix as f64 * 0.1 * (1.0 - j)).min(1.0)
    }
}

/// A token of a [`Hot`] name.
#[derive(Debug, Clone, Copy, Default)]
struct HotToken {
    token: KeyHash,
    phonetic: KeyHash,
    /// The token's one canonical form (0 for none).
    canonical: KeyHash,
}

impl HotToken {
    /// [`TokenIds::agree`] with at most one canonical form each.
    fn agree(&self, other: &HotToken) -> bool {
        self.token == other.token
            || (self.phonetic != 0 && self.phonetic == other.phonetic)
            || (self.canonical != 0 && self.canonical == other.canonical)
    }
}

/// The part of a [`Name`] that most comparisons need, inline: names of one
/// or two words with at most one canonical form per word are `simple` and
/// compared from this alone until they prove alike.
#[derive(Debug, Clone, Copy, Default)]
struct Hot {
    concat: KeyHash,
    sorted: KeyHash,
    tokens: [HotToken; 2],
    joined: Part,
    parts: [Part; 2],
    count: u8,
    simple: bool,
}

impl Hot {
    fn new(name: &Name) -> Self {
        let p = &name.prepared;
        let mut hot = Hot {
            concat: name.concat,
            sorted: name.sorted,
            joined: Part::new(&p.joined),
            count: p.tokens.len().min(2) as u8,
            simple: (1..=2).contains(&p.tokens.len()) && p.canonical.iter().all(|c| c.len() <= 1),
            ..Hot::default()
        };
        for i in 0..usize::from(hot.count) {
            let ids = &name.tokens[i];
            hot.tokens[i] = HotToken {
                token: ids.token,
                phonetic: ids.phonetic,
                canonical: ids.canonical.first().copied().unwrap_or(0),
            };
            hot.parts[i] = Part::new(&p.tokens[i]);
        }
        hot
    }

    /// [`Tables::similarity_bound`] from the inline parts (simple names).
    fn similarity_bound(&self, other: &Hot) -> f64 {
        let joined = self.joined.bound(&other.joined);
        if self.count <= 1 && other.count <= 1 {
            return joined;
        }
        let one_way = |short: &Hot, long: &Hot| {
            let total: f64 = (0..usize::from(short.count))
                .map(|i| (0..usize::from(long.count)).map(|j| short.parts[i].bound(&long.parts[j])).fold(0.0, f64::max))
                .sum();
            total / f64::from(short.count)
        };
        let tokens = match self.count.cmp(&other.count) {
            std::cmp::Ordering::Less => one_way(self, other),
            std::cmp::Ordering::Greater => one_way(other, self),
            std::cmp::Ordering::Equal => one_way(self, other).max(one_way(other, self)),
        };
        joined.max(tokens)
    }
}

/// Safety margin of the bounds against rounding.
const BOUND_MARGIN: f64 = 1e-9;

/// One token of a [`Name`], as hashes.
#[derive(Debug, Clone, Default)]
struct TokenIds {
    token: KeyHash,
    phonetic: KeyHash,
    canonical: Box<[KeyHash]>,
}

impl TokenIds {
    /// [`super::compare`]'s `tokens_agree`: equal, same non-empty phonetic
    /// key, or a shared canonical form.
    fn agree(&self, other: &TokenIds) -> bool {
        self.token == other.token
            || (self.phonetic != 0 && self.phonetic == other.phonetic)
            || self.canonical.iter().any(|c| other.canonical.contains(c))
    }
}

/// One record: ids into [`Tables`] and the small fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompactRecord {
    pub(crate) given: u32,
    pub(crate) family: u32,
    pub(crate) mother: u32,
    pub(crate) father: u32,
    pub(crate) place: u32,
    pub(crate) citizenship: u32,
    /// Ids of [`Tables::codes`] and [`Tables::addresses`].
    pub(crate) id_number: u32,
    pub(crate) address: u32,
    pub(crate) postcode: u32,
    pub(crate) sex: Option<Sex>,
    pub(crate) dob: Option<PartialDate>,
    pub(crate) birth_years: Option<(i32, i32)>,
}

impl CompactRecord {
    pub(crate) fn birth_year(&self) -> Option<i32> {
        self.dob.map(|d| d.year)
    }
}

/// A fast hash for the interners and key hashes: eight bytes at a time,
/// each word mixed in with SplitMix64's finaliser (a bijection with full
/// avalanche). The keys are short names from the caller's own file, so
/// SipHash's protection against crafted collisions buys nothing here; a
/// plain multiply-rotate (FxHash) was tried and collides on names that
/// differ in two letters.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl KeyHasher {
    fn add(&mut self, word: u64) {
        self.0 = mix64(self.0.wrapping_add(0x9e37_79b9_7f4a_7c15) ^ word);
    }
}

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type KeyMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// A name prepared off the main thread, before it gets its id.
struct Pending {
    joined: KeyHash,
    name: Name,
    hot: Hot,
}

impl Pending {
    fn new(raw: &str, variants: &NameVariants) -> Self {
        let prepared = PreparedName::new(Some(raw), variants);
        let mut sorted = prepared.tokens.clone();
        sorted.sort_unstable();
        let histograms =
            std::iter::once(histogram(&prepared.joined)).chain(prepared.tokens.iter().map(|t| histogram(t))).collect();
        let tokens = (0..prepared.tokens.len())
            .map(|i| TokenIds {
                token: key_hash(&prepared.tokens[i]),
                phonetic: key_hash(&prepared.phonetic[i]),
                canonical: prepared.canonical[i].iter().map(|c| key_hash(c)).collect(),
            })
            .collect();
        let name = Name {
            phonetic_joined: key_hash(&prepared.phonetic_joined()),
            phonetic_first: prepared.phonetic.first().map_or(0, |k| key_hash(k)),
            canonical_first: prepared.first_canonical_or_phonetic().map_or(0, |c| key_hash(&c)),
            concat: key_hash(&prepared.tokens.concat()),
            sorted: key_hash(&sorted.join(" ")),
            histograms,
            tokens,
            prepared,
        };
        Self { joined: key_hash(&name.prepared.joined), hot: Hot::new(&name), name }
    }
}

/// Everything records point into.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// Names by id; id 0 is the empty name.
    pub(crate) names: Vec<Name>,
    name_ids: KeyMap<KeyHash, u32>,
    /// Raw names (as in the file), so that a name written the same way
    /// twice is prepared once; `raw_to_name` maps those prepared so far.
    raw_names: Interner,
    raw_to_name: Vec<u32>,
    /// Folded places and citizenships.
    pub(crate) places: Interner,
    raw_places: KeyMap<Box<str>, u32>,
    /// Document numbers and postcodes ([`code_text`]).
    pub(crate) codes: Interner,
    /// Addresses ([`address_text`]).
    addresses: Interner,
    /// What most comparisons of two names need, one small record per name
    /// id in one array (the full [`Name`]s are read only for names alike).
    hot: Vec<Hot>,
}

impl Default for Tables {
    fn default() -> Self {
        Self {
            names: vec![Name::default()],
            name_ids: KeyMap::default(),
            raw_names: Interner::default(),
            raw_to_name: vec![EMPTY],
            places: Interner::default(),
            raw_places: KeyMap::default(),
            codes: Interner::default(),
            addresses: Interner::default(),
            hot: vec![Hot::default()],
        }
    }
}

impl Tables {
    /// Prepares (on all cores) the raw names added since the last call,
    /// interns them, and turns the raw ids of `records` into name ids.
    pub(crate) fn resolve(&mut self, records: &mut [CompactRecord], variants: &NameVariants) {
        use rayon::prelude::*;
        let first = self.raw_to_name.len();
        let pending: Vec<Pending> = (first..self.raw_names.texts.len())
            .into_par_iter()
            .with_min_len(256)
            .map(|raw| Pending::new(&self.raw_names.texts[raw], variants))
            .collect();
        for p in pending {
            let id = self.intern_name(p);
            self.raw_to_name.push(id);
        }
        for r in records {
            for field in [&mut r.given, &mut r.family, &mut r.mother, &mut r.father] {
                *field = self.raw_to_name[*field as usize];
            }
        }
    }

    fn intern_name(&mut self, p: Pending) -> u32 {
        if p.name.prepared.is_empty() {
            return EMPTY;
        }
        if let Some(&id) = self.name_ids.get(&p.joined) {
            if self.names[id as usize].prepared.joined == p.name.prepared.joined {
                return id;
            }
            if let Some(found) = self.names.iter().position(|n| n.prepared.joined == p.name.prepared.joined) {
                return found as u32;
            }
            self.hot.push(p.hot);
            self.names.push(p.name);
            return self.names.len() as u32 - 1;
        }
        let id = self.names.len() as u32;
        self.name_ids.insert(p.joined, id);
        self.hot.push(p.hot);
        self.names.push(p.name);
        id
    }

    fn place(&mut self, raw: Option<&str>) -> u32 {
        let Some(raw) = raw else { return EMPTY };
        if let Some(&id) = self.raw_places.get(raw) {
            return id;
        }
        let id = self.places.intern(&crate::normalize::fold(raw));
        self.raw_places.insert(raw.into(), id);
        id
    }

    /// Adds one record, as [`super::record::Prepared::new`] prepares it;
    /// its names are raw ids until [`Tables::resolve`].
    pub(crate) fn record(&mut self, record: &Record) -> CompactRecord {
        let birth_years = match (record.estimated_age, record.registration_date) {
            (Some(age), Some(at)) => {
                let latest = at.year() - i32::from(age);
                Some((latest - 1 - AGE_TOLERANCE_YEARS, latest + AGE_TOLERANCE_YEARS))
            }
            _ => None,
        };
        let mut raw = |name: &Option<String>| name.as_deref().map_or(EMPTY, |n| self.raw_names.intern(n));
        CompactRecord {
            given: raw(&record.given_name),
            family: raw(&record.family_name),
            mother: raw(&record.mother_name),
            father: raw(&record.father_name),
            place: self.place(record.place.as_deref()),
            citizenship: self.place(record.citizenship.as_deref()),
            id_number: record.id_number.as_deref().map_or(EMPTY, |c| self.codes.intern(&code_text(c))),
            address: record.address.as_deref().map_or(EMPTY, |a| self.addresses.intern(&address_text(a))),
            postcode: record.postcode.as_deref().map_or(EMPTY, |c| self.codes.intern(&code_text(c))),
            sex: record.sex.as_deref().and_then(Sex::parse),
            dob: record.date_of_birth,
            birth_years,
        }
    }

    /// Raw names added but not yet resolved.
    pub(crate) fn unresolved(&self) -> usize {
        self.raw_names.texts.len() - self.raw_to_name.len()
    }

    /// Frees what only preparing needs (call after the last
    /// [`Tables::resolve`]; adding records afterwards still works).
    pub(crate) fn done_preparing(&mut self) {
        self.raw_places = KeyMap::default();
        self.name_ids = KeyMap::default();
        self.raw_names = Interner::default();
        self.raw_to_name = vec![EMPTY];
        self.names.shrink_to_fit();
        self.hot.shrink_to_fit();
    }

    pub(crate) fn joined(&self, name: u32) -> &str {
        &self.names[name as usize].prepared.joined
    }

    /// [`super::compare::name_level`] on interned names: the same steps,
    /// with integer comparisons where the original compares strings.
    fn name_level(&self, a: u32, b: u32) -> u8 {
        if a == EMPTY || b == EMPTY {
            return MISSING;
        }
        if a == b {
            return 0;
        }
        let (x, y) = (&self.hot[a as usize], &self.hot[b as usize]);
        if x.concat == y.concat || x.sorted == y.sorted {
            return 0;
        }
        if !(x.simple && y.simple) {
            return self.name_level_uncached(a, b);
        }
        let (xs, ys) = (&x.tokens[..usize::from(x.count)], &y.tokens[..usize::from(y.count)]);
        let covered = |short: &[HotToken], long: &[HotToken]| short.iter().all(|s| long.iter().any(|l| s.agree(l)));
        let agree = match xs.len().cmp(&ys.len()) {
            std::cmp::Ordering::Less => covered(xs, ys),
            std::cmp::Ordering::Greater => covered(ys, xs),
            std::cmp::Ordering::Equal => covered(xs, ys) || covered(ys, xs),
        };
        if agree {
            return 1;
        }
        if x.similarity_bound(y) < 0.85 - BOUND_MARGIN {
            return 4;
        }
        self.name_level_uncached(a, b)
    }

    fn name_level_uncached(&self, a: u32, b: u32) -> u8 {
        let (x, y) = (&self.names[a as usize], &self.names[b as usize]);
        if x.concat == y.concat || x.sorted == y.sorted {
            return 0;
        }
        let covered = |short: &Name, long: &Name| short.tokens.iter().all(|s| long.tokens.iter().any(|l| s.agree(l)));
        let agree = match x.tokens.len().cmp(&y.tokens.len()) {
            std::cmp::Ordering::Less => covered(x, y),
            std::cmp::Ordering::Greater => covered(y, x),
            std::cmp::Ordering::Equal => covered(x, y) || covered(y, x),
        };
        if agree {
            return 1;
        }
        if self.similarity_bound(x, y) < 0.85 - BOUND_MARGIN {
            return 4;
        }
        let mut similarity = jaro_winkler(&x.prepared.joined, &y.prepared.joined);
        // For two one-word names the token-set similarity is the same
        // Jaro-Winkler; only longer names need it.
        if similarity < 0.92 && (x.tokens.len() > 1 || y.tokens.len() > 1) {
            similarity = similarity.max(token_set_similarity(&x.prepared.tokens, &y.prepared.tokens));
        }
        if similarity >= 0.92 {
            2
        } else if similarity >= 0.85 {
            3
        } else {
            4
        }
    }

    /// An upper bound of the similarity [`name_level`](super::compare::name_level)
    /// computes: the larger of Jaro-Winkler and the token-set similarity.
    fn similarity_bound(&self, x: &Name, y: &Name) -> f64 {
        let joined = jaro_winkler_bound(&x.prepared.joined, &x.histograms[0], &y.prepared.joined, &y.histograms[0]);
        if x.tokens.len() <= 1 && y.tokens.len() <= 1 {
            return joined;
        }
        // token_set_similarity's structure, with bounds in place of scores.
        let one_way = |short: &Name, long: &Name| {
            if short.tokens.is_empty() {
                return if long.tokens.is_empty() { 1.0 } else { 0.0 };
            }
            let total: f64 = (0..short.tokens.len())
                .map(|i| {
                    (0..long.tokens.len())
                        .map(|j| {
                            jaro_winkler_bound(
                                &short.prepared.tokens[i],
                                &short.histograms[i + 1],
                                &long.prepared.tokens[j],
                                &long.histograms[j + 1],
                            )
                        })
                        .fold(0.0, f64::max)
                })
                .sum();
            total / short.tokens.len() as f64
        };
        let tokens = match x.tokens.len().cmp(&y.tokens.len()) {
            std::cmp::Ordering::Less => one_way(x, y),
            std::cmp::Ordering::Greater => one_way(y, x),
            std::cmp::Ordering::Equal => one_way(x, y).max(one_way(y, x)),
        };
        joined.max(tokens)
    }

    /// [`super::compare::parent_level`] on interned names.
    fn parent_level(&self, a: u32, b: u32) -> u8 {
        if a == EMPTY || b == EMPTY {
            return MISSING;
        }
        if a == b {
            return 0;
        }
        match self.name_level(a, b) {
            MISSING => MISSING,
            level @ 0..=2 => level,
            _ => {
                let bound = self.hot[a as usize].joined.bound(&self.hot[b as usize].joined);
                if bound >= 0.88 - BOUND_MARGIN && jaro_winkler(self.joined(a), self.joined(b)) >= 0.88 {
                    2
                } else {
                    3
                }
            }
        }
    }

    /// [`place_level`] of two interned places (or addresses); one-word
    /// places that cannot reach its similarity threshold skip Jaro-Winkler.
    fn place_level(texts: &Interner, a: u32, b: u32) -> u8 {
        if a == b {
            return if a == EMPTY { MISSING } else { 0 };
        }
        let (x, y) = (texts.text(a), texts.text(b));
        if !x.is_empty() && !y.is_empty() && !x.contains(' ') && !y.contains(' ') {
            let bound = jaro_winkler_bound(x, &histogram(x), y, &histogram(y));
            // One word each: the token-set similarity is the Jaro-Winkler.
            if bound < 0.88 - BOUND_MARGIN {
                return 2;
            }
        }
        place_level(x, y)
    }

    /// The comparison vector ([`super::compare::compare`]).
    pub(crate) fn compare(&self, a: &CompactRecord, b: &CompactRecord) -> Vector {
        let (given, family, _) = self.name_levels(a, b);
        self.rest(a, b, given, family)
    }

    /// The vector of a pair unless it is in [hard conflict](Tables::hard_conflict)
    /// (then `None`, found with as little comparing as possible: sex and
    /// birth years first, then the names).
    pub(crate) fn compare_unless_conflict(&self, a: &CompactRecord, b: &CompactRecord) -> Option<Vector> {
        let same_document = a.id_number != EMPTY && a.id_number == b.id_number;
        let years_apart = matches!((a.dob, b.dob), (Some(x), Some(y)) if (x.year - y.year).abs() > 2);
        if matches!((a.sex, b.sex), (Some(x), Some(y)) if x != y)
            || (years_apart && self.code_level(a.id_number, b.id_number) > 1)
        {
            return None;
        }
        let (given, family, swapped) = self.name_levels(a, b);
        let names_conflict = given == 4 || (swapped && family == 4);
        let mistyped = names_conflict
            && !same_document
            && self.code_level(a.id_number, b.id_number) == 1
            && mistyped_number(self.codes.text(a.id_number), self.codes.text(b.id_number));
        if names_conflict && !same_document && !mistyped {
            return None;
        }
        let v = self.rest(a, b, given, family);
        if (years_apart && !document_lifts_years_conflict(&v))
            || (names_conflict && !document_lifts_name_conflict(&v, mistyped))
        {
            return None;
        }
        Some(v)
    }

    /// The given- and family-name levels, crosswise when that agrees better
    /// (then `true`).
    fn name_levels(&self, a: &CompactRecord, b: &CompactRecord) -> (u8, u8, bool) {
        let (gg, ff) = (self.name_level(a.given, b.given), self.name_level(a.family, b.family));
        let score = |l: u8| if l == MISSING { 5 } else { u32::from(l) };
        if gg == 0 && ff == 0 {
            return (0, 0, false);
        }
        // The crosswise comparison can only win when its first level alone
        // scores below the straight ones together.
        let gf = self.name_level(a.given, b.family);
        if score(gf) >= score(gg) + score(ff) {
            return (gg, ff, false);
        }
        let fg = self.name_level(a.family, b.given);
        if swap_wins(gg, ff, gf, fg) {
            (gf.min(fg), gf.max(fg), true)
        } else {
            (gg, ff, false)
        }
    }

    /// [`code_level`] of two interned codes.
    fn code_level(&self, a: u32, b: u32) -> u8 {
        if a == b {
            return if a == EMPTY { MISSING } else { 0 };
        }
        code_level(self.codes.text(a), self.codes.text(b))
    }

    fn rest(&self, a: &CompactRecord, b: &CompactRecord, given: u8, family: u8) -> Vector {
        let nonempty = |c: u32| Some(c).filter(|&c| c != EMPTY);
        [
            given,
            family,
            date_level_of(a.dob, a.birth_years, b.dob, b.birth_years),
            agree_level(a.sex, b.sex),
            Self::place_level(&self.places, a.place, b.place),
            agree_level(nonempty(a.citizenship), nonempty(b.citizenship)),
            self.parent_level(a.mother, b.mother),
            self.parent_level(a.father, b.father),
            self.code_level(a.id_number, b.id_number),
            Self::place_level(&self.addresses, a.address, b.address),
            self.code_level(a.postcode, b.postcode),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::block::{compact_candidates, dedupe_candidates, link_candidates, unpack, DEFAULT_RULES};
    use crate::engine::compare::{compare, hard_conflict, parent_level};
    use crate::engine::record::Prepared;
    use crate::synth::{generate, Rng};
    use crate::variants::default_variants;

    #[test]
    fn compact_records_compare_and_block_like_prepared_ones() {
        // Document numbers and addresses as registers hold them: the child's
        // own number on some records, a typo on a few, a sibling's on fewer
        // (so that the conflicts it lifts, and those it must not, are met).
        let mut rng = Rng::new(5);
        let records: Vec<Record> = generate(3_000, 17)
            .into_iter()
            .map(|s| {
                let mut record = s.record;
                let number = match rng.below(10) {
                    0..=4 => Some(format!("P-{:06}", s.child)),
                    5 => Some(format!("P-{:06}", s.child + 1)),
                    6 => Some(format!("P-{:06}", s.child * 10 + 7)),
                    _ => None,
                };
                record.id_number = number;
                record.address = rng.chance(50).then(|| format!("{} Main Street", s.family % 7));
                record.postcode = rng.chance(50).then(|| format!("{}", 2600 + s.family % 11));
                record
            })
            .collect();
        let variants = default_variants();
        let prepared: Vec<Prepared> = records.iter().map(|r| Prepared::new(r, variants)).collect();
        let mut tables = Tables::default();
        let mut compact: Vec<CompactRecord> = records.iter().map(|r| tables.record(r)).collect();
        tables.resolve(&mut compact[..1_000], variants);
        tables.resolve(&mut compact[1_000..], variants);
        tables.done_preparing();
        let mut rng = Rng::new(3);
        let candidates = dedupe_candidates(&prepared, &DEFAULT_RULES, 50);
        let (packed, per_rule, oversized) = compact_candidates(&tables, &compact, None, &DEFAULT_RULES, 50);
        let unpacked: Vec<(u32, u32)> = packed.iter().map(|&p| unpack(p)).collect();
        assert_eq!(unpacked, candidates.pairs);
        assert_eq!(per_rule, candidates.per_rule);
        assert_eq!(oversized.len(), candidates.oversized.len());
        let random = (0..20_000).map(|_| (rng.below(records.len()) as u32, rng.below(records.len()) as u32));
        for (i, j) in unpacked.into_iter().chain(random) {
            let (a, b) = (i as usize, j as usize);
            let v = compare(&prepared[a], &prepared[b]);
            assert_eq!(tables.compare(&compact[a], &compact[b]), v, "{:?} / {:?}", records[a], records[b]);
            let conflict = hard_conflict(&prepared[a], &prepared[b], &v).is_some();
            assert_eq!(tables.compare_unless_conflict(&compact[a], &compact[b]), (!conflict).then_some(v));
            let n = |r: &Record| PreparedName::new(r.mother_name.as_deref(), variants);
            let (ma, mb) = (n(&records[a]), n(&records[b]));
            assert_eq!(tables.parent_level(compact[a].mother, compact[b].mother), parent_level(&ma, &mb));
        }
        let (left, right) = compact.split_at(1_000);
        let (packed, per_rule, _) = compact_candidates(&tables, left, Some(right), &DEFAULT_RULES, 50);
        let expected = link_candidates(&prepared[..1_000], &prepared[1_000..], &DEFAULT_RULES, 50);
        assert_eq!(packed.iter().map(|&p| unpack(p)).collect::<Vec<_>>(), expected.pairs);
        assert_eq!(per_rule, expected.per_rule);
    }
}
