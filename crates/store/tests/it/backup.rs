//! Online backup of a SQLite store.

use safepath_store::{AuditVerification, Backend, SqlStore, Store, StoreConfig, StoreError};

use crate::common::{sqlite_url, TestStore};
use crate::fixtures::{child, ctx, scope, system, team};

on_both_backends!(a_backup_is_a_working_copy, committed_pages_reach_the_database_file_without_waiting_for_the_writer);

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

/// The writer leaves checkpoints to a connection of its own: shortly after
/// registrations are committed, the database file alone (without its WAL)
/// holds them, long before the writer's own backstop limit of WAL pages.
async fn committed_pages_reach_the_database_file_without_waiting_for_the_writer(store: &TestStore) {
    let Some(file_only) = store.temp_path("file-only.db") else {
        assert_eq!(store.backend(), Backend::Postgres, "PostgreSQL has no WAL file of ours to checkpoint");
        return;
    };
    let database = store.temp_path("safepath.db").expect("the store's own file");
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    for i in 0..20 {
        store.create_case(&ctx(&alpha.caseworker), child(&format!("Child{i}"), "Checkpointed")).await.unwrap();
    }
    let expected = store.counts().await.cases;
    let mut in_file = 0;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        // A copy of the database file without the WAL: what a checkpoint put there.
        std::fs::copy(&database, &file_only).expect("copy the database file");
        let url = format!("{}?mode=ro&immutable=1", sqlite_url(&file_only));
        // A copy taken in the middle of a checkpoint may be torn: then look again.
        let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await else { continue };
        in_file = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cases").fetch_one(&mut conn).await.unwrap_or(-1);
        let _ = sqlx::Connection::close(conn).await;
        if in_file == expected {
            break;
        }
    }
    assert_eq!(in_file, expected, "the checkpointer copied the committed cases into the database file");
}
