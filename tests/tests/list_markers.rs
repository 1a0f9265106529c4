//! List markers (bullets, dashes, "1.", "2)", "(a)", "iv.", "a)") never go to the engine and
//! are never lost: they come back in front of their item's translation, drawn where they were.
//! A number starting a line that ends a phone number wrapped from the line before is no item.

use std::sync::Arc;

use folio_doc::Document;

/// A one-page PDF in Helvetica (`F1`) and Times (`F2`), both WinAnsi (• is 0x95, – 0x96,
/// — 0x97), one text run per `(font, x, y, bytes)` (y from the page's top).
fn pdf(lines: &[(&str, f32, f32, Vec<u8>)]) -> Vec<u8> {
    let mut content = Vec::new();
    for (font, x, y, text) in lines {
        content.extend_from_slice(format!("BT /{font} 10 Tf {x} {} Td (", 792.0 - y).as_bytes());
        for &b in text {
            if matches!(b, b'(' | b')' | b'\\') {
                content.push(b'\\');
            }
            content.push(b);
        }
        content.extend_from_slice(b") Tj ET\n");
    }
    folio_tests::one_page_pdf(&[("F1", "Helvetica"), ("F2", "Times-Roman")], content)
}

/// Helvetica's advance of a marker's characters, in points at 10 pt.
fn width(marker: &str) -> f32 {
    let units: u32 = marker
        .chars()
        .map(|c| match c {
            '•' => 350,
            '–' | '1' | '2' | 'a' => 556,
            '—' => 1000,
            '-' | '(' | ')' => 333,
            '*' => 389,
            '.' => 278,
            'i' => 222,
            _ => 500,
        })
        .sum();
    units as f32 / 100.0
}

/// Lists of several marker kinds, each marker at x 72 and its item's text a little after it
/// on the same line; some items wrap to a second line under their text. The first two bullets
/// are in Times, the rest of the page in Helvetica. Returns the PDF and each marker with its
/// line's y.
fn lists() -> (Vec<u8>, Vec<(&'static str, f32)>) {
    type Item = (&'static str, &'static [u8], &'static [&'static str]);
    let items: [Item; 10] = [
        (
            "•",
            b"\x95",
            &[
                "Send your comments by mail to the office",
                "of the secretary before the end of the month.",
            ],
        ),
        ("•", b"\x95", &["Deliver them by hand to the front desk."]),
        ("–", b"\x96", &["Keep a copy of everything you send."]),
        ("—", b"\x97", &["Write your name on every page."]),
        (
            "-",
            b"-",
            &[
                "Number the pages of the letter in order",
                "so that none of them is lost on the way.",
            ],
        ),
        ("*", b"*", &["Sign the last page of the letter."]),
        (
            "1.",
            b"1.",
            &[
                "Read the notice from the first line",
                "to the very last line with care.",
            ],
        ),
        ("2)", b"2)", &["Write down the questions you have."]),
        (
            "(a)",
            b"(a)",
            &["Ask the office when something is unclear."],
        ),
        (
            "iv.",
            b"iv.",
            &[
                "Wait for the answer of the office",
                "before you send another letter.",
            ],
        ),
    ];
    let mut lines = vec![("F1", 72.0, 80.0, b"What to do with your comments".to_vec())];
    let mut markers = Vec::new();
    let mut y = 110.0;
    for (i, (marker, bytes, text)) in items.iter().enumerate() {
        if i == 6 {
            // A paragraph between the bulleted and the numbered list.
            let para = b"Then follow these steps in the order given here.".to_vec();
            lines.push(("F1", 72.0, y + 6.0, para));
            y += 30.0;
        }
        let font = if i < 2 { "F2" } else { "F1" };
        lines.push((font, 72.0, y, bytes.to_vec()));
        markers.push((*marker, y));
        let x = 72.0 + width(marker) + 3.0;
        for t in text.iter() {
            lines.push(("F1", x, y, t.as_bytes().to_vec()));
            y += 12.0;
        }
        y += 6.0;
    }
    (pdf(&lines), markers)
}

fn pseudo() -> Box<dyn folio_translate::Engine> {
    let pair = folio_translate::LangPair::new("en", "pt-BR").unwrap();
    let config = folio_translate::Config {
        engine: Some("pseudo".into()),
        ..folio_translate::Config::default()
    };
    folio_translate::build_engine(&config, pair, &folio_translate::models_dir(None, None))
        .expect("the pseudo engine")
}

fn read(pdf: Vec<u8>) -> Document {
    folio_pdf::read(pdf, &folio_pdf::ReadOptions::default()).expect("the PDF reads")
}

