//! Fonts met in content streams: loaded once through `hayro-font`, described for the IR.

use std::collections::HashMap;
use std::sync::Arc;

use folio_doc::{CompactString, Font, FontFamilyClass, FontId, FontKind, FontStyle};
use hayro_font::{CMapResolverFn, FontCache, FontQuery, FontResolverFn};
use hayro_syntax::object::{Array, Dict, Name, ObjectIdentifier, Stream};

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
    codes: HashMap<u32, CodeInfo>,
    /// For CID fonts of a registered collection without `/ToUnicode`: the collection's
    /// CID → Unicode map (`Adobe-GB1-UCS2`, …), and the encoding CMap (`None`: Identity).
    collection: Option<(hayro_cmap::CMap, Option<hayro_cmap::CMap>)>,
    /// A whole simple Type 1 font (not a subset): every code of its encoding can be drawn.
    whole: bool,
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
    pub fn code_info(&mut self, code: u32, len: usize) -> &CodeInfo {
        if !self.codes.contains_key(&code) {
            let text = self
                .unicode(code)
                .or_else(|| self.collection_unicode(code, len));
            let info = CodeInfo {
                text: text.map(CompactString::from),
                advance: self.advance(code),
            };
            self.codes.insert(code, info);
        }
        &self.codes[&code]
    }

    /// Unicode through the character collection, for CID fonts without `/ToUnicode`
    /// (ISO 32000-2, 9.10.2, method b).
    fn collection_unicode(&self, code: u32, len: usize) -> Option<String> {
        let (ucs2, encoding) = self.collection.as_ref()?;
        let cid = match encoding {
            Some(cmap) => cmap.lookup_cid_code(code, len as u8)?,
            None => code,
        };
        match ucs2.lookup_bf_string(cid)? {
            hayro_cmap::BfString::Char(c) => Some(c.to_string()),
            hayro_cmap::BfString::String(s) => Some(s),
        }
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

/// A font whose program or `/ToUnicode` decodes to more is not loaded (the largest CJK
/// programs are about 20 MB). A fixed bound, not one of [`crate::Limits`]: the writer walks
/// pages again with its own font table, and must load the same fonts to find the same glyphs.
const MAX_FONT_STREAM_BYTES: u64 = 64 << 20;

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

    /// Hands over the IR descriptions, with the widths of the codes shown, and for a whole
    /// simple font, every character its encoding has (so new text can use letters the
    /// document never showed: "ç" in a Times it used only for English).
    pub fn into_fonts(mut self) -> Vec<Font> {
        for loaded in self.loaded.iter_mut().filter(|l| l.whole) {
            let mut available = std::collections::BTreeMap::new();
            for code in 32..=255u32 {
                let info = loaded.code_info(code, 1);
                let mut chars = info.text.as_deref().unwrap_or("").chars();
                if let (Some(c), None) = (chars.next(), chars.next())
                    && !c.is_control()
                    && !c.is_whitespace()
                    && c != '\u{FFFD}'
                    && info.advance.0 > 0.0
                {
                    available.entry(c).or_insert(code);
                }
            }
            if let Some(font) = self.fonts.get_mut(loaded.id.0 as usize) {
                font.available = available;
            }
        }
        let mut fonts = self.fonts;
        for loaded in &self.loaded {
            if let Some(font) = fonts.get_mut(loaded.id.0 as usize) {
                font.widths = loaded
                    .codes
                    .iter()
                    .map(|(&code, info)| (code, (info.advance.0 / 1000.0) as f32))
                    .collect();
            }
        }
        fonts
    }

    /// The IR description of a loaded font.
    pub fn info(&self, index: usize) -> &Font {
        &self.fonts[index]
    }

    /// Loads (once) the font of a font dictionary; returns its index and whether it loaded.
    /// `object` is the dictionary's own object when the resources refer to it, `None` when it
    /// is written directly in them: hayro-syntax's `Dict::obj_id` gives the object a direct
    /// dictionary sits in (the page, say), which is not a font the writer may refer to.
    pub fn load(&mut self, dict: &Dict<'a>, object: Option<ObjectIdentifier>) -> (usize, bool) {
        let key = font_key(dict, object);
        if let Some(&i) = self.by_key.get(&key) {
            return (i, self.loaded[i].font.is_some());
        }
        // hayro-font asserts on some malformed inputs in debug builds; a font that panics is a
        // font we cannot read, not a reason to lose the document. hayro-font decodes the
        // font's streams itself, without a limit: a font with one too large is not loaded.
        let loaded = if claims_too_many_glyphs(dict)
            || font_streams(dict)
                .iter()
                .any(|s| crate::limits::inflates_beyond(s, MAX_FONT_STREAM_BYTES))
        {
            None
        } else {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.cache
                    .font(dict, &self.font_resolver, &self.cmap_resolver)
            }))
            .ok()
            .flatten()
        };
        let ok = loaded.is_some();
        let id = FontId(self.fonts.len() as u32);
        let info = describe(dict, object);
        let collection = if info.kind == FontKind::Type0 && !info.has_to_unicode {
            collection_maps(dict)
        } else {
            None
        };
        let index = self.loaded.len();
        let base = dict
            .get::<Name<'_>>(b"BaseFont".as_slice())
            .map(|n| n.as_str().to_string())
            .unwrap_or_default();
        let whole = ok
            && info.kind == FontKind::Type1
            && info.code_bytes == Some(1)
            && strip_subset_tag(&base).len() == base.len();
        self.loaded.push(LoadedFont {
            font: loaded,
            id,
            codes: HashMap::new(),
            collection,
            whole,
        });
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

