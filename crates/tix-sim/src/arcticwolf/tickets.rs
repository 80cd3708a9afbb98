//! One pod's Ticket API: list with filters and paging, one ticket, comment, close, and the
//! pre-signed attachment download (research §1.5, §1.8).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::data::{self, PRIORITIES, STATUSES, TYPES};
use super::{ArcticWolf, ticket_error};

/// Comments clients added, by ticket number. A close changes the ticket itself.
#[derive(Default)]
pub struct Writes {
    comments: HashMap<u64, Vec<Value>>,
    next_comment: u64,
}

/// A Ticket API error on its way out: status, `code`, `description`.
#[derive(Debug)]
pub struct Fail(StatusCode, &'static str, String);

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        ticket_error(self.0, self.1, &self.2)
    }
}

fn bad_request(description: impl Into<String>) -> Fail {
    Fail(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        description.into(),
    )
}

fn forbidden() -> Fail {
    Fail(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Insufficient permissions to access this resource.".into(),
    )
}

fn ticket_not_found(id: &str) -> Fail {
    Fail(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("Ticket with ID {id} was not found."),
    )
}

/// The organization `org` on `pod`'s host, or 403 as the gateway answers a wrong id.
fn org_index(aw: &ArcticWolf, pod: &str, org: &str) -> Result<usize, Fail> {
    aw.orgs
        .iter()
        .position(|o| o.id == org && o.pod == pod)
        .ok_or_else(forbidden)
}

/// Where ticket `id` is in `list` (one organization's tickets, ascending by number).
fn find(list: &[data::Ticket], id: &str) -> Result<usize, Fail> {
    let number: u64 = id.parse().map_err(|_| ticket_not_found(id))?;
    list.binary_search_by_key(&number, |t| t.number)
        .map_err(|_| ticket_not_found(id))
}

/// The spec's date-time pattern: `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?([+-]\d{2}:\d{2}|Z)`.
fn spec_time(raw: &str) -> Option<i64> {
    let frac = raw.get(19..).unwrap_or_default();
    let digits = frac
        .strip_prefix('.')
        .map_or(0, |f| f.bytes().take_while(u8::is_ascii_digit).count());
    if raw.len() < 20
        || !(raw.as_bytes()[19] == b'.'
            || raw.as_bytes()[19] == b'Z'
            || raw.as_bytes()[19] == b'+'
            || raw.as_bytes()[19] == b'-')
        || digits > 3
        || (frac.starts_with('.') && digits == 0)
    {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn ticket_json(aw: &ArcticWolf, org: usize, t: &data::Ticket, with_comments: bool) -> Value {
    let writes = aw.writes.read().unwrap_or_else(|e| e.into_inner());
    let added = writes
        .comments
        .get(&t.number)
        .map_or(&[][..], Vec::as_slice);
    let generated = (t.number % 3) as usize;
    let mut v = json!({
        "id": t.number,
        "title": t.title,
        "description": format!("{} at {}. Reviewed by the Concierge Security team.", t.title, aw.orgs[org].name),
        "organizationUuid": aw.orgs[org].id,
        "status": t.status,
        "priority": t.priority,
        "type": t.kind,
        "createdAt": data::time(t.created, (t.number % 1000) as u32),
        // Whole seconds: churn's versions name an update to the second.
        "updatedAt": data::time(t.updated, 0),
        "commentCount": generated + added.len(),
        "attachmentCount": usize::from(t.number.is_multiple_of(2)),
    });
    if let Some(a) = t.assignee {
        v["assignee"] = data::analyst(a);
    }
    if with_comments {
        let mut comments: Vec<Value> = (0..generated)
            .map(|k| {
                json!({
                    "id": t.number * 10 + k as u64,
                    "body": format!("Update {} on ticket {}: still investigating.", k + 1, t.number),
                    "author": data::analyst(t.number as usize + k),
                    "createdAt": data::time(t.created + 600 * (k as i64 + 1), 0),
                    "type": "PUBLIC",
                })
            })
            .collect();
        comments.extend(added.iter().cloned());
        let attachments: Vec<Value> = if t.number.is_multiple_of(2) {
            vec![json!({
                "id": t.number * 10 + 1,
                "deleted": false,
                "filename": format!("evidence-{}.txt", t.number),
                "contentType": "text/plain",
                "createdAt": data::time(t.created + 60, 0),
            })]
        } else {
            Vec::new()
        };
        v["comments"] = Value::Array(comments);
        v["attachments"] = Value::Array(attachments);
    }
    v
}

/// A comma-separated enum list (`style: form, explode: false`), each value checked.
fn enum_list(
    params: &HashMap<String, String>,
    name: &str,
    allowed: &[&str],
) -> Result<Option<Vec<String>>, Fail> {
    let Some(raw) = params.get(name) else {
        return Ok(None);
    };
    let values: Vec<String> = raw.split(',').map(str::to_owned).collect();
    if let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str())) {
        return Err(bad_request(format!(
            "Invalid value '{bad}' for '{name}'; allowed: {}.",
            allowed.join(", ")
        )));
    }
    Ok(Some(values))
}

