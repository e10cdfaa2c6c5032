//! The interface's languages: Fluent bundles compiled into the binary, the
//! choice of language for a request, and dates written the way each language
//! writes them.
//!
//! English, French, Spanish and Portuguese are complete: a unit test fails
//! when one of them lacks a key English has. Nepali covers sign-in, *My work*
//! and registration; any other key falls back to English.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The interface languages, as (code, translation files). Each language has
/// one file per area of the interface, so that the areas grow apart.
macro_rules! language {
    ($code:literal) => {
        (
            $code,
            &[
                include_str!(concat!("../../i18n/", $code, "/core.ftl")),
                include_str!(concat!("../../i18n/", $code, "/case.ftl")),
                include_str!(concat!("../../i18n/", $code, "/admin.ftl")),
            ] as &[&str],
        )
    };
}
const SOURCES: &[(&str, &[&str])] =
    &[language!("en"), language!("fr"), language!("es"), language!("pt"), language!("ne")];

/// Languages every key must be translated into.
pub const COMPLETE: &[&str] = &["en", "fr", "es", "pt"];

/// Key prefixes a partial language (Nepali) must cover: sign-in, *My work*,
/// registration, and the page chrome around them.
pub const PARTIAL_PREFIXES: &[&str] =
    &["app-", "nav-", "sign-in-", "my-work-", "register-", "field-", "error-", "code-"];

/// Languages written right to left; none of the shipped ones yet, but the
/// page's `dir` comes from here so that adding one is a translation file.
const RIGHT_TO_LEFT: &[&str] = &["ar", "fa", "he", "ur", "ps"];

pub const DEFAULT: &str = "en";

struct Catalogue {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let bundles = SOURCES
            .iter()
            .map(|(code, sources)| {
                let id: LanguageIdentifier = code.parse().expect("language code");
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // Isolation marks (U+2068/U+2069) protect right-to-left text
                // inside left-to-right sentences; the shipped languages are all
                // left to right and the marks would show in copied text.
                bundle.set_use_isolating(false);
                for source in *sources {
                    let resource = FluentResource::try_new(source.to_string())
                        .unwrap_or_else(|(_, errors)| panic!("i18n/{code}/ does not parse: {errors:?}"));
                    bundle.add_resource(resource).unwrap_or_else(|errors| panic!("i18n/{code}/: {errors:?}"));
                }
                (*code, bundle)
            })
            .collect();
        Catalogue { bundles }
    })
}

/// Whether `code` is an interface language.
pub fn is_supported(code: &str) -> bool {
    SOURCES.iter().any(|(c, _)| *c == code)
}

/// The best interface language for an `Accept-Language` header.
pub fn negotiate(accept_language: Option<&str>) -> &'static str {
    let Some(header) = accept_language else { return DEFAULT };
    let mut choices: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let quality =
                pieces.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            Some((quality, tag))
        })
        .collect();
    choices.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    choices
        .iter()
        .filter_map(|(_, tag)| {
            let primary = tag.split('-').next()?.to_ascii_lowercase();
            SOURCES.iter().find(|(code, _)| *code == primary).map(|(code, _)| *code)
        })
        .next()
        .unwrap_or(DEFAULT)
}

/// One request's language: looks messages up, formats dates and numbers.
#[derive(Debug, Clone, Copy)]
pub struct Language {
    code: &'static str,
}

impl Language {
    /// The language of `code`, English when it is not an interface language.
    pub fn new(code: &str) -> Self {
        let code = SOURCES.iter().find(|(c, _)| *c == code).map(|(c, _)| *c).unwrap_or(DEFAULT);
        Self { code }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn dir(&self) -> &'static str {
        if RIGHT_TO_LEFT.contains(&self.code) {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The message `key`, from this language or else English; the key itself
    /// if no language has it (which the tests rule out for the templates).
    pub fn message(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let catalogue = catalogue();
        for code in [self.code, DEFAULT] {
            let bundle = &catalogue.bundles[code];
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if errors.is_empty() {
                    return text.into_owned();
                }
                tracing::warn!(key, language = code, "translation could not be formatted: {errors:?}");
            }
        }
        tracing::warn!(key, "missing translation");
        key.to_string()
    }

    /// The message `key` in this language or English; `None` when neither has it.
    pub fn message_if_any(&self, key: &str) -> Option<String> {
        let catalogue = catalogue();
        [self.code, DEFAULT].iter().any(|code| catalogue.bundles[code].has_message(key)).then(|| self.text(key))
    }

    pub fn text(&self, key: &str) -> String {
        self.message(key, None)
    }

    /// A message with one argument.
    pub fn with(&self, key: &str, name: &str, value: impl Into<FluentValue<'static>>) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.into());
        self.message(key, Some(&args))
    }

    /// A whole number in this language's digits.
    pub fn number(&self, n: i64) -> String {
        self.digits(&n.to_string())
    }

    /// A date as this language writes it (`27 novembre 2026`, `२७ नोभेम्बर २०२६`).
    pub fn date(&self, date: NaiveDate) -> String {
        let mut args = FluentArgs::new();
        args.set("day", self.digits(&date.day().to_string()));
        args.set("month", self.text(&format!("month-{}", date.month())));
        args.set("year", self.digits(&date.year().to_string()));
        self.message("date-long", Some(&args))
    }

    /// A date given as `YYYY-MM-DD`; anything else is shown as it is.
    pub fn date_str(&self, raw: &str) -> String {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").map(|d| self.date(d)).unwrap_or_else(|_| raw.to_string())
    }

    /// Replaces ASCII digits by the language's own (Devanagari for Nepali).
    fn digits(&self, ascii: &str) -> String {
        match self.code {
            "ne" => {
                ascii.chars().map(|c| c.to_digit(10).and_then(|d| char::from_u32(0x0966 + d)).unwrap_or(c)).collect()
            }
            _ => ascii.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(code: &str) -> BTreeSet<String> {
        let sources = SOURCES.iter().find(|(c, _)| *c == code).expect("language").1;
        let mut keys = BTreeSet::new();
        for source in sources {
            let resource = FluentResource::try_new(source.to_string()).expect("parses");
            keys.extend(resource.entries().filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_string()),
                _ => None,
            }));
        }
        keys
    }

