//! Cyderes → the normalized ticket.
//!
//! The documents type `state` and `priority` only as "string"; the webhook document says
//! priority is "an integer (1-3)" and the field names are ServiceNow's, so the tables
//! follow ServiceNow's words and its 1 = most urgent (research A.2, an inference).
//!
//! | Cyderes state                                   | tix status         |
//! |-------------------------------------------------|--------------------|
//! | `New`                                           | `new`              |
//! | `Open`, `Assigned`                              | `open`             |
//! | `In Progress`, `Work in Progress`, `Active`     | `in_progress`      |
//! | `Awaiting Customer`, `Pending Customer`, `On Hold` | `waiting_customer` |
//! | `Awaiting Cyderes`, `Pending Vendor`            | `waiting_provider` |
//! | `Resolved`                                      | `resolved`         |
//! | `Closed`, `Closed Complete`, `Closed Incomplete`, `Cancelled` | `closed` |
//! | anything else                                   | `unknown`          |
//!
//! Priorities: `1` (or `1 - High`, `Critical`, `High`) → high, `2`/`Medium`/`Moderate`
//! → medium, `3`/`Low` → low; the API has three levels, so nothing is `critical`.
//! `ticket_id` → id, `number` → number, `short_description` → title, `description`
//! (alerts: `alert_description`) → description, `ticket_type` → type. Times are RFC 3339
//! or `YYYY-MM-DD HH:MM:SS` (UTC assumed, research A.2).

use super::NAME;
use super::wire;
use crate::model::{Attachment, Comment, Ioc, Priority, Status, Ticket};
use crate::providers::lenient;
use chrono::{DateTime, NaiveDateTime, Utc};

/// (Cyderes state, tix status), matched case-insensitively.
pub(super) const STATUSES: &[(&str, Status)] = &[
    ("New", Status::New),
    ("Open", Status::Open),
    ("Assigned", Status::Open),
    ("In Progress", Status::InProgress),
    ("Work in Progress", Status::InProgress),
    ("Active", Status::InProgress),
    ("Awaiting Customer", Status::WaitingCustomer),
    ("Pending Customer", Status::WaitingCustomer),
    ("On Hold", Status::WaitingCustomer),
    ("Awaiting Cyderes", Status::WaitingProvider),
    ("Pending Vendor", Status::WaitingProvider),
    ("Resolved", Status::Resolved),
    ("Closed", Status::Closed),
    ("Closed Complete", Status::Closed),
    ("Closed Incomplete", Status::Closed),
    ("Cancelled", Status::Closed),
];

/// (wire value for a new service request, tix priority).
pub(super) const PRIORITIES: &[(&str, Priority)] = &[
    ("1", Priority::High),
    ("2", Priority::Medium),
    ("3", Priority::Low),
];

pub(super) fn status(raw: &str) -> Status {
    let raw = raw.trim();
    STATUSES
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(raw))
        .map(|(_, st)| *st)
        .unwrap_or_else(|| {
            crate::providers::warn_unmapped("cyderes", "state", raw);
            Status::Unknown
        })
}

/// `1`, `"1"`, `"1 - High"`, `"High"`, `"critical"`, … (see the module table).
pub(super) fn priority(raw: &str) -> Priority {
    let raw = raw.trim();
    let lead = raw.split([' ', '-']).next().unwrap_or("");
    if let Some((_, p)) = PRIORITIES.iter().find(|(n, _)| *n == lead) {
        return *p;
    }
    let word = raw
        .rsplit([' ', '-'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match word.as_str() {
        "critical" | "high" => Priority::High,
        "medium" | "moderate" => Priority::Medium,
        "low" => Priority::Low,
        _ => Priority::Unknown,
    }
}

/// The wire value of a priority to set; `critical` has none (three levels).
pub(super) fn wire_priority(p: Priority) -> Option<&'static str> {
    PRIORITIES.iter().find(|(_, q)| *q == p).map(|(n, _)| *n)
}

/// `escalated` leniently: `"True"`, `"true"`, `true`, `"1"`, `"yes"`; `None` when absent
/// or unreadable.
pub(super) fn escalated(raw: Option<&str>) -> Option<bool> {
    match raw?.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// RFC 3339, or `YYYY-MM-DD HH:MM:SS` (optionally with fractions) read as UTC.
pub(super) fn time(raw: Option<&str>) -> Option<DateTime<Utc>> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
                .map(|n| n.and_utc())
        })
}

