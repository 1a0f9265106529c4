//! Protected tokens: phone numbers, numeric ranges, identifiers and codes, amounts, numeric
//! dates and times. An engine mangles them (`202–493–2251` became `202 a 493 a 2251`), so
//! they reach it as kept atomic items `[n]` and come back verbatim.
//!
//! # What is protected (by the text of the words, never by font or file)
//! - Digits in groups joined by a dash, a slash or a colon: ranges `12–15`, phone numbers
//!   `202–493–2251`, ZIP+4 `90740–5600`, dates `2020-08-12`, `08/12/2020`, times `16:21`.
//!   Joined by dots only when it is a date (`12.08.2020`) or a phone number (`202.493.2251`):
//!   decimals (`3.5`), section numbers (`2.3.1`) and thousands (`1,234`) are the engine's to
//!   write in the target language's way.
//! - Codes: letters and digits without a lowercase letter, five characters or more
//!   (`DHAS20190061`, `06AUP1`), or joined by a dash, dot or slash (`M–30`, `2105–AE86`,
//!   `KNKT.18.10.35.04`, `COVID-19`, `UTF-8`). Not protected: `A4`, `H2O`, `3rd`, `1990s`,
//!   `e-mail`, `Covid-19` and any hyphenated word with a lowercase letter.
//! - Amounts: a currency sign with a number (`$1,234.56`, `€ 30`), a number with `%` (`12 %`).
//! - Phone numbers written with spaces: `(202) 493-2251`, `+1 202 493 2251`, `202 493 2251`.
//! - An acronym before a code or a number of three digits or more (`RIN 2105–AE86`,
//!   `ISO 9001`), unless the text around is in capitals (`FILED BEFORE 2019` stays text).
//! - A code broken at a line's end after its dash (`2018– 23–51`, `M– 30`).
//!
//! A plain number alone (`2020`, `152`) is left in the text: a block made only of numbers is
//! kept anyway, and in a sentence the engine needs it to agree words. Protected tokens next
//! to each other (only spaces between) make one item, so a segment's placeholders stay few.

/// A code without separators has at least this many characters (`DHAS20190061`; not `A4`).
const CODE_MIN_CHARS: usize = 5;

/// An acronym before a number has between these many capital letters (`ISO 9001`).
const ACRONYM_CHARS: std::ops::RangeInclusive<usize> = 2..=5;

/// A number after an acronym has at least this many digits.
const ACRONYM_NUMBER_DIGITS: usize = 3;

/// A phone number has between these many digits.
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

/// Each group of a phone number written with spaces has at most this many digits.
const PHONE_GROUP_DIGITS: usize = 4;

/// Dashes joining the parts of a range, phone number or code.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '‐' | '‑' | '−')
}

