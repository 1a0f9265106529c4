//! A block's source text: its words joined into running text, inline style spans turned into
//! placeholders `[n]…[/n]` and kept items (inline formulas, code, citations, URLs, e-mail
//! addresses, and the protected tokens of [`crate::tokens`]: phone numbers, ranges, codes,
//! amounts, dates) into atomic placeholders `[n]`.
//!
//! # How
//! 1. The block's glyphs become a sequence of items, with a space between words that are
//!    apart (not between a word and a superscript glued to it), between lines (except in
//!    Chinese and Japanese), and none where a line ends in a hyphen and the next starts in
//!    lowercase: the hyphen is dropped ("trans-" + "lation" gives "translation").
//! 2. Each glyph gets a key, the first that applies: kept item, link, super- or subscript,
//!    bold, italic, another font or colour than the block's.
//! 3. Runs of one key become one span; a space takes the key of its neighbours when both
//!    have the same, so a span never starts or ends with a space.

use folio_doc::{Document, FontId, KeepReason, Page, Rgb, Span, SpanKind, placeholders};

use crate::InlineSettings;
use crate::fonts::{FontTraits, traits};
use crate::lines::LineInfo;
use crate::math::{Slot, formula_ranges};
use crate::text::{citation_ranges, core_range, enumerator_len, is_cjk, is_email, is_url};
use crate::tokens::protected_ranges;

/// The block's base style, against which inline spans are found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Base {
    /// The block's main font.
    pub font: FontId,
    /// Its main colour.
    pub color: Rgb,
}

/// A block's text with placeholders, its spans, and the plain text without them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inline {
    /// Text with placeholders.
    pub source: String,
    /// The spans, numbered from 1.
    pub spans: Vec<Span>,
    /// The text without placeholders (kept items in full), for deciding what to keep.
    pub plain: String,
    /// The plain text with kept items removed: what an engine would really translate.
    pub translatable: String,
}

/// One glyph or separator of the block's text.
#[derive(Debug, Clone)]
struct Item {
    /// The glyph, or `None` for a space between words or lines.
    glyph: Option<u32>,
    /// The text it adds (empty for a dropped hyphen).
    text: String,
    /// Index of its line in the block.
    line: usize,
}

/// What a glyph carries; runs of equal keys make one span.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Key {
    Plain,
    Kept(usize),
    Link(u32),
    Sup,
    Sub,
    Bold,
    Italic,
    Style(FontId, Rgb),
}

