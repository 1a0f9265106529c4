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
use crate::{OcrError, OcrResult, OcrSettings, tsv};

/// Checks that `command` runs and has data for every language of `language` (`eng+por`).
pub fn check_tesseract(command: &str, language: &str) -> OcrResult<()> {
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
    let known: Vec<&str> = listed.lines().map(str::trim).collect();
    for code in language.split('+') {
        if !known.contains(&code) {
            return Err(OcrError::MissingLanguage {
                language: code.to_string(),
            });
        }
    }
    Ok(())
}

/// Reads the pages of one PDF by OCR: renders each, runs tesseract on it and turns its words
/// into an [`OcrPage`]. The PDF is opened for rendering on the first page asked.
pub struct Ocr {
    pdf: Arc<Vec<u8>>,
    settings: OcrSettings,
    renderer: Option<PdfRenderer>,
    checked: bool,
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
            checked: false,
            tesseract_time: Duration::ZERO,
        }
    }

    /// The settings.
    pub fn settings(&self) -> &OcrSettings {
        &self.settings
    }

    /// Reads `page` (as the reader gave it: its index and size are used) by OCR.
    pub fn read_page(&mut self, page: &Page) -> OcrResult<OcrPage> {
        if !self.checked {
            check_tesseract(&self.settings.command, &self.settings.language)?;
            self.checked = true;
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
        let tsv = run(&self.settings, &image, page.index)?;
        self.tesseract_time += start.elapsed();
        let lines = tsv::parse(&tsv);
        Ok(OcrPage::build(page, &image, &lines, &self.settings))
    }
}

/// Runs tesseract on `image`, giving its TSV output.
fn run(settings: &OcrSettings, image: &RgbaImage, page: u32) -> OcrResult<String> {
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
    let out = Command::new(&settings.command)
        .arg(&path)
        .arg("-")
        .args(["-l", &settings.language, "--dpi", &dpi, "tsv"])
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
