//! `--timeout`, `--connect-timeout`, `--read-timeout` and `--max-body`: the bounds every
//! request keeps (`http::limits`).

use super::Global;
use crate::http::Limits;
use crate::http::limits::parse_size;
use std::time::Duration;

/// A positive duration such as `60s`, `2m`, `500ms`.
pub fn duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err("a positive duration such as 60s, 2m or 500ms".to_owned()),
    }
}

/// A byte count such as `64MiB`.
pub fn size(text: &str) -> Result<u64, String> {
    parse_size(text)
}

/// The flags as the HTTP client's limits.
pub fn limits(global: &Global) -> Limits {
    Limits {
        connect: global.connect_timeout,
        read_idle: global.read_timeout,
        budget: global.timeout,
        max_body: global.max_body,
        ..Limits::default()
    }
}
