//! Integration tests of the store, each run against SQLite and PostgreSQL.
//!
//! Every test is an `async fn name(store: &TestStore)`; [`on_both_backends!`]
//! turns the listed ones into `sqlite::name` and `postgres::name` test cases.
//! The PostgreSQL cases run when `SAFEPATH_TEST_DATABASE_URL` is set (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), each in a fresh schema, and
//! pass with a note otherwise.

/// Generates, in the calling module, `mod sqlite` and `mod postgres` with one
/// `#[tokio::test]` per listed function. Attributes written before a name
/// (such as `#[ignore = "..."]`) apply to both of its test cases.
macro_rules! on_both_backends {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                $(#[$meta])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let store = crate::common::TestStore::sqlite().await;
                    super::$name(&store).await;
                }
            )+
        }

        mod postgres {
            $(
                $(#[$meta])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(store) = crate::common::TestStore::postgres().await else {
                        return;
                    };
                    super::$name(&store).await;
                }
            )+
        }
    };
}

mod common;
mod fixtures;

mod audit_chain;
mod backup;
mod cases;
mod directory;
mod exchange;
mod group_commit;
mod import;
mod search;
mod sessions;
mod update;
mod work_items;
mod workflow;
