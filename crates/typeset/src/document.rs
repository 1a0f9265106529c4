//! The document's own fonts in the font book, and the faces a placed text is written with:
//! the two places where typesetting meets the PDF the text came from.

use std::collections::HashMap;

use folio_doc::{Document, FaceId, FaceSource, Font, FontId, OriginalFont, PlacedFace};

use crate::error::TypesetResult;
use crate::fonts::{FaceOrigin, FontBook, FontQuery, PdfCodes};

/// Width of a space, in em, for a font whose spaces the reader never saw.
const DEFAULT_SPACE: f32 = 0.3;

impl FontQuery {
    /// A face in the spirit of one of the document's fonts: its class, weight and slant.
    pub fn like(font: &Font) -> Self {
        Self {
            class: font.style.family,
            bold: font.style.bold,
            italic: font.style.italic,
            original: None,
        }
    }
}

impl FontBook {
    /// Adds each of the document's fonts that can draw new text by code (an indirect font
    /// dictionary with fixed-length codes, and characters the reader saw it draw: see
    /// [`folio_doc::Font::drawn`]) as a face, so text it can show keeps its look. Returns the
    /// face of each font added.
    pub fn add_document_fonts(&mut self, doc: &Document) -> HashMap<FontId, FaceId> {
        let mut added = HashMap::new();
        for (i, font) in doc.fonts.iter().enumerate() {
            let Some(drawn) = &font.drawn else { continue };
            if font.dict.is_none() || font.code_bytes.is_none() {
                continue;
            }
            let codes = PdfCodes {
                codes: drawn.codes.iter().map(|(&c, &v)| (c, v)).collect(),
                space: drawn.space.unwrap_or(DEFAULT_SPACE),
                class: font.style.family,
                bold: font.style.bold,
                italic: font.style.italic,
                ascent: font.ascent,
                descent: font.descent,
                x_height: font.x_height,
                name: font.name.clone(),
                kerns: drawn.kerns.iter().map(|&(a, b, k)| ((a, b), k)).collect(),
                ligatures: drawn.ligatures.clone(),
            };
            let id = FontId(i as u32);
            added.insert(id, self.add_pdf_font(id, codes));
        }
        added
    }

    /// What the writer needs of each face in `used`: the font program to subset, or for one
    /// of the document's own fonts, its dictionary and how far it moves the pen per code.
    pub fn placed_faces(
        &self,
        used: impl IntoIterator<Item = FaceId>,
        doc: &Document,
    ) -> TypesetResult<Vec<PlacedFace>> {
        let mut faces = Vec::new();
        for id in used {
            let face = self.face(id)?;
            let original = match face.info().origin {
                FaceOrigin::Pdf { font } => {
                    let f = doc.font(font);
                    f.dict.zip(f.code_bytes).map(|(dict, code_bytes)| {
                        // The font's own widths; what the reader measured where it has none.
                        let mut advances: HashMap<u32, f32> = face
                            .pdf_codes()
                            .into_iter()
                            .flat_map(|c| {
                                c.codes
                                    .values()
                                    .copied()
                                    .chain(c.ligatures.iter().map(|l| (l.1, l.2)))
                            })
                            .collect();
                        advances.extend(f.widths.iter().map(|(&code, &w)| (code, w)));
                        OriginalFont {
                            dict,
                            code_bytes,
                            advances,
                        }
                    })
                }
                _ => None,
            };
            let source = match original {
                Some(o) => FaceSource::Original(o),
                None => FaceSource::Program {
                    data: face.shared_data(),
                    index: face.index(),
                },
            };
            faces.push(PlacedFace { id, source });
        }
        Ok(faces)
    }
}
