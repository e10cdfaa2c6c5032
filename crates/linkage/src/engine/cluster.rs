//! Clustering scored pairs into children, without chaining.
//!
//! Plain connected components over pairs above the threshold would let one
//! ambiguous record (say "A. Hassan", no date) join two different children.
//! The rule here: pairs are taken in decreasing order of probability, and two
//! clusters are merged only when **no** pair of records across them is
//! *cannot-link*: a hard conflict ([`super::compare::hard_conflict`]:
//! different sex, birth years more than two years apart, different given
//! names — which separates twins and siblings) or a scored pair with a weight
//! at or below a strongly negative limit. Each cluster is therefore free of
//! conflicting members by construction, and the strongest links win the
//! ambiguous record.
//!
//! The cross check costs |A|·|B| per merge; merges whose product exceeds
//! [`MAX_MERGE_CHECK`] are refused (such giant clusters are themselves a sign
//! of a bad threshold).

use std::collections::HashSet;

/// Largest |A|·|B| checked when merging two clusters.
pub const MAX_MERGE_CHECK: usize = 250_000;

/// Clusters `n` items from links (sorted here by decreasing score).
/// `cannot_link(i, j)` tells whether two items must stay apart; it is called
/// for every cross pair of a candidate merge. Returns a cluster index per
/// item, numbered by first item in order.
pub fn constrained_clusters(
    n: usize,
    links: &[(u32, u32, f64)],
    mut cannot_link: impl FnMut(u32, u32) -> bool,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..links.len()).collect();
    order.sort_by(|&a, &b| links[b].2.total_cmp(&links[a].2).then(a.cmp(&b)));
    let mut owner: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    for index in order {
        let (i, j, _) = links[index];
        let (a, b) = (owner[i as usize], owner[j as usize]);
        if a == b {
            continue;
        }
        let (big, small) = if members[a as usize].len() >= members[b as usize].len() { (a, b) } else { (b, a) };
        if members[big as usize].len() * members[small as usize].len() > MAX_MERGE_CHECK {
            continue;
        }
        let conflict =
            members[small as usize].iter().any(|&x| members[big as usize].iter().any(|&y| cannot_link(x, y)));
        if conflict {
            continue;
        }
        let moved = std::mem::take(&mut members[small as usize]);
        for &x in &moved {
            owner[x as usize] = big;
        }
        members[big as usize].extend(moved);
    }
    let mut numbering = vec![usize::MAX; n];
    let mut next = 0;
    owner
        .iter()
        .map(|&o| {
            if numbering[o as usize] == usize::MAX {
                numbering[o as usize] = next;
                next += 1;
            }
            numbering[o as usize]
        })
        .collect()
}

/// A set of unordered pairs, for cannot-link lookups.
pub fn pair_set(pairs: impl IntoIterator<Item = (u32, u32)>) -> HashSet<(u32, u32)> {
    pairs.into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_record_joins_only_one_side() {
        // 0 and 2 are different children; 1 is linked to both, more strongly to 0.
        let links = [(0, 1, 0.99), (1, 2, 0.95)];
        let clusters = constrained_clusters(3, &links, |a, b| (a.min(b), a.max(b)) == (0, 2));
        assert_eq!(clusters[0], clusters[1]);
        assert_ne!(clusters[1], clusters[2]);
        // Without the constraint, everything chains.
        let chained = constrained_clusters(3, &links, |_, _| false);
        assert!(chained.iter().all(|&c| c == chained[0]));
    }
}
