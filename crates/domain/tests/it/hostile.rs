//! Hostile input for every workflow parser: very long strings, NUL and other
//! control characters, dates out of any sensible range, arbitrary Unicode.
//! Every one must come back as a validation error (or, by chance, a valid
//! value), never as a panic.

use chrono::NaiveDate;
use proptest::prelude::*;
use safepath_domain::case::Age;
use safepath_domain::codes::{CaseStatus, RiskLevel, ServiceType};
use safepath_domain::ids::{CaseId, OrganisationId, UserId};
use safepath_domain::workflow::best_interest::{
    BestInterestAssessment, BestInterestAssessmentInput, BestInterestDetermination, BestInterestDeterminationInput,
    ChildsViewsInput, ElementFindingInput, PanelMemberInput,
};
use safepath_domain::workflow::closure::{ClosureRequest, ClosureRequestInput, Duplicate, DuplicateInput};
use safepath_domain::workflow::deadlines::{case_tasks, CaseTimeline, DeadlineInput, DeadlineTable, ServiceDue};
use safepath_domain::workflow::episodes::{
    ChildAge, ExploitationEpisode, ExploitationEpisodeInput, IncomeInput, MovementEpisode, MovementEpisodeInput,
    Perpetrator, PerpetratorInput, PlaceInput,
};
use safepath_domain::workflow::follow_up::{FollowUp, FollowUpInput};
use safepath_domain::workflow::indicators::{IndicatorCatalogue, IndicatorObservation, ObservationInput};
use safepath_domain::workflow::plan::ServiceStatus;
use safepath_domain::workflow::plan::{CasePlan, CasePlanInput, ServiceItemInput};
use safepath_domain::workflow::referral::{NewReferral, ReferralInput, ReferralOutcome};
use safepath_domain::workflow::standards::{StandardCheck, StandardCheckInput, StandardsList};
use safepath_domain::workflow::transfer::{NewTransfer, TransferInput};
use safepath_domain::workflow::vulnerability::{
    FactorFindingInput, VulnerabilityAssessment, VulnerabilityAssessmentInput,
};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn owner() -> OrganisationId {
    OrganisationId::parse("00000000-0000-4000-8000-000000000001").unwrap()
}

fn long() -> String {
    "x".repeat(10_000)
}

/// Strings an attacker or a corrupted file might send.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("x".repeat(10_000)),
        Just("a\0b".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("+262143-12-31".to_string()),
        Just("-262144-01-01".to_string()),
        Just("0000-00-00".to_string()),
        Just("9999-12-31".to_string()),
        Just("1900-02-29".to_string()),
        Just("2026-11-27".to_string()),
        Just("00000000-0000-4000-8000-000000000001".to_string()),
        Just("' OR 1=1 --".to_string()),
        Just("🧒".repeat(3000)),
        any::<String>(),
    ]
}

fn strings(n: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(hostile(), n)
}

