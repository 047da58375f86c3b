//! Recognise the shape of each line or document and normalise it into [`Event`]s.
//!
//! One pass of `serde_json` over a line reads it as a raw `audit.k8s.io` event *and* sees the
//! top-level keys of every wrapper we know ([`Doc`]), so the common case (raw events) is parsed
//! once. This module keeps only that recognition (the dispatch in `parse_value_at`) and what every
//! shape shares; each shape's own fields live in one module, so shapes can be read side by side:
//!
//! | shape | module | recognised by | events from | `cluster` from | fallback time |
//! |---|---|---|---|---|---|
//! | raw `audit.k8s.io/v1` (and v1beta1) Event | [`raw`] | `auditID`, `kind: Event`, or `verb` + `requestURI` | the line | — | — |
//! | `EventList` / JSON array | [`raw`] | `items`, or a top-level array | each item | — | — |
//! | Elastic (ECS) document / hit | [`ecs`] | `kubernetes.audit` (also inside `_source`) | `kubernetes.audit`, annotation keys re-dotted | `orchestrator.cluster.name` | `@timestamp` |
//! | AKS diagnostic record / batch | [`aks`] | `properties.log` (string or object) / `records` | each record | `resourceId` | `time` |
//! | EKS via CloudWatch | [`eks`] | `message` (string) / `logEvents[].message` | each message | `logGroup` | `timestamp` (ms) |
//! | GKE Cloud Audit `LogEntry` | [`gke`] | `protoPayload` | mapped field by field | `resource.labels.cluster_name` | — |
//!
//! Two mappings onto the schema's columns exist, each written once: [`raw::event`] (every shape
//! but GKE carries a raw event inside) and [`gke::event`]. A wrapper only says where its events
//! are and fills in an [`Envelope`] (format name, cluster, fallback time); [`embedded`] and
//! [`each_item`] apply it the same way for every wrapper. The cluster a wrapper names yields to
//! an outer wrapper's, and an event's own timestamp beats any wrapper's.
//!
//! A bad event is reported to the caller with a reason, and the others on the same line still count.

mod aks;
mod ecs;
mod eks;
mod fast;
mod gke;
pub mod objects;
mod raw;
pub mod redact;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ingest::timestamp::parse_micros;

#[cfg(test)]
use ecs::redot;

type Str<'a> = Cow<'a, str>;

/// One normalised audit event, borrowing from the line it came from where it can.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Event<'a> {
    pub event_time: i64,
    pub received_time: Option<i64>,
    /// When an ingest pipeline received the event (ECS `event.ingested`); raw events have none.
    pub ingested_time: Option<i64>,
    pub audit_id: Option<Str<'a>>,
    pub stage: Option<Str<'a>>,
    pub level: Option<Str<'a>>,
    pub verb: Option<Str<'a>>,
    pub request_uri: Option<Str<'a>>,
    pub user_name: Option<Str<'a>>,
    pub user_uid: Option<Str<'a>>,
    pub user_groups: Option<Vec<Str<'a>>>,
    /// `user.extra`; a key whose value is null has no values.
    pub user_extra: Option<BTreeMap<Str<'a>, Option<Vec<Str<'a>>>>>,
    pub impersonated_user_name: Option<Str<'a>>,
    pub impersonated_user_groups: Option<Vec<Str<'a>>>,
    pub source_ips: Option<Vec<Str<'a>>>,
    pub user_agent: Option<Str<'a>>,
    pub resource: Option<Str<'a>>,
    pub subresource: Option<Str<'a>>,
    pub namespace: Option<Str<'a>>,
    pub object_name: Option<Str<'a>>,
    pub api_group: Option<Str<'a>>,
    pub api_version: Option<Str<'a>>,
    pub response_code: Option<i32>,
    pub response_status: Option<Str<'a>>,
    pub response_reason: Option<Str<'a>>,
    pub response_message: Option<Str<'a>>,
    pub authz_decision: Option<Str<'a>>,
    pub authz_reason: Option<Str<'a>>,
    pub annotations: Option<BTreeMap<Str<'a>, Str<'a>>>,
    pub request_object: Option<Str<'a>>,
    pub response_object: Option<Str<'a>>,
    /// Values inside the bodies that rules test ([`objects`]), sorted by path.
    pub object_fields: Option<Vec<(String, Vec<String>)>>,
    pub source_format: &'static str,
    /// The cluster a wrapper names (AKS resource id, EKS log group, GKE cluster label).
    pub cluster: Option<Str<'a>>,
    /// Secret values replaced in the bodies ([`redact`]).
    pub redacted: u32,
}

