//! `report`: the daily report agrees with `stats` and `sql`, is reproducible, is not written over
//! without `--force`, compares with its baseline week, writes a range, and reads raw logs too.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{Fx, RULE, Row, copy_sample, num, s, tree};

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
