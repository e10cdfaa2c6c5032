//! Records as registers hold them, and their [`Prepared`] form: everything the
//! comparators and blocking rules need, computed once per record (folding,
//! transliteration and phonetic keys are the expensive part of a comparison,
//! so they must not be recomputed for each of a record's candidate pairs).

use chrono::{Datelike, NaiveDate};

use crate::normalize::tokens;
use crate::phonetic::phonetic_key;
use crate::variants::NameVariants;

/// A date of birth as registers know it: often only a year ("born 2012"),
/// sometimes year and month. Months are 1–12, days 1–31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    /// A full date.
    pub fn full(date: NaiveDate) -> Self {
        Self { year: date.year(), month: Some(date.month() as u8), day: Some(date.day() as u8) }
    }

    /// Only the year is known.
    pub fn year_only(year: i32) -> Self {
        Self { year, month: None, day: None }
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; `None` otherwise (an
    /// impossible date such as 2010-02-30 is `None`, not a guess).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(Self::full(date));
        }
        let mut parts = text.split('-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month = match parts.next() {
            None => None,
            Some(m) => Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
        };
        if parts.next().is_some() || !(1000..=9999).contains(&year) {
            return None;
        }
        Some(Self { year, month, day: None })
    }

    /// The full date, when day and month are known and valid.
    pub fn as_date(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.month?), u32::from(self.day?))
    }
}

/// One register entry about one child. Every field but `id` may be missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub id: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub other_names: Vec<String>,
    pub sex: Option<String>,
    pub date_of_birth: Option<PartialDate>,
    /// Age in years as estimated at `registration_date` (children without
    /// papers often only have this).
    pub estimated_age: Option<u8>,
    pub registration_date: Option<NaiveDate>,
    pub place: Option<String>,
    pub citizenship: Option<String>,
    pub mother_name: Option<String>,
    pub father_name: Option<String>,
    /// The child's own identity document number (birth registration,
    /// passport, UNHCR or national id). Never a parent's: children entered
    /// on a parent's passport share its number with their siblings.
    pub id_number: Option<String>,
    /// Street address as written (house number, street, locality).
    pub address: Option<String>,
    pub postcode: Option<String>,
}

/// A document number or postcode as compared: letters and digits only,
/// lowercase ("AB-123 456" = "ab123456"); other characters are what
/// registers write differently.
pub fn code_text(raw: &str) -> String {
    raw.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// An address as compared: words folded like names (any script), numbers
/// kept ("12 Rue de l'Église" = "12 rue de l eglise").
pub fn address_text(raw: &str) -> String {
    let mut out = String::new();
    for word in raw.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '\u{2019}') {
        let word = if word.chars().any(|c| c.is_ascii_digit()) {
            word.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
        } else {
            crate::normalize::fold(word)
        };
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&word);
        }
    }
    out
}

/// Sex as recorded, folded to three values ("M", "boy", "Male" agree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    Other,
}

impl Sex {
    /// Reads common spellings; anything else non-empty is `Other`.
    pub fn parse(text: &str) -> Option<Self> {
        let folded = crate::normalize::fold(text);
        match folded.as_str() {
            "" => None,
            "m" | "male" | "boy" | "man" | "masculin" | "h" | "homme" | "garcon" => Some(Self::Male),
            "f" | "female" | "girl" | "woman" | "feminin" | "femme" | "fille" => Some(Self::Female),
            _ => Some(Self::Other),
        }
    }
}

/// A name prepared for comparison: folded tokens, their phonetic keys and the
/// canonical forms of the variant groups each token belongs to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreparedName {
    /// Folded tokens in order.
    pub tokens: Vec<String>,
    /// Tokens joined with a space (what Jaro-Winkler compares).
    pub joined: String,
    /// Phonetic key of each token (same order).
    pub phonetic: Vec<String>,
    /// Canonical variant forms of each token (same order; empty when the
    /// table does not know the token).
    pub canonical: Vec<Vec<String>>,
}

impl PreparedName {
    /// Prepares one name (any script).
    pub fn new(name: Option<&str>, variants: &NameVariants) -> Self {
        let tokens = name.map(tokens).unwrap_or_default();
        let tokens: Vec<String> = tokens.into_iter().take(crate::MAX_TOKENS).collect();
        let phonetic = tokens.iter().map(|t| phonetic_key(t)).collect();
        let canonical = tokens.iter().map(|t| variants.canonical_forms(t).map(String::from).collect()).collect();
        Self { joined: tokens.join(" "), tokens, phonetic, canonical }
    }

    /// No letters at all.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// A blocking key for the whole name: the phonetic keys in order.
    pub fn phonetic_joined(&self) -> String {
        self.phonetic.join(" ")
    }

