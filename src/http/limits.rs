//! How long and how much one logical request may cost, whatever the server does.
//!
//! A provider is a remote party that may be slow, broken or hostile. Four bounds keep every
//! run finite (SECURITY.md):
//! - `connect`: reaching the server (10 s);
//! - `read_idle`: silence between two reads of an answer (30 s); reset by every byte, so
//!   it catches a server that stops, not one that drips;
//! - `budget`: the whole logical request, every retry and every wait included (60 s,
//!   `--timeout`); this is what ends a server that drips a byte a second, and a
//!   `Retry-After` that would pass it fails at once;
//! - `max_body`: the bytes of one answer after decompression (64 MiB, `--max-body`), so a
//!   gzip bomb costs megabytes, not gigabytes.

use std::time::Duration;

/// The bounds of every request one client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub connect: Duration,
    pub read_idle: Duration,
    pub budget: Duration,
    pub max_body: u64,
    /// An attachment streams to a file, so memory is not at stake, the disk is: a
    /// compressed download inflating without end would fill it.
    pub max_download: u64,
}

/// 64 MiB: the largest page any provider documents is a few MB; a body larger than this
/// is a broken or hostile server.
pub const DEFAULT_MAX_BODY: u64 = 64 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(10),
            read_idle: Duration::from_secs(30),
            budget: Duration::from_secs(60),
            max_body: DEFAULT_MAX_BODY,
            max_download: 4 << 30,
        }
    }
}

impl Limits {
    /// The client-wide timeouts. The budget is not one of them: the client enforces it
    /// over a whole logical request, retries and waits included, which no reqwest setting
    /// can see.
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        builder
            .connect_timeout(self.connect)
            .read_timeout(self.read_idle)
    }
}

/// A byte count as people write it: `65536`, `64k`, `64KiB`, `64MiB`, `1G` (binary
/// multiples; `k`/`M`/`G` mean KiB/MiB/GiB). Answers the allowed forms on error.
pub fn parse_size(text: &str) -> Result<u64, String> {
    const ALLOWED: &str = "a size such as 1048576, 512k, 64MiB or 1G (at least 1k)";
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| ALLOWED.to_owned())?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(ALLOWED.to_owned()),
    };
    let bytes = n.checked_mul(mult).ok_or_else(|| ALLOWED.to_owned())?;
    if bytes < 1024 {
        return Err(ALLOWED.to_owned());
    }
    Ok(bytes)
}

/// A byte count for messages: `64 MiB`, `512 KiB`, `100 bytes`.
pub fn show_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// A duration for messages: whole seconds where it is one, else milliseconds.
pub fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_the_forms_people_write() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size(" 2 mb "), Ok(2 << 20));
        for bad in ["", "x", "12q", "-5", "100", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_and_durations_read_back_plainly() {
        assert_eq!(show_size(DEFAULT_MAX_BODY), "64 MiB");
        assert_eq!(show_size(1536), "1536 bytes");
        assert_eq!(show_size(2048), "2 KiB");
        assert_eq!(show_duration(Duration::from_secs(60)), "60s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
    }
}
