//! Scanned pages read by OCR (issue 15), on the corpus scans: `folio ocr`'s invisible text
//! layer reads back as tesseract read the page, and a translation is set over the page image
//! without touching the image stream nor the pixels outside the words it replaces.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use folio_doc::Rect;
use folio_test_support::{corpus_file, tool};
use folio_tests::{BoxWord, fonts, image_streams, pdftotext_words};

const SCANS: [&str; 3] = [
    "scan-epson-wikipedia-printout.pdf",
    "scan-huckfinn-page-illustration.pdf",
    "scan-linn-brochure-2col.pdf",
];

/// The scans, when they and tesseract are there (reported missing otherwise).
fn scans() -> Vec<(String, PathBuf)> {
    if !tool("tesseract", "Debian tesseract-ocr and tesseract-ocr-eng") {
        return Vec::new();
    }
    SCANS
        .iter()
        .filter_map(|name| Some((name.to_string(), corpus_file(name)?)))
        .collect()
}

/// Runs the pipeline with OCR on: `engine` from English into `to`, or a text layer.
fn run(path: &Path, engine: &str, to: &str, text_layer: bool) -> (Vec<u8>, folio::Report) {
    let bytes = Arc::new(std::fs::read(path).unwrap());
    let pair = folio_translate::LangPair::new("en", to).unwrap();
    let config = folio_translate::Config {
        engine: Some(engine.into()),
        ..folio_translate::Config::default()
    };
    let models = folio_translate::models_dir(None, std::env::var_os(folio_translate::MODELS_ENV));
    let engine = folio_translate::build_engine(&config, pair, &models).unwrap();
    let options = folio::Options {
        ocr: folio::OcrSettings {
            mode: folio::OcrMode::Auto,
            language: String::new(),
            ..folio::OcrSettings::default()
        },
        text_layer,
        ..folio::Options::new(engine.as_ref(), fonts())
    };
    folio::translate(bytes, &options, &mut |_| {})
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-ocr-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Tesseract's own words for the first page, rendered as the pipeline renders it.
fn tesseract_words(name: &str, pdf: &[u8]) -> Vec<String> {
    let image = folio_qa::render_page(pdf, 0, 300.0).unwrap();
    let png = temp(&format!("{name}.png"), &[]);
    image::DynamicImage::ImageRgba8(image)
        .to_luma8()
        .save(&png)
        .unwrap();
    let out = Command::new("tesseract")
        .arg(&png)
        .args(["-", "-l", "eng", "--dpi", "300"])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "tesseract failed on {name}");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(folio_tests::normalize)
        .collect()
}

