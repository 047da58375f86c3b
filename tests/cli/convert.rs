//! `convert`: every input form and shape, rejected lines, idempotence and `--force`, `--strict`,
//! missing inputs, timestamps and partitions, and the real public data of `tests/fixtures/realdata`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::harness::{
    BAD_LINES, DENIAL_MATCHES, Fx, MIX_FILES, RULE, Row, TestResult, all_mix_matches, by_id,
    fixtures, ids, ndjson, num, read_fixture, s, set,
};

// ------------------------------------------------------------------------------------------------
// convert: every input form, every shape, bad lines recorded

#[test]
fn convert_mix_keeps_every_good_event_once_and_records_every_bad_line() -> TestResult {
    let fx = Fx::new();
    let mix = fx.mix();
    let run = fx.convert(&[mix], "archive", &[]);
    let good: u64 = MIX_FILES.iter().map(|f| f.1).sum();
    let bad: u64 = MIX_FILES.iter().map(|f| f.2).sum();
    assert!(
        run.stderr
            .contains(&format!("{good} events, {bad} lines rejected")),
        "summary: {}",
        run.stderr
    );
    assert!(run.stderr.contains("_rejects"), "summary: {}", run.stderr);

    // Read back: every good event exactly once.
    let counts = fx.sql_csv(
        "archive",
        "SELECT count(*) AS n, count(DISTINCT audit_id) AS ids FROM audit",
    );
    assert_eq!(counts, [format!("{good},{good}")]);
    let per_file = fx.sql(
        "archive",
        "SELECT source_file, count(*) AS n FROM audit GROUP BY source_file ORDER BY source_file",
    );
    let got: Vec<(String, i64)> = per_file
        .iter()
        .map(|r| (s(r, "source_file").to_owned(), num(r, "n")))
        .collect();
    let want: Vec<(String, i64)> = MIX_FILES
        .iter()
        .map(|(f, n, _)| ((*f).to_owned(), i64::try_from(*n).unwrap_or(i64::MAX)))
        .collect();
    assert_eq!(got, want);

    // Every shape and compression produced its format tag and cluster.
    let formats = fx.sql(
        "archive",
        "SELECT source_file, source_format, \"cluster\", count(*) AS n FROM audit \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    );
    let got: Vec<String> = formats
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                s(r, "source_file"),
                s(r, "source_format"),
                s(r, "cluster"),
                num(r, "n")
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "mix/bad.log raw default 3",
            "mix/denials.jsonl raw default 16",
            "mix/shapes/aks-records aks aks-prod 4",
            "mix/shapes/array.json raw default 2",
            "mix/shapes/ecs.ndjson.gz ecs ecs-prod 4",
            "mix/shapes/eks-cloudwatch.ndjson.zst eks eks-prod 2",
            "mix/shapes/eks-subscription.json eks eks-prod 2",
            "mix/shapes/eventlist.json.gz raw default 2",
            "mix/shapes/gke.ndjson gke gke-prod-1 4",
        ]
    );

    // The archive layout.
    let parts = fx.files_under("archive", ".parquet");
    assert!(!parts.is_empty());
    for p in &parts {
        let rel = p
            .strip_prefix(fx.path("archive"))?
            .to_string_lossy()
            .into_owned();
        let pieces: Vec<&str> = rel.split('/').collect();
        assert_eq!(pieces.len(), 3, "{rel}");
        assert!(pieces[0].starts_with("cluster="), "{rel}");
        assert!(pieces[1].starts_with("date=2026-01-0"), "{rel}");
        assert!(
            pieces[2].starts_with("part-") && pieces[2].ends_with(".parquet"),
            "{rel}"
        );
    }
    let manifest = String::from_utf8(fx.read("archive/_manifest/inputs.ndjson"))?;
    assert_eq!(manifest.lines().count(), MIX_FILES.len());
    for m in ndjson(&manifest) {
        let name = s(&m, "name");
        let (_, events, rejected) = MIX_FILES
            .iter()
            .find(|f| f.0 == name)
            .unwrap_or_else(|| panic!("unexpected manifest entry {name}"));
        assert_eq!(num(&m, "events"), i64::try_from(*events)?, "{name}");
        assert_eq!(num(&m, "rejected"), i64::try_from(*rejected)?, "{name}");
    }

    // Rejects: one line per bad line, with file, line, reason and excerpt.
    let reject_files = fx.files_under("archive/_rejects", ".ndjson");
    assert_eq!(reject_files.len(), 1, "{reject_files:?}");
    let rejects = ndjson(&std::fs::read_to_string(&reject_files[0])?);
    assert_eq!(rejects.len(), BAD_LINES.len(), "{rejects:#?}");
    for (r, (line, reason)) in rejects.iter().zip(BAD_LINES) {
        assert_eq!(s(r, "file"), "mix/bad.log");
        assert_eq!(num(r, "line"), i64::try_from(line)?, "{r:?}");
        assert!(s(r, "reason").contains(reason), "line {line}: {r:?}");
        assert!(!s(r, "excerpt").is_empty(), "{r:?}");
    }

    // And the rule finds exactly the matches.
    let alerts = fx.hunt(&["archive"]);
    assert_eq!(ids(&alerts), all_mix_matches());
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// convert again: skipped, --force, a new input, leftovers of an interrupted run

