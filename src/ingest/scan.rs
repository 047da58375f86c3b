//! The one parser pipeline: a source's bytes → lines → [`parse`](crate::ingest::parse) → Arrow batches.
//!
//! A reader thread cuts the decompressed stream into blocks of whole lines (~8 MiB); worker
//! threads parse blocks into [`RecordBatch`]es; the caller receives them **in input order**, so
//! output never depends on thread timing. Memory is bounded by the few blocks in flight. Bad lines
//! become [`Reject`]s with file, line and reason; `--strict` turns the first one into an error.

use std::io::BufRead;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use datafusion::arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ingest::batch::{EventRows, Shape};
use crate::ingest::input::Source;
use crate::ingest::parse::redact::Secrets;
use crate::ingest::parse::{Event, Sink, parse_line};
use crate::ingest::prefilter::LineFilter;

/// Default cap on one line (or one multi-line document): 16 MiB.
pub const DEFAULT_MAX_LINE: usize = 16 << 20;
/// Default cap on the decompressed bytes of one input: 64 GiB, far above any real audit log
/// file, far below what a decompression bomb (a small gzip or zstd file that expands to
/// terabytes) would make a run read.
pub const DEFAULT_MAX_INPUT: u64 = 64 << 30;
/// A multi-line JSON document (pretty-printed event, EventList, array) may be this large.
const MAX_DOCUMENT: usize = 256 << 20;
const BLOCK_BYTES: usize = 8 << 20;
const EXCERPT_BYTES: usize = 120;

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub max_line: usize,
    /// Decompressed bytes read from one input at most (`u64::MAX`: no cap); the rest of a
    /// larger input is not read, and one reject says so.
    pub max_input: u64,
    /// Redact the secrets in request and response bodies, or keep them.
    pub secrets: Secrets,
    /// Partition value for every event (`--cluster`); else the wrapper's, else `default`.
    pub cluster: Option<String>,
    pub strict: bool,
    pub threads: usize,
    pub filter: LineFilter,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            max_line: DEFAULT_MAX_LINE,
            max_input: DEFAULT_MAX_INPUT,
            secrets: Secrets::default(),
            cluster: None,
            strict: false,
            threads: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            filter: LineFilter::all(),
        }
    }
}

/// A rejected line, as recorded in `_rejects/*.ndjson`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub reason: String,
    /// The line's first bytes (lossy UTF-8).
    pub excerpt: String,
}

/// Counts from one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    pub lines: u64,
    pub events: u64,
    pub rejected: u64,
    /// Lines a rule prefilter ruled out without parsing them.
    pub skipped: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Secret values replaced by a marker in request and response bodies.
    pub redacted: u64,
}

impl ScanStats {
    pub fn add(&mut self, o: &ScanStats) {
        self.lines += o.lines;
        self.events += o.events;
        self.rejected += o.rejected;
        self.skipped += o.skipped;
        self.bytes += o.bytes;
        self.redacted += o.redacted;
    }
}

/// Makes a value safe as a directory name (`cluster=<name>`): letters, digits, `.`, `_`, `-`.
pub fn sanitize_partition(v: &str) -> std::borrow::Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if !v.is_empty() && !v.starts_with('.') && v.chars().all(safe) {
        return std::borrow::Cow::Borrowed(v); // the common case: no copy per event
    }
    let s: String = v.chars().map(|c| if safe(c) { c } else { '_' }).collect();
    std::borrow::Cow::Owned(if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    })
}

/// The keys after which a rejected line's excerpt may show a secret: the excerpt is cut before
/// them (a rejected line is not parsed, so nothing in it is redacted).
const SECRET_KEYS: [&[u8]; 4] = [
    b"\"data\"",
    b"\"stringData\"",
    b"\"token\"",
    b"last-applied",
];

/// The first bytes of a line for a reject record, cut before anything that may be a secret.
fn excerpt(line: &[u8]) -> String {
    let mut end = line.len().min(EXCERPT_BYTES);
    for k in SECRET_KEYS {
        if let Some(i) = memchr::memmem::find(&line[..end], k) {
            end = i;
        }
    }
    String::from_utf8_lossy(&line[..end]).into_owned()
}

