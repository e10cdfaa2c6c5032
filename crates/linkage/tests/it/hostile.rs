//! Hostile input: the key functions run on whatever a browser sends, so they
//! must never panic and must always return short ASCII keys.

use proptest::prelude::*;
use safepath_linkage::normalize::{fold, tokens};
use safepath_linkage::phonetic::phonetic_key;
use safepath_linkage::{name_index_keys, query_keys, MAX_KEY_LEN};

fn check(input: &str) {
    let folded = fold(input);
    assert!(folded.bytes().all(|b| b.is_ascii_lowercase() || b == b' '));
    assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
    for token in tokens(input) {
        let key = phonetic_key(&token);
        assert!(key.is_ascii());
    }
    for key in name_index_keys(input).into_iter().chain(query_keys(input).into_iter().flatten()) {
        assert!(key.is_ascii() && key.len() <= MAX_KEY_LEN && key.len() > 2, "{key:?}");
    }
}

/// A small deterministic generator, so the corpus below is reproducible
/// without a seed file.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Code points from the scripts the transliterators handle, their marks and
/// the awkward corners around them.
const INTERESTING_RANGES: &[(u32, u32)] = &[
    (0x0000, 0x007F),
    (0x0080, 0x024F),
    (0x0250, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x052F),
    (0x0600, 0x06FF),
    (0x0900, 0x0B7F),
    (0x0E00, 0x0E7F),
    (0x1780, 0x17FF),
    (0x1F00, 0x1FFF),
    (0x2000, 0x206F),
    (0xFB50, 0xFEFF),
    (0xFF00, 0xFFEF),
    (0x1F300, 0x1FAFF),
    (0x4E00, 0x4E50),
];

#[test]
fn fixed_hostile_strings() {
    let long_word = "ж".repeat(10_000);
    let long_spaced = "Muhammad ".repeat(1_500);
    let marks_only = "\u{0301}".repeat(500);
    let viramas = "क्".repeat(300) + "्््";
    let inputs = [
        "",
        "\0",
        "a\0b",
        "\u{7}\u{8}\u{1b}[31m",
        "\u{FEFF}\u{200B}\u{200D}",
        "😀👨‍👩‍👧‍👦🏳️‍🌈",
        "ﷺ ﷽",
        "ǅǈǋ ﬁﬂ Ⅻ ㎏",
        "\u{0308}\u{0308}",
        "ΐΰϊϋ",
        "्ािीु",
        "ํ์่",
        "្្្",
        "ّّّ",
        "ـــ",
        "'''’’",
        "Ⓜⓞⓗⓐⓜⓔⓓ",
        "\u{10FFFF}\u{E000}",
        "İIıi",
        long_word.as_str(),
        long_spaced.as_str(),
        marks_only.as_str(),
        viramas.as_str(),
    ];
    for input in inputs {
        check(input);
    }
}

#[test]
fn random_strings_from_interesting_ranges() {
    let mut rng = XorShift(0x5AFE_9A7B);
    for _ in 0..3_000 {
        let length = (rng.next() % 24) as usize;
        let input: String = (0..length)
            .filter_map(|_| {
                let (low, high) = INTERESTING_RANGES[(rng.next() as usize) % INTERESTING_RANGES.len()];
                char::from_u32(low + (rng.next() as u32) % (high - low + 1))
            })
            .collect();
        check(&input);
    }
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        check(&input);
    }

    #[test]
    fn folding_is_idempotent(input in "\\PC{0,30}") {
        let once = fold(&input);
        prop_assert_eq!(fold(&once), once.clone());
    }
}
