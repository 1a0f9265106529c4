//! Golden cases: small TOML files naming an input, the run to make, and how far its output
//! may drift from the blessed one.
//!
//! ```text
//! golden/
//!   SOURCES.md             where each input comes from, and its licence
//!   inputs/NAME.pdf        public-domain or permissively licensed inputs
//!   cases/NAME.toml        one case each (see [`Case`])
//!   blessed/NAME/p001.png  page images of the blessed output, grey, at the case's DPI
//!   blessed/NAME/words.tsv the words extracted from it: page x0 y0 x1 y1 text
//! ```
//!
//! A case with the `reader` engine has the input itself as its output, so it checks what the
//! reader extracts (words and boxes) and how hayro renders the file. A case naming a
//! translation engine (`pseudo-*.toml` use `pseudo`) runs through the [`Pipeline`] the binary
//! passes in (`folio qa` calls `folio::translate`), and compares the translated PDF the same
//! way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use folio_pdf::PageSelection;
use image::{DynamicImage, GrayImage, RgbaImage};
use serde::Deserialize;

use crate::compare::{
    Comparison, ImageSink, PageComparison, Side, Thresholds, measure, read_words,
};
use crate::error::{QaError, QaResult};
use crate::pixels::to_gray;
use crate::render::PdfRenderer;
use crate::report::{PngDir, ReportSection, write_report};
use crate::words::{PageWord, words_from_tsv, words_to_tsv};

/// Engines a case may name. `reader` runs no translation; the others are those of `folio
/// translate` (see DESIGN.md) and need a [`Pipeline`].
pub const ENGINES: &[&str] = &[
    "reader", "identity", "pseudo", "bergamot", "apertium", "openai",
];

/// One golden case, as written in `cases/NAME.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The file name without `.toml`; names the blessed directory.
    #[serde(skip)]
    pub name: String,
    /// What the case is for, in a sentence.
    #[serde(default)]
    pub description: String,
    /// The input PDF, relative to the golden directory (`inputs/….pdf`).
    pub input: PathBuf,
    /// Which run makes the output: `reader` (no translation) or a translation engine.
    pub engine: String,
    /// Source language (BCP 47), when the engine needs to be told.
    #[serde(default)]
    pub source_lang: Option<String>,
    /// Target language (BCP 47); required by every engine but `reader`.
    #[serde(default)]
    pub target_lang: Option<String>,
    /// Pages to check, as users write them (`1-3,7`); all when absent.
    #[serde(default)]
    pub pages: Option<String>,
    /// Resolution of the blessed page images; low, to keep goldens small.
    #[serde(default = "default_dpi")]
    pub dpi: f32,
    /// Further engine options, handed to the pipeline as written.
    #[serde(default)]
    pub options: toml::Table,
    /// How far the output may drift from the blessed one.
    #[serde(default)]
    pub thresholds: Thresholds,
}

fn default_dpi() -> f32 {
    36.0
}

impl Case {
    /// Reads and validates a case file.
    pub fn load(path: &Path) -> QaResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| QaError::io(path, e))?;
        let mut case: Case =
            toml::from_str(&text).map_err(|e| QaError::invalid(path, e.message().to_string()))?;
        case.name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !ENGINES.contains(&case.engine.as_str()) {
            let msg = format!(
                "unknown engine '{}' (known: {})",
                case.engine,
                ENGINES.join(", ")
            );
            return Err(QaError::invalid(path, msg));
        }
        if case.engine != "reader" && case.target_lang.is_none() {
            return Err(QaError::invalid(
                path,
                format!("engine '{}' needs target_lang", case.engine),
            ));
        }
        if !(1.0..=600.0).contains(&case.dpi) {
            return Err(QaError::invalid(
                path,
                format!("dpi {} is out of range 1-600", case.dpi),
            ));
        }
        case.page_selection()
            .map_err(|e| QaError::invalid(path, e))?;
        Ok(case)
    }

    /// The pages to check.
    pub fn page_selection(&self) -> Result<Option<PageSelection>, String> {
        self.pages.as_deref().map(str::parse).transpose()
    }
}

