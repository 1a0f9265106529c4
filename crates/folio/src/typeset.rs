//! The typeset stage: each translated block set in its box with its original look, then the
//! sizes of blocks of one role made to agree across the document, and the lines of one
//! author or address block at one size.

use std::collections::HashMap;

use folio_doc::{Block, BlockId, Document, FaceId, FontId, Outcome, PlacedBlock, Role, SegmentId};
use folio_typeset::{FontBook, FontQuery, TextBlock, TextStyle};

use crate::Options;
use crate::drawn::Drawn;
use crate::item_lines::{centre_item_lines, harmonize_item_lines, item_runs};
use crate::report::{Report, SegmentIssue, reason_name};
use crate::segments::DocumentText;
use crate::{space, spans};

/// A block and its translation as set.
pub(crate) struct SetBlock<'d> {
    /// The original block.
    pub block: &'d Block,
    /// Its translation, placed (no lines when it could not be set).
    pub placed: PlacedBlock,
}

/// The typeset document: its blocks as set, and the fonts they were set with.
pub(crate) struct Typeset<'d> {
    /// The bundled fonts and the document's own.
    pub book: FontBook,
    /// Every block translated, in segment order.
    pub blocks: Vec<SetBlock<'d>>,
}

/// Sets every translated block of the document, in the options' fonts joined by the
/// document's own, so text that they can show keeps its look. Outcomes are counted in the
/// report: translated, kept, failed (no translation, or one that could not be set).
pub(crate) fn set_translations<'d>(
    doc: &Document,
    blocks: &'d [Block],
    text: &DocumentText,
    drawn: &HashMap<BlockId, Drawn>,
    outcomes: &HashMap<SegmentId, &Outcome>,
    options: &Options<'_>,
    report: &mut Report,
) -> Typeset<'d> {
    let mut book = options.fonts.clone();
    let originals = book.add_document_fonts(doc);
    let lang = &options.engine.info().pair.to;
    // Fonts of the target's script, when the bundled ones do not cover it (CJK, Arabic…).
    if let Err(e) = book.add_script_fonts(lang) {
        report.warnings.push(e);
    }
    let settings = &options.typeset;
    let by_id: HashMap<BlockId, &Block> = blocks.iter().map(|b| (b.id, b)).collect();
    let not_drawn = Drawn::default();
    let mut to_set: Vec<(&Block, TextBlock)> = Vec::new();
    for (segment, block) in text.of_blocks() {
        let Some(&block) = by_id.get(&block) else {
            continue;
        };
        match outcomes.get(&segment.id) {
            Some(Outcome::Translated(translation)) => {
                report.segments.translated += 1;
                let id = to_set.len() as u32;
                let page_blocks = on_page(blocks, block.id.page);
                let drawn = drawn.get(&block.id).unwrap_or(&not_drawn);
                let text_block = text_block(
                    doc,
                    drawn,
                    block,
                    id,
                    translation,
                    page_blocks,
                    &originals,
                    lang,
                );
                to_set.push((block, text_block));
            }
            Some(Outcome::Kept(reason)) => {
                *report
                    .segments
                    .kept
                    .entry(reason_name(*reason))
                    .or_default() += 1
            }
            Some(Outcome::Failed(reason)) => {
                report.segments.failed.push(issue(block, reason.clone()))
            }
            None => report
                .segments
                .failed
                .push(issue(block, "no translation came back".into())),
        }
    }

    // Text left in another script than the target's (a name, digits, a kept word of an
    // Arabic or Hebrew source) is drawn in that script's fonts when no other face has it.
    let texts = to_set.iter().map(|(_, t)| t.text.as_str());
    report.warnings.extend(book.add_fonts_for_text(texts));

    // The lines of an author or address block, split by the layout, stay centred.
    let item_runs = item_runs(&to_set);
    centre_item_lines(&mut to_set, &item_runs);
    // Taken apart (not copied) while the sizes are harmonized, which wants the text blocks
    // alone; a long document's are many.
    let (set_blocks, text_blocks): (Vec<&Block>, Vec<TextBlock>) = to_set.into_iter().unzip();
    let mut placed: Vec<PlacedBlock> = Vec::with_capacity(text_blocks.len());
    for (block, tb) in set_blocks.iter().zip(&text_blocks) {
        // A panic is a bug of ours; it costs this block, not the document.
        let set = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            folio_typeset::typeset_block(&book, tb, settings)
        })) {
            Ok(set) => set.map_err(|e| e.to_string()),
            Err(panic) => Err(format!(
                "a bug ({}); please report it",
                folio_pdf::panic_message(&*panic)
            )),
        };
        match set {
            Ok(p) => placed.push(p),
            Err(e) => {
                report
                    .segments
                    .failed
                    .push(issue(block, format!("cannot typeset: {e}")));
                placed.push(PlacedBlock::empty(tb.id, tb.rect, tb.style.size));
            }
        }
    }
    // Blocks of one role and one original size end at one size across the document (a title
    // and the section headings are both headings, but were never the same size).
    let roles: Vec<(Role, u32)> = set_blocks
        .iter()
        .map(|b| (b.role, (b.style.size * 2.0).round() as u32))
        .collect();
    let role_of = |tb: &TextBlock| roles.get(tb.id as usize).copied();
    if let Err(e) =
        folio_typeset::harmonize_sizes(&book, &text_blocks, &mut placed, settings, role_of)
    {
        report
            .warnings
            .push(format!("sizes could not be harmonized: {e}"));
    }
    let to_set: Vec<(&Block, TextBlock)> = set_blocks.into_iter().zip(text_blocks).collect();
    // The lines of an author or address block, split by the layout, at one size.
    if let Err(e) = harmonize_item_lines(&book, &to_set, &item_runs, &mut placed, settings) {
        report
            .warnings
            .push(format!("item lines could not be harmonized: {e}"));
    }
    report.min_scale = placed
        .iter()
        .filter(|p| !p.lines.is_empty())
        .map(|p| p.scale)
        .fold(1.0, f32::min);
    report_fit(&to_set, &placed, settings.floor, report);
    report_missing_glyphs(&to_set, &placed, report);
    let blocks = to_set
        .into_iter()
        .zip(placed)
        .map(|((block, _), placed)| SetBlock { block, placed })
        .collect();
    Typeset { book, blocks }
}

