//! XLIFF import and export: any text → a document or a clear error, never a panic; a document
//! that was read writes and reads back to the same units, and importing that unchanged file
//! against it changes nothing. Inputs that are not XLIFF still test the writer: their lines
//! become the units of a document that must round-trip the same way.
#![no_main]

use folio_xliff::{Document, Unit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(doc) = folio_xliff::read(text) {
        round_trip(&doc);
        // A document checked against itself: fine or a clear error (repeated ids, a kept
        // unit's target), never a panic.
        let _ = folio_xliff::changes(&doc, &doc);
    }
    round_trip(&from_lines(text));
});

/// `doc` written and read back gives its units, with what XML 1.0 cannot carry as U+FFFD;
/// importing it unchanged against `doc` gives no change.
fn round_trip(doc: &Document) {
    let xml = folio_xliff::write(doc);
    let back = folio_xliff::read(&xml).expect("what export writes reads back");
    let carried = carried(doc);
    assert_eq!(back, carried, "the round trip changed the document");
    // Ids and languages are matched exactly, and Folio's own (`p3-b12`, `pt-BR`) are plain
    // ASCII. One with a control character (from a hostile file read as `doc`) comes back with
    // U+FFFD, another id or language: `doc` is no document Folio exports.
    let exact = carried.source_language == doc.source_language
        && carried.target_language == doc.target_language
        && carried.units.iter().zip(&doc.units).all(|(a, b)| a.id == b.id);
    if unique_ids(doc) && exact {
        assert_eq!(
            folio_xliff::changes(&back, doc),
            Ok(Vec::new()),
            "an unchanged file is a change"
        );
    }
}

/// A document made of any text: each line a unit, its source and target split at a tab.
fn from_lines(text: &str) -> Document {
    let units = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            let (source, target) = match line.split_once('\t') {
                Some((source, target)) => (source, Some(target.to_string())),
                None => (line, None),
            };
            Unit {
                id: format!("u{i}"),
                source: source.into(),
                target,
                translate: i % 3 != 2,
                note: (i % 2 == 1).then(|| line.into()),
            }
        })
        .collect();
    Document {
        original: text.chars().take(20).collect(),
        source_language: "en".into(),
        target_language: if text.len() % 2 == 0 { "fr".into() } else { String::new() },
        units,
    }
}

/// `doc` as XML 1.0 carries it: characters it cannot hold are U+FFFD (`folio_xliff::write`).
fn carried(doc: &Document) -> Document {
    let text = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => c,
                '\0'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
                _ => c,
            })
            .collect()
    };
    Document {
        original: text(&doc.original),
        source_language: text(&doc.source_language),
        target_language: text(&doc.target_language),
        units: doc
            .units
            .iter()
            .map(|u| Unit {
                id: text(&u.id),
                source: text(&u.source),
                target: u.target.as_deref().map(text),
                translate: u.translate,
                note: u.note.as_deref().map(text),
            })
            .collect(),
    }
}

fn unique_ids(doc: &Document) -> bool {
    let mut ids: Vec<&str> = doc.units.iter().map(|u| u.id.as_str()).collect();
    ids.sort_unstable();
    ids.windows(2).all(|w| w[0] != w[1])
}
