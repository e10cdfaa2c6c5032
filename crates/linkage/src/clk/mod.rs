//! Privacy-preserving matching between organisations with cryptographic
//! long-term keys (CLKs): keyed Bloom-filter encodings of a child's
//! identifying fields, after Schnell, Bachteler & Reiher ("Privacy-preserving
//! record linkage using Bloom filters", 2009; "A novel error-tolerant anonymous
//! linking code", 2011), following the scheme of the `clkhash` / `anonlink`
//! tools closely enough that quality and speed can be compared on the same
//! data.
//!
//! # The scheme
//!
//! * The organisations of a network share one secret (at least
//!   [`MIN_SECRET_LEN`] bytes) and nothing else. [`ClkKey::derive`] turns it
//!   into two 32-byte HMAC keys with HKDF (RFC 5869) over HMAC-SHA256:
//!   `PRK = HMAC(salt = "safepath-clk-v1", secret)`, then
//!   `key1 = T(1) = HMAC(PRK, info || 0x01)`, `key2 = T(2) = HMAC(PRK, T(1) || info || 0x02)`
//!   with `info = "safepath-clk-v1 double-hash keys"`.
//! * Each record's fields are cut into tokens according to the [`Schema`]:
//!   names and places are first folded with [`crate::normalize::fold`] (so
//!   "Александр" and "Aleksandr", "ÇELA" and "Cela" give the same tokens), then
//!   cut into q-grams (bigrams by default) padded with `q − 1` spaces on both
//!   sides, as clkhash does; the date of birth is encoded as the q-grams of
//!   `YYYY-MM-DD` plus one whole-year token; sex as one token.
//! * Each token `t` of field `f` sets `k` bits of an `l`-bit filter by the
//!   double-hashing scheme of the CLK papers (clkhash's `doubleHash`):
//!   `h1 = HMAC-SHA256(key1, tag(f) || 0x1f || t)`,
//!   `h2 = HMAC-SHA256(key2, tag(f) || 0x1f || t)`, each read as the big-endian
//!   integer of its first 8 bytes, and bits `(h1 + i·h2) mod l` for
//!   `i in 0..k`. The field tag keeps the bigram "an" of a given name apart
//!   from the "an" of a place. clkhash uses HMAC-SHA1 and HMAC-MD5 for `h1`
//!   and `h2`; both are HMAC-SHA256 here. One deviation: when `h2 mod l` is 0
//!   (all `k` probes would hit one bit) the step 1 is used instead.
//! * `l` is 1024 by default ([`DEFAULT_FILTER_BITS`]); any multiple of 64 from
//!   64 to [`MAX_FILTER_BITS`] is allowed. Bit `i` of the filter is bit
//!   `i mod 64` (least significant first) of word `i / 64`; the text form
//!   ([`Encoding::to_text`]) is the base64 of the filter's bytes in clkhash's
//!   order (bit `i` is the `0x80 >> (i mod 8)` bit of byte `i / 8`), so the
//!   bit positions are the same as clkhash's.
//!
//! Matching ([`match_encodings`]) is on the Dice coefficient with a provable
//! popcount filter and a greedy one-to-one assignment; see [`matching`]. A
//! match is told to the organisations only as a [`MatchNotice`].
//!
//! # Example
//!
//! ```
//! use safepath_linkage::clk::{match_encodings, notices, ClkRecord, Encoder, Encoding, DEFAULT_THRESHOLD};
//!
//! let encoder = Encoder::with_secret(b"the network's shared secret, 32 bytes").unwrap();
//! let ours = encoder.encode(&ClkRecord {
//!     id: "A-17",
//!     given_name: Some("Aleksandr"),
//!     family_name: Some("Petrov"),
//!     sex: Some("M"),
//!     ..ClkRecord::default()
//! });
//! // The other organisation sends only the text form.
//! let sent = encoder
//!     .encode(&ClkRecord {
//!         id: "B-3",
//!         given_name: Some("Александр"),
//!         family_name: Some("Петров"),
//!         sex: Some("m"),
//!         ..ClkRecord::default()
//!     })
//!     .to_text();
//! let theirs = Encoding::from_text("B-3", &sent).unwrap();
//! let links = match_encodings(&[ours], &[theirs], DEFAULT_THRESHOLD).unwrap();
//! let (for_us, _for_them) = notices(&links, "NGO A", "NGO B");
//! assert_eq!(for_us[0].their_record, "B-3");
//! ```
//!
//! # What an encoding protects, and what not
//!
//! Without the network secret the bits cannot be tied to names by a dictionary
//! attack on the hashes. Bloom-filter encodings remain open to frequency
//! attacks on large sets by someone who holds the encodings (Kuzu et al.,
//! Christen et al.); the secret must therefore stay inside the network and
//! encodings must be exchanged only with its members.

