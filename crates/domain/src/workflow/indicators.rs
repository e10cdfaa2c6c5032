//! Trafficking and forced-labour indicators (DOMAIN.md, IndicatorObservation;
//! `shared/standards/codelists.md` §4).
//!
//! A catalogue lists indicators by framework, dimension and weight (the
//! ILO/EC "Delphi" operational indicators weigh each strong, medium or weak).
//! Caseworkers record observations; [`screen`] computes, per dimension and
//! overall, what the observations *suggest*.
//!
//! Architecture Invariant: screening never decides trafficking status. Its
//! result is a [`ScreeningSuggestion`] for a supervisor to read, with no
//! conversion to [`TraffickingStatus`]; the
//! status is recorded only through [`TraffickingStatusDecision::record`], by a
//! person, with the type of organisation that decided it. A score is not an
//! identification, and a child wrongly labelled — either way — is harmed.
//!
//! The weights and the combination rule come from a secondary source
//! (codelists.md marks them unverified), so both are data: the catalogue is
//! configurable and so is the [`ScreeningRule`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::{code_list, TraffickingStatus};
use crate::ids::UserId;
use crate::policy::{self, Actor, Permission};
use crate::workflow::fields::{self, LONG_TEXT, SHORT_TEXT};
use crate::workflow::machine::{Refusal, RefusalCode};
use crate::ValidationErrors;

code_list!(
    /// Where an indicator comes from.
    IndicatorFramework {
        /// ILO, 11 indicators of forced labour (2012).
        IloForcedLabour = "ilo_forced_labour_2012",
        /// ILO/EC operational indicators, child trafficking for labour exploitation (2009).
        IloChildLabourExploitation = "ilo_ec_child_labour_2009",
        /// ILO/EC operational indicators, child trafficking for sexual exploitation (2009).
        IloChildSexualExploitation = "ilo_ec_child_sexual_2009",
        /// An organisation's own indicator.
        Local = "local",
    }
);

code_list!(
    /// The six dimensions of the ILO/EC operational indicators.
    IndicatorDimension {
        DeceptiveRecruitment = "deceptive_recruitment",
        CoerciveRecruitment = "coercive_recruitment",
        RecruitmentByAbuseOfVulnerability = "recruitment_by_abuse_of_vulnerability",
        ExploitativeConditions = "exploitative_conditions",
        CoercionAtDestination = "coercion_at_destination",
        AbuseOfVulnerabilityAtDestination = "abuse_of_vulnerability_at_destination",
    }
);

impl IndicatorDimension {
    pub fn is_recruitment(self) -> bool {
        matches!(
            self,
            IndicatorDimension::DeceptiveRecruitment
                | IndicatorDimension::CoerciveRecruitment
                | IndicatorDimension::RecruitmentByAbuseOfVulnerability
        )
    }

    /// Coercion or abuse of vulnerability at destination: the "means".
    pub fn is_means(self) -> bool {
        matches!(
            self,
            IndicatorDimension::CoercionAtDestination | IndicatorDimension::AbuseOfVulnerabilityAtDestination
        )
    }
}

code_list!(
    /// How strongly an indicator points to trafficking.
    IndicatorWeight {
        Strong = "strong",
        Medium = "medium",
        Weak = "weak",
    }
);

/// The code of an indicator in a catalogue: lower-case ASCII, digits, `_`, `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct IndicatorCode(String);

impl IndicatorCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim();
        let valid = !code.is_empty()
            && code.len() <= 64
            && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
        if valid {
            Ok(IndicatorCode(code.to_string()))
        } else {
            Err("must be 1 to 64 lower-case letters, digits, \"_\" or \".\"".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    pub code: IndicatorCode,
    pub framework: IndicatorFramework,
    pub dimension: IndicatorDimension,
    pub weight: IndicatorWeight,
    pub label: String,
}

/// One catalogue entry as configured.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorInput {
    pub code: String,
    pub framework: String,
    pub dimension: String,
    pub weight: String,
    pub label: String,
}

/// The indicators an organisation screens with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IndicatorCatalogue(Vec<Indicator>);

/// Most indicators one catalogue may hold.
pub const MAX_CATALOGUE: usize = 500;

