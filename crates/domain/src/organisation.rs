//! Partner organisations: the directory every signed-in user can read.

use serde::{Deserialize, Serialize};

use crate::codes::OrganisationType;
use crate::ids::OrganisationId;
use crate::{text, ValidationErrors};

/// The body of `POST /api/v1/organisations`, as received.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisationInput {
    pub name: String,
    /// HTCDS `org_Type`, e.g. `NGO`.
    #[serde(rename = "type")]
    pub org_type: String,
    /// ISO 3166-1 codes of the countries the organisation works in.
    pub countries: Vec<String>,
    /// Prefix of case references, e.g. `TDH-AL`; derived from the name when absent.
    pub reference_prefix: Option<String>,
    pub services: Option<Vec<String>>,
    pub contact: Option<String>,
}

/// A validated new organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    pub name: String,
    pub org_type: OrganisationType,
    pub countries: Vec<String>,
    pub reference_prefix: String,
    pub services: Vec<String>,
    pub contact: Option<String>,
}

impl NewOrganisation {
    pub fn parse(input: NewOrganisationInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", text::required(&input.name, 200));
        let org_type = errors.check("type", OrganisationType::parse(&input.org_type));
        let countries = parse_countries(&mut errors, "countries", &input.countries);
        if input.countries.is_empty() {
            errors.add("countries", "must name at least one country");
        }
        let services: Vec<String> = input
            .services
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, s)| errors.check(&format!("services[{i}]"), text::required(s, 100)))
            .collect();
        let contact = errors.check("contact", text::optional(input.contact.as_deref(), 500));
        let reference_prefix = match input.reference_prefix {
            Some(prefix) => errors.check("reference_prefix", parse_reference_prefix(&prefix)),
            None => {
                name.as_deref().zip(countries.first()).map(|(name, country)| derive_reference_prefix(name, country))
            }
        };
        errors.into_result(|| NewOrganisation {
            name: name.unwrap_or_default(),
            org_type: org_type.unwrap_or(OrganisationType::Ngo),
            countries,
            reference_prefix: reference_prefix.unwrap_or_default(),
            services,
            contact: contact.flatten(),
        })
    }
}

/// Parses a list of countries, recording each bad entry as `field[i]`.
pub fn parse_countries(errors: &mut ValidationErrors, field: &str, raw: &[String]) -> Vec<String> {
    if raw.len() > 50 {
        errors.add(field, "must list at most 50 countries");
        return Vec::new();
    }
    let mut countries: Vec<String> =
        raw.iter().enumerate().filter_map(|(i, c)| errors.check(&format!("{field}[{i}]"), text::country(c))).collect();
    countries.dedup();
    countries
}

fn parse_reference_prefix(raw: &str) -> Result<String, String> {
    let prefix = raw.trim().to_ascii_uppercase();
    let valid = (2..=16).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !prefix.starts_with('-')
        && !prefix.ends_with('-');
    if valid {
        Ok(prefix)
    } else {
        Err("must be 2 to 16 letters, digits or hyphens, e.g. TDH-AL".into())
    }
}

/// `Terre des hommes` in `AL` → `TDH-AL`: initials of the name's words.
fn derive_reference_prefix(name: &str, country: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_ascii_alphanumeric()))
        .map(|c| c.to_ascii_uppercase())
        .take(6)
        .collect();
    let initials = if initials.is_empty() { "ORG".to_string() } else { initials };
    format!("{initials}-{country}")
}

/// An organisation as the directory shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    #[serde(rename = "type")]
    pub org_type: OrganisationType,
    pub countries: Vec<String>,
    pub reference_prefix: String,
    pub services: Vec<String>,
    pub contact: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, countries: &[&str]) -> NewOrganisationInput {
        NewOrganisationInput {
            name: name.into(),
            org_type: "NGO".into(),
            countries: countries.iter().map(|c| c.to_string()).collect(),
            reference_prefix: None,
            services: None,
            contact: None,
        }
    }

    #[test]
    fn derives_a_reference_prefix_from_the_name() {
        let org = NewOrganisation::parse(input("Terre des hommes", &["alb"])).unwrap();
        assert_eq!(org.reference_prefix, "TDH-AL");
        assert_eq!(org.countries, vec!["AL"]);
    }

    #[test]
    fn reports_every_bad_field() {
        let mut bad = input("", &["XX"]);
        bad.org_type = "Club".into();
        let errors = NewOrganisation::parse(bad).unwrap_err();
        assert!(errors.fields.contains_key("name"));
        assert!(errors.fields.contains_key("type"));
        assert!(errors.fields.contains_key("countries[0]"));
    }
}
