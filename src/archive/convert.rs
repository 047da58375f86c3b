//! `convert`: inputs → a partitioned Parquet archive, `DIR/cluster=<c>/date=<d>/part-*.parquet`.
//!
//! Per input: hash its content (blake3), skip it if the archive's manifest already holds that
//! hash (unless `--force`), scan it into batches, split the batches by partition, buffer them
//! (bounded: a partition's buffer is flushed when it reaches `chunk_bytes`, the largest one when
//! the total passes `buffer_bytes`), sort each
//! flushed chunk by [`SORT_ORDER`] and write it as its own row groups. Files are written under
//! `DIR/_tmp/` and renamed into place when the input is done; their names derive from the input's
//! hash, so running again after an interruption, or with `--force`, replaces instead of
//! duplicating. The manifest line is written last.
//!
//! Crash safety (tested by killing convert at every [`crash_point`], `tests/cli/hardening.rs`):
//! a part is flushed to disk before its rename, the folders after the renames, and the manifest
//! is replaced atomically (temporary file, fsync, rename, fsync of the folder). A reader never
//! sees half a file; between a crash and the next run it may see some partitions of the input
//! that was being committed, and the next run, not finding that input in the manifest, converts
//! it again under the same names, so every event ends up in the archive exactly once.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::compute::take_record_batch;
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use crate::archive::encode::PartFile;
use crate::archive::encode::writer_props;
use crate::error::{Error, Result};
use crate::ingest::input::{Source, spool_stdin};
use crate::ingest::scan::{Reject, ScanOptions, ScanStats, scan_reader};
use crate::progress::Progress;
use crate::schema::{SORT_ORDER, col, file_schema};
use crate::store::Location;

/// Row order inside each row group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RowOrder {
    /// `authz_decision, user_name, event_time` (the default; see src/schema.md, "Row order").
    #[default]
    Decision,
    /// `event_time` only, as the logs come (kept for benchmarking the choice).
    Time,
}

impl RowOrder {
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            RowOrder::Decision => &SORT_ORDER,
            RowOrder::Time => &["event_time"],
        }
    }
}

/// Where an archive lives: a local directory, or a prefix in object storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveDir {
    Local(PathBuf),
    /// `s3://bucket/prefix` and the like: parts are written to a local staging folder, then
    /// uploaded (a multipart upload is visible only once complete); the manifest is replaced
    /// with a conditional put, so concurrent runs cannot lose each other's entries.
    Remote(Location),
}

impl ArchiveDir {
    /// A URL (`s3://...`, `az://...`, `gs://...`) or a local path.
    pub fn parse(s: &str) -> Result<Self> {
        if crate::store::is_url(s) {
            Ok(ArchiveDir::Remote(Location::parse(s)?))
        } else {
            Ok(ArchiveDir::Local(PathBuf::from(s)))
        }
    }

    /// The path or URL, for messages.
    pub fn display(&self) -> String {
        match self {
            ArchiveDir::Local(p) => p.display().to_string(),
            ArchiveDir::Remote(l) => l.dir_url(),
        }
    }

    /// The archive's manifest: content hash → entry (empty if there is none yet).
    pub fn read_manifest(&self) -> Result<BTreeMap<String, ManifestEntry>> {
        match self {
            ArchiveDir::Local(p) => read_manifest(p),
            ArchiveDir::Remote(l) => Ok(l
                .read_small(&l.child(MANIFEST))?
                .map(|(b, _)| parse_manifest(&String::from_utf8_lossy(&b)))
                .unwrap_or_default()),
        }
    }

    /// True if this looks like an archive written by `convert`.
    pub fn is_archive(&self) -> Result<bool> {
        match self {
            ArchiveDir::Local(p) => Ok(is_archive(p)),
            ArchiveDir::Remote(l) => {
                if l.head_of(&l.child(MANIFEST))?.is_some() {
                    return Ok(true);
                }
                let store = Arc::clone(&l.store);
                let prefix = l.path.clone();
                let listed = crate::store::block_on(async move {
                    store.list_with_delimiter(Some(&prefix)).await
                })?
                .map_err(|e| crate::store::remote_error(&l.dir_url(), &e))?;
                Ok(listed
                    .common_prefixes
                    .iter()
                    .any(|p| p.filename().is_some_and(|n| n.starts_with("cluster="))))
            }
        }
    }
}

