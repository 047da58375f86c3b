//! Golden cases: every rule ships with events that must raise an alert and near misses that must
//! not, in `<rule id>.cases.toml` beside the rule's `.sql` file.
//!
//! ```toml
//! # One audit event as the API server logs it; each case is this event with its patch applied.
//! base = '''{"kind":"Event","auditID":"x","stage":"ResponseComplete", ...}'''
//!
//! [[case]]
//! name = "a service account refused a list of secrets"
//! alert = true
//! patch = '''{"verb":"list","annotations":{"authorization.k8s.io/decision":"forbid"}}'''
//! ```
//!
//! A patch is a JSON merge patch (RFC 7386): its keys replace the base's, objects merge, and
//! `null` removes a key. Each case's event gets the audit id `case-<n>` (n from 1, in file order),
//! so the expected alerts are exact: the rule must alert on the cases marked `alert = true` and
//! on no other. The cases run as raw log lines through the same parser, prefilter and engine as
//! `hunt`, so a `requires:` literal that would hide a real match fails the test too.
//!
//! Rules that look at several events (aggregations, sequences, new terms) have cases of several
//! events, each the base with its own patch; `alerts` lists which of them (1-based) must carry an
//! alert (the representative event of a group, the last event of a sequence, the first sighting
//! of a term), and every other must not:
//!
//! ```toml
//! [[case]]
//! name = "a burst of three secrets in one window"
//! events = ['''{"objectRef":{"name":"a"}}''', '''{"objectRef":{"name":"b"}}''', '''{"objectRef":{"name":"c"}}''']
//! alerts = [1]
//! ```
//!
//! Event `k` of case `n` gets the audit id `case-<n>-<k>`. Such rules run each case on its own,
//! so cases cannot count in each other's groups.

use std::collections::BTreeSet;
use std::io::Write;

use datafusion::arrow::array::{Array, AsArray};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ingest::input::Source;
use crate::query::engine::{Data, Engine, EngineOptions, Scope};
use crate::query::hunt;
use crate::query::models::Model;
use crate::query::rules::{self, Rule};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    base: String,
    #[serde(rename = "case", default)]
    cases: Vec<Case>,
}

/// One golden case: one event (`patch`, `alert`) or several (`events`, `alerts`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    alert: Option<bool>,
    #[serde(default)]
    patch: Option<String>,
    /// Several events, each the base with its patch applied, in this order.
    #[serde(default)]
    events: Option<Vec<String>>,
    /// Which of `events` (1-based) must raise an alert; every other must not.
    #[serde(default)]
    alerts: Option<Vec<usize>>,
}

/// One case's events as log lines, by audit id, and the ids that must alert.
#[derive(Debug)]
struct CaseEvents {
    name: String,
    /// (audit id, JSON line)
    lines: Vec<(String, String)>,
    expect: BTreeSet<String>,
}

impl CaseEvents {
    /// Whether the case has an event that must alert.
    fn fires(&self) -> bool {
        !self.expect.is_empty()
    }
    /// Whether the case has an event that must not.
    fn misses(&self) -> bool {
        self.lines.len() > self.expect.len()
    }
}

/// The outcome of one rule's golden cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub rule: String,
    pub cases: usize,
    /// Events that should have raised an alert and did not: (case number, what).
    pub missed: Vec<(usize, String)>,
    /// Events that raised an alert and should not have.
    pub unexpected: Vec<(usize, String)>,
    /// What the cases lack: an event that must alert, or a near miss that must not.
    pub incomplete: Option<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.missed.is_empty() && self.unexpected.is_empty() && self.incomplete.is_none()
    }
}

/// RFC 7386 JSON merge patch.
fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// The events of a case file, case by case.
fn cases(path: &str, text: &str) -> Result<Vec<CaseEvents>> {
    let bad = |message: String| Error::Rule {
        path: path.to_owned(),
        message,
    };
    let file: CaseFile = toml::from_str(text).map_err(|e| bad(format!("golden cases: {e}")))?;
    let base: Value = serde_json::from_str(&file.base)
        .map_err(|e| bad(format!("golden cases: `base` is not JSON: {e}")))?;
    if file.cases.is_empty() {
        return Err(bad("golden cases: no [[case]]".into()));
    }
    let event = |n: usize, name: &str, patch: Option<&String>, id: String| -> Result<String> {
        let mut ev = base.clone();
        if let Some(p) = patch {
            let p: Value = serde_json::from_str(p).map_err(|e| {
                bad(format!(
                    "golden case {n} ({name:?}): patch is not JSON: {e}"
                ))
            })?;
            merge(&mut ev, &p);
        }
        if let Value::Object(m) = &mut ev {
            m.insert("auditID".into(), Value::String(id));
        }
        Ok(ev.to_string())
    };
    let mut out = Vec::new();
    for (i, c) in file.cases.iter().enumerate() {
        let n = i + 1;
        let shape_error = || {
            bad(format!(
                "golden case {n} ({:?}): give either `alert` (and an optional `patch`) or `events` and `alerts`",
                c.name
            ))
        };
        let (lines, expect) = match (&c.events, &c.alerts, c.alert) {
            (None, None, Some(alert)) => {
                let id = format!("case-{n}");
                let line = event(n, &c.name, c.patch.as_ref(), id.clone())?;
                let expect = if alert {
                    [id.clone()].into()
                } else {
                    BTreeSet::new()
                };
                (vec![(id, line)], expect)
            }
            (Some(evs), Some(alerts), None) if c.patch.is_none() && !evs.is_empty() => {
                let mut lines = Vec::new();
                for (k, p) in evs.iter().enumerate() {
                    let id = format!("case-{n}-{}", k + 1);
                    lines.push((id.clone(), event(n, &c.name, Some(p), id)?));
                }
                let mut expect = BTreeSet::new();
                for &k in alerts {
                    if k == 0 || k > evs.len() {
                        return Err(bad(format!(
                            "golden case {n} ({:?}): alerts names event {k}, but there are {}",
                            c.name,
                            evs.len()
                        )));
                    }
                    expect.insert(format!("case-{n}-{k}"));
                }
                (lines, expect)
            }
            _ => return Err(shape_error()),
        };
        out.push(CaseEvents {
            name: c.name.clone(),
            lines,
            expect,
        });
    }
    Ok(out)
}

