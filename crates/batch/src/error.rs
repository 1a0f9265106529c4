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
    /// A path names remote storage, which this version cannot use.
    Unsupported(String),
    /// The engine for a target language could not be set up (an unknown engine, a missing
    /// model or key): every document into it would fail alike, so the batch does not start.
    Engine {
        /// The target language.
        to: String,
        /// Why, as the engine's builder said it.
        message: String,
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
            Error::Engine { to, message } => {
                write!(f, "cannot set up the engine into {to}: {message}")
            }
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

/// Refuses a path that names remote storage (`s3://bucket/key`, `https://…`): only local
/// paths are supported yet, and a URL taken as a local path would fail with a confusing
/// "no such file".
pub fn check_local(path: &str) -> Result<(), Error> {
    let Some((scheme, _)) = path.split_once("://") else {
        return Ok(());
    };
    if scheme.eq_ignore_ascii_case("s3") {
        return Err(Error::Unsupported(format!(
            "{path}: S3 is not supported yet; give a local path"
        )));
    }
    if !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        return Err(Error::Unsupported(format!(
            "{path}: {scheme}:// URLs are not supported; give a local path"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_is_refused_with_a_clear_message() {
        let err = check_local("s3://bucket/in.pdf").unwrap_err().to_string();
        assert!(err.contains("S3 is not supported yet"), "{err}");
        assert!(check_local("docs/in.pdf").is_ok());
        assert!(check_local("https://example.org/a.pdf").is_err());
    }
}