pub async fn list(
    State(aw): State<Arc<ArcticWolf>>,
    Path((pod, org)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let org = match org_index(&aw, &pod, &org) {
        Ok(i) => i,
        Err(r) => return r.into_response(),
    };
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let int = |name: &str, default: u64| -> Result<u64, Fail> {
        params.get(name).map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| bad_request(format!("The '{name}' parameter must be an integer.")))
        })
    };
    let (offset, limit) = match (int("offset", 0), int("limit", 20)) {
        (Ok(o), Ok(l)) => (o, l),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    if limit == 0 {
        return bad_request("The 'limit' parameter must be greater than or equal to 1.")
            .into_response();
    }
    if limit > 100 {
        return bad_request("The 'limit' parameter must be less than or equal to 100.")
            .into_response();
    }
    if offset > 100_000 {
        return bad_request("The 'offset' parameter must be less than or equal to 100000.")
            .into_response();
    }
    let filters = (
        enum_list(&params, "status", &STATUSES),
        enum_list(&params, "priority", &PRIORITIES),
        enum_list(&params, "type", &TYPES),
    );
    let (status, priority, kind) = match filters {
        (Ok(s), Ok(p), Ok(k)) => (s, p, k),
        (Err(r), _, _) | (_, Err(r), _) | (_, _, Err(r)) => return r.into_response(),
    };
    let mut bounds = Vec::new();
    for name in [
        "createdAfter",
        "createdBefore",
        "updatedAfter",
        "updatedBefore",
    ] {
        if let Some(v) = params.get(name) {
            match spec_time(v) {
                Some(ms) => bounds.push((name, ms)),
                None => {
                    return bad_request(format!(
                        "The '{name}' parameter must be an ISO 8601 date-time with at most 3 fractional digits."
                    ))
                    .into_response();
                }
            }
        }
    }
    let emails: Option<Vec<String>> = params
        .get("assigneeByEmail")
        .map(|v| v.split(',').map(str::to_ascii_lowercase).collect());
    let matches = |t: &&data::Ticket| {
        let st = t.status;
        let created = t.created * 1000 + (t.number % 1000) as i64;
        let updated = t.updated * 1000;
        status.as_ref().is_none_or(|s| s.iter().any(|x| x == st))
            && priority
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == t.priority))
            && kind.as_ref().is_none_or(|s| s.iter().any(|x| x == t.kind))
            && emails.as_ref().is_none_or(|e| {
                t.assignee.is_some_and(|a| {
                    let email = data::analyst(a)["email"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    e.contains(&email)
                })
            })
            && bounds.iter().all(|(name, ms)| match *name {
                "createdAfter" => created > *ms,
                "createdBefore" => created < *ms,
                "updatedAfter" => updated > *ms,
                _ => updated < *ms,
            })
    };
    let tickets = aw.tickets();
    let all: Vec<&data::Ticket> = tickets[org].iter().filter(matches).collect();
    let results: Vec<Value> = all
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|t| ticket_json(&aw, org, t, false))
        .collect();
    Json(json!({
        "results": results,
        "meta": {"offset": offset, "limit": limit, "total": all.len()},
    }))
    .into_response()
}

