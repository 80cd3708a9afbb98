use chrono::{DateTime, Utc};
use serde::Serialize;

/// One indicator of compromise (a MISP attribute): `tix iocs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ioc {
    pub provider: String,
    pub id: String,
    pub uuid: Option<String>,
    pub event_id: Option<String>,
    /// The event's `info`: what the indicator was seen in.
    pub event_info: Option<String>,
    pub category: Option<String>,
    /// The attribute type (`ip-dst`, `domain`, `sha256`, …).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: String,
    /// Whether the provider marks it for detection.
    pub to_ids: Option<bool>,
    pub comment: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

impl Ioc {
    /// Column order for tables and CSV.
    pub const FIELDS: &'static [&'static str] = &[
        "provider",
        "id",
        "uuid",
        "event_id",
        "event_info",
        "category",
        "type",
        "value",
        "to_ids",
        "comment",
        "timestamp",
        "first_seen",
        "last_seen",
    ];
}

/// What `tix iocs` asks for; both bounds inclusive, `None` = the provider's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IocQuery {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<u64>,
}