/// Epoch seconds as a string (MISP `timestamp`: `"1677614794"`), or any [`time`] format.
pub(super) fn epoch_or_time(raw: Option<&str>) -> Option<DateTime<Utc>> {
    let s = raw?.trim();
    match s.parse::<i64>() {
        Ok(secs) => DateTime::from_timestamp(secs, 0),
        Err(_) => time(Some(s)),
    }
}

/// A ticket; `comments` are kept only when asked (`get`), `raw` only with `--raw`.
pub(super) fn ticket(
    w: wire::Ticket,
    with_comments: bool,
    raw: Option<serde_json::Value>,
) -> Ticket {
    let mut t = Ticket::new(NAME, w.ticket_id.0.unwrap_or_default());
    t.number = w.number.0;
    t.title = w.short_description;
    t.description = w.description.or(w.alert_description);
    if let Some(s) = w.state {
        t.status = status(&s);
        t.status_raw = Some(s);
    }
    if let Some(p) = w.priority {
        t.priority = priority(&p);
        t.priority_raw = Some(p);
    }
    t.kind = w.ticket_type;
    t.created = lenient::time(NAME, "created", &t.id, w.created.as_deref(), time);
    t.updated = lenient::time(NAME, "updated", &t.id, w.updated.as_deref(), time);
    if t.status == Status::Closed {
        // No close time is sent; the last update of a closed ticket is its closing.
        t.closed = t.updated;
    }
    if with_comments {
        t.comments = Some(
            w.comments
                .unwrap_or_default()
                .into_iter()
                .map(comment)
                .collect(),
        );
    }
    t.raw = raw;
    t
}

pub(super) fn comment(w: wire::Comment) -> Comment {
    Comment {
        id: w.id.0,
        author: w.author,
        created: time(w.created.as_deref()),
        body: w.body.unwrap_or_default(),
        internal: None,
    }
}

pub(super) fn attachment(w: wire::Attachment) -> Attachment {
    Attachment {
        id: w.id.0.unwrap_or_default(),
        name: w.file_name,
        size: None,
        content_type: w.file_type,
        created: None,
    }
}

