//! Synthetic Kubernetes audit logs: `audit.k8s.io/v1` events as kube-apiserver writes them, one
//! JSON object per line, optionally wrapped as EKS CloudWatch exports them.
//!
//! The data is built for the "Kubernetes Denied Service Account Request" rule: service-account
//! traffic that is allowed, a background of denials spread over broken RBAC, humans, anonymous
//! callers and nodes, look-alikes the rule must not match, and every day a stolen-token probe
//! that it must match. `src/synth/generate.md` describes the model for users; the model itself (callers,
//! their operations and weights, the stories) is data, `src/synth/model.toml`, read by [`model`].
//!
//! Everything random comes from one `ChaCha8Rng` seeded from [`GenerateOptions::seed`], drawn in
//! a fixed order while *planning* requests; *rendering* a planned request is a pure function of
//! it. The hot loop writes bytes by hand into reused buffers and does not allocate.

//!
//! The modules follow the data's path: [`model`] reads the model file, [`world`] builds the
//! callers and object names from it, [`plan`] decides each request, [`render`] and [`body`]
//! write it as bytes, and this module drives the loop and owns the public API.

mod body;
mod model;
mod plan;
mod prim;
mod render;
#[cfg(test)]
mod tests;
mod world;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};

use plan::{Generator, Pending, Req};
use prim::{Outcome, Stage, escape_into, mix, push_hex, push_u64};
use render::{push, write_event};

/// What to generate. `Default` gives 10 000 events over two days from 2026-01-05, seed 1, one
/// cluster, 1 % denials.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Exact number of audit events (not lines, not requests) to write; at least 1.
    pub events: u64,
    /// Days covered, starting at `start` 00:00 UTC; 1 to 3660.
    pub days: u32,
    /// Seed: the same options and seed always give the same bytes.
    pub seed: u64,
    /// First day (UTC).
    pub start: NaiveDate,
    /// 1 writes raw events; more wraps each line as an EKS CloudWatch export of `prod-1`, `prod-2`, ...
    pub clusters: u32,
    /// Fraction of background responses that are authorization denials (0 to 1); the daily
    /// attack bursts and look-alikes come on top.
    pub deny_rate: f64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            events: 10_000,
            days: 2,
            seed: 1,
            start: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
            clusters: 1,
            deny_rate: 0.01,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GenerateStats {
    /// Audit events written (equals [`GenerateOptions::events`]).
    pub events: u64,
    /// Uncompressed bytes written.
    pub bytes: u64,
    /// Events the "Kubernetes Denied Service Account Request" rule matches: `user.username`
    /// starts with `system:serviceaccount:` and the `authorization.k8s.io/decision` annotation
    /// is exactly `forbid`.
    pub sa_denials: u64,
    /// Lines written (one event per line, raw or wrapped).
    pub lines: u64,
}

/// Most days a run may cover (ten years).
const MAX_DAYS: u32 = 3660;

fn validate(opts: &GenerateOptions) -> Result<()> {
    if opts.events == 0 {
        return Err(Error::Usage("--events must be at least 1".into()));
    }
    if opts.days == 0 || opts.days > MAX_DAYS {
        return Err(Error::Usage(format!(
            "--days must be between 1 and {MAX_DAYS}, got {}",
            opts.days
        )));
    }
    if opts.clusters == 0 {
        return Err(Error::Usage("--clusters must be at least 1".into()));
    }
    if !(0.0..=1.0).contains(&opts.deny_rate) {
        return Err(Error::Usage(format!(
            "--deny-rate must be a fraction between 0 and 1 (0.01 is 1 %), got {}",
            opts.deny_rate
        )));
    }
    let end = opts
        .start
        .checked_add_days(chrono::Days::new(u64::from(opts.days) + 1));
    if opts.start.year() < 1970 || end.is_none_or(|d| d.year() > 9999) {
        return Err(Error::Usage(format!(
            "--start must be a date from 1970-01-01 on, and start + days must end before the year 10000, got {}",
            opts.start
        )));
    }
    Ok(())
}

/// Writes `opts.events` audit events as JSON lines to `out` and returns what was written.
/// Write errors come back as [`Error::Io`].
pub fn generate(opts: &GenerateOptions, out: &mut dyn Write) -> Result<GenerateStats> {
    validate(opts)?;
    let m = model::model().map_err(|e| Error::Usage(e.to_string()))?;
    let mut generator = Generator::new(m, opts);
    generator.run(out)
}