/// Where events go: `event` for each good one, `reject` for each bad one (with a reason).
pub trait Sink {
    /// An event, lent: it is large, and the sink copies what it keeps.
    fn event(&mut self, event: &mut Event<'_>);
    fn reject(&mut self, reason: String);
}

/// A raw audit event plus the top-level keys of every wrapper, so one pass classifies the line.
/// Keys whose type differs between shapes (`timestamp`, `message`, `metadata`, ...) are kept raw;
/// a wrapper's own structure is read from its [`RawValue`] by its module, only when present.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
    // --- the raw event ([`raw`])
    #[serde(borrow)]
    kind: Option<Str<'a>>,
    #[serde(rename = "auditID", borrow)]
    audit_id: Option<Str<'a>>,
    #[serde(borrow)]
    stage: Option<Str<'a>>,
    #[serde(borrow)]
    level: Option<Str<'a>>,
    #[serde(rename = "requestURI", borrow)]
    request_uri: Option<Str<'a>>,
    #[serde(borrow)]
    verb: Option<Str<'a>>,
    #[serde(borrow)]
    user: Option<raw::UserInfo<'a>>,
    #[serde(borrow)]
    impersonated_user: Option<raw::UserInfo<'a>>,
    #[serde(rename = "sourceIPs", borrow)]
    source_ips: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    user_agent: Option<Str<'a>>,
    #[serde(borrow)]
    object_ref: Option<raw::ObjectRef<'a>>,
    #[serde(borrow)]
    response_status: Option<raw::Status<'a>>,
    #[serde(borrow)]
    request_object: Option<RawText<'a>>,
    #[serde(borrow)]
    response_object: Option<RawText<'a>>,
    #[serde(borrow)]
    request_received_timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    stage_timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    annotations: Option<BTreeMap<Str<'a>, Str<'a>>>,
    // --- v1beta1 and wrappers
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    /// `EventList` ([`raw`]).
    #[serde(borrow)]
    items: Option<&'a RawValue>,
    /// AKS batch ([`aks`]).
    #[serde(borrow)]
    records: Option<&'a RawValue>,
    /// AKS record ([`aks`]).
    #[serde(borrow)]
    properties: Option<&'a RawValue>,
    #[serde(borrow)]
    resource_id: Option<Str<'a>>,
    /// CloudWatch ([`eks`]).
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow)]
    message_type: Option<Str<'a>>,
    #[serde(borrow)]
    log_group: Option<Str<'a>>,
    #[serde(borrow)]
    log_events: Option<&'a RawValue>,
    /// GKE ([`gke`]).
    #[serde(borrow)]
    proto_payload: Option<&'a RawValue>,
    /// Elastic ([`ecs`]).
    #[serde(borrow)]
    kubernetes: Option<&'a RawValue>,
    #[serde(rename = "_source", borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow)]
    orchestrator: Option<&'a RawValue>,
    /// ECS `event` (`event.ingested`, [`ecs`]).
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    /// AKS record time, used when the embedded event has no timestamp of its own.
    #[serde(borrow)]
    time: Option<Str<'a>>,
    /// ECS document time (the time the event was read; a last resort).
    #[serde(rename = "@timestamp", borrow)]
    at_timestamp: Option<Str<'a>>,
    /// Panther's normalised event time.
    #[serde(rename = "p_event_time", borrow)]
    p_event_time: Option<Str<'a>>,
}

/// The top-level keys of [`Doc`] that belong to a wrapper or to v1beta1 events: the fast path
/// ([`fast`]) leaves a line holding any of them to serde.
const WRAPPER_KEYS: [&str; 17] = [
    "timestamp",
    "metadata",
    "items",
    "records",
    "properties",
    "resourceId",
    "message",
    "messageType",
    "logGroup",
    "logEvents",
    "protoPayload",
    "kubernetes",
    "_source",
    "orchestrator",
    "time",
    "@timestamp",
    "p_event_time",
];

/// A JSON value kept as its text (request and response bodies), as [`RawValue::get`] gives it.
#[derive(Debug, Clone, Copy)]
struct RawText<'a>(&'a str);

