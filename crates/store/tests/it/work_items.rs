//! The persisted work list (issue #4): every change of what the deadline
//! rules read moves a case's tasks, in the same unit; an organisation's
//! settings move its cases' due times and its standards; cases that exist
//! when the table is created are backfilled.

use chrono::{DateTime, TimeDelta, Utc};
use safepath_domain::case::{CasePatch, CasePatchInput};
use safepath_domain::ids::OrganisationId;
use safepath_domain::workflow::closure::{ClosureRequest, ClosureRequestInput};
use safepath_domain::workflow::deadlines::TaskKind;
use safepath_domain::workflow::follow_up::{FollowUp, FollowUpInput};
use safepath_domain::workflow::settings::{OrganisationSettings, OrganisationSettingsInput};
use safepath_domain::workflow::standards::StandardCheckInput;
use safepath_store::{CaseCommand, NewRecord, Store, StoreError, WorkView};
use serde_json::json;

use crate::common::TestStore;
use crate::fixtures::{assert_not_found, child, ctx, invalid_fields, scope, team, today};

on_both_backends!(
    the_work_list_follows_every_change_of_a_case,
    settings_move_due_times_and_set_the_standards,
    existing_cases_are_backfilled_when_the_table_is_created,
    the_lists_are_limited_and_counted,
);

fn registered_at(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap()
}

/// The tasks of one case in a work view, with whether each is overdue.
fn tasks_of(work: &WorkView, case: &safepath_domain::ids::CaseId) -> Vec<(TaskKind, bool)> {
    work.overdue
        .iter()
        .chain(&work.upcoming)
        .filter(|i| &i.case_id == case)
        .map(|i| (i.task.kind, i.task.overdue))
        .collect()
}

fn patch(body: serde_json::Value) -> CasePatch {
    let input: CasePatchInput = serde_json::from_value(body).unwrap();
    CasePatch::parse(input, today()).unwrap()
}

fn done_follow_up() -> NewRecord {
    let input: FollowUpInput = serde_json::from_value(json!({
        "due_date": today().to_string(), "done_date": today().to_string(), "kind": "home_visit",
        "outcome": "on_track",
    }))
    .unwrap();
    NewRecord::FollowUp(FollowUp::parse(input, today()).unwrap())
}

fn settings(body: serde_json::Value) -> OrganisationSettings {
    let input: OrganisationSettingsInput = serde_json::from_value(body).unwrap();
    OrganisationSettings::parse(input).unwrap()
}

async fn the_work_list_follows_every_change_of_a_case(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let (worker, supervisor) = (&alpha.caseworker, &alpha.supervisor);
    // A supervisor registers a high-risk child: nobody is assigned yet.
    let case = store.create_case(&ctx(supervisor), child("Ana", "Hoxha")).await.unwrap();
    let t0 = registered_at(case.created_at);
    let later = t0 + TimeDelta::hours(2);
    let work = store.work(&ctx(supervisor), &scope(supervisor), later).await.unwrap();
    assert_eq!(tasks_of(&work, &case.id), [(TaskKind::Assign, true), (TaskKind::FirstResponse, false)]);
    assert_eq!(work.overdue[0].task.due_at, t0 + TimeDelta::hours(1));
    assert_eq!(work.overdue[0].reference, case.reference);
    assert!(tasks_of(&store.work(&ctx(worker), &scope(worker), later).await.unwrap(), &case.id).is_empty());

    // Assigned, and its risk lowered: the caseworker's now, first response in 7 days.
    let changes =
        patch(json!({"version": case.version, "assigned_to": worker.user_id.to_string(), "risk_level": "low"}));
    store.update_case(&ctx(supervisor), &scope(supervisor), &case.id, changes).await.unwrap();
    let work = store.work(&ctx(worker), &scope(worker), later).await.unwrap();
    assert_eq!(tasks_of(&work, &case.id), [(TaskKind::FirstResponse, false)]);
    assert_eq!(work.upcoming[0].task.due_at, t0 + TimeDelta::days(7));
    assert!(tasks_of(&store.work(&ctx(&alpha.colleague), &scope(&alpha.colleague), later).await.unwrap(), &case.id)
        .is_empty());

    // Seen: the first response is done.
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, done_follow_up()).await.unwrap();
    let work = store.work(&ctx(worker), &scope(worker), later).await.unwrap();
    assert!(tasks_of(&work, &case.id).is_empty(), "{work:?}");
    // The case plan falls due 14 days after registration.
    let work = store.work(&ctx(worker), &scope(worker), t0 + TimeDelta::days(15)).await.unwrap();
    assert_eq!(tasks_of(&work, &case.id), [(TaskKind::CasePlan, true)]);

    // A closure request ends the work on the child: no task is left.
    let request =
        ClosureRequest::parse(ClosureRequestInput { reason: Some("goals_achieved".into()), details: None }).unwrap();
    store.case_command(&ctx(worker), &scope(worker), &case.id, CaseCommand::RequestClosure(request)).await.unwrap();
    let work = store.work(&ctx(supervisor), &scope(supervisor), t0 + TimeDelta::days(15)).await.unwrap();
    assert!(tasks_of(&work, &case.id).is_empty(), "{work:?}");
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM work_items").await, 0);
}

