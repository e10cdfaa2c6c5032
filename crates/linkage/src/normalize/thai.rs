//! Thai: a letter table in the spirit of the Royal Thai General System
//! (RTGS), without its final-consonant and implicit-vowel rules.
//!
//! Thai writes some vowels *before* the consonant they follow in speech
//! (เ แ โ ใ ไ); they are held back and written after that consonant, so
//! "เก" → ke, not ek. Tone marks and the vowel shortener are dropped. The
//! thanthakhat (์) silences the consonant it sits on, so that consonant is
//! removed again. Implicit vowels ("คน" → khon) are not inferred: both sides
//! of a comparison lose them the same way, and the phonetic key ignores inner
//! vowels anyway.

fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'ก' => "k",
        'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "kh",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ฌ' => "ch",
        'ซ' | 'ศ' | 'ษ' | 'ส' => "s",
        'ญ' | 'ย' => "y",
        'ฎ' | 'ด' => "d",
        'ฏ' | 'ต' => "t",
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => "th",
        'ณ' | 'น' => "n",
        'บ' => "b",
        'ป' => "p",
        'ผ' | 'พ' | 'ภ' => "ph",
        'ฝ' | 'ฟ' => "f",
        'ม' => "m",
        'ร' => "r",
        'ล' | 'ฬ' => "l",
        'ว' => "w",
        'ห' | 'ฮ' => "h",
        'ฤ' => "rue",
        'ฦ' => "lue",
        _ => return None,
    })
}

/// Vowels written before their consonant.
fn leading_vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'เ' => "e",
        'แ' => "ae",
        'โ' => "o",
        'ใ' | 'ไ' => "ai",
        _ => return None,
    })
}

/// Vowels written after (or above, below) their consonant.
fn following_vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'ะ' | 'ั' | 'า' | 'ๅ' => "a",
        'ำ' => "am",
        'ิ' | 'ี' => "i",
        'ึ' | 'ื' => "ue",
        'ุ' | 'ู' => "u",
        _ => return None,
    })
}

const O_ANG: char = 'อ';
const THANTHAKHAT: char = '์';

/// Appends the Latin spelling of a run of Thai characters.
pub(super) fn transliterate(run: &[char], out: &mut String) {
    let mut held_vowel: Option<&str> = None;
    let mut last_consonant_start: Option<usize> = None;
    for (i, &c) in run.iter().enumerate() {
        if let Some(vowel) = leading_vowel(c) {
            if let Some(previous) = held_vowel.replace(vowel) {
                out.push_str(previous);
            }
        } else if c == O_ANG || consonant(c).is_some() {
            last_consonant_start = Some(out.len());
            if c == O_ANG {
                // อ carries a vowel (silent) or is itself the vowel "o".
                let carries_vowel =
                    held_vowel.is_some() || run.get(i + 1).is_some_and(|&n| following_vowel(n).is_some());
                if !carries_vowel {
                    out.push('o');
                }
            } else if let Some(spelling) = consonant(c) {
                out.push_str(spelling);
            }
            if let Some(vowel) = held_vowel.take() {
                out.push_str(vowel);
            }
        } else if let Some(vowel) = following_vowel(c) {
            out.push_str(vowel);
        } else if c == THANTHAKHAT {
            if let Some(start) = last_consonant_start.take() {
                out.truncate(start);
            }
        } else if matches!(c, '\u{0E47}'..='\u{0E4B}' | '\u{0E4D}' | '\u{0E4E}' | 'ๆ') {
            // Shortener, tone marks, nikhahit, yamakkan, repetition mark.
        } else {
            super::fallback(c, out);
        }
    }
    if let Some(vowel) = held_vowel {
        out.push_str(vowel);
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::fold;

    #[test]
    fn thai_names() {
        for (thai, latin) in [
            ("สมชาย", "smchay"),
            ("มาลี", "mali"),
            ("เก", "ke"),
            ("ไพโรจน์", "phairoch"),
            ("อรุณ", "orun"),
            ("อาทิตย์", "athit"),
        ] {
            assert_eq!(fold(thai), latin, "{thai}");
        }
    }
}