/// Runs the translation a case names: input PDF bytes to output PDF bytes. The binary passes
/// one in (calling `folio::translate`); this crate stays below the pipeline crates.
pub trait Pipeline {
    /// Translates `input` as `case` says (engine, languages, options).
    fn run(&self, case: &Case, input: &[u8]) -> Result<Vec<u8>, String>;
}

/// Every case under `golden/cases/`, sorted by name.
pub fn load_cases(golden: &Path) -> QaResult<Vec<Case>> {
    let dir = golden.join("cases");
    let entries = std::fs::read_dir(&dir).map_err(|e| QaError::io(&dir, e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Case::load(p)).collect()
}

/// A case's output: page images (grey) and words.
struct Output {
    page_count: usize,
    /// Rendered pages: index, image or error, render ms.
    pages: Vec<(usize, Result<GrayImage, String>, f64)>,
    words: Result<BTreeMap<u32, Vec<PageWord>>, String>,
}

/// Makes a case's output and measures it.
fn run_case(golden: &Path, case: &Case, pipeline: Option<&dyn Pipeline>) -> QaResult<Output> {
    let input = golden.join(&case.input);
    let bytes = std::fs::read(&input).map_err(|e| QaError::io(&input, e))?;
    let output = match (case.engine.as_str(), pipeline) {
        ("reader", _) => bytes,
        (_, Some(p)) => p.run(case, &bytes).map_err(QaError::Pipeline)?,
        (engine, None) => return Err(QaError::EngineUnavailable(engine.to_string())),
    };
    let output = Arc::new(output);
    let selection = case
        .page_selection()
        .map_err(|e| QaError::invalid(&input, e))?;
    let renderer = PdfRenderer::new(output.clone())?;
    let page_count = renderer.page_count();
    let indices =
        (0..page_count).filter(|&i| selection.as_ref().is_none_or(|s| s.contains(i as u32)));
    let pages = renderer
        .render_pages(indices, case.dpi)
        .into_iter()
        .map(|p| {
            (
                p.index,
                p.image.map(|i| to_gray(&i)).map_err(|e| e.to_string()),
                p.ms,
            )
        })
        .collect();
    let words = read_words(&output, selection.as_ref()).map_err(|e| e.to_string());
    Ok(Output {
        page_count,
        pages,
        words,
    })
}

/// Where a case's blessed output lives.
pub fn blessed_dir(golden: &Path, case: &Case) -> PathBuf {
    golden.join("blessed").join(&case.name)
}

fn page_png(index: usize) -> String {
    format!("p{:03}.png", index + 1)
}

/// Writes a grey PNG with the strongest compression: blessed images live in the repository.
fn save_small_png(image: &GrayImage, path: &Path) -> QaResult<()> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let file = std::fs::File::create(path).map_err(|e| QaError::io(path, e))?;
    let encoder = PngEncoder::new_with_quality(
        std::io::BufWriter::new(file),
        CompressionType::Best,
        FilterType::Adaptive,
    );
    image
        .write_with_encoder(encoder)
        .map_err(|e| QaError::invalid(path, e.to_string()))
}

/// What blessing a case wrote.
#[derive(Debug, Clone)]
pub struct Blessed {
    /// The case.
    pub name: String,
    /// Page images written.
    pub pages: usize,
    /// Words written.
    pub words: usize,
    /// Bytes written in all.
    pub bytes: u64,
}