pub async fn one(
    State(aw): State<Arc<ArcticWolf>>,
    Path((pod, org, id)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let with = params.get("includeComments").is_some_and(|v| v == "true");
    let tickets = aw.tickets();
    match org_index(&aw, &pod, &org).and_then(|o| find(&tickets[o], &id).map(|i| (o, i))) {
        Ok((o, i)) => Json(ticket_json(&aw, o, &tickets[o][i], with)).into_response(),
        Err(r) => r.into_response(),
    }
}

pub async fn comment(
    State(aw): State<Arc<ArcticWolf>>,
    Path((pod, org, id)): Path<(String, String, String)>,
    body: Option<Json<Value>>,
) -> Response {
    let number = {
        let tickets = aw.tickets();
        match org_index(&aw, &pod, &org).and_then(|o| find(&tickets[o], &id).map(|i| (o, i))) {
            Ok((o, i)) => tickets[o][i].number,
            Err(r) => return r.into_response(),
        }
    };
    let text = body
        .as_ref()
        .and_then(|b| b.0.get("body"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if text.is_empty() || text.chars().count() > 65535 {
        return bad_request("The 'body' field must be 1 to 65535 characters.").into_response();
    }
    let mut w = aw.writes.write().unwrap_or_else(|e| e.into_inner());
    w.next_comment += 1;
    let c = json!({
        "id": 9_000_000_000u64 + w.next_comment,
        "body": text,
        "author": {"firstName": "API", "lastName": "Client", "email": "api@customer.example"},
        "createdAt": data::time(chrono::Utc::now().timestamp(), 0),
        "type": "PUBLIC",
    });
    w.comments.entry(number).or_default().push(c.clone());
    Json(c).into_response()
}

pub async fn close(
    State(aw): State<Arc<ArcticWolf>>,
    Path((pod, org, id)): Path<(String, String, String)>,
    body: Option<Json<Value>>,
) -> Response {
    // The request body is required (`{}` without a comment).
    let Some(Json(body)) = body else {
        return bad_request("A request body is required.").into_response();
    };
    // Lock order everywhere: tickets, then writes.
    let mut tickets = aw.tickets_mut();
    let (o, i) =
        match org_index(&aw, &pod, &org).and_then(|o| find(&tickets[o], &id).map(|i| (o, i))) {
            Ok(x) => x,
            Err(r) => return r.into_response(),
        };
    let t = &mut tickets[o][i];
    let number = t.number;
    // Strictly later than the last update, like churn's, so `(id, updated)` names one version.
    t.updated = chrono::Utc::now().timestamp().max(t.updated + 1);
    t.status = "CLOSED";
    let now = data::time(t.updated, 0);
    {
        let mut w = aw.writes.write().unwrap_or_else(|e| e.into_inner());
        if let Some(text) = body
            .get("comment")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
        {
            w.next_comment += 1;
            let c = json!({
                "id": 9_000_000_000u64 + w.next_comment,
                "body": text,
                "author": {"firstName": "API", "lastName": "Client", "email": "api@customer.example"},
                "createdAt": now,
                "type": "PUBLIC",
            });
            w.comments.entry(number).or_default().push(c);
        }
    }
    Json(ticket_json(&aw, o, &tickets[o][i], false)).into_response()
}

pub async fn attachment_url(
    State(aw): State<Arc<ArcticWolf>>,
    Path((pod, org, id, aid)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let tickets = aw.tickets();
    let t = match org_index(&aw, &pod, &org).and_then(|o| find(&tickets[o], &id).map(|i| (o, i))) {
        Ok((o, i)) => &tickets[o][i],
        Err(r) => return r.into_response(),
    };
    if !t.number.is_multiple_of(2) || aid != (t.number * 10 + 1).to_string() {
        return ticket_error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("Attachment with ID {aid} belonging to Ticket with ID {id} was not found."),
        );
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    Json(json!({
        "url": format!("http://{host}/arcticwolf/files/{}/{aid}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=sim", t.number)
    }))
    .into_response()
}

pub async fn file(Path((id, aid)): Path<(u64, String)>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain")],
        format!("evidence for ticket {id} (attachment {aid})\n"),
    )
        .into_response()
}
