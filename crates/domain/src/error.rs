//! Validation errors collected field by field, so that a client (or a form)
//! can show every problem at once instead of one per round trip.

use std::collections::BTreeMap;

/// Every invalid field of one input, keyed by its dotted path
/// (`child.date_of_birth`), with a human-readable reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", self.summary())]
pub struct ValidationErrors {
    pub fields: BTreeMap<String, String>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, reason);
        errors
    }

    /// Records a problem; the first reason given for a field is kept.
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.fields.entry(field.into()).or_insert_with(|| reason.into());
    }

    /// Runs a parser, keeping its value or recording its error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(reason) => {
                self.add(field, reason);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, the collected errors otherwise.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    fn summary(&self) -> String {
        self.fields.iter().map(|(field, reason)| format!("{field}: {reason}")).collect::<Vec<_>>().join("; ")
    }
}
