//! `bench`: every step timed, and only what bench made is removed.

use crate::harness::Fx;

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
        "hunt --stats (archive)",
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
