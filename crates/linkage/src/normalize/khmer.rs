//! Khmer: a letter table close to the UNGEGN romanisation, simplified.
//!
//! Consonants of both registers get the same spelling (ក and គ are both "k");
//! the subscript mark (coeng) simply lets the next consonant follow; vowel
//! signs get their a-series spelling. A consonant followed directly by
//! another base consonant gets an inherent "a", so "ចន្ទ" → chant rather than
//! chnt. Register-dependent vowel quality (a vs o series) is not modelled.

fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'ក' | 'គ' => "k",
        'ខ' | 'ឃ' => "kh",
        'ង' => "ng",
        'ច' | 'ជ' => "ch",
        'ឆ' | 'ឈ' => "chh",
        'ញ' => "nh",
        'ដ' | 'ឌ' => "d",
        'ឋ' | 'ឍ' | 'ថ' | 'ធ' => "th",
        'ណ' | 'ន' => "n",
        'ត' | 'ទ' => "t",
        'ប' => "b",
        'ផ' | 'ភ' => "ph",
        'ព' => "p",
        'ម' => "m",
        'យ' => "y",
        'រ' => "r",
        'ល' | 'ឡ' => "l",
        'វ' => "v",
        'ឝ' | 'ឞ' | 'ស' => "s",
        'ហ' => "h",
        'អ' => "",
        _ => return None,
    })
}

fn vowel_sign(c: char) -> Option<&'static str> {
    Some(match c {
        'ា' => "a",
        'ិ' | 'េ' => "e",
        'ី' => "ei",
        'ឹ' => "oe",
        'ឺ' => "eu",
        'ុ' => "o",
        'ូ' => "ou",
        'ួ' => "uo",
        'ើ' => "aeu",
        'ឿ' => "oea",
        'ៀ' => "ie",
        'ែ' => "ae",
        'ៃ' => "ai",
        'ោ' => "ao",
        'ៅ' => "au",
        'ំ' => "m",
        'ះ' => "h",
        'ៈ' => "a",
        _ => return None,
    })
}

fn independent_vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'ឣ' | 'ឤ' => "a",
        'ឥ' => "e",
        'ឦ' => "ei",
        'ឧ' => "o",
        'ឨ' | 'ឩ' => "ou",
        'ឪ' => "ov",
        'ឫ' | 'ឬ' => "rue",
        'ឭ' | 'ឮ' => "lue",
        'ឯ' => "ae",
        'ឰ' => "ai",
        'ឱ' | 'ឲ' => "ao",
        'ឳ' => "au",
        _ => return None,
    })
}

const COENG: char = '\u{17D2}';

/// Appends the Latin spelling of a run of Khmer characters.
pub(super) fn transliterate(run: &[char], out: &mut String) {
    // A base consonant was written and no vowel has followed it yet.
    let mut bare_consonant = false;
    let mut after_coeng = false;
    for &c in run {
        if let Some(spelling) = consonant(c) {
            if bare_consonant && !after_coeng {
                out.push('a');
            }
            out.push_str(spelling);
            bare_consonant = true;
            after_coeng = false;
        } else if c == COENG {
            after_coeng = true;
        } else if let Some(spelling) = vowel_sign(c).or_else(|| independent_vowel(c)) {
            out.push_str(spelling);
            bare_consonant = false;
            after_coeng = false;
        } else if matches!(c, '\u{17C9}'..='\u{17D1}' | '\u{17D3}' | '\u{17DD}') {
            // Register shifters and other diacritics.
        } else {
            super::fallback(c, out);
            bare_consonant = false;
            after_coeng = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::fold;

    #[test]
    fn khmer_names() {
        for (khmer, latin) in [("សុខា", "sokha"), ("ដារា", "dara"), ("ចន្ទ", "chant")] {
            assert_eq!(fold(khmer), latin, "{khmer}");
        }
    }
}
