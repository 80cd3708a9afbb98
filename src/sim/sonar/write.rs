//! The writes, kept in memory and seen by every later read (research §3.2). Bodies are
//! form-encoded, as the documents' `curl -d` examples send them; success is `{}`.
//!
//! - `POST /api/sonar/tickets` (Sonar 5.0 "Create ticket"). Documented: `null-argument`
//!   "X should be not null", the title length, priority, format and JSON-content messages (the last
//!   three as the 5.0 "Update ticket" page words them). Inferred, as the pages do not show them: the
//!   content length message, an unknown repository or user or an already used GUID as 500
//!   `illegal-state`, and malformed GUIDs answered like the list endpoint's. A created ticket belongs
//!   to the first site (the create call names none), is NEW, or ASSIGNED when it has assignees.
//! - `PUT /api/sonar/tickets/:guid/assignee-status` (Sonar 5.0 "Update ticket assignee status"):
//!   CLOSED from an assignee closes the ticket; an approver may only answer a SUBMITTED ticket.
//! - `DELETE /api/sonar/tickets?guids=…` (Sonar 5.0 "Remove tickets"): 200 with the missing ones
//!   listed as `ticket-not-found` failures.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::super::dataset::Guid;
use super::catalog::{Format, Priority, Status, Task};
use super::error::SonarError;
use super::json::{Failure, Failures};
use super::store::{Authored, Ticket};
use super::{Sonar, guid, pairs, param, path_guid};

pub async fn create(State(sonar): State<Arc<Sonar>>, body: Bytes) -> Result<Response, SonarError> {
    let form = pairs(&body);
    let required = |k: &str| param(&form, k).ok_or_else(|| SonarError::null_argument(k));
    let repo_guid = required("repo_guid")?;
    let ticket_guid = required("guid")?;
    let priority = required("priority")?;
    let title = required("title")?;
    let format = required("format")?;
    let content = required("content")?;

    let repo_guid = guid(repo_guid).ok_or_else(|| SonarError::not_guid("repo_guid"))?;
    let ticket_guid = guid(ticket_guid).ok_or_else(|| SonarError::not_guid("guid"))?;
    let priority = Priority::parse(priority).ok_or_else(|| {
        SonarError::invalid_argument("priority should be one of 'LOW', 'MEDIUM', 'HIGH'.")
    })?;
    if title.chars().count() > 255 {
        return Err(SonarError::invalid_argument(
            "'title' must be shorter than or equal to 255 characters.",
        ));
    }
    let format = Format::parse(format).ok_or_else(|| {
        SonarError::invalid_argument("format should be one of 'JSON', 'MARKDOWN', 'PLAIN'.")
    })?;
    if content.chars().count() > 100_000 {
        return Err(SonarError::invalid_argument(
            "'content' must be shorter than or equal to 100000 characters.",
        ));
    }
    if format == Format::Json
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(content)
    {
        return Err(SonarError::invalid_argument(format!(
            "content should be JSON format - {e}"
        )));
    }
    let assignees = guid_list(&form, "assignees")?;
    let approvers = guid_list(&form, "approvers")?;
    // Attachment GUIDs are checked for shape only: uploads are not simulated.
    guid_list(&form, "attachments")?;

    let mut store = sonar.write();
    let repo = sonar
        .dir
        .repos
        .iter()
        .position(|r| *r == repo_guid)
        .ok_or_else(|| {
            SonarError::illegal_state(format!("ticket repository not found: {repo_guid}"))
        })?;
    if store.contains(&ticket_guid) {
        return Err(SonarError::illegal_state(format!(
            "duplicated ticket guid: {ticket_guid}"
        )));
    }
    let to_bits = |guids: &[Uuid]| {
        guids
            .iter()
            .try_fold(0u32, |bits, g| match sonar.dir.user(g) {
                Some(u) => Ok(bits | 1 << u),
                None => Err(SonarError::illegal_state(format!("user not found: {g}"))),
            })
    };
    let assignees = to_bits(&assignees)?;
    let approvers = to_bits(&approvers)?;
    let now = now(0);
    let ticket = Ticket {
        guid: ticket_guid,
        id: 0,
        created: now,
        updated: now,
        closed: 0,
        assignees,
        approvers,
        subject: 0,
        count: 1,
        template: 0,
        site: 0,
        repo: repo as u8,
        priority,
        status: if assignees == 0 {
            Status::New
        } else {
            Status::Assigned
        },
        format,
        assignee_task: Task::Assigned,
        approver_task: Task::Assigned,
        attack: false,
        incident: false,
        authored: true,
    };
    let text = Authored {
        title: title.to_string(),
        content: content.to_string(),
    };
    store.insert(ticket, text);
    Ok(Json(serde_json::json!({})).into_response())
}

