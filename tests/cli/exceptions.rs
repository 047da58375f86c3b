//! `--exceptions` and `--suppress-by`: Kibana's exception-list export and its TOML twin give the
//! same alerts, each entry type and operator removes what Elastic's filter would, the summary
//! counts what each item removed, bad lists are named errors; suppression keeps one alert per
//! group with its docs_count, start, end and terms, per run, per window, per replay execution,
//! with missing fields suppressed or kept; all on hunt, stats, replay and report.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{Fx, RULE, Row, num, s, set};

const EXPORT: &str = "exceptions/kibana-export.ndjson";
const TWIN: &str = "exceptions/kibana-export.toml";

/// What the export's items leave of `denials.jsonl`'s eight matches.
const LEFT: [&str; 3] = [
    "sa-deny-plain-2",
    "sa-deny-pod-bound",
    "sa-deny-impersonating",
];

fn audit_ids(rows: &[Row]) -> BTreeSet<String> {
    rows.iter().map(|r| s(r, "audit_id").to_owned()).collect()
}

/// `hunt denials.jsonl --rule RULE ARGS --format ndjson`: the run (exit 0).
fn hunt(fx: &Fx, args: &[&str]) -> crate::harness::Run {
    let mut a = vec![
        "hunt",
        "denials.jsonl",
        "--rule",
        RULE,
        "--format",
        "ndjson",
    ];
    a.extend_from_slice(args);
    fx.run(&a).ok()
}

fn fx() -> Fx {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.copy(EXPORT, "export.ndjson");
    fx.copy(TWIN, "twin.toml");
    fx
}

/// Runs a hunt with a TOML list holding one item of `entries` (TOML inline tables); the
/// audit ids left.
fn with_item(fx: &Fx, entries: &str, extra: &str) -> BTreeSet<String> {
    let toml = format!("[[items]]\nid = \"t\"\n{extra}\nentries = [\n{entries}\n]\n");
    fx.write("item.toml", toml.as_bytes());
    audit_ids(&hunt(fx, &["--exceptions", "item.toml"]).rows())
}

/// `report` of 2026-01-05 over denials.jsonl with the exception export and `extra`: the run
/// and its report.json.
fn report_of_jan_5(fx: &Fx, extra: &[&str]) -> (crate::harness::Run, Value) {
    let mut args = vec![
        "report",
        "denials.jsonl",
        "--date",
        "2026-01-05",
        "--out",
        "rep",
        "--exceptions",
        "export.ndjson",
    ];
    args.extend_from_slice(extra);
    let run = fx.run(&args).ok();
    let rep: Value = serde_json::from_slice(&fx.read("rep/report.json")).unwrap_or_default();
    (run, rep)
}

fn all_but(removed: &[&str]) -> BTreeSet<String> {
    crate::harness::DENIAL_MATCHES
        .iter()
        .filter(|m| !removed.contains(m))
        .map(|m| (*m).to_owned())
        .collect()
}

#[test]
fn kibana_export_and_its_toml_twin_remove_the_same_alerts() {
    let fx = fx();
    let export = hunt(&fx, &["--exceptions", "export.ndjson"]);
    let twin = hunt(&fx, &["--exceptions", "twin.toml"]);
    assert_eq!(audit_ids(&export.rows()), set(&LEFT));
    assert_eq!(
        export.stdout, twin.stdout,
        "the two forms give the same alerts"
    );
    // The summary: per item (the export's closing summary line is skipped, not an item).
    for (item, n) in [
        ("builder-in-team-a", 2),
        ("prometheus-metrics", 1),
        ("payments-reads", 2),
        ("other-cluster", 0),
    ] {
        let line = format!("item {item} (");
        let at = export
            .stderr
            .lines()
            .find(|l| l.contains(&line))
            .unwrap_or_else(|| panic!("no summary line for {item}:\n{}", export.stderr));
        assert!(at.ends_with(&format!(": {n}")), "{at}");
    }
    assert!(
        export
            .stderr
            .contains("rule denied-service-account-request: 5 of 8 matching events removed"),
        "{}",
        export.stderr
    );
    assert!(export.stderr.contains("3 alert(s)"), "{}", export.stderr);
}

