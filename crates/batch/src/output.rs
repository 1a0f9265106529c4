//! Where outputs go and how they are written so that none is ever seen half written.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::Error;

/// Suffix of the temporary files outputs are written to before their rename.
const PARTIAL: &str = ".partial";

/// The outputs of one (document, target), as keys under the output prefix: `id/L.pdf` and
/// `id/L.report.json` (a path under a local folder, an object key under an S3 prefix).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputKeys {
    /// The translated PDF; written last, so its presence means the pair is done.
    pub pdf: String,
    /// The pipeline's report (JSON).
    pub report: String,
}

impl OutputKeys {
    /// The outputs of document `id` in language `to`.
    pub fn new(id: &str, to: &str) -> Self {
        Self {
            pdf: format!("{id}/{to}.pdf"),
            report: format!("{id}/{to}.report.json"),
        }
    }
}

/// Writes `bytes` to `path` so that `path` is either absent or complete: into a temporary
/// file in the same folder (`.NAME.partial`), synced, then renamed over `path`, and the
/// folder synced so the rename survives a crash.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}{PARTIAL}"));
    let written = File::create(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::io(&temp, e));
    }
    std::fs::rename(&temp, path).map_err(|e| Error::io(path, e))?;
    // Makes the rename durable; a folder that cannot be opened for syncing is not an error.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes the temporary files a killed run left in the documents' folders under `prefix`;
/// returns how many. Their outputs were not finished, so they are done again.
pub fn remove_stale_temporaries(prefix: &Path) -> Result<usize, Error> {
    let mut removed = 0;
    let Ok(folders) = std::fs::read_dir(prefix) else {
        return Ok(0);
    };
    for folder in folders.flatten() {
        if !folder.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = folder.path();
        for file in std::fs::read_dir(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .flatten()
        {
            let name = file.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(PARTIAL) {
                std::fs::remove_file(file.path()).map_err(|e| Error::io(file.path(), e))?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_whole_and_stale_temporaries_removed() {
        let prefix =
            std::env::temp_dir().join(format!("folio-batch-output-{}", std::process::id()));
        let keys = OutputKeys::new("doc", "es");
        let pdf = prefix.join(&keys.pdf);
        assert!(!pdf.exists());
        write_atomic(&pdf, b"%PDF-1.7").unwrap();
        assert_eq!(std::fs::read(&pdf).unwrap(), b"%PDF-1.7");
        let stale = prefix.join("doc/.pt.pdf.partial");
        std::fs::write(&stale, b"half").unwrap();
        assert_eq!(remove_stale_temporaries(&prefix).unwrap(), 1);
        assert!(!stale.exists());
        let names: Vec<_> = std::fs::read_dir(prefix.join("doc"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["es.pdf"]);
        std::fs::remove_dir_all(&prefix).unwrap();
    }
}
