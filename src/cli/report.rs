//! `audithound report`: flags for one day or a range of days; the library gathers and renders.

use std::path::PathBuf;

use clap::Args;

use super::{AlertArgs, QueryArgs};
use crate::error::Result;
use crate::query::rules;
use crate::report::gather::{self, ReportOptions};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub query: QueryArgs,
    /// The day to report (YYYY-MM-DD, UTC).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub date: Option<String>,
    /// Output directory (report.html, report.md, report.json; one folder per day with --from/--to).
    #[arg(long)]
    pub out: PathBuf,
    /// Days before the report day to compare with, and to decide which accounts are new.
    #[arg(long, default_value_t = 7)]
    pub baseline_days: u32,
    /// The rule to report on.
    #[arg(long, default_value = rules::DEFAULT_RULE, value_name = "ID")]
    pub rule: String,
    /// Investigation panels for this many top accounts.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Overwrite existing report files.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub alerts: AlertArgs,
}

/// Builds the report options and writes the report(s).
pub async fn run(a: &ReportArgs) -> Result<()> {
    let o = ReportOptions {
        query: a.alerts.apply(a.query.options())?,
        date: a.date.clone(),
        out: a.out.clone(),
        baseline_days: a.baseline_days,
        rule: a.rule.clone(),
        top: a.top,
        force: a.force,
    };
    gather::run(&o).await
}
