//! Arrow builders for the one schema: [`EventRows`] collects [`Event`]s and finishes them into a
//! [`RecordBatch`] of [`crate::schema::event_schema`].

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, Int32Builder, ListBuilder, MapBuilder, MapFieldNames, StringBuilder,
    TimestampMicrosecondBuilder, UInt64Builder,
};
use datafusion::arrow::record_batch::RecordBatch;

use crate::ingest::parse::Event;
use crate::ingest::timestamp::{MICROS_PER_DAY, date_string};
use crate::schema::event_schema;

fn map_names() -> MapFieldNames {
    MapFieldNames {
        entry: "entries".into(),
        key: "keys".into(),
        value: "values".into(),
    }
}

/// Column builders for a batch of events.
pub struct EventRows {
    event_time: TimestampMicrosecondBuilder,
    received_time: TimestampMicrosecondBuilder,
    strings: Vec<StringBuilder>, // see STRING_COLUMNS
    user_groups: ListBuilder<StringBuilder>,
    user_extra: MapBuilder<StringBuilder, ListBuilder<StringBuilder>>,
    source_ips: ListBuilder<StringBuilder>,
    response_code: Int32Builder,
    annotations: MapBuilder<StringBuilder, StringBuilder>,
    source_format: StringBuilder,
    source_file: StringBuilder,
    source_line: UInt64Builder,
    impersonated_user_groups: ListBuilder<StringBuilder>,
    object_fields: MapBuilder<StringBuilder, ListBuilder<StringBuilder>>,
    ingested_time: TimestampMicrosecondBuilder,
    cluster: StringBuilder,
    date: StringBuilder,
    last_day: Option<(i64, String)>,
    len: usize,
    bytes: usize,
}

// Indexes into `EventRows::strings`, in the order the plain string columns are appended.
const AUDIT_ID: usize = 0;
const STAGE: usize = 1;
const LEVEL: usize = 2;
const VERB: usize = 3;
const REQUEST_URI: usize = 4;
const USER_NAME: usize = 5;
const USER_UID: usize = 6;
const IMPERSONATED: usize = 7;
const USER_AGENT: usize = 8;
const RESOURCE: usize = 9;
const SUBRESOURCE: usize = 10;
const NAMESPACE: usize = 11;
const OBJECT_NAME: usize = 12;
const API_GROUP: usize = 13;
const API_VERSION: usize = 14;
const RESPONSE_STATUS: usize = 15;
const RESPONSE_REASON: usize = 16;
const RESPONSE_MESSAGE: usize = 17;
const AUTHZ_DECISION: usize = 18;
const AUTHZ_REASON: usize = 19;
const REQUEST_OBJECT: usize = 20;
const RESPONSE_OBJECT: usize = 21;
const STRING_COLUMNS: usize = 22;

// The other string builders (inside lists and maps, and the per-row constants), for [`Shape`].
const GROUPS: usize = 0;
const EXTRA_KEYS: usize = 1;
const EXTRA_VALUES: usize = 2;
const IPS: usize = 3;
const ANNOTATION_KEYS: usize = 4;
const ANNOTATION_VALUES: usize = 5;
const FORMAT: usize = 6;
const FILE: usize = 7;
const IMPERSONATED_GROUPS: usize = 8;
const FIELD_KEYS: usize = 9;
const FIELD_VALUES: usize = 10;
const CLUSTER: usize = 11;
const DATE: usize = 12;
const OTHER_STRINGS: usize = 13;

/// How big each string builder came out per byte of input (bytes, and items for the builders
/// inside lists and maps), learnt from a parsed block, so the next block's builders start at
/// the right size instead of growing by doubling (each growth copies the column).
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    per_input: [f64; STRING_COLUMNS],
    other_bytes: [f64; OTHER_STRINGS],
    other_items: [f64; OTHER_STRINGS],
    rows_per_input: f64,
}

impl Default for EventRows {
    fn default() -> Self {
        Self::new()
    }
}

