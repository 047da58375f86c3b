//! End-to-end tests of the `audithound` binary: every test runs the real executable on the
//! fixtures in `tests/fixtures/` (see its README.md for what each line is) inside a temporary
//! directory, and checks exit codes, stdout and stderr.
//!
//! Compressed inputs are made here at test time (gzip, zstd, and one zstd copy without an
//! extension: compression is recognised from content), so no binary fixtures are committed.
//!
//! One module per command (a test that runs several commands lives with its main assertion), and
//! [`harness`] for the temporary directory, running the binary and reading its output.

mod harness;

mod bench;
mod convert;
mod demo;
mod exceptions;
mod generate;
mod hardening;
mod hunt;
mod prefilter;
mod remote;
mod replay;
mod report;
mod rules;
mod sql;
mod stats;
