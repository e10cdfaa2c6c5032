//! Exchange with the Human Trafficking Case Data Standard (HTCDS) v2.0: a case
//! as one flat HTCDS record, in JSON or CSV, and back into a registration.
//!
//! Field names are the standard's own (`prs_FirstName`, `vic_TraffickingStatus`,
//! `cas_Status`…, as in `shared/standards/htcds-2.0-fields.tsv`). A record is
//! one case: the Person, Victim-context, Case and Consent sections of the
//! standard, flattened. Fields Safepath does not hold are present in the CSV
//! header and left empty; in JSON an empty field is left out (a file of
//! 100,000 cases would otherwise be mostly `null`).
//!
//! **Encoding.** Multi-select picklists (`prs_Citizenship`…) are JSON arrays,
//! and in CSV the values joined by `;` (the standard is silent; `;` is how
//! its Salesforce package stores them). Checkboxes are `true` / `false`,
//! dates `YYYY-MM-DD`, numbers decimal integers. CSV is RFC 4180: comma
//! separated, `"` quoting, a header row, UTF-8 (a byte-order mark is skipped).
//!
//! **What Safepath holds that HTCDS has no field for** travels in extension
//! fields named `safepath_*`, after the standard's, so that an export can be
//! imported again without loss; another system may ignore them:
//!
//! | field | what |
//! |---|---|
//! | `safepath_CaseId`, `safepath_Reference` | the case's id and reference; on import the external id of the record (reported, not stored: the case gets a new id and a reference of the importing organisation) |
//! | `safepath_Status` | the workflow state; `cas_Status` is its coarse HTCDS form (see [`htcds_case_status`]). An import registers a case, so neither is carried over |
//! | `safepath_RiskLevel` | `high`, `medium` or `low` (required on import) |
//! | `safepath_ProtectionStatus` | unaccompanied, separated, accompanied |
//! | `safepath_EstimatedAge`, `safepath_AgeDisputed` | an estimated age in place of `prs_Birthdate`; age disputed (presumption of minority) |
//! | `safepath_OtherLanguages` | languages after `prs_PrimaryLanguage` and `prs_SecondaryLanguage` |
//! | `safepath_OtherNames` | aliases, transliterations and other names with kind, script and language: a JSON array of `{"name", "kind", "script", "language"}` (in CSV the cell holds that JSON) |
//! | `safepath_IdentificationDate`, `…Place`, `…Channel`, `safepath_LocalStructure` | how and where the child was identified (date, place and channel required on import) |
//! | `safepath_Consents` | consent per purpose, given by, date, withheld, legal basis: a JSON array of `{"purpose", "given_by", "date", "withheld", "legal_basis"}`; `con_Consent` is `true` when any consent is recorded |
//!
//! **HTCDS fields Safepath does not hold** (exported empty; on import their
//! values are counted in [`ImportReport::ignored`] and not stored):
//! salutation, title, e-mail, phones, mailing address and coordinates,
//! identity number, marital status, number of children, education, deceased,
//! every victim-context field (trafficking status and its decision maker,
//! recruitment, control, exploitation: the workflow of issue #4 records
//! these per episode), the referral fields, `cas_ReasonForCaseClosure`.
//! `prs_MiddleName` is not exported (Safepath keeps further given names among
//! the other names); on import it becomes another name of kind `given`.
//! `cas_CaseOwner` is exported as the assigned user's id; it names a user of
//! the exporting system, so an import does not assign by it.
//! Not part of a case record at all: the Organisation section (`org_*`: the
//! owner organisation is the importing one), perpetrators (`per_*`: never
//! exported), historic trafficking events, support plans and case comments
//! (`hte_*`, `spl_*`, `cco_*`: workflow records, not in the case file), the
//! deprecated fields (`vic_AgreementToManagePersonalData`,
//! `vic_Vulnerabilities`, `vic_DetailsOfVulnerabilities`) and the
//! assessment section (example questions only, no fields).
//!
//! Import never writes: it decodes a file ([`decode_csv`], [`decode_json`]),
//! then parses every record through [`NewCase::parse`], the validation of
//! `POST /api/v1/cases`, and reports each bad record with its number, its
//! external id and a message per field ([`import`]). Whether to store
//! anything is the caller's decision (the CLI stores nothing unless every
//! record is valid).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::Value as Json;

use crate::case::{CaseView, ChildInput, ConsentInput, IdentificationInput, NewCase, NewCaseInput, OtherNameInput};
use crate::codes::CaseStatus;
use crate::{text, ValidationErrors};

/// The version written into, and required of, JSON files.
pub const HTCDS_VERSION: &str = "2.0";
/// Most records one file may hold.
pub const MAX_RECORDS: usize = 1_000_000;
/// Longest value accepted in one field, in bytes (a name is at most 200
/// characters; structured extension fields hold a few names or consents).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// How a field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    Checkbox,
    Number,
    /// A multi-select picklist: several values.
    Multi,
    /// A Safepath extension holding a JSON array of objects.
    Structured,
}

/// One field of a record.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Whether Safepath holds this field (exports a value, imports it).
    pub held: bool,
}

const fn field(name: &'static str, kind: Kind, held: bool) -> Field {
    Field { name, kind, held }
}

