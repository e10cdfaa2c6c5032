//! Small parsers shared by the workflow's input types, each recording its
//! problem under the field's dotted path. They bound every list and every
//! text, so that hostile input (10,000-character strings, NUL bytes, dates in
//! year 9999) is a validation error, never a panic or an oversized row.

use chrono::NaiveDate;

use crate::ids::{OrganisationId, UserId};
use crate::{text, ValidationErrors};

/// Short labels: places, names of panels, provider names.
pub const SHORT_TEXT: usize = 200;
/// Notes and descriptions.
pub const LONG_TEXT: usize = 4000;
/// The child's own words: room for a real account, bounded all the same.
pub const CHILDS_WORDS: usize = 10_000;
/// Most entries any list in one input may have.
pub const MAX_ITEMS: usize = 100;
/// The earliest date any workflow record may carry. Older dates are typing
/// errors (the children concerned are at most 25 years old).
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1990, 1, 1).expect("a valid date")
}

/// A required date, not before [`earliest_date`] and not after `today`.
pub fn past_date(errors: &mut ValidationErrors, field: &str, raw: &str, today: NaiveDate) -> Option<NaiveDate> {
    let date = errors.check(field, text::date(raw))?;
    errors.check(field, within(date, earliest_date(), today))
}

/// An optional date, not after `today`.
pub fn optional_past_date(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    today: NaiveDate,
) -> Option<Option<NaiveDate>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(raw) => past_date(errors, field, raw, today).map(Some),
    }
}

/// A required date in the future (or today), at most `max_days` ahead.
pub fn future_date(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &str,
    today: NaiveDate,
    max_days: u32,
) -> Option<NaiveDate> {
    let date = errors.check(field, text::date(raw))?;
    let latest = today.checked_add_days(chrono::Days::new(max_days.into())).unwrap_or(NaiveDate::MAX);
    if date < today {
        errors.add(field, "must not be in the past");
        return None;
    }
    if date > latest {
        errors.add(field, format!("must be at most {max_days} days ahead"));
        return None;
    }
    Some(date)
}

fn within(date: NaiveDate, earliest: NaiveDate, latest: NaiveDate) -> Result<NaiveDate, String> {
    if date > latest {
        Err("must not be in the future".into())
    } else if date < earliest {
        Err(format!("must not be before {earliest}"))
    } else {
        Ok(date)
    }
}

/// A required text of at most `max` characters.
pub fn required(errors: &mut ValidationErrors, field: &str, raw: &str, max: usize) -> Option<String> {
    errors.check(field, text::required(raw, max))
}

/// An optional text: `Some(None)` when absent or blank, `None` when invalid.
pub fn optional(errors: &mut ValidationErrors, field: &str, raw: Option<&str>, max: usize) -> Option<Option<String>> {
    errors.check(field, text::optional(raw, max))
}

/// A list of texts, each required and bounded.
pub fn text_list(errors: &mut ValidationErrors, field: &str, raw: &[String], max_chars: usize) -> Vec<String> {
    if !bounded(errors, field, raw.len()) {
        return Vec::new();
    }
    raw.iter().enumerate().filter_map(|(i, t)| required(errors, &format!("{field}[{i}]"), t, max_chars)).collect()
}

/// A list of codes, parsed, without repeats, in order of the code list.
pub fn code_set<T: Ord + Copy>(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &[String],
    parse: fn(&str) -> Result<T, String>,
) -> Vec<T> {
    if !bounded(errors, field, raw.len()) {
        return Vec::new();
    }
    let set: std::collections::BTreeSet<T> =
        raw.iter().enumerate().filter_map(|(i, code)| errors.check(&format!("{field}[{i}]"), parse(code))).collect();
    set.into_iter().collect()
}

/// Records an error when a list is longer than [`MAX_ITEMS`].
pub fn bounded(errors: &mut ValidationErrors, field: &str, len: usize) -> bool {
    if len > MAX_ITEMS {
        errors.add(field, format!("must list at most {MAX_ITEMS} entries"));
        false
    } else {
        true
    }
}

pub fn organisation(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<OrganisationId> {
    errors.check(field, OrganisationId::parse(raw))
}

pub fn user(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<UserId> {
    errors.check(field, UserId::parse(raw))
}

/// Checks that `end`, when given, is not before `start`.
pub fn ordered(errors: &mut ValidationErrors, field: &str, start: Option<NaiveDate>, end: Option<NaiveDate>) {
    if let (Some(start), Some(end)) = (start, end) {
        if end < start {
            errors.add(field, "must not be before the start date");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn dates_are_bounded_both_ways() {
        let mut errors = ValidationErrors::new();
        assert!(past_date(&mut errors, "a", "2026-11-27", today()).is_some());
        assert!(past_date(&mut errors, "b", "2026-11-28", today()).is_none());
        assert!(past_date(&mut errors, "c", "1900-01-01", today()).is_none());
        assert!(past_date(&mut errors, "d", "+262143-01-01", today()).is_none());
        assert!(future_date(&mut errors, "e", "2026-11-26", today(), 10).is_none());
        assert!(future_date(&mut errors, "f", "2026-12-08", today(), 10).is_none());
        assert!(future_date(&mut errors, "g", "2026-12-07", today(), 10).is_some());
        assert_eq!(errors.fields.keys().collect::<Vec<_>>(), ["b", "c", "d", "e", "f"]);
        // The latest representable date plus days does not overflow.
        let mut errors = ValidationErrors::new();
        assert!(future_date(&mut errors, "h", "2026-12-01", NaiveDate::MAX, u32::MAX).is_none());
    }
}
