//! Rendering a planned request as one audit event: bytes written by hand into a reused buffer,
//! no allocation and no randomness (every variation comes from the request's seed).
//!
//! This module writes the envelope (user, URI, `objectRef`, `responseStatus`, annotations);
//! [`super::body`] writes the request and response objects of the Request and RequestResponse
//! levels.

use super::body::write_bodies;
use super::model::{NO_NS, NON_RESOURCE, Role};
use super::plan::{NO_ACTOR, NameRef, Req};
use super::prim::{Clock, Outcome, Stage, Verb, push_u64, push_uuid};
use super::world::{Actor, Kind, World};

pub(super) fn push(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(s.as_bytes());
}

/// The object name a request refers to.
pub(super) fn name_of<'a>(w: &'a World, r: &Req) -> &'a str {
    match r.name {
        NameRef::None => "",
        NameRef::Pool(i) => w.res[usize::from(r.res)]
            .names
            .get(usize::from(i))
            .map_or("", String::as_str),
        NameRef::Own => &w.actors[r.actor as usize].own_name,
    }
}

/// Whether the URI (not only the logged object) carries the name.
pub(super) fn uri_named(r: &Req) -> bool {
    r.name != NameRef::None && (r.verb.named() || !r.sub.is_empty())
}

/// The user the request acts as: the impersonated one if any.
pub(super) fn effective_user<'a>(w: &'a World, r: &Req) -> &'a Actor {
    if r.imp == NO_ACTOR {
        &w.actors[r.actor as usize]
    } else {
        &w.actors[r.imp as usize]
    }
}

pub(super) fn resource_version(clock: &Clock, r: &Req) -> u64 {
    184_000_000 + ((r.received - clock.start_us).max(0) / 20_000) as u64 + r.body % 512
}

pub(super) fn write_uri(w: &World, clock: &Clock, b: &mut Vec<u8>, r: &Req) {
    if r.res == NON_RESOURCE {
        push(b, &w.m.paths[usize::from(r.path)]);
        return;
    }
    let info = &w.res[usize::from(r.res)];
    push(b, &info.prefix);
    if r.ns != NO_NS {
        push(b, "/namespaces/");
        push(b, w.m.ns_name(r.ns));
    }
    b.push(b'/');
    push(b, &w.m.res(r.res).plural);
    if uri_named(r) {
        b.push(b'/');
        push(b, name_of(w, r));
    }
    if !r.sub.is_empty() {
        b.push(b'/');
        push(b, r.sub);
    }
    match r.verb {
        Verb::List => {
            push(b, "?limit=500");
            if r.query == 1 {
                push(b, "\\u0026resourceVersion=0");
            }
        }
        Verb::Watch => {
            let timeout = 300 + r.body % 300;
            push(b, "?allowWatchBookmarks=true\\u0026resourceVersion=");
            push_u64(b, resource_version(clock, r));
            push(b, "\\u0026timeout=");
            push_u64(b, timeout / 60);
            b.push(b'm');
            push_u64(b, timeout % 60);
            push(b, "s\\u0026timeoutSeconds=");
            push_u64(b, timeout);
            push(b, "\\u0026watch=true");
        }
        _ if r.sub == "exec" => {
            push(
                b,
                "?command=%2Fbin%2Fsh\\u0026container=app\\u0026stdin=true\\u0026stdout=true\\u0026tty=true",
            );
        }
        _ if r.sub == "log" => {
            push(b, "?container=app\\u0026tailLines=200");
        }
        Verb::Get | Verb::Update if w.m.role(r.res) == Role::Leases => push(b, "?timeout=10s"),
        _ => {}
    }
}