/// Options of `convert`.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub out: ArchiveDir,
    pub scan: ScanOptions,
    /// Convert inputs again even if the manifest says they are in the archive.
    pub force: bool,
    /// Rows per row group at most.
    pub row_group_rows: usize,
    /// Buffered Arrow bytes across partitions before the largest buffer is written out.
    pub buffer_bytes: usize,
    /// One partition's buffered Arrow bytes before it is written out. Bounds memory when the
    /// input is in time order (then one day's partition takes everything): the encoder holds a
    /// chunk and its sorted copy, one more waits, so the peak is about `buffer_bytes` plus three
    /// chunks, whatever the input size.
    pub chunk_bytes: usize,
    pub zstd_level: i32,
    pub order: RowOrder,
    pub progress: bool,
}

impl ConvertOptions {
    /// Options for a local archive directory.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self::at(ArchiveDir::Local(out.into()))
    }

    /// Options for an archive anywhere.
    pub fn at(out: ArchiveDir) -> Self {
        Self {
            out,
            scan: ScanOptions::default(),
            force: false,
            row_group_rows: 128 * 1024,
            buffer_bytes: 160 << 20,
            chunk_bytes: 64 << 20,
            zstd_level: 1,
            order: RowOrder::Decision,
            progress: false,
        }
    }
}

/// What `convert` did, for the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConvertSummary {
    pub inputs: u64,
    /// Inputs skipped because the archive already holds them.
    pub skipped_inputs: Vec<String>,
    #[serde(flatten)]
    pub scan: ScanStats,
    /// Bytes of the inputs as stored (compressed or not).
    pub input_bytes: u64,
    pub files_written: u64,
    pub bytes_written: u64,
    pub seconds: f64,
    /// Where this run's rejected lines were recorded (paths or URLs), one per input that had any.
    pub reject_files: Vec<String>,
}

/// One line of `DIR/_manifest/inputs.ndjson`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub hash: String,
    pub name: String,
    /// Size and modification time (seconds) when converted: a file seen again with both
    /// unchanged is hashed before converting, so a re-run skips it without parsing it.
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub mtime: Option<i64>,
    pub events: u64,
    pub rejected: u64,
    pub files: Vec<String>,
}

const MANIFEST: &str = "_manifest/inputs.ndjson";

fn out_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Output {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads the manifest: content hash → entry.
pub fn read_manifest(dir: &Path) -> Result<BTreeMap<String, ManifestEntry>> {
    let path = dir.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => return Err(Error::Input { path, source }),
    };
    Ok(parse_manifest(&text))
}

fn parse_manifest(text: &str) -> BTreeMap<String, ManifestEntry> {
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        // A torn last line (killed while appending) is ignored: that input is simply redone.
        if let Ok(e) = serde_json::from_str::<ManifestEntry>(line) {
            out.insert(e.hash.clone(), e);
        }
    }
    out
}

fn hash_reader(mut r: impl Read) -> std::io::Result<String> {
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().to_hex().to_string())
}

/// Feeds every byte read to a hash (which counts them too).
struct HashingReader {
    inner: Box<dyn Read + Send>,
    hasher: Arc<Mutex<blake3::Hasher>>,
}

impl Read for HashingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hasher.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// A partition's key: (cluster, date).
type Key = (String, String);
/// Hands one partition's buffered batches to the encoder.
type ChunkSender = SyncSender<(Key, Vec<RecordBatch>)>;
/// The encoder thread; it returns the temporary files it wrote.
type Encoder = JoinHandle<Result<Vec<PathBuf>>>;

/// Encodes sorted chunks into one Parquet file per partition, on its own thread, so encoding
/// and compression run beside parsing instead of after it; each chunk's columns are encoded on
/// `threads` threads ([`PartFile::write_sorted`]).
fn spawn_encoder(
    props: WriterProperties,
    tmp: PathBuf,
    opts: &ConvertOptions,
) -> (ChunkSender, Encoder) {
    let (tx, rx) = sync_channel::<(Key, Vec<RecordBatch>)>(1);
    let (order, max_rows, threads) = (opts.order, opts.row_group_rows, opts.scan.threads);
    let work = move || -> Result<Vec<PathBuf>> {
        let mut files: BTreeMap<Key, PartFile> = BTreeMap::new();
        for (key, batches) in rx {
            let file = match files.entry(key) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let (cluster, date) = e.key();
                    let dir = tmp
                        .join(format!("cluster={cluster}"))
                        .join(format!("date={date}"));
                    fs::create_dir_all(&dir).map_err(out_err(&dir))?;
                    e.insert(PartFile::create(dir.join("part.parquet.tmp"), &props)?)
                }
            };
            // Every row group is one sorted chunk (or a slice of one).
            file.write_sorted(&batches, order, max_rows, threads)?;
        }
        files.into_values().map(PartFile::close).collect()
    };
    let handle = std::thread::Builder::new()
        .name("parquet-encoder".into())
        .spawn(work)
        .unwrap_or_else(|_| {
            std::thread::spawn(|| Err(Error::Usage("cannot start the encoder thread".into())))
        });
    (tx, handle)
}

