//! Tesseract's words as the IR's glyphs, words and lines.

use std::ops::Range;

use folio_doc::{
    Address, CompactString, Font, FontFamilyClass, FontId, FontKind, FontStyle, Glyph, Line,
    Matrix, Page, PageKind, Point, Rect, Rgb, StreamId, Word,
};
use image::RgbaImage;
use serde::{Deserialize, Serialize};

use crate::OcrSettings;
use crate::sample::{self, PxRect};
use crate::skew::Frame;
use crate::tsv::{TsvLine, TsvWord};

/// The ascent of OCR glyph boxes, in em: tesseract gives no font, so boxes are those of a
/// typical Latin text face (ascent 0.75, descent 0.25).
const ASCENT: f32 = 0.75;
/// The descent of OCR glyph boxes, in em (negative).
const DESCENT: f32 = -0.25;
/// Ascender height (b, d, h, capitals) over the font size in usual text faces: the size is
/// found from the letters' height above the baseline.
const ASCENDER: f32 = 0.7;
/// x-height over the font size, for lines with no ascender.
const X_HEIGHT: f32 = 0.47;
/// How far the cover of a word reaches past its box, in points: the anti-aliased or JPEG-rung
/// edge of its letters.
const COVER_PAD: f32 = 1.0;

/// The font OCR glyphs refer to: tesseract gives none, so it is a plain serif text face that
/// is not embedded (new text is set in a bundled face).
pub fn ocr_font() -> Font {
    Font {
        name: "OCR".into(),
        dict: None,
        kind: FontKind::Type1,
        embedded: false,
        has_to_unicode: true,
        style: FontStyle {
            family: FontFamilyClass::Serif,
            bold: false,
            italic: false,
        },
        ascent: ASCENT,
        descent: DESCENT,
        x_height: Some(X_HEIGHT),
        code_bytes: None,
        widths: Default::default(),
        available: Default::default(),
        drawn: None,
    }
}

/// A word as OCR saw it in the image: what covers it when its text is replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcrWord {
    /// Its glyphs: indices into the page's glyphs once installed.
    pub glyphs: Range<u32>,
    /// The box of its letters in the image, in display points of the upright frame, padded by
    /// their soft edge.
    pub ink: Rect,
    /// The paper around its line, sampled from the image.
    pub background: Rgb,
    /// Tesseract's confidence, 0–100.
    pub confidence: f32,
}

/// A word tesseract was not sure of: it is left as pixels (not text), listed in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LowConfidence {
    /// What tesseract read.
    pub text: String,
    /// Its confidence, 0–100.
    pub confidence: f32,
    /// Where, in display points of the page.
    pub bbox: Rect,
}

/// One page read by OCR. Its glyphs, words, lines and ink are in the page's upright frame
/// ([`OcrPage::frame`]): the scan turned upright and levelled, where its lines run level, so
/// layout and typesetting work on it as on a born-digital page; [`OcrPage::to_page`] maps that
/// frame back onto the page for the writer. Serializable, so a page read once (a job the
/// editor re-renders) need not be read again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OcrPage {
    /// The page, from 0.
    pub page: u32,
    /// The page's width and height, in points, as read (before any turn).
    pub page_size: [f32; 2],
    /// How the scan was turned and levelled to be read.
    pub frame: Frame,
    /// A glyph per character, its share of its word's box by its usual width, on the line's
    /// baseline.
    pub glyphs: Vec<Glyph>,
    /// The words read with enough confidence, in tesseract's reading order.
    pub words: Vec<Word>,
    /// Lines of those words.
    pub lines: Vec<Line>,
    /// For each of `words`, where its letters are in the image and the paper around them.
    pub ink: Vec<OcrWord>,
    /// Words left as pixels.
    pub low_confidence: Vec<LowConfidence>,
}

