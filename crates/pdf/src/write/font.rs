//! Embedding subset fonts, so that translated text can be drawn with the faces it was set in.
//!
//! The typesetter shapes the translation with OpenType faces (bundled Noto fonts, or a face
//! taken from the original PDF) and hands the writer glyph ids. The writer notes every glyph it
//! draws with [`FontEmbedder::use_glyph`], then [`FontEmbedder::embed`] subsets each face with
//! `subsetter` and writes one composite font per face (ISO 32000-1, 9.7 "Composite Fonts"):
//!
//! ```text
//! Type0 /Encoding /Identity-H /ToUnicode (CMap stream)
//! └─ CIDFont: /CIDFontType2 + FontFile2 (glyf outlines, /CIDToGIDMap /Identity)
//!          or /CIDFontType0 + FontFile3 /CIDFontType0C (CFF outlines, CID-keyed)
//!    └─ FontDescriptor: /FontName TAG+PostScriptName, metrics, the font program
//! ```
//!
//! Content streams then show two-byte codes: with Identity-H a code is a CID, and the subsetter
//! makes a glyph's CID its id in the subset, so [`EmbeddedFont::cid`] is all the writer needs.
//! The ToUnicode CMap maps each CID back to the text the glyph stands for (several characters for
//! a ligature), so copy-paste and search give the translation.
//!
//! Output is deterministic: faces are written in key order, glyphs in id order, and the subset
//! tag is a hash of the face bytes and the glyphs used, never random.
//!
//! # Limitations
//! - CFF2 outlines (variable CFF) and bitmap-only faces are refused.
//! - Faces are embedded at their default instance; variation coordinates are not applied.
//! - A glyph stands for one text in ToUnicode (it cannot map one CID to two texts): the text
//!   noted most often for it, the first noted on a tie. Where a cluster's glyphs read back
//!   otherwise (a Devanagari vowel sign drawn before its consonant, a half form standing in
//!   several conjuncts), the content stream says what they stand for with `/ActualText`
//!   (`write::content`), using [`EmbeddedFont::texts`] to know where ToUnicode falls short.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::hash::Hasher as _;
use std::sync::Arc;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use read_fonts::types::{GlyphId, NameId, Tag};
use read_fonts::{FontRef, TableProvider};
use subsetter::GlyphRemapper;

/// Collects, per face, the glyphs drawn and the text each stands for, then embeds subsets.
///
/// Faces are registered under a key the caller chooses (e.g. its font index) so that glyph
/// uses can be noted cheaply while content streams are written.
#[derive(Debug, Default)]
pub(crate) struct FontEmbedder {
    /// The registered faces, by key; a `BTreeMap` so that objects are written in key order.
    faces: BTreeMap<u32, FaceUse>,
    /// Keys that glyphs were noted for before (or without) a face being registered.
    unknown: Vec<u32>,
}

/// One face and what is drawn with it.
#[derive(Debug)]
struct FaceUse {
    /// The OpenType/TrueType file (or collection).
    data: Arc<Vec<u8>>,
    /// The face's index in a collection, 0 for a single font.
    index: u32,
    /// Glyph id → the texts noted for it, each with how many times (first noted first);
    /// empty if it only continues clusters.
    glyphs: BTreeMap<u16, Vec<(String, u32)>>,
}

/// What the writer needs to draw with an embedded font.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EmbeddedFont {
    /// The Type0 font dictionary, to put into a page's `/Resources /Font`.
    pub font: ObjectId,
    /// Glyph id in the original face → CID to show (as two big-endian bytes) with Identity-H.
    pub cid: HashMap<u16, u16>,
    /// Advance of each shown CID as written in `/W` (or `/DW`), in 1/1000 of the font size:
    /// the writer computes `TJ` adjustments against these, not against the face's own units.
    pub widths: HashMap<u16, f32>,
    /// The text ToUnicode gives for each glyph id drawn (absent for one that only continues
    /// clusters), so the writer knows which clusters need `/ActualText` to read back right.
    pub texts: HashMap<u16, String>,
    /// The face's PostScript name, without the subset tag (e.g. `NotoSerif-Regular`).
    pub postscript_name: String,
    /// The name written as `/BaseFont` and `/FontName`: subset tag, `+`, PostScript name.
    pub base_font: String,
}

/// Why fonts could not be embedded. The `key` is the one the face was registered under.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum FontEmbedError {
    /// Glyphs were noted for a key under which no face was registered (a bug in the caller).
    UnknownFace {
        /// The key glyphs were noted for.
        key: u32,
    },
    /// The face data could not be read as an OpenType/TrueType font.
    Parse {
        /// The face's key.
        key: u32,
        /// What was wrong, from the font parser.
        message: String,
    },
    /// The face has no outlines that can be embedded here (CFF2, bitmap-only, or none).
    UnsupportedOutlines {
        /// The face's key.
        key: u32,
        /// Which kind of outlines the face has.
        what: &'static str,
    },
    /// A glyph id was noted that the face does not have.
    GlyphOutOfRange {
        /// The face's key.
        key: u32,
        /// The glyph id noted.
        gid: u16,
        /// How many glyphs the face has.
        num_glyphs: u16,
    },
    /// The subsetter failed on the face.
    Subset {
        /// The face's key.
        key: u32,
        /// The subsetter's error.
        error: subsetter::Error,
    },
    /// A stream could not be compressed.
    Compress {
        /// The face's key.
        key: u32,
        /// The compressor's message.
        message: String,
    },
}

impl fmt::Display for FontEmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownFace { key } => {
                write!(
                    f,
                    "glyphs were used with font {key}, which was never registered"
                )
            }
            Self::Parse { key, message } => write!(f, "font {key} could not be read: {message}"),
            Self::UnsupportedOutlines { key, what } => {
                write!(
                    f,
                    "font {key} cannot be embedded: {what} outlines are not supported"
                )
            }
            Self::GlyphOutOfRange {
                key,
                gid,
                num_glyphs,
            } => {
                write!(
                    f,
                    "font {key} has no glyph {gid} (it has {num_glyphs} glyphs)"
                )
            }
            Self::Subset { key, error } => write!(f, "failed to subset font {key}: {error}"),
            Self::Compress { key, message } => {
                write!(f, "failed to compress a stream of font {key}: {message}")
            }
        }
    }
}

