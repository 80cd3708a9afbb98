//! `--jq`: a table of filters over the simulator's tickets, each result checked against
//! what `jq -c` prints for the same input, computed here from `-o jsonl` independently.

use crate::every_provider::{simulator, tix};
use crate::harness::{code, stderr, stdout};
use serde_json::Value;

/// One JSON text as `jq -c` prints it (the simulator's texts hold no character that
/// jq and serde_json escape differently).
fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_of_filters_prints_what_jq_c_prints() {
    let sim = simulator(120).await;
    let base = ["list", "--provider", "sonar,argus", "--page-size", "25"];
    let list = |extra: &'static [&'static str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        args
    };
    let o = tix(&sim, &list(&["-o", "jsonl"]), &[]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    // The two providers' streams interleave as pages arrive; each result is compared
    // as a multiset, the order within one provider exactly.
    let raw: Vec<&str> = text.lines().collect();
    let tickets: Vec<Value> = raw
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(tickets.len(), 240);
    let field = |t: &Value, k: &str| compact(&t[k]);

    let mut open_lines: Vec<String> = raw
        .iter()
        .zip(&tickets)
        .filter(|(_, t)| t["status"] == "open")
        .map(|(l, _)| l.to_string())
        .collect();
    assert!(!open_lines.is_empty(), "the dataset has open tickets");
    let mut unique_priorities: Vec<String> = tickets
        .iter()
        .map(|t| t["priority"].as_str().unwrap().to_owned())
        .collect();
    unique_priorities.sort();
    unique_priorities.dedup();

    let cases: Vec<(&[&str], &str, Vec<String>)> = vec![
        (
            &["-o", "jsonl"],
            ".id",
            tickets.iter().map(|t| field(t, "id")).collect(),
        ),
        (
            &["-o", "jsonl"],
            r#"select(.status=="open")"#,
            std::mem::take(&mut open_lines),
        ),
        (
            &["-o", "jsonl"],
            "{id,title}",
            tickets
                .iter()
                .map(|t| {
                    format!(
                        "{{\"id\":{},\"title\":{}}}",
                        field(t, "id"),
                        field(t, "title")
                    )
                })
                .collect(),
        ),
        (
            &["-o", "jsonl"],
            r#".tenant.name // "none""#,
            tickets
                .iter()
                .map(|t| match &t["tenant"]["name"] {
                    Value::String(s) => compact(&Value::String(s.clone())),
                    _ => "\"none\"".to_owned(),
                })
                .collect(),
        ),
        (&["-o", "json"], "length", vec!["240".to_owned()]),
        (
            &["-o", "json"],
            ".[] | .id",
            tickets.iter().map(|t| field(t, "id")).collect(),
        ),
        (
            &["-o", "json"],
            "map(.priority) | unique",
            vec![compact(&serde_json::json!(unique_priorities))],
        ),
        (
            &[],
            ".provider",
            tickets.iter().map(|t| field(t, "provider")).collect(),
        ),
        (
            &["-o", "jsonl", "--fields", "id,status"],
            "keys",
            vec!["[\"id\",\"status\"]".to_owned(); 240],
        ),
    ];
    for (extra, filter, want) in cases {
        let mut args = list(extra);
        args.extend_from_slice(&["--jq", filter]);
        let o = tix(&sim, &args, &[]).await;
        assert_eq!(code(&o), 0, "{filter}: {}", stderr(&o));
        let mut got: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
        let mut want = want;
        got.sort();
        want.sort();
        assert_eq!(got, want, "--jq {filter} {extra:?}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_filter_is_one_line_before_any_request() {
    let sim = simulator(5).await;
    for (args, want) in [
        (vec!["--jq", ".id |"], "invalid value '.id |' for --jq: "),
        (vec!["--jq", "nosuch(1)"], "undefined filter 'nosuch'"),
        (
            vec!["-o", "csv", "--jq", ".id"],
            "only with -o json, jsonl or ocsf",
        ),
    ] {
        let mut full = vec!["list", "--provider", "sonar"];
        full.extend_from_slice(&args);
        let o = tix(&sim, &full, &[]).await;
        assert_eq!(code(&o), 2, "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{err}");
        assert_eq!(stdout(&o), "");
    }
    let stats: Value = reqwest::get(format!("http://{}/_sim/stats", sim.addr()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["requests"],
        serde_json::json!({}),
        "no request was made"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_filters_the_ticket_and_ocsf_filters_each_event() {
    let sim = simulator(5).await;
    let o = tix(
        &sim,
        &["list", "--provider", "sonar", "--limit", "1", "--jq", ".id"],
        &[],
    )
    .await;
    let id: String = serde_json::from_str(stdout(&o).trim()).unwrap();
    let o = tix(
        &sim,
        &[
            "get",
            "sonar",
            &id,
            "-o",
            "json",
            "--jq",
            "[.id, .provider]",
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("[\"{id}\",\"sonar\"]\n"));
    // The ticket goes in as `-o json` prints it: keys in schema order, as jq sees them.
    let o = tix(
        &sim,
        &[
            "get",
            "sonar",
            &id,
            "-o",
            "json",
            "--jq",
            "keys_unsorted[:2]",
        ],
        &[],
    )
    .await;
    assert_eq!(stdout(&o), "[\"provider\",\"id\"]\n");
    let o = tix(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "-o",
            "ocsf",
            "--jq",
            ".class_uid",
        ],
        &[],
    )
    .await;
    assert_eq!(stdout(&o), "2005\n".repeat(5));
    sim.shutdown().await;
}
