//! The record-linkage engine: finding the same child across registers.
//!
//! 1. [`record`]: records and their prepared form (computed once).
//! 2. [`compare`](mod@compare): comparators and per-field comparison levels.
//! 3. [`block`]: candidate pairs from several blocking rules, never all pairs.
//! 4. [`model`]: Fellegi–Sunter with u from random pairs, m and λ by EM,
//!    term-frequency adjustment, explanations.
//! 5. [`cluster`]: clusters that never hold two records in hard conflict.
//!
//! [`dedupe`] and [`link`] run the whole pipeline ([`dedupe_register`] and
//! [`link_register`] on a [`Register`] filled one record at a time, as the
//! CLI does with a file). The pipeline works on the compact form of
//! `compact` (names interned and prepared once, integer keys), which
//! compares exactly like [`record::Prepared`] and [`compare::compare`] — those
//! remain the reference and what [`explain`] uses — at a million records in
//! about a gigabyte. Comparing, scoring and preparing names run on all
//! cores (rayon); results do not depend on the number of threads. The default threshold is a
//! match probability of 0.9 ([`DEFAULT_THRESHOLD`]): a false link mixes two
//! children's files, so the engine leans to precision; pairs below it are
//! for a caseworker's review, not automatic merging.

pub mod block;
pub mod cluster;
pub(crate) mod compact;
pub mod compare;
pub mod model;
pub mod record;

use std::collections::HashMap;

use block::{BlockingRule, OversizedBlock, RuleCount, DEFAULT_RULES};
use compact::{CompactRecord, Tables};
use compare::{compare, hard_conflict, names_swapped, Vector, FIELDS, MISSING};
use model::{count_vectors, estimate_u, EmReport, Explanation, Model, Scorer, TermFrequencies, FLOOR};
use rayon::prelude::*;
use record::{Prepared, Record};

use crate::variants::{default_variants, NameVariants};

/// Default match-probability threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.9;

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    /// Pairs at or above this probability are matches.
    pub threshold: f64,
    pub rules: Vec<BlockingRule>,
    /// Blocks producing more pairs are split by further keys
    /// ([`block`]), and skipped (and reported) when still too large. 300
    /// keeps a million synthetic records at 9 million candidate pairs (5,000:
    /// 27 million, for 0.005 more F1).
    pub max_pairs_per_block: u64,
    /// Random pairs compared to estimate u.
    pub u_sample_pairs: usize,
    /// Candidate pairs EM trains on at most (an even sample of them when
    /// there are more: m and λ need the mix of levels, not every pair).
    pub em_sample_pairs: usize,
    pub em_max_iterations: usize,
    pub em_tolerance: f64,
    /// A scored pair at or below this weight (bits) keeps its records apart
    /// in clustering.
    pub cannot_link_bits: f64,
    pub variants: &'a NameVariants,
    /// Seed of the random pair sample (runs are reproducible).
    pub seed: u64,
}

impl Default for Settings<'_> {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            rules: DEFAULT_RULES.to_vec(),
            max_pairs_per_block: 300,
            u_sample_pairs: 200_000,
            em_sample_pairs: 500_000,
            em_max_iterations: 100,
            em_tolerance: 1e-9,
            cannot_link_bits: -10.0,
            variants: default_variants(),
            seed: 0x5afe_9a7e,
        }
    }
}

/// A pair of records with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    pub left_id: String,
    pub right_id: String,
    pub probability: f64,
    pub weight: f64,
}

/// Result of [`dedupe`].
#[derive(Debug, Clone)]
pub struct DedupeResult {
    /// Matching pairs (at or above the threshold, no hard conflict), by
    /// decreasing probability.
    pub pairs: Vec<ScoredPair>,
    /// Every record's cluster: `(id, cluster_id)`, in input order.
    pub clusters: Vec<(String, usize)>,
    /// Candidate pairs per blocking rule.
    pub blocking: Vec<RuleCount>,
    pub oversized_blocks: Vec<OversizedBlock>,
    pub candidate_pairs: usize,
    pub scorer: Scorer,
    pub em: EmReport,
}

/// Result of [`link`].
#[derive(Debug, Clone)]
pub struct LinkResult {
    /// Matching pairs (left id, right id), by decreasing probability.
    pub pairs: Vec<ScoredPair>,
    pub blocking: Vec<RuleCount>,
    pub oversized_blocks: Vec<OversizedBlock>,
    pub candidate_pairs: usize,
    pub scorer: Scorer,
    pub em: EmReport,
}

