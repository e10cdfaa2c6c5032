//! User accounts as administrators manage them (list, deactivate, activate),
//! and the supervisor's dashboard: caseload, cases by status and risk level,
//! and overdue work per caseworker — counts only, read from `cases`, the
//! persisted work list (`work_items`) and `users`, never from identities.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use safepath_domain::codes::{CaseStatus, RiskLevel};
use safepath_domain::ids::UserId;
use safepath_domain::policy::CaseScope;
use safepath_domain::user::User;
use safepath_domain::workflow::machine::OPEN_STATUSES;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::cases::{parse_code, scope_condition, scope_condition_on, Params};
use crate::db::SqlStore;
use crate::directory::{user_from_row, USER_COLUMNS};
use crate::{may_hold_cases, AuditContext, StoreError, StoreResult};

/// A user account as the administration pages list it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct UserAccount {
    pub user: User,
    /// A deactivated account cannot sign in; its history stays.
    pub active: bool,
}

/// Open cases and overdue tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Workload {
    pub open_cases: i64,
    pub overdue: i64,
}

/// One member of a team on the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLoad {
    pub user_id: UserId,
    /// Display name, or username when there is none (staff, not children).
    pub name: String,
    pub load: Workload,
}

/// The supervisor's dashboard: aggregates of the cases in their scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamDashboard {
    /// Every active caseworker and supervisor of the organisation, by name.
    pub members: Vec<MemberLoad>,
    /// Open cases nobody (active) is assigned to, and their overdue tasks.
    pub unassigned: Workload,
    /// Every status with its number of cases (zeros included).
    pub by_status: Vec<(CaseStatus, i64)>,
    /// Open cases per risk level (zeros included).
    pub by_risk: Vec<(RiskLevel, i64)>,
}

