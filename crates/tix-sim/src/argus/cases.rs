//! One case: fetch (301 for a merged case), create, update, close (vendor document,
//! "Fetching a case", "Creating a case", "Updating a case", "Restricted fields", "Closing a
//! case"). The caller acts as a customer user with write access and no TECH role: it may not
//! change `assignedTech` or `reporter`, and `subject`/`description` only on cases it created.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::envelope::{self, ArgusError};
use super::store::{self, Case, Comment, PRIORITIES, TYPES};
use super::{Argus, body_object, case_id, now};

pub async fn get(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let skip = q.is_some_and(|q| q.contains("skipRedirect=true"));
    if id == store::MERGED_ID && !skip {
        // Relative, so it resolves under whatever prefix the API is served at.
        let to = store::FIRST_ID.to_string();
        return Ok((StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response());
    }
    let store = argus.read();
    let case = store.case(id).ok_or_else(|| not_found(id))?;
    Ok(envelope::one(StatusCode::OK, case.json()))
}

pub fn not_found(id: i64) -> ArgusError {
    ArgusError::not_found(&format!("Case {id}"))
}

fn string<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ArgusError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ArgusError::invalid(
            field,
            &format!("{field} must be a string"),
        )),
    }
}

fn required<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, ArgusError> {
    string(body, field)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ArgusError::invalid(field, &format!("{field} is required")))
}

fn one_of(field: &str, given: &str, allowed: &[&'static str]) -> Result<&'static str, ArgusError> {
    allowed
        .iter()
        .copied()
        .find(|a| *a == given)
        .ok_or_else(|| ArgusError::invalid(field, &format!("Invalid value for {field}: {given}")))
}

/// `POST /cases/v2/case` → 201 with the new case.
pub async fn create(State(argus): State<Arc<Argus>>, body: Bytes) -> Result<Response, ArgusError> {
    let body = body_object(&body)?;
    let customer = match (body.get("customer"), body.get("customerID")) {
        (Some(v), _) | (None, Some(v)) if !v.is_null() => {
            let given = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            store::customer(&given).ok_or_else(|| {
                ArgusError::invalid("customer", &format!("Unknown customer: {given}"))
            })?
        }
        // "By default, the case is created for the customer bound to the current user."
        _ => 0,
    };
    let service = required(&body, "service")?;
    let service = store::service(service)
        .ok_or_else(|| ArgusError::invalid("service", &format!("Unknown service: {service}")))?;
    let kind = one_of("type", required(&body, "type")?, TYPES)?;
    let subject = required(&body, "subject")?;
    let description = required(&body, "description")?;
    let priority = one_of(
        "priority",
        string(&body, "priority")?.unwrap_or("medium"),
        PRIORITIES,
    )?;
    let access = one_of(
        "accessMode",
        string(&body, "accessMode")?.unwrap_or("roleBased"),
        &["roleBased", "readRestricted", "writeRestricted", "explicit"],
    )?;
    let status = match string(&body, "status")? {
        Some(s) if s != "closed" => store::status(s).ok_or_else(|| {
            ArgusError::invalid("status", &format!("Invalid value for status: {s}"))
        })?,
        Some(_) => {
            return Err(ArgusError::invalid(
                "status",
                "A case cannot be created closed",
            ));
        }
        None => "pendingSoc",
    };
    let mut store = argus.write();
    let at = now();
    let case = Case {
        id: store.next_id,
        subject: subject.to_owned(),
        description: description.to_owned(),
        customer,
        service,
        kind,
        status: status.to_owned(),
        priority: priority.to_owned(),
        access_mode: access.to_owned(),
        tech: None,
        created: at,
        updated: at,
        closed: 0,
        owned: true,
    };
    store.next_id += 1;
    let json = case.json();
    store.cases.push(case);
    Ok(envelope::one(StatusCode::CREATED, json))
}

/// `PUT /cases/v2/case/{id}`: status, priority, subject/description (owner only), comment.
pub async fn update(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let body = body_object(&body)?;
    let mut store = argus.write();
    let at = now();
    let case = store.case(id).ok_or_else(|| not_found(id))?;
    for field in ["assignedTech", "reporter"] {
        if body.get(field).is_some_and(|v| !v.is_null()) {
            return Err(ArgusError::restricted(field, "requires TECH role"));
        }
    }
    for field in ["subject", "description"] {
        if body.get(field).is_some_and(|v| !v.is_null()) && !case.owned {
            return Err(ArgusError::restricted(
                field,
                "requires TECH role or case ownership",
            ));
        }
    }
    if case.status == "closed" {
        return Err(ArgusError::action("Case is closed"));
    }
    let status = match string(&body, "status")? {
        Some("closed") => {
            return Err(ArgusError::invalid(
                "status",
                "Use the close endpoint to close a case",
            ));
        }
        Some(s) => Some(store::status(s).ok_or_else(|| {
            ArgusError::invalid("status", &format!("Invalid value for status: {s}"))
        })?),
        None => None,
    };
    let priority = string(&body, "priority")?
        .map(|p| one_of("priority", p, PRIORITIES))
        .transpose()?;
    let subject = string(&body, "subject")?.map(str::to_owned);
    let description = string(&body, "description")?.map(str::to_owned);
    let comment = string(&body, "comment")?.map(str::to_owned);
    let internal = body
        .get("internalComment")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(text) = comment {
        let c = Comment {
            id: uuid::Uuid::new_v4(),
            author: "API user",
            added: at,
            text,
            internal,
        };
        store.comments(id).push(c);
    }
    let case = store.case_mut(id).ok_or_else(|| not_found(id))?;
    if let Some(s) = status {
        case.status = s.to_owned();
    }
    if let Some(p) = priority {
        case.priority = p.to_owned();
    }
    if let Some(s) = subject {
        case.subject = s;
    }
    if let Some(d) = description {
        case.description = d;
    }
    case.updated = at;
    Ok(envelope::one(StatusCode::OK, case.json()))
}

/// `PUT /cases/v2/case/{id}/close` with an optional closing comment.
pub async fn close(
    State(argus): State<Arc<Argus>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ArgusError> {
    let id = case_id(&id)?;
    let body = if body.is_empty() {
        Map::new()
    } else {
        body_object(&body)?
    };
    let mut store = argus.write();
    let at = now();
    let case = store.case(id).ok_or_else(|| not_found(id))?;
    if case.status == "closed" {
        return Err(ArgusError::action("Case is already closed"));
    }
    if let Some(text) = string(&body, "comment")?.map(str::to_owned) {
        let internal = body
            .get("internalComment")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let c = Comment {
            id: uuid::Uuid::new_v4(),
            author: "API user",
            added: at,
            text,
            internal,
        };
        store.comments(id).push(c);
    }
    let case = store.case_mut(id).ok_or_else(|| not_found(id))?;
    case.status = "closed".to_owned();
    case.closed = at;
    case.updated = at;
    Ok(envelope::one(StatusCode::OK, case.json()))
}