/// Splits batches by partition and buffers them (bounded), handing the largest buffer to the
/// encoder when it reaches `chunk_bytes` or the total passes `buffer_bytes`.
struct PartitionWriter<'a> {
    opts: &'a ConvertOptions,
    buffers: BTreeMap<Key, (Vec<RecordBatch>, usize)>,
    buffered: usize,
    tx: Option<ChunkSender>,
    encoder: Option<Encoder>,
}

/// The bytes a batch's values take. Not its buffers' capacities: those depend on how the
/// parser sized its builders, which depends on which worker parsed the block before, so on the
/// thread count. Chunks are cut by this size, and a chunk is a row group, so the archive's bytes
/// would change with the machine's cores.
fn data_size(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| {
            c.to_data()
                .get_slice_memory_size()
                .unwrap_or_else(|_| c.get_array_memory_size())
        })
        .sum()
}

impl PartitionWriter<'_> {
    fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        let clusters = batch.column(col::CLUSTER).as_string::<i32>();
        let dates = batch.column(col::DATE).as_string::<i32>();
        let n = batch.num_rows();
        let mut groups: BTreeMap<(&str, &str), Vec<u32>> = BTreeMap::new();
        for i in 0..n {
            groups
                .entry((clusters.value(i), dates.value(i)))
                .or_default()
                .push(i as u32);
        }
        let file_cols: Vec<usize> = (0..file_schema().fields().len()).collect();
        for ((c, d), idx) in groups {
            let part = if idx.len() == n {
                batch.clone()
            } else {
                take_record_batch(batch, &datafusion::arrow::array::UInt32Array::from(idx))?
            };
            let part = part.project(&file_cols)?;
            let size = data_size(&part);
            let e = self
                .buffers
                .entry((c.to_owned(), d.to_owned()))
                .or_default();
            e.0.push(part);
            e.1 += size;
            self.buffered += size;
            if e.1 >= self.opts.chunk_bytes {
                self.flush(&(c.to_owned(), d.to_owned()))?;
            }
        }
        while self.buffered > self.opts.buffer_bytes {
            let Some(key) = self
                .buffers
                .iter()
                .max_by_key(|(_, (_, s))| *s)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.flush(&key)?;
        }
        Ok(())
    }

    fn flush(&mut self, key: &Key) -> Result<()> {
        let Some((batches, size)) = self.buffers.remove(key) else {
            return Ok(());
        };
        self.buffered -= size;
        if batches.is_empty() {
            return Ok(());
        }
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send((key.clone(), batches)).is_ok());
        if !sent {
            // The encoder stopped: its error says why.
            self.tx = None;
            return match self.encoder.take().map(JoinHandle::join) {
                Some(Ok(Err(e))) => Err(e),
                _ => Err(Error::Usage(
                    "the Parquet encoder stopped unexpectedly".into(),
                )),
            };
        }
        Ok(())
    }

    /// Writes what is left and closes the files; returns the temp paths.
    fn finish(mut self) -> Result<Vec<PathBuf>> {
        let keys: Vec<_> = self.buffers.keys().cloned().collect();
        for k in keys {
            self.flush(&k)?;
        }
        self.tx = None;
        match self.encoder.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            _ => Err(Error::Usage(
                "the Parquet encoder stopped unexpectedly".into(),
            )),
        }
    }
}

/// `TMP/cluster=c/date=d/part.parquet.tmp` → `cluster=c/date=d/part-<hash>-0.parquet`: the name
/// derives from the input's content, so converting it again replaces rather than duplicates.
fn final_name(tmp_file: &Path, tmp: &Path, hash: &str) -> PathBuf {
    let rel = tmp_file.strip_prefix(tmp).unwrap_or(tmp_file);
    rel.with_file_name(format!("part-{}-0.parquet", &hash[..16]))
}

