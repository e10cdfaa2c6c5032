//! Organisations, users and sessions.

use safepath_domain::codes::{OrganisationType, Role};
use safepath_domain::ids::{OrganisationId, UserId};
use safepath_domain::organisation::{NewOrganisation, Organisation};
use safepath_domain::user::{NewUser, User};
use safepath_domain::ValidationErrors;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, NewEvent, Target};
use crate::db::SqlStore;
use crate::writer::Tx;
use crate::{AuditContext, Credentials, SessionRecord, SignInOutcome, SignInRecord, StoreError, StoreResult};

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).expect("strings serialise")
}

pub(crate) fn parse_json_list(raw: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(raw).map_err(|e| StoreError::Database(format!("bad list in database: {e}")))
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("unexpected {what} in database: {value:?}"))
}

fn organisation_from_row(row: &AnyRow) -> StoreResult<Organisation> {
    let org_type: String = row.try_get("org_type")?;
    Ok(Organisation {
        id: OrganisationId::from_trusted(row.try_get("id")?),
        name: row.try_get("name")?,
        org_type: OrganisationType::parse(&org_type).map_err(|_| corrupt("organisation type", &org_type))?,
        countries: parse_json_list(&row.try_get::<String, _>("countries")?)?,
        reference_prefix: row.try_get("reference_prefix")?,
        services: parse_json_list(&row.try_get::<String, _>("services")?)?,
        contact: row.try_get("contact")?,
    })
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.role, u.organisation_id, u.language, u.display_name";

pub(crate) fn user_from_row(row: &AnyRow) -> StoreResult<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: UserId::from_trusted(row.try_get("id")?),
        username: row.try_get("username")?,
        role: Role::parse(&role).map_err(|_| corrupt("role", &role))?,
        organisation_id: OrganisationId::from_trusted(row.try_get("organisation_id")?),
        language: row.try_get("language")?,
        display_name: row.try_get("display_name")?,
    })
}

