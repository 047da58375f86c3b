//! Object storage: `s3://bucket/prefix` (AWS S3 and S3-compatible servers), `az://container/prefix`
//! (also `abfs://`, `abfss://`, `azure://`: Azure Blob Storage) and `gs://bucket/prefix` (Google
//! Cloud Storage), through the `object_store` crate DataFusion itself uses.
//!
//! - **Credentials and endpoints** come the standard way: each provider's builder reads its
//!   environment (`AWS_*` and the provider chain, `AZURE_STORAGE_*`, `GOOGLE_*`), and the global
//!   flags `--endpoint` and `--region` ([`StoreOptions`]) override them, for an S3-compatible
//!   server or an Azurite emulator. One client per bucket, cached for the process.
//! - **IO runs on its own runtime.** Every HTTP request is spawned on [`io_runtime`], so a
//!   store works the same from DataFusion's runtime, from a test's runtime and from plain
//!   threads (the parser reads objects from a thread, through [`ObjectReader`]).
//! - **Errors name the URL** and say what to check; requests are retried with backoff by
//!   `object_store` first. Messages pass through [`redact`], so a key, token or SAS signature
//!   never reaches the terminal.

use std::collections::HashMap;
use std::future::Future;
use std::io::Read;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use futures::StreamExt;
use object_store::client::SpawnedReqwestConnector;
use object_store::path::Path as ObjPath;
use object_store::{BackoffConfig, ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig};
use url::Url;

use crate::error::{Error, Result};

/// Endpoint and region given on the command line (the environment gives the rest).
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// An S3-compatible server (`http://127.0.0.1:9000`), an Azure account URL
    /// (`http://127.0.0.1:10000/devstoreaccount1` for Azurite) or a GCS base URL.
    pub endpoint: Option<String>,
    /// The S3 region (default: `AWS_REGION`, else `us-east-1`).
    pub region: Option<String>,
}

static OPTIONS: OnceLock<StoreOptions> = OnceLock::new();

/// Sets the process's store options; the first call wins (the CLI calls it once, at start).
pub fn configure(o: StoreOptions) {
    let _ = OPTIONS.set(o);
}

fn options() -> StoreOptions {
    OPTIONS.get().cloned().unwrap_or_default()
}

/// The object-storage services we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    S3,
    Azure,
    Gcs,
}

/// The provider of a URL's scheme, if it is an object-storage URL.
pub fn provider(s: &str) -> Option<Provider> {
    let (scheme, _) = s.split_once("://")?;
    match scheme.to_ascii_lowercase().as_str() {
        "s3" | "s3a" => Some(Provider::S3),
        "az" | "abfs" | "abfss" | "azure" | "adl" => Some(Provider::Azure),
        "gs" => Some(Provider::Gcs),
        _ => None,
    }
}

/// True for `s3://`, `az://`, `gs://` and the other schemes [`provider`] knows.
pub fn is_url(s: &str) -> bool {
    provider(s).is_some()
}

/// A place in object storage: its bucket's store and a key prefix (or one object's key).
#[derive(Clone)]
pub struct Location {
    /// `scheme://bucket`, the key DataFusion's store registry uses.
    pub root: Url,
    /// The bucket's store for requests made on [`io_runtime`] ([`block_on`], [`ObjectReader`]);
    /// DataFusion gets [`store_for`]'s instead.
    pub store: Arc<dyn ObjectStore>,
    pub path: ObjPath,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({})", self.url_of(&self.path))
    }
}

impl PartialEq for Location {
    fn eq(&self, other: &Self) -> bool {
        self.root == other.root && self.path == other.path
    }
}
impl Eq for Location {}

impl Location {
    /// Parses `s3://bucket/prefix` (and the other schemes) and opens the bucket's store.
    pub fn parse(s: &str) -> Result<Self> {
        let url = Url::parse(s).map_err(|e| {
            Error::Usage(format!(
                "cannot read {s:?} as a URL: {e} (write scheme://bucket/prefix, e.g. s3://logs/eks/)"
            ))
        })?;
        let bucket = url.host_str().unwrap_or_default();
        if bucket.is_empty() {
            return Err(Error::Usage(format!(
                "{s:?} names no bucket or container (write scheme://bucket/prefix)"
            )));
        }
        let root = root_of(&url).map_err(|e| Error::Usage(format!("cannot use {s:?}: {e}")))?;
        let path = ObjPath::from_url_path(url.path())
            .map_err(|e| Error::Usage(format!("cannot use the key in {s:?}: {e}")))?;
        let store = io_store_for(&root)?;
        Ok(Self { root, store, path })
    }

