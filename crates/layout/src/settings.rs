//! The knobs of the layout stage, one group per step.
//!
//! Every threshold the heuristics use is a field here, with its unit: points (`pt`), a
//! multiple of the font size (`× size`), a fraction of the page or a count. The defaults were
//! tuned on the corpus (books, papers, manuals, forms); each says why it has its value where
//! that is known. Several steps compare "the same" thing with their own tolerance (a size,
//! a baseline, an edge): those are separate fields, named for the step, so the difference is
//! visible rather than hidden in a shared constant.
//!
//! All groups derive `serde` with `#[serde(default)]`, so a config file may set any subset.

use serde::{Deserialize, Serialize};

/// Thresholds the layout heuristics use; the defaults suit books, papers and manuals.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LayoutSettings {
    /// Measuring lines: direction, baseline, gutters, rejoining split lines, table rows.
    pub lines: LineSettings,
    /// Running headers, footers and page numbers, and the page margins they live in.
    pub running: RunningSettings,
    /// Tables: their columns, and which lines are one cell.
    pub tables: TableSettings,
    /// Grouping lines into blocks (paragraphs), and the rules and line pitches of a page.
    pub blocks: BlockSettings,
    /// A block's alignment.
    pub style: StyleSettings,
    /// A block's role: heading, footnote, caption, formula, code, table cell…
    pub roles: RoleSettings,
    /// Inline spans: links, super- and subscripts, spaces between words.
    pub inline: InlineSettings,
    /// What is kept untranslated.
    pub keep: KeepSettings,
}

/// Measuring a page's lines (`lines.rs`, except the reading order, which has its own cut).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineSettings {
    /// A glyph turned by less than this (degrees, either way) is horizontal: producers set
    /// slightly rotated matrices for upright text.
    pub angle_snap: f32,
    /// Glyphs within this (pt) of the line's main size set its baseline; super- and
    /// subscripts, smaller, do not move it. Sizes are compared rounded to 0.1 pt, so this
    /// only absorbs that rounding.
    pub baseline_size_tolerance: f32,
    /// A gap between two words of a line is a candidate column gutter when at least this
    /// × the word's height (a wide justified space is narrower).
    pub gutter_gap: f32,
    /// Lines whose centre is within this (pt) above or below are the ones a gutter is
    /// judged against: about five lines of body text.
    pub gutter_reach_y: f32,
    /// …and that lie within this (pt) left or right of the candidate gutter.
    pub gutter_reach_x: f32,
    /// A line crosses the candidate gutter when it extends more than this (pt) past it on
    /// both sides.
    pub gutter_cross_margin: f32,
    /// A gutter needs at least this many lines around it…
    pub gutter_min_lines: usize,
    /// …with text on each side of it on at least this many of them…
    pub gutter_min_sides: usize,
    /// …and at most this percentage of them crossing it (an integer, so the test is exact).
    pub gutter_cross_percent: usize,
    /// A piece of a line of at most this many characters (a footnote mark, a superscript
    /// set apart) rejoins the text after it when they overlap vertically…
    pub mark_chars: usize,
    /// …by at least this fraction of the smaller height…
    pub mark_overlap: f32,
    /// …and the gap to the text is at most this × the size.
    pub mark_gap: f32,
    /// Two pieces of a line are on one baseline, and of one size, within this × the size
    /// (rejoining pieces the reader split at a wide gap).
    pub rejoin_tolerance: f32,
    /// Pieces overlapping by more than this (pt) are not side by side and never rejoin
    /// (a footnote mark may overlap its text by this much).
    pub rejoin_overlap: f32,
    /// Pieces further apart than this × the size never rejoin.
    pub rejoin_gap: f32,
    /// A first piece of at most this many characters that is a list marker or a section
    /// number ("3.1.4") always rejoins its text.
    pub rejoin_number_chars: usize,
    /// Lines within this (pt) of the baseline are the ones counted to tell a wide space
    /// inside a column (many lines cross it) from a gutter (few do).
    pub rejoin_reach: f32,
    /// Pieces rejoin across a gap that at least this many of those lines cross…
    pub rejoin_min_crossing: usize,
    /// …being at least this percentage of them (an integer, so the test is exact).
    pub rejoin_cross_percent: usize,
    /// Rejoining runs at most this many passes: each pass's rejoined lines may cross the
    /// gaps left in the next.
    pub rejoin_passes: usize,
    /// Lines more than this fraction mathematics (display math) are left out of the
    /// crossing count.
    pub rejoin_math_line: f32,
    /// A piece of an inline big operator or radical (the operator, its limits) has at most
    /// this many words; see `stack_reach`.
    pub stack_words: usize,
    /// ... and its centre lies within this × the size above or below the line it stands in,
    /// in a gap between that line's words: it joins that line.
    pub stack_reach: f32,
    /// Lines whose baselines are within this × the size (of the first, at least 2 pt) share
    /// a row (cells of a table row, columns of text).
    pub row_tolerance: f32,
    /// A line of more words than this is running text, not a table cell.
    pub cell_words: usize,
    /// A table cell is narrower than this fraction of the page width.
    pub cell_width: f32,
    /// Two rows' cells start at the same column when their left edges are within this (pt).
    pub cell_align: f32,
    /// A row is a table row when at least this many of its cells line up with another row's…
    pub cell_aligned_starts: usize,
    /// …for at least this many other rows.
    pub cell_aligned_rows: usize,
}