/// Every field of a record, in the order of CSV columns: the standard's
/// sections in its order, then Safepath's extensions.
pub const FIELDS: &[Field] = &[
    field("prs_Salutation", Kind::Text, false),
    field("prs_FirstName", Kind::Text, true),
    field("prs_MiddleName", Kind::Text, true),
    field("prs_SecondName", Kind::Text, true),
    field("prs_Birthdate", Kind::Date, true),
    field("prs_Gender", Kind::Text, true),
    field("prs_Deceased", Kind::Checkbox, false),
    field("prs_MaritalStatus", Kind::Text, false),
    field("prs_NumberOfChildren", Kind::Number, false),
    field("prs_PrimaryLanguage", Kind::Text, true),
    field("prs_SecondaryLanguage", Kind::Text, true),
    field("prs_HighestLevelOfEducation", Kind::Text, false),
    field("prs_Citizenship", Kind::Multi, true),
    field("prs_IdentityNumber", Kind::Text, false),
    field("prs_Title", Kind::Text, false),
    field("prs_Email", Kind::Text, false),
    field("prs_HomePhone", Kind::Text, false),
    field("prs_MobilePhone", Kind::Text, false),
    field("prs_MailingCity", Kind::Text, false),
    field("prs_MailingCountry", Kind::Text, false),
    field("prs_MailingState", Kind::Text, false),
    field("prs_MailingStreet", Kind::Text, false),
    field("prs_MailingPostalCode", Kind::Text, false),
    field("prs_MailingLongitude", Kind::Text, false),
    field("prs_MailingLatitude", Kind::Text, false),
    field("vic_TraffickingStatus", Kind::Text, false),
    field("vic_TraffickingStatusDecisionMakingOrg", Kind::Text, false),
    field("vic_RelationshipToTrafficker", Kind::Text, false),
    field("vic_AgeWhenTrafficked", Kind::Number, false),
    field("vic_RecruitmentWebsitesAndApps", Kind::Multi, false),
    field("vic_MethodOfRecruitment", Kind::Multi, false),
    field("vic_LocationOfRecruitment", Kind::Text, false),
    field("vic_MethodsOfControl", Kind::Multi, false),
    field("vic_TypeOfExploitation", Kind::Multi, false),
    field("vic_ForcedLabourIndustry", Kind::Text, false),
    field("vic_TypeOfSexExploitation", Kind::Multi, false),
    field("vic_LocationOfExploitation", Kind::Text, false),
    field("vic_ExploitationWebsitesAndApps", Kind::Multi, false),
    field("cas_Status", Kind::Text, true),
    field("cas_ReasonForCaseClosure", Kind::Text, false),
    field("cas_CaseOwner", Kind::Text, true),
    field("cas_ReferringOrganisation", Kind::Text, false),
    field("cas_IncomingReferralDate", Kind::Date, false),
    field("cas_ReferringPrimaryCaseWorker", Kind::Text, false),
    field("cas_ReasonForIncomingReferral", Kind::Text, false),
    field("cas_IncomingReferralDetails", Kind::Text, false),
    field("cas_ReferredOrganisation", Kind::Text, false),
    field("cas_ReferredPrimaryCaseWorker", Kind::Text, false),
    field("cas_ReasonForOutgoingReferral", Kind::Text, false),
    field("cas_OutgoingReferralDate", Kind::Date, false),
    field("cas_OutgoingReferralDetails", Kind::Text, false),
    field("con_Consent", Kind::Checkbox, true),
    field("safepath_CaseId", Kind::Text, true),
    field("safepath_Reference", Kind::Text, true),
    field("safepath_Status", Kind::Text, true),
    field("safepath_RiskLevel", Kind::Text, true),
    field("safepath_ProtectionStatus", Kind::Text, true),
    field("safepath_EstimatedAge", Kind::Number, true),
    field("safepath_AgeDisputed", Kind::Checkbox, true),
    field("safepath_OtherLanguages", Kind::Multi, true),
    field("safepath_OtherNames", Kind::Structured, true),
    field("safepath_IdentificationDate", Kind::Date, true),
    field("safepath_IdentificationPlace", Kind::Text, true),
    field("safepath_IdentificationChannel", Kind::Text, true),
    field("safepath_LocalStructure", Kind::Text, true),
    field("safepath_Consents", Kind::Structured, true),
];

/// The position of a field in [`FIELDS`], by name.
pub fn field_index(name: &str) -> Option<usize> {
    static INDEX: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    INDEX.get_or_init(|| FIELDS.iter().enumerate().map(|(i, f)| (f.name, i)).collect()).get(name).copied()
}

fn at(name: &str) -> usize {
    field_index(name).expect("a field of FIELDS")
}

/// A field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Checkbox(bool),
    Number(i64),
    Multi(Vec<String>),
    /// A JSON array (Safepath's structured extensions).
    Structured(Json),
}

impl Value {
    fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(text) => text.is_empty(),
            Value::Multi(values) => values.is_empty(),
            Value::Structured(Json::Array(items)) => items.is_empty(),
            _ => false,
        }
    }
}

/// One HTCDS record: a value per field of [`FIELDS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    values: Vec<Value>,
}

impl Default for Record {
    fn default() -> Self {
        Record { values: vec![Value::Empty; FIELDS.len()] }
    }
}

impl Record {
    pub fn get(&self, name: &str) -> &Value {
        field_index(name).map_or(&Value::Empty, |i| &self.values[i])
    }

    /// Sets a field by name; panics on a name that is not in [`FIELDS`] (a programming error).
    pub fn set(&mut self, name: &str, value: Value) {
        self.values[at(name)] = value;
    }

    fn text(&self, name: &str) -> Option<String> {
        match &self.values[at(name)] {
            Value::Text(text) if !text.is_empty() => Some(text.clone()),
            _ => None,
        }
    }

    fn list(&self, name: &str) -> Vec<String> {
        match &self.values[at(name)] {
            Value::Multi(values) => values.clone(),
            _ => Vec::new(),
        }
    }
}

/// The HTCDS `cas_Status` of a workflow state: every open state is `Active`
/// except follow-up; a transfer closes the case here as referred.
pub fn htcds_case_status(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::FollowUp => "FollowUp",
        CaseStatus::Closed | CaseStatus::Duplicate => "Closed",
        CaseStatus::Transferred => "ClosedReferred",
        _ => "Active",
    }
}

const CASE_STATUSES: &[&str] = &["Active", "FollowUp", "Closed", "ClosedReferred"];

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

fn optional_text(value: Option<&str>) -> Value {
    value.map_or(Value::Empty, text)
}

/// A case file as an HTCDS record.
pub fn record_of(case: &CaseView) -> Record {
    let child = &case.child;
    let mut record = Record::default();
    record.set("prs_FirstName", text(&child.given_name));
    record.set("prs_SecondName", optional_text(child.family_name.as_deref()));
    record.set("prs_Birthdate", child.date_of_birth.map_or(Value::Empty, |d| text(d.to_string())));
    record.set("prs_Gender", text(child.sex.as_str()));
    record.set("prs_PrimaryLanguage", optional_text(child.languages.first().map(String::as_str)));
    record.set("prs_SecondaryLanguage", optional_text(child.languages.get(1).map(String::as_str)));
    record.set("prs_Citizenship", Value::Multi(child.citizenship.clone()));
    record.set("cas_Status", text(htcds_case_status(case.status)));
    record.set("cas_CaseOwner", optional_text(case.assigned_to.as_ref().map(|u| u.as_str())));
    record.set("con_Consent", Value::Checkbox(!case.consents.is_empty()));
    record.set("safepath_CaseId", text(case.id.as_str()));
    record.set("safepath_Reference", text(&case.reference));
    record.set("safepath_Status", text(case.status.as_str()));
    record.set("safepath_RiskLevel", text(case.risk_level.as_str()));
    record.set("safepath_ProtectionStatus", optional_text(case.protection_status.map(|p| p.as_str())));
    record.set("safepath_EstimatedAge", child.estimated_age.map_or(Value::Empty, |a| Value::Number(i64::from(a))));
    record.set("safepath_AgeDisputed", Value::Checkbox(child.age_disputed));
    record.set("safepath_OtherLanguages", Value::Multi(child.languages.iter().skip(2).cloned().collect()));
    let names: Vec<Json> = child
        .other_names
        .iter()
        .map(|n| {
            let mut object = serde_json::Map::new();
            object.insert("name".into(), Json::from(n.name.as_str()));
            object.insert("kind".into(), Json::from(n.kind.as_str()));
            object.insert("script".into(), Json::from(n.script.as_str()));
            if let Some(language) = &n.language {
                object.insert("language".into(), Json::from(language.as_str()));
            }
            Json::Object(object)
        })
        .collect();
    record.set("safepath_OtherNames", Value::Structured(Json::Array(names)));
    let identification = &case.identification;
    record.set("safepath_IdentificationDate", text(identification.date.to_string()));
    record.set("safepath_IdentificationPlace", text(&identification.place));
    record.set("safepath_IdentificationChannel", text(identification.channel.as_str()));
    record.set("safepath_LocalStructure", optional_text(identification.local_structure.as_deref()));
    let consents: Vec<Json> = case
        .consents
        .iter()
        .map(|c| {
            let mut object = serde_json::Map::new();
            object.insert("purpose".into(), Json::from(c.purpose.as_str()));
            object.insert("given_by".into(), Json::from(c.given_by.as_str()));
            object.insert("date".into(), Json::from(c.date.to_string()));
            if let Some(withheld) = &c.withheld {
                object.insert("withheld".into(), Json::from(withheld.as_str()));
            }
            if let Some(basis) = &c.legal_basis {
                object.insert("legal_basis".into(), Json::from(basis.as_str()));
            }
            Json::Object(object)
        })
        .collect();
    record.set("safepath_Consents", Value::Structured(Json::Array(consents)));
    record
}