impl EventRows {
    pub fn new() -> Self {
        Self::with_capacity(1024, 0)
    }

    /// Builders sized for about `rows` events from `bytes` of JSON, so they do not grow (and
    /// copy) by doubling while a block is parsed.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        Self::sized(
            rows,
            |i| match i {
                // The JSON bodies are most of the bytes.
                REQUEST_OBJECT | RESPONSE_OBJECT => bytes / 3,
                _ => rows * 32,
            },
            |_| (rows, rows * 16),
        )
    }

    /// Builders for `bytes` of input shaped like the block `shape` was learnt from (with a
    /// margin); the first block, with no shape yet, uses [`EventRows::with_capacity`]'s guess.
    pub fn for_input(bytes: usize, shape: &Shape) -> Self {
        if shape.rows_per_input <= 0.0 {
            return Self::with_capacity(bytes / 1024 + 16, bytes);
        }
        let scale = |per: f64| (per * bytes as f64 * 1.1) as usize + 64;
        Self::sized(
            scale(shape.rows_per_input),
            |i| scale(shape.per_input[i]),
            |i| (scale(shape.other_items[i]), scale(shape.other_bytes[i])),
        )
    }

    /// What this batch's builders took per byte of `input` (call before [`EventRows::finish`]).
    pub fn shape(&mut self, input: usize) -> Shape {
        let input = input.max(1) as f64;
        let mut per_input = [0.0; STRING_COLUMNS];
        for (p, b) in per_input.iter_mut().zip(&self.strings) {
            *p = b.values_slice().len() as f64 / input;
        }
        let (extra_keys, extra_values) = self.user_extra.entries();
        let (extra_keys, extra_values) = (&*extra_keys, extra_values.values_ref());
        let (annotation_keys, annotation_values) = self.annotations.entries();
        let (annotation_keys, annotation_values) = (&*annotation_keys, &*annotation_values);
        let (field_keys, field_values) = self.object_fields.entries();
        let (field_keys, field_values) = (&*field_keys, field_values.values_ref());
        let other: [&StringBuilder; OTHER_STRINGS] = [
            self.user_groups.values_ref(),
            extra_keys,
            extra_values,
            self.source_ips.values_ref(),
            annotation_keys,
            annotation_values,
            &self.source_format,
            &self.source_file,
            self.impersonated_user_groups.values_ref(),
            field_keys,
            field_values,
            &self.cluster,
            &self.date,
        ];
        let mut other_bytes = [0.0; OTHER_STRINGS];
        let mut other_items = [0.0; OTHER_STRINGS];
        for (i, b) in other.iter().enumerate() {
            other_bytes[i] = b.values_slice().len() as f64 / input;
            other_items[i] = b.len() as f64 / input;
        }
        Shape {
            per_input,
            other_bytes,
            other_items,
            rows_per_input: self.len as f64 / input,
        }
    }

    /// Builders for `rows` rows: `column_bytes(i)` bytes for the plain string column `i`, and
    /// `other(i)` (items, bytes) for the other string builder `i`.
    fn sized(
        rows: usize,
        column_bytes: impl Fn(usize) -> usize,
        other: impl Fn(usize) -> (usize, usize),
    ) -> Self {
        let utc: Arc<str> = Arc::from("UTC");
        let strings = (0..STRING_COLUMNS)
            .map(|i| StringBuilder::with_capacity(rows, column_bytes(i)))
            .collect();
        let o = |i: usize| {
            let (items, bytes) = other(i);
            StringBuilder::with_capacity(items, bytes)
        };
        let list = |i: usize| ListBuilder::with_capacity(o(i), rows);
        // A map of lists: one inner list per key.
        let list_map = |keys: usize, values: usize| {
            let inner = ListBuilder::with_capacity(o(values), other(keys).0);
            MapBuilder::with_capacity(Some(map_names()), o(keys), inner, rows)
        };
        Self {
            event_time: TimestampMicrosecondBuilder::with_capacity(rows)
                .with_timezone(Arc::clone(&utc)),
            received_time: TimestampMicrosecondBuilder::with_capacity(rows)
                .with_timezone(Arc::clone(&utc)),
            strings,
            user_groups: list(GROUPS),
            user_extra: list_map(EXTRA_KEYS, EXTRA_VALUES),
            source_ips: list(IPS),
            response_code: Int32Builder::with_capacity(rows),
            annotations: MapBuilder::with_capacity(
                Some(map_names()),
                o(ANNOTATION_KEYS),
                o(ANNOTATION_VALUES),
                rows,
            ),
            source_format: o(FORMAT),
            source_file: o(FILE),
            source_line: UInt64Builder::with_capacity(rows),
            impersonated_user_groups: list(IMPERSONATED_GROUPS),
            object_fields: list_map(FIELD_KEYS, FIELD_VALUES),
            ingested_time: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone(utc),
            cluster: o(CLUSTER),
            date: o(DATE),
            last_day: None,
            len: 0,
            bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Rough size of the text appended so far, to bound memory.
    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    /// Appends one event. `cluster` is the partition value to store (already resolved).
    pub fn append(&mut self, e: &Event<'_>, source_file: &str, source_line: u64, cluster: &str) {
        self.event_time.append_value(e.event_time);
        self.received_time.append_option(e.received_time);
        let s = &mut self.strings;
        let mut n = 0usize;
        let mut put = |i: usize, v: Option<&str>| {
            n += v.map_or(0, str::len);
            s[i].append_option(v);
        };
        put(AUDIT_ID, e.audit_id.as_deref());
        put(STAGE, e.stage.as_deref());
        put(LEVEL, e.level.as_deref());
        put(VERB, e.verb.as_deref());
        put(REQUEST_URI, e.request_uri.as_deref());
        put(USER_NAME, e.user_name.as_deref());
        put(USER_UID, e.user_uid.as_deref());
        put(IMPERSONATED, e.impersonated_user_name.as_deref());
        put(USER_AGENT, e.user_agent.as_deref());
        put(RESOURCE, e.resource.as_deref());
        put(SUBRESOURCE, e.subresource.as_deref());
        put(NAMESPACE, e.namespace.as_deref());
        put(OBJECT_NAME, e.object_name.as_deref());
        put(API_GROUP, e.api_group.as_deref());
        put(API_VERSION, e.api_version.as_deref());
        put(RESPONSE_STATUS, e.response_status.as_deref());
        put(RESPONSE_REASON, e.response_reason.as_deref());
        put(RESPONSE_MESSAGE, e.response_message.as_deref());
        put(AUTHZ_DECISION, e.authz_decision.as_deref());
        put(AUTHZ_REASON, e.authz_reason.as_deref());
        put(REQUEST_OBJECT, e.request_object.as_deref());
        put(RESPONSE_OBJECT, e.response_object.as_deref());
        self.bytes += n + 64;

        append_list(&mut self.user_groups, e.user_groups.as_deref());
        append_list(&mut self.source_ips, e.source_ips.as_deref());
        append_list(
            &mut self.impersonated_user_groups,
            e.impersonated_user_groups.as_deref(),
        );
        append_list_map(
            &mut self.user_extra,
            e.user_extra.as_ref().map(|m| {
                m.iter()
                    .map(|(k, v)| (k.as_ref(), v.as_deref().unwrap_or(&[])))
            }),
        );
        append_list_map(
            &mut self.object_fields,
            e.object_fields
                .as_ref()
                .map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_slice()))),
        );
        self.response_code.append_option(e.response_code);
        match &e.annotations {
            Some(m) => {
                for (k, v) in m {
                    self.annotations.keys().append_value(k);
                    self.annotations.values().append_value(v);
                }
                let _ = self.annotations.append(true);
            }
            None => {
                let _ = self.annotations.append(false);
            }
        }
        self.source_format.append_value(e.source_format);
        self.source_file.append_value(source_file);
        self.source_line.append_value(source_line);
        self.ingested_time.append_option(e.ingested_time);
        self.cluster.append_value(cluster);
        let day = e.event_time.div_euclid(MICROS_PER_DAY);
        match &self.last_day {
            Some((d, s)) if *d == day => self.date.append_value(s),
            _ => {
                let s = date_string(e.event_time);
                self.date.append_value(&s);
                self.last_day = Some((day, s));
            }
        }
        self.len += 1;
    }

    /// Finishes the rows into a batch of [`event_schema`] and resets the builders.
    pub fn finish(&mut self) -> crate::Result<RecordBatch> {
        let mut s = std::mem::take(&mut self.strings);
        let mut str_col = |i: usize| -> ArrayRef { Arc::new(s[i].finish()) };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.event_time.finish()),
            Arc::new(self.received_time.finish()),
            str_col(AUDIT_ID),
            str_col(STAGE),
            str_col(LEVEL),
            str_col(VERB),
            str_col(REQUEST_URI),
            str_col(USER_NAME),
            str_col(USER_UID),
            Arc::new(self.user_groups.finish()),
            Arc::new(self.user_extra.finish()),
            str_col(IMPERSONATED),
            Arc::new(self.source_ips.finish()),
            str_col(USER_AGENT),
            str_col(RESOURCE),
            str_col(SUBRESOURCE),
            str_col(NAMESPACE),
            str_col(OBJECT_NAME),
            str_col(API_GROUP),
            str_col(API_VERSION),
            Arc::new(self.response_code.finish()),
            str_col(RESPONSE_STATUS),
            str_col(RESPONSE_REASON),
            str_col(RESPONSE_MESSAGE),
            str_col(AUTHZ_DECISION),
            str_col(AUTHZ_REASON),
            Arc::new(self.annotations.finish()),
            str_col(REQUEST_OBJECT),
            str_col(RESPONSE_OBJECT),
            Arc::new(self.source_format.finish()),
            Arc::new(self.source_file.finish()),
            Arc::new(self.source_line.finish()),
            Arc::new(self.impersonated_user_groups.finish()),
            Arc::new(self.object_fields.finish()),
            Arc::new(self.ingested_time.finish()),
            Arc::new(self.cluster.finish()),
            Arc::new(self.date.finish()),
        ];
        self.strings = s;
        self.len = 0;
        self.bytes = 0;
        Ok(RecordBatch::try_new(event_schema(), columns)?)
    }
}

