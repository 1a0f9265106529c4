//! The crate's one error type.

use std::fmt;
use std::time::Duration;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while translating: setting up an engine, calling it, or checking what it
/// returned.
///
/// A failed call never aborts a document: [`crate::translate_segments`] turns the error into the
/// reason of a [`folio_doc::Outcome::Failed`] segment (its `Display` text), after retrying and
/// splitting where that can help ([`Error::is_transient`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A language code is not a BCP 47-like tag (`en`, `pt-BR`, `zh-Hant`).
    BadLanguage(String),
    /// The engine has no model or rules for this language pair.
    UnsupportedPair {
        /// The engine's name.
        engine: String,
        /// The pair asked, as `from>to`.
        pair: String,
    },
    /// No engine of this name is known.
    UnknownEngine(String),
    /// The engine asks to slow down (HTTP 429); worth retrying after the delay it gives.
    RateLimited {
        /// How long the engine asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// The engine did not answer within the time allowed; worth retrying.
    Timeout(Duration),
    /// The engine could not be reached or failed on its side (5xx); worth retrying.
    Unavailable(String),
    /// The engine refused the request (4xx other than 429, bad key); not worth retrying as is.
    Rejected(String),
    /// The engine answered with something unusable as a whole (malformed JSON, wrong shape).
    BadReply(String),
    /// The engine's reply had no translation for a segment it was sent.
    MissingItem,
    /// The translation is empty while the source is not.
    EmptyTranslation,
    /// A placeholder of the source is absent from the translation.
    MissingPlaceholder(String),
    /// A placeholder occurs more than once in the translation.
    DuplicatePlaceholder(String),
    /// A placeholder is opened but not closed, closed but not opened, closed before it is
    /// opened, or crosses another span.
    UnbalancedPlaceholder(String),
    /// The translation has a placeholder the source does not have.
    UnknownPlaceholder(String),
    /// The translation's length is implausible next to the source's.
    LengthRatio {
        /// Characters of the translation per character of the source.
        ratio: f32,
    },
    /// The translation is the source text, or mostly its words: the engine left it in the
    /// source language.
    LeftInSourceLanguage,
    /// The translation is in another language than the target (identified by its letters;
    /// see [`Validation`](crate::Validation)).
    WrongLanguage {
        /// The target language's name.
        expected: String,
        /// The language found.
        found: String,
    },
    /// The translation has text the source does not (a number that is not in the source): a
    /// model inventing rather than translating.
    AddedText(String),
    /// An engine's settings are unusable (a malformed base URL, an unreadable glossary).
    Config(String),
    /// The translation cache could not be read or written.
    Cache(String),
    /// The async runtime could not be started.
    Runtime(String),
    /// No installed model translates the language pair asked.
    NoModel {
        /// The pair asked, as `from→to`.
        pair: String,
        /// The models folder searched.
        dir: String,
        /// What to do about it: what to install, or which other engine to use.
        hint: String,
    },
    /// A model's files could not be read or loaded, or the model failed while translating.
    Model(String),
}

