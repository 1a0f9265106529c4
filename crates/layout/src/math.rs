//! Which glyphs of a run of text are mathematics, by what the glyphs show rather than by the
//! font's name alone: Unicode math letters and operators, Greek letters among Latin words,
//! letters of a math font, single italic letters (variables) in upright prose, and the
//! super- and subscripts glued to any of these.
//!
//! Inline formulas ([`crate::inline`]) and display-math lines ([`crate::lines`]) are both
//! found from the same evidence, so a formula's subscripts always belong to the formula.
//!
//! # How
//! 1. Each glyph gets a [`Kind`] from itself: a math sign (Unicode mathematics, a Greek
//!    letter, a letter or symbol of a math font), glue (digits, ASCII operators and
//!    punctuation, spaces), an italic Latin letter (a variable or an emphasised word), a
//!    super- or subscript (smaller, off the line's baseline), or text.
//! 2. Context settles the doubtful ones: Greek letters in a Greek word are text; a word of
//!    one italic letter is a variable, of two or three only beside other mathematics; a
//!    script glued to mathematics is mathematics.
//! 3. Formulas are the maximal runs of mathematics and glue between them, taking the glue
//!    just before (a digit, a parenthesis) and the operators and numbers just after
//!    (`= 2.05`), but never a sentence's punctuation.

use folio_doc::Page;

use crate::InlineSettings;
use crate::fonts::{FontTraits, is_text_symbol, traits};

/// One place of the text: a glyph, or a separator between words or lines (`None`), with the
/// size and baseline of the line it is on (scripts are found against them).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    /// The glyph, or `None` for a separator.
    pub glyph: Option<u32>,
    /// Main size of its line.
    pub size: f32,
    /// Baseline of its line.
    pub baseline: f32,
}

/// What one glyph shows by itself (step 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A separator.
    Space,
    /// Unicode mathematics, a Greek letter, a letter or symbol of a math font.
    Sign,
    /// A Greek letter of a text font (a variable, unless it is in a Greek word).
    Greek,
    /// Digits, ASCII operators and punctuation: mathematics only between mathematics.
    Glue,
    /// An italic Latin letter in upright text.
    Italic,
    /// A super- or subscript.
    Script,
    /// Anything else.
    Text,
}

/// Which slots are mathematics: `true` for every glyph of a formula, including the glue
/// and separators inside it (see the module's documentation). `base` is the traits of the
/// text's main font: in italic text, an italic letter is a variable only beside other
/// mathematics.
pub(crate) fn formula_slots(
    page: &Page,
    fonts: &[FontTraits],
    slots: &[Slot],
    base: FontTraits,
    s: &InlineSettings,
) -> Vec<bool> {
    let mut kinds: Vec<Kind> = slots
        .iter()
        .map(|slot| kind_of(page, fonts, slot, s))
        .collect();
    settle_greek(page, slots, &mut kinds);
    settle_italic(page, slots, &mut kinds, base.italic);
    settle_scripts(&mut kinds);
    let mut out = vec![false; slots.len()];
    for (a, b) in runs(page, slots, &kinds) {
        out[a..b].iter_mut().for_each(|m| *m = true);
    }
    out
}

/// The formulas of `slots` as ranges `[a, b)`, sorted and disjoint, each starting and
/// ending on a glyph.
pub(crate) fn formula_ranges(
    page: &Page,
    fonts: &[FontTraits],
    slots: &[Slot],
    base: FontTraits,
    s: &InlineSettings,
) -> Vec<(usize, usize)> {
    let math = formula_slots(page, fonts, slots, base, s);
    let mut out = Vec::new();
    let mut i = 0;
    while i < math.len() {
        if !math[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < math.len() && math[j] {
            j += 1;
        }
        out.push((i, j));
        i = j;
    }
    out
}

/// Whether a glyph of a formula counts towards a line's share of mathematics: not digits
/// and sentence punctuation, which prose has too.
pub(crate) fn counts_as_math(text: &str) -> bool {
    !text.is_empty()
        && !text
            .chars()
            .all(|c| c.is_ascii_digit() || ".,;:".contains(c))
}

fn text_of<'a>(page: &'a Page, slot: &Slot) -> &'a str {
    slot.glyph
        .and_then(|g| page.glyphs.get(g as usize))
        .map_or("", |g| g.text.as_str())
}