/// Runs a case and stores its output as the blessed one, replacing what was there.
/// Refuses when a page cannot be rendered or the text cannot be read: a blessed output
/// must be complete.
pub fn bless_case(
    golden: &Path,
    case: &Case,
    pipeline: Option<&dyn Pipeline>,
) -> QaResult<Blessed> {
    let out = run_case(golden, case, pipeline)?;
    let dir = blessed_dir(golden, case);
    let words = out
        .words
        .map_err(|e| QaError::invalid(golden.join(&case.input), e))?;
    if let Some((i, Err(e), _)) = out.pages.iter().find(|p| p.1.is_err()) {
        return Err(QaError::invalid(
            golden.join(&case.input),
            format!("page {}: {e}", i + 1),
        ));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| QaError::io(&dir, e))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| QaError::io(&dir, e))?;
    let mut bytes = 0;
    for (index, image, _) in &out.pages {
        let path = dir.join(page_png(*index));
        if let Ok(image) = image {
            save_small_png(image, &path)?;
            bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        }
    }
    let tsv = words_to_tsv(&words);
    let path = dir.join("words.tsv");
    std::fs::write(&path, &tsv).map_err(|e| QaError::io(&path, e))?;
    bytes += tsv.len() as u64;
    Ok(Blessed {
        name: case.name.clone(),
        pages: out.pages.len(),
        words: words.values().map(Vec::len).sum(),
        bytes,
    })
}

/// The outcome of checking one case.
#[derive(Debug, Clone)]
pub struct CaseCheck {
    /// The case.
    pub name: String,
    /// Page figures: A is the blessed output, B the current one.
    pub comparison: Comparison,
    /// Problems of the case as a whole (no blessed output, pipeline failure, page count).
    pub notes: Vec<String>,
}

impl CaseCheck {
    /// Whether the case is within its thresholds.
    pub fn passed(&self) -> bool {
        self.notes.is_empty() && self.comparison.flagged().next().is_none()
    }

    /// The flagged pages.
    pub fn failures(&self) -> impl Iterator<Item = &PageComparison> {
        self.comparison.flagged()
    }
}

/// Runs a case and compares its output with the blessed one. Never fails as a whole: what
/// goes wrong becomes a note or a flagged page; only an image sink error stops it.
pub fn check_case(
    golden: &Path,
    case: &Case,
    pipeline: Option<&dyn Pipeline>,
    sink: &mut dyn ImageSink,
) -> QaResult<CaseCheck> {
    let mut check = CaseCheck {
        name: case.name.clone(),
        comparison: Comparison::default(),
        notes: Vec::new(),
    };
    let dir = blessed_dir(golden, case);
    let hint = format!(
        "hint: run `folio qa bless {} --case {}`",
        golden.display(),
        case.name
    );
    let blessed_words = match std::fs::read_to_string(dir.join("words.tsv")) {
        Ok(tsv) => {
            words_from_tsv(&tsv).map_err(|e| format!("{}: {e}", dir.join("words.tsv").display()))
        }
        Err(_) => {
            check
                .notes
                .push(format!("no blessed output in {}\n{hint}", dir.display()));
            return Ok(check);
        }
    };
    let out = match run_case(golden, case, pipeline) {
        Ok(out) => out,
        Err(e) => {
            check.notes.push(format!("case did not run: {e}"));
            return Ok(check);
        }
    };
    let blessed_pages: Vec<usize> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.strip_prefix('p')?
                        .strip_suffix(".png")?
                        .parse::<usize>()
                        .ok()
                })
                .filter(|&n| n > 0)
                .map(|n| n - 1)
                .collect()
        })
        .unwrap_or_default();
    let bless_count = blessed_pages.len();
    if bless_count != out.pages.len() {
        check.notes.push(format!(
            "{} page(s) checked but {} blessed\n{hint}",
            out.pages.len(),
            bless_count
        ));
    }
    check.comparison.page_count_a = bless_count;
    check.comparison.page_count_b = out.page_count;
    for (index, current, ms) in out.pages {
        let path = dir.join(page_png(index));
        let blessed: Result<RgbaImage, String> = image::open(&path)
            .map(|i| DynamicImage::ImageLuma8(i.to_luma8()).to_rgba8())
            .map_err(|e| format!("no blessed image {}: {e}", path.display()));
        let current: Result<RgbaImage, String> =
            current.map(|g| DynamicImage::ImageLuma8(g).to_rgba8());
        let a = Side {
            render_error: blessed.as_ref().err().cloned(),
            render_ms: None,
            read_error: blessed_words.as_ref().err().cloned(),
        };
        let b = Side {
            render_error: current.as_ref().err().cloned(),
            render_ms: Some(ms),
            read_error: out.words.as_ref().err().cloned(),
        };
        let words = |w: &Result<BTreeMap<u32, Vec<PageWord>>, String>| {
            w.as_ref()
                .ok()
                .map(|m| m.get(&(index as u32)).cloned().unwrap_or_default())
        };
        let mut page = measure(
            index,
            a,
            b,
            blessed.as_ref().ok(),
            current.as_ref().ok(),
            words(&blessed_words),
            words(&out.words),
            &case.thresholds,
        );
        page.judge(&case.thresholds);
        let diff = match (&blessed, &current) {
            (Ok(x), Ok(y)) => Some(crate::pixels::diff_image(&to_gray(x), &to_gray(y))),
            _ => None,
        };
        sink.page_images(
            index,
            blessed.as_ref().ok(),
            current.as_ref().ok(),
            diff.as_ref(),
        )?;
        check.comparison.pages.push(page);
    }
    Ok(check)
}

