//! The case workflow in the store (issue #4): the rules' facts come from the
//! current records, refusals write nothing, transfers move ownership and
//! search keys, the work list reads due dates.

use chrono::Days;
use safepath_domain::codes::{ApprovalKind, CaseStatus};
use safepath_domain::ids::OrganisationId;
use safepath_domain::workflow::approval::{Approval, ApprovalInput};
use safepath_domain::workflow::best_interest::{
    BestInterestAssessment, BestInterestAssessmentInput, BestInterestDetermination, BestInterestDeterminationInput,
};
use safepath_domain::workflow::closure::{ClosureRequest, ClosureRequestInput, ReopenInput, Reopening};
use safepath_domain::workflow::follow_up::{FollowUp, FollowUpInput};
use safepath_domain::workflow::plan::{CasePlan, CasePlanInput};
use safepath_domain::workflow::settings::{OrganisationSettings, OrganisationSettingsInput};
use safepath_domain::workflow::transfer::{NewTransfer, TransferInput};
use safepath_domain::workflow::RefusalCode;
use safepath_store::{CaseCommand, NewRecord, Store, StoreError, TransferAnswer};
use serde_json::json;

use crate::common::TestStore;
use crate::fixtures::{ctx, find, query, scope, team, today};

on_both_backends!(
    a_new_bia_needs_an_approval_of_its_own,
    a_refused_step_writes_nothing,
    a_completed_transfer_moves_the_case_and_the_childs_search_keys,
    the_work_list_reads_due_dates_and_waiting_approvals,
    every_step_keeps_the_work_items_a_full_recompute_gives,
);

fn bia() -> NewRecord {
    let input: BestInterestAssessmentInput = serde_json::from_value(json!({
        "kind": "short", "date": today().to_string(),
        "childs_views": {"in_own_words": "I want to go to school.", "language": "en"},
        "elements": [{"element": "protection_and_safety", "findings": "Safe"}],
        "recommendation": "Education",
    }))
    .unwrap();
    NewRecord::BestInterestAssessment(BestInterestAssessment::parse(input, today()).unwrap())
}

fn bid() -> NewRecord {
    let input: BestInterestDeterminationInput = serde_json::from_value(json!({
        "date": today().to_string(), "panel": "Panel",
        "members": [{"name": "A", "function": "social worker"}, {"name": "B", "function": "guardian"}],
        "decision": "Join the mother", "durable_solution": "third_country", "separation_from_parents": false,
        "childs_views": {"in_own_words": "With my mother.", "language": "en"},
        "review_date": (today() + Days::new(90)).to_string(),
    }))
    .unwrap();
    NewRecord::BestInterestDetermination(BestInterestDetermination::parse(input, today()).unwrap())
}

fn plan() -> NewRecord {
    let input: CasePlanInput = serde_json::from_value(json!({
        "goals": ["School"],
        "services": [{"service_type": "education", "provider_name": "School", "due_date": (today() + Days::new(3)).to_string()}],
    }))
    .unwrap();
    NewRecord::CasePlan(CasePlan::parse(input, today()).unwrap())
}

fn decision(kind: ApprovalKind, decided: &str, actor: &safepath_domain::policy::Actor) -> Approval {
    let input = ApprovalInput { decision: decided.into(), comment: Some("seen".into()) };
    Approval::decide(kind, input, actor, today()).unwrap()
}

/// A registration whose child consented to sharing (what a transfer needs).
fn child_consenting_to_sharing(given: &str, family: &str) -> serde_json::Value {
    let mut body = crate::fixtures::case_json(given, family);
    body["consents"] = json!([{"purpose": "sharing", "given_by": "child", "date": "2026-03-15"}]);
    body
}

/// A transfer from Albania to Greece.
fn transfer(from: &OrganisationId, to: &OrganisationId) -> NewTransfer {
    let input = TransferInput {
        to_organisation: to.to_string(),
        from_country: "AL".into(),
        to_country: "GR".into(),
        reason: "MigrationOrChangeOfLocation".into(),
        details: None,
        separates_from_parents: false,
    };
    NewTransfer::parse(input, from).unwrap()
}

