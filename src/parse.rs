//! Recognise the shape of each line or document and normalise it into [`Event`]s.
//!
//! One pass of `serde_json` over a line reads it as a raw `audit.k8s.io` event *and* sees the
//! top-level keys of every wrapper we know, so the common case (raw events) is parsed once.
//! Wrappers are then unwrapped:
//!
//! | shape | recognised by | events from |
//! |---|---|---|
//! | raw `audit.k8s.io/v1` (and v1beta1) Event | `auditID`, `kind: Event`, or `verb` + `requestURI` | the line |
//! | `EventList` / JSON array | `items`, or a top-level array | each item |
//! | Elastic (ECS) document | `kubernetes.audit` (also inside `_source`) | `kubernetes.audit`, annotation keys re-dotted |
//! | AKS diagnostic record / batch | `properties.log` (string or object) / `records` | each record |
//! | EKS via CloudWatch | `message` (string) / `logEvents[].message` | each message |
//! | GKE Cloud Audit `LogEntry` | `protoPayload` | mapped field by field |
//!
//! A bad event is reported to the caller with a reason, and the others on the same line still count.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::timestamp::parse_micros;

type Str<'a> = Cow<'a, str>;

/// One normalised audit event, borrowing from the line it came from where it can.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Event<'a> {
    pub event_time: i64,
    pub received_time: Option<i64>,
    pub audit_id: Option<Str<'a>>,
    pub stage: Option<Str<'a>>,
    pub level: Option<Str<'a>>,
    pub verb: Option<Str<'a>>,
    pub request_uri: Option<Str<'a>>,
    pub user_name: Option<Str<'a>>,
    pub user_uid: Option<Str<'a>>,
    pub user_groups: Option<Vec<Str<'a>>>,
    pub user_extra: Option<BTreeMap<Str<'a>, Vec<Str<'a>>>>,
    pub impersonated_user_name: Option<Str<'a>>,
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
    pub source_format: &'static str,
    /// The cluster a wrapper names (AKS resource id, EKS log group, GKE cluster label).
    pub cluster: Option<Str<'a>>,
}

/// Where events go: `event` for each good one, `reject` for each bad one (with a reason).
pub trait Sink {
    fn event(&mut self, event: Event<'_>);
    fn reject(&mut self, reason: String);
}

// ---------------------------------------------------------------------------------------------
// serde shapes

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserInfo<'a> {
    #[serde(borrow)]
    username: Option<Str<'a>>,
    #[serde(borrow)]
    uid: Option<Str<'a>>,
    #[serde(borrow)]
    groups: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    extra: Option<BTreeMap<Str<'a>, Option<Vec<Str<'a>>>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ObjectRef<'a> {
    #[serde(borrow)]
    resource: Option<Str<'a>>,
    #[serde(borrow)]
    namespace: Option<Str<'a>>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    api_group: Option<Str<'a>>,
    #[serde(borrow)]
    api_version: Option<Str<'a>>,
    #[serde(borrow)]
    subresource: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[allow(clippy::struct_field_names)] // `status` is the Kubernetes field's name
struct Status<'a> {
    code: Option<i32>,
    #[serde(borrow)]
    status: Option<Str<'a>>,
    #[serde(borrow)]
    reason: Option<Str<'a>>,
    #[serde(borrow)]
    message: Option<Str<'a>>,
}

/// A raw audit event plus the top-level keys of every wrapper, so one pass classifies the line.
/// Keys whose type differs between shapes (`timestamp`, `message`, `metadata`, ...) are kept raw.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
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
    user: Option<UserInfo<'a>>,
    #[serde(borrow)]
    impersonated_user: Option<UserInfo<'a>>,
    #[serde(rename = "sourceIPs", borrow)]
    source_ips: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    user_agent: Option<Str<'a>>,
    #[serde(borrow)]
    object_ref: Option<ObjectRef<'a>>,
    #[serde(borrow)]
    response_status: Option<Status<'a>>,
    #[serde(borrow)]
    request_object: Option<&'a RawValue>,
    #[serde(borrow)]
    response_object: Option<&'a RawValue>,
    #[serde(borrow)]
    request_received_timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    stage_timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    annotations: Option<BTreeMap<Str<'a>, Str<'a>>>,
    // v1beta1 and wrappers
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    items: Option<&'a RawValue>,
    #[serde(borrow)]
    records: Option<&'a RawValue>,
    #[serde(borrow)]
    properties: Option<&'a RawValue>,
    #[serde(borrow)]
    resource_id: Option<Str<'a>>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow)]
    message_type: Option<Str<'a>>,
    #[serde(borrow)]
    log_group: Option<Str<'a>>,
    #[serde(borrow)]
    log_events: Option<&'a RawValue>,
    #[serde(borrow)]
    proto_payload: Option<&'a RawValue>,
    #[serde(borrow)]
    kubernetes: Option<&'a RawValue>,
    #[serde(rename = "_source", borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow)]
    orchestrator: Option<&'a RawValue>,
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

