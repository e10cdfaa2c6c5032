//! Case notes (issue #5): `GET` and `POST /api/v1/cases/{id}/notes`.
//!
//! Free text about a child, so: scoped like every case read (404 outside the
//! scope), audited in the same transaction, never part of an HTCDS export, an
//! aggregate or a referral's shared sections (the store keeps notes in a
//! table none of them reads).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use safepath_domain::ids::CaseId;
use safepath_domain::policy::{case_scope, Permission};
use safepath_domain::workflow::note::{NewNote, NoteInput};
use safepath_store::NoteRecord;
use serde::Serialize;

use super::directory::authorise;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Authenticated};
use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoteEnvelope {
    pub note: NoteRecord,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotesEnvelope {
    /// Newest first.
    pub notes: Vec<NoteRecord>,
}

fn case_id(path: Result<Path<String>, PathRejection>) -> ApiResult<CaseId> {
    let Path(raw) = path.map_err(|_| ApiError::NotFound)?;
    CaseId::parse(&raw).map_err(|_| ApiError::NotFound)
}

/// Add a note to the case: free text (line breaks kept), at most 4,000
/// characters. Never exported or aggregated.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "workflow", request_body = NoteInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 201, body = NoteEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_note(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
    ApiJson(input): ApiJson<NoteInput>,
) -> ApiResult<(StatusCode, Json<NoteEnvelope>)> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    let note = NewNote::parse(input)?;
    let scope = case_scope(&session.actor());
    let note = state.store.add_case_note(&session.audit(), &scope, &id, note).await?;
    Ok((StatusCode::CREATED, Json(NoteEnvelope { note })))
}

/// The case's notes, newest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/notes", tag = "workflow",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = NotesEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_notes(
    State(state): State<AppState>,
    session: Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<NotesEnvelope>> {
    authorise(&session, Permission::RecordCaseWork)?;
    let id = case_id(path)?;
    let scope = case_scope(&session.actor());
    let notes = state.store.case_notes(&session.audit(), &scope, &id).await?;
    Ok(Json(NotesEnvelope { notes }))
}
