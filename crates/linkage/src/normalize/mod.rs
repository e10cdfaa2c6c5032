//! Folding names to one comparable ASCII form.
//!
//! The same child is registered by different people, in different offices and
//! countries: "ÇELA", "Cela", "Çela"; "Александр" and "Aleksandr"; "लक्ष्मी"
//! and "Lakshmi". Every comparison in this crate therefore starts from
//! [`fold`], which turns any string into lowercase ASCII letters separated by
//! single spaces:
//!
//! 1. Unicode NFKC (full-width letters, ligatures and presentation forms become
//!    ordinary letters) and lowercasing;
//! 2. transliteration to Latin, script by script. Cyrillic, Greek, the Indic
//!    scripts (Devanagari, Bengali, Gurmukhi, Gujarati, Oriya), Arabic, Thai
//!    and Khmer have hand-made tables tuned for personal names (see the
//!    submodules); any other script falls back to the `any_ascii` crate;
//! 3. diacritics are stripped (ë→e, ç→c, ş→s) and special Latin letters
//!    spelled out (ß→ss, ø→o, đ→d, ł→l, ɔ→o, ŋ→ng …);
//! 4. apostrophes vanish ("N'Diaye" → "ndiaye", because registrars write it
//!    both ways), every other non-letter (digits, punctuation, symbols,
//!    emoji) becomes a space, and whitespace is collapsed.
//!
//! Folding is deliberately lossy: it keeps what distinguishes names as
//! *written by different clerks*, not what distinguishes them linguistically.
//! It never panics and always returns ASCII.

mod arabic;
mod cyrillic;
mod greek;
mod indic;
mod khmer;
mod latin;
mod thai;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The writing systems that [`fold`] treats differently. Runs of consecutive
/// characters of one script are handed to that script's transliterator, so
/// context rules (Greek digraphs, Indic inherent vowels) see whole words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Arabic,
    /// An Indic block laid out like Devanagari (ISCII order); the value is the
    /// first code point of the block.
    Indic(u32),
    Thai,
    Khmer,
    /// A combining mark: it belongs to the run it follows.
    Mark,
    /// Spaces, digits, punctuation: copied as-is and cleaned up at the end.
    Neutral,
    /// Anything else: transliterated per character by `any_ascii`.
    Other,
}

fn script_of(c: char) -> Script {
    if c.is_ascii() {
        return if c.is_ascii_alphabetic() { Script::Latin } else { Script::Neutral };
    }
    match u32::from(c) {
        0x00D7 | 0x00F7 => Script::Neutral,
        0x0080..=0x00BF | 0x2000..=0x206F | 0x3000..=0x303F => Script::Neutral,
        0x00C0..=0x02FF | 0x1D00..=0x1DBF | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F => Script::Latin,
        0xA720..=0xA7FF | 0xAB30..=0xAB6F => Script::Latin,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF => Script::Mark,
        0xFE20..=0xFE2F => Script::Mark,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF => Script::Arabic,
        0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
        cp @ 0x0900..=0x0B7F => Script::Indic(cp & !0x7F),
        0x0E00..=0x0E7F => Script::Thai,
        0x1780..=0x17FF | 0x19E0..=0x19FF => Script::Khmer,
        _ => Script::Other,
    }
}

/// Facts about the whole input that a per-run transliterator cannot see, such
/// as whether a Cyrillic name is Serbian (so "ћ" and "ч" fold like the Serbian
/// Latin "ć"/"č" that the same person's documents would carry).
#[derive(Clone, Copy, Debug, Default)]
struct Context {
    serbian_cyrillic: bool,
    ukrainian_cyrillic: bool,
}

/// Folds any string to lowercase ASCII words separated by single spaces
/// (see the module documentation for the steps). Empty when the input has no
/// letters.
///
/// ```
/// use safepath_linkage::normalize::fold;
/// assert_eq!(fold("  ÇELA,  Jean-Pierre "), "cela jean pierre");
/// assert_eq!(fold("Александр"), "aleksandr");
/// assert_eq!(fold("Γιώργος"), "giorgos");
/// assert_eq!(fold("लक्ष्मी"), "lakshmi");
/// ```
pub fn fold(input: &str) -> String {
    if input.is_ascii() {
        return clean(input);
    }
    let chars: Vec<char> = input.nfkc().flat_map(char::to_lowercase).collect();
    let context = Context {
        serbian_cyrillic: chars.iter().copied().any(cyrillic::is_serbian_marker),
        ukrainian_cyrillic: chars.iter().copied().any(cyrillic::is_ukrainian_marker),
    };
    let mut raw = String::with_capacity(chars.len() * 2);
    let mut start = 0;
    while start < chars.len() {
        let script = script_of(chars[start]);
        let mut end = start + 1;
        while end < chars.len() && continues_run(script, script_of(chars[end])) {
            end += 1;
        }
        transliterate_run(script, &chars[start..end], context, &mut raw);
        start = end;
    }
    clean(&raw)
}

