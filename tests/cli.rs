//! End-to-end tests of the `audithound` binary: every test runs the real executable on the
//! fixtures in `tests/fixtures/` (see its README.md for what each line is) inside a temporary
//! directory, and checks exit codes, stdout and stderr.
//!
//! Compressed inputs are made here at test time (gzip, zstd, and one zstd copy without an
//! extension: compression is recognised from content), so no binary fixtures are committed.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Map, Value};

type TestResult = Result<(), Box<dyn Error>>;
type Row = Map<String, Value>;

const RULE: &str = "denied-service-account-request";

/// The events of `denials.jsonl` that the rule must match.
const DENIAL_MATCHES: [&str; 8] = [
    "sa-deny-plain",
    "sa-deny-plain-2",
    "sa-deny-exec",
    "sa-deny-metrics",
    "sa-deny-offset",
    "sa-deny-nanos",
    "sa-deny-pod-bound",
    "sa-deny-impersonating",
];

/// The events of `denials.jsonl` that look close but must not match.
const DENIAL_NEIGHBOURS: [&str; 8] = [
    "nm-plural-group",
    "nm-allow",
    "nm-403-no-decision",
    "nm-uppercase-user",
    "nm-decision-Forbid",
    "nm-human-impersonating-sa",
    "nm-no-user",
    "nm-request-received",
];

/// The matches in `shapes/`, with the cluster each wrapper names.
const SHAPE_MATCHES: [(&str, &str); 11] = [
    ("ecs-sa-deny", "ecs-prod"),
    ("ecs-sa-deny-exec", "ecs-prod"),
    ("aks-sa-deny-metrics", "aks-prod"),
    ("aks-sa-deny-pod-bound", "aks-prod"),
    ("aks-admin-sa-deny", "aks-prod"),
    ("eks-cw-sa-deny", "eks-prod"),
    ("eks-sub-sa-deny-exec", "eks-prod"),
    ("gke-sa-deny-label", "gke-prod-1"),
    ("gke-sa-deny-granted-false", "gke-prod-1"),
    ("list-sa-deny-offset", "default"),
    ("array-sa-deny-nanos", "default"),
];

/// The non-matching events in `shapes/`.
const SHAPE_NEIGHBOURS: [&str; 11] = [
    "ecs-nm-plural-group",
    "ecs-nm-allow",
    "aks-nm-decision-Forbid",
    "eks-cw-nm-uppercase-user",
    "eks-sub-nm-human-impersonating-sa",
    "gke-nm-granted-true",
    "gke-nm-human-denied",
    "list-nm-no-user",
    "array-nm-403-no-decision",
    // bad.log's good lines that do not match
    "bad-good-allow",
    "bad-good-plural",
];

/// The match among `bad.log`'s good lines (it ends in CRLF).
const BAD_LOG_MATCH: &str = "bad-good-sa-deny-crlf";

/// The files of the mixed input set made by [`Fx::mix`]: (path as given, good events, rejects).
const MIX_FILES: [(&str, u64, u64); 9] = [
    ("mix/bad.log", 3, 5),
    ("mix/denials.jsonl", 16, 0),
    ("mix/shapes/aks-records", 4, 0),
    ("mix/shapes/array.json", 2, 0),
    ("mix/shapes/ecs.ndjson.gz", 4, 0),
    ("mix/shapes/eks-cloudwatch.ndjson.zst", 2, 0),
    ("mix/shapes/eks-subscription.json", 2, 0),
    ("mix/shapes/eventlist.json.gz", 2, 0),
    ("mix/shapes/gke.ndjson", 4, 0),
];

/// `bad.log`: (line, what its reject reason must say).
const BAD_LINES: [(u64, &str); 5] = [
    (2, "not JSON"),
    (5, "wrong type"),
    (7, "not an audit event"),
    (8, "UTF-8"),
    (10, "timestamp"),
];

/// The columns of an alert, in order (`src/hunt.rs`).
const ALERT_COLUMNS: [&str; 30] = [
    "rule_id",
    "rule_name",
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
];

// ------------------------------------------------------------------------------------------------
// Harness

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_fixture(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", p.display()))
}

/// One finished run of the binary.
#[derive(Debug)]
struct Run {
    args: Vec<String>,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the command and its output if it differs.
    fn expect_code(self, want: i32) -> Self {
        assert_eq!(
            self.code, want,
            "audithound {:?} exited {} (want {want})\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    fn ok(self) -> Self {
        self.expect_code(0)
    }

    /// Stdout read as NDJSON.
    fn rows(&self) -> Vec<Row> {
        ndjson(&self.stdout)
    }
}

fn ndjson(text: &str) -> Vec<Row> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(Value::Object(m)) => m,
            other => panic!("not a JSON object line: {l:?} ({other:?})"),
        })
        .collect()
}

/// A temporary working directory; the binary runs with it as the current directory, so inputs
/// are given by relative paths (and `source_file` is the same for every way of reading them).
struct Fx {
    dir: tempfile::TempDir,
}

