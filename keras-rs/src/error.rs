//! The one error type of keras-rs.

use thiserror::Error;

/// Everything that can go wrong in keras-rs, with Keras-style messages that name the argument,
/// what was expected and what was received.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument has a value Keras would reject (Keras' `ValueError`).
    #[error("{0}")]
    Value(String),
    /// A tensor or array does not have the shape a layer, loss or model expects.
    #[error("{0}")]
    Shape(String),
    /// A string identifier (activation, loss, metric, optimizer, initializer, layer class)
    /// is not known.
    #[error("{0}")]
    UnknownIdentifier(String),
    /// The model is used in a way its state does not allow (e.g. `fit` before `compile`).
    #[error("{0}")]
    State(String),
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file exists but its content is not in the expected format.
    #[error("{0}")]
    Format(String),
    /// A JSON config could not be read.
    #[error("invalid config: {0}")]
    Json(#[from] serde_json::Error),
    /// A [`PyDataset`](crate::utils::PyDataset) could not produce a batch (its error, or a
    /// panic in `get_batch`), with the batch's index.
    #[error("{0}")]
    Dataset(String),
    /// A rank of a distributed job failed (see [`distribution`](crate::distribution)): every
    /// rank returns its error, so that none waits for the others.
    #[error("rank {rank}: {message}")]
    Distributed {
        /// The rank that failed (the lowest, if several did).
        rank: usize,
        /// Its error.
        message: String,
    },
    /// The backend failed (e.g. reading a tensor back from the device).
    #[error("backend error: {0}")]
    Backend(String),
}

impl Error {
    /// Shortcut for [`Error::Value`].
    pub fn value(msg: impl Into<String>) -> Self {
        Error::Value(msg.into())
    }
    /// Shortcut for [`Error::Shape`].
    pub fn shape(msg: impl Into<String>) -> Self {
        Error::Shape(msg.into())
    }
    /// The same error with `prefix` before its message (which batch of a dataset, for
    /// instance); errors that carry a source keep it.
    pub fn context(self, prefix: &str) -> Self {
        match self {
            Error::Value(m) => Error::Value(format!("{prefix}{m}")),
            Error::Shape(m) => Error::Shape(format!("{prefix}{m}")),
            Error::Dataset(m) => Error::Dataset(format!("{prefix}{m}")),
            Error::State(m) => Error::State(format!("{prefix}{m}")),
            other => other,
        }
    }
    /// An I/O error with the path or action it happened on.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
}

/// `Result` with [`Error`](enum@Error) by default (another error type may be named, as in
/// `Result<DatasetBatch, BoxError>`, so the prelude's `Result` does not hide std's).
pub type Result<T, E = Error> = std::result::Result<T, E>;