impl SqlStore {
    pub(crate) async fn list_users_impl(&self, ctx: &AuditContext) -> StoreResult<Vec<UserAccount>> {
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let rows = sqlx::query(&format!(
                        "SELECT {USER_COLUMNS}, u.active FROM users u ORDER BY u.organisation_id, u.username"
                    ))
                    .fetch_all(&mut tx.conn)
                    .await?;
                    let accounts = rows
                        .iter()
                        .map(|row| {
                            Ok(UserAccount { user: user_from_row(row)?, active: row.try_get::<i64, _>("active")? == 1 })
                        })
                        .collect::<StoreResult<Vec<_>>>()?;
                    let event = NewEvent {
                        action: "user.list",
                        target: Some(Target::kind("user")),
                        fields: &[],
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(accounts)
                })
            })
            .await
    }

    /// Deactivates (ending every session at once) or reactivates an account.
    pub(crate) async fn set_user_active_impl(
        &self,
        ctx: &AuditContext,
        id: &UserId,
        active: bool,
    ) -> StoreResult<UserAccount> {
        let ctx = ctx.clone();
        let id = id.clone();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    if ctx.actor.as_ref().is_some_and(|actor| actor.user_id == id && !active) {
                        return Err(StoreError::Conflict("you cannot deactivate your own account".into()));
                    }
                    let updated = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                        .bind(i64::from(active))
                        .bind(id.as_str())
                        .execute(&mut tx.conn)
                        .await?;
                    if updated.rows_affected() != 1 {
                        return Err(StoreError::NotFound);
                    }
                    if !active {
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(id.as_str())
                            .execute(&mut tx.conn)
                            .await?;
                    }
                    let row = sqlx::query(&format!("SELECT {USER_COLUMNS}, u.active FROM users u WHERE u.id = $1"))
                        .bind(id.as_str())
                        .fetch_one(&mut tx.conn)
                        .await?;
                    let account =
                        UserAccount { user: user_from_row(&row)?, active: row.try_get::<i64, _>("active")? == 1 };
                    let action = if active { "user.activate" } else { "user.deactivate" };
                    let event = NewEvent {
                        action,
                        target: Some(Target::new("user", id.as_str())),
                        fields: &["active"],
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await?;
                    Ok(account)
                })
            })
            .await
    }

    /// The dashboard of an organisation's cases (`scope` is a supervisor's):
    /// three aggregate reads on a reader connection — cases by status, risk
    /// and assignee; overdue work items by assignee (the persisted work list
    /// *My work* reads, so the two cannot disagree); the team's accounts —
    /// then the audit event. No identity is read.
    pub(crate) async fn team_dashboard_impl(
        &self,
        ctx: &AuditContext,
        scope: &CaseScope,
        now: DateTime<Utc>,
    ) -> StoreResult<TeamDashboard> {
        let CaseScope::Organisation(organisation) = scope else {
            return Err(StoreError::NotFound);
        };
        let mut conn = self.pool.acquire().await?;
        let mut params = Params::default();
        let condition = scope_condition(scope, &mut params);
        let sql = format!(
            "SELECT c.status, c.risk_level, c.assigned_to, COUNT(*) AS n FROM cases c WHERE {condition}
             GROUP BY c.status, c.risk_level, c.assigned_to"
        );
        let rows = params.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await?;
        let mut by_status: Vec<(CaseStatus, i64)> = CaseStatus::ALL.iter().map(|s| (*s, 0)).collect();
        let mut by_risk: Vec<(RiskLevel, i64)> = RiskLevel::ALL.iter().map(|r| (*r, 0)).collect();
        let mut load: HashMap<Option<String>, Workload> = HashMap::new();
        for row in &rows {
            let status = parse_code(&row.try_get::<String, _>("status")?, CaseStatus::parse, "status")?;
            let risk = parse_code(&row.try_get::<String, _>("risk_level")?, RiskLevel::parse, "risk level")?;
            let n: i64 = row.try_get("n")?;
            by_status.iter_mut().filter(|(s, _)| *s == status).for_each(|(_, count)| *count += n);
            if OPEN_STATUSES.contains(&status) {
                by_risk.iter_mut().filter(|(r, _)| *r == risk).for_each(|(_, count)| *count += n);
                load.entry(row.try_get("assigned_to")?).or_default().open_cases += n;
            }
        }
        let mut params = Params::default();
        let condition = scope_condition_on(scope, "w", &mut params);
        let now_param = params.int(now.timestamp_millis());
        let sql = format!(
            "SELECT w.assigned_to, COUNT(*) AS n FROM work_items w WHERE {condition} AND w.due_at < {now_param}
             GROUP BY w.assigned_to"
        );
        for row in params.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await? {
            load.entry(row.try_get("assigned_to")?).or_default().overdue += row.try_get::<i64, _>("n")?;
        }
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.organisation_id = $1 AND u.active = 1 ORDER BY u.username"
        ))
        .bind(organisation.as_str())
        .fetch_all(&mut *conn)
        .await?;
        drop(conn);
        let mut members = Vec::new();
        for user in rows.iter().map(user_from_row).collect::<StoreResult<Vec<_>>>()? {
            if may_hold_cases(user.role) {
                members.push(MemberLoad {
                    name: user.display_name.clone().unwrap_or_else(|| user.username.clone()),
                    load: load.remove(&Some(user.id.to_string())).unwrap_or_default(),
                    user_id: user.id,
                });
            }
        }
        // What is left: cases assigned to nobody, or to an account no longer active.
        let unassigned = load.into_values().fold(Workload::default(), |total, load| Workload {
            open_cases: total.open_cases + load.open_cases,
            overdue: total.overdue + load.overdue,
        });
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let event = NewEvent {
                        action: "dashboard.read",
                        target: Some(Target::kind("case")),
                        fields: &[],
                        outcome: "ok",
                    };
                    audit::append(tx, &ctx, event).await
                })
            })
            .await?;
        Ok(TeamDashboard { members, unassigned, by_status, by_risk })
    }
}
