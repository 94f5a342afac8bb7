//! Object stores from URLs: plain paths and `file://` (local), `s3://` (AWS env vars, `AWS_ENDPOINT_URL`
//! for S3-compatible servers), `gs://`, `az://`/`abfs://`, and `memory://NAME` (process-wide, for tests).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{BackoffConfig, ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use url::Url;

use crate::engine::S3Settings;

/// A store plus a prefix inside it: where a dataset lives.
#[derive(Clone)]
pub struct StoreLocation {
    pub store: Arc<dyn ObjectStore>,
    /// `scheme://authority` of the store, the key DataFusion registers it under.
    pub base_url: Url,
    pub prefix: Path,
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.url())
    }
}

/// `location` as a URL: itself, or a plain local path made absolute as a `file://` directory URL.
fn location_url(location: &str) -> Result<Url> {
    Ok(match Url::parse(location) {
        Ok(url) if url.scheme().len() > 1 => url,
        _ => {
            let abs = normalize(&std::path::absolute(location).with_context(|| format!("resolving path {location}"))?);
            Url::from_directory_path(&abs).map_err(|_| anyhow::anyhow!("not a usable path: {}", abs.display()))?
        }
    })
}

static MEMORY_STORES: LazyLock<Mutex<HashMap<String, Arc<InMemory>>>> = LazyLock::new(Default::default);

impl StoreLocation {
    /// Resolves a URL or a plain local path (relative paths are taken from the current directory).
    /// S3 is configured from this process's environment.
    pub fn parse(location: &str) -> Result<StoreLocation> {
        let url = location_url(location)?;
        let store = store_for_url(&url, &S3Settings::from_env())?;
        StoreLocation::at(url, store)
    }

    /// Resolves `location` as [`StoreLocation::parse`] does, but with S3 configured from `vars`
    /// (`AWS_*` names and values, credentials included) instead of this process's environment: for
    /// a process that talks to several S3 servers at once, such as a test binary.
    pub fn parse_with_vars(location: &str, vars: &[(&str, &str)]) -> Result<StoreLocation> {
        let url = location_url(location)?;
        let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
        let s3 = S3Settings::from_vars(lookup);
        let store: Arc<dyn ObjectStore> = if matches!(url.scheme(), "s3" | "s3a") {
            let mut builder = AmazonS3Builder::new();
            for (name, value) in vars {
                if let Ok(key) = name.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                    builder = builder.with_config(key, *value);
                }
            }
            Arc::new(s3_store(&url, &s3, builder)?)
        } else {
            store_for_url(&url, &s3)?
        };
        StoreLocation::at(url, store)
    }

    fn at(url: Url, store: Arc<dyn ObjectStore>) -> Result<StoreLocation> {
        let prefix = Path::from_url_path(url.path()).with_context(|| format!("bad path in {url}"))?;
        let authority = &url[..url::Position::BeforePath];
        let base_url = Url::parse(&format!("{authority}/")).context("store base url")?;
        Ok(StoreLocation { store, base_url, prefix })
    }

    /// The location `name` below this one (`name` may hold several `/`-separated parts).
    pub fn child(&self, name: &str) -> StoreLocation {
        let mut prefix = self.prefix.clone();
        for part in name.split('/').filter(|p| !p.is_empty()) {
            prefix = prefix.clone().join(part);
        }
        StoreLocation { store: self.store.clone(), base_url: self.base_url.clone(), prefix }
    }

    /// The path of object `name` directly below this location.
    pub fn path(&self, name: &str) -> Path {
        self.child(name).prefix
    }

    /// Full URL of this location, with a trailing slash (a "directory").
    pub fn url(&self) -> String {
        let mut url = self.base_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(self.prefix.parts().map(|p| p.as_ref().to_string())).push("");
        }
        url.to_string()
    }

    /// The path of `full` relative to this location.
    pub fn relative(&self, full: &Path) -> String {
        let full = full.as_ref();
        let prefix = self.prefix.as_ref();
        if prefix.is_empty() {
            return full.to_string();
        }
        full.strip_prefix(prefix).map(|r| r.trim_start_matches('/')).unwrap_or(full).to_string()
    }

    /// Every object below this location, recursively; empty when the location does not exist.
    pub async fn list_all(&self) -> Result<Vec<ObjectMeta>> {
        let mut objects: Vec<ObjectMeta> = match self.store.list(Some(&self.prefix)).try_collect().await {
            Ok(v) => v,
            Err(object_store::Error::NotFound { .. }) => vec![],
            Err(e) => return Err(e).with_context(|| format!("listing {}", self.url())),
        };
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(objects)
    }

    /// Names of the folders directly below this location (one delimited listing); empty when the
    /// location does not exist.
    pub async fn child_folders(&self) -> Result<Vec<String>> {
        let listing = match self.store.list_with_delimiter(Some(&self.prefix)).await {
            Ok(listing) => listing,
            Err(object_store::Error::NotFound { .. }) => return Ok(vec![]),
            Err(e) => return Err(e).with_context(|| format!("listing {}", self.url())),
        };
        let mut names: Vec<String> = listing.common_prefixes.iter().map(|dir| self.relative(dir)).collect();
        names.sort();
        Ok(names)
    }

    pub async fn get_bytes(&self, name: &str) -> Result<Option<bytes::Bytes>> {
        match self.store.get(&self.path(name)).await {
            Ok(r) => Ok(Some(r.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}{name}", self.url())),
        }
    }

    pub async fn put_bytes(&self, name: &str, bytes: impl Into<PutPayload>) -> Result<()> {
        self.store
            .put(&self.path(name), bytes.into())
            .await
            .with_context(|| format!("writing {}{name}", self.url()))?;
        Ok(())
    }

    /// Deletes every object below this location.
    pub async fn delete_all(&self) -> Result<()> {
        for meta in self.list_all().await? {
            match self.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e).with_context(|| format!("deleting {}", meta.location)),
            }
        }
        if self.base_url.scheme() == "file" {
            // Local directories outlive their files; remove the empty tree so listings stay clean.
            let _ = std::fs::remove_dir_all(format!("/{}", self.prefix.as_ref()));
        }
        Ok(())
    }
}

