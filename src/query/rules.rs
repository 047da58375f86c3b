//! Rules are data: one `.sql` file per rule under `sql/rules/`, a comment header of `-- key: value`
//! lines (a value of `|` starts an indented block), then one `SELECT` over table `audit` that
//! returns the matching events (`SELECT *`).
//!
//! Rule files are parsed and planned by DataFusion with DDL, DML and statements disabled. A broken
//! rule is reported with its path and the parser's message and skipped (`--strict`: fatal).
//! The shipped rules are compiled into the binary, so `audithound` works from any directory;
//! `--rules DIR` loads another set.

use std::collections::BTreeMap;
use std::path::Path;

use datafusion::execution::context::SQLOptions;
use datafusion::prelude::{DataFrame, SessionContext};

use crate::error::{Error, Result};
use crate::ingest::prefilter::{LineFilter, Prefilter};
use crate::query::models::Model;

/// `(path, rule text, golden cases text)` of each shipped rule, from its id.
macro_rules! shipped {
    ($($id:literal),* $(,)?) => {
        &[$((
            concat!("sql/rules/", $id, ".sql"),
            include_str!(concat!("../../sql/rules/", $id, ".sql")),
            include_str!(concat!("../../sql/rules/", $id, ".cases.toml")),
        )),*]
    };
}

/// The rules shipped in `sql/rules/` with their golden cases, compiled in. A test checks this
/// list against the folder.
pub const SHIPPED: &[(&str, &str, &str)] = shipped![
    "admission-webhook-created-or-modified",
    "anonymous-create-update-patch-pods",
    "anonymous-request-authorized",
    "anonymous-request-authorized-unusual-user-agent",
    "api-request-impersonating-privileged-identity",
    "api-server-proxying-request-to-kubelet",
    "client-certificate-signing-request-created-or-approved",
    "cluster-admin-role-binding-created",
    "container-created-with-excessive-linux-capabilities",
    "container-created-with-excessive-linux-capabilities-pre-2026-02",
    "coredns-or-kube-dns-configuration-modified",
    "debug-or-base-image-pod-creation",
    "denied-service-account-request",
    "denied-service-account-request-unusual-user-agent",
    "eks-authentication-configuration-modified",
    "endpoint-permission-enumeration-attempt",
    "endpoint-permission-enumeration-by-anonymous-user",
    "ephemeral-container-added-to-pod",
    "events-deleted",
    "exposed-service-created-with-type-nodeport",
    "forbidden-creation-request",
    "forbidden-request-from-unusual-user-agent",
    "forbidden-request-from-unusual-user-agent-new-terms",
    "multi-resource-discovery",
    "pod-created-with-hostipc",
    "pod-created-with-hostipc-pre-2026-02",
    "pod-created-with-hostnetwork",
    "pod-created-with-hostnetwork-pre-2026-02",
    "pod-created-with-hostpid",
    "pod-created-with-hostpid-pre-2026-02",
    "pod-created-with-sensitive-hostpath-volume",
    "pod-created-with-sensitive-hostpath-volume-pre-2026-02",
    "pod-exec-cloud-instance-metadata-access",
    "pod-exec-curl-or-wget-to-https",
    "pod-exec-potential-reverse-shell",
    "pod-exec-sensitive-file-or-credential-path-access",
    "privileged-pod-created",
    "privileged-pod-created-pre-2026-02",
    "rapid-secret-get-activity-against-multiple-objects",
    "rbac-wildcard-elevation-on-existing-role",
    "rolebinding-referencing-service-account",
    "secret-access-unusual-user-agent",
    "secret-get-or-list-suspicious-user-agent",
    "secret-or-configmap-access-via-azure-arc-proxy",
    "secret-read-by-node-or-pod-service-account",
    "secrets-list-across-cluster-or-sensitive-namespaces",
    "sensitive-rbac-change-followed-by-workload-modification",
    "sensitive-role-created-or-modified",
    "service-account-modified-rbac-objects",
    "service-account-token-created-via-tokenrequest",
    "suspicious-assignment-of-controller-service-account",
    "suspicious-assignment-of-controller-service-account-pre-2026-02",
    "suspicious-self-subject-review",
    "suspicious-self-subject-review-unusual-user-agent",
    "unusual-decision-by-user-agent",
    "unusual-decision-by-user-agent-pre-2026-02",
    "unusual-sensitive-workload-modification",
    "user-exec-into-pod",
    "user-exec-into-pod-pre-2026-02",
];

/// The golden cases of a shipped rule, by the rule's path.
pub fn shipped_cases(rule_path: &str) -> Option<&'static str> {
    SHIPPED
        .iter()
        .find(|(p, _, _)| *p == rule_path)
        .map(|(_, _, c)| *c)
}

/// The default rule of `stats` and `report`.
pub const DEFAULT_RULE: &str = "denied-service-account-request";