#[test]
fn every_entry_type_and_operator() {
    let fx = fx();
    let m = |f: &str, v: &str| format!("{{ field = \"{f}\", type = \"match\", value = \"{v}\" }}");
    // match on a list field: any element.
    assert_eq!(
        with_item(&fx, &m("source.ip", "10.0.1.15"), ""),
        all_but(&["sa-deny-plain", "sa-deny-exec"])
    );
    // wildcard on a list field, and on a text field (case-sensitive).
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "source.ip", type = "wildcard", value = "198.51.*" }"#,
            ""
        ),
        all_but(&["sa-deny-pod-bound"])
    );
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "user_agent.original", type = "wildcard", value = "payments-api/1.?.2" }"#,
            ""
        ),
        all_but(&["sa-deny-offset", "sa-deny-nanos"])
    );
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "user_agent.original", type = "wildcard", value = "PAYMENTS*" }"#,
            ""
        ),
        all_but(&[])
    );
    // match_any on a list field.
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "kubernetes.audit.user.groups", type = "match_any", value = ["system:serviceaccounts:ci", "nobody"] }"#,
            ""
        ),
        all_but(&["sa-deny-impersonating"])
    );
    // `excluded` on a field an event lacks matches (must_not of a match): /metrics has no
    // resource, so "resource is not secrets" holds for it.
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "kubernetes.audit.objectRef.resource", type = "match", operator = "excluded", value = "secrets" }"#,
            ""
        ),
        set(&["sa-deny-plain", "sa-deny-plain-2", "sa-deny-pod-bound"])
    );
    // exists / does not exist.
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "kubernetes.audit.impersonatedUser.username", type = "exists" }"#,
            ""
        ),
        all_but(&["sa-deny-impersonating"])
    );
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "kubernetes.audit.impersonatedUser.username", type = "exists", operator = "excluded" }"#,
            ""
        ),
        set(&["sa-deny-impersonating"])
    );
    // A number, and an annotation by its de-dotted ECS key.
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "kubernetes.audit.responseStatus.code", type = "match", value = 403 }"#,
            ""
        ),
        BTreeSet::new()
    );
    assert_eq!(
        with_item(
            &fx,
            &m(
                "kubernetes.audit.annotations.authorization_k8s_io/decision",
                "forbid"
            ),
            ""
        ),
        BTreeSet::new()
    );
    // Entries of one item are ANDed.
    assert_eq!(
        with_item(
            &fx,
            &format!(
                "{},\n{}",
                m("user.name", "system:serviceaccount:team-a:builder"),
                m("kubernetes.audit.verb", "create")
            ),
            ""
        ),
        all_but(&["sa-deny-exec"])
    );
    // expire_time: the item applies to events before it only.
    assert_eq!(
        with_item(
            &fx,
            &m("user.name", "system:serviceaccount:team-a:builder"),
            "expire_time = \"2026-01-05T08:01:00Z\""
        ),
        all_but(&["sa-deny-plain"])
    );
    // A value list, read from the file beside the exceptions named after its id.
    fx.write("bad-ips.txt", b"10.0.9.30\n198.51.100.23\n");
    assert_eq!(
        with_item(
            &fx,
            r#"{ field = "source.ip", type = "list", list = { id = "bad-ips", type = "ip" } }"#,
            ""
        ),
        all_but(&["sa-deny-pod-bound", "sa-deny-impersonating"])
    );
}

