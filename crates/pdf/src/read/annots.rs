//! Link annotations and the outline (ISO 32000-2, 12.3.2 destinations, 12.3.3 outline,
//! 12.5.6.5 link annotations).

use std::collections::HashSet;

use folio_doc::{Link, OutlineItem, Rect, Target};
use hayro_syntax::Pdf;
use hayro_syntax::object::{Array, Dict, MaybeRef, Name, Object, ObjectIdentifier};
use hayro_syntax::xref::XRef;

use super::{decode_text_string, new_page, obj_ref};

/// The outline has at most this many items; beyond is a loop or junk.
const MAX_OUTLINE_ITEMS: usize = 20_000;

/// Everything needed to turn a destination into a [`Target`].
pub(crate) struct Targets<'a, 'p> {
    pub pdf: &'a Pdf,
    pub pages: &'p [hayro_syntax::page::Page<'a>],
    pub page_ids: &'p [Option<ObjectIdentifier>],
}

impl<'a> Targets<'a, '_> {
    fn page_of(&self, id: ObjectIdentifier) -> Option<u32> {
        self.page_ids
            .iter()
            .position(|p| *p == Some(id))
            .map(|i| i as u32)
    }

    /// An explicit destination `[page /XYZ left top zoom]` and friends.
    fn explicit(&self, dest: &Array<'_>) -> Option<Target> {
        let first = dest.raw_iter().next()?;
        let page = match first.as_obj_ref() {
            Some(r) => self.page_of(r.into())?,
            // Remote-style destinations give a page number.
            None => resolve(self.pdf.xref(), first)?
                .into_number()?
                .as_f64()
                .max(0.0) as u32,
        };
        let kind = dest.iter::<Object<'_>>().nth(1).and_then(|o| o.into_name());
        let top = match kind.as_ref().map(|n| n.as_str()) {
            Some("XYZ") => dest.iter::<Object<'_>>().nth(3),
            Some("FitH") | Some("FitBH") => dest.iter::<Object<'_>>().nth(2),
            Some("FitR") => dest.iter::<Object<'_>>().nth(5),
            _ => None,
        }
        .and_then(|o| o.into_number())
        .map(|n| n.as_f64());
        let y = top.and_then(|top| {
            let hpage = self.pages.get(page as usize)?;
            Some(new_page(page, hpage).user_to_display.apply(0.0, top).y)
        });
        Some(Target::Page { page, y })
    }

    /// A destination given as an array, a name or a string (named destinations).
    fn dest(&self, obj: Object<'_>) -> Option<Target> {
        match obj {
            Object::Array(a) => self.explicit(&a),
            Object::Name(n) => Some(self.named(n.as_str().as_bytes())),
            Object::String(s) => Some(self.named(s.as_bytes())),
            Object::Dict(d) => d
                .get::<Array<'_>>(b"D".as_slice())
                .and_then(|a| self.explicit(&a)),
            _ => None,
        }
    }

    fn named(&self, name: &[u8]) -> Target {
        match self.lookup_named(name).and_then(|o| self.dest(o)) {
            Some(t) => t,
            None => Target::Named(String::from_utf8_lossy(name).into_owned()),
        }
    }

    fn lookup_named(&self, name: &[u8]) -> Option<Object<'a>> {
        let xref = self.pdf.xref();
        let root = xref.get::<Dict<'a>>(xref.root_id())?;
        // PDF 1.1: /Dests dictionary in the catalogue.
        if let Some(dests) = root.get::<Dict<'a>>(b"Dests".as_slice())
            && let Ok(key) = std::str::from_utf8(name)
            && let Some(o) = dests.get::<Object<'a>>(key.as_bytes())
        {
            return Some(o);
        }
        // PDF 1.2+: the /Names /Dests name tree.
        let tree = root
            .get::<Dict<'a>>(b"Names".as_slice())?
            .get::<Dict<'a>>(b"Dests".as_slice())?;
        name_tree_lookup(&tree, name, 0)
    }

    /// The target of a link or outline item dictionary: `/Dest` or an `/A` action.
    fn of(&self, dict: &Dict<'_>) -> Option<Target> {
        if let Some(dest) = dict.get::<Object<'_>>(b"Dest".as_slice()) {
            return self.dest(dest);
        }
        let action = dict.get::<Dict<'_>>(b"A".as_slice())?;
        let kind = action.get::<Name<'_>>(b"S".as_slice());
        match kind.as_ref().map(|n| n.as_str()) {
            Some("URI") => action
                .get::<hayro_syntax::object::String<'_>>(b"URI".as_slice())
                .map(|s| Target::Uri(String::from_utf8_lossy(s.as_bytes()).into_owned())),
            Some("GoTo") => action
                .get::<Object<'_>>(b"D".as_slice())
                .and_then(|d| self.dest(d)),
            Some(other) => Some(Target::Other(other.to_string())),
            None => None,
        }
    }
}

