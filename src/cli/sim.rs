//! `tix sim`: the simulator in the foreground, for the demo, tests and benchmarks.

use crate::error::{Error, Result};
use crate::providers::PROVIDERS;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tix_sim::{self as sim, SimOptions};

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1; 0 picks a free one (the address is the first line on stdout).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Seed of the generated dataset.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Tickets per provider.
    #[arg(long, default_value_t = 500)]
    pub tickets: usize,
    /// Added to every response, e.g. 50ms.
    #[arg(long, default_value = "0ms", value_parser = humantime::parse_duration)]
    pub latency: Duration,
    /// Share of requests answered with a fault (429, 500, 503, a body cut short), 0..=1.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed of the fault draws.
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// Accept only this key (a test value, not a credential); any key otherwise.
    #[arg(long, env = "TIX_SIM_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Arctic Wolf: this pod's Ticket API answers every request 503 (repeatable).
    #[arg(long, value_name = "POD")]
    pub fail_pod: Vec<String>,
    /// Make tickets arrive and change over time, e.g. 5/s (alternately one new, one changed).
    #[arg(long, value_name = "RATE")]
    pub churn: Option<String>,
}

impl SimArgs {
    pub fn options(&self) -> Result<SimOptions> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(Error::invalid(
                "--fault-rate",
                self.fault_rate,
                "a number in 0..=1",
            ));
        }
        if self.tickets == 0 {
            return Err(Error::invalid("--tickets", 0, "an integer of at least 1"));
        }
        Ok(SimOptions {
            seed: self.seed,
            tickets: self.tickets,
            latency: self.latency,
            fault_rate: self.fault_rate,
            fault_seed: self.fault_seed,
            api_key: self.api_key.clone(),
            fail_pods: self.fail_pod.clone(),
        })
    }
}

/// The stderr lines that say how to point tix at the simulator: one `export` line per
/// provider, ready to paste into a shell.
fn banner(handle: &sim::SimHandle, key_required: bool) -> String {
    let key = |var: &str| {
        if key_required {
            String::new()
        } else {
            format!(" {var}={DEMO_KEY}")
        }
    };
    let mut text = String::new();
    for p in PROVIDERS {
        text.push_str(&format!(
            "export TIX_{}_URL={}{}\n",
            p.env,
            handle.base_url(p.name),
            key(&p.key_var())
        ));
    }
    let cw: String = [
        "TIX_CW_COMPANY",
        "TIX_CW_PUBLIC_KEY",
        "TIX_CW_PRIVATE_KEY",
        "TIX_CW_CLIENT_ID",
    ]
    .iter()
    .map(|v| format!(" {v}={DEMO_KEY}"))
    .collect();
    text.push_str(&format!(
        "export TIX_CW_SITE={}{cw}\n",
        handle.base_url("connectwise")
    ));
    if key_required {
        text.push_str("# keys: the value given to --api-key\n");
    }
    text
}

/// The word the banner offers as a key: the simulator takes any non-empty one.
const DEMO_KEY: &str = "sim";

pub async fn run(args: SimArgs) -> Result<u8> {
    let opts = args.options()?;
    let churn = args
        .churn
        .as_deref()
        .map(|r| {
            sim::churn::parse_rate(r).ok_or_else(|| {
                Error::invalid(
                    "--churn",
                    r,
                    "events per second or minute, e.g. 5/s or 30/m",
                )
            })
        })
        .transpose()?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let handle = sim::start(opts, addr).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "http://{}", handle.addr())?;
    out.flush()?;
    drop(out);
    // Lines a shell takes as they are (`<any>` would be a redirection): the simulator
    // accepts any non-empty key, so a fixed word stands in; with --api-key, the key the
    // user chose is theirs to type and is not echoed.
    eprint!("{}", banner(&handle, args.api_key.is_some()));
    eprintln!("stats: http://{}/_sim/stats — Ctrl-C stops", handle.addr());
    if let Some(per_sec) = churn {
        let churns = handle.churns();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / per_sec));
            for n in 0u64.. {
                tick.tick().await;
                let (new, updates) = if n % 2 == 0 { (1, 0) } else { (0, 1) };
                churns.churn(new, updates);
            }
        });
    }
    tokio::select! {
        r = tokio::signal::ctrl_c() => {
            r?;
            handle.shutdown().await;
            Ok(0)
        }
    }
}

#[cfg(test)]
mod banner_tests {
    use super::*;

    #[tokio::test]
    async fn the_banner_is_lines_a_shell_can_run() {
        let handle = sim::start(
            SimOptions::default(),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        )
        .await
        .unwrap();
        let text = banner(&handle, false);
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(text.lines().all(|l| l.starts_with("export TIX_")), "{text}");
        assert!(
            text.contains(&format!(
                "export TIX_SONAR_URL={} TIX_SONAR_API_KEY=sim\n",
                handle.base_url("sonar")
            )),
            "{text}"
        );
        let chosen = banner(&handle, true);
        assert!(!chosen.contains("API_KEY="), "{chosen}");
        handle.shutdown().await;
    }
}
