//! `/service/tickets/{id}/notes` (research §2.5): Discussion = `detailDescriptionFlag`,
//! Internal = `internalAnalysisFlag`, Resolution = `resolutionFlag`; `text` is required.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::CwError;
use super::tickets::API_MEMBER;
use super::{Cw, paging, path_id};

pub async fn list(
    State(cw): State<Arc<Cw>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, CwError> {
    cw.allow("tickets")?;
    let id = path_id(&id)?;
    let store = cw.read();
    if !store.tickets.iter().any(|t| t["id"] == id) {
        return Err(CwError::not_found("Ticket", id));
    }
    let of_ticket: Vec<Value> = store
        .notes
        .iter()
        .filter(|n| n["ticketId"] == id)
        .cloned()
        .collect();
    let params = paging::params(raw.as_deref());
    let found = paging::filter(&of_ticket, &params)?;
    paging::page(found, &params, &uri.0, &headers)
}

pub async fn create(
    State(cw): State<Arc<Cw>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, CwError> {
    cw.allow("tickets")?;
    let id = path_id(&id)?;
    let b: Value = serde_json::from_slice(&body)
        .map_err(|e| CwError::bad_request(format!("The request body is not valid JSON: {e}")))?;
    let Some(text) = b["text"].as_str().filter(|t| !t.trim().is_empty()) else {
        return Err(CwError::invalid(
            "note",
            "Required",
            "The text field is required.",
            "text",
        ));
    };
    let flag = |k: &str| b[k].as_bool().unwrap_or(false);
    let flags = [
        flag("detailDescriptionFlag"),
        flag("internalAnalysisFlag"),
        flag("resolutionFlag"),
    ];
    if flags.iter().all(|f| !f) {
        return Err(CwError::invalid(
            "note",
            "Required",
            "One of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be set.",
            "detailDescriptionFlag",
        ));
    }
    let mut store = cw.write();
    if !store.tickets.iter().any(|t| t["id"] == id) {
        return Err(CwError::not_found("Ticket", id));
    }
    let note = store.add_note(id, text, flags, API_MEMBER);
    Ok((StatusCode::CREATED, Json(note)).into_response())
}
