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
//! - Churn: new cases arrive and cases move along the status workflow (`churn.rs`).
//!
//! Not simulated: access grants, move, services/subscriptions/categories listings, events.

mod attachments;
mod cases;
mod churn;
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

pub fn router(opts: &SimOptions, churns: &super::churn::Registry) -> Router {
    let argus = Arc::new(Argus {
        api_key: opts.api_key.clone(),
        store: RwLock::new(store::generate(opts.seed, opts.tickets)),
    });
    churns.add(Arc::new(churn::ArgusChurn::new(Arc::clone(&argus))));
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

#[cfg(test)]
mod tests {
    use super::super::{SimOptions, harness};
    use serde_json::{Value, json};

    const KEY: &str = harness::KEY;

    async fn sim() -> crate::SimHandle {
        harness::sim(SimOptions {
            tickets: 200,
            api_key: Some(KEY.into()),
            ..SimOptions::default()
        })
        .await
    }

    async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.header("Argus-API-Key", KEY).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn search(sim: &crate::SimHandle, body: Value) -> (u16, Value) {
        let url = harness::url(sim, "argus", "/cases/v2/case/search");
        send(harness::client().post(url).json(&body)).await
    }

    fn ids(v: &Value) -> Vec<i64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn a_missing_or_wrong_key_is_401_with_the_envelope() {
        let sim = sim().await;
        let url = harness::url(&sim, "argus", "/cases/v2/case");
        for req in [
            harness::client().get(&url),
            harness::client().get(&url).header("Argus-API-Key", "wrong"),
        ] {
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 401);
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["messages"][0]["message"], "Authentication failed");
            assert_eq!(body["data"], Value::Null);
        }
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn sub_criteria_or_required_and_exclude() {
        let sim = sim().await;
        let (_, all) = search(&sim, json!({"limit": 0})).await;
        assert_eq!(all["count"], 200);
        let cases = all["data"].as_array().unwrap().clone();
        let count = |f: &dyn Fn(&Value) -> bool| cases.iter().filter(|c| f(c)).count();

        // The document's example: status pendingSoc OR priority high.
        let (_, or) = search(
            &sim,
            json!({"limit": 0, "subCriteria": [{"status": ["pendingSoc"]}, {"priority": ["high"]}]}),
        )
        .await;
        assert_eq!(
            or["count"],
            count(&|c| c["status"] == "pendingSoc" || c["priority"] == "high")
        );
        let (_, excl) = search(
            &sim,
            json!({"limit": 0, "priority": ["high"], "subCriteria": [{"exclude": true, "status": ["closed"]}]}),
        )
        .await;
        assert_eq!(
            excl["count"],
            count(&|c| c["priority"] == "high" && c["status"] != "closed")
        );
        let (_, req) = search(
            &sim,
            json!({"limit": 0, "subCriteria": [{"required": true, "type": ["change"]}, {"required": true, "priority": ["low"]}]}),
        )
        .await;
        assert_eq!(
            req["count"],
            count(&|c| c["type"] == "change" && c["priority"] == "low")
        );
        // The document's older word for workingCustomer is accepted.
        let (_, old) = search(&sim, json!({"limit": 0, "status": ["waitingCustomer"]})).await;
        assert_eq!(old["count"], count(&|c| c["status"] == "workingCustomer"));
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn paging_defaults_limits_and_sorting() {
        let sim = sim().await;
        let (status, page) = search(&sim, json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(
            (page["size"].as_u64(), page["count"].as_u64()),
            (Some(25), Some(200))
        );
        let (_, desc) = search(&sim, json!({"sortBy": ["-id"], "limit": 3, "offset": 1})).await;
        assert_eq!(ids(&desc), vec![1_000_199, 1_000_198, 1_000_197]);
        let (status, err) = search(&sim, json!({"limit": 100_001})).await;
        assert_eq!(status, 412);
        assert_eq!(err["messages"][0]["type"], "FIELD_ERROR");
        assert_eq!(err["messages"][0]["field"], "limit");
        let (status, _) = search(&sim, json!({"status": ["open"]})).await;
        assert_eq!(status, 412);
        let url = harness::url(&sim, "argus", "/cases/v2/case");
        let (status, simple) = send(harness::client().get(url).query(&[
            ("status", "closed"),
            ("status", "pendingSoc"),
            ("limit", "0"),
        ]))
        .await;
        assert_eq!(status, 200);
        assert!(
            simple["data"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["status"] == "closed" || c["status"] == "pendingSoc")
        );
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn restricted_fields_merged_cases_and_unknown_cases() {
        let sim = sim().await;
        let case = harness::url(&sim, "argus", "/cases/v2/case/1000001");
        let (status, err) = send(harness::client().put(&case).json(&json!({"subject": "x"}))).await;
        assert_eq!(status, 403);
        assert_eq!(err["messages"][0]["type"], "FIELD_ERROR");
        assert_eq!(err["messages"][0]["field"], "subject");
        let merged = harness::url(&sim, "argus", "/cases/v2/case/1000000");
        let resp = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(&merged)
            .header("Argus-API-Key", KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 301);
        let (status, _) = send(harness::client().get(format!("{merged}?skipRedirect=true"))).await;
        assert_eq!(status, 404);
        let (status, _) =
            send(harness::client().get(harness::url(&sim, "argus", "/cases/v2/case/42"))).await;
        assert_eq!(status, 404);
        sim.shutdown().await;
    }
}