fn name_tree_lookup<'a>(node: &Dict<'a>, key: &[u8], depth: usize) -> Option<Object<'a>> {
    if depth > 32 {
        return None;
    }
    if let Some(names) = node.get::<Array<'a>>(b"Names".as_slice()) {
        let mut it = names.iter::<Object<'a>>();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            if let Object::String(s) = k
                && s.as_bytes() == key
            {
                return Some(v);
            }
        }
    }
    let kids = node.get::<Array<'a>>(b"Kids".as_slice())?;
    for kid in kids.iter::<Dict<'a>>() {
        if let Some(limits) = kid.get::<Array<'a>>(b"Limits".as_slice()) {
            let l: Vec<_> = limits.iter::<hayro_syntax::object::String<'a>>().collect();
            if l.len() == 2 && (key < l[0].as_bytes() || key > l[1].as_bytes()) {
                continue;
            }
        }
        if let Some(found) = name_tree_lookup(&kid, key, depth + 1) {
            return Some(found);
        }
    }
    None
}

/// Reads the page's link annotations.
pub(crate) fn read_links(
    hpage: &hayro_syntax::page::Page<'_>,
    targets: &Targets<'_, '_>,
    page: &mut folio_doc::Page,
) {
    let Some(annots) = hpage.raw().get::<Array<'_>>(b"Annots".as_slice()) else {
        return;
    };
    for item in annots.raw_iter() {
        let id = item.as_obj_ref();
        let Some(dict) = resolve(hpage.xref(), item).and_then(|o| o.into_dict()) else {
            continue;
        };
        if dict
            .get::<Name<'_>>(b"Subtype".as_slice())
            .as_ref()
            .map(|n| n.as_str())
            != Some("Link")
        {
            continue;
        }
        let Some(r) = dict.get::<Array<'_>>(b"Rect".as_slice()) else {
            continue;
        };
        let r: Vec<f64> = r.iter::<f64>().collect();
        if r.len() != 4 {
            continue;
        }
        let m = page.user_to_display;
        let Some(rect) = Rect::bounding([m.apply(r[0], r[1]), m.apply(r[2], r[3])]) else {
            continue;
        };
        let target = targets.of(&dict).unwrap_or(Target::Other("none".into()));
        page.links.push(Link {
            rect,
            target,
            annot: id.map(|r| obj_ref(r.into())),
        });
    }
}

/// Reads the outline (bookmarks) tree.
pub(crate) fn read_outline(targets: &Targets<'_, '_>) -> Vec<OutlineItem> {
    let xref = targets.pdf.xref();
    let Some(root) = xref.get::<Dict<'_>>(xref.root_id()) else {
        return Vec::new();
    };
    let Some(outlines) = root.get::<Dict<'_>>(b"Outlines".as_slice()) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    items(targets, &outlines, &mut seen, 0)
}

fn items(
    targets: &Targets<'_, '_>,
    parent: &Dict<'_>,
    seen: &mut HashSet<ObjectIdentifier>,
    depth: usize,
) -> Vec<OutlineItem> {
    let mut out = Vec::new();
    if depth > 64 {
        return out;
    }
    let mut next = parent.get::<Dict<'_>>(b"First".as_slice());
    while let Some(item) = next {
        if seen.len() >= MAX_OUTLINE_ITEMS {
            break;
        }
        if let Some(id) = item.obj_id()
            && !seen.insert(id)
        {
            break;
        }
        let title = item
            .get::<hayro_syntax::object::String<'_>>(b"Title".as_slice())
            .map(|s| decode_text_string(s.as_bytes()))
            .unwrap_or_default();
        out.push(OutlineItem {
            title,
            target: targets.of(&item),
            obj: item.obj_id().map(obj_ref),
            children: items(targets, &item, seen, depth + 1),
        });
        next = item.get::<Dict<'_>>(b"Next".as_slice());
    }
    out
}

fn resolve<'a>(xref: &'a XRef, item: MaybeRef<Object<'a>>) -> Option<Object<'a>> {
    match item {
        MaybeRef::Ref(r) => xref.get(r.into()),
        MaybeRef::NotRef(o) => Some(o),
    }
}
