//! The OpenAPI 3 document, generated from the handlers' annotations and the
//! domain types' schemas, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{cases, directory, session};

#[derive(OpenApi)]
#[openapi(
    info(title = "Safepath API", description = "Case management for organisations protecting children from trafficking and exploitation."),
    paths(
        session::sign_in, session::current, session::sign_out,
        directory::create_organisation, directory::list_organisations, directory::create_user,
        cases::create, cases::read, cases::list, cases::update,
        crate::routes::exchange::case_htcds, crate::routes::exchange::case_htcds_csv,
    ),
    components(schemas(crate::error::ErrorBody, safepath_store::CaseSummary)),
    modifiers(&BearerAuth),
    tags((name = "session"), (name = "directory"), (name = "cases"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
