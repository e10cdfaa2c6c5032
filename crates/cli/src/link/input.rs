//! Reading CSV files (registers, encodings, truth files) with the checks that
//! keep a bad file from producing a misleading result: UTF-8 (the error says
//! where), an `id` column, ids non-empty and unique, every row as long as the
//! header, no oversized field. Columns are found by header name (case and
//! surrounding spaces ignored); unknown columns are ignored.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use indicatif::ProgressBar;
use safepath_linkage::engine::record::{PartialDate, Record};

/// Longest field accepted, in bytes. A name, a date or an encoding is far
/// shorter; a longer field is a sign of a broken file (a missing closing
/// quote swallows the rest of the file into one field).
pub const MAX_FIELD_BYTES: usize = 4096;

/// Register columns the engine reads.
pub const REGISTER_COLUMNS: [&str; 15] = [
    "id",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "date_of_birth",
    "estimated_age",
    "registration_date",
    "place",
    "citizenship",
    "mother_name",
    "father_name",
    "id_number",
    "address",
    "postcode",
];

/// The register columns, for `--help`.
pub const COLUMNS_HELP: &str = "\
Input columns, found by header (case ignored), any subset besides `id`, values may be empty, any script:
  id                 unique, non-empty
  given_name, family_name, other_names (several separated by `;`)
  sex                M/F and common spellings (male, girl, masculin...)
  date_of_birth      YYYY-MM-DD, YYYY-MM or YYYY
  estimated_age, registration_date (YYYY-MM-DD): the age as estimated on that day
  place, citizenship
  mother_name, father_name
  id_number          the child's OWN identity document number (birth registration, passport,
                     UNHCR or national id), never a parent's: twins and siblings do not share
                     a document, so the same number outweighs one identifying field that
                     disagrees (the given name, or the birth year), never both
  address, postcode
Other columns are ignored.";

/// One validated row: its line number and the values of the wanted columns
/// (`None` when the column is absent or the value empty).
pub struct Row<'a> {
    pub line: u64,
    pub values: Vec<Option<&'a str>>,
}