struct Block {
    data: Vec<u8>,
    first_line: u64,
    /// Lines dropped by the reader for being over the cap: (line, excerpt).
    oversized: Vec<(u64, String)>,
    /// The whole source is one multi-line JSON document (or several).
    document: bool,
    /// A read error after this block (corrupt or truncated compressed data, the input cap):
    /// its line and reject reason.
    error: Option<(u64, String)>,
}

struct Parsed {
    batch: Option<RecordBatch>,
    rejects: Vec<Reject>,
    stats: ScanStats,
}

/// Appends parsed events to the builders, rejects to a list.
struct RowSink<'a> {
    rows: &'a mut EventRows,
    rejects: &'a mut Vec<Reject>,
    file: &'a str,
    line: u64,
    line_text: &'a [u8],
    cluster: Option<&'a str>,
    events: u64,
    redacted: u64,
}

impl Sink for RowSink<'_> {
    fn event(&mut self, e: &mut Event<'_>) {
        let cluster = match (self.cluster, e.cluster.as_deref()) {
            (Some(c), _) | (None, Some(c)) => sanitize_partition(c),
            (None, None) => std::borrow::Cow::Borrowed("default"),
        };
        self.rows.append(e, self.file, self.line, &cluster);
        self.events += 1;
        self.redacted += u64::from(e.redacted);
    }

    fn reject(&mut self, reason: String) {
        self.rejects.push(Reject {
            file: self.file.to_owned(),
            line: self.line,
            reason,
            excerpt: excerpt(self.line_text),
        });
    }
}

fn parse_one(
    text: &[u8],
    line_no: u64,
    file: &str,
    opts: &ScanOptions,
    rows: &mut EventRows,
    out: &mut Parsed,
) {
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    if text.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    out.stats.lines += 1;
    if text.len() > opts.max_line {
        out.rejects.push(Reject {
            file: file.to_owned(),
            line: line_no,
            reason: oversized_reason(opts.max_line),
            excerpt: excerpt(text),
        });
        return;
    }
    if !opts.filter.keep(text) {
        out.stats.skipped += 1;
        return;
    }
    let mut sink = RowSink {
        rows,
        rejects: &mut out.rejects,
        file,
        line: line_no,
        line_text: text,
        cluster: opts.cluster.as_deref(),
        events: 0,
        redacted: 0,
    };
    match std::str::from_utf8(text) {
        Ok(s) => parse_line(s, &opts.secrets, &mut sink),
        Err(e) => sink.reject(format!("invalid UTF-8 at byte {}", e.valid_up_to())),
    }
    out.stats.events += sink.events;
    out.stats.redacted += sink.redacted;
}

/// Parses one block; `shape` is what the worker's previous block looked like (builder sizes),
/// updated from this one.
fn parse_block(block: &Block, file: &str, opts: &ScanOptions, shape: &mut Shape) -> Result<Parsed> {
    let mut rows = EventRows::for_input(block.data.len(), shape);
    let mut out = Parsed {
        batch: None,
        rejects: Vec::new(),
        stats: ScanStats {
            bytes: block.data.len() as u64,
            ..ScanStats::default()
        },
    };
    for (line, ex) in &block.oversized {
        out.stats.lines += 1;
        out.rejects.push(Reject {
            file: file.to_owned(),
            line: *line,
            reason: oversized_reason(opts.max_line),
            excerpt: ex.clone(),
        });
    }
    let mut as_lines = !block.document;
    if block.document {
        as_lines = !parse_document(
            &block.data,
            block.first_line,
            file,
            opts,
            &mut rows,
            &mut out,
        );
    }
    if as_lines {
        let mut start = 0;
        let mut line_no = block.first_line;
        for nl in memchr::memchr_iter(b'\n', &block.data) {
            parse_one(
                &block.data[start..nl],
                line_no,
                file,
                opts,
                &mut rows,
                &mut out,
            );
            start = nl + 1;
            line_no += 1;
        }
        if start < block.data.len() {
            parse_one(
                &block.data[start..],
                line_no,
                file,
                opts,
                &mut rows,
                &mut out,
            );
        }
    }
    if let Some((line, msg)) = &block.error {
        out.rejects.push(Reject {
            file: file.to_owned(),
            line: *line,
            reason: msg.clone(),
            excerpt: String::new(),
        });
    }
    // Oversized lines were noted by the reader: put every reject in line order.
    out.rejects.sort_by_key(|r| r.line);
    out.stats.rejected = out.rejects.len() as u64;
    if !rows.is_empty() {
        *shape = rows.shape(block.data.len());
        out.batch = Some(rows.finish()?);
    }
    Ok(out)
}

