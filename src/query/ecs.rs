//! Alerts as Kibana reads them: one JSON document per alert in the shape of Elastic Security's
//! alerts index (`.alerts-security.alerts-<space>`), for `hunt --format ecs` and
//! `replay --format ecs`.
//!
//! A document is what Elastic's detection engine writes for a query rule's alert
//! (`build_bulk_body.ts`): the source event's fields as Elastic's Kubernetes integration stores
//! them (nested objects: `kubernetes.audit.*` with annotation keys de-dotted, `user`, `source`,
//! `client`, `user_agent`, `orchestrator`), its `event.*` fields flattened into dotted keys and
//! copied to `kibana.alert.original_event.*`, `event.kind: signal`, and the `kibana.alert.*` keys
//! (dotted) describing the alert and its rule. [`FIELDS`] lists every key; the README has the
//! table, and `tests/fixtures/ecs-alert-fields.txt` is Elastic's list (with where each name comes
//! from) that the tests check every document against, field by field.
//!
//! Ids are derived, never random: `kibana.alert.uuid` is the BLAKE3 hash (64 hex digits, the
//! length of Elastic's SHA-256 ids) of `audithound:<rule id>:<alert_id>`, so the same event and
//! rule give the same alert document, and a replayed execution's overlap cannot alert twice;
//! `kibana.alert.rule.uuid` and `kibana.alert.rule.execution.uuid` are UUIDs cut from the BLAKE3
//! hash of the rule id (and the execution time).
//!
//! [`rule`] builds the keys every alert of a rule shares, [`document`] the rest from each row of
//! [`frame`]; this module plans the rows and writes the documents.

use std::collections::BTreeMap;
use std::io::Write;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Expr, col, lit};
use datafusion::prelude::DataFrame;
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::ingest::timestamp::rfc3339;
use crate::query::engine::Engine;
use crate::query::hunt::alert_exprs;
use crate::query::output::Destination;
use crate::query::rules::Rule;

mod document;
mod rule;

pub use document::{Rows, insert_suppression};
pub use rule::{
    RuleSchedule, alert_uuid, duration_text, execution_uuid, reason, rule_fields, threat,
};

