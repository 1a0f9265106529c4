//! The manifest: which documents to translate into which languages, as CSV or JSON Lines.
//!
//! Both carry the same fields: `id` (names the output folder), `input` (a local path,
//! relative to the manifest's folder unless absolute, or an `s3://bucket/key` URI), `to` (targets separated by `;`, e.g.
//! `pt-BR;es`; in JSON also an array), and optionally `priority` (an integer, higher first,
//! default 0) and `pages` (`1-3,7`). A CSV's first line is the header naming its columns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use folio_pdf::PageSelection;
use serde_json::Value;

use crate::{Error, check_supported, is_s3};

/// One document of the batch and the languages it goes into.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Names the document's output folder; unique in the manifest.
    pub id: String,
    /// The PDF to translate: a local path or an `s3://bucket/key` URI.
    pub input: PathBuf,
    /// Target languages, in the manifest's order.
    pub targets: Vec<String>,
    /// Higher goes first; equal priorities keep the manifest's order.
    pub priority: i64,
    /// Only these pages (others are copied unchanged); `None`: every page.
    pub pages: Option<PageSelection>,
    /// The manifest line it comes from (from 1), for messages.
    pub line: usize,
}

/// The fields a line may have.
const FIELDS: &[&str] = &["id", "input", "to", "priority", "pages"];

