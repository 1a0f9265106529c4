//! Language codes and pairs.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The direction of a translation, as BCP 47-like codes (`en`, `pt-BR`, `zh-Hant`): engines
/// check it, cache keys and reports include it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LangPair {
    /// Source language, normalized (`en`, `pt-BR`).
    pub from: String,
    /// Target language, normalized.
    pub to: String,
}

impl LangPair {
    /// A pair from two codes, checked and normalized: language subtag lowercase, script
    /// titlecase, region uppercase, `_` read as `-` (`PT_br` gives `pt-BR`).
    pub fn new(from: &str, to: &str) -> Result<Self> {
        Ok(Self {
            from: normalize_lang(from)?,
            to: normalize_lang(to)?,
        })
    }

    /// The primary language subtag of the source (`en` of `en-US`).
    pub fn from_primary(&self) -> &str {
        primary(&self.from)
    }

    /// The primary language subtag of the target (`pt` of `pt-BR`).
    pub fn to_primary(&self) -> &str {
        primary(&self.to)
    }
}

impl fmt::Display for LangPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}>{}", self.from, self.to)
    }
}

fn primary(code: &str) -> &str {
    code.split('-').next().unwrap_or(code)
}

/// Checks a language tag loosely (RFC 5646 shape: a 2–3 letter language, then subtags of
/// 1–8 letters or digits) and gives it its conventional case.
fn normalize_lang(code: &str) -> Result<String> {
    let bad = || Error::BadLanguage(code.to_string());
    let code = code.trim();
    let mut out = String::with_capacity(code.len());
    for (i, sub) in code.split(['-', '_']).enumerate() {
        if sub.is_empty() || sub.len() > 8 || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad());
        }
        if i == 0 {
            if !(2..=3).contains(&sub.len()) || !sub.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(bad());
            }
            out.push_str(&sub.to_ascii_lowercase());
            continue;
        }
        out.push('-');
        if sub.len() == 4 && sub.chars().all(|c| c.is_ascii_alphabetic()) {
            // Script: `Hant`, `Latn`.
            let (head, tail) = sub.split_at(1);
            out.push_str(&head.to_ascii_uppercase());
            out.push_str(&tail.to_ascii_lowercase());
        } else if sub.len() == 2 && sub.chars().all(|c| c.is_ascii_alphabetic()) {
            // Region: `BR`, `US`.
            out.push_str(&sub.to_ascii_uppercase());
        } else {
            out.push_str(&sub.to_ascii_lowercase());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalized() {
        let pair = LangPair::new("EN", "pt_br").unwrap();
        assert_eq!(pair.from, "en");
        assert_eq!(pair.to, "pt-BR");
        assert_eq!(pair.to_primary(), "pt");
        assert_eq!(
            LangPair::new("zh-hant-tw", "en").unwrap().from,
            "zh-Hant-TW"
        );
        assert_eq!(pair.to_string(), "en>pt-BR");
    }

    #[test]
    fn bad_codes_are_refused() {
        for code in ["", "e", "english", "en--US", "en-", "1a", "en-US!"] {
            assert_eq!(
                LangPair::new(code, "pt"),
                Err(Error::BadLanguage(code.into())),
                "{code}"
            );
        }
    }
}
