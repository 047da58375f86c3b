//! Ingest: from bytes on disk (or stdin) to Arrow record batches of the one schema.
//!
//! The data's path through this folder, top to bottom: [`input`] finds the inputs (files,
//! directories, globs, stdin) and undoes their compression, recognised from the content →
//! [`scan`] cuts each stream into lines on worker threads, skips lines no rule can match
//! ([`prefilter`], which decodes JSON escapes so it never changes a result), counts
//! and records rejected lines → [`parse`] recognises each line's shape (raw event, Elastic, AKS,
//! EKS/CloudWatch, GKE) and maps its fields onto the schema's columns → [`timestamp`] turns the
//! many timestamp spellings into UTC microseconds → [`batch`] builds the Arrow arrays.
//! `convert` (in [`crate::archive`]) and the raw-log tables of [`crate::query`] both consume
//! what comes out, so there is one parser for every command.

pub mod batch;
pub mod input;
pub mod parse;
pub mod prefilter;
pub mod scan;
pub mod timestamp;
