//! The access policy: who may see and do what. Every handler asks here, and
//! only here; the store turns a [`CaseScope`] into the `WHERE` clause of every
//! case query, so that a list and a single read can never disagree.
//!
//! A record outside the caller's scope is reported as absent (404): a caller
//! must not learn that a child they may not see is known to the system.

use crate::codes::{ApprovalKind, Role};
use crate::ids::{OrganisationId, UserId};
use crate::workflow::machine::Action;
use crate::workflow::referral::{CaseSection, ReferralAccess, ReferralSide};
use chrono::NaiveDate;

/// The signed-in user on whose behalf a request runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub organisation_id: OrganisationId,
    pub role: Role,
}

/// Kinds of action whose permission depends on the role alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create organisations (the partner directory).
    ManageOrganisations,
    /// Create and change user accounts.
    ManageUsers,
    /// Register a new child.
    RegisterCase,
    /// List and search cases (an identity read).
    ListCases,
    /// Reassign a case to another caseworker.
    AssignCases,
    /// Read the partner directory.
    ReadDirectory,
    /// Record case work: assessments, indicators, plans, services, episodes,
    /// follow-ups, referrals (within the case scope).
    RecordCaseWork,
    /// Decide an approval of this kind (BIA, BID, case plan, transfer, closure).
    Approve(ApprovalKind),
    /// Share without consent, giving a reason (audited).
    OverrideConsent,
    /// Read and record perpetrators: restricted, and never in any aggregate.
    /// Supervisors only by default, since these records are what a child's
    /// safety depends on if they leak.
    ReadPerpetrators,
    /// Answer a referral or a transfer addressed to one's organisation
    /// (accept, decline, report the outcome).
    RespondToReferral,
    /// Read and change an organisation's deadline table and standards-of-care
    /// list (which organisation: [`may_configure_organisation`]).
    ConfigureWorkflow,
    /// Confirm or reject a suggested duplicate, undo a merge, confirm a
    /// family-tracing match (issue #3): a false link mixes two children's
    /// files, so a supervisor decides.
    ReviewMatches,
    /// Record a family's tracing request and read its matches (within the
    /// caller's case scope).
    TraceFamilies,
    /// Send an alert that a child may be at risk (focal points, and the
    /// organisation's own case workers).
    SubmitAlert,
    /// Read the alerts sent to one's organisation and triage them
    /// (within [`alert_scope`]).
    TriageAlerts,
    /// Read the organisation's caseload and overdue work as aggregates
    /// (counts per caseworker, status and risk level; no identity).
    ReadTeamDashboard,
}

/// Whether `role` may ever perform `permission` (403 when not).
pub fn role_may(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        ManageOrganisations | ManageUsers => role == Admin,
        RegisterCase | ListCases => matches!(role, Caseworker | Supervisor),
        AssignCases => role == Supervisor,
        ReadDirectory => true,
        RecordCaseWork | RespondToReferral => matches!(role, Caseworker | Supervisor),
        Approve(_) | OverrideConsent | ReadPerpetrators => role == Supervisor,
        ConfigureWorkflow => matches!(role, Admin | Supervisor),
        ReviewMatches => role == Supervisor,
        TraceFamilies => matches!(role, Caseworker | Supervisor),
        SubmitAlert => matches!(role, FocalPoint | Caseworker | Supervisor),
        TriageAlerts => matches!(role, Caseworker | Supervisor),
        ReadTeamDashboard => role == Supervisor,
    }
}

/// Whether `role` sees nothing but the alert form: DOMAIN.md's focal point
/// "can only submit an alert", so every other page refuses them, even the
/// partner directory the API offers every signed-in user.
pub fn sees_only_the_alert_form(role: Role) -> bool {
    role == Role::FocalPoint
}

/// Which alerts an actor may read and triage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertScope {
    /// None (focal points see only receipts of what they sent; managers,
    /// analysts and administrators nothing).
    Nothing,
    /// The alerts sent to the organisation (its caseworkers and supervisors:
    /// an alert is not yet anyone's case, so the whole team may pick it up).
    Organisation(OrganisationId),
}