impl IndicatorCatalogue {
    /// The strong indicators for children that `codelists.md` lists from the
    /// ILO/EC child-labour list. Marked there as from a secondary source:
    /// check the primary document (ILO WCMS_105023) and add the medium and
    /// weak ones through [`IndicatorCatalogue::parse`] before relying on it.
    pub fn defaults() -> Self {
        use IndicatorDimension as D;
        let strong = |code: &str, dimension: IndicatorDimension, label: &str| Indicator {
            code: IndicatorCode(code.into()),
            framework: IndicatorFramework::IloChildLabourExploitation,
            dimension,
            weight: IndicatorWeight::Strong,
            label: label.into(),
        };
        IndicatorCatalogue(vec![
            strong(
                "child_labour.deceived_nature_of_job",
                D::DeceptiveRecruitment,
                "Deceived about the nature of the job",
            ),
            strong("child_labour.deceived_education", D::DeceptiveRecruitment, "Deceived about access to education"),
            strong("child_labour.violence_recruitment", D::CoerciveRecruitment, "Violence used at recruitment"),
            strong("child_labour.threats_recruitment", D::CoerciveRecruitment, "Threats used at recruitment"),
            strong(
                "child_labour.abduction_sale_marriage",
                D::CoerciveRecruitment,
                "Abduction, sale or forced marriage",
            ),
            strong("child_labour.debt_bondage", D::CoercionAtDestination, "Debt bondage"),
            strong("child_labour.excessive_hours", D::ExploitativeConditions, "Excessive working hours"),
            strong("child_labour.confiscated_documents", D::CoercionAtDestination, "Identity documents confiscated"),
            strong("child_labour.isolation", D::CoercionAtDestination, "Isolation at destination"),
            strong("child_labour.forced_illicit_activity", D::CoercionAtDestination, "Forced into illicit activities"),
        ])
    }

    pub fn parse(input: Vec<IndicatorInput>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if input.len() > MAX_CATALOGUE {
            errors.add("indicators", format!("must list at most {MAX_CATALOGUE} indicators"));
            return Err(errors);
        }
        let mut list: Vec<Indicator> = Vec::new();
        for (i, item) in input.into_iter().enumerate() {
            let at = |f: &str| format!("indicators[{i}].{f}");
            let code = errors.check(&at("code"), IndicatorCode::parse(&item.code));
            let framework = errors.check(&at("framework"), IndicatorFramework::parse(&item.framework));
            let dimension = errors.check(&at("dimension"), IndicatorDimension::parse(&item.dimension));
            let weight = errors.check(&at("weight"), IndicatorWeight::parse(&item.weight));
            let label = fields::required(&mut errors, &at("label"), &item.label, SHORT_TEXT);
            if let (Some(code), Some(framework), Some(dimension), Some(weight), Some(label)) =
                (code, framework, dimension, weight, label)
            {
                if list.iter().any(|known| known.code == code) {
                    errors.add(at("code"), "is listed twice");
                } else {
                    list.push(Indicator { code, framework, dimension, weight, label });
                }
            }
        }
        errors.into_result(|| IndicatorCatalogue(list))
    }

    pub fn indicators(&self) -> &[Indicator] {
        &self.0
    }

    pub fn get(&self, code: &IndicatorCode) -> Option<&Indicator> {
        self.0.iter().find(|i| &i.code == code)
    }
}

/// An observation as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationInput {
    pub indicator: String,
    /// `true`: seen; `false`: looked for and not seen.
    pub observed: bool,
    /// How it is known: interview with the child, document, police report…
    pub source: String,
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    pub note: Option<String>,
}

/// Deserialize is for reading back what the store wrote (validated then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndicatorObservation {
    pub indicator: IndicatorCode,
    pub observed: bool,
    pub source: String,
    pub date: NaiveDate,
    pub note: Option<String>,
}

