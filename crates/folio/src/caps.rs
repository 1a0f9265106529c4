//! Text in capitals goes to the engine in sentence case and comes back in capitals: machine
//! translation models copy "FOR FURTHER INFORMATION CONTACT" as it is, or translate half of
//! it. A whole segment in capitals (a heading) and a span in capitals (a bold run-in lead) are
//! folded; capitals mixed with lower case (acronyms in a sentence) are left alone.

use folio_doc::placeholders::{Piece, parse};

/// What was folded in one segment, to give the capitals back.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Folded {
    /// The whole text was in capitals.
    whole: bool,
    /// Spans (`[n]…[/n]`) whose text was in capitals.
    spans: Vec<u32>,
}

/// The text to send, and what to give back in capitals.
pub(crate) fn fold(text: &str) -> (String, Folded) {
    let pieces = parse(text);
    let all: String = pieces.iter().filter_map(text_of).collect();
    if in_capitals(&all, 1) {
        let lower: Vec<String> = pieces.iter().map(|p| lowered(p)).collect();
        return (
            sentence_case(&lower.concat()),
            Folded {
                whole: true,
                spans: Vec::new(),
            },
        );
    }
    let mut folded = Folded::default();
    for (i, p) in pieces.iter().enumerate() {
        if let Piece::Open(n) = p
            && let Some(end) = close_of(&pieces, i, *n)
        {
            let inner: String = pieces[i + 1..end].iter().filter_map(text_of).collect();
            // One word alone only when it is long for an acronym ("AGENCY:", not "NASA").
            let letters = inner.chars().filter(|c| c.is_alphabetic()).count();
            if in_capitals(&inner, 2) || (in_capitals(&inner, 1) && letters >= 5) {
                folded.spans.push(*n);
            }
        }
    }
    if folded.spans.is_empty() {
        return (text.to_string(), folded);
    }
    let mut out = String::with_capacity(text.len());
    for_each_in_spans(&pieces, &folded.spans, |p, inside| {
        out.push_str(&if inside {
            sentence_case(&lowered(p))
        } else {
            p.to_string()
        });
    });
    (out, folded)
}

/// The translation with what was folded in capitals again.
pub(crate) fn restore(translation: &str, folded: &Folded) -> String {
    if !folded.whole && folded.spans.is_empty() {
        return translation.to_string();
    }
    let pieces = parse(translation);
    let mut out = String::with_capacity(translation.len());
    if folded.whole {
        for p in &pieces {
            out.push_str(&raised(p));
        }
        return out;
    }
    for_each_in_spans(&pieces, &folded.spans, |p, inside| {
        out.push_str(&if inside { raised(p) } else { p.to_string() });
    });
    out
}

/// Calls `f` with each piece and whether it is text inside one of `spans`.
fn for_each_in_spans(pieces: &[Piece<'_>], spans: &[u32], mut f: impl FnMut(&Piece<'_>, bool)) {
    let mut open: Vec<u32> = Vec::new();
    for p in pieces {
        match p {
            Piece::Open(n) if spans.contains(n) => open.push(*n),
            Piece::Close(n) => {
                if let Some(k) = open.iter().rposition(|m| m == n) {
                    open.remove(k);
                }
            }
            _ => {}
        }
        f(p, !open.is_empty() && matches!(p, Piece::Text(_)));
    }
}

fn close_of(pieces: &[Piece<'_>], open: usize, n: u32) -> Option<usize> {
    pieces[open + 1..]
        .iter()
        .position(|p| *p == Piece::Close(n))
        .map(|k| open + 1 + k)
}

fn text_of<'a>(p: &Piece<'a>) -> Option<&'a str> {
    match p {
        Piece::Text(t) => Some(t),
        _ => None,
    }
}

fn lowered(p: &Piece<'_>) -> String {
    match p {
        Piece::Text(t) => t.to_lowercase(),
        other => other.to_string(),
    }
}

fn raised(p: &Piece<'_>) -> String {
    match p {
        Piece::Text(t) => t.to_uppercase(),
        other => other.to_string(),
    }
}

/// The first letter outside placeholders in capitals.
fn sentence_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = false;
    for p in parse(text) {
        match p {
            Piece::Text(t) if !done => {
                for c in t.chars() {
                    if !done && c.is_alphabetic() {
                        out.extend(c.to_uppercase());
                        done = true;
                    } else {
                        out.push(c);
                    }
                }
            }
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// Whether `text` has at least `words` words of letters, no lower-case letter, and a word of
/// two capitals or more: a heading in capitals, not an initial or a number.
fn in_capitals(text: &str, words: usize) -> bool {
    let lettered: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    lettered.len() >= words
        && !text.chars().any(char::is_lowercase)
        && lettered
            .iter()
            .any(|w| w.chars().filter(|c| c.is_uppercase()).count() >= 2)
        && text.chars().filter(|c| c.is_alphabetic()).count() >= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heading_in_capitals_goes_in_sentence_case_and_comes_back() {
        let (sent, f) = fold("DEPARTMENT OF TRANSPORTATION");
        assert_eq!(sent, "Department of transportation");
        assert_eq!(
            restore("Departamento de Transportes", &f),
            "DEPARTAMENTO DE TRANSPORTES"
        );
    }

    #[test]
    fn a_span_in_capitals_is_folded_alone() {
        let src = "[1]FOR FURTHER INFORMATION CONTACT:[/1] Ian Won, FAA, 2200 South 216th St.";
        let (sent, f) = fold(src);
        assert_eq!(
            sent,
            "[1]For further information contact:[/1] Ian Won, FAA, 2200 South 216th St."
        );
        let back = restore("[1]Para mais informações contacte:[/1] Ian Won, FAA", &f);
        assert_eq!(back, "[1]PARA MAIS INFORMAÇÕES CONTACTE:[/1] Ian Won, FAA");
    }

    #[test]
    fn acronyms_in_a_sentence_are_left_alone() {
        for text in [
            "The FAA issued AD 2018-23-51.",
            "[1]NASA[/1] rules",
            "FAA",
            "14 CFR",
        ] {
            let (sent, f) = fold(text);
            assert_eq!(sent, text);
            assert_eq!(restore(text, &f), text);
        }
    }

    #[test]
    fn identity_gives_the_capitals_back() {
        for text in [
            "SUMMARY:",
            "[2]SUPPLEMENTARY INFORMATION:[/2]",
            "AGENCY: [1]FAA[/1], DOT.",
            "[1]AGENCY:[/1] Federal Aviation Administration (FAA), DOT.",
        ] {
            let (sent, f) = fold(text);
            assert_eq!(restore(&sent, &f), text, "{sent}");
        }
    }
}
