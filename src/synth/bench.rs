//! `audithound bench`: times each step of the pipeline on generated (or given) data, each step as
//! its own process of this same binary, and prints a table: step, events, input MB, seconds,
//! events/s, MB/s and peak memory (the child's `VmHWM`, sampled from `/proc` while it runs).
//! With `--peer duckdb_peer.py` it times DuckDB doing the same jobs on the same files, whole
//! process against whole process, and prints the ratios.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::synth::generate::{GenerateOptions, generate_to_path};

/// What `audithound bench` measures (the CLI's `bench` flags build it).
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Events to generate (when `dir` has no data yet).
    pub events: u64,
    /// Days the generated events span.
    pub days: u32,
    /// Working directory: reuses `dir/events.jsonl` if present.
    pub dir: PathBuf,
    /// Use this audit log instead of generating one.
    pub input: Option<PathBuf>,
    /// Keep the generated data and archive afterwards.
    pub keep: bool,
    /// Also time DuckDB through this peer script.
    pub peer: Option<PathBuf>,
    /// Repeat each step and keep the fastest run.
    pub runs: u32,
}

/// One timed step.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub seconds: f64,
    pub peak_bytes: u64,
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs a command to completion, timing it and sampling its peak resident memory.
pub fn time_command(name: &str, mut cmd: Command) -> Result<Step> {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Usage(format!("cannot start {name}: {e}")))?;
    let pid = child.id();
    let mut peak = 0u64;
    let status = loop {
        if let Some(m) = vm_hwm(pid) {
            peak = peak.max(m);
        }
        if let Some(st) = child.try_wait()? {
            break st;
        }
        // Short steps (a hunt takes tens of milliseconds): poll often, so the time is not
        // rounded up to the polling interval.
        std::thread::sleep(Duration::from_millis(1));
    };
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(Error::Usage(format!(
            "{name} failed ({status}): {}",
            err.trim()
        )));
    }
    Ok(Step {
        name: name.to_owned(),
        seconds,
        peak_bytes: peak,
    })
}

fn best(name: &str, runs: u32, make: &dyn Fn() -> Command) -> Result<Step> {
    let mut bestv: Option<Step> = None;
    for _ in 0..runs.max(1) {
        let s = time_command(name, make())?;
        if bestv.as_ref().is_none_or(|b| s.seconds < b.seconds) {
            bestv = Some(s);
        }
    }
    bestv.ok_or_else(|| Error::Usage("no run".into()))
}

fn count_lines(p: &Path) -> Result<u64> {
    let (mut r, _) = crate::ingest::input::Source::File(p.to_path_buf()).open()?;
    let mut n = 0u64;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        n += memchr::memchr_iter(b'\n', buf).count() as u64;
        let len = buf.len();
        r.consume(len);
    }
    Ok(n)
}

use std::io::BufRead;

