//! What annotations show as page text: the normal appearances of widget and free-text
//! annotations, and text field values a viewer draws itself (ISO 32000-2, 12.5.5, 12.7.3).

use folio_doc::{Address, Matrix, Rect, StreamId};
use hayro_syntax::object::{Array, Dict, Name, Object, Stream};
use hayro_syntax::page::Resources;

use super::interp::{Interpreter, State, rgb};
use super::obj_ref;

impl<'a> Interpreter<'_, 'a> {
    /// Draws the normal appearances of the page's widget and free-text annotations (form
    /// field values, typed notes): their text is on the page as a viewer shows it. The
    /// appearance's box, through its matrix, is fitted to the annotation's rectangle
    /// (ISO 32000-2, 12.5.5, algorithm 8.1). Hidden and no-view annotations are skipped.
    pub(crate) fn annotations(&mut self, hpage: &hayro_syntax::page::Page<'a>) {
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
}
