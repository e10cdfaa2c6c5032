//! User accounts. Passwords are hashed by the server (argon2id); the domain
//! only checks that a chosen password is long enough to be worth hashing.

use serde::{Deserialize, Serialize};

use crate::codes::Role;
use crate::ids::{OrganisationId, UserId};
use crate::{text, ValidationErrors};

/// Shortest password accepted: long passphrases beat composition rules.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted, so that hashing cannot be made arbitrarily slow.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Languages the interface is offered in.
pub const LANGUAGES: &[&str] = &["en", "fr", "es", "pt", "ne"];

/// The body of `POST /api/v1/users`, as received.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub username: String,
    pub password: String,
    pub role: String,
    pub organisation_id: String,
    pub language: Option<String>,
    pub display_name: Option<String>,
}

/// A validated new user; the password is still clear text and must be hashed
/// before it goes anywhere near storage or a log.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub organisation_id: OrganisationId,
    pub language: String,
    pub display_name: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("role", &self.role)
            .field("organisation_id", &self.organisation_id)
            .finish()
    }
}

impl NewUser {
    pub fn parse(input: NewUserInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let username = errors.check("username", parse_username(&input.username));
        let password = errors.check("password", check_password(&input.password));
        let role = errors.check("role", Role::parse(&input.role));
        let organisation_id = errors.check("organisation_id", OrganisationId::parse(&input.organisation_id));
        let language = errors.check("language", parse_interface_language(input.language.as_deref().unwrap_or("en")));
        let display_name = errors.check("display_name", text::optional(input.display_name.as_deref(), 200));
        errors.into_result(|| NewUser {
            username: username.unwrap_or_default(),
            password: password.unwrap_or_default(),
            role: role.unwrap_or(Role::FocalPoint),
            organisation_id: organisation_id.expect("checked"),
            language: language.unwrap_or_default(),
            display_name: display_name.flatten(),
        })
    }
}

/// 3 to 64 characters of lower-case letters, digits, `.`, `_` and `-`.
pub fn parse_username(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_lowercase();
    let valid = (3..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(name)
    } else {
        Err("must be 3 to 64 letters, digits, '.', '_' or '-'".into())
    }
}

pub fn check_password(raw: &str) -> Result<String, String> {
    let chars = raw.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    if raw.contains('\0') {
        return Err("must not contain NUL characters".into());
    }
    Ok(raw.to_string())
}

pub fn parse_interface_language(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_lowercase();
    if LANGUAGES.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err(format!("must be one of: {}", LANGUAGES.join(", ")))
    }
}

/// A user as the API shows it (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub organisation_id: OrganisationId,
    pub language: String,
    pub display_name: Option<String>,
}
