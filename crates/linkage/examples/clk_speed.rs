//! CPU cost of CLK matching, for profiling and for `perf stat`: reads two
//! files of encodings (`id,clk`, as `safepath link encode` writes them) and
//! runs [`candidate_pairs`] on them `runs` times on one thread, exhaustive
//! or with LSH blocking, then prints the pairs found and the mean time per
//! run:
//! `cargo run --release -p safepath-linkage --example clk_speed -- left.clk.csv right.clk.csv 51 [tables bits]`.
//!
//! The process's CPU time minus that of a run with `runs = 1` is the cost of
//! `runs − 1` matchings without reading the files (how
//! `docs/benchmarks.md` measures it on a loaded machine).

use std::time::Instant;

use safepath_linkage::clk::{candidate_pairs, Encoding, LshBlocking, MatchOptions};

fn read(path: &str) -> Vec<Encoding> {
    let text = std::fs::read_to_string(path).expect("readable file");
    text.lines()
        .skip(1)
        .map(|line| {
            let (id, clk) = line.rsplit_once(',').expect("id,clk");
            Encoding::from_text(id, clk).expect("an encoding")
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (left, right) = (read(&args[0]), read(&args[1]));
    let runs: usize = args.get(2).map_or(1, |a| a.parse().expect("a number of runs"));
    let lsh = args.get(3).map(|tables| LshBlocking {
        tables: tables.parse().expect("a number of tables"),
        bits: args.get(4).map_or(16, |b| b.parse().expect("bits per table")),
        seed: 0x5afe_b10c,
    });
    let options = MatchOptions { lsh, ..MatchOptions::default() };
    let started = Instant::now();
    let mut found = None;
    for _ in 0..runs {
        found = Some(candidate_pairs(&left, &right, &options).expect("matching"));
    }
    let seconds = started.elapsed().as_secs_f64() / runs.max(1) as f64;
    let found = found.expect("at least one run");
    println!(
        "{} x {}: {} pairs at Dice >= {}, {} comparisons, {:.3} ms per run ({:.0} M pairs decided per second)",
        left.len(),
        right.len(),
        found.pairs.len(),
        options.threshold,
        found.comparisons,
        seconds * 1e3,
        left.len() as f64 * right.len() as f64 / seconds / 1e6
    );
}
