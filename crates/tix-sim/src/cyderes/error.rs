//! FastAPI's error answers as research/cyderes-cli-conventions.md A.3 recorded them: `detail`
//! as a string, or as a list of pydantic v2 validation errors for a 422.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub enum ApiError {
    /// `{"detail": "<text>"}` with the status.
    Detail(StatusCode, &'static str),
    /// 401 with `WWW-Authenticate: Bearer` (FastAPI ≥ 0.116 for a missing or non-Bearer header).
    NotAuthenticated,
    /// 422 `{"detail": [...]}`, every failing parameter in parameter order.
    Invalid(Vec<Value>),
}

impl ApiError {
    pub fn not_found(what: &'static str) -> Self {
        ApiError::Detail(StatusCode::NOT_FOUND, what)
    }
}

/// One validation error: `{"type", "loc": [where, name], "msg", "input"}` plus `ctx` when given.
pub fn item(
    kind: &str,
    place: &str,
    name: &str,
    msg: &str,
    input: Value,
    ctx: Option<Value>,
) -> Value {
    let mut v = json!({"type": kind, "loc": [place, name], "msg": msg, "input": input});
    if let Some(ctx) = ctx {
        v["ctx"] = ctx;
    }
    v
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Detail(status, text) => {
                (status, Json(json!({"detail": text}))).into_response()
            }
            ApiError::NotAuthenticated => {
                let mut r = (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"detail": "Not authenticated"})),
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
            ApiError::Invalid(items) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"detail": items})),
            )
                .into_response(),
        }
    }
}
