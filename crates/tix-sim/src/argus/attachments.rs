//! Attachments (vendor document, "Managing attachments"): metadata list, one item, the raw
//! download with its original content type, and upload as base64 in a JSON body (201).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;

use super::cases::not_found;
use super::envelope::{self, ArgusError};
use super::store::Attachment;
use super::{Argus, body_object, case_id, now, paging};

pub async fn list(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let (limit, offset) = paging(q.as_deref())?;
    let store = argus.read();
    store.case(id).ok_or_else(|| not_found(id))?;
    let all = store
        .attachments
        .get(&id)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let take = if limit == 0 { all.len() } else { limit };
    let data = all
        .iter()
        .skip(offset)
        .take(take)
        .map(Attachment::json)
        .collect();
    Ok(envelope::list(data, all.len(), limit, offset))
}

fn find<'a>(
    argus: &'a Argus,
    id: &str,
    aid: &str,
) -> Result<
    (
        i64,
        uuid::Uuid,
        std::sync::RwLockReadGuard<'a, super::store::Store>,
    ),
    ArgusError,
> {
    let id = case_id(id)?;
    let aid = uuid::Uuid::parse_str(aid).map_err(|_| {
        ArgusError::invalid("attachmentID", &format!("Invalid attachment ID: {aid}"))
    })?;
    let store = argus.read();
    store.case(id).ok_or_else(|| not_found(id))?;
    Ok((id, aid, store))
}

pub async fn one(
    State(argus): State<Arc<Argus>>,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Response, ArgusError> {
    let (id, aid, store) = find(&argus, &id, &aid)?;
    let a = store
        .attachments
        .get(&id)
        .and_then(|l| l.iter().find(|a| a.id == aid))
        .ok_or_else(|| ArgusError::not_found(&format!("Attachment {aid}")))?;
    Ok(envelope::one(StatusCode::OK, a.json()))
}

pub async fn download(
    State(argus): State<Arc<Argus>>,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Response, ArgusError> {
    let (id, aid, store) = find(&argus, &id, &aid)?;
    let a = store
        .attachments
        .get(&id)
        .and_then(|l| l.iter().find(|a| a.id == aid))
        .ok_or_else(|| ArgusError::not_found(&format!("Attachment {aid}")))?;
    Ok(([(header::CONTENT_TYPE, a.mime.clone())], a.bytes.clone()).into_response())
}

pub async fn add(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let body = body_object(&body)?;
    let field = |name: &str| match body.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(ArgusError::invalid(name, &format!("{name} is required"))),
    };
    let name = field("name")?;
    let mime = field("mimeType")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(field("data")?)
        .map_err(|_| ArgusError::invalid("data", "data must be base64-encoded"))?;
    let mut store = argus.write();
    let at = now();
    let case = store.case_mut(id).ok_or_else(|| not_found(id))?;
    case.updated = at;
    let a = Attachment {
        id: uuid::Uuid::new_v4(),
        name,
        mime,
        bytes,
        added: at,
    };
    let json = a.json();
    store.attachments.entry(id).or_default().push(a);
    Ok(envelope::one(StatusCode::CREATED, json))
}
