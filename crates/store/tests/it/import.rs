//! Bulk registration: all or nothing.

use safepath_store::{AuditVerification, CaseRegistration, Store};

use crate::common::TestStore;
use crate::fixtures::{child, child_assigned, ctx, scope, system, team, without_audit};

on_both_backends!(an_import_stores_and_audits_every_case, an_import_with_one_refused_case_stores_none);

async fn an_import_stores_and_audits_every_case(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let before = store.counts().await;
    let registrations: Vec<CaseRegistration> = (0..50)
        .map(|i| CaseRegistration {
            organisation_id: alpha.organisation.id.clone(),
            case: if i % 2 == 0 {
                child_assigned(&format!("Imported{i}"), "Batch", &alpha.caseworker)
            } else {
                child(&format!("Imported{i}"), "Batch")
            },
        })
        .collect();
    let ids = store.import_cases(&system(), registrations).await.unwrap();
    assert_eq!(ids.len(), 50);

    let after = store.counts().await;
    assert_eq!(after.cases, before.cases + 50);
    assert_eq!(after.child_identities, before.child_identities + 50);
    assert_eq!(after.audit_events, before.audit_events + 50, "one event per imported case");
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });

    let supervisor = &alpha.supervisor;
    for (i, id) in ids.iter().enumerate() {
        let case = store.get_case(&ctx(supervisor), &scope(supervisor), id).await.unwrap();
        assert_eq!(case.reference, format!("ALPHA-2026-{:05}", i + 1), "imported in order");
        assert_eq!(case.child.given_name, format!("Imported{i}"));
        let expected_assignee = (i % 2 == 0).then(|| alpha.caseworker.user_id.clone());
        assert_eq!(case.assigned_to, expected_assignee, "a system import assigns only whom it names");
    }
}

async fn an_import_with_one_refused_case_stores_none(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let before = store.counts().await;
    let mut registrations: Vec<CaseRegistration> = (0..10)
        .map(|i| CaseRegistration {
            organisation_id: alpha.organisation.id.clone(),
            case: child(&format!("Imported{i}"), "Batch"),
        })
        .collect();
    registrations.push(CaseRegistration {
        organisation_id: alpha.organisation.id.clone(),
        case: child_assigned("Last", "Batch", &beta.caseworker),
    });
    let refused = store.import_cases(&system(), registrations).await;
    assert_eq!(crate::fixtures::invalid_fields(refused), vec!["assigned_to"]);
    let after = store.counts().await;
    assert_eq!(after, before, "nothing of a refused import is stored");
    assert_eq!(without_audit(&after), without_audit(&before));

    // The reference counter was not advanced either.
    let next = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();
    assert_eq!(next.reference, "ALPHA-2026-00001");
}
