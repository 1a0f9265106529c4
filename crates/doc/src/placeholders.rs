//! Placeholders: how inline spans travel through an engine, and the check that they came back.
//! The format is written and read here only: layout writes it ([`write_span`], [`write_item`]),
//! translation checks it ([`validate`]) and puts back spans dropped around kept words
//! ([`restore_spans`]; lone items too as a last resort, [`restore_spans_and_items`]), the pipeline reads it back ([`parse`], [`strip`]).
//!
//! Layout writes a block's inline spans as numbered placeholders: `[n]…[/n]` around styled or
//! linked words, and a lone `[n]` for an atomic kept item (an inline formula, a citation). These
//! bracketed numeric forms are the only ones that survived both Apertium and Bergamot in tests
//! (`ENGINES.md`). An engine may move a span, but it must return every placeholder of the
//! source exactly once, each pair opened before it is closed and not crossing another pair.
//!
//! Only canonical numbers count (`[0]`, `[12]`, not `[012]` or `[+1]`), so ordinary bracketed
//! text such as `[a]` stays text.

use std::collections::BTreeMap;
use std::fmt;

/// Why a translation's placeholders do not match its source's ([`validate`]); each names the
/// placeholder, as written (`[2]`, `[/1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderError {
    /// A placeholder of the source is absent from the translation.
    Missing(String),
    /// A placeholder occurs more than once in the translation.
    Duplicate(String),
    /// A placeholder is opened but not closed, closed but not opened, closed before it is
    /// opened, or crosses another span.
    Unbalanced(String),
    /// The translation has a placeholder the source does not have.
    Unknown(String),
}

impl fmt::Display for PlaceholderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(p) => write!(f, "placeholder {p} missing from the translation"),
            Self::Duplicate(p) => {
                write!(
                    f,
                    "placeholder {p} occurs more than once in the translation"
                )
            }
            Self::Unbalanced(p) => write!(f, "placeholder {p} is unbalanced in the translation"),
            Self::Unknown(p) => {
                write!(f, "placeholder {p} in the translation is not in the source")
            }
        }
    }
}

impl std::error::Error for PlaceholderError {}

type Result<T> = std::result::Result<T, PlaceholderError>;

/// Writes span `n` around `text`: `[n]text[/n]`.
pub fn write_span(out: &mut String, n: u32, text: &str) {
    out.push_str(&format!("{}{text}{}", Piece::Open(n), Piece::Close(n)));
}

/// Writes kept item `n`, which stands alone: `[n]`.
pub fn write_item(out: &mut String, n: u32) {
    out.push_str(&Piece::Open(n).to_string());
}

/// A piece of a segment's text: plain text or one placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Piece<'a> {
    /// Text between placeholders.
    Text(&'a str),
    /// `[n]`: opens span `n`, or stands alone for kept item `n` when no `[/n]` follows.
    Open(u32),
    /// `[/n]`: closes span `n`.
    Close(u32),
}

impl fmt::Display for Piece<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Open(n) => write!(f, "[{n}]"),
            Self::Close(n) => write!(f, "[/{n}]"),
        }
    }
}

/// Splits text into plain text and placeholders, in order; concatenating the pieces'
/// `Display` gives the text back byte for byte.
pub fn parse(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut start = 0; // start of the pending text piece
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'['
            && let Some((piece, len)) = placeholder_at(&text[i..])
        {
            if start < i {
                pieces.push(Piece::Text(&text[start..i]));
            }
            pieces.push(piece);
            i += len;
            start = i;
            continue;
        }
        i += 1;
    }
    if start < text.len() {
        pieces.push(Piece::Text(&text[start..]));
    }
    pieces
}

