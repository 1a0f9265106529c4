//! Fixes of what the model gets wrong on its own: parentheticals it invents for a few words,
//! and the fallback that translates between placeholders piece by piece.

use fxtranslate::engine::Engine as Model;

use crate::placeholders::{self, Piece};

/// Translates text without placeholders, without what the model invents for a few words;
/// from English, lines of names as the source wrote them (the checks read English
/// capitalisation: German capitalises every noun).
pub(super) fn plain_translation(mt: &Model, text: &str, english: bool) -> String {
    let out = without_invented_parenthetical(text, mt.translate_long(text));
    if !english {
        return out;
    }
    name_list(text, name_line(text, out))
}

/// A line of a few capitalised words (a person's name, `Charles Palmer`) that comes back as
/// as many capitalised words with the same initials but not the same words (`Carlos Palmer`)
/// had a given name translated: names stay as the source wrote them.
fn name_line(source: &str, out: String) -> String {
    const FEW_WORDS: usize = 4;
    let words: Vec<&str> = source.split_whitespace().collect();
    let got: Vec<&str> = out.split_whitespace().collect();
    let initial = |w: &&str| w.chars().next();
    let capitalised = |w: &&str| initial(w).is_some_and(char::is_uppercase);
    let renamed = (2..=FEW_WORDS).contains(&words.len())
        && words.iter().all(capitalised)
        && !source.contains([',', ':', ';'])
        && got.len() == words.len()
        && got.iter().map(initial).eq(words.iter().map(initial))
        && got != words;
    if renamed {
        source.trim().to_string()
    } else {
        out
    }
}

/// A line listing names (`Rocquencourt, France`, `Doimukh, Arunachal Pradesh, India`: every
/// word capitalised, parts between commas) comes back with as many parts, each capitalised as
/// in the source; one with parts lost or merged (the model wrote `Hotéis Rocquencourt`) is
/// kept as the source, and a part the model set in lower case (`índia`) gets its capital back.
fn name_list(source: &str, out: String) -> String {
    let parts: Vec<&str> = source.split(',').map(str::trim).collect();
    let capitalised = |w: &str| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
    };
    if parts.len() < 2
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.split_whitespace().all(capitalised))
    {
        return out;
    }
    let got: Vec<&str> = out.split(',').collect();
    if got.len() != parts.len() {
        return source.trim().to_string();
    }
    got.iter()
        .map(|part| {
            let start = part.len() - part.trim_start().len();
            let mut chars = part[start..].chars();
            match chars.next() {
                Some(c) if c.is_lowercase() => {
                    format!("{}{}{}", &part[..start], c.to_uppercase(), chars.as_str())
                }
                _ => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Marian models append a parenthetical to some short inputs, names above all: "John Smith"
/// gives "John Smith (em inglês)", "Lars Thørväld" gives "Lars Th'rvald (em". An opening
/// bracket that a source of a few words does not have cuts the translation there; if what
/// remains is the source's words with the same initials (a name, copied or mangled), or fewer
/// words than the source has, it is the source.
fn without_invented_parenthetical(source: &str, out: String) -> String {
    const FEW_WORDS: usize = 5;
    let words: Vec<&str> = source.split_whitespace().collect();
    if source.contains(['(', '[']) || words.len() > FEW_WORDS {
        return out;
    }
    let Some(cut) = out.find(['(', '[']).map(|i| out[..i].trim_end()) else {
        return out;
    };
    if cut.is_empty() {
        return out;
    }
    let kept: Vec<&str> = cut.split_whitespace().collect();
    let initial = |w: &&str| w.chars().next();
    // A name copied (or mangled), or cut short: the parenthetical held the rest of it.
    let copied =
        kept.len() == words.len() && kept.iter().map(initial).eq(words.iter().map(initial));
    if copied || kept.len() < words.len() {
        return source.trim().to_string();
    }
    cut.to_string()
}

/// Translates the text between placeholders piece by piece: every placeholder stays where it
/// was, at the cost of translating fragments out of context.
pub(super) fn piecewise(mt: &Model, text: &str, english: bool) -> String {
    placeholders::parse(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) if t.chars().any(char::is_alphanumeric) => {
                plain_translation(mt, t, english)
            }
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_given_names() {
        let fix = |s: &str, o: &str| name_line(s, o.to_string());
        assert_eq!(fix("Charles Palmer", "Carlos Palmer"), "Charles Palmer");
        assert_eq!(
            fix("The Kumquat Consortium", "O Consórcio Kumquat"),
            "O Consórcio Kumquat"
        );
        assert_eq!(
            fix("Related Work", "Trabalhos relacionados"),
            "Trabalhos relacionados"
        );
    }

    #[test]
    fn name_lists_keep_their_parts_and_capitals() {
        let fix = |s: &str, o: &str| name_list(s, o.to_string());
        assert_eq!(
            fix("Rocquencourt, France", "Hotéis Rocquencourt"),
            "Rocquencourt, France"
        );
        assert_eq!(
            fix(
                "Doimukh, Arunachal Pradesh, India",
                "Doimukh, Arunachal Pradesh, índia"
            ),
            "Doimukh, Arunachal Pradesh, Índia"
        );
        assert_eq!(fix("Hekla, Iceland", "Hekla, Islândia"), "Hekla, Islândia");
        // Not a list of names: left alone.
        assert_eq!(fix("Hello, my friend", "Olá meu amigo"), "Olá meu amigo");
    }

    #[test]
    fn invented_parentheticals_are_dropped() {
        let cases = [
            ("John Smith", "John Smith (em inglês)", "John Smith"),
            ("Lars Thørväld", "Lars Th'rvald (em", "Lars Thørväld"),
            (
                "Related Work",
                "Trabalhos relacionados (",
                "Trabalhos relacionados",
            ),
            (
                "The cat (a pet)",
                "O gato (um animal)",
                "O gato (um animal)",
            ),
            (
                "A sentence of many more words than a name has",
                "Uma frase (x)",
                "Uma frase (x)",
            ),
            ("Hello", "(Olá)", "(Olá)"),
            (
                "Julius P. Kumquat",
                "Julius P. (Kumquat)",
                "Julius P. Kumquat",
            ),
        ];
        for (source, out, want) in cases {
            assert_eq!(
                without_invented_parenthetical(source, out.to_string()),
                want,
                "{source}"
            );
        }
    }
}
