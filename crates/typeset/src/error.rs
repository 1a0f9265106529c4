//! The crate's one error type.

use std::fmt;
use std::path::PathBuf;

/// What can stop the typesetter. Problems it can work around (a missing glyph, text that does
/// not fit) are not errors: they come back as [`Warning`](crate::Warning)s beside the result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TypesetError {
    /// A font directory or file could not be read.
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// Bytes given as a font program are not a TrueType, OpenType or CFF font we can read.
    InvalidFont {
        /// Where the bytes came from (a file name, or a description of an embedded font).
        source: String,
    },
    /// A font directory held no usable font.
    NoFonts {
        /// The directory searched.
        path: PathBuf,
    },
    /// A face id does not name a face of this font book.
    UnknownFace {
        /// The id asked for.
        face: u32,
    },
    /// The block to lay out is unusable as given (a box or size that is not finite and positive).
    InvalidBlock {
        /// The caller's block id.
        block: u32,
        /// What is wrong with it.
        message: String,
    },
    /// HarfRust refused to shape a run; this is a bug in Folio.
    Shape {
        /// HarfRust's message.
        message: String,
    },
}

impl fmt::Display for TypesetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Self::InvalidFont { source } => write!(f, "not a usable font program: {source}"),
            Self::NoFonts { path } => write!(f, "no usable font in {}", path.display()),
            Self::UnknownFace { face } => write!(f, "unknown font face {face}"),
            Self::InvalidBlock { block, message } => write!(f, "block {block}: {message}"),
            Self::Shape { message } => {
                write!(
                    f,
                    "failed to shape text: {message} (please report this as a bug)"
                )
            }
        }
    }
}

impl std::error::Error for TypesetError {}

/// The crate's `Result`.
pub type TypesetResult<T> = Result<T, TypesetError>;
