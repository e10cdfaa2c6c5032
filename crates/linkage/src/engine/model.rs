//! The Fellegi–Sunter model. For each field and level, `m` is the probability
//! of that level among pairs of records of the same child, `u` among pairs of
//! different children. A pair's match weight is the sum over fields of
//! log2(m/u) (missing fields count 0), and with the prior λ (share of
//! candidate pairs that match) gives a probability.
//!
//! No labels exist in a register, so: `u` is estimated from random pairs of
//! records (nearly all non-matches), and `m` and λ by
//! expectation–maximisation over the candidate pairs' comparison vectors (a
//! two-class mixture with its own `u`, starting from the random one), then
//! scored with the random-pair `u` and a prior over all pairs
//! ([`Model::for_scoring`]). Candidate pairs have few distinct vectors, so EM runs over
//! distinct vectors weighted by their count: each iteration costs the number
//! of distinct vectors, not of pairs.
//!
//! Term frequencies: agreeing on "Mohammed" says less than agreeing on a rare
//! name. For an exact given- or family-name match, `u` is replaced by the
//! name's frequency among the records (the chance that a random other record
//! has that name).

use std::collections::HashMap;

use super::compare::{Field, Vector, FIELDS, MISSING};

/// Smallest probability used, so that no level has weight ±∞.
pub(crate) const FLOOR: f64 = 1e-6;

/// Smallest `m` EM may give a level. Without it, a level never seen among
/// matches of the training data (a place written differently, say) gets
/// m ≈ 0 and a weight of −30 bits, and one such field would veto any true
/// match in later data: a learnt certainty the sample cannot support.
pub const M_FLOOR: f64 = 0.005;

/// m and u per field and level, and the prior.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Prior probability that a candidate pair is a match.
    pub lambda: f64,
    /// `m[field][level]`.
    pub m: Vec<Vec<f64>>,
    /// `u[field][level]`.
    pub u: Vec<Vec<f64>>,
}

/// How EM went.
#[derive(Debug, Clone, PartialEq)]
pub struct EmReport {
    pub iterations: usize,
    pub converged: bool,
    /// Log-likelihood after each iteration (non-decreasing: EM's guarantee).
    pub log_likelihood: Vec<f64>,
    /// Distinct comparison vectors EM ran over.
    pub distinct_vectors: usize,
}

/// Frequency of each value of a name field among the records, for term
/// frequency adjustment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermFrequencies {
    counts: HashMap<String, u32>,
    total: u64,
}

impl TermFrequencies {
    /// Counts the values (empty ones ignored).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut tf = Self::default();
        for value in values {
            if !value.is_empty() {
                *tf.counts.entry(value.to_string()).or_default() += 1;
                tf.total += 1;
            }
        }
        tf
    }

    /// From counts already made (values with a count of 0 are left out).
    pub fn from_counts<'a>(counts: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let mut tf = Self::default();
        for (value, count) in counts {
            if !value.is_empty() && count > 0 {
                tf.counts.insert(value.to_string(), count);
                tf.total += u64::from(count);
            }
        }
        tf
    }

    /// Share of records with this value; `None` when unknown.
    pub fn frequency(&self, value: &str) -> Option<f64> {
        let count = *self.counts.get(value)?;
        Some(f64::from(count) / self.total as f64)
    }
}

fn normalised(mut v: Vec<f64>) -> Vec<f64> {
    for x in &mut v {
        *x = x.max(FLOOR);
    }
    let sum: f64 = v.iter().sum();
    v.into_iter().map(|x| x / sum).collect()
}

/// Counts of identical comparison vectors.
pub fn count_vectors(vectors: impl IntoIterator<Item = Vector>) -> Vec<(Vector, u64)> {
    let mut counts: HashMap<Vector, u64> = HashMap::new();
    for v in vectors {
        *counts.entry(v).or_default() += 1;
    }
    let mut out: Vec<(Vector, u64)> = counts.into_iter().collect();
    out.sort_unstable();
    out
}

/// `u` per field and level from comparison vectors of random pairs (with
/// add-one smoothing so that unseen levels keep a small probability).
pub fn estimate_u(random_vectors: &[(Vector, u64)]) -> Vec<Vec<f64>> {
    FIELDS
        .iter()
        .enumerate()
        .map(|(f, field)| {
            let mut counts = vec![1.0; field.levels().len()];
            for (v, n) in random_vectors {
                if v[f] != MISSING {
                    counts[usize::from(v[f])] += *n as f64;
                }
            }
            normalised(counts)
        })
        .collect()
}

