//! The font book: every face the typesetter may use, loaded through one door.
//!
//! Faces come from two places: the bundled fonts (`fonts/` in the repository, compiled in; or a
//! directory passed in by path) and the original PDF's embedded font programs, which the caller adds with
//! [`FontBook::add_embedded`] so a block can keep its original look when that font has every
//! glyph the translation needs. Nothing here reads a global: tests build their own book.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use folio_doc::{FontFamilyClass, FontId};
use harfrust::font::Font;
use harfrust::font::attribute::Style;
use read_fonts::TableProvider;
use read_fonts::types::NameId;
use serde::{Deserialize, Serialize};

use folio_doc::FaceId;

use crate::error::{TypesetError, TypesetResult};

/// Where a face came from, so the writer knows what it embeds and the report can say so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FaceOrigin {
    /// A file of the bundled font directory.
    Bundled {
        /// File name inside the directory, such as `NotoSerif-Bold.ttf`.
        file: String,
    },
    /// The font program embedded in the original PDF.
    Embedded {
        /// The font in the reader's [`folio_doc::Document::fonts`].
        font: FontId,
    },
    /// The original PDF font drawn by its own character codes, whatever its kind (Type 1,
    /// Type 3, CFF, TrueType): the writer reuses the font resource, so the text looks exactly
    /// like the source. Only the characters the document shows in it are available.
    Pdf {
        /// The font in the reader's [`folio_doc::Document::fonts`].
        font: FontId,
    },
}

/// What a PDF font can show, as the reader saw it: each character's code and advance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PdfCodes {
    /// Character → (character code, advance in em).
    pub codes: HashMap<char, (u32, f32)>,
    /// Advance of a space, in em (TeX fonts have no space glyph: the gap between words).
    pub space: f32,
    /// Look of the font, to match spans and fallbacks.
    pub class: FontFamilyClass,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Ascent in em.
    pub ascent: f32,
    /// Descent in em (negative).
    pub descent: f32,
    /// Height of a lowercase letter in em, when the PDF says.
    #[serde(default)]
    pub x_height: Option<f32>,
    /// The font's name, for dumps.
    pub name: String,
    /// Kerning between two characters as the original set them, in em (negative: closer);
    /// applied between them whenever they meet again.
    #[serde(skip)]
    pub kerns: HashMap<(char, char), f32>,
    /// Letter sequences the font draws as one glyph ("fi", "ffl" in TeX fonts): (text, code,
    /// advance in em), longest first. Used wherever the sequence occurs, as the original did.
    #[serde(default)]
    pub ligatures: Vec<(String, u32, f32)>,
}

/// What a face is, as data: enough to pick it, to describe it in a dump, and to embed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceInfo {
    /// Its id in the book.
    pub id: FaceId,
    /// Family name from the `name` table (typographic family first), or the PostScript name.
    pub family: String,
    /// PostScript name (name id 6), used as `/BaseFont` by the writer.
    pub postscript_name: String,
    /// Serif, sans-serif or monospace.
    pub class: FontFamilyClass,
    /// Weight of 600 or more.
    pub bold: bool,
    /// Italic or oblique.
    pub italic: bool,
    /// Bundled file or embedded original.
    pub origin: FaceOrigin,
    /// Design units per em.
    pub units_per_em: u16,
    /// Ascender above the baseline, in em.
    pub ascent: f32,
    /// Descender below the baseline, in em (negative).
    pub descent: f32,
    /// Height of a lowercase letter, in em (`OS/2` `sxHeight`, or the PDF font's), to size a
    /// fallback face like the original; `None` when the font does not say.
    #[serde(default)]
    pub x_height: Option<f32>,
    /// Scripts of which the face maps every basic letter: `latin`, `greek`, `cyrillic`, …
    pub scripts: Vec<String>,
}

/// Which code points a face maps, as sorted inclusive ranges (cheap to test, small to keep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    ranges: Vec<(u32, u32)>,
}

