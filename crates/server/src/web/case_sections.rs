//! The case page's sections beyond the first workflow steps (issue #5):
//! indicators and screening, the best-interest determination, the transfer,
//! standards of care, exploitation and movement drawn as timelines,
//! perpetrators (only for those allowed to know they are recorded) and notes.
//!
//! Everything here is built from one [`CaseFile`] — the case, its records,
//! history and notes read in one store unit — so the page costs one audited
//! read however many sections it shows. The forms post to the same
//! `/cases/{id}/workflow/{step}` handler as the other workflow forms
//! (`workflow::step`), which parses them here ([`build_step`]).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use safepath_domain::codes::{ApprovalDecision, ReferralReason, TraffickingStatus};
use safepath_domain::policy::Actor;
use safepath_domain::workflow::best_interest::{
    BestInterestDetermination, BestInterestDeterminationInput, ChildsViewsInput, PanelMemberInput,
};
use safepath_domain::workflow::episodes::{
    AccompaniedBy, ExploitationEpisodeInput, ExploitationForm, IncomeInput, IncomePeriod, IncomeTakenBy, IsicSection,
    LegalStatus, MethodOfControl, MovementEpisodeInput, MovementStage, PerpetratorInput, PerpetratorRole, PlaceInput,
    RecruitmentMethod, RelationToChild, Visibility,
};
use safepath_domain::workflow::indicators::{
    screen, DecisionMakingOrg, IndicatorCatalogue, IndicatorObservation, ObservationInput, ScreeningRule,
    ScreeningSuggestion, StatusDecisionError, TraffickingStatusDecision, TraffickingStatusInput,
};
use safepath_domain::workflow::note::{NewNote, NoteInput};
use safepath_domain::workflow::rules::DurableSolution;
use safepath_domain::workflow::standards::{unmet_standards, StandardCheck, StandardCheckInput, StandardStatus, Unmet};
use safepath_domain::workflow::transfer::TransferInput;
use safepath_domain::workflow::{Refusal, SharingBasis};
use safepath_domain::ValidationErrors;
use safepath_store::{CaseFile, CaseRecord, NewRecord, RecordKind};
use serde_json::Value;

use super::cases::Choice;
use super::workflow::Typed;
use super::Ui;

/// A choice whose value is data (an indicator code, a standard key, an
/// episode id) rather than a code of a fixed list.
pub struct DataChoice {
    pub value: String,
    pub label: String,
}

/// One observed (or looked-for) indicator.
pub struct ObservationRow {
    pub indicator: String,
    pub detail: String,
    pub observed: bool,
    pub source: String,
    pub date: String,
}

/// The screening, for the supervisor: per dimension and the suggestion.
pub struct ScreeningView {
    pub suggestion: String,
    /// `consider_identification`, `indicators_present` or `no_indicators` (a CSS class).
    pub level: &'static str,
    pub dimensions: Vec<DimensionRow>,
}

pub struct DimensionRow {
    pub label: String,
    pub strong: String,
    pub medium: String,
    pub weak: String,
    pub positive: bool,
}

pub struct Line {
    pub date: String,
    pub text: String,
    pub detail: String,
}

/// A best-interest determination as the page lists it.
pub struct BidRow {
    pub date: String,
    pub panel: String,
    pub members: String,
    pub decision: String,
    pub childs_views: String,
    pub review: String,
}

pub struct TransferRow {
    pub to: String,
    pub countries: String,
    pub status: String,
    pub date: String,
}

/// What a transfer needs, each with whether the case has it: the reasons a
/// request or its completion is refused, shown before anyone tries.
pub struct Requirement {
    pub label: String,
    pub met: bool,
}

pub struct StandardRow {
    pub label: String,
    pub status: String,
    pub met: bool,
    pub date: String,
    pub by: String,
    pub note: String,
}

/// One episode: a row of the table and a bar of the drawing.
pub struct EpisodeBar {
    pub label: String,
    pub place: String,
    pub period: String,
    pub age: String,
    pub detail: String,
    /// Where the bar starts and how long it is, in per cent of the drawing.
    pub x: String,
    pub width: String,
    pub y: u32,
    pub ongoing: bool,
}

/// A timeline drawn as an SVG, with its table as the text alternative.
pub struct Timeline {
    pub bars: Vec<EpisodeBar>,
    pub height: u32,
    pub from: String,
    pub to: String,
}

