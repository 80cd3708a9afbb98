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
    #[error("{provider} does not support {}", operation_words(operation))]
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
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// An operation (`Capabilities` name) in words, for messages and `tix providers`:
/// "adding comments" rather than `add_comment`.
pub fn operation_words(operation: &str) -> &str {
    match operation {
        "list" => "listing tickets",
        "get" => "showing a ticket",
        "comments" => "reading comments",
        "add_comment" => "adding comments",
        "close" => "closing tickets",
        "create" => "creating tickets",
        "update" => "updating tickets",
        "attachments" => "listing attachments",
        "download" => "downloading attachments",
        "upload" => "adding attachments",
        "tags" => "tags",
        "iocs" => "indicators of compromise",
        "orgs" => "listing organizations",
        other => other,
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// DESIGN.md: 0 ok · 1 failure · 2 usage/unsupported · 3 auth/config · 4 not found ·
    /// 5 provider API error · 6 partial · 130 interrupted.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InvalidArgument { .. } | Error::Unsupported { .. } => 2,
            Error::Auth { .. } | Error::Config(_) => 3,
            Error::NotFound { .. } => 4,
            Error::Api { .. } => 5,
            Error::Partial { .. } => 6,
            Error::Transport { .. } | Error::Io(_) => 1,
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
