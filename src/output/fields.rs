//! `--fields`: parsing the list, and a ticket seen through it.
//!
//! The keys come from the model's one list, [`FIELDS`], plus the `tenant.*` keys that
//! [`Ticket::is_field`] accepts (aesthetics.md §2.11).

use crate::model::{FIELDS, Ticket};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// The keys `Ticket::is_field` accepts beyond `FIELDS`, listed in the error message
/// after the ones `FIELDS` holds.
const TENANT_KEYS: [&str; 3] = ["tenant.id", "tenant.name", "tenant.pod"];

/// Parses `--fields a,b,c`: trims each key, rejects empty and unknown keys, and keeps
/// the first of repeated keys (a JSON object cannot hold a key twice).
///
/// The error names the flag and lists every valid key:
/// `invalid value 'titel' for --fields: one of: provider, id, …, tenant.pod`.
pub fn parse_fields(s: &str) -> crate::Result<Vec<String>> {
    let mut keys: Vec<String> = Vec::new();
    for key in s.split(',').map(str::trim) {
        if key.is_empty() || !Ticket::is_field(key) {
            let valid: Vec<&str> = FIELDS.iter().copied().chain(TENANT_KEYS).collect();
            return Err(crate::Error::invalid(
                "--fields",
                key,
                format!("one of: {}", valid.join(", ")),
            ));
        }
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }
    Ok(keys)
}

/// The keys to print: `--fields` when given, else the format's own default.
pub(super) fn columns(fields: &Option<Vec<String>>, default: &[&str]) -> Vec<String> {
    match fields {
        Some(f) => f.clone(),
        None => default.iter().map(|k| (*k).to_owned()).collect(),
    }
}

/// A ticket as json and jsonl print it: the whole ticket exactly as serde writes it, or
/// with `--fields` an object of just those keys in the order given.
pub(super) struct Projection<'t> {
    pub ticket: &'t Ticket,
    pub keys: Option<&'t [String]>,
}

impl Projection<'_> {
    /// As compact JSON at the end of `out`, the bytes serde_json writes for it: a whole
    /// ticket by the direct writer (issue 18), `--fields` through serde.
    pub fn write_json(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        match self.keys {
            None => super::ticket_json::write(out, self.ticket),
            Some(_) => Ok(serde_json::to_writer(out, self)?),
        }
    }
}

impl Serialize for Projection<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(keys) = self.keys else {
            return self.ticket.serialize(s);
        };
        // Entries are serialized in turn, so the order is the order given; a
        // serde_json::Map would sort them (no `preserve_order` feature).
        let mut map = s.serialize_map(Some(keys.len()))?;
        for key in keys {
            map.serialize_entry(key, &self.ticket.field(key))?;
        }
        map.end()
    }
}

/// A field's value as one line of text: strings as they are, null empty, lists of
/// strings joined by `list_sep`, anything else (an object, a mixed list) compact JSON.
pub(super) fn text(value: &Value, list_sep: &str) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(list_sep),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_trimmed_kept_in_order_and_deduplicated() {
        let keys = parse_fields(" title, tenant.name ,id,title").unwrap();
        assert_eq!(keys, ["title", "tenant.name", "id"]);
    }

    #[test]
    fn an_unknown_key_names_the_flag_and_lists_every_valid_key() {
        let err = parse_fields("id,titel").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value 'titel' for --fields: one of: provider, id, number, tenant, title, \
             description, status, status_raw, priority, priority_raw, type, created, updated, \
             closed, assignees, url, comments, raw, tenant.id, tenant.name, tenant.pod"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn empty_keys_are_rejected() {
        for s in ["", "id,,title", "id, ", ","] {
            let err = parse_fields(s).unwrap_err().to_string();
            assert!(
                err.starts_with("invalid value '' for --fields: one of: provider, id,"),
                "{s:?}: {err}"
            );
        }
    }

    #[test]
    fn every_listed_key_is_accepted() {
        let all: Vec<&str> = FIELDS.iter().copied().chain(TENANT_KEYS).collect();
        assert_eq!(parse_fields(&all.join(",")).unwrap(), all);
    }

    #[test]
    fn values_read_as_text() {
        assert_eq!(text(&Value::Null, "; "), "");
        assert_eq!(text(&json!("a, \"b\""), "; "), "a, \"b\"");
        assert_eq!(text(&json!(["Ana", "Björn"]), "; "), "Ana; Björn");
        assert_eq!(text(&json!([]), "; "), "");
        assert_eq!(text(&json!({"id": "c-1"}), "; "), r#"{"id":"c-1"}"#);
        assert_eq!(text(&json!([1, "a"]), "; "), r#"[1,"a"]"#);
        assert_eq!(text(&json!(true), "; "), "true");
    }
}
