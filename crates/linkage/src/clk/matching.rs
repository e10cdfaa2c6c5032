//! Matching encodings on the Dice coefficient.
//!
//! # Blocking
//!
//! All-pairs comparison is avoided with a **provable popcount filter**: with
//! `a = |A|`, `b = |B|` and `c = |A ∩ B| ≤ min(a, b)`,
//! `Dice(A, B) = 2c / (a + b) ≤ 2·min(a, b) / (a + b)`. A pair whose bound is
//! below the threshold `t` can therefore never reach it and is skipped
//! without looking at its bits; equivalently only `b` with
//! `a·t/(2 − t) ≤ b ≤ a·(2 − t)/t` are compared. The bound is evaluated with
//! the same floating-point expression as the score (`2x as f64 / (a + b) as f64`),
//! and rounding is monotone, so no pair whose computed score is `≥ t` is
//! dropped (tested against brute force). The right-hand encodings are sorted
//! by popcount once and each left encoding binary-searches its range
//! ([`popcount_range`]).
//!
//! Optionally ([`LshBlocking`]), only pairs that also agree on all sampled bit
//! positions of at least one of several random samples are compared
//! (bit-sampling locality-sensitive hashing for the Hamming distance). This is
//! *not* lossless: a pair differing in `d` of `l` bits shares one table's key
//! with probability `(1 − d/l)^bits`, so it is found by at least one of `T`
//! tables with probability `1 − (1 − (1 − d/l)^bits)^T`.
//!
//! # Inner loop
//!
//! The filter words of the right side are packed in one contiguous array in
//! popcount order; a comparison is `Σ popcount(a[i] & b[i])` over the words
//! (specialised for the usual lengths so the compiler unrolls and vectorises
//! it), one division and one comparison. Nothing is allocated per comparison;
//! only pairs at or above the threshold are kept.
//!
//! # Assignment
//!
//! Links are one-to-one (the child is one child in each register): candidate
//! pairs at or above the threshold are sorted by score, highest first (ties:
//! left input order, then right input order), and accepted greedily when
//! neither record is already linked — anonlink's greedy solver.
//!
//! The default threshold [`DEFAULT_THRESHOLD`] = 0.8 is the usual operating
//! point of CLK linkage with bigram encodings of names and dates (anonlink's
//! examples use 0.8–0.9); with the default schema, typos and transliteration
//! variants of one child stay above it while different children, even sharing
//! a family name and a birth year, fall below. Calibrate it on labelled data
//! for a network's own registers.

use std::collections::HashMap;

use super::{ClkError, Encoding};

/// A pair at or above the threshold: score, left index, right index.
type Candidate = (f64, u32, u32);
/// The candidates and comparison count of one part of the left side.
type Scan = (Vec<Candidate>, u64);

/// Default Dice threshold for a link.
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// A link between a left and a right record, with its Dice coefficient.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub left_id: String,
    pub right_id: String,
    pub score: f64,
}

/// Optional bit-sampling LSH blocking (lossy; see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LshBlocking {
    /// Number of independent samples (tables), `T ≥ 1`.
    pub tables: usize,
    /// Sampled bit positions per table, 1..=64.
    pub bits: usize,
    /// Seed of the sampled positions (both sides use the same positions: it
    /// is the matcher's choice, not a secret).
    pub seed: u64,
}

/// Options of [`match_encodings_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchOptions {
    /// Dice threshold in (0, 1]; pairs scoring at least this are candidates.
    pub threshold: f64,
    /// Worker threads (1: run on the caller's thread). The result does not
    /// depend on it.
    pub threads: usize,
    /// Extra lossy blocking; `None` (the default) compares every pair the
    /// popcount filter lets through.
    pub lsh: Option<LshBlocking>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions { threshold: DEFAULT_THRESHOLD, threads: 1, lsh: None }
    }
}

/// The result of [`match_encodings_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOutcome {
    /// One-to-one links, highest score first.
    pub links: Vec<Link>,
    /// Pairs whose bits were compared (for comparisons per second).
    pub comparisons: u64,
    /// Pairs at or above the threshold before the one-to-one assignment.
    pub candidates: usize,
}

