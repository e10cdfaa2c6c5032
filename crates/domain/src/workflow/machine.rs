//! The case workflow of DOMAIN.md as a state machine.
//!
//! ```text
//! identified → registered → assessment → best_interest → case_plan → implementation → follow_up
//!   every one of these ──► closure_requested → closed (a supervisor approves)   closed ──► assessment (reopen)
//!   every one of these ──► transfer_requested → transferred → assessment (the new owner takes the case up)
//!   any state but duplicate ──► duplicate (merged into another case) ──► the state before (unmerge)
//! ```
//!
//! [`transition`] decides *whether the case may move*, from the status and the
//! [`Facts`] the store gathered (an approved best-interest assessment, a
//! closure reason…). Whether the *person* may do it is the policy's question
//! ([`crate::policy::may_perform`]); [`perform`] asks both, role first, so a
//! caseworker who tries to approve a closure hears "forbidden" (403) rather
//! than a rule about the case (409).
//!
//! Why the machine is strictly linear: DOMAIN.md draws one path, and every
//! step is where a rule bites (no plan before an approved BIA, no services
//! beyond immediate protection before it, no closure without a supervisor).
//! Assessments, follow-ups and services are records that repeat *inside* a
//! status; they do not need the status to move backwards.
//!
//! Where DOMAIN.md is silent, these choices were made (and are tested):
//! - a closure request can be rejected and a transfer request cancelled (or
//!   declined by the receiver); the case returns to the status it held before
//!   the request ([`Facts::status_before_request`]), through the same gates;
//! - `transferred` is not an end: the new owner takes the case up with
//!   [`Action::ResumeAfterTransfer`], back to `assessment`, because a child in
//!   a new country needs assessing there;
//! - a transfer across a border needs a best-interest determination: moving a
//!   child to another country is a durable-solution decision (return or third
//!   country). Within one country it needs one only when it separates the
//!   child from their parents ([`TransferFacts::requires_bid`]);
//! - neither a `closure_requested` nor a `transfer_requested` case can start
//!   the other request: one pending decision at a time;
//! - reopening and marking a duplicate undo or merge work that a supervisor
//!   signed off, so they are the supervisor's ([`crate::policy::may_perform`]);
//! - a merge can be undone ([`Action::Unmerge`]): the case returns to the
//!   status it held when merged ([`Facts::status_before_merge`]), through the
//!   same gates as any other step, and the status history shows both moves.

use serde::Serialize;

use crate::codes::{code_list, CaseStatus, ClosureReason, Role};
use crate::ids::CaseId;
use crate::policy;
use crate::workflow::consent::SharingBasis;

code_list!(
    /// Everything that moves a case from one status to another. The wire name
    /// is what an API path or a status-history row carries.
    Action {
        /// identified → registered: the alert or first contact becomes a case.
        Register = "register",
        /// registered → assessment.
        StartAssessment = "start_assessment",
        /// assessment → best_interest: the best-interest assessment begins.
        StartBestInterest = "start_best_interest",
        /// best_interest → case_plan: needs an approved best-interest assessment.
        StartCasePlan = "start_case_plan",
        /// case_plan → implementation: needs an approved case plan.
        StartImplementation = "start_implementation",
        /// implementation → follow_up.
        StartFollowUp = "start_follow_up",
        /// any open status → closure_requested, with a closure reason.
        RequestClosure = "request_closure",
        /// closure_requested → closed: the supervisor's approval.
        ApproveClosure = "approve_closure",
        /// closure_requested → the status before the request.
        RejectClosure = "reject_closure",
        /// any open status → transfer_requested, with a basis for sharing.
        RequestTransfer = "request_transfer",
        /// transfer_requested → transferred: consent, a BID where required,
        /// supervisor approval and the receiver's acceptance.
        CompleteTransfer = "complete_transfer",
        /// transfer_requested → the status before the request (withdrawn, or
        /// declined by the receiver).
        CancelTransfer = "cancel_transfer",
        /// transferred → assessment: the new owner takes the case up and
        /// assesses the child in their new setting.
        ResumeAfterTransfer = "resume_after_transfer",
        /// closed → assessment.
        Reopen = "reopen",
        /// any status but duplicate → duplicate: merged into another case.
        MarkDuplicate = "mark_duplicate",
        /// duplicate → the status before the merge: a supervisor found the
        /// two cases are different children after all.
        Unmerge = "unmerge",
    }
);

