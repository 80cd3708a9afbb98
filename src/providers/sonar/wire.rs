//! Sonar's JSON exactly as it sends it (vendor-docs/logpresso-sonar-get-tickets.txt,
//! research/argus-sonar.md §3.3). Every field is optional: the document's example already
//! omits `site_guid`/`site_name` that its field table lists.

use crate::providers::borrowed::Text;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::borrow::Cow;

/// `GET /api/sonar/tickets` → `{"total": N, "tickets": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub(super) struct TicketList<T> {
    pub total: Option<u64>,
    #[serde(
        default = "Vec::new",
        deserialize_with = "crate::providers::lenient::page_items"
    )]
    pub tickets: Vec<T>,
}

/// `GET /api/sonar/tickets/:guid` → `{"ticket": {...}}`.
#[derive(Debug, Deserialize)]
pub(super) struct TicketOne<T> {
    pub ticket: T,
}

/// A ticket as listed; the single-ticket answer adds `content`, `rule_*`, `risk_score`.
#[derive(Debug)]
pub(super) struct Ticket {
    pub id: Option<i64>,
    pub repo_name: Option<String>,
    pub site_guid: Option<String>,
    pub site_name: Option<String>,
    pub x_site: Option<String>,
    pub guid: String,
    pub title: Option<String>,
    /// Sonar's word as sent: borrowed from `map::PRIORITIES` when it is one of them.
    pub priority: Option<Cow<'static, str>>,
    /// Sonar's word as sent: borrowed from `map::STATUSES` when it is one of them.
    pub status: Option<Cow<'static, str>>,
    pub content: Option<String>,
    pub assignees: Assignees,
    pub created: Option<Time>,
    pub updated: Option<Time>,
    pub closed: Option<Time>,
}

/// [`Ticket`] as read, the first assignee's company still borrowed from the page: it is
/// the tenant only of a ticket without a site, so it is copied out only then (issue 18:
/// two `String`s per listed ticket, made and dropped).
#[derive(Deserialize)]
struct Read<'a> {
    id: Option<i64>,
    repo_name: Option<String>,
    site_guid: Option<String>,
    site_name: Option<String>,
    x_site: Option<String>,
    guid: String,
    title: Option<String>,
    #[serde(default, deserialize_with = "priority")]
    priority: Option<Cow<'static, str>>,
    #[serde(default, deserialize_with = "status")]
    status: Option<Cow<'static, str>>,
    content: Option<String>,
    #[serde(default, borrow)]
    assignees: Members<'a>,
    created: Option<Time>,
    updated: Option<Time>,
    closed: Option<Time>,
}

impl<'de> Deserialize<'de> for Ticket {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Read::deserialize(d)?;
        let sited = r.site_guid.is_some() || r.site_name.is_some() || r.x_site.is_some();
        let first_company = match r.assignees.first_company {
            Some((id, name)) if !sited => {
                Some((id.map(Text::into_owned), name.map(Text::into_owned)))
            }
            _ => None,
        };
        Ok(Ticket {
            id: r.id,
            repo_name: r.repo_name,
            site_guid: r.site_guid,
            site_name: r.site_name,
            x_site: r.x_site,
            guid: r.guid,
            title: r.title,
            priority: r.priority,
            status: r.status,
            content: r.content,
            assignees: Assignees {
                names: r.assignees.names,
                first_company,
            },
            created: r.created,
            updated: r.updated,
            closed: r.closed,
        })
    }
}

/// A status read as one of Sonar's words without a copy where it is one (issue 18).
fn status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    crate::providers::words::word(d, super::map::STATUSES.iter().map(|(w, _)| *w))
}

/// A priority read as one of Sonar's words without a copy where it is one (issue 18).
fn priority<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    crate::providers::words::word(d, super::map::PRIORITIES.iter().map(|(_, w, _)| *w))
}

/// A ticket's time as read from its text, which is not kept (issue 18: a `String` per time
/// per listed ticket, only to be parsed and dropped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Time {
    At(DateTime<Utc>),
    /// An empty or blank string: no time, not an unreadable one.
    Blank,
    /// Text that is not a time (`map::time` says which are): shown as null, with a warning.
    Unreadable,
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Time;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a time as text")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Time, E> {
                Ok(if s.trim().is_empty() {
                    Time::Blank
                } else {
                    super::map::time(Some(s)).map_or(Time::Unreadable, Time::At)
                })
            }
        }
        d.deserialize_str(Text)
    }
}

/// An entry of `assignees` / `approvers`. The company is borrowed from the page where
/// it can be: the listing keeps only the first assignee's (issue 18).
#[derive(Debug, Deserialize)]
pub(super) struct Member<'a> {
    #[serde(borrow)]
    pub company_guid: Option<Text<'a>>,
    #[serde(borrow)]
    pub company_name: Option<Text<'a>>,
    pub user_name: Option<String>,
    /// Set when the account was deleted; then `user_name` may be empty.
    pub x_user: Option<String>,
}

/// `assignees` as a ticket keeps them: each one's name (`user_name`, else `x_user`), and
/// the first one's company, which is the tenant of a ticket without a site (and is kept
/// only for such a ticket).
#[derive(Debug, Default)]
pub(super) struct Assignees {
    pub names: Vec<String>,
    /// (`company_guid`, `company_name`) of the first assignee.
    pub first_company: Option<(Option<String>, Option<String>)>,
}

/// [`Assignees`] as read, the first company borrowed from the page where it can be.
#[derive(Default)]
struct Members<'a> {
    names: Vec<String>,
    first_company: Option<Company<'a>>,
}

/// (`company_guid`, `company_name`) of a member, as read.
type Company<'a> = (Option<Text<'a>>, Option<Text<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence of members")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Members<'a>, A::Error> {
                let mut kept = Members::default();
                while let Some(m) = seq.next_element::<Member<'de>>()? {
                    if kept.first_company.is_none() {
                        kept.first_company = Some((m.company_guid, m.company_name));
                    }
                    if let Some(name) = m.user_name.filter(|n| !n.is_empty()).or(m.x_user) {
                        kept.names.push(name);
                    }
                }
                Ok(kept)
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// `GET /api/sonar/tickets/:guid/comments` → `{"comments": [...]}` (not paged).
#[derive(Debug, Deserialize)]
pub(super) struct CommentList {
    #[serde(default)]
    pub comments: Vec<Comment>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Comment {
    pub guid: Option<String>,
    pub user_name: Option<String>,
    pub x_user: Option<String>,
    pub content: Option<String>,
    pub created: Option<String>,
}

/// `GET /api/sonar/tickets/:guid/attachments` → `{"attachments": [...]}`.
#[derive(Debug, Deserialize)]
pub(super) struct AttachmentList {
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Attachment {
    pub guid: String,
    pub file_name: Option<String>,
    pub file_size: Option<u64>,
}

/// Every error answer: `{"error_code": "...", "error_msg": "..."}`.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    pub error_code: Option<String>,
    pub error_msg: Option<String>,
}
