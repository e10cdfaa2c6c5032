//! An organisation's workflow settings: its deadline table and its list of
//! standards of care (DOMAIN.md: both configurable, with shipped defaults).
//!
//! A setting left out keeps DOMAIN.md's defaults, and a deadline table names
//! only the entries it changes: every step of every risk level always has a
//! deadline, so no case can fall off a work list through a gap in the table.
//! What is stored is the validated form ([`OrganisationSettings::to_input`])
//! and it is parsed again when read, so a row edited behind the service's
//! back is refused rather than believed.

use serde::{Deserialize, Serialize};

use crate::workflow::deadlines::{DeadlineEntry, DeadlineInput, DeadlineTable};
use crate::workflow::standards::{StandardDefinition, StandardDefinitionInput, StandardsList};
use crate::ValidationErrors;

/// The settings as received (`PUT /api/v1/organisations/{id}/settings`):
/// the whole settings, each part optional (left out: the defaults).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationSettingsInput {
    /// Entries of the deadline table that differ from the defaults (at most 12).
    pub deadlines: Option<Vec<DeadlineInput>>,
    /// The standards-of-care list, replacing the defaults (1 to 100 items).
    pub standards: Option<Vec<StandardDefinitionInput>>,
}

/// An organisation's validated settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationSettings {
    pub deadlines: DeadlineTable,
    pub standards: StandardsList,
}

impl Default for OrganisationSettings {
    fn default() -> Self {
        OrganisationSettings { deadlines: DeadlineTable::defaults(), standards: StandardsList::defaults() }
    }
}

impl OrganisationSettings {
    pub fn parse(input: OrganisationSettingsInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let deadlines = match input.deadlines {
            None => Some(DeadlineTable::defaults()),
            Some(entries) => absorb(&mut errors, DeadlineTable::parse(entries)),
        };
        let standards = match input.standards {
            None => Some(StandardsList::defaults()),
            Some(items) => absorb(&mut errors, StandardsList::parse(items)),
        };
        errors.into_result(|| OrganisationSettings {
            deadlines: deadlines.expect("no errors"),
            standards: standards.expect("no errors"),
        })
    }

    /// The settings in the shape [`OrganisationSettings::parse`] reads back:
    /// the full table and list, so that a later change of the shipped
    /// defaults does not silently change an organisation's configured values.
    pub fn to_input(&self) -> OrganisationSettingsInput {
        OrganisationSettingsInput {
            deadlines: Some(self.deadlines.entries().into_iter().map(DeadlineInput::from).collect()),
            standards: Some(
                self.standards
                    .items()
                    .iter()
                    .map(|d| StandardDefinitionInput { key: d.key.as_str().to_string(), label: d.label.clone() })
                    .collect(),
            ),
        }
    }

    pub fn view(&self) -> SettingsView {
        SettingsView { deadlines: self.deadlines.entries(), standards: self.standards.items().to_vec() }
    }
}

/// The value of a part's parse, or its errors added to the whole's.
fn absorb<T>(errors: &mut ValidationErrors, result: Result<T, ValidationErrors>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(part) => {
            for (field, reason) in part.fields {
                errors.add(field, reason);
            }
            None
        }
    }
}

/// The settings as shown: every deadline and every standard in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    pub deadlines: Vec<DeadlineEntry>,
    pub standards: Vec<StandardDefinition>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::RiskLevel;
    use crate::workflow::deadlines::DeadlineStep;

    fn deadline(risk: &str, step: &str, minutes: i64) -> DeadlineInput {
        DeadlineInput { risk_level: risk.into(), step: step.into(), minutes }
    }

    fn standard(key: &str, label: &str) -> StandardDefinitionInput {
        StandardDefinitionInput { key: key.into(), label: label.into() }
    }

    #[test]
    fn left_out_means_the_defaults() {
        assert_eq!(OrganisationSettings::parse(OrganisationSettingsInput::default()).unwrap(), Default::default());
    }

    #[test]
    fn settings_round_trip_through_their_stored_form() {
        let input = OrganisationSettingsInput {
            deadlines: Some(vec![deadline("high", "follow_up", 2 * 24 * 60)]),
            standards: Some(vec![standard("birth_registered", "The child's birth is registered")]),
        };
        let settings = OrganisationSettings::parse(input).unwrap();
        assert_eq!(settings.deadlines.allowed(RiskLevel::High, DeadlineStep::FollowUp), chrono::TimeDelta::days(2));
        assert_eq!(settings.standards.items().len(), 1);
        let stored = serde_json::to_string(&settings.to_input()).unwrap();
        let again = OrganisationSettings::parse(serde_json::from_str(&stored).unwrap()).unwrap();
        assert_eq!(again, settings);
        assert_eq!(settings.view().deadlines.len(), 12);
    }

    #[test]
    fn hostile_settings_are_refused_field_by_field() {
        let input = OrganisationSettingsInput {
            deadlines: Some(vec![deadline("high", "assign", -60), deadline("extreme", "nap", 10)]),
            standards: Some(vec![standard("Bad Key!", ""), standard("ok", &"x".repeat(10_000))]),
        };
        let errors = OrganisationSettings::parse(input).unwrap_err();
        for field in [
            "deadlines[0].minutes",
            "deadlines[1].risk_level",
            "deadlines[1].step",
            "standards[0].key",
            "standards[0].label",
            "standards[1].label",
        ] {
            assert!(errors.fields.contains_key(field), "{field}: {errors:?}");
        }
        let too_many = OrganisationSettingsInput {
            deadlines: Some((0..13).map(|_| deadline("low", "assign", 60)).collect()),
            standards: Some((0..1_000).map(|i| standard(&format!("s{i}"), "label")).collect()),
        };
        let errors = OrganisationSettings::parse(too_many).unwrap_err();
        assert!(errors.fields.contains_key("deadlines") && errors.fields.contains_key("standards"), "{errors:?}");
        let empty = OrganisationSettingsInput { deadlines: None, standards: Some(Vec::new()) };
        assert!(OrganisationSettings::parse(empty).unwrap_err().fields.contains_key("standards"));
    }
}
