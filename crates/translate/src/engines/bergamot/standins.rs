//! Stand-ins: word-like tokens the model copies through, sent in place of what it must not
//! touch. A kept item `[n]` (a phone number, a code, an inline formula, a citation) taken out
//! of its sentence leaves a hole the model translates around badly (`90740–5600,;`,
//! `0686. .`); a name with letters outside the model's vocabulary comes back mangled
//! (`Thørväld` as `Th'rvald`) or replaced by another word of the sentence. A stand-in (`X1`,
//! `X2`, …) reads as a code to the model: the sentence keeps its grammar, the stand-in comes
//! back verbatim, and is then replaced by what it stood for.

use crate::placeholders::{self, Piece};

/// Letters of the stand-ins, tried in turn until one is followed by no digit in the text.
const PREFIXES: [&str; 4] = ["X", "Z", "Q", "XZ"];

/// A text with stand-ins, and what each stands for.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StandIns {
    /// The text sent to the model.
    pub text: String,
    /// (stand-in, what it stands for), in order.
    items: Vec<(String, String)>,
}

impl StandIns {
    /// Puts back what each stand-in stood for; `None` when a stand-in is missing from the
    /// translation or comes back more than once (the caller then translates without them).
    pub(super) fn restore(&self, translation: &str) -> Option<String> {
        let mut out = translation.to_string();
        // Longest first, so `X12` is not read as `X1` followed by `2`.
        let mut items: Vec<&(String, String)> = self.items.iter().collect();
        items.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        let mut found: Vec<(usize, usize, &str)> = Vec::new();
        for (stand_in, original) in items {
            let hits: Vec<usize> = token_positions(&out, stand_in)
                .into_iter()
                .filter(|&at| !found.iter().any(|&(a, b, _)| a <= at && at < b))
                .collect();
            let [at] = hits[..] else { return None };
            found.push((at, at + stand_in.len(), original));
        }
        found.sort_by_key(|f| std::cmp::Reverse(f.0));
        for (a, b, original) in found {
            out.replace_range(a..b, original);
        }
        Some(out)
    }
}

/// The text with a stand-in for each kept item `[n]` that sits inside the text (after some
/// words) and, with `names` (an English source), for each name the model cannot spell (see
/// [`is_foreign_name`]); `None` when there is nothing to stand in.
pub(super) fn stand_in(text: &str, names: bool) -> Option<StandIns> {
    let pieces = placeholders::parse(text);
    let taken = |p: &str| {
        text.match_indices(p)
            .any(|(at, _)| text[at + p.len()..].starts_with(|c: char| c.is_ascii_digit()))
    };
    let prefix = PREFIXES.iter().find(|p| !taken(p))?;
    let mut items: Vec<(String, String)> = Vec::new();
    let next = |original: String, items: &mut Vec<(String, String)>| {
        let stand_in = format!("{prefix}{}", items.len() + 1);
        items.push((stand_in.clone(), original));
        stand_in
    };
    let mut out = String::with_capacity(text.len());
    let mut words_before = false;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(t) => {
                for (j, word) in split_keeping_spaces(t) {
                    let bare = word.trim_end_matches(['.', ',', ';', ':', '!', '?']);
                    if j && names && is_foreign_name(bare) {
                        out.push_str(&next(bare.to_string(), &mut items));
                        out.push_str(&word[bare.len()..]);
                    } else {
                        out.push_str(word);
                    }
                }
                words_before |= t.chars().any(char::is_alphanumeric);
            }
            Piece::Open(n) => {
                let closed = pieces[i + 1..]
                    .iter()
                    .any(|p| matches!(p, Piece::Close(m) if m == n));
                if !closed && (words_before || punctuation_follows(&pieces[i + 1..])) {
                    out.push_str(&next(piece.to_string(), &mut items));
                } else {
                    out.push_str(&piece.to_string());
                }
            }
            Piece::Close(_) => out.push_str(&piece.to_string()),
        }
    }
    (!items.is_empty()).then_some(StandIns { text: out, items })
}

