//! Entries of a table of contents or an index: "Quick rebuild . . . . . . 42". Only the entry
//! goes to the engine; the leader dots and the page number come back after its translation,
//! with as many dots fewer as the translation is longer, so the line keeps its width instead
//! of shrinking the entry to fit 50 dots that were never text.

/// The leaders and page number cut off a segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Leaders {
    /// The entry's length in characters, as sent.
    entry_chars: usize,
    /// Dots as the source spaced them: `". "` (TeX) or `"."` (packed).
    unit: &'static str,
    /// How many dots.
    dots: usize,
    /// What follows the dots: the page number, maybe nothing.
    page: String,
}

/// A leader unit is about this many characters of text wide (". " in TeX is 4.5 pt where a
/// letter of the same font is about 3.5; a fallback font may be wider still).
const CHARS_PER_UNIT: f32 = 1.2;

/// Fewest dots left: a leader still reads as one.
const MIN_DOTS: usize = 3;

/// The entry to translate and the leaders after it, when `text` ends with leader dots and a
/// page number.
pub(crate) fn split(text: &str) -> Option<(String, Leaders)> {
    let mut tokens: Vec<&str> = text.split_whitespace().collect();
    let page = match tokens.last() {
        Some(t) if !t.contains('[') && t.len() <= 8 && !is_dots(t) => tokens.pop()?.to_string(),
        _ => String::new(),
    };
    let mut dots = 0;
    let mut packed = false;
    while let Some(t) = tokens.last().filter(|t| is_dots(t)) {
        dots += t.len();
        packed |= t.len() > 1;
        tokens.pop();
    }
    let entry = tokens.join(" ");
    let enough = if packed {
        dots >= 4
    } else {
        dots >= MIN_DOTS + 2
    };
    if !enough || !entry.chars().any(char::is_alphabetic) {
        return None;
    }
    let leaders = Leaders {
        entry_chars: visible_chars(&entry),
        unit: if packed { "." } else { ". " },
        dots,
        page,
    };
    Some((entry, leaders))
}

/// The translated entry with its leaders and page number back.
pub(crate) fn join(translation: &str, leaders: &Leaders) -> String {
    let grown = visible_chars(translation) as f32 - leaders.entry_chars as f32;
    let per_dot = if leaders.unit == "." {
        1.0 / 2.0
    } else {
        1.0 / CHARS_PER_UNIT
    };
    // One more when it grew: a page number pushed to a line of its own is worse than a gap.
    let fewer = if grown > 0.0 {
        (grown * per_dot).ceil() as usize + 1
    } else {
        0
    };
    let dots = leaders
        .dots
        .saturating_sub(fewer)
        .max(MIN_DOTS.min(leaders.dots));
    let mut out = translation.trim_end().to_string();
    out.push(' ');
    out.push_str(leaders.unit.repeat(dots).trim_end());
    if !leaders.page.is_empty() {
        out.push(' ');
        out.push_str(&leaders.page);
    }
    out
}

fn is_dots(token: &str) -> bool {
    !token.is_empty() && token.chars().all(|c| c == '.')
}

/// Characters outside placeholders.
fn visible_chars(text: &str) -> usize {
    folio_doc::placeholders::strip(text).chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_goes_alone_and_the_dots_make_room() {
        let src = "[1]Quick rebuild[/1] . . . . . . . . . . . . 42";
        let (entry, leaders) = split(src).expect("a toc entry");
        assert_eq!(entry, "[1]Quick rebuild[/1]");
        // Unchanged, it comes back as it was.
        assert_eq!(join(&entry, &leaders), src);
        // Six characters longer: six dots fewer.
        assert_eq!(
            join("[1]Reconstrução rápida[/1]", &leaders),
            "[1]Reconstrução rápida[/1] . . . . . . 42"
        );
    }

    #[test]
    fn packed_leaders_and_no_page_number() {
        let (entry, leaders) = split("Introduction .......... 3").expect("a toc entry");
        assert_eq!(entry, "Introduction");
        assert_eq!(join("Introduction", &leaders), "Introduction .......... 3");
        assert_eq!(
            join("Uma introdução longa", &leaders),
            "Uma introdução longa ..... 3"
        );
        assert!(split("Wait... what").is_none());
        assert!(split("See p. 3").is_none());
        assert!(split(". . . . . . 12").is_none());
    }
}
