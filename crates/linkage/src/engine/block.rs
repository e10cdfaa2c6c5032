//! Blocking: candidate pairs are only the pairs of records that share a key
//! under at least one rule, never all pairs (a million records make 5·10¹¹
//! pairs). Several rules, because each misses some matches (a misspelt family
//! name, an unknown date of birth); their union is deduplicated. A block
//! larger than a limit (a very common name with no other key) would bring
//! back quadratic work: it is first *sub-blocked* — split by further keys
//! (birth year, sex, place, given name, family name, mother's name, in that
//! order) until each part is under the limit — and only a part still too
//! large after all of them is skipped and reported; other rules are relied
//! upon for its members.

use std::collections::HashMap;

use super::record::Prepared;

/// A blocking rule: records sharing a non-empty key are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockingRule {
    /// Phonetic key of the family name + year of birth.
    FamilyPhoneticBirthYear,
    /// Phonetic keys of given and family name, in either order (tolerates
    /// swapped names).
    GivenFamilyPhonetic,
    /// Canonical variant (or phonetic key) of the first given name + sex +
    /// place: catches a changed or misspelt family name.
    GivenVariantSexPlace,
    /// Phonetic key of the given name + year of birth.
    GivenPhoneticBirthYear,
    /// Phonetic keys of the mother's name + phonetic key of the given name.
    MotherPhoneticGiven,
    /// The full date of birth (year, month and day) + sex (or its absence):
    /// catches names misspelt so that no phonetic key agrees ("Emma Louca" /
    /// "Emam Louac"), the commonest miss on FEBRL3 (692 of its 1,816 missed
    /// pairs shared the date). Year-only and month-only dates give no key: a
    /// year alone makes blocks of thousands. Sex halves the blocks of a large
    /// register (a million children share about 6,500 birth dates).
    DateOfBirth,
    /// The identity document number: a record re-registered under other
    /// names and another date keeps its document (FEBRL's corruptions
    /// replace names and dates, rarely the number).
    IdNumber,
}

/// The rules used by default, all of them.
pub const DEFAULT_RULES: [BlockingRule; 7] = [
    BlockingRule::FamilyPhoneticBirthYear,
    BlockingRule::GivenFamilyPhonetic,
    BlockingRule::GivenVariantSexPlace,
    BlockingRule::GivenPhoneticBirthYear,
    BlockingRule::MotherPhoneticGiven,
    BlockingRule::DateOfBirth,
    BlockingRule::IdNumber,
];

impl BlockingRule {
    /// Short name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            BlockingRule::FamilyPhoneticBirthYear => "family_phonetic+birth_year",
            BlockingRule::GivenFamilyPhonetic => "given_phonetic+family_phonetic",
            BlockingRule::GivenVariantSexPlace => "given_variant+sex+place",
            BlockingRule::GivenPhoneticBirthYear => "given_phonetic+birth_year",
            BlockingRule::MotherPhoneticGiven => "mother_phonetic+given_phonetic",
            BlockingRule::DateOfBirth => "date_of_birth+sex",
            BlockingRule::IdNumber => "id_number",
        }
    }

    /// The key of a record under this rule; `None` when a part is missing
    /// (a record without a family name is not blocked on it).
    pub fn key(self, r: &Prepared) -> Option<String> {
        let nonempty = |s: String| if s.is_empty() { None } else { Some(s) };
        match self {
            BlockingRule::FamilyPhoneticBirthYear => {
                Some(format!("{}|{}", nonempty(r.family.phonetic_joined())?, r.birth_year()?))
            }
            BlockingRule::GivenFamilyPhonetic => {
                let g = nonempty(r.given.phonetic.first()?.clone())?;
                let f = nonempty(r.family.phonetic.first()?.clone())?;
                Some(if g <= f { format!("{g}|{f}") } else { format!("{f}|{g}") })
            }
            BlockingRule::GivenVariantSexPlace => {
                if r.place.is_empty() {
                    return None;
                }
                Some(format!("{}|{:?}|{}", r.given.first_canonical_or_phonetic()?, r.sex?, r.place))
            }
            BlockingRule::GivenPhoneticBirthYear => {
                Some(format!("{}|{}", nonempty(r.given.phonetic.first()?.clone())?, r.birth_year()?))
            }
            BlockingRule::MotherPhoneticGiven => Some(format!(
                "{}|{}",
                nonempty(r.mother.phonetic_joined())?,
                nonempty(r.given.phonetic.first()?.clone())?
            )),
            BlockingRule::DateOfBirth => {
                let d = r.dob?;
                Some(format!("{}-{}-{}|{:?}", d.year, d.month?, d.day?, r.sex))
            }
            BlockingRule::IdNumber => nonempty(r.id_number.clone()),
        }
    }
}