pub mod matching;
mod text;

pub use matching::{
    candidate_pairs, dice, match_encodings, match_encodings_with, notices, popcount_range, CandidatePairs, Link,
    LshBlocking, MatchNotice, MatchOptions, MatchOutcome, DEFAULT_THRESHOLD,
};

use chrono::{Datelike, NaiveDate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Filter length used unless the schema says otherwise.
pub const DEFAULT_FILTER_BITS: usize = 1024;
/// Longest filter accepted (and the longest text form parsed).
pub const MAX_FILTER_BITS: usize = 8192;
/// Shortest network secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 16;
/// Largest number of hash functions per token.
pub const MAX_HASHES: u32 = 256;
/// Largest q-gram size.
pub const MAX_Q: usize = 8;
/// Longest field value encoded, in characters after folding (longer values
/// are cut: a pasted paragraph must not saturate the filter).
pub const MAX_FIELD_CHARS: usize = 64;

/// Everything that can go wrong with encodings.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClkError {
    #[error("the network secret must be at least {MIN_SECRET_LEN} bytes, got {0}")]
    SecretTooShort(usize),
    #[error("filter length {0} bits is not a multiple of 64 between 64 and {MAX_FILTER_BITS}")]
    BadFilterLength(usize),
    #[error("field {field}: {problem}")]
    BadFieldSpec { field: &'static str, problem: String },
    #[error("encoding text: invalid character {character:?} at byte {position} (expected base64: A-Z a-z 0-9 + /)")]
    BadCharacter { position: usize, character: char },
    #[error("encoding text: {chars} characters is not a whole base64 encoding (a multiple of 4 characters)")]
    BadTextLength { chars: usize },
    #[error("encoding text: misplaced '=' padding or non-zero trailing bits")]
    BadPadding,
    #[error("encoding has {found} bits, expected {expected}")]
    WrongLength { expected: usize, found: usize },
    #[error("encoding of {bits} bits is not a multiple of 64 between 64 and {MAX_FILTER_BITS}")]
    UnsupportedLength { bits: usize },
    #[error("encodings of different lengths cannot be compared ({left} and {right} bits)")]
    MixedLengths { left: usize, right: usize },
    #[error("threshold must be in (0, 1], got {0}")]
    BadThreshold(f64),
    #[error("LSH blocking needs 1..=64 bits per table and at least one table")]
    BadLsh,
}

/// The fields of a record that can be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    GivenName,
    FamilyName,
    Sex,
    DateOfBirth,
    Place,
}

impl Field {
    /// All fields, in encoding order.
    pub const ALL: [Field; 5] = [Field::GivenName, Field::FamilyName, Field::Sex, Field::DateOfBirth, Field::Place];

    /// The tag hashed in front of each token (part of the scheme: changing it
    /// changes every encoding).
    pub fn tag(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::Sex => "sex",
            Field::DateOfBirth => "date_of_birth",
            Field::Place => "place",
        }
    }
}

/// How one field is encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    /// q-gram size (1..=[`MAX_Q`]); tokens are padded with `q − 1` spaces on
    /// both sides. Ignored for sex (one whole token).
    pub q: usize,
    /// Hash functions per token, `k`.
    pub hashes: u32,
    /// Multiplies `hashes` (rounded, as clkhash's field weights do); 0 leaves
    /// the field out.
    pub weight: f64,
}

impl FieldSpec {
    /// Bigrams, `hashes` hash functions, weight 1.
    pub const fn bigrams(hashes: u32) -> Self {
        FieldSpec { q: 2, hashes, weight: 1.0 }
    }

    /// `round(hashes × weight)`, the number of bits set per token.
    pub fn effective_hashes(&self) -> u32 {
        (f64::from(self.hashes) * self.weight).round().clamp(0.0, f64::from(MAX_HASHES)) as u32
    }
}

