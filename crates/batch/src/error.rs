//! What can stop a batch before it starts (single documents failing are in the ledger).

use std::path::PathBuf;

/// Why a batch could not start or go on: a bad manifest, an output folder that cannot be
/// written. A document that fails is not an error of the batch: it is recorded and the
/// others go on.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A manifest line is wrong.
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A path names remote storage this version cannot use (`https://…`).
    Unsupported(String),
    /// An S3 call failed: wrong credentials, endpoint or bucket, or a missing object.
    Storage {
        /// The `s3://` URI it was about.
        uri: String,
        /// What object_store said.
        message: String,
    },
    /// The engine for a target language could not be set up (an unknown engine, a missing
    /// model or key): every document into it would fail alike, so the batch does not start.
    Engine {
        /// The target language.
        to: String,
        /// Why, as the engine's builder said it.
        message: String,
    },
    /// The job queue could not be reached or answered wrongly (`--queue redis://…`).
    Queue {
        /// The queue, as `redis://host:port/name` (no password).
        queue: String,
        /// What the server or client said.
        message: String,
    },
    /// Another `folio batch` process is writing to the same output folder.
    Busy {
        /// Its lock file.
        path: PathBuf,
        /// Its process id.
        pid: u32,
    },
    /// A file or folder could not be read or written.
    Io {
        /// Which one.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Manifest {
                path,
                line: 0,
                message,
            } => write!(f, "{}: {message}", path.display()),
            Error::Manifest {
                path,
                line,
                message,
            } => write!(f, "{}, line {line}: {message}", path.display()),
            Error::Unsupported(message) => f.write_str(message),
            Error::Storage { uri, message } => write!(
                f,
                "{uri}: {message} (hint: check the credentials (AWS_ACCESS_KEY_ID, \
                 AWS_SECRET_ACCESS_KEY), the endpoint (--s3-endpoint or AWS_ENDPOINT_URL), the \
                 region (AWS_REGION) and that the bucket exists)"
            ),
            Error::Engine { to, message } => {
                write!(f, "cannot set up the engine into {to}: {message}")
            }
            Error::Queue { queue, message } => write!(
                f,
                "{queue}: {message} (hint: check that Redis runs there and answers, and the \
                 password in the URL, redis://:PASSWORD@HOST:PORT/NAME)"
            ),
            Error::Busy { path, pid } => write!(
                f,
                "another folio batch (process {pid}) is writing to this output folder ({}); \
                 wait for it to end, or run several processes with --queue and folio worker",
                path.display()
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Error {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Refuses a path that names remote storage other than S3 (`https://…`): a URL taken as a
/// local path would fail with a confusing "no such file". Local paths and `s3://bucket/key`
/// URIs pass.
pub fn check_supported(path: &str) -> Result<(), Error> {
    let Some((scheme, _)) = path.split_once("://") else {
        return Ok(());
    };
    if scheme.eq_ignore_ascii_case("s3") {
        return Ok(());
    }
    if !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        return Err(Error::Unsupported(format!(
            "{path}: {scheme}:// URLs are not supported; give a local path or an s3:// URI"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_and_s3_are_accepted() {
        assert!(check_supported("s3://bucket/in.pdf").is_ok());
        assert!(check_supported("docs/in.pdf").is_ok());
        let err = check_supported("https://example.org/a.pdf")
            .unwrap_err()
            .to_string();
        assert!(err.contains("https:// URLs are not supported"), "{err}");
    }
}
