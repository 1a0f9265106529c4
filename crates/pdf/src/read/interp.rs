//! The content-stream interpreter: graphics and text state, glyphs with their operator
//! addresses, images and paths (ISO 32000-2, 8 and 9).
//!
//! It walks the operators one by one with `hayro-syntax`'s untyped iterator, counting every
//! operator, so that an [`Address`] names the same operator the writer will meet when it walks
//! the stream again. Form XObjects are entered (recursion-guarded) with their own stream id.

use folio_doc::{
    Address, CompactString, Glyph, ImageAsset, Matrix, PathAsset, Point, Rect, Rgb, StreamId,
    Warning,
};
use hayro_syntax::content::UntypedIter;
use hayro_syntax::object::{Array, Dict, Name, Object, Stream};
use hayro_syntax::page::Resources;

use super::fonts::FontTable;
use super::{obj_ref, warn};

/// Form XObjects nest at most this deep; deeper (or cyclic) ones are skipped with a warning.
const MAX_FORM_DEPTH: usize = 12;

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
/// writer both take the page's stream from here, so operator indices agree.
pub(crate) fn page_content(hpage: &hayro_syntax::page::Page<'_>) -> Option<Vec<u8>> {
    let dict = hpage.raw();
    if let Some(stream) = dict.get::<Stream<'_>>(b"Contents".as_slice()) {
        return stream.decoded().ok().map(|d| d.into_owned());
    }
    let array = dict.get::<Array<'_>>(b"Contents".as_slice())?;
    let mut out = Vec::new();
    for stream in array.iter::<Stream<'_>>() {
        if let Ok(data) = stream.decoded() {
            out.extend_from_slice(&data);
            out.push(b' ');
        }
    }
    Some(out)
}

/// Interprets a page's content streams, appending glyphs, images and paths to `page`; when
/// `sites` is given, also records where each glyph's code sits (same order as `page.glyphs`).
pub(crate) fn interpret_page<'a>(
    hpage: &hayro_syntax::page::Page<'a>,
    page: &mut folio_doc::Page,
    fonts: &mut FontTable<'a>,
    warnings: &mut Vec<Warning>,
    sites: Option<&mut Vec<GlyphSite>>,
) {
    let Some(data) = page_content(hpage) else {
        if hpage.raw().contains_key(b"Contents".as_slice()) {
            warn(
                warnings,
                Some(page.index),
                "the page's content stream could not be decoded",
            );
        }
        return;
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
    };
    let mut state = State::default();
    interp.run(&data, hpage.resources(), StreamId::Page, &mut state);
    interp.annotations(hpage);
}

/// Graphics state that `q`/`Q` save and restore.
#[derive(Clone)]
struct GState {
    ctm: Matrix,
    fill: Rgb,
    fill_components: u8,
    text: TextState,
}

impl Default for GState {
    fn default() -> Self {
        Self {
            ctm: Matrix::IDENTITY,
            fill: Rgb([0, 0, 0]),
            fill_components: 1,
            text: TextState::default(),
        }
    }
}

/// Text state parameters (ISO 32000-2, 9.3), part of the graphics state.
#[derive(Clone)]
struct TextState {
    font: Option<usize>,
    size: f64,
    char_space: f64,
    word_space: f64,
    /// `Tz` / 100.
    h_scale: f64,
    leading: f64,
    rise: f64,
    render_mode: u8,
}

impl Default for TextState {
    fn default() -> Self {
        Self {
            font: None,
            size: 0.0,
            char_space: 0.0,
            word_space: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            render_mode: 0,
        }
    }
}

/// All interpreter state of one content stream walk.
#[derive(Default)]
struct State {
    g: GState,
    stack: Vec<GState>,
    tm: Matrix,
    tlm: Matrix,
    /// The current path's points, already in display space.
    path: Vec<Point>,
    /// Where each subpath of `path` starts (`m`, `re`): the rules of a table drawn as one
    /// path are apart, and each is content of its own.
    subpaths: Vec<usize>,
}

