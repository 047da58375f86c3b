//! Field names as Elastic writes them (ECS and the Kubernetes integration's `kubernetes.audit.*`)
//! resolved to expressions over table `audit`, for exception entries and `--suppress-by`.
//!
//! The names are those of the alert documents `--format ecs` writes ([`crate::query::ecs`]), so a
//! field copied from Kibana's alert table resolves here. Annotation keys are written de-dotted,
//! as the integration stores them (`kubernetes.audit.annotations.authorization_k8s_io/decision`);
//! the two authorization annotations are their own columns, any other key is looked up in
//! `annotations` re-dotted before the `/` (a DNS prefix cannot hold `_`, so that is lossless) and
//! as written. Body fields (`kubernetes.audit.requestObject.spec.hostPID`) resolve to the paths
//! `object_fields` extracts ([`crate::ingest::parse::objects::PATHS`]); others are not read.

use datafusion::common::{Column, ScalarValue};
use datafusion::functions::expr_fn::coalesce;
use datafusion::functions_nested::expr_fn::{array_element, map_extract};
use datafusion::logical_expr::{Expr, lit, when};

use crate::ingest::parse::objects;

/// What a field holds, which decides how a value is compared with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One string.
    Text,
    /// A list of strings: a value matches when any element does (as Elasticsearch matches
    /// multi-valued fields).
    List,
    /// An integer (`response_code`), compared with the value's number.
    Number,
    /// A timestamp, compared as RFC 3339 text with microseconds (`2026-01-05T08:00:00.123456Z`).
    Time,
}

/// A resolved field.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name as the user wrote it.
    pub name: String,
    pub expr: Expr,
    pub shape: Shape,
}

/// ECS / integration name → (column, shape).
const ECS: [(&str, &str, Shape); 38] = [
    ("@timestamp", "event_time", Shape::Time),
    ("kubernetes.audit.stageTimestamp", "event_time", Shape::Time),
    (
        "kubernetes.audit.requestReceivedTimestamp",
        "received_time",
        Shape::Time,
    ),
    ("event.ingested", "ingested_time", Shape::Time),
    ("kubernetes.audit.auditID", "audit_id", Shape::Text),
    ("kubernetes.audit.stage", "stage", Shape::Text),
    ("kubernetes.audit.level", "level", Shape::Text),
    ("kubernetes.audit.verb", "verb", Shape::Text),
    ("event.action", "verb", Shape::Text),
    ("kubernetes.audit.requestURI", "request_uri", Shape::Text),
    ("kubernetes.audit.user.username", "user_name", Shape::Text),
    ("user.name", "user_name", Shape::Text),
    ("kubernetes.audit.user.uid", "user_uid", Shape::Text),
    ("user.id", "user_uid", Shape::Text),
    ("kubernetes.audit.user.groups", "user_groups", Shape::List),
    (
        "kubernetes.audit.impersonatedUser.username",
        "impersonated_user_name",
        Shape::Text,
    ),
    (
        "kubernetes.audit.impersonatedUser.groups",
        "impersonated_user_groups",
        Shape::List,
    ),
    ("kubernetes.audit.sourceIPs", "source_ips", Shape::List),
    ("source.ip", "source_ips", Shape::List),
    ("client.ip", "source_ips", Shape::List),
    ("kubernetes.audit.userAgent", "user_agent", Shape::Text),
    ("user_agent.original", "user_agent", Shape::Text),
    (
        "kubernetes.audit.objectRef.resource",
        "resource",
        Shape::Text,
    ),
    (
        "kubernetes.audit.objectRef.subresource",
        "subresource",
        Shape::Text,
    ),
    (
        "kubernetes.audit.objectRef.namespace",
        "namespace",
        Shape::Text,
    ),
    (
        "kubernetes.audit.objectRef.name",
        "object_name",
        Shape::Text,
    ),
    (
        "kubernetes.audit.objectRef.apiGroup",
        "api_group",
        Shape::Text,
    ),
    (
        "kubernetes.audit.objectRef.apiVersion",
        "api_version",
        Shape::Text,
    ),
    (
        "kubernetes.audit.responseStatus.code",
        "response_code",
        Shape::Number,
    ),
    (
        "kubernetes.audit.responseStatus.status",
        "response_status",
        Shape::Text,
    ),
    (
        "kubernetes.audit.responseStatus.reason",
        "response_reason",
        Shape::Text,
    ),
    (
        "kubernetes.audit.responseStatus.message",
        "response_message",
        Shape::Text,
    ),
    (
        "kubernetes.audit.annotations.authorization_k8s_io/decision",
        "authz_decision",
        Shape::Text,
    ),
    (
        "kubernetes.audit.annotations.authorization_k8s_io/reason",
        "authz_reason",
        Shape::Text,
    ),
    ("orchestrator.cluster.name", "cluster", Shape::Text),
    ("kubernetes.audit.apiVersion", "api_version", Shape::Text),
    ("audithound.source_file", "source_file", Shape::Text),
    ("audithound.source_line", "source_line", Shape::Number),
];

