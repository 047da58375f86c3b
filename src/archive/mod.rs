//! The archive: the partitioned Parquet layout built from [`crate::ingest`]'s batches.
//!
//! [`convert`] writes the batches as `cluster=<c>/date=<d>/part-<hash>-0.parquet` (schema
//! version and row order in the file metadata; the columns are [`crate::schema`]'s), records
//! converted inputs in the manifest and rejected lines in `_rejects/`; [`encode`] sorts each
//! partition's chunk and encodes it column by column. Everything that knows
//! where the files of an archive live is here, so another store (object storage) plugs in at
//! this one place. [`check`] vets a local archive before a query reads it.

pub mod check;
pub mod convert;
pub mod encode;
pub mod listing;
