//! Safepath's storage: one [`Store`] trait, implemented over SQLite (the
//! embedded default) and PostgreSQL (the multi-user production store).
//!
//! Both backends run the same SQL through one code path ([`SqlStore`]); what
//! differs — connection set-up, migrations, locking, backups — is isolated in
//! [`db`]. Every mutating or identity-reading call goes through the
//! [`writer`], which runs it in one transaction together with its audit event
//! and commits many callers' transactions at once (group commit), so that
//! every acknowledged write and every audit event is durable.

mod alerts;
pub mod audit;
mod case_file;
mod cases;
pub mod db;
mod directory;
mod exchange;
pub mod linkage;
mod notes;
mod store_impl;
mod team;
mod work_items;
pub mod workflow;
mod writer;

use async_trait::async_trait;
use safepath_domain::alert::{Alert, AlertReceipt, AlertStatus, AlertTriage, NewAlert};
use safepath_domain::case::{CasePatch, CaseView, NewCase};
use safepath_domain::codes::{CaseStatus, RiskLevel, Role};
use safepath_domain::ids::{CaseId, OrganisationId, UserId};
use safepath_domain::organisation::{NewOrganisation, Organisation};
use safepath_domain::policy::{Actor, AlertScope, CaseScope};
use safepath_domain::user::{NewUser, User};
use safepath_domain::ValidationErrors;
use serde::Serialize;

pub use alerts::ALERT_LIST_LIMIT;
pub use audit::{AuditVerification, RowCounts};
pub use case_file::CaseFile;
use chrono::NaiveDate;
pub use db::{Backend, SqlStore, StoreConfig};
pub use exchange::{no_progress, ExportFilter, ImportProgress};
pub use linkage::{
    DuplicateDecision, DuplicateSuggestion, MatchExplanation, PossibleDuplicate, SuggestionStatus, TracingMatch,
    TracingMatches, TracingRequestRecord,
};
pub use notes::NoteRecord;
use safepath_domain::family_tracing::TracingRequest;
use safepath_domain::workflow::approval::Approval;
use safepath_domain::workflow::note::NewNote;
use safepath_domain::workflow::referral::{CaseSection, NewReferral, ReferralAction, ReferralOutcome};
use safepath_domain::workflow::settings::{OrganisationSettings, SettingsView};
use safepath_domain::workflow::transfer::NewTransfer;
use safepath_domain::workflow::ConsentOverride;
pub use team::{MemberLoad, TeamDashboard, UserAccount, Workload};
pub use workflow::{
    ApprovalRecord, CaseCommand, CaseHistory, CaseRecord, NewRecord, RecordKind, ReferralRecord, ReferredCase,
    Screening, StandardsView, StatusChange, TransferAnswer, TransferRecord, WorkView,
};

/// Errors of the store. The server maps each to one HTTP status; database
/// detail stays in the log.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// No such record, or one outside the caller's scope (the same to the caller).
    #[error("not found")]
    NotFound,
    /// The record changed since the caller read it.
    #[error("the record was changed by someone else (version {current})")]
    StaleVersion { current: i64 },
    /// A uniqueness rule or a reference to another record failed.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// The action is not allowed in the record's current state.
    #[error("{0}")]
    Conflict(String),
    /// The operation is not available on this backend (e.g. SQLite file backup on PostgreSQL).
    #[error("{0}")]
    Unsupported(String),
    /// A workflow rule refused the step (403 or 409 by its code's kind).
    #[error("{0}")]
    Refused(safepath_domain::workflow::Refusal),
    /// The database failed; the message is for the log, never for a client.
    #[error("database error: {0}")]
    Database(String),
    /// The writer stopped (the process is shutting down).
    #[error("the store is shutting down")]
    Closed,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who does something, and under which request id: every audit event carries both.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub actor: Option<Actor>,
    pub request_id: String,
}

impl AuditContext {
    pub fn user(actor: Actor, request_id: impl Into<String>) -> Self {
        Self { actor: Some(actor), request_id: request_id.into() }
    }

    /// Work done by the system itself (demo loading, command-line administration).
    pub fn system(request_id: impl Into<String>) -> Self {
        Self { actor: None, request_id: request_id.into() }
    }
}