/// Our own columns a field may name directly (`verb`, `user_name`, ...).
const COLUMNS: [(&str, Shape); 27] = [
    ("event_time", Shape::Time),
    ("received_time", Shape::Time),
    ("ingested_time", Shape::Time),
    ("audit_id", Shape::Text),
    ("stage", Shape::Text),
    ("level", Shape::Text),
    ("verb", Shape::Text),
    ("request_uri", Shape::Text),
    ("user_name", Shape::Text),
    ("user_uid", Shape::Text),
    ("user_groups", Shape::List),
    ("impersonated_user_name", Shape::Text),
    ("impersonated_user_groups", Shape::List),
    ("source_ips", Shape::List),
    ("user_agent", Shape::Text),
    ("resource", Shape::Text),
    ("subresource", Shape::Text),
    ("namespace", Shape::Text),
    ("object_name", Shape::Text),
    ("api_group", Shape::Text),
    ("api_version", Shape::Text),
    ("response_code", Shape::Number),
    ("response_status", Shape::Text),
    ("response_reason", Shape::Text),
    ("authz_decision", Shape::Text),
    ("authz_reason", Shape::Text),
    ("cluster", Shape::Text),
];

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// Annotation keys are stored with their dots; ECS writes them with `_` for `.`.
fn redot(key: &str) -> String {
    match key.find('/') {
        Some(slash) => format!("{}{}", key[..slash].replace('_', "."), &key[slash..]),
        None => key.to_owned(),
    }
}

/// `map[key]` for a map column (the first of `keys` present).
fn lookup(map: &str, keys: &[String]) -> Expr {
    let mut candidates: Vec<Expr> = keys
        .iter()
        .map(|k| array_element(map_extract(column(map), lit(k.clone())), lit(1i64)))
        .collect();
    if candidates.len() == 1 {
        candidates.remove(0)
    } else {
        coalesce(candidates)
    }
}

/// Resolves `name`: an ECS or integration field, or with `own_columns` also one of our columns.
/// `None` when it names nothing we hold.
pub fn resolve(name: &str, own_columns: bool) -> Option<Field> {
    let field = |expr: Expr, shape: Shape| {
        Some(Field {
            name: name.to_owned(),
            expr,
            shape,
        })
    };
    if let Some((_, c, shape)) = ECS.iter().find(|(n, _, _)| *n == name) {
        return field(column(c), *shape);
    }
    if own_columns && let Some((c, shape)) = COLUMNS.iter().find(|(n, _)| *n == name) {
        return field(column(c), *shape);
    }
    match name {
        "event.outcome" => {
            // As the integration's pipeline sets it from the decision.
            let e = when(column("authz_decision").eq(lit("allow")), lit("success"))
                .when(column("authz_decision").eq(lit("forbid")), lit("failure"))
                .otherwise(lit(ScalarValue::Utf8(None)))
                .ok()?;
            return field(e, Shape::Text);
        }
        "event.dataset" => return field(lit("kubernetes.audit_logs"), Shape::Text),
        "event.kind" => return field(lit("event"), Shape::Text),
        _ => {}
    }
    if let Some(key) = name.strip_prefix("kubernetes.audit.annotations.")
        && !key.is_empty()
    {
        let mut keys = vec![redot(key)];
        if keys[0] != key {
            keys.push(key.to_owned());
        }
        return field(lookup("annotations", &keys), Shape::Text);
    }
    if let Some(key) = name.strip_prefix("kubernetes.audit.user.extra.")
        && !key.is_empty()
    {
        return field(lookup("user_extra", &[key.to_owned()]), Shape::List);
    }
    if let Some(path) = name.strip_prefix("kubernetes.audit.")
        && objects::PATHS.contains(&path)
    {
        return field(lookup("object_fields", &[path.to_owned()]), Shape::List);
    }
    None
}

/// A hint for an unknown field: what can be named.
pub const HINT: &str = "use an ECS field of the Kubernetes integration (user.name, source.ip, \
     user_agent.original, orchestrator.cluster.name, event.action, event.outcome, \
     kubernetes.audit.verb, kubernetes.audit.objectRef.resource, \
     kubernetes.audit.annotations.<key with _ for .>, kubernetes.audit.user.extra.<key>, \
     kubernetes.audit.requestObject.<an object_fields path> ...; see the README's \"Exceptions\")";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve() {
        let shape = |n: &str, own: bool| resolve(n, own).map(|f| f.shape);
        assert_eq!(shape("user.name", false), Some(Shape::Text));
        assert_eq!(shape("source.ip", false), Some(Shape::List));
        assert_eq!(
            shape("kubernetes.audit.responseStatus.code", false),
            Some(Shape::Number)
        );
        assert_eq!(
            shape(
                "kubernetes.audit.annotations.pod-security_kubernetes_io/enforce",
                false
            ),
            Some(Shape::Text)
        );
        assert_eq!(
            shape("kubernetes.audit.requestObject.spec.hostPID", false),
            Some(Shape::List)
        );
        assert_eq!(
            shape("kubernetes.audit.requestObject.spec.nope", false),
            None
        );
        assert_eq!(shape("verb", false), None);
        assert_eq!(shape("verb", true), Some(Shape::Text));
        assert_eq!(shape("host.name", true), None);
        assert_eq!(
            redot("pod-security_kubernetes_io/enforce_x"),
            "pod-security.kubernetes.io/enforce_x"
        );
    }
}