/// The audit ids of the events `rule` alerts on, over `lines` given as one raw log file.
async fn fired<'l>(rule: &Rule, lines: impl Iterator<Item = &'l str>) -> Result<BTreeSet<String>> {
    let mut tmp = tempfile::Builder::new()
        .prefix("audithound-golden-")
        .suffix(".jsonl")
        .tempfile()
        .map_err(|source| Error::Output {
            path: std::env::temp_dir(),
            source,
        })?;
    for line in lines {
        writeln!(tmp, "{line}").map_err(|source| Error::Output {
            path: tmp.path().to_path_buf(),
            source,
        })?;
    }
    tmp.flush().map_err(|source| Error::Output {
        path: tmp.path().to_path_buf(),
        source,
    })?;
    let mut eo = EngineOptions {
        threads: 1,
        ..EngineOptions::default()
    };
    // The rule's own prefilter, as a hunt would use it: a literal that hides a match fails.
    if let Some(f) = rules::line_filter(std::slice::from_ref(rule)) {
        eo.scan.filter = f;
    }
    let data = Data::Raw(vec![Source::File(tmp.path().to_path_buf())], None);
    let engine = Engine::open(&data, &Scope::default(), &eo).await?;
    let batches = hunt::alerts(&engine, std::slice::from_ref(rule), None)
        .await?
        .collect()
        .await?;
    let mut fired = BTreeSet::new();
    for b in &batches {
        let ids = b
            .column_by_name("audit_id")
            .ok_or_else(|| Error::Usage("alerts lack audit_id".into()))?
            .as_string::<i32>();
        for i in 0..ids.len() {
            fired.insert(ids.value(i).to_owned());
        }
    }
    Ok(fired)
}

/// Runs one rule over its golden cases (given as the text of its `.cases.toml`). The cases of
/// a single-event rule run together, as one log; those of an aggregation, sequence or new-terms
/// rule each on its own, since their events would otherwise count in each other's groups.
pub async fn run(rule: &Rule, cases_path: &str, cases_text: &str) -> Result<Outcome> {
    let all = cases(cases_path, cases_text)?;
    let incomplete = if !all.iter().any(CaseEvents::fires) {
        Some("no case has an event that must raise an alert".to_owned())
    } else if !all.iter().any(CaseEvents::misses) {
        Some("no case has a near miss that must not raise an alert".to_owned())
    } else {
        None
    };
    let together = rule.model == Model::Event;
    let mut hits = BTreeSet::new();
    if together {
        hits = fired(
            rule,
            all.iter()
                .flat_map(|c| c.lines.iter().map(|(_, l)| l.as_str())),
        )
        .await?;
    }
    let mut missed = Vec::new();
    let mut unexpected = Vec::new();
    for (i, c) in all.iter().enumerate() {
        let n = i + 1;
        if !together {
            hits = fired(rule, c.lines.iter().map(|(_, l)| l.as_str())).await?;
        }
        for (k, (id, _)) in c.lines.iter().enumerate() {
            let what = if c.lines.len() == 1 {
                c.name.clone()
            } else {
                format!("{} (event {})", c.name, k + 1)
            };
            match (c.expect.contains(id), hits.contains(id)) {
                (true, false) => missed.push((n, what)),
                (false, true) => unexpected.push((n, what)),
                _ => {}
            }
        }
    }
    Ok(Outcome {
        rule: rule.id.clone(),
        cases: all.len(),
        missed,
        unexpected,
        incomplete,
    })
}

/// Where a rule's golden cases are: `x.sql` → `x.cases.toml`.
pub fn cases_path(rule_path: &str) -> String {
    let stem = rule_path.strip_suffix(".sql").unwrap_or(rule_path);
    format!("{stem}.cases.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_replaces_merges_and_removes() {
        let mut v: Value =
            serde_json::from_str(r#"{"a":1,"b":{"c":2,"d":3},"e":[1]}"#).unwrap_or_default();
        let p: Value =
            serde_json::from_str(r#"{"a":null,"b":{"c":5},"e":[2],"f":"x"}"#).unwrap_or_default();
        merge(&mut v, &p);
        assert_eq!(v.to_string(), r#"{"b":{"c":5,"d":3},"e":[2],"f":"x"}"#);
    }

    #[tokio::test]
    async fn every_shipped_rule_passes_its_golden_cases() {
        let (rules, problems) = rules::load(None, true).unwrap_or_else(|e| panic!("{e}"));
        assert!(problems.is_empty());
        let mut failed = Vec::new();
        for r in &rules {
            let path = cases_path(&r.path);
            let text = rules::shipped_cases(&r.path)
                .unwrap_or_else(|| panic!("{} has no golden cases ({path})", r.id));
            let o = run(r, &path, text).await.unwrap_or_else(|e| panic!("{e}"));
            if !o.passed() {
                failed.push(o);
            }
        }
        assert!(failed.is_empty(), "{failed:#?}");
    }
}