/// The statuses in which work on the child goes on: the ones from which a
/// closure or a transfer may be requested.
pub const OPEN_STATUSES: [CaseStatus; 7] = [
    CaseStatus::Identified,
    CaseStatus::Registered,
    CaseStatus::Assessment,
    CaseStatus::BestInterest,
    CaseStatus::CasePlan,
    CaseStatus::Implementation,
    CaseStatus::FollowUp,
];

/// Whether work on the child goes on in `status` (see [`OPEN_STATUSES`]).
pub fn is_open(status: CaseStatus) -> bool {
    OPEN_STATUSES.contains(&status)
}

/// What the rules need to know about a case beyond its status. The store
/// gathers these from its records; nothing here reads a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// A best-interest assessment exists and a supervisor approved it.
    pub bia_approved: bool,
    /// A best-interest determination (panel decision) is recorded.
    pub bid_exists: bool,
    /// The current case plan was approved by a supervisor.
    pub case_plan_approved: bool,
    /// The reason given with the closure request.
    pub closure_reason: Option<ClosureReason>,
    /// The status the case held before the pending closure or transfer
    /// request: where a rejection or a cancellation takes it back.
    pub status_before_request: Option<CaseStatus>,
    /// The pending (or proposed) transfer, if any.
    pub transfer: Option<TransferFacts>,
    /// The case this one is a duplicate of.
    pub duplicate_of: Option<CaseId>,
    /// The status the case held when it was merged as a duplicate: where
    /// undoing the merge takes it back.
    pub status_before_merge: Option<CaseStatus>,
}

/// What a transfer to another organisation needs (DOMAIN.md, Transfer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferFacts {
    /// The receiving organisation works in another country than the child is
    /// in now: the child moves across a border.
    pub cross_border: bool,
    /// The transfer separates the child from their parents against their will.
    pub separates_from_parents: bool,
    /// Why the case may be shared with the receiver: consent, or an override.
    pub sharing: Option<SharingBasis>,
    /// A supervisor of the owning organisation approved the transfer.
    pub supervisor_approved: bool,
    /// The receiving organisation accepted the case.
    pub receiver_accepted: bool,
}

impl TransferFacts {
    /// Whether this transfer needs a best-interest determination first.
    ///
    /// Moving a child across a border is a durable-solution decision (return
    /// to the country of origin, or a third country), and DOMAIN.md requires a
    /// BID before those and before a separation from the parents against their
    /// will. A transfer between organisations in one country, with the child
    /// staying with their family, is a change of who works on the case and
    /// needs no panel.
    pub fn requires_bid(&self) -> bool {
        self.cross_border || self.separates_from_parents
    }
}

code_list!(
    /// Why a workflow step was refused: stable, machine-readable, one per rule.
    RefusalCode {
        /// The actor's role may never do this (403).
        RoleNotPermitted = "role_not_permitted",
        /// The action does not apply to the case's current status.
        NotAllowedFromStatus = "not_allowed_from_status",
        /// A best-interest assessment approved by a supervisor is needed first.
        BiaNotApproved = "bia_not_approved",
        /// A best-interest determination is needed first.
        BidRequired = "bid_required",
        /// The case plan has not been approved.
        CasePlanNotApproved = "case_plan_not_approved",
        /// Nothing may be shared without consent or a supervisor's override.
        ConsentRequired = "consent_required",
        /// An override of consent needs a written reason.
        OverrideReasonRequired = "override_reason_required",
        /// A supervisor's approval is needed first.
        SupervisorApprovalRequired = "supervisor_approval_required",
        /// The receiving organisation has not accepted.
        ReceiverNotAccepted = "receiver_not_accepted",
        /// A closure needs a reason from the closure-reason list.
        ClosureReasonRequired = "closure_reason_required",
        /// There is no transfer to act on.
        NoTransfer = "no_transfer",
        /// The status before the pending request is not known (or not open).
        PreviousStatusUnknown = "previous_status_unknown",
        /// A duplicate must name the case it duplicates.
        DuplicateTargetRequired = "duplicate_target_required",
        /// The referral outcome must be reported when completing it.
        OutcomeRequired = "outcome_required",
    }
);

/// How a refusal should be answered: the server maps these to 403 and 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The role never may (403).
    Forbidden,
    /// The case (or referral) is not in a state that allows it (409).
    Conflict,
}

