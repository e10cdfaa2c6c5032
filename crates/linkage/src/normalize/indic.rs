//! Indic scripts laid out like Devanagari: Devanagari (Nepali, Hindi,
//! Marathi), Bengali, Gurmukhi, Gujarati and Oriya.
//!
//! These Unicode blocks share one layout (inherited from ISCII), so one table
//! indexed by the offset inside the block serves all five, with a few
//! per-script overrides (Bengali য is "j", ৎ is a final "t"; Gurmukhi tippi).
//!
//! The romanisation is the informal one used for names in passports and
//! registers, not ISO 15919: long and short vowels are not distinguished
//! (सीता → sita), ष and श are both "sh", ऋ is "ri". Consonants carry an
//! inherent "a" unless a vowel sign (matra) or the virama follows:
//!
//! * the inherent "a" of the *last* consonant of a word is dropped, as
//!   speakers do and as names are written (राम → ram, रमेश → ramesh), except
//!   when the word is a single consonant or ends in a conjunct (कृष्ण →
//!   krishna, आदित्य → aditya);
//! * conjuncts come out letter by letter, which gives the usual क्ष → ksh
//!   (लक्ष्मी → lakshmi); ज्ञ is "gy" (ज्ञान → gyan) as in Nepali and Hindi;
//! * anusvara is "m" before p, ph, b, bh, m and "n" elsewhere; candrabindu
//!   is "n"; visarga is "h"; nukta turns k→q, j→z, ph→f, ḍ→r.
//!
//! Medial schwa deletion (कमलेश → kamlesh) is not attempted: the phonetic key
//! ignores inner vowels, so it would not change matching.

