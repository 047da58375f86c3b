//! Finding inputs (files, directories, glob patterns, `-` for stdin, and objects under an
//! `s3://`, `az://` or `gs://` prefix) and opening them with the right decompressor, recognised
//! from the first bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), not the file name. Objects are
//! streamed ([`crate::store::ObjectReader`]), never held whole in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::store::{Location, ObjectReader};

/// Copies standard input into `to` (a spool file, so the input can be read more than once), at
/// most `cap` bytes (`--max-input-bytes`): stored bytes are at most the decompressed ones, so
/// more than the cap can only be refused, and an endless stream would fill the disk. Write and
/// read errors go through `io_err`.
pub fn spool_stdin(
    to: &mut impl std::io::Write,
    cap: u64,
    io_err: impl FnOnce(std::io::Error) -> Error,
) -> Result<()> {
    let copied = std::io::copy(&mut std::io::stdin().lock().take(cap.saturating_add(1)), to)
        .map_err(io_err)?;
    if copied > cap {
        return Err(Error::Usage(format!(
            "standard input is larger than --max-input-bytes ({cap} bytes): \
             raise the cap, or give the logs as files"
        )));
    }
    Ok(())
}

/// One input: a file, standard input or an object in a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
    /// Standard input copied to a file, so it can be read more than once; named `-`.
    Spooled(PathBuf),
    /// An object in object storage (its location's path is the object's key).
    Object(ObjectSource),
}

/// An object found by listing a prefix: where it is, its size and last-modified time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSource {
    pub loc: Location,
    pub size: u64,
    /// Seconds since 1970.
    pub mtime: i64,
}

/// How a source was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

const READ_BUFFER: usize = 1 << 20;

impl Source {
    /// The name recorded in `source_file` and in reject records.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin | Source::Spooled(_) => "-".to_owned(),
            Source::File(p) => p.display().to_string(),
            Source::Object(o) => o.loc.url_of(&o.loc.path),
        }
    }

    /// Size on disk, if known (for progress).
    pub fn size(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::File(p) | Source::Spooled(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Object(o) => Some(o.size),
        }
    }

    /// Opens the raw (possibly compressed) byte stream.
    pub fn open_raw(&self) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::Stdin => Ok(Box::new(std::io::stdin())),
            Source::File(p) | Source::Spooled(p) => File::open(p)
                .map(|f| Box::new(f) as Box<dyn Read + Send>)
                .map_err(|source| Error::Input {
                    path: p.clone(),
                    source,
                }),
            Source::Object(o) => Ok(Box::new(ObjectReader::open(
                std::sync::Arc::clone(&o.loc.store),
                o.loc.path.clone(),
                self.name(),
            )?)),
        }
    }

    /// Opens the source and wraps it in the decompressor its first bytes call for.
    pub fn open(&self) -> Result<(Box<dyn BufRead + Send>, Compression)> {
        self.open_via(|raw| raw)
    }

    /// Like [`Source::open`], with `wrap` between the stored bytes and the decompressor (convert
    /// hashes the stored bytes as they are read this way).
    pub fn open_via(
        &self,
        wrap: impl FnOnce(Box<dyn Read + Send>) -> Box<dyn Read + Send>,
    ) -> Result<(Box<dyn BufRead + Send>, Compression)> {
        let raw = wrap(self.open_raw()?);
        decode(raw).map_err(|source| Error::Input {
            path: PathBuf::from(self.name()),
            source,
        })
    }
}

/// Wraps `raw` in a gzip or zstd decoder if its first bytes say so.
pub fn decode(
    raw: Box<dyn Read + Send>,
) -> std::io::Result<(Box<dyn BufRead + Send>, Compression)> {
    let mut r = BufReader::with_capacity(READ_BUFFER, raw);
    let head = r.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let d = flate2::bufread::MultiGzDecoder::new(r);
        Ok((
            Box::new(BufReader::with_capacity(READ_BUFFER, d)),
            Compression::Gzip,
        ))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let d = zstd::stream::read::Decoder::with_buffer(r)?;
        Ok((
            Box::new(BufReader::with_capacity(READ_BUFFER, d)),
            Compression::Zstd,
        ))
    } else {
        Ok((Box::new(r), Compression::None))
    }
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

