//! Deduplicates a synthetic register in memory and prints the time of each
//! step and the pairwise quality:
//! `cargo run --release -p safepath-linkage --example synthetic_dedupe -- 100000 1`.
//! (The end-to-end figures in docs/benchmarks.md come from `safepath link
//! dedupe` on a file written by `safepath link synth`.)

use std::time::Instant;

use safepath_linkage::engine::{dedupe_register, Register, Settings};
use safepath_linkage::synth::{generate, PairwiseQuality};

fn main() {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let started = Instant::now();
    let synthetic = generate(records, seed);
    eprintln!("generated {records} records in {:.2} s", started.elapsed().as_secs_f64());
    let mut settings = Settings::default();
    if let Some(max) = args.next().and_then(|a| a.parse().ok()) {
        settings.max_pairs_per_block = max;
    }
    let started = Instant::now();
    let mut register = Register::new(settings.variants);
    for s in &synthetic {
        register.push(&s.record);
    }
    register.finish();
    eprintln!("prepared in {:.2} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let result = dedupe_register(&mut register, &settings);
    let seconds = started.elapsed().as_secs_f64();
    let truth: Vec<u64> = synthetic.iter().map(|s| s.child).collect();
    let predicted: Vec<usize> = result.clusters.iter().map(|c| c.1).collect();
    let q = PairwiseQuality::of_clusters(&predicted, &truth);
    println!(
        "records {records} dedupe {seconds:.2} s candidates {} oversized {} em {} it; precision {:.4} recall {:.4} F1 {:.4}",
        result.candidate_pairs,
        result.oversized_blocks.len(),
        result.em.iterations,
        q.precision,
        q.recall,
        q.f1
    );
    for rule in &result.blocking {
        println!("  {:<34} {:>12} {:>12}", rule.rule.name(), rule.pairs, rule.new_pairs);
    }
}
