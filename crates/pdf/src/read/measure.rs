//! How the document draws text in each font, measured from the glyphs it shows
//! ([`folio_doc::DrawnCodes`]): advances, kerning, ligatures and the space between words, so
//! new text can be drawn in an original font by character code and look as the original did.

use std::collections::{BTreeMap, HashMap};

use folio_doc::{Document, DrawnCodes, FontId, Glyph, Page};

/// What the pages read so far say of each font, gathered page by page ([`Measure::add`]) so
/// a page's glyphs may go once it is added; [`Measure::finish`] turns it into each font's
/// [`folio_doc::Font::drawn`].
#[derive(Default)]
pub(crate) struct Measure {
    /// Each (font, character): its code and the advances it was drawn with.
    seen: HashMap<(FontId, char), (u32, Vec<f32>)>,
    /// Each font's space glyph advance, when it has one.
    spaces: HashMap<FontId, f32>,
    /// Each (font, ligature text): its code and advances.
    ligatures: HashMap<(FontId, String), (u32, Vec<f32>)>,
    /// Glyphs the reader could not name (U+FFFD), by font: their codes and advances.
    unnamed: HashMap<FontId, (Vec<u32>, Vec<f32>)>,
    /// Gaps between letter pairs (see [`add_kerns`]).
    kerns: BTreeMap<(FontId, char, char), Vec<f32>>,
    /// Gaps between words (see [`add_word_gaps`]).
    gaps: HashMap<FontId, Vec<f32>>,
}

impl Measure {
    /// Gathers what one page shows of its fonts.
    pub(crate) fn add(&mut self, page: &Page) {
        for g in &page.glyphs {
            self.add_glyph(g);
        }
        add_kerns(page, &mut self.kerns);
        add_word_gaps(page, &mut self.gaps);
    }

    fn add_glyph(&mut self, g: &Glyph) {
        if g.angle != 0.0 || g.size <= 0.0 || g.render_mode == 3 || g.render_mode == 7 {
            return;
        }
        let advance = (g.bbox.x1 - g.bbox.x0) / g.size;
        let Some(c) = single_char(&g.text) else {
            // One glyph for a few letters: a ligature.
            if (2..=3).contains(&g.text.chars().count())
                && g.text.chars().all(char::is_alphabetic)
                && (0.0..3.0).contains(&advance)
            {
                self.ligatures
                    .entry((g.font, g.text.to_string()))
                    .or_insert_with(|| (g.code, Vec::new()))
                    .1
                    .push(advance);
            }
            return;
        };
        if c == ' ' {
            self.spaces.entry(g.font).or_insert(advance);
            return;
        }
        if c.is_whitespace() || !(0.0..3.0).contains(&advance) {
            return;
        }
        if c == '\u{FFFD}' {
            let (codes, advances) = self.unnamed.entry(g.font).or_default();
            if !codes.contains(&g.code) {
                codes.push(g.code);
            }
            advances.push(advance);
            return;
        }
        self.seen
            .entry((g.font, c))
            .or_insert_with(|| (g.code, Vec::new()))
            .1
            .push(advance);
    }

