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

/// A client that ignores `HTTP_PROXY` and friends: the tests talk to loopback only.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

/// `GET {base_url(provider)}{path_and_query}` with the test key; returns status and parsed body.
pub async fn get(sim: &SimHandle, provider: &str, path_and_query: &str) -> (u16, Value) {
    let resp = client()
        .get(format!("{}{path_and_query}", sim.base_url(provider)))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("request sent");
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