impl Default for LineSettings {
    fn default() -> Self {
        Self {
            angle_snap: 2.0,
            baseline_size_tolerance: 0.15,
            gutter_gap: 0.6,
            gutter_reach_y: 60.0,
            gutter_reach_x: 200.0,
            gutter_cross_margin: 1.0,
            gutter_min_lines: 4,
            gutter_min_sides: 2,
            gutter_cross_percent: 20,
            mark_chars: 2,
            mark_overlap: 0.5,
            mark_gap: 1.0,
            rejoin_tolerance: 0.25,
            rejoin_overlap: 1.0,
            rejoin_gap: 3.0,
            rejoin_number_chars: 8,
            rejoin_reach: 150.0,
            rejoin_min_crossing: 2,
            rejoin_cross_percent: 30,
            rejoin_passes: 3,
            rejoin_math_line: 0.4,
            stack_words: 2,
            stack_reach: 1.0,
            row_tolerance: 0.25,
            cell_words: 6,
            cell_width: 0.2,
            cell_align: 3.0,
            cell_aligned_starts: 2,
            cell_aligned_rows: 2,
        }
    }
}

/// Running headers, footers and page numbers (`running.rs`; the margins also in `roles.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunningSettings {
    /// How many pages before and after a page are compared with it to find running headers
    /// and footers (text repeated at the same place). The same window gives the body text
    /// size, counted over those pages' glyphs.
    pub window: u32,
    /// Height of the top and bottom page margins, as a fraction of the page height, in which
    /// running headers, footers and page numbers are looked for.
    pub margin_zone: f32,
    /// Another line counts as further in (or further out) than a margin line when their
    /// boxes overlap vertically by at most this × the margin line's height (neighbouring
    /// lines' boxes overlap a little); one overlapping more shares its row and is ignored.
    pub overlap: f32,
    /// A margin line is isolated when the white space between it and the text further in is
    /// at least this × its height.
    pub isolation: f32,
    /// The same text (digits masked) repeats when it stands within this (pt) of the same
    /// height on a nearby page.
    pub same_text_y: f32,
    /// An isolated outermost line repeats, whatever its words, when one at the same height
    /// and of the same height (both within this, pt) stands on nearby pages…
    pub same_place: f32,
    /// …on at least this many of them.
    pub same_place_pages: usize,
}

impl Default for RunningSettings {
    fn default() -> Self {
        Self {
            window: 4,
            margin_zone: 0.15,
            overlap: 0.25,
            isolation: 1.0,
            same_text_y: 2.0,
            same_place: 1.0,
            same_place_pages: 2,
        }
    }
}

