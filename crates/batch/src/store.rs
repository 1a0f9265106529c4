//! Where a batch reads its inputs and writes its outputs: a local folder or an S3-compatible
//! bucket (`s3://bucket/prefix`), behind one [`Storage`] trait so the run does not care which.
//!
//! Both keep the batch's promise that no output is ever visible half written: the local
//! folder writes a temporary file, syncs it and renames it; S3 makes an object visible only
//! once its PUT has completed. S3 calls go through `object_store` on a small tokio runtime
//! owned here, so the rest of the batch stays synchronous.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

use crate::{Error, remove_stale_temporaries, write_atomic};

/// The output side of a batch: objects named by keys relative to the output prefix
/// (`id/es.pdf`, `summary.json`, `ledger/…`), whatever holds them.
pub trait Storage: Send + Sync {
    /// How users see `key`: a path or an `s3://` URI, for messages.
    fn name(&self, key: &str) -> String;
    /// Makes the output ready to be written (creates the folder, checks the bucket can be
    /// listed) and returns how many unfinished temporaries of an earlier run it removed.
    fn prepare(&self) -> Result<usize, Error>;
    /// Whether `key` exists (a stat or a HEAD).
    fn exists(&self, key: &str) -> Result<bool, Error>;
    /// `key`'s bytes, `None` when it does not exist.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error>;
    /// Writes `key` so that it is either absent or complete.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), Error>;
    /// The keys directly under `dir` (relative to the prefix, sorted).
    fn list(&self, dir: &str) -> Result<Vec<String>, Error>;
    /// The local file of `key`, when the storage is a local folder (the ledger appends to it).
    fn local_path(&self, key: &str) -> Option<PathBuf>;
}

/// Settings of S3 access that do not come from the AWS environment variables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct S3Settings {
    /// The endpoint of an S3-compatible store (`http://127.0.0.1:9000`), over
    /// `AWS_ENDPOINT_URL`; plain http is allowed when it is http.
    pub endpoint: Option<String>,
}

/// Whether `path` is an `s3://` URI.
pub fn is_s3(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|p| p.len() > 5 && p[..5].eq_ignore_ascii_case("s3://"))
}

/// Opens the output storage `prefix` names: an `s3://bucket/prefix` URI or a local folder.
pub fn open_output(prefix: &Path, s3: &S3Access) -> Result<Arc<dyn Storage>, Error> {
    if is_s3(prefix) {
        let (bucket, key) = split_uri(&prefix.to_string_lossy())?;
        Ok(Arc::new(S3Store {
            client: s3.client()?,
            store: s3.bucket(&bucket)?,
            bucket,
            prefix: key.trim_end_matches('/').to_string(),
        }))
    } else {
        crate::check_supported(&prefix.to_string_lossy())?;
        Ok(Arc::new(LocalStore {
            root: prefix.to_path_buf(),
        }))
    }
}

/// A local output folder: what `folio batch` always did.
struct LocalStore {
    root: PathBuf,
}

impl Storage for LocalStore {
    fn name(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }

    fn prepare(&self) -> Result<usize, Error> {
        std::fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        remove_stale_temporaries(&self.root)
    }

    fn exists(&self, key: &str) -> Result<bool, Error> {
        Ok(self.root.join(key).is_file())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.root.join(key);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), Error> {
        write_atomic(&self.root.join(key), bytes)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, Error> {
        let path = self.root.join(dir);
        let Ok(entries) = std::fs::read_dir(&path) else {
            return Ok(Vec::new());
        };
        let mut keys: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
            .collect();
        keys.sort();
        Ok(keys)
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        Some(self.root.join(key))
    }
}

/// What S3 is reached with: the settings, and once needed a runtime and one client per
/// bucket, shared by the output and every input.
#[derive(Default)]
pub struct S3Access {
    settings: S3Settings,
    client: OnceLock<Result<Arc<S3Client>, String>>,
    buckets: Mutex<HashMap<String, Arc<AmazonS3>>>,
}

impl S3Access {
    /// S3 access with `settings`; nothing is set up until an `s3://` URI is used.
    pub fn new(settings: S3Settings) -> Self {
        Self {
            settings,
            ..Self::default()
        }
    }

    /// The runtime S3 calls run on, made on first use.
    fn client(&self) -> Result<Arc<S3Client>, Error> {
        self.client
            .get_or_init(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map(|runtime| Arc::new(S3Client { runtime }))
                    .map_err(|e| format!("cannot start the runtime for S3: {e}"))
            })
            .clone()
            .map_err(|message| Error::Storage {
                uri: "s3://".into(),
                message,
            })
    }

