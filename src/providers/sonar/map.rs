//! Sonar → the normalized ticket.
//!
//! | Sonar status  | tix status    | why |
//! |---------------|---------------|-----|
//! | `NEW`         | `new`         | |
//! | `ASSIGNED`    | `open`        | an analyst owns it, work not started |
//! | `IN_PROGRESS` | `in_progress` | |
//! | `REJECTED`    | `in_progress` | the approver sent it back to the assignee |
//! | `SUBMITTED`   | `resolved`    | the assignee submitted the result for approval |
//! | `APPROVED`    | `resolved`    | signed off, not yet closed |
//! | `CLOSED`      | `closed`      | |
//! | anything else | `unknown`     | `status_raw` keeps it |
//!
//! Nothing maps to `waiting_customer` or `waiting_provider`: Sonar's workflow has no
//! such state. Priorities: `HIGH` → high, `MEDIUM` → medium, `LOW` → low (Sonar has no
//! critical). Times `2022-09-14 17:34:19+0900` → `2022-09-14T08:34:19Z`. The ticket's
//! `id` is its `guid` (what every other endpoint takes) and `number` its numeric `id`;
//! the tenant is the site, else the first assignee's company; `type` is `repo_name`.

use super::NAME;
use super::wire;
use crate::model::{Attachment, Comment, Priority, Status, Tenant, Ticket};
use crate::providers::lenient;
use chrono::{DateTime, NaiveDateTime, Utc};

/// (Sonar status, tix status): the table above, used both ways.
pub(super) const STATUSES: &[(&str, Status)] = &[
    ("NEW", Status::New),
    ("ASSIGNED", Status::Open),
    ("IN_PROGRESS", Status::InProgress),
    ("REJECTED", Status::InProgress),
    ("SUBMITTED", Status::Resolved),
    ("APPROVED", Status::Resolved),
    ("CLOSED", Status::Closed),
];

/// (Sonar `priorities` value, Sonar priority word, tix priority).
pub(super) const PRIORITIES: &[(u8, &str, Priority)] = &[
    (3, "HIGH", Priority::High),
    (2, "MEDIUM", Priority::Medium),
    (1, "LOW", Priority::Low),
];

pub(super) fn status(raw: &str) -> Status {
    let found = STATUSES
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(raw))
        .map(|(_, st)| *st);
    found.unwrap_or_else(|| {
        crate::providers::warn_unmapped("sonar", "status", raw);
        Status::Unknown
    })
}

pub(super) fn priority(raw: &str) -> Priority {
    PRIORITIES
        .iter()
        .find(|(_, s, _)| s.eq_ignore_ascii_case(raw))
        .map_or(Priority::Unknown, |(_, _, p)| *p)
}

/// `yyyy-MM-dd HH:mm:ssZ` (Java's `Z`: `+0900`), or RFC 3339 should a server send that.
pub(super) fn time(raw: Option<&str>) -> Option<DateTime<Utc>> {
    let raw = raw?.trim();
    if raw.is_empty() {
        return None;
    }
    if let Some(t) = crate::model::time::parse_fixed(raw) {
        return Some(t);
    }
    DateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(raw))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            // Without an offset the document gives no zone; UTC is the only honest guess.
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// The format `from`/`to` take: `yyyy-MM-dd HH:mm:ss+0000`.
pub(super) fn wire_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S+0000").to_string()
}

pub(super) fn ticket(w: wire::Ticket, raw: Option<serde_json::Value>) -> Ticket {
    let mut t = Ticket::new(NAME, w.guid);
    t.number = w.id.map(|n| n.to_string());
    // The site's own strings move into the tenant, else the first assignee's company.
    t.tenant = match (w.site_guid, w.site_name.or(w.x_site)) {
        (None, None) => w.assignees.first_company.and_then(|(id, name)| {
            (id.is_some() || name.is_some()).then_some(Tenant {
                id,
                name,
                pod: None,
            })
        }),
        (id, name) => Some(Tenant {
            id,
            name,
            pod: None,
        }),
    };
    t.title = w.title;
    t.description = w.content;
    if let Some(s) = w.status {
        t.status = status(&s);
        t.status_raw = Some(s);
    }
    if let Some(p) = w.priority {
        t.priority = priority(&p);
        t.priority_raw = Some(p);
    }
    t.kind = w.repo_name;
    t.created = read_time(&t.id, "created", w.created);
    t.updated = read_time(&t.id, "updated", w.updated);
    t.closed = read_time(&t.id, "closed", w.closed);
    t.assignees = w.assignees.names;
    t.raw = raw;
    t
}