/// Reads `path`, checks it, and calls `each` with every row. `wanted` are
/// column names; `id` must be among them and present in the file. Returns
/// the number of rows.
pub fn read_rows(
    path: &Path,
    wanted: &[&str],
    progress: &ProgressBar,
    mut each: impl FnMut(Row<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let shown = path.display();
    let file = File::open(path).with_context(|| format!("cannot open {shown}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    progress.set_length(size);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(file);
    let header = reader.byte_headers().map_err(|e| csv_error(path, e))?.clone();
    let mut columns: Vec<Option<usize>> = vec![None; wanted.len()];
    let mut names = Vec::new();
    for (index, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw)
            .map_err(|e| anyhow::anyhow!("{shown}: line 1 (header), column {}: {}", index + 1, not_utf8(raw, e)))?;
        let name = name.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        if let Some(w) = wanted.iter().position(|w| *w == name) {
            if columns[w].is_some() {
                bail!("{shown}: the header names column `{name}` twice");
            }
            columns[w] = Some(index);
        }
        names.push(name);
    }
    let id_column = wanted.iter().position(|w| *w == "id").expect("callers want an id");
    if columns[id_column].is_none() {
        bail!("{shown}: no `id` column in the header (found: {})", names.join(", "));
    }
    let mut seen: HashMap<Box<str>, u64> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let position = record.position().expect("records read from a reader have a position");
        let line = position.line();
        if rows % 4096 == 0 {
            progress.set_position(position.byte());
        }
        let mut values = Vec::with_capacity(wanted.len());
        for (w, column) in columns.iter().enumerate() {
            let Some(index) = *column else {
                values.push(None);
                continue;
            };
            let raw = record.get(index).unwrap_or_default();
            if raw.len() > MAX_FIELD_BYTES {
                bail!(
                    "{shown}: line {line}, column `{}`: the field is {} bytes long; the limit is {MAX_FIELD_BYTES} (an unclosed quote?)",
                    wanted[w],
                    raw.len()
                );
            }
            let text = std::str::from_utf8(raw)
                .map_err(|e| anyhow::anyhow!("{shown}: line {line}, column `{}`: {}", wanted[w], not_utf8(raw, e)))?;
            let text = text.trim();
            values.push((!text.is_empty()).then_some(text));
        }
        let id = values[id_column].ok_or_else(|| anyhow::anyhow!("{shown}: line {line}: the id is empty"))?;
        if let Some(first) = seen.insert(id.into(), line) {
            bail!("{shown}: line {line}: id `{id}` is already used on line {first}; ids must be unique");
        }
        each(Row { line, values })?;
        rows += 1;
    }
    progress.set_position(size);
    Ok(rows)
}

fn not_utf8(raw: &[u8], error: std::str::Utf8Error) -> String {
    let at = error.valid_up_to();
    format!(
        "not valid UTF-8 at byte {} of the field (byte 0x{:02x}); save the file as UTF-8",
        at + 1,
        raw.get(at).copied().unwrap_or(0)
    )
}

fn csv_error(path: &Path, error: csv::Error) -> anyhow::Error {
    let shown = path.display();
    match error.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => {
            let line = pos.as_ref().map(|p| p.line().to_string()).unwrap_or_else(|| "?".into());
            anyhow::anyhow!("{shown}: line {line} has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Io(e) => anyhow::anyhow!("cannot read {shown}: {e}"),
        _ => anyhow::anyhow!("{shown}: {error}"),
    }
}

/// What could not be understood in a register but did not stop the run.
#[derive(Debug, Default)]
pub struct Warnings {
    /// (column, count, first line, first value).
    pub unreadable: Vec<(&'static str, u64, u64, String)>,
}

impl Warnings {
    fn note(&mut self, column: &'static str, line: u64, value: &str) {
        match self.unreadable.iter_mut().find(|w| w.0 == column) {
            Some(w) => w.1 += 1,
            None => self.unreadable.push((column, 1, line, value.chars().take(40).collect())),
        }
    }

    /// Lines for the summary.
    pub fn lines(&self) -> Vec<String> {
        self.unreadable
            .iter()
            .map(|(column, count, line, value)| {
                format!(
                    "{count} value(s) of `{column}` not understood, treated as missing (first: line {line}, {value:?})"
                )
            })
            .collect()
    }
}

/// A register row as a linkage record. Dates are `YYYY-MM-DD` (date of
/// birth also `YYYY-MM` or `YYYY`); other names are separated by `;`.
pub fn record_of(row: &Row<'_>, warnings: &mut Warnings) -> Record {
    let v = |column: &str| row.values[REGISTER_COLUMNS.iter().position(|c| *c == column).expect("known column")];
    let owned = |column: &str| v(column).map(String::from);
    let date_of_birth = v("date_of_birth").and_then(|text| {
        let parsed = PartialDate::parse(text);
        if parsed.is_none() {
            warnings.note("date_of_birth", row.line, text);
        }
        parsed
    });
    let estimated_age = v("estimated_age").and_then(|text| {
        let parsed = text.parse::<u8>().ok().filter(|age| *age <= 120);
        if parsed.is_none() {
            warnings.note("estimated_age", row.line, text);
        }
        parsed
    });
    let registration_date = v("registration_date").and_then(|text| {
        let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            warnings.note("registration_date", row.line, text);
        }
        parsed
    });
    Record {
        id: v("id").unwrap_or_default().to_string(),
        given_name: owned("given_name"),
        family_name: owned("family_name"),
        other_names: v("other_names")
            .map(|text| text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
            .unwrap_or_default(),
        sex: owned("sex"),
        date_of_birth,
        estimated_age,
        registration_date,
        place: owned("place"),
        citizenship: owned("citizenship"),
        mother_name: owned("mother_name"),
        father_name: owned("father_name"),
        id_number: owned("id_number"),
        address: owned("address"),
        postcode: owned("postcode"),
    }
}
