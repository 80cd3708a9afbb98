//! The simulated mnemonic Argus Case API v2, under `/argus`.
//!
//! Sources: the vendor document `shared/vendor-docs/argus-case-api.txt` (endpoints, bodies,
//! search semantics, restricted fields) and `shared/research/argus-sonar.md` §1 (the envelope,
//! `messages[]` errors, the spec's `working*` statuses, epoch-millisecond times, 301 for a
//! merged case, the 100000 system limit). It shares no types with `crate::providers::argus`.
//!
//! - Auth: `Argus-API-Key: <key>` on every call, else 401 with the envelope.
//! - Search: `GET /cases/v2/case` and `POST /cases/v2/case/search` (`search.rs`).
//! - Cases: `GET|PUT /cases/v2/case/{id}`, `POST /cases/v2/case`, `PUT …/{id}/close`;
//!   comments, attachments and tags under the case, all kept in memory.
//!
//! Not simulated: access grants, move, services/subscriptions/categories listings, events.

mod attachments;
mod cases;
mod comments;
mod envelope;
mod search;
mod store;
mod tags;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Map, Value};

use super::SimOptions;
use envelope::ArgusError;
use store::Store;

/// The state every Argus handler shares.
pub struct Argus {
    api_key: Option<String>,
    store: RwLock<Store>,
}

impl Argus {
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(opts: &SimOptions) -> Router {
    let argus = Arc::new(Argus {
        api_key: opts.api_key.clone(),
        store: RwLock::new(store::generate(opts.seed, opts.tickets)),
    });
    let case = "/cases/v2/case/{id}";
    Router::new()
        .route("/cases/v2/case", get(search::simple).post(cases::create))
        .route("/cases/v2/case/search", post(search::advanced))
        .route(case, get(cases::get).put(cases::update))
        .route(
            "/cases/v2/case/{id}/close",
            axum::routing::put(cases::close),
        )
        .route(
            "/cases/v2/case/{id}/comments",
            get(comments::list).post(comments::add),
        )
        .route(
            "/cases/v2/case/{id}/attachments",
            get(attachments::list).post(attachments::add),
        )
        .route(
            "/cases/v2/case/{id}/attachments/{aid}",
            get(attachments::one),
        )
        .route(
            "/cases/v2/case/{id}/attachments/{aid}/download",
            get(attachments::download),
        )
        .route("/cases/v2/case/{id}/tags", get(tags::list).post(tags::add))
        .route("/cases/v2/case/{id}/tags/{tag}", delete(tags::remove_by_id))
        .route(
            "/cases/v2/case/{id}/tags/{key}/{value}",
            delete(tags::remove_by_value),
        )
        .route_layer(from_fn_with_state(Arc::clone(&argus), auth))
        .with_state(argus)
}

/// Refuses a request without `Argus-API-Key`, or with another key than the one set.
async fn auth(State(argus): State<Arc<Argus>>, req: Request, next: Next) -> Response {
    let key = req
        .headers()
        .get("argus-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty());
    match (key, &argus.api_key) {
        (None, _) => ArgusError::unauthorized().into_response(),
        (Some(got), Some(want)) if got != want => ArgusError::unauthorized().into_response(),
        _ => next.run(req).await,
    }
}

/// A case id in a path: a positive integer, else 412.
fn case_id(raw: &str) -> Result<i64, ArgusError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ArgusError::invalid("id", &format!("Invalid case ID: {raw}")))
}

fn body_object(body: &[u8]) -> Result<Map<String, Value>, ArgusError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ArgusError::invalid("body", "Expected a JSON object")),
        Err(e) => Err(ArgusError::invalid("body", &format!("Invalid JSON: {e}"))),
    }
}

/// `limit` (default 25, 0 = all) and `offset` of a list under a case.
fn paging(query: Option<&str>) -> Result<(usize, usize), ArgusError> {
    let (mut limit, mut offset) = (25, 0);
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let n = || {
            v.parse::<usize>()
                .map_err(|_| ArgusError::invalid(&k, &format!("Invalid number: {v}")))
        };
        match k.as_ref() {
            "limit" => limit = n()?,
            "offset" => offset = n()?,
            _ => {}
        }
    }
    Ok((limit, offset))
}

/// Writes happen now, on the real clock.
fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