impl SqlStore {
    pub(crate) async fn create_organisation_impl(
        &self,
        ctx: &AuditContext,
        org: NewOrganisation,
    ) -> StoreResult<Organisation> {
        let ctx = ctx.clone();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let taken: Option<(String,)> =
                        sqlx::query_as("SELECT id FROM organisations WHERE reference_prefix = $1")
                            .bind(&org.reference_prefix)
                            .fetch_optional(&mut tx.conn)
                            .await?;
                    if taken.is_some() {
                        return Err(StoreError::Invalid(ValidationErrors::single(
                            "reference_prefix",
                            "is already used by another organisation",
                        )));
                    }
                    let organisation = Organisation {
                        id: OrganisationId::from_trusted(new_id()),
                        name: org.name,
                        org_type: org.org_type,
                        countries: org.countries,
                        reference_prefix: org.reference_prefix,
                        services: org.services,
                        contact: org.contact,
                    };
                    sqlx::query(
                        "INSERT INTO organisations (id, name, org_type, countries, reference_prefix, services, contact, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(organisation.id.as_str())
                    .bind(&organisation.name)
                    .bind(organisation.org_type.as_str())
                    .bind(json_list(&organisation.countries))
                    .bind(&organisation.reference_prefix)
                    .bind(json_list(&organisation.services))
                    .bind(&organisation.contact)
                    .bind(crate::now_ms())
                    .execute(&mut tx.conn)
                    .await?;
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent {
                            action: "organisation.create",
                            target: Some(Target::new("organisation", organisation.id.as_str())),
                            fields: &["name", "type", "countries"],
                            outcome: "ok",
                        },
                    )
                    .await?;
                    Ok(organisation)
                })
            })
            .await
    }

    pub(crate) async fn list_organisations_impl(&self, ctx: &AuditContext) -> StoreResult<Vec<Organisation>> {
        let ctx = ctx.clone();
        self.writer
            .read_and_audit(move |tx| {
                Box::pin(async move {
                    let rows = sqlx::query(
                        "SELECT id, name, org_type, countries, reference_prefix, services, contact FROM organisations ORDER BY name",
                    )
                    .fetch_all(&mut tx.conn)
                    .await?;
                    let organisations = rows.iter().map(organisation_from_row).collect::<StoreResult<Vec<_>>>()?;
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent { action: "organisation.list", target: Some(Target::kind("organisation")), fields: &[], outcome: "ok" },
                    )
                    .await?;
                    Ok(organisations)
                })
            })
            .await
    }

    pub(crate) async fn create_user_impl(
        &self,
        ctx: &AuditContext,
        user: NewUser,
        password_hash: String,
    ) -> StoreResult<User> {
        let ctx = ctx.clone();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let org: Option<(String,)> = sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
                        .bind(user.organisation_id.as_str())
                        .fetch_optional(&mut tx.conn)
                        .await?;
                    if org.is_none() {
                        return Err(StoreError::Invalid(ValidationErrors::single(
                            "organisation_id",
                            "no such organisation",
                        )));
                    }
                    let taken: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE username = $1")
                        .bind(&user.username)
                        .fetch_optional(&mut tx.conn)
                        .await?;
                    if taken.is_some() {
                        return Err(StoreError::Invalid(ValidationErrors::single("username", "is already taken")));
                    }
                    let created = User {
                        id: UserId::from_trusted(new_id()),
                        username: user.username,
                        role: user.role,
                        organisation_id: user.organisation_id,
                        language: user.language,
                        display_name: user.display_name,
                    };
                    sqlx::query(
                        "INSERT INTO users (id, username, password_hash, role, organisation_id, language, display_name, active, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
                    )
                    .bind(created.id.as_str())
                    .bind(&created.username)
                    .bind(&password_hash)
                    .bind(created.role.as_str())
                    .bind(created.organisation_id.as_str())
                    .bind(&created.language)
                    .bind(&created.display_name)
                    .bind(crate::now_ms())
                    .execute(&mut tx.conn)
                    .await?;
                    audit::append(
                        tx,
                        &ctx,
                        NewEvent {
                            action: "user.create",
                            target: Some(Target::new("user", created.id.as_str())),
                            fields: &["username", "role", "organisation_id", "password"],
                            outcome: "ok",
                        },
                    )
                    .await?;
                    Ok(created)
                })
            })
            .await
    }

    pub(crate) async fn credentials_impl(&self, username: &str) -> StoreResult<Option<Credentials>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash, u.active FROM users u WHERE u.username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Credentials {
                user: user_from_row(&row)?,
                password_hash: row.try_get("password_hash")?,
                active: row.try_get::<i64, _>("active")? == 1,
            })
        })
        .transpose()
    }

    pub(crate) async fn record_sign_in_impl(&self, attempt: SignInRecord) -> StoreResult<()> {
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let actor = attempt.user.as_ref().map(|user| safepath_domain::policy::Actor {
                        user_id: user.id.clone(),
                        organisation_id: user.organisation_id.clone(),
                        role: user.role,
                    });
                    let ctx = AuditContext { actor, request_id: attempt.request_id.clone() };
                    let (action, outcome) = match attempt.outcome {
                        SignInOutcome::Success => ("session.sign_in", "ok"),
                        SignInOutcome::WrongCredentials => ("session.sign_in", "wrong_credentials"),
                        SignInOutcome::Throttled => ("session.sign_in", "throttled"),
                    };
                    if let (SignInOutcome::Success, Some(user), Some(token_hash)) =
                        (attempt.outcome, &attempt.user, &attempt.token_hash)
                    {
                        sqlx::query(
                            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(token_hash)
                        .bind(user.id.as_str())
                        .bind(attempt.now)
                        .bind(attempt.now)
                        .execute(&mut tx.conn)
                        .await?;
                    }
                    let target = attempt.user.as_ref().map(|u| Target::new("user", u.id.as_str()));
                    audit::append(tx, &ctx, NewEvent { action, target, fields: &[], outcome }).await
                })
            })
            .await
    }

    pub(crate) async fn session_impl(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.created_at, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND u.active = 1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SessionRecord {
                user: user_from_row(&row)?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
            })
        })
        .transpose()
    }

    pub(crate) async fn touch_session_impl(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        let token_hash = token_hash.to_string();
        self.writer
            .transact(move |tx: &mut Tx| {
                Box::pin(async move {
                    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1")
                        .bind(now)
                        .bind(&token_hash)
                        .execute(&mut tx.conn)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    pub(crate) async fn end_session_impl(&self, ctx: &AuditContext, token_hash: &str) -> StoreResult<()> {
        let ctx = ctx.clone();
        let token_hash = token_hash.to_string();
        self.writer
            .transact(move |tx| {
                Box::pin(async move {
                    let user: Option<(String,)> = sqlx::query_as("SELECT user_id FROM sessions WHERE token_hash = $1")
                        .bind(&token_hash)
                        .fetch_optional(&mut tx.conn)
                        .await?;
                    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(&token_hash)
                        .execute(&mut tx.conn)
                        .await?;
                    let action = if ctx.actor.is_some() { "session.sign_out" } else { "session.expire" };
                    let target = user.as_ref().map(|(id,)| Target::new("user", id.as_str()));
                    audit::append(tx, &ctx, NewEvent { action, target, fields: &[], outcome: "ok" }).await
                })
            })
            .await
    }
}
