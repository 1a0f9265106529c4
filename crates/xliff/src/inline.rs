//! Folio placeholders as XLIFF 1.2 inline codes (XLIFF 1.2 §2.4 "Inline Elements").
//!
//! A span `[n]…[/n]` is `<g id="n">…</g>` and a kept item `[n]` is `<x id="n"/>`, the two
//! codes CAT tools show as a tag pair and a single tag. Placeholders that do not nest (pairs
//! crossing, a `[/n]` without its `[n]`) cannot be `<g>`: they are written as `<bx>`/`<ex>`,
//! XLIFF's begin and end of a pair that need not nest, so any text round-trips.

use folio_doc::placeholders::{Piece, parse};

use crate::escape::escape_into;

/// A piece of a unit's text as XLIFF writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code<'a> {
    Text(&'a str),
    /// `<g id="n">`
    Open(u32),
    /// `</g>`
    Close,
    /// `<x id="n"/>`
    Item(u32),
    /// `<bx id="n" rid="n"/>`
    Begin(u32),
    /// `<ex id="n" rid="n"/>`
    End(u32),
}

/// Pairs each `[/n]` with the nearest open `[n]` before it: a `<g>` when that `[n]` is the
/// innermost open one, so `<g>` elements nest; `<bx>`/`<ex>` when it crosses another pair.
/// `[n]` with no `[/n]` left to close it is a kept item.
fn codes(text: &str) -> Vec<Code<'_>> {
    let pieces = parse(text);
    let mut codes: Vec<Code<'_>> = pieces
        .iter()
        .map(|&p| match p {
            Piece::Text(t) => Code::Text(t),
            Piece::Open(n) => Code::Item(n),
            Piece::Close(n) => Code::End(n),
        })
        .collect();
    let mut open: Vec<(usize, u32)> = Vec::new();
    for (i, &piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Open(n) if pieces[i + 1..].contains(&Piece::Close(n)) => open.push((i, n)),
            Piece::Close(n) => {
                if let Some(k) = open.iter().rposition(|&(_, m)| m == n) {
                    let (j, _) = open.remove(k);
                    if k == open.len() {
                        codes[j] = Code::Open(n);
                        codes[i] = Code::Close;
                    } else {
                        codes[j] = Code::Begin(n);
                    }
                }
            }
            _ => {}
        }
    }
    codes
}

/// Appends `text`, with placeholders, as the content of `<source>` or `<target>`.
pub(crate) fn write_inline(out: &mut String, text: &str) {
    for code in codes(text) {
        match code {
            Code::Text(t) => escape_into(out, t, false),
            Code::Open(n) => out.push_str(&format!("<g id=\"{n}\">")),
            Code::Close => out.push_str("</g>"),
            Code::Item(n) => out.push_str(&format!("<x id=\"{n}\"/>")),
            Code::Begin(n) => out.push_str(&format!("<bx id=\"{n}\" rid=\"{n}\"/>")),
            Code::End(n) => out.push_str(&format!("<ex id=\"{n}\" rid=\"{n}\"/>")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn written(text: &str) -> String {
        let mut out = String::new();
        write_inline(&mut out, text);
        out
    }

    #[test]
    fn spans_and_items_become_g_and_x() {
        assert_eq!(
            written("The [1]quick [2]brown[/2][/1] fox [3] & [a]"),
            r#"The <g id="1">quick <g id="2">brown</g></g> fox <x id="3"/> &amp; [a]"#
        );
        // A kept item inside a span stays an item.
        assert_eq!(
            written("[1]a [2] b[/1]"),
            r#"<g id="1">a <x id="2"/> b</g>"#
        );
    }

    #[test]
    fn placeholders_that_do_not_nest_become_bx_and_ex() {
        assert_eq!(
            written("[1]a[2]b[/1]c[/2]"),
            r#"<bx id="1" rid="1"/>a<g id="2">b<ex id="1" rid="1"/>c</g>"#
        );
        assert_eq!(
            written("[/1] x [1]"),
            r#"<ex id="1" rid="1"/> x <x id="1"/>"#
        );
    }
}
