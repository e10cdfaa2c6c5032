//! The best-interest assessment (BIA, every case) and the best-interest
//! determination (BID, a panel's decision before durable solutions and
//! separation), after the UNHCR/UNICEF procedure and CRC General Comment 14.
//!
//! Both record the child's views in the child's own words: a summary written
//! by an adult in the adult's words is not the child being heard. When the
//! child could not be heard (too young, too unwell), the reason is recorded
//! instead, so that silence is never mistaken for agreement.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::code_list;
use crate::workflow::fields::{self, CHILDS_WORDS, LONG_TEXT, SHORT_TEXT};
use crate::workflow::rules::DurableSolution;
use crate::{text, ValidationErrors};

/// The latest review date a determination may set, in days from today.
pub const MAX_REVIEW_DAYS: u32 = 730;
/// A panel has at least this many members: one person is not a panel.
pub const MIN_PANEL_MEMBERS: usize = 2;

code_list!(
    /// How deep a best-interest assessment goes.
    BiaKind {
        /// A first, rapid assessment (for example on identification).
        Short = "short",
        /// The full assessment, covering every element.
        Comprehensive = "comprehensive",
    }
);

code_list!(
    /// The elements of CRC General Comment 14 (§52–79) a best-interest
    /// assessment weighs. The child's views, also an element, have a field of
    /// their own ([`ChildsViews`]).
    Gc14Element {
        Identity = "identity",
        FamilyEnvironment = "family_environment",
        Care = "care",
        ProtectionAndSafety = "protection_and_safety",
        Vulnerability = "vulnerability",
        Health = "health",
        Education = "education",
    }
);

/// The child's views as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildsViewsInput {
    /// What the child said, in their own words (possibly translated: say so
    /// in `language`).
    pub in_own_words: Option<String>,
    /// ISO 639: the language the child spoke.
    pub language: Option<String>,
    /// Why the child could not be heard, when they could not.
    pub not_heard_because: Option<String>,
}

/// The child's views, or why they could not be heard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "heard", rename_all = "snake_case")]
pub enum ChildsViews {
    Heard { in_own_words: String, language: Option<String> },
    NotHeard { because: String },
}

impl ChildsViews {
    pub(crate) fn parse(errors: &mut ValidationErrors, field: &str, input: ChildsViewsInput) -> Option<ChildsViews> {
        let words =
            fields::optional(errors, &format!("{field}.in_own_words"), input.in_own_words.as_deref(), CHILDS_WORDS)?;
        let because = fields::optional(
            errors,
            &format!("{field}.not_heard_because"),
            input.not_heard_because.as_deref(),
            LONG_TEXT,
        )?;
        let language = match input.language.as_deref() {
            Some(raw) => Some(errors.check(&format!("{field}.language"), text::language(raw))?),
            None => None,
        };
        match (words, because) {
            (Some(in_own_words), None) => Some(ChildsViews::Heard { in_own_words, language }),
            (None, Some(because)) => Some(ChildsViews::NotHeard { because }),
            (Some(_), Some(_)) => {
                errors.add(field, "give the child's words or why they could not be heard, not both");
                None
            }
            (None, None) => {
                errors
                    .add(field, "the child's views, in their own words, are required (or why they could not be heard)");
                None
            }
        }
    }
}

/// One element's findings, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementFindingInput {
    pub element: String,
    pub findings: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ElementFinding {
    pub element: Gc14Element,
    pub findings: String,
}

/// A best-interest assessment as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BestInterestAssessmentInput {
    /// `short` or `comprehensive`.
    pub kind: String,
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    pub childs_views: ChildsViewsInput,
    pub elements: Vec<ElementFindingInput>,
    pub recommendation: String,
}

/// A validated best-interest assessment. Approval is a separate record
/// ([`crate::workflow::approval::Approval`] of kind `bia`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BestInterestAssessment {
    pub kind: BiaKind,
    pub date: NaiveDate,
    pub childs_views: ChildsViews,
    pub elements: Vec<ElementFinding>,
    pub recommendation: String,
}

impl BiaKind {
    /// The elements an assessment of this kind must cover. A short one covers
    /// at least protection and safety (why it is done in a hurry); a
    /// comprehensive one covers them all.
    pub fn required_elements(self) -> &'static [Gc14Element] {
        match self {
            BiaKind::Short => &[Gc14Element::ProtectionAndSafety],
            BiaKind::Comprehensive => Gc14Element::ALL,
        }
    }
}

