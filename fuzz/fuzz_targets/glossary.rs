//! The glossary CSV parser: any text → terms or a clear error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = folio_translate::csv_fields(text);
    if let Ok(glossary) = folio_translate::Glossary::from_csv(text) {
        let _ = format!("{glossary:?}");
    }
});
