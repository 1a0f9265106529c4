//! What an XLIFF file carries for Folio.

/// One translatable unit: a block of the PDF, an outline entry or the title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Unique in its document; `<trans-unit id>`.
    pub id: String,
    /// The text to translate, with Folio placeholders (`[n]…[/n]`, `[n]`).
    pub source: String,
    /// The translation, with the source's placeholders; `None` before there is one.
    pub target: Option<String>,
    /// `false`: the unit is kept in the source language, written `translate="no"`.
    pub translate: bool,
    /// A note for the translator, e.g. "page 3, box 72 540 300 600".
    pub note: Option<String>,
}

/// A document's translatable units and its language pair: one XLIFF `<file>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The original file's name (`<file original>`).
    pub original: String,
    /// The source language, a BCP 47 tag such as `en` or `pt-BR`.
    pub source_language: String,
    /// The target language, a BCP 47 tag; empty when an imported file has none.
    pub target_language: String,
    /// The units, in reading order.
    pub units: Vec<Unit>,
}

/// A unit whose translation a translator changed ([`changes`](crate::changes)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The unit's id.
    pub id: String,
    /// Its new translation, with Folio placeholders, checked against the source's.
    pub target: String,
}

/// A document with what must round-trip: nested spans, kept items, placeholders that do not
/// nest, escapes, bracketed text, non-Latin scripts, whitespace, empty and absent targets.
#[cfg(test)]
pub(crate) fn sample() -> Document {
    let unit = |id: &str, source: &str, target: Option<&str>, translate, note: Option<&str>| Unit {
        id: id.into(),
        source: source.into(),
        target: target.map(Into::into),
        translate,
        note: note.map(Into::into),
    };
    Document {
        original: "Q3 report <draft> & \"notes\".pdf".into(),
        source_language: "en".into(),
        target_language: "fr".into(),
        units: vec![
            unit(
                "p1-b1",
                "The [1]quick [2]brown[/2][/1] fox [3] jumps",
                Some("Le [1]renard [2]brun[/2][/1] [3] saute"),
                true,
                Some("page 1, box 72 540 300 600"),
            ),
            unit(
                "p1-b2",
                "a < b && c > d; see [a], [012] and [/x]; \"quoted\" 'single' ]]> &amp;",
                Some(""),
                true,
                None,
            ),
            unit(
                "p1-b3",
                "日本語の[1]テキスト[/1] — Ελληνικά, עברית, русский 🦊",
                Some("テキスト [1]日本語[/1] 🦊"),
                true,
                Some("page 1\nsecond line"),
            ),
            unit(
                "p2-b1",
                "  leading and trailing\n\tspaces\r\n",
                None,
                true,
                None,
            ),
            unit("p2-b2", "E = mc^2 [1]", None, false, Some("kept: formula")),
            unit(
                "p2-b3",
                "[/1] stray [2]a[3]b[/2]c[/3] [1]",
                None,
                true,
                None,
            ),
            unit(
                "outline-1",
                "Chapter [1]one[/1]",
                Some("Chapitre [1]un[/1]"),
                true,
                None,
            ),
        ],
    }
}
