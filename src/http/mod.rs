//! The one HTTP client every provider uses: rustls with TLS 1.2 minimum, timeouts, gzip,
//! `User-Agent: tix/<version>`, retries with backoff, and secrets kept out of logs.
//!
//! Providers never build a `reqwest::Client`, sleep or retry themselves; they describe a
//! request and say how to read their error bodies ([`ErrorParser`]).

mod body;
pub mod certificate;
mod client;
mod json_repair;
pub mod limits;
mod pause;
pub mod proxy;
pub mod redact;
mod request;
pub mod retry;
pub mod tls;
pub mod tls_errors;

pub use client::HttpClient;
pub use json_repair::repaired;
pub use limits::Limits;
pub use request::{Body, Credential, FilePart, HttpOptions};
pub use retry::RetryPolicy;

use crate::error::Error;
use reqwest::StatusCode;

/// A provider's reading of a non-success answer.
#[derive(Debug)]
pub struct Failure {
    pub error: Error,
    /// True when asking again cannot help even if the status is one that is normally
    /// retried (Sonar's HTTP 500 "ticket not found").
    pub permanent: bool,
}

impl Failure {
    /// An error the status alone decides whether to retry.
    pub fn new(error: Error) -> Self {
        Failure {
            error,
            permanent: false,
        }
    }

    /// An error that no retry can fix.
    pub fn permanent(error: Error) -> Self {
        Failure {
            error,
            permanent: true,
        }
    }
}

/// Turns a provider's error answer (status and body) into the user's error.
pub type ErrorParser = fn(StatusCode, &[u8]) -> Failure;

/// True for hosts that plain `http://` may reach: the simulator and local tunnels.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The first line of a body, cut to a readable length, for errors whose shape is unknown.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}
