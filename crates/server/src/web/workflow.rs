//! The case workflow in the pages (issue #5 §2–3): *My work* from the store's
//! work list, the case page's workflow sections and their forms, the
//! approvals queue, and what the receiver of a referral may read.
//!
//! Every form posts with the session's CSRF token and works without
//! JavaScript. A refused step (a rule of the workflow, or a field that does
//! not validate) comes back as the case page, explained in the user's
//! language beside the form, with what was typed kept.

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use safepath_domain::codes::{ApprovalDecision, ApprovalKind, ClosureReason, ReferralReason, ServiceType};
use safepath_domain::ids::CaseId;
use safepath_domain::policy::{case_scope, role_may, Permission};
use safepath_domain::workflow::approval::{Approval, ApprovalInput, DecisionError};
use safepath_domain::workflow::best_interest::{
    BestInterestAssessment, BestInterestAssessmentInput, ChildsViewsInput, ElementFindingInput,
};
use safepath_domain::workflow::closure::{ClosureRequest, ClosureRequestInput};
use safepath_domain::workflow::consent::ConsentOverride;
use safepath_domain::workflow::deadlines::TaskKind;
use safepath_domain::workflow::follow_up::{FollowUp, FollowUpInput, FollowUpType};
use safepath_domain::workflow::plan::{CasePlan, CasePlanInput, ServiceItem, ServiceItemInput};
use safepath_domain::workflow::referral::{CaseSection, NewReferral, ReferralAction, ReferralInput, ReferralOutcome};
use safepath_domain::workflow::transfer::NewTransfer;
use safepath_domain::workflow::vulnerability::{
    AssessmentLevel, VulnerabilityAssessment, VulnerabilityAssessmentInput,
};
use safepath_domain::workflow::{Refusal, RefusalCode};
use safepath_domain::ValidationErrors;
use safepath_store::workflow::{WorkItem, WORK_LIST_LIMIT};
use safepath_store::{
    CaseCommand, CaseFile, CaseHistory, CaseRecord, NewRecord, RecordKind, StoreError, TransferAnswer, WorkView,
};
use serde_json::Value;

use super::case_sections::{self, case_sections, CaseSections, OrganisationNames, SectionStep, StepError};
use super::cases::{case_page, CasePage, Choice};
use super::{error_page, failure, notice_page, page, parse_form, Ui, WebSession};
use crate::today;
use crate::AppState;

fn day_of(ms: i64) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.date_naive())
}

/// What a form sent, kept to fill the form again when it is refused.
#[derive(Default)]
pub struct Typed {
    pub step: String,
    pub fields: Vec<(String, String)>,
}