/// Finding tables and their cells (`tables.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableSettings {
    /// A baseline holding two or more pieces of text side by side, of which at most this many
    /// are long (more than [`LineSettings::cell_words`] words or wider than
    /// [`LineSettings::cell_width`]), may be a table row: a description column has long
    /// cells, two columns of running text have two long pieces.
    pub long_cells: usize,
    /// No cell of a table row is as wide as this fraction of the page: a column of running
    /// text beside a table is not one of its columns.
    pub max_cell_width: f32,
    /// Such baselines make one table while each is at most this × the size below the one
    /// before (a row whose cells wrap over several lines is further from the next)…
    pub row_gap: f32,
    /// …and the table has at least this many of them (header included)…
    pub min_rows: usize,
    /// …and at least this many columns: a table of contents (a title and its page number)
    /// has two.
    pub min_columns: usize,
    /// A column gutter is a strip crossed by the text of no row, at least this × the size
    /// wide (wider than a word space).
    pub gutter: f32,
    /// A strip that the text of at most this fraction of the rows crosses is still a gutter
    /// (a header spanning two columns crosses it).
    pub spanning_rows: f32,
    /// A line continues the cell above it in its column (text wrapped in the cell) when its
    /// baseline is at most this × the size below the other's…
    pub wrap_pitch: f32,
    /// …and starts where it starts, within this (pt).
    pub wrap_edge: f32,
}

impl Default for TableSettings {
    fn default() -> Self {
        Self {
            long_cells: 1,
            max_cell_width: 0.3,
            row_gap: 6.0,
            min_rows: 3,
            min_columns: 3,
            gutter: 0.5,
            spanning_rows: 0.1,
            wrap_pitch: 1.6,
            wrap_edge: 2.0,
        }
    }
}

/// Grouping lines into blocks (`group.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockSettings {
    /// A path at most this thick (pt) is a rule…
    pub rule_thickness: f32,
    /// …when at least this long (pt); shorter ones are marks and glyph parts.
    pub rule_length: f32,
    /// A rule separates two lines when its middle lies between them, within this (pt).
    pub rule_slack: f32,
    /// Consecutive lines measure the page's usual line pitch only when their sizes differ by
    /// at most this × the size…
    pub pitch_same_size: f32,
    /// …and their baselines are at least this × the size apart…
    pub pitch_min: f32,
    /// …and at most this × the size (further apart is a paragraph or section break).
    pub pitch_max: f32,
    /// Line pitch assumed for a size the page gives no measure of, × the size (the usual
    /// 120 % leading).
    pub default_pitch: f32,
    /// A line starts a new block when its baseline is further below the previous one than
    /// this × the block's line pitch, plus [`BlockSettings::gap_slack`]. For a block's second
    /// line the pitch is the page's usual one for its size (else
    /// [`BlockSettings::default_pitch`] × the size). 1.3 lets leading vary a little but
    /// catches the extra space most paragraph and section breaks add.
    pub paragraph_gap: f32,
    /// Points added to the largest distance a continuing line may be below the previous one.
    pub gap_slack: f32,
    /// The pitch the paragraph gap multiplies is at least this × the size.
    pub min_pitch: f32,
    /// A line is at least this × the size below the previous one to continue it (a line
    /// beside or above starts a new block).
    pub min_drop: f32,
    /// A line continues a block only when their sizes differ by at most this × the smaller
    /// (rounding, and the odd larger symbol).
    pub size_tolerance: f32,
    /// A line is bold when more than this fraction of its glyphs is: bold and regular lines
    /// are never in one block.
    pub bold_line: f32,
    /// A line is monospace (code) when more than this fraction of its glyphs is.
    pub mono_line: f32,
    /// A line is display math when more than this fraction of its glyphs is mathematics.
    pub math_line: f32,
    /// Edges agree within this × the size…
    pub edge_tolerance: f32,
    /// …but never less than this (pt).
    pub edge_tolerance_min: f32,
    /// A justified paragraph's last line, ending a sentence, is short when it ends more than
    /// this × the size before the right edge: the next line starts a new paragraph.
    pub short_last_line: f32,
    /// A first-line indent is at most this × the size; the second line returning to the left
    /// by that much continues the paragraph.
    pub max_indent: f32,
    /// The text after a list marker or bracketed label starts at most this × the size to the
    /// right of it; a second line there continues the item (hanging indent).
    pub max_hanging_indent: f32,
    /// A line with this many words made only of dots (". . . . .") holds leaders, and ends an
    /// entry of a table of contents.
    pub leader_words: usize,
    /// A block whose box covers more than this fraction of another block's box is grouped
    /// wrong and is split into its lines.
    pub container_overlap: f32,
    /// A centred group of lines of different widths at most this fraction of the page wide
    /// holds separate items (an author block: name, institution, city, e-mail) and is split
    /// into them (`items.rs`).
    pub item_block_width: f32,
}

