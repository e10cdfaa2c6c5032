//! Listing and searching cases: tolerant name search, scope, filters, pages.

use std::collections::BTreeSet;

use safepath_domain::codes::{CaseStatus, RiskLevel};
use safepath_domain::ids::CaseId;
use safepath_domain::policy::CaseScope;
use safepath_store::{Backend, CaseFilter, CaseRegistration, Store};
use serde_json::json;

use crate::common::TestStore;
use crate::fixtures::{case_json, child, child_assigned, ctx, find, new_case, query, scope, system, team, Team};

on_both_backends!(
    exact_names_are_found,
    names_are_found_tolerantly,
    search_respects_scope,
    lists_are_paged,
    lists_are_filtered,
    imported_cases_are_found,
    cases_registered_before_the_search_index_are_found,
);

/// The children of the search tests, registered by Alpha's caseworker.
struct Children {
    muhammad: CaseId,
    aleksandr: CaseId,
    john: CaseId,
    elira: CaseId,
    maria: CaseId,
}

async fn register_children(store: &TestStore, team: &Team) -> Children {
    let actor = ctx(&team.caseworker);
    let register = |body| {
        let case = new_case(body);
        let actor = actor.clone();
        async move { store.create_case(&actor, case).await.expect("register").id }
    };
    let mut aleksandr = case_json("Aleksandr", "Petrov");
    aleksandr["child"]["other_names"] = json!([{"name": "Александр Петров"}]);
    Children {
        muhammad: register(case_json("Muhammad", "Hussain")).await,
        aleksandr: register(aleksandr).await,
        john: register(case_json("John", "Smyth")).await,
        elira: register(case_json("Élira", "Çela")).await,
        maria: register(case_json("Maria", "Koné")).await,
    }
}

async fn exact_names_are_found(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let children = register_children(store, &alpha).await;
    let supervisor = &alpha.supervisor;
    for (text, expected) in [
        ("Muhammad", &children.muhammad),
        ("hussain", &children.muhammad),
        ("Muhammad Hussain", &children.muhammad),
        ("PETROV", &children.aleksandr),
        ("Александр", &children.aleksandr),
        ("John Smyth", &children.john),
        ("Élira Çela", &children.elira),
        ("Maria", &children.maria),
        ("Koné", &children.maria),
    ] {
        assert_eq!(find(store, supervisor, query(text)).await, vec![expected.clone()], "query {text:?}");
    }
    for text in ["Nobody", "Muhammad Petrov", "", "  ;-) "] {
        assert_eq!(find(store, supervisor, query(text)).await, Vec::<CaseId>::new(), "query {text:?}");
    }
}

async fn names_are_found_tolerantly(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let children = register_children(store, &alpha).await;
    let supervisor = &alpha.supervisor;
    for (text, expected) in [
        ("Mohammed", &children.muhammad),
        ("hussain muhammad", &children.muhammad),
        ("Alexander", &children.aleksandr),
        ("Александр", &children.aleksandr),
        ("Jon Smith", &children.john),
        ("elira cela", &children.elira),
        ("ELIRA CELA", &children.elira),
        ("Kone", &children.maria),
    ] {
        assert_eq!(find(store, supervisor, query(text)).await, vec![expected.clone()], "query {text:?}");
    }
    let mario = find(store, supervisor, query("Mario")).await;
    assert!(!mario.contains(&children.maria), "\"Mario\" must not find Maria");
}

async fn search_respects_scope(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let children = register_children(store, &alpha).await;
    let theirs = store.create_case(&ctx(&beta.caseworker), child("Aleksandr", "Petrov")).await.unwrap();

    assert_eq!(find(store, &alpha.caseworker, query("Petrov")).await, vec![children.aleksandr.clone()]);
    assert_eq!(find(store, &alpha.supervisor, query("Petrov")).await, vec![children.aleksandr.clone()]);
    assert_eq!(find(store, &beta.supervisor, query("Petrov")).await, vec![theirs.id.clone()]);
    assert_eq!(find(store, &beta.supervisor, query("Muhammad")).await, Vec::<CaseId>::new());
    assert_eq!(find(store, &alpha.colleague, query("Petrov")).await, Vec::<CaseId>::new());
    assert_eq!(find(store, &alpha.admin, query("Petrov")).await, Vec::<CaseId>::new());

    let nothing = store.list_cases(&ctx(&alpha.supervisor), &CaseScope::Nothing, query("Petrov")).await.unwrap();
    assert_eq!((nothing.total, nothing.cases.len()), (0, 0));
}

