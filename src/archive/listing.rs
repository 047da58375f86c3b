//! Listing only the days a query asks for, on an archive in object storage.
//!
//! DataFusion prunes hive partitions after listing them, and for a range filter on `date` it
//! lists every file under the table's root. On a bucket holding a year of many clusters that is
//! thousands of list requests for a one-day hunt. [`DayListing`] wraps the bucket's store: a
//! listing of the archive's root (or of one `cluster=` folder) becomes a delimiter listing of the
//! `cluster=` folders, then of their `date=` folders, and only the `date=` folders inside the
//! range are listed for files (or, when the range holds most of a cluster's days and more than a
//! month, the cluster's folder at once: fewer requests). Everything else goes to the inner store
//! unchanged.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};

/// Above this many days in scope (and half a cluster's days), a cluster is listed flat.
const FLAT_ABOVE_DAYS: usize = 31;

/// A store whose listings under `root` skip the `date=` folders outside `[from, to]`.
#[derive(Debug)]
pub struct DayListing {
    pub inner: Arc<dyn ObjectStore>,
    /// The archive's key prefix in the bucket.
    pub root: Path,
    /// First and last day (`YYYY-MM-DD`, inclusive) to list; `None` leaves that side open.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl fmt::Display for DayListing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DayListing({})", self.inner)
    }
}

impl DayListing {
    fn wanted_day(&self, folder: &str) -> bool {
        let Some(day) = folder.strip_prefix("date=") else {
            return false;
        };
        self.from.as_deref().is_none_or(|f| day >= f) && self.to.as_deref().is_none_or(|t| day <= t)
    }

    /// The parts of `prefix` below the root, if `prefix` is the root or under it.
    fn below_root(&self, prefix: Option<&Path>) -> Option<Vec<String>> {
        let p = prefix.cloned().unwrap_or_default();
        let rest = p.prefix_match(&self.root)?;
        Some(rest.map(|x| x.as_ref().to_owned()).collect())
    }
}

async fn folders(store: &dyn ObjectStore, at: &Path) -> object_store::Result<Vec<Path>> {
    let mut out = store.list_with_delimiter(Some(at)).await?.common_prefixes;
    out.sort();
    Ok(out)
}

#[async_trait]
impl ObjectStore for DayListing {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let narrow = self.from.is_some() || self.to.is_some();
        let below = self.below_root(prefix);
        let cluster_level = match below.as_deref() {
            Some([]) => None,
            Some([c]) if c.starts_with("cluster=") => Some(c.clone()),
            _ => return self.inner.list(prefix),
        };
        if !narrow {
            return self.inner.list(prefix);
        }
        let inner = Arc::clone(&self.inner);
        let root = self.root.clone();
        let this = DayListing {
            inner: Arc::clone(&self.inner),
            root: self.root.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        };
        let days = async move {
            let clusters = match cluster_level {
                Some(c) => vec![root.clone().join(c)],
                None => folders(inner.as_ref(), &root)
                    .await?
                    .into_iter()
                    .filter(|p| p.filename().is_some_and(|n| n.starts_with("cluster=")))
                    .collect(),
            };
            let mut days = Vec::new();
            for c in clusters {
                let all = folders(inner.as_ref(), &c).await?;
                let wanted: Vec<Path> = all
                    .iter()
                    .filter(|d| d.filename().is_some_and(|n| this.wanted_day(n)))
                    .cloned()
                    .collect();
                // Many days wanted: one flat listing of the cluster (1,000 keys a request)
                // costs fewer requests than one per day; DataFusion drops the other days.
                if wanted.len() > FLAT_ABOVE_DAYS && wanted.len() * 2 > all.len() {
                    days.push(c);
                } else {
                    days.extend(wanted);
                }
            }
            Ok::<_, object_store::Error>((inner, days))
        };
        futures::stream::once(days)
            .flat_map(|r| match r {
                Ok((inner, days)) => futures::stream::iter(days)
                    .flat_map(move |d| inner.list(Some(&d)))
                    .boxed(),
                Err(e) => futures::stream::once(async { Err(e) }).boxed(),
            })
            .boxed()
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn lists_only_the_days_in_range() {
        let mem = Arc::new(InMemory::new());
        for k in [
            "lake/cluster=a/date=2026-01-01/part-1.parquet",
            "lake/cluster=a/date=2026-01-02/part-1.parquet",
            "lake/cluster=a/date=2026-01-03/part-1.parquet",
            "lake/cluster=b/date=2026-01-02/part-1.parquet",
            "lake/_manifest/inputs.ndjson",
            "other/cluster=a/date=2026-01-02/part-1.parquet",
        ] {
            mem.put(&Path::from(k), PutPayload::from_static(b"x"))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let day = DayListing {
            inner: mem.clone(),
            root: Path::from("lake"),
            from: Some("2026-01-02".into()),
            to: Some("2026-01-02".into()),
        };
        let keys = |p: Option<&'static str>| {
            let prefix = p.map(Path::from);
            let s = day.list(prefix.as_ref());
            async move {
                let mut v: Vec<String> = s
                    .map_ok(|m| m.location.to_string())
                    .try_collect()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                v.sort();
                v
            }
        };
        assert_eq!(
            keys(Some("lake")).await,
            [
                "lake/cluster=a/date=2026-01-02/part-1.parquet",
                "lake/cluster=b/date=2026-01-02/part-1.parquet"
            ]
        );
        assert_eq!(
            keys(Some("lake/cluster=b")).await,
            ["lake/cluster=b/date=2026-01-02/part-1.parquet"]
        );
        // Outside the archive, or below a day, the listing is the inner store's.
        assert_eq!(keys(Some("other")).await.len(), 1);
        assert_eq!(keys(Some("lake/cluster=a/date=2026-01-03")).await.len(), 1);
        let open = DayListing {
            from: None,
            to: None,
            ..day
        };
        assert_eq!(open.list(Some(&Path::from("lake"))).count().await, 5);
    }
}