/// SplitMix64: a small deterministic generator for the random pair sample.
struct SplitMix(u64);

impl SplitMix {
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
}

/// Explains the score of two prepared records.
pub fn explain(scorer: &Scorer, a: &Prepared, b: &Prepared) -> Explanation {
    let v = compare(a, b);
    let swapped = names_swapped(a, b);
    let mut e = scorer.explain_vector(&v, &a.given.joined, &a.family.joined);
    e.names_swapped = swapped;
    e.conflict = hard_conflict(a, b, &v);
    e
}

/// Comparison vectors of pairs, on both cores (the order is kept).
fn vectors_of(tables: &Tables, left: &[CompactRecord], right: &[CompactRecord], pairs: &[u64]) -> Vec<Vector> {
    pairs
        .par_iter()
        .with_min_len(4096)
        .map(|&p| {
            let (i, j) = block::unpack(p);
            tables.compare(&left[i as usize], &right[j as usize])
        })
        .collect()
}

fn train(
    tables: &Tables,
    left: &[CompactRecord],
    right: &[CompactRecord],
    candidates: &[u64],
    settings: &Settings,
    same_list: bool,
) -> (Scorer, EmReport) {
    let mut rng = SplitMix(settings.seed);
    let mut sample = Vec::new();
    if left.len() >= 2 || (!same_list && !left.is_empty() && !right.is_empty()) {
        for _ in 0..settings.u_sample_pairs {
            let i = rng.below(left.len());
            let j = rng.below(right.len());
            if same_list && i == j {
                continue;
            }
            sample.push(block::pack(i as u32, j as u32));
        }
    }
    let u = estimate_u(&count_vectors(vectors_of(tables, left, right, &sample)));
    drop(sample);
    let total_pairs = if same_list {
        left.len() as f64 * (left.len() as f64 - 1.0) / 2.0
    } else {
        left.len() as f64 * right.len() as f64
    };
    let stride = candidates.len().div_ceil(settings.em_sample_pairs.max(1)).max(1);
    let sample: Vec<u64> = candidates.iter().step_by(stride).copied().collect();
    let vectors = vectors_of(tables, left, right, &sample);
    drop(sample);
    let counted = vectors
        .par_chunks(1 << 16)
        .map(|chunk| {
            let mut counts: HashMap<Vector, u64> = HashMap::new();
            for v in chunk {
                *counts.entry(*v).or_default() += 1;
            }
            counts
        })
        .reduce(HashMap::new, |mut a, b| {
            for (v, n) in b {
                *a.entry(v).or_default() += n;
            }
            a
        });
    let mut counted: Vec<(Vector, u64)> = counted.into_iter().collect();
    counted.sort_unstable();
    // Seed: same (or variant) given and family names and the same date of
    // birth (or day and month swapped), with no hard conflict possible.
    let mut model =
        Model::seeded(&counted, |v| v[0] <= 1 && v[1] <= 1 && v[2] <= 1).unwrap_or_else(|| Model::initial(u.clone()));
    let em = model.fit(&counted, settings.em_max_iterations, settings.em_tolerance);
    let model = model.for_scoring(u, candidates.len() as u64, total_pairs);
    // Term frequencies of the folded names, counted per interned name.
    let records = if same_list { left.len() } else { left.len() + right.len() };
    let all = || left.iter().chain(if same_list { &[][..] } else { right }).take(records);
    let mut given = vec![0u32; tables.names.len()];
    let mut family = vec![0u32; tables.names.len()];
    for r in all() {
        given[r.given as usize] += 1;
        family[r.family as usize] += 1;
    }
    let counts =
        |c: &[u32]| TermFrequencies::from_counts(c.iter().enumerate().map(|(id, &n)| (tables.joined(id as u32), n)));
    let scorer = Scorer { model, given_tf: counts(&given), family_tf: counts(&family) };
    (scorer, em)
}

/// What scoring needs per pair, precomputed: bits per field and level, and
/// the term-frequency-adjusted bits of an exact name match per name.
struct FastScorer {
    bits: Vec<Vec<f64>>,
    given_exact: Vec<Option<f64>>,
    family_exact: Vec<Option<f64>>,
    model: Model,
}

