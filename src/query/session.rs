//! A query session as every querying command opens it: the rules loaded and narrowed to the ones
//! asked for, the engine opened over the data within a scope of dates and clusters, and each
//! rule's plan checked against it.
//!
//! The CLI (`hunt`, `stats`, `sql`, `demo`) builds a [`QueryOptions`] from its flags and calls
//! [`prepare`]; library callers and tests build the same struct directly, so no library code
//! depends on the command line.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::ingest::scan::ScanOptions;
use crate::query::engine::{DEFAULT_MEMORY_LIMIT, Data, Engine, EngineOptions, Scope, parse_bound};
use crate::query::exceptions::{Applied, Exceptions};
use crate::query::models::Model;
use crate::query::rules::{self, Rule};
use crate::query::suppression::{self, Suppression};

/// Where and what to query.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    /// An archive made by `convert`, or raw logs (files, directories, globs, `-` for stdin).
    pub paths: Vec<String>,
    /// Start (inclusive): `YYYY-MM-DD` or RFC 3339.
    pub from: Option<String>,
    /// End: `YYYY-MM-DD` (through that day) or RFC 3339 (exclusive).
    pub to: Option<String>,
    /// Only these clusters (empty: all).
    pub clusters: Vec<String>,
    /// Directory of `.sql` rules (`None`: the shipped rules).
    pub rules_dir: Option<PathBuf>,
    /// Memory for the query engine before it spills to disk.
    pub memory_limit: usize,
    /// Raw input: where to write every rejected line.
    pub rejects_file: Option<PathBuf>,
    /// How raw input is read; `scan.strict` also makes a broken rule fatal.
    pub scan: ScanOptions,
    /// A Ballista scheduler (`df://host:port`) to run the queries on, instead of this process.
    pub scheduler: Option<String>,
    /// Exceptions every rule's matches pass through (`--exceptions`).
    pub exceptions: Option<Arc<Exceptions>>,
    /// One alert per group (`--suppress-by`).
    pub suppression: Option<Suppression>,
}

impl QueryOptions {
    /// Options for `paths` with every default.
    pub fn new(paths: Vec<String>) -> Self {
        Self {
            paths,
            from: None,
            to: None,
            clusters: Vec::new(),
            rules_dir: None,
            memory_limit: DEFAULT_MEMORY_LIMIT,
            rejects_file: None,
            scan: ScanOptions::default(),
            scheduler: None,
            exceptions: None,
            suppression: None,
        }
    }

    /// The scope (time range and clusters) these options describe.
    pub fn scope(&self) -> Result<Scope> {
        Ok(Scope {
            from: self
                .from
                .as_deref()
                .map(|s| parse_bound(s, false))
                .transpose()?,
            to: self
                .to
                .as_deref()
                .map(|s| parse_bound(s, true))
                .transpose()?,
            clusters: self.clusters.clone(),
            history: 0,
        })
    }
}

/// An engine over the data and the rules that planned cleanly on it.
pub struct Prepared {
    pub engine: Engine,
    pub rules: Vec<Rule>,
}

/// Opens the engine over the data, with no rules (ad-hoc SQL).
pub async fn open_engine(q: &QueryOptions) -> Result<Engine> {
    let data = Data::from_paths(&q.paths, q.scan.max_input)?;
    let eo = EngineOptions {
        memory_limit: q.memory_limit,
        threads: q.scan.threads.max(1),
        scan: q.scan.clone(),
        rejects_file: q.rejects_file.clone(),
        scheduler: q.scheduler.clone(),
    };
    Engine::open(&data, &q.scope()?, &eo).await
}

/// Loads the rules (only those in `only`, if any), opens the engine over the data and checks
/// each rule's plan. With `prefilter`, raw lines holding none of every rule's `requires:`
/// literals are not parsed. Broken rules are reported on stderr and skipped (fatal if strict).
pub async fn prepare(q: &QueryOptions, only: &[String], prefilter: bool) -> Result<Prepared> {
    let strict = q.scan.strict;
    let (mut rules, mut problems) = rules::load(q.rules_dir.as_deref(), strict)?;
    if !only.is_empty() {
        for id in only {
            if !rules.iter().any(|r| &r.id == id)
                && !problems.iter().any(|p| p.path.contains(id.as_str()))
            {
                let known: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                return Err(Error::Usage(format!(
                    "no rule with id {id:?}; known: {}",
                    known.join(", ")
                )));
            }
        }
        rules.retain(|r| only.contains(&r.id));
    }
    let data = Data::from_paths(&q.paths, q.scan.max_input)?;
    let mut scope = q.scope()?;
    // New-terms rules compare with the history before each event: read that far back.
    scope.history = rules.iter().map(|r| r.model.history()).max().unwrap_or(0);
    let mut scan = q.scan.clone();
    // Raw logs: lines that lack every rule's literals cannot match; skip parsing them.
    if prefilter && let Some(f) = rules::line_filter(&rules) {
        scan.filter = f;
    }
    let eo = EngineOptions {
        memory_limit: q.memory_limit,
        threads: scan.threads.max(1),
        scan,
        rejects_file: q.rejects_file.clone(),
        scheduler: q.scheduler.clone(),
    };
    let mut engine = Engine::open(&data, &scope, &eo).await?;
    engine.exceptions = q
        .exceptions
        .as_ref()
        .map(|e| Arc::new(Applied::new(Arc::clone(e))));
    engine.suppression = q
        .suppression
        .as_ref()
        .map(|s| Arc::new(suppression::Applied::new(s.clone())));
    let rules = rules::check_plans(&engine.ctx, rules, &mut problems, strict).await?;
    for p in &problems {
        eprintln!("warning: skipped rule {}: {}", p.path, p.message);
    }
    // Several rules over raw logs, or one that reads the events more than once (a
    // self-join): parse the logs once.
    if prefilter && (rules.len() > 1 || rules.iter().any(|r| r.model != Model::Event)) {
        engine.stage_raw().await?;
    }
    Ok(Prepared { engine, rules })
}

/// For tests: a session over `files` of this repository (paths from its root), with every
/// shipped rule and the raw-input prefilter on.
#[cfg(test)]
pub async fn prepared_over(files: &[&str]) -> Prepared {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths = files
        .iter()
        .map(|f| root.join(f).display().to_string())
        .collect();
    prepare(&QueryOptions::new(paths), &[], true)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}