/// Parses a buffer holding one or more multi-line JSON values. Returns false (having done
/// nothing) if it is not that, so the caller reads it as lines instead.
fn parse_document(
    data: &[u8],
    first_line: u64,
    file: &str,
    opts: &ScanOptions,
    rows: &mut EventRows,
    out: &mut Parsed,
) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = data.len() - text.len();
    let mut values = Vec::new();
    let stream =
        serde_json::Deserializer::from_str(text).into_iter::<&serde_json::value::RawValue>();
    for v in stream {
        match v {
            Ok(v) => values.push(v),
            Err(_) => return false,
        }
    }
    for v in values {
        let at = v.get().as_ptr() as usize - text.as_ptr() as usize + offset;
        let line_no = first_line + memchr::memchr_iter(b'\n', &data[..at]).count() as u64;
        out.stats.lines += 1;
        let mut sink = RowSink {
            rows,
            rejects: &mut out.rejects,
            file,
            line: line_no,
            line_text: v.get().as_bytes(),
            cluster: opts.cluster.as_deref(),
            events: 0,
            redacted: 0,
        };
        parse_line(v.get(), &opts.secrets, &mut sink);
        out.stats.events += sink.events;
        out.stats.redacted += sink.redacted;
    }
    true
}

/// Reads blocks of whole lines from `r` and sends them to the workers round-robin.
/// Block buffers handed back by the workers, so the reader reuses warm memory instead of
/// faulting in fresh pages for every block.
type Pool = std::sync::Mutex<Vec<Vec<u8>>>;

/// Bytes asked of the reader at a time. Reads at least this large go straight into the block
/// (`BufReader` hands a read larger than its buffer to the reader under it), so the input is
/// copied once, by the kernel or the decompressor, not a second time from a read buffer.
const READ_CHUNK: usize = 1 << 20;

/// A buffer for the next block: a pooled one (kept at its length, so it is not zeroed again)
/// or a new one.
fn block_buffer(pool: &Pool) -> Vec<u8> {
    let mut data = pool
        .lock()
        .ok()
        .and_then(|mut p| p.pop())
        .unwrap_or_default();
    if data.len() < BLOCK_BYTES + READ_CHUNK {
        data.resize(BLOCK_BYTES + READ_CHUNK, 0);
    }
    data
}

