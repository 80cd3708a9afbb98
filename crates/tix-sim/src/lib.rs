//! The embedded simulator of every provider API.
//!
//! One axum server on loopback serves each provider under its own path prefix (`/sonar`, …) from a
//! seeded, deterministic dataset, checks auth and parameters the way the vendor documents say, keeps
//! writes in memory, and injects latency and faults on request (DESIGN.md "The simulator").
//!
//! Each provider is one module exposing `fn router(&SimOptions) -> Router`; [`providers`] lists them, so
//! adding one is a module plus one line there. Every provider route is wrapped by [`stats::count`] and
//! [`faults::inject`]; `/_sim/stats`, `/_sim/churn` and `/_sim/versions` ([`churn`]) are not, nor
//! are the hostile servers under `/hostile/<mode>` ([`hostile`]: never answers, drips, stalls,
//! `Retry-After: 119`, a gzip bomb, a lying total, escape sequences, year -1, ...).
//!
//! The simulator is written from the vendor documents and `shared/research/`, never from tix's own
//! client code: it shares no types with `crate::providers`, so the two sides of each contract are
//! written separately and a misreading on one side shows up as a failing test.

mod arcticwolf;
mod argus;
pub mod churn;
mod connectwise;
mod cyderes;
mod dataset;
mod faults;
#[cfg(test)]
mod harness;
pub mod hostile;
pub mod request_log;
mod sonar;
mod stats;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the simulator serves and how badly it behaves.
#[derive(Clone)]
pub struct SimOptions {
    /// Dataset seed: the same seed and ticket count give byte-identical responses.
    pub seed: u64,
    /// Tickets generated per provider.
    pub tickets: usize,
    /// Added to every provider response.
    pub latency: Duration,
    /// Probability, 0.0..=1.0, that a provider request gets a fault instead of its answer.
    pub fault_rate: f64,
    /// Seed of the fault RNG, so a faulty run can be replayed.
    pub fault_seed: u64,
    /// When set, only this API key is accepted; otherwise any non-empty key is.
    pub api_key: Option<String>,
    /// Arctic Wolf pods whose Ticket API answers every request 503.
    pub fail_pods: Vec<String>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            tickets: 500,
            latency: Duration::ZERO,
            fault_rate: 0.0,
            fault_seed: 1,
            api_key: None,
            fail_pods: Vec::new(),
        }
    }
}

// Hand-written so the key never lands in a log line, like every other secret in tix.
impl fmt::Debug for SimOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimOptions")
            .field("seed", &self.seed)
            .field("tickets", &self.tickets)
            .field("latency", &self.latency)
            .field("fault_rate", &self.fault_rate)
            .field("fault_seed", &self.fault_seed)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("fail_pods", &self.fail_pods)
            .finish()
    }
}

/// A running simulator. Dropping it stops the server too (the stop channel closes).
pub struct SimHandle {
    addr: SocketAddr,
    churns: churn::Registry,
    log: request_log::RequestLog,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl SimHandle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of one provider, e.g. `base_url("sonar") == "http://127.0.0.1:PORT/sonar"`.
    pub fn base_url(&self, provider: &str) -> String {
        format!("http://{}/{provider}", self.addr)
    }

    /// Adds `new` tickets and changes `updates` existing ones in every provider that
    /// simulates churn (what `POST /_sim/churn` does); answers the versions made.
    pub fn churn(&self, new: usize, updates: usize) -> Vec<churn::Version> {
        self.churns.churn(new, updates)
    }

    /// A handle on the churn hooks, for a task that churns while the server runs.
    pub fn churns(&self) -> churn::Registry {
        self.churns.clone()
    }

