//! Free text and small codes as they arrive from outside: trimmed, bounded in
//! length, and free of control characters (a NUL byte in a name is an attack or
//! a corrupted file, never a name).

use chrono::NaiveDate;

/// Trims `raw` and accepts it when it is 1..=`max_chars` characters long and
/// holds no control characters.
pub fn required(raw: &str, max_chars: usize) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    optional_nonempty(text, max_chars)
}

/// Like [`required`], but an absent or blank value is `None`.
pub fn optional(raw: Option<&str>, max_chars: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => optional_nonempty(text, max_chars).map(Some),
    }
}

fn optional_nonempty(text: &str, max_chars: usize) -> Result<String, String> {
    if text.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_string())
}

/// An ISO 8601 calendar date (`YYYY-MM-DD`).
pub fn date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| "must be a date written YYYY-MM-DD".to_string())
}

/// An ISO 639 language code (two or three lower-case letters, e.g. `sq`, `nep`).
pub fn language(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_lowercase();
    if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err("must be an ISO 639 language code such as \"sq\" or \"nep\"".into())
    }
}

/// An ISO 3166-1 country, given as alpha-2 or alpha-3; stored as alpha-2.
pub fn country(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    let parsed = match code.len() {
        2 => isocountry::CountryCode::for_alpha2(&code).ok(),
        3 => isocountry::CountryCode::for_alpha3(&code).ok(),
        _ => None,
    };
    parsed
        .map(|c| c.alpha2().to_string())
        .ok_or_else(|| "must be an ISO 3166-1 country code such as \"AL\" or \"NPL\"".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_control_characters_and_overlong_text() {
        assert_eq!(required("  Arbën ", 10).unwrap(), "Arbën");
        assert!(required("", 10).is_err());
        assert!(required("a\0b", 10).is_err());
        assert!(required(&"x".repeat(11), 10).is_err());
        assert_eq!(optional(Some("   "), 10).unwrap(), None);
    }

    #[test]
    fn countries_are_validated_and_stored_as_alpha2() {
        assert_eq!(country("al").unwrap(), "AL");
        assert_eq!(country("NPL").unwrap(), "NP");
        assert_eq!(country("CIV").unwrap(), "CI");
        for bad in ["XX", "ZZZ", "", "A", "' OR 1=1"] {
            assert!(country(bad).is_err(), "{bad}");
        }
    }
}