impl OcrPage {
    /// Builds the page's words from tesseract's lines (in pixels of `image`, the page
    /// rendered whole).
    pub(crate) fn build(
        page: &Page,
        image: &RgbaImage,
        lines: &[TsvLine],
        settings: &OcrSettings,
        frame: Frame,
    ) -> Self {
        let (width, height) = frame.upright_size(page.width, page.height);
        let sx = image.width() as f32 / width.max(1.0);
        let sy = image.height() as f32 / height.max(1.0);
        let to_page = frame.to_page(page.width, page.height);
        let to_pt = |w: &TsvWord| {
            Rect::new(
                w.left / sx,
                w.top / sy,
                (w.left + w.width) / sx,
                (w.top + w.height) / sy,
            )
        };
        let mut out = OcrPage {
            page: page.index,
            page_size: [page.width, page.height],
            frame,
            ..OcrPage::default()
        };
        for line in lines {
            let (kept, low): (Vec<&TsvWord>, Vec<&TsvWord>) = line
                .words
                .iter()
                .partition(|w| w.conf >= settings.min_confidence);
            out.low_confidence.extend(low.iter().map(|w| LowConfidence {
                text: w.text.clone(),
                confidence: w.conf,
                bbox: map_rect(&to_page, to_pt(w)),
            }));
            if kept.is_empty() {
                continue;
            }
            let (baseline, size) = baseline_and_size(&kept);
            let (baseline, size) = (baseline / sy, size / sy);
            // The line's paper and ink, from its words' pixels.
            let boxes: Vec<PxRect> = kept
                .iter()
                .map(|w| PxRect::new(image, w.left, w.top, w.left + w.width, w.top + w.height))
                .collect();
            let union = boxes.iter().fold(boxes[0], |a, b| PxRect {
                x0: a.x0.min(b.x0),
                y0: a.y0.min(b.y0),
                x1: a.x1.max(b.x1),
                y1: a.y1.max(b.y1),
            });
            let margin = ((size * sy) * 0.25).ceil().max(2.0) as u32;
            let paper = sample::background(image, union, margin);
            let color = sample::ink(image, &boxes, paper);

            let mut line_words = Vec::with_capacity(kept.len());
            for w in &kept {
                let ink = to_pt(w);
                let chars: Vec<char> = w.text.chars().collect();
                // The word's width shared by the letters' usual widths, so an `m` gets more
                // than an `i` and text set at these places reads back as one word.
                let total: f32 = chars.iter().map(|&c| advance_em(c)).sum::<f32>().max(1e-3);
                let first = out.glyphs.len() as u32;
                let mut x = ink.x0;
                for c in &chars {
                    let advance = ink.width() * advance_em(*c) / total;
                    out.glyphs.push(Glyph {
                        text: CompactString::from(&*c.encode_utf8(&mut [0; 4])),
                        code: *c as u32,
                        font: FontId(0),
                        size,
                        bbox: Rect::new(
                            x,
                            baseline - ASCENT * size,
                            x + advance,
                            baseline - DESCENT * size,
                        ),
                        origin: Point { x, y: baseline },
                        angle: 0.0,
                        color,
                        render_mode: 0,
                        // In no content stream: the writer finds nothing to cut for it.
                        addr: Address {
                            stream: StreamId::Page,
                            op: u32::MAX,
                        },
                        clip: None,
                    });
                    x += advance;
                }
                let glyphs: Vec<u32> = (first..out.glyphs.len() as u32).collect();
                let bbox = union_of(glyphs.iter().map(|&g| out.glyphs[g as usize].bbox));
                line_words.push(out.words.len() as u32);
                out.words.push(Word {
                    text: w.text.clone(),
                    bbox,
                    glyphs,
                });
                out.ink.push(OcrWord {
                    glyphs: first..out.glyphs.len() as u32,
                    ink: Rect::new(
                        ink.x0 - COVER_PAD,
                        ink.y0 - COVER_PAD,
                        ink.x1 + COVER_PAD,
                        ink.y1 + COVER_PAD,
                    ),
                    background: paper,
                    confidence: w.conf,
                });
            }
            let bbox = union_of(line_words.iter().map(|&w| out.words[w as usize].bbox));
            out.lines.push(Line {
                bbox,
                words: line_words,
                vertical: false,
            });
        }
        out
    }

    /// Puts the words read on `page`, their glyphs after its own (whose indices the writer
    /// knows) and referring to `font` ([`ocr_font`], added to the document): its words and
    /// lines become these, and it counts as a text page. Shifts [`OcrPage::ink`] to the
    /// page's glyph indices.
    pub fn install(&mut self, page: &mut Page, font: FontId) {
        if !self.frame.is_identity() {
            // The page becomes its upright frame: what else is on it (the scan itself, rules)
            // is put there too, so layout sees where the words are against it.
            let to_page = self.to_page();
            let from_page = to_page.invert().unwrap_or(Matrix::IDENTITY);
            (page.width, page.height) = self.frame.upright_size(page.width, page.height);
            for image in &mut page.images {
                image.bbox = map_rect(&from_page, image.bbox);
            }
            for path in &mut page.paths {
                path.bbox = map_rect(&from_page, path.bbox);
            }
        }
        let offset = page.glyphs.len() as u32;
        for g in &mut self.glyphs {
            g.font = font;
        }
        for w in &mut self.words {
            w.glyphs.iter_mut().for_each(|g| *g += offset);
        }
        for w in &mut self.ink {
            w.glyphs = w.glyphs.start + offset..w.glyphs.end + offset;
        }
        page.glyphs.append(&mut self.glyphs);
        page.words = std::mem::take(&mut self.words);
        page.lines = std::mem::take(&mut self.lines);
        page.kind = PageKind::Text;
    }

