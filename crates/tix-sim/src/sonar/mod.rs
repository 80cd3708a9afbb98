//! The simulated Logpresso Sonar ticket API, under `/sonar`.
//!
//! Sources: the vendor document `shared/vendor-docs/logpresso-sonar-get-tickets.txt` (the list
//! endpoint, its parameters, fields and every 400) and `shared/research/argus-sonar.md` §3 (the other
//! ticket endpoints, the error body, "ticket not found" as HTTP 500 `illegal-state`).
//!
//! - Auth: `Authorization: Bearer <key>` on every call, checked before any parameter.
//! - `GET /api/sonar/tickets`: offset/limit paging with a `total` (see `list.rs`).
//! - `GET /api/sonar/tickets/:guid`, `…/comments`, `…/attachments`: one ticket by GUID.
//! - Writes, kept in memory: `POST /api/sonar/tickets` (create), `PUT …/:guid/assignee-status`
//!   (an assignee's CLOSED closes the ticket), `DELETE /api/sonar/tickets?guids=…`.
//!
//! Not simulated: update/priority/incident/submit/reject/reopen/assign, attachment upload, and the
//! caller's identity (every key acts as every assignee and approver).

mod attachments;
mod catalog;
mod churn;
mod comments;
mod error;
mod generate;
mod get;
mod json;
mod list;
mod store;
mod time;
mod write;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use uuid::Uuid;

use super::SimOptions;
use catalog::Directory;
use error::SonarError;
use store::Store;

/// The state every Sonar handler shares.
pub struct Sonar {
    seed: u64,
    api_key: Option<String>,
    dir: Directory,
    store: RwLock<Store>,
}

impl Sonar {
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(opts: &SimOptions, churns: &super::churn::Registry) -> Router {
    let (dir, store) = generate::generate(opts.seed, opts.tickets);
    let sonar = Arc::new(Sonar {
        seed: opts.seed,
        api_key: opts.api_key.clone(),
        dir,
        store: RwLock::new(store),
    });
    churns.add(Arc::new(churn::SonarChurn::new(Arc::clone(&sonar))));
    Router::new()
        .route(
            "/api/sonar/tickets",
            get(list::tickets).post(write::create).delete(write::delete),
        )
        .route("/api/sonar/tickets/{guid}", get(get::ticket))
        .route("/api/sonar/tickets/{guid}/comments", get(comments::list))
        .route(
            "/api/sonar/tickets/{guid}/attachments",
            get(attachments::list),
        )
        .route(
            "/api/sonar/tickets/{guid}/assignee-status",
            put(write::assignee_status),
        )
        .route_layer(from_fn_with_state(Arc::clone(&sonar), auth))
        .with_state(sonar)
}

/// Refuses a request without `Authorization: Bearer <key>`, or with another key than the one set.
async fn auth(State(sonar): State<Arc<Sonar>>, req: Request, next: Next) -> Response {
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|k| !k.is_empty());
    match (key, &sonar.api_key) {
        (None, _) => SonarError::unauthorized("api key is required").into_response(),
        (Some(got), Some(want)) if got != want => {
            SonarError::unauthorized("invalid api key").into_response()
        }
        _ => next.run(req).await,
    }
}

/// A GUID as Sonar takes it: the 36-character hyphenated form ("36 characters" in every table).
fn guid(s: &str) -> Option<Uuid> {
    if s.len() == 36 {
        Uuid::try_parse(s).ok()
    } else {
        None
    }
}

/// The GUID in a `/tickets/:guid` path, or 400 `invalid-param-type` "guid should be guid type.".
fn path_guid(s: &str) -> Result<Uuid, SonarError> {
    guid(s).ok_or_else(|| SonarError::not_guid("guid"))
}

/// Decoded `key=value` pairs of a query string or form body. `+` decodes to a space, as the real
/// server's decoding does (research §3.1); a repeated key keeps its last value.
fn pairs(raw: &[u8]) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// A parameter, with an empty value read as absent.
fn param<'a>(pairs: &'a std::collections::HashMap<String, String>, key: &str) -> Option<&'a str> {
    pairs.get(key).map(String::as_str).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::{SimOptions, harness};

    #[tokio::test]
    async fn auth_is_required_and_checked_before_parameters() {
        let sim = harness::sim(SimOptions {
            tickets: 10,
            api_key: Some(harness::KEY.into()),
            ..SimOptions::default()
        })
        .await;
        let url = format!("{}/api/sonar/tickets?offset=x", sim.base_url("sonar"));
        let c = harness::client();
        for req in [
            c.get(&url),
            c.get(&url).bearer_auth("wrong"),
            c.get(&url).header("authorization", "Bearer "),
            c.get(&url).header("authorization", harness::KEY),
        ] {
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 401);
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["error_code"], "unauthorized");
            assert!(body["error_msg"].is_string());
        }
        let resp = c.get(&url).bearer_auth(harness::KEY).send().await.unwrap();
        assert_eq!(resp.status(), 400);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn any_key_is_accepted_when_none_is_set() {
        let sim = harness::sim(SimOptions {
            tickets: 3,
            ..SimOptions::default()
        })
        .await;
        let resp = harness::client()
            .get(format!("{}/api/sonar/tickets", sim.base_url("sonar")))
            .bearer_auth("anything")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        sim.shutdown().await;
    }
}