pub(super) fn write_object_ref(w: &World, b: &mut Vec<u8>, r: &Req, fin: bool) {
    let def = w.m.res(r.res);
    push(b, r#","objectRef":{"resource":""#);
    push(b, &def.plural);
    b.push(b'"');
    if r.ns != NO_NS {
        push(b, r#","namespace":""#);
        push(b, w.m.ns_name(r.ns));
        b.push(b'"');
    }
    if uri_named(r) || (fin && r.name != NameRef::None && !r.outcome.denied()) {
        push(b, r#","name":""#);
        push(b, name_of(w, r));
        b.push(b'"');
    }
    if !def.group.is_empty() {
        push(b, r#","apiGroup":""#);
        push(b, &def.group);
        b.push(b'"');
    }
    push(b, r#","apiVersion":""#);
    push(b, &def.version);
    b.push(b'"');
    if !r.sub.is_empty() {
        push(b, r#","subresource":""#);
        push(b, r.sub);
        b.push(b'"');
    }
    b.push(b'}');
}

/// `"details":{"name":...,"group":...,"kind":...` (left open for causes).
pub(super) fn open_details(b: &mut Vec<u8>, name: &str, group: &str, kind: &str) {
    push(b, r#","details":{"#);
    let mut first = true;
    for (key, value) in [("name", name), ("group", group), ("kind", kind)] {
        if value.is_empty() {
            continue;
        }
        if !first {
            b.push(b',');
        }
        first = false;
        b.push(b'"');
        push(b, key);
        push(b, r#"":""#);
        push(b, value);
        b.push(b'"');
    }
}

pub(super) fn write_status(w: &World, b: &mut Vec<u8>, r: &Req) {
    push(b, r#","responseStatus":{"metadata":{}"#);
    if r.outcome.success() {
        push(b, r#","code":"#);
        push_u64(b, r.outcome.code());
        b.push(b'}');
        return;
    }
    push(b, r#","status":"Failure","message":""#);
    let resource = r.res != NON_RESOURCE;
    let (def, info) = if resource {
        (Some(w.m.res(r.res)), Some(&w.res[usize::from(r.res)]))
    } else {
        (None, None)
    };
    let plural = def.map_or("", |d| d.plural.as_str());
    let group = def.map_or("", |d| d.group.as_str());
    let qualified = info.map_or("", |i| i.qualified.as_str());
    let name = if uri_named(r) || !r.outcome.denied() {
        name_of(w, r)
    } else {
        ""
    };
    let reason = match r.outcome {
        Outcome::Forbid | Outcome::ForbidOddCase => {
            let user = effective_user(w, r);
            if resource {
                push(b, qualified);
                if !name.is_empty() {
                    push(b, r#" \""#);
                    push(b, name);
                    push(b, r#"\""#);
                }
                push(b, " is forbidden: User ");
            } else {
                push(b, "forbidden: User ");
            }
            push(b, r#"\""#);
            push(b, &user.username);
            push(b, r#"\" cannot "#);
            push(b, r.verb.as_str());
            if resource {
                push(b, r#" resource \""#);
                push(b, plural);
                if !r.sub.is_empty() {
                    b.push(b'/');
                    push(b, r.sub);
                }
                push(b, r#"\" in API group \""#);
                push(b, group);
                if r.ns == NO_NS {
                    push(b, r#"\" at the cluster scope"#);
                } else {
                    push(b, r#"\" in the namespace \""#);
                    push(b, w.m.ns_name(r.ns));
                    push(b, r#"\""#);
                }
                if user.kind == Kind::Node {
                    push(b, ": no relationship found between node '");
                    push(b, &user.own_name);
                    push(b, "' and this object");
                }
            } else {
                push(b, r#" path \""#);
                push(b, &w.m.paths[usize::from(r.path)]);
                push(b, r#"\""#);
            }
            "Forbidden"
        }
        Outcome::WebhookDenied => {
            push(
                b,
                r#"admission webhook \"validate.kyverno.svc-fail\" denied the request: \n\npolicy "#,
            );
            push(b, &w.m.res(r.res).kind);
            b.push(b'/');
            // Capped at team-b's position: the policy message names a namespace even for
            // cluster-scoped objects.
            push(b, w.m.ns_name(r.ns.min(w.m.ns_team_b)));
            b.push(b'/');
            push(b, name);
            push(
                b,
                r" for resource violation: \n\nrequire-run-as-nonroot:\n  run-as-non-root: 'validation error: Running as root is not allowed. rule run-as-non-root failed at path /spec/securityContext/runAsNonRoot/'\n",
            );
            "Forbidden"
        }
        Outcome::NotFound => {
            push(b, qualified);
            push(b, r#" \""#);
            push(b, name);
            push(b, r#"\" not found"#);
            "NotFound"
        }
        Outcome::Conflict => {
            push(b, "Operation cannot be fulfilled on ");
            push(b, qualified);
            push(b, r#" \""#);
            push(b, name);
            push(
                b,
                r#"\": the object has been modified; please apply your changes to the latest version and try again"#,
            );
            "Conflict"
        }
        Outcome::AlreadyExists => {
            push(b, qualified);
            push(b, r#" \""#);
            push(b, name);
            push(b, r#"\" already exists"#);
            "AlreadyExists"
        }
        Outcome::Invalid => {
            push(b, def.map_or("", |d| d.kind.as_str()));
            if !group.is_empty() {
                b.push(b'.');
                push(b, group);
            }
            push(b, r#" \""#);
            push(b, name);
            push(
                b,
                r#"\" is invalid: metadata.annotations: Too long: must have at most 262144 bytes"#,
            );
            "Invalid"
        }
        _ => {
            push(b, "Internal error occurred: ");
            push(b, server_error(r));
            "InternalError"
        }
    };
    push(b, r#"","reason":""#);
    push(b, reason);
    b.push(b'"');
    match r.outcome {
        Outcome::WebhookDenied => {}
        Outcome::Invalid => {
            open_details(b, name, group, def.map_or("", |d| d.kind.as_str()));
            push(
                b,
                r#","causes":[{"reason":"FieldValueTooLong","message":"Too long: must have at most 262144 bytes","field":"metadata.annotations"}]}"#,
            );
        }
        Outcome::ServerError => {
            push(b, r#","details":{"causes":[{"message":""#);
            push(b, server_error(r));
            push(b, r#""}]}"#);
        }
        _ => {
            open_details(b, name, group, plural);
            b.push(b'}');
        }
    }
    push(b, r#","code":"#);
    push_u64(b, r.outcome.code());
    b.push(b'}');
}

pub(super) fn server_error(r: &Req) -> &'static str {
    if r.verb == Verb::Create {
        "resource quota evaluation timed out"
    } else {
        "etcdserver: request timed out"
    }
}

pub(super) fn write_annotations(w: &World, b: &mut Vec<u8>, r: &Req) {
    push(b, r#","annotations":{"authorization.k8s.io/decision":""#);
    push(
        b,
        match r.outcome {
            Outcome::Forbid => "forbid",
            Outcome::ForbidOddCase => "Forbid",
            _ => "allow",
        },
    );
    push(b, r#"","authorization.k8s.io/reason":""#);
    push(b, &w.reasons[usize::from(r.reason)]);
    b.push(b'"');
    if w.m.role(r.res) == Role::Pods
        && r.sub.is_empty()
        && r.verb == Verb::Create
        && !r.outcome.denied()
    {
        push(b, r#","pod-security.kubernetes.io/enforce-policy":""#);
        push(
            b,
            match w.m.ns_name(r.ns) {
                "kube-system" | "monitoring" | "logging" | "istio-system" => "privileged:latest",
                "payments" | "checkout" | "orders" => "restricted:latest",
                _ => "baseline:latest",
            },
        );
        b.push(b'"');
    }
    b.push(b'}');
}

/// One audit event.
pub(super) fn write_event(w: &World, clock: &Clock, b: &mut Vec<u8>, r: &Req, stage: Stage) {
    let fin = stage != Stage::RequestReceived;
    let actor = &w.actors[r.actor as usize];
    push(
        b,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#,
    );
    push(b, r.level.as_str());
    push(b, r#"","auditID":""#);
    push_uuid(b, r.id);
    push(b, r#"","stage":""#);
    push(b, stage.as_str());
    push(b, r#"","requestURI":""#);
    write_uri(w, clock, b, r);
    push(b, r#"","verb":""#);
    push(b, r.verb.as_str());
    push(b, r#"","#);
    push(b, &actor.user_json);
    if r.imp != NO_ACTOR {
        push(b, r#","impersonatedUser":"#);
        push(b, &w.actors[r.imp as usize].imp_json);
    }
    push(b, r#","sourceIPs":[""#);
    push(b, &w.ips[usize::from(r.ip)]);
    push(b, r#""],"userAgent":""#);
    push(b, &w.uas[usize::from(r.ua)]);
    b.push(b'"');
    if r.res != NON_RESOURCE {
        write_object_ref(w, b, r, fin);
    }
    if fin {
        write_status(w, b, r);
        write_bodies(w, clock, b, r);
    }
    push(b, r#","requestReceivedTimestamp":""#);
    clock.push(b, r.received, true);
    push(b, r#"","stageTimestamp":""#);
    clock.push(b, if fin { r.done_at } else { r.rr_at }, true);
    b.push(b'"');
    if fin && r.outcome != Outcome::WebhookDenied {
        write_annotations(w, b, r);
    }
    b.push(b'}');
}
