//! Argus → the normalized ticket.
//!
//! | Argus status      | tix status         | why |
//! |-------------------|--------------------|-----|
//! | `pendingSoc`      | `open`             | waiting for the SOC to pick it up |
//! | `workingSoc`      | `in_progress`      | the SOC works on it |
//! | `waitingSoc`      | `in_progress`      | the vendor document's older word for `workingSoc` |
//! | `pendingCustomer` | `waiting_customer` | the SOC waits for the customer |
//! | `workingCustomer` | `waiting_customer` | the customer works on it |
//! | `waitingCustomer` | `waiting_customer` | the older word for `workingCustomer` |
//! | `pendingVendor`   | `waiting_provider` | waiting for a third-party vendor |
//! | `pendingClose`    | `resolved`         | done, about to be closed |
//! | `closed`          | `closed`           | |
//! | anything else     | `unknown`          | `status_raw` keeps it |
//!
//! Nothing maps to `new`: an Argus case is `pendingSoc` from the moment it exists.
//! Priorities are the same four words (`low`, `medium`, `high`, `critical`). Times are
//! epoch milliseconds; `closedTimestamp: 0` means "not closed" and becomes null, never
//! 1970 (research/argus-sonar.md §1.8). The tenant is the case's customer, `type` the
//! case type, the assignees the assigned tech (provider side) and user (customer side).

use super::NAME;
use super::wire;
use crate::model::{Attachment, Comment, Priority, Status, Tenant, Ticket};
use chrono::{DateTime, Utc};

/// (Argus status, tix status, whether Argus still takes the word): the table above. The
/// vendor document's `waiting*` words are read but never sent, since the server's
/// enums (research §1.11) hold only the `working*` ones.
pub(super) const STATUSES: &[(&str, Status, bool)] = &[
    ("pendingSoc", Status::Open, true),
    ("workingSoc", Status::InProgress, true),
    ("waitingSoc", Status::InProgress, false),
    ("pendingCustomer", Status::WaitingCustomer, true),
    ("workingCustomer", Status::WaitingCustomer, true),
    ("waitingCustomer", Status::WaitingCustomer, false),
    ("pendingVendor", Status::WaitingProvider, true),
    ("pendingClose", Status::Resolved, true),
    ("closed", Status::Closed, true),
];

/// (Argus priority, tix priority).
pub(super) const PRIORITIES: &[(&str, Priority)] = &[
    ("critical", Priority::Critical),
    ("high", Priority::High),
    ("medium", Priority::Medium),
    ("low", Priority::Low),
];

/// The case types of the document's simple-search table.
pub(super) const TYPES: &[&str] = &[
    "securityIncident",
    "operationalIncident",
    "informational",
    "change",
];

/// The Argus statuses a search sends for `status`.
pub(super) fn search_statuses(status: Status) -> impl Iterator<Item = &'static str> {
    STATUSES
        .iter()
        .filter(move |(_, st, current)| *st == status && *current)
        .map(|(s, _, _)| *s)
}

/// The Argus status an update sets for `status`: the first current word of the table.
/// `closed` is a transition of its own (`PUT …/close`), `new` has no Argus equivalent.
pub(super) fn status_to_set(status: Status) -> Option<&'static str> {
    if status == Status::Closed {
        return None;
    }
    search_statuses(status).next()
}

pub(super) fn priority_word(p: Priority) -> Option<&'static str> {
    PRIORITIES.iter().find(|(_, q)| *q == p).map(|(w, _)| *w)
}

/// The canonical spelling of a case type, matched case-insensitively.
pub(super) fn case_type(raw: &str) -> Option<&'static str> {
    TYPES.iter().copied().find(|t| t.eq_ignore_ascii_case(raw))
}

pub(super) fn status(raw: &str) -> Status {
    let found = STATUSES
        .iter()
        .find(|(s, _, _)| s.eq_ignore_ascii_case(raw))
        .map(|(_, st, _)| *st);
    found.unwrap_or_else(|| {
        crate::providers::warn_unmapped("argus", "status", raw);
        Status::Unknown
    })
}

pub(super) fn priority(raw: &str) -> Priority {
    PRIORITIES
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(raw))
        .map_or(Priority::Unknown, |(_, p)| *p)
}

/// Epoch milliseconds; 0 (Argus's "not set") and anything before it are no time.
pub(super) fn time(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.filter(|ms| *ms > 0)
        .and_then(DateTime::<Utc>::from_timestamp_millis)
}

fn user(u: Option<wire::UserInfo>) -> Option<String> {
    let u = u?;
    u.name
        .filter(|n| !n.is_empty())
        .or(u.user_name.filter(|n| !n.is_empty()))
}

