//! Alert suppression (`--suppress-by FIELD[,FIELD..] [--suppress-for DURATION]
//! [--missing-fields suppress|keep]`): one alert per group of a rule's alerts with the same
//! values of one to three fields, as Elastic's rules do.
//!
//! **Groups.** Per rule, alerts with equal values of the fields (ECS names or our columns, as
//! [`crate::query::fields`] resolves them) form a group; a list field (`source.ip`) is one value,
//! its distinct elements sorted. An alert missing any of the fields (null, or an empty list) is,
//! with `--missing-fields suppress` (Elastic's default), grouped with the others missing the same
//! fields; with `keep`, never suppressed.
//!
//! **Windows.** Without `--suppress-for`, Elastic suppresses within one rule execution: `replay`
//! does exactly that, and `hunt`, `stats` and `report`, which have no executions, treat the whole
//! run as one (one alert per group). With `--suppress-for D`, a group's first alert opens a
//! window of `D`; the group's alerts inside it are suppressed into it, and the first alert after
//! it ends opens the next. Windows run on the alert's time: the execution's in `replay`, the
//! event's elsewhere.
//!
//! **The kept alert** is the group's (window's) first, by time then alert id, and carries
//! `docs_count` (the alerts suppressed into it, not counting itself: 0 when alone), `start` and
//! `end` (the first and last of their times: events' times per execution and in `hunt`;
//! executions' times with a window in `replay`, as Kibana sets them) and `terms` (`[{field,
//! value}]`): columns `suppression_*` in tables and NDJSON, `kibana.alert.suppression.*` in
//! `--format ecs`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, StringArray, StringBuilder, TimestampMicrosecondArray,
    UInt64Array,
};
use datafusion::arrow::compute::cast as cast_array;
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Int64Type, Schema};
use datafusion::common::{Column, JoinType};
use datafusion::datasource::MemTable;
use datafusion::functions::expr_fn::{coalesce, concat_ws, md5};
use datafusion::functions_nested::expr_fn::{array_distinct, array_sort, array_to_string};
use datafusion::logical_expr::{Expr, cast, lit};
use datafusion::prelude::DataFrame;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::ingest::timestamp::rfc3339;
use crate::query::engine::Engine;
use crate::query::fields::{self, Shape};
use crate::query::models;
use crate::query::rules::Rule;

/// What to do with an alert missing a suppression field (Elastic's `missing_fields_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MissingFields {
    /// Group the alerts missing a field together (Elastic's `suppress`, its default).
    #[default]
    Suppress,
    /// Never suppress an alert missing a field (Elastic's `doNotSuppress`).
    Keep,
}

/// The columns suppression adds to an alert.
pub const COLUMNS: [&str; 4] = [
    "suppression_docs_count",
    "suppression_start",
    "suppression_end",
    "suppression_terms",
];

/// How alerts are suppressed.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub fields: Vec<fields::Field>,
    /// `--suppress-for`, microseconds.
    pub window: Option<i64>,
    pub missing: MissingFields,
}

/// A group's key: each field's value as text (`None`: missing).
pub type Key = Vec<Option<String>>;

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// The key column of field `i`.
pub fn key_column(i: usize) -> String {
    format!("__sup_k{i}")
}

impl Suppression {
    /// Resolves one to three field names.
    pub fn new(names: &[String], window: Option<i64>, missing: MissingFields) -> Result<Self> {
        if names.is_empty() || names.len() > 3 {
            return Err(Error::Usage(format!(
                "--suppress-by takes one to three fields (as Elastic does), got {}",
                names.len()
            )));
        }
        let mut out = Vec::new();
        for n in names {
            let f = fields::resolve(n.trim(), true).ok_or_else(|| {
                Error::Usage(format!(
                    "--suppress-by: unknown field {n:?}: {}",
                    fields::HINT
                ))
            })?;
            out.push(f);
        }
        Ok(Self {
            fields: out,
            window,
            missing,
        })
    }

