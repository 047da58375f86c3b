//! `hunt`: archive and raw logs give the same alerts, exactly the expected matches in every
//! wrapper shape, standard input, `--from`/`--to`/`--cluster`, output files and formats,
//! `--fail-on-alerts`, bad lines in raw input, and byte-for-byte determinism.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use crate::harness::{
    BAD_LINES, BAD_LOG_MATCH, DENIAL_MATCHES, DENIAL_NEIGHBOURS, Fx, MIX_FILES, RULE, Row,
    SHAPE_MATCHES, SHAPE_NEIGHBOURS, TestResult, by_id, ids, ndjson, num, opt_s, read_fixture, s,
    set, strings,
};

/// The columns of an alert, in order (`src/query/hunt.rs`).
const ALERT_COLUMNS: [&str; 32] = [
    "rule_id",
    "rule_name",
    "elastic_rule_id",
    "severity",
    "risk_score",
    "alert_id",
    "event_time",
    "audit_id",
    "stage",
    "user_name",
    "sa_namespace",
    "sa_name",
    "verb",
    "resource",
    "subresource",
    "namespace",
    "object_name",
    "api_group",
    "request_uri",
    "response_code",
    "response_message",
    "source_ips",
    "user_agent",
    "impersonated_user_name",
    "pod_name",
    "node_name",
    "authz_decision",
    "authz_reason",
    "source_file",
    "source_line",
    "cluster",
    "details",
];

// ------------------------------------------------------------------------------------------------
// archive and raw logs give the same alerts; exactly the expected matches

#[test]
fn hunting_the_archive_and_the_raw_logs_gives_the_same_alerts() {
    let fx = Fx::new();
    fx.denials_and_shapes();
    fx.convert(&["denials.jsonl", "shapes"], "archive", &[]);
    let from_archive = fx.hunt(&["archive"]);
    let from_raw = fx.hunt(&["denials.jsonl", "shapes"]);
    let mut want = set(&DENIAL_MATCHES);
    want.extend(SHAPE_MATCHES.iter().map(|(id, _)| (*id).to_owned()));
    assert_eq!(ids(&from_archive), want);
    assert_eq!(ids(&from_raw), want);
    assert_eq!(from_archive.len(), want.len(), "one alert per event");

    let normalise = |rows: &[Row]| -> Vec<Row> {
        let mut v: Vec<Row> = rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.remove("source_file");
                r
            })
            .collect();
        v.sort_by(|a, b| s(a, "alert_id").cmp(s(b, "alert_id")));
        v
    };
    let (a, r) = (normalise(&from_archive), normalise(&from_raw));
    for (x, y) in a.iter().zip(&r) {
        assert_eq!(x, y, "archive vs raw alert differs");
    }
    assert_eq!(a.len(), r.len());
    // The paths were given the same way, so source_file agrees too.
    let files = |rows: &[Row]| -> BTreeMap<String, String> {
        rows.iter()
            .map(|r| (s(r, "alert_id").to_owned(), s(r, "source_file").to_owned()))
            .collect()
    };
    assert_eq!(files(&from_archive), files(&from_raw));

    // Alert ids: 32 hex digits, unique.
    let alert_ids: BTreeSet<&str> = from_archive.iter().map(|r| s(r, "alert_id")).collect();
    assert_eq!(alert_ids.len(), from_archive.len());
    for id in &alert_ids {
        assert!(
            id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
    }

    // The columns, in order.
    for row in &from_archive {
        let cols: Vec<&str> = row.keys().map(String::as_str).collect();
        let mut want_cols = ALERT_COLUMNS.to_vec();
        let mut got_sorted = cols.clone();
        want_cols.sort_unstable();
        got_sorted.sort_unstable();
        assert_eq!(got_sorted, want_cols);
    }
    let header = fx
        .run(&["hunt", "archive", "--format", "csv", "--limit", "1"])
        .ok()
        .stdout;
    assert_eq!(
        header.lines().next(),
        Some(ALERT_COLUMNS.join(",").as_str())
    );

    // Field values of a few alerts.
    let m = by_id(&from_raw);
    let plain = &m["sa-deny-plain"];
    assert_eq!(s(plain, "rule_id"), RULE);
    assert_eq!(
        s(plain, "elastic_rule_id"),
        "63c056a0-339a-11ed-a261-0242ac120002"
    );
    assert_eq!(
        s(plain, "rule_name"),
        "Kubernetes Denied Service Account Request"
    );
    assert_eq!(s(plain, "severity"), "medium");
    assert_eq!(num(plain, "risk_score"), 47);
    assert_eq!(
        s(plain, "user_name"),
        "system:serviceaccount:team-a:builder"
    );
    assert_eq!(s(plain, "sa_namespace"), "team-a");
    assert_eq!(s(plain, "sa_name"), "builder");
    assert_eq!(s(plain, "verb"), "list");
    assert_eq!(s(plain, "resource"), "secrets");
    assert_eq!(s(plain, "namespace"), "team-a");
    assert_eq!(num(plain, "response_code"), 403);
    assert_eq!(s(plain, "authz_decision"), "forbid");
    assert_eq!(s(plain, "stage"), "ResponseComplete");
    assert_eq!(strings(plain.get("source_ips")), ["10.0.1.15"]);
    assert_eq!(s(plain, "source_file"), "denials.jsonl");
    assert_eq!(num(plain, "source_line"), 1);
    assert_eq!(s(plain, "cluster"), "default");
    assert!(s(plain, "response_message").contains("cannot list resource"));
    assert_eq!(opt_s(plain, "pod_name"), None);

    let exec = &m["sa-deny-exec"];
    assert_eq!(
        (s(exec, "resource"), s(exec, "subresource")),
        ("pods", "exec")
    );
    assert_eq!(s(exec, "object_name"), "web-0");

    let metrics = &m["sa-deny-metrics"];
    assert_eq!(opt_s(metrics, "resource"), None);
    assert_eq!(opt_s(metrics, "namespace"), None);
    assert_eq!(s(metrics, "request_uri"), "/metrics?timeout=32s");
    assert_eq!(
        (s(metrics, "sa_namespace"), s(metrics, "sa_name")),
        ("monitoring", "scraper")
    );

    let bound = &m["sa-deny-pod-bound"];
    assert_eq!(s(bound, "pod_name"), "frontend-7d9c5b-x2k4q");
    assert_eq!(s(bound, "node_name"), "ip-10-0-3-7.ec2.internal");
    assert_eq!(
        (s(bound, "sa_namespace"), s(bound, "sa_name")),
        ("web", "frontend")
    );

    let imp = &m["sa-deny-impersonating"];
    assert_eq!(s(imp, "user_name"), "system:serviceaccount:ci:deployer");
    assert_eq!(s(imp, "impersonated_user_name"), "alice@example.com");
    assert_eq!(s(imp, "api_group"), "apps");

    // Ordered by event time.
    let times: Vec<&str> = from_archive.iter().map(|r| s(r, "event_time")).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted);
}

