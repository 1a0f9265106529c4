//! `folio translate`: a PDF in, the translated PDF and a report out.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use folio_pdf::PageSelection;
use folio_translate::{LangPair, TranslateOptions};
use folio_typeset::{FontBook, TypesetSettings};

/// Arguments of `folio translate`.
#[derive(clap::Args)]
pub struct TranslateArgs {
    /// The PDF to translate.
    input: PathBuf,
    /// Where to write the translated PDF.
    #[arg(short, long)]
    output: PathBuf,
    /// Target language (BCP 47, e.g. `pt-BR`, `es`).
    #[arg(long)]
    to: String,
    /// Source language.
    #[arg(long, default_value = "en")]
    from: String,
    /// Translation engine: `identity` (returns the source) or `pseudo` (pseudo-localization).
    #[arg(long, default_value = "pseudo")]
    engine: String,
    /// Only these pages, e.g. `1-3,7` (from 1); the others are copied unchanged.
    #[arg(long)]
    pages: Option<PageSelection>,
    /// Write the run's report (JSON) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Folder of fonts for new text (default: the bundled `fonts/`).
    #[arg(long)]
    fonts: Option<PathBuf>,
    /// User password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
}

/// Runs `folio translate`.
pub fn run(args: TranslateArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.input).with_context(|| format!("{}: cannot read the file", args.input.display()))?;
    let pair = LangPair::new(&args.from, &args.to).map_err(|e| anyhow::anyhow!("{e}"))?;
    let engine = folio_translate::builtin(&args.engine, pair).map_err(|e| anyhow::anyhow!("{e}"))?;
    let font_dir = args.fonts.clone().unwrap_or_else(FontBook::bundled_dir);
    let fonts = FontBook::from_dir(&font_dir).with_context(|| format!("{}: cannot load fonts", font_dir.display()))?;
    let options = folio::Options {
        engine: engine.as_ref(),
        translate: TranslateOptions::default(),
        fonts: &fonts,
        pages: args.pages,
        password: args.password,
        typeset: TypesetSettings::default(),
    };
    let mut events = |event: folio::Event| match event {
        folio::Event::Started(stage) => eprintln!("{stage:?}…"),
        folio::Event::Translated { done, total } if done == total || done % 200 == 0 => {
            eprintln!("  {done}/{total} segments")
        }
        folio::Event::Translated { .. } => {}
    };
    let (out, report) = match folio::translate(Arc::new(bytes), &options, &mut events) {
        Ok(r) => r,
        Err(err) => {
            eprintln!("error: {}: {err}", args.input.display());
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    std::fs::write(&args.output, &out).with_context(|| format!("{}: cannot write", args.output.display()))?;
    if let Some(path) = &args.report {
        let mut f = std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?;
        serde_json::to_writer_pretty(&mut f, &report)?;
        writeln!(f)?;
    }
    let kept: u32 = report.segments.kept.values().sum();
    eprintln!(
        "wrote {} ({} pages): {} segments translated, {} kept, {} failed; {} blocks rewritten, {} overflowed; smallest scale {:.2}",
        args.output.display(),
        report.pages_translated,
        report.segments.translated,
        kept,
        report.segments.failed.len(),
        report.blocks.rewritten,
        report.blocks.overflowed.len(),
        report.min_scale,
    );
    Ok(if report.segments.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}
