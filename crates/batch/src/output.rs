//! Where outputs go and how they are written so that none is ever seen half written.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

/// A temporary file older than this is stale whoever wrote it (a process on another machine
/// sharing the folder, which this one cannot see).
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// Writes `bytes` to `path` so that `path` is either absent or complete: into a temporary
/// file in the same folder (`.NAME.PID-N.partial`, so processes writing the same output
/// never share one), synced, then renamed over `path`, and the folder synced so the rename
/// survives a crash.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.{}-{}{PARTIAL}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    ));
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
/// returns how many. Their outputs were not finished, so they are done again. A temporary
/// of a process still running on this machine (a worker sharing the folder) is left alone,
/// unless it is over an hour old.
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
            if name.starts_with('.') && name.ends_with(PARTIAL) && is_stale(&file.path(), &name) {
                std::fs::remove_file(file.path()).map_err(|e| Error::io(file.path(), e))?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Whether the temporary file `path` (named `name`) was left by a process that is gone: its
/// writer's id is not a running process of this machine, or it is old.
fn is_stale(path: &Path, name: &str) -> bool {
    let old = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age > STALE_AFTER);
    let writer = name
        .strip_suffix(PARTIAL)
        .and_then(|n| n.rsplit('.').next())
        .and_then(|tag| tag.split_once('-'))
        .and_then(|(pid, _)| pid.parse::<u32>().ok());
    let running = writer.is_some_and(is_running);
    old || !running
}

/// A local output folder taken by one `folio batch` process: `PREFIX/.folio-batch.lock`
/// holds its process id and is removed when it ends. A second process on the same folder
/// would translate the same documents again; it is refused instead. A lock whose process is
/// gone (killed) is taken over.
#[derive(Debug)]
pub struct PrefixLock {
    path: std::path::PathBuf,
}

impl PrefixLock {
    /// The lock file's name under the output folder.
    pub const FILE: &str = ".folio-batch.lock";

    /// Takes the folder whose lock file is `path`, or says which process has it.
    pub fn take(path: &Path) -> Result<Self, Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut file) => {
                    file.write_all(std::process::id().to_string().as_bytes())
                        .map_err(|e| Error::io(path, e))?;
                    return Ok(Self {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(path)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    if let Some(pid) = holder.filter(|&pid| is_running(pid)) {
                        return Err(Error::Busy {
                            path: path.to_path_buf(),
                            pid,
                        });
                    }
                    // Its process is gone: take it over.
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        Err(Error::io(
            path,
            std::io::Error::other("the lock file keeps coming back"),
        ))
    }
}

impl Drop for PrefixLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `pid` is a running process of this machine other than this one.
fn is_running(pid: u32) -> bool {
    pid != std::process::id() && Path::new("/proc").join(pid.to_string()).exists()
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
        // Being written by a process still running here (pid 1 always is, on Linux).
        let live = prefix.join("doc/.fr.pdf.1-0.partial");
        std::fs::write(&live, b"half").unwrap();
        let removed = remove_stale_temporaries(&prefix).unwrap();
        assert!(!stale.exists());
        if Path::new("/proc/1").exists() {
            assert_eq!(removed, 1);
            assert!(
                live.exists(),
                "another process's write in flight is left alone"
            );
            std::fs::remove_file(&live).unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(prefix.join("doc"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["es.pdf"]);
        std::fs::remove_dir_all(&prefix).unwrap();
    }

    #[test]
    fn one_process_per_output_folder() {
        let dir = std::env::temp_dir().join(format!("folio-batch-lock-{}", std::process::id()));
        let path = dir.join(PrefixLock::FILE);
        let lock = PrefixLock::take(&path).unwrap();
        assert!(path.exists());
        drop(lock);
        assert!(!path.exists());
        // Held by a process that is running (pid 1 always is, on Linux).
        if Path::new("/proc/1").exists() {
            std::fs::write(&path, "1").unwrap();
            let err = PrefixLock::take(&path).unwrap_err().to_string();
            assert!(err.contains("process 1"), "{err}");
        }
        // Left by a process that is gone.
        std::fs::write(&path, "4294967295").unwrap();
        drop(PrefixLock::take(&path).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
