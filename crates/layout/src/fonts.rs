//! What layout needs to know about each font: is it math, monospace, bold, italic.

use folio_doc::{Document, Font, FontFamilyClass, FontId};

/// A font's traits as layout uses them, indexed like [`Document::fonts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FontTraits {
    /// Mathematics: a symbol font or a math font by name (CMMI, CMSY, CMEX, MSBM, …).
    pub math: bool,
    /// Fixed pitch.
    pub mono: bool,
    /// Bold weight.
    pub bold: bool,
    /// Italic or oblique.
    pub italic: bool,
}

/// Font name prefixes (uppercased, subset tag already removed) of TeX and OpenType math fonts
/// whose descriptors often claim an ordinary serif face.
const MATH_PREFIXES: &[&str] = &[
    "CMMI",
    "CMSY",
    "CMEX",
    "CMBSY",
    "CMMIB",
    "MSAM",
    "MSBM",
    "EUFM",
    "EUFB",
    "EUSM",
    "EUSB",
    "EUEX",
    "RSFS",
    "LMMATH",
    "LATINMODERNMATH",
    "STIXMATH",
    "STIXTWOMATH",
    "CAMBRIAMATH",
    "XITSMATH",
    "TXSY",
    "TXMI",
    "TXEX",
    "PXSY",
    "PXMI",
    "PXEX",
    "RTXMI",
    "NTXMI",
    "NTXSY",
    "NTXEX",
    "ZXXMI",
    "MTMI",
    "MTSY",
    "MTEX",
    "ESINT",
    "WASY",
    "STMARY",
    "MSYM",
    "MATHEMATICAL",
    "ASANAMATH",
    "EUROMS",
    "EULERMATH",
    "NEWCMMATH",
    "FIRAMATH",
    "GARAMONDMATH",
    "LIBERTINUSMATH",
];

/// Names of symbol fonts used for bullets and dingbats rather than mathematics.
const DINGBAT_NAMES: &[&str] = &[
    "ZAPFDINGBATS",
    "WINGDINGS",
    "WEBDINGS",
    "DINGBATS",
    "MARLETT",
];

/// Traits for every font of the document.
pub(crate) fn font_traits(doc: &Document) -> Vec<FontTraits> {
    doc.fonts.iter().map(traits_of).collect()
}

pub(crate) fn traits_of(font: &Font) -> FontTraits {
    let name: String = font
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let dingbat = DINGBAT_NAMES.iter().any(|d| name.contains(d));
    let by_name = MATH_PREFIXES.iter().any(|p| name.starts_with(p))
        || (name.contains("MATH") && !name.contains("MATHEMATICA"))
        || name.starts_with("SYMBOL");
    FontTraits {
        math: !dingbat && (by_name || font.style.family == FontFamilyClass::Symbol),
        mono: font.style.family == FontFamilyClass::Mono,
        bold: font.style.bold,
        italic: font.style.italic,
    }
}

/// The traits of one font, tolerating an id out of range (no panic on a broken IR).
pub(crate) fn traits(all: &[FontTraits], id: FontId) -> FontTraits {
    all.get(id.0 as usize).copied().unwrap_or_default()
}

/// Whether a character drawn in a math font is still ordinary text: bullets, footnote
/// daggers and section signs are set in CMSY by TeX but are not mathematics.
pub(crate) fn is_text_symbol(text: &str) -> bool {
    text.chars().all(|c| {
        crate::text::is_bullet(c)
            || matches!(
                c,
                '∗' | '⋆'
                    | '†'
                    | '‡'
                    | '§'
                    | '¶'
                    | '©'
                    | '®'
                    | '“'
                    | '”'
                    | '‘'
                    | '’'
                    | '{'
                    | '}'
            )
    })
}