impl Coverage {
    /// Builds the coverage from mapped code points, in any order.
    pub fn from_codepoints(points: impl IntoIterator<Item = u32>) -> Self {
        let mut points: Vec<u32> = points.into_iter().collect();
        points.sort_unstable();
        points.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for p in points {
            match ranges.last_mut() {
                Some(last) if last.1 + 1 == p => last.1 = p,
                _ => ranges.push((p, p)),
            }
        }
        Self { ranges }
    }

    /// Whether the face has a glyph for `c`.
    pub fn contains(&self, c: char) -> bool {
        let c = c as u32;
        let i = self.ranges.partition_point(|&(_, hi)| hi < c);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= c)
    }

    /// Number of code points covered.
    pub fn len(&self) -> usize {
        self.ranges
            .iter()
            .map(|&(lo, hi)| (hi - lo + 1) as usize)
            .sum()
    }

    /// Whether nothing is covered.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

/// The basic letters of each script we promise to cover; a face "covers" a script when it maps
/// all of them. Ranges are inclusive, from the Unicode blocks of the same names.
const SCRIPT_SAMPLES: &[(&str, &[(u32, u32)])] = &[
    (
        "latin",
        &[
            (0x41, 0x5A),
            (0x61, 0x7A),
            (0xC0, 0xD6),
            (0xD8, 0xF6),
            (0xF8, 0x17F),
        ],
    ),
    ("greek", &[(0x391, 0x3A1), (0x3A3, 0x3A9), (0x3B1, 0x3C9)]),
    (
        "cyrillic",
        &[(0x410, 0x44F), (0x401, 0x401), (0x451, 0x451)],
    ),
];

/// One usable face: the parsed font, its bytes for embedding, and what it covers.
#[derive(Clone)]
pub struct Face {
    info: FaceInfo,
    /// The parsed program; `None` for a [`FaceOrigin::Pdf`] face, which is not shaped.
    font: Option<Font>,
    data: Arc<Vec<u8>>,
    /// Which font of `data` this is, when `data` is a collection (`.ttc`); 0 otherwise.
    index: u32,
    /// For a [`FaceOrigin::Pdf`] face: its codes and advances.
    pdf: Option<Arc<PdfCodes>>,
    coverage: Coverage,
    /// A caller-supplied character map, for embedded subsets whose own `cmap` is not Unicode.
    unicode_map: Option<Arc<HashMap<u32, u32>>>,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Face {
    /// Parses a font program; `None` when the bytes are no font we can shape with.
    pub(crate) fn parse(
        data: Arc<Vec<u8>>,
        index: u32,
        origin: FaceOrigin,
        unicode_map: Option<HashMap<u32, u32>>,
    ) -> Option<Face> {
        let blob: Arc<dyn AsRef<[u8]> + Send + Sync> = data.clone();
        let font = Font::new(harfrust::font::Blob::from(blob), index)?;
        let upem = font.units_per_em();
        if upem == 0 || font.num_glyphs() == 0 {
            return None;
        }
        let coverage = match &unicode_map {
            Some(map) => Coverage::from_codepoints(map.keys().copied()),
            None => Coverage::from_codepoints(font.charmap().unicodes().map(|(c, _)| c)),
        };
        let names = font.names();
        let name = |id: NameId| -> Option<String> {
            let n = names.get(id)?.english_or_first()?;
            let s: String = n.name().chars().collect();
            (!s.trim().is_empty()).then(|| s.trim().to_string())
        };
        let postscript_name = name(NameId::POSTSCRIPT_NAME).unwrap_or_else(|| "Unnamed".into());
        let family = name(NameId::TYPOGRAPHIC_FAMILY_NAME)
            .or_else(|| name(NameId::FAMILY_NAME))
            .unwrap_or_else(|| postscript_name.clone());
        let attrs = font.default_attributes();
        let bold = attrs.weight.value() >= 600.0;
        let italic = !matches!(attrs.style, Style::Normal);
        let lower = format!("{family} {postscript_name}").to_lowercase();
        let class = if lower.contains("mono") || lower.contains("courier") {
            FontFamilyClass::Mono
        } else if lower.contains("sans") || lower.contains("helvetica") || lower.contains("arial") {
            FontFamilyClass::Sans
        } else {
            FontFamilyClass::Serif
        };
        let metrics = font.metrics();
        let (ascent, descent) = match metrics.h_line() {
            Some(line) => (
                line.ascender.to_f32() / f32::from(upem),
                line.descender.to_f32() / f32::from(upem),
            ),
            None => (0.8, -0.2),
        };
        let x_height = metrics
            .x_height
            .map(|x| x.to_f32() / f32::from(upem))
            .filter(|x| (0.2..=0.9).contains(x));
        let scripts = SCRIPT_SAMPLES
            .iter()
            .filter(|(_, ranges)| {
                ranges.iter().all(|&(lo, hi)| {
                    (lo..=hi)
                        .filter_map(char::from_u32)
                        .all(|c| coverage.contains(c))
                })
            })
            .map(|(name, _)| (*name).to_string())
            .collect();
        let info = FaceInfo {
            id: FaceId(0),
            family,
            postscript_name,
            class,
            bold,
            italic,
            origin,
            units_per_em: upem,
            ascent,
            descent,
            x_height,
            scripts,
        };
        Some(Face {
            info,
            font: Some(font),
            data,
            index,
            pdf: None,
            coverage,
            unicode_map: unicode_map.map(Arc::new),
        })
    }

    /// The font program's bytes, shared (a collection's whole file, see [`Face::index`]).
    pub fn shared_data(&self) -> Arc<Vec<u8>> {
        self.data.clone()
    }

    /// Which font of [`Face::data`] this is: 0 unless the file is a collection (`.ttc`).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// What the face is.
    pub fn info(&self) -> &FaceInfo {
        &self.info
    }

    /// The font program's bytes, as given: what the writer subsets and embeds.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The parsed font (read-fonts' model, which HarfRust shapes with); `None` for a
    /// [`FaceOrigin::Pdf`] face.
    pub fn font(&self) -> Option<&Font> {
        self.font.as_ref()
    }

    /// For a [`FaceOrigin::Pdf`] face: its character codes and advances.
    pub fn pdf_codes(&self) -> Option<&PdfCodes> {
        self.pdf.as_deref()
    }

    /// The code points the face maps.
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }

