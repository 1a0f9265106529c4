//! Why a PDF could not be read, said so that a user knows what to do.

use std::fmt;

/// Why a file could not be read at all. Problems with parts of a file are warnings instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// The bytes do not start like a PDF.
    NotPdf,
    /// The file is a PDF but too damaged to find its pages, even after rebuilding the xref.
    Damaged,
    /// The file is encrypted and the empty user password does not open it.
    PasswordRequired,
    /// The password given does not open the file.
    WrongPassword,
    /// The file uses an encryption scheme that cannot be decrypted here.
    UnsupportedEncryption(String),
    /// The file has no pages.
    NoPages,
    /// The document goes over a resource limit that concerns it whole (pages, objects, bytes
    /// decoded); limits of one page fail that page only.
    Limit(crate::LimitExceeded),
    /// A page range asked for pages the file does not have.
    PagesOutOfRange {
        /// The range as given.
        asked: String,
        /// How many pages the file has.
        page_count: u32,
    },
}

impl ReadError {
    /// A separate, actionable line that tells the user what to try.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ReadError::NotPdf => Some("check that the file is a PDF and was not cut short"),
            ReadError::Damaged => {
                Some("the file is too damaged to repair; open it in a viewer and save a new copy")
            }
            ReadError::PasswordRequired => Some("pass the user password with --password"),
            ReadError::WrongPassword => Some("check the password given with --password"),
            ReadError::UnsupportedEncryption(_) => {
                Some("decrypt the file first, e.g. `qpdf --decrypt in.pdf out.pdf`")
            }
            ReadError::NoPages => None,
            ReadError::Limit(_) => Some(
                "if the file is trusted, raise the limit in the config's [limits] table (or --max-pages)",
            ),
            ReadError::PagesOutOfRange { .. } => Some("pages are numbered from 1"),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotPdf => write!(f, "not a PDF file (no %PDF header or objects found)"),
            ReadError::Damaged => write!(f, "the PDF is damaged beyond repair: no page tree found"),
            ReadError::PasswordRequired => {
                write!(f, "the PDF is encrypted and needs a user password")
            }
            ReadError::WrongPassword => write!(f, "the password does not open this PDF"),
            ReadError::UnsupportedEncryption(what) => {
                write!(
                    f,
                    "the PDF is encrypted with an unsupported scheme ({what})"
                )
            }
            ReadError::NoPages => write!(f, "the PDF has no pages"),
            ReadError::Limit(limit) => limit.fmt(f),
            ReadError::PagesOutOfRange { asked, page_count } => {
                write!(
                    f,
                    "pages {asked} are out of range: the PDF has {page_count} pages"
                )
            }
        }
    }
}

impl std::error::Error for ReadError {}
