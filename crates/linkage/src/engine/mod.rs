//! The record-linkage engine: finding the same child across registers.
//!
//! 1. [`record`]: records and their prepared form (computed once).
//! 2. [`compare`]: comparators and per-field comparison levels.
//! 3. [`block`]: candidate pairs from several blocking rules, never all pairs.
//! 4. [`model`]: Fellegi–Sunter with u from random pairs, m and λ by EM,
//!    term-frequency adjustment, explanations.
//! 5. [`cluster`]: clusters that never hold two records in hard conflict.
//!
//! [`dedupe`] and [`link`] run the whole pipeline. The default threshold is a
//! match probability of 0.9 ([`DEFAULT_THRESHOLD`]): a false link mixes two
//! children's files, so the engine leans to precision; pairs below it are
//! for a caseworker's review, not automatic merging.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod model;
pub mod record;

use block::{BlockingRule, OversizedBlock, RuleCount, DEFAULT_RULES};
use compare::{compare, hard_conflict, names_swapped, Vector};
use model::{count_vectors, estimate_u, EmReport, Explanation, Model, Scorer, TermFrequencies};
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
    /// Blocks producing more pairs are skipped (and reported).
    pub max_pairs_per_block: u64,
    /// Random pairs compared to estimate u.
    pub u_sample_pairs: usize,
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
            max_pairs_per_block: 5_000,
            u_sample_pairs: 200_000,
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

fn train(
    left: &[Prepared],
    right: &[Prepared],
    candidates: &[(u32, u32)],
    settings: &Settings,
    same_list: bool,
) -> (Scorer, EmReport, Vec<Vector>) {
    let mut rng = SplitMix(settings.seed);
    let mut random = Vec::new();
    if left.len() >= 2 || (!same_list && !left.is_empty() && !right.is_empty()) {
        for _ in 0..settings.u_sample_pairs {
            let i = rng.below(left.len());
            let j = rng.below(right.len());
            if same_list && i == j {
                continue;
            }
            random.push(compare(&left[i], &right[j]));
        }
    }
    let u = estimate_u(&count_vectors(random));
    let total_pairs = if same_list {
        left.len() as f64 * (left.len() as f64 - 1.0) / 2.0
    } else {
        left.len() as f64 * right.len() as f64
    };
    let vectors: Vec<Vector> =
        candidates.iter().map(|&(i, j)| compare(&left[i as usize], &right[j as usize])).collect();
    let counted = count_vectors(vectors.iter().copied());
    // Seed: same (or variant) given and family names and the same date of
    // birth (or day and month swapped), with no hard conflict possible.
    let mut model =
        Model::seeded(&counted, |v| v[0] <= 1 && v[1] <= 1 && v[2] <= 1).unwrap_or_else(|| Model::initial(u.clone()));
    let em = model.fit(&counted, settings.em_max_iterations, settings.em_tolerance);
    let model = model.for_scoring(u, candidates.len() as u64, total_pairs);
    let all = || left.iter().chain(if same_list { &[][..] } else { right });
    let scorer = Scorer {
        model,
        given_tf: TermFrequencies::new(all().map(|p| p.given.joined.as_str())),
        family_tf: TermFrequencies::new(all().map(|p| p.family.joined.as_str())),
    };
    (scorer, em, vectors)
}

/// Scores candidate pairs: `(i, j, probability, weight, conflict)`.
fn score(
    scorer: &Scorer,
    left: &[Prepared],
    right: &[Prepared],
    candidates: &[(u32, u32)],
    vectors: &[Vector],
) -> Vec<(u32, u32, f64, f64, bool)> {
    candidates
        .iter()
        .zip(vectors)
        .map(|(&(i, j), v)| {
            let (a, b) = (&left[i as usize], &right[j as usize]);
            let e = scorer.explain_vector(v, &a.given.joined, &a.family.joined);
            (i, j, e.probability, e.weight, hard_conflict(a, b, v).is_some())
        })
        .collect()
}