    /// Whether the face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.coverage.contains(c)
    }

    /// The glyph for `c`, through the caller's map when one was given, else the font's `cmap`.
    pub fn glyph(&self, c: char) -> Option<u32> {
        if let Some(pdf) = &self.pdf {
            return pdf.codes.get(&c).map(|&(code, _)| code);
        }
        match (&self.unicode_map, &self.font) {
            (Some(map), _) => map.get(&(c as u32)).copied(),
            (None, Some(font)) => font.charmap().map_unicode(c).map(|g| g.to_u32()),
            (None, None) => None,
        }
    }

    /// How far `glyphs` reach above and below the baseline, in em: the top of their outlines
    /// and the bottom (negative below), from the `glyf` table. Lines set in a script's font
    /// need this much room, which its ascent and descent overstate (they make room for the
    /// tallest stacked marks) or the source font's understate. `None` for a face without
    /// `glyf` outlines (CFF, a PDF font) or when no glyph has an outline.
    pub(crate) fn drawn_extent(&self, glyphs: impl Iterator<Item = u32>) -> Option<(f32, f32)> {
        if self.pdf.is_some() {
            return None;
        }
        let font = read_fonts::FontRef::from_index(&self.data, self.index).ok()?;
        let loca = font.loca(None).ok()?;
        let glyf = font.glyf().ok()?;
        let (mut top, mut bottom) = (i16::MIN, i16::MAX);
        for gid in glyphs {
            let Some(outline) = loca.get(read_fonts::types::GlyphId::new(gid), &glyf) else {
                continue;
            };
            let Some(glyph) = outline.glyph() else {
                continue;
            };
            top = top.max(glyph.y_max());
            bottom = bottom.min(glyph.y_min());
        }
        let em = f32::from(self.info.units_per_em.max(1));
        (top >= bottom).then(|| (f32::from(top) / em, f32::from(bottom) / em))
    }

    pub(crate) fn unicode_map(&self) -> Option<&HashMap<u32, u32>> {
        self.unicode_map.as_deref()
    }
}

