//! The `pseudo` engine: deterministic pseudo-localization, for layout stress tests and goldens.
//!
//! "The quick fox" becomes "Ŧĥéé ǫüüíçķ ƒöx": every ASCII letter is swapped for an accented
//! look-alike, so no letter-word of the source survives (tests check that no source word is left
//! in a translated block), and words grow by doubling their vowels until the visible text is
//! `factor` times as long (1.35 by default, a typical English → Romance expansion). Digits,
//! punctuation, spaces and placeholders are kept byte-exact. The same input always gives the
//! same output: no randomness, no state.
//!
//! Into a target not written in Latin letters (Japanese, Chinese, Arabic, Hebrew, Hindi,
//! Thai, Russian…), words become words of that script at its typical length instead
//! ([`super::pseudo_script`]), and `factor` does not apply. The other way, a source in another
//! script comes back in Latin letters (`--from zh --to en`: two Chinese characters become a
//! word of six letters), so a translation out of any script into a Latin one is testable.

use super::pseudo_script::{Script, pseudolocalize_into};
use crate::engine::{Batch, BoxFuture, Engine, EngineInfo, EngineLimits, Reply};
use crate::placeholders::{self, Piece};
use crate::{Error, LangPair, Result};

/// Pseudo-localizes each segment (see the module docs).
#[derive(Debug, Clone)]
pub struct Pseudo {
    info: EngineInfo,
    factor: f64,
    /// The target's script, when not Latin.
    script: Option<Script>,
}

impl Pseudo {
    /// The default expansion factor: visible text grows by 35%.
    pub const DEFAULT_FACTOR: f64 = 1.35;

    /// A pseudo engine with the default factor.
    pub fn new(pair: LangPair) -> Self {
        let limits = EngineLimits {
            max_batch_tokens: 100_000,
            max_batch_segments: 10_000,
            max_concurrency: 1,
        };
        let script = Script::of(&pair.to);
        let info = EngineInfo {
            name: "pseudo".into(),
            model: String::new(),
            pair,
            // 2: targets in other scripts get their script.
            prompt_version: 2,
            limits,
        };
        let mut engine = Self {
            info,
            factor: Self::DEFAULT_FACTOR,
            script,
        };
        engine.info.model = model_name(engine.factor);
        engine
    }

    /// The same engine expanding by `factor` (from 1 to 3; 1 keeps lengths as they are).
    pub fn with_factor(mut self, factor: f64) -> Result<Self> {
        if !(1.0..=3.0).contains(&factor) {
            return Err(Error::Rejected(format!(
                "pseudo expansion factor {factor} is not within 1 to 3"
            )));
        }
        self.factor = factor;
        self.info.model = model_name(factor);
        Ok(self)
    }

    /// The expansion factor.
    pub fn factor(&self) -> f64 {
        self.factor
    }
}

/// The model id: the factor decides the output, so it must be in the cache key.
fn model_name(factor: f64) -> String {
    format!("factor={factor}")
}

impl Engine for Pseudo {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        match self.script {
            Some(script) => Reply::now(&batch, |text| pseudolocalize_into(text, script)),
            None => Reply::now(&batch, |text| pseudolocalize(text, self.factor)),
        }
    }

    /// Pseudo-localized text is in no language.
    fn checks_language(&self) -> bool {
        false
    }
}