#[test]
fn only_the_real_matches_of_denials_jsonl_alert() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    let alerts = fx.hunt(&["denials.jsonl"]);
    assert_eq!(ids(&alerts), set(&DENIAL_MATCHES));
    for n in DENIAL_NEIGHBOURS {
        assert!(!ids(&alerts).contains(n), "{n} must not match");
    }
    // The neighbours are in the data (so they were looked at, not lost).
    let all = fx.sql("denials.jsonl", "SELECT audit_id FROM audit");
    let mut every = set(&DENIAL_MATCHES);
    every.extend(set(&DENIAL_NEIGHBOURS));
    assert_eq!(ids(&all), every);
    // Ad-hoc SQL with the rule's condition agrees with the rule.
    let q = fx.sql(
        "denials.jsonl",
        "SELECT audit_id FROM audit WHERE starts_with(user_name, 'system:serviceaccount:') \
         AND authz_decision = 'forbid'",
    );
    assert_eq!(ids(&q), set(&DENIAL_MATCHES));
}

// ------------------------------------------------------------------------------------------------
// every wrapper shape

#[test]
fn every_shape_yields_its_denials_with_the_wrapper_cluster() {
    let fx = Fx::new();
    fx.denials_and_shapes();
    let alerts = fx.hunt(&["shapes"]);
    let got: BTreeMap<String, String> = alerts
        .iter()
        .map(|r| (s(r, "audit_id").to_owned(), s(r, "cluster").to_owned()))
        .collect();
    let want: BTreeMap<String, String> = SHAPE_MATCHES
        .iter()
        .map(|(id, c)| ((*id).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(got, want);

    // Every event of every shape was read, matches and neighbours alike, with its format tag.
    let all = fx.sql(
        "shapes",
        "SELECT audit_id, source_format, \"cluster\" FROM audit ORDER BY audit_id",
    );
    let mut every: BTreeSet<String> = want.keys().cloned().collect();
    every.extend(
        SHAPE_NEIGHBOURS
            .iter()
            .filter(|n| !n.starts_with("bad-"))
            .map(|n| (*n).to_owned()),
    );
    assert_eq!(ids(&all), every);
    for r in &all {
        let id = s(r, "audit_id");
        let want_format = match id.split('-').next().unwrap_or_default() {
            "ecs" => "ecs",
            "aks" => "aks",
            "eks" => "eks",
            "gke" => "gke",
            _ => "raw",
        };
        assert_eq!(s(r, "source_format"), want_format, "{id}");
    }

    // GKE fields are mapped from the LogEntry.
    let m = by_id(&alerts);
    let gke = &m["gke-sa-deny-granted-false"];
    assert_eq!(s(gke, "user_name"), "system:serviceaccount:team-b:reporter");
    assert_eq!(
        (s(gke, "sa_namespace"), s(gke, "sa_name")),
        ("team-b", "reporter")
    );
    assert_eq!(s(gke, "verb"), "create");
    assert_eq!(
        (
            s(gke, "resource"),
            s(gke, "subresource"),
            s(gke, "object_name")
        ),
        ("pods", "exec", "reporter-0")
    );
    assert_eq!(s(gke, "namespace"), "team-b");
    assert_eq!(num(gke, "response_code"), 403);
    assert_eq!(s(gke, "authz_decision"), "forbid");
    assert_eq!(strings(gke.get("source_ips")), ["10.8.0.12"]);
    assert_eq!(s(gke, "user_agent"), "reporter/0.9.1");
    let label = &m["gke-sa-deny-label"];
    assert_eq!(
        (s(label, "verb"), s(label, "resource")),
        ("list", "secrets")
    );
    // The AKS record's pod identity survives the string escaping.
    assert_eq!(
        s(&m["aks-sa-deny-pod-bound"], "pod_name"),
        "frontend-7d9c5b-x2k4q"
    );

    // --cluster on convert overrides every wrapper's name.
    fx.convert(&["shapes"], "forced", &["--cluster", "Prod EU/1"]);
    let clusters = fx.sql("forced", "SELECT DISTINCT cluster FROM audit");
    let got: Vec<&str> = clusters.iter().map(|r| s(r, "cluster")).collect();
    assert_eq!(got, ["Prod_EU_1"], "made path-safe");
}

#[test]
fn standard_input_is_read_like_a_file() {
    let fx = Fx::new();
    let input = read_fixture("denials.jsonl");
    let run = fx
        .run_with_stdin(
            &["hunt", "-", "--rule", RULE, "--format", "ndjson"],
            Some(&input),
        )
        .ok();
    let alerts = run.rows();
    assert_eq!(ids(&alerts), set(&DENIAL_MATCHES));
    assert!(alerts.iter().all(|r| s(r, "source_file") == "-"));

    let gz = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&input).unwrap_or_else(|e| panic!("{e}"));
        enc.finish().unwrap_or_else(|e| panic!("{e}"))
    };
    fx.run_with_stdin(&["convert", "-", "--out", "archive"], Some(&gz))
        .ok();
    assert_eq!(
        fx.sql_csv("archive", "SELECT count(*) AS n FROM audit"),
        ["16"]
    );
}