/// Dice coefficient `2|A∩B| / (|A| + |B|)` of two filters of the same length
/// (0 when both are empty).
pub fn dice(a: &Encoding, b: &Encoding) -> Result<f64, ClkError> {
    if a.bits.len() != b.bits.len() {
        return Err(ClkError::MixedLengths { left: a.len_bits(), right: b.len_bits() });
    }
    let common: u32 = a.bits.iter().zip(&b.bits).map(|(x, y)| (x & y).count_ones()).sum();
    Ok(score(common, a.popcount() + b.popcount()))
}

#[inline(always)]
fn score(common: u32, total: u32) -> f64 {
    if total == 0 {
        0.0
    } else {
        f64::from(2 * common) / f64::from(total)
    }
}

/// The upper bound of the Dice coefficient of filters with popcounts `a`, `b`.
#[inline]
fn bound(a: u32, b: u32) -> f64 {
    score(a.min(b), a + b)
}

/// Indices `lo..hi` of `sorted` (popcounts in ascending order) that the
/// popcount filter lets through for a left popcount `a` and threshold `t`:
/// exactly the `b` with `2·min(a, b)/(a + b) ≥ t`.
pub fn popcount_range(sorted: &[u32], a: u32, threshold: f64) -> std::ops::Range<usize> {
    let lo = sorted.partition_point(|&b| b < a && bound(a, b) < threshold);
    let hi = sorted.partition_point(|&b| b <= a || bound(a, b) >= threshold);
    lo..hi.max(lo)
}

/// One-to-one links between `left` and `right` with a Dice coefficient of at
/// least `threshold` (popcount blocking only, one thread). Errors on a bad
/// threshold or when the filters do not all have the same length.
pub fn match_encodings(left: &[Encoding], right: &[Encoding], threshold: f64) -> Result<Vec<Link>, ClkError> {
    Ok(match_encodings_with(left, right, &MatchOptions { threshold, ..MatchOptions::default() })?.links)
}

/// [`match_encodings`] with options, also counting comparisons.
pub fn match_encodings_with(
    left: &[Encoding],
    right: &[Encoding],
    options: &MatchOptions,
) -> Result<MatchOutcome, ClkError> {
    let t = options.threshold;
    if !(t > 0.0 && t <= 1.0) {
        return Err(ClkError::BadThreshold(t));
    }
    if let Some(lsh) = options.lsh {
        if lsh.tables == 0 || !(1..=64).contains(&lsh.bits) {
            return Err(ClkError::BadLsh);
        }
    }
    let words = match left.first().or(right.first()) {
        Some(e) => e.bits.len(),
        None => return Ok(MatchOutcome { links: Vec::new(), comparisons: 0, candidates: 0 }),
    };
    for e in left.iter().chain(right) {
        if e.bits.len() != words {
            return Err(ClkError::MixedLengths { left: words * 64, right: e.len_bits() });
        }
    }
    let packed = Packed::new(right, words, t);
    let lsh = options.lsh.map(|config| LshIndex::new(config, &packed, words));
    let threads = options.threads.clamp(1, 256).min(left.len().max(1));
    let chunk = left.len().div_ceil(threads).max(1);
    let scan = |offset: usize, part: &[Encoding]| match &lsh {
        None => scan_popcount(&packed, offset, part, t),
        Some(index) => scan_lsh(&packed, index, offset, part, t),
    };
    let results: Vec<Scan> = if threads == 1 {
        vec![scan(0, left)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> =
                left.chunks(chunk).enumerate().map(|(i, part)| s.spawn(move || scan(i * chunk, part))).collect();
            handles.into_iter().map(|h| h.join().expect("matching thread panicked")).collect()
        })
    };
    let comparisons = results.iter().map(|r| r.1).sum();
    let mut pairs: Vec<Candidate> = results.into_iter().flat_map(|r| r.0).collect();
    let candidates = pairs.len();
    pairs.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut left_used = vec![false; left.len()];
    let mut right_used = vec![false; right.len()];
    let mut links = Vec::new();
    for (s, l, r) in pairs {
        let (l, r) = (l as usize, r as usize);
        if !left_used[l] && !right_used[r] {
            left_used[l] = true;
            right_used[r] = true;
            links.push(Link { left_id: left[l].id.clone(), right_id: right[r].id.clone(), score: s });
        }
    }
    Ok(MatchOutcome { links, comparisons, candidates })
}

