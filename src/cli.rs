//! The command line: clap definitions and the glue from arguments to library calls.
//! `main` calls [`run`] and turns its result into an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use crate::convert::{ConvertOptions, ConvertSummary, convert};
use crate::engine::{Data, Engine, EngineOptions, Scope, parse_bound};
use crate::error::{Error, Result};
use crate::hunt::{self, GroupKey};
use crate::input::expand;
use crate::output::{Destination, Format, write_df};
use crate::rules::{self, Rule};
use crate::scan::{LineFilter, Prefilter, ScanOptions};

/// Hunt through Kubernetes audit-log archives.
#[derive(Debug, Parser)]
#[command(name = "audithound", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert audit logs (raw, ECS, AKS, EKS, GKE; plain, gzip or zstd) into a Parquet archive.
    Convert(ConvertArgs),
    /// Run detection rules over an archive or raw logs: one alert per matching event.
    Hunt(HuntArgs),
    /// A rule's matches grouped by account, verb and resource (or other keys).
    Stats(StatsArgs),
    /// Ad-hoc SQL over the events, as table `audit`.
    Sql(SqlArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Write a daily report (HTML, Markdown, JSON) of a rule's matches.
    Report(crate::daily::ReportArgs),
    /// Generate realistic synthetic audit logs.
    Generate(crate::generate_cli::GenerateArgs),
    /// Time convert, hunt, stats and report on generated or given data.
    Bench(crate::bench::BenchArgs),
    /// Convert the shipped sample in data/, hunt it, and show what to run next.
    Demo(DemoArgs),
}

/// Options shared by commands that read inputs.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Stop at the first bad line (exit code 2) instead of skipping and recording it.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,
    /// Longest line (or multi-line JSON document) accepted, in bytes.
    #[arg(long, default_value_t = crate::scan::DEFAULT_MAX_LINE, value_name = "BYTES", help_heading = "Input")]
    pub max_line_bytes: usize,
    /// Worker threads (default: all cores).
    #[arg(long, help_heading = "Input")]
    pub threads: Option<usize>,
}

