//! Sign-in, sessions and sign-out.

use safepath_domain::codes::Role;
use safepath_store::{AuditContext, AuditVerification, SignInOutcome, SignInRecord, Store, StoreError};

use crate::common::TestStore;
use crate::fixtures::{new_organisation, new_user, system};

on_both_backends!(a_session_lives_from_sign_in_to_sign_out);

async fn a_session_lives_from_sign_in_to_sign_out(store: &TestStore) {
    let org = store.create_organisation(&system(), new_organisation("Alpha Aid", "ALPHA")).await.unwrap();
    let user =
        store.create_user(&system(), new_user("amira", Role::Supervisor, &org), "$argon2id$h".into()).await.unwrap();
    let attempt = |outcome, token: Option<&str>, now| SignInRecord {
        request_id: "req-1".into(),
        user: Some(user.clone()),
        outcome,
        token_hash: token.map(str::to_string),
        now,
    };
    let before = store.counts().await;

    // A failed attempt is audited and opens nothing; so is an unknown user's.
    store.record_sign_in(attempt(SignInOutcome::WrongCredentials, None, 1_000)).await.unwrap();
    store.record_sign_in(SignInRecord { user: None, ..attempt(SignInOutcome::Throttled, None, 1_000) }).await.unwrap();
    let after_failures = store.counts().await;
    assert_eq!(after_failures.audit_events, before.audit_events + 2);
    assert_eq!(after_failures.sessions, before.sessions);

    // Success opens the session in the same transaction as its event.
    store.record_sign_in(attempt(SignInOutcome::Success, Some("token-hash-1"), 2_000)).await.unwrap();
    let after_sign_in = store.counts().await;
    assert_eq!(after_sign_in.audit_events, after_failures.audit_events + 1);
    assert_eq!(after_sign_in.sessions, after_failures.sessions + 1);
    let session = store.session("token-hash-1").await.unwrap().expect("the session exists");
    assert_eq!(session.user, user);
    assert_eq!((session.created_at, session.last_seen_at), (2_000, 2_000));
    assert!(store.session("another-token").await.unwrap().is_none());

    // Activity moves last_seen_at forward only, and is not audited.
    store.touch_session("token-hash-1", 5_000).await.unwrap();
    store.touch_session("token-hash-1", 3_000).await.unwrap();
    assert_eq!(store.session("token-hash-1").await.unwrap().unwrap().last_seen_at, 5_000);
    assert_eq!(store.counts().await, after_sign_in);

    // The same token twice is a database error, and writes nothing.
    let duplicate = store.record_sign_in(attempt(SignInOutcome::Success, Some("token-hash-1"), 6_000)).await;
    assert!(matches!(duplicate, Err(StoreError::Database(_))), "{duplicate:?}");
    assert_eq!(store.counts().await, after_sign_in);

    // Sign-out ends it at once, audited.
    let actor = safepath_domain::policy::Actor {
        user_id: user.id.clone(),
        organisation_id: user.organisation_id.clone(),
        role: user.role,
    };
    store.end_session(&AuditContext::user(actor, "req-2"), "token-hash-1").await.unwrap();
    assert!(store.session("token-hash-1").await.unwrap().is_none());
    let after_sign_out = store.counts().await;
    assert_eq!(after_sign_out.sessions, after_sign_in.sessions - 1);
    assert_eq!(after_sign_out.audit_events, after_sign_in.audit_events + 1);
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM audit_events WHERE action = 'session.sign_out'").await, 1);
    assert_eq!(store.raw_count("SELECT COUNT(*) FROM audit_events WHERE action = 'session.sign_in'").await, 3);
    assert_eq!(store.verify_audit().await.unwrap(), AuditVerification::Intact { events: after_sign_out.audit_events });
}
