//! The story, through the domain API alone: what the store and the
//! server will do, minus the database and HTTP. It doubles as an example of
//! how the pieces are meant to be called.

use chrono::{NaiveDate, TimeZone, Utc};
use safepath_domain::case::Consent;
use safepath_domain::codes::{ApprovalKind, CaseStatus, ConsentGivenBy, ConsentPurpose, RiskLevel, Role};
use safepath_domain::ids::{CaseId, OrganisationId, UserId};
use safepath_domain::policy::Actor;
use safepath_domain::workflow::approval::{currently_approved, Approval, ApprovalInput, DecisionError};
use safepath_domain::workflow::best_interest::{
    BestInterestAssessment, BestInterestAssessmentInput, BestInterestDetermination, BestInterestDeterminationInput,
    ChildsViewsInput, ElementFindingInput, PanelMemberInput,
};
use safepath_domain::workflow::closure::{ClosureRequest, ClosureRequestInput};
use safepath_domain::workflow::deadlines::{case_tasks, CaseTimeline, DeadlineTable, TaskKind};
use safepath_domain::workflow::indicators::{
    screen, IndicatorCatalogue, IndicatorObservation, ObservationInput, ScreeningRule, ScreeningSuggestion,
};
use safepath_domain::workflow::plan::{CasePlan, CasePlanInput, ServiceItem, ServiceItemInput};
use safepath_domain::workflow::referral::{
    referral_transition, CaseSection, NewReferral, ReferralAccess, ReferralAction, ReferralInput, ReferralOutcome,
    ReferralSide, ReferralStatus,
};
use safepath_domain::workflow::rules::{check_decision_allowed, DeterminedDecision, DurableSolution};
use safepath_domain::workflow::transfer::{NewTransfer, TransferInput};
use safepath_domain::workflow::vulnerability::{
    FactorFindingInput, VulnerabilityAssessment, VulnerabilityAssessmentInput,
};
use safepath_domain::workflow::{perform, Action, Facts, RefusalCode, SharingBasis};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn id(n: u8) -> String {
    format!("00000000-0000-4000-8000-0000000000{n:02}")
}

fn actor(role: Role, user: u8, org: u8) -> Actor {
    Actor {
        user_id: UserId::parse(&id(user)).unwrap(),
        organisation_id: OrganisationId::parse(&id(org)).unwrap(),
        role,
    }
}

