//! Pages to pixels with hayro, one page's failure never stopping the others.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use image::RgbaImage;

use crate::error::{QaError, QaResult, panic_message};

/// Longest side of a rendered page, in pixels. Beyond it a page is refused rather than
/// allocating gigabytes: hayro's pixmaps are limited to `u16` sides anyway, and a QA image that
/// large is a mistake (a 200-inch page, or a DPI typed wrong).
pub const MAX_SIDE_PX: f32 = 16_000.0;

/// A PDF opened for rendering.
///
/// Opening parses the file once; [`PdfRenderer::render_pages`] then shares hayro's font and
/// image caches between the pages it renders.
pub struct PdfRenderer {
    pdf: Pdf,
}

/// One page's rendering: the image or why there is none, and how long it took.
#[derive(Debug)]
pub struct RenderedPage {
    /// Index of the page, from 0.
    pub index: usize,
    /// The page on a white background, or why it could not be rendered.
    pub image: QaResult<RgbaImage>,
    /// Wall time spent rendering it, in milliseconds.
    pub ms: f64,
}

impl PdfRenderer {
    /// Opens a PDF with hayro (which repairs broken xref tables and opens files encrypted with
    /// the empty user password).
    pub fn new(bytes: impl Into<Arc<Vec<u8>>>) -> QaResult<Self> {
        let bytes: Arc<Vec<u8>> = bytes.into();
        let opened = catch_unwind(AssertUnwindSafe(|| Pdf::new(bytes)));
        match opened {
            Ok(Ok(pdf)) => Ok(Self { pdf }),
            Ok(Err(e)) => Err(QaError::Load(format!("{e:?}").to_lowercase())),
            Err(payload) => Err(QaError::RenderPanic(panic_message(payload.as_ref()))),
        }
    }

    /// Number of pages in the file.
    pub fn page_count(&self) -> usize {
        self.pdf.pages().len()
    }

    /// Size of a page as displayed (after crop box and rotation), in points.
    pub fn page_size(&self, index: usize) -> Option<(f32, f32)> {
        self.pdf.pages().get(index).map(|p| p.render_dimensions())
    }

    /// Renders one page at `dpi` dots per inch.
    pub fn render_page(&self, index: usize, dpi: f32) -> QaResult<RgbaImage> {
        self.render_pages([index], dpi).pop().map_or(
            Err(QaError::PageOutOfRange {
                index,
                page_count: self.page_count(),
            }),
            |p| p.image,
        )
    }

    /// Renders the given pages at `dpi`, each timed. A page that makes hayro panic gets
    /// [`QaError::RenderPanic`] and the following pages are still rendered.
    pub fn render_pages(
        &self,
        indices: impl IntoIterator<Item = usize>,
        dpi: f32,
    ) -> Vec<RenderedPage> {
        let pages = self.pdf.pages();
        let interpreter = InterpreterSettings::default();
        let settings = RenderSettings::default();
        let scale = dpi / 72.0;
        let pixmap = PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: WHITE,
        };
        let mut cache = RenderCache::new();
        let mut out = Vec::new();
        for index in indices {
            let start = Instant::now();
            let image = match pages.get(index) {
                None => Err(QaError::PageOutOfRange {
                    index,
                    page_count: pages.len(),
                }),
                Some(page) => {
                    let (w, h) = page.render_dimensions();
                    let (pw, ph) = (w * scale, h * scale);
                    if !(1.0..=MAX_SIDE_PX).contains(&pw) || !(1.0..=MAX_SIDE_PX).contains(&ph) {
                        Err(QaError::PageSize {
                            width: pw,
                            height: ph,
                        })
                    } else {
                        let rendered = catch_unwind(AssertUnwindSafe(|| {
                            hayro::render(page, &cache, &interpreter, &settings, &pixmap)
                        }));
                        match rendered {
                            Ok(pixmap) => to_image(&pixmap),
                            Err(payload) => {
                                // The caches may be half-updated after a panic: start afresh.
                                cache = RenderCache::new();
                                Err(QaError::RenderPanic(panic_message(payload.as_ref())))
                            }
                        }
                    }
                }
            };
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            out.push(RenderedPage { index, image, ms });
        }
        out
    }
}

/// Converts hayro's pixmap to an image. The background is opaque white, so every pixel is
/// opaque and premultiplied RGBA equals straight RGBA.
fn to_image(pixmap: &hayro::vello_cpu::Pixmap) -> QaResult<RgbaImage> {
    let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    RgbaImage::from_raw(w, h, pixmap.data_as_u8_slice().to_vec()).ok_or(QaError::PageSize {
        width: w as f32,
        height: h as f32,
    })
}

/// Renders page `index` (from 0) of a PDF at `dpi`: the one-shot form of [`PdfRenderer`].
pub fn render_page(pdf: &[u8], index: usize, dpi: f32) -> QaResult<RgbaImage> {
    PdfRenderer::new(pdf.to_vec())?.render_page(index, dpi)
}