impl BestInterestAssessment {
    pub fn parse(input: BestInterestAssessmentInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check("kind", BiaKind::parse(&input.kind));
        let date = fields::past_date(&mut errors, "date", &input.date, today);
        let childs_views = ChildsViews::parse(&mut errors, "childs_views", input.childs_views);
        let elements = parse_elements(&mut errors, input.elements);
        if let Some(kind) = kind {
            let missing: Vec<&str> = kind
                .required_elements()
                .iter()
                .filter(|e| !elements.iter().any(|f| f.element == **e))
                .map(|e| e.as_str())
                .collect();
            if !missing.is_empty() {
                errors.add("elements", format!("a {kind} assessment must cover: {}", missing.join(", ")));
            }
        }
        let recommendation = fields::required(&mut errors, "recommendation", &input.recommendation, LONG_TEXT);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(BestInterestAssessment {
            kind: kind.expect("no errors"),
            date: date.expect("no errors"),
            childs_views: childs_views.expect("no errors"),
            elements,
            recommendation: recommendation.expect("no errors"),
        })
    }
}

fn parse_elements(errors: &mut ValidationErrors, raw: Vec<ElementFindingInput>) -> Vec<ElementFinding> {
    if raw.len() > Gc14Element::ALL.len() {
        errors.add("elements", format!("must list each element at most once ({} in all)", Gc14Element::ALL.len()));
        return Vec::new();
    }
    let mut found: Vec<ElementFinding> = Vec::new();
    for (i, input) in raw.into_iter().enumerate() {
        let at = format!("elements[{i}]");
        let element = errors.check(&format!("{at}.element"), Gc14Element::parse(&input.element));
        let findings = fields::required(errors, &format!("{at}.findings"), &input.findings, LONG_TEXT);
        if let (Some(element), Some(findings)) = (element, findings) {
            if found.iter().any(|f| f.element == element) {
                errors.add(format!("{at}.element"), "is listed twice");
            } else {
                found.push(ElementFinding { element, findings });
            }
        }
    }
    found.sort_by_key(|f| f.element);
    found
}

/// A panel member as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelMemberInput {
    pub name: String,
    /// What they bring: social worker, psychologist, legal guardian…
    pub function: String,
    pub organisation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PanelMember {
    pub name: String,
    pub function: String,
    pub organisation: Option<String>,
}

/// A best-interest determination as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BestInterestDeterminationInput {
    /// `YYYY-MM-DD` of the panel's meeting, not in the future.
    pub date: String,
    /// The panel's name (e.g. "Tirana BID panel").
    pub panel: String,
    pub members: Vec<PanelMemberInput>,
    /// The decision and its reasons.
    pub decision: String,
    /// The durable solution decided, if the decision is one.
    pub durable_solution: Option<String>,
    /// The decision separates the child from their parents against their will.
    #[serde(default)]
    pub separation_from_parents: bool,
    pub childs_views: ChildsViewsInput,
    /// `YYYY-MM-DD`: when the panel looks at the decision again.
    pub review_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BestInterestDetermination {
    pub date: NaiveDate,
    pub panel: String,
    pub members: Vec<PanelMember>,
    pub decision: String,
    pub durable_solution: Option<DurableSolution>,
    pub separation_from_parents: bool,
    pub childs_views: ChildsViews,
    pub review_date: NaiveDate,
}

