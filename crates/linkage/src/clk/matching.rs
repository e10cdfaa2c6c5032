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
//! with probability about `(1 − d/l)^bits`, so it is found by at least one of
//! `T` tables with probability about `1 − (1 − (1 − d/l)^bits)^T`. The
//! samples favour positions that vary, where two encodings of one child
//! also differ more often, so the figure is optimistic: measure the recall
//! against the exhaustive mode ([`candidate_pairs`] without LSH) on one's
//! own data. Candidate generation is described at `LshIndex` (comparisons
//! per second on FEBRL4 in `docs/benchmarks.md`). With a fixed number of
//! bits the pairs sharing a key grow with the square of the registers'
//! size; [`LshBlocking::for_sizes`] adds bits (and tables, to keep the
//! recall) as they grow.
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

impl LshBlocking {
    /// Sampled bits per table at the reference size.
    const REFERENCE_BITS: i32 = 16;
    /// Tables at the reference size (FEBRL4's 5,000 × 5,000: every pair
    /// the exhaustive mode finds).
    const REFERENCE_TABLES: f64 = 90.0;
    /// Share of sampled positions on which two encodings of *different*
    /// children agree (measured: 0.55–0.61 on FEBRL4 and the synthetic
    /// register; the higher one).
    const RANDOM_AGREEMENT: f64 = 0.61;
    /// Share of sampled positions on which two encodings at Dice 0.8 agree
    /// (about `1 − 2·m·(1 − 0.8)/l` for popcounts `m` ≈ 330–380 of
    /// `l` = 1024).
    const THRESHOLD_AGREEMENT: f64 = 0.87;

    /// The parameters for `left × right` records (`--lsh` of `safepath link
    /// match-encodings`), by the rule:
    ///
    /// * **bits** `K = round(log₂(h) / log₂(1/0.61))` with
    ///   `h = left·right / (left + right)`, between 8 and 32: two encodings
    ///   of different children share a table's key with probability about
    ///   `0.61^K`, so a table then brings about `h` unrelated pairs, in
    ///   proportion to the records it indexes (`left + right`) instead of
    ///   to the cross product. With a fixed `K` the comparisons grow with
    ///   the square of the registers' size: at 50,000 × 50,000 synthetic
    ///   records 16 bits compared 53 M pairs, 35 times anonlink's time
    ///   budget for 20×;
    /// * **tables** `T = ⌈90 · 0.87^(16 − K)⌉`, at most 1,024: each bit
    ///   more divides the chance that a pair at Dice 0.8 shares a table's
    ///   key by 0.87, and the tables multiply to keep the expected number
    ///   of tables where it does as at the reference, 90 tables of 16 bits
    ///   (which found every pair of FEBRL4's 5,000 × 5,000).
    ///
    /// 5,000 × 5,000 gives 16 bits × 90 tables, 50,000 × 50,000 20 × 158,
    /// 1,000,000 × 1,000,000 27 × 416. Lossy like any LSH: at 50,000 ×
    /// 50,000 synthetic records it keeps 99.7 % of the pairs at Dice ≥ 0.8
    /// (docs/benchmarks.md).
    pub fn for_sizes(left: usize, right: usize, seed: u64) -> LshBlocking {
        let (l, r) = (left.max(1) as f64, right.max(1) as f64);
        let h = l * r / (l + r);
        let bits = (h.max(1.0).log2() / (1.0 / Self::RANDOM_AGREEMENT).log2()).round().clamp(8.0, 32.0) as i32;
        let tables = Self::REFERENCE_TABLES * Self::THRESHOLD_AGREEMENT.powi(Self::REFERENCE_BITS - bits);
        LshBlocking { tables: (tables.ceil() as usize).clamp(1, 1024), bits: bits as usize, seed }
    }
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

/// Every pair at or above the threshold, before the one-to-one assignment
/// (what anonlink's `find_candidate_pairs` returns).
#[derive(Debug, Clone, PartialEq)]
pub struct CandidatePairs {
    /// `(score, left index, right index)`, highest score first, then left
    /// input order, then right input order; each pair once.
    pub pairs: Vec<(f64, u32, u32)>,
    /// Pairs whose bits were compared. With LSH blocking a pair that
    /// collides in several tables is compared (and counted) once per table.
    pub comparisons: u64,
}

/// The pairs of `left` × `right` scoring at least the threshold: all of them
/// with popcount blocking only (the exhaustive mode), those that also share
/// an LSH key with [`MatchOptions::lsh`]. Same errors as
/// [`match_encodings_with`].
pub fn candidate_pairs(
    left: &[Encoding],
    right: &[Encoding],
    options: &MatchOptions,
) -> Result<CandidatePairs, ClkError> {
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
        None => return Ok(CandidatePairs { pairs: Vec::new(), comparisons: 0 }),
    };
    for e in left.iter().chain(right) {
        if e.bits.len() != words {
            return Err(ClkError::MixedLengths { left: words * 64, right: e.len_bits() });
        }
    }
    let packed = Packed::new(right, words, t);
    let threads = options.threads.clamp(1, 256).min(left.len().max(1));
    let results: Vec<Scan> = match options.lsh {
        Some(config) => scan_lsh(config, &packed, left, words, t, threads),
        None if threads == 1 => vec![scan_popcount(&packed, 0, left, t)],
        None => {
            let chunk = left.len().div_ceil(threads).max(1);
            let packed = &packed;
            std::thread::scope(|s| {
                let handles: Vec<_> = left
                    .chunks(chunk)
                    .enumerate()
                    .map(|(i, part)| s.spawn(move || scan_popcount(packed, i * chunk, part, t)))
                    .collect();
                handles.into_iter().map(|h| h.join().expect("matching thread panicked")).collect()
            })
        }
    };
    let comparisons = results.iter().map(|r| r.1).sum();
    let mut pairs: Vec<Candidate> = results.into_iter().flat_map(|r| r.0).collect();
    pairs.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    // LSH tables may find a pair twice (one pair has one score: adjacent).
    pairs.dedup_by(|x, y| x.1 == y.1 && x.2 == y.2);
    Ok(CandidatePairs { pairs, comparisons })
}

