//! The one error type of the crate.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while rendering, comparing or checking golden cases.
///
/// Problems that concern a single page (a renderer panic, a page too large) are reported for
/// that page and the run goes on; the others stop the current file or case.
#[derive(Debug)]
#[non_exhaustive]
pub enum QaError {
    /// The renderer could not open the file at all.
    Load(String),
    /// A page index past the end of the document.
    PageOutOfRange {
        /// The page asked for, from 0.
        index: usize,
        /// How many pages the document has.
        page_count: usize,
    },
    /// The page would need an unreasonably large (or empty) pixmap at this resolution.
    PageSize {
        /// Width in pixels.
        width: f32,
        /// Height in pixels.
        height: f32,
    },
    /// The renderer panicked on this page (a bug in hayro or a file it cannot handle).
    RenderPanic(String),
    /// The reader panicked (a bug in `folio-pdf`).
    ReadPanic(String),
    /// Reading the PDF's text failed.
    Read(folio_pdf::ReadError),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A golden case, blessed image or word list is malformed.
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A case names an engine that cannot run yet (no translation pipeline was passed in).
    EngineUnavailable(String),
    /// The translation pipeline failed on a case.
    Pipeline(String),
}

impl QaError {
    /// An [`QaError::Io`] for this path.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`QaError::Invalid`] for this path.
    pub(crate) fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for QaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Load(m) => write!(f, "the renderer cannot open the file: {m}"),
            Self::PageOutOfRange { index, page_count } => {
                write!(
                    f,
                    "page {} does not exist (the file has {page_count})",
                    index + 1
                )
            }
            Self::PageSize { width, height } => {
                write!(
                    f,
                    "page would render to {width:.0}x{height:.0} pixels, which is out of bounds"
                )
            }
            Self::RenderPanic(m) => write!(f, "the renderer panicked: {m}"),
            Self::ReadPanic(m) => {
                write!(f, "the reader panicked: {m} (please report this as a bug)")
            }
            Self::Read(e) => write!(f, "failed to read text: {e}"),
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Invalid { path, message } => write!(f, "{}: {message}", path.display()),
            Self::EngineUnavailable(e) => {
                write!(
                    f,
                    "engine '{e}' cannot run here: no translation pipeline is available"
                )
            }
            Self::Pipeline(m) => write!(f, "translation failed: {m}"),
        }
    }
}

impl std::error::Error for QaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read(e) => Some(e),
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The crate's result type.
pub type QaResult<T> = Result<T, QaError>;

/// The message carried by a panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
