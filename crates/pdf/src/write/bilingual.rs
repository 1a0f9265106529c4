//! Bilingual output: the original pages next to their translations.
//!
//! Works on the translated file the writer produced, which keeps the original's object numbers
//! (it edits in place). What the original pages need (their content and resources) is brought
//! over from the original; an object that the translated file still holds unchanged under the
//! same number is shared rather than copied, so fonts and images are stored once.
//!
//! - [`Bilingual::Alternate`]: each paired original page is inserted before its translation,
//!   as a new page object in the same page-tree node.
//! - [`Bilingual::Side`]: each paired translated page object is reused (so outlines and links
//!   that target it keep working) and now draws two Form XObjects (ISO 32000-2, 8.10): the
//!   original on the left, the translation on the right. Its annotations and every destination
//!   that targets it are moved to the right half.
//!
//! The original side carries no annotations: its links and form fields stay with the
//! translation, so a field exists once and a link is never doubled.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::WriteError;

/// How original and translated pages are put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bilingual {
    /// One page per pair, twice as wide: the original on the left, the translation on the right.
    Side,
    /// Each original page followed by its translated page.
    Alternate,
}

impl FromStr for Bilingual {
    type Err = String;

    /// Parses `side` or `alternate`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "side" => Ok(Bilingual::Side),
            "alternate" => Ok(Bilingual::Alternate),
            other => Err(format!(
                "unknown bilingual layout '{other}' (expected 'side' or 'alternate')"
            )),
        }
    }
}

impl fmt::Display for Bilingual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bilingual::Side => "side",
            Bilingual::Alternate => "alternate",
        })
    }
}

/// Puts `original` and `translated` (the writer's output for it) together. Only the pages in
/// `pages` (indices from 0) are paired, all when `None`; the others appear once, translated.
pub fn bilingual(
    original: &[u8],
    translated: &[u8],
    password: Option<&str>,
    layout: Bilingual,
    pages: Option<&[u32]>,
) -> Result<Vec<u8>, WriteError> {
    super::guard_document(|| pair_pages(original, translated, password, layout, pages))
}

fn pair_pages(
    original: &[u8],
    translated: &[u8],
    password: Option<&str>,
    layout: Bilingual,
    pages: Option<&[u32]>,
) -> Result<Vec<u8>, WriteError> {
    let load = |bytes: &[u8]| {
        let options = lopdf::LoadOptions {
            password: password.map(str::to_string),
            ..Default::default()
        };
        lopdf::Document::load_mem_with_options(bytes, options)
            .map_err(|e| WriteError::Load(e.to_string()))
    };
    let src = load(original)?;
    let mut dst = load(translated)?;
    let src_pages: Vec<ObjectId> = src.page_iter().collect();
    let dst_pages: Vec<ObjectId> = dst.page_iter().collect();
    if src_pages.len() != dst_pages.len() {
        return Err(WriteError::Bilingual(format!(
            "the translation has {} pages, the original {}",
            dst_pages.len(),
            src_pages.len()
        )));
    }
    let mut paired: Vec<u32> = match pages {
        Some(p) => p.to_vec(),
        None => (0..src_pages.len() as u32).collect(),
    };
    paired.sort_unstable();
    paired.dedup();
    if let Some(&bad) = paired.iter().find(|&&p| p as usize >= src_pages.len()) {
        return Err(WriteError::NoSuchPage(bad));
    }

    // What each original page needs, brought over in one go so shared objects are decided once.
    let page_map: HashMap<ObjectId, ObjectId> = src_pages
        .iter()
        .copied()
        .zip(dst_pages.iter().copied())
        .collect();
    let mut roots = Vec::new();
    for &p in &paired {
        let id = src_pages[p as usize];
        roots.push(
            inherited(&src, id, b"Resources")
                .cloned()
                .unwrap_or_else(|| Object::Dictionary(Dictionary::new())),
        );
        roots.push(
            page_dict(&src, id)?
                .get(b"Group")
                .cloned()
                .unwrap_or(Object::Null),
        );
    }
    let mut imported = Importer {
        src: &src,
        dst: &mut dst,
        page_map: &page_map,
    }
    .import(roots)?
    .into_iter();
    let mut originals = Vec::with_capacity(paired.len());
    for &p in &paired {
        let id = src_pages[p as usize];
        let (Some(resources), Some(group)) = (imported.next(), imported.next()) else {
            return Err(bug("fewer imported objects than asked for"));
        };
        originals.push(SourcePage {
            content: src.get_page_content(id),
            resources,
            group,
            geometry: Geometry::of(&src, id),
        });
    }

    match layout {
        Bilingual::Alternate => {
            for (&p, page) in paired.iter().zip(originals) {
                insert_before(&mut dst, dst_pages[p as usize], page)?;
            }
            // Labels would now name the wrong pages.
            if let Ok(catalog) = dst.catalog_mut() {
                catalog.remove(b"PageLabels");
            }
        }
        Bilingual::Side => {
            let mut moved: HashMap<ObjectId, Matrix> = HashMap::new();
            for (&p, page) in paired.iter().zip(originals) {
                let id = dst_pages[p as usize];
                let m = side_by_side(&mut dst, id, page)?;
                moved.insert(id, m);
            }
            move_destinations(&mut dst, &moved);
        }
    }

    dst.prune_objects();
    let mut out = Vec::new();
    dst.save_with_options(&mut out, super::save_options())
        .map_err(|e| WriteError::Save(e.to_string()))?;
    Ok(out)
}

