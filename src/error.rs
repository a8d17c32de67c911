//! Error types that cross module boundaries, and how each maps to an exit code.
//!
//! `Usage` and `Input` errors end a run with exit code 2 ("the tool could not run");
//! findings are not errors and never appear here.

/// An error that stops a command. Each variant carries enough context to tell the user
/// what was wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or the environment asked for something impossible.
    #[error("{0}")]
    Usage(String),
    /// A file the user controls (config, schema) could not be used; `path:line: message`,
    /// or `path: message` when the problem concerns the whole file.
    #[error("{}: {message}", crate::finding::location(path, *line))]
    Input {
        /// Path as shown to the user (repo-relative where possible).
        path: String,
        /// The line, `None` when the problem concerns the whole file.
        line: Option<crate::finding::Line>,
        /// What is wrong, in one sentence.
        message: String,
    },
    /// Reading the repository (git objects, the index, the worktree) failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, e.g. "reading the index at .git/index".
        context: String,
        /// The underlying failure.
        #[source]
        source: anyhow::Error,
    },
}

impl Error {
    /// Wraps any error with a sentence that says what was being done.
    pub fn io(context: impl Into<String>, source: impl Into<anyhow::Error>) -> Self {
        Error::Io {
            context: context.into(),
            source: source.into(),
        }
    }

    /// Builds an [`Error::Input`] for `path` at 1-based `line` (0: the whole file).
    pub fn input(path: impl Into<String>, line: u32, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            line: crate::finding::Line::new(line),
            message: message.into(),
        }
    }

    /// The process exit code for this error: always 2, the code for "could not check".
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
