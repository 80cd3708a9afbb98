//! One ticket and the writes on it: `GET /v2/tickets/{ticket_id}`, `POST …/comment` (201),
//! `POST …/close?comment=` (200), and `POST /v2/tickets/create` (201 with the new `ticket_id`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Cyderes;
use super::error::{ApiError, item};
use super::params::pairs;
use super::render::{self, View};
use super::store::{Authored, CLOSED, Comment, Kind, Ticket};

const NOT_FOUND: &str = "Ticket not found";

pub async fn get(
    State(api): State<Arc<Cyderes>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = api.read();
    let at = store.position(&id).ok_or(ApiError::not_found(NOT_FOUND))?;
    Ok(Json(render::ticket(
        api.seed,
        &store,
        &store.tickets[at],
        View::Get,
    )))
}

pub async fn comment(
    State(api): State<Arc<Cyderes>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = json_body(&body, &["author", "body"])?;
    let mut store = api.write();
    let at = store.position(&id).ok_or(ApiError::not_found(NOT_FOUND))?;
    let now = store.tick();
    let n = store.tickets[at].n;
    store.tickets[at].updated = now as u32;
    let list = store.comments.entry(n).or_default();
    let id = format!("CMT{n:07}A{}", list.len());
    list.push(Comment {
        id,
        created: now,
        author: fields[0].clone(),
        body: fields[1].clone(),
    });
    Ok((StatusCode::CREATED, Json(Value::Null)).into_response())
}

pub async fn close(
    State(api): State<Arc<Cyderes>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = pairs(raw.as_deref());
    let mut store = api.write();
    let at = store.position(&id).ok_or(ApiError::not_found(NOT_FOUND))?;
    let now = store.tick();
    let t = &mut store.tickets[at];
    t.state = CLOSED;
    t.updated = now as u32;
    let n = t.n;
    if let Some(text) = q.get("comment").filter(|c| !c.is_empty()) {
        let list = store.comments.entry(n).or_default();
        let id = format!("CMT{n:07}A{}", list.len());
        list.push(Comment {
            id,
            created: now,
            author: "Customer (closed via TSI API)".into(),
            body: text.clone(),
        });
    }
    Ok(Json(Value::Null))
}

pub async fn create(State(api): State<Arc<Cyderes>>, body: Bytes) -> Result<Response, ApiError> {
    // `name` (the requester) is required but not shown back: no documented field carries it.
    let fields = json_body(&body, &["name", "short_description", "description"])?;
    let extra: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = |k: &str| extra[k].as_str().map(str::to_owned);
    let priority = match extra["priority"].as_str().map(str::trim) {
        Some("1") => 1,
        Some("2") => 2,
        _ => 3,
    };
    let mut store = api.write();
    let now = store.tick();
    let n = store.tickets.len() as u32 + 1;
    store.tickets.push(Ticket {
        n,
        kind: Kind::ServiceRequest,
        created: now as u32,
        updated: now as u32,
        state: 0,
        priority,
        escalated: false,
        template: 8,
        subject: n,
    });
    store.authored.insert(
        n,
        Authored {
            short_description: fields[1].clone(),
            description: fields[2].clone(),
            category: text("category"),
            kind: text("type"),
        },
    );
    let reply = json!({"status": 201, "ticket_id": render::ticket_id(n), "message": "Ticket has been created."});
    Ok((StatusCode::CREATED, Json(reply)).into_response())
}

/// The required string fields of a JSON body, or FastAPI's 422 for a body that is not JSON or
/// lacks one (`missing`) or holds a non-string (`string_type`).
fn json_body(raw: &[u8], required: &[&str]) -> Result<Vec<String>, ApiError> {
    let v: Value = serde_json::from_slice(raw).map_err(|e| {
        ApiError::Invalid(vec![item(
            "json_invalid",
            "body",
            "0",
            "JSON decode error",
            json!({}),
            Some(json!({"error": e.to_string()})),
        )])
    })?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for name in required {
        match &v[*name] {
            Value::String(s) => out.push(s.clone()),
            Value::Null => errors.push(item(
                "missing",
                "body",
                name,
                "Field required",
                v.clone(),
                None,
            )),
            other => errors.push(item(
                "string_type",
                "body",
                name,
                "Input should be a valid string",
                other.clone(),
                None,
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Invalid(errors))
    }
}
