//! `stats`: grouping by account, verb and resource, the `--by` keys (as documented), and raw input
//! agreeing with the archive.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{Fx, RULE, Row, num, s, set, strings};

#[test]
fn stats_groups_by_account_verb_and_resource() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "archive", &[]);
    let run = fx.run(&["stats", "archive", "--format", "ndjson"]).ok();
    let rows = run.rows();
    assert_eq!(
        rows[0].keys().map(String::as_str).collect::<BTreeSet<_>>(),
        [
            "account",
            "verb",
            "resource",
            "count",
            "first_seen",
            "last_seen",
            "namespaces",
            "source_ips",
            "user_agents"
        ]
        .into_iter()
        .collect::<BTreeSet<_>>()
    );
    let csv = fx.run(&["stats", "archive", "--format", "csv"]).ok().stdout;
    assert_eq!(
        csv.lines().next(),
        Some("account,verb,resource,count,first_seen,last_seen,namespaces,source_ips,user_agents")
    );
    let counts: Vec<i64> = rows.iter().map(|r| num(r, "count")).collect();
    assert_eq!(counts.iter().sum::<i64>(), 8);
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "not by count desc: {counts:?}"
    );
    let top = &rows[0];
    assert_eq!(s(top, "account"), "system:serviceaccount:team-a:builder");
    assert_eq!((s(top, "verb"), s(top, "resource")), ("list", "secrets"));
    assert_eq!(num(top, "count"), 2);
    assert_eq!(s(top, "first_seen"), "2026-01-05T08:00:00.123456Z");
    assert_eq!(s(top, "last_seen"), "2026-01-05T08:02:00.000000Z");
    assert_eq!(strings(top.get("namespaces")), ["kube-system", "team-a"]);
    assert_eq!(
        strings(top.get("source_ips")),
        ["10.0.1.15", "203.0.113.50"]
    );
    assert_eq!(
        strings(top.get("user_agents")),
        [
            "kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b",
            "python-requests/2.31.0"
        ]
    );
    let resources: BTreeSet<String> = rows.iter().map(|r| s(r, "resource").to_owned()).collect();
    assert_eq!(
        resources,
        set(&[
            "/metrics",
            "configmaps",
            "deployments",
            "pods/exec",
            "secrets",
            "services"
        ])
    );
    let metrics = rows
        .iter()
        .find(|r| s(r, "resource") == "/metrics")
        .unwrap_or_else(|| panic!("no /metrics row"));
    // A non-resource request has no namespace: the list is empty (written as null).
    assert!(
        matches!(metrics.get("namespaces"), Some(Value::Null))
            || strings(metrics.get("namespaces")).is_empty(),
        "{metrics:?}"
    );
    assert!(run.stderr.contains(RULE), "{}", run.stderr);

    // --by source-ip: one row per address. (The README and `demo` spell it `source_ip`, which
    // clap refuses: see `stats_by_takes_the_documented_snake_case_key_names`.)
    let by_ip = fx
        .run(&[
            "stats",
            "archive",
            "--by",
            "source-ip",
            "--format",
            "ndjson",
        ])
        .ok()
        .rows();
    let got: Vec<(String, i64)> = by_ip
        .iter()
        .map(|r| (s(r, "source_ip").to_owned(), num(r, "count")))
        .collect();
    let want: Vec<(String, i64)> = [
        ("10.0.1.15", 2),
        ("10.0.4.9", 2),
        ("10.0.2.20", 1),
        ("10.0.9.30", 1),
        ("198.51.100.23", 1),
        ("203.0.113.50", 1),
    ]
    .iter()
    .map(|(a, n)| ((*a).to_owned(), *n))
    .collect();
    assert_eq!(got, want);

    // --by day, and combined keys.
    let by_day = fx
        .run(&["stats", "archive", "--by", "day", "--format", "ndjson"])
        .ok()
        .rows();
    let got: Vec<(String, i64)> = by_day
        .iter()
        .map(|r| (s(r, "day").to_owned(), num(r, "count")))
        .collect();
    assert_eq!(
        got,
        [("2026-01-05".to_owned(), 6), ("2026-01-06".to_owned(), 2)]
    );
    let by_two = fx
        .run(&[
            "stats",
            "archive",
            "--by",
            "account,namespace",
            "--format",
            "ndjson",
        ])
        .ok()
        .rows();
    assert!(by_two[0].contains_key("account") && by_two[0].contains_key("namespace"));
    assert_eq!(by_two.iter().map(|r| num(r, "count")).sum::<i64>(), 8);

    // Raw input gives the same stats as the archive.
    let raw = fx
        .run(&["stats", "denials.jsonl", "--format", "ndjson"])
        .ok()
        .rows();
    assert_eq!(raw, rows);
}

