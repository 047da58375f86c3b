//! `audithound replay`: what a rule would have raised had it run live, on Elastic's schedule.
//!
//! Elastic runs a detection rule every `interval` (5m) over a look-back `from` (now-6m) longer
//! than the interval, keeps at most `max_signals` (100) alerts per execution and drops the rest,
//! and gives each alert a deterministic id so the overlap of two look-backs does not alert twice.
//! A `hunt` reports every match; a replay says which of them the live rule would have shown, when,
//! and what the cap hid.
//!
//! The rule's matches come from [`models::matches`] (every model), ordered by the schedule's
//! timestamp (a DataFusion sort, which spills to disk beyond the memory limit) and then by alert
//! id, and stream through the [`simulate`] module, which keeps only the matches inside the current
//! look-back. The alert id is `hunt`'s ([`crate::query::hunt::alert_exprs`]).
//!
//! Where a model's match sits on the schedule:
//! * `event`: the event, at its timestamp;
//! * `aggregation`: the representative event of a group (its window's first or last event, as
//!   the rule's SQL picks it), standing for the group; the group itself is computed over fixed
//!   windows of the rule's `window`, not over each execution's look-back;
//! * `sequence`: the last event of the sequence (the one that completes it);
//! * `new_terms`: the first sighting of a term against its history, already decided per event
//!   (Elastic's per-execution form may alert twice on a term seen again just over the history
//!   window after its first sighting inside one look-back: not modelled).
//!
//! Exceptions apply to the matches before the schedule ([`models::matches`]); alert
//! suppression groups each execution's raised alerts in the [`Sink`] (per execution, or across
//! executions in windows of `--suppress-for` started at an execution's time), after the cap and
//! the deduplication by id, as Kibana suppresses the alerts an execution would create.

mod simulate;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::functions::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, col};
use datafusion::prelude::DataFrame;
use futures::StreamExt;
use serde_json::{Map, Value, json};

pub use simulate::{Execution, Schedule, Simulator, Sink, Totals};

use crate::error::{Error, Result};
use crate::ingest::timestamp::{MICROS_PER_DAY, date_string, rfc3339};
use crate::query::ecs::{self, RuleSchedule};
use crate::query::engine::Engine;
use crate::query::models::{self, duration};
use crate::query::rules::Rule;
use crate::query::suppression::{Candidate, Grouper, Kept, Key, Suppression, key_column};

/// Rows per batch when whole events are sorted for `--format ecs` (DataFusion's default is 8192).
const DOC_BATCH_ROWS: usize = 1024;

/// Elastic's defaults, for a rule whose header is silent.
pub const DEFAULT_INTERVAL: &str = "5m";
pub const DEFAULT_FROM: &str = "now-6m";
pub const DEFAULT_MAX_SIGNALS: u64 = 100;

/// The column the schedule searches on (Elastic's `timestamp_override`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum TimestampField {
    /// `ingested_time` (ECS `event.ingested`, what Elastic's rules search on) where the event
    /// carries it, else `event_time`: Elastic too falls back to a second timestamp for documents
    /// without `event.ingested`.
    #[default]
    Auto,
    /// `event_time` (the audit event's `stageTimestamp`).
    EventTime,
    /// `received_time` (`requestReceivedTimestamp`), else `event_time`.
    ReceivedTime,
}

impl TimestampField {
    /// The timestamp of `df`'s rows as microseconds (Int64).
    fn expr(self, df: &DataFrame) -> Expr {
        let micros =
            |c: &str| datafusion::logical_expr::cast(ecs::column_or_null(df, c), DataType::Int64);
        match self {
            TimestampField::Auto => coalesce(vec![micros("ingested_time"), micros("event_time")]),
            TimestampField::EventTime => micros("event_time"),
            TimestampField::ReceivedTime => {
                coalesce(vec![micros("received_time"), micros("event_time")])
            }
        }
    }

    /// How the summary names it.
    pub fn describe(self) -> &'static str {
        match self {
            TimestampField::Auto => "ingested_time where present, else event_time",
            TimestampField::EventTime => "event_time",
            TimestampField::ReceivedTime => "received_time, else event_time",
        }
    }
}