#[test]
fn bad_lists_are_named_errors() {
    let fx = fx();
    let err = |name: &str, text: &str| {
        fx.write(name, text.as_bytes());
        let run = fx.run(&[
            "hunt",
            "denials.jsonl",
            "--rule",
            RULE,
            "--exceptions",
            name,
        ]);
        run.expect_code(2).stderr
    };
    let e = err(
        "unknown.toml",
        "[[items]]\nid = \"x\"\nentries = [{ field = \"host.name\", type = \"match\", value = \"a\" }]\n",
    );
    assert!(
        e.contains("unknown.toml")
            && e.contains("\"x\"")
            && e.contains("unknown field \"host.name\""),
        "{e}"
    );
    // Our column names are the TOML form's only; the export speaks ECS.
    let line = r#"{"item_id":"y","list_id":"l","entries":[{"field":"verb","operator":"included","type":"match","value":"get"}]}"#;
    let e = err("cols.ndjson", &format!("{line}\n"));
    assert!(
        e.contains("cols.ndjson:1") && e.contains("unknown field \"verb\""),
        "{e}"
    );
    let e = err(
        "nested.ndjson",
        r#"{"item_id":"n","list_id":"l","entries":[{"field":"parent","type":"nested","entries":[]}]}"#,
    );
    assert!(e.contains("nested entry under parent"), "{e}");
    let e = err(
        "list.toml",
        "[[items]]\nid = \"v\"\nentries = [{ field = \"source.ip\", type = \"list\", list = { id = \"gone\", type = \"ip\" } }]\n",
    );
    assert!(
        e.contains("value list \"gone\"") && e.contains("gone.txt"),
        "{e}"
    );
    // A misspelt key is an error, not an entry silently turned from "is not" into "is".
    let e = err(
        "typo.toml",
        "[[items]]\nid = \"t\"\nentries = [{ field = \"user.name\", type = \"match\", operater = \"excluded\", value = \"a\" }]\n",
    );
    assert!(e.contains("typo.toml") && e.contains("operater"), "{e}");
    let e = err(
        "endpoint.ndjson",
        r#"{"list_id":"e","type":"endpoint","name":"Endpoint Security Exception List"}"#,
    );
    assert!(e.contains("endpoint"), "{e}");
}

#[test]
fn exceptions_apply_to_stats_replay_and_report() {
    let fx = fx();
    let stats = fx
        .run(&[
            "stats",
            "denials.jsonl",
            "--exceptions",
            "export.ndjson",
            "--format",
            "ndjson",
        ])
        .ok();
    let total: i64 = stats.rows().iter().map(|r| num(r, "count")).sum();
    assert_eq!(total, 3);
    assert!(stats.stderr.contains("5 of 8 matching events removed"));

    let replay = fx
        .run(&[
            "replay",
            "denials.jsonl",
            "--exceptions",
            "twin.toml",
            "--format",
            "ndjson",
            "--summary",
            "summary.json",
        ])
        .ok();
    let summary: Value = serde_json::from_slice(&fx.read("summary.json")).unwrap_or_default();
    assert_eq!(summary["matching_events"], 3);
    assert_eq!(summary["alerts_raised"], 3);
    assert!(replay.stderr.contains("item payments-reads"));

    let (report, rep) = report_of_jan_5(&fx, &[]);
    // On 2026-01-05: six matches, five of them excepted.
    assert_eq!(rep["denials"], 1, "{rep}");
    assert!(
        report
            .stderr
            .contains("2026-01-05:   rule denied-service-account-request: 5 of 6"),
        "{}",
        report.stderr
    );
}

// ------------------------------------------------------------------------------------------------
// Suppression

/// (audit id, docs_count, start, end) of suppressed alerts.
fn suppressed(rows: &[Row]) -> Vec<(String, i64, String, String)> {
    rows.iter()
        .map(|r| {
            (
                s(r, "audit_id").to_owned(),
                num(r, "suppression_docs_count"),
                s(r, "suppression_start").to_owned(),
                s(r, "suppression_end").to_owned(),
            )
        })
        .collect()
}