impl RefusalCode {
    pub fn kind(self) -> RefusalKind {
        match self {
            RefusalCode::RoleNotPermitted => RefusalKind::Forbidden,
            _ => RefusalKind::Conflict,
        }
    }
}

/// A workflow step that was refused: a stable code for programs and an
/// English sentence for people, saying what is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub code: RefusalCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        Refusal { code, message: message.into() }
    }

    pub fn kind(&self) -> RefusalKind {
        self.code.kind()
    }
}

fn wrong_status(action: Action, status: CaseStatus) -> Refusal {
    Refusal::new(
        RefusalCode::NotAllowedFromStatus,
        format!("\"{action}\" is not possible while the case is \"{status}\""),
    )
}

fn require(condition: bool, code: RefusalCode, message: &str) -> Result<(), Refusal> {
    if condition {
        Ok(())
    } else {
        Err(Refusal::new(code, message))
    }
}

fn require_bia(facts: &Facts) -> Result<(), Refusal> {
    require(
        facts.bia_approved,
        RefusalCode::BiaNotApproved,
        "a case plan needs a best-interest assessment approved by a supervisor",
    )
}

fn status_before_request(facts: &Facts) -> Result<CaseStatus, Refusal> {
    match facts.status_before_request {
        Some(status) if is_open(status) => Ok(status),
        _ => Err(Refusal::new(
            RefusalCode::PreviousStatusUnknown,
            "the status the case held before the request is not known",
        )),
    }
}

/// Checks everything a completed transfer needs (DOMAIN.md, Transfer).
pub fn check_transfer_complete(facts: &Facts) -> Result<(), Refusal> {
    let Some(transfer) = &facts.transfer else {
        return Err(Refusal::new(RefusalCode::NoTransfer, "there is no transfer request for this case"));
    };
    require(
        transfer.sharing.is_some(),
        RefusalCode::ConsentRequired,
        "a transfer shares the case: it needs consent for sharing, or a supervisor's override with a reason",
    )?;
    if transfer.requires_bid() {
        require(
            facts.bid_exists,
            RefusalCode::BidRequired,
            "a transfer across a border, or one that separates the child from their parents, \
             needs a best-interest determination",
        )?;
    }
    require(
        transfer.supervisor_approved,
        RefusalCode::SupervisorApprovalRequired,
        "a transfer needs the approval of a supervisor of the owning organisation",
    )?;
    require(
        transfer.receiver_accepted,
        RefusalCode::ReceiverNotAccepted,
        "the receiving organisation has not accepted the transfer",
    )
}

/// THE workflow rule: the status `action` takes a case in `status` to, or why
/// it may not. The actor's role is not considered here (see [`perform`]).
///
/// Architecture Invariant: a case is never in `case_plan` or later without an
/// approved best-interest assessment, nor in `implementation` or `follow_up`
/// without an approved case plan — whichever way it got there, including back
/// from a rejected closure or a cancelled transfer.
pub fn transition(status: CaseStatus, action: Action, facts: &Facts) -> Result<CaseStatus, Refusal> {
    let to = target(status, action, facts)?;
    check_gates(to, facts)?;
    Ok(to)
}

/// The gates a status lies behind (see the invariant on [`transition`]).
fn check_gates(to: CaseStatus, facts: &Facts) -> Result<(), Refusal> {
    if matches!(to, CaseStatus::CasePlan | CaseStatus::Implementation | CaseStatus::FollowUp) {
        require_bia(facts)?;
    }
    if matches!(to, CaseStatus::Implementation | CaseStatus::FollowUp) {
        require(
            facts.case_plan_approved,
            RefusalCode::CasePlanNotApproved,
            "services under the case plan start once a supervisor approved the plan",
        )?;
    }
    Ok(())
}