impl<'de: 'a, 'a> Deserialize<'de> for RawText<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(|v| RawText(v.get()))
    }
}

/// What a wrapper adds to the raw events it carries: the one thing each wrapper module fills in.
struct Envelope<'c> {
    /// `source_format` of the events inside (`raw` when there is no wrapper).
    format: &'static str,
    /// The `cluster` column: the outermost wrapper that names one wins.
    cluster: Option<&'c str>,
    /// `event_time` for an event that carries no timestamp of its own.
    time: Option<i64>,
}

/// The cluster for events inside a wrapper: an outer wrapper's if it named one, else this
/// wrapper's own (computed only when needed).
fn outer_or<'c>(
    outer: Option<&'c str>,
    own: impl FnOnce() -> Option<Cow<'c, str>>,
) -> Option<Cow<'c, str>> {
    outer.map(Cow::Borrowed).or_else(own)
}

// ---------------------------------------------------------------------------------------------

/// Why a line or event was rejected, in words for the rejects file.
fn json_reason(e: &serde_json::Error) -> String {
    match e.classify() {
        // Go's decoder would keep the last of two values; which one the log meant is unknown.
        serde_json::error::Category::Data if e.to_string().starts_with("duplicate field") => {
            format!("duplicate key: {e}")
        }
        serde_json::error::Category::Data => format!("field of the wrong type: {e}"),
        _ => format!("not JSON: {e}"),
    }
}

/// Parses one line (or document) and feeds its events to `sink`, with the secrets in their
/// bodies redacted unless `secrets` says to keep them. `line` must already be valid UTF-8
/// without its line ending.
pub fn parse_line(line: &str, secrets: &redact::Secrets, sink: &mut dyn Sink) {
    match secrets {
        redact::Secrets::Keep => parse_any(line, sink),
        redact::Secrets::Redact(key) => parse_any(line, &mut Redacting { inner: sink, key }),
    }
}

/// Redacts every event on its way to the sink: the one place all shapes pass.
struct Redacting<'s, 'k> {
    inner: &'s mut dyn Sink,
    key: &'k [u8; 32],
}

impl Sink for Redacting<'_, '_> {
    fn event(&mut self, event: &mut Event<'_>) {
        event.redacted += redact::event(event, self.key);
        self.inner.event(event);
    }
    fn reject(&mut self, reason: String) {
        self.inner.reject(reason);
    }
}

fn parse_any(line: &str, sink: &mut dyn Sink) {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') {
        each_item(line, "", None, &Prefix::None, sink);
        return;
    }
    parse_value(line, None, &Prefix::None, sink);
}

/// Where inside a line an event came from, for reject reasons (`records[3]: ...`).
enum Prefix<'p> {
    None,
    Index(&'p str, usize),
}

impl Prefix<'_> {
    fn wrap(&self, reason: String) -> String {
        match self {
            Prefix::None => reason,
            Prefix::Index("", i) => format!("[{i}]: {reason}"),
            Prefix::Index(key, i) => format!("{key}[{i}]: {reason}"),
        }
    }
}

fn raw_str<'a>(v: &'a RawValue) -> Option<Cow<'a, str>> {
    serde_json::from_str::<Cow<'a, str>>(v.get()).ok()
}

fn ts(field: &str, v: Option<&str>) -> Result<Option<i64>, String> {
    match v {
        None | Some("") => Ok(None),
        Some(s) => parse_micros(s)
            .map(Some)
            .ok_or_else(|| format!("bad timestamp in {field}: {s:?} (want RFC 3339)")),
    }
}

/// Parses one JSON value that is an event or a wrapper of events.
fn parse_value(text: &str, cluster: Option<&str>, at: &Prefix<'_>, sink: &mut dyn Sink) {
    parse_value_at(text, cluster, None, at, sink);
}