/// Reads `[n]` or `[/n]` at the start of `s`: the piece and its length in bytes.
fn placeholder_at(s: &str) -> Option<(Piece<'static>, usize)> {
    let rest = s.strip_prefix('[')?;
    let (close, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let end = rest.find(']')?;
    let digits = &rest[..end];
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !canonical {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    let len = 1 + usize::from(close) + end + 1;
    Some((
        if close {
            Piece::Close(n)
        } else {
            Piece::Open(n)
        },
        len,
    ))
}

/// The text without its placeholders: what a reader sees, for lengths and letter checks.
pub fn strip(text: &str) -> String {
    parse(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Text(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// Checks that `translation` carries the placeholders of `source`: each exactly as often as in
/// the source (so none dropped, duplicated or invented), pairs opened before closed and not
/// crossing. The first problem found is returned.
pub fn validate(source: &str, translation: &str) -> Result<()> {
    let src = parse(source);
    let out = parse(translation);
    let want = counts(&src);
    let have = counts(&out);

    for (piece, &n) in &want {
        let got = have.get(piece).copied().unwrap_or(0);
        if got < n {
            return Err(PlaceholderError::Missing(piece.to_string()));
        }
        if got > n {
            return Err(PlaceholderError::Duplicate(piece.to_string()));
        }
    }
    if let Some(piece) = have.keys().find(|p| !want.contains_key(*p)) {
        return Err(PlaceholderError::Unknown(piece.to_string()));
    }

    // Balance is only asked of a translation whose source is balanced itself: a layout bug
    // there must not fail every engine, the counts above still hold the engine to the source.
    if balance(&src, &want).is_ok() {
        balance(&out, &want)?;
    }
    Ok(())
}

/// Puts back the spans a translation dropped whose words it kept as they were: a footnote
/// mark (`alert,[1]5[/1] and` → `alerta,5 e`), a URL, a name. For each pair `[n]…[/n]` of
/// `source` missing whole from `translation`, when the pair's text (with no placeholder
/// inside) occurs in the translation exactly once as whole words and outside every other
/// span, the pair is put around it. Gives the translation repaired when that makes it pass
/// [`validate`], else `None` (a dropped lone item `[n]` has no words to find; words that are
/// not in the translation, or are there twice, cannot be placed).
///
/// Small models drop a marker around a number or a name more often than they lose the words;
/// without this the whole segment would fail and stay in the source language.
pub fn restore_spans(source: &str, translation: &str) -> Option<String> {
    if !matches!(
        validate(source, translation),
        Err(PlaceholderError::Missing(_))
    ) {
        return None;
    }
    let out = put_spans_back(source, translation)?;
    validate(source, &out).is_ok().then_some(out)
}

/// [`restore_spans`], then every lone item `[n]` the translation dropped put back at the same
/// relative place, at the nearest word boundary outside spans, spaced as in the source. Gives
/// the translation repaired when that makes it pass [`validate`], else `None`.
///
/// A last resort, for the last try of a segment: the item (an inline formula, a URL kept
/// as it was) may land a word or two from where a translator would put it, which beats the
/// whole paragraph failing and staying in the source language.
pub fn restore_spans_and_items(source: &str, translation: &str) -> Option<String> {
    if !matches!(
        validate(source, translation),
        Err(PlaceholderError::Missing(_))
    ) {
        return None;
    }
    let mut out = put_spans_back(source, translation)?;
    let src = parse(source);
    let source_counts = counts(&src);
    let source_len = strip(source).chars().count().max(1) as f32;
    let mut before = 0; // characters of the source's text before the piece
    for (i, piece) in src.iter().enumerate() {
        if let Piece::Text(t) = piece {
            before += t.chars().count();
            continue;
        }
        let Piece::Open(n) = *piece else { continue };
        if source_counts.contains_key(&Piece::Close(n)) || out.contains(&piece.to_string()) {
            continue;
        }
        let space = |p: Option<&Piece>, last: bool| match p {
            Some(Piece::Text(t)) if last => t.ends_with(char::is_whitespace),
            Some(Piece::Text(t)) => t.starts_with(char::is_whitespace),
            _ => false,
        };
        let spaced_before = space(i.checked_sub(1).and_then(|j| src.get(j)), true);
        let spaced_after = space(src.get(i + 1), false);
        let at = nearest_boundary(&out, &source_counts, before as f32 / source_len)?;
        let prev = out[..at].chars().next_back();
        let next = out[at..].chars().next();
        let mut item = piece.to_string();
        if spaced_before && prev.is_some_and(|c| !c.is_whitespace()) {
            item.insert(0, ' ');
        }
        if spaced_after && next.is_some_and(char::is_alphanumeric) {
            item.push(' ');
        }
        out.insert_str(at, &item);
    }
    validate(source, &out).is_ok().then_some(out)
}

/// Puts each pair `[n]…[/n]` missing whole from `translation` around the one place its words
/// stand (see [`restore_spans`]); `None` when a pair's words cannot be placed.
fn put_spans_back(source: &str, translation: &str) -> Option<String> {
    let src = parse(source);
    let have = counts(&parse(translation));
    let mut out = translation.to_string();
    for (i, piece) in src.iter().enumerate() {
        let Piece::Open(n) = *piece else { continue };
        // A pair `[n] text [/n]` with plain text inside, both markers absent.
        let (Some(Piece::Text(inner)), Some(Piece::Close(m))) = (src.get(i + 1), src.get(i + 2))
        else {
            continue;
        };
        if *m != n || have.contains_key(&Piece::Open(n)) || have.contains_key(&Piece::Close(n)) {
            continue;
        }
        let inner = inner.trim();
        if inner.is_empty() {
            continue;
        }
        let at = only_whole_occurrence(&out, inner)?;
        out.insert_str(at + inner.len(), &Piece::Close(n).to_string());
        out.insert_str(at, &Piece::Open(n).to_string());
    }
    Some(out)
}

/// The byte offset in `text` of the word boundary outside spans nearest to `share` of its
/// visible length: the start, the end, a space, or punctuation right after a word.
/// `source_counts` tells which `[n]` open pairs.
fn nearest_boundary(
    text: &str,
    source_counts: &BTreeMap<Piece<'_>, usize>,
    share: f32,
) -> Option<usize> {
    let want = share * strip(text).chars().count() as f32;
    let mut best: Option<(f32, usize)> = None;
    let mut consider = |chars: usize, at: usize| {
        let distance = (chars as f32 - want).abs();
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, at));
        }
    };
    let (mut offset, mut chars, mut depth) = (0, 0, 0usize);
    for piece in parse(text) {
        match piece {
            Piece::Open(n) if source_counts.contains_key(&Piece::Close(n)) => depth += 1,
            Piece::Close(_) => depth = depth.saturating_sub(1),
            Piece::Text(t) => {
                let mut prev: Option<char> = None;
                for (i, c) in t.char_indices() {
                    let after_word = prev.is_some_and(char::is_alphanumeric);
                    let boundary = c.is_whitespace() || (after_word && ".,;:!?)".contains(c));
                    if depth == 0 && (boundary || (offset + i == 0)) {
                        consider(chars, offset + i);
                    }
                    prev = Some(c);
                    chars += 1;
                }
            }
            Piece::Open(_) => {}
        }
        offset += piece.to_string().len();
    }
    if depth == 0 {
        consider(chars, text.len());
    }
    best.map(|(_, at)| at)
}

/// The byte offset of the one occurrence of `words` in `text` that stands as whole words and
/// lies in no span; `None` when there is none or more than one.
fn only_whole_occurrence(text: &str, words: &str) -> Option<usize> {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut found = None;
    let mut offset = 0;
    let mut depth = 0usize;
    for piece in parse(text) {
        match piece {
            Piece::Open(_) => depth += 1,
            Piece::Close(_) => depth = depth.saturating_sub(1),
            Piece::Text(t) => {
                for (i, _) in t.match_indices(words) {
                    let before = t[..i].chars().next_back();
                    let after = t[i + words.len()..].chars().next();
                    let whole = !is_word(before) && !is_word(after);
                    if whole {
                        if found.is_some() || depth > 0 {
                            return None;
                        }
                        found = Some(offset + i);
                    }
                }
            }
        }
        offset += piece.to_string().len();
    }
    found
}

/// How many times each placeholder occurs.
fn counts<'a>(pieces: &[Piece<'a>]) -> BTreeMap<Piece<'a>, usize> {
    let mut map = BTreeMap::new();
    for &p in pieces {
        if !matches!(p, Piece::Text(_)) {
            *map.entry(p).or_insert(0) += 1;
        }
    }
    map
}

