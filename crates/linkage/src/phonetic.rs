//! A phonetic key for one folded name token, robust across transliteration
//! conventions.
//!
//! Soundex and Metaphone were built for English surnames. The names in
//! Safepath arrive through French, English, Italian, German, Slavic, Greek and
//! Albanian transliterations of Arabic, Cyrillic, Greek, Devanagari and
//! West-African names, so the same person is "Youssouf", "Yusuf", "Jusuf";
//! "Aleksandr", "Alexander"; "Mohamed", "Muhammad", and (from Arabic script)
//! "mhmd". This key is designed for that:
//!
//! * **Inner vowels are dropped**: transliterations disagree most on vowels
//!   (o/u, e/a, ou/u) and Arabic script usually writes none.
//! * **The first letter is kept**, with initial vowels merged into three
//!   classes: `a`; `i` for e, i, y; `u` for o, u ("Omar"/"Umar",
//!   "Ibrahim"/"Ebrahim", "Osman"/"Usman").
//! * **The final vowel is kept**: it marks gender in most languages of the
//!   caseload ("Maria" ≠ "Mario", "Ali" ≠ "Alina", "Jane" ≠ "John"), a
//!   precision we prefer to the rare recall gain.
//! * Consonant spellings are merged: ph→f; q, ck, hard c→k; soft c (before
//!   e, i, y)→s; x→ks; kh→h; gh→g; th→t; dh→d; bh→b; sh, sch, ts, tz→s;
//!   ch, tch, tsch, cz→`c` (the "ch" sound); j, dj, dzh, dz, zh, gj, the
//!   Albanian xh, and y
//!   before a vowel→`j` (a "y/j" palatal class: Jusuf = Yusuf, Zhanna ~
//!   Janna); initial "gi" before a vowel→`j` (Giorgos = Yiorgos); w→v;
//!   initial "ou" before a vowel→v (Ouattara = Wattara).
//! * j or y after a vowel and not before one is a vowel (Nikolaj = Nikolai
//!   = Nikolay); j or y between i and a vowel vanishes (Marija = Mariya =
//!   Maria).
//! * h is kept only where it is heard: dropped after a vowel when no vowel
//!   follows (John = Jon, "Sarah" = "Sara") but kept between consonants,
//!   because Arabic skeletons are written that way ("mhmd" = "Mohamed").
//! * Slavic patronymic endings are unified: -vic, -vitch, -vicz, -wicz →
//!   -vich; -off/-eff → -ov/-ev.
//! * Doubled consonants collapse ("Mohammed" = "Mohamed"), but only when
//!   adjacent: a vowel between two equal consonants keeps both.
//!
//! The key uses only lowercase ASCII letters. It is not meant to be decoded,
//! only compared for equality; issue #3's similarity scoring can compare keys
//! with Jaro-Winkler as well.

/// Longest token (in bytes) that is keyed; the rest is ignored. Names are
/// short, and this bounds the work done on hostile input.
pub const MAX_TOKEN_LEN: usize = 64;

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Endings rewritten before coding, longest first within each family.
const SUFFIX_REWRITES: &[(&str, &str)] = &[
    ("vitch", "vich"),
    ("wicz", "vich"),
    ("vicz", "vich"),
    ("wich", "vich"),
    ("vic", "vich"),
    ("off", "ov"),
    ("eff", "ev"),
];

/// Lowercase ASCII letters of `token`, patronymic endings unified and a
/// trailing h after a vowel dropped.
fn prepare(token: &str) -> Vec<u8> {
    let mut word: Vec<u8> =
        token.bytes().filter(u8::is_ascii_alphabetic).map(|b| b.to_ascii_lowercase()).take(MAX_TOKEN_LEN).collect();
    for (ending, replacement) in SUFFIX_REWRITES {
        if word.len() > ending.len() + 1 && word.ends_with(ending.as_bytes()) {
            word.truncate(word.len() - ending.len());
            word.extend_from_slice(replacement.as_bytes());
            break;
        }
    }
    while word.len() > 1 && word[word.len() - 1] == b'h' && is_vowel(word[word.len() - 2]) {
        word.pop();
    }
    word
}

