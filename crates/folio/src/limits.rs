//! The config's `[limits]` table as the reader's limits.

use folio_pdf::Limits;
use folio_translate::LimitsConfig;

/// What reading a PDF may cost: the reader's defaults, the config's `[limits]` over them, and
/// `max_pages` (a command's `--max-pages`) over both. The one place where `folio translate`,
/// `folio batch`, `folio worker` and `folio serve` turn the table into [`Limits`], so that a
/// service bounds its uploads as the command does.
pub fn limits_from_config(config: &LimitsConfig, max_pages: Option<u32>) -> Limits {
    const MB: u64 = 1 << 20;
    let mut limits = Limits::default();
    if let Some(v) = max_pages.or(config.max_pages) {
        limits.max_pages = v;
    }
    if let Some(v) = config.max_objects {
        limits.max_objects = v;
    }
    if let Some(v) = config.max_stream_mb {
        limits.max_stream_bytes = v.saturating_mul(MB);
    }
    if let Some(v) = config.max_document_mb {
        limits.max_document_bytes = v.saturating_mul(MB);
    }
    if let Some(v) = config.max_depth {
        limits.max_depth = v;
    }
    if let Some(v) = config.max_operators {
        limits.max_operators = v;
    }
    if let Some(v) = config.max_glyphs {
        limits.max_glyphs = v;
    }
    if let Some(v) = config.page_secs.filter(|s| s.is_finite() && *s >= 0.0) {
        limits.page_time = std::time::Duration::from_secs_f64(v.min(1e9));
    }
    limits
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn limits_come_from_the_table_over_the_defaults() {
        let config = folio_translate::Config::from_toml(
            "[limits]\nmax_pages = 7\nmax_stream_mb = 2\npage_secs = 0.5\n",
        )
        .unwrap();
        let limits = limits_from_config(&config.limits, None);
        assert_eq!(limits.max_pages, 7);
        assert_eq!(limits.max_stream_bytes, 2 << 20);
        assert_eq!(limits.page_time, Duration::from_millis(500));
        assert_eq!(limits.max_operators, Limits::default().max_operators);
        // A command's --max-pages wins over the table.
        assert_eq!(limits_from_config(&config.limits, Some(3)).max_pages, 3);
    }
}
