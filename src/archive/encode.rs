//! Encoding: one partition's buffered rows → a sorted row group of its Parquet file.
//!
//! A chunk (the batches one partition buffered) is put in the archive's row order by sorting
//! integer keys, not strings: each string sort column is replaced by the rank of its value among
//! the chunk's distinct values (byte order, null first, as Arrow and Parquet order strings), and
//! `(decision rank, user rank, event time, arrival)` packs into one `u128` per row. Then each
//! column is gathered in that order and encoded on its own (the parquet crate's
//! `ArrowColumnWriter`), the columns shared out among `threads` threads, so a column is encoded
//! while it is still in cache and the encoding of the last chunks (when parsing is over) uses
//! every core. The column chunks are appended to the row group in schema order, so the bytes
//! do not depend on the threads.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, StringArray, StringViewArray,
};
use datafusion::arrow::compute::interleave;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::{KeyValue, SortingColumn};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::file::writer::SerializedFileWriter;
use datafusion::parquet::schema::types::ColumnPath;

use crate::archive::convert::{ConvertOptions, RowOrder};
use crate::error::{Error, Result};
use crate::schema::{SCHEMA_VERSION, SCHEMA_VERSION_KEY, SORT_ORDER_KEY, file_schema};

/// Columns with a handful of distinct values (see [`writer_props`]).
const LOW_CARDINALITY: [&str; 12] = [
    "stage",
    "level",
    "verb",
    "authz_decision",
    "api_group",
    "api_version",
    "resource",
    "subresource",
    "response_code",
    "response_status",
    "response_reason",
    "source_format",
];

/// Rows per data page at most (see [`writer_props`]).
const PAGE_ROWS: usize = 2048;

/// Columns whose values are (nearly) unique per event.
const UNIQUE_COLUMNS: [&str; 8] = [
    "event_time",
    "received_time",
    "audit_id",
    "request_uri",
    "request_object",
    "response_object",
    "source_line",
    "user_uid",
];

/// Bulky columns gathered into sort order as string views rather than copied (see
/// [`encode_column`]): no dictionary and no statistics, so the encoder reads each value once.
/// Where the encoder reads a value several times (interning it, comparing it for page
/// statistics), a copy in sort order is cheaper than chasing views across the chunk: measured
/// on 1M events, views for every string column cost 6 % more CPU than none.
const VIEW_COLUMNS: [&str; 5] = [
    "audit_id",
    "request_uri",
    "request_object",
    "response_object",
    "user_uid",
];

/// The Parquet writer settings of the archive (public for the encode benchmark).
pub fn writer_props(opts: &ConvertOptions) -> Result<WriterProperties> {
    let fs = file_schema();
    let sorting = opts
        .order
        .columns()
        .iter()
        .map(|name| {
            fs.index_of(name).map(|i| SortingColumn {
                column_idx: i32::try_from(i).unwrap_or(i32::MAX),
                descending: false,
                nulls_first: true,
            })
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(opts.zstd_level)?))
        .set_statistics_enabled(EnabledStatistics::Page);
    // Nearly unique per event: a dictionary would only be built to be thrown away.
    for c in UNIQUE_COLUMNS {
        b = b.set_column_dictionary_enabled(ColumnPath::from(c), false);
    }
    // Statistics are kept where queries filter (decision, user, time, verb, resource, ...);
    // free text and bodies prune nothing, and min/max of long strings costs comparisons.
    for c in [
        "request_object",
        "response_object",
        "request_uri",
        "response_message",
        "authz_reason",
        "user_agent",
        "audit_id",
        "user_uid",
    ] {
        b = b.set_column_statistics_enabled(ColumnPath::from(c), EnabledStatistics::None);
    }
    // A handful of distinct values per column: dictionary and run-length encoding already make
    // them tiny, and leaving them uncompressed spares every reader a decompression context per
    // column chunk (a measurable part of a hunt's start-up).
    for c in LOW_CARDINALITY {
        b = b.set_column_compression(ColumnPath::from(c), Compression::UNCOMPRESSED);
    }
    Ok(b
        // Row groups are cut by the converter (one per sorted chunk, at most this many rows).
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        // Small pages: a hunt reads only the pages holding its matches, and a rule's matches
        // sit together in each row group (the row order), so the page, not the column
        // chunk, is what a hunt pays for in the unique-per-event columns.
        .set_data_page_row_count_limit(PAGE_ROWS)
        .set_sorting_columns(Some(sorting))
        .set_key_value_metadata(Some(vec![
            KeyValue::new(SCHEMA_VERSION_KEY.to_owned(), SCHEMA_VERSION.to_owned()),
            KeyValue::new(SORT_ORDER_KEY.to_owned(), opts.order.columns().join(",")),
            KeyValue::new(
                "audithound.version".to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            ),
        ]))
        .build())
}

