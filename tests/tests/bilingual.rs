//! Bilingual outputs (issue 4, "Bilingual outputs have the right page count and both texts"):
//! `--bilingual alternate` puts each translated page after its original, `--bilingual side`
//! puts them side by side on a page twice as wide. Only the pages translated are paired.
//!
//! Each file is translated three times with `pseudo` (alone, alternate, side); the text of the
//! bilingual outputs is compared with the original's and with the plain translation's.

use std::sync::Arc;

use folio_doc::{Document, Page, Target};
use folio_pdf::{Bilingual, PageSelection, ReadOptions};
use folio_tests::{corpus_dir, corpus_file, options, qpdf_check};

/// A two-page excerpt of a longer paper (its other pages appear once), and a landscape table.
const FILES: &[(&str, Option<&str>)] = &[
    ("paper-2col-acm-sigconf-formulas-tables.pdf", Some("1-2")),
    ("table-fbi-nics-firearm-checks-landscape.pdf", None),
];

/// One file, its plain translation and its two bilingual outputs.
struct Case {
    name: String,
    input: Document,
    plain: Document,
    alternate: (Vec<u8>, Document),
    side: (Vec<u8>, Document),
    /// Indices of the pages translated.
    paired: Vec<u32>,
}

fn translate(
    input: &Arc<Vec<u8>>,
    pages: &Option<PageSelection>,
    bilingual: Option<Bilingual>,
) -> Vec<u8> {
    let pair = folio_translate::LangPair::new("en", "pt-BR").expect("a valid pair");
    let engine = folio_translate::builtin("pseudo", pair).expect("pseudo is built in");
    let options = options(engine.as_ref(), pages.clone(), bilingual);
    let (out, _) = folio::translate(input.clone(), &options, &mut |_| {})
        .unwrap_or_else(|e| panic!("{bilingual:?}: {e}"));
    out
}

#[track_caller]
fn read(bytes: &[u8]) -> Document {
    folio_pdf::read(Arc::new(bytes.to_vec()), &ReadOptions::default()).expect("the output reads")
}

fn case(file: &str, pages: Option<&str>) -> Case {
    let path = corpus_file(file).unwrap_or_else(|| panic!("{file}: not in the corpus"));
    let bytes = Arc::new(std::fs::read(path).expect("the corpus file is readable"));
    let selection: Option<PageSelection> = pages.map(|p| p.parse().expect("a valid page range"));
    let input = read(&bytes);
    let paired = (0..input.pages.len() as u32)
        .filter(|&i| selection.as_ref().is_none_or(|s| s.contains(i)))
        .collect();
    let plain = read(&translate(&bytes, &selection, None));
    let alternate = translate(&bytes, &selection, Some(Bilingual::Alternate));
    let side = translate(&bytes, &selection, Some(Bilingual::Side));
    if let Some(dir) = std::env::var_os("FOLIO_TEST_OUT") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(
            std::path::Path::new(&dir).join(format!("alternate-{file}")),
            &alternate,
        );
        let _ = std::fs::write(
            std::path::Path::new(&dir).join(format!("side-{file}")),
            &side,
        );
    }
    let (a, s) = (read(&alternate), read(&side));
    Case {
        name: file.to_string(),
        input,
        plain,
        alternate: (alternate, a),
        side: (side, s),
        paired,
    }
}

/// Every file of [`FILES`] translated, or `None` (reported) without the corpus: the paper is
/// not in the repository.
#[track_caller]
fn cases() -> Option<&'static [Case]> {
    corpus_dir()?;
    static CASES: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    Some(CASES.get_or_init(|| FILES.iter().map(|(f, p)| case(f, *p)).collect()))
}

