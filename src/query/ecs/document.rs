//! One alert document per row of [`super::frame`]: the source event as Elastic's Kubernetes
//! integration stores it, its `event.*` fields, and the alert keys that depend on the event.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, ListArray, MapArray, RecordBatch, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type};
use serde_json::{Map, Value, json};

use super::rule::{alert_uuid, reason};
use crate::error::Result;
use crate::ingest::timestamp::rfc3339;

/// The columns of one batch of [`super::frame`] rows, cast once for reading row by row.
pub struct Rows<'a> {
    batch: &'a RecordBatch,
    strings: BTreeMap<&'static str, StringArray>,
    times: BTreeMap<&'static str, Int64Array>,
    lists: BTreeMap<&'static str, ListArray>,
    /// `suppression_docs_count`, `_start`, `_end` (as integers) and `_terms`, when present.
    suppression: Option<(Int64Array, Int64Array, Int64Array, StringArray)>,
}

const STRING_COLUMNS: [&str; 24] = [
    "rule_id",
    "alert_id",
    "audit_id",
    "stage",
    "level",
    "verb",
    "request_uri",
    "user_name",
    "user_uid",
    "impersonated_user_name",
    "user_agent",
    "resource",
    "subresource",
    "namespace",
    "object_name",
    "api_group",
    "api_version",
    "response_status",
    "response_reason",
    "response_message",
    "authz_decision",
    "request_object",
    "response_object",
    "source_file",
];

fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

