//! The supervisor's dashboard: caseload and overdue work per caseworker,
//! cases by status and by risk level — aggregates of the cases in the
//! supervisor's scope (`TeamDashboard`, no identity read), drawn as SVG bar
//! charts on the server (no JavaScript), each with a title, a description
//! and the same figures as a table for screen readers and for copying.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use safepath_domain::policy::{case_scope, role_may, Permission};
use safepath_store::TeamDashboard;

use super::{error_page, failure, page, Ui, WebSession};
use crate::AppState;

/// Width of a chart's drawing, in SVG units: narrow enough that its text
/// stays legible when a 360-px phone scales it down.
const WIDTH: u32 = 360;
/// Room for the bars' labels, on the start side.
const LABEL_WIDTH: u32 = 130;
/// Room for the value after the longest bar.
const VALUE_WIDTH: u32 = 40;
const BAR_HEIGHT: u32 = 22;
const BAR_GAP: u32 = 8;
/// Labels longer than this are shortened in the drawing (the table has them whole).
const LABEL_CHARS: usize = 18;

/// One bar, with its geometry computed here so that the template only places it.
pub struct Bar {
    pub label: String,
    pub short_label: String,
    pub value: String,
    pub y: u32,
    pub text_y: u32,
    pub width: u32,
    pub value_x: u32,
}

/// A horizontal bar chart and its table.
pub struct BarChart {
    pub id: &'static str,
    pub title: String,
    pub description: String,
    pub label_header: String,
    pub value_header: String,
    pub bars: Vec<Bar>,
    pub height: u32,
}

impl BarChart {
    fn new(ui: &Ui, id: &'static str, keys: [&str; 4], data: Vec<(String, i64)>) -> BarChart {
        let [title, description, label_header, value_header] = keys;
        let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        let bars = data
            .into_iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let y = i as u32 * (BAR_HEIGHT + BAR_GAP);
                let width = ((value.max(0) as u64 * room as u64) / max as u64) as u32;
                let short_label = if label.chars().count() > LABEL_CHARS {
                    format!("{}…", label.chars().take(LABEL_CHARS - 1).collect::<String>())
                } else {
                    label.clone()
                };
                Bar {
                    short_label,
                    label,
                    value: ui.language.number(value),
                    y,
                    text_y: y + BAR_HEIGHT / 2 + 5,
                    width,
                    value_x: LABEL_WIDTH + width + 4,
                }
            })
            .collect::<Vec<_>>();
        let height = (bars.len() as u32 * (BAR_HEIGHT + BAR_GAP)).max(BAR_HEIGHT);
        BarChart {
            id,
            title: ui.t(title),
            description: ui.t(description),
            label_header: ui.t(label_header),
            value_header: ui.t(value_header),
            bars,
            height,
        }
    }

    pub fn width(&self) -> u32 {
        WIDTH
    }

    pub fn label_x(&self) -> u32 {
        LABEL_WIDTH - 6
    }

    pub fn bar_x(&self) -> u32 {
        LABEL_WIDTH
    }

    pub fn bar_height(&self) -> u32 {
        BAR_HEIGHT
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ui: Ui,
    charts: Vec<BarChart>,
}

fn charts(ui: &Ui, dashboard: &TeamDashboard) -> Vec<BarChart> {
    let unassigned = ui.t("dashboard-unassigned");
    let per_member = |value: fn(&safepath_store::Workload) -> i64| {
        let mut data: Vec<(String, i64)> = dashboard.members.iter().map(|m| (m.name.clone(), value(&m.load))).collect();
        data.push((unassigned.clone(), value(&dashboard.unassigned)));
        data
    };
    let by_status = dashboard
        .by_status
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(status, n)| (ui.t(&format!("code-status-{}", status.as_str())), *n))
        .collect();
    let by_risk =
        dashboard.by_risk.iter().map(|(risk, n)| (ui.t(&format!("code-risk-{}", risk.as_str())), *n)).collect();
    vec![
        BarChart::new(
            ui,
            "caseload",
            ["dashboard-caseload", "dashboard-caseload-desc", "dashboard-caseworker", "dashboard-open-cases"],
            per_member(|load| load.open_cases),
        ),
        BarChart::new(
            ui,
            "overdue",
            ["dashboard-overdue", "dashboard-overdue-desc", "dashboard-caseworker", "dashboard-overdue-tasks"],
            per_member(|load| load.overdue),
        ),
        BarChart::new(
            ui,
            "status",
            ["dashboard-by-status", "dashboard-by-status-desc", "dashboard-status", "dashboard-cases"],
            by_status,
        ),
        BarChart::new(
            ui,
            "risk",
            ["dashboard-by-risk", "dashboard-by-risk-desc", "dashboard-risk", "dashboard-open-cases"],
            by_risk,
        ),
    ]
}

/// `GET /dashboard`: supervisors only.
pub async fn show(State(state): State<AppState>, session: WebSession) -> Response {
    let ui = Ui::for_session(&session, "dashboard");
    if !role_may(session.session.user.role, Permission::ReadTeamDashboard) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let scope = case_scope(&session.session.actor());
    match state.store.team_dashboard(&session.session.audit(), &scope, chrono::Utc::now()).await {
        Ok(dashboard) => {
            let charts = charts(&ui, &dashboard);
            page(StatusCode::OK, &DashboardPage { ui, charts })
        }
        Err(error) => failure(ui, error.into()),
    }
}
