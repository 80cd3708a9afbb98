//! Tags (vendor document, "Managing case tags"): list, add as `"key/value"` strings or
//! `{key, value}` objects, remove by id or by key and value; writes answer the tags after.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::Value;

use super::cases::not_found;
use super::envelope::{self, ArgusError};
use super::store::{Store, Tag};
use super::{Argus, body_object, case_id, now, paging};

fn answer(store: &Store, id: i64, limit: usize, offset: usize) -> Response {
    let all = store.tags.get(&id).map(Vec::as_slice).unwrap_or_default();
    let take = if limit == 0 { all.len() } else { limit };
    let data = all.iter().skip(offset).take(take).map(Tag::json).collect();
    envelope::list(data, all.len(), limit, offset)
}

pub async fn list(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let (limit, offset) = paging(q.as_deref())?;
    let store = argus.read();
    store.case(id).ok_or_else(|| not_found(id))?;
    Ok(answer(&store, id, limit, offset))
}

pub async fn add(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let body = body_object(&body)?;
    let Some(Value::Array(given)) = body.get("tags") else {
        return Err(ArgusError::invalid("tags", "tags is required"));
    };
    let bad = |t: &Value| ArgusError::invalid("tags", &format!("Invalid tag: {t}"));
    let pairs = given
        .iter()
        .map(|t| match t {
            Value::String(s) => s
                .split_once('/')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| bad(t)),
            Value::Object(o) => match (o.get("key"), o.get("value")) {
                (Some(Value::String(k)), v) if !k.is_empty() => Ok((
                    k.clone(),
                    v.and_then(Value::as_str).unwrap_or_default().to_owned(),
                )),
                _ => Err(bad(t)),
            },
            _ => Err(bad(t)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = argus.write();
    let at = now();
    store.case_mut(id).ok_or_else(|| not_found(id))?.updated = at;
    let tags = store.tags.entry(id).or_default();
    for (key, value) in pairs {
        tags.push(Tag {
            id: uuid::Uuid::new_v4(),
            key,
            value,
            added: at,
        });
    }
    Ok(answer(&store, id, 0, 0))
}

pub async fn remove_by_id(
    State(argus): State<Arc<Argus>>,
    Path((id, tag)): Path<(String, String)>,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let tag_id = uuid::Uuid::parse_str(&tag)
        .map_err(|_| ArgusError::invalid("tagID", &format!("Invalid tag ID: {tag}")))?;
    remove(&argus, id, |t| t.id == tag_id, &tag)
}

pub async fn remove_by_value(
    State(argus): State<Arc<Argus>>,
    Path((id, key, value)): Path<(String, String, String)>,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let what = format!("{key}/{value}");
    remove(&argus, id, |t| t.key == key && t.value == value, &what)
}

fn remove(
    argus: &Argus,
    id: i64,
    hit: impl Fn(&Tag) -> bool,
    what: &str,
) -> Result<Response, ArgusError> {
    let mut store = argus.write();
    store.case(id).ok_or_else(|| not_found(id))?;
    let tags = store.tags.entry(id).or_default();
    let before = tags.len();
    tags.retain(|t| !hit(t));
    if tags.len() == before {
        return Err(ArgusError::not_found(&format!("Tag {what}")));
    }
    Ok(answer(&store, id, 0, 0))
}
