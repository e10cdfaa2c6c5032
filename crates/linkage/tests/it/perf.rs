//! A rough throughput check, ignored by default (timings in debug builds and
//! on shared CI machines mean little). Run with
//! `cargo test --release -p safepath-linkage --test it -- --ignored --nocapture`.

use std::time::Instant;

use safepath_linkage::{name_index_keys, query_keys};

#[test]
#[ignore = "timing; run in release by hand"]
fn keys_take_a_few_microseconds_per_name() {
    let names = [
        "Muhammad",
        "Fatoumata Diallo",
        "Александр Петров",
        "Γιώργος Παπαδόπουλος",
        "लक्ष्मी थापा",
        "محمد علي",
        "Gëzim Hoxha",
        "Jon Smith",
    ];
    let rounds = 20_000;
    let start = Instant::now();
    let mut total_keys = 0;
    for _ in 0..rounds {
        for name in names {
            total_keys += name_index_keys(name).len();
            total_keys += query_keys(name).len();
        }
    }
    let per_name = start.elapsed() / (rounds * names.len() as u32);
    println!("{per_name:?} per name (index + query keys), {total_keys} keys");
    assert!(per_name.as_micros() < 50, "{per_name:?}");
}