async fn lists_are_paged(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    register_children(store, &alpha).await;
    let supervisor = &alpha.supervisor;
    let mut seen = BTreeSet::new();
    for (page, expected_len) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
        let before = store.audit_events().await;
        let filter = CaseFilter { page, per_page: 2, ..Default::default() };
        let listed = store.list_cases(&ctx(supervisor), &crate::fixtures::scope(supervisor), filter).await.unwrap();
        assert_eq!(store.audit_events().await, before + 1, "a list is one event");
        assert_eq!(listed.total, 5, "page {page}");
        assert_eq!((listed.page, listed.per_page), (page, 2));
        assert_eq!(listed.cases.len(), expected_len, "page {page}");
        for summary in listed.cases {
            assert!(seen.insert(summary.id), "a case appears on one page only");
        }
    }
    assert_eq!(seen.len(), 5);

    // Newest first: the last registered leads the first page.
    let first = store
        .list_cases(
            &ctx(supervisor),
            &crate::fixtures::scope(supervisor),
            CaseFilter { page: 1, per_page: 20, ..Default::default() },
        )
        .await
        .unwrap();
    let updated: Vec<i64> = first.cases.iter().map(|c| c.updated_at).collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "sorted by updated_at, newest first: {updated:?}");
    let maria = first.cases.iter().find(|c| c.given_name == "Maria").expect("Maria is listed");
    assert_eq!(maria.family_name.as_deref(), Some("Koné"));
    assert_eq!(maria.identification_date, "2026-03-15");
    assert_eq!(maria.reference, "ALPHA-2026-00005");
}

async fn lists_are_filtered(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let supervisor = &alpha.supervisor;
    let mut low = case_json("Ana", "Hoxha");
    low["risk_level"] = "low".into();
    let low = store.create_case(&ctx(&alpha.caseworker), new_case(low)).await.unwrap();
    let high = store.create_case(&ctx(&alpha.caseworker), child("Besa", "Hoxha")).await.unwrap();
    let colleagues =
        store.create_case(&ctx(supervisor), child_assigned("Drita", "Hoxha", &alpha.colleague)).await.unwrap();

    let all = |filter: CaseFilter| CaseFilter { page: 1, per_page: 20, ..filter };
    let sorted = |mut ids: Vec<CaseId>| {
        ids.sort();
        ids
    };
    let registered =
        find(store, supervisor, all(CaseFilter { status: Some(CaseStatus::Registered), ..Default::default() })).await;
    assert_eq!(sorted(registered), sorted(vec![low.id.clone(), high.id.clone(), colleagues.id.clone()]));
    let closed =
        find(store, supervisor, all(CaseFilter { status: Some(CaseStatus::Closed), ..Default::default() })).await;
    assert!(closed.is_empty());
    let low_risk =
        find(store, supervisor, all(CaseFilter { risk_level: Some(RiskLevel::Low), ..Default::default() })).await;
    assert_eq!(low_risk, vec![low.id.clone()]);
    let high_risk =
        find(store, supervisor, all(CaseFilter { risk_level: Some(RiskLevel::High), ..Default::default() })).await;
    assert_eq!(sorted(high_risk), sorted(vec![high.id.clone(), colleagues.id.clone()]));
    let assigned = find(
        store,
        supervisor,
        all(CaseFilter { assigned_to: Some(alpha.colleague.user_id.clone()), ..Default::default() }),
    )
    .await;
    assert_eq!(assigned, vec![colleagues.id.clone()]);
    let combined = find(
        store,
        supervisor,
        all(CaseFilter {
            query: Some("hoxha".into()),
            risk_level: Some(RiskLevel::High),
            assigned_to: Some(alpha.caseworker.user_id.clone()),
            ..Default::default()
        }),
    )
    .await;
    assert_eq!(combined, vec![high.id.clone()]);
}

