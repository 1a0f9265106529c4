//! Content-stream surgery: cut glyphs out of text operators, draw new text.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use folio_doc::Matrix;
use hayro_syntax::content::UntypedIter;
use hayro_syntax::object::Object;

use super::font::EmbeddedFont;
use folio_doc::{PlacedBlock, PlacedLine};

use super::font_name;
use crate::read::GlyphSite;

/// The glyphs to cut from one content stream, by operator index.
#[derive(Debug, Default)]
pub(crate) struct Cuts {
    by_op: HashMap<u32, Vec<GlyphSite>>,
}

impl Cuts {
    /// Notes a glyph to cut.
    pub fn add(&mut self, site: &GlyphSite) {
        let list = self.by_op.entry(site.addr.op).or_default();
        if !list
            .iter()
            .any(|s| s.item == site.item && s.start == site.start)
        {
            list.push(*site);
        }
    }

    /// Whether there is nothing to cut.
    pub fn is_empty(&self) -> bool {
        self.by_op.is_empty()
    }
}

/// One element of a rebuilt `TJ` array.
enum Elem {
    Bytes(Vec<u8>),
    Adjust(f64),
}

/// Copies `data` operator by operator, replacing each operator with cuts by a `TJ` that draws
/// only the kept codes and moves over the cut ones by the same distance.
pub(crate) fn rewrite(data: &[u8], cuts: &Cuts) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut iter = UntypedIter::new(data);
    let base = data.as_ptr() as usize;
    let mut index: u32 = 0;
    let mut prev_end = 0usize;
    let mut prev_was_inline_image = false;
    while let Some(instr) = iter.next() {
        let op: &[u8] = instr.operator;
        let at = (op.as_ptr() as usize).wrapping_sub(base);
        if at > data.len() || at + op.len() > data.len() {
            // An operator spelled with #-escapes is not a slice of the stream.
            return Err(format!("operator {index} cannot be located in the stream"));
        }
        let end = at + op.len();
        match cuts.by_op.get(&index) {
            None => out.extend_from_slice(&data[prev_end..end]),
            Some(sites) => {
                if prev_was_inline_image {
                    // The inline image's data sits between `BI` and this operator.
                    let segment = &data[prev_end..end];
                    if let Some(ei) = segment.windows(2).rposition(|w| w == b"EI") {
                        out.extend_from_slice(&segment[..ei + 2]);
                    }
                }
                let operands: Vec<Object<'_>> = instr.operands().cloned().collect();
                out.push(b'\n');
                rebuilt(op, &operands, sites, &mut out)
                    .map_err(|e| format!("operator {index}: {e}"))?;
            }
        }
        prev_was_inline_image = op == b"BI";
        prev_end = end;
        index += 1;
    }
    out.extend_from_slice(&data[prev_end.min(data.len())..]);
    Ok(out)
}

/// Writes the replacement of a text-showing operator.
fn rebuilt(
    op: &[u8],
    operands: &[Object<'_>],
    sites: &[GlyphSite],
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let number = |o: Option<&Object<'_>>| match o {
        Some(Object::Number(n)) => Ok(n.as_f64()),
        _ => Err("expected a number operand".to_string()),
    };
    let items: Vec<Object<'_>> = match op {
        b"Tj" | b"'" => operands.first().cloned().into_iter().collect(),
        b"\"" => operands.get(2).cloned().into_iter().collect(),
        b"TJ" => match operands.first() {
            Some(Object::Array(a)) => a.iter::<Object<'_>>().collect(),
            _ => return Err("TJ without an array".into()),
        },
        other => {
            return Err(format!(
                "'{}' is not a text-showing operator",
                String::from_utf8_lossy(other)
            ));
        }
    };
    match op {
        b"'" => out.extend_from_slice(b"T* "),
        b"\"" => {
            let (aw, ac) = (number(operands.first())?, number(operands.get(1))?);
            let _ = write!(Fmt(out), "{} Tw {} Tc T* ", num(aw), num(ac));
        }
        _ => {}
    }
    let mut elems: Vec<Elem> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Object::String(s) => {
                let bytes = s.as_bytes();
                let mut cut: Vec<&GlyphSite> =
                    sites.iter().filter(|s| s.item == i as u32).collect();
                cut.sort_by_key(|s| s.start);
                let mut at = 0usize;
                for site in cut {
                    let (start, end) = (site.start as usize, (site.start + site.len) as usize);
                    if start < at || end > bytes.len() {
                        return Err("glyph position outside its string".into());
                    }
                    if start > at {
                        elems.push(Elem::Bytes(bytes[at..start].to_vec()));
                    }
                    elems.push(Elem::Adjust(site.tj));
                    at = end;
                }
                if at < bytes.len() {
                    elems.push(Elem::Bytes(bytes[at..].to_vec()));
                }
            }
            Object::Number(n) => elems.push(Elem::Adjust(n.as_f64())),
            _ => {}
        }
    }
    out.push(b'[');
    let mut pending = 0.0;
    for e in elems {
        match e {
            Elem::Adjust(n) => pending += n,
            Elem::Bytes(b) => {
                if pending != 0.0 {
                    let _ = write!(Fmt(out), "{} ", tj(pending));
                    pending = 0.0;
                }
                out.push(b'<');
                for byte in b {
                    let _ = write!(Fmt(out), "{byte:02X}");
                }
                out.extend_from_slice(b"> ");
            }
        }
    }
    if pending != 0.0 {
        let _ = write!(Fmt(out), "{}", tj(pending));
    }
    out.extend_from_slice(b"] TJ\n");
    Ok(())
}

