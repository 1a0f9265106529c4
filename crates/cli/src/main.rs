//! The `folio` command: glue between the command line and Folio's crates.

mod batch;
mod engine_args;
mod inspect;
mod models;
mod ocr;
mod progress;
mod qa;
mod serve;
mod translate;
mod worker;
mod xliff;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Folio translates PDFs and keeps everything else.
#[derive(Parser)]
#[command(name = "folio", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a PDF and show what Folio sees: pages, fonts, text, warnings.
    Inspect(inspect::InspectArgs),
    /// Translate a PDF, keeping its layout, fonts' look, images, links and outline.
    Translate(Box<translate::TranslateArgs>),
    /// Add a searchable, copyable text layer to scanned pages by OCR (tesseract), without
    /// translating.
    Ocr(Box<ocr::OcrCommandArgs>),
    /// Translate the PDFs a manifest lists into its languages; resumable, with a ledger.
    Batch(Box<batch::BatchArgs>),
    /// Take jobs from a queue filled by `folio batch --queue` and translate them; any number
    /// of workers on any number of machines.
    Worker(Box<worker::WorkerArgs>),
    /// List the installed Bergamot models; `folio models fetch` installs them.
    Models(models::ModelsCommand),
    /// Compare PDFs page by page; check and bless golden cases.
    Qa(qa::QaArgs),
    /// Serve the HTTP API: upload PDFs as jobs, follow them, download the results.
    Serve(Box<serve::ServeArgs>),
    /// Export a translation as XLIFF for a translator's CAT tool, or import one into the PDF.
    Xliff(xliff::XliffArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Translate(args) => translate::run(*args),
        Command::Ocr(args) => ocr::run(*args),
        Command::Batch(args) => batch::run(*args),
        Command::Worker(args) => worker::run(*args),
        Command::Models(args) => models::run(args),
        Command::Qa(args) => qa::run(args).map(|()| ExitCode::SUCCESS),
        Command::Serve(args) => serve::run(*args),
        Command::Xliff(args) => xliff::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