struct Interpreter<'p, 'a> {
    page_index: u32,
    to_display: Matrix,
    out: &'p mut folio_doc::Page,
    fonts: &'p mut FontTable<'a>,
    warnings: &'p mut Vec<Warning>,
    /// Forms being interpreted, to stop cycles.
    forms: Vec<(u32, i32)>,
    /// Where each glyph's code sits, for the writer.
    sites: Option<&'p mut Vec<GlyphSite>>,
    /// Open marked-content sequences: their /ActualText, if any, and the first glyph inside.
    marked: Vec<Option<(String, usize)>>,
}

impl<'a> Interpreter<'_, 'a> {
    /// Draws the normal appearances of the page's widget and free-text annotations (form
    /// field values, typed notes): their text is on the page as a viewer shows it. The
    /// appearance's box, through its matrix, is fitted to the annotation's rectangle
    /// (ISO 32000-2, 12.5.5, algorithm 8.1). Hidden and no-view annotations are skipped.
    fn annotations(&mut self, hpage: &hayro_syntax::page::Page<'a>) {
        let Some(annots) = hpage.raw().get::<Array<'a>>(b"Annots".as_slice()) else {
            return;
        };
        let xref = hpage.xref();
        let acro_form = xref
            .get::<Dict<'a>>(xref.root_id())
            .and_then(|root| root.get::<Dict<'a>>(b"AcroForm".as_slice()));
        let need_appearances = acro_form
            .as_ref()
            .and_then(|f| f.get::<bool>(b"NeedAppearances".as_slice()))
            .unwrap_or(false);
        for item in annots.raw_iter() {
            let id = item.as_obj_ref();
            let annot = match item {
                hayro_syntax::object::MaybeRef::Ref(r) => xref.get::<Dict<'a>>(r.into()),
                hayro_syntax::object::MaybeRef::NotRef(o) => o.into_dict(),
            };
            let Some(annot) = annot else { continue };
            let before = self.out.glyphs.len();
            self.annotation(&annot, hpage.resources());
            // What the appearance drew is the annotation's, over the page.
            let owner = id.map_or(
                folio_doc::ObjRef {
                    num: 0,
                    generation: 0,
                },
                |id| obj_ref(id.into()),
            );
            for g in &mut self.out.glyphs[before..] {
                g.addr.stream = StreamId::Annotation(owner);
            }
            // Viewers draw a text field's value themselves when the form asks them to
            // (ISO 32000-2, 12.7.3): read it as they would show it.
            if need_appearances
                && self.out.glyphs.len() == before
                && let Some(id) = id
            {
                self.field_value(&annot, acro_form.as_ref(), hpage, obj_ref(id.into()));
            }
        }
    }

    /// The value of a text field, set as a viewer would: the `/DA` font and size (0: fit the
    /// height), 2 points in from the left, the baseline 0.4 em below the middle.
    fn field_value(
        &mut self,
        annot: &Dict<'a>,
        acro_form: Option<&Dict<'a>>,
        hpage: &hayro_syntax::page::Page<'a>,
        id: folio_doc::ObjRef,
    ) {
        let inherited = |key: &[u8]| -> Option<Object<'a>> {
            let mut node = Some(annot.clone());
            for _ in 0..16 {
                let n = node?;
                if let Some(v) = n.get::<Object<'a>>(key) {
                    return Some(v);
                }
                node = n.get::<Dict<'a>>(b"Parent".as_slice());
            }
            None
        };
        if !matches!(inherited(b"FT"), Some(Object::Name(n)) if n.as_str() == "Tx") {
            return;
        }
        let Some(Object::String(value)) = inherited(b"V") else {
            return;
        };
        let value = super::decode_text_string(value.as_bytes());
        if value.trim().is_empty() {
            return;
        }
        let da = match inherited(b"DA")
            .or_else(|| acro_form.and_then(|f| f.get::<Object<'a>>(b"DA".as_slice())))
        {
            Some(Object::String(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            _ => return,
        };
        let tokens: Vec<&str> = da.split_whitespace().collect();
        let Some(tf) = tokens.iter().position(|t| *t == "Tf") else {
            return;
        };
        let (Some(name), Some(size)) = (
            tokens.get(tf.wrapping_sub(2)),
            tokens.get(tf.wrapping_sub(1)),
        ) else {
            return;
        };
        let Some(name) = name.strip_prefix('/') else {
            return;
        };
        let rect: Vec<f64> = annot
            .get::<Array<'_>>(b"Rect".as_slice())
            .map(|a| a.iter::<f64>().collect())
            .unwrap_or_default();
        if rect.len() != 4 {
            return;
        }
        let (x0, y0) = (rect[0].min(rect[2]), rect[1].min(rect[3]));
        let height = (rect[3] - rect[1]).abs();
        let size = size
            .parse::<f64>()
            .ok()
            .filter(|s| *s > 0.0)
            .unwrap_or(height * 0.7);
        let dr = annot
            .get::<Dict<'a>>(b"DR".as_slice())
            .or_else(|| acro_form.and_then(|f| f.get::<Dict<'a>>(b"DR".as_slice())));
        let resources = match dr {
            Some(d) => Resources::new(d),
            None => hpage.resources().clone(),
        };
        let Some(font_name) = Name::new(name.as_bytes()) else {
            return;
        };
        let Some(font) = self.font(&font_name, &resources) else {
            return;
        };
        // Where poppler puts a single-line field's baseline: half the height, less 0.4 em.
        let baseline = y0 + 0.5 * height - 0.4 * size;
        let mut st = State::default();
        st.g.text.font = Some(font);
        st.g.text.size = size;
        if let Some(rg) = tokens.iter().position(|t| *t == "rg")
            && rg >= 3
        {
            let c: Vec<f64> = tokens[rg - 3..rg]
                .iter()
                .filter_map(|t| t.parse().ok())
                .collect();
            if c.len() == 3 {
                st.g.fill = rgb(c[0], c[1], c[2]);
            }
        }
        st.tm = Matrix::translate(x0 + 2.0, baseline);
        let bytes: Vec<u8> = value
            .chars()
            .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
            .collect();
        self.show(
            &bytes,
            &mut st,
            Address {
                stream: StreamId::Field(id),
                op: 0,
            },
            0,
        );
    }

    /// Draws one annotation's normal appearance, when it is a visible widget or free text.
    fn annotation(&mut self, annot: &Dict<'a>, resources: &Resources<'a>) {
        {
            let subtype = annot.get::<Name<'_>>(b"Subtype".as_slice());
            if !matches!(
                subtype.as_ref().map(|n| n.as_str()),
                Some("Widget") | Some("FreeText")
            ) {
                return;
            }
            let flags = annot.get::<u32>(b"F".as_slice()).unwrap_or(0);
            if flags & (1 << 1) != 0 || flags & (1 << 5) != 0 {
                return;
            }
            let Some(ap) = annot.get::<Dict<'a>>(b"AP".as_slice()) else {
                return;
            };
            let normal = match ap.get::<Stream<'a>>(b"N".as_slice()) {
                Some(s) => s,
                None => {
                    let state = annot.get::<Name<'_>>(b"AS".as_slice());
                    let Some(states) = ap.get::<Dict<'a>>(b"N".as_slice()) else {
                        return;
                    };
                    let Some(state) = state else { return };
                    let Some(s) = states.get::<Stream<'a>>(state.as_str().as_bytes()) else {
                        return;
                    };
                    s
                }
            };
            let numbers = |d: &Dict<'_>, key: &[u8]| -> Vec<f64> {
                d.get::<Array<'_>>(key)
                    .map(|a| a.iter::<f64>().collect())
                    .unwrap_or_default()
            };
            let rect = numbers(annot, b"Rect");
            let bbox = numbers(normal.dict(), b"BBox");
            if rect.len() != 4 || bbox.len() != 4 {
                return;
            }
            let m = numbers(normal.dict(), b"Matrix");
            let matrix = if m.len() == 6 {
                Matrix([m[0], m[1], m[2], m[3], m[4], m[5]])
            } else {
                Matrix::IDENTITY
            };
            let corners = [
                (bbox[0], bbox[1]),
                (bbox[2], bbox[1]),
                (bbox[2], bbox[3]),
                (bbox[0], bbox[3]),
            ];
            let Some(b) = Rect::bounding(corners.iter().map(|&(x, y)| matrix.apply(x, y))) else {
                return;
            };
            let (bw, bh) = (b.width() as f64, b.height() as f64);
            if bw <= 0.0 || bh <= 0.0 {
                return;
            }
            let (rx0, ry0) = (rect[0].min(rect[2]), rect[1].min(rect[3]));
            let (rw, rh) = ((rect[2] - rect[0]).abs(), (rect[3] - rect[1]).abs());
            let (sx, sy) = (rw / bw, rh / bh);
            let fit = Matrix([
                sx,
                0.0,
                0.0,
                sy,
                rx0 - b.x0 as f64 * sx,
                ry0 - b.y0 as f64 * sy,
            ]);
            let mut state = State::default();
            state.g.ctm = fit;
            self.form(&normal, resources, &mut state);
        }
    }

    fn warn(&mut self, message: impl Into<String>) {
        warn(self.warnings, Some(self.page_index), message);
    }

    fn run(&mut self, data: &[u8], resources: &Resources<'a>, stream: StreamId, st: &mut State) {
        let mut iter = UntypedIter::new(data);
        let mut index: u32 = 0;
        let mut operands: Vec<Object<'_>> = Vec::new();
        let base_depth = st.stack.len();
        while let Some(instr) = iter.next() {
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
            b"n" => {
                st.path.clear();
                st.subpaths.clear();
            }

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

    fn user_point(&self, st: &State, x: f64, y: f64) -> Point {
        let p = st.g.ctm.apply(x, y);
        self.to_display.apply(p.x as f64, p.y as f64)
    }

    /// Records the current path, one [`PathAsset`] per subpath, and clears it.
    fn paint(&mut self, st: &mut State, fill: bool, stroke: bool, addr: Address) {
        let mut starts = std::mem::take(&mut st.subpaths);
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
        st.path.clear();
    }

    fn font(&mut self, name: &Name<'_>, res: &Resources<'a>) -> Option<usize> {
        let Some(dict) = res.get_font(name) else {
            self.warn(format!("font /{} is not in the resources", name.as_str()));
            return None;
        };
        let (index, ok) = self.fonts.load(&dict);
        if !ok {
            let font = self.fonts.info(index).name.clone();
            self.warn(format!(
                "font {font} (/{}) could not be loaded; its text may be wrong",
                name.as_str()
            ));
        }
        Some(index)
    }

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
                let (index, _) = self.fonts.load(&font);
                st.g.text.font = Some(index);
                st.g.text.size = size;
            }
        }
    }

    fn show_array(&mut self, items: &Array<'_>, st: &mut State, addr: Address) {
        for (index, item) in items.iter::<Object<'_>>().enumerate() {
            match item {
                Object::String(s) => self.show(s.as_bytes(), st, addr, index as u32),
                Object::Number(n) => {
                    let t = &st.g.text;
                    let horizontal = t.font.is_none_or(|f| self.fonts.get(f).horizontal());
                    let adj = -n.as_f64() / 1000.0 * t.size;
                    let (tx, ty) = if horizontal {
                        (adj * t.h_scale, 0.0)
                    } else {
                        (0.0, adj)
                    };
                    st.tm = Matrix::translate(tx, ty).then(&st.tm);
                }
                _ => {}
            }
        }
    }

    /// Shows a string: one glyph per character code (ISO 32000-2, 9.4.4).
    fn show(&mut self, bytes: &[u8], st: &mut State, addr: Address, item: u32) {
        let Some(font_index) = st.g.text.font else {
            if !bytes.is_empty() {
                self.warn("text shown before any font was set; it is skipped");
            }
            return;
        };
        let t = st.g.text.clone();
        let font = self.fonts.get(font_index);
        let horizontal = font.horizontal();
        let font_id = font.id;
        let info = self.fonts.info(font_index);
        let (ascent, descent) = (info.ascent as f64, info.descent as f64);
        let has_to_unicode = info.has_to_unicode;

        // Text space → display: [size·Th 0 0 size 0 rise] × Tm × CTM × page.
        let device = st.g.ctm.then(&self.to_display);
        let mut at = 0;
        while at < bytes.len() {
            let font = self.fonts.get_mut(font_index);
            let (code, len) = font.read_code(bytes, at);
            let start = at;
            at += len;
            let info = font.code_info(code, len);
            let (adv_x, adv_y) = info.advance;
            let text = info.text.clone();

            let trm = Matrix([t.size * t.h_scale, 0.0, 0.0, t.size, 0.0, t.rise])
                .then(&st.tm)
                .then(&device);
            let w0 = if horizontal { adv_x / 1000.0 } else { 0.0 };
            let corners = [(0.0, descent), (w0, descent), (w0, ascent), (0.0, ascent)];
            let bbox = if horizontal {
                Rect::bounding(corners.iter().map(|&(x, y)| trm.apply(x, y)))
            } else {
                // Vertical: the glyph hangs below its origin, centred on it.
                let h = adv_y.abs() / 1000.0;
                Rect::bounding(
                    [(-0.5, 0.0), (0.5, 0.0), (0.5, -h), (-0.5, -h)]
                        .iter()
                        .map(|&(x, y)| trm.apply(x, y)),
                )
            }
            .unwrap_or_default();
            let origin = trm.apply(0.0, 0.0);
            let (ux, uy) = trm.apply_vector(0.0, 1.0);
            let (bx, by) = trm.apply_vector(1.0, 0.0);
            let size = (ux * ux + uy * uy).sqrt() as f32;
            let angle = (-by).atan2(bx).to_degrees() as f32;
            let text = match text {
                Some(s) if !s.is_empty() && s != "\0" => expand_ligatures(s),
                // A code the font's /ToUnicode leaves out is, in practice, a glyph whose text
                // another glyph of its shaped cluster carries (LibreOffice maps a Burmese or
                // Urdu cluster to its first glyph): it has no text of its own. Reading the
                // code as ASCII gave "#", "$" inside words; pdftotext gives nothing too.
                _ if has_to_unicode => CompactString::default(),
                _ => fallback_text(code, len),
            };
            self.out.glyphs.push(Glyph {
                text,
                code,
                font: font_id,
                size,
                bbox,
                origin,
                angle: normalise_angle(angle),
                color: st.g.fill,
                render_mode: t.render_mode,
                addr,
            });

            // Advance (ISO 32000-2, 9.4.4): word spacing applies to single-byte code 32 only.
            let word_space = if code == 32 && len == 1 {
                t.word_space
            } else {
                0.0
            };
            let (tx, ty) = if horizontal {
                (
                    (adv_x / 1000.0 * t.size + t.char_space + word_space) * t.h_scale,
                    0.0,
                )
            } else {
                (
                    0.0,
                    -adv_y.abs() / 1000.0 * t.size + t.char_space + word_space,
                )
            };
            st.tm = Matrix::translate(tx, ty).then(&st.tm);
            if let Some(sites) = self.sites.as_deref_mut() {
                let unit = if horizontal {
                    t.size * t.h_scale
                } else {
                    t.size
                };
                let tj = if unit.abs() > 1e-9 {
                    -(tx + ty) * 1000.0 / unit
                } else {
                    0.0
                };
                sites.push(GlyphSite {
                    addr,
                    item,
                    start: start as u32,
                    len: len as u32,
                    tj,
                });
            }
        }
    }

    fn xobject(&mut self, name: &Name<'_>, res: &Resources<'a>, st: &mut State, addr: Address) {
        let Some(stream) = res.get_x_object(name) else {
            self.warn(format!(
                "XObject /{} is not in the resources",
                name.as_str()
            ));
            return;
        };
        let dict = stream.dict().clone();
        match dict
            .get::<Name<'_>>(b"Subtype".as_slice())
            .as_ref()
            .map(|n| n.as_str())
        {
            Some("Image") => {
                let (w, h) = image_size(&dict);
                let id = stream.obj_id();
                self.image(st, Some(obj_ref(id)), w, h, addr);
            }
            Some("Form") => self.form(&stream, res, st),
            _ => {}
        }
    }

    fn form(&mut self, stream: &Stream<'a>, parent: &Resources<'a>, st: &mut State) {
        let id = stream.obj_id();
        let key = (id.obj_number, id.gen_number);
        if self.forms.len() >= MAX_FORM_DEPTH || self.forms.contains(&key) {
            self.warn(format!(
                "Form XObject {} {} R nests too deep or in a cycle; skipped",
                key.0, key.1
            ));
            return;
        }
        let Ok(data) = stream.decoded() else {
            self.warn(format!(
                "Form XObject {} {} R could not be decoded",
                key.0, key.1
            ));
            return;
        };
        let dict = stream.dict();
        let resources = match dict.get::<Dict<'_>>(b"Resources".as_slice()) {
            Some(r) => Resources::new(r),
            None => parent.clone(),
        };
        let matrix = dict
            .get::<Array<'_>>(b"Matrix".as_slice())
            .map(|a| a.iter::<f64>().collect::<Vec<_>>())
            .filter(|m| m.len() == 6)
            .map(|m| Matrix([m[0], m[1], m[2], m[3], m[4], m[5]]))
            .unwrap_or(Matrix::IDENTITY);

        // A form runs in a saved graphics state, with its matrix prepended (ISO 32000-2, 8.10.1).
        let saved_g = st.g.clone();
        let saved_stack = std::mem::take(&mut st.stack);
        let saved_text = (st.tm, st.tlm);
        let saved_path = (
            std::mem::take(&mut st.path),
            std::mem::take(&mut st.subpaths),
        );
        st.g.ctm = matrix.then(&st.g.ctm);
        self.forms.push(key);
        self.run(&data, &resources, StreamId::Form(obj_ref(id)), st);
        self.forms.pop();
        st.g = saved_g;
        st.stack = saved_stack;
        (st.tm, st.tlm) = saved_text;
        (st.path, st.subpaths) = saved_path;
    }

    fn image(
        &mut self,
        st: &State,
        xobject: Option<folio_doc::ObjRef>,
        width: u32,
        height: u32,
        addr: Address,
    ) {
        // An image fills the unit square of user space (ISO 32000-2, 8.9.4).
        let corners = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        if let Some(bbox) = Rect::bounding(corners.iter().map(|&(x, y)| self.user_point(st, x, y)))
        {
            self.out.images.push(ImageAsset {
                bbox,
                xobject,
                width,
                height,
                addr,
            });
        }
    }
}

