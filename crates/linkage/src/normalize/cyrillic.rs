//! Cyrillic: Russian, Ukrainian, Belarusian, Bulgarian, Serbian and
//! Macedonian letters, romanised as names usually appear in Latin-script
//! documents of the same people.
//!
//! One Cyrillic letter is romanised differently by language, so the whole
//! input string is inspected first (see [`super::Context`]):
//!
//! * if it contains a letter only Serbian or Macedonian use (ј љ њ ћ ђ џ ѓ ќ ѕ),
//!   it is romanised like Serbian/Macedonian Latin *after* diacritic folding:
//!   "Ђоковић" → dokovic, equal to the fold of "Đoković". Otherwise a Serbian
//!   "Јовановић" would never meet the "Jovanović" on the child's passport;
//! * if it contains і ї є ґ (Ukrainian, Belarusian), г is h and и is y
//!   ("Григорій" → hryhoriy, as on Ukrainian passports);
//! * otherwise the common Russian/Bulgarian scheme (BGN/PCGN without
//!   diacritics): ж zh, х kh, ц ts, ч ch, ш sh, щ shch, ю yu, я ya, й y.
//!
//! The hard sign ъ is a vowel in Bulgarian ("Кънчев" → kanchev) and a mute
//! separator in Russian ("Подъячев" → podyachev): it is read as "a" between
//! consonants and dropped elsewhere.

use super::Context;

/// Letters that mark a string as Serbian or Macedonian.
pub(super) fn is_serbian_marker(c: char) -> bool {
    matches!(c, 'ј' | 'љ' | 'њ' | 'ћ' | 'ђ' | 'џ' | 'ѓ' | 'ќ' | 'ѕ')
}

/// Letters that mark a string as Ukrainian or Belarusian.
pub(super) fn is_ukrainian_marker(c: char) -> bool {
    matches!(c, 'і' | 'ї' | 'є' | 'ґ' | 'ў')
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'і' | 'ї' | 'є')
}

fn is_consonant(c: char) -> bool {
    ('а'..='я').contains(&c) && !is_vowel(c) && !matches!(c, 'ъ' | 'ь' | 'й')
}

/// The spelling shared by all languages, or the Russian one where they differ.
fn common(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ы' => "y",
        'ь' => "",
        'ю' => "yu",
        'я' => "ya",
        'є' => "ye",
        'ї' => "yi",
        'ґ' => "g",
        // Serbian and Macedonian letters, should they appear without context.
        'ђ' => "dj",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dz",
        'ѓ' => "gj",
        'ќ' => "kj",
        'ѕ' => "dz",
        _ => return None,
    })
}

/// Serbian/Macedonian Cyrillic spelled as Serbian/Macedonian Latin after
/// diacritic folding (š→s, ž→z, č/ć→c, đ→d, dž→dz, ǵ→g, ḱ→k).
fn serbian(c: char) -> Option<&'static str> {
    Some(match c {
        'ж' => "z",
        'х' => "h",
        'ц' | 'ч' | 'ћ' => "c",
        'ш' => "s",
        'ђ' => "d",
        'џ' | 'ѕ' => "dz",
        'ѓ' => "g",
        'ќ' => "k",
        _ => return common(c),
    })
}

fn ukrainian(c: char) -> Option<&'static str> {
    Some(match c {
        'г' => "h",
        'и' => "y",
        _ => return common(c),
    })
}

/// Appends the Latin spelling of a run of Cyrillic characters.
pub(super) fn transliterate(run: &[char], context: Context, out: &mut String) {
    for (i, &c) in run.iter().enumerate() {
        if c == 'ъ' {
            let between_consonants = i > 0
                && run.get(i - 1).copied().is_some_and(is_consonant)
                && run.get(i + 1).copied().is_some_and(is_consonant);
            if between_consonants {
                out.push('a');
            }
            continue;
        }
        let spelling = if context.serbian_cyrillic {
            serbian(c)
        } else if context.ukrainian_cyrillic {
            ukrainian(c)
        } else {
            common(c)
        };
        match spelling {
            Some(s) => out.push_str(s),
            None => super::fallback(c, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::fold;

    #[test]
    fn cyrillic_names() {
        for (cyrillic, latin) in [
            ("Александр", "aleksandr"),
            ("Николай", "nikolay"),
            ("Екатерина", "ekaterina"),
            ("Юлия Щербакова", "yuliya shcherbakova"),
            ("Жанна Хачатурян", "zhanna khachaturyan"),
            ("Подъячев", "podyachev"),
            ("Кънчев", "kanchev"),
            ("Олександр Григорій", "oleksandr hryhoriy"),
            ("Јовановић", "jovanovic"),
            ("Ђорђе Шушић", "dorde susic"),
            ("Љубица Њежић", "ljubica njezic"),
            ("Ѓорѓи Ќосев", "gorgi kosev"),
        ] {
            assert_eq!(fold(cyrillic), latin, "{cyrillic}");
        }
    }
}