pub struct PerpetratorRow {
    pub roles: String,
    pub relation: String,
    pub description: String,
    pub episodes: String,
}

/// The perpetrators section: it exists only for those who may read it.
pub struct Perpetrators {
    pub rows: Vec<PerpetratorRow>,
    pub roles: Vec<Choice>,
    pub relations: Vec<Choice>,
    pub episodes: Vec<DataChoice>,
}

pub struct NoteRow {
    pub date: String,
    pub author: String,
    pub paragraphs: Vec<String>,
}

/// The sections of this module, ready for the template.
pub struct CaseSections {
    pub indicators: Vec<DataChoice>,
    pub observations: Vec<ObservationRow>,
    pub screening: Option<ScreeningView>,
    pub statuses: Vec<Line>,
    pub trafficking_statuses: Vec<Choice>,
    pub decision_orgs: Vec<Choice>,
    pub bids: Vec<BidRow>,
    pub durable_solutions: Vec<Choice>,
    pub transfers: Vec<TransferRow>,
    pub transfer_open: bool,
    pub transfer_needs: Vec<Requirement>,
    pub transfer_reasons: Vec<Choice>,
    pub standards: Vec<StandardRow>,
    pub unmet: Vec<Line>,
    pub standard_keys: Vec<DataChoice>,
    pub standard_statuses: Vec<Choice>,
    pub exploitation: Timeline,
    pub movement: Timeline,
    pub forms: Vec<Choice>,
    /// ISIC sections, where the exploitation was labour.
    pub sectors: Vec<Choice>,
    pub income_periods: Vec<Choice>,
    pub income_takers: Vec<Choice>,
    pub controls: Vec<Choice>,
    pub recruitments: Vec<Choice>,
    pub recruiter_relations: Vec<Choice>,
    pub visibilities: Vec<Choice>,
    pub stages: Vec<Choice>,
    pub accompanied: Vec<Choice>,
    pub legal_statuses: Vec<Choice>,
    pub perpetrators: Option<Perpetrators>,
    pub notes: Vec<NoteRow>,
}

fn day_of(ms: i64) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.date_naive())
}

fn text<'a>(data: &'a Value, key: &str) -> &'a str {
    data.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn date_of(ui: &Ui, data: &Value, key: &str) -> String {
    ui.language.date_str(text(data, key))
}

/// The label of a code in the user's language (`{prefix}-{code}`).
fn code_label(ui: &Ui, prefix: &str, code: &str) -> String {
    ui.t(&format!("{prefix}-{code}"))
}

/// A translated label for a catalogue entry, else the catalogue's own (an
/// organisation's own indicators and standards are written in its language).
pub(super) fn data_label(ui: &Ui, prefix: &str, key: &str, fallback: &str) -> String {
    let id = format!("{prefix}-{}", key.replace('.', "-"));
    ui.language.message_if_any(&id).unwrap_or_else(|| fallback.to_string())
}

fn choices<T: Copy>(ui: &Ui, all: &'static [T], wire: fn(T) -> &'static str, prefix: &str) -> Vec<Choice> {
    all.iter()
        .map(|code| {
            let value = wire(*code);
            Choice { value, label: code_label(ui, prefix, value), selected: false }
        })
        .collect()
}

fn records(file: &CaseFile, kind: RecordKind) -> impl Iterator<Item = &CaseRecord> {
    file.records.iter().filter(move |r| r.kind == kind)
}

