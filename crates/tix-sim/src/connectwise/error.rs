//! ConnectWise's error body `{code, message, errors: [{code, message, resource, field}]}`
//! (research §2.8, with the real examples quoted there).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug)]
pub struct CwError {
    status: StatusCode,
    code: &'static str,
    message: String,
    errors: Vec<Value>,
}

impl CwError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        CwError {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// 400 `InvalidObject` with one field error, as "Service Status 17 not found for
    /// Service Board 21" comes.
    pub fn invalid(resource: &str, code: &str, message: impl Into<String>, field: &str) -> Self {
        let message = message.into();
        CwError {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidObject",
            message: format!("{resource} object is invalid"),
            errors: vec![
                json!({"code": code, "message": message, "resource": resource, "field": field}),
            ],
        }
    }

    /// 400 `MaxLengthField`, as the summary limit answers.
    pub fn too_long(field: &str, max: usize) -> Self {
        CwError::new(
            StatusCode::BAD_REQUEST,
            "MaxLengthField",
            format!("The field {field} must be a string with a maximum length of {max}."),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        CwError::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
    }

    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        CwError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{what} with id {id} was not found."),
        )
    }

    /// 403, word for word the real answer (research §2.8, C9).
    pub fn security() -> Self {
        CwError::new(
            StatusCode::FORBIDDEN,
            "Security",
            "You do not have security permission to perform this action.",
        )
    }

    pub fn unauthorized(message: &str) -> Self {
        CwError::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }
}

impl IntoResponse for CwError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if !self.errors.is_empty() {
            body["errors"] = Value::Array(self.errors);
        }
        (self.status, Json(body)).into_response()
    }
}