/// Builds the source of a block made of `lines`.
pub(crate) fn build(
    doc: &Document,
    page: &Page,
    fonts: &[FontTraits],
    lines: &[&LineInfo],
    base: Base,
    s: &InlineSettings,
) -> Inline {
    let items = collect_items(page, lines, s);
    let mut plain = String::new();
    let mut starts = Vec::with_capacity(items.len());
    for it in &items {
        starts.push(plain.len());
        plain.push_str(&it.text);
    }
    let kept = kept_ranges(page, fonts, lines, &items, &starts, &plain, base, s);
    let base_traits = traits(fonts, base.font);
    let base_name = doc.fonts.get(base.font.0 as usize).map(|f| f.name.as_str());

    // 2. A key for every glyph.
    let mut keys: Vec<Option<Key>> = vec![None; items.len()];
    for (k, &(a, b, _)) in kept.iter().enumerate() {
        for key in &mut keys[a..b] {
            *key = Some(Key::Kept(k));
        }
    }
    for (i, it) in items.iter().enumerate() {
        let Some(g) = it.glyph else { continue };
        if keys[i].is_some() || it.text.is_empty() {
            continue;
        }
        let Some(glyph) = page.glyphs.get(g as usize) else {
            continue;
        };
        let c = glyph.bbox.center();
        if let Some(l) = page.links.iter().position(|l| {
            c.x >= l.rect.x0 - s.link_margin
                && c.x <= l.rect.x1 + s.link_margin
                && c.y >= l.rect.y0 - s.link_margin
                && c.y <= l.rect.y1 + s.link_margin
        }) {
            keys[i] = Some(Key::Link(l as u32));
            continue;
        }
        let line = lines[it.line];
        if glyph.size < s.script_size * line.size {
            if glyph.origin.y < line.baseline - s.superscript_rise * line.size {
                keys[i] = Some(Key::Sup);
                continue;
            }
            if glyph.origin.y > line.baseline + s.subscript_drop * line.size {
                keys[i] = Some(Key::Sub);
                continue;
            }
        }
        let name = doc
            .fonts
            .get(glyph.font.0 as usize)
            .map(|f| f.name.as_str());
        let t = traits(fonts, glyph.font);
        keys[i] = Some(if name == base_name && glyph.color == base.color {
            Key::Plain
        } else if glyph.color == base.color
            && t.bold
            && !base_traits.bold
            && t.italic == base_traits.italic
        {
            Key::Bold
        } else if glyph.color == base.color
            && t.italic
            && !base_traits.italic
            && t.bold == base_traits.bold
        {
            Key::Italic
        } else if glyph.color == base.color
            && t.bold == base_traits.bold
            && t.italic == base_traits.italic
            && t.mono == base_traits.mono
            && name.is_none_or(|n| n.is_empty())
        {
            // An unnamed font of the same look (a Type 3 font per size).
            Key::Plain
        } else {
            // Another face, even of the same look as far as its name and flags tell (a bold
            // face whose name does not say so): it keeps its font.
            Key::Style(glyph.font, glyph.color)
        });
    }
    // Spaces and dropped hyphens take the key of their neighbours when both agree.
    for i in 0..items.len() {
        if keys[i].is_some() {
            continue;
        }
        let prev = keys[..i].iter().rev().flatten().next().copied();
        let next = keys[i + 1..].iter().flatten().next().copied();
        let dropped_hyphen = items[i].glyph.is_some();
        keys[i] = Some(match (prev, next) {
            (Some(p), _) if dropped_hyphen => p,
            (Some(p), Some(n)) if p == n => p,
            _ => Key::Plain,
        });
    }

    // 3. Runs to placeholders.
    let mut out = Inline {
        plain: plain.clone(),
        ..Inline::default()
    };
    let mut i = 0;
    while i < items.len() {
        let key = keys[i].unwrap_or(Key::Plain);
        let mut j = i + 1;
        while j < items.len() && keys[j].unwrap_or(Key::Plain) == key {
            j += 1;
        }
        let text: String = items[i..j].iter().map(|it| it.text.as_str()).collect();
        let glyphs: Vec<u32> = items[i..j].iter().filter_map(|it| it.glyph).collect();
        let id = out.spans.len() as u32 + 1;
        let paired = |kind: SpanKind, out: &mut Inline| {
            placeholders::write_span(&mut out.source, id, &text);
            out.translatable.push_str(&text);
            out.spans.push(Span {
                id,
                kind,
                glyphs: glyphs.clone(),
            });
        };
        match key {
            Key::Plain => {
                out.source.push_str(&text);
                out.translatable.push_str(&text);
            }
            Key::Kept(k) => {
                placeholders::write_item(&mut out.source, id);
                out.spans.push(Span {
                    id,
                    kind: SpanKind::Kept {
                        text: text.clone(),
                        reason: kept[k].2,
                    },
                    glyphs,
                });
            }
            Key::Link(l) => paired(SpanKind::Link(l), &mut out),
            Key::Sup => paired(SpanKind::Superscript, &mut out),
            Key::Sub => paired(SpanKind::Subscript, &mut out),
            Key::Bold => paired(SpanKind::Bold, &mut out),
            Key::Italic => paired(SpanKind::Italic, &mut out),
            Key::Style(font, color) => paired(SpanKind::Style { font, color }, &mut out),
        }
        i = j;
    }
    out
}

