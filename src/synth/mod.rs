//! Synthetic data and measurement: [`generate`] writes realistic audit logs from a seeded model
//! (described in `generate.md` beside it), and [`bench`] times every step of the pipeline on
//! them, optionally against DuckDB.

pub mod bench;
pub mod generate;