pub(super) fn ticket(w: wire::Case, raw: Option<serde_json::Value>) -> Ticket {
    let mut t = Ticket::new(NAME, w.id.to_string());
    t.tenant = w.customer.map(|c| Tenant {
        id: c.id.map(|id| id.to_string()),
        name: c.name.or(c.short_name),
        pod: None,
    });
    t.title = w.subject;
    t.description = w.description;
    if let Some(s) = w.status {
        t.status = status(&s);
        t.status_raw = Some(s);
    }
    if let Some(p) = w.priority {
        t.priority = priority(&p);
        t.priority_raw = Some(p);
    }
    t.kind = w.kind;
    t.created = time(w.created_timestamp);
    t.updated = time(w.last_updated_timestamp);
    t.closed = time(w.closed_timestamp);
    t.assignees = [user(w.assigned_tech), user(w.assigned_user)]
        .into_iter()
        .flatten()
        .collect();
    t.raw = raw;
    t
}

pub(super) fn comment(w: wire::Comment) -> Comment {
    Comment {
        id: w.id,
        author: user(w.added_by_user),
        created: time(w.added_timestamp),
        body: w.comment.unwrap_or_default(),
        internal: Some(w.flags.iter().any(|f| f == "INTERNAL")),
    }
}

pub(super) fn attachment(w: wire::Attachment) -> Attachment {
    Attachment {
        id: w.id,
        name: w.name,
        size: w.size,
        content_type: w.mime_type,
        created: time(w.added_timestamp),
    }
}

/// A tag as tix prints and takes it: `key/value`, the document's short encoding.
pub(super) fn tag(w: wire::Tag) -> String {
    format!(
        "{}/{}",
        w.key.unwrap_or_default(),
        w.value.unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/fixtures/argus/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn the_search_fixture_maps_field_by_field() {
        let env: wire::Envelope<Vec<wire::Case>> =
            serde_json::from_str(&fixture("search.json")).unwrap();
        assert_eq!(env.count, Some(1));
        let t = ticket(env.data.unwrap().into_iter().next().unwrap(), None);
        assert_eq!(t.id, "1234567");
        assert_eq!(t.number, None);
        assert_eq!(t.title.as_deref(), Some("Possible credential phishing"));
        assert_eq!(
            (t.status, t.status_raw.as_deref()),
            (Status::WaitingCustomer, Some("pendingCustomer"))
        );
        assert_eq!(t.priority, Priority::High);
        assert_eq!(t.kind.as_deref(), Some("securityIncident"));
        assert_eq!(t.created.unwrap().to_rfc3339(), "2023-11-14T22:13:20+00:00");
        assert_eq!(t.updated.unwrap().to_rfc3339(), "2023-11-14T23:13:20+00:00");
        assert_eq!(t.closed, None, "closedTimestamp 0 is not 1970");
        let tenant = t.tenant.unwrap();
        assert_eq!(
            (tenant.id.as_deref(), tenant.name.as_deref()),
            (Some("1"), Some("Example AS"))
        );
        assert_eq!(t.assignees, vec!["Tech One"]);
    }

    #[test]
    fn every_status_is_in_the_doc_table_and_both_wordings_map() {
        for (s, st, _) in STATUSES {
            assert_eq!(status(s), *st);
            assert!(include_str!("map.rs").contains(&format!("| `{s}`")), "{s}");
        }
        assert_eq!(status("waitingSoc"), status("workingSoc"));
        assert_eq!(status("waitingCustomer"), status("workingCustomer"));
        assert_eq!(status("escalated"), Status::Unknown);
        assert_eq!(
            status_to_set(Status::WaitingCustomer),
            Some("pendingCustomer")
        );
        assert_eq!(status_to_set(Status::Closed), None);
        assert_eq!(status_to_set(Status::New), None);
        assert_eq!(
            search_statuses(Status::WaitingCustomer).collect::<Vec<_>>(),
            vec!["pendingCustomer", "workingCustomer"]
        );
    }

    #[test]
    fn zero_and_missing_times_are_null() {
        assert_eq!(time(Some(0)), None);
        assert_eq!(time(None), None);
        assert_eq!(
            time(Some(1_700_000_000_000)).unwrap().to_rfc3339(),
            "2023-11-14T22:13:20+00:00"
        );
    }

    #[test]
    fn comments_attachments_and_tags_map() {
        let c: wire::Envelope<Vec<wire::Comment>> =
            serde_json::from_str(&fixture("comments.json")).unwrap();
        let c: Vec<Comment> = c.data.unwrap().into_iter().map(comment).collect();
        assert_eq!(c[0].author.as_deref(), Some("SOC Analyst"));
        assert_eq!(c[0].internal, Some(false));
        assert_eq!(c[1].internal, Some(true));
        let a: wire::Envelope<Vec<wire::Attachment>> =
            serde_json::from_str(&fixture("attachments.json")).unwrap();
        let a = attachment(a.data.unwrap().into_iter().next().unwrap());
        assert_eq!(a.content_type.as_deref(), Some("text/plain"));
        let t: wire::Envelope<Vec<wire::Tag>> =
            serde_json::from_str(&fixture("tags.json")).unwrap();
        let t: Vec<String> = t.data.unwrap().into_iter().map(tag).collect();
        assert_eq!(t, vec!["campaign/phishing", "customer/vip"]);
    }
}
