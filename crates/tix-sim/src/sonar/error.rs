//! Sonar's error body, `{"error_code": "...", "error_msg": "..."}`, and the status each code comes
//! with (shared/research/argus-sonar.md §3.1).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug)]
pub struct SonarError {
    status: StatusCode,
    code: &'static str,
    msg: String,
}

#[derive(Serialize)]
struct Body<'a> {
    error_code: &'a str,
    error_msg: &'a str,
}

impl SonarError {
    /// 400 `invalid-argument`: every error of the vendor document's list.
    pub fn invalid_argument(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-argument", msg.into())
    }

    /// 400 `null-argument`: a required write parameter is missing ("repo_guid should be not null").
    pub fn null_argument(name: &str) -> Self {
        let msg = format!("{name} should be not null");
        Self::new(StatusCode::BAD_REQUEST, "null-argument", msg)
    }

    /// 400 `invalid-param-type`: "guid should be guid type." for a malformed path or list GUID.
    pub fn not_guid(name: &str) -> Self {
        let msg = format!("{name} should be guid type.");
        Self::new(StatusCode::BAD_REQUEST, "invalid-param-type", msg)
    }

    /// HTTP **500** `illegal-state`: how Sonar reports a missing ticket and refused state changes.
    pub fn illegal_state(msg: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "illegal-state",
            msg.into(),
        )
    }

    pub fn ticket_not_found(guid: &Uuid) -> Self {
        Self::illegal_state(format!("ticket not found: {guid}"))
    }

    /// HTTP 401. The documents show no body for a bad key; the code and messages here are our
    /// choice, shaped like every other Sonar error so a client's error parser handles them.
    pub fn unauthorized(msg: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", msg.to_string())
    }

    fn new(status: StatusCode, code: &'static str, msg: String) -> Self {
        SonarError { status, code, msg }
    }
}

impl IntoResponse for SonarError {
    fn into_response(self) -> Response {
        let body = Body {
            error_code: self.code,
            error_msg: &self.msg,
        };
        (self.status, Json(body)).into_response()
    }
}
