//! Cyderes' FastAPI error bodies → tix errors (research/cyderes-cli-conventions.md A.3).
//!
//! `detail` is a string (`"Not authenticated"`, `"Ticket not found"`) or a list of
//! `{loc, msg, type, input}`; each list entry is shown as `flag (param): msg`. 401 and 403
//! both mean a rejected token: FastAPI answered a missing one with 403 before 0.116 and
//! with 401 since.

use super::NAME;
use super::wire::{Detail, DetailItem, ErrorBody};
use crate::error::Error;
use crate::http::{self, Failure};
use reqwest::StatusCode;

/// FastAPI's own answer to a path it has no route for; a missing ticket says otherwise.
const NO_ROUTE: &str = "Not Found";

pub(super) fn parse_error(status: StatusCode, body: &[u8]) -> Failure {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.detail);
    let message = match &detail {
        Some(Detail::Text(t)) => t.clone(),
        Some(Detail::Items(items)) => items.iter().map(item).collect::<Vec<_>>().join("; "),
        None => http::body_excerpt(body),
    };
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        let why = if message.is_empty() {
            String::new()
        } else {
            format!(": {message}")
        };
        return Failure::permanent(Error::Auth {
            provider: NAME.into(),
            message: format!(
                "the token was rejected (HTTP {}{why}); ask your Cyderes CSM for a new one",
                status.as_u16()
            ),
        });
    }
    let message = match (status, message.is_empty()) {
        (StatusCode::NOT_FOUND, _) if message == NO_ROUTE => {
            "Not Found: no such endpoint (is the base URL the TSI API's?)".to_owned()
        }
        (_, true) => "no error message".to_owned(),
        _ => message,
    };
    let error = Error::Api {
        provider: NAME.into(),
        status: status.as_u16(),
        message,
    };
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        Failure::permanent(error)
    } else {
        Failure::new(error)
    }
}

/// A 404 on a ticket's own path is that ticket missing, unless FastAPI said it has no
/// such route at all.
pub(super) fn ticket_not_found(e: Error, id: &str) -> Error {
    match e {
        Error::Api {
            status: 404,
            ref message,
            ..
        } if !message.starts_with(NO_ROUTE) => Error::NotFound {
            provider: NAME.into(),
            id: id.to_owned(),
        },
        other => other,
    }
}

/// `--type (ticket_type): Input should be … (got "bogus")`.
fn item(i: &DetailItem) -> String {
    let param = i.loc.last().and_then(|v| v.as_str()).unwrap_or("request");
    let flag = match param {
        "limit" => Some("--page-size"),
        "ticket_type" => Some("--type"),
        "created_from" | "updated_from" => Some("--since"),
        "created_to" | "updated_to" => Some("--until"),
        "escalated_only" => Some("--escalated-only"),
        "include_raw_event" => Some("--with-raw-event"),
        "lookup_fields" => Some("--sort"),
        "comment" => Some("--comment"),
        _ => None,
    };
    let name = match flag {
        Some(f) => format!("{f} ({param})"),
        None => param.to_owned(),
    };
    let got = match &i.input {
        Some(serde_json::Value::String(s)) => format!(" (got \"{s}\")"),
        Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
            format!(" (got {v})")
        }
        _ => String::new(),
    };
    format!("{name}: {}{got}", i.msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_the_flag() {
        let f = parse_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"detail":[{"type":"less_than_equal","loc":["query","limit"],"msg":"Input should be less than or equal to 250","input":"251","ctx":{"le":250}},{"type":"enum","loc":["query","ticket_type"],"msg":"Input should be 'all' or 'alert'","input":"bogus"}]}"#,
        );
        assert!(f.permanent);
        assert_eq!(
            f.error.to_string(),
            "cyderes: --page-size (limit): Input should be less than or equal to 250 (got \"251\"); --type (ticket_type): Input should be 'all' or 'alert' (got \"bogus\") (HTTP 422)"
        );
        assert_eq!(f.error.exit_code(), 5);
    }

    #[test]
    fn pydantic_v1_items_have_no_input() {
        let f = parse_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"detail":[{"loc":["query","limit"],"msg":"ensure this value is less than or equal to 250","type":"value_error.number.not_le","ctx":{"limit_value":250}}]}"#,
        );
        assert_eq!(
            f.error.to_string(),
            "cyderes: --page-size (limit): ensure this value is less than or equal to 250 (HTTP 422)"
        );
    }

    #[test]
    fn both_401_and_403_are_a_rejected_token() {
        for status in [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN] {
            let f = parse_error(status, br#"{"detail":"Not authenticated"}"#);
            assert!(f.permanent);
            assert_eq!(f.error.exit_code(), 3);
            assert_eq!(
                f.error.to_string(),
                format!(
                    "cyderes: authentication failed: the token was rejected (HTTP {}: Not authenticated); ask your Cyderes CSM for a new one",
                    status.as_u16()
                )
            );
        }
    }

    #[test]
    fn a_missing_ticket_is_not_found_but_a_missing_route_is_not() {
        let f = parse_error(StatusCode::NOT_FOUND, br#"{"detail":"Ticket not found"}"#);
        let e = ticket_not_found(f.error, "CYDERES-1");
        assert_eq!(e.exit_code(), 4);
        assert_eq!(e.to_string(), "cyderes: ticket CYDERES-1 not found");
        let f = parse_error(StatusCode::NOT_FOUND, br#"{"detail":"Not Found"}"#);
        let e = ticket_not_found(f.error, "CYDERES-1");
        assert_eq!(e.exit_code(), 5);
        assert!(e.to_string().contains("base URL"), "{e}");
    }

    #[test]
    fn a_502_page_is_retryable() {
        let f = parse_error(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert!(!f.permanent);
        assert!(f.error.to_string().contains("bad gateway"));
    }
}
