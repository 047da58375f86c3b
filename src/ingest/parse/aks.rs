//! Azure AKS diagnostic records (category `kube-audit` / `kube-audit-admin`), as Azure Monitor
//! exports them to storage or Event Hubs: one record per line, or a batch under `records`
//! (unwrapped by [`super::each_item`]). The audit event is in `properties.log`, usually as a JSON
//! string, sometimes as an object.
//!
//! | adds | from |
//! |---|---|
//! | `source_format` | `aks` |
//! | `cluster` | `resourceId`: its last path segment, lower-cased (Azure upper-cases the id) |
//! | `event_time`, when the event has none | `time` |

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Doc, Envelope, Prefix, Sink, embedded, json_reason, outer_or};
use crate::ingest::timestamp::parse_micros;

const FORMAT: &str = "aks";

#[derive(Deserialize)]
struct AksProperties<'a> {
    #[serde(borrow)]
    log: Option<&'a RawValue>,
}

/// An AKS record whose `properties` key is `props`.
pub(super) fn record(
    props: &RawValue,
    doc: &Doc<'_>,
    cluster: Option<&str>,
    at: &Prefix<'_>,
    sink: &mut dyn Sink,
) {
    let cl = outer_or(cluster, || {
        doc.resource_id
            .as_deref()
            .and_then(cluster_name)
            .map(Cow::Owned)
    });
    match serde_json::from_str::<AksProperties<'_>>(props.get()) {
        Ok(AksProperties { log: Some(log) }) => {
            let env = Envelope {
                format: FORMAT,
                cluster: cl.as_deref(),
                time: doc.time.as_deref().and_then(parse_micros),
            };
            embedded(log, &env, at, sink);
        }
        Ok(_) => {
            sink.reject(at.wrap("not an audit event: AKS record without properties.log".into()));
        }
        Err(e) => sink.reject(at.wrap(format!("properties: {}", json_reason(&e)))),
    }
}

/// `/subscriptions/.../managedClusters/NAME` → `NAME` (AKS `resourceId`).
fn cluster_name(resource_id: &str) -> Option<String> {
    let name = resource_id.trim_end_matches('/').rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}