/// The faces runs can be drawn with: embedded subsets and original fonts.
pub(crate) struct Faces<'a> {
    /// Subset fonts, by face key.
    pub embedded: &'a HashMap<u32, EmbeddedFont>,
    /// The `Identity-V` companions of the subset fonts that vertical runs use, by face key.
    pub vertical: &'a HashMap<u32, lopdf::ObjectId>,
    /// Original fonts (dictionary, bytes per code), by face key.
    pub originals: &'a HashMap<u32, &'a folio_doc::OriginalFont>,
}

/// How new text is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextMode {
    /// Filled, as text usually is (`0 Tr`, the default).
    Fill,
    /// Invisible (`3 Tr`): found by search and copy, not seen (ISO 32000-2, 9.3.6).
    Invisible,
}

/// `q <to_user> cm`: what the page's new drawing starts with, so it is set in display
/// coordinates.
fn concat_user(to_user: &Matrix) -> String {
    let m = to_user.0;
    format!(
        "q {} {} {} {} {} {} cm",
        num(m[0]),
        num(m[1]),
        num(m[2]),
        num(m[3]),
        num(m[4]),
        num(m[5])
    )
}

/// Paints each cover, a filled rectangle in its colour, in display coordinates: what new text
/// on a page image is set over. Outside any text object, in its own `q … Q`.
pub(crate) fn draw_covers(covers: &[folio_doc::Cover], to_user: &Matrix) -> Vec<u8> {
    let mut s = concat_user(to_user);
    s.push('\n');
    for cover in covers {
        let [r, g, b] = cover.color.0;
        let rect = cover.rect;
        let _ = writeln!(
            s,
            "{} {} {} rg {} {} {} {} re f",
            num(r as f64 / 255.0),
            num(g as f64 / 255.0),
            num(b as f64 / 255.0),
            num(rect.x0 as f64),
            num(rect.y0 as f64),
            num(rect.width() as f64),
            num(rect.height() as f64)
        );
    }
    s.push_str("Q\n");
    s.into_bytes()
}

/// Draws the blocks' runs in display coordinates: the whole page's new text sits in
/// `q <to_user> cm … Q`, and each run's text matrix flips y back (`1 0 skew -1 x y Tm`), so
/// glyphs stand upright. Collects the font resource names used in `names`.
pub(crate) fn draw_blocks(
    blocks: &[PlacedBlock],
    to_user: &Matrix,
    faces: &Faces<'_>,
    mode: TextMode,
    names: &mut Vec<(String, lopdf::ObjectId)>,
) -> Vec<u8> {
    let mut s = concat_user(to_user);
    s.push_str(" BT");
    s.push_str(match mode {
        TextMode::Fill => "\n",
        TextMode::Invisible => " 3 Tr\n",
    });
    for block in blocks {
        if let Some(clip) = block.clip {
            // Text the clip cut in the original is drawn under it (paths end outside BT).
            let _ = writeln!(
                s,
                "ET q {} {} {} {} re W n BT",
                num(clip.x0 as f64),
                num(clip.y0 as f64),
                num(clip.width() as f64),
                num(clip.height() as f64)
            );
        }
        for line in &block.lines {
            for r in 0..line.runs.len() {
                draw_run(&mut s, block, line, r, faces, names);
            }
        }
        if block.clip.is_some() {
            s.push_str("ET Q BT\n");
        }
    }
    s.push_str("ET Q\n");
    s.into_bytes()
}