impl FastScorer {
    fn new(scorer: &Scorer, tables: &Tables) -> Self {
        let model = scorer.model.clone();
        let bits = FIELDS
            .iter()
            .enumerate()
            .map(|(f, field)| (0..field.levels().len()).map(|l| model.bits(f, l as u8)).collect())
            .collect();
        let exact = |tf: &TermFrequencies, f: usize| -> Vec<Option<f64>> {
            (0..tables.names.len())
                .map(|id| tf.frequency(tables.joined(id as u32)).map(|t| (model.m[f][0] / t.max(FLOOR)).log2()))
                .collect()
        };
        let given_exact = exact(&scorer.given_tf, 0);
        let family_exact = exact(&scorer.family_tf, 1);
        Self { bits, given_exact, family_exact, model }
    }

    /// Weight and probability, as [`Scorer::explain_vector`] computes them.
    fn score(&self, v: &Vector, a: &CompactRecord) -> (f64, f64) {
        let mut weight = 0.0;
        for (f, &level) in v.iter().enumerate() {
            let bits = match (f, level) {
                (_, MISSING) => 0.0,
                (0, 0) => self.given_exact[a.given as usize].unwrap_or(self.bits[0][0]),
                (1, 0) => self.family_exact[a.family as usize].unwrap_or(self.bits[1][0]),
                _ => self.bits[f][usize::from(level)],
            };
            weight += bits;
        }
        (weight, self.model.probability(weight))
    }
}

/// Scored candidate pairs, kept only where they matter: links (at or
/// above the threshold, no hard conflict: `(i, j, probability, weight)`)
/// and, sorted, the other pairs that must keep their records apart in
/// clustering (weight at or below the cannot-link limit; pairs in hard
/// conflict are recognised again when clustering, so are not kept). A pair
/// whose sexes or birth years already make a hard conflict is not compared
/// further: it can be neither.
#[allow(clippy::type_complexity)]
fn score(
    scorer: &FastScorer,
    tables: &Tables,
    left: &[CompactRecord],
    right: &[CompactRecord],
    candidates: &[u64],
    settings: &Settings,
) -> (Vec<(u32, u32, f64, f64)>, Vec<u64>) {
    let scored: Vec<(Vec<(u32, u32, f64, f64)>, Vec<u64>)> = candidates
        .par_chunks(1 << 14)
        .map(|pairs| {
            let (mut links, mut apart) = (Vec::new(), Vec::new());
            for &p in pairs {
                let (i, j) = block::unpack(p);
                let (a, b) = (&left[i as usize], &right[j as usize]);
                let Some(v) = tables.compare_unless_conflict(a, b) else { continue };
                let (weight, probability) = scorer.score(&v, a);
                if probability >= settings.threshold {
                    links.push((i, j, probability, weight));
                } else if weight <= settings.cannot_link_bits {
                    apart.push(p);
                }
            }
            (links, apart)
        })
        .collect();
    let mut links = Vec::new();
    let mut apart = Vec::new();
    for (l, a) in scored {
        links.extend(l);
        apart.extend(a);
    }
    apart.par_sort_unstable();
    (links, apart)
}

/// The links as [`ScoredPair`]s, most probable first.
fn accepted_pairs(links: &[(u32, u32, f64, f64)], register: &Register, right_offset: usize) -> Vec<ScoredPair> {
    let mut pairs: Vec<ScoredPair> = links
        .iter()
        .map(|&(i, j, probability, weight)| ScoredPair {
            left_id: register.id(i as usize).to_string(),
            right_id: register.id(j as usize + right_offset).to_string(),
            probability,
            weight,
        })
        .collect();
    pairs.sort_by(|a, b| b.probability.total_cmp(&a.probability).then_with(|| a.left_id.cmp(&b.left_id)));
    pairs
}

/// Records prepared for the engine, one at a time (a register read from a
/// file need not be held as [`Record`]s): names are interned and prepared
/// once per distinct name (module `compact`). For [`link_register`], the left
/// register's records come first.
#[derive(Debug, Clone)]
pub struct Register<'a> {
    variants: &'a NameVariants,
    tables: Tables,
    records: Vec<CompactRecord>,
    /// All ids, one after the other; `id_ends[i]` ends record `i`'s.
    ids: String,
    id_ends: Vec<u32>,
    /// Records before this one have their names resolved.
    resolved: usize,
}