#[test]
fn convert_is_idempotent_force_replaces_and_new_inputs_are_added() -> TestResult {
    let fx = Fx::new();
    let mix = fx.mix();
    fx.convert(&[mix], "archive", &[]);
    let good: u64 = MIX_FILES.iter().map(|f| f.1).sum();
    let count = |fx: &Fx| fx.sql_csv("archive", "SELECT count(*) AS n FROM audit");
    assert_eq!(count(&fx), [good.to_string()]);
    let files_before = fx.files_under("archive", ".parquet");
    let manifest_before = fx.read("archive/_manifest/inputs.ndjson");

    // Same inputs again: nothing added, each input named as skipped.
    let again = fx.convert(&[mix], "archive", &[]);
    assert!(again.stderr.contains("0 events"), "{}", again.stderr);
    for (f, _, _) in MIX_FILES {
        assert!(
            again
                .stderr
                .contains(&format!("skipped {f}: already in the archive")),
            "{f} not reported skipped:\n{}",
            again.stderr
        );
    }
    assert_eq!(count(&fx), [good.to_string()]);
    assert_eq!(fx.read("archive/_manifest/inputs.ndjson"), manifest_before);
    assert_eq!(fx.files_under("archive", ".parquet"), files_before);

    // --force converts again and replaces the files: same rows, same file names.
    let forced = fx.convert(&[mix], "archive", &["--force"]);
    assert!(
        forced.stderr.contains(&format!("{good} events")),
        "{}",
        forced.stderr
    );
    assert_eq!(count(&fx), [good.to_string()]);
    assert_eq!(fx.files_under("archive", ".parquet"), files_before);
    let dup = fx.sql_csv(
        "archive",
        "SELECT count(*) AS n FROM (SELECT audit_id FROM audit GROUP BY audit_id HAVING count(*) > 1)",
    );
    assert_eq!(dup, ["0"]);

    // A new input adds its rows (and only its rows).
    let extra = String::from_utf8(read_fixture("denials.jsonl"))?
        .lines()
        .take(2)
        .map(|l| l.replace("\"auditID\":\"", "\"auditID\":\"new-"))
        .collect::<Vec<_>>()
        .join("\n");
    fx.write("more/new.jsonl", extra.as_bytes());
    let added = fx.convert(&[mix, "more/new.jsonl"], "archive", &[]);
    assert!(added.stderr.contains("2 events"), "{}", added.stderr);
    assert_eq!(count(&fx), [(good + 2).to_string()]);
    let new_ids = fx.sql(
        "archive",
        "SELECT audit_id FROM audit WHERE source_file = 'more/new.jsonl' ORDER BY audit_id",
    );
    assert_eq!(
        ids(&new_ids),
        set(&["new-sa-deny-plain", "new-sa-deny-plain-2"])
    );

    // An interrupted run's leftover (a complete Parquet file still named .tmp) is invisible to
    // queries, and the next convert removes it.
    let some_part = std::fs::read(&files_before[0])?;
    fx.write("archive/_tmp/x/part.parquet.tmp", &some_part);
    assert_eq!(count(&fx), [(good + 2).to_string()]);
    assert_eq!(
        fx.hunt(&["archive"]).len(),
        all_mix_matches().len() + 2,
        "the .tmp file must not be read"
    );
    fx.convert(&["more/new.jsonl"], "archive", &[]);
    assert!(
        !fx.path("archive/_tmp").exists(),
        "convert leaves {} behind",
        fx.path("archive/_tmp").display()
    );
    assert_eq!(count(&fx), [(good + 2).to_string()]);
    Ok(())
}

