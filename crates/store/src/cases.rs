//! Cases and the children's identities behind them.
//!
//! Identity rows are only read here, by code paths that write an audit event
//! for the read in the same transaction.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use safepath_domain::case::{
    Age, CasePatch, CaseView, ChildIdentity, ChildName, ChildView, Consent, Identification, NewCase,
};
use safepath_domain::codes::{
    CaseStatus, ConsentGivenBy, ConsentPurpose, Gender, IdentificationChannel, NameKind, ProtectionStatus, RiskLevel,
    Script,
};
use safepath_domain::ids::{CaseId, IdentityId, OrganisationId, UserId};
use safepath_domain::policy::CaseScope;
use safepath_domain::ValidationErrors;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Row};

use crate::audit::{self, NewEvent, Target};
use crate::db::{Backend, SqlStore};
use crate::directory::{corrupt, json_list, new_id, parse_json_list};
use crate::writer::Tx;
use crate::{
    may_hold_cases, AuditContext, CaseFilter, CasePage, CaseRegistration, CaseSummary, ImportProgress, StoreError,
    StoreResult,
};

/// Query parameters collected while SQL is assembled, numbered `$1, $2, …`
/// in the order they are pushed (the order both backends bind them in).
#[derive(Default, Clone)]
pub(crate) struct Params {
    values: Vec<Param>,
}

#[derive(Clone)]
pub(crate) enum Param {
    Text(String),
    OptionalText(Option<String>),
    Int(i64),
    OptionalInt(Option<i64>),
}

impl Params {
    pub(crate) fn text(&mut self, value: impl Into<String>) -> String {
        self.values.push(Param::Text(value.into()));
        format!("${}", self.values.len())
    }

    pub(crate) fn optional_text(&mut self, value: Option<&str>) -> String {
        self.values.push(Param::OptionalText(value.map(str::to_string)));
        format!("${}", self.values.len())
    }

    pub(crate) fn int(&mut self, value: i64) -> String {
        self.values.push(Param::Int(value));
        format!("${}", self.values.len())
    }

    pub(crate) fn bind<'q>(
        &self,
        mut query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
        for value in &self.values {
            query = match value {
                Param::Text(text) => query.bind(text.clone()),
                Param::OptionalText(text) => query.bind(text.clone()),
                Param::Int(int) => query.bind(*int),
                Param::OptionalInt(int) => query.bind(*int),
            };
        }
        query
    }
}

/// The SQL form of the policy's scope, over the cases table aliased `c`.
pub(crate) fn scope_condition(scope: &CaseScope, params: &mut Params) -> String {
    scope_condition_on(scope, "c", params)
}

/// The same condition over another table that holds copies of a case's
/// `organisation_id` and `assigned_to` under `alias` (the work list's rows,
/// `store::work_items`), so that it reads no row outside the scope.
pub(crate) fn scope_condition_on(scope: &CaseScope, alias: &str, params: &mut Params) -> String {
    match scope {
        CaseScope::Nothing => "1 = 0".to_string(),
        CaseScope::AssignedTo { user, organisation } => format!(
            "{alias}.organisation_id = {} AND {alias}.assigned_to = {}",
            params.text(organisation.as_str()),
            params.text(user.as_str())
        ),
        CaseScope::Organisation(organisation) => {
            format!("{alias}.organisation_id = {}", params.text(organisation.as_str()))
        }
    }
}

pub(crate) const CASE_COLUMNS: &str =
    "c.id, c.reference, c.organisation_id, c.identity_id, c.assigned_to, c.status, c.risk_level,
    c.protection_status, c.identification_date, c.identification_place, c.identification_channel, c.local_structure,
    c.created_at, c.updated_at, c.version,
    i.given_name, i.family_name, i.sex, i.date_of_birth, i.estimated_age, i.age_disputed, i.citizenship, i.languages";

pub(crate) fn parse_code<T>(raw: &str, parse: fn(&str) -> Result<T, String>, what: &str) -> StoreResult<T> {
    parse(raw).map_err(|_| corrupt(what, raw))
}

pub(crate) fn parse_date(raw: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| corrupt("date", raw))
}

pub(crate) async fn load_case(tx: &mut Tx, scope: &CaseScope, id: &CaseId) -> StoreResult<Option<CaseView>> {
    let mut params = Params::default();
    let id_param = params.text(id.as_str());
    let condition = scope_condition(scope, &mut params);
    // One statement for the case, the identity, its names and its consents
    // (one row per name × consent, a handful): the writer's time is the
    // scarce resource, and each statement costs a hop to the database thread.
    let sql = format!(
        "SELECT {CASE_COLUMNS},
                n.position AS name_position, n.name AS name, n.kind AS name_kind, n.script AS name_script,
                n.language AS name_language,
                k.position AS consent_position, k.purpose, k.given_by, k.given_on, k.withheld, k.legal_basis
         FROM cases c JOIN child_identities i ON i.id = c.identity_id
         LEFT JOIN child_names n ON n.identity_id = c.identity_id
         LEFT JOIN consents k ON k.case_id = c.id AND k.withdrawn_on IS NULL
         WHERE c.id = {id_param} AND {condition}"
    );
    let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut tx.conn).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut names = BTreeMap::new();
    let mut consents = BTreeMap::new();
    for row in &rows {
        if let Some(position) = row.try_get::<Option<i64>, _>("name_position")? {
            if let Entry::Vacant(slot) = names.entry(position) {
                slot.insert(name_from_row(row)?);
            }
        }
        if let Some(position) = row.try_get::<Option<i64>, _>("consent_position")? {
            if let Entry::Vacant(slot) = consents.entry(position) {
                slot.insert(consent_from_row(row)?);
            }
        }
    }
    case_from_row(first, names.into_values().collect(), consents.into_values().collect()).map(Some)
}

