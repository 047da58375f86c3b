//! Object storage, against real local servers: moto (S3) and Azurite (Azure Blob) on 127.0.0.1,
//! started by `.ci/run` through `tests/servers.py`, which exports their addresses as
//! `AUDITHOUND_TEST_S3` and `AUDITHOUND_TEST_AZURE`. Without them these tests say so and pass,
//! except under `AUDITHOUND_REQUIRE_SERVERS=1` (set by `.ci/run`), where a missing server fails.
//! GCS has no local emulator: its credential errors are checked without a server (last test).
//!
//! Every test works under its own prefix of the one bucket/container, so tests run in parallel.
//! Raw inputs are uploaded with `object_store` itself, the same crate audithound uses.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::Value;

use crate::harness::{Fx, RULE, Row, TestResult, ids, ndjson};

const BUCKET: &str = "audithound-test";
const AZ_ACCOUNT: &str = "devstoreaccount1";
// Azurite's documented development key; not a secret.
const AZ_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// The S3 secret the tests use; it must never appear in any output.
const S3_SECRET: &str = "moto-secret-do-not-print-0123456789";

/// A running local server and how the binary reaches it.
struct Server {
    scheme: &'static str,
    endpoint: String,
    env: Vec<(&'static str, String)>,
    store: Arc<dyn ObjectStore>,
}

fn server(var: &str) -> Option<Server> {
    let Ok(endpoint) = std::env::var(var) else {
        assert!(
            std::env::var("AUDITHOUND_REQUIRE_SERVERS").as_deref() != Ok("1"),
            "{var} is not set but AUDITHOUND_REQUIRE_SERVERS=1: tests/servers.py did not start the server"
        );
        eprintln!(
            "skipped: {var} is not set (run `python3 tests/servers.py start DIR` and export its output)"
        );
        return None;
    };
    let built = if var.ends_with("S3") {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_allow_http(true)
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key(S3_SECRET)
            .build()
            .map(|s| (Arc::new(s) as Arc<dyn ObjectStore>, "s3"))
    } else {
        object_store::azure::MicrosoftAzureBuilder::new()
            .with_endpoint(endpoint.clone())
            .with_allow_http(true)
            .with_account(AZ_ACCOUNT)
            .with_access_key(AZ_KEY)
            .with_container_name(BUCKET)
            .build()
            .map(|s| (Arc::new(s) as Arc<dyn ObjectStore>, "az"))
    };
    let (store, scheme) = built.unwrap_or_else(|e| panic!("store for {endpoint}: {e}"));
    let env = if scheme == "s3" {
        vec![
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
        ]
    } else {
        vec![
            ("AZURE_STORAGE_ACCOUNT_NAME", AZ_ACCOUNT.to_owned()),
            ("AZURE_STORAGE_ACCOUNT_KEY", AZ_KEY.to_owned()),
        ]
    };
    Some(Server {
        scheme,
        endpoint,
        env,
        store,
    })
}

/// A prefix no other test (or earlier run) uses.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{name}-{}-{nanos}", std::process::id())
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
        .block_on(f)
}

impl Server {
    fn url(&self, key: &str) -> String {
        format!("{}://{BUCKET}/{key}", self.scheme)
    }

    /// Runs the binary with this server's credentials and `--endpoint`.
    fn run(&self, fx: &Fx, args: &[&str]) -> crate::harness::Run {
        let mut a: Vec<&str> = args.to_vec();
        a.extend_from_slice(&["--endpoint", &self.endpoint]);
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fx.run_env(&a, &env)
    }

