//! The config file parser: any text → settings or a clear error, never a panic; the engines'
//! options are then made from what was read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = folio_translate::Config::from_toml(text) {
        let _ = config.openai_options();
        let _ = config.apertium_options();
        let _ = config.price();
        let _ = config.engine_name();
    }
});