/// Ranks of a string column's values across `batches`: 0 for null, then 1.. in byte order.
fn ranks(batches: &[RecordBatch], col: usize) -> Result<Vec<Vec<u32>>> {
    let arrays: Vec<&StringArray> = batches
        .iter()
        .map(|b| {
            b.column(col)
                .as_string_opt::<i32>()
                .ok_or_else(|| Error::Usage("a sort column is not a string column".into()))
        })
        .collect::<Result<_>>()?;
    let mut distinct: HashMap<&str, u32> = HashMap::new();
    for a in &arrays {
        for v in a.iter().flatten() {
            distinct.entry(v).or_insert(0);
        }
    }
    let mut keys: Vec<&str> = distinct.keys().copied().collect();
    keys.sort_unstable();
    for (r, k) in keys.iter().enumerate() {
        distinct.insert(k, r as u32 + 1);
    }
    Ok(arrays
        .iter()
        .map(|a| {
            a.iter()
                .map(|v| v.map_or(0, |s| distinct.get(s).copied().unwrap_or(0)))
                .collect()
        })
        .collect())
}

/// The rows of `batches` in the archive's row order, as (batch, row) picks.
pub fn sort_picks(batches: &[RecordBatch], order: RowOrder) -> Result<Vec<(usize, usize)>> {
    let schema = file_schema();
    let time_col = schema.index_of("event_time")?;
    let (dec, user) = match order {
        RowOrder::Decision => (
            Some(ranks(batches, schema.index_of("authz_decision")?)?),
            Some(ranks(batches, schema.index_of("user_name")?)?),
        ),
        RowOrder::Time => (None, None),
    };
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut keys: Vec<(u128, u32, u32)> = Vec::with_capacity(total);
    for (bi, b) in batches.iter().enumerate() {
        let times = b
            .column(time_col)
            .as_primitive_opt::<datafusion::arrow::datatypes::TimestampMicrosecondType>()
            .ok_or_else(|| Error::Usage("event_time is not a timestamp column".into()))?;
        for row in 0..b.num_rows() {
            // Flipping the sign bit orders signed times as unsigned integers.
            let t = u128::from(times.value(row).cast_unsigned() ^ (1 << 63));
            let d = dec.as_ref().map_or(0, |r| u128::from(r[bi][row]));
            let u = user.as_ref().map_or(0, |r| u128::from(r[bi][row]));
            keys.push(((d << 96) | (u << 64) | t, bi as u32, row as u32));
        }
    }
    // Ties keep their arrival order, so the result is the same on every run.
    keys.sort_unstable();
    Ok(keys
        .into_iter()
        .map(|(_, b, r)| (b as usize, r as usize))
        .collect())
}

/// Sorts the rows of `batches` (one partition's buffer) by the archive's row order into one
/// batch (for tests and the encode benchmark; the converter gathers column by column).
pub fn sort_batches(batches: &[RecordBatch], order: RowOrder) -> Result<RecordBatch> {
    let picks = sort_picks(batches, order)?;
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    Ok(datafusion::arrow::compute::interleave_record_batch(
        &refs, &picks,
    )?)
}

/// How many Parquet leaf columns a field has (a map of lists has two: keys and list items).
fn leaves(dt: &DataType) -> usize {
    match dt {
        DataType::List(f) | DataType::LargeList(f) | DataType::Map(f, _) => leaves(f.data_type()),
        DataType::Struct(fields) => fields.iter().map(|f| leaves(f.data_type())).sum(),
        _ => 1,
    }
}

/// Columns given to one encoding thread: (column index, its leaf writers).
type Share = Vec<(usize, Vec<ArrowColumnWriter>)>;

/// One partition's Parquet file, written a row group at a time.
pub struct PartFile {
    writer: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    row_groups: usize,
    pub path: PathBuf,
}