#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "creationTimestamp", borrow)]
    creation_timestamp: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Kubernetes<'a> {
    #[serde(borrow)]
    audit: Option<&'a RawValue>,
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

#[derive(Deserialize)]
struct AksProperties<'a> {
    #[serde(borrow)]
    log: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct LogEvent<'a> {
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    timestamp: Option<i64>,
}

// GKE Cloud Audit LogEntry
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GkeEntry<'a> {
    #[serde(borrow)]
    proto_payload: GkePayload<'a>,
    #[serde(borrow)]
    insert_id: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    receive_timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    labels: Option<BTreeMap<Str<'a>, Str<'a>>>,
    #[serde(borrow)]
    resource: Option<GkeResource<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GkePayload<'a> {
    #[serde(borrow)]
    service_name: Option<Str<'a>>,
    #[serde(borrow)]
    authentication_info: Option<GkeAuthn<'a>>,
    #[serde(borrow)]
    authorization_info: Option<Vec<GkeAuthz<'a>>>,
    #[serde(borrow)]
    method_name: Option<Str<'a>>,
    #[serde(borrow)]
    resource_name: Option<Str<'a>>,
    #[serde(borrow)]
    request_metadata: Option<GkeRequestMeta<'a>>,
    #[serde(borrow)]
    status: Option<GkeStatus<'a>>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GkeAuthn<'a> {
    #[serde(borrow)]
    principal_email: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct GkeAuthz<'a> {
    granted: Option<bool>,
    #[serde(borrow)]
    #[allow(dead_code)]
    permission: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GkeRequestMeta<'a> {
    #[serde(borrow)]
    caller_ip: Option<Str<'a>>,
    #[serde(borrow)]
    caller_supplied_user_agent: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct GkeStatus<'a> {
    code: Option<i32>,
    #[serde(borrow)]
    message: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct GkeResource<'a> {
    #[serde(borrow)]
    labels: Option<BTreeMap<Str<'a>, Str<'a>>>,
}

// ---------------------------------------------------------------------------------------------

/// Why a line or event was rejected, in words for the rejects file.
fn json_reason(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Data => format!("field of the wrong type: {e}"),
        _ => format!("not JSON: {e}"),
    }
}

/// Parses one line (or document) and feeds its events to `sink`. `line` must already be valid
/// UTF-8 without its line ending.
pub fn parse_line(line: &str, sink: &mut dyn Sink) {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<&RawValue>>(line) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    parse_value(item.get(), None, &Prefix::Index("", i), sink);
                }
            }
            Err(e) => sink.reject(json_reason(&e)),
        }
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

/// Parses one JSON value that is an event or a wrapper of events.
fn parse_value(text: &str, cluster: Option<&str>, at: &Prefix<'_>, sink: &mut dyn Sink) {
    parse_value_at(text, cluster, None, at, sink);
}

