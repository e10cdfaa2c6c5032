//! The partner directory (PRODUCT.md capability 1): who does what where —
//! every organisation of the network with its type, countries, services and
//! contact point, from the same store call as `GET /api/v1/organisations`.
//! Focal points see only their alert form, so not this page either.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use safepath_domain::organisation::Organisation;
use safepath_domain::policy::{role_may, sees_only_the_alert_form, Permission};
use serde::Deserialize;

use super::{error_page, failure, page, Ui, WebSession};
use crate::AppState;

/// One organisation as the directory lists it.
pub struct PartnerRow {
    pub name: String,
    pub kind: String,
    pub countries: String,
    pub services: String,
    pub contact: String,
}

fn partner_row(ui: &Ui, org: &Organisation) -> PartnerRow {
    let or_dash = |text: String| if text.is_empty() { "—".to_string() } else { text };
    PartnerRow {
        name: org.name.clone(),
        kind: ui.t(&format!("org-type-{}", org.org_type.as_str())),
        countries: org.countries.join(", "),
        services: or_dash(org.services.join(", ")),
        contact: or_dash(org.contact.clone().unwrap_or_default()),
    }
}

/// A country to filter on.
pub struct CountryChoice {
    pub code: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    ui: Ui,
    rows: Vec<PartnerRow>,
    countries: Vec<CountryChoice>,
    summary: String,
}

#[derive(Deserialize, Default)]
struct DirectoryQuery {
    country: Option<String>,
}

/// `GET /directory?country=`: the partners, optionally of one country.
pub async fn show(State(state): State<AppState>, session: WebSession, RawQuery(raw): RawQuery) -> Response {
    let ui = Ui::for_session(&session, "directory");
    let role = session.session.user.role;
    if sees_only_the_alert_form(role) || !role_may(role, Permission::ReadDirectory) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let query: DirectoryQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let wanted = query.country.map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
    let organisations = match state.store.list_organisations(&session.session.audit()).await {
        Ok(organisations) => organisations,
        Err(error) => return failure(ui, error.into()),
    };
    let mut codes: Vec<&String> = organisations.iter().flat_map(|o| &o.countries).collect();
    codes.sort();
    codes.dedup();
    let countries = codes
        .into_iter()
        .map(|code| CountryChoice { code: code.clone(), selected: wanted.as_ref() == Some(code) })
        .collect();
    let rows: Vec<PartnerRow> = organisations
        .iter()
        .filter(|o| wanted.as_ref().is_none_or(|c| o.countries.contains(c)))
        .map(|o| partner_row(&ui, o))
        .collect();
    let summary = ui.t1("directory-count", "count", &ui.language.number(rows.len() as i64));
    page(StatusCode::OK, &DirectoryPage { ui, rows, countries, summary })
}