    /// The key `rel` below this location (`rel` uses `/`).
    pub fn child(&self, rel: &str) -> ObjPath {
        let mut parts: Vec<object_store::path::PathPart<'static>> = self
            .path
            .parts()
            .map(|p| p.as_ref().to_owned().into())
            .collect();
        parts.extend(
            rel.split('/')
                .filter(|p| !p.is_empty())
                .map(|p| object_store::path::PathPart::from(p.to_owned())),
        );
        ObjPath::from_iter(parts)
    }

    /// `scheme://bucket/key` of a key in this bucket.
    pub fn url_of(&self, key: &ObjPath) -> String {
        let root = self.root.as_str().trim_end_matches('/');
        if key.as_ref().is_empty() {
            format!("{root}/")
        } else {
            format!("{root}/{key}")
        }
    }

    /// This location as a directory URL (trailing `/`), as DataFusion's listing table wants it.
    pub fn dir_url(&self) -> String {
        let u = self.url_of(&self.path);
        if u.ends_with('/') { u } else { format!("{u}/") }
    }

    /// Every object under this prefix, sorted by key (the same order every run). Keys whose
    /// last part starts with `.` or `_` are left out, as hidden files are on disk.
    pub fn list(&self) -> Result<Vec<ObjectMeta>> {
        let store = Arc::clone(&self.store);
        let prefix = self.path.clone();
        let mut found = block_on(async move {
            futures::TryStreamExt::try_collect::<Vec<_>>(store.list(Some(&prefix))).await
        })?
        .map_err(|e| remote_error(&self.dir_url(), &e))?;
        found.retain(|m| {
            m.location
                .filename()
                .is_some_and(|n| !n.starts_with('.') && !n.starts_with('_'))
        });
        found.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(found)
    }

    /// The object at exactly this location's key, if there is one.
    pub fn head(&self) -> Result<Option<ObjectMeta>> {
        self.head_of(&self.path)
    }

    /// The object at `key` in this bucket, if there is one.
    pub fn head_of(&self, key: &ObjPath) -> Result<Option<ObjectMeta>> {
        if key.as_ref().is_empty() {
            return Ok(None);
        }
        let store = Arc::clone(&self.store);
        let k = key.clone();
        match block_on(async move { store.head(&k).await })? {
            Ok(m) => Ok(Some(m)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(remote_error(&self.url_of(key), &e)),
        }
    }

    /// Reads a whole (small) object: `None` if it does not exist.
    pub fn read_small(&self, key: &ObjPath) -> Result<Option<(Vec<u8>, ObjectMeta)>> {
        let store = Arc::clone(&self.store);
        let k = key.clone();
        let got = block_on(async move {
            let r = store.get(&k).await?;
            let meta = r.meta.clone();
            let bytes = r.bytes().await?;
            Ok::<_, object_store::Error>((bytes.to_vec(), meta))
        })?;
        match got {
            Ok(v) => Ok(Some(v)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(remote_error(&self.url_of(key), &e)),
        }
    }
}

/// `scheme://[container@]host[:port]`: the part of a URL that names its bucket (Azure's
/// `abfss://container@account.dfs.core.windows.net/...` keeps the container).
fn root_of(url: &Url) -> std::result::Result<Url, url::ParseError> {
    Url::parse(&url[..url::Position::BeforePath])
}

/// The runtime every object-storage request runs on (two threads: requests wait on the
/// network, not the CPU).
pub fn io_runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RT: LazyLock<std::io::Result<tokio::runtime::Runtime>> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("object-store-io")
            .enable_all()
            .build()
    });
    RT.as_ref()
        .map_err(|e| Error::Usage(format!("cannot start the object-storage runtime: {e}")))
}

/// Runs `f` on the IO runtime and waits for it; callable from any thread, inside a runtime or
/// not (it parks the calling thread, so call it from code that is blocking anyway).
pub fn block_on<F, T>(f: F) -> Result<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    io_runtime()?.spawn(async move {
        let _ = tx.send(f.await);
    });
    futures::executor::block_on(rx)
        .map_err(|_| Error::Usage("an object-storage request was cancelled".into()))
}