/// A bulk import indexes its cases for the search in one set-based step at
/// its end: each imported child is found, tolerantly, by its organisation
/// only.
async fn imported_cases_are_found(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let names = [("Muhammad", "Hussain"), ("Aleksandr", "Petrov"), ("John", "Smyth")];
    let registrations: Vec<CaseRegistration> = names
        .iter()
        .map(|(given, family)| CaseRegistration {
            organisation_id: alpha.organisation.id.clone(),
            case: child(given, family),
        })
        .chain([CaseRegistration { organisation_id: beta.organisation.id.clone(), case: child("Muhammad", "Hussain") }])
        .collect();
    let ids = store.import_cases(&system(), registrations).await.unwrap();
    let supervisor = &alpha.supervisor;
    assert_eq!(find(store, supervisor, query("Mohammed Husain")).await, vec![ids[0].clone()]);
    assert_eq!(find(store, supervisor, query("Alexander")).await, vec![ids[1].clone()]);
    assert_eq!(find(store, supervisor, query("Jon Smith")).await, vec![ids[2].clone()]);
    assert_eq!(find(store, &beta.supervisor, query("Muhammad")).await, vec![ids[3].clone()]);
    // A case registered after the import is numbered after it and found too.
    let later = store.create_case(&ctx(&alpha.caseworker), child("Muhammad", "Ali")).await.unwrap();
    let mut found = find(store, supervisor, query("Muhammad")).await;
    found.sort();
    let mut expected = vec![ids[0].clone(), later.id.clone()];
    expected.sort();
    assert_eq!(found, expected);
}

/// A database whose cases were registered before the search's integer index
/// existed (migration 0007) is indexed by that migration when it is opened:
/// every child is still found, and registration goes on numbering after them.
async fn cases_registered_before_the_search_index_are_found(store: &TestStore) {
    let alpha = team(store, "Alpha Aid", "ALPHA").await;
    let beta = team(store, "Beta Aid", "BETA").await;
    let children = register_children(store, &alpha).await;
    let theirs = store.create_case(&ctx(&beta.caseworker), child("Aleksandr", "Petrov")).await.unwrap();
    // Back to the schema before 0007, with the data as it was then.
    let mut undo = vec!["DROP TABLE search_keys", "DROP TABLE search_terms"];
    if store.backend() == Backend::Sqlite {
        undo.push("DROP INDEX cases_search");
    }
    undo.extend(["DROP INDEX cases_search_no", "ALTER TABLE cases DROP COLUMN search_no"]);
    undo.push("DELETE FROM schema_migrations WHERE version = 7");
    for sql in undo {
        store.raw_execute(sql).await.expect(sql);
    }

    let upgraded = store.second_store().await;
    let found = |actor, text: &str| {
        let upgraded = upgraded.clone();
        let filter = query(text);
        async move {
            let page = upgraded.list_cases(&ctx(actor), &scope(actor), filter).await.expect("search");
            page.cases.into_iter().map(|c| c.id).collect::<Vec<CaseId>>()
        }
    };
    let supervisor = &alpha.supervisor;
    assert_eq!(found(supervisor, "Mohammed").await, vec![children.muhammad.clone()]);
    assert_eq!(found(supervisor, "Александр").await, vec![children.aleksandr.clone()]);
    assert_eq!(found(supervisor, "Jon Smith").await, vec![children.john.clone()]);
    assert_eq!(found(supervisor, "elira cela").await, vec![children.elira.clone()]);
    assert_eq!(found(supervisor, "Kone").await, vec![children.maria.clone()]);
    assert_eq!(found(&beta.supervisor, "Alexander").await, vec![theirs.id.clone()]);
    let later = upgraded.create_case(&ctx(&alpha.caseworker), child("Maria", "Hoxha")).await.unwrap();
    let mut marias = found(supervisor, "Maria").await;
    marias.sort();
    let mut expected = vec![children.maria.clone(), later.id.clone()];
    expected.sort();
    assert_eq!(marias, expected);
}
