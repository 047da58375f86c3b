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

const GOOD: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"good-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/a/pods","verb":"list","user":{"username":"bob@example.com"},"objectRef":{"resource":"pods","namespace":"a","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-01-05T08:00:00Z","annotations":{"authorization.k8s.io/decision":"allow"}}"#;

/// A small compressed file that expands far beyond `--max-input-bytes` (gzip: 512 members of
/// 8 MiB of zeros, 4 GiB in all; zstd: 64 MiB of zeros in a few KB) is read up to the cap
/// only: its events before the cap are kept, one reject names the file and the flag, and the
/// run goes on. Without the cap, the gzip alone would make convert read 4 GiB.
#[test]
fn a_decompression_bomb_stops_at_the_input_cap() {
    use std::io::Write;
    let fx = Fx::new();
    let good = format!("{GOOD}\n{}\n", GOOD.replace("good-1", "good-2"));
    let mut head = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    head.write_all(good.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut bomb = head.finish().unwrap_or_else(|e| panic!("{e}"));
    let mut zeros = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    zeros
        .write_all(&vec![0u8; 8 << 20])
        .unwrap_or_else(|e| panic!("{e}"));
    let member = zeros.finish().unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..512 {
        bomb.extend_from_slice(&member);
    }
    assert!(bomb.len() < 5 << 20, "the bomb is {} bytes", bomb.len());
    fx.write("bomb.log.gz", &bomb);
    let mut plain = good.replace("good-", "zgood-").into_bytes();
    plain.extend(std::iter::repeat_n(b'\n', 64 << 20));
    let z = zstd::encode_all(&plain[..], 3).unwrap_or_else(|e| panic!("{e}"));
    fx.write("bomb.log.zst", &z);
    fx.copy("denials.jsonl", "denials.jsonl");
    let r = fx.convert(
        &["bomb.log.gz", "bomb.log.zst", "denials.jsonl"],
        "arch",
        &["--max-input-bytes", "1M"],
    );
    // The gzip's first MiB of zeros is a line (not JSON), then the cap; the zstd's newlines
    // are blank lines, then the cap.
    assert!(
        r.stderr.contains("20 events, 3 lines rejected"),
        "{}",
        r.stderr
    );
    let rejects: Vec<Row> = fx
        .files_under("arch/_rejects", ".ndjson")
        .iter()
        .flat_map(|p| {
            ndjson(&String::from_utf8_lossy(
                &std::fs::read(p).unwrap_or_default(),
            ))
        })
        .collect();
    let mut capped: Vec<&str> = rejects
        .iter()
        .filter(|r| {
            s(r, "reason").contains("cap of 1048576 bytes once decompressed (--max-input-bytes)")
        })
        .map(|r| s(r, "file"))
        .collect();
    capped.sort_unstable();
    assert_eq!(capped, ["bomb.log.gz", "bomb.log.zst"], "{rejects:?}");
    // Raw reading obeys the same cap.
    let raw = fx
        .run(&[
            "sql",
            "bomb.log.gz",
            "-e",
            "SELECT count(*) AS n FROM audit",
            "--format",
            "csv",
            "--max-input-bytes",
            "1M",
        ])
        .ok();
    assert_eq!(raw.stdout.lines().nth(1), Some("2"), "{}", raw.stdout);
    // Standard input is spooled to disk first (a hunt's copy lets every rule read the input
    // again): past the cap it is refused, not stored.
    for args in [
        &[
            "convert",
            "-",
            "--out",
            "spooled",
            "--max-input-bytes",
            "1K",
        ][..],
        &["hunt", "-", "--max-input-bytes", "1K"],
    ] {
        let r = fx.run_with_stdin(args, Some(&[b'\n'; 4096])).expect_code(2);
        assert!(
            r.stderr
                .contains("standard input is larger than --max-input-bytes (1024 bytes)"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // Within the cap, standard input is hunted as a file would be.
    let denial = std::fs::read(fx.path("denials.jsonl")).unwrap_or_default();
    let r = fx
        .run_with_stdin(
            &["hunt", "-", "--rule", "denied-service-account-request"],
            Some(&denial),
        )
        .ok();
    assert!(!r.stdout.is_empty(), "{}", r.stderr);
}

/// Control characters and escape sequences in a field are escaped in the table, never sent to
/// the terminal; NDJSON escapes them as JSON does.
#[test]
fn terminal_escapes_in_fields_are_escaped_in_the_table() {
    let fx = Fx::new();
    let evil = GOOD.replace(
        r#""list","user""#,
        r#""list","userAgent":"kubectl\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202etxt.exe\u0000","user""#,
    );
    fx.write("evil.jsonl", evil.as_bytes());
    fx.convert(&["evil.jsonl"], "arch", &[]);
    for path in ["arch", "evil.jsonl"] {
        let r = fx
            .run(&[
                "sql",
                path,
                "-e",
                "SELECT user_agent FROM audit",
                "--format",
                "table",
            ])
            .ok();
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{0}'] {
            assert!(
                !r.stdout.contains(bad),
                "{bad:?} reached the terminal: {:?}",
                r.stdout
            );
        }
        assert!(
            r.stdout.contains(r"kubectl\u{1b}]0;pwned\u{7}"),
            "{}",
            r.stdout
        );
    }
    let rows = fx.sql("arch", "SELECT user_agent FROM audit");
    assert!(s(&rows[0], "user_agent").starts_with("kubectl\u{1b}]0;pwned"));
}

/// Crafted archives: a file that is not Parquet, a truncated footer, a file with another schema
/// (whose columns DataFusion would cast silently), a `cluster=..` folder and a link out of the
/// archive each stop `hunt` with an error naming the file; nothing panics, nothing is written.
#[test]
fn crafted_archives_are_refused_naming_the_file() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "good", &[]);
    let part = fx.files_under("good", ".parquet")[0].clone();
    let bytes = std::fs::read(&part).unwrap_or_default();
    // Another schema: `user_name` an integer, `event_time` a number.
    fx.run(&[
        "sql",
        "good",
        "-e",
        "SELECT 42 AS user_name, 'x' AS verb, 7 AS event_time, 'f' AS source_file, \
         CAST(1 AS BIGINT UNSIGNED) AS source_line",
        "--format",
        "parquet",
        "-o",
        "other.parquet",
    ])
    .ok();
    let other = fx.read("other.parquet");
    fx.write("outside/cluster=x/date=2026-01-05/p.parquet", &bytes);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "cluster=evil/date=2026-01-05/part-x.parquet",
            b"not parquet".to_vec(),
            "not a readable Parquet file",
        ),
        (
            "cluster=evil/date=2026-01-05/part-t.parquet",
            bytes[..bytes.len() - 9].to_vec(),
            "not a readable Parquet file",
        ),
        (
            "cluster=evil/date=2026-01-05/part-s.parquet",
            other,
            "\"user_name\" is Int64",
        ),
        (
            "cluster=../date=2026-01-05/part-d.parquet",
            bytes.clone(),
            "cluster \"..\"",
        ),
        (
            "cluster=evil/date=yesterday/part-y.parquet",
            bytes.clone(),
            "date \"yesterday\"",
        ),
    ];
    for (i, (rel, content, want)) in cases.into_iter().enumerate() {
        let arch = format!("arch{i}");
        copy_tree(&fx.path("good"), &fx.path(&arch));
        fx.write(&format!("{arch}/{rel}"), &content);
        let before = tree(&fx.path(&arch));
        let r = fx
            .run(&["hunt", &arch, "--format", "ndjson"])
            .expect_code(2);
        assert!(r.stderr.contains(want), "{rel}: {}", r.stderr);
        let named = rel
            .split('/')
            .take(if want.starts_with("cluster") {
                1
            } else if want.starts_with("date") {
                2
            } else {
                3
            })
            .collect::<Vec<_>>()
            .join("/");
        assert!(r.stderr.contains(&named), "{rel}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert_eq!(tree(&fx.path(&arch)), before, "{rel}: the archive changed");
    }
    // A link out of the archive (to a folder of valid parts) is refused, not followed.
    copy_tree(&fx.path("good"), &fx.path("linked"));
    std::os::unix::fs::symlink(fx.path("outside/cluster=x"), fx.path("linked/cluster=x"))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = fx
        .run(&["hunt", "linked", "--format", "ndjson"])
        .expect_code(2);
    assert!(r.stderr.contains("outside the archive"), "{}", r.stderr);
    assert!(r.stderr.contains("linked/cluster=x"), "{}", r.stderr);
    // Out of scope, a bad partition is not read at all.
    fx.write("arch0/cluster=evil/date=2026-01-05/part-x.parquet", b"junk");
    let rows = fx.hunt(&["arch0", "--cluster", "default"]);
    assert_eq!(rows.len(), DENIAL_MATCHES.len());
}

