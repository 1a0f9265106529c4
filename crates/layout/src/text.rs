//! Recognising kinds of text: numbers, page numbers, list markers, citations, URLs, e-mail
//! addresses. Hand-written matchers, so the crate needs no regex engine.
//!
//! The length limits below say what such a token looks like; they are constants rather than
//! [`LayoutSettings`](crate::LayoutSettings) because they define the patterns, not thresholds
//! of a page's geometry.

/// An enumerator of a list item (`12.`, `(iv)`) has at most this many characters inside its
/// punctuation.
const LIST_ENUMERATOR_CHARS: usize = 4;

/// A Roman numeral has at most this many letters (`xxxviii` is 7).
const ROMAN_CHARS: usize = 8;

/// A Roman numeral numbering a heading (`IV.`) or masked in a running header has at most this
/// many letters (`XXXVIII.` numbers no heading).
const SHORT_ROMAN_CHARS: usize = 5;

/// A page number has at most this many digits.
const PAGE_NUMBER_DIGITS: usize = 5;

/// The inside of citation brackets has at most this many characters…
const CITATION_CHARS: usize = 60;

/// …each comma-separated item at most this many words…
const CITATION_ITEM_WORDS: usize = 4;

/// …of at most this many characters each (`Smith et al. 2001`, `Knu84`).
const CITATION_WORD_CHARS: usize = 16;

/// Whether `c` starts a bulleted list item.
pub(crate) fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '◦'
            | '▪'
            | '▫'
            | '‣'
            | '∙'
            | '●'
            | '○'
            | '■'
            | '□'
            | '►'
            | '▸'
            | '▹'
            | '➢'
            | '➤'
            | '✓'
            | '✔'
            | '◆'
            | '◇'
            | '★'
            | '☐'
            | '☑'
            | '⁃'
            | '–'
            | '—'
            | '-'
            | '*'
            | '·'
            | '\u{f0b7}'
            | '\u{f0a7}'
    )
}

/// Whether a line's first word is a list marker: a bullet, or an enumerator such as `1.`,
/// `2)`, `(a)`, `iv.`, `A.`. Public so the pipeline can keep a block's marker away from the
/// engine.
pub fn is_list_marker(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if is_bullet(first) && word.chars().count() == 1 {
        return true;
    }
    let inner = if let Some(rest) = word.strip_prefix('(') {
        match rest.strip_suffix(')') {
            Some(inner) => inner,
            None => return false,
        }
    } else if let Some(inner) = word.strip_suffix('.').or_else(|| word.strip_suffix(')')) {
        inner
    } else {
        return false;
    };
    if inner.is_empty() || inner.chars().count() > LIST_ENUMERATOR_CHARS {
        return false;
    }
    inner.chars().all(|c| c.is_ascii_digit())
        || (inner.chars().count() == 1 && inner.chars().all(|c| c.is_ascii_alphabetic()))
        || is_roman(inner)
}

