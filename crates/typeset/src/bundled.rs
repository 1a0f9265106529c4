//! The bundled fonts (`fonts/` in the repository), compiled into the binary so an installed
//! `folio` sets text from any directory without the repository beside it.
//!
//! This is the one place that knows which files are bundled; [`crate::FontBook::bundled`]
//! loads them and the PDF writer's tests take their bytes from [`bundled_font`].

/// `(file name, bytes)` of one file of the repository's `fonts/` folder, read at compile time.
macro_rules! font {
    ($file:literal) => {
        ($file, include_bytes!(concat!("../../../fonts/", $file)))
    };
}

/// Every bundled font file, `(file name, bytes)`, in file-name order: the order
/// [`crate::FontBook::from_dir`] loads a folder in, so face ids are the same either way.
pub const BUNDLED_FONTS: [(&str, &[u8]); 10] = [
    font!("NotoSans-Bold.ttf"),
    font!("NotoSans-BoldItalic.ttf"),
    font!("NotoSans-Italic.ttf"),
    font!("NotoSans-Regular.ttf"),
    font!("NotoSansMono-Bold.ttf"),
    font!("NotoSansMono-Regular.ttf"),
    font!("NotoSerif-Bold.ttf"),
    font!("NotoSerif-BoldItalic.ttf"),
    font!("NotoSerif-Italic.ttf"),
    font!("NotoSerif-Regular.ttf"),
];

/// The bytes of one bundled font file by name (`"NotoSerif-Regular.ttf"`), if it is bundled.
pub fn bundled_font(file: &str) -> Option<&'static [u8]> {
    BUNDLED_FONTS
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, data)| *data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_are_in_file_name_order() {
        let names: Vec<&str> = BUNDLED_FONTS.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    #[test]
    fn bundled_fonts_match_the_fonts_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fonts");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("fonts/ is readable")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".ttf") || n.ends_with(".otf"))
            .collect();
        on_disk.sort();
        let bundled: Vec<&str> = BUNDLED_FONTS.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            on_disk, bundled,
            "fonts/ and BUNDLED_FONTS must list the same files"
        );
    }
}
