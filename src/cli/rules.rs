//! `audithound rules`: lists the rules and names the rule files that could not be loaded.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::error::Result;
use crate::query::rules;

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Directory of .sql rules (default: the shipped rules).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Treat a broken rule file as an error.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(a: &RulesArgs) -> Result<()> {
    let (rules, problems) = rules::load(a.rules.as_deref(), a.strict)?;
    let mut out = std::io::stdout().lock();
    for r in &rules {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            r.id,
            r.severity,
            r.risk_score,
            r.get("mitre"),
            r.name
        )?;
    }
    for p in &problems {
        eprintln!("warning: skipped rule {}: {}", p.path, p.message);
    }
    Ok(())
}
