//! Name variants and nicknames: a table mapping each known spelling to the
//! canonical form of its group.
//!
//! Phonetic keys cannot know that "Fatou" is "Fatoumata", that "Sasha" is
//! "Aleksandr", that "Giannis" and "John" are the same baptismal name, or that
//! the Arabic "عمر" is "Omar". A variant table can. Each *group* lists names
//! that caseworkers should find from one another; its first name, folded, is
//! the group's canonical form and becomes the `v:` search key.
//!
//! A name may belong to several groups ("Sasha" is short for Aleksandr and
//! Aleksandra): it then has several canonical forms. Names are stored folded
//! by [`crate::normalize::fold`] with spaces removed, so "Abdul Rahman" in a
//! table matches the token "abdulrahman", and Arabic-script entries match the
//! skeleton the folder produces.
//!
//! [`NameVariants::default`] is the shipped table
//! (`data/name_variants.tsv`, about 130 groups: Arabic, West-African, Albanian,
//! Greek, Slavic, Nepali and Indian names). Operators can load their own with
//! [`NameVariants::from_tsv`] and extend the default with
//! [`NameVariants::extend_from_tsv`].

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::normalize::fold;

/// The table shipped with Safepath, in the operator format.
pub const DEFAULT_TABLE: &str = include_str!("../data/name_variants.tsv");

/// Longest accepted name in a table, in characters, before folding.
pub const MAX_NAME_CHARS: usize = 64;

/// Why an operator-provided variant table was rejected. Line numbers start
/// at 1, as in an editor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariantTableError {
    /// A group must relate at least two different names.
    #[error("line {line}: a variant group needs at least two different names, found {found}")]
    TooFewNames { line: usize, found: usize },
    /// The name folds to nothing (digits or punctuation only).
    #[error("line {line}: {name:?} contains no letters")]
    NoLetters { line: usize, name: String },
    /// The name is implausibly long for a personal name.
    #[error("line {line}: name {name:?} is longer than {MAX_NAME_CHARS} characters")]
    NameTooLong { line: usize, name: String },
}

/// A table of name variant groups (see the module documentation).
#[derive(Debug, Clone)]
pub struct NameVariants {
    /// Canonical form of each group, folded, by group number.
    canonical: Vec<String>,
    /// Folded spelling (spaces removed) → the groups it belongs to.
    groups_of: HashMap<String, Vec<usize>>,
}

/// Folds a table entry into the form tokens are looked up by.
fn fold_entry(name: &str) -> String {
    fold(name).replace(' ', "")
}

impl NameVariants {
    /// A table with no groups: no variant keys at all.
    pub fn empty() -> Self {
        Self { canonical: Vec::new(), groups_of: HashMap::new() }
    }

    /// The shipped table, parsed anew. Same as [`NameVariants::default`];
    /// prefer the shared [`default_variants`] instead of building a copy.
    pub fn shipped() -> Self {
        let mut table = Self::empty();
        table.extend_from_tsv(DEFAULT_TABLE).expect("the shipped variant table is valid (checked by tests)");
        table
    }

    /// Parses an operator-provided table: one group per line, names
    /// separated by tabs or, on lines without a tab, by commas. Blank lines
    /// and lines starting with `#` are ignored, as are empty fields. The first
    /// name of a line is the group's canonical form.
    ///
    /// ```
    /// use safepath_linkage::variants::NameVariants;
    /// let table = NameVariants::from_tsv("# comment\nFatoumata, Fatou, Fatuma\n").unwrap();
    /// assert_eq!(table.canonical_forms("fatou").collect::<Vec<_>>(), ["fatoumata"]);
    /// assert!(NameVariants::from_tsv("Fatou\n").is_err());
    /// ```
    pub fn from_tsv(text: &str) -> Result<Self, VariantTableError> {
        let mut table = Self::empty();
        table.extend_from_tsv(text)?;
        Ok(table)
    }