impl Default for BlockSettings {
    fn default() -> Self {
        Self {
            rule_thickness: 2.0,
            rule_length: 8.0,
            rule_slack: 1.0,
            pitch_same_size: 0.05,
            pitch_min: 0.9,
            pitch_max: 2.5,
            default_pitch: 1.2,
            paragraph_gap: 1.3,
            gap_slack: 0.5,
            min_pitch: 0.8,
            min_drop: 0.5,
            size_tolerance: 0.12,
            bold_line: 0.8,
            mono_line: 0.7,
            math_line: 0.4,
            edge_tolerance: 0.4,
            edge_tolerance_min: 1.5,
            short_last_line: 2.0,
            max_indent: 4.0,
            max_hanging_indent: 6.0,
            leader_words: 5,
            container_overlap: 0.5,
            item_block_width: 0.45,
        }
    }
}

/// A block's alignment (`style.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StyleSettings {
    /// Edges and centres agree within this × the size (tighter than the grouping's
    /// [`BlockSettings::edge_tolerance`]: a block's lines are already known to belong
    /// together, and a ragged edge should not pass for a flush one)…
    pub edge_tolerance: f32,
    /// …but never less than this (pt).
    pub edge_tolerance_min: f32,
    /// A right edge shared by at least this many lines of the page (within a point) is a
    /// column's right margin.
    pub margin_lines: usize,
    /// A block of at least this many flush lines is justified; a shorter one only when its
    /// first line reaches a column's right margin.
    pub justified_lines: usize,
}

impl Default for StyleSettings {
    fn default() -> Self {
        Self {
            edge_tolerance: 0.3,
            edge_tolerance_min: 1.0,
            margin_lines: 3,
            justified_lines: 3,
        }
    }
}