/// Whether a character of script `next` extends a run of script `run`.
/// Combining marks always extend the run they follow.
fn continues_run(run: Script, next: Script) -> bool {
    next == run || (next == Script::Mark && run != Script::Neutral && run != Script::Other)
}

fn transliterate_run(script: Script, run: &[char], context: Context, out: &mut String) {
    match script {
        Script::Latin | Script::Mark => latin::transliterate(run, out),
        Script::Greek => greek::transliterate(run, out),
        Script::Cyrillic => cyrillic::transliterate(run, context, out),
        Script::Arabic => arabic::transliterate(run, out),
        Script::Indic(block) => indic::transliterate(run, block, out),
        Script::Thai => thai::transliterate(run, out),
        Script::Khmer => khmer::transliterate(run, out),
        Script::Neutral => out.extend(run),
        Script::Other => run.iter().for_each(|&c| fallback(c, out)),
    }
}

/// Transliterates a character that no hand-made table covers. Letters go
/// through `any_ascii`; combining marks vanish (they decorate a letter);
/// everything else (symbols, emoji, digits) separates words. Emoji must not
/// go through `any_ascii`, which would spell them out as words.
fn fallback(c: char, out: &mut String) {
    if c.is_alphabetic() {
        out.push_str(any_ascii::any_ascii_char(c));
    } else if !is_combining_mark(c) {
        out.push(' ');
    }
}

/// Characters that join the letters on both sides instead of separating
/// words: "N'Diaye" is also written "Ndiaye", "O’Brien" also "OBrien".
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{02BB}' | '\u{02B9}')
}

/// Final pass: lowercase ASCII letters only, apostrophes removed, any other
/// character a separator, single spaces, no leading or trailing space.
fn clean(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        if c.is_ascii_alphabetic() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c.to_ascii_lowercase());
        } else if !is_apostrophe(c) {
            pending_space = true;
        }
    }
    out
}

/// The folded words of `input`, in order (see [`fold`]).
///
/// ```
/// use safepath_linkage::normalize::tokens;
/// assert_eq!(tokens("José  María-Núñez"), ["jose", "maria", "nunez"]);
/// assert!(tokens(" -- ").is_empty());
/// ```
pub fn tokens(input: &str) -> Vec<String> {
    fold(input).split(' ').filter(|t| !t.is_empty()).map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_lowercased_and_collapsed() {
        assert_eq!(fold("  JOHN   o'brien-SMITH 3rd\t"), "john obrien smith rd");
        assert_eq!(fold("!!!"), "");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn latin_diacritics_and_special_letters() {
        for (input, expected) in [
            ("Çela", "cela"),
            ("Gëzim Hoxhë", "gezim hoxhe"),
            ("Şükrü", "sukru"),
            ("Søren Ærø", "soren aero"),
            ("Straße", "strasse"),
            ("Đorđević", "dordevic"),
            ("Łukasz", "lukasz"),
            ("Ɔdɔm Ŋɔmɔ", "odom ngomo"),
            ("Ɓello Ɗiallo", "bello diallo"),
            ("İsmail", "ismail"),
            ("N’Diaye", "ndiaye"),
            ("ＪＯＨＮ", "john"),
        ] {
            assert_eq!(fold(input), expected, "{input}");
        }
    }

    #[test]
    fn emoji_and_symbols_separate_words() {
        assert_eq!(fold("Ana😀Maria"), "ana maria");
        assert_eq!(fold("Ana©Maria★5"), "ana maria");
    }

    #[test]
    fn mixed_scripts_in_one_string() {
        assert_eq!(fold("Aleksandr Александр"), "aleksandr aleksandr");
        assert_eq!(fold("Petrov/Петров"), "petrov petrov");
    }

    #[test]
    fn leading_combining_marks_are_dropped() {
        assert_eq!(fold("\u{0301}\u{0308}ana"), "ana");
    }
}
