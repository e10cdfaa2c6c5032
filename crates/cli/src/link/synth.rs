//! `link synth` (a synthetic register with known truth, from
//! `safepath_linkage::synth`) and `link evaluate` (pairwise precision, recall
//! and F1 of a `clusters.csv` against it).

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Args;
use safepath_linkage::synth::{generate, PairwiseQuality};

use super::{input, output, reading_bar};

#[derive(Args)]
pub struct SynthArgs {
    /// Number of records to write.
    #[arg(long)]
    records: usize,
    /// Seed of the generator (the same seed gives the same register).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// File to write: the register columns plus `child_id` and `family_id` (the truth).
    #[arg(long)]
    output: PathBuf,
}

#[derive(Args)]
pub struct EvaluateArgs {
    /// Result of `safepath link dedupe` (`id,cluster_id`).
    #[arg(long)]
    clusters: PathBuf,
    /// File with `id` and the truth column (e.g. the output of `safepath link synth`).
    #[arg(long)]
    truth: PathBuf,
    /// Column of `--truth` naming the real entity of each record.
    #[arg(long, default_value = "child_id")]
    truth_column: String,
}

pub fn synth(args: SynthArgs) -> anyhow::Result<()> {
    let records = generate(args.records, args.seed);
    // The generator writes no document numbers or addresses: the columns
    // up to `father_name`.
    let mut header: Vec<&str> = input::REGISTER_COLUMNS.iter().copied().take_while(|&c| c != "id_number").collect();
    header.extend(["child_id", "family_id"]);
    let mut out = output::AtomicCsv::create(&args.output, &header)?;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    for s in &records {
        let r = &s.record;
        let dob = r.date_of_birth.map(|d| match (d.month, d.day) {
            (Some(m), Some(day)) => format!("{:04}-{m:02}-{day:02}", d.year),
            (Some(m), None) => format!("{:04}-{m:02}", d.year),
            _ => format!("{:04}", d.year),
        });
        out.row([
            r.id.clone(),
            text(&r.given_name),
            text(&r.family_name),
            r.other_names.join(";"),
            text(&r.sex),
            dob.unwrap_or_default(),
            r.estimated_age.map(|a| a.to_string()).unwrap_or_default(),
            r.registration_date.map(|d| d.to_string()).unwrap_or_default(),
            text(&r.place),
            text(&r.citizenship),
            text(&r.mother_name),
            text(&r.father_name),
            s.child.to_string(),
            s.family.to_string(),
        ])?;
    }
    out.finish()?;
    let children = records.iter().map(|r| r.child).collect::<std::collections::HashSet<_>>().len();
    println!(
        "Wrote {} synthetic records of {children} children (seed {}) to {}.",
        records.len(),
        args.seed,
        args.output.display()
    );
    Ok(())
}

pub fn evaluate(args: EvaluateArgs) -> anyhow::Result<()> {
    let wanted_column = args.truth_column.trim().to_ascii_lowercase();
    let mut truth: HashMap<String, String> = HashMap::new();
    let bar = reading_bar(&args.truth);
    let shown = args.truth.display().to_string();
    let result = input::read_rows(&args.truth, &["id", &wanted_column], &bar, |row| {
        let label =
            row.values[1].ok_or_else(|| anyhow::anyhow!("{shown}: line {}: no `{wanted_column}` value", row.line))?;
        truth.insert(row.values[0].unwrap_or_default().to_string(), label.to_string());
        Ok(())
    });
    bar.finish_and_clear();
    result?;
    let (mut predicted, mut actual) = (Vec::new(), Vec::new());
    let bar = reading_bar(&args.clusters);
    let shown = args.clusters.display().to_string();
    let result = input::read_rows(&args.clusters, &["id", "cluster_id"], &bar, |row| {
        let id = row.values[0].unwrap_or_default();
        let label = truth
            .get(id)
            .ok_or_else(|| anyhow::anyhow!("{shown}: line {}: id `{id}` is not in the truth file", row.line))?;
        predicted.push(row.values[1].unwrap_or_default().to_string());
        actual.push(label.clone());
        Ok(())
    });
    bar.finish_and_clear();
    result?;
    let predicted: Vec<&str> = predicted.iter().map(String::as_str).collect();
    let actual: Vec<&str> = actual.iter().map(String::as_str).collect();
    let q = PairwiseQuality::of_clusters(&predicted, &actual);
    println!(
        "records {} true pairs {} predicted pairs {} true positives {} precision {:.4} recall {:.4} F1 {:.4}",
        predicted.len(),
        q.true_pairs,
        q.predicted_pairs,
        q.true_positives,
        q.precision,
        q.recall,
        q.f1
    );
    Ok(())
}
