//! Writing a document as XLIFF 1.2.

use crate::escape::escape_into;
use crate::inline::write_inline;
use crate::{Document, NAMESPACE, Unit};

/// Writes `doc` as an XLIFF 1.2 file: one `<file datatype="plaintext">`, one `<trans-unit>`
/// per unit, in order, indented for a reader; the output is the same for the same document.
/// A unit kept in the source language is written `translate="no"`, so CAT tools lock it; a
/// unit without target has no `<target>`.
pub fn write(doc: &Document) -> String {
    let mut out = String::with_capacity(256 + doc.units.len() * 256);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<xliff version=\"1.2\" xmlns=\"{NAMESPACE}\">\n"));
    out.push_str("  <file original=\"");
    escape_into(&mut out, &doc.original, true);
    out.push_str("\" source-language=\"");
    escape_into(&mut out, &doc.source_language, true);
    // target-language is optional in XLIFF 1.2; an empty one would be an invalid tag.
    if !doc.target_language.is_empty() {
        out.push_str("\" target-language=\"");
        escape_into(&mut out, &doc.target_language, true);
    }
    out.push_str("\" datatype=\"plaintext\">\n    <body>\n");
    for unit in &doc.units {
        write_unit(&mut out, unit);
    }
    out.push_str("    </body>\n  </file>\n</xliff>\n");
    out
}

fn write_unit(out: &mut String, unit: &Unit) {
    out.push_str("      <trans-unit id=\"");
    escape_into(out, &unit.id, true);
    out.push('"');
    if !unit.translate {
        out.push_str(" translate=\"no\"");
    }
    // A block's spaces and line breaks are its text: ask tools not to reflow them.
    out.push_str(" xml:space=\"preserve\">\n        <source>");
    write_inline(out, &unit.source);
    out.push_str("</source>\n");
    // No translation, no <target>. XLIFF 1.2 makes <target> optional, and OmegaT, memoQ and
    // Trados all create it for a unit that has none; an empty <target/>, on the contrary, some
    // of them (OmegaT's Okapi filter, for one) take for a translation that is deliberately
    // empty. An empty but present target (`Some("")`) is still written, as "needs-translation",
    // so that it round-trips.
    if let Some(target) = &unit.target {
        let state = if target.is_empty() {
            "needs-translation"
        } else {
            "translated"
        };
        out.push_str(&format!("        <target state=\"{state}\">"));
        write_inline(out, target);
        out.push_str("</target>\n");
    }
    if let Some(note) = &unit.note {
        out.push_str("        <note>");
        escape_into(out, note, false);
        out.push_str("</note>\n");
    }
    out.push_str("      </trans-unit>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_xliff_1_2_shape() {
        let doc = Document {
            original: "a \"b\".pdf".into(),
            source_language: "en".into(),
            target_language: "fr".into(),
            units: vec![
                Unit {
                    id: "p1-b1".into(),
                    source: "Hello [1]world[/1]".into(),
                    target: Some("Bonjour [1]monde[/1]".into()),
                    translate: true,
                    note: Some("page 1".into()),
                },
                Unit {
                    id: "p1-b2".into(),
                    source: "E = mc²".into(),
                    target: None,
                    translate: false,
                    note: None,
                },
            ],
        };
        assert_eq!(
            write(&doc),
            r#"<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="a &quot;b&quot;.pdf" source-language="en" target-language="fr" datatype="plaintext">
    <body>
      <trans-unit id="p1-b1" xml:space="preserve">
        <source>Hello <g id="1">world</g></source>
        <target state="translated">Bonjour <g id="1">monde</g></target>
        <note>page 1</note>
      </trans-unit>
      <trans-unit id="p1-b2" translate="no" xml:space="preserve">
        <source>E = mc²</source>
      </trans-unit>
    </body>
  </file>
</xliff>
"#
        );
    }
}