pub async fn assignee_status(
    State(sonar): State<Arc<Sonar>>,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, SonarError> {
    let ticket_guid = path_guid(&raw)?;
    let form = pairs(&body);
    let kind = param(&form, "type").ok_or_else(|| SonarError::null_argument("type"))?;
    let status = param(&form, "status").ok_or_else(|| SonarError::null_argument("status"))?;
    let change = match (kind, status) {
        ("ASSIGNEE", "ASSIGNED") => Change::Assignee(Task::Assigned, Status::Assigned),
        ("ASSIGNEE", "IN_PROGRESS") => Change::Assignee(Task::InProgress, Status::InProgress),
        ("ASSIGNEE", "CLOSED") => Change::Assignee(Task::Closed, Status::Closed),
        ("ASSIGNEE", _) => {
            return Err(SonarError::invalid_argument(
                "assignee status should be one of ASSIGNED, IN_PROGRESS, CLOSED.",
            ));
        }
        ("APPROVER", "APPROVED") => Change::Approver(Status::Approved),
        ("APPROVER", "REJECTED") => Change::Approver(Status::Rejected),
        ("APPROVER", _) => {
            return Err(SonarError::invalid_argument(
                "approver status should be one of APPROVED, REJECTED.",
            ));
        }
        // Inferred wording: the page documents the two status messages only.
        _ => {
            return Err(SonarError::invalid_argument(
                "type should be one of ASSIGNEE, APPROVER.",
            ));
        }
    };

    let mut store = sonar.write();
    let t = store
        .get_mut(&ticket_guid)
        .ok_or_else(|| SonarError::ticket_not_found(&ticket_guid))?;
    let now = now(t.updated);
    match change {
        Change::Assignee(task, status) => {
            if t.assignees == 0 {
                return Err(SonarError::illegal_state("not assigned"));
            }
            t.assignee_task = task;
            t.status = status;
            t.closed = if status == Status::Closed { now } else { 0 };
        }
        Change::Approver(status) => {
            if t.approvers == 0 {
                return Err(SonarError::illegal_state("not assigned"));
            }
            if t.status != Status::Submitted {
                return Err(SonarError::illegal_state(format!(
                    "cannot approve or reject unsubmitted ticket: {ticket_guid}"
                )));
            }
            t.approver_task = Task::Closed;
            t.status = status;
        }
    }
    t.updated = now;
    Ok(Json(serde_json::json!({})).into_response())
}

enum Change {
    Assignee(Task, Status),
    Approver(Status),
}

pub async fn delete(
    State(sonar): State<Arc<Sonar>>,
    RawQuery(query): RawQuery,
) -> Result<Response, SonarError> {
    let query = pairs(query.unwrap_or_default().as_bytes());
    let list = param(&query, "guids").ok_or_else(|| SonarError::null_argument("guids"))?;
    let guids: Vec<Uuid> = list
        .split(',')
        .map(guid)
        .collect::<Option<_>>()
        .ok_or_else(|| SonarError::not_guid("guids"))?;
    let missing = sonar.write().remove(&guids);
    let failures = missing
        .into_iter()
        .map(|g| Failure {
            id: Guid(g),
            reason: "ticket-not-found",
        })
        .collect();
    Ok(Json(Failures { failures }).into_response())
}

fn guid_list(form: &HashMap<String, String>, name: &str) -> Result<Vec<Uuid>, SonarError> {
    let Some(list) = param(form, name) else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(guid)
        .collect::<Option<_>>()
        .ok_or_else(|| {
            SonarError::invalid_argument(format!("{name} should contains only guid values."))
        })
}

/// The wall clock in Unix seconds, never earlier than `floor` (so `updated` never goes back).
fn now(floor: u32) -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u32::try_from(secs).unwrap_or(u32::MAX).max(floor)
}
