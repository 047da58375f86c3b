//! `audithound generate`: the command-line face of [`crate::synth::generate`].

use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, Result};
use crate::synth::generate::{GenerateOptions, generate_to_path};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of events.
    #[arg(long, default_value_t = 10_000)]
    pub events: u64,
    /// Days the events span.
    #[arg(long, default_value_t = 2)]
    pub days: u32,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day (YYYY-MM-DD).
    #[arg(long, default_value = "2026-01-05")]
    pub start: String,
    /// Number of clusters (more than one wraps events as EKS CloudWatch records naming them).
    #[arg(long, default_value_t = 1)]
    pub clusters: u32,
    /// Fraction of responses that are denials.
    #[arg(long, default_value_t = 0.01)]
    pub deny_rate: f64,
    /// Output file (.gz and .zst compress; - for stdout).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: &GenerateArgs) -> Result<()> {
    let start = chrono::NaiveDate::parse_from_str(&a.start, "%Y-%m-%d")
        .map_err(|e| Error::Usage(format!("--start {:?}: {e} (use YYYY-MM-DD)", a.start)))?;
    if a.output.as_os_str() != "-" && a.output.exists() && !a.force {
        return Err(Error::Exists(a.output.clone()));
    }
    let opts = GenerateOptions {
        events: a.events,
        days: a.days,
        seed: a.seed,
        start,
        clusters: a.clusters,
        deny_rate: a.deny_rate,
    };
    let t = std::time::Instant::now();
    let s = generate_to_path(&opts, &a.output)?;
    let secs = t.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "generated {} events ({} lines, {:.1} MB of JSON, {} denied service-account requests) in {secs:.2} s ({:.0} MB/s)",
        s.events,
        s.lines,
        s.bytes as f64 / 1e6,
        s.sa_denials,
        s.bytes as f64 / 1e6 / secs
    );
    Ok(())
}
