//! DataFusion: a session with a bounded, spilling memory pool, and table `audit` over either an
//! archive written by `convert` (a hive-partitioned listing table: partition and row-group
//! pruning) or raw logs parsed on the fly by the same [`scan`](crate::ingest::scan) pipeline (a streaming
//! table: nothing is written, memory stays bounded).
//!
//! Time and cluster limits (`--from/--to/--cluster`) become filters on `event_time`, `date` and
//! `cluster` under a view named `audit`, so every rule and ad-hoc query sees only that slice and
//! DataFusion prunes partitions and row groups for it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SessionStateBuilder, TaskContext};
use datafusion::logical_expr::{Expr, LogicalPlan, col, lit};
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
use futures::StreamExt;

use crate::archive::convert::ArchiveDir;
use crate::archive::listing::DayListing;
use crate::error::{Error, Result};
use crate::ingest::input::{Source, expand};
use crate::ingest::scan::{Reject, ScanOptions, ScanStats, scan_source};
use crate::ingest::timestamp::{MICROS_PER_DAY, date_string, parse_micros};
use crate::query::rules::{self, Rule};
use crate::query::{functions, narrow};
use crate::schema::{event_schema, file_schema};

/// Default memory limit of the query engine: 512 MiB, beyond which sorts and aggregations spill.
pub const DEFAULT_MEMORY_LIMIT: usize = 512 << 20;

/// Rows per batch for a memory limit: DataFusion's 8,192 from 256 MiB up, fewer below, down to
/// 1,024 at 64 MiB. The merge that ends a sort holds a batch of every spilled run and cannot
/// spill itself: at 8,192 rows of alerts (wide rows: URIs, user agents, details) a 64 MiB hunt
/// of 16M events failed there.
fn batch_size(memory_limit: usize) -> usize {
    (memory_limit / (32 << 10)).clamp(1024, 8192)
}

/// Target partitions of a query run on a Ballista cluster.
pub const CLUSTER_PARTITIONS: usize = 16;

/// The name queries use for the events.
pub const TABLE: &str = "audit";
const BASE_TABLE: &str = "audit_all";

/// Where the events come from.
#[derive(Debug, Clone)]
pub enum Data {
    /// An archive written by `convert`: a directory, or a prefix in object storage.
    Archive(ArchiveDir),
    /// Raw logs, parsed on the fly (with the spool file of standard input, if any, kept alive).
    Raw(Vec<Source>, Option<Arc<tempfile::TempPath>>),
}

impl Data {
    /// An archive if the single path is one, else raw logs (files, directories, globs, `-`).
    /// Standard input is copied to a temporary file, at most `max_input` bytes
    /// (`--max-input-bytes`): more is refused, so an endless stream cannot fill the disk.
    pub fn from_paths(paths: &[String], max_input: u64) -> Result<Self> {
        if let [one] = paths {
            let p = Path::new(one);
            if crate::store::is_url(one) {
                let dir = ArchiveDir::parse(one)?;
                if dir.is_archive()? {
                    return Ok(Data::Archive(dir));
                }
            } else if p.is_dir() && crate::archive::convert::is_archive(p) {
                return Ok(Data::Archive(ArchiveDir::Local(p.to_path_buf())));
            }
        }
        for p in paths {
            if Path::new(p).is_dir() && crate::archive::convert::is_archive(Path::new(p)) {
                return Err(Error::Usage(format!(
                    "{p} is an archive; give one archive on its own, or raw log files, not both"
                )));
            }
        }
        let mut sources = expand(paths)?;
        let mut spool = None;
        // Every rule (and every query) reads the input again: standard input is copied to a
        // temporary file first, so the second reader does not find it drained.
        if sources.contains(&Source::Stdin) {
            let mut f = tempfile::NamedTempFile::new()?;
            crate::ingest::input::spool_stdin(&mut f, max_input, Error::Io)?;
            let path = f.into_temp_path();
            for s in &mut sources {
                if *s == Source::Stdin {
                    *s = Source::Spooled(path.to_path_buf());
                }
            }
            spool = Some(Arc::new(path));
        }
        Ok(Data::Raw(sources, spool))
    }
}

