//! Where a block's text was drawn: its baselines, where each of its characters stood, and
//! which glyphs draw it. Typesetting uses the first two to set unchanged text as it was; the
//! writer removes the glyphs.

use folio_doc::{Block, Glyph, OriginalLines, Page, Rect, Shown, Word};

use crate::lines::{bump, top};

/// The glyphs that draw the text of some blocks of a page: their words' glyphs, and the
/// spaces between them and the second drawing of an overprinted word (glyphs no word holds,
/// inside one of the blocks' lines). Removing all of them takes the blocks' text off the page;
/// left behind, the old spaces would split new words for anyone reading the text back.
pub fn drawn_glyphs<'b>(page: &Page, blocks: impl IntoIterator<Item = &'b Block>) -> Vec<u32> {
    let wordless = wordless_glyphs(page);
    let mut glyphs = Vec::new();
    for line in blocks.into_iter().flat_map(|b| &b.lines) {
        for &w in &line.words {
            glyphs.extend(page.words[w as usize].glyphs.iter().copied());
        }
        glyphs.extend(wordless.iter().copied().filter(|&g| {
            let c = page.glyphs[g as usize].bbox.center();
            line.bbox.x0 <= c.x && c.x <= line.bbox.x1 && line.bbox.y0 <= c.y && c.y <= line.bbox.y1
        }));
    }
    glyphs
}

/// The clip the block's text was drawn under: the union of its glyphs' clips (lines of a cell
/// clipped one by one share the block), or `None` when some glyph was drawn under no clip. New
/// text set for the block belongs inside it: beyond it, the original would have shown nothing.
pub fn block_clip(page: &Page, block: &Block) -> Option<Rect> {
    block_glyphs(page, block)
        .map(|g| g.clip)
        .reduce(|a, b| Some(a?.union(&b?)))
        .flatten()
}

/// Whether a clip cut some of the block's glyphs ([`Shown::Part`]): its text shows only in part.
pub fn clip_cuts(page: &Page, block: &Block) -> bool {
    block_glyphs(page, block).any(|g| g.shown() == Shown::Part)
}

fn block_glyphs<'p>(page: &'p Page, block: &'p Block) -> impl Iterator<Item = &'p Glyph> {
    block
        .lines
        .iter()
        .flat_map(|l| &l.words)
        .filter_map(|&w| page.words.get(w as usize))
        .flat_map(|w| &w.glyphs)
        .filter_map(|&g| page.glyphs.get(g as usize))
}

/// The page's glyphs that no word holds: spaces, and a glyph drawn twice at one spot (bold
/// made by overprinting), which the reader reads once. Not a glyph the clip hides: it is no
/// one's text, and stays as drawn.
fn wordless_glyphs(page: &Page) -> Vec<u32> {
    let mut in_word = vec![false; page.glyphs.len()];
    for w in &page.words {
        for &g in &w.glyphs {
            if let Some(f) = in_word.get_mut(g as usize) {
                *f = true;
            }
        }
    }
    (0..page.glyphs.len() as u32)
        .filter(|&g| !in_word[g as usize] && !page.glyphs[g as usize].clipped_away())
        .collect()
}

/// The baseline of the block's first line (page y), for an upright block: where its biggest
/// glyphs sit.
pub fn first_baseline(page: &Page, block: &Block) -> Option<f32> {
    if block.style.angle != 0.0 || block.style.vertical {
        return None;
    }
    let line = block.lines.first()?;
    baseline(page, &line_words(page, &line.words))
}