/// Recognises the shape of `text` and hands it to that shape's module. The order of the tests
/// matters where a document carries keys of several shapes. `fallback` is a wrapper's time, for
/// events that carry none of their own.
fn parse_value_at(
    text: &str,
    cluster: Option<&str>,
    fallback: Option<i64>,
    at: &Prefix<'_>,
    sink: &mut dyn Sink,
) {
    // The common line, a raw event, is read by the fast path; whatever it leaves goes to serde.
    if let Some(doc) = fast::doc(text).filter(|d| raw::looks_like_event(d)) {
        let env = Envelope {
            format: raw::FORMAT,
            cluster,
            time: fallback,
        };
        emit(raw::event(doc, &env), at, sink);
        return;
    }
    // serde skips a value it keeps raw (a body, a wrapper's payload) without a depth limit,
    // and wrappers recurse here once per level: bound the nesting before either.
    if too_deep(text.as_bytes()) {
        sink.reject(at.wrap(format!(
            "JSON nested deeper than {MAX_NESTING} levels (a crafted line, not an audit event)"
        )));
        return;
    }
    let doc: Doc<'_> = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            // A wrapper whose fields clash with the raw-event shape lands here too; GKE entries
            // carry `resource` objects etc. that Doc ignores, so a clash means a real type error.
            sink.reject(at.wrap(json_reason(&e)));
            return;
        }
    };
    if doc.proto_payload.is_some() {
        gke::entry(text, cluster, at, sink);
    } else if let Some(src) = doc.source {
        // An Elasticsearch hit: the document is under `_source`.
        parse_value(src.get(), cluster, at, sink);
    } else if let Some(k8s) = doc.kubernetes {
        ecs::document(k8s, &doc, cluster, at, sink);
    } else if let Some(records) = doc.records {
        each_item(records.get(), "records", cluster, at, sink);
    } else if let Some(props) = doc.properties {
        aks::record(props, &doc, cluster, at, sink);
    } else if eks::is_control_message(&doc) {
        // CloudWatch's subscription health check: carries no events.
    } else {
        // A CloudWatch log group names the cluster of everything below, raw events included.
        let cl = outer_or(cluster, || eks::log_group_cluster(&doc).map(Cow::Owned));
        if let Some(events) = doc.log_events {
            eks::log_events(events, cl.as_deref(), at, sink);
        } else if let Some(items) = doc.items {
            each_item(items.get(), "items", cluster, at, sink);
        } else if raw::looks_like_event(&doc) {
            let env = Envelope {
                format: raw::FORMAT,
                cluster: cl.as_deref(),
                time: fallback,
            };
            emit(raw::event(Box::new(doc), &env), at, sink);
        } else if let Some(m) = doc.message {
            eks::message(m, doc.timestamp, cl.as_deref(), at, sink);
        } else {
            sink.reject(at.wrap(
                "not an audit event: no auditID, kind \"Event\", or verb and requestURI, and no known wrapper".into(),
            ));
        }
    }
}

/// Deepest nesting of objects and arrays accepted in a line (serde_json's own limit for the
/// values it builds); the fast path takes only lines nested less deep ([`fast`]).
const MAX_NESTING: usize = 128;

/// Whether `b` nests objects and arrays deeper than [`MAX_NESTING`] (brackets inside strings do
/// not count). One pass, no recursion, stops at the first level too deep.
fn too_deep(b: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                // Skip the string: to the next quote not escaped.
                i += 1;
                while i < b.len() {
                    match memchr::memchr2(b'"', b'\\', &b[i..]) {
                        Some(j) if b[i + j] == b'\\' => i += j + 2,
                        Some(j) => {
                            i += j;
                            break;
                        }
                        None => return false,
                    }
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Hands a mapped event to the sink, or its reject reason (the event is not moved again).
fn emit(mut mapped: Result<Event<'_>, String>, at: &Prefix<'_>, sink: &mut dyn Sink) {
    match &mut mapped {
        Ok(ev) => sink.event(ev),
        Err(r) => sink.reject(at.wrap(std::mem::take(r))),
    }
}

/// Each element of a JSON array (`EventList.items`, AKS `records`, a top-level array) is parsed
/// as a line of its own, under the cluster of the wrapper around the array.
fn each_item(text: &str, key: &str, cluster: Option<&str>, at: &Prefix<'_>, sink: &mut dyn Sink) {
    match serde_json::from_str::<Vec<&RawValue>>(text) {
        Ok(items) => {
            for (i, item) in items.into_iter().enumerate() {
                parse_value(item.get(), cluster, &Prefix::Index(key, i), sink);
            }
        }
        Err(e) if key.is_empty() => sink.reject(at.wrap(json_reason(&e))),
        Err(e) => sink.reject(at.wrap(format!("{key}: {}", json_reason(&e)))),
    }
}

/// Applies a wrapper's [`Envelope`] to the event it embeds, either as a JSON string (AKS
/// `properties.log`, CloudWatch `message`) or as an object. The embedded text is dispatched
/// again, so it may itself be any shape.
fn embedded(v: &RawValue, env: &Envelope<'_>, at: &Prefix<'_>, sink: &mut dyn Sink) {
    let text = v.get();
    let decoded;
    let inner = if text.starts_with('"') {
        match serde_json::from_str::<Cow<'_, str>>(text) {
            Ok(s) => {
                decoded = s;
                decoded.trim()
            }
            Err(e) => {
                sink.reject(at.wrap(json_reason(&e)));
                return;
            }
        }
    } else {
        text
    };
    let mut tagging = Tagging {
        inner: sink,
        format: env.format,
    };
    parse_value_at(inner, env.cluster, env.time, at, &mut tagging);
}

/// Marks events that came through a wrapper with the wrapper's format name.
struct Tagging<'s> {
    inner: &'s mut dyn Sink,
    format: &'static str,
}