/// Which fields are encoded and how. Both organisations must use the same
/// schema (and secret) for their encodings to be comparable.
///
/// The default: 1024 bits; bigrams for given name (k = 20), family name
/// (k = 20), date of birth (k = 10, plus the year as a token with k = 10)
/// and place (k = 8); sex as one token (k = 10). A typical record sets
/// 350–450 bits.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Filter length `l` in bits.
    pub filter_bits: usize,
    pub given_name: Option<FieldSpec>,
    pub family_name: Option<FieldSpec>,
    pub sex: Option<FieldSpec>,
    pub date_of_birth: Option<FieldSpec>,
    /// Hash functions for the whole-year token of the date of birth (0: none).
    pub year_hashes: u32,
    pub place: Option<FieldSpec>,
}

impl Default for Schema {
    fn default() -> Self {
        Schema {
            filter_bits: DEFAULT_FILTER_BITS,
            given_name: Some(FieldSpec::bigrams(20)),
            family_name: Some(FieldSpec::bigrams(20)),
            sex: Some(FieldSpec::bigrams(10)),
            date_of_birth: Some(FieldSpec::bigrams(10)),
            year_hashes: 10,
            place: Some(FieldSpec::bigrams(8)),
        }
    }
}

impl Schema {
    /// The spec of one field.
    pub fn spec(&self, field: Field) -> Option<&FieldSpec> {
        match field {
            Field::GivenName => self.given_name.as_ref(),
            Field::FamilyName => self.family_name.as_ref(),
            Field::Sex => self.sex.as_ref(),
            Field::DateOfBirth => self.date_of_birth.as_ref(),
            Field::Place => self.place.as_ref(),
        }
    }

    /// Checks lengths, q-gram sizes, hash counts and weights.
    pub fn validate(&self) -> Result<(), ClkError> {
        check_filter_bits(self.filter_bits).map_err(|_| ClkError::BadFilterLength(self.filter_bits))?;
        for field in Field::ALL {
            let Some(spec) = self.spec(field) else { continue };
            let bad = |problem: String| ClkError::BadFieldSpec { field: field.tag(), problem };
            if !(1..=MAX_Q).contains(&spec.q) {
                return Err(bad(format!("q-gram size {} not in 1..={MAX_Q}", spec.q)));
            }
            if spec.hashes > MAX_HASHES {
                return Err(bad(format!("{} hash functions, at most {MAX_HASHES}", spec.hashes)));
            }
            if !spec.weight.is_finite()
                || spec.weight < 0.0
                || spec.weight * f64::from(spec.hashes) > f64::from(MAX_HASHES)
            {
                return Err(bad(format!("weight {} must be ≥ 0 and keep k·weight ≤ {MAX_HASHES}", spec.weight)));
            }
        }
        if self.year_hashes > MAX_HASHES {
            return Err(ClkError::BadFieldSpec { field: "date_of_birth", problem: "too many year hashes".into() });
        }
        Ok(())
    }
}

fn check_filter_bits(bits: usize) -> Result<(), ClkError> {
    if bits == 0 || bits % 64 != 0 || bits > MAX_FILTER_BITS {
        return Err(ClkError::UnsupportedLength { bits });
    }
    Ok(())
}

/// The two HMAC keys derived from a network secret. Debug output never shows
/// them.
#[derive(Clone)]
pub struct ClkKey {
    h1: HmacSha256,
    h2: HmacSha256,
}

impl std::fmt::Debug for ClkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClkKey(<secret>)")
    }
}

const KDF_SALT: &[u8] = b"safepath-clk-v1";
const KDF_INFO: &[u8] = b"safepath-clk-v1 double-hash keys";

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl ClkKey {
    /// Derives the keys from the network's shared secret (HKDF-SHA256, see
    /// the module documentation). The secret must have at least
    /// [`MIN_SECRET_LEN`] bytes; a random 32-byte value is recommended.
    pub fn derive(network_secret: &[u8]) -> Result<Self, ClkError> {
        if network_secret.len() < MIN_SECRET_LEN {
            return Err(ClkError::SecretTooShort(network_secret.len()));
        }
        let prk = hmac(KDF_SALT, &[network_secret]);
        let key1 = hmac(&prk, &[KDF_INFO, &[1]]);
        let key2 = hmac(&prk, &[&key1, KDF_INFO, &[2]]);
        let h1 = HmacSha256::new_from_slice(&key1).expect("HMAC accepts any key length");
        let h2 = HmacSha256::new_from_slice(&key2).expect("HMAC accepts any key length");
        Ok(ClkKey { h1, h2 })
    }

    fn hash(mac: &HmacSha256, tag: &str, token: &[u8]) -> u64 {
        let mut mac = mac.clone();
        mac.update(tag.as_bytes());
        mac.update(&[0x1f]);
        mac.update(token);
        let digest = mac.finalize().into_bytes();
        u64::from_be_bytes(digest[..8].try_into().expect("32-byte digest"))
    }
}

