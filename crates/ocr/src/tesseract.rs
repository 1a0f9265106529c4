//! Running the `tesseract` command on rendered pages.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use folio_doc::Page;
use folio_qa::PdfRenderer;
use image::{GrayImage, RgbaImage};

use crate::page::OcrPage;
use crate::skew::{self, Frame, MIN_SKEW};
use crate::{OcrError, OcrResult, OcrSettings, tsv};

/// Checks that `command` runs and has data for every language of `language` (`eng+por`).
pub fn check_tesseract(command: &str, language: &str) -> OcrResult<()> {
    tesseract_languages(command, language).map(|_| ())
}

/// Checks as [`check_tesseract`] does, and gives every language tesseract knows (`osd`, for
/// orientation detection, among them when installed).
fn tesseract_languages(command: &str, language: &str) -> OcrResult<Vec<String>> {
    let missing = || OcrError::Missing {
        command: command.to_string(),
    };
    let out = Command::new(command)
        .arg("--list-langs")
        .stdin(Stdio::null())
        .output()
        .map_err(|_| missing())?;
    if !out.status.success() {
        return Err(missing());
    }
    // Tesseract 4 prints the list on stderr, 5 on stdout.
    let listed = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let known: Vec<String> = listed.lines().map(|l| l.trim().to_string()).collect();
    for code in language.split('+') {
        if !known.iter().any(|k| k == code) {
            return Err(OcrError::MissingLanguage {
                language: code.to_string(),
            });
        }
    }
    Ok(known)
}

/// Reads the pages of one PDF by OCR: renders each, runs tesseract on it and turns its words
/// into an [`OcrPage`]. The PDF is opened for rendering on the first page asked.
pub struct Ocr {
    pdf: Arc<Vec<u8>>,
    settings: OcrSettings,
    renderer: Option<PdfRenderer>,
    /// `None` until tesseract is checked; then whether it has orientation data (`osd`).
    osd: Option<bool>,
    /// Time spent in tesseract itself, over every page read.
    pub tesseract_time: Duration,
}