impl std::error::Error for FontEmbedError {}

impl FontEmbedder {
    /// An embedder with no faces.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a face (OpenType/TrueType bytes and its index in a collection, else 0) under
    /// `key`. Registering a key again replaces the face and keeps the glyphs noted so far.
    pub fn add_face(&mut self, key: u32, data: Arc<Vec<u8>>, index: u32) {
        match self.faces.get_mut(&key) {
            Some(face) => {
                face.data = data;
                face.index = index;
            }
            None => {
                self.faces.insert(
                    key,
                    FaceUse {
                        data,
                        index,
                        glyphs: BTreeMap::new(),
                    },
                );
            }
        }
    }

    /// Notes that glyph `gid` of face `key` is drawn, standing for `text`: the cluster's
    /// Unicode text for the first glyph of a cluster ("ffi" for a ligature), empty for a glyph
    /// that continues one. The text noted most often for a glyph is the one kept (the first
    /// noted on a tie).
    pub fn use_glyph(&mut self, key: u32, gid: u16, text: &str) {
        let Some(face) = self.faces.get_mut(&key) else {
            if !self.unknown.contains(&key) {
                self.unknown.push(key);
            }
            return;
        };
        let entry = face.glyphs.entry(gid).or_default();
        if text.is_empty() {
            return;
        }
        match entry.iter_mut().find(|(t, _)| t == text) {
            Some((_, n)) => *n += 1,
            None => entry.push((text.to_owned(), 1)),
        }
    }

    /// Notes the glyphs of one cluster, in the order they are drawn, standing together for
    /// `text`. When they are as many as its characters and none is the face's own glyph for
    /// another of them (no vowel sign drawn before its consonant), each stands for its own
    /// character, so a Thai consonant keeps its text whatever marks sit on it; otherwise the
    /// first stands for the whole cluster (a ligature, a conjunct) and the rest for nothing.
    pub fn use_cluster(&mut self, key: u32, gids: &[u16], text: &str) {
        let split = self
            .faces
            .get(&key)
            .and_then(|face| split_cluster(face, gids, text));
        match split {
            Some(chars) => {
                for (&gid, c) in gids.iter().zip(chars) {
                    self.use_glyph(key, gid, c);
                }
            }
            None => {
                for (i, &gid) in gids.iter().enumerate() {
                    self.use_glyph(key, gid, if i == 0 { text } else { "" });
                }
            }
        }
    }

    /// Subsets every face that has glyphs noted and writes its font objects into `doc`.
    /// Returns, per key, the Type0 font's object id and the glyph id → CID map content streams
    /// must use. Faces with no glyphs noted are not embedded and have no entry. On error the
    /// document is left untouched: every face is subset before any object is added.
    pub fn embed(self, doc: &mut Document) -> Result<HashMap<u32, EmbeddedFont>, FontEmbedError> {
        if let Some(&key) = self.unknown.iter().min() {
            return Err(FontEmbedError::UnknownFace { key });
        }
        let prepared = self
            .faces
            .iter()
            .filter(|(_, face)| !face.glyphs.is_empty())
            .map(|(&key, face)| Ok((key, prepare_face(key, face)?)))
            .collect::<Result<Vec<_>, FontEmbedError>>()?;
        Ok(prepared
            .into_iter()
            .map(|(key, font)| (key, font.write(doc)))
            .collect())
    }
}

/// The kind of outlines a face has, which decides the CIDFont subtype and font file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outlines {
    /// `glyf` outlines: CIDFontType2 with FontFile2.
    TrueType,
    /// `CFF ` outlines: CIDFontType0 with FontFile3 /CIDFontType0C.
    Cff,
}

/// The metrics a font descriptor needs, in 1/1000 em (glyph space).
#[derive(Debug, Clone, PartialEq)]
struct Metrics {
    units_per_em: u16,
    bbox: [f32; 4],
    italic_angle: f32,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    stem_v: f32,
    flags: i64,
}

/// Font descriptor flags (ISO 32000-1, 9.8.2, table 123).
mod flags {
    pub const FIXED_PITCH: i64 = 1 << 0;
    pub const SERIF: i64 = 1 << 1;
    pub const SYMBOLIC: i64 = 1 << 2;
    pub const SCRIPT: i64 = 1 << 3;
    pub const ITALIC: i64 = 1 << 6;
}

/// A face's font objects, built and compressed but not yet in a document; the references
/// between them are filled in by [`PreparedFont::write`].
struct PreparedFont {
    /// The font program stream.
    file: Stream,
    /// The descriptor key the program goes under (`FontFile2` or `FontFile3`).
    file_key: &'static str,
    /// The font descriptor, without the program's reference.
    descriptor: Dictionary,
    /// The CIDFont, without the descriptor's reference.
    cid_font: Dictionary,
    /// The ToUnicode CMap stream.
    to_unicode: Stream,
    /// The Type0 font, without references to its descendant and ToUnicode.
    type0: Dictionary,
    /// What the writer gets back, with a placeholder object id.
    embedded: EmbeddedFont,
}

impl PreparedFont {
    /// Adds the objects to `doc`, linked together, and returns what the writer needs.
    fn write(self, doc: &mut Document) -> EmbeddedFont {
        let Self {
            file,
            file_key,
            mut descriptor,
            mut cid_font,
            to_unicode,
            mut type0,
            mut embedded,
        } = self;
        descriptor.set(file_key, doc.add_object(file));
        cid_font.set("FontDescriptor", doc.add_object(descriptor));
        type0.set(
            "DescendantFonts",
            Object::Array(vec![Object::Reference(doc.add_object(cid_font))]),
        );
        type0.set("ToUnicode", doc.add_object(to_unicode));
        embedded.font = doc.add_object(type0);
        embedded
    }
}

