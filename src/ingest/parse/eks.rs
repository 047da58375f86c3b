//! Amazon EKS control-plane logs via CloudWatch Logs: an exported log event carries the audit
//! event as a JSON string in `message`; a subscription delivery (Kinesis / Firehose / Lambda)
//! is an envelope with `logGroup` and `logEvents[].message`.
//!
//! | adds | from |
//! |---|---|
//! | `source_format` | `eks` |
//! | `cluster` | `logGroup`: `NAME` of `/aws/eks/NAME/cluster`, else the whole group |
//! | `event_time`, when the event has none | `timestamp` / `logEvents[].timestamp` (epoch milliseconds) |
//!
//! A `CONTROL_MESSAGE` envelope is CloudWatch's health check and carries no events. A numeric
//! top-level `timestamp` is the wrapper's, never the event's (see [`super::raw`]).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Doc, Envelope, Prefix, Sink, embedded, json_reason};
use crate::ingest::timestamp::micros_from_millis;

const FORMAT: &str = "eks";

#[derive(Deserialize)]
struct LogEvent<'a> {
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    timestamp: Option<i64>,
}

/// CloudWatch's subscription health check.
pub(super) fn is_control_message(doc: &Doc<'_>) -> bool {
    doc.message_type.as_deref() == Some("CONTROL_MESSAGE")
}

/// The cluster a document's `logGroup` names, if it has one.
pub(super) fn log_group_cluster(doc: &Doc<'_>) -> Option<String> {
    doc.log_group.as_deref().and_then(cluster_name)
}

/// A subscription envelope's `logEvents` array.
pub(super) fn log_events(
    events: &RawValue,
    cluster: Option<&str>,
    at: &Prefix<'_>,
    sink: &mut dyn Sink,
) {
    match serde_json::from_str::<Vec<LogEvent<'_>>>(events.get()) {
        Ok(items) => {
            for (i, item) in items.into_iter().enumerate() {
                let at = Prefix::Index("logEvents", i);
                match item.message {
                    Some(m) => {
                        let env = Envelope {
                            format: FORMAT,
                            cluster,
                            time: item.timestamp.and_then(micros_from_millis),
                        };
                        embedded(m, &env, &at, sink);
                    }
                    None => sink.reject(at.wrap("not an audit event: no message".into())),
                }
            }
        }
        Err(e) => sink.reject(at.wrap(format!("logEvents: {}", json_reason(&e)))),
    }
}

/// An exported log event: `message`, with the wrapper's `timestamp`.
pub(super) fn message(
    m: &RawValue,
    timestamp: Option<&RawValue>,
    cluster: Option<&str>,
    at: &Prefix<'_>,
    sink: &mut dyn Sink,
) {
    let env = Envelope {
        format: FORMAT,
        cluster,
        time: timestamp
            .and_then(|v| serde_json::from_str::<i64>(v.get()).ok())
            .and_then(micros_from_millis),
    };
    embedded(m, &env, at, sink);
}

/// `/aws/eks/NAME/cluster` → `NAME`; any other log group is used whole.
fn cluster_name(group: &str) -> Option<String> {
    let g = group.trim_matches('/');
    if g.is_empty() {
        return None;
    }
    let parts: Vec<&str> = g.split('/').collect();
    if parts.len() >= 3 && parts[0] == "aws" && parts[1] == "eks" {
        return Some(parts[2].to_owned());
    }
    Some(g.to_owned())
}