/// Reports each block that did not fit (drawn overflowing its box) or fit only below the
/// floor, with where; and one warning line for those below the floor, so a shrunk block is
/// never silent.
fn report_fit(
    to_set: &[(&Block, TextBlock)],
    placed: &[PlacedBlock],
    floor: f32,
    report: &mut Report,
) {
    let mut smallest: Option<(f32, usize)> = None;
    for ((block, _), p) in to_set.iter().zip(placed) {
        if p.lines.is_empty() {
            continue;
        }
        let percent = p.scale * 100.0;
        if p.overflowed {
            let reason = format!("text does not fit even at {percent:.0}% of its size");
            report.blocks.overflowed.push(issue(block, reason));
        } else if p.scale < floor - 0.001 {
            let reason = format!(
                "set at {percent:.0}% of its size, below the floor of {:.0}%",
                floor * 100.0
            );
            if smallest.is_none_or(|(scale, _)| p.scale < scale) {
                smallest = Some((p.scale, report.blocks.below_floor.len()));
            }
            report.blocks.below_floor.push(issue(block, reason));
        }
    }
    if let Some((_, i)) = smallest {
        let below = &report.blocks.below_floor;
        report.warnings.push(format!(
            "{} block(s) set below the floor of {:.0}% of their size (blocks.below_floor); the smallest, on page {}: {}",
            below.len(),
            floor * 100.0,
            below[i].page,
            below[i].reason
        ));
    }
}

/// Reports each block with characters no font has (drawn as empty boxes), and one warning
/// naming a few of them: such text is as good as lost to a reader.
fn report_missing_glyphs(
    to_set: &[(&Block, TextBlock)],
    placed: &[PlacedBlock],
    report: &mut Report,
) {
    let mut all = std::collections::BTreeSet::new();
    for ((block, _), p) in to_set.iter().zip(placed) {
        for w in &p.warnings {
            if let folio_typeset::TypesetWarning::MissingGlyphs { chars, .. } = w {
                all.extend(chars.chars());
                let reason = format!("no font has a glyph for {chars:?}");
                report.blocks.missing_glyphs.push(issue(block, reason));
            }
        }
    }
    if !all.is_empty() {
        let shown: String = all.iter().take(12).collect();
        report.warnings.push(format!(
            "{} block(s) have characters no font has, drawn as empty boxes ({shown:?}{}); \
             pass --fonts DIR with a font for them (blocks.missing_glyphs)",
            report.blocks.missing_glyphs.len(),
            if all.len() > 12 { "…" } else { "" }
        ));
    }
}