/// The scored pairs accepted as links (at or above the threshold, no hard
/// conflict), most probable first.
fn accepted_pairs(
    scored: &[(u32, u32, f64, f64, bool)],
    left: &[Prepared],
    right: &[Prepared],
    threshold: f64,
) -> Vec<ScoredPair> {
    let mut pairs: Vec<ScoredPair> = scored
        .iter()
        .filter(|s| !s.4 && s.2 >= threshold)
        .map(|s| ScoredPair {
            left_id: left[s.0 as usize].id.clone(),
            right_id: right[s.1 as usize].id.clone(),
            probability: s.2,
            weight: s.3,
        })
        .collect();
    pairs.sort_by(|a, b| b.probability.total_cmp(&a.probability).then_with(|| a.left_id.cmp(&b.left_id)));
    pairs
}

/// Records prepared for the engine, one at a time (a register read from a
/// file need not be held as [`Record`]s). For [`link_register`], the left
/// register's records come first.
#[derive(Debug, Clone)]
pub struct Register<'a> {
    variants: &'a NameVariants,
    prepared: Vec<Prepared>,
}

impl<'a> Register<'a> {
    pub fn new(variants: &'a NameVariants) -> Self {
        Self { variants, prepared: Vec::new() }
    }

    /// Prepares and adds one record.
    pub fn push(&mut self, record: &Record) {
        self.prepared.push(Prepared::new(record, self.variants));
    }

    pub fn len(&self) -> usize {
        self.prepared.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prepared.is_empty()
    }
}

/// Finds the duplicates in one list of records.
pub fn dedupe(records: &[Record], settings: &Settings) -> DedupeResult {
    let mut register = Register::new(settings.variants);
    for r in records {
        register.push(r);
    }
    dedupe_register(&register, settings)
}

/// [`dedupe`] on a [`Register`].
pub fn dedupe_register(register: &Register, settings: &Settings) -> DedupeResult {
    let prepared = &register.prepared;
    let candidates = block::dedupe_candidates(prepared, &settings.rules, settings.max_pairs_per_block);
    let (scorer, em, vectors) = train(prepared, prepared, &candidates.pairs, settings, true);
    let scored = score(&scorer, prepared, prepared, &candidates.pairs, &vectors);
    let cannot =
        cluster::pair_set(scored.iter().filter(|s| s.4 || s.3 <= settings.cannot_link_bits).map(|s| (s.0, s.1)));
    let links: Vec<(u32, u32, f64)> =
        scored.iter().filter(|s| !s.4 && s.2 >= settings.threshold).map(|s| (s.0, s.1, s.2)).collect();
    let cluster_of = cluster::constrained_clusters(prepared.len(), &links, |x, y| {
        let (a, b) = (&prepared[x as usize], &prepared[y as usize]);
        cannot.contains(&(x.min(y), x.max(y))) || hard_conflict(a, b, &compare(a, b)).is_some()
    });
    DedupeResult {
        pairs: accepted_pairs(&scored, prepared, prepared, settings.threshold),
        clusters: prepared.iter().zip(cluster_of).map(|(p, c)| (p.id.clone(), c)).collect(),
        blocking: candidates.per_rule,
        oversized_blocks: candidates.oversized,
        candidate_pairs: candidates.pairs.len(),
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
    link_register(&register, left.len(), settings)
}

/// [`link`] on a [`Register`] whose first `left_len` records are the left
/// list and the others the right one.
pub fn link_register(register: &Register, left_len: usize, settings: &Settings) -> LinkResult {
    let (l, r) = register.prepared.split_at(left_len.min(register.prepared.len()));
    let candidates = block::link_candidates(l, r, &settings.rules, settings.max_pairs_per_block);
    let (scorer, em, vectors) = train(l, r, &candidates.pairs, settings, false);
    let scored = score(&scorer, l, r, &candidates.pairs, &vectors);
    LinkResult {
        pairs: accepted_pairs(&scored, l, r, settings.threshold),
        blocking: candidates.per_rule,
        oversized_blocks: candidates.oversized,
        candidate_pairs: candidates.pairs.len(),
        scorer,
        em,
    }
}
