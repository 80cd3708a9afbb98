//! The simulator with every provider configured: for the verbs that read across
//! providers (`-o ocsf`, `--jq`, `stats`, `watch`).

use crate::harness::{KEY, run};
use std::net::SocketAddr;
use std::process::Output;
use tix_sim::{self as sim, SimHandle, SimOptions};

pub const PROVIDERS: [&str; 4] = ["sonar", "argus", "cyderes", "arcticwolf"];

pub async fn simulator(tickets: usize) -> SimHandle {
    sim::start(
        SimOptions {
            tickets,
            ..SimOptions::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap()
}

/// The URL and key variables of every provider, pointing at `sim`.
pub fn env(sim: &SimHandle) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for (p, key) in [
        ("sonar", "TIX_SONAR_API_KEY"),
        ("argus", "TIX_ARGUS_API_KEY"),
        ("cyderes", "TIX_CYDERES_TOKEN"),
        ("arcticwolf", "TIX_ARCTICWOLF_API_KEY"),
    ] {
        env.push((format!("TIX_{}_URL", p.to_uppercase()), sim.base_url(p)));
        env.push((key.to_owned(), KEY.to_owned()));
    }
    env
}

/// Runs tix with `args` against `sim`, every provider configured, plus `extra` variables.
pub async fn tix(sim: &SimHandle, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let env = env(sim);
    let mut pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.extend_from_slice(extra);
    run(args, &pairs).await
}
