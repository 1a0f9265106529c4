//! Checking each translation: placeholders, emptiness, length, and whether it was translated
//! at all.

use std::collections::HashSet;

use crate::{Error, Result, placeholders};

/// Checks of each translation besides its placeholders ([`placeholders::validate`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validation {
    /// Smallest accepted ratio of visible characters, translation to source.
    pub min_ratio: f32,
    /// Largest accepted ratio.
    pub max_ratio: f32,
    /// Sources shorter than this many visible characters skip the ratio check (short labels
    /// vary too much between languages).
    pub ratio_min_chars: usize,
}

impl Default for Validation {
    fn default() -> Self {
        Self {
            min_ratio: 0.25,
            max_ratio: 4.0,
            ratio_min_chars: 40,
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
        if src_len >= self.ratio_min_chars {
            let ratio = out.chars().count() as f32 / src_len as f32;
            if ratio < self.min_ratio || ratio > self.max_ratio {
                return Err(Error::LengthRatio { ratio });
            }
        }
        Ok(())
    }
}

/// Whether `translation` was left in the source language: it is the source, or at least 80%
/// of its lowercase words are words of the source. Checked only when the source has at least
/// four lowercase words, so names, acronyms, labels and code (which rightly survive
/// translation) never count; engines call it on what they return (`identity` must not).
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
