//! Integration tests of `safepath-linkage`: search behaviour through the
//! public API, the phonetic key's required equalities and inequalities, and
//! robustness against hostile input. One test binary per crate (faster
//! builds); the modules group the tables.

mod clk;
mod engine;
mod engine_props;
mod hostile;
mod phonetic;
mod search;
mod transliteration;