impl BestInterestDetermination {
    pub fn parse(input: BestInterestDeterminationInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let date = fields::past_date(&mut errors, "date", &input.date, today);
        let panel = fields::required(&mut errors, "panel", &input.panel, SHORT_TEXT);
        let members = parse_members(&mut errors, input.members);
        let decision = fields::required(&mut errors, "decision", &input.decision, LONG_TEXT);
        let durable_solution = match input.durable_solution.as_deref() {
            Some(raw) => errors.check("durable_solution", DurableSolution::parse(raw)).map(Some),
            None => Some(None),
        };
        let childs_views = ChildsViews::parse(&mut errors, "childs_views", input.childs_views);
        let review_date = fields::future_date(&mut errors, "review_date", &input.review_date, today, MAX_REVIEW_DAYS);
        if let (Some(date), Some(review)) = (date, review_date) {
            if review <= date {
                errors.add("review_date", "must be after the date of the determination");
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(BestInterestDetermination {
            date: date.expect("no errors"),
            panel: panel.expect("no errors"),
            members,
            decision: decision.expect("no errors"),
            durable_solution: durable_solution.expect("no errors"),
            separation_from_parents: input.separation_from_parents,
            childs_views: childs_views.expect("no errors"),
            review_date: review_date.expect("no errors"),
        })
    }
}

fn parse_members(errors: &mut ValidationErrors, raw: Vec<PanelMemberInput>) -> Vec<PanelMember> {
    if raw.len() < MIN_PANEL_MEMBERS {
        errors.add("members", format!("a panel has at least {MIN_PANEL_MEMBERS} members"));
    }
    if !fields::bounded(errors, "members", raw.len()) {
        return Vec::new();
    }
    raw.into_iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let at = format!("members[{i}]");
            let name = fields::required(errors, &format!("{at}.name"), &m.name, SHORT_TEXT);
            let function = fields::required(errors, &format!("{at}.function"), &m.function, SHORT_TEXT);
            let organisation =
                fields::optional(errors, &format!("{at}.organisation"), m.organisation.as_deref(), SHORT_TEXT);
            Some(PanelMember { name: name?, function: function?, organisation: organisation? })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn heard() -> ChildsViewsInput {
        ChildsViewsInput {
            in_own_words: Some("I want to go to school and not back to the street.".into()),
            language: Some("sq".into()),
            not_heard_because: None,
        }
    }

    fn element(name: &str) -> ElementFindingInput {
        ElementFindingInput { element: name.into(), findings: "Findings.".into() }
    }

    pub(crate) fn bia() -> BestInterestAssessmentInput {
        BestInterestAssessmentInput {
            kind: "short".into(),
            date: "2026-11-25".into(),
            childs_views: heard(),
            elements: vec![element("protection_and_safety")],
            recommendation: "Interim care in the shelter; comprehensive BIA within two weeks.".into(),
        }
    }

    #[test]
    fn a_short_bia_covers_safety_a_comprehensive_one_everything() {
        assert!(BestInterestAssessment::parse(bia(), today()).is_ok());
        let mut comprehensive = bia();
        comprehensive.kind = "comprehensive".into();
        let errors = BestInterestAssessment::parse(comprehensive.clone(), today()).unwrap_err();
        assert!(errors.fields["elements"].contains("family_environment"));
        comprehensive.elements = Gc14Element::ALL.iter().rev().map(|e| element(e.as_str())).collect();
        let parsed = BestInterestAssessment::parse(comprehensive, today()).unwrap();
        assert_eq!(parsed.elements[0].element, Gc14Element::Identity);
    }

    #[test]
    fn the_childs_views_are_required_in_their_words_or_why_not() {
        let mut silent = bia();
        silent.childs_views = ChildsViewsInput::default();
        assert!(BestInterestAssessment::parse(silent, today()).unwrap_err().fields.contains_key("childs_views"));
        let mut too_young = bia();
        too_young.childs_views =
            ChildsViewsInput { not_heard_because: Some("Two years old".into()), ..Default::default() };
        let parsed = BestInterestAssessment::parse(too_young, today()).unwrap();
        assert!(matches!(parsed.childs_views, ChildsViews::NotHeard { .. }));
    }

    #[test]
    fn rejects_repeated_and_unknown_elements() {
        let mut input = bia();
        input.elements = vec![element("protection_and_safety"), element("protection_and_safety"), element("mood")];
        let errors = BestInterestAssessment::parse(input, today()).unwrap_err();
        assert!(errors.fields.contains_key("elements[1].element"));
        assert!(errors.fields.contains_key("elements[2].element"));
    }

    fn bid() -> BestInterestDeterminationInput {
        BestInterestDeterminationInput {
            date: "2026-11-26".into(),
            panel: "Tirana BID panel".into(),
            members: vec![
                PanelMemberInput { name: "A. Berisha".into(), function: "social worker".into(), organisation: None },
                PanelMemberInput { name: "E. Kola".into(), function: "guardian".into(), organisation: None },
            ],
            decision: "Return to the mother in Elbasan with family support.".into(),
            durable_solution: Some("return".into()),
            separation_from_parents: false,
            childs_views: heard(),
            review_date: "2027-05-26".into(),
        }
    }

    #[test]
    fn parses_a_determination() {
        let parsed = BestInterestDetermination::parse(bid(), today()).unwrap();
        assert_eq!(parsed.durable_solution, Some(DurableSolution::Return));
        let mut lonely = bid();
        lonely.members.truncate(1);
        lonely.review_date = "2026-11-01".into();
        lonely.durable_solution = Some("anywhere".into());
        let errors = BestInterestDetermination::parse(lonely, today()).unwrap_err();
        assert_eq!(errors.fields.keys().collect::<Vec<_>>(), ["durable_solution", "members", "review_date"]);
    }
}
