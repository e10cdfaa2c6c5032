//! A child's history: episodes of exploitation (the circle of exploitation,
//! PRODUCT.md §5), episodes of movement (children on the move, §9), and the
//! perpetrators linked to them.
//!
//! Exploitation is a timeline, not a label: a child moves between markets
//! (begging, then sexual exploitation), and the age at which each began is
//! what prevention needs to know. The age at start is therefore *derived*
//! from the child's date of birth or estimated age, never typed in, so that it
//! cannot contradict the identity record.
//!
//! Perpetrator records are restricted (a permission of their own,
//! [`crate::policy::Permission::ReadPerpetrators`]) and never part of any
//! aggregate export.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::{age_on, Age};
use crate::codes::code_list;
use crate::ids::EpisodeId;
use crate::workflow::fields::{self, LONG_TEXT, SHORT_TEXT};
use crate::{text, ValidationErrors};

code_list!(
    /// Forms of exploitation, with the child-specific detail DOMAIN.md asks
    /// for. [`ExploitationForm::htcds_type`] gives HTCDS `TypeOfExploitation`.
    ExploitationForm {
        Begging = "begging",
        StreetVending = "street_vending",
        DomesticServitude = "domestic_servitude",
        AgriculturalLabour = "agricultural_labour",
        Construction = "construction",
        Factory = "factory",
        Mining = "mining",
        Fishing = "fishing",
        /// Drug trade and other forced criminality.
        ForcedCriminality = "forced_criminality",
        SexualExploitation = "sexual_exploitation",
        OnlineSexualExploitation = "online_sexual_exploitation",
        ForcedMarriage = "forced_marriage",
        ArmedGroups = "armed_groups",
        Other = "other",
    }
);

code_list!(
    /// HTCDS `vic_TypeOfExploitation`.
    HtcdsExploitationType {
        ForcedLabour = "ForcedLabour",
        SexualExploitation = "SexualExploitation",
        ChildLabour = "ChildLabour",
        ForcedMarriage = "ForcedMarriage",
        Servitude = "Servitude",
        ForcedMilitaryByNonStateActors = "ForcedMilitaryByNonStateActors",
        OrganRemoval = "OrganRemoval",
        ForcedBegging = "ForcedBegging",
        ForcedAdoption = "ForcedAdoption",
        Surrogacy = "Surrogacy",
        Other = "Other",
    }
);

impl ExploitationForm {
    /// The HTCDS type this form exports as. Children's labour in the worst
    /// forms (mines, fishing boats, forced criminality) is forced labour;
    /// street vending with no sign of coercion is child labour.
    pub fn htcds_type(self) -> HtcdsExploitationType {
        use ExploitationForm::*;
        match self {
            Begging => HtcdsExploitationType::ForcedBegging,
            StreetVending => HtcdsExploitationType::ChildLabour,
            DomesticServitude => HtcdsExploitationType::Servitude,
            AgriculturalLabour | Construction | Factory | Mining | Fishing | ForcedCriminality => {
                HtcdsExploitationType::ForcedLabour
            }
            SexualExploitation | OnlineSexualExploitation => HtcdsExploitationType::SexualExploitation,
            ForcedMarriage => HtcdsExploitationType::ForcedMarriage,
            ArmedGroups => HtcdsExploitationType::ForcedMilitaryByNonStateActors,
            Other => HtcdsExploitationType::Other,
        }
    }

    /// Whether this is labour, for which an ISIC sector is recorded.
    pub fn is_labour(self) -> bool {
        matches!(self.htcds_type(), HtcdsExploitationType::ForcedLabour | HtcdsExploitationType::ChildLabour)
            || self == ExploitationForm::DomesticServitude
    }
}

