//! What a translator changed, checked against the current document.

use std::collections::{HashMap, HashSet};

use folio_doc::placeholders::{Piece, PlaceholderError, parse, validate};

use crate::escape::xml_char;
use crate::{Change, Document, Result, XliffError};

/// The units of `imported` (an XLIFF file back from a translator, [`read`](crate::read))
/// whose target differs from `current`'s, in the file's order, after checking that the file
/// belongs to `current`:
///
/// - its languages are `current`'s (the primary subtags: `fr-FR` is `fr`);
/// - every unit id exists in `current`, once in the file (a file may leave units out);
/// - every `<source>` is the current source, whitespace aside;
/// - every changed target carries its source's placeholders
///   ([`folio_doc::placeholders::validate`]);
/// - a unit kept in the source language (`translate="no"`) has no new target (a copy of its
///   source, as some tools write for locked units, is not new).
///
/// A target that is absent or blank is "not translated", never a change: tools write empty
/// targets for untranslated units. Targets are compared whitespace aside too, so a tool that
/// reflows text makes no change. The first problem found is returned.
pub fn changes(imported: &Document, current: &Document) -> Result<Vec<Change>> {
    check_languages(imported, current)?;
    let by_id: HashMap<&str, _> = current
        .units
        .iter()
        .rev() // the first of duplicate ids wins
        .map(|unit| (unit.id.as_str(), unit))
        .collect();
    let mut seen = HashSet::new();
    let mut changes = Vec::new();
    for unit in &imported.units {
        let Some(&now) = by_id.get(unit.id.as_str()) else {
            return Err(XliffError::UnknownUnit {
                id: unit.id.clone(),
            });
        };
        if !seen.insert(unit.id.as_str()) {
            return Err(XliffError::DuplicateUnit {
                id: unit.id.clone(),
            });
        }
        let source = normalize(&now.source);
        if normalize(&unit.source) != source {
            return Err(XliffError::SourceChanged {
                id: unit.id.clone(),
            });
        }
        let Some(target) = unit.target.as_deref().filter(|t| !t.trim().is_empty()) else {
            continue;
        };
        let target_norm = normalize(target);
        if now.target.as_deref().map(normalize).as_ref() == Some(&target_norm) {
            continue;
        }
        if !now.translate {
            if target_norm == source {
                continue;
            }
            return Err(XliffError::KeptUnitChanged {
                id: unit.id.clone(),
            });
        }
        validate(&now.source, target).map_err(|error| XliffError::Placeholder {
            id: unit.id.clone(),
            code: xliff_code(&error, &now.source, target),
            error,
        })?;
        changes.push(Change {
            id: unit.id.clone(),
            target: target.into(),
        });
    }
    Ok(changes)
}

fn check_languages(imported: &Document, current: &Document) -> Result<()> {
    let pair = |doc: &Document| format!("{} → {}", doc.source_language, doc.target_language);
    let differ = |a: &str, b: &str| {
        let primary = |tag: &str| {
            let tag = tag.trim();
            tag.split(['-', '_'])
                .next()
                .unwrap_or(tag)
                .to_ascii_lowercase()
        };
        // A file without target-language is taken at its word.
        !a.trim().is_empty() && !b.trim().is_empty() && primary(a) != primary(b)
    };
    if differ(&imported.source_language, &current.source_language)
        || differ(&imported.target_language, &current.target_language)
    {
        return Err(XliffError::LanguageMismatch {
            imported: pair(imported),
            current: pair(current),
        });
    }
    Ok(())
}

/// Text compared whitespace aside: runs of whitespace are one space, none at the ends, and
/// characters XML cannot carry are U+FFFD, as [`write`](crate::write) wrote them.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(xml_char));
    }
    out
}

/// The placeholder of `error` as the translator saw it in the XLIFF: `<g id="n">`, its end,
/// or `<x id="n"/>`.
fn xliff_code(error: &PlaceholderError, source: &str, target: &str) -> String {
    let (PlaceholderError::Missing(p)
    | PlaceholderError::Duplicate(p)
    | PlaceholderError::Unbalanced(p)
    | PlaceholderError::Unknown(p)) = error;
    // An unknown placeholder is only in the target: its kind is the target's.
    let text = match error {
        PlaceholderError::Unknown(_) => target,
        _ => source,
    };
    match parse(p).first() {
        Some(&Piece::Close(n)) => format!("</g> of <g id=\"{n}\">"),
        Some(&Piece::Open(n)) if parse(text).contains(&Piece::Close(n)) => {
            format!("<g id=\"{n}\">")
        }
        Some(&Piece::Open(n)) => format!("<x id=\"{n}\"/>"),
        _ => p.clone(),
    }
}
