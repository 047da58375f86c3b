//! Execution models: how a rule's query becomes the events it alerts on.
//!
//! A rule's header names its model (`-- model:`, default `event`); every model ends in event rows
//! of table `audit`, one per alert, plus an optional `details` column (JSON text) that the alert
//! carries:
//!
//! | model | the rule's SQL is | the runner adds | Elastic rule types |
//! |---|---|---|---|
//! | `event` | the alerts: `SELECT * FROM audit WHERE ...` | — | KQL/Lucene query, EQL `any where` |
//! | `aggregation` (`window`) | the whole aggregation: groups per window, `HAVING`, one representative event per group with `details` | the look-back before `--from` | ES\|QL `STATS ... BY ... \| WHERE`, threshold |
//! | `sequence` (`maxspan`) | the whole join: the last event of each sequence with `details` | the look-back before `--from` | EQL `sequence by ... with maxspan` |
//! | `new_terms` | the events that count: `SELECT * FROM audit WHERE ...` | the first sighting of each term, against the history window before it | new_terms, ES\|QL first-seen |
//!
//! **New terms, precisely.** Header keys `new_terms_fields` (one to three columns; a list column
//! such as `source_ips` gives one term per element) and `history_window_start` (`now-7d`). An event
//! matching the rule's query alerts for a term (the tuple of its fields' values) when no other
//! matching event with the same term happened in the `history_window_start` before it: an earlier
//! sighting at exactly `event time - window` still counts as seen (the window is closed at its
//! start), one a microsecond older does not. Events at the same instant are ordered by audit id,
//! file and line, so the first of them alerts. An event whose term field is missing or empty
//! has no term and never alerts (Elastic drops empty strings at ingest). The history before a hunt's
//! `--from` is read too (the scan is widened by the window), but only alerts inside the hunt's
//! scope are reported. With no data before an event (the start of an archive) every term is new,
//! as it is for Elastic on a fresh index. Elastic evaluates this per execution (every `interval`
//! over `from`); the continuous form here alerts on the same first sightings, except that
//! Elastic may alert twice on a term seen again just over the window after its first sighting
//! within one execution's look-back (see `audithound replay` for the per-execution form).

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, ScalarValue, UnnestOptions};
use datafusion::functions::expr_fn::nullif;
use datafusion::functions_window::expr_fn::lag;
use datafusion::logical_expr::{Expr, ExprFunctionExt, cast, col, lit};
use datafusion::prelude::DataFrame;

use crate::error::{Error, Result};
use crate::query::engine::{Engine, TABLE};
use crate::query::exceptions::Level;
use crate::query::rules::{Rule, plan};

/// How a rule runs (header `model`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Model {
    #[default]
    Event,
    /// Header `window`: the look-back of one execution (Elastic's `from`), microseconds.
    Aggregation { window: i64 },
    /// Header `maxspan`: the longest time from a sequence's first event to its last.
    Sequence { maxspan: i64 },
    NewTerms {
        /// Columns of `audit` whose values form the term.
        fields: Vec<String>,
        /// The history window, microseconds.
        history: i64,
    },
}

impl Model {
    /// The model a rule's header describes; an error names the bad key.
    pub fn from_header(get: impl Fn(&str) -> Option<String>) -> std::result::Result<Self, String> {
        let model = get("model").unwrap_or_else(|| "event".into());
        let span = |key: &str, example: &str| {
            let text = get(key).unwrap_or_default();
            duration(&text).filter(|d| *d > 0).ok_or_else(|| {
                format!("model {model} needs `-- {key}:` such as {example} (got {text:?})")
            })
        };
        match model.as_str() {
            "event" => Ok(Model::Event),
            "aggregation" => Ok(Model::Aggregation {
                window: span("window", "6m")?,
            }),
            "sequence" => Ok(Model::Sequence {
                maxspan: span("maxspan", "5m")?,
            }),
            "new_terms" => {
                let fields: Vec<String> = get("new_terms_fields")
                    .unwrap_or_default()
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                if fields.is_empty() || fields.len() > 3 {
                    return Err(
                        "model new_terms needs `-- new_terms_fields:` with one to three columns"
                            .into(),
                    );
                }
                let window = get("history_window_start").unwrap_or_default();
                let history = duration(&window).filter(|d| *d > 0).ok_or_else(|| {
                    format!(
                        "model new_terms needs `-- history_window_start:` such as now-7d (got {window:?})"
                    )
                })?;
                Ok(Model::NewTerms { fields, history })
            }
            other => Err(format!(
                "model {other:?} must be event, aggregation, sequence or new_terms"
            )),
        }
    }