code_list!(
    /// HTCDS `vic_ForcedLabourIndustry`: ISIC Rev.4 sections.
    IsicSection {
        A = "A_AgricultureForestryAndFishing",
        B = "B_MiningAndQuarrying",
        C = "C_Manufacturing",
        D = "D_ElectricityGasSteamAndAirConditioningSupply",
        E = "E_WaterSupplySewerageWasteManagement",
        F = "F_Construction",
        G = "G_WholesaleAndRetailTradeRepairOfMotorVehicles",
        H = "H_TransportationAndStorage",
        I = "I_AccommodationAndFoodServiceActivities",
        J = "J_InformationAndCommunication",
        K = "K_FinancialAndInsuranceActivities",
        L = "L_RealEstateActivities",
        M = "M_ProfessionalScientificAndTechnicalActivities",
        N = "N_AdministrativeAndSupportServiceActivities",
        O = "O_PublicAdministrationAndDefence",
        P = "P_Education",
        Q = "Q_HumanHealthAndSocialWorkActivities",
        R = "R_ArtsEntertainmentAndRecreation",
        S = "S_OtherServiceActivities",
        T = "T_ActivitiesOfHouseholdsAsEmployers",
        U = "U_ActivitiesOfExtraterritorialOrganizations",
    }
);

code_list!(
    /// HTCDS `vic_MethodsOfControl` (with `RestrictsMovement` and
    /// `UsesChildren`, defined in the standard's field definitions).
    MethodOfControl {
        PhysicalThreats = "PhysicalThreats",
        ThreatsLawEnforcement = "ThreatsLawEnforcement",
        ThreatensChildrenFamily = "ThreatensChildrenFamily",
        DebtBondage = "DebtBondage",
        FalsePromises = "FalsePromises",
        PhysicalAbuse = "PhysicalAbuse",
        SexualAbuse = "SexualAbuse",
        TakesEarnings = "TakesEarnings",
        RestrictsFinancialAccess = "RestrictsFinancialAccess",
        RestrictsMedicalCare = "RestrictsMedicalCare",
        WithholdsNecessities = "WithholdsNecessities",
        PsychologicalAbuse = "PsychologicalAbuse",
        PsychoactiveSubstance = "PsychoactiveSubstance",
        ExcessiveWorkingHours = "ExcessiveWorkingHours",
        WithholdsDocuments = "WithholdsDocuments",
        RestrictsMovement = "RestrictsMovement",
        UsesChildren = "UsesChildren",
        Other = "Other",
    }
);

code_list!(
    /// HTCDS `vic_MethodOfRecruitment`.
    RecruitmentMethod {
        AtAPlaceOfBusiness = "AtAPlaceOfBusiness",
        AtAnEducationalInstitution = "AtAnEducationalInstitution",
        AtWork = "AtWork",
        ThroughOnlineSocialNetworks = "ThroughOnlineSocialNetworks",
        ThroughAnOnlineAdvertisement = "ThroughAnOnlineAdvertisement",
        ThroughATelevisionAdvert = "ThroughATelevisionAdvert",
        ThroughANewspaperAdvert = "ThroughANewspaperAdvert",
        ThroughFamilyOrFamilyEvents = "ThroughFamilyOrFamilyEvents",
        ThroughFriendsOrSocialEvents = "ThroughFriendsOrSocialEvents",
        Other = "Other",
    }
);

code_list!(
    /// HTCDS `vic_RelationshipToTrafficker` (the standard's own spelling).
    RelationToChild {
        Familial = "Familial",
        Acquainted = "Acquainted",
        Unacquainted = "Unaquainted",
    }
);

code_list!(
    /// Who took the money the child earned.
    IncomeTakenBy {
        /// The child kept it.
        Child = "child",
        /// The child kept part of it.
        ChildInPart = "child_in_part",
        Family = "family",
        Exploiter = "exploiter",
        Intermediary = "intermediary",
        Unknown = "unknown",
    }
);

code_list!(
    /// The period an income amount is counted over.
    IncomePeriod {
        Day = "day",
        Week = "week",
        Month = "month",
        Total = "total",
    }
);