impl Typed {
    /// The value typed in `field` of the form `step` (empty for other forms).
    pub fn v(&self, step: &str, field: &str) -> String {
        if self.step != step {
            return String::new();
        }
        self.fields.iter().find(|(n, _)| n == field).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The `n`-th value typed in a repeated `field` of the form `step` (rows
    /// of panel members).
    pub fn nth(&self, step: &str, field: &str, n: &usize) -> String {
        if self.step != step {
            return String::new();
        }
        self.fields.iter().filter(|(name, _)| name == field).nth(*n).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Whether `value` was among the values of `field` (checkboxes, selects).
    pub fn has(&self, step: &str, field: &str, value: &str) -> bool {
        self.step == step && self.fields.iter().any(|(n, v)| n == field && v == value)
    }

    pub(super) fn get(&self, field: &str) -> String {
        self.fields.iter().find(|(n, _)| n == field).map(|(_, v)| v.trim().to_string()).unwrap_or_default()
    }

    pub(super) fn optional(&self, field: &str) -> Option<String> {
        Some(self.get(field)).filter(|v| !v.is_empty())
    }

    pub(super) fn all(&self, field: &str) -> Vec<String> {
        self.fields.iter().filter(|(n, _)| n == field).map(|(_, v)| v.clone()).collect()
    }
}

/// A refusal explained: which form, the sentence saying why, and what is missing.
pub struct Problem {
    pub step: String,
    /// The id of the form's section on the page.
    pub anchor: String,
    pub title: String,
    pub details: Vec<String>,
}

/// One line of a workflow section.
pub struct RecordRow {
    pub label: String,
    pub date: String,
    pub summary: String,
}

pub struct PendingApproval {
    pub kind: &'static str,
    /// The form's step name (`approve-bia`).
    pub step: String,
    pub label: String,
    pub requested: String,
}

pub struct ReferralRow {
    pub service: String,
    pub status: String,
    pub until: String,
}

pub struct HistoryRow {
    pub date: String,
    pub text: String,
}

/// The workflow part of the case page.
pub struct Workflow {
    pub assessments: Vec<RecordRow>,
    pub bias: Vec<RecordRow>,
    pub plans: Vec<RecordRow>,
    pub services: Vec<RecordRow>,
    pub follow_ups: Vec<RecordRow>,
    pub closures: Vec<RecordRow>,
    pub pending: Vec<PendingApproval>,
    pub referrals: Vec<ReferralRow>,
    pub history: Vec<HistoryRow>,
    pub may_approve: bool,
    /// A supervisor may share without consent, giving a reason (audited).
    pub may_override_consent: bool,
    pub levels: Vec<Choice>,
    pub service_types: Vec<Choice>,
    pub follow_up_types: Vec<Choice>,
    pub closure_reasons: Vec<Choice>,
    pub referral_reasons: Vec<Choice>,
    pub organisations: Vec<OrgChoice>,
    pub sections: Vec<SectionChoice>,
    /// Indicators, BID, transfer, standards, timelines, perpetrators, notes.
    pub cs: CaseSections,
    pub typed: Typed,
    pub problem: Option<Problem>,
    pub today: String,
}

pub struct OrgChoice {
    pub id: String,
    pub name: String,
}

pub struct SectionChoice {
    pub value: &'static str,
    pub label: String,
}

impl Workflow {
    /// The problem of the form `step`, if it was refused.
    pub fn problem_of(&self, step: &str) -> Option<&Problem> {
        self.problem.as_ref().filter(|p| p.step == step)
    }
}

fn code_choices<T: Copy>(ui: &Ui, all: &[T], wire: fn(T) -> &'static str, prefix: &str) -> Vec<Choice> {
    all.iter()
        .map(|value| {
            let value = wire(*value);
            Choice { value, label: ui.t(&format!("{prefix}-{value}")), selected: false }
        })
        .collect()
}

/// The sections a referral may share (perpetrator records only by a supervisor, not offered here).
const SHAREABLE: &[CaseSection] = &[
    CaseSection::Summary,
    CaseSection::Identity,
    CaseSection::Consents,
    CaseSection::Vulnerability,
    CaseSection::BestInterest,
    CaseSection::CasePlan,
    CaseSection::FollowUps,
];

fn record_row(ui: &Ui, record: &CaseRecord) -> RecordRow {
    row_of(ui, record.kind, &record.data, record.created_at)
}

/// A record as the case page lists it: its kind, its day and a summary of its data.
fn row_of(ui: &Ui, kind: RecordKind, data: &Value, created_at: i64) -> RecordRow {
    let text = |key: &str| data.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let summary = match kind {
        RecordKind::VulnerabilityAssessment => {
            let level = text("level");
            let notes = text("notes");
            [ui.t(&format!("wf-level-{level}")), notes]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ")
        }
        RecordKind::BestInterestAssessment => text("recommendation"),
        RecordKind::CasePlan => data
            .get("goals")
            .and_then(Value::as_array)
            .map(|g| g.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "))
            .unwrap_or_default(),
        RecordKind::Service => {
            let service = ui.t(&format!("wf-service-{}", text("service_type")));
            format!("{service} · {}", ui.language.date_str(&text("due_date")))
        }
        RecordKind::FollowUp => {
            let kind = ui.t(&format!("wf-follow-up-{}", text("kind")));
            format!("{kind} · {}", ui.language.date_str(&text("due_date")))
        }
        RecordKind::ClosureRequest => ui.t(&format!("wf-closure-{}", text("reason"))),
        _ => String::new(),
    };
    RecordRow {
        label: ui.t(&format!("wf-record-{}", kind.as_str())),
        date: day_of(created_at).map(|d| ui.language.date(d)).unwrap_or_default(),
        summary,
    }
}

fn approval_kind_label(ui: &Ui, kind: ApprovalKind) -> String {
    ui.t(&format!("wf-approval-{}", kind.as_str()))
}

/// Builds what the case page shows of the workflow from the case file (one
/// store unit) and the partner directory (the referral and transfer forms).
async fn load_workflow(
    state: &AppState,
    session: &WebSession,
    ui: &Ui,
    file: &CaseFile,
    typed: Typed,
    problem: Option<Problem>,
) -> Result<Workflow, StoreError> {
    let role = session.session.user.role;
    let directory = state.store.list_organisations(&session.session.audit()).await?;
    let names: OrganisationNames = directory.iter().map(|o| (o.id.to_string(), o.name.clone())).collect();
    let organisations = directory
        .into_iter()
        .filter(|o| o.id != session.session.user.organisation_id)
        .map(|o| OrgChoice { id: o.id.to_string(), name: o.name.clone() })
        .collect();
    let records = &file.records;
    let history = &file.history;
    let rows = |kind: RecordKind| records.iter().filter(|r| r.kind == kind).map(|r| record_row(ui, r)).collect();
    let may_approve = role_may(role, Permission::Approve(ApprovalKind::BestInterestAssessment));
    let may_perpetrators = role_may(role, Permission::ReadPerpetrators);
    Ok(Workflow {
        assessments: rows(RecordKind::VulnerabilityAssessment),
        bias: rows(RecordKind::BestInterestAssessment),
        plans: rows(RecordKind::CasePlan),
        services: rows(RecordKind::Service),
        follow_ups: rows(RecordKind::FollowUp),
        closures: rows(RecordKind::ClosureRequest),
        pending: history
            .approvals
            .iter()
            .filter(|a| a.decision.is_none())
            .map(|a| PendingApproval {
                kind: a.kind.as_str(),
                step: format!("approve-{}", a.kind.as_str()),
                label: approval_kind_label(ui, a.kind),
                requested: day_of(a.requested_at).map(|d| ui.language.date(d)).unwrap_or_default(),
            })
            .collect(),
        referrals: history
            .referrals
            .iter()
            .map(|r| ReferralRow {
                service: ui.t(&format!("wf-service-{}", r.service_type.as_str())),
                status: ui.t(&format!("wf-referral-status-{}", r.status.as_str())),
                until: ui.language.date(r.access_until),
            })
            .collect(),
        history: history_rows(ui, history),
        may_approve,
        may_override_consent: role_may(role, Permission::OverrideConsent),
        levels: code_choices(ui, AssessmentLevel::ALL, AssessmentLevel::as_str, "wf-level"),
        service_types: code_choices(ui, ServiceType::ALL, ServiceType::as_str, "wf-service"),
        follow_up_types: code_choices(ui, FollowUpType::ALL, FollowUpType::as_str, "wf-follow-up"),
        closure_reasons: code_choices(ui, ClosureReason::ALL, ClosureReason::as_str, "wf-closure"),
        referral_reasons: code_choices(ui, ReferralReason::ALL, ReferralReason::as_str, "wf-referral-reason"),
        organisations,
        sections: SHAREABLE
            .iter()
            .map(|s| SectionChoice { value: s.as_str(), label: ui.t(&format!("wf-section-{}", s.as_str())) })
            .collect(),
        cs: case_sections(ui, file, &names, may_approve, may_perpetrators),
        typed,
        problem,
        today: today().to_string(),
    })
}

fn history_rows(ui: &Ui, history: &CaseHistory) -> Vec<HistoryRow> {
    let mut rows: Vec<(i64, String)> = history
        .statuses
        .iter()
        .map(|s| {
            let from = ui.t(&format!("code-status-{}", s.from.as_str()));
            let to = ui.t(&format!("code-status-{}", s.to.as_str()));
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("from", from);
            args.set("to", to);
            (s.at, ui.language.message("wf-history-status", Some(&args)))
        })
        .collect();
    for approval in history.approvals.iter() {
        if let Some(decision) = approval.decision {
            let key = match decision {
                ApprovalDecision::Approved => "wf-history-approved",
                _ => "wf-history-rejected",
            };
            let at = approval.decided_on.map(|d| d.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp_millis());
            rows.push((
                at.unwrap_or(approval.requested_at),
                ui.t1(key, "what", &approval_kind_label(ui, approval.kind)),
            ));
        }
    }
    rows.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    rows.into_iter()
        .map(|(at, text)| HistoryRow { date: day_of(at).map(|d| ui.language.date(d)).unwrap_or_default(), text })
        .collect()
}

/// `GET /cases/{id}` with the workflow (or a refused form) rendered in.
pub async fn render_case(
    state: &AppState,
    session: &WebSession,
    id: &CaseId,
    typed: Typed,
    problem: Option<Problem>,
    status: StatusCode,
) -> Response {
    let ui = Ui::for_session(session, "cases");
    let scope = case_scope(&session.session.actor());
    let may_perpetrators = role_may(session.session.user.role, Permission::ReadPerpetrators);
    let file = match state.store.case_file(&session.session.audit(), &scope, id, may_perpetrators).await {
        Ok(file) => file,
        Err(error) => return failure(ui, error.into()),
    };
    let workflow = match load_workflow(state, session, &ui, &file, typed, problem).await {
        Ok(workflow) => workflow,
        Err(error) => return failure(ui, error.into()),
    };
    let page_data: CasePage = case_page(ui, file.case, workflow);
    page(status, &page_data)
}

fn parse_case_id(path: Result<Path<(String, String)>, PathRejection>) -> Option<(CaseId, String)> {
    let Path((raw, step)) = path.ok()?;
    Some((CaseId::parse(&raw).ok()?, step))
}

/// Why a step was refused, in the user's language, with what is missing.
async fn explain_refusal(
    state: &AppState,
    session: &WebSession,
    ui: &Ui,
    id: &CaseId,
    step: &str,
    refusal: &Refusal,
) -> Problem {
    let code = refusal.code.as_str();
    let specific = format!("wf-refusal-{step}-{code}");
    let title = match ui.language.message_if_any(&specific) {
        Some(text) => text,
        None => ui.t(&format!("wf-refusal-{code}")),
    };
    let mut details = Vec::new();
    if refusal.code == RefusalCode::ConsentRequired && role_may(session.session.user.role, Permission::OverrideConsent)
    {
        details.push(ui.t("wf-consent-override-hint"));
    }
    if refusal.code == RefusalCode::BiaNotApproved {
        let scope = case_scope(&session.session.actor());
        let history = state.store.case_history(&session.session.audit(), &scope, id, false).await.ok();
        let bia_recorded = history
            .as_ref()
            .map(|h| h.records.iter().any(|r| r.kind == RecordKind::BestInterestAssessment))
            .unwrap_or(false);
        let latest = history
            .as_ref()
            .and_then(|h| h.approvals.iter().rfind(|a| a.kind == ApprovalKind::BestInterestAssessment).cloned());
        details.push(ui.t("wf-missing-approved-bia"));
        details.push(ui.t(match (bia_recorded, latest.and_then(|a| a.decision)) {
            (false, _) => "wf-missing-no-bia",
            (true, Some(ApprovalDecision::Rejected)) => "wf-missing-bia-rejected",
            (true, _) => "wf-missing-bia-pending",
        }));
    }
    Problem { step: step.to_string(), anchor: anchor_of(step).to_string(), title, details }
}

fn anchor_of(step: &str) -> &str {
    if step.starts_with("approve-") {
        "approvals"
    } else if step.starts_with("transfer") {
        "transfer"
    } else {
        step
    }
}

fn explain_invalid(ui: &Ui, step: &str, errors: &ValidationErrors) -> Problem {
    let mut details: Vec<String> = errors
        .fields
        .keys()
        .map(|path| {
            let field = path.split(['.', '[']).next().unwrap_or_default();
            let label = ui.language.message_if_any(&format!("wf-field-{field}")).unwrap_or_else(|| field.to_string());
            ui.t1("wf-invalid-field", "field", &label)
        })
        .collect();
    details.dedup();
    Problem { step: step.to_string(), anchor: anchor_of(step).to_string(), title: ui.t("wf-invalid-title"), details }
}

/// What a step asks of the store, once the form is parsed.
enum Step {
    Record(Box<NewRecord>),
    Command(CaseCommand),
    Approve(ApprovalKind, ApprovalInput),
    Refer(ReferralInput),
}

fn record(record: NewRecord) -> Step {
    Step::Record(Box::new(record))
}

fn build_step(step: &str, form: &Typed) -> Result<Step, Option<ValidationErrors>> {
    let today = today();
    let invalid = Some;
    Ok(match step {
        "assessment" => record(NewRecord::VulnerabilityAssessment(
            VulnerabilityAssessment::parse(
                VulnerabilityAssessmentInput {
                    level: form.get("level"),
                    date: form.get("date"),
                    factors: Vec::new(),
                    strengths: form.optional("strengths").into_iter().collect(),
                    protective_factors: Vec::new(),
                    notes: form.optional("notes"),
                },
                today,
            )
            .map_err(invalid)?,
        )),
        "bia" => {
            let heard = form.optional("childs_words");
            record(NewRecord::BestInterestAssessment(
                BestInterestAssessment::parse(
                    BestInterestAssessmentInput {
                        kind: "short".into(),
                        date: form.get("date"),
                        childs_views: ChildsViewsInput {
                            language: heard.as_ref().and(form.optional("childs_language")),
                            in_own_words: heard,
                            not_heard_because: form.optional("not_heard_because"),
                        },
                        elements: vec![ElementFindingInput {
                            element: "protection_and_safety".into(),
                            findings: form.get("protection"),
                        }],
                        recommendation: form.get("recommendation"),
                    },
                    today,
                )
                .map_err(invalid)?,
            ))
        }
        "plan" => record(NewRecord::CasePlan(
            CasePlan::parse(
                CasePlanInput {
                    goals: form.optional("goal").into_iter().collect(),
                    services: vec![service_input(form)],
                },
                today,
            )
            .map_err(invalid)?,
        )),
        "service" => record(NewRecord::Service(ServiceItem::parse(service_input(form), today).map_err(invalid)?)),
        "follow-up" => record(NewRecord::FollowUp(
            FollowUp::parse(
                FollowUpInput {
                    due_date: form.get("due_date"),
                    done_date: None,
                    kind: form.get("kind"),
                    notes: form.optional("notes"),
                    outcome: None,
                },
                today,
            )
            .map_err(invalid)?,
        )),
        "closure" => Step::Command(CaseCommand::RequestClosure(
            ClosureRequest::parse(ClosureRequestInput {
                reason: form.optional("reason"),
                details: form.optional("details"),
            })
            .map_err(invalid)?,
        )),
        "transfer-complete" => Step::Command(CaseCommand::CompleteTransfer),
        "transfer-cancel" => Step::Command(CaseCommand::CancelTransfer),
        "referral" => Step::Refer(ReferralInput {
            to_organisation: form.get("to_organisation"),
            to_user: None,
            reason: form.get("reason"),
            details: form.optional("details"),
            service_type: form.get("service_type"),
            sections: form.all("section"),
            access_until: form.get("access_until"),
        }),
        approval => {
            let kind = approval.strip_prefix("approve-").and_then(|k| ApprovalKind::parse(k).ok()).ok_or(None)?;
            Step::Approve(kind, ApprovalInput { decision: form.get("decision"), comment: form.optional("comment") })
        }
    })
}

fn service_input(form: &Typed) -> ServiceItemInput {
    ServiceItemInput {
        service_type: form.get("service_type"),
        provider_organisation_id: None,
        provider_name: form.optional("provider_name"),
        due_date: form.get("due_date"),
        status: None,
        notes: None,
    }
}

/// `POST /cases/{id}/workflow/{step}`: one workflow step from its form. Done:
/// back to the case page at the section. Refused: the case page again, the
/// refusal explained beside the form, what was typed kept.
pub async fn step(
    State(state): State<AppState>,
    session: WebSession,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Response {
    let fields: Vec<(String, String)> = parse_form(&body).unwrap_or_default();
    let csrf = fields.iter().find(|(n, _)| n == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if let Some(refused) = session.refuse_forged(csrf) {
        return refused;
    }
    let ui = Ui::for_session(&session, "cases");
    let Some((id, step)) = parse_case_id(path) else {
        return error_page(ui, StatusCode::NOT_FOUND);
    };
    let typed = Typed { step: step.clone(), fields };
    let ctx = session.session.audit();
    let actor = session.session.actor();
    let scope = case_scope(&actor);
    // The perpetrators section does not exist for those who may not read it.
    if step == "perpetrator" && !role_may(actor.role, Permission::ReadPerpetrators) {
        return error_page(ui, StatusCode::NOT_FOUND);
    }
    if step == "note" && !role_may(actor.role, Permission::RecordCaseWork) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    // A supervisor's reason for sharing without consent (referral, transfer);
    // from any other role a refusal, whatever the form was made to send.
    let over =
        typed.optional("consent_override_reason").map(|reason| ConsentOverride::authorise(&reason, &actor)).transpose();
    let outcome = match case_sections::build_step(&step, &typed, &actor, today()) {
        Err(StepError::Invalid(errors)) => Err(StoreError::Invalid(errors)),
        Err(StepError::Refused(refusal)) => Err(StoreError::Refused(refusal)),
        Ok(Some(SectionStep::Record(record))) => {
            state.store.add_case_record(&ctx, &scope, &id, *record).await.map(|_| ())
        }
        Ok(Some(SectionStep::Note(note))) => state.store.add_case_note(&ctx, &scope, &id, note).await.map(|_| ()),
        Ok(Some(SectionStep::Transfer(input))) => match (NewTransfer::parse(input, &actor.organisation_id), over) {
            (Ok(transfer), Ok(over)) => {
                state.store.request_transfer(&ctx, &scope, &id, transfer, over).await.map(|_| ())
            }
            (Err(errors), _) => Err(StoreError::Invalid(errors)),
            (_, Err(refusal)) => Err(StoreError::Refused(refusal)),
        },
        Ok(None) => match build_step(&step, &typed) {
            Err(None) => return error_page(ui, StatusCode::NOT_FOUND),
            Err(Some(errors)) => Err(StoreError::Invalid(errors)),
            Ok(Step::Record(record)) => state.store.add_case_record(&ctx, &scope, &id, *record).await.map(|_| ()),
            Ok(Step::Command(command)) => state.store.case_command(&ctx, &scope, &id, command).await.map(|_| ()),
            Ok(Step::Approve(kind, input)) => match Approval::decide(kind, input, &actor, today()) {
                Ok(approval) => state.store.decide_approval(&ctx, &scope, &id, approval).await.map(|_| ()),
                Err(DecisionError::Refused(refusal)) => Err(StoreError::Refused(refusal)),
                Err(DecisionError::Invalid(errors)) => Err(StoreError::Invalid(errors)),
            },
            Ok(Step::Refer(input)) => match (NewReferral::parse(input, &actor.organisation_id, today()), over) {
                (Ok(referral), Ok(over)) => {
                    state.store.create_referral(&ctx, &scope, &id, referral, over).await.map(|_| ())
                }
                (Err(errors), _) => Err(StoreError::Invalid(errors)),
                (_, Err(refusal)) => Err(StoreError::Refused(refusal)),
            },
        },
    };
    let anchor = anchor_of(&step);
    match outcome {
        Ok(()) => Redirect::to(&format!("/cases/{id}#{anchor}")).into_response(),
        Err(StoreError::Refused(refusal)) => {
            let status = match refusal.code {
                RefusalCode::RoleNotPermitted => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            };
            let problem = explain_refusal(&state, &session, &ui, &id, &step, &refusal).await;
            render_case(&state, &session, &id, typed, Some(problem), status).await
        }
        Err(StoreError::Invalid(errors)) => {
            let problem = explain_invalid(&ui, &step, &errors);
            render_case(&state, &session, &id, typed, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => failure(ui, error.into()),
    }
}

/// One line of *My work*'s workflow lists.
pub struct WorkRow {
    pub href: String,
    pub reference: String,
    pub what: String,
    pub when: String,
}

/// *My work*'s workflow lists.
pub struct WorkLists {
    pub overdue: Vec<WorkRow>,
    pub overdue_total: String,
    /// More overdue tasks than shown: the page links to a longer list.
    pub overdue_more: bool,
    pub upcoming: Vec<WorkRow>,
    pub upcoming_total: String,
    pub upcoming_more: bool,
    pub approvals: Vec<WorkRow>,
    pub referrals: Vec<WorkRow>,
    pub transfers: Vec<WorkRow>,
}

fn task_key(kind: &TaskKind) -> &'static str {
    match kind {
        TaskKind::Assign => "my-work-task-assign",
        TaskKind::FirstResponse => "my-work-task-first-response",
        TaskKind::CasePlan => "my-work-task-case-plan",
        TaskKind::FollowUp => "my-work-task-follow-up",
        TaskKind::ScheduledFollowUp => "my-work-task-scheduled-follow-up",
        TaskKind::Service { .. } => "my-work-task-service",
        TaskKind::BidReview => "my-work-task-bid-review",
    }
}

/// A capped count as a person reads it: "1,000+" when the count stopped.
fn total(ui: &Ui, count: usize, capped: bool) -> String {
    let number = ui.language.number(count as i64);
    if capped {
        format!("{number}+")
    } else {
        number
    }
}

/// The user's work list, as *My work* shows it: the first `limit` tasks of
/// each list.
pub async fn work_lists(
    state: &AppState,
    session: &WebSession,
    ui: &Ui,
    limit: usize,
) -> Result<WorkLists, StoreError> {
    let scope = case_scope(&session.session.actor());
    let work: WorkView = state.store.work_page(&session.session.audit(), &scope, Utc::now(), limit).await?;
    let task = |item: &WorkItem| WorkRow {
        href: format!("/cases/{}", item.case_id),
        reference: item.reference.clone(),
        what: ui.t(task_key(&item.task.kind)),
        when: ui.language.date(item.task.due_at.date_naive()),
    };
    Ok(WorkLists {
        overdue_more: work.overdue.len() < work.overdue_total && limit < WORK_LIST_LIMIT,
        overdue: work.overdue.iter().map(task).collect(),
        overdue_total: total(ui, work.overdue_total, work.overdue_total_capped),
        upcoming_more: work.upcoming.len() < work.upcoming_total && limit < WORK_LIST_LIMIT,
        upcoming: work.upcoming.iter().map(task).collect(),
        upcoming_total: total(ui, work.upcoming_total, work.upcoming_total_capped),
        approvals: work
            .approvals
            .iter()
            .map(|a| WorkRow {
                href: format!("/cases/{}#approvals", a.case_id),
                reference: String::new(),
                what: ui.t(&format!("my-work-approval-{}", a.kind.as_str())),
                when: day_of(a.requested_at).map(|d| ui.language.date(d)).unwrap_or_default(),
            })
            .collect(),
        referrals: work
            .referrals
            .iter()
            .map(|r| WorkRow {
                href: format!("/referrals/{}", r.id),
                reference: String::new(),
                what: ui.t("my-work-referral"),
                when: ui.language.date(r.access_until),
            })
            .collect(),
        transfers: work
            .transfers
            .iter()
            .map(|t| WorkRow {
                href: format!("/transfers/{}", t.id),
                reference: format!("{} → {}", t.from_country, t.to_country),
                what: ui.t("my-work-transfer"),
                when: day_of(t.created_at).map(|d| ui.language.date(d)).unwrap_or_default(),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    ui: Ui,
    rows: Vec<WorkRow>,
}

/// `GET /approvals`: the supervisor's queue.
pub async fn approvals(State(state): State<AppState>, session: WebSession) -> Response {
    let ui = Ui::for_session(&session, "approvals");
    if !role_may(session.session.user.role, Permission::Approve(ApprovalKind::BestInterestAssessment)) {
        return error_page(ui, StatusCode::FORBIDDEN);
    }
    let scope = case_scope(&session.session.actor());
    let pending = match state.store.pending_approvals(&session.session.audit(), &scope).await {
        Ok(pending) => pending,
        Err(error) => return failure(ui, error.into()),
    };
    let rows = pending
        .iter()
        .map(|a| WorkRow {
            href: format!("/cases/{}#approvals", a.case_id),
            reference: String::new(),
            what: approval_kind_label(&ui, a.kind),
            when: day_of(a.requested_at).map(|d| ui.language.date(d)).unwrap_or_default(),
        })
        .collect();
    page(StatusCode::OK, &ApprovalsPage { ui, rows })
}

/// A shared section as the receiver reads it.
pub struct SharedSection {
    pub key: &'static str,
    pub title: String,
    pub lines: Vec<SharedLine>,
}

/// One line of a shared section: what it is, and what was recorded.
pub struct SharedLine {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralPage {
    ui: Ui,
    id: String,
    service: String,
    status: String,
    until: String,
    sections: Vec<SharedSection>,
    problem: Option<String>,
}

/// A shared section in the receiver's language: each record of the case as
/// the case page summarises it, other data as labelled fields. Internal ids,
/// authors and raw timestamps are not shown: they mean nothing to a partner.
fn shared_lines(ui: &Ui, value: &Value) -> Vec<SharedLine> {
    let mut out = Vec::new();
    let items = match value {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    for item in items {
        match shared_record(ui, item) {
            Some(row) => out.push(SharedLine {
                label: [row.label, row.date].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · "),
                value: row.summary,
            }),
            None => shared_fields(ui, item, "", &mut out),
        }
    }
    out
}

/// A stored record of the case (`kind`, `data`, `created_at`), if `item` is one.
fn shared_record(ui: &Ui, item: &Value) -> Option<RecordRow> {
    let kind = RecordKind::parse(item.get("kind")?.as_str()?).ok()?;
    Some(row_of(ui, kind, item.get("data")?, item.get("created_at")?.as_i64()?))
}

fn shared_fields(ui: &Ui, value: &Value, key: &str, out: &mut Vec<SharedLine>) {
    let mut push = |value: String| out.push(SharedLine { label: shared_label(ui, key), value });
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                shared_fields(ui, v, k, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                shared_fields(ui, v, key, out);
            }
        }
        Value::Null => {}
        Value::Bool(b) => push(ui.t(if *b { "shared-yes" } else { "shared-no" })),
        Value::Number(n) => push(n.to_string()),
        Value::String(s) => push(shared_value(ui, key, s)),
    }
}

/// A field's name in the reader's language (the forms' labels), else the name itself.
fn shared_label(ui: &Ui, key: &str) -> String {
    [format!("wf-field-{key}"), format!("field-{}", key.replace('_', "-"))]
        .iter()
        .find_map(|id| ui.language.message_if_any(id))
        .unwrap_or_else(|| key.replace('_', " "))
}

/// Code lists whose labels live under another prefix than `code-{field}`.
const SHARED_CODE_PREFIXES: &[(&str, &str)] =
    &[("risk_level", "code-risk"), ("service_type", "wf-service"), ("level", "wf-level")];

/// A value in the reader's language: dates as they write them, codes by their
/// label; free text as written.
fn shared_value(ui: &Ui, key: &str, raw: &str) -> String {
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return ui.language.date(date);
    }
    let prefix = SHARED_CODE_PREFIXES
        .iter()
        .find(|(field, _)| *field == key)
        .map(|(_, prefix)| (*prefix).to_string())
        .unwrap_or_else(|| format!("code-{key}"));
    case_sections::data_label(ui, &prefix, raw, raw)
}

async fn show_referral(
    state: &AppState,
    session: &WebSession,
    id: &str,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let ui = Ui::for_session(session, "my-work");
    let shared = match state.store.referred_case(&session.session.audit(), id, None, today()).await {
        Ok(shared) => shared,
        Err(error) => return failure(ui, error.into()),
    };
    let sections = shared
        .sections
        .iter()
        .map(|(section, value)| SharedSection {
            key: section.as_str(),
            title: ui.t(&format!("wf-section-{}", section.as_str())),
            lines: shared_lines(&ui, value),
        })
        .collect();
    let r = &shared.referral;
    let page_data = ReferralPage {
        id: r.id.clone(),
        service: ui.t(&format!("wf-service-{}", r.service_type.as_str())),
        status: ui.t(&format!("wf-referral-status-{}", r.status.as_str())),
        until: ui.language.date(r.access_until),
        sections,
        problem,
        ui,
    };
    page(status, &page_data)
}

/// A receiver's answer form (referral or transfer): its fields once the CSRF
/// token is checked, and the page frame to answer in; the refusal otherwise.
fn answer_form(session: &WebSession, body: &[u8]) -> Result<(Typed, Ui), Box<Response>> {
    let fields: Vec<(String, String)> = parse_form(body).unwrap_or_default();
    let form = Typed { step: "answer".into(), fields };
    if let Some(refused) = session.refuse_forged(&form.get("csrf")) {
        return Err(Box::new(refused));
    }
    Ok((form, Ui::for_session(session, "my-work")))
}

/// `GET /referrals/{id}`: what the receiver may read, only the shared sections.
pub async fn referral(State(state): State<AppState>, session: WebSession, Path(id): Path<String>) -> Response {
    show_referral(&state, &session, &id, None, StatusCode::OK).await
}

/// `GET /referrals/answered?as=decline|complete`: the receiver's answer
/// confirmed once its access to the case has ended; nothing of the case shown.
pub async fn referral_answered(session: WebSession, RawQuery(raw): RawQuery) -> Response {
    let ui = Ui::for_session(&session, "my-work");
    let body_key = match raw.as_deref() {
        Some("as=decline") => "referral-declined-body",
        _ => "referral-completed-body",
    };
    notice_page(ui, "referral-answered-title", body_key)
}

/// `POST /referrals/{id}`: accept, decline or complete (with the outcome).
pub async fn referral_answer(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (form, ui) = match answer_form(&session, &body) {
        Ok(parsed) => parsed,
        Err(refused) => return *refused,
    };
    let (action, outcome) = match form.get("action").as_str() {
        "accept" => (ReferralAction::Accept, None),
        "decline" => (ReferralAction::Decline, None),
        "complete" => match ReferralOutcome::parse(&form.get("outcome")) {
            Ok(outcome) => (ReferralAction::Complete, Some(outcome)),
            Err(_) => {
                let text = ui.t1("wf-invalid-field", "field", &ui.t("wf-field-outcome"));
                return show_referral(&state, &session, &id, Some(text), StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        },
        _ => return error_page(ui, StatusCode::BAD_REQUEST),
    };
    match state.store.referral_action(&session.session.audit(), &id, action, outcome).await {
        // Accepting keeps the receiver's access; declining or completing ends
        // it, so the answer is confirmed on a page that shows nothing of the case.
        Ok(_) if action == ReferralAction::Accept => Redirect::to(&format!("/referrals/{id}")).into_response(),
        Ok(_) => Redirect::to(&format!("/referrals/answered?as={}", action.as_str())).into_response(),
        Err(StoreError::Refused(refusal)) => {
            let text = ui.t(&format!("wf-refusal-{}", refusal.code.as_str()));
            show_referral(&state, &session, &id, Some(text), StatusCode::CONFLICT).await
        }
        Err(error) => failure(ui, error.into()),
    }
}

#[derive(Template)]
#[template(path = "transfer.html")]
struct TransferPage {
    ui: Ui,
    id: String,
    from: String,
    countries: String,
    reason: String,
    details: String,
    separates: bool,
    status: String,
    answerable: bool,
    date: String,
    problem: Option<String>,
}

async fn show_transfer(
    state: &AppState,
    session: &WebSession,
    id: &str,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let ui = Ui::for_session(session, "my-work");
    let ctx = session.session.audit();
    let transfer = match state.store.incoming_transfer(&ctx, id).await {
        Ok(transfer) => transfer,
        Err(error) => return failure(ui, error.into()),
    };
    let from = match state.store.list_organisations(&ctx).await {
        Ok(list) => list.into_iter().find(|o| o.id == transfer.from_organisation).map(|o| o.name).unwrap_or_default(),
        Err(error) => return failure(ui, error.into()),
    };
    let page_data = TransferPage {
        id: transfer.id.clone(),
        from,
        countries: format!("{} → {}", transfer.from_country, transfer.to_country),
        reason: ui.t(&format!("wf-referral-reason-{}", transfer.reason)),
        details: transfer.details.clone().unwrap_or_default(),
        separates: transfer.separates_from_parents,
        status: ui.t(&format!("cs-transfer-status-{}", transfer.status)),
        answerable: transfer.status == "requested",
        date: day_of(transfer.created_at).map(|d| ui.language.date(d)).unwrap_or_default(),
        problem,
        ui,
    };
    page(status, &page_data)
}

/// `GET /transfers/{id}`: a transfer addressed to the user's organisation,
/// to accept or decline (the case itself stays out of reach until it is
/// completed and the case becomes the receiver's).
pub async fn transfer(State(state): State<AppState>, session: WebSession, Path(id): Path<String>) -> Response {
    if !role_may(session.session.user.role, Permission::RespondToReferral) {
        return error_page(Ui::for_session(&session, "my-work"), StatusCode::NOT_FOUND);
    }
    show_transfer(&state, &session, &id, None, StatusCode::OK).await
}

/// `POST /transfers/{id}`: the receiver accepts or declines.
pub async fn transfer_answer(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (form, ui) = match answer_form(&session, &body) {
        Ok(parsed) => parsed,
        Err(refused) => return *refused,
    };
    if !role_may(session.session.user.role, Permission::RespondToReferral) {
        return error_page(ui, StatusCode::NOT_FOUND);
    }
    let answer = match form.get("action").as_str() {
        "accept" => TransferAnswer::Accept,
        "decline" => TransferAnswer::Decline,
        _ => return error_page(ui, StatusCode::BAD_REQUEST),
    };
    match state.store.answer_transfer(&session.session.audit(), &id, answer).await {
        Ok(_) => Redirect::to(&format!("/transfers/{id}")).into_response(),
        Err(StoreError::Refused(refusal)) => {
            let text = ui.t(&format!("wf-refusal-{}", refusal.code.as_str()));
            show_transfer(&state, &session, &id, Some(text), StatusCode::CONFLICT).await
        }
        Err(error) => failure(ui, error.into()),
    }
}