/// THE policy function for alerts, as [`case_scope`] is for cases.
pub fn alert_scope(actor: &Actor) -> AlertScope {
    if role_may(actor.role, Permission::TriageAlerts) {
        AlertScope::Organisation(actor.organisation_id.clone())
    } else {
        AlertScope::Nothing
    }
}

impl AlertScope {
    /// Whether an alert received by organisation `receiver` lies inside the
    /// scope; the store's SQL filter is the same predicate.
    pub fn permits(&self, receiver: &OrganisationId) -> bool {
        match self {
            AlertScope::Nothing => false,
            AlertScope::Organisation(organisation) => organisation == receiver,
        }
    }
}

/// Whether `role` may ever take a workflow `action` (403 when not). Scope —
/// *which* cases — is [`case_scope`]'s question; this is about the role.
///
/// Caseworkers move their cases along and ask for closures and transfers;
/// every step DOMAIN.md gives to a supervisor (approving a closure or a
/// transfer) and the steps that undo or merge a case (reopen, duplicate) are
/// the supervisor's alone.
pub fn may_perform(role: Role, action: Action) -> bool {
    use Action::*;
    let case_worker = matches!(role, Role::Caseworker | Role::Supervisor);
    match action {
        Register | StartAssessment | StartBestInterest | StartCasePlan | StartImplementation | StartFollowUp
        | RequestClosure | RequestTransfer | CancelTransfer | ResumeAfterTransfer => case_worker,
        ApproveClosure | RejectClosure => role_may(role, Permission::Approve(ApprovalKind::Closure)),
        CompleteTransfer => role_may(role, Permission::Approve(ApprovalKind::Transfer)),
        Reopen | MarkDuplicate | Unmerge => role == Role::Supervisor,
    }
}

/// Which end of a referral `actor` is on: the sending organisation (which
/// must also hold the case in its scope, checked by the store with
/// [`case_scope`]) or the receiving one. `None` — not a party, or a role that
/// works no cases — answers as absent (404).
pub fn referral_side(actor: &Actor, from: &OrganisationId, to: &OrganisationId) -> Option<ReferralSide> {
    if !role_may(actor.role, Permission::RespondToReferral) {
        return None;
    }
    if &actor.organisation_id == from {
        Some(ReferralSide::Sender)
    } else if &actor.organisation_id == to {
        Some(ReferralSide::Receiver)
    } else {
        None
    }
}

/// Whether `actor` may read `section` of a case referred to organisation
/// `receiver`, on `today`: a caseworker or supervisor of the receiving
/// organisation, a section the sender shared, a referral still pending or
/// accepted, on or before its access end date; perpetrator records only to a
/// role that may read them at home too. Anything else is absent (404).
pub fn may_read_referred_section(
    actor: &Actor,
    receiver: &OrganisationId,
    access: &ReferralAccess,
    section: CaseSection,
    today: NaiveDate,
) -> bool {
    role_may(actor.role, Permission::RespondToReferral)
        && (section != CaseSection::Perpetrators || role_may(actor.role, Permission::ReadPerpetrators))
        && &actor.organisation_id == receiver
        && access.receiver_may_read(section, today)
}

/// Whether `actor` may answer (accept or decline) a transfer addressed to
/// organisation `receiver`; otherwise the transfer is absent to them (404).
pub fn may_answer_transfer(actor: &Actor, receiver: &OrganisationId) -> bool {
    role_may(actor.role, Permission::RespondToReferral) && &actor.organisation_id == receiver
}

/// Whether `actor` may read and change the workflow settings of
/// `organisation`: an administrator any organisation's (configuration is
/// theirs), a supervisor their own organisation's, since the deadlines and
/// standards are how they run their caseload. Another organisation's
/// settings are absent to a supervisor (404).
pub fn may_configure_organisation(actor: &Actor, organisation: &OrganisationId) -> bool {
    role_may(actor.role, Permission::ConfigureWorkflow)
        && (actor.role == Role::Admin || &actor.organisation_id == organisation)
}

/// Which cases — and so which children's identities — an actor may read and
/// work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// No case at all (focal points, managers, analysts, administrators).
    Nothing,
    /// Cases of `organisation` assigned to `user` (caseworkers).
    AssignedTo { user: UserId, organisation: OrganisationId },
    /// Every case owned by the organisation (supervisors).
    Organisation(OrganisationId),
}