/// Subsets one face and builds its font objects; everything that can fail happens here.
fn prepare_face(key: u32, face: &FaceUse) -> Result<PreparedFont, FontEmbedError> {
    let parse_error = |e: read_fonts::ReadError| FontEmbedError::Parse {
        key,
        message: e.to_string(),
    };
    let font = FontRef::from_index(&face.data, face.index).map_err(parse_error)?;

    let outlines = if font.table_data(Tag::new(b"glyf")).is_some() {
        Outlines::TrueType
    } else if font.table_data(Tag::new(b"CFF ")).is_some() {
        Outlines::Cff
    } else if font.table_data(Tag::new(b"CFF2")).is_some() {
        return Err(FontEmbedError::UnsupportedOutlines { key, what: "CFF2" });
    } else {
        return Err(FontEmbedError::UnsupportedOutlines {
            key,
            what: "bitmap or missing",
        });
    };

    let num_glyphs = font.maxp().map_err(parse_error)?.num_glyphs();
    if let Some((&gid, _)) = face.glyphs.range(num_glyphs..).next() {
        return Err(FontEmbedError::GlyphOutOfRange {
            key,
            gid,
            num_glyphs,
        });
    }
    let mut metrics = read_metrics(&font).map_err(parse_error)?;
    if let Some((top, bottom)) = drawn_extent(&font, face.glyphs.keys().copied(), &metrics) {
        (metrics.ascent, metrics.descent) = (top, bottom);
    }
    let hmtx = font.hmtx().map_err(parse_error)?;

    // Glyphs are remapped in id order, so a subset's CIDs follow the face's glyph order, which
    // keeps `/W` and ToUnicode ranges long. `.notdef` is always CID 0.
    let mut remapper = GlyphRemapper::new();
    for &gid in face.glyphs.keys() {
        remapper.remap(gid);
    }
    let subset = subsetter::subset(&face.data, face.index, &remapper)
        .map_err(|error| FontEmbedError::Subset { key, error })?;

    let mut cid = HashMap::with_capacity(face.glyphs.len());
    let mut widths = BTreeMap::new();
    let mut texts = BTreeMap::new();
    let mut to_unicode_of = HashMap::with_capacity(face.glyphs.len());
    for (&gid, text) in &face.glyphs {
        // The remapper was given every noted glyph above, so the lookup cannot fail; the
        // subsetter only appends composite components after them.
        let Some(new) = remapper.get(gid) else {
            continue;
        };
        cid.insert(gid, new);
        let advance = hmtx.advance(GlyphId::new(gid.into())).unwrap_or(0);
        widths.insert(
            new,
            round_width(to_glyph_space(advance.into(), metrics.units_per_em)),
        );
        let text = chosen_text(text);
        texts.insert(new, text);
        if !text.is_empty() {
            to_unicode_of.insert(gid, text.to_owned());
        }
    }

    let postscript_name = postscript_name(&font).unwrap_or_else(|| format!("Font{key}"));
    let tag = subset_tag(&face.data, face.index, face.glyphs.keys().copied());
    let base_font = format!("{tag}+{postscript_name}");
    let compress = |stream: &mut Stream| {
        stream.compress().map_err(|e| FontEmbedError::Compress {
            key,
            message: e.to_string(),
        })
    };

    // The font program.
    let (cid_subtype, file_key, mut file) = match outlines {
        Outlines::TrueType => {
            let length = subset.len() as i64;
            (
                "CIDFontType2",
                "FontFile2",
                Stream::new(dict([("Length1", length.into())]), subset),
            )
        }
        Outlines::Cff => {
            // PDF wants the bare CFF table, CID-keyed, which the subsetter always produces.
            let cff = FontRef::new(&subset)
                .ok()
                .and_then(|f| f.table_data(Tag::new(b"CFF ")))
                .map(|data| data.as_bytes().to_vec())
                .ok_or(FontEmbedError::Subset {
                    key,
                    error: subsetter::Error::SubsetError,
                })?;
            let file_dict = dict([("Subtype", Object::Name(b"CIDFontType0C".to_vec()))]);
            ("CIDFontType0", "FontFile3", Stream::new(file_dict, cff))
        }
    };
    compress(&mut file)?;

    let descriptor = dict([
        ("Type", name("FontDescriptor")),
        ("FontName", name(&base_font)),
        ("Flags", metrics.flags.into()),
        (
            "FontBBox",
            Object::Array(metrics.bbox.iter().map(|&v| number(v)).collect()),
        ),
        ("ItalicAngle", number(metrics.italic_angle)),
        ("Ascent", number(metrics.ascent)),
        ("Descent", number(metrics.descent)),
        ("CapHeight", number(metrics.cap_height)),
        ("StemV", number(metrics.stem_v)),
    ]);

    let (default_width, w) = width_array(&widths);
    let mut cid_font = dict([
        ("Type", name("Font")),
        ("Subtype", name(cid_subtype)),
        ("BaseFont", name(&base_font)),
        (
            "CIDSystemInfo",
            Object::Dictionary(dict([
                (
                    "Registry",
                    Object::String(b"Adobe".to_vec(), StringFormat::Literal),
                ),
                (
                    "Ordering",
                    Object::String(b"Identity".to_vec(), StringFormat::Literal),
                ),
                ("Supplement", 0.into()),
            ])),
        ),
        ("DW", number(default_width)),
        ("W", Object::Array(w)),
    ]);
    if outlines == Outlines::TrueType {
        cid_font.set("CIDToGIDMap", name("Identity"));
    }

    let mut to_unicode = Stream::new(Dictionary::new(), to_unicode_cmap(&texts));
    compress(&mut to_unicode)?;

    // ISO 32000-1, 9.7.6.1: a Type0 font over a CIDFontType0 is named CIDFont-CMap; over a
    // CIDFontType2 it takes the CIDFont's name.
    let type0_name = match outlines {
        Outlines::TrueType => base_font.clone(),
        Outlines::Cff => format!("{base_font}-Identity-H"),
    };
    let type0 = dict([
        ("Type", name("Font")),
        ("Subtype", name("Type0")),
        ("BaseFont", name(&type0_name)),
        ("Encoding", name("Identity-H")),
    ]);

    let embedded = EmbeddedFont {
        font: (0, 0),
        cid,
        widths: widths.into_iter().collect(),
        texts: to_unicode_of,
        postscript_name,
        base_font,
    };
    Ok(PreparedFont {
        file,
        file_key,
        descriptor,
        cid_font,
        to_unicode,
        type0,
        embedded,
    })
}

