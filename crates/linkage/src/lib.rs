//! Record linkage for Safepath: finding the same child under other spellings,
//! scripts and name orders. This crate does no IO and is tested with plain data.
//!
//! The service's tolerant name search uses [`name_index_keys`] and
//! [`query_keys`], so search and linkage share one normalisation.

/// Keys under which one name (a given name, a family name, an alias) is indexed
/// for tolerant search. Placeholder until the normaliser lands.
pub fn name_index_keys(name: &str) -> Vec<String> {
    name.split_whitespace().map(|t| t.to_lowercase()).collect()
}

/// For a search query, one list of alternative keys per query token. A record
/// matches when every token has at least one of its keys among the record's keys.
pub fn query_keys(query: &str) -> Vec<Vec<String>> {
    query
        .split_whitespace()
        .map(|t| vec![t.to_lowercase()])
        .collect()
}
