//! `audithound hunt`, `stats` and `sql`: flags, the run, and the summary of raw input read.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{AlertArgs, OutArgs, QueryArgs};
use crate::error::{Error, Result};
use crate::query::ecs;
use crate::query::engine::Engine;
use crate::query::hunt::{self, GroupKey};
use crate::query::output::{Destination, Format, write_df};
use crate::query::rules;
use crate::query::session::{open_engine, prepare};

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
    pub alerts: AlertArgs,
    #[command(flatten)]
    pub out: OutArgs,
    /// Also write the alerts counted as `stats` counts them (per rule, then account, verb,
    /// resource, or --by) to FILE, from the same read of the events. Its format follows the
    /// extension: .csv, .parquet, .ndjson/.jsonl/.json, anything else a text table.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Output",
        conflicts_with = "limit"
    )]
    pub stats: Option<PathBuf>,
    /// With --stats: group by these keys instead of account, verb, resource.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        requires = "stats",
        help_heading = "Output"
    )]
    pub by: Vec<GroupKey>,
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
    pub alerts: AlertArgs,
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

/// The columns of an alert shown in a terminal table.
pub(crate) const TABLE_COLUMNS: [&str; 11] = [
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

/// What the exceptions removed and what suppression kept, if they were asked for.
pub(crate) fn exceptions_summary(engine: &Engine) {
    if let Some(a) = &engine.exceptions {
        for line in a.summary() {
            eprintln!("{line}");
        }
    }
    if let Some(a) = &engine.suppression {
        for line in a.summary() {
            eprintln!("{line}");
        }
    }
}

/// After a query over raw logs: what was read and rejected.
pub(crate) fn raw_summary(engine: &Engine, q: &QueryArgs) {
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

/// The format of a `--stats` file, from its extension.
fn format_of(path: &std::path::Path) -> Format {
    match path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Format::Csv,
        Some("parquet") => Format::Parquet,
        Some("ndjson" | "jsonl" | "json") => Format::Ndjson,
        _ => Format::Table,
    }
}

pub async fn run_hunt(a: &HuntArgs) -> Result<i32> {
    if let Some(stats) = &a.stats {
        // Checked before the hunt, not after the alerts are written.
        let same = |o: &PathBuf| {
            o == stats || (o.canonicalize().ok() == stats.canonicalize().ok() && o.exists())
        };
        if a.out.output.as_ref().is_some_and(same) {
            return Err(Error::Usage(
                "--stats and --output name the same file: give the counts a file of their own"
                    .into(),
            ));
        }
        if stats.exists() && !a.out.force {
            return Err(Error::Exists(stats.clone()));
        }
    }
    if a.stats.is_some() && a.out.format() == Format::Ecs {
        return Err(Error::Usage(
            "--stats counts the alerts of --format table, ndjson, csv or parquet; \
             run `audithound stats` beside an ecs hunt"
                .into(),
        ));
    }
    let start = Instant::now();
    let p = prepare(&a.alerts.apply(a.query.options())?, &a.rule, true).await?;
    let n = if a.out.format() == Format::Ecs {
        // Kibana's alert documents: the rule's fields once per rule, its header's schedule.
        let fields = p
            .rules
            .iter()
            .map(|r| (r.id.clone(), ecs::rule_fields(r, &ecs::RuleSchedule::of(r))))
            .collect();
        let df = ecs::hunt_frame(&p.engine, &p.rules, a.out.limit).await?;
        ecs::write_hunt(df, &fields, &a.out.destination()).await?
    } else if let Some(stats) = &a.stats {
        // One read of the events for both: the alerts are kept (in memory, or a scratch file
        // when large), and both outputs are written from them.
        let all = p
            .engine
            .keep(hunt::alerts(&p.engine, &p.rules, None).await?)
            .await?;
        // Read back from a file in parallel, the rows need their order again.
        let n = write_df(
            hunt::in_alert_order(&p.engine, vec![(None, all.clone())], None).await?,
            a.out.format(),
            &a.out.destination(),
            Some(&TABLE_COLUMNS),
        )
        .await?;
        let groups = write_df(
            hunt::stats_of_alerts(&p.engine, all, &a.by).await?,
            format_of(stats),
            &Destination {
                path: Some(stats.clone()),
                force: a.out.force,
            },
            None,
        )
        .await?;
        eprintln!("{groups} group(s) of alerts in {}", stats.display());
        n
    } else {
        let df = hunt::alerts(&p.engine, &p.rules, a.out.limit).await?;
        write_df(
            df,
            a.out.format(),
            &a.out.destination(),
            Some(&TABLE_COLUMNS),
        )
        .await?
    };
    raw_summary(&p.engine, &a.query);
    exceptions_summary(&p.engine);
    // Name the rules when they are few; a whole pack is listed by `audithound rules`.
    let ids: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
    let named = if ids.len() <= 5 {
        format!(" ({})", ids.join(", "))
    } else {
        String::new()
    };
    eprintln!(
        "{n} alert(s) from {} rule(s){named} in {:.2} s",
        p.rules.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(i32::from(a.fail_on_alerts && n > 0))
}

pub async fn run_stats(a: &StatsArgs) -> Result<()> {
    let p = prepare(
        &a.alerts.apply(a.query.options())?,
        std::slice::from_ref(&a.rule),
        true,
    )
    .await?;
    let rule = p
        .rules
        .first()
        .ok_or_else(|| Error::Usage(format!("rule {:?} could not be loaded", a.rule)))?;
    let mut df = hunt::stats(&p.engine, rule, &a.by).await?;
    if let Some(n) = a.out.limit {
        df = df.limit(0, Some(n))?;
    }
    let n = write_df(df, a.out.format(), &a.out.destination(), None).await?;
    raw_summary(&p.engine, &a.query);
    exceptions_summary(&p.engine);
    eprintln!("{n} group(s) of {} matches", rule.id);
    Ok(())
}

pub async fn run_sql(a: &SqlArgs) -> Result<()> {
    let query = match (&a.execute, &a.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|source| Error::Input {
            path: f.clone(),
            source,
        })?,
        (None, None) => return Err(Error::Usage("give a query with -e or -f".into())),
    };
    // No rules to load or plan: the query is the user's.
    let engine = open_engine(&a.query.options()).await?;
    let mut df = hunt::sql(&engine, &query).await?;
    if let Some(n) = a.out.limit {
        df = df.limit(0, Some(n))?;
    }
    write_df(df, a.out.format(), &a.out.destination(), None).await?;
    raw_summary(&engine, &a.query);
    Ok(())
}