impl Fx {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
        }
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        let p = self.path(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    fn copy(&self, fixture: &str, to: &str) -> PathBuf {
        self.write(to, &read_fixture(fixture))
    }

    fn gzip(&self, fixture: &str, to: &str) -> PathBuf {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&read_fixture(fixture))
            .unwrap_or_else(|e| panic!("gzip {fixture}: {e}"));
        let bytes = enc
            .finish()
            .unwrap_or_else(|e| panic!("gzip {fixture}: {e}"));
        assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
        self.write(to, &bytes)
    }

    fn zstd(&self, fixture: &str, to: &str) -> PathBuf {
        let bytes = zstd::encode_all(&read_fixture(fixture)[..], 3)
            .unwrap_or_else(|e| panic!("zstd {fixture}: {e}"));
        assert_eq!(&bytes[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        self.write(to, &bytes)
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_audithound"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start audithound: {e}"));
        if let Some(input) = stdin {
            let mut pipe = child
                .stdin
                .take()
                .unwrap_or_else(|| panic!("no stdin pipe"));
            pipe.write_all(input)
                .unwrap_or_else(|e| panic!("writing stdin: {e}"));
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("waiting for audithound: {e}"));
        Run {
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `hunt ARGS --format ndjson`, which must succeed; the alerts.
    fn hunt(&self, args: &[&str]) -> Vec<Row> {
        let mut a = vec!["hunt"];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--format", "ndjson"]);
        self.run(&a).ok().rows()
    }

    /// `sql PATH -e QUERY --format ndjson`, which must succeed; the rows.
    fn sql(&self, path: &str, query: &str) -> Vec<Row> {
        self.run(&["sql", path, "-e", query, "--format", "ndjson"])
            .ok()
            .rows()
    }

    /// `sql PATH -e QUERY --format csv`, which must succeed; the lines after the header.
    fn sql_csv(&self, path: &str, query: &str) -> Vec<String> {
        let out = self
            .run(&["sql", path, "-e", query, "--format", "csv"])
            .ok()
            .stdout;
        out.lines().skip(1).map(str::to_owned).collect()
    }

    /// Lays out the mixed input set under `mix/`: plain, gzip and zstd files (one without an
    /// extension), every shape, and `bad.log`. See [`MIX_FILES`].
    fn mix(&self) -> &'static str {
        self.copy("denials.jsonl", "mix/denials.jsonl");
        self.copy("bad.log", "mix/bad.log");
        self.gzip("shapes/ecs.ndjson", "mix/shapes/ecs.ndjson.gz");
        self.zstd(
            "shapes/eks-cloudwatch.ndjson",
            "mix/shapes/eks-cloudwatch.ndjson.zst",
        );
        self.zstd("shapes/aks.json", "mix/shapes/aks-records");
        self.gzip("shapes/eventlist.json", "mix/shapes/eventlist.json.gz");
        self.copy(
            "shapes/eks-subscription.json",
            "mix/shapes/eks-subscription.json",
        );
        self.copy("shapes/gke.ndjson", "mix/shapes/gke.ndjson");
        self.copy("shapes/array.json", "mix/shapes/array.json");
        "mix"
    }

    /// `denials.jsonl` and the plain `shapes/` directory, as `denials.jsonl` and `shapes/`.
    fn denials_and_shapes(&self) {
        self.copy("denials.jsonl", "denials.jsonl");
        for f in [
            "ecs.ndjson",
            "aks.json",
            "eks-cloudwatch.ndjson",
            "eks-subscription.json",
            "gke.ndjson",
            "eventlist.json",
            "array.json",
        ] {
            self.copy(&format!("shapes/{f}"), &format!("shapes/{f}"));
        }
    }

    /// Converts `inputs` into `out`, which must succeed; the run.
    fn convert(&self, inputs: &[&str], out: &str, extra: &[&str]) -> Run {
        let mut a = vec!["convert"];
        a.extend_from_slice(inputs);
        a.extend_from_slice(&["--out", out]);
        a.extend_from_slice(extra);
        self.run(&a).ok()
    }

    fn files_under(&self, rel: &str, suffix: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![self.path(rel)];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.to_string_lossy().ends_with(suffix) {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }
}

fn s<'a>(row: &'a Row, key: &str) -> &'a str {
    match row.get(key) {
        Some(Value::String(v)) => v,
        other => panic!("{key} is not a string in {row:?}: {other:?}"),
    }
}

fn opt_s<'a>(row: &'a Row, key: &str) -> Option<&'a str> {
    match row.get(key) {
        Some(Value::String(v)) => Some(v),
        Some(Value::Null) => None,
        other => panic!("{key} is neither a string nor null in {row:?}: {other:?}"),
    }
}

fn num(row: &Row, key: &str) -> i64 {
    match row.get(key) {
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
            .unwrap_or_else(|| panic!("{key} is not a number in {row:?}")),
        None => panic!("no {key} in {row:?}"),
    }
}