pub(super) fn ioc(w: wire::MispAttribute) -> Ioc {
    Ioc {
        provider: NAME.to_owned(),
        id: w.id.0.unwrap_or_default(),
        uuid: w.uuid,
        event_id: w.event_id.0,
        event_info: w.event.and_then(|e| e.info),
        category: w.category,
        kind: w.kind,
        value: w.value.0.unwrap_or_default(),
        to_ids: w.to_ids,
        comment: w.comment.filter(|c| !c.is_empty()),
        timestamp: epoch_or_time(w.timestamp.get()),
        first_seen: epoch_or_time(w.first_seen.get()),
        last_seen: epoch_or_time(w.last_seen.get()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/fixtures/cyderes/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn a_listed_alert_maps_field_by_field() {
        let list: Vec<wire::Ticket> = serde_json::from_str(&fixture("tickets.json")).unwrap();
        let t = ticket(list.into_iter().next().unwrap(), false, None);
        assert_eq!(t.id, "CYDERES-000777");
        assert_eq!(t.number.as_deref(), Some("SIR0000777"));
        assert_eq!(
            t.title.as_deref(),
            Some("Impossible travel: j.doe signed in from two countries")
        );
        assert!(t.description.unwrap().starts_with("Azure AD"));
        assert_eq!(
            (t.status, t.status_raw.as_deref()),
            (Status::InProgress, Some("In Progress"))
        );
        assert_eq!(
            (t.priority, t.priority_raw.as_deref()),
            (Priority::High, Some("1"))
        );
        assert_eq!(t.kind.as_deref(), Some("alert"));
        assert_eq!(t.created.unwrap().to_rfc3339(), "2026-10-31T22:15:03+00:00");
        assert_eq!(t.updated.unwrap().to_rfc3339(), "2026-10-31T23:01:44+00:00");
        assert_eq!(t.comments, None);
    }

    #[test]
    fn get_keeps_comments_and_reads_the_second_time_format() {
        let w: wire::Ticket = serde_json::from_str(&fixture("ticket.json")).unwrap();
        let t = ticket(w, true, None);
        assert_eq!(t.created.unwrap().to_rfc3339(), "2026-10-30T08:00:00+00:00");
        let c = t.comments.unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].author.as_deref(), Some("Cyderes SOC"));
        assert_eq!(
            c[1].created.unwrap().to_rfc3339(),
            "2026-10-30T09:30:00+00:00"
        );
    }

    #[test]
    fn every_state_in_the_table_is_documented_and_maps() {
        let doc = include_str!("map.rs");
        for (s, st) in STATUSES {
            assert!(
                doc.contains(&format!("`{s}`")),
                "{s} missing from the table"
            );
            assert_eq!(status(&s.to_uppercase()), *st);
        }
        for st in Status::ALL {
            assert!(
                doc.contains(&format!("`{}`", st.as_str())),
                "{st} not in the table"
            );
        }
        assert_eq!(status("Escalated to Mars"), Status::Unknown);
    }

    #[test]
    fn priorities_as_numbers_or_words() {
        for (raw, p) in [
            ("1", Priority::High),
            ("2", Priority::Medium),
            ("3", Priority::Low),
            ("1 - High", Priority::High),
            ("3 - Moderate", Priority::Low),
            ("Moderate", Priority::Medium),
            ("critical", Priority::High),
            ("P9", Priority::Unknown),
        ] {
            assert_eq!(priority(raw), p, "{raw}");
        }
        assert_eq!(wire_priority(Priority::Medium), Some("2"));
        assert_eq!(wire_priority(Priority::Critical), None);
    }

    #[test]
    fn escalated_is_lenient() {
        assert_eq!(escalated(Some("True")), Some(true));
        assert_eq!(escalated(Some("false")), Some(false));
        assert_eq!(escalated(Some("maybe")), None);
        assert_eq!(escalated(None), None);
        let w: wire::Ticket =
            serde_json::from_str(r#"{"ticket_id": 12, "escalated": true, "priority": 2}"#).unwrap();
        assert_eq!(w.ticket_id.get(), Some("12"));
        assert_eq!(escalated(w.escalated.get()), Some(true));
        assert_eq!(priority(w.priority.as_deref().unwrap()), Priority::Medium);
    }

    #[test]
    fn times_in_both_formats() {
        assert_eq!(
            time(Some("2026-10-01 12:00:00")).unwrap().to_rfc3339(),
            "2026-10-01T12:00:00+00:00"
        );
        assert_eq!(
            time(Some("2026-10-01T14:00:00+02:00"))
                .unwrap()
                .to_rfc3339(),
            "2026-10-01T12:00:00+00:00"
        );
        assert_eq!(time(Some("yesterday")), None);
        assert_eq!(
            epoch_or_time(Some("1677614794")).unwrap().to_rfc3339(),
            "2023-02-28T20:06:34+00:00"
        );
    }

    #[test]
    fn misp_attributes_map() {
        let list: Vec<wire::MispAttribute> = serde_json::from_str(&fixture("misp.json")).unwrap();
        let i = ioc(list.into_iter().next().unwrap());
        assert_eq!(i.id, "123");
        assert_eq!(i.event_info.as_deref(), Some("Sample response"));
        assert_eq!(i.to_ids, Some(true));
        assert_eq!(i.first_seen, None);
        assert_eq!(
            i.timestamp.unwrap().to_rfc3339(),
            "1970-01-01T00:02:03+00:00"
        );
    }
}
