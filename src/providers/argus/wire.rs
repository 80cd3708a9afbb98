//! Argus's JSON exactly as it sends it (vendor-docs/argus-case-api.txt; the models of
//! research/argus-sonar.md §1.3 and §1.9, taken from mnemonic's OpenAPI file). Every
//! field is optional: older servers omit some, and enums may grow (research §1.8).

use serde::Deserialize;
use std::borrow::Cow;

/// The envelope of every answer, lists and single objects alike (`ResultStash`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Envelope<T> {
    /// Total matches; -1 when the server gave up counting, 0 where it does not count.
    pub count: Option<i64>,
    #[serde(default)]
    pub messages: Vec<Message>,
    pub data: Option<T>,
}

/// One entry of `messages[]`, usually an error.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Message {
    pub message: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub field: Option<String>,
}

/// A case (`CaseVO`), as every case endpoint answers it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Case {
    pub id: i64,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub customer: Option<CustomerInfo>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Borrowed from `map::STATUSES` when it is one of its words.
    #[serde(default, deserialize_with = "status")]
    pub status: Option<Cow<'static, str>>,
    /// Borrowed from `map::PRIORITIES` when it is one of its words.
    #[serde(default, deserialize_with = "priority")]
    pub priority: Option<Cow<'static, str>>,
    pub assigned_user: Option<UserInfo>,
    pub assigned_tech: Option<UserInfo>,
    pub created_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    /// 0, not null, while the case is open (research §1.8).
    pub closed_timestamp: Option<i64>,
}

/// A status read as one of Argus's words without a copy where it is one (issue 18).
fn status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    crate::providers::words::word(d, super::map::STATUSES.iter().map(|(w, _, _)| *w))
}

/// A priority read as one of Argus's words without a copy where it is one (issue 18).
fn priority<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    crate::providers::words::word(d, super::map::PRIORITIES.iter().map(|(w, _)| *w))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CustomerInfo {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub short_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserInfo {
    pub name: Option<String>,
    pub user_name: Option<String>,
}

/// A comment (`CaseComment`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Comment {
    pub id: Option<String>,
    pub added_by_user: Option<UserInfo>,
    pub added_timestamp: Option<i64>,
    pub comment: Option<String>,
    #[serde(default)]
    pub flags: Vec<String>,
}

/// An attachment's metadata (`CaseAttachment`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Attachment {
    pub id: String,
    pub name: Option<String>,
    pub mime_type: Option<String>,
    pub size: Option<u64>,
    pub added_timestamp: Option<i64>,
}

/// A tag (`CaseTag`): a key and a value.
#[derive(Debug, Deserialize)]
pub(super) struct Tag {
    pub key: Option<String>,
    pub value: Option<String>,
}
