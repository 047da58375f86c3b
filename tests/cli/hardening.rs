//! Hardening (issue 12): secrets kept out of the archive, hostile inputs rejected with a reason,
//! crafted archives refused naming the file, and `convert` killed at random points.

use crate::harness::*;

/// Every secret value in `secrets.jsonl` (see `make_fixtures.py`, `SECRET_VALUES`).
const SECRET_VALUES: [&str; 7] = [
    "aHVudGVyMi1wcm9kLWRi",
    "YXBwLXVzZXI=",
    "sk-live-9f8e7d6c5b4a39281706",
    "bmV3LXBhc3N3b3JkLTIwMjY=",
    "bGlzdGVkLXNlY3JldC12YWx1ZQ==",
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImF1ZGl0aG91bmQtdGVzdCJ9",
    "c2stbGl2ZS05ZjhlN2Q2YzViNGEzOTI4MTcwNg==",
];

/// Values replaced in `secrets.jsonl`: create 5+5 (data, stringData and the applied
/// configuration in both bodies), update 4, merge patch 1+3, JSON patch 1, list 1, token 1.
const REDACTED: u64 = 21;

const BODIES: &str =
    "SELECT audit_id, request_object, response_object FROM audit ORDER BY audit_id";

fn no_secret_in(text: &str) {
    for v in SECRET_VALUES {
        assert!(!text.contains(v), "secret {v} leaked:\n{text}");
    }
}

/// By default the archive holds no secret value, only markers that keep key names; the ConfigMap
/// is kept as logged; a raw `sql` over the same log sees the same bodies; the summary counts the
/// redactions.
#[test]
fn secrets_are_redacted_by_default_in_the_archive_and_in_raw_queries() {
    let fx = Fx::new();
    fx.copy("secrets.jsonl", "secrets.jsonl");
    let r = fx.convert(&["secrets.jsonl"], "arch", &[]);
    assert!(
        r.stderr
            .contains(&format!("{REDACTED} secret value(s) redacted")),
        "{}",
        r.stderr
    );
    let archived = fx.sql_csv("arch", BODIES);
    assert_eq!(archived.len(), 7);
    let all = archived.join("\n");
    no_secret_in(&all);
    assert!(all.contains(r#"""password"":""<redacted blake3:"#), "{all}");
    assert!(
        all.contains("kept-as-logged"),
        "the ConfigMap is kept: {all}"
    );
    // The raw log, queried directly, gives the same bytes.
    assert_eq!(fx.sql_csv("secrets.jsonl", BODIES), archived);
    // The same value has the same marker wherever it appears (here: data and the annotation).
    let rows = fx.sql(
        "arch",
        "SELECT request_object FROM audit WHERE audit_id = 'secret-create'",
    );
    let body: serde_json::Value =
        serde_json::from_str(s(&rows[0], "request_object")).unwrap_or_else(|e| panic!("{e}"));
    let applied =
        body["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .unwrap_or_default();
    let applied: serde_json::Value =
        serde_json::from_str(applied).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["data"]["password"], applied["data"]["password"]);
    assert_ne!(body["data"]["password"], body["data"]["username"]);
    // Nothing else was touched: the body still parses and keeps its other fields.
    assert_eq!(body["type"], "Opaque");
    assert_eq!(body["metadata"]["name"], "db-credentials");
}

/// `--keep-secrets` keeps the bodies as logged; a private key changes every marker.
#[test]
fn keep_secrets_opts_out_and_a_private_key_changes_markers() {
    let fx = Fx::new();
    fx.copy("secrets.jsonl", "secrets.jsonl");
    let r = fx.convert(&["secrets.jsonl"], "kept", &["--keep-secrets"]);
    assert!(!r.stderr.contains("redacted"), "{}", r.stderr);
    let kept = fx.sql_csv("kept", BODIES).join("\n");
    for v in SECRET_VALUES {
        assert!(kept.contains(v), "{v} missing with --keep-secrets");
    }
    let default = fx.sql_csv("secrets.jsonl", BODIES);
    let keyed = fx.run_env(
        &["sql", "secrets.jsonl", "-e", BODIES, "--format", "csv"],
        &[("AUDITHOUND_REDACTION_KEY", "a private key")],
    );
    let keyed: Vec<String> = keyed
        .ok()
        .stdout
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect();
    no_secret_in(&keyed.join("\n"));
    assert_ne!(keyed, default);
    assert_eq!(keyed.len(), default.len());
}
