//! The table, the detail view and the indicator table at 80, 120 and 200 columns,
//! against the simulator: what fits, what is left out, and that nothing is broken.

use crate::harness::{KEY, code, run, stderr, stdout};
use std::net::SocketAddr;
use tix_sim::{self as sim, SimHandle, SimOptions};

const WIDTHS: [&str; 3] = ["80", "120", "200"];

async fn simulator() -> SimHandle {
    sim::start(SimOptions::default(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

fn env(sim: &SimHandle) -> Vec<(String, String)> {
    vec![
        ("TIX_SONAR_URL".into(), sim.base_url("sonar")),
        ("TIX_SONAR_API_KEY".into(), KEY.into()),
        ("TIX_CYDERES_URL".into(), sim.base_url("cyderes")),
        ("TIX_CYDERES_TOKEN".into(), KEY.into()),
    ]
}

async fn tix(sim: &SimHandle, args: &[&str]) -> String {
    let env = env(sim);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let o = run(args, &env).await;
    assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
    stdout(&o)
}

fn widest(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn list_fits_80_120_and_200_columns() {
    let sim = simulator().await;
    let argv = |w: &'static str| {
        [
            "list",
            "--provider",
            "sonar",
            "--sort",
            "id",
            "--limit",
            "6",
            "-o",
            "table",
            "--width",
            w,
        ]
    };
    for w in WIDTHS {
        let out = tix(&sim, &argv(w)).await;
        insta::assert_snapshot!(format!("list_{w}"), out);
        assert!(widest(&out) <= w.parse().unwrap(), "{w}: {out}");
        let header = out.lines().next().unwrap();
        assert!(!header.contains('…'), "no header is cut at {w}: {header}");
        // Sonar's 36-character ids never print whole when fitting.
        assert!(
            !out.lines()
                .skip(2)
                .any(|l| l.split_whitespace().nth(1).is_some_and(|id| id.len() == 36))
        );
    }
    // Piped with no --width: nothing cut, ids whole.
    let out = tix(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--sort",
            "id",
            "--limit",
            "6",
            "-o",
            "table",
        ],
    )
    .await;
    assert!(!out.contains('…'), "{out}");
    assert!(
        out.lines()
            .skip(2)
            .all(|l| l.split_whitespace().nth(1).is_some_and(|id| id.len() == 36)),
        "{out}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_fits_80_120_and_200_columns() {
    let sim = simulator().await;
    let first = tix(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--sort",
            "id",
            "--limit",
            "1",
            "-o",
            "jsonl",
        ],
    )
    .await;
    let id = serde_json::from_str::<serde_json::Value>(first.trim()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for w in WIDTHS {
        let out = tix(&sim, &["get", "sonar", &id, "-o", "table", "--width", w]).await;
        insta::assert_snapshot!(format!("get_{w}"), out);
        assert!(widest(&out) <= w.parse().unwrap(), "{w}: {out}");
        assert!(!out.contains("null"), "{out}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn iocs_fit_by_leaving_out_columns_and_never_break_a_value() {
    let sim = simulator().await;
    let values: Vec<String> = tix(
        &sim,
        &[
            "iocs",
            "--provider",
            "cyderes",
            "--limit",
            "8",
            "-o",
            "jsonl",
        ],
    )
    .await
    .lines()
    .map(|l| {
        serde_json::from_str::<serde_json::Value>(l).unwrap()["value"]
            .as_str()
            .unwrap()
            .to_owned()
    })
    .collect();
    assert!(!values.is_empty());
    for w in WIDTHS {
        let out = tix(
            &sim,
            &[
                "iocs",
                "--provider",
                "cyderes",
                "--limit",
                "8",
                "-o",
                "table",
                "--width",
                w,
            ],
        )
        .await;
        insta::assert_snapshot!(format!("iocs_{w}"), out);
        assert_eq!(
            out.lines().count(),
            values.len() + 2,
            "one line per indicator at {w}"
        );
        for v in &values {
            assert!(out.contains(v.as_str()), "{v} whole at {w}:\n{out}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_gets_50_tickets_and_a_footer_a_pipe_gets_all() {
    let sim = simulator().await;
    let mut env = env(&sim);
    let count = |o: &std::process::Output| stdout(o).lines().count();
    let argv = ["list", "--provider", "sonar", "-o", "jsonl"];
    let piped = run(&argv, &as_refs(&env)).await;
    assert_eq!(code(&piped), 0, "{}", stderr(&piped));
    assert_eq!(count(&piped), 500);
    assert!(!stderr(&piped).contains("--limit"));

    env.push(("TIX_FORCE_TTY".into(), "1".into()));
    let tty = run(&argv, &as_refs(&env)).await;
    assert_eq!(code(&tty), 0, "{}", stderr(&tty));
    assert_eq!(count(&tty), 50);
    assert!(
        stderr(&tty).contains("showing the first 50 tickets: --limit N or --limit all for more"),
        "{}",
        stderr(&tty)
    );
    let mut all = argv.to_vec();
    all.extend(["--limit", "all"]);
    let o = run(&all, &as_refs(&env)).await;
    assert_eq!(count(&o), 500);
    assert!(!stderr(&o).contains("showing the first"));
    sim.shutdown().await;
}

fn as_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shortened_id_from_the_table_gets_its_ticket() {
    let sim = simulator().await;
    let table = tix(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--sort",
            "id",
            "--limit",
            "6",
            "-o",
            "table",
            "--width",
            "80",
        ],
    )
    .await;
    let short = table
        .lines()
        .nth(2)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(short.len() < 36, "{table}");
    let full = tix(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "--sort",
            "id",
            "--limit",
            "1",
            "-o",
            "jsonl",
        ],
    )
    .await;
    let full = serde_json::from_str::<serde_json::Value>(full.trim()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(full.starts_with(&short));
    let got = tix(&sim, &["get", "sonar", &short, "-o", "jsonl"]).await;
    let got: serde_json::Value = serde_json::from_str(got.trim()).unwrap();
    assert_eq!(got["id"], full.as_str());
    // A prefix of no ticket keeps the provider's own answer.
    let env = env(&sim);
    let o = run(&["get", "sonar", "ffffffffff"], &as_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("GUID"), "{}", stderr(&o));
    sim.shutdown().await;
}