/// What one rule produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCount {
    pub rule: BlockingRule,
    /// Pairs the rule produced (some also produced by earlier rules).
    pub pairs: u64,
    /// Pairs not produced by any earlier rule.
    pub new_pairs: u64,
}

/// A block skipped because it was too large.
#[derive(Debug, Clone, PartialEq)]
pub struct OversizedBlock {
    pub rule: BlockingRule,
    pub key: String,
    /// Pairs the block would have produced.
    pub pairs: u64,
}

/// Candidate pairs and how they were found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidates {
    /// Distinct pairs of indices: for dedupe `(i, j)` with `i < j` in the
    /// one list; for link `(left, right)`.
    pub pairs: Vec<(u32, u32)>,
    pub per_rule: Vec<RuleCount>,
    /// Blocks (or parts of blocks) skipped even after sub-blocking.
    pub oversized: Vec<OversizedBlock>,
    /// Blocks that were too large and were split by further keys.
    pub sub_blocked: u64,
}

/// Further keys that split an oversized block, in order of use.
const REFINERS: [fn(&Prepared) -> String; 6] = [
    |r| r.birth_year().map(|y| y.to_string()).unwrap_or_default(),
    |r| r.sex.map(|s| format!("{s:?}")).unwrap_or_default(),
    |r| r.place.clone(),
    |r| r.given.phonetic_joined(),
    |r| r.family.phonetic_joined(),
    |r| r.mother.phonetic_joined(),
];

/// Groups indices of `records` by refiner `level`.
fn refine(records: &[Prepared], members: &[u32], level: usize) -> Vec<(String, Vec<u32>)> {
    let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
    for &i in members {
        groups.entry(REFINERS[level](&records[i as usize])).or_default().push(i);
    }
    let mut groups: Vec<(String, Vec<u32>)> = groups.into_iter().collect();
    groups.sort_unstable();
    groups
}

struct Emit<'a> {
    rule: BlockingRule,
    max_pairs: u64,
    out: &'a mut Candidates,
    pairs: Vec<(u32, u32)>,
}

impl Emit<'_> {
    /// Emits the pairs of one block within one list, sub-blocking if needed.
    fn within(&mut self, records: &[Prepared], key: String, members: &[u32], level: usize) {
        let n = members.len() as u64;
        let pairs = n * n.saturating_sub(1) / 2;
        if pairs <= self.max_pairs {
            for (k, &i) in members.iter().enumerate() {
                for &j in &members[k + 1..] {
                    self.pairs.push((i.min(j), i.max(j)));
                }
            }
        } else if level < REFINERS.len() {
            if level == 0 {
                self.out.sub_blocked += 1;
            }
            for (sub, part) in refine(records, members, level) {
                self.within(records, format!("{key}/{sub}"), &part, level + 1);
            }
        } else {
            self.out.oversized.push(OversizedBlock { rule: self.rule, key, pairs });
        }
    }

    /// Emits the pairs of one block across two lists, sub-blocking if needed.
    fn across(&mut self, left: &[Prepared], right: &[Prepared], key: String, l: &[u32], r: &[u32], level: usize) {
        let pairs = l.len() as u64 * r.len() as u64;
        if pairs <= self.max_pairs {
            for &a in l {
                for &b in r {
                    self.pairs.push((a, b));
                }
            }
        } else if level < REFINERS.len() {
            if level == 0 {
                self.out.sub_blocked += 1;
            }
            let rights: HashMap<String, Vec<u32>> = refine(right, r, level).into_iter().collect();
            for (sub, part) in refine(left, l, level) {
                if let Some(other) = rights.get(&sub) {
                    self.across(left, right, format!("{key}/{sub}"), &part, other, level + 1);
                }
            }
        } else {
            self.out.oversized.push(OversizedBlock { rule: self.rule, key, pairs });
        }
    }
}