/// The right side, sorted by popcount, words packed contiguously.
struct Packed {
    words: Vec<u64>,
    popcounts: Vec<u32>,
    /// Popcount of the second half of each filter's words (see
    /// [`scan_range`]).
    tail_popcounts: Vec<u32>,
    /// Original index of each sorted position.
    index: Vec<u32>,
    /// For each popcount sum `a + b`, the least common bit count whose score
    /// reaches the threshold (`u32::MAX` when none does).
    min_common: Vec<u32>,
}

/// Popcount of the second half of a filter's words.
fn tail_popcount(bits: &[u64]) -> u32 {
    bits[bits.len() / 2..].iter().map(|w| w.count_ones()).sum()
}

impl Packed {
    fn new(encodings: &[Encoding], words: usize, t: f64) -> Self {
        let mut order: Vec<(u32, u32)> = encodings.iter().enumerate().map(|(i, e)| (e.popcount(), i as u32)).collect();
        order.sort_unstable();
        let mut packed = Vec::with_capacity(order.len() * words);
        for &(_, i) in &order {
            packed.extend_from_slice(&encodings[i as usize].bits);
        }
        Packed {
            words: packed,
            popcounts: order.iter().map(|o| o.0).collect(),
            tail_popcounts: order.iter().map(|o| tail_popcount(&encodings[o.1 as usize].bits)).collect(),
            index: order.iter().map(|o| o.1).collect(),
            min_common: (0..=(words * 128) as u32)
                .map(|total| {
                    let guess = ((t * f64::from(total) / 2.0).floor() as u32).saturating_sub(1);
                    (guess..=total).find(|&c| score(c, total) >= t).unwrap_or(u32::MAX)
                })
                .collect(),
        }
    }
}

#[inline(always)]
fn common_fixed<const W: usize>(a: &[u64], b: &[u64]) -> u32 {
    let a: &[u64; W] = a.try_into().expect("filter length");
    let b: &[u64; W] = b.try_into().expect("filter length");
    let mut sum = 0;
    for i in 0..W {
        sum += (a[i] & b[i]).count_ones();
    }
    sum
}

#[inline(always)]
fn common_dyn(a: &[u64], b: &[u64]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum()
}

/// One left encoding being compared.
struct Query<'a> {
    bits: &'a [u64],
    popcount: u32,
    tail_popcount: u32,
    index: u32,
}

/// Compares `query` with the packed right side over `range`, pushing pairs
/// at or above `t`. `common` counts the common bits of half a filter.
///
/// Most pairs are decided after the first half of the words: with `c₁`
/// common bits there and tail popcounts `a₂`, `b₂`, the pair has at most
/// `c₁ + min(a₂, b₂)` common bits, and when that is below the least count
/// that reaches the threshold the second half is not read. An integer
/// bound, so nothing that would reach the threshold is skipped; on
/// encodings of different children (about 40 % of bits set) it skips the
/// second half of almost every pair.
#[inline(always)]
fn scan_range<F: Fn(&[u64], &[u64]) -> u32>(
    common: F,
    packed: &Packed,
    query: &Query<'_>,
    range: std::ops::Range<usize>,
    out: &mut Vec<Candidate>,
) {
    let words = query.bits.len();
    let half = words / 2;
    let (head, tail) = query.bits.split_at(half);
    let block = &packed.words[range.start * words..range.end * words];
    for (j, b) in block.chunks_exact(words).enumerate() {
        let position = range.start + j;
        let total = query.popcount + packed.popcounts[position];
        let need = packed.min_common[total as usize];
        let (b_head, b_tail) = b.split_at(half);
        let c = common(head, b_head);
        if c + query.tail_popcount.min(packed.tail_popcounts[position]) < need {
            continue;
        }
        let c = c + common(tail, b_tail);
        // `c >= need` ⇔ `score(c, total) >= t`, without a division.
        if c >= need {
            out.push((score(c, total), query.index, packed.index[position]));
        }
    }
}