impl Error {
    /// Whether the same request may succeed if sent again later (rate limits, timeouts, server
    /// errors), as opposed to a request or reply that is wrong in itself.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Timeout(_) | Self::Unavailable(_)
        )
    }

    /// Whether the engine refuses this run rather than a text: a bad key, a model or a pair
    /// it does not have, settings it cannot use. Smaller requests and later ones would be
    /// refused alike, so a batch refused for it is neither split nor followed by others.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Rejected(_)
                | Self::UnsupportedPair { .. }
                | Self::UnknownEngine(_)
                | Self::NoModel { .. }
                | Self::Config(_)
        )
    }

    /// Whether the translation came back in the wrong language (or left in the source's):
    /// such an item is sent again alone once before it fails, since a model may drift in a
    /// long batch and not on one text.
    pub fn is_language(&self) -> bool {
        matches!(
            self,
            Self::LeftInSourceLanguage | Self::WrongLanguage { .. }
        )
    }

    /// What to tell a model whose reply was refused for this reason, when telling it may
    /// help: the reason and what to do instead ([`crate::Batch::correction`]). Such an item
    /// is sent again alone once, told, since a model that drops a marker, cuts its reply or
    /// adds a sentence in a batch often does not when told. `None` for reasons a model
    /// cannot act on (a timeout, a refusal) and for the language, which has its own retry.
    pub fn correction(&self) -> Option<String> {
        let todo = match self {
            Self::MissingPlaceholder(_)
            | Self::DuplicatePlaceholder(_)
            | Self::UnbalancedPlaceholder(_)
            | Self::UnknownPlaceholder(_) => {
                "Put every marker of the source in the translation, once each, around the \
                 words it marks"
            }
            Self::LengthRatio { .. } | Self::EmptyTranslation => {
                "Translate the whole text, every sentence of it, and nothing more"
            }
            Self::AddedText(_) => "Translate only what the text says; add nothing",
            _ => return None,
        };
        Some(format!("{self}. {todo}."))
    }

    /// The delay the engine asked for before the next request, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadLanguage(code) => write!(f, "invalid language code {code:?}"),
            Self::UnsupportedPair { engine, pair } => {
                write!(f, "engine {engine} does not translate {pair}")
            }
            Self::UnknownEngine(name) => write!(f, "unknown engine {name:?}"),
            Self::RateLimited {
                retry_after: Some(d),
            } => {
                write!(
                    f,
                    "rate limited by the engine (retry after {} ms)",
                    d.as_millis()
                )
            }
            Self::RateLimited { retry_after: None } => write!(f, "rate limited by the engine"),
            Self::Timeout(d) => write!(f, "engine did not answer within {} ms", d.as_millis()),
            Self::Unavailable(msg) => write!(f, "engine unavailable: {msg}"),
            Self::Rejected(msg) => write!(f, "engine rejected the request: {msg}"),
            Self::BadReply(msg) => write!(f, "unusable reply from the engine: {msg}"),
            Self::MissingItem => write!(f, "the engine returned no translation for the segment"),
            Self::EmptyTranslation => write!(f, "the translation is empty"),
            Self::MissingPlaceholder(p) => {
                write!(f, "placeholder {p} missing from the translation")
            }
            Self::DuplicatePlaceholder(p) => {
                write!(
                    f,
                    "placeholder {p} occurs more than once in the translation"
                )
            }
            Self::UnbalancedPlaceholder(p) => {
                write!(f, "placeholder {p} is unbalanced in the translation")
            }
            Self::UnknownPlaceholder(p) => {
                write!(f, "placeholder {p} in the translation is not in the source")
            }
            Self::LengthRatio { ratio } => {
                write!(
                    f,
                    "the translation is {ratio:.2} times as long as the source"
                )
            }
            Self::LeftInSourceLanguage => {
                write!(f, "the translation was left in the source language")
            }
            Self::WrongLanguage { expected, found } => {
                write!(f, "the translation is in {found}, not {expected}")
            }
            Self::AddedText(text) => {
                write!(
                    f,
                    "the translation adds {text:?}, which is not in the source"
                )
            }
            Self::Config(msg) => write!(f, "invalid engine settings: {msg}"),
            Self::Cache(msg) => write!(f, "translation cache failed: {msg}"),
            Self::Runtime(msg) => write!(f, "failed to start the async runtime: {msg}"),
            Self::NoModel { pair, dir, hint } => {
                write!(f, "no Bergamot model for {pair} in {dir}; {hint}")
            }
            Self::Model(msg) => write!(f, "model failed: {msg}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_the_retryable_ones() {
        assert!(Error::Timeout(Duration::from_secs(1)).is_transient());
        assert!(Error::RateLimited { retry_after: None }.is_transient());
        assert!(!Error::BadReply("x".into()).is_transient());
        assert!(!Error::MissingPlaceholder("[1]".into()).is_transient());
    }

    #[test]
    fn messages_are_lowercase_without_final_period() {
        let errors = [
            Error::BadLanguage("??".into()),
            Error::MissingItem,
            Error::Timeout(Duration::from_millis(5)),
            Error::LengthRatio { ratio: 7.0 },
        ];
        for e in errors {
            let msg = e.to_string();
            assert!(msg.starts_with(|c: char| c.is_lowercase()), "{msg}");
            assert!(!msg.ends_with('.'), "{msg}");
        }
    }
}