/// Step 1.
fn kind_of(page: &Page, fonts: &[FontTraits], slot: &Slot, s: &InlineSettings) -> Kind {
    let Some(glyph) = slot.glyph.and_then(|g| page.glyphs.get(g as usize)) else {
        return Kind::Space;
    };
    let text = glyph.text.as_str();
    if text.is_empty() || text.chars().all(char::is_whitespace) {
        return Kind::Space;
    }
    let t = traits(fonts, glyph.font);
    let script = glyph.size < s.script_size * slot.size
        && (glyph.origin.y < slot.baseline - s.superscript_rise * slot.size
            || glyph.origin.y > slot.baseline + s.subscript_drop * slot.size);
    // A star or dagger is text (a footnote mark, a bullet), unless it is a script that
    // follows mathematics (`γ*`): step 2 decides.
    if is_text_symbol(text) {
        return if script { Kind::Script } else { Kind::Text };
    }
    let own = if text.chars().any(is_math_char)
        || (t.math && text.chars().any(|c| "×÷±¬".contains(c)))
    {
        Kind::Sign
    } else if text.chars().any(is_greek) {
        if t.math { Kind::Sign } else { Kind::Greek }
    } else if text.chars().all(|c| is_glue_char(c) || is_accent(c)) {
        Kind::Glue
    } else if t.math {
        // A math font's letters are variables (its digits and punctuation are glue above).
        Kind::Sign
    } else if t.italic && text.chars().all(|c| c.is_ascii_alphabetic()) {
        Kind::Italic
    } else {
        Kind::Text
    };
    match own {
        Kind::Sign | Kind::Greek => own,
        _ if script => Kind::Script,
        _ => own,
    }
}

/// Unicode mathematics: math alphanumerics, letter-like math symbols, the operator and math
/// symbol blocks, and the few Latin-1 operators.
fn is_math_char(c: char) -> bool {
    matches!(c as u32,
        0x1D400..=0x1D7FF // mathematical alphanumeric symbols
        | 0x2200..=0x22FF // mathematical operators
        | 0x2A00..=0x2AFF // supplemental mathematical operators
        | 0x27C0..=0x27EF // miscellaneous mathematical symbols A
        | 0x2980..=0x29FF // miscellaneous mathematical symbols B
        | 0x2308..=0x230B // ceilings and floors
        | 0x239B..=0x23B3 // bracket pieces
        | 0x2032..=0x2034 // primes
    ) || matches!(
        c,
        'ℎ' | 'ℏ'
            | '\u{2126}'
            | '℧'
            | 'ℓ'
            | '℘'
            | 'ℜ'
            | 'ℑ'
            | 'ℵ'
            | 'ℂ'
            | 'ℕ'
            | 'ℚ'
            | 'ℝ'
            | 'ℤ'
            | '∂'
            | '∇'
            | '⟨'
            | '⟩'
    )
}

fn is_greek(c: char) -> bool {
    matches!(c as u32, 0x0391..=0x03A9 | 0x03B1..=0x03C9 | 0x03D0..=0x03F6)
}

/// Accents drawn apart over a letter (`x̄`, `θ̂`): glue, part of the formula they sit on.
fn is_accent(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x02C6..=0x02DD | 0x00AF | 0x00A8 | 0x00B4 | 0x005E | 0x0060 | 0x007E)
}

