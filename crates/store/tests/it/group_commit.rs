//! Group commit: many concurrent callers share transactions, and a failing
//! unit of work is rolled back alone.

use std::collections::BTreeSet;

use safepath_store::{AuditVerification, CaseRegistration, SignInOutcome, SignInRecord, SqlStore, Store, StoreError};
use tokio::task::JoinSet;

use crate::common::TestStore;
use crate::fixtures::{child, child_assigned, ctx, query, scope, team};

on_both_backends!(
    concurrent_reads_and_writes_all_commit,
    a_failing_unit_is_rolled_back_alone,
    a_database_error_in_a_unit_is_rolled_back_alone,
    two_stores_on_one_database_keep_one_chain,
    registrations_written_together_stay_each_callers,
);

async fn concurrent_reads_and_writes_all_commit(store: &TestStore) {
    const CALLS: usize = 200;
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let seed = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();
    let before = store.counts().await;

    let mut tasks = JoinSet::new();
    for i in 0..CALLS {
        let shared = store.shared();
        let (worker, supervisor, seed) = (alpha.caseworker.clone(), alpha.supervisor.clone(), seed.id.clone());
        tasks.spawn(async move {
            if i % 2 == 0 {
                let case = shared.create_case(&ctx(&worker), child(&format!("Child{i}"), "Concurrent")).await?;
                Ok::<_, StoreError>(Some(case.reference))
            } else {
                let case = shared.get_case(&ctx(&supervisor), &scope(&supervisor), &seed).await?;
                assert_eq!(case.id, seed);
                Ok(None)
            }
        });
    }
    let mut references = BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        if let Some(reference) = joined.expect("task ran").expect("every call succeeds") {
            assert!(references.insert(reference), "references are unique");
        }
    }
    let creates = CALLS / 2;
    let expected: BTreeSet<String> = (2..=creates + 1).map(|n| format!("ALPHA-2026-{n:05}")).collect();
    assert_eq!(references, expected, "references are numbered without gaps");

    let after = store.counts().await;
    assert_eq!(after.audit_events, before.audit_events + CALLS as i64, "one event per call");
    assert_eq!(after.cases, before.cases + creates as i64);
    assert_eq!(after.child_identities, before.child_identities + creates as i64);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });

    let found =
        store.list_cases(&ctx(&alpha.supervisor), &scope(&alpha.supervisor), query("Concurrent")).await.unwrap();
    assert_eq!(found.total, creates as i64);
}

/// What one concurrent call of the failure-isolation test was.
enum Call {
    Valid,
    /// A registration assigned to another organisation's caseworker.
    RefusedCreate,
    /// An import whose first registrations are written before the last is refused.
    RefusedImport,
}