impl PartFile {
    pub fn create(path: PathBuf, props: &WriterProperties) -> Result<Self> {
        let file = File::create(&path).map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        // ArrowWriter records the Arrow schema in the file's metadata; then the lower-level
        // writer takes over, for column-by-column encoding.
        let (writer, factory) = ArrowWriter::try_new(file, file_schema(), Some(props.clone()))?
            .into_serialized_writer()?;
        Ok(Self {
            writer,
            factory,
            row_groups: 0,
            path,
        })
    }

    /// Writes `batches` sorted by `order` as row groups of at most `max_rows` rows, encoding
    /// the columns on `threads` threads.
    pub fn write_sorted(
        &mut self,
        batches: &[RecordBatch],
        order: RowOrder,
        max_rows: usize,
        threads: usize,
    ) -> Result<()> {
        let picks = sort_picks(batches, order)?;
        for rows in picks.chunks(max_rows.max(1)) {
            self.row_group(batches, rows, threads)?;
        }
        Ok(())
    }

    fn row_group(
        &mut self,
        batches: &[RecordBatch],
        picks: &[(usize, usize)],
        threads: usize,
    ) -> Result<()> {
        let schema = file_schema();
        let mut writers = self
            .factory
            .create_column_writers(self.row_groups)?
            .into_iter();
        // Each column with its leaf writers and the bytes it holds (to share out the work).
        let mut columns: Vec<(usize, Vec<ArrowColumnWriter>, usize)> = Vec::new();
        for (i, f) in schema.fields().iter().enumerate() {
            let ws: Vec<ArrowColumnWriter> = writers.by_ref().take(leaves(f.data_type())).collect();
            let bytes = batches
                .iter()
                .map(|b| b.column(i).get_array_memory_size())
                .sum();
            columns.push((i, ws, bytes));
        }
        // Largest first, each to the least loaded thread.
        columns.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let n = threads.clamp(1, columns.len().max(1));
        let mut groups: Vec<(usize, Share)> = (0..n).map(|_| (0, Vec::new())).collect();
        for (i, ws, bytes) in columns {
            if let Some(g) = groups.iter_mut().min_by_key(|g| g.0) {
                g.0 += bytes;
                g.1.push((i, ws));
            }
        }
        let encode = |group: Share| -> Result<Vec<(usize, Vec<ArrowColumnChunk>)>> {
            let mut out = Vec::with_capacity(group.len());
            for (i, ws) in group {
                out.push((
                    i,
                    encode_column(batches, picks, &schema.fields()[i], i, ws)?,
                ));
            }
            Ok(out)
        };
        let mut done: Vec<(usize, Vec<ArrowColumnChunk>)> = Vec::new();
        let mut groups = groups.into_iter().map(|g| g.1);
        let first = groups.next().unwrap_or_default();
        std::thread::scope(|scope| -> Result<()> {
            let handles: Vec<_> = groups.map(|g| scope.spawn(|| encode(g))).collect();
            done.extend(encode(first)?);
            for h in handles {
                match h.join() {
                    Ok(r) => done.extend(r?),
                    Err(_) => return Err(Error::Usage("a column encoder thread failed".into())),
                }
            }
            Ok(())
        })?;
        done.sort_by_key(|(i, _)| *i);
        let mut rg = self.writer.next_row_group()?;
        for (_, chunks) in done {
            for c in chunks {
                c.append_to_row_group(&mut rg)?;
            }
        }
        rg.close()?;
        self.row_groups += 1;
        Ok(())
    }

    /// Writes the footer.
    /// Writes the footer and flushes the file to disk (it is renamed into the archive next: a
    /// crash after the rename must not leave an empty or partial file under the final name).
    pub fn close(self) -> Result<PathBuf> {
        let file = self.writer.into_inner()?;
        file.sync_all().map_err(|source| Error::Output {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.path)
    }
}

/// Gathers column `i` of `batches` in `picks` order and encodes it with its leaf writers.
fn encode_column(
    batches: &[RecordBatch],
    picks: &[(usize, usize)],
    field: &Arc<Field>,
    i: usize,
    writers: Vec<ArrowColumnWriter>,
) -> Result<Vec<ArrowColumnChunk>> {
    let sorted: ArrayRef = if VIEW_COLUMNS.contains(&field.name().as_str()) {
        // Gathered as views into the builders' buffers: sorting moves 16-byte views, not the
        // bytes, which the encoder then reads once where the parser put them (the Parquet
        // writer takes `Utf8View` for a `Utf8` column and writes the same bytes).
        let views: Vec<StringViewArray> = batches
            .iter()
            .map(|b| {
                b.column(i)
                    .as_string_opt::<i32>()
                    .map(StringViewArray::from)
                    .ok_or_else(|| Error::Usage(format!("column {} is not a string", field.name())))
            })
            .collect::<Result<_>>()?;
        let parts: Vec<&dyn Array> = views.iter().map(|v| v as &dyn Array).collect();
        interleave(&parts, picks)?
    } else {
        let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(i).as_ref()).collect();
        interleave(&parts, picks)?
    };
    let mut writers = writers;
    for (w, leaf) in writers.iter_mut().zip(compute_leaves(field, &sorted)?) {
        w.write(&leaf)?;
    }
    writers
        .into_iter()
        .map(|w| w.close().map_err(Error::from))
        .collect()
}

