//! `audithound bench` (being written).
use clap::Args;

#[derive(Debug, Args)]
pub struct BenchArgs {}

pub async fn run(_a: &BenchArgs) -> crate::Result<()> {
    Err(crate::Error::Usage("bench is not built yet".into()))
}
