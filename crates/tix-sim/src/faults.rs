//! Latency and fault injection over every provider route (opendal's `chaos` layer, for HTTP).
//!
//! Each request first waits [`SimOptions::latency`]; then, with probability `fault_rate` drawn from
//! an RNG seeded by `fault_seed`, it gets one fault instead of its answer:
//! - 429 with `Retry-After: 1` (one second keeps retrying tests fast),
//! - 500 or 503 with a plain-text body, as a load balancer would send, not the vendor's JSON,
//! - a cut body: the handler runs and only the first half of its body is sent, alternately
//!   (a) with a `Content-Length` of the full body and the connection closed after the half, which a
//!   client sees as a transport error mid-body, and (b) with a `Content-Length` of the half, which a
//!   client sees as a complete response holding invalid JSON.
//!
//! Writes must not happen twice or half-way: a non-GET request is faulted before its handler runs and
//! never gets a cut body, so a faulted POST has changed nothing.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::SimOptions;
use super::stats::{FaultKind, Stats};

pub struct Faults {
    latency: Duration,
    rate: f64,
    rng: Mutex<StdRng>,
    cuts: AtomicU64,
    stats: Arc<Stats>,
}

impl Faults {
    pub fn new(opts: &SimOptions, stats: Arc<Stats>) -> Self {
        // `random_bool` panics outside 0..=1; NaN becomes "no faults".
        let rate = if opts.fault_rate.is_nan() {
            0.0
        } else {
            opts.fault_rate.clamp(0.0, 1.0)
        };
        Faults {
            latency: opts.latency,
            rate,
            rng: Mutex::new(StdRng::seed_from_u64(opts.fault_seed)),
            cuts: AtomicU64::new(0),
            stats,
        }
    }

    /// Draws whether this request is faulted, and how.
    fn draw(&self, method: &Method) -> Option<FaultKind> {
        if self.rate == 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if !rng.random_bool(self.rate) {
            return None;
        }
        let kinds: &[FaultKind] = if method == Method::GET {
            &[
                FaultKind::TooManyRequests,
                FaultKind::InternalError,
                FaultKind::Unavailable,
                FaultKind::CutBody,
            ]
        } else {
            &[
                FaultKind::TooManyRequests,
                FaultKind::InternalError,
                FaultKind::Unavailable,
            ]
        };
        Some(kinds[rng.random_range(0..kinds.len())])
    }
}

/// The middleware.
pub async fn inject(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response {
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let Some(kind) = faults.draw(req.method()) else {
        return next.run(req).await;
    };
    faults.stats.fault(kind);
    match kind {
        FaultKind::TooManyRequests => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "429 Too Many Requests (simulated fault)\n",
        )
            .into_response(),
        FaultKind::InternalError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error (simulated fault)\n",
        )
            .into_response(),
        FaultKind::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "503 Service Unavailable (simulated fault)\n",
        )
            .into_response(),
        FaultKind::CutBody => {
            let abort = faults.cuts.fetch_add(1, Ordering::Relaxed) % 2 == 0;
            cut(next.run(req).await, abort).await
        }
    }
}

