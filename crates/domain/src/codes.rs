//! Code lists: every closed vocabulary of DOMAIN.md and HTCDS v2.0 as an enum
//! whose wire form is the standard's own value name, so that export is a
//! mapping, not a translation.

use serde::{Deserialize, Serialize};

/// Declares a code list: an enum, its wire names, `parse`, `as_str` and `ALL`.
macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// Parses the wire name; the error lists the allowed values.
            pub fn parse(raw: &str) -> Result<Self, String> {
                match raw {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of: {}",
                        [$($wire),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_list!(
    /// The six roles of DOMAIN.md.
    Role {
        FocalPoint = "focal_point",
        Caseworker = "caseworker",
        Supervisor = "supervisor",
        Manager = "manager",
        Analyst = "analyst",
        Admin = "admin",
    }
);

code_list!(
    /// HTCDS `org_Type`.
    OrganisationType {
        Ngo = "NGO",
        LawEnforcement = "LawEnforcement",
        HealthServiceOrganisation = "HealthServiceOrganisation",
        CentralGovernmentOrganisation = "CentralGovernmentOrganisation",
        LocalGovernmentOrganisation = "LocalGovernmentOrganisation",
        ImmigrationService = "ImmigrationService",
        LegalService = "LegalService",
        CorporateBusiness = "CorporateBusiness",
        SchoolOrCollege = "SchoolOrCollege",
    }
);

code_list!(
    /// HTCDS `prs_Gender`.
    Gender {
        Feminine = "Feminine",
        Masculine = "Masculine",
        TransgenderFeminine = "TransgenderFeminine",
        TransgenderMasculine = "TransgenderMasculine",
        NonConforming = "NonConforming",
        NonSpecifiedUnknown = "NonSpecifiedUnknown",
    }
);

code_list!(
    /// The case workflow states of DOMAIN.md.
    CaseStatus {
        Identified = "identified",
        Registered = "registered",
        Assessment = "assessment",
        BestInterest = "best_interest",
        CasePlan = "case_plan",
        Implementation = "implementation",
        FollowUp = "follow_up",
        ClosureRequested = "closure_requested",
        Closed = "closed",
        TransferRequested = "transfer_requested",
        Transferred = "transferred",
        Duplicate = "duplicate",
    }
);

code_list!(
    /// How urgently a case needs attention; deadlines are keyed on it.
    RiskLevel {
        High = "high",
        Medium = "medium",
        Low = "low",
    }
);

code_list!(
    /// Whether the child is with their usual caregivers.
    ProtectionStatus {
        Unaccompanied = "unaccompanied",
        Separated = "separated",
        Accompanied = "accompanied",
    }
);

code_list!(
    /// How the child came to the organisation's attention.
    IdentificationChannel {
        CommunityFocalPoint = "community_focal_point",
        PartnerReferral = "partner_referral",
        Police = "police",
        Outreach = "outreach",
        Hotline = "hotline",
        SelfReferral = "self_referral",
        School = "school",
        HealthService = "health_service",
        Other = "other",
    }
);

code_list!(
    /// What kind of name an entry in a child's list of names is.
    NameKind {
        Given = "given",
        Family = "family",
        Alias = "alias",
        BirthName = "birth_name",
        Nickname = "nickname",
        Transliteration = "transliteration",
    }
);

code_list!(
    /// ISO 15924 codes of the scripts names are written in.
    Script {
        Latin = "Latn",
        Cyrillic = "Cyrl",
        Greek = "Grek",
        Devanagari = "Deva",
        Bengali = "Beng",
        Arabic = "Arab",
        Thai = "Thai",
        Khmer = "Khmr",
        Other = "Zyyy",
    }
);

code_list!(
    /// What a consent is given for.
    ConsentPurpose {
        Services = "services",
        Sharing = "sharing",
        Tracing = "tracing",
        DeidentifiedReporting = "deidentified_reporting",
    }
);

code_list!(
    /// Who gave a consent.
    ConsentGivenBy {
        Child = "child",
        Parent = "parent",
        Guardian = "guardian",
        Other = "other",
    }
);

impl Script {
    /// Guesses the script of a name from its first letter, for names entered
    /// without one.
    pub fn detect(name: &str) -> Script {
        let Some(c) = name.chars().find(|c| c.is_alphabetic()) else {
            return Script::Other;
        };
        match c as u32 {
            0x0000..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
            0x0400..=0x052F => Script::Cyrillic,
            0x0600..=0x06FF | 0x0750..=0x077F => Script::Arabic,
            0x0900..=0x097F => Script::Devanagari,
            0x0980..=0x09FF => Script::Bengali,
            0x0E00..=0x0E7F => Script::Thai,
            0x1780..=0x17FF => Script::Khmer,
            _ => Script::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_wire_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(*role));
        }
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.as_str()), Ok(*status));
        }
        for gender in Gender::ALL {
            let json = serde_json::to_string(gender).unwrap();
            assert_eq!(json, format!("\"{}\"", gender.as_str()));
        }
        assert!(Role::parse("root").unwrap_err().contains("caseworker"));
    }

    #[test]
    fn detects_scripts() {
        assert_eq!(Script::detect("Arbën"), Script::Latin);
        assert_eq!(Script::detect("Александр"), Script::Cyrillic);
        assert_eq!(Script::detect("Γιώργος"), Script::Greek);
        assert_eq!(Script::detect("लक्ष्मी"), Script::Devanagari);
        assert_eq!(Script::detect("محمد"), Script::Arabic);
        assert_eq!(Script::detect("123"), Script::Other);
    }
}
