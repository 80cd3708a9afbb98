//! Test harness for the simulator's own tests: a server on `127.0.0.1:0` and a client for it.

use std::net::{Ipv4Addr, SocketAddr};

use serde_json::Value;

use super::{SimHandle, SimOptions};

pub const KEY: &str = "test-key";

pub async fn sim(opts: SimOptions) -> SimHandle {
    super::start(opts, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("simulator starts")
}

/// A client that ignores `HTTP_PROXY` and friends: the tests talk to loopback only. Building one
/// loads TLS roots, which is slow in debug builds, so each test thread (one per test) keeps its own.
pub fn client() -> reqwest::Client {
    thread_local! {
        static CLIENT: reqwest::Client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client builds");
    }
    CLIENT.with(reqwest::Client::clone)
}

pub fn url(sim: &SimHandle, provider: &str, path: &str) -> String {
    format!("{}{path}", sim.base_url(provider))
}

/// `GET` a provider path with a properly encoded query and the test key.
pub async fn get(
    sim: &SimHandle,
    provider: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    send(client().get(url(sim, provider, path)).query(query)).await
}

/// A request with a form-encoded body, as Sonar's writes take them.
pub fn with_form(req: reqwest::RequestBuilder, pairs: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    req.header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

/// Sends with the test key; returns the status and the parsed body (`Null` when it is not JSON).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.bearer_auth(KEY).send().await.expect("request sent");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.expect("body read");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

pub async fn stats(sim: &SimHandle) -> Value {
    client()
        .get(format!("http://{}/_sim/stats", sim.addr()))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json")
}