/// Converts `sources` into the archive at `opts.out`.
pub fn convert(sources: &[Source], opts: &ConvertOptions) -> Result<ConvertSummary> {
    let start = Instant::now();
    // Parts are written under a work folder and committed from there: renamed into a local
    // archive, uploaded to a remote one (from a staging folder in the system's temp space).
    let staging;
    let (out, remote) = match &opts.out {
        ArchiveDir::Local(p) => (p.clone(), None),
        ArchiveDir::Remote(l) => {
            staging = tempfile::Builder::new()
                .prefix("audithound-staging-")
                .tempdir()
                .map_err(out_err(&std::env::temp_dir()))?;
            (staging.path().to_path_buf(), Some(l))
        }
    };
    let out = &out;
    fs::create_dir_all(out).map_err(out_err(out))?;
    // One writer at a time: another convert into this directory holds `_lock` (an advisory
    // lock the OS releases when that process ends, even killed), and its `_tmp/` is its own.
    let _lock = lock_archive(out)?;
    crash_point("archive locked");
    let tmp_root = out.join("_tmp");
    // Leftovers of an interrupted run are never visible (they are not *.parquet); clear them.
    if tmp_root.exists() {
        fs::remove_dir_all(&tmp_root).map_err(out_err(&tmp_root))?;
    }
    let mut manifest = opts.out.read_manifest()?;
    let props = writer_props(opts)?;
    let mut summary = ConvertSummary::default();
    let total: u64 = sources.iter().filter_map(Source::size).sum();
    let progress = Progress::bytes(opts.progress, total, "converting");
    let mut events_so_far = 0u64;
    for src in sources {
        let name = src.name();
        fs::create_dir_all(&tmp_root).map_err(out_err(&tmp_root))?;
        // Standard input is spooled to disk first so it can be hashed and deduplicated too.
        let (file, size, mtime, _spool) = match src {
            Source::Object(o) => (src.clone(), o.size, Some(o.mtime), None),
            Source::File(_) | Source::Spooled(_) | Source::Stdin => {
                let path = match src {
                    Source::File(p) | Source::Spooled(p) => p.clone(),
                    _ => {
                        let spool = tmp_root.join(format!("stdin-{}.spool", std::process::id()));
                        let mut f = File::create(&spool).map_err(out_err(&spool))?;
                        spool_stdin(&mut f, opts.scan.max_input, out_err(&spool))?;
                        spool
                    }
                };
                let meta = fs::metadata(&path).map_err(|source| Error::Input {
                    path: path.clone(),
                    source,
                })?;
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                let spool = (src == &Source::Stdin).then(|| path.clone());
                (Source::File(path), meta.len(), mtime, spool)
            }
        };
        summary.inputs += 1;
        summary.input_bytes += size;
        // Deduplication is by content hash. A file that looks converted before (same name,
        // size and time) is hashed first, so a re-run skips it cheaply; any other file is
        // hashed as the scan reads it, and dropped at the end if the hash turns out to be
        // known after all (the same content under another name). An object that looks
        // converted before is skipped unread: objects are not changed in place, a new upload
        // under the same key has a new modification time.
        let looks_seen = manifest
            .values()
            .any(|e| e.name == name && e.size == size && e.mtime == mtime);
        if looks_seen && matches!(src, Source::Object(_)) && !opts.force {
            summary.skipped_inputs.push(name);
            progress.inc(size);
            continue;
        }
        let hash_of = |s: &Source| {
            let r = s.open_raw()?;
            hash_reader(r).map_err(|source| Error::Input {
                path: PathBuf::from(s.name()),
                source,
            })
        };
        let mut early_hash = None;
        if looks_seen || src == &Source::Stdin {
            let h = hash_of(&file)?;
            if manifest.contains_key(&h) && !opts.force {
                summary.skipped_inputs.push(name);
                progress.inc(size);
                continue;
            }
            early_hash = Some(h);
        }
        let hashed_early = early_hash.is_some();
        let tmp = tmp_root.join(format!("input-{}", summary.inputs));
        fs::create_dir_all(&tmp).map_err(out_err(&tmp))?;
        let reject_tmp = tmp.join("rejects.ndjson");
        let mut rejects: Option<BufWriter<File>> = None;
        let (tx, encoder) = spawn_encoder(props.clone(), tmp.clone(), opts);
        let mut pw = PartitionWriter {
            opts,
            buffers: BTreeMap::new(),
            buffered: 0,
            tx: Some(tx),
            encoder: Some(encoder),
        };
        // Otherwise the input is hashed as the scan reads it: one read of the file, not two.
        let hashing = (!hashed_early).then(|| Arc::new(Mutex::new(blake3::Hasher::new())));
        let (reader, _) = match &hashing {
            None => file.open()?,
            Some(h) => file.open_via(|inner| {
                Box::new(HashingReader {
                    inner,
                    hasher: Arc::clone(h),
                })
            })?,
        };
        let stats = scan_reader(
            reader,
            &name,
            &opts.scan,
            &mut |b| {
                crash_point("read a batch");
                events_so_far += b.num_rows() as u64;
                let secs = start.elapsed().as_secs_f64().max(1e-3);
                progress.set_message(format!(
                    "{events_so_far} events, {:.0} events/s",
                    events_so_far as f64 / secs
                ));
                pw.push(&b)
            },
            &mut |r: &Reject| {
                if rejects.is_none() {
                    let f = File::create(&reject_tmp).map_err(out_err(&reject_tmp))?;
                    rejects = Some(BufWriter::new(f));
                }
                if let Some(w) = rejects.as_mut() {
                    serde_json::to_writer(&mut *w, r)?;
                    w.write_all(b"\n").map_err(out_err(&reject_tmp))?;
                }
                Ok(())
            },
            &|n| progress.inc_decompressed(n),
        )?;
        let read_whole = hashing.and_then(|h| {
            let h = h.lock().ok()?;
            (h.count() == size).then(|| h.finalize().to_hex().to_string())
        });
        // Hashed early, or the scan stopped before the end (a corrupt compressed stream): the
        // early hash, else the whole file hashed now.
        let hash = match (early_hash, read_whole) {
            (Some(h), _) | (None, Some(h)) => h,
            (None, None) => hash_of(&file)?,
        };
        if manifest.contains_key(&hash) && !opts.force && !hashed_early {
            // Same content as an input converted before: keep nothing of this run.
            drop(pw);
            let _ = fs::remove_dir_all(&tmp);
            summary.skipped_inputs.push(name);
            continue;
        }
        let written = pw.finish()?;
        crash_point("parts written under _tmp");
        let rels: Vec<PathBuf> = written.iter().map(|t| final_name(t, &tmp, &hash)).collect();
        // With --force the input's earlier files go first (they may sit under another cluster
        // or date, which writing the new ones would not replace).
        if let Some(old) = manifest.get(&hash) {
            for f in &old.files {
                if !rels.iter().any(|n| n == Path::new(f)) {
                    // A manifest is data too: a name outside the partitions (`../x`, `/x`) is
                    // never deleted.
                    if crate::archive::check::safe_part_path(f).is_none() {
                        eprintln!(
                            "warning: the manifest names {f:?} for {name}, which is not a part \
                             file of the archive: left alone"
                        );
                        continue;
                    }
                    match remote {
                        None => {
                            let p = out.join(f);
                            match fs::remove_file(&p) {
                                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                                    return Err(out_err(&p)(e));
                                }
                                _ => {}
                            }
                        }
                        Some(l) => delete_object(l, f)?,
                    }
                }
            }
        }
        // Commit: each file into place, then the rejects, then the manifest line.
        let mut files = Vec::new();
        for (t, rel) in written.iter().zip(&rels) {
            let rel_s = rel_string(rel);
            summary.bytes_written += fs::metadata(t).map_or(0, |m| m.len());
            match remote {
                None => {
                    let dest = out.join(rel);
                    if let Some(parent) = dest.parent() {
                        fs::create_dir_all(parent).map_err(out_err(parent))?;
                    }
                    fs::rename(t, &dest).map_err(out_err(&dest))?;
                    crash_point("a part renamed into place");
                }
                Some(l) => upload(l, t, &rel_s)?,
            }
            files.push(rel_s);
            summary.files_written += 1;
        }
        if remote.is_none() {
            // The renames are durable before the manifest says the input is in.
            for dir in dirs_of(out, &rels) {
                sync_dir(&dir)?;
            }
        }
        if let Some(mut w) = rejects.take() {
            w.flush().map_err(out_err(&reject_tmp))?;
            drop(w);
            let rel = format!("_rejects/{}.ndjson", &hash[..16]);
            match remote {
                None => {
                    let dir = out.join("_rejects");
                    fs::create_dir_all(&dir).map_err(out_err(&dir))?;
                    let dest = out.join(&rel);
                    File::open(&reject_tmp)
                        .and_then(|f| f.sync_all())
                        .map_err(out_err(&reject_tmp))?;
                    fs::rename(&reject_tmp, &dest).map_err(out_err(&dest))?;
                    sync_dir(&dir)?;
                    crash_point("rejects renamed into place");
                    summary.reject_files.push(dest.display().to_string());
                }
                Some(l) => {
                    upload(l, &reject_tmp, &rel)?;
                    summary.reject_files.push(l.url_of(&l.child(&rel)));
                }
            }
        }
        let entry = ManifestEntry {
            hash: hash.clone(),
            name,
            size,
            mtime,
            events: stats.events,
            rejected: stats.rejected,
            files,
        };
        match remote {
            None => append_manifest(out, &entry)?,
            Some(l) => append_remote_manifest(l, &entry)?,
        }
        crash_point("manifest updated");
        let _ = fs::remove_dir_all(&tmp);
        manifest.insert(hash, entry);
        summary.scan.add(&stats);
    }
    progress.finish();
    let _ = fs::remove_dir_all(&tmp_root);
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

