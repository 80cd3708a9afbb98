//! The two error bodies of Arctic Wolf's two APIs (research/arcticwolf-connectwise.md §1.4,
//! §1.10): the Ticket API answers `{code, description}`; the Organizations API answers
//! `{message, code, errors[]}` except on 401/403, which carry no body "to prevent an
//! accidental information disclosure". Each becomes the user's one-line error.

use super::NAME;
use super::wire;
use crate::error::Error;
use crate::http::{self, Failure};
use reqwest::StatusCode;

/// The Ticket API's errors.
pub(super) fn ticket_api(status: StatusCode, body: &[u8]) -> Failure {
    let parsed: Option<wire::TicketError> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|b| b.code.clone())
        .unwrap_or_default();
    let text = parsed
        .and_then(|b| b.description)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| http::body_excerpt(body));
    let message = match (code.is_empty(), text.is_empty()) {
        (true, true) => "no error message".to_owned(),
        (true, false) => text,
        (false, true) => code.clone(),
        (false, false) => format!("{text} ({code})"),
    };
    finish(status, message, code == "not_found")
}

/// The Organizations API's errors.
pub(super) fn organizations_api(status: StatusCode, body: &[u8]) -> Failure {
    let parsed: Option<wire::OrgsError> = serde_json::from_slice(body).ok();
    let message = match parsed {
        Some(b) => {
            let mut parts: Vec<String> = b.message.into_iter().filter(|m| !m.is_empty()).collect();
            parts.extend(
                b.errors
                    .into_iter()
                    .filter_map(|e| match (e.field, e.message) {
                        (Some(f), Some(m)) if !f.is_empty() => Some(format!("{f}: {m}")),
                        (_, m) => m,
                    }),
            );
            parts.join("; ")
        }
        None => http::body_excerpt(body),
    };
    let message = if message.is_empty() {
        "no error message".to_owned()
    } else {
        message
    };
    finish(status, format!("organizations: {message}"), false)
}

fn finish(status: StatusCode, message: String, not_found: bool) -> Failure {
    let code = status.as_u16();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        let why = if status == StatusCode::UNAUTHORIZED {
            "the API key was rejected (expired, or not a personal API key from the Unified Portal)"
        } else {
            "the API key may not see this"
        };
        // 401/403 bodies are empty on the Organizations API and may be on the Ticket API.
        let message = if message.ends_with("no error message") {
            format!("{why} (HTTP {code})")
        } else {
            format!("{message} (HTTP {code})")
        };
        return Failure::permanent(Error::Auth {
            provider: NAME.into(),
            message,
        });
    }
    if status == StatusCode::NOT_FOUND && not_found {
        // The caller knows which id it asked for and puts it in (see `mod.rs`).
        return Failure::permanent(Error::NotFound {
            provider: NAME.into(),
            id: String::new(),
        });
    }
    let error = Error::Api {
        provider: NAME.into(),
        status: code,
        message,
    };
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        Failure::permanent(error)
    } else {
        Failure::new(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_api_body_is_code_and_description() {
        let f = ticket_api(
            StatusCode::BAD_REQUEST,
            br#"{"code":"invalid_request","description":"The 'limit' parameter must be less than or equal to 100."}"#,
        );
        assert!(f.permanent);
        assert_eq!(
            f.error.to_string(),
            "arcticwolf: The 'limit' parameter must be less than or equal to 100. (invalid_request) (HTTP 400)"
        );
        let f = ticket_api(
            StatusCode::NOT_FOUND,
            br#"{"code":"not_found","description":"Ticket with ID 12345 was not found."}"#,
        );
        assert_eq!(f.error.exit_code(), 4);
        let f = ticket_api(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"code":"internal_server_error","description":"An unexpected error occurred while processing your request."}"#,
        );
        assert!(!f.permanent);
        assert_eq!(f.error.exit_code(), 5);
    }

    #[test]
    fn the_organizations_api_body_is_message_and_errors() {
        let f = organizations_api(
            StatusCode::BAD_REQUEST,
            br#"{"message":"invalid request","code":400,"errors":[{"code":1,"field":"root","message":"must be a UUID"}]}"#,
        );
        assert_eq!(
            f.error.to_string(),
            "arcticwolf: organizations: invalid request; root: must be a UUID (HTTP 400)"
        );
    }

    #[test]
    fn auth_failures_without_a_body_still_say_what_happened() {
        for (s, want) in [(401, "rejected"), (403, "may not see")] {
            let s = StatusCode::from_u16(s).unwrap();
            for f in [organizations_api(s, b""), ticket_api(s, b"")] {
                assert_eq!(f.error.exit_code(), 3);
                assert!(f.permanent);
                assert!(f.error.to_string().contains(want), "{}", f.error);
            }
        }
    }
}
