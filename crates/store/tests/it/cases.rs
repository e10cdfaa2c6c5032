//! Registering cases and reading them within (and outside) a scope.

use safepath_domain::case::Age;
use safepath_domain::codes::{
    CaseStatus, ConsentGivenBy, ConsentPurpose, Gender, IdentificationChannel, NameKind, ProtectionStatus, RiskLevel,
    Script,
};
use safepath_domain::policy::CaseScope;
use safepath_store::{Store, StoreError};
use serde_json::json;

use crate::common::TestStore;
use crate::fixtures::{
    assert_not_found, case_json, child, child_assigned, ctx, invalid_fields, new_case, scope, system, team,
    unknown_case_id, without_audit,
};

on_both_backends!(
    a_caseworker_registers_a_case,
    references_count_per_organisation,
    reads_are_scoped_and_each_is_audited,
    assignment_on_registration,
);

async fn a_caseworker_registers_a_case(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let mut body = case_json("Aleksandr", "Petrov");
    body["child"]["other_names"] = json!([{"name": "Александр Петров"}, {"name": "Sasha", "kind": "nickname"}]);
    body["child"]["estimated_age"] = serde_json::Value::Null;
    body["child"]["date_of_birth"] = "2012-05-04".into();
    body["child"]["sex"] = "Masculine".into();
    body["child"]["age_disputed"] = true.into();
    body["protection_status"] = "unaccompanied".into();
    body["identification"]["local_structure"] = "Child protection committee".into();
    body["consents"] = json!([{"purpose": "services", "given_by": "child", "date": "2026-03-15"}]);
    let registration = new_case(body);
    assert_eq!(registration.child.age, Age::Born(chrono::NaiveDate::from_ymd_opt(2012, 5, 4).unwrap()));

    let before = store.counts().await;
    let case = store.create_case(&ctx(&alpha.caseworker), registration).await.unwrap();

    assert_eq!(case.reference, "ALPHA-2026-00001");
    assert_eq!(case.status, CaseStatus::Registered);
    assert_eq!(case.version, 1);
    assert_eq!(case.organisation_id, alpha.organisation.id);
    assert_eq!(case.assigned_to.as_ref(), Some(&alpha.caseworker.user_id), "a registering caseworker holds the case");
    assert_eq!(case.risk_level, RiskLevel::High);
    assert_eq!(case.protection_status, Some(ProtectionStatus::Unaccompanied));
    assert_eq!(case.identification.date.to_string(), "2026-03-15");
    assert_eq!(case.identification.place, "Tirana");
    assert_eq!(case.identification.channel, IdentificationChannel::Outreach);
    assert_eq!(case.identification.local_structure.as_deref(), Some("Child protection committee"));
    assert_eq!(case.consents.len(), 1);
    assert_eq!(case.consents[0].purpose, ConsentPurpose::Services);
    assert_eq!(case.consents[0].given_by, ConsentGivenBy::Child);
    assert_eq!(case.created_at, case.updated_at);

    let child = &case.child;
    assert_eq!(child.given_name, "Aleksandr");
    assert_eq!(child.family_name.as_deref(), Some("Petrov"));
    assert_eq!(child.sex, Gender::Masculine);
    assert_eq!(child.date_of_birth.map(|d| d.to_string()).as_deref(), Some("2012-05-04"));
    assert_eq!(child.estimated_age, None);
    assert!(!child.age_is_estimated);
    assert!(child.age_disputed);
    assert_eq!(child.citizenship, vec!["AL"]);
    assert_eq!(child.languages, vec!["sq"]);
    let names: Vec<_> = child.other_names.iter().map(|n| (n.name.as_str(), n.kind, n.script)).collect();
    assert_eq!(
        names,
        vec![("Александр Петров", NameKind::Alias, Script::Cyrillic), ("Sasha", NameKind::Nickname, Script::Latin)]
    );

    let after = store.counts().await;
    assert_eq!(after.cases, before.cases + 1);
    assert_eq!(after.child_identities, before.child_identities + 1);
    assert_eq!(after.child_names, before.child_names + 2);
    assert_eq!(after.consents, before.consents + 1);
    assert!(after.name_keys > before.name_keys, "the names are indexed for search");
    assert_eq!(after.audit_events, before.audit_events + 1, "a registration is one event");

    // What a reader sees later is what the registration returned.
    let read = store.get_case(&ctx(&alpha.caseworker), &scope(&alpha.caseworker), &case.id).await.unwrap();
    assert_eq!(read, case);
}