/// Byte ranges of protected tokens in `text`, sorted, disjoint, adjacent ones merged.
pub(crate) fn protected_ranges(text: &str) -> Vec<(usize, usize)> {
    let words = words(text);
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let Some((range, next)) = match_at(text, &words, i) {
            out.push(range);
            i = next;
        } else {
            i += 1;
        }
    }
    // Merge neighbours with only spaces between.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if text[last.1..a].chars().all(char::is_whitespace) => last.1 = b,
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// A word of the text: its byte range, and the range of its core (without the sentence's
/// punctuation around it).
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    core: (usize, usize),
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let (a, b) = crate::text::core_range(&text[s..i]);
                out.push(Word {
                    start: s,
                    end: i,
                    core: (s + a, s + b),
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The protected token starting at word `i`, if any: its byte range and the next word.
fn match_at(text: &str, words: &[Word], i: usize) -> Option<((usize, usize), usize)> {
    let core = |k: usize| &text[words[k].core.0..words[k].core.1];
    let w = words[i];
    // A phone number written with spaces.
    if let Some(r) = phone_run(text, words, i) {
        return Some(r);
    }
    // A code broken after its dash at a line's end.
    if i + 1 < words.len() && core(i).ends_with(is_dash) && w.core.1 == w.end {
        let joined = format!("{}{}", core(i), core(i + 1));
        if is_protected_word(&joined) {
            return Some(((w.core.0, words[i + 1].core.1), i + 2));
        }
    }
    // Amounts in two words: "€ 30", "12 %".
    if i + 1 < words.len() && w.core.1 == w.end {
        let (a, b) = (core(i), core(i + 1));
        if (is_currency(a) && is_amount_number(b)) || (is_amount_number(a) && b == "%") {
            return Some(((w.core.0, words[i + 1].core.1), i + 2));
        }
    }
    // An acronym before a code or a long number, outside text in capitals.
    if i + 1 < words.len() && w.core.1 == w.end && is_acronym(core(i)) {
        let next = core(i + 1);
        let digits = next.chars().filter(char::is_ascii_digit).count();
        let numbered = (next.chars().all(|c| c.is_ascii_digit())
            && digits >= ACRONYM_NUMBER_DIGITS)
            || is_protected_word(next);
        let in_capitals = i > 0 && is_capitals_word(core(i - 1));
        if numbered && !in_capitals {
            return Some(((w.core.0, words[i + 1].core.1), i + 2));
        }
    }
    is_protected_word(core(i)).then_some((w.core, i + 1))
}

/// Whether one word (without surrounding punctuation) is a protected token.
pub(crate) fn is_protected_word(w: &str) -> bool {
    if w.is_empty() || !w.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    // Amounts: "$1,234.56", "30€", "12%".
    if let Some(rest) = strip_currency(w)
        && is_amount_number(rest)
    {
        return true;
    }
    if let Some(rest) = w.strip_suffix('%')
        && is_amount_number(rest)
    {
        return true;
    }
    let sep = |c: char| is_dash(c) || matches!(c, '.' | '/' | ':' | '_');
    if !w.chars().all(|c| c.is_alphanumeric() || sep(c)) || w.chars().any(char::is_lowercase) {
        return false;
    }
    let parts: Vec<&str> = w.split(sep).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return false;
    }
    let has_letters = w.chars().any(char::is_alphabetic);
    if has_letters {
        // A code: long enough alone, or parts joined.
        return parts.len() > 1 || w.chars().count() >= CODE_MIN_CHARS;
    }
    if parts.len() == 1 {
        return false; // A plain number.
    }
    if w.contains(is_dash) || w.contains('/') || w.contains(':') {
        return true;
    }
    // Dots only: a date or a phone number.
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let digits: usize = lens.iter().sum();
    let date = lens.len() == 3
        && ((lens[2] == 4 && lens[0] <= 2 && lens[1] <= 2)
            || (lens[0] == 4 && lens[1] <= 2 && lens[2] <= 2));
    let phone = lens.len() >= 3 && PHONE_DIGITS.contains(&digits) && lens.iter().all(|&l| l >= 2);
    date || phone
}

/// A phone number over several words: `(202) 493-2251`, `+1 202 493 2251`, `202 493 2251`.
fn phone_run(text: &str, words: &[Word], i: usize) -> Option<((usize, usize), usize)> {
    let mut j = i;
    let mut digits = 0;
    let mut lead = false;
    let mut small_groups = true;
    while j < words.len() {
        let w = words[j];
        // A word in parentheses, `(202)`, keeps them; others lose the sentence's punctuation.
        let whole = &text[w.start..w.end];
        let raw = if whole.starts_with('(') && whole.contains(')') {
            whole.trim_end_matches(['.', ',', ';', ':'])
        } else {
            &text[w.core.0..w.core.1]
        };
        let Some((d, max_group, is_lead)) = phone_part(raw, j == i) else {
            break;
        };
        if j > i
            && words[j - 1].core.1 != words[j - 1].end
            && !text[words[j - 1].core.1..words[j - 1].end].starts_with(')')
        {
            break; // Punctuation ended the number.
        }
        digits += d;
        lead |= is_lead;
        small_groups &= max_group <= PHONE_GROUP_DIGITS;
        j += 1;
    }
    let n = j - i;
    if n < 2 || !PHONE_DIGITS.contains(&digits) || !small_groups || !(lead || n >= 3) {
        return None;
    }
    let start = if text[words[i].start..].starts_with('(') {
        words[i].start
    } else {
        words[i].core.0
    };
    Some(((start, words[j - 1].core.1), j))
}

/// A part of a phone number: `(202)`, `+1` (first only) or digit groups joined by dashes or
/// dots. Returns its digits, its longest group and whether it is a leading `(…)` or `+…`.
fn phone_part(w: &str, first: bool) -> Option<(usize, usize, bool)> {
    let (body, lead) = if let Some(inner) = w.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        (inner, true)
    } else if let Some(rest) = w.strip_prefix('+').filter(|_| first) {
        (rest, true)
    } else {
        (w, false)
    };
    let groups: Vec<&str> = body.split(|c: char| is_dash(c) || c == '.').collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let digits = groups.iter().map(|g| g.len()).sum();
    let longest = groups.iter().map(|g| g.len()).max().unwrap_or(0);
    Some((digits, longest, lead))
}

