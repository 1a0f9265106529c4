//! The clip the interpreter tracks: rectangles (`re W n`), a form's `/BBox`, `q`/`Q`, and what
//! it means for glyphs (noted when cut, left out of words when hidden).

use folio_doc::Shown;
use lopdf::{Dictionary, Object, Stream};

use crate::{ReadOptions, read};

/// A page with Helvetica as /F1 drawing `content`, with the form `/Fm` (Helvetica too)
/// drawing `form` inside `bbox`.
fn pdf(content: &[u8], form: &[u8], bbox: [i64; 4]) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.7");
    let font = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"Type1".to_vec())),
        ("BaseFont", Object::Name(b"Helvetica".to_vec())),
        ("Encoding", Object::Name(b"WinAnsiEncoding".to_vec())),
    ]));
    let fonts = || {
        Object::Dictionary(Dictionary::from_iter([(
            "Font",
            Object::Dictionary(Dictionary::from_iter([("F1", Object::Reference(font))])),
        )]))
    };
    let form = doc.add_object(Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            (
                "BBox",
                Object::Array(bbox.iter().map(|&v| v.into()).collect()),
            ),
            ("Resources", fonts()),
        ]),
        form.to_vec(),
    ));
    let mut resources = Dictionary::from_iter([(
        "Font",
        Object::Dictionary(Dictionary::from_iter([("F1", Object::Reference(font))])),
    )]);
    resources.set(
        "XObject",
        Object::Dictionary(Dictionary::from_iter([("Fm", Object::Reference(form))])),
    );
    let content = doc.add_object(Stream::new(Dictionary::new(), content.to_vec()));
    let pages_id = doc.new_object_id();
    let page = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Page".to_vec())),
        ("Parent", Object::Reference(pages_id)),
        (
            "MediaBox",
            Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]),
        ),
        ("Contents", Object::Reference(content)),
        ("Resources", Object::Dictionary(resources)),
    ]));
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Count", Object::Integer(1)),
            ("Kids", Object::Array(vec![Object::Reference(page)])),
        ])),
    );
    let catalog = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("the test PDF is written");
    out
}

#[test]
fn clips_hide_cut_and_end_with_their_state() {
    let content =
        b"q 100 700 200 20 re W n BT /F1 12 Tf 110 705 Td (Seen) Tj 300 0 Td (Hidden) Tj ET Q \
        q 100 600 30 20 re W* n BT /F1 12 Tf 110 605 Td (Halved) Tj ET Q \
        q 1 0 0 1 100 500 cm /Fm Do Q \
        BT /F1 12 Tf 400 300 Td (Free) Tj ET";
    let form = b"BT /F1 12 Tf 5 10 Td (Inside) Tj 0 -100 Td (Below) Tj ET";
    let doc = read(pdf(content, form, [0, 0, 100, 30]), &ReadOptions::default()).unwrap();
    let page = &doc.pages[0];
    let words: Vec<&str> = page.words.iter().map(|w| w.text.as_str()).collect();
    for seen in ["Seen", "Inside", "Free"] {
        assert!(words.contains(&seen), "{seen} is missing from {words:?}");
    }
    for hidden in ["Hidden", "Below"] {
        assert!(
            !words.iter().any(|w| w.contains(hidden)),
            "{hidden} in {words:?}"
        );
    }
    // The cut word keeps the letters the clip shows, the one it cuts through included.
    assert!(words.contains(&"Halv"), "{words:?}");

    let glyph = |text: &str, nth: usize| {
        page.glyphs
            .iter()
            .filter(|g| g.text == text)
            .nth(nth)
            .unwrap_or_else(|| panic!("no glyph {text}"))
    };
    // Drawn whole under a clip.
    let seen = glyph("S", 0);
    assert_eq!(seen.shown(), Shown::All);
    let clip = seen.clip.unwrap();
    assert_eq!(
        (clip.x0, clip.y0, clip.x1, clip.y1),
        (100.0, 72.0, 300.0, 92.0)
    );
    assert_eq!(glyph("I", 0).shown(), Shown::All);
    // Hidden by the rectangle, and by the form's /BBox (in display space, y down).
    assert!(glyph("H", 0).clipped_away(), "{:?}", glyph("H", 0));
    assert_eq!(glyph("H", 1).shown(), Shown::All);
    let below = glyph("B", 0);
    assert!(below.clipped_away());
    let form_clip = below.clip.unwrap();
    assert_eq!(
        (form_clip.x0, form_clip.y0, form_clip.x1, form_clip.y1),
        (100.0, 262.0, 200.0, 292.0)
    );
    // Cut: the glyph is still read.
    let v = glyph("v", 0);
    assert_eq!(v.shown(), Shown::Part, "{v:?}");
    // `Q` ends the clip.
    assert_eq!(glyph("F", 0).clip, None);
}
