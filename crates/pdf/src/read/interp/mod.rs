//! The content-stream interpreter: graphics and text state, glyphs with their operator
//! addresses, images and paths (ISO 32000-2, 8 and 9).
//!
//! It walks the operators one by one with `hayro-syntax`'s untyped iterator, counting every
//! operator, so that an [`Address`] names the same operator the writer will meet when it walks
//! the stream again. Form XObjects are entered (recursion-guarded) with their own stream id.
//!
//! This module walks the operators ([`Interpreter::op`]); the steps they take are beside it:
//! the state they change ([`state`]), fill colours ([`color`]), text shown as glyphs
//! ([`show`]), images and forms ([`xobjects`]). What annotations show is drawn through the
//! same walk by `super::appearances`.

#[cfg(test)]
mod clip_tests;
mod color;
mod show;
mod state;
mod xobjects;

pub(crate) use color::rgb;
pub(crate) use state::State;

use folio_doc::{Address, CompactString, Matrix, PathAsset, Point, Rect, Rgb, StreamId, Warning};
use hayro_syntax::content::UntypedIter;
use hayro_syntax::object::{Array, Dict, Name, Object, ObjectIdentifier, Stream};
use hayro_syntax::page::Resources;

use super::fonts::FontTable;
use super::warn;
use crate::limits::{Budget, DecodeError, LimitExceeded, PageBudget};
use color::{cmyk, color_space_components, gray};
use xobjects::image_size;

/// Where exactly a glyph's code sits inside its operator, and how far it moves the text
/// position: what the writer needs to remove one glyph and keep the others in place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GlyphSite {
    /// The operator.
    pub addr: Address,
    /// Index of the string in a `TJ` array (0 for `Tj`, `'` and `"`).
    pub item: u32,
    /// Byte offset of the code in that string.
    pub start: u32,
    /// Length of the code in bytes.
    pub len: u32,
    /// The glyph's advance as a `TJ` adjustment (thousandths of text space, negated), so a
    /// removed glyph can be replaced by a number that moves the pen the same distance.
    pub tj: f64,
}

/// A page's content: its `/Contents` streams decoded and concatenated, a space between them
/// (ISO 32000-2, 7.8.2: the division between streams is not significant). The reader and the
/// writer both take the page's stream from here, so operator indices agree. `None` when there
/// is none or it cannot be decoded; a stream over the limits is an error.
pub(crate) fn page_content(
    hpage: &hayro_syntax::page::Page<'_>,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, LimitExceeded> {
    let dict = hpage.raw();
    if let Some(stream) = dict.get::<Stream<'_>>(b"Contents".as_slice()) {
        return Ok(decode(budget, &stream)?.map(|d| d.into_owned()));
    }
    let Some(array) = dict.get::<Array<'_>>(b"Contents".as_slice()) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for stream in array.iter::<Stream<'_>>() {
        if let Some(data) = decode(budget, &stream)? {
            // The parts together are one stream as far as the limit is concerned.
            if out.len() as u64 + data.len() as u64 > budget.limits.max_stream_bytes {
                return Err(LimitExceeded::StreamBytes {
                    max: budget.limits.max_stream_bytes,
                });
            }
            out.extend_from_slice(&data);
            out.push(b' ');
        }
    }
    Ok(Some(out))
}

/// A stream decoded within the limits: `None` when its filters fail on it.
fn decode<'a>(
    budget: &mut Budget,
    stream: &Stream<'a>,
) -> Result<Option<std::borrow::Cow<'a, [u8]>>, LimitExceeded> {
    match budget.decode(stream) {
        Ok(data) => Ok(Some(data)),
        Err(DecodeError::Broken) => Ok(None),
        Err(DecodeError::Limit(limit)) => Err(limit),
    }
}

