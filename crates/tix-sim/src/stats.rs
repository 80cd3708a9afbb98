//! What the simulator has served: requests per route and faults injected per kind, at
//! `GET /_sim/stats`.
//!
//! Routes are counted by their template (`GET /sonar/api/sonar/tickets/{guid}`), not the raw path,
//! so a benchmark can tell how many list pages or gets a client made. A request counts when it
//! reaches a provider route, whether it was then answered, refused (401/400) or faulted.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

/// The kinds of fault [`super::faults`] injects, as they are named in the stats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    TooManyRequests,
    InternalError,
    Unavailable,
    CutBody,
}

impl FaultKind {
    fn key(self) -> &'static str {
        match self {
            FaultKind::TooManyRequests => "429",
            FaultKind::InternalError => "500",
            FaultKind::Unavailable => "503",
            FaultKind::CutBody => "cut",
        }
    }
}

#[derive(Default)]
pub struct Stats {
    requests: Mutex<BTreeMap<String, u64>>,
    faults: [AtomicU64; 4],
}

impl Stats {
    pub fn fault(&self, kind: FaultKind) {
        self.faults[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn request(&self, route: String) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *requests.entry(route).or_default() += 1;
    }
}

#[derive(Serialize)]
struct StatsJson {
    requests: BTreeMap<String, u64>,
    faults: BTreeMap<&'static str, u64>,
}

/// `GET /_sim/stats`.
pub async fn show(State(stats): State<Arc<Stats>>) -> Json<impl Serialize> {
    let requests = stats
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let faults = [
        FaultKind::TooManyRequests,
        FaultKind::InternalError,
        FaultKind::Unavailable,
        FaultKind::CutBody,
    ]
    .into_iter()
    .map(|k| (k.key(), stats.faults[k as usize].load(Ordering::Relaxed)))
    .collect();
    Json(StatsJson { requests, faults })
}

/// Middleware over every provider route: counts the request under `METHOD /route/template`.
pub async fn count(State(stats): State<Arc<Stats>>, req: Request, next: Next) -> Response {
    if let Some(path) = req.extensions().get::<MatchedPath>() {
        stats.request(format!("{} {}", req.method(), path.as_str()));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::super::{SimOptions, harness};

    #[tokio::test]
    async fn counts_requests_per_route_template() {
        let sim = harness::sim(SimOptions {
            tickets: 3,
            ..SimOptions::default()
        })
        .await;
        let (_, list) = harness::get(&sim, "sonar", "/api/sonar/tickets", &[]).await;
        harness::get(&sim, "sonar", "/api/sonar/tickets", &[("limit", "1")]).await;
        for t in list["tickets"].as_array().unwrap() {
            let path = format!("/api/sonar/tickets/{}", t["guid"].as_str().unwrap());
            harness::get(&sim, "sonar", &path, &[]).await;
        }
        // Refused requests count; unknown paths do not.
        let url = harness::url(&sim, "sonar", "/api/sonar/tickets");
        harness::client().get(url).send().await.unwrap();
        harness::get(&sim, "sonar", "/api/sonar/elsewhere", &[]).await;

        let stats = harness::stats(&sim).await;
        assert_eq!(
            stats,
            serde_json::json!({
                "requests": {
                    "GET /sonar/api/sonar/tickets": 3,
                    "GET /sonar/api/sonar/tickets/{guid}": 3,
                },
                "faults": {"429": 0, "500": 0, "503": 0, "cut": 0},
            })
        );
        sim.shutdown().await;
    }
}