/// Draws run `index` of a line: its font, colour and text matrix, then its glyphs in one `TJ`,
/// split where a word's glyphs need `/ActualText` to read back as written.
fn draw_run(
    s: &mut String,
    block: &PlacedBlock,
    line: &PlacedLine,
    index: usize,
    faces: &Faces<'_>,
    names: &mut Vec<(String, lopdf::ObjectId)>,
) {
    let run = &line.runs[index];
    let key = run.face.0;
    let embedded = faces.embedded.get(&key);
    let original = faces.originals.get(&key).copied();
    let size = run.size as f64;
    if size <= 0.0 {
        return;
    }
    if run.vertical {
        // An embedded face through its Identity-V companion; an original font of a vertical
        // block is itself written vertically, and draws its own codes down the column.
        let column = match (embedded, original) {
            (Some(font), _) => faces.vertical.get(&key).map(|&v| {
                let code = |id: u32| font.cid.get(&(id as u16)).map(|&c| (c as u32, 2u8));
                (
                    format!("{}V", font_name(key)),
                    v,
                    Box::new(code) as Box<CodeOf<'_>>,
                )
            }),
            (None, Some(o)) => {
                let code = |id: u32| Some((id, o.code_bytes));
                let dict = (o.dict.num, o.dict.generation);
                Some((font_name(key), dict, Box::new(code) as Box<CodeOf<'_>>))
            }
            (None, None) => None,
        };
        if let Some((name, font, code)) = column {
            if !names.iter().any(|(n, _)| *n == name) {
                names.push((name.clone(), font));
            }
            draw_column(s, run, &name, &*code);
        }
        return;
    }
    let resource = match (embedded, original) {
        (Some(font), _) => font.font,
        (None, Some(o)) => (o.dict.num, o.dict.generation),
        (None, None) => return,
    };
    let name = font_name(key);
    if !names.iter().any(|(n, _)| *n == name) {
        names.push((name.clone(), resource));
    }
    let [r, g, b] = run.color.0;
    let _ = writeln!(
        s,
        "/{name} {} Tf {} {} {} rg 1 0 {} -1 {} {} Tm",
        num(size),
        num(r as f64 / 255.0),
        num(g as f64 / 255.0),
        num(b as f64 / 255.0),
        num(run.synthetic.skew as f64),
        num(run.origin.x as f64),
        num(run.origin.y as f64)
    );
    let actual = embedded.map_or_else(Vec::new, |font| actual_texts(block, line, index, font));
    let mut actual = actual.iter().peekable();
    // The glyph index where the open `/ActualText` span ends, and where the current `TJ`
    // array's content starts (to leave out an empty one).
    let mut span_end: Option<usize> = None;
    let mut array_start;
    s.push('[');
    array_start = s.len();
    let mut rise = 0.0f64;
    // Pen moves not yet written, in TJ units (thousandths of an em, positive to the left):
    // moves below half a unit wait and add up, so they are never lost.
    let mut carry = 0.0f64;
    for (i, glyph) in run.glyphs.iter().enumerate() {
        if span_end.is_some_and(|end| i >= end) {
            end_array(s, array_start);
            s.push_str("EMC [");
            array_start = s.len();
            span_end = None;
        }
        if let Some((glyphs, text)) = actual.next_if(|(glyphs, _)| glyphs.start == i) {
            end_array(s, array_start);
            let _ = write!(s, "/Span<</ActualText{}>>BDC [", utf16_hex(text));
            array_start = s.len();
            span_end = Some(glyphs.end);
        }
        // What to show and how far the font itself moves the pen for it.
        let (code, code_bytes, natural) = match (embedded, original) {
            (Some(font), _) => {
                let Some(&cid) = glyph.id.and_then(|id| font.cid.get(&(id as u16))) else {
                    continue;
                };
                (
                    cid as u32,
                    2,
                    font.widths.get(&cid).copied().unwrap_or(0.0) as f64 / 1000.0 * size,
                )
            }
            (None, Some(font)) => {
                let Some(code) = glyph.id else {
                    // Nothing to draw: the pen only moves.
                    carry -= glyph.advance as f64 * 1000.0 / size;
                    continue;
                };
                let natural = font
                    .advances
                    .get(&code)
                    .map_or(glyph.advance as f64, |&a| a as f64 * size);
                (code, font.code_bytes, natural)
            }
            (None, None) => continue,
        };
        let (dx, dy) = (glyph.dx as f64, glyph.dy as f64);
        let want_rise = -dy;
        if (want_rise - rise).abs() > 1e-3 {
            // Text rise cannot change inside a TJ: close it, set the rise, reopen.
            let _ = write!(s, "] TJ {} Ts [", num(want_rise));
            rise = want_rise;
        }
        carry -= dx * 1000.0 / size;
        if carry.abs() >= 0.5 {
            let _ = write!(s, " {} ", tj(carry));
            carry = 0.0;
        }
        s.push('<');
        for i in (0..code_bytes).rev() {
            let _ = write!(s, "{:02X}", (code >> (8 * i)) & 0xFF);
        }
        s.push('>');
        carry += (natural - glyph.advance as f64 + dx) * 1000.0 / size;
    }
    if span_end.is_some() {
        end_array(s, array_start);
        s.push_str("EMC");
    } else {
        s.push_str("] TJ");
    }
    if rise != 0.0 {
        s.push_str(" 0 Ts");
    }
    s.push('\n');
}

/// Draws a vertical run in the face's `Identity-V` font `name`: the pen starts at the run's
/// origin (the top of the column's centre line) and each glyph hangs below it, centred; the
/// font moves the pen down an em a glyph, and a glyph's other advance is a `TJ` move (in
/// vertical writing a positive number moves the pen further down, ISO 32000-2, 9.4.4).
/// A glyph id's character code and its length in bytes, in the font a run is drawn with.
type CodeOf<'a> = dyn Fn(u32) -> Option<(u32, u8)> + 'a;

/// `code` gives a glyph id's character code and its length in bytes.
fn draw_column(s: &mut String, run: &folio_doc::GlyphRun, name: &str, code: &CodeOf<'_>) {
    let size = run.size as f64;
    let [r, g, b] = run.color.0;
    let _ = write!(
        s,
        "/{name} {} Tf {} {} {} rg 1 0 0 -1 {} {} Tm [",
        num(size),
        num(r as f64 / 255.0),
        num(g as f64 / 255.0),
        num(b as f64 / 255.0),
        num(run.origin.x as f64),
        num(run.origin.y as f64)
    );
    let mut carry = 0.0f64;
    for glyph in &run.glyphs {
        let Some((code, bytes)) = glyph.id.and_then(code) else {
            carry += glyph.advance as f64 * 1000.0 / size;
            continue;
        };
        if carry.abs() >= 0.5 {
            let _ = write!(s, " {} ", tj(carry));
            carry = 0.0;
        }
        s.push('<');
        for i in (0..bytes).rev() {
            let _ = write!(s, "{:02X}", (code >> (8 * i)) & 0xFF);
        }
        s.push('>');
        carry += (glyph.advance as f64 - size) * 1000.0 / size;
    }
    s.push_str("] TJ\n");
}

/// Ends the open `TJ` array (`[` at `start - 1`): shows it, or takes the `[` back when
/// nothing was put in it.
fn end_array(s: &mut String, start: usize) {
    if s.len() == start {
        s.pop();
    } else {
        s.push_str("] TJ ");
    }
}

/// The stretches of run `r`'s glyphs whose text ToUnicode would not give back, each with
/// the text they stand for: a word (clusters following one another in the text, no white
/// space) any of whose clusters reads back otherwise, e.g. a Devanagari vowel sign drawn
/// before its consonant, or a glyph standing for several texts in the document. Clusters of
/// a right-to-left run are drawn in reverse, so each stands alone, its text in logical
/// order: readers order right-to-left text themselves, per glyph (ISO 32000-2, 14.9.4).
fn actual_texts(
    block: &PlacedBlock,
    line: &PlacedLine,
    r: usize,
    font: &EmbeddedFont,
) -> Vec<(Range<usize>, String)> {
    let glyphs = &line.runs[r].glyphs;
    let mut out = Vec::new();
    // The current word: its glyphs, its text (a byte range of the block's), whether it needs
    // `/ActualText`.
    let mut word: Option<(Range<usize>, Range<u32>, bool)> = None;
    let flush = |out: &mut Vec<(Range<usize>, String)>,
                 word: Option<(Range<usize>, Range<u32>, bool)>| {
        if let Some((glyphs, text, true)) = word
            && let Some(text) = block.text.get(text.start as usize..text.end as usize)
        {
            out.push((glyphs, text.to_owned()));
        }
    };
    let mut i = 0;
    while i < glyphs.len() {
        let range = glyphs[i].text.clone();
        let mut j = i + 1;
        while j < glyphs.len() && glyphs[j].text == range {
            j += 1;
        }
        let want = block.glyph_text(line, r, i);
        let read: String = glyphs[i..j]
            .iter()
            .filter_map(|g| g.id)
            .filter_map(|id| font.texts.get(&u16::try_from(id).ok()?))
            .map(String::as_str)
            .collect();
        let wrong = read != want;
        let blank = want.chars().all(char::is_whitespace);
        match &mut word {
            Some((g, t, needs)) if !blank && t.end == range.start && range.start < range.end => {
                g.end = j;
                t.end = range.end;
                *needs |= wrong;
            }
            _ => {
                flush(&mut out, word.take());
                if blank || range.is_empty() {
                    // White space, or a hyphen added at the end of a line: alone.
                    if wrong && !want.is_empty() {
                        out.push((i..j, want.to_owned()));
                    }
                } else {
                    word = Some((i..j, range, wrong));
                }
            }
        }
        i = j;
    }
    flush(&mut out, word);
    out
}

/// Text as a PDF text string in UTF-16BE with its byte order mark, written in hex.
fn utf16_hex(text: &str) -> String {
    let mut s = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(s, "{unit:04X}");
    }
    s.push('>');
    s
}

/// A number as content streams want it: no exponent, at most 4 decimals, no trailing zeros.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A `TJ` adjustment, in thousandths of an em: a tenth of a unit (0.001 pt at 10 pt) is finer
/// than any renderer places glyphs, and the shorter numbers keep content streams small.
fn tj(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.1}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// `fmt::Write` into a byte vector.
struct Fmt<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Fmt<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_doc::{Address, StreamId};

    fn site(op: u32, item: u32, start: u32, len: u32, tj: f64) -> GlyphSite {
        GlyphSite {
            addr: Address {
                stream: StreamId::Page,
                op,
            },
            item,
            start,
            len,
            tj,
        }
    }

    #[test]
    fn cut_glyphs_become_adjustments_and_the_rest_is_copied() {
        let data = b"BT /F1 10 Tf 1 0 0 1 50 700 Tm (Hello) Tj [(Wor) -20 (ld)] TJ ET 0 0 m";
        let mut cuts = Cuts::default();
        // Cut "ell" of Hello (op 3 is Tj) and "W" of the TJ (op 4).
        for (i, tj) in [(1, -500.0), (2, -278.0), (3, -278.0)] {
            cuts.add(&site(3, 0, i, 1, tj));
        }
        cuts.add(&site(4, 0, 0, 1, -944.0));
        let out = String::from_utf8(rewrite(data, &cuts).unwrap()).unwrap();
        assert!(out.starts_with("BT /F1 10 Tf 1 0 0 1 50 700 Tm"), "{out}");
        assert!(out.contains("[<48> -1056 <6F> ] TJ"), "{out}");
        assert!(out.contains("[-944 <6F72> -20 <6C64> ] TJ"), "{out}");
        assert!(out.ends_with(" ET 0 0 m"), "{out}");
    }

    #[test]
    fn a_fully_cut_quote_operator_keeps_its_line_move() {
        let data = b"BT 12 TL (abc) ' ET";
        let mut cuts = Cuts::default();
        for i in 0..3 {
            cuts.add(&site(2, 0, i, 1, -500.0));
        }
        let out = String::from_utf8(rewrite(data, &cuts).unwrap()).unwrap();
        assert!(out.contains("T* [-1500] TJ"), "{out}");
    }

    #[test]
    fn untouched_streams_are_copied_byte_for_byte() {
        let data = b"q 1 0 0 1 0 0 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x00 EI Q BT (x) Tj ET";
        assert_eq!(rewrite(data, &Cuts::default()).unwrap(), data.to_vec());
    }

    #[test]
    fn a_clipped_block_is_drawn_under_its_clip() {
        let mut clipped =
            PlacedBlock::empty(0, folio_doc::Rect::new(10.0, 20.0, 110.0, 40.0), 10.0);
        clipped.clip = Some(folio_doc::Rect::new(10.0, 20.0, 60.0, 40.0));
        let whole = PlacedBlock::empty(1, folio_doc::Rect::new(10.0, 50.0, 110.0, 70.0), 10.0);
        let (embedded, originals) = (HashMap::new(), HashMap::new());
        let faces = Faces {
            embedded: &embedded,
            vertical: &HashMap::new(),
            originals: &originals,
        };
        let out = draw_blocks(
            &[clipped, whole],
            &Matrix::IDENTITY,
            &faces,
            TextMode::Fill,
            &mut Vec::new(),
        );
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "q 1 0 0 1 0 0 cm BT\nET q 10 20 50 20 re W n BT\nET Q BT\nET Q\n"
        );
    }

    #[test]
    fn covers_are_filled_rectangles_and_invisible_text_sets_render_mode_3() {
        let cover = folio_doc::Cover {
            rect: folio_doc::Rect::new(10.0, 20.0, 60.0, 30.0),
            color: folio_doc::Rgb([255, 0, 51]),
        };
        let out = String::from_utf8(draw_covers(&[cover], &Matrix::IDENTITY)).unwrap();
        assert_eq!(out, "q 1 0 0 1 0 0 cm\n1 0 0.2 rg 10 20 50 10 re f\nQ\n");
        let (embedded, originals) = (HashMap::new(), HashMap::new());
        let faces = Faces {
            embedded: &embedded,
            vertical: &HashMap::new(),
            originals: &originals,
        };
        let block = PlacedBlock::empty(0, folio_doc::Rect::new(0.0, 0.0, 9.0, 9.0), 10.0);
        let out = draw_blocks(
            &[block],
            &Matrix::IDENTITY,
            &faces,
            TextMode::Invisible,
            &mut Vec::new(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "q 1 0 0 1 0 0 cm BT 3 Tr\nET Q\n"
        );
    }

    /// A one-line block of `text` in face 7, its glyphs `(glyph id, text range)` drawn in
    /// that order, and face 7 embedded with ToUnicode texts `to_unicode` (glyph id → text).
    fn drawn(
        text: &str,
        glyphs: &[(u32, Range<u32>)],
        to_unicode: &[(u16, &str)],
    ) -> (String, PlacedBlock) {
        let mut block = PlacedBlock::empty(0, folio_doc::Rect::new(0.0, 0.0, 100.0, 20.0), 10.0);
        block.text = text.to_owned();
        let run = folio_doc::GlyphRun {
            face: folio_doc::FaceId(7),
            size: 10.0,
            origin: folio_doc::Point { x: 0.0, y: 10.0 },
            color: folio_doc::Rgb([0, 0, 0]),
            spans: Vec::new(),
            link: None,
            synthetic: folio_doc::Synthetic::default(),
            glyphs: glyphs
                .iter()
                .map(|(id, text)| folio_doc::PlacedGlyph {
                    id: Some(*id),
                    advance: 5.0,
                    dx: 0.0,
                    dy: 0.0,
                    text: text.clone(),
                })
                .collect(),
            vertical: false,
        };
        block.lines.push(PlacedLine {
            origin: folio_doc::Point { x: 0.0, y: 10.0 },
            width: 5.0 * glyphs.len() as f32,
            text: 0..text.len() as u32,
            hyphenated: false,
            runs: vec![run],
        });
        let font = EmbeddedFont {
            font: (9, 0),
            cid: to_unicode.iter().map(|&(g, _)| (g, g)).collect(),
            widths: to_unicode.iter().map(|&(g, _)| (g, 500.0)).collect(),
            texts: to_unicode.iter().map(|&(g, t)| (g, t.to_owned())).collect(),
            postscript_name: "Test".into(),
            base_font: "AAAAAA+Test".into(),
        };
        let embedded = HashMap::from([(7, font)]);
        let originals = HashMap::new();
        let faces = Faces {
            embedded: &embedded,
            vertical: &HashMap::new(),
            originals: &originals,
        };
        let out = draw_blocks(
            std::slice::from_ref(&block),
            &Matrix::IDENTITY,
            &faces,
            TextMode::Fill,
            &mut Vec::new(),
        );
        (String::from_utf8(out).unwrap(), block)
    }

    #[test]
    fn a_vertical_run_is_drawn_down_its_column_in_the_identity_v_font() {
        let mut block = PlacedBlock::empty(0, folio_doc::Rect::new(45.0, 100.0, 55.0, 122.0), 10.0);
        block.text = "縦書".to_owned();
        let glyph = |id: u32, text: Range<u32>, advance: f32| folio_doc::PlacedGlyph {
            id: Some(id),
            advance,
            dx: 0.0,
            dy: 0.0,
            text,
        };
        let run = folio_doc::GlyphRun {
            face: folio_doc::FaceId(7),
            size: 10.0,
            origin: folio_doc::Point { x: 50.0, y: 100.0 },
            color: folio_doc::Rgb([0, 0, 0]),
            spans: Vec::new(),
            link: None,
            synthetic: folio_doc::Synthetic::default(),
            // The first glyph takes 2 pt more than the em the font moves down.
            glyphs: vec![glyph(1, 0..3, 12.0), glyph(2, 3..6, 10.0)],
            vertical: true,
        };
        block.lines.push(PlacedLine {
            origin: run.origin,
            width: 22.0,
            text: 0..6,
            hyphenated: false,
            runs: vec![run],
        });
        let font = EmbeddedFont {
            font: (9, 0),
            cid: HashMap::from([(1, 1), (2, 2)]),
            widths: HashMap::from([(1, 1000.0), (2, 1000.0)]),
            texts: HashMap::from([(1, "縦".to_owned()), (2, "書".to_owned())]),
            postscript_name: "Test".into(),
            base_font: "AAAAAA+Test".into(),
        };
        let embedded = HashMap::from([(7, font)]);
        let vertical = HashMap::from([(7, (10, 0))]);
        let faces = Faces {
            embedded: &embedded,
            vertical: &vertical,
            originals: &HashMap::new(),
        };
        let mut names = Vec::new();
        let out = draw_blocks(
            std::slice::from_ref(&block),
            &Matrix::IDENTITY,
            &faces,
            TextMode::Fill,
            &mut names,
        );
        let out = String::from_utf8(out).unwrap();
        // Upright (y flipped back), from the column's top; a positive move goes further down.
        assert!(
            out.contains("/FolioF7V 10 Tf 0 0 0 rg 1 0 0 -1 50 100 Tm [<0001> 200 <0002>] TJ"),
            "{out}"
        );
        assert_eq!(names, [("FolioF7V".to_owned(), (10, 0))]);
    }

    #[test]
    fn a_word_to_unicode_misreads_gets_its_actual_text_and_the_rest_does_not() {
        // "कि का": the vowel sign of कि is drawn before its consonant (glyph 10 stands for
        // the whole cluster, 11 for क alone); का reads back glyph by glyph.
        let text = "कि का";
        let (out, _) = drawn(
            text,
            &[(10, 0..6), (11, 0..6), (3, 6..7), (11, 7..13), (12, 7..13)],
            &[(3, " "), (10, "कि"), (11, "क"), (12, "ा")],
        );
        assert!(
            out.contains(
                "/Span<</ActualText<FEFF0915093F>>>BDC [<000A><000B>] TJ EMC [<0003><000B><000C>] TJ"
            ),
            "{out}"
        );
        assert_eq!(out.matches("BDC").count(), 1, "{out}");
        assert_eq!(out.matches("EMC").count(), 1, "{out}");
    }

    #[test]
    fn right_to_left_clusters_get_their_actual_text_one_by_one() {
        // Two clusters drawn right to left (later text first), both misread by ToUnicode:
        // each gets its own span, so a reader orders them itself.
        let text = "لا لا";
        let (out, _) = drawn(
            text,
            &[(20, 5..9), (3, 4..5), (20, 0..4)],
            &[(3, " "), (20, "ل")],
        );
        assert_eq!(
            out.matches("/Span<</ActualText<FEFF06440627>>>BDC").count(),
            2,
            "{out}"
        );
        assert!(out.ends_with("EMC\nET Q\n"), "{out}");
        assert!(!out.contains("[]"), "{out}");
    }

    #[test]
    fn text_to_unicode_reads_back_is_drawn_without_spans() {
        let (out, _) = drawn("ab", &[(1, 0..1), (2, 1..2)], &[(1, "a"), (2, "b")]);
        assert!(out.contains("[<0001><0002>] TJ\n"), "{out}");
        assert!(!out.contains("BDC"), "{out}");
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(12.3456789), "12.3457");
    }
}