/// [`match_encodings`] with options, also counting comparisons.
pub fn match_encodings_with(
    left: &[Encoding],
    right: &[Encoding],
    options: &MatchOptions,
) -> Result<MatchOutcome, ClkError> {
    let CandidatePairs { pairs, comparisons } = candidate_pairs(left, right, options)?;
    let candidates = pairs.len();
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

/// Bit-sampling LSH: for every record of both sides, one key per table.
///
/// # Candidate generation
///
/// * **Samples.** Each table samples `bits` distinct positions of one
///   64-bit word (a random word per table), so that its key is one AND and
///   one multiplication instead of `bits` bit extractions. Bits that almost
///   every encoding sets (or almost none) put most records in a few huge
///   buckets, so the positions are drawn from the three quarters of all
///   positions whose frequency (on a sample of both sides) is nearest one
///   half. Restricting the pool further makes buckets smaller but loses
///   pairs: two encodings of one child differ mostly at those positions
///   (measured on FEBRL4: with the best half only, 90 tables of 16 bits lose
///   7 of 4,053 pairs, with three quarters none).
/// * **Keys** (`(word & mask) · φ`, top 32 bits; `φ` odd, so different
///   samples get different keys but for a 2⁻³² chance, which only adds a
///   comparison) are computed once per record and table, table-major.
/// * **Buckets** of one table are a sorted array: the right records are
///   placed by bucket (a counting sort on the key's top bits), so a bucket is
///   a contiguous run of right positions in popcount order, and a left
///   record walks its bucket only within its popcount range.
/// * **De-duplication.** A pair colliding in several tables would be
///   compared in each; each left record remembers the first right record it
///   was found with (most have one), which is skipped in later tables. What
///   remains (records with several pairs, tables scanned by other threads)
///   is removed after the final sort, where equal pairs are adjacent.
struct LshIndex {
    /// `tables × left.len()` keys, table-major: one table's keys are
    /// contiguous and stay in cache while it is scanned.
    left: Vec<u32>,
    /// `tables × right.len()` keys of the right side, in packed order.
    right: Vec<u32>,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Records sampled per side to estimate bit frequencies.
const FREQUENCY_SAMPLE: usize = 256;

/// Set-bit counts per position over an evenly spaced sample of `filters`
/// (`words` words each), added to `counts`; returns the records counted.
fn count_bits(filters: &[u64], words: usize, counts: &mut [u32]) -> u32 {
    let n = filters.len() / words.max(1);
    let step = n.div_ceil(FREQUENCY_SAMPLE).max(1);
    let mut sampled = 0;
    for f in filters.chunks_exact(words).step_by(step) {
        sampled += 1;
        for (w, &word) in f.iter().enumerate() {
            let mut x = word;
            while x != 0 {
                counts[w * 64 + x.trailing_zeros() as usize] += 1;
                x &= x - 1;
            }
        }
    }
    sampled
}

/// The sampled positions of each table, as `(word, mask)`: `bits` distinct
/// positions of one word, drawn from the word's positions whose frequency is
/// nearest one half (the better half of all positions; others of that word
/// only when it has fewer than `bits` of those).
fn choose_masks(config: LshBlocking, left: &[u64], right: &[u64], words: usize) -> Vec<(usize, u64)> {
    let l = words * 64;
    let mut counts = vec![0u32; l];
    let sampled = count_bits(left, words, &mut counts) + count_bits(right, words, &mut counts);
    // Distance of the frequency from one half (in units of 1 / 2·sampled),
    // ties by position.
    let mut by_balance: Vec<u32> = (0..l as u32).collect();
    by_balance.sort_by_key(|&p| ((2 * counts[p as usize]).abs_diff(sampled), p));
    // Per word, its positions best-balanced first, and how many are in the
    // better half.
    let mut per_word: Vec<Vec<u32>> = vec![Vec::new(); words];
    let mut in_pool = vec![0usize; words];
    for (rank, &p) in by_balance.iter().enumerate() {
        per_word[p as usize / 64].push(p % 64);
        if rank < l * 3 / 4 {
            in_pool[p as usize / 64] += 1;
        }
    }
    let mut state = config.seed;
    (0..config.tables)
        .map(|_| {
            let w = (splitmix(&mut state) % words as u64) as usize;
            let pool = &mut per_word[w];
            let size = in_pool[w].max(config.bits);
            // A partial Fisher–Yates shuffle of the word's pool.
            let mut mask = 0u64;
            for k in 0..config.bits {
                let pick = k + (splitmix(&mut state) % (size - k) as u64) as usize;
                pool.swap(k, pick);
                mask |= 1 << pool[k];
            }
            // Back to balance order, so that the next table's pool is the same.
            pool.sort_by_key(|&b| ((2 * counts[w * 64 + b as usize]).abs_diff(sampled), b));
            (w, mask)
        })
        .collect()
}

/// The key of one table: the sampled bits, hashed to 32 bits (an odd
/// multiplier is a bijection on 64 bits, so different samples collide only
/// when their products agree on the top half; a collision only adds a
/// comparison).
#[inline(always)]
fn lsh_key(filter: &[u64], (word, mask): (usize, u64)) -> u32 {
    ((filter[word] & mask).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

/// The keys of every table for each filter of `filters`, table-major. One
/// pass, record after record: the writes of the tables advance together,
/// one cache line per table.
fn lsh_keys(filters: &[u64], words: usize, masks: &[(usize, u64)]) -> Vec<u32> {
    let n = filters.len() / words;
    let mut columns = vec![0u32; n * masks.len()];
    for (i, f) in filters.chunks_exact(words).enumerate() {
        for (t, &m) in masks.iter().enumerate() {
            columns[t * n + i] = lsh_key(f, m);
        }
    }
    columns
}

impl LshIndex {
    fn new(config: LshBlocking, left: &[u64], packed: &Packed, words: usize, threads: usize) -> Self {
        let masks = choose_masks(config, left, &packed.words, words);
        let (left, right) = if threads > 1 {
            std::thread::scope(|s| {
                let right = s.spawn(|| lsh_keys(&packed.words, words, &masks));
                (lsh_keys(left, words, &masks), right.join().expect("key thread panicked"))
            })
        } else {
            (lsh_keys(left, words, &masks), lsh_keys(&packed.words, words, &masks))
        };
        LshIndex { left, right }
    }
}

/// Bucket of a key among `1 << bucket_bits` buckets: its top bits (a key is
/// already a hash).
#[inline(always)]
fn bucket_of(key: u32, bucket_bits: u32) -> usize {
    (key >> (32 - bucket_bits)) as usize
}

/// The left side of an LSH scan: filters packed, with popcounts and ranges.
struct LeftSide<'a> {
    words: &'a [u64],
    popcounts: Vec<u32>,
    tail_popcounts: Vec<u32>,
    ranges: Vec<(u32, u32)>,
}

/// Scans the given tables of the index; returns the pairs at or above `t`
/// found in their first colliding table, and the comparisons made.
#[inline(always)]
fn scan_lsh_tables<F: Fn(&[u64], &[u64]) -> u32>(
    common: F,
    packed: &Packed,
    index: &LshIndex,
    left: &LeftSide<'_>,
    tables: &[usize],
) -> Scan {
    let words = packed.words.len() / packed.popcounts.len().max(1);
    let half = words / 2;
    let n_right = packed.popcounts.len();
    let n_left = left.popcounts.len();
    let bucket_bits = (usize::BITS - n_right.leading_zeros()).clamp(4, 24);
    let mut starts = vec![0u32; (1 << bucket_bits) + 1];
    let mut next = starts.clone();
    let mut entries: Vec<(u32, u32)> = vec![(0, 0); n_right];
    // The first right position found at or above the threshold for each
    // left record: a pair found in an earlier table is not compared again.
    let mut found = vec![u32::MAX; n_left];
    let mut out = Vec::new();
    let mut comparisons = 0u64;
    for &t in tables {
        let right_keys = &index.right[t * n_right..(t + 1) * n_right];
        let left_keys = &index.left[t * n_left..(t + 1) * n_left];
        // Counting sort of the right positions by bucket (stable: popcount
        // order within a bucket).
        starts.fill(0);
        for &key in right_keys {
            starts[bucket_of(key, bucket_bits) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        next.copy_from_slice(&starts);
        for (j, &key) in right_keys.iter().enumerate() {
            let b = bucket_of(key, bucket_bits);
            entries[next[b] as usize] = (key, j as u32);
            next[b] += 1;
        }
        for (i, &key) in left_keys.iter().enumerate() {
            let b = bucket_of(key, bucket_bits);
            let bucket = &entries[starts[b] as usize..starts[b + 1] as usize];
            let (lo, hi) = left.ranges[i];
            let a = &left.words[i * words..(i + 1) * words];
            for &(k, j) in bucket {
                if k != key || j < lo || found[i] == j {
                    continue;
                }
                if j >= hi {
                    break;
                }
                comparisons += 1;
                let j = j as usize;
                let total = left.popcounts[i] + packed.popcounts[j];
                let need = packed.min_common[total as usize];
                let b = &packed.words[j * words..(j + 1) * words];
                let c = common(&a[..half], &b[..half]);
                if c + left.tail_popcounts[i].min(packed.tail_popcounts[j]) < need {
                    continue;
                }
                let c = c + common(&a[half..], &b[half..]);
                if c < need {
                    continue;
                }
                if found[i] == u32::MAX {
                    found[i] = j as u32;
                }
                // A left record with several pairs above the threshold may
                // push one of them again from a later table: removed after
                // the scan.
                out.push((score(c, total), i as u32, packed.index[j]));
            }
        }
    }
    (out, comparisons)
}

fn scan_lsh(
    config: LshBlocking,
    packed: &Packed,
    left: &[Encoding],
    words: usize,
    t: f64,
    threads: usize,
) -> Vec<Scan> {
    let mut left_words = Vec::with_capacity(left.len() * words);
    for e in left {
        left_words.extend_from_slice(&e.bits);
    }
    let index = LshIndex::new(config, &left_words, packed, words, threads);
    let popcounts: Vec<u32> = left.iter().map(Encoding::popcount).collect();
    let side = LeftSide {
        words: &left_words,
        tail_popcounts: left.iter().map(|e| tail_popcount(&e.bits)).collect(),
        ranges: popcounts
            .iter()
            .map(|&a| {
                let r = popcount_range(&packed.popcounts, a, t);
                (r.start as u32, r.end as u32)
            })
            .collect(),
        popcounts,
    };
    let threads = threads.min(config.tables).max(1);
    // Tables dealt round-robin to the threads.
    let shares: Vec<Vec<usize>> = (0..threads).map(|k| (k..config.tables).step_by(threads).collect()).collect();
    let scan = |share: &[usize]| match words {
        16 => scan_lsh_tables(common_fixed::<8>, packed, &index, &side, share),
        32 => scan_lsh_tables(common_fixed::<16>, packed, &index, &side, share),
        8 => scan_lsh_tables(common_fixed::<4>, packed, &index, &side, share),
        _ => scan_lsh_tables(common_dyn, packed, &index, &side, share),
    };
    if threads == 1 {
        return vec![scan(&shares[0])];
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = shares.iter().map(|share| s.spawn(|| scan(share))).collect();
        handles.into_iter().map(|h| h.join().expect("matching thread panicked")).collect()
    })
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