async fn a_failing_unit_is_rolled_back_alone(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let before = store.counts().await;

    let calls: Vec<Call> = (0..120)
        .map(|i| match i % 4 {
            0 | 2 => Call::Valid,
            1 => Call::RefusedCreate,
            _ => Call::RefusedImport,
        })
        .collect();
    let valid = calls.iter().filter(|c| matches!(c, Call::Valid)).count();

    let mut tasks = JoinSet::new();
    for (i, call) in calls.into_iter().enumerate() {
        let shared = store.shared();
        let (worker, outsider) = (alpha.caseworker.clone(), beta.caseworker.clone());
        let organisation_id = alpha.organisation.id.clone();
        tasks.spawn(async move {
            let mut aliased = crate::fixtures::case_json(&format!("Kept{i}"), "Valid");
            aliased["child"]["other_names"] = serde_json::json!([{"name": format!("Alias{i}")}]);
            match call {
                Call::Valid => {
                    let case = shared.create_case(&ctx(&worker), crate::fixtures::new_case(aliased)).await;
                    (true, case.map(|c| c.reference))
                }
                Call::RefusedCreate => {
                    let refused = child_assigned(&format!("Ghost{i}"), "Refused", &outsider);
                    (false, shared.create_case(&ctx(&worker), refused).await.map(|c| c.reference))
                }
                Call::RefusedImport => {
                    let registration = |case| CaseRegistration { organisation_id: organisation_id.clone(), case };
                    let batch = vec![
                        registration(child(&format!("Ghost{i}"), "Imported")),
                        registration(child(&format!("Ghost{i}b"), "Imported")),
                        registration(child_assigned(&format!("Ghost{i}c"), "Imported", &outsider)),
                    ];
                    (false, shared.import_cases(&ctx(&worker), batch).await.map(|ids| format!("{} ids", ids.len())))
                }
            }
        });
    }
    let mut references = BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("task ran") {
            (true, result) => {
                assert!(references.insert(result.expect("a valid registration succeeds")));
            }
            (false, result) => match result {
                Err(StoreError::Invalid(errors)) => {
                    assert_eq!(errors.fields.keys().collect::<Vec<_>>(), vec!["assigned_to"]);
                }
                other => panic!("a refused registration must be Invalid, got {other:?}"),
            },
        }
    }

    // The valid ones are all stored, numbered without gaps: the refused
    // imports' counter increments were rolled back with them.
    let expected: BTreeSet<String> = (1..=valid).map(|n| format!("ALPHA-2026-{n:05}")).collect();
    assert_eq!(references, expected);
    let after = store.counts().await;
    assert_eq!(after.cases, before.cases + valid as i64);
    assert_eq!(after.child_identities, before.child_identities + valid as i64);
    assert_eq!(after.child_names, before.child_names + valid as i64, "one alias per valid registration");
    assert_eq!(after.audit_events, before.audit_events + valid as i64, "refused units leave no event");

    // Nothing of the refused ones: no identity, no name, no search key, no case.
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM child_identities WHERE given_name LIKE 'Ghost%'").await, 0);
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM name_keys WHERE key LIKE '%ghost%'").await, 0);
    assert_eq!(
        store
            .raw_count("SELECT COUNT(*) FROM name_keys WHERE identity_id NOT IN (SELECT id FROM child_identities)")
            .await,
        0
    );
    assert_eq!(
        store.raw_count("SELECT COUNT(*) FROM cases WHERE identity_id NOT IN (SELECT id FROM child_identities)").await,
        0
    );
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });

    // And the store goes on working normally.
    let next = store.create_case(&ctx(&alpha.caseworker), child("Ana", "Hoxha")).await.unwrap();
    assert_eq!(next.reference, format!("ALPHA-2026-{:05}", valid + 1));
}

/// A unit that fails in the database itself (a duplicate session token: a
/// primary-key violation, which on PostgreSQL aborts the transaction until
/// the savepoint is rolled back) among valid units.
async fn a_database_error_in_a_unit_is_rolled_back_alone(store: &TestStore) {
    const TOKENS: usize = 10;
    const COPIES: usize = 5;
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let user = store.credentials("alpha.caseworker").await.unwrap().expect("the caseworker exists").user;
    let before = store.counts().await;

    let mut tasks = JoinSet::new();
    for copy in 0..COPIES {
        for token in 0..TOKENS {
            let shared = store.shared();
            let user = user.clone();
            tasks.spawn(async move {
                let attempt = SignInRecord {
                    request_id: format!("req-{token}-{copy}"),
                    user: Some(user),
                    outcome: SignInOutcome::Success,
                    token_hash: Some(format!("token-{token}")),
                    now: 1_000,
                };
                shared.record_sign_in(attempt).await.map(|()| "sign-in")
            });
            let shared = store.shared();
            let worker = alpha.caseworker.clone();
            tasks.spawn(async move {
                let name = format!("Child{token}x{copy}");
                shared.create_case(&ctx(&worker), child(&name, "Valid")).await.map(|_| "case")
            });
        }
    }
    let (mut sign_ins, mut cases) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("task ran") {
            Ok("sign-in") => sign_ins += 1,
            Ok(_) => cases += 1,
            Err(StoreError::Database(_)) => {}
            Err(other) => panic!("a duplicate token is a database error, got {other:?}"),
        }
    }
    assert_eq!(sign_ins, TOKENS, "exactly one sign-in per token succeeds");
    assert_eq!(cases, TOKENS * COPIES, "every registration succeeds");
    let after = store.counts().await;
    assert_eq!(after.sessions, before.sessions + TOKENS as i64);
    assert_eq!(after.cases, before.cases + (TOKENS * COPIES) as i64);
    assert_eq!(after.audit_events, before.audit_events + (TOKENS + TOKENS * COPIES) as i64);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });
}