fn refusal_code<T: std::fmt::Debug>(result: Result<T, StoreError>) -> RefusalCode {
    match result {
        Err(StoreError::Refused(refusal)) => refusal.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_new_bia_needs_an_approval_of_its_own(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let (worker, supervisor) = (&alpha.caseworker, &alpha.supervisor);
    let case = store.create_case(&ctx(worker), crate::fixtures::child("Ana", "Hoxha")).await.unwrap();
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, bia()).await.unwrap();
    let approval = decision(ApprovalKind::BestInterestAssessment, "approved", supervisor);
    store.decide_approval(&ctx(supervisor), &scope(supervisor), &case.id, approval).await.unwrap();
    // A second assessment replaces the approved one: the plan waits again.
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, bia()).await.unwrap();
    let refused = store.add_case_record(&ctx(worker), &scope(worker), &case.id, plan()).await;
    assert_eq!(refusal_code(refused), RefusalCode::BiaNotApproved);
    let approval = decision(ApprovalKind::BestInterestAssessment, "approved", supervisor);
    store.decide_approval(&ctx(supervisor), &scope(supervisor), &case.id, approval).await.unwrap();
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, plan()).await.unwrap();
    // A rejection after an approval withdraws it (the latest decision counts).
    let rejection = decision(ApprovalKind::BestInterestAssessment, "rejected", supervisor);
    store.decide_approval(&ctx(supervisor), &scope(supervisor), &case.id, rejection).await.unwrap();
    let refused = store.add_case_record(&ctx(worker), &scope(worker), &case.id, plan()).await;
    assert_eq!(refusal_code(refused), RefusalCode::BiaNotApproved);
}

async fn a_refused_step_writes_nothing(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let worker = &alpha.caseworker;
    let case = store.create_case(&ctx(worker), crate::fixtures::child("Besa", "Kola")).await.unwrap();
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, bia()).await.unwrap();
    let before = store.counts().await;
    let refused = store.add_case_record(&ctx(worker), &scope(worker), &case.id, plan()).await;
    assert_eq!(refusal_code(refused), RefusalCode::BiaNotApproved);
    // A closure approved by nobody, a transfer completed by a caseworker.
    let refused = store.case_command(&ctx(worker), &scope(worker), &case.id, CaseCommand::CompleteTransfer).await;
    assert_eq!(refusal_code(refused), RefusalCode::RoleNotPermitted);
    assert_eq!(store.counts().await, before);
    let read = store.get_case(&ctx(worker), &scope(worker), &case.id).await.unwrap();
    assert_eq!(read.status, CaseStatus::BestInterest);
}

async fn a_completed_transfer_moves_the_case_and_the_childs_search_keys(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Help", "BETA").await;
    let (worker, supervisor) = (&alpha.caseworker, &alpha.supervisor);
    let body = child_consenting_to_sharing("Drita", "Berisha");
    let case = store.create_case(&ctx(worker), crate::fixtures::new_case(body)).await.unwrap();
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, bid()).await.unwrap();
    let transfer = transfer(&alpha.organisation.id, &beta.organisation.id);
    let requested = store.request_transfer(&ctx(worker), &scope(worker), &case.id, transfer, None).await.unwrap();
    let approval = decision(ApprovalKind::Transfer, "approved", supervisor);
    store.decide_approval(&ctx(supervisor), &scope(supervisor), &case.id, approval).await.unwrap();
    // Only the receiver answers; to anyone else the transfer is absent.
    let stranger = store.answer_transfer(&ctx(supervisor), &requested.id, TransferAnswer::Accept).await;
    assert!(matches!(stranger, Err(StoreError::NotFound)), "{stranger:?}");
    store.answer_transfer(&ctx(&beta.supervisor), &requested.id, TransferAnswer::Accept).await.unwrap();
    let keys_before = store.raw_count("SELECT COUNT(*) FROM name_keys").await;
    let done = store
        .case_command(&ctx(supervisor), &scope(supervisor), &case.id, CaseCommand::CompleteTransfer)
        .await
        .unwrap();
    assert_eq!(done.to, CaseStatus::Transferred);
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM name_keys").await, keys_before);
    let beta_id = beta.organisation.id.to_string();
    assert_eq!(
        store.raw_count(&format!("SELECT COUNT(*) FROM name_keys WHERE organisation_id = '{beta_id}'")).await,
        keys_before
    );
    assert!(find(store, supervisor, query("Drita")).await.is_empty());
    assert_eq!(find(store, &beta.supervisor, query("Drita")).await, vec![case.id.clone()]);
    assert!(matches!(store.get_case(&ctx(supervisor), &scope(supervisor), &case.id).await, Err(StoreError::NotFound)));
    let history = store.case_history(&ctx(&beta.supervisor), &scope(&beta.supervisor), &case.id, true).await.unwrap();
    assert_eq!(history.transfers[0].status, "completed");
    assert!(history.records.iter().any(|r| r.kind == safepath_store::RecordKind::BestInterestDetermination));
}