/// How high and how deep the subset's own glyphs reach (`glyf` outlines only), in glyph
/// space: the descriptor's `Ascent` and `Descent` for the glyphs embedded, which the spec asks
/// for ("the maximum height above the baseline reached by glyphs in this font"). The whole
/// face's figures serve its tallest stacked accents (Noto: 1.069 em up, 0.293 down), so
/// viewers and text extractors would give every word a box a third taller than its letters.
/// Never less than the cap height above nor the face's descent below 0; `None` when the
/// outlines cannot be read.
fn drawn_extent(
    font: &FontRef,
    glyphs: impl Iterator<Item = u16>,
    metrics: &Metrics,
) -> Option<(f32, f32)> {
    let loca = font.loca(None).ok()?;
    let glyf = font.glyf().ok()?;
    let (mut top, mut bottom) = (i16::MIN, i16::MAX);
    for gid in glyphs {
        if let Some(glyph) = loca.get(GlyphId::new(gid.into()), &glyf)?.glyph() {
            top = top.max(glyph.y_max());
            bottom = bottom.min(glyph.y_min());
        }
    }
    if top < bottom {
        return None;
    }
    let scale = |v: i16| to_glyph_space(v.into(), metrics.units_per_em).round();
    let top = scale(top).max(metrics.cap_height).min(metrics.ascent);
    let bottom = scale(bottom).min(0.0).max(metrics.descent);
    Some((top, bottom))
}

/// The text noted most often for a glyph, the first noted on a tie; empty if none.
fn chosen_text(noted: &[(String, u32)]) -> &str {
    let mut best: Option<&(String, u32)> = None;
    for entry in noted {
        if best.is_none_or(|b| entry.1 > b.1) {
            best = Some(entry);
        }
    }
    best.map_or("", |(t, _)| t.as_str())
}

/// Each glyph's own character, when a cluster's glyphs are its characters one for one in
/// order: as many glyphs as characters, and none the face's glyph for a character at another
/// place. `None` when they are not (or the face cannot be read: then the cluster is whole).
fn split_cluster<'t>(face: &FaceUse, gids: &[u16], text: &'t str) -> Option<Vec<&'t str>> {
    if gids.len() < 2 || text.chars().count() != gids.len() {
        return None;
    }
    let font = FontRef::from_index(&face.data, face.index).ok()?;
    let cmap = font.cmap().ok()?;
    let nominal: Vec<Option<u16>> = text
        .chars()
        .map(|c| {
            cmap.map_codepoint(c)
                .and_then(|g| u16::try_from(g.to_u32()).ok())
        })
        .collect();
    for (i, &gid) in gids.iter().enumerate() {
        let elsewhere = nominal
            .iter()
            .enumerate()
            .any(|(j, &n)| j != i && n == Some(gid) && nominal[i] != Some(gid));
        if elsewhere {
            return None;
        }
    }
    Some(
        text.char_indices()
            .map(|(i, c)| &text[i..i + c.len_utf8()])
            .collect(),
    )
}

/// Reads the font descriptor's metrics from `head`, `hhea`, `OS/2` and `post`; only `head`
/// is required, the others fall back to estimates.
fn read_metrics(font: &FontRef) -> Result<Metrics, read_fonts::ReadError> {
    let head = font.head()?;
    let units_per_em = head.units_per_em();
    if !(16..=16384).contains(&units_per_em) {
        return Err(read_fonts::ReadError::MalformedData(
            "units per em out of range",
        ));
    }
    let scale = |v: i16| to_glyph_space(v.into(), units_per_em).round();
    let bbox = [
        scale(head.x_min()),
        scale(head.y_min()),
        scale(head.x_max()),
        scale(head.y_max()),
    ];
    let os2 = font.os2().ok();
    let post = font.post().ok();

    let (mut ascent, mut descent) = match font.hhea() {
        Ok(hhea) => (
            scale(hhea.ascender().to_i16()),
            scale(hhea.descender().to_i16()),
        ),
        Err(_) => (0.0, 0.0),
    };
    if ascent == 0.0 && descent == 0.0 {
        match &os2 {
            Some(os2) => {
                ascent = scale(os2.s_typo_ascender());
                descent = scale(os2.s_typo_descender());
            }
            None => (ascent, descent) = (bbox[3], bbox[1]),
        }
    }
    let cap_height = os2
        .as_ref()
        .and_then(|os2| os2.s_cap_height())
        .filter(|&h| h > 0)
        .map(scale)
        .unwrap_or(ascent);

    let italic_angle = post
        .as_ref()
        .map(|p| p.italic_angle().to_f32())
        .unwrap_or(0.0);
    let weight = os2.as_ref().map(|os2| os2.us_weight_class()).unwrap_or(400);
    // There is no stem width in OpenType; interpolate the common estimate (80 for a regular
    // weight, 140 for bold) over the weight class. Viewers only use it for substitution.
    let stem_v = (80.0 + (f32::from(weight) - 400.0) * 0.2)
        .clamp(30.0, 220.0)
        .round();

    let mut flags = flags::SYMBOLIC;
    if post.as_ref().is_some_and(|p| p.is_fixed_pitch() != 0) {
        flags |= flags::FIXED_PITCH;
    }
    if let Some(os2) = &os2 {
        // sFamilyClass: class 1-5 and 7 are serif families, 10 are scripts. PANOSE family
        // "Latin Text" (2) with serif styles 2-10 is serif too (11-15 are sans).
        let class = os2.s_family_class() >> 8;
        let panose = os2.panose_10();
        let panose_serif =
            panose.first() == Some(&2) && panose.get(1).is_some_and(|s| (2..=10).contains(s));
        if matches!(class, 1..=5 | 7) || panose_serif {
            flags |= flags::SERIF;
        }
        if class == 10 {
            flags |= flags::SCRIPT;
        }
    }
    let os2_italic = os2.as_ref().is_some_and(|os2| {
        os2.fs_selection()
            .contains(read_fonts::tables::os2::SelectionFlags::ITALIC)
    });
    let head_italic = head
        .mac_style()
        .contains(read_fonts::tables::head::MacStyle::ITALIC);
    if os2_italic || head_italic || italic_angle != 0.0 {
        flags |= flags::ITALIC;
    }

    Ok(Metrics {
        units_per_em,
        bbox,
        italic_angle,
        ascent,
        descent,
        cap_height,
        stem_v,
        flags,
    })
}