/// Glyphs a font may claim widths for. A character code has at most 4 bytes, but CIDs stop at
/// 65,535 (ISO 32000-2, Annex C) and simple fonts' codes at 255.
const MAX_GLYPHS: u64 = 1 << 16;

/// Whether a font claims widths for more glyphs than a font has: hayro-font fills a table
/// entry for each (`/FirstChar` of a simple font, each `first last width` range of a CID
/// font's `/W` and `/W2`), so a claim of a billion would take minutes and gigabytes.
fn claims_too_many_glyphs(dict: &Dict<'_>) -> bool {
    if dict
        .get::<f64>(b"FirstChar".as_slice())
        .is_some_and(|c| c > MAX_GLYPHS as f64)
    {
        return true;
    }
    let Some(descendant) = dict
        .get::<Array<'_>>(b"DescendantFonts".as_slice())
        .and_then(|a| a.iter::<Dict<'_>>().next())
    else {
        return false;
    };
    // A range of /W gives one width, of /W2 three values (w1y, vx, vy).
    [(b"W".as_slice(), 1), (b"W2", 3)]
        .into_iter()
        .any(|(key, values)| {
            descendant
                .get::<Array<'_>>(key)
                .is_some_and(|w| ranged_glyphs(&w, values) > MAX_GLYPHS)
        })
}

/// How many CIDs the `c_first c_last …` ranges of a `/W` or `/W2` array span in all, each
/// range followed by `values` numbers (the `c [w1 w2 …]` form lists its widths one by one,
/// so it claims no more than it holds).
fn ranged_glyphs(w: &Array<'_>, values: usize) -> u64 {
    let numbers: Vec<Option<f64>> = w
        .iter::<hayro_syntax::object::Object<'_>>()
        .map(|o| match o {
            hayro_syntax::object::Object::Number(n) => Some(n.as_f64()),
            _ => None,
        })
        .collect();
    let mut total = 0u64;
    let mut i = 0;
    while i < numbers.len() {
        match (numbers[i], numbers.get(i + 1).copied().flatten()) {
            (Some(first), Some(last)) => {
                total = total.saturating_add((last - first).max(0.0) as u64 + 1);
                i += 2 + values;
            }
            _ => i += 1,
        }
    }
    total
}

/// The streams a font's loading decodes: its `/ToUnicode` and its program, in the font's
/// descriptor or, for a Type 0 font, in its descendant's.
fn font_streams<'a>(dict: &Dict<'a>) -> Vec<Stream<'a>> {
    let descendant = dict
        .get::<Array<'_>>(b"DescendantFonts".as_slice())
        .and_then(|a| a.iter::<Dict<'_>>().next());
    let descriptor = descendant
        .as_ref()
        .unwrap_or(dict)
        .get::<Dict<'_>>(b"FontDescriptor".as_slice());
    let program = descriptor.iter().flat_map(|d| {
        [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
            .into_iter()
            .filter_map(|k| d.get::<Stream<'_>>(k))
    });
    dict.get::<Stream<'_>>(b"ToUnicode".as_slice())
        .into_iter()
        .chain(program)
        .collect()
}

/// The UCS2 map of a Type 0 font's registered character collection, and its encoding CMap
/// when not Identity.
fn collection_maps(dict: &Dict<'_>) -> Option<(hayro_cmap::CMap, Option<hayro_cmap::CMap>)> {
    let descendant = dict
        .get::<Array<'_>>(b"DescendantFonts".as_slice())?
        .iter::<Dict<'_>>()
        .next()?;
    let info = descendant.get::<Dict<'_>>(b"CIDSystemInfo".as_slice())?;
    let registry = info.get::<hayro_syntax::object::String<'_>>(b"Registry".as_slice())?;
    let ordering = info.get::<hayro_syntax::object::String<'_>>(b"Ordering".as_slice())?;
    let family =
        hayro_cmap::CidFamily::from_registry_ordering(registry.as_bytes(), ordering.as_bytes());
    let ucs2 = hayro_cmap::CMap::parse(
        hayro_cmap::load_embedded(family.ucs2_cmap()?)?,
        hayro_cmap::load_embedded,
    )?;
    let encoding = match dict.get::<Name<'_>>(b"Encoding".as_slice()) {
        Some(name) if name.as_str() == "Identity-H" || name.as_str() == "Identity-V" => None,
        Some(name) => {
            let data = hayro_cmap::load_embedded(hayro_cmap::CMapName::from_bytes(
                name.as_str().as_bytes(),
            ))?;
            Some(hayro_cmap::CMap::parse(data, hayro_cmap::load_embedded)?)
        }
        // An embedded encoding CMap stream: its CIDs need parsing we leave to hayro-font.
        None => return None,
    };
    Some((ucs2, encoding))
}

fn font_key(dict: &Dict<'_>, object: Option<ObjectIdentifier>) -> u128 {
    match object {
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
fn describe(dict: &Dict<'_>, object: Option<ObjectIdentifier>) -> Font {
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

    let flags = descriptor
        .as_ref()
        .and_then(|d| d.get::<u32>(b"Flags".as_slice()))
        .unwrap_or(0);
    let weight = descriptor
        .as_ref()
        .and_then(|d| d.get::<f32>(b"FontWeight".as_slice()));
    let italic_angle = descriptor
        .as_ref()
        .and_then(|d| d.get::<f32>(b"ItalicAngle".as_slice()))
        .unwrap_or(0.0);
    let style = style_of(&name, flags, weight, italic_angle, descriptor.is_some());

    let (ascent, descent) = ascent_descent(dict, descriptor.as_ref(), &name, kind);
    let x_height = x_height(descriptor.as_ref(), &name);
    let code_bytes = match kind {
        FontKind::Type0 => match dict
            .get::<Name<'_>>(b"Encoding".as_slice())
            .as_ref()
            .map(|n| n.as_str())
        {
            Some("Identity-H") | Some("Identity-V") => Some(2),
            _ => None,
        },
        _ => Some(1),
    };
    Font {
        code_bytes,
        name,
        dict: object.map(obj_ref),
        kind,
        embedded,
        has_to_unicode,
        style,
        ascent,
        descent,
        x_height,
        widths: Default::default(),
        available: Default::default(),
        drawn: None,
    }
}

pub(crate) fn strip_subset_tag(name: &str) -> &str {
    match name.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()) => rest,
        _ => name,
    }
}

fn style_of(
    name: &str,
    flags: u32,
    weight: Option<f32>,
    italic_angle: f32,
    has_descriptor: bool,
) -> FontStyle {
    let lower = name.to_ascii_lowercase();
    let has = |parts: &[&str]| parts.iter().any(|p| lower.contains(p));
    let family = if has(&[
        "symbol", "dingbat", "cmsy", "cmmi", "cmex", "msam", "msbm", "math", "wasy", "stmary",
    ]) {
        FontFamilyClass::Symbol
    } else if flags & FIXED_PITCH != 0
        || has(&["courier", "mono", "cmtt", "typewriter", "consol", "lmtt"])
    {
        FontFamilyClass::Mono
    } else if has(&[
        "sans",
        "helvetica",
        "arial",
        "gothic",
        "verdana",
        "calibri",
        "tahoma",
        "cmss",
        "lmss",
        "dejavusans",
        "segoe",
        "frutiger",
        "univers",
        "futura",
    ]) || (has_descriptor
        && flags & SERIF == 0
        && flags & SYMBOLIC == 0
        && !has(&[
            "times", "roman", "serif", "cmr", "lmr", "georgia", "garamond", "palatino", "book",
            "minion",
        ]))
    {
        FontFamilyClass::Sans
    } else if flags & SYMBOLIC != 0 && !has_descriptor {
        FontFamilyClass::Symbol
    } else {
        FontFamilyClass::Serif
    };
    let bold = weight.is_some_and(|w| w >= 600.0)
        || flags & FORCE_BOLD != 0
        || has(&[
            "bold", "black", "heavy", "semibold", "demi", "cmbx", "cmb10", "lmbx",
        ]);
    let italic = flags & ITALIC != 0
        || italic_angle.abs() > 0.5
        || has(&["italic", "oblique", "cmti", "cmsl", "cmmi", "slant"]);
    FontStyle {
        family,
        bold,
        italic,
    }
}

/// Ascent and descent in em. Like poppler: the descriptor's values when sane, else the font
/// box, else the standard font's metrics, else 0.95 and −0.35.
fn ascent_descent(
    dict: &Dict<'_>,
    descriptor: Option<&Dict<'_>>,
    name: &str,
    kind: FontKind,
) -> (f32, f32) {
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
            // Glyph space → text space is the font matrix; a text-space unit is one em of
            // the size set with Tf.
            let (y0, y1) = (bbox[1] * m[3], bbox[3] * m[3]);
            let (a, d) = (y0.max(y1), y0.min(y1));
            if a.is_finite() && d.is_finite() && a - d > 0.1 && a - d < 5.0 {
                return (a.clamp(0.0, 2.0), d.clamp(-1.0, 0.0));
            }
        }
        return (0.95, -0.35);
    }
    if let Some(d) = descriptor {
        // Each value on its own, as poppler does: broken descriptors give a negative ascent, a
        // positive descent, zeros, or absurd values (32768).
        let ascent = d
            .get::<f32>(b"Ascent".as_slice())
            .map(|a| (a / 1000.0).abs());
        let descent = d
            .get::<f32>(b"Descent".as_slice())
            .map(|v| -(v / 1000.0).abs());
        let ascent = ascent.filter(|a| *a != 0.0 && *a < 3.0);
        let descent = descent.filter(|v| *v != 0.0 && *v > -3.0);
        if ascent.is_some() || descent.is_some() {
            let (da, dd) = standard_ascent_descent(name);
            return (ascent.unwrap_or(da), descent.unwrap_or(dd));
        }
        if let Some(bbox) = d.get::<Array<'_>>(b"FontBBox".as_slice()) {
            let b: Vec<f32> = bbox.iter::<f32>().collect();
            if b.len() == 4 && b[3] > 0.0 && b[3] < 3000.0 {
                return (b[3] / 1000.0, (b[1] / 1000.0).clamp(-3.0, 0.0));
            }
        }
    }
    standard_ascent_descent(name)
}

