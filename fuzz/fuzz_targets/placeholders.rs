//! The placeholder format (`[n]…[/n]`, `[n]`): parsing, stripping and validating any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Parsing loses nothing: the pieces give the text back byte for byte.
    let pieces = folio_doc::placeholders::parse(text);
    let joined: String = pieces.iter().map(|p| p.to_string()).collect();
    assert_eq!(joined, text);
    let stripped = folio_doc::placeholders::strip(text);
    assert!(stripped.len() <= text.len(), "stripping never adds text");
    // Any two texts validate or give a reason; a text always matches itself.
    let mut half = text.len() / 2;
    while !text.is_char_boundary(half) {
        half -= 1;
    }
    let (source, translation) = text.split_at(half);
    let _ = folio_doc::placeholders::validate(source, translation);
    let _ = folio_doc::placeholders::validate(text, text);
});