/// A block's role (`roles.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleSettings {
    /// A font size at least this × the page's body size makes a short block a heading.
    pub heading_ratio: f32,
    /// A short block (a heading) has at most this many lines…
    pub heading_lines: usize,
    /// …and at most this many words.
    pub heading_words: usize,
    /// A block of more words than this that ends a sentence is not a heading.
    pub sentence_words: usize,
    /// A block at least this fraction bold is a heading at body size…
    pub bold_heading: f32,
    /// …when it has at most this many lines…
    pub bold_heading_lines: usize,
    /// …and this many words.
    pub bold_heading_words: usize,
    /// A font size at most this × the page's body size makes text at the page bottom a
    /// footnote.
    pub footnote_ratio: f32,
    /// A footnote's centre lies below this fraction of the page height.
    pub footnote_below: f32,
    /// Text at least this × the body size below a block means it is not at the page's foot.
    pub body_ratio: f32,
    /// A page number in the margin is the outermost line when no line lies further out by
    /// more than this (pt).
    pub outermost_slack: f32,
    /// A block is a formula when at least this fraction of its glyphs is mathematics…
    pub formula_math: f32,
    /// …or this fraction, with at most [`RoleSettings::formula_prose_words`] prose words.
    pub formula_some_math: f32,
    /// See [`RoleSettings::formula_some_math`].
    pub formula_prose_words: usize,
    /// A word of at least this many letters is prose (a math font's letters are variables).
    pub prose_letters: usize,
    /// A block at least this fraction monospace is code (stricter than the grouping's
    /// [`BlockSettings::mono_line`], which only keeps code lines apart from prose).
    pub code_mono: f32,
    /// An image or drawing within this × the size above or below makes "Figure 3" a caption
    /// (without a colon or full stop after the number).
    pub figure_reach: f32,
    /// A ruled table cell has at most this many lines…
    pub ruled_cell_lines: usize,
    /// …of at most this many words each.
    pub ruled_cell_words: usize,
    /// Rules framing a cell reach its left and right edges within this (pt).
    pub ruled_cell_span: f32,
    /// A rule is above, below, left or right of the cell when it reaches at most this (pt)
    /// into the cell's box.
    pub ruled_cell_slack: f32,
    /// Rules framing a cell are at most this fraction of the page height apart.
    pub ruled_cell_height: f32,
    /// A cell without other text in its row needs vertical rules on both sides, each within
    /// this (pt) of it.
    pub ruled_cell_side: f32,
}

impl Default for RoleSettings {
    fn default() -> Self {
        Self {
            heading_ratio: 1.15,
            heading_lines: 3,
            heading_words: 30,
            sentence_words: 6,
            bold_heading: 0.8,
            bold_heading_lines: 2,
            bold_heading_words: 20,
            footnote_ratio: 0.9,
            footnote_below: 0.55,
            body_ratio: 0.95,
            outermost_slack: 0.5,
            formula_math: 0.5,
            formula_some_math: 0.2,
            formula_prose_words: 1,
            prose_letters: 4,
            code_mono: 0.8,
            figure_reach: 4.0,
            ruled_cell_lines: 4,
            ruled_cell_words: 10,
            ruled_cell_span: 2.0,
            ruled_cell_slack: 1.0,
            ruled_cell_height: 0.4,
            ruled_cell_side: 30.0,
        }
    }
}

/// Inline spans (`inline.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InlineSettings {
    /// A glyph whose centre is within this (pt) of a link's rectangle is in the link.
    pub link_margin: f32,
    /// A glyph smaller than this × its line's size may be a super- or subscript…
    pub script_size: f32,
    /// …a superscript when its baseline is more than this × the line's size above the line's…
    pub superscript_rise: f32,
    /// …a subscript when more than this × the size below it.
    pub subscript_drop: f32,
    /// Two words of a line are joined by a space when more than this × the size apart;
    /// closer, they touch (a superscript glued on).
    pub word_space: f32,
}

impl Default for InlineSettings {
    fn default() -> Self {
        Self {
            link_margin: 0.5,
            script_size: 0.9,
            superscript_rise: 0.15,
            subscript_drop: 0.08,
            word_space: 0.12,
        }
    }
}

/// What is kept untranslated (`keep.rs`, `page.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeepSettings {
    /// Blocks whose glyphs are mostly in a monospace font are code and kept.
    pub code: bool,
    /// A horizontal block narrower than this (pt) has no room for text and is kept.
    pub min_width: f32,
}

impl Default for KeepSettings {
    fn default() -> Self {
        Self {
            code: true,
            min_width: 0.5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_sets_any_subset() {
        let json = r#"{"blocks": {"paragraph_gap": 1.5}, "keep": {"code": false}}"#;
        let s: LayoutSettings = serde_json::from_str(json).unwrap();
        assert_eq!(s.blocks.paragraph_gap, 1.5);
        assert!(!s.keep.code);
        assert_eq!(s.roles, RoleSettings::default());
        assert_eq!(
            s.blocks.size_tolerance,
            BlockSettings::default().size_tolerance
        );
        let back: LayoutSettings =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