fn child_ages() -> impl Strategy<Value = ChildAge> {
    prop_oneof![
        (0u8..=255).prop_map(|years| ChildAge { age: Age::Estimated { years }, recorded_on: today() }),
        (-100_000i32..100_000).prop_map(|days| ChildAge {
            age: Age::Born(today() + chrono::Duration::days(i64::from(days))),
            recorded_on: today()
        }),
        Just(ChildAge { age: Age::Born(NaiveDate::MIN), recorded_on: NaiveDate::MAX }),
        Just(ChildAge { age: Age::Estimated { years: 255 }, recorded_on: NaiveDate::MIN }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn assessments_never_panic(s in strings(12), observed: bool) {
        let _ = VulnerabilityAssessment::parse(VulnerabilityAssessmentInput {
            level: s[0].clone(),
            date: s[1].clone(),
            factors: vec![FactorFindingInput { factor: s[2].clone(), presence: s[3].clone(), note: Some(s[4].clone()) }],
            strengths: vec![s[5].clone()],
            protective_factors: vec![s[6].clone()],
            notes: Some(s[7].clone()),
        }, today());
        let _ = IndicatorObservation::parse(ObservationInput {
            indicator: s[8].clone(), observed, source: s[9].clone(), date: s[10].clone(), note: Some(s[11].clone()),
        }, &IndicatorCatalogue::defaults(), today());
    }

    #[test]
    fn best_interest_never_panics(s in strings(16)) {
        let views = |a: &String, b: &String, c: &String| ChildsViewsInput {
            in_own_words: Some(a.clone()), language: Some(b.clone()), not_heard_because: Some(c.clone()),
        };
        let _ = BestInterestAssessment::parse(BestInterestAssessmentInput {
            kind: s[0].clone(),
            date: s[1].clone(),
            childs_views: views(&s[2], &s[3], &s[4]),
            elements: vec![ElementFindingInput { element: s[5].clone(), findings: s[6].clone() }],
            recommendation: s[7].clone(),
        }, today());
        let _ = BestInterestDetermination::parse(BestInterestDeterminationInput {
            date: s[8].clone(),
            panel: s[9].clone(),
            members: vec![PanelMemberInput { name: s[10].clone(), function: s[11].clone(), organisation: Some(s[12].clone()) }],
            decision: s[13].clone(),
            durable_solution: Some(s[14].clone()),
            separation_from_parents: true,
            childs_views: views(&s[2], &s[3], &s[4]),
            review_date: s[15].clone(),
        }, today());
    }

    #[test]
    fn plans_referrals_and_transfers_never_panic(s in strings(16), amount: i64) {
        let _ = CasePlan::parse(CasePlanInput {
            goals: vec![s[0].clone()],
            services: vec![ServiceItemInput {
                service_type: s[1].clone(),
                provider_organisation_id: Some(s[2].clone()),
                provider_name: Some(s[3].clone()),
                due_date: s[4].clone(),
                status: Some(s[5].clone()),
                notes: Some(s[6].clone()),
            }],
        }, today());
        let _ = NewReferral::parse(ReferralInput {
            to_organisation: s[7].clone(),
            to_user: Some(s[8].clone()),
            reason: s[9].clone(),
            details: Some(s[10].clone()),
            service_type: s[11].clone(),
            sections: vec![s[12].clone()],
            access_until: s[13].clone(),
        }, &owner(), today());
        let _ = ReferralOutcome::parse(&s[14]);
        let _ = NewTransfer::parse(TransferInput {
            to_organisation: s[7].clone(),
            from_country: s[8].clone(),
            to_country: s[9].clone(),
            reason: s[10].clone(),
            details: Some(s[15].clone()),
            separates_from_parents: false,
        }, &owner());
        let _ = DeadlineTable::parse(vec![DeadlineInput { risk_level: s[0].clone(), step: s[1].clone(), minutes: amount }]);
    }

    #[test]
    fn episodes_never_panic(s in strings(18), child in child_ages(), amount: i64) {
        let place = PlaceInput { description: s[0].clone(), country: s[1].clone() };
        let _ = ExploitationEpisode::parse(ExploitationEpisodeInput {
            form: s[2].clone(),
            sector: Some(s[3].clone()),
            place: place.clone(),
            start_date: s[4].clone(),
            end_date: Some(s[5].clone()),
            dates_approximate: true,
            income: Some(IncomeInput { amount, currency: s[6].clone(), period: s[7].clone() }),
            income_taken_by: Some(s[8].clone()),
            means_of_control: vec![s[9].clone()],
            recruitment: vec![s[10].clone()],
            relation_to_recruiter: Some(s[11].clone()),
            relation_detail: Some(s[12].clone()),
            visibility: s[13].clone(),
            notes: Some(s[14].clone()),
        }, &child, today());
        let _ = MovementEpisode::parse(MovementEpisodeInput {
            stage: s[2].clone(),
            place,
            start_date: s[4].clone(),
            end_date: Some(s[5].clone()),
            dates_approximate: false,
            accompanied_by: s[6].clone(),
            legal_status: s[7].clone(),
            route: Some(s[8].clone()),
            notes: Some(s[9].clone()),
        }, &child, today());
        let _ = Perpetrator::parse(PerpetratorInput {
            roles: vec![s[15].clone()],
            relation_to_child: Some(s[16].clone()),
            relation_detail: Some(s[17].clone()),
            description: s[0].clone(),
            episode_ids: vec![s[1].clone()],
        });
    }

    #[test]
    fn small_records_never_panic(s in strings(8)) {
        let user = UserId::parse("00000000-0000-4000-8000-000000000003").unwrap();
        let _ = StandardCheck::parse(StandardCheckInput {
            key: s[0].clone(), status: s[1].clone(), date: s[2].clone(), note: Some(s[3].clone()),
        }, &StandardsList::defaults(), &user, today());
        let _ = FollowUp::parse(FollowUpInput {
            due_date: s[4].clone(), done_date: Some(s[5].clone()), kind: s[6].clone(), notes: Some(s[7].clone()), outcome: Some(s[0].clone()),
        }, today());
        let _ = ClosureRequest::parse(ClosureRequestInput { reason: Some(s[1].clone()), details: Some(s[2].clone()) });
        let case = CaseId::parse("00000000-0000-4000-8000-000000000004").unwrap();
        let _ = Duplicate::parse(DuplicateInput { duplicate_of: s[3].clone() }, &case);
    }
}

fn instants() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
    prop_oneof![
        Just(chrono::DateTime::<chrono::Utc>::MIN_UTC),
        Just(chrono::DateTime::<chrono::Utc>::MAX_UTC),
        (-10_000_000_000i64..10_000_000_000).prop_map(|s| chrono::DateTime::from_timestamp(s, 0).unwrap()),
    ]
}

fn dates() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![Just(NaiveDate::MIN), Just(NaiveDate::MAX), instants().prop_map(|t| t.date_naive())]
}