async fn settings_move_due_times_and_set_the_standards(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Help", "BETA").await;
    let (worker, supervisor) = (&alpha.caseworker, &alpha.supervisor);
    let case = store.create_case(&ctx(worker), child("Besa", "Kola")).await.unwrap();
    let other = store.create_case(&ctx(&beta.caseworker), child("Drita", "Berisha")).await.unwrap();
    let t0 = registered_at(case.created_at);
    let defaults = store.organisation_settings(&ctx(supervisor), &alpha.organisation.id).await.unwrap();
    assert_eq!(defaults.deadlines.len(), 12);
    assert_eq!(defaults.standards.len(), 12);

    // Alpha answers high-risk children within two hours, not a day.
    let events = store.audit_events().await;
    let changed = settings(json!({
        "deadlines": [{"risk_level": "high", "step": "first_response", "minutes": 120}],
        "standards": [{"key": "birth_registered", "label": "The child's birth is registered"}],
    }));
    let view = store.update_organisation_settings(&ctx(supervisor), &alpha.organisation.id, changed).await.unwrap();
    assert_eq!(store.audit_events().await, events + 1);
    assert_eq!(store.organisation_settings(&ctx(&alpha.admin), &alpha.organisation.id).await.unwrap(), view);
    let at = t0 + TimeDelta::hours(3);
    let work = store.work(&ctx(worker), &scope(worker), at).await.unwrap();
    assert_eq!(tasks_of(&work, &case.id), [(TaskKind::FirstResponse, true)]);
    assert_eq!(work.overdue[0].task.due_at, t0 + TimeDelta::hours(2));
    // Beta's case keeps the defaults.
    let beta_work = store.work(&ctx(&beta.caseworker), &scope(&beta.caseworker), at).await.unwrap();
    assert_eq!(tasks_of(&beta_work, &other.id), [(TaskKind::FirstResponse, false)]);

    // The standards checklist is Alpha's own list now.
    let check = |key: &str| {
        let input: StandardCheckInput = serde_json::from_value(json!({
            "key": key, "status": "met", "date": today().to_string(),
        }))
        .unwrap();
        NewRecord::StandardCheck(input, today())
    };
    let refused = store.add_case_record(&ctx(worker), &scope(worker), &case.id, check("guardian_appointed")).await;
    assert_eq!(invalid_fields(refused), ["key"]);
    let standards = store.case_standards(&ctx(worker), &scope(worker), &case.id).await.unwrap();
    assert_eq!(standards.unmet.len(), 1);
    assert_eq!(standards.unmet[0].standard.key.as_str(), "birth_registered");
    store.add_case_record(&ctx(worker), &scope(worker), &case.id, check("birth_registered")).await.unwrap();
    assert!(store.case_standards(&ctx(worker), &scope(worker), &case.id).await.unwrap().unmet.is_empty());
    // Beta's cases are checked against the defaults still.
    let beta_worker = &beta.caseworker;
    let beta_check = check("guardian_appointed");
    store.add_case_record(&ctx(beta_worker), &scope(beta_worker), &other.id, beta_check).await.unwrap();

    // An organisation that does not exist is absent, and nothing is written.
    let events = store.audit_events().await;
    let nowhere = OrganisationId::parse("00000000-0000-4000-8000-00000000dead").unwrap();
    assert_not_found(store.organisation_settings(&ctx(&alpha.admin), &nowhere).await);
    let result =
        store.update_organisation_settings(&ctx(&alpha.admin), &nowhere, OrganisationSettings::default()).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM organisation_settings").await, 1);
    // The attempts are audited as such.
    assert_eq!(store.audit_events().await, events + 2);
}