/// Converts font units to glyph space (1/1000 em), where PDF font metrics live.
fn to_glyph_space(value: f32, units_per_em: u16) -> f32 {
    value * 1000.0 / f32::from(units_per_em)
}

/// Rounds a width to 1/100 of a glyph-space unit: exact enough for positioning (a 1e-5 em error)
/// while keeping `/W` short. Plain IEEE arithmetic, so the same on every machine.
fn round_width(width: f32) -> f32 {
    (width * 100.0).round() / 100.0
}

/// The face's PostScript name (name id 6), reduced to the characters a PDF name and the
/// PostScript language allow, or `None` if the face has none.
fn postscript_name(font: &FontRef) -> Option<String> {
    let table = font.name().ok()?;
    let data = table.string_data();
    let records = table.name_record();
    // Prefer Windows Unicode, then Mac Roman, then whatever else carries the name.
    let rank = |platform: u16| match platform {
        3 => 0,
        1 => 1,
        _ => 2,
    };
    let record = records
        .iter()
        .filter(|r| r.name_id() == NameId::POSTSCRIPT_NAME)
        .min_by_key(|r| rank(r.platform_id()))?;
    let name: String = record
        .string(data)
        .ok()?
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"[](){}<>/%#".contains(*c))
        .take(63)
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Six uppercase letters naming the subset (ISO 32000-1, 9.6.4), from a hash of the face and
/// the glyphs kept, so the same input always gives the same tag.
fn subset_tag(data: &[u8], index: u32, glyphs: impl Iterator<Item = u16>) -> String {
    let mut hasher = siphasher::sip128::SipHasher13::new();
    hasher.write(data);
    hasher.write(&index.to_be_bytes());
    for gid in glyphs {
        hasher.write(&gid.to_be_bytes());
    }
    let mut hash = siphasher::sip128::Hasher128::finish128(&hasher).as_u128();
    let mut tag = String::with_capacity(6);
    for _ in 0..6 {
        tag.push(char::from(b'A' + (hash % 26) as u8));
        hash /= 26;
    }
    tag
}

/// Builds `/DW` and a compact `/W` array (ISO 32000-1, 9.7.4.3) from CID → width.
///
/// The most common width becomes `/DW` and is left out of `/W`; runs of three or more equal
/// widths on consecutive CIDs become `first last width`; everything else is grouped into
/// `first [w1 w2 …]` over consecutive CIDs.
fn width_array(widths: &BTreeMap<u16, f32>) -> (f32, Vec<Object>) {
    // The most common width, ties broken towards the smallest, for a deterministic choice.
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for &w in widths.values() {
        *counts.entry(w.to_bits()).or_default() += 1;
    }
    let default = counts
        .iter()
        .map(|(&bits, &n)| (f32::from_bits(bits), n))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.total_cmp(&a.0)))
        .map_or(0.0, |(w, _)| w);

    // Split the non-default widths into runs of consecutive CIDs.
    let mut runs: Vec<(u16, Vec<f32>)> = Vec::new();
    for (&cid, &w) in widths.iter().filter(|&(_, &w)| w != default) {
        match runs.last_mut() {
            Some((first, ws)) if usize::from(*first) + ws.len() == usize::from(cid) => ws.push(w),
            _ => runs.push((cid, vec![w])),
        }
    }

    let mut out = Vec::new();
    for (first, ws) in runs {
        let mut pending: Vec<Object> = Vec::new();
        let mut pending_start = first;
        let mut i = 0;
        while i < ws.len() {
            let same = ws[i..].iter().take_while(|&&w| w == ws[i]).count();
            let cid = first + i as u16;
            if same >= 3 {
                if !pending.is_empty() {
                    out.push(i64::from(pending_start).into());
                    out.push(Object::Array(std::mem::take(&mut pending)));
                }
                out.push(i64::from(cid).into());
                out.push(i64::from(cid + same as u16 - 1).into());
                out.push(number(ws[i]));
                i += same;
                pending_start = first + i as u16;
            } else {
                if pending.is_empty() {
                    pending_start = cid;
                }
                pending.push(number(ws[i]));
                i += 1;
            }
        }
        if !pending.is_empty() {
            out.push(i64::from(pending_start).into());
            out.push(Object::Array(pending));
        }
    }
    (default, out)
}

