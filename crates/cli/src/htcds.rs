//! `safepath export htcds` and `safepath import htcds`: case files exchanged
//! as HTCDS v2.0 records (JSON or CSV; the mapping is `domain::htcds`).
//!
//! An import is all or nothing: every record is validated first and, if any
//! is invalid, the command names each bad record (number, field, reason) and
//! writes nothing; otherwise all cases are registered in one writer unit.
//! That unit holds the database's write lock for the whole import (about
//! 45 s per 100,000 cases on SQLite, docs/benchmarks.md): a service running
//! on the same database waits meanwhile, so import while it is quiet.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use safepath_domain::case::{Age, CaseView, ChildView, NewCase, NewCaseInput};
use safepath_domain::codes::CaseStatus;
use safepath_domain::htcds::{self, FileError, Record};
use safepath_domain::ids::{CaseId, IdentityId, OrganisationId, UserId};
use safepath_domain::policy::CaseScope;
use safepath_store::{AuditContext, CaseRegistration, ExportFilter, Store};

use crate::demo;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    command: ExportCommand,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Write every case of an organisation as HTCDS v2.0 records (JSON or CSV with the standard's field names).
    Htcds(HtcdsExportArgs),
    /// Write synthetic demo children as an HTCDS file, without a database (for benchmarks).
    #[command(hide = true)]
    HtcdsSample(SampleArgs),
}

#[derive(Args)]
struct HtcdsExportArgs {
    /// Id of the organisation whose cases are exported.
    #[arg(long = "org")]
    organisation_id: String,
    /// File format: `json` (an object with `records`) or `csv` (a header row of HTCDS field names).
    #[arg(long, value_enum)]
    format: Format,
    /// File to write (must not exist); it holds children's identities: keep it safe.
    #[arg(long, short)]
    output: PathBuf,
}

#[derive(Args)]
struct SampleArgs {
    /// Number of children to write.
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// File format.
    #[arg(long, value_enum)]
    format: Format,
    /// File to write (must not exist).
    #[arg(long, short)]
    output: PathBuf,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    command: ImportCommand,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Register the cases of an HTCDS v2.0 file (JSON or CSV): all records, or none if any is invalid.
    ///
    /// Every record is validated first; the cases are then written in one
    /// transaction, which holds the database's write lock until it ends.
    Htcds(HtcdsImportArgs),
}

#[derive(Args)]
struct HtcdsImportArgs {
    /// Id of the organisation that will own the imported cases.
    #[arg(long = "org")]
    organisation_id: String,
    /// The file to import.
    #[arg(long, short)]
    input: PathBuf,
    /// File format; by default from the file name's extension (.json or .csv).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Assign every imported case to this caseworker or supervisor of the organisation (unassigned otherwise).
    #[arg(long)]
    assign_to: Option<String>,
    /// Largest file accepted, in MiB.
    #[arg(long, default_value_t = 1024)]
    max_mib: usize,
    /// Validate the file and report, but write nothing.
    #[arg(long)]
    dry_run: bool,
}

pub async fn export(url: &str, args: ExportArgs) -> anyhow::Result<()> {
    match args.command {
        ExportCommand::Htcds(args) => export_htcds(url, args).await,
        ExportCommand::HtcdsSample(args) => write_sample(args),
    }
}

pub async fn import(url: &str, args: ImportArgs) -> anyhow::Result<()> {
    match args.command {
        ImportCommand::Htcds(args) => import_htcds(url, args).await,
    }
}

async fn export_htcds(url: &str, args: HtcdsExportArgs) -> anyhow::Result<()> {
    let organisation = OrganisationId::parse(&args.organisation_id)
        .map_err(|_| anyhow::anyhow!("--org must be an organisation id (a UUID)"))?;
    refuse_existing(&args.output)?;
    let store = crate::open_existing(url).await?;
    let ctx = AuditContext::system("cli-export-htcds");
    known_organisation(store.as_ref(), &ctx, &organisation).await?;
    let started = Instant::now();
    let cases = store
        .export_cases(&ctx, &CaseScope::Organisation(organisation), ExportFilter::default())
        .await
        .map_err(crate::describe)?;
    let progress = demo::bar(cases.len(), "exporting");
    let records = cases.iter().map(|case| {
        progress.inc(1);
        htcds::record_of(case)
    });
    write_file(&args.output, args.format, records)?;
    progress.finish_and_clear();
    println!(
        "exported {} cases to {} ({}, HTCDS v{}) in {:.1} s",
        cases.len(),
        args.output.display(),
        format_name(args.format),
        htcds::HTCDS_VERSION,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn known_organisation(store: &dyn Store, ctx: &AuditContext, id: &OrganisationId) -> anyhow::Result<()> {
    let organisations = store.list_organisations(ctx).await.map_err(crate::describe)?;
    if organisations.iter().any(|o| &o.id == id) {
        Ok(())
    } else {
        bail!("no organisation with id {id}")
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Json => "JSON",
        Format::Csv => "CSV",
    }
}

fn refuse_existing(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} already exists; choose a new file name", path.display());
    }
    Ok(())
}

/// Writes records to a new file, readable by its owner only (it holds
/// identities), through a temporary name so that a failed export leaves no
/// half-written file behind.
fn write_file(path: &Path, format: Format, records: impl Iterator<Item = Record>) -> anyhow::Result<()> {
    let partial = path.with_extension("partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let result = (|| -> std::io::Result<()> {
        match format {
            Format::Csv => {
                out.write_all(htcds::csv_header().as_bytes())?;
                for record in records {
                    out.write_all(htcds::csv_row(&record).as_bytes())?;
                }
            }
            Format::Json => {
                out.write_all(htcds::json_start().as_bytes())?;
                for (i, record) in records.enumerate() {
                    if i > 0 {
                        out.write_all(b",\n")?;
                    }
                    serde_json::to_writer(&mut out, &htcds::record_json(&record))?;
                }
                out.write_all(htcds::JSON_END.as_bytes())?;
            }
        }
        out.flush()?;
        out.get_ref().sync_all()
    })();
    if let Err(error) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(error).with_context(|| format!("cannot write {}", partial.display()));
    }
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), path.display()))
}