impl ReadArgs {
    /// The scan options these flags describe.
    pub fn scan_options(&self, cluster: Option<String>) -> ScanOptions {
        let mut o = ScanOptions {
            max_line: self.max_line_bytes,
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

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Files, directories (walked recursively), glob patterns, or - for stdin.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// The archive directory (created if missing; new inputs are added to it).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Cluster name for every event (default: the name a wrapper carries, else `default`).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Convert inputs again even if the archive already holds them (their files are replaced).
    #[arg(long)]
    pub force: bool,
    /// Maximum rows per Parquet row group.
    #[arg(long, default_value_t = 128 * 1024, help_heading = "Tuning")]
    pub row_group_rows: usize,
    /// ZSTD level of the Parquet files.
    #[arg(long, default_value_t = 1, help_heading = "Tuning")]
    pub zstd_level: i32,
    /// Row order inside each row group.
    #[arg(long, value_enum, default_value = "decision", help_heading = "Tuning")]
    pub order: crate::convert::RowOrder,
    #[command(flatten)]
    pub read: ReadArgs,
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
    #[command(flatten)]
    pub read: ReadArgs,
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

#[derive(Debug, Args)]
pub struct HuntArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Run only this rule (repeatable; default: every rule).
    #[arg(long = "rule", value_name = "ID", help_heading = "Rules")]
    pub rule: Vec<String>,
    /// Exit with code 1 when there is any alert (for cron and CI).
    #[arg(long)]
    pub fail_on_alerts: bool,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// The rule whose matches are counted.
    #[arg(long, default_value = rules::DEFAULT_RULE, value_name = "ID", help_heading = "Rules")]
    pub rule: String,
    /// Group by these keys instead of account, verb, resource (comma-separated or repeated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub by: Vec<GroupKey>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// The query (read-only; the events are table `audit`).
    #[arg(
        short = 'e',
        long = "execute",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub execute: Option<String>,
    /// Read the query from FILE.
    #[arg(short = 'f', long)]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Directory of .sql rules (default: the shipped rules).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Treat a broken rule file as an error.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The sample to use.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
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
                _ => return Err(format!("unknown size unit in {s:?}: use K, M or G")),
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

/// Runs the command; returns the process exit code (errors are returned, and become 2 in main).
pub fn run(cli: Cli) -> Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    rt.block_on(async move {
        match cli.command {
            Command::Convert(a) => cmd_convert(&a).map(|()| 0),
            Command::Hunt(a) => cmd_hunt(&a).await,
            Command::Stats(a) => cmd_stats(&a).await.map(|()| 0),
            Command::Sql(a) => cmd_sql(&a).await.map(|()| 0),
            Command::Rules(a) => cmd_rules(&a).map(|()| 0),
            Command::Report(a) => crate::daily::run(&a).await.map(|()| 0),
            Command::Generate(a) => crate::generate_cli::run(&a).map(|()| 0),
            Command::Bench(a) => crate::bench::run(&a).map(|()| 0),
            Command::Demo(a) => demo(&a).await.map(|()| 0),
        }
    })
}

fn stderr_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

fn cmd_convert(a: &ConvertArgs) -> Result<()> {
    let sources = expand(&a.inputs)?;
    let mut o = ConvertOptions::new(&a.out);
    o.scan = a.read.scan_options(a.cluster.clone());
    o.force = a.force;
    o.row_group_rows = a.row_group_rows.max(1);
    o.zstd_level = a.zstd_level;
    o.order = a.order;
    o.progress = stderr_is_tty();
    let s = convert(&sources, &o)?;
    print_convert_summary(&s, &a.out);
    Ok(())
}

/// The final summary of `convert`, on stderr.
pub fn print_convert_summary(s: &ConvertSummary, out: &Path) {
    let mb = s.scan.bytes as f64 / 1e6;
    let secs = s.seconds.max(1e-9);
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "converted {} input(s) into {}: {} events, {} lines rejected, {} file(s) written ({:.1} MB)",
        s.inputs - s.skipped_inputs.len() as u64,
        out.display(),
        s.scan.events,
        s.scan.rejected,
        s.files_written,
        s.bytes_written as f64 / 1e6
    );
    let ratio = if s.bytes_written > 0 {
        s.scan.bytes as f64 / s.bytes_written as f64
    } else {
        0.0
    };
    let _ = writeln!(
        e,
        "  {mb:.1} MB of JSON read, compression {ratio:.1}x, {secs:.2} s, {:.0} events/s, {:.1} MB/s",
        s.scan.events as f64 / secs,
        mb / secs
    );
    for name in &s.skipped_inputs {
        let _ = writeln!(
            e,
            "  skipped {name}: already in the archive (--force converts it again)"
        );
    }
    if s.scan.rejected > 0 {
        for p in &s.reject_files {
            let _ = writeln!(e, "  rejected lines recorded in {}", p.display());
        }
    }
}

struct Prepared {
    engine: Engine,
    rules: Vec<Rule>,
}

/// Loads rules, checks their plans, opens the engine over the data.
async fn prepare(q: &QueryArgs, only: &[String], prefilter: bool) -> Result<Prepared> {
    let (mut rules, mut problems) = rules::load(q.rules.as_deref(), q.read.strict)?;
    if !only.is_empty() {
        for id in only {
            if !rules.iter().any(|r| &r.id == id)
                && !problems.iter().any(|p| p.path.contains(id.as_str()))
            {
                let known: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                return Err(Error::Usage(format!(
                    "no rule with id {id:?}; known: {}",
                    known.join(", ")
                )));
            }
        }
        rules.retain(|r| only.contains(&r.id));
    }
    let data = Data::from_paths(&q.paths)?;
    let scope = Scope {
        from: q
            .from
            .as_deref()
            .map(|s| parse_bound(s, false))
            .transpose()?,
        to: q.to.as_deref().map(|s| parse_bound(s, true)).transpose()?,
        clusters: q.cluster.clone(),
    };
    let mut scan = q.read.scan_options(None);
    // Raw logs: lines that lack every rule's literals cannot match; skip parsing them.
    if prefilter && !rules.is_empty() && rules.iter().all(|r| !r.requires.is_empty()) {
        scan.filter =
            LineFilter::any_of(rules.iter().map(|r| Prefilter::new(&r.requires)).collect());
    }
    let mut eo = EngineOptions {
        memory_limit: q.memory_limit,
        scan,
        rejects_file: q.rejects.clone(),
        ..EngineOptions::default()
    };
    if let Some(t) = q.read.threads {
        eo.threads = t.max(1);
    }
    let engine = Engine::open(&data, &scope, &eo).await?;
    let rules = rules::check_plans(&engine.ctx, rules, &mut problems, q.read.strict).await?;
    for p in &problems {
        eprintln!("warning: skipped rule {}: {}", p.path, p.message);
    }
    Ok(Prepared { engine, rules })
}

fn dest(o: &OutArgs) -> Destination {
    Destination {
        path: o.output.clone(),
        force: o.force,
    }
}

/// After a query over raw logs: what was read and rejected.
fn raw_summary(engine: &Engine, q: &QueryArgs) {
    if let Some(r) = engine.raw_report() {
        if !r.done {
            return;
        }
        eprintln!("{}", *r);
        for rj in r.first_rejects.iter().take(5) {
            eprintln!("  rejected {}:{}: {}", rj.file, rj.line, rj.reason);
        }
        if r.stats.rejected > 0 {
            match &q.rejects {
                Some(p) => eprintln!("  every rejected line is in {}", p.display()),
                None => eprintln!("  (--rejects FILE records every rejected line with its reason)"),
            }
        }
    }
}

const TABLE_COLUMNS: [&str; 11] = [
    "event_time",
    "rule_id",
    "user_name",
    "verb",
    "resource",
    "subresource",
    "namespace",
    "object_name",
    "response_code",
    "source_ips",
    "user_agent",
];

async fn cmd_hunt(a: &HuntArgs) -> Result<i32> {
    let start = Instant::now();
    let p = prepare(&a.query, &a.rule, true).await?;
    let df = hunt::alerts(&p.engine, &p.rules, a.out.limit).await?;
    let format = Format::resolve(a.out.format, a.out.output.is_some());
    let n = write_df(df, format, &dest(&a.out), Some(&TABLE_COLUMNS)).await?;
    raw_summary(&p.engine, &a.query);
    let ids: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
    eprintln!(
        "{n} alert(s) from {} rule(s) ({}) in {:.2} s",
        p.rules.len(),
        ids.join(", "),
        start.elapsed().as_secs_f64()
    );
    Ok(i32::from(a.fail_on_alerts && n > 0))
}

async fn cmd_stats(a: &StatsArgs) -> Result<()> {
    let p = prepare(&a.query, std::slice::from_ref(&a.rule), true).await?;
    let rule = p
        .rules
        .first()
        .ok_or_else(|| Error::Usage(format!("rule {:?} could not be loaded", a.rule)))?;
    let mut df = hunt::stats(&p.engine, rule, &a.by).await?;
    if let Some(n) = a.out.limit {
        df = df.limit(0, Some(n))?;
    }
    let format = Format::resolve(a.out.format, a.out.output.is_some());
    let n = write_df(df, format, &dest(&a.out), None).await?;
    raw_summary(&p.engine, &a.query);
    eprintln!("{n} group(s) of {} matches", rule.id);
    Ok(())
}

async fn cmd_sql(a: &SqlArgs) -> Result<()> {
    let query = match (&a.execute, &a.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|source| Error::Input {
            path: f.clone(),
            source,
        })?,
        (None, None) => return Err(Error::Usage("give a query with -e or -f".into())),
    };
    let p = prepare(&a.query, &[], false).await?;
    let mut df = hunt::sql(&p.engine, &query).await?;
    if let Some(n) = a.out.limit {
        df = df.limit(0, Some(n))?;
    }
    let format = Format::resolve(a.out.format, a.out.output.is_some());
    write_df(df, format, &dest(&a.out), None).await?;
    raw_summary(&p.engine, &a.query);
    Ok(())
}

