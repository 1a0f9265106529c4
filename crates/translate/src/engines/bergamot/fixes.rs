//! Fixes of what the model gets wrong on its own: parentheticals it invents for a few words,
//! and the fallback that translates between placeholders piece by piece.

use fxtranslate::engine::Engine as Model;

use crate::placeholders::{self, Piece};

/// Translates text without placeholders, without what the model invents for a few words.
pub(super) fn plain_translation(mt: &Model, text: &str) -> String {
    without_invented_parenthetical(text, mt.translate_long(text))
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
pub(super) fn piecewise(mt: &Model, text: &str) -> String {
    placeholders::parse(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) if t.chars().any(char::is_alphanumeric) => plain_translation(mt, t),
            other => other.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
