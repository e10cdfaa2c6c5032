//! The rules that gate work *inside* a status: which services may start
//! before the best-interest assessment is approved, and which decisions need a
//! best-interest determination first.

use serde::{Deserialize, Serialize};

use crate::codes::{code_list, ServiceType};
use crate::workflow::machine::{Refusal, RefusalCode};

/// Whether a service of `service` may be planned or started, given whether an
/// approved best-interest assessment exists.
///
/// DOMAIN.md: no service other than immediate protection (emergency shelter,
/// medical emergency, safety) before a best-interest assessment exists and a
/// supervisor approved it. A child in danger is protected first; everything
/// that shapes the child's future waits for the assessment of their best
/// interests.
pub fn check_service_allowed(service: ServiceType, bia_approved: bool) -> Result<(), Refusal> {
    if service.is_immediate_protection() || bia_approved {
        Ok(())
    } else {
        Err(Refusal::new(
            RefusalCode::BiaNotApproved,
            format!(
                "a \"{service}\" service needs a best-interest assessment approved by a supervisor; \
                 only immediate protection may come first"
            ),
        ))
    }
}

/// Whether a case plan may be written or approved: never before an approved BIA.
pub fn check_case_plan_allowed(bia_approved: bool) -> Result<(), Refusal> {
    if bia_approved {
        Ok(())
    } else {
        Err(Refusal::new(
            RefusalCode::BiaNotApproved,
            "a case plan needs a best-interest assessment approved by a supervisor",
        ))
    }
}

code_list!(
    /// The durable solutions of the UNHCR/UNICEF best-interest procedure.
    DurableSolution {
        /// Return to the country (or place) of origin, usually to the family.
        Return = "return",
        /// Integration where the child is now.
        LocalIntegration = "local_integration",
        /// Resettlement in a third country.
        ThirdCountry = "third_country",
    }
);

/// A decision that DOMAIN.md reserves for after a best-interest determination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "solution", rename_all = "snake_case")]
pub enum DeterminedDecision {
    /// Choosing a durable solution.
    DurableSolution(DurableSolution),
    /// Separating the child from their parents against their will.
    SeparationFromParents,
}

/// Whether `decision` may be taken: only once a best-interest determination
/// (a panel, with the child's views heard) is recorded.
pub fn check_decision_allowed(decision: DeterminedDecision, bid_exists: bool) -> Result<(), Refusal> {
    if bid_exists {
        return Ok(());
    }
    let what = match decision {
        DeterminedDecision::DurableSolution(solution) => format!("a durable solution ({solution})"),
        DeterminedDecision::SeparationFromParents => "separating the child from their parents".to_string(),
    };
    Err(Refusal::new(RefusalCode::BidRequired, format!("{what} needs a best-interest determination first")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_immediate_protection_comes_before_the_bia() {
        for &service in ServiceType::ALL {
            let allowed = check_service_allowed(service, false);
            assert_eq!(allowed.is_ok(), service == ServiceType::ImmediateProtection, "{service}");
            if let Err(refusal) = allowed {
                assert_eq!(refusal.code, RefusalCode::BiaNotApproved);
                assert!(refusal.message.contains(service.as_str()));
            }
            assert!(check_service_allowed(service, true).is_ok());
        }
        assert!(check_case_plan_allowed(false).is_err());
        assert!(check_case_plan_allowed(true).is_ok());
    }

    #[test]
    fn durable_solutions_and_separation_need_a_bid() {
        let mut decisions: Vec<DeterminedDecision> =
            DurableSolution::ALL.iter().map(|s| DeterminedDecision::DurableSolution(*s)).collect();
        decisions.push(DeterminedDecision::SeparationFromParents);
        for decision in decisions {
            assert_eq!(check_decision_allowed(decision, false).unwrap_err().code, RefusalCode::BidRequired);
            assert!(check_decision_allowed(decision, true).is_ok());
        }
    }
}