#[test]
fn from_identification_to_closure_across_a_border() {
    let caseworker = actor(Role::Caseworker, 10, 1);
    let supervisor = actor(Role::Supervisor, 11, 1);
    let greek_ngo = OrganisationId::parse(&id(2)).unwrap();
    let mut facts = Facts::default();
    let step = |role: Role, status: CaseStatus, action: Action, facts: &Facts| perform(role, status, action, facts);

    // Registered from an alert, then assessed.
    let mut status = step(Role::Caseworker, CaseStatus::Identified, Action::Register, &facts).unwrap();
    status = step(Role::Caseworker, status, Action::StartAssessment, &facts).unwrap();
    let assessment = VulnerabilityAssessment::parse(
        VulnerabilityAssessmentInput {
            level: "individual".into(),
            date: "2026-11-02".into(),
            factors: vec![FactorFindingInput {
                factor: "irregular_status".into(),
                presence: "present".into(),
                note: Some("No documents in Greece".into()),
            }],
            strengths: vec!["Speaks Greek and Albanian".into()],
            ..Default::default()
        },
        day(2),
    )
    .unwrap();
    assert_eq!(assessment.present().count(), 1);

    // Indicators: the screening suggests, nobody's status changes.
    let catalogue = IndicatorCatalogue::defaults();
    let observations: Vec<IndicatorObservation> =
        ["child_labour.deceived_nature_of_job", "child_labour.threats_recruitment", "child_labour.excessive_hours"]
            .iter()
            .map(|code| {
                let input = ObservationInput {
                    indicator: code.to_string(),
                    observed: true,
                    source: "interview".into(),
                    date: "2026-11-02".into(),
                    note: None,
                };
                IndicatorObservation::parse(input, &catalogue, day(2)).unwrap()
            })
            .collect();
    let screening = screen(&catalogue, &observations, &ScreeningRule::children());
    assert_eq!(screening.suggestion, ScreeningSuggestion::IndicatorsPresent);

    // Immediate protection may start at once; education may not.
    let shelter = ServiceItem::parse(
        ServiceItemInput {
            service_type: "immediate_protection".into(),
            provider_name: Some("Shelter".into()),
            due_date: "2026-11-02".into(),
            ..Default::default()
        },
        day(2),
    )
    .unwrap();
    assert!(shelter.check_allowed(facts.bia_approved).is_ok());

    // The BIA, and its approval: a caseworker may not, a supervisor may.
    status = step(Role::Caseworker, status, Action::StartBestInterest, &facts).unwrap();
    let _bia = BestInterestAssessment::parse(
        BestInterestAssessmentInput {
            kind: "short".into(),
            date: "2026-11-03".into(),
            childs_views: ChildsViewsInput {
                in_own_words: Some("Dua të shkoj në shkollë.".into()),
                language: Some("sq".into()),
                not_heard_because: None,
            },
            elements: vec![ElementFindingInput {
                element: "protection_and_safety".into(),
                findings: "Safe in the shelter".into(),
            }],
            recommendation: "Plan education and legal aid".into(),
        },
        day(3),
    )
    .unwrap();
    let refused = step(Role::Caseworker, status, Action::StartCasePlan, &facts).unwrap_err();
    assert_eq!(refused.code, RefusalCode::BiaNotApproved);
    assert!(CasePlan::check_allowed(facts.bia_approved).is_err());
    let approve = || ApprovalInput { decision: "approved".into(), comment: None };
    assert!(matches!(
        Approval::decide(ApprovalKind::BestInterestAssessment, approve(), &caseworker, day(3)),
        Err(DecisionError::Refused(_))
    ));
    let approvals =
        vec![Approval::decide(ApprovalKind::BestInterestAssessment, approve(), &supervisor, day(3)).unwrap()];
    facts.bia_approved = currently_approved(&approvals, ApprovalKind::BestInterestAssessment);
    status = step(Role::Caseworker, status, Action::StartCasePlan, &facts).unwrap();

    // The plan, its approval, services.
    let plan = CasePlan::parse(
        CasePlanInput {
            goals: vec!["Safe return to school".into()],
            services: vec![ServiceItemInput {
                service_type: "legal_assistance".into(),
                provider_organisation_id: Some(greek_ngo.to_string()),
                due_date: "2026-11-20".into(),
                ..Default::default()
            }],
        },
        day(4),
    )
    .unwrap();
    assert!(plan.services.iter().all(|s| s.check_allowed(facts.bia_approved).is_ok()));
    assert_eq!(
        step(Role::Caseworker, status, Action::StartImplementation, &facts).unwrap_err().code,
        RefusalCode::CasePlanNotApproved
    );
    facts.case_plan_approved =
        Approval::decide(ApprovalKind::CasePlan, approve(), &supervisor, day(4)).unwrap().is_approved();
    status = step(Role::Caseworker, status, Action::StartImplementation, &facts).unwrap();
    assert_eq!(status, CaseStatus::Implementation);

    // A referral: refused without consent, sent with it, read within limits.
    let referral = NewReferral::parse(
        ReferralInput {
            to_organisation: greek_ngo.to_string(),
            reason: "AdditionalServicesRequired".into(),
            service_type: "legal_assistance".into(),
            sections: vec!["summary".into(), "case_plan".into()],
            access_until: "2026-12-31".into(),
            ..Default::default()
        },
        &caseworker.organisation_id,
        day(5),
    )
    .unwrap();
    let no_consent = SharingBasis::from_consents(&[], None).unwrap_err();
    assert_eq!(no_consent.code, RefusalCode::ConsentRequired);
    let consents = vec![Consent {
        purpose: ConsentPurpose::Sharing,
        given_by: ConsentGivenBy::Guardian,
        date: day(5),
        withheld: None,
        legal_basis: None,
    }];
    let basis = SharingBasis::from_consents(&consents, None).unwrap();
    referral.check_may_send(Role::Caseworker, Some(&basis), facts.bia_approved).unwrap();
    let accepted =
        referral_transition(ReferralStatus::Requested, ReferralAction::Accept, ReferralSide::Receiver, None).unwrap();
    let access =
        ReferralAccess { status: accepted, sections: referral.sections.clone(), access_until: referral.access_until };
    assert!(access.receiver_may_read(CaseSection::CasePlan, day(6)));
    assert!(!access.receiver_may_read(CaseSection::Identity, day(6)));
    assert!(!access.receiver_may_read(CaseSection::CasePlan, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    let outcome = ReferralOutcome::parse("Asylum lawyer assigned").unwrap();
    let completed =
        referral_transition(accepted, ReferralAction::Complete, ReferralSide::Receiver, Some(&outcome)).unwrap();
    assert_eq!(completed, ReferralStatus::Completed);

    // The transfer across the border: receiver acceptance and a BID first.
    let transfer = NewTransfer::parse(
        TransferInput {
            to_organisation: greek_ngo.to_string(),
            from_country: "AL".into(),
            to_country: "GR".into(),
            reason: "MigrationOrChangeOfLocation".into(),
            details: None,
            separates_from_parents: false,
        },
        &caseworker.organisation_id,
    )
    .unwrap();
    facts.transfer = Some(transfer.facts(Some(basis.clone()), false, false));
    facts.status_before_request = Some(status);
    status = step(Role::Caseworker, status, Action::RequestTransfer, &facts).unwrap();
    assert_eq!(
        step(Role::Caseworker, status, Action::CompleteTransfer, &facts).unwrap_err().code,
        RefusalCode::RoleNotPermitted
    );
    facts.transfer = Some(transfer.facts(Some(basis.clone()), true, false));
    assert_eq!(
        step(Role::Supervisor, status, Action::CompleteTransfer, &facts).unwrap_err().code,
        RefusalCode::BidRequired
    );
    let bid = BestInterestDetermination::parse(
        BestInterestDeterminationInput {
            date: "2026-11-10".into(),
            panel: "Tirana BID panel".into(),
            members: vec![
                PanelMemberInput { name: "A".into(), function: "social worker".into(), organisation: None },
                PanelMemberInput { name: "B".into(), function: "guardian".into(), organisation: None },
            ],
            decision: "Join the mother in Thessaloniki".into(),
            durable_solution: Some("third_country".into()),
            separation_from_parents: false,
            childs_views: ChildsViewsInput {
                in_own_words: Some("Dua të jem me mamin.".into()),
                language: Some("sq".into()),
                not_heard_because: None,
            },
            review_date: "2027-05-10".into(),
        },
        day(10),
    )
    .unwrap();
    assert!(check_decision_allowed(DeterminedDecision::DurableSolution(DurableSolution::ThirdCountry), false).is_err());
    facts.bid_exists = bid.durable_solution.is_some();
    assert_eq!(
        step(Role::Supervisor, status, Action::CompleteTransfer, &facts).unwrap_err().code,
        RefusalCode::ReceiverNotAccepted
    );
    facts.transfer = Some(transfer.facts(Some(basis), true, true));
    status = step(Role::Supervisor, status, Action::CompleteTransfer, &facts).unwrap();
    assert_eq!(status, CaseStatus::Transferred);

    // The new owner takes the case up and works it to closure.
    let receiver_facts = Facts { bia_approved: true, case_plan_approved: true, bid_exists: true, ..Facts::default() };
    status = step(Role::Caseworker, status, Action::ResumeAfterTransfer, &receiver_facts).unwrap();
    assert_eq!(status, CaseStatus::Assessment);
    for action in [Action::StartBestInterest, Action::StartCasePlan, Action::StartImplementation, Action::StartFollowUp]
    {
        status = step(Role::Caseworker, status, action, &receiver_facts).unwrap();
    }

    // Follow-ups fall due by the deadline table.
    let timeline = CaseTimeline {
        status,
        risk_level: RiskLevel::High,
        registered_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
        assigned_at: Some(Utc.with_ymd_and_hms(2026, 11, 1, 9, 30, 0).unwrap()),
        first_response_at: Some(Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()),
        case_plan_approved_at: Some(Utc.with_ymd_and_hms(2026, 11, 12, 9, 0, 0).unwrap()),
        last_follow_up_at: None,
        scheduled_follow_ups: vec![],
        services: vec![],
        bid_review_date: Some(bid.review_date),
    };
    let tasks = case_tasks(&timeline, &DeadlineTable::defaults(), Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap());
    assert_eq!(tasks[0].kind, TaskKind::FollowUp);
    assert!(tasks[0].overdue);

    // Closure: a reason, then a supervisor.
    assert!(ClosureRequest::parse(ClosureRequestInput::default()).is_err());
    let closure = ClosureRequest::parse(ClosureRequestInput {
        reason: Some("goals_achieved".into()),
        details: Some("Living with her mother, in school".into()),
    })
    .unwrap();
    let closing = Facts { closure_reason: Some(closure.reason), status_before_request: Some(status), ..receiver_facts };
    status = step(Role::Caseworker, status, Action::RequestClosure, &closing).unwrap();
    assert_eq!(
        step(Role::Caseworker, status, Action::ApproveClosure, &closing).unwrap_err().code,
        RefusalCode::RoleNotPermitted
    );
    status = step(Role::Supervisor, status, Action::ApproveClosure, &closing).unwrap();
    assert_eq!(status, CaseStatus::Closed);
    status = step(Role::Supervisor, status, Action::Reopen, &closing).unwrap();
    assert_eq!(status, CaseStatus::Assessment);

    let duplicate = Facts { duplicate_of: Some(CaseId::parse(&id(99)).unwrap()), ..Facts::default() };
    assert_eq!(step(Role::Supervisor, status, Action::MarkDuplicate, &duplicate).unwrap(), CaseStatus::Duplicate);
}