/// One rule: its header and its query.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: String,
    pub risk_score: i32,
    /// Every header key, including the ones above.
    pub meta: BTreeMap<String, String>,
    /// Literal groups a raw line must hold to possibly match (`requires:` lines).
    pub requires: Vec<Vec<String>>,
    /// How the rule runs (header `model`, default `event`).
    pub model: Model,
    pub sql: String,
    pub path: String,
}

impl Rule {
    pub fn get(&self, key: &str) -> &str {
        self.meta.get(key).map_or("", String::as_str)
    }
}

/// A rule file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub path: String,
    pub message: String,
}

/// The raw-line prefilter for `rules`: a line is parsed only if some rule's literals may be in
/// it. `None` when there are no rules or one declares no literals (then every line is parsed).
pub fn line_filter(rules: &[Rule]) -> Option<LineFilter> {
    (!rules.is_empty() && rules.iter().all(|r| !r.requires.is_empty()))
        .then(|| LineFilter::any_of(rules.iter().map(|r| Prefilter::new(&r.requires)).collect()))
}

/// Read-only SQL: no DDL, no DML, no `SET`/transactions.
pub fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Splits a rule file into its header and its SQL.
pub fn parse_rule(path: &str, text: &str) -> std::result::Result<Rule, String> {
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    let mut requires = Vec::new();
    let mut current: Option<String> = None;
    let mut sql_lines = Vec::new();
    let mut in_header = true;
    for line in text.lines() {
        if in_header {
            if let Some(rest) = line.strip_prefix("--") {
                let indented = rest.starts_with("  ");
                let rest = rest.trim();
                if indented && let Some(k) = &current {
                    let v = meta.entry(k.clone()).or_default();
                    if !v.is_empty() {
                        v.push('\n');
                    }
                    v.push_str(rest);
                    continue;
                }
                if let Some((k, v)) = rest.split_once(':') {
                    let key = k.trim();
                    if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                        let v = v.trim();
                        if key == "requires" {
                            requires.push(
                                v.split('|')
                                    .map(|s| s.trim().to_owned())
                                    .filter(|s| !s.is_empty())
                                    .collect(),
                            );
                            current = None;
                            continue;
                        }
                        let v = if v == "|" {
                            String::new()
                        } else {
                            v.to_owned()
                        };
                        if meta.insert(key.to_owned(), v).is_some() {
                            return Err(format!("header key {key:?} appears twice"));
                        }
                        current = Some(key.to_owned());
                        continue;
                    }
                }
                if rest.is_empty() {
                    continue;
                }
                return Err(format!("header line is not `-- key: value`: {line:?}"));
            }
            if line.trim().is_empty() {
                continue;
            }
            in_header = false;
        }
        sql_lines.push(line);
    }
    let need = |k: &str| -> std::result::Result<String, String> {
        meta.get(k)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| format!("header lacks `-- {k}: ...`"))
    };
    let id = need("id")?;
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "id {id:?} must be lower-case letters, digits and '-'"
        ));
    }
    let name = need("name")?;
    let severity = need("severity")?;
    if !matches!(severity.as_str(), "low" | "medium" | "high" | "critical") {
        return Err(format!(
            "severity {severity:?} must be low, medium, high or critical"
        ));
    }
    let risk_score: i32 = need("risk_score")?
        .parse()
        .map_err(|_| "risk_score must be a whole number from 0 to 100".to_owned())?;
    if !(0..=100).contains(&risk_score) {
        return Err("risk_score must be a whole number from 0 to 100".to_owned());
    }
    let model = Model::from_header(|k| meta.get(k).cloned())?;
    let sql = sql_lines.join("\n").trim().to_owned();
    if sql.is_empty() {
        return Err("no SQL after the header".to_owned());
    }
    Ok(Rule {
        id,
        name,
        severity,
        risk_score,
        meta,
        requires,
        model,
        sql,
        path: path.to_owned(),
    })
}

/// Loads the rules: the shipped ones, or every `*.sql` under `dir` (sorted by path).
/// Problems are returned beside the good rules; with `strict` the first one is an error.
pub fn load(dir: Option<&Path>, strict: bool) -> Result<(Vec<Rule>, Vec<RuleProblem>)> {
    let mut files: Vec<(String, String)> = Vec::new();
    match dir {
        None => files.extend(
            SHIPPED
                .iter()
                .map(|(p, t, _)| ((*p).to_owned(), (*t).to_owned())),
        ),
        Some(d) => {
            if !d.is_dir() {
                return Err(Error::Usage(format!(
                    "--rules {}: not a directory of .sql rule files",
                    d.display()
                )));
            }
            for e in walkdir::WalkDir::new(d).sort_by_file_name() {
                let e = e.map_err(|e| Error::Input {
                    path: d.to_path_buf(),
                    source: e
                        .into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("walk failed")),
                })?;
                if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "sql") {
                    let text =
                        std::fs::read_to_string(e.path()).map_err(|source| Error::Input {
                            path: e.path().to_path_buf(),
                            source,
                        })?;
                    files.push((e.path().display().to_string(), text));
                }
            }
        }
    }
    let mut rules: Vec<Rule> = Vec::new();
    let mut problems = Vec::new();
    for (path, text) in files {
        let res = parse_rule(&path, &text).and_then(|r| {
            if rules.iter().any(|o| o.id == r.id) {
                Err(format!("id {:?} is used by another rule too", r.id))
            } else {
                Ok(r)
            }
        });
        match res {
            Ok(r) => rules.push(r),
            Err(message) => {
                if strict {
                    return Err(Error::Rule { path, message });
                }
                problems.push(RuleProblem { path, message });
            }
        }
    }
    Ok((rules, problems))
}

