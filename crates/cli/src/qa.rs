//! `folio qa`: compare two PDFs, check and bless the golden cases.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use folio_qa::{Case, CompareOptions, Pipeline, PngDir, ReportSection, Thresholds};
use folio_translate::{LangPair, TranslateOptions};
use folio_typeset::FontBook;

/// Arguments of `folio qa`.
#[derive(clap::Args)]
pub struct QaArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: QaCommand,
}

/// The `folio qa` subcommands.
#[derive(clap::Subcommand)]
pub enum QaCommand {
    /// Compare two PDFs page by page (SSIM, pixel difference, words) and write an HTML report.
    /// Always exits 0: it measures, it does not judge.
    Compare {
        /// The first PDF (A, usually the original).
        a: PathBuf,
        /// The second PDF (B, usually the output).
        b: PathBuf,
        /// Resolution of the page images, dots per inch.
        #[arg(long, default_value_t = 72.0)]
        dpi: f32,
        /// Only these pages, numbered from 1 (`1-3,7`).
        #[arg(long)]
        pages: Option<folio_pdf::PageSelection>,
        /// Directory for index.html and the page images.
        #[arg(long, default_value = "out/qa/compare")]
        out: PathBuf,
    },
    /// Run every golden case and compare it with its blessed output; fails when a page moved
    /// past its case's thresholds.
    Check {
        /// The golden directory (with cases/, inputs/, blessed/).
        #[arg(default_value = "golden")]
        golden: PathBuf,
        /// Only this case (the TOML file name without `.toml`).
        #[arg(long)]
        case: Option<String>,
        /// Directory for the HTML report.
        #[arg(long, default_value = "out/qa/check")]
        out: PathBuf,
    },
    /// Run golden cases and store their outputs as the blessed ones.
    Bless {
        /// The golden directory (with cases/, inputs/, blessed/).
        #[arg(default_value = "golden")]
        golden: PathBuf,
        /// Only this case (the TOML file name without `.toml`).
        #[arg(long)]
        case: Option<String>,
    },
}

/// Runs `folio qa`.
pub fn run(args: QaArgs) -> anyhow::Result<()> {
    match args.command {
        QaCommand::Compare {
            a,
            b,
            dpi,
            pages,
            out,
        } => compare(a, b, dpi, pages, out),
        QaCommand::Check { golden, case, out } => check(golden, case, out),
        QaCommand::Bless { golden, case } => bless(golden, case),
    }
}

fn compare(
    a: PathBuf,
    b: PathBuf,
    dpi: f32,
    pages: Option<folio_pdf::PageSelection>,
    out: PathBuf,
) -> anyhow::Result<()> {
    if !(1.0..=1200.0).contains(&dpi) {
        bail!("--dpi {dpi} is out of range 1-1200");
    }
    let bytes_a = std::fs::read(&a).with_context(|| format!("{}", a.display()))?;
    let bytes_b = std::fs::read(&b).with_context(|| format!("{}", b.display()))?;
    let options = CompareOptions {
        dpi,
        pages,
        thresholds: Thresholds::default(),
    };
    let mut sink = PngDir::new(&out, "")?;
    let comparison = folio_qa::compare_pdfs(bytes_a, bytes_b, &options, &mut sink)?;
    for page in &comparison.pages {
        println!("{page}");
    }
    println!("{}", comparison.summary());
    let section = ReportSection {
        title: format!("{} vs {}", a.display(), b.display()),
        label_a: a.display().to_string(),
        label_b: b.display().to_string(),
        image_prefix: String::new(),
        comparison: &comparison,
        notes: Vec::new(),
    };
    let report = folio_qa::write_report(&out, "folio qa compare", &[section])?;
    println!("report: {}", report.display());
    Ok(())
}

/// Runs a golden case through `folio::translate`, as `folio translate` would with the case's
/// engine, languages and pages, the bundled fonts and default settings.
struct Translate {
    fonts: FontBook,
}

impl Translate {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            fonts: FontBook::bundled(),
        })
    }
}

impl Pipeline for Translate {
    fn run(&self, case: &Case, input: &[u8]) -> Result<Vec<u8>, String> {
        if let Some(key) = case.options.keys().next() {
            return Err(format!(
                "unknown option '{key}' (no engine option is supported yet)"
            ));
        }
        let to = case
            .target_lang
            .as_deref()
            .ok_or("the case has no target_lang")?;
        let from = case.source_lang.as_deref().unwrap_or("en");
        let pair = LangPair::new(from, to).map_err(|e| e.to_string())?;
        // The engine and cache as `folio translate --engine <case.engine>` builds them.
        let config = folio_translate::Config {
            engine: Some(case.engine.clone()),
            ..folio_translate::Config::default()
        };
        let models_dir =
            folio_translate::models_dir(None, std::env::var_os(folio_translate::MODELS_ENV));
        let engine =
            folio_translate::build_engine(&config, pair, &models_dir).map_err(|e| e.to_string())?;
        let options = folio::Options {
            translate: TranslateOptions {
                cache: folio_translate::build_cache(&config).map_err(|e| e.to_string())?,
                ..TranslateOptions::default()
            },
            pages: case.page_selection()?,
            ..folio::Options::new(engine.as_ref(), &self.fonts)
        };
        let (pdf, report) = folio::translate(Arc::new(input.to_vec()), &options, &mut |_| {})
            .map_err(|e| e.to_string())?;
        if let Some(f) = report.segments.failed.first() {
            return Err(format!(
                "{} segment(s) failed; page {}: {}",
                report.segments.failed.len(),
                f.page,
                f.reason
            ));
        }
        Ok(pdf)
    }
}

fn check(golden: PathBuf, case: Option<String>, out: PathBuf) -> anyhow::Result<()> {
    let pipeline = Translate::new()?;
    let run = folio_qa::check_all(&golden, case.as_deref(), &out, Some(&pipeline))?;
    for c in &run.cases {
        let status = if c.passed() { "ok  " } else { "FAIL" };
        println!("{status} {} — {}", c.name, c.comparison.summary());
        for note in &c.notes {
            println!("     {note}");
        }
        for page in c.failures() {
            println!("     {page}");
        }
    }
    println!("report: {}", run.report.display());
    if !run.passed() {
        let failed = run.failed();
        bail!(
            "{} golden case(s) failed: {}; see {}\nhint: if the change is intended, run `folio qa bless {}`",
            failed.len(),
            failed.join(", "),
            run.report.display(),
            golden.display()
        );
    }
    Ok(())
}

fn bless(golden: PathBuf, case: Option<String>) -> anyhow::Result<()> {
    let pipeline = Translate::new()?;
    for b in folio_qa::bless_all(&golden, case.as_deref(), Some(&pipeline))? {
        println!(
            "blessed {}: {} page(s), {} word(s), {:.1} KiB",
            b.name,
            b.pages,
            b.words,
            b.bytes as f64 / 1024.0
        );
    }
    Ok(())
}