/// The slice of time and clusters to look at.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Inclusive start, microseconds UTC.
    pub from: Option<i64>,
    /// Exclusive end, microseconds UTC.
    pub to: Option<i64>,
    pub clusters: Vec<String>,
    /// How far before `from` the rules look back (new-terms history), microseconds.
    pub history: i64,
}

/// Parses `--from`/`--to`: a date (`2026-01-05`, meaning that whole day for `--to`) or RFC 3339.
pub fn parse_bound(s: &str, is_end: bool) -> Result<i64> {
    let t = parse_micros(s).ok_or_else(|| {
        Error::Usage(format!(
            "cannot read {s:?} as a date or time: use YYYY-MM-DD or RFC 3339 such as 2026-01-05T08:00:00Z"
        ))
    })?;
    // A bare date as the end means "through the end of that day".
    Ok(if is_end && s.trim().len() == 10 {
        t + MICROS_PER_DAY
    } else {
        t
    })
}

impl Scope {
    /// This scope with `from` moved back by the history the rules need.
    fn widened(&self) -> Scope {
        Scope {
            from: self.from.map(|f| f - self.history),
            history: 0,
            ..self.clone()
        }
    }

    fn filters(&self) -> Vec<Expr> {
        let ts = |v: i64| {
            lit(ScalarValue::TimestampMicrosecond(
                Some(v),
                Some("UTC".into()),
            ))
        };
        let mut f = Vec::new();
        if let Some(from) = self.from {
            f.push(col("event_time").gt_eq(ts(from)));
            f.push(col("date").gt_eq(lit(date_string(from))));
        }
        if let Some(to) = self.to {
            f.push(col("event_time").lt(ts(to)));
            f.push(col("date").lt_eq(lit(date_string(to - 1))));
        }
        if !self.clusters.is_empty() {
            // Stored names are made path-safe; match what the user typed the same way.
            let names = self
                .clusters
                .iter()
                .map(|c| lit(crate::ingest::scan::sanitize_partition(c).into_owned()))
                .collect();
            f.push(col("cluster").in_list(names, false));
        }
        f
    }
}

/// Scan counts and rejects of a raw-log table, filled by the first complete scan.
#[derive(Debug, Default)]
pub struct RawReport {
    pub stats: ScanStats,
    /// The first rejects, for the summary (all of them go to `rejects_file` when set).
    pub first_rejects: Vec<Reject>,
    pub done: bool,
}

impl fmt::Display for RawReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stats;
        write!(
            f,
            "{} lines read, {} events parsed, {} lines rejected",
            s.lines, s.events, s.rejected
        )?;
        if s.skipped > 0 {
            write!(
                f,
                ", {} lines skipped unparsed (they lack the rules' literals)",
                s.skipped
            )?;
        }
        if s.redacted > 0 {
            write!(f, ", {} secret values redacted", s.redacted)?;
        }
        Ok(())
    }
}

struct RawPartition {
    sources: Vec<Source>,
    opts: ScanOptions,
    report: Arc<Mutex<RawReport>>,
    rejects_file: Option<PathBuf>,
}

impl fmt::Debug for RawPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawPartition({} sources)", self.sources.len())
    }
}

const KEEP_REJECTS: usize = 20;