/// An original page, ready to be drawn in the translated file.
struct SourcePage {
    /// Its content streams, decoded and joined.
    content: Vec<u8>,
    /// Its resources, as objects of the translated file.
    resources: Object,
    /// Its transparency group, if any.
    group: Object,
    /// Its boxes and rotation.
    geometry: Geometry,
}

/// A page's visible box (crop box within the media box, default user space) and rotation.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    media: [f32; 4],
    crop: [f32; 4],
    rotate: i64,
}

impl Geometry {
    fn of(doc: &lopdf::Document, page: ObjectId) -> Self {
        let media = inherited(doc, page, b"MediaBox")
            .and_then(|o| rect(doc, o))
            .unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let crop = inherited(doc, page, b"CropBox")
            .and_then(|o| rect(doc, o))
            .map(|c| {
                [
                    c[0].max(media[0]),
                    c[1].max(media[1]),
                    c[2].min(media[2]),
                    c[3].min(media[3]),
                ]
            })
            .filter(|c| c[0] < c[2] && c[1] < c[3])
            .unwrap_or(media);
        let rotate = inherited(doc, page, b"Rotate")
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_i64().ok())
            .unwrap_or(0)
            .rem_euclid(360);
        // Only multiples of 90 are valid (ISO 32000-2, 7.7.3.3, Table 31).
        Geometry {
            media,
            crop,
            rotate: rotate - rotate % 90,
        }
    }

    /// Displayed width and height.
    fn size(&self) -> (f32, f32) {
        let (w, h) = (self.crop[2] - self.crop[0], self.crop[3] - self.crop[1]);
        if self.rotate % 180 == 0 {
            (w, h)
        } else {
            (h, w)
        }
    }

    /// Maps default user space onto an upright page of [`Geometry::size`] with its origin at
    /// the lower left: the crop box's corner moves to 0, then `/Rotate` turns it clockwise.
    fn upright(&self) -> Matrix {
        let [x0, y0, x1, y1] = self.crop;
        match self.rotate {
            90 => Matrix([0.0, -1.0, 1.0, 0.0, -y0, x1]),
            180 => Matrix([-1.0, 0.0, 0.0, -1.0, x1, y1]),
            270 => Matrix([0.0, 1.0, -1.0, 0.0, y1, -x0]),
            _ => Matrix([1.0, 0.0, 0.0, 1.0, -x0, -y0]),
        }
    }
}

/// An affine matrix `[a b c d e f]` as in `cm`.
#[derive(Debug, Clone, Copy)]
struct Matrix([f32; 6]);

impl Matrix {
    fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    fn then_translate(self, dx: f32, dy: f32) -> Matrix {
        let [a, b, c, d, e, f] = self.0;
        Matrix([a, b, c, d, e + dx, f + dy])
    }

    /// Whether it turns the page by 90° (x and y swap).
    fn swaps_axes(&self) -> bool {
        self.0[0] == 0.0
    }