/// Pseudo-localizes `text`: letters accented, placeholders kept, visible length times `factor`
/// (to the nearest character, as long as the text has letters to pad).
pub fn pseudolocalize(text: &str, factor: f64) -> String {
    let pieces = placeholders::parse(text);

    // Letters and visible characters decide how many characters to add and where.
    let mut visible = 0usize;
    let mut letters = 0usize;
    for piece in &pieces {
        if let Piece::Text(t) = piece {
            for c in t.chars() {
                visible += 1;
                letters += usize::from(c.is_alphabetic());
            }
        }
    }
    let extra = ((visible as f64) * (factor - 1.0)).round().max(0.0) as usize;

    // Each word gets a share of `extra` in proportion to its letters; cumulative rounding makes
    // the shares add up to `extra` exactly.
    let mut seen = 0usize;
    let mut given = 0usize;
    let mut share = |len: usize| {
        seen += len;
        let due = (extra * seen).checked_div(letters).unwrap_or(0);
        let n = due - given;
        given = due;
        n
    };

    let mut out = String::with_capacity(text.len() * 2);
    for piece in &pieces {
        let Piece::Text(t) = piece else {
            out.push_str(&piece.to_string());
            continue;
        };
        let mut word = String::new();
        for c in t.chars() {
            if c.is_alphabetic() || is_mark(c) {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                let n = share(word.chars().count());
                push_word(&mut out, &word, n);
                word.clear();
            }
            push_punctuation(&mut out, c);
        }
        if !word.is_empty() {
            let n = share(word.chars().count());
            push_word(&mut out, &word, n);
        }
    }
    out
}

/// Writes a word with its letters accented and `extra` letters added by doubling vowels in turn
/// (any letters when it has no vowel). A word with no Latin letter (Chinese, Arabic, Russian…)
/// is first written in Latin letters ([`latin_letters`]): the target is written in Latin.
fn push_word(out: &mut String, word: &str, extra: usize) {
    if !word.chars().any(|c| c.is_ascii_alphabetic()) {
        let latin = latin_letters(word);
        if latin.is_empty() {
            // Marks alone, with no letter to carry them.
            out.push_str(word);
            return;
        }
        // A script written without spaces comes back as several words.
        for (k, part) in latin.split(' ').enumerate() {
            if k > 0 {
                out.push(' ');
            }
            push_latin_word(out, part, if k == 0 { extra } else { 0 });
        }
        return;
    }
    push_latin_word(out, word, extra);
}

/// Letters of another script as Latin letters, consonants and vowels in turn (`δέλτα` →
/// `kacum`): one for each letter of an alphabet, three for each Chinese character and two for
/// each kana (about one English word for two), with a space after every second such
/// character; Thai, Lao, Khmer and Burmese, written without spaces but with letters, get one
/// for each letter and a space after every fifth. The same word always gives the same letters.
fn latin_letters(word: &str) -> String {
    const CONSONANTS: &[u8] = b"bcdfghjklmnprstvz";
    const VOWELS: &[u8] = b"aeiou";
    let mut out = String::new();
    let mut n = 0usize;
    for (k, c) in word.chars().filter(|&c| !is_mark(c)).enumerate() {
        let code = c as usize;
        let (letters, word_every) = match spaceless(c) {
            Some(Spaceless::Ideograph) => (3, 2),
            Some(Spaceless::Kana) => (2, 2),
            Some(Spaceless::Letters) => (1, 5),
            None => (1, 0),
        };
        if word_every > 0 && k > 0 && k.is_multiple_of(word_every) {
            out.push(' ');
        }
        for j in 0..letters {
            let table = if n.is_multiple_of(2) {
                CONSONANTS
            } else {
                VOWELS
            };
            out.push(table[(code + j) % table.len()] as char);
            n += 1;
        }
    }
    out
}

/// Characters of scripts written without spaces between words.
enum Spaceless {
    /// Chinese characters: a word each, or half of one.
    Ideograph,
    /// Japanese kana: a syllable each.
    Kana,
    /// Thai, Lao, Khmer, Burmese: letters.
    Letters,
}

fn spaceless(c: char) -> Option<Spaceless> {
    Some(match c as u32 {
        0x3040..=0x30FF => Spaceless::Kana,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => Spaceless::Ideograph,
        0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF => Spaceless::Letters,
        _ => return None,
    })
}