// ---------------------------------------------------------------------------
// Writing

/// One record as a JSON object: the fields that have a value, in [`FIELDS`] order.
pub fn record_json(record: &Record) -> Json {
    let mut object = serde_json::Map::new();
    for (field, value) in FIELDS.iter().zip(&record.values) {
        let json = match value {
            _ if value.is_empty() => continue,
            Value::Empty => continue,
            Value::Text(text) => Json::from(text.as_str()),
            Value::Checkbox(flag) => Json::Bool(*flag),
            Value::Number(number) => Json::from(*number),
            Value::Multi(values) => Json::from(values.clone()),
            Value::Structured(json) => json.clone(),
        };
        object.insert(field.name.to_string(), json);
    }
    Json::Object(object)
}

/// The start of a JSON file; then [`record_json`] for each record, separated
/// by `,`, then [`JSON_END`]. Written piece by piece so that an export of
/// 100,000 cases never holds the whole document in memory.
pub fn json_start() -> String {
    format!("{{\"standard\": \"HTCDS\", \"htcds_version\": \"{HTCDS_VERSION}\", \"records\": [\n")
}

pub const JSON_END: &str = "\n]}\n";

/// A whole JSON file of `records`.
pub fn to_json(records: &[Record]) -> String {
    let mut out = json_start();
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&record_json(record).to_string());
    }
    out.push_str(JSON_END);
    out
}

/// The CSV header line (with its line end).
pub fn csv_header() -> String {
    let mut line = FIELDS.iter().map(|f| f.name).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// One record as a CSV line (with its line end).
pub fn csv_row(record: &Record) -> String {
    let mut line = String::new();
    for (i, value) in record.values.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cell = match value {
            Value::Empty => String::new(),
            Value::Text(text) => defuse_formula(text),
            Value::Checkbox(flag) => flag.to_string(),
            Value::Number(number) => number.to_string(),
            Value::Multi(values) => defuse_formula(&values.join(";")),
            Value::Structured(_) if value.is_empty() => String::new(),
            Value::Structured(json) => json.to_string(),
        };
        push_csv_cell(&mut line, &cell);
    }
    line.push_str("\r\n");
    line
}

/// The first characters with which a spreadsheet reads a cell as a formula
/// (OWASP, "CSV injection"); a tab or carriage return can hide one.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A free-text cell that would start a formula gets a leading `'`, which
/// spreadsheets show as text and do not evaluate: an exported name such as
/// `=HYPERLINK(…)` must not run on a caseworker's machine. Only text and
/// picklist cells are free text; dates, numbers (a negative one starts with
/// `-`), checkboxes and JSON are written exactly as the standard wants them.
/// [`restore_formula`] takes the quote off again on import, so a round trip is exact.
fn defuse_formula(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The inverse of [`defuse_formula`] for a CSV cell read back (JSON files
/// carry no such quote).
fn restore_formula<'a>(field: &Field, raw: &'a str) -> &'a str {
    if !matches!(field.kind, Kind::Text | Kind::Multi) {
        return raw;
    }
    match raw.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => raw,
    }
}

fn push_csv_cell(line: &mut String, cell: &str) {
    let needs_quotes = cell.contains([',', '"', '\r', '\n']) || cell.starts_with(' ') || cell.ends_with(' ');
    if needs_quotes {
        line.push('"');
        line.push_str(&cell.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(cell);
    }
}

/// A whole CSV file of `records`.
pub fn to_csv(records: &[Record]) -> String {
    let mut out = csv_header();
    for record in records {
        out.push_str(&csv_row(record));
    }
    out
}

// ---------------------------------------------------------------------------
// Reading

/// Why a whole file is refused (nothing of it is imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is not UTF-8 text (invalid byte at line {line})")]
    NotUtf8 { line: usize },
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the file holds more than {MAX_RECORDS} records")]
    TooManyRecords,
    #[error("the file holds no records")]
    NoRecords,
    #[error("the CSV header is not an HTCDS v2.0 header: {0}")]
    Header(String),
    #[error("line {line}: {message}")]
    Csv { line: usize, message: String },
    #[error("not an HTCDS JSON file: {0}")]
    Json(String),
}

/// A record as read from a file, with the problems found in its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// 1 for the first record of the file.
    pub number: usize,
    /// The line the record starts on (CSV only).
    pub line: Option<usize>,
    pub record: Record,
    pub errors: ValidationErrors,
}

/// Checks a file's size and encoding, before any parsing.
pub fn text_of(bytes: &[u8], limit: usize) -> Result<&str, FileError> {
    if bytes.len() > limit {
        return Err(FileError::TooLarge { limit });
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let line = bytes[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        FileError::NotUtf8 { line }
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Parses one field's raw text (a CSV cell, or a JSON string) into its value.
fn parse_cell(field: &Field, raw: &str) -> Result<Value, String> {
    if raw.len() > MAX_FIELD_BYTES {
        return Err(format!("must be at most {MAX_FIELD_BYTES} bytes"));
    }
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(Value::Empty);
    }
    match field.kind {
        Kind::Text => Ok(Value::Text(raw.to_string())),
        Kind::Date => text::date(raw).map(|d| Value::Text(d.to_string())),
        Kind::Checkbox => match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Value::Checkbox(true)),
            "false" | "0" | "no" => Ok(Value::Checkbox(false)),
            _ => Err("must be true or false".into()),
        },
        Kind::Number => raw.parse::<i64>().map(Value::Number).map_err(|_| "must be a whole number".into()),
        Kind::Multi => {
            Ok(Value::Multi(raw.split(';').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()))
        }
        Kind::Structured => match serde_json::from_str::<Json>(raw) {
            Ok(json @ Json::Array(_)) => Ok(Value::Structured(json)),
            _ => Err("must be a JSON array".into()),
        },
    }
}

