//! `replay`: the schedule at its edges (an event at exactly `t - from`, at `t`, in the overlap),
//! a burst over the cap, agreement with the plain-Python reference (`tests/replay_reference.py`)
//! on hand-made edges, on the shipped sample and on a generated month, byte-for-byte
//! determinism, the ingest time of ECS input, and the Kibana alert documents of `--format ecs`
//! (replay and hunt) checked field by field against `tests/fixtures/ecs-alert-fields.txt`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::harness::{Fx, RULE, Row, copy_sample, ndjson, num, read_fixture, s};

const MIN: i64 = 60_000_000;

/// A matching event of the seed rule (`sa-deny-plain` of `denials.jsonl`) with another id and
/// time.
fn denial(id: &str, time: &str) -> String {
    let base = String::from_utf8(read_fixture("denials.jsonl")).unwrap_or_default();
    let line = base.lines().next().unwrap_or_default();
    let mut v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
    v["auditID"] = json!(id);
    v["stageTimestamp"] = json!(time);
    v["requestReceivedTimestamp"] = json!(time);
    v.to_string()
}

/// `2026-01-05T00:MM:SS.ffffffZ` from microseconds after 2026-01-05T00:00:00Z.
fn at(us: i64) -> String {
    let (secs, frac) = (us / 1_000_000, us % 1_000_000);
    format!(
        "2026-01-05T{:02}:{:02}:{:02}.{frac:06}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Runs `replay ARGS --format ndjson --summary summary.json`: the executions and the summary.
fn replay(fx: &Fx, args: &[&str]) -> (Vec<Row>, Value) {
    let mut a = vec!["replay"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--format", "ndjson", "--summary", "summary.json", "--force"]);
    let run = fx.run(&a).ok();
    let summary: Value = serde_json::from_slice(&fx.read("summary.json"))
        .unwrap_or_else(|e| panic!("summary.json: {e}"));
    (run.rows(), summary)
}

/// The reference's answer for the matches `hunt` finds in `input` under a schedule.
fn reference(fx: &Fx, input: &str, schedule: (i64, i64, u64), start: Option<&str>) -> Value {
    let alerts = fx.hunt(&[input]);
    let events: Vec<Value> = alerts
        .iter()
        .map(|r| json!([s(r, "event_time"), s(r, "alert_id")]))
        .collect();
    let args = json!({
        "interval": schedule.0, "lookback": schedule.1, "max_signals": schedule.2,
        "start": start, "events": events,
    });
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay_reference.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "python3 {}: {e} (the reference needs python3)",
                script.display()
            )
        });
    child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("no stdin"))
        .write_all(args.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "the reference failed");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("reference output: {e}"))
}

/// Replays `input` and checks executions, summary and raised alerts against the reference.
fn agrees_with_reference(
    fx: &Fx,
    input: &str,
    schedule: (i64, i64, u64),
    start: Option<&str>,
) -> Value {
    let (interval, lookback, cap) = (
        format!("{}s", schedule.0 / 1_000_000),
        format!("{}s", schedule.1 / 1_000_000),
        schedule.2.to_string(),
    );
    let mut args = vec![
        input,
        "--rule",
        RULE,
        "--interval",
        &interval,
        "--lookback",
        &lookback,
        "--max-signals",
        &cap,
        "--timestamp",
        "event-time",
    ];
    if let Some(t) = start {
        args.extend_from_slice(&["--start", t]);
    }
    let (executions, summary) = replay(fx, &args);
    let want = reference(fx, input, schedule, start);
    let got: Vec<Value> = executions.into_iter().map(Value::Object).collect();
    assert_eq!(
        Value::Array(got),
        want["executions"],
        "executions differ from the reference"
    );
    for (k, v) in want["summary"].as_object().unwrap_or_else(|| panic!()) {
        assert_eq!(&summary[k], v, "summary {k} differs from the reference");
    }
    // The alerts raised, in order: (execution time, alert id).
    let mut a = args.clone();
    a.insert(0, "replay");
    a.extend_from_slice(&["--format", "ecs"]);
    let docs = fx.run(&a).ok().rows();
    let got: Vec<Value> = docs
        .iter()
        .map(|d| json!([d["@timestamp"], d["audithound"]["alert_id"]]))
        .collect();
    assert_eq!(Value::Array(got), want["alerts"], "raised alerts differ");
    summary
}