async fn import_htcds(url: &str, args: HtcdsImportArgs) -> anyhow::Result<()> {
    let organisation = OrganisationId::parse(&args.organisation_id)
        .map_err(|_| anyhow::anyhow!("--org must be an organisation id (a UUID)"))?;
    let assignee = args
        .assign_to
        .as_deref()
        .map(|raw| UserId::parse(raw).map_err(|_| anyhow::anyhow!("--assign-to must be a user id (a UUID)")))
        .transpose()?;
    let format = match args.format {
        Some(format) => format,
        None => match args.input.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            _ => bail!("cannot tell the format of {} from its name; give --format json or csv", args.input.display()),
        },
    };
    let limit = args.max_mib.saturating_mul(1024 * 1024);
    let started = Instant::now();

    // Read and validate everything before the database is touched.
    let size = std::fs::metadata(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?.len();
    if size > limit as u64 {
        bail!("{}: {}", args.input.display(), FileError::TooLarge { limit });
    }
    let bytes = std::fs::read(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?;
    let report = {
        let text = htcds::text_of(&bytes, limit).map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
        match format {
            Format::Csv => htcds::import_csv(text, today()),
            Format::Json => htcds::import_json(text, today()),
        }
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", args.input.display()))?
    };
    drop(bytes);
    let total = report.accepted.len() + report.rejected.len();
    if !report.rejected.is_empty() {
        for bad in &report.rejected {
            eprintln!("{bad}");
        }
        bail!(
            "{} of {total} records in {} are invalid (listed above); nothing was imported",
            report.rejected.len(),
            args.input.display()
        );
    }
    for (field, records) in &report.ignored {
        eprintln!("note: {field} is not held by Safepath; its values in {records} records are not imported");
    }
    if args.dry_run {
        println!("{total} records in {} are valid; nothing was written (--dry-run)", args.input.display());
        return Ok(());
    }

    let registrations: Vec<CaseRegistration> = report
        .accepted
        .into_iter()
        .map(|accepted| {
            let mut case = accepted.case;
            case.assigned_to = assignee.clone();
            CaseRegistration { organisation_id: organisation.clone(), case }
        })
        .collect();
    let store = crate::open_existing(url).await?;
    let ctx = AuditContext::system("cli-import-htcds");
    known_organisation(store.as_ref(), &ctx, &organisation).await?;
    let progress = demo::bar(total, "importing");
    let reporter = progress.clone();
    let ids = store
        .import_cases_with_progress(&ctx, registrations, Arc::new(move |done| reporter.set_position(done as u64)))
        .await
        .map_err(|e| anyhow::anyhow!("{e}; nothing was imported"))?;
    progress.finish_and_clear();
    println!(
        "imported {} cases from {} into organisation {organisation} in {:.1} s",
        ids.len(),
        args.input.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Demo children as HTCDS records, as if exported from a Safepath holding them.
fn write_sample(args: SampleArgs) -> anyhow::Result<()> {
    refuse_existing(&args.output)?;
    let today = today();
    let progress = demo::bar(args.cases, "generating");
    let mut records = Vec::with_capacity(args.cases);
    let mut seed = demo::DEFAULT_SEED;
    while records.len() < args.cases {
        let data = demo::generate::generate(seed, today);
        seed += 1;
        for child in data.children {
            if records.len() == args.cases {
                break;
            }
            let input: NewCaseInput = serde_json::from_value(child.body)?;
            let case = NewCase::parse(input, today).map_err(|e| anyhow::anyhow!("demo child: {e}"))?;
            records.push(htcds::record_of(&sample_view(case, records.len() + 1)));
            progress.inc(1);
        }
    }
    write_file(&args.output, args.format, records.into_iter())?;
    progress.finish_and_clear();
    println!("wrote {} demo children to {}", args.cases, args.output.display());
    Ok(())
}

/// A registration as the case file a Safepath would hold for it.
fn sample_view(case: NewCase, number: usize) -> CaseView {
    let child = case.child;
    let (date_of_birth, estimated_age) = match child.age {
        Age::Born(date) => (Some(date), None),
        Age::Estimated { years } => (None, Some(years)),
    };
    CaseView {
        id: CaseId::from_trusted(uuid_like(number)),
        reference: format!("DEMO-{}-{number:06}", case.identification.date.format("%Y")),
        organisation_id: OrganisationId::from_trusted(uuid_like(0)),
        assigned_to: None,
        status: CaseStatus::Registered,
        risk_level: case.risk_level,
        protection_status: case.protection_status,
        identification: case.identification,
        consents: case.consents,
        child: ChildView {
            identity_id: IdentityId::from_trusted(uuid_like(number)),
            given_name: child.given_name,
            family_name: child.family_name,
            other_names: child.other_names,
            sex: child.sex,
            date_of_birth,
            estimated_age,
            age_is_estimated: estimated_age.is_some(),
            age_disputed: child.age_disputed,
            citizenship: child.citizenship,
            languages: child.languages,
        },
        created_at: 0,
        updated_at: 0,
        version: 1,
    }
}

fn uuid_like(number: usize) -> String {
    format!("00000000-0000-4000-8000-{number:012}")
}
