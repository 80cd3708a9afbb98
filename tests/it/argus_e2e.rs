//! The real binary against the simulated Argus (`tix sim`, in-process): the verbs one
//! after another on the same case, the way an analyst uses them.

use crate::harness::{KEY, code, lines, run, stderr, stdout};
use serde_json::Value;
use std::collections::HashSet;
use std::net::SocketAddr;
use tix_sim::{self as sim, SimHandle, SimOptions};

async fn simulator(tickets: usize) -> SimHandle {
    sim::start(
        SimOptions {
            tickets,
            api_key: Some(KEY.into()),
            ..SimOptions::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap()
}

async fn tix(sim: &SimHandle, args: &[&str]) -> std::process::Output {
    let url = sim.base_url("argus");
    let o = run(
        args,
        &[("TIX_ARGUS_URL", url.as_str()), ("TIX_ARGUS_API_KEY", KEY)],
    )
    .await;
    assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
    o
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_1234_cases_each_once() {
    let sim = simulator(1234).await;
    let o = tix(&sim, &["list", "--provider", "argus", "-o", "jsonl"]).await;
    let items = lines(&o);
    assert_eq!(items.len(), 1234);
    let ids: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1234);
    // Newest first, and closedTimestamp 0 never shows as 1970.
    assert!(items[0]["id"].as_str() > items[1]["id"].as_str());
    for t in &items {
        assert_eq!(t["closed"].is_null(), t["status"] != "closed", "{t}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn status_and_exclude_filters_hold_on_every_case() {
    let sim = simulator(300).await;
    let o = tix(
        &sim,
        &[
            "list",
            "--provider",
            "argus",
            "--status",
            "waiting_customer,closed",
            "--exclude-status",
            "closed",
            "--priority",
            "high,critical",
            "-o",
            "jsonl",
        ],
    )
    .await;
    let items = lines(&o);
    assert!(!items.is_empty());
    for t in &items {
        assert_eq!(t["status"], "waiting_customer", "{t}");
        assert!(
            t["priority"] == "high" || t["priority"] == "critical",
            "{t}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_get_comment_close_get_shows_the_change() {
    let sim = simulator(50).await;
    let o = tix(
        &sim,
        &[
            "list",
            "--provider",
            "argus",
            "--exclude-status",
            "closed,resolved",
            "--limit",
            "1",
            "-o",
            "jsonl",
        ],
    )
    .await;
    let id = lines(&o)[0]["id"].as_str().unwrap().to_owned();
    let before = json(&tix(&sim, &["get", "argus", &id, "-o", "json"]).await);
    assert_ne!(before["status"], "closed");
    assert!(before["closed"].is_null());
    let n = before["comments"].as_array().unwrap().len();

    let o = tix(
        &sim,
        &[
            "comment",
            "argus",
            &id,
            "Blocked at the proxy",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(lines(&o)[0]["body"], "Blocked at the proxy");
    tix(
        &sim,
        &["close", "argus", &id, "--comment", "Resolved, closing"],
    )
    .await;

    let after = json(&tix(&sim, &["get", "argus", &id, "-o", "json"]).await);
    assert_eq!(after["status"], "closed");
    assert_eq!(after["status_raw"], "closed");
    assert!(after["closed"].is_string(), "{after}");
    let bodies: Vec<&str> = after["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), n + 2);
    assert!(bodies.contains(&"Blocked at the proxy") && bodies.contains(&"Resolved, closing"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_update_attach_and_tag_round_trip() {
    let sim = simulator(10).await;
    let created = json(
        &tix(
            &sim,
            &[
                "create",
                "argus",
                "--customer",
                "acme-logistics",
                "--service",
                "support",
                "--type",
                "operationalIncident",
                "--subject",
                "Log source stopped",
                "--description",
                "No events from fw01 since 02:00",
                "--priority",
                "high",
                "--restricted",
                "-o",
                "json",
            ],
        )
        .await,
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["tenant"]["name"], "Acme Logistics");
    assert_eq!(created["status"], "open");

    let updated = json(
        &tix(
            &sim,
            &[
                "update",
                "argus",
                &id,
                "--status",
                "waiting_provider",
                "--priority",
                "low",
                "-o",
                "json",
            ],
        )
        .await,
    );
    assert_eq!(updated["status_raw"], "pendingVendor");
    assert_eq!(updated["priority"], "low");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fw01.log");
    std::fs::write(&file, b"\x00binary\xffbytes").unwrap();
    tix(
        &sim,
        &["attach", "add", "argus", &id, file.to_str().unwrap()],
    )
    .await;
    let o = tix(&sim, &["attach", "list", "argus", &id, "-o", "jsonl"]).await;
    let listed = lines(&o);
    assert_eq!(listed[0]["name"], "fw01.log");
    assert_eq!(listed[0]["content_type"], "text/plain");
    let aid = listed[0]["id"].as_str().unwrap().to_owned();
    let out = dir.path().join("copy.log");
    tix(
        &sim,
        &[
            "attach",
            "get",
            "argus",
            &id,
            &aid,
            "--to",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(std::fs::read(&out).unwrap(), b"\x00binary\xffbytes");

    let o = tix(
        &sim,
        &[
            "tags",
            "add",
            "argus",
            &id,
            "campaign/phishing",
            "customer/vip",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(lines(&o).len(), 2);
    tix(&sim, &["tags", "rm", "argus", &id, "campaign/phishing"]).await;
    let o = tix(&sim, &["tags", "list", "argus", &id, "-o", "jsonl"]).await;
    let tags: Vec<Value> = lines(&o).into_iter().map(|t| t["tag"].clone()).collect();
    assert_eq!(tags, vec![Value::from("customer/vip")]);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_exit_3_and_an_unknown_case_exit_4() {
    let sim = simulator(5).await;
    let url = sim.base_url("argus");
    let o = run(
        &["list", "--provider", "argus"],
        &[
            ("TIX_ARGUS_URL", url.as_str()),
            ("TIX_ARGUS_API_KEY", "wrong"),
        ],
    )
    .await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Authentication failed"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &["get", "argus", "42"],
        &[("TIX_ARGUS_URL", url.as_str()), ("TIX_ARGUS_API_KEY", KEY)],
    )
    .await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn churned_cases_list_with_the_versions_the_simulator_made() {
    let sim = simulator(20).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://{}", sim.addr());
    let made: Vec<Value> = http
        .post(format!("{base}/_sim/churn?new=3&updates=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let made: Vec<&str> = made
        .iter()
        .filter(|v| v["provider"] == "argus")
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(made.len(), 5, "{made:?}");
    let versions: Vec<Value> = http
        .get(format!("{base}/_sim/versions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secs = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp()
    };

    let o = tix(&sim, &["list", "--provider", "argus", "-o", "jsonl"]).await;
    let items = lines(&o);
    assert_eq!(items.len(), 23);
    let listed: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    for id in &made[..3] {
        assert!(listed.contains(id), "new case {id} not listed");
    }
    for id in &made[3..] {
        let latest = versions
            .iter()
            .filter(|v| v["provider"] == "argus" && v["id"] == *id)
            .map(|v| secs(&v["updated"]))
            .max()
            .unwrap();
        let item = items.iter().find(|t| t["id"] == *id).unwrap();
        assert_eq!(secs(&item["updated"]), latest, "{id}: {item}");
    }
    sim.shutdown().await;
}
