//! The raw-log prefilter never changes a result (issue 9): lines whose rule literals are written
//! with JSON escapes are hunted raw exactly as in their archive, by hand-made cases and by
//! randomly escaped copies of every fixture event.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::harness::{Fx, Row, read_fixture, s};

/// The alerts of `escaped.jsonl` (see tests/fixtures/README.md).
const ESCAPED_MATCHES: [&str; 11] = [
    "esc-u-forbid-sa-deny-plain",
    "esc-u-colon-sa-deny-plain-2",
    "esc-u-upper-sa-deny-exec",
    "esc-u-mid-sa-deny-metrics",
    "esc-u-forbid-sa-deny-offset",
    "esc-u-colon-sa-deny-nanos",
    "esc-u-upper-sa-deny-pod-bound",
    "esc-u-mid-sa-deny-impersonating",
    "esc-both-sa-deny-exec",
    "esc-aks-sa-deny-metrics",
    "esc-gke-sa-deny-granted-false",
];

/// Alerts without the one column that names how the input was given, sorted.
fn comparable(rows: &[Row]) -> Vec<Row> {
    let mut v: Vec<Row> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.remove("source_file");
            r
        })
        .collect();
    v.sort_by(|a, b| {
        (
            s(a, "alert_id"),
            a.get("source_line").map(ToString::to_string),
        )
            .cmp(&(
                s(b, "alert_id"),
                b.get("source_line").map(ToString::to_string),
            ))
    });
    v
}

fn audit_ids(rows: &[Row]) -> BTreeSet<String> {
    rows.iter().map(|r| s(r, "audit_id").to_owned()).collect()
}

// regression (issue 9): `\u0066orbid` and friends were skipped unparsed by the raw hunt.
#[test]
fn escaped_literals_alert_raw_as_in_the_archive() {
    let fx = Fx::new();
    fx.copy("escaped.jsonl", "escaped.jsonl");
    fx.convert(&["escaped.jsonl"], "archive", &[]);
    let archive = fx.hunt(&["archive"]);
    let raw = fx.hunt(&["escaped.jsonl"]);
    let want: BTreeSet<String> = ESCAPED_MATCHES.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(audit_ids(&archive), want);
    assert_eq!(audit_ids(&raw), want);
    assert_eq!(comparable(&archive), comparable(&raw));
}

/// A small deterministic generator (xorshift64*), so the property test needs no dependency and
/// a failure names a seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

/// The same JSON text with characters inside strings (keys and values) written as `\uXXXX`
/// escapes, and `/` as `\/`, at random. Existing escapes are kept as they are.
fn escape_randomly(line: &str, rng: &mut Rng, rate: u64) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    let (mut in_string, mut escaped) = (false, false);
    for c in line.chars() {
        if !in_string {
            in_string = c == '"';
            out.push(c);
            continue;
        }
        if escaped {
            escaped = false;
            out.push(c);
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                out.push(c);
            }
            '"' => {
                in_string = false;
                out.push(c);
            }
            '/' if rng.one_in(2) => out.push_str("\\/"),
            c if (c as u32) < 0x1_0000 && rng.one_in(rate) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Property: for randomly escaped copies of every single-line fixture event (raw events, ECS,
/// EKS CloudWatch with its escaped inner event, GKE), the raw hunt raises exactly the archive
/// hunt's alerts, and as many as the unescaped lines raise.
#[test]
fn randomly_escaped_events_hunt_the_same_raw_and_archived() {
    let mut base = Vec::new();
    for f in [
        "denials.jsonl",
        "shapes/ecs.ndjson",
        "shapes/eks-cloudwatch.ndjson",
        "shapes/gke.ndjson",
    ] {
        let text = String::from_utf8(read_fixture(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        base.extend(text.lines().map(str::to_owned));
    }
    let fx = Fx::new();
    fx.write("plain.jsonl", (base.join("\n") + "\n").as_bytes());
    let per_copy = fx.hunt(&["plain.jsonl"]).len();
    assert!(per_copy >= 10, "the fixtures hold matches ({per_copy})");

    for seed in [1u64, 7, 42, 1234, 99_991] {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut text = String::new();
        let copies = 6;
        for round in 0..copies {
            // From sparse to dense escaping.
            let rate = [40, 12, 5, 3, 2, 1][round % 6];
            for l in &base {
                text.push_str(&escape_randomly(l, &mut rng, rate));
                text.push('\n');
            }
        }
        let name = format!("escaped-{seed}.jsonl");
        fx.write(&name, text.as_bytes());
        let archive_dir = format!("archive-{seed}");
        fx.convert(&[&name], &archive_dir, &[]);
        let archive = fx.hunt(&[&archive_dir]);
        let raw = fx.hunt(&[&name]);
        assert_eq!(
            archive.len(),
            per_copy * copies,
            "seed {seed}: archive alerts"
        );
        assert_eq!(
            comparable(&archive),
            comparable(&raw),
            "seed {seed}: raw hunt differs from the archive hunt"
        );
    }
}
