//! `tix stats`: the figures checked against a computation made here from `tix list -o
//! json` of the same simulator (fixed seed), and the chart snapshotted at 80 columns.

use crate::every_provider::{simulator, tix};
use crate::harness::{code, stderr, stdout};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Nearest rank: the value at rank ⌈p·n/100⌉ of the sorted values.
fn nearest_rank(sorted: &[i64], p: usize) -> Value {
    if sorted.is_empty() {
        return Value::Null;
    }
    let rank = ((p * sorted.len()) as f64 / 100.0).ceil() as usize;
    json!(sorted[rank.max(1) - 1])
}

fn secs(t: &Value) -> Option<i64> {
    t.as_str()
        .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp())
}

/// The groups one ticket counts in.
type GroupsOf = dyn Fn(&Value) -> Vec<String>;

/// The rows `tix stats -o json` should print for `tickets` grouped by `key`.
fn by_hand(tickets: &[Value], key: impl Fn(&Value) -> Vec<String>) -> Vec<Value> {
    let mut groups: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for t in tickets {
        for g in key(t) {
            groups.entry(g).or_default().push(t);
        }
    }
    let row = |group: &str, ts: &[&Value]| {
        let done = |t: &&&Value| matches!(t["status"].as_str(), Some("resolved" | "closed"));
        let closed: Vec<&&Value> = ts.iter().filter(done).collect();
        let mut spans: Vec<i64> = closed
            .iter()
            .filter_map(|t| Some(secs(&t["closed"])? - secs(&t["created"])?))
            .collect();
        spans.sort();
        let oldest = ts.iter().filter(|t| !done(t)).min_by_key(|t| {
            (
                secs(&t["created"]),
                t["provider"].to_string(),
                t["id"].to_string(),
            )
        });
        json!({
            "group": group,
            "count": ts.len(),
            "open": ts.len() - closed.len(),
            "closed": closed.len(),
            "median_close_secs": nearest_rank(&spans, 50),
            "p90_close_secs": nearest_rank(&spans, 90),
            "oldest_open_id": oldest.map(|t| t["id"].clone()),
            "oldest_open_provider": oldest.map(|t| t["provider"].clone()),
            "oldest_open_created": oldest.map(|t| t["created"].clone()),
        })
    };
    let mut rows: Vec<Value> = groups.iter().map(|(g, ts)| row(g, ts)).collect();
    rows.sort_by(|a, b| {
        b["count"]
            .as_u64()
            .cmp(&a["count"].as_u64())
            .then_with(|| a["group"].as_str().cmp(&b["group"].as_str()))
    });
    let all: Vec<&Value> = tickets.iter().collect();
    rows.push(row("total", &all));
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn figures_match_a_computation_from_the_list() {
    let sim = simulator(150).await;
    let providers = "sonar,argus,cyderes";
    for since in [None, Some("2026-10-01")] {
        let mut list = vec!["list", "--provider", providers, "-o", "json"];
        let mut stats = vec!["stats", "--provider", providers, "-o", "json"];
        if let Some(s) = since {
            list.extend(["--since", s]);
            stats.extend(["--since", s]);
        }
        let o = tix(&sim, &list, &[]).await;
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let tickets: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
        assert!(tickets.len() > 100, "{}", tickets.len());
        let keys: [(&str, Box<GroupsOf>); 5] = [
            (
                "status",
                Box::new(|t| vec![t["status"].as_str().unwrap().into()]),
            ),
            (
                "provider",
                Box::new(|t| vec![t["provider"].as_str().unwrap().into()]),
            ),
            (
                "priority",
                Box::new(|t| vec![t["priority"].as_str().unwrap().into()]),
            ),
            (
                "customer",
                Box::new(|t| {
                    let name = t["tenant"]["name"].as_str().or(t["tenant"]["id"].as_str());
                    vec![name.unwrap_or("(none)").into()]
                }),
            ),
            (
                "assignee",
                Box::new(|t| {
                    let names: Vec<String> = t["assignees"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().into())
                        .collect();
                    if names.is_empty() {
                        vec!["(unassigned)".into()]
                    } else {
                        names
                    }
                }),
            ),
        ];
        for (by, key) in keys {
            let mut args = stats.clone();
            args.extend(["--by", by]);
            let o = tix(&sim, &args, &[]).await;
            assert_eq!(code(&o), 0, "{}", stderr(&o));
            let got: Vec<Value> = serde_json::from_str(&stdout(&o)).unwrap();
            let want = by_hand(&tickets, key);
            assert_eq!(got, want, "--by {by} --since {since:?}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_and_chart_at_80_columns() {
    let sim = simulator(150).await;
    let o = tix(
        &sim,
        &[
            "stats",
            "--provider",
            "sonar,argus",
            "--by",
            "priority",
            "--chart",
        ],
        &[("COLUMNS", "80")],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    assert!(!out.contains('\x1b'));
    insta::assert_snapshot!(out);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_chart_when_piped_and_csv_has_a_header() {
    let sim = simulator(20).await;
    let o = tix(&sim, &["stats", "--provider", "sonar", "-o", "table"], &[]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("GROUP"), "{}", stdout(&o));
    assert!(!stdout(&o).contains('█'));
    let o = tix(
        &sim,
        &[
            "stats",
            "--provider",
            "sonar",
            "-o",
            "csv",
            "--by",
            "provider",
        ],
        &[],
    )
    .await;
    let csv = stdout(&o);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "group,count,open,closed,median_close_secs,p90_close_secs,oldest_open_id,oldest_open_provider,oldest_open_created"
        )
    );
    assert!(lines.next().unwrap().starts_with("sonar,20,"));
    assert!(lines.next().unwrap().starts_with("total,20,"));
    let o = tix(
        &sim,
        &["stats", "--provider", "sonar", "--by", "tenant"],
        &[],
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--by"), "{}", stderr(&o));
    sim.shutdown().await;
}
