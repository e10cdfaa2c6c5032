//! [`Store`] for [`SqlStore`]: the trait's methods, each one unit of work.

use async_trait::async_trait;
use safepath_domain::alert::{Alert, AlertReceipt, AlertStatus, AlertTriage, NewAlert};
use safepath_domain::case::{CasePatch, CaseView, NewCase};
use safepath_domain::ids::{CaseId, OrganisationId, UserId};
use safepath_domain::organisation::{NewOrganisation, Organisation};
use safepath_domain::policy::{AlertScope, CaseScope};
use safepath_domain::user::{NewUser, User};

use chrono::{DateTime, NaiveDate, Utc};
use safepath_domain::workflow::approval::Approval;
use safepath_domain::workflow::note::NewNote;
use safepath_domain::workflow::referral::{CaseSection, NewReferral, ReferralAction, ReferralOutcome};
use safepath_domain::workflow::settings::{OrganisationSettings, SettingsView};
use safepath_domain::workflow::transfer::NewTransfer;
use safepath_domain::workflow::ConsentOverride;

use crate::audit::{self, AuditVerification, NewEvent, RowCounts, Target};
use crate::case_file::CaseFile;
use crate::db::{Backend, SqlStore};
use crate::linkage::{
    DuplicateDecision, DuplicateSuggestion, PossibleDuplicate, TracingMatch, TracingMatches, TracingRequestRecord,
};
use crate::notes::NoteRecord;
use crate::team::{TeamDashboard, UserAccount};
use crate::workflow::{
    ApprovalRecord, CaseCommand, CaseHistory, CaseRecord, NewRecord, RecordKind, ReferralRecord, ReferredCase,
    Screening, StandardsView, StatusChange, TransferAnswer, TransferRecord, WorkView,
};
use crate::{
    AuditContext, CaseFilter, CasePage, CaseRegistration, Credentials, ExportFilter, ImportProgress, SessionRecord,
    SignInRecord, Store, StoreError, StoreResult,
};
use safepath_domain::family_tracing::TracingRequest;

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let counts = audit::row_counts(&self.pool).await?;
        Ok(counts.organisations == 0 && counts.users == 0 && counts.cases == 0)
    }

    async fn create_organisation(&self, ctx: &AuditContext, org: NewOrganisation) -> StoreResult<Organisation> {
        self.create_organisation_impl(ctx, org).await
    }

    async fn list_organisations(&self, ctx: &AuditContext) -> StoreResult<Vec<Organisation>> {
        self.list_organisations_impl(ctx).await
    }

    async fn create_user(&self, ctx: &AuditContext, user: NewUser, password_hash: String) -> StoreResult<User> {
        self.create_user_impl(ctx, user, password_hash).await
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        self.credentials_impl(username).await
    }

    async fn record_sign_in(&self, attempt: SignInRecord) -> StoreResult<()> {
        self.record_sign_in_impl(attempt).await
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        self.session_impl(token_hash).await
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        self.touch_session_impl(token_hash, now).await
    }

    async fn end_session(&self, ctx: &AuditContext, token_hash: &str) -> StoreResult<()> {
        self.end_session_impl(ctx, token_hash).await
    }

    async fn create_case(&self, ctx: &AuditContext, case: NewCase) -> StoreResult<CaseView> {
        self.create_case_impl(ctx, case).await
    }

    async fn import_cases(&self, ctx: &AuditContext, cases: Vec<CaseRegistration>) -> StoreResult<Vec<CaseId>> {
        self.import_cases_impl(ctx, cases, crate::no_progress()).await
    }

    async fn get_case(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<CaseView> {
        self.get_case_impl(ctx, scope, id).await
    }

    async fn list_cases(&self, ctx: &AuditContext, scope: &CaseScope, filter: CaseFilter) -> StoreResult<CasePage> {
        self.list_cases_impl(ctx, scope, filter).await
    }

    async fn update_case(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        patch: CasePatch,
    ) -> StoreResult<CaseView> {
        self.update_case_impl(ctx, scope, id, patch).await
    }

    async fn import_cases_with_progress(
        &self,
        ctx: &AuditContext,
        cases: Vec<CaseRegistration>,
        progress: ImportProgress,
    ) -> StoreResult<Vec<CaseId>> {
        self.import_cases_impl(ctx, cases, progress).await
    }

    async fn export_cases(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        filter: ExportFilter,
    ) -> StoreResult<Vec<CaseView>> {
        self.export_cases_impl(ctx, scope, filter).await
    }

    async fn verify_audit(&self) -> StoreResult<AuditVerification> {
        audit::verify(&self.pool).await
    }

    async fn row_counts(&self) -> StoreResult<RowCounts> {
        audit::row_counts(&self.pool).await
    }

    async fn backup(&self, ctx: &AuditContext, destination: &str) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "backup copies the SQLite file; back up PostgreSQL with pg_dump or its continuous archiving".into(),
            ));
        }
        // VACUUM INTO writes a transactionally consistent copy while the
        // database stays in use.
        sqlx::query("VACUUM INTO $1").bind(destination).execute(&self.pool).await?;
        let ctx = ctx.clone();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent {
                            action: "database.backup",
                            target: Some(Target::kind("database")),
                            fields: &[],
                            outcome: "ok",
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn possible_duplicates(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
    ) -> StoreResult<Vec<PossibleDuplicate>> {
        self.possible_duplicates_impl(ctx, scope, id).await
    }

    async fn duplicate_queue(&self, ctx: &AuditContext, scope: &CaseScope) -> StoreResult<Vec<DuplicateSuggestion>> {
        self.duplicate_queue_impl(ctx, scope).await
    }

    async fn decide_duplicate(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &str,
        decision: DuplicateDecision,
    ) -> StoreResult<DuplicateSuggestion> {
        self.decide_duplicate_impl(ctx, scope, id, decision).await
    }

    async fn unmerge_case(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<StatusChange> {
        self.unmerge_case_impl(ctx, scope, id).await
    }

    async fn create_tracing_request(
        &self,
        ctx: &AuditContext,
        request: TracingRequest,
    ) -> StoreResult<TracingRequestRecord> {
        self.create_tracing_request_impl(ctx, request).await
    }

    async fn tracing_matches(&self, ctx: &AuditContext, scope: &CaseScope, id: &str) -> StoreResult<TracingMatches> {
        self.tracing_matches_impl(ctx, scope, id).await
    }

    async fn confirm_tracing_match(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &str,
        case: &CaseId,
    ) -> StoreResult<TracingMatch> {
        self.confirm_tracing_match_impl(ctx, scope, id, case).await
    }

    async fn add_case_record(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        record: NewRecord,
    ) -> StoreResult<CaseRecord> {
        self.add_case_record_impl(ctx, scope, id, record).await
    }

    async fn case_records(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        kinds: Vec<RecordKind>,
    ) -> StoreResult<Vec<CaseRecord>> {
        self.case_records_impl(ctx, scope, id, kinds).await
    }

    async fn case_screening(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<Screening> {
        self.screening_impl(ctx, scope, id).await
    }

    async fn case_standards(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<StandardsView> {
        self.standards_impl(ctx, scope, id).await
    }

    async fn decide_approval(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        approval: Approval,
    ) -> StoreResult<ApprovalRecord> {
        self.decide_approval_impl(ctx, scope, id, approval).await
    }

    async fn pending_approvals(&self, ctx: &AuditContext, scope: &CaseScope) -> StoreResult<Vec<ApprovalRecord>> {
        self.pending_approvals_impl(ctx, scope).await
    }

    async fn create_referral(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        referral: NewReferral,
        over: Option<ConsentOverride>,
    ) -> StoreResult<ReferralRecord> {
        self.create_referral_impl(ctx, scope, id, referral, over).await
    }

    async fn referral(&self, ctx: &AuditContext, id: &str) -> StoreResult<ReferralRecord> {
        self.referral_impl(ctx, id).await
    }

    async fn referral_action(
        &self,
        ctx: &AuditContext,
        id: &str,
        action: ReferralAction,
        outcome: Option<ReferralOutcome>,
    ) -> StoreResult<ReferralRecord> {
        self.referral_action_impl(ctx, id, action, outcome).await
    }

    async fn referred_case(
        &self,
        ctx: &AuditContext,
        id: &str,
        section: Option<CaseSection>,
        today: NaiveDate,
    ) -> StoreResult<ReferredCase> {
        self.referred_case_impl(ctx, id, section, today).await
    }

    async fn request_transfer(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        transfer: NewTransfer,
        over: Option<ConsentOverride>,
    ) -> StoreResult<TransferRecord> {
        self.request_transfer_impl(ctx, scope, id, transfer, over).await
    }

    async fn answer_transfer(
        &self,
        ctx: &AuditContext,
        id: &str,
        answer: TransferAnswer,
    ) -> StoreResult<TransferRecord> {
        self.answer_transfer_impl(ctx, id, answer).await
    }

    async fn case_command(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        command: CaseCommand,
    ) -> StoreResult<StatusChange> {
        self.case_command_impl(ctx, scope, id, command).await
    }

    async fn case_history(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        include_perpetrators: bool,
    ) -> StoreResult<CaseHistory> {
        self.case_history_impl(ctx, scope, id, include_perpetrators).await
    }

    async fn incoming_transfer(&self, ctx: &AuditContext, id: &str) -> StoreResult<TransferRecord> {
        self.incoming_transfer_impl(ctx, id).await
    }

    async fn case_file(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        include_perpetrators: bool,
    ) -> StoreResult<CaseFile> {
        self.case_file_impl(ctx, scope, id, include_perpetrators).await
    }

    async fn add_case_note(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        id: &CaseId,
        note: NewNote,
    ) -> StoreResult<NoteRecord> {
        self.add_case_note_impl(ctx, scope, id, note).await
    }

    async fn case_notes(&self, ctx: &AuditContext, scope: &CaseScope, id: &CaseId) -> StoreResult<Vec<NoteRecord>> {
        self.case_notes_impl(ctx, scope, id).await
    }

    async fn work_page(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<WorkView> {
        self.work_impl(ctx, scope, now, limit).await
    }

    async fn organisation_settings(
        &self,
        ctx: &AuditContext,
        organisation: &OrganisationId,
    ) -> StoreResult<SettingsView> {
        self.organisation_settings_impl(ctx, organisation).await
    }

    async fn update_organisation_settings(
        &self,
        ctx: &AuditContext,
        organisation: &OrganisationId,
        settings: OrganisationSettings,
    ) -> StoreResult<SettingsView> {
        self.update_organisation_settings_impl(ctx, organisation, settings).await
    }

    async fn create_alert(&self, ctx: &AuditContext, alert: NewAlert) -> StoreResult<AlertReceipt> {
        self.create_alert_impl(ctx, alert).await
    }

    async fn alert_receipts(&self, ctx: &AuditContext) -> StoreResult<Vec<AlertReceipt>> {
        self.alert_receipts_impl(ctx).await
    }

    async fn list_alerts(
        &self,
        ctx: &AuditContext,
        scope: &AlertScope,
        status: Option<AlertStatus>,
    ) -> StoreResult<Vec<Alert>> {
        self.list_alerts_impl(ctx, scope, status).await
    }

    async fn get_alert(&self, ctx: &AuditContext, scope: &AlertScope, id: &str) -> StoreResult<Alert> {
        self.get_alert_impl(ctx, scope, id).await
    }

    async fn triage_alert(
        &self,
        ctx: &AuditContext,
        scope: &AlertScope,
        id: &str,
        triage: AlertTriage,
    ) -> StoreResult<Alert> {
        self.triage_alert_impl(ctx, scope, id, triage).await
    }

    async fn list_users(&self, ctx: &AuditContext) -> StoreResult<Vec<UserAccount>> {
        self.list_users_impl(ctx).await
    }

    async fn set_user_active(&self, ctx: &AuditContext, id: &UserId, active: bool) -> StoreResult<UserAccount> {
        self.set_user_active_impl(ctx, id, active).await
    }

    async fn team_dashboard(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        now: DateTime<Utc>,
    ) -> StoreResult<TeamDashboard> {
        self.team_dashboard_impl(ctx, scope, now).await
    }
}