code_list!(
    /// Whether the exploitation was in public view (street, market) or hidden
    /// (private homes, online, closed premises): PRODUCT.md asks to track its
    /// growing hidden character.
    Visibility {
        Visible = "visible",
        Hidden = "hidden",
    }
);

/// What is known of the child's age, for deriving ages at past dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildAge {
    pub age: Age,
    /// When an estimated age was recorded (an estimate is an age *then*).
    pub recorded_on: NaiveDate,
}

/// An age derived at some date, flagged when it rests on an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DerivedAge {
    pub years: u32,
    pub estimated: bool,
}

impl ChildAge {
    /// The child's age on `on`, or `None` when `on` is before the child was
    /// born (as far as we know).
    pub fn at(&self, on: NaiveDate) -> Option<DerivedAge> {
        match self.age {
            Age::Born(born) => (on >= born).then(|| DerivedAge { years: age_on(born, on), estimated: false }),
            Age::Estimated { years } => {
                let years_before = if on <= self.recorded_on { age_on(on, self.recorded_on) as i64 } else { 0 };
                let years_after = if on > self.recorded_on { age_on(self.recorded_on, on) as i64 } else { 0 };
                let age = i64::from(years) - years_before + years_after;
                (age >= 0).then_some(DerivedAge { years: age as u32, estimated: true })
            }
        }
    }
}

/// Money earned, as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomeInput {
    /// Whole units of `currency`.
    pub amount: i64,
    /// ISO 4217, e.g. `EUR`, `NPR`.
    pub currency: String,
    pub period: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Income {
    pub amount: u64,
    pub currency: String,
    pub period: IncomePeriod,
}

/// The largest amount accepted: anything more is a typing error.
pub const MAX_INCOME: i64 = 1_000_000_000;

fn parse_income(errors: &mut ValidationErrors, input: IncomeInput) -> Option<Income> {
    let amount = if (0..=MAX_INCOME).contains(&input.amount) {
        Some(input.amount as u64)
    } else {
        errors.add("income.amount", format!("must be between 0 and {MAX_INCOME}"));
        None
    };
    let currency = input.currency.trim().to_ascii_uppercase();
    let currency = if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Some(currency)
    } else {
        errors.add("income.currency", "must be an ISO 4217 currency code such as \"EUR\"");
        None
    };
    let period = errors.check("income.period", IncomePeriod::parse(&input.period));
    Some(Income { amount: amount?, currency: currency?, period: period? })
}

/// A place, as received: free text and its country.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    pub description: String,
    /// ISO 3166-1 alpha-2 or alpha-3.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Place {
    pub description: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

fn parse_place(errors: &mut ValidationErrors, input: PlaceInput) -> Option<Place> {
    let description = fields::required(errors, "place.description", &input.description, SHORT_TEXT);
    let country = errors.check("place.country", text::country(&input.country));
    Some(Place { description: description?, country: country? })
}

/// Start and end of an episode, checked against each other, today and the
/// child's birth.
fn parse_period(
    errors: &mut ValidationErrors,
    start: &str,
    end: Option<&str>,
    today: NaiveDate,
    child: &ChildAge,
) -> Option<(NaiveDate, Option<NaiveDate>, DerivedAge)> {
    let start = fields::past_date(errors, "start_date", start, today);
    let end = fields::optional_past_date(errors, "end_date", end, today);
    fields::ordered(errors, "end_date", start, end.flatten());
    let start = start?;
    let Some(age) = child.at(start) else {
        errors.add("start_date", "is before the child was born");
        return None;
    };
    Some((start, end?, age))
}

