//! audithound: hunt through Kubernetes audit-log archives.
//!
//! The modules follow the data's path through the program:
//! [`input`] finds and decompresses files → [`scan`] cuts them into lines and runs [`parse`],
//! which recognises each line's shape and normalises it into rows of the one [`schema`]
//! ([`batch`] builds the Arrow arrays) → [`convert`] writes partitioned Parquet, or [`engine`]
//! registers the rows (or an archive) with DataFusion as table `audit` → [`rules`] loads the
//! `.sql` rules → [`hunt`] runs them and [`output`] renders alerts and aggregations → [`report`]
//! builds the daily report. [`generate`] makes synthetic logs and [`bench`] times the pipeline.

pub mod batch;
pub mod bench;
pub mod cli;
pub mod convert;
pub mod daily;
pub mod engine;
pub mod error;
pub mod generate;
pub mod generate_cli;
pub mod hunt;
pub mod input;
pub mod output;
pub mod parse;
pub mod progress;
pub mod report;
pub mod rules;
pub mod scan;
pub mod schema;
pub mod timestamp;

pub use error::{Error, Result};