async fn existing_cases_are_backfilled_when_the_table_is_created(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let (worker, supervisor) = (&alpha.caseworker, &alpha.supervisor);
    let first = store.create_case(&ctx(worker), child("Elira", "Dema")).await.unwrap();
    store.create_case(&ctx(supervisor), child("Genta", "Hysa")).await.unwrap();
    store.add_case_record(&ctx(worker), &scope(worker), &first.id, done_follow_up()).await.unwrap();
    let now = registered_at(first.created_at) + TimeDelta::hours(2);
    let before = store.work(&ctx(supervisor), &scope(supervisor), now).await.unwrap();
    assert_eq!((before.overdue_total, before.upcoming_total), (1, 1), "{before:?}");
    // A database as it was before migration 4.
    for sql in
        ["DROP TABLE work_items", "DROP TABLE organisation_settings", "DELETE FROM schema_migrations WHERE version = 4"]
    {
        store.raw_execute(sql).await.expect(sql);
    }
    let reopened = store.second_store().await;
    let after = reopened.work(&ctx(supervisor), &scope(supervisor), now).await.unwrap();
    assert_eq!(after, before);
}

async fn the_lists_are_limited_and_counted(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let supervisor = &alpha.supervisor;
    let cases: Vec<_> = (0..40).map(|i| child(&format!("Child{i}"), "Test")).collect();
    let registrations = cases
        .into_iter()
        .map(|case| safepath_store::CaseRegistration { organisation_id: alpha.organisation.id.clone(), case })
        .collect();
    let ids = store.import_cases(&ctx(supervisor), registrations).await.unwrap();
    assert_eq!(ids.len(), 40);
    let created = store.get_case(&ctx(supervisor), &scope(supervisor), &ids[0]).await.unwrap().created_at;
    // Imported cases have their tasks too: all overdue for assignment, their
    // first responses upcoming.
    let now = registered_at(created) + TimeDelta::hours(2);
    let work = store.work(&ctx(supervisor), &scope(supervisor), now).await.unwrap();
    assert_eq!((work.overdue_total, work.upcoming_total), (40, 40));
    assert_eq!((work.overdue.len(), work.upcoming.len()), (40, 40));
    assert!(work.overdue.iter().all(|i| i.task.kind == TaskKind::Assign && i.task.overdue));
    assert!(work.overdue.windows(2).all(|w| w[0].task.due_at <= w[1].task.due_at));
    // Further ahead: everything overdue (three tasks a case), the most
    // overdue first, a page of them sent and all counted.
    let work = store.work(&ctx(supervisor), &scope(supervisor), now + TimeDelta::days(20)).await.unwrap();
    assert_eq!((work.overdue_total, work.upcoming_total), (120, 0));
    assert_eq!(work.overdue.len(), safepath_store::workflow::WORK_LIST_LIMIT);
    assert_eq!(work.overdue[0].task.kind, TaskKind::Assign);
    assert!(work.overdue.windows(2).all(|w| w[0].task.due_at <= w[1].task.due_at));
}
