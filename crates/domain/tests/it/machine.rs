//! The workflow state machine against a table written by hand from DOMAIN.md,
//! over every (status, action) pair, plus property tests over random facts.

use proptest::prelude::*;
use safepath_domain::codes::{CaseStatus, ClosureReason, Role};
use safepath_domain::ids::CaseId;
use safepath_domain::policy::may_perform;
use safepath_domain::workflow::{
    perform, transition, Action, ConsentOverride, Facts, RefusalCode, SharingBasis, TransferFacts,
};

use Action as A;
use CaseStatus as S;

/// Where the case returns when a pending closure or transfer is withdrawn.
const BEFORE: S = S::Implementation;

/// DOMAIN.md's diagram, arrow by arrow, with every fact a rule needs present.
/// Every pair not listed here must be refused as "not allowed from status".
const ALLOWED: &[(S, A, S)] = &[
    (S::Identified, A::Register, S::Registered),
    (S::Registered, A::StartAssessment, S::Assessment),
    (S::Assessment, A::StartBestInterest, S::BestInterest),
    (S::BestInterest, A::StartCasePlan, S::CasePlan),
    (S::CasePlan, A::StartImplementation, S::Implementation),
    (S::Implementation, A::StartFollowUp, S::FollowUp),
    // Every open status may ask for closure…
    (S::Identified, A::RequestClosure, S::ClosureRequested),
    (S::Registered, A::RequestClosure, S::ClosureRequested),
    (S::Assessment, A::RequestClosure, S::ClosureRequested),
    (S::BestInterest, A::RequestClosure, S::ClosureRequested),
    (S::CasePlan, A::RequestClosure, S::ClosureRequested),
    (S::Implementation, A::RequestClosure, S::ClosureRequested),
    (S::FollowUp, A::RequestClosure, S::ClosureRequested),
    // …and for a transfer.
    (S::Identified, A::RequestTransfer, S::TransferRequested),
    (S::Registered, A::RequestTransfer, S::TransferRequested),
    (S::Assessment, A::RequestTransfer, S::TransferRequested),
    (S::BestInterest, A::RequestTransfer, S::TransferRequested),
    (S::CasePlan, A::RequestTransfer, S::TransferRequested),
    (S::Implementation, A::RequestTransfer, S::TransferRequested),
    (S::FollowUp, A::RequestTransfer, S::TransferRequested),
    (S::ClosureRequested, A::ApproveClosure, S::Closed),
    (S::ClosureRequested, A::RejectClosure, BEFORE),
    (S::TransferRequested, A::CompleteTransfer, S::Transferred),
    (S::TransferRequested, A::CancelTransfer, BEFORE),
    (S::Transferred, A::ResumeAfterTransfer, S::Assessment),
    (S::Closed, A::Reopen, S::Assessment),
    // Any status but duplicate itself may be merged into another case.
    (S::Identified, A::MarkDuplicate, S::Duplicate),
    (S::Registered, A::MarkDuplicate, S::Duplicate),
    (S::Assessment, A::MarkDuplicate, S::Duplicate),
    (S::BestInterest, A::MarkDuplicate, S::Duplicate),
    (S::CasePlan, A::MarkDuplicate, S::Duplicate),
    (S::Implementation, A::MarkDuplicate, S::Duplicate),
    (S::FollowUp, A::MarkDuplicate, S::Duplicate),
    (S::ClosureRequested, A::MarkDuplicate, S::Duplicate),
    (S::Closed, A::MarkDuplicate, S::Duplicate),
    (S::TransferRequested, A::MarkDuplicate, S::Duplicate),
    (S::Transferred, A::MarkDuplicate, S::Duplicate),
    // A merge can be undone, back to the status before it.
    (S::Duplicate, A::Unmerge, BEFORE),
];

fn case_id() -> CaseId {
    CaseId::parse("00000000-0000-4000-8000-000000000009").unwrap()
}

fn full_transfer() -> TransferFacts {
    TransferFacts {
        cross_border: true,
        separates_from_parents: false,
        sharing: Some(SharingBasis::Consent),
        supervisor_approved: true,
        receiver_accepted: true,
    }
}