impl Model {
    /// A starting model: `m` concentrated on the agreeing levels.
    pub fn initial(u: Vec<Vec<f64>>) -> Self {
        let m = FIELDS
            .iter()
            .map(|field| {
                let n = field.levels().len();
                normalised((0..n).map(|l| 0.5f64.powi(2 * l as i32 + 1)).collect())
            })
            .collect();
        Self { lambda: 0.1, m, u }
    }

    /// A starting model from a deterministic rule (`is_match`) applied to
    /// the counted vectors: m, u and λ as if the rule were the truth. EM
    /// started from [`Model::initial`] can settle on another structure of the
    /// candidate pairs (say "same given name and same mother's name", common
    /// among relatives) and call *that* a match; started from pairs that
    /// agree on name and date of birth it stays with the children.
    /// `None` when the rule finds no match or no non-match.
    pub fn seeded(counted: &[(Vector, u64)], is_match: impl Fn(&Vector) -> bool) -> Option<Self> {
        let mut m: Vec<Vec<f64>> = FIELDS.iter().map(|f| vec![1.0; f.levels().len()]).collect();
        let mut u = m.clone();
        let (mut matches, mut total) = (0u64, 0u64);
        for (v, n) in counted {
            let matched = is_match(v);
            total += n;
            if matched {
                matches += n;
            }
            let target = if matched { &mut m } else { &mut u };
            for (f, &level) in v.iter().enumerate() {
                if level != MISSING {
                    target[f][usize::from(level)] += *n as f64;
                }
            }
        }
        if matches == 0 || matches == total {
            return None;
        }
        Some(Self {
            lambda: matches as f64 / total as f64,
            m: m.into_iter().map(normalised).collect(),
            u: u.into_iter().map(normalised).collect(),
        })
    }

    fn likelihoods(&self, v: &Vector) -> (f64, f64) {
        let (mut pm, mut pu) = (1.0, 1.0);
        for (f, &level) in v.iter().enumerate() {
            if level != MISSING {
                pm *= self.m[f][usize::from(level)];
                pu *= self.u[f][usize::from(level)];
            }
        }
        (self.lambda * pm, (1.0 - self.lambda) * pu)
    }

    /// Log-likelihood (natural log) of the counted vectors under the mixture.
    pub fn log_likelihood(&self, counted: &[(Vector, u64)]) -> f64 {
        counted
            .iter()
            .map(|(v, n)| {
                let (a, b) = self.likelihoods(v);
                *n as f64 * (a + b).max(f64::MIN_POSITIVE).ln()
            })
            .sum()
    }

    /// Runs EM on `m`, `u` and λ of the candidate pairs (a two-class
    /// mixture: blocked non-matches agree far more often than random pairs,
    /// so `u` cannot stay fixed here; see [`Model::for_scoring`]) until the log-likelihood gains less
    /// than `tolerance` (relative) or `max_iterations` is reached.
    pub fn fit(&mut self, counted: &[(Vector, u64)], max_iterations: usize, tolerance: f64) -> EmReport {
        let mut report =
            EmReport { iterations: 0, converged: false, log_likelihood: Vec::new(), distinct_vectors: counted.len() };
        let total: f64 = counted.iter().map(|(_, n)| *n as f64).sum();
        if total == 0.0 {
            report.converged = true;
            return report;
        }
        let mut previous = self.log_likelihood(counted);
        for _ in 0..max_iterations {
            let mut m_counts: Vec<Vec<f64>> = FIELDS.iter().map(|f| vec![0.0; f.levels().len()]).collect();
            let mut u_counts: Vec<Vec<f64>> = FIELDS.iter().map(|f| vec![0.0; f.levels().len()]).collect();
            let mut matched = 0.0;
            for (v, n) in counted {
                let (a, b) = self.likelihoods(v);
                let p = if a + b > 0.0 { a / (a + b) } else { 0.0 };
                let w = p * *n as f64;
                let w_non = (1.0 - p) * *n as f64;
                matched += w;
                for (f, &level) in v.iter().enumerate() {
                    if level != MISSING {
                        m_counts[f][usize::from(level)] += w;
                        u_counts[f][usize::from(level)] += w_non;
                    }
                }
            }
            self.lambda = (matched / total).clamp(FLOOR, 1.0 - FLOOR);
            for (f, counts) in m_counts.into_iter().enumerate() {
                if counts.iter().sum::<f64>() > 0.0 {
                    let total: f64 = counts.iter().sum();
                    self.m[f] = normalised(counts.into_iter().map(|c| (c / total).max(M_FLOOR)).collect());
                }
            }
            for (f, counts) in u_counts.into_iter().enumerate() {
                if counts.iter().sum::<f64>() > 0.0 {
                    self.u[f] = normalised(counts);
                }
            }
            let ll = self.log_likelihood(counted);
            report.log_likelihood.push(ll);
            report.iterations += 1;
            if (ll - previous).abs() <= tolerance * previous.abs().max(1.0) {
                report.converged = true;
                break;
            }
            previous = ll;
        }
        report
    }