/// Interprets a page's content streams, appending glyphs, images and paths to `page`; when
/// `sites` is given, also records where each glyph's code sits (same order as `page.glyphs`).
/// Gives back the page's content as walked ([`page_content`]), for the writer; or the limit
/// the page went over, its walk stopped there.
pub(crate) fn interpret_page<'a>(
    hpage: &hayro_syntax::page::Page<'a>,
    page: &mut folio_doc::Page,
    fonts: &mut FontTable<'a>,
    warnings: &mut Vec<Warning>,
    budget: &mut Budget,
    sites: Option<&mut Vec<GlyphSite>>,
) -> Result<Option<Vec<u8>>, LimitExceeded> {
    let Some(data) = page_content(hpage, budget)? else {
        if hpage.raw().contains_key(b"Contents".as_slice()) {
            warn(
                warnings,
                Some(page.index),
                "the page's content stream could not be decoded",
            );
        }
        return Ok(None);
    };
    let mut interp = Interpreter {
        page_index: page.index,
        to_display: page.user_to_display,
        out: page,
        fonts,
        warnings,
        forms: Vec::new(),
        sites,
        marked: Vec::new(),
        page_budget: PageBudget::new(&budget.limits),
        budget,
    };
    let mut state = State::default();
    interp.run(&data, hpage.resources(), StreamId::Page, &mut state);
    interp.annotations(hpage);
    match interp.page_budget.exceeded {
        Some(limit) => Err(limit),
        None => Ok(Some(data)),
    }
}

/// One page's operator walk: where its glyphs, images and paths go, and what is open.
pub(crate) struct Interpreter<'p, 'a> {
    pub(crate) page_index: u32,
    pub(crate) to_display: Matrix,
    pub(crate) out: &'p mut folio_doc::Page,
    pub(crate) fonts: &'p mut FontTable<'a>,
    pub(crate) warnings: &'p mut Vec<Warning>,
    /// Forms being interpreted, to stop cycles.
    pub(crate) forms: Vec<(u32, i32)>,
    /// Where each glyph's code sits, for the writer.
    pub(crate) sites: Option<&'p mut Vec<GlyphSite>>,
    /// Open marked-content sequences: their /ActualText, if any, and the first glyph inside.
    pub(crate) marked: Vec<Option<(String, usize)>>,
    /// The document's limits and the bytes it decoded so far.
    pub(crate) budget: &'p mut Budget,
    /// This page's operators and time against the limits.
    pub(crate) page_budget: PageBudget,
}