/// A child's other name from columns `name`, `name_kind`, `name_script`, `name_language`.
pub(crate) fn name_from_row(row: &AnyRow) -> StoreResult<ChildName> {
    let kind: String = row.try_get("name_kind")?;
    let script: String = row.try_get("name_script")?;
    Ok(ChildName {
        name: row.try_get("name")?,
        kind: parse_code(&kind, NameKind::parse, "name kind")?,
        script: parse_code(&script, Script::parse, "script")?,
        language: row.try_get("name_language")?,
    })
}

/// A consent from columns `purpose`, `given_by`, `given_on`, `withheld`, `legal_basis`.
pub(crate) fn consent_from_row(row: &AnyRow) -> StoreResult<Consent> {
    let purpose: String = row.try_get("purpose")?;
    let given_by: String = row.try_get("given_by")?;
    Ok(Consent {
        purpose: parse_code(&purpose, ConsentPurpose::parse, "consent purpose")?,
        given_by: parse_code(&given_by, ConsentGivenBy::parse, "consent giver")?,
        date: parse_date(&row.try_get::<String, _>("given_on")?)?,
        withheld: row.try_get("withheld")?,
        legal_basis: row.try_get("legal_basis")?,
    })
}

pub(crate) fn case_from_row(
    row: &AnyRow,
    other_names: Vec<ChildName>,
    consents: Vec<Consent>,
) -> StoreResult<CaseView> {
    let status: String = row.try_get("status")?;
    let risk: String = row.try_get("risk_level")?;
    let protection: Option<String> = row.try_get("protection_status")?;
    let channel: String = row.try_get("identification_channel")?;
    let sex: String = row.try_get("sex")?;
    let date_of_birth: Option<String> = row.try_get("date_of_birth")?;
    let estimated_age: Option<i64> = row.try_get("estimated_age")?;
    Ok(CaseView {
        id: CaseId::from_trusted(row.try_get("id")?),
        reference: row.try_get("reference")?,
        organisation_id: OrganisationId::from_trusted(row.try_get("organisation_id")?),
        assigned_to: row.try_get::<Option<String>, _>("assigned_to")?.map(UserId::from_trusted),
        status: parse_code(&status, CaseStatus::parse, "status")?,
        risk_level: parse_code(&risk, RiskLevel::parse, "risk level")?,
        protection_status: protection
            .map(|p| parse_code(&p, ProtectionStatus::parse, "protection status"))
            .transpose()?,
        identification: Identification {
            date: parse_date(&row.try_get::<String, _>("identification_date")?)?,
            place: row.try_get("identification_place")?,
            channel: parse_code(&channel, IdentificationChannel::parse, "channel")?,
            local_structure: row.try_get("local_structure")?,
        },
        consents,
        child: ChildView {
            identity_id: IdentityId::from_trusted(row.try_get("identity_id")?),
            given_name: row.try_get("given_name")?,
            family_name: row.try_get("family_name")?,
            other_names,
            sex: parse_code(&sex, Gender::parse, "sex")?,
            date_of_birth: date_of_birth.as_deref().map(parse_date).transpose()?,
            estimated_age: estimated_age.map(|a| a.clamp(0, 255) as u8),
            age_is_estimated: estimated_age.is_some(),
            age_disputed: row.try_get::<i64, _>("age_disputed")? == 1,
            citizenship: parse_json_list(&row.try_get::<String, _>("citizenship")?)?,
            languages: parse_json_list(&row.try_get::<String, _>("languages")?)?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// Checks that `user` may hold cases of `organisation` (422 on `assigned_to` otherwise).
async fn check_assignee(tx: &mut Tx, organisation: &OrganisationId, user: &UserId) -> StoreResult<()> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT role FROM users WHERE id = $1 AND organisation_id = $2 AND active = 1")
            .bind(user.as_str())
            .bind(organisation.as_str())
            .fetch_optional(&mut tx.conn)
            .await?;
    let holds_cases =
        row.and_then(|(role,)| safepath_domain::codes::Role::parse(&role).ok()).is_some_and(may_hold_cases);
    if holds_cases {
        Ok(())
    } else {
        Err(StoreError::Invalid(ValidationErrors::single(
            "assigned_to",
            "must be an active caseworker or supervisor of the case's organisation",
        )))
    }
}

fn age_columns(age: Age) -> (Option<String>, Option<i64>) {
    match age {
        Age::Born(date) => (Some(date.to_string()), None),
        Age::Estimated { years } => (None, Some(i64::from(years))),
    }
}

/// Writes the child's other names and the search keys of all names,
/// replacing what a known identity had.
async fn write_names(
    tx: &mut Tx,
    organisation: &OrganisationId,
    identity_id: &str,
    child: &ChildIdentity,
    replacing: bool,
) -> StoreResult<()> {
    if replacing {
        sqlx::query("DELETE FROM child_names WHERE identity_id = $1").bind(identity_id).execute(&mut tx.conn).await?;
        sqlx::query("DELETE FROM name_keys WHERE identity_id = $1").bind(identity_id).execute(&mut tx.conn).await?;
    }
    if !child.other_names.is_empty() {
        let mut params = Params::default();
        let identity = params.text(identity_id);
        let rows: Vec<String> = child
            .other_names
            .iter()
            .enumerate()
            .map(|(position, name)| {
                format!(
                    "({identity}, {}, {}, {}, {}, {})",
                    params.int(position as i64),
                    params.text(name.name.as_str()),
                    params.text(name.kind.as_str()),
                    params.text(name.script.as_str()),
                    params.optional_text(name.language.as_deref())
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO child_names (identity_id, position, name, kind, script, language) VALUES {}",
            rows.join(", ")
        );
        params.bind(sqlx::query(&sql)).execute(&mut tx.conn).await?;
    }
    let mut keys: Vec<String> = child.all_names().flat_map(safepath_linkage::name_index_keys).collect();
    keys.sort_unstable();
    keys.dedup();
    for chunk in keys.chunks(100) {
        let mut params = Params::default();
        let identity = params.text(identity_id);
        let owner = params.text(organisation.as_str());
        let rows: Vec<String> =
            chunk.iter().map(|key| format!("({}, {owner}, {identity})", params.text(key.as_str()))).collect();
        let sql = format!("INSERT INTO name_keys (key, organisation_id, identity_id) VALUES {}", rows.join(", "));
        params.bind(sqlx::query(&sql)).execute(&mut tx.conn).await?;
    }
    Ok(())
}

/// The number the next registered case gets (`cases.search_no`, unique).
/// Every registration runs in the writer, whose batch holds the database's
/// write lock (SQLite) or the audit head's row lock (PostgreSQL) from its
/// start, so no other process numbers a case in between; the unique index
/// would refuse a duplicate if that ever changed.
async fn next_search_no(tx: &mut Tx) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(search_no), 0) + 1 AS next FROM cases").fetch_one(&mut tx.conn).await?;
    Ok(row.try_get("next")?)
}

/// Which cases [`index_for_search`] indexes.
pub(crate) enum SearchIndexed<'a> {
    /// One case, by id.
    Case(&'a str),
    /// Every case numbered from this number on (a bulk import's cases).
    NumberedFrom(i64),
}

/// Brings the search's integer index (`search_terms`, `search_keys`) in step
/// with `name_keys` for some cases: their (organisation, key) pairs get a term
/// number when new, and each case is indexed under its terms. `replacing`
/// first removes what a case was indexed under (its names or its owner
/// changed). Call it after `name_keys` and the case's row are written; every
/// change of a child's names or of a case's owner must, or the search would
/// miss the case or find it for its former owner.
pub(crate) async fn index_for_search(tx: &mut Tx, cases: SearchIndexed<'_>, replacing: bool) -> StoreResult<()> {
    let mut params = Params::default();
    let which = match cases {
        SearchIndexed::Case(id) => format!("c.id = {}", params.text(id)),
        SearchIndexed::NumberedFrom(first) => format!("c.search_no >= {}", params.int(first)),
    };
    // From the cases to their key rows to their terms, in that order (CROSS
    // JOIN fixes it in SQLite, whose planner would otherwise pair every term
    // with every case of the organisation).
    let keys = "FROM cases c CROSS JOIN name_keys k";
    let own_keys = "k.identity_id = c.identity_id AND k.organisation_id = c.organisation_id";
    if replacing {
        let sql = format!("DELETE FROM search_keys WHERE case_no IN (SELECT c.search_no FROM cases c WHERE {which})");
        params.bind(sqlx::query(&sql)).execute(&mut tx.conn).await?;
    }
    let sql = format!(
        "INSERT INTO search_terms (organisation_id, key) SELECT DISTINCT k.organisation_id, k.key {keys}
         WHERE {which} AND {own_keys} ON CONFLICT (organisation_id, key) DO NOTHING"
    );
    params.bind(sqlx::query(&sql)).execute(&mut tx.conn).await?;
    let sql = format!(
        "INSERT INTO search_keys (term_id, case_no) SELECT DISTINCT t.id, c.search_no {keys} CROSS JOIN search_terms t
         WHERE {which} AND {own_keys} AND t.organisation_id = k.organisation_id AND t.key = k.key"
    );
    params.bind(sqlx::query(&sql)).execute(&mut tx.conn).await?;
    Ok(())
}

/// Inserts one registration and audits it; returns the case as written.
pub(crate) async fn insert_case(
    tx: &mut Tx,
    ctx: &AuditContext,
    organisation: &OrganisationId,
    case: &NewCase,
) -> StoreResult<CaseView> {
    let registering = Registering { ctx, organisation, case };
    let mut written = insert_cases(tx, std::slice::from_ref(&registering), None).await?;
    let registered = written.pop().ok_or_else(|| StoreError::Database("a registration lost its case".into()))?;
    Ok(registered.view(&registering))
}

/// One case to register and who registers it: registrations that many
/// callers made at once are written together, each audited as its caller's.
#[derive(Clone, Copy)]
pub(crate) struct Registering<'a> {
    pub ctx: &'a AuditContext,
    pub organisation: &'a OrganisationId,
    pub case: &'a NewCase,
}

/// What the store chose for a registered case.
pub(crate) struct Registered {
    id: CaseId,
    identity_id: String,
    reference: String,
    assigned_to: Option<UserId>,
    at: i64,
}

impl Registered {
    /// The case as written, built from what was inserted rather than read
    /// back: the writer's time is the scarce resource.
    fn view(self, registering: &Registering<'_>) -> CaseView {
        let case = registering.case;
        let child = &case.child;
        let (date_of_birth, estimated_age) = match child.age {
            Age::Born(date) => (Some(date), None),
            Age::Estimated { years } => (None, Some(years)),
        };
        CaseView {
            id: self.id,
            reference: self.reference,
            organisation_id: registering.organisation.clone(),
            assigned_to: self.assigned_to,
            status: CaseStatus::Registered,
            risk_level: case.risk_level,
            protection_status: case.protection_status,
            identification: case.identification.clone(),
            consents: case.consents.clone(),
            child: ChildView {
                identity_id: IdentityId::from_trusted(self.identity_id),
                given_name: child.given_name.clone(),
                family_name: child.family_name.clone(),
                other_names: child.other_names.clone(),
                sex: child.sex,
                date_of_birth,
                estimated_age,
                age_is_estimated: estimated_age.is_some(),
                age_disputed: child.age_disputed,
                citizenship: child.citizenship.clone(),
                languages: child.languages.clone(),
            },
            created_at: self.at,
            updated_at: self.at,
            version: 1,
        }
    }
}

/// Registers concurrent callers' cases as one unit of the writer (see
/// [`crate::writer::Combiner`]): all of them or, if one is refused, none.
pub(crate) fn register_together<'c>(
    tx: &'c mut Tx,
    registrations: &'c [(AuditContext, NewCase)],
) -> futures::future::BoxFuture<'c, StoreResult<Vec<CaseView>>> {
    Box::pin(async move {
        let mut registering = Vec::with_capacity(registrations.len());
        for (ctx, case) in registrations {
            let Some(actor) = &ctx.actor else {
                return Err(StoreError::Unsupported("a case is registered by a signed-in user".into()));
            };
            registering.push(Registering { ctx, organisation: &actor.organisation_id, case });
        }
        let written = insert_cases(tx, &registering, None).await?;
        Ok(written
            .into_iter()
            .zip(&registering)
            .map(|(registered, registering)| registered.view(registering))
            .collect())
    })
}