/// `--force` re-converts an input and must *replace* its files. File names derive from the input's
/// hash, but the directory from the cluster: converting again with another `--cluster` writes new
/// files and leaves the old ones (which the manifest lists) in place, so every row is there twice.
#[test]
fn force_with_another_cluster_replaces_the_inputs_rows() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "archive", &[]);
    fx.convert(
        &["denials.jsonl"],
        "archive",
        &["--force", "--cluster", "prod"],
    );
    let rows = fx.sql(
        "archive",
        "SELECT \"cluster\", count(*) AS n FROM audit GROUP BY 1 ORDER BY 1",
    );
    let got: Vec<(String, i64)> = rows
        .iter()
        .map(|r| (s(r, "cluster").to_owned(), num(r, "n")))
        .collect();
    assert_eq!(got, [("prod".to_owned(), 16)]);
}

/// An archive whose path holds glob characters (`[`, `]`, `*`, `?`) is read as a glob pattern by
/// DataFusion's `ListingTableUrl::parse`: the directory `x[1]/archive` matches nothing, and every
/// query silently returns no rows with exit code 0 (`hunt` finds no alerts).
#[test]
fn an_archive_path_with_brackets_is_read() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "logs[2026]/archive", &[]);
    assert_eq!(
        fx.sql_csv("logs[2026]/archive", "SELECT count(*) AS n FROM audit"),
        ["16"]
    );
    assert_eq!(ids(&fx.hunt(&["logs[2026]/archive"])), set(&DENIAL_MATCHES));
}

// ------------------------------------------------------------------------------------------------
// --strict

