//! XObjects (`Do`) and inline images: images placed on the page, forms entered with their
//! own stream id and resources (ISO 32000-2, 8.8 to 8.10).

use folio_doc::{Address, ImageAsset, Matrix, Rect, StreamId};
use hayro_syntax::object::{Array, Dict, Name, Stream};
use hayro_syntax::page::Resources;

use super::Interpreter;
use super::state::State;
use crate::limits::{DecodeError, LimitExceeded};
use crate::read::obj_ref;

impl<'a> Interpreter<'_, 'a> {
    /// Draws the XObject resource `name` (`Do`): an image or a form.
    pub(crate) fn xobject(
        &mut self,
        name: &Name<'_>,
        res: &Resources<'a>,
        st: &mut State,
        addr: Address,
    ) {
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

    /// Walks a form XObject's content with its own resources. A form that draws itself (or
    /// an ancestor) is skipped with a warning; forms nested deeper than the limit, or a form
    /// too large to decode, fail the page.
    pub(crate) fn form(&mut self, stream: &Stream<'a>, parent: &Resources<'a>, st: &mut State) {
        let id = stream.obj_id();
        let key = (id.obj_number, id.gen_number);
        if self.forms.contains(&key) {
            self.warn(format!(
                "Form XObject {} {} R draws itself; skipped",
                key.0, key.1
            ));
            return;
        }
        let max = self.budget.limits.max_depth;
        if self.forms.len() >= max as usize {
            self.page_budget.exceed(LimitExceeded::Depth { max });
            return;
        }
        let data = match self.budget.decode(stream) {
            Ok(data) => data,
            Err(DecodeError::Broken) => {
                self.warn(format!(
                    "Form XObject {} {} R could not be decoded",
                    key.0, key.1
                ));
                return;
            }
            Err(DecodeError::Limit(limit)) => {
                self.page_budget.exceed(limit);
                return;
            }
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
            std::mem::take(&mut st.clip_pending),
        );
        st.g.ctm = matrix.then(&st.g.ctm);
        // The form is clipped to its /BBox, in form space (ISO 32000-2, 8.10.1).
        let bbox: Vec<f64> = dict
            .get::<Array<'_>>(b"BBox".as_slice())
            .map(|a| a.iter::<f64>().collect())
            .unwrap_or_default();
        if let [x0, y0, x1, y1] = bbox[..] {
            let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)];
            if let Some(region) =
                Rect::bounding(corners.iter().map(|&(x, y)| self.user_point(st, x, y)))
            {
                st.g.clip_to(region);
            }
        }
        self.forms.push(key);
        self.run(&data, &resources, StreamId::Form(obj_ref(id)), st);
        self.forms.pop();
        st.g = saved_g;
        st.stack = saved_stack;
        (st.tm, st.tlm) = saved_text;
        (st.path, st.subpaths, st.clip_pending) = saved_path;
    }

    /// Records an image drawn in the unit square of the current transformation.
    pub(crate) fn image(
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

/// An image's size in samples, under its full or its inline-image key.
pub(crate) fn image_size(dict: &Dict<'_>) -> (u32, u32) {
    let get = |long: &[u8], short: &[u8]| {
        dict.get::<f64>(long)
            .or_else(|| dict.get::<f64>(short))
            .unwrap_or(0.0)
            .max(0.0) as u32
    };
    (get(b"Width", b"W"), get(b"Height", b"H"))
}