impl PartitionStream for RawPartition {
    fn schema(&self) -> &SchemaRef {
        static SCHEMA: std::sync::LazyLock<SchemaRef> = std::sync::LazyLock::new(event_schema);
        &SCHEMA
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (tx, rx) = tokio::sync::mpsc::channel::<datafusion::error::Result<RecordBatch>>(2);
        let sources = self.sources.clone();
        let opts = self.opts.clone();
        let report = Arc::clone(&self.report);
        let first_run = report.lock().is_ok_and(|r| !r.done);
        let rejects_file = if first_run {
            self.rejects_file.clone()
        } else {
            None
        };
        std::thread::spawn(move || {
            let mut total = ScanStats::default();
            let mut kept = Vec::new();
            let mut writer = None;
            let mut run = || -> Result<()> {
                if let Some(p) = &rejects_file {
                    let f = std::fs::File::create(p).map_err(|source| Error::Output {
                        path: p.clone(),
                        source,
                    })?;
                    writer = Some(std::io::BufWriter::new(f));
                }
                for src in &sources {
                    let stats = scan_source(
                        src,
                        &opts,
                        &mut |b| {
                            tx.blocking_send(Ok(b))
                                .map_err(|_| Error::Usage("query finished early".into()))
                        },
                        &mut |r| {
                            if kept.len() < KEEP_REJECTS {
                                kept.push(r.clone());
                            }
                            if let Some(w) = writer.as_mut() {
                                use std::io::Write;
                                serde_json::to_writer(&mut *w, r)?;
                                w.write_all(b"\n")?;
                            }
                            Ok(())
                        },
                        &|_| {},
                    )?;
                    total.add(&stats);
                }
                if let Some(mut w) = writer.take() {
                    use std::io::Write;
                    w.flush()?;
                }
                Ok(())
            };
            match run() {
                Ok(()) => {
                    if let Ok(mut r) = report.lock()
                        && !r.done
                    {
                        r.stats = total;
                        r.first_rejects = kept;
                        r.done = true;
                    }
                }
                Err(Error::Usage(m)) if m == "query finished early" => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(datafusion::error::DataFusionError::External(
                        Box::new(e),
                    )));
                }
            }
        });
        let stream =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
        Box::pin(RecordBatchStreamAdapter::new(
            event_schema(),
            stream.boxed(),
        ))
    }
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub memory_limit: usize,
    pub threads: usize,
    pub scan: ScanOptions,
    /// Where to write every rejected line of raw input (NDJSON), if anywhere.
    pub rejects_file: Option<PathBuf>,
    /// Run on this Ballista scheduler (`df://host:port`) instead of in this process.
    pub scheduler: Option<String>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            memory_limit: DEFAULT_MEMORY_LIMIT,
            threads: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            scan: ScanOptions::default(),
            rejects_file: None,
            scheduler: None,
        }
    }
}

/// A DataFusion session with table `audit` registered.
pub struct Engine {
    pub ctx: SessionContext,
    /// A session in this process (the same as `ctx` unless queries run on a cluster): it reads
    /// back what [`Engine::spill`] wrote here.
    local: SessionContext,
    /// Filled for raw input after the first query has read it all.
    pub raw: Option<Arc<Mutex<RawReport>>>,
    /// Queries run on a Ballista cluster (`--scheduler`).
    pub distributed: bool,
    /// Keeps the spooled copy of standard input alive as long as queries may read it.
    _spool: Option<Arc<tempfile::TempPath>>,
    /// Raw input staged once for several rules ([`Engine::stage_raw`]), deleted on drop.
    staged: Option<tempfile::TempDir>,
    /// The time range and clusters asked for.
    pub scope: Scope,
    /// The data within the scope widened by its history, when rules look back before `from`.
    wide: Option<DataFrame>,
    /// Temporary folders of intermediate results, deleted with the engine.
    scratch: Mutex<Vec<tempfile::TempDir>>,
    /// Exceptions every rule's matches pass through ([`crate::query::models::matches`]), with
    /// what they removed on this engine.
    pub exceptions: Option<Arc<crate::query::exceptions::Applied>>,
    /// Alert suppression for the commands that read alerts through
    /// [`crate::query::suppression::alerts`] (`replay` suppresses per execution instead).
    pub suppression: Option<Arc<crate::query::suppression::Applied>>,
}

