//! Checking a local archive before a query reads it, so a crafted or damaged archive gives a
//! clear error naming the file instead of a bare Parquet error, silently cast columns, or a read
//! outside the archive.
//!
//! DataFusion reads every `*.parquet` under `cluster=*/date=*`, casts a column of another type to
//! ours (an integer `user_name` would read as text) and follows symbolic links. So, for the
//! partitions in the query's scope, each file must be a readable Parquet file whose columns are
//! the archive schema's ([`crate::schema::file_schema`], or a subset of it with every required
//! column: archives of older schema versions lack newer columns) and at most our schema version;
//! each partition folder must be a name `convert` writes; and no link may lead out of the archive.
//! The cost is one footer read per file in scope, which DataFusion then reads again from the
//! page cache.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::parquet::file::metadata::ParquetMetaDataReader;

use crate::error::{Error, Result};
use crate::ingest::scan::sanitize_partition;
use crate::schema::{SCHEMA_VERSION, SCHEMA_VERSION_KEY, file_schema};

/// Which partitions a query reads: days `YYYY-MM-DD` (inclusive, either side open) and clusters
/// (empty: all).
#[derive(Debug, Clone, Default)]
pub struct InScope<'a> {
    pub from_day: Option<String>,
    pub to_day: Option<String>,
    pub clusters: &'a [String],
}

fn bad(path: &Path, reason: impl Into<String>) -> Error {
    Error::Archive {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Checks the files of the archive at `root` that a query in `scope` would read.
pub fn check_local(root: &Path, scope: &InScope<'_>) -> Result<()> {
    let canon_root = root.canonicalize().map_err(|source| Error::Input {
        path: root.to_path_buf(),
        source,
    })?;
    let walk = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            // The archive's own folders (`_manifest`, `_rejects`, `_tmp`) and hidden ones hold
            // no data DataFusion reads.
            e.depth() == 0 || !e.file_name().to_string_lossy().starts_with(['_', '.'])
        });
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
            bad(&path, format!("cannot be listed: {e}"))
        })?;
        let path = entry.path();
        if entry.path_is_symlink() {
            let target = path.canonicalize().map_err(|source| Error::Input {
                path: path.to_path_buf(),
                source,
            })?;
            if !target.starts_with(&canon_root) {
                return Err(bad(
                    path,
                    format!(
                        "is a symbolic link to {}, outside the archive (nothing outside an \
                         archive is read: move the files into it)",
                        target.display()
                    ),
                ));
            }
        }
        let rel: Vec<String> = path
            .strip_prefix(root)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        match (entry.file_type().is_dir(), rel.as_slice()) {
            (true, [c]) => {
                let Some(cluster) = c.strip_prefix("cluster=") else {
                    continue;
                };
                if sanitize_partition(cluster) != cluster {
                    return Err(bad(
                        path,
                        format!(
                            "cluster {cluster:?} is not a partition name convert writes \
                             (letters, digits, '.', '_', '-'; not starting with '.')"
                        ),
                    ));
                }
            }
            (true, [_, d]) => {
                if let Some(day) = d.strip_prefix("date=")
                    && crate::ingest::timestamp::parse_micros(day).is_none_or(|_| day.len() != 10)
                {
                    return Err(bad(path, format!("date {day:?} is not a day (YYYY-MM-DD)")));
                }
            }
            // DataFusion reads a file below its partition folders at any depth.
            (false, [c, d, .., name]) if name.ends_with(".parquet") => {
                let (Some(cluster), Some(day)) =
                    (c.strip_prefix("cluster="), d.strip_prefix("date="))
                else {
                    continue;
                };
                let wanted =
                    scope.clusters.is_empty() || scope.clusters.iter().any(|x| x == cluster);
                let in_days = scope.from_day.as_deref().is_none_or(|f| day >= f)
                    && scope.to_day.as_deref().is_none_or(|t| day <= t);
                if wanted && in_days {
                    check_file(path)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks one Parquet file: a readable footer, our columns with our types, our version or older.
pub fn check_file(path: &Path) -> Result<()> {
    let file = File::open(path).map_err(|source| Error::Input {
        path: path.to_path_buf(),
        source,
    })?;
    let meta = ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .map_err(|e| bad(path, format!("is not a readable Parquet file: {e}")))?;
    let fm = meta.file_metadata();
    let kv = fm.key_value_metadata();
    if let Some(v) = kv
        .and_then(|kv| kv.iter().find(|k| k.key == SCHEMA_VERSION_KEY))
        .and_then(|k| k.value.as_deref())
    {
        let newer = match (v.parse::<u32>(), SCHEMA_VERSION.parse::<u32>()) {
            (Ok(v), Ok(ours)) => v > ours,
            _ => true,
        };
        if newer {
            return Err(bad(
                path,
                format!(
                    "has schema version {v:?}, this audithound reads {SCHEMA_VERSION} and older \
                     (upgrade audithound)"
                ),
            ));
        }
    }
    let schema = parquet_to_arrow_schema(fm.schema_descr(), kv)
        .map_err(|e| bad(path, format!("has no readable schema: {e}")))?;
    let ours = file_schema();
    for f in schema.fields() {
        let Ok(want) = ours.field_with_name(f.name()) else {
            return Err(bad(
                path,
                format!(
                    "has column {:?}, which is not in the archive schema",
                    f.name()
                ),
            ));
        };
        if !want.data_type().equals_datatype(f.data_type()) {
            return Err(bad(
                path,
                format!(
                    "column {:?} is {}, the archive schema says {}",
                    f.name(),
                    f.data_type(),
                    want.data_type()
                ),
            ));
        }
    }
    for want in ours.fields().iter().filter(|f| !f.is_nullable()) {
        if schema.field_with_name(want.name()).is_err() {
            return Err(bad(
                path,
                format!("lacks column {:?}, which every event has", want.name()),
            ));
        }
    }
    Ok(())
}

/// A file named in the manifest, if it is one `convert` writes: `cluster=C/date=D/NAME.parquet`,
/// relative, with no `..`, so deleting it (with `--force`) never reaches outside the archive.
pub fn safe_part_path(rel: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = rel.split('/').collect();
    let [c, d, name] = parts.as_slice() else {
        return None;
    };
    let cluster = c.strip_prefix("cluster=")?;
    let day = d.strip_prefix("date=")?;
    let ok = sanitize_partition(cluster) == *cluster
        && day.len() == 10
        && crate::ingest::timestamp::parse_micros(day).is_some()
        && name.ends_with(".parquet")
        && sanitize_partition(name) == *name;
    ok.then(|| Path::new(c).join(d).join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_partition_files_are_safe_to_delete() {
        assert!(safe_part_path("cluster=a/date=2026-01-05/part-0123-0.parquet").is_some());
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            "cluster=../date=2026-01-05/x.parquet",
            "cluster=a/date=../x.parquet",
            "cluster=a/date=2026-01-05/../../x.parquet",
            "cluster=a/date=2026-01-05/..",
            "cluster=a/date=2026-01-05/x.txt",
            "cluster=a/date=2026-01-05/sub/x.parquet",
            "cluster=.hidden/date=2026-01-05/x.parquet",
        ] {
            assert!(safe_part_path(bad).is_none(), "{bad}");
        }
    }
}