impl Ocr {
    /// Ready to read pages of `pdf` with `settings`.
    pub fn new(pdf: Arc<Vec<u8>>, settings: OcrSettings) -> Self {
        Self {
            pdf,
            settings,
            renderer: None,
            osd: None,
            tesseract_time: Duration::ZERO,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &OcrSettings {
        &self.settings
    }

    /// Whether pages turned a quarter or more can be stood upright: tesseract's orientation
    /// data (Debian `tesseract-ocr-osd`) is installed. `None` before the first page is read.
    pub fn detects_orientation(&self) -> Option<bool> {
        self.osd
    }

    /// Reads `page` (as the reader gave it: its index and size are used) by OCR. A page that
    /// reads poorly is asked its orientation (when tesseract has `osd` data) and read again
    /// turned upright; a page whose lines are skewed is read again levelled. The words are
    /// then in that upright, level frame ([`OcrPage::frame`]).
    pub fn read_page(&mut self, page: &Page) -> OcrResult<OcrPage> {
        if self.osd.is_none() {
            let known = tesseract_languages(&self.settings.command, &self.settings.language)?;
            self.osd = Some(known.iter().any(|k| k == "osd"));
        }
        let render_error = |message: String| OcrError::Render {
            page: page.index,
            message,
        };
        if self.renderer.is_none() {
            self.renderer =
                Some(PdfRenderer::new(self.pdf.clone()).map_err(|e| render_error(e.to_string()))?);
        }
        let renderer = self.renderer.as_ref().expect("the renderer was just set");
        let image = renderer
            .render_page(page.index as usize, self.settings.dpi)
            .map_err(|e| render_error(e.to_string()))?;
        let start = Instant::now();
        let read = self.read_upright(&image, page.index);
        self.tesseract_time += start.elapsed();
        let (upright, lines, frame) = read?;
        Ok(OcrPage::build(
            page,
            &upright,
            &lines,
            &self.settings,
            frame,
        ))
    }

    /// Reads `image`, turned upright and levelled when it needs to be: the image read, its
    /// lines and how it was made from `image`.
    fn read_upright(
        &self,
        image: &RgbaImage,
        page: u32,
    ) -> OcrResult<(RgbaImage, Vec<tsv::TsvLine>, Frame)> {
        let settings = &self.settings;
        let mut frame = Frame::default();
        let mut lines = tsv::parse(&run(settings, image, page, Pass::Words)?);
        let mut upright = None;
        if self.osd == Some(true)
            && (reads_poorly(&lines, settings.min_confidence) || sideways(&lines))
        {
            let osd = run(settings, image, page, Pass::Orientation)?;
            if let Some(turns) = skew::parse_osd(&osd).filter(|&t| t != 0) {
                frame.quarter_turns = turns;
                let turned = frame.apply(image, paper(image));
                lines = tsv::parse(&run(settings, &turned, page, Pass::Words)?);
                upright = Some(turned);
            }
        }
        if let Some(skew) = skew::measure(&lines).filter(|s| s.abs() >= MIN_SKEW) {
            frame.skew = skew;
            let level = frame.apply(image, paper(image));
            lines = tsv::parse(&run(settings, &level, page, Pass::Words)?);
            upright = Some(level);
        }
        let upright = upright.unwrap_or_else(|| image.clone());
        Ok((upright, lines, frame))
    }
}

/// Whether tesseract's words look like a page read sideways or upside down: fewer than 10
/// words it is sure of, or under half its words.
fn reads_poorly(lines: &[tsv::TsvLine], min_confidence: f32) -> bool {
    let words = lines.iter().flat_map(|l| &l.words);
    let (sure, all) = words.fold((0usize, 0usize), |(s, a), w| {
        (s + (w.conf >= min_confidence) as usize, a + 1)
    });
    sure < 10 || sure * 2 < all
}

/// Whether tesseract read the page's lines running up or down it: most words of three
/// letters or more stand taller than they are wide (tesseract reads such lines well, so only
/// their boxes tell).
fn sideways(lines: &[tsv::TsvLine]) -> bool {
    let long = lines
        .iter()
        .flat_map(|l| &l.words)
        .filter(|w| w.text.chars().filter(|c| c.is_alphanumeric()).count() >= 3);
    let (tall, all) = long.fold((0usize, 0usize), |(t, a), w| {
        (t + (w.height > w.width) as usize, a + 1)
    });
    all > 0 && tall * 2 > all
}

/// The paper's colour: the render's corner pixel (scans have margins).
fn paper(image: &RgbaImage) -> image::Rgba<u8> {
    image
        .get_pixel_checked(0, 0)
        .copied()
        .unwrap_or(image::Rgba([255; 4]))
}

/// What tesseract is run for.
#[derive(Clone, Copy)]
enum Pass {
    /// Words, boxes and confidences (TSV).
    Words,
    /// The page's orientation (`--psm 0`).
    Orientation,
}

/// Runs tesseract on `image`, giving its TSV output or its orientation report.
fn run(settings: &OcrSettings, image: &RgbaImage, page: u32, pass: Pass) -> OcrResult<String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let failed = |message: String| OcrError::Failed { page, message };
    let gray: GrayImage = image::DynamicImage::ImageRgba8(image.clone()).to_luma8();
    let path: PathBuf = std::env::temp_dir().join(format!(
        "folio-ocr-{}-{}.png",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    gray.save(&path)
        .map_err(|e| failed(format!("could not write the page image: {e}")))?;
    let dpi = format!("{}", settings.dpi.round() as u32);
    let mut command = Command::new(&settings.command);
    command.arg(&path).arg("-");
    match pass {
        Pass::Words => command.args(["-l", &settings.language, "--dpi", &dpi, "tsv"]),
        Pass::Orientation => command.args(["--psm", "0", "--dpi", &dpi]),
    };
    let out = command
        // One thread a page: tesseract's OpenMP threads only fight over shared cores.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.map_err(|_| OcrError::Missing {
        command: settings.command.clone(),
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(failed(last.trim().to_string()));
    }
    String::from_utf8(out.stdout).map_err(|_| failed("its output is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_command_is_named_with_the_package() {
        let err = check_tesseract("folio-no-such-tesseract", "eng").unwrap_err();
        assert!(matches!(err, OcrError::Missing { .. }), "{err:?}");
        assert!(err.to_string().contains("folio-no-such-tesseract"), "{err}");
        assert!(err.hint().unwrap().contains("tesseract-ocr"));
    }
}
