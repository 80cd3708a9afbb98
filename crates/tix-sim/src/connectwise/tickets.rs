//! `/service/tickets`: list, count, one, create (`POST`, 201) and JSON-Patch update
//! (research §2.4: `summary` at most 100 characters and `company` required; the status
//! must belong to the board; `initialDescription` is taken on POST only, becomes the
//! first Discussion note and is not in the answer).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::CwError;
use super::store::Store;
use super::{Cw, paging, path_id};

/// Who the API member is in `createdBy` / `updatedBy`.
pub const API_MEMBER: &str = "tixapi";

pub async fn list(
    State(cw): State<Arc<Cw>>,
    RawQuery(raw): RawQuery,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, CwError> {
    cw.allow("tickets")?;
    let params = paging::params(raw.as_deref());
    let found = paging::filter(&cw.read().tickets, &params)?;
    paging::page(found, &params, &uri.0, &headers)
}

pub async fn count(
    State(cw): State<Arc<Cw>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, CwError> {
    cw.allow("tickets")?;
    let params = paging::params(raw.as_deref());
    let n = paging::filter(&cw.read().tickets, &params)?.len();
    Ok(Json(json!({"count": n})))
}

pub async fn one(
    State(cw): State<Arc<Cw>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, CwError> {
    cw.allow("tickets")?;
    let id = path_id(&id)?;
    cw.read()
        .tickets
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| CwError::not_found("Ticket", id))
}

fn json_body(body: &Bytes) -> Result<Value, CwError> {
    serde_json::from_slice(body)
        .map_err(|e| CwError::bad_request(format!("The request body is not valid JSON: {e}")))
}

/// A reference's record in `table` by `id` (or `identifier`), as `{id, name…}`.
fn reference(table: &[Value], r: &Value) -> Option<Value> {
    table
        .iter()
        .find(|x| {
            (r["id"].is_u64() && x["id"] == r["id"])
                || (r["identifier"].is_string()
                    && x["identifier"]
                        .as_str()
                        .zip(r["identifier"].as_str())
                        .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b)))
        })
        .map(|x| {
            let mut out = json!({"id": x["id"], "name": x["name"]});
            if x["identifier"].is_string() {
                out["identifier"] = x["identifier"].clone();
            }
            out
        })
}

fn status_of_board(store: &Store, board: &Value, status: &Value) -> Result<Value, CwError> {
    store
        .statuses
        .iter()
        .find(|s| s["id"] == status["id"] && s["board"]["id"] == board["id"])
        .map(|s| json!({"id": s["id"], "name": s["name"]}))
        .ok_or_else(|| {
            CwError::invalid(
                "ticket",
                "NotFound",
                format!(
                    "Service Status {} not found for Service Board {}",
                    status["id"], board["id"]
                ),
                "status/id",
            )
        })
}

fn check_length(value: &Value, field: &str, max: usize) -> Result<(), CwError> {
    match value.as_str() {
        Some(s) if s.chars().count() > max => Err(CwError::too_long(field, max)),
        _ => Ok(()),
    }
}