/// Height of a lowercase letter in em: the descriptor's `/XHeight` when sane, else the
/// standard 14 fonts' by name, else unknown.
fn x_height(descriptor: Option<&Dict<'_>>, name: &str) -> Option<f32> {
    let given = descriptor
        .and_then(|d| d.get::<f32>(b"XHeight".as_slice()))
        .map(|x| x / 1000.0)
        .filter(|x| (0.2..=0.9).contains(x));
    let lower = name.to_ascii_lowercase();
    given.or(if lower.starts_with("courier") {
        Some(0.426)
    } else if lower.starts_with("helvetica") || lower.starts_with("arial") {
        Some(0.523)
    } else if lower.starts_with("times") {
        Some(0.448)
    } else {
        None
    })
}

/// The standard 14 fonts' metrics by name, else poppler's defaults (0.95, −0.35).
fn standard_ascent_descent(name: &str) -> (f32, f32) {
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
        assert_eq!(
            style_of("Courier-Oblique", 0, None, 0.0, false).family,
            FontFamilyClass::Mono
        );
        let s = style_of("Helvetica-BoldOblique", 0, None, 0.0, false);
        assert_eq!(
            (s.family, s.bold, s.italic),
            (FontFamilyClass::Sans, true, true)
        );
        assert_eq!(
            style_of("CMMI10", 4, None, -14.0, true).family,
            FontFamilyClass::Symbol
        );
        assert_eq!(
            style_of("Times-Roman", 0, None, 0.0, false).family,
            FontFamilyClass::Serif
        );
    }
}
