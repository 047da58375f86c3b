//! The command line: clap definitions, one module per command, and the dispatch.
//!
//! Each command module defines its flags (doc comments become `--help`), turns them into the
//! library's option structs and calls the library; nothing under `src/` outside this folder
//! imports from it. Shared flag groups ([`ReadArgs`], [`QueryArgs`], [`OutArgs`]) are flattened
//! into the commands that take them. `main` calls [`run`] and turns its result into an exit code:
//! 0 the run completed, 1 alerts found with `--fail-on-alerts`, 2 error.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::ingest::parse::redact::Secrets;
use crate::ingest::scan::ScanOptions;
use crate::query::exceptions::Exceptions;
use crate::query::output::{Destination, Format};
use crate::query::session::QueryOptions;
use crate::query::suppression::{MissingFields, Suppression};

pub mod bench;
pub mod convert;
pub mod demo;
pub mod generate;
pub mod hunt;
pub mod replay;
pub mod report;
pub mod rules;
pub mod serve;

/// Hunt through Kubernetes audit-log archives.
#[derive(Debug, Parser)]
#[command(name = "audithound", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Object storage: the endpoint of an S3-compatible server (http://127.0.0.1:9000), an Azure
    /// account URL (Azurite: http://127.0.0.1:10000/devstoreaccount1) or a GCS base URL.
    /// Default: the provider's, or AWS_ENDPOINT_URL / AZURE_STORAGE_ENDPOINT.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help_heading = "Object storage"
    )]
    pub endpoint: Option<String>,
    /// Object storage: the S3 region (default: AWS_REGION, else us-east-1).
    #[arg(long, global = true, help_heading = "Object storage")]
    pub region: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert audit logs (raw, ECS, AKS, EKS, GKE; plain, gzip or zstd) into a Parquet archive.
    Convert(convert::ConvertArgs),
    /// Run detection rules over an archive or raw logs: one alert per matching event.
    Hunt(hunt::HuntArgs),
    /// A rule's matches grouped by account, verb and resource (or other keys).
    Stats(hunt::StatsArgs),
    /// Ad-hoc SQL over the events, as table `audit`.
    Sql(hunt::SqlArgs),
    /// Replay a rule on Elastic's schedule (every interval over a look-back, at most max_signals
    /// alerts per execution, duplicates suppressed by id): what the live rule would have raised.
    Replay(replay::ReplayArgs),
    /// List the rules.
    Rules(rules::RulesArgs),
    /// Write a daily report (HTML, Markdown, JSON) of a rule's matches.
    Report(report::ReportArgs),
    /// Generate realistic synthetic audit logs.
    Generate(generate::GenerateArgs),
    /// Time convert, hunt, stats and report on generated or given data.
    Bench(bench::BenchArgs),
    /// Convert the shipped sample in data/, hunt it, and show what to run next.
    Demo(demo::DemoArgs),
    /// Run a Ballista scheduler or executor, for hunts with --scheduler on a cluster.
    #[command(subcommand)]
    Serve(serve::ServeCommand),
}

/// Options shared by commands that read inputs.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Stop at the first bad line (exit code 2) instead of skipping and recording it.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,
    /// Longest line (or multi-line JSON document) accepted, in bytes.
    #[arg(long, default_value_t = crate::ingest::scan::DEFAULT_MAX_LINE, value_name = "BYTES", help_heading = "Input")]
    pub max_line_bytes: usize,
    /// Most bytes read from one input once decompressed, e.g. 64G, 500M, or `unlimited`: the
    /// rest of a larger input (a decompression bomb) is not read, and one rejected line records
    /// that.
    #[arg(long, default_value = "64G", value_name = "BYTES", value_parser = parse_input_cap, help_heading = "Input")]
    pub max_input_bytes: u64,
    /// Keep the data of Secret objects and service-account tokens in request and response bodies
    /// (by default each value is replaced by "<redacted blake3:…>"; the key of that hash is
    /// derived from AUDITHOUND_REDACTION_KEY when set).
    #[arg(long, help_heading = "Input")]
    pub keep_secrets: bool,
    /// Worker threads (default: all cores).
    #[arg(long, help_heading = "Input")]
    pub threads: Option<usize>,
}

/// The variable whose value keys the hash in redaction markers (see README, "Security").
pub const REDACTION_KEY_VAR: &str = "AUDITHOUND_REDACTION_KEY";

impl ReadArgs {
    /// The scan options these flags describe.
    pub fn scan_options(&self, cluster: Option<String>) -> ScanOptions {
        let secrets = if self.keep_secrets {
            Secrets::Keep
        } else {
            match std::env::var_os(REDACTION_KEY_VAR) {
                Some(k) if !k.is_empty() => Secrets::keyed(k.as_encoded_bytes()),
                _ => Secrets::default(),
            }
        };
        let mut o = ScanOptions {
            max_line: self.max_line_bytes,
            max_input: self.max_input_bytes,
            secrets,
            cluster,
            strict: self.strict,
            ..ScanOptions::default()
        };
        if let Some(t) = self.threads {
            o.threads = t.max(1);
        }
        o
    }
}

