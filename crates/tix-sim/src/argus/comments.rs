//! `GET|POST /cases/v2/case/{id}/comments` (vendor document, "Managing comments"): 25 by
//! default, `limit=0` for all.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::cases::not_found;
use super::envelope::{self, ArgusError};
use super::store::Comment;
use super::{Argus, body_object, case_id, now, paging};

pub async fn list(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let (limit, offset) = paging(q.as_deref())?;
    let mut store = argus.write();
    let case = store.case(id).ok_or_else(|| not_found(id))?;
    let (status, priority) = (case.status.clone(), case.priority.clone());
    let all = store.comments(id);
    let count = all.len();
    let take = if limit == 0 { count } else { limit };
    let data = all
        .iter()
        .skip(offset)
        .take(take)
        .map(|c| c.json(&status, &priority))
        .collect();
    Ok(envelope::list(data, count, limit, offset))
}

pub async fn add(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let body = body_object(&body)?;
    let text = match body.get("comment") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err(ArgusError::invalid("comment", "comment is required")),
    };
    let internal = body
        .get("internal")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut store = argus.write();
    let at = now();
    let case = store.case_mut(id).ok_or_else(|| not_found(id))?;
    case.updated = at;
    let (status, priority) = (case.status.clone(), case.priority.clone());
    let c = Comment {
        id: uuid::Uuid::new_v4(),
        author: "API user",
        added: at,
        text,
        internal,
    };
    let json = c.json(&status, &priority);
    store.comments(id).push(c);
    Ok(envelope::one(StatusCode::OK, json))
}
