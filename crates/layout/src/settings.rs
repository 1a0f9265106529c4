//! The knobs of the layout stage.

/// Thresholds the layout heuristics use; the defaults suit books, papers and manuals.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutSettings {
    /// How many pages before and after a page are compared with it to find running headers
    /// and footers (text repeated at the same place).
    pub running_window: u32,
    /// Height of the top and bottom page margins, as a fraction of the page height, in which
    /// running headers, footers and page numbers are looked for.
    pub margin_zone: f32,
    /// A line starts a new block when its baseline is further below the previous one than
    /// this × the block's line pitch (or × 1.2 × the font size for a block's second line).
    pub paragraph_gap: f32,
    /// A font size at least this × the page's body size makes a short block a heading.
    pub heading_ratio: f32,
    /// A font size at most this × the page's body size makes text at the page bottom a
    /// footnote.
    pub footnote_ratio: f32,
    /// Blocks whose glyphs are mostly in a monospace font are code and kept.
    pub keep_code: bool,
}

impl Default for LayoutSettings {
    fn default() -> Self {
        Self {
            running_window: 4,
            margin_zone: 0.15,
            paragraph_gap: 1.3,
            heading_ratio: 1.15,
            footnote_ratio: 0.9,
            keep_code: true,
        }
    }
}