/// An exploitation episode as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExploitationEpisodeInput {
    pub form: String,
    /// ISIC section (HTCDS wire name), for labour.
    pub sector: Option<String>,
    pub place: PlaceInput,
    /// `YYYY-MM-DD`; when only roughly known, the first of the month or year
    /// and `dates_approximate`.
    pub start_date: String,
    /// Absent while it goes on.
    pub end_date: Option<String>,
    #[serde(default)]
    pub dates_approximate: bool,
    pub income: Option<IncomeInput>,
    pub income_taken_by: Option<String>,
    #[serde(default)]
    pub means_of_control: Vec<String>,
    #[serde(default)]
    pub recruitment: Vec<String>,
    pub relation_to_recruiter: Option<String>,
    /// In the child's or caseworker's words: "uncle", "neighbour's son".
    pub relation_detail: Option<String>,
    pub visibility: String,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ExploitationEpisode {
    pub form: ExploitationForm,
    pub sector: Option<IsicSection>,
    pub place: Place,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub dates_approximate: bool,
    /// Derived from the child's age: never entered.
    pub age_at_start: DerivedAge,
    pub income: Option<Income>,
    pub income_taken_by: Option<IncomeTakenBy>,
    pub means_of_control: Vec<MethodOfControl>,
    pub recruitment: Vec<RecruitmentMethod>,
    pub relation_to_recruiter: Option<RelationToChild>,
    pub relation_detail: Option<String>,
    pub visibility: Visibility,
    pub notes: Option<String>,
}

impl ExploitationEpisode {
    pub fn parse(
        input: ExploitationEpisodeInput,
        child: &ChildAge,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let form = errors.check("form", ExploitationForm::parse(&input.form));
        let sector = match input.sector.as_deref() {
            Some(raw) => errors.check("sector", IsicSection::parse(raw)).map(Some),
            None => Some(None),
        };
        if let (Some(form), Some(Some(_))) = (form, sector) {
            if !form.is_labour() {
                errors.add("sector", format!("applies to labour only, not to \"{form}\""));
            }
        }
        let place = parse_place(&mut errors, input.place);
        let period = parse_period(&mut errors, &input.start_date, input.end_date.as_deref(), today, child);
        let income = match input.income {
            Some(raw) => parse_income(&mut errors, raw).map(Some),
            None => Some(None),
        };
        let income_taken_by = match input.income_taken_by.as_deref() {
            Some(raw) => errors.check("income_taken_by", IncomeTakenBy::parse(raw)).map(Some),
            None => Some(None),
        };
        let means_of_control =
            fields::code_set(&mut errors, "means_of_control", &input.means_of_control, MethodOfControl::parse);
        let recruitment = fields::code_set(&mut errors, "recruitment", &input.recruitment, RecruitmentMethod::parse);
        let relation_to_recruiter = match input.relation_to_recruiter.as_deref() {
            Some(raw) => errors.check("relation_to_recruiter", RelationToChild::parse(raw)).map(Some),
            None => Some(None),
        };
        let relation_detail =
            fields::optional(&mut errors, "relation_detail", input.relation_detail.as_deref(), SHORT_TEXT);
        let visibility = errors.check("visibility", Visibility::parse(&input.visibility));
        let notes = fields::optional(&mut errors, "notes", input.notes.as_deref(), LONG_TEXT);
        if !errors.is_empty() {
            return Err(errors);
        }
        let (start_date, end_date, age_at_start) = period.expect("no errors");
        Ok(ExploitationEpisode {
            form: form.expect("no errors"),
            sector: sector.expect("no errors"),
            place: place.expect("no errors"),
            start_date,
            end_date,
            dates_approximate: input.dates_approximate,
            age_at_start,
            income: income.expect("no errors"),
            income_taken_by: income_taken_by.expect("no errors"),
            means_of_control,
            recruitment,
            relation_to_recruiter: relation_to_recruiter.expect("no errors"),
            relation_detail: relation_detail.expect("no errors"),
            visibility: visibility.expect("no errors"),
            notes: notes.expect("no errors"),
        })
    }

