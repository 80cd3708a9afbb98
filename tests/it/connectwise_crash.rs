//! `tix sync --to connectwise --concurrency 8` killed (SIGKILL) at twenty seeded random
//! moments while tickets keep arriving and changing, then one clean run: every Sonar
//! ticket is exactly one ConnectWise ticket and every mark tix writes (a comment, a
//! state change) is in its ticket's notes exactly once, whatever was in flight or
//! pushed but not committed when the process died. The kill times vary; the outcome
//! checked does not depend on them.

use serde_json::Value;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tix_sim::{self as sim, SimOptions};

const API: &str = "/v2025_1/apis/3.0";

async fn cw_list(cw_base: &str, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let resp = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{cw_base}{API}{path}"))
            .query(query)
            .query(&[("pageSize", "1000"), ("page", &page.to_string())])
            .basic_auth("acme+pub-key", Some("priv-key"))
            .header("clientId", crate::connectwise::CLIENT_ID)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let items: Vec<Value> = resp.json().await.unwrap();
        let done = items.len() < 1000;
        out.extend(items);
        if done {
            break;
        }
    }
    out
}

/// Every `[tix:…]` mark in `text`.
fn marks(text: &str) -> Vec<String> {
    text.match_indices("[tix:")
        .filter_map(|(at, _)| {
            text[at..]
                .find(']')
                .map(|end| text[at..at + end + 1].to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_kills_at_random_moments_with_concurrency_8_leave_no_duplicate() {
    let sim = sim::start(
        SimOptions {
            tickets: 40,
            latency: Duration::from_millis(10),
            ..SimOptions::default()
        },
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let cw_base = sim.base_url("connectwise");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sync.db").display().to_string();
    let mut env = crate::connectwise::env(&cw_base);
    env.push(("TIX_SONAR_URL", sim.base_url("sonar")));
    env.push(("TIX_SONAR_API_KEY", "e2e-key".into()));
    let args = [
        "sync",
        "--provider",
        "sonar",
        "--state",
        &state,
        "--to",
        "connectwise",
        "--board",
        "Security Operations",
        "--status",
        "New (MSSP)",
        "--company",
        "ACME",
        "--concurrency",
        "8",
    ];
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let churn = format!("http://{}/_sim/churn?new=3&updates=3", sim.addr());
    // A fixed-seed LCG: the same kill moments on every run of the test.
    let mut seed: u64 = 0x5EED_0017;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let home = tempfile::tempdir().unwrap();
    // The newest version churn made: a version of a ticket changed twice in one second
    // is stamped a second ahead, and a window ends at its run's start.
    let mut newest = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    for _ in 0..20 {
        let resp = http.post(&churn).send().await.unwrap();
        assert!(resp.status().is_success(), "churn: {}", resp.status());
        let made: Vec<Value> = resp.json().await.unwrap();
        for v in made {
            let at: chrono::DateTime<chrono::Utc> = v["updated"].as_str().unwrap().parse().unwrap();
            newest = newest.max(at);
        }
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tix"));
        cmd.args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let after = Duration::from_millis(next() % 1200);
        tokio::select! {
            _ = child.wait() => {}
            _ = tokio::time::sleep(after) => {
                child.start_kill().unwrap();
                child.wait().await.unwrap();
            }
        }
    }
    // One clean run, once every version churn made is in the past, finishes the work.
    while chrono::Utc::now() <= newest {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = crate::harness::run(&args, &pairs).await;
    assert!(o.status.success(), "{}", crate::harness::stderr(&o));
    let status = crate::harness::run(&["sync", "status", "--state", &state], &pairs).await;
    let last_run = format!(
        "{}\n{}",
        crate::harness::stderr(&o),
        crate::harness::stdout(&status)
    );

    let sonar_ids: Vec<String> = {
        let o = crate::harness::run(
            &["list", "-p", "sonar", "--limit", "all", "-o", "json"],
            &pairs,
        )
        .await;
        assert!(o.status.success(), "{}", crate::harness::stderr(&o));
        let v: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
        v.iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(sonar_ids.len(), 40 + 20 * 3, "every churned ticket listed");
    let on_board = cw_list(
        &cw_base,
        "/service/tickets",
        &[("conditions", "board/id=12")],
    )
    .await;
    let mut per_xref: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for t in &on_board {
        per_xref
            .entry(t["externalXRef"].as_str().unwrap_or("").to_owned())
            .or_default()
            .push(t["id"].as_u64().unwrap());
    }
    for id in &sonar_ids {
        let ids = per_xref.get(&format!("tix:sonar:{id}")).unwrap_or_else(|| {
            panic!(
                "sonar {id} never reached ConnectWise ({} of {} did); last run: {last_run}",
                per_xref.len(),
                sonar_ids.len()
            )
        });
        assert_eq!(ids.len(), 1, "sonar {id} is ConnectWise tickets {ids:?}");
    }
    assert_eq!(on_board.len(), sonar_ids.len());
    for t in &on_board {
        let cw_id = t["id"].as_u64().unwrap();
        let notes = cw_list(&cw_base, &format!("/service/tickets/{cw_id}/notes"), &[]).await;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for n in &notes {
            for m in marks(n["text"].as_str().unwrap_or("")) {
                *seen.entry(m).or_default() += 1;
            }
        }
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            twice.is_empty(),
            "ticket {cw_id}: marks written twice: {twice:?}"
        );
    }
}
