//! Two PDFs, page by page: pixels (SSIM, mean absolute difference) and words (F1, moves).

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use folio_pdf::{PageSelection, ReadOptions};
use image::RgbaImage;
use serde::{Deserialize, Serialize};

use crate::error::{QaError, QaResult, panic_message};
use crate::pixels::{PixelStats, compare_gray, diff_image, to_gray};
use crate::render::PdfRenderer;
use crate::words::{PageWord, WordStats, compare_words, document_words};

/// How far a page may drift before it is flagged. Used by `folio qa compare` (to mark pages)
/// and by golden cases (to fail them); a case's TOML overrides any of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Lowest acceptable SSIM of the page images.
    pub min_ssim: f64,
    /// Highest acceptable mean absolute grey-level difference (0–255).
    pub max_mad: f64,
    /// Lowest acceptable F1 of the page's bag of words.
    pub min_word_f1: f64,
    /// Most matched words allowed to move by more than `move_tolerance_pt`.
    pub max_moved_words: usize,
    /// A matched word whose box edge shifts by more than this many points has moved.
    pub move_tolerance_pt: f32,
}

impl Default for Thresholds {
    /// Strict: the same renderer on the same content gives identical pixels, so anything but
    /// noise-level change is reported. One word of a Federal Register page moved by 100 pt
    /// gives SSIM 0.997 and MAD 0.09 at 36 dpi, and must be caught.
    fn default() -> Self {
        Self {
            min_ssim: 0.999,
            max_mad: 0.05,
            min_word_f1: 1.0,
            max_moved_words: 0,
            move_tolerance_pt: 2.0,
        }
    }
}

/// What to compare and how.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Resolution of the page images, dots per inch.
    pub dpi: f32,
    /// Only these pages (all when `None`).
    pub pages: Option<PageSelection>,
    /// When a page counts as changed.
    pub thresholds: Thresholds,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            dpi: 72.0,
            pages: None,
            thresholds: Thresholds::default(),
        }
    }
}

/// One side of a compared page.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Why there is no image, when there is none.
    pub render_error: Option<String>,
    /// Time spent rendering, in milliseconds (`None` when the image was loaded, not rendered).
    pub render_ms: Option<f64>,
    /// Why there are no words, when the text could not be read.
    pub read_error: Option<String>,
}

/// The figures for one page, and what about it went past the thresholds.
#[derive(Debug, Clone)]
pub struct PageComparison {
    /// Index of the page, from 0.
    pub index: usize,
    /// The first file's side.
    pub a: Side,
    /// The second file's side.
    pub b: Side,
    /// Pixel figures, when both sides rendered.
    pub pixels: Option<PixelStats>,
    /// Word figures, when both sides were read.
    pub words: Option<WordStats>,
    /// Every threshold the page went past, or why it could not be measured; empty when fine.
    pub problems: Vec<String>,
}

impl PageComparison {
    /// Whether anything about the page is past a threshold or could not be measured.
    pub fn flagged(&self) -> bool {
        !self.problems.is_empty()
    }

    /// A number to sort pages worst first: unmeasurable pages, then by SSIM and word F1.
    pub fn badness(&self) -> f64 {
        let ssim = self.pixels.map_or(-1.0, |p| p.ssim);
        let f1 = self.words.map_or(0.0, |w| w.f1);
        let flagged = if self.flagged() { 10.0 } else { 0.0 };
        flagged + (1.0 - ssim) + (1.0 - f1)
    }

    /// Records every threshold the page went past.
    pub fn judge(&mut self, t: &Thresholds) {
        let mut problems = Vec::new();
        for (name, side) in [("A", &self.a), ("B", &self.b)] {
            if let Some(e) = &side.render_error {
                problems.push(format!("{name} not rendered: {e}"));
            }
            if let Some(e) = &side.read_error {
                problems.push(format!("{name} not read: {e}"));
            }
        }
        if let Some(p) = self.pixels {
            if p.ssim < t.min_ssim {
                problems.push(format!("ssim {:.4} < {}", p.ssim, t.min_ssim));
            }
            if p.mad > t.max_mad {
                problems.push(format!("mad {:.3} > {}", p.mad, t.max_mad));
            }
        }
        if let Some(w) = self.words {
            if w.f1 < t.min_word_f1 {
                problems.push(format!("word f1 {:.4} < {}", w.f1, t.min_word_f1));
            }
            if w.moved > t.max_moved_words {
                problems.push(format!(
                    "{} word(s) moved > {} pt (max {:.1} pt)",
                    w.moved, t.move_tolerance_pt, w.max_shift
                ));
            }
        }
        self.problems = problems;
    }
}