#[test]
fn strict_stops_at_the_first_bad_line_naming_file_and_line() {
    let fx = Fx::new();
    fx.copy("bad.log", "in/bad.log");
    fx.copy("denials.jsonl", "in/denials.jsonl");
    let run = fx
        .run(&["convert", "in/bad.log", "--out", "archive", "--strict"])
        .expect_code(2);
    assert!(run.stderr.contains("in/bad.log:2:"), "{}", run.stderr);
    assert!(run.stderr.contains("not JSON"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("in/bad.log:5:"),
        "went past the first bad line: {}",
        run.stderr
    );

    // Nothing of the failed input became visible; a good input still converts strictly.
    fx.convert(&["in/denials.jsonl"], "archive", &["--strict"]);
    assert_eq!(
        fx.sql_csv("archive", "SELECT count(*) AS n FROM audit"),
        ["16"]
    );
    let manifest = String::from_utf8(fx.read("archive/_manifest/inputs.ndjson"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!manifest.contains("bad.log"), "{manifest}");

    // hunt --strict over raw input stops the same way.
    let hunt = fx
        .run(&["hunt", "in/bad.log", "--strict", "--format", "ndjson"])
        .expect_code(2);
    assert!(hunt.stderr.contains("in/bad.log:2:"), "{}", hunt.stderr);
}

// ------------------------------------------------------------------------------------------------
// missing inputs

#[test]
fn a_missing_input_is_an_error_naming_the_path() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    let run = fx
        .run(&[
            "convert",
            "denials.jsonl",
            "nowhere/missing-audit.log",
            "--out",
            "archive",
        ])
        .expect_code(2);
    assert!(
        run.stderr.contains("nowhere/missing-audit.log"),
        "{}",
        run.stderr
    );
    let run = fx
        .run(&["hunt", "nowhere/missing-audit.log", "--format", "ndjson"])
        .expect_code(2);
    assert!(
        run.stderr.contains("nowhere/missing-audit.log"),
        "{}",
        run.stderr
    );
    // A glob under a missing directory names the directory; one that matches nothing, itself.
    let run = fx
        .run(&["hunt", "nowhere/*.log", "--format", "ndjson"])
        .expect_code(2);
    assert!(run.stderr.contains("nowhere"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let run = fx
        .run(&["convert", "*.zzz", "--out", "archive"])
        .expect_code(2);
    assert!(run.stderr.contains("*.zzz"), "{}", run.stderr);
    assert!(!fx.path("archive/_manifest").exists());
}

/// CloudWatch Logs sends a `CONTROL_MESSAGE` to a new subscription to check it works; it carries
/// no audit event (`logEvents[0].message` is prose), so it must be neither an event nor a reject.
/// `parse.rs` checks `logEvents` before it looks at `messageType`, so the documented shape (which
/// has a `logEvents` array) is rejected as "logEvents[0]: not JSON".
#[test]
fn cloudwatch_control_message_is_neither_an_event_nor_a_reject() {
    let fx = Fx::new();
    let control = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1432826855000,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}"#;
    fx.write("control.json", format!("{control}\n").as_bytes());
    let run = fx.convert(&["control.json"], "archive", &[]);
    assert!(
        run.stderr.contains("0 events, 0 lines rejected"),
        "{}",
        run.stderr
    );
}

// ------------------------------------------------------------------------------------------------
// timestamps

#[test]
fn offsets_and_nanoseconds_land_at_the_right_utc_time() {
    let fx = Fx::new();
    fx.denials_and_shapes();
    fx.convert(&["denials.jsonl", "shapes"], "archive", &[]);
    for alerts in [fx.hunt(&["archive"]), fx.hunt(&["denials.jsonl", "shapes"])] {
        let m = by_id(&alerts);
        for (id, want) in [
            ("sa-deny-plain", "2026-01-05T08:00:00.123456Z"),
            // 2026-01-06T00:30:00.25+02:00: the previous day in UTC
            ("sa-deny-offset", "2026-01-05T22:30:00.250000Z"),
            ("list-sa-deny-offset", "2026-01-05T22:30:00.250000Z"),
            // 23:59:59.987654321Z: truncated to microseconds, not rounded into the next day
            ("sa-deny-nanos", "2026-01-05T23:59:59.987654Z"),
            ("array-sa-deny-nanos", "2026-01-05T23:59:59.987654Z"),
            ("gke-sa-deny-label", "2026-01-05T14:00:00.123456Z"),
            ("sa-deny-pod-bound", "2026-01-06T03:00:00.000000Z"),
        ] {
            assert_eq!(s(&m[id], "event_time"), want, "{id}");
        }
    }
    let rows = fx.sql(
        "archive",
        "SELECT audit_id, received_time, date FROM audit \
         WHERE audit_id IN ('sa-deny-offset', 'sa-deny-nanos', 'gke-sa-deny-label') ORDER BY audit_id",
    );
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                s(r, "audit_id").to_owned(),
                s(r, "received_time").to_owned(),
                s(r, "date").to_owned(),
            )
        })
        .collect();
    let t = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        got,
        [
            t(
                "gke-sa-deny-label",
                "2026-01-05T14:00:01.482113Z",
                "2026-01-05"
            ),
            t("sa-deny-nanos", "2026-01-05T23:59:59.900000Z", "2026-01-05"),
            t(
                "sa-deny-offset",
                "2026-01-05T22:30:00.200000Z",
                "2026-01-05"
            ),
        ]
    );
    // The partition directories follow the UTC date.
    let dirs: BTreeSet<String> = fx
        .files_under("archive", ".parquet")
        .iter()
        .filter_map(|p| {
            p.parent()
                .and_then(Path::file_name)
                .map(|d| d.to_string_lossy().into_owned())
        })
        .collect();
    assert_eq!(dirs, set(&["date=2026-01-05", "date=2026-01-06"]));
}

// ------------------------------------------------------------------------------------------------
// real public data