/// Rows of one table waiting to be inserted with multi-row statements of a
/// fixed size: every full statement has the same text, so each backend
/// prepares it once and reuses it.
struct BulkInsert {
    /// `INSERT INTO table (columns) VALUES `
    head: String,
    columns: usize,
    rows_per_statement: usize,
    pending: Vec<Param>,
}

impl BulkInsert {
    /// `rows_per_statement` keeps the parameters of one statement under
    /// 8,000 (SQLite allows 32,766, PostgreSQL 65,535).
    fn new(table: &str, columns: &str, rows_per_statement: usize) -> Self {
        let count = columns.split(',').count();
        BulkInsert {
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            columns: count,
            rows_per_statement,
            pending: Vec::new(),
        }
    }

    fn push(&mut self, row: impl IntoIterator<Item = Param>) {
        let before = self.pending.len();
        self.pending.extend(row);
        debug_assert_eq!(self.pending.len() - before, self.columns);
    }

    fn rows(&self) -> usize {
        self.pending.len() / self.columns
    }

    /// Inserts every full statement's worth of rows; the rest wait.
    async fn flush_full(&mut self, tx: &mut Tx) -> StoreResult<()> {
        while self.rows() >= self.rows_per_statement {
            self.insert(tx, self.rows_per_statement).await?;
        }
        Ok(())
    }