impl fmt::Display for PageComparison {
    /// One line: `page 3: ssim 0.9871 mad 0.42 words f1 1.0000 (412/412, moved 1) render 35/33 ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page {:>3}:", self.index + 1)?;
        match self.pixels {
            Some(p) => write!(f, " ssim {:.4} mad {:6.3}", p.ssim, p.mad)?,
            None => write!(f, " ssim    -   mad      -")?,
        }
        match self.words {
            Some(w) => write!(
                f,
                " words f1 {:.4} ({}/{}, moved {})",
                w.f1, w.words_a, w.words_b, w.moved
            )?,
            None => write!(f, " words -")?,
        }
        let ms = |s: &Side| s.render_ms.map_or("-".to_string(), |ms| format!("{ms:.0}"));
        write!(f, " render {}/{} ms", ms(&self.a), ms(&self.b))?;
        if self.flagged() {
            write!(f, "  CHANGED: {}", self.problems.join("; "))?;
        }
        Ok(())
    }
}

/// Receives each page's images as they are made, so that a long document is never held in
/// memory whole. [`NoImages`] drops them; [`crate::PngDir`] writes them next to a report.
pub trait ImageSink {
    /// Called once per compared page; an image is `None` when that side has none.
    fn page_images(
        &mut self,
        index: usize,
        a: Option<&RgbaImage>,
        b: Option<&RgbaImage>,
        diff: Option<&RgbaImage>,
    ) -> QaResult<()>;
}

/// An [`ImageSink`] that keeps nothing.
pub struct NoImages;

impl ImageSink for NoImages {
    fn page_images(
        &mut self,
        _: usize,
        _: Option<&RgbaImage>,
        _: Option<&RgbaImage>,
        _: Option<&RgbaImage>,
    ) -> QaResult<()> {
        Ok(())
    }
}

/// Everything compared, page by page in page order.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Pages of the first file.
    pub page_count_a: usize,
    /// Pages of the second file.
    pub page_count_b: usize,
    /// One entry per compared page.
    pub pages: Vec<PageComparison>,
}

impl Comparison {
    /// Pages past a threshold.
    pub fn flagged(&self) -> impl Iterator<Item = &PageComparison> {
        self.pages.iter().filter(|p| p.flagged())
    }

    /// A one-line total.
    pub fn summary(&self) -> String {
        let ssims: Vec<f64> = self
            .pages
            .iter()
            .filter_map(|p| p.pixels.map(|x| x.ssim))
            .collect();
        let f1s: Vec<f64> = self
            .pages
            .iter()
            .filter_map(|p| p.words.map(|w| w.f1))
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let ssim = if ssims.is_empty() {
            "ssim -".to_string()
        } else {
            format!(
                "ssim mean {:.4} min {:.4}",
                mean(&ssims),
                ssims.iter().copied().fold(1.0, f64::min)
            )
        };
        let f1 = if f1s.is_empty() {
            "word f1 -".to_string()
        } else {
            format!("word f1 mean {:.4}", mean(&f1s))
        };
        let times: Vec<f64> = self
            .pages
            .iter()
            .flat_map(|p| [p.a.render_ms, p.b.render_ms])
            .flatten()
            .collect();
        let ms = if times.is_empty() {
            "-".to_string()
        } else {
            format!("{:.1}", mean(&times))
        };
        format!(
            "total: {} page(s) compared ({} vs {} in the files), {} changed; {ssim}; {f1}; render {ms} ms/page",
            self.pages.len(),
            self.page_count_a,
            self.page_count_b,
            self.flagged().count(),
        )
    }
}

/// Reads the words of every page, turning a reader panic into an error.
pub(crate) fn read_words(
    bytes: &Arc<Vec<u8>>,
    pages: Option<&PageSelection>,
) -> QaResult<BTreeMap<u32, Vec<PageWord>>> {
    let options = ReadOptions {
        pages: pages.cloned(),
        ..ReadOptions::default()
    };
    match catch_unwind(AssertUnwindSafe(|| {
        folio_pdf::read(bytes.clone(), &options)
    })) {
        Ok(Ok(doc)) => Ok(document_words(&doc)),
        Ok(Err(e)) => Err(QaError::Read(e)),
        Err(payload) => Err(QaError::ReadPanic(panic_message(payload.as_ref()))),
    }
}