    /// Whether it still goes on.
    pub fn is_ongoing(&self) -> bool {
        self.end_date.is_none()
    }
}

/// The transitions between forms in one child's history, in time order: the
/// circle of exploitation made visible ("begging → sexual exploitation at 13").
pub fn form_transitions(episodes: &[ExploitationEpisode]) -> Vec<(ExploitationForm, ExploitationForm, DerivedAge)> {
    let mut ordered: Vec<&ExploitationEpisode> = episodes.iter().collect();
    ordered.sort_by_key(|e| e.start_date);
    ordered
        .windows(2)
        .filter(|pair| pair[0].form != pair[1].form)
        .map(|pair| (pair[0].form, pair[1].form, pair[1].age_at_start))
        .collect()
}

code_list!(
    /// Where on the journey a movement episode is.
    MovementStage {
        Departure = "departure",
        Transit = "transit",
        Destination = "destination",
        Return = "return",
    }
);

code_list!(
    /// Who the child travelled with.
    AccompaniedBy {
        Alone = "alone",
        Parent = "parent",
        Relative = "relative",
        Peers = "peers",
        /// A smuggler, trafficker or other intermediary.
        Intermediary = "intermediary",
        OtherAdult = "other_adult",
        Unknown = "unknown",
    }
);

code_list!(
    /// The child's legal status in a place (HTCDS migration and protection
    /// guidance, which defines no field names).
    LegalStatus {
        National = "national",
        RegularMigrant = "regular_migrant",
        Irregular = "irregular",
        AsylumSeeker = "asylum_seeker",
        Refugee = "refugee",
        ComplementaryProtection = "complementary_protection",
        Stateless = "stateless",
        InternallyDisplaced = "internally_displaced",
        Returnee = "returnee",
        Unknown = "unknown",
    }
);

/// A movement episode as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementEpisodeInput {
    pub stage: String,
    pub place: PlaceInput,
    /// `YYYY-MM-DD`: arrival (or departure, for the first stage).
    pub start_date: String,
    pub end_date: Option<String>,
    #[serde(default)]
    pub dates_approximate: bool,
    pub accompanied_by: String,
    pub legal_status: String,
    /// The corridor or route, e.g. "Western Balkans route via Kakavija".
    pub route: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MovementEpisode {
    pub stage: MovementStage,
    pub place: Place,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub dates_approximate: bool,
    pub age_at_start: DerivedAge,
    pub accompanied_by: AccompaniedBy,
    pub legal_status: LegalStatus,
    pub route: Option<String>,
    pub notes: Option<String>,
}

impl MovementEpisode {
    pub fn parse(input: MovementEpisodeInput, child: &ChildAge, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let stage = errors.check("stage", MovementStage::parse(&input.stage));
        let place = parse_place(&mut errors, input.place);
        let period = parse_period(&mut errors, &input.start_date, input.end_date.as_deref(), today, child);
        let accompanied_by = errors.check("accompanied_by", AccompaniedBy::parse(&input.accompanied_by));
        let legal_status = errors.check("legal_status", LegalStatus::parse(&input.legal_status));
        let route = fields::optional(&mut errors, "route", input.route.as_deref(), SHORT_TEXT);
        let notes = fields::optional(&mut errors, "notes", input.notes.as_deref(), LONG_TEXT);
        if !errors.is_empty() {
            return Err(errors);
        }
        let (start_date, end_date, age_at_start) = period.expect("no errors");
        Ok(MovementEpisode {
            stage: stage.expect("no errors"),
            place: place.expect("no errors"),
            start_date,
            end_date,
            dates_approximate: input.dates_approximate,
            age_at_start,
            accompanied_by: accompanied_by.expect("no errors"),
            legal_status: legal_status.expect("no errors"),
            route: route.expect("no errors"),
            notes: notes.expect("no errors"),
        })
    }
}

