//! Organisations and users.

use safepath_domain::codes::Role;
use safepath_domain::ids::OrganisationId;
use safepath_domain::user::NewUser;
use safepath_store::Store;

use crate::common::TestStore;
use crate::fixtures::{invalid_fields, new_organisation, new_user, system};

on_both_backends!(
    organisations_are_created_and_listed_by_name,
    users_are_created_with_their_credentials,
    is_empty_until_an_organisation_exists
);

async fn organisations_are_created_and_listed_by_name(store: &TestStore) {
    let before = store.counts().await;
    let zeta = store.create_organisation(&system(), new_organisation("Zeta Aid", "ZETA")).await.unwrap();
    let alpha = store.create_organisation(&system(), new_organisation("Alpha Aid", "ALPHA")).await.unwrap();
    assert_eq!(alpha.name, "Alpha Aid");
    assert_eq!(alpha.reference_prefix, "ALPHA");
    assert_eq!(alpha.countries, vec!["AL"]);
    assert_eq!(alpha.services, vec!["shelter"]);
    assert_ne!(alpha.id, zeta.id);
    let after_create = store.counts().await;
    assert_eq!(after_create.organisations, before.organisations + 2);
    assert_eq!(after_create.audit_events, before.audit_events + 2, "one event per organisation created");

    let listed = store.list_organisations(&system()).await.unwrap();
    assert_eq!(listed, vec![alpha.clone(), zeta.clone()], "sorted by name, as created");
    assert_eq!(store.audit_events().await, after_create.audit_events + 1, "a list is one event");

    // A second organisation with the same prefix is refused, and nothing is written.
    let before_duplicate = store.counts().await;
    let duplicate = store.create_organisation(&system(), new_organisation("Another Aid", "ZETA")).await;
    assert_eq!(invalid_fields(duplicate), vec!["reference_prefix"]);
    assert_eq!(store.counts().await, before_duplicate, "a refused organisation writes nothing");
}

async fn users_are_created_with_their_credentials(store: &TestStore) {
    let org = store.create_organisation(&system(), new_organisation("Alpha Aid", "ALPHA")).await.unwrap();
    let before = store.counts().await;

    let user = store
        .create_user(&system(), new_user("amira", Role::Caseworker, &org), "$argon2id$hash-1".into())
        .await
        .unwrap();
    assert_eq!(user.username, "amira");
    assert_eq!(user.role, Role::Caseworker);
    assert_eq!(user.organisation_id, org.id);
    assert_eq!(user.language, "en");
    let after = store.counts().await;
    assert_eq!(after.users, before.users + 1);
    assert_eq!(after.audit_events, before.audit_events + 1, "one event per user created");

    // The same username again (in any organisation) is refused.
    let other = store.create_organisation(&system(), new_organisation("Beta Aid", "BETA")).await.unwrap();
    let before_refusals = store.counts().await;
    let duplicate =
        store.create_user(&system(), new_user("amira", Role::Supervisor, &other), "$argon2id$hash-2".into()).await;
    assert_eq!(invalid_fields(duplicate), vec!["username"]);

    // A user of an organisation that does not exist is refused.
    let ghost_org = OrganisationId::parse(&uuid::Uuid::new_v4().to_string()).unwrap();
    let orphan = NewUser { organisation_id: ghost_org, ..new_user("orphan", Role::Caseworker, &org) };
    let orphan = store.create_user(&system(), orphan, "$argon2id$hash-3".into()).await;
    assert_eq!(invalid_fields(orphan), vec!["organisation_id"]);
    assert_eq!(store.counts().await, before_refusals, "refused users write nothing");

    // Credentials: the stored hash, not audited by themselves.
    let credentials = store.credentials("amira").await.unwrap().expect("amira exists");
    assert_eq!(credentials.user, user);
    assert_eq!(credentials.password_hash, "$argon2id$hash-1");
    assert!(credentials.active);
    assert!(store.credentials("nobody").await.unwrap().is_none());
    assert!(store.credentials("orphan").await.unwrap().is_none());
    assert_eq!(store.counts().await, before_refusals, "reading credentials writes nothing");
}

async fn is_empty_until_an_organisation_exists(store: &TestStore) {
    assert!(store.is_empty().await.unwrap(), "a fresh store is empty");
    store.create_organisation(&system(), new_organisation("Alpha Aid", "ALPHA")).await.unwrap();
    assert!(!store.is_empty().await.unwrap(), "an organisation makes it non-empty");
}
