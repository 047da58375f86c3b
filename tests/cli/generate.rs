//! `generate`: deterministic synthetic logs in every compression, option checks, and hunts that
//! find exactly the denials the generator counted.

use std::collections::BTreeSet;

use crate::harness::{Fx, RULE, s};

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
