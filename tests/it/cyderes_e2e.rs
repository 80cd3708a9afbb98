//! The real binary against the simulated Cyderes (`tix_sim`): every verb, the 777-ticket list,
//! `--limit 300` as two requests, and an attachment round trip.

use crate::harness::{KEY, code, lines, run, stderr, stdout};
use serde_json::Value;
use std::collections::HashSet;
use std::net::SocketAddr;
use tix_sim::{self as sim, SimHandle, SimOptions};

const AUTHOR: &str = "Ada Lovelace";

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
    let url = sim.base_url("cyderes");
    run(
        args,
        &[
            ("TIX_CYDERES_URL", url.as_str()),
            ("TIX_CYDERES_TOKEN", KEY),
            ("TIX_CYDERES_AUTHOR", AUTHOR),
        ],
    )
    .await
}

async fn list_requests(sim: &SimHandle) -> u64 {
    let stats: Value = reqwest::get(format!("http://{}/_sim/stats", sim.addr()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["requests"]["GET /cyderes/v2/tickets"]
        .as_u64()
        .unwrap_or(0)
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[tokio::test(flavor = "multi_thread")]
async fn all_777_tickets_of_every_type_and_limit_300_in_two_requests() {
    let sim = simulator(777).await;
    let o = tix(&sim, &["list", "--provider", "cyderes", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 777);
    let ids: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 777);
    let types: HashSet<&str> = items.iter().map(|t| t["type"].as_str().unwrap()).collect();
    assert_eq!(types.len(), 5, "{types:?}");
    assert!(
        items
            .iter()
            .all(|t| t["created"].is_string() && t["status"] != "unknown")
    );
    // Without a total, a short page proves nothing: the empty page after it ends.
    assert_eq!(list_requests(&sim).await, 5, "250 + 250 + 250 + 27 + 0");

    let o = tix(
        &sim,
        &[
            "list",
            "--provider",
            "cyderes",
            "--limit",
            "300",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 300);
    assert_eq!(list_requests(&sim).await, 5 + 2, "250 + 50");

    let o = tix(
        &sim,
        &[
            "list",
            "--provider",
            "cyderes",
            "--escalated-only",
            "--type",
            "alert",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let escalated = lines(&o);
    assert!(
        !escalated.is_empty() && escalated.len() < 300,
        "{}",
        escalated.len()
    );
    assert!(escalated.iter().all(|t| t["type"] == "alert"));

    let o = tix(
        &sim,
        &[
            "list",
            "--provider",
            "cyderes",
            "--time-field",
            "updated",
            "--since",
            "2026-10-20T12:00:00Z",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let recent = lines(&o);
    assert!(!recent.is_empty());
    assert!(
        recent
            .iter()
            .all(|t| t["updated"].as_str().unwrap() >= "2026-10-20T12:00:00Z")
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_comment_close_and_create() {
    let sim = simulator(40).await;
    let o = tix(&sim, &["get", "cyderes", "CYDERES-000040", "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = json(&o);
    assert_eq!(t["id"], "CYDERES-000040");
    assert_eq!(t["number"], "SIR0000040");
    assert!(t["comments"].is_array());

    let o = tix(
        &sim,
        &[
            "comment",
            "cyderes",
            "CYDERES-000040",
            "Owner confirmed the login.",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = tix(
        &sim,
        &[
            "close",
            "cyderes",
            "CYDERES-000040",
            "--comment",
            "Benign & expected: 100% sure",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = json(&tix(&sim, &["get", "cyderes", "CYDERES-000040", "-o", "json"]).await);
    assert_eq!(t["status"], "closed");
    let bodies: Vec<(&str, &str)> = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["author"].as_str().unwrap(), c["body"].as_str().unwrap()))
        .collect();
    assert!(
        bodies.contains(&(AUTHOR, "Owner confirmed the login.")),
        "{bodies:?}"
    );
    assert!(
        bodies
            .iter()
            .any(|(_, b)| *b == "Benign & expected: 100% sure"),
        "{bodies:?}"
    );

    let o = tix(
        &sim,
        &[
            "create",
            "cyderes",
            "--subject",
            "Allow-list the new scanner",
            "--description",
            "10.9.8.7 scans weekly.",
            "--priority",
            "low",
            "--category",
            "Network",
            "--type",
            "Change",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = json(&o);
    assert_eq!(t["id"], "CYDERES-000041");
    assert_eq!(t["title"], "Allow-list the new scanner");
    assert_eq!(t["type"], "service_request");
    assert_eq!(t["priority"], "low");

    let o = tix(&sim, &["get", "cyderes", "CYDERES-999999"]).await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_2_mb_attachment_round_trips_byte_for_byte() {
    let sim = simulator(10).await;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("memory-dump.bin");
    let bytes: Vec<u8> = (0..2_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&src, &bytes).unwrap();
    let o = tix(
        &sim,
        &[
            "attach",
            "add",
            "cyderes",
            "CYDERES-000003",
            src.to_str().unwrap(),
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = lines(&o)[0]["id"].as_str().unwrap().to_owned();

    let o = tix(
        &sim,
        &["attach", "list", "cyderes", "CYDERES-000003", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        lines(&o)
            .iter()
            .any(|a| a["id"] == id.as_str() && a["name"] == "memory-dump.bin")
    );
    assert!(
        stdout(&o).len() < 10_000,
        "the inline bytes are not printed"
    );

    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let o = tix(
        &sim,
        &[
            "attach",
            "get",
            "cyderes",
            "CYDERES-000003",
            &id,
            "--to",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let saved = out.join("memory-dump.bin");
    assert_eq!(stdout(&o).trim(), saved.display().to_string());
    assert!(std::fs::read(&saved).unwrap() == bytes, "identical bytes");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn iocs_print_the_misp_attributes() {
    let sim = simulator(200).await;
    let o = tix(&sim, &["iocs", "--provider", "cyderes", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let last_week = lines(&o);
    assert!(!last_week.is_empty());
    assert!(
        last_week
            .iter()
            .all(|i| i["timestamp"].as_str().unwrap() >= "2026-10-25")
    );
    let o = tix(
        &sim,
        &[
            "iocs",
            "--provider",
            "cyderes",
            "--since",
            "2026-09-01",
            "--until",
            "2026-10-01",
            "-o",
            "csv",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("provider,id,uuid,event_id,event_info,category,type,value"),
        "{out}"
    );
    assert!(out.lines().count() > 2);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_token_is_exit_3() {
    let sim = simulator(5).await;
    let url = sim.base_url("cyderes");
    let o = run(
        &["list", "--provider", "cyderes"],
        &[
            ("TIX_CYDERES_URL", url.as_str()),
            ("TIX_CYDERES_TOKEN", "not-the-key"),
        ],
    )
    .await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("HTTP 403"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not-the-key"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_shows_cyderes() {
    let o = run(&["demo"], &[]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("tix list --provider cyderes") && out.contains("TIX_CYDERES_TOKEN=demo"),
        "{out}"
    );
    assert!(out.contains("CYDERES-"), "{out}");
}

fn at(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {v}"))
        .timestamp()
}

#[tokio::test(flavor = "multi_thread")]
async fn churned_tickets_are_listed_as_the_versions_say() {
    let sim = simulator(30).await;
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let made: Vec<Value> = c
        .post(format!("http://{}/_sim/churn?new=3&updates=2", sim.addr()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let changed: HashSet<&str> = made
        .iter()
        .filter(|v| v["provider"] == "cyderes")
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let o = tix(&sim, &["list", "--provider", "cyderes", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let listed: std::collections::HashMap<String, i64> = lines(&o)
        .iter()
        .map(|t| (t["id"].as_str().unwrap().to_owned(), at(&t["updated"])))
        .collect();
    assert_eq!(listed.len(), 33);
    for id in ["CYDERES-000031", "CYDERES-000032", "CYDERES-000033"] {
        assert!(changed.contains(id) && listed.contains_key(id), "{id}");
    }
    let versions: Vec<Value> = c
        .get(format!("http://{}/_sim/versions", sim.addr()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut latest = std::collections::HashMap::new();
    for v in versions.iter().filter(|v| v["provider"] == "cyderes") {
        let id = v["id"].as_str().unwrap();
        if changed.contains(id) {
            let e = latest.entry(id).or_insert(i64::MIN);
            *e = (*e).max(at(&v["updated"]));
        }
    }
    assert_eq!(latest.len(), changed.len());
    for (id, updated) in latest {
        assert_eq!(listed.get(id), Some(&updated), "{id}");
    }
    sim.shutdown().await;
}