// ------------------------------------------------------------------------------------------------
// scope: --from/--to and --cluster

#[test]
fn from_to_and_cluster_narrow_the_results() {
    let fx = Fx::new();
    let mix = fx.mix();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "archive", &[]);
    fx.convert(&[mix], "mixed", &[]);

    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["--from", "2026-01-06"],
            &["sa-deny-pod-bound", "sa-deny-impersonating"],
        ),
        (
            &["--to", "2026-01-05"],
            &[
                "sa-deny-plain",
                "sa-deny-plain-2",
                "sa-deny-exec",
                "sa-deny-metrics",
                "sa-deny-offset",
                "sa-deny-nanos",
            ],
        ),
        (
            &[
                "--from",
                "2026-01-05T08:01:00Z",
                "--to",
                "2026-01-05T09:00:00Z",
            ],
            &["sa-deny-plain-2", "sa-deny-exec"],
        ),
        // --from is inclusive, --to exclusive, to the microsecond, offsets understood
        (
            &[
                "--from",
                "2026-01-05T22:30:00.25Z",
                "--to",
                "2026-01-06T00:30:00.250001+02:00",
            ],
            &["sa-deny-offset"],
        ),
        (
            &[
                "--from",
                "2026-01-05T22:00:00Z",
                "--to",
                "2026-01-06T00:30:00.25+02:00",
            ],
            &[],
        ),
        (&["--from", "2030-01-01"], &[]),
    ];
    for (scope, want) in cases {
        for data in ["archive", "denials.jsonl"] {
            let mut args = vec![data];
            args.extend_from_slice(scope);
            assert_eq!(ids(&fx.hunt(&args)), set(want), "{data} {scope:?}");
        }
    }
    let bad = fx
        .run(&["hunt", "archive", "--from", "last tuesday"])
        .expect_code(2);
    assert!(bad.stderr.contains("last tuesday"), "{}", bad.stderr);

    // --cluster
    let eks = fx.hunt(&["mixed", "--cluster", "eks-prod"]);
    assert_eq!(ids(&eks), set(&["eks-cw-sa-deny", "eks-sub-sa-deny-exec"]));
    let two = fx.hunt(&["mixed", "--cluster", "aks-prod", "--cluster", "gke-prod-1"]);
    assert_eq!(
        ids(&two),
        set(&[
            "aks-sa-deny-metrics",
            "aks-sa-deny-pod-bound",
            "aks-admin-sa-deny",
            "gke-sa-deny-label",
            "gke-sa-deny-granted-false"
        ])
    );
    assert!(fx.hunt(&["mixed", "--cluster", "nope"]).is_empty());
    let raw_eks = fx.hunt(&["mix/shapes", "--cluster", "eks-prod"]);
    assert_eq!(ids(&raw_eks), ids(&eks));
    // Both limits at once.
    let both = fx.hunt(&[
        "mixed",
        "--cluster",
        "default",
        "--from",
        "2026-01-06",
        "--to",
        "2026-01-06",
    ]);
    assert_eq!(
        ids(&both),
        set(&["sa-deny-pod-bound", "sa-deny-impersonating"])
    );
    // sql sees the same slice.
    let n = fx.sql_csv("mixed", "SELECT count(*) AS n FROM audit");
    let good: u64 = MIX_FILES.iter().map(|f| f.1).sum();
    assert_eq!(n, [good.to_string()]);
    let run = fx
        .run(&[
            "sql",
            "mixed",
            "--cluster",
            "gke-prod-1",
            "-e",
            "SELECT count(*) AS n FROM audit",
            "--format",
            "csv",
        ])
        .ok();
    assert_eq!(run.stdout.lines().nth(1), Some("4"));
}

