//! `link encode` and `link match-encodings`: privacy-preserving matching.
//!
//! The network secret is read from a file (or standard input with `-`),
//! never from the command line, where other users of the machine and the
//! shell history would see it; it is never printed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use safepath_linkage::clk::{self, ClkRecord, Encoder, Encoding, LshBlocking, MatchOptions};

use super::{input, output, reading_bar, spinner};

#[derive(Args)]
pub struct EncodeArgs {
    /// Register to encode (CSV with `id` and any of given_name, family_name, sex, date_of_birth, place).
    #[arg(long)]
    input: PathBuf,
    /// File to write: `id,clk` (the CLK as base64, clkhash's bit order).
    #[arg(long)]
    output: PathBuf,
    /// File holding the network's shared secret (at least 16 bytes; one trailing newline is ignored); `-` reads standard input.
    #[arg(long)]
    secret_file: PathBuf,
}

#[derive(Args)]
pub struct MatchEncodingsArgs {
    /// Encodings of the first organisation (`id,clk`, from `safepath link encode`).
    #[arg(long)]
    left: PathBuf,
    /// Encodings of the second organisation (`id,clk`).
    #[arg(long)]
    right: PathBuf,
    /// File to write: `left_id,right_id,dice`, one-to-one, highest first.
    #[arg(long)]
    output: PathBuf,
    /// Dice coefficient at or above which two encodings are linked.
    #[arg(long, default_value_t = clk::DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Also block on bit samples of the encodings (locality-sensitive
    /// hashing): much faster on large registers, but a pair near the
    /// threshold can be missed. Without it (or `--lsh-tables` /
    /// `--lsh-bits`) every pair that the popcount bound allows is compared.
    /// The parameters grow with the registers: K = round(log2(h) / 0.713)
    /// bits per sample with h = left x right / (left + right) (8 to 32), and
    /// ceil(90 x 0.87^(16 - K)) samples: 5,000 x 5,000 records get 16 bits x
    /// 90 samples, 50,000 x 50,000 20 x 158. Measured (docs/benchmarks.md):
    /// every pair at Dice >= 0.8 of FEBRL4, 99.7 % of those of a 50,000 x
    /// 50,000 synthetic register; check the recall on your own data once by
    /// running both.
    #[arg(long)]
    lsh: bool,
    /// Number of samples (tables) instead of the `--lsh` rule's; implies
    /// `--lsh`.
    #[arg(long)]
    lsh_tables: Option<usize>,
    /// Bit positions per sample (1 to 64, all from one 64-bit word of the
    /// filter) instead of the `--lsh` rule's; implies `--lsh`.
    #[arg(long)]
    lsh_bits: Option<usize>,
}

fn read_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut secret = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut secret).context("cannot read the secret from standard input")?;
    } else {
        secret = std::fs::read(path).with_context(|| format!("cannot read the secret file {}", path.display()))?;
    }
    if secret.ends_with(b"\n") {
        secret.pop();
        if secret.ends_with(b"\r") {
            secret.pop();
        }
    }
    Ok(secret)
}

pub fn encode(args: EncodeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let secret = read_secret(&args.secret_file)?;
    // The error names the length only, never the secret.
    let encoder = Encoder::with_secret(&secret).map_err(|e| anyhow::anyhow!("the network secret: {e}"))?;
    drop(secret);
    let wanted = ["id", "given_name", "family_name", "sex", "date_of_birth", "place"];
    let bar = reading_bar(&args.input);
    let mut encoded: Vec<(String, String)> = Vec::new();
    let mut partial_dates = 0u64;
    let rows = input::read_rows(&args.input, &wanted, &bar, |row| {
        let v = &row.values;
        let date_of_birth = v[4].and_then(|text| {
            let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            if date.is_none() {
                partial_dates += 1;
            }
            date
        });
        let record = ClkRecord {
            id: v[0].unwrap_or_default(),
            given_name: v[1],
            family_name: v[2],
            sex: v[3],
            date_of_birth,
            place: v[5],
        };
        encoded.push((record.id.to_string(), encoder.encode(&record).to_text()));
        Ok(())
    });
    bar.finish_and_clear();
    let rows = rows?;
    let mut out = output::AtomicCsv::create(&args.output, &["id", "clk"])?;
    for (id, clk) in &encoded {
        out.row([id, clk])?;
    }
    out.finish()?;
    println!("Encoded {rows} records of {} in {:.1} s.", args.input.display(), started.elapsed().as_secs_f64());
    if partial_dates > 0 {
        println!("  {partial_dates} date(s) of birth not a full YYYY-MM-DD date: left out of those encodings");
    }
    println!("  written: {} (share it only with organisations of the network)", args.output.display());
    Ok(())
}

