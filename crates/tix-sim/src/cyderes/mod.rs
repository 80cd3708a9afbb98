//! The simulated Cyderes TSI API v2, under `/cyderes`.
//!
//! Sources: `shared/vendor-docs/cyderes-tsi-api-v2.txt` (endpoints, parameters, defaults, per-type
//! fields) and `shared/research/cyderes-cli-conventions.md` A.3–A.4 (FastAPI's error bodies, auth
//! before parameters, bare arrays newest first).
//!
//! - Auth: `Authorization: Bearer <token>`, checked before any parameter. Missing or not Bearer:
//!   401 `{"detail":"Not authenticated"}` with `WWW-Authenticate: Bearer`; another token than the
//!   one set: 403 `{"detail":"Invalid authentication credentials"}`.
//! - `GET /v2/tickets` (see `list.rs`), `GET /v2/tickets/{id}`, `POST …/comment`, `POST …/close`,
//!   `POST /v2/tickets/create`, attachments (`files.rs`), `GET /misp`.
//! - Churn (`sim::churn`, see `churn.rs`): new tickets and workflow steps on the wall clock.
//! - Unknown paths: 404 `{"detail":"Not Found"}`.

mod churn;
mod error;
mod files;
mod generate;
mod list;
mod misp;
mod params;
mod render;
mod store;
mod ticket;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::SimOptions;
use error::ApiError;
use store::Store;

/// The largest upload accepted; the document gives none.
const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub struct Cyderes {
    seed: u64,
    tickets: usize,
    api_key: Option<String>,
    store: RwLock<Store>,
}