fn t(x: &str) -> String {
    format!("2026-01-{x}Z")
}

#[test]
fn hunt_suppresses_per_run_and_per_window() {
    let fx = fx();
    let run = hunt(&fx, &["--suppress-by", "user.name"]);
    let rows = run.rows();
    assert_eq!(
        suppressed(&rows),
        vec![
            (
                "sa-deny-plain".into(),
                2,
                t("05T08:00:00.123456"),
                t("05T08:05:00.500000")
            ),
            (
                "sa-deny-metrics".into(),
                0,
                t("05T09:00:00.000000"),
                t("05T09:00:00.000000")
            ),
            (
                "sa-deny-offset".into(),
                1,
                t("05T22:30:00.250000"),
                t("05T23:59:59.987654")
            ),
            (
                "sa-deny-pod-bound".into(),
                0,
                t("06T03:00:00.000000"),
                t("06T03:00:00.000000")
            ),
            (
                "sa-deny-impersonating".into(),
                0,
                t("06T04:00:00.000000"),
                t("06T04:00:00.000000")
            ),
        ]
    );
    let terms: Value = serde_json::from_str(s(&rows[0], "suppression_terms")).unwrap_or_default();
    assert_eq!(
        terms,
        serde_json::json!([{"field": "user.name", "value": "system:serviceaccount:team-a:builder"}])
    );
    assert!(
        run.stderr.contains("8 alert(s) → 5 (3 suppressed)"),
        "{}",
        run.stderr
    );

    // Two fields, a list among them, in 10-minute windows: the builder from 10.0.1.15 at 08:00
    // and 08:05 is one alert; payments-api at 22:30 and 23:59 are two windows.
    let rows = hunt(
        &fx,
        &[
            "--suppress-by",
            "user.name,source.ip",
            "--suppress-for",
            "10m",
        ],
    )
    .rows();
    let got = suppressed(&rows);
    assert_eq!(got.len(), 7);
    assert_eq!(
        got[0],
        (
            "sa-deny-plain".into(),
            1,
            t("05T08:00:00.123456"),
            t("05T08:05:00.500000")
        )
    );
    assert!(got.iter().any(|g| g.0 == "sa-deny-nanos" && g.1 == 0));
    let terms: Value = serde_json::from_str(s(&rows[0], "suppression_terms")).unwrap_or_default();
    assert_eq!(
        terms[1],
        serde_json::json!({"field": "source.ip", "value": ["10.0.1.15"]})
    );
}

