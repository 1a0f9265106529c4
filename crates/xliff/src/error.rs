//! Why an XLIFF file could not be read or imported.

use std::fmt;

use folio_doc::placeholders::PlaceholderError;

/// This crate's result.
pub type Result<T> = std::result::Result<T, XliffError>;

/// A place in an XLIFF file, as editors show it: both counted from 1, columns in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` of `text` (clamped to its end; any offset is accepted).
    pub(crate) fn at(text: &str, offset: usize) -> Self {
        let bytes = &text.as_bytes()[..offset.min(text.len())];
        let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // Characters, not bytes: count all but UTF-8 continuation bytes.
        let column = bytes[start..].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1;
        Self { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Why [`read`](crate::read) or [`changes`](crate::changes) failed. Each names where: a
/// position in the file, or the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XliffError {
    /// The file is not well-formed XML (truncated, a tag not closed, a bad entity).
    Malformed {
        /// Where the parser stopped.
        at: Position,
        /// What it found.
        message: String,
    },
    /// The root element is not `<xliff>`.
    NotXliff {
        /// The root element's name.
        root: String,
    },
    /// `<xliff version>` is not 1.2.
    Version {
        /// The version the file declares.
        found: String,
    },
    /// `<xliff>` declares a namespace other than XLIFF 1.2's.
    Namespace {
        /// The namespace the file declares.
        found: String,
    },
    /// Well-formed XLIFF 1.2 that Folio cannot use: no `<file>`, several, a `<trans-unit>`
    /// without id or `<source>`, nesting too deep.
    Invalid {
        /// Where.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// An inline element Folio does not write (`<ph>`, `<bpt>`…), or one of its own whose id
    /// is not a placeholder number.
    InlineCode {
        /// Where.
        at: Position,
        /// The unit's id.
        unit: String,
        /// The element as found, e.g. `<ph>` or `<g id="a1">`.
        code: String,
    },
    /// The imported file has a unit the document does not.
    UnknownUnit {
        /// The unit's id.
        id: String,
    },
    /// The imported file has a unit twice.
    DuplicateUnit {
        /// The unit's id.
        id: String,
    },
    /// A unit's `<source>` is not the document's (whitespace aside).
    SourceChanged {
        /// The unit's id.
        id: String,
    },
    /// A unit's target does not carry its source's placeholders.
    Placeholder {
        /// The unit's id.
        id: String,
        /// The placeholder and what is wrong with it.
        error: PlaceholderError,
        /// The placeholder as an XLIFF inline code, as the translator sees it (`<g id="1">`).
        code: String,
    },
    /// A unit kept in the source language (`translate="no"`) was given another target.
    KeptUnitChanged {
        /// The unit's id.
        id: String,
    },
    /// The imported file is for another language pair.
    LanguageMismatch {
        /// The file's `source-language → target-language`.
        imported: String,
        /// The document's.
        current: String,
    },
}

impl XliffError {
    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::Malformed { .. } => {
                "the file may be truncated or edited by hand; export it again from the CAT tool"
            }
            Self::NotXliff { .. } | Self::Version { .. } | Self::Namespace { .. } => {
                "export the file as XLIFF 1.2 from the CAT tool"
            }
            Self::InlineCode { .. } => {
                "keep the tags of the source (<g>, <x>, <bx>, <ex>) and add no other"
            }
            Self::UnknownUnit { .. } | Self::SourceChanged { .. } => {
                "the file was exported from another document or an older version of it; \
                 export it again"
            }
            Self::Placeholder { .. } => {
                "every tag of the source must occur once in the target, pairs not crossing"
            }
            Self::KeptUnitChanged { .. } => {
                "units marked translate=\"no\" stay in the source language; leave their target"
            }
            Self::LanguageMismatch { .. } => "import the file exported for this language pair",
            Self::Invalid { .. } | Self::DuplicateUnit { .. } => return None,
        })
    }
}

impl fmt::Display for XliffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { at, message } => write!(f, "malformed XML at {at}: {message}"),
            Self::NotXliff { root } => {
                write!(
                    f,
                    "not an XLIFF file: the root element is <{root}>, not <xliff>"
                )
            }
            Self::Version { found } => {
                write!(f, "XLIFF version {found:?} is not supported, only 1.2")
            }
            Self::Namespace { found } => write!(
                f,
                "not an XLIFF 1.2 file: namespace {found:?}, not {:?}",
                crate::NAMESPACE
            ),
            Self::Invalid { at, message } => write!(f, "invalid XLIFF at {at}: {message}"),
            Self::InlineCode { at, unit, code } => write!(
                f,
                "unit {unit:?} at {at}: inline code {code} is not one Folio wrote"
            ),
            Self::UnknownUnit { id } => write!(f, "unit {id:?} is not in the document"),
            Self::DuplicateUnit { id } => write!(f, "unit {id:?} occurs more than once"),
            Self::SourceChanged { id } => {
                write!(f, "unit {id:?}: the source differs from the document's")
            }
            Self::Placeholder { id, error, code } => {
                write!(f, "unit {id:?}: {error} ({code} in the XLIFF)")
            }
            Self::KeptUnitChanged { id } => write!(
                f,
                "unit {id:?} is kept in the source language (translate=\"no\") but its target \
                 was changed"
            ),
            Self::LanguageMismatch { imported, current } => {
                write!(f, "the file is for {imported}, the document for {current}")
            }
        }
    }
}

impl std::error::Error for XliffError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\nçé<x\n";
        assert_eq!(Position::at(text, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::at(text, 3), Position { line: 2, column: 1 });
        // "çé" is 4 bytes, 2 characters.
        assert_eq!(Position::at(text, 7), Position { line: 2, column: 3 });
        // Inside a character, or past the end: still a position, no panic.
        assert_eq!(Position::at(text, 4).line, 2);
        assert_eq!(Position::at(text, 99), Position { line: 3, column: 1 });
    }
}