async fn references_count_per_organisation(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let first = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();
    let second = store.create_case(&ctx(&alpha.colleague), child("Besa", "Hoxha")).await.unwrap();
    let other = store.create_case(&ctx(&beta.caseworker), child("Drita", "Kola")).await.unwrap();
    assert_eq!(first.reference, "ALPHA-2026-00001");
    assert_eq!(second.reference, "ALPHA-2026-00002");
    assert_eq!(other.reference, "BETA-2026-00001");
    assert_eq!(other.organisation_id, beta.organisation.id);
}

async fn reads_are_scoped_and_each_is_audited(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let case = store.create_case(&ctx(&alpha.caseworker), child("Muhammad", "Hussain")).await.unwrap();

    let readers = [
        ("the assigned caseworker", &alpha.caseworker, true),
        ("the organisation's supervisor", &alpha.supervisor, true),
        ("another caseworker of the organisation", &alpha.colleague, false),
        ("the organisation's administrator", &alpha.admin, false),
        ("a caseworker of another organisation", &beta.caseworker, false),
        ("a supervisor of another organisation", &beta.supervisor, false),
    ];
    for (who, actor, may_read) in readers {
        let before = store.counts().await;
        let result = store.get_case(&ctx(actor), &scope(actor), &case.id).await;
        if may_read {
            assert_eq!(result.unwrap_or_else(|e| panic!("{who}: {e}")), case, "{who}");
        } else {
            assert!(matches!(result, Err(StoreError::NotFound)), "{who} must get NotFound, got {result:?}");
        }
        let after = store.counts().await;
        assert_eq!(after.audit_events, before.audit_events + 1, "{who}: one event per read attempt");
        assert_eq!(without_audit(&after), without_audit(&before), "{who}: a read changes nothing else");
    }

    // CaseScope::Nothing sees nothing, and an unknown id is NotFound too; both audited.
    let before = store.audit_events().await;
    assert_not_found(store.get_case(&ctx(&alpha.supervisor), &CaseScope::Nothing, &case.id).await);
    assert_not_found(store.get_case(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), &unknown_case_id()).await);
    assert_eq!(store.audit_events().await, before + 2);
}

async fn assignment_on_registration(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;

    // A supervisor's registration is unassigned unless they name someone.
    let unassigned = store.create_case(&ctx(&alpha.supervisor), child("Ana", "Hoxha")).await.unwrap();
    assert_eq!(unassigned.assigned_to, None);
    let assigned =
        store.create_case(&ctx(&alpha.supervisor), child_assigned("Besa", "Hoxha", &alpha.colleague)).await.unwrap();
    assert_eq!(assigned.assigned_to.as_ref(), Some(&alpha.colleague.user_id));
    assert!(store.get_case(&ctx(&alpha.colleague), &scope(&alpha.colleague), &assigned.id).await.is_ok());
    assert_not_found(store.get_case(&ctx(&alpha.caseworker), &scope(&alpha.caseworker), &assigned.id).await);

    // Nobody outside the organisation, and no one who may not hold cases, can be assigned.
    let before = store.counts().await;
    for (who, assignee) in [("another organisation's caseworker", &beta.caseworker), ("an administrator", &alpha.admin)]
    {
        let refused = store.create_case(&ctx(&alpha.supervisor), child_assigned("Drita", "Kola", assignee)).await;
        assert_eq!(invalid_fields(refused), vec!["assigned_to"], "{who}");
    }
    assert_eq!(store.counts().await, before, "refused registrations write nothing");

    // A registration needs a signed-in user to own it.
    let anonymous = store.create_case(&system(), child("Ana", "Hoxha")).await;
    assert!(matches!(anonymous, Err(StoreError::Unsupported(_))), "{anonymous:?}");
}