    /// How the summary describes it.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        let span = match self.window {
            Some(w) => format!("for {}", crate::query::ecs::duration_text(w)),
            None => "per execution".into(),
        };
        let missing = match self.missing {
            MissingFields::Suppress => "missing fields suppressed",
            MissingFields::Keep => "missing fields kept",
        };
        format!("suppression by {} ({span}, {missing})", names.join(", "))
    }

    /// `df` with one text key column per field ([`key_column`]).
    pub fn with_keys(&self, df: DataFrame) -> Result<DataFrame> {
        let mut df = df;
        for (i, f) in self.fields.iter().enumerate() {
            let e = match f.shape {
                Shape::List => {
                    let joined = array_to_string(
                        array_sort(
                            array_distinct(f.expr.clone()),
                            lit("ASC"),
                            lit("NULLS LAST"),
                        ),
                        lit(","),
                    );
                    datafusion::functions::expr_fn::nullif(joined, lit(""))
                }
                Shape::Text => f.expr.clone(),
                Shape::Number => cast(f.expr.clone(), DataType::Utf8),
                Shape::Time => cast(cast(f.expr.clone(), DataType::Int64), DataType::Utf8),
            };
            df = df.with_column(&key_column(i), e)?;
        }
        Ok(df)
    }

    /// The `terms` of a key: `[{field, value}]`, a list field's value as an array.
    pub fn terms(&self, key: &Key) -> Value {
        Value::Array(
            self.fields
                .iter()
                .zip(key)
                .map(|(f, v)| {
                    let value = match (v, f.shape) {
                        (None, _) => Value::Null,
                        (Some(s), Shape::List) => {
                            json!(s.split(',').collect::<Vec<_>>())
                        }
                        (Some(s), Shape::Number) => {
                            s.parse::<i64>().map_or_else(|_| json!(s), |n| json!(n))
                        }
                        (Some(s), Shape::Time) => s
                            .parse::<i64>()
                            .map_or_else(|_| json!(s), |t| json!(rfc3339(t))),
                        (Some(s), Shape::Text) => json!(s),
                    };
                    json!({ "field": f.name, "value": value })
                })
                .collect(),
        )
    }

    /// With `keep`, an alert missing a field is alone.
    pub fn alone(&self, key: &Key) -> bool {
        self.missing == MissingFields::Keep && key.iter().any(Option::is_none)
    }
}

/// One alert to suppress: its group, time, and what it carries.
pub struct Candidate<P> {
    pub key: Key,
    pub time: i64,
    pub payload: P,
}

/// A kept alert and what was suppressed into it.
#[derive(Debug, Clone)]
pub struct Kept<P> {
    pub key: Key,
    pub payload: P,
    pub docs_count: u64,
    pub start: i64,
    pub end: i64,
    /// When its window closes (`None`: per execution).
    window_end: Option<i64>,
}

/// Groups time-ordered alerts: [`Grouper::push`] returns the alerts a window closed.
pub struct Grouper<P> {
    window: Option<i64>,
    open: BTreeMap<Key, Kept<P>>,
}

impl<P> Grouper<P> {
    pub fn new(window: Option<i64>) -> Self {
        Self {
            window,
            open: BTreeMap::new(),
        }
    }

    /// Closes every window ending at or before `t`, in (start, key) order.
    pub fn close_before(&mut self, t: i64) -> Vec<Kept<P>> {
        let done: Vec<Key> = self
            .open
            .iter()
            .filter(|(_, k)| k.window_end.is_some_and(|e| e <= t))
            .map(|(key, _)| key.clone())
            .collect();
        let mut out: Vec<Kept<P>> = done.iter().filter_map(|k| self.open.remove(k)).collect();
        out.sort_by(|a, b| (a.start, &a.key).cmp(&(b.start, &b.key)));
        out
    }

    /// Adds an alert at `time` (`stamp`: the time `start`/`end` record); `alone` alerts are
    /// returned at once, kept.
    pub fn push(&mut self, c: Candidate<P>, stamp: i64, alone: bool) -> Option<Kept<P>> {
        let kept = Kept {
            key: c.key,
            payload: c.payload,
            docs_count: 0,
            start: stamp,
            end: stamp,
            window_end: self.window.map(|w| c.time.saturating_add(w)),
        };
        if alone {
            return Some(kept);
        }
        if let Some(open) = self.open.get_mut(&kept.key)
            && open.window_end.is_none_or(|e| c.time < e)
        {
            open.docs_count += 1;
            open.start = open.start.min(stamp);
            open.end = open.end.max(stamp);
            return None;
        }
        // A window that ended is closed by `close_before` before a later alert comes; an
        // alert of a group whose window ended in between reopens it here.
        if let Some(old) = self.open.insert(kept.key.clone(), kept) {
            self.open.insert(old.key.clone(), old);
        }
        None
    }

