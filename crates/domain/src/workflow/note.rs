//! Case notes (DOMAIN.md, Note): what a caseworker writes down in their own
//! words between the structured records — a phone call, a worry, what the
//! child said in passing.
//!
//! Notes are free text about a child, so they are as sensitive as anything
//! in the file: they never leave in an exchange file or an aggregate (the
//! store keeps them in a table of their own that neither reads), and a
//! referral never shares them.

use serde::{Deserialize, Serialize};

use crate::workflow::fields::LONG_TEXT;
use crate::ValidationErrors;

/// A note as received.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// The note, at most 4,000 characters; not blank.
    pub text: String,
}

/// A validated note; who wrote it and when are the store's to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NewNote {
    pub text: String,
}

impl NewNote {
    /// A note keeps its line breaks (a note is written in paragraphs), unlike
    /// the one-line texts of the other records; every other control
    /// character is refused, and `\r\n` becomes `\n`.
    pub fn parse(input: NoteInput) -> Result<Self, ValidationErrors> {
        let text = input.text.replace("\r\n", "\n");
        let text = text.trim();
        let problem = if text.is_empty() {
            Some("must not be empty".to_string())
        } else if text.chars().count() > LONG_TEXT {
            Some(format!("must be at most {LONG_TEXT} characters"))
        } else if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            Some("must not contain control characters".to_string())
        } else {
            None
        };
        match problem {
            Some(reason) => Err(ValidationErrors::single("text", reason)),
            None => Ok(NewNote { text: text.to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_must_say_something_and_not_too_much() {
        assert_eq!(NewNote::parse(NoteInput { text: "  Called the aunt.  ".into() }).unwrap().text, "Called the aunt.");
        let kept = NewNote::parse(NoteInput { text: "Called.\r\nShe is safe.".into() }).unwrap();
        assert_eq!(kept.text, "Called.\nShe is safe.");
        for bad in ["", "   ", "a\u{0}b", "a\u{1b}b", &"x".repeat(LONG_TEXT + 1)] {
            let errors = NewNote::parse(NoteInput { text: bad.to_string() }).unwrap_err();
            assert!(errors.fields.contains_key("text"), "{bad:?}");
        }
    }
}