/// Reads a manifest: `.csv` as CSV with a header line, `.jsonl` as one JSON object a line.
/// Every line is checked; the first wrong one is the error, naming its line and what is
/// wrong or missing.
pub fn read_manifest(path: &Path) -> Result<Vec<Job>, Error> {
    check_supported(&path.to_string_lossy())?;
    if is_s3(path) {
        return Err(Error::Unsupported(format!(
            "{}: the manifest must be a local file (its inputs and --out may be on S3)",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let raws = match ext.as_deref() {
        Some("csv") => parse_csv(&text),
        Some("jsonl") => parse_jsonl(&text),
        _ => Err((
            0,
            "the manifest must end in .csv (CSV) or .jsonl (JSON Lines)".to_string(),
        )),
    }
    .map_err(|(line, message)| Error::Manifest {
        path: path.to_path_buf(),
        line,
        message,
    })?;
    let mut jobs = Vec::with_capacity(raws.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for raw in raws {
        let line = raw.line;
        let job = check(raw, base).map_err(|message| Error::Manifest {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        if let Some(first) = seen.insert(job.id.clone(), line) {
            return Err(Error::Manifest {
                path: path.to_path_buf(),
                line,
                message: format!("id {:?} is already used on line {first}", job.id),
            });
        }
        jobs.push(job);
    }
    if jobs.is_empty() {
        return Err(Error::Manifest {
            path: path.to_path_buf(),
            line: 0,
            message: "the manifest lists no document".into(),
        });
    }
    Ok(jobs)
}

/// A line's fields as written, before they are checked.
struct RawJob {
    line: usize,
    fields: HashMap<&'static str, String>,
}

/// CSV with a header; fields may be quoted (`"1-3,7"`, `""` for a quote), one record a line.
fn parse_csv(text: &str) -> Result<Vec<RawJob>, (usize, String)> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err((0, "the manifest is empty (it needs a header line)".into()));
    };
    let columns: Vec<&'static str> = split_csv(header)
        .map_err(|m| (header_line, m))?
        .iter()
        .map(|name| field_name(name.trim()).map_err(|m| (header_line, m)))
        .collect::<Result<_, _>>()?;
    for required in ["id", "input", "to"] {
        if !columns.contains(&required) {
            return Err((
                header_line,
                format!("the header has no `{required}` column (it needs id,input,to)"),
            ));
        }
    }
    let mut jobs = Vec::new();
    for (line, record) in lines {
        let values = split_csv(record).map_err(|m| (line, m))?;
        if values.len() > columns.len() {
            return Err((
                line,
                format!(
                    "{} fields, but the header names {} columns",
                    values.len(),
                    columns.len()
                ),
            ));
        }
        let fields = columns
            .iter()
            .zip(values)
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(c, v)| (*c, v.trim().to_string()))
            .collect();
        jobs.push(RawJob { line, fields });
    }
    Ok(jobs)
}

/// One CSV record's fields.
fn split_csv(record: &str) -> Result<Vec<String>, String> {
    folio_translate::csv_fields(record)
        .ok_or_else(|| "a quoted field is not closed on its line".to_string())
}

/// One JSON object a line; blank lines are skipped.
fn parse_jsonl(text: &str) -> Result<Vec<RawJob>, (usize, String)> {
    let mut jobs = Vec::new();
    for (i, record) in text.lines().enumerate() {
        let line = i + 1;
        if record.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(record).map_err(|e| (line, format!("not JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err((line, "not a JSON object".into()));
        };
        let mut fields = HashMap::new();
        for (key, value) in object {
            let name = field_name(&key).map_err(|m| (line, m))?;
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Array(items) if name == "to" => items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or((line, "`to` must be a string or an array of strings".into()))?
                    .join(";"),
                other => {
                    return Err((line, format!("`{name}` must be a string, not {other}")));
                }
            };
            fields.insert(name, text.trim().to_string());
        }
        jobs.push(RawJob { line, fields });
    }
    Ok(jobs)
}

/// The known field `name` is.
fn field_name(name: &str) -> Result<&'static str, String> {
    FIELDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(name))
        .copied()
        .ok_or_else(|| {
            format!(
                "unknown field `{name}` (the fields are {})",
                FIELDS.join(", ")
            )
        })
}

/// Checks a line's fields and makes its job; inputs are taken relative to `base`.
fn check(mut raw: RawJob, base: &Path) -> Result<Job, String> {
    let mut take = |name: &str| raw.fields.remove(name).filter(|v| !v.is_empty());
    let missing = |name: &str| format!("`{name}` is missing");
    let id = take("id").ok_or_else(|| missing("id"))?;
    if id.starts_with('.') || id.contains(['/', '\\']) || id.chars().any(char::is_control) {
        return Err(format!(
            "id {id:?} cannot name a folder: no `/`, `\\` nor leading `.`"
        ));
    }
    let input = take("input").ok_or_else(|| missing("input"))?;
    check_supported(&input).map_err(|e| e.to_string())?;
    // An S3 URI is taken as it is, not relative to the manifest's folder.
    let input = if is_s3(Path::new(&input)) {
        PathBuf::from(input)
    } else {
        base.join(input)
    };
    let to = take("to").ok_or_else(|| missing("to"))?;
    let mut targets: Vec<String> = Vec::new();
    for target in to.split(';').map(str::trim) {
        if target.is_empty() || target.contains(['/', '\\']) || target.starts_with('.') {
            return Err(format!(
                "`to` = {to:?}: targets are language tags separated by `;` (pt-BR;es)"
            ));
        }
        if targets.iter().any(|t| t == target) {
            return Err(format!("`to` lists {target} twice"));
        }
        targets.push(target.to_string());
    }
    let priority = match take("priority") {
        Some(p) => p
            .parse()
            .map_err(|_| format!("`priority` = {p:?} is not an integer"))?,
        None => 0,
    };
    let pages = match take("pages") {
        Some(p) => Some(
            p.parse::<PageSelection>()
                .map_err(|e| format!("`pages` = {p:?}: {e}"))?,
        ),
        None => None,
    };
    Ok(Job {
        id,
        input,
        targets,
        priority,
        pages,
        line: raw.line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "folio-batch-manifest-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn csv_with_quotes_targets_and_optional_columns() {
        let path = write(
            "a.csv",
            "id,input,to,priority,pages\nrep,in/a.pdf,pt-BR;es,2,\"1-3,7\"\nmemo,/abs/b.pdf,es,,\n",
        );
        let jobs = read_manifest(&path).unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].id, "rep");
        assert_eq!(jobs[0].targets, ["pt-BR", "es"]);
        assert_eq!(jobs[0].priority, 2);
        assert_eq!(jobs[0].pages.as_ref().unwrap().to_string(), "1-3,7");
        assert_eq!(jobs[0].input, path.parent().unwrap().join("in/a.pdf"));
        assert_eq!(jobs[1].input, PathBuf::from("/abs/b.pdf"));
        assert_eq!(jobs[1].priority, 0);
        assert_eq!(jobs[1].pages, None);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn jsonl_takes_the_same_fields() {
        let path = write(
            "b.jsonl",
            "{\"id\":\"x\",\"input\":\"x.pdf\",\"to\":[\"es\",\"pt\"],\"priority\":5}\n\n{\"id\":\"y\",\"input\":\"y.pdf\",\"to\":\"es\"}\n",
        );
        let jobs = read_manifest(&path).unwrap();
        assert_eq!(jobs[0].targets, ["es", "pt"]);
        assert_eq!(jobs[0].priority, 5);
        assert_eq!(jobs[1].line, 3);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn errors_name_the_line_and_what_is_missing() {
        let path = write("c.csv", "id,input,to\na,a.pdf,es\nb,,es\n");
        let err = read_manifest(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 3") && err.contains("`input` is missing"),
            "{err}"
        );
        let path = write("d.jsonl", "{\"id\":\"a\",\"to\":\"es\"}\n");
        let err = read_manifest(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 1") && err.contains("`input` is missing"),
            "{err}"
        );
        let path = write("e.csv", "id,input,to\na,a.pdf,es\na,b.pdf,es\n");
        let err = read_manifest(&path).unwrap_err().to_string();
        assert!(err.contains("already used on line 2"), "{err}");
        let path = write("f.csv", "id,input,to\na,https://host/a.pdf,es\n");
        let err = read_manifest(&path).unwrap_err().to_string();
        assert!(err.contains("https:// URLs are not supported"), "{err}");
        let path = write("f2.csv", "id,input,to\na,s3://bucket/a.pdf,es\n");
        let jobs = read_manifest(&path).unwrap();
        assert_eq!(jobs[0].input, Path::new("s3://bucket/a.pdf"));
        let path = write("g.csv", "id,input\na,a.pdf\n");
        let err = read_manifest(&path).unwrap_err().to_string();
        assert!(err.contains("no `to` column"), "{err}");
        let path = write("h.txt", "id,input,to\n");
        assert!(read_manifest(&path).is_err());
        for name in [
            "c.csv", "d.jsonl", "e.csv", "f.csv", "f2.csv", "g.csv", "h.txt",
        ] {
            let dir = std::env::temp_dir().join(format!(
                "folio-batch-manifest-{}-{name}",
                std::process::id()
            ));
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}
