//! Is a translation in the language asked? A language identifier ([whatlang]: letter
//! trigram profiles of 69 languages, no model files) reads each reply, and a few rules cover
//! the short texts it cannot read.
//!
//! What fails:
//! - a reply of enough words not starting with a capital (at least [`MIN_WORDS`]) that
//!   whatlang identifies reliably as
//!   another language, and still reliably so when asked to choose between that language and
//!   the target only: the source language ([`Error::LeftInSourceLanguage`]), or as a language that is neither
//!   the target nor one whatlang confuses with it ([`Error::WrongLanguage`]): English left in
//!   a Portuguese document, a model answering in Spanish for German;
//! - a reply that is the source text itself, unchanged, when the source has at least two
//!   lowercase words of two letters or more: "Water in the valley" left as is;
//! - a reply in capitals is read in lower case (its capitals are emphasis, not names), and
//!   fails copied unchanged when three words or more read as the source language: "FOR
//!   FURTHER INFORMATION CONTACT:" left as is.
//!
//! What passes, because identification cannot be trusted there or the text rightly stays:
//! short texts whatlang is not sure of, texts mostly of names (an address: "Mail: U.S.
//! Department of Transportation, … Washington, DC 20590" has one word without a capital), and
//! unchanged texts made of capitalized words, acronyms,
//! numbers, code or a single lowercase word ("Alice Smith", "NASA", "ripgrep", "x = 2"): names
//! and code survive translation. A one-word heading left unchanged ("Introduction") therefore
//! passes too: a single capitalized word cannot be told from a name.
//!
//! Close languages are not told apart reliably from a sentence (Portuguese and Spanish,
//! Danish and Norwegian, Croatian and Serbian, …), and whatlang finds Latin and Esperanto in
//! Romance text: those are never called wrong ([`neighbours`]). A target language whatlang
//! does not know is not checked by identification.

use whatlang::Lang;

use crate::{Error, LangPair, Result, placeholders};

/// Words a reply needs, besides capitalised ones, before its identified language counts: under
/// that, trigram counts are too few for whatlang to be right often enough to fail a segment on
/// it.
pub(super) const MIN_WORDS: usize = 4;

/// Checks that `translation` of `source` is in `pair`'s target language (see the module docs).
pub(super) fn check(pair: &LangPair, source: &str, translation: &str) -> Result<()> {
    let out = placeholders::strip(translation);
    let src = placeholders::strip(source);
    if pair.from_primary() == pair.to_primary() {
        return Ok(());
    }
    // A reply in capitals (a heading, a label: "FOR FURTHER INFORMATION CONTACT:") is read in
    // lower case: its words are capitalised for emphasis, not for being names, and copied
    // unchanged it passed as names.
    let capitals = in_capitals(&out);
    let out = if capitals { out.to_lowercase() } else { out };
    let unchanged =
        collapse(&out) == collapse(&src.to_lowercase()) || collapse(&out) == collapse(&src);
    if unchanged && !capitals && looks_like_prose(&src) {
        return Err(Error::LeftInSourceLanguage);
    }
    if unchanged && capitals && reads_as(&out, pair.from_primary()) {
        return Err(Error::LeftInSourceLanguage);
    }
    // Capitalised words are mostly names (an agency, a street, a title in Title Case): their
    // letters say little of the language the text is in, so they do not count.
    let words = out
        .split_whitespace()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(|c| !c.is_uppercase())
        })
        .count();
    if words < MIN_WORDS {
        return Ok(());
    }
    let Some(target) = whatlang_of(pair.to_primary()) else {
        return Ok(());
    };
    let Some(info) = whatlang::detect(&out) else {
        return Ok(());
    };
    let found = info.lang();
    if !info.is_reliable() || found == target || neighbours(target).contains(&found) {
        return Ok(());
    }
    if [Lang::Lat, Lang::Epo].contains(&found) {
        return Ok(());
    }
    // Asked again between the two only: whatlang may be sure of a language on letters alone
    // (a text full of `ď` and `š` "is" Slovak) while its words fit the target as well; only a
    // text that is reliably the other language when the target is the one alternative fails.
    let duel = whatlang::Detector::with_allowlist(vec![target, found]).detect(&out);
    if !duel.is_some_and(|d| d.lang() == found && d.is_reliable()) {
        return Ok(());
    }
    if whatlang_of(pair.from_primary()) == Some(found) {
        return Err(Error::LeftInSourceLanguage);
    }
    Err(Error::WrongLanguage {
        expected: crate::language_name(&pair.to),
        found: found.eng_name().to_string(),
    })
}