/// What one code point of the block is, by its offset from the block start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Consonant(&'static str),
    /// An independent vowel letter.
    Vowel(&'static str),
    /// A dependent vowel sign, replacing the inherent "a".
    Matra(&'static str),
    Virama,
    Nukta,
    Anusvara,
    Candrabindu,
    Visarga,
    /// Digits, danda and other punctuation: a word boundary.
    Separator,
    /// Accents and other marks with no effect on a name's spelling.
    Ignored,
}

const KA: u32 = 0x15;
const JA: u32 = 0x1C;
const NYA: u32 = 0x1E;
const DDA: u32 = 0x21;
const DDHA: u32 = 0x22;
const PA: u32 = 0x2A;
const PHA: u32 = 0x2B;
const MA: u32 = 0x2E;
const SA: u32 = 0x38;
const BLOCK_DEVANAGARI: u32 = 0x0900;
const BLOCK_BENGALI: u32 = 0x0980;
const BLOCK_GURMUKHI: u32 = 0x0A00;

/// The shared table (Devanagari spellings).
fn kind_devanagari(offset: u32) -> Kind {
    use Kind::*;
    match offset {
        0x01 => Candrabindu,
        0x02 => Anusvara,
        0x03 => Visarga,
        0x04..=0x06 => Vowel("a"),
        0x07 | 0x08 => Vowel("i"),
        0x09 | 0x0A => Vowel("u"),
        0x0B | 0x60 => Vowel("ri"),
        0x0C | 0x61 => Vowel("li"),
        0x0D..=0x0F => Vowel("e"),
        0x10 => Vowel("ai"),
        0x11..=0x13 => Vowel("o"),
        0x14 => Vowel("au"),
        0x15 => Consonant("k"),
        0x16 => Consonant("kh"),
        0x17 => Consonant("g"),
        0x18 => Consonant("gh"),
        0x19 => Consonant("ng"),
        0x1A => Consonant("ch"),
        0x1B => Consonant("chh"),
        0x1C => Consonant("j"),
        0x1D => Consonant("jh"),
        0x1E => Consonant("ny"),
        0x1F => Consonant("t"),
        0x20 => Consonant("th"),
        0x21 => Consonant("d"),
        0x22 => Consonant("dh"),
        0x23 => Consonant("n"),
        0x24 => Consonant("t"),
        0x25 => Consonant("th"),
        0x26 => Consonant("d"),
        0x27 => Consonant("dh"),
        0x28 | 0x29 => Consonant("n"),
        0x2A => Consonant("p"),
        0x2B => Consonant("ph"),
        0x2C => Consonant("b"),
        0x2D => Consonant("bh"),
        0x2E => Consonant("m"),
        0x2F => Consonant("y"),
        0x30 | 0x31 => Consonant("r"),
        0x32..=0x34 => Consonant("l"),
        0x35 => Consonant("v"),
        0x36 | 0x37 => Consonant("sh"),
        0x38 => Consonant("s"),
        0x39 => Consonant("h"),
        0x3A | 0x3B => Matra("o"),
        0x3C => Nukta,
        0x3D => Ignored,
        0x3E => Matra("a"),
        0x3F | 0x40 => Matra("i"),
        0x41 | 0x42 => Matra("u"),
        0x43 | 0x44 => Matra("ri"),
        0x45..=0x47 | 0x4E | 0x55 => Matra("e"),
        0x48 => Matra("ai"),
        0x49..=0x4B => Matra("o"),
        0x4C | 0x4F => Matra("au"),
        0x4D => Virama,
        0x50 => Vowel("om"),
        0x56 | 0x57 => Matra("u"),
        0x58 => Consonant("q"),
        0x59 => Consonant("kh"),
        0x5A => Consonant("gh"),
        0x5B => Consonant("z"),
        0x5C => Consonant("r"),
        0x5D => Consonant("rh"),
        0x5E => Consonant("f"),
        0x5F => Consonant("y"),
        0x62 | 0x63 => Matra("li"),
        0x64..=0x70 => Separator,
        0x72 => Vowel("e"),
        0x73 | 0x74 => Vowel("o"),
        0x75..=0x77 => Vowel("u"),
        0x79 => Consonant("z"),
        0x7A => Consonant("y"),
        0x7B => Consonant("g"),
        0x7C => Consonant("j"),
        0x7D => Vowel(""),
        0x7E => Consonant("d"),
        0x7F => Consonant("b"),
        _ => Ignored,
    }
}

/// Where a script departs from the Devanagari table.
fn kind(block: u32, offset: u32) -> Kind {
    match (block, offset) {
        (BLOCK_BENGALI, 0x2F) => Kind::Consonant("j"),
        (BLOCK_BENGALI, 0x4E) => Kind::Consonant("t"),
        (BLOCK_BENGALI, 0x57) => Kind::Ignored,
        (BLOCK_BENGALI, 0x70) => Kind::Consonant("r"),
        (BLOCK_BENGALI, 0x71) => Kind::Consonant("w"),
        (BLOCK_BENGALI, 0x72..=0x7F) => Kind::Separator,
        (BLOCK_GURMUKHI, 0x70) => Kind::Anusvara,
        (BLOCK_GURMUKHI, 0x71) => Kind::Ignored,
        (BLOCK_GURMUKHI, 0x72 | 0x73) => Kind::Vowel(""),
        (BLOCK_GURMUKHI, 0x74..=0x7F) => Kind::Separator,
        (BLOCK_DEVANAGARI, _) => kind_devanagari(offset),
        (_, 0x70..=0x7F) => Kind::Separator,
        _ => kind_devanagari(offset),
    }
}

/// The consonant a nukta turns `offset` into, if it changes the spelling.
fn with_nukta(offset: u32) -> Option<&'static str> {
    Some(match offset {
        KA => "q",
        JA => "z",
        PHA => "f",
        DDA => "r",
        DDHA => "rh",
        SA => "sh",
        _ => return None,
    })
}

/// Transliteration state within one word.
#[derive(Default)]
struct Word {
    /// The last consonant still carries its inherent "a" (not yet written).
    inherent_pending: bool,
    /// The previous sign was a virama: the next consonant joins a conjunct.
    after_virama: bool,
    /// The last consonant was the second member of a conjunct.
    last_in_conjunct: bool,
    /// Syllables (consonants or vowels) in the word so far.
    syllables: usize,
    /// Offset in the block and start in the output of the last consonant.
    last_consonant: Option<(u32, usize)>,
}