/// Two processes (here: two stores) writing to one database never fork the chain
/// nor hand out one reference twice.
async fn two_stores_on_one_database_keep_one_chain(store: &TestStore) {
    const PER_STORE: usize = 60;
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let second: std::sync::Arc<SqlStore> = store.second_store().await;
    let before = store.counts().await;

    let mut tasks = JoinSet::new();
    for i in 0..PER_STORE * 2 {
        let shared = if i % 2 == 0 { store.shared() } else { std::sync::Arc::clone(&second) };
        let worker = alpha.caseworker.clone();
        tasks.spawn(async move {
            shared.create_case(&ctx(&worker), child(&format!("Child{i}"), "Shared")).await.map(|c| c.reference)
        });
    }
    let mut references = BTreeSet::new();
    while let Some(joined) = tasks.join_next().await {
        assert!(references.insert(joined.expect("task ran").expect("every registration succeeds")));
    }
    let expected: BTreeSet<String> = (1..=PER_STORE * 2).map(|n| format!("ALPHA-2026-{n:05}")).collect();
    assert_eq!(references, expected);
    let after = store.counts().await;
    assert_eq!(after.audit_events, before.audit_events + (PER_STORE * 2) as i64);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });
    assert_eq!(second.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });
}

/// Registrations that arrive together are written as one unit; each case is
/// still its caller's: the caller's organisation, reference series and
/// assignment, the caller's audit event under the caller's request id, and
/// the case as answered is the case as read back.
async fn registrations_written_together_stay_each_callers(store: &TestStore) {
    const CALLS: usize = 160;
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let before = store.counts().await;

    let mut tasks = JoinSet::new();
    for i in 0..CALLS {
        let shared = store.shared();
        let worker = if i % 2 == 0 { alpha.caseworker.clone() } else { beta.caseworker.clone() };
        tasks.spawn(async move {
            let context = safepath_store::AuditContext::user(worker.clone(), format!("req-together-{i}"));
            let case = shared.create_case(&context, child(&format!("Child{i}"), "Together")).await?;
            Ok::<_, StoreError>((i, worker, case))
        });
    }
    let mut answered = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        answered.push(joined.expect("task ran").expect("every registration succeeds"));
    }
    let mut references = BTreeSet::new();
    for (i, worker, case) in &answered {
        let prefix = if i % 2 == 0 { "ALPHA" } else { "BETA" };
        assert!(case.reference.starts_with(prefix), "{} for call {i}", case.reference);
        assert!(references.insert(case.reference.clone()));
        assert_eq!(case.organisation_id, worker.organisation_id);
        assert_eq!(case.assigned_to.as_ref(), Some(&worker.user_id), "a caseworker holds what they register");
        assert_eq!(case.child.given_name, format!("Child{i}"));
        let read = store.get_case(&ctx(worker), &scope(worker), &case.id).await.unwrap();
        assert_eq!(&read, case, "the case as answered is the case as stored");
        let audited = format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'case.create' AND target_id = '{}' \
             AND actor_user_id = '{}' AND actor_org_id = '{}' AND request_id = 'req-together-{i}'",
            case.id.as_str(),
            worker.user_id.as_str(),
            worker.organisation_id.as_str()
        );
        assert_eq!(store.raw_count(&audited).await, 1, "call {i} has its own event");
    }
    let per_organisation = CALLS / 2;
    for prefix in ["ALPHA", "BETA"] {
        let numbered: BTreeSet<String> = (1..=per_organisation).map(|n| format!("{prefix}-2026-{n:05}")).collect();
        assert!(numbered.is_subset(&references), "{prefix} is numbered without gaps");
    }
    let after = store.counts().await;
    assert_eq!(after.cases, before.cases + CALLS as i64);
    // One create per call, one read per call.
    assert_eq!(after.audit_events, before.audit_events + 2 * CALLS as i64);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after.audit_events });
    for (actor, organisation) in [(&alpha.supervisor, "ALPHA"), (&beta.supervisor, "BETA")] {
        let found = store.list_cases(&ctx(actor), &scope(actor), query("Together")).await.unwrap();
        assert_eq!(found.total, per_organisation as i64, "{organisation} finds its own cases by name");
    }
}