    fn operands(&self) -> String {
        self.0
            .iter()
            .map(|v| format_num(*v))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn format_num(v: f32) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Adds the original page before the translated page `at`, in the same page-tree node.
fn insert_before(
    dst: &mut lopdf::Document,
    at: ObjectId,
    page: SourcePage,
) -> Result<(), WriteError> {
    let parent = page_dict(dst, at)?
        .get(b"Parent")
        .and_then(Object::as_reference)
        .map_err(|_| tree("a page has no /Parent"))?;
    let g = page.geometry;
    let mut content = Stream::new(Dictionary::new(), page.content);
    let _ = content.compress();
    let content = add(dst, content)?;
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"Page".to_vec()));
    dict.set("Parent", Object::Reference(parent));
    dict.set("MediaBox", rect_object(g.media));
    if g.crop != g.media {
        dict.set("CropBox", rect_object(g.crop));
    }
    if g.rotate != 0 {
        dict.set("Rotate", Object::Integer(g.rotate));
    }
    dict.set("Resources", page.resources);
    dict.set("Contents", Object::Reference(content));
    if !matches!(page.group, Object::Null) {
        dict.set("Group", page.group);
    }
    let new = add(dst, dict)?;

    let node = dst
        .get_dictionary_mut(parent)
        .map_err(|e| WriteError::Load(e.to_string()))?;
    let kids = node
        .get_mut(b"Kids")
        .and_then(Object::as_array_mut)
        .map_err(|_| tree("a page-tree node has no /Kids"))?;
    let at_kid = kids
        .iter()
        .position(|k| k.as_reference().ok() == Some(at))
        .ok_or_else(|| tree("a page is not among its parent's /Kids"))?;
    kids.insert(at_kid, Object::Reference(new));
    // Every node up to the root counts one more page.
    let mut node = Some(parent);
    let mut seen = HashSet::new();
    while let Some(id) = node.filter(|id| seen.insert(*id)) {
        let Ok(d) = dst.get_dictionary_mut(id) else {
            break;
        };
        let count = d.get(b"Count").and_then(Object::as_i64).unwrap_or(0);
        d.set("Count", Object::Integer(count + 1));
        node = d.get(b"Parent").and_then(Object::as_reference).ok();
    }
    Ok(())
}

/// Turns the translated page `id` into a double page: the original on the left, the
/// translation on the right. Gives the matrix that moved the translation's user space.
fn side_by_side(
    dst: &mut lopdf::Document,
    id: ObjectId,
    original: SourcePage,
) -> Result<Matrix, WriteError> {
    let left_g = original.geometry;
    let right_g = Geometry::of(dst, id);
    let (lw, lh) = left_g.size();
    let (rw, rh) = right_g.size();
    let height = lh.max(rh);
    // Tops line up when the heights differ.
    let left = left_g.upright().then_translate(0.0, height - lh);
    let right = right_g.upright().then_translate(lw, height - rh);

    let right_resources = inherited(dst, id, b"Resources")
        .cloned()
        .unwrap_or_else(|| Object::Dictionary(Dictionary::new()));
    let right_group = page_dict(dst, id)?
        .get(b"Group")
        .cloned()
        .unwrap_or(Object::Null);
    let right_content = dst.get_page_content(id);
    let left_form = form(
        dst,
        original.content,
        left_g.crop,
        original.resources,
        original.group,
    )?;
    let right_form = form(
        dst,
        right_content,
        right_g.crop,
        right_resources,
        right_group,
    )?;

    let body = format!(
        "q {} cm /FolioOriginal Do Q\nq {} cm /FolioTranslation Do Q\n",
        left.operands(),
        right.operands()
    );
    let mut content = Stream::new(Dictionary::new(), body.into_bytes());
    let _ = content.compress();
    let content = add(dst, content)?;
    let mut xobjects = Dictionary::new();
    xobjects.set("FolioOriginal", Object::Reference(left_form));
    xobjects.set("FolioTranslation", Object::Reference(right_form));
    let mut resources = Dictionary::new();
    resources.set("XObject", Object::Dictionary(xobjects));

    let page = dst
        .get_dictionary_mut(id)
        .map_err(|e| WriteError::Load(e.to_string()))?;
    page.set("MediaBox", rect_object([0.0, 0.0, lw + rw, height]));
    for key in [
        &b"CropBox"[..],
        b"BleedBox",
        b"TrimBox",
        b"ArtBox",
        b"Group",
    ] {
        page.remove(key);
    }
    // The rotation is in the matrices now; an inherited one must not apply again.
    page.set("Rotate", Object::Integer(0));
    page.set("Resources", Object::Dictionary(resources));
    page.set("Contents", Object::Reference(content));
    let annots = page.get(b"Annots").cloned().ok();

    let annots = match annots {
        Some(Object::Reference(r)) => dst
            .get_object(r)
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default(),
        Some(Object::Array(a)) => a,
        _ => Vec::new(),
    };
    for annot in annots {
        let Ok(r) = annot.as_reference() else {
            continue;
        };
        if let Ok(d) = dst.get_dictionary_mut(r) {
            move_annotation(d, &right);
        }
    }
    Ok(right)
}

