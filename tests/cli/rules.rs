//! `rules` and `--rules`: listing, broken rule files named (and fatal with `--strict`), `--rule`,
//! and every rule seeing standard input.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::harness::{DENIAL_MATCHES, Fx, RULE, Row, ids, num, read_fixture, s, set};

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

/// A plain `hunt` runs the whole pack; over raw logs the lines are parsed once for all rules
/// (staged to a temporary file) and the alerts are those of the archive, rule by rule.
#[test]
fn the_whole_pack_gives_the_same_alerts_raw_and_archived() {
    let fx = Fx::new();
    fx.denials_and_shapes();
    let every = |rows: &[Row]| -> BTreeSet<(String, String)> {
        rows.iter()
            .map(|r| (s(r, "rule_id").to_owned(), s(r, "alert_id").to_owned()))
            .collect()
    };
    let args = ["hunt", "denials.jsonl", "shapes", "--format", "ndjson"];
    let raw = fx.run(&args).ok();
    let raw_rows = raw.rows();
    let rules_seen: BTreeSet<&str> = raw_rows.iter().map(|r| s(r, "rule_id")).collect();
    assert!(rules_seen.contains(RULE), "{rules_seen:?}");
    assert!(rules_seen.len() > 1, "only {rules_seen:?} fired");
    fx.convert(&["denials.jsonl", "shapes"], "archive", &[]);
    let arch = fx
        .run(&["hunt", "archive", "--format", "ndjson"])
        .ok()
        .rows();
    assert_eq!(every(&raw_rows), every(&arch));
    // The seed rule's alerts are the same whether it runs alone or in the pack.
    let alone = fx.hunt(&["denials.jsonl", "shapes"]);
    let in_pack: BTreeSet<String> = raw_rows
        .iter()
        .filter(|r| s(r, "rule_id") == RULE)
        .map(|r| s(r, "alert_id").to_owned())
        .collect();
    let alone: BTreeSet<String> = alone.iter().map(|r| s(r, "alert_id").to_owned()).collect();
    assert_eq!(in_pack, alone);
    // Kibana's alert documents of the pack (read in the same one pass): one per alert.
    let per_event = |ids: Vec<String>| {
        let mut m: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for id in ids {
            *m.entry(id).or_default() += 1;
        }
        m
    };
    let docs = fx.run(&["hunt", "archive", "--format", "ecs"]).ok().rows();
    assert_eq!(
        per_event(
            docs.iter()
                .map(|d| d["kubernetes"]["audit"]["auditID"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned())
                .collect()
        ),
        per_event(arch.iter().map(|r| s(r, "audit_id").to_owned()).collect())
    );
}

/// `rules test DIR` runs a user folder's golden cases: a passing rule, a rule whose case fails
/// (named, exit 1), and a rule without cases (exit 1).
#[test]
fn rules_test_runs_golden_cases_of_a_user_folder() {
    let fx = Fx::new();
    let shipped = |name: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("sql/rules")
                .join(name),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    fx.write(
        "rules/denied.sql",
        &shipped("denied-service-account-request.sql"),
    );
    fx.write(
        "rules/denied.cases.toml",
        &shipped("denied-service-account-request.cases.toml"),
    );
    let ok = fx.run(&["rules", "test", "rules"]).ok();
    assert!(ok.stdout.contains(&format!("ok   {RULE}")), "{}", ok.stdout);
    assert!(ok.stdout.contains("1 passed, 0 failed"), "{}", ok.stdout);

    // A case that claims an allowed request alerts: the rule is right, the case is wrong.
    let mut wrong =
        String::from_utf8(shipped("denied-service-account-request.cases.toml")).unwrap_or_default();
    wrong.push_str(
        "\n[[case]]\nname = \"allowed, yet expected to alert\"\nalert = true\npatch = '''{\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"}}'''\n",
    );
    fx.write("rules/denied.cases.toml", wrong.as_bytes());
    fx.write("rules/any-forbid.sql", ANY_FORBID.as_bytes());
    let bad = fx.run(&["rules", "test", "rules"]).expect_code(1);
    assert!(
        bad.stdout
            .contains("\"allowed, yet expected to alert\": expected an alert, got none"),
        "{}",
        bad.stdout
    );
    assert!(
        bad.stdout.contains("FAIL any-forbid: no golden cases"),
        "{}",
        bad.stdout
    );

    // The shipped pack passes, and `rules show` prints a rule's file.
    let all = fx.run(&["rules", "test"]).ok();
    assert!(all.stdout.contains("0 failed, 0 without"), "{}", all.stdout);
    let show = fx.run(&["rules", "show", "events-deleted"]).ok();
    assert!(
        show.stdout.starts_with("-- id: events-deleted"),
        "{}",
        show.stdout
    );
    assert!(show.stdout.contains("SELECT *"), "{}", show.stdout);
    let nd = fx.run(&["rules", "--format", "ndjson"]).ok().rows();
    assert_eq!(nd.len(), audithound::query::rules::SHIPPED.len());
    assert!(nd.iter().all(|r| !s(r, "elastic_rule_id").is_empty()));
}