/// Each alert document's `@timestamp` and audit id, in output order.
fn time_and_audit_id(docs: &[Row]) -> Vec<(&str, &str)> {
    docs.iter()
        .map(|d| {
            (
                d["@timestamp"].as_str().unwrap_or_default(),
                d["kubernetes"]["audit"]["auditID"]
                    .as_str()
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn by_time(rows: &[Row]) -> BTreeMap<String, (i64, i64, i64, i64)> {
    rows.iter()
        .map(|r| {
            (
                s(r, "time").to_owned(),
                (
                    num(r, "hits"),
                    num(r, "raised"),
                    num(r, "dropped"),
                    num(r, "duplicates"),
                ),
            )
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------

#[test]
fn window_edges_and_the_overlap() {
    let fx = Fx::new();
    // Executions at 00:00, 00:05, 00:10, 00:15, 00:20 (start 00:00), windows [t - 6m, t).
    let t = 10 * MIN;
    let lines = [
        denial("at-window-start", &at(t - 6 * MIN)), // 00:04: in 00:05's and 00:10's windows
        denial("in-overlap", &at(t - 30_000_000)),   // 00:09:30: in 00:10's and 00:15's
        denial("just-before-t", &at(t - 1)),         // first seen at 00:10
        denial("at-t", &at(t)),                      // not at 00:10 (end excluded): at 00:15
    ];
    fx.write("edges.jsonl", (lines.join("\n") + "\n").as_bytes());
    let (rows, summary) = replay(&fx, &["edges.jsonl", "--start", "2026-01-05T00:00:00Z"]);
    let e = by_time(&rows);
    assert_eq!(e["2026-01-05T00:05:00.000000Z"], (1, 1, 0, 0));
    assert_eq!(e["2026-01-05T00:10:00.000000Z"], (3, 2, 0, 1));
    assert_eq!(e["2026-01-05T00:15:00.000000Z"], (3, 1, 0, 2));
    assert_eq!(e.len(), 3);
    assert_eq!(summary["alerts_raised"], 4);
    assert_eq!(summary["duplicates_suppressed"], 3);
    assert_eq!(summary["executions"], 4, "00:00 to 00:15");
    // Which execution raised which event.
    let docs = fx
        .run(&[
            "replay",
            "edges.jsonl",
            "--start",
            "2026-01-05T00:00:00Z",
            "--format",
            "ecs",
        ])
        .ok()
        .rows();
    let raised = time_and_audit_id(&docs);
    assert_eq!(
        raised,
        [
            ("2026-01-05T00:05:00.000000Z", "at-window-start"),
            ("2026-01-05T00:10:00.000000Z", "in-overlap"),
            ("2026-01-05T00:10:00.000000Z", "just-before-t"),
            ("2026-01-05T00:15:00.000000Z", "at-t"),
        ]
    );
    agrees_with_reference(
        &fx,
        "edges.jsonl",
        (5 * MIN, 6 * MIN, 100),
        Some("2026-01-05T00:00:00Z"),
    );
    // Another alignment and a look-back shorter than the interval (gaps).
    agrees_with_reference(
        &fx,
        "edges.jsonl",
        (5 * MIN, 4 * MIN, 100),
        Some("2026-01-05T00:01:00Z"),
    );
    agrees_with_reference(&fx, "edges.jsonl", (5 * MIN, 6 * MIN, 1), None);
}

#[test]
fn a_burst_over_the_cap() {
    let fx = Fx::new();
    // 250 matches over [00:05, 00:10): 00:10 raises the first 100 and drops 150; the 50 in
    // [00:09, 00:10) are in 00:15's overlap and raised there.
    let lines: Vec<String> = (0..250)
        .map(|i| denial(&format!("burst-{i:03}"), &at(5 * MIN + i * 1_200_000)))
        .collect();
    fx.write("burst.jsonl", (lines.join("\n") + "\n").as_bytes());
    let (rows, summary) = replay(&fx, &["burst.jsonl"]);
    let e = by_time(&rows);
    assert_eq!(e["2026-01-05T00:10:00.000000Z"], (250, 100, 150, 0));
    assert_eq!(e["2026-01-05T00:15:00.000000Z"], (50, 50, 0, 0));
    assert_eq!(summary["alerts_raised"], 150);
    assert_eq!(summary["matching_events"], 250);
    assert_eq!(summary["dropped_by_cap"], 150);
    assert_eq!(summary["events_never_alerted_because_of_cap"], 100);
    assert_eq!(summary["executions_capped"], 1);
    assert_eq!(summary["busiest"][0]["time"], "2026-01-05T00:10:00.000000Z");
    assert_eq!(
        summary["per_day"],
        json!([{"date": "2026-01-05", "matching_events": 250, "alerts_raised": 150}])
    );
    let docs = fx
        .run(&["replay", "burst.jsonl", "--format", "ecs"])
        .ok()
        .rows();
    let ids: Vec<&str> = docs
        .iter()
        .map(|d| {
            d["kubernetes"]["audit"]["auditID"]
                .as_str()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(ids.len(), 150);
    assert_eq!(
        (ids[0], ids[99], ids[100], ids[149]),
        ("burst-000", "burst-099", "burst-200", "burst-249")
    );
    // The cap from the command line, and the reference on the burst.
    let (rows, _) = replay(&fx, &["burst.jsonl", "--max-signals", "250"]);
    assert_eq!(
        by_time(&rows)["2026-01-05T00:10:00.000000Z"],
        (250, 250, 0, 0)
    );
    agrees_with_reference(&fx, "burst.jsonl", (5 * MIN, 6 * MIN, 100), None);
    agrees_with_reference(&fx, "burst.jsonl", (5 * MIN, 6 * MIN, 30), None);
    agrees_with_reference(&fx, "burst.jsonl", (60_000_000, 150_000_000, 20), None);
}

#[test]
fn the_shipped_sample_agrees_with_the_reference_raw_and_archived() {
    let fx = Fx::new();
    copy_sample(&fx, "sample");
    fx.convert(&["sample"], "archive", &[]);
    let elastic = (5 * MIN, 6 * MIN, 100);
    let s_raw = agrees_with_reference(&fx, "sample", elastic, None);
    let s_archive = agrees_with_reference(&fx, "archive", elastic, None);
    assert_eq!(s_raw, s_archive);
    assert!(s_raw["alerts_raised"].as_u64().unwrap_or_default() > 100);
    // A tight cap and a long look-back, so caps and overlaps happen on real data.
    agrees_with_reference(&fx, "archive", (5 * MIN, 15 * MIN, 3), None);
    // The default run prints executions and the summary.
    let run = fx.run(&["replay", "archive", "--format", "table"]).ok();
    assert!(run.stdout.contains("| execution |"), "{}", run.stdout);
    assert!(
        run.stderr.contains("executions from 2026-01-05T"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("alerts raised"), "{}", run.stderr);
}

#[test]
fn a_generated_month_agrees_with_the_reference() {
    let fx = Fx::new();
    fx.run(&[
        "generate",
        "--events",
        "30000",
        "--days",
        "30",
        "--seed",
        "11",
        "--deny-rate",
        "0.05",
        "-o",
        "month.jsonl",
    ])
    .ok();
    fx.convert(&["month.jsonl"], "archive", &[]);
    let summary = agrees_with_reference(&fx, "archive", (5 * MIN, 6 * MIN, 100), None);
    assert!(
        summary["executions"].as_u64().unwrap_or_default() > 8000,
        "{summary}"
    );
    assert_eq!(summary["per_day"].as_array().map(Vec::len), Some(30));
    // A cap of 5: bursts are cut, the overlap catches some up.
    let capped = agrees_with_reference(&fx, "archive", (5 * MIN, 6 * MIN, 5), None);
    assert!(
        capped["executions_capped"].as_u64().unwrap_or_default() > 10,
        "{capped}"
    );
    assert!(
        capped["events_never_alerted_because_of_cap"]
            .as_u64()
            .unwrap_or_default()
            > 0
    );
    // Gaps (a look-back shorter than the interval) and matches before --start.
    let gaps = agrees_with_reference(
        &fx,
        "archive",
        (10 * MIN, 4 * MIN, 5),
        Some("2026-01-10T00:02:00Z"),
    );
    assert!(
        gaps["events_never_searched"].as_u64().unwrap_or_default() > 0,
        "{gaps}"
    );
}

#[test]
fn the_same_replay_gives_the_same_bytes() {
    let fx = Fx::new();
    copy_sample(&fx, "sample");
    for format in ["ndjson", "csv", "ecs"] {
        let once = fx
            .run(&["replay", "sample", "--format", format, "--all-executions"])
            .ok()
            .stdout;
        let twice = fx
            .run(&["replay", "sample", "--format", format, "--all-executions"])
            .ok()
            .stdout;
        assert!(!once.is_empty());
        assert_eq!(once, twice, "--format {format}");
    }
    fx.run(&["replay", "sample", "--format", "parquet", "-o", "a.parquet"])
        .ok();
    fx.run(&["replay", "sample", "--format", "parquet", "-o", "b.parquet"])
        .ok();
    assert_eq!(fx.read("a.parquet"), fx.read("b.parquet"));
    // Output files are not overwritten without --force.
    let again = fx.run(&["replay", "sample", "-o", "a.parquet"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
}

#[test]
fn ecs_input_is_scheduled_on_its_ingest_time() {
    let fx = Fx::new();
    // Two ECS documents: events at 00:01, ingested at 00:07 and 00:03.
    let doc = |id: &str, ingested: &str| {
        let ev: Value = serde_json::from_str(&denial(id, "2026-01-05T00:01:00.000000Z"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut audit = ev.clone();
        audit["annotations"] = json!({"authorization_k8s_io/decision": "forbid"});
        json!({
            "@timestamp": "2026-01-05T00:01:30.000Z",
            "event": {"ingested": ingested, "dataset": "kubernetes.audit_logs"},
            "kubernetes": {"audit": audit},
            "orchestrator": {"cluster": {"name": "es-1"}},
        })
        .to_string()
    };
    let lines = [
        doc("late", "2026-01-05T00:07:00Z"),
        doc("early", "2026-01-05T00:03:00Z"),
    ];
    fx.write("ecs.ndjson", (lines.join("\n") + "\n").as_bytes());
    fx.convert(&["ecs.ndjson"], "archive", &[]);
    // The archive keeps the ingest time (schema 3).
    let rows = fx.sql(
        "archive",
        "SELECT audit_id, ingested_time FROM audit ORDER BY audit_id",
    );
    assert_eq!(s(&rows[0], "audit_id"), "early");
    assert_eq!(s(&rows[0], "ingested_time"), "2026-01-05T00:03:00.000000Z");
    for input in ["ecs.ndjson", "archive"] {
        let docs = fx.run(&["replay", input, "--format", "ecs"]).ok().rows();
        let raised = time_and_audit_id(&docs);
        assert_eq!(
            raised,
            [
                ("2026-01-05T00:05:00.000000Z", "early"),
                ("2026-01-05T00:10:00.000000Z", "late"),
            ],
            "{input}"
        );
        assert_eq!(docs[0]["event.ingested"], "2026-01-05T00:03:00.000000Z");
        assert_eq!(
            docs[0]["kibana.alert.original_event.ingested"],
            "2026-01-05T00:03:00.000000Z"
        );
        // On the event's own time both are seen at 00:05.
        let (rows, _) = replay(&fx, &[input, "--timestamp", "event-time"]);
        assert_eq!(by_time(&rows)["2026-01-05T00:05:00.000000Z"], (2, 2, 0, 0));
        // A pipeline lag moves them: 00:01 + 5m = 00:06, first seen at 00:10.
        let (rows, summary) = replay(
            &fx,
            &[input, "--timestamp", "event-time", "--ingest-delay", "5m"],
        );
        assert_eq!(by_time(&rows)["2026-01-05T00:10:00.000000Z"], (2, 2, 0, 0));
        assert_eq!(summary["ingest_delay_seconds"], 300);
    }
}

// ------------------------------------------------------------------------------------------------
// Kibana alert documents

/// Elastic's fields: field → (Elasticsearch type, JSON shape).
fn alert_fields() -> BTreeMap<String, (String, String)> {
    let text = String::from_utf8(read_fixture("ecs-alert-fields.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 4, "bad line in ecs-alert-fields.txt: {l:?}");
            (c[0].to_owned(), (c[1].to_owned(), c[2].to_owned()))
        })
        .collect()
}

fn shape_ok(shape: &str, v: &Value) -> bool {
    let rfc3339 =
        |s: &str| s.len() == 27 && s.ends_with('Z') && s.as_bytes().get(10) == Some(&b'T');
    match shape {
        "string" => v.is_string(),
        "date" => v.as_str().is_some_and(rfc3339),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "object" => v.is_object(),
        "array-string" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "array-object" => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        other => panic!("unknown shape {other}"),
    }
}

/// Every key of `doc` (nested objects walked until a listed field) is a listed field of the
/// right shape; returns the fields seen.
fn check_document(doc: &Row, fields: &BTreeMap<String, (String, String)>) -> BTreeSet<String> {
    fn walk(
        prefix: &str,
        v: &Value,
        fields: &BTreeMap<String, (String, String)>,
        seen: &mut BTreeSet<String>,
    ) {
        if let Some((_, shape)) = fields.get(prefix) {
            assert!(shape_ok(shape, v), "{prefix} is not {shape}: {v}");
            seen.insert(prefix.to_owned());
            return;
        }
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    walk(&format!("{prefix}.{k}"), v, fields, seen);
                }
            }
            _ => panic!(
                "{prefix} is not an Elastic alert field (tests/fixtures/ecs-alert-fields.txt)"
            ),
        }
    }
    let mut seen = BTreeSet::new();
    for (k, v) in doc {
        walk(k, v, fields, &mut seen);
    }
    seen
}

#[test]
fn ecs_documents_carry_the_kibana_fields() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.copy("shapes/ecs.ndjson", "ecs.ndjson");
    let fields = alert_fields();
    let docs = fx
        .run(&["replay", "denials.jsonl", "--format", "ecs", "--rule", RULE])
        .ok()
        .rows();
    assert_eq!(docs.len(), 8);
    let mut seen = BTreeSet::new();
    for d in &docs {
        seen.extend(check_document(d, &fields));
    }
    // With suppression, the kept alerts carry `kibana.alert.suppression.*`, of the listed shapes.
    let suppressed = fx
        .run(&[
            "replay",
            "denials.jsonl",
            "--format",
            "ecs",
            "--rule",
            RULE,
            "--suppress-by",
            "user.name,source.ip",
        ])
        .ok()
        .rows();
    for d in &suppressed {
        seen.extend(check_document(d, &fields));
    }
    // Every listed field appears, but those of ECS input only (event.ingested) and `details`.
    let missing: Vec<&String> = fields
        .keys()
        .filter(|f| !seen.contains(*f))
        .filter(|f| !f.ends_with(".ingested") && *f != "audithound.details")
        .collect();
    assert!(missing.is_empty(), "never written: {missing:?}");

    // One document, field by field.
    let d = docs
        .iter()
        .find(|d| d["kubernetes"]["audit"]["auditID"] == "sa-deny-plain")
        .unwrap_or_else(|| panic!("no sa-deny-plain"));
    let alert_id = d["audithound"]["alert_id"].as_str().unwrap_or_default();
    assert_eq!(alert_id.len(), 32);
    let uuid = blake3::hash(format!("audithound:{RULE}:{alert_id}").as_bytes())
        .to_hex()
        .to_string();
    assert_eq!(d["kibana.alert.uuid"], uuid.as_str());
    assert_eq!(d["event.kind"], "signal");
    assert_eq!(d["event.action"], "list");
    assert_eq!(d["event.outcome"], "failure");
    assert_eq!(d["event.dataset"], "kubernetes.audit_logs");
    assert_eq!(d["kibana.alert.original_event.action"], "list");
    assert_eq!(d["kibana.alert.original_event.kind"], "event");
    assert_eq!(d["user"]["name"], "system:serviceaccount:team-a:builder");
    assert_eq!(d["user"]["id"], "5b3f2a9e-1c1d-4d8e-9a57-73612d64656e");
    assert_eq!(d["source"]["ip"], json!(["10.0.1.15"]));
    assert_eq!(d["client"]["ip"], json!(["10.0.1.15"]));
    assert_eq!(
        d["user_agent"]["original"],
        "kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b"
    );
    assert_eq!(d["orchestrator"]["cluster"]["name"], "default");
    let audit = &d["kubernetes"]["audit"];
    assert_eq!(
        audit["annotations"]["authorization_k8s_io/decision"],
        "forbid"
    );
    assert_eq!(audit["user"]["groups"][0], "system:serviceaccounts");
    assert_eq!(audit["objectRef"]["resource"], "secrets");
    assert_eq!(audit["responseStatus"]["code"], 403);
    assert_eq!(audit["stageTimestamp"], "2026-01-05T08:00:00.123456Z");
    assert_eq!(
        audit["requestReceivedTimestamp"],
        "2026-01-05T08:00:00.120001Z"
    );
    assert_eq!(
        d["kibana.alert.original_time"],
        "2026-01-05T08:00:00.123456Z"
    );
    // Raised by the 08:05 execution (start: 08:00, the first match floored to 5 minutes).
    assert_eq!(d["@timestamp"], "2026-01-05T08:05:00.000000Z");
    assert_eq!(d["kibana.alert.start"], d["@timestamp"]);
    assert_eq!(
        d["kibana.alert.reason"],
        "event with source 10.0.1.15 by system:serviceaccount:team-a:builder created medium alert Kubernetes Denied Service Account Request."
    );
    assert_eq!(d["kibana.alert.severity"], "medium");
    assert_eq!(d["kibana.alert.risk_score"], 47);
    assert_eq!(d["kibana.alert.status"], "active");
    assert_eq!(d["kibana.alert.workflow_status"], "open");
    assert_eq!(d["kibana.alert.depth"], 1);
    assert_eq!(
        d["kibana.alert.ancestors"],
        json!([{"id": "sa-deny-plain", "type": "event", "index": "denials.jsonl", "depth": 0}])
    );
    assert_eq!(
        d["kibana.alert.rule.rule_id"],
        "63c056a0-339a-11ed-a261-0242ac120002"
    );
    assert_eq!(
        d["kibana.alert.rule.name"],
        "Kubernetes Denied Service Account Request"
    );
    assert_eq!(d["kibana.alert.rule.type"], "query");
    assert_eq!(d["kibana.alert.rule.severity"], "medium");
    assert_eq!(d["kibana.alert.rule.risk_score"], 47);
    assert_eq!(d["kibana.alert.rule.interval"], "5m");
    assert_eq!(d["kibana.alert.rule.from"], "now-6m");
    assert_eq!(d["kibana.alert.rule.to"], "now");
    assert_eq!(d["kibana.alert.rule.max_signals"], 100);
    assert_eq!(d["kibana.alert.rule.version"], 6);
    assert_eq!(d["kibana.alert.rule.category"], "Custom Query Rule");
    assert_eq!(d["kibana.alert.rule.rule_type_id"], "siem.queryRule");
    assert_eq!(d["kibana.alert.rule.consumer"], "siem");
    assert_eq!(d["kibana.alert.rule.producer"], "siem");
    assert_eq!(d["kibana.space_ids"], json!(["default"]));
    assert_eq!(
        d["kibana.alert.rule.threat"],
        json!([{
            "framework": "MITRE ATT&CK",
            "tactic": {"id": "TA0007", "name": "Discovery", "reference": "https://attack.mitre.org/tactics/TA0007/"},
            "technique": [{"id": "T1613", "name": "Container and Resource Discovery",
                           "reference": "https://attack.mitre.org/techniques/T1613/", "subtechnique": []}],
        }])
    );
    let rule_uuid = d["kibana.alert.rule.uuid"].as_str().unwrap_or_default();
    assert_eq!(rule_uuid.len(), 36);
    assert!(
        docs.iter()
            .all(|x| x["kibana.alert.rule.uuid"] == rule_uuid)
    );
    // One execution, one execution uuid; the 08:05 execution raised several.
    let at_0805: BTreeSet<&str> = docs
        .iter()
        .filter(|x| x["@timestamp"] == "2026-01-05T08:05:00.000000Z")
        .filter_map(|x| x["kibana.alert.rule.execution.uuid"].as_str())
        .collect();
    assert_eq!(at_0805.len(), 1);
    // The schedule a document names is the one replayed.
    let docs2 = fx
        .run(&[
            "replay",
            "denials.jsonl",
            "--format",
            "ecs",
            "--interval",
            "90s",
            "--lookback",
            "now-2m",
            "--max-signals",
            "7",
        ])
        .ok()
        .rows();
    assert_eq!(docs2[0]["kibana.alert.rule.interval"], "90s");
    assert_eq!(docs2[0]["kibana.alert.rule.from"], "now-2m");
    assert_eq!(docs2[0]["kibana.alert.rule.max_signals"], 7);

    // `hunt --format ecs`: the same documents, stamped with the event's time, no execution.
    let hunted = fx
        .run(&[
            "hunt",
            "denials.jsonl",
            "ecs.ndjson",
            "--rule",
            RULE,
            "--format",
            "ecs",
        ])
        .ok()
        .rows();
    assert_eq!(hunted.len(), 8 + 2);
    for h in &hunted {
        check_document(h, &fields);
        assert_eq!(h["@timestamp"], h["kibana.alert.original_time"]);
        assert!(h.get("kibana.alert.rule.execution.uuid").is_none());
    }
    let h = hunted
        .iter()
        .find(|h| h["kibana.alert.uuid"] == uuid.as_str())
        .unwrap_or_else(|| panic!("hunt and replay give the same kibana.alert.uuid"));
    assert_eq!(h["kubernetes"], d["kubernetes"]);
    let ecs_doc = hunted
        .iter()
        .find(|h| h["kubernetes"]["audit"]["auditID"] == "ecs-sa-deny")
        .unwrap_or_else(|| panic!("no ecs-sa-deny"));
    assert_eq!(ecs_doc["orchestrator"]["cluster"]["name"], "ecs-prod");
    // Several rules: ordered by event time, then rule. (Regression: the exec rules list the
    // schema-2 columns in their final SELECT, without `ingested_time`, and failed here.)
    let all = fx
        .run(&["hunt", "denials.jsonl", "--format", "ecs"])
        .ok()
        .rows();
    let order: Vec<(String, String)> = all
        .iter()
        .map(|h| {
            (
                h["kibana.alert.original_time"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                h["audithound"]["rule_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert!(all.len() > 8);
    for h in &all {
        check_document(h, &fields);
    }
    // Not for stats or sql.
    let bad = fx.run(&["stats", "denials.jsonl", "--format", "ecs"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("hunt and replay"), "{}", bad.stderr);
}

#[test]
fn aggregation_and_new_terms_rules_replay_with_details() {
    let fx = Fx::new();
    copy_sample(&fx, "sample");
    let fields = alert_fields();
    for rule in [
        "denied-service-account-request-unusual-user-agent",
        "multi-resource-discovery",
    ] {
        let run = fx
            .run(&["replay", "sample", "--rule", rule, "--format", "ecs"])
            .ok();
        let docs = ndjson(&run.stdout);
        for d in &docs {
            check_document(d, &fields);
            assert!(d["audithound"]["details"].is_object(), "{rule}: {d:?}");
        }
        assert!(run.stderr.contains("alerts raised"), "{}", run.stderr);
    }
}

#[test]
fn replay_names_what_is_wrong() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    let r = fx.run(&["replay", "denials.jsonl", "--rule", "no-such-rule"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no rule with id"), "{}", r.stderr);
    let r = fx.run(&["replay", "denials.jsonl", "--interval", "five"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a duration"), "{}", r.stderr);
    let r = fx.run(&["replay", "denials.jsonl", "--start", "yesterday"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("RFC 3339"), "{}", r.stderr);
    // Nothing in scope: no execution, said so.
    let r = fx
        .run(&[
            "replay",
            "denials.jsonl",
            "--from",
            "2030-01-01",
            "--format",
            "ndjson",
        ])
        .ok();
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("no execution"), "{}", r.stderr);
    // A start after every match: none searched, said so.
    let (rows, summary) = replay(&fx, &["denials.jsonl", "--start", "2030-01-01"]);
    assert!(rows.is_empty());
    assert_eq!(summary["events_never_searched"], 8);
    assert_eq!(summary["executions"], 0);
    let r = fx
        .run(&["replay", "denials.jsonl", "--start", "2030-01-01"])
        .ok();
    assert!(r.stderr.contains("--start is after"), "{}", r.stderr);
}

/// The README documents every field of the alert documents.
#[test]
fn the_readme_lists_the_alert_fields() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap_or_default();
    for f in alert_fields().keys() {
        assert!(
            readme.contains(&format!("`{f}`")),
            "README.md does not list {f}"
        );
    }
}

/// The daily report's live-rule section is the replay's numbers for that day: the day's
/// executions, on the rule's schedule (here a copy of the seed rule with a cap of 10, so the cap
/// hides something on the shipped sample).
#[test]
fn the_report_section_is_the_replay_of_the_day() {
    let fx = Fx::new();
    copy_sample(&fx, "sample");
    fx.convert(&["sample"], "archive", &[]);
    let rule = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sql/rules/denied-service-account-request.sql"),
    )
    .unwrap_or_default()
    .replace("-- max_signals: 100", "-- max_signals: 10");
    assert!(rule.contains("-- max_signals: 10\n"));
    fx.write("rules/seed.sql", rule.as_bytes());
    let day = "2026-01-06";
    fx.run(&[
        "report", "archive", "--date", day, "--out", "rep", "--rules", "rules", "--rule", RULE,
    ])
    .ok();
    let rep: Value = serde_json::from_slice(&fx.read("rep/report.json"))
        .unwrap_or_else(|e| panic!("report.json: {e}"));
    let live = &rep["live"];
    assert_eq!(live["max_signals"], 10);
    assert_eq!(live["executions"], 288, "every 5 minutes of the day");
    let (rows, summary) = replay(
        &fx,
        &[
            "archive",
            "--rules",
            "rules",
            "--rule",
            RULE,
            "--all-executions",
        ],
    );
    let of_day: Vec<&Row> = rows
        .iter()
        .filter(|r| s(r, "time").starts_with(day))
        .collect();
    let sum = |k: &str| of_day.iter().map(|r| num(r, k)).sum::<i64>();
    assert_eq!(live["alerts_raised"], sum("raised"));
    assert_eq!(live["dropped"], sum("dropped"));
    assert_eq!(live["duplicates"], sum("duplicates"));
    assert_eq!(
        live["executions_capped"],
        of_day.iter().filter(|r| num(r, "dropped") > 0).count()
    );
    assert!(live["executions_capped"].as_u64().unwrap_or_default() > 0);
    let per_day = summary["per_day"]
        .as_array()
        .and_then(|d| d.iter().find(|x| x["date"] == day))
        .unwrap_or_else(|| panic!("no {day} in {summary}"));
    assert_eq!(live["matching_events"], per_day["matching_events"]);
    assert_eq!(live["alerts_raised"], per_day["alerts_raised"]);
    assert!(live["never_alerted_cap"].as_u64().unwrap_or_default() > 0);
    let busiest = &live["busiest"][0];
    let top = of_day
        .iter()
        .max_by_key(|r| (num(r, "hits"), std::cmp::Reverse(s(r, "time").to_owned())))
        .unwrap_or_else(|| panic!("no executions"));
    assert_eq!(busiest["time"], s(top, "time"));
    assert_eq!(busiest["hits"], num(top, "hits"));
    let md = String::from_utf8(fx.read("rep/report.md")).unwrap_or_default();
    assert!(
        md.contains("## What the live rule would have raised"),
        "{md}"
    );
    assert!(md.contains("The cap hid"), "{md}");
}