impl<'a> Rows<'a> {
    pub fn new(batch: &'a RecordBatch) -> Result<Self> {
        let get = |name: &str| -> Result<ArrayRef> {
            let i = batch.schema().index_of(name)?;
            Ok(Arc::clone(batch.column(i)))
        };
        let mut strings = BTreeMap::new();
        for c in STRING_COLUMNS.iter().chain(&["cluster", "details"]) {
            let a = cast(&get(c)?, &DataType::Utf8)?;
            strings.insert(*c, a.as_string::<i32>().clone());
        }
        let mut times = BTreeMap::new();
        for c in [
            "event_time",
            "received_time",
            "ingested_time",
            "source_line",
            "response_code",
        ] {
            let a = cast(&get(c)?, &DataType::Int64)?;
            times.insert(c, a.as_primitive::<Int64Type>().clone());
        }
        let mut lists = BTreeMap::new();
        for c in ["user_groups", "impersonated_user_groups", "source_ips"] {
            let a = cast(&get(c)?, &utf8_list())?;
            lists.insert(c, a.as_list::<i32>().clone());
        }
        let [c, s, e, t] = crate::query::suppression::COLUMNS;
        let suppression = if batch.schema().index_of(c).is_ok() {
            let int = |name: &str| -> Result<Int64Array> {
                Ok(cast(&get(name)?, &DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .clone())
            };
            let terms = cast(&get(t)?, &DataType::Utf8)?.as_string::<i32>().clone();
            Some((int(c)?, int(s)?, int(e)?, terms))
        } else {
            None
        };
        Ok(Self {
            batch,
            strings,
            times,
            lists,
            suppression,
        })
    }

    pub fn string(&self, name: &str, i: usize) -> Option<&str> {
        let a = self.strings.get(name)?;
        (!a.is_null(i)).then(|| a.value(i))
    }

    /// A timestamp (microseconds) or integer column.
    pub fn time(&self, name: &str, i: usize) -> Option<i64> {
        let a = self.times.get(name)?;
        (!a.is_null(i)).then(|| a.value(i))
    }

    fn list(&self, name: &str, i: usize) -> Option<Vec<String>> {
        let a = self.lists.get(name)?;
        if a.is_null(i) {
            return None;
        }
        let v = a.value(i);
        let s = v.as_string::<i32>();
        Some(
            (0..s.len())
                .filter(|&j| !s.is_null(j))
                .map(|j| s.value(j).to_owned())
                .collect(),
        )
    }

    fn map(&self, name: &str, i: usize, lists: bool) -> Result<Option<Map<String, Value>>> {
        let idx = self.batch.schema().index_of(name)?;
        let Some(m) = self.batch.column(idx).as_any().downcast_ref::<MapArray>() else {
            return Ok(None);
        };
        if m.is_null(i) {
            return Ok(None);
        }
        let entries = m.value(i);
        let keys = cast(entries.column(0), &DataType::Utf8)?;
        let keys = keys.as_string::<i32>();
        let values = if lists {
            cast(entries.column(1), &utf8_list())?
        } else {
            cast(entries.column(1), &DataType::Utf8)?
        };
        let mut out = Map::new();
        for j in 0..keys.len() {
            if keys.is_null(j) {
                continue;
            }
            let v = if values.is_null(j) {
                Value::Null
            } else if lists {
                let l = values.as_list::<i32>().value(j);
                let s = l.as_string::<i32>();
                Value::Array(
                    (0..s.len())
                        .filter(|&k| !s.is_null(k))
                        .map(|k| Value::String(s.value(k).to_owned()))
                        .collect(),
                )
            } else {
                Value::String(values.as_string::<i32>().value(j).to_owned())
            };
            out.insert(keys.value(j).to_owned(), v);
        }
        Ok(Some(out))
    }

    /// The alert document of row `i` (without [`super::stamp`]'s keys), with the rule's `fields`.
    pub fn document(&self, i: usize, fields: &Map<String, Value>) -> Result<Map<String, Value>> {
        let s = |c: &str| self.string(c, i).map(str::to_owned);
        let mut doc = fields.clone();
        let mut audit = Map::new();
        let put = |m: &mut Map<String, Value>, k: &str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v));
            }
        };
        audit.insert("kind".into(), "Event".into());
        put(&mut audit, "auditID", s("audit_id"));
        put(&mut audit, "stage", s("stage"));
        put(&mut audit, "level", s("level"));
        put(&mut audit, "verb", s("verb"));
        put(&mut audit, "requestURI", s("request_uri"));
        put(&mut audit, "userAgent", s("user_agent"));
        let mut user = Map::new();
        put(&mut user, "username", s("user_name"));
        put(&mut user, "uid", s("user_uid"));
        if let Some(g) = self.list("user_groups", i) {
            user.insert("groups".into(), json!(g));
        }
        if let Some(extra) = self.map("user_extra", i, true)? {
            user.insert("extra".into(), Value::Object(extra));
        }
        if !user.is_empty() {
            audit.insert("user".into(), Value::Object(user));
        }
        let mut imp = Map::new();
        put(&mut imp, "username", s("impersonated_user_name"));
        if let Some(g) = self.list("impersonated_user_groups", i) {
            imp.insert("groups".into(), json!(g));
        }
        if !imp.is_empty() {
            audit.insert("impersonatedUser".into(), Value::Object(imp));
        }
        let ips = self.list("source_ips", i);
        if let Some(ips) = &ips {
            audit.insert("sourceIPs".into(), json!(ips));
        }
        let mut obj = Map::new();
        for (k, c) in [
            ("resource", "resource"),
            ("subresource", "subresource"),
            ("namespace", "namespace"),
            ("name", "object_name"),
            ("apiGroup", "api_group"),
            ("apiVersion", "api_version"),
        ] {
            put(&mut obj, k, s(c));
        }
        if !obj.is_empty() {
            audit.insert("objectRef".into(), Value::Object(obj));
        }
        let mut status = Map::new();
        if let Some(code) = self.time("response_code", i) {
            status.insert("code".into(), code.into());
        }
        put(&mut status, "status", s("response_status"));
        put(&mut status, "reason", s("response_reason"));
        put(&mut status, "message", s("response_message"));
        if !status.is_empty() {
            audit.insert("responseStatus".into(), Value::Object(status));
        }
        for (k, c) in [
            ("requestObject", "request_object"),
            ("responseObject", "response_object"),
        ] {
            if let Some(text) = self.string(c, i) {
                let mut v: Value =
                    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()));
                // The integration's pipeline drops the bodies' metadata.
                if let Value::Object(o) = &mut v {
                    o.remove("metadata");
                }
                audit.insert(k.into(), v);
            }
        }
        let event_time = self.time("event_time", i).unwrap_or_default();
        if let Some(t) = self.time("received_time", i) {
            audit.insert("requestReceivedTimestamp".into(), rfc3339(t).into());
        }
        audit.insert("stageTimestamp".into(), rfc3339(event_time).into());
        if let Some(ann) = self.map("annotations", i, false)? {
            // The integration's pipeline: `key.replace('.', '_')`.
            let ann: Map<String, Value> = ann
                .into_iter()
                .map(|(k, v)| (k.replace('.', "_"), v))
                .collect();
            audit.insert("annotations".into(), Value::Object(ann));
        }
        doc.insert("kubernetes".into(), json!({ "audit": audit }));

        let user_name = self.string("user_name", i);
        let mut ecs_user = Map::new();
        put(&mut ecs_user, "name", s("user_name"));
        put(&mut ecs_user, "id", s("user_uid"));
        if !ecs_user.is_empty() {
            doc.insert("user".into(), Value::Object(ecs_user));
        }
        if let Some(ips) = ips.as_ref().filter(|v| !v.is_empty()) {
            doc.insert("source".into(), json!({ "ip": ips }));
            doc.insert("client".into(), json!({ "ip": ips }));
        }
        if let Some(ua) = s("user_agent") {
            doc.insert("user_agent".into(), json!({ "original": ua }));
        }
        if let Some(c) = s("cluster") {
            doc.insert("orchestrator".into(), json!({ "cluster": { "name": c } }));
        }
        let outcome = match self.string("authz_decision", i) {
            Some("allow") => Some("success"),
            Some("forbid") => Some("failure"),
            _ => None,
        };
        let mut event = vec![("dataset", Value::from("kubernetes.audit_logs"))];
        if let Some(v) = s("verb") {
            event.push(("action", v.into()));
        }
        if let Some(o) = outcome {
            event.push(("outcome", o.into()));
        }
        if let Some(t) = self.time("ingested_time", i) {
            event.push(("ingested", rfc3339(t).into()));
        }
        for (k, v) in event {
            doc.insert(format!("kibana.alert.original_event.{k}"), v.clone());
            doc.insert(format!("event.{k}"), v);
        }
        doc.insert("kibana.alert.original_event.kind".into(), "event".into());

        let rule_id = self.string("rule_id", i).unwrap_or_default();
        let alert_id = self.string("alert_id", i).unwrap_or_default();
        doc.insert(
            "kibana.alert.uuid".into(),
            alert_uuid(rule_id, alert_id).into(),
        );
        doc.insert(
            "kibana.alert.original_time".into(),
            rfc3339(event_time).into(),
        );
        let severity = fields
            .get("kibana.alert.severity")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = fields
            .get("kibana.alert.rule.name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        doc.insert(
            "kibana.alert.reason".into(),
            reason(
                ips.as_deref().unwrap_or_default(),
                user_name,
                severity,
                name,
            )
            .into(),
        );
        let source_file = s("source_file").unwrap_or_default();
        doc.insert(
            "kibana.alert.ancestors".into(),
            json!([{
                "id": s("audit_id").unwrap_or_else(|| alert_id.to_owned()),
                "type": "event",
                "index": source_file,
                "depth": 0,
            }]),
        );
        let mut own = Map::new();
        own.insert("rule_id".into(), rule_id.into());
        own.insert("alert_id".into(), alert_id.into());
        own.insert("source_file".into(), source_file.into());
        if let Some(line) = self.time("source_line", i) {
            own.insert("source_line".into(), line.into());
        }
        if let Some(d) = self.string("details", i) {
            own.insert(
                "details".into(),
                serde_json::from_str(d).unwrap_or_else(|_| Value::String(d.to_owned())),
            );
        }
        doc.insert("audithound".into(), Value::Object(own));
        if let Some((count, start, end, terms)) = &self.suppression
            && !count.is_null(i)
        {
            insert_suppression(
                &mut doc,
                count.value(i).try_into().unwrap_or(0),
                start.value(i),
                end.value(i),
                serde_json::from_str(terms.value(i)).unwrap_or(Value::Null),
            );
        }
        Ok(doc)
    }
}

/// The `kibana.alert.suppression.*` keys of a kept alert.
pub fn insert_suppression(
    doc: &mut Map<String, Value>,
    docs_count: u64,
    start: i64,
    end: i64,
    terms: Value,
) {
    doc.insert(
        "kibana.alert.suppression.docs_count".into(),
        docs_count.into(),
    );
    doc.insert(
        "kibana.alert.suppression.start".into(),
        rfc3339(start).into(),
    );
    doc.insert("kibana.alert.suppression.end".into(), rfc3339(end).into());
    doc.insert("kibana.alert.suppression.terms".into(), terms);
}