/// Builds every section of this module from the case file.
pub fn case_sections(
    ui: &Ui,
    file: &CaseFile,
    organisations: &OrganisationNames,
    may_approve: bool,
    may_perpetrators: bool,
) -> CaseSections {
    let catalogue = IndicatorCatalogue::defaults();
    let standards = &file.standards;
    let observations: Vec<IndicatorObservation> = records(file, RecordKind::IndicatorObservation)
        .filter_map(|r| serde_json::from_value(r.data.clone()).ok())
        .collect();
    let checks: Vec<StandardCheck> =
        records(file, RecordKind::StandardCheck).filter_map(|r| serde_json::from_value(r.data.clone()).ok()).collect();
    let person = |id: &str| file.people.get(id).cloned().unwrap_or_default();
    CaseSections {
        indicators: catalogue
            .indicators()
            .iter()
            .map(|i| DataChoice {
                value: i.code.as_str().to_string(),
                label: format!(
                    "{} — {} · {}",
                    data_label(ui, "cs-indicator", i.code.as_str(), &i.label),
                    code_label(ui, "cs-dimension", i.dimension.as_str()),
                    code_label(ui, "cs-weight", i.weight.as_str()),
                ),
            })
            .collect(),
        observations: observations
            .iter()
            .map(|o| {
                let known = catalogue.get(&o.indicator);
                ObservationRow {
                    indicator: known
                        .map(|i| data_label(ui, "cs-indicator", i.code.as_str(), &i.label))
                        .unwrap_or_else(|| o.indicator.as_str().to_string()),
                    detail: known
                        .map(|i| {
                            format!(
                                "{} · {} · {}",
                                code_label(ui, "cs-framework", i.framework.as_str()),
                                code_label(ui, "cs-dimension", i.dimension.as_str()),
                                code_label(ui, "cs-weight", i.weight.as_str())
                            )
                        })
                        .unwrap_or_default(),
                    observed: o.observed,
                    source: o.source.clone(),
                    date: ui.language.date(o.date),
                }
            })
            .collect(),
        screening: may_approve.then(|| screening_view(ui, &catalogue, &observations)),
        statuses: records(file, RecordKind::TraffickingStatus)
            .map(|r| Line {
                date: date_of(ui, &r.data, "date"),
                text: code_label(ui, "cs-trafficking", text(&r.data, "status")),
                detail: [
                    code_label(ui, "cs-decided-by", text(&r.data, "decided_by_org_type")),
                    text(&r.data, "note").to_string(),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            })
            .collect(),
        trafficking_statuses: choices(ui, TraffickingStatus::ALL, TraffickingStatus::as_str, "cs-trafficking"),
        decision_orgs: choices(ui, DecisionMakingOrg::ALL, DecisionMakingOrg::as_str, "cs-decided-by"),
        bids: records(file, RecordKind::BestInterestDetermination).map(|r| bid_row(ui, &r.data)).collect(),
        durable_solutions: choices(ui, DurableSolution::ALL, DurableSolution::as_str, "cs-durable"),
        transfers: file
            .history
            .transfers
            .iter()
            .map(|t| TransferRow {
                to: organisations.get(t.to_organisation.as_str()).cloned().unwrap_or_default(),
                countries: format!("{} → {}", t.from_country, t.to_country),
                status: code_label(ui, "cs-transfer-status", &t.status),
                date: day_of(t.created_at).map(|d| ui.language.date(d)).unwrap_or_default(),
            })
            .collect(),
        transfer_open: file.history.transfers.iter().any(|t| matches!(t.status.as_str(), "requested" | "accepted")),
        transfer_needs: transfer_needs(ui, file),
        transfer_reasons: choices(ui, ReferralReason::ALL, ReferralReason::as_str, "wf-referral-reason"),
        standards: standards
            .items()
            .iter()
            .filter_map(|definition| {
                let latest = checks.iter().filter(|c| c.key == definition.key).max_by_key(|c| c.date)?;
                Some(StandardRow {
                    label: data_label(ui, "cs-standard", definition.key.as_str(), &definition.label),
                    status: code_label(ui, "cs-standard-status", latest.status.as_str()),
                    met: latest.status != StandardStatus::NotMet,
                    date: ui.language.date(latest.date),
                    by: person(latest.checked_by.as_str()),
                    note: latest.note.clone().unwrap_or_default(),
                })
            })
            .collect(),
        unmet: unmet_standards(standards, &checks)
            .into_iter()
            .map(|(definition, unmet)| {
                let label = data_label(ui, "cs-standard", definition.key.as_str(), &definition.label);
                match unmet {
                    Unmet::NotChecked => {
                        Line { date: String::new(), text: label, detail: ui.t("cs-standard-not-checked") }
                    }
                    Unmet::NotMet { since, note } => Line {
                        date: ui.language.date(since),
                        text: label,
                        detail: note.unwrap_or_else(|| ui.t("cs-standard-status-not_met")),
                    },
                }
            })
            .collect(),
        standard_keys: standards
            .items()
            .iter()
            .map(|d| DataChoice {
                value: d.key.as_str().to_string(),
                label: data_label(ui, "cs-standard", d.key.as_str(), &d.label),
            })
            .collect(),
        standard_statuses: choices(ui, StandardStatus::ALL, StandardStatus::as_str, "cs-standard-status"),
        exploitation: timeline(ui, records(file, RecordKind::ExploitationEpisode), "form", "cs-form"),
        movement: timeline(ui, records(file, RecordKind::MovementEpisode), "stage", "cs-stage"),
        forms: choices(ui, ExploitationForm::ALL, ExploitationForm::as_str, "cs-form"),
        sectors: choices(ui, IsicSection::ALL, IsicSection::as_str, "cs-sector"),
        income_periods: choices(ui, IncomePeriod::ALL, IncomePeriod::as_str, "cs-income-period"),
        income_takers: choices(ui, IncomeTakenBy::ALL, IncomeTakenBy::as_str, "cs-income-taken"),
        controls: choices(ui, MethodOfControl::ALL, MethodOfControl::as_str, "cs-control"),
        recruitments: choices(ui, RecruitmentMethod::ALL, RecruitmentMethod::as_str, "cs-recruitment"),
        recruiter_relations: choices(ui, RelationToChild::ALL, RelationToChild::as_str, "cs-relation"),
        visibilities: choices(ui, Visibility::ALL, Visibility::as_str, "cs-visibility"),
        stages: choices(ui, MovementStage::ALL, MovementStage::as_str, "cs-stage"),
        accompanied: choices(ui, AccompaniedBy::ALL, AccompaniedBy::as_str, "cs-accompanied"),
        legal_statuses: choices(ui, LegalStatus::ALL, LegalStatus::as_str, "cs-legal"),
        perpetrators: may_perpetrators.then(|| perpetrators(ui, file)),
        notes: file
            .notes
            .iter()
            .map(|n| NoteRow {
                date: day_of(n.created_at).map(|d| ui.language.date(d)).unwrap_or_default(),
                author: n.author_name.clone(),
                paragraphs: n.text.split('\n').map(str::to_string).collect(),
            })
            .collect(),
    }
}

fn screening_view(ui: &Ui, catalogue: &IndicatorCatalogue, observations: &[IndicatorObservation]) -> ScreeningView {
    let result = screen(catalogue, observations, &ScreeningRule::children());
    let level = match result.suggestion {
        ScreeningSuggestion::ConsiderIdentification => "consider_identification",
        ScreeningSuggestion::IndicatorsPresent => "indicators_present",
        ScreeningSuggestion::NoIndicators => "no_indicators",
    };
    ScreeningView {
        suggestion: code_label(ui, "cs-screening", level),
        level,
        dimensions: result
            .dimensions
            .iter()
            .map(|d| DimensionRow {
                label: code_label(ui, "cs-dimension", d.dimension.as_str()),
                strong: ui.language.number(d.observed.strong as i64),
                medium: ui.language.number(d.observed.medium as i64),
                weak: ui.language.number(d.observed.weak as i64),
                positive: d.positive,
            })
            .collect(),
    }
}

fn bid_row(ui: &Ui, data: &Value) -> BidRow {
    let members = data
        .get("members")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter().map(|m| format!("{} ({})", text(m, "name"), text(m, "function"))).collect::<Vec<_>>().join(", ")
        })
        .unwrap_or_default();
    let views = data.get("childs_views").cloned().unwrap_or_default();
    let childs_views = match text(&views, "heard") {
        "heard" => text(&views, "in_own_words").to_string(),
        _ => ui.t1("cs-bid-not-heard", "what", text(&views, "because")),
    };
    let mut decision = text(data, "decision").to_string();
    if let Some(solution) = data.get("durable_solution").and_then(Value::as_str) {
        decision = format!("{} · {decision}", code_label(ui, "cs-durable", solution));
    }
    BidRow {
        date: date_of(ui, data, "date"),
        panel: text(data, "panel").to_string(),
        members,
        decision,
        childs_views,
        review: date_of(ui, data, "review_date"),
    }
}

