//! XLIFF 1.2 for an editor's or a translator's round trip: a document's translatable units go
//! out as an XLIFF file ([`write()`]), come back from a CAT tool (OmegaT, memoQ, Trados…)
//! ([`read`]), and what the translator changed is checked against the current document
//! ([`changes`]).
//!
//! ```
//! use folio_xliff::{Document, Unit};
//!
//! let doc = Document {
//!     original: "report.pdf".into(),
//!     source_language: "en".into(),
//!     target_language: "fr".into(),
//!     units: vec![Unit {
//!         id: "p1-b1".into(),
//!         source: "The [1]quick[/1] fox".into(),
//!         target: Some("Le renard [1]rapide[/1]".into()),
//!         translate: true,
//!         note: Some("page 1".into()),
//!     }],
//! };
//! let xml = folio_xliff::write(&doc);
//! assert!(xml.contains(r#"<source>The <g id="1">quick</g> fox</source>"#));
//!
//! // The translator edits the target in a CAT tool…
//! let edited = xml.replace("Le renard", "Le goupil");
//! let changes = folio_xliff::changes(&folio_xliff::read(&edited)?, &doc)?;
//! assert_eq!(changes[0].target, "Le goupil [1]rapide[/1]");
//! # Ok::<(), folio_xliff::XliffError>(())
//! ```
//!
//! # Mapping
//!
//! Folio's placeholders ([`folio_doc::placeholders`]) become XLIFF inline codes, so CAT tools
//! protect them as tags: a span `[n]…[/n]` is `<g id="n">…</g>`, a kept item `[n]` is
//! `<x id="n"/>`. Placeholders that do not nest (a layout bug, which must still round-trip) are
//! written as `<bx id="n"/>` and `<ex id="n"/>`. Any other text is escaped: a literal `[a]`,
//! `<` or `&` comes back as it was. Reading also accepts `<mrk>` (segment markers that memoQ
//! and Trados add) and skips what tools add around units (`<header>`, `<alt-trans>`,
//! `<context-group>`, `<seg-source>`, `<group>`, other namespaces).
//!
//! # Limitations
//!
//! One `<file>` per XLIFF document. Characters that XML 1.0 cannot carry (control characters
//! other than tab, line feed and carriage return) are written as U+FFFD; [`changes`] compares
//! sources the same way, so such a unit still imports. Other inline codes (`<ph>`, `<bpt>`,
//! `<it>`…) are refused: Folio never writes them, and their content could not be put back.

mod changes;
mod error;
mod escape;
mod inline;
mod model;
mod read;
mod tree;
mod write;

pub use changes::changes;
pub use error::{Position, Result, XliffError};
pub use model::{Change, Document, Unit};
pub use read::read;
pub use write::write;

/// The XLIFF 1.2 namespace, written on `<xliff>` and checked on reading.
pub const NAMESPACE: &str = "urn:oasis:names:tc:xliff:document:1.2";
