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

use std::collections::BTreeSet;
use std::io::Write;

use datafusion::arrow::array::{Array, AsArray};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ingest::input::Source;
use crate::query::engine::{Data, Engine, EngineOptions, Scope};
use crate::query::hunt;
use crate::query::rules::{self, Rule};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    base: String,
    #[serde(rename = "case", default)]
    cases: Vec<Case>,
}

/// One golden case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    alert: bool,
    #[serde(default)]
    patch: Option<String>,
}

/// The outcome of one rule's golden cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub rule: String,
    pub cases: usize,
    /// Cases marked `alert = true` that raised none: (number, name).
    pub missed: Vec<(usize, String)>,
    /// Cases marked `alert = false` that raised one.
    pub unexpected: Vec<(usize, String)>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.missed.is_empty() && self.unexpected.is_empty()
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

/// The events of a case file, one JSON line each, with their case names and expectations.
fn events(path: &str, text: &str) -> Result<Vec<(String, bool, String)>> {
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
    let mut out = Vec::new();
    for (i, c) in file.cases.iter().enumerate() {
        let n = i + 1;
        let mut ev = base.clone();
        if let Some(p) = &c.patch {
            let p: Value = serde_json::from_str(p).map_err(|e| {
                bad(format!(
                    "golden case {n} ({:?}): patch is not JSON: {e}",
                    c.name
                ))
            })?;
            merge(&mut ev, &p);
        }
        if let Value::Object(m) = &mut ev {
            m.insert("auditID".into(), Value::String(format!("case-{n}")));
        }
        out.push((c.name.clone(), c.alert, ev.to_string()));
    }
    Ok(out)
}

/// Runs one rule over its golden cases (given as the text of its `.cases.toml`).
pub async fn run(rule: &Rule, cases_path: &str, cases_text: &str) -> Result<Outcome> {
    let evs = events(cases_path, cases_text)?;
    let mut tmp = tempfile::Builder::new()
        .prefix("audithound-golden-")
        .suffix(".jsonl")
        .tempfile()
        .map_err(|source| Error::Output {
            path: std::env::temp_dir(),
            source,
        })?;
    for (_, _, line) in &evs {
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
    let mut missed = Vec::new();
    let mut unexpected = Vec::new();
    for (i, (name, alert, _)) in evs.iter().enumerate() {
        let n = i + 1;
        let hit = fired.contains(&format!("case-{n}"));
        if *alert && !hit {
            missed.push((n, name.clone()));
        } else if !*alert && hit {
            unexpected.push((n, name.clone()));
        }
    }
    Ok(Outcome {
        rule: rule.id.clone(),
        cases: evs.len(),
        missed,
        unexpected,
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
            let evs = events(&path, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                evs.iter().any(|e| e.1) && evs.iter().any(|e| !e.1),
                "{path}: needs cases that alert and near misses that do not"
            );
            let o = run(r, &path, text).await.unwrap_or_else(|e| panic!("{e}"));
            if !o.passed() {
                failed.push(o);
            }
        }
        assert!(failed.is_empty(), "{failed:#?}");
    }
}
