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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::super::{SimHandle, SimOptions, harness};

    const PATH: &str = "/api/sonar/tickets";
    const NEW_GUID: &str = "638cfeb2-e259-46af-961a-1eeb65ea35f0";

    async fn sim() -> SimHandle {
        harness::sim(SimOptions {
            tickets: 30,
            ..SimOptions::default()
        })
        .await
    }

    async fn post(sim: &SimHandle, pairs: &[(&str, &str)]) -> (u16, Value) {
        let req = harness::client().post(harness::url(sim, "sonar", PATH));
        harness::send(harness::with_form(req, pairs)).await
    }

    async fn put_status(sim: &SimHandle, guid: &str, kind: &str, status: &str) -> (u16, Value) {
        let url = harness::url(sim, "sonar", &format!("{PATH}/{guid}/assignee-status"));
        let req = harness::with_form(
            harness::client().put(url),
            &[("type", kind), ("status", status)],
        );
        harness::send(req).await
    }

    async fn ticket(sim: &SimHandle, guid: &str) -> (u16, Value) {
        harness::get(sim, "sonar", &format!("{PATH}/{guid}"), &[]).await
    }

    /// The fields of a valid create call, with the first list ticket's repository and assignee.
    async fn create_form(sim: &SimHandle) -> Vec<(&'static str, String)> {
        let (_, list) = harness::get(sim, "sonar", PATH, &[("statuses", "ASSIGNED")]).await;
        let first = &list["tickets"][0];
        vec![
            (
                "repo_guid",
                first["repo_guid"].as_str().unwrap().to_string(),
            ),
            ("guid", NEW_GUID.to_string()),
            ("priority", "HIGH".to_string()),
            ("title", "Beaconing to 203.0.113.7".to_string()),
            ("format", "JSON".to_string()),
            (
                "content",
                r#"{"src_ip":"10.1.2.3","dst_port":443}"#.to_string(),
            ),
            (
                "assignees",
                first["assignees"][0]["user_guid"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            ),
        ]
    }

    fn borrow<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        form.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    #[tokio::test]
    async fn a_created_ticket_is_listed_and_readable() {
        let sim = sim().await;
        let form = create_form(&sim).await;
        assert_eq!(
            post(&sim, &borrow(&form)).await,
            (200, serde_json::json!({}))
        );

        let (_, list) = harness::get(&sim, "sonar", PATH, &[("limit", "1")]).await;
        assert_eq!(list["total"], 31);
        let listed = &list["tickets"][0];
        assert_eq!(
            (listed["id"].as_u64(), listed["guid"].as_str()),
            (Some(31), Some(NEW_GUID))
        );
        assert_eq!(listed["status"], "ASSIGNED");
        assert_eq!(listed["priority"], "HIGH");
        assert_eq!(
            listed["assignees"][0]["user_guid"].as_str(),
            Some(form[6].1.as_str())
        );

        let (status, one) = ticket(&sim, NEW_GUID).await;
        assert_eq!(status, 200);
        assert_eq!(one["ticket"]["title"], "Beaconing to 203.0.113.7");
        assert_eq!(one["ticket"]["content"], form[5].1.as_str());
        assert!(one["ticket"]["rule_guid"].is_null());

        let (status, again) = post(&sim, &borrow(&form)).await;
        assert_eq!(status, 500);
        assert_eq!(
            again["error_msg"],
            format!("duplicated ticket guid: {NEW_GUID}")
        );
        sim.shutdown().await;
    }

    // Sonar 5.0 "Create ticket" / "Update ticket" error responses.
    #[tokio::test]
    async fn create_refuses_what_the_document_refuses() {
        let sim = sim().await;
        let valid = create_form(&sim).await;
        let long_title = "x".repeat(256);
        let cases: &[(&str, Option<&str>, &str, &str)] = &[
            (
                "repo_guid",
                None,
                "null-argument",
                "repo_guid should be not null",
            ),
            (
                "title",
                Some(""),
                "null-argument",
                "title should be not null",
            ),
            (
                "content",
                None,
                "null-argument",
                "content should be not null",
            ),
            (
                "priority",
                Some("URGENT"),
                "invalid-argument",
                "priority should be one of 'LOW', 'MEDIUM', 'HIGH'.",
            ),
            (
                "format",
                Some("HTML"),
                "invalid-argument",
                "format should be one of 'JSON', 'MARKDOWN', 'PLAIN'.",
            ),
            (
                "title",
                Some(&long_title),
                "invalid-argument",
                "'title' must be shorter than or equal to 255 characters.",
            ),
            (
                "guid",
                Some("123"),
                "invalid-param-type",
                "guid should be guid type.",
            ),
        ];
        for (key, value, code, msg) in cases {
            let form: Vec<(&str, &str)> = borrow(&valid)
                .into_iter()
                .filter_map(|(k, v)| match (k == *key, value) {
                    (false, _) => Some((k, v)),
                    (true, Some(value)) => Some((k, *value)),
                    (true, None) => None,
                })
                .collect();
            let (status, body) = post(&sim, &form).await;
            assert_eq!(status, 400, "{key}");
            assert_eq!(
                (body["error_code"].as_str(), body["error_msg"].as_str()),
                (Some(*code), Some(*msg))
            );
        }
        let mut form = borrow(&valid);
        form[5].1 = "{not json";
        let (status, body) = post(&sim, &form).await;
        assert_eq!(status, 400);
        assert!(
            body["error_msg"]
                .as_str()
                .unwrap()
                .starts_with("content should be JSON format - ")
        );
        let (_, list) = harness::get(&sim, "sonar", PATH, &[("limit", "0")]).await;
        assert_eq!(list["total"], 30, "nothing was created");
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn an_assignee_closing_closes_the_ticket() {
        let sim = sim().await;
        let (_, list) = harness::get(&sim, "sonar", PATH, &[("statuses", "IN_PROGRESS")]).await;
        let before = list["tickets"][0].clone();
        let guid = before["guid"].as_str().unwrap();
        assert_eq!(
            put_status(&sim, guid, "ASSIGNEE", "CLOSED").await,
            (200, serde_json::json!({}))
        );
        let (_, after) = ticket(&sim, guid).await;
        let after = &after["ticket"];
        assert_eq!(after["status"], "CLOSED");
        assert_eq!(after["assignees"][0]["task_status"], "CLOSED");
        assert!(after["closed"].is_string());
        assert_ne!(after["updated"], before["updated"]);
        let (_, closed) = harness::get(
            &sim,
            "sonar",
            PATH,
            &[("statuses", "CLOSED"), ("limit", "1000")],
        )
        .await;
        assert!(
            closed["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["guid"] == guid)
        );
        sim.shutdown().await;
    }

    // Sonar 5.0 "Update ticket assignee status" error responses.
    #[tokio::test]
    async fn assignee_status_refusals() {
        let sim = sim().await;
        let (_, list) = harness::get(&sim, "sonar", PATH, &[("statuses", "IN_PROGRESS")]).await;
        let guid = list["tickets"][0]["guid"].as_str().unwrap().to_string();
        let (_, list) = harness::get(&sim, "sonar", PATH, &[("statuses", "NEW")]).await;
        let unassigned = list["tickets"][0]["guid"].as_str().unwrap().to_string();
        let missing = "201dc306-5ef7-4d4f-b872-1fa0f4d7dc57";
        let cases: &[(&str, &str, &str, u16, &str)] = &[
            (
                &guid,
                "ASSIGNEE",
                "DONE",
                400,
                "assignee status should be one of ASSIGNED, IN_PROGRESS, CLOSED.",
            ),
            (
                &guid,
                "APPROVER",
                "CLOSED",
                400,
                "approver status should be one of APPROVED, REJECTED.",
            ),
            (
                "nope",
                "ASSIGNEE",
                "CLOSED",
                400,
                "guid should be guid type.",
            ),
            (
                missing,
                "ASSIGNEE",
                "CLOSED",
                500,
                "ticket not found: 201dc306-5ef7-4d4f-b872-1fa0f4d7dc57",
            ),
            (&unassigned, "ASSIGNEE", "CLOSED", 500, "not assigned"),
        ];
        for (guid, kind, status, code, msg) in cases {
            let (got, body) = put_status(&sim, guid, kind, status).await;
            assert_eq!(
                (got, body["error_msg"].as_str()),
                (*code, Some(*msg)),
                "{kind} {status}"
            );
        }
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn delete_removes_and_reports_missing_ones() {
        let sim = sim().await;
        let (_, list) = harness::get(&sim, "sonar", PATH, &[("limit", "2")]).await;
        let gone = list["tickets"][0]["guid"].as_str().unwrap();
        let missing = "638cfeb2-e259-46af-961a-1eeb65ea35f1";
        let url = harness::url(&sim, "sonar", PATH);
        let guids = format!("{gone},{missing}");
        let req = harness::client().delete(&url).query(&[("guids", &guids)]);
        let (status, body) = harness::send(req).await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            serde_json::json!({"failures": [{"id": missing, "reason": "ticket-not-found"}]})
        );
        assert_eq!(ticket(&sim, gone).await.0, 500);
        let (_, after) = harness::get(&sim, "sonar", PATH, &[]).await;
        assert_eq!(after["total"], 29);
        assert_eq!(after["tickets"][0]["guid"], list["tickets"][1]["guid"]);

        let req = harness::client().delete(&url).query(&[("guids", "x")]);
        let (status, body) = harness::send(req).await;
        assert_eq!(
            (status, body["error_msg"].as_str()),
            (400, Some("guids should be guid type."))
        );
        sim.shutdown().await;
    }
}
