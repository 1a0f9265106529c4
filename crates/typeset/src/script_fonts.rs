//! Fonts for targets in scripts the bundled fonts do not cover: Chinese, Japanese, Korean,
//! Arabic, Persian, Urdu, Hebrew, Devanagari, Thai. They are too large for the repository
//! (the CJK collections are 19 MB each), so they are the system's Noto fonts (Debian's
//! `fonts-noto-cjk` and `fonts-noto-core`, which `setup.sh` installs), serif and sans, regular
//! and bold, loaded once per process and shared by every book.
//!
//! Folders searched, in order: those of `FOLIO_SCRIPT_FONTS` (separated by `:`), then
//! `/usr/share/fonts/opentype/noto` and `/usr/share/fonts/truetype/noto`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::FontBook;
use crate::fonts::{Face, FaceOrigin};

/// The environment variable naming more folders of script fonts.
pub const SCRIPT_FONTS_ENV: &str = "FOLIO_SCRIPT_FONTS";

/// The fonts one script needs: files (with the font's index in a collection) and the Debian
/// package that has them.
struct ScriptFonts {
    /// What the script is called in a message.
    name: &'static str,
    files: &'static [(&'static str, u32)],
    package: &'static str,
}

/// The CJK collections of `fonts-noto-cjk` hold, in order, JP, KR, SC, TC and HK: `index`
/// picks the region's glyph shapes (a Chinese 直 is not drawn as a Japanese one).
const fn cjk(name: &'static str, files: &'static [(&'static str, u32)]) -> ScriptFonts {
    ScriptFonts {
        name,
        files,
        package: "fonts-noto-cjk",
    }
}

const fn core(name: &'static str, files: &'static [(&'static str, u32)]) -> ScriptFonts {
    ScriptFonts {
        name,
        files,
        package: "fonts-noto-core",
    }
}

const JAPANESE: ScriptFonts = cjk(
    "Japanese",
    &[
        ("NotoSerifCJK-Regular.ttc", 0),
        ("NotoSerifCJK-Bold.ttc", 0),
        ("NotoSansCJK-Regular.ttc", 0),
        ("NotoSansCJK-Bold.ttc", 0),
    ],
);
const KOREAN: ScriptFonts = cjk(
    "Korean",
    &[
        ("NotoSerifCJK-Regular.ttc", 1),
        ("NotoSerifCJK-Bold.ttc", 1),
        ("NotoSansCJK-Regular.ttc", 1),
        ("NotoSansCJK-Bold.ttc", 1),
    ],
);
const SIMPLIFIED_CHINESE: ScriptFonts = cjk(
    "Simplified Chinese",
    &[
        ("NotoSerifCJK-Regular.ttc", 2),
        ("NotoSerifCJK-Bold.ttc", 2),
        ("NotoSansCJK-Regular.ttc", 2),
        ("NotoSansCJK-Bold.ttc", 2),
    ],
);
const TRADITIONAL_CHINESE: ScriptFonts = cjk(
    "Traditional Chinese",
    &[
        ("NotoSerifCJK-Regular.ttc", 3),
        ("NotoSerifCJK-Bold.ttc", 3),
        ("NotoSansCJK-Regular.ttc", 3),
        ("NotoSansCJK-Bold.ttc", 3),
    ],
);
const ARABIC: ScriptFonts = core(
    "Arabic",
    &[
        ("NotoNaskhArabic-Regular.ttf", 0),
        ("NotoNaskhArabic-Bold.ttf", 0),
        ("NotoSansArabic-Regular.ttf", 0),
        ("NotoSansArabic-Bold.ttf", 0),
    ],
);
const HEBREW: ScriptFonts = core(
    "Hebrew",
    &[
        ("NotoSerifHebrew-Regular.ttf", 0),
        ("NotoSerifHebrew-Bold.ttf", 0),
        ("NotoSansHebrew-Regular.ttf", 0),
        ("NotoSansHebrew-Bold.ttf", 0),
    ],
);
const DEVANAGARI: ScriptFonts = core(
    "Devanagari",
    &[
        ("NotoSerifDevanagari-Regular.ttf", 0),
        ("NotoSerifDevanagari-Bold.ttf", 0),
        ("NotoSansDevanagari-Regular.ttf", 0),
        ("NotoSansDevanagari-Bold.ttf", 0),
    ],
);
const THAI: ScriptFonts = core(
    "Thai",
    &[
        ("NotoSerifThai-Regular.ttf", 0),
        ("NotoSerifThai-Bold.ttf", 0),
        ("NotoSansThai-Regular.ttf", 0),
        ("NotoSansThai-Bold.ttf", 0),
    ],
);

/// Symbols and mathematical operators (`∗`, `†`, `→`) that a text in another script keeps from
/// its source: the original's embedded font sets them in a Latin text, but a text in another
/// script is set in that script's font, and the bundled fonts lack most of them.
const SYMBOLS: ScriptFonts = core(
    "symbol",
    &[
        ("NotoSansMath-Regular.ttf", 0),
        ("NotoSansSymbols-Regular.ttf", 0),
        ("NotoSansSymbols2-Regular.ttf", 0),
    ],
);

/// Whether text in `lang` (BCP 47) is written vertically as well as horizontally: Chinese,
/// Japanese and Korean, into which a vertical source is set vertically again.
pub fn writes_vertically(lang: &str) -> bool {
    fonts_for(lang).is_some_and(|f| {
        [
            &JAPANESE,
            &KOREAN,
            &SIMPLIFIED_CHINESE,
            &TRADITIONAL_CHINESE,
        ]
        .iter()
        .any(|cjk| std::ptr::eq(*cjk, f))
    })
}

/// The fonts target language `lang` (BCP 47) needs beyond the bundled ones; `None` for
/// languages the bundled fonts cover (Latin, Greek, Cyrillic).
fn fonts_for(lang: &str) -> Option<&'static ScriptFonts> {
    let lower = lang.to_ascii_lowercase();
    let mut parts = lower.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    Some(match primary {
        "ja" => &JAPANESE,
        "ko" => &KOREAN,
        "zh" if rest
            .iter()
            .any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo")) =>
        {
            &TRADITIONAL_CHINESE
        }
        "zh" => &SIMPLIFIED_CHINESE,
        "ar" | "fa" | "ur" | "ps" => &ARABIC,
        "he" | "yi" => &HEBREW,
        "hi" | "mr" | "ne" | "sa" => &DEVANAGARI,
        "th" => &THAI,
        _ => return None,
    })
}

/// The language whose script fonts draw `c`, for a letter of a script the bundled fonts lack
/// (see [`FontBook::add_fonts_for_text`]); `None` for the others. Ideographs are drawn in
/// Japanese shapes, which most Chinese readers read too.
fn lang_of(c: char) -> Option<&'static str> {
    Some(match c as u32 {
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => "he",
        0x0600..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => "ar",
        0x0900..=0x097F | 0xA8E0..=0xA8FF => "hi",
        0x0E00..=0x0E7F => "th",
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => "ko",
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF => "ja",
        _ => return None,
    })
}

/// The folders searched for script fonts (see the module docs).
fn folders() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os(SCRIPT_FONTS_ENV)
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    dirs.push("/usr/share/fonts/opentype/noto".into());
    dirs.push("/usr/share/fonts/truetype/noto".into());
    dirs
}

/// Faces loaded so far, by script name, and each file's bytes (a collection read once for
/// all its regions).
#[derive(Default)]
struct Loaded {
    faces: HashMap<&'static str, Arc<Vec<Face>>>,
    files: HashMap<PathBuf, Arc<Vec<u8>>>,
}

fn loaded() -> &'static Mutex<Loaded> {
    static LOADED: OnceLock<Mutex<Loaded>> = OnceLock::new();
    LOADED.get_or_init(Mutex::default)
}