    /// Adds the groups of a table in the [`from_tsv`](Self::from_tsv)
    /// format. On error nothing is added.
    pub fn extend_from_tsv(&mut self, text: &str) -> Result<(), VariantTableError> {
        let mut parsed: Vec<Vec<String>> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let separator = if line.contains('\t') { '\t' } else { ',' };
            let mut names: Vec<String> = Vec::new();
            for field in line.split(separator).map(str::trim) {
                if field.is_empty() {
                    continue;
                }
                if field.chars().count() > MAX_NAME_CHARS {
                    return Err(VariantTableError::NameTooLong { line: line_number, name: field.to_owned() });
                }
                let folded = fold_entry(field);
                if folded.is_empty() {
                    return Err(VariantTableError::NoLetters { line: line_number, name: field.to_owned() });
                }
                if !names.contains(&folded) {
                    names.push(folded);
                }
            }
            if names.len() < 2 {
                return Err(VariantTableError::TooFewNames { line: line_number, found: names.len() });
            }
            parsed.push(names);
        }
        for names in parsed {
            self.add_folded_group(names);
        }
        Ok(())
    }

    /// Adds one group of names given in any script; the first is canonical.
    /// Names that fold to nothing are skipped; a group that ends up with
    /// fewer than two names is ignored.
    pub fn add_group<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        let mut folded: Vec<String> = Vec::new();
        for name in names {
            let entry = fold_entry(name);
            if !entry.is_empty() && !folded.contains(&entry) {
                folded.push(entry);
            }
        }
        if folded.len() >= 2 {
            self.add_folded_group(folded);
        }
    }

    fn add_folded_group(&mut self, names: Vec<String>) {
        let group = self.canonical.len();
        self.canonical.push(names[0].clone());
        for name in names {
            let groups = self.groups_of.entry(name).or_default();
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }

    /// The canonical forms of the groups a folded token belongs to (none when
    /// the table does not know it). Several groups may share a canonical
    /// form; it is then repeated.
    pub fn canonical_forms<'a>(&'a self, folded_token: &str) -> impl Iterator<Item = &'a str> {
        self.groups_of.get(folded_token).into_iter().flatten().map(|&group| self.canonical[group].as_str())
    }

    /// Whether two folded tokens share a group: for scoring in record
    /// linkage, where "Fatou" vs "Fatoumata" is evidence, not a mismatch.
    pub fn are_variants(&self, a: &str, b: &str) -> bool {
        match (self.groups_of.get(a), self.groups_of.get(b)) {
            (Some(ga), Some(gb)) => ga.iter().any(|g| gb.contains(g)),
            _ => false,
        }
    }

    /// Number of groups.
    pub fn group_count(&self) -> usize {
        self.canonical.len()
    }

    /// Number of distinct spellings known.
    pub fn name_count(&self) -> usize {
        self.groups_of.len()
    }
}

impl Default for NameVariants {
    /// The shipped table ([`DEFAULT_TABLE`]), not an empty one: a Safepath
    /// deployment without variants would miss "Fatou" for "Fatoumata".
    fn default() -> Self {
        Self::shipped()
    }
}

/// The shipped table, built once per process on first use.
pub fn default_variants() -> &'static NameVariants {
    static DEFAULT: LazyLock<NameVariants> = LazyLock::new(NameVariants::shipped);
    &DEFAULT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_is_large() {
        let table = NameVariants::from_tsv(DEFAULT_TABLE).expect("valid");
        assert!(table.group_count() >= 60, "{} groups", table.group_count());
        assert_eq!(default_variants().group_count(), table.group_count());
    }

    #[test]
    fn tabs_commas_comments_and_blank_fields() {
        let table = NameVariants::from_tsv("# test\n\nAmina\tAminata\t\n Sasha , Aleksandr,,Alexander\n").unwrap();
        assert_eq!(table.group_count(), 2);
        assert_eq!(table.canonical_forms("aminata").collect::<Vec<_>>(), ["amina"]);
        assert_eq!(table.canonical_forms("alexander").collect::<Vec<_>>(), ["sasha"]);
        assert!(table.are_variants("aleksandr", "sasha"));
        assert!(!table.are_variants("amina", "sasha"));
        assert_eq!(table.canonical_forms("nobody").count(), 0);
    }

    #[test]
    fn names_are_folded_and_spaces_removed() {
        let table = NameVariants::from_tsv("Abdul Rahman, Abdurrahman, عبدالرحمن\n").unwrap();
        assert!(table.are_variants("abdulrahman", "abdurrahman"));
        assert!(table.are_variants("abdulrahman", &fold("عبدالرحمن")));
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            NameVariants::from_tsv("Amina, Aminata\nFatou\n").unwrap_err(),
            VariantTableError::TooFewNames { line: 2, found: 1 }
        );
        assert_eq!(
            NameVariants::from_tsv("Amina, amina, AMINA").unwrap_err(),
            VariantTableError::TooFewNames { line: 1, found: 1 }
        );
        assert_eq!(
            NameVariants::from_tsv("Amina, 123").unwrap_err(),
            VariantTableError::NoLetters { line: 1, name: "123".into() }
        );
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        assert!(matches!(
            NameVariants::from_tsv(&format!("Amina\t{long}")),
            Err(VariantTableError::NameTooLong { line: 1, .. })
        ));
        let message = NameVariants::from_tsv("\n\nFatou").unwrap_err().to_string();
        assert!(message.starts_with("line 3:"), "{message}");
    }

    #[test]
    fn failed_extend_adds_nothing() {
        let mut table = NameVariants::empty();
        assert!(table.extend_from_tsv("Amina, Aminata\nFatou").is_err());
        assert_eq!(table.group_count(), 0);
    }

    #[test]
    fn a_name_in_two_groups_has_two_canonical_forms() {
        let table = NameVariants::from_tsv("Aleksandr, Sasha\nAleksandra, Sasha").unwrap();
        assert_eq!(table.canonical_forms("sasha").collect::<Vec<_>>(), ["aleksandr", "aleksandra"]);
    }
}
