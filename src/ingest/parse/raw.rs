//! Raw `audit.k8s.io/v1` (and `v1beta1`) events: the one mapping from an audit event's keys to
//! the schema's columns, shared by every shape that carries such an event (lists, Elastic, AKS,
//! EKS); only GKE has its own ([`super::gke`]).
//!
//! | column | key |
//! |---|---|
//! | `event_time` | `stageTimestamp`, else `requestReceivedTimestamp`, `timestamp` (v1beta1), `metadata.creationTimestamp`, `p_event_time` (Panther), the wrapper's time |
//! | `received_time` | `requestReceivedTimestamp`, else `timestamp` |
//! | `user_*` | `user.username`, `.uid`, `.groups`, `.extra` |
//! | `impersonated_user_name`, `impersonated_user_groups` | `impersonatedUser.username`, `.groups` |
//! | `resource`, `subresource`, `namespace`, `object_name`, `api_group`, `api_version` | `objectRef.*` |
//! | `response_*` | `responseStatus.code`, `.status`, `.reason`, `.message` |
//! | `authz_decision`, `authz_reason` | `annotations["authorization.k8s.io/decision"]`, `["…/reason"]` |
//! | `request_object`, `response_object` | `requestObject`, `responseObject`, kept as raw JSON text |
//! | `object_fields` | values inside both bodies ([`super::objects`]) |
//!
//! The keys are read in the same serde pass that recognises the line's shape ([`super::Doc`]),
//! so a raw event costs one parse. Lists (`EventList.items`, a top-level array) are unwrapped by
//! [`super::each_item`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Doc, Envelope, Event, Str, raw_str, ts};

/// `source_format` of an event that came through no wrapper.
pub(super) const FORMAT: &str = "raw";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserInfo<'a> {
    #[serde(borrow)]
    pub(super) username: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) uid: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) groups: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    pub(super) extra: Option<BTreeMap<Str<'a>, Option<Vec<Str<'a>>>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct ObjectRef<'a> {
    #[serde(borrow)]
    pub(super) resource: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) namespace: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) name: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) api_group: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) api_version: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) subresource: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[allow(clippy::struct_field_names)] // `status` is the Kubernetes field's name
pub(super) struct Status<'a> {
    pub(super) code: Option<i32>,
    #[serde(borrow)]
    pub(super) status: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) reason: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) message: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "creationTimestamp", borrow)]
    creation_timestamp: Option<Str<'a>>,
}

/// Whether a document with no wrapper key is an audit event (rather than some other JSON).
pub(super) fn looks_like_event(doc: &Doc<'_>) -> bool {
    doc.audit_id.is_some()
        || doc.kind.as_deref() == Some("Event")
        || (doc.verb.is_some() && doc.request_uri.is_some())
}

/// Maps a raw event onto the schema's columns, with what its wrapper adds (`env`).
pub(super) fn event<'a>(doc: Box<Doc<'a>>, env: &Envelope<'_>) -> Result<Event<'a>, String> {
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
        .or(env.time)
        .ok_or("no timestamp: none of stageTimestamp, requestReceivedTimestamp, timestamp (nor a wrapper's time)")?;
    let user = doc.user.unwrap_or_default();
    let annotations = doc.annotations;
    let (authz_decision, authz_reason) = match &annotations {
        Some(a) => (
            a.get("authorization.k8s.io/decision").cloned(),
            a.get("authorization.k8s.io/reason").cloned(),
        ),
        None => (None, None),
    };
    let obj = doc.object_ref.unwrap_or_default();
    let status = doc.response_status.unwrap_or_default();
    let (impersonated_user_name, impersonated_user_groups) = match doc.impersonated_user {
        Some(u) => (u.username, u.groups),
        None => (None, None),
    };
    let object_fields = super::objects::extract(
        obj.resource.as_deref(),
        doc.request_object.map(|r| r.0),
        doc.response_object.map(|r| r.0),
    );
    Ok(Event {
        event_time,
        received_time: recv_ts.or(top_ts),
        ingested_time: None,
        audit_id: doc.audit_id,
        stage: doc.stage,
        level: doc.level,
        verb: doc.verb,
        request_uri: doc.request_uri,
        user_name: user.username,
        user_uid: user.uid,
        user_groups: user.groups,
        user_extra: user.extra,
        impersonated_user_name,
        impersonated_user_groups,
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
        request_object: doc.request_object.map(|r| Cow::Borrowed(r.0)),
        response_object: doc.response_object.map(|r| Cow::Borrowed(r.0)),
        object_fields,
        source_format: env.format,
        cluster: env.cluster.map(|c| Cow::Owned(c.to_owned())),
        redacted: 0,
    })
}