#[cfg(test)]
mod tests {
    //! Round trip, as a property: any event we can write, we read back unchanged. Random audit
    //! events (seeded, so a failure names its seed) with hostile strings, optional fields left
    //! out, empty and long lists and maps, are parsed into rows, written the way `convert`
    //! writes a part (sorted, several row groups, columns encoded on two threads), and read
    //! back with the plain Parquet reader: the rows must equal the written rows in the
    //! archive's order, value for value.

    use std::fmt::Write as _;

    use datafusion::arrow::compute::concat_batches;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::ingest::scan::{ScanOptions, scan_bytes};

    /// Strings a parser or an encoder could get wrong.
    const PIECES: [&str; 16] = [
        "",
        "a",
        "system:serviceaccount:kube-system:default",
        "forbid",
        "\"quoted\"",
        "back\\slash",
        "tab\tnew\nline",
        "\u{0}nul",
        "\u{1b}[31mred",
        "é",
        "日本語",
        "🦀 astral",
        "\u{202e}rtl",
        "/api/v1/namespaces/default/pods?watch=true&x=%2F",
        "ünïcödé:ключ",
        "{\"not\":\"json\"}",
    ];

    fn text(rng: &mut ChaCha8Rng) -> String {
        let mut s = String::new();
        for _ in 0..rng.random_range(0..4) {
            s.push_str(PIECES[rng.random_range(0..PIECES.len())]);
        }
        if rng.random_bool(0.05) {
            s.push_str(&"x".repeat(rng.random_range(1000..5000)));
        }
        s
    }