/// Options shared by commands that query events.
#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// An archive made by `convert`, or raw logs (files, directories, globs, - for stdin).
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Start (inclusive): YYYY-MM-DD or RFC 3339.
    #[arg(long, help_heading = "Scope")]
    pub from: Option<String>,
    /// End: YYYY-MM-DD (through that day) or RFC 3339 (exclusive).
    #[arg(long, help_heading = "Scope")]
    pub to: Option<String>,
    /// Only these clusters (repeatable).
    #[arg(long, help_heading = "Scope")]
    pub cluster: Vec<String>,
    /// Directory of .sql rules (default: the shipped rules).
    #[arg(long, value_name = "DIR", help_heading = "Rules")]
    pub rules: Option<PathBuf>,
    /// Memory for the query engine before it spills to disk, e.g. 512M, 2G.
    #[arg(long, default_value = "512M", value_parser = parse_size, help_heading = "Resources")]
    pub memory_limit: usize,
    /// Raw input: write every rejected line here (NDJSON: file, line, reason, excerpt).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub rejects: Option<PathBuf>,
    /// Run the queries on a Ballista cluster: its scheduler's address, df://HOST:PORT (archives
    /// only; see `audithound serve`).
    #[arg(long, value_name = "URL", help_heading = "Resources")]
    pub scheduler: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
}

impl QueryArgs {
    /// The library's query options these flags describe.
    pub fn options(&self) -> QueryOptions {
        QueryOptions {
            paths: self.paths.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            clusters: self.cluster.clone(),
            rules_dir: self.rules.clone(),
            memory_limit: self.memory_limit,
            rejects_file: self.rejects.clone(),
            scan: self.read.scan_options(None),
            scheduler: self.scheduler.clone(),
            exceptions: None,
            suppression: None,
        }
    }
}

/// Options shared by commands that raise alerts (hunt, stats, replay, report): Elastic's rule
/// exceptions and alert suppression.
#[derive(Debug, Clone, Args)]
pub struct AlertArgs {
    /// Rule exceptions: Kibana's exception list export (NDJSON) or the same as TOML (.toml).
    /// An event any item matches raises no alert; what each item removed is in the summary.
    #[arg(long, value_name = "FILE", help_heading = "Alerts")]
    pub exceptions: Option<PathBuf>,
    /// Suppress alerts: one alert per rule and group of these fields' values (one to three,
    /// comma-separated; ECS names such as user.name, source.ip, or our columns), per execution
    /// (`replay`) or per run (`hunt`, `stats`, `report`) unless --suppress-for is given.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "FIELD",
        help_heading = "Alerts"
    )]
    pub suppress_by: Vec<String>,
    /// Suppress for this long from a group's first alert (a new window opens with the first
    /// alert after it), e.g. 5m, 1h.
    #[arg(long, value_parser = replay::parse_duration, value_name = "DURATION", requires = "suppress_by", help_heading = "Alerts")]
    pub suppress_for: Option<i64>,
    /// Alerts missing a --suppress-by field: suppress (group them together, Elastic's default)
    /// or keep (never suppress them).
    #[arg(long, value_enum, default_value_t = MissingFields::Suppress, help_heading = "Alerts")]
    pub missing_fields: MissingFields,
}

impl AlertArgs {
    /// The query options with these flags' exceptions loaded.
    pub fn apply(&self, mut q: QueryOptions) -> Result<QueryOptions> {
        if let Some(p) = &self.exceptions {
            q.exceptions = Some(std::sync::Arc::new(Exceptions::load(p)?));
        }
        if !self.suppress_by.is_empty() {
            q.suppression = Some(Suppression::new(
                &self.suppress_by,
                self.suppress_for,
                self.missing_fields,
            )?);
        }
        Ok(q)
    }
}

/// Options shared by commands that print results.
#[derive(Debug, Clone, Args)]
pub struct OutArgs {
    /// Output format (default: table on a terminal, else ndjson).
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<Format>,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long, help_heading = "Output")]
    pub force: bool,
    /// At most N rows.
    #[arg(long, help_heading = "Output")]
    pub limit: Option<usize>,
}

impl OutArgs {
    /// Where results go.
    pub fn destination(&self) -> Destination {
        Destination {
            path: self.output.clone(),
            force: self.force,
        }
    }

    /// The format asked for, or the default for where results go.
    pub fn format(&self) -> Format {
        Format::resolve(self.format, self.output.is_some())
    }
}

/// Parses sizes like `512M`, `2G`, `1048576`.
pub fn parse_size(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: usize = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(format!("unknown size unit in {s:?}: use K, M, G or T")),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("not a size: {s:?} (e.g. 512M, 2G)"))?;
    if n <= 0.0 {
        return Err(format!("size must be positive: {s:?}"));
    }
    Ok((n * mult as f64) as usize)
}

/// Parses `--max-input-bytes`: a size, or `unlimited` (also `0`) for no cap.
pub fn parse_input_cap(s: &str) -> std::result::Result<u64, String> {
    match s.trim() {
        "unlimited" | "none" | "0" => Ok(u64::MAX),
        t => parse_size(t).map(|n| n as u64),
    }
}

/// Runs the command; returns the process exit code (errors are returned, and become 2 in main).
pub fn run(cli: Cli) -> Result<i32> {
    crate::store::configure(crate::store::StoreOptions {
        endpoint: cli.endpoint.clone(),
        region: cli.region.clone(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    rt.block_on(async move {
        match cli.command {
            Command::Convert(a) => convert::run(&a).map(|()| 0),
            Command::Hunt(a) => hunt::run_hunt(&a).await,
            Command::Stats(a) => hunt::run_stats(&a).await.map(|()| 0),
            Command::Sql(a) => hunt::run_sql(&a).await.map(|()| 0),
            Command::Replay(a) => replay::run(&a).await,
            Command::Rules(a) => rules::run(&a).await,
            Command::Report(a) => report::run(&a).await.map(|()| 0),
            Command::Generate(a) => generate::run(&a).map(|()| 0),
            Command::Bench(a) => bench::run(&a).map(|()| 0),
            Command::Demo(a) => demo::run(&a).await.map(|()| 0),
            Command::Serve(c) => serve::run(c).await.map(|()| 0),
        }
    })
}

/// Progress bars only when a person watches stderr.
pub(crate) fn stderr_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}