fn is_currency(w: &str) -> bool {
    matches!(
        w,
        "$" | "€" | "£" | "¥" | "US$" | "R$" | "USD" | "EUR" | "GBP"
    )
}

/// The word without a leading or trailing currency sign, when it has one.
fn strip_currency(w: &str) -> Option<&str> {
    for sign in ["US$", "R$", "$", "€", "£", "¥"] {
        if let Some(rest) = w.strip_prefix(sign).or_else(|| w.strip_suffix(sign)) {
            return Some(rest);
        }
    }
    None
}

/// A number as amounts are written: digits with `,` and `.` between them.
fn is_amount_number(w: &str) -> bool {
    !w.is_empty()
        && w.starts_with(|c: char| c.is_ascii_digit())
        && w.ends_with(|c: char| c.is_ascii_digit())
        && w.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

fn is_acronym(w: &str) -> bool {
    ACRONYM_CHARS.contains(&w.chars().count()) && w.chars().all(|c| c.is_ascii_uppercase())
}

/// A word in capitals of two letters or more: the text around is in capitals.
fn is_capitals_word(w: &str) -> bool {
    w.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !w.chars().any(char::is_lowercase)
        && w.chars().all(|c| c.is_alphabetic() || c == '.' || c == ',')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        protected_ranges(text)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect()
    }

    #[test]
    fn protected_words() {
        for w in [
            "202–493–2251",
            "12–15",
            "M–30",
            "2105–AE86",
            "DHAS20190061",
            "06AUP1",
            "KNKT.18.10.35.04",
            "COVID-19",
            "W12–140",
            "2020-08-12",
            "08/12/2020",
            "12.08.2020",
            "202.493.2251",
            "16:21",
            "$1,234.56",
            "30€",
            "12%",
        ] {
            assert!(is_protected_word(w), "{w}");
        }
        for w in [
            "e-mail",
            "A4",
            "H2O",
            "3rd",
            "1990s",
            "Covid-19",
            "2020",
            "3.5",
            "2.3.1",
            "1,234",
            "well-known",
            "U.S.",
            "Fig.3",
            "FAA",
            "x-ray",
            "-",
            "2018–",
        ] {
            assert!(!is_protected_word(w), "{w}");
        }
    }

    #[test]
    fn tokens_in_running_text() {
        assert_eq!(found("Fax: 202–493–2251."), ["202–493–2251"]);
        assert_eq!(found("call (202) 493-2251 today"), ["(202) 493-2251"]);
        assert_eq!(found("call +1 202 493 2251, or"), ["+1 202 493 2251"]);
        assert_eq!(found("Docket Operations, M– 30, West"), ["M– 30"]);
        assert_eq!(found("supersede AD 2018– 23–51, which"), ["2018– 23–51"]);
        assert_eq!(found("RIN 2105–AE86"), ["RIN 2105–AE86"]);
        assert_eq!(found("certified to ISO 9001 since"), ["ISO 9001"]);
        assert_eq!(found("costs € 30 or 12 % more"), ["€ 30", "12 %"]);
        assert_eq!(found("see pp. 3–7 of it"), ["3–7"]);
        assert_eq!(found("on 2020-08-12 16:21 it"), ["2020-08-12 16:21"]);
        assert!(found("FILED BEFORE 2019 AND").is_empty());
        assert!(found("In 2019 the 737 well-known e-mail came, 3.5 times").is_empty());
        assert!(found("between 10 20 and 30").is_empty());
    }
}