fn append_list<S: AsRef<str>>(b: &mut ListBuilder<StringBuilder>, v: Option<&[S]>) {
    match v {
        Some(items) => {
            for s in items {
                b.values().append_value(s);
            }
            b.append(true);
        }
        None => b.append(false),
    }
}

/// A `map<string, list<string>>` entry from pairs already in key order.
fn append_list_map<'m, S: AsRef<str> + 'm>(
    b: &mut MapBuilder<StringBuilder, ListBuilder<StringBuilder>>,
    pairs: Option<impl Iterator<Item = (&'m str, &'m [S])>>,
) {
    let present = pairs.is_some();
    for (k, vals) in pairs.into_iter().flatten() {
        b.keys().append_value(k);
        append_list(b.values(), Some(vals));
    }
    // Appending a map entry cannot fail: keys and values were appended in step.
    let _ = b.append(present);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse::tests::parse;

    #[test]
    fn batch_matches_the_schema() {
        let line = r#"{"kind":"Event","auditID":"a","stage":"ResponseComplete","verb":"get","requestURI":"/api","user":{"username":"u","groups":["g1","g2"],"extra":{"k":["v1","v2"]}},"sourceIPs":["1.1.1.1"],"stageTimestamp":"2026-01-05T23:59:59.999999Z","annotations":{"authorization.k8s.io/decision":"allow"}}"#;
        let c = parse(line);
        let mut rows = EventRows::new();
        for e in &c.events {
            rows.append(e, "f.log", 7, "default");
            rows.append(e, "f.log", 8, "default");
        }
        let b = rows.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.schema(), event_schema());
        let again = rows.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.num_rows(), 0);
    }
}