/// Writes a ToUnicode CMap (ISO 32000-1, 9.10.3) mapping each CID to its text in UTF-16BE.
///
/// CIDs with empty text (glyphs that continue a cluster) are left out. Consecutive CIDs whose
/// texts are consecutive single BMP characters share a `bfrange`; the rest are `bfchar`, so a
/// ligature maps to several characters and a non-BMP character to a surrogate pair.
fn to_unicode_cmap(texts: &BTreeMap<u16, &str>) -> Vec<u8> {
    /// The spec allows at most 100 entries between `beginbf…` and `endbf…`.
    const BLOCK: usize = 100;

    // The destination is capped at 512 bytes (256 UTF-16 units) by the CMap syntax.
    let entries: Vec<(u16, Vec<u16>)> = texts
        .iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(&cid, text)| {
            let mut units: Vec<u16> = text.encode_utf16().collect();
            if units.len() > 256 {
                units.truncate(256);
                // Don't leave half a surrogate pair at the end.
                if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
                    units.pop();
                }
            }
            (cid, units)
        })
        .collect();

    let mut ranges: Vec<(u16, u16, u16)> = Vec::new();
    let mut chars: Vec<(u16, &[u16])> = Vec::new();
    let single = |units: &[u16]| match units {
        [u] if !(0xD800..0xE000).contains(u) => Some(*u),
        _ => None,
    };
    let mut i = 0;
    while i < entries.len() {
        let (cid, units) = &entries[i];
        let mut len = 1;
        if let Some(first) = single(units) {
            // Extend while CID and character both step by one, staying within one block of 256
            // in both (a bfrange may only vary the last byte).
            while let Some((next_cid, next_units)) = entries.get(i + len) {
                let step = len as u16;
                let fits = usize::from(*cid) + len == usize::from(*next_cid)
                    && first
                        .checked_add(step)
                        .is_some_and(|want| single(next_units) == Some(want))
                    && cid >> 8 == next_cid >> 8
                    && first >> 8 == (first + step) >> 8;
                if !fits {
                    break;
                }
                len += 1;
            }
            if len > 1 {
                ranges.push((*cid, cid + len as u16 - 1, first));
                i += len;
                continue;
            }
        }
        chars.push((*cid, units));
        i += 1;
    }

    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n\
         12 dict begin\n\
         begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n\
         /CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for block in chars.chunks(BLOCK) {
        let _ = writeln!(out, "{} beginbfchar", block.len());
        for (cid, units) in block {
            let _ = write!(out, "<{cid:04X}> <");
            for unit in *units {
                let _ = write!(out, "{unit:04X}");
            }
            out.push_str(">\n");
        }
        out.push_str("endbfchar\n");
    }
    for block in ranges.chunks(BLOCK) {
        let _ = writeln!(out, "{} beginbfrange", block.len());
        for (first, last, unit) in block {
            let _ = writeln!(out, "<{first:04X}> <{last:04X}> <{unit:04X}>");
        }
        out.push_str("endbfrange\n");
    }
    out.push_str(
        "endcmap\n\
         CMapName currentdict /CMap defineresource pop\n\
         end\n\
         end\n",
    );
    out.into_bytes()
}

/// A dictionary from key-value pairs, in the order given.
fn dict<const N: usize>(entries: [(&str, Object); N]) -> Dictionary {
    let mut dict = Dictionary::new();
    for (key, value) in entries {
        dict.set(key, value);
    }
    dict
}

/// A PDF name object.
fn name(value: &str) -> Object {
    Object::Name(value.as_bytes().to_vec())
}

