//! Scanned pages read by OCR ([`folio_ocr`]) as the document is read, their words put on the
//! pages once reading ends, and the words whose text is replaced covered in the paper's
//! colour (or, for a text layer, the new text drawn invisible).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use folio_doc::{Cover, Document, FontId, PlacedText};
use folio_ocr::{Ocr, OcrError, OcrMemory, OcrMode, OcrPage, OcrSettings};

use crate::Error;
use crate::report::{LowConfidenceWord, OcrReport, Report};

/// OCR over one run: the pages read so far, and the first error met.
pub(crate) struct OcrRun<'a> {
    ocr: Option<Ocr>,
    memory: Option<&'a dyn OcrMemory>,
    pages: BTreeMap<u32, OcrPage>,
    error: Option<OcrError>,
    ms: u64,
}

impl<'a> OcrRun<'a> {
    /// Ready to read the scanned pages of `pdf`; tesseract's language is `settings.language`,
    /// else the source language's. Pages `memory` recalls are not read again.
    pub fn new(
        pdf: &Arc<Vec<u8>>,
        settings: &OcrSettings,
        source_language: &str,
        memory: Option<&'a dyn OcrMemory>,
    ) -> Self {
        let mut error = None;
        let ocr = (settings.mode != OcrMode::Never).then(|| {
            let mut settings = settings.clone();
            if settings.language.is_empty() {
                match folio_ocr::tesseract_language(source_language) {
                    Some(code) => settings.language = code.to_string(),
                    None => error = Some(OcrError::UnknownLanguage(source_language.to_string())),
                }
            }
            Ocr::new(pdf.clone(), settings)
        });
        Self {
            ocr,
            memory,
            pages: BTreeMap::new(),
            error,
            ms: 0,
        }
    }

    /// Reads the page just added to `doc` by OCR when it wants it. Returns whether any page
    /// was: layout then waits for the end of reading, when the words are put on the pages
    /// (their font's id is known only then).
    pub fn read_last_page(&mut self, doc: &Document) -> bool {
        let (Some(ocr), Some(page)) = (self.ocr.as_mut(), doc.pages.last()) else {
            return false;
        };
        if !ocr.settings().wants(page) {
            return !self.pages.is_empty();
        }
        if let Some(read) = self.memory.and_then(|m| m.recall(page.index)) {
            self.pages.insert(page.index, read);
            return true;
        }
        // Without a language, the error is reported once a page needs OCR.
        if self.error.is_none() {
            let start = std::time::Instant::now();
            match ocr.read_page(page) {
                Ok(read) => {
                    if let Some(memory) = self.memory {
                        memory.remember(&read);
                    }
                    self.pages.insert(page.index, read);
                }
                Err(e) => self.error = Some(e),
            }
            self.ms += start.elapsed().as_millis() as u64;
        }
        self.error.is_some() || !self.pages.is_empty()
    }

    /// Puts the words read on their pages, with the OCR font added to the document; the
    /// first OCR error, if any, ends the run.
    pub fn install(&mut self, doc: &mut Document) -> Result<(), Error> {
        if let Some(e) = self.error.take() {
            return Err(Error::Ocr(e));
        }
        if self.pages.is_empty() {
            return Ok(());
        }
        let font = FontId(doc.fonts.len() as u32);
        doc.fonts.push(folio_ocr::ocr_font());
        for page in doc.pages.iter_mut() {
            if let Some(read) = self.pages.get_mut(&page.index) {
                read.install(page, font);
            }
        }
        Ok(())
    }

    /// Covers, on OCR'd pages, the words whose glyphs the new text replaces, each in the
    /// paper's colour around its line; or, for a text layer, draws the new text invisible and
    /// covers nothing. The OCR figures go into the report.
    pub fn finish(self, text: &mut PlacedText, text_layer: bool, report: &mut Report) {
        let Some(ocr) = self.ocr else { return };
        for page in text.pages.iter_mut() {
            let Some(read) = self.pages.get(&page.page) else {
                continue;
            };
            if !read.frame.is_identity() {
                page.frame = Some(read.to_page());
            }
            if text_layer {
                page.invisible = true;
                continue;
            }
            let mut seen = HashSet::new();
            for &g in &page.remove {
                if let Some(word) = read.word_of(g)
                    && seen.insert(word.glyphs.start)
                {
                    page.covers.push(Cover {
                        rect: word.ink,
                        color: word.background,
                    });
                }
            }
        }
        if self.pages.is_empty() {
            return;
        }
        report.ocr = Some(OcrReport {
            language: ocr.settings().language.clone(),
            pages: self.pages.keys().map(|p| p + 1).collect(),
            words: self.pages.values().map(|p| p.ink.len() as u32).sum(),
            low_confidence: self
                .pages
                .values()
                .flat_map(|p| {
                    p.low_confidence.iter().map(|w| LowConfidenceWord {
                        page: p.page + 1,
                        text: w.text.clone(),
                        confidence: w.confidence,
                        bbox: w.bbox,
                    })
                })
                .collect(),
            ms: self.ms,
            tesseract_ms: ocr.tesseract_time.as_millis() as u64,
        });
    }
}