/// Parses one field's JSON value into its value.
fn parse_json_value(field: &Field, json: Json) -> Result<Value, String> {
    match (field.kind, json) {
        (_, Json::Null) => Ok(Value::Empty),
        (_, Json::String(raw)) => parse_cell(field, &raw),
        (Kind::Checkbox, Json::Bool(flag)) => Ok(Value::Checkbox(flag)),
        (Kind::Number, Json::Number(number)) => {
            number.as_i64().map(Value::Number).ok_or_else(|| "must be a whole number".into())
        }
        (Kind::Multi, Json::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Json::String(value) if value.len() <= MAX_FIELD_BYTES => Ok(value.trim().to_string()),
                _ => Err("must be an array of strings".to_string()),
            })
            .filter(|value| !matches!(value, Ok(v) if v.is_empty()))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Multi),
        (Kind::Structured, json @ Json::Array(_)) => {
            if json.to_string().len() > MAX_FIELD_BYTES {
                Err(format!("must be at most {MAX_FIELD_BYTES} bytes"))
            } else {
                Ok(Value::Structured(json))
            }
        }
        (Kind::Checkbox, _) => Err("must be true or false".into()),
        (Kind::Number, _) => Err("must be a whole number".into()),
        (Kind::Multi, _) => Err("must be an array of strings".into()),
        (Kind::Structured, _) => Err("must be a JSON array".into()),
        (Kind::Text | Kind::Date, _) => Err("must be a string".into()),
    }
}

/// Decodes a CSV file: the header must name HTCDS v2.0 (or Safepath
/// extension) fields, each at most once; missing columns are empty.
pub fn decode_csv(text: &str) -> Result<Vec<Decoded>, FileError> {
    let mut decoded = Vec::new();
    each_csv_record(text, &mut |record| decoded.push(record))?;
    Ok(decoded)
}

/// Decodes a CSV file record by record, handing each to `sink` (so that a
/// large file is never held as records as well as text).
fn each_csv_record(text: &str, sink: &mut dyn FnMut(Decoded)) -> Result<(), FileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = CsvRows::new(text);
    let Some(header) = rows.next().transpose()? else {
        return Err(FileError::NoRecords);
    };
    let mut columns = Vec::with_capacity(header.cells.len());
    let mut unknown = Vec::new();
    for name in &header.cells {
        let name = name.trim();
        match field_index(name) {
            Some(index) if columns.contains(&index) => {
                return Err(FileError::Header(format!("column {name} appears twice")));
            }
            Some(index) => columns.push(index),
            None => unknown.push(name.to_string()),
        }
    }
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown.iter().take(5).map(|n| format!("{n:?}")).collect();
        return Err(FileError::Header(format!(
            "unknown column{} {} (expected HTCDS field names such as prs_FirstName)",
            if unknown.len() > 1 { "s" } else { "" },
            shown.join(", ")
        )));
    }
    let mut count = 0;
    for row in rows {
        let row = row?;
        if count == MAX_RECORDS {
            return Err(FileError::TooManyRecords);
        }
        let mut record = Record::default();
        let mut errors = ValidationErrors::new();
        if row.cells.len() != columns.len() {
            errors.add(
                "record",
                format!("has {} fields where the header has {} columns", row.cells.len(), columns.len()),
            );
        }
        for (cell, &index) in row.cells.iter().zip(&columns) {
            let field = &FIELDS[index];
            match parse_cell(field, restore_formula(field, cell)) {
                Ok(value) => record.values[index] = value,
                Err(reason) => errors.add(field.name, reason),
            }
        }
        count += 1;
        sink(Decoded { number: count, line: Some(row.line), record, errors });
    }
    if count == 0 {
        return Err(FileError::NoRecords);
    }
    Ok(())
}

struct CsvRow {
    line: usize,
    cells: Vec<String>,
}

/// RFC 4180 rows; blank lines are skipped.
struct CsvRows<'a> {
    rest: &'a str,
    line: usize,
}

impl<'a> CsvRows<'a> {
    fn new(text: &'a str) -> Self {
        CsvRows { rest: text, line: 1 }
    }

    fn row(&mut self) -> Result<CsvRow, FileError> {
        let start_line = self.line;
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut was_quoted = false;
        let end = loop {
            let Some((i, c)) = chars.next() else {
                if quoted {
                    return Err(FileError::Csv {
                        line: start_line,
                        message: "a quoted field is not closed (is the file truncated?)".into(),
                    });
                }
                break self.rest.len();
            };
            if quoted {
                match c {
                    '"' if chars.peek().map(|(_, n)| *n) == Some('"') => {
                        chars.next();
                        cell.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        self.line += 1;
                        cell.push(c);
                    }
                    _ => cell.push(c),
                }
                continue;
            }
            match c {
                ',' => {
                    cells.push(std::mem::take(&mut cell));
                    was_quoted = false;
                }
                '"' if cell.is_empty() && !was_quoted => {
                    quoted = true;
                    was_quoted = true;
                }
                '"' => {
                    return Err(FileError::Csv {
                        line: self.line,
                        message: "a quote inside an unquoted field (quote the field and double the quote)".into(),
                    })
                }
                '\r' if chars.peek().map(|(_, n)| *n) == Some('\n') => {}
                '\n' => {
                    self.line += 1;
                    break i + 1;
                }
                _ if was_quoted => {
                    return Err(FileError::Csv {
                        line: self.line,
                        message: "text after the closing quote of a field".into(),
                    })
                }
                _ => cell.push(c),
            }
        };
        cells.push(cell);
        self.rest = &self.rest[end..];
        Ok(CsvRow { line: start_line, cells })
    }
}

impl Iterator for CsvRows<'_> {
    type Item = Result<CsvRow, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            // Blank lines (a trailing newline, an empty line) hold no record.
            let blank = self.rest.split('\n').next().is_some_and(|line| line.trim_end_matches('\r').is_empty());
            if blank {
                let skip = self.rest.find('\n').map_or(self.rest.len(), |i| i + 1);
                self.rest = &self.rest[skip..];
                self.line += 1;
                continue;
            }
            let row = self.row();
            if row.is_err() {
                self.rest = "";
            }
            return Some(row);
        }
    }
}

/// Decodes a JSON file: `{"htcds_version": "2.0", "records": [{field: value}, …]}`.
/// Records are decoded as they are read, so a large file is never held as a
/// JSON tree.
pub fn decode_json(text: &str) -> Result<Vec<Decoded>, FileError> {
    let mut decoded = Vec::new();
    each_json_record(text, &mut |record| decoded.push(record))?;
    Ok(decoded)
}

fn each_json_record(text: &str, sink: &mut dyn FnMut(Decoded)) -> Result<(), FileError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let file = FileSeed { sink }.deserialize(&mut deserializer).map_err(|e| FileError::Json(e.to_string()))?;
    deserializer.end().map_err(|e| FileError::Json(e.to_string()))?;
    if file.version.as_deref() != Some(HTCDS_VERSION) {
        return Err(FileError::Json(format!("\"htcds_version\" must be \"{HTCDS_VERSION}\"")));
    }
    match file.records {
        None => Err(FileError::Json("no \"records\" array".into())),
        Some(0) => Err(FileError::NoRecords),
        Some(_) => Ok(()),
    }
}

struct JsonFile {
    version: Option<String>,
    /// How many records were handed on.
    records: Option<usize>,
}

struct FileSeed<'s> {
    sink: &'s mut dyn FnMut(Decoded),
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = JsonFile;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<JsonFile, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = JsonFile;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with \"htcds_version\" and \"records\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonFile, A::Error> {
        let mut file = JsonFile { version: None, records: None };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "htcds_version" => file.version = Some(map.next_value()?),
                "records" => file.records = Some(map.next_value_seed(RecordsSeed { sink: &mut *self.sink })?),
                "standard" => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
                other => return Err(serde::de::Error::custom(format!("unknown key {other:?}"))),
            }
        }
        Ok(file)
    }
}

