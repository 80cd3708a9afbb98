//! `tix list --sort` over several providers: one merged, sorted answer, `--limit` after
//! the merge, the same bytes on every run.

use crate::harness::{KEY, code, lines, run, stderr};
use std::cmp::Ordering;
use std::net::SocketAddr;
use tix_sim::{self as sim, SimOptions};

/// The documented tie-break on ids: numbers as numbers, before any text id.
fn id_cmp(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sort_and_limit_over_two_providers_is_the_head_of_the_merged_sorted_set() {
    let sim = sim::start(SimOptions::default(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let (sonar, argus) = (sim.base_url("sonar"), sim.base_url("argus"));
    let env = [
        ("TIX_SONAR_URL", sonar.as_str()),
        ("TIX_SONAR_API_KEY", KEY),
        ("TIX_ARGUS_URL", argus.as_str()),
        ("TIX_ARGUS_API_KEY", KEY),
    ];
    // The whole set, unsorted, from each provider alone.
    let mut all = Vec::new();
    for p in ["sonar", "argus"] {
        let o = run(&["list", "--provider", p, "-o", "jsonl"], &env).await;
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        all.extend(lines(&o));
    }
    assert!(all.len() > 40);
    let key = |t: &serde_json::Value| {
        (
            t["updated"].as_str().map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .unwrap()
                    .with_timezone(&chrono::Utc)
            }),
            t["provider"].as_str().unwrap().to_owned(),
            t["id"].as_str().unwrap().to_owned(),
        )
    };
    all.sort_by(|a, b| {
        let (ua, pa, ia) = key(a);
        let (ub, pb, ib) = key(b);
        ub.cmp(&ua).then(pa.cmp(&pb)).then_with(|| id_cmp(&ia, &ib))
    });
    let expected: Vec<String> = all
        .iter()
        .take(20)
        .map(|t| format!("{}:{}", t["provider"], t["id"]))
        .collect();
    // The head of the merged set draws on both providers, so a merge is what is tested.
    assert!(expected.iter().any(|s| s.starts_with("\"sonar\"")));
    assert!(expected.iter().any(|s| s.starts_with("\"argus\"")));

    let argv = [
        "list",
        "--provider",
        "sonar,argus",
        "--sort",
        "updated",
        "--limit",
        "20",
        "-o",
        "jsonl",
    ];
    let first = run(&argv, &env).await;
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let got: Vec<String> = lines(&first)
        .iter()
        .map(|t| format!("{}:{}", t["provider"], t["id"]))
        .collect();
    assert_eq!(got, expected);
    for _ in 1..5 {
        let again = run(&argv, &env).await;
        assert_eq!(code(&again), 0, "{}", stderr(&again));
        assert_eq!(
            again.stdout, first.stdout,
            "the same data gives the same bytes"
        );
    }
    sim.shutdown().await;
}