/// What a block (or a span of it) asks of its font: the original's look, and the original
/// embedded face if the caller added one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FontQuery {
    /// Serif, sans-serif, monospace (symbol fonts fall back to serif).
    pub class: FontFamilyClass,
    /// Bold wanted.
    pub bold: bool,
    /// Italic wanted.
    pub italic: bool,
    /// The original embedded face, used when it maps every character of the text.
    pub original: Option<FaceId>,
}

/// Every face the typesetter may use, indexed by look and by coverage.
///
/// Build it once per document (the bundled faces can be loaded once per process and cloned:
/// faces share their bytes), add the document's embedded fonts, then lay out blocks with it.
#[derive(Debug, Clone, Default)]
pub struct FontBook {
    faces: Vec<Face>,
    skipped: Vec<String>,
}

impl FontBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bundled fonts (the repository's `fonts/`, compiled into the binary), loaded in
    /// file-name order as [`FontBook::from_dir`] would load that folder.
    pub fn bundled() -> Self {
        let mut book = Self::new();
        for (file, data) in crate::BUNDLED_FONTS {
            let origin = FaceOrigin::Bundled {
                file: file.to_string(),
            };
            if book.add(data.to_vec(), origin, None).is_err() {
                book.skipped.push(file.to_string());
            }
        }
        book
    }

    /// Loads every `.ttf`/`.otf` file of `dir`, in file-name order (so face ids are stable).
    /// Files that are not usable fonts are skipped and listed by [`FontBook::skipped`].
    pub fn from_dir(dir: impl AsRef<Path>) -> TypesetResult<Self> {
        let dir = dir.as_ref();
        let io = |e: std::io::Error| TypesetError::Io {
            path: dir.to_path_buf(),
            message: e.to_string(),
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf"))
            })
            .collect();
        files.sort();
        let mut book = Self::new();
        for path in files {
            let data = std::fs::read(&path).map_err(|e| TypesetError::Io {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if book
                .add(data, FaceOrigin::Bundled { file: file.clone() }, None)
                .is_err()
            {
                book.skipped.push(file);
            }
        }
        if book.faces.is_empty() {
            return Err(TypesetError::NoFonts {
                path: dir.to_path_buf(),
            });
        }
        Ok(book)
    }

    /// Adds a bundled-style font program (TrueType, OpenType or bare CFF) from bytes.
    pub fn add_font(&mut self, data: Vec<u8>, name: &str) -> TypesetResult<FaceId> {
        self.add(
            data,
            FaceOrigin::Bundled {
                file: name.to_string(),
            },
            None,
        )
    }

    /// Adds the original PDF's embedded font program for `font`, so blocks set in it can keep
    /// it. `unicode_map` maps Unicode scalar values to glyph ids when the program's own `cmap`
    /// is not Unicode (subset fonts usually are not; the reader knows the mapping from
    /// `/ToUnicode` and the encoding). The face is never used as a fallback for other text.
    pub fn add_embedded(
        &mut self,
        data: Vec<u8>,
        font: FontId,
        unicode_map: Option<HashMap<char, u32>>,
    ) -> TypesetResult<FaceId> {
        let map = unicode_map.map(|m| m.into_iter().map(|(c, g)| (c as u32, g)).collect());
        self.add(data, FaceOrigin::Embedded { font }, map)
    }

    /// Adds an original PDF font that is drawn by its own codes ([`FaceOrigin::Pdf`]); it
    /// covers the characters in `codes` and the space. Like embedded faces, it is never a
    /// fallback for other text.
    pub fn add_pdf_font(&mut self, font: FontId, codes: PdfCodes) -> FaceId {
        let mut points: Vec<u32> = codes.codes.keys().map(|&c| c as u32).collect();
        points.push(' ' as u32);
        let id = FaceId(self.faces.len() as u32);
        let info = FaceInfo {
            id,
            family: codes.name.clone(),
            postscript_name: codes.name.clone(),
            class: codes.class,
            bold: codes.bold,
            italic: codes.italic,
            origin: FaceOrigin::Pdf { font },
            units_per_em: 1000,
            ascent: codes.ascent,
            descent: codes.descent,
            x_height: codes.x_height,
            scripts: Vec::new(),
        };
        self.faces.push(Face {
            info,
            font: None,
            data: Arc::new(Vec::new()),
            index: 0,
            pdf: Some(Arc::new(codes)),
            coverage: Coverage::from_codepoints(points),
            unicode_map: None,
        });
        id
    }

    fn add(
        &mut self,
        data: Vec<u8>,
        origin: FaceOrigin,
        map: Option<HashMap<u32, u32>>,
    ) -> TypesetResult<FaceId> {
        let source = match &origin {
            FaceOrigin::Bundled { file } => file.clone(),
            FaceOrigin::Embedded { font } | FaceOrigin::Pdf { font } => {
                format!("embedded font {}", font.0)
            }
        };
        let face = Face::parse(Arc::new(data), 0, origin, map)
            .ok_or(TypesetError::InvalidFont { source })?;
        Ok(self.push(face))
    }

    /// Adds a parsed face under the next id.
    pub(crate) fn push(&mut self, mut face: Face) -> FaceId {
        let id = FaceId(self.faces.len() as u32);
        face.info.id = id;
        self.faces.push(face);
        id
    }

    /// The face with this id.
    pub fn face(&self, id: FaceId) -> TypesetResult<&Face> {
        self.faces
            .get(id.0 as usize)
            .ok_or(TypesetError::UnknownFace { face: id.0 })
    }

    /// Every face, in id order.
    pub fn faces(&self) -> impl Iterator<Item = &Face> {
        self.faces.iter()
    }

    /// Descriptions of every face, for dumps next to [`crate::PlacedBlock`]s.
    pub fn describe(&self) -> Vec<FaceInfo> {
        self.faces.iter().map(|f| f.info.clone()).collect()
    }

    /// Files of the directory that were not usable fonts.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Number of faces.
    pub fn len(&self) -> usize {
        self.faces.len()
    }

    /// Whether the book has no face.
    pub fn is_empty(&self) -> bool {
        self.faces.is_empty()
    }

    /// The bundled faces in order of preference for `query`: same class first (serif and sans
    /// stand in for each other before mono does), then same weight, then same slant. Embedded
    /// faces are never candidates: they are subsets made for other text.
    pub fn candidates(&self, query: &FontQuery) -> Vec<FaceId> {
        let mut ranked: Vec<(u32, FaceId)> = self
            .faces
            .iter()
            .filter(|f| matches!(f.info.origin, FaceOrigin::Bundled { .. }))
            .map(|f| {
                let i = &f.info;
                let score = class_distance(query.class, i.class) * 100
                    + u32::from(i.bold != query.bold) * 10
                    + u32::from(i.italic != query.italic) * 5;
                (score, i.id)
            })
            .collect();
        ranked.sort();
        ranked.into_iter().map(|(_, id)| id).collect()
    }

    /// The best bundled face for `query` that maps `c`, if any does.
    pub fn select(&self, query: &FontQuery, c: char) -> Option<FaceId> {
        self.candidates(query)
            .into_iter()
            .find(|&id| self.faces[id.0 as usize].covers(c))
    }
}

/// How far apart two family classes look; a symbol font is best replaced by a serif.
fn class_distance(want: FontFamilyClass, have: FontFamilyClass) -> u32 {
    use FontFamilyClass::*;
    match (want, have) {
        (a, b) if a == b => 0,
        (Symbol, Serif) => 0,
        (Serif, Sans) | (Sans, Serif) | (Mono, Sans) | (Symbol, Sans) => 1,
        (Mono, Serif) => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_ranges() {
        let c = Coverage::from_codepoints([0x41, 0x43, 0x42, 0x50]);
        assert!(c.contains('A') && c.contains('C') && c.contains('P'));
        assert!(!c.contains('D') && !c.contains('@'));
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut book = FontBook::new();
        let err = book.add_font(vec![0, 1, 2, 3], "junk.ttf").unwrap_err();
        assert_eq!(err.to_string(), "not a usable font program: junk.ttf");
        let err = FontBook::from_dir("/nonexistent/fonts").unwrap_err();
        assert!(matches!(err, TypesetError::Io { .. }));
    }
}