/// The outcome of `folio qa check`.
#[derive(Debug, Clone)]
pub struct CheckRun {
    /// One entry per case, in name order.
    pub cases: Vec<CaseCheck>,
    /// The HTML report.
    pub report: PathBuf,
}

impl CheckRun {
    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(CaseCheck::passed)
    }

    /// The names of the cases that failed, in name order.
    pub fn failed(&self) -> Vec<&str> {
        self.cases
            .iter()
            .filter(|c| !c.passed())
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// Checks every case (or those named) and writes one HTML report into `out`.
pub fn check_all(
    golden: &Path,
    only: Option<&str>,
    out: &Path,
    pipeline: Option<&dyn Pipeline>,
) -> QaResult<CheckRun> {
    let cases = select(load_cases(golden)?, only, golden)?;
    let mut checks = Vec::new();
    for case in &cases {
        let prefix = format!("{}-", case.name);
        let mut sink = PngDir::new(out, prefix)?;
        checks.push(check_case(golden, case, pipeline, &mut sink)?);
    }
    let sections: Vec<ReportSection<'_>> = checks
        .iter()
        .zip(&cases)
        .map(|(c, case)| ReportSection {
            title: format!("{} ({}, {} dpi)", c.name, case.engine, case.dpi),
            label_a: format!("blessed/{}", c.name),
            label_b: format!("current: {}", case.input.display()),
            image_prefix: format!("{}-", c.name),
            comparison: &c.comparison,
            notes: c.notes.clone(),
        })
        .collect();
    let report = write_report(out, "folio qa check", &sections)?;
    Ok(CheckRun {
        cases: checks,
        report,
    })
}

/// Blesses every case (or the one named).
pub fn bless_all(
    golden: &Path,
    only: Option<&str>,
    pipeline: Option<&dyn Pipeline>,
) -> QaResult<Vec<Blessed>> {
    let cases = select(load_cases(golden)?, only, golden)?;
    cases
        .iter()
        .map(|c| bless_case(golden, c, pipeline))
        .collect()
}

fn select(cases: Vec<Case>, only: Option<&str>, golden: &Path) -> QaResult<Vec<Case>> {
    let Some(name) = only else { return Ok(cases) };
    let picked: Vec<Case> = cases.into_iter().filter(|c| c.name == name).collect();
    if picked.is_empty() {
        return Err(QaError::invalid(
            golden.join("cases"),
            format!("no case named '{name}'"),
        ));
    }
    Ok(picked)
}