struct RecordsSeed<'s> {
    sink: &'s mut dyn FnMut(Decoded),
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut count = 0;
        while let Some(mut decoded) = seq.next_element_seed(RecordSeed)? {
            if count == MAX_RECORDS {
                return Err(serde::de::Error::custom(format!("more than {MAX_RECORDS} records")));
            }
            count += 1;
            decoded.number = count;
            (self.sink)(decoded);
        }
        Ok(count)
    }
}

struct RecordSeed;

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Decoded;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Decoded, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed {
    type Value = Decoded;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record: an object of HTCDS fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decoded, A::Error> {
        let mut record = Record::default();
        let mut errors = ValidationErrors::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Json = map.next_value()?;
            match field_index(&key) {
                None => errors.add(key, "is not an HTCDS v2.0 field"),
                Some(index) => match parse_json_value(&FIELDS[index], value) {
                    Ok(value) => record.values[index] = value,
                    Err(reason) => errors.add(FIELDS[index].name, reason),
                },
            }
        }
        Ok(Decoded { number: 0, line: None, record, errors })
    }
}

// ---------------------------------------------------------------------------
// Import: records into registrations

/// The problems of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReport {
    /// 1 for the first record of the file.
    pub number: usize,
    pub line: Option<usize>,
    /// The record's id in the system it came from (`safepath_Reference` or `safepath_CaseId`).
    pub external_id: Option<String>,
    /// HTCDS field name → what is wrong.
    pub errors: BTreeMap<String, String>,
}

impl fmt::Display for RecordReport {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "record {}", self.number)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        if let Some(id) = &self.external_id {
            write!(f, " [{id}]")?;
        }
        let problems: Vec<String> = self.errors.iter().map(|(field, reason)| format!("{field}: {reason}")).collect();
        write!(f, ": {}", problems.join("; "))
    }
}

/// A valid record, ready to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub number: usize,
    pub external_id: Option<String>,
    pub case: NewCase,
}

/// The outcome of parsing a file's records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub accepted: Vec<Accepted>,
    pub rejected: Vec<RecordReport>,
    /// HTCDS fields Safepath does not hold, with the number of records that gave a value.
    pub ignored: BTreeMap<&'static str, usize>,
}

/// Parses every decoded record into a registration through [`NewCase::parse`];
/// `today` bounds dates as for a registration by hand.
pub fn import(decoded: impl IntoIterator<Item = Decoded>, today: NaiveDate) -> ImportReport {
    let mut report = ImportReport::default();
    for record in decoded {
        report.add(record, today);
    }
    report
}

/// Decodes and parses a CSV file in one pass: each record is parsed as it is
/// read, so memory holds the text and the registrations, never all records too.
pub fn import_csv(text: &str, today: NaiveDate) -> Result<ImportReport, FileError> {
    let mut report = ImportReport::default();
    each_csv_record(text, &mut |record| report.add(record, today))?;
    Ok(report)
}

/// Like [`import_csv`], for a JSON file.
pub fn import_json(text: &str, today: NaiveDate) -> Result<ImportReport, FileError> {
    let mut report = ImportReport::default();
    each_json_record(text, &mut |record| report.add(record, today))?;
    Ok(report)
}

impl ImportReport {
    fn add(&mut self, decoded: Decoded, today: NaiveDate) {
        let Decoded { number, line, record, mut errors } = decoded;
        for (field, value) in FIELDS.iter().zip(&record.values) {
            if !field.held && !value.is_empty() {
                *self.ignored.entry(field.name).or_default() += 1;
            }
        }
        let external_id = record.text("safepath_Reference").or_else(|| record.text("safepath_CaseId"));
        let parsed = parse_record(&record, &mut errors, today);
        match parsed {
            Some(case) if errors.is_empty() => self.accepted.push(Accepted { number, external_id, case }),
            _ => self.rejected.push(RecordReport { number, line, external_id, errors: errors.fields }),
        }
    }
}

fn structured<T: serde::de::DeserializeOwned>(
    record: &Record,
    name: &str,
    errors: &mut ValidationErrors,
) -> Option<Vec<T>> {
    match record.get(name) {
        Value::Structured(json) => match serde_json::from_value::<Vec<T>>(json.clone()) {
            Ok(items) => Some(items),
            Err(error) => {
                errors.add(name, format!("is not a list of the expected objects: {error}"));
                None
            }
        },
        _ => None,
    }
}

/// A record as a registration body, then validated; errors are keyed by the
/// record's field names.
fn parse_record(record: &Record, errors: &mut ValidationErrors, today: NaiveDate) -> Option<NewCase> {
    if let Value::Text(status) = record.get("cas_Status") {
        if !CASE_STATUSES.contains(&status.as_str()) {
            errors.add("cas_Status", format!("must be one of: {}", CASE_STATUSES.join(", ")));
        }
    }
    let mut other_names: Vec<OtherNameInput> = structured(record, "safepath_OtherNames", errors).unwrap_or_default();
    if let Some(middle) = record.text("prs_MiddleName") {
        other_names.push(OtherNameInput { name: middle, kind: Some("given".into()), script: None, language: None });
    }
    let languages: Vec<String> = [record.text("prs_PrimaryLanguage"), record.text("prs_SecondaryLanguage")]
        .into_iter()
        .flatten()
        .chain(record.list("safepath_OtherLanguages"))
        .collect();
    let estimated_age = match record.get("safepath_EstimatedAge") {
        Value::Number(years) => Some(*years),
        _ => None,
    };
    let age_disputed = match record.get("safepath_AgeDisputed") {
        Value::Checkbox(flag) => Some(*flag),
        _ => None,
    };
    let consents: Option<Vec<ConsentInput>> = structured(record, "safepath_Consents", errors);
    let input = NewCaseInput {
        child: ChildInput {
            given_name: record.text("prs_FirstName").unwrap_or_default(),
            family_name: record.text("prs_SecondName"),
            other_names: (!other_names.is_empty()).then_some(other_names),
            sex: record.text("prs_Gender").unwrap_or_default(),
            date_of_birth: record.text("prs_Birthdate"),
            estimated_age,
            age_disputed,
            citizenship: Some(record.list("prs_Citizenship")),
            languages: Some(languages),
        },
        identification: IdentificationInput {
            date: record.text("safepath_IdentificationDate").unwrap_or_default(),
            place: record.text("safepath_IdentificationPlace").unwrap_or_default(),
            channel: record.text("safepath_IdentificationChannel").unwrap_or_default(),
            local_structure: record.text("safepath_LocalStructure"),
        },
        risk_level: record.text("safepath_RiskLevel").unwrap_or_default(),
        protection_status: record.text("safepath_ProtectionStatus"),
        assigned_to: None,
        consents,
    };
    let has_primary = record.text("prs_PrimaryLanguage").is_some();
    let has_secondary = record.text("prs_SecondaryLanguage").is_some();
    match NewCase::parse(input, today) {
        Ok(case) => Some(case),
        Err(invalid) => {
            for (field, reason) in invalid.fields {
                errors.add(record_field(&field, has_primary, has_secondary), reason);
            }
            None
        }
    }
}

