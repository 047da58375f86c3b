//! `audithound rules`: lists the rules, shows one, and runs their golden cases; names the rule
//! files that could not be loaded.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::error::{Error, Result};
use crate::query::{golden, rules};

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,
    /// Directory of .sql rules (default: the shipped rules).
    #[arg(long, value_name = "DIR", global = true)]
    pub rules: Option<PathBuf>,
    /// Treat a broken rule file as an error.
    #[arg(long, global = true)]
    pub strict: bool,
    /// Listing format: a tab-separated table, or one JSON object per rule with every header key.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Ndjson,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print a rule's header and SQL.
    Show {
        /// The rule's id.
        id: String,
    },
    /// Run every rule's golden cases (`<rule>.cases.toml` beside it); exit 1 if one fails.
    Test {
        /// A rule folder to test instead of the shipped rules (same as --rules).
        dir: Option<PathBuf>,
    },
}

/// Returns the exit code: 0, or 1 when a golden case failed.
pub async fn run(a: &RulesArgs) -> Result<i32> {
    match &a.command {
        None => list(a).map(|()| 0),
        Some(RulesCommand::Show { id }) => show(a, id).map(|()| 0),
        Some(RulesCommand::Test { dir }) => test(dir.as_ref().or(a.rules.as_ref()), a.strict).await,
    }
}

fn list(a: &RulesArgs) -> Result<()> {
    let (rules, problems) = rules::load(a.rules.as_deref(), a.strict)?;
    let mut out = std::io::stdout().lock();
    for r in &rules {
        match a.format {
            ListFormat::Table => writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.id,
                r.severity,
                r.risk_score,
                or_dash(r.get("type")),
                or_dash(r.get("elastic_rule_id")),
                or_dash(r.get("elastic_rule_version")),
                r.get("mitre"),
                r.name
            )?,
            ListFormat::Ndjson => {
                let mut m = serde_json::Map::new();
                m.insert("id".into(), r.id.clone().into());
                m.insert("name".into(), r.name.clone().into());
                m.insert("severity".into(), r.severity.clone().into());
                m.insert("risk_score".into(), r.risk_score.into());
                for (k, v) in &r.meta {
                    m.entry(k.clone()).or_insert_with(|| v.clone().into());
                }
                m.insert("path".into(), r.path.clone().into());
                writeln!(out, "{}", serde_json::Value::Object(m))?;
            }
        }
    }
    for p in &problems {
        eprintln!("warning: skipped rule {}: {}", p.path, p.message);
    }
    Ok(())
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn show(a: &RulesArgs, id: &str) -> Result<()> {
    let (rules, _) = rules::load(a.rules.as_deref(), a.strict)?;
    let Some(r) = rules.iter().find(|r| r.id == id) else {
        let known: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        return Err(Error::Usage(format!(
            "no rule with id {id:?}; known: {}",
            known.join(", ")
        )));
    };
    let text = match a.rules {
        None => rules::SHIPPED
            .iter()
            .find(|(p, _, _)| *p == r.path)
            .map(|(_, t, _)| (*t).to_owned())
            .unwrap_or_default(),
        Some(_) => std::fs::read_to_string(&r.path).map_err(|source| Error::Input {
            path: PathBuf::from(&r.path),
            source,
        })?,
    };
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")?;
    Ok(())
}

async fn test(dir: Option<&PathBuf>, strict: bool) -> Result<i32> {
    let (rules, problems) = rules::load(dir.map(PathBuf::as_path), strict)?;
    for p in &problems {
        eprintln!("warning: skipped rule {}: {}", p.path, p.message);
    }
    let mut out = std::io::stdout().lock();
    let (mut failed, mut without) = (0usize, 0usize);
    for r in &rules {
        let path = golden::cases_path(&r.path);
        let text = match dir {
            None => rules::shipped_cases(&r.path).map(str::to_owned),
            Some(_) => std::fs::read_to_string(&path).ok(),
        };
        let Some(text) = text else {
            writeln!(out, "FAIL {}: no golden cases ({path})", r.id)?;
            without += 1;
            continue;
        };
        let o = golden::run(r, &path, &text).await?;
        if o.passed() {
            writeln!(out, "ok   {} ({} cases)", r.id, o.cases)?;
            continue;
        }
        failed += 1;
        writeln!(out, "FAIL {} ({} cases)", r.id, o.cases)?;
        for (n, name) in &o.missed {
            writeln!(out, "     case {n} {name:?}: expected an alert, got none")?;
        }
        for (n, name) in &o.unexpected {
            writeln!(out, "     case {n} {name:?}: expected no alert, got one")?;
        }
        if let Some(why) = &o.incomplete {
            writeln!(out, "     {why}")?;
        }
    }
    writeln!(
        out,
        "{} rules: {} passed, {failed} failed, {without} without golden cases",
        rules.len(),
        rules.len() - failed - without
    )?;
    Ok(i32::from(failed + without > 0 || !problems.is_empty()))
}
