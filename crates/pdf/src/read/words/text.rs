//! Step 5: a word's text, with spacing accents composed onto their letters.

use unicode_normalization::UnicodeNormalization;

use super::place::Placed;

/// The text of a word whose glyphs are in order along the baseline: spacing accents drawn
/// over (or under) a letter are composed with it, as `pdftotext` does. TeX's OT1 fonts have
/// no accented letters, so "Jörg" is drawn as "J", "¨", "o", and a translation engine needs
/// "Jörg", not "J¨org".
pub(super) fn word_text(glyphs: &[&Placed<'_>]) -> String {
    // For each glyph, the combining marks of the accents composed onto it.
    let mut marks: Vec<Vec<char>> = vec![Vec::new(); glyphs.len()];
    let mut absorbed = vec![false; glyphs.len()];
    for (i, accent) in glyphs.iter().enumerate() {
        let Some(mark) = single_char(accent.text).and_then(combining_accent) else {
            continue;
        };
        // The base is the nearest letter whose advance holds the accent's centre.
        let centre = 0.5 * (accent.u0 + accent.u1);
        let base = (0..glyphs.len())
            .filter(|&j| j != i && !absorbed[j])
            .filter(|&j| {
                let g = glyphs[j];
                g.u0 <= centre
                    && centre <= g.u1
                    && g.text.chars().last().is_some_and(char::is_alphabetic)
            })
            .min_by_key(|&j| j.abs_diff(i));
        if let Some(j) = base {
            marks[j].push(mark);
            absorbed[i] = true;
        }
    }
    if !absorbed.contains(&true) {
        return glyphs.iter().map(|p| p.text).collect();
    }
    let mut text = String::new();
    for (i, p) in glyphs.iter().enumerate() {
        if !absorbed[i] {
            text.push_str(p.text);
            text.extend(&marks[i]);
        }
    }
    // Compose "o" + U+0308 into "ö" where Unicode has the letter.
    text.nfc().collect()
}

/// The text's only character, if it has exactly one.
fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// The combining mark for a spacing accent, as fonts without accented letters draw them
/// (the table of spacing diacritics `pdftotext` composes, plus the ogonek).
fn combining_accent(c: char) -> Option<char> {
    Some(match c {
        '`' | '\u{2CB}' => '\u{300}',
        '\u{B4}' | '\u{2CA}' => '\u{301}',
        '\u{2C6}' => '\u{302}',
        '\u{2DC}' => '\u{303}',
        '\u{AF}' | '\u{2C9}' => '\u{304}',
        '\u{2D8}' => '\u{306}',
        '\u{2D9}' => '\u{307}',
        '\u{A8}' => '\u{308}',
        '\u{2DA}' => '\u{30A}',
        '\u{2DD}' => '\u{30B}',
        '\u{2C7}' => '\u{30C}',
        '\u{B8}' => '\u{327}',
        '\u{2DB}' => '\u{328}',
        _ => return None,
    })
}
