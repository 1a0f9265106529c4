//! Phone numbers, ranges, codes, amounts and dates reach the engine as kept items `[n]` and
//! come back verbatim: an engine can never mangle them (Bergamot once wrote `202–493–2251`
//! as `202 a 493 a 2251`).

use std::process::Command;

use folio_doc::{Action, SpanKind};
use folio_tests::translate_file;

/// The tokens of the paragraph, as the reader gives them back.
const TOKENS: [&str; 5] = [
    "202–493–2251",
    "12–15",
    "DHAS20190061",
    "$1,234.56",
    "2020-08-12",
];

/// One page with a paragraph of three lines in Helvetica (WinAnsi, where 0x96 is the en dash).
fn paragraph_with_tokens() -> Vec<u8> {
    let lines: [&[u8]; 3] = [
        b"Call the office at 202\x96493\x962251 before noon to ask about",
        b"pages 12\x9615 of the report DHAS20190061, which costs",
        b"$1,234.56 and was filed on 2020-08-12 by the county clerk.",
    ];
    let mut content = b"BT /F1 11 Tf 72 700 Td 14 TL ".to_vec();
    for line in lines {
        content.push(b'(');
        content.extend_from_slice(line);
        content.extend_from_slice(b") Tj T* ");
    }
    content.extend_from_slice(b"ET");
    folio_tests::one_page_pdf(&[("F1", "Helvetica")], content)
}

#[test]
fn protected_tokens_reach_the_engine_as_placeholders_and_come_back_verbatim() {
    if !folio_tests::tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("folio-tokens-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.pdf");
    std::fs::write(&input, paragraph_with_tokens()).unwrap();
    let run = translate_file(&input, "pseudo", None).expect("the page is translated");

    // What is sent: the paragraph, its tokens as kept items.
    let paragraph = run
        .blocks
        .iter()
        .find(|b| b.source.contains("county clerk"))
        .expect("the paragraph is a block");
    println!("source: {}", paragraph.source);
    assert!(matches!(paragraph.action, Action::Translate));
    let kept: Vec<&str> = paragraph
        .spans
        .iter()
        .filter_map(|s| match &s.kind {
            SpanKind::Kept { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    for token in TOKENS {
        assert!(
            !paragraph.source.contains(token),
            "{token} is sent to the engine: {}",
            paragraph.source
        );
        assert!(kept.contains(&token), "{token} is not kept: {kept:?}");
    }

    // What comes back: every token verbatim, the words around translated.
    let path = dir.join("out.pdf");
    std::fs::write(&path, &run.output).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("output: {text}");
    assert!(!text.contains("county clerk"), "not translated: {text}");
    let joined: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for token in TOKENS {
        assert!(joined.contains(token), "{token} is lost: {text}");
    }
    assert!(run.report.segments.failed.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_protected_token_the_engine_drops_goes_back_at_its_place() {
    let input = std::sync::Arc::new(paragraph_with_tokens());
    let pair = folio_translate::LangPair::new("en", "pt-BR").unwrap();
    // Loses the kept item `[1]` of every segment.
    let engine = folio_tests::RewrittenPseudo {
        pseudo: folio_translate::Pseudo::new(pair),
        rewrite: |text| text.replace("[1]", ""),
    };
    let options = folio_tests::options(&engine, None, None);
    let (output, report) =
        folio::translate(input, &options, &mut |_| {}).expect("the run ends with a report");
    // The segment's last try lost it too: the token is put back where it stood, the paragraph
    // translated, and the report says so.
    assert!(
        report.segments.failed.is_empty(),
        "{:?}",
        report.segments.failed
    );
    assert_eq!(report.engine.items_placed, 1, "{:?}", report.engine);
    let doc = folio_pdf::read(
        std::sync::Arc::new(output),
        &folio_pdf::ReadOptions::default(),
    )
    .expect("the output is read");
    let text: String = doc.pages[0]
        .words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(text.matches("202–493–2251").count(), 1, "{text}");
    assert!(!text.contains("county clerk"), "not translated: {text}");
}