/// Whether a short text copied unchanged reads as `primary`'s language: three words or more,
/// identified as it with some confidence. Too few letters for [`MIN_WORDS`] and whatlang's
/// reliability, but the copy is evidence too: "for further information contact" (0.48) is
/// English, "boeing commercial airplanes" (0.08) or "department of transportation" (0.14)
/// are names that stay.
fn reads_as(text: &str, primary: &str) -> bool {
    let words = tokens(text).filter(|t| t.chars().count() >= 2).count();
    let Some(lang) = whatlang_of(primary) else {
        return false;
    };
    words >= 3 && whatlang::detect(text).is_some_and(|d| d.lang() == lang && d.confidence() >= 0.4)
}

/// Whether a text is written in capitals: at least eight letters, nine in ten of those with a
/// case in upper case.
fn in_capitals(text: &str) -> bool {
    let cased = text
        .chars()
        .filter(|c| c.is_uppercase() || c.is_lowercase());
    let (upper, all) = cased.fold((0, 0), |(u, a), c| {
        (u + usize::from(c.is_uppercase()), a + 1)
    });
    all >= 8 && upper * 10 >= all * 9
}

/// Whether a text reads as words of a language rather than a name, an acronym, a number or
/// code: two or more lowercase words of letters only (at least two each), and no code.
fn looks_like_prose(text: &str) -> bool {
    if has_code(text) {
        return false;
    }
    let words = tokens(text)
        .filter(|t| {
            t.chars().count() >= 2 && t.chars().all(|c| c.is_alphabetic() && c.is_lowercase())
        })
        .count();
    words >= 2
}

/// Whether a text has a token of code: a file name, a path, an identifier
/// (`package.cron.*`, `debian/control`, `x86_64`). Text around code is often rightly left as it
/// is ("package.init and package.default"), so an unchanged one is not failed for it; a long
/// one is still read by the language identifier.
pub(super) fn has_code(text: &str) -> bool {
    tokens(text).any(|t| {
        t.chars().any(char::is_alphabetic)
            && t.chars()
                .any(|c| !(c.is_alphabetic() || matches!(c, '-' | '\'' | '’')))
    })
}

/// The white-space separated tokens of a text, without the punctuation around them.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace().map(|t| {
        t.trim_matches(|c: char| {
            matches!(
                c,
                ',' | ';' | ':' | '.' | '!' | '?' | '(' | ')' | '"' | '\'' | '“' | '”'
            )
        })
    })
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// whatlang's language for a primary language subtag, when it knows it.
fn whatlang_of(primary: &str) -> Option<Lang> {
    let code = match primary {
        "en" => "eng",
        "pt" => "por",
        "es" => "spa",
        "fr" => "fra",
        "de" => "deu",
        "it" => "ita",
        "ca" => "cat",
        "nl" => "nld",
        "sv" => "swe",
        "da" => "dan",
        "nb" | "no" => "nob",
        "fi" => "fin",
        "pl" => "pol",
        "cs" => "ces",
        "sk" => "slk",
        "sl" => "slv",
        "hr" => "hrv",
        "sr" => "srp",
        "ro" => "ron",
        "hu" => "hun",
        "el" => "ell",
        "bg" => "bul",
        "mk" => "mkd",
        "ru" => "rus",
        "uk" => "ukr",
        "be" => "bel",
        "lt" => "lit",
        "lv" => "lav",
        "et" => "est",
        "tr" => "tur",
        "az" => "aze",
        "uz" => "uzb",
        "ar" => "ara",
        "he" => "heb",
        "fa" => "pes",
        "ur" => "urd",
        "hi" => "hin",
        "mr" => "mar",
        "ne" => "nep",
        "bn" => "ben",
        "ta" => "tam",
        "te" => "tel",
        "ml" => "mal",
        "kn" => "kan",
        "gu" => "guj",
        "pa" => "pan",
        "th" => "tha",
        "vi" => "vie",
        "id" => "ind",
        "tl" => "tgl",
        "zh" => "cmn",
        "ja" => "jpn",
        "ko" => "kor",
        "ka" => "kat",
        "hy" => "hye",
        "cy" => "cym",
        "af" => "afr",
        "la" => "lat",
        "eo" => "epo",
        _ => return None,
    };
    Lang::from_code(code)
}