fn read_blocks(
    mut r: Box<dyn BufRead + Send>,
    max_line: usize,
    senders: &[SyncSender<Block>],
    pool: &Pool,
) {
    let mut line_no: u64 = 1;
    let mut seq = 0usize;
    let mut first = true;
    // The incomplete last line of the previous block, which starts the next one.
    let mut carry: Vec<u8> = Vec::new();
    let mut eof = false;
    while !eof {
        let mut data = block_buffer(pool);
        if data.len() < carry.len() + READ_CHUNK {
            data.resize(carry.len() + READ_CHUNK, 0);
        }
        data[..carry.len()].copy_from_slice(&carry);
        let mut filled = carry.len(); // bytes of `data` holding input
        let mut line_start = 0usize; // start of the current (incomplete) line
        carry.clear();
        let mut block = Block {
            data: Vec::new(),
            first_line: line_no,
            oversized: Vec::new(),
            document: false,
            error: None,
        };
        let mut skipping = false; // inside an oversized line, dropping bytes up to its newline
        // Workers split lines and check each line's length; here only a line that runs past the
        // cap with no end in sight is cut, so memory stays bounded.
        loop {
            if data.len() - filled < READ_CHUNK {
                // A line longer than the block so far: grow (bounded by the cap checked below).
                let grow = (data.len() / 2).max(READ_CHUNK);
                data.resize(data.len() + grow, 0);
            }
            let n = match r.read(&mut data[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let at = block.first_line + newlines(&data[..filled]);
                    block.error = Some((at, read_error_reason(&e)));
                    eof = true;
                    break;
                }
            };
            let new_from = filled;
            if skipping {
                let Some(i) = memchr::memchr(b'\n', &data[filled..filled + n]) else {
                    continue; // all of it belongs to the oversized line
                };
                // Keep the newline: an empty line in its place keeps the line numbers right.
                data.copy_within(filled + i..filled + n, filled);
                filled += n - i;
                skipping = false;
            } else {
                filled += n;
            }
            if let Some(i) = memchr::memrchr(b'\n', &data[new_from..filled]) {
                line_start = new_from + i + 1;
            }
            if filled - line_start > max_line {
                let at = block.first_line + newlines(&data[..line_start]);
                block
                    .oversized
                    .push((at, excerpt(&data[line_start..filled])));
                filled = line_start;
                skipping = true;
            } else if filled >= BLOCK_BYTES && line_start > 0 {
                break;
            }
        }
        if first {
            first = false;
            if !eof && is_document(&data[..filled]) {
                // A multi-line document: read the rest of it into this block.
                data.truncate(filled);
                let limit = (MAX_DOCUMENT - filled.min(MAX_DOCUMENT)) as u64 + 1;
                match r.by_ref().take(limit).read_to_end(&mut data) {
                    Ok(_) if (data.len() - filled) as u64 >= limit => {
                        block.error = Some((
                            1,
                            format!("JSON document larger than {MAX_DOCUMENT} bytes: not read"),
                        ));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let at = block.first_line + newlines(&data[..filled]);
                        block.error = Some((at, read_error_reason(&e)));
                    }
                }
                filled = data.len();
                eof = true;
            }
            block.document = is_document(&data[..filled]);
        }
        // At the end of the input the last line needs no newline; otherwise it waits for the
        // next block.
        let end = if eof { filled } else { line_start };
        carry.extend_from_slice(&data[end..filled]);
        data.truncate(end);
        line_no = block.first_line + newlines(&data);
        block.data = data;
        let empty = block.data.is_empty() && block.oversized.is_empty() && block.error.is_none();
        if !empty && senders[seq % senders.len()].send(block).is_err() {
            return; // the consumer stopped (strict mode or an error)
        }
        seq += 1;
    }
}

use std::io::Read;

fn oversized_reason(cap: usize) -> String {
    format!("line longer than the cap of {cap} bytes (--max-line-bytes)")
}

fn newlines(data: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', data).count() as u64
}

fn first_line(data: &[u8]) -> &[u8] {
    let skip = data.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let data = &data[skip..];
    let data = data.strip_prefix("\u{feff}".as_bytes()).unwrap_or(data);
    match memchr::memchr(b'\n', data) {
        Some(i) => &data[..i],
        None => data,
    }
}

fn looks_like_document(data: &[u8]) -> bool {
    let skip = data.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let data = data[skip..]
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(&data[skip..]);
    matches!(data.first(), Some(b'{' | b'['))
}

/// The source is a multi-line document if it starts with `{`/`[` but its first line is not a
/// complete JSON value (a pretty-printed event, an EventList, `{"records": [...]}`).
fn is_document(data: &[u8]) -> bool {
    if !looks_like_document(data) {
        return false;
    }
    let line = first_line(data);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err()
        && memchr::memchr(b'\n', data).is_some()
}

/// Scans one source. Batches and rejects are handed over in input order.
pub fn scan_source(
    src: &Source,
    opts: &ScanOptions,
    on_batch: &mut dyn FnMut(RecordBatch) -> Result<()>,
    on_reject: &mut dyn FnMut(&Reject) -> Result<()>,
    on_progress: &dyn Fn(u64),
) -> Result<ScanStats> {
    let (reader, _) = src.open()?;
    scan_reader(reader, &src.name(), opts, on_batch, on_reject, on_progress)
}