    #[test]
    fn complete_languages_have_every_key_english_has() {
        let english = keys("en");
        assert!(english.len() > 100, "English has {} keys", english.len());
        for code in COMPLETE {
            let missing: Vec<_> = english.difference(&keys(code)).cloned().collect();
            assert!(missing.is_empty(), "i18n/{code}/ lacks {missing:?}");
            let extra: Vec<_> = keys(code).difference(&english).cloned().collect();
            assert!(extra.is_empty(), "i18n/{code}/ has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn nepali_covers_sign_in_my_work_and_registration() {
        let nepali = keys("ne");
        let missing: Vec<_> = keys("en")
            .into_iter()
            .filter(|key| PARTIAL_PREFIXES.iter().any(|p| key.starts_with(p)) || key.starts_with("month-"))
            .filter(|key| !nepali.contains(key))
            .collect();
        assert!(missing.is_empty(), "i18n/ne/ lacks {missing:?}");
    }

    #[test]
    fn every_key_the_templates_use_exists_in_english() {
        let english = keys("en");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut used = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("templates") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("template");
            for pattern in ["ui.t(\"", "ui.t1(\""] {
                for piece in text.split(pattern).skip(1) {
                    used.insert(piece.split('"').next().unwrap_or_default().to_string());
                }
            }
        }
        assert!(used.len() > 20);
        let missing: Vec<_> = used.difference(&english).collect();
        assert!(missing.is_empty(), "templates use keys i18n/en/ lacks: {missing:?}");
    }

    /// Text between tags, outside template expressions.
    fn literal_text(template: &str) -> String {
        let mut text = String::new();
        let mut rest = template;
        while let Some(start) = rest.find(['<', '{']) {
            text.push_str(&rest[..start]);
            let end = match &rest[start..start + 2.min(rest.len() - start)] {
                "{{" => rest[start..].find("}}").map(|e| start + e + 2),
                "{%" => rest[start..].find("%}").map(|e| start + e + 2),
                "{#" => rest[start..].find("#}").map(|e| start + e + 2),
                s if s.starts_with('<') => rest[start..].find('>').map(|e| start + e + 1),
                _ => Some(start + 1),
            };
            rest = &rest[end.unwrap_or(rest.len())..];
        }
        text.push_str(rest);
        text
    }

    #[test]
    fn templates_hold_no_words_of_their_own() {
        // Language names are written in their own language on purpose.
        let endonyms = ["English", "Français", "Español", "Português", "नेपाली"];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        for entry in std::fs::read_dir(&dir).expect("templates") {
            let path = entry.expect("entry").path();
            let mut text = literal_text(&std::fs::read_to_string(&path).expect("template"));
            for name in endonyms {
                text = text.replace(name, "");
            }
            let words: String = text.chars().filter(|c| c.is_alphabetic()).collect();
            assert!(words.is_empty(), "{} has untranslated text: {:?}", path.display(), text.trim());
        }
    }

    #[test]
    fn every_message_formats_without_error_in_every_language() {
        for (code, _) in SOURCES {
            let bundle = &catalogue().bundles[code];
            for key in keys(code) {
                let message = bundle.get_message(&key).expect("message");
                let Some(pattern) = message.value() else { continue };
                let mut args = FluentArgs::new();
                for name in [
                    "shown",
                    "page",
                    "pages",
                    "day",
                    "month",
                    "year",
                    "reference",
                    "date",
                    "from",
                    "to",
                    "what",
                    "field",
                    "username",
                    "status",
                    "note",
                    "amount",
                    "period",
                    "who",
                    "all",
                    "relation",
                ] {
                    args.set(name, "1");
                }
                args.set("count", 2);
                args.set("minutes", 2);
                let mut errors = Vec::new();
                bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{code}: {key}: {errors:?}");
            }
        }
    }

    #[test]
    fn languages_are_negotiated_and_dates_localised() {
        assert_eq!(negotiate(Some("fr-CH, fr;q=0.9, en;q=0.8")), "fr");
        assert_eq!(negotiate(Some("de, ne;q=0.5")), "ne");
        assert_eq!(negotiate(Some("de")), "en");
        assert_eq!(negotiate(None), "en");
        let date = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(Language::new("en").date(date), "27 November 2026");
        assert_eq!(Language::new("fr").date(date), "27 novembre 2026");
        assert_eq!(Language::new("es").date(date), "27 de noviembre de 2026");
        assert_eq!(Language::new("ne").date(date), "२७ नोभेम्बर २०२६");
        assert_eq!(Language::new("xx").code(), "en");
        assert_eq!(Language::new("fr").dir(), "ltr");
    }
}
