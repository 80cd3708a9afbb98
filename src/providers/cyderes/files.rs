//! Attachments: the list (files inline, skipped), one file in its raw form streamed to
//! the caller's sink, and uploads as multipart field `file` (vendor document, "Get ticket
//! attachments", "Get ticket attachment", "Add an attachment to a ticket").

use super::{CyderesSource, errors, map, wire};
use crate::error::{Error, Result};
use crate::http::{Body, FilePart};
use crate::model::Attachment;
use reqwest::Method;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderMap};
use std::path::Path;
use tokio::io::AsyncWrite;

pub(super) async fn list(src: &CyderesSource, id: &str) -> Result<Vec<Attachment>> {
    let url = src.ticket_url(id, &["attachments"])?;
    let list: Vec<wire::Attachment> = src
        .http
        .get_json(url, &[])
        .await
        .map_err(|e| errors::ticket_not_found(e, id))?;
    Ok(list.into_iter().map(map::attachment).collect())
}

/// Without `string_byte_data` the API answers the file itself, which is streamed chunk by
/// chunk into `sink`: memory stays at one chunk whatever the file's size.
pub(super) async fn download(
    src: &CyderesSource,
    id: &str,
    attachment: &str,
    sink: &mut (dyn AsyncWrite + Send + Unpin),
) -> Result<Attachment> {
    let url = src.ticket_url(id, &["attachments", attachment])?;
    let (size, headers) = src
        .http
        .download(url, &[], true, sink)
        .await
        .map_err(|e| errors::ticket_not_found(e, &format!("{id} attachment {attachment}")))?;
    Ok(Attachment {
        id: attachment.to_owned(),
        name: file_name(&headers),
        size: Some(size),
        content_type: headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        created: None,
    })
}

pub(super) async fn upload(
    src: &CyderesSource,
    id: &str,
    path: &Path,
    name: &str,
) -> Result<Attachment> {
    let url = src.ticket_url(id, &["attachment"])?;
    let bytes = tokio::fs::read(path).await?;
    let size = bytes.len() as u64;
    let part = FilePart {
        field: "file".into(),
        file_name: name.to_owned(),
        content_type: "application/octet-stream".into(),
        bytes: bytes.into(),
    };
    // Not retried once sent: a second upload would attach the file twice.
    let reply: serde_json::Value = src
        .http
        .send_json_idempotent(Method::POST, url, &[], Body::Multipart(vec![part]), false)
        .await
        .map_err(|e| errors::ticket_not_found(e, id))?;
    // The document shows no answer body; where a server names the new id, it is used,
    // otherwise the newest attachment of that name is looked up.
    let named = ["id", "attachment_id"]
        .iter()
        .find_map(|k| match &reply[*k] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    let found = match named {
        Some(id) => Some(id),
        None => list(src, id)
            .await?
            .into_iter()
            .rev()
            .find(|a| a.name.as_deref() == Some(name))
            .map(|a| a.id),
    };
    // The answer to the upload was a success; what followed does not match it.
    let attachment_id = found.ok_or_else(|| Error::Decode {
        provider: super::NAME.into(),
        message: format!("the upload of {name} was accepted but the ticket does not list it"),
        source: None,
    })?;
    Ok(Attachment {
        id: attachment_id,
        name: Some(name.to_owned()),
        size: Some(size),
        content_type: None,
        created: None,
    })
}

/// `attachment; filename="report.pdf"` or RFC 5987 `filename*=UTF-8''report%20v2.pdf`.
fn file_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_DISPOSITION)?.to_str().ok()?;
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=") {
            let encoded = v.split("''").nth(1).unwrap_or(v);
            let decoded: String = url::form_urlencoded::parse(format!("n={encoded}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())?;
            return Some(decoded);
        }
        if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim_matches('"').to_owned());
        }
    }
    plain.filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn file_names_from_content_disposition() {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"edr timeline.csv\""),
        );
        assert_eq!(file_name(&h).as_deref(), Some("edr timeline.csv"));
        h.insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_static(
                "attachment; filename=\"x\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
            ),
        );
        assert_eq!(file_name(&h).as_deref(), Some("résumé.pdf"));
        assert_eq!(file_name(&HeaderMap::new()), None);
    }
}
