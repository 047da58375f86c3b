//! Elastic Common Schema documents (Filebeat's and Elastic Agent's Kubernetes audit
//! integration): the audit event sits under `kubernetes.audit`, and an Elasticsearch hit puts
//! the whole document under `_source` (unwrapped by the dispatch in [`super`]).
//!
//! | adds | from |
//! |---|---|
//! | `source_format` | `ecs` |
//! | `cluster` | `orchestrator.cluster.name` |
//! | `ingested_time` | `event.ingested` (when the ingest pipeline received the document) |
//! | `event_time`, when the event has none | `@timestamp` (when the document was read: a last resort) |
//!
//! The one step of its own: ECS writes annotation keys with every `.` turned into `_`, so they
//! are turned back ([`redot`]) before the raw mapping reads the authorization annotations.
//! Unlike the AKS and EKS wrappers, `kubernetes.audit` is always an object holding a raw event,
//! so it is mapped directly instead of being dispatched again.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Doc, Envelope, Prefix, Sink, Str, json_reason, outer_or, raw, ts};
use crate::ingest::timestamp::parse_micros;

const FORMAT: &str = "ecs";

#[derive(Deserialize)]
struct Kubernetes<'a> {
    #[serde(borrow)]
    audit: Option<&'a RawValue>,
}

/// ECS `event`: only `ingested` is read (the rest restates the audit event).
#[derive(Deserialize)]
struct EcsEvent<'a> {
    #[serde(borrow)]
    ingested: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Orchestrator<'a> {
    #[serde(borrow)]
    cluster: Option<OrchestratorCluster<'a>>,
}

#[derive(Deserialize)]
struct OrchestratorCluster<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
}

/// An ECS document whose `kubernetes` key is `k8s`.
pub(super) fn document(
    k8s: &RawValue,
    doc: &Doc<'_>,
    cluster: Option<&str>,
    at: &Prefix<'_>,
    sink: &mut dyn Sink,
) {
    let cl = outer_or(cluster, || {
        doc.orchestrator
            .and_then(|o| serde_json::from_str::<Orchestrator<'_>>(o.get()).ok())
            .and_then(|o| o.cluster)
            .and_then(|c| c.name)
    });
    match serde_json::from_str::<Kubernetes<'_>>(k8s.get()) {
        Ok(Kubernetes { audit: Some(audit) }) => match serde_json::from_str::<Doc<'_>>(audit.get())
        {
            Ok(mut inner) => {
                inner.annotations = inner
                    .annotations
                    .map(|m| m.into_iter().map(|(k, v)| (redot(k), v)).collect());
                let env = Envelope {
                    format: FORMAT,
                    cluster: cl.as_deref(),
                    time: doc.at_timestamp.as_deref().and_then(parse_micros),
                };
                let ingested = match ingested_time(doc) {
                    Ok(t) => t,
                    Err(r) => {
                        sink.reject(at.wrap(r));
                        return;
                    }
                };
                match raw::event(Box::new(inner), &env) {
                    Ok(mut ev) => {
                        ev.ingested_time = ingested;
                        sink.event(&mut ev);
                    }
                    Err(r) => sink.reject(at.wrap(r)),
                }
            }
            Err(e) => sink.reject(at.wrap(format!("kubernetes.audit: {}", json_reason(&e)))),
        },
        Ok(_) => {
            sink.reject(at.wrap("not an audit event: `kubernetes` has no `audit` object".into()));
        }
        Err(e) => sink.reject(at.wrap(format!("kubernetes: {}", json_reason(&e)))),
    }
}

/// `event.ingested` of an ECS document: absent is fine, a bad timestamp rejects the document
/// like any other bad timestamp.
fn ingested_time(doc: &Doc<'_>) -> Result<Option<i64>, String> {
    let Some(event) = doc.event else {
        return Ok(None);
    };
    // `event` of another shape (not an object) carries no ingest time.
    let ingested = serde_json::from_str::<EcsEvent<'_>>(event.get())
        .ok()
        .and_then(|e| e.ingested);
    ts("event.ingested", ingested.as_deref())
}

/// ECS stores annotation keys with every `.` turned into `_`. Annotation key prefixes are DNS
/// subdomains, which cannot hold `_`, so turning `_` back into `.` before the `/` is lossless.
pub(super) fn redot(key: Str<'_>) -> Str<'_> {
    match key.find('/') {
        Some(slash) if key[..slash].contains('_') => Cow::Owned(format!(
            "{}{}",
            key[..slash].replace('_', "."),
            &key[slash..]
        )),
        _ => key,
    }
}
