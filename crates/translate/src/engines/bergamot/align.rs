//! Carrying placeholders across the model: take them out, translate each sentence with word
//! alignment, and put each back around (or after) the target words aligned to its source words
//! (steps 1–4 of the engine's docs).

use fxtranslate::engine::{Aligned, Engine as Model};
use fxtranslate::segment::{BasicSegmenter, MAX_SOURCE_TOKENS, Segmenter, Span};

use crate::placeholders::{self, Piece};

use super::fixes::{piecewise, plain_translation};
use super::standins::stand_in;

/// What a placeholder does, once paired up with the others of its segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `[n]` opening a span closed later.
    Open,
    /// `[/n]` closing a span.
    Close,
    /// A lone `[n]` (kept item), or a placeholder without its partner: stays where it is.
    Atom,
}

/// One placeholder of a segment, placed in the text without placeholders.
#[derive(Debug, Clone)]
struct Mark {
    /// Its text, `[n]` or `[/n]`.
    text: String,
    kind: Kind,
    /// Byte offset in the plain text.
    at: usize,
    /// For a span's opening or closing: the index of the other end in the marks.
    partner: Option<usize>,
    /// Whitespace before and after it in the segment (kept around atoms).
    space_before: bool,
    space_after: bool,
}

/// Translates one segment's text (see the module docs), with stand-ins for its kept items and
/// foreign names when the model carries them all through (see `standins`).
pub(super) fn translate_segment(mt: &Model, text: &str, english: bool) -> String {
    if let Some(s) = stand_in(text, english)
        && let Some(restored) = s.restore(&translate_marked(mt, &s.text, english))
        && placeholders::validate(text, &restored).is_ok()
    {
        return restored;
    }
    translate_marked(mt, text, english)
}

/// Translates a text with placeholders (see the module docs).
fn translate_marked(mt: &Model, text: &str, english: bool) -> String {
    let (plain, marks) = split_marks(text);
    if marks.is_empty() {
        return plain_translation(mt, text, english);
    }
    let spans = BasicSegmenter.sentences(&plain);
    if spans.is_empty() {
        // Only placeholders and spaces: nothing to translate.
        return text.to_string();
    }
    let owner = assign(&marks, &spans);
    let mut gap = marks
        .iter()
        .enumerate()
        .filter(|&(m, _)| owner[m].is_none())
        .map(|(_, mark)| mark)
        .peekable();
    // Between sentences, the source's spaces and the placeholders there, as they were.
    let mut emit_gap = |out: &mut String, from: usize, to: usize| {
        let mut at = from;
        while let Some(mark) = gap.next_if(|m| m.at <= to) {
            out.push_str(&plain[at..mark.at.max(at)]);
            out.push_str(&mark.text);
            at = mark.at.max(at);
        }
        out.push_str(&plain[at..to]);
    };
    let mut out = String::with_capacity(text.len() * 5 / 4);
    let mut cursor = 0;
    for (i, span) in spans.iter().enumerate() {
        emit_gap(&mut out, cursor, span.start);
        let local: Vec<usize> = (0..marks.len()).filter(|&m| owner[m] == Some(i)).collect();
        out.push_str(&translate_sentence(
            mt, &plain, *span, &marks, &local, english,
        ));
        cursor = span.end;
    }
    emit_gap(&mut out, cursor, plain.len());
    if placeholders::validate(text, &out).is_ok() {
        return out;
    }
    // Should not happen (each sentence is checked); never return broken placeholders.
    piecewise(mt, text, english)
}

