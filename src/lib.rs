//! audithound: hunt through Kubernetes audit-log archives.
//!
//! The folders follow the data's path through the program, and depend only on the ones before
//! them: [`schema`] is the one Arrow schema of an audit event, the contract every folder shares →
//! [`ingest`] finds and decompresses inputs, cuts them into lines, parses every supported shape
//! and builds Arrow batches of that schema → [`archive`] writes them as the partitioned Parquet
//! archive → [`query`] registers an archive (or raw logs, through the same
//! parser) with DataFusion as table `audit`, loads the `.sql` rules and runs hunts, stats and
//! SQL → [`report`] gathers a day's numbers into one view model and renders it as HTML,
//! Markdown and JSON. [`synth`] makes synthetic logs and times the pipeline. [`cli`] is the
//! command line: clap definitions per command that build the library's option structs; no
//! library module imports it.

pub mod archive;
pub mod cli;
pub mod cluster;
pub mod error;
pub mod ingest;
pub mod progress;
pub mod query;
pub mod report;
pub mod schema;
pub mod store;
pub mod synth;

pub use error::{Error, Result};
