//! `safepath link`: record linkage on CSV files, without a database.
//!
//! * `dedupe` finds the duplicates in one register (`id,cluster_id`);
//! * `match` finds the children of one register in another
//!   (`left_id,right_id,probability`);
//! * `encode` and `match-encodings`: privacy-preserving matching between
//!   organisations on keyed Bloom-filter encodings (`clk` module of the
//!   linkage crate);
//! * `synth` and `evaluate`: a synthetic register with known truth, and the
//!   pairwise precision and recall of a result against it (benchmarks).
//!
//! Every command checks its input completely before writing anything, and
//! writes its output whole or not at all ([`output::AtomicCsv`]).

mod encodings;
mod input;
mod output;
mod synth;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use safepath_linkage::engine::{self, Settings};

#[derive(Args)]
pub struct LinkArgs {
    #[command(subcommand)]
    command: LinkCommand,
}

#[derive(Subcommand)]
enum LinkCommand {
    /// Find the records of one register that are the same child; writes `id,cluster_id`.
    #[command(after_help = input::COLUMNS_HELP)]
    Dedupe {
        /// Register to deduplicate (CSV, UTF-8, with a header naming an `id` column).
        #[arg(long)]
        input: PathBuf,
        /// File to write (`id,cluster_id`, one row per input record, in input order).
        #[arg(long)]
        output: PathBuf,
        /// Match probability at or above which two records are linked.
        #[arg(long, default_value_t = engine::DEFAULT_THRESHOLD)]
        threshold: f64,
    },
    /// Find the children of one register in another; writes `left_id,right_id,probability`.
    #[command(after_help = input::COLUMNS_HELP)]
    Match {
        /// First register (CSV with an `id` column).
        #[arg(long)]
        left: PathBuf,
        /// Second register (CSV with an `id` column).
        #[arg(long)]
        right: PathBuf,
        /// File to write (`left_id,right_id,probability`, most probable first).
        #[arg(long)]
        output: PathBuf,
        /// Match probability at or above which two records are linked.
        #[arg(long, default_value_t = engine::DEFAULT_THRESHOLD)]
        threshold: f64,
    },
    /// Encode a register as keyed Bloom filters (CLKs) to exchange with another organisation; writes `id,clk`.
    Encode(encodings::EncodeArgs),
    /// Match two files of encodings on the Dice coefficient; writes `left_id,right_id,dice`.
    MatchEncodings(encodings::MatchEncodingsArgs),
    /// Write a synthetic register with known truth (`child_id`, `family_id` columns), for benchmarks.
    Synth(synth::SynthArgs),
    /// Pairwise precision, recall and F1 of `clusters.csv` against a truth column.
    Evaluate(synth::EvaluateArgs),
}

pub fn run(args: LinkArgs) -> anyhow::Result<()> {
    match args.command {
        LinkCommand::Dedupe { input, output, threshold } => dedupe(&input, &output, threshold),
        LinkCommand::Match { left, right, output, threshold } => match_registers(&left, &right, &output, threshold),
        LinkCommand::Encode(args) => encodings::encode(args),
        LinkCommand::MatchEncodings(args) => encodings::match_encodings(args),
        LinkCommand::Synth(args) => synth::synth(args),
        LinkCommand::Evaluate(args) => synth::evaluate(args),
    }
}

/// A bar over the bytes of a file being read (drawn only on a terminal).
fn reading_bar(path: &Path) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("reading {}", path.display()));
    bar
}

/// A spinner for a step whose length is unknown.
fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn check_threshold(threshold: f64) -> anyhow::Result<()> {
    if !(threshold > 0.0 && threshold < 1.0) {
        anyhow::bail!("--threshold must be a probability strictly between 0 and 1, got {threshold}");
    }
    Ok(())
}

/// Reads a register into the engine's prepared form.
fn read_register(path: &Path, register: &mut engine::Register, warnings: &mut input::Warnings) -> anyhow::Result<u64> {
    let bar = reading_bar(path);
    let rows = input::read_rows(path, &input::REGISTER_COLUMNS, &bar, |row| {
        register.push(&input::record_of(&row, warnings));
        Ok(())
    });
    bar.finish_and_clear();
    rows
}

