//! Why OCR failed.

use std::fmt;

/// The crate's result.
pub type OcrResult<T> = Result<T, OcrError>;

/// Why a page could not be read by OCR.
#[derive(Debug)]
#[non_exhaustive]
pub enum OcrError {
    /// The tesseract command does not run.
    Missing {
        /// The command tried.
        command: String,
    },
    /// Tesseract has no data for the language.
    MissingLanguage {
        /// Tesseract's code.
        language: String,
    },
    /// No tesseract language is known for the document's source language.
    UnknownLanguage(String),
    /// The page could not be rendered for tesseract.
    Render {
        /// Page, from 0.
        page: u32,
        /// Why.
        message: String,
    },
    /// Tesseract ran and failed.
    Failed {
        /// Page, from 0.
        page: u32,
        /// What it said.
        message: String,
    },
}

impl fmt::Display for OcrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OcrError::Missing { command } => {
                write!(f, "OCR needs the '{command}' command, which does not run")
            }
            OcrError::MissingLanguage { language } => write!(
                f,
                "tesseract has no data for the language '{language}' (Debian package {})",
                crate::tesseract_package(language)
            ),
            OcrError::UnknownLanguage(lang) => {
                write!(f, "no tesseract language is known for '{lang}'")
            }
            OcrError::Render { page, message } => {
                write!(
                    f,
                    "page {}: could not render it for OCR: {message}",
                    page + 1
                )
            }
            OcrError::Failed { page, message } => {
                write!(f, "page {}: tesseract failed: {message}", page + 1)
            }
        }
    }
}

impl std::error::Error for OcrError {}

impl OcrError {
    /// What to do about it, when there is something to do.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            OcrError::Missing { .. } => Some(
                "install tesseract (Debian: `apt-get install tesseract-ocr tesseract-ocr-eng`), or pass --ocr never",
            ),
            OcrError::MissingLanguage { .. } => {
                Some("install the package named, or name another language with --ocr-lang")
            }
            OcrError::UnknownLanguage(_) => {
                Some("name tesseract's language with --ocr-lang (for example eng)")
            }
            _ => None,
        }
    }
}