/// What a transfer needs, from the case file: consent for sharing, a
/// best-interest determination (across a border), then the supervisor's
/// approval and the receiver's acceptance once requested.
fn transfer_needs(ui: &Ui, file: &CaseFile) -> Vec<Requirement> {
    let sharing = SharingBasis::from_consents(&file.case.consents, None).is_ok();
    let bid = records(file, RecordKind::BestInterestDetermination).next().is_some();
    let open = file.history.transfers.iter().rfind(|t| matches!(t.status.as_str(), "requested" | "accepted"));
    let approved = open.is_some_and(|t| {
        file.history
            .approvals
            .iter()
            .any(|a| a.record_id.as_deref() == Some(t.id.as_str()) && a.decision == Some(ApprovalDecision::Approved))
    });
    let accepted = open.is_some_and(|t| t.status == "accepted");
    let need = |key: &str, met: bool| Requirement { label: ui.t(key), met };
    vec![
        need("cs-transfer-needs-consent", sharing),
        need("cs-transfer-needs-bid", bid),
        need("cs-transfer-needs-approval", approved),
        need("cs-transfer-needs-acceptance", accepted),
    ]
}

/// Episodes as bars on one time axis, from the first start to the last end
/// (today for an episode that goes on), in per cent so the SVG scales.
fn timeline<'a>(ui: &Ui, episodes: impl Iterator<Item = &'a CaseRecord>, what: &str, prefix: &str) -> Timeline {
    let today = crate::today();
    let parse = |raw: &str| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
    let mut spans: Vec<(&CaseRecord, NaiveDate, Option<NaiveDate>)> = episodes
        .filter_map(|r| Some((r, parse(text(&r.data, "start_date"))?, parse(text(&r.data, "end_date")))))
        .collect();
    spans.sort_by_key(|(_, start, _)| *start);
    let first = spans.iter().map(|(_, s, _)| *s).min().unwrap_or(today);
    let last = spans.iter().map(|(_, s, e)| e.unwrap_or(today).max(*s)).max().unwrap_or(today);
    let days = (last - first).num_days().max(1) as f64;
    let percent = |d: NaiveDate| ((d - first).num_days() as f64 / days * 100.0).clamp(0.0, 100.0);
    let bars = spans
        .iter()
        .enumerate()
        .map(|(i, (record, start, end))| {
            let data = &record.data;
            let x = percent(*start);
            let width = (percent(end.unwrap_or(today)) - x).max(1.0);
            let period = match end {
                Some(end) => format!("{} – {}", ui.language.date(*start), ui.language.date(*end)),
                None => ui.t1("cs-episode-ongoing", "date", &ui.language.date(*start)),
            };
            let age = data.get("age_at_start").and_then(|a| a.get("years")).and_then(Value::as_i64);
            let place = data.get("place").cloned().unwrap_or_default();
            EpisodeBar {
                label: code_label(ui, prefix, text(data, what)),
                place: format!("{} ({})", text(&place, "description"), text(&place, "country")),
                period,
                age: age.map(|a| ui.language.number(a)).unwrap_or_default(),
                detail: episode_detail(ui, data),
                x: format!("{x:.1}"),
                width: format!("{:.1}", width.min(100.0 - x).max(0.5)),
                y: 4 + 24 * i as u32,
                ongoing: end.is_none(),
            }
        })
        .collect::<Vec<_>>();
    Timeline { height: 8 + 24 * bars.len() as u32, bars, from: ui.language.date(first), to: ui.language.date(last) }
}

