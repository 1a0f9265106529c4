//! `folio inspect`: the reader's view of a PDF, for people and for scripts.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use folio_doc::{Document, PageKind};
use folio_pdf::{PageSelection, ReadOptions};

/// Arguments of `folio inspect`.
#[derive(clap::Args)]
pub struct InspectArgs {
    /// The PDF to read.
    input: PathBuf,
    /// Print the whole document model as JSON.
    #[arg(long, conflicts_with_all = ["words", "blocks"])]
    json: bool,
    /// Print one word a line: page, x0, y0, x1, y1, text (tab-separated, reading order).
    #[arg(long, conflicts_with = "blocks")]
    words: bool,
    /// Print the layout's blocks, one a line: page, block, x0, y0, x1, y1, role, action,
    /// source text with placeholders (tab-separated, reading order).
    #[arg(long)]
    blocks: bool,
    /// Only these pages, e.g. `3-5,7` (from 1).
    #[arg(long)]
    pages: Option<PageSelection>,
    /// User password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
    /// Measure instead of printing: read the file N times, report pages per second and peak
    /// memory.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "5")]
    bench: Option<u32>,
}

/// Runs `folio inspect`.
pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("{}: cannot read the file", args.input.display()))?;
    let options = ReadOptions {
        password: args.password,
        pages: args.pages,
        ..ReadOptions::default()
    };
    if let Some(runs) = args.bench {
        return bench(&args.input, bytes, &options, runs.max(1));
    }
    let doc = match folio_pdf::read(bytes, &options) {
        Ok(doc) => doc,
        Err(err) => {
            eprintln!("error: {}: {err}", args.input.display());
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer(&mut out, &doc)?;
        writeln!(out)?;
    } else if args.blocks {
        let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
        for block in &blocks {
            let b = block.bbox;
            let action = match block.action {
                folio_doc::Action::Translate => "translate".to_string(),
                folio_doc::Action::Keep(reason) => format!("keep:{reason:?}").to_lowercase(),
            };
            writeln!(
                out,
                "{}\t{}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:?}\t{action}\t{}",
                block.id.page + 1,
                block.id.index,
                b.x0,
                b.y0,
                b.x1,
                b.y1,
                block.role,
                block.source.replace(['\n', '\t'], " ")
            )?;
        }
    } else if args.words {
        for page in &doc.pages {
            for line in &page.lines {
                for &w in &line.words {
                    let w = &page.words[w as usize];
                    let b = w.bbox;
                    writeln!(
                        out,
                        "{}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{}",
                        page.index + 1,
                        b.x0,
                        b.y0,
                        b.x1,
                        b.y1,
                        w.text
                    )?;
                }
            }
        }
    } else {
        summary(&mut out, &doc)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn summary(out: &mut impl Write, doc: &Document) -> std::io::Result<()> {
    let info = &doc.info;
    writeln!(
        out,
        "PDF {}{}, {} pages",
        info.pdf_version,
        if info.encrypted { ", encrypted" } else { "" },
        info.page_count
    )?;
    for (label, value) in [
        ("title", &info.title),
        ("author", &info.author),
        ("producer", &info.producer),
        ("lang", &info.lang),
    ] {
        if let Some(v) = value {
            writeln!(out, "{label}: {v}")?;
        }
    }
    writeln!(out, "\nfonts:")?;
    for (i, f) in doc.fonts.iter().enumerate() {
        writeln!(
            out,
            "  F{i} {} ({:?}{}{}), {:?}{}{}",
            f.name,
            f.kind,
            if f.embedded {
                ", embedded"
            } else {
                ", not embedded"
            },
            if f.has_to_unicode { ", ToUnicode" } else { "" },
            f.style.family,
            if f.style.bold { " bold" } else { "" },
            if f.style.italic { " italic" } else { "" },
        )?;
    }
    for page in &doc.pages {
        writeln!(
            out,
            "\npage {} ({:.0}×{:.0} pt{}): {} glyphs, {} words, {} lines, {} images, {} paths, {} links{}",
            page.index + 1,
            page.width,
            page.height,
            if page.rotation != 0 {
                format!(", rotated {}", page.rotation)
            } else {
                String::new()
            },
            page.glyphs.len(),
            page.words.len(),
            page.lines.len(),
            page.images.len(),
            page.paths.len(),
            page.links.len(),
            match page.kind {
                PageKind::Scanned => " — scanned: no text layer, OCR needed",
                PageKind::Empty => " — no text",
                PageKind::Text => "",
            }
        )?;
        for line in page.text().lines().take(12) {
            writeln!(out, "  | {line}")?;
        }
        if page.lines.len() > 12 {
            writeln!(out, "  | … {} more lines", page.lines.len() - 12)?;
        }
    }
    if !doc.outline.is_empty() {
        writeln!(out, "\noutline: {} top-level entries", doc.outline.len())?;
    }
    if !doc.warnings.is_empty() {
        writeln!(out, "\nwarnings:")?;
        for w in &doc.warnings {
            match w.page {
                Some(p) => writeln!(out, "  page {}: {}", p + 1, w.message)?,
                None => writeln!(out, "  {}", w.message)?,
            }
        }
    }
    Ok(())
}

/// Reads the file `runs` times on one thread and prints pages/s and peak resident memory.
fn bench(
    path: &std::path::Path,
    bytes: Vec<u8>,
    options: &ReadOptions,
    runs: u32,
) -> anyhow::Result<ExitCode> {
    let size = bytes.len();
    let bytes = std::sync::Arc::new(bytes);
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    let mut pages = 0;
    let mut glyphs = 0;
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let doc = folio_pdf::read(bytes.clone(), options).map_err(|e| anyhow::anyhow!("{e}"))?;
        let secs = start.elapsed().as_secs_f64();
        best = best.min(secs);
        total += secs;
        pages = doc.pages.len();
        glyphs = doc.pages.iter().map(|p| p.glyphs.len()).sum();
    }
    let peak_mb = peak_rss_kb().map(|kb| kb as f64 / 1024.0);
    println!(
        "{}: {} pages, {} glyphs, {:.1} MB file; best {:.1} ms ({:.0} pages/s), mean {:.1} ms over {} runs; peak RSS {}",
        path.display(),
        pages,
        glyphs,
        size as f64 / 1e6,
        best * 1e3,
        pages as f64 / best,
        total / runs as f64 * 1e3,
        runs,
        peak_mb.map_or("unknown".into(), |m| format!("{m:.1} MB")),
    );
    Ok(ExitCode::SUCCESS)
}

/// Peak resident set size of this process (`VmHWM`), on Linux.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
