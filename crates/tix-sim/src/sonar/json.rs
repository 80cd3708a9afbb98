//! The JSON Sonar answers with, field for field: the list item of the vendor document (with
//! `site_guid`/`site_name`/`x_site` from its field table, which its example omits), the extra fields
//! of a single ticket (shared/research/argus-sonar.md §3.3), comments and attachments.

use serde::Serialize;

use super::super::dataset::{Guid, TENANTS};
use super::catalog::{Directory, REPOS};
use super::store::{Store, Ticket};
use super::time::Stamp;

/// `GET /api/sonar/tickets`.
#[derive(Serialize)]
pub struct List {
    pub total: usize,
    pub tickets: Vec<TicketJson>,
}

/// `GET /api/sonar/tickets/:guid`.
#[derive(Serialize)]
pub struct One {
    pub ticket: TicketJson,
}

#[derive(Serialize)]
pub struct TicketJson {
    id: u32,
    repo_guid: Guid,
    repo_name: &'static str,
    site_guid: Guid,
    site_name: &'static str,
    guid: Guid,
    title: String,
    priority: &'static str,
    status: &'static str,
    format: &'static str,
    /// Only in `GET /api/sonar/tickets/:guid`.
    #[serde(flatten)]
    pub detail: Option<Detail>,
    count: u16,
    attack: bool,
    incident: bool,
    assignees: Vec<Person>,
    approvers: Vec<Person>,
    created: Stamp,
    updated: Stamp,
    closed: Option<Stamp>,
    // The x_* fields record names of deleted accounts and sites; nothing is deleted here.
    x_login: Option<&'static str>,
    x_user: Option<&'static str>,
    x_dept: Option<&'static str>,
    x_site: Option<&'static str>,
}

/// An assignee or approver.
#[derive(Serialize)]
pub struct Person {
    company_guid: Guid,
    company_name: &'static str,
    user_guid: Guid,
    user_name: &'static str,
    task_type: &'static str,
    task_status: &'static str,
    x_login: Option<&'static str>,
    x_user: Option<&'static str>,
    x_dept: Option<&'static str>,
}

/// What a single ticket adds to the list item.
#[derive(Serialize)]
pub struct Detail {
    pub rule_guid: Option<Guid>,
    pub rule_type: Option<&'static str>,
    pub rule_name: Option<&'static str>,
    /// A string even for `format: JSON`: the JSON text itself.
    pub content: String,
    pub risk_score: Option<u8>,
    pub mitre_techniques: Vec<Technique>,
}

#[derive(Serialize)]
pub struct Technique {
    pub mitre_id: &'static str,
    pub name: &'static str,
    pub display_name: String,
    pub url: String,
    pub tactics: Vec<Tactic>,
}

#[derive(Serialize)]
pub struct Tactic {
    pub mitre_id: &'static str,
    pub name: &'static str,
}

/// `GET /api/sonar/tickets/:guid/comments` (Sonar 4.0 "Get ticket comments").
#[derive(Serialize)]
pub struct Comments {
    pub comments: Vec<Comment>,
}

#[derive(Serialize)]
pub struct Comment {
    pub guid: Guid,
    pub user_guid: Guid,
    pub user_name: &'static str,
    /// "reserved, always TEXT".
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub format: &'static str,
    pub content: String,
    pub created: Stamp,
    pub updated: Stamp,
    pub x_login: Option<&'static str>,
    pub x_user: Option<&'static str>,
    pub x_dept: Option<&'static str>,
}

/// `GET /api/sonar/tickets/:guid/attachments` (Sonar 5.0 "Get ticket attachments").
#[derive(Serialize)]
pub struct Attachments {
    pub attachments: Vec<Attachment>,
}

#[derive(Serialize)]
pub struct Attachment {
    pub guid: Guid,
    pub user_guid: Guid,
    pub ticket_guid: Guid,
    pub file_name: String,
    pub file_size: u64,
}

/// `DELETE /api/sonar/tickets` (Sonar 5.0 "Remove tickets"): HTTP 200 even when some were missing.
#[derive(Serialize)]
pub struct Failures {
    pub failures: Vec<Failure>,
}

#[derive(Serialize)]
pub struct Failure {
    pub id: Guid,
    pub reason: &'static str,
}

/// A ticket's time, printed in its site's zone.
pub fn stamp(t: &Ticket, secs: u32) -> Stamp {
    Stamp {
        secs,
        offset_minutes: TENANTS[usize::from(t.site)].utc_offset_minutes,
    }
}

/// The list item for `t`.
pub fn ticket(dir: &Directory, store: &Store, t: &Ticket) -> TicketJson {
    let site = usize::from(t.site);
    TicketJson {
        id: t.id,
        repo_guid: Guid(dir.repos[usize::from(t.repo)]),
        repo_name: REPOS[usize::from(t.repo)].0,
        site_guid: Guid(dir.sites[site].guid),
        site_name: TENANTS[site].name,
        guid: Guid(t.guid),
        title: store.title(t),
        priority: t.priority.name(),
        status: t.status.name(),
        format: t.format.name(),
        detail: None,
        count: t.count,
        attack: t.attack,
        incident: t.incident,
        assignees: people(dir, t.assignees, "ASSIGNEE", t.assignee_task.name()),
        approvers: people(dir, t.approvers, "APPROVER", t.approver_task.name()),
        created: stamp(t, t.created),
        updated: stamp(t, t.updated),
        closed: (t.closed != 0).then(|| stamp(t, t.closed)),
        x_login: None,
        x_user: None,
        x_dept: None,
        x_site: None,
    }
}

fn people(dir: &Directory, set: u32, task_type: &'static str, task: &'static str) -> Vec<Person> {
    (0..dir.users.len())
        .filter(|u| set & (1 << u) != 0)
        .map(|u| {
            let (company_guid, company_name) = dir.company(u);
            Person {
                company_guid: Guid(company_guid),
                company_name,
                user_guid: Guid(dir.users[u].guid),
                user_name: dir.users[u].name,
                task_type,
                task_status: task,
                x_login: None,
                x_user: None,
                x_dept: None,
            }
        })
        .collect()
}