    /// The map from the upright frame the words are in to the page, in display coordinates:
    /// the identity for a page read as it was.
    pub fn to_page(&self) -> Matrix {
        self.frame.to_page(self.page_size[0], self.page_size[1])
    }

    /// The word a glyph of the page (once installed) belongs to.
    pub fn word_of(&self, glyph: u32) -> Option<&OcrWord> {
        let at = self.ink.partition_point(|w| w.glyphs.end <= glyph);
        self.ink.get(at).filter(|w| w.glyphs.contains(&glyph))
    }
}

/// A character's usual advance, in em: Times-Roman's (the standard 14 metrics) for ASCII, a
/// full em for wide (CJK) characters, half an em otherwise.
fn advance_em(c: char) -> f32 {
    const LOWER: [u16; 26] = [
        444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, 500, 500, 333,
        389, 278, 500, 500, 722, 500, 500, 444,
    ];
    const UPPER: [u16; 26] = [
        722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, 556, 722, 667,
        556, 611, 722, 722, 944, 722, 722, 611,
    ];
    let units = match c {
        'a'..='z' => LOWER[c as usize - 'a' as usize],
        'A'..='Z' => UPPER[c as usize - 'A' as usize],
        '0'..='9' => 500,
        '.' | ',' => 250,
        ':' | ';' | '!' | '/' | '|' => 278,
        '-' | '\'' | '’' | '‘' | '(' | ')' | '[' | ']' => 333,
        '"' | '“' | '”' | '?' => 444,
        '—' | '%' | '@' => 1000,
        c if ('\u{2E80}'..='\u{FFEF}').contains(&c) => 1000,
        _ => 500,
    };
    units as f32 / 1000.0
}

/// The baseline and font size of a line of words, in pixels: the baseline is the median
/// bottom of the words without descenders, the size their median height above it over the
/// ascender height (x-height for lines without ascenders).
fn baseline_and_size(words: &[&TsvWord]) -> (f32, f32) {
    let descends = |w: &TsvWord| w.text.chars().any(|c| "gjpqyQJ,;()[]{}|/@$".contains(c));
    let mut bottoms: Vec<f32> = words
        .iter()
        .filter(|w| !descends(w))
        .map(|w| w.top + w.height)
        .collect();
    let baseline = match median(&mut bottoms) {
        Some(b) => b,
        None => {
            let bottom = words
                .iter()
                .map(|w| w.top + w.height)
                .fold(f32::MIN, f32::max);
            let mut heights: Vec<f32> = words.iter().map(|w| w.height).collect();
            bottom - 0.2 * median(&mut heights).unwrap_or(0.0)
        }
    };
    let ascends = |w: &TsvWord| {
        w.text
            .chars()
            .any(|c| c.is_uppercase() || c.is_ascii_digit() || "bdfhklt!?'\"".contains(c))
    };
    let mut tall: Vec<f32> = words
        .iter()
        .filter(|w| ascends(w))
        .map(|w| baseline - w.top)
        .filter(|h| *h > 0.0)
        .collect();
    let size = match median(&mut tall) {
        Some(h) => h / ASCENDER,
        None => {
            let mut short: Vec<f32> = words
                .iter()
                .map(|w| baseline - w.top)
                .filter(|h| *h > 0.0)
                .collect();
            median(&mut short).map_or(1.0, |h| h / X_HEIGHT)
        }
    };
    (baseline, size.max(1.0))
}

fn median(values: &mut [f32]) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    Some(values[values.len() / 2])
}

/// The box holding `rect` mapped by `m`.
fn map_rect(m: &Matrix, rect: Rect) -> Rect {
    let corners = [
        (rect.x0, rect.y0),
        (rect.x1, rect.y0),
        (rect.x0, rect.y1),
        (rect.x1, rect.y1),
    ]
    .map(|(x, y)| m.apply(x as f64, y as f64));
    Rect::bounding(corners).unwrap_or(rect)
}