/// Plans a rule's query against `ctx` (read-only).
pub async fn plan(ctx: &SessionContext, rule: &Rule) -> Result<DataFrame> {
    ctx.sql_with_options(&rule.sql, read_only())
        .await
        .map_err(|e| Error::Rule {
            path: rule.path.clone(),
            message: e.to_string(),
        })
}

/// Plans every rule; the ones that fail are moved to `problems` (or fail with `strict`).
pub async fn check_plans(
    ctx: &SessionContext,
    rules: Vec<Rule>,
    problems: &mut Vec<RuleProblem>,
    strict: bool,
) -> Result<Vec<Rule>> {
    let mut ok = Vec::new();
    for r in rules {
        match plan(ctx, &r).await {
            Ok(_) => ok.push(r),
            Err(Error::Rule { path, message }) if !strict => {
                problems.push(RuleProblem { path, message });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_list_matches_the_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .map(|it| {
                it.filter_map(std::result::Result::ok)
                    .map(|e| format!("sql/rules/{}", e.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
        on_disk.sort();
        let mut shipped: Vec<String> = SHIPPED
            .iter()
            .flat_map(|(p, _, _)| [(*p).to_owned(), crate::query::golden::cases_path(p)])
            .collect();
        shipped.sort();
        assert_eq!(
            on_disk, shipped,
            "add new rule files (and their .cases.toml) to rules::SHIPPED"
        );
        for (p, t, c) in SHIPPED {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            assert_eq!(
                &std::fs::read_to_string(root.join(p)).unwrap_or_default(),
                t
            );
            let cp = crate::query::golden::cases_path(p);
            assert_eq!(
                &std::fs::read_to_string(root.join(cp)).unwrap_or_default(),
                c
            );
        }
    }

    #[test]
    fn every_shipped_rule_has_a_full_header() {
        let (rules, problems) = load(None, true).unwrap_or_else(|e| panic!("{e}"));
        assert!(problems.is_empty());
        for r in &rules {
            for key in ["what", "why", "triage", "false_positives", "mitre"] {
                assert!(!r.get(key).is_empty(), "{} lacks {key}", r.path);
            }
            assert!(!r.requires.is_empty(), "{} declares no literals", r.path);
        }
        for r in &rules {
            for key in [
                "elastic_rule_id",
                "elastic_source",
                "type",
                "language",
                "query",
                "license",
            ] {
                assert!(!r.get(key).is_empty(), "{} lacks {key}", r.path);
            }
            for key in ["interval", "from", "max_signals"] {
                assert!(!r.get(key).is_empty(), "{} lacks {key}", r.path);
            }
        }
        let r = rules
            .iter()
            .find(|r| r.id == DEFAULT_RULE)
            .unwrap_or_else(|| panic!("no {DEFAULT_RULE}"));
        assert_eq!((r.severity.as_str(), r.risk_score), ("medium", 47));
        assert_eq!(
            r.get("elastic_rule_id"),
            "63c056a0-339a-11ed-a261-0242ac120002"
        );
        assert!(r.get("query").contains("system\\:serviceaccount\\:*"));
        assert_eq!(
            r.requires,
            vec![
                vec!["system:serviceaccount:".to_owned()],
                vec!["forbid".to_owned(), "granted".to_owned()]
            ]
        );
    }

    #[test]
    fn broken_headers_are_named() {
        for (text, want) in [
            ("SELECT 1", "lacks `-- id"),
            (
                "-- id: x\n-- name: n\n-- severity: bad\n-- risk_score: 1\nSELECT 1",
                "severity",
            ),
            (
                "-- id: x\n-- name: n\n-- severity: low\n-- risk_score: 101\nSELECT 1",
                "risk_score",
            ),
            (
                "-- id: x\n-- name: n\n-- severity: low\n-- risk_score: 1\n",
                "no SQL",
            ),
            ("-- id: X Y\n", "id"),
        ] {
            let e = parse_rule("r.sql", text).err().unwrap_or_default();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