/// A crafted manifest naming files outside the archive's partitions never makes `convert
/// --force` delete them.
#[test]
fn a_crafted_manifest_cannot_make_convert_delete_outside_the_archive() {
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.convert(&["denials.jsonl"], "arch", &[]);
    let victim = fx.write("victim.txt", b"keep me");
    let abs = victim.display().to_string();
    let manifest = String::from_utf8_lossy(&fx.read("arch/_manifest/inputs.ndjson")).into_owned();
    let crafted = manifest.replacen(
        r#""files":["#,
        &format!(r#""files":["../victim.txt","{abs}","cluster=default/date=2026-01-05/../../../victim.txt","#),
        1,
    );
    assert_ne!(crafted, manifest);
    fx.write("arch/_manifest/inputs.ndjson", crafted.as_bytes());
    let r = fx.convert(&["denials.jsonl"], "arch", &["--force"]);
    assert!(r.stderr.contains("left alone"), "{}", r.stderr);
    assert_eq!(fx.read("victim.txt"), b"keep me");
    assert_eq!(fx.hunt(&["arch"]).len(), DENIAL_MATCHES.len());
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for rel in tree(from) {
        let src = from.join(&rel);
        let dst = to.join(&rel);
        if rel.ends_with('/') {
            std::fs::create_dir_all(&dst).unwrap_or_else(|e| panic!("{e}"));
        } else {
            if let Some(p) = dst.parent() {
                std::fs::create_dir_all(p).unwrap_or_else(|e| panic!("{e}"));
            }
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// What must come out of every conversion of the mixed inputs, whatever happened before.
const EVERY_EVENT: &str = "SELECT audit_id, source_file, source_line, cluster, date FROM audit \
                           ORDER BY source_file, source_line, audit_id";

/// A small deterministic generator (xorshift), seeded from the clock unless
/// `AUDITHOUND_KILL_SEED` is set; the seed is printed with every failure.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Starts `convert INPUT --out ARCH` and kills it with SIGKILL: at crash point `pause_at`
/// (where convert waits when `AUDITHOUND_PAUSE_AT` names it), or after `delay_ms` when
/// `pause_at` is `None`. Returns whether it was still running when killed.
fn kill_convert(fx: &Fx, input: &str, arch: &str, pause_at: Option<u64>, delay_ms: u64) -> bool {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_audithound"));
    cmd.args(["convert", input, "--out", arch])
        .current_dir(fx.path(""))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(n) = pause_at {
        cmd.env("AUDITHOUND_PAUSE_AT", n.to_string());
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start convert: {e}"));
    let stderr = child.stderr.take();
    match (pause_at, stderr) {
        (Some(_), Some(err)) => {
            // Wait until it stands at the point (or ends having fewer points than that).
            for line in std::io::BufReader::new(err).lines() {
                if line.unwrap_or_default().starts_with("paused at") {
                    break;
                }
            }
        }
        _ => std::thread::sleep(std::time::Duration::from_millis(delay_ms)),
    }
    let running = matches!(child.try_wait(), Ok(None));
    child.kill().unwrap_or_else(|e| panic!("kill: {e}"));
    let _ = child.wait();
    running
}

/// No half file is visible after a kill: every Parquet file outside `_tmp/` is whole (magic at
/// both ends, a footer that fits), every line of the manifest and of each rejects file is JSON.
fn no_half_file(fx: &Fx, arch: &str, seed: u64) {
    for rel in tree(&fx.path(arch)) {
        if rel.starts_with("_tmp/") || rel.ends_with('/') {
            continue;
        }
        let bytes = fx.read(&format!("{arch}/{rel}"));
        if rel.ends_with(".parquet") {
            let n = bytes.len();
            let footer = n
                .checked_sub(8)
                .and_then(|at| bytes.get(at..at + 4))
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
            let whole = n >= 12
                && bytes.starts_with(b"PAR1")
                && bytes.ends_with(b"PAR1")
                && footer.is_some_and(|f| f + 12 <= n);
            assert!(
                whole,
                "seed {seed}: {arch}/{rel} is a half file ({n} bytes)"
            );
        } else if rel.ends_with(".ndjson") {
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines() {
                assert!(
                    serde_json::from_str::<serde_json::Value>(line).is_ok(),
                    "seed {seed}: torn line in {arch}/{rel}: {line:?}"
                );
            }
        }
    }
}

/// Crash safety (issue 12): `convert` is killed with SIGKILL at least 50 times at random points:
/// at each named point of a conversion (reading, parts written under `_tmp/`, each rename into
/// place, the rejects, the manifest's temporary file and its rename) chosen at random, and after
/// random short delays. After every kill no half file is visible; run again to the end, each
/// archive holds every valid event of the inputs exactly once, the same rows as a conversion
/// that was never interrupted, and its manifest names each input once.
#[test]
fn convert_killed_at_random_points_keeps_every_event_exactly_once() {
    let fx = Fx::new();
    let mix = fx.mix();
    fx.convert(&[mix], "reference", &[]);
    let want = fx.sql_csv("reference", EVERY_EVENT);
    assert!(want.len() > 30, "{want:?}");
    let seed = std::env::var("AUDITHOUND_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        })
        | 1;
    let mut rng = Rng(seed);
    // How many crash points a whole conversion passes.
    let counted = fx.run_env(
        &["convert", mix, "--out", "counted"],
        &[("AUDITHOUND_PAUSE_AT", "0")],
    );
    let points = counted
        .ok()
        .stderr
        .lines()
        .filter(|l| l.starts_with("crash point "))
        .count() as u64;
    assert!(points >= 9 * 4, "only {points} crash points");
    let (mut kills, mut round) = (0, 0);
    while kills < 50 {
        let arch = format!("arch{round}");
        for _ in 0..3 + rng.below(4) {
            let killed = if rng.below(4) == 0 {
                kill_convert(&fx, mix, &arch, None, rng.below(400))
            } else {
                kill_convert(&fx, mix, &arch, Some(1 + rng.below(points)), 0)
            };
            kills += u32::from(killed);
            no_half_file(&fx, &arch, seed);
        }
        let r = fx.convert(&[mix], &arch, &[]);
        assert_eq!(
            fx.sql_csv(&arch, EVERY_EVENT),
            want,
            "seed {seed}: {arch} after kills\n{}",
            r.stderr
        );
        let manifest = ndjson(&String::from_utf8_lossy(
            &fx.read(&format!("{arch}/_manifest/inputs.ndjson")),
        ));
        let names: std::collections::BTreeSet<&str> =
            manifest.iter().map(|e| s(e, "name")).collect();
        assert_eq!(
            (manifest.len(), names.len()),
            (9, 9),
            "seed {seed}: {manifest:?}"
        );
        assert!(!fx.path(&format!("{arch}/_tmp")).exists(), "seed {seed}");
        no_half_file(&fx, &arch, seed);
        round += 1;
    }
    eprintln!("{kills} kills in {round} rounds ({points} crash points a run), seed {seed}");
}

/// Two writers, for real: a convert holding the archive (paused right after taking its lock)
/// makes a second one refuse, naming the lock; killed, its lock is gone and the second runs.
#[test]
fn two_writers_one_refuses_while_the_other_runs() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let fx = Fx::new();
    fx.copy("denials.jsonl", "denials.jsonl");
    fx.copy("bad.log", "bad.log");
    let mut first = Command::new(env!("CARGO_BIN_EXE_audithound"))
        .args(["convert", "denials.jsonl", "--out", "arch"])
        .current_dir(fx.path(""))
        .env("AUDITHOUND_PAUSE_AT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = first.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let mut lines = std::io::BufReader::new(err).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("archive locked"))),
        "the first convert never took the lock"
    );
    let r = fx
        .run(&["convert", "bad.log", "--out", "arch"])
        .expect_code(2);
    assert!(
        r.stderr.contains("another convert is writing to arch"),
        "{}",
        r.stderr
    );
    first.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = first.wait();
    let r = fx.convert(&["denials.jsonl", "bad.log"], "arch", &[]);
    assert!(r.stderr.contains("converted 2 input(s)"), "{}", r.stderr);
}