/// Writes a character that is not a letter; the stops and commas of scripts written without
/// Latin letters (`。`, `、`, `،`, `؟`…) as their Latin counterparts with the space after them,
/// as a translation into a Latin-script language would have.
fn push_punctuation(out: &mut String, c: char) {
    let latin = match c {
        '。' | '．' => ". ",
        '，' | '、' | '،' => ", ",
        '：' => ": ",
        '；' | '؛' => "; ",
        '？' | '؟' => "? ",
        '！' => "! ",
        '（' => " (",
        '）' => ") ",
        '「' | '」' | '『' | '』' | '“' | '”' => "\"",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(latin);
}

/// Whether `c` is a vowel sign or tone mark drawn on a letter of Hebrew, Arabic, Devanagari
/// or Thai, part of its word (Unicode does not count all of them as alphabetic).
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0591..=0x05C7
        | 0x064B..=0x065F
        | 0x0670
        | 0x0900..=0x0903
        | 0x093A..=0x094F
        | 0x0951..=0x0957
        | 0x0962..=0x0963
        | 0x0E31
        | 0x0E34..=0x0E3A
        | 0x0E47..=0x0E4E
    )
}

/// [`push_word`] for a word with Latin letters.
fn push_latin_word(out: &mut String, word: &str, extra: usize) {
    let chars: Vec<char> = word.chars().collect();

    let vowels: Vec<usize> = (0..chars.len())
        .filter(|&i| "aeiouyAEIOUY".contains(chars[i]))
        .collect();
    let pool: Vec<usize> = if vowels.is_empty() {
        (0..chars.len()).collect()
    } else {
        vowels
    };
    // How many copies of each letter to write.
    let mut copies = vec![1usize; chars.len()];
    for k in 0..extra {
        copies[pool[k % pool.len()]] += 1;
    }
    for (i, &c) in chars.iter().enumerate() {
        // Doubled capitals read oddly ("ÉÉ"); the copies of a capital are lowercase.
        let first = accent(c);
        out.push(first);
        let rest = accent(c.to_ascii_lowercase());
        for _ in 1..copies[i] {
            out.push(rest);
        }
    }
}

