//! `audithound convert`: its flags, and the summary printed when it is done.

use std::io::Write;

use clap::Args;

use super::{ReadArgs, stderr_is_tty};
use crate::archive::convert::{ArchiveDir, ConvertOptions, ConvertSummary, RowOrder, convert};
use crate::error::Result;
use crate::ingest::input::expand;

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Files, directories (walked recursively), glob patterns, or - for stdin.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// The archive: a directory (created if missing) or s3://, az://, gs:// prefix; new inputs
    /// are added to it.
    #[arg(long, short = 'o')]
    pub out: String,
    /// Cluster name for every event (default: the name a wrapper carries, else `default`).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Convert inputs again even if the archive already holds them (their files are replaced).
    #[arg(long)]
    pub force: bool,
    /// Maximum rows per Parquet row group.
    #[arg(long, default_value_t = 128 * 1024, help_heading = "Tuning")]
    pub row_group_rows: usize,
    /// ZSTD level of the Parquet files.
    #[arg(long, default_value_t = 1, help_heading = "Tuning")]
    pub zstd_level: i32,
    /// Row order inside each row group.
    #[arg(long, value_enum, default_value = "decision", help_heading = "Tuning")]
    pub order: RowOrder,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(a: &ConvertArgs) -> Result<()> {
    let sources = expand(&a.inputs)?;
    let mut o = ConvertOptions::at(ArchiveDir::parse(&a.out)?);
    o.scan = a.read.scan_options(a.cluster.clone());
    o.force = a.force;
    o.row_group_rows = a.row_group_rows.max(1);
    o.zstd_level = a.zstd_level;
    o.order = a.order;
    o.progress = stderr_is_tty();
    let s = convert(&sources, &o)?;
    print_convert_summary(&s, &a.out);
    Ok(())
}

/// The final summary of `convert`, on stderr.
pub fn print_convert_summary(s: &ConvertSummary, out: &str) {
    let mb = s.scan.bytes as f64 / 1e6;
    let secs = s.seconds.max(1e-9);
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "converted {} input(s) into {}: {} events, {} lines rejected, {} file(s) written ({:.1} MB)",
        s.inputs - s.skipped_inputs.len() as u64,
        out,
        s.scan.events,
        s.scan.rejected,
        s.files_written,
        s.bytes_written as f64 / 1e6
    );
    let ratio = if s.bytes_written > 0 {
        s.scan.bytes as f64 / s.bytes_written as f64
    } else {
        0.0
    };
    let _ = writeln!(
        e,
        "  {mb:.1} MB of JSON read, compression {ratio:.1}x, {secs:.2} s, {:.0} events/s, {:.1} MB/s",
        s.scan.events as f64 / secs,
        mb / secs
    );
    if s.scan.redacted > 0 {
        let _ = writeln!(
            e,
            "  {} secret value(s) redacted (Secret data, tokens; --keep-secrets keeps them)",
            s.scan.redacted
        );
    }
    for name in &s.skipped_inputs {
        let _ = writeln!(
            e,
            "  skipped {name}: already in the archive (--force converts it again)"
        );
    }
    if s.scan.rejected > 0 {
        for p in &s.reject_files {
            let _ = writeln!(e, "  rejected lines recorded in {p}");
        }
    }
}
