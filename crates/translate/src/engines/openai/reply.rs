//! Reading the items out of a model's reply, however it wrapped them.
//!
//! Models are asked for `{"items":[{"id":0,"text":"…"},…]}` (or, without structured output,
//! often answer a bare array), and small ones stray from it: a Markdown fence, a sentence
//! before or after, the opening `[` forgotten, the reply cut off at the token limit. The
//! parser looks for where the items start, then reads them one JSON value at a time, so
//! every complete item before a cut or a stray character is kept.
//!
//! Terms asked for come in a second field, `"terms":[{"source","target"}]`, read on their own
//! ([`parse_terms`]): a reply without them, or with them cut off, still gives its items.

use serde_json::Value;

/// The `(id, text)` items of a reply, in reply order (see the module docs). Elements that are
/// not `{id, text}` objects are skipped; nothing usable gives an empty list.
pub(crate) fn parse_items(content: &str) -> Vec<(usize, String)> {
    let content = strip_fence(content);
    // Try each `[` or `{` in turn as the start of the items: the first that yields an item
    // wins. A placeholder such as `[1]` in prose (or in an item's text, when the reply lacks
    // its opening `[`) yields nothing, because the `{` of the first item comes before it or
    // because `1]` holds no item.
    for (at, c) in content
        .char_indices()
        .filter(|&(_, c)| c == '[' || c == '{')
    {
        let start = if c == '[' {
            at + 1
        } else {
            // `{"items":[…` (or any single key holding the array): read the array.
            wrapped_array(&content[at..]).map_or(at, |offset| at + offset)
        };
        let items = read_elements(&content[start..]);
        if !items.is_empty() {
            return items;
        }
    }
    Vec::new()
}

/// Reads JSON values separated by commas until `]`, the end, or something that is not JSON;
/// keeps those that are items (and the items of nested arrays and wrapper objects).
fn read_elements(rest: &str) -> Vec<(usize, String)> {
    let mut items = Vec::new();
    for value in json_values(rest) {
        collect_items(&value, &mut items);
    }
    items
}

/// The JSON values of an array's elements, from just after its `[`: values separated by
/// commas until `]`, the end, or something that is not JSON (a reply cut off).
fn json_values(mut rest: &str) -> Vec<Value> {
    let mut values = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() || rest.starts_with(']') {
            break;
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        let Some(Ok(value)) = stream.next() else {
            break;
        };
        rest = &rest[stream.byte_offset()..];
        values.push(value);
    }
    values
}

/// The items in one JSON value: an item itself, an array of them, or an object holding such
/// an array under any key (`items`, `translations`, …).
fn collect_items(value: &Value, items: &mut Vec<(usize, String)>) {
    match value {
        Value::Array(elements) => {
            for e in elements {
                collect_items(e, items);
            }
        }
        Value::Object(obj) => match item_of(value) {
            Some(item) => items.push(item),
            None => {
                for v in obj.values().filter(|v| v.is_array()) {
                    collect_items(v, items);
                }
            }
        },
        _ => {}
    }
}

/// If `text` opens an object whose first key holds an array (`{"items": [`), the byte offset
/// just past that `[`.
fn wrapped_array(text: &str) -> Option<usize> {
    let after_brace = text.strip_prefix('{')?;
    let key_start = after_brace.trim_start();
    let mut stream = serde_json::Deserializer::from_str(key_start).into_iter::<String>();
    stream.next()?.ok()?;
    let after_key = key_start[stream.byte_offset()..].trim_start();
    let after_colon = after_key.strip_prefix(':')?.trim_start();
    let after_bracket = after_colon.strip_prefix('[')?;
    Some(text.len() - after_bracket.len())
}