/// Whether the pieces after a leading kept item go on, past spaces and other kept items, with
/// punctuation: the item is then a word of the sentence (`[1] [2]. IEEE TCSC Executive
/// Committee.`, an author and a year), not a marker before it (`[1] The system …`).
fn punctuation_follows(pieces: &[Piece<'_>]) -> bool {
    for (k, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(t) if t.trim().is_empty() => {}
            Piece::Text(t) => return t.trim_start().starts_with(['.', ',', ';', ':']),
            Piece::Open(n) => {
                let closed = pieces[k + 1..]
                    .iter()
                    .any(|p| matches!(p, Piece::Close(m) if m == n));
                if closed {
                    return false;
                }
            }
            Piece::Close(_) => return false,
        }
    }
    false
}

/// The text cut into words and the spaces between them: `(is a word, piece)`.
fn split_keeping_spaces(text: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let word_char = !c.is_whitespace();
        if i > start && word_char != in_word {
            pieces.push((in_word, &text[start..i]));
            start = i;
        }
        in_word = word_char;
    }
    if start < text.len() {
        pieces.push((in_word, &text[start..]));
    }
    pieces.into_iter()
}

/// A capitalised word with a letter outside ASCII (`Thørväld`, `Béranger`, `Zürich`): in
/// English text, a name, and one the model's vocabulary spells wrong or not at all. The caller
/// takes punctuation after it off (`Thørväld,`); one with a bracket or quote (`(Thørväld)`)
/// is left to the model.
fn is_foreign_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && word.chars().all(char::is_alphabetic)
        && !word.is_ascii()
        && word.chars().count() >= 2
}

/// Byte offsets where `token` stands as a whole token (not inside a longer word or number).
fn token_positions(text: &str, token: &str) -> Vec<usize> {
    text.match_indices(token)
        .filter(|&(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + token.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
        .map(|(at, _)| at)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_items_inside_sentences_get_stand_ins() {
        let s = stand_in("[1]•[/1] Fax: [2]. Call [3] now.", true).unwrap();
        assert_eq!(s.text, "[1]•[/1] Fax: X1. Call X2 now.");
        assert_eq!(
            s.restore("[1]•[/1] Fax: X1. Ligue X2 agora.").as_deref(),
            Some("[1]•[/1] Fax: [2]. Ligue [3] agora.")
        );
        // A leading kept item (a marker, a footnote number) stays as it is…
        assert_eq!(stand_in("[1] The system.", true), None);
        // …unless punctuation follows it: then it is a word of the sentence.
        let s = stand_in("[1] [2]. IEEE Committee.", true).unwrap();
        assert_eq!(s.text, "X1 X2. IEEE Committee.");
    }

    #[test]
    fn names_the_model_cannot_spell_get_stand_ins() {
        let s = stand_in("The Thørväld Group, Hekla", true).unwrap();
        assert_eq!(s.text, "The X1 Group, Hekla");
        assert_eq!(
            s.restore("O Grupo X1, Hekla").as_deref(),
            Some("O Grupo Thørväld, Hekla")
        );
        assert_eq!(stand_in("A café in town.", true), None);
        // Not from German, whose nouns are all capitalised.
        assert_eq!(stand_in("Die Größe der Übersicht", false), None);
        let s = stand_in("Lars Thørväld, Valerie Béranger.", true).unwrap();
        assert_eq!(s.text, "Lars X1, Valerie X2.");
    }

    #[test]
    fn a_lost_or_repeated_stand_in_gives_nothing() {
        let s = stand_in("Call [1] or [2] today.", true).unwrap();
        assert_eq!(s.restore("Ligue X1 hoje."), None);
        assert_eq!(s.restore("Ligue X1 ou X1 hoje."), None);
        assert_eq!(
            s.restore("Ligue X1 ou X2 hoje.").as_deref(),
            Some("Ligue [1] ou [2] hoje.")
        );
    }

    #[test]
    fn stand_ins_avoid_tokens_of_the_text() {
        let s = stand_in("Model X1 and [1] here.", true).unwrap();
        assert_eq!(s.text, "Model X1 and Z1 here.");
    }
}
