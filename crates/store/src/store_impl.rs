//! [`Store`] for [`SqlStore`]: the trait's methods, each one unit of work.

use async_trait::async_trait;
use safepath_domain::case::{CasePatch, CaseView, NewCase};
use safepath_domain::ids::CaseId;
use safepath_domain::organisation::{NewOrganisation, Organisation};
use safepath_domain::policy::CaseScope;
use safepath_domain::user::{NewUser, User};

use crate::audit::{self, AuditVerification, NewEvent, RowCounts, Target};
use crate::db::{Backend, SqlStore};
use crate::{
    AuditContext, CaseFilter, CasePage, CaseRegistration, Credentials, ExportFilter, ImportProgress, SessionRecord,
    SignInRecord, Store, StoreError, StoreResult,
};

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
}