/// The faces of `fonts` found in the folders, read on first use.
fn faces_of(fonts: &'static ScriptFonts) -> Arc<Vec<Face>> {
    let mut loaded = loaded()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(faces) = loaded.faces.get(fonts.name) {
        return faces.clone();
    }
    let dirs = folders();
    let mut faces = Vec::new();
    for &(file, index) in fonts.files {
        let Some(path) = dirs.iter().map(|d| d.join(file)).find(|p| p.is_file()) else {
            continue;
        };
        let data = match loaded.files.get(&path) {
            Some(data) => data.clone(),
            None => match std::fs::read(&path) {
                Ok(bytes) => {
                    let data = Arc::new(bytes);
                    loaded.files.insert(path.clone(), data.clone());
                    data
                }
                Err(_) => continue,
            },
        };
        let origin = FaceOrigin::Bundled {
            file: file.to_string(),
        };
        faces.extend(Face::parse(data, index, origin, None));
    }
    let faces = Arc::new(faces);
    loaded.faces.insert(fonts.name, faces.clone());
    faces
}

impl FontBook {
    /// Adds the system fonts target language `lang` needs when the bundled fonts do not
    /// cover its script (Chinese, Japanese, Korean, Arabic, Hebrew, Devanagari, Thai; see
    /// the module docs). `Ok(0)` for a language that needs none; an error naming the Debian
    /// package to install when none of its fonts is found.
    pub fn add_script_fonts(&mut self, lang: &str) -> Result<usize, String> {
        let Some(fonts) = fonts_for(lang) else {
            return Ok(0);
        };
        let faces = faces_of(fonts);
        if faces.is_empty() {
            return Err(format!(
                "no font for {} text was found: install the Debian package {} (setup.sh does), or name a folder holding {} in {SCRIPT_FONTS_ENV}",
                fonts.name, fonts.package, fonts.files[0].0
            ));
        }
        // After the script's faces: used only for what they lack. Optional.
        let symbols = faces_of(&SYMBOLS);
        for face in faces.iter().chain(symbols.iter()) {
            self.push(face.clone());
        }
        Ok(faces.len() + symbols.len())
    }

    /// Adds the system fonts of the scripts `texts` hold in letters no face of the book can
    /// set (the original's fonts drawn by their codes do not count: they show only their own
    /// blocks): text left in its source's script inside a translation in another (a Hebrew
    /// name, Arabic-Indic digits, a kept word of an Arabic source) is then drawn with real
    /// glyphs, not as empty boxes. Gives the messages of scripts whose fonts are not installed.
    pub fn add_fonts_for_text<'t>(
        &mut self,
        texts: impl IntoIterator<Item = &'t str>,
    ) -> Vec<String> {
        let mut langs: Vec<&'static str> = Vec::new();
        let mut seen: std::collections::HashSet<char> = std::collections::HashSet::new();
        for c in texts.into_iter().flat_map(str::chars) {
            let Some(lang) = lang_of(c) else {
                continue;
            };
            if langs.contains(&lang) || !seen.insert(c) {
                continue;
            }
            let settable = self.faces().any(|f| f.pdf_codes().is_none() && f.covers(c));
            if !settable {
                langs.push(lang);
            }
        }
        langs
            .into_iter()
            .filter_map(|lang| self.add_script_fonts(lang).err())
            .collect()
    }
}