    /// Inserts every pending row.
    async fn flush_all(&mut self, tx: &mut Tx) -> StoreResult<()> {
        self.flush_full(tx).await?;
        if self.rows() > 0 {
            self.insert(tx, self.rows()).await?;
        }
        Ok(())
    }

    async fn insert(&mut self, tx: &mut Tx, rows: usize) -> StoreResult<()> {
        let mut sql = String::with_capacity(self.head.len() + rows * self.columns * 7);
        sql.push_str(&self.head);
        // SQLite gets anonymous `?` parameters: it looks a numbered one up by
        // scanning every parameter's name, which made a statement of 6,000
        // parameters spend 70% of an import's time on binding.
        let numbered = tx.backend != crate::db::Backend::Sqlite;
        let mut n = 0;
        for row in 0..rows {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for column in 0..self.columns {
                n += 1;
                if column > 0 {
                    sql.push_str(", ");
                }
                if numbered {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        // Moved, not cloned: an import binds millions of values.
        for value in self.pending.drain(..rows * self.columns) {
            query = match value {
                Param::Text(text) => query.bind(text),
                Param::OptionalText(text) => query.bind(text),
                Param::Int(int) => query.bind(int),
                Param::OptionalInt(int) => query.bind(int),
            };
        }
        query.execute(&mut tx.conn).await?;
        Ok(())
    }
}

/// Cases whose rows are assembled before the writer inserts them (a few
/// statements per chunk instead of several per case).
const IMPORT_CHUNK: usize = 500;

/// Registers cases (assignee checks, references in order, search keys, work
/// items, one `case.create` event each) with multi-row statements: one case,
/// the callers' cases of one combined unit, or an import. An error leaves the
/// unit to be rolled back whole.
async fn insert_cases(
    tx: &mut Tx,
    cases: &[Registering<'_>],
    progress: Option<&ImportProgress>,
) -> StoreResult<Vec<Registered>> {
    // Assignees: each (organisation, user) pair is checked once. A caseworker
    // who names no one holds the case they register.
    let assignees: Vec<Option<UserId>> = cases
        .iter()
        .map(|registration| match (&registration.case.assigned_to, &registration.ctx.actor) {
            (Some(user), _) => Some(user.clone()),
            (None, Some(actor)) if actor.role == safepath_domain::codes::Role::Caseworker => {
                Some(actor.user_id.clone())
            }
            (None, _) => None,
        })
        .collect();
    let mut checked = std::collections::HashSet::new();
    for (registration, assignee) in cases.iter().zip(&assignees) {
        if let Some(user) = assignee {
            if checked.insert((registration.organisation.as_str(), user.as_str())) {
                check_assignee(tx, registration.organisation, user).await?;
            }
        }
    }
    // References: each organisation's counter is advanced once by its number of cases.
    let mut per_organisation: Vec<(&OrganisationId, i64)> = Vec::new();
    for registration in cases {
        match per_organisation.iter_mut().find(|(id, _)| *id == registration.organisation) {
            Some((_, count)) => *count += 1,
            None => per_organisation.push((registration.organisation, 1)),
        }
    }
    let mut next_number: std::collections::HashMap<&str, (i64, String)> = std::collections::HashMap::new();
    for (organisation, count) in per_organisation {
        let counter = sqlx::query(
            "UPDATE organisations SET case_counter = case_counter + $1 WHERE id = $2 RETURNING case_counter, reference_prefix",
        )
        .bind(count)
        .bind(organisation.as_str())
        .fetch_optional(&mut tx.conn)
        .await?
        .ok_or_else(|| StoreError::Invalid(ValidationErrors::single("organisation_id", "no such organisation")))?;
        let last: i64 = counter.try_get("case_counter")?;
        next_number.insert(organisation.as_str(), (last - count + 1, counter.try_get("reference_prefix")?));
    }

    let mut identities = BulkInsert::new(
        "child_identities",
        "id, given_name, family_name, sex, date_of_birth, estimated_age, age_disputed, citizenship, languages, created_at",
        400,
    );
    let mut names = BulkInsert::new("child_names", "identity_id, position, name, kind, script, language", 1_000);
    let mut keys = BulkInsert::new("name_keys", "key, organisation_id, identity_id", 2_000);
    let mut case_rows = BulkInsert::new(
        "cases",
        "id, reference, organisation_id, identity_id, assigned_to, status, risk_level, protection_status, \
         identification_date, identification_place, identification_channel, local_structure, created_by, created_at, \
         updated_at, version, search_no",
        400,
    );
    let first_search_no = next_search_no(tx).await?;
    let mut search_no = first_search_no;
    let mut consents =
        BulkInsert::new("consents", "case_id, position, purpose, given_by, given_on, withheld, legal_basis", 1_000);
    let mut events = BulkInsert::new("audit_events", audit::EVENT_COLUMNS, 500);
    let text = |value: &str| Param::Text(value.to_string());
    let optional = |value: Option<&str>| Param::OptionalText(value.map(str::to_string));

    let mut written: Vec<Registered> = Vec::with_capacity(cases.len());
    for (chunk_start, chunk) in (0..).step_by(IMPORT_CHUNK).zip(cases.chunks(IMPORT_CHUNK)) {
        let now = crate::now_ms();
        for (offset, registration) in chunk.iter().enumerate() {
            let Registering { ctx, organisation, case } = *registration;
            let assigned_to = &assignees[chunk_start + offset];
            let (number, prefix) = next_number.get_mut(organisation.as_str()).expect("counted above");
            let reference = format!("{prefix}-{}-{:05}", case.identification.date.format("%Y"), *number);
            *number += 1;
            let identity_id = new_id();
            let child = &case.child;
            let (date_of_birth, estimated_age) = age_columns(child.age);
            identities.push([
                text(&identity_id),
                text(&child.given_name),
                optional(child.family_name.as_deref()),
                text(child.sex.as_str()),
                Param::OptionalText(date_of_birth),
                Param::OptionalInt(estimated_age),
                Param::Int(i64::from(child.age_disputed)),
                Param::Text(json_list(&child.citizenship)),
                Param::Text(json_list(&child.languages)),
                Param::Int(now),
            ]);
            for (position, name) in child.other_names.iter().enumerate() {
                names.push([
                    text(&identity_id),
                    Param::Int(position as i64),
                    text(&name.name),
                    text(name.kind.as_str()),
                    text(name.script.as_str()),
                    optional(name.language.as_deref()),
                ]);
            }
            let mut name_keys: Vec<String> = child.all_names().flat_map(safepath_linkage::name_index_keys).collect();
            name_keys.sort_unstable();
            name_keys.dedup();
            for key in name_keys {
                keys.push([Param::Text(key), text(organisation.as_str()), text(&identity_id)]);
            }
            let case_id = new_id();
            case_rows.push([
                text(&case_id),
                text(&reference),
                text(organisation.as_str()),
                text(&identity_id),
                optional(assigned_to.as_ref().map(|u| u.as_str())),
                text(CaseStatus::Registered.as_str()),
                text(case.risk_level.as_str()),
                optional(case.protection_status.map(|p| p.as_str())),
                Param::Text(case.identification.date.to_string()),
                text(&case.identification.place),
                text(case.identification.channel.as_str()),
                optional(case.identification.local_structure.as_deref()),
                optional(ctx.actor.as_ref().map(|a| a.user_id.as_str())),
                Param::Int(now),
                Param::Int(now),
                Param::Int(1),
                Param::Int(search_no),
            ]);
            search_no += 1;
            for (position, consent) in case.consents.iter().enumerate() {
                consents.push([
                    text(&case_id),
                    Param::Int(position as i64),
                    text(consent.purpose.as_str()),
                    text(consent.given_by.as_str()),
                    Param::Text(consent.date.to_string()),
                    optional(consent.withheld.as_deref()),
                    optional(consent.legal_basis.as_deref()),
                ]);
            }
            let event = audit::chain(
                tx,
                ctx,
                NewEvent {
                    action: "case.create",
                    target: Some(Target::new("case", &case_id)),
                    fields: &["child", "identification", "risk_level", "protection_status", "assigned_to", "consents"],
                    outcome: "ok",
                },
            );
            events.push([
                Param::Int(event.seq),
                Param::Int(event.at),
                Param::OptionalText(event.actor_user_id),
                Param::OptionalText(event.actor_org_id),
                Param::Text(event.action),
                Param::OptionalText(event.target_kind),
                Param::OptionalText(event.target_id),
                Param::Text(event.fields),
                Param::Text(event.request_id),
                Param::Text(event.outcome),
                Param::Text(event.prev_hash),
                Param::Text(event.hash),
            ]);
            written.push(Registered {
                id: CaseId::from_trusted(case_id),
                identity_id,
                reference,
                assigned_to: assigned_to.clone(),
                at: now,
            });
        }
        // Parents before children (foreign keys): a row left waiting for a
        // full statement always has its parent inserted already.
        identities.flush_all(tx).await?;
        names.flush_full(tx).await?;
        keys.flush_full(tx).await?;
        case_rows.flush_all(tx).await?;
        crate::work_items::refresh_cases(&mut tx.conn, written[chunk_start..].iter().map(|r| &r.id)).await?;
        consents.flush_full(tx).await?;
        events.flush_full(tx).await?;
        if let Some(progress) = progress {
            progress(written.len());
        }
    }
    names.flush_all(tx).await?;
    keys.flush_all(tx).await?;
    consents.flush_all(tx).await?;
    events.flush_all(tx).await?;
    // The search's integer index from the name keys just written, set-based.
    index_for_search(tx, SearchIndexed::NumberedFrom(first_search_no), false).await?;
    if let Some(progress) = progress {
        progress(written.len());
    }
    Ok(written)
}

/// Imports of at least this many cases refresh the query planner's statistics:
/// after a bulk load, stale statistics make PostgreSQL scan an organisation's
/// cases instead of starting a name search from its few matches.
const BULK_IMPORT: usize = 1_000;

/// Everything a case is: a scope that sees it all (its owner's).
fn owner_scope(organisation: &OrganisationId) -> CaseScope {
    CaseScope::Organisation(organisation.clone())
}

impl SqlStore {
    pub(crate) async fn create_case_impl(&self, ctx: &AuditContext, case: NewCase) -> StoreResult<CaseView> {
        if ctx.actor.is_none() {
            return Err(StoreError::Unsupported("a case is registered by a signed-in user".into()));
        }
        self.registrations.submit((ctx.clone(), case)).await
    }

    /// Registers `cases` in one unit of the writer: all of them or, if any is
    /// refused, none. Rows go in with multi-row statements of fixed sizes
    /// (prepared once, then reused), `progress` hears how many are written.
    pub(crate) async fn import_cases_impl(
        &self,
        ctx: &AuditContext,
        cases: Vec<CaseRegistration>,
        progress: ImportProgress,
    ) -> StoreResult<Vec<CaseId>> {
        let ctx = ctx.clone();
        let ids = self
            .writer
            .transact(move |tx| {
                Box::pin(async move {
                    let registering: Vec<Registering<'_>> = cases
                        .iter()
                        .map(|c| Registering { ctx: &ctx, organisation: &c.organisation_id, case: &c.case })
                        .collect();
                    let written = insert_cases(tx, &registering, Some(&progress)).await?;
                    Ok(written.into_iter().map(|registered| registered.id).collect::<Vec<_>>())
                })
            })
            .await?;
        if ids.len() >= BULK_IMPORT {
            self.refresh_statistics().await?;
        }
        Ok(ids)
    }

    pub(crate) async fn get_case_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<CaseView> {
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let case = load_case(tx, &scope, &id).await?;
                    let outcome = if case.is_some() { "ok" } else { "not_found" };
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent {
                            action: "case.read",
                            target: Some(Target::new("case", id.as_str())),
                            fields: &["child"],
                            outcome,
                        },
                    )
                    .await?;
                    Ok(case)
                })
            })
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Lists cases. The query runs on a reader connection, in parallel with
    /// other readers, rather than in the writer: a search costs milliseconds
    /// and would hold up every caseworker's saves behind it. Its audit event
    /// is committed before the page is returned, so no list leaves unaudited.
    pub(crate) async fn list_cases_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        filter: CaseFilter,
    ) -> StoreResult<CasePage> {
        let (page, filtered_on) = self.search_cases(scope, &filter).await?;
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let event = NewEvent {
                        action: "case.list",
                        target: Some(Target::kind("case")),
                        fields: &filtered_on,
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await
                })
            })
            .await?;
        Ok(page)
    }

    async fn search_cases(&self, scope: &CaseScope, filter: &CaseFilter) -> StoreResult<(CasePage, Vec<&'static str>)> {
        let mut params = Params::default();
        let mut conditions = vec![scope_condition(scope, &mut params)];
        let mut filtered_on: Vec<&'static str> = Vec::new();
        if let Some(status) = filter.status {
            conditions.push(format!("c.status = {}", params.text(status.as_str())));
            filtered_on.push("status");
        }
        if let Some(risk) = filter.risk_level {
            conditions.push(format!("c.risk_level = {}", params.text(risk.as_str())));
            filtered_on.push("risk_level");
        }
        if let Some(user) = &filter.assigned_to {
            conditions.push(format!("c.assigned_to = {}", params.text(user.as_str())));
            filtered_on.push("assigned_to");
        }
        // A name search starts from the cases whose names match every query
        // token (integer index ranges, intersected) and only then looks at
        // the cases themselves; CROSS JOIN keeps SQLite from reordering that
        // into a scan of the organisation's cases.
        let mut with = String::new();
        let mut from = "cases c";
        if let Some(query) = &filter.query {
            filtered_on.push("q");
            match name_matches(scope, query, &mut params) {
                Some(matches) => {
                    with = format!("matches(case_no) AS ({matches}), ");
                    from = "matches m CROSS JOIN cases c";
                    conditions.push("c.search_no = m.case_no".into());
                }
                None => conditions.push("1 = 0".into()),
            }
        }
        let condition = conditions.join(" AND ");
        let count_with = with.strip_suffix(", ").map(|cte| format!("WITH {cte} ")).unwrap_or_default();
        let count_sql = format!("{count_with}SELECT COUNT(*) AS total FROM {from} WHERE {condition}");
        // A search's matches are few: count them alongside the page, in one
        // pass. A plain list counts with the index instead, since a window
        // over an organisation's every case would read them all.
        let windowed = !with.is_empty();
        let (total_column, page_total) = if windowed { (", COUNT(*) OVER () AS total", ", p.total") } else { ("", "") };

        let mut conn = self.pool.acquire().await?;
        let mut total = if windowed {
            None
        } else {
            Some(params.bind(sqlx::query(&count_sql)).fetch_one(&mut *conn).await?.try_get::<i64, _>("total")?)
        };
        let mut page_params = params.clone();
        let limit = page_params.int(i64::from(filter.per_page));
        let offset = page_params.int(i64::from(filter.page.saturating_sub(1)) * i64::from(filter.per_page));
        // The page is chosen from the cases table alone (its covering index
        // for searches); names are read for the page's rows only.
        let (row_column, page_join) = page_join(self.backend);
        let sql = format!(
            "WITH {with}page AS (
                 SELECT c.id, c.updated_at{row_column}{total_column} FROM {from} WHERE {condition}
                 ORDER BY c.updated_at DESC, c.id LIMIT {limit} OFFSET {offset})
             SELECT c.id, c.reference, c.status, c.risk_level, c.assigned_to, i.given_name, i.family_name,
                    c.identification_date, c.updated_at{page_total}
             FROM {page_join}
             ORDER BY p.updated_at DESC, p.id"
        );
        let rows = page_params.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await?;
        if total.is_none() {
            total = match rows.first() {
                Some(row) => Some(row.try_get("total")?),
                None if filter.page <= 1 => Some(0),
                // Past the last page: the window saw no rows, so count.
                None => Some(params.bind(sqlx::query(&count_sql)).fetch_one(&mut *conn).await?.try_get("total")?),
            };
        }
        let cases = rows.iter().map(summary_from_row).collect::<StoreResult<Vec<_>>>()?;
        let page = CasePage { cases, total: total.unwrap_or(0), page: filter.page, per_page: filter.per_page };
        Ok((page, filtered_on))
    }

    pub(crate) async fn update_case_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        patch: CasePatch,
    ) -> StoreResult<CaseView> {
        let (ctx, scope, id) = (ctx.clone(), scope.clone(), id.clone());
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let Some(current) = load_case(tx, &scope, &id).await? else {
                        audit::append(
                            tx,
                            &ctx,
                            NewEvent {
                                action: "case.update",
                                target: Some(Target::new("case", id.as_str())),
                                fields: &patch.changed_fields(),
                                outcome: "not_found",
                            },
                        )
                        .await?;
                        return Ok(Err(StoreError::NotFound));
                    };
                    apply_patch(tx, &ctx, current, patch).await.map(Ok)
                })
            })
            .await?
    }
}

