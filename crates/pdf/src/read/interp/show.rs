//! Showing text (`Tj`, `TJ`, `'`, `"`): each character code becomes a [`Glyph`] with its
//! Unicode text, box and operator address (ISO 32000-2, 9.4.3).

use folio_doc::{Address, CompactString, Glyph, Matrix, Rect};
use hayro_syntax::object::{Array, Object};
use unicode_normalization::UnicodeNormalization;

use super::state::State;
use super::{GlyphSite, Interpreter};

impl<'a> Interpreter<'_, 'a> {
    /// Shows a `TJ` array: strings as glyphs, numbers as moves of the text position.
    pub(crate) fn show_array(&mut self, items: &Array<'_>, st: &mut State, addr: Address) {
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
    pub(crate) fn show(&mut self, bytes: &[u8], st: &mut State, addr: Address, item: u32) {
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
        let max_glyphs = self.budget.limits.max_glyphs;
        while at < bytes.len() {
            if self.out.glyphs.len() as u64 >= max_glyphs {
                self.page_budget
                    .exceed(crate::LimitExceeded::Glyphs { max: max_glyphs });
                return;
            }
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
                clip: st.g.clip,
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
}

fn normalise_angle(a: f32) -> f32 {
    let a = a.rem_euclid(360.0);
    if (a - a.round()).abs() < 0.01 {
        a.round() % 360.0
    } else {
        a
    }
}

/// Ligatures (U+FB00–FB06) as the letters they join, and Hebrew and Arabic presentation
/// forms (U+FB1D–FDFF, U+FE70–FEFF: what many PDFs map their shaped glyphs to) as the letters
/// they are drawn for, so words read, match and translate as words.
fn expand_ligatures(s: CompactString) -> CompactString {
    let presentation = |c: char| matches!(c, '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}');
    if !s
        .chars()
        .any(|c| ('\u{FB00}'..='\u{FB06}').contains(&c) || presentation(c))
    {
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
            // The byte order mark (U+FEFF) is no letter: dropped.
            '\u{FEFF}' => {}
            c if presentation(c) => out.extend(std::iter::once(c).nfkc()),
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
    fn ligatures_expand() {
        assert_eq!(expand_ligatures("\u{FB01}nd".into()), "find");
        assert_eq!(expand_ligatures("o\u{FB03}ce".into()), "office");
        // "الأنهار" as xdvipdfmx maps its shaped glyphs, and Hebrew "שׁ" as one form.
        let forms = "\u{FE8D}\u{FEDF}\u{FEE0}\u{FE83}\u{FEE7}\u{FEEC}\u{FE8E}\u{FEAD}";
        assert_eq!(
            expand_ligatures(forms.into()),
            "\u{627}\u{644}\u{644}\u{623}\u{646}\u{647}\u{627}\u{631}"
        );
        assert_eq!(expand_ligatures("\u{FB2A}".into()), "\u{5E9}\u{5C1}");
    }

    #[test]
    fn angles_are_normalised() {
        assert_eq!(normalise_angle(-90.0), 270.0);
        assert_eq!(normalise_angle(359.999), 0.0);
    }
}
