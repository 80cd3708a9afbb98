//! The body of "Adding an attachment": `{"name", "mimeType", "data"}` with the file
//! base64-encoded (vendor-docs/argus-case-api.txt). Argus needs the type; it is guessed
//! from the name's extension, as a browser upload would.

use crate::error::{Error, Result};
use base64::Engine as _;
use serde_json::{Value, json};
use std::path::Path;

const TYPES: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("log", "text/plain"),
    ("csv", "text/csv"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("html", "text/html"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("eml", "message/rfc822"),
    ("pcap", "application/vnd.tcpdump.pcap"),
];

pub(super) fn mime_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    ext.and_then(|e| TYPES.iter().find(|(x, _)| *x == e).map(|(_, t)| *t))
        .unwrap_or("application/octet-stream")
}

pub(super) async fn body(path: &Path, name: &str) -> Result<Value> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| Error::invalid("<FILE>", path.display(), format!("a readable file ({e})")))?;
    Ok(json!({
        "name": name,
        "mimeType": mime_type(name),
        "data": base64::engine::general_purpose::STANDARD.encode(bytes),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_extension() {
        assert_eq!(mime_type("proxy.LOG"), "text/plain");
        assert_eq!(mime_type("report.pdf"), "application/pdf");
        assert_eq!(mime_type("blob"), "application/octet-stream");
    }
}
