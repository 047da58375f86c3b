//! The built-in model must parse, and a broken model must fail with a message that names the
//! entry at fault. Each case edits the real file's text, so the checks track the real shape.

use super::{MODEL_TOML, Role, model, parse};

/// Parses the built-in model with `from` replaced by `to` (which must occur) and returns the
/// error message.
fn broken(from: &str, to: &str) -> String {
    assert!(
        MODEL_TOML.contains(from),
        "the model file no longer contains {from:?}"
    );
    let text = MODEL_TOML.replacen(from, to, 1);
    match parse(&text) {
        Ok(_) => panic!("replacing {from:?} by {to:?} should be an error"),
        Err(e) => e.to_string(),
    }
}

fn assert_names(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(message.contains(p), "{message:?} should mention {p:?}");
    }
}

#[test]
fn the_built_in_model_is_valid() {
    let m = model().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.hourly.len(), 24);
    assert_eq!(m.resources[usize::from(m.id(Role::Pods))].plural, "pods");
    assert!(m.workloads.iter().any(|w| w.stealable));
    assert!(!m.probes.is_empty());
}

#[test]
fn unknown_names_are_named_with_their_entry() {
    let e = broken("\"watch endpointslices all 4\"", "\"watch podz all 4\"");
    assert_names(
        &e,
        &[
            "controller \"endpointslice-controller\"",
            "podz",
            "unknown resource",
        ],
    );
    let e = broken(
        "namespace = \"kube-system\"\nservice_account = \"coredns\"",
        "namespace = \"kube-sistem\"\nservice_account = \"coredns\"",
    );
    assert_names(
        &e,
        &["workload \"coredns\"", "kube-sistem", "unknown namespace"],
    );
    let e = broken("\"get secrets kube-system\"", "\"get secrets kube-sistem\"");
    assert_names(&e, &["denials.human_strays", "kube-sistem"]);
    let e = broken("\"get /metrics 4\"", "\"get /metricz 4\"");
    assert_names(
        &e,
        &["workload \"prometheus-k8s\"", "/metricz", "unknown path"],
    );
    let e = broken(
        "\"update deployments/status any 5\"",
        "\"update deployments/stat any 5\"",
    );
    assert_names(
        &e,
        &[
            "controller \"deployment-controller\"",
            "unknown subresource \"stat\"",
        ],
    );
    let e = broken("\"watch pods all 6\"", "\"observe pods all 6\"");
    assert_names(&e, &["replicaset-controller", "unknown verb \"observe\""]);
    let e = broken(
        "account = \"system:serviceaccount:logging:fluent-bit\"",
        "account = \"system:serviceaccount:logging:fluent-bot\"",
    );
    assert_names(&e, &["denials.broken", "fluent-bot"]);
    let e = broken(
        "admin = \"alice@example.com\"",
        "admin = \"eve@example.com\"",
    );
    assert_names(&e, &["impersonation.admin", "eve@example.com"]);
    let e = broken("[names]\nleases", "[names]\nleasez = [\"x\"]\nleases");
    assert_names(&e, &["names.leasez", "unknown resource"]);
}

#[test]
fn zero_weights_and_bad_shapes_are_errors() {
    let e = broken("\"watch pods all 6\"", "\"watch pods all 0\"");
    assert_names(&e, &["replicaset-controller", "weight is zero"]);
    let e = broken(
        "weight = 60\nstealable = false",
        "weight = 0\nstealable = false",
    );
    assert_names(&e, &["workload \"coredns\"", "weight is zero"]);
    let e = broken("\"watch pods all 6\"", "\"watch pods 6\"");
    assert_names(&e, &["replicaset-controller", "expected"]);
    let e = broken("denials = [24, 56]", "denials = [56, 24]");
    assert_names(&e, &["attack.denials"]);
    let e = broken("weekend = 0.6", "weekend = 0.6\nweekday = 1.0");
    assert_names(&e, &["weekday"]);
    let e = broken(
        "{ plural = \"pods\", group = \"\", version = \"v1\", namespaced = true, kind = \"Pod\" },",
        "",
    );
    assert_names(&e, &["\"pods\""]);
}