impl Cyderes {
    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(opts: &SimOptions, churns: &super::churn::Registry) -> Router {
    let api = Arc::new(Cyderes {
        seed: opts.seed,
        tickets: opts.tickets,
        api_key: opts.api_key.clone(),
        store: RwLock::new(generate::generate(opts.seed, opts.tickets)),
    });
    churns.add(Arc::new(churn::CyderesChurn::new(Arc::clone(&api))));
    Router::new()
        .route("/v2/tickets", get(list::tickets))
        .route("/v2/tickets/create", post(ticket::create))
        .route("/v2/tickets/{id}", get(ticket::get))
        .route("/v2/tickets/{id}/comment", post(ticket::comment))
        .route("/v2/tickets/{id}/close", post(ticket::close))
        .route("/v2/tickets/{id}/attachments", get(files::list))
        .route("/v2/tickets/{id}/attachments/{attachment}", get(files::one))
        .route(
            "/v2/tickets/{id}/attachment",
            post(files::add).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/misp", get(misp::iocs))
        .route_layer(from_fn_with_state(Arc::clone(&api), auth))
        .fallback(|| async { ApiError::Detail(StatusCode::NOT_FOUND, "Not Found").into_response() })
        .with_state(api)
}

/// FastAPI's `HTTPBearer` runs before the endpoint's parameters are read.
async fn auth(State(api): State<Arc<Cyderes>>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    match (token, &api.api_key) {
        (None, _) => ApiError::NotAuthenticated.into_response(),
        (Some(got), Some(want)) if got != want => {
            ApiError::Detail(StatusCode::FORBIDDEN, "Invalid authentication credentials")
                .into_response()
        }
        _ => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::{SimOptions, harness};

    async fn sim(tickets: usize) -> super::super::SimHandle {
        harness::sim(SimOptions {
            tickets,
            api_key: Some(harness::KEY.into()),
            ..SimOptions::default()
        })
        .await
    }

    #[tokio::test]
    async fn auth_comes_before_parameters() {
        let sim = sim(10).await;
        let url = format!("{}/v2/tickets?limit=999", sim.base_url("cyderes"));
        let c = harness::client();
        let resp = c.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({"detail": "Not authenticated"})
        );
        let resp = c
            .get(&url)
            .header("authorization", "Basic eDp5")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401);
        let resp = c.get(&url).bearer_auth("wrong").send().await.unwrap();
        assert_eq!(resp.status(), 403);
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({"detail": "Invalid authentication credentials"})
        );
        let resp = c.get(&url).bearer_auth(harness::KEY).send().await.unwrap();
        assert_eq!(resp.status(), 422);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn the_documented_defaults_hide_most_tickets() {
        let sim = sim(300).await;
        let (status, defaults) =
            harness::get(&sim, "cyderes", "/v2/tickets", &[("limit", "250")]).await;
        assert_eq!(status, 200);
        let defaults = defaults.as_array().unwrap();
        let (_, all) = harness::get(
            &sim,
            "cyderes",
            "/v2/tickets",
            &[
                ("limit", "250"),
                ("ticket_type", "all"),
                ("escalated_only", "false"),
            ],
        )
        .await;
        let all = all.as_array().unwrap();
        assert_eq!(all.len(), 250);
        assert!(
            !defaults.is_empty() && defaults.len() < 100,
            "{}",
            defaults.len()
        );
        assert!(defaults.iter().all(|t| t["ticket_type"] == "alert"));
        // Newest first.
        let ids: Vec<&str> = all
            .iter()
            .map(|t| t["ticket_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids[0], "CYDERES-000300");
        assert!(ids.windows(2).all(|w| w[0] > w[1]));
        let (_, fifty) = harness::get(
            &sim,
            "cyderes",
            "/v2/tickets",
            &[("ticket_type", "all"), ("escalated_only", "false")],
        )
        .await;
        assert_eq!(fifty.as_array().unwrap().len(), 50, "default limit");
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn validation_errors_are_fastapis_in_parameter_order() {
        let sim = sim(5).await;
        let (status, body) = harness::get(
            &sim,
            "cyderes",
            "/v2/tickets",
            &[("ticket_type", "bogus"), ("limit", "251")],
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            body,
            json!({"detail": [
                {"type": "less_than_equal", "loc": ["query", "limit"], "msg": "Input should be less than or equal to 250", "input": "251", "ctx": {"le": 250}},
                {"type": "enum", "loc": ["query", "ticket_type"], "msg": "Input should be 'all', 'alert', 'service_task', 'service_proactive', 'service_request' or 'phishing'", "input": "bogus", "ctx": {"expected": "'all', 'alert', 'service_task', 'service_proactive', 'service_request' or 'phishing'"}}
            ]})
        );
        for (k, v, kind, msg) in [
            (
                "limit",
                "0",
                "greater_than_equal",
                "Input should be greater than or equal to 1",
            ),
            (
                "limit",
                "abc",
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            ),
            (
                "created_from",
                "2024-13-01",
                "date_from_datetime_parsing",
                "Input should be a valid date or datetime, month value is outside expected range of 1-12",
            ),
            (
                "created_from",
                "2024-01-01T10:00:00",
                "date_from_datetime_inexact",
                "Datetimes provided to dates should have zero time - e.g. be exact dates",
            ),
            (
                "escalated_only",
                "maybe",
                "bool_parsing",
                "Input should be a valid boolean, unable to interpret input",
            ),
        ] {
            let (status, body) = harness::get(&sim, "cyderes", "/v2/tickets", &[(k, v)]).await;
            assert_eq!(status, 422, "{k}={v}");
            assert_eq!(body["detail"][0]["type"], kind, "{k}={v}");
            assert_eq!(body["detail"][0]["msg"], msg, "{k}={v}");
            assert_eq!(body["detail"][0]["loc"], json!(["query", k]));
        }
        let (status, body) = harness::get(&sim, "cyderes", "/v2/tickets/CYDERES-999999", &[]).await;
        assert_eq!((status, body), (404, json!({"detail": "Ticket not found"})));
        let (status, body) = harness::get(&sim, "cyderes", "/v3/elsewhere", &[]).await;
        assert_eq!((status, body), (404, json!({"detail": "Not Found"})));
        let (status, body) =
            harness::get(&sim, "cyderes", "/misp", &[("created_from", "2026-10-01")]).await;
        assert_eq!(status, 422, "{body}");
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn list_and_get_name_fields_as_the_document_does() {
        let sim = sim(60).await;
        let (_, all) = harness::get(
            &sim,
            "cyderes",
            "/v2/tickets",
            &[
                ("limit", "60"),
                ("ticket_type", "alert"),
                ("escalated_only", "false"),
            ],
        )
        .await;
        let alert = &all[0];
        assert!(
            alert.get("alert_insights").is_some() && alert.get("alert_investigation").is_none()
        );
        let path = format!("/v2/tickets/{}", alert["ticket_id"].as_str().unwrap());
        let (_, one) = harness::get(&sim, "cyderes", &path, &[]).await;
        assert!(one.get("alert_investigation").is_some() && one.get("alert_insights").is_none());
        assert!(one["escalated"] == "True" || one["escalated"] == "False");
        let formats: std::collections::HashSet<bool> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["created"].as_str().unwrap().contains('T'))
            .collect();
        assert_eq!(formats.len(), 2, "both time formats are served");
        sim.shutdown().await;
    }
}