/// How a list's `page` of cases is joined back to its rows and names: the
/// column the page carries for it and the `FROM` clause. Each page row's
/// lookups read their pages cold after any commit (SQLite drops a reader's
/// cache then), so SQLite goes by `rowid`, which the page's index entries
/// hold anyway (one B-tree descent, not the id's index and then the table),
/// and reads the names from the covering index `child_identities_listed`
/// (its planner, without statistics, would take the primary-key index and
/// then the row). PostgreSQL joins by id.
fn page_join(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => (
            ", c.rowid AS row_no",
            "page p CROSS JOIN cases c CROSS JOIN child_identities i INDEXED BY child_identities_listed
             WHERE c.rowid = p.row_no AND i.id = c.identity_id",
        ),
        Backend::Postgres => ("", "page p JOIN cases c ON c.id = p.id JOIN child_identities i ON i.id = c.identity_id"),
    }
}

/// The SQL selecting the numbers of the cases whose names match `query`
/// (every token has one of its keys among the child's keys), or `None` when
/// nothing can match: a query without letters, or a scope without an
/// organisation. Search terms are numbered per organisation, so a scoped
/// search reads its own organisation's matches only.
fn name_matches(scope: &CaseScope, query: &str, params: &mut Params) -> Option<String> {
    let organisation = match scope {
        CaseScope::Nothing => return None,
        CaseScope::AssignedTo { organisation, .. } | CaseScope::Organisation(organisation) => organisation,
    };
    let tokens = safepath_linkage::query_keys(query);
    if tokens.is_empty() {
        return None;
    }
    let owner = params.text(organisation.as_str());
    // INTERSECT removes duplicates itself; one token needs DISTINCT.
    let distinct = if tokens.len() == 1 { "DISTINCT " } else { "" };
    let sets: Vec<String> = tokens
        .iter()
        .map(|keys| {
            let list: Vec<String> = keys.iter().map(|k| params.text(k.as_str())).collect();
            format!(
                "SELECT {distinct}case_no FROM search_keys WHERE term_id IN
                     (SELECT id FROM search_terms WHERE organisation_id = {owner} AND key IN ({}))",
                list.join(", ")
            )
        })
        .collect();
    Some(sets.join(" INTERSECT "))
}