code_list!(
    /// HTCDS `per_RoleInProcess`.
    PerpetratorRole {
        TravellingPartner = "TravellingPartner",
        Transporter = "Transporter",
        RecruiterOrIntermediary = "RecruiterOrIntermediary",
        BrokerTravelAgent = "BrokerTravelAgent",
        TransferredIndividual = "TransferredIndividual",
        HarbouredIndividual = "HarbouredIndividual",
        SoldIndividual = "SoldIndividual",
        BoughtIndividual = "BoughtIndividual",
        ReceivedIndividual = "ReceivedIndividual",
        ControlledIndividual = "ControlledIndividual",
        Smuggler = "Smuggler",
        Abuser = "Abuser",
        Kidnapper = "Kidnapper",
        Exploiter = "Exploiter",
        Other = "Other",
    }
);

/// A perpetrator record as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PerpetratorInput {
    pub roles: Vec<String>,
    pub relation_to_child: Option<String>,
    pub relation_detail: Option<String>,
    /// What is known: description, names used, where they operate.
    pub description: String,
    /// The episodes (exploitation or movement) this person took part in.
    #[serde(default)]
    pub episode_ids: Vec<String>,
}

/// A perpetrator: restricted, never in any aggregate or export of statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Perpetrator {
    pub roles: Vec<PerpetratorRole>,
    pub relation_to_child: Option<RelationToChild>,
    pub relation_detail: Option<String>,
    pub description: String,
    pub episode_ids: BTreeSet<EpisodeId>,
}