/// Every key an alert document may carry, and what it holds (the README's table).
pub const FIELDS: [(&str, &str); 61] = [
    (
        "@timestamp",
        "when the alert was raised: the execution's time (replay), the event's time (hunt)",
    ),
    ("event.kind", "`signal`"),
    (
        "event.action",
        "the verb (the integration's `event.action`)",
    ),
    (
        "event.outcome",
        "`success` for `allow`, `failure` for `forbid`, else absent",
    ),
    ("event.dataset", "`kubernetes.audit_logs`"),
    (
        "event.ingested",
        "the source's `event.ingested` (ECS input only)",
    ),
    (
        "kubernetes.audit",
        "the audit event as the integration stores it: `auditID`, `stage`, `level`, `verb`, `requestURI`, `user` (`username`, `uid`, `groups`, `extra`), `impersonatedUser`, `sourceIPs`, `userAgent`, `objectRef`, `responseStatus`, `requestObject` and `responseObject` (without `metadata`, as the integration's pipeline drops it), `requestReceivedTimestamp`, `stageTimestamp` (the event's time), `annotations` with `.` in keys turned into `_`",
    ),
    ("user.name", "`user.username`"),
    ("user.id", "`user.uid`"),
    ("source.ip", "`sourceIPs`"),
    ("client.ip", "`sourceIPs`"),
    ("user_agent.original", "`userAgent`"),
    ("orchestrator.cluster.name", "the cluster"),
    (
        "kibana.alert.uuid",
        "BLAKE3 of `audithound:<rule id>:<alert_id>`, 64 hex digits",
    ),
    ("kibana.alert.start", "as `@timestamp`"),
    ("kibana.alert.original_time", "the event's time"),
    (
        "kibana.alert.reason",
        "Kibana's sentence: `event with source <ips> by <user> created <severity> alert <rule name>.`",
    ),
    ("kibana.alert.severity", "the rule's severity"),
    ("kibana.alert.risk_score", "the rule's risk score"),
    ("kibana.alert.status", "`active`"),
    ("kibana.alert.workflow_status", "`open`"),
    ("kibana.alert.depth", "1"),
    (
        "kibana.alert.ancestors",
        "`[{id: <audit id>, type: event, index: <source file>, depth: 0}]`",
    ),
    ("kibana.alert.original_event.action", "as `event.action`"),
    ("kibana.alert.original_event.outcome", "as `event.outcome`"),
    ("kibana.alert.original_event.dataset", "as `event.dataset`"),
    ("kibana.alert.original_event.kind", "`event`"),
    (
        "kibana.alert.original_event.ingested",
        "as `event.ingested`",
    ),
    (
        "kibana.alert.rule.uuid",
        "a UUID derived from the rule's id (an installed rule's saved-object id in Kibana)",
    ),
    (
        "kibana.alert.rule.rule_id",
        "Elastic's rule id (`elastic_rule_id`), else the rule's id",
    ),
    ("kibana.alert.rule.name", "the rule's name"),
    (
        "kibana.alert.rule.type",
        "Elastic's rule type (`query`, `eql`, `esql`, `new_terms`, `threshold`)",
    ),
    ("kibana.alert.rule.severity", "the rule's severity"),
    ("kibana.alert.rule.risk_score", "the rule's risk score"),
    (
        "kibana.alert.rule.interval",
        "the schedule's interval (`5m`)",
    ),
    (
        "kibana.alert.rule.from",
        "the schedule's look-back (`now-6m`)",
    ),
    ("kibana.alert.rule.to", "`now`"),
    ("kibana.alert.rule.max_signals", "the cap per execution"),
    (
        "kibana.alert.rule.threat",
        "the MITRE ATT&CK mapping as Elastic writes it: `[{framework, tactic: {id, name, reference}, technique: [{id, name, reference, subtechnique}]}]`",
    ),
    (
        "kibana.alert.rule.version",
        "Elastic's rule version (`elastic_rule_version`), else 1",
    ),
    (
        "kibana.alert.rule.description",
        "the rule's `what`, unwrapped",
    ),
    (
        "kibana.alert.rule.note",
        "the rule's `triage`, one line per item",
    ),
    (
        "kibana.alert.rule.false_positives",
        "the rule's `false_positives`, one entry per item",
    ),
    ("kibana.alert.rule.references", "the rule's `references`"),
    ("kibana.alert.rule.tags", "the rule's `tags`"),
    ("kibana.alert.rule.license", "the rule's `license`"),
    (
        "kibana.alert.rule.category",
        "Kibana's name of the rule type (`Custom Query Rule`, ...)",
    ),
    (
        "kibana.alert.rule.rule_type_id",
        "Kibana's rule type id (`siem.queryRule`, ...)",
    ),
    ("kibana.alert.rule.consumer", "`siem`"),
    ("kibana.alert.rule.producer", "`siem`"),
    (
        "kibana.alert.rule.execution.uuid",
        "replay only: a UUID derived from the rule and the execution's time",
    ),
    ("kibana.space_ids", "`[\"default\"]`"),
    (
        "kibana.alert.suppression.docs_count",
        "with `--suppress-by`: the alerts suppressed into this one (0 when alone)",
    ),
    (
        "kibana.alert.suppression.start",
        "with `--suppress-by`: the first suppressed alert's time (events' times; executions' with `replay --suppress-for`)",
    ),
    (
        "kibana.alert.suppression.end",
        "with `--suppress-by`: the last suppressed alert's time",
    ),
    (
        "kibana.alert.suppression.terms",
        "with `--suppress-by`: the group, `[{field, value}]` (a list field's value is an array, a missing one null)",
    ),
    ("audithound.rule_id", "audithound's rule id"),
    (
        "audithound.alert_id",
        "audithound's `alert_id` (as `hunt` gives it)",
    ),
    ("audithound.source_file", "the file the event was read from"),
    ("audithound.source_line", "its line in that file"),
    (
        "audithound.details",
        "aggregations, sequences and new terms: the `details` object",
    ),
];

/// The event's columns an alert document needs beyond [`crate::query::hunt::ALERT_COLUMNS`].
pub const EXTRA_COLUMNS: [&str; 13] = [
    "received_time",
    "ingested_time",
    "level",
    "user_uid",
    "user_groups",
    "user_extra",
    "impersonated_user_groups",
    "api_version",
    "response_status",
    "response_reason",
    "annotations",
    "request_object",
    "response_object",
];
/// Column `name` of `df`, or a null of the schema's type where a rule lists its columns and
/// lacks it (rules written before `ingested_time` was added, schema 3).
pub fn column_or_null(df: &DataFrame, name: &str) -> Expr {
    if df.schema().has_column_with_unqualified_name(name) {
        return col(name);
    }
    let t = crate::schema::event_schema()
        .field_with_name(name)
        .map_or(DataType::Utf8, |f| f.data_type().clone());
    datafusion::logical_expr::cast(lit(ScalarValue::Null), t)
}

