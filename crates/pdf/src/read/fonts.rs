//! Fonts met in content streams: loaded once through `hayro-font`, described for the IR.

use std::collections::HashMap;
use std::sync::Arc;

use folio_doc::{CompactString, Font, FontFamilyClass, FontId, FontKind, FontStyle};
use hayro_font::{CMapResolverFn, FontCache, FontQuery, FontResolverFn};
use hayro_syntax::object::{Array, Dict, Name, Stream};

use super::obj_ref;

/// What a character code gives, looked up once per font and code: hayro's glyph-name and
/// CMap lookups are the reader's hottest path otherwise.
#[derive(Clone)]
pub(crate) struct CodeInfo {
    pub text: Option<CompactString>,
    pub advance: (f64, f64),
}

/// A font ready to turn character codes into text and advances.
pub(crate) struct LoadedFont<'a> {
    /// `None` when the font could not be loaded; codes are then read one byte each.
    pub font: Option<hayro_font::Font<'a>>,
    pub id: FontId,
    /// For Type 3 fonts, the vertical scale of `/FontMatrix` times 1000: how much bigger a glyph
    /// is than the nominal size says. 1 for other fonts.
    pub glyph_scale: f32,
    codes: HashMap<u32, CodeInfo>,
}

impl LoadedFont<'_> {
    /// Reads the next character code, never past the end and never zero-length.
    pub fn read_code(&self, bytes: &[u8], at: usize) -> (u32, usize) {
        match &self.font {
            Some(f) => {
                let (code, len) = f.read_code(bytes, at);
                (code, len.clamp(1, bytes.len() - at))
            }
            None => (bytes[at] as u32, 1),
        }
    }

    /// Advance of a code in thousandths of the font size, along x (horizontal) or y (vertical).
    fn advance(&self, code: u32) -> (f64, f64) {
        match &self.font {
            Some(f) => {
                let v = f.code_advance(code);
                (v.x, v.y)
            }
            None => (500.0, 0.0),
        }
    }

    /// Whether text runs left to right (else top to bottom).
    pub fn horizontal(&self) -> bool {
        self.font.as_ref().is_none_or(|f| f.is_horizontal())
    }

    /// Text and advance of a code, cached.
    pub fn code_info(&mut self, code: u32) -> &CodeInfo {
        if !self.codes.contains_key(&code) {
            let info = CodeInfo { text: self.unicode(code).map(CompactString::from), advance: self.advance(code) };
            self.codes.insert(code, info);
        }
        &self.codes[&code]
    }

    /// Unicode text for a code: from `/ToUnicode`, else the encoding's glyph names.
    fn unicode(&self, code: u32) -> Option<String> {
        let font = self.font.as_ref()?;
        let glyph = font.glyph(font.map_code(code), code);
        let bf = match glyph {
            hayro_font::FontGlyph::Outline(g) => g.as_unicode(),
            hayro_font::FontGlyph::Type3(g) => g.as_unicode(),
        }?;
        let s = match bf {
            hayro_cmap::BfString::Char(c) => c.to_string(),
            hayro_cmap::BfString::String(s) => s,
        };
        Some(s)
    }
}

/// Every font of a document, loaded on first use.
pub(crate) struct FontTable<'a> {
    cache: FontCache<'a>,
    font_resolver: FontResolverFn,
    cmap_resolver: CMapResolverFn,
    by_key: HashMap<u128, usize>,
    loaded: Vec<LoadedFont<'a>>,
    fonts: Vec<Font>,
}

impl Default for FontTable<'_> {
    fn default() -> Self {
        Self {
            cache: FontCache::new(),
            // Non-embedded fonts get one of the standard 14 programs: we need their metrics and
            // glyph names, not their look.
            font_resolver: Arc::new(|query| match query {
                FontQuery::Standard(s) => Some(s.get_font_data()),
                FontQuery::Fallback(f) => Some(f.pick_standard_font().get_font_data()),
            }),
            cmap_resolver: Arc::new(hayro_cmap::load_embedded),
            by_key: HashMap::new(),
            loaded: Vec::new(),
            fonts: Vec::new(),
        }
    }
}

impl<'a> FontTable<'a> {
    /// The IR descriptions of the fonts loaded so far, indexed by [`FontId`].
    pub fn fonts(&self) -> &[Font] {
        &self.fonts
    }

    /// Hands over the IR descriptions.
    pub fn into_fonts(self) -> Vec<Font> {
        self.fonts
    }

    /// The IR description of a loaded font.
    pub fn info(&self, index: usize) -> &Font {
        &self.fonts[index]
    }