impl<'a> Interpreter<'_, 'a> {
    fn warn(&mut self, message: impl Into<String>) {
        warn(self.warnings, Some(self.page_index), message);
    }

    /// Walks one content stream, counting its operators for their addresses.
    fn run(&mut self, data: &[u8], resources: &Resources<'a>, stream: StreamId, st: &mut State) {
        let mut iter = UntypedIter::new(data);
        let mut index: u32 = 0;
        let mut operands: Vec<Object<'_>> = Vec::new();
        let base_depth = st.stack.len();
        while let Some(instr) = iter.next() {
            if !self.page_budget.operator() {
                break;
            }
            operands.clear();
            operands.extend(instr.operands().cloned());
            let addr = Address { stream, op: index };
            index += 1;
            let op: &[u8] = instr.operator;
            self.op(op, &operands, addr, resources, st);
        }
        // Unbalanced q without Q inside a stream must not leak out of it.
        if st.stack.len() > base_depth {
            st.g = st.stack[base_depth].clone();
            st.stack.truncate(base_depth);
        }
    }

    /// Carries out one operator.
    fn op(
        &mut self,
        op: &[u8],
        args: &[Object<'_>],
        addr: Address,
        res: &Resources<'a>,
        st: &mut State,
    ) {
        let num = |i: usize| -> f64 {
            match args.get(i) {
                Some(Object::Number(n)) => n.as_f64(),
                _ => 0.0,
            }
        };
        let nums6 = || Matrix([num(0), num(1), num(2), num(3), num(4), num(5)]);
        match op {
            // Graphics state.
            b"q" if st.stack.len() < 256 => st.stack.push(st.g.clone()),
            b"q" => {}
            b"Q" => {
                if let Some(g) = st.stack.pop() {
                    st.g = g;
                }
            }
            b"cm" if args.len() >= 6 => st.g.ctm = nums6().then(&st.g.ctm),
            b"gs" => self.ext_gstate(args, res, st),

            // Colour (fill only: text colour).
            b"g" => st.g.fill = gray(num(0)),
            b"rg" => st.g.fill = rgb(num(0), num(1), num(2)),
            b"k" => st.g.fill = cmyk(num(0), num(1), num(2), num(3)),
            b"cs" => {
                let n = match args.first() {
                    Some(Object::Name(name)) => color_space_components(name, res),
                    _ => 1,
                };
                st.g.fill_components = n;
                st.g.fill = Rgb([0, 0, 0]);
            }
            b"sc" | b"scn" => {
                let values: Vec<f64> = args
                    .iter()
                    .filter_map(|o| match o {
                        Object::Number(n) => Some(n.as_f64()),
                        _ => None,
                    })
                    .collect();
                st.g.fill = match (st.g.fill_components, values.as_slice()) {
                    (1, [v, ..]) => gray(*v),
                    (3, [r, g, b, ..]) => rgb(*r, *g, *b),
                    (4, [c, m, y, k, ..]) => cmyk(*c, *m, *y, *k),
                    _ => st.g.fill,
                };
            }

            // Paths.
            b"m" => {
                st.subpaths.push(st.path.len());
                st.path.push(self.user_point(st, num(0), num(1)));
            }
            b"l" => st.path.push(self.user_point(st, num(0), num(1))),
            b"c" => {
                for i in 0..3 {
                    st.path
                        .push(self.user_point(st, num(2 * i), num(2 * i + 1)));
                }
            }
            b"v" | b"y" => {
                for i in 0..2 {
                    st.path
                        .push(self.user_point(st, num(2 * i), num(2 * i + 1)));
                }
            }
            b"re" => {
                let (x, y, w, h) = (num(0), num(1), num(2), num(3));
                st.subpaths.push(st.path.len());
                for (px, py) in [(x, y), (x + w, y), (x + w, y + h), (x, y + h)] {
                    st.path.push(self.user_point(st, px, py));
                }
            }
            b"S" | b"s" => self.paint(st, false, true, addr),
            b"f" | b"F" | b"f*" => self.paint(st, true, false, addr),
            b"B" | b"B*" | b"b" | b"b*" => self.paint(st, true, true, addr),
            b"n" => st.end_path(),
            // Clipping (ISO 32000-2, 8.5.4): the path clips once it is ended.
            b"W" | b"W*" => st.clip_pending = true,

            // Text objects and positioning.
            b"BT" => {
                st.tm = Matrix::IDENTITY;
                st.tlm = Matrix::IDENTITY;
            }
            b"Tc" => st.g.text.char_space = num(0),
            b"Tw" => st.g.text.word_space = num(0),
            b"Tz" => st.g.text.h_scale = num(0) / 100.0,
            b"TL" => st.g.text.leading = num(0),
            b"Ts" => st.g.text.rise = num(0),
            b"Tr" => st.g.text.render_mode = num(0).clamp(0.0, 7.0) as u8,
            b"Tf" => {
                st.g.text.size = num(1);
                st.g.text.font = match args.first() {
                    Some(Object::Name(name)) => self.font(name, res),
                    _ => None,
                };
            }
            b"Td" => next_line(st, num(0), num(1)),
            b"TD" => {
                st.g.text.leading = -num(1);
                next_line(st, num(0), num(1));
            }
            b"Tm" if args.len() >= 6 => {
                st.tm = nums6();
                st.tlm = st.tm;
            }
            b"T*" => next_line(st, 0.0, -st.g.text.leading),

            // Text showing.
            b"Tj" => {
                if let Some(Object::String(s)) = args.first() {
                    self.show(s.as_bytes(), st, addr, 0);
                }
            }
            b"'" => {
                next_line(st, 0.0, -st.g.text.leading);
                if let Some(Object::String(s)) = args.first() {
                    self.show(s.as_bytes(), st, addr, 0);
                }
            }
            b"\"" => {
                st.g.text.word_space = num(0);
                st.g.text.char_space = num(1);
                next_line(st, 0.0, -st.g.text.leading);
                if let Some(Object::String(s)) = args.get(2) {
                    self.show(s.as_bytes(), st, addr, 0);
                }
            }
            b"TJ" => {
                if let Some(Object::Array(items)) = args.first() {
                    self.show_array(items, st, addr);
                }
            }

            // XObjects and inline images.
            b"Do" => {
                if let Some(Object::Name(name)) = args.first() {
                    self.xobject(name, res, st, addr);
                }
            }
            b"BI" => {
                let (w, h) = match args.first() {
                    Some(Object::Stream(s)) => image_size(s.dict()),
                    _ => (0, 0),
                };
                self.image(st, None, w, h, addr);
            }
            // Marked content: only /ActualText matters to the text (ISO 32000-2, 14.9.4).
            // Google Docs draws a flag emoji as one PUA glyph and gives its text ("🇦🇹") this
            // way; pdftotext reads it. Named property lists are not looked up.
            b"BMC" => self.marked.push(None),
            b"BDC" => {
                let actual = match args.get(1) {
                    Some(Object::Dict(d)) => d
                        .get::<hayro_syntax::object::String<'_>>(b"ActualText".as_slice())
                        .map(|t| super::decode_text_string(t.as_bytes())),
                    _ => None,
                };
                self.marked.push(actual.map(|t| (t, self.out.glyphs.len())));
            }
            b"EMC" => {
                if let Some(Some((text, start))) = self.marked.pop() {
                    // The replacement text goes to the first glyph drawn inside; the others
                    // keep their place but no text.
                    for (i, g) in self.out.glyphs.iter_mut().skip(start).enumerate() {
                        g.text = if i == 0 {
                            text.as_str().into()
                        } else {
                            CompactString::default()
                        };
                    }
                }
            }
            _ => {}
        }
    }

    /// A point in user space, in display space.
    pub(crate) fn user_point(&self, st: &State, x: f64, y: f64) -> Point {
        let p = st.g.ctm.apply(x, y);
        self.to_display.apply(p.x as f64, p.y as f64)
    }

    /// Records the current path, one [`PathAsset`] per subpath, and clears it.
    fn paint(&mut self, st: &mut State, fill: bool, stroke: bool, addr: Address) {
        let mut starts = st.subpaths.clone();
        if starts.first() != Some(&0) {
            starts.insert(0, 0);
        }
        starts.push(st.path.len());
        for w in starts.windows(2) {
            let points = st.path.get(w[0]..w[1]).unwrap_or_default();
            if let Some(bbox) = Rect::bounding(points.iter().copied()) {
                self.out.paths.push(PathAsset {
                    bbox,
                    fill,
                    stroke,
                    addr,
                });
            }
        }
        st.end_path();
    }

    /// The font table index of the font resource `name`, warning when it is missing.
    pub(crate) fn font(&mut self, name: &Name<'_>, res: &Resources<'a>) -> Option<usize> {
        let Some(dict) = res.get_font(name) else {
            self.warn(format!("font /{} is not in the resources", name.as_str()));
            return None;
        };
        let object = res.fonts.get_ref(name).map(ObjectIdentifier::from);
        let (index, ok) = self.fonts.load(&dict, object);
        if !ok {
            let font = self.fonts.info(index).name.clone();
            self.warn(format!(
                "font {font} (/{}) could not be loaded; its text may be wrong",
                name.as_str()
            ));
        }
        Some(index)
    }

    /// Applies an `ExtGState` resource (`gs`).
    fn ext_gstate(&mut self, args: &[Object<'_>], res: &Resources<'a>, st: &mut State) {
        let Some(Object::Name(name)) = args.first() else {
            return;
        };
        let Some(gs) = res.get_ext_g_state(name) else {
            return;
        };
        // /Font [font size] sets the text font like Tf.
        if let Some(arr) = gs.get::<Array<'_>>(b"Font".as_slice()) {
            let mut it = arr.flex_iter();
            if let (Some(font), Some(size)) = (it.next::<Dict<'_>>(), it.next::<f64>()) {
                // Taken as direct, whether or not it is: the font is read, not drawn with.
                let (index, _) = self.fonts.load(&font, None);
                st.g.text.font = Some(index);
                st.g.text.size = size;
            }
        }
    }
}

/// Starts the next line, offset by `(tx, ty)` from the start of the current one (`Td`, `T*`).
fn next_line(st: &mut State, tx: f64, ty: f64) {
    st.tlm = Matrix::translate(tx, ty).then(&st.tlm);
    st.tm = st.tlm;
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_strings_decode() {
        assert_eq!(
            crate::read::decode_text_string(b"\xFE\xFF\xD8\x3C\xDD\xE6\xD8\x3C\xDD\xF9"),
            "🇦🇹"
        );
        assert_eq!(crate::read::decode_text_string(b"caf\xE9"), "café");
    }
}
