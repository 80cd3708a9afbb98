//! The setup tables (boards, their statuses, priorities, companies) and the two
//! discovery calls.

use std::sync::Arc;

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::error::CwError;
use super::store::CODEBASE;
use super::{Cw, paging, path_id};

/// `GET /login/companyinfo/{company}`: shaped like django-connectwise's
/// `API_COMPANY_INFO` fixture (research §2.2).
pub async fn company_info(Path(company): Path<String>, headers: HeaderMap) -> Json<Value> {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    Json(json!({
        "CompanyName": company, "Codebase": CODEBASE, "VersionCode": "v2025.1",
        "VersionNumber": "v4.6.2025.1", "CompanyID": company, "IsCloud": false, "SiteUrl": host
    }))
}

pub async fn info() -> Json<Value> {
    Json(json!({"version": "v2025.1.10428", "isCloud": false, "serverTimeZone": "UTC"}))
}

fn list(
    records: &[Value],
    raw: Option<String>,
    uri: &OriginalUri,
    headers: &HeaderMap,
) -> Result<Response, CwError> {
    let params = paging::params(raw.as_deref());
    let found = paging::filter(records, &params)?;
    paging::page(found, &params, &uri.0, headers)
}

pub async fn boards(
    State(cw): State<Arc<Cw>>,
    RawQuery(raw): RawQuery,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, CwError> {
    cw.allow("boards")?;
    list(&cw.read().boards, raw, &uri, &headers)
}

pub async fn statuses(
    State(cw): State<Arc<Cw>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, CwError> {
    cw.allow("boards")?;
    let id = path_id(&id)?;
    let store = cw.read();
    if !store.boards.iter().any(|b| b["id"] == id) {
        return Err(CwError::not_found("Board", id));
    }
    let of_board: Vec<Value> = store
        .statuses
        .iter()
        .filter(|s| s["board"]["id"] == id)
        .cloned()
        .collect();
    list(&of_board, raw, &uri, &headers)
}

pub async fn priorities(
    State(cw): State<Arc<Cw>>,
    RawQuery(raw): RawQuery,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, CwError> {
    cw.allow("priorities")?;
    list(&cw.read().priorities, raw, &uri, &headers)
}

pub async fn companies(
    State(cw): State<Arc<Cw>>,
    RawQuery(raw): RawQuery,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, CwError> {
    cw.allow("companies")?;
    list(&cw.read().companies, raw, &uri, &headers)
}