pub fn run(a: &BenchOptions) -> Result<()> {
    let created_dir = !a.dir.exists();
    let mut generated = false;
    std::fs::create_dir_all(&a.dir).map_err(|source| Error::Output {
        path: a.dir.clone(),
        source,
    })?;
    let input = if let Some(p) = &a.input {
        p.clone()
    } else {
        let p = a.dir.join("events.jsonl");
        if !p.exists() {
            eprintln!(
                "generating {} events over {} days into {}",
                a.events,
                a.days,
                p.display()
            );
            let opts = GenerateOptions {
                events: a.events,
                days: a.days,
                ..GenerateOptions::default()
            };
            generate_to_path(&opts, &p)?;
            generated = true;
        }
        p
    };
    let events = count_lines(&input)?;
    let in_mb = std::fs::metadata(&input).map_or(0, |m| m.len()) as f64 / 1e6;
    let exe = std::env::current_exe()?;
    let archive = a.dir.join("archive");
    let inp = input.display().to_string();
    let arch = archive.display().to_string();
    let me = |args: Vec<String>| {
        let exe = exe.clone();
        move || {
            let mut c = Command::new(&exe);
            c.args(&args);
            c
        }
    };
    let mut steps = Vec::new();
    eprintln!("bench: convert");
    {
        let archive = archive.clone();
        let conv = me(vec![
            "convert".into(),
            inp.clone(),
            "--out".into(),
            arch.clone(),
        ]);
        steps.push(best("convert", a.runs, &move || {
            let _ = std::fs::remove_dir_all(&archive);
            conv()
        })?);
    }
    let first_day = GenerateOptions::default()
        .start
        .format("%Y-%m-%d")
        .to_string();
    for (name, cmd, path) in [
        ("hunt (archive)", "hunt", &arch),
        ("stats (archive)", "stats", &arch),
        ("hunt (raw JSON)", "hunt", &inp),
        ("stats (raw JSON)", "stats", &inp),
    ] {
        eprintln!("bench: {name}");
        // Results go to /dev/null: the step is the query, not the terminal.
        let args: Vec<String> = [
            cmd,
            path,
            "--format",
            "ndjson",
            "-o",
            "/dev/null",
            "--force",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let mut args = args;
        if cmd == "hunt" {
            // The job DuckDB does: the seed rule (stats runs it by default).
            args.extend([
                "--rule".to_owned(),
                crate::query::rules::DEFAULT_RULE.to_owned(),
            ]);
        }
        steps.push(best(name, a.runs, &me(args))?);
    }
    {
        // DuckDB's hunt step does both jobs in one process; so does `hunt --stats`.
        let name = "hunt --stats (archive)";
        eprintln!("bench: {name}");
        let stats_out = a.dir.join("stats.ndjson").display().to_string();
        let args: Vec<String> = [
            "hunt",
            &arch,
            "--rule",
            crate::query::rules::DEFAULT_RULE,
            "--format",
            "ndjson",
            "-o",
            "/dev/null",
            "--stats",
            &stats_out,
            "--force",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        steps.push(best(name, a.runs, &me(args))?);
        let _ = std::fs::remove_file(&stats_out);
    }
    if a.input.is_none() {
        eprintln!("bench: report");
        let out = a.dir.join("report").display().to_string();
        let args: Vec<String> = [
            "report", &arch, "--date", &first_day, "--out", &out, "--force",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        steps.push(best("report (1 day)", a.runs, &me(args))?);
    }
    let mut peer_steps = Vec::new();
    if let Some(script) = &a.peer {
        let pq = a.dir.join("duckdb.parquet").display().to_string();
        let py = |args: Vec<String>| {
            let script = script.clone();
            move || {
                let mut c = Command::new("python3");
                c.arg(&script).args(&args);
                c
            }
        };
        for (name, args) in [
            (
                "duckdb convert",
                vec!["convert".to_owned(), inp.clone(), pq.clone()],
            ),
            ("duckdb hunt (parquet)", vec!["hunt".to_owned(), pq.clone()]),
            (
                "duckdb hunt-json",
                vec!["hunt-json".to_owned(), inp.clone()],
            ),
        ] {
            eprintln!("bench: {name}");
            peer_steps.push(best(name, a.runs, &py(args))?);
        }
    }
    println!("| step | events | input MB | seconds | events/s | MB/s | peak memory MB |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for s in steps.iter().chain(peer_steps.iter()) {
        let secs = s.seconds.max(1e-9);
        println!(
            "| {} | {events} | {in_mb:.0} | {:.2} | {:.0} | {:.1} | {:.0} |",
            s.name,
            s.seconds,
            events as f64 / secs,
            in_mb / secs,
            s.peak_bytes as f64 / 1e6
        );
    }
    if !peer_steps.is_empty() {
        let t = |v: &[Step], n: &str| v.iter().find(|s| s.name == n).map(|s| s.seconds);
        let ratio = |ours: Option<f64>, theirs: Option<f64>| match (ours, theirs) {
            (Some(o), Some(d)) if o > 0.0 => format!("{:.2}x", d / o),
            _ => "n/a".into(),
        };
        let hunt_stats = match (t(&steps, "hunt (archive)"), t(&steps, "stats (archive)")) {
            (Some(h), Some(s)) => Some(h + s),
            _ => None,
        };
        let raw = match (t(&steps, "hunt (raw JSON)"), t(&steps, "stats (raw JSON)")) {
            (Some(h), Some(_)) => Some(h),
            _ => None,
        };
        println!();
        println!("DuckDB time / audithound time (above 1 means audithound is faster):");
        println!(
            "  convert:                         {}",
            ratio(t(&steps, "convert"), t(&peer_steps, "duckdb convert"))
        );
        println!(
            "  hunt+stats on Parquet:           {}",
            ratio(
                t(&steps, "hunt --stats (archive)"),
                t(&peer_steps, "duckdb hunt (parquet)")
            )
        );
        println!(
            "    (hunt, then stats, two runs):  {}",
            ratio(hunt_stats, t(&peer_steps, "duckdb hunt (parquet)"))
        );
        println!(
            "  hunt on raw JSON:                {}",
            ratio(raw, t(&peer_steps, "duckdb hunt-json"))
        );
    }
    if !a.keep {
        // Remove only what this run made: never files the user keeps in DIR.
        if generated {
            let _ = std::fs::remove_file(&input);
        }
        for made in ["archive", "report"] {
            let _ = std::fs::remove_dir_all(a.dir.join(made));
        }
        let _ = std::fs::remove_file(a.dir.join("duckdb.parquet"));
        if created_dir {
            let _ = std::fs::remove_dir(&a.dir); // only if now empty
        }
    }
    Ok(())
}
