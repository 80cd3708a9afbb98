//! The real binary against the in-process simulator (`tix_sim`).

use crate::harness::{KEY, code, lines, run, stderr, stdout};
use std::collections::HashSet;
use std::net::SocketAddr;
use tix_sim::{self as sim, SimHandle, SimOptions};

async fn simulator(opts: SimOptions) -> SimHandle {
    sim::start(opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

async fn tix_sonar(sim: &SimHandle, args: &[&str]) -> std::process::Output {
    let url = sim.base_url("sonar");
    run(
        args,
        &[("TIX_SONAR_URL", url.as_str()), ("TIX_SONAR_API_KEY", KEY)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_through_every_ticket_once() {
    let sim = simulator(SimOptions {
        tickets: 2345,
        ..SimOptions::default()
    })
    .await;
    let o = tix_sonar(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--page-size",
            "100",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 2345);
    let ids: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2345);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_hold_on_every_ticket() {
    let sim = simulator(SimOptions::default()).await;
    let o = tix_sonar(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--status",
            "closed",
            "--priority",
            "high",
            "-o",
            "jsonl",
        ],
    )
    .await;
    let items = ok_lines(&o);
    for t in &items {
        assert_eq!(t["status"], "closed");
        assert_eq!(t["priority"], "high");
    }
    let o = tix_sonar(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--since",
            "2026-10-15",
            "-o",
            "jsonl",
        ],
    )
    .await;
    let since = ok_lines(&o);
    for t in &since {
        assert!(t["created"].as_str().unwrap() >= "2026-10-15", "{t}");
    }
    let o = tix_sonar(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--sort",
            "created",
            "--order",
            "asc",
            "-o",
            "jsonl",
        ],
    )
    .await;
    let created: Vec<String> = ok_lines(&o)
        .iter()
        .map(|t| t["created"].as_str().unwrap().to_owned())
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "sorted ascending");
    assert!(
        created.len() > since.len(),
        "--since filtered nothing: {} of {}",
        since.len(),
        created.len()
    );
    sim.shutdown().await;
}

/// The JSON Lines of a command that succeeded and printed at least one ticket; a filter
/// test that passed on a failed or empty listing would show nothing.
fn ok_lines(o: &std::process::Output) -> Vec<serde_json::Value> {
    assert_eq!(code(o), 0, "{}", stderr(o));
    let items = lines(o);
    assert!(!items.is_empty(), "nothing printed: {}", stderr(o));
    items
}

#[tokio::test(flavor = "multi_thread")]
async fn get_and_not_found() {
    let sim = simulator(SimOptions::default()).await;
    let o = tix_sonar(
        &sim,
        &["list", "--provider", "sonar", "--limit", "1", "-o", "jsonl"],
    )
    .await;
    let id = lines(&o)[0]["id"].as_str().unwrap().to_owned();
    let o = tix_sonar(&sim, &["get", "sonar", &id, "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(t["id"], id.as_str());
    assert!(t["comments"].is_array());
    let o = tix_sonar(
        &sim,
        &["get", "sonar", "00000000-0000-4000-8000-000000000000"],
    )
    .await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_is_exit_3() {
    let sim = simulator(SimOptions {
        api_key: Some("the-right-key".into()),
        ..SimOptions::default()
    })
    .await;
    let o = tix_sonar(&sim, &["list", "--provider", "sonar"]).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(!stderr(&o).contains(KEY));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_at_twenty_percent_lose_and_duplicate_nothing() {
    let sim = simulator(SimOptions {
        tickets: 3000,
        fault_rate: 0.2,
        fault_seed: 7,
        ..SimOptions::default()
    })
    .await;
    let o = tix_sonar(
        &sim,
        &[
            "--retries",
            "12",
            "list",
            "--provider",
            "sonar",
            "--page-size",
            "100",
            "--concurrency",
            "4",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    let ids: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(items.len(), 3000);
    assert_eq!(ids.len(), 3000);
    let stats: serde_json::Value = reqwest::get(format!("http://{}/_sim/stats", sim.addr()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let faults: u64 = stats["faults"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.as_u64())
        .sum();
    assert!(faults > 0, "faults were injected: {stats}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_at_a_fixed_width() {
    let sim = simulator(SimOptions::default()).await;
    let url = sim.base_url("sonar");
    let o = run(
        &["list", "--provider", "sonar", "--limit", "8", "-o", "table"],
        &[
            ("TIX_SONAR_URL", url.as_str()),
            ("TIX_SONAR_API_KEY", KEY),
            ("COLUMNS", "150"),
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_has_a_header_and_one_row_per_ticket() {
    let sim = simulator(SimOptions::default()).await;
    let o = tix_sonar(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--limit",
            "5",
            "-o",
            "csv",
            "--fields",
            "id,status,tenant.name",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], "id,status,tenant.name");
    assert_eq!(rows.len(), 6);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_runs_with_no_config() {
    let o = run(&["demo"], &[]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Recent tickets") && out.contains("tix list --provider sonar"),
        "{out}"
    );
    assert!(out.contains("One ticket in full"), "{out}");
}

#[test]
fn sim_prints_its_address_first() {
    use std::io::BufRead;
    let bin = assert_cmd::cargo::cargo_bin("tix");
    let mut child = std::process::Command::new(bin)
        .args(["sim", "--port", "0", "--tickets", "10"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let addr = first.trim();
    assert!(addr.starts_with("http://127.0.0.1:"), "{addr}");
    assert!(!addr.ends_with(":0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_failing_provider_of_two_is_reported_once_and_exits_6() {
    let sim = simulator(SimOptions {
        tickets: 30,
        api_key: Some(KEY.into()),
        ..SimOptions::default()
    })
    .await;
    let (sonar, argus) = (sim.base_url("sonar"), sim.base_url("argus"));
    let env = [
        ("TIX_SONAR_URL", sonar.as_str()),
        ("TIX_SONAR_API_KEY", KEY),
        ("TIX_ARGUS_URL", argus.as_str()),
        ("TIX_ARGUS_API_KEY", "a-key-the-simulator-refuses"),
    ];
    let o = run(&["list", "--provider", "sonar,argus", "-o", "jsonl"], &env).await;
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 30);
    let err = stderr(&o);
    assert_eq!(
        err.lines().count(),
        1,
        "one line for the one failure: {err}"
    );
    assert!(err.contains("argus"), "{err}");

    // Every provider failing outright: the first failure's own exit code (3, auth).
    let env = [
        ("TIX_SONAR_URL", sonar.as_str()),
        ("TIX_SONAR_API_KEY", "refused-too"),
        env[2],
        env[3],
    ];
    let o = run(&["list", "--provider", "sonar,argus", "-o", "jsonl"], &env).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 2, "{}", stderr(&o));
    sim.shutdown().await;
}