impl Sink for Tagging<'_> {
    fn event(&mut self, event: &mut Event<'_>) {
        if event.source_format == raw::FORMAT {
            event.source_format = self.format;
        }
        self.inner.event(event);
    }
    fn reject(&mut self, reason: String) {
        self.inner.reject(reason);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[derive(Default)]
    pub struct Collect {
        pub events: Vec<Event<'static>>,
        pub rejects: Vec<String>,
    }

    fn own(s: Option<Str<'_>>) -> Option<Str<'static>> {
        s.map(|c| Cow::Owned(c.into_owned()))
    }

    impl Sink for Collect {
        fn event(&mut self, e: &mut Event<'_>) {
            let e = std::mem::take(e);
            self.events.push(Event {
                event_time: e.event_time,
                received_time: e.received_time,
                ingested_time: e.ingested_time,
                audit_id: own(e.audit_id),
                stage: own(e.stage),
                verb: own(e.verb),
                request_uri: own(e.request_uri),
                user_name: own(e.user_name),
                impersonated_user_name: own(e.impersonated_user_name),
                resource: own(e.resource),
                subresource: own(e.subresource),
                namespace: own(e.namespace),
                object_name: own(e.object_name),
                api_group: own(e.api_group),
                response_code: e.response_code,
                authz_decision: own(e.authz_decision),
                user_agent: own(e.user_agent),
                source_ips: e.source_ips.map(|v| {
                    v.into_iter()
                        .map(|s| own(Some(s)).unwrap_or_default())
                        .collect()
                }),
                source_format: e.source_format,
                cluster: own(e.cluster),
                ..Event::default()
            });
        }
        fn reject(&mut self, reason: String) {
            self.rejects.push(reason);
        }
    }

    pub fn parse(line: &str) -> Collect {
        let mut c = Collect::default();
        parse_line(line, &redact::Secrets::Keep, &mut c);
        c
    }

    const EV: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ns/pods/p/exec","verb":"create","user":{"username":"system:serviceaccount:ns:sa","groups":["system:serviceaccounts"],"extra":{"authentication.kubernetes.io/pod-name":["p-1"]}},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"pods","namespace":"ns","name":"p","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":403},"requestReceivedTimestamp":"2026-01-05T08:00:00.000001Z","stageTimestamp":"2026-01-05T08:00:00.000002Z","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}"#;

    #[test]
    fn raw_event_fields() {
        let c = parse(EV);
        assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        let e = &c.events[0];
        assert_eq!(e.user_name.as_deref(), Some("system:serviceaccount:ns:sa"));
        assert_eq!(e.authz_decision.as_deref(), Some("forbid"));
        assert_eq!(e.subresource.as_deref(), Some("exec"));
        assert_eq!(e.response_code, Some(403));
        assert_eq!(
            e.event_time,
            parse_micros("2026-01-05T08:00:00.000002Z").unwrap_or_default()
        );
        assert_eq!(e.source_format, "raw");
    }

    #[test]
    fn wrappers_unwrap_to_the_same_event() {
        let escaped = serde_json::to_string(EV).unwrap_or_default();
        let lines = [
            (
                format!(r#"{{"kind":"EventList","items":[{EV},{EV}]}}"#),
                "raw",
                2,
                None,
            ),
            (format!("[{EV}]"), "raw", 1, None),
            (
                format!(
                    r#"{{"category":"kube-audit","resourceId":"/SUBSCRIPTIONS/X/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1","time":"2026-01-05T08:00:00Z","properties":{{"log":{escaped},"stream":"stdout"}}}}"#
                ),
                "aks",
                1,
                Some("aks-1"),
            ),
            (
                format!(
                    r#"{{"records":[{{"resourceId":"/x/aks2","properties":{{"log":{EV}}}}}]}}"#
                ),
                "aks",
                1,
                Some("aks2"),
            ),
            (
                format!(
                    r#"{{"logGroup":"/aws/eks/prod/cluster","timestamp":1767600000000,"message":{escaped}}}"#
                ),
                "eks",
                1,
                Some("prod"),
            ),
            (
                format!(
                    r#"{{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/prod/cluster","logEvents":[{{"id":"1","timestamp":1,"message":{escaped}}}]}}"#
                ),
                "eks",
                1,
                Some("prod"),
            ),
        ];
        for (line, format, n, cluster) in lines {
            let c = parse(&line);
            assert!(c.rejects.is_empty(), "{line}: {:?}", c.rejects);
            assert_eq!(c.events.len(), n, "{line}");
            for e in &c.events {
                assert_eq!(e.source_format, format, "{line}");
                assert_eq!(e.cluster.as_deref(), cluster, "{line}");
                assert_eq!(e.authz_decision.as_deref(), Some("forbid"));
                assert_eq!(e.user_name.as_deref(), Some("system:serviceaccount:ns:sa"));
            }
        }
    }

    #[test]
    fn ecs_annotations_are_redotted() {
        let line = r#"{"@timestamp":"2026-01-05T08:00:01Z","kubernetes":{"audit":{"auditID":"x","kind":"Event","verb":"get","stageTimestamp":"2026-01-05T08:00:00Z","user":{"username":"system:serviceaccount:a:b"},"annotations":{"authorization_k8s_io/decision":"forbid","pod-security_kubernetes_io/enforce-policy":"privileged:latest"}}},"orchestrator":{"cluster":{"name":"es-1"}}}"#;
        let c = parse(line);
        assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        assert_eq!(c.events[0].authz_decision.as_deref(), Some("forbid"));
        assert_eq!(c.events[0].source_format, "ecs");
        assert_eq!(c.events[0].cluster.as_deref(), Some("es-1"));
        assert_eq!(
            redot(Cow::Borrowed("pod-security_kubernetes_io/enforce-policy")),
            "pod-security.kubernetes.io/enforce-policy"
        );
        assert_eq!(redot(Cow::Borrowed("no_slash")), "no_slash");
    }

    #[test]
    fn ecs_event_ingested_is_kept() {
        let doc = |event: &str| {
            format!(
                r#"{{"@timestamp":"2026-01-05T08:00:01Z",{event}"kubernetes":{{"audit":{{"auditID":"x","kind":"Event","verb":"get","stageTimestamp":"2026-01-05T08:00:00Z"}}}}}}"#
            )
        };
        let c = parse(&doc(
            r#""event":{"ingested":"2026-01-05T08:00:42.5Z","dataset":"kubernetes.audit_logs"},"#,
        ));
        assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        assert_eq!(
            c.events[0].ingested_time,
            parse_micros("2026-01-05T08:00:42.5Z")
        );
        // No `event`, or one without `ingested`: no ingest time; raw events never have one.
        for line in [doc(""), doc(r#""event":{"dataset":"x"},"#), EV.to_owned()] {
            let c = parse(&line);
            assert!(c.rejects.is_empty(), "{:?}", c.rejects);
            assert_eq!(c.events[0].ingested_time, None, "{line}");
        }
        let c = parse(&doc(r#""event":{"ingested":"yesterday"},"#));
        assert!(c.events.is_empty());
        assert!(c.rejects[0].contains("event.ingested"), "{:?}", c.rejects);
    }

    #[test]
    fn gke_entry_maps_fields() {
        let line = r#"{"protoPayload":{"authenticationInfo":{"principalEmail":"system:serviceaccount:ns:sa"},"authorizationInfo":[{"granted":false,"permission":"io.k8s.core.v1.secrets.list","resource":"core/v1/namespaces/kube-system/secrets"}],"methodName":"io.k8s.core.v1.secrets.list","resourceName":"core/v1/namespaces/kube-system/secrets","requestMetadata":{"callerIp":"1.2.3.4","callerSuppliedUserAgent":"curl/8"},"status":{"code":7,"message":"PERMISSION_DENIED"}},"insertId":"i1","resource":{"type":"k8s_cluster","labels":{"cluster_name":"gke-1"}},"timestamp":"2026-01-05T08:00:00.123Z","receiveTimestamp":"2026-01-05T08:00:01Z"}"#;
        let c = parse(line);
        assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        let e = &c.events[0];
        assert_eq!(e.verb.as_deref(), Some("list"));
        assert_eq!(e.resource.as_deref(), Some("secrets"));
        assert_eq!(e.namespace.as_deref(), Some("kube-system"));
        assert_eq!(e.api_group.as_deref(), Some(""));
        assert_eq!(e.authz_decision.as_deref(), Some("forbid"));
        assert_eq!(e.response_code, Some(403));
        assert_eq!(e.cluster.as_deref(), Some("gke-1"));
        assert_eq!(
            e.source_ips.as_deref(),
            Some(&[Cow::Borrowed("1.2.3.4")][..])
        );
    }

    #[test]
    fn bad_lines_have_reasons() {
        let cases = [
            ("not json at all", "not JSON"),
            (r#"{"kind": 0}"#, "wrong type"),
            (r#"{"hello":"world"}"#, "not an audit event"),
            (r#"{"auditID":"x","verb":"get"}"#, "no timestamp"),
            (
                r#"{"auditID":"x","stageTimestamp":"yesterday"}"#,
                "bad timestamp",
            ),
            (
                r#"{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","responseStatus":{"code":"403"}}"#,
                "wrong type",
            ),
            (
                r#"{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","user":"bob"}"#,
                "wrong type",
            ),
            (
                r#"{"records":[{"properties":{"log":"{broken"}}]}"#,
                "records[0]: not JSON",
            ),
        ];
        for (line, want) in cases {
            let c = parse(line);
            assert!(c.events.is_empty(), "{line}");
            assert_eq!(c.rejects.len(), 1, "{line}");
            assert!(c.rejects[0].contains(want), "{line}: {:?}", c.rejects);
        }
    }

    /// Redaction happens where every shape passes: a Secret inside an AKS record (as an escaped
    /// string) and inside a GKE entry is redacted like a raw one; kept with `Secrets::Keep`.
    #[test]
    fn secrets_are_redacted_in_every_shape() {
        struct Bodies(Vec<String>, u32);
        impl Sink for Bodies {
            fn event(&mut self, e: &mut Event<'_>) {
                self.0
                    .extend(e.request_object.as_deref().map(str::to_owned));
                self.1 += e.redacted;
            }
            fn reject(&mut self, reason: String) {
                panic!("unexpected reject: {reason}");
            }
        }
        let raw = r#"{"kind":"Event","auditID":"s1","verb":"create","requestURI":"/api/v1/namespaces/a/secrets","objectRef":{"resource":"secrets","namespace":"a","apiVersion":"v1"},"stageTimestamp":"2026-01-05T00:00:00Z","requestObject":{"kind":"Secret","data":{"k":"c2VjcmV0"}}}"#;
        let aks = format!(
            r#"{{"records":[{{"resourceId":"/x/aks1","properties":{{"log":{}}}}}]}}"#,
            serde_json::to_string(raw).unwrap_or_default()
        );
        let gke = r#"{"protoPayload":{"methodName":"io.k8s.core.v1.secrets.create","resourceName":"core/v1/namespaces/a/secrets","authenticationInfo":{"principalEmail":"bob@example.com"},"request":{"@type":"core.k8s.io/v1.Secret","kind":"Secret","data":{"k":"c2VjcmV0"}}},"resource":{"labels":{"cluster_name":"g"}},"timestamp":"2026-01-05T00:00:00Z"}"#;
        for line in [raw, &aks, gke] {
            let mut b = Bodies(Vec::new(), 0);
            parse_line(line, &redact::Secrets::default(), &mut b);
            assert_eq!((b.0.len(), b.1), (1, 1), "{line}");
            assert!(b.0[0].contains("<redacted blake3:"), "{:?}", b.0);
            assert!(!b.0[0].contains("c2VjcmV0"), "{:?}", b.0);
            let mut b = Bodies(Vec::new(), 0);
            parse_line(line, &redact::Secrets::Keep, &mut b);
            assert!(b.0[0].contains("c2VjcmV0") && b.1 == 0, "{:?}", b.0);
        }
    }

    /// Hostile lines: each is parsed or rejected with a reason, never a panic or a stack
    /// overflow (these tests run on a test thread's 2 MiB stack, like the parse workers).
    #[test]
    fn hostile_lines_are_rejected_with_a_reason() {
        const HEAD: &str = r#""kind":"Event","auditID":"h","verb":"get","requestURI":"/x","stageTimestamp":"2026-01-05T00:00:00Z""#;
        let nest = |open: &str, close: &str, inner: &str, n: usize| {
            format!("{}{inner}{}", open.repeat(n), close.repeat(n))
        };
        let ev = format!("{{{HEAD}}}");
        let rejects: Vec<(String, &str)> = vec![
            // Deep nesting inside a body (serde keeps it raw, unbounded) and across wrappers.
            (
                format!(r#"{{{HEAD},"requestObject":{}}}"#, nest("[", "]", "", 5000)),
                "nested deeper than 128",
            ),
            (
                nest(r#"{"kind":"EventList","items":["#, "]}", &ev, 5000),
                "nested deeper than 128",
            ),
            (nest(r#"{"_source":"#, "}", &ev, 5000), "nested deeper than 128"),
            (nest("[", "]", &ev, 5000), "[0]: "),
            // Huge numbers.
            (
                format!(r#"{{{HEAD},"responseStatus":{{"code":1e999999}}}}"#),
                "number out of range",
            ),
            (
                format!(r#"{{{HEAD},"responseStatus":{{"code":99999999999}}}}"#),
                "wrong type",
            ),
            (
                r#"{"logGroup":"/aws/eks/p/cluster","timestamp":9223372036854775807,"message":"{\"kind\":\"Event\",\"auditID\":\"t\"}"}"#.into(),
                "no timestamp",
            ),
            (
                r#"{"logGroup":"/aws/eks/p/cluster","logEvents":[{"timestamp":-9223372036854775808,"message":"{\"kind\":\"Event\",\"auditID\":\"t\"}"}]}"#.into(),
                "no timestamp",
            ),
            // Duplicate keys of the event.
            (
                format!(r#"{{{HEAD},"auditID":"again"}}"#),
                "duplicate key",
            ),
            // A raw NUL byte (JSON forbids control characters in strings).
            (
                format!("{{{HEAD},\"userAgent\":\"a\u{0}b\"}}"),
                "control character",
            ),
        ];
        for (line, want) in &rejects {
            let c = parse(line);
            assert!(c.events.is_empty(), "{}", &line[..line.len().min(200)]);
            assert_eq!(c.rejects.len(), 1, "{}", &line[..line.len().min(200)]);
            assert!(c.rejects[0].contains(want), "{want}: {:?}", c.rejects);
        }
        // Parsed: an escaped NUL and escape sequences are data; huge numbers in a body are kept
        // as written; a duplicate annotation keeps the last value on both paths (as Go does).
        let kept = [
            format!(r#"{{{HEAD},"userAgent":"a\u0000b\u001b[31m"}}"#),
            format!(
                r#"{{{HEAD},"requestObject":{{"n":1e999999,"m":123456789012345678901234567890}}}}"#
            ),
            format!(
                r#"{{{HEAD},"annotations":{{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/decision":"allow"}}}}"#
            ),
            format!(
                r#"{{"_source":{{"kubernetes":{{"audit":{{{HEAD},"annotations":{{"authorization_k8s_io/decision":"forbid","authorization_k8s_io/decision":"allow"}}}}}}}}}}"#
            ),
            format!(r#"{{{HEAD},"requestObject":{}}}"#, nest("[", "]", "", 120)),
        ];
        for line in &kept {
            let c = parse(line);
            assert!(c.rejects.is_empty(), "{line}: {:?}", c.rejects);
            assert_eq!(c.events.len(), 1, "{line}");
        }
        assert_eq!(
            parse(&kept[0]).events[0].user_agent.as_deref(),
            Some("a\u{0}b\u{1b}[31m")
        );
        for line in &kept[2..4] {
            assert_eq!(
                parse(line).events[0].authz_decision.as_deref(),
                Some("allow")
            );
        }
    }

    #[test]
    fn one_bad_record_keeps_the_others() {
        let line = format!(
            r#"{{"records":[{{"properties":{{"log":{EV}}}}},{{"properties":{{"log":"nope"}}}}]}}"#
        );
        let c = parse(&line);
        assert_eq!(c.events.len(), 1);
        assert_eq!(c.rejects.len(), 1);
    }
}
