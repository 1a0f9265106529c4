//! Checking each translation: placeholders, emptiness, length, text the source does not
//! have, and whether it is in the target language ([`language`](super::language)).

use std::collections::HashSet;

use crate::{Error, LangPair, Result, placeholders};

/// Checks of each translation besides its placeholders ([`placeholders::validate`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validation {
    /// Smallest accepted ratio of visible characters, translation to source.
    pub min_ratio: f32,
    /// Largest accepted ratio.
    pub max_ratio: f32,
    /// Sources shorter than this many visible characters skip the ratio check (short labels
    /// vary too much between languages); their translation may still be at most
    /// `max_ratio × ratio_min_chars` characters long, so a caption does not come back as a
    /// paragraph.
    pub ratio_min_chars: usize,
    /// Check that each translation is in the target language (for engines whose output is a
    /// translation: [`Engine::checks_language`](crate::Engine::checks_language)).
    pub language: bool,
}

impl Default for Validation {
    fn default() -> Self {
        Self {
            min_ratio: 0.25,
            max_ratio: 4.0,
            ratio_min_chars: 40,
            language: true,
        }
    }
}

impl Validation {
    /// Checks one translation against its source.
    pub fn check(&self, source: &str, translation: &str) -> Result<()> {
        placeholders::validate(source, translation)?;
        let src = placeholders::strip(source);
        let out = placeholders::strip(translation);
        if out.trim().is_empty() && !src.trim().is_empty() {
            return Err(Error::EmptyTranslation);
        }
        let src_len = src.chars().count();
        let out_len = out.chars().count();
        let ratio = out_len as f32 / src_len.max(1) as f32;
        if src_len >= self.ratio_min_chars {
            if ratio < self.min_ratio || ratio > self.max_ratio {
                return Err(Error::LengthRatio { ratio });
            }
        } else if out_len as f32 > self.max_ratio * self.ratio_min_chars as f32 {
            return Err(Error::LengthRatio { ratio });
        }
        if let Some(number) = new_number(&src, &out) {
            return Err(Error::AddedText(number));
        }
        Ok(())
    }

    /// Checks that `translation` is in `pair`'s target language, unless `language` is off
    /// (see [`language`](super::language) for what fails and what passes).
    pub fn check_language(&self, pair: &LangPair, source: &str, translation: &str) -> Result<()> {
        if !self.language {
            return Ok(());
        }
        // Mostly the source's words: unless it holds code (file names, commands), which the
        // identifier judges on longer texts instead.
        let plain = placeholders::strip(source);
        if left_in_source_language(source, translation) && !super::language::has_code(&plain) {
            return Err(Error::LeftInSourceLanguage);
        }
        super::language::check(pair, source, translation)
    }
}

/// A number of three digits or more in `out` that `src` does not have (a phone number, a year,
/// an amount the model made up). Digit runs are compared, not numbers, so `1,000` may become
/// `1.000` or `1 000`; shorter runs may rightly come from words ("three" → "3").
fn new_number(src: &str, out: &str) -> Option<String> {
    let runs = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_ascii_digit())
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect()
    };
    let known: HashSet<String> = runs(src).into_iter().collect();
    let all_digits: String = src.chars().filter(char::is_ascii_digit).collect();
    runs(out)
        .into_iter()
        .find(|r| r.len() >= 3 && !known.contains(r) && !all_digits.contains(r.as_str()))
}

/// Whether `translation` was left in the source language: it is the source, or at least 80%
/// of its lowercase words are words of the source. Checked only when the source has at least
/// four lowercase words, so names, acronyms, labels and code (which rightly survive
/// translation) never count. The driver calls it on what every engine but `identity` and
/// `pseudo` returns.
pub fn left_in_source_language(source: &str, translation: &str) -> bool {
    fn common_words(text: &str) -> Vec<String> {
        placeholders::strip(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_uppercase))
            .map(str::to_string)
            .collect()
    }
    let source_words = common_words(source);
    if source_words.len() < 4 {
        return false;
    }
    let known: HashSet<&str> = source_words.iter().map(String::as_str).collect();
    let words = common_words(translation);
    if words.is_empty() {
        return normalize_ws(source) == normalize_ws(translation);
    }
    let kept = words.iter().filter(|w| known.contains(w.as_str())).count();
    kept * 5 >= words.len() * 4
}

fn normalize_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
