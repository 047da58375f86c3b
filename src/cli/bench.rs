//! `audithound bench`: its flags; the timing itself is [`crate::synth::bench`].

use std::path::PathBuf;

use clap::Args;

use crate::error::Result;
use crate::synth::bench::{self, BenchOptions};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Events to generate (when DIR has no data yet).
    #[arg(long, default_value_t = 200_000)]
    pub events: u64,
    /// Days the generated events span.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Working directory: reuses DIR/events.jsonl if present.
    #[arg(long, default_value = "bench-data")]
    pub dir: PathBuf,
    /// Use this audit log instead of generating one.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Keep the generated data and archive afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Also time DuckDB through this peer script (python3 duckdb_peer.py; needs `pip install duckdb`).
    #[arg(long, value_name = "SCRIPT")]
    pub peer: Option<PathBuf>,
    /// Repeat each step and keep the fastest run.
    #[arg(long, default_value_t = 1)]
    pub runs: u32,
}

/// Runs the benchmark these flags describe.
pub fn run(a: &BenchArgs) -> Result<()> {
    bench::run(&BenchOptions {
        events: a.events,
        days: a.days,
        dir: a.dir.clone(),
        input: a.input.clone(),
        keep: a.keep,
        peer: a.peer.clone(),
        runs: a.runs,
    })
}