fn episode_detail(ui: &Ui, data: &Value) -> String {
    let mut parts = Vec::new();
    let code = |key: &str, prefix: &str| data.get(key).and_then(Value::as_str).map(|c| code_label(ui, prefix, c));
    let codes = |key: &str, prefix: &str| {
        let all: Vec<String> = data
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(|c| code_label(ui, prefix, c)).collect())
            .unwrap_or_default();
        (!all.is_empty()).then(|| all.join(", "))
    };
    parts.extend(code("visibility", "cs-visibility"));
    parts.extend(code("sector", "cs-sector"));
    if let Some(income) = data.get("income").filter(|i| i.is_object()) {
        let amount = income.get("amount").and_then(Value::as_i64).unwrap_or_default();
        parts.push(ui.t2(
            "cs-income-line",
            ("amount", &format!("{} {}", ui.language.number(amount), text(income, "currency"))),
            ("period", &code_label(ui, "cs-income-period", text(income, "period"))),
        ));
    }
    parts.extend(code("income_taken_by", "cs-income-taken").map(|who| ui.t1("cs-income-taken-line", "who", &who)));
    parts.extend(codes("means_of_control", "cs-control").map(|all| ui.t1("cs-control-line", "all", &all)));
    parts.extend(codes("recruitment", "cs-recruitment").map(|all| ui.t1("cs-recruitment-line", "all", &all)));
    parts.extend(code("relation_to_recruiter", "cs-relation").map(|r| ui.t1("cs-recruiter-line", "relation", &r)));
    parts.extend(data.get("relation_detail").and_then(Value::as_str).map(str::to_string));
    if let Some(accompanied) = data.get("accompanied_by").and_then(Value::as_str) {
        parts.push(code_label(ui, "cs-accompanied", accompanied));
    }
    if let Some(legal) = data.get("legal_status").and_then(Value::as_str) {
        parts.push(code_label(ui, "cs-legal", legal));
    }
    for key in ["route", "notes"] {
        if let Some(more) = data.get(key).and_then(Value::as_str) {
            parts.push(more.to_string());
        }
    }
    parts.join(" · ")
}