/// The facts about one case that decide whether it is in a scope.
#[derive(Debug, Clone, Copy)]
pub struct CaseAccessFacts<'a> {
    pub owner: &'a OrganisationId,
    pub assigned_to: Option<&'a UserId>,
}

/// THE policy function for case access: DOMAIN.md's role table.
pub fn case_scope(actor: &Actor) -> CaseScope {
    match actor.role {
        Role::Caseworker => {
            CaseScope::AssignedTo { user: actor.user_id.clone(), organisation: actor.organisation_id.clone() }
        }
        Role::Supervisor => CaseScope::Organisation(actor.organisation_id.clone()),
        Role::FocalPoint | Role::Manager | Role::Analyst | Role::Admin => CaseScope::Nothing,
    }
}

impl CaseScope {
    /// Whether a case with these facts lies inside the scope. The store's SQL
    /// filter is the same predicate; the access-matrix test checks both.
    pub fn permits(&self, case: CaseAccessFacts<'_>) -> bool {
        match self {
            CaseScope::Nothing => false,
            CaseScope::AssignedTo { user, organisation } => {
                case.owner == organisation && case.assigned_to == Some(user)
            }
            CaseScope::Organisation(organisation) => case.owner == organisation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> String {
        format!("00000000-0000-4000-8000-0000000000{n:02}")
    }

    #[test]
    fn scope_follows_the_role_table() {
        let own = OrganisationId::parse(&id(1)).unwrap();
        let other = OrganisationId::parse(&id(2)).unwrap();
        let me = UserId::parse(&id(3)).unwrap();
        let colleague = UserId::parse(&id(4)).unwrap();
        for role in Role::ALL {
            let actor = Actor { user_id: me.clone(), organisation_id: own.clone(), role: *role };
            let scope = case_scope(&actor);
            for (owner, assignee, label) in [
                (&own, &me, "own org, assigned"),
                (&own, &colleague, "own org, not assigned"),
                (&other, &me, "other org, assigned"),
                (&other, &colleague, "other org, not assigned"),
            ] {
                let permitted = scope.permits(CaseAccessFacts { owner, assigned_to: Some(assignee) });
                let expected = match role {
                    Role::Caseworker => label == "own org, assigned",
                    Role::Supervisor => owner == &own,
                    _ => false,
                };
                assert_eq!(permitted, expected, "{role} {label}");
            }
        }
    }

    #[test]
    fn workflow_permissions_follow_the_role_table() {
        for role in Role::ALL {
            let works_cases = matches!(role, Role::Caseworker | Role::Supervisor);
            assert_eq!(role_may(*role, Permission::RecordCaseWork), works_cases, "{role}");
            assert_eq!(role_may(*role, Permission::RespondToReferral), works_cases, "{role}");
            for kind in ApprovalKind::ALL {
                assert_eq!(role_may(*role, Permission::Approve(*kind)), *role == Role::Supervisor, "{role} {kind}");
            }
            assert_eq!(role_may(*role, Permission::OverrideConsent), *role == Role::Supervisor, "{role}");
            assert_eq!(role_may(*role, Permission::ReadPerpetrators), *role == Role::Supervisor, "{role}");
            let configures = matches!(role, Role::Admin | Role::Supervisor);
            assert_eq!(role_may(*role, Permission::ConfigureWorkflow), configures, "{role}");
        }
    }

    #[test]
    fn alerts_follow_the_role_table() {
        let own = OrganisationId::parse(&id(1)).unwrap();
        let other = OrganisationId::parse(&id(2)).unwrap();
        for role in Role::ALL {
            let actor = Actor { user_id: UserId::parse(&id(3)).unwrap(), organisation_id: own.clone(), role: *role };
            let works_cases = matches!(role, Role::Caseworker | Role::Supervisor);
            assert_eq!(role_may(*role, Permission::SubmitAlert), works_cases || *role == Role::FocalPoint, "{role}");
            assert_eq!(role_may(*role, Permission::TriageAlerts), works_cases, "{role}");
            let scope = alert_scope(&actor);
            assert_eq!(scope.permits(&own), works_cases, "{role}");
            assert!(!scope.permits(&other), "{role}");
            assert_eq!(sees_only_the_alert_form(*role), *role == Role::FocalPoint, "{role}");
        }
    }
}