/// Whether `s` is a lowercase or uppercase Roman numeral (page numbers of front matter).
pub(crate) fn is_roman(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= ROMAN_CHARS
        && (s.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l' | 'c'))
            || s.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C')))
}

/// Whether a block's text is a page number: `12`, `xii`, `- 12 -`, `Page 12`, `12 of 40`,
/// `Page 3 of 9`.
pub(crate) fn is_page_number(text: &str) -> bool {
    let t = text
        .trim()
        .trim_matches(|c: char| c == '-' || c == '–' || c == '—' || c.is_whitespace());
    if t.is_empty() {
        return false;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let num = |w: &str| {
        (w.len() <= PAGE_NUMBER_DIGITS && w.chars().all(|c| c.is_ascii_digit())) || is_roman(w)
    };
    match words.as_slice() {
        [n] => num(n),
        [p, n] => {
            p.eq_ignore_ascii_case("page") && num(n) || p.eq_ignore_ascii_case("p.") && num(n)
        }
        [n, of, m] => num(n) && (*of == "of" || *of == "/") && num(m),
        [p, n, of, m] => {
            p.eq_ignore_ascii_case("page") && num(n) && (*of == "of" || *of == "/") && num(m)
        }
        _ => false,
    }
}

/// Whether text without letters is a number, date, amount, section number or the like:
/// digits with separators and signs, no letters.
pub(crate) fn is_numeric(text: &str) -> bool {
    let mut digits = 0;
    for c in text.chars() {
        if c.is_numeric() {
            digits += 1;
        } else if c.is_alphabetic() {
            // Units and suffixes of one or two letters ("12 %", "3rd", "5 kg") are not text
            // to translate either, but whole words are: judged by the caller on letters.
            return false;
        }
    }
    digits > 0
}

/// Whether `word` (already stripped of surrounding punctuation) is a web address.
pub(crate) fn is_url(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if [
        "http://", "https://", "ftp://", "www.", "file://", "mailto:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    {
        return lower.len() > 6;
    }
    // `example.org/path` or `ctan.org`: a dotted host with a known top-level domain.
    let host = lower.split('/').next().unwrap_or("");
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return false;
    }
    let tld = parts[parts.len() - 1];
    let known = [
        "org", "com", "net", "edu", "gov", "io", "de", "uk", "fr", "info", "int", "mil", "eu",
    ];
    known.contains(&tld)
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && parts[0].chars().any(|c| c.is_ascii_alphabetic())
        && (lower.contains('/')
            || parts.len() >= 3
            || ["org", "com", "net", "edu", "gov"].contains(&tld))
}

/// Whether `word` (stripped of surrounding punctuation) is an e-mail address.
pub(crate) fn is_email(word: &str) -> bool {
    let Some((user, host)) = word.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && user
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-{},".contains(c))
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// Trims punctuation that surrounds a token in running text but belongs to the sentence:
/// returns the byte range of the core within `word`.
pub(crate) fn core_range(word: &str) -> (usize, usize) {
    let lead = |c: char| matches!(c, '(' | '<' | '"' | '\'' | '“' | '‘' | '«' | '[');
    let trail = |c: char| {
        matches!(
            c,
            ')' | '>' | '"' | '\'' | '”' | '’' | '»' | ']' | '.' | ',' | ';' | ':' | '!' | '?'
        )
    };
    let start = word
        .char_indices()
        .find(|&(_, c)| !lead(c))
        .map_or(word.len(), |(i, _)| i);
    let end = word[start..]
        .char_indices()
        .rev()
        .find(|&(_, c)| !trail(c))
        .map_or(start, |(i, c)| start + i + c.len_utf8());
    (start, end)
}

/// The length of the number that starts `text` and is followed by a space, as headings and
/// list items are numbered: a Roman numeral or one letter with "." or ")" ("IV.", "b)",
/// "(a)"), or digits with dots ("2.", "3.1.4"). `None` when the text does not start so.
pub(crate) fn enumerator_len(text: &str) -> Option<usize> {
    let token = text.split(char::is_whitespace).next()?;
    if token.len() == text.len() {
        return None;
    }
    let (inner, closed) = match token.strip_prefix('(') {
        Some(rest) => (rest.strip_suffix(')')?, true),
        None => match token.strip_suffix(['.', ')']) {
            Some(rest) => (rest, true),
            None => (token, false),
        },
    };
    let roman = !inner.is_empty()
        && inner.chars().all(|c| "IVXLC".contains(c))
        && inner.len() <= SHORT_ROMAN_CHARS;
    let letter = inner.chars().count() == 1 && inner.chars().all(|c| c.is_ascii_alphabetic());
    let numbered = !inner.is_empty()
        && inner.chars().all(|c| c.is_ascii_digit() || c == '.')
        && inner.starts_with(|c: char| c.is_ascii_digit());
    ((closed && (roman || letter)) || numbered).then_some(token.len())
}

/// Byte ranges of citations in brackets (`[12]`, `[3, 7–9]`, `[Knu84]`) in `text`: they are kept
/// as they are, and a literal `[12]` must never be read as a placeholder.
pub(crate) fn citation_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'[' {
            i += 1;
            continue;
        }
        let Some(len) = text[i + 1..].find(']') else {
            break;
        };
        let inner = &text[i + 1..i + 1 + len];
        let end = i + 1 + len + 1;
        if is_citation_body(inner) {
            out.push((i, end));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// The inside of brackets that makes a citation, or anything a placeholder could be mistaken
/// for: `12`, `/12`, `1, 3–5`, `Knu84`, `Smith et al. 2001`.
fn is_citation_body(inner: &str) -> bool {
    if inner.is_empty()
        || inner.chars().count() > CITATION_CHARS
        || !inner.chars().any(|c| c.is_ascii_digit())
    {
        return false;
    }
    if inner
        .strip_prefix('/')
        .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()))
    {
        return true;
    }
    let allowed = |c: char| c.is_alphanumeric() || " ,;.–-—+&:".contains(c);
    if !inner.chars().all(allowed) {
        return false;
    }
    // Every comma-separated item is short: a key, a number, a range, "Author 2001".
    inner.split([',', ';']).all(|item| {
        let words: Vec<&str> = item.split_whitespace().collect();
        words.len() <= CITATION_ITEM_WORDS
            && words
                .iter()
                .all(|w| w.chars().count() <= CITATION_WORD_CHARS)
    })
}

/// Whether the character belongs to a script written without spaces between words (Chinese,
/// Japanese): lines of such text are joined without a space.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Whether `text` ends a sentence, in any script Folio reads: Latin `.!?`, the full-width
/// `。！？．` of Chinese and Japanese, Arabic's `؟`, Urdu's `۔` and the Devanagari danda `।`.
pub(crate) fn ends_sentence(text: &str) -> bool {
    text.trim_end()
        .ends_with(['.', '!', '?', '。', '！', '？', '．', '؟', '۔', '।'])
}

/// Masks a margin line's text for comparing running headers across pages: lowercase, every
/// run of digits (and Roman page numbers) replaced by `#`, spaces collapsed.
pub(crate) fn running_key(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if is_roman(word) && word.len() <= SHORT_ROMAN_CHARS {
            out.push('#');
            continue;
        }
        let mut in_digits = false;
        for c in word.chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    out.push('#');
                }
                in_digits = true;
            } else {
                in_digits = false;
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn enumerators_start_headings_and_items() {
        for (text, len) in [
            ("I. FIRST-LEVEL HEADING", Some(2)),
            ("IV. Results", Some(3)),
            ("b) the second", Some(2)),
            ("(a) the first", Some(3)),
            ("3.1.4 Details", Some(5)),
            ("2. Methods", Some(2)),
            ("I think so", None),
            ("A cat sat", None),
            ("Abstract. Text", None),
            ("IV.", None),
        ] {
            assert_eq!(enumerator_len(text), len, "{text}");
        }
    }

    use super::*;

    #[test]
    fn sentences_end_in_every_script() {
        for t in [
            "It ends.",
            "委員会は検討します。",
            "本当ですか？ ",
            "هل هذا صحيح؟",
            "یہ کتاب ہے۔",
            "यह किताब है।",
        ] {
            assert!(ends_sentence(t), "{t}");
        }
        for t in ["A heading", "第一章", "Note:", "مقدمة"] {
            assert!(!ends_sentence(t), "{t}");
        }
    }

    #[test]
    fn list_markers() {
        for m in ["•", "1.", "12)", "(a)", "iv.", "A.", "–"] {
            assert!(is_list_marker(m), "{m}");
        }
        for m in ["Hello", "1", "2.1", "(hello)", "e.g."] {
            assert!(!is_list_marker(m), "{m}");
        }
    }

    #[test]
    fn page_numbers() {
        for t in ["12", "xii", "- 3 -", "Page 4", "4 of 10", "Page 2 of 9"] {
            assert!(is_page_number(t), "{t}");
        }
        for t in ["2.1", "Chapter 3", "12 Introduction"] {
            assert!(!is_page_number(t), "{t}");
        }
    }

    #[test]
    fn citations() {
        let t = "as shown [12] and [3, 7–9] but not [a, b] nor [x]";
        let r: Vec<&str> = citation_ranges(t)
            .into_iter()
            .map(|(a, b)| &t[a..b])
            .collect();
        assert_eq!(r, ["[12]", "[3, 7–9]"]);
        assert_eq!(citation_ranges("[/2] [Knu84]").len(), 2);
    }

    #[test]
    fn urls_and_emails() {
        assert!(is_url("https://ctan.org/pkg"));
        assert!(is_url("www.example.com"));
        assert!(is_url("ctan.org"));
        assert!(!is_url("e.g"));
        assert!(!is_url("Fig.3"));
        assert!(is_email("someone@example.org"));
        assert!(!is_email("@home"));
        let w = "(https://x.org/a).";
        let (a, b) = core_range(w);
        assert_eq!(&w[a..b], "https://x.org/a");
    }

    #[test]
    fn running_keys() {
        assert_eq!(running_key("Chapter 12  Things"), "chapter # things");
        assert_eq!(running_key("xii"), "#");
    }
}