fn perpetrators(ui: &Ui, file: &CaseFile) -> Perpetrators {
    let episode_label = |id: &str| {
        file.records.iter().find(|r| r.id == id).map(|r| {
            let (what, prefix) = match r.kind {
                RecordKind::MovementEpisode => ("stage", "cs-stage"),
                _ => ("form", "cs-form"),
            };
            format!("{} ({})", code_label(ui, prefix, text(&r.data, what)), date_of(ui, &r.data, "start_date"))
        })
    };
    let list = |data: &Value, key: &str| -> Vec<String> {
        data.get(key)
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    Perpetrators {
        rows: records(file, RecordKind::Perpetrator)
            .map(|r| PerpetratorRow {
                roles: list(&r.data, "roles")
                    .iter()
                    .map(|role| code_label(ui, "cs-role", role))
                    .collect::<Vec<_>>()
                    .join(", "),
                relation: [
                    r.data.get("relation_to_child").and_then(Value::as_str).map(|c| code_label(ui, "cs-relation", c)),
                    r.data.get("relation_detail").and_then(Value::as_str).map(str::to_string),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
                description: text(&r.data, "description").to_string(),
                episodes: list(&r.data, "episode_ids")
                    .iter()
                    .filter_map(|id| episode_label(id))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        roles: choices(ui, PerpetratorRole::ALL, PerpetratorRole::as_str, "cs-role"),
        relations: choices(ui, RelationToChild::ALL, RelationToChild::as_str, "cs-relation"),
        episodes: file
            .records
            .iter()
            .filter(|r| matches!(r.kind, RecordKind::ExploitationEpisode | RecordKind::MovementEpisode))
            .filter_map(|r| Some(DataChoice { value: r.id.clone(), label: episode_label(&r.id)? }))
            .collect(),
    }
}

/// What a form of this module asks of the store.
pub enum SectionStep {
    Record(Box<NewRecord>),
    Transfer(TransferInput),
    Note(NewNote),
}

/// Parses a form of this module; `Ok(None)` when `step` is not one of its.
pub fn build_step(step: &str, form: &Typed, actor: &Actor, today: NaiveDate) -> Result<Option<SectionStep>, StepError> {
    let record = |r: NewRecord| Some(SectionStep::Record(Box::new(r)));
    Ok(match step {
        "indicator" => record(NewRecord::IndicatorObservation(IndicatorObservation::parse(
            ObservationInput {
                indicator: form.get("indicator"),
                observed: form.get("observed") != "no",
                source: form.get("source"),
                date: form.get("date"),
                note: form.optional("note"),
            },
            &IndicatorCatalogue::defaults(),
            today,
        )?)),
        "trafficking-status" => record(NewRecord::TraffickingStatus(
            TraffickingStatusDecision::record(
                TraffickingStatusInput {
                    status: form.get("status"),
                    decided_by_org_type: form.get("decided_by_org_type"),
                    date: form.get("date"),
                    note: form.optional("note"),
                },
                actor,
                today,
            )
            .map_err(|error| match error {
                StatusDecisionError::Refused(refusal) => StepError::Refused(refusal),
                StatusDecisionError::Invalid(errors) => StepError::Invalid(errors),
            })?,
        )),
        "bid" => {
            let heard = form.optional("childs_words");
            let members = form
                .all("member_name")
                .into_iter()
                .zip(form.all("member_function"))
                .filter(|(name, function)| !name.trim().is_empty() || !function.trim().is_empty())
                .map(|(name, function)| PanelMemberInput { name, function, organisation: None })
                .collect();
            record(NewRecord::BestInterestDetermination(BestInterestDetermination::parse(
                BestInterestDeterminationInput {
                    date: form.get("date"),
                    panel: form.get("panel"),
                    members,
                    decision: form.get("decision"),
                    durable_solution: form.optional("durable_solution"),
                    separation_from_parents: form.get("separation_from_parents") == "yes",
                    childs_views: ChildsViewsInput {
                        language: heard.as_ref().and(form.optional("childs_language")),
                        in_own_words: heard,
                        not_heard_because: form.optional("not_heard_because"),
                    },
                    review_date: form.get("review_date"),
                },
                today,
            )?))
        }
        "transfer" => Some(SectionStep::Transfer(TransferInput {
            to_organisation: form.get("to_organisation"),
            from_country: form.get("from_country"),
            to_country: form.get("to_country"),
            reason: form.get("reason"),
            details: form.optional("details"),
            separates_from_parents: form.get("separates_from_parents") == "yes",
        })),
        "standard" => record(NewRecord::StandardCheck(
            StandardCheckInput {
                key: form.get("key"),
                status: form.get("status"),
                date: form.get("date"),
                note: form.optional("note"),
            },
            today,
        )),
        "exploitation" => record(NewRecord::ExploitationEpisode(
            ExploitationEpisodeInput {
                form: form.get("form"),
                sector: form.optional("sector"),
                place: place(form),
                start_date: form.get("start_date"),
                end_date: form.optional("end_date"),
                dates_approximate: form.get("dates_approximate") == "yes",
                income: income(form)?,
                income_taken_by: form.optional("income_taken_by"),
                means_of_control: form.all("means_of_control"),
                recruitment: form.all("recruitment"),
                relation_to_recruiter: form.optional("relation_to_recruiter"),
                relation_detail: form.optional("relation_detail"),
                visibility: form.get("visibility"),
                notes: form.optional("notes"),
            },
            today,
        )),
        "movement" => record(NewRecord::MovementEpisode(
            MovementEpisodeInput {
                stage: form.get("stage"),
                place: place(form),
                start_date: form.get("start_date"),
                end_date: form.optional("end_date"),
                dates_approximate: form.get("dates_approximate") == "yes",
                accompanied_by: form.get("accompanied_by"),
                legal_status: form.get("legal_status"),
                route: form.optional("route"),
                notes: form.optional("notes"),
            },
            today,
        )),
        "perpetrator" => {
            record(NewRecord::Perpetrator(safepath_domain::workflow::episodes::Perpetrator::parse(PerpetratorInput {
                roles: form.all("role"),
                relation_to_child: form.optional("relation_to_child"),
                relation_detail: form.optional("relation_detail"),
                description: form.get("description"),
                episode_ids: form.all("episode"),
            })?))
        }
        "note" => Some(SectionStep::Note(NewNote::parse(NoteInput { text: form.get("text") })?)),
        _ => None,
    })
}

/// What the child earned, when an amount was typed (currency and period
/// are then required by the domain).
fn income(form: &Typed) -> Result<Option<IncomeInput>, StepError> {
    let Some(raw) = form.optional("income_amount") else {
        return Ok(None);
    };
    let amount = raw.parse().map_err(|_| {
        StepError::Invalid(ValidationErrors::single("income.amount", "must be a whole number of the currency"))
    })?;
    Ok(Some(IncomeInput { amount, currency: form.get("income_currency"), period: form.get("income_period") }))
}

fn place(form: &Typed) -> PlaceInput {
    PlaceInput { description: form.get("place"), country: form.get("country") }
}

/// Why a form of this module could not become a step.
pub enum StepError {
    Invalid(ValidationErrors),
    Refused(Refusal),
}

impl From<ValidationErrors> for StepError {
    fn from(errors: ValidationErrors) -> Self {
        StepError::Invalid(errors)
    }
}

/// The organisations' names the sections show, by id.
pub type OrganisationNames = BTreeMap<String, String>;