/// Takes the archive's writer lock, or says who holds it and what to do.
fn lock_archive(out: &Path) -> Result<File> {
    let path = out.join(LOCK);
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(out_err(&path))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Usage(format!(
            "another convert is writing to {} (it holds {}): wait for it to finish, then run \
             again; inputs it has added will be skipped",
            out.display(),
            path.display()
        ))),
        Err(fs::TryLockError::Error(e)) => Err(out_err(&path)(e)),
    }
}

/// Part size of uploads; a file larger than this goes up as a multipart upload.
const UPLOAD_PART: usize = 8 << 20;

/// The writer lock of a local archive.
const LOCK: &str = "_lock";

/// A relative path with `/` separators, as the manifest and object keys hold it.
fn rel_string(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Uploads a finished local file to `rel` under the remote archive. Large files go up as a
/// multipart upload, which the store shows only once it is complete (and aborts on error), so
/// a reader never sees half a part.
fn upload(l: &Location, local: &Path, rel: &str) -> Result<()> {
    use tokio::io::AsyncWriteExt;
    let key = l.child(rel);
    let url = l.url_of(&key);
    let store = Arc::clone(&l.store);
    let from = local.to_path_buf();
    let k = key.clone();
    let r = crate::store::block_on(async move {
        let mut f = tokio::fs::File::open(&from)
            .await
            .map_err(|e| (true, e.to_string()))?;
        // 8 MiB parts, two in flight: the upload adds about 16 MiB to convert's memory.
        let mut w = object_store::buffered::BufWriter::with_capacity(store, k, UPLOAD_PART)
            .with_max_concurrency(2);
        if let Err(e) = tokio::io::copy(&mut f, &mut w).await {
            let _ = w.abort().await;
            return Err((false, e.to_string()));
        }
        w.shutdown().await.map_err(|e| (false, e.to_string()))
    })?;
    match r {
        Ok(()) => Ok(()),
        Err((true, m)) => Err(Error::Output {
            path: local.to_path_buf(),
            source: std::io::Error::other(m),
        }),
        Err((false, m)) => Err(Error::Remote {
            url,
            message: crate::store::redact(&m),
            hint: "the upload failed and was aborted; nothing partial is visible: run again".into(),
        }),
    }
}

fn delete_object(l: &Location, rel: &str) -> Result<()> {
    let key = l.child(rel);
    let store = Arc::clone(&l.store);
    let k = key.clone();
    match crate::store::block_on(
        async move { object_store::ObjectStoreExt::delete(&store, &k).await },
    )? {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(crate::store::remote_error(&l.url_of(&key), &e)),
    }
}

/// Adds `entry` to a remote manifest: read it, append, and put it back only if nobody changed
/// it meanwhile (If-Match on its ETag, or create-if-absent); on a conflict, read again.
fn append_remote_manifest(l: &Location, entry: &ManifestEntry) -> Result<()> {
    use object_store::{PutMode, UpdateVersion};
    let key = l.child(MANIFEST);
    let url = l.url_of(&key);
    let mut line = serde_json::to_string(entry)?;
    line.push('\n');
    for attempt in 0..20u64 {
        let (mut text, mode) = match l.read_small(&key)? {
            Some((bytes, meta)) => (
                bytes,
                PutMode::Update(UpdateVersion {
                    e_tag: meta.e_tag,
                    version: meta.version,
                }),
            ),
            None => (Vec::new(), PutMode::Create),
        };
        if !text.is_empty() && !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        text.extend_from_slice(line.as_bytes());
        let store = Arc::clone(&l.store);
        let k = key.clone();
        let r = crate::store::block_on(async move {
            store
                .put_opts(&k, text.into(), object_store::PutOptions::from(mode))
                .await
        })?;
        match r {
            Ok(_) => return Ok(()),
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => {
                std::thread::sleep(std::time::Duration::from_millis(20 * (attempt + 1)));
            }
            Err(e) => return Err(crate::store::remote_error(&url, &e)),
        }
    }
    Err(Error::Remote {
        url,
        message: "the manifest kept changing under us (20 tries)".into(),
        hint: "another convert writes to this archive: run again when it is done".into(),
    })
}

/// Adds `entry` to a local manifest atomically: the whole manifest with the new line is written
/// to a temporary file, flushed to disk, renamed over the old one, and the folder flushed; a
/// reader (or a run after a crash) sees the old manifest or the new one, never a torn line.
/// Rewriting costs the manifest's size per input (a line of ~300 bytes per input converted).
fn append_manifest(out: &Path, entry: &ManifestEntry) -> Result<()> {
    let path = out.join(MANIFEST);
    let dir = path.parent().unwrap_or(out).to_path_buf();
    fs::create_dir_all(&dir).map_err(out_err(&dir))?;
    let mut text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(Error::Input { path, source }),
    };
    // A torn last line (an older audithound killed while appending) stays a line of its own.
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(serde_json::to_string(entry)?.as_bytes());
    text.push(b'\n');
    let tmp = dir.join("inputs.ndjson.tmp");
    let mut f = File::create(&tmp).map_err(out_err(&tmp))?;
    f.write_all(&text).map_err(out_err(&tmp))?;
    f.sync_all().map_err(out_err(&tmp))?;
    drop(f);
    crash_point("manifest written to its temporary file");
    fs::rename(&tmp, &path).map_err(out_err(&path))?;
    sync_dir(&dir)
}