    /// The scoring model after EM on candidate pairs: `m` from EM, `u` from
    /// random pairs (what a non-match looks like among all pairs, which is
    /// what term frequencies also estimate), and the prior rescaled from the
    /// candidate pairs to all pairs: expected matches λ·candidates over
    /// `total_pairs`.
    pub fn for_scoring(mut self, random_u: Vec<Vec<f64>>, candidates: u64, total_pairs: f64) -> Self {
        let expected_matches = self.lambda * candidates as f64;
        self.lambda = (expected_matches / total_pairs.max(1.0)).clamp(1e-12, 1.0 - FLOOR);
        self.u = random_u;
        self
    }

    /// log2(m/u) of one field's level (0 for [`MISSING`]).
    pub fn bits(&self, field: usize, level: u8) -> f64 {
        if level == MISSING {
            return 0.0;
        }
        let l = usize::from(level);
        (self.m[field][l] / self.u[field][l]).log2()
    }

    /// The prior as bits: log2(λ / (1 − λ)).
    pub fn prior_bits(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Probability of a match from a match weight.
    pub fn probability(&self, weight: f64) -> f64 {
        1.0 / (1.0 + (-(weight + self.prior_bits())).exp2())
    }
}

/// One field's part in a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub field: Field,
    pub level: &'static str,
    /// log2(m/u), term-frequency adjusted; positive for evidence of a match.
    pub bits: f64,
    /// Whether a term-frequency adjustment was applied.
    pub term_frequency_adjusted: bool,
}

/// Why a pair got its score: what a caseworker sees.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// One per field, in [`FIELDS`] order.
    pub contributions: Vec<Contribution>,
    /// Sum of the contributions' bits.
    pub weight: f64,
    /// The prior, in bits (added to the weight for the probability).
    pub prior_bits: f64,
    pub probability: f64,
    /// Given and family names compared crosswise.
    pub names_swapped: bool,
    /// A hard conflict that forbids linking, whatever the probability.
    pub conflict: Option<&'static str>,
}

/// Model plus the term frequencies of the names: what scores a pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorer {
    pub model: Model,
    pub given_tf: TermFrequencies,
    pub family_tf: TermFrequencies,
}

impl Scorer {
    /// Explains (and so scores) a comparison vector. `given` and `family` are
    /// the joined folded names of the left record as compared (for term
    /// frequencies).
    pub fn explain_vector(&self, v: &Vector, given: &str, family: &str) -> Explanation {
        let contributions: Vec<Contribution> = FIELDS
            .iter()
            .enumerate()
            .map(|(f, &field)| {
                let mut bits = self.model.bits(f, v[f]);
                let mut adjusted = false;
                if v[f] == 0 {
                    let tf = match field {
                        Field::GivenName => self.given_tf.frequency(given),
                        Field::FamilyName => self.family_tf.frequency(family),
                        _ => None,
                    };
                    if let Some(tf) = tf {
                        bits = (self.model.m[f][0] / tf.max(FLOOR)).log2();
                        adjusted = true;
                    }
                }
                Contribution { field, level: field.level_name(v[f]), bits, term_frequency_adjusted: adjusted }
            })
            .collect();
        let weight = contributions.iter().map(|c| c.bits).sum();
        Explanation {
            contributions,
            weight,
            prior_bits: self.model.prior_bits(),
            probability: self.model.probability(weight),
            names_swapped: false,
            conflict: None,
        }
    }
}
