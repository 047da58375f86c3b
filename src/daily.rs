//! `audithound report` (being written).
use clap::Args;

#[derive(Debug, Args)]
pub struct ReportArgs {}

pub async fn run(_a: &ReportArgs) -> crate::Result<()> {
    Err(crate::Error::Usage("report is not built yet".into()))
}
