//! A tracing request: a family looking for a child (issue #3 §3). Validated
//! like every input ([`crate::text`]): bounded, trimmed, no control
//! characters; every problem is reported per field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::Gender;
use crate::text;
use crate::ValidationErrors;

/// Longest name accepted (as for a child's names).
const NAME_MAX: usize = 200;
/// Longest place or relation.
const PLACE_MAX: usize = 200;
/// Most names or family members in one request.
const LIST_MAX: usize = 20;

/// A family member named in a tracing request, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyMemberInput {
    pub name: String,
    /// mother, father, sibling, grandparent, aunt, uncle, other… (free text)
    pub relation: String,
}

/// A tracing request as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TracingRequestInput {
    pub given_name: String,
    pub family_name: Option<String>,
    pub other_names: Option<Vec<String>>,
    /// HTCDS `prs_Gender`.
    pub sex: Option<String>,
    /// Exact date of birth, when the family knows it.
    pub date_of_birth: Option<String>,
    /// The child's age (years) when last seen, when the date of birth is unknown.
    pub age: Option<u8>,
    pub last_seen_place: Option<String>,
    pub last_seen_date: Option<String>,
    pub family_members: Option<Vec<FamilyMemberInput>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FamilyMember {
    pub name: String,
    pub relation: String,
}

/// A validated tracing request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TracingRequest {
    pub given_name: String,
    pub family_name: Option<String>,
    pub other_names: Vec<String>,
    pub sex: Option<Gender>,
    pub date_of_birth: Option<NaiveDate>,
    pub age: Option<u8>,
    pub last_seen_place: Option<String>,
    pub last_seen_date: Option<NaiveDate>,
    pub family_members: Vec<FamilyMember>,
}

impl TracingRequest {
    /// Validates a request received on `today`.
    pub fn parse(input: TracingRequestInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let given_name = errors.check("given_name", text::required(&input.given_name, NAME_MAX));
        let family_name = errors.check("family_name", text::optional(input.family_name.as_deref(), NAME_MAX));
        let raw_other = input.other_names.unwrap_or_default();
        if raw_other.len() > LIST_MAX {
            errors.add("other_names", format!("must list at most {LIST_MAX} names"));
        }
        let other_names: Vec<String> = raw_other
            .iter()
            .take(LIST_MAX)
            .enumerate()
            .filter_map(|(i, n)| errors.check(&format!("other_names[{i}]"), text::required(n, NAME_MAX)))
            .collect();
        let sex = match input.sex.as_deref() {
            None => None,
            Some(raw) => {
                errors.check("sex", Gender::parse(raw).map_err(|_| "must be an HTCDS prs_Gender value".into()))
            }
        };
        let date_of_birth = match input.date_of_birth.as_deref() {
            None => None,
            Some(raw) => errors.check("date_of_birth", past_date(raw, today)),
        };
        if let Some(age) = input.age {
            if age > 30 {
                errors.add("age", "must be at most 30");
            }
        }
        if date_of_birth.is_some() && input.age.is_some() {
            errors.add("age", "give the date of birth or the age, not both");
        }
        let last_seen_place =
            errors.check("last_seen_place", text::optional(input.last_seen_place.as_deref(), PLACE_MAX));
        let last_seen_date = match input.last_seen_date.as_deref() {
            None => None,
            Some(raw) => errors.check("last_seen_date", past_date(raw, today)),
        };
        let raw_members = input.family_members.unwrap_or_default();
        if raw_members.len() > LIST_MAX {
            errors.add("family_members", format!("must list at most {LIST_MAX} people"));
        }
        let mut family_members = Vec::new();
        for (i, member) in raw_members.iter().take(LIST_MAX).enumerate() {
            let name = errors.check(&format!("family_members[{i}].name"), text::required(&member.name, NAME_MAX));
            let relation =
                errors.check(&format!("family_members[{i}].relation"), text::required(&member.relation, PLACE_MAX));
            if let (Some(name), Some(relation)) = (name, relation) {
                family_members.push(FamilyMember { name, relation: relation.to_lowercase() });
            }
        }
        errors.into_result(|| TracingRequest {
            given_name: given_name.unwrap_or_default(),
            family_name: family_name.flatten(),
            other_names,
            sex,
            date_of_birth,
            age: input.age,
            last_seen_place: last_seen_place.flatten(),
            last_seen_date,
            family_members,
        })
    }

    /// The name of the first family member whose relation is `relation`.
    pub fn relative(&self, relation: &str) -> Option<&str> {
        self.family_members.iter().find(|m| m.relation == relation).map(|m| m.name.as_str())
    }
}

fn past_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = text::date(raw)?;
    if date > today {
        return Err("must not be in the future".into());
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn a_family_request_is_accepted_and_bad_values_are_named() {
        let input = TracingRequestInput {
            given_name: " Elena ".into(),
            family_name: Some("Petrova".into()),
            sex: Some("Feminine".into()),
            age: Some(14),
            family_members: Some(vec![FamilyMemberInput { name: "Olga".into(), relation: "Mother".into() }]),
            ..Default::default()
        };
        let request = TracingRequest::parse(input, today()).unwrap();
        assert_eq!(request.given_name, "Elena");
        assert_eq!(request.relative("mother"), Some("Olga"));

        let bad = TracingRequestInput {
            given_name: "x".repeat(10_000),
            sex: Some("robot".into()),
            last_seen_date: Some("2999-01-01".into()),
            family_members: Some(vec![FamilyMemberInput { name: "a\0b".into(), relation: "mother".into() }]),
            ..Default::default()
        };
        let errors = TracingRequest::parse(bad, today()).unwrap_err();
        let text = format!("{errors:?}");
        for field in ["given_name", "sex", "last_seen_date", "family_members[0].name"] {
            assert!(text.contains(field), "{field} in {text}");
        }
    }
}