impl Engine {
    /// Builds the session and registers `data` as `audit`, limited to `scope`.
    pub async fn open(data: &Data, scope: &Scope, opts: &EngineOptions) -> Result<Self> {
        let wide_scope = scope.widened();
        if opts.scheduler.is_some() && matches!(data, Data::Raw(..)) {
            return Err(Error::Usage(crate::cluster::RAW_NOT_DISTRIBUTABLE.into()));
        }
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(opts.memory_limit)))
            // Its own registry: the day-limited listing registered below is this session's.
            .with_object_store_registry(Arc::new(crate::store::Registry::default()))
            .build_arc()?;
        // On a cluster, plans are cut into this many partitions across all executors
        // (Ballista's own default); here, one per thread.
        let partitions = if opts.scheduler.is_some() {
            CLUSTER_PARTITIONS
        } else {
            opts.threads.max(1)
        };
        let mut config = SessionConfig::new()
            .with_target_partitions(partitions)
            .with_information_schema(true)
            .with_batch_size(batch_size(opts.memory_limit));
        let o = config.options_mut();
        // A sort's reservation for merging its spills, out of a small pool.
        o.execution.sort_spill_reservation_bytes =
            (opts.memory_limit / 16).min(o.execution.sort_spill_reservation_bytes);
        // No table statistics at planning: they would read every footer in scope before the
        // scan reads them again, and the rules' plans do not need them (partition values
        // prune days, page statistics prune rows inside the scan).
        o.execution.collect_statistics = false;
        o.execution.parquet.pushdown_filters = true;
        o.execution.parquet.reorder_filters = true;
        o.execution.time_zone = Some("+00:00".into());
        // The generic dialect reads an unquoted `cluster` (a partition column) as a keyword
        // after a comma; PostgreSQL's does not, and parses everything our rules use.
        o.sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
        let mut state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features();
        if opts.scheduler.is_none() {
            state = state.with_physical_optimizer_rule(Arc::new(narrow::Narrowing));
        }
        let ctx = SessionContext::new_with_state(state.build());
        let local = ctx.clone();
        // On a cluster: the same session, planned by Ballista. Tables are registered after
        // this step, which rebuilds the default catalog.
        let ctx = match &opts.scheduler {
            None => ctx,
            Some(url) => {
                functions::register(&local);
                crate::cluster::remote_context(url, ctx.state()).await?
            }
        };
        let mut raw = None;
        let mut spool = None;
        match data {
            Data::Archive(dir) => {
                let url = match dir {
                    ArchiveDir::Local(dir) => {
                        // A crafted or damaged file is named here, before DataFusion reads it.
                        crate::archive::check::check_local(
                            dir,
                            &crate::archive::check::InScope {
                                from_day: wide_scope.from.map(date_string),
                                to_day: wide_scope.to.map(|t| date_string(t - 1)),
                                clusters: &wide_scope.clusters,
                            },
                        )?;
                        // Not ListingTableUrl::parse: it would read `[` or `*` in the path as
                        // a glob.
                        let abs = std::path::absolute(dir).map_err(|source| Error::Input {
                            path: dir.clone(),
                            source,
                        })?;
                        url::Url::from_directory_path(&abs).map_err(|()| {
                            Error::Usage(format!("cannot use {} as an archive path", abs.display()))
                        })?
                    }
                    ArchiveDir::Remote(loc) => {
                        // List only the days in scope (DataFusion would list the whole root).
                        let days = DayListing {
                            inner: crate::store::store_for(&loc.root)?,
                            root: loc.path.clone(),
                            from: wide_scope.from.map(date_string),
                            to: wide_scope.to.map(|t| date_string(t - 1)),
                        };
                        ctx.register_object_store(&loc.root, Arc::new(days));
                        url::Url::parse(&loc.dir_url()).map_err(|e| {
                            Error::Usage(format!("cannot use {} as an archive: {e}", loc.dir_url()))
                        })?
                    }
                };
                let url = ListingTableUrl::try_new(url, None)?;
                let listing = ListingOptions::new(Arc::new(ParquetFormat::default()))
                    .with_file_extension(".parquet")
                    .with_table_partition_cols(vec![
                        ("cluster".to_owned(), DataType::Utf8),
                        ("date".to_owned(), DataType::Utf8),
                    ]);
                let config = ListingTableConfig::new(url)
                    .with_listing_options(listing)
                    .with_schema(file_schema());
                ctx.register_table(BASE_TABLE, Arc::new(ListingTable::try_new(config)?))?;
            }
            Data::Raw(sources, s) => {
                spool.clone_from(s);
                let report = Arc::new(Mutex::new(RawReport::default()));
                let part = RawPartition {
                    sources: sources.clone(),
                    opts: opts.scan.clone(),
                    report: Arc::clone(&report),
                    rejects_file: opts.rejects_file.clone(),
                };
                let table = StreamingTable::try_new(event_schema(), vec![Arc::new(part)])?;
                ctx.register_table(BASE_TABLE, Arc::new(table))?;
                raw = Some(report);
            }
        }
        let mut df = ctx.table(BASE_TABLE).await?;
        for f in wide_scope.filters() {
            df = df.filter(f)?;
        }
        let wide = (scope.history > 0 && scope.from.is_some()).then(|| df.clone());
        if wide.is_some() {
            for f in scope.filters() {
                df = df.filter(f)?;
            }
        }
        ctx.register_table(TABLE, df.into_view())?;
        functions::register(&ctx);
        Ok(Self {
            ctx,
            local,
            raw,
            distributed: opts.scheduler.is_some(),
            _spool: spool,
            staged: None,
            scope: scope.clone(),
            wide,
            scratch: Mutex::new(Vec::new()),
            exceptions: None,
            suppression: None,
        })
    }

    /// A new empty temporary folder that lives as long as the engine.
    pub fn scratch_dir(&self) -> Result<PathBuf> {
        let dir = tempfile::Builder::new()
            .prefix("audithound-")
            .tempdir()
            .map_err(Error::Io)?;
        let path = dir.path().to_path_buf();
        if let Ok(mut all) = self.scratch.lock() {
            all.push(dir);
        }
        Ok(path)
    }

    /// Plans `rule` with table `audit` reaching back by the scope's history (the rule's own
    /// look-back may be shorter; the model cuts it). Without history, the same as planning it.
    pub async fn plan_with_history(&self, rule: &Rule) -> Result<DataFrame> {
        self.plan_over(rule, None).await
    }

    /// Plans `rule` as [`Engine::plan_with_history`] does, over only the events `keep` holds for
    /// (a sequence rule's source events without its exceptions).
    pub async fn plan_over(&self, rule: &Rule, keep: Option<Expr>) -> Result<DataFrame> {
        let source = match (&self.wide, keep) {
            (None, None) => return rules::plan(&self.ctx, rule).await,
            (Some(wide), None) => wide.clone(),
            (Some(wide), Some(k)) => wide.clone().filter(k)?,
            (None, Some(k)) => self.ctx.table(TABLE).await?.filter(k)?,
        };
        // The plan keeps the table it was planned against, so `audit` is swapped for the time
        // of planning only.
        let narrow = self.ctx.deregister_table(TABLE)?;
        self.ctx.register_table(TABLE, source.into_view())?;
        let planned = rules::plan(&self.ctx, rule).await;
        let _ = self.ctx.deregister_table(TABLE)?;
        if let Some(t) = narrow {
            self.ctx.register_table(TABLE, t)?;
        }
        planned
    }

    /// On a cluster, `df` moved to this process if it holds a window function (`OVER`,
    /// `QUALIFY`): Ballista 55 never finishes a job whose window reads no rows, and loses the
    /// order a partitioned window needs. Such a rule reads the archive from here (object
    /// storage included); every other rule still runs on the cluster.
    pub fn here_if_windowed(&self, df: DataFrame) -> Result<DataFrame> {
        if !self.distributed {
            return Ok(df);
        }
        let windowed = df.logical_plan().exists(|node| {
            let mut found = matches!(node, LogicalPlan::Window(_));
            if !found {
                node.apply_subqueries(|sub| {
                    found |= sub.exists(|n| Ok(matches!(n, LogicalPlan::Window(_))))?;
                    Ok(TreeNodeRecursion::Continue)
                })?;
            }
            Ok(found)
        })?;
        Ok(if windowed {
            DataFrame::new(self.local.state(), df.logical_plan().clone())
        } else {
            df
        })
    }

    /// Raw input only: parses it once into a temporary Parquet file (the scope and the
    /// prefilter already applied) and points `audit` at that file, so several rules, or a
    /// rule and its stats, read the events without parsing the logs again. Memory stays
    /// bounded: the rows stream to disk in row groups of 64k rows. The file goes when the
    /// engine does. Does nothing for an archive.
    pub async fn stage_raw(&mut self) -> Result<()> {
        if self.raw.is_none() || self.staged.is_some() {
            return Ok(());
        }
        let dir = tempfile::Builder::new()
            .prefix("audithound-staged-")
            .tempdir()
            .map_err(Error::Io)?;
        let file = dir.path().join("events.parquet");
        let mut opts = datafusion::config::TableParquetOptions::default();
        // Read back once or a few times, then deleted: fast to write beats small.
        opts.global.compression = Some("lz4_raw".into());
        opts.global.max_row_group_size = 65_536;
        // With rules that look back, the history is staged too.
        let source = match &self.wide {
            Some(w) => w.clone(),
            None => self.ctx.table(TABLE).await?,
        };
        source
            .write_parquet(
                &file.display().to_string(),
                datafusion::dataframe::DataFrameWriteOptions::new().with_single_file_output(true),
                Some(opts),
            )
            .await?;
        let _ = self.ctx.deregister_table(TABLE)?;
        let staged = if file.exists() {
            self.ctx
                .read_parquet(
                    file.display().to_string(),
                    // The table's own types: read as string views, every small batch would
                    // count the whole page buffers it points into against the memory pool
                    // (a 240 MB reservation for one batch failed a 512 MiB hunt that way).
                    datafusion::prelude::ParquetReadOptions::default().schema(&event_schema()),
                )
                .await?
        } else {
            // No event passed the scope and the prefilter: nothing was written.
            let empty = datafusion::datasource::MemTable::try_new(event_schema(), vec![vec![]])?;
            self.ctx.read_table(Arc::new(empty))?
        };
        let mut narrow = staged.clone();
        if self.wide.is_some() {
            for f in self.scope.filters() {
                narrow = narrow.filter(f)?;
            }
            self.wide = Some(staged);
        }
        self.ctx.register_table(TABLE, narrow.into_view())?;
        self.staged = Some(dir);
        Ok(())
    }

    /// Runs `df` (here or on the cluster) once and gives its rows to read again: held in memory
    /// while they take at most [`KEEP_IN_MEMORY`] bytes (the common case: alerts are few), else
    /// written to a scratch file as [`Engine::spill`] does. Read back from a file, the rows may
    /// come in another order: sort them.
    pub async fn keep(&self, df: DataFrame) -> Result<DataFrame> {
        self.keep_within(df, KEEP_IN_MEMORY).await
    }

    /// Batches of `stream` until they take more than `limit` bytes, and whether any are left.
    async fn read_up_to(
        stream: &mut SendableRecordBatchStream,
        limit: usize,
    ) -> Result<(Vec<RecordBatch>, bool)> {
        let mut held = Vec::new();
        let mut bytes = 0;
        while let Some(b) = stream.next().await {
            let b = compact(&b?)?;
            bytes += b.get_array_memory_size();
            held.push(b);
            if bytes > limit {
                return Ok((held, true));
            }
        }
        Ok((held, false))
    }

    /// [`Engine::keep`] with at most `in_memory` bytes held in memory.
    async fn keep_within(&self, df: DataFrame, in_memory: usize) -> Result<DataFrame> {
        let schema = Arc::new(df.schema().as_arrow().clone());
        let mut stream = df.execute_stream().await?;
        let (held, rest) = Self::read_up_to(&mut stream, in_memory).await?;
        if !rest {
            let table = datafusion::datasource::MemTable::try_new(schema, vec![held])?;
            return Ok(self.local.read_table(Arc::new(table))?);
        }
        let file = self.scratch_dir()?.join("kept.parquet");
        write_spill(&file, Arc::clone(&schema), held, stream).await?;
        self.read_spilled(&[file], &schema).await
    }

    /// Runs `df` (here or on the cluster) and writes its rows to `file`, in this process, for
    /// [`Engine::read_spilled`]. Intermediate results: fast to write beats small.
    pub async fn spill(&self, df: DataFrame, file: &Path) -> Result<u64> {
        let schema = Arc::new(df.schema().as_arrow().clone());
        let stream = df.execute_stream().await?;
        write_spill(file, schema, Vec::new(), stream).await
    }

    /// The rows of Parquet `files` written by [`Engine::spill`] with `schema`, read in this
    /// process (with the table's own string types: read as views, every small batch would count
    /// the whole page buffers it points into against the memory pool).
    pub async fn read_spilled(&self, files: &[PathBuf], schema: &SchemaRef) -> Result<DataFrame> {
        let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        Ok(self
            .local
            .read_parquet(
                paths,
                datafusion::prelude::ParquetReadOptions::default().schema(schema),
            )
            .await?)
    }

    /// Runs every frame of `planned` (of one schema) one after another into its own file and
    /// gives their rows together: one plan holding them all would share the memory pool among
    /// all their sorts and aggregations at once (a pack of 58 rules failed at 512 MiB that
    /// way), and Ballista 55 never finishes a job whose plan is a union of several scans.
    /// A failure names the rule whose frame it was (`planned` pairs each frame with it).
    pub async fn one_after_another(
        &self,
        mut planned: Vec<(Option<&Rule>, DataFrame)>,
    ) -> Result<DataFrame> {
        match planned.len() {
            0 => Err(Error::Usage("no rules to run".into())),
            1 => Ok(planned.remove(0).1),
            _ => {
                let schema = Arc::new(planned[0].1.schema().as_arrow().clone());
                let dir = self.scratch_dir()?;
                let mut files = Vec::new();
                for (i, (rule, df)) in planned.into_iter().enumerate() {
                    let file = dir.join(format!("part-{i:03}.parquet"));
                    self.spill(df, &file).await.map_err(|e| match rule {
                        Some(r) => e.running(format!("rule {} ({})", r.id, r.path)),
                        None => e,
                    })?;
                    files.push(file);
                }
                self.read_spilled(&files, &schema).await
            }
        }
    }

    /// The raw-input report, once a query has read everything.
    pub fn raw_report(&self) -> Option<std::sync::MutexGuard<'_, RawReport>> {
        self.raw.as_ref().and_then(|r| r.lock().ok())
    }
}