impl Perpetrator {
    pub fn parse(input: PerpetratorInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let roles = fields::code_set(&mut errors, "roles", &input.roles, PerpetratorRole::parse);
        if input.roles.is_empty() {
            errors.add("roles", "must name at least one role (Other when unsure)");
        }
        let relation_to_child = match input.relation_to_child.as_deref() {
            Some(raw) => errors.check("relation_to_child", RelationToChild::parse(raw)).map(Some),
            None => Some(None),
        };
        let relation_detail =
            fields::optional(&mut errors, "relation_detail", input.relation_detail.as_deref(), SHORT_TEXT);
        let description = fields::required(&mut errors, "description", &input.description, LONG_TEXT);
        let episode_ids = if fields::bounded(&mut errors, "episode_ids", input.episode_ids.len()) {
            input
                .episode_ids
                .iter()
                .enumerate()
                .filter_map(|(i, raw)| errors.check(&format!("episode_ids[{i}]"), EpisodeId::parse(raw)))
                .collect()
        } else {
            BTreeSet::new()
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Perpetrator {
            roles,
            relation_to_child: relation_to_child.expect("no errors"),
            relation_detail: relation_detail.expect("no errors"),
            description: description.expect("no errors"),
            episode_ids,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn born_2012() -> ChildAge {
        ChildAge { age: Age::Born(NaiveDate::from_ymd_opt(2012, 3, 15).unwrap()), recorded_on: today() }
    }

    fn episode(form: &str, start: &str) -> ExploitationEpisodeInput {
        ExploitationEpisodeInput {
            form: form.into(),
            place: PlaceInput { description: "Tirana, Blloku".into(), country: "ALB".into() },
            start_date: start.into(),
            visibility: "visible".into(),
            ..Default::default()
        }
    }

    #[test]
    fn age_at_start_is_derived() {
        let parsed = ExploitationEpisode::parse(episode("begging", "2020-06-01"), &born_2012(), today()).unwrap();
        assert_eq!(parsed.age_at_start, DerivedAge { years: 8, estimated: false });
        assert_eq!(parsed.place.country, "AL");
        let estimated = ChildAge { age: Age::Estimated { years: 14 }, recorded_on: today() };
        let parsed = ExploitationEpisode::parse(episode("begging", "2022-11-27"), &estimated, today()).unwrap();
        assert_eq!(parsed.age_at_start, DerivedAge { years: 10, estimated: true });
        let errors = ExploitationEpisode::parse(episode("begging", "2010-01-01"), &born_2012(), today()).unwrap_err();
        assert_eq!(errors.fields["start_date"], "is before the child was born");
        let errors = ExploitationEpisode::parse(episode("begging", "1995-01-01"), &estimated, today()).unwrap_err();
        assert_eq!(errors.fields["start_date"], "is before the child was born");
    }

    #[test]
    fn estimated_ages_move_with_time() {
        let estimated = ChildAge { age: Age::Estimated { years: 14 }, recorded_on: today() };
        assert_eq!(estimated.at(NaiveDate::from_ymd_opt(2027, 11, 27).unwrap()).unwrap().years, 15);
        assert_eq!(estimated.at(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).unwrap().years, 14);
        assert_eq!(estimated.at(NaiveDate::from_ymd_opt(2025, 11, 26).unwrap()).unwrap().years, 13);
    }

    #[test]
    fn the_circle_of_exploitation_is_visible() {
        let begging = ExploitationEpisode::parse(episode("begging", "2020-06-01"), &born_2012(), today()).unwrap();
        let sexual =
            ExploitationEpisode::parse(episode("sexual_exploitation", "2025-06-01"), &born_2012(), today()).unwrap();
        let transitions = form_transitions(&[sexual, begging]);
        assert_eq!(transitions.len(), 1);
        assert_eq!(transitions[0].0, ExploitationForm::Begging);
        assert_eq!(transitions[0].2.years, 13);
        assert_eq!(ExploitationForm::ArmedGroups.htcds_type().as_str(), "ForcedMilitaryByNonStateActors");
    }

    #[test]
    fn rejects_bad_episodes_per_field() {
        let mut bad = episode("sexual_exploitation", "2026-12-01");
        bad.end_date = Some("2020-01-01".into());
        bad.sector = Some("A_AgricultureForestryAndFishing".into());
        bad.income = Some(IncomeInput { amount: -5, currency: "euro".into(), period: "hour".into() });
        bad.means_of_control = vec!["DebtBondage".into(), "Magic".into()];
        bad.visibility = "partly".into();
        bad.place.country = "XX".into();
        let errors = ExploitationEpisode::parse(bad, &born_2012(), today()).unwrap_err();
        assert_eq!(
            errors.fields.keys().collect::<Vec<_>>(),
            [
                "income.amount",
                "income.currency",
                "income.period",
                "means_of_control[1]",
                "place.country",
                "sector",
                "start_date",
                "visibility"
            ]
        );
    }

    #[test]
    fn parses_movements_and_perpetrators() {
        let input = MovementEpisodeInput {
            stage: "transit".into(),
            place: PlaceInput { description: "Kakavija border crossing".into(), country: "AL".into() },
            start_date: "2025-07-01".into(),
            end_date: Some("2025-07-02".into()),
            accompanied_by: "intermediary".into(),
            legal_status: "irregular".into(),
            route: Some("Western Balkans route".into()),
            ..Default::default()
        };
        let movement = MovementEpisode::parse(input, &born_2012(), today()).unwrap();
        assert_eq!(movement.age_at_start.years, 13);

        let perpetrator = Perpetrator::parse(PerpetratorInput {
            roles: vec!["RecruiterOrIntermediary".into(), "Exploiter".into(), "Exploiter".into()],
            relation_to_child: Some("Acquainted".into()),
            description: "Man in his thirties known as 'Dini'".into(),
            episode_ids: vec!["00000000-0000-4000-8000-000000000001".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(perpetrator.roles.len(), 2);
        let errors = Perpetrator::parse(PerpetratorInput {
            episode_ids: vec!["not-an-id".into()],
            relation_to_child: Some("Unacquainted".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            errors.fields.keys().collect::<Vec<_>>(),
            ["description", "episode_ids[0]", "relation_to_child", "roles"]
        );
    }
}