/// Turns prepared letters into codes: consonant classes as letters, vowels as
/// themselves (a e i o u; y as a vowel becomes i). The codes are then
/// assembled by [`assemble`].
fn code(word: &[u8]) -> Vec<u8> {
    let at = |i: usize| word.get(i).copied().unwrap_or(0);
    let mut codes = Vec::with_capacity(word.len() + 2);
    let mut i = 0;
    while i < word.len() {
        let (prev, current, next, next2) = (i.checked_sub(1).map_or(0, at), word[i], at(i + 1), at(i + 2));
        let (emitted, consumed): (&[u8], usize) = match current {
            b'o' if i == 0 && next == b'u' && is_vowel(next2) => (b"v", 2),
            b'a' | b'e' | b'i' | b'o' | b'u' => (std::slice::from_ref(&word[i]), 1),
            b'y' | b'j' if prev == b'i' && is_vowel(next) => (b"", 1),
            b'y' | b'j' if is_vowel(next) => (b"j", 1),
            b'y' => (b"i", 1),
            b'j' if next == b'h' => (b"j", 2),
            b'j' if i > 0 && is_vowel(prev) => (b"i", 1),
            b'j' => (b"j", 1),
            b'g' if i == 0 && next == b'i' && is_vowel(next2) => (b"j", 2),
            b'g' if next == b'h' => (b"g", 2),
            b'g' if next == b'j' => (b"j", 2),
            b'd' if next == b'z' && next2 == b'h' => (b"j", 3),
            b'd' if next == b'j' || next == b'z' => (b"j", 2),
            b'd' if next == b'h' => (b"d", 2),
            b'z' if next == b'h' => (b"j", 2),
            b't' if word[i..].starts_with(b"tsch") => (b"c", 4),
            b't' if next == b'c' && next2 == b'h' => (b"c", 3),
            b't' if next == b'h' => (b"t", 2),
            b't' if next == b's' || next == b'z' => (b"s", 2),
            b's' if next == b'c' && next2 == b'h' => (b"s", 3),
            b's' if next == b'h' => (b"s", 2),
            b'c' if next == b'h' && matches!(next2, b'r' | b'l') => (b"k", 2),
            b'c' if next == b'h' || next == b'z' => (b"c", 2),
            b'c' if next == b'k' || next == b'c' || next == b'q' => (b"k", 2),
            b'c' if matches!(next, b'e' | b'i' | b'y' | b'v') => (b"s", 1),
            b'c' | b'q' => (b"k", 1),
            b'k' if next == b'h' => (b"h", 2),
            b'p' if next == b'h' => (b"f", 2),
            b'b' if next == b'h' => (b"b", 2),
            b'x' if next == b'h' => (b"j", 2),
            b'x' => (b"ks", 1),
            b'w' => (b"v", 1),
            b'h' if i > 0 && is_vowel(prev) && !is_vowel(next) => (b"", 1),
            _ => (std::slice::from_ref(&word[i]), 1),
        };
        codes.extend_from_slice(emitted);
        i += consumed;
    }
    codes
}

fn is_vowel_code(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The class an initial vowel is reduced to.
fn initial_vowel_class(b: u8) -> char {
    match b {
        b'a' => 'a',
        b'e' | b'i' => 'i',
        _ => 'u',
    }
}

/// First code (vowels by class), consonants with adjacent duplicates
/// collapsed, inner vowels dropped, final vowel kept.
fn assemble(codes: &[u8]) -> String {
    let mut key = String::with_capacity(codes.len());
    let Some((&first, rest)) = codes.split_first() else {
        return key;
    };
    if is_vowel_code(first) {
        key.push(initial_vowel_class(first));
    } else {
        key.push(char::from(first));
    }
    let mut previous = first;
    for &code in rest {
        if !is_vowel_code(code) && code != previous {
            key.push(char::from(code));
        }
        previous = code;
    }
    if let Some(&last) = rest.last() {
        if is_vowel_code(last) {
            key.push(char::from(last));
        }
    }
    key
}

/// The phonetic key of one name token (see the module documentation).
///
/// Expects a token folded by [`crate::normalize::fold`]; any character other
/// than an ASCII letter is ignored, so calling it on raw input is harmless
/// but less useful. Returns an empty string for a token without letters.
///
/// ```
/// use safepath_linkage::phonetic::phonetic_key;
/// assert_eq!(phonetic_key("mohammed"), phonetic_key("muhamad"));
/// assert_eq!(phonetic_key("mohammed"), phonetic_key("mhmd"));
/// assert_ne!(phonetic_key("maria"), phonetic_key("mario"));
/// ```
pub fn phonetic_key(token: &str) -> String {
    assemble(&code(&prepare(token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_examples() {
        for (token, key) in [
            ("mohammed", "mhmd"),
            ("aleksandr", "alksndr"),
            ("yusuf", "jsf"),
            ("nikolaj", "nkli"),
            ("maria", "mra"),
            ("marija", "mra"),
            ("john", "jn"),
            ("jane", "jne"),
            ("lakshmi", "lksmi"),
            ("giorgos", "jrgs"),
            ("ouattara", "vtra"),
            ("omar", "umr"),
            ("ebrahim", "ibrhm"),
            ("sarah", "sra"),
            ("christos", "krsts"),
            ("jovanovic", "jvnvc"),
            ("ivanoff", "ivnv"),
            ("hatixhe", "htje"),
            ("a", "a"),
            ("", ""),
        ] {
            assert_eq!(phonetic_key(token), key, "{token}");
        }
    }

    #[test]
    fn non_letters_are_ignored() {
        assert_eq!(phonetic_key("mo-ham med!"), phonetic_key("mohammed"));
        assert_eq!(phonetic_key("123"), "");
    }

    #[test]
    fn long_tokens_are_bounded() {
        assert!(phonetic_key(&"ab".repeat(10_000)).len() <= MAX_TOKEN_LEN);
    }
}