proptest! {
    /// Deadlines over any instants, however extreme, give tasks sorted by due
    /// time, and never panic.
    #[test]
    fn deadlines_never_panic(
        status in prop::sample::select(CaseStatus::ALL.to_vec()),
        risk in prop::sample::select(RiskLevel::ALL.to_vec()),
        registered in instants(),
        optional in prop::collection::vec(prop::option::of(instants()), 4),
        scheduled in prop::collection::vec(dates(), 0..3),
        service_dates in prop::collection::vec(dates(), 0..3),
        review in prop::option::of(dates()),
        now in instants(),
    ) {
        let case = CaseTimeline {
            status,
            risk_level: risk,
            registered_at: registered,
            assigned_at: optional[0],
            first_response_at: optional[1],
            case_plan_approved_at: optional[2],
            last_follow_up_at: optional[3],
            scheduled_follow_ups: scheduled,
            services: service_dates
                .into_iter()
                .map(|due_date| ServiceDue { service_type: ServiceType::Medical, due_date, status: ServiceStatus::Planned })
                .collect(),
            bid_review_date: review,
        };
        let tasks = case_tasks(&case, &DeadlineTable::defaults(), now);
        prop_assert!(tasks.windows(2).all(|pair| pair[0].due_at <= pair[1].due_at));
        prop_assert!(tasks.iter().all(|t| t.overdue == (t.due_at < now)));
    }
}

/// The same hostile values, each in a field of an otherwise valid input, must
/// be refused with that field named.
#[test]
fn hostile_values_are_refused_by_field() {
    for bad in [long(), "a\0b".to_string(), "\u{7}".to_string()] {
        let mut input = VulnerabilityAssessmentInput {
            level: "individual".into(),
            date: "2026-11-01".into(),
            notes: Some(bad.clone()),
            ..Default::default()
        };
        assert!(VulnerabilityAssessment::parse(input.clone(), today()).unwrap_err().fields.contains_key("notes"));
        input.notes = None;
        input.strengths = vec![bad.clone()];
        assert!(VulnerabilityAssessment::parse(input, today()).unwrap_err().fields.contains_key("strengths[0]"));

        let outcome = ReferralOutcome::parse(&bad).unwrap_err();
        assert!(outcome.fields.contains_key("outcome"));

        let closure = ClosureRequest::parse(ClosureRequestInput {
            reason: Some("goals_achieved".into()),
            details: Some(bad.clone()),
        })
        .unwrap_err();
        assert!(closure.fields.contains_key("details"));

        let perpetrator = Perpetrator::parse(PerpetratorInput {
            roles: vec!["Exploiter".into()],
            description: bad.clone(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(perpetrator.fields.contains_key("description"));
    }
}

#[test]
fn out_of_range_dates_are_refused_by_field() {
    for date in ["+262143-12-31", "-262144-01-01", "1899-12-31", "2026-11-28", "2026-02-30", "27/11/2026", ""] {
        let input =
            VulnerabilityAssessmentInput { level: "individual".into(), date: date.into(), ..Default::default() };
        assert!(VulnerabilityAssessment::parse(input, today()).unwrap_err().fields.contains_key("date"), "{date}");
        let episode = ExploitationEpisodeInput {
            form: "begging".into(),
            place: PlaceInput { description: "Tirana".into(), country: "AL".into() },
            start_date: date.into(),
            visibility: "visible".into(),
            ..Default::default()
        };
        let child = ChildAge { age: Age::Estimated { years: 12 }, recorded_on: today() };
        let errors = ExploitationEpisode::parse(episode, &child, today()).unwrap_err();
        assert!(errors.fields.contains_key("start_date"), "{date}");
    }
}
