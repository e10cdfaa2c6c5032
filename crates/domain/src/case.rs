//! Case registration and the case file as the API shows it.
//!
//! The child's identity (names, birth, citizenship…) and the case (status,
//! risk, identification…) are separate types, as they are separate tables:
//! aggregates read cases only, and every identity read is audited as one.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::{
    CaseStatus, ConsentGivenBy, ConsentPurpose, Gender, IdentificationChannel, NameKind, ProtectionStatus, RiskLevel,
    Script,
};
use crate::ids::{CaseId, IdentityId, OrganisationId, UserId};
use crate::organisation::parse_countries;
use crate::{text, ValidationErrors};

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Most names (with aliases) one child may carry.
pub const MAX_OTHER_NAMES: usize = 20;
/// Estimated ages are accepted from 0 to this, inclusive: children, and young
/// adults still followed after being exploited as children.
pub const MAX_AGE: i64 = 25;

/// The body of `POST /api/v1/cases`, as received.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseInput {
    pub child: ChildInput,
    pub identification: IdentificationInput,
    /// `high`, `medium` or `low`.
    pub risk_level: String,
    /// `unaccompanied`, `separated` or `accompanied`.
    pub protection_status: Option<String>,
    /// The caseworker to assign; a caseworker registering a child is assigned by default.
    pub assigned_to: Option<String>,
    pub consents: Option<Vec<ConsentInput>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    pub given_name: String,
    pub family_name: Option<String>,
    pub other_names: Option<Vec<OtherNameInput>>,
    /// HTCDS `prs_Gender`, e.g. `Feminine`.
    pub sex: String,
    /// `YYYY-MM-DD`; give this or `estimated_age`.
    pub date_of_birth: Option<String>,
    /// Years, 0 to 25; give this or `date_of_birth`.
    pub estimated_age: Option<i64>,
    /// The child's age is contested: treat as a child while disputed.
    pub age_disputed: Option<bool>,
    /// ISO 3166-1 codes.
    pub citizenship: Option<Vec<String>>,
    /// ISO 639 codes.
    pub languages: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherNameInput {
    pub name: String,
    /// `alias`, `birth_name`, `nickname`, `transliteration`, `given` or `family`.
    pub kind: Option<String>,
    /// ISO 15924, e.g. `Cyrl`; detected from the name when absent.
    pub script: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentificationInput {
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    pub place: String,
    pub channel: String,
    /// The local structure (committee, school, focal point) that identified the child.
    pub local_structure: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub purpose: String,
    pub given_by: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// What is withheld and why.
    pub withheld: Option<String>,
    pub legal_basis: Option<String>,
}

/// The body of `PATCH /api/v1/cases/{id}`: the version read, and the changes.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatchInput {
    pub version: i64,
    pub risk_level: Option<String>,
    pub protection_status: Option<String>,
    pub assigned_to: Option<String>,
    pub identification: Option<IdentificationPatchInput>,
    pub child: Option<ChildPatchInput>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentificationPatchInput {
    pub date: Option<String>,
    pub place: Option<String>,
    pub channel: Option<String>,
    pub local_structure: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildPatchInput {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub other_names: Option<Vec<OtherNameInput>>,
    pub sex: Option<String>,
    pub date_of_birth: Option<String>,
    pub estimated_age: Option<i64>,
    pub age_disputed: Option<bool>,
    pub citizenship: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
}

/// One name of a child, with the script it is written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChildName {
    pub name: String,
    pub kind: NameKind,
    pub script: Script,
    pub language: Option<String>,
}

/// What is known of a child's age: a date of birth, or an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    Born(NaiveDate),
    Estimated { years: u8 },
}

/// A child's identifying data, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildIdentity {
    pub given_name: String,
    pub family_name: Option<String>,
    pub other_names: Vec<ChildName>,
    pub sex: Gender,
    pub age: Age,
    pub age_disputed: bool,
    pub citizenship: Vec<String>,
    pub languages: Vec<String>,
}