/// Languages whatlang confuses with `lang` in a sentence or two: finding one of them is not
/// taken for a wrong language.
fn neighbours(lang: Lang) -> &'static [Lang] {
    use Lang::*;
    match lang {
        Por => &[Spa, Cat, Ita],
        Spa => &[Por, Cat, Ita],
        Cat => &[Spa, Por, Ita, Fra],
        Ita => &[Spa, Por, Cat],
        Fra => &[Cat],
        Ron => &[Ita, Spa],
        Nob => &[Dan, Swe],
        Dan => &[Nob, Swe],
        Swe => &[Nob, Dan],
        Hrv => &[Srp, Slv],
        Srp => &[Hrv, Mkd, Slv],
        Slv => &[Hrv, Srp],
        Ces => &[Slk],
        Slk => &[Ces],
        Rus => &[Ukr, Bel, Bul],
        Ukr => &[Rus, Bel],
        Bel => &[Rus, Ukr],
        Bul => &[Mkd, Rus],
        Mkd => &[Bul, Srp],
        Hin => &[Mar, Nep],
        Mar => &[Hin, Nep],
        Nep => &[Hin, Mar],
        Urd => &[Pes],
        Pes => &[Urd],
        Ind => &[Jav, Tgl],
        Nld => &[Afr],
        Afr => &[Nld],
        Cmn => &[Jpn],
        Jpn => &[Cmn],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn en_pt() -> LangPair {
        LangPair::new("en", "pt").unwrap()
    }

    #[test]
    fn english_left_in_portuguese_fails_portuguese_passes() {
        let src = "The report describes how water flows through small rivers and into the sea.";
        let english = "This report explains how the water runs along little rivers to the ocean.";
        assert_eq!(
            check(&en_pt(), src, english),
            Err(Error::LeftInSourceLanguage)
        );
        let pt = "O relatório descreve como a água corre por pequenos rios até ao mar.";
        assert_eq!(check(&en_pt(), src, pt), Ok(()));
    }

    #[test]
    fn a_heading_in_capitals_is_read_in_lower_case() {
        let pair = en_pt();
        let src = "FOR FURTHER INFORMATION CONTACT THE AGENCY:";
        assert_eq!(check(&pair, src, src), Err(Error::LeftInSourceLanguage));
        // Short, copied: the copy is evidence enough.
        let short = "FOR FURTHER INFORMATION CONTACT:";
        assert_eq!(check(&pair, short, short), Err(Error::LeftInSourceLanguage));
        assert_eq!(
            check(&pair, src, "PARA MAIS INFORMAÇÕES, CONTATE A AGÊNCIA:"),
            Ok(())
        );
        // Names in capitals stay as they are.
        for name in [
            "BOEING COMMERCIAL AIRPLANES",
            "DEPARTMENT OF TRANSPORTATION",
        ] {
            assert_eq!(check(&pair, name, name), Ok(()), "{name}");
        }
    }

    #[test]
    fn a_wrong_language_is_named() {
        let src = "The report describes how water flows through small rivers and into the sea.";
        let de = "Der Bericht beschreibt, wie das Wasser durch kleine Flüsse ins Meer fließt.";
        let e = check(&en_pt(), src, de).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the translation is in German, not Portuguese"
        );
    }

    #[test]
    fn short_texts_fail_only_when_unchanged_prose() {
        let pair = en_pt();
        assert_eq!(
            check(&pair, "Water in the valley", "Water in the valley"),
            Err(Error::LeftInSourceLanguage)
        );
        for kept in [
            "Alice Smith",
            "NASA",
            "ripgrep",
            "x = 2",
            "Folio 2.0",
            "Introduction",
        ] {
            assert_eq!(check(&pair, kept, kept), Ok(()), "{kept}");
        }
        assert_eq!(check(&pair, "Water in the valley", "Água no vale"), Ok(()));
    }

    #[test]
    fn names_are_not_judged_by_their_letters() {
        // What the 0.5B model of `scripts/llm-server.sh` gave for the README example's address:
        // the labels kept, the names rightly so. Its capitalised words read as English.
        let src = "• Fax: 202–493–2251. • Mail: U.S. Department of Transportation, Docket \
                   Operations, M–30, West Building Ground Floor, Room W12–140, 1200 New Jersey \
                   Avenue SE, Washington, DC 20590.";
        assert_eq!(check(&en_pt(), src, src), Ok(()));
        // A sentence among the names is still read.
        let english = format!("{src} Send your comments there before the end of the month.");
        assert_eq!(
            check(&en_pt(), &english, &english),
            Err(Error::LeftInSourceLanguage)
        );
    }
}
