//! Cyderes TSI API v2 JSON exactly as it is documented (vendor-docs/cyderes-tsi-api-v2.txt;
//! research/cyderes-cli-conventions.md A.2). Every field is optional and unknown fields are
//! ignored: the list and get answers name different fields (`alert_insights` vs
//! `alert_investigation`) and each ticket type sends its own subset.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string the documents say is a string but a server may send as a number or boolean
/// (`ticket_id` in the create answer is an unquoted placeholder; webhook priorities are
/// integers 1..3; `escalated` is `"True"` in one example).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Text(match Value::deserialize(d)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if b { "True" } else { "False" }.to_owned()),
            other => Some(other.to_string()),
        }))
    }
}

impl Text {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// One ticket of `GET /v2/tickets` (a bare array) or `GET /v2/tickets/{ticket_id}`.
#[derive(Debug, Deserialize)]
pub(super) struct Ticket {
    #[serde(default)]
    pub ticket_id: Text,
    #[serde(default)]
    pub number: Text,
    #[serde(default)]
    pub priority: Text,
    pub state: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub ticket_type: Option<String>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub alert_description: Option<String>,
    #[serde(default)]
    pub escalated: Text,
    #[serde(default)]
    pub comments: Option<Vec<Comment>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Comment {
    #[serde(default)]
    pub id: Text,
    pub created: Option<String>,
    pub author: Option<String>,
    pub body: Option<String>,
}

/// `POST /v2/tickets/{ticket_id}/comment`.
#[derive(Debug, serde::Serialize)]
pub(super) struct NewComment<'a> {
    pub author: &'a str,
    pub body: &'a str,
}

/// One entry of `GET /v2/tickets/{ticket_id}/attachments`. The file itself comes inline
/// in `attachment_byte_data`; it is skipped without being kept, so listing a ticket with
/// large files does not hold them as strings.
#[derive(Debug, Deserialize)]
pub(super) struct Attachment {
    #[serde(default)]
    pub id: Text,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    #[serde(default, rename = "attachment_byte_data")]
    pub _bytes: Option<serde::de::IgnoredAny>,
}

/// The answer of `POST /v2/tickets/create`: `{"status": 201, "ticket_id": …, "message": …}`.
#[derive(Debug, Deserialize)]
pub(super) struct Created {
    #[serde(default)]
    pub ticket_id: Text,
    pub message: Option<String>,
}

/// One MISP attribute of `GET /misp`: ids and timestamps are strings (`"123"`).
#[derive(Debug, Deserialize)]
pub(super) struct MispAttribute {
    #[serde(default)]
    pub id: Text,
    pub uuid: Option<String>,
    #[serde(default)]
    pub event_id: Text,
    #[serde(rename = "Event")]
    pub event: Option<MispEvent>,
    pub category: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub value: Text,
    pub to_ids: Option<bool>,
    pub comment: Option<String>,
    #[serde(default)]
    pub timestamp: Text,
    #[serde(default)]
    pub first_seen: Text,
    #[serde(default)]
    pub last_seen: Text,
}

#[derive(Debug, Deserialize)]
pub(super) struct MispEvent {
    pub info: Option<String>,
}

/// FastAPI's error body: `detail` is a string (`"Not authenticated"`, `"Ticket not found"`)
/// or a list of validation errors (research A.3).
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    pub detail: Detail,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Detail {
    Text(String),
    Items(Vec<DetailItem>),
}

#[derive(Debug, Deserialize)]
pub(super) struct DetailItem {
    #[serde(default)]
    pub loc: Vec<Value>,
    pub msg: String,
    pub input: Option<Value>,
}
