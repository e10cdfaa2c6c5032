//! Changing a case: versions, scope, reassignment, renaming.

use safepath_domain::case::{CasePatch, CasePatchInput};
use safepath_domain::codes::{IdentificationChannel, ProtectionStatus, RiskLevel};
use safepath_domain::ids::CaseId;
use safepath_domain::policy::CaseScope;
use safepath_store::{Store, StoreError};
use serde_json::json;

use crate::common::TestStore;
use crate::fixtures::{assert_not_found, child, ctx, find, invalid_fields, query, scope, team, today, without_audit};

on_both_backends!(
    a_patch_with_the_current_version_applies,
    a_stale_version_is_refused_and_writes_nothing,
    updates_are_scoped,
    reassignment_stays_within_the_organisation,
    renaming_the_child_updates_search,
);

/// Parses a `PATCH` body as the server would.
fn patch(body: serde_json::Value) -> CasePatch {
    let input: CasePatchInput = serde_json::from_value(body).expect("patch JSON matches CasePatchInput");
    CasePatch::parse(input, today()).expect("valid patch")
}

async fn a_patch_with_the_current_version_applies(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let worker = &alpha.caseworker;
    let case = store.create_case(&ctx(worker), child("Ana", "Hoxha")).await.unwrap();
    let before = store.counts().await;

    let changes = patch(json!({
        "version": 1,
        "risk_level": "low",
        "protection_status": "separated",
        "identification": {"place": "Durrës", "channel": "police"},
        "child": {"estimated_age": 15, "languages": ["sq", "it"]},
    }));
    let updated = store.update_case(&ctx(worker), &scope(worker), &case.id, changes).await.unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.risk_level, RiskLevel::Low);
    assert_eq!(updated.protection_status, Some(ProtectionStatus::Separated));
    assert_eq!(updated.identification.place, "Durrës");
    assert_eq!(updated.identification.channel, IdentificationChannel::Police);
    assert_eq!(updated.child.estimated_age, Some(15));
    assert_eq!(updated.child.languages, vec!["sq", "it"]);
    assert!(updated.updated_at >= case.updated_at);
    // What the patch does not name stays as it was.
    assert_eq!(updated.reference, case.reference);
    assert_eq!(updated.status, case.status);
    assert_eq!(updated.assigned_to, case.assigned_to);
    assert_eq!(updated.identification.date, case.identification.date);
    assert_eq!(updated.child.given_name, "Ana");
    assert_eq!(updated.child.family_name.as_deref(), Some("Hoxha"));
    assert_eq!(updated.child.citizenship, case.child.citizenship);
    assert_eq!(updated.created_at, case.created_at);

    let after = store.counts().await;
    assert_eq!(after.audit_events, before.audit_events + 1, "an update is one event");
    assert_eq!(without_audit(&after), without_audit(&before), "an update adds no rows");

    let read = store.get_case(&ctx(worker), &scope(worker), &case.id).await.unwrap();
    assert_eq!(read, updated);

    let again = store
        .update_case(&ctx(worker), &scope(worker), &case.id, patch(json!({"version": 2, "risk_level": "medium"})))
        .await
        .unwrap();
    assert_eq!(again.version, 3);
    assert_eq!(again.risk_level, RiskLevel::Medium);
    assert_eq!(again.protection_status, Some(ProtectionStatus::Separated));
}

async fn a_stale_version_is_refused_and_writes_nothing(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let worker = &alpha.caseworker;
    let case = store.create_case(&ctx(worker), child("Ana", "Hoxha")).await.unwrap();
    store
        .update_case(&ctx(worker), &scope(worker), &case.id, patch(json!({"version": 1, "risk_level": "low"})))
        .await
        .unwrap();

    let before = store.counts().await;
    for stale in [1, 3] {
        let changes = patch(json!({"version": stale, "risk_level": "medium", "child": {"given_name": "Besa"}}));
        let result = store.update_case(&ctx(worker), &scope(worker), &case.id, changes).await;
        assert!(matches!(result, Err(StoreError::StaleVersion { current: 2 })), "version {stale}: {result:?}");
    }
    assert_eq!(store.counts().await, before, "a refused update writes nothing, not even an audit event");
    let read = store.get_case(&ctx(worker), &scope(worker), &case.id).await.unwrap();
    assert_eq!((read.version, read.risk_level, read.child.given_name.as_str()), (2, RiskLevel::Low, "Ana"));
}

