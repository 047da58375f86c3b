//! Google GKE audit logs: Cloud Audit `LogEntry` documents (as Cloud Logging exports them),
//! whose `protoPayload` describes the request in Google's terms rather than as a Kubernetes
//! audit event. This is the one shape with a column mapping of its own, written below as one
//! `Event { column: source }` table in the schema's order, beside [`super::raw::event`]:
//!
//! | column | key |
//! |---|---|
//! | `event_time` | `timestamp`, else `receiveTimestamp` |
//! | `received_time` | `receiveTimestamp` |
//! | `audit_id` | `insertId` |
//! | `verb` | last `.` segment of `protoPayload.methodName` (`io.k8s.core.v1.secrets.list` → `list`) |
//! | `api_group` … `subresource` | `protoPayload.resourceName` (`GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUB]]`), else `request_uri` |
//! | `user_name` | `protoPayload.authenticationInfo.principalEmail` |
//! | `source_ips`, `user_agent` | `protoPayload.requestMetadata.callerIp`, `.callerSuppliedUserAgent` |
//! | `response_code`, `response_message` | `protoPayload.status.code` (gRPC → HTTP), `.message` |
//! | `authz_decision`, `authz_reason` | `labels["authorization.k8s.io/…"]`, else `authorizationInfo[].granted` |
//! | `annotations` | `labels` |
//! | `cluster` | `resource.labels.cluster_name` |
//!
//! Entries of other Google services (same `protoPayload` shape) are rejected by name.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Event, Prefix, Sink, Str, json_reason, ts};

const FORMAT: &str = "gke";

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

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GkeRequestMeta<'a> {
    #[serde(borrow)]
    caller_ip: Option<Str<'a>>,
    #[serde(borrow)]
    caller_supplied_user_agent: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
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

/// A document with a `protoPayload`: read again as a whole, since its fields differ from a raw
/// event's.
pub(super) fn entry(text: &str, cluster: Option<&str>, at: &Prefix<'_>, sink: &mut dyn Sink) {
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
        Ok(entry) => match event(entry, cluster) {
            Ok(mut ev) => sink.event(&mut ev),
            Err(r) => sink.reject(at.wrap(r)),
        },
        Err(e) => sink.reject(at.wrap(json_reason(&e))),
    }
}

/// Maps a GKE entry onto the schema's columns. `cluster` is an outer wrapper's, which wins.
fn event<'a>(e: GkeEntry<'a>, cluster: Option<&str>) -> Result<Event<'a>, String> {
    let stamp = ts("timestamp", e.timestamp.as_deref())?;
    let received_time = ts("receiveTimestamp", e.receive_timestamp.as_deref())?;
    let event_time = stamp
        .or(received_time)
        .ok_or("no timestamp: GKE entry without timestamp or receiveTimestamp")?;
    let p = e.proto_payload;
    let path = ResourcePath::parse(p.resource_name.as_deref());
    let meta = p.request_metadata.unwrap_or_default();
    let status = p.status.unwrap_or_default();
    let label = |key: &str| e.labels.as_ref().and_then(|l| l.get(key).cloned());
    let object_fields = super::objects::extract(
        path.resource.as_deref(),
        p.request.map(RawValue::get),
        p.response.map(RawValue::get),
    );
    Ok(Event {
        event_time,
        received_time,
        ingested_time: None,
        audit_id: e.insert_id,
        stage: None,
        level: None,
        verb: p
            .method_name
            .as_deref()
            .and_then(|m| m.rsplit('.').next())
            .map(|v| Cow::Owned(v.to_owned())),
        request_uri: path.request_uri,
        user_name: p.authentication_info.and_then(|a| a.principal_email),
        user_uid: None,
        user_groups: None,
        user_extra: None,
        impersonated_user_name: None,
        impersonated_user_groups: None,
        source_ips: meta.caller_ip.map(|ip| vec![ip]),
        user_agent: meta.caller_supplied_user_agent,
        resource: path.resource,
        subresource: path.subresource,
        namespace: path.namespace,
        object_name: path.object_name,
        api_group: path.api_group,
        api_version: path.api_version,
        response_code: status.code.map(grpc_to_http),
        response_status: None,
        response_reason: None,
        response_message: status.message.filter(|m| !m.is_empty()),
        authz_decision: label("authorization.k8s.io/decision")
            .or_else(|| decision(p.authorization_info.as_deref())),
        authz_reason: label("authorization.k8s.io/reason"),
        annotations: e.labels,
        request_object: p.request.map(|r| Cow::Borrowed(r.get())),
        response_object: p.response.map(|r| Cow::Borrowed(r.get())),
        object_fields,
        source_format: FORMAT,
        cluster: cluster.map(|c| Cow::Owned(c.to_owned())).or_else(|| {
            e.resource
                .and_then(|r| r.labels)
                .and_then(|mut l| l.remove("cluster_name"))
        }),
        redacted: 0,
    })
}

/// The object a `resourceName` names, in the schema's columns.
#[derive(Default)]
struct ResourcePath<'a> {
    api_group: Option<Str<'a>>,
    api_version: Option<Str<'a>>,
    namespace: Option<Str<'a>>,
    resource: Option<Str<'a>>,
    object_name: Option<Str<'a>>,
    subresource: Option<Str<'a>>,
    /// Set instead of the others for a name too short to be an object (`/apis`, `/healthz`).
    request_uri: Option<Str<'a>>,
}

impl ResourcePath<'_> {
    /// `GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUB]]`, with `core` for the empty group.
    fn parse(name: Option<&str>) -> Self {
        let mut out = ResourcePath::default();
        let Some(name) = name else {
            return out;
        };
        let parts: Vec<&str> = name.split('/').collect();
        if parts.len() >= 3 {
            let owned = |s: &str| Some(Cow::Owned(s.to_owned()));
            out.api_group = owned(if parts[0] == "core" { "" } else { parts[0] });
            out.api_version = owned(parts[1]);
            let rest = &parts[2..];
            let rest = if rest.len() >= 3 && rest[0] == "namespaces" {
                out.namespace = owned(rest[1]);
                &rest[2..]
            } else {
                rest
            };
            out.resource = rest.first().and_then(|s| owned(s));
            out.object_name = rest.get(1).and_then(|s| owned(s));
            out.subresource = rest.get(2).and_then(|s| owned(s));
        } else {
            out.request_uri = Some(Cow::Owned(format!("/{}", name.trim_start_matches('/'))));
        }
        out
    }
}

/// `authorizationInfo`: forbidden if any check was not granted, allowed if all were.
fn decision(authz: Option<&[GkeAuthz<'_>]>) -> Option<Str<'static>> {
    let authz = authz?;
    if authz.is_empty() {
        None
    } else if authz.iter().any(|a| a.granted == Some(false)) {
        Some(Cow::Borrowed("forbid"))
    } else {
        Some(Cow::Borrowed("allow"))
    }
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
