//! Cyderes TSI API v2 JSON exactly as it is documented (vendor-docs/cyderes-tsi-api-v2.txt;
//! research/cyderes-cli-conventions.md A.2). Every field is optional and unknown fields are
//! ignored: the list and get answers name different fields (`alert_insights` vs
//! `alert_investigation`) and each ticket type sends its own subset.

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// A string the documents say is a string but a server may send as a number or boolean
/// (`ticket_id` in the create answer is an unquoted placeholder; webhook priorities are
/// integers 1..3; `escalated` is `"True"` in one example).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AsText(|s: Cow<'_, str>| s.into_owned()))
            .map(Text)
    }
}

/// A [`Text`] value as text, handed to the closure: a string as read (borrowed where the
/// reader lends it), a number as JSON writes it, a boolean as `True`/`False`, an array or
/// object as its JSON; null is `None`. Read without a `serde_json::Value` in between, so a
/// priority can be kept as one of the table's words with no `String` made (issue 18).
struct AsText<F>(F);

impl<'de, F, T> Visitor<'de> for AsText<F>
where
    F: for<'s> FnOnce(Cow<'s, str>) -> T,
{
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some((self.0)(Cow::Borrowed(s))))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Some((self.0)(Cow::Owned(s))))
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Some((self.0)(Cow::Borrowed(if b {
            "True"
        } else {
            "False"
        }))))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Some((self.0)(Cow::Owned(n.to_string()))))
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Some((self.0)(Cow::Owned(n.to_string()))))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
        // As a `Value` holds it: a number that is not finite is no number, so null.
        let n = serde_json::Number::from_f64(n);
        Ok(n.map(|n| (self.0)(Cow::Owned(n.to_string()))))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let v = Value::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(Some((self.0)(Cow::Owned(v.to_string()))))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let v = Value::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Some((self.0)(Cow::Owned(v.to_string()))))
    }
}

/// A priority read as [`Text`] is, kept as one of `map::PRIORITIES`' words without a
/// copy where it is one (issue 18); the documents' other spellings stay owned.
fn priority<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    let words = || super::map::PRIORITIES.iter().map(|(w, _)| *w);
    d.deserialize_any(AsText(|raw: Cow<'_, str>| {
        crate::model::words::known(raw, words())
    }))
}

/// A state read as one of `map::STATUSES`' words without a copy where it is one (issue 18).
fn state<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    crate::providers::words::word(d, super::map::STATUSES.iter().map(|(w, _)| *w))
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
    /// As [`Text`] reads it, borrowed from `map::PRIORITIES` when it is one of its words.
    #[serde(default, deserialize_with = "priority")]
    pub priority: Option<Cow<'static, str>>,
    /// Borrowed from `map::STATUSES` when it is one of its words.
    #[serde(default, deserialize_with = "state")]
    pub state: Option<Cow<'static, str>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// How `Text` read a value before it read without a `Value` in between: the reference
    /// the visitor must match.
    fn as_value_read_it(v: Value) -> Option<String> {
        match v {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if b { "True" } else { "False" }.to_owned()),
            other => Some(other.to_string()),
        }
    }

    #[test]
    fn text_reads_every_kind_of_value_as_before() {
        for json in [
            "null",
            r#""CYDERES-1""#,
            r#""esc\"aped \u00e9""#,
            "12",
            "-7",
            "18446744073709551615",
            "1.5",
            "2.0",
            "true",
            "false",
            r#"[1, "a", {"b": null}]"#,
            r#"{"k": [true, 2.5]}"#,
            "[]",
            "{}",
        ] {
            let before = as_value_read_it(serde_json::from_str(json).unwrap());
            let from_text: Text = serde_json::from_str(json).unwrap();
            assert_eq!(from_text.0, before, "{json}");
            let value: Value = serde_json::from_str(json).unwrap();
            let from_value = Text::deserialize(&value).unwrap();
            assert_eq!(from_value.0, before, "{json} as a Value");
        }
    }

    #[test]
    fn a_priority_reads_as_text_does_and_a_listed_word_is_borrowed() {
        let read = |json: &str| -> Ticket { serde_json::from_str(json).unwrap() };
        for (json, raw, borrowed) in [
            (r#"{"priority": "2"}"#, Some("2"), true),
            (r#"{"priority": 3}"#, Some("3"), true),
            (r#"{"priority": "1 - High"}"#, Some("1 - High"), false),
            (r#"{"priority": 1.0}"#, Some("1.0"), false),
            (r#"{"priority": true}"#, Some("True"), false),
            (r#"{"priority": null}"#, None, false),
            ("{}", None, false),
        ] {
            let p = read(json).priority;
            assert_eq!(p.as_deref(), raw, "{json}");
            assert_eq!(matches!(p, Some(Cow::Borrowed(_))), borrowed, "{json}");
        }
    }
}
