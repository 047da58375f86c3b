//! `audithound replay`: flags, the run, the executions listing and the summary.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use datafusion::arrow::array::{ArrayRef, RecordBatch, TimestampMicrosecondArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;

use super::{AlertArgs, OutArgs, QueryArgs};
use crate::error::{Error, Result};
use crate::ingest::timestamp::rfc3339;
use crate::query::ecs;
use crate::query::engine::parse_bound;
use crate::query::models::duration;
use crate::query::output::{Format, write_df};
use crate::query::replay::{self, Execution, Replay, ReplayOptions, TimestampField};
use crate::query::rules;
use crate::query::session::{QueryOptions, prepare};
use crate::report::fmt_count;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// The rule to replay.
    #[arg(long, default_value = rules::DEFAULT_RULE, value_name = "ID", help_heading = "Rules")]
    pub rule: String,
    /// Time between executions (default: the rule's `interval`, else 5m), e.g. 5m, 90s, 1h.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", help_heading = "Schedule")]
    pub interval: Option<i64>,
    /// What each execution searches, back from its time (default: the rule's `from`, else
    /// now-6m), e.g. 6m or now-6m.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", help_heading = "Schedule")]
    pub lookback: Option<i64>,
    /// Alerts one execution raises at most (default: the rule's `max_signals`, else 100).
    #[arg(long, value_name = "N", help_heading = "Schedule")]
    pub max_signals: Option<u64>,
    /// The first execution: YYYY-MM-DD or RFC 3339 (default: the first match's time floored to
    /// the interval).
    #[arg(long, value_name = "TIME", help_heading = "Schedule")]
    pub start: Option<String>,
    /// The time the schedule searches on: auto (event.ingested where the input carries it, else
    /// event_time), event-time, or received-time (requestReceivedTimestamp).
    #[arg(long, value_enum, default_value_t = TimestampField::Auto, help_heading = "Schedule")]
    pub timestamp: TimestampField,
    /// Added to every timestamp: the lag of a pipeline between the event and its indexing, e.g.
    /// 90s.
    #[arg(long, value_parser = parse_delay, value_name = "DURATION", default_value = "0s", help_heading = "Schedule")]
    pub ingest_delay: i64,
    /// List every execution, also those whose window held no match.
    #[arg(long, help_heading = "Output")]
    pub all_executions: bool,
    /// Also write the summary as JSON to FILE.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub summary: Option<PathBuf>,
    /// How many of the busiest executions the summary names.
    #[arg(long, default_value_t = 5, value_name = "N", help_heading = "Output")]
    pub busiest: usize,
    #[command(flatten)]
    pub alerts: AlertArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

pub(crate) fn parse_duration(s: &str) -> std::result::Result<i64, String> {
    duration(s)
        .filter(|d| *d > 0)
        .ok_or_else(|| format!("not a duration: {s:?} (e.g. 5m, 90s, 1h, now-6m)"))
}

fn parse_delay(s: &str) -> std::result::Result<i64, String> {
    duration(s).ok_or_else(|| format!("not a duration: {s:?} (e.g. 0s, 90s, 2m)"))
}

/// The executions as a table: one row each.
fn executions_frame(r: &Replay, limit: Option<usize>) -> Result<datafusion::prelude::DataFrame> {
    let rows: Vec<&Execution> = r
        .executions
        .iter()
        .take(limit.unwrap_or(usize::MAX))
        .collect();
    let ts = |f: &dyn Fn(&Execution) -> i64| -> ArrayRef {
        Arc::new(
            TimestampMicrosecondArray::from(rows.iter().map(|e| f(e)).collect::<Vec<_>>())
                .with_timezone("UTC"),
        )
    };
    let n = |f: &dyn Fn(&Execution) -> u64| -> ArrayRef {
        Arc::new(UInt64Array::from(
            rows.iter().map(|e| f(e)).collect::<Vec<_>>(),
        ))
    };
    let lookback = r.schedule.lookback;
    let columns = vec![
        n(&|e| e.index),
        ts(&|e| e.time),
        ts(&|e| e.time - lookback),
        ts(&|e| e.time),
        n(&|e| e.hits),
        n(&|e| e.raised),
        n(&|e| e.dropped),
        n(&|e| e.duplicates),
    ];
    let time = DataType::Timestamp(
        datafusion::arrow::datatypes::TimeUnit::Microsecond,
        Some("UTC".into()),
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("execution", DataType::UInt64, false),
        Field::new("time", time.clone(), false),
        Field::new("window_start", time.clone(), false),
        Field::new("window_end", time, false),
        Field::new("hits", DataType::UInt64, false),
        Field::new("raised", DataType::UInt64, false),
        Field::new("dropped", DataType::UInt64, false),
        Field::new("duplicates", DataType::UInt64, false),
    ]));
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
    let table = MemTable::try_new(schema, vec![vec![batch]])?;
    Ok(SessionContext::new().read_table(Arc::new(table))?)
}

