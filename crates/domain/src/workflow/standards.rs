//! The standards-of-care checklist per case (DOMAIN.md, StandardsOfCare).
//!
//! The list is configurable per organisation, so items are keys, not an enum;
//! [`StandardsList::defaults`] ships the UNICEF guidelines' items from
//! DOMAIN.md. A supervisor reads [`unmet_standards`]: every item not met, or
//! never checked, since a standard nobody looked at is not met either.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::code_list;
use crate::ids::UserId;
use crate::workflow::fields::{self, LONG_TEXT, SHORT_TEXT};
use crate::ValidationErrors;

/// Longest key of a standard.
pub const MAX_KEY_CHARS: usize = 64;

code_list!(
    /// Whether a standard is met for a child.
    StandardStatus {
        Met = "met",
        NotMet = "not_met",
        NotApplicable = "not_applicable",
    }
);

/// The key of one standard: lower-case ASCII letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct StandardKey(String);

impl StandardKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let key = raw.trim();
        let valid = !key.is_empty()
            && key.len() <= MAX_KEY_CHARS
            && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if valid {
            Ok(StandardKey(key.to_string()))
        } else {
            Err(format!("must be 1 to {MAX_KEY_CHARS} lower-case letters, digits or \"_\""))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One standard of the configured list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StandardDefinition {
    pub key: StandardKey,
    pub label: String,
}

/// The configured list, as received from an administrator.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardDefinitionInput {
    pub key: String,
    pub label: String,
}

/// The standards an organisation checks for every child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StandardsList(Vec<StandardDefinition>);

const DEFAULTS: [(&str, &str); 12] = [
    ("guardian_appointed", "A guardian is appointed"),
    ("safe_accommodation", "The child is in safe accommodation"),
    ("informed_in_own_language", "The child is informed in a language they understand"),
    ("interpreter_when_needed", "An interpreter is provided when needed"),
    ("medical_care", "Medical care"),
    ("psychosocial_support", "Psychosocial support"),
    ("legal_information", "Legal information"),
    ("no_detention", "The child is not detained"),
    ("non_discrimination", "Non-discrimination"),
    ("confidentiality", "Confidentiality"),
    ("childs_views_heard", "The child's views are heard"),
    ("family_contact_assessed", "Family contact is assessed"),
];

impl StandardsList {
    /// DOMAIN.md's defaults, from the UNICEF guidelines on the protection of
    /// child victims of trafficking.
    pub fn defaults() -> Self {
        StandardsList(
            DEFAULTS
                .iter()
                .map(|(key, label)| StandardDefinition { key: StandardKey(key.to_string()), label: label.to_string() })
                .collect(),
        )
    }

    pub fn parse(input: Vec<StandardDefinitionInput>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if input.is_empty() {
            errors.add("standards", "must list at least one standard");
        }
        if !fields::bounded(&mut errors, "standards", input.len()) {
            return Err(errors);
        }
        let mut list: Vec<StandardDefinition> = Vec::new();
        for (i, item) in input.into_iter().enumerate() {
            let key = errors.check(&format!("standards[{i}].key"), StandardKey::parse(&item.key));
            let label = fields::required(&mut errors, &format!("standards[{i}].label"), &item.label, SHORT_TEXT);
            if let (Some(key), Some(label)) = (key, label) {
                if list.iter().any(|d| d.key == key) {
                    errors.add(format!("standards[{i}].key"), "is listed twice");
                } else {
                    list.push(StandardDefinition { key, label });
                }
            }
        }
        errors.into_result(|| StandardsList(list))
    }

    pub fn items(&self) -> &[StandardDefinition] {
        &self.0
    }

    pub fn get(&self, key: &StandardKey) -> Option<&StandardDefinition> {
        self.0.iter().find(|d| &d.key == key)
    }
}

/// One check of one standard, as received; who checked is the signed-in user.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardCheckInput {
    pub key: String,
    /// `met`, `not_met` or `not_applicable`.
    pub status: String,
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    pub note: Option<String>,
}

/// Deserialize is for reading back what the store wrote (validated then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StandardCheck {
    pub key: StandardKey,
    pub status: StandardStatus,
    pub date: NaiveDate,
    pub checked_by: UserId,
    pub note: Option<String>,
}