fn ids(rows: &[Row]) -> BTreeSet<String> {
    rows.iter().map(|r| s(r, "audit_id").to_owned()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn by_id(rows: &[Row]) -> BTreeMap<String, Row> {
    rows.iter()
        .map(|r| (s(r, "audit_id").to_owned(), r.clone()))
        .collect()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().unwrap_or_default().to_owned())
            .collect(),
        other => panic!("not a list: {other:?}"),
    }
}

fn all_mix_matches() -> BTreeSet<String> {
    let mut want = set(&DENIAL_MATCHES);
    want.extend(SHAPE_MATCHES.iter().map(|(id, _)| (*id).to_owned()));
    want.insert(BAD_LOG_MATCH.to_owned());
    want
}

// ------------------------------------------------------------------------------------------------
// 1. convert: every input form, every shape, bad lines recorded

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
// 2. convert again: skipped, --force, a new input, leftovers of an interrupted run

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
// 3. --strict

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
// 4. missing inputs

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

// ------------------------------------------------------------------------------------------------
// 5. archive and raw logs give the same alerts; exactly the expected matches

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
// 6. every wrapper shape

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
        .run_with_stdin(&["hunt", "-", "--format", "ndjson"], Some(&input))
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
// 7. timestamps

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
// 8. stats

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

// ------------------------------------------------------------------------------------------------
// 9. scope: --from/--to and --cluster

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
// 10. output files, formats, --fail-on-alerts