fn retry() -> RetryConfig {
    // Fewer and shorter than object_store's default (10 tries within 3 minutes): a person at
    // a terminal learns of an unreachable endpoint in about half a minute.
    RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 5,
        retry_timeout: Duration::from_secs(30),
    }
}

/// Open stores by (bucket URL, spawned connector).
type StoreCache = Mutex<HashMap<(String, bool), Arc<dyn ObjectStore>>>;

static STORES: LazyLock<StoreCache> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The store of `scheme://bucket` for DataFusion, built once per process: every request it
/// makes is spawned on [`io_runtime`], so it works from any runtime. (Its response bodies are
/// forwarded through an unbounded channel: fine for the page-sized range reads of a query, not
/// for streaming a whole object, which is what [`io_store_for`]'s store does.)
pub fn store_for(root: &Url) -> Result<Arc<dyn ObjectStore>> {
    cached(root, true)
}

/// The store of `scheme://bucket` for our own requests, which always run on [`io_runtime`]
/// ([`block_on`], [`ObjectReader`]): bodies are read only as fast as they are consumed, so an
/// object streamed into the parser is never buffered whole.
pub fn io_store_for(root: &Url) -> Result<Arc<dyn ObjectStore>> {
    cached(root, false)
}

fn cached(root: &Url, spawned: bool) -> Result<Arc<dyn ObjectStore>> {
    let key = (root.as_str().trim_end_matches('/').to_owned(), spawned);
    if let Some(s) = STORES.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(s);
    }
    let s = build(&key.0, spawned)?;
    if let Ok(mut m) = STORES.lock() {
        m.insert(key, Arc::clone(&s));
    }
    Ok(s)
}

/// Spawns requests on the IO runtime, or leaves them where they are made.
#[derive(Debug)]
enum Connector {
    Spawned(SpawnedReqwestConnector),
    Direct,
}

impl object_store::client::HttpConnector for Connector {
    fn connect(
        &self,
        options: &object_store::ClientOptions,
    ) -> object_store::Result<object_store::client::HttpClient> {
        match self {
            Connector::Spawned(c) => c.connect(options),
            Connector::Direct => object_store::client::ReqwestConnector::default().connect(options),
        }
    }
}

fn build(url: &str, spawned: bool) -> Result<Arc<dyn ObjectStore>> {
    let o = options();
    let connector = if spawned {
        Connector::Spawned(SpawnedReqwestConnector::new(io_runtime()?.handle().clone()))
    } else {
        Connector::Direct
    };
    let http = o
        .endpoint
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"));
    let store: object_store::Result<Arc<dyn ObjectStore>> = match provider(url) {
        Some(Provider::S3) => {
            let mut b = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url)
                .with_retry(retry())
                .with_http_connector(connector);
            if let Some(e) = &o.endpoint {
                b = b.with_endpoint(e).with_allow_http(http);
            }
            if let Some(r) = &o.region {
                b = b.with_region(r);
            }
            b.build().map(|s| Arc::new(s) as _)
        }
        Some(Provider::Azure) => {
            let mut b = object_store::azure::MicrosoftAzureBuilder::from_env()
                .with_url(url)
                .with_retry(retry())
                .with_http_connector(connector);
            if let Some(e) = &o.endpoint {
                b = b.with_endpoint(e.clone()).with_allow_http(http);
            }
            b.build().map(|s| Arc::new(s) as _)
        }
        Some(Provider::Gcs) => {
            let mut b = object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_url(url)
                .with_retry(retry())
                .with_http_connector(connector);
            if let Some(e) = &o.endpoint {
                b = b.with_base_url(e);
            }
            b.build().map(|s| Arc::new(s) as _)
        }
        None => {
            return Err(Error::Usage(format!(
                "{url} is not an object-storage URL (s3://, az://, abfs://, gs://)"
            )));
        }
    };
    store.map_err(|e| {
        let what = match provider(url) {
            Some(Provider::S3) => {
                "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile, and AWS_REGION or --region"
            }
            Some(Provider::Azure) => {
                "set AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY (or a SAS token / Azure identity)"
            }
            _ => "set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file",
        };
        Error::Remote {
            url: url.to_owned(),
            message: redact(&e.to_string()),
            hint: what.to_owned(),
        }
    })
}