/// A Form XObject drawing a page's content within its visible box.
fn form(
    dst: &mut lopdf::Document,
    content: Vec<u8>,
    bbox: [f32; 4],
    resources: Object,
    group: Object,
) -> Result<ObjectId, WriteError> {
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Form".to_vec()));
    dict.set("BBox", rect_object(bbox));
    dict.set("Resources", resources);
    if !matches!(group, Object::Null) {
        dict.set("Group", group);
    }
    let mut stream = Stream::new(dict, content);
    let _ = stream.compress();
    add(dst, stream)
}

/// Moves an annotation's rectangle and points (ISO 32000-2, 12.5.2 and 12.5.6) by `m`.
fn move_annotation(d: &mut Dictionary, m: &Matrix) {
    if let Ok(r) = d.get(b"Rect").and_then(Object::as_array)
        && let Some([x0, y0, x1, y1]) = numbers(r).and_then(|v| <[f32; 4]>::try_from(v).ok())
    {
        let corners = [
            m.apply(x0, y0),
            m.apply(x1, y1),
            m.apply(x0, y1),
            m.apply(x1, y0),
        ];
        let xs = corners.map(|c| c.0);
        let ys = corners.map(|c| c.1);
        let min = |v: [f32; 4]| v.into_iter().fold(f32::INFINITY, f32::min);
        let max = |v: [f32; 4]| v.into_iter().fold(f32::NEG_INFINITY, f32::max);
        d.set("Rect", rect_object([min(xs), min(ys), max(xs), max(ys)]));
    }
    for key in [&b"QuadPoints"[..], b"L", b"Vertices", b"CL"] {
        if let Ok(Object::Array(points)) = d.get_mut(key) {
            move_points(points, m);
        }
    }
    if let Ok(Object::Array(paths)) = d.get_mut(b"InkList") {
        for path in paths {
            if let Object::Array(points) = path {
                move_points(points, m);
            }
        }
    }
}

fn move_points(points: &mut [Object], m: &Matrix) {
    let Some(values) = numbers(points) else {
        return;
    };
    for (pair, xy) in points.chunks_exact_mut(2).zip(values.chunks_exact(2)) {
        let (x, y) = m.apply(xy[0], xy[1]);
        pair[0] = Object::Real(x);
        pair[1] = Object::Real(y);
    }
}

/// Moves every explicit destination (ISO 32000-2, 12.3.2.2) that targets a doubled page onto
/// its right half, wherever it sits: outline items, link actions, named destinations.
fn move_destinations(dst: &mut lopdf::Document, moved: &HashMap<ObjectId, Matrix>) {
    for object in dst.objects.values_mut() {
        match object {
            Object::Stream(s) => walk_destinations(&mut s.dict, moved),
            Object::Dictionary(d) => walk_destinations(d, moved),
            Object::Array(a) => walk_array(a, moved),
            _ => {}
        }
    }
}

fn walk_destinations(d: &mut Dictionary, moved: &HashMap<ObjectId, Matrix>) {
    for (_, value) in d.iter_mut() {
        match value {
            Object::Dictionary(inner) => walk_destinations(inner, moved),
            Object::Array(a) => walk_array(a, moved),
            _ => {}
        }
    }
}

fn walk_array(a: &mut Vec<Object>, moved: &HashMap<ObjectId, Matrix>) {
    if let (Some(Object::Reference(page)), Some(Object::Name(kind))) = (a.first(), a.get(1))
        && let Some(m) = moved.get(page)
    {
        let kind = kind.clone();
        move_destination(a, &kind, m);
        return;
    }
    for value in a.iter_mut() {
        match value {
            Object::Dictionary(inner) => walk_destinations(inner, moved),
            Object::Array(inner) => walk_array(inner, moved),
            _ => {}
        }
    }
}