/// Resolves `.` and `..` lexically (object store paths allow neither).
fn normalize(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The object store a URL names. S3 takes credentials from the usual AWS environment variables
/// (or the instance profile) and everything else from `s3`. Requests that fail for a transient
/// reason (5xx, throttling, dropped connections) are retried with exponential backoff, up to
/// [`RETRIES`] times and [`RETRY_TIMEOUT`]; uploads above 10 MiB go as multipart uploads (the
/// Parquet writers stream through object_store's buffered writer).
pub fn store_for_url(url: &Url, s3: &S3Settings) -> Result<Arc<dyn ObjectStore>> {
    Ok(match url.scheme() {
        "file" => Arc::new(LocalFileSystem::new()),
        "memory" => {
            let name = url.host_str().unwrap_or_default().to_string();
            MEMORY_STORES.lock().expect("memory store registry").entry(name).or_default().clone()
        }
        "s3" | "s3a" => Arc::new(s3_store(url, s3, AmazonS3Builder::from_env())?),
        "gs" => {
            Arc::new(GoogleCloudStorageBuilder::from_env().with_url(url.as_str()).with_retry(retry_config()).build()?)
        }
        "az" | "abfs" | "abfss" | "azure" => {
            Arc::new(MicrosoftAzureBuilder::from_env().with_url(url.as_str()).with_retry(retry_config()).build()?)
        }
        other => {
            bail!("unsupported store scheme `{other}` in {url} (use a path, file://, s3://, gs://, az:// or memory://)")
        }
    })
}

/// How many times a failed store request is retried.
pub const RETRIES: usize = 10;
/// How long a request is retried for, all attempts together.
pub const RETRY_TIMEOUT: Duration = Duration::from_secs(180);

fn retry_config() -> RetryConfig {
    RetryConfig { max_retries: RETRIES, retry_timeout: RETRY_TIMEOUT, backoff: BackoffConfig::default() }
}

/// The S3 store for `url`: `builder` (credentials and any other settings) with `s3`'s settings.
fn s3_store(url: &Url, s3: &S3Settings, builder: AmazonS3Builder) -> Result<object_store::aws::AmazonS3> {
    let mut builder = builder.with_url(url.as_str()).with_retry(retry_config());
    if let Some(endpoint) = &s3.endpoint {
        builder =
            builder.with_endpoint(endpoint).with_virtual_hosted_style_request(s3.virtual_hosted_style.unwrap_or(false));
    } else if let Some(virtual_hosted) = s3.virtual_hosted_style {
        builder = builder.with_virtual_hosted_style_request(virtual_hosted);
    }
    if let Some(region) = &s3.region {
        builder = builder.with_region(region);
    }
    builder.with_allow_http(s3.allow_http).build().with_context(|| format!("configuring S3 for {url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_become_file_urls() {
        let loc = StoreLocation::parse("/tmp/some dir/x").unwrap();
        assert_eq!(loc.base_url.as_str(), "file:///");
        assert_eq!(loc.url(), "file:///tmp/some%20dir/x/");
        assert_eq!(loc.child("a/b").prefix.as_ref(), "tmp/some dir/x/a/b");
        assert_eq!(StoreLocation::parse("/tmp/a/../b/./c").unwrap().url(), "file:///tmp/b/c/");
    }

    #[test]
    fn s3_urls_keep_bucket_in_base() {
        let loc = StoreLocation::parse("s3://bucket/data/ingest").unwrap();
        assert_eq!(loc.base_url.as_str(), "s3://bucket/");
        assert_eq!(loc.prefix.as_ref(), "data/ingest");
        assert_eq!(loc.url(), "s3://bucket/data/ingest/");
    }

    #[tokio::test]
    async fn memory_stores_are_shared_by_name() {
        let a = StoreLocation::parse("memory://shared-test/x").unwrap();
        a.put_bytes("f", b"hello".to_vec()).await.unwrap();
        let b = StoreLocation::parse("memory://shared-test/x").unwrap();
        assert_eq!(&b.get_bytes("f").await.unwrap().unwrap()[..], b"hello");
        let other = StoreLocation::parse("memory://other-test/x").unwrap();
        assert!(other.get_bytes("f").await.unwrap().is_none());
    }

    #[test]
    fn unknown_scheme_is_a_clear_error() {
        let err = StoreLocation::parse("ftp://host/x").unwrap_err().to_string();
        assert!(err.contains("unsupported store scheme `ftp`"), "{err}");
    }
}
