//! Test controls, not ConnectWise: take a permission away from the security role, make
//! one ticket always refused, and act as a technician in the web UI (a Discussion note, closing a ticket).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::error::CwError;
use super::store::AREAS;
use super::{Cw, path_id};

/// `{"areas": ["companies", …]}` replaces the denied set (`[]` restores everything).
pub async fn deny(State(cw): State<Arc<Cw>>, body: Bytes) -> Result<Json<Value>, CwError> {
    let b: Value =
        serde_json::from_slice(&body).map_err(|e| CwError::bad_request(e.to_string()))?;
    let areas: Vec<String> = b["areas"]
        .as_array()
        .ok_or_else(|| CwError::bad_request("{\"areas\": [...]} expected"))?
        .iter()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    if let Some(bad) = areas.iter().find(|a| !AREAS.contains(&a.as_str())) {
        return Err(CwError::bad_request(format!(
            "unknown area '{bad}'; one of {AREAS:?}"
        )));
    }
    let mut store = cw.write();
    store.denied = areas.into_iter().collect();
    Ok(Json(json!({"denied": store.denied})))
}

/// `{"field": "externalXRef", "equals": "…"}`: from now on a new ticket whose `field`
/// has that value is refused with 400 `InvalidObject`, always (a poison ticket).
pub async fn reject(State(cw): State<Arc<Cw>>, body: Bytes) -> Result<Json<Value>, CwError> {
    let b: Value =
        serde_json::from_slice(&body).map_err(|e| CwError::bad_request(e.to_string()))?;
    let (Some(field), Some(value)) = (b["field"].as_str(), b["equals"].as_str()) else {
        return Err(CwError::bad_request(
            "{\"field\": \"...\", \"equals\": \"...\"} expected",
        ));
    };
    let mut store = cw.write();
    store.rejected.push((field.to_owned(), value.to_owned()));
    Ok(Json(json!({"rejected": store.rejected.len()})))
}

/// `{"text": "...", "member": "jdoe"}`: a Discussion note a person writes.
pub async fn note(
    State(cw): State<Arc<Cw>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, CwError> {
    let id = path_id(&id)?;
    let b: Value =
        serde_json::from_slice(&body).map_err(|e| CwError::bad_request(e.to_string()))?;
    let text = b["text"].as_str().unwrap_or("").to_owned();
    let member = b["member"].as_str().unwrap_or("jdoe").to_owned();
    let mut store = cw.write();
    if !store.tickets.iter().any(|t| t["id"] == id) {
        return Err(CwError::not_found("Ticket", id));
    }
    Ok(Json(store.add_note(
        id,
        &text,
        [true, false, false],
        &member,
    )))
}

/// `{"member": "jdoe"}`: closes the ticket with its board's closed status.
pub async fn close(
    State(cw): State<Arc<Cw>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, CwError> {
    let id = path_id(&id)?;
    let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let member = b["member"].as_str().unwrap_or("jdoe").to_owned();
    let mut store = cw.write();
    if !store.close(id, &member) {
        return Err(CwError::not_found("Ticket", id));
    }
    Ok(Json(
        store
            .tickets
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap_or(Value::Null),
    ))
}