/// The text without placeholders, and the placeholders with their offsets in it, paired.
fn split_marks(text: &str) -> (String, Vec<Mark>) {
    let mut plain = String::with_capacity(text.len());
    let mut marks: Vec<Mark> = Vec::new();
    let mut consumed = 0; // bytes of `text` before the current piece
    let mut open: Vec<(u32, usize)> = Vec::new();
    for piece in placeholders::parse(text) {
        let len = piece.to_string().len();
        match piece {
            Piece::Text(t) => plain.push_str(t),
            Piece::Open(_) | Piece::Close(_) => {
                let before = text[..consumed].chars().next_back();
                let after = text[consumed + len..].chars().next();
                let index = marks.len();
                let mut kind = Kind::Atom;
                let mut partner = None;
                match piece {
                    Piece::Open(n) => open.push((n, index)),
                    Piece::Close(n) => {
                        if let Some(pos) = open.iter().rposition(|&(m, _)| m == n) {
                            let (_, start) = open.remove(pos);
                            kind = Kind::Close;
                            partner = Some(start);
                            marks[start].kind = Kind::Open;
                            marks[start].partner = Some(index);
                        }
                    }
                    Piece::Text(_) => {}
                }
                marks.push(Mark {
                    text: piece.to_string(),
                    kind,
                    at: plain.len(),
                    partner,
                    space_before: before.is_some_and(char::is_whitespace),
                    space_after: after.is_some_and(char::is_whitespace),
                });
            }
        }
        consumed += len;
    }
    (plain, marks)
}

/// The sentence each placeholder is placed in by alignment, or `None` for one that stays
/// between sentences where it was: a kept item outside a sentence's words, a span's opening
/// before a sentence it covers to the end, a span's closing after a sentence it covers from
/// the start.
fn assign(marks: &[Mark], spans: &[Span]) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = marks
        .iter()
        .map(|m| {
            let partner = m.partner.map(|p| marks[p].at);
            match m.kind {
                Kind::Atom => spans.iter().position(|s| s.start < m.at && m.at < s.end),
                Kind::Open => {
                    let i = spans.iter().position(|s| s.start <= m.at && m.at < s.end)?;
                    let whole =
                        m.at == spans[i].start && partner.is_some_and(|c| c >= spans[i].end);
                    (!whole).then_some(i)
                }
                Kind::Close => {
                    let i = spans
                        .iter()
                        .rposition(|s| s.start < m.at && m.at <= s.end)?;
                    let whole =
                        m.at == spans[i].end && partner.is_some_and(|o| o <= spans[i].start);
                    (!whole).then_some(i)
                }
            }
        })
        .collect();
    // An empty span stays in one piece: between sentences if either end is.
    for (i, m) in marks.iter().enumerate() {
        if let (Kind::Open, Some(c)) = (m.kind, m.partner)
            && marks[c].at == m.at
            && (owner[i].is_none() || owner[c].is_none() || owner[i] != owner[c])
        {
            owner[i] = None;
            owner[c] = None;
        }
    }
    owner
}

/// Translates one sentence and places its placeholders (`local`, indices into `marks`).
fn translate_sentence(
    mt: &Model,
    plain: &str,
    span: Span,
    marks: &[Mark],
    local: &[usize],
    english: bool,
) -> String {
    let sentence = span.of(plain);
    if local.is_empty() {
        return plain_translation(mt, sentence, english);
    }
    // `translate_aligned` does not wrap a sentence longer than the model's window: such a
    // (rare) sentence is translated between its placeholders instead.
    if mt.src_ids(sentence).len() <= MAX_SOURCE_TOKENS + 1 {
        let aligned = mt.translate_aligned(sentence);
        if let Some(out) = place(&aligned, sentence, span, marks, local) {
            return out;
        }
    }
    let mut with_marks = String::new();
    let mut at = span.start;
    for &m in local {
        let pos = marks[m].at.clamp(span.start, span.end);
        with_marks.push_str(&plain[at..pos]);
        with_marks.push_str(&marks[m].text);
        at = pos;
    }
    with_marks.push_str(&plain[at..span.end]);
    piecewise(mt, &with_marks, english)
}

/// Byte ranges of the words (runs of letters and digits) of a text.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Byte offset of each UTF-16 offset of a text (the alignment's spans are in UTF-16 units).
fn utf16_to_byte(text: &str) -> Vec<usize> {
    let mut map = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        for _ in 0..c.len_utf16() {
            map.push(i);
        }
    }
    map.push(text.len());
    map
}