/// The service's own error code and message out of an XML error body, if the text holds one
/// (`<Code>NoSuchBucket</Code><Message>...</Message>`), in place of the whole body.
fn shorten(msg: &str) -> (String, Option<String>) {
    let tag = |t: &str| {
        let open = format!("<{t}>");
        let close = format!("</{t}>");
        let from = msg.find(&open)? + open.len();
        let to = from + msg[from..].find(&close)?;
        Some(msg[from..to].to_owned())
    };
    match (
        tag("Code"),
        msg.find("<?xml").or_else(|| msg.find("<Error>")),
    ) {
        (Some(code), Some(at)) => {
            let head = msg[..at].trim_end().trim_end_matches(':');
            let text = tag("Message").unwrap_or_default();
            (format!("{head}: {code}: {text}"), Some(code))
        }
        _ => (msg.to_owned(), None),
    }
}

/// Our error for a failed request on `url`, with what to check for its kind.
pub fn remote_error(url: &str, e: &object_store::Error) -> Error {
    let (message, code) = shorten(&e.to_string());
    let code = code.unwrap_or_default();
    let hint = match e {
        _ if code == "NoSuchBucket" || code == "ContainerNotFound" => {
            "no such bucket or container: check its name, and --region for S3"
        }
        _ if code == "AccessDenied" || code == "AuthorizationFailure" => {
            "access denied: the credentials in use may not read or write this bucket"
        }
        _ if code.contains("Signature")
            || code == "InvalidAccessKeyId"
            || code == "AuthenticationFailed" =>
        {
            "the credentials were refused: check the key, token or SAS and that it has not expired"
        }
        _ if code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" => {
            "the bucket is in another region: pass --region or set AWS_REGION"
        }
        object_store::Error::NotFound { .. } => {
            "no such bucket, container or object: check the name (and --region for S3)"
        }
        object_store::Error::PermissionDenied { .. } => {
            "access denied: the credentials in use may not read or write this bucket"
        }
        object_store::Error::Unauthenticated { .. } => {
            "the credentials were refused: check the key, token or SAS and that it has not expired"
        }
        object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. } => {
            "another writer changed this object at the same time: run again"
        }
        _ => {
            "check the endpoint, the region and the network; requests were retried with backoff before giving up"
        }
    };
    Error::Remote {
        url: url.to_owned(),
        message: redact(&message),
        hint: hint.to_owned(),
    }
}

/// Removes secrets from a message: the values of the credential variables in the environment,
/// query strings of URLs (SAS tokens, presigned signatures) and signature headers.
pub fn redact(msg: &str) -> String {
    const SECRET_VARS: [&str; 8] = [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_STORAGE_ACCESS_KEY",
        "AZURE_STORAGE_SAS_KEY",
        "AZURE_STORAGE_TOKEN",
        "AZURE_CLIENT_SECRET",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
    ];
    let mut out = msg.to_owned();
    for v in SECRET_VARS {
        if let Ok(val) = std::env::var(v)
            && val.len() >= 4
        {
            out = out.replace(&val, "***");
        }
    }
    // A URL's query string may carry a SAS token or a presigned signature: drop it.
    let mut cleaned = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = ["http://", "https://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let url_len = rest[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ')'))
            .unwrap_or(rest.len() - at);
        let url = &rest[at..at + url_len];
        cleaned.push_str(&rest[..at]);
        match url.split_once('?') {
            Some((base, _)) => {
                cleaned.push_str(base);
                cleaned.push_str("?***");
            }
            None => cleaned.push_str(url),
        }
        rest = &rest[at + url_len..];
    }
    cleaned.push_str(rest);
    for key in ["Signature=", "sig=", "Credential=", "X-Amz-Security-Token="] {
        while let Some(start) = cleaned.find(key) {
            let from = start + key.len();
            let end = cleaned[from..]
                .find(|c: char| c == ',' || c == '&' || c.is_whitespace())
                .map_or(cleaned.len(), |e| from + e);
            if cleaned[from..end] == *"***" {
                break;
            }
            cleaned.replace_range(from..end, "***");
        }
    }
    cleaned
}

/// A blocking reader over one object's bytes, streamed (never the whole object in memory):
/// a task on the IO runtime fetches the body and hands it over through a small channel.
pub struct ObjectReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<bytes::Bytes>>,
    cur: bytes::Bytes,
}