/// The blocks of one page among all the document's, which the layout gives page by page: a
/// block's surroundings are looked for there, not among every block of a long book.
fn on_page(blocks: &[Block], page: u32) -> &[Block] {
    let start = blocks.partition_point(|b| b.id.page < page);
    let end = start + blocks[start..].partition_point(|b| b.id.page == page);
    &blocks[start..end]
}

/// A block's translation as the typesetter takes it: plain text with style spans, the
/// original box and look, the free space around it that the text may grow into (inside the
/// clip that cut the original text, if one did), and, for
/// text that came back unchanged, the lines it had.
#[expect(
    clippy::too_many_arguments,
    reason = "the block and what it is set among"
)]
fn text_block(
    doc: &Document,
    drawn: &Drawn,
    block: &Block,
    id: u32,
    translation: &str,
    page_blocks: &[Block],
    originals: &HashMap<FontId, FaceId>,
    lang: &str,
) -> TextBlock {
    let (text, spans) = spans::resolve(doc, drawn, block, translation, originals);
    let unchanged = spans::resolve(doc, drawn, block, &block.source, originals).0 == text;
    let original = drawn.original.clone().filter(|_| unchanged);
    // Vertical writing stays vertical in a language written so, or when the text came back
    // unchanged; in another it is set horizontally in the columns' box, left to right from
    // its top.
    let vertical = block.style.vertical && (unchanged || folio_typeset::writes_vertically(lang));
    let style = text_style(doc, drawn, block, originals, vertical);
    let mut free = space::free_space(doc, block, page_blocks);
    // Text a clip cut grows only inside that clip: beyond it, it would be cut away.
    if let Some(clip) = drawn.clip {
        free = free.iter().filter_map(|r| r.intersection(&clip)).collect();
    }
    TextBlock {
        id,
        rect: space::own_box(block, page_blocks, style.first_baseline),
        free,
        text,
        spans,
        style,
        lang: Some(lang.to_string()),
        original,
    }
}

/// The original block's look: its font (its own face where the book has it), size, colour,
/// alignment, indents, leading and first baseline; set in columns when `vertical`.
fn text_style(
    doc: &Document,
    drawn: &Drawn,
    block: &Block,
    originals: &HashMap<FontId, FaceId>,
    vertical: bool,
) -> TextStyle {
    let font = doc.font(block.style.font);
    let across_columns = block.style.vertical && !vertical;
    let style = TextStyle {
        font: FontQuery {
            // A font written vertically draws its codes down the page: text set across the
            // columns is set in the book's faces.
            original: originals
                .get(&block.style.font)
                .copied()
                .filter(|_| !across_columns),
            ..FontQuery::like(font)
        },
        size: block.style.size,
        color: block.style.color,
        // A heading of two lines may look justified; spreading its words never helps it.
        align: match (block.role, block.style.align) {
            (Role::Heading, folio_doc::Align::Justify) => folio_doc::Align::Left,
            (_, align) => align,
        },
        indent_first: block.style.first_indent.max(0.0),
        indent_rest: (-block.style.first_indent).max(0.0),
        line_height: (block.style.line_height > 0.0).then_some(block.style.line_height),
        ascent: Some(font.ascent),
        descent: Some(font.descent),
        x_height: font.x_height,
        first_baseline: drawn.first_baseline,
        vertical,
        right_to_left: folio_doc::mostly_right_to_left([block.source.as_str()]),
    };
    if across_columns {
        // Indents down a column mean nothing across a line, and the columns' pitch is far
        // wider than horizontal lines need.
        TextStyle {
            align: folio_doc::Align::Left,
            indent_first: 0.0,
            indent_rest: 0.0,
            line_height: style
                .line_height
                .map(|h| h.min(ACROSS_COLUMNS_LEADING * style.size)),
            ..style
        }
    } else {
        style
    }
}

/// The line height, × the size, at most, of vertical writing set horizontally: the leading of
/// ordinary text, not the distance between columns (often 1.7 × the size or more).
const ACROSS_COLUMNS_LEADING: f32 = 1.3;

/// A block that went wrong, for the report.
pub(crate) fn issue(block: &Block, reason: String) -> SegmentIssue {
    SegmentIssue {
        page: block.id.page + 1,
        block: block.id,
        bbox: block.bbox,
        reason,
    }
}