/// The identifying fields of one record, as an organisation holds them. Any
/// field may be missing; missing fields set no bits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClkRecord<'a> {
    pub id: &'a str,
    pub given_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    /// Any spelling; encoded as its first folded letter ("F", "female",
    /// "féminin" → "f").
    pub sex: Option<&'a str>,
    pub date_of_birth: Option<NaiveDate>,
    pub place: Option<&'a str>,
}

/// A record's encoding: its id (the organisation's own, so that it can act on
/// a match) and its filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Encoding {
    pub id: String,
    /// The filter, bit `i` in bit `i mod 64` of word `i / 64`.
    pub bits: Vec<u64>,
}

impl Encoding {
    /// Filter length in bits.
    pub fn len_bits(&self) -> usize {
        self.bits.len() * 64
    }

    /// Number of set bits.
    pub fn popcount(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    /// Whether bit `i` is set (false beyond the end).
    pub fn bit(&self, i: usize) -> bool {
        self.bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// The filter's bytes in clkhash's order (bit `i` is `0x80 >> (i % 8)`
    /// of byte `i / 8`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bits.len() * 8);
        for w in &self.bits {
            // Bit j of the word (LSB first) must become the MSB-first bit j
            // of the 8 bytes: reverse the bits inside each byte.
            out.extend(w.to_le_bytes().iter().map(|b| b.reverse_bits()));
        }
        out
    }

    /// Inverse of [`Encoding::to_bytes`]; the length must be a multiple of 8
    /// bytes between 8 and [`MAX_FILTER_BITS`]/8.
    pub fn from_bytes(id: impl Into<String>, bytes: &[u8]) -> Result<Self, ClkError> {
        check_filter_bits(bytes.len() * 8)?;
        let bits = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut b: [u8; 8] = c.try_into().expect("chunk of 8");
                b.iter_mut().for_each(|x| *x = x.reverse_bits());
                u64::from_le_bytes(b)
            })
            .collect();
        Ok(Encoding { id: id.into(), bits })
    }

    /// The text form of the filter (for a CSV column): standard base64 with
    /// padding of [`Encoding::to_bytes`], as clkhash writes CLKs. The id is
    /// not part of it.
    pub fn to_text(&self) -> String {
        text::encode(&self.to_bytes())
    }

    /// Parses [`Encoding::to_text`]'s output (surrounding whitespace allowed).
    /// Errors say what is wrong: a character outside base64, a length that is
    /// not whole base64, bad padding, or a filter length that is not a
    /// multiple of 64 bits up to [`MAX_FILTER_BITS`].
    pub fn from_text(id: impl Into<String>, text: &str) -> Result<Self, ClkError> {
        let text = text.trim();
        if text.len() > MAX_FILTER_BITS / 6 + 8 {
            return Err(ClkError::UnsupportedLength { bits: text.len() / 4 * 24 });
        }
        Encoding::from_bytes(id, &text::decode(text)?)
    }

    /// [`Encoding::from_text`] that also requires a filter of `expected_bits`.
    pub fn from_text_expecting(id: impl Into<String>, text: &str, expected_bits: usize) -> Result<Self, ClkError> {
        let encoding = Encoding::from_text(id, text)?;
        if encoding.len_bits() != expected_bits {
            return Err(ClkError::WrongLength { expected: expected_bits, found: encoding.len_bits() });
        }
        Ok(encoding)
    }
}

/// Encodes records with one schema and one key.
#[derive(Debug, Clone)]
pub struct Encoder {
    schema: Schema,
    key: ClkKey,
}

impl Encoder {
    /// Checks the schema ([`Schema::validate`]).
    pub fn new(schema: Schema, key: ClkKey) -> Result<Self, ClkError> {
        schema.validate()?;
        Ok(Encoder { schema, key })
    }