fn index_by_key(records: &[Prepared], rule: BlockingRule) -> HashMap<String, Vec<u32>> {
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(key) = rule.key(r) {
            blocks.entry(key).or_default().push(i as u32);
        }
    }
    blocks
}

/// Sorts, deduplicates and counts a rule's pairs against the pairs so far.
fn merge(all: &mut Vec<(u32, u32)>, mut new: Vec<(u32, u32)>, rule: BlockingRule, per_rule: &mut Vec<RuleCount>) {
    new.sort_unstable();
    new.dedup();
    let before = all.len();
    let fresh: Vec<(u32, u32)> = new.iter().copied().filter(|p| all.binary_search(p).is_err()).collect();
    per_rule.push(RuleCount { rule, pairs: new.len() as u64, new_pairs: fresh.len() as u64 });
    all.extend(fresh);
    if all.len() != before {
        all.sort_unstable();
    }
}

/// Candidate pairs within one list. Blocks with more than `max_pairs_per_block`
/// pairs are sub-blocked, and skipped and reported when still too large.
pub fn dedupe_candidates(records: &[Prepared], rules: &[BlockingRule], max_pairs_per_block: u64) -> Candidates {
    let mut out = Candidates::default();
    for &rule in rules {
        let mut blocks: Vec<(String, Vec<u32>)> = index_by_key(records, rule).into_iter().collect();
        blocks.sort_unstable();
        let mut emit = Emit { rule, max_pairs: max_pairs_per_block, out: &mut out, pairs: Vec::new() };
        for (key, members) in blocks {
            emit.within(records, key, &members, 0);
        }
        let new = std::mem::take(&mut emit.pairs);
        merge(&mut out.pairs, new, rule, &mut out.per_rule);
    }
    out
}

/// Candidate pairs between two lists: `(left index, right index)`.
pub fn link_candidates(
    left: &[Prepared],
    right: &[Prepared],
    rules: &[BlockingRule],
    max_pairs_per_block: u64,
) -> Candidates {
    let mut out = Candidates::default();
    for &rule in rules {
        let right_blocks = index_by_key(right, rule);
        let mut left_blocks: Vec<(String, Vec<u32>)> = index_by_key(left, rule).into_iter().collect();
        left_blocks.sort_unstable();
        let mut emit = Emit { rule, max_pairs: max_pairs_per_block, out: &mut out, pairs: Vec::new() };
        for (key, lefts) in left_blocks {
            let Some(rights) = right_blocks.get(&key) else { continue };
            emit.across(left, right, key, &lefts, rights, 0);
        }
        let new = std::mem::take(&mut emit.pairs);
        merge(&mut out.pairs, new, rule, &mut out.per_rule);
    }
    out
}

/// Key parts of interned records, for [`compact_candidates`].
mod compact_keys {
    use super::super::compact::{CompactRecord, Tables, EMPTY};
    use super::super::record::PartialDate;
    use super::BlockingRule;

    fn year(r: &CompactRecord) -> Option<u128> {
        r.birth_year().map(|y| u128::from(y as u32))
    }

    fn nonzero(id: u32) -> Option<u128> {
        (id != EMPTY).then_some(u128::from(id))
    }

