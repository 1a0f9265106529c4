//! The HTML report: for each page, A and B side by side with a diff image, worst pages first.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use image::RgbaImage;

use crate::compare::{Comparison, ImageSink, PageComparison};
use crate::error::{QaError, QaResult};

/// An [`ImageSink`] writing PNG files into the report's directory, named
/// `{prefix}p{page:03}-{a|b|diff}.png`.
pub struct PngDir {
    dir: PathBuf,
    prefix: String,
}

impl PngDir {
    /// Writes into `dir` (created if missing), file names starting with `prefix`.
    pub fn new(dir: impl Into<PathBuf>, prefix: impl Into<String>) -> QaResult<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| QaError::io(&dir, e))?;
        Ok(Self {
            dir,
            prefix: prefix.into(),
        })
    }

    /// The file name of one page image (relative to the report).
    pub fn file_name(prefix: &str, index: usize, which: &str) -> String {
        format!("{prefix}p{:03}-{which}.png", index + 1)
    }
}

impl ImageSink for PngDir {
    fn page_images(
        &mut self,
        index: usize,
        a: Option<&RgbaImage>,
        b: Option<&RgbaImage>,
        diff: Option<&RgbaImage>,
    ) -> QaResult<()> {
        for (which, image) in [("a", a), ("b", b), ("diff", diff)] {
            let path = self.dir.join(Self::file_name(&self.prefix, index, which));
            match image {
                Some(img) => img
                    .save(&path)
                    .map_err(|e| QaError::invalid(&path, e.to_string()))?,
                // A stale image from an earlier run would be shown as if it were this one's.
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(())
    }
}

/// One compared pair in a report: a `folio qa compare` run, or one golden case.
pub struct ReportSection<'a> {
    /// Heading, such as the case name or the two file names.
    pub title: String,
    /// What A is ("blessed", a file name).
    pub label_a: String,
    /// What B is ("current", a file name).
    pub label_b: String,
    /// The prefix given to the [`PngDir`] that received the images.
    pub image_prefix: String,
    /// The figures.
    pub comparison: &'a Comparison,
    /// Problems of the section as a whole (a page count that changed, a missing blessing).
    pub notes: Vec<String>,
}

/// Writes `dir/index.html` and returns its path. The page images must already be in `dir`.
pub fn write_report(dir: &Path, title: &str, sections: &[ReportSection<'_>]) -> QaResult<PathBuf> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n\
         <style>{CSS}</style></head><body>\n<h1>{t}</h1>\n",
        t = esc(title)
    );
    let flagged: usize = sections
        .iter()
        .map(|s| s.comparison.flagged().count())
        .sum();
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} section(s), {} page(s) flagged. Pages are listed worst first. \
         Diff: page A faded; <span class=\"ra\">red</span> = ink only in A, \
         <span class=\"rb\">blue</span> = ink only in B.</p>",
        sections.len(),
        flagged
    );
    for s in sections {
        let c = s.comparison;
        let bad = c.flagged().count() + s.notes.len();
        let _ = writeln!(
            h,
            "<section><h2 class=\"{}\">{}</h2>\n<p class=\"files\">A: {} &nbsp; B: {}</p>\n<p>{}</p>",
            if bad > 0 { "bad" } else { "ok" },
            esc(&s.title),
            esc(&s.label_a),
            esc(&s.label_b),
            esc(&c.summary())
        );
        for n in &s.notes {
            let _ = writeln!(h, "<p class=\"problem\">{}</p>", esc(n));
        }
        let mut pages: Vec<&PageComparison> = c.pages.iter().collect();
        pages.sort_by(|x, y| {
            y.badness()
                .total_cmp(&x.badness())
                .then(x.index.cmp(&y.index))
        });
        for p in pages {
            page_card(&mut h, s, p);
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body></html>\n");
    std::fs::create_dir_all(dir).map_err(|e| QaError::io(dir, e))?;
    let path = dir.join("index.html");
    std::fs::write(&path, h).map_err(|e| QaError::io(&path, e))?;
    Ok(path)
}

fn page_card(h: &mut String, s: &ReportSection<'_>, p: &PageComparison) {
    let class = if p.flagged() { "page bad" } else { "page ok" };
    let _ = write!(
        h,
        "<div class=\"{class}\"><h3>page {}</h3><table class=\"figs\"><tr>",
        p.index + 1
    );
    match p.pixels {
        Some(x) => {
            let _ = write!(
                h,
                "<td>SSIM <b>{:.4}</b></td><td>MAD <b>{:.3}</b></td><td>changed px <b>{:.2}%</b></td>",
                x.ssim,
                x.mad,
                x.changed * 100.0
            );
        }
        None => h.push_str("<td>SSIM –</td><td>MAD –</td><td></td>"),
    }
    match p.words {
        Some(w) => {
            let _ = write!(
                h,
                "<td>word F1 <b>{:.4}</b> ({} / {} words, {} moved, max shift {:.1} pt)</td>",
                w.f1, w.words_a, w.words_b, w.moved, w.max_shift
            );
        }
        None => h.push_str("<td>word F1 –</td>"),
    }
    let ms = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.0} ms"));
    let _ = write!(
        h,
        "<td>render A {} · B {}</td></tr></table>",
        ms(p.a.render_ms),
        ms(p.b.render_ms)
    );
    for problem in &p.problems {
        let _ = write!(h, "<p class=\"problem\">{}</p>", esc(problem));
    }
    h.push_str("<div class=\"imgs\">");
    let sides = [
        ("a", format!("A: {}", s.label_a), &p.a.render_error),
        ("b", format!("B: {}", s.label_b), &p.b.render_error),
        ("diff", "diff".to_string(), &None),
    ];
    for (which, label, error) in sides {
        let _ = write!(h, "<figure><figcaption>{}</figcaption>", esc(&label));
        let no_diff = which == "diff" && p.pixels.is_none();
        match error {
            Some(e) => {
                let _ = write!(
                    h,
                    "<div class=\"missing\">could not render: {}</div>",
                    esc(e)
                );
            }
            None if no_diff => {
                h.push_str("<div class=\"missing\">no diff: a side is missing</div>")
            }
            None => {
                let f = PngDir::file_name(&s.image_prefix, p.index, which);
                let _ = write!(h, "<a href=\"{f}\"><img src=\"{f}\" alt=\"{which}\"></a>");
            }
        }
        h.push_str("</figure>");
    }
    h.push_str("</div></div>\n");
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;background:#f4f4f4;color:#222}\
h1{margin:0 0 .3em}h2.bad{color:#b00}h2.ok{color:#070}.files{color:#555;font-family:monospace}\
.page{background:#fff;border:1px solid #ccc;border-left:6px solid #7a7;margin:1em 0;padding:.6em}\
.page.bad{border-left-color:#c33}.page h3{margin:0}.figs td{padding:0 1em 0 0}\
.problem{color:#b00;margin:.2em 0;font-weight:600}.imgs{display:flex;gap:10px;align-items:flex-start}\
figure{margin:0;flex:1;min-width:0}figcaption{font-size:12px;color:#555}\
figure img{width:100%;border:1px solid #999;image-rendering:auto}\
.missing{border:2px dashed #c33;color:#b00;padding:2em 1em;background:#fee}\
.ra{color:#d00;font-weight:600}.rb{color:#00c;font-weight:600}";
