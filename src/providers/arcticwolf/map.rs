//! Arctic Wolf → the normalized ticket (research/arcticwolf-connectwise.md §1.6–§1.7).
//!
//! | Arctic Wolf status | tix status         | Unified Portal says |
//! |--------------------|--------------------|---------------------|
//! | `NEW`              | `new`              | With Arctic Wolf |
//! | `OPEN`             | `open`             | With Arctic Wolf |
//! | `PENDING`          | `waiting_customer` | With Customer |
//! | `HOLD`             | `waiting_provider` | With Arctic Wolf |
//! | `CLOSED`           | `closed`           | Closed |
//! | anything else      | `unknown`          | `status_raw` keeps it |
//!
//! Nothing maps to `in_progress` or `resolved`: the spec has no such state. Priorities:
//! `LOW` → low, `NORMAL` → medium, `HIGH` → high, `URGENT` → critical. `type` is the
//! spec's `QUESTION|INCIDENT|PROBLEM|TASK`. A ticket number is unique only within its
//! organization, so the id is `ORGANIZATION_ID/NUMBER` and `number` is the number; the
//! tenant is the organization (id, name, pod). The assignee is "first last", else the
//! e-mail. The API has no closing time, so `closed` is null.

use super::NAME;
use super::discovery::OrgRef;
use super::wire;
use crate::model::{Attachment, Comment, Priority, Status, Tenant, Ticket};
use crate::providers::lenient;
use chrono::{DateTime, SecondsFormat, Utc};

/// (Arctic Wolf status, tix status): the table above, used both ways.
pub(super) const STATUSES: &[(&str, Status)] = &[
    ("NEW", Status::New),
    ("OPEN", Status::Open),
    ("PENDING", Status::WaitingCustomer),
    ("HOLD", Status::WaitingProvider),
    ("CLOSED", Status::Closed),
];

/// (Arctic Wolf priority, tix priority).
pub(super) const PRIORITIES: &[(&str, Priority)] = &[
    ("LOW", Priority::Low),
    ("NORMAL", Priority::Medium),
    ("HIGH", Priority::High),
    ("URGENT", Priority::Critical),
];

/// The spec's ticket types.
pub(super) const TYPES: &[&str] = &["QUESTION", "INCIDENT", "PROBLEM", "TASK"];

pub(super) fn status(raw: &str) -> Status {
    let found = STATUSES
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(raw))
        .map(|(_, st)| *st);
    found.unwrap_or_else(|| {
        crate::providers::warn_unmapped(NAME, "status", raw);
        Status::Unknown
    })
}

pub(super) fn priority(raw: &str) -> Priority {
    PRIORITIES
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(raw))
        .map_or(Priority::Unknown, |(_, p)| *p)
}

/// The spec's date-time: ISO 8601 with at most 3 fractional digits and an offset.
pub(super) fn time(raw: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw?.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A time as the Ticket API's filters take it: milliseconds at most, since the spec's
/// pattern `(\.\d{1,3})?` refuses chrono's default nanoseconds.
pub(super) fn wire_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `ORG/NUMBER`, what `tix get arcticwolf` takes.
pub(super) fn ticket_id(org: &str, number: u64) -> String {
    format!("{org}/{number}")
}

fn person(u: Option<wire::User>) -> Option<String> {
    let u = u?;
    let name = [u.first_name, u.last_name]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        u.email.filter(|e| !e.is_empty())
    } else {
        Some(name)
    }
}

pub(super) fn ticket(w: wire::Ticket, org: &OrgRef, raw: Option<serde_json::Value>) -> Ticket {
    let mut t = Ticket::new(NAME, ticket_id(&org.id, w.id));
    t.number = Some(w.id.to_string());
    t.tenant = Some(Tenant {
        id: Some(org.id.clone()),
        name: org.name.clone(),
        pod: Some(org.pod.clone()),
    });
    t.title = w.title;
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
    t.created = lenient::time(NAME, "created_at", &t.id, w.created_at.as_deref(), time);
    t.updated = lenient::time(NAME, "updated_at", &t.id, w.updated_at.as_deref(), time);
    t.assignees = person(w.assignee).into_iter().collect();
    t.comments = w.comments.map(|cs| cs.into_iter().map(comment).collect());
    t.raw = raw;
    t
}

pub(super) fn comment(c: wire::Comment) -> Comment {
    Comment {
        id: c.id.map(|i| i.to_string()),
        author: person(c.author),
        created: time(c.created_at.as_deref()),
        body: c.body.unwrap_or_default(),
        internal: c.kind.map(|k| k.eq_ignore_ascii_case("INTERNAL")),
    }
}

pub(super) fn attachment(a: wire::Attachment) -> Attachment {
    Attachment {
        id: a.id.to_string(),
        name: a.filename,
        size: None,
        content_type: a.content_type,
        created: time(a.created_at.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> OrgRef {
        OrgRef {
            id: "550e8400-e29b-41d4-a716-446655440000".into(),
            name: Some("Bacon Security".into()),
            pod: "us002".into(),
        }
    }

    #[test]
    fn the_fixture_ticket_maps_every_field() {
        let body = include_str!("../../../fixtures/arcticwolf/tickets-page.json");
        let list: wire::TicketList<wire::Ticket> = serde_json::from_str(body).unwrap();
        let t = ticket(list.results.into_iter().next().unwrap(), &org(), None);
        assert_eq!(t.id, "550e8400-e29b-41d4-a716-446655440000/17680744");
        assert_eq!(t.number.as_deref(), Some("17680744"));
        let tenant = t.tenant.unwrap();
        assert_eq!(tenant.name.as_deref(), Some("Bacon Security"));
        assert_eq!(tenant.pod.as_deref(), Some("us002"));
        assert_eq!(t.status, Status::Open);
        assert_eq!(t.priority, Priority::High);
        assert_eq!(t.kind.as_deref(), Some("INCIDENT"));
        assert_eq!(t.assignees, vec!["Jane Roe".to_owned()]);
        assert_eq!(
            t.created.unwrap().to_rfc3339(),
            "2026-07-31T10:00:00.250+00:00"
        );
        let c = &t.comments.unwrap()[0];
        assert_eq!(c.author.as_deref(), Some("Jane Roe"));
        assert_eq!(c.internal, Some(false));
    }

    #[test]
    fn every_status_and_priority_of_the_spec_is_mapped() {
        assert_eq!(status("PENDING"), Status::WaitingCustomer);
        assert_eq!(status("HOLD"), Status::WaitingProvider);
        assert_eq!(status("SOLVED"), Status::Unknown);
        assert_eq!(priority("URGENT"), Priority::Critical);
        assert_eq!(priority("NORMAL"), Priority::Medium);
        assert_eq!(priority("x"), Priority::Unknown);
    }

    #[test]
    fn filter_times_have_at_most_three_fractional_digits() {
        let t = DateTime::parse_from_rfc3339("2026-11-01T08:09:10.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(wire_time(t), "2026-11-01T08:09:10.123Z");
    }

    #[test]
    fn an_assignee_without_a_name_is_their_email() {
        let u = wire::User {
            first_name: Some(" ".into()),
            last_name: None,
            email: Some("soc@example.com".into()),
        };
        assert_eq!(person(Some(u)).as_deref(), Some("soc@example.com"));
    }
}