/// (file under tests/fixtures/realdata, events, rejected lines)
const REAL_FILES: [(&str, i64, i64); 22] = [
    ("audit2rbac/testdata/demo.log", 37, 0),
    (
        "elastic-integrations/packages/gcp/data_stream/audit/_dev/test/pipeline/test-k8s-nonmatching-resourcename.log",
        1,
        0,
    ),
    (
        "elastic-integrations/packages/kubernetes/data_stream/audit_logs/_dev/test/pipeline/test-audit.log",
        5,
        0,
    ),
    (
        "elastic-integrations/packages/kubernetes/data_stream/audit_logs/_dev/test/pipeline/test-kube-audit.log",
        1,
        0,
    ),
    (
        "elastic-integrations/packages/kubernetes/data_stream/audit_logs/sample_event.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/anonymous_creates_namespace_foo.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/attach_pod.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_configmap_sensitive_values.json",
        6,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_kube_system_secret.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_nginx_pod_privileged.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/exec_pod.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/fal_01_003.json",
        0,
        1,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_nginx_pod_unprivileged.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_cluster_role_wildcard_verbs.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_nginx_pod_hostnetwork.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_nginx_pod_sensitive_mount.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/create_nginx_service_nodeport.json",
        1,
        0,
    ),
    (
        "falco-k8s_audit-trace-files/test/trace_files/k8s_audit/attach_cluster_admin_role.json",
        1,
        0,
    ),
    ("panther-analysis/extracted/eks_test_logs.ndjson", 19, 169),
    ("sysdiglabs-aks-audit-log/samples/event.json", 22, 0),
    (
        "sysdiglabs-aks-audit-log/samples/sample_EventHubs_event.json",
        1,
        0,
    ),
    (
        "sysdiglabs-aks-audit-log/samples/sample_KubeAuditLog_event.json",
        1,
        0,
    ),
];