    /// The default schema with keys derived from `network_secret`.
    pub fn with_secret(network_secret: &[u8]) -> Result<Self, ClkError> {
        Encoder::new(Schema::default(), ClkKey::derive(network_secret)?)
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The encoding of one record.
    pub fn encode(&self, record: &ClkRecord<'_>) -> Encoding {
        let l = self.schema.filter_bits as u64;
        let mut bits = vec![0u64; self.schema.filter_bits / 64];
        let mut set = |tag: &str, token: &[u8], k: u32| {
            if k == 0 {
                return;
            }
            let h1 = ClkKey::hash(&self.key.h1, tag, token) % l;
            let step = match ClkKey::hash(&self.key.h2, tag, token) % l {
                0 => 1,
                s => s,
            };
            let mut bit = h1;
            for _ in 0..k {
                bits[(bit / 64) as usize] |= 1 << (bit % 64);
                bit = (bit + step) % l;
            }
        };
        let mut grams = Vec::new();
        let names = [
            (Field::GivenName, record.given_name),
            (Field::FamilyName, record.family_name),
            (Field::Place, record.place),
        ];
        for (field, value) in names {
            let (Some(spec), Some(value)) = (self.schema.spec(field), value) else { continue };
            let folded = crate::normalize::fold(value);
            qgrams(&folded, spec.q, &mut grams);
            let k = spec.effective_hashes();
            for gram in &grams {
                set(field.tag(), gram, k);
            }
        }
        if let (Some(spec), Some(sex)) = (self.schema.sex, record.sex) {
            if let Some(letter) = crate::normalize::fold(sex).bytes().find(u8::is_ascii_alphabetic) {
                set(Field::Sex.tag(), &[letter], spec.effective_hashes());
            }
        }
        if let (Some(spec), Some(date)) = (self.schema.date_of_birth, record.date_of_birth) {
            let text = date.format("%Y-%m-%d").to_string();
            qgrams(&text, spec.q, &mut grams);
            let k = spec.effective_hashes();
            for gram in &grams {
                set(Field::DateOfBirth.tag(), gram, k);
            }
            let year = format!("year {}", date.year());
            set(Field::DateOfBirth.tag(), year.as_bytes(), self.schema.year_hashes);
        }
        Encoding { id: record.id.to_string(), bits }
    }
}

/// The padded q-grams of `text` (ASCII after folding; other characters are
/// kept whole), cut to [`MAX_FIELD_CHARS`] characters, deduplicated (a Bloom
/// filter sets the same bits twice anyway). Empty text gives no q-grams.
fn qgrams(text: &str, q: usize, out: &mut Vec<Vec<u8>>) {
    out.clear();
    let chars: Vec<char> = text.chars().take(MAX_FIELD_CHARS).collect();
    if chars.is_empty() {
        return;
    }
    let mut padded = vec![' '; q - 1];
    padded.extend_from_slice(&chars);
    padded.extend(std::iter::repeat_n(' ', q - 1));
    for window in padded.windows(q) {
        let gram: String = window.iter().collect();
        let gram = gram.into_bytes();
        if !out.contains(&gram) {
            out.push(gram);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qgrams_are_padded_like_clkhash() {
        let mut out = Vec::new();
        qgrams("ana", 2, &mut out);
        let grams: Vec<&str> = out.iter().map(|g| std::str::from_utf8(g).unwrap()).collect();
        assert_eq!(grams, [" a", "an", "na", "a "]);
        qgrams("", 2, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn bytes_follow_clkhash_bit_order() {
        let mut e = Encoding { id: "x".into(), bits: vec![0; 16] };
        e.bits[0] = 1; // bit 0
        e.bits[1] = 1 << 1; // bit 65
        let bytes = e.to_bytes();
        assert_eq!(bytes[0], 0x80);
        assert_eq!(bytes[8], 0x40);
        assert_eq!(Encoding::from_bytes("x", &bytes).unwrap(), e);
        assert!(e.bit(0) && e.bit(65) && !e.bit(1) && !e.bit(100_000));
    }

    #[test]
    fn key_debug_hides_secret() {
        let key = ClkKey::derive(b"0123456789abcdef").unwrap();
        assert_eq!(format!("{key:?}"), "ClkKey(<secret>)");
        assert_eq!(ClkKey::derive(b"short").unwrap_err(), ClkError::SecretTooShort(5));
    }
}
