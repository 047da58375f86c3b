//! `object_fields`: the values rules test inside request and response bodies, extracted once at
//! convert time so a rule reads a small map instead of parsing JSON text at every hunt.
//!
//! Each key is a dotted path as Elastic's Kubernetes integration names the field without its
//! `kubernetes.audit.` prefix (`requestObject.spec.containers.image`), and its value is the list
//! of every leaf reached by walking objects and *every* element of arrays on the way: exactly how
//! Elasticsearch indexes an array of objects, so a KQL test on `…containers.image` carries over
//! as "any element" (`array_has`, or a glob over the list). Booleans are `true`/`false`, numbers
//! as written; a path that reaches nothing is absent (so "missing" and "empty" read the same as
//! in Elastic, which drops empty arrays).
//!
//! Only bodies of the resources those fields belong to are read ([`RESOURCES`]); everything else
//! costs nothing. The list of paths is [`PATHS`]; adding one is a converter change, not a schema
//! change (archives converted before it hold no value for it).

use serde_json::Value;

/// The resources whose request bodies are read.
pub const RESOURCES: [&str; 7] = [
    "pods",
    "services",
    "roles",
    "clusterroles",
    "rolebindings",
    "clusterrolebindings",
    "ingresses",
];

/// The resources whose response bodies are read too (the `responseObject.` paths are all about
/// roles and their bindings; a pod's or a service's response body is never read).
pub const RESPONSE_RESOURCES: [&str; 4] = [
    "roles",
    "clusterroles",
    "rolebindings",
    "clusterrolebindings",
];

/// The extracted paths, sorted (the map's key order).
pub const PATHS: [&str; 23] = [
    "requestObject.roleRef.kind",
    "requestObject.roleRef.name",
    "requestObject.rules.resources",
    "requestObject.rules.verbs",
    "requestObject.spec.containers.image",
    "requestObject.spec.containers.securityContext.capabilities.add",
    "requestObject.spec.containers.securityContext.privileged",
    "requestObject.spec.ephemeralContainers.image",
    "requestObject.spec.ephemeralContainers.securityContext.privileged",
    "requestObject.spec.hostIPC",
    "requestObject.spec.hostNetwork",
    "requestObject.spec.hostPID",
    "requestObject.spec.initContainers.image",
    "requestObject.spec.initContainers.securityContext.privileged",
    "requestObject.spec.serviceAccountName",
    "requestObject.spec.tls.hosts",
    "requestObject.spec.type",
    "requestObject.spec.volumes.hostPath.path",
    "requestObject.subjects.kind",
    "requestObject.subjects.name",
    "responseObject.roleRef.name",
    "responseObject.rules.resources",
    "responseObject.rules.verbs",
];

/// The extracted values of one event's bodies, or `None` when none of the paths reaches a
/// value (or the resource is not one of [`RESOURCES`]).
pub fn extract(
    resource: Option<&str>,
    request: Option<&str>,
    response: Option<&str>,
) -> Option<Vec<(String, Vec<String>)>> {
    let resource = resource?;
    if !RESOURCES.contains(&resource) {
        return None;
    }
    let response = response.filter(|_| RESPONSE_RESOURCES.contains(&resource));
    if request.is_none() && response.is_none() {
        return None;
    }
    let parse = |t: Option<&str>| t.and_then(|t| serde_json::from_str::<Value>(t).ok());
    let (req, resp) = (parse(request), parse(response));
    let mut out = Vec::new();
    for path in PATHS {
        let (body, rest) = match path.split_once('.') {
            Some(("requestObject", rest)) => (req.as_ref(), rest),
            Some(("responseObject", rest)) => (resp.as_ref(), rest),
            _ => continue,
        };
        let Some(body) = body else { continue };
        let mut values = Vec::new();
        walk(body, rest, &mut values);
        if !values.is_empty() {
            out.push((path.to_owned(), values));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Collects the leaves at `path` below `v`, through every element of every array.
fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => {
            for item in items {
                walk(item, path, out);
            }
        }
        Value::Object(m) if !path.is_empty() => {
            let (key, rest) = path.split_once('.').unwrap_or((path, ""));
            if let Some(next) = m.get(key) {
                walk(next, rest, out);
            }
        }
        _ if !path.is_empty() => {} // the path goes on, the value does not
        Value::String(s) => out.push(s.clone()),
        Value::Bool(b) => out.push(b.to_string()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Null | Value::Object(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_and_unique() {
        let mut sorted = PATHS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, PATHS.to_vec());
    }

    #[test]
    fn arrays_of_objects_flatten_like_elasticsearch() {
        let pod = r#"{"spec":{"hostPID":true,"containers":[{"image":"a","securityContext":{"privileged":false,"capabilities":{"add":["NET_ADMIN","SYS_ADMIN"]}}},{"image":"b","securityContext":{"privileged":true}}],"volumes":[{"name":"x","hostPath":{"path":"/"}},{"name":"y","emptyDir":{}}]}}"#;
        let got = extract(Some("pods"), Some(pod), None).unwrap_or_default();
        let get = |k: &str| {
            got.iter()
                .find(|(p, _)| p == k)
                .map(|(_, v)| v.join(","))
                .unwrap_or_default()
        };
        assert_eq!(get("requestObject.spec.hostPID"), "true");
        assert_eq!(get("requestObject.spec.containers.image"), "a,b");
        assert_eq!(
            get("requestObject.spec.containers.securityContext.privileged"),
            "false,true"
        );
        assert_eq!(
            get("requestObject.spec.containers.securityContext.capabilities.add"),
            "NET_ADMIN,SYS_ADMIN"
        );
        assert_eq!(get("requestObject.spec.volumes.hostPath.path"), "/");
        assert_eq!(get("requestObject.spec.hostNetwork"), "");
        assert!(extract(Some("configmaps"), Some(pod), None).is_none());
        assert!(extract(Some("pods"), Some("{}"), None).is_none());
        assert!(extract(Some("pods"), Some("not json"), None).is_none());
    }
}