    /// Each command of `cases` (`[command, args...]`, as NDJSON) gives the same rows, non-empty,
    /// on the local archive `local` and, through this server with `extra` flags, on `remote`.
    fn assert_same_rows(
        &self,
        fx: &Fx,
        cases: &[&[&str]],
        local: &str,
        remote: &str,
        extra: &[&str],
    ) {
        for case in cases {
            fn with<'a>(case: &[&'a str], path: &'a str) -> Vec<&'a str> {
                let mut a = vec![case[0], path];
                a.extend_from_slice(&case[1..]);
                a.extend_from_slice(&["--format", "ndjson"]);
                a
            }
            let want = without_sources(fx.run(&with(case, local)).ok().rows());
            let mut remote_args = with(case, remote);
            remote_args.extend_from_slice(extra);
            let got = without_sources(self.run(fx, &remote_args).ok().rows());
            assert!(!want.is_empty(), "{case:?}: no rows");
            assert_eq!(
                got, want,
                "{case:?} on {remote} {extra:?} differs from {local}"
            );
        }
    }

    /// Uploads every file under the fixture dir `local` to `prefix/`, keeping relative paths.
    fn upload_dir(&self, local: &Path, prefix: &str) {
        let mut stack = vec![local.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d)
                .unwrap_or_else(|e| panic!("{e}"))
                .flatten()
            {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let rel = p
                    .strip_prefix(local)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .into_owned();
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{e}"));
                let key = ObjPath::from(format!("{prefix}/{rel}"));
                block(self.store.put(&key, PutPayload::from(bytes)))
                    .unwrap_or_else(|e| panic!("upload {key}: {e}"));
            }
        }
    }

    fn keys(&self, prefix: &str) -> Vec<String> {
        use futures::TryStreamExt;
        let p = ObjPath::from(prefix);
        let mut v: Vec<String> = block(self.store.list(Some(&p)).try_collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("list: {e}"))
            .into_iter()
            .map(|m| m.location.to_string())
            .collect();
        v.sort();
        v
    }
}

/// Rows without the fields that name where an input was read from.
fn without_sources(rows: Vec<Row>) -> Vec<Row> {
    rows.into_iter()
        .map(|mut r| {
            r.remove("source_file");
            r
        })
        .collect()
}