/// The record field a registration field came from.
fn record_field(field: &str, has_primary: bool, has_secondary: bool) -> String {
    let (head, index_and_rest) = match field.find('[') {
        Some(i) => (&field[..i], &field[i..]),
        None => (field, ""),
    };
    let simple = match head {
        "child.given_name" => "prs_FirstName",
        "child.family_name" => "prs_SecondName",
        "child.sex" => "prs_Gender",
        "child.date_of_birth" => "prs_Birthdate",
        "child.estimated_age" => "safepath_EstimatedAge",
        "child.citizenship" => "prs_Citizenship",
        "identification.date" => "safepath_IdentificationDate",
        "identification.place" => "safepath_IdentificationPlace",
        "identification.channel" => "safepath_IdentificationChannel",
        "identification.local_structure" => "safepath_LocalStructure",
        "risk_level" => "safepath_RiskLevel",
        "protection_status" => "safepath_ProtectionStatus",
        "assigned_to" => "cas_CaseOwner",
        "child.other_names" => return format!("safepath_OtherNames{index_and_rest}"),
        "consents" => return format!("safepath_Consents{index_and_rest}"),
        "child.languages" => {
            let index: usize =
                index_and_rest.trim_start_matches('[').split(']').next().and_then(|i| i.parse().ok()).unwrap_or(0);
            let named = usize::from(has_primary) + usize::from(has_secondary);
            return match (index, has_primary) {
                (0, true) => "prs_PrimaryLanguage".into(),
                (0, false) | (1, true) if has_secondary => "prs_SecondaryLanguage".into(),
                _ => format!("safepath_OtherLanguages[{}]", index.saturating_sub(named)),
            };
        }
        other => return other.to_string(),
    };
    simple.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Age, ChildView, Consent, Identification};
    use crate::codes::{
        ConsentGivenBy, ConsentPurpose, Gender, IdentificationChannel, NameKind, ProtectionStatus, RiskLevel, Script,
    };
    use crate::ids::{CaseId, IdentityId, OrganisationId, UserId};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn date(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    fn name(name: &str, kind: NameKind, language: Option<&str>) -> crate::case::ChildName {
        crate::case::ChildName {
            name: name.into(),
            kind,
            script: Script::detect(name),
            language: language.map(str::to_string),
        }
    }

    fn case(given: &str, family: Option<&str>, others: Vec<crate::case::ChildName>) -> CaseView {
        CaseView {
            id: CaseId::from_trusted("7f0c2b1e-6a57-4c1b-9a55-0d3f8a1f2e11".into()),
            reference: "TDH-AL-2026-00042".into(),
            organisation_id: OrganisationId::from_trusted("1d4d6c8e-0b5e-4f53-8d43-3f4a8e2c9b10".into()),
            assigned_to: Some(UserId::from_trusted("5b0d1f3a-2c4e-4a6b-8d0f-1e3a5c7e9b2d".into())),
            status: CaseStatus::Registered,
            risk_level: RiskLevel::High,
            protection_status: Some(ProtectionStatus::Unaccompanied),
            identification: Identification {
                date: date("2026-10-03"),
                place: "Durrës, port area".into(),
                channel: IdentificationChannel::Outreach,
                local_structure: Some("Komiteti i mbrojtjes së fëmijëve, Durrës".into()),
            },
            consents: vec![Consent {
                purpose: ConsentPurpose::Services,
                given_by: ConsentGivenBy::Child,
                date: date("2026-10-04"),
                withheld: Some("no photos, \"no\" school contact".into()),
                legal_basis: None,
            }],
            child: ChildView {
                identity_id: IdentityId::from_trusted("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d".into()),
                given_name: given.into(),
                family_name: family.map(str::to_string),
                other_names: others,
                sex: Gender::Feminine,
                date_of_birth: Some(date("2012-02-29")),
                estimated_age: None,
                age_is_estimated: false,
                age_disputed: false,
                citizenship: vec!["AL".into(), "MK".into()],
                languages: vec!["sq".into(), "mk".into(), "en".into()],
            },
            created_at: 1,
            updated_at: 1,
            version: 1,
        }
    }

    fn samples() -> Vec<CaseView> {
        let albanian = case(
            "Klea",
            Some("Hoxha"),
            vec![name("Клеа Хоџа", NameKind::Transliteration, Some("mk")), name("Kleja", NameKind::Nickname, None)],
        );
        let mut nepali = case("सीता", Some("तामाङ"), vec![name("Sita Tamang", NameKind::Transliteration, Some("en"))]);
        nepali.child.date_of_birth = None;
        nepali.child.estimated_age = Some(15);
        nepali.child.age_is_estimated = true;
        nepali.child.age_disputed = true;
        nepali.child.citizenship = vec!["NP".into()];
        nepali.child.languages = vec!["ne".into()];
        nepali.consents.clear();
        nepali.protection_status = None;
        let mut arabic = case("مريم", None, vec![name("Maryam, \"Mimi\"", NameKind::Alias, None)]);
        arabic.child.citizenship = vec![];
        arabic.child.languages = vec![];
        arabic.identification.local_structure = None;
        let thai = case("สมหญิง", Some("ใจดี"), vec![name("Somying Jaidee", NameKind::Transliteration, Some("th"))]);
        vec![albanian, nepali, arabic, thai]
    }

    /// What a case would be registered as: the domain parts of a view.
    fn registration_of(view: &CaseView) -> NewCase {
        NewCase {
            child: crate::case::ChildIdentity {
                given_name: view.child.given_name.clone(),
                family_name: view.child.family_name.clone(),
                other_names: view.child.other_names.clone(),
                sex: view.child.sex,
                age: match (view.child.date_of_birth, view.child.estimated_age) {
                    (Some(born), _) => Age::Born(born),
                    (None, years) => Age::Estimated { years: years.unwrap() },
                },
                age_disputed: view.child.age_disputed,
                citizenship: view.child.citizenship.clone(),
                languages: view.child.languages.clone(),
            },
            identification: view.identification.clone(),
            risk_level: view.risk_level,
            protection_status: view.protection_status,
            assigned_to: None,
            consents: view.consents.clone(),
        }
    }

    #[test]
    fn every_field_name_is_in_the_standard_table_or_a_safepath_extension() {
        // Column "Field Name including Prefix" of shared/standards/htcds-2.0-fields.tsv,
        // for the Person, Victim context, Case and Consent sections (not deprecated).
        let standard = [
            "prs_Salutation",
            "prs_FirstName",
            "prs_MiddleName",
            "prs_SecondName",
            "prs_Birthdate",
            "prs_Gender",
            "prs_Deceased",
            "prs_MaritalStatus",
            "prs_NumberOfChildren",
            "prs_PrimaryLanguage",
            "prs_SecondaryLanguage",
            "prs_HighestLevelOfEducation",
            "prs_Citizenship",
            "prs_IdentityNumber",
            "prs_Title",
            "prs_Email",
            "prs_HomePhone",
            "prs_MobilePhone",
            "prs_MailingCity",
            "prs_MailingCountry",
            "prs_MailingState",
            "prs_MailingStreet",
            "prs_MailingPostalCode",
            "prs_MailingLongitude",
            "prs_MailingLatitude",
            "vic_TraffickingStatus",
            "vic_TraffickingStatusDecisionMakingOrg",
            "vic_RelationshipToTrafficker",
            "vic_AgeWhenTrafficked",
            "vic_RecruitmentWebsitesAndApps",
            "vic_MethodOfRecruitment",
            "vic_LocationOfRecruitment",
            "vic_MethodsOfControl",
            "vic_TypeOfExploitation",
            "vic_ForcedLabourIndustry",
            "vic_TypeOfSexExploitation",
            "vic_LocationOfExploitation",
            "vic_ExploitationWebsitesAndApps",
            "cas_Status",
            "cas_ReasonForCaseClosure",
            "cas_CaseOwner",
            "cas_ReferringOrganisation",
            "cas_IncomingReferralDate",
            "cas_ReferringPrimaryCaseWorker",
            "cas_ReasonForIncomingReferral",
            "cas_IncomingReferralDetails",
            "cas_ReferredOrganisation",
            "cas_ReferredPrimaryCaseWorker",
            "cas_ReasonForOutgoingReferral",
            "cas_OutgoingReferralDate",
            "cas_OutgoingReferralDetails",
            "con_Consent",
        ];
        for field in FIELDS {
            assert!(
                standard.contains(&field.name) || field.name.starts_with("safepath_"),
                "{} is neither an HTCDS v2.0 field nor an extension",
                field.name
            );
            assert_eq!(field_index(field.name).map(|i| FIELDS[i].name), Some(field.name));
        }
        let mut names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FIELDS.len(), "a field is listed twice");
    }

    #[test]
    fn cases_in_several_scripts_round_trip_through_csv_and_json() {
        let cases = samples();
        let records: Vec<Record> = cases.iter().map(record_of).collect();
        for (format, decoded) in
            [("csv", decode_csv(&to_csv(&records)).unwrap()), ("json", decode_json(&to_json(&records)).unwrap())]
        {
            let report = import(decoded, today());
            assert!(report.rejected.is_empty(), "{format}: {:?}", report.rejected);
            assert!(report.ignored.is_empty(), "{format}: {:?}", report.ignored);
            assert_eq!(report.accepted.len(), cases.len());
            for (accepted, view) in report.accepted.iter().zip(&cases) {
                assert_eq!(accepted.case, registration_of(view), "{format}");
                assert_eq!(accepted.external_id.as_deref(), Some("TDH-AL-2026-00042"));
            }
        }
    }

    #[test]
    fn importing_in_one_pass_gives_the_same_report_as_decoding_first() {
        let records: Vec<Record> = samples().iter().map(record_of).collect();
        let (csv, json) = (to_csv(&records), to_json(&records));
        assert_eq!(import_csv(&csv, today()).unwrap(), import(decode_csv(&csv).unwrap(), today()));
        assert_eq!(import_json(&json, today()).unwrap(), import(decode_json(&json).unwrap(), today()));
        assert_eq!(import_csv(PARTNER_CSV, today()).unwrap(), import(decode_csv(PARTNER_CSV).unwrap(), today()));
        assert!(matches!(import_json("{\"htcds_version\": \"2.0\"}", today()), Err(FileError::Json(_))));
    }

    #[test]
    fn the_export_uses_the_standards_names_and_encodings() {
        let record = record_of(&samples()[0]);
        let json = record_json(&record);
        assert_eq!(json["prs_FirstName"], "Klea");
        assert_eq!(json["prs_SecondName"], "Hoxha");
        assert_eq!(json["prs_Birthdate"], "2012-02-29");
        assert_eq!(json["prs_Gender"], "Feminine");
        assert_eq!(json["prs_Citizenship"], serde_json::json!(["AL", "MK"]));
        assert_eq!(json["prs_PrimaryLanguage"], "sq");
        assert_eq!(json["prs_SecondaryLanguage"], "mk");
        assert_eq!(json["safepath_OtherLanguages"], serde_json::json!(["en"]));
        assert_eq!(json["cas_Status"], "Active");
        assert_eq!(json["con_Consent"], true);
        assert!(json.get("vic_TraffickingStatus").is_none(), "a field Safepath does not hold is left empty");

        let csv = to_csv(&[record]);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), FIELDS.len());
        assert_eq!(header[1], "prs_FirstName");
        let row = lines.next().unwrap();
        assert!(row.contains(",AL;MK,"), "multi-select joined by ';': {row}");
        assert!(row.contains(",\"[{\"\"kind\"\":\"\"transliteration\"\""), "structured cells are quoted JSON: {row}");
        assert!(row.contains("\"\"name\"\":\"\"Клеа Хоџа\"\""), "{row}");
    }

    #[test]
    fn cells_that_would_run_as_spreadsheet_formulas_are_quoted_and_read_back_exactly() {
        let mut hostile = case("=HYPERLINK(\"http://x.example\",\"open\")", Some("-2+3"), vec![]);
        hostile.identification.place = "@SUM(A1:A9)".into();
        hostile.identification.local_structure = Some("+cmd|' /C calc'!A0".into());
        let record = record_of(&hostile);
        let csv = to_csv(std::slice::from_ref(&record));
        let row: Vec<String> = decode_rows(&csv);
        let cell = |name: &str| row[field_index(name).unwrap()].clone();
        assert_eq!(cell("prs_FirstName"), "'=HYPERLINK(\"http://x.example\",\"open\")");
        assert_eq!(cell("prs_SecondName"), "'-2+3");
        assert_eq!(cell("safepath_LocalStructure"), "'+cmd|' /C calc'!A0");
        for (i, value) in row.iter().enumerate() {
            assert!(!value.starts_with(FORMULA_STARTS), "{} starts a formula: {value}", FIELDS[i].name);
        }
        // Dates and numbers stay exact: a negative number is not text.
        assert_eq!(cell("prs_Birthdate"), "2012-02-29");
        let mut numbers = Record::default();
        numbers.set("safepath_EstimatedAge", Value::Number(-3));
        let numbers_csv = to_csv(&[numbers]);
        assert_eq!(decode_rows(&numbers_csv)[field_index("safepath_EstimatedAge").unwrap()], "-3");
        // Importing the file gives back the very values exported.
        let report = import(decode_csv(&csv).unwrap(), today());
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(report.accepted[0].case, registration_of(&hostile));
        // A JSON file carries no quote and none is taken off.
        let decoded = decode_json(&to_json(&[record])).unwrap();
        assert_eq!(decoded[0].record.text("prs_SecondName").as_deref(), Some("-2+3"));
    }

    /// The cells of a CSV file's first record, as a spreadsheet would read them.
    fn decode_rows(csv: &str) -> Vec<String> {
        let mut rows = CsvRows::new(csv);
        rows.next().unwrap().unwrap();
        rows.next().unwrap().unwrap().cells
    }

    #[test]
    fn case_status_maps_onto_the_htcds_picklist() {
        for status in CaseStatus::ALL {
            assert!(CASE_STATUSES.contains(&htcds_case_status(*status)));
        }
        assert_eq!(htcds_case_status(CaseStatus::Transferred), "ClosedReferred");
        assert_eq!(htcds_case_status(CaseStatus::FollowUp), "FollowUp");
    }

    const PARTNER_CSV: &str = "\u{feff}prs_FirstName,prs_MiddleName,prs_SecondName,prs_Gender,prs_Birthdate,prs_Citizenship,\
vic_TraffickingStatus,safepath_RiskLevel,safepath_IdentificationDate,safepath_IdentificationPlace,safepath_IdentificationChannel\r\n\
Ana,Maria,Popescu,Feminine,2011-05-14,RO;MD,PossibleVictimOfTrafficking,high,2026-09-01,\"Chișinău, gara\",police\r\n\
Γιώργος,,Παπαδόπουλος,Masculine,2013-01-02,GR,,medium,2026-08-15,Αθήνα,hotline\r\n\
\r\n";

    #[test]
    fn a_partner_file_with_a_subset_of_columns_imports_and_counts_what_is_ignored() {
        let report = import(decode_csv(PARTNER_CSV).unwrap(), today());
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(report.accepted.len(), 2);
        let ana = &report.accepted[0].case;
        assert_eq!(ana.child.citizenship, vec!["RO", "MD"]);
        assert_eq!(ana.child.other_names[0].name, "Maria");
        assert_eq!(ana.child.other_names[0].kind, NameKind::Given);
        assert_eq!(ana.identification.place, "Chișinău, gara");
        assert_eq!(report.accepted[1].case.child.given_name, "Γιώργος");
        assert_eq!(report.accepted[1].case.child.other_names, vec![]);
        assert_eq!(report.ignored.get("vic_TraffickingStatus"), Some(&1));
    }

    #[test]
    fn bad_records_are_reported_by_number_field_and_reason() {
        let csv = "safepath_Reference,prs_FirstName,prs_Gender,prs_Birthdate,safepath_EstimatedAge,prs_Citizenship,\
safepath_RiskLevel,safepath_IdentificationDate,safepath_IdentificationPlace,safepath_IdentificationChannel,\
prs_PrimaryLanguage,con_Consent,cas_Status\n\
X-1,Ana,Feminine,2011-05-14,,RO,high,2026-09-01,Iași,police,ro,true,Active\n\
X-2,,Female,2030-01-01,,ZZ,urgent,2026-13-01,,fax,english,maybe,Open\n\
X-3,Ion,Masculine,,40,RO,low,2026-09-01,Iași,police,,,\n\
X-4,Ion,Masculine,,12,RO,low,2026-09-01,Iași\n";
        let report = import(decode_csv(csv).unwrap(), today());
        assert_eq!(report.accepted.len(), 1);
        let numbers: Vec<usize> = report.rejected.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![2, 3, 4]);
        let second = &report.rejected[0];
        assert_eq!(second.external_id.as_deref(), Some("X-2"));
        assert_eq!(second.line, Some(3));
        for field in [
            "prs_FirstName",
            "prs_Gender",
            "prs_Birthdate",
            "prs_Citizenship",
            "safepath_RiskLevel",
            "safepath_IdentificationDate",
            "safepath_IdentificationPlace",
            "safepath_IdentificationChannel",
            "prs_PrimaryLanguage",
            "con_Consent",
            "cas_Status",
        ] {
            assert!(second.errors.contains_key(field), "{field} missing from {:?}", second.errors);
        }
        assert!(report.rejected[1].errors["safepath_EstimatedAge"].contains("between 0 and 25"));
        assert!(report.rejected[2].errors["record"].contains("has 9 fields"));
        let shown = second.to_string();
        assert!(shown.starts_with("record 2 (line 3) [X-2]: "), "{shown}");
    }

    #[test]
    fn whole_files_are_refused_with_a_reason() {
        assert!(matches!(text_of(b"prs_FirstName\n\xff\xfe\n", 1000), Err(FileError::NotUtf8 { line: 2 })));
        assert!(matches!(text_of(&[b'a'; 11], 10), Err(FileError::TooLarge { limit: 10 })));
        assert!(matches!(decode_csv("name,age\nAna,12\n"), Err(FileError::Header(h)) if h.contains("\"name\"")));
        assert!(matches!(decode_csv("prs_FirstName,prs_FirstName\nA,B\n"), Err(FileError::Header(_))));
        assert!(matches!(decode_csv(""), Err(FileError::NoRecords)));
        assert!(matches!(decode_csv("prs_FirstName\r\n"), Err(FileError::NoRecords)));
        assert!(
            matches!(decode_csv("prs_FirstName\n\"Ana\nBo\n"), Err(FileError::Csv { line: 2, message }) if message.contains("truncated"))
        );
        assert!(matches!(decode_csv("prs_FirstName\nA\"na\n"), Err(FileError::Csv { line: 2, .. })));

        let json = to_json(&[record_of(&samples()[0])]);
        let truncated = &json[..json.len() / 2];
        assert!(matches!(decode_json(truncated), Err(FileError::Json(_))));
        assert!(matches!(decode_json("[]"), Err(FileError::Json(_))));
        assert!(matches!(decode_json("{\"htcds_version\": \"1.0\", \"records\": []}"), Err(FileError::Json(_))));
        assert!(matches!(decode_json("{\"htcds_version\": \"2.0\", \"records\": []}"), Err(FileError::NoRecords)));
        assert!(matches!(decode_json(&format!("{json} trailing")), Err(FileError::Json(_))));
    }

    #[test]
    fn json_records_report_unknown_and_mistyped_fields() {
        let json = r#"{"htcds_version": "2.0", "records": [
            {"prs_FirstName": "Aigerim", "prs_Gender": "Feminine", "prs_Citizenship": "KZ;KG", "safepath_EstimatedAge": 14,
             "safepath_RiskLevel": "medium", "safepath_IdentificationDate": "2026-07-01",
             "safepath_IdentificationPlace": "Алматы", "safepath_IdentificationChannel": "school"},
            {"prs_FirstName": 7, "prs_Nickname": "x", "prs_Citizenship": [1], "safepath_OtherNames": "Ana",
             "safepath_EstimatedAge": 1.5, "con_Consent": "often"}
        ]}"#;
        let report = import(decode_json(json).unwrap(), today());
        assert_eq!(report.accepted.len(), 1);
        assert_eq!(report.accepted[0].case.child.citizenship, vec!["KZ", "KG"]);
        let errors = &report.rejected[0].errors;
        for field in [
            "prs_FirstName",
            "prs_Nickname",
            "prs_Citizenship",
            "safepath_OtherNames",
            "safepath_EstimatedAge",
            "con_Consent",
        ] {
            assert!(errors.contains_key(field), "{field} missing from {errors:?}");
        }
        assert_eq!(report.rejected[0].number, 2);
    }

    #[test]
    fn csv_quoting_survives_commas_quotes_and_line_breaks() {
        let mut record = Record::default();
        record.set("prs_FirstName", text("A, \"B\"\nC"));
        record.set("safepath_LocalStructure", text(" leading space"));
        let decoded = decode_csv(&to_csv(&[record.clone()])).unwrap();
        assert_eq!(decoded[0].record.get("prs_FirstName"), &text("A, \"B\"\nC"));
        // Values are trimmed on the way in, as every free text is.
        assert_eq!(decoded[0].record.get("safepath_LocalStructure"), &text("leading space"));
    }
}
