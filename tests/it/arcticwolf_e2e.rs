//! The real binary against `tix sim`'s Arctic Wolf: five organizations in three pods behind
//! one MSP key, merged into one list; a failing pod; the verbs on one ticket.

use crate::harness::{KEY, code, lines, run, stderr, stdout};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use tix_sim::{self as sim, SimHandle, SimOptions};

async fn simulator(tickets: usize, fail_pods: &[&str]) -> SimHandle {
    let opts = SimOptions {
        tickets,
        api_key: Some(KEY.into()),
        fail_pods: fail_pods.iter().map(|p| p.to_string()).collect(),
        ..SimOptions::default()
    };
    sim::start(opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

async fn tix_aw(sim: &SimHandle, args: &[&str]) -> std::process::Output {
    let url = sim.base_url("arcticwolf");
    run(
        args,
        &[
            ("TIX_ARCTICWOLF_URL", url.as_str()),
            ("TIX_ARCTICWOLF_API_KEY", KEY),
        ],
    )
    .await
}

/// Organization id → (name, pod), as `tix orgs` prints them.
async fn orgs(sim: &SimHandle) -> HashMap<String, (String, String)> {
    let o = tix_aw(sim, &["orgs", "--provider", "arcticwolf", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    lines(&o)
        .into_iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                (
                    r["name"].as_str().unwrap().to_owned(),
                    r["pod"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

fn check_tenant(t: &Value, orgs: &HashMap<String, (String, String)>) {
    let (org, number) = t["id"].as_str().unwrap().split_once('/').unwrap();
    assert_eq!(t["number"], number);
    let (name, pod) = &orgs[org];
    assert_eq!(t["tenant"]["id"], org, "{t}");
    assert_eq!(t["tenant"]["name"], name.as_str(), "{t}");
    assert_eq!(t["tenant"]["pod"], pod.as_str(), "{t}");
}

#[tokio::test(flavor = "multi_thread")]
async fn three_pods_five_orgs_1500_tickets_each_once_with_its_tenant() {
    let sim = simulator(1500, &[]).await;
    let orgs = orgs(&sim).await;
    assert_eq!(orgs.len(), 5);
    let pods: HashSet<&str> = orgs.values().map(|(_, p)| p.as_str()).collect();
    assert_eq!(pods.len(), 3);
    let o = tix_aw(&sim, &["list", "--provider", "arcticwolf", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let items = lines(&o);
    assert_eq!(items.len(), 1500);
    let ids: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1500);
    for t in &items {
        check_tenant(t, &orgs);
    }
    let per_org: HashSet<&str> = items
        .iter()
        .map(|t| t["tenant"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(per_org.len(), 5);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_pod_warns_once_and_the_others_print_with_exit_6() {
    let sim = simulator(1500, &["eu001"]).await;
    let orgs = orgs(&sim).await;
    let o = tix_aw(
        &sim,
        &[
            "--retries",
            "1",
            "list",
            "--provider",
            "arcticwolf",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    let items = lines(&o);
    let in_eu = orgs.values().filter(|(_, p)| p == "eu001").count();
    assert_eq!(in_eu, 2);
    assert_eq!(items.len(), 1500 / 5 * 3);
    for t in &items {
        check_tenant(t, &orgs);
        assert_ne!(t["tenant"]["pod"], "eu001");
    }
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("pod eu001") && err.contains("503"), "{err}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_comment_close_and_attach_get_on_one_ticket() {
    let sim = simulator(20, &[]).await;
    let o = tix_aw(
        &sim,
        &[
            "list",
            "--provider",
            "arcticwolf",
            "--org",
            "Acme Logistics",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 4);
    // Even numbers carry one attachment, `number * 10 + 1` (the simulator's dataset).
    let t = items
        .iter()
        .find(|t| t["number"].as_str().unwrap().parse::<u64>().unwrap() % 2 == 0)
        .unwrap();
    let id = t["id"].as_str().unwrap();
    let number: u64 = t["number"].as_str().unwrap().parse().unwrap();

    let o = tix_aw(
        &sim,
        &["comment", "arcticwolf", id, "Seen, thanks.", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = tix_aw(&sim, &["close", "arcticwolf", id, "--comment", "Benign."]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = tix_aw(&sim, &["get", "arcticwolf", id, "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let got: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(got["status"], "closed");
    assert_eq!(got["tenant"]["name"], "Acme Logistics");
    let bodies: Vec<&str> = got["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert!(
        bodies.ends_with(&["Seen, thanks.", "Benign."]),
        "{bodies:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let aid = (number * 10 + 1).to_string();
    let o = tix_aw(
        &sim,
        &[
            "attach",
            "get",
            "arcticwolf",
            id,
            &aid,
            "--to",
            dir.path().to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let file = dir.path().join(format!("evidence-{number}.txt"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("ticket {number}")), "{text}");
    let o = tix_aw(&sim, &["get", "arcticwolf", &format!("{}/1", &id[..36])]).await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn churned_tickets_list_with_the_versions_the_simulator_records() {
    let sim = simulator(20, &[]).await;
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://{}", sim.addr());
    let made: Vec<Value> = c
        .post(format!("{base}/_sim/churn?new=3&updates=2"))
        .send()
        .await
        .unwrap()
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v["provider"] == "arcticwolf")
        .collect();
    assert_eq!(made.len(), 5);
    let versions: Vec<Value> = c
        .get(format!("{base}/_sim/versions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let o = tix_aw(&sim, &["list", "--provider", "arcticwolf", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let printed: HashMap<String, chrono::DateTime<chrono::Utc>> = lines(&o)
        .iter()
        .map(|t| {
            let at: chrono::DateTime<chrono::Utc> = t["updated"].as_str().unwrap().parse().unwrap();
            (t["id"].as_str().unwrap().to_owned(), at)
        })
        .collect();
    assert_eq!(printed.len(), 23);
    for v in &made[..3] {
        assert!(printed.contains_key(v["id"].as_str().unwrap()), "{v}");
    }
    // Each changed ticket's latest version is what tix prints, to the second.
    let mut latest: HashMap<&str, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for v in &versions {
        let at = v["updated"].as_str().unwrap().parse().unwrap();
        let e = latest.entry(v["id"].as_str().unwrap()).or_insert(at);
        *e = (*e).max(at);
    }
    for v in &made[3..] {
        let id = v["id"].as_str().unwrap();
        assert_eq!(printed[id].timestamp(), latest[id].timestamp(), "{id}");
    }
    sim.shutdown().await;
}
