//! `GET /misp` (at the root, no `/v2`): MISP attributes with a nested `Event`, ids and timestamps
//! as strings. `created_from`/`created_to` are `YYYY-MM-DD hh:mm:ss` UTC; without them, the 7 days
//! before the dataset's "now". A malformed time is a 422 (its wording is ours).

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::NaiveDateTime;
use rand::Rng;
use serde_json::{Value, json};

use super::super::dataset::{self, REFERENCE_TIME, WINDOW_SECS};
use super::Cyderes;
use super::error::{ApiError, item};
use super::params::pairs;

const KINDS: [(&str, &str); 5] = [
    ("ip-dst", "Network activity"),
    ("domain", "Network activity"),
    ("url", "Network activity"),
    ("sha256", "Payload delivery"),
    ("md5", "Payload delivery"),
];

const EVENTS: [&str; 4] = [
    "Credential phishing campaign, invoice lure",
    "Commodity loader infrastructure",
    "Ransomware affiliate tooling",
    "Password spraying against VPN portals",
];

pub async fn iocs(
    State(api): State<Arc<Cyderes>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = pairs(raw.as_deref());
    let mut errors = Vec::new();
    let mut bound = |name: &str| {
        let raw = q.get(name)?;
        match NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S") {
            Ok(t) => Some(t.and_utc().timestamp()),
            Err(_) => {
                errors.push(item(
                    "value_error",
                    "query",
                    name,
                    "Value error, expected YYYY-MM-DD hh:mm:ss (UTC)",
                    json!(raw),
                    None,
                ));
                None
            }
        }
    };
    let from = bound("created_from");
    let to = bound("created_to");
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let (from, to) = match (from, to) {
        (None, None) => (REFERENCE_TIME - 7 * 24 * 3600, REFERENCE_TIME),
        (f, t) => (f.unwrap_or(i64::MIN), t.unwrap_or(i64::MAX)),
    };
    let count = (api.tickets / 4).clamp(20, 5000);
    let list: Vec<Value> = (0..count as u64)
        .rev()
        .map(|i| attribute(api.seed, i, count as u64))
        .filter(|(at, _)| (from..=to).contains(at))
        .map(|(_, v)| v)
        .collect();
    Ok(Json(Value::Array(list)))
}

/// Attribute `i`: ids ascend with time, so the list's order is newest first.
fn attribute(seed: u64, i: u64, count: u64) -> (i64, Value) {
    let mut rng = dataset::rng_for(seed, "cyderes.misp", i);
    let at = REFERENCE_TIME - WINDOW_SECS + (i * WINDOW_SECS as u64 / count) as i64;
    let (kind, category) = KINDS[rng.random_range(0..KINDS.len())];
    let hex = |rng: &mut rand::rngs::StdRng, n: usize| -> String {
        (0..n)
            .map(|_| format!("{:x}", rng.random_range(0..16u8)))
            .collect()
    };
    let value = match kind {
        "ip-dst" => format!("203.0.113.{}", rng.random_range(1..255)),
        "domain" => format!("login-{}.example", hex(&mut rng, 6)),
        "url" => format!("https://cdn-{}.example/invoice.html", hex(&mut rng, 5)),
        "sha256" => hex(&mut rng, 64),
        _ => hex(&mut rng, 32),
    };
    let event = rng.random_range(0..EVENTS.len());
    let event_id = (5000 + event).to_string();
    let v = json!({
        "Event": {
            "distribution": "1",
            "id": event_id,
            "info": EVENTS[event],
            "org_id": "1",
            "orgc_id": "1",
            "uuid": dataset::guid(&mut rng).to_string(),
        },
        "category": category,
        "comment": "",
        "deleted": false,
        "disable_correlation": false,
        "distribution": "5",
        "event_id": event_id,
        "first_seen": null,
        "id": (90_000 + i).to_string(),
        "last_seen": null,
        "object_id": "0",
        "object_relation": null,
        "sharing_group_id": "0",
        "timestamp": at.to_string(),
        "to_ids": kind != "url",
        "type": kind,
        "uuid": dataset::guid(&mut rng).to_string(),
        "value": value,
    });
    (at, v)
}
