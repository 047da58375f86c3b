//! `demo`: hunts the shipped sample in a temporary archive and leaves nothing behind.

use crate::harness::{Fx, RULE, copy_sample, run_env, tree};

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