/// What to replay, beside the data and the rule (the CLI's flags build it).
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// Overrides the header's `interval` (microseconds).
    pub interval: Option<i64>,
    /// Overrides the header's `from` (the look-back, microseconds).
    pub lookback: Option<i64>,
    /// Overrides the header's `max_signals`.
    pub max_signals: Option<u64>,
    /// The first execution (`None`: the first match's timestamp floored to the interval, so
    /// executions fall on clock multiples of the interval).
    pub start: Option<i64>,
    pub timestamp: TimestampField,
    /// Added to every timestamp: a pipeline's lag between the event and its indexing.
    pub ingest_delay: i64,
    /// Count only executions and matches with a time in `[from, to)`; the rest only set up the
    /// state (the daily report's day).
    pub count: Option<(i64, i64)>,
    /// Run executions through this time even after the last match (the end of the report's day).
    pub through: Option<i64>,
    /// List executions whose window is empty too.
    pub all_executions: bool,
    /// How many of the busiest executions to keep.
    pub busiest: usize,
    /// One alert per group, per execution or per window (`--suppress-by`).
    pub suppression: Option<Suppression>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        Self {
            interval: None,
            lookback: None,
            max_signals: None,
            start: None,
            timestamp: TimestampField::default(),
            ingest_delay: 0,
            count: None,
            through: None,
            all_executions: false,
            busiest: 10,
            suppression: None,
        }
    }
}

/// The rule's schedule: its header (Elastic's defaults where silent), then the overrides.
pub fn schedule(rule: &Rule, o: &ReplayOptions) -> Result<Schedule> {
    let bad = |message: String| Error::Rule {
        path: rule.path.clone(),
        message,
    };
    let header = |key: &str, default: &str| -> Result<i64> {
        let text = match rule.get(key) {
            "" => default,
            v => v,
        };
        duration(text).filter(|d| *d > 0).ok_or_else(|| {
            bad(format!(
                "header `{key}: {text}` is not a duration such as 5m or now-6m (give --{} to override it)",
                if key == "from" { "lookback" } else { key }
            ))
        })
    };
    let interval = match o.interval {
        Some(i) => i,
        None => header("interval", DEFAULT_INTERVAL)?,
    };
    let lookback = match o.lookback {
        Some(l) => l,
        None => header("from", DEFAULT_FROM)?,
    };
    let max_signals = match o.max_signals {
        Some(m) => m,
        None => match rule.get("max_signals") {
            "" => DEFAULT_MAX_SIGNALS,
            v => v.parse().map_err(|_| {
                bad(format!(
                    "header `max_signals: {v}` is not a whole number (give --max-signals to override it)"
                ))
            })?,
        },
    };
    if interval <= 0 || lookback <= 0 {
        return Err(Error::Usage(
            "--interval and --lookback must be longer than zero".into(),
        ));
    }
    Ok(Schedule {
        interval,
        lookback,
        max_signals,
    })
}

/// The schedule as a Kibana alert names it.
pub fn rule_schedule(s: &Schedule) -> RuleSchedule {
    RuleSchedule {
        interval: ecs::duration_text(s.interval),
        from: format!("now-{}", ecs::duration_text(s.lookback)),
        max_signals: s.max_signals,
    }
}

/// What a replay found.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub rule_id: String,
    pub schedule: Schedule,
    pub timestamp: TimestampField,
    pub ingest_delay: i64,
    pub totals: Totals,
    /// The executions (with a match in their window, or all with `all_executions`), in order.
    pub executions: Vec<Execution>,
    /// The busiest executions: most matches first, then the earliest.
    pub busiest: Vec<Execution>,
    /// With suppression: how it ran, and the alerts raised before it and kept by it.
    pub suppression: Option<(String, u64, u64)>,
}

/// A match on its way through the schedule.
pub struct Payload {
    doc: Option<Map<String, Value>>,
    key: Key,
    event_time: i64,
}

/// An alert raised by an execution, waiting for suppression.
#[derive(Debug, Clone)]
struct Raised {
    doc: Option<Map<String, Value>>,
    at: i64,
}

struct Collect<'w> {
    keep_executions: bool,
    executions: Vec<Execution>,
    busiest: Vec<Execution>,
    top: usize,
    docs: Option<&'w mut ecs::Writer>,
    rule_id: String,
    suppression: Option<Suppression>,
    /// This execution's alerts, before suppression.
    pending: Vec<Candidate<Raised>>,
    /// Open suppression windows (`--suppress-for`).
    windows: Grouper<Raised>,
    /// Alerts raised, and kept by suppression.
    before: u64,
    kept: u64,
}