    /// Every open group, in (start, key) order.
    pub fn finish(&mut self) -> Vec<Kept<P>> {
        let mut out: Vec<Kept<P>> = std::mem::take(&mut self.open).into_values().collect();
        out.sort_by(|a, b| (a.start, &a.key).cmp(&(b.start, &b.key)));
        out
    }
}

/// Suppression attached to an engine, with what it did so far.
#[derive(Debug)]
pub struct Applied {
    pub suppression: Suppression,
    /// Per rule: (alerts before, alerts kept).
    counts: Mutex<BTreeMap<String, (u64, u64)>>,
}

impl Applied {
    pub fn new(suppression: Suppression) -> Self {
        Self {
            suppression,
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn record(&self, rule: &str, before: u64, kept: u64) {
        if let Ok(mut c) = self.counts.lock() {
            let e = c.entry(rule.to_owned()).or_default();
            e.0 += before;
            e.1 += kept;
        }
    }

    /// The summary lines for stderr.
    pub fn summary(&self) -> Vec<String> {
        let counts = self.counts.lock().map(|c| c.clone()).unwrap_or_default();
        let (before, kept) = counts
            .values()
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
        let mut out = vec![format!(
            "{}: {before} alert(s) → {kept} ({} suppressed)",
            self.suppression.describe(),
            before - kept.min(before)
        )];
        for (rule, (b, k)) in &counts {
            if b > k {
                out.push(format!("  rule {rule}: {b} → {k}"));
            }
        }
        out
    }

    /// `matches` of `rule` with only the kept alerts, and the [`COLUMNS`]: the rows are written
    /// once with their keys, grouped here in time order, and joined back by a row id.
    pub async fn apply(
        &self,
        engine: &Engine,
        rule: &Rule,
        matches: DataFrame,
    ) -> Result<DataFrame> {
        let s = &self.suppression;
        let names: Vec<String> = matches
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let has_details = names.iter().any(|n| n == "details");
        let text = |e: Expr| coalesce(vec![cast(e, DataType::Utf8), lit("")]);
        let mut id_parts = vec![
            text(column("source_file")),
            text(column("source_line")),
            text(column("audit_id")),
            text(cast(column("event_time"), DataType::Int64)),
        ];
        if has_details {
            id_parts.push(text(column("details")));
        }
        let keyed = s
            .with_keys(matches)
            .map_err(|e| Error::Rule {
                path: rule.path.clone(),
                message: format!("--suppress-by: {e}"),
            })?
            .with_column("__sup_row", md5(concat_ws(lit("|"), id_parts)))?;
        let schema = Arc::new(keyed.schema().as_arrow().clone());
        let file = engine.scratch_dir()?.join("suppression.parquet");
        engine.spill(keyed, &file).await?;
        let back = engine.read_spilled(&[file], &schema).await?;
        let n = s.fields.len();
        let mut light: Vec<Expr> = (0..n).map(|i| column(&key_column(i))).collect();
        light.push(cast(column("event_time"), DataType::Int64).alias("__sup_t"));
        light.push(column("__sup_row"));
        let sorted = back
            .clone()
            .select(light)?
            .sort(vec![
                column("__sup_t").sort(true, true),
                column("__sup_row").sort(true, true),
            ])?
            .collect()
            .await?;
        let mut g: Grouper<String> = Grouper::new(s.window);
        let mut kept: Vec<Kept<String>> = Vec::new();
        let mut before = 0u64;
        for b in &sorted {
            let keys: Vec<ArrayRef> = (0..n)
                .map(|i| cast_array(b.column(i), &DataType::Utf8))
                .collect::<std::result::Result<_, _>>()?;
            let t = cast_array(b.column(n), &DataType::Int64)?;
            let t = t.as_primitive::<Int64Type>();
            let ids = cast_array(b.column(n + 1), &DataType::Utf8)?;
            let ids = ids.as_string::<i32>();
            for r in 0..b.num_rows() {
                before += 1;
                let key: Key = keys
                    .iter()
                    .map(|k| {
                        let k = k.as_string::<i32>();
                        (!k.is_null(r)).then(|| k.value(r).to_owned())
                    })
                    .collect();
                let time = if t.is_null(r) { 0 } else { t.value(r) };
                kept.extend(g.close_before(time));
                let alone = s.alone(&key);
                let c = Candidate {
                    key,
                    time,
                    payload: ids.value(r).to_owned(),
                };
                kept.extend(g.push(c, time, alone));
            }
        }
        kept.extend(g.finish());
        self.record(&rule.id, before, kept.len() as u64);
        // Read where `back` is (this process), whichever session runs the rules.
        let right = datafusion::prelude::SessionContext::new()
            .read_table(Arc::new(kept_table(s, &kept)?))?;
        let joined = back.join(right, JoinType::Inner, &["__sup_row"], &["__sup_id"], None)?;
        let mut out: Vec<Expr> = names.iter().map(|c| column(c)).collect();
        out.extend(COLUMNS.iter().map(|c| column(c)));
        Ok(joined.select(out)?)
    }
}

/// The kept alerts as a table: row id and the suppression columns.
fn kept_table(s: &Suppression, kept: &[Kept<String>]) -> Result<MemTable> {
    let ts = crate::schema::timestamp_type();
    let schema = Arc::new(Schema::new(vec![
        ArrowField::new("__sup_id", DataType::Utf8, false),
        ArrowField::new(COLUMNS[0], DataType::UInt64, false),
        ArrowField::new(COLUMNS[1], ts.clone(), false),
        ArrowField::new(COLUMNS[2], ts, false),
        ArrowField::new(COLUMNS[3], DataType::Utf8, false),
    ]));
    let mut terms = StringBuilder::new();
    for k in kept {
        terms.append_value(s.terms(&k.key).to_string());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            kept.iter().map(|k| k.payload.as_str()),
        )),
        Arc::new(UInt64Array::from_iter_values(
            kept.iter().map(|k| k.docs_count),
        )),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(kept.iter().map(|k| k.start))
                .with_timezone("UTC"),
        ),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(kept.iter().map(|k| k.end))
                .with_timezone("UTC"),
        ),
        Arc::new(terms.finish()),
    ];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}

