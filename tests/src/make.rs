//! Small PDFs the tests make themselves, for categories of documents the corpus lacks.

use lopdf::{Dictionary, Object, Stream};

/// A one-page US Letter PDF drawing `content` (a content stream), with each `(resource name,
/// base font)` of `fonts` a standard Type 1 font in WinAnsi encoding (• is 0x95, – 0x96,
/// — 0x97).
pub fn one_page_pdf(fonts: &[(&str, &str)], content: Vec<u8>) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.7");
    let mut resources = Dictionary::new();
    for (name, base) in fonts {
        let font = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Font".to_vec())),
            ("Subtype", Object::Name(b"Type1".to_vec())),
            ("BaseFont", Object::Name(base.as_bytes().to_vec())),
            ("Encoding", Object::Name(b"WinAnsiEncoding".to_vec())),
        ]));
        resources.set(name.as_bytes().to_vec(), Object::Reference(font));
    }
    let resources = Dictionary::from_iter([("Font", Object::Dictionary(resources))]);
    one_page(doc, (612.0, 792.0), content, resources)
}

/// A one-page PDF of `width` × `height` points that is only `image`, a grey scan drawn over
/// the whole page (Flate-compressed, as scanners write it): input for OCR tests.
pub fn scan_pdf(image: &image::GrayImage, width: f32, height: f32) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.7");
    let mut stream = Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Image".to_vec())),
            ("Width", Object::Integer(image.width() as i64)),
            ("Height", Object::Integer(image.height() as i64)),
            ("ColorSpace", Object::Name(b"DeviceGray".to_vec())),
            ("BitsPerComponent", Object::Integer(8)),
        ]),
        image.as_raw().clone(),
    );
    stream.compress().expect("the scan compresses");
    let picture = doc.add_object(stream);
    let content = format!("q {width} 0 0 {height} 0 0 cm /Im0 Do Q").into_bytes();
    let resources = Dictionary::from_iter([(
        "XObject",
        Object::Dictionary(Dictionary::from_iter([("Im0", Object::Reference(picture))])),
    )]);
    one_page(doc, (width, height), content, resources)
}

/// Finishes `doc` as one page of `size` points drawing `content` with `resources`, and
/// writes it.
fn one_page(
    mut doc: lopdf::Document,
    (width, height): (f32, f32),
    content: Vec<u8>,
    resources: Dictionary,
) -> Vec<u8> {
    let content = doc.add_object(Stream::new(Dictionary::new(), content));
    let pages_id = doc.new_object_id();
    let page = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Page".to_vec())),
        ("Parent", Object::Reference(pages_id)),
        (
            "MediaBox",
            Object::Array(vec![0.into(), 0.into(), width.into(), height.into()]),
        ),
        ("Contents", Object::Reference(content)),
        ("Resources", Object::Dictionary(resources)),
    ]));
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Count", Object::Integer(1)),
            ("Kids", Object::Array(vec![Object::Reference(page)])),
        ])),
    );
    let catalog = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("the test PDF is written");
    out
}