/// A user and their password hash, for signing in.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub active: bool,
}

/// A live session, as read for authentication.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: User,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// Filters of a case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub query: Option<String>,
    pub status: Option<CaseStatus>,
    pub risk_level: Option<RiskLevel>,
    pub assigned_to: Option<UserId>,
    pub page: u32,
    pub per_page: u32,
}

/// One line of a case list: enough to recognise the child, no more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub id: CaseId,
    pub reference: String,
    pub status: CaseStatus,
    pub risk_level: RiskLevel,
    pub assigned_to: Option<UserId>,
    pub given_name: String,
    pub family_name: Option<String>,
    pub identification_date: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CasePage {
    pub cases: Vec<CaseSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// A registration with the owning organisation and assignee already decided
/// (for bulk loads: demo data, imports, benchmarks).
#[derive(Debug, Clone)]
pub struct CaseRegistration {
    pub organisation_id: OrganisationId,
    pub case: NewCase,
}

/// The storage interface. Scoping arrives as a [`CaseScope`] computed by the
/// domain policy; the store turns it into SQL and never decides access itself.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Whether the database holds no organisation, user or case (demo data may load).
    async fn is_empty(&self) -> StoreResult<bool>;

    async fn create_organisation(&self, ctx: &AuditContext, org: NewOrganisation) -> StoreResult<Organisation>;
    async fn list_organisations(&self, ctx: &AuditContext) -> StoreResult<Vec<Organisation>>;

    async fn create_user(&self, ctx: &AuditContext, user: NewUser, password_hash: String) -> StoreResult<User>;
    /// Reads a user's credentials for signing in; not audited by itself, the
    /// sign-in outcome is ([`Store::record_sign_in`]).
    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>>;
    /// Audits a sign-in attempt; on success also opens the session, in the same transaction.
    async fn record_sign_in(&self, attempt: SignInRecord) -> StoreResult<()>;
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    /// Notes activity on a session (for the idle timeout); not audited.
    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()>;
    /// Ends a session; audited as a sign-out when `ctx` has an actor, as an expiry otherwise.
    async fn end_session(&self, ctx: &AuditContext, token_hash: &str) -> StoreResult<()>;

    async fn create_case(&self, ctx: &AuditContext, case: NewCase) -> StoreResult<CaseView>;
    /// Registers many cases in one transaction, each audited; all or nothing.
    async fn import_cases(&self, ctx: &AuditContext, cases: Vec<CaseRegistration>) -> StoreResult<Vec<CaseId>>;
    async fn get_case(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<CaseView>;
    async fn list_cases(&self, ctx: &AuditContext, scope: &CaseScope, filter: CaseFilter) -> StoreResult<CasePage>;
    async fn update_case(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        patch: CasePatch,
    ) -> StoreResult<CaseView>;

    /// Like [`Store::import_cases`], telling `progress` how many cases are written so far.
    async fn import_cases_with_progress(
        &self,
        ctx: &AuditContext,
        cases: Vec<CaseRegistration>,
        progress: ImportProgress,
    ) -> StoreResult<Vec<CaseId>>;
    /// Every case in `scope` matching `filter`, with the child's identity, for
    /// an exchange file; audited as one `case.export` event (field names only).
    async fn export_cases(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        filter: ExportFilter,
    ) -> StoreResult<Vec<CaseView>>;

    /// Checks the whole audit chain.
    async fn verify_audit(&self) -> StoreResult<AuditVerification>;
    /// Row counts of every table, for tests and operators.
    async fn row_counts(&self) -> StoreResult<RowCounts>;
    /// A consistent online copy of the database to `destination` (SQLite only), audited as an export.
    async fn backup(&self, ctx: &AuditContext, destination: &str) -> StoreResult<()>;

    // -- Record linkage (issue #3 §3, `linkage.rs`). Candidates are read under
    // `scope` only (suggestions never cross it), scored by the linkage
    // engine, and every call is one writer unit with its audit event.

    /// Cases in `scope` that may be the same child as case `id`, with the
    /// explanation of each score; stores them as pending suggestions.
    async fn possible_duplicates(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<Vec<PossibleDuplicate>>;
    /// Pending suggestions of the caller's organisation whose cases are both in `scope`.
    async fn duplicate_queue(&self, ctx: &AuditContext, scope: &CaseScope) -> StoreResult<Vec<DuplicateSuggestion>>;
    /// Confirms (the newer case becomes `duplicate` of the older, through the
    /// workflow's `MarkDuplicate`) or rejects (never suggested again) a suggestion.
    async fn decide_duplicate(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &str,
        decision: DuplicateDecision,
    ) -> StoreResult<DuplicateSuggestion>;
    /// Undoes a confirmed merge: the case goes back to its status before it.
    async fn unmerge_case(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<StatusChange>;
    /// Records a family's tracing request for the caller's organisation.
    async fn create_tracing_request(
        &self,
        ctx: &AuditContext,
        request: TracingRequest,
    ) -> StoreResult<TracingRequestRecord>;
    /// A tracing request and the cases in `scope`, with consent for tracing, that may be the child.
    async fn tracing_matches(&self, ctx: &AuditContext, scope: &CaseScope, id: &str) -> StoreResult<TracingMatches>;
    /// A reviewer confirms that case `case` is the child a tracing request looks for.
    async fn confirm_tracing_match(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &str,
        case: &CaseId,
    ) -> StoreResult<TracingMatch>;

    // -- The case workflow (issue #4, `workflow.rs`). Each call loads the case
    // under `scope` (absent outside it), asks the domain's rules, and writes
    // the record, the status and the audit event in one unit; a refusal
    // (`StoreError::Refused`) writes nothing.

    /// Adds an assessment, BIA, BID, plan, service, episode… to a case.
    async fn add_case_record(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        record: NewRecord,
    ) -> StoreResult<CaseRecord>;
    /// A case's records of the given kinds, oldest first (audited as a read).
    async fn case_records(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        kinds: Vec<RecordKind>,
    ) -> StoreResult<Vec<CaseRecord>>;
    /// The indicator screening of a case: a suggestion, never a status.
    async fn case_screening(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<Screening>;
    /// A case's standards-of-care checks and the unmet ones.
    async fn case_standards(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<StandardsView>;
    /// A supervisor's decision on the case's BIA, BID, plan, transfer or closure.
    async fn decide_approval(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        approval: Approval,
    ) -> StoreResult<ApprovalRecord>;
    /// Approvals waiting on the cases in `scope`.
    async fn pending_approvals(&self, ctx: &AuditContext, scope: &CaseScope) -> StoreResult<Vec<ApprovalRecord>>;
    /// Refers the case to a partner, sharing the chosen sections (consent or an override).
    async fn create_referral(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        referral: NewReferral,
        over: Option<ConsentOverride>,
    ) -> StoreResult<ReferralRecord>;
    /// A referral, to its sender or its receiver.
    async fn referral(&self, ctx: &AuditContext, id: &str) -> StoreResult<ReferralRecord>;
    /// Accept, decline, complete (receiver) or revoke (sender) a referral.
    async fn referral_action(
        &self,
        ctx: &AuditContext,
        id: &str,
        action: ReferralAction,
        outcome: Option<ReferralOutcome>,
    ) -> StoreResult<ReferralRecord>;
    /// What the receiver of a referral may read of the case today (one section, or all shared).
    async fn referred_case(
        &self,
        ctx: &AuditContext,
        id: &str,
        section: Option<CaseSection>,
        today: NaiveDate,
    ) -> StoreResult<ReferredCase>;
    /// Requests a transfer of the case to another organisation.
    async fn request_transfer(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        transfer: NewTransfer,
        over: Option<ConsentOverride>,
    ) -> StoreResult<TransferRecord>;
    /// The receiving organisation accepts or declines a transfer.
    async fn answer_transfer(
        &self,
        ctx: &AuditContext,
        id: &str,
        answer: TransferAnswer,
    ) -> StoreResult<TransferRecord>;
    /// Closure request, reopening, duplicate, transfer completion, cancellation, resumption.
    async fn case_command(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        command: CaseCommand,
    ) -> StoreResult<StatusChange>;
    /// A case's workflow history (perpetrator records only when permitted).
    async fn case_history(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        include_perpetrators: bool,
    ) -> StoreResult<CaseHistory>;
    /// A transfer addressed to the caller's organisation (its receiver's view
    /// before answering); any other is absent.
    async fn incoming_transfer(&self, ctx: &AuditContext, id: &str) -> StoreResult<TransferRecord>;
    /// The whole case file for the case page, in one unit: case and identity,
    /// records, history, notes (audited as one `case.read` naming each part).
    async fn case_file(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        include_perpetrators: bool,
    ) -> StoreResult<CaseFile>;
    /// Adds a free-text note to a case (never exported or aggregated).
    async fn add_case_note(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        note: NewNote,
    ) -> StoreResult<NoteRecord>;
    /// A case's notes, newest first (audited as a read).
    async fn case_notes(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<Vec<NoteRecord>>;
    /// The caller's work list at `now`, each list's first `limit` tasks
    /// (at most [`workflow::WORK_LIST_LIMIT`]).
    async fn work_page(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> StoreResult<WorkView>;
    /// The caller's work list at `now`, [`workflow::WORK_LIST_LIMIT`] tasks of each list.
    async fn work(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<WorkView> {
        self.work_page(ctx, scope, now, workflow::WORK_LIST_LIMIT).await
    }
    /// An organisation's deadline table and standards of care (the defaults
    /// where unset); audited. The caller asked `policy::may_configure_organisation`.
    async fn organisation_settings(
        &self,
        ctx: &AuditContext,
        organisation: &OrganisationId,
    ) -> StoreResult<SettingsView>;
    /// Replaces an organisation's settings and recomputes its cases' work
    /// items, in one audited unit.
    async fn update_organisation_settings(
        &self,
        ctx: &AuditContext,
        organisation: &OrganisationId,
        settings: OrganisationSettings,
    ) -> StoreResult<SettingsView>;

    // -- Alerts, administration of accounts, the supervisor's dashboard
    // (issue #5, `alerts.rs`, `team.rs`).

    /// Records an alert sent by the signed-in user to their organisation.
    async fn create_alert(&self, ctx: &AuditContext, alert: NewAlert) -> StoreResult<AlertReceipt>;
    /// Receipts of the alerts the signed-in user sent (never their content).
    async fn alert_receipts(&self, ctx: &AuditContext) -> StoreResult<Vec<AlertReceipt>>;
    /// Alerts in `scope`, newest first, optionally of one status (an audited read of the reports).
    async fn list_alerts(
        &self,
        ctx: &AuditContext,
        scope: &AlertScope,
        status: Option<AlertStatus>,
    ) -> StoreResult<Vec<Alert>>;
    /// One alert in `scope` (absent outside it).
    async fn get_alert(&self, ctx: &AuditContext, scope: &AlertScope, id: &str) -> StoreResult<Alert>;
    /// Triages a new alert: a case registered from it, evidence, or dismissed.
    async fn triage_alert(
        &self,
        ctx: &AuditContext,
        scope: &AlertScope,
        id: &str,
        triage: AlertTriage,
    ) -> StoreResult<Alert>;
    /// Every user account (administrators).
    async fn list_users(&self, ctx: &AuditContext) -> StoreResult<Vec<UserAccount>>;
    /// Deactivates (ending its sessions) or reactivates an account.
    async fn set_user_active(&self, ctx: &AuditContext, id: &UserId, active: bool) -> StoreResult<UserAccount>;
    /// Caseload, cases by status and risk, overdue work per caseworker, in a supervisor's `scope`.
    async fn team_dashboard(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<TeamDashboard>;
}

/// One sign-in attempt, as the audit trail records it.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    pub request_id: String,
    /// The user when the username exists (whatever the outcome).
    pub user: Option<User>,
    pub outcome: SignInOutcome,
    /// On success: the hash of the new session token.
    pub token_hash: Option<String>,
    pub now: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInOutcome {
    Success,
    WrongCredentials,
    Throttled,
}

/// Roles that may be assigned cases.
pub fn may_hold_cases(role: Role) -> bool {
    matches!(role, Role::Caseworker | Role::Supervisor)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