/// A time as read; one that is not a time is null, with one warning per field per run
/// (as `lenient::time` does for the providers that keep the text).
fn read_time(id: &str, field: &str, t: Option<wire::Time>) -> Option<DateTime<Utc>> {
    match t? {
        wire::Time::At(t) => Some(t),
        wire::Time::Blank => None,
        wire::Time::Unreadable => {
            lenient::unreadable_field(NAME, field, id);
            None
        }
    }
}

pub(super) fn comment(w: wire::Comment) -> Comment {
    Comment {
        id: w.guid,
        author: w.user_name.filter(|n| !n.is_empty()).or(w.x_user),
        created: time(w.created.as_deref()),
        body: w.content.unwrap_or_default(),
        // Sonar comments are visible to everyone on the ticket.
        internal: None,
    }
}

pub(super) fn attachment(w: wire::Attachment) -> Attachment {
    Attachment {
        id: w.guid,
        name: w.file_name,
        size: w.file_size,
        content_type: None,
        created: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/fixtures/sonar/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn the_documents_example_maps_field_by_field() {
        let list: wire::TicketList<wire::Ticket> =
            serde_json::from_str(&fixture("tickets.json")).unwrap();
        assert_eq!(list.total, Some(15));
        let t = ticket(list.tickets.into_iter().next().unwrap(), None);
        assert_eq!(t.id, "49272877-75f2-4c2f-9301-d21c4f9a106d");
        assert_eq!(t.number.as_deref(), Some("2"));
        assert_eq!(
            t.title.as_deref(),
            Some("Attempt to collect web server settings: 20.0.31.172")
        );
        assert_eq!(
            (t.status, t.status_raw.as_deref()),
            (Status::Open, Some("ASSIGNED"))
        );
        assert_eq!(
            (t.priority, t.priority_raw.as_deref()),
            (Priority::Low, Some("LOW"))
        );
        assert_eq!(t.kind.as_deref(), Some("Threat"));
        assert_eq!(t.created.unwrap().to_rfc3339(), "2022-09-14T08:34:19+00:00");
        assert_eq!(t.updated.unwrap().to_rfc3339(), "2022-09-14T14:55:29+00:00");
        assert_eq!(t.closed, None);
        assert_eq!(t.assignees, vec!["Joshua"]);
        let tenant = t.tenant.unwrap();
        assert_eq!(tenant.name.as_deref(), Some("Logpresso"));
        assert_eq!(
            tenant.id.as_deref(),
            Some("6fbe27b7-f1ae-4d7a-a1a5-76d8fa9aa311")
        );
    }

    #[test]
    fn every_sonar_status_is_in_the_table_and_every_table_row_is_documented() {
        for s in [
            "NEW",
            "ASSIGNED",
            "IN_PROGRESS",
            "SUBMITTED",
            "APPROVED",
            "REJECTED",
            "CLOSED",
        ] {
            assert_ne!(status(s), Status::Unknown, "{s}");
            assert!(
                module_doc().contains(&format!("`{s}`")),
                "{s} missing from the doc table"
            );
        }
        assert_eq!(status("ESCALATED"), Status::Unknown);
    }

    fn module_doc() -> &'static str {
        include_str!("map.rs")
    }

    #[test]
    fn times_convert_to_utc() {
        assert_eq!(
            time(Some("2022-09-14 17:34:19+0900")).unwrap().to_rfc3339(),
            "2022-09-14T08:34:19+00:00"
        );
        assert_eq!(time(Some("")), None);
        assert_eq!(time(None), None);
        assert_eq!(
            wire_time(time(Some("2022-09-14 17:34:19+0900")).unwrap()),
            "2022-09-14 08:34:19+0000"
        );
    }

    #[test]
    fn single_ticket_and_comments_fixtures_map() {
        let one: wire::TicketOne<wire::Ticket> =
            serde_json::from_str(&fixture("ticket.json")).unwrap();
        let t = ticket(one.ticket, None);
        assert_eq!(t.status, Status::Resolved);
        assert!(t.description.unwrap().contains("first_seen"));
        let c: wire::CommentList = serde_json::from_str(&fixture("comments.json")).unwrap();
        let c: Vec<Comment> = c.comments.into_iter().map(comment).collect();
        assert_eq!(c[0].author.as_deref(), Some("Joshua"));
        assert_eq!(
            c[0].created.unwrap().to_rfc3339(),
            "2022-09-14T09:00:00+00:00"
        );
    }
}