/// Convert raw logs from the bucket into an archive in the bucket; hunt, stats, sql and report
/// on it give what the same files give on local disk; raw logs in the bucket hunt directly; a
/// second convert adds nothing.
fn same_results_as_local(srv: &Server, name: &str) {
    let fx = Fx::new();
    let mix = fx.mix();
    let base = unique(name);
    srv.upload_dir(&fx.path(mix), &format!("{base}/raw"));
    let raw = srv.url(&format!("{base}/raw/"));
    let lake = srv.url(&format!("{base}/lake/"));

    fx.convert(&[mix], "local", &[]);
    let conv = srv.run(&fx, &["convert", &raw, "--out", &lake]).ok();
    assert!(
        conv.stderr.contains("converted 9 input(s)"),
        "{}",
        conv.stderr
    );
    assert!(
        conv.stderr.contains(&format!("{lake}_rejects/")),
        "{}",
        conv.stderr
    );
    let keys = srv.keys(&format!("{base}/lake"));
    assert!(
        keys.iter().any(|k| k.ends_with("_manifest/inputs.ndjson")),
        "{keys:?}"
    );
    assert!(keys.iter().all(|k| !k.contains("_tmp")), "{keys:?}");

    let sql =
        "SELECT cluster, date, verb, count(*) AS n FROM audit GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
    let cases: [&[&str]; 3] = [&["hunt"], &["stats"], &["sql", "-e", sql]];
    srv.assert_same_rows(&fx, &cases, "local", &lake, &[]);

    // A one-day scope lists only that day's prefixes and still finds that day's alerts.
    let all = fx.hunt(&["local"]);
    let day = all
        .iter()
        .filter_map(|r| r.get("event_time").and_then(Value::as_str))
        .map(|t| t[..10].to_owned())
        .next()
        .unwrap_or_default();
    let local_day = ids(&fx.hunt(&["local", "--from", &day, "--to", &day]));
    let remote_day = ids(&srv
        .run(
            &fx,
            &[
                "hunt", &lake, "--from", &day, "--to", &day, "--format", "ndjson", "--rule", RULE,
            ],
        )
        .ok()
        .rows());
    assert!(!local_day.is_empty());
    assert_eq!(remote_day, local_day);

    // Raw logs in the bucket are hunted like local raw logs.
    let local_raw = ids(&fx.hunt(&[mix]));
    let remote_raw = srv
        .run(&fx, &["hunt", &raw, "--format", "ndjson", "--rule", RULE])
        .ok();
    assert_eq!(ids(&remote_raw.rows()), local_raw);
    assert_eq!(ids(&remote_raw.rows()), ids(&all));

    // The daily report reads the remote archive too, with the same numbers.
    let report = |path: &str, out: &str, remote: bool| -> BTreeSet<String> {
        let args = ["report", path, "--date", &day, "--out", out];
        let run = if remote {
            srv.run(&fx, &args)
        } else {
            fx.run(&args)
        };
        let run = run.ok();
        let json = fx.files_under(out, ".json");
        assert!(!json.is_empty(), "report wrote no JSON: {}", run.stderr);
        json.iter()
            .flat_map(|p| {
                let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap_or_default())
                    .unwrap_or(Value::Null);
                let mut lines = Vec::new();
                flatten("", &v, &mut lines);
                lines
            })
            .filter(|l| {
                !l.contains("source_file") && !l.contains("archive") && !l.contains("generated")
            })
            .collect()
    };
    assert_eq!(
        report(&lake, "rep-remote", true),
        report("local", "rep-local", false)
    );

    // Converting again adds nothing: every input is skipped, the counts stay.
    let again = srv.run(&fx, &["convert", &raw, "--out", &lake]).ok();
    assert_eq!(
        again.stderr.matches("already in the archive").count(),
        9,
        "{}",
        again.stderr
    );
    let count = |r: crate::harness::Run| ndjson(&r.ok().stdout);
    let n_local = count(fx.run(&[
        "sql",
        "local",
        "-e",
        "SELECT count(*) AS n FROM audit",
        "--format",
        "ndjson",
    ]));
    let n_remote = count(srv.run(
        &fx,
        &[
            "sql",
            &lake,
            "-e",
            "SELECT count(*) AS n FROM audit",
            "--format",
            "ndjson",
        ],
    ));
    assert_eq!(n_remote, n_local);
}

/// `a.b[0].c = value` lines of a JSON document, for comparing two reports.
fn flatten(at: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                flatten(&format!("{at}.{k}"), x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{at}[{i}]"), x, out);
            }
        }
        _ => out.push(format!("{at} = {v}")),
    }
}

#[test]
fn s3_archive_and_raw_logs_give_the_local_results() {
    if let Some(srv) = server("AUDITHOUND_TEST_S3") {
        same_results_as_local(&srv, "s3-same");
    }
}

#[test]
fn azure_archive_and_raw_logs_give_the_local_results() {
    if let Some(srv) = server("AUDITHOUND_TEST_AZURE") {
        same_results_as_local(&srv, "az-same");
    }
}