/// One destination `[page /Kind …]`; a null coordinate stays null ("unchanged").
fn move_destination(a: &mut Vec<Object>, kind: &[u8], m: &Matrix) {
    let num = |o: Option<&Object>| o.and_then(|o| o.as_float().ok());
    let page = a[0].clone();
    let fit = || vec![page.clone(), Object::Name(b"Fit".to_vec())];
    let opt = |v: Option<f32>| v.map_or(Object::Null, Object::Real);
    *a = match kind {
        b"XYZ" => {
            let (left, top, zoom) = (
                num(a.get(2)),
                num(a.get(3)),
                a.get(4).cloned().unwrap_or(Object::Null),
            );
            let (x, y) = match (left, top) {
                (Some(l), Some(t)) => {
                    let (x, y) = m.apply(l, t);
                    (Some(x), Some(y))
                }
                // A turned page swaps the axes: one coordinate alone no longer says where.
                _ if m.swaps_axes() => (None, None),
                (l, t) => (l.map(|l| m.apply(l, 0.0).0), t.map(|t| m.apply(0.0, t).1)),
            };
            vec![page, Object::Name(b"XYZ".to_vec()), opt(x), opt(y), zoom]
        }
        b"FitH" | b"FitBH" | b"FitV" | b"FitBV" if m.swaps_axes() => fit(),
        b"FitH" | b"FitBH" => {
            let top = num(a.get(2)).map(|t| m.apply(0.0, t).1);
            vec![page, Object::Name(kind.to_vec()), opt(top)]
        }
        b"FitV" | b"FitBV" => {
            let left = num(a.get(2)).map(|l| m.apply(l, 0.0).0);
            vec![page, Object::Name(kind.to_vec()), opt(left)]
        }
        b"FitR" => {
            match numbers(a.get(2..6).unwrap_or(&[])).and_then(|v| <[f32; 4]>::try_from(v).ok()) {
                Some([l, b, r, t]) => {
                    let (x0, y0) = m.apply(l, b);
                    let (x1, y1) = m.apply(r, t);
                    let mut v = vec![page, Object::Name(b"FitR".to_vec())];
                    v.extend([x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)].map(Object::Real));
                    v
                }
                None => fit(),
            }
        }
        _ => return,
    };
}

/// Brings objects of the original into the translated file.
struct Importer<'a> {
    src: &'a lopdf::Document,
    dst: &'a mut lopdf::Document,
    /// Original page → translated page: pages are never copied, references follow the pages.
    page_map: &'a HashMap<ObjectId, ObjectId>,
}

impl Importer<'_> {
    /// The `roots` (direct objects of the original) with their references made valid in the
    /// translated file. An object is shared when the translated file holds the same object under
    /// the same number and so does everything it reaches; otherwise it is copied anew.
    fn import(self, roots: Vec<Object>) -> Result<Vec<Object>, WriteError> {
        // Everything reachable, with the references of each.
        let mut reach: Vec<ObjectId> = Vec::new();
        let mut edges: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
        let mut stack: Vec<ObjectId> = Vec::new();
        for root in &roots {
            references(root, &mut stack);
        }
        while let Some(id) = stack.pop() {
            if edges.contains_key(&id) {
                continue;
            }
            let mut out = Vec::new();
            if !self.page_map.contains_key(&id)
                && let Ok(o) = self.src.get_object(id)
            {
                references(o, &mut out);
            }
            stack.extend(out.iter().copied());
            edges.insert(id, out);
            reach.push(id);
        }

        // Objects that differ, then everything that reaches one of them.
        let mut changed: HashSet<ObjectId> = reach
            .iter()
            .copied()
            .filter(|id| match self.page_map.get(id) {
                Some(to) => to != id,
                None => match (self.src.get_object(*id), self.dst.objects.get(id)) {
                    (Ok(a), Some(b)) => !same(a, b),
                    _ => true,
                },
            })
            .collect();
        let mut back: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
        for (from, tos) in &edges {
            for to in tos {
                back.entry(*to).or_default().push(*from);
            }
        }
        let mut queue: Vec<ObjectId> = changed.iter().copied().collect();
        while let Some(id) = queue.pop() {
            for from in back.get(&id).into_iter().flatten() {
                if !self.page_map.contains_key(from) && changed.insert(*from) {
                    queue.push(*from);
                }
            }
        }

        // New numbers for the copies (pages map to the translated pages).
        let mut map: HashMap<ObjectId, ObjectId> = self.page_map.clone();
        let mut copies: Vec<ObjectId> = reach
            .iter()
            .copied()
            .filter(|id| changed.contains(id) && !self.page_map.contains_key(id))
            .collect();
        copies.sort_unstable();
        for &id in &reach {
            if !changed.contains(&id) {
                map.insert(id, id);
            }
        }
        for &id in &copies {
            if self.src.get_object(id).is_ok() {
                map.insert(
                    id,
                    self.dst
                        .try_new_object_id()
                        .map_err(|e| WriteError::Save(e.to_string()))?,
                );
            }
        }
        for &id in &copies {
            if let (Ok(o), Some(&to)) = (self.src.get_object(id), map.get(&id)) {
                let mut o = o.clone();
                if let Object::Stream(s) = &mut o {
                    s.start_position = None;
                }
                renumber(&mut o, &map);
                self.dst.objects.insert(to, o);
            }
        }
        Ok(roots
            .into_iter()
            .map(|mut o| {
                renumber(&mut o, &map);
                o
            })
            .collect())
    }
}