    /// How far before the scope this model reads, microseconds: a group, sequence or term
    /// history that starts before `--from` is read whole, and only alerts inside the scope are
    /// kept.
    pub fn history(&self) -> i64 {
        match self {
            Model::Event => 0,
            Model::Aggregation { window } => *window,
            Model::Sequence { maxspan } => *maxspan,
            Model::NewTerms { history, .. } => *history,
        }
    }
}

/// Reads Elastic's durations: `now-7d`, `7d`, `5m`, `90s`, `1h` (microseconds).
pub fn duration(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t.strip_prefix("now-").unwrap_or(t);
    let unit = t.chars().last()?;
    let n: i64 = t[..t.len() - unit.len_utf8()].parse().ok()?;
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    n.checked_mul(secs)?.checked_mul(1_000_000)
}

/// The events a rule alerts on, as rows of `audit` plus, where the model gives one, `details`.
///
/// With exceptions on the engine ([`crate::query::exceptions`]), they are applied where Elastic
/// applies them for the rule's type: to the query's events (single-event and new-terms rules,
/// before the first sightings are decided), to the events a sequence is searched in, or to an
/// aggregation's result rows.
pub async fn matches(engine: &Engine, rule: &Rule) -> Result<DataFrame> {
    let ex = engine.exceptions.as_deref();
    let mut df = match &rule.model {
        Model::Event => {
            let df = engine.here_if_windowed(plan(&engine.ctx, rule).await?)?;
            return match ex {
                Some(a) => a.apply(engine, rule, Level::Matches, df, None).await,
                None => Ok(df),
            };
        }
        Model::NewTerms { fields, history } => new_terms(engine, rule, fields, *history).await?,
        Model::Aggregation { .. } => {
            engine.here_if_windowed(engine.plan_with_history(rule).await?)?
        }
        Model::Sequence { .. } => match ex {
            Some(a) => {
                a.count_only(rule, Level::SourceEvents, engine.ctx.table(TABLE).await?)
                    .await?;
                engine.here_if_windowed(engine.plan_over(rule, Some(a.keep_expr())).await?)?
            }
            None => engine.here_if_windowed(engine.plan_with_history(rule).await?)?,
        },
    };
    if !df.schema().has_column_with_unqualified_name("details") {
        return Err(Error::Rule {
            path: rule.path.clone(),
            message: "an aggregation or sequence rule must return a `details` column (json_build_object(...) AS details) beside the event's columns".into(),
        });
    }
    // Read with its history; report only what falls in the scope.
    if let Some(from) = engine.scope.from {
        df = df.filter(
            col("event_time").gt_eq(lit(ScalarValue::TimestampMicrosecond(
                Some(from),
                Some("UTC".into()),
            ))),
        )?;
    }
    if let (Some(a), Model::Aggregation { .. }) = (ex, &rule.model) {
        df = a.apply(engine, rule, Level::Results, df, None).await?;
    }
    Ok(df)
}

/// A column by its name as written (no parsing of dots as qualifiers).
fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

