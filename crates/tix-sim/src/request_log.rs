//! Every provider request the simulator served, in arrival order: who made it (a
//! fingerprint of its credential, never the credential), its route, and when it started
//! and ended. Tests read it through `SimHandle::requests` to check who was talking to the
//! simulator when: e.g. that two sync workers never read the same profile at once (each
//! worker and profile given its own key).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

/// One request as the log keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    /// [`caller_of`] the request's credential; empty without one.
    pub caller: String,
    /// `METHOD /route/template`, as the stats count it.
    pub route: String,
    /// Microseconds since the simulator started, when the request arrived.
    pub started_us: u64,
    /// When its answer (status and headers) was ready.
    pub ended_us: u64,
}

/// The log: shared by the middleware and the handle.
#[derive(Clone)]
pub struct RequestLog {
    origin: Instant,
    entries: Arc<Mutex<Vec<Logged>>>,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog {
            origin: Instant::now(),
            entries: Arc::default(),
        }
    }
}

impl RequestLog {
    pub fn entries(&self) -> Vec<Logged> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// The fingerprint the log keeps of a credential (an API key, or a bearer token without
/// its `Bearer ` prefix): FNV-1a, so a test can tell callers apart without the log
/// holding a secret.
pub fn caller_of(credential: &str) -> String {
    let h = credential.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// The credential of a request, whichever of the simulated APIs' headers carries it.
fn credential(headers: &HeaderMap) -> Option<String> {
    headers.iter().find_map(|(name, value)| {
        let name = name.as_str();
        let carries =
            name == "authorization" || name.contains("api-key") || name.contains("apikey");
        let value = value.to_str().ok()?;
        carries.then(|| value.strip_prefix("Bearer ").unwrap_or(value).to_owned())
    })
}

/// Middleware over every provider route: logs the request when its answer is ready.
pub async fn log(State(log): State<RequestLog>, req: Request, next: Next) -> Response {
    let started_us = log.now_us();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| format!("{} {}", req.method(), p.as_str()))
        .unwrap_or_default();
    let caller = credential(req.headers())
        .map(|c| caller_of(&c))
        .unwrap_or_default();
    let response = next.run(req).await;
    let ended_us = log.now_us();
    log.entries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Logged {
            caller,
            route,
            started_us,
            ended_us,
        });
    response
}

#[cfg(test)]
mod tests {
    use super::super::{SimOptions, harness};
    use super::*;

    #[tokio::test]
    async fn logs_each_request_with_its_callers_fingerprint_and_times() {
        let sim = harness::sim(SimOptions {
            tickets: 3,
            ..SimOptions::default()
        })
        .await;
        let (status, _) = harness::get(&sim, "sonar", "/api/sonar/tickets", &[]).await;
        assert_eq!(status, 200);
        let log = sim.requests();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].route, "GET /sonar/api/sonar/tickets");
        assert_eq!(log[0].caller, caller_of(harness::KEY));
        assert_ne!(log[0].caller, caller_of("another key"));
        assert!(log[0].started_us <= log[0].ended_us);
        sim.shutdown().await;
    }
}
