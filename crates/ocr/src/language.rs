//! BCP 47 language tags to tesseract's codes.

/// Tesseract's language code for a BCP 47 tag (`en`, `pt-BR`, `zh-Hant`), `None` when none
/// is known.
pub fn tesseract_language(tag: &str) -> Option<&'static str> {
    let lower = tag.to_ascii_lowercase();
    let mut parts = lower.split(['-', '_']);
    let primary = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    Some(match primary {
        "en" => "eng",
        "pt" => "por",
        "es" => "spa",
        "fr" => "fra",
        "de" => "deu",
        "it" => "ita",
        "nl" => "nld",
        "ca" => "cat",
        "pl" => "pol",
        "cs" => "ces",
        "sv" => "swe",
        "da" => "dan",
        "nb" | "no" => "nor",
        "fi" => "fin",
        "ro" => "ron",
        "hu" => "hun",
        "tr" => "tur",
        "el" => "ell",
        "ru" => "rus",
        "uk" => "ukr",
        "ar" => "ara",
        "he" => "heb",
        "hi" => "hin",
        "ja" => "jpn",
        "ko" => "kor",
        "vi" => "vie",
        "zh" if rest
            .iter()
            .any(|r| matches!(*r, "hant" | "tw" | "hk" | "mo")) =>
        {
            "chi_tra"
        }
        "zh" => "chi_sim",
        _ => return None,
    })
}

/// The Debian package holding tesseract's data for a language code (`chi_sim` is in
/// `tesseract-ocr-chi-sim`).
pub fn tesseract_package(code: &str) -> String {
    format!(
        "tesseract-ocr-{}",
        code.to_ascii_lowercase().replace('_', "-")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_tesseract_codes() {
        assert_eq!(tesseract_language("en"), Some("eng"));
        assert_eq!(tesseract_language("en-US"), Some("eng"));
        assert_eq!(tesseract_language("pt-BR"), Some("por"));
        assert_eq!(tesseract_language("zh-Hant"), Some("chi_tra"));
        assert_eq!(tesseract_language("zh"), Some("chi_sim"));
        assert_eq!(tesseract_language("tlh"), None);
    }

    #[test]
    fn packages_are_named_as_debian_names_them() {
        assert_eq!(tesseract_package("eng"), "tesseract-ocr-eng");
        assert_eq!(tesseract_package("chi_sim"), "tesseract-ocr-chi-sim");
    }
}