/// Scans an already opened (and decompressed) stream whose events are recorded as coming from
/// `file`.
pub fn scan_reader(
    reader: Box<dyn BufRead + Send>,
    file: &str,
    opts: &ScanOptions,
    on_batch: &mut dyn FnMut(RecordBatch) -> Result<()>,
    on_reject: &mut dyn FnMut(&Reject) -> Result<()>,
    on_progress: &dyn Fn(u64),
) -> Result<ScanStats> {
    let reader: Box<dyn BufRead + Send> = if opts.max_input == u64::MAX {
        reader
    } else {
        Box::new(Capped {
            inner: reader,
            left: opts.max_input,
            cap: opts.max_input,
        })
    };
    let workers = opts.threads.max(1);
    let mut stats = ScanStats::default();
    let pool: &Pool = &Pool::default();
    std::thread::scope(|scope| -> Result<()> {
        let mut block_txs = Vec::new();
        let mut result_rxs: Vec<Receiver<Result<Parsed>>> = Vec::new();
        for _ in 0..workers {
            let (btx, brx) = sync_channel::<Block>(1);
            let (rtx, rrx) = sync_channel::<Result<Parsed>>(1);
            block_txs.push(btx);
            result_rxs.push(rrx);
            let worker = std::thread::Builder::new().name("parse".into());
            let run = move || {
                let mut shape = Shape::default();
                for block in brx {
                    let parsed = parse_block(&block, file, opts, &mut shape);
                    // Back to the pool at its length (not cleared: it is not zeroed again);
                    // a buffer grown for one huge line or document is freed instead.
                    if block.data.capacity() <= 2 * (BLOCK_BYTES + READ_CHUNK)
                        && let Ok(mut p) = pool.lock()
                    {
                        p.push(block.data);
                    }
                    if rtx.send(parsed).is_err() {
                        return;
                    }
                }
            };
            worker.spawn_scoped(scope, run).map_err(Error::Io)?;
        }
        let max_line = opts.max_line;
        scope.spawn(move || read_blocks(reader, max_line, &block_txs, pool));
        let mut seq = 0usize;
        let result = (|| -> Result<()> {
            loop {
                let Ok(parsed) = result_rxs[seq % workers].recv() else {
                    return Ok(()); // the reader finished and this worker drained
                };
                let parsed = parsed?;
                seq += 1;
                for r in &parsed.rejects {
                    if opts.strict {
                        return Err(Error::Strict {
                            file: r.file.clone(),
                            line: r.line,
                            reason: r.reason.clone(),
                        });
                    }
                    on_reject(r)?;
                }
                stats.add(&parsed.stats);
                on_progress(parsed.stats.bytes);
                if let Some(b) = parsed.batch {
                    on_batch(b)?;
                }
            }
        })();
        drop(result_rxs); // unblocks workers and the reader if we stopped early
        result
    })?;
    Ok(stats)
}

/// A decompressed stream that ends in an error once it has given `cap` bytes and has more:
/// the bound on what one input (a decompression bomb) can make a run read.
struct Capped {
    inner: Box<dyn BufRead + Send>,
    left: u64,
    cap: u64,
}

/// The error a [`Capped`] stream ends with; its message is the reject reason.
#[derive(Debug)]
struct CapReached(u64);

impl std::fmt::Display for CapReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "input larger than the cap of {} bytes once decompressed (--max-input-bytes): \
             the rest of it was not read (a decompression bomb, or raise the cap)",
            self.0
        )
    }
}

impl std::error::Error for CapReached {}

impl Capped {
    /// At the cap: the end of the input if nothing follows, else the error.
    fn at_cap(&mut self) -> std::io::Result<()> {
        if self.inner.fill_buf()?.is_empty() {
            Ok(())
        } else {
            Err(std::io::Error::other(CapReached(self.cap)))
        }
    }
}

impl Read for Capped {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return self.at_cap().map(|()| 0);
        }
        // Straight through to the reader below (large reads skip its buffer, see READ_CHUNK).
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

impl BufRead for Capped {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.left == 0 {
            self.at_cap()?;
            return Ok(&[]);
        }
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        let b = self.inner.fill_buf()?;
        Ok(&b[..b.len().min(left)])
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.left = self.left.saturating_sub(n as u64);
    }
}

/// The reject reason for a read error that ends an input early.
fn read_error_reason(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|x| x.downcast_ref::<CapReached>()) {
        Some(cap) => cap.to_string(),
        None => format!("read error, the rest of the file is unreadable: {e}"),
    }
}