/// Checks that pairs nest; `[n]` is a pair's opening only when `[/n]` occurs in the source.
fn balance(pieces: &[Piece<'_>], source_counts: &BTreeMap<Piece<'_>, usize>) -> Result<()> {
    let mut stack = Vec::new();
    for &p in pieces {
        match p {
            Piece::Open(n) if source_counts.contains_key(&Piece::Close(n)) => stack.push(n),
            Piece::Close(n) if stack.pop() != Some(n) => {
                return Err(PlaceholderError::Unbalanced(p.to_string()));
            }
            _ => {}
        }
    }
    match stack.last() {
        Some(&n) => Err(PlaceholderError::Unbalanced(Piece::Open(n).to_string())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn rejects(source: &str, translation: &str, want: PlaceholderError) {
        assert_eq!(validate(source, translation), Err(want));
    }

    #[test]
    fn dropped_spans_around_kept_words_are_put_back() {
        let src = "altitude disagree alert,[1]5[/1] and may affect the [2]flightcrew[/2].";
        assert_eq!(
            restore_spans(
                src,
                "alerta de altitude,5 e pode afetar a [2]tripulação[/2]."
            ),
            Some("alerta de altitude,[1]5[/1] e pode afetar a [2]tripulação[/2].".into())
        );
        // A URL kept whole, its span dropped.
        let src = "Go to [1]https://www.regulations.gov[/1].";
        assert_eq!(
            restore_spans(src, "Acesse https://www.regulations.gov."),
            Some("Acesse [1]https://www.regulations.gov[/1].".into())
        );
        // Not placed: the words are gone, twice there, inside another word or another span.
        let src = "Note [1]5[/1] of [2]page 5[/2]";
        assert_eq!(restore_spans(src, "Nota 5 da [2]página 5[/2]"), None);
        let src = "See [1]5[/1] here";
        assert_eq!(restore_spans(src, "Veja 15 aqui"), None);
        assert_eq!(restore_spans(src, "Veja 5 e 5 aqui"), None);
        assert_eq!(restore_spans(src, "Veja cinco aqui"), None);
        // A lone item has no words to find; nothing else is repaired.
        assert_eq!(restore_spans("An [1] item", "Um item"), None);
        assert_eq!(restore_spans(src, "Veja [1]5[/1] aqui"), None);
        assert_eq!(restore_spans(src, "Veja [1]5[/1] [1]aqui"), None);
    }

    #[test]
    fn dropped_lone_items_go_back_at_the_same_relative_place() {
        // An item in the middle, spaced: back at the boundary nearest its share of the text.
        let src = "The formula [1] gives the speed of the plane.";
        assert_eq!(
            restore_spans_and_items(src, "A fórmula dá a velocidade do avião."),
            Some("A fórmula [1] dá a velocidade do avião.".into())
        );
        // Last, before the closing punctuation; unspaced as in the source.
        let src = "See the docket at [1].";
        assert_eq!(
            restore_spans_and_items(src, "Veja o processo em."),
            Some("Veja o processo em [1].".into())
        );
        let src = "Mass[1] matters";
        assert_eq!(
            restore_spans_and_items(src, "A massa importa"),
            Some("A massa[1] importa".into())
        );
        // First; never inside a span; a dropped span's words found as well.
        let src = "[1] Speed is [2]high[/2] and [3]bold[/3] today";
        assert_eq!(
            restore_spans_and_items(src, "A velocidade é [2]alta[/2] e bold hoje"),
            Some("[1] A velocidade é [2]alta[/2] e [3]bold[/3] hoje".into())
        );
        let src = "Go [2]somewhere [1] far[/2] away";
        assert_eq!(
            restore_spans_and_items(src, "Vá [2]a algum lugar longe[/2] daqui"),
            Some("Vá [2]a algum lugar longe[/2] [1] daqui".into()),
            "never inside another span"
        );
        // Nothing missing, or a span whose words are gone: nothing to do.
        assert_eq!(restore_spans_and_items("A [1] b", "A [1] b"), None);
        assert_eq!(restore_spans_and_items("A [1] b [2]c[/2]", "A b d"), None);
    }

    #[test]
    fn parse_round_trips_and_finds_placeholders() {
        let text = "See [1]the fast[/1] fox [2] and [a] or [012] [/x] [3";
        let pieces = parse(text);
        let back: String = pieces.iter().map(|p| p.to_string()).collect();
        assert_eq!(back, text);
        let marks: Vec<_> = pieces
            .iter()
            .filter(|p| !matches!(p, Piece::Text(_)))
            .collect();
        assert_eq!(marks, [&Piece::Open(1), &Piece::Close(1), &Piece::Open(2)]);
        assert_eq!(strip(text), "See the fast fox  and [a] or [012] [/x] [3");
    }

    #[test]
    fn written_spans_and_items_parse_back() {
        let mut text = String::from("See ");
        write_span(&mut text, 1, "the fast");
        text.push_str(" fox ");
        write_item(&mut text, 12);
        assert_eq!(text, "See [1]the fast[/1] fox [12]");
        assert_eq!(
            parse(&text),
            [
                Piece::Text("See "),
                Piece::Open(1),
                Piece::Text("the fast"),
                Piece::Close(1),
                Piece::Text(" fox "),
                Piece::Open(12)
            ]
        );
    }

    #[test]
    fn accepts_moved_and_intact_placeholders() {
        let src = "The [1]quick[/1] fox [2] jumps [3]over [4]the[/4][/3] dog";
        assert_eq!(validate(src, src), Ok(()));
        assert_eq!(
            validate(
                src,
                "[2] O cão [3]sobre [4]o[/4][/3] e a raposa [1]rápida[/1]"
            ),
            Ok(())
        );
        assert_eq!(validate("no marks", "sem marcas"), Ok(()));
    }

    #[test]
    fn rejects_dropped_placeholders() {
        let src = "The [1]quick[/1] fox [2] jumps";
        rejects(
            src,
            "A raposa [1]rápida salta [2]",
            PlaceholderError::Missing("[/1]".into()),
        );
        rejects(
            src,
            "A [1]raposa[/1] salta",
            PlaceholderError::Missing("[2]".into()),
        );
    }

    #[test]
    fn rejects_duplicated_and_invented_placeholders() {
        let src = "The [1]quick[/1] fox [2] jumps";
        rejects(
            src,
            "[1]A[/1] [1]raposa[/1] [2]",
            PlaceholderError::Duplicate("[1]".into()),
        );
        rejects(
            src,
            "[1]A[/1] raposa [2] [2]",
            PlaceholderError::Duplicate("[2]".into()),
        );
        rejects(
            src,
            "[1]A[/1] raposa [2] [7]",
            PlaceholderError::Unknown("[7]".into()),
        );
    }

    #[test]
    fn rejects_unbalanced_placeholders() {
        let src = "The [1]quick[/1] fox [2]jumps[/2]";
        rejects(
            src,
            "[/1]A[1] raposa [2]salta[/2]",
            PlaceholderError::Unbalanced("[/1]".into()),
        );
        rejects(
            src,
            "[1]A [2]raposa[/1] salta[/2]",
            PlaceholderError::Unbalanced("[/1]".into()),
        );
    }

    #[test]
    fn unbalanced_source_is_held_to_counts_only() {
        let src = "odd [/1] then [1] text";
        assert_eq!(validate(src, src), Ok(()));
        rejects(
            src,
            "odd then [1] text",
            PlaceholderError::Missing("[/1]".into()),
        );
    }
}