#[test]
fn markers_stay_off_the_engine_and_come_back_where_they_were() {
    let (input, markers) = lists();
    let input = Arc::new(input);
    let engine = pseudo();
    let options = folio_tests::options(engine.as_ref(), None, None);

    let sent = folio::segments_sent(input.clone(), &options).unwrap();
    let texts: Vec<String> = sent
        .iter()
        .map(|s| folio_doc::placeholders::strip(&s.text))
        .collect();
    println!("sent: {texts:#?}");
    assert!(texts.iter().any(|t| t.starts_with("Send your comments")));
    for t in &texts {
        let first = t.split_whitespace().next().unwrap_or("");
        assert!(
            !folio_layout::is_list_marker(first) && !t.contains('•'),
            "a marker went to the engine: {t:?}"
        );
    }

    let (out, report) = folio::translate(input, &options, &mut |_| {}).unwrap();
    assert!(
        report.segments.failed.is_empty(),
        "{:?}",
        report.segments.failed
    );
    let doc = read(out);
    let page = &doc.pages[0];
    // The first two bullets were in Times and stay in it.
    let times_bullets = page
        .glyphs
        .iter()
        .filter(|g| g.text == "•" && doc.font(g.font).name.contains("Times"))
        .count();
    assert_eq!(times_bullets, 2, "the bullets lost their font");
    let words: Vec<(String, f32, f32)> = page
        .words
        .iter()
        .map(|w| (w.text.clone(), w.bbox.x0, w.bbox.y1))
        .collect();
    for (marker, y) in markers {
        let found = words.iter().any(|(text, x0, bottom)| {
            text == marker && (x0 - 72.0).abs() < 1.5 && (bottom - y).abs() < 6.0
        });
        assert!(
            found,
            "{marker} at y {y} is not at x 72 in the output: {words:?}"
        );
    }
    // The items were translated.
    assert!(
        words
            .iter()
            .any(|(t, _, _)| t.contains('ŝ') || t.contains('é'))
    );
}

#[test]
fn a_phone_number_wrapped_to_the_next_line_starts_no_item() {
    let lines = [
        (
            "F1",
            72.0,
            100.0,
            b"For information on the availability of this material".to_vec(),
        ),
        (
            "F1",
            72.0,
            112.0,
            b"at the office, call the front desk at 206\x96231\x96".to_vec(),
        ),
        (
            "F1",
            72.0,
            124.0,
            b"3195. It is also available on the internet at the".to_vec(),
        ),
        (
            "F1",
            72.0,
            136.0,
            b"web site of the office, under the docket number.".to_vec(),
        ),
    ];
    let doc = read(pdf(&lines));
    let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
    let sources: Vec<&str> = blocks.iter().map(|b| b.source.as_str()).collect();
    assert_eq!(blocks.len(), 1, "{sources:#?}");
    // The wrapped number stays in the sentence: as it was, or as one kept item (a protected
    // phone number) followed by the rest of the sentence.
    let kept: Vec<&str> = blocks[0]
        .spans
        .iter()
        .filter_map(|s| match &s.kind {
            folio_doc::SpanKind::Kept { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let whole = sources[0].contains("206–231– 3195. It is also");
    let protected = kept
        .iter()
        .any(|k| k.contains("206–231–") && k.contains("3195"))
        && sources[0].contains("desk at [1]. It is also");
    assert!(whole || protected, "{sources:#?} {kept:?}");
    assert_ne!(blocks[0].role, folio_doc::Role::ListItem);
}

#[test]
fn bergamot_keeps_the_bullets_and_the_fax_number_of_the_readme_example() {
    let Some(engine) = folio_tests::bergamot_en_pt() else {
        return;
    };
    let path =
        folio_test_support::repo_root().join("examples/federal-register-2020-17221-p1-2.pdf");
    let bytes = Arc::new(std::fs::read(path).unwrap());
    let options = folio_tests::options(&engine, Some("1".parse().unwrap()), None);
    let (out, _) = folio::translate(bytes, &options, &mut |_| {}).unwrap();
    let page = &read(out).pages[0];
    let bullets = page.glyphs.iter().filter(|g| g.text == "•").count();
    let text: String = page.words.iter().map(|w| format!("{} ", w.text)).collect();
    assert_eq!(bullets, 4, "{text}");
    assert!(
        text.contains("202–493–2251"),
        "the fax number is kept: {text}"
    );
    assert!(
        !text.contains("3195. It"),
        "3195. no longer follows 231–: {text}"
    );
}