    /// The first canonical variant form of the first token, or its phonetic
    /// key (so names outside the table still block together on sound).
    pub fn first_canonical_or_phonetic(&self) -> Option<String> {
        let first = self.canonical.first()?;
        Some(first.first().cloned().unwrap_or_else(|| format!("~{}", self.phonetic[0])))
    }
}

/// A record with everything comparators need computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub id: String,
    pub given: PreparedName,
    pub family: PreparedName,
    /// Other names (aliases), all tokens together.
    pub other: PreparedName,
    pub sex: Option<Sex>,
    pub dob: Option<PartialDate>,
    /// Inclusive range of plausible birth years from the estimated age at the
    /// registration date, widened by ±2 years (age estimates of children on
    /// the move are often that far off).
    pub birth_years: Option<(i32, i32)>,
    pub place: String,
    pub citizenship: String,
    pub mother: PreparedName,
    pub father: PreparedName,
    /// [`code_text`] of the document number.
    pub id_number: String,
    /// [`address_text`] of the address.
    pub address: String,
    /// [`code_text`] of the postcode.
    pub postcode: String,
}

/// How far an estimated age may be off, in years, either way.
pub const AGE_TOLERANCE_YEARS: i32 = 2;

impl Prepared {
    /// Prepares a record with the given variant table.
    pub fn new(record: &Record, variants: &NameVariants) -> Self {
        let other_joined = record.other_names.join(" ");
        let birth_years = match (record.estimated_age, record.registration_date) {
            (Some(age), Some(at)) => {
                // Someone aged `age` at `at` was born in year at-age or at-age-1.
                let latest = at.year() - i32::from(age);
                Some((latest - 1 - AGE_TOLERANCE_YEARS, latest + AGE_TOLERANCE_YEARS))
            }
            _ => None,
        };
        Self {
            id: record.id.clone(),
            given: PreparedName::new(record.given_name.as_deref(), variants),
            family: PreparedName::new(record.family_name.as_deref(), variants),
            other: PreparedName::new(Some(&other_joined), variants),
            sex: record.sex.as_deref().and_then(Sex::parse),
            dob: record.date_of_birth,
            birth_years,
            place: record.place.as_deref().map(crate::normalize::fold).unwrap_or_default(),
            citizenship: record.citizenship.as_deref().map(crate::normalize::fold).unwrap_or_default(),
            mother: PreparedName::new(record.mother_name.as_deref(), variants),
            father: PreparedName::new(record.father_name.as_deref(), variants),
            id_number: record.id_number.as_deref().map(code_text).unwrap_or_default(),
            address: record.address.as_deref().map(address_text).unwrap_or_default(),
            postcode: record.postcode.as_deref().map(code_text).unwrap_or_default(),
        }
    }

    /// The year of the recorded date of birth (estimated ages are not used
    /// for blocking: their range is too wide for a key).
    pub fn birth_year(&self) -> Option<i32> {
        self.dob.map(|d| d.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variants::default_variants;

    #[test]
    fn partial_dates_parse() {
        assert_eq!(PartialDate::parse("2012"), Some(PartialDate::year_only(2012)));
        assert_eq!(PartialDate::parse("2012-05"), Some(PartialDate { year: 2012, month: Some(5), day: None }));
        assert_eq!(PartialDate::parse("2012-05-07").and_then(|d| d.as_date()), NaiveDate::from_ymd_opt(2012, 5, 7));
        assert_eq!(PartialDate::parse("2010-02-30"), None);
        assert_eq!(PartialDate::parse("2012-13"), None);
        assert_eq!(PartialDate::parse("soon"), None);
    }

    #[test]
    fn estimated_age_gives_a_widened_range() {
        let record = Record {
            id: "a".into(),
            estimated_age: Some(10),
            registration_date: NaiveDate::from_ymd_opt(2024, 6, 1),
            ..Record::default()
        };
        let p = Prepared::new(&record, default_variants());
        assert_eq!(p.birth_years, Some((2011, 2016)));
    }

    #[test]
    fn codes_and_addresses_are_normalised() {
        assert_eq!(code_text(" AB-123 456 "), "ab123456");
        assert_eq!(code_text("--"), "");
        assert_eq!(address_text("12, Rue de l'Église"), "12 rue de leglise");
        assert_eq!(address_text("Flat 3B / 7 Мира"), "flat 3b 7 mira");
    }

    #[test]
    fn sex_spellings() {
        assert_eq!(Sex::parse("M"), Some(Sex::Male));
        assert_eq!(Sex::parse("Girl"), Some(Sex::Female));
        assert_eq!(Sex::parse(" "), None);
        assert_eq!(Sex::parse("x"), Some(Sex::Other));
    }
}