impl ObjectReader {
    /// Starts streaming `key` from `store`; `url` names it in errors.
    pub fn open(store: Arc<dyn ObjectStore>, key: ObjPath, url: String) -> Result<Self> {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        io_runtime()?.spawn(async move {
            let body = match store.get(&key).await {
                Ok(r) => r.into_stream(),
                Err(e) => {
                    let _ = tx.send(Err(io_error(&url, &e))).await;
                    return;
                }
            };
            let mut body = body;
            while let Some(chunk) = body.next().await {
                let item = chunk.map_err(|e| io_error(&url, &e));
                let stop = item.is_err();
                if tx.send(item).await.is_err() || stop {
                    return;
                }
            }
        });
        Ok(Self {
            rx,
            cur: bytes::Bytes::new(),
        })
    }
}

fn io_error(url: &str, e: &object_store::Error) -> std::io::Error {
    let kind = match e {
        object_store::Error::NotFound { .. } => std::io::ErrorKind::NotFound,
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => std::io::ErrorKind::PermissionDenied,
        _ => std::io::ErrorKind::Other,
    };
    std::io::Error::new(kind, remote_error(url, e).to_string())
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match futures::executor::block_on(self.rx.recv()) {
                Some(Ok(b)) => self.cur = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur[..n]);
        let _ = self.cur.split_to(n);
        Ok(n)
    }
}

/// The process's one [`Registry`], shared by every session (and Ballista's per-task runtimes),
/// so buckets are opened once.
pub fn registry() -> Arc<Registry> {
    static R: LazyLock<Arc<Registry>> = LazyLock::new(|| Arc::new(Registry::default()));
    Arc::clone(&R)
}

/// DataFusion's store registry plus object storage: any `s3://`, `az://` or `gs://` bucket a
/// plan names is opened on first use (with the same credentials and flags), so local sessions,
/// Ballista schedulers and executors all read the same buckets.
#[derive(Debug, Default)]
pub struct Registry {
    inner: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for Registry {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.inner.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        self.inner.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        match self.inner.get_store(url) {
            Ok(s) => Ok(s),
            Err(e) if is_url(url.as_str()) => {
                let root = root_of(url).map_err(|_| e)?;
                let s = store_for(&root)
                    .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
                self.inner.register_store(&root, Arc::clone(&s));
                Ok(s)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_object_storage_urls() {
        assert_eq!(provider("s3://b/p"), Some(Provider::S3));
        assert_eq!(provider("az://c/p"), Some(Provider::Azure));
        assert_eq!(
            provider("abfss://c@acct.dfs.core.windows.net/p"),
            Some(Provider::Azure)
        );
        assert_eq!(provider("gs://b/p"), Some(Provider::Gcs));
        assert_eq!(provider("/var/log/audit.log"), None);
        assert_eq!(provider("file:///tmp/x"), None);
        assert_eq!(provider("C:\\logs"), None);
    }

    #[test]
    fn locations_name_their_keys_and_directories() {
        // (GCS credential errors are tested end to end in tests/cli/remote.rs.)
        let loc = Location::parse("s3://lake/audit/2026").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loc.dir_url(), "s3://lake/audit/2026/");
        assert_eq!(
            loc.url_of(&loc.child("cluster=a/date=b")),
            "s3://lake/audit/2026/cluster=a/date=b"
        );
        assert!(Location::parse("s3:///nobucket").is_err());
        let u = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            root_of(&u("abfss://logs@acct.dfs.core.windows.net/lake/x")).map(String::from),
            Ok("abfss://logs@acct.dfs.core.windows.net".to_owned())
        );
        assert_eq!(
            root_of(&u("s3://lake/audit/")).map(String::from),
            Ok("s3://lake".to_owned())
        );
    }

    #[test]
    fn redacts_secrets_from_messages() {
        let m = "Error performing GET https://acct.blob.core.windows.net/c/x?sv=2022&sig=abcDEF%2B in 1s, \
                 Authorization: AWS4-HMAC-SHA256 Credential=AKIAXYZ/2026, Signature=deadbeef";
        let r = redact(m);
        assert!(!r.contains("abcDEF"), "{r}");
        assert!(!r.contains("deadbeef"), "{r}");
        assert!(!r.contains("AKIAXYZ"), "{r}");
        assert!(
            r.contains("https://acct.blob.core.windows.net/c/x?***"),
            "{r}"
        );
    }
}
