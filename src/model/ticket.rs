use super::{Priority, Status};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The `$id` of the normalized ticket schema; bumped only with a breaking change.
pub const SCHEMA_ID: &str = "tix.ticket/v1";

/// One ticket, the same keys for every provider (DESIGN.md, "The normalized ticket").
///
/// Every key is always present in JSON (`null` where the provider has no value), except
/// `comments` and `raw`, which appear only when asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "tix.ticket/v1")]
pub struct Ticket {
    /// `argus`, `sonar`, `arcticwolf` or `cyderes`: borrowed from the provider's `NAME`, so
    /// a listed ticket does not copy it (issue 18); owned when read back from JSON.
    #[schemars(with = "String")]
    pub provider: Cow<'static, str>,
    /// The provider's id: what `tix get <provider> <id>` takes.
    pub id: String,
    /// The human-facing number where it differs from `id`.
    pub number: Option<String>,
    pub tenant: Option<Tenant>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Status,
    /// The provider's own status string, unchanged: borrowed from the provider's table
    /// when it is exactly one of its words, else owned ([`super::words::known`]).
    #[schemars(with = "Option<String>")]
    pub status_raw: Option<Cow<'static, str>>,
    pub priority: Priority,
    /// The provider's own priority, unchanged; borrowed or owned as `status_raw` is.
    #[schemars(with = "Option<String>")]
    pub priority_raw: Option<Cow<'static, str>>,
    /// The provider's ticket or case type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub created: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::time::serialize_opt")]
    #[schemars(with = "Option<DateTime<Utc>>")]
    pub closed: Option<DateTime<Utc>>,
    /// Display names.
    pub assignees: Vec<String>,
    /// A web link to the ticket, where one can be built.
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<Vec<Comment>>,
    /// The provider's original object, only with `--raw`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<serde_json::Value>,
}

/// The customer, organization or site a ticket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tenant {
    pub id: Option<String>,
    pub name: Option<String>,
    /// Arctic Wolf's regional pod; null elsewhere.
    pub pod: Option<String>,
}

/// One comment (note, discussion entry) on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comment {
    pub id: Option<String>,
    pub author: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub body: String,
    /// True when only the provider's staff can see it; null when the provider does not say.
    pub internal: Option<bool>,
}

/// A file attached to a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Attachment {
    pub id: String,
    pub name: Option<String>,
    pub size: Option<u64>,
    pub content_type: Option<String>,
    pub created: Option<DateTime<Utc>>,
}

/// The keys of [`Ticket`] in output order: `--fields` validation, CSV headers and the
/// table all come from this one list. `tenant.id`, `tenant.name` and `tenant.pod` may
/// also be named.
pub const FIELDS: &[&str] = &[
    "provider",
    "id",
    "number",
    "tenant",
    "title",
    "description",
    "status",
    "status_raw",
    "priority",
    "priority_raw",
    "type",
    "created",
    "updated",
    "closed",
    "assignees",
    "url",
    "comments",
    "raw",
];

impl Ticket {
    /// A ticket with every optional key empty; providers fill in what they have.
    pub fn new(provider: impl Into<Cow<'static, str>>, id: impl Into<String>) -> Self {
        Ticket {
            provider: provider.into(),
            id: id.into(),
            number: None,
            tenant: None,
            title: None,
            description: None,
            status: Status::Unknown,
            status_raw: None,
            priority: Priority::Unknown,
            priority_raw: None,
            kind: None,
            created: None,
            updated: None,
            closed: None,
            assignees: Vec::new(),
            url: None,
            comments: None,
            raw: None,
        }
    }

    /// The value of one `--fields` key, as JSON (`null` when absent or unknown).
    pub fn field(&self, name: &str) -> serde_json::Value {
        use serde_json::{Value, to_value};
        let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
        let word = |v: &Option<Cow<'static, str>>| {
            v.as_deref()
                .map_or(Value::Null, |s| Value::String(s.to_owned()))
        };
        let time = |t: &Option<DateTime<Utc>>| to_value(t).unwrap_or(Value::Null);
        let tenant = |f: fn(&Tenant) -> &Option<String>| {
            self.tenant.as_ref().map_or(Value::Null, |t| opt(f(t)))
        };
        match name {
            "provider" => Value::String(self.provider.clone().into_owned()),
            "id" => Value::String(self.id.clone()),
            "number" => opt(&self.number),
            "tenant" => to_value(&self.tenant).unwrap_or(Value::Null),
            "tenant.id" => tenant(|t| &t.id),
            "tenant.name" => tenant(|t| &t.name),
            "tenant.pod" => tenant(|t| &t.pod),
            "title" => opt(&self.title),
            "description" => opt(&self.description),
            "status" => Value::String(self.status.as_str().into()),
            "status_raw" => word(&self.status_raw),
            "priority" => Value::String(self.priority.as_str().into()),
            "priority_raw" => word(&self.priority_raw),
            "type" => opt(&self.kind),
            "created" => time(&self.created),
            "updated" => time(&self.updated),
            "closed" => time(&self.closed),
            "assignees" => to_value(&self.assignees).unwrap_or(Value::Null),
            "url" => opt(&self.url),
            "comments" => to_value(&self.comments).unwrap_or(Value::Null),
            "raw" => self.raw.clone().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    /// Whether `name` is a key `--fields` accepts.
    pub fn is_field(name: &str) -> bool {
        FIELDS.contains(&name) || matches!(name, "tenant.id" | "tenant.name" | "tenant.pod")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    // Restated on purpose rather than derived from FIELDS: a schema change must fail here.
    const EXPECTED_KEYS: &[&str] = &[
        "provider",
        "id",
        "number",
        "tenant",
        "title",
        "description",
        "status",
        "status_raw",
        "priority",
        "priority_raw",
        "type",
        "created",
        "updated",
        "closed",
        "assignees",
        "url",
    ];

    #[test]
    fn every_key_is_present_and_null_where_absent() {
        let t = Ticket::new("sonar", "g-1");
        let v = serde_json::to_value(&t).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted_expected = EXPECTED_KEYS.to_vec();
        sorted_expected.sort();
        let mut sorted_keys = keys.clone();
        sorted_keys.sort();
        assert_eq!(sorted_keys, sorted_expected);
        assert!(v["tenant"].is_null() && v["closed"].is_null());
        assert_eq!(v["status"], "unknown");
    }

    #[test]
    fn fields_list_matches_what_serde_emits() {
        let mut t = Ticket::new("sonar", "g-1");
        t.comments = Some(vec![]);
        t.raw = Some(serde_json::json!({}));
        let v = serde_json::to_value(&t).unwrap();
        let emitted: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut a = emitted.clone();
        a.sort();
        let mut b = FIELDS.to_vec();
        b.sort();
        assert_eq!(a, b);
        for f in FIELDS {
            assert_eq!(t.field(f), v[*f], "field {f}");
        }
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let mut t = Ticket::new("sonar", "g");
        t.created = Some(Utc.with_ymd_and_hms(2022, 9, 14, 8, 34, 19).unwrap());
        assert_eq!(t.field("created"), "2022-09-14T08:34:19Z");
    }
}
