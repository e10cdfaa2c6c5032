//! A small, strict standard base64 (RFC 4648, alphabet `A–Z a–z 0–9 + /`,
//! `=` padding), enough for the text form of encodings. Decoding rejects
//! anything that a canonical encoder would not have written: characters
//! outside the alphabet, a length that is not a multiple of four, padding
//! anywhere but at the end, and non-zero bits in the unused tail.

use super::ClkError;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            if i < symbols {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Strict decoding of [`encode`]'s output. Errors name the first problem and
/// its character position (0-based).
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, ClkError> {
    let input = text.as_bytes();
    // Report a bad character before a bad length: it is the likelier mistake
    // (a hex string, a CSV column shifted by one).
    let data_len = input.len() - input.iter().rev().take(2).take_while(|&&c| c == b'=').count();
    let bad = text.char_indices().find(|&(i, c)| i < data_len && (!c.is_ascii() || value(c as u8).is_none()));
    if let Some((position, character)) = bad {
        return Err(ClkError::BadCharacter { position, character });
    }
    if input.is_empty() || input.len() % 4 != 0 {
        return Err(ClkError::BadTextLength { chars: text.chars().count() });
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    for (index, chunk) in input.chunks_exact(4).enumerate() {
        let last = index == input.len() / 4 - 1;
        let pads = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pads > 2 || (pads > 0 && !last) {
            return Err(ClkError::BadPadding);
        }
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let v = if i < 4 - pads { value(c).ok_or(ClkError::BadPadding)? } else { 0 };
            n |= v << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = 3 - pads;
        if bytes[keep..].iter().any(|&b| b != 0) {
            return Err(ClkError::BadPadding);
        }
        out.extend_from_slice(&bytes[..keep]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            if !plain.is_empty() {
                assert_eq!(decode(coded).unwrap(), plain.as_bytes());
            }
        }
    }

    #[test]
    fn non_canonical_is_rejected() {
        assert!(matches!(decode("Zh=="), Err(ClkError::BadPadding)));
        assert!(matches!(decode("Zg==Zg=="), Err(ClkError::BadCharacter { position: 2, character: '=' })));
        assert!(matches!(decode("Z==="), Err(ClkError::BadCharacter { position: 1, character: '=' })));
        assert!(matches!(decode("Zm9"), Err(ClkError::BadTextLength { chars: 3 })));
        assert!(matches!(decode("Zm-v"), Err(ClkError::BadCharacter { position: 2, character: '-' })));
        assert!(matches!(decode("Zmé="), Err(ClkError::BadCharacter { position: 2, character: 'é' })));
    }
}
