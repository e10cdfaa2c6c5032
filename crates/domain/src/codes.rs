//! Code lists: every closed vocabulary of DOMAIN.md and HTCDS v2.0 as an enum
//! whose wire form is the standard's own value name, so that export is a
//! mapping, not a translation.

/// Declares a code list: an enum, its wire names, `parse`, `as_str` and `ALL`.
macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant),+
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

/// Lets the workflow modules declare their own code lists with the same shape.
pub(crate) use code_list;

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

code_list!(
    /// Why a case was closed. HTCDS v2.0 keeps `cas_ReasonForCaseClosure` as
    /// long text with no picklist; this list is ours, so that reports can count
    /// closures, and the free-text detail that accompanies it is what goes to
    /// the HTCDS field. [`ClosureReason::htcds_case_status`] gives `cas_Status`.
    ClosureReason {
        /// The case plan's goals are met and the child is safe.
        GoalsAchieved = "goals_achieved",
        /// The child was referred on and another organisation now leads.
        ReferredElsewhere = "referred_elsewhere",
        /// The child, or the family with the child's agreement, no longer wants services.
        ServicesDeclined = "services_declined",
        /// Contact lost: the child moved away and could not be traced.
        ContactLost = "contact_lost",
        /// The child came of age and left child-protection services.
        ReachedAdulthood = "reached_adulthood",
        /// Assessment found no protection need within the organisation's mandate.
        NoProtectionNeed = "no_protection_need",
        /// The child died.
        Death = "death",
        Other = "other",
    }
);

impl ClosureReason {
    /// The HTCDS `cas_Status` a case closed for this reason exports as.
    pub fn htcds_case_status(self) -> &'static str {
        match self {
            ClosureReason::ReferredElsewhere => "ClosedReferred",
            _ => "Closed",
        }
    }
}

code_list!(
    /// What a supervisor approves (DOMAIN.md, Approval).
    ApprovalKind {
        BestInterestAssessment = "bia",
        BestInterestDetermination = "bid",
        CasePlan = "case_plan",
        Transfer = "transfer",
        Closure = "closure",
    }
);

code_list!(
    /// A supervisor's answer to an approval request.
    ApprovalDecision {
        Approved = "approved",
        Rejected = "rejected",
    }
);

code_list!(
    /// The service types of DOMAIN.md. The first is the only one allowed before
    /// an approved best-interest assessment (see [`ServiceType::is_immediate_protection`]).
    ServiceType {
        /// Emergency shelter, emergency medical care, safety.
        ImmediateProtection = "immediate_protection",
        ShelterInterimCare = "shelter_interim_care",
        Medical = "medical",
        Psychosocial = "psychosocial",
        LegalAssistance = "legal_assistance",
        Guardianship = "guardianship",
        Education = "education",
        VocationalTraining = "vocational_training",
        Livelihood = "livelihood",
        FamilyTracing = "family_tracing",
        Reunification = "reunification",
        Reintegration = "reintegration",
        Interpretation = "interpretation",
        Documentation = "documentation",
    }
);

impl ServiceType {
    /// Whether this service may be given before a best-interest assessment is
    /// approved: a child in danger is protected first and assessed after.
    pub fn is_immediate_protection(self) -> bool {
        self == ServiceType::ImmediateProtection
    }

    /// The HTCDS `spl_Type` a service of this type exports as.
    pub fn htcds_support_plan_type(self) -> &'static str {
        use ServiceType::*;
        match self {
            ImmediateProtection | ShelterInterimCare | Guardianship | FamilyTracing | Reunification | Reintegration
            | Interpretation => "SocialCare",
            Medical | Psychosocial => "Health",
            LegalAssistance | Documentation => "Legal",
            Education => "Education",
            VocationalTraining | Livelihood => "Livelihood",
        }
    }
}

code_list!(
    /// HTCDS `cas_ReasonForOutgoingReferral` / `cas_ReasonForIncomingReferral`.
    ReferralReason {
        AdditionalServicesRequired = "AdditionalServicesRequired",
        MigrationOrChangeOfLocation = "MigrationOrChangeOfLocation",
        Other = "Other",
    }
);

code_list!(
    /// HTCDS `vic_TraffickingStatus`: always a human decision.
    TraffickingStatus {
        PossibleVictimOfTrafficking = "PossibleVictimOfTrafficking",
        ActualVictimOfTrafficking = "ActualVictimOfTrafficking",
        NotAVictimOfTrafficking = "NotAVictimOfTrafficking",
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
        for reason in ClosureReason::ALL {
            assert_eq!(ClosureReason::parse(reason.as_str()), Ok(*reason));
        }
        for service in ServiceType::ALL {
            assert_eq!(ServiceType::parse(service.as_str()), Ok(*service));
            assert_eq!(service.is_immediate_protection(), *service == ServiceType::ImmediateProtection);
        }
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