/// Scans one line-oriented text held in memory (tests, benches).
pub fn scan_bytes(
    data: &[u8],
    name: &str,
    opts: &ScanOptions,
) -> Result<(Vec<RecordBatch>, Vec<Reject>, ScanStats)> {
    let block = Block {
        data: data.to_vec(),
        first_line: 1,
        oversized: Vec::new(),
        document: is_document(data),
        error: None,
    };
    let p = parse_block(&block, name, opts, &mut Shape::default())?;
    Ok((p.batch.into_iter().collect(), p.rejects, p.stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::prefilter::Prefilter;

    fn scan_text(text: &[u8], opts: &ScanOptions) -> (u64, Vec<Reject>, ScanStats) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("in.log");
        std::fs::write(&p, text).unwrap_or_default();
        let mut rows = 0u64;
        let mut rejects = Vec::new();
        let stats = scan_source(
            &Source::File(p),
            opts,
            &mut |b| {
                rows += b.num_rows() as u64;
                Ok(())
            },
            &mut |r| {
                rejects.push(r.clone());
                Ok(())
            },
            &|_| {},
        )
        .unwrap_or_else(|e| panic!("{e}"));
        (rows, rejects, stats)
    }

    const GOOD: &str = r#"{"kind":"Event","auditID":"a","verb":"get","requestURI":"/x","stageTimestamp":"2026-01-05T00:00:00Z"}"#;

    #[test]
    fn crlf_blank_lines_bad_utf8_and_oversized() {
        let mut text = Vec::new();
        text.extend_from_slice(GOOD.as_bytes());
        text.extend_from_slice(b"\r\n\n   \n");
        text.extend_from_slice(b"{\"auditID\":\"\xff\xfe\"}\n");
        text.extend_from_slice(format!("{{\"pad\":\"{}\"}}\n", "x".repeat(300)).as_bytes());
        text.extend_from_slice(GOOD.as_bytes());
        let opts = ScanOptions {
            max_line: 200,
            ..ScanOptions::default()
        };
        let (rows, rejects, stats) = scan_text(&text, &opts);
        assert_eq!(rows, 2);
        assert_eq!(stats.lines, 4);
        let got: Vec<(u64, bool)> = rejects
            .iter()
            .map(|r| (r.line, r.reason.contains("UTF-8")))
            .collect();
        assert_eq!(got, [(4, true), (5, false)]);
        assert!(rejects[1].reason.contains("longer than"));
    }

    /// Regression: a line cut for being over the cap shifted the numbers of the lines after
    /// it in the same block by one.
    #[test]
    fn line_numbers_after_an_oversized_line_stay_right() {
        let long = format!("{{\"pad\":\"{}\"}}", "x".repeat(5000));
        let text = format!("{GOOD}\n{long}\n{GOOD}\nnot json\n");
        let opts = ScanOptions {
            max_line: 1000,
            ..ScanOptions::default()
        };
        let (rows, rejects, _) = scan_text(text.as_bytes(), &opts);
        assert_eq!(rows, 2);
        let lines: Vec<u64> = rejects.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    /// A line far longer than the read buffer is dropped while it streams past (memory stays
    /// bounded), and the lines after it keep their numbers.
    #[test]
    fn a_runaway_line_is_dropped_while_reading() {
        let huge = format!("{{\"pad\":\"{}\"}}", "y".repeat(3 << 20));
        let text = format!("{GOOD}\n{huge}\n{GOOD}\nnot json\n");
        let opts = ScanOptions {
            max_line: 100_000,
            ..ScanOptions::default()
        };
        let (rows, rejects, stats) = scan_text(text.as_bytes(), &opts);
        assert_eq!((rows, stats.lines), (2, 4));
        let got: Vec<(u64, bool)> = rejects
            .iter()
            .map(|r| (r.line, r.reason.contains("longer than")))
            .collect();
        assert_eq!(got, [(2, true), (4, false)]);
        assert!(rejects[0].excerpt.len() <= EXCERPT_BYTES);
    }

    /// A valid line longer than a block (but under the cap) grows its block and is parsed
    /// whole; the lines around it, cut across block boundaries, keep their numbers.
    #[test]
    fn a_line_longer_than_a_block_is_read_whole() {
        let long = format!(
            r#"{{"kind":"Event","auditID":"long","verb":"get","requestURI":"/x","stageTimestamp":"2026-01-05T00:00:00Z","requestObject":{{"pad":"{}"}}}}"#,
            "z".repeat(BLOCK_BYTES + 3 * READ_CHUNK)
        );
        let mut text = String::new();
        for _ in 0..70_000 {
            text.push_str(GOOD);
            text.push('\n');
        }
        text.push_str(&long);
        text.push('\n');
        for _ in 0..70_000 {
            text.push_str(GOOD);
            text.push('\n');
        }
        text.push_str("not json"); // no final newline
        let opts = ScanOptions {
            max_line: 4 * BLOCK_BYTES,
            ..ScanOptions::default()
        };
        let (rows, rejects, stats) = scan_text(text.as_bytes(), &opts);
        assert_eq!((rows, stats.lines), (140_001, 140_002));
        let lines: Vec<u64> = rejects.iter().map(|r| r.line).collect();
        assert_eq!(lines, [140_002]);
        assert_eq!(stats.bytes, text.len() as u64);
    }

    /// A rejected line is not parsed, so not redacted: its excerpt stops before any key whose
    /// value may be a secret.
    #[test]
    fn excerpts_stop_before_secret_values() {
        let line =
            br#"{"kind":"Secret","data":{"password":"aHVudGVyMg=="},"stageTimestamp":"nope"}"#;
        assert_eq!(excerpt(line), r#"{"kind":"Secret","#);
        let tok = br#"{"status":{"token":"eyJhbGciOi"}}"#;
        assert_eq!(excerpt(tok), r#"{"status":{"#);
        assert_eq!(
            excerpt(GOOD.as_bytes()),
            GOOD[..EXCERPT_BYTES.min(GOOD.len())]
        );
    }

    #[test]
    fn strict_stops_at_the_first_bad_line() {
        let text = format!("{GOOD}\nnope\n{GOOD}\n");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("in.log");
        std::fs::write(&p, text).unwrap_or_default();
        let opts = ScanOptions {
            strict: true,
            ..ScanOptions::default()
        };
        let err = scan_source(
            &Source::File(p),
            &opts,
            &mut |_| Ok(()),
            &mut |_| Ok(()),
            &|_| {},
        );
        match err {
            Err(Error::Strict { line, .. }) => assert_eq!(line, 2),
            other => panic!("want a strict error, got {other:?}"),
        }
    }

    #[test]
    fn pretty_printed_documents_and_arrays() {
        let pretty = format!(
            "\u{feff}{{\n  \"kind\": \"EventList\",\n  \"items\": [\n{GOOD},\n{GOOD}\n]\n}}\n"
        );
        let (rows, rejects, _) = scan_text(pretty.as_bytes(), &ScanOptions::default());
        assert_eq!((rows, rejects.len()), (2, 0));
        let arr = format!("[\n{GOOD},\n{GOOD},\n{GOOD}\n]\n");
        let (rows, rejects, _) = scan_text(arr.as_bytes(), &ScanOptions::default());
        assert_eq!((rows, rejects.len()), (3, 0));
    }

    #[test]
    fn many_blocks_keep_line_numbers() {
        let bad_at = 150_000u64;
        let mut text = String::new();
        for i in 1..=200_000u64 {
            if i == bad_at {
                text.push_str("garbage\n");
            } else {
                text.push_str(GOOD);
                text.push('\n');
            }
        }
        let (rows, rejects, stats) = scan_text(text.as_bytes(), &ScanOptions::default());
        assert_eq!(rows, 199_999);
        assert_eq!(stats.lines, 200_000);
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].line, bad_at);
    }

    #[test]
    fn prefilter_skips_lines_without_literals() {
        let f = LineFilter::any_of(vec![Prefilter::new(&[vec![
            "forbid".into(),
            "granted".into(),
        ]])]);
        let opts = ScanOptions {
            filter: f,
            ..ScanOptions::default()
        };
        let text = format!("{GOOD}\nnot json but forbid\n");
        let (rows, rejects, stats) = scan_text(text.as_bytes(), &opts);
        assert_eq!((rows, rejects.len(), stats.skipped), (0, 1, 1));
    }
}