/// The summary for people, on stderr.
fn print_summary(r: &Replay) {
    let t = &r.totals;
    let s = &r.schedule;
    let delay = if r.ingest_delay > 0 {
        format!(" + {} ingest delay", ecs::duration_text(r.ingest_delay))
    } else {
        String::new()
    };
    eprintln!(
        "replay of {}: every {} over now-{}, at most {} alerts per execution, on {}{delay}",
        r.rule_id,
        ecs::duration_text(s.interval),
        ecs::duration_text(s.lookback),
        s.max_signals,
        r.timestamp.describe(),
    );
    match (t.first_execution, t.last_execution) {
        (Some(a), Some(b)) => eprintln!(
            "  {} executions from {} to {}: {} with matches, {} hit the cap",
            fmt_count(t.executions),
            rfc3339(a),
            rfc3339(b),
            fmt_count(t.executions_with_hits),
            fmt_count(t.executions_capped)
        ),
        _ if t.matches == 0 && t.never_searched == 0 => {
            eprintln!("  no execution: no match in scope");
        }
        _ => eprintln!("  no execution: --start is after the last match's look-back"),
    }
    eprintln!(
        "  {} matching events, {} alerts raised; {} events never alerted because of the cap, {} outside every window",
        fmt_count(t.matches),
        fmt_count(t.raised),
        fmt_count(t.never_alerted_cap),
        fmt_count(t.never_searched)
    );
    eprintln!(
        "  dropped by the cap: {} (counted per execution); duplicates suppressed by id: {}",
        fmt_count(t.dropped),
        fmt_count(t.duplicates)
    );
    let days = r.per_day();
    if !days.is_empty() {
        eprintln!("  per day (alerts raised / matching events):");
        for (d, m, a) in &days {
            eprintln!("    {d}  {} / {}", fmt_count(*a), fmt_count(*m));
        }
    }
    if let Some((how, before, kept)) = &r.suppression {
        eprintln!(
            "  {how}: {} alerts raised → {} kept ({} suppressed)",
            fmt_count(*before),
            fmt_count(*kept),
            fmt_count(before - kept.min(before))
        );
    }
    if !r.busiest.is_empty() {
        eprintln!("  busiest executions:");
        for e in &r.busiest {
            eprintln!(
                "    {}  {} matches: {} raised, {} dropped, {} duplicates",
                rfc3339(e.time),
                fmt_count(e.hits),
                fmt_count(e.raised),
                fmt_count(e.dropped),
                fmt_count(e.duplicates)
            );
        }
    }
}

pub async fn run(a: &ReplayArgs) -> Result<i32> {
    let started = Instant::now();
    let format = a.out.format();
    if let Some(p) = &a.summary
        && p.exists()
        && !a.out.force
    {
        return Err(Error::Exists(p.clone()));
    }
    let opts = ReplayOptions {
        interval: a.interval,
        lookback: a.lookback,
        max_signals: a.max_signals,
        start: a
            .start
            .as_deref()
            .map(|s| parse_bound(s, false))
            .transpose()?,
        timestamp: a.timestamp,
        ingest_delay: a.ingest_delay,
        all_executions: a.all_executions,
        busiest: a.busiest,
        ..ReplayOptions::default()
    };
    let q = a.alerts.apply(a.query.options())?;
    let opts = ReplayOptions {
        suppression: q.suppression.clone(),
        ..opts
    };
    // Replay suppresses per execution itself, not through the engine.
    let q = QueryOptions {
        suppression: None,
        ..q
    };
    let p = prepare(&q, std::slice::from_ref(&a.rule), true).await?;
    let rule = p
        .rules
        .first()
        .ok_or_else(|| Error::Usage(format!("rule {:?} could not be loaded", a.rule)))?;
    let dest = a.out.destination();
    let r = if format == Format::Ecs {
        let mut w = ecs::Writer::open(&dest)?.with_limit(a.out.limit);
        let r = replay::run(&p.engine, rule, &opts, Some(&mut w), false).await?;
        w.finish()?;
        r
    } else {
        let r = replay::run(&p.engine, rule, &opts, None, true).await?;
        write_df(executions_frame(&r, a.out.limit)?, format, &dest, None).await?;
        r
    };
    super::hunt::raw_summary(&p.engine, &a.query);
    super::hunt::exceptions_summary(&p.engine);
    print_summary(&r);
    if let Some(path) = &a.summary {
        let mut text = serde_json::to_string_pretty(&r.summary_json())?;
        text.push('\n');
        std::fs::write(path, text).map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
    }
    eprintln!("replayed in {:.2} s", started.elapsed().as_secs_f64());
    Ok(0)
}