/// F1 of two bags of words.
fn f1(got: &[String], want: &[String]) -> f64 {
    let mut bag: HashMap<&str, i32> = HashMap::new();
    for w in want {
        *bag.entry(w).or_default() += 1;
    }
    let mut hits = 0;
    for w in got {
        if let Some(n) = bag.get_mut(w.as_str())
            && *n > 0
        {
            *n -= 1;
            hits += 1;
        }
    }
    if got.is_empty() || want.is_empty() {
        return 0.0;
    }
    let (p, r) = (
        hits as f64 / got.len() as f64,
        hits as f64 / want.len() as f64,
    );
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn output_words(name: &str, pdf: &[u8]) -> Vec<BoxWord> {
    let path = temp(name, pdf);
    pdftotext_words(&path)
        .unwrap()
        .into_iter()
        .next()
        .unwrap_or_default()
}

#[test]
fn the_text_layer_reads_back_as_tesseract_read_the_page_and_shows_nothing() {
    if !tool("pdftotext", "poppler-utils") {
        return;
    }
    let mut failures = Vec::new();
    for (name, path) in scans() {
        let input = std::fs::read(&path).unwrap();
        let (out, report) = run(&path, "identity", "en", true);
        let ocr = report.ocr.as_ref().expect("the scan was read by OCR");
        assert_eq!(ocr.pages, vec![1], "{name}");
        let got: Vec<String> = output_words(&format!("layer-{name}"), &out)
            .into_iter()
            .map(|w| w.text)
            .collect();
        let want = tesseract_words(&name, &input);
        let score = f1(&got, &want);
        println!(
            "{name}: {} words in the layer, tesseract {}, F1 {score:.3}; {} low-confidence word(s) left as pixels; OCR {} ms (tesseract {} ms)",
            got.len(),
            want.len(),
            ocr.low_confidence.len(),
            ocr.ms,
            ocr.tesseract_ms
        );
        if score < 0.95 {
            failures.push(format!("{name}: F1 {score:.3} < 0.95"));
        }
        // Invisible: the page looks exactly as it did.
        let a = folio_qa::render_page(&input, 0, 50.0).unwrap();
        let b = folio_qa::render_page(&out, 0, 50.0).unwrap();
        if a != b {
            failures.push(format!("{name}: the text layer changed the page's pixels"));
        }
        if image_streams(&input).unwrap().values().collect::<Vec<_>>()
            != image_streams(&out).unwrap().values().collect::<Vec<_>>()
        {
            failures.push(format!("{name}: an image stream changed"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_translation_is_set_over_the_scan_and_the_rest_of_the_image_is_untouched() {
    if !tool("pdftotext", "poppler-utils") {
        return;
    }
    let mut failures = Vec::new();
    for (name, path) in scans() {
        let input = std::fs::read(&path).unwrap();
        let (out, report) = run(&path, "pseudo", "pt-BR", false);
        let words = output_words(&format!("pseudo-{name}"), &out);
        // Translated: pseudo-localized letters (accented look-alikes) are most of the words.
        let accented = words
            .iter()
            .filter(|w| w.text.chars().any(|c| !c.is_ascii() && c.is_alphabetic()))
            .count();
        println!(
            "{name}: {} output words, {accented} pseudo-localized; {} segments translated",
            words.len(),
            report.segments.translated
        );
        if accented * 2 < words.len() || words.len() < 20 {
            failures.push(format!(
                "{name}: {accented} of {} output words translated",
                words.len()
            ));
        }
        if image_streams(&input).unwrap().values().collect::<Vec<_>>()
            != image_streams(&out).unwrap().values().collect::<Vec<_>>()
        {
            failures.push(format!("{name}: an image stream changed"));
        }
        // Nothing collides: no two new words' boxes overlap by more than a hair.
        let core = |r: &Rect| {
            let h = r.height();
            Rect::new(r.x0 + 0.5, r.y0 + 0.2 * h, r.x1 - 0.5, r.y1 - 0.2 * h)
        };
        for (i, a) in words.iter().enumerate() {
            for b in &words[i + 1..] {
                if let Some(x) = core(&a.bbox).intersection(&core(&b.bbox))
                    && x.width() > 0.5
                    && x.height() > 0.5
                {
                    failures.push(format!("{name}: '{}' collides with '{}'", a.text, b.text));
                }
            }
        }
        // Pixels change only where OCR read words (covered) or new words are set.
        let ocr_words = ocr_boxes(&path);
        let allowed: Vec<Rect> = ocr_words
            .iter()
            .chain(words.iter().map(|w| &w.bbox))
            .map(|r| Rect::new(r.x0 - 2.0, r.y0 - 2.0, r.x1 + 2.0, r.y1 + 2.0))
            .collect();
        let dpi = 72.0;
        let a = folio_qa::render_page(&input, 0, dpi).unwrap();
        let b = folio_qa::render_page(&out, 0, dpi).unwrap();
        let scale = dpi / 72.0;
        let (mut outside, mut total) = (0usize, 0usize);
        for (x, y, pa) in a.enumerate_pixels() {
            total += 1;
            let pb = b.get_pixel(x, y);
            let differs = (0..3).any(|c| pa.0[c].abs_diff(pb.0[c]) > 48);
            let (px, py) = ((x as f32 + 0.5) / scale, (y as f32 + 0.5) / scale);
            let inside = allowed
                .iter()
                .any(|r| px >= r.x0 && px <= r.x1 && py >= r.y0 && py <= r.y1);
            if differs && !inside {
                outside += 1;
            }
        }
        println!("{name}: {outside} of {total} pixels changed outside text areas");
        if outside > total / 2000 {
            failures.push(format!(
                "{name}: {outside} pixels changed outside the words read and set"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Where OCR read words on the first page (all of them, low confidence too), in points.
fn ocr_boxes(path: &Path) -> Vec<Rect> {
    let bytes = Arc::new(std::fs::read(path).unwrap());
    let doc = folio_pdf::read(bytes.clone(), &folio_pdf::ReadOptions::default()).unwrap();
    let mut ocr = folio_ocr::Ocr::new(bytes, folio_ocr::OcrSettings::default());
    let page = ocr.read_page(&doc.pages[0]).unwrap();
    page.ink
        .iter()
        .map(|w| w.ink)
        .chain(page.low_confidence.iter().map(|w| w.bbox))
        .collect()
}

/// A corpus scan's page rendered at 300 dpi in grey, then turned `quarter_turns` clockwise
/// and by `degrees` clockwise about its centre (its lines fall to the right), as a new scan:
/// its bytes, and the original's bytes.
fn turned_scan(name: &str, quarter_turns: u8, degrees: f32) -> Option<(Vec<u8>, Vec<u8>)> {
    let input = std::fs::read(corpus_file(name)?).unwrap();
    let gray = image::DynamicImage::ImageRgba8(folio_qa::render_page(&input, 0, 300.0).unwrap())
        .to_luma8();
    let gray = match quarter_turns % 4 {
        0 => gray,
        1 => image::imageops::rotate90(&gray),
        2 => image::imageops::rotate180(&gray),
        _ => image::imageops::rotate270(&gray),
    };
    let (w, h) = gray.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    // Each pixel blended from where the turn brought it from, paper beyond the edges.
    let at = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            255.0
        } else {
            gray.get_pixel(x as u32, y as u32).0[0] as f32
        }
    };
    let turned = image::GrayImage::from_fn(w, h, |u, v| {
        let (du, dv) = (u as f32 + 0.5 - cx, v as f32 + 0.5 - cy);
        let x = cx + du * cos + dv * sin - 0.5;
        let y = cy - du * sin + dv * cos - 0.5;
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let top = at(x0, y0) + (at(x0 + 1, y0) - at(x0, y0)) * fx;
        let bottom = at(x0, y0 + 1) + (at(x0 + 1, y0 + 1) - at(x0, y0 + 1)) * fx;
        image::Luma([(top + (bottom - top) * fy).round() as u8])
    });
    let (pw, ph) = (w as f32 * 72.0 / 300.0, h as f32 * 72.0 / 300.0);
    Some((folio_tests::scan_pdf(&turned, pw, ph), input))
}

/// The direction of the text lines `pdftotext -bbox-layout` finds on the first page, in
/// degrees clockwise (y down): the median over lines of three words or more of the direction
/// from their first word's centre to their last's.
fn line_direction(path: &Path) -> Option<f32> {
    let out = Command::new("pdftotext")
        .args(["-bbox-layout", "-q", "-l", "1"])
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&out.stdout);
    let attr = |line: &str, name: &str| -> f32 {
        line.split_whitespace()
            .find_map(|a| {
                a.strip_prefix(name)?
                    .strip_prefix("=\"")?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    };
    let mut lines: Vec<Vec<(f32, f32)>> = Vec::new();
    for row in html.lines().map(str::trim) {
        if row.starts_with("<line") {
            lines.push(Vec::new());
        } else if row.starts_with("<word")
            && let Some(line) = lines.last_mut()
        {
            let (x0, y0) = (attr(row, "xMin"), attr(row, "yMin"));
            let (x1, y1) = (attr(row, "xMax"), attr(row, "yMax"));
            line.push(((x0 + x1) / 2.0, (y0 + y1) / 2.0));
        }
    }
    let mut angles: Vec<f32> = lines
        .iter()
        .filter(|l| l.len() >= 3)
        .map(|l| {
            let (a, b) = (l[0], l[l.len() - 1]);
            (b.1 - a.1).atan2(b.0 - a.0).to_degrees()
        })
        .collect();
    angles.sort_by(f32::total_cmp);
    angles.get(angles.len() / 2).copied()
}

/// Skewed and turned scans (issue 15): the page is read level and upright, its text layer
/// reads back as tesseract read the straight original, and the text is drawn along the scan's
/// lines; a translation set over it follows them too.
#[test]
fn skewed_and_turned_scans_are_read_and_set_along_their_lines() {
    if !tool("pdftotext", "poppler-utils") || scans().is_empty() {
        return;
    }
    let name = SCANS[1];
    let mut failures = Vec::new();
    for (turns, degrees, want_angle) in [(0u8, 3.0f32, 3.0f32), (1, 0.0, 90.0)] {
        let Some((scan, original)) = turned_scan(name, turns, degrees) else {
            return;
        };
        let what = format!("{name} turned {turns} quarter(s) and {degrees}°");
        let input = temp(&format!("turned-{turns}-{degrees}.pdf"), &scan);
        let (out, report) = run(&input, "identity", "en", true);
        let ocr = report.ocr.as_ref().expect("the scan was read by OCR");
        let got: Vec<String> = output_words(&format!("turned-layer-{turns}-{degrees}.pdf"), &out)
            .into_iter()
            .map(|w| folio_tests::normalize(&w.text))
            .collect();
        // Tesseract's own words for this scan, and for the straight original.
        let want = tesseract_words(&format!("turned-{turns}-{degrees}"), &scan);
        let score = f1(&got, &want);
        let straight = f1(&got, &tesseract_words(name, &original));
        let layer = temp(&format!("turned-layer-{turns}-{degrees}.pdf"), &out);
        let angle = line_direction(&layer);
        println!(
            "{what}: text layer {} words, tesseract {}, F1 {score:.3} (against the straight original's {straight:.3}); line direction {angle:?}; tesseract {} ms",
            got.len(),
            want.len(),
            ocr.tesseract_ms
        );
        // Upright text reads back whole. On a slant, pdftotext breaks words where a wide
        // letter (w, W) of the face the layer is drawn in overlaps its neighbour's slot by
        // its 0.2 em limit once the slant widens the letters' boxes ("dow n", "W e"): 0.82 was
        // measured at 3°, against 0.96 for the same page upright, with the same words drawn.
        let floor = if degrees == 0.0 { 0.95 } else { 0.8 };
        if score < floor {
            failures.push(format!("{what}: F1 {score:.3} < {floor}"));
        }
        match angle {
            Some(a) if (a - want_angle).abs() <= 1.0 => {}
            other => failures.push(format!(
                "{what}: the text layer runs at {other:?}°, not {want_angle}°"
            )),
        }
        // A translation set over the scan runs along its lines too.
        let (out, _) = run(&input, "pseudo", "pt-BR", false);
        let set = temp(&format!("turned-pseudo-{turns}-{degrees}.pdf"), &out);
        let angle = line_direction(&set);
        println!("{what}: translation's line direction {angle:?}");
        match angle {
            Some(a) if (a - want_angle).abs() <= 1.0 => {}
            other => failures.push(format!(
                "{what}: the translation runs at {other:?}°, not {want_angle}°"
            )),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Portuguese and English function words, to tell which language a text reads as.
const PT: [&str; 24] = [
    "de", "a", "o", "que", "e", "do", "da", "em", "um", "uma", "para", "com", "não", "os", "no",
    "na", "se", "por", "as", "dos", "ao", "ele", "eu", "mais",
];
const EN: [&str; 12] = [
    "the", "and", "of", "to", "in", "is", "was", "that", "it", "he", "with", "for",
];

#[test]
fn under_bergamot_a_scan_reads_as_portuguese_and_its_picture_is_untouched() {
    if !tool("pdftotext", "poppler-utils") {
        return;
    }
    let Some((name, path)) = scans().into_iter().find(|(n, _)| n.contains("huckfinn")) else {
        return;
    };
    if folio_tests::bergamot_en_pt().is_none() {
        return;
    }
    let input = std::fs::read(&path).unwrap();
    let (out, report) = run(&path, "bergamot", "pt-BR", false);
    let words: Vec<String> = output_words(&format!("bergamot-{name}"), &out)
        .into_iter()
        .map(|w| {
            w.text
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let share = |list: &[&str]| {
        words.iter().filter(|w| list.contains(&w.as_str())).count() as f64 / words.len() as f64
    };
    let (pt, en) = (share(&PT), share(&EN));
    println!(
        "{name}: {} words, Portuguese function words {pt:.2}, English {en:.2}; {} segments translated",
        words.len(),
        report.segments.translated
    );
    assert!(words.len() > 100, "{name}: {} words", words.len());
    assert!(pt >= 0.15 && en <= 0.03, "{name}: pt {pt:.2}, en {en:.2}");
    assert_eq!(
        image_streams(&input).unwrap().values().collect::<Vec<_>>(),
        image_streams(&out).unwrap().values().collect::<Vec<_>>(),
        "{name}: an image stream changed"
    );
}

#[test]
fn a_missing_tesseract_is_an_error_naming_the_package() {
    let Some(path) = corpus_file(SCANS[1]) else {
        return;
    };
    let bytes = Arc::new(std::fs::read(&path).unwrap());
    let pair = folio_translate::LangPair::new("en", "pt-BR").unwrap();
    let config = folio_translate::Config {
        engine: Some("pseudo".into()),
        ..folio_translate::Config::default()
    };
    let engine = folio_translate::build_engine(&config, pair, Path::new(".")).unwrap();
    let options = folio::Options {
        ocr: folio::OcrSettings {
            mode: folio::OcrMode::Auto,
            language: String::new(),
            command: "folio-no-such-tesseract".into(),
            ..folio::OcrSettings::default()
        },
        ..folio::Options::new(engine.as_ref(), fonts())
    };
    let err = folio::translate(bytes.clone(), &options, &mut |_| {}).unwrap_err();
    assert!(matches!(err, folio::Error::Ocr(_)), "{err:?}");
    assert!(err.to_string().contains("folio-no-such-tesseract"), "{err}");
    assert!(
        err.hint().unwrap().contains("tesseract-ocr"),
        "{:?}",
        err.hint()
    );
    // With OCR off, a scan is still the error it was, and its hint says how to read it.
    let options = folio::Options::new(engine.as_ref(), fonts());
    let err = folio::translate(bytes, &options, &mut |_| {}).unwrap_err();
    assert!(matches!(err, folio::Error::Scanned { pages: 1 }), "{err:?}");
    assert!(err.hint().unwrap().contains("--ocr"), "{:?}", err.hint());
}
