//! `folio ocr`: a scan gets a searchable text layer (its words in `pdftotext`, the exit code
//! 0); a born-digital PDF has nothing to read, and the command says so.

mod support;

use support::*;

const EXAMPLE: &str = "examples/federal-register-2020-17221-p1-2.pdf";

#[test]
fn a_scan_gets_a_text_layer_with_its_words() {
    if !folio_test_support::tool("tesseract", "Debian tesseract-ocr and tesseract-ocr-eng")
        || !folio_test_support::tool("pdftotext", "poppler-utils")
    {
        return;
    }
    let Some(scan) = folio_test_support::corpus_file("scan-huckfinn-page-illustration.pdf") else {
        return;
    };
    let dir = workdir("ocr", "scan");
    let (out, report) = (dir.join("out.pdf"), dir.join("report.json"));
    let run = folio()
        .arg("ocr")
        .arg(&scan)
        .arg("-o")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let input_text = folio_test_support::pdftotext(&std::fs::read(&scan).unwrap()).unwrap();
    assert!(
        input_text.trim().is_empty(),
        "the scan has no text of its own"
    );
    let layer = folio_test_support::pdftotext(&std::fs::read(&out).unwrap()).unwrap();
    let flat = layer.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in ["went tip-toeing along a path", "Miss Watson"] {
        assert!(
            flat.contains(words),
            "'{words}' is not in the layer: {flat}"
        );
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["ocr"]["pages"], serde_json::json!([1]), "{report}");
    assert!(report["ocr"]["words"].as_u64().unwrap() > 150, "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_born_digital_pdf_has_nothing_to_read_and_says_so() {
    let dir = workdir("ocr", "born-digital");
    let out = dir.join("out.pdf");
    let input = repo_pdf(EXAMPLE);
    let run = folio()
        .arg("ocr")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    // Not an error: the PDF is written as it was, its own text kept, with a warning.
    assert!(run.status.success(), "{}", text(&run.stderr));
    let said = text(&run.stderr);
    assert!(said.contains("no page was read by OCR"), "{said}");
    // Its text is the input's: the identity engine keeps every word (a superscript may be
    // set apart from the word it touched, "1Preliminary" read back as "1" and "Preliminary").
    let (before, after) = (words(&input), words(&out));
    let mut bag: std::collections::HashMap<&str, i32> = std::collections::HashMap::new();
    for w in &after {
        *bag.entry(w.as_str()).or_default() += 1;
    }
    let kept = before
        .iter()
        .filter(|w| {
            bag.get_mut(w.as_str())
                .filter(|n| **n > 0)
                .map(|n| *n -= 1)
                .is_some()
        })
        .count();
    assert!(
        kept * 100 >= before.len() * 98,
        "{kept} of {} words kept",
        before.len()
    );
    // `--ocr never` leaves `folio ocr` nothing to do: an error, nothing written.
    let never = dir.join("never.pdf");
    let run = folio()
        .arg("ocr")
        .arg(&input)
        .arg("-o")
        .arg(&never)
        .args(["--ocr", "never"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("nothing to do"),
        "{}",
        text(&run.stderr)
    );
    assert!(!never.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