fn target(status: CaseStatus, action: Action, facts: &Facts) -> Result<CaseStatus, Refusal> {
    use CaseStatus as S;
    let from = |expected: CaseStatus| if status == expected { Ok(()) } else { Err(wrong_status(action, status)) };
    match action {
        Action::Register => from(S::Identified).map(|()| S::Registered),
        Action::StartAssessment => from(S::Registered).map(|()| S::Assessment),
        Action::StartBestInterest => from(S::Assessment).map(|()| S::BestInterest),
        Action::StartCasePlan => from(S::BestInterest).map(|()| S::CasePlan),
        Action::StartImplementation => from(S::CasePlan).map(|()| S::Implementation),
        Action::StartFollowUp => from(S::Implementation).map(|()| S::FollowUp),
        Action::RequestClosure => {
            if !is_open(status) {
                return Err(wrong_status(action, status));
            }
            require(
                facts.closure_reason.is_some(),
                RefusalCode::ClosureReasonRequired,
                "a closure needs a reason from the list of closure reasons",
            )?;
            Ok(S::ClosureRequested)
        }
        Action::ApproveClosure => {
            from(S::ClosureRequested)?;
            require(
                facts.closure_reason.is_some(),
                RefusalCode::ClosureReasonRequired,
                "a closure needs a reason from the list of closure reasons",
            )?;
            Ok(S::Closed)
        }
        Action::RejectClosure => {
            from(S::ClosureRequested)?;
            status_before_request(facts)
        }
        Action::RequestTransfer => {
            if !is_open(status) {
                return Err(wrong_status(action, status));
            }
            let Some(transfer) = &facts.transfer else {
                return Err(Refusal::new(RefusalCode::NoTransfer, "a transfer request must name its receiver"));
            };
            require(
                transfer.sharing.is_some(),
                RefusalCode::ConsentRequired,
                "a transfer shares the case: it needs consent for sharing, or a supervisor's override with a reason",
            )?;
            Ok(S::TransferRequested)
        }
        Action::CompleteTransfer => {
            from(S::TransferRequested)?;
            check_transfer_complete(facts)?;
            Ok(S::Transferred)
        }
        Action::CancelTransfer => {
            from(S::TransferRequested)?;
            status_before_request(facts)
        }
        Action::ResumeAfterTransfer => from(S::Transferred).map(|()| S::Assessment),
        Action::Reopen => from(S::Closed).map(|()| S::Assessment),
        Action::MarkDuplicate => {
            if status == S::Duplicate {
                return Err(wrong_status(action, status));
            }
            require(
                facts.duplicate_of.is_some(),
                RefusalCode::DuplicateTargetRequired,
                "a duplicate must name the case it duplicates",
            )?;
            Ok(S::Duplicate)
        }
        Action::Unmerge => {
            from(S::Duplicate)?;
            match facts.status_before_merge {
                Some(before) if before != S::Duplicate => Ok(before),
                _ => Err(Refusal::new(
                    RefusalCode::PreviousStatusUnknown,
                    "the status the case held before it was merged is not known",
                )),
            }
        }
    }
}

/// Asks the policy whether `role` may take `action` at all, then the rules
/// whether the case may move. This is what a handler calls.
pub fn perform(role: Role, status: CaseStatus, action: Action, facts: &Facts) -> Result<CaseStatus, Refusal> {
    if !policy::may_perform(role, action) {
        return Err(Refusal::new(RefusalCode::RoleNotPermitted, format!("a {role} may not \"{action}\" a case")));
    }
    transition(status, action, facts)
}

/// Every action that applies to `status` (whatever the facts), for a user
/// interface to offer, with what [`perform`] would answer now for `role`.
pub fn next_actions(role: Role, status: CaseStatus, facts: &Facts) -> Vec<(Action, Result<CaseStatus, Refusal>)> {
    Action::ALL
        .iter()
        .map(|&action| (action, perform(role, status, action, facts)))
        .filter(|(_, outcome)| !matches!(outcome, Err(r) if r.code == RefusalCode::NotAllowedFromStatus))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_why_in_english() {
        let refusal = transition(CaseStatus::BestInterest, Action::StartCasePlan, &Facts::default()).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::BiaNotApproved);
        assert_eq!(refusal.to_string(), "a case plan needs a best-interest assessment approved by a supervisor");
        assert_eq!(refusal.kind(), RefusalKind::Conflict);
    }

    #[test]
    fn role_is_checked_before_the_case() {
        let refusal =
            perform(Role::Caseworker, CaseStatus::Registered, Action::ApproveClosure, &Facts::default()).unwrap_err();
        assert_eq!(refusal.code, RefusalCode::RoleNotPermitted);
        assert_eq!(refusal.kind(), RefusalKind::Forbidden);
    }

    #[test]
    fn next_actions_lists_what_applies() {
        let actions: Vec<Action> = next_actions(Role::Supervisor, CaseStatus::Closed, &Facts::default())
            .into_iter()
            .map(|(action, _)| action)
            .collect();
        assert_eq!(actions, vec![Action::Reopen, Action::MarkDuplicate]);
    }
}