#[test]
fn real_public_data_converts_cleanly_and_raises_no_alert() -> TestResult {
    let fx = Fx::new();
    let real = fixtures().join("realdata");
    let real_str = real.to_string_lossy().into_owned();
    // Every copied file (the folder's README.md is no input).
    let inputs: Vec<String> = REAL_FILES
        .iter()
        .map(|(f, _, _)| real.join(f).to_string_lossy().into_owned())
        .collect();
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let run = fx.convert(&inputs, "archive", &[]);
    let events: i64 = REAL_FILES.iter().map(|f| f.1).sum();
    let rejected: i64 = REAL_FILES.iter().map(|f| f.2).sum();
    assert!(
        run.stderr
            .contains(&format!("{events} events, {rejected} lines rejected")),
        "{}",
        run.stderr
    );

    let rows = fx.sql(
        "archive",
        "SELECT source_file, count(*) AS n FROM audit GROUP BY source_file ORDER BY source_file",
    );
    let got: BTreeMap<String, i64> = rows
        .iter()
        .map(|r| {
            let f = s(r, "source_file");
            let rel = f
                .strip_prefix(&format!("{real_str}/"))
                .unwrap_or_else(|| panic!("{f} is not under {real_str}"));
            (rel.to_owned(), num(r, "n"))
        })
        .collect();
    let want: BTreeMap<String, i64> = REAL_FILES
        .iter()
        .filter(|f| f.1 > 0)
        .map(|(f, n, _)| ((*f).to_owned(), *n))
        .collect();
    assert_eq!(got, want);

    // The AKS batch: 22 events named after the resource id's cluster.
    let aks = fx.sql(
        "archive",
        "SELECT cluster, source_format, count(*) AS n FROM audit \
         WHERE source_file LIKE '%sysdiglabs-aks-audit-log/samples/event.json' GROUP BY 1, 2",
    );
    assert_eq!(aks.len(), 1, "{aks:?}");
    assert_eq!(
        (
            s(&aks[0], "cluster"),
            s(&aks[0], "source_format"),
            num(&aks[0], "n")
        ),
        ("kubetest", "aks", 22)
    );
    // The wrappers of the Elastic test file: raw ×3, GKE ×1 (cluster label), AKS object ×1.
    let elastic = fx.sql(
        "archive",
        "SELECT source_format, \"cluster\", count(*) AS n FROM audit \
         WHERE source_file LIKE '%test-audit.log' GROUP BY 1, 2 ORDER BY 1, 2",
    );
    let got: Vec<String> = elastic
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                s(r, "source_format"),
                s(r, "cluster"),
                num(r, "n")
            )
        })
        .collect();
    assert_eq!(
        got,
        ["aks test-aks 1", "gke test-cluster 1", "raw default 3"]
    );
    let ecs = fx.sql(
        "archive",
        "SELECT source_format, audit_id, event_time FROM audit WHERE source_file LIKE '%sample_event.json'",
    );
    assert_eq!(
        (
            s(&ecs[0], "source_format"),
            s(&ecs[0], "audit_id"),
            s(&ecs[0], "event_time")
        ),
        (
            "ecs",
            "bcacfeaa-5ab5-48de-8bac-3a87d1474b6a",
            "2022-08-31T08:09:39.662241Z"
        ),
        "event time is stageTimestamp, not the agent's @timestamp"
    );

    // Rejects: the Falco fuzz case and Panther's events without any timestamp.
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in fx.files_under("archive/_rejects", ".ndjson") {
        for r in ndjson(&std::fs::read_to_string(&f)?) {
            let file = s(&r, "file")
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            reasons
                .entry(file)
                .or_default()
                .push(s(&r, "reason").to_owned());
        }
    }
    assert_eq!(
        reasons.keys().map(String::as_str).collect::<Vec<_>>(),
        ["eks_test_logs.ndjson", "fal_01_003.json"]
    );
    assert_eq!(reasons["fal_01_003.json"].len(), 1);
    assert!(
        reasons["fal_01_003.json"][0].contains("wrong type"),
        "{:?}",
        reasons["fal_01_003.json"]
    );
    assert_eq!(reasons["eks_test_logs.ndjson"].len(), 169);
    assert!(
        reasons["eks_test_logs.ndjson"]
            .iter()
            .all(|r| r.contains("no timestamp")),
        "{:?}",
        reasons["eks_test_logs.ndjson"]
    );

    // No public sample holds a denied service account.
    let hunt = fx
        .run(&[
            "hunt",
            "archive",
            "--format",
            "ndjson",
            "--fail-on-alerts",
            "--rule",
            RULE,
        ])
        .ok();
    assert!(hunt.stdout.trim().is_empty(), "{}", hunt.stdout);
    let mut args = vec!["hunt"];
    args.extend_from_slice(&inputs);
    args.extend_from_slice(&["--format", "ndjson", "--fail-on-alerts", "--rule", RULE]);
    let raw = fx.run(&args).ok();
    assert!(raw.stdout.trim().is_empty(), "{}", raw.stdout);

    // The rest of the pack does fire on them: Falco's anonymous namespace create, pod exec,
    // privileged, hostNetwork and sensitive-mount pods, NodePort service, cluster-admin binding
    // and wildcard ClusterRole (not its unprivileged pod); Panther's anonymous EKS requests (one
    // event twice in its file) and a refused probe; and, with no history before them, the first
    // sighting of every (decision, user, agent) term of the unusual-decision new-terms rules.
    let pack = |rows: &[Row]| -> BTreeSet<(String, String, u64)> {
        rows.iter()
            .map(|r| {
                let file = Path::new(s(r, "source_file"))
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (
                    s(r, "rule_id").to_owned(),
                    file,
                    num(r, "source_line") as u64,
                )
            })
            .collect()
    };
    let want: BTreeSet<(String, String, u64)> = [
        (
            "anonymous-request-authorized",
            "anonymous_creates_namespace_foo.json",
            1,
        ),
        ("anonymous-request-authorized", "eks_test_logs.ndjson", 1),
        ("anonymous-request-authorized", "eks_test_logs.ndjson", 3),
        ("anonymous-request-authorized", "eks_test_logs.ndjson", 25),
        (
            "anonymous-request-authorized-unusual-user-agent",
            "eks_test_logs.ndjson",
            1,
        ),
        (
            "cluster-admin-role-binding-created",
            "attach_cluster_admin_role.json",
            1,
        ),
        (
            "exposed-service-created-with-type-nodeport",
            "create_nginx_service_nodeport.json",
            1,
        ),
        (
            "forbidden-request-from-unusual-user-agent",
            "eks_test_logs.ndjson",
            8,
        ),
        (
            "forbidden-request-from-unusual-user-agent-new-terms",
            "eks_test_logs.ndjson",
            8,
        ),
        (
            "pod-created-with-hostnetwork",
            "create_nginx_pod_hostnetwork.json",
            1,
        ),
        (
            "pod-created-with-hostnetwork-pre-2026-02",
            "create_nginx_pod_hostnetwork.json",
            1,
        ),
        (
            "pod-created-with-sensitive-hostpath-volume",
            "create_nginx_pod_sensitive_mount.json",
            1,
        ),
        (
            "pod-created-with-sensitive-hostpath-volume-pre-2026-02",
            "create_nginx_pod_sensitive_mount.json",
            1,
        ),
        (
            "privileged-pod-created",
            "create_nginx_pod_privileged.json",
            1,
        ),
        (
            "privileged-pod-created-pre-2026-02",
            "create_nginx_pod_privileged.json",
            1,
        ),
        (
            "sensitive-role-created-or-modified",
            "create_cluster_role_wildcard_verbs.json",
            1,
        ),
        (
            "unusual-decision-by-user-agent",
            "create_kube_system_secret.json",
            1,
        ),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 1),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 2),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 3),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 8),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 10),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 17),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 18),
        ("unusual-decision-by-user-agent", "eks_test_logs.ndjson", 19),
        ("unusual-decision-by-user-agent", "event.json", 1),
        (
            "unusual-decision-by-user-agent",
            "sample_EventHubs_event.json",
            1,
        ),
        (
            "unusual-decision-by-user-agent",
            "sample_KubeAuditLog_event.json",
            1,
        ),
        ("unusual-decision-by-user-agent", "sample_event.json", 1),
        ("unusual-decision-by-user-agent", "test-audit.log", 1),
        ("unusual-decision-by-user-agent", "test-kube-audit.log", 1),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "create_kube_system_secret.json",
            1,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            1,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            2,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            3,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            8,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            10,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            17,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            18,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "eks_test_logs.ndjson",
            19,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "event.json",
            1,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "sample_EventHubs_event.json",
            1,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "sample_KubeAuditLog_event.json",
            1,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "sample_event.json",
            1,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "test-audit.log",
            1,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "test-audit.log",
            2,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "test-audit.log",
            5,
        ),
        (
            "unusual-decision-by-user-agent-pre-2026-02",
            "test-kube-audit.log",
            1,
        ),
        ("user-exec-into-pod", "exec_pod.json", 1),
        ("user-exec-into-pod-pre-2026-02", "exec_pod.json", 1),
    ]
    .into_iter()
    .map(|(r, f, l)| (r.to_owned(), f.to_owned(), l))
    .collect();
    let archived = fx
        .run(&["hunt", "archive", "--format", "ndjson", "--fail-on-alerts"])
        .expect_code(1)
        .rows();
    assert_eq!(pack(&archived), want);
    let mut args = vec!["hunt"];
    args.extend_from_slice(&inputs);
    args.extend_from_slice(&["--format", "ndjson"]);
    assert_eq!(pack(&fx.run(&args).ok().rows()), want);
    let stats = fx.run(&["stats", "archive", "--format", "csv"]).ok();
    assert_eq!(stats.stdout.lines().count(), 1, "{}", stats.stdout);
    Ok(())
}

/// A second convert into an archive that another is writing refuses, naming the lock, and leaves
/// the other's temporary files alone; once the lock is released it runs.
#[test]
fn a_second_writer_refuses_instead_of_clearing_the_firsts_files() -> TestResult {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "arch", &[]);
    // Stand in for a running convert: hold the lock and own a file under _tmp/.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(fx.path("arch/_lock"))?;
    lock.lock()?;
    let theirs = fx.write("arch/_tmp/input-1/part.parquet.tmp", b"in progress");
    fx.copy("bad.log", "bad.log");
    let r = fx
        .run(&["convert", "bad.log", "--out", "arch"])
        .expect_code(2);
    assert!(
        r.stderr.contains("another convert is writing to arch"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("_lock"), "{}", r.stderr);
    assert_eq!(std::fs::read(&theirs)?, b"in progress");
    lock.unlock()?;
    drop(lock);
    let r = fx.convert(&["bad.log"], "arch", &[]);
    assert!(r.stderr.contains("converted 1 input(s)"), "{}", r.stderr);
    Ok(())
}