/// A number, written as an integer when it is whole.
fn number(value: f32) -> Object {
    if value.fract() == 0.0 && value.abs() < 1e9 {
        Object::Integer(value as i64)
    } else {
        Object::Real(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    const SAMPLE: &str = "Olá, coração! Ŧĥé qüíçķ — Привет, Ελληνικά";

    #[track_caller]
    fn load(file: &str) -> Arc<Vec<u8>> {
        Arc::new(
            folio_typeset::bundled_font(file)
                .expect("bundled font is present")
                .to_vec(),
        )
    }

    #[track_caller]
    fn cmap_str(cmap: &[u8]) -> String {
        String::from_utf8(cmap.to_vec()).expect("cmaps are ASCII")
    }

    #[test]
    fn to_unicode_maps_ligatures_and_surrogate_pairs() {
        let texts = BTreeMap::from([(1, "ffi"), (2, "𝔸"), (3, ""), (5, "é")]);
        let cmap = cmap_str(&to_unicode_cmap(&texts));
        assert!(cmap.contains("3 beginbfchar\n<0001> <006600660069>\n<0002> <D835DD38>\n<0005> <00E9>\nendbfchar\n"), "{cmap}");
        assert!(
            !cmap.contains("<0003>"),
            "a cluster continuation has no mapping: {cmap}"
        );
        assert!(!cmap.contains("bfrange"));
        assert!(cmap.contains("<0000> <FFFF>"));
    }

    #[test]
    fn to_unicode_uses_ranges_for_runs() {
        // a b c d on CIDs 10-13 form a range; x on 14 does not continue it.
        let texts = BTreeMap::from([(10, "a"), (11, "b"), (12, "c"), (13, "d"), (14, "x")]);
        let cmap = cmap_str(&to_unicode_cmap(&texts));
        assert!(
            cmap.contains("1 beginbfrange\n<000A> <000D> <0061>\nendbfrange\n"),
            "{cmap}"
        );
        assert!(
            cmap.contains("1 beginbfchar\n<000E> <0078>\nendbfchar\n"),
            "{cmap}"
        );
    }

    #[test]
    fn to_unicode_ranges_stay_within_a_last_byte_block() {
        // CIDs 0x00FF and 0x0100 are consecutive, but a range may only vary the last byte.
        let texts = BTreeMap::from([(0x00FE, "a"), (0x00FF, "b"), (0x0100, "c")]);
        let cmap = cmap_str(&to_unicode_cmap(&texts));
        assert!(cmap.contains("<00FE> <00FF> <0061>"), "{cmap}");
        assert!(cmap.contains("<0100> <0063>"), "{cmap}");
    }

    #[test]
    fn to_unicode_splits_blocks_of_one_hundred() {
        let texts: Vec<String> = (0..250).map(|i| format!("x{i}")).collect();
        let map: BTreeMap<u16, &str> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as u16, t.as_str()))
            .collect();
        let cmap = cmap_str(&to_unicode_cmap(&map));
        assert_eq!(cmap.matches("100 beginbfchar").count(), 2);
        assert_eq!(cmap.matches("50 beginbfchar").count(), 1);
    }

    #[test]
    fn to_unicode_range_never_steps_past_u_ffff() {
        // U+FFFF followed by a two-unit text on the next CID must not be taken for a range.
        let texts = BTreeMap::from([(1, "\u{FFFF}"), (2, "ab")]);
        let cmap = cmap_str(&to_unicode_cmap(&texts));
        assert!(cmap.contains("<0001> <FFFF>\n<0002> <00610062>"), "{cmap}");
    }

    #[test]
    fn width_array_is_compact() {
        let widths = BTreeMap::from([
            (1, 500.0),
            (2, 600.0),
            (3, 250.5),
            (4, 700.0),
            (5, 700.0),
            (6, 700.0),
            (7, 300.0),
            (9, 500.0),
            (10, 500.0),
            (11, 500.0),
            (12, 500.0),
            (20, 100.0),
        ]);
        let (dw, w) = width_array(&widths);
        assert_eq!(dw, 500.0);
        let expected = vec![
            Object::Integer(2),
            Object::Array(vec![Object::Integer(600), Object::Real(250.5)]),
            Object::Integer(4),
            Object::Integer(6),
            Object::Integer(700),
            Object::Integer(7),
            Object::Array(vec![Object::Integer(300)]),
            Object::Integer(20),
            Object::Array(vec![Object::Integer(100)]),
        ];
        assert_eq!(w, expected);
    }

    #[test]
    fn width_array_of_nothing_is_empty() {
        assert_eq!(width_array(&BTreeMap::new()), (0.0, vec![]));
        let (dw, w) = width_array(&BTreeMap::from([(3, 612.0)]));
        assert_eq!((dw, w), (612.0, vec![]));
    }

    #[test]
    fn subset_tag_is_stable_and_uppercase() {
        let a = subset_tag(b"face", 0, [1, 2, 3].into_iter());
        assert_eq!(a, subset_tag(b"face", 0, [1, 2, 3].into_iter()));
        assert_ne!(a, subset_tag(b"face", 0, [1, 2].into_iter()));
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_uppercase()), "{a}");
    }

    #[test]
    fn bad_font_data_is_an_error() {
        let mut embedder = FontEmbedder::new();
        embedder.add_face(1, Arc::new(b"not a font at all".to_vec()), 0);
        embedder.use_glyph(1, 3, "a");
        let err = embedder
            .embed(&mut Document::with_version("1.7"))
            .unwrap_err();
        assert!(matches!(err, FontEmbedError::Parse { key: 1, .. }), "{err}");

        // A truncated real font must not panic either.
        let mut data = load("NotoSans-Regular.ttf").to_vec();
        data.truncate(data.len() / 3);
        let mut embedder = FontEmbedder::new();
        embedder.add_face(2, Arc::new(data), 0);
        embedder.use_glyph(2, 40, "a");
        assert!(embedder.embed(&mut Document::with_version("1.7")).is_err());
    }

    #[test]
    fn a_failing_face_leaves_the_document_untouched() {
        let mut embedder = FontEmbedder::new();
        embedder.add_face(1, load("NotoSans-Regular.ttf"), 0);
        embedder.use_glyph(1, 40, "a");
        embedder.add_face(2, Arc::new(vec![0; 64]), 0);
        embedder.use_glyph(2, 40, "a");
        let mut doc = Document::with_version("1.7");
        assert!(embedder.embed(&mut doc).is_err());
        assert!(doc.objects.is_empty());
    }

    #[test]
    fn a_cluster_of_its_own_glyphs_maps_glyph_by_glyph_and_the_likeliest_text_wins() {
        let data = load("NotoSans-Regular.ttf");
        let font = FontRef::new(&data).unwrap();
        let cmap = font.cmap().unwrap();
        let gid = |c: char| cmap.map_codepoint(c).unwrap().to_u32() as u16;
        let (a, b, e, acute) = (gid('a'), gid('b'), gid('e'), gid('\u{301}'));
        let mut embedder = FontEmbedder::new();
        embedder.add_face(1, data.clone(), 0);
        // e + combining acute, drawn as its own two glyphs: each stands for its character.
        embedder.use_cluster(1, &[e, acute], "e\u{301}");
        // Two glyphs drawn in the other order than their characters (as a Devanagari vowel
        // sign before its consonant): the first stands for the whole cluster, once.
        embedder.use_cluster(1, &[b, a], "ab");
        embedder.use_cluster(1, &[b], "b");
        embedder.use_cluster(1, &[b], "b");
        embedder.use_cluster(1, &[a], "a");
        let fonts = embedder.embed(&mut Document::with_version("1.7")).unwrap();
        let texts = &fonts[&1].texts;
        assert_eq!(texts[&e], "e");
        assert_eq!(texts[&acute], "\u{301}");
        assert_eq!(texts[&b], "b", "noted twice as b, once as ab");
        assert_eq!(texts[&a], "a");
    }

    #[test]
    fn unknown_faces_and_glyphs_are_errors() {
        let mut embedder = FontEmbedder::new();
        embedder.use_glyph(9, 3, "a");
        let err = embedder
            .embed(&mut Document::with_version("1.7"))
            .unwrap_err();
        assert_eq!(err, FontEmbedError::UnknownFace { key: 9 });
        assert_eq!(
            err.to_string(),
            "glyphs were used with font 9, which was never registered"
        );

        let mut embedder = FontEmbedder::new();
        embedder.add_face(1, load("NotoSans-Regular.ttf"), 0);
        embedder.use_glyph(1, u16::MAX, "a");
        let err = embedder
            .embed(&mut Document::with_version("1.7"))
            .unwrap_err();
        assert!(
            matches!(
                err,
                FontEmbedError::GlyphOutOfRange {
                    key: 1,
                    gid: u16::MAX,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn unused_faces_are_not_embedded() {
        let mut embedder = FontEmbedder::new();
        embedder.add_face(1, load("NotoSans-Regular.ttf"), 0);
        let mut doc = Document::with_version("1.7");
        assert!(embedder.embed(&mut doc).unwrap().is_empty());
        assert!(doc.objects.is_empty());
    }

    #[test]
    fn metrics_describe_the_face() {
        let data = load("NotoSerif-Italic.ttf");
        let font = FontRef::new(&data).unwrap();
        let m = read_metrics(&font).unwrap();
        assert!(m.flags & flags::SYMBOLIC != 0);
        assert!(m.flags & flags::ITALIC != 0, "flags {}", m.flags);
        assert!(m.italic_angle < 0.0);
        assert!(
            m.ascent > 500.0 && m.descent < 0.0 && m.cap_height > 500.0,
            "{m:?}"
        );
        assert_eq!(postscript_name(&font).as_deref(), Some("NotoSerif-Italic"));

        let data = load("NotoSansMono-Bold.ttf");
        let m = read_metrics(&FontRef::new(&data).unwrap()).unwrap();
        assert!(m.flags & flags::FIXED_PITCH != 0, "flags {}", m.flags);
        assert!(
            m.flags & (flags::ITALIC | flags::SERIF) == 0,
            "flags {}",
            m.flags
        );
        assert!(m.stem_v > 80.0);
    }

    /// One page drawing `SAMPLE` (and a ligature) with NotoSerif-Regular through the embedder,
    /// saved with object streams. Returns the file and the embedded font.
    fn sample_pdf() -> (Vec<u8>, EmbeddedFont) {
        let data = load("NotoSerif-Regular.ttf");
        let font = FontRef::new(&data).unwrap();
        let cmap = font.cmap().unwrap();
        let gid = |c: char| -> u16 {
            let gid = cmap
                .map_codepoint(c)
                .unwrap_or_else(|| panic!("NotoSerif maps {c:?}"));
            u16::try_from(gid.to_u32()).unwrap()
        };

        // The sample, then " office" with the "ffi" ligature glyph standing for three letters.
        let mut glyphs: Vec<(u16, String)> =
            SAMPLE.chars().map(|c| (gid(c), c.to_string())).collect();
        glyphs.push((gid(' '), " ".into()));
        glyphs.push((gid('o'), "o".into()));
        glyphs.push((gid('\u{FB03}'), "ffi".into()));
        glyphs.push((gid('c'), "c".into()));
        glyphs.push((gid('e'), "e".into()));

        let mut embedder = FontEmbedder::new();
        embedder.add_face(7, data.clone(), 0);
        for (g, text) in &glyphs {
            embedder.use_glyph(7, *g, text);
        }
        let mut doc = Document::with_version("1.7");
        let fonts = embedder.embed(&mut doc).unwrap();
        let embedded = fonts[&7].clone();

        let mut shown = String::new();
        for (g, _) in &glyphs {
            let _ = write!(shown, "{:04X}", embedded.cid[g]);
        }
        let content = format!("BT /F1 12 Tf 72 700 Td <{shown}> Tj ET");
        let mut content = Stream::new(Dictionary::new(), content.into_bytes());
        content.compress().unwrap();
        let content_id = doc.add_object(content);
        let pages_id = doc.new_object_id();
        let resources = dict([(
            "Font",
            Object::Dictionary(dict([("F1", Object::Reference(embedded.font))])),
        )]);
        let page_id = doc.add_object(dict([
            ("Type", name("Page")),
            ("Parent", Object::Reference(pages_id)),
            (
                "MediaBox",
                Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]),
            ),
            ("Resources", Object::Dictionary(resources)),
            ("Contents", Object::Reference(content_id)),
        ]));
        let pages = dict([
            ("Type", name("Pages")),
            ("Kids", Object::Array(vec![Object::Reference(page_id)])),
            ("Count", 1.into()),
        ]);
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let catalog_id = doc.add_object(dict([
            ("Type", name("Catalog")),
            ("Pages", Object::Reference(pages_id)),
        ]));
        doc.trailer.set("Root", Object::Reference(catalog_id));
        // A fixed /ID, so that two runs give the same bytes.
        let id = Object::String(vec![0x42; 16], StringFormat::Hexadecimal);
        doc.trailer.set("ID", Object::Array(vec![id.clone(), id]));

        let mut bytes = Vec::new();
        doc.save_modern(&mut bytes).unwrap();
        (bytes, embedded)
    }

    /// Runs `tool args… pdf after…`; `None` (after saying so) if the tool is not installed.
    fn run_tool(
        tool: &str,
        args: &[&str],
        pdf: &Path,
        after: &[&str],
    ) -> Option<std::process::Output> {
        match Command::new(tool).args(args).arg(pdf).args(after).output() {
            Ok(output) => Some(output),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!(
                    "skipping the {tool} check: {tool} is not installed (apt-get install qpdf poppler-utils)"
                );
                None
            }
            Err(e) => panic!("could not run {tool}: {e}"),
        }
    }

    #[test]
    fn embedded_subset_passes_outside_checkers() {
        let (bytes, embedded) = sample_pdf();
        assert!(
            bytes.len() < 40_000,
            "a small subset, got {} bytes",
            bytes.len()
        );
        assert_eq!(embedded.postscript_name, "NotoSerif-Regular");
        assert!(
            embedded.base_font.ends_with("+NotoSerif-Regular"),
            "{}",
            embedded.base_font
        );
        let cids: std::collections::BTreeSet<u16> = embedded.cid.values().copied().collect();
        assert_eq!(cids.len(), embedded.cid.len(), "CIDs are distinct");
        assert!(!cids.contains(&0), ".notdef stays CID 0 and is not drawn");

        let dir = std::env::temp_dir().join(format!("folio-embed-font-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sample.pdf");
        std::fs::write(&path, &bytes).unwrap();
        eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());

        if let Some(out) = run_tool("qpdf", &["--check"], &path, &[]) {
            let stdout = String::from_utf8_lossy(&out.stdout);
            eprintln!(
                "qpdf --check:\n{stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.success(), "qpdf --check failed: {stdout}");
            assert!(
                stdout.contains("No syntax or stream encoding errors found"),
                "{stdout}"
            );
        }
        if let Some(out) = run_tool("pdftotext", &["-enc", "UTF-8"], &path, &["-"]) {
            let text = String::from_utf8_lossy(&out.stdout);
            eprintln!("pdftotext: {text}");
            assert!(out.status.success());
            assert!(
                text.contains(&format!("{SAMPLE} office")),
                "pdftotext gave {text:?}"
            );
        }
        if let Some(out) = run_tool("pdffonts", &[], &path, &[]) {
            let table = String::from_utf8_lossy(&out.stdout);
            eprintln!("pdffonts:\n{table}");
            assert!(out.status.success());
            let row = table
                .lines()
                .find(|l| l.contains(&embedded.base_font))
                .expect("font listed");
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name, type (2 words), encoding, emb, sub, uni, object, id
            assert_eq!(
                &cols[1..=6],
                ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"],
                "{row}"
            );
        }
        if std::env::var_os("FOLIO_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn output_is_deterministic() {
        let (a, fa) = sample_pdf();
        let (b, fb) = sample_pdf();
        assert_eq!(fa, fb);
        assert!(a == b, "two runs wrote different bytes");
    }
}