fn union_of(mut rects: impl Iterator<Item = Rect>) -> Rect {
    let first = rects.next().unwrap_or_default();
    rects.fold(first, |a, b| {
        Rect::new(
            a.x0.min(b.x0),
            a.y0.min(b.y0),
            a.x1.max(b.x1),
            a.y1.max(b.y1),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    fn word(text: &str, left: f32, top: f32, width: f32, height: f32, conf: f32) -> TsvWord {
        TsvWord {
            text: text.into(),
            left,
            top,
            width,
            height,
            conf,
        }
    }

    #[test]
    fn words_become_glyphs_words_and_lines_in_points() {
        // A 100 x 50 pt page rendered at 2 px a point; one line "Hello gray ~~" whose last
        // word tesseract doubts.
        let page = Page {
            index: 3,
            width: 100.0,
            height: 50.0,
            ..Page::default()
        };
        let image = RgbaImage::from_pixel(200, 100, Rgba([240, 240, 230, 255]));
        let lines = vec![TsvLine {
            block: 1,
            par: 1,
            words: vec![
                word("Hello", 20.0, 20.0, 50.0, 14.0, 95.0),
                word("gray", 80.0, 24.0, 40.0, 14.0, 91.0),
                word("~~", 150.0, 20.0, 20.0, 10.0, 12.0),
            ],
        }];
        let ocr = OcrPage::build(
            &page,
            &image,
            &lines,
            &OcrSettings::default(),
            Frame::default(),
        );
        assert_eq!(ocr.words.len(), 2);
        assert_eq!(ocr.glyphs.len(), 9);
        assert_eq!(ocr.lines.len(), 1);
        assert_eq!(ocr.lines[0].words, vec![0, 1]);
        // Baseline from "Hello" (no descender): 34 px = 17 pt; size: 14 px above it = 7 pt
        // of ascender, over 0.7.
        let h = &ocr.glyphs[0];
        assert_eq!(h.text, "H");
        assert!((h.origin.y - 17.0).abs() < 1e-3, "{:?}", h.origin);
        assert!((h.size - 10.0).abs() < 1e-3, "{}", h.size);
        assert!((h.origin.x - 10.0).abs() < 1e-3);
        // The word's 25 pt shared by the letters' usual widths: "H" 722, "e" 444, "l" 278 …
        let share = 25.0 / (0.722 + 0.444 + 0.278 + 0.278 + 0.5);
        assert!((ocr.glyphs[1].origin.x - (10.0 + 0.722 * share)).abs() < 1e-3);
        assert!(
            ocr.glyphs[2].bbox.width() < ocr.glyphs[1].bbox.width(),
            "l narrower than e"
        );
        assert!(
            (ocr.glyphs[4].bbox.x1 - 35.0).abs() < 1e-3,
            "the last letter ends the word"
        );
        assert_eq!(ocr.words[1].text, "gray");
        assert_eq!(ocr.words[1].glyphs, vec![5, 6, 7, 8]);
        assert_eq!(ocr.low_confidence.len(), 1);
        assert_eq!(ocr.low_confidence[0].text, "~~");
        assert_eq!(
            ocr.low_confidence[0].bbox,
            Rect::new(75.0, 10.0, 85.0, 15.0)
        );
        // The paper is sampled from the image, and covers pad the word's box.
        assert_eq!(ocr.ink[0].background, Rgb([240, 240, 230]));
        assert_eq!(ocr.ink[0].ink, Rect::new(9.0, 9.0, 36.0, 18.0));
    }

    #[test]
    fn installing_puts_the_glyphs_after_the_page_own() {
        let mut page = Page {
            width: 100.0,
            height: 50.0,
            kind: PageKind::Scanned,
            ..Page::default()
        };
        let image = RgbaImage::from_pixel(100, 50, Rgba([255, 255, 255, 255]));
        let lines = vec![TsvLine {
            block: 1,
            par: 1,
            words: vec![word("ab", 10.0, 10.0, 10.0, 10.0, 90.0)],
        }];
        let mut ocr = OcrPage::build(
            &page,
            &image,
            &lines,
            &OcrSettings::default(),
            Frame::default(),
        );
        // The page already holds one (unusable) glyph.
        page.glyphs.push(ocr.glyphs[0].clone());
        ocr.install(&mut page, FontId(7));
        assert_eq!(page.kind, PageKind::Text);
        assert_eq!(page.glyphs.len(), 3);
        assert_eq!(page.words[0].glyphs, vec![1, 2]);
        assert!(page.glyphs[1..].iter().all(|g| g.font == FontId(7)));
        assert_eq!(ocr.word_of(2).map(|w| w.glyphs.clone()), Some(1..3));
        assert!(ocr.word_of(0).is_none());
    }
}