impl<'a> Register<'a> {
    pub fn new(variants: &'a NameVariants) -> Self {
        Self {
            variants,
            tables: Tables::default(),
            records: Vec::new(),
            ids: String::new(),
            id_ends: Vec::new(),
            resolved: 0,
        }
    }

    /// Adds one record. Names are prepared in batches, on all cores.
    pub fn push(&mut self, record: &Record) {
        self.records.push(self.tables.record(record));
        self.ids.push_str(&record.id);
        self.id_ends.push(self.ids.len() as u32);
        if self.tables.unresolved() >= 1 << 16 {
            self.resolve();
        }
    }

    fn resolve(&mut self) {
        self.tables.resolve(&mut self.records[self.resolved..], self.variants);
        self.resolved = self.records.len();
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The id of record `i`.
    pub fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] as usize };
        &self.ids[start..self.id_ends[i] as usize]
    }

    /// Prepares what is still pending and frees what was only needed while
    /// records were added. The engine calls it; adding records afterwards
    /// still works.
    pub fn finish(&mut self) {
        self.resolve();
        self.tables.done_preparing();
        self.records.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.id_ends.shrink_to_fit();
    }
}

/// Finds the duplicates in one list of records.
pub fn dedupe(records: &[Record], settings: &Settings) -> DedupeResult {
    let mut register = Register::new(settings.variants);
    for r in records {
        register.push(r);
    }
    register.finish();
    dedupe_register(&mut register, settings)
}

/// [`dedupe`] on a [`Register`].
pub fn dedupe_register(register: &mut Register, settings: &Settings) -> DedupeResult {
    register.finish();
    let register = &*register;
    let (tables, records) = (&register.tables, &register.records[..]);
    let (candidates, per_rule, oversized) =
        block::compact_candidates(tables, records, None, &settings.rules, settings.max_pairs_per_block);
    let (scorer, em) = train(tables, records, records, &candidates, settings, true);
    let fast = FastScorer::new(&scorer, tables);
    let (links, apart) = score(&fast, tables, records, records, &candidates, settings);
    let candidate_pairs = candidates.len();
    drop(candidates);
    let cluster_links: Vec<(u32, u32, f64)> = links.iter().map(|l| (l.0, l.1, l.2)).collect();
    let cluster_of = cluster::constrained_clusters(records.len(), &cluster_links, |x, y| {
        let (a, b) = (&records[x as usize], &records[y as usize]);
        apart.binary_search(&block::pack(x.min(y), x.max(y))).is_ok() || tables.compare_unless_conflict(a, b).is_none()
    });
    DedupeResult {
        pairs: accepted_pairs(&links, register, 0),
        clusters: cluster_of.into_iter().enumerate().map(|(i, c)| (register.id(i).to_string(), c)).collect(),
        blocking: per_rule,
        oversized_blocks: oversized,
        candidate_pairs,
        scorer,
        em,
    }
}

/// Finds the records of `right` that are children of `left`.
pub fn link(left: &[Record], right: &[Record], settings: &Settings) -> LinkResult {
    let mut register = Register::new(settings.variants);
    for r in left.iter().chain(right) {
        register.push(r);
    }
    register.finish();
    link_register(&mut register, left.len(), settings)
}

/// [`link`] on a [`Register`] whose first `left_len` records are the left
/// list and the others the right one.
pub fn link_register(register: &mut Register, left_len: usize, settings: &Settings) -> LinkResult {
    register.finish();
    let register = &*register;
    let tables = &register.tables;
    let left_len = left_len.min(register.records.len());
    let (l, r) = register.records.split_at(left_len);
    let (candidates, per_rule, oversized) =
        block::compact_candidates(tables, l, Some(r), &settings.rules, settings.max_pairs_per_block);
    let (scorer, em) = train(tables, l, r, &candidates, settings, false);
    let fast = FastScorer::new(&scorer, tables);
    let (links, _) = score(&fast, tables, l, r, &candidates, settings);
    LinkResult {
        pairs: accepted_pairs(&links, register, left_len),
        blocking: per_rule,
        oversized_blocks: oversized,
        candidate_pairs: candidates.len(),
        scorer,
        em,
    }
}