/// The same object, streams compared by dictionary and data.
fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Stream(a), Object::Stream(b)) => a.dict == b.dict && a.content == b.content,
        _ => a == b,
    }
}

fn references(o: &Object, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|o| references(o, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, o)| references(o, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, o)| references(o, out)),
        _ => {}
    }
}

/// Points references at their new numbers; one to an object the original lacks becomes null
/// (what a reader makes of it anyway, ISO 32000-2, 7.3.10).
fn renumber(o: &mut Object, map: &HashMap<ObjectId, ObjectId>) {
    match o {
        Object::Reference(id) => match map.get(id) {
            Some(to) => *id = *to,
            None => *o = Object::Null,
        },
        Object::Array(a) => a.iter_mut().for_each(|o| renumber(o, map)),
        Object::Dictionary(d) => d.iter_mut().for_each(|(_, o)| renumber(o, map)),
        Object::Stream(s) => s.dict.iter_mut().for_each(|(_, o)| renumber(o, map)),
        _ => {}
    }
}

fn page_dict(doc: &lopdf::Document, id: ObjectId) -> Result<&Dictionary, WriteError> {
    doc.get_dictionary(id)
        .map_err(|e| WriteError::Load(e.to_string()))
}

/// A page attribute, from the page or the nearest page-tree node that has it (ISO 32000-2,
/// 7.7.3.4).
fn inherited<'a>(doc: &'a lopdf::Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut node = Some(page);
    let mut seen = HashSet::new();
    while let Some(id) = node.filter(|id| seen.insert(*id)) {
        let d = doc.get_dictionary(id).ok()?;
        if let Ok(v) = d.get(key) {
            return Some(v);
        }
        node = d.get(b"Parent").and_then(Object::as_reference).ok();
    }
    None
}

fn rect(doc: &lopdf::Document, o: &Object) -> Option<[f32; 4]> {
    let (_, o) = doc.dereference(o).ok()?;
    let v = numbers(o.as_array().ok()?)?;
    let [a, b, c, d] = <[f32; 4]>::try_from(v).ok()?;
    Some([a.min(c), b.min(d), a.max(c), b.max(d)])
}

fn numbers(a: &[Object]) -> Option<Vec<f32>> {
    a.iter().map(|o| o.as_float().ok()).collect()
}

fn rect_object(r: [f32; 4]) -> Object {
    Object::Array(r.into_iter().map(Object::Real).collect())
}

fn add(dst: &mut lopdf::Document, o: impl Into<Object>) -> Result<ObjectId, WriteError> {
    dst.try_add_object(o)
        .map_err(|e| WriteError::Save(e.to_string()))
}

fn tree(what: &str) -> WriteError {
    WriteError::Bilingual(format!("broken page tree: {what}"))
}

fn bug(what: &str) -> WriteError {
    WriteError::Bilingual(format!("{what}; please report this as a bug"))
}