/// Flushes a folder's entries (renames into it) to disk.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(out_err(dir))
}

/// The folders the files `rels` were renamed into, each once.
fn dirs_of(out: &Path, rels: &[PathBuf]) -> std::collections::BTreeSet<PathBuf> {
    rels.iter()
        .filter_map(|r| out.join(r).parent().map(Path::to_path_buf))
        .collect()
}

/// Named points of a conversion where the crash-safety test (`tests/cli/hardening.rs`) stops
/// the process to kill it there. Only when `AUDITHOUND_PAUSE_AT=N` is set: every point is then
/// numbered on stderr, and at the N-th the process waits (30 s at most) for its SIGKILL.
/// Unset, as in every normal run, a point costs one load of a static; it changes no behaviour.
pub(crate) fn crash_point(name: &str) {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PAUSE_AT: LazyLock<Option<u64>> = LazyLock::new(|| {
        std::env::var(PAUSE_VAR)
            .ok()
            .and_then(|v| v.trim().parse().ok())
    });
    static SEEN: AtomicU64 = AtomicU64::new(0);
    let Some(at) = *PAUSE_AT else {
        return;
    };
    let n = SEEN.fetch_add(1, Ordering::SeqCst) + 1;
    eprintln!("crash point {n}: {name}");
    if n == at {
        eprintln!("paused at crash point {n}");
        std::thread::sleep(std::time::Duration::from_secs(30));
    }
}