async fn the_work_list_reads_due_dates_and_waiting_approvals(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let (worker, supervisor) = (&alpha.caseworker, &alpha.supervisor);
    let case = store.create_case(&ctx(worker), crate::fixtures::child("Elira", "Dema")).await.unwrap();
    let input: FollowUpInput = serde_json::from_value(json!({
        "due_date": (today() + Days::new(2)).to_string(), "kind": "home_visit",
    }))
    .unwrap();
    let follow_up = NewRecord::FollowUp(FollowUp::parse(input, today()).unwrap());
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, follow_up).await.unwrap();
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, bia()).await.unwrap();
    // The fixtures' "today" (registrations and records are dated by it), at noon.
    let now = today().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let work = store.work(&ctx(worker), &scope(worker), now).await.unwrap();
    assert!(work.upcoming.iter().any(|item| item.case_id == case.id
        && item.task.kind == safepath_domain::workflow::deadlines::TaskKind::ScheduledFollowUp));
    assert!(work.approvals.is_empty(), "a caseworker approves nothing");
    let work = store.work(&ctx(supervisor), &scope(supervisor), now).await.unwrap();
    assert!(work.approvals.iter().any(|a| a.case_id == case.id && a.kind == ApprovalKind::BestInterestAssessment));
    // Another organisation's supervisor sees none of it.
    let beta = team(store, "Beta Help", "BETA").await;
    let work = store.work(&ctx(&beta.supervisor), &scope(&beta.supervisor), now).await.unwrap();
    assert!(work.upcoming.is_empty() && work.overdue.is_empty() && work.approvals.is_empty());
}

fn follow_up(due_in_days: u64, done: bool) -> NewRecord {
    let mut body = json!({"due_date": (today() + Days::new(due_in_days)).to_string(), "kind": "home_visit"});
    if done {
        body["due_date"] = json!(today().to_string());
        body["done_date"] = json!(today().to_string());
        body["outcome"] = json!("on_track");
    }
    let input: FollowUpInput = serde_json::from_value(body).unwrap();
    NewRecord::FollowUp(FollowUp::parse(input, today()).unwrap())
}