fn summary_from_row(row: &AnyRow) -> StoreResult<CaseSummary> {
    let status: String = row.try_get("status")?;
    let risk: String = row.try_get("risk_level")?;
    Ok(CaseSummary {
        id: CaseId::from_trusted(row.try_get("id")?),
        reference: row.try_get("reference")?,
        status: parse_code(&status, CaseStatus::parse, "status")?,
        risk_level: parse_code(&risk, RiskLevel::parse, "risk level")?,
        assigned_to: row.try_get::<Option<String>, _>("assigned_to")?.map(UserId::from_trusted),
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        identification_date: row.try_get("identification_date")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Applies a patch to a case the caller may see; the version check makes a
/// concurrent change (from this or another process) a 409, never a lost update.
async fn apply_patch(tx: &mut Tx, ctx: &AuditContext, current: CaseView, patch: CasePatch) -> StoreResult<CaseView> {
    if patch.version != current.version {
        return Err(StoreError::StaleVersion { current: current.version });
    }
    if let Some(user) = &patch.assigned_to {
        check_assignee(tx, &current.organisation_id, user).await?;
    }
    let now = crate::now_ms();
    let identification = &current.identification;
    let updated = sqlx::query(
        "UPDATE cases SET risk_level = $1, protection_status = $2, assigned_to = $3, identification_date = $4,
             identification_place = $5, identification_channel = $6, local_structure = $7, updated_at = $8, version = version + 1
         WHERE id = $9 AND version = $10",
    )
    .bind(patch.risk_level.unwrap_or(current.risk_level).as_str())
    .bind(patch.protection_status.or(current.protection_status).map(|p| p.as_str()))
    .bind(patch.assigned_to.as_ref().or(current.assigned_to.as_ref()).map(|u| u.as_str().to_string()))
    .bind(patch.identification_date.unwrap_or(identification.date).to_string())
    .bind(patch.identification_place.clone().unwrap_or_else(|| identification.place.clone()))
    .bind(patch.identification_channel.unwrap_or(identification.channel).as_str())
    .bind(patch.local_structure.clone().or_else(|| identification.local_structure.clone()))
    .bind(now)
    .bind(current.id.as_str())
    .bind(current.version)
    .execute(&mut tx.conn)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::StaleVersion { current: current.version });
    }
    if patch.risk_level.is_some() || patch.assigned_to.is_some() {
        // Deadlines follow the risk level; the work list, the assignee.
        crate::work_items::refresh_case(&mut tx.conn, &current.id).await?;
    }
    if patch.touches_identity() {
        let child = &current.child;
        let identity = ChildIdentity {
            given_name: patch.given_name.clone().unwrap_or_else(|| child.given_name.clone()),
            family_name: patch.family_name.clone().or_else(|| child.family_name.clone()),
            other_names: patch.other_names.clone().unwrap_or_else(|| child.other_names.clone()),
            sex: patch.sex.unwrap_or(child.sex),
            age: patch.age.unwrap_or(match (child.date_of_birth, child.estimated_age) {
                (Some(born), _) => Age::Born(born),
                (None, years) => Age::Estimated { years: years.unwrap_or(0) },
            }),
            age_disputed: patch.age_disputed.unwrap_or(child.age_disputed),
            citizenship: patch.citizenship.clone().unwrap_or_else(|| child.citizenship.clone()),
            languages: patch.languages.clone().unwrap_or_else(|| child.languages.clone()),
        };
        let (date_of_birth, estimated_age) = age_columns(identity.age);
        sqlx::query(
            "UPDATE child_identities SET given_name = $1, family_name = $2, sex = $3, date_of_birth = $4, estimated_age = $5,
                 age_disputed = $6, citizenship = $7, languages = $8 WHERE id = $9",
        )
        .bind(&identity.given_name)
        .bind(&identity.family_name)
        .bind(identity.sex.as_str())
        .bind(date_of_birth)
        .bind(estimated_age)
        .bind(i64::from(identity.age_disputed))
        .bind(json_list(&identity.citizenship))
        .bind(json_list(&identity.languages))
        .bind(child.identity_id.as_str())
        .execute(&mut tx.conn)
        .await?;
        if patch.given_name.is_some() || patch.family_name.is_some() || patch.other_names.is_some() {
            write_names(tx, &current.organisation_id, child.identity_id.as_str(), &identity, true).await?;
            index_for_search(tx, SearchIndexed::Case(current.id.as_str()), true).await?;
        }
    }
    audit::append(
        tx,
        ctx,
        NewEvent {
            action: "case.update",
            target: Some(Target::new("case", current.id.as_str())),
            fields: &patch.changed_fields(),
            outcome: "ok",
        },
    )
    .await?;
    load_case(tx, &owner_scope(&current.organisation_id), &current.id)
        .await?
        .ok_or_else(|| StoreError::Database("a case just updated could not be read".into()))
}