/// Compares two PDFs page by page. Never fails as a whole: a file that cannot be opened or
/// read, or a page that cannot be rendered, is recorded on the pages it concerns. Only an
/// error of the image sink (a disk error) stops the run.
pub fn compare_pdfs(
    a: Vec<u8>,
    b: Vec<u8>,
    options: &CompareOptions,
    sink: &mut dyn ImageSink,
) -> QaResult<Comparison> {
    let (a, b) = (Arc::new(a), Arc::new(b));
    let ra = PdfRenderer::new(a.clone());
    let rb = PdfRenderer::new(b.clone());
    let words_a = read_words(&a, options.pages.as_ref()).map_err(|e| e.to_string());
    let words_b = read_words(&b, options.pages.as_ref()).map_err(|e| e.to_string());
    let count = |r: &QaResult<PdfRenderer>| r.as_ref().map_or(0, PdfRenderer::page_count);
    let (na, nb) = (count(&ra), count(&rb));
    let mut result = Comparison {
        page_count_a: na,
        page_count_b: nb,
        pages: Vec::new(),
    };
    let indices: Vec<usize> = (0..na.max(nb))
        .filter(|&i| options.pages.as_ref().is_none_or(|s| s.contains(i as u32)))
        .collect();
    for index in indices {
        let side = |r: &QaResult<PdfRenderer>, n: usize| -> (Side, Option<RgbaImage>) {
            let mut side = Side::default();
            let image = match r {
                Err(e) => Err(e.to_string()),
                Ok(_) if index >= n => Err(format!("missing (the file has {n} pages)")),
                Ok(r) => {
                    let page = r.render_pages([index], options.dpi).pop();
                    side.render_ms = page.as_ref().map(|p| p.ms);
                    page.map_or(Err("not rendered".into()), |p| {
                        p.image.map_err(|e| e.to_string())
                    })
                }
            };
            match image {
                Ok(img) => (side, Some(img)),
                Err(e) => {
                    side.render_error = Some(e);
                    (side, None)
                }
            }
        };
        let (mut sa, ia) = side(&ra, na);
        let (mut sb, ib) = side(&rb, nb);
        let page_words = |w: &Result<BTreeMap<u32, Vec<PageWord>>, String>, s: &mut Side, n| match w
        {
            Err(e) => {
                s.read_error = Some(e.clone());
                None
            }
            Ok(_) if index >= n => None,
            Ok(m) => Some(m.get(&(index as u32)).cloned().unwrap_or_default()),
        };
        let wa = page_words(&words_a, &mut sa, na);
        let wb = page_words(&words_b, &mut sb, nb);
        let mut page = measure(
            index,
            sa,
            sb,
            ia.as_ref(),
            ib.as_ref(),
            wa,
            wb,
            &options.thresholds,
        );
        page.judge(&options.thresholds);
        let diff = match (&ia, &ib) {
            (Some(x), Some(y)) => Some(diff_image(&to_gray(x), &to_gray(y))),
            _ => None,
        };
        sink.page_images(index, ia.as_ref(), ib.as_ref(), diff.as_ref())?;
        result.pages.push(page);
    }
    Ok(result)
}

/// The figures of one page from its two sides.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site per kind of comparison"
)]
pub(crate) fn measure(
    index: usize,
    a: Side,
    b: Side,
    image_a: Option<&RgbaImage>,
    image_b: Option<&RgbaImage>,
    words_a: Option<Vec<PageWord>>,
    words_b: Option<Vec<PageWord>>,
    t: &Thresholds,
) -> PageComparison {
    let pixels = match (image_a, image_b) {
        (Some(x), Some(y)) => Some(compare_gray(&to_gray(x), &to_gray(y))),
        _ => None,
    };
    let words = match (words_a, words_b) {
        (Some(x), Some(y)) => Some(compare_words(&x, &y, t.move_tolerance_pt)),
        _ => None,
    };
    PageComparison {
        index,
        a,
        b,
        pixels,
        words,
        problems: Vec::new(),
    }
}
