//! The shared harness of the CLI tests: a temporary directory per test ([`Fx`]) in which the real
//! binary runs, its finished [`Run`], NDJSON parsing, row accessors, and the constants that say
//! what each fixture holds, so every command's module checks against the same facts.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Map, Value};

pub type TestResult = Result<(), Box<dyn Error>>;
pub type Row = Map<String, Value>;

pub const RULE: &str = "denied-service-account-request";

/// The events of `denials.jsonl` that the rule must match.
pub const DENIAL_MATCHES: [&str; 8] = [
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
pub const DENIAL_NEIGHBOURS: [&str; 8] = [
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
pub const SHAPE_MATCHES: [(&str, &str); 11] = [
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
pub const SHAPE_NEIGHBOURS: [&str; 11] = [
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
pub const BAD_LOG_MATCH: &str = "bad-good-sa-deny-crlf";

/// The files of the mixed input set made by [`Fx::mix`]: (path as given, good events, rejects).
pub const MIX_FILES: [(&str, u64, u64); 9] = [
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
pub const BAD_LINES: [(u64, &str); 5] = [
    (2, "not JSON"),
    (5, "wrong type"),
    (7, "not an audit event"),
    (8, "UTF-8"),
    (10, "timestamp"),
];

// ------------------------------------------------------------------------------------------------
// Harness

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn read_fixture(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", p.display()))
}

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the command and its output if it differs.
    pub fn expect_code(self, want: i32) -> Self {
        assert_eq!(
            self.code, want,
            "audithound {:?} exited {} (want {want})\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn ok(self) -> Self {
        self.expect_code(0)
    }

    /// Stdout read as NDJSON.
    pub fn rows(&self) -> Vec<Row> {
        ndjson(&self.stdout)
    }
}

pub fn ndjson(text: &str) -> Vec<Row> {
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
pub struct Fx {
    dir: tempfile::TempDir,
}

impl Fx {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
        }
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        let p = self.path(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    pub fn copy(&self, fixture: &str, to: &str) -> PathBuf {
        self.write(to, &read_fixture(fixture))
    }

    pub fn gzip(&self, fixture: &str, to: &str) -> PathBuf {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&read_fixture(fixture))
            .unwrap_or_else(|e| panic!("gzip {fixture}: {e}"));
        let bytes = enc
            .finish()
            .unwrap_or_else(|e| panic!("gzip {fixture}: {e}"));
        assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
        self.write(to, &bytes)
    }

    pub fn zstd(&self, fixture: &str, to: &str) -> PathBuf {
        let bytes = zstd::encode_all(&read_fixture(fixture)[..], 3)
            .unwrap_or_else(|e| panic!("zstd {fixture}: {e}"));
        assert_eq!(&bytes[..4], &[0x28, 0xb5, 0x2f, 0xfd]);
        self.write(to, &bytes)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.run_full(args, stdin, &[])
    }

    /// Runs with extra environment variables (credentials of a local object store).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_full(args, None, env)
    }

    pub fn run_full(&self, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_audithound"));
        cmd.envs(env.iter().copied());
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
    /// `hunt ARGS --format ndjson` with the seed rule (`--rule denied-service-account-request`)
    /// unless ARGS choose rules themselves, so the counts these tests assert do not move when a
    /// rule is added to the pack; which rules a plain `hunt` runs is tested on its own.
    pub fn hunt(&self, args: &[&str]) -> Vec<Row> {
        let mut a = vec!["hunt"];
        a.extend_from_slice(args);
        if !args.iter().any(|x| *x == "--rule" || *x == "--rules") {
            a.extend_from_slice(&["--rule", "denied-service-account-request"]);
        }
        a.extend_from_slice(&["--format", "ndjson"]);
        self.run(&a).ok().rows()
    }

    /// `sql PATH -e QUERY --format ndjson`, which must succeed; the rows.
    pub fn sql(&self, path: &str, query: &str) -> Vec<Row> {
        self.run(&["sql", path, "-e", query, "--format", "ndjson"])
            .ok()
            .rows()
    }

    /// `sql PATH -e QUERY --format csv`, which must succeed; the lines after the header.
    pub fn sql_csv(&self, path: &str, query: &str) -> Vec<String> {
        let out = self
            .run(&["sql", path, "-e", query, "--format", "csv"])
            .ok()
            .stdout;
        out.lines().skip(1).map(str::to_owned).collect()
    }

    /// Lays out the mixed input set under `mix/`: plain, gzip and zstd files (one without an
    /// extension), every shape, and `bad.log`. See [`MIX_FILES`].
    pub fn mix(&self) -> &'static str {
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
    pub fn denials_and_shapes(&self) {
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
    pub fn convert(&self, inputs: &[&str], out: &str, extra: &[&str]) -> Run {
        let mut a = vec!["convert"];
        a.extend_from_slice(inputs);
        a.extend_from_slice(&["--out", out]);
        a.extend_from_slice(extra);
        self.run(&a).ok()
    }

    pub fn files_under(&self, rel: &str, suffix: &str) -> Vec<PathBuf> {
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

pub fn s<'a>(row: &'a Row, key: &str) -> &'a str {
    match row.get(key) {
        Some(Value::String(v)) => v,
        other => panic!("{key} is not a string in {row:?}: {other:?}"),
    }
}

pub fn opt_s<'a>(row: &'a Row, key: &str) -> Option<&'a str> {
    match row.get(key) {
        Some(Value::String(v)) => Some(v),
        Some(Value::Null) => None,
        other => panic!("{key} is neither a string nor null in {row:?}: {other:?}"),
    }
}

pub fn num(row: &Row, key: &str) -> i64 {
    match row.get(key) {
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
            .unwrap_or_else(|| panic!("{key} is not a number in {row:?}")),
        None => panic!("no {key} in {row:?}"),
    }
}

pub fn ids(rows: &[Row]) -> BTreeSet<String> {
    rows.iter().map(|r| s(r, "audit_id").to_owned()).collect()
}

pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

pub fn by_id(rows: &[Row]) -> BTreeMap<String, Row> {
    rows.iter()
        .map(|r| (s(r, "audit_id").to_owned(), r.clone()))
        .collect()
}

pub fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().unwrap_or_default().to_owned())
            .collect(),
        other => panic!("not a list: {other:?}"),
    }
}

pub fn all_mix_matches() -> BTreeSet<String> {
    let mut want = set(&DENIAL_MATCHES);
    want.extend(SHAPE_MATCHES.iter().map(|(id, _)| (*id).to_owned()));
    want.insert(BAD_LOG_MATCH.to_owned());
    want
}

/// The repository's shipped sample, `data/`.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Copies the shipped sample (`data/`, flat) to `to` in the fixture's directory.
pub fn copy_sample(fx: &Fx, to: &str) {
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
pub fn tree(root: &Path) -> Vec<String> {
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

/// Runs the binary in the fixture's directory with extra environment variables.
pub fn run_env(fx: &Fx, args: &[&str], env: &[(&str, &Path)]) -> Run {
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