/// Most bytes of rows [`Engine::keep`] holds in memory before it writes them to a file.
pub const KEEP_IN_MEMORY: usize = 64 << 20;

/// `b` with its string views copied out of the page buffers they point into: a few rows of a
/// scan hold (and would count) whole pages of strings.
fn compact(b: &RecordBatch) -> Result<RecordBatch> {
    use datafusion::arrow::array::{ArrayRef, AsArray};
    let columns: Vec<ArrayRef> = b
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Utf8View => Arc::new(c.as_string_view().gc()) as ArrayRef,
            DataType::BinaryView => Arc::new(c.as_binary_view().gc()) as ArrayRef,
            _ => Arc::clone(c),
        })
        .collect();
    Ok(RecordBatch::try_new(b.schema(), columns)?)
}

/// Writes `held`, then the rest of `stream`, to Parquet `file` as an intermediate result (fast
/// to write beats small); returns the number of rows.
async fn write_spill(
    file: &Path,
    schema: SchemaRef,
    held: Vec<RecordBatch>,
    mut stream: SendableRecordBatchStream,
) -> Result<u64> {
    let out = std::fs::File::create(file).map_err(|source| Error::Output {
        path: file.to_path_buf(),
        source,
    })?;
    let props = datafusion::parquet::file::properties::WriterProperties::builder()
        .set_compression(datafusion::parquet::basic::Compression::LZ4_RAW)
        .set_max_row_group_row_count(Some(65_536))
        .build();
    let mut w = datafusion::parquet::arrow::ArrowWriter::try_new(out, schema, Some(props))?;
    let mut rows = 0;
    for b in held {
        rows += b.num_rows() as u64;
        w.write(&b)?;
    }
    while let Some(b) = stream.next().await {
        let b = b?;
        rows += b.num_rows() as u64;
        w.write(&b)?;
    }
    w.close()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::logical_expr::col;

    use crate::query::session::prepared_over;

    /// Kept rows read back the same, held in memory or written to a file.
    #[tokio::test]
    async fn kept_rows_are_the_rows_in_memory_or_from_a_file() {
        let p = prepared_over(&["tests/fixtures/denials.jsonl"]).await;
        let alerts = crate::query::hunt::alerts(&p.engine, &p.rules, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let text = |batches: &[datafusion::arrow::array::RecordBatch]| {
            pretty_format_batches(batches)
                .unwrap_or_else(|e| panic!("{e}"))
                .to_string()
        };
        let want = text(
            &alerts
                .clone()
                .collect()
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(want.contains("denied-service-account-request"), "{want}");
        for limit in [super::KEEP_IN_MEMORY, 0] {
            let kept = p
                .engine
                .keep_within(alerts.clone(), limit)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let sorted = kept
                .sort(vec![
                    col("event_time").sort(true, true),
                    col("rule_id").sort(true, true),
                    col("alert_id").sort(true, true),
                ])
                .unwrap_or_else(|e| panic!("{e}"));
            let got = text(&sorted.collect().await.unwrap_or_else(|e| panic!("{e}")));
            assert_eq!(got, want, "held in at most {limit} bytes");
        }
    }
}
