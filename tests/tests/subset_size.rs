//! Issue 14: "subset embedding keeps a typical translated 10-page document under input + 400 KB
//! per CJK family". Ten pages of an English manual translated into Japanese and Chinese: the
//! output may grow by at most 400 KB for each CJK family (Noto Sans CJK, Noto Serif CJK) it
//! embeds, with the engine's text as `pseudo` gives it and with a vocabulary as wide as a real
//! translation's.

use std::collections::BTreeMap;
use std::sync::Arc;

use folio_tests::fonts;

/// The document: a manual, single column, headings, code and lists; its pages 1 to 10.
const DOCUMENT: (&str, &str) = ("manual-debian-maint-guide-en-63p.pdf", "1-10");

/// What each CJK family embedded may add to the file.
const PER_FAMILY: usize = 400 * 1024;

/// Distinct ideographs the wide engine writes: about as many as a 10-page Japanese or
/// Chinese text holds (the 2,136 jōyō kanji cover most Japanese prose).
const VOCABULARY: u32 = 2000;

/// `text` with its ideographs and kana each replaced by an ideograph picked by a hash of the
/// text and the character's place, so the whole document draws on all of [`VOCABULARY`]:
/// `pseudo` alone writes a few dozen distinct characters, a real translation a couple of
/// thousand, and each is a glyph of the subset.
fn widened(text: &str) -> String {
    let mut seed: u32 = text.bytes().fold(2_166_136_261, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    });
    text.chars()
        .map(|c| {
            if matches!(c, '\u{3041}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}') {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                char::from_u32(0x4E00 + (seed >> 8) % VOCABULARY).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// The CJK font families `pdf` embeds, with the bytes of their font programs as stored: the
/// font names of its font descriptors, without the subset tag and the weight
/// (`ABCDEF+NotoSerifCJKjp-Bold` is `NotoSerifCJKjp`).
fn cjk_families(pdf: &[u8]) -> BTreeMap<String, usize> {
    let doc = lopdf::Document::load_mem(pdf).expect("the output is read");
    let mut families = BTreeMap::new();
    for object in doc.objects.values() {
        let Ok(descriptor) = object.as_dict() else {
            continue;
        };
        let Ok(name) = descriptor.get(b"FontName").and_then(|n| n.as_name()) else {
            continue;
        };
        let name = String::from_utf8_lossy(name);
        if !name.contains("CJK") {
            continue;
        }
        let name = name.split_once('+').map_or(&*name, |(_, n)| n);
        let family = name.split('-').next().unwrap_or(name).to_owned();
        let program = [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
            .iter()
            .filter_map(|key| descriptor.get(key).and_then(|r| r.as_reference()).ok())
            .filter_map(|id| doc.get_object(id).and_then(|o| o.as_stream()).ok())
            .map(|stream| stream.content.len())
            .sum::<usize>();
        *families.entry(family).or_insert(0) += program;
    }
    families
}

/// Translates [`DOCUMENT`]'s pages into `to` with `engine`; what is wrong with the output's
/// size.
fn check(
    engine: &dyn folio_translate::Engine,
    input: &[u8],
    to: &str,
    what: &str,
) -> Option<String> {
    let options = folio::Options {
        pages: Some(DOCUMENT.1.parse().unwrap()),
        ..folio::Options::new(engine, fonts())
    };
    let (output, _) = folio::translate(Arc::new(input.to_vec()), &options, &mut |_| {}).unwrap();
    let families = cjk_families(&output);
    let allowed = input.len() + PER_FAMILY * families.len();
    println!(
        "{} pages {} → {to} ({what}): {} → {} bytes (+{} KB), CJK families and their bytes {families:?}, at most {} bytes",
        DOCUMENT.0,
        DOCUMENT.1,
        input.len(),
        output.len(),
        output.len().saturating_sub(input.len()) / 1024,
        allowed
    );
    if families.is_empty() {
        return Some(format!("{to} ({what}): no CJK font embedded"));
    }
    (output.len() > allowed).then(|| {
        format!(
            "{to} ({what}): {} bytes, more than the input's {} and 400 KB for each of {:?}",
            output.len(),
            input.len(),
            families.keys()
        )
    })
}

#[test]
fn a_ten_page_translation_grows_at_most_400_kb_per_cjk_family() {
    if !std::path::Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").is_file() {
        folio_test_support::missing("the Debian package fonts-noto-cjk");
        return;
    }
    let Some(path) = folio_test_support::corpus_file(DOCUMENT.0) else {
        return;
    };
    let input = std::fs::read(path).unwrap();
    let mut failures = Vec::new();
    for to in ["ja", "zh-CN"] {
        let pair = folio_translate::LangPair::new("en", to).unwrap();
        let pseudo = folio_translate::Pseudo::new(pair.clone());
        failures.extend(check(&pseudo, &input, to, "pseudo"));
        let wide = folio_tests::RewrittenPseudo {
            pseudo: folio_translate::Pseudo::new(pair),
            rewrite: widened,
        };
        failures.extend(check(&wide, &input, to, "2,000 ideographs"));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