async fn updates_are_scoped(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let case = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();

    for (who, actor) in [
        ("another caseworker of the organisation", &alpha.colleague),
        ("the organisation's administrator", &alpha.admin),
        ("a caseworker of another organisation", &beta.caseworker),
        ("a supervisor of another organisation", &beta.supervisor),
    ] {
        let before = store.counts().await;
        let result = store
            .update_case(&ctx(actor), &scope(actor), &case.id, patch(json!({"version": 1, "risk_level": "low"})))
            .await;
        assert!(matches!(result, Err(StoreError::NotFound)), "{who}: {result:?}");
        let after = store.counts().await;
        assert_eq!(after.audit_events, before.audit_events + 1, "{who}: the attempt is audited");
        assert_eq!(without_audit(&after), without_audit(&before), "{who}: nothing else is written");
    }
    assert_not_found(
        store.update_case(&ctx(&alpha.supervisor), &CaseScope::Nothing, &case.id, patch(json!({"version": 1}))).await,
    );
    let unknown = CaseId::parse(&uuid::Uuid::new_v4().to_string()).unwrap();
    assert_not_found(
        store
            .update_case(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), &unknown, patch(json!({"version": 1})))
            .await,
    );

    let read = store.get_case(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), &case.id).await.unwrap();
    assert_eq!((read.version, read.risk_level), (1, RiskLevel::High), "the case is untouched");

    // The supervisor may change it.
    let updated = store
        .update_case(
            &ctx(&alpha.supervisor),
            &scope(&alpha.supervisor),
            &case.id,
            patch(json!({"version": 1, "risk_level": "low"})),
        )
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
}

async fn reassignment_stays_within_the_organisation(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let supervisor = &alpha.supervisor;
    let case = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();

    let before = store.counts().await;
    for (who, assignee) in [("another organisation's caseworker", &beta.caseworker), ("an administrator", &alpha.admin)]
    {
        let changes = patch(json!({"version": 1, "assigned_to": assignee.user_id.to_string()}));
        let result = store.update_case(&ctx(supervisor), &scope(supervisor), &case.id, changes).await;
        assert_eq!(invalid_fields(result), vec!["assigned_to"], "{who}");
    }
    assert_eq!(store.counts().await, before, "a refused reassignment writes nothing");

    let changes = patch(json!({"version": 1, "assigned_to": alpha.colleague.user_id.to_string()}));
    let moved = store.update_case(&ctx(supervisor), &scope(supervisor), &case.id, changes).await.unwrap();
    assert_eq!(moved.assigned_to.as_ref(), Some(&alpha.colleague.user_id));
    assert_eq!(moved.version, 2);
    assert!(store.get_case(&ctx(&alpha.colleague), &scope(&alpha.colleague), &case.id).await.is_ok());
    assert_not_found(store.get_case(&ctx(&alpha.caseworker), &scope(&alpha.caseworker), &case.id).await);
}

async fn renaming_the_child_updates_search(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let worker = &alpha.caseworker;
    let case = store.create_case(&ctx(worker), child("Muhammad", "Hussain")).await.unwrap();
    let other = store.create_case(&ctx(worker), child("Drita", "Hussain")).await.unwrap();
    assert_eq!(find(store, worker, query("Muhammad")).await, vec![case.id.clone()]);

    let changes = patch(json!({
        "version": 1,
        "child": {"given_name": "Youssef", "other_names": [{"name": "Yusuf Kaya", "kind": "alias"}]},
    }));
    let renamed = store.update_case(&ctx(worker), &scope(worker), &case.id, changes).await.unwrap();
    assert_eq!(renamed.child.given_name, "Youssef");
    assert_eq!(renamed.child.family_name.as_deref(), Some("Hussain"), "the family name stays");
    assert_eq!(renamed.child.other_names.len(), 1);
    assert_eq!(renamed.child.other_names[0].name, "Yusuf Kaya");

    assert!(find(store, worker, query("Muhammad")).await.is_empty(), "the old name is no longer found");
    assert_eq!(find(store, worker, query("Youssef")).await, vec![case.id.clone()]);
    assert_eq!(find(store, worker, query("Kaya")).await, vec![case.id.clone()], "new other names are indexed");
    assert_eq!(find(store, worker, query("Youssef Hussain")).await, vec![case.id.clone()]);
    let mut hussains = find(store, worker, query("Hussain")).await;
    hussains.sort();
    let mut expected = vec![case.id.clone(), other.id.clone()];
    expected.sort();
    assert_eq!(hussains, expected, "the unchanged family name is still indexed");
}