fn read_encodings(path: &Path) -> anyhow::Result<Vec<Encoding>> {
    let bar = reading_bar(path);
    let mut out: Vec<Encoding> = Vec::new();
    let shown = path.display().to_string();
    let result = input::read_rows(path, &["id", "clk"], &bar, |row| {
        let id = row.values[0].unwrap_or_default();
        let text = row.values[1].ok_or_else(|| anyhow::anyhow!("{shown}: line {}: no `clk` value", row.line))?;
        let encoding = match out.first() {
            Some(first) => Encoding::from_text_expecting(id, text, first.len_bits()),
            None => Encoding::from_text(id, text),
        }
        .map_err(|e| anyhow::anyhow!("{shown}: line {}: {e}", row.line))?;
        out.push(encoding);
        Ok(())
    });
    bar.finish_and_clear();
    result?;
    Ok(out)
}

pub fn match_encodings(args: MatchEncodingsArgs) -> anyhow::Result<()> {
    if !(args.threshold > 0.0 && args.threshold <= 1.0) {
        anyhow::bail!("--threshold must be in (0, 1], got {}", args.threshold);
    }
    let started = Instant::now();
    let left = read_encodings(&args.left)?;
    let right = read_encodings(&args.right)?;
    let spin = spinner("comparing encodings");
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    // The sampled positions are the matcher's choice, not a secret: fixed,
    // so that runs are reproducible.
    let lsh = (args.lsh || args.lsh_tables.is_some() || args.lsh_bits.is_some()).then(|| {
        let rule = LshBlocking::for_sizes(left.len(), right.len(), 0x5afe_b10c);
        LshBlocking { tables: args.lsh_tables.unwrap_or(rule.tables), bits: args.lsh_bits.unwrap_or(rule.bits), ..rule }
    });
    let matching = Instant::now();
    let outcome = clk::match_encodings_with(&left, &right, &MatchOptions { threshold: args.threshold, threads, lsh })
        .map_err(|e| anyhow::anyhow!("{} and {}: {e}", args.left.display(), args.right.display()));
    let seconds = matching.elapsed().as_secs_f64();
    spin.finish_and_clear();
    let outcome = outcome?;
    let mut out = output::AtomicCsv::create(&args.output, &["left_id", "right_id", "dice"])?;
    for link in &outcome.links {
        out.row([link.left_id.as_str(), link.right_id.as_str(), &format!("{:.4}", link.score)])?;
    }
    out.finish()?;
    println!(
        "Matched {} encodings of {} with {} of {} in {:.1} s.",
        left.len(),
        args.left.display(),
        right.len(),
        args.right.display(),
        started.elapsed().as_secs_f64()
    );
    // Pairs of the cross product decided per second is how anonlink's
    // benchmark counts (its popcount filter skips pairs too); the pairs
    // whose bits were read are given as well.
    println!(
        "  pairs decided: {} ({:.0} per second on {threads} threads); bits compared for {}; pairs at Dice >= {}: {}",
        left.len() as u64 * right.len() as u64,
        (left.len() as f64 * right.len() as f64) / seconds.max(1e-9),
        outcome.comparisons,
        args.threshold,
        outcome.candidates
    );
    if let Some(lsh) = lsh {
        println!("  LSH blocking: {} samples of {} bits", lsh.tables, lsh.bits);
    }
    println!("  links (one-to-one): {}", outcome.links.len());
    println!("  written: {}", args.output.display());
    Ok(())
}
