//! Attachments: `GET …/attachments` (every file inline as base64 in `attachment_byte_data`),
//! `GET …/attachments/{attachment_id}` (the file itself, or with `string_byte_data=true` the JSON
//! form with `bytes_data`), and `POST …/attachment` (multipart field `file`, 200).
//!
//! The encoding of the inline bytes is undocumented; base64 is the research note's inference.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use super::Cyderes;
use super::error::{ApiError, item};
use super::generate;
use super::params::{Errors, pairs};
use super::render;
use super::store::{File, Store};

fn all_files(seed: u64, store: &Store, at: usize) -> Vec<File> {
    let t = &store.tickets[at];
    let mut files = if store.authored.contains_key(&t.n) {
        Vec::new()
    } else {
        generate::files(seed, t)
    };
    files.extend(store.files.get(&t.n).cloned().unwrap_or_default());
    files
}

pub async fn list(
    State(api): State<Arc<Cyderes>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = api.read();
    let at = store
        .position(&id)
        .ok_or(ApiError::not_found("Ticket not found"))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let list = all_files(api.seed, &store, at)
        .into_iter()
        .map(|f| json!({"id": f.id, "file_name": f.name, "file_type": f.mime, "attachment_byte_data": b64.encode(&f.bytes)}))
        .collect();
    Ok(Json(Value::Array(list)))
}

pub async fn one(
    State(api): State<Arc<Cyderes>>,
    Path((id, attachment)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = pairs(raw.as_deref());
    let mut e = Errors::default();
    let as_string = e.bool(&q, "string_byte_data", false);
    e.finish()?;
    let store = api.read();
    let at = store
        .position(&id)
        .ok_or(ApiError::not_found("Ticket not found"))?;
    let file = all_files(api.seed, &store, at)
        .into_iter()
        .find(|f| f.id == attachment)
        .ok_or(ApiError::not_found("Attachment not found"))?;
    if as_string {
        let b64 = base64::engine::general_purpose::STANDARD;
        return Ok(Json(json!({
            "id": file.id,
            "ticket_id": render::ticket_id(store.tickets[at].n),
            "file_name": file.name,
            "created_at": render::time(0, file.created),
            "mime_type": file.mime,
            "bytes_data": b64.encode(&file.bytes),
        }))
        .into_response());
    }
    let mut headers = HeaderMap::new();
    let mime = HeaderValue::from_str(&file.mime)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, mime);
    let quoted = file.name.replace(['"', '\\', '\r', '\n'], "_");
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{quoted}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((StatusCode::OK, headers, file.bytes).into_response())
}

pub async fn add(
    State(api): State<Arc<Cyderes>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let missing = || {
        ApiError::Invalid(vec![item(
            "missing",
            "body",
            "file",
            "Field required",
            Value::Null,
            None,
        )])
    };
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|ct| ct.starts_with("multipart/form-data"))
        .and_then(|ct| {
            ct.split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
        })
        .map(|b| b.trim_matches('"').to_owned())
        .ok_or_else(missing)?;
    let part = multipart_file(&body, &boundary).ok_or_else(missing)?;
    let mut store = api.write();
    let at = store
        .position(&id)
        .ok_or(ApiError::not_found("Ticket not found"))?;
    let now = store.tick();
    let n = store.tickets[at].n;
    store.tickets[at].updated = now as u32;
    let list = store.files.entry(n).or_default();
    let file_id = format!("ATT{n:07}U{}", list.len());
    list.push(File {
        id: file_id,
        name: part.0,
        mime: part.1,
        created: now,
        bytes: part.2,
    });
    Ok(Json(Value::Null))
}

/// The `file` part of a multipart body: (file name, content type, bytes). A small reader of RFC
/// 7578 bodies; enough for the one field this endpoint takes.
fn multipart_file(body: &Bytes, boundary: &str) -> Option<(String, String, Bytes)> {
    let delimiter = format!("--{boundary}");
    let mut at = find(body, delimiter.as_bytes(), 0)?;
    loop {
        let start = at + delimiter.len();
        if body.get(start..start + 2) == Some(b"--") {
            return None;
        }
        let head_start = start + 2;
        let head_end = find(body, b"\r\n\r\n", head_start)?;
        let head = std::str::from_utf8(&body[head_start..head_end]).ok()?;
        let data_start = head_end + 4;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), data_start)?;
        let mut name = None;
        let mut file_name = None;
        let mut mime = "application/octet-stream".to_owned();
        for line in head.split("\r\n") {
            let (key, value) = line.split_once(':')?;
            if key.eq_ignore_ascii_case("content-disposition") {
                for p in value.split(';').map(str::trim) {
                    if let Some(v) = p.strip_prefix("name=") {
                        name = Some(v.trim_matches('"').to_owned());
                    } else if let Some(v) = p.strip_prefix("filename=") {
                        file_name = Some(v.trim_matches('"').to_owned());
                    }
                }
            } else if key.eq_ignore_ascii_case("content-type") {
                mime = value.trim().to_owned();
            }
        }
        if name.as_deref() == Some("file") {
            return Some((
                file_name.unwrap_or_else(|| "upload".into()),
                mime,
                body.slice(data_start..next),
            ));
        }
        at = next + 2;
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}
