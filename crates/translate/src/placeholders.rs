//! Placeholders: the format lives in [`folio_doc::placeholders`] (written by layout, read back
//! by the pipeline); this is its check with the driver's [`Error`].

pub use folio_doc::placeholders::{
    Piece, PlaceholderError, parse, restore_spans, restore_spans_and_items, strip,
};

use crate::{Error, Result};

/// Checks that `translation` carries the placeholders of `source` (see
/// [`folio_doc::placeholders::validate`]), as an [`Error`] of this crate.
pub fn validate(source: &str, translation: &str) -> Result<()> {
    folio_doc::placeholders::validate(source, translation).map_err(Error::from)
}

impl From<PlaceholderError> for Error {
    fn from(e: PlaceholderError) -> Self {
        match e {
            PlaceholderError::Missing(p) => Self::MissingPlaceholder(p),
            PlaceholderError::Duplicate(p) => Self::DuplicatePlaceholder(p),
            PlaceholderError::Unbalanced(p) => Self::UnbalancedPlaceholder(p),
            PlaceholderError::Unknown(p) => Self::UnknownPlaceholder(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_keep_their_messages() {
        let src = "The [1]quick[/1] fox [2] jumps";
        let cases = [
            (
                "A raposa [1]rápida salta [2]",
                Error::MissingPlaceholder("[/1]".into()),
            ),
            (
                "[1]A[/1] raposa [2] [2]",
                Error::DuplicatePlaceholder("[2]".into()),
            ),
            (
                "[1]A[/1] raposa [2] [7]",
                Error::UnknownPlaceholder("[7]".into()),
            ),
            (
                "[/1]A[1] raposa [2]",
                Error::UnbalancedPlaceholder("[/1]".into()),
            ),
        ];
        for (out, want) in cases {
            let got = validate(src, out).unwrap_err();
            let doc = folio_doc::placeholders::validate(src, out).unwrap_err();
            assert_eq!(got.to_string(), doc.to_string());
            assert_eq!(got, want);
        }
        assert_eq!(validate(src, src), Ok(()));
    }
}