impl Word {
    /// Writes the pending inherent vowel before anything that follows it.
    fn flush_inherent(&mut self, out: &mut String) {
        if self.inherent_pending {
            out.push('a');
            self.inherent_pending = false;
        }
    }

    /// Ends the word: the final inherent vowel is dropped except after a
    /// conjunct or in a one-syllable word.
    fn finish(&mut self, out: &mut String) {
        if self.inherent_pending && (self.syllables == 1 || self.last_in_conjunct) {
            out.push('a');
        }
        *self = Word::default();
    }
}

/// Appends the Latin spelling of a run of characters from the Indic block
/// starting at `block`.
pub(super) fn transliterate(run: &[char], block: u32, out: &mut String) {
    let mut word = Word::default();
    for (i, &c) in run.iter().enumerate() {
        let offset = u32::from(c).wrapping_sub(block) & 0x7F;
        let after_virama = std::mem::take(&mut word.after_virama);
        match kind(block, offset) {
            Kind::Consonant(spelling) => {
                word.flush_inherent(out);
                match word.last_consonant {
                    // ज + virama + ञ is pronounced (and written) "gy".
                    Some((JA, start)) if after_virama && offset == NYA => {
                        out.truncate(start);
                        out.push_str("gy");
                    }
                    _ => {
                        word.last_consonant = Some((offset, out.len()));
                        out.push_str(spelling);
                    }
                }
                word.inherent_pending = true;
                word.last_in_conjunct = after_virama;
                if !after_virama {
                    word.syllables += 1;
                }
            }
            Kind::Vowel(spelling) => {
                word.flush_inherent(out);
                out.push_str(spelling);
                word.syllables += 1;
                word.last_consonant = None;
            }
            Kind::Matra(spelling) => {
                word.inherent_pending = false;
                out.push_str(spelling);
            }
            Kind::Virama => {
                word.inherent_pending = false;
                word.after_virama = true;
            }
            Kind::Nukta => {
                if let Some((base, start)) = word.last_consonant {
                    if let Some(spelling) = with_nukta(base) {
                        out.truncate(start);
                        out.push_str(spelling);
                    }
                }
            }
            Kind::Anusvara => {
                word.flush_inherent(out);
                let next_offset = run.get(i + 1).map(|&n| u32::from(n).wrapping_sub(block) & 0x7F);
                let before_labial = next_offset.is_some_and(|n| (PA..=MA).contains(&n));
                out.push(if before_labial { 'm' } else { 'n' });
            }
            Kind::Candrabindu => {
                word.flush_inherent(out);
                out.push('n');
            }
            Kind::Visarga => {
                word.flush_inherent(out);
                out.push('h');
            }
            Kind::Separator => {
                word.finish(out);
                out.push(' ');
            }
            Kind::Ignored => {}
        }
    }
    word.finish(out);
}

#[cfg(test)]
mod tests {
    use crate::normalize::fold;

    #[test]
    fn devanagari_names() {
        for (devanagari, latin) in [
            ("राम", "ram"),
            ("सीता", "sita"),
            ("गीता", "gita"),
            ("लक्ष्मी", "lakshmi"),
            ("कृष्ण", "krishna"),
            ("रमेश", "ramesh"),
            ("ज्ञान", "gyan"),
            ("बिष्णु", "bishnu"),
            ("आदित्य", "aditya"),
            ("म", "ma"),
            ("संजय", "sanjay"),
            ("शम्भु", "shambhu"),
            ("अंबिका", "ambika"),
            ("कमला", "kamala"),
            ("प्रकाश थापा", "prakash thapa"),
            ("ज़ाकिर", "zakir"),
            ("राम।सीता", "ram sita"),
            ("दुर्गा", "durga"),
        ] {
            assert_eq!(fold(devanagari), latin, "{devanagari}");
        }
    }

    #[test]
    fn bengali_names() {
        for (bengali, latin) in [("রহিম", "rahim"), ("যমুনা", "jamuna"), ("লক্ষ্মী", "lakshmi")]
        {
            assert_eq!(fold(bengali), latin, "{bengali}");
        }
    }
}