/// A rule's matches as its alerts: [`models::matches`] (exceptions applied), then the engine's
/// suppression, if any. Every command but `replay` (which suppresses per execution) reads
/// alerts through this.
pub async fn alerts(engine: &Engine, rule: &Rule) -> Result<DataFrame> {
    let m = models::matches(engine, rule).await?;
    suppress(engine, rule, m).await
}

/// `matches` of `rule` through the engine's suppression, if any.
pub async fn suppress(engine: &Engine, rule: &Rule, matches: DataFrame) -> Result<DataFrame> {
    match engine.suppression.as_deref() {
        Some(a) => a.apply(engine, rule, matches).await,
        None => Ok(matches),
    }
}

/// The suppression columns of an alert projection, when `df` carries them.
pub fn exprs_of(df: &DataFrame) -> Vec<Expr> {
    if df.schema().has_column_with_unqualified_name(COLUMNS[0]) {
        COLUMNS.iter().map(|c| column(c)).collect()
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;

    fn run(window: Option<i64>, alerts: &[(&str, i64)]) -> Vec<(String, u64, i64, i64)> {
        let mut g: Grouper<String> = Grouper::new(window);
        let mut out = Vec::new();
        for (i, (k, t)) in alerts.iter().enumerate() {
            out.extend(g.close_before(*t));
            let c = Candidate {
                key: vec![Some((*k).to_owned())],
                time: *t,
                payload: format!("{k}{i}"),
            };
            out.extend(g.push(c, *t, false));
        }
        out.extend(g.finish());
        out.into_iter()
            .map(|k| (k.payload, k.docs_count, k.start, k.end))
            .collect()
    }

    #[test]
    fn one_alert_per_group_per_run() {
        let got = run(
            None,
            &[("a", 0), ("b", MIN), ("a", 10 * MIN), ("a", 90 * MIN)],
        );
        assert_eq!(
            got,
            vec![("a0".into(), 2, 0, 90 * MIN), ("b1".into(), 0, MIN, MIN)]
        );
    }

    #[test]
    fn windows_restart_after_they_end() {
        // 10-minute windows: a at 0 opens [0, 10m); a at 9m is in it; a at 10m opens the next.
        let got = run(
            Some(10 * MIN),
            &[("a", 0), ("a", 9 * MIN), ("a", 10 * MIN), ("a", 25 * MIN)],
        );
        assert_eq!(
            got,
            vec![
                ("a0".into(), 1, 0, 9 * MIN),
                ("a2".into(), 0, 10 * MIN, 10 * MIN),
                ("a3".into(), 0, 25 * MIN, 25 * MIN)
            ]
        );
    }
}
