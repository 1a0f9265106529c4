//! OCR flags of `folio translate`, and `folio ocr`: a searchable text layer over scans.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use folio::{OcrMode, OcrSettings};
use folio_pdf::PageSelection;
use folio_translate::{Config, LangPair};

/// How scanned pages are read.
#[derive(clap::Args, Clone)]
pub struct OcrArgs {
    /// Read pages by OCR (tesseract): `auto` (pages without usable text that an image
    /// covers), `always` (every page an image covers, ignoring its text layer) or `never`.
    #[arg(long, value_name = "auto|always|never", default_value = "auto")]
    ocr: OcrMode,
    /// Tesseract's language code, e.g. `eng`, `por`, `eng+fra` (default: the source
    /// language's).
    #[arg(long, value_name = "CODE")]
    ocr_lang: Option<String>,
    /// Words tesseract is less sure of (0-100) stay pixels of the image, listed in the report.
    #[arg(long, value_name = "N", default_value_t = 50.0)]
    ocr_min_confidence: f32,
}

impl OcrArgs {
    /// The settings these flags ask for.
    pub fn settings(&self) -> OcrSettings {
        OcrSettings {
            mode: self.ocr,
            language: self.ocr_lang.clone().unwrap_or_default(),
            min_confidence: self.ocr_min_confidence,
            ..OcrSettings::default()
        }
    }
}

/// Arguments of `folio ocr`.
#[derive(clap::Args)]
pub struct OcrCommandArgs {
    /// The scanned PDF.
    input: PathBuf,
    /// Where to write it with its text layer.
    #[arg(short, long)]
    output: PathBuf,
    /// The document's language (BCP 47): tesseract's language and the output's `/Lang`.
    #[arg(long, default_value = "en")]
    lang: String,
    /// How scanned pages are read.
    #[command(flatten)]
    ocr: OcrArgs,
    /// Only these pages, e.g. `1-3,7` (from 1); the others are copied unchanged.
    #[arg(long)]
    pages: Option<PageSelection>,
    /// Write the run's report (JSON) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// User password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
}

/// Runs `folio ocr`: the pipeline with an engine that keeps the text, drawn invisible.
pub fn run(args: OcrCommandArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("{}: cannot read the file", args.input.display()))?;
    let pair = LangPair::new(&args.lang, &args.lang).map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = Config {
        engine: Some("identity".into()),
        ..Config::default()
    };
    let engine = folio_translate::build_engine(&config, pair, std::path::Path::new("."))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let fonts = folio_typeset::FontBook::bundled();
    let mut ocr = args.ocr.settings();
    if ocr.mode == OcrMode::Never {
        anyhow::bail!("`folio ocr` with --ocr never has nothing to do");
    }
    if ocr.language.is_empty() {
        ocr.language = folio_ocr::tesseract_language(&args.lang)
            .with_context(|| {
                format!(
                    "no tesseract language is known for '{}': name it with --ocr-lang",
                    args.lang
                )
            })?
            .to_string();
    }
    let options = folio::Options {
        pages: args.pages.clone(),
        password: args.password.clone(),
        ocr,
        text_layer: true,
        ..folio::Options::new(engine.as_ref(), &fonts)
    };
    let Some((out, report)) = crate::translate::run_pipeline(&args.input, bytes, &options) else {
        return Ok(ExitCode::from(1));
    };
    if report.ocr.is_none() {
        eprintln!(
            "warning: no page was read by OCR (no page is a scan without text; --ocr always reads scans with a text layer)"
        );
    }
    crate::translate::write_output(&args.output, args.report.as_deref(), &out, &report)
}
