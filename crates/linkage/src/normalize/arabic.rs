//! Arabic script (Arabic, Persian, Urdu, Pashto letters): a consonant
//! skeleton with the long vowels that the script does write.
//!
//! Arabic names are normally written without short vowels, so "محمد" can only
//! become "mhmd"; the vowels Latin spellings add ("Mohamed", "Muhammad") are
//! bridged by [`crate::phonetic`], which ignores inner vowels, and by the
//! variant table, which lists common names in Arabic script too. When short
//! vowel marks (harakat) are present they are used.
//!
//! * و and ي are consonants (w, y) at the start of a word, before a vowel
//!   letter or after alif, and long vowels (u, i) elsewhere: "يوسف" → yusf,
//!   "مروة" → mrwa;
//! * ع is "a" at the start of a word (Ali, Abdullah) and silent elsewhere;
//!   ء is silent; ة and ى are "a";
//! * final "لله" is "llah" (Abdullah, Fadlallah);
//! * shadda doubles its consonant, as Latin spellings do ("Muhammad").

fn is_long_vowel_letter(c: char) -> bool {
    matches!(c, 'ا' | 'ى' | 'ة' | 'آ' | 'أ' | 'إ')
}

fn is_haraka(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{0650}' | '\u{0670}')
}

const SHADDA: char = '\u{0651}';

fn is_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}')
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{0671}'..='\u{06D3}')
}

fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'ب' => "b",
        'ت' | 'ط' | 'ٹ' => "t",
        'ث' => "th",
        'ج' => "j",
        'ح' | 'ه' | 'ہ' | 'ھ' => "h",
        'خ' => "kh",
        'د' | 'ض' | 'ڈ' => "d",
        'ذ' => "dh",
        'ر' | 'ڑ' => "r",
        'ز' | 'ظ' => "z",
        'س' | 'ص' => "s",
        'ش' => "sh",
        'غ' => "gh",
        'ف' => "f",
        'ق' => "q",
        'ك' | 'ک' => "k",
        'ل' => "l",
        'م' => "m",
        'ن' | 'ں' => "n",
        'پ' => "p",
        'چ' => "ch",
        'ژ' => "zh",
        'گ' | 'ڨ' => "g",
        'ڤ' => "v",
        'ا' | 'آ' | 'أ' | 'ٱ' | 'ى' | 'ة' => "a",
        'إ' => "i",
        'ؤ' => "u",
        'ئ' => "i",
        'ے' => "e",
        'ء' | 'ـ' => "",
        _ => return None,
    })
}

/// Appends the Latin spelling of a run of Arabic-script characters.
pub(super) fn transliterate(run: &[char], out: &mut String) {
    for (i, &c) in run.iter().enumerate() {
        let previous = i.checked_sub(1).and_then(|p| run.get(p)).copied();
        let next = run.get(i + 1).copied();
        let word_start = !previous.is_some_and(is_arabic_letter);
        let word_end = !next.is_some_and(|n| is_arabic_letter(n) || is_haraka(n));
        let before_vowel = next.is_some_and(|n| is_long_vowel_letter(n) || is_haraka(n));
        let after_alif = previous == Some('ا');
        match c {
            'و' => out.push_str(if word_start || before_vowel || after_alif { "w" } else { "u" }),
            'ي' | 'ی' | 'ې' | 'ۍ' => out.push_str(if word_start || before_vowel || after_alif { "y" } else { "i" }),
            'ع' => {
                if word_start && !next.is_some_and(is_haraka) {
                    out.push('a');
                }
            }
            'ه' if word_end && previous == Some('ل') => out.push_str("ah"),
            '\u{064E}' => out.push('a'),
            '\u{064F}' => out.push('u'),
            '\u{0650}' => out.push('i'),
            '\u{0670}' => out.push('a'),
            // Tanwin, shadda, sukun and other marks add nothing a clerk writes.
            '\u{064B}'..='\u{065F}' | '\u{06D6}'..='\u{06ED}' => {}
            // Arabic-Indic digits and punctuation separate words.
            '\u{0660}'..='\u{066D}' | '\u{06F0}'..='\u{06F9}' | '،' | '؛' | '؟' | '۔' => out.push(' '),
            _ => match consonant(c) {
                Some(spelling) => {
                    out.push_str(spelling);
                    // Shadda doubles the consonant; canonical ordering may put
                    // a vowel mark before it, so look through all the marks.
                    let mut marks = run[i + 1..].iter().take_while(|&&m| is_mark(m));
                    if marks.any(|&m| m == SHADDA) {
                        out.push_str(spelling);
                    }
                }
                None => super::fallback(c, out),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::fold;

    #[test]
    fn arabic_names() {
        for (arabic, latin) in [
            ("محمد", "mhmd"),
            ("مُحَمَّد", "muhammad"),
            ("أحمد", "ahmd"),
            ("يوسف", "yusf"),
            ("فاطمة", "fatma"),
            ("علي", "ali"),
            ("عبدالله", "abdallah"),
            ("مروة", "mrwa"),
            ("خالد", "khald"),
            ("إبراهيم", "ibrahim"),
            ("مريم", "mrim"),
            ("نور", "nur"),
        ] {
            assert_eq!(fold(arabic), latin, "{arabic}");
        }
    }
}
