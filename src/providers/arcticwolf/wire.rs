//! Arctic Wolf's JSON exactly as it sends it (research/arcticwolf-connectwise.md §1.4–§1.6,
//! §1.10, from Arctic Wolf's own OpenAPI specs). The Ticket schema has no `required` list,
//! so every ticket field is optional; enums stay strings so an unknown value still maps.

use serde::Deserialize;
use std::borrow::Cow;

/// One entry of the Organizations API's bare array (`OrganizationList`).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Organization {
    pub id: String,
    #[serde(rename = "customerID")]
    pub customer_id: Option<String>,
    pub name: Option<String>,
    pub pod: String,
}

/// `GET …/tickets` → `{"results": [...], "meta": {"offset", "limit", "total"}}`.
#[derive(Debug, Deserialize)]
pub(super) struct TicketList<T> {
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    pub meta: Option<Meta>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Meta {
    pub total: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Ticket {
    pub id: u64,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Borrowed from `map::STATUSES` when it is one of its words.
    #[serde(default, deserialize_with = "status")]
    pub status: Option<Cow<'static, str>>,
    /// Borrowed from `map::PRIORITIES` when it is one of its words.
    #[serde(default, deserialize_with = "priority")]
    pub priority: Option<Cow<'static, str>>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub assignee: Option<User>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// Present only with `includeComments=true`.
    pub comments: Option<Vec<Comment>>,
    pub attachments: Option<Vec<Attachment>>,
}

/// A status read as one of Arctic Wolf's words without a copy where it is one (issue 18).
fn status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    crate::providers::words::word(d, super::map::STATUSES.iter().map(|(w, _)| *w))
}

/// A priority read as one of Arctic Wolf's words without a copy where it is one (issue 18).
fn priority<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    crate::providers::words::word(d, super::map::PRIORITIES.iter().map(|(w, _)| *w))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct User {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Comment {
    pub id: Option<u64>,
    pub body: Option<String>,
    pub author: Option<User>,
    pub created_at: Option<String>,
    /// `PUBLIC` or `INTERNAL`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Attachment {
    pub id: u64,
    #[serde(default)]
    pub deleted: bool,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub created_at: Option<String>,
}

/// `GET …/attachments/{id}` → a pre-signed download URL.
#[derive(Debug, Deserialize)]
pub(super) struct AttachmentUrl {
    pub url: String,
}

/// The Ticket API's error body: `{"code": "not_found", "description": "..."}`.
#[derive(Debug, Deserialize)]
pub(super) struct TicketError {
    pub code: Option<String>,
    pub description: Option<String>,
}

/// The Organizations API's error body: `{"message", "code": <int>, "errors": [...]}`.
#[derive(Debug, Deserialize)]
pub(super) struct OrgsError {
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Vec<OrgsFieldError>,
}

#[derive(Debug, Deserialize)]
pub(super) struct OrgsFieldError {
    pub field: Option<String>,
    pub message: Option<String>,
}