    fn list(rng: &mut ChaCha8Rng) -> Value {
        Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| Value::String(text(rng)))
                .collect(),
        )
    }

    /// Sets `key` most of the time: optional fields are sometimes missing.
    fn maybe(
        rng: &mut ChaCha8Rng,
        obj: &mut Map<String, Value>,
        key: &str,
        v: impl FnOnce(&mut ChaCha8Rng) -> Value,
    ) {
        if rng.random_bool(0.7) {
            let v = v(rng);
            obj.insert(key.to_owned(), v);
        }
    }

    fn event(rng: &mut ChaCha8Rng, i: usize) -> Value {
        let micros: i64 = rng.random_range(1_577_836_800_000_000..1_893_456_000_000_000);
        let t = |m: i64| {
            chrono::DateTime::from_timestamp_micros(m)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
                .unwrap_or_default()
        };
        let mut e = Map::new();
        e.insert("kind".into(), json!("Event"));
        e.insert("apiVersion".into(), json!("audit.k8s.io/v1"));
        e.insert("auditID".into(), json!(format!("id-{i}-{}", text(rng))));
        e.insert("requestReceivedTimestamp".into(), json!(t(micros)));
        e.insert("stageTimestamp".into(), json!(t(micros + 1234)));
        let stage = ["RequestReceived", "ResponseComplete", "Panic"][rng.random_range(0..3)];
        e.insert("stage".into(), json!(stage));
        maybe(rng, &mut e, "level", |_| json!("RequestResponse"));
        maybe(rng, &mut e, "verb", |rng| json!(text(rng)));
        maybe(rng, &mut e, "requestURI", |rng| json!(text(rng)));
        maybe(rng, &mut e, "userAgent", |rng| json!(text(rng)));
        maybe(rng, &mut e, "sourceIPs", list);
        let mut user = Map::new();
        maybe(rng, &mut user, "username", |rng| json!(text(rng)));
        maybe(rng, &mut user, "uid", |rng| json!(text(rng)));
        maybe(rng, &mut user, "groups", list);
        let mut extra = Map::new();
        for _ in 0..rng.random_range(0..3) {
            extra.insert(text(rng), list(rng));
        }
        maybe(rng, &mut user, "extra", |_| Value::Object(extra));
        e.insert("user".into(), Value::Object(user));
        let mut obj = Map::new();
        for k in [
            "resource",
            "subresource",
            "namespace",
            "name",
            "apiGroup",
            "apiVersion",
        ] {
            maybe(rng, &mut obj, k, |rng| json!(text(rng)));
        }
        maybe(rng, &mut e, "objectRef", |_| Value::Object(obj));
        maybe(
            rng,
            &mut e,
            "responseStatus",
            |rng| json!({"code": rng.random_range(100..600), "message": text(rng), "reason": text(rng)}),
        );
        let mut ann = Map::new();
        if rng.random_bool(0.6) {
            let d = ["allow", "forbid", ""][rng.random_range(0..3)];
            ann.insert("authorization.k8s.io/decision".into(), json!(d));
            ann.insert("authorization.k8s.io/reason".into(), json!(text(rng)));
        }
        for _ in 0..rng.random_range(0..3) {
            ann.insert(text(rng), json!(text(rng)));
        }
        maybe(rng, &mut e, "annotations", |_| Value::Object(ann));
        maybe(rng, &mut e, "requestObject", |rng| {
            json!({"kind": "Pod", "metadata": {"name": text(rng)},
                   "spec": {"hostPID": rng.random_bool(0.5),
                            "containers": [{"image": text(rng), "securityContext": {"privileged": rng.random_bool(0.5)}}]}})
        });
        maybe(
            rng,
            &mut e,
            "responseObject",
            |rng| json!({"kind": "Status", "items": list(rng), "n": rng.random::<i32>()}),
        );
        Value::Object(e)
    }

    fn round_trip(seed: u64, events: usize) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut lines = String::new();
        for i in 0..events {
            let _ = writeln!(lines, "{}", event(&mut rng, i));
        }
        let opts = ScanOptions {
            threads: 1,
            ..ScanOptions::default()
        };
        let (batches, rejects, _) = scan_bytes(lines.as_bytes(), "gen.log", &opts)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert!(rejects.is_empty(), "seed {seed}: {rejects:?}");
        let file_cols: Vec<usize> = (0..file_schema().fields().len()).collect();
        let written: Vec<RecordBatch> = batches
            .iter()
            .map(|b| b.project(&file_cols))
            .collect::<std::result::Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        let rows: usize = written.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, events, "seed {seed}");

        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("part.parquet");
        let props =
            writer_props(&ConvertOptions::new(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        let mut part = PartFile::create(path.clone(), &props).unwrap_or_else(|e| panic!("{e}"));
        part.write_sorted(&written, RowOrder::Decision, 37, 2)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        part.close().unwrap_or_else(|e| panic!("{e}"));

        let file = File::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(ParquetRecordBatchReaderBuilder::build)
            .unwrap_or_else(|e| panic!("{e}"));
        let read: Vec<RecordBatch> = reader
            .collect::<std::result::Result<_, _>>()
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let read = concat_batches(&file_schema(), &read).unwrap_or_else(|e| panic!("{e}"));
        let expected = sort_batches(&written, RowOrder::Decision).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.num_rows(), expected.num_rows(), "seed {seed}");
        for (i, f) in file_schema().fields().iter().enumerate() {
            assert_eq!(
                read.column(i).to_data(),
                expected.column(i).to_data(),
                "seed {seed}: column {} differs after the round trip",
                f.name()
            );
        }
    }

    #[test]
    fn any_event_we_write_reads_back_unchanged() {
        for seed in 0..24 {
            round_trip(seed, 150);
        }
    }

    /// The columns gathered as views are read once by the encoder: no dictionary to intern
    /// them, no page statistics to compare them (see [`VIEW_COLUMNS`]), and they are strings.
    #[test]
    fn view_columns_are_strings_read_once() {
        let props = writer_props(&ConvertOptions::new(std::path::Path::new("archive")))
            .unwrap_or_else(|e| panic!("{e}"));
        let schema = file_schema();
        for c in VIEW_COLUMNS {
            let path = ColumnPath::from(c);
            assert!(!props.dictionary_enabled(&path), "{c} has a dictionary");
            assert_eq!(
                props.statistics_enabled(&path),
                EnabledStatistics::None,
                "{c} has statistics"
            );
            let field = schema.field_with_name(c).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(field.data_type(), &DataType::Utf8, "{c}");
        }
    }
}