fn scan_popcount(packed: &Packed, offset: usize, left: &[Encoding], t: f64) -> Scan {
    let mut out = Vec::new();
    let mut comparisons = 0u64;
    for (i, e) in left.iter().enumerate() {
        let a = e.popcount();
        let range = popcount_range(&packed.popcounts, a, t);
        comparisons += range.len() as u64;
        let query =
            Query { bits: &e.bits, popcount: a, tail_popcount: tail_popcount(&e.bits), index: (offset + i) as u32 };
        match e.bits.len() {
            16 => scan_range(common_fixed::<8>, packed, &query, range, &mut out),
            32 => scan_range(common_fixed::<16>, packed, &query, range, &mut out),
            8 => scan_range(common_fixed::<4>, packed, &query, range, &mut out),
            _ => scan_range(common_dyn, packed, &query, range, &mut out),
        }
    }
    (out, comparisons)
}

/// Bit-sampling LSH tables over the packed right side.
struct LshIndex {
    /// Sampled positions per table.
    positions: Vec<Vec<usize>>,
    /// Per table: key → sorted positions in `Packed`.
    buckets: Vec<HashMap<u64, Vec<u32>>>,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn lsh_key(bits: &[u64], positions: &[usize]) -> u64 {
    positions.iter().enumerate().fold(0, |key, (j, &p)| key | ((bits[p / 64] >> (p % 64)) & 1) << j)
}

impl LshIndex {
    fn new(config: LshBlocking, packed: &Packed, words: usize) -> Self {
        let mut state = config.seed;
        let l = (words * 64) as u64;
        let positions: Vec<Vec<usize>> = (0..config.tables)
            .map(|_| (0..config.bits).map(|_| (splitmix(&mut state) % l) as usize).collect())
            .collect();
        let buckets = positions
            .iter()
            .map(|pos| {
                let mut map: HashMap<u64, Vec<u32>> = HashMap::new();
                for (j, w) in packed.words.chunks_exact(words).enumerate() {
                    map.entry(lsh_key(w, pos)).or_default().push(j as u32);
                }
                map
            })
            .collect();
        LshIndex { positions, buckets }
    }
}

fn scan_lsh(packed: &Packed, index: &LshIndex, offset: usize, left: &[Encoding], t: f64) -> Scan {
    let mut out = Vec::new();
    let mut comparisons = 0u64;
    let mut seen = vec![u32::MAX; packed.popcounts.len()];
    for (i, e) in left.iter().enumerate() {
        let a = e.popcount();
        let range = popcount_range(&packed.popcounts, a, t);
        let li = (offset + i) as u32;
        let words = e.bits.len();
        for (positions, buckets) in index.positions.iter().zip(&index.buckets) {
            let Some(bucket) = buckets.get(&lsh_key(&e.bits, positions)) else { continue };
            for &j in bucket {
                let j = j as usize;
                if !range.contains(&j) || seen[j] == li {
                    continue;
                }
                seen[j] = li;
                comparisons += 1;
                let s = score(common_dyn(&e.bits, &packed.words[j * words..(j + 1) * words]), a + packed.popcounts[j]);
                if s >= t {
                    out.push((s, li, packed.index[j]));
                }
            }
        }
    }
    (out, comparisons)
}

/// What an organisation is told about a link, and nothing more: "your record
/// `your_record` may be the same child as record `their_record` of
/// organisation `their_organisation`". No score, no names, no other data: a
/// supervisor uses it to start a referral.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatchNotice {
    pub your_record: String,
    pub their_organisation: String,
    pub their_record: String,
}

impl std::fmt::Display for MatchNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a child in your care (record {}) may be the same child as record {} of organisation {}",
            self.your_record, self.their_record, self.their_organisation
        )
    }
}

/// The notices for both sides of a set of links: `(for the left organisation,
/// for the right organisation)`.
pub fn notices(
    links: &[Link],
    left_organisation: &str,
    right_organisation: &str,
) -> (Vec<MatchNotice>, Vec<MatchNotice>) {
    links
        .iter()
        .map(|l| {
            (
                MatchNotice {
                    your_record: l.left_id.clone(),
                    their_organisation: right_organisation.to_string(),
                    their_record: l.right_id.clone(),
                },
                MatchNotice {
                    your_record: l.right_id.clone(),
                    their_organisation: left_organisation.to_string(),
                    their_record: l.left_id.clone(),
                },
            )
        })
        .unzip()
}