/// Where the block's original lines start in `plain` (its text without placeholders), their
/// baselines, and where the original drew its characters (see [`OriginalLines`]); `None` when
/// the lines cannot be found. A line that started inside a word (the layout joined "trans-"
/// and "lation") starts there again; the typesetter then ends the line before with a hyphen.
pub fn original_lines(page: &Page, block: &Block, plain: &str) -> Option<OriginalLines> {
    let mut at = 0usize;
    let mut breaks = Vec::new();
    let mut anchors = Vec::new();
    let mut baselines = Vec::new();
    let mut joined = false;
    for (i, line) in block.lines.iter().enumerate() {
        let words = line_words(page, &line.words);
        if words.is_empty() {
            continue;
        }
        baselines.push(baseline(page, &words).unwrap_or(f32::NAN));
        for (j, word) in words.iter().enumerate() {
            // A word continues the text right after the last one's end and the spaces after it;
            // the second half of a word broken with a hyphen continues it directly.
            let next = at + plain[at..].len() - plain[at..].trim_start().len();
            let found = [word.text.as_str(), word.text.trim_end_matches('-')]
                .into_iter()
                .find(|w| !w.is_empty() && plain[next..].starts_with(w))
                .map(|w| (next, w.len()));
            let (pos, len) = match found {
                Some(f) => f,
                // A line's first word is looked for further on (the layout may have left
                // something out); the others only anchor when they are where expected.
                None if j == 0 => {
                    let w = word.text.as_str();
                    let pos = plain[at..]
                        .match_indices(w)
                        .map(|(k, _)| at + k)
                        .find(|&p| i == 0 || joined || plain[..p].ends_with(char::is_whitespace))?;
                    (pos, w.len())
                }
                None => continue,
            };
            if j == 0 && i > 0 {
                breaks.push(pos);
            }
            anchor_word(page, word, pos, len, &mut anchors);
            at = pos + len;
        }
        joined = words.last().is_some_and(|w| w.text.ends_with('-'));
    }
    if block.style.vertical {
        // Columns: unchanged text breaks where they did, and is set down them afresh (their
        // baselines and positions are across and down, not what a line's are).
        baselines.clear();
        anchors.clear();
    }
    Some(OriginalLines {
        breaks,
        baselines,
        anchors,
    })
}

/// The words of a line, by their indices into the page's words.
fn line_words<'p>(page: &'p Page, words: &[u32]) -> Vec<&'p Word> {
    words
        .iter()
        .filter_map(|&w| page.words.get(w as usize))
        .collect()
}

/// A line's baseline: where the glyphs of its usual size sit.
fn baseline(page: &Page, words: &[&Word]) -> Option<f32> {
    let glyphs = || {
        words
            .iter()
            .flat_map(|w| &w.glyphs)
            .filter_map(|&g| page.glyphs.get(g as usize))
    };
    // The size most of the line's glyphs have: a raised small glyph (a footnote mark) or one
    // big glyph across lines (a brace beside two lines, a drop cap) is not on the baseline.
    let mut sizes: Vec<(i32, usize)> = Vec::new();
    for g in glyphs() {
        bump(&mut sizes, (g.size * 10.0).round() as i32);
    }
    let usual = top(&sizes)? as f32 / 10.0;
    glyphs().find(|g| g.size >= 0.9 * usual).map(|g| g.origin.y)
}

/// Anchors each glyph of `word`, found at `pos` in the plain text over `len` bytes, at the x
/// where the original drew it; only the word's start when its glyphs do not spell it in order.
fn anchor_word(page: &Page, word: &Word, pos: usize, len: usize, anchors: &mut Vec<(u32, f32)>) {
    let glyphs: Vec<&Glyph> = word
        .glyphs
        .iter()
        .filter_map(|&g| page.glyphs.get(g as usize))
        .collect();
    let Some(first) = glyphs.first() else { return };
    if glyphs.iter().any(|g| g.angle != 0.0) {
        return;
    }
    let spelled: String = glyphs.iter().map(|g| g.text.as_str()).collect();
    if !spelled.starts_with(&word.text[..len]) && spelled != word.text {
        anchors.push((pos as u32, first.origin.x));
        return;
    }
    let mut off = 0usize;
    for g in glyphs {
        if off >= len {
            break;
        }
        anchors.push(((pos + off) as u32, g.origin.x));
        off += g.text.len();
    }
}
