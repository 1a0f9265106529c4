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
/// characters XML cannot carry are U+FFFD, as [`write`](crate::write()) wrote them.
fn normalize(text: &str) -> String {
    // Characters first: a vertical tab or a form feed is whitespace to Rust but U+FFFD in the
    // file, so it must be U+FFFD on both sides before the split.
    let carried: String = text.chars().map(xml_char).collect();
    let mut out = String::with_capacity(carried.len());
    for word in carried.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sample;
    use crate::{read, write};

    /// `changes` of the sample exported, edited as text by `edit`, and read back.
    #[track_caller]
    fn import(edit: impl FnOnce(String) -> String) -> Result<Vec<Change>> {
        let current = sample();
        let edited = edit(write(&current));
        changes(&read(&edited).expect("the edited file reads"), &current)
    }

    #[track_caller]
    fn replace_once(xml: &str, from: &str, to: &str) -> String {
        assert_eq!(xml.matches(from).count(), 1, "{from:?} must occur once");
        xml.replacen(from, to, 1)
    }

    #[test]
    fn an_unedited_file_changes_nothing() {
        assert_eq!(import(|xml| xml), Ok(Vec::new()));
    }

    /// A source with a vertical tab or a form feed (whitespace to Rust, U+FFFD in the file)
    /// came back as "changed" (issue 16, the `xliff` fuzz target's round trip).
    #[test]
    fn control_whitespace_in_a_source_is_not_a_change() {
        let mut current = sample();
        current.units[0].source = "a\u{b}b\u{c}c [1]".into();
        current.units[0].target = Some("x\u{b}y [1]".into());
        let back = read(&write(&current)).unwrap();
        assert_eq!(back.units[0].source, "a\u{fffd}b\u{fffd}c [1]");
        assert_eq!(changes(&back, &current), Ok(Vec::new()));
    }

    #[test]
    fn an_edited_target_is_the_one_change() {
        let changed = import(|xml| {
            replace_once(
                &xml,
                r#"<x id="3"/> saute</target>"#,
                r#"<x id="3"/> bondit</target>"#,
            )
        });
        assert_eq!(
            changed,
            Ok(vec![Change {
                id: "p1-b1".into(),
                target: "Le [1]renard [2]brun[/2][/1] [3] bondit".into(),
            }])
        );
    }

    #[test]
    fn a_target_added_where_there_was_none_is_a_change() {
        let changed = import(|xml| {
            replace_once(
                &xml,
                "spaces&#13;\n</source>\n",
                "spaces&#13;\n</source>\n        <target>  des espaces\n</target>\n",
            )
        });
        assert_eq!(
            changed,
            Ok(vec![Change {
                id: "p2-b1".into(),
                target: "  des espaces\n".into()
            }])
        );
    }

    #[test]
    fn a_missing_g_names_the_unit_and_the_placeholder() {
        let err = import(|xml| replace_once(&xml, r#"<g id="2">brun</g>"#, "brun")).unwrap_err();
        assert_eq!(
            err,
            XliffError::Placeholder {
                id: "p1-b1".into(),
                error: PlaceholderError::Missing("[2]".into()),
                code: "<g id=\"2\">".into(),
            }
        );
        assert_eq!(
            err.to_string(),
            "unit \"p1-b1\": placeholder [2] missing from the translation (<g id=\"2\"> in the XLIFF)"
        );
        // A kept item, and an invented tag.
        let err = import(|xml| replace_once(&xml, r#"<x id="3"/> saute"#, "saute")).unwrap_err();
        assert!(err.to_string().contains("<x id=\"3\"/>"), "{err}");
        let err = import(|xml| {
            replace_once(
                &xml,
                "Chapitre <g id=\"1\">",
                "Chapitre <x id=\"7\"/><g id=\"1\">",
            )
        })
        .unwrap_err();
        assert_eq!(
            err,
            XliffError::Placeholder {
                id: "outline-1".into(),
                error: PlaceholderError::Unknown("[7]".into()),
                code: "<x id=\"7\"/>".into(),
            }
        );
    }

    #[test]
    fn an_unknown_or_repeated_unit_is_refused() {
        let err = import(|xml| replace_once(&xml, "id=\"p1-b1\"", "id=\"p9-b9\"")).unwrap_err();
        assert_eq!(err, XliffError::UnknownUnit { id: "p9-b9".into() });
        assert!(err.hint().is_some());
        let err = import(|xml| replace_once(&xml, "id=\"outline-1\"", "id=\"p1-b1\"")).unwrap_err();
        assert_eq!(err, XliffError::DuplicateUnit { id: "p1-b1".into() });
    }

    #[test]
    fn a_changed_source_is_refused_but_whitespace_is_not_a_change() {
        let err = import(|xml| replace_once(&xml, "fox <x", "dog <x")).unwrap_err();
        assert_eq!(err, XliffError::SourceChanged { id: "p1-b1".into() });
        // A tool that reflowed sources and targets: nothing changed.
        let reflowed = import(|xml| {
            replace_once(&xml, "<source>The <g", "<source>\n   The   <g").replacen(
                "renard <g",
                "renard\n\t<g",
                1,
            )
        });
        assert_eq!(reflowed, Ok(Vec::new()));
    }

    #[test]
    fn kept_units_must_not_change() {
        let kept = "<source>E = mc^2 <x id=\"1\"/></source>\n";
        let err = import(|xml| {
            replace_once(
                &xml,
                kept,
                &format!("{kept}<target>E = mc^3 <x id=\"1\"/></target>"),
            )
        })
        .unwrap_err();
        assert_eq!(err, XliffError::KeptUnitChanged { id: "p2-b2".into() });
        // A copy of the source, as tools write for locked units, is no change.
        let copied = import(|xml| {
            replace_once(
                &xml,
                kept,
                &format!("{kept}<target>E = mc^2 <x id=\"1\"/></target>"),
            )
        });
        assert_eq!(copied, Ok(Vec::new()));
    }

    #[test]
    fn blank_targets_are_untranslated_not_changes() {
        let blank = import(|xml| {
            replace_once(
                &xml,
                "<target state=\"translated\">Chapitre <g id=\"1\">un</g></target>",
                "<target state=\"needs-translation\"> </target>",
            )
        });
        assert_eq!(blank, Ok(Vec::new()));
    }

    #[test]
    fn another_language_pair_is_refused() {
        let current = sample();
        let mut imported = read(&write(&current)).unwrap();
        imported.target_language = "FR-ca".into();
        assert_eq!(changes(&imported, &current), Ok(Vec::new()));
        imported.target_language = "de".into();
        let err = changes(&imported, &current).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file is for en → de, the document for en → fr"
        );
    }
}
