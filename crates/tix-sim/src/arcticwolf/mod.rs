//! The simulated Arctic Wolf APIs, under `/arcticwolf`.
//!
//! Sources: `shared/vendor-docs/arcticwolf-ticket-api.txt` (Organizations API first, then one pod's
//! Ticket API per organization, limit/offset paging) and `shared/research/arcticwolf-connectwise.md`
//! §1.4–§1.10 (shapes from Arctic Wolf's OpenAPI specs).
//!
//! - `GET /api/v1/organizations[?root=ID]`: a bare array of `{id, customerID, name, pod}`, sorted by
//!   name; `root` keeps that organization and those under it. Errors `{message, code, errors[]}`;
//!   401 has no body.
//! - `/pods/{pod}/api/v1/organizations/{org}/tickets…`: one pod's Ticket API (list, get with
//!   `includeComments`, `POST …/comments`, `POST …/close`, `GET …/attachments/{id}` → a pre-signed
//!   URL under `/files/…`). Errors `{code, description}`. An organization asked on another pod's
//!   host, or unknown, is 403 (the real gateway's answer to a wrong id, research §1.10).
//! - `SimOptions::fail_pods`: those pods answer every request 503, as an unreachable region would.
//!
//! - Churn (`churn.rs`, `sim::churn`): new tickets arrive as NEW, changed ones move a step along
//!   NEW, OPEN, PENDING, CLOSED (HOLD goes back to OPEN).
//!
//! The key is one MSP's: it sees five organizations over three pods (`data.rs`).

mod churn;
mod data;
mod tickets;

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::SimOptions;

/// The state every handler shares.
pub struct ArcticWolf {
    api_key: Option<String>,
    fail_pods: Vec<String>,
    orgs: Vec<data::Organization>,
    /// Each organization's tickets, ascending by number. Churn adds and changes them.
    tickets: RwLock<Vec<Vec<data::Ticket>>>,
    writes: RwLock<tickets::Writes>,
}

impl ArcticWolf {
    fn tickets(&self) -> RwLockReadGuard<'_, Vec<Vec<data::Ticket>>> {
        self.tickets.read().unwrap_or_else(|e| e.into_inner())
    }

    fn tickets_mut(&self) -> RwLockWriteGuard<'_, Vec<Vec<data::Ticket>>> {
        self.tickets.write().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(opts: &SimOptions, churns: &super::churn::Registry) -> Router {
    let (orgs, tickets) = data::generate(opts.seed, opts.tickets);
    let aw = Arc::new(ArcticWolf {
        api_key: opts.api_key.clone(),
        fail_pods: opts.fail_pods.clone(),
        orgs,
        tickets: RwLock::new(tickets),
        writes: RwLock::default(),
    });
    churns.add(Arc::new(churn::ArcticWolfChurn::new(
        opts.seed,
        Arc::clone(&aw),
    )));
    let organizations = Router::new()
        .route("/api/v1/organizations", get(organizations))
        .route_layer(from_fn_with_state(Arc::clone(&aw), orgs_auth));
    let base = "/pods/{pod}/api/v1/organizations/{org}/tickets";
    let ticket_api = Router::new()
        .route(base, get(tickets::list))
        .route(&format!("{base}/{{id}}"), get(tickets::one))
        .route(&format!("{base}/{{id}}/comments"), post(tickets::comment))
        .route(&format!("{base}/{{id}}/close"), post(tickets::close))
        .route(
            &format!("{base}/{{id}}/attachments/{{aid}}"),
            get(tickets::attachment_url),
        )
        .route_layer(from_fn_with_state(Arc::clone(&aw), tickets_auth));
    // Pre-signed: no key, like S3.
    let files = Router::new().route("/files/{id}/{aid}", get(tickets::file));
    organizations.merge(ticket_api).merge(files).with_state(aw)
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|k| !k.is_empty())
}

fn key_ok(aw: &ArcticWolf, req: &Request) -> bool {
    match (bearer(req), &aw.api_key) {
        (None, _) => false,
        (Some(got), Some(want)) => got == want,
        (Some(_), None) => true,
    }
}

/// The Organizations API's 401 has no body "to prevent an accidental information disclosure".
async fn orgs_auth(State(aw): State<Arc<ArcticWolf>>, req: Request, next: Next) -> Response {
    if key_ok(&aw, &req) {
        next.run(req).await
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

/// A failing pod answers before anything else, as an unreachable region's gateway would.
async fn tickets_auth(State(aw): State<Arc<ArcticWolf>>, req: Request, next: Next) -> Response {
    let pod = req.uri().path().split('/').nth(2).unwrap_or_default();
    if aw.fail_pods.iter().any(|p| p == pod) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("upstream connect error: pod {pod} is unavailable"),
        )
            .into_response();
    }
    if key_ok(&aw, &req) {
        next.run(req).await
    } else {
        ticket_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Invalid or expired authentication token.",
        )
    }
}

/// The Ticket API's error body.
pub fn ticket_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"code": code, "description": description})),
    )
        .into_response()
}

fn org_json(o: &data::Organization) -> Value {
    json!({"id": o.id, "customerID": o.customer_id, "name": o.name, "pod": o.pod})
}

async fn organizations(
    State(aw): State<Arc<ArcticWolf>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let root = match params.get("root") {
        None => None,
        Some(r) => match aw.orgs.iter().position(|o| &o.id == r) {
            Some(i) => Some(i),
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({
                        "message": "invalid request parameters",
                        "code": 400,
                        "errors": [{"code": 1001, "field": "root", "message": "unknown organization ID"}]
                    })),
                )
                    .into_response();
            }
        },
    };
    let mut list: Vec<&data::Organization> = aw
        .orgs
        .iter()
        .enumerate()
        .filter(|(i, o)| root.is_none_or(|r| *i == r || o.parent == Some(r)))
        .map(|(_, o)| o)
        .collect();
    list.sort_by_key(|o| o.name);
    axum::Json(list.into_iter().map(org_json).collect::<Vec<_>>()).into_response()
}

#[cfg(test)]
mod tests;
