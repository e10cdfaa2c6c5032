//! The OpenAPI 3 document, generated from the handlers' annotations and the
//! domain types' schemas, served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{alerts, cases, directory, linkage, session, workflow};

#[derive(OpenApi)]
#[openapi(
    info(title = "Safepath API", description = "Case management for organisations protecting children from trafficking and exploitation."),
    paths(
        session::sign_in, session::current, session::sign_out,
        directory::create_organisation, directory::list_organisations, directory::create_user,
        directory::list_users, directory::update_user,
        cases::create, cases::read, cases::list, cases::update,
        crate::routes::exchange::case_htcds, crate::routes::exchange::case_htcds_csv,
        workflow::add_assessment, workflow::list_assessments, workflow::add_indicator, workflow::list_indicators,
        workflow::screening, workflow::add_trafficking_status, workflow::list_trafficking_status,
        workflow::add_bia, workflow::list_bia, workflow::add_bid, workflow::list_bid,
        workflow::decide, workflow::approval_queue, workflow::add_plan, workflow::list_plans,
        workflow::add_service, workflow::list_services, workflow::add_standard_check, workflow::standards,
        workflow::add_exploitation_episode, workflow::add_movement_episode, workflow::list_episodes,
        workflow::add_perpetrator, workflow::list_perpetrators, workflow::add_follow_up, workflow::list_follow_ups,
        workflow::create_referral, workflow::case_referrals, workflow::read_referral, workflow::referred_case,
        workflow::referred_section, workflow::accept_referral, workflow::decline_referral,
        workflow::complete_referral, workflow::revoke_referral, workflow::request_transfer,
        workflow::accept_transfer, workflow::decline_transfer, workflow::complete_transfer,
        workflow::cancel_transfer, workflow::resume, workflow::request_closure, workflow::reopen,
        workflow::mark_duplicate, workflow::history, workflow::my_work, workflow::organisation_settings,
        workflow::update_organisation_settings, workflow::read_transfer,
        crate::routes::notes::add_note, crate::routes::notes::list_notes,
        linkage::case_duplicates, linkage::duplicate_queue, linkage::confirm_duplicate, linkage::reject_duplicate,
        linkage::unmerge, linkage::create_tracing_request, linkage::tracing_matches, linkage::confirm_tracing_match,
        alerts::create_alert, alerts::list_alerts, alerts::read_alert, alerts::triage_alert,
    ),
    components(schemas(crate::error::ErrorBody, safepath_store::CaseSummary, safepath_domain::workflow::RefusalCode)),
    modifiers(&BearerAuth),
    tags((name = "session"), (name = "directory"), (name = "cases"), (name = "workflow"), (name = "linkage"), (name = "alerts"))
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