/// Step 1: the block's glyphs and the separators between them.
fn collect_items(page: &Page, lines: &[&LineInfo], s: &InlineSettings) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let mut prev_word: Option<&folio_doc::Word> = None;
        for &w in &line.words {
            let Some(word) = page.words.get(w as usize) else {
                continue;
            };
            let glyphs: Vec<u32> = word
                .glyphs
                .iter()
                .copied()
                .filter(|&g| {
                    page.glyphs
                        .get(g as usize)
                        .is_some_and(|gl| !gl.text.chars().all(char::is_whitespace))
                })
                .collect();
            if glyphs.is_empty() {
                continue;
            }
            let first_char = page.glyphs[glyphs[0] as usize]
                .text
                .chars()
                .next()
                .unwrap_or(' ');
            if let Some(prev) = prev_word {
                // Within a line: a space unless the words touch (a superscript glued on). The
                // gap either side: right-to-left words come in logical order, right to left.
                let gap = (word.bbox.x0 - prev.bbox.x1).max(prev.bbox.x0 - word.bbox.x1);
                if gap > s.word_space * line.size {
                    items.push(Item {
                        glyph: None,
                        text: " ".into(),
                        line: li,
                    });
                }
            } else if !items.is_empty() {
                // Between lines: de-hyphenate, or join without a space in CJK, or a space.
                let last_char = items
                    .last()
                    .and_then(|it| it.text.chars().last())
                    .unwrap_or(' ');
                let hyphen = matches!(last_char, '-' | '\u{2010}' | '\u{00AD}');
                let before_hyphen = items.len() >= 2
                    && items[items.len() - 2]
                        .text
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphabetic());
                if hyphen && before_hyphen && first_char.is_lowercase() {
                    if let Some(last) = items.last_mut() {
                        last.text.pop();
                    }
                } else if !(is_cjk(last_char) && is_cjk(first_char)) {
                    items.push(Item {
                        glyph: None,
                        text: " ".into(),
                        line: li,
                    });
                }
            }
            // The word's text is its glyphs' text, unless the reader composed it otherwise
            // (an accent drawn apart, "e" + "ˆ" as "ê"): the last glyph then carries it all,
            // so a hyphen ending the word still ends the text.
            let spelled: String = glyphs
                .iter()
                .map(|&g| page.glyphs[g as usize].text.as_str())
                .collect();
            let composed = spelled != word.text && !word.text.is_empty();
            let last = glyphs.len() - 1;
            for (k, g) in glyphs.into_iter().enumerate() {
                let text = match (composed, k == last) {
                    (false, _) => page.glyphs[g as usize].text.to_string(),
                    (true, true) => word.text.clone(),
                    (true, false) => String::new(),
                };
                items.push(Item {
                    glyph: Some(g),
                    text,
                    line: li,
                });
            }
            prev_word = Some(word);
        }
    }
    items
}

