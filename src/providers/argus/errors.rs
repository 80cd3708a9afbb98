//! Argus's error answers: the envelope with `messages[]` (research/argus-sonar.md §1.4).
//!
//! 401 is a rejected key; 403 is a refusal to this key on this case, and with a
//! `FIELD_ERROR` a refusal to change one restricted field (vendor document, "Restricted
//! fields"): both say so rather than "authentication failed", since a new key would
//! not help. 404 is turned into "case N not found" by the caller, who knows N; 412 is a
//! validation error; 503 means "overloaded, try again" and is retried.

use super::NAME;
use super::wire::{Envelope, Message};
use crate::error::Error;
use crate::http::{self, Failure};
use reqwest::StatusCode;

/// Why the document's restricted fields are refused, for the error message.
const RESTRICTED: &[(&str, &str)] = &[
    (
        "assignedTech",
        "only users with the TECH role on the case may change it",
    ),
    (
        "reporter",
        "only users with the TECH role on the case may change it",
    ),
    (
        "subject",
        "only the case owner or users with the TECH role may change it",
    ),
    (
        "description",
        "only the case owner or users with the TECH role may change it",
    ),
];

pub(super) fn parse_error(status: StatusCode, body: &[u8]) -> Failure {
    let messages = serde_json::from_slice::<Envelope<serde_json::Value>>(body)
        .map(|e| e.messages)
        .unwrap_or_default();
    let text = describe(&messages).unwrap_or_else(|| http::body_excerpt(body));
    let code = status.as_u16();
    let api = |message: String| Error::Api {
        provider: NAME.into(),
        status: code,
        message,
    };
    match status {
        StatusCode::UNAUTHORIZED => Failure::permanent(Error::Auth {
            provider: NAME.into(),
            message: format!("{} (HTTP 401)", or(text, "the API key was rejected")),
        }),
        StatusCode::FORBIDDEN => {
            let field = messages
                .iter()
                .find(|m| m.kind.as_deref() == Some("FIELD_ERROR"))
                .and_then(|m| m.field.as_deref());
            let message = match field {
                Some(field) => {
                    let why = RESTRICTED
                        .iter()
                        .find(|(f, _)| *f == field)
                        .map(|(_, why)| format!(" ({field} is a restricted field: {why})"))
                        .unwrap_or_default();
                    format!("permission denied to change {field}{why}: {text}")
                }
                None => format!(
                    "permission denied: {}",
                    or(text, "this key may not do that on this case")
                ),
            };
            Failure::permanent(api(message))
        }
        StatusCode::PRECONDITION_FAILED => {
            Failure::permanent(api(format!("validation error: {}", or(text, "no details"))))
        }
        s if s.is_client_error() && s != StatusCode::TOO_MANY_REQUESTS => {
            Failure::permanent(api(or(text, "no error message")))
        }
        _ => Failure::new(api(or(text, "no error message"))),
    }
}

fn or(text: String, fallback: &str) -> String {
    if text.is_empty() {
        fallback.to_owned()
    } else {
        text
    }
}

/// `field: message` for field errors, else the message; several joined by "; ".
fn describe(messages: &[Message]) -> Option<String> {
    let parts: Vec<String> = messages
        .iter()
        .filter_map(|m| {
            let text = m.message.as_deref().filter(|t| !t.is_empty())?;
            Some(match (m.kind.as_deref(), m.field.as_deref()) {
                (Some("FIELD_ERROR"), Some(f)) if !f.is_empty() => format!("{f}: {text}"),
                _ => text.to_owned(),
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(status: u16, body: serde_json::Value) -> Failure {
        parse_error(
            StatusCode::from_u16(status).unwrap(),
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn a_field_error_names_the_field_and_why() {
        let f = parse(
            403,
            serde_json::json!({"messages": [{"type": "FIELD_ERROR", "field": "subject", "message": "Not permitted"}]}),
        );
        assert!(f.permanent);
        assert_eq!(
            f.error.to_string(),
            "argus: permission denied to change subject (subject is a restricted field: only the case owner or users with the TECH role may change it): subject: Not permitted (HTTP 403)"
        );
        assert_eq!(f.error.exit_code(), 5);
    }

    #[test]
    fn a_503_is_retried_and_a_412_is_not() {
        assert!(!parse_error(StatusCode::SERVICE_UNAVAILABLE, b"").permanent);
        let f = parse(
            412,
            serde_json::json!({"messages": [{"type": "FIELD_ERROR", "field": "limit", "message": "too big"}]}),
        );
        assert!(f.permanent);
        assert_eq!(
            f.error.to_string(),
            "argus: validation error: limit: too big (HTTP 412)"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_quoted() {
        let f = parse_error(StatusCode::UNAUTHORIZED, b"<html>nope</html>");
        assert_eq!(
            f.error.to_string(),
            "argus: authentication failed: <html>nope</html> (HTTP 401)"
        );
        assert_eq!(f.error.exit_code(), 3);
    }
}