fn cmd_rules(a: &RulesArgs) -> Result<()> {
    let (rules, problems) = rules::load(a.rules.as_deref(), a.strict)?;
    let mut out = std::io::stdout().lock();
    for r in &rules {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            r.id,
            r.severity,
            r.risk_score,
            r.get("mitre"),
            r.name
        )?;
    }
    for p in &problems {
        eprintln!("warning: skipped rule {}: {}", p.path, p.message);
    }
    Ok(())
}

/// `demo`: convert the sample into a temporary archive, hunt and stats it, say what to run next.
pub async fn demo(a: &DemoArgs) -> Result<()> {
    if !a.data.exists() {
        return Err(Error::Usage(format!(
            "the sample {} is missing: run demo from the repository root (cargo run --release -- demo)",
            a.data.display()
        )));
    }
    let tmp = tempfile::tempdir().map_err(Error::Io)?;
    let archive = tmp.path().join("archive");
    let sources = expand(&[a.data.display().to_string()])?
        .into_iter()
        .filter(|s| {
            !Path::new(&s.name())
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("md"))
        })
        .collect::<Vec<_>>();
    let mut o = ConvertOptions::new(&archive);
    o.progress = stderr_is_tty();
    let s = convert(&sources, &o)?;
    println!(
        "== 1. convert: {} events from {} file(s) in {}",
        s.scan.events,
        s.inputs,
        a.data.display()
    );
    println!(
        "   {} lines rejected (the sample holds a few bad lines on purpose; see {}/README.md)",
        s.scan.rejected,
        a.data.display()
    );
    let q = QueryArgs {
        paths: vec![archive.display().to_string()],
        from: None,
        to: None,
        cluster: Vec::new(),
        rules: None,
        memory_limit: crate::engine::DEFAULT_MEMORY_LIMIT,
        rejects: None,
        read: ReadArgs {
            strict: false,
            max_line_bytes: crate::scan::DEFAULT_MAX_LINE,
            threads: None,
        },
    };
    let p = prepare(&q, &[], true).await?;
    let alerts = hunt::alerts(&p.engine, &p.rules, None).await?;
    let total = alerts.clone().count().await?;
    println!(
        "\n== 2. hunt: {total} alert(s) of {}; the first 10:",
        rules::DEFAULT_RULE
    );
    let stdout = Destination {
        path: None,
        force: false,
    };
    write_df(
        alerts.limit(0, Some(10))?,
        Format::Table,
        &stdout,
        Some(&TABLE_COLUMNS),
    )
    .await?;
    let rule = p
        .rules
        .iter()
        .find(|r| r.id == rules::DEFAULT_RULE)
        .ok_or_else(|| Error::Usage("the shipped rule is missing".into()))?;
    println!("\n== 3. stats: denials by account, verb and resource (top 15)");
    let st = hunt::stats(&p.engine, rule, &[])
        .await?
        .select_columns(&[
            "account",
            "verb",
            "resource",
            "count",
            "first_seen",
            "last_seen",
            "namespaces",
        ])?
        .limit(0, Some(15))?;
    write_df(st, Format::Table, &stdout, None).await?;
    let d = a.data.display();
    println!(
        "\n== next\n  audithound convert {d} --out archive            # keep the archive\n  \
         audithound hunt archive --format ndjson -o alerts.ndjson\n  \
         audithound stats archive --by account,source_ip\n  \
         audithound report archive --date 2026-01-06 --out report\n  \
         audithound sql archive -e \"SELECT verb, count(*) FROM audit GROUP BY verb ORDER BY 2 DESC\"\n  \
         audithound generate --events 1000000 --days 7 -o big.jsonl.zst && audithound bench"
    );
    Ok(())
}
