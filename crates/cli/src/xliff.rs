//! `folio xliff export|import`: a document's translation out to a translator's CAT tool as
//! XLIFF 1.2, and the translator's file back into the PDF.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use folio_pdf::PageSelection;

use crate::engine_args::EngineArgs;

/// Arguments of `folio xliff`.
#[derive(clap::Args)]
pub struct XliffArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Translate a PDF with the engine and write its blocks as XLIFF (no PDF): each block a
    /// unit (`p3-12`: page 3, block 12), its page and box in a note, kept blocks
    /// `translate="no"`.
    Export(Box<ExportArgs>),
    /// Translate a PDF taking the translations of a translator's XLIFF (they beat the engine;
    /// the engine translates units without one), and write the PDF.
    Import(Box<ImportArgs>),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The PDF.
    input: PathBuf,
    /// Where to write the XLIFF file.
    #[arg(short, long)]
    output: PathBuf,
    /// Target language (BCP 47, e.g. `pt-BR`).
    #[arg(long)]
    to: String,
    /// Only these pages, e.g. `1-3,7` (from 1).
    #[arg(long)]
    pages: Option<PageSelection>,
    /// User password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
    /// The engine that makes the first translation.
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The PDF the XLIFF was exported from.
    input: PathBuf,
    /// The translator's XLIFF file.
    xliff: PathBuf,
    /// Where to write the translated PDF.
    #[arg(short, long)]
    output: PathBuf,
    /// Target language (default: the XLIFF's `target-language`).
    #[arg(long)]
    to: Option<String>,
    /// Only these pages, e.g. `1-3,7` (from 1): as exported.
    #[arg(long)]
    pages: Option<PageSelection>,
    /// User password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
    /// Write the run's report (JSON) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// The engine for units the XLIFF leaves untranslated.
    #[command(flatten)]
    engine: EngineArgs,
}

/// Runs `folio xliff`.
pub fn run(args: XliffArgs) -> anyhow::Result<ExitCode> {
    match args.action {
        Action::Export(args) => export(*args),
        Action::Import(args) => import(*args),
    }
}

fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&args.input)?;
    let config = args.engine.config()?;
    let engine = args.engine.engine(&config, &args.to)?;
    let fonts = args.engine.fonts()?;
    let options = folio::Options {
        translate: args.engine.translate_options(args.engine.cache(&config)?),
        pages: args.pages,
        password: args.password,
        record_blocks: true,
        ..folio::Options::new(engine.as_ref(), &fonts)
    };
    let Some((_, report)) = crate::translate::run_pipeline(&args.input, bytes, &options) else {
        return Ok(ExitCode::from(1));
    };
    let pair = &engine.info().pair;
    let original = args.input.file_name().map_or_else(
        || "input.pdf".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let doc = folio_serve::xliff_document(&report.texts, &original, &pair.from, &args.to);
    std::fs::write(&args.output, folio_xliff::write(&doc))
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
    let failed = report.segments.failed.len();
    eprintln!(
        "wrote {}: {} units, {} translated, {failed} without a translation (failed)",
        args.output.display(),
        doc.units.len(),
        doc.units.iter().filter(|u| u.target.is_some()).count(),
    );
    Ok(ExitCode::SUCCESS)
}

fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.xliff)
        .with_context(|| format!("{}: cannot read the file as UTF-8", args.xliff.display()))?;
    let doc = match folio_xliff::read(&text) {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("error: {}: {e}", args.xliff.display());
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    let fixed = match folio_serve::fixed_from_xliff(&doc) {
        Ok(fixed) => fixed,
        Err(e) => {
            eprintln!("error: {}: {e}", args.xliff.display());
            return Ok(ExitCode::from(1));
        }
    };
    let to = match args.to.clone() {
        Some(to) => to,
        None if !doc.target_language.is_empty() => doc.target_language.clone(),
        None => anyhow::bail!(
            "{}: the file names no target language: pass --to",
            args.xliff.display()
        ),
    };
    let bytes = read(&args.input)?;
    let config = args.engine.config()?;
    let engine = args.engine.engine(&config, &to)?;
    let fonts = args.engine.fonts()?;
    let given = fixed.len();
    let options = folio::Options {
        translate: args.engine.translate_options(args.engine.cache(&config)?),
        pages: args.pages,
        password: args.password,
        fixed,
        ..folio::Options::new(engine.as_ref(), &fonts)
    };
    let Some((out, report)) = crate::translate::run_pipeline(&args.input, bytes, &options) else {
        return Ok(ExitCode::from(1));
    };
    eprintln!("{given} translation(s) taken from {}", args.xliff.display());
    crate::translate::write_output(&args.output, args.report.as_deref(), &out, &report)
}

fn read(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{}: cannot read the file", path.display()))
}
