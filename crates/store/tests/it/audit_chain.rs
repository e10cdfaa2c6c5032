//! The hash-chained audit trail: verification, and tampering detected.

use safepath_store::{AuditVerification, Store};

use crate::common::TestStore;
use crate::fixtures::{child, ctx, query, scope, team};

on_both_backends!(
    the_chain_verifies_after_activity,
    audit_events_are_append_only,
    an_altered_event_breaks_the_chain,
    a_removed_event_breaks_the_chain,
    removing_the_newest_event_is_detected,
);

/// Some of everything that is audited; returns the number of events.
async fn activity(store: &TestStore) -> i64 {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let worker = &alpha.caseworker;
    let case = store.create_case(&ctx(worker), child("Ana", "Hoxha")).await.unwrap();
    store.create_case(&ctx(worker), child("Besa", "Kola")).await.unwrap();
    store.get_case(&ctx(worker), &scope(worker), &case.id).await.unwrap();
    store.get_case(&ctx(&alpha.colleague), &scope(&alpha.colleague), &case.id).await.unwrap_err();
    store.list_cases(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), query("Hoxha")).await.unwrap();
    store.list_organisations(&ctx(&alpha.admin)).await.unwrap();
    let events = store.audit_events().await;
    assert!(events >= 10, "enough events to tamper with: {events}");
    events
}

#[track_caller]
fn assert_broken_at(verification: AuditVerification, expected_seq: i64) -> String {
    match verification {
        AuditVerification::Broken { seq, reason } => {
            assert_eq!(seq, expected_seq, "broken at the wrong event ({reason})");
            reason
        }
        intact => panic!("expected a broken chain at event {expected_seq}, got {intact:?}"),
    }
}

async fn the_chain_verifies_after_activity(store: &TestStore) {
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: 0 }, "an empty chain");
    let events = activity(store).await;
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events });
    // Verifying is not itself an audited write.
    assert_eq!(store.audit_events().await, events);
}

async fn audit_events_are_append_only(store: &TestStore) {
    let events = activity(store).await;
    let update = store.raw_execute("UPDATE audit_events SET outcome = 'denied' WHERE seq = 3").await;
    assert!(update.is_err(), "UPDATE of an audit event must fail: {update:?}");
    let delete = store.raw_execute("DELETE FROM audit_events WHERE seq = 3").await;
    assert!(delete.is_err(), "DELETE of an audit event must fail: {delete:?}");
    let delete_all = store.raw_execute("DELETE FROM audit_events").await;
    assert!(delete_all.is_err(), "DELETE of all audit events must fail: {delete_all:?}");
    assert_eq!(store.audit_events().await, events);
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM audit_events WHERE outcome = 'denied'").await, 0);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events });
}

async fn an_altered_event_breaks_the_chain(store: &TestStore) {
    activity(store).await;
    store.disable_audit_protection().await;
    let changed = store.raw_execute("UPDATE audit_events SET outcome = 'not_found' WHERE seq = 4").await.unwrap();
    assert_eq!(changed, 1);
    let reason = assert_broken_at(store.verify_audit().await.unwrap(), 4);
    assert!(reason.contains("altered"), "{reason}");
}

async fn a_removed_event_breaks_the_chain(store: &TestStore) {
    activity(store).await;
    store.disable_audit_protection().await;
    assert_eq!(store.raw_execute("DELETE FROM audit_events WHERE seq = 5").await.unwrap(), 1);
    let reason = assert_broken_at(store.verify_audit().await.unwrap(), 5);
    assert!(reason.contains('5'), "the reason names the missing event: {reason}");
}

async fn removing_the_newest_event_is_detected(store: &TestStore) {
    let events = activity(store).await;
    store.disable_audit_protection().await;
    let sql = format!("DELETE FROM audit_events WHERE seq = {events}");
    assert_eq!(store.raw_execute(&sql).await.unwrap(), 1);
    let reason = assert_broken_at(store.verify_audit().await.unwrap(), events);
    assert!(reason.contains("removed"), "{reason}");
}