/// Sends the first half of `resp`'s body; see the module doc for the two ways.
async fn cut(resp: Response, abort: bool) -> Response {
    let (mut parts, body) = resp.into_parts();
    let full = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = full.slice(..full.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    if !abort {
        return Response::from_parts(parts, Body::from(half));
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    // The pause before the error lets hyper flush the half before it drops the connection.
    let tail = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::other("simulated cut body"))
    });
    let stream =
        futures::stream::once(async move { Ok::<Bytes, std::io::Error>(half) }).chain(tail);
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::super::{SimOptions, harness};
    use axum::http::Method;
    use std::time::{Duration, Instant};

    fn faulty() -> SimOptions {
        SimOptions {
            tickets: 50,
            fault_rate: 1.0,
            fault_seed: 7,
            ..SimOptions::default()
        }
    }

    #[tokio::test]
    async fn rate_one_faults_every_request_and_counts_each_kind() {
        let sim = harness::sim(faulty()).await;
        let url = format!("{}/api/sonar/tickets?limit=10", sim.base_url("sonar"));
        let (mut n429, mut n5xx, mut cut) = (0u64, 0u64, 0u64);
        for _ in 0..40 {
            let resp = harness::client()
                .get(&url)
                .bearer_auth("k")
                .send()
                .await
                .unwrap();
            match resp.status().as_u16() {
                429 => {
                    assert_eq!(resp.headers()["retry-after"], "1");
                    n429 += 1;
                }
                500 | 503 => n5xx += 1,
                200 => {
                    // Either the transfer fails or the JSON is incomplete: never a full answer.
                    if let Ok(body) = resp.bytes().await {
                        assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
                    }
                    cut += 1;
                }
                other => panic!("unexpected status {other}"),
            }
        }
        assert!(n429 > 0 && n5xx > 0 && cut > 0, "{n429} {n5xx} {cut}");
        let stats = harness::stats(&sim).await;
        let f = &stats["faults"];
        let counted: u64 = ["429", "500", "503", "cut"]
            .iter()
            .map(|k| f[k].as_u64().unwrap())
            .sum();
        assert_eq!(counted, 40);
        assert_eq!(f["429"].as_u64().unwrap(), n429);
        assert_eq!(f["cut"].as_u64().unwrap(), cut);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn both_kinds_of_cut_body_happen() {
        let sim = harness::sim(faulty()).await;
        let url = format!("{}/api/sonar/tickets?limit=20", sim.base_url("sonar"));
        let (mut aborted, mut short) = (0, 0);
        for _ in 0..60 {
            let resp = harness::client()
                .get(&url)
                .bearer_auth("k")
                .send()
                .await
                .unwrap();
            if resp.status() != 200 {
                continue;
            }
            let declared = resp.content_length();
            match resp.bytes().await {
                Err(_) => aborted += 1,
                Ok(body) => {
                    assert_eq!(declared, Some(body.len() as u64));
                    short += 1;
                }
            }
        }
        assert!(aborted > 0 && short > 0, "{aborted} {short}");
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn a_faulted_write_changes_nothing() {
        // Find a fault seed whose draws let a GET through and then fault a POST, and replay it.
        let opts = |fault_seed| SimOptions {
            tickets: 5,
            fault_rate: 0.5,
            fault_seed,
            ..SimOptions::default()
        };
        let stats = std::sync::Arc::new(super::Stats::default());
        let seed = (1..)
            .find(|&s| {
                let f = super::Faults::new(&opts(s), stats.clone());
                f.draw(&Method::GET).is_none() && f.draw(&Method::POST).is_some()
            })
            .unwrap();
        let sim = harness::sim(opts(seed)).await;
        let (status, list) =
            harness::get(&sim, "sonar", "/api/sonar/tickets", &[("limit", "1")]).await;
        assert_eq!(status, 200);
        let repo = list["tickets"][0]["repo_guid"]
            .as_str()
            .unwrap()
            .to_string();
        let guid = "638cfeb2-e259-46af-961a-1eeb65ea35f0";
        let form =
            format!("repo_guid={repo}&guid={guid}&priority=LOW&title=t&format=PLAIN&content=c");
        let resp = harness::client()
            .post(format!("{}/api/sonar/tickets", sim.base_url("sonar")))
            .bearer_auth(harness::KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert!([429, 500, 503].contains(&resp.status().as_u16()));
        // Reads are faulted half the time too: ask until the real answer comes.
        let answer = loop {
            let (_, body) =
                harness::get(&sim, "sonar", &format!("/api/sonar/tickets/{guid}"), &[]).await;
            if body.is_object() {
                break body;
            }
        };
        assert_eq!(answer["error_msg"], format!("ticket not found: {guid}"));
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn latency_is_added_to_every_response() {
        let sim = harness::sim(SimOptions {
            tickets: 5,
            latency: Duration::from_millis(150),
            ..SimOptions::default()
        })
        .await;
        let started = Instant::now();
        let (status, _) = harness::get(&sim, "sonar", "/api/sonar/tickets", &[]).await;
        assert_eq!(status, 200);
        assert!(started.elapsed() >= Duration::from_millis(150));
        sim.shutdown().await;
    }
}
