//! The one error type of the library, by what the user and the exit code need.

use std::io;

/// Every failure tix can report. Each variant carries data; `Display` renders the
/// one-line message the user sees, and [`Error::exit_code`] is the only place that
/// maps a failure to DESIGN.md's exit codes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag's value is outside what the provider or tix accepts; found before any request.
    #[error("invalid value '{value}' for {flag}: {allowed}")]
    InvalidArgument {
        flag: String,
        value: String,
        /// The allowed values or range, e.g. "0..=1000" or "one of: asc, desc".
        allowed: String,
    },
    #[error("{provider} does not support {operation}")]
    Unsupported {
        provider: String,
        operation: &'static str,
    },
    /// The provider rejected the credentials (or none were given).
    #[error("{provider}: authentication failed: {message}")]
    Auth { provider: String, message: String },
    #[error("{provider}: ticket {id} not found")]
    NotFound { provider: String, id: String },
    /// The provider answered with an error (after retries, where retrying made sense).
    #[error("{provider}: {message} (HTTP {status})")]
    Api {
        provider: String,
        status: u16,
        message: String,
    },
    /// The provider could not be reached, or its answer could not be read.
    #[error("{provider}: {message}")]
    Transport { provider: String, message: String },
    #[error("config: {0}")]
    Config(String),
    /// Some sources failed while the others were printed.
    #[error("{} of the sources failed: {}", .failed.len(), .failed.join("; "))]
    Partial { failed: Vec<String> },
    /// One ticket of a listing that tix could not read (no id, or not JSON it can read),
    /// yielded in its place while the listing goes on: a warning in `list`, a failed
    /// ticket in `sync`.
    #[error("{provider}: ticket {position} of the listing {why}; skipped")]
    Unreadable {
        provider: String,
        /// Its place in the listing, from 1.
        position: u64,
        why: String,
    },
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The provider answered, but not in the shape its document promises. The same answer
    /// would come again, so it is never retried, and there is no HTTP status to show: the
    /// request itself succeeded.
    #[error("{provider}: {message}")]
    Decode {
        provider: String,
        /// What could not be read, e.g. "the answer to GET /api/sonar/tickets is not as documented".
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The sync state database (SQLite) could not be opened, read or written.
    #[error("sync state {path}: {source}")]
    State {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Another sync holds the state's lock, so this one synced nothing (`sync --quiet`:
    /// a cron job must not look healthy then).
    #[error("another sync is running on {path} ({holder}); nothing was synced")]
    Locked { path: String, holder: String },
    /// This run hung and a newer one took its lock over; it stopped without committing.
    #[error(
        "the lock on {path} was taken over by a newer sync while this one was stopped; this run commits nothing more"
    )]
    Fenced { path: String },
    /// Ctrl-C (SIGINT): the command stopped, committing nothing half-done.
    #[error("interrupted")]
    Interrupted,
    /// A listing reaches past what the provider's API pages through; said before the
    /// request, which was never sent.
    #[error("{provider}: {message}")]
    Limit { provider: String, message: String },
    /// The provider keeps the record for audit only (a deleted attachment); no request
    /// for it was sent.
    #[error("{provider}: {message}")]
    Gone { provider: String, message: String },
    /// The provider redirected more times than tix follows.
    #[error("{provider}: {message}")]
    Redirect { provider: String, message: String },
    /// A request body could not be encoded; nothing was sent.
    #[error("{provider}: cannot encode the request: {source}")]
    Encode {
        provider: String,
        #[source]
        source: serde_json::Error,
    },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The one mapping from a command's outcome to the process exit code, used by `main`
/// for every command. A command answers `Ok(0)` when all went well, `Ok(6)` (from
/// [`Error::Partial`]) after reporting the parts that failed, or the error itself.
pub fn exit_code(outcome: &Result<u8>) -> u8 {
    match outcome {
        Ok(code) => *code,
        // `tix list | head` closes the pipe early; that is not a failure.
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => e.exit_code(),
    }
}

impl Error {
    /// DESIGN.md: 0 ok · 1 failure · 2 usage/unsupported · 3 auth/config · 4 not found ·
    /// 5 provider API error · 6 partial · 130 interrupted. The README's "Exit codes"
    /// table is this match; `tests/it/exit_codes.rs` checks it per command.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidArgument { .. } | Error::Unsupported { .. } => 2,
            Error::Auth { .. } | Error::Config(_) => 3,
            Error::NotFound { .. } | Error::Gone { .. } => 4,
            Error::Api { .. } | Error::Limit { .. } | Error::Redirect { .. } => 5,
            Error::Partial { .. } | Error::Unreadable { .. } => 6,
            // 5 ("the provider answered with an error"): the provider did answer, and what
            // it answered is the fault, not the network (1) nor the user's input (2).
            Error::Decode { .. } => 5,
            Error::Transport { .. }
            | Error::Io(_)
            | Error::State { .. }
            | Error::Encode { .. }
            | Error::Locked { .. }
            | Error::Fenced { .. } => 1,
            Error::Interrupted => 130,
        }
    }

    /// A sync state failure at `path`, keeping SQLite's error as the cause.
    pub fn state(
        path: &std::path::Path,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::State {
            path: path.display().to_string(),
            source: source.into(),
        }
    }

    /// Shorthand for the common "bad flag value" error.
    pub fn invalid(flag: &str, value: impl ToString, allowed: impl ToString) -> Self {
        Error::InvalidArgument {
            flag: flag.to_owned(),
            value: value.to_string(),
            allowed: allowed.to_string(),
        }
    }

    /// An answer (or part of one) that is not as documented, keeping the parser's error
    /// as the source; the message is `what` followed by the parser's words.
    pub fn decode(
        provider: &str,
        what: impl std::fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Decode {
            provider: provider.to_owned(),
            message: format!("{what}: {source}"),
            source: Some(Box::new(source)),
        }
    }

    /// A part of the answer that failed while the rest goes on (exit 6): a listing yields
    /// it as an item and continues.
    pub fn is_partial(&self) -> bool {
        matches!(self, Error::Partial { .. } | Error::Unreadable { .. })
    }

    /// True when the error is a closed pipe on stdout (`tix list | head`), which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_name_the_flag() {
        let e = Error::invalid("--page-size", 1001, "an integer in 0..=1000 (sonar)");
        assert_eq!(
            e.to_string(),
            "invalid value '1001' for --page-size: an integer in 0..=1000 (sonar)"
        );
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn exit_codes_follow_design() {
        let api = Error::Api {
            provider: "sonar".into(),
            status: 400,
            message: "x".into(),
        };
        assert_eq!(api.exit_code(), 5);
        assert_eq!(
            Error::NotFound {
                provider: "sonar".into(),
                id: "g".into()
            }
            .exit_code(),
            4
        );
        assert_eq!(Error::Config("x".into()).exit_code(), 3);
        assert_eq!(Error::Partial { failed: vec![] }.exit_code(), 6);
    }
}