impl StandardCheck {
    /// Parses a check of a standard on `list`, recorded by `checked_by`.
    pub fn parse(
        input: StandardCheckInput,
        list: &StandardsList,
        checked_by: &UserId,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let key = errors.check("key", StandardKey::parse(&input.key));
        if let Some(key) = &key {
            if list.get(key).is_none() {
                errors.add("key", "is not a standard on this organisation's list");
            }
        }
        let status = errors.check("status", StandardStatus::parse(&input.status));
        let date = fields::past_date(&mut errors, "date", &input.date, today);
        let note = fields::optional(&mut errors, "note", input.note.as_deref(), LONG_TEXT);
        if status == Some(StandardStatus::NotMet) && matches!(note, Some(None)) {
            errors.add("note", "say what is missing when a standard is not met");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(StandardCheck {
            key: key.expect("no errors"),
            status: status.expect("no errors"),
            date: date.expect("no errors"),
            checked_by: checked_by.clone(),
            note: note.expect("no errors"),
        })
    }
}

/// Why a standard shows on a supervisor's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Unmet {
    /// The latest check found it not met.
    NotMet { since: NaiveDate, note: Option<String> },
    /// Nobody has checked it yet.
    NotChecked,
}

/// The standards of `list` not met for one case: the latest check of each
/// (by date; on the same date, the later in `checks`) decides.
pub fn unmet_standards<'a>(list: &'a StandardsList, checks: &[StandardCheck]) -> Vec<(&'a StandardDefinition, Unmet)> {
    let mut latest: BTreeMap<&StandardKey, &StandardCheck> = BTreeMap::new();
    for check in checks {
        let newer = latest.get(&check.key).is_none_or(|seen| seen.date <= check.date);
        if newer {
            latest.insert(&check.key, check);
        }
    }
    list.items()
        .iter()
        .filter_map(|definition| match latest.get(&definition.key) {
            None => Some((definition, Unmet::NotChecked)),
            Some(check) if check.status == StandardStatus::NotMet => {
                Some((definition, Unmet::NotMet { since: check.date, note: check.note.clone() }))
            }
            Some(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn me() -> UserId {
        UserId::parse("00000000-0000-4000-8000-000000000001").unwrap()
    }

    fn check(key: &str, status: &str, date: &str) -> StandardCheck {
        let input =
            StandardCheckInput { key: key.into(), status: status.into(), date: date.into(), note: Some("note".into()) };
        StandardCheck::parse(input, &StandardsList::defaults(), &me(), today()).unwrap()
    }

    #[test]
    fn defaults_follow_domain_md() {
        let list = StandardsList::defaults();
        assert_eq!(list.items().len(), 12);
        assert!(list.get(&StandardKey::parse("no_detention").unwrap()).is_some());
    }

    #[test]
    fn unmet_lists_not_met_and_never_checked() {
        let list = StandardsList::defaults();
        let checks = vec![
            check("guardian_appointed", "not_met", "2026-11-01"),
            check("guardian_appointed", "met", "2026-11-20"),
            check("no_detention", "met", "2026-11-20"),
            check("no_detention", "not_met", "2026-11-21"),
            check("interpreter_when_needed", "not_applicable", "2026-11-21"),
        ];
        let unmet = unmet_standards(&list, &checks);
        let keys: Vec<&str> = unmet.iter().map(|(d, _)| d.key.as_str()).collect();
        assert_eq!(unmet.len(), 10);
        assert!(!keys.contains(&"guardian_appointed"));
        assert!(!keys.contains(&"interpreter_when_needed"));
        let detention = unmet.iter().find(|(d, _)| d.key.as_str() == "no_detention").unwrap();
        assert!(matches!(detention.1, Unmet::NotMet { .. }));
    }

    #[test]
    fn rejects_bad_checks_and_lists() {
        let input = StandardCheckInput {
            key: "wifi_available".into(),
            status: "not_met".into(),
            date: "2030-01-01".into(),
            note: None,
        };
        let errors = StandardCheck::parse(input, &StandardsList::defaults(), &me(), today()).unwrap_err();
        assert_eq!(errors.fields.keys().collect::<Vec<_>>(), ["date", "key", "note"]);
        let list = vec![
            StandardDefinitionInput { key: "a".into(), label: "A".into() },
            StandardDefinitionInput { key: "a".into(), label: "A again".into() },
            StandardDefinitionInput { key: "Bad Key".into(), label: "\0".into() },
        ];
        let errors = StandardsList::parse(list).unwrap_err();
        assert_eq!(errors.fields.len(), 3);
    }
}