impl Collect<'_> {
    fn write(
        &mut self,
        doc: Option<Map<String, Value>>,
        at: i64,
        k: Option<&Kept<Raised>>,
    ) -> Result<()> {
        self.kept += 1;
        if let (Some(w), Some(mut doc)) = (self.docs.as_deref_mut(), doc) {
            ecs::stamp(&mut doc, at, Some((&self.rule_id, at)));
            if let (Some(k), Some(s)) = (k, &self.suppression) {
                ecs::insert_suppression(&mut doc, k.docs_count, k.start, k.end, s.terms(&k.key));
            }
            w.write(&doc)?;
        }
        Ok(())
    }

    fn write_kept(&mut self, kept: Vec<Kept<Raised>>) -> Result<()> {
        for k in kept {
            let (doc, at) = (k.payload.doc.clone(), k.payload.at);
            self.write(doc, at, Some(&k))?;
        }
        Ok(())
    }

    /// Suppresses the alerts of the execution that just ran (at `t`).
    fn suppress(&mut self, t: i64) -> Result<()> {
        let Some(s) = self.suppression.clone() else {
            return Ok(());
        };
        let pending = std::mem::take(&mut self.pending);
        if s.window.is_none() {
            // Per execution: groups of this execution's alerts, their events' times.
            let mut g = Grouper::new(None);
            for c in pending {
                let alone = s.alone(&c.key);
                let stamp = c.time;
                if let Some(k) = g.push(c, stamp, alone) {
                    self.write_kept(vec![k])?;
                }
            }
            let kept = g.finish();
            self.write_kept(kept)?;
        } else {
            let closed = self.windows.close_before(t);
            self.write_kept(closed)?;
            for c in pending {
                let alone = s.alone(&c.key);
                if let Some(k) = self.windows.push(c, t, alone) {
                    self.write_kept(vec![k])?;
                }
            }
        }
        Ok(())
    }
}

impl Sink<Payload> for Collect<'_> {
    fn alert(&mut self, _index: u64, time: i64, p: &Payload) -> Result<()> {
        self.before += 1;
        if let Some(s) = &self.suppression {
            let window_time = if s.window.is_some() {
                time
            } else {
                p.event_time
            };
            self.pending.push(Candidate {
                key: p.key.clone(),
                time: window_time,
                payload: Raised {
                    doc: p.doc.clone(),
                    at: time,
                },
            });
            return Ok(());
        }
        self.write(p.doc.clone(), time, None)
    }

    fn execution(&mut self, e: &Execution) -> Result<()> {
        self.suppress(e.time)?;
        if self.keep_executions {
            self.executions.push(*e);
        }
        if self.top > 0 && e.hits > 0 {
            let at = self.busiest.partition_point(|b| {
                (b.hits, std::cmp::Reverse(b.time)) >= (e.hits, std::cmp::Reverse(e.time))
            });
            if at < self.top {
                self.busiest.insert(at, *e);
                self.busiest.truncate(self.top);
            }
        }
        Ok(())
    }
}