    /// Loads (once) the font of a font dictionary; returns its index and whether it loaded.
    pub fn load(&mut self, dict: &Dict<'a>) -> (usize, bool) {
        let key = font_key(dict);
        if let Some(&i) = self.by_key.get(&key) {
            return (i, self.loaded[i].font.is_some());
        }
        // hayro-font asserts on some malformed inputs in debug builds; a font that panics is a
        // font we cannot read, not a reason to lose the document.
        let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.cache.font(dict, &self.font_resolver, &self.cmap_resolver)
        }))
        .ok()
        .flatten();
        let ok = loaded.is_some();
        let id = FontId(self.fonts.len() as u32);
        let info = describe(dict);
        let glyph_scale = if info.kind == FontKind::Type3 {
            dict.get::<Array<'_>>(b"FontMatrix".as_slice())
                .and_then(|m| m.iter::<f32>().nth(3))
                .map(|d| (d * 1000.0).abs())
                .filter(|s| *s > 0.0 && s.is_finite())
                .unwrap_or(1.0)
        } else {
            1.0
        };
        let index = self.loaded.len();
        self.loaded.push(LoadedFont { font: loaded, id, glyph_scale, codes: HashMap::new() });
        self.fonts.push(info);
        self.by_key.insert(key, index);
        (index, ok)
    }

    /// A loaded font by index.
    pub fn get(&self, index: usize) -> &LoadedFont<'a> {
        &self.loaded[index]
    }

    /// A loaded font by index, to look codes up.
    pub fn get_mut(&mut self, index: usize) -> &mut LoadedFont<'a> {
        &mut self.loaded[index]
    }
}

fn font_key(dict: &Dict<'_>) -> u128 {
    match dict.obj_id() {
        Some(id) => ((id.obj_number as u128) << 32) | (id.gen_number as u32 as u128),
        // A direct dictionary: its bytes identify it within this file.
        None => (1u128 << 100) | (dict.data().as_ptr() as usize as u128),
    }
}

const FIXED_PITCH: u32 = 1;
const SERIF: u32 = 1 << 1;
const SYMBOLIC: u32 = 1 << 2;
const ITALIC: u32 = 1 << 6;
const FORCE_BOLD: u32 = 1 << 18;

