//! `POST /v2/tickets/create`: a service request. The document's text lists `name`,
//! `short_description` and `description`; its example also sends `priority`, `category`
//! and `type`, which are sent only when given (research A.2).

use super::map::wire_priority;
use crate::error::{Error, Result};
use crate::model::NewTicket;
use serde_json::{Map, Value, json};

/// The longest text tix puts in a URL query (the closing comment): proxies commonly refuse
/// URLs past 8 KiB, and percent-encoding can triple a byte.
pub(super) const MAX_QUERY_TEXT: usize = 2000;

/// The request body; `name` is the requester (the profile's `author`) and `--subject` the
/// short description.
pub(super) fn body(new: &NewTicket, author: &str) -> Result<Value> {
    let refuse = |flag: &str, value: &str| {
        Err(Error::invalid(
            flag,
            value,
            "not taken by cyderes (a service request has a subject, description, priority, category and type)",
        ))
    };
    if let Some(v) = &new.tenant {
        return refuse("--customer", v);
    }
    if let Some(v) = &new.service {
        return refuse("--service", v);
    }
    if new.restricted {
        return refuse("--restricted", "true");
    }
    if let Some(v) = &new.short_description {
        return Err(Error::invalid(
            "--short-description",
            v,
            "not used by cyderes: --subject is the request's short description",
        ));
    }
    let mut body = Map::new();
    body.insert("name".into(), json!(author));
    body.insert("short_description".into(), json!(new.title.trim()));
    body.insert("description".into(), json!(new.description));
    if let Some(p) = new.priority {
        let wire = wire_priority(p).ok_or_else(|| {
            Error::invalid(
                "--priority",
                p,
                "one of: high, medium, low (cyderes has three levels)",
            )
        })?;
        body.insert("priority".into(), json!(wire));
    }
    if let Some(c) = new.category.as_deref().filter(|c| !c.trim().is_empty()) {
        body.insert("category".into(), json!(c));
    }
    if let Some(t) = new.kind.as_deref().filter(|t| !t.trim().is_empty()) {
        body.insert("type".into(), json!(t));
    }
    Ok(Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Priority;

    fn new() -> NewTicket {
        NewTicket {
            title: "Add VPN range to allow-list".into(),
            description: "Please allow 10.0.0.0/8".into(),
            ..NewTicket::default()
        }
    }

    #[test]
    fn only_given_fields_are_sent() {
        assert_eq!(
            body(&new(), "Ada Lovelace").unwrap(),
            json!({"name": "Ada Lovelace", "short_description": "Add VPN range to allow-list", "description": "Please allow 10.0.0.0/8"})
        );
        let full = NewTicket {
            priority: Some(Priority::Low),
            category: Some("Network".into()),
            kind: Some("Change".into()),
            ..new()
        };
        let b = body(&full, "Ada").unwrap();
        assert_eq!(
            (
                b["priority"].as_str(),
                b["category"].as_str(),
                b["type"].as_str()
            ),
            (Some("3"), Some("Network"), Some("Change"))
        );
    }

    #[test]
    fn what_cyderes_cannot_take_names_the_flag() {
        let e = body(
            &NewTicket {
                priority: Some(Priority::Critical),
                ..new()
            },
            "A",
        )
        .unwrap_err();
        assert!(e.to_string().contains("--priority"), "{e}");
        let e = body(
            &NewTicket {
                service: Some("mdr".into()),
                ..new()
            },
            "A",
        )
        .unwrap_err();
        assert!(e.to_string().contains("--service"), "{e}");
        let e = body(
            &NewTicket {
                short_description: Some("x".into()),
                ..new()
            },
            "A",
        )
        .unwrap_err();
        assert!(e.to_string().contains("--subject"), "{e}");
    }
}