/// Replays `rule` over the engine's data. With `docs`, every raised alert is written there as a
/// Kibana alert document as it is raised; `keep_executions` collects the executions for a
/// listing (the totals are always kept).
pub async fn run(
    engine: &Engine,
    rule: &Rule,
    o: &ReplayOptions,
    docs: Option<&mut ecs::Writer>,
    keep_executions: bool,
) -> Result<Replay> {
    let s = schedule(rule, o)?;
    let want_docs = docs.is_some();
    if want_docs {
        // Whole events (bodies included) are sorted: smaller batches, so that merging the
        // sort's spill files, a batch of each at a time, fits the memory limit. Set before
        // planning: a plan keeps the session's settings of when it was made.
        let state = engine.ctx.state_ref();
        state
            .write()
            .config_mut()
            .options_mut()
            .execution
            .batch_size = datafusion::config::ConfigNonZeroUsize::try_new(DOC_BATCH_ROWS)?;
    }
    let mut matches = models::matches(engine, rule).await?;
    let sup = o.suppression.as_ref();
    let nkeys = sup.map_or(0, |s| s.fields.len());
    if let Some(s) = sup {
        matches = s.with_keys(matches)?;
    }
    let key_names: Vec<String> = (0..nkeys).map(key_column).collect();
    let ts = "__replay_ts";
    let at = o.timestamp.expr(&matches);
    let mut keep: Vec<&str> = vec![ts];
    keep.extend(key_names.iter().map(String::as_str));
    let framed = ecs::frame(matches.with_column(ts, at)?, rule, &keep)?;
    let framed = if want_docs {
        framed
    } else {
        // The sort carries only what the schedule needs.
        let mut light = vec!["alert_id", "event_time"];
        light.extend(keep.iter().copied());
        framed.select_columns(&light)?
    };
    let df = framed.sort(vec![
        col(ts).sort(true, true),
        col("alert_id").sort(true, true),
    ])?;
    let fields = ecs::rule_fields(rule, &rule_schedule(&s));
    let mut sim = Simulator::new(s, o.start, o.count, o.all_executions);
    let mut sink = Collect {
        keep_executions,
        executions: Vec::new(),
        busiest: Vec::new(),
        top: o.busiest,
        docs,
        rule_id: rule.id.clone(),
        suppression: o.suppression.clone(),
        pending: Vec::new(),
        windows: Grouper::new(o.suppression.as_ref().and_then(|s| s.window)),
        before: 0,
        kept: 0,
    };
    let mut stream = df.execute_stream().await?;
    while let Some(b) = stream.next().await {
        let b = b?;
        let times = cast(b.column(b.schema().index_of(ts)?), &DataType::Int64)?;
        let times = times.as_primitive::<Int64Type>();
        let ids = cast(b.column(b.schema().index_of("alert_id")?), &DataType::Utf8)?;
        let ids = ids.as_string::<i32>();
        let rows = if want_docs {
            Some(ecs::Rows::new(&b)?)
        } else {
            None
        };
        let event_times = cast(
            b.column(b.schema().index_of("event_time")?),
            &DataType::Int64,
        )?;
        let event_times = event_times.as_primitive::<Int64Type>();
        let keys = key_names
            .iter()
            .map(|k| cast(b.column(b.schema().index_of(k)?), &DataType::Utf8).map_err(Error::from))
            .collect::<Result<Vec<_>>>()?;
        for i in 0..b.num_rows() {
            // Never null: event_time is not null, and every choice falls back to it.
            let t = if times.is_null(i) { 0 } else { times.value(i) };
            let doc = match &rows {
                Some(r) => Some(r.document(i, &fields)?),
                None => None,
            };
            let key: Key = keys
                .iter()
                .map(|k| {
                    let k = k.as_string::<i32>();
                    (!k.is_null(i)).then(|| k.value(i).to_owned())
                })
                .collect();
            let payload = Payload {
                doc,
                key,
                event_time: if event_times.is_null(i) {
                    0
                } else {
                    event_times.value(i)
                },
            };
            sim.push(
                t.saturating_add(o.ingest_delay),
                ids.value(i).to_owned(),
                payload,
                &mut sink,
            )?;
        }
    }
    let totals = sim.finish(o.through, &mut sink)?;
    let rest = sink.windows.finish();
    sink.write_kept(rest)?;
    Ok(Replay {
        rule_id: rule.id.clone(),
        schedule: s,
        timestamp: o.timestamp,
        ingest_delay: o.ingest_delay,
        totals,
        executions: sink.executions,
        busiest: sink.busiest,
        suppression: o
            .suppression
            .as_ref()
            .map(|s| (s.describe(), sink.before, sink.kept)),
    })
}

impl Replay {
    /// The summary as JSON (`--summary FILE`): times as RFC 3339, durations as Elastic writes
    /// them.
    pub fn summary_json(&self) -> Value {
        let t = &self.totals;
        let exec = |e: &Execution| {
            json!({
                "execution": e.index,
                "time": rfc3339(e.time),
                "window_start": rfc3339(e.time - self.schedule.lookback),
                "window_end": rfc3339(e.time),
                "hits": e.hits,
                "raised": e.raised,
                "dropped": e.dropped,
                "duplicates": e.duplicates,
            })
        };
        json!({
            "rule_id": self.rule_id,
            "interval": ecs::duration_text(self.schedule.interval),
            "from": format!("now-{}", ecs::duration_text(self.schedule.lookback)),
            "max_signals": self.schedule.max_signals,
            "timestamp": self.timestamp.describe(),
            "ingest_delay_seconds": self.ingest_delay / 1_000_000,
            "first_execution": t.first_execution.map(rfc3339),
            "last_execution": t.last_execution.map(rfc3339),
            "executions": t.executions,
            "executions_with_hits": t.executions_with_hits,
            "executions_capped": t.executions_capped,
            "matching_events": t.matches,
            "alerts_raised": t.raised,
            "dropped_by_cap": t.dropped,
            "duplicates_suppressed": t.duplicates,
            "events_never_alerted_because_of_cap": t.never_alerted_cap,
            "events_never_searched": t.never_searched,
            "per_day": self.per_day().iter().map(|(d, m, a)| json!({
                "date": d, "matching_events": m, "alerts_raised": a,
            })).collect::<Vec<_>>(),
            "busiest": self.busiest.iter().map(exec).collect::<Vec<_>>(),
            "suppression": self.suppression.as_ref().map(|(how, before, kept)| json!({
                "how": how, "alerts_before": before, "alerts_kept": kept,
                "suppressed": before - kept.min(before),
            })),
        })
    }

    /// `(date, matching events, alerts raised)` per UTC day.
    pub fn per_day(&self) -> Vec<(String, u64, u64)> {
        self.totals
            .per_day
            .iter()
            .map(|(day, (m, a))| (date_string(day * MICROS_PER_DAY), *m, *a))
            .collect()
    }
}