/// The rule's matches as the alert columns plus what a document needs, plus `keep` (columns of
/// `matches` the caller added).
pub fn frame(matches: DataFrame, rule: &Rule, keep: &[&str]) -> Result<DataFrame> {
    let has_details = matches.schema().has_column_with_unqualified_name("details");
    let mut exprs = alert_exprs(rule, has_details)?;
    exprs.extend(
        EXTRA_COLUMNS
            .iter()
            .map(|c| column_or_null(&matches, c).alias(*c)),
    );
    exprs.extend(crate::query::suppression::exprs_of(&matches));
    exprs.extend(keep.iter().map(|c| col(*c)));
    matches.select(exprs).map_err(|e| Error::Rule {
        path: rule.path.clone(),
        message: format!("the rule must return the columns of table audit (SELECT *): {e}"),
    })
}

/// `hunt --format ecs`: every rule's alert documents' rows, ordered by event time, rule and
/// alert id (as `hunt`'s alerts), from the same matches (the single-event rules in one pass).
/// Several rules run one after another into temporary Parquet files, for the reasons
/// [`crate::query::hunt::alerts`] gives.
pub async fn hunt_frame(
    engine: &Engine,
    rules: &[Rule],
    limit: Option<usize>,
) -> Result<DataFrame> {
    let mut planned = Vec::new();
    for (r, alerts) in crate::query::hunt::matches_of(engine, rules).await? {
        planned.push((Some(r), frame(alerts, r, &[])?));
    }
    crate::query::hunt::in_alert_order(engine, planned, limit).await
}

/// Streams `df` (rows of [`frame`]) as alert documents, `@timestamp` the event's time; `rules`
/// give each row's rule fields by rule id. Returns the number of documents.
pub async fn write_hunt(
    df: DataFrame,
    rules: &BTreeMap<String, Map<String, Value>>,
    dest: &Destination,
) -> Result<u64> {
    let mut stream = df.execute_stream().await?;
    let mut w = Writer::open(dest)?;
    while let Some(b) = stream.next().await {
        let b = b?;
        let rows = Rows::new(&b)?;
        for i in 0..b.num_rows() {
            let rule_id = rows.string("rule_id", i).unwrap_or_default();
            let Some(fields) = rules.get(rule_id) else {
                continue;
            };
            let mut doc = rows.document(i, fields)?;
            let time = rows.time("event_time", i).unwrap_or_default();
            stamp(&mut doc, time, None);
            w.write(&doc)?;
        }
    }
    w.finish()
}

/// Adds what depends on the execution: `@timestamp`, `kibana.alert.start` and, for a replayed
/// execution `(rule id, time)`, `kibana.alert.rule.execution.uuid`.
pub fn stamp(doc: &mut Map<String, Value>, time: i64, execution: Option<(&str, i64)>) {
    doc.insert("@timestamp".into(), rfc3339(time).into());
    doc.insert("kibana.alert.start".into(), rfc3339(time).into());
    if let Some((rule, t)) = execution {
        doc.insert(
            "kibana.alert.rule.execution.uuid".into(),
            execution_uuid(rule, t).into(),
        );
    }
}

/// NDJSON of documents to a destination (never overwriting without `--force`).
pub struct Writer {
    out: Box<dyn Write + Send>,
    path: Option<std::path::PathBuf>,
    rows: u64,
    limit: Option<u64>,
}

impl Writer {
    pub fn open(dest: &Destination) -> Result<Self> {
        Ok(Self {
            out: dest.open()?,
            path: dest.path.clone(),
            rows: 0,
            limit: None,
        })
    }

    /// Writes at most `limit` documents (`--limit`); the rest are skipped.
    #[must_use]
    pub fn with_limit(mut self, limit: Option<usize>) -> Self {
        self.limit = limit.map(|n| n as u64);
        self
    }

    fn err(&self, source: std::io::Error) -> Error {
        match &self.path {
            Some(p) => Error::Output {
                path: p.clone(),
                source,
            },
            None => Error::Io(source),
        }
    }

    pub fn write(&mut self, doc: &Map<String, Value>) -> Result<()> {
        if self.limit.is_some_and(|n| self.rows >= n) {
            return Ok(());
        }
        let mut line = serde_json::to_vec(doc)?;
        line.push(b'\n');
        self.out.write_all(&line).map_err(|e| self.err(e))?;
        self.rows += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<u64> {
        self.out.flush().map_err(|e| self.err(e))?;
        Ok(self.rows)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// The documented fields are Elastic's (or ours), as `tests/fixtures/ecs-alert-fields.txt`
    /// lists them with their sources.
    #[test]
    fn documented_fields_are_in_the_schema_file() {
        let file = include_str!("../../tests/fixtures/ecs-alert-fields.txt");
        let listed: Vec<&str> = file
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split('\t').next())
            .collect();
        let ours: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
        assert_eq!(ours, listed);
    }
}