/// The variable that numbers and pauses at [`crash_point`]s (tests only).
pub const PAUSE_VAR: &str = "AUDITHOUND_PAUSE_AT";

/// True if `dir` looks like an archive written by `convert`.
pub fn is_archive(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file()
        || fs::read_dir(dir).is_ok_and(|mut it| {
            it.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("cluster=")))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::encode::sort_batches;
    use crate::synth::generate::{GenerateOptions, generate};
    use datafusion::arrow::array::Array;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};

    type Keys = Vec<(Option<String>, Option<String>, Option<i64>)>;

    /// The row-order key of every row: decision, user, time.
    fn keys(b: &RecordBatch) -> Keys {
        let d = b.column(col::AUTHZ_DECISION).as_string::<i32>();
        let u = b.column(col::USER_NAME).as_string::<i32>();
        let t = b
            .column(col::EVENT_TIME)
            .as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
        (0..b.num_rows())
            .map(|i| {
                (
                    d.is_valid(i).then(|| d.value(i).to_owned()),
                    u.is_valid(i).then(|| u.value(i).to_owned()),
                    t.is_valid(i).then(|| t.value(i)),
                )
            })
            .collect()
    }

    /// `events` generated events of one day, as JSON lines.
    fn one_day(events: u64) -> Vec<u8> {
        let mut data = Vec::new();
        let opts = GenerateOptions {
            events,
            days: 1,
            ..GenerateOptions::default()
        };
        generate(&opts, &mut data).unwrap_or_else(|e| panic!("{e}"));
        data
    }

    /// The manifest holds the blake3 of the stored bytes whether the scan read them all (hashed
    /// as read) or stopped early at corrupt compressed data (hashed again from the file), and a
    /// re-run skips both inputs.
    #[test]
    fn the_input_hash_is_of_the_stored_bytes_read_whole_or_not() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data = one_day(60_000);
        let plain = dir.path().join("plain.jsonl");
        fs::write(&plain, &data).unwrap_or_else(|e| panic!("{e}"));
        let mut zst = zstd::encode_all(&data[..], 1).unwrap_or_else(|e| panic!("{e}"));
        // Garbage early in a file larger than the read buffer: zstd checks each block, so
        // decompression fails with most of the file still unread.
        assert!(
            zst.len() > 3 << 19,
            "want a file larger than the 1 MiB read buffer"
        );
        for b in &mut zst[100_000..100_512] {
            *b = 0xff;
        }
        let corrupt = dir.path().join("corrupt.jsonl.zst");
        fs::write(&corrupt, &zst).unwrap_or_else(|e| panic!("{e}"));
        let opts = ConvertOptions::new(dir.path().join("archive"));
        let sources = [Source::File(plain.clone()), Source::File(corrupt.clone())];
        let first = convert(&sources, &opts).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            first.scan.rejected >= 1,
            "the corrupt file records a read error"
        );
        assert!(first.scan.events < 120_000);
        let manifest = opts.out.read_manifest().unwrap_or_else(|e| panic!("{e}"));
        for p in [&plain, &corrupt] {
            let f = File::open(p).unwrap_or_else(|e| panic!("{e}"));
            let want = hash_reader(f).unwrap_or_else(|e| panic!("{e}"));
            assert!(manifest.contains_key(&want), "{} hashed wrong", p.display());
        }
        // Copies under new names are unseen by name, so they are hashed as they are read, and
        // skipped as known content.
        let plain2 = dir.path().join("plain2.jsonl");
        let corrupt2 = dir.path().join("corrupt2.jsonl.zst");
        fs::copy(&plain, &plain2).unwrap_or_else(|e| panic!("{e}"));
        fs::copy(&corrupt, &corrupt2).unwrap_or_else(|e| panic!("{e}"));
        let again = convert(&[Source::File(plain2), Source::File(corrupt2)], &opts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((again.skipped_inputs.len(), again.files_written), (2, 0));
    }

    /// A small `chunk_bytes` (memory bound) splits one day's rows into several row groups; every
    /// event is written once and each row group is sorted by the row order.
    /// The archive is the same bytes whatever the thread count (the default is the machine's
    /// cores), with chunks small enough that where they are cut shows in the files.
    #[test]
    fn the_same_input_gives_the_same_files_at_any_thread_count() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let input = dir.path().join("events.jsonl");
        fs::write(&input, one_day(30_000)).unwrap_or_else(|e| panic!("{e}"));
        let files = |threads: usize| {
            let mut opts = ConvertOptions::new(dir.path().join(format!("archive-{threads}")));
            // A chunk of two or three blocks' batches: where it is cut shows.
            opts.chunk_bytes = 9 << 20;
            opts.scan.threads = threads;
            convert(&[Source::File(input.clone())], &opts).unwrap_or_else(|e| panic!("{e}"));
            let mut found: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(opts.out.display())
                .into_iter()
                .filter_map(std::result::Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, fs::read(e.path()).unwrap_or_else(|e| panic!("{e}")))
                })
                .collect();
            found.sort();
            found
        };
        let one = files(1);
        assert!(!one.is_empty());
        assert!(one == files(2), "1 and 2 threads wrote different files");
        assert!(one == files(3), "1 and 3 threads wrote different files");
    }

    #[test]
    fn chunks_bound_the_buffer_and_each_row_group_is_sorted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let input = dir.path().join("events.jsonl");
        let data = one_day(20_000);
        fs::write(&input, &data).unwrap_or_else(|e| panic!("{e}"));
        let mut opts = ConvertOptions::new(dir.path().join("archive"));
        opts.chunk_bytes = 512 << 10;
        let summary = convert(&[Source::File(input)], &opts).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summary.scan.events, 20_000);
        let mut rows = 0i64;
        let mut groups = 0usize;
        for f in walkdir::WalkDir::new(opts.out.display())
            .into_iter()
            .filter_map(std::result::Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
        {
            let file = File::open(f.path()).unwrap_or_else(|e| panic!("{e}"));
            let reader = SerializedFileReader::new(file).unwrap_or_else(|e| panic!("{e}"));
            let n = reader.metadata().num_row_groups();
            for rg in reader.metadata().row_groups() {
                rows += rg.num_rows();
            }
            groups += n;
            for i in 0..n {
                let file = File::open(f.path()).unwrap_or_else(|e| panic!("{e}"));
                let batches = ParquetRecordBatchReaderBuilder::try_new(file)
                    .and_then(|b| b.with_row_groups(vec![i]).with_batch_size(1 << 20).build())
                    .unwrap_or_else(|e| panic!("{e}"));
                for b in batches {
                    let b = b.unwrap_or_else(|e| panic!("{e}"));
                    let again = sort_batches(std::slice::from_ref(&b), RowOrder::Decision)
                        .unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(keys(&b), keys(&again), "row group {i} is not sorted");
                }
            }
        }
        assert_eq!(rows, 20_000);
        assert!(groups > 2, "want several row groups, got {groups}");
    }
}
