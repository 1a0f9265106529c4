//! The reader: any bytes → a document or a clear error, never a panic, within the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = folio_pdf::ReadOptions {
        limits: folio_fuzz_limits(),
        ..Default::default()
    };
    // A document or an error: both are fine; a panic, a hang or running out of memory is not.
    let _ = folio_pdf::read(data.to_vec(), &options);
});

/// Limits small enough for thousands of runs a second, as a service would set them low.
fn folio_fuzz_limits() -> folio_pdf::Limits {
    folio_pdf::Limits {
        max_pages: 50,
        max_stream_bytes: 8 << 20,
        max_document_bytes: 32 << 20,
        max_operators: 200_000,
        max_glyphs: 50_000,
        page_time: std::time::Duration::from_secs(2),
        ..folio_pdf::Limits::default()
    }
}
