//! `/system/documents` (research §2.6): upload as `multipart/form-data` with `recordType`,
//! `recordId`, `title` and `file` (JSON is answered 415), listed by
//! `recordType=Ticket&recordId=N`. Files over the vendor document's 50 MB are refused.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::CwError;
use super::tickets::API_MEMBER;
use super::{Cw, paging};

const MAX_FILE: usize = 50 * 1024 * 1024;

pub async fn list(
    State(cw): State<Arc<Cw>>,
    RawQuery(raw): RawQuery,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, CwError> {
    cw.allow("documents")?;
    let params = paging::params(raw.as_deref());
    let store = cw.read();
    let matching: Vec<Value> = store
        .documents
        .iter()
        .filter(|d| {
            params.get("recordtype").is_none_or(|t| {
                d["recordType"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(t))
            }) && params
                .get("recordid")
                .is_none_or(|i| i.parse::<u64>().ok() == d["recordId"].as_u64())
        })
        .map(|d| {
            let mut d = d.clone();
            if let Some(o) = d.as_object_mut() {
                o.remove("recordType");
                o.remove("recordId");
            }
            d
        })
        .collect();
    let found = paging::filter(&matching, &params)?;
    paging::page(found, &params, &uri.0, &headers)
}

/// One part of a multipart body: its name, file name and bytes.
struct Part {
    name: String,
    file_name: Option<String>,
    data: Vec<u8>,
}

/// A small `multipart/form-data` reader (RFC 7578), enough for what clients send.
fn parts(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let mut out = Vec::new();
    let mut at = find(body, d, 0)? + d.len();
    while !body[at..].starts_with(b"--") {
        let start = at + 2; // CRLF after the delimiter
        let end = find(body, d, start)?;
        let part = &body[start..end.saturating_sub(2)];
        let split = find(part, b"\r\n\r\n", 0)?;
        let head = String::from_utf8_lossy(&part[..split]).to_string();
        let data = part[split + 4..].to_vec();
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
        let attr = |k: &str| {
            disposition
                .split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .map(|v| v.trim_matches('"').to_owned())
        };
        out.push(Part {
            name: attr("name")?,
            file_name: attr("filename"),
            data,
        });
        at = end + d.len();
    }
    Some(out)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

pub async fn upload(
    State(cw): State<Arc<Cw>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, CwError> {
    cw.allow("documents")?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("multipart/form-data") {
        return Err(CwError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "The documents API takes multipart/form-data, not JSON.",
        ));
    }
    let parts = parts(content_type, &body)
        .ok_or_else(|| CwError::bad_request("The multipart body could not be read."))?;
    let text = |k: &str| {
        parts
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(k) && p.file_name.is_none())
            .map(|p| String::from_utf8_lossy(&p.data).to_string())
    };
    let record_type = text("recordType").unwrap_or_default();
    if record_type != "Ticket" {
        return Err(CwError::invalid(
            "document",
            "Invalid",
            format!("recordType '{record_type}' is not supported by the simulator"),
            "recordType",
        ));
    }
    let record_id: u64 = text("recordId")
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| {
            CwError::invalid("document", "Required", "recordId is required.", "recordId")
        })?;
    let file = parts
        .iter()
        .find(|p| p.file_name.is_some())
        .ok_or_else(|| {
            CwError::invalid(
                "document",
                "Required",
                "A file (or url) is required.",
                "file",
            )
        })?;
    if file.data.len() > MAX_FILE {
        return Err(CwError::invalid(
            "document",
            "MaxSize",
            "The file must be smaller than 50 MB.",
            "file",
        ));
    }
    let mut store = cw.write();
    if !store.tickets.iter().any(|t| t["id"] == record_id) {
        return Err(CwError::not_found("Ticket", record_id));
    }
    let file_name = file.file_name.clone().unwrap_or_default();
    let id = store.id();
    let at = store.tick();
    let doc = json!({
        "id": id, "title": text("title").unwrap_or_else(|| file_name.clone()),
        "fileName": file_name, "serverFileName": format!("{id}.bin"),
        "owner": API_MEMBER, "linkFlag": false, "imageFlag": false, "publicFlag": false,
        "readOnlyFlag": false, "size": file.data.len(), "urlFlag": false,
        "guid": format!("00000000-0000-4000-8000-{id:012}"),
        "recordType": "Ticket", "recordId": record_id,
        "_info": {"lastUpdated": at, "updatedBy": API_MEMBER}
    });
    store.documents.push(doc.clone());
    store.touch(record_id, API_MEMBER);
    let mut answer = doc;
    if let Some(o) = answer.as_object_mut() {
        o.remove("recordType");
        o.remove("recordId");
    }
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}
