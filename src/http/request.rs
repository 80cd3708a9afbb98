//! What a request is made of: where it goes and how (`HttpOptions`), the credential it
//! carries, and its body. The client that sends them is `client.rs`.

use super::limits::Limits;
use super::retry::RetryPolicy;
use crate::error::{Error, Result};
use reqwest::header::HeaderValue;
use secrecy::SecretString;
use std::path::PathBuf;
use url::Url;

/// How a source reaches its API; built from the resolved profile.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub base_url: Url,
    /// An extra CA to trust (on-prem servers with a private certificate).
    pub ca_file: Option<PathBuf>,
    /// SHA-256 pins of the server's certificate or public key (`tls::parse_pins`).
    pub pin_sha256: Option<String>,
    /// The settings a refused certificate's error names; `TIX_<PROVIDER>_*` when `None`.
    pub tls_names: Option<super::tls_errors::SettingNames>,
    /// Timeouts, the per-request budget and the body ceiling (`limits.rs`).
    pub limits: Limits,
    pub retry: RetryPolicy,
}

impl HttpOptions {
    /// DESIGN.md's defaults: connect 10 s, idle read 30 s, 60 s per request, 64 MiB.
    pub fn new(base_url: Url) -> Self {
        HttpOptions {
            base_url,
            ca_file: None,
            pin_sha256: None,
            tls_names: None,
            limits: Limits::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// The secret a provider's API wants on every request.
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// A vendor header such as `Argus-API-Key`.
    Header(&'static str, SecretString),
    /// `Authorization: Basic base64(user:password)` (ConnectWise: `company+public`, private).
    Basic {
        user: String,
        password: SecretString,
    },
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
    /// `multipart/form-data`, rebuilt for each attempt (a reqwest form is single-use).
    Multipart(Vec<FilePart>),
    /// `multipart/form-data` with plain text fields beside the files (ConnectWise
    /// `/system/documents` takes `recordType`, `recordId` and `title` beside `file`).
    MultipartFields(Vec<(String, String)>, Vec<FilePart>),
}

/// One file in a multipart body.
#[derive(Debug, Clone)]
pub struct FilePart {
    /// The form field's name (Cyderes: `file`).
    pub field: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: bytes::Bytes,
}

/// A reqwest form from our parts; each attempt builds its own. The parts share the
/// caller's bytes (a `Bytes` clone is a reference count), so a 50 MB upload is held once,
/// and each has a known length, so the body is not sent chunked.
pub(super) fn multipart(parts: &[FilePart]) -> reqwest::multipart::Form {
    parts
        .iter()
        .fold(reqwest::multipart::Form::new(), |form, p| {
            let body = || {
                reqwest::multipart::Part::stream_with_length(p.bytes.clone(), p.bytes.len() as u64)
                    .file_name(p.file_name.clone())
            };
            let part = body().mime_str(&p.content_type).unwrap_or_else(|_| body());
            form.part(p.field.clone(), part)
        })
}

/// A header carrying a secret, marked so reqwest's and hyper's Debug output print
/// "Sensitive" instead of it.
pub(super) fn secret_header(provider: &str, value: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::Config(format!(
            "{provider}: the API key holds characters a header cannot carry"
        ))
    })?;
    v.set_sensitive(true);
    Ok(v)
}
