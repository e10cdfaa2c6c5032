//! Online backup of a SQLite store.

use safepath_store::{AuditVerification, Backend, SqlStore, Store, StoreConfig, StoreError};

use crate::common::{sqlite_url, TestStore};
use crate::fixtures::{child, ctx, scope, system, team};

on_both_backends!(a_backup_is_a_working_copy);

async fn a_backup_is_a_working_copy(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let case = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();
    let before = store.counts().await;

    let Some(destination) = store.temp_path("backup.db") else {
        assert_eq!(store.backend(), Backend::Postgres);
        let result = store.backup(&system(), "/tmp/never-written.db").await;
        assert!(matches!(result, Err(StoreError::Unsupported(_))), "{result:?}");
        assert_eq!(store.counts().await, before, "a refused backup writes nothing");
        return;
    };
    store.backup(&system(), destination.to_str().expect("UTF-8 path")).await.unwrap();
    let after = store.counts().await;
    assert_eq!(after.audit_events, before.audit_events + 1, "a backup is audited");

    let copy = SqlStore::open(&StoreConfig::new(sqlite_url(&destination))).await.expect("the backup opens as a store");
    assert_eq!(copy.row_counts().await.unwrap(), before, "the copy holds what was there when it was taken");
    assert_eq!(copy.verify_audit().await.unwrap(), AuditVerification::Intact { events: before.audit_events });
    let read = copy.get_case(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), &case.id).await.unwrap();
    assert_eq!(read.reference, case.reference);
    assert_eq!(read.child, case.child);

    // The original's chain, with the backup event, verifies too.
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });
}