/// Kept items as item ranges `[a, b)` with their reason, sorted and disjoint: citations,
/// URLs, e-mail addresses and protected tokens found in the text, then runs of math glyphs (inline formulas)
/// and of monospace glyphs (inline code) when the block itself is not in such a font.
#[allow(clippy::too_many_arguments)]
fn kept_ranges(
    page: &Page,
    fonts: &[FontTraits],
    lines: &[&LineInfo],
    items: &[Item],
    starts: &[usize],
    plain: &str,
    base: Base,
    s: &InlineSettings,
) -> Vec<(usize, usize, KeepReason)> {
    let mut taken = vec![false; items.len()];
    let mut out: Vec<(usize, usize, KeepReason)> = Vec::new();
    let to_items = |a: usize, b: usize| -> (usize, usize) {
        let first = starts.iter().position(|&s| s >= a).unwrap_or(items.len());
        let end = starts.iter().position(|&s| s >= b).unwrap_or(items.len());
        (first, end)
    };
    let add = |a: usize, b: usize, reason: KeepReason, taken: &mut Vec<bool>, out: &mut Vec<_>| {
        // Trim separators from both ends, and a dropped hyphen from the end (a glyph without
        // text at the start is part of a composed word: `x` of `x̄`, its text on the accent).
        let (mut a, mut b) = (a, b);
        while a < b && items[a].glyph.is_none() {
            a += 1;
        }
        while b > a && (items[b - 1].glyph.is_none() || items[b - 1].text.is_empty()) {
            b -= 1;
        }
        if a < b && !taken[a..b].iter().any(|&t| t) {
            taken[a..b].iter_mut().for_each(|t| *t = true);
            out.push((a, b, reason));
        }
    };
    for (a, b) in citation_ranges(plain) {
        let (a, b) = to_items(a, b);
        add(a, b, KeepReason::Citation, &mut taken, &mut out);
    }
    // A heading's or an item's number ("IV.", "b)", "2.3"): an engine reads "I." as the word.
    if let Some(end) = enumerator_len(plain) {
        let (a, b) = to_items(0, end);
        add(a, b, KeepReason::Number, &mut taken, &mut out);
    }
    // Tokens between spaces.
    let mut tok_start = 0;
    for i in 0..=items.len() {
        if i < items.len() && items[i].glyph.is_some() {
            continue;
        }
        if tok_start < i {
            let (a, b) = (
                starts[tok_start],
                if i < items.len() {
                    starts[i]
                } else {
                    plain.len()
                },
            );
            let token = &plain[a..b];
            let (ca, cb) = core_range(token);
            let core = &token[ca..cb];
            let reason = if is_email(core) {
                Some(KeepReason::Email)
            } else if is_url(core) {
                Some(KeepReason::Url)
            } else {
                None
            };
            if let Some(reason) = reason {
                let (x, y) = to_items(a + ca, a + cb);
                add(x, y, reason, &mut taken, &mut out);
            }
        }
        tok_start = i + 1;
    }
    // Phone numbers, ranges, codes, amounts, dates: an engine would mangle them.
    for (a, b) in protected_ranges(plain) {
        let (a, b) = to_items(a, b);
        add(a, b, KeepReason::Number, &mut taken, &mut out);
    }
    // Inline formulas, by what their glyphs show (see `math`), with their scripts; a number
    // found inside one is part of it.
    let base_t = traits(fonts, base.font);
    let glyph_of = |it: &Item| it.glyph.and_then(|g| page.glyphs.get(g as usize));
    if !base_t.math {
        let slots: Vec<Slot> = items
            .iter()
            .map(|it| Slot {
                glyph: it.glyph,
                size: lines[it.line].size,
                baseline: lines[it.line].baseline,
            })
            .collect();
        for (a, b) in formula_ranges(page, fonts, &slots, base_t, s) {
            out.retain(|&(x, y, reason)| {
                let inside = reason == KeepReason::Number && a <= x && y <= b;
                if inside {
                    taken[x..y].iter_mut().for_each(|t| *t = false);
                }
                !inside
            });
            let mut k = a;
            while k < b {
                while k < b && taken[k] {
                    k += 1;
                }
                let mut e = k;
                while e < b && !taken[e] {
                    e += 1;
                }
                if k < e {
                    add(k, e, KeepReason::Formula, &mut taken, &mut out);
                }
                k = e;
            }
        }
    }
    let is_mono = |it: &Item| glyph_of(it).is_some_and(|g| traits(fonts, g.font).mono);
    if !base_t.mono {
        for (a, b) in runs(items, &is_mono, &|it: &Item| it.glyph.is_none(), &taken) {
            add(a, b, KeepReason::Code, &mut taken, &mut out);
        }
    }
    out.sort_by_key(|r| r.0);
    out
}

/// Maximal runs of items matching `pred`, extended over `glue` between matches (and before
/// the first, except over spaces and sentence punctuation), skipping items already taken.
fn runs(
    items: &[Item],
    pred: &dyn Fn(&Item) -> bool,
    glue: &dyn Fn(&Item) -> bool,
    taken: &[bool],
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if taken[i] || !pred(&items[i]) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        let mut j = i + 1;
        while j < items.len() && !taken[j] && (pred(&items[j]) || glue(&items[j])) {
            if pred(&items[j]) {
                end = j + 1;
            }
            j += 1;
        }
        let mut start = i;
        while start > 0
            && !taken[start - 1]
            && items[start - 1].glyph.is_some()
            && glue(&items[start - 1])
            && !items[start - 1].text.chars().all(|c| ".,;:".contains(c))
        {
            start -= 1;
        }
        out.push((start, end));
        i = end;
    }
    out
}