fn next_line(st: &mut State, tx: f64, ty: f64) {
    st.tlm = Matrix::translate(tx, ty).then(&st.tlm);
    st.tm = st.tlm;
}

fn image_size(dict: &Dict<'_>) -> (u32, u32) {
    let get = |long: &[u8], short: &[u8]| {
        dict.get::<f64>(long)
            .or_else(|| dict.get::<f64>(short))
            .unwrap_or(0.0)
            .max(0.0) as u32
    };
    (get(b"Width", b"W"), get(b"Height", b"H"))
}

/// How many components a named fill colour space takes, to read `sc`/`scn` operands.
fn color_space_components(name: &Name<'_>, res: &Resources<'_>) -> u8 {
    match name.as_str() {
        "DeviceGray" | "G" | "CalGray" => 1,
        "DeviceRGB" | "RGB" | "CalRGB" => 3,
        "DeviceCMYK" | "CMYK" => 4,
        "Pattern" => 0,
        _ => match res.get_color_space(name) {
            Some(Object::Array(a)) => {
                let mut it = a.flex_iter();
                match it.next::<Name<'_>>().as_ref().map(|n| n.as_str()) {
                    Some("ICCBased") => it
                        .next::<Stream<'_>>()
                        .and_then(|s| s.dict().get::<u8>(b"N".as_slice()))
                        .unwrap_or(3),
                    Some("CalRGB") | Some("Lab") => 3,
                    Some("CalGray") => 1,
                    // Separation, DeviceN, Indexed: tints, not colours; treat as gray-ish.
                    _ => 0,
                }
            }
            Some(Object::Name(n)) => match n.as_str() {
                "DeviceRGB" => 3,
                "DeviceCMYK" => 4,
                _ => 1,
            },
            _ => 0,
        },
    }
}