    /// Every provider request served so far, in the order their answers were ready
    /// (see [`request_log`]).
    pub fn requests(&self) -> Vec<request_log::Logged> {
        self.log.entries()
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    /// Runs until the server stops (used by `tix sim` in the foreground).
    pub async fn wait(self) -> io::Result<()> {
        // `stop` stays alive while we wait: dropping it would be read as a shutdown request.
        let SimHandle { stop, task, .. } = self;
        let result = task.await.map_err(io::Error::other)?;
        drop(stop);
        result
    }
}

/// Binds `addr` (loopback only; port 0 picks one) and serves in a spawned tokio task.
pub async fn start(opts: SimOptions, addr: SocketAddr) -> io::Result<SimHandle> {
    refuse_non_loopback(addr)?;
    start_on(opts, TcpListener::bind(addr).await?).await
}

/// Like [`start`], on a listener the caller already bound.
pub async fn start_on(opts: SimOptions, listener: TcpListener) -> io::Result<SimHandle> {
    let addr = listener.local_addr()?;
    refuse_non_loopback(addr)?;
    // A million tickets take a moment to generate; keep that off the async workers.
    let churns = churn::Registry::default();
    let hooks = churns.clone();
    let log = request_log::RequestLog::default();
    let logger = log.clone();
    let app = tokio::task::spawn_blocking(move || app(&opts, &hooks, logger))
        .await
        .map_err(io::Error::other)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(SimHandle {
        addr,
        churns,
        log,
        stop,
        task,
    })
}

// The simulator has no TLS and accepts any key by default: it must never face a network.
fn refuse_non_loopback(addr: SocketAddr) -> io::Result<()> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the simulator listens on loopback only, not {addr}"),
        ))
    }
}

/// Every provider API the simulator serves: its path prefix and its router. One line per provider.
/// A provider whose tickets can change over time also adds its [`churn::Churn`] to `churns`.
fn providers(opts: &SimOptions, churns: &churn::Registry) -> Vec<(&'static str, Router)> {
    vec![
        ("/argus", argus::router(opts, churns)),
        ("/sonar", sonar::router(opts, churns)),
        ("/arcticwolf", arcticwolf::router(opts, churns)),
        ("/connectwise", connectwise::router(opts)),
        ("/cyderes", cyderes::router(opts, churns)),
    ]
}

fn app(opts: &SimOptions, churns: &churn::Registry, log: request_log::RequestLog) -> Router {
    let stats = Arc::new(stats::Stats::default());
    let faults = Arc::new(faults::Faults::new(opts, Arc::clone(&stats)));
    let mut app = Router::new()
        .route(
            "/_sim/stats",
            get(stats::show).with_state(Arc::clone(&stats)),
        )
        .route("/_sim/churn", post(churn::churn).with_state(churns.clone()))
        .route(
            "/_sim/versions",
            get(churn::versions).with_state(churns.clone()),
        )
        .nest("/hostile", hostile::router());
    for (prefix, api) in providers(opts, churns) {
        // `route_layer`, not `layer`: unknown paths fall through to a plain 404 that is neither
        // counted nor faulted. The last layer added runs first, so counting sees faulted requests too.
        let api = api
            .route_layer(from_fn_with_state(Arc::clone(&faults), faults::inject))
            .route_layer(from_fn_with_state(Arc::clone(&stats), stats::count))
            .route_layer(from_fn_with_state(log.clone(), request_log::log));
        app = app.nest(prefix, api);
    }
    app
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, SocketAddrV4};

    #[tokio::test]
    async fn refuses_a_non_loopback_address() {
        let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0));
        let err = start(SimOptions::default(), addr).await.err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[tokio::test]
    async fn base_url_names_the_provider_prefix_and_unknown_paths_are_404() {
        let sim = harness::sim(SimOptions::default()).await;
        assert_eq!(
            sim.base_url("sonar"),
            format!("http://127.0.0.1:{}/sonar", sim.addr().port())
        );
        let resp = harness::client()
            .get(format!("http://{}/nowhere", sim.addr()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
        let resp = harness::client()
            .get(format!("{}/api/sonar/nothing", sim.base_url("sonar")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn shutdown_stops_the_server() {
        let sim = harness::sim(SimOptions::default()).await;
        let addr = sim.addr();
        sim.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