pub async fn create(State(cw): State<Arc<Cw>>, body: Bytes) -> Result<Response, CwError> {
    cw.allow("tickets")?;
    let b = json_body(&body)?;
    let summary = b["summary"].as_str().filter(|s| !s.trim().is_empty());
    let Some(summary) = summary else {
        return Err(CwError::invalid(
            "ticket",
            "Required",
            "The summary field is required.",
            "summary",
        ));
    };
    check_length(&b["summary"], "summary", 100)?;
    check_length(&b["externalXRef"], "externalXRef", 100)?;
    let mut store = cw.write();
    if let Some((field, _)) = store
        .rejected
        .iter()
        .find(|(field, value)| b[field.as_str()].as_str() == Some(value.as_str()))
    {
        // The 400 `InvalidObject` shape with one field error (research §2.8).
        return Err(CwError::invalid(
            "ticket",
            "InvalidField",
            format!("The {field} value is refused by a validation rule of this board."),
            field,
        ));
    }
    if b["company"].is_null() {
        return Err(CwError::invalid(
            "ticket",
            "Required",
            "The company field is required.",
            "company",
        ));
    }
    let company = reference(&store.companies, &b["company"]).ok_or_else(|| {
        CwError::invalid(
            "ticket",
            "NotFound",
            format!("Company {} not found", b["company"]),
            "company/id",
        )
    })?;
    // Without a board the API member's default board applies (vendor document step 4).
    let board_ref = if b["board"].is_null() {
        json!({"id": 1})
    } else {
        b["board"].clone()
    };
    let board = reference(&store.boards, &board_ref).ok_or_else(|| {
        CwError::invalid(
            "ticket",
            "NotFound",
            format!("Service Board {} not found", board_ref["id"]),
            "board/id",
        )
    })?;
    let status = if b["status"].is_null() {
        let first = store
            .statuses
            .iter()
            .find(|s| s["board"]["id"] == board["id"])
            .cloned()
            .unwrap_or(Value::Null);
        json!({"id": first["id"], "name": first["name"]})
    } else {
        status_of_board(&store, &board, &b["status"])?
    };
    let priority = if b["priority"].is_null() {
        json!({"id": 3, "name": "Priority 3 - Normal Response"})
    } else {
        reference(&store.priorities, &b["priority"]).ok_or_else(|| {
            CwError::invalid(
                "ticket",
                "NotFound",
                format!("Priority {} not found", b["priority"]["id"]),
                "priority/id",
            )
        })?
    };
    let id = store.id();
    let at = store.tick();
    let ticket = json!({
        "id": id, "summary": summary, "recordType": "ServiceTicket",
        "board": board, "status": status, "company": company, "priority": priority,
        "externalXRef": b["externalXRef"].as_str(),
        "closedFlag": false,
        "_info": {"dateEntered": at, "lastUpdated": at, "updatedBy": API_MEMBER}
    });
    store.tickets.push(ticket);
    if let Some(text) = b["initialDescription"].as_str().filter(|t| !t.is_empty()) {
        store.add_note(id, text, [true, false, false], API_MEMBER);
    }
    let answer = store.tickets.iter().find(|t| t["id"] == id).cloned();
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

pub async fn patch(
    State(cw): State<Arc<Cw>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, CwError> {
    cw.allow("tickets")?;
    let id = path_id(&id)?;
    let ops = json_body(&body)?;
    let Some(ops) = ops.as_array() else {
        return Err(CwError::bad_request(
            "PATCH takes a JSON-Patch array: [{\"op\":\"replace\",\"path\":\"…\",\"value\":…}]",
        ));
    };
    let mut store = cw.write();
    let Some(mut ticket) = store.tickets.iter().find(|t| t["id"] == id).cloned() else {
        return Err(CwError::not_found("Ticket", id));
    };
    for op in ops {
        let kind = op["op"].as_str().unwrap_or("");
        if !matches!(kind, "replace" | "add") {
            return Err(CwError::bad_request(format!(
                "Unsupported patch operation '{kind}'"
            )));
        }
        let path = op["path"].as_str().unwrap_or("").trim_start_matches('/');
        let value = &op["value"];
        match path {
            "summary" => {
                check_length(value, "summary", 100)?;
                ticket["summary"] = value.clone();
            }
            "externalXRef" => {
                check_length(value, "externalXRef", 100)?;
                ticket["externalXRef"] = value.clone();
            }
            "priority" => {
                ticket["priority"] = reference(&store.priorities, value).ok_or_else(|| {
                    CwError::invalid(
                        "ticket",
                        "NotFound",
                        format!("Priority {} not found", value["id"]),
                        "priority/id",
                    )
                })?;
            }
            "status" => {
                let s = status_of_board(&store, &ticket["board"], value)?;
                let closed = store
                    .statuses
                    .iter()
                    .any(|x| x["id"] == s["id"] && x["closedStatus"] == true);
                ticket["status"] = s;
                ticket["closedFlag"] = json!(closed);
            }
            other => {
                return Err(CwError::bad_request(format!(
                    "Patching '{other}' is not supported by the simulator"
                )));
            }
        }
    }
    let at = store.tick();
    ticket["_info"]["lastUpdated"] = json!(at);
    ticket["_info"]["updatedBy"] = json!(API_MEMBER);
    if let Some(t) = store.ticket_mut(id) {
        *t = ticket.clone();
    }
    Ok(Json(ticket))
}