async fn new_terms(
    engine: &Engine,
    rule: &Rule,
    fields: &[String],
    history: i64,
) -> Result<DataFrame> {
    let bad = |message: String| Error::Rule {
        path: rule.path.clone(),
        message,
    };
    let mut df = engine.plan_with_history(rule).await?;
    if let Some(a) = engine.exceptions.as_deref() {
        // Elastic filters the query's documents: an excepted event is no sighting either.
        df = a
            .apply(engine, rule, Level::Matches, df, engine.scope.from)
            .await?;
    }
    // The bodies, which no alert shows, are not carried through the join back to whole rows
    // (they are most of an event's bytes).
    let light: Vec<Expr> = df
        .schema()
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            name @ ("request_object" | "response_object" | "object_fields") => {
                cast(lit(ScalarValue::Null), f.data_type().clone()).alias(name)
            }
            name => column(name),
        })
        .collect();
    df = df.select(light)?;
    if engine.distributed {
        // Ballista 55 loses the sort a partitioned window needs ("Expects PARTITION BY
        // expression to be ordered") or never finishes the job: the cluster filters, this
        // process finds the first sightings in what passed.
        let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
        let file = engine.scratch_dir()?.join("new-terms.parquet");
        engine.spill(df, &file).await?;
        df = engine.read_spilled(&[file], &schema).await?;
    }
    let event_columns: Vec<Expr> = df
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    for f in fields {
        if df.schema().field_with_unqualified_name(f).is_err() {
            return Err(bad(format!(
                "new_terms_fields: {f:?} is not a column of table audit"
            )));
        }
    }
    // Each event with its terms: `__term_i` is field i as text, one row per element of a list
    // field, and an event whose term is missing or empty has none.
    let term = |i: usize| format!("__term_{i}");
    let mut wide = df;
    for (i, f) in fields.iter().enumerate() {
        let is_list = wide
            .schema()
            .field_with_unqualified_name(f)
            .is_ok_and(|field| matches!(field.data_type(), DataType::List(_)));
        let name = term(i);
        wide = wide.with_column(&name, column(f))?;
        if is_list {
            wide = wide.unnest_columns_with_options(
                &[name.as_str()],
                UnnestOptions::new().with_preserve_nulls(false),
            )?;
        }
        wide = wide.with_column(&name, cast(column(&name), DataType::Utf8))?;
        wide = wide.filter(nullif(column(&name), lit("")).is_not_null())?;
    }
    let terms: Vec<Expr> = (0..fields.len()).map(|i| column(&term(i))).collect();
    // The first sighting of each term in each history-long bucket of time, by a hash aggregate
    // over the terms and times alone (no sort of every event). A later sighting in the same
    // bucket has one less than the window before it, so only a bucket's first can be new. It
    // is new when the term's last sighting in the buckets before it is older than the window:
    // that sighting is the newest before it, as nothing of the term came earlier in its own
    // bucket.
    let time = column("event_time");
    let micros = |e: Expr| cast(e, DataType::Int64);
    // Any bucket no longer than the window will do (the lag finds the newest earlier sighting
    // whatever the buckets): nanoseconds, capped where they would overflow (292 years).
    let stride = lit(ScalarValue::IntervalMonthDayNano(Some(
        datafusion::arrow::datatypes::IntervalMonthDayNano::new(
            0,
            0,
            history.min(i64::MAX / 1000) * 1000,
        ),
    )));
    let origin = lit(ScalarValue::TimestampMicrosecond(
        Some(0),
        Some("UTC".into()),
    ));
    let bucket = datafusion::functions::expr_fn::date_bin(stride, time.clone(), origin);
    let sighted = |i: usize| format!("__sighted_{i}");
    let mut by = terms.clone();
    by.push(bucket.alias("__bucket"));
    let previous = lag(col("__last"), Some(1), None)
        .partition_by(terms.clone())
        .order_by(vec![col("__bucket").sort(true, true)])
        .build()?;
    let mut firsts: Vec<Expr> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| t.clone().alias(sighted(i)))
        .collect();
    firsts.push(col("__first"));
    firsts.push(col("__previous"));
    let mut slim = terms.clone();
    slim.push(time.clone());
    let firsts = wide
        .clone()
        .select(slim)?
        .aggregate(
            by,
            vec![
                datafusion::functions_aggregate::expr_fn::min(time.clone()).alias("__first"),
                datafusion::functions_aggregate::expr_fn::max(time.clone()).alias("__last"),
            ],
        )?
        .with_column("__previous", previous)?
        .filter(
            col("__previous")
                .is_null()
                .or(micros(col("__previous")).lt(micros(col("__first")) - lit(history))),
        )?
        .select(firsts)?;
    // The events at those first sightings, joined to their whole rows (the few sightings on
    // the left: the hash join's build side). Of events with the term at the same instant, the
    // first by audit id, file and line is the sighting (the others have it just before them);
    // the rest of the order only makes the pick among copies of one record (a wrapper's
    // `records` holding it twice) the same on every run.
    let mut on: Vec<Expr> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| column(&sighted(i)).eq(t.clone()))
        .collect();
    on.push(col("__first").eq(time));
    let mut instant: Vec<Expr> = (0..fields.len()).map(|i| column(&sighted(i))).collect();
    instant.push(col("__first"));
    let tie = datafusion::functions_window::expr_fn::row_number()
        .partition_by(instant)
        .order_by(
            [
                "audit_id",
                "source_file",
                "source_line",
                "stage",
                "user_name",
                "verb",
                "request_uri",
                "user_agent",
            ]
            .iter()
            .map(|n| column(n).sort(true, true))
            .collect(),
        )
        .build()?;
    let joined = firsts
        .join_on(wide, datafusion::logical_expr::JoinType::Inner, on)?
        .with_column("__tie", tie)?
        .filter(col("__tie").eq(lit(1u64)))?;
    let mut parts = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        parts.push(lit(format!("new_terms.{f}")));
        parts.push(column(&sighted(i)));
    }
    parts.push(lit("history_window_start"));
    parts.push(lit(rule.get("history_window_start").to_owned()));
    parts.push(lit("previous_seen"));
    parts.push(col("__previous"));
    let details = crate::query::functions::json_build_object().call(parts);
    let mut out = event_columns;
    out.push(details.alias("details"));
    Ok(joined.select(out)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One column of the alerts that `rule` raises over `q`'s input, as text.
    async fn alert_column(
        q: &crate::query::session::QueryOptions,
        rule: &str,
        column: &str,
    ) -> Vec<String> {
        let p = crate::query::session::prepare(q, &[rule.to_owned()], true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let batches = crate::query::hunt::alerts(&p.engine, &p.rules, None)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .select_columns(&[column])
            .unwrap_or_else(|e| panic!("{e}"))
            .collect()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        for b in &batches {
            let c = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8)
                .unwrap_or_else(|e| panic!("{e}"));
            for v in datafusion::arrow::array::AsArray::as_string::<i32>(&c) {
                out.push(v.unwrap_or_default().to_owned());
            }
        }
        out
    }

    /// A record repeated in one line (a wrapper's `records` holding it twice, here with two
    /// request URIs) is one new term: one alert, the same copy on every run (the first URI),
    /// both for terms of plain columns (joined to whole rows at once) and for a list term
    /// (found among the slim rows, then joined back).
    #[tokio::test]
    async fn a_repeated_record_is_one_new_term() {
        let event = |uri: &str| {
            format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"dup","stage":"ResponseComplete","requestURI":"{uri}","verb":"list","user":{{"username":"system:serviceaccount:payments:api"}},"sourceIPs":["10.0.0.7"],"userAgent":"curl/8.5.0","objectRef":{{"resource":"secrets","apiVersion":"v1"}},"responseStatus":{{"code":403}},"requestReceivedTimestamp":"2026-01-05T10:00:00.000000Z","stageTimestamp":"2026-01-05T10:00:00.010000Z","annotations":{{"authorization.k8s.io/decision":"forbid"}}}}"#
            )
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("twice.json");
        let (b, a) = (event("/api/v1/secrets?b"), event("/api/v1/secrets?a"));
        std::fs::write(&file, format!("{{\"records\":[{b},{a}]}}\n"))
            .unwrap_or_else(|e| panic!("{e}"));
        let q = crate::query::session::QueryOptions::new(vec![file.display().to_string()]);
        let p = crate::query::session::prepare(&q, &[], true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let events: usize = crate::query::hunt::sql(&p.engine, "SELECT * FROM audit")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .count()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(events, 2, "both copies are events");
        for rule in [
            "denied-service-account-request-unusual-user-agent", // user_agent
            "secret-access-unusual-user-agent", // source_ips, user_agent, user_name
        ] {
            let uris = alert_column(&q, rule, "request_uri").await;
            assert_eq!(uris, ["/api/v1/secrets?a"], "{rule}");
        }
    }

    /// New terms against a brute-force reference, as a property: random events with a few user
    /// agents (one empty, some missing), their times bunched at the edges of the hour-long
    /// buckets and exactly an hour apart across them. An event alerts exactly when no earlier
    /// event (by time, then audit id) with its agent happened in the hour before it.
    #[tokio::test]
    async fn new_terms_match_a_brute_force_reference() {
        use rand::{RngExt, SeedableRng};
        use std::fmt::Write as _;
        const HOUR: i64 = 3_600_000_000;
        // 2026-01-05T00:00:00Z: a bucket edge (buckets are aligned to the epoch).
        const BASE: i64 = 1_767_571_200_000_000;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let rules = dir.path().join("rules");
        std::fs::create_dir(&rules).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            rules.join("nt.sql"),
            "-- id: nt\n-- name: new agents\n-- severity: low\n-- risk_score: 21\n\
             -- model: new_terms\n-- new_terms_fields: user_agent\n\
             -- history_window_start: now-1h\nSELECT * FROM audit\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let offsets = [
            0,
            1,
            2,
            HOUR / 2 - 1,
            HOUR / 2,
            HOUR / 2 + 1,
            HOUR - 2,
            HOUR - 1,
        ];
        for seed in 0..4u64 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut events: Vec<(i64, String, Option<&str>)> = Vec::new();
            let mut lines = String::new();
            for i in 0..150 {
                let hour: i64 = rng.random_range(0..24);
                let offset = if rng.random_bool(0.8) {
                    offsets[rng.random_range(0..offsets.len())]
                } else {
                    rng.random_range(0..HOUR)
                };
                let t = BASE + hour * HOUR + offset;
                let agent =
                    [Some("a"), Some("b"), Some("c"), Some(""), None][rng.random_range(0..5)];
                let id = format!("e{i:03}");
                let time = chrono::DateTime::from_timestamp_micros(t)
                    .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
                    .unwrap_or_default();
                let ua = agent.map_or(String::new(), |a| format!(r#","userAgent":"{a}""#));
                let _ = writeln!(
                    lines,
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","verb":"get","user":{{"username":"u"}}{ua},"stageTimestamp":"{time}"}}"#
                );
                events.push((t, id, agent));
            }
            let file = dir.path().join(format!("events-{seed}.jsonl"));
            std::fs::write(&file, lines).unwrap_or_else(|e| panic!("{e}"));
            let mut order = events.clone();
            order.sort();
            let mut expected: Vec<String> = order
                .iter()
                .enumerate()
                .filter(|(i, (t, _, agent))| {
                    agent.is_some_and(|a| !a.is_empty())
                        && !order[..*i]
                            .iter()
                            .any(|(t2, _, a2)| a2 == agent && *t2 >= t - HOUR)
                })
                .map(|(_, (_, id, _))| id.clone())
                .collect();
            expected.sort();
            let mut q = crate::query::session::QueryOptions::new(vec![file.display().to_string()]);
            q.rules_dir = Some(rules.clone());
            let mut got = alert_column(&q, "nt", "audit_id").await;
            got.sort();
            assert!(expected.len() > 3, "seed {seed}: too few new terms to test");
            assert_eq!(got, expected, "seed {seed}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration("now-7d"), Some(7 * 86_400 * 1_000_000));
        assert_eq!(duration("5m"), Some(300_000_000));
        assert_eq!(duration("now-6m"), Some(360_000_000));
        assert_eq!(duration("1h"), Some(3_600_000_000));
        assert_eq!(duration("7w"), None);
        assert_eq!(duration(""), None);
        assert_eq!(duration("d"), None);
    }

    #[test]
    fn headers() {
        let h = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(a, _)| *a == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Model::from_header(h(&[])), Ok(Model::Event));
        assert_eq!(
            Model::from_header(h(&[
                ("model", "new_terms"),
                ("new_terms_fields", "user_agent, source_ips"),
                ("history_window_start", "now-7d"),
            ])),
            Ok(Model::NewTerms {
                fields: vec!["user_agent".into(), "source_ips".into()],
                history: 7 * 86_400 * 1_000_000
            })
        );
        assert!(Model::from_header(h(&[("model", "new_terms")])).is_err());
        assert!(Model::from_header(h(&[("model", "threshold")])).is_err());
    }
}