impl IndicatorObservation {
    pub fn parse(
        input: ObservationInput,
        catalogue: &IndicatorCatalogue,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let indicator = errors.check("indicator", IndicatorCode::parse(&input.indicator));
        if let Some(code) = &indicator {
            if catalogue.get(code).is_none() {
                errors.add("indicator", "is not in the organisation's indicator catalogue");
            }
        }
        let source = fields::required(&mut errors, "source", &input.source, SHORT_TEXT);
        let date = fields::past_date(&mut errors, "date", &input.date, today);
        let note = fields::optional(&mut errors, "note", input.note.as_deref(), LONG_TEXT);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(IndicatorObservation {
            indicator: indicator.expect("no errors"),
            observed: input.observed,
            source: source.expect("no errors"),
            date: date.expect("no errors"),
            note: note.expect("no errors"),
        })
    }
}

/// How many indicators of each weight were observed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WeightCounts {
    pub strong: u32,
    pub medium: u32,
    pub weak: u32,
}

impl WeightCounts {
    /// Whether these counts reach `threshold` in every weight.
    pub fn reaches(&self, threshold: &WeightCounts) -> bool {
        self.strong >= threshold.strong && self.medium >= threshold.medium && self.weak >= threshold.weak
    }
}

/// When a dimension counts as positive, and what the overall result needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScreeningRule {
    /// A dimension is positive when its counts reach any of these.
    pub dimension_positive_when: Vec<WeightCounts>,
    /// Whether "means" (coercion or abuse of vulnerability at destination) are
    /// needed besides recruitment and exploitation. Not for children: under
    /// the Palermo Protocol the act and the purpose suffice.
    pub require_means: bool,
}

impl ScreeningRule {
    /// The ILO/EC rule as codelists.md summarises it, for children.
    pub fn children() -> Self {
        let counts = |strong, medium, weak| WeightCounts { strong, medium, weak };
        ScreeningRule {
            dimension_positive_when: vec![
                counts(2, 0, 0),
                counts(1, 1, 0),
                counts(1, 0, 1),
                counts(0, 3, 0),
                counts(0, 2, 1),
            ],
            require_means: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DimensionResult {
    pub dimension: IndicatorDimension,
    pub observed: WeightCounts,
    pub positive: bool,
}

code_list!(
    /// What the observations suggest, for a supervisor to weigh. Not a status.
    ScreeningSuggestion {
        /// Recruitment and exploitation dimensions are positive (and means,
        /// where the rule asks for them): consider identifying the child as a
        /// possible victim of trafficking.
        ConsiderIdentification = "consider_identification",
        /// Some indicators were observed, not enough for the rule.
        IndicatorsPresent = "indicators_present",
        /// Nothing observed.
        NoIndicators = "no_indicators",
    }
);

/// The screening a supervisor reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScreeningResult {
    pub dimensions: Vec<DimensionResult>,
    pub suggestion: ScreeningSuggestion,
    /// In English: which dimensions are positive and what is missing.
    pub explanation: String,
}

/// Screens a case's observations against `catalogue` with `rule`. For each
/// indicator only the latest observation counts (by date; on the same date,
/// the later in `observations`), so a "not observed" after a closer look
/// replaces an earlier "observed". Observations of indicators no longer in
/// the catalogue are ignored.
pub fn screen(
    catalogue: &IndicatorCatalogue,
    observations: &[IndicatorObservation],
    rule: &ScreeningRule,
) -> ScreeningResult {
    let mut latest: BTreeMap<&IndicatorCode, &IndicatorObservation> = BTreeMap::new();
    for observation in observations {
        if latest.get(&observation.indicator).is_none_or(|seen| seen.date <= observation.date) {
            latest.insert(&observation.indicator, observation);
        }
    }
    let mut counts: BTreeMap<IndicatorDimension, WeightCounts> = BTreeMap::new();
    for observation in latest.values().filter(|o| o.observed) {
        let Some(indicator) = catalogue.get(&observation.indicator) else { continue };
        let entry = counts.entry(indicator.dimension).or_default();
        match indicator.weight {
            IndicatorWeight::Strong => entry.strong += 1,
            IndicatorWeight::Medium => entry.medium += 1,
            IndicatorWeight::Weak => entry.weak += 1,
        }
    }
    let dimensions: Vec<DimensionResult> = IndicatorDimension::ALL
        .iter()
        .map(|&dimension| {
            let observed = counts.get(&dimension).copied().unwrap_or_default();
            let positive = rule.dimension_positive_when.iter().any(|t| observed.reaches(t));
            DimensionResult { dimension, observed, positive }
        })
        .collect();
    let positive = |test: fn(IndicatorDimension) -> bool| dimensions.iter().any(|d| d.positive && test(d.dimension));
    let recruitment = positive(IndicatorDimension::is_recruitment);
    let exploitation = positive(|d| d == IndicatorDimension::ExploitativeConditions);
    let means = positive(IndicatorDimension::is_means);
    let any_observed = dimensions.iter().any(|d| d.observed != WeightCounts::default());
    let suggestion = if recruitment && exploitation && (means || !rule.require_means) {
        ScreeningSuggestion::ConsiderIdentification
    } else if any_observed {
        ScreeningSuggestion::IndicatorsPresent
    } else {
        ScreeningSuggestion::NoIndicators
    };
    let positives: Vec<&str> = dimensions.iter().filter(|d| d.positive).map(|d| d.dimension.as_str()).collect();
    let mut missing = Vec::new();
    if !recruitment {
        missing.push("a recruitment dimension");
    }
    if !exploitation {
        missing.push("exploitative conditions");
    }
    if rule.require_means && !means {
        missing.push("coercion or abuse of vulnerability at destination");
    }
    let explanation = format!(
        "positive dimensions: {}; {}. A screening suggests; a person decides the child's trafficking status.",
        if positives.is_empty() { "none".to_string() } else { positives.join(", ") },
        if missing.is_empty() { "the rule is met".to_string() } else { format!("missing: {}", missing.join(", ")) },
    );
    ScreeningResult { dimensions, suggestion, explanation }
}

code_list!(
    /// HTCDS `vic_TraffickingStatusDecisionMakingOrg`.
    DecisionMakingOrg {
        Police = "Police",
        Ngo = "NGO",
        CourtOrProsecution = "CourtOrProsecution",
        NonPoliceGovernmentalOrganization = "NonPoliceGovernmentalOrganization",
        Other = "Other",
    }
);

/// A trafficking-status decision as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TraffickingStatusInput {
    pub status: String,
    pub decided_by_org_type: String,
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    pub note: Option<String>,
}

/// A person's record of the child's trafficking status: the only way a
/// status enters a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TraffickingStatusDecision {
    pub status: TraffickingStatus,
    pub decided_by_org_type: DecisionMakingOrg,
    pub date: NaiveDate,
    pub recorded_by: UserId,
    pub note: Option<String>,
}