/// Describes a font dictionary for the IR: name, kind, embedding, style, ascent and descent.
fn describe(dict: &Dict<'_>) -> Font {
    let subtype = dict.get::<Name<'_>>(b"Subtype".as_slice());
    let kind = match subtype.as_ref().map(|n| n.as_str()) {
        Some("TrueType") | Some("OpenType") => FontKind::TrueType,
        Some("Type0") => FontKind::Type0,
        Some("Type3") => FontKind::Type3,
        _ => FontKind::Type1,
    };
    let raw_name = dict
        .get::<Name<'_>>(b"BaseFont".as_slice())
        .or_else(|| dict.get::<Name<'_>>(b"Name".as_slice()))
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    let name = strip_subset_tag(&raw_name).to_string();

    // Type 0 fonts keep their descriptor in the descendant CIDFont.
    let descendant = (kind == FontKind::Type0)
        .then(|| dict.get::<Array<'_>>(b"DescendantFonts".as_slice()))
        .flatten()
        .and_then(|a| a.iter::<Dict<'_>>().next());
    let descriptor = descendant
        .as_ref()
        .unwrap_or(dict)
        .get::<Dict<'_>>(b"FontDescriptor".as_slice());

    let embedded = kind == FontKind::Type3
        || descriptor.as_ref().is_some_and(|d| {
            [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
                .iter()
                .any(|k| d.get::<Stream<'_>>(*k).is_some())
        });
    let has_to_unicode = dict.contains_key(b"ToUnicode".as_slice());

    let flags = descriptor.as_ref().and_then(|d| d.get::<u32>(b"Flags".as_slice())).unwrap_or(0);
    let weight = descriptor.as_ref().and_then(|d| d.get::<f32>(b"FontWeight".as_slice()));
    let italic_angle =
        descriptor.as_ref().and_then(|d| d.get::<f32>(b"ItalicAngle".as_slice())).unwrap_or(0.0);
    let style = style_of(&name, flags, weight, italic_angle, descriptor.is_some());

    let (ascent, descent) = ascent_descent(dict, descriptor.as_ref(), &name, kind);
    Font {
        name,
        dict: dict.obj_id().map(obj_ref),
        kind,
        embedded,
        has_to_unicode,
        style,
        ascent,
        descent,
    }
}

pub(crate) fn strip_subset_tag(name: &str) -> &str {
    match name.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()) => rest,
        _ => name,
    }
}

fn style_of(name: &str, flags: u32, weight: Option<f32>, italic_angle: f32, has_descriptor: bool) -> FontStyle {
    let lower = name.to_ascii_lowercase();
    let has = |parts: &[&str]| parts.iter().any(|p| lower.contains(p));
    let family = if has(&["symbol", "dingbat", "cmsy", "cmmi", "cmex", "msam", "msbm", "math", "wasy", "stmary"])
    {
        FontFamilyClass::Symbol
    } else if flags & FIXED_PITCH != 0 || has(&["courier", "mono", "cmtt", "typewriter", "consol", "lmtt"]) {
        FontFamilyClass::Mono
    } else if has(&["sans", "helvetica", "arial", "gothic", "verdana", "calibri", "tahoma", "cmss", "lmss", "dejavusans", "segoe", "frutiger", "univers", "futura"])
        || (has_descriptor && flags & SERIF == 0 && flags & SYMBOLIC == 0 && !has(&["times", "roman", "serif", "cmr", "lmr", "georgia", "garamond", "palatino", "book", "minion"]))
    {
        FontFamilyClass::Sans
    } else if flags & SYMBOLIC != 0 && !has_descriptor {
        FontFamilyClass::Symbol
    } else {
        FontFamilyClass::Serif
    };
    let bold = weight.is_some_and(|w| w >= 600.0)
        || flags & FORCE_BOLD != 0
        || has(&["bold", "black", "heavy", "semibold", "demi", "cmbx", "cmb10", "lmbx"]);
    let italic = flags & ITALIC != 0
        || italic_angle.abs() > 0.5
        || has(&["italic", "oblique", "cmti", "cmsl", "cmmi", "slant"]);
    FontStyle { family, bold, italic }
}

/// Ascent and descent in em. Like poppler: the descriptor's values when sane, else the font
/// box, else the standard font's metrics, else 0.95 and −0.35.
fn ascent_descent(dict: &Dict<'_>, descriptor: Option<&Dict<'_>>, name: &str, kind: FontKind) -> (f32, f32) {
    if kind == FontKind::Type3 {
        let m: Vec<f32> = dict
            .get::<Array<'_>>(b"FontMatrix".as_slice())
            .map(|a| a.iter::<f32>().collect())
            .unwrap_or_default();
        let bbox: Vec<f32> = dict
            .get::<Array<'_>>(b"FontBBox".as_slice())
            .map(|a| a.iter::<f32>().collect())
            .unwrap_or_default();
        if m.len() == 6 && bbox.len() == 4 && m[3] != 0.0 {
            // The interpreter reports a Type 3 glyph's size as the text size times the matrix
            // scale times 1000, as if glyph space had 1000 units to the em.
            let (y0, y1) = (bbox[1].min(bbox[3]), bbox[1].max(bbox[3]));
            let (y0, y1) = if m[3] < 0.0 { (-y1, -y0) } else { (y0, y1) };
            let (a, d) = (y1 / 1000.0, y0 / 1000.0);
            if a.is_finite() && d.is_finite() && a - d > 0.1 && a - d < 5.0 {
                return (a.clamp(0.0, 1.5), d.clamp(-1.0, 0.0));
            }
        }
        return (0.95, -0.35);
    }
    if let Some(d) = descriptor {
        let ascent = d.get::<f32>(b"Ascent".as_slice()).unwrap_or(0.0) / 1000.0;
        let descent = d.get::<f32>(b"Descent".as_slice()).unwrap_or(0.0) / 1000.0;
        let descent = if descent > 0.0 { -descent } else { descent };
        if ascent > 0.0 && ascent < 3.0 && descent > -3.0 {
            return (ascent, descent);
        }
        if let Some(bbox) = d.get::<Array<'_>>(b"FontBBox".as_slice()) {
            let b: Vec<f32> = bbox.iter::<f32>().collect();
            if b.len() == 4 && b[3] > 0.0 && b[3] < 3000.0 {
                return (b[3] / 1000.0, (b[1] / 1000.0).clamp(-3.0, 0.0));
            }
        }
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("courier") {
        (0.629, -0.157)
    } else if lower.starts_with("helvetica") || lower.starts_with("arial") {
        (0.718, -0.207)
    } else if lower.starts_with("times") {
        (0.683, -0.217)
    } else if lower.starts_with("symbol") {
        (1.010, -0.293)
    } else if lower.starts_with("zapfdingbats") {
        (0.820, -0.143)
    } else {
        (0.95, -0.35)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_tags_are_stripped() {
        assert_eq!(strip_subset_tag("ABCDEF+CMR10"), "CMR10");
        assert_eq!(strip_subset_tag("Times-Roman"), "Times-Roman");
        assert_eq!(strip_subset_tag("abcdef+X"), "abcdef+X");
    }

    #[test]
    fn style_from_names_and_flags() {
        let s = style_of("CMBX12", 4, None, 0.0, true);
        assert!(s.bold && !s.italic);
        assert_eq!(style_of("Courier-Oblique", 0, None, 0.0, false).family, FontFamilyClass::Mono);
        let s = style_of("Helvetica-BoldOblique", 0, None, 0.0, false);
        assert_eq!((s.family, s.bold, s.italic), (FontFamilyClass::Sans, true, true));
        assert_eq!(style_of("CMMI10", 4, None, -14.0, true).family, FontFamilyClass::Symbol);
        assert_eq!(style_of("Times-Roman", 0, None, 0.0, false).family, FontFamilyClass::Serif);
    }
}