#[test]
fn missing_fields_suppressed_or_kept() {
    let fx = fx();
    // /metrics has no resource: `suppress` groups it with any other such alert (it is alone
    // here), `keep` leaves it unsuppressed; the others group by resource either way.
    let by = ["--suppress-by", "kubernetes.audit.objectRef.resource"];
    let suppress = hunt(&fx, &by).rows();
    let mut keep_args = by.to_vec();
    keep_args.extend_from_slice(&["--missing-fields", "keep"]);
    let keep = hunt(&fx, &keep_args).rows();
    let metrics = |rows: &[Row]| {
        rows.iter()
            .find(|r| s(r, "audit_id") == "sa-deny-metrics")
            .map(|r| s(r, "suppression_terms").to_owned())
    };
    assert_eq!(
        metrics(&suppress).as_deref(),
        Some(r#"[{"field":"kubernetes.audit.objectRef.resource","value":null}]"#)
    );
    assert_eq!(suppress.len(), 6);
    assert_eq!(keep.len(), 6);

    // Two alerts missing the field: grouped with `suppress`, both kept with `keep`.
    let by = [
        "--suppress-by",
        "kubernetes.audit.impersonatedUser.username",
    ];
    assert_eq!(hunt(&fx, &by).rows().len(), 2);
    let mut k = by.to_vec();
    k.extend_from_slice(&["--missing-fields", "keep"]);
    assert_eq!(hunt(&fx, &k).rows().len(), 8);
}

#[test]
fn suppression_in_ecs_documents_stats_and_errors() {
    let fx = fx();
    let docs = fx
        .run(&[
            "hunt",
            "denials.jsonl",
            "--rule",
            RULE,
            "--suppress-by",
            "user.name",
            "--format",
            "ecs",
        ])
        .ok()
        .rows();
    assert_eq!(docs.len(), 5);
    assert_eq!(docs[0]["kibana.alert.suppression.docs_count"], 2);
    assert_eq!(
        docs[0]["kibana.alert.suppression.start"],
        t("05T08:00:00.123456")
    );
    assert_eq!(
        docs[0]["kibana.alert.suppression.terms"][0]["field"],
        "user.name"
    );
    let stats = fx
        .run(&[
            "stats",
            "denials.jsonl",
            "--suppress-by",
            "user.name",
            "--format",
            "ndjson",
        ])
        .ok();
    let total: i64 = stats.rows().iter().map(|r| num(r, "count")).sum();
    assert_eq!(total, 5, "stats counts the alerts kept");
    let e = fx
        .run(&["hunt", "denials.jsonl", "--suppress-by", "a,b,c,d"])
        .expect_code(2)
        .stderr;
    assert!(e.contains("one to three"), "{e}");
    let e = fx
        .run(&["hunt", "denials.jsonl", "--suppress-by", "host.name"])
        .expect_code(2)
        .stderr;
    assert!(e.contains("unknown field \"host.name\""), "{e}");
}

#[test]
fn replay_suppresses_per_execution_and_per_window() {
    let fx = fx();
    let docs = |extra: &[&str]| {
        let mut a = vec![
            "replay",
            "denials.jsonl",
            "--suppress-by",
            "user.name",
            "--format",
            "ecs",
            "--summary",
            "s.json",
            "--force",
        ];
        a.extend_from_slice(extra);
        let rows = fx.run(&a).ok().rows();
        let summary: Value = serde_json::from_slice(&fx.read("s.json")).unwrap_or_default();
        (rows, summary)
    };
    // Per execution: the 08:05 execution raises sa-deny-plain and -plain-2 (same user): one
    // alert; sa-deny-exec is raised by the 08:10 execution, alone.
    let (rows, summary) = docs(&[]);
    assert_eq!(rows.len(), 7);
    let first = &rows[0];
    assert_eq!(first["kubernetes"]["audit"]["auditID"], "sa-deny-plain");
    assert_eq!(first["kibana.alert.suppression.docs_count"], 1);
    assert_eq!(
        first["kibana.alert.suppression.start"],
        t("05T08:00:00.123456")
    );
    assert_eq!(
        first["kibana.alert.suppression.end"],
        t("05T08:02:00.000000")
    );
    assert_eq!(summary["suppression"]["alerts_before"], 8);
    assert_eq!(summary["suppression"]["alerts_kept"], 7);
    // For an hour from the first alert: the 08:10 execution's alert joins the 08:05 one; the
    // window's start and end are the executions' times.
    let (rows, summary) = docs(&["--suppress-for", "1h"]);
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["kibana.alert.suppression.docs_count"], 2);
    assert_eq!(
        rows[0]["kibana.alert.suppression.start"],
        t("05T08:05:00.000000")
    );
    assert_eq!(
        rows[0]["kibana.alert.suppression.end"],
        t("05T08:10:00.000000")
    );
    assert_eq!(summary["suppression"]["suppressed"], 2);
}

#[test]
fn report_takes_both() {
    let fx = fx();
    let (run, rep) = report_of_jan_5(&fx, &["--suppress-by", "user.name"]);
    assert_eq!(rep["denials"], 1, "{rep}");
    assert!(
        run.stderr.contains("suppression by user.name"),
        "{}",
        run.stderr
    );
}