/// `fallback` is a wrapper's time, for events that carry none of their own.
fn parse_value_at(
    text: &str,
    cluster: Option<&str>,
    fallback: Option<i64>,
    at: &Prefix<'_>,
    sink: &mut dyn Sink,
) {
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
        // The entry is read again as a whole: its fields differ from a raw event's.
        match serde_json::from_str::<GkeEntry<'_>>(text) {
            Ok(entry)
                if entry
                    .proto_payload
                    .service_name
                    .as_deref()
                    .is_some_and(|s| s != "k8s.io") =>
            {
                let svc = entry
                    .proto_payload
                    .service_name
                    .as_deref()
                    .unwrap_or_default();
                sink.reject(at.wrap(format!(
                    "not a Kubernetes audit event: a Cloud Audit entry of service {svc:?} (want \"k8s.io\")"
                )));
            }
            Ok(entry) => match gke_event(entry, cluster) {
                Ok(ev) => sink.event(ev),
                Err(r) => sink.reject(at.wrap(r)),
            },
            Err(e) => sink.reject(at.wrap(json_reason(&e))),
        }
        return;
    }
    if let Some(src) = doc.source {
        // An Elasticsearch hit: the document is under `_source`.
        parse_value(src.get(), cluster, at, sink);
        return;
    }
    if let Some(k8s) = doc.kubernetes {
        let ecs_cluster = doc
            .orchestrator
            .and_then(|o| serde_json::from_str::<Orchestrator<'_>>(o.get()).ok())
            .and_then(|o| o.cluster)
            .and_then(|c| c.name);
        let cl = cluster.map(Cow::Borrowed).or(ecs_cluster);
        match serde_json::from_str::<Kubernetes<'_>>(k8s.get()) {
            Ok(Kubernetes { audit: Some(audit) }) => {
                match serde_json::from_str::<Doc<'_>>(audit.get()) {
                    Ok(inner) => match raw_event(
                        inner,
                        "ecs",
                        cl.as_deref(),
                        doc.at_timestamp.as_deref().and_then(parse_micros),
                    ) {
                        Ok(ev) => sink.event(ev),
                        Err(r) => sink.reject(at.wrap(r)),
                    },
                    Err(e) => {
                        sink.reject(at.wrap(format!("kubernetes.audit: {}", json_reason(&e))));
                    }
                }
            }
            Ok(_) => sink
                .reject(at.wrap("not an audit event: `kubernetes` has no `audit` object".into())),
            Err(e) => sink.reject(at.wrap(format!("kubernetes: {}", json_reason(&e)))),
        }
        return;
    }
    if let Some(records) = doc.records {
        match serde_json::from_str::<Vec<&RawValue>>(records.get()) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    parse_value(item.get(), cluster, &Prefix::Index("records", i), sink);
                }
            }
            Err(e) => sink.reject(at.wrap(format!("records: {}", json_reason(&e)))),
        }
        return;
    }
    if let Some(props) = doc.properties {
        let cl = cluster.map(Cow::Borrowed).or_else(|| {
            doc.resource_id
                .as_deref()
                .and_then(aks_cluster_name)
                .map(Cow::Owned)
        });
        match serde_json::from_str::<AksProperties<'_>>(props.get()) {
            Ok(AksProperties { log: Some(log) }) => {
                let t = doc.time.as_deref().and_then(parse_micros);
                embedded(log, cl.as_deref(), t, "aks", at, sink);
            }
            Ok(_) => {
                sink.reject(
                    at.wrap("not an audit event: AKS record without properties.log".into()),
                );
            }
            Err(e) => sink.reject(at.wrap(format!("properties: {}", json_reason(&e)))),
        }
        return;
    }
    if doc.message_type.as_deref() == Some("CONTROL_MESSAGE") {
        return; // CloudWatch's subscription health check: carries no events.
    }
    let group_cluster = doc.log_group.as_deref().and_then(eks_cluster_name);
    let cl = cluster.map(str::to_owned).or(group_cluster);
    if let Some(events) = doc.log_events {
        match serde_json::from_str::<Vec<LogEvent<'_>>>(events.get()) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    let at = Prefix::Index("logEvents", i);
                    match item.message {
                        Some(m) => embedded(
                            m,
                            cl.as_deref(),
                            item.timestamp.map(|ms| ms * 1000),
                            "eks",
                            &at,
                            sink,
                        ),
                        None => sink.reject(at.wrap("not an audit event: no message".into())),
                    }
                }
            }
            Err(e) => sink.reject(at.wrap(format!("logEvents: {}", json_reason(&e)))),
        }
        return;
    }
    if let Some(items) = doc.items {
        match serde_json::from_str::<Vec<&RawValue>>(items.get()) {
            Ok(list) => {
                for (i, item) in list.into_iter().enumerate() {
                    parse_value(item.get(), cluster, &Prefix::Index("items", i), sink);
                }
            }
            Err(e) => sink.reject(at.wrap(format!("items: {}", json_reason(&e)))),
        }
        return;
    }
    let looks_like_event = doc.audit_id.is_some()
        || doc.kind.as_deref() == Some("Event")
        || (doc.verb.is_some() && doc.request_uri.is_some());
    if !looks_like_event {
        if let Some(m) = doc.message {
            let t = doc
                .timestamp
                .and_then(|v| serde_json::from_str::<i64>(v.get()).ok())
                .map(|ms| ms * 1000);
            embedded(m, cl.as_deref(), t, "eks", at, sink);
            return;
        }
        sink.reject(at.wrap(
            "not an audit event: no auditID, kind \"Event\", or verb and requestURI, and no known wrapper".into(),
        ));
        return;
    }
    match raw_event(doc, "raw", cl.as_deref(), fallback) {
        Ok(ev) => sink.event(ev),
        Err(r) => sink.reject(at.wrap(r)),
    }
}