    fn nonzero_hash(hash: u64) -> Option<u128> {
        (hash != 0).then_some(u128::from(hash))
    }

    /// The key of [`BlockingRule::key`], as integers: equal exactly when the
    /// string keys are equal.
    pub(crate) fn key(rule: BlockingRule, r: &CompactRecord, t: &Tables) -> Option<u128> {
        let name = |id: u32| &t.names[id as usize];
        match rule {
            BlockingRule::FamilyPhoneticBirthYear => {
                Some(nonzero_hash(name(r.family).phonetic_joined)? << 32 | year(r)?)
            }
            BlockingRule::GivenFamilyPhonetic => {
                let g = nonzero_hash(name(r.given).phonetic_first)?;
                let f = nonzero_hash(name(r.family).phonetic_first)?;
                Some(g.min(f) << 64 | g.max(f))
            }
            BlockingRule::GivenVariantSexPlace => {
                let place = nonzero(r.place)?;
                let canonical = nonzero_hash(name(r.given).canonical_first)?;
                Some(canonical << 34 | (r.sex? as u128) << 32 | place)
            }
            BlockingRule::GivenPhoneticBirthYear => Some(nonzero_hash(name(r.given).phonetic_first)? << 32 | year(r)?),
            BlockingRule::MotherPhoneticGiven => {
                Some(nonzero_hash(name(r.mother).phonetic_joined)? << 64 | nonzero_hash(name(r.given).phonetic_first)?)
            }
            BlockingRule::DateOfBirth => {
                let d = r.dob?;
                let date = u128::from(d.year as u32) << 16 | u128::from(d.month?) << 8 | u128::from(d.day?);
                Some(date << 8 | r.sex.map_or(0, |s| s as u128 + 1))
            }
            BlockingRule::IdNumber => nonzero(r.id_number),
        }
    }

    /// A readable form of a record's key (for reports of oversized blocks).
    pub(crate) fn text(rule: BlockingRule, r: &CompactRecord, t: &Tables) -> String {
        let name = |id: u32| &t.names[id as usize].prepared;
        let first = |id: u32| name(id).phonetic.first().cloned().unwrap_or_default();
        let y = r.birth_year().map(|y| y.to_string()).unwrap_or_default();
        match rule {
            BlockingRule::FamilyPhoneticBirthYear => format!("{}|{y}", name(r.family).phonetic_joined()),
            BlockingRule::GivenFamilyPhonetic => {
                let (g, f) = (first(r.given), first(r.family));
                if g <= f {
                    format!("{g}|{f}")
                } else {
                    format!("{f}|{g}")
                }
            }
            BlockingRule::GivenVariantSexPlace => format!(
                "{}|{:?}|{}",
                name(r.given).first_canonical_or_phonetic().unwrap_or_default(),
                r.sex,
                t.places.text(r.place)
            ),
            BlockingRule::GivenPhoneticBirthYear => format!("{}|{y}", first(r.given)),
            BlockingRule::MotherPhoneticGiven => format!("{}|{}", name(r.mother).phonetic_joined(), first(r.given)),
            BlockingRule::DateOfBirth => match r.dob {
                Some(PartialDate { year, month: Some(month), day: Some(day) }) => {
                    format!("{year}-{month}-{day}|{:?}", r.sex)
                }
                _ => String::new(),
            },
            BlockingRule::IdNumber => t.codes.text(r.id_number).to_string(),
        }
    }

    /// Refiner `level` of [`super::REFINERS`], as an integer.
    pub(crate) fn refiner(level: usize, r: &CompactRecord, t: &Tables) -> u64 {
        let name = |id: u32| &t.names[id as usize];
        match level {
            0 => r.birth_year().map_or(u64::MAX, |y| u64::from(y as u32)),
            1 => r.sex.map_or(u64::MAX, |s| s as u64),
            2 => u64::from(r.place),
            3 => name(r.given).phonetic_joined,
            4 => name(r.family).phonetic_joined,
            _ => name(r.mother).phonetic_joined,
        }
    }

