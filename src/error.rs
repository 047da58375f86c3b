//! The library's one error type. Variants carry the path, line or rule they are about, and the
//! message says what to do next; `main` prints the cause chain and maps it to exit code 2.

use std::path::PathBuf;

/// Everything that can stop a run. Bad input *lines* are not errors: they are rejects, counted
/// and recorded by [`crate::rejects`]; only `--strict` turns the first one into [`Error::Strict`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source} (check the path and its permissions)", path.display())]
    Input {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no input matches {0:?} (give a file, a directory, a glob pattern or - for stdin)")]
    NoMatch(String),
    #[error("cannot write {}: {source}", path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} already exists; pass --force to overwrite it", .0.display())]
    Exists(PathBuf),
    #[error(
        "{file}:{line}: {reason} (--strict stops at the first bad line; drop it to skip and record bad lines)"
    )]
    Strict {
        file: String,
        line: u64,
        reason: String,
    },
    /// A file or folder of an archive that `convert` did not write (crafted or damaged).
    #[error(
        "{}: {reason} (not a file convert writes: move it out of the archive, or convert its input again)",
        path.display()
    )]
    Archive { path: PathBuf, reason: String },
    #[error("rule {path}: {message}")]
    Rule { path: String, message: String },
    /// A query failed while it ran: `what` names the rule (or the rules' shared pass), as
    /// several run one after another in one command.
    #[error("{what} failed: {message}")]
    Running { what: String, message: String },
    #[error("{0}")]
    Usage(String),
    /// A request to object storage failed (after `object_store`'s retries); `message` is redacted.
    #[error("{url}: {message} ({hint})")]
    Remote {
        url: String,
        message: String,
        hint: String,
    },
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error(transparent)]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// This error as [`Error::Running`] of `what`, with a hint when the memory limit stopped it.
    #[must_use]
    pub fn running(self, what: impl Into<String>) -> Self {
        let exhausted = matches!(
            &self,
            Error::DataFusion(e)
                if matches!(e.find_root(), datafusion::error::DataFusionError::ResourcesExhausted(_))
        );
        let hint = if exhausted {
            " (raise --memory-limit, e.g. --memory-limit 2G, or run the other rules without \
             this one by naming them with --rule)"
        } else {
            ""
        };
        Error::Running {
            what: what.into(),
            message: format!("{self}{hint}"),
        }
    }
}
