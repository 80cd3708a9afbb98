//! Argus's envelope on every answer, success or error (research/argus-sonar.md §1.3-1.4):
//! `{responseCode, limit, offset, count, size, metaData, messages[], data}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A list answer: `count` is every match, `size` this page.
pub fn list(data: Vec<Value>, count: usize, limit: usize, offset: usize) -> Response {
    let size = data.len();
    (
        StatusCode::OK,
        Json(json!({
            "responseCode": 200, "limit": limit, "offset": offset, "count": count, "size": size,
            "metaData": {}, "messages": [], "data": data,
        })),
    )
        .into_response()
}

/// A single object: `count` and `size` are 0 (research §1.3).
pub fn one(status: StatusCode, data: Value) -> Response {
    (
        status,
        Json(json!({
            "responseCode": status.as_u16(), "limit": 0, "offset": 0, "count": 0, "size": 0,
            "metaData": {}, "messages": [], "data": data,
        })),
    )
        .into_response()
}

/// An error answer with one `messages[]` entry.
#[derive(Debug)]
pub struct ArgusError {
    status: StatusCode,
    kind: &'static str,
    field: Option<String>,
    message: String,
}

impl ArgusError {
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "ACTION_ERROR",
            None,
            "Authentication failed",
        )
    }

    /// 403 FIELD_ERROR: a restricted field the caller may not change (document, "Restricted fields").
    pub fn restricted(field: &str, why: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "FIELD_ERROR",
            Some(field),
            &format!("Not permitted to change field {field}: {why}"),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ACTION_ERROR",
            None,
            &format!("{what} not found"),
        )
    }

    /// 412: a field with a wrong type, an unknown enum value or a value out of range.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "FIELD_ERROR",
            Some(field),
            message,
        )
    }

    /// 412 for a request that is valid but cannot be done in the case's state.
    pub fn action(message: &str) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "ACTION_ERROR",
            None,
            message,
        )
    }

    fn new(status: StatusCode, kind: &'static str, field: Option<&str>, message: &str) -> Self {
        ArgusError {
            status,
            kind,
            field: field.map(str::to_owned),
            message: message.to_owned(),
        }
    }
}

impl IntoResponse for ArgusError {
    fn into_response(self) -> Response {
        let body = json!({
            "responseCode": self.status.as_u16(), "limit": 0, "offset": 0, "count": 0, "size": 0,
            "metaData": {},
            "messages": [{
                "type": self.kind, "field": self.field, "message": self.message,
                "messageTemplate": self.message, "parameter": null,
            }],
            "data": null,
        });
        (self.status, Json(body)).into_response()
    }
}