fn channel(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

fn gray(v: f64) -> Rgb {
    let c = channel(v);
    Rgb([c, c, c])
}

fn rgb(r: f64, g: f64, b: f64) -> Rgb {
    Rgb([channel(r), channel(g), channel(b)])
}

fn cmyk(c: f64, m: f64, y: f64, k: f64) -> Rgb {
    let k = k.clamp(0.0, 1.0);
    rgb(
        (1.0 - c) * (1.0 - k),
        (1.0 - m) * (1.0 - k),
        (1.0 - y) * (1.0 - k),
    )
}

fn normalise_angle(a: f32) -> f32 {
    let a = a.rem_euclid(360.0);
    if (a - a.round()).abs() < 0.01 {
        a.round() % 360.0
    } else {
        a
    }
}

/// Ligatures (U+FB00–FB06) as the letters they join, so words read and translate as words.
fn expand_ligatures(s: CompactString) -> CompactString {
    if !s.chars().any(|c| ('\u{FB00}'..='\u{FB06}').contains(&c)) {
        return s;
    }
    let mut out = CompactString::default();
    for c in s.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            c => out.push(c),
        }
    }
    out
}

/// Text for a code with no Unicode mapping: printable Latin-1 codes of one byte stand for
/// themselves (what most such fonts mean, and what pdftotext reads), anything else is unknown.
fn fallback_text(code: u32, len: usize) -> CompactString {
    match (len, code) {
        (1, 0x20..=0x7E | 0xA1..=0xFF) => char::from_u32(code)
            .map(|c| c.to_string().into())
            .unwrap_or_default(),
        _ => CompactString::const_new("\u{FFFD}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_decode() {
        assert_eq!(
            super::super::decode_text_string(b"\xFE\xFF\xD8\x3C\xDD\xE6\xD8\x3C\xDD\xF9"),
            "🇦🇹"
        );
        assert_eq!(super::super::decode_text_string(b"caf\xE9"), "café");
    }

    #[test]
    fn ligatures_expand() {
        assert_eq!(expand_ligatures("\u{FB01}nd".into()), "find");
        assert_eq!(expand_ligatures("o\u{FB03}ce".into()), "office");
    }

    #[test]
    fn cmyk_black_and_white() {
        assert_eq!(cmyk(0.0, 0.0, 0.0, 1.0), Rgb([0, 0, 0]));
        assert_eq!(cmyk(0.0, 0.0, 0.0, 0.0), Rgb([255, 255, 255]));
    }

    #[test]
    fn angles_are_normalised() {
        assert_eq!(normalise_angle(-90.0), 270.0);
        assert_eq!(normalise_angle(359.999), 0.0);
    }
}
