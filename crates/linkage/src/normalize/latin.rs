//! Latin letters: diacritics stripped, special letters spelled out.
//!
//! Canonical decomposition removes accents that are separate marks (é, ë, ç,
//! ş, ñ, ą …). Letters that do not decompose (ß, ø, đ, ł, æ, and the African
//! reference alphabet letters ɔ, ɛ, ŋ, ɓ, ɗ, ƙ, ƴ used in Fula, Bambara, Hausa,
//! Ewe, Akan names) get the spelling a clerk without that key would type.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Spelling of Latin letters that have no canonical decomposition. Only
/// lowercase forms are needed: [`super::fold`] lowercases first.
fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' | 'ɗ' | 'ɖ' => "d",
        'ł' | 'ƚ' => "l",
        'þ' => "th",
        'ı' | 'ɨ' => "i",
        'ħ' => "h",
        'ŋ' => "ng",
        'ɲ' => "ny",
        'ſ' => "s",
        'ə' | 'ǝ' | 'ɛ' => "e",
        'ɔ' => "o",
        'ʉ' => "u",
        'ɓ' => "b",
        'ƙ' | 'ĸ' => "k",
        'ƴ' => "y",
        'ŧ' => "t",
        'ƒ' => "f",
        'ɣ' => "g",
        'ʃ' => "sh",
        'ʒ' => "zh",
        'ɾ' => "r",
        // Modifier letters used as apostrophes (Uzbek, Hawaiian, Arabic
        // romanisation): kept as an apostrophe so the final pass drops them.
        'ʼ' | 'ʻ' | 'ʹ' | 'ʾ' | 'ʿ' => "'",
        _ => return None,
    })
}

/// Appends the ASCII spelling of a run of Latin letters (and stray combining
/// marks, which are dropped).
pub(super) fn transliterate(run: &[char], out: &mut String) {
    for &c in run {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(spelling) = special(c) {
            out.push_str(spelling);
        } else if !is_combining_mark(c) {
            let before = out.len();
            decompose_canonical(c, |part| {
                if part.is_ascii_alphabetic() {
                    out.push(part);
                }
            });
            if out.len() == before {
                super::fallback(c, out);
            }
        }
    }
}