/// The README (`--by` takes `account`, ..., `user_agent`, `source_ip`, ...), the `demo` command's
/// hints (`--by account,source_ip`) and the output column (`source_ip`) use snake case; clap's
/// `ValueEnum` derive only accepts `user-agent` and `source-ip`.
#[test]
fn stats_by_takes_the_documented_snake_case_key_names() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    let run = fx
        .run(&[
            "stats",
            "denials.jsonl",
            "--by",
            "account,source_ip,user_agent",
            "--format",
            "ndjson",
        ])
        .ok();
    let rows = run.rows();
    assert!(rows[0].contains_key("source_ip") && rows[0].contains_key("user_agent"));
}

/// `stats --by KEY,cluster` builds `SELECT ..., cluster AS cluster, ...`; DataFusion's SQL parser
/// takes an unquoted `cluster` after a comma as the start of a `CLUSTER BY` clause (trailing
/// comma support), so every grouping with `cluster` after the first key fails. The same happens
/// to ad-hoc `sql` (`SELECT audit_id, cluster FROM audit`), where users can quote it; `stats`
/// must quote the names it generates.
#[test]
fn stats_by_cluster_after_another_key() {
    let fx = Fx::new();
    let mix = fx.mix();
    let rows = fx
        .run(&[
            "stats",
            mix,
            "--by",
            "account,cluster",
            "--format",
            "ndjson",
        ])
        .ok()
        .rows();
    let clusters: BTreeSet<&str> = rows.iter().map(|r| s(r, "cluster")).collect();
    assert_eq!(
        clusters,
        ["aks-prod", "default", "ecs-prod", "eks-prod", "gke-prod-1"]
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
}

/// `hunt --stats FILE`: the same alerts as a hunt without it, byte for byte, and in FILE the
/// counts `stats` gives, per rule (a `rule_id` column first), from one read of the events.
#[test]
fn hunt_writes_the_stats_of_its_alerts_beside_them() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "archive", &[]);
    let plain = fx
        .run(&["hunt", "archive", "--format", "ndjson"])
        .ok()
        .stdout;
    let both = fx
        .run(&[
            "hunt",
            "archive",
            "--format",
            "ndjson",
            "--stats",
            "counts.ndjson",
        ])
        .ok();
    assert_eq!(both.stdout, plain, "--stats changed the alerts");
    assert!(
        both.stderr.contains("group(s) of alerts in"),
        "{}",
        both.stderr
    );
    let counts = crate::harness::ndjson(&String::from_utf8_lossy(&fx.read("counts.ndjson")));
    let alerts = crate::harness::ndjson(&plain);
    // Every alert counted once, under its rule.
    assert_eq!(
        usize::try_from(counts.iter().map(|r| num(r, "count")).sum::<i64>()).ok(),
        Some(alerts.len())
    );
    // The seed rule's rows are `stats`'s rows, in its order, with the rule in front.
    let stats = fx
        .run(&["stats", "archive", "--format", "ndjson"])
        .ok()
        .rows();
    let seed: Vec<Row> = counts
        .into_iter()
        .filter(|r| s(r, "rule_id") == RULE)
        .map(|mut r| {
            r.remove("rule_id");
            r
        })
        .collect();
    assert_eq!(seed, stats);

    // Other formats follow the extension; --by regroups; the file is not overwritten silently.
    let run = fx
        .run(&[
            "hunt",
            "archive",
            "--rule",
            RULE,
            "-o",
            "alerts.csv",
            "--format",
            "csv",
            "--stats",
            "counts.csv",
            "--by",
            "verb",
        ])
        .ok();
    let csv = String::from_utf8_lossy(&fx.read("counts.csv")).into_owned();
    assert_eq!(
        csv.lines().next(),
        Some("rule_id,verb,count,first_seen,last_seen,namespaces,source_ips,user_agents"),
        "{}",
        run.stderr
    );
    // An existing counts file is refused before the hunt writes any alert.
    let again = fx
        .run(&["hunt", "archive", "--rule", RULE, "--stats", "counts.csv"])
        .expect_code(2);
    assert!(again.stderr.contains("counts.csv"), "{}", again.stderr);
    assert!(again.stdout.is_empty(), "{}", again.stdout);
    // One file for both is refused before anything is written.
    let same = fx
        .run(&["hunt", "archive", "-o", "x.ndjson", "--stats", "x.ndjson"])
        .expect_code(2);
    assert!(same.stderr.contains("same file"), "{}", same.stderr);
    assert!(!fx.path("x.ndjson").exists());
}
