//! Organisations (the partner directory) and user accounts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use safepath_domain::organisation::{NewOrganisation, NewOrganisationInput, Organisation};
use safepath_domain::policy::{role_may, Permission};
use safepath_domain::user::{NewUser, NewUserInput, User};
use serde::Serialize;

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

/// Hashes a new password off the async runtime: argon2id takes tens of
/// milliseconds of CPU by design, which would stall every other request.
pub(crate) async fn hash_password(state: &AppState, password: &str) -> ApiResult<String> {
    let cost = state.config.password_cost;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || auth::hash_password(&password, cost))
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))?
}