// ------------------------------------------------------------------------------------------------
// output files, formats, --fail-on-alerts

#[test]
fn output_files_formats_and_fail_on_alerts() -> TestResult {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "archive", &[]);

    fx.run(&[
        "hunt",
        "archive",
        "--rule",
        RULE,
        "--format",
        "ndjson",
        "-o",
        "alerts.ndjson",
    ])
    .ok();
    let first = fx.read("alerts.ndjson");
    assert_eq!(ndjson(&String::from_utf8(first.clone())?).len(), 8);

    // No silent overwrite.
    fx.write("keep.txt", b"precious\n");
    let refused = fx
        .run(&[
            "hunt", "archive", "--rule", RULE, "--format", "ndjson", "-o", "keep.txt",
        ])
        .expect_code(2);
    assert!(refused.stderr.contains("keep.txt"), "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(fx.read("keep.txt"), b"precious\n");
    fx.run(&[
        "hunt", "archive", "--rule", RULE, "--format", "ndjson", "-o", "keep.txt", "--force",
    ])
    .ok();
    assert_eq!(fx.read("keep.txt"), first);

    // -o without --format writes NDJSON.
    fx.run(&["hunt", "archive", "--rule", RULE, "-o", "default.out"])
        .ok();
    assert_eq!(fx.read("default.out"), first);

    // Parquet.
    fx.run(&[
        "hunt",
        "archive",
        "--rule",
        RULE,
        "--format",
        "parquet",
        "-o",
        "alerts.parquet",
    ])
    .ok();
    let pq = fx.read("alerts.parquet");
    assert!(pq.len() > 8 && pq.starts_with(b"PAR1") && pq.ends_with(b"PAR1"));

    // CSV and table.
    let csv = fx
        .run(&["hunt", "archive", "--rule", RULE, "--format", "csv"])
        .ok()
        .stdout;
    assert_eq!(csv.lines().count(), 9, "{csv}");
    let table = fx
        .run(&["hunt", "archive", "--rule", RULE, "--format", "table"])
        .ok()
        .stdout;
    assert!(table.contains("sa-deny") || table.contains("system:serviceaccount:team-a:builder"));
    assert!(table.contains("event_time"), "{table}");

    // --limit
    assert_eq!(fx.hunt(&["archive", "--limit", "3"]).len(), 3);

    // --fail-on-alerts: 1 with alerts (output still written), 0 without.
    let alerting = fx
        .run(&[
            "hunt",
            "archive",
            "--rule",
            RULE,
            "--format",
            "ndjson",
            "--fail-on-alerts",
        ])
        .expect_code(1);
    assert_eq!(alerting.rows().len(), 8);
    let quiet = fx
        .run(&[
            "hunt",
            "archive",
            "--rule",
            RULE,
            "--format",
            "ndjson",
            "--fail-on-alerts",
            "--from",
            "2030-01-01",
        ])
        .ok();
    assert!(quiet.stdout.trim().is_empty(), "{}", quiet.stdout);
    assert!(quiet.stderr.contains("0 alert"), "{}", quiet.stderr);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// raw hunt with bad lines

#[test]
fn raw_hunt_skips_bad_lines_reports_them_and_records_them() {
    let fx = Fx::new();
    fx.copy("bad.log", "bad.log");
    let run = fx
        .run(&[
            "hunt",
            "bad.log",
            "--rule",
            RULE,
            "--format",
            "ndjson",
            "--rejects",
            "rejects.ndjson",
        ])
        .ok();
    assert_eq!(ids(&run.rows()), set(&[BAD_LOG_MATCH]));
    assert!(run.stderr.contains("5 lines rejected"), "{}", run.stderr);
    for (line, _) in BAD_LINES {
        assert!(
            run.stderr.contains(&format!("rejected bad.log:{line}:")),
            "line {line} not reported:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("rejects.ndjson"), "{}", run.stderr);
    let rejects = ndjson(&String::from_utf8_lossy(&fx.read("rejects.ndjson")));
    let got: Vec<i64> = rejects.iter().map(|r| num(r, "line")).collect();
    let want: Vec<i64> = BAD_LINES
        .iter()
        .map(|(l, _)| i64::try_from(*l).unwrap_or(0))
        .collect();
    assert_eq!(got, want);
    for (r, (line, reason)) in rejects.iter().zip(BAD_LINES) {
        assert_eq!(s(r, "file"), "bad.log");
        assert!(s(r, "reason").contains(reason), "line {line}: {r:?}");
        assert!(r.contains_key("excerpt"));
    }

    // Without --rejects the summary says how to get them.
    let plain = fx
        .run(&["hunt", "bad.log", "--rule", RULE, "--format", "ndjson"])
        .ok();
    assert!(plain.stderr.contains("--rejects"), "{}", plain.stderr);

    // sql reads every line (no rule prefilter): all good events, same rejects.
    let all = fx.run(&[
        "sql",
        "bad.log",
        "-e",
        "SELECT audit_id FROM audit ORDER BY audit_id",
        "--format",
        "ndjson",
    ]);
    let all = all.ok();
    assert_eq!(
        ids(&all.rows()),
        set(&["bad-good-allow", BAD_LOG_MATCH, "bad-good-plural"])
    );
    assert!(all.stderr.contains("5 lines rejected"), "{}", all.stderr);
}

// ------------------------------------------------------------------------------------------------
// determinism

#[test]
fn the_same_hunt_twice_gives_the_same_bytes() {
    let fx = Fx::new();
    let mix = fx.mix();
    fx.convert(&[mix], "archive", &[]);
    for args in [
        vec!["hunt", "archive", "--format", "ndjson"],
        vec!["hunt", "archive", "--format", "csv"],
        vec!["hunt", mix, "--format", "ndjson"],
        vec!["stats", "archive", "--format", "ndjson"],
        vec!["stats", mix, "--by", "source-ip,day", "--format", "csv"],
    ] {
        let a = fx.run(&args).ok().stdout;
        let b = fx.run(&args).ok().stdout;
        assert!(!a.is_empty(), "{args:?}");
        assert_eq!(a, b, "{args:?} differs between runs");
    }
    // One thread or several: the same output.
    let many = fx.run(&["hunt", mix, "--format", "ndjson"]).ok().stdout;
    let one = fx
        .run(&["hunt", mix, "--format", "ndjson", "--threads", "1"])
        .ok()
        .stdout;
    assert_eq!(many, one);

    // Converting the same inputs into a second archive stores the same rows.
    fx.convert(&[mix], "archive2", &["--threads", "1"]);
    let q = "SELECT * FROM audit ORDER BY audit_id";
    let a = fx
        .run(&["sql", "archive", "-e", q, "--format", "ndjson"])
        .ok()
        .stdout;
    let b = fx
        .run(&["sql", "archive2", "-e", q, "--format", "ndjson"])
        .ok()
        .stdout;
    assert_eq!(a, b);
}
