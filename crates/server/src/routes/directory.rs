//! Organisations (the partner directory) and user accounts.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use safepath_domain::ids::UserId;
use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput, Organisation};
use safepath_domain::policy::{role_may, Permission};
use safepath_domain::user::{NewUser, NewUserInput, User};
use safepath_store::UserAccount;
use serde::{Deserialize, Serialize};

use crate::auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authenticated};
use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationEnvelope {
    pub organisation: Organisation,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationList {
    pub organisations: Vec<Organisation>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserEnvelope {
    pub user: User,
}

/// Refuses with 403 unless the signed-in user's role may do this.
pub fn authorise(session: &Authenticated, permission: Permission) -> ApiResult<()> {
    if role_may(session.user.role, permission) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("your role does not allow this action"))
    }
}

/// Add an organisation to the directory (administrators).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "directory", request_body = NewOrganisationInput,
    responses((status = 201, body = OrganisationEnvelope), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_organisation(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(input): ApiJson<NewOrganisationInput>,
) -> ApiResult<(StatusCode, Json<OrganisationEnvelope>)> {
    authorise(&session, Permission::ManageOrganisations)?;
    let organisation = NewOrganisation::parse(input)?;
    let organisation = state.store.create_organisation(&session.audit(), organisation).await?;
    Ok((StatusCode::CREATED, Json(OrganisationEnvelope { organisation })))
}

/// The partner directory: who works where (any signed-in user).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "directory",
    responses((status = 200, body = OrganisationList), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list_organisations(
    State(state): State<AppState>,
    session: Authenticated,
) -> ApiResult<Json<OrganisationList>> {
    authorise(&session, Permission::ReadDirectory)?;
    let organisations = state.store.list_organisations(&session.audit()).await?;
    Ok(Json(OrganisationList { organisations }))
}

/// Create a user account (administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "directory", request_body = NewUserInput,
    responses((status = 201, body = UserEnvelope), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(input): ApiJson<NewUserInput>,
) -> ApiResult<(StatusCode, Json<UserEnvelope>)> {
    authorise(&session, Permission::ManageUsers)?;
    let user = NewUser::parse(input)?;
    let hash = hash_password(&state, &user.password).await?;
    let user = state.store.create_user(&session.audit(), user, hash).await?;
    Ok((StatusCode::CREATED, Json(UserEnvelope { user })))
}

/// An account as administrators see it: the user and whether it may sign in.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountView {
    #[serde(flatten)]
    pub user: User,
    /// A deactivated account cannot sign in; its history stays.
    pub active: bool,
}

impl From<UserAccount> for AccountView {
    fn from(account: UserAccount) -> Self {
        AccountView { user: account.user, active: account.active }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountList {
    pub users: Vec<AccountView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountEnvelope {
    pub user: AccountView,
}

/// A change to an account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    /// `false` deactivates the account and ends its sessions at once; `true`
    /// reactivates it.
    pub active: bool,
}

/// Every account, by organisation and username (administrators; audited).
#[utoipa::path(get, path = "/api/v1/users", tag = "directory",
    responses((status = 200, body = AccountList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_users(State(state): State<AppState>, session: Authenticated) -> ApiResult<Json<AccountList>> {
    authorise(&session, Permission::ManageUsers)?;
    let users = state.store.list_users(&session.audit()).await?;
    Ok(Json(AccountList { users: users.into_iter().map(AccountView::from).collect() }))
}

/// Deactivate or reactivate an account (administrators; not their own).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "directory", request_body = AccountChange,
    params(("id" = String, Path, description = "the account's id")),
    responses((status = 200, body = AccountEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "an administrator's own account"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
    ApiJson(change): ApiJson<AccountChange>,
) -> ApiResult<Json<AccountEnvelope>> {
    authorise(&session, Permission::ManageUsers)?;
    let Path(raw) = path.map_err(|_| ApiError::NotFound)?;
    let id = UserId::parse(&raw).map_err(|_| ApiError::NotFound)?;
    let account = state.set_user_active(&session.audit(), &id, change.active).await?;
    Ok(Json(AccountEnvelope { user: account.into() }))
}

/// Hashes a new password off the async runtime: argon2id takes tens of
/// milliseconds of CPU by design, which would stall every other request.
pub(crate) async fn hash_password(state: &AppState, password: &str) -> ApiResult<String> {
    let cost = state.config.password_cost;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || auth::hash_password(&password, cost))
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))?
}