fn texts<'a>(words: impl IntoIterator<Item = &'a folio_doc::Word>) -> Vec<String> {
    words.into_iter().map(|w| w.text.clone()).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Which page of the plain translation, and whether original, each alternate page shows.
fn alternate_order(case: &Case) -> Vec<(usize, bool)> {
    let mut order = Vec::new();
    for i in 0..case.input.pages.len() {
        if case.paired.contains(&(i as u32)) {
            order.push((i, true));
        }
        order.push((i, false));
    }
    order
}

#[test]
fn outputs_pass_qpdf_check() {
    let Some(all) = cases() else {
        return;
    };
    for case in all {
        for (layout, (bytes, _)) in [("alternate", &case.alternate), ("side", &case.side)] {
            let name = format!("{layout}-{}", case.name);
            if let Err(e) = qpdf_check(bytes, &name) {
                panic!("{name}: qpdf --check fails:\n{e}");
            }
        }
    }
}

#[test]
fn alternate_has_each_original_then_its_translation() {
    let Some(all) = cases() else {
        return;
    };
    for case in all {
        let out = &case.alternate.1;
        let order = alternate_order(case);
        println!(
            "{}: {} pages in, {} out ({} paired), {} outline item(s)",
            case.name,
            case.input.pages.len(),
            out.pages.len(),
            case.paired.len(),
            out.outline.len()
        );
        assert_eq!(
            out.pages.len(),
            case.input.pages.len() + case.paired.len(),
            "{}: page count",
            case.name
        );
        for (k, (&(i, original), page)) in order.iter().zip(&out.pages).enumerate() {
            let expected = if original {
                &case.input.pages[i]
            } else {
                &case.plain.pages[i]
            };
            assert_eq!(
                texts(&page.words),
                texts(&expected.words),
                "{}: output page {}",
                case.name,
                k + 1
            );
            assert!(
                (page.width - expected.width).abs() < 0.5,
                "{}: output page {} width",
                case.name,
                k + 1
            );
        }
        for &i in &case.paired {
            let (from, to) = (&case.input.pages[i as usize], &case.plain.pages[i as usize]);
            assert_ne!(
                texts(&from.words),
                texts(&to.words),
                "{}: page {} was not translated",
                case.name,
                i + 1
            );
        }
        // The outline still leads to the translated pages.
        let moved = |t: &Option<Target>| match t {
            Some(Target::Page { page, .. }) => order
                .iter()
                .position(|&(i, o)| i == *page as usize && !o)
                .map(|p| p as u32),
            _ => None,
        };
        let expected: Vec<_> = case
            .plain
            .outline
            .iter()
            .map(|o| (o.title.clone(), moved(&o.target)))
            .collect();
        let got: Vec<_> = out
            .outline
            .iter()
            .map(|o| (o.title.clone(), target_page(&o.target)))
            .collect();
        assert_eq!(got, expected, "{}: outline", case.name);
    }
}

fn target_page(t: &Option<Target>) -> Option<u32> {
    match t {
        Some(Target::Page { page, .. }) => Some(*page),
        _ => None,
    }
}

#[test]
fn side_has_the_original_left_and_the_translation_right() {
    let Some(all) = cases() else {
        return;
    };
    for case in all {
        let out = &case.side.1;
        assert_eq!(
            out.pages.len(),
            case.input.pages.len(),
            "{}: page count",
            case.name
        );
        for (i, page) in out.pages.iter().enumerate() {
            let (from, to) = (&case.input.pages[i], &case.plain.pages[i]);
            if !case.paired.contains(&(i as u32)) {
                assert!(
                    (page.width - to.width).abs() < 0.5,
                    "{}: page {} is not paired",
                    case.name,
                    i + 1
                );
                assert_eq!(
                    texts(&page.words),
                    texts(&to.words),
                    "{}: page {}",
                    case.name,
                    i + 1
                );
                continue;
            }
            assert!(
                (page.width - 2.0 * from.width).abs() < 0.5,
                "{}: page {} width {}",
                case.name,
                i + 1,
                page.width
            );
            assert!(
                (page.height - from.height).abs() < 0.5,
                "{}: page {} height",
                case.name,
                i + 1
            );
            let mid = page.width / 2.0;
            let (left, right): (Vec<_>, Vec<_>) =
                page.words.iter().partition(|w| w.bbox.x1 <= mid + 0.5);
            println!(
                "{} page {}: {} words left, {} right of x = {mid}, {} link(s)",
                case.name,
                i + 1,
                left.len(),
                right.len(),
                page.links.len()
            );
            assert!(
                right.iter().all(|w| w.bbox.x0 >= mid - 0.5),
                "{}: page {}: a word straddles the middle",
                case.name,
                i + 1
            );
            assert_eq!(
                sorted(texts(left)),
                sorted(texts(&from.words)),
                "{}: page {}: left half",
                case.name,
                i + 1
            );
            assert_eq!(
                sorted(texts(right.iter().copied())),
                sorted(texts(&to.words)),
                "{}: page {}: right half",
                case.name,
                i + 1
            );
            side_links(case, page, to, mid);
        }
        // The outline leads to the same pages, at the same height.
        let targets = |d: &Document| {
            d.outline
                .iter()
                .map(|o| (o.title.clone(), o.target.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(targets(out), targets(&case.plain), "{}: outline", case.name);
    }
}

/// The translation's links sit on the right half, where its words went.
#[track_caller]
fn side_links(case: &Case, page: &Page, plain: &Page, mid: f32) {
    assert_eq!(
        page.links.len(),
        plain.links.len(),
        "{}: page {}: links",
        case.name,
        page.index + 1
    );
    for (got, was) in page.links.iter().zip(&plain.links) {
        assert!(
            (got.rect.x0 - (was.rect.x0 + mid)).abs() < 0.5,
            "{}: page {}: link {:?} not moved from {:?}",
            case.name,
            page.index + 1,
            got.rect,
            was.rect
        );
        assert!(
            (got.rect.y0 - was.rect.y0).abs() < 0.5,
            "{}: page {}: link {:?} moved up or down",
            case.name,
            page.index + 1,
            got.rect
        );
        assert_eq!(
            got.target,
            was.target,
            "{}: page {}: link target",
            case.name,
            page.index + 1
        );
    }
}
