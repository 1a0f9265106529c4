//! A small element tree from quick-xml's events: XLIFF files are a few megabytes at most, and
//! a tree lets the reader look at a unit's children in any order. Building it checks what
//! quick-xml leaves to its caller: every element closed, one root, entities known, a depth cap.

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, events::BytesRef};

use crate::{Position, Result, XliffError};

/// Deeper nesting is refused, so that walking and dropping the tree cannot overflow the stack
/// on a hostile file; XLIFF needs about 10 levels, plus nested groups and inline codes.
const MAX_DEPTH: usize = 256;

/// An element: its name split at the prefix, attributes by qualified name, children.
#[derive(Debug)]
pub(crate) struct Element {
    /// The namespace prefix (`sdl` in `sdl:seg-defs`), if any.
    pub prefix: Option<String>,
    /// The local name.
    pub name: String,
    /// Attributes as `(qualified name, value)`, entities resolved, in file order.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// Byte offset of its `<`, for messages.
    pub offset: usize,
}

#[derive(Debug)]
pub(crate) enum Node {
    Element(Element),
    /// Character data, entities and CDATA resolved, adjacent pieces merged.
    Text(String),
}

impl Element {
    /// The value of attribute `name` (qualified, as in `xml:space`).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|node| match node {
            Node::Element(el) => Some(el),
            Node::Text(_) => None,
        })
    }

    /// The name as written, `prefix:name`.
    pub fn qualified_name(&self) -> String {
        match &self.prefix {
            Some(prefix) => format!("{prefix}:{}", self.name),
            None => self.name.clone(),
        }
    }

    /// All the text inside, elements' included.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.text_into(&mut out);
        out
    }

    fn text_into(&self, out: &mut String) {
        for node in &self.children {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(el) => el.text_into(out),
            }
        }
    }
}

/// Parses `xml` into its root element.
pub(crate) fn parse(xml: &str) -> Result<Element> {
    let malformed = |offset: usize, message: String| XliffError::Malformed {
        at: Position::at(xml, offset),
        message,
    };
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(malformed(at, err.to_string()));
            }
        };
        let text = match event {
            Event::Start(start) | Event::Empty(start) if open.is_empty() && root.is_some() => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                return Err(malformed(
                    offset,
                    format!("element <{name}> after the root element"),
                ));
            }
            Event::Start(start) => {
                if open.len() >= MAX_DEPTH {
                    return Err(XliffError::Invalid {
                        at: Position::at(xml, offset),
                        message: format!("elements nested more than {MAX_DEPTH} deep"),
                    });
                }
                open.push(element(&start, offset).map_err(|m| malformed(offset, m))?);
                continue;
            }
            Event::Empty(start) => {
                let el = element(&start, offset).map_err(|m| malformed(offset, m))?;
                close(el, &mut open, &mut root);
                continue;
            }
            Event::End(_) => {
                // quick-xml checked that the name matches the open element's.
                if let Some(el) = open.pop() {
                    close(el, &mut open, &mut root);
                }
                continue;
            }
            Event::Text(text) => text
                .xml10_content()
                .map_err(|err| malformed(offset, err.to_string()))?
                .into_owned(),
            Event::CData(cdata) => cdata
                .xml10_content()
                .map_err(|err| malformed(offset, err.to_string()))?
                .into_owned(),
            Event::GeneralRef(reference) => entity(&reference).map_err(|m| malformed(offset, m))?,
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
        };
        match open.last_mut() {
            Some(parent) => match parent.children.last_mut() {
                Some(Node::Text(previous)) => previous.push_str(&text),
                _ => parent.children.push(Node::Text(text)),
            },
            None if text.trim().is_empty() => {}
            None => return Err(malformed(offset, "text outside the root element".into())),
        }
    }
    if let Some(el) = open.last() {
        let opened = Position::at(xml, el.offset);
        return Err(malformed(
            xml.len(),
            format!(
                "the file ends inside <{}> opened at {opened} (truncated?)",
                el.qualified_name()
            ),
        ));
    }
    root.ok_or_else(|| malformed(xml.len(), "no root element: the file is empty".into()))
}

/// A new element, without children yet, or a message when its attributes are malformed.
fn element(start: &BytesStart<'_>, offset: usize) -> std::result::Result<Element, String> {
    let name = start.name();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|err| err.to_string())?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| err.to_string())?;
        attributes.push((
            String::from_utf8_lossy(attribute.key.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Element {
        prefix: name
            .prefix()
            .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned()),
        name: String::from_utf8_lossy(name.local_name().as_ref()).into_owned(),
        attributes,
        children: Vec::new(),
        offset,
    })
}

/// Attaches a finished element to its parent, or makes it the root.
fn close(el: Element, open: &mut [Element], root: &mut Option<Element>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

/// The text of `&name;` or `&#n;`: XML's five predefined entities and character references;
/// a file's DTD is not read, so other entities are refused.
fn entity(reference: &BytesRef<'_>) -> std::result::Result<String, String> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => return Ok(c.to_string()),
        Ok(None) => {}
        Err(err) => return Err(err.to_string()),
    }
    let name = reference.decode().map_err(|err| err.to_string())?;
    resolve_predefined_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| format!("unknown entity &{name};"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn malformed_at(xml: &str) -> (usize, usize, String) {
        match parse(xml) {
            Err(XliffError::Malformed { at, message }) => (at.line, at.column, message),
            other => panic!("expected a malformed-XML error, got {other:?}"),
        }
    }

    #[test]
    fn builds_a_tree_with_resolved_text() {
        let root = parse(
            "<?xml version=\"1.0\"?>\n<!-- c --><a x=\"1&amp;2\"><b/>t&lt;&#x41;<![CDATA[<c>]]>\
             <p:d>e</p:d></a>\n",
        )
        .unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attribute("x"), Some("1&2"));
        assert_eq!(root.text(), "t<A<c>e");
        let names: Vec<_> = root.elements().map(Element::qualified_name).collect();
        assert_eq!(names, ["b", "p:d"]);
    }

    #[test]
    fn refuses_what_is_not_well_formed() {
        let (line, column, message) = malformed_at("<a>\n  <b>\n</a>");
        assert_eq!((line, column), (3, 1), "{message}");
        let (line, _, message) = malformed_at("<a>\n  <b>text");
        assert_eq!(line, 2);
        assert!(
            message.contains("<b> opened at line 2, column 3"),
            "{message}"
        );
        let (line, column, _) = malformed_at("<a>\n  <b x=\"1></a>");
        assert_eq!((line, column), (2, 3));
        let (_, _, message) = malformed_at("<a>&nbsp;</a>");
        assert!(message.contains("&nbsp;"), "{message}");
        malformed_at("<a/><b/>");
        malformed_at("");
        malformed_at("<a/>text");
    }

    #[test]
    fn caps_nesting() {
        let xml = format!("{}{}", "<g>".repeat(100_000), "</g>".repeat(100_000));
        assert!(matches!(parse(&xml), Err(XliffError::Invalid { .. })));
    }
}
