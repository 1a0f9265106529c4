//! Content-stream surgery: cut glyphs out of text operators, draw new text.

use std::collections::HashMap;
use std::fmt::Write as _;

use folio_doc::Matrix;
use hayro_syntax::content::UntypedIter;
use hayro_syntax::object::Object;

use super::font::EmbeddedFont;
use folio_doc::{GlyphRun, PlacedBlock};

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
    names: &mut Vec<(String, u32)>,
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
        for run in block.lines.iter().flat_map(|l| &l.runs) {
            draw_run(&mut s, run, faces, names);
        }
        if block.clip.is_some() {
            s.push_str("ET Q BT\n");
        }
    }
    s.push_str("ET Q\n");
    s.into_bytes()
}

/// Draws one run: its font, colour and text matrix, then its glyphs in one `TJ`.
fn draw_run(s: &mut String, run: &GlyphRun, faces: &Faces<'_>, names: &mut Vec<(String, u32)>) {
    let key = run.face.0;
    let embedded = faces.embedded.get(&key);
    let original = faces.originals.get(&key).copied();
    if embedded.is_none() && original.is_none() {
        return;
    }
    let name = font_name(key);
    if !names.iter().any(|(n, _)| *n == name) {
        names.push((name.clone(), key));
    }
    let size = run.size as f64;
    if size <= 0.0 {
        return;
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
    s.push('[');
    let mut rise = 0.0f64;
    // Pen moves not yet written, in TJ units (thousandths of an em, positive to the left):
    // moves below half a unit wait and add up, so they are never lost.
    let mut carry = 0.0f64;
    for glyph in &run.glyphs {
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
    s.push_str("] TJ");
    if rise != 0.0 {
        s.push_str(" 0 Ts");
    }
    s.push('\n');
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

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(12.3456789), "12.3457");
    }
}