fn walk_files(dir: &Path, out: &mut Vec<Source>) -> Result<()> {
    // Sorted, so the same tree always gives the same order (and the same output).
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| Error::Input {
            path: e
                .path()
                .map_or_else(|| dir.to_path_buf(), Path::to_path_buf),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("filesystem loop")),
        })?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.') && entry.depth() > 0;
        if entry.file_type().is_file() && !hidden {
            out.push(Source::File(entry.into_path()));
        }
    }
    Ok(())
}

/// One object, or every object under a prefix (sorted by key, hidden names left out).
fn expand_url(arg: &str, out: &mut Vec<Source>) -> Result<()> {
    let loc = Location::parse(arg)?;
    let object = |loc: Location, m: &object_store::ObjectMeta| {
        Source::Object(ObjectSource {
            loc,
            size: m.size,
            mtime: m.last_modified.timestamp(),
        })
    };
    if !arg.ends_with('/')
        && let Some(m) = loc.head()?
    {
        out.push(object(loc, &m));
        return Ok(());
    }
    let found = loc.list()?;
    if found.is_empty() {
        return Err(Error::NoMatch(arg.to_owned()));
    }
    for m in &found {
        let mut one = loc.clone();
        one.path = m.location.clone();
        out.push(object(one, m));
    }
    Ok(())
}

/// Expands the command line's inputs into sources, in the order given (directories sorted).
pub fn expand(inputs: &[String]) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for arg in inputs {
        if arg == "-" {
            out.push(Source::Stdin);
            continue;
        }
        if crate::store::is_url(arg) {
            expand_url(arg, &mut out)?;
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let before = out.len();
            walk_files(path, &mut out)?;
            if out.len() == before {
                return Err(Error::NoMatch(arg.clone()));
            }
        } else if path.exists() || !is_glob(arg) {
            // A missing plain path fails here, naming it.
            std::fs::metadata(path).map_err(|source| Error::Input {
                path: path.to_path_buf(),
                source,
            })?;
            out.push(Source::File(path.to_path_buf()));
        } else {
            let glob = globset::GlobBuilder::new(arg)
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Usage(format!("bad glob pattern {arg:?}: {e}")))?
                .compile_matcher();
            // Walk from the longest leading part without wildcards.
            let base: PathBuf = path
                .components()
                .take_while(|c| !is_glob(&c.as_os_str().to_string_lossy()))
                .collect();
            let base = if base.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                base
            };
            let mut found = Vec::new();
            walk_files(&base, &mut found)?;
            let before = out.len();
            for s in found {
                if let Source::File(p) = &s {
                    let rel = p.strip_prefix("./").unwrap_or(p);
                    if glob.is_match(p) || glob.is_match(rel) {
                        out.push(s);
                    }
                }
            }
            if out.len() == before {
                return Err(Error::NoMatch(arg.clone()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn recognises_compression_from_content() {
        let plain = b"{\"a\":1}\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap_or_default();
        let gz = gz.finish().unwrap_or_default();
        let zst = zstd::encode_all(&plain[..], 1).unwrap_or_default();
        for (bytes, want) in [
            (plain.clone(), Compression::None),
            (gz, Compression::Gzip),
            (zst, Compression::Zstd),
        ] {
            let (mut r, c) =
                decode(Box::new(std::io::Cursor::new(bytes))).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c, want);
            let mut s = Vec::new();
            r.read_to_end(&mut s).unwrap_or_default();
            assert_eq!(s, plain);
        }
    }

    #[test]
    fn expands_dirs_globs_and_names_missing_inputs() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("sub");
        std::fs::create_dir_all(&sub).unwrap_or_default();
        for name in ["b.log", "a.log", "sub/c.log.gz", ".hidden"] {
            std::fs::write(dir.path().join(name), "x").unwrap_or_default();
        }
        let d = dir.path().display().to_string();
        let all = expand(std::slice::from_ref(&d)).unwrap_or_default();
        let names: Vec<String> = all.iter().map(|s| s.name().replace(&d, "")).collect();
        assert_eq!(names, ["/a.log", "/b.log", "/sub/c.log.gz"]);
        let g = expand(&[format!("{d}/*.log")]).unwrap_or_default();
        assert_eq!(g.len(), 2);
        let g = expand(&[format!("{d}/**/*.gz")]).unwrap_or_default();
        assert_eq!(g.len(), 1);
        let missing = expand(&[format!("{d}/nope.log")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(missing.contains("nope.log"), "{missing}");
        assert!(matches!(
            expand(&[format!("{d}/*.zzz")]),
            Err(Error::NoMatch(_))
        ));
    }
}