/// Why a status decision could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusDecisionError {
    #[error(transparent)]
    Refused(Refusal),
    #[error(transparent)]
    Invalid(ValidationErrors),
}

impl TraffickingStatusDecision {
    /// Records a decision (the organisation's own, or one made by police, a
    /// court…) by `actor`, who must be allowed to record case work.
    pub fn record(input: TraffickingStatusInput, actor: &Actor, today: NaiveDate) -> Result<Self, StatusDecisionError> {
        if !policy::role_may(actor.role, Permission::RecordCaseWork) {
            return Err(StatusDecisionError::Refused(Refusal::new(
                RefusalCode::RoleNotPermitted,
                format!("a {} may not record a trafficking status", actor.role),
            )));
        }
        let mut errors = ValidationErrors::new();
        let status = errors.check("status", TraffickingStatus::parse(&input.status));
        let org = errors.check("decided_by_org_type", DecisionMakingOrg::parse(&input.decided_by_org_type));
        let date = fields::past_date(&mut errors, "date", &input.date, today);
        let note = fields::optional(&mut errors, "note", input.note.as_deref(), LONG_TEXT);
        if !errors.is_empty() {
            return Err(StatusDecisionError::Invalid(errors));
        }
        Ok(TraffickingStatusDecision {
            status: status.expect("no errors"),
            decided_by_org_type: org.expect("no errors"),
            date: date.expect("no errors"),
            recorded_by: actor.user_id.clone(),
            note: note.expect("no errors"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn observe(code: &str, observed: bool, date: &str) -> IndicatorObservation {
        let input = ObservationInput {
            indicator: code.into(),
            observed,
            source: "interview with the child".into(),
            date: date.into(),
            note: None,
        };
        IndicatorObservation::parse(input, &IndicatorCatalogue::defaults(), today()).unwrap()
    }

    fn catalogue_with_medium() -> IndicatorCatalogue {
        let mut list = IndicatorCatalogue::defaults().0;
        list.push(Indicator {
            code: IndicatorCode::parse("local.no_pay").unwrap(),
            framework: IndicatorFramework::Local,
            dimension: IndicatorDimension::ExploitativeConditions,
            weight: IndicatorWeight::Medium,
            label: "No pay".into(),
        });
        IndicatorCatalogue(list)
    }

    #[test]
    fn nothing_observed_suggests_nothing() {
        let result = screen(&IndicatorCatalogue::defaults(), &[], &ScreeningRule::children());
        assert_eq!(result.suggestion, ScreeningSuggestion::NoIndicators);
        assert_eq!(result.dimensions.len(), 6);
    }

    #[test]
    fn recruitment_and_exploitation_suffice_for_children() {
        let catalogue = catalogue_with_medium();
        let mut observations = vec![
            observe("child_labour.deceived_nature_of_job", true, "2026-11-20"),
            observe("child_labour.deceived_education", true, "2026-11-20"),
            observe("child_labour.excessive_hours", true, "2026-11-20"),
        ];
        let result = screen(&catalogue, &observations, &ScreeningRule::children());
        assert_eq!(result.suggestion, ScreeningSuggestion::IndicatorsPresent);
        assert!(result.explanation.contains("missing: exploitative conditions"));

        observations.push(IndicatorObservation {
            indicator: IndicatorCode::parse("local.no_pay").unwrap(),
            observed: true,
            source: "child".into(),
            date: today(),
            note: None,
        });
        let result = screen(&catalogue, &observations, &ScreeningRule::children());
        assert_eq!(result.suggestion, ScreeningSuggestion::ConsiderIdentification);
        // With means required (the adult rule), the same is not enough.
        let adult = ScreeningRule { require_means: true, ..ScreeningRule::children() };
        assert_eq!(screen(&catalogue, &observations, &adult).suggestion, ScreeningSuggestion::IndicatorsPresent);
        // A later "not observed" replaces an earlier "observed".
        observations.push(observe("child_labour.deceived_education", false, "2026-11-25"));
        let result = screen(&catalogue, &observations, &ScreeningRule::children());
        assert_eq!(result.suggestion, ScreeningSuggestion::IndicatorsPresent);
    }

    #[test]
    fn observations_are_checked_against_the_catalogue() {
        let input = ObservationInput {
            indicator: "made.up".into(),
            observed: true,
            source: "\0".into(),
            date: "2027-01-01".into(),
            note: Some("x".repeat(10_000)),
        };
        let errors = IndicatorObservation::parse(input, &IndicatorCatalogue::defaults(), today()).unwrap_err();
        assert_eq!(errors.fields.keys().collect::<Vec<_>>(), ["date", "indicator", "note", "source"]);
        let bad = vec![IndicatorInput {
            code: "A B".into(),
            framework: "x".into(),
            dimension: "y".into(),
            weight: "heavy".into(),
            label: String::new(),
        }];
        assert_eq!(IndicatorCatalogue::parse(bad).unwrap_err().fields.len(), 5);
    }

    #[test]
    fn a_status_is_recorded_by_a_person_only() {
        let actor = |role| Actor {
            user_id: UserId::parse("00000000-0000-4000-8000-000000000001").unwrap(),
            organisation_id: crate::ids::OrganisationId::parse("00000000-0000-4000-8000-000000000002").unwrap(),
            role,
        };
        let input = || TraffickingStatusInput {
            status: "PossibleVictimOfTrafficking".into(),
            decided_by_org_type: "NGO".into(),
            date: "2026-11-26".into(),
            note: None,
        };
        assert!(TraffickingStatusDecision::record(input(), &actor(crate::codes::Role::Supervisor), today()).is_ok());
        assert!(matches!(
            TraffickingStatusDecision::record(input(), &actor(crate::codes::Role::Analyst), today()),
            Err(StatusDecisionError::Refused(_))
        ));
    }
}