/// Like [`generate`], to a file: `-` is stdout, a name ending in `.gz` is gzip-compressed (fast
/// level), `.zst` zstd-compressed (level 3), anything else plain. An existing file is replaced.
pub fn generate_to_path(opts: &GenerateOptions, path: &Path) -> Result<GenerateStats> {
    validate(opts)?;
    let to_output = |e: Error| match e {
        Error::Io(source) => Error::Output {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    };
    let io_output = |source: std::io::Error| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    if path.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let stats = generate(opts, &mut lock).map_err(to_output)?;
        lock.flush().map_err(io_output)?;
        return Ok(stats);
    }
    let file = File::create(path).map_err(io_output)?;
    let mut sink = BufWriter::with_capacity(1 << 20, file);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stats = match ext.as_str() {
        "gz" => {
            let mut enc = flate2::write::GzEncoder::new(&mut sink, flate2::Compression::fast());
            let stats = generate(opts, &mut enc).map_err(to_output)?;
            enc.finish().map_err(io_output)?;
            stats
        }
        "zst" => {
            let mut enc = zstd::Encoder::new(&mut sink, 3).map_err(io_output)?;
            let stats = generate(opts, &mut enc).map_err(to_output)?;
            enc.finish().map_err(io_output)?;
            stats
        }
        _ => generate(opts, &mut sink).map_err(to_output)?,
    };
    sink.flush().map_err(io_output)?;
    Ok(stats)
}

/// Output is handed to the writer in chunks of about this size.
const CHUNK: usize = 1 << 20;

impl Generator {
    /// The next request to start, if any: a scripted one or the next background one.
    fn next_request_at(&self) -> Option<i64> {
        let scripted = self.script.get(self.script_pos).map(|r| r.received);
        match (scripted, self.next_bg) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn start_request(&mut self) {
        let scripted = self.script.get(self.script_pos).map(|r| r.received);
        let req = match (scripted, self.next_bg) {
            (Some(s), b) if b.is_none_or(|b| s <= b) => {
                self.script_pos += 1;
                self.script[self.script_pos - 1]
            }
            (_, Some(at)) => {
                let rr_only = self.bg_budget - self.bg_reserved == 1;
                self.bg_reserved += if rr_only { 1 } else { 2 };
                let req = self.plan_background(at, rr_only);
                self.schedule_background();
                req
            }
            _ => return,
        };
        self.seq += 1;
        self.heap.push(Pending {
            at: req.rr_at,
            seq: self.seq,
            stage: Stage::RequestReceived,
            req,
        });
        if !req.rr_only {
            self.seq += 1;
            self.heap.push(Pending {
                at: req.done_at,
                seq: self.seq,
                stage: req.response_stage(),
                req,
            });
        }
    }

    fn run(&mut self, out: &mut dyn Write) -> Result<GenerateStats> {
        let mut stats = GenerateStats::default();
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + (64 << 10));
        let mut event: Vec<u8> = Vec::with_capacity(64 << 10);
        loop {
            let next = self.next_request_at();
            let due = match (self.heap.peek(), next) {
                (Some(p), Some(n)) => p.at <= n,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if !due {
                self.start_request();
                continue;
            }
            let Some(p) = self.heap.pop() else { break };
            let line_start = buf.len();
            if self.clusters > 1 {
                event.clear();
                write_event(&self.world, &self.clock, &mut event, &p.req, p.stage);
                self.write_wrapper(&mut buf, &event, &p.req, p.at);
            } else {
                write_event(&self.world, &self.clock, &mut buf, &p.req, p.stage);
            }
            buf.push(b'\n');
            stats.events += 1;
            stats.lines += 1;
            stats.bytes += (buf.len() - line_start) as u64;
            if p.stage != Stage::RequestReceived
                && p.req.outcome == Outcome::Forbid
                && self.world.actors[p.req.actor as usize]
                    .username
                    .starts_with("system:serviceaccount:")
            {
                stats.sa_denials += 1;
            }
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        out.write_all(&buf)?;
        out.flush()?;
        Ok(stats)
    }

    /// An EKS CloudWatch export line around the event.
    fn write_wrapper(&self, b: &mut Vec<u8>, event: &[u8], r: &Req, at: i64) {
        let cluster = u64::from(r.cluster) + 1;
        push(b, r#"{"logGroup":"/aws/eks/prod-"#);
        push_u64(b, cluster);
        push(b, r#"/cluster","logStream":"kube-apiserver-audit-"#);
        // Two API servers per cluster, each with its own stream.
        let stream = mix(self.seed ^ mix(cluster.wrapping_mul(2) + (r.body & 1)));
        push_hex(b, u128::from(stream) << 64 | u128::from(mix(stream)), 32);
        push(b, r#"","timestamp":"#);
        push_u64(b, (at / 1000) as u64);
        push(b, r#","message":""#);
        escape_into(b, event, false);
        push(b, r#""}"#);
    }
}

// ---------------------------------------------------------------------------------------------
// Request and response bodies (levels Request and RequestResponse)
// ---------------------------------------------------------------------------------------------