/// An event embedded in a wrapper, either as a JSON string (AKS `properties.log`, CloudWatch
/// `message`) or as an object.
fn embedded(
    v: &RawValue,
    cluster: Option<&str>,
    fallback: Option<i64>,
    format: &'static str,
    at: &Prefix<'_>,
    sink: &mut dyn Sink,
) {
    let text = v.get();
    if text.starts_with('"') {
        match serde_json::from_str::<Cow<'_, str>>(text) {
            Ok(s) => {
                let mut tagging = Tagging {
                    inner: sink,
                    format,
                };
                parse_value_at(s.trim(), cluster, fallback, at, &mut tagging);
            }
            Err(e) => sink.reject(at.wrap(json_reason(&e))),
        }
    } else {
        let mut tagging = Tagging {
            inner: sink,
            format,
        };
        parse_value_at(text, cluster, fallback, at, &mut tagging);
    }
}

/// Marks events that came through a wrapper with the wrapper's format name.
struct Tagging<'s> {
    inner: &'s mut dyn Sink,
    format: &'static str,
}

impl Sink for Tagging<'_> {
    fn event(&mut self, mut event: Event<'_>) {
        if event.source_format == "raw" {
            event.source_format = self.format;
        }
        self.inner.event(event);
    }
    fn reject(&mut self, reason: String) {
        self.inner.reject(reason);
    }
}

fn ts(field: &str, v: Option<&str>) -> Result<Option<i64>, String> {
    match v {
        None | Some("") => Ok(None),
        Some(s) => parse_micros(s)
            .map(Some)
            .ok_or_else(|| format!("bad timestamp in {field}: {s:?} (want RFC 3339)")),
    }
}

/// ECS stores annotation keys with every `.` turned into `_`. Annotation key prefixes are DNS
/// subdomains, which cannot hold `_`, so turning `_` back into `.` before the `/` is lossless.
fn redot(key: Str<'_>) -> Str<'_> {
    match key.find('/') {
        Some(slash) if key[..slash].contains('_') => Cow::Owned(format!(
            "{}{}",
            key[..slash].replace('_', "."),
            &key[slash..]
        )),
        _ => key,
    }
}

fn raw_event<'a>(
    doc: Doc<'a>,
    format: &'static str,
    cluster: Option<&str>,
    fallback: Option<i64>,
) -> Result<Event<'a>, String> {
    let stage_ts = ts("stageTimestamp", doc.stage_timestamp.as_deref())?;
    let recv_ts = ts(
        "requestReceivedTimestamp",
        doc.request_received_timestamp.as_deref(),
    )?;
    let top_ts = match doc.timestamp {
        Some(v) => match raw_str(v) {
            Some(s) => ts("timestamp", Some(&s))?,
            None => None, // a numeric wrapper timestamp (CloudWatch) is not the event's time
        },
        None => None,
    };
    let meta_ts = match doc.metadata {
        Some(m) => match serde_json::from_str::<Meta<'_>>(m.get()) {
            Ok(m) => ts(
                "metadata.creationTimestamp",
                m.creation_timestamp.as_deref(),
            )?,
            Err(_) => None,
        },
        None => None,
    };
    let panther_ts = ts("p_event_time", doc.p_event_time.as_deref())?;
    let event_time = stage_ts
        .or(recv_ts)
        .or(top_ts)
        .or(meta_ts)
        .or(panther_ts)
        .or(fallback)
        .ok_or("no timestamp: none of stageTimestamp, requestReceivedTimestamp, timestamp (nor a wrapper's time)")?;
    let user = doc.user.unwrap_or_default();
    let mut annotations = doc.annotations;
    if format == "ecs" {
        annotations = annotations.map(|m| m.into_iter().map(|(k, v)| (redot(k), v)).collect());
    }
    let (authz_decision, authz_reason) = match &annotations {
        Some(a) => (
            a.get("authorization.k8s.io/decision").cloned(),
            a.get("authorization.k8s.io/reason").cloned(),
        ),
        None => (None, None),
    };
    let obj = doc.object_ref.unwrap_or_default();
    let status = doc.response_status.unwrap_or_default();
    Ok(Event {
        event_time,
        received_time: recv_ts.or(top_ts),
        audit_id: doc.audit_id,
        stage: doc.stage,
        level: doc.level,
        verb: doc.verb,
        request_uri: doc.request_uri,
        user_name: user.username,
        user_uid: user.uid,
        user_groups: user.groups,
        user_extra: user.extra.map(|m| {
            m.into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect()
        }),
        impersonated_user_name: doc.impersonated_user.and_then(|u| u.username),
        source_ips: doc.source_ips,
        user_agent: doc.user_agent,
        resource: obj.resource,
        subresource: obj.subresource,
        namespace: obj.namespace,
        object_name: obj.name,
        api_group: obj.api_group,
        api_version: obj.api_version,
        response_code: status.code,
        response_status: status.status,
        response_reason: status.reason,
        response_message: status.message,
        authz_decision,
        authz_reason,
        annotations,
        request_object: doc.request_object.map(|r| Cow::Borrowed(r.get())),
        response_object: doc.response_object.map(|r| Cow::Borrowed(r.get())),
        source_format: format,
        cluster: cluster.map(|c| Cow::Owned(c.to_owned())),
    })
}