/// Digits, ASCII operators and punctuation, the minus sign, and the Latin-1 operators
/// (`×`, `÷`, `±`, `¬`: text encodings reuse their codes for letters, so alone they are no
/// evidence).
fn is_glue_char(c: char) -> bool {
    c.is_ascii_digit() || "=+-−<>()[]{}|/*^_',.·:;!×÷±¬".contains(c)
}

/// Step 2: Greek letters in a word of three Greek letters or more are Greek text.
fn settle_greek(page: &Page, slots: &[Slot], kinds: &mut [Kind]) {
    let mut i = 0;
    while i < kinds.len() {
        if kinds[i] != Kind::Greek {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut letters = 0;
        while j < kinds.len() && kinds[j] == Kind::Greek {
            letters += text_of(page, &slots[j]).chars().count();
            j += 1;
        }
        let kind = if letters >= 3 { Kind::Text } else { Kind::Sign };
        kinds[i..j].iter_mut().for_each(|k| *k = kind);
        i = j;
    }
}

/// Step 2: italic letters. A word (between separators) whose letters are all italic is a
/// variable when it has one letter, or two or three with other mathematics in it (a sign,
/// an operator, a script) or an operator in the word before or after (`aT +`); in italic text, only
/// with other mathematics. Italic letters in a word with upright letters, or within two
/// words of an italic word of three letters or more (an emphasised phrase), are text.
fn settle_italic(page: &Page, slots: &[Slot], kinds: &mut [Kind], italic_text: bool) {
    let words = word_ranges(kinds);
    let is_operator = |k: usize| {
        kinds[k] == Kind::Glue
            && text_of(page, &slots[k])
                .chars()
                .all(|c| "=+-−<>/^*".contains(c))
    };
    let has_math = |(a, b): (usize, usize)| {
        (a..b).any(|k| matches!(kinds[k], Kind::Sign | Kind::Greek) || is_operator(k))
    };
    let has_operator = |(a, b): (usize, usize)| (a..b).any(is_operator);
    // A word of three italic letters or more: an emphasised phrase, whose one-letter words
    // (`A`, `a`) are words too.
    let emphasis = |(a, b): (usize, usize)| {
        (a..b)
            .filter(|&k| kinds[k] == Kind::Italic)
            .map(|k| text_of(page, &slots[k]).chars().count())
            .sum::<usize>()
            >= 3
            && !has_math((a, b))
    };
    let mut decided: Vec<(usize, usize, bool)> = Vec::new();
    for (w, &(a, b)) in words.iter().enumerate() {
        let italic: usize = (a..b)
            .filter(|&k| kinds[k] == Kind::Italic)
            .map(|k| text_of(page, &slots[k]).chars().count())
            .sum();
        if italic == 0 {
            continue;
        }
        let upright = (a..b).any(|k| {
            kinds[k] == Kind::Text && text_of(page, &slots[k]).chars().any(char::is_alphabetic)
        });
        let near = has_math((a, b))
            || (a..b).any(|k| kinds[k] == Kind::Script)
            || (w > 0 && has_operator(words[w - 1]))
            || words.get(w + 1).is_some_and(|&r| has_operator(r));
        // Within two words: `R: A Language` (a title in italics).
        let emphasised = (w.saturating_sub(2)..(w + 3).min(words.len()))
            .filter(|&o| o != w)
            .any(|o| emphasis(words[o]));
        let math =
            !upright && !emphasised && ((italic == 1 && !italic_text) || (italic <= 3 && near));
        decided.push((a, b, math));
    }
    for (a, b, math) in decided {
        for k in &mut kinds[a..b] {
            if *k == Kind::Italic {
                *k = if math { Kind::Sign } else { Kind::Text };
            }
        }
    }
}

/// Step 2: a script after a sign (through glue, other scripts and separators: the reader
/// may have set it apart as a word of its own) is a sign; other scripts (footnote marks,
/// ordinals) are glue, mathematics only between signs.
fn settle_scripts(kinds: &mut [Kind]) {
    for i in 1..kinds.len() {
        if kinds[i] == Kind::Script {
            let mut j = i;
            while j > 0 && matches!(kinds[j - 1], Kind::Glue | Kind::Space) {
                j -= 1;
            }
            if j > 0 && kinds[j - 1] == Kind::Sign {
                kinds[i] = Kind::Sign;
            }
        }
    }
    for k in kinds.iter_mut() {
        if *k == Kind::Script {
            *k = Kind::Glue;
        }
    }
}

/// The words: maximal runs of glyphs between separators.
fn word_ranges(kinds: &[Kind]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < kinds.len() {
        if kinds[i] == Kind::Space {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < kinds.len() && kinds[j] != Kind::Space {
            j += 1;
        }
        out.push((i, j));
        i = j;
    }
    out
}

/// Step 3: formulas as ranges `[a, b)`.
fn runs(page: &Page, slots: &[Slot], kinds: &[Kind]) -> Vec<(usize, usize)> {
    let glue = |k: usize| matches!(kinds[k], Kind::Glue | Kind::Space);
    let sentence_mark = |k: usize| {
        kinds[k] == Kind::Glue
            && text_of(page, &slots[k])
                .chars()
                .all(|c| ".,;:!".contains(c))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < kinds.len() {
        if kinds[i] != Kind::Sign {
            i += 1;
            continue;
        }
        // Forward over signs and glue; the formula ends on its last sign for now.
        let mut end = i + 1;
        let mut j = i + 1;
        while j < kinds.len() && (kinds[j] == Kind::Sign || glue(j)) {
            if kinds[j] == Kind::Sign {
                end = j + 1;
            }
            j += 1;
        }
        // Then over the operators and numbers after it (`= 2.05`), up to a sentence mark
        // before a separator, a closing bracket the formula did not open (`(and LaTeX 2ε)`),
        // a separator before text, or the end.
        let balance = |a: usize, b: usize| -> i32 {
            (a..b)
                .flat_map(|x| text_of(page, &slots[x]).chars())
                .map(|c| match c {
                    '(' | '[' | '{' => 1,
                    ')' | ']' | '}' => -1,
                    _ => 0,
                })
                .sum()
        };
        let mut open = balance(i, end);
        let mut k = end;
        let mut last = end;
        while k < kinds.len() && glue(k) {
            if sentence_mark(k) && (k + 1 == kinds.len() || kinds[k + 1] == Kind::Space) {
                break;
            }
            open += balance(k, k + 1);
            if open < 0 {
                break;
            }
            if kinds[k] == Kind::Glue && !sentence_mark(k) {
                last = k + 1;
            }
            k += 1;
        }
        // Not an opening bracket or a hyphen left hanging before a word (`( see`).
        let tail_is_open = (end..last)
            .rev()
            .find(|&x| kinds[x] == Kind::Glue)
            .is_some_and(|x| text_of(page, &slots[x]).chars().all(|c| "(-[".contains(c)));
        if !tail_is_open {
            end = last;
        }
        // Back over the glue just before it, but not over a separator or a sentence mark.
        let mut start = i;
        while start > 0
            && kinds[start - 1] == Kind::Glue
            && !sentence_mark(start - 1)
            && out.last().is_none_or(|&(_, b)| b < start)
        {
            start -= 1;
        }
        out.push((start, end));
        i = j.max(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_math_and_greek_are_signs() {
        assert!(is_math_char('𝑥'));
        assert!(is_math_char('∑'));
        assert!(is_math_char('ℏ'));
        assert!(!is_math_char('a'));
        assert!(is_greek('ω'));
        assert!(!is_greek('w'));
    }

    #[test]
    fn digits_count_as_math_only_with_operators() {
        assert!(!counts_as_math("2"));
        assert!(!counts_as_math("."));
        assert!(counts_as_math("="));
    }
}
