//! List markers starting a block: "•", "–", "1.", "2)", "(a)", "iv.". They are not text to
//! translate: an engine drops a bullet sent as a span (`[1]•[/1] Fax: …`) or reads "I." as a
//! word. Only the item's text goes to the engine; the marker, as layout wrote it (a span in a
//! symbol font, a kept number, plain text), comes back in front of the translation, so it is
//! drawn where it was and in its own font.

use folio_doc::placeholders::{Piece, parse};

/// The marker cut off the start of a segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Marker {
    /// The marker as it was in the source, placeholders and the space after it included.
    prefix: String,
}

/// The item's text to translate and the marker before it, when `text` starts with a list
/// marker followed by text with letters. `kept_marker(n)` says whether the atomic item `[n]`
/// is a marker (layout keeps an enumerator such as "1." or "IV." as one).
pub(crate) fn split(text: &str, kept_marker: impl Fn(u32) -> bool) -> Option<(String, Marker)> {
    let end = marker_end(text, kept_marker)?;
    let rest = &text[end..];
    let body = rest.trim_start();
    if body.len() == rest.len()
        || !folio_doc::placeholders::strip(body).contains(char::is_alphabetic)
    {
        return None;
    }
    let prefix = text[..text.len() - body.len()].to_string();
    Some((body.to_string(), Marker { prefix }))
}

/// The translated item with its marker back in front.
pub(crate) fn join(translation: &str, marker: &Marker) -> String {
    format!("{}{}", marker.prefix, translation.trim_start())
}

/// Where the marker that starts `text` ends (in bytes).
fn marker_end(text: &str, kept_marker: impl Fn(u32) -> bool) -> Option<usize> {
    let pieces = parse(text);
    let len = |p: &Piece| p.to_string().len();
    match pieces.as_slice() {
        // A marker in its own font or colour: `[1]•[/1] …`.
        [Piece::Open(n), Piece::Text(t), Piece::Close(m), ..]
            if n == m
                && folio_layout::is_list_marker(t.trim())
                && !t.contains(char::is_whitespace) =>
        {
            Some(len(&pieces[0]) + t.len() + len(&pieces[2]))
        }
        // A kept enumerator: `[1] …` standing for "1." or "IV.".
        [Piece::Open(n), rest @ ..] if kept_marker(*n) && !rest.contains(&Piece::Close(*n)) => {
            Some(len(&pieces[0]))
        }
        // A marker in the block's own font: `• …`, `iv. …`.
        [Piece::Text(t), ..] => {
            let word = t.split_whitespace().next()?;
            (t.starts_with(word) && folio_layout::is_list_marker(word)).then_some(word.len())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: u32) -> bool {
        false
    }

    #[test]
    fn markers_come_off_and_go_back() {
        for (src, sent, kept) in [
            (
                "[1]•[/1] [2]Fax:[/2] 202–493–2251.",
                "[2]Fax:[/2] 202–493–2251.",
                None,
            ),
            ("• Mail to the docket", "Mail to the docket", None),
            ("iv. the fourth case", "the fourth case", None),
            ("(a) the first", "the first", None),
            ("– a dash item", "a dash item", None),
            ("[1] Results of the test", "Results of the test", Some(1)),
        ] {
            let (body, marker) = split(src, |n| Some(n) == kept).expect(src);
            assert_eq!(body, sent);
            assert_eq!(join(&body, &marker), src);
            assert_eq!(
                join("Texto traduzido", &marker),
                format!("{}Texto traduzido", &src[..src.len() - sent.len()])
            );
        }
    }

    #[test]
    fn text_that_only_looks_like_a_marker_stays() {
        for src in [
            "[1]Bold start[/1] of a sentence",
            "[1] a cited item",
            "Hello world",
            "• 12",
            "•Glued",
            "[1]https://example.org[/1] is a link",
        ] {
            assert!(split(src, none).is_none(), "{src}");
        }
    }
}