/// An `{id, text}` object (`translation` accepted for `text`; ids as numbers or strings).
fn item_of(value: &Value) -> Option<(usize, String)> {
    let obj = value.as_object()?;
    let id = match obj.get("id")? {
        Value::Number(n) => usize::try_from(n.as_u64()?).ok()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let text = obj
        .get("text")
        .or_else(|| obj.get("translation"))
        .and_then(Value::as_str)?;
    Some((id, text.to_string()))
}

/// The `(source, target)` pairs under a `"terms"` key of the reply, in reply order; those cut
/// off or malformed are skipped, and no such key gives an empty list.
pub(crate) fn parse_terms(content: &str) -> Vec<(String, String)> {
    // The last `"terms"` followed by `:` and `[`: inside a JSON string its quotes would be
    // escaped, so this is the key.
    let mut at = content.len();
    while let Some(i) = content[..at].rfind("\"terms\"") {
        at = i;
        let rest = content[i + "\"terms\"".len()..].trim_start();
        let Some(rest) = rest.strip_prefix(':').map(str::trim_start) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix('[') else {
            continue;
        };
        let mut terms = Vec::new();
        for value in json_values(rest) {
            let field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
            if let (Some(source), Some(target)) = (field("source"), field("target")) {
                terms.push((source, target));
            }
        }
        return terms;
    }
    Vec::new()
}

/// The reply without a Markdown code fence around it.
fn strip_fence(content: &str) -> &str {
    let t = content.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    // Drop the info string (`json`) on the opening line, and the closing fence.
    let rest = rest.split_once('\n').map_or("", |(_, body)| body);
    rest.trim_end().strip_suffix("```").unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want() -> Vec<(usize, String)> {
        vec![(0, "Hola".to_string()), (1, "[1]mundo[/1]".to_string())]
    }

    #[test]
    fn replies_parse_robustly() {
        let plain = r#"[{"id":0,"text":"Hola"},{"id":"1","text":"[1]mundo[/1]"}]"#;
        assert_eq!(parse_items(plain), want());
        let fenced = format!("```json\n{plain}\n```");
        assert_eq!(parse_items(&fenced), want());
        let prose = format!("Here you go:\n{plain}\nHope this helps!");
        assert_eq!(parse_items(&prose), want());
        let truncated = r#"[{"id":0,"text":"Hola"},{"id":1,"text":"[1]mun"#;
        assert_eq!(parse_items(truncated), want()[..1]);
        let odd = r#"[{"id":0,"translation":"Hola"}, 7, {"text":"no id"}, {"id":1,"text":"[1]mundo[/1]"}]"#;
        assert_eq!(parse_items(odd), want());
        assert!(parse_items("I cannot help with that.").is_empty());
    }

    #[test]
    fn a_reply_without_its_opening_bracket_parses() {
        // Issue 12: the `[` of `[1]` was taken for the array's start.
        let bare = r#"{"id":0,"text":"Hola"},{"id":1,"text":"[1]mundo[/1]"}]"#;
        assert_eq!(parse_items(bare), want());
        let first_marked = r#"{"id":1,"text":"[1]mundo[/1]"},{"id":0,"text":"Hola"}]"#;
        assert_eq!(parse_items(first_marked).len(), 2);
        let fenced = format!("```json\n{bare}\n```");
        assert_eq!(parse_items(&fenced), want());
    }

    #[test]
    fn placeholders_in_prose_are_not_the_array() {
        let prose = r#"The markers [1] and [/1] are kept: [{"id":0,"text":"Hola"},{"id":1,"text":"[1]mundo[/1]"}]"#;
        assert_eq!(parse_items(prose), want());
    }

    #[test]
    fn the_structured_shape_parses_whole_and_cut() {
        let object = r#"{"items": [{"id":0,"text":"Hola"},{"id":1,"text":"[1]mundo[/1]"}]}"#;
        assert_eq!(parse_items(object), want());
        let cut = r#"{"items":[{"id":0,"text":"Hola"},{"id":1,"text":"[1]mu"#;
        assert_eq!(parse_items(cut), want()[..1]);
        let prose = format!("Sure! Here it is:\n```json\n{object}\n```");
        assert_eq!(parse_items(&prose), want());
        let other_key = r#"{"translations":[{"id":0,"text":"Hola"}]}"#;
        assert_eq!(parse_items(other_key), want()[..1]);
    }

    #[test]
    fn terms_are_read_when_present_and_their_absence_ignored() {
        let with = r#"{"items":[{"id":0,"text":"Hola"},{"id":1,"text":"[1]mundo[/1]"}],"terms":[{"source":"world","target":"mundo"},{"source":"x"},{"source":"hi","target":"hola"}]}"#;
        assert_eq!(parse_items(with), want());
        assert_eq!(
            parse_terms(with),
            [
                ("world".to_string(), "mundo".to_string()),
                ("hi".to_string(), "hola".to_string())
            ]
        );
        let cut = r#"{"items":[{"id":0,"text":"Hola"}],"terms":[{"source":"world","target":"mundo"},{"source":"hi","tar"#;
        assert_eq!(parse_terms(cut).len(), 1);
        assert_eq!(parse_items(cut), want()[..1]);
        // Absent, or only the word inside a text.
        assert!(parse_terms(r#"[{"id":0,"text":"Hola"}]"#).is_empty());
        assert!(
            parse_terms(r#"[{"id":0,"text":"terms"},{"id":1,"text":"\"terms\": [x]"}]"#).is_empty()
        );
        // Terms before the items (a model's own order) are read too.
        let first =
            r#"{"terms":[{"source":"world","target":"mundo"}],"items":[{"id":0,"text":"Hola"}]}"#;
        assert_eq!(parse_terms(first).len(), 1);
        assert_eq!(parse_items(first), want()[..1]);
    }
}