#[test]
fn output_files_formats_and_fail_on_alerts() -> TestResult {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "archive", &[]);

    fx.run(&[
        "hunt",
        "archive",
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
        .run(&["hunt", "archive", "--format", "ndjson", "-o", "keep.txt"])
        .expect_code(2);
    assert!(refused.stderr.contains("keep.txt"), "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(fx.read("keep.txt"), b"precious\n");
    fx.run(&[
        "hunt", "archive", "--format", "ndjson", "-o", "keep.txt", "--force",
    ])
    .ok();
    assert_eq!(fx.read("keep.txt"), first);

    // -o without --format writes NDJSON.
    fx.run(&["hunt", "archive", "-o", "default.out"]).ok();
    assert_eq!(fx.read("default.out"), first);

    // Parquet.
    fx.run(&[
        "hunt",
        "archive",
        "--format",
        "parquet",
        "-o",
        "alerts.parquet",
    ])
    .ok();
    let pq = fx.read("alerts.parquet");
    assert!(pq.len() > 8 && pq.starts_with(b"PAR1") && pq.ends_with(b"PAR1"));

    // CSV and table.
    let csv = fx.run(&["hunt", "archive", "--format", "csv"]).ok().stdout;
    assert_eq!(csv.lines().count(), 9, "{csv}");
    let table = fx
        .run(&["hunt", "archive", "--format", "table"])
        .ok()
        .stdout;
    assert!(table.contains("sa-deny") || table.contains("system:serviceaccount:team-a:builder"));
    assert!(table.contains("event_time"), "{table}");

    // --limit
    assert_eq!(fx.hunt(&["archive", "--limit", "3"]).len(), 3);

    // --fail-on-alerts: 1 with alerts (output still written), 0 without.
    let alerting = fx
        .run(&["hunt", "archive", "--format", "ndjson", "--fail-on-alerts"])
        .expect_code(1);
    assert_eq!(alerting.rows().len(), 8);
    let quiet = fx
        .run(&[
            "hunt",
            "archive",
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
// 11. raw hunt with bad lines

#[test]
fn raw_hunt_skips_bad_lines_reports_them_and_records_them() {
    let fx = Fx::new();
    fx.copy("bad.log", "bad.log");
    let run = fx
        .run(&[
            "hunt",
            "bad.log",
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
    let plain = fx.run(&["hunt", "bad.log", "--format", "ndjson"]).ok();
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
// 12. rules

const BROKEN_HEADER: &str = "-- id: broken-header\n-- name: Broken\n-- severity: extreme\n-- risk_score: 50\nSELECT * FROM audit\n";
const BROKEN_SQL: &str = "-- id: broken-sql\n-- name: Broken SQL\n-- severity: low\n-- risk_score: 10\nSELECT * FROM audit WHERE no_such_column = 1\n";
const ANY_FORBID: &str = "-- id: any-forbid\n-- name: Any forbidden request\n-- severity: low\n-- risk_score: 21\nSELECT * FROM audit WHERE authz_decision = 'forbid'\n";

#[test]
fn rules_are_listed_and_broken_rule_files_are_named() {
    let fx = Fx::new();
    let listing = fx.run(&["rules"]).ok();
    let line = listing
        .stdout
        .lines()
        .find(|l| l.starts_with(RULE))
        .unwrap_or_else(|| panic!("{RULE} not listed: {}", listing.stdout));
    let cols: Vec<&str> = line.split('\t').collect();
    assert_eq!(&cols[..3], [RULE, "medium", "47"]);
    assert!(
        line.contains("Kubernetes Denied Service Account Request"),
        "{line}"
    );

    let shipped = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/rules/denied-service-account-request.sql"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    fx.write("rules/denied.sql", &shipped);
    fx.write("rules/any-forbid.sql", ANY_FORBID.as_bytes());
    fx.write("rules/broken-header.sql", BROKEN_HEADER.as_bytes());
    fx.write("rules/broken-sql.sql", BROKEN_SQL.as_bytes());
    fx.write("rules/notes.txt", b"not a rule");
    fx.copy("denials.jsonl", "denials.jsonl");

    let listing = fx.run(&["rules", "--rules", "rules"]).ok();
    assert!(listing.stdout.contains(RULE), "{}", listing.stdout);
    assert!(listing.stdout.contains("any-forbid"), "{}", listing.stdout);
    assert!(
        listing.stderr.contains("rules/broken-header.sql"),
        "{}",
        listing.stderr
    );
    assert!(listing.stderr.contains("severity"), "{}", listing.stderr);
    let strict = fx
        .run(&["rules", "--rules", "rules", "--strict"])
        .expect_code(2);
    assert!(
        strict.stderr.contains("rules/broken-header.sql"),
        "{}",
        strict.stderr
    );

    // hunt warns about both broken files and runs the good rules.
    let run = fx
        .run(&[
            "hunt",
            "denials.jsonl",
            "--rules",
            "rules",
            "--format",
            "ndjson",
        ])
        .ok();
    assert!(
        run.stderr.contains("rules/broken-header.sql"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("rules/broken-sql.sql"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no_such_column"), "{}", run.stderr);
    let alerts = run.rows();
    let ours: Vec<&Row> = alerts.iter().filter(|r| s(r, "rule_id") == RULE).collect();
    let theirs: Vec<&Row> = alerts
        .iter()
        .filter(|r| s(r, "rule_id") == "any-forbid")
        .collect();
    assert_eq!(ours.len() + theirs.len(), alerts.len());
    assert_eq!(
        ours.iter()
            .map(|r| s(r, "audit_id").to_owned())
            .collect::<BTreeSet<_>>(),
        set(&DENIAL_MATCHES)
    );
    let mut forbid = set(&DENIAL_MATCHES);
    forbid.extend(set(&[
        "nm-plural-group",
        "nm-uppercase-user",
        "nm-human-impersonating-sa",
        "nm-no-user",
    ]));
    assert_eq!(
        theirs
            .iter()
            .map(|r| s(r, "audit_id").to_owned())
            .collect::<BTreeSet<_>>(),
        forbid
    );
    assert!(
        theirs
            .iter()
            .all(|r| s(r, "severity") == "low" && num(r, "risk_score") == 21)
    );

    // --rule picks one; an unknown id is an error naming the known ones.
    let one = fx.hunt(&["denials.jsonl", "--rules", "rules", "--rule", RULE]);
    assert_eq!(ids(&one), set(&DENIAL_MATCHES));
    let unknown = fx
        .run(&["hunt", "denials.jsonl", "--rule", "no-such-rule"])
        .expect_code(2);
    assert!(
        unknown.stderr.contains("no-such-rule"),
        "{}",
        unknown.stderr
    );
    assert!(unknown.stderr.contains(RULE), "{}", unknown.stderr);

    // --strict: a broken rule is fatal.
    let strict = fx
        .run(&[
            "hunt",
            "denials.jsonl",
            "--rules",
            "rules",
            "--strict",
            "--format",
            "ndjson",
        ])
        .expect_code(2);
    assert!(strict.stderr.contains("rules/broken-"), "{}", strict.stderr);
    assert!(strict.stdout.is_empty(), "{}", strict.stdout);

    let missing = fx.run(&["rules", "--rules", "no-such-dir"]).expect_code(2);
    assert!(missing.stderr.contains("no-such-dir"), "{}", missing.stderr);
}

/// Raw input is scanned once per rule (each rule's plan executes the streaming table), and
/// standard input can only be read once: with two rules on `-`, whichever rule's scan runs second
/// sees no events, so its alerts are silently lost (which one varies from run to run).
#[test]
fn every_rule_sees_standard_input() {
    let fx = Fx::new();
    let shipped = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/rules/denied-service-account-request.sql"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    fx.write("rules/denied.sql", &shipped);
    fx.write("rules/any-forbid.sql", ANY_FORBID.as_bytes());
    fx.copy("denials.jsonl", "denials.jsonl");
    let from_file = fx.hunt(&["denials.jsonl", "--rules", "rules"]);
    assert_eq!(from_file.len(), 8 + 12);
    let input = read_fixture("denials.jsonl");
    let from_stdin = fx
        .run_with_stdin(
            &["hunt", "-", "--rules", "rules", "--format", "ndjson"],
            Some(&input),
        )
        .ok()
        .rows();
    let per_rule = |rows: &[Row]| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in rows {
            *m.entry(s(r, "rule_id").to_owned()).or_insert(0) += 1;
        }
        m
    };
    assert_eq!(per_rule(&from_stdin), per_rule(&from_file));
}

// ------------------------------------------------------------------------------------------------
// 13. determinism

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

// ------------------------------------------------------------------------------------------------
// 14. real public data

/// (file under tests/fixtures/realdata, events, rejected lines)
const REAL_FILES: [(&str, i64, i64); 16] = [
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
        .run(&["hunt", "archive", "--format", "ndjson", "--fail-on-alerts"])
        .ok();
    assert!(hunt.stdout.trim().is_empty(), "{}", hunt.stdout);
    let mut args = vec!["hunt"];
    args.extend_from_slice(&inputs);
    args.extend_from_slice(&["--format", "ndjson", "--fail-on-alerts"]);
    let raw = fx.run(&args).ok();
    assert!(raw.stdout.trim().is_empty(), "{}", raw.stdout);
    let stats = fx.run(&["stats", "archive", "--format", "csv"]).ok();
    assert_eq!(stats.stdout.lines().count(), 1, "{}", stats.stdout);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// 15. report, demo, generate, bench

/// The repository's shipped sample, `data/`.
fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Copies the shipped sample (`data/`, flat) to `to` in the fixture's directory.
fn copy_sample(fx: &Fx, to: &str) {
    let rd = std::fs::read_dir(sample_dir()).unwrap_or_else(|e| panic!("read data/: {e}"));
    let mut n = 0;
    for e in rd.flatten() {
        let p = e.path();
        if p.is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            fx.write(&format!("{to}/{name}"), &bytes);
            n += 1;
        }
    }
    assert!(n >= 4, "data/ holds only {n} files");
}

/// Every file and directory under `root`, relative to it, sorted.
fn tree(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            if p.is_dir() {
                out.push(format!("{rel}/"));
                stack.push(p);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn json_file(fx: &Fx, rel: &str) -> Value {
    let bytes = fx.read(rel);
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"))
}

fn u(v: &Value, key: &str) -> u64 {
    v.get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{key} is not a count in {v}"))
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v.get(key)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{key} is not a list in {v}"))
}

/// (account, verb, resource, count) of stats rows, from `stats` NDJSON or report.json.
fn stats_keys<'a>(rows: impl Iterator<Item = &'a Row>) -> Vec<(String, String, String, i64)> {
    rows.map(|r| {
        (
            s(r, "account").to_owned(),
            s(r, "verb").to_owned(),
            s(r, "resource").to_owned(),
            num(r, "count"),
        )
    })
    .collect()
}

/// Checks the report of `date` in `dir` against `stats` and `sql` over `input` for that day;
/// returns report.json.
fn check_report(fx: &Fx, input: &str, date: &str, dir: &str) -> Value {
    for f in ["report.html", "report.md", "report.json"] {
        assert!(
            fx.path(&format!("{dir}/{f}")).is_file(),
            "{dir}/{f} missing"
        );
    }
    let rep = json_file(fx, &format!("{dir}/report.json"));
    assert_eq!(rep["date"], date);

    // The stats table is `audithound stats` for that day, row for row.
    let stats = fx
        .run(&[
            "stats", input, "--from", date, "--to", date, "--format", "ndjson",
        ])
        .ok()
        .rows();
    assert!(!stats.is_empty(), "no denials on {date}");
    let rep_stats: Vec<Row> = list(&rep, "stats")
        .iter()
        .map(|v| v.as_object().cloned().unwrap_or_default())
        .collect();
    assert_eq!(stats_keys(rep_stats.iter()), stats_keys(stats.iter()));
    let denials = u(&rep, "denials");
    let stats_total: i64 = stats.iter().map(|r| num(r, "count")).sum();
    assert_eq!(signed(denials), stats_total);

    // Accounts: sum to the denials, largest first, each the sum of its stats rows.
    let accounts = list(&rep, "accounts");
    assert_eq!(u(&rep, "accounts_denied"), accounts.len() as u64);
    let counts: Vec<u64> = accounts.iter().map(|a| u(a, "count")).collect();
    assert_eq!(counts.iter().sum::<u64>(), denials);
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "accounts not sorted by count: {counts:?}"
    );
    let mut per_account: BTreeMap<String, i64> = BTreeMap::new();
    for r in &stats {
        *per_account.entry(s(r, "account").to_owned()).or_insert(0) += num(r, "count");
    }
    let got: BTreeMap<String, i64> = accounts
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap_or_default().to_owned(),
                signed(u(a, "count")),
            )
        })
        .collect();
    assert_eq!(got, per_account);
    // New accounts are exactly those marked first_time.
    let first_time: Vec<&Value> = accounts
        .iter()
        .filter(|a| a["first_time"] == Value::Bool(true))
        .map(|a| &a["account"])
        .collect();
    let new: Vec<&Value> = list(&rep, "new_accounts").iter().collect();
    assert_eq!(new, first_time);

    // 24 hours that add up to the denials.
    let hourly: Vec<u64> = list(&rep, "hourly")
        .iter()
        .map(|h| h.as_u64().unwrap_or_else(|| panic!("hour {h}")))
        .collect();
    assert_eq!(hourly.len(), 24);
    assert_eq!(hourly.iter().sum::<u64>(), denials);

    // Every event of that day.
    let n = fx.sql(
        input,
        &format!("SELECT count(*) AS n FROM audit WHERE date = '{date}'"),
    );
    assert_eq!(signed(u(&rep, "events")), num(&n[0], "n"));

    // Self-contained HTML; the Markdown names the top account.
    let html = String::from_utf8_lossy(&fx.read(&format!("{dir}/report.html"))).to_lowercase();
    assert!(!html.contains("<script"), "{dir}/report.html has a script");
    for scheme in ["http://", "https://"] {
        assert!(!html.contains(scheme), "{dir}/report.html links {scheme}");
    }
    let md = String::from_utf8_lossy(&fx.read(&format!("{dir}/report.md"))).into_owned();
    let top = accounts[0]["account"].as_str().unwrap_or_default();
    assert!(!top.is_empty());
    assert!(md.contains(top), "report.md does not name {top}");
    rep
}

#[test]
fn report_of_the_shipped_sample_agrees_with_stats_and_is_reproducible() {
    let fx = Fx::new();
    copy_sample(&fx, "data");
    fx.convert(&["data"], "archive", &[]);
    let day = "2026-01-06";
    let run = fx
        .run(&["report", "archive", "--date", day, "--out", "rep"])
        .ok();
    assert!(run.stderr.contains(day), "{}", run.stderr);
    let rep = check_report(&fx, "archive", day, "rep");
    assert_eq!(rep["baseline"]["days"], 7);
    assert_eq!(
        rep["baseline"]["days_with_data"], 1,
        "the sample spans 2026-01-05 and 2026-01-06"
    );
    assert_eq!(rep["rule"]["id"], RULE);
    assert!(
        list(&rep, "panels").len() <= 5,
        "--top defaults to 5 panels"
    );
    // Only the three files.
    assert_eq!(
        tree(&fx.path("rep")),
        ["report.html", "report.json", "report.md"]
    );

    // Not overwritten without --force: exit 2 naming the file, nothing changed.
    let before: Vec<Vec<u8>> = ["html", "md", "json"]
        .iter()
        .map(|x| fx.read(&format!("rep/report.{x}")))
        .collect();
    let refused = fx
        .run(&["report", "archive", "--date", day, "--out", "rep"])
        .expect_code(2);
    assert!(refused.stderr.contains("report.html"), "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);

    // With --force: the same bytes (no wall-clock time, no random order).
    fx.run(&[
        "report", "archive", "--date", day, "--out", "rep", "--force",
    ])
    .ok();
    let after: Vec<Vec<u8>> = ["html", "md", "json"]
        .iter()
        .map(|x| fx.read(&format!("rep/report.{x}")))
        .collect();
    assert!(before == after, "the report of {day} differs between runs");
    assert_eq!(
        tree(&fx.path("rep")),
        ["report.html", "report.json", "report.md"]
    );
}

#[test]
fn report_of_a_generated_month_compares_with_a_full_week_and_writes_a_range() {
    let fx = Fx::new();
    fx.run(&[
        "generate",
        "--events",
        "20000",
        "--days",
        "30",
        "--seed",
        "3",
        "-o",
        "gen.jsonl",
    ])
    .ok();
    fx.convert(&["gen.jsonl"], "archive", &[]);
    // The 15th day from 2026-01-05.
    let day = "2026-01-19";
    fx.run(&["report", "archive", "--date", day, "--out", "one"])
        .ok();
    let rep = check_report(&fx, "archive", day, "one");
    assert_eq!(rep["baseline"]["days"], 7);
    assert_eq!(rep["baseline"]["days_with_data"], 7);
    assert!(rep["baseline"]["avg_events"].as_f64().unwrap_or(0.0) > 0.0);

    // Three days: a folder each, and an index linking them.
    let days = ["2026-01-18", "2026-01-19", "2026-01-20"];
    let run = fx
        .run(&[
            "report", "archive", "--from", days[0], "--to", days[2], "--out", "range",
        ])
        .ok();
    assert!(run.stderr.contains("index.html"), "{}", run.stderr);
    let mut want = vec!["index.html".to_owned()];
    for d in days {
        want.push(format!("{d}/"));
        for f in ["report.html", "report.json", "report.md"] {
            want.push(format!("{d}/{f}"));
        }
    }
    want.sort();
    assert_eq!(tree(&fx.path("range")), want);
    let index = String::from_utf8_lossy(&fx.read("range/index.html")).into_owned();
    for d in days {
        assert!(
            index.contains(&format!("href=\"{d}/report.html\"")),
            "index.html does not link {d}"
        );
        check_report(&fx, "archive", d, &format!("range/{d}"));
    }
    assert!(!index.to_lowercase().contains("<script"));
    // A day of the range is the report of that day alone.
    assert_eq!(
        fx.read("range/2026-01-19/report.json"),
        fx.read("one/report.json")
    );
    assert_eq!(
        fx.read("range/2026-01-19/report.md"),
        fx.read("one/report.md")
    );

    // The range is not written over either.
    fx.run(&[
        "report", "archive", "--from", days[0], "--to", days[2], "--out", "range",
    ])
    .expect_code(2);
}

#[test]
fn report_of_raw_logs_is_the_report_of_their_archive() {
    let fx = Fx::new();
    copy_sample(&fx, "data");
    fx.convert(&["data"], "archive", &[]);
    let day = "2026-01-06";
    fx.run(&["report", "archive", "--date", day, "--out", "from-archive"])
        .ok();
    fx.run(&["report", "data", "--date", day, "--out", "from-raw"])
        .ok();
    let archive = json_file(&fx, "from-archive/report.json");
    let raw = json_file(&fx, "from-raw/report.json");
    assert!(u(&raw, "denials") > 0);
    assert_eq!(raw, archive);
    assert_eq!(
        fx.read("from-raw/report.md"),
        fx.read("from-archive/report.md")
    );
    check_report(&fx, "data", day, "from-raw");
}

/// Runs the binary in the fixture's directory with extra environment variables.
fn run_env(fx: &Fx, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_audithound"));
    cmd.args(args)
        .current_dir(fx.path(""))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run audithound: {e}"));
    Run {
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn demo_hunts_the_sample_and_leaves_nothing_behind() {
    let fx = Fx::new();
    copy_sample(&fx, "sample");
    // The demo's temporary archive goes to TMPDIR: point it inside the fixture to see it go.
    std::fs::create_dir_all(fx.path("tmp")).unwrap_or_else(|e| panic!("mkdir tmp: {e}"));
    let before = tree(&fx.path(""));
    let run = run_env(
        &fx,
        &["demo", "--data", "sample"],
        &[("TMPDIR", &fx.path("tmp"))],
    )
    .ok();
    let out = &run.stdout;
    assert!(out.contains("== 1. convert"), "{out}");
    assert!(out.contains("== 3. stats"), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("== 2. hunt: "))
        .unwrap_or_else(|| panic!("no hunt section: {out}"));
    let alerts: u64 = line
        .trim_start_matches("== 2. hunt: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no alert count in {line:?}"));
    assert!(alerts > 0, "{line}");
    assert!(out.contains(RULE), "{out}");
    assert!(out.contains("system:serviceaccount:"), "{out}");
    assert_eq!(tree(&fx.path("")), before, "demo left files behind");

    // The same count as hunting the sample directly (its README is no input).
    let hunt = fx.hunt(&[
        "sample/bad-lines.log",
        "sample/eks-cloudwatch-export.jsonl.zst",
        "sample/kube-apiserver-audit.jsonl.gz",
        "sample/tricky-neighbours.jsonl",
    ]);
    assert_eq!(hunt.len() as u64, alerts);

    // Without the sample: an error naming it, not a panic.
    let missing = fx.run(&["demo", "--data", "no-such-sample"]).expect_code(2);
    assert!(
        missing.stderr.contains("no-such-sample"),
        "{}",
        missing.stderr
    );
}

/// The `N` of "N denied service-account requests" in generate's summary.
fn generated_denials(stderr: &str) -> usize {
    let head = stderr
        .split(" denied service-account requests")
        .next()
        .filter(|h| h.len() < stderr.len())
        .unwrap_or_else(|| panic!("no denial count in {stderr:?}"));
    head.rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no denial count in {stderr:?}"))
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)
        .unwrap_or_else(|e| panic!("gunzip: {e}"));
    out
}

#[test]
fn generate_is_deterministic_and_checks_its_options() {
    let fx = Fx::new();
    let base = ["generate", "--events", "2000", "--days", "2", "--seed", "5"];
    let make = |out: &str, extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(&["-o", out]);
        a.extend_from_slice(extra);
        fx.run(&a)
    };
    let first = make("a.jsonl", &[]).ok();
    make("b.jsonl", &[]).ok();
    make("a.jsonl.gz", &[]).ok();
    make("b.jsonl.gz", &[]).ok();
    make("a.jsonl.zst", &[]).ok();
    let to_stdout = make("-", &[]).ok();
    let plain = fx.read("a.jsonl");
    assert_eq!(String::from_utf8_lossy(&plain).lines().count(), 2000);
    assert!(plain == fx.read("b.jsonl"), "same seed, different bytes");
    assert!(
        fx.read("a.jsonl.gz") == fx.read("b.jsonl.gz"),
        "same seed, different gzip"
    );
    assert_eq!(&fx.read("a.jsonl.gz")[..2], &[0x1f, 0x8b]);
    assert!(
        gunzip(&fx.read("a.jsonl.gz")) == plain,
        "gzip holds other events"
    );
    let zst = zstd::decode_all(&fx.read("a.jsonl.zst")[..]).unwrap_or_else(|e| panic!("{e}"));
    assert!(zst == plain, "zstd holds other events");
    assert!(
        to_stdout.stdout.as_bytes() == plain,
        "stdout holds other events"
    );

    // Another seed, other events.
    fx.run(&[
        "generate", "--events", "2000", "--days", "2", "--seed", "6", "-o", "c.jsonl",
    ])
    .ok();
    assert!(
        fx.read("c.jsonl") != plain,
        "seeds 5 and 6 give the same bytes"
    );

    // An existing file is kept unless --force.
    let exists = make("c.jsonl", &[]).expect_code(2);
    assert!(exists.stderr.contains("c.jsonl"), "{}", exists.stderr);
    assert!(exists.stderr.contains("--force"), "{}", exists.stderr);
    assert!(fx.read("c.jsonl") != plain);
    make("c.jsonl", &["--force"]).ok();
    assert!(
        fx.read("c.jsonl") == plain,
        "--force did not replace c.jsonl"
    );

    // Bad options: exit 2, the message names the flag, no file made.
    for (flag, value) in [
        ("--events", "0"),
        ("--deny-rate", "2"),
        ("--start", "nope"),
        ("--days", "0"),
        ("--clusters", "0"),
    ] {
        let bad = fx
            .run(&["generate", flag, value, "-o", "bad.jsonl"])
            .expect_code(2);
        assert!(bad.stderr.contains(flag), "{flag} {value}: {}", bad.stderr);
        assert!(!fx.path("bad.jsonl").exists(), "{flag} {value} made a file");
    }

    // Hunting the file finds exactly the denials the generator counted.
    let want = generated_denials(&first.stderr);
    assert!(want > 0, "{}", first.stderr);
    let alerts = fx.hunt(&["a.jsonl"]);
    assert_eq!(alerts.len(), want);
    assert!(alerts.iter().all(|r| s(r, "rule_id") == RULE));
}

#[test]
fn generated_clusters_are_hunted_to_the_generators_count() {
    let fx = Fx::new();
    let run = fx
        .run(&[
            "generate",
            "--events",
            "3000",
            "--days",
            "3",
            "--seed",
            "9",
            "--clusters",
            "2",
            "--deny-rate",
            "0.05",
            "--start",
            "2025-12-30",
            "-o",
            "eks.jsonl.zst",
        ])
        .ok();
    let want = generated_denials(&run.stderr);
    assert!(want > 0, "{}", run.stderr);
    let raw = fx.hunt(&["eks.jsonl.zst"]);
    assert_eq!(raw.len(), want);
    fx.convert(&["eks.jsonl.zst"], "archive", &[]);
    let archived = fx.hunt(&["archive"]);
    assert_eq!(archived.len(), want);
    let clusters: BTreeSet<String> = archived
        .iter()
        .map(|r| s(r, "cluster").to_owned())
        .collect();
    assert_eq!(clusters.len(), 2, "{clusters:?}");
    // The days given, across the year boundary.
    let days = fx.sql_csv("archive", "SELECT DISTINCT date FROM audit ORDER BY date");
    assert_eq!(days, ["2025-12-30", "2025-12-31", "2026-01-01"]);
}

/// The step names of bench's Markdown table, in order.
fn bench_steps(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| step "))
        .map(|l| l.split('|').nth(1).unwrap_or_default().trim().to_owned())
        .collect()
}

#[test]
fn bench_times_every_step_and_cleans_up() {
    let fx = Fx::new();
    let run = fx
        .run(&["bench", "--events", "3000", "--dir", "b", "--runs", "1"])
        .ok();
    assert!(
        run.stdout.starts_with("| step | events |"),
        "{}",
        run.stdout
    );
    let steps = bench_steps(&run.stdout);
    for want in [
        "convert",
        "hunt (archive)",
        "stats (archive)",
        "hunt (raw JSON)",
        "stats (raw JSON)",
        "report (1 day)",
    ] {
        assert!(steps.iter().any(|s| s == want), "no {want} row: {steps:?}");
    }
    for line in run
        .stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| step "))
    {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cols.get(2), Some(&"3000"), "{line}");
    }
    assert!(!fx.path("b").exists(), "bench left b/ behind");

    // --keep keeps the data, the archive and the report.
    fx.run(&[
        "bench", "--events", "3000", "--dir", "k", "--runs", "1", "--keep",
    ])
    .ok();
    assert!(fx.path("k/events.jsonl").is_file());
    assert!(fx.path("k/archive/_manifest").exists());
    assert!(fx.path("k/report/report.json").is_file());
}

/// `bench --dir` an existing directory: without `--keep` it removes the whole directory,
/// including files bench never made.
#[test]
fn bench_removes_only_what_it_made() {
    let fx = Fx::new();
    fx.write("work/notes.txt", b"mine\n");
    fx.run(&["bench", "--events", "3000", "--dir", "work", "--runs", "1"])
        .ok();
    assert!(
        fx.path("work/notes.txt").is_file(),
        "bench deleted work/notes.txt, which it did not make"
    );
    assert_eq!(fx.read("work/notes.txt"), b"mine\n");
}

/// Regression: DataFusion's generic SQL dialect read an unquoted `cluster` after a comma as
/// a keyword (`SELECT audit_id, cluster ...` failed to parse); the PostgreSQL dialect does not.
#[test]
fn ad_hoc_sql_can_name_the_cluster_column_unquoted() {
    let fx = Fx::new();
    let mix = fx.mix();
    let rows = fx.sql(
        mix,
        "SELECT audit_id, cluster FROM audit WHERE cluster = 'aks-prod' ORDER BY audit_id",
    );
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| s(r, "cluster") == "aks-prod"));
}