    /// Refiner `level` as text (for reports).
    pub(crate) fn refiner_text(level: usize, r: &CompactRecord, t: &Tables) -> String {
        let name = |id: u32| &t.names[id as usize];
        match level {
            0 => r.birth_year().map(|y| y.to_string()).unwrap_or_default(),
            1 => r.sex.map(|s| format!("{s:?}")).unwrap_or_default(),
            2 => t.places.text(r.place).to_string(),
            3 => name(r.given).prepared.phonetic_joined(),
            4 => name(r.family).prepared.phonetic_joined(),
            _ => name(r.mother).prepared.phonetic_joined(),
        }
    }
}

/// Pairs packed as `i << 32 | j`.
pub(crate) fn pack(i: u32, j: u32) -> u64 {
    u64::from(i) << 32 | u64::from(j)
}

/// Unpacks [`pack`].
pub(crate) fn unpack(p: u64) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

struct CompactEmit<'a> {
    tables: &'a super::compact::Tables,
    rule: BlockingRule,
    max_pairs: u64,
    oversized: Vec<OversizedBlock>,
    sub_blocked: u64,
    pairs: Vec<u64>,
}

impl CompactEmit<'_> {
    /// Splits `members` (indices into `records`) by refiner `level`.
    fn split(&self, records: &[super::compact::CompactRecord], members: &[u32], level: usize) -> Vec<(u64, Vec<u32>)> {
        let mut keyed: Vec<(u64, u32)> =
            members.iter().map(|&i| (compact_keys::refiner(level, &records[i as usize], self.tables), i)).collect();
        keyed.sort_unstable();
        let mut out: Vec<(u64, Vec<u32>)> = Vec::new();
        for (k, i) in keyed {
            match out.last_mut() {
                Some((last, part)) if *last == k => part.push(i),
                _ => out.push((k, vec![i])),
            }
        }
        out
    }

    fn within(
        &mut self,
        records: &[super::compact::CompactRecord],
        key: &dyn Fn() -> String,
        members: &[u32],
        level: usize,
    ) {
        let n = members.len() as u64;
        let pairs = n * n.saturating_sub(1) / 2;
        if pairs <= self.max_pairs {
            for (k, &i) in members.iter().enumerate() {
                for &j in &members[k + 1..] {
                    self.pairs.push(pack(i.min(j), i.max(j)));
                }
            }
        } else if level < REFINERS.len() {
            if level == 0 {
                self.sub_blocked += 1;
            }
            for (_, part) in self.split(records, members, level) {
                let first = part[0] as usize;
                let sub = || format!("{}/{}", key(), compact_keys::refiner_text(level, &records[first], self.tables));
                self.within(records, &sub, &part, level + 1);
            }
        } else {
            self.oversized.push(OversizedBlock { rule: self.rule, key: key(), pairs });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn across(
        &mut self,
        left: &[super::compact::CompactRecord],
        right: &[super::compact::CompactRecord],
        key: &dyn Fn() -> String,
        l: &[u32],
        r: &[u32],
        level: usize,
    ) {
        let pairs = l.len() as u64 * r.len() as u64;
        if pairs <= self.max_pairs {
            for &a in l {
                for &b in r {
                    self.pairs.push(pack(a, b));
                }
            }
        } else if level < REFINERS.len() {
            if level == 0 {
                self.sub_blocked += 1;
            }
            let rights: HashMap<u64, Vec<u32>> = self.split(right, r, level).into_iter().collect();
            for (sub, part) in self.split(left, l, level) {
                if let Some(other) = rights.get(&sub) {
                    let first = part[0] as usize;
                    let text = || format!("{}/{}", key(), compact_keys::refiner_text(level, &left[first], self.tables));
                    self.across(left, right, &text, &part, other, level + 1);
                }
            }
        } else {
            self.oversized.push(OversizedBlock { rule: self.rule, key: key(), pairs });
        }
    }
}

/// Runs of equal keys in `(key, index)` pairs sorted by key.
fn runs(keyed: &[(u128, u32)]) -> impl Iterator<Item = &[(u128, u32)]> {
    keyed.chunk_by(|a, b| a.0 == b.0)
}

fn keyed(
    records: &[super::compact::CompactRecord],
    tables: &super::compact::Tables,
    rule: BlockingRule,
) -> Vec<(u128, u32)> {
    use rayon::prelude::*;
    let mut keyed: Vec<(u128, u32)> = records
        .par_iter()
        .enumerate()
        .filter_map(|(i, r)| Some((compact_keys::key(rule, r, tables)?, i as u32)))
        .collect();
    keyed.par_sort_unstable();
    keyed
}

/// Merges a rule's sorted, distinct pairs into the sorted pairs so far;
/// returns how many were new.
fn merge_sorted(all: &mut Vec<u64>, new: &[u64]) -> u64 {
    let mut merged = Vec::with_capacity(all.len() + new.len());
    let (mut a, mut b) = (0, 0);
    let mut fresh = 0;
    while a < all.len() || b < new.len() {
        if b == new.len() || (a < all.len() && all[a] < new[b]) {
            merged.push(all[a]);
            a += 1;
        } else if a == all.len() || new[b] < all[a] {
            merged.push(new[b]);
            fresh += 1;
            b += 1;
        } else {
            merged.push(all[a]);
            a += 1;
            b += 1;
        }
    }
    *all = merged;
    fresh
}

/// Candidate pairs of interned records: within `records` (dedupe, `right`
/// is `None`) or between `records` and `right`. Same pairs as
/// [`dedupe_candidates`] and [`link_candidates`]; packed ([`unpack`]) and
/// sorted.
pub(crate) fn compact_candidates(
    tables: &super::compact::Tables,
    records: &[super::compact::CompactRecord],
    right: Option<&[super::compact::CompactRecord]>,
    rules: &[BlockingRule],
    max_pairs_per_block: u64,
) -> (Vec<u64>, Vec<RuleCount>, Vec<OversizedBlock>) {
    let mut all: Vec<u64> = Vec::new();
    let mut per_rule = Vec::new();
    let mut oversized = Vec::new();
    for &rule in rules {
        let mut emit = CompactEmit {
            tables,
            rule,
            max_pairs: max_pairs_per_block,
            oversized: Vec::new(),
            sub_blocked: 0,
            pairs: Vec::new(),
        };
        let left_keys = keyed(records, tables, rule);
        match right {
            None => {
                for run in runs(&left_keys) {
                    let members: Vec<u32> = run.iter().map(|k| k.1).collect();
                    let first = members[0] as usize;
                    emit.within(records, &|| compact_keys::text(rule, &records[first], tables), &members, 0);
                }
            }
            Some(right) => {
                let right_keys = keyed(right, tables, rule);
                let mut rights = runs(&right_keys).peekable();
                for run in runs(&left_keys) {
                    let key = run[0].0;
                    while rights.peek().is_some_and(|r| r[0].0 < key) {
                        rights.next();
                    }
                    let Some(other) = rights.peek().filter(|r| r[0].0 == key) else { continue };
                    let l: Vec<u32> = run.iter().map(|k| k.1).collect();
                    let r: Vec<u32> = other.iter().map(|k| k.1).collect();
                    let first = l[0] as usize;
                    emit.across(records, right, &|| compact_keys::text(rule, &records[first], tables), &l, &r, 0);
                }
            }
        }
        let mut new = std::mem::take(&mut emit.pairs);
        oversized.append(&mut emit.oversized);
        rayon::slice::ParallelSliceMut::par_sort_unstable(&mut new[..]);
        new.dedup();
        let fresh = merge_sorted(&mut all, &new);
        per_rule.push(RuleCount { rule, pairs: new.len() as u64, new_pairs: fresh });
    }
    (all, per_rule, oversized)
}