#[test]
fn a_missing_bucket_is_named_with_what_to_check_and_no_secret() {
    let Some(srv) = server("AUDITHOUND_TEST_S3") else {
        return;
    };
    let fx = Fx::new();
    for args in [
        vec!["hunt", "s3://no-such-bucket-audithound/lake/"],
        vec![
            "convert",
            "s3://no-such-bucket-audithound/raw/",
            "--out",
            "x",
        ],
    ] {
        let r = srv.run(&fx, &args).expect_code(2);
        assert!(
            r.stderr.contains("s3://no-such-bucket-audithound/"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("NoSuchBucket"), "{}", r.stderr);
        assert!(r.stderr.contains("check its name"), "{}", r.stderr);
        assert!(!r.stderr.contains(S3_SECRET), "{}", r.stderr);
        assert!(!r.stderr.contains("<?xml"), "{}", r.stderr);
    }
    // A prefix with nothing under it is a clear no-match, not an empty success.
    let r = srv
        .run(
            &fx,
            &["hunt", &srv.url(&format!("{}/empty/", unique("none")))],
        )
        .expect_code(2);
    assert!(r.stderr.contains("no input matches"), "{}", r.stderr);
    // An endpoint nobody listens on fails after the retries, naming the URL.
    let fx2 = Fx::new();
    let r = fx2
        .run_env(
            &[
                "hunt",
                "s3://audithound-test/x/",
                "--endpoint",
                "http://127.0.0.1:9",
            ],
            &[
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", S3_SECRET),
            ],
        )
        .expect_code(2);
    assert!(r.stderr.contains("s3://audithound-test/x/"), "{}", r.stderr);
    assert!(r.stderr.contains("check the endpoint"), "{}", r.stderr);
    assert!(!r.stderr.contains(S3_SECRET), "{}", r.stderr);
}

/// A convert killed at any moment leaves only complete objects visible (every part reads), and
/// running it again completes the archive with each event exactly once.
#[test]
fn a_killed_remote_convert_leaves_no_partial_object_and_reruns_complete() -> TestResult {
    let Some(srv) = server("AUDITHOUND_TEST_S3") else {
        return Ok(());
    };
    let fx = Fx::new();
    std::fs::create_dir_all(fx.path("gen"))?;
    fx.run(&[
        "generate",
        "--events",
        "30000",
        "--days",
        "3",
        "--output",
        "gen/a.jsonl",
    ])
    .ok();
    fx.run(&[
        "generate",
        "--events",
        "30000",
        "--days",
        "3",
        "--seed",
        "7",
        "--output",
        "gen/b.jsonl",
    ])
    .ok();
    let base = unique("kill");
    srv.upload_dir(&fx.path("gen"), &format!("{base}/raw"));
    let raw = srv.url(&format!("{base}/raw/"));
    let lake = srv.url(&format!("{base}/lake/"));
    fx.convert(&["gen"], "local", &[]);

    let bin = env!("CARGO_BIN_EXE_audithound");
    for delay_ms in [300u64, 900, 1500, 2500] {
        let mut cmd = std::process::Command::new(bin);
        cmd.args(["convert", &raw, "--out", &lake, "--endpoint", &srv.endpoint])
            .current_dir(fx.path(""))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in &srv.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever is visible reads whole: a torn object would fail this query.
        let keys = srv.keys(&format!("{base}/lake"));
        if keys.iter().any(|k| k.ends_with(".parquet")) {
            srv.run(
                &fx,
                &["sql", &lake, "-e", "SELECT count(*) AS n FROM audit"],
            )
            .ok();
        }
        assert!(keys.iter().all(|k| !k.contains("_tmp")), "{keys:?}");
    }
    srv.run(&fx, &["convert", &raw, "--out", &lake]).ok();
    let q = "SELECT count(*) AS n, count(DISTINCT audit_id) AS ids FROM audit";
    let want = ndjson(
        &fx.run(&["sql", "local", "-e", q, "--format", "ndjson"])
            .ok()
            .stdout,
    );
    let got = ndjson(
        &srv.run(&fx, &["sql", &lake, "-e", q, "--format", "ndjson"])
            .ok()
            .stdout,
    );
    assert_eq!(got, want);
    Ok(())
}

/// Child processes killed when the test ends, pass or fail.
struct Children(Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}

/// The scheduler's `/readyz` body (`ready: 2 executors registered`), if it answers.
fn readyz(port: u16) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(2)))
        .ok()?;
    write!(
        s,
        "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

/// `serve scheduler` and two `serve executor` processes on loopback ports; hunt, stats and sql
/// with `--scheduler` on an archive in the local S3 server give exactly the local results, and
/// raw logs are refused with what to do instead.
#[test]
fn a_loopback_ballista_cluster_gives_the_local_results() {
    let Some(srv) = server("AUDITHOUND_TEST_S3") else {
        return;
    };
    let fx = Fx::new();
    let mix = fx.mix();
    let base = unique("ballista");
    let lake = srv.url(&format!("{base}/lake/"));
    fx.convert(&[mix], "local", &[]);
    srv.run(&fx, &["convert", mix, "--out", &lake]).ok();

    let bin = env!("CARGO_BIN_EXE_audithound");
    let spawn = |args: Vec<String>| {
        let mut cmd = std::process::Command::new(bin);
        cmd.args(&args)
            .args(["--endpoint", &srv.endpoint])
            .current_dir(fx.path(""))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in &srv.env {
            cmd.env(k, v);
        }
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot start {args:?}: {e}"))
    };
    let port = free_port();
    let mut kids = Children(vec![spawn(vec![
        "serve".into(),
        "scheduler".into(),
        "--bind".into(),
        format!("127.0.0.1:{port}"),
    ])]);
    for _ in 0..2 {
        kids.0.push(spawn(vec![
            "serve".into(),
            "executor".into(),
            "--scheduler".into(),
            format!("127.0.0.1:{port}"),
            "--bind".into(),
            format!("127.0.0.1:{}", free_port()),
            "--grpc-port".into(),
            free_port().to_string(),
            "--concurrency".into(),
            "2".into(),
        ]));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while !readyz(port).is_some_and(|b| b.contains("ready: 2 executors")) {
        assert!(
            std::time::Instant::now() < deadline,
            "the cluster did not come up: {:?}",
            readyz(port)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let sched = format!("df://127.0.0.1:{port}");
    let sql = "SELECT cluster, verb, count(*) AS n FROM audit GROUP BY 1, 2 ORDER BY 1, 2";
    let cases: [&[&str]; 4] = [
        &["hunt"],
        &["stats"],
        &["stats", "--by", "user_agent"],
        &["sql", "-e", sql],
    ];
    srv.assert_same_rows(&fx, &cases, "local", &lake, &["--scheduler", &sched]);
    let r = srv
        .run(&fx, &["hunt", mix, "--scheduler", &sched])
        .expect_code(2);
    assert!(r.stderr.contains("cannot be distributed"), "{}", r.stderr);
    assert!(r.stderr.contains("audithound convert"), "{}", r.stderr);
    let r = srv
        .run(
            &fx,
            &[
                "hunt",
                &lake,
                "--scheduler",
                &format!("df://127.0.0.1:{}", free_port()),
            ],
        )
        .expect_code(2);
    assert!(
        r.stderr.contains("cannot reach the Ballista scheduler"),
        "{}",
        r.stderr
    );
}

/// GCS has no local emulator: what can be checked without one is that a bad credential file is
/// named, with the variable to fix and the URL, before any request is made.
#[test]
fn gcs_credential_errors_name_the_url_and_the_variable() {
    let fx = Fx::new();
    let missing = fx.path("no-such-key.json");
    let bad = fx.write(
        "bad-key.json",
        br#"{"type":"service_account","client_email":"a@b"}"#,
    );
    for (key, says) in [
        (missing, "Unable to open service account file"),
        (bad, "Unable to decode service account file"),
    ] {
        let key = key.to_string_lossy().into_owned();
        let r = fx
            .run_env(
                &["hunt", "gs://audithound-nowhere/lake/"],
                &[("GOOGLE_APPLICATION_CREDENTIALS", key.as_str())],
            )
            .expect_code(2);
        assert!(r.stderr.contains("gs://audithound-nowhere"), "{}", r.stderr);
        assert!(r.stderr.contains(says), "{}", r.stderr);
        assert!(
            r.stderr.contains("set GOOGLE_APPLICATION_CREDENTIALS"),
            "{}",
            r.stderr
        );
    }
}