/// The first word of `words` overlapping the byte range `begin..end`.
fn word_at(words: &[(usize, usize)], begin: usize, end: usize) -> Option<usize> {
    let i = words.partition_point(|&(_, e)| e <= begin);
    words.get(i).filter(|&&(s, _)| s < end).map(|_| i)
}

/// Places the sentence's placeholders into its aligned translation; `None` if they would not
/// nest, or the source words cannot be matched with the model's tokens.
fn place(
    aligned: &Aligned,
    sentence: &str,
    span: Span,
    marks: &[Mark],
    local: &[usize],
) -> Option<String> {
    let target = aligned.target_text.as_str();
    let src_words = words(sentence);
    let norm_words = words(&aligned.source_normalized);
    // The model's normalization (NFKC-like, spaces as `▁`) keeps words apart and in order, so
    // the n-th word of one is the n-th of the other; if not, give up on alignment.
    if src_words.len() != norm_words.len() {
        return None;
    }
    let trg_words = words(target);
    let score = word_scores(aligned, &norm_words, &trg_words);
    // The source word each target word is aligned to.
    let best: Vec<Option<usize>> = score
        .iter()
        .map(|row| {
            let (i, &s) = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
            (s > 0.0).then_some(i)
        })
        .collect();

    let local_at = |m: usize| marks[m].at.clamp(span.start, span.end) - span.start;
    // Source words a source byte range covers.
    let covered = |a: usize, b: usize| -> Vec<usize> {
        (0..src_words.len())
            .filter(|&w| src_words[w].0 < b && a < src_words[w].1)
            .collect()
    };
    // Where an atom at source offset `x` goes: after the target word aligned to the source
    // word before it (the last such target word), else at the start.
    let atom_pos = |x: usize| -> usize {
        let Some(prev) = src_words.iter().rposition(|&(_, e)| e <= x) else {
            return 0;
        };
        let hit = (0..trg_words.len()).rev().find(|&t| best[t] == Some(prev));
        let hit = hit.or_else(|| {
            (0..trg_words.len())
                .filter(|&t| score[t][prev] > 0.0)
                .max_by(|&a, &b| score[a][prev].total_cmp(&score[b][prev]))
        });
        let Some(t) = hit else {
            return target.len();
        };
        let mut at = trg_words[t].1;
        // `work, [2] check`: punctuation between the word and the item in the source stays
        // before it in the target too (`funcionar, [2] verifique`).
        if sentence[src_words[prev].1..x].contains(|c: char| !c.is_whitespace()) {
            let rest = &target[at..];
            at += rest
                .find(|c: char| c.is_whitespace() || c.is_alphanumeric())
                .unwrap_or(rest.len());
        }
        at
    };

    // Spans as target word ranges (inclusive), with their source byte ranges.
    struct Range {
        open: Option<usize>,
        close: Option<usize>,
        src: (usize, usize),
        trg: (usize, usize),
    }
    let mut ranges: Vec<Range> = Vec::new();
    // (byte position in target, order, mark) of each placeholder placed like an atom.
    let mut points: Vec<(usize, usize, usize)> = Vec::new();
    let last_word = trg_words.len().checked_sub(1);
    for &m in local {
        let mark = &marks[m];
        let partner_here = mark.partner.filter(|p| local.contains(p));
        let (open, close, src) = match mark.kind {
            Kind::Atom => {
                points.push((atom_pos(local_at(m)), m, m));
                continue;
            }
            Kind::Close if partner_here.is_some() => continue, // handled with its opening
            Kind::Open => match partner_here {
                Some(c) => (Some(m), Some(c), (local_at(m), local_at(c))),
                None => (Some(m), None, (local_at(m), sentence.len())),
            },
            Kind::Close => (None, Some(m), (0, local_at(m))),
        };
        let inside = covered(src.0, src.1);
        let mut hit: Vec<usize> = (0..trg_words.len())
            .filter(|&t| best[t].is_some_and(|w| inside.contains(&w)))
            .collect();
        if hit.is_empty() {
            let mass = |t: usize| inside.iter().map(|&w| score[t][w]).sum::<f32>();
            hit.extend(
                (0..trg_words.len())
                    .filter(|&t| mass(t) > 0.0)
                    .max_by(|&a, &b| mass(a).total_cmp(&mass(b))),
            );
        }
        match (hit.first(), hit.last(), last_word) {
            (Some(&first), Some(&end), Some(last_word)) => {
                // A half span (its other end in another sentence) runs to this sentence's edge.
                let first = if open.is_some() { first } else { 0 };
                let end = if close.is_some() { end } else { last_word };
                ranges.push(Range {
                    open,
                    close,
                    src,
                    trg: (first, end),
                });
            }
            _ => {
                // Nothing to wrap (punctuation only, or an empty translation): keep the span
                // empty where an atom at its start would go.
                let at = atom_pos(src.0);
                points.extend(open.map(|o| (at, o, o)));
                points.extend(close.map(|c| (at, c, c)));
            }
        }
    }

    // Spans nested in the source must nest in the target, spans apart must stay apart.
    for _ in 0..4 {
        let mut changed = false;
        for i in 0..ranges.len() {
            for j in 0..ranges.len() {
                if i == j {
                    continue;
                }
                let (a, b) = (&ranges[i], &ranges[j]);
                let nested = a.src.0 <= b.src.0 && b.src.1 <= a.src.1;
                let (ai, bi) = (a.trg, b.trg);
                if nested {
                    let grown = (ai.0.min(bi.0), ai.1.max(bi.1));
                    if grown != ai {
                        ranges[i].trg = grown;
                        changed = true;
                    }
                } else if !(b.src.0 <= a.src.0 && a.src.1 <= b.src.1) && ai.0 < bi.0 && bi.0 <= ai.1
                {
                    // Apart in the source but overlapping here: the one starting first ends
                    // before the other starts.
                    ranges[i].trg.1 = bi.0 - 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }

    let mut inserts: Vec<(usize, usize, usize)> = points;
    for r in &ranges {
        let (first, end) = r.trg;
        if first > end {
            return None;
        }
        if let Some(o) = r.open {
            inserts.push((trg_words[first].0, o, o));
        }
        if let Some(c) = r.close {
            inserts.push((trg_words[end].1, c, c));
        }
    }
    inserts.sort();

    // The order must nest: a span's opening before its closing, spans not crossing. Spans
    // closing here but opened in an earlier sentence count as opened before this one (outer
    // first, as in the source); spans opened here and closed later must be left open in the
    // source's order.
    let mut stack: Vec<usize> = local
        .iter()
        .filter_map(|&m| {
            marks[m]
                .partner
                .filter(|p| marks[m].kind == Kind::Close && !local.contains(p))
        })
        .collect();
    stack.sort_unstable();
    for &(_, _, m) in &inserts {
        match marks[m].kind {
            Kind::Open => stack.push(m),
            Kind::Close if stack.pop() != marks[m].partner => return None,
            Kind::Close | Kind::Atom => {}
        }
    }
    let mut left_open: Vec<usize> = local
        .iter()
        .copied()
        .filter(|&m| {
            marks[m].kind == Kind::Open && !marks[m].partner.is_some_and(|p| local.contains(&p))
        })
        .collect();
    left_open.sort_unstable();
    if stack != left_open {
        return None;
    }

    let mut out = String::with_capacity(target.len() + 8 * inserts.len());
    let mut at = 0;
    for (k, &(pos, _, m)) in inserts.iter().enumerate() {
        out.push_str(&target[at..pos]);
        at = pos;
        let mark = &marks[m];
        let atom = mark.kind == Kind::Atom;
        if atom && mark.space_before && !out.is_empty() && !out.ends_with(char::is_whitespace) {
            out.push(' ');
        }
        out.push_str(&mark.text);
        // A space after the item, unless the next character is one (or punctuation that
        // closes: `[2].`).
        if atom
            && mark.space_after
            && target[at..].starts_with(|c: char| c.is_alphanumeric() || "([{\"'“‘¿¡".contains(c))
        {
            out.push(' ');
        }
        // An item the source closed with punctuation (`202–493–2251.`) keeps it close: the
        // model, which never saw the item, spaced the punctuation from the word before.
        if atom && !mark.space_after {
            let rest = &target[at..];
            let ws = rest.len() - rest.trim_start().len();
            let next = inserts.get(k + 1).map_or(usize::MAX, |i| i.0);
            if ws > 0
                && next > at + ws
                && rest[ws..].starts_with([',', '.', ';', ':', ')', '!', '?'])
            {
                at += ws;
            }
        }
    }
    out.push_str(&target[at..]);
    Some(out)
}

/// For each target word, the attention its tokens give each source word: `[target][source]`.
fn word_scores(
    aligned: &Aligned,
    norm_words: &[(usize, usize)],
    trg_words: &[(usize, usize)],
) -> Vec<Vec<f32>> {
    let src_map = utf16_to_byte(&aligned.source_normalized);
    let trg_map = utf16_to_byte(&aligned.target_text);
    let byte = |map: &[usize], i: usize| map.get(i).copied().unwrap_or(usize::MAX);
    let src_word: Vec<Option<usize>> = aligned
        .source_tokens
        .iter()
        .map(|t| word_at(norm_words, byte(&src_map, t.begin), byte(&src_map, t.end)))
        .collect();
    let mut score = vec![vec![0.0f32; norm_words.len()]; trg_words.len()];
    for (tok, row) in aligned.target_tokens.iter().zip(&aligned.alignments) {
        let (b, e) = (byte(&trg_map, tok.begin), byte(&trg_map, tok.end));
        for (t, &(ws, we)) in trg_words.iter().enumerate() {
            if ws < e && b < we {
                for (s, &p) in row.iter().enumerate() {
                    if let Some(Some(w)) = src_word.get(s) {
                        score[t][*w] += p;
                    }
                }
            }
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_paired_and_placed_in_the_plain_text() {
        let (plain, marks) = split_marks("Click [1]the bold words[/1] now [2] ok.");
        assert_eq!(plain, "Click the bold words now  ok.");
        let kinds: Vec<_> = marks.iter().map(|m| (m.kind, m.at, m.partner)).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Open, 6, Some(1)),
                (Kind::Close, 20, Some(0)),
                (Kind::Atom, 25, None)
            ]
        );
        assert!(marks[2].space_before && marks[2].space_after);
        let (_, marks) = split_marks("odd [/3] and [4]");
        assert!(marks.iter().all(|m| m.kind == Kind::Atom));
    }

    #[test]
    fn words_and_utf16_offsets() {
        assert_eq!(words("a cão, 12x"), [(0, 1), (2, 6), (8, 11)]);
        let map = utf16_to_byte("aé😀b");
        assert_eq!(map, [0, 1, 3, 3, 7, 8]);
        assert_eq!(word_at(&[(0, 3), (4, 7)], 3, 5), Some(1));
        assert_eq!(word_at(&[(0, 3), (4, 7)], 3, 4), None);
    }

    #[test]
    fn placeholders_between_or_around_sentences_stay_there() {
        let owners = |text: &str| {
            let (plain, marks) = split_marks(text);
            assign(&marks, &BasicSegmenter.sentences(&plain))
        };
        assert_eq!(owners("One. [1][/1]Two."), [None, None]);
        assert_eq!(
            owners("[1]One.[/1] Two [2] three [3]. [4]"),
            [None, None, Some(1), Some(1), None]
        );
        assert_eq!(owners("[1]One. Two[/1] three."), [None, Some(1)]);
        assert_eq!(owners("One [1]two. Three.[/1]"), [Some(0), None]);
        assert_eq!(owners("[1]One[/1] two."), [Some(0), Some(0)]);
    }
}