fn all_facts() -> Facts {
    Facts {
        bia_approved: true,
        bid_exists: true,
        case_plan_approved: true,
        closure_reason: Some(ClosureReason::GoalsAchieved),
        status_before_request: Some(BEFORE),
        transfer: Some(full_transfer()),
        duplicate_of: Some(case_id()),
        status_before_merge: Some(BEFORE),
    }
}

fn expected(status: S, action: A) -> Option<S> {
    ALLOWED.iter().find(|(s, a, _)| *s == status && *a == action).map(|(_, _, to)| *to)
}

#[test]
fn every_status_action_pair_follows_the_table() {
    let mut checked = 0;
    for &status in S::ALL {
        for &action in A::ALL {
            let outcome = transition(status, action, &all_facts());
            match expected(status, action) {
                Some(to) => assert_eq!(outcome, Ok(to), "{status} --{action}-->"),
                None => {
                    let refusal = outcome.expect_err(&format!("{status} --{action}--> must be refused"));
                    assert_eq!(refusal.code, RefusalCode::NotAllowedFromStatus, "{status} --{action}-->");
                    assert!(refusal.message.contains(status.as_str()), "{}", refusal.message);
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 12 * 16);
    // The table has no pair twice.
    for (i, (s, a, _)) in ALLOWED.iter().enumerate() {
        assert!(!ALLOWED[i + 1..].iter().any(|(s2, a2, _)| s2 == s && a2 == a), "{s} {a} listed twice");
    }
}

#[test]
fn a_duplicate_only_goes_back_where_it_was() {
    for &action in A::ALL {
        let outcome = transition(S::Duplicate, action, &all_facts());
        if action == A::Unmerge {
            assert_eq!(outcome, Ok(BEFORE));
        } else {
            assert!(outcome.is_err(), "{action}");
        }
    }
    for before in [None, Some(S::Duplicate)] {
        let facts = Facts { status_before_merge: before, ..all_facts() };
        let refusal = transition(S::Duplicate, A::Unmerge, &facts).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::PreviousStatusUnknown);
    }
    // Back through the gates: not into a plan without an approved BIA.
    let facts = Facts { bia_approved: false, status_before_merge: Some(S::CasePlan), ..all_facts() };
    assert_eq!(transition(S::Duplicate, A::Unmerge, &facts).unwrap_err().code, RefusalCode::BiaNotApproved);
}

/// Who may take which action: DOMAIN.md's role table, written out.
#[test]
fn roles_follow_the_table() {
    for &role in Role::ALL {
        for &action in A::ALL {
            let expected = match role {
                Role::Supervisor => true,
                Role::Caseworker => !matches!(
                    action,
                    A::ApproveClosure
                        | A::RejectClosure
                        | A::CompleteTransfer
                        | A::Reopen
                        | A::MarkDuplicate
                        | A::Unmerge
                ),
                Role::FocalPoint | Role::Manager | Role::Analyst | Role::Admin => false,
            };
            assert_eq!(may_perform(role, action), expected, "{role} {action}");
            if !expected {
                let refusal = perform(role, S::ClosureRequested, action, &all_facts()).unwrap_err();
                assert_eq!(refusal.code, RefusalCode::RoleNotPermitted, "{role} {action}");
            }
        }
    }
}

#[test]
fn a_case_plan_needs_an_approved_bia() {
    let facts = Facts { bia_approved: false, ..all_facts() };
    let refusal = transition(S::BestInterest, A::StartCasePlan, &facts).unwrap_err();
    assert_eq!(refusal.code, RefusalCode::BiaNotApproved);
    assert!(refusal.message.contains("best-interest assessment"));
    let refusal = transition(S::CasePlan, A::StartImplementation, &facts).unwrap_err();
    assert_eq!(refusal.code, RefusalCode::BiaNotApproved);
    let facts = Facts { case_plan_approved: false, ..all_facts() };
    assert_eq!(
        transition(S::CasePlan, A::StartImplementation, &facts).unwrap_err().code,
        RefusalCode::CasePlanNotApproved
    );
}

#[test]
fn a_withdrawn_request_does_not_slip_past_the_gates() {
    let facts = Facts { bia_approved: false, status_before_request: Some(S::CasePlan), ..all_facts() };
    assert_eq!(
        transition(S::ClosureRequested, A::RejectClosure, &facts).unwrap_err().code,
        RefusalCode::BiaNotApproved
    );
    let facts = Facts { case_plan_approved: false, status_before_request: Some(S::FollowUp), ..all_facts() };
    assert_eq!(
        transition(S::TransferRequested, A::CancelTransfer, &facts).unwrap_err().code,
        RefusalCode::CasePlanNotApproved
    );
    assert_eq!(
        transition(S::Implementation, A::StartFollowUp, &facts).unwrap_err().code,
        RefusalCode::CasePlanNotApproved
    );
}

#[test]
fn closure_needs_a_reason() {
    let facts = Facts { closure_reason: None, ..all_facts() };
    for action in [A::RequestClosure, A::ApproveClosure] {
        let from = if action == A::RequestClosure { S::FollowUp } else { S::ClosureRequested };
        assert_eq!(transition(from, action, &facts).unwrap_err().code, RefusalCode::ClosureReasonRequired);
    }
}

#[test]
fn withdrawn_requests_return_to_where_the_case_was() {
    for &before in S::ALL {
        let facts = Facts { status_before_request: Some(before), ..all_facts() };
        for (from, action) in [(S::ClosureRequested, A::RejectClosure), (S::TransferRequested, A::CancelTransfer)] {
            let outcome = transition(from, action, &facts);
            if safepath_domain::workflow::machine::is_open(before) {
                assert_eq!(outcome, Ok(before));
            } else {
                assert_eq!(outcome.unwrap_err().code, RefusalCode::PreviousStatusUnknown, "{before}");
            }
        }
    }
    let facts = Facts { status_before_request: None, ..all_facts() };
    assert_eq!(
        transition(S::ClosureRequested, A::RejectClosure, &facts).unwrap_err().code,
        RefusalCode::PreviousStatusUnknown
    );
}

#[test]
fn a_transfer_needs_consent_a_bid_across_borders_approval_and_acceptance() {
    let with = |change: fn(&mut TransferFacts)| {
        let mut transfer = full_transfer();
        change(&mut transfer);
        Facts { transfer: Some(transfer), ..all_facts() }
    };
    let complete = |facts: &Facts| transition(S::TransferRequested, A::CompleteTransfer, facts).map_err(|r| r.code);
    assert_eq!(complete(&with(|t| t.sharing = None)), Err(RefusalCode::ConsentRequired));
    assert_eq!(complete(&with(|t| t.supervisor_approved = false)), Err(RefusalCode::SupervisorApprovalRequired));
    assert_eq!(complete(&with(|t| t.receiver_accepted = false)), Err(RefusalCode::ReceiverNotAccepted));
    assert_eq!(complete(&Facts { bid_exists: false, ..all_facts() }), Err(RefusalCode::BidRequired));
    assert_eq!(complete(&Facts { transfer: None, ..all_facts() }), Err(RefusalCode::NoTransfer));

    // Within one country, with the child staying with the family, no BID is needed…
    let domestic = Facts { bid_exists: false, ..with(|t| t.cross_border = false) };
    assert_eq!(complete(&domestic), Ok(S::Transferred));
    // …unless the transfer separates the child from their parents.
    let mut separating = domestic.clone();
    separating.transfer.as_mut().unwrap().separates_from_parents = true;
    assert_eq!(complete(&separating), Err(RefusalCode::BidRequired));

    // Requesting a transfer already shares something: consent first.
    assert_eq!(
        transition(S::Assessment, A::RequestTransfer, &with(|t| t.sharing = None)).unwrap_err().code,
        RefusalCode::ConsentRequired
    );
    // An override authorised by a supervisor is a basis too.
    let supervisor = safepath_domain::policy::Actor {
        user_id: safepath_domain::ids::UserId::parse("00000000-0000-4000-8000-000000000001").unwrap(),
        organisation_id: safepath_domain::ids::OrganisationId::parse("00000000-0000-4000-8000-000000000002").unwrap(),
        role: Role::Supervisor,
    };
    let over =
        ConsentOverride::authorise("the child asked to go home and no guardian can be reached", &supervisor).unwrap();
    let mut overridden = all_facts();
    overridden.transfer.as_mut().unwrap().sharing = Some(SharingBasis::Override(over));
    assert_eq!(complete(&overridden), Ok(S::Transferred));
}

#[test]
fn a_duplicate_names_its_original() {
    let facts = Facts { duplicate_of: None, ..all_facts() };
    assert_eq!(
        transition(S::Assessment, A::MarkDuplicate, &facts).unwrap_err().code,
        RefusalCode::DuplicateTargetRequired
    );
}

fn any_status() -> impl Strategy<Value = S> {
    prop::sample::select(S::ALL.to_vec())
}

fn any_action() -> impl Strategy<Value = A> {
    prop::sample::select(A::ALL.to_vec())
}

fn any_role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

prop_compose! {
    fn any_facts()(
        bia_approved: bool,
        bid_exists: bool,
        case_plan_approved: bool,
        closure_reason in prop::option::of(prop::sample::select(ClosureReason::ALL.to_vec())),
        status_before_request in prop::option::of(any_status()),
        transfer in prop::option::of((any::<[bool; 5]>()).prop_map(|b| TransferFacts {
            cross_border: b[0],
            separates_from_parents: b[1],
            sharing: if b[2] { Some(SharingBasis::Consent) } else { None },
            supervisor_approved: b[3],
            receiver_accepted: b[4],
        })),
        duplicate: bool,
        status_before_merge in prop::option::of(any_status()),
    ) -> Facts {
        Facts {
            bia_approved,
            bid_exists,
            case_plan_approved,
            closure_reason,
            status_before_request,
            transfer,
            duplicate_of: duplicate.then(case_id),
            status_before_merge,
        }
    }
}

proptest! {
    /// Whatever the facts, the rules of DOMAIN.md hold for every step taken.
    #[test]
    fn no_step_breaks_a_rule(status in any_status(), action in any_action(), facts in any_facts()) {
        let outcome = transition(status, action, &facts);
        // Facts never make a pair possible that the table forbids, and
        // "not from this status" never depends on the facts.
        let in_table = ALLOWED.iter().any(|(s, a, _)| *s == status && *a == action);
        if !in_table {
            prop_assert_eq!(outcome.clone().unwrap_err().code, RefusalCode::NotAllowedFromStatus);
        } else if let Err(refusal) = &outcome {
            prop_assert_ne!(refusal.code, RefusalCode::NotAllowedFromStatus);
        }
        if let Ok(to) = outcome {
            match to {
                S::CasePlan => prop_assert!(facts.bia_approved),
                S::Implementation | S::FollowUp => prop_assert!(facts.bia_approved && facts.case_plan_approved),
                // Undoing a merge returns the case to a status it held, whatever it was.
                _ if action == A::Unmerge => prop_assert_eq!(Some(to), facts.status_before_merge),
                S::Closed => prop_assert!(status == S::ClosureRequested && facts.closure_reason.is_some()),
                S::ClosureRequested => prop_assert!(facts.closure_reason.is_some()),
                S::Transferred => {
                    let transfer = facts.transfer.as_ref().unwrap();
                    prop_assert!(transfer.sharing.is_some() && transfer.supervisor_approved && transfer.receiver_accepted);
                    prop_assert!(facts.bid_exists || !transfer.requires_bid());
                }
                S::TransferRequested => prop_assert!(facts.transfer.as_ref().is_some_and(|t| t.sharing.is_some())),
                S::Duplicate => prop_assert!(facts.duplicate_of.is_some()),
                _ => {}
            }
            prop_assert_ne!(to, status, "every step moves the case");
        }
    }

    /// A random walk from `identified` never reaches a plan without an approved BIA.
    #[test]
    fn walks_respect_the_bia_gate(steps in prop::collection::vec((any_role(), any_action(), any_facts()), 1..40)) {
        let mut status = S::Identified;
        for (role, action, facts) in steps {
            if let Ok(next) = perform(role, status, action, &facts) {
                prop_assert!(may_perform(role, action));
                prop_assert!(next != S::CasePlan || facts.bia_approved);
                status = next;
            }
        }
    }
}