    /// Fills [`folio_doc::Font::drawn`] for every font that showed at least one letter or
    /// ligature on the pages added; `doc.fonts` are the reader's final fonts (with widths).
    pub(crate) fn finish(self, doc: &mut Document) {
        let Self {
            mut seen,
            spaces,
            ligatures,
            unnamed,
            kerns,
            mut gaps,
        } = self;
        for list in gaps.values_mut() {
            list.sort_by(f32::total_cmp);
        }
        // The font's width of the code when the reader has it (a median of measured advances is
        // skewed where most occurrences were drawn condensed, `Tz`); else that median.
        let width = |font: FontId, code: u32| {
            doc.fonts
                .get(font.0 as usize)
                .and_then(|f| f.widths.get(&code))
                .copied()
        };
        // A font that shows one unnamed glyph only (a hyphen without a name in a Type 3 font) can
        // draw U+FFFD again, so text left as it was keeps that glyph; with several, which is
        // meant cannot be told.
        for (font, (codes, advances)) in unnamed {
            if let [code] = codes[..] {
                seen.insert((font, '\u{FFFD}'), (code, advances));
            }
        }
        let mut drawn: BTreeMap<FontId, DrawnCodes> = BTreeMap::new();
        for ((font, c), (code, advances)) in seen {
            let advance = width(font, code).unwrap_or_else(|| median(advances));
            drawn
                .entry(font)
                .or_default()
                .codes
                .insert(c, (code, advance));
        }
        // A whole font (not a subset) can draw the rest of its encoding too: "ç" and "ã" for a
        // Portuguese translation of a text set in it.
        for (font, d) in drawn.iter_mut() {
            let Some(f) = doc.fonts.get(font.0 as usize) else {
                continue;
            };
            for (&c, &code) in &f.available {
                if let Some(&w) = f.widths.get(&code) {
                    d.codes.entry(c).or_insert((code, w));
                }
            }
        }
        for ((font, text), (code, advances)) in ligatures {
            let advance = width(font, code).unwrap_or_else(|| median(advances));
            drawn
                .entry(font)
                .or_default()
                .ligatures
                .push((text, code, advance));
        }
        for d in drawn.values_mut() {
            // Longest first, so "ffi" wins over "ff"; then by text, for the same output every run.
            d.ligatures
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        for ((font, x, y), list) in kerns {
            let k = median(list);
            if k.abs() > 0.005
                && k.abs() < 0.5
                && let Some(d) = drawn.get_mut(&font)
            {
                d.kerns.push((x, y, k));
            }
        }
        for (font, d) in drawn.iter_mut() {
            d.space = spaces.get(font).copied().or_else(|| {
                gaps.get(font)
                    .filter(|g| g.len() >= 5)
                    .map(|g| g[g.len() / 10])
            });
        }
        for (font, d) in drawn {
            if let Some(f) = doc.fonts.get_mut(font.0 as usize) {
                f.drawn = Some(d);
            }
        }
    }
}

/// Kerning: the gap between two letters of one word beyond the first one's advance, in em,
/// every time the pair occurs on `page`; by font and pair.
fn add_kerns(page: &Page, kerns: &mut BTreeMap<(FontId, char, char), Vec<f32>>) {
    for word in &page.words {
        for pair in word.glyphs.windows(2) {
            let (Some(a), Some(b)) = (
                page.glyphs.get(pair[0] as usize),
                page.glyphs.get(pair[1] as usize),
            ) else {
                continue;
            };
            if !same_baseline_and_size(a, b) {
                continue;
            }
            let (Some(x), Some(y)) = (single_char(&a.text), single_char(&b.text)) else {
                continue;
            };
            kerns
                .entry((a.font, x, y))
                .or_default()
                .push((b.bbox.x0 - a.bbox.x1) / a.size);
        }
    }
}

/// Whether two glyphs are of one font and size, upright, on one baseline.
fn same_baseline_and_size(a: &Glyph, b: &Glyph) -> bool {
    a.font == b.font
        && a.angle == 0.0
        && b.angle == 0.0
        && a.size > 0.0
        && (a.size - b.size).abs() <= 0.01
        && (a.origin.y - b.origin.y).abs() <= 0.01
}

/// Gaps between the words of a line on `page`, in em of the font the first word ends in: for
/// fonts without a space glyph (TeX's), the narrowest usual one is the space.
fn add_word_gaps(page: &Page, gaps: &mut HashMap<FontId, Vec<f32>>) {
    for line in &page.lines {
        for pair in line.words.windows(2) {
            let (a, b) = (&page.words[pair[0] as usize], &page.words[pair[1] as usize]);
            let Some(g) = a.glyphs.last().and_then(|&g| page.glyphs.get(g as usize)) else {
                continue;
            };
            if g.angle != 0.0 || g.size <= 0.0 {
                continue;
            }
            let gap = (b.bbox.x0 - a.bbox.x1) / g.size;
            if (0.1..0.6).contains(&gap) {
                gaps.entry(g.font).or_default().push(gap);
            }
        }
    }
}

/// The one character of a text, if it is one.
fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The middle value of a list that is not empty.
fn median(mut values: Vec<f32>) -> f32 {
    values.sort_by(f32::total_cmp);
    values[values.len() / 2]
}
