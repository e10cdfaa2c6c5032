//! Record linkage for Safepath: finding the same child under other spellings,
//! scripts and name orders. This crate does no IO and is tested with plain data.
//!
//! The building blocks, each usable on its own by the full record linkage of
//! issue #3 (string similarity, Fellegi–Sunter scoring):
//!
//! * [`normalize`]: any string → lowercase ASCII words ([`normalize::fold`],
//!   [`normalize::tokens`]), with hand-made transliteration of the scripts
//!   of the caseload;
//! * [`phonetic`]: [`phonetic::phonetic_key`], a key that survives
//!   transliteration conventions and misspellings;
//! * [`variants`]: [`variants::NameVariants`], a table of name variants and
//!   nicknames with canonical forms.
//!
//! The service's tolerant name search uses [`name_index_keys`] and
//! [`query_keys`], so search and linkage share one normalisation.
//!
//! # Search keys
//!
//! Every key is a short ASCII string with a type prefix:
//!
//! * `t:` + the folded token ("t:aleksandr");
//! * `p:` + its phonetic key ("p:alksndr");
//! * `v:` + the canonical form of each variant group that knows the token
//!   ("v:aleksandr" for "Sasha").
//!
//! A record's key set is the union of [`name_index_keys`] over all its names;
//! a record matches a query when every inner list of [`query_keys`] has at
//! least one key in that set. Tokens are matched independently, so name order
//! does not matter. Indexed names also get keys for each pair of adjacent
//! words joined together, so a query "Abdulrahman" finds "Abdul Rahman".

pub mod clk;
pub mod engine;
pub mod normalize;
pub mod phonetic;
pub mod synth;
pub mod variants;

use variants::{default_variants, NameVariants};

/// Prefix of folded-token keys.
pub const TOKEN_PREFIX: &str = "t:";
/// Prefix of phonetic keys.
pub const PHONETIC_PREFIX: &str = "p:";
/// Prefix of variant-group keys.
pub const VARIANT_PREFIX: &str = "v:";
/// Longest key, in bytes, prefix included. Longer keys are cut: two tokens
/// sharing their first 38 letters are the same name for search purposes.
pub const MAX_KEY_LEN: usize = 40;
/// Words of one name (or one query) that are keyed; the rest are ignored, so
/// that a pasted paragraph cannot flood the index.
pub const MAX_TOKENS: usize = 16;

/// Appends `prefix` + `value` (cut to [`MAX_KEY_LEN`]) unless empty or present.
fn push_key(keys: &mut Vec<String>, prefix: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    let room = MAX_KEY_LEN - prefix.len();
    // Keys are built from folded text, which is ASCII: any byte index is a
    // char boundary. The `get` keeps this total even if that ever changes.
    let value = value.get(..room.min(value.len())).unwrap_or(value);
    let mut key = String::with_capacity(prefix.len() + value.len());
    key.push_str(prefix);
    key.push_str(value);
    if !keys.contains(&key) {
        keys.push(key);
    }
}

/// The alternative keys of one folded token.
fn keys_of_token(token: &str, variants: &NameVariants, keys: &mut Vec<String>) {
    push_key(keys, TOKEN_PREFIX, token);
    push_key(keys, PHONETIC_PREFIX, &phonetic::phonetic_key(token));
    for canonical in variants.canonical_forms(token) {
        push_key(keys, VARIANT_PREFIX, canonical);
    }
}

/// Keys under which one name (a given name, a family name, an alias; maybe
/// several words) is indexed for tolerant search, using the shipped variant
/// table. Deduplicated and sorted; empty when the name has no letters.
///
/// ```
/// use safepath_linkage::name_index_keys;
/// let keys = name_index_keys("Muhammad");
/// assert!(keys.contains(&"t:muhammad".to_string()));
/// assert!(keys.contains(&"p:mhmd".to_string()));
/// assert!(keys.contains(&"v:muhammad".to_string()));
/// assert!(name_index_keys(" ;-) ").is_empty());
/// ```
pub fn name_index_keys(name: &str) -> Vec<String> {
    name_index_keys_with(name, default_variants())
}

/// [`name_index_keys`] with an explicit variant table (an operator's own).
pub fn name_index_keys_with(name: &str, variants: &NameVariants) -> Vec<String> {
    let tokens = normalize::tokens(name);
    let tokens = &tokens[..tokens.len().min(MAX_TOKENS)];
    let mut keys = Vec::with_capacity(tokens.len() * 5);
    for token in tokens {
        keys_of_token(token, variants, &mut keys);
    }
    for pair in tokens.windows(2) {
        keys_of_token(&pair.concat(), variants, &mut keys);
    }
    keys.sort_unstable();
    keys
}

/// For a search query, one list of alternative keys per query token (using
/// the shipped variant table). A record matches when every token has at least
/// one of its keys among the record's keys. Empty for a query without
/// letters; tokens beyond [`MAX_TOKENS`] are ignored (which only widens the
/// search).
///
/// ```
/// use safepath_linkage::{name_index_keys, query_keys};
/// let record = name_index_keys("Muhammad");
/// let query = query_keys("Mohammed");
/// assert!(query.iter().all(|alternatives| alternatives.iter().any(|k| record.contains(k))));
/// ```
pub fn query_keys(query: &str) -> Vec<Vec<String>> {
    query_keys_with(query, default_variants())
}

/// [`query_keys`] with an explicit variant table (an operator's own).
pub fn query_keys_with(query: &str, variants: &NameVariants) -> Vec<Vec<String>> {
    normalize::tokens(query)
        .iter()
        .take(MAX_TOKENS)
        .map(|token| {
            let mut keys = Vec::with_capacity(4);
            keys_of_token(token, variants, &mut keys);
            // A record indexed under the folded token is always indexed under
            // its phonetic key too (the same function of the same token), so
            // the folded key adds nothing to a query but a lookup.
            if keys.iter().any(|k| k.starts_with(PHONETIC_PREFIX)) {
                keys.retain(|k| !k.starts_with(TOKEN_PREFIX));
            }
            keys
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_short_ascii_and_unique() {
        let long_word = "a".repeat(500);
        for name in ["Jon Smith", "Александр", "محمد", long_word.as_str()] {
            let keys = name_index_keys(name);
            assert!(!keys.is_empty(), "{name}");
            for key in &keys {
                assert!(key.len() <= MAX_KEY_LEN && key.is_ascii(), "{key}");
                assert!(key.starts_with("t:") || key.starts_with("p:") || key.starts_with("v:"));
            }
            let mut unique = keys.clone();
            unique.dedup();
            assert_eq!(unique, keys);
        }
    }

    #[test]
    fn adjacent_words_are_also_keyed_joined() {
        let keys = name_index_keys("Abdul Rahman");
        assert!(keys.contains(&"t:abdulrahman".to_string()));
        assert!(keys.contains(&"v:abdulrahman".to_string()));
    }

    #[test]
    fn token_count_is_bounded() {
        let many = "ana ".repeat(1000) + &"bo ".repeat(1000);
        assert_eq!(query_keys(&many).len(), MAX_TOKENS);
        assert!(name_index_keys(&many).len() <= 6 * MAX_TOKENS);
    }

    #[test]
    fn operator_table_is_used() {
        let table = NameVariants::from_tsv("Bobo, Roberto").unwrap();
        assert!(name_index_keys_with("Roberto", &table).contains(&"v:bobo".to_string()));
        assert!(!name_index_keys("Roberto").contains(&"v:bobo".to_string()));
    }
}
