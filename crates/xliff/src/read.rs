//! Reading an XLIFF 1.2 file, as Folio wrote it or as a CAT tool gave it back.

use folio_doc::placeholders::Piece;

use crate::tree::{self, Element, Node};
use crate::{Document, NAMESPACE, Position, Result, Unit, XliffError};

/// Reads an XLIFF 1.2 file: its one `<file>`'s languages and units, inline codes turned back
/// into Folio placeholders. What CAT tools add (a `<header>`, `<group>`s, `<alt-trans>`,
/// `<context-group>`, `<seg-source>`, `<mrk>` segments, other namespaces' elements and
/// attributes, comments) is skipped. A `<target>`, even empty, is `Some`; several `<note>`s are
/// joined by line feeds. Never panics; errors say where.
pub fn read(xml: &str) -> Result<Document> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let root = tree::parse(xml)?;
    let reader = XliffReader {
        xml,
        prefix: root.prefix.clone(),
    };
    reader.document(&root)
}

struct XliffReader<'a> {
    xml: &'a str,
    /// The prefix of XLIFF's elements: the root's (none, usually).
    prefix: Option<String>,
}

impl XliffReader<'_> {
    /// Whether `el` is XLIFF's element `name` rather than another namespace's.
    fn is(&self, el: &Element, name: &str) -> bool {
        el.name == name && el.prefix == self.prefix
    }

    fn invalid(&self, el: &Element, message: String) -> XliffError {
        XliffError::Invalid {
            at: Position::at(self.xml, el.offset),
            message,
        }
    }

    fn document(&self, root: &Element) -> Result<Document> {
        if root.name != "xliff" {
            return Err(XliffError::NotXliff {
                root: root.qualified_name(),
            });
        }
        if let Some(version) = root.attribute("version")
            && version.trim() != "1.2"
        {
            return Err(XliffError::Version {
                found: version.into(),
            });
        }
        // A file without namespace is read as XLIFF 1.2 too: old tools omit it.
        let xmlns = match &root.prefix {
            Some(prefix) => format!("xmlns:{prefix}"),
            None => "xmlns".into(),
        };
        if let Some(namespace) = root.attribute(&xmlns)
            && namespace.trim() != NAMESPACE
        {
            return Err(XliffError::Namespace {
                found: namespace.into(),
            });
        }

        let mut files = root.elements().filter(|el| self.is(el, "file"));
        let Some(file) = files.next() else {
            return Err(self.invalid(root, "no <file> element".into()));
        };
        if let Some(second) = files.next() {
            return Err(self.invalid(
                second,
                "a second <file>: Folio reads one document per XLIFF file".into(),
            ));
        }
        let Some(source_language) = file.attribute("source-language") else {
            return Err(self.invalid(file, "<file> has no source-language".into()));
        };
        let mut units = Vec::new();
        for body in file.elements().filter(|el| self.is(el, "body")) {
            self.units(body, &mut units)?;
        }
        Ok(Document {
            original: file.attribute("original").unwrap_or_default().into(),
            source_language: source_language.into(),
            target_language: file.attribute("target-language").unwrap_or_default().into(),
            units,
        })
    }

    /// The units of a `<body>` or `<group>`, groups flattened, `<bin-unit>`s skipped.
    fn units(&self, parent: &Element, units: &mut Vec<Unit>) -> Result<()> {
        for el in parent.elements() {
            if self.is(el, "trans-unit") {
                units.push(self.unit(el)?);
            } else if self.is(el, "group") {
                self.units(el, units)?;
            }
        }
        Ok(())
    }

    fn unit(&self, el: &Element) -> Result<Unit> {
        let Some(id) = el.attribute("id") else {
            return Err(self.invalid(el, "<trans-unit> has no id".into()));
        };
        let (mut source, mut target, mut notes) = (None, None, Vec::new());
        // Only the unit's own <source>, <target> and <note>: <alt-trans> (translation memory
        // matches) has a <source> and <target> of its own, one level down.
        for child in el.elements() {
            if self.is(child, "source") && source.is_none() {
                source = Some(self.inline_text(child, id)?);
            } else if self.is(child, "target") && target.is_none() {
                target = Some(self.inline_text(child, id)?);
            } else if self.is(child, "note") {
                notes.push(child.text());
            }
        }
        let Some(source) = source else {
            return Err(self.invalid(el, format!("<trans-unit id={id:?}> has no <source>")));
        };
        Ok(Unit {
            id: id.into(),
            source,
            target,
            translate: el.attribute("translate").map(str::trim) != Some("no"),
            note: (!notes.is_empty()).then(|| notes.join("\n")),
        })
    }

    /// The text of a `<source>` or `<target>`, with Folio placeholders.
    fn inline_text(&self, el: &Element, unit: &str) -> Result<String> {
        let mut out = String::new();
        self.inline(el, unit, &mut out)?;
        Ok(out)
    }

    fn inline(&self, el: &Element, unit: &str, out: &mut String) -> Result<()> {
        for node in &el.children {
            let code = match node {
                Node::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Node::Element(code) => code,
            };
            let name = if code.prefix == self.prefix {
                code.name.as_str()
            } else {
                ""
            };
            match name {
                "g" => {
                    let n = self.code_number(code, unit, "id")?;
                    out.push_str(&Piece::Open(n).to_string());
                    self.inline(code, unit, out)?;
                    out.push_str(&Piece::Close(n).to_string());
                }
                "x" => {
                    let n = self.code_number(code, unit, "id")?;
                    out.push_str(&Piece::Open(n).to_string());
                }
                // A tool may renumber ids; rid ties <bx> to its <ex>.
                "bx" => {
                    let n = self.code_number(code, unit, "rid")?;
                    out.push_str(&Piece::Open(n).to_string());
                }
                "ex" => {
                    let n = self.code_number(code, unit, "rid")?;
                    out.push_str(&Piece::Close(n).to_string());
                }
                // Segment and annotation markers (memoQ, Trados): their text is the unit's.
                "mrk" => self.inline(code, unit, out)?,
                _ => {
                    return Err(XliffError::InlineCode {
                        at: Position::at(self.xml, code.offset),
                        unit: unit.into(),
                        code: format!("<{}>", code.qualified_name()),
                    });
                }
            }
        }
        Ok(())
    }

    /// The placeholder number of an inline code: attribute `key`, else `id`, a canonical
    /// number as `[n]` requires.
    fn code_number(&self, code: &Element, unit: &str, key: &str) -> Result<u32> {
        let value = code.attribute(key).or_else(|| code.attribute("id"));
        let number = value.and_then(|v| {
            let canonical = !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_digit())
                && (v == "0" || !v.starts_with('0'));
            canonical.then(|| v.parse().ok()).flatten()
        });
        number.ok_or_else(|| XliffError::InlineCode {
            at: Position::at(self.xml, code.offset),
            unit: unit.into(),
            code: match value {
                Some(v) => format!("<{} {key}={v:?}>", code.qualified_name()),
                None => format!("<{}> without id", code.qualified_name()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sample;
    use crate::write;

    #[track_caller]
    fn error(xml: &str) -> XliffError {
        match read(xml) {
            Err(err) => err,
            Ok(doc) => panic!("expected an error, read {doc:?}"),
        }
    }

    #[test]
    fn write_then_read_round_trips() {
        let doc = sample();
        let xml = write(&doc);
        assert_eq!(read(&xml), Ok(doc.clone()));
        // And so does a document without units nor target language.
        let empty = Document {
            units: Vec::new(),
            target_language: String::new(),
            ..doc
        };
        assert_eq!(read(&write(&empty)), Ok(empty));
    }

    #[test]
    fn reads_what_cat_tools_write() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a CAT tool -->
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0" version="1.2" sdl:version="1.0">
  <file original="report.pdf" source-language="en-US" target-language="fr-FR" datatype="plaintext" tool-id="cat">
    <header>
      <tool tool-id="cat" tool-name="Some CAT tool"/>
      <phase-group><phase phase-name="translation" process-name="Translation"/></phase-group>
      <note>file-level note</note>
      <sdl:ref-files/>
    </header>
    <body>
      <group id="g1" restype="x-page">
        <trans-unit id="p1-b1" xml:space="preserve" approved="yes" sdl:locked="false">
          <source>The <g id="1">quick <g id="2">brown</g></g> fox <x id="3"/> jumps</source>
          <seg-source><mrk mtype="seg" mid="1">The <g id="1">quick <g id="2">brown</g></g> fox <x id="3"/> jumps</mrk></seg-source>
          <target state="final" state-qualifier="exact-match"><mrk mtype="seg" mid="1">Le <g id="1" ctype="bold">renard <g id="2">brun</g></g> <x id="3" ctype="image"/> bondit</mrk></target>
          <context-group purpose="location"><context context-type="sourcefile">report.pdf</context></context-group>
          <note from="reviewer" priority="1">page 1</note>
          <note>check the verb</note>
          <alt-trans match-quality="87" origin="tm">
            <source>The quick fox</source>
            <target>Le renard rapide</target>
          </alt-trans>
          <sdl:seg-defs><sdl:seg id="1" conf="Translated"/></sdl:seg-defs>
        </trans-unit>
      </group>
      <bin-unit id="img1" mime-type="image/png"><bin-source><external-file href="a.png"/></bin-source></bin-unit>
      <trans-unit id="p1-b2" translate="no"><source xml:space="default">E = mc<![CDATA[^2]]> &#x26; more</source></trans-unit>
    </body>
  </file>
</xliff>
"#;
        let doc = read(xml).unwrap();
        assert_eq!(doc.original, "report.pdf");
        assert_eq!(
            (doc.source_language.as_str(), doc.target_language.as_str()),
            ("en-US", "fr-FR")
        );
        assert_eq!(
            doc.units,
            [
                Unit {
                    id: "p1-b1".into(),
                    source: "The [1]quick [2]brown[/2][/1] fox [3] jumps".into(),
                    target: Some("Le [1]renard [2]brun[/2][/1] [3] bondit".into()),
                    translate: true,
                    note: Some("page 1\ncheck the verb".into()),
                },
                Unit {
                    id: "p1-b2".into(),
                    source: "E = mc^2 & more".into(),
                    target: None,
                    translate: false,
                    note: None,
                },
            ]
        );
    }

    #[test]
    fn malformed_xml_is_reported_with_its_position() {
        let xml = write(&sample());
        // Truncated in the middle of a unit.
        let cut = xml
            .char_indices()
            .map(|(i, _)| i)
            .find(|&i| i >= xml.len() / 2)
            .unwrap();
        let XliffError::Malformed { at, message } = error(&xml[..cut]) else {
            panic!("not a malformed-XML error");
        };
        assert!(at.line > 5, "{at}: {message}");
        // A </target> dropped: the parser stops at the </trans-unit> that follows, line 9.
        let broken = xml.replacen("</target>", "", 1);
        assert_eq!(broken.lines().nth(8).map(str::trim), Some("</trans-unit>"));
        let err = error(&broken);
        let XliffError::Malformed { at, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(at.line, 9, "{err}");
        assert!(
            err.to_string()
                .starts_with("malformed XML at line 9, column 7: "),
            "{err}"
        );
        assert!(err.hint().is_some());
    }

    #[test]
    fn wrong_versions_and_namespaces_are_refused() {
        let xml = write(&sample());
        assert_eq!(
            error(&xml.replace("version=\"1.2\"", "version=\"2.0\"")),
            XliffError::Version {
                found: "2.0".into()
            }
        );
        let v2 = xml.replace(NAMESPACE, "urn:oasis:names:tc:xliff:document:2.0");
        assert!(matches!(error(&v2), XliffError::Namespace { found } if found.ends_with("2.0")));
        assert_eq!(
            error("<html><body/></html>"),
            XliffError::NotXliff {
                root: "html".into()
            }
        );
        // No namespace at all: an old tool's file, still read.
        let bare = xml.replace(&format!(" xmlns=\"{NAMESPACE}\""), "");
        assert_eq!(read(&bare), Ok(sample()));
    }

    #[test]
    fn foreign_inline_codes_are_refused_with_the_unit() {
        let xml = write(&sample()).replacen(
            "saute</target>",
            "<ph id=\"9\">&lt;br/&gt;</ph>saute</target>",
            1,
        );
        let err = error(&xml);
        assert!(
            matches!(&err, XliffError::InlineCode { unit, code, at } if unit == "p1-b1" && code == "<ph>" && at.line == 7),
            "{err:?}"
        );
        let renamed = write(&sample()).replacen("<g id=\"1\">", "<g id=\"a1\">", 1);
        assert!(error(&renamed).to_string().contains("<g id=\"a1\">"));
    }

    #[test]
    fn structure_errors_say_where() {
        let no_source = "<xliff version=\"1.2\"><file source-language=\"en\"><body>\n\
                         <trans-unit id=\"u\"><target>x</target></trans-unit></body></file></xliff>";
        let err = error(no_source);
        assert!(
            matches!(&err, XliffError::Invalid { at, .. } if at.line == 2),
            "{err:?}"
        );
        assert!(err.to_string().contains("\"u\""), "{err}");
        assert!(matches!(
            error("<xliff version=\"1.2\"/>"),
            XliffError::Invalid { .. }
        ));
        let two = write(&sample()).replace("</file>", "</file><file source-language=\"en\"/>");
        assert!(error(&two).to_string().contains("second <file>"));
    }

    /// Fuzz-friendly: no prefix of a valid file panics, and every one cut before the end of
    /// `</xliff>` is an error, not a partial document.
    #[test]
    fn every_prefix_reads_without_panicking() {
        let xml = write(&sample());
        let end = xml.rfind("</xliff>").unwrap() + "</xliff>".len();
        for (i, _) in xml.char_indices().chain([(xml.len(), ' ')]) {
            let result = read(&xml[..i]);
            assert_eq!(result.is_ok(), i >= end, "prefix of {i} bytes: {result:?}");
        }
    }

    /// The same for every file with one character removed.
    #[test]
    fn every_one_character_deletion_reads_without_panicking() {
        let xml = write(&sample());
        for (i, c) in xml.char_indices() {
            let damaged = format!("{}{}", &xml[..i], &xml[i + c.len_utf8()..]);
            let _ = read(&damaged);
        }
    }
}