fn print_warnings(warnings: &input::Warnings) {
    for line in warnings.lines() {
        println!("  warning: {line}");
    }
}

fn print_engine_summary(
    candidates: usize,
    blocking: &[engine::block::RuleCount],
    oversized: usize,
    em: &engine::model::EmReport,
) {
    println!("  candidate pairs compared: {candidates}");
    for rule in blocking {
        println!("    {:<34} {:>12} pairs, {:>12} new", rule.rule.name(), rule.pairs, rule.new_pairs);
    }
    if oversized > 0 {
        println!("  blocks too large to compare, even split further: {oversized} (their records rely on other rules)");
    }
    println!(
        "  model: EM {} after {} iterations over {} distinct comparison vectors",
        if em.converged { "converged" } else { "stopped" },
        em.iterations,
        em.distinct_vectors
    );
}

fn dedupe(input: &Path, output: &Path, threshold: f64) -> anyhow::Result<()> {
    check_threshold(threshold)?;
    let started = Instant::now();
    let settings = Settings { threshold, ..Settings::default() };
    let mut register = engine::Register::new(settings.variants);
    let mut warnings = input::Warnings::default();
    let rows = read_register(input, &mut register, &mut warnings)?;
    let spin = spinner("blocking, training and scoring");
    let result = engine::dedupe_register(&mut register, &settings);
    spin.finish_and_clear();
    let mut out = output::AtomicCsv::create(output, &["id", "cluster_id"])?;
    let mut sizes = std::collections::HashMap::<usize, u32>::new();
    for (id, cluster) in &result.clusters {
        *sizes.entry(*cluster).or_default() += 1;
        out.row([id.as_bytes(), cluster.to_string().as_bytes()])?;
    }
    out.finish()?;
    let shared = sizes.values().filter(|&&n| n > 1).count();
    let in_shared: u32 = sizes.values().filter(|&&n| n > 1).sum();
    println!("Deduplicated {rows} records of {} in {:.1} s.", input.display(), started.elapsed().as_secs_f64());
    println!("  clusters: {} ({shared} with more than one record, holding {in_shared} records)", sizes.len());
    println!("  linked pairs at probability >= {threshold}: {}", result.pairs.len());
    print_engine_summary(result.candidate_pairs, &result.blocking, result.oversized_blocks.len(), &result.em);
    print_warnings(&warnings);
    println!("  written: {}", output.display());
    Ok(())
}

fn match_registers(left: &Path, right: &Path, output: &Path, threshold: f64) -> anyhow::Result<()> {
    check_threshold(threshold)?;
    let started = Instant::now();
    let settings = Settings { threshold, ..Settings::default() };
    let mut register = engine::Register::new(settings.variants);
    let mut warnings = input::Warnings::default();
    let left_rows = read_register(left, &mut register, &mut warnings)?;
    let right_rows = read_register(right, &mut register, &mut warnings)?;
    let spin = spinner("blocking, training and scoring");
    let result = engine::link_register(&mut register, left_rows as usize, &settings);
    spin.finish_and_clear();
    let mut out = output::AtomicCsv::create(output, &["left_id", "right_id", "probability"])?;
    for pair in &result.pairs {
        out.row([pair.left_id.as_str(), pair.right_id.as_str(), &format!("{:.6}", pair.probability)])?;
    }
    out.finish()?;
    println!(
        "Matched {left_rows} records of {} with {right_rows} records of {} in {:.1} s.",
        left.display(),
        right.display(),
        started.elapsed().as_secs_f64()
    );
    println!("  linked pairs at probability >= {threshold}: {}", result.pairs.len());
    print_engine_summary(result.candidate_pairs, &result.blocking, result.oversized_blocks.len(), &result.em);
    print_warnings(&warnings);
    println!("  written: {}", output.display());
    Ok(())
}