    /// The client of `bucket`, configured from the AWS environment variables and
    /// [`S3Settings`], made once.
    fn bucket(&self, bucket: &str) -> Result<Arc<AmazonS3>, Error> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = buckets.get(bucket) {
            return Ok(store.clone());
        }
        // Client options first: setting them replaces the whole set, `allow_http` included.
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_client_options(ClientOptions::new().with_connect_timeout(Duration::from_secs(5)));
        let endpoint = self
            .settings
            .endpoint
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
        if let Some(endpoint) = endpoint {
            let http = endpoint.starts_with("http://");
            builder = builder.with_endpoint(endpoint).with_allow_http(http);
        }
        // A wrong endpoint should fail in seconds, not after object_store's default three
        // minutes of retries; real S3's transient errors still get a few tries.
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(20),
            ..RetryConfig::default()
        };
        let store = builder
            .with_retry(retry)
            .build()
            .map_err(|e| Error::Storage {
                uri: format!("s3://{bucket}"),
                message: format!("cannot set up S3: {e}"),
            })?;
        let store = Arc::new(store);
        buckets.insert(bucket.to_string(), store.clone());
        Ok(store)
    }

    /// Reads the object an `s3://bucket/key` input names.
    pub fn read(&self, uri: &str) -> Result<Vec<u8>, Error> {
        let (bucket, key) = split_uri(uri)?;
        let client = self.client()?;
        let store = self.bucket(&bucket)?;
        client
            .get(&store, &ObjectPath::from(key.as_str()))
            .and_then(|b| b.ok_or_else(|| "no such object".to_string()))
            .map_err(|message| storage_error(uri, message))
    }
}

/// The runtime the S3 calls are driven on: the batch's threads are not async, each call
/// blocks its thread until done.
struct S3Client {
    runtime: tokio::runtime::Runtime,
}

impl S3Client {
    /// GETs `path`; `None` when it does not exist.
    fn get(&self, store: &AmazonS3, path: &ObjectPath) -> Result<Option<Vec<u8>>, String> {
        self.runtime.block_on(async {
            match store.get(path).await {
                Ok(got) => got
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| e.to_string()),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// An output prefix in an S3 bucket.
struct S3Store {
    client: Arc<S3Client>,
    store: Arc<AmazonS3>,
    bucket: String,
    /// The key prefix, without a trailing `/` (empty for the bucket's root).
    prefix: String,
}

impl S3Store {
    /// The object key of `key`.
    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    /// The error of a call on `key`.
    fn error(&self, key: &str, message: impl std::fmt::Display) -> Error {
        storage_error(&self.name(key), message)
    }
}

impl Storage for S3Store {
    fn name(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.path(key))
    }

    fn prepare(&self) -> Result<usize, Error> {
        // Listing fails on a missing bucket, wrong credentials or a wrong endpoint: better
        // now than after the first document was translated.
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        self.client
            .runtime
            .block_on(self.store.list_with_delimiter(prefix.as_ref()))
            .map_err(|e| self.error("", e))?;
        Ok(0)
    }

    fn exists(&self, key: &str) -> Result<bool, Error> {
        match self
            .client
            .runtime
            .block_on(self.store.head(&self.path(key)))
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(self.error(key, e)),
        }
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.client
            .get(&self.store, &self.path(key))
            .map_err(|e| self.error(key, e))
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), Error> {
        // One PUT: S3 shows the object only once it is whole.
        let payload = PutPayload::from(bytes.to_vec());
        self.client
            .runtime
            .block_on(self.store.put(&self.path(key), payload))
            .map(|_| ())
            .map_err(|e| self.error(key, e))
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, Error> {
        let base = self.path(dir);
        let listed = self
            .client
            .runtime
            .block_on(self.store.list_with_delimiter(Some(&base)))
            .map_err(|e| self.error(dir, e))?;
        let mut keys: Vec<String> = listed
            .objects
            .iter()
            .filter_map(|o| o.location.filename().map(|f| format!("{dir}/{f}")))
            .collect();
        keys.sort();
        Ok(keys)
    }

    fn local_path(&self, _: &str) -> Option<PathBuf> {
        None
    }
}

/// `s3://bucket/key` → (`bucket`, `key`).
fn split_uri(uri: &str) -> Result<(String, String), Error> {
    let rest = &uri[5.min(uri.len())..];
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(storage_error(
            uri,
            "the URI names no bucket (s3://BUCKET/KEY)",
        ));
    }
    Ok((bucket.to_string(), key.to_string()))
}

/// An S3 error on `uri`.
fn storage_error(uri: &str, message: impl std::fmt::Display) -> Error {
    Error::Storage {
        uri: uri.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_uris_split_into_bucket_and_key() {
        assert!(is_s3(Path::new("s3://b/k")));
        assert!(is_s3(Path::new("S3://b")));
        assert!(!is_s3(Path::new("out/s3")));
        assert_eq!(
            split_uri("s3://bucket/run1/a.pdf").unwrap(),
            ("bucket".into(), "run1/a.pdf".into())
        );
        assert_eq!(
            split_uri("s3://bucket").unwrap(),
            ("bucket".into(), "".into())
        );
        assert!(split_uri("s3:///key").is_err());
    }

    #[test]
    fn a_local_store_lists_and_reads_back() {
        let root = std::env::temp_dir().join(format!("folio-batch-store-{}", std::process::id()));
        let store = open_output(&root, &S3Access::default()).unwrap();
        assert_eq!(store.prepare().unwrap(), 0);
        assert!(!store.exists("a/es.pdf").unwrap());
        store.put("a/es.pdf", b"%PDF").unwrap();
        store.put("a/pt.pdf", b"%PDF").unwrap();
        assert!(store.exists("a/es.pdf").unwrap());
        assert_eq!(
            store.get("a/es.pdf").unwrap().as_deref(),
            Some(&b"%PDF"[..])
        );
        assert_eq!(store.get("a/de.pdf").unwrap(), None);
        assert_eq!(store.list("a").unwrap(), ["a/es.pdf", "a/pt.pdf"]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