/// `/subscriptions/.../managedClusters/NAME` → `NAME` (AKS `resourceId`).
fn aks_cluster_name(resource_id: &str) -> Option<String> {
    let name = resource_id.trim_end_matches('/').rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// `/aws/eks/NAME/cluster` → `NAME`; any other log group is used whole.
fn eks_cluster_name(group: &str) -> Option<String> {
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

/// gRPC status codes as GKE writes them, mapped to the HTTP code the API server answered.
fn grpc_to_http(code: i32) -> i32 {
    match code {
        0 => 200,
        3 => 400,
        5 => 404,
        6 => 409,
        7 => 403,
        16 => 401,
        9 => 412,
        8 => 429,
        _ => 500,
    }
}

fn gke_event<'a>(e: GkeEntry<'a>, cluster: Option<&str>) -> Result<Event<'a>, String> {
    let event_time = ts("timestamp", e.timestamp.as_deref())?
        .or(ts("receiveTimestamp", e.receive_timestamp.as_deref())?)
        .ok_or("no timestamp: GKE entry without timestamp or receiveTimestamp")?;
    let p = e.proto_payload;
    let mut ev = Event {
        event_time,
        received_time: ts("receiveTimestamp", e.receive_timestamp.as_deref())?,
        audit_id: e.insert_id,
        source_format: "gke",
        ..Event::default()
    };
    ev.user_name = p.authentication_info.and_then(|a| a.principal_email);
    ev.verb = p
        .method_name
        .as_deref()
        .and_then(|m| m.rsplit('.').next())
        .map(|v| Cow::Owned(v.to_owned()));
    if let Some(name) = p.resource_name.as_deref() {
        let parts: Vec<&str> = name.split('/').collect();
        if parts.len() >= 3 {
            let owned = |s: &str| Some(Cow::Owned(s.to_owned()));
            ev.api_group = owned(if parts[0] == "core" { "" } else { parts[0] });
            ev.api_version = owned(parts[1]);
            let rest = &parts[2..];
            let rest = if rest.len() >= 3 && rest[0] == "namespaces" {
                ev.namespace = owned(rest[1]);
                &rest[2..]
            } else {
                rest
            };
            ev.resource = rest.first().and_then(|s| owned(s));
            ev.object_name = rest.get(1).and_then(|s| owned(s));
            ev.subresource = rest.get(2).and_then(|s| owned(s));
        } else {
            ev.request_uri = Some(Cow::Owned(format!("/{}", name.trim_start_matches('/'))));
        }
    }
    if let Some(m) = p.request_metadata {
        ev.source_ips = m.caller_ip.map(|ip| vec![ip]);
        ev.user_agent = m.caller_supplied_user_agent;
    }
    if let Some(s) = p.status {
        ev.response_code = s.code.map(grpc_to_http);
        ev.response_message = s.message.filter(|m| !m.is_empty());
    }
    ev.request_object = p.request.map(|r| Cow::Borrowed(r.get()));
    ev.response_object = p.response.map(|r| Cow::Borrowed(r.get()));
    ev.authz_decision = e
        .labels
        .as_ref()
        .and_then(|l| l.get("authorization.k8s.io/decision").cloned())
        .or_else(|| {
            let authz = p.authorization_info.as_ref()?;
            if authz.is_empty() {
                None
            } else if authz.iter().any(|a| a.granted == Some(false)) {
                Some(Cow::Borrowed("forbid"))
            } else {
                Some(Cow::Borrowed("allow"))
            }
        });
    ev.authz_reason = e
        .labels
        .as_ref()
        .and_then(|l| l.get("authorization.k8s.io/reason").cloned());
    ev.annotations = e.labels;
    let gke_cluster = e
        .resource
        .and_then(|r| r.labels)
        .and_then(|mut l| l.remove("cluster_name"));
    ev.cluster = cluster.map(|c| Cow::Owned(c.to_owned())).or(gke_cluster);
    Ok(ev)
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
        fn event(&mut self, e: Event<'_>) {
            self.events.push(Event {
                event_time: e.event_time,
                received_time: e.received_time,
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
        parse_line(line, &mut c);
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