/// After every kind of step, the rows kept up step by step (only what
/// changed is written) are the rows a full recompute gives; and the check
/// does see a row that is not.
async fn every_step_keeps_the_work_items_a_full_recompute_gives(store: &TestStore) {
    async fn check(store: &TestStore, after: &str) {
        assert_eq!(store.work_items_differences().await.unwrap(), vec![], "after {after}");
    }
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Help", "BETA").await;
    let (worker, supervisor) = (&alpha.caseworker, &alpha.supervisor);
    let body = child_consenting_to_sharing("Drita", "Berisha");
    let case = store.create_case(&ctx(supervisor), crate::fixtures::new_case(body)).await.unwrap();
    let imported = vec![safepath_store::CaseRegistration {
        organisation_id: alpha.organisation.id.clone(),
        case: crate::fixtures::child("Elira", "Dema"),
    }];
    store.import_cases(&ctx(supervisor), imported).await.unwrap();
    check(store, "registration and import").await;
    assert!(store.raw_count("SELECT COUNT(*) FROM work_items").await >= 6);

    let input: safepath_domain::case::CasePatchInput = serde_json::from_value(
        json!({"version": case.version, "assigned_to": worker.user_id.to_string(), "risk_level": "low"}),
    )
    .unwrap();
    let patch = safepath_domain::case::CasePatch::parse(input, today()).unwrap();
    store.update_case(&ctx(supervisor), &scope(supervisor), &case.id, patch).await.unwrap();
    check(store, "assignment and risk").await;

    let (w, s) = (&ctx(worker), &scope(worker));
    // Two follow-ups due the same day: equal rows, told apart by position.
    for (record, after) in [
        (follow_up(2, false), "a scheduled follow-up"),
        (follow_up(2, false), "the same follow-up again"),
        (follow_up(0, true), "a follow-up done (the first response)"),
        (bia(), "a BIA"),
        (bid(), "a BID with its review date"),
    ] {
        store.add_case_record(w, s, &case.id, record).await.unwrap();
        check(store, after).await;
    }
    let approve = |kind| decision(kind, "approved", supervisor);
    let (sv, ss) = (&ctx(supervisor), &scope(supervisor));
    store.decide_approval(sv, ss, &case.id, approve(ApprovalKind::BestInterestAssessment)).await.unwrap();
    check(store, "the BIA approved").await;
    store.add_case_record(w, s, &case.id, plan()).await.unwrap();
    check(store, "a plan with a service").await;
    store.decide_approval(sv, ss, &case.id, approve(ApprovalKind::CasePlan)).await.unwrap();
    check(store, "the plan approved: implementation").await;
    store.add_case_record(w, s, &case.id, follow_up(0, true)).await.unwrap();
    check(store, "a follow-up done: the follow-up phase").await;

    let settings: OrganisationSettingsInput = serde_json::from_value(json!({
        "deadlines": [{"risk_level": "low", "step": "follow_up", "minutes": 600}],
        "standards": [{"key": "birth_registered", "label": "The child's birth is registered"}],
    }))
    .unwrap();
    let settings = OrganisationSettings::parse(settings).unwrap();
    store.update_organisation_settings(sv, &alpha.organisation.id, settings).await.unwrap();
    check(store, "the organisation's settings").await;

    let request =
        ClosureRequest::parse(ClosureRequestInput { reason: Some("goals_achieved".into()), details: None }).unwrap();
    store.case_command(w, s, &case.id, CaseCommand::RequestClosure(request)).await.unwrap();
    check(store, "a closure request").await;
    store.decide_approval(sv, ss, &case.id, approve(ApprovalKind::Closure)).await.unwrap();
    check(store, "the closure approved").await;
    let reopening = Reopening::parse(ReopenInput { reason: "New risk".into() }).unwrap();
    store.case_command(sv, ss, &case.id, CaseCommand::Reopen(reopening)).await.unwrap();
    check(store, "reopened").await;

    let transfer = transfer(&alpha.organisation.id, &beta.organisation.id);
    let requested = store.request_transfer(sv, ss, &case.id, transfer, None).await.unwrap();
    check(store, "a transfer requested").await;
    store.decide_approval(sv, ss, &case.id, approve(ApprovalKind::Transfer)).await.unwrap();
    store.answer_transfer(&ctx(&beta.supervisor), &requested.id, TransferAnswer::Accept).await.unwrap();
    store.case_command(sv, ss, &case.id, CaseCommand::CompleteTransfer).await.unwrap();
    check(store, "the transfer completed").await;

    // The check itself: a row moved by hand is a difference.
    store.raw_execute("UPDATE work_items SET due_at = due_at + 1").await.unwrap();
    assert!(!store.work_items_differences().await.unwrap().is_empty());
}