impl ChildIdentity {
    /// Every name of the child, for the search index.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.given_name.as_str())
            .chain(self.family_name.as_deref())
            .chain(self.other_names.iter().map(|n| n.name.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Identification {
    pub date: NaiveDate,
    pub place: String,
    pub channel: IdentificationChannel,
    pub local_structure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Consent {
    pub purpose: ConsentPurpose,
    pub given_by: ConsentGivenBy,
    pub date: NaiveDate,
    pub withheld: Option<String>,
    pub legal_basis: Option<String>,
}

/// A validated registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub child: ChildIdentity,
    pub identification: Identification,
    pub risk_level: RiskLevel,
    pub protection_status: Option<ProtectionStatus>,
    pub assigned_to: Option<UserId>,
    pub consents: Vec<Consent>,
}

impl NewCase {
    /// Parses a registration; `today` bounds dates (nothing in the future).
    pub fn parse(input: NewCaseInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let child = parse_child(&mut errors, input.child, today);
        let identification = parse_identification(&mut errors, input.identification, today);
        let risk_level = errors.check("risk_level", RiskLevel::parse(&input.risk_level));
        let protection_status = input
            .protection_status
            .as_deref()
            .and_then(|raw| errors.check("protection_status", ProtectionStatus::parse(raw)));
        let assigned_to = input.assigned_to.as_deref().and_then(|raw| errors.check("assigned_to", UserId::parse(raw)));
        let consents = parse_consents(&mut errors, input.consents.unwrap_or_default(), today);
        if errors.is_empty() {
            Ok(NewCase {
                child: child.expect("no errors"),
                identification: identification.expect("no errors"),
                risk_level: risk_level.expect("no errors"),
                protection_status,
                assigned_to,
                consents,
            })
        } else {
            Err(errors)
        }
    }
}

fn parse_child(errors: &mut ValidationErrors, input: ChildInput, today: NaiveDate) -> Option<ChildIdentity> {
    let given_name = errors.check("child.given_name", text::required(&input.given_name, MAX_NAME_CHARS));
    let family_name = errors.check("child.family_name", text::optional(input.family_name.as_deref(), MAX_NAME_CHARS));
    let other_names = parse_other_names(errors, "child.other_names", input.other_names.unwrap_or_default());
    let sex = errors.check("child.sex", Gender::parse(&input.sex));
    let age = parse_age(errors, input.date_of_birth.as_deref(), input.estimated_age, today);
    let citizenship = parse_countries(errors, "child.citizenship", &input.citizenship.unwrap_or_default());
    let languages = parse_languages(errors, "child.languages", &input.languages.unwrap_or_default());
    Some(ChildIdentity {
        given_name: given_name?,
        family_name: family_name?,
        other_names,
        sex: sex?,
        age: age?,
        age_disputed: input.age_disputed.unwrap_or(false),
        citizenship,
        languages,
    })
}

fn parse_other_names(errors: &mut ValidationErrors, field: &str, raw: Vec<OtherNameInput>) -> Vec<ChildName> {
    if raw.len() > MAX_OTHER_NAMES {
        errors.add(field, format!("must list at most {MAX_OTHER_NAMES} names"));
        return Vec::new();
    }
    raw.into_iter()
        .enumerate()
        .filter_map(|(i, other)| {
            let at = format!("{field}[{i}]");
            let name = errors.check(&format!("{at}.name"), text::required(&other.name, MAX_NAME_CHARS))?;
            let kind = match other.kind.as_deref() {
                Some(kind) => errors.check(&format!("{at}.kind"), NameKind::parse(kind))?,
                None => NameKind::Alias,
            };
            let script = match other.script.as_deref() {
                Some(script) => errors.check(&format!("{at}.script"), Script::parse(script))?,
                None => Script::detect(&name),
            };
            let language = match other.language.as_deref() {
                Some(language) => Some(errors.check(&format!("{at}.language"), text::language(language))?),
                None => None,
            };
            Some(ChildName { name, kind, script, language })
        })
        .collect()
}

fn parse_languages(errors: &mut ValidationErrors, field: &str, raw: &[String]) -> Vec<String> {
    if raw.len() > 20 {
        errors.add(field, "must list at most 20 languages");
        return Vec::new();
    }
    raw.iter().enumerate().filter_map(|(i, l)| errors.check(&format!("{field}[{i}]"), text::language(l))).collect()
}

fn parse_age(
    errors: &mut ValidationErrors,
    date_of_birth: Option<&str>,
    estimated_age: Option<i64>,
    today: NaiveDate,
) -> Option<Age> {
    match (date_of_birth, estimated_age) {
        (Some(_), Some(_)) => {
            errors.add("child.date_of_birth", "give either date_of_birth or estimated_age, not both");
            None
        }
        (None, None) => {
            errors.add("child.date_of_birth", "give date_of_birth or, when it is not known, estimated_age");
            None
        }
        (Some(raw), None) => {
            let born = errors.check("child.date_of_birth", text::date(raw))?;
            errors.check("child.date_of_birth", check_birth_date(born, today)).map(Age::Born)
        }
        (None, Some(years)) => {
            if (0..=MAX_AGE).contains(&years) {
                Some(Age::Estimated { years: years as u8 })
            } else {
                errors.add("child.estimated_age", format!("must be between 0 and {MAX_AGE} years"));
                None
            }
        }
    }
}

fn check_birth_date(born: NaiveDate, today: NaiveDate) -> Result<NaiveDate, String> {
    if born > today {
        return Err("must not be in the future".into());
    }
    if age_on(born, today) > MAX_AGE as u32 {
        return Err(format!("gives an age over {MAX_AGE} years"));
    }
    Ok(born)
}

/// Whole years between `born` and `on`.
pub fn age_on(born: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

fn parse_identification(
    errors: &mut ValidationErrors,
    input: IdentificationInput,
    today: NaiveDate,
) -> Option<Identification> {
    let date = errors
        .check("identification.date", text::date(&input.date))
        .and_then(|date| errors.check("identification.date", not_in_future(date, today)));
    let place = errors.check("identification.place", text::required(&input.place, 200));
    let channel = errors.check("identification.channel", IdentificationChannel::parse(&input.channel));
    let local_structure =
        errors.check("identification.local_structure", text::optional(input.local_structure.as_deref(), 200));
    Some(Identification { date: date?, place: place?, channel: channel?, local_structure: local_structure? })
}

fn not_in_future(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, String> {
    if date > today {
        Err("must not be in the future".into())
    } else {
        Ok(date)
    }
}

fn parse_consents(errors: &mut ValidationErrors, raw: Vec<ConsentInput>, today: NaiveDate) -> Vec<Consent> {
    if raw.len() > 20 {
        errors.add("consents", "must list at most 20 consents");
        return Vec::new();
    }
    raw.into_iter()
        .enumerate()
        .filter_map(|(i, consent)| {
            let at = format!("consents[{i}]");
            let purpose = errors.check(&format!("{at}.purpose"), ConsentPurpose::parse(&consent.purpose));
            let given_by = errors.check(&format!("{at}.given_by"), ConsentGivenBy::parse(&consent.given_by));
            let date = errors
                .check(&format!("{at}.date"), text::date(&consent.date))
                .and_then(|d| errors.check(&format!("{at}.date"), not_in_future(d, today)));
            let withheld = errors.check(&format!("{at}.withheld"), text::optional(consent.withheld.as_deref(), 1000));
            let legal_basis =
                errors.check(&format!("{at}.legal_basis"), text::optional(consent.legal_basis.as_deref(), 200));
            Some(Consent {
                purpose: purpose?,
                given_by: given_by?,
                date: date?,
                withheld: withheld?,
                legal_basis: legal_basis?,
            })
        })
        .collect()
}

/// A validated change to a case. `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CasePatch {
    pub version: i64,
    pub risk_level: Option<RiskLevel>,
    pub protection_status: Option<ProtectionStatus>,
    pub assigned_to: Option<UserId>,
    pub identification_date: Option<NaiveDate>,
    pub identification_place: Option<String>,
    pub identification_channel: Option<IdentificationChannel>,
    pub local_structure: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub other_names: Option<Vec<ChildName>>,
    pub sex: Option<Gender>,
    pub age: Option<Age>,
    pub age_disputed: Option<bool>,
    pub citizenship: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
}

impl CasePatch {
    pub fn parse(input: CasePatchInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut patch = CasePatch { version: input.version, ..Default::default() };
        if input.version < 1 {
            errors.add("version", "must be the version you read (1 or more)");
        }
        patch.risk_level = input.risk_level.as_deref().and_then(|r| errors.check("risk_level", RiskLevel::parse(r)));
        patch.protection_status = input
            .protection_status
            .as_deref()
            .and_then(|r| errors.check("protection_status", ProtectionStatus::parse(r)));
        patch.assigned_to = input.assigned_to.as_deref().and_then(|r| errors.check("assigned_to", UserId::parse(r)));
        if let Some(identification) = input.identification {
            patch.identification_date = identification
                .date
                .as_deref()
                .and_then(|d| errors.check("identification.date", text::date(d)))
                .and_then(|d| errors.check("identification.date", not_in_future(d, today)));
            patch.identification_place = identification
                .place
                .as_deref()
                .and_then(|p| errors.check("identification.place", text::required(p, 200)));
            patch.identification_channel = identification
                .channel
                .as_deref()
                .and_then(|c| errors.check("identification.channel", IdentificationChannel::parse(c)));
            patch.local_structure = identification
                .local_structure
                .as_deref()
                .and_then(|s| errors.check("identification.local_structure", text::required(s, 200)));
        }
        if let Some(child) = input.child {
            patch.given_name = child
                .given_name
                .as_deref()
                .and_then(|n| errors.check("child.given_name", text::required(n, MAX_NAME_CHARS)));
            patch.family_name = child
                .family_name
                .as_deref()
                .and_then(|n| errors.check("child.family_name", text::required(n, MAX_NAME_CHARS)));
            patch.other_names =
                child.other_names.map(|names| parse_other_names(&mut errors, "child.other_names", names));
            patch.sex = child.sex.as_deref().and_then(|s| errors.check("child.sex", Gender::parse(s)));
            if child.date_of_birth.is_some() || child.estimated_age.is_some() {
                patch.age = parse_age(&mut errors, child.date_of_birth.as_deref(), child.estimated_age, today);
            }
            patch.age_disputed = child.age_disputed;
            patch.citizenship = child.citizenship.map(|c| parse_countries(&mut errors, "child.citizenship", &c));
            patch.languages = child.languages.map(|l| parse_languages(&mut errors, "child.languages", &l));
        }
        errors.into_result(|| patch)
    }

    /// Names of the fields this patch changes, for the audit trail (never values).
    pub fn changed_fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let mut note = |changed: bool, name: &'static str| {
            if changed {
                fields.push(name);
            }
        };
        note(self.risk_level.is_some(), "risk_level");
        note(self.protection_status.is_some(), "protection_status");
        note(self.assigned_to.is_some(), "assigned_to");
        note(self.identification_date.is_some(), "identification.date");
        note(self.identification_place.is_some(), "identification.place");
        note(self.identification_channel.is_some(), "identification.channel");
        note(self.local_structure.is_some(), "identification.local_structure");
        note(self.given_name.is_some(), "child.given_name");
        note(self.family_name.is_some(), "child.family_name");
        note(self.other_names.is_some(), "child.other_names");
        note(self.sex.is_some(), "child.sex");
        note(self.age.is_some(), "child.age");
        note(self.age_disputed.is_some(), "child.age_disputed");
        note(self.citizenship.is_some(), "child.citizenship");
        note(self.languages.is_some(), "child.languages");
        fields
    }

    pub fn touches_identity(&self) -> bool {
        self.changed_fields().iter().any(|f| f.starts_with("child."))
    }
}

/// The child's identity as an authorised reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChildView {
    pub identity_id: IdentityId,
    pub given_name: String,
    pub family_name: Option<String>,
    pub other_names: Vec<ChildName>,
    pub sex: Gender,
    pub date_of_birth: Option<NaiveDate>,
    pub estimated_age: Option<u8>,
    pub age_is_estimated: bool,
    pub age_disputed: bool,
    pub citizenship: Vec<String>,
    pub languages: Vec<String>,
}

/// A case file as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: CaseId,
    pub reference: String,
    pub organisation_id: OrganisationId,
    pub assigned_to: Option<UserId>,
    pub status: CaseStatus,
    pub risk_level: RiskLevel,
    pub protection_status: Option<ProtectionStatus>,
    pub identification: Identification,
    pub consents: Vec<Consent>,
    pub child: ChildView,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// Send this back in `PATCH`; a stale one is refused with 409.
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn valid() -> NewCaseInput {
        NewCaseInput {
            child: ChildInput {
                given_name: "Arbën".into(),
                family_name: Some("Hoxha".into()),
                sex: "Masculine".into(),
                estimated_age: Some(14),
                citizenship: Some(vec!["AL".into()]),
                ..Default::default()
            },
            identification: IdentificationInput {
                date: "2026-11-20".into(),
                place: "Tirana".into(),
                channel: "outreach".into(),
                local_structure: None,
            },
            risk_level: "high".into(),
            protection_status: None,
            assigned_to: None,
            consents: None,
        }
    }

    #[test]
    fn parses_a_valid_registration() {
        let case = NewCase::parse(valid(), today()).unwrap();
        assert_eq!(case.child.age, Age::Estimated { years: 14 });
        assert_eq!(case.risk_level, RiskLevel::High);
    }

    #[test]
    fn rejects_impossible_ages() {
        let mut future = valid();
        future.child.estimated_age = None;
        future.child.date_of_birth = Some("2027-01-01".into());
        let errors = NewCase::parse(future, today()).unwrap_err();
        assert_eq!(errors.fields["child.date_of_birth"], "must not be in the future");

        for years in [-1, 26, i64::MAX] {
            let mut input = valid();
            input.child.estimated_age = Some(years);
            assert!(NewCase::parse(input, today()).unwrap_err().fields.contains_key("child.estimated_age"));
        }
    }

    #[test]
    fn age_is_counted_in_whole_years() {
        let born = NaiveDate::from_ymd_opt(2012, 11, 28).unwrap();
        assert_eq!(age_on(born, today()), 13);
        assert_eq!(age_on(born, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()), 14);
    }
}
