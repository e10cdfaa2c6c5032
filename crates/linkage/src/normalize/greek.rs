//! Greek: the passport romanisation (ELOT 743 / ISO 843 type 2) with the
//! vowel digraphs simplified the way names are usually spelled in Latin.
//!
//! Accents (tonos, and polytonic breathings) are dropped; a diaeresis is kept
//! only long enough to stop a digraph ("Ευφροσύνη" vs "Ϊ"). Rules, each because
//! it is how the same name is written in Latin-script documents:
//!
//! * `ου` → ou; `αι` → ai; `ει`, `οι` → i ("Ειρήνη" → irini);
//! * `αυ`, `ευ`, `ηυ` → av/ev/iv before a vowel or voiced consonant, af/ef/if
//!   before a voiceless consonant or at the end of a word;
//! * `μπ` → b and `ντ` → d at the start of a word, mp / nt inside it
//!   ("Μπάμπης" → bampis, "Ντίνος" → dinos);
//! * `γγ` → ng, `γκ` → g at the start and ng inside, `γξ` → nx, `γχ` → nch;
//! * single letters: η, ι → i, υ → y, ω → o, θ → th, χ → ch, ψ → ps, ξ → x,
//!   β → v, φ → f; `τσ`, `τζ` fall out as ts, tz.

use unicode_normalization::char::decompose_canonical;

/// One Greek letter after accents are removed.
#[derive(Clone, Copy)]
struct Letter {
    base: char,
    /// Carries a diaeresis, which forbids reading it as part of a digraph.
    diaeresis: bool,
}

/// Consonants before which αυ/ευ are pronounced (and written) af/ef.
fn is_voiceless(c: char) -> bool {
    matches!(c, 'θ' | 'κ' | 'ξ' | 'π' | 'σ' | 'ς' | 'τ' | 'φ' | 'χ' | 'ψ')
}

fn is_greek_letter(c: char) -> bool {
    ('α'..='ω').contains(&c) || matches!(c, 'ϲ' | 'ϳ')
}

fn single(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' | 'ι' => "i",
        'θ' => "th",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ω' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' | 'ϲ' => "s",
        'τ' => "t",
        'υ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ϳ' => "j",
        _ => return None,
    })
}

/// Appends the Latin spelling of a run of Greek characters.
pub(super) fn transliterate(run: &[char], out: &mut String) {
    let mut letters: Vec<Letter> = Vec::with_capacity(run.len());
    for &c in run {
        decompose_canonical(c, |part| match part {
            '\u{0308}' => {
                if let Some(last) = letters.last_mut() {
                    last.diaeresis = true;
                }
            }
            // Tonos/oxia, varia, perispomeni, breathings, iota subscript.
            '\u{0300}'..='\u{036F}' => {}
            base => letters.push(Letter { base, diaeresis: false }),
        });
    }

    let base_at = |i: usize| letters.get(i).map(|l| l.base);
    let mut i = 0;
    while i < letters.len() {
        let current = letters[i].base;
        let next = letters.get(i + 1).filter(|l| !l.diaeresis).map(|l| l.base);
        let after_next = base_at(i + 2);
        let word_start = i == 0 || !base_at(i - 1).is_some_and(is_greek_letter);

        let (spelling, consumed): (&str, usize) = match (current, next) {
            ('ο', Some('υ')) => ("ou", 2),
            ('α', Some('ι')) => ("ai", 2),
            ('ε' | 'ο', Some('ι')) => ("i", 2),
            ('α' | 'ε' | 'η', Some('υ')) => {
                let voiceless = after_next.is_none_or(|c| is_voiceless(c) || !is_greek_letter(c));
                let spelling = match (current, voiceless) {
                    ('α', true) => "af",
                    ('α', false) => "av",
                    ('ε', true) => "ef",
                    ('ε', false) => "ev",
                    (_, true) => "if",
                    (_, false) => "iv",
                };
                (spelling, 2)
            }
            ('μ', Some('π')) => (if word_start { "b" } else { "mp" }, 2),
            ('ν', Some('τ')) => (if word_start { "d" } else { "nt" }, 2),
            ('γ', Some('γ')) => ("ng", 2),
            ('γ', Some('κ')) => (if word_start { "g" } else { "ng" }, 2),
            ('γ', Some('ξ')) => ("nx", 2),
            ('γ', Some('χ')) => ("nch", 2),
            (c, _) => match single(c) {
                Some(spelling) => (spelling, 1),
                None => {
                    super::fallback(c, out);
                    ("", 1)
                }
            },
        };
        out.push_str(spelling);
        i += consumed;
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::fold;

    #[test]
    fn greek_names() {
        for (greek, latin) in [
            ("Γιώργος", "giorgos"),
            ("Γεώργιος", "georgios"),
            ("Ιωάννης", "ioannis"),
            ("Γιάννης", "giannis"),
            ("Δημήτρης", "dimitris"),
            ("Νίκος", "nikos"),
            ("Ελένη", "eleni"),
            ("Αικατερίνη", "aikaterini"),
            ("Ειρήνη", "irini"),
            ("Ευάγγελος", "evangelos"),
            ("Ευθύμιος", "efthymios"),
            ("Μπάμπης", "bampis"),
            ("Ντίνος", "dinos"),
            ("Αντώνης", "antonis"),
            ("Γκόγκος", "gongos"),
            ("Χρήστος", "christos"),
            ("Παναγιώτης", "panagiotis"),
            ("Τσιάρας", "tsiaras"),
            ("Κουτσούκος", "koutsoukos"),
            ("Μαΐα", "maia"),
            ("Προϊόν", "proion"),
            ("ΣΟΦΙΑ", "sofia"),
            ("Ψάλτης", "psaltis"),
            ("Παύλος", "pavlos"),
        ] {
            assert_eq!(fold(greek), latin, "{greek}");
        }
    }
}
