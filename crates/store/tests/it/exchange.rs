//! The exchange paths: an export reads only the caller's scope and is one
//! audited `case.export`; a bulk import reports progress and, refused, writes
//! nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use safepath_domain::codes::RiskLevel;
use safepath_store::{AuditVerification, CaseRegistration, ExportFilter, Store};

use crate::common::TestStore;
use crate::fixtures::{child, child_assigned, ctx, invalid_fields, scope, system, team};

on_both_backends!(an_export_reads_the_callers_scope_and_is_audited_once, a_bulk_import_reports_progress_and_is_whole);

async fn an_export_reads_the_callers_scope_and_is_audited_once(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let mine = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();
    store.create_case(&ctx(&alpha.colleague), child("Besa", "Kola")).await.unwrap();
    store.create_case(&ctx(&beta.caseworker), child("Dritan", "Leka")).await.unwrap();
    let events = store.audit_events().await;

    let own = store.export_cases(&ctx(&alpha.caseworker), &scope(&alpha.caseworker), ExportFilter::default()).await;
    let own = own.unwrap();
    assert_eq!(own, vec![store.get_case(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), &mine.id).await.unwrap()]);
    let organisation =
        store.export_cases(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), ExportFilter::default()).await.unwrap();
    let mut names: Vec<&str> = organisation.iter().map(|c| c.child.given_name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Ana", "Besa"], "the organisation's cases, never another's");
    let filtered = ExportFilter { risk_level: Some(RiskLevel::Low), ..Default::default() };
    assert!(store.export_cases(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), filtered).await.unwrap().is_empty());
    let nothing = store.export_cases(&ctx(&alpha.admin), &scope(&alpha.admin), ExportFilter::default()).await.unwrap();
    assert!(nothing.is_empty(), "an admin reads no identities");

    // Four exports (the caller's + the supervisor's read in between), one event each, field names only.
    assert_eq!(store.audit_events().await, events + 5);
    let exports = store.raw_count("SELECT COUNT(*) FROM audit_events WHERE action = 'case.export'").await;
    assert_eq!(exports, 4);
    let valued = store
        .raw_count("SELECT COUNT(*) FROM audit_events WHERE action = 'case.export' AND (fields LIKE '%Ana%' OR fields LIKE '%Hoxha%')")
        .await;
    assert_eq!(valued, 0, "no value in an audit event");
}

async fn a_bulk_import_reports_progress_and_is_whole(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    // More than one chunk and one statement's worth of rows, two organisations interleaved.
    let registrations: Vec<CaseRegistration> = (0..1_234)
        .map(|i| {
            let (team, case) = if i % 3 == 0 {
                (&beta, child(&format!("Beta{i}"), "Imported"))
            } else {
                (&alpha, child_assigned(&format!("Alpha{i}"), "Imported", &alpha.caseworker))
            };
            CaseRegistration { organisation_id: team.organisation.id.clone(), case }
        })
        .collect();
    let seen = Arc::new(AtomicUsize::new(0));
    let reporter = Arc::clone(&seen);
    let before = store.counts().await;
    let ids = store
        .import_cases_with_progress(
            &system(),
            registrations.clone(),
            Arc::new(move |done| {
                assert!(done >= reporter.swap(done, Ordering::SeqCst), "progress never goes back");
            }),
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 1_234);
    assert_eq!(seen.load(Ordering::SeqCst), 1_234);
    let after = store.counts().await;
    assert_eq!(after.cases, before.cases + 1_234);
    assert_eq!(after.audit_events, before.audit_events + 1_234);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });
    let last_beta = store.get_case(&ctx(&beta.supervisor), &scope(&beta.supervisor), &ids[1_233]).await.unwrap();
    assert_eq!(last_beta.reference, "BETA-2026-00412", "references per organisation, in order");
    let alpha_cases =
        store.export_cases(&ctx(&alpha.caseworker), &scope(&alpha.caseworker), ExportFilter::default()).await.unwrap();
    assert_eq!(alpha_cases.len(), 822, "assigned as registered");

    // The same import once more with one registration of an unknown
    // organisation at the very end: nothing at all is written.
    let mut refused = registrations;
    refused.push(CaseRegistration {
        organisation_id: safepath_domain::ids::OrganisationId::from_trusted(
            "00000000-0000-4000-8000-000000000000".into(),
        ),
        case: child("Nobody", "Anywhere"),
    });
    let before = store.counts().await;
    assert_eq!(invalid_fields(store.import_cases(&system(), refused).await), vec!["organisation_id"]);
    assert_eq!(store.counts().await, before, "a refused import writes nothing");
}