/// An accented look-alike of an ASCII letter (one precomposed code point, covered by the
/// bundled Noto fonts); any other character is returned as it is.
fn accent(c: char) -> char {
    const LOWER: [char; 26] = [
        'á', 'ƀ', 'ç', 'ď', 'é', 'ƒ', 'ĝ', 'ĥ', 'í', 'ĵ', 'ķ', 'ļ', 'ḿ', 'ñ', 'ö', 'þ', 'ǫ', 'ŕ',
        'š', 'ŧ', 'ü', 'ṽ', 'ŵ', 'ẋ', 'ý', 'ž',
    ];
    const UPPER: [char; 26] = [
        'Á', 'Ɓ', 'Ç', 'Ď', 'É', 'Ƒ', 'Ĝ', 'Ĥ', 'Í', 'Ĵ', 'Ķ', 'Ļ', 'Ḿ', 'Ñ', 'Ö', 'Þ', 'Ǫ', 'Ŕ',
        'Š', 'Ŧ', 'Ü', 'Ṽ', 'Ŵ', 'Ẋ', 'Ý', 'Ž',
    ];
    match c {
        'a'..='z' => LOWER[(c as u8 - b'a') as usize],
        'A'..='Z' => UPPER[(c as u8 - b'A') as usize],
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const PARAGRAPH: &str = "The [1]quick brown fox[/1] jumps over the lazy dog, as described in \
        Section 4.2 of the [2]manual[/2]. It then returns to its den [3] after 15 minutes, where \
        the well-known results of Smith (1998) are tabulated and compared with \
        [4]recent measurements[/4] from 2021.";

    fn words(text: &str) -> BTreeSet<String> {
        placeholders::strip(text)
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| w.chars().count() >= 2)
            .map(str::to_string)
            .collect()
    }

    fn placeholder_pieces(text: &str) -> Vec<String> {
        placeholders::parse(text)
            .into_iter()
            .filter(|p| !matches!(p, Piece::Text(_)))
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn keeps_placeholders_byte_exact() {
        let out = pseudolocalize(PARAGRAPH, Pseudo::DEFAULT_FACTOR);
        assert_eq!(placeholder_pieces(&out), placeholder_pieces(PARAGRAPH));
        assert_eq!(placeholders::validate(PARAGRAPH, &out), Ok(()));
    }

    #[test]
    fn expands_by_the_factor() {
        for factor in [1.0, Pseudo::DEFAULT_FACTOR, 1.6] {
            let out = pseudolocalize(PARAGRAPH, factor);
            let ratio = placeholders::strip(&out).chars().count() as f64
                / placeholders::strip(PARAGRAPH).chars().count() as f64;
            assert!(
                (ratio - factor).abs() < 0.1,
                "factor {factor}: ratio {ratio}: {out}"
            );
        }
        // Placeholders included, too.
        let out = pseudolocalize(PARAGRAPH, Pseudo::DEFAULT_FACTOR);
        let ratio = out.chars().count() as f64 / PARAGRAPH.chars().count() as f64;
        assert!((ratio - 1.35).abs() < 0.1, "{ratio}");
    }

    #[test]
    fn changes_every_letter_word() {
        let out = pseudolocalize(PARAGRAPH, Pseudo::DEFAULT_FACTOR);
        let source = words(PARAGRAPH);
        let left: Vec<_> = words(&out).intersection(&source).cloned().collect();
        assert!(left.is_empty(), "source words left: {left:?} in {out}");
        // Even at factor 1, and for letters the table does not know.
        let text = "Über die Straße: αβγ δέλτα и слово, café";
        let out = pseudolocalize(text, 1.0);
        let left: Vec<_> = words(&out).intersection(&words(text)).cloned().collect();
        assert!(left.is_empty(), "source words left: {left:?} in {out}");
    }

    #[test]
    fn other_scripts_come_back_in_latin_letters() {
        for (source, min_words) in [
            ("河流从山上流下来，穿过村庄和田野。", 5),
            ("Река спускается с гор.", 4),
            ("ينزل النهر من الجبال.", 4),
            ("แม่น้ำไหลลงจากภูเขา", 4),
        ] {
            let out = pseudolocalize(source, 1.0);
            let words: Vec<&str> = out
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| !w.is_empty())
                .collect();
            assert!(words.len() >= min_words, "{source} → {out}");
            // Latin letters only, accented, and Latin punctuation.
            let latin = |c: char| (c as u32) < 0x250 || matches!(c as u32, 0x1E00..=0x1EFF);
            assert!(out.chars().all(latin), "{source} → {out}");
            assert_eq!(out, pseudolocalize(source, 1.0));
        }
        // A mark with no letter (a Thai tone mark drawn alone) stays as it is.
        assert_eq!(pseudolocalize("\u{0E48} 1", 1.35), "\u{0E48} 1");
    }

    #[test]
    fn keeps_numbers_and_punctuation() {
        let out = pseudolocalize("Table 3: 4.25% (n = 1,024) [1]", 1.35);
        for kept in ["3:", "4.25%", "1,024)", "[1]"] {
            assert!(out.contains(kept), "{kept} missing from {out}");
        }
        assert_eq!(pseudolocalize("12 345 [1] 6.7", 1.35), "12 345 [1] 6.7");
    }

    #[test]
    fn is_deterministic() {
        let a = pseudolocalize(PARAGRAPH, 1.35);
        let b = pseudolocalize(PARAGRAPH, 1.35);
        assert_eq!(a, b);
        assert!(pseudolocalize("The quick", 1.35).starts_with("Ŧĥé"));
    }

    #[test]
    fn factor_is_checked_and_names_the_model() {
        let pair = LangPair::new("en", "pt").unwrap();
        assert!(Pseudo::new(pair.clone()).with_factor(0.5).is_err());
        let engine = Pseudo::new(pair).with_factor(1.5).unwrap();
        assert_eq!(engine.info().model, "factor=1.5");
    }
}
