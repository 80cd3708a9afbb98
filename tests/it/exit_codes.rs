//! The README's exit-code table, per command: the same failure gives the same code
//! whether it happens in `tix list`, `tix get`, `tix sync` or `tix cw`, against the
//! simulator through the real binary.
//!
//! `Error::Decode` (an answer of an unexpected shape, exit 5 and never retried) has its
//! rows too, against a server whose listing is not as documented.

use crate::harness::{code, run, stderr};
use std::net::{Ipv4Addr, SocketAddr};
use tix_sim::{self as sim, SimOptions};

const KEY: &str = "right-key";
/// Nothing listens there: connection refused at once.
const DOWN: &str = "http://127.0.0.1:9";

struct Case {
    what: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    want: i32,
}

fn case(what: &'static str, args: &[&str], env: &[(&'static str, &str)], want: i32) -> Case {
    Case {
        what,
        args: args.iter().map(|s| s.to_string()).collect(),
        env: env.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        want,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_failure_has_one_exit_code_in_every_command() {
    let s = sim::start(
        SimOptions {
            tickets: 5,
            api_key: Some(KEY.into()),
            ..SimOptions::default()
        },
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let sonar = s.base_url("sonar");
    let cw = s.base_url("connectwise");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state/sync.db");
    let state_s = state.display().to_string();
    let out = dir.path().join("out").display().to_string();

    let listed = run(
        &["list", "-p", "sonar", "--limit", "1", "-o", "jsonl"],
        &[("TIX_SONAR_URL", &sonar), ("TIX_SONAR_API_KEY", KEY)],
    )
    .await;
    let first: serde_json::Value =
        serde_json::from_str(crate::harness::stdout(&listed).lines().next().unwrap()).unwrap();
    let id = first["id"].as_str().unwrap().to_owned();

    let good = [
        ("TIX_SONAR_URL", sonar.as_str()),
        ("TIX_SONAR_API_KEY", KEY),
    ];
    let wrong_key = [
        ("TIX_SONAR_URL", sonar.as_str()),
        ("TIX_SONAR_API_KEY", "wrong"),
    ];
    let no_key = [("TIX_SONAR_URL", sonar.as_str())];
    let down = format!("{DOWN}/sonar");
    let unreachable = [("TIX_SONAR_URL", down.as_str()), ("TIX_SONAR_API_KEY", KEY)];
    let argus_down = format!("{DOWN}/argus");
    let one_down = [
        ("TIX_SONAR_URL", sonar.as_str()),
        ("TIX_SONAR_API_KEY", KEY),
        ("TIX_ARGUS_URL", argus_down.as_str()),
        ("TIX_ARGUS_API_KEY", KEY),
    ];
    let list = ["--retries", "0", "list", "-p", "sonar"];
    let list2 = ["--retries", "0", "list", "-p", "sonar,argus"];
    let get = ["--retries", "0", "get", "sonar", id.as_str()];
    let sync = [
        "--retries",
        "0",
        "sync",
        "-p",
        "sonar",
        "--out",
        &out,
        "--state",
        &state_s,
    ];
    let sync2 = [
        "--retries",
        "0",
        "sync",
        "-p",
        "sonar,argus",
        "--out",
        &out,
        "--state",
        &state_s,
    ];
    let check = [
        "--retries",
        "0",
        "cw",
        "check",
        "--board",
        "Security Operations",
        "--status",
        "New (MSSP)",
        "--company",
        "ACME",
    ];
    let cw_env = |site: &str, private: &str| -> Vec<(&'static str, String)> {
        vec![
            ("TIX_CW_SITE", site.to_owned()),
            ("TIX_CW_COMPANY", "acme".into()),
            ("TIX_CW_PUBLIC_KEY", "pub".into()),
            ("TIX_CW_PRIVATE_KEY", private.to_owned()),
            ("TIX_CW_CLIENT_ID", crate::connectwise::CLIENT_ID.into()),
        ]
    };
    // decode: the listing answers 200 with a page of an unexpected shape.
    let shapeless = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"total": 1, "tickets": "none"})),
        )
        .mount(&shapeless)
        .await;
    let undecodable = [
        ("TIX_SONAR_URL", shapeless.uri()),
        ("TIX_SONAR_API_KEY", KEY.to_owned()),
    ];
    let undecodable: Vec<(&str, &str)> =
        undecodable.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut cases = vec![
        // config: no key at all: 3, and a sync stops before the lock and the database
        case("no key: list", &list, &no_key, 3),
        case("no key: sync", &sync, &no_key, 3),
        // auth: the provider rejects the key: 3
        case("auth: list", &list, &wrong_key, 3),
        case("auth: get", &get, &wrong_key, 3),
        case("auth: sync", &sync, &wrong_key, 3),
        // network: nothing answers: 1
        case("network: list", &list, &unreachable, 1),
        case("network: get", &get, &unreachable, 1),
        case("network: sync", &sync, &unreachable, 1),
        // partial: one of two sources failed, the other's tickets are out: 6
        case("partial: list", &list2, &one_down, 6),
        case("partial: sync", &sync2, &one_down, 6),
        // ok
        case("ok: get", &get, &good, 0),
        // decode: the answer is not as documented: 5, sync the same as list (after the
        // "no key" rows, which check that no state was created)
        case("decode: list", &list, &undecodable, 5),
        case("decode: sync", &sync, &undecodable, 5),
    ];
    let mut cw_case = |what, env: Vec<(&'static str, String)>, want| {
        cases.push(Case {
            what,
            args: check.iter().map(|s| s.to_string()).collect(),
            env,
            want,
        })
    };
    cw_case("auth: cw check", cw_env(&cw, "wrong"), 3);
    cw_case("network: cw check", cw_env(DOWN, KEY), 1);
    cw_case("ok: cw check", cw_env(&cw, KEY), 0);

    for c in &cases {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = c.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let o = run(&args, &env).await;
        assert_eq!(code(&o), c.want, "{}: {}", c.what, stderr(&o));
        if c.want != 0 {
            assert!(!stderr(&o).is_empty(), "{}: failed silently", c.what);
        }
        if c.what == "no key: sync" {
            // A sync that cannot start takes no lock and creates no database.
            assert!(!state.exists(), "{}: created the state", c.what);
            assert!(!dir.path().join("state").exists(), "{}", c.what);
        }
    }
    s.shutdown().await;
}

/// Ctrl-C ends any command, not only a sync's lock wait: here a listing whose provider
/// never answers, interrupted once its request is in flight.
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_ends_a_listing_waiting_on_its_provider_with_130() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(600)))
        .mount(&server)
        .await;
    let home = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tix"))
        .env_clear()
        .env("HOME", home.path())
        .env("TIX_SONAR_URL", server.uri())
        .env("TIX_SONAR_API_KEY", KEY)
        .args(["list", "-p", "sonar", "-o", "jsonl"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait on the condition (the request arrived), not on a guess of how long it takes.
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let sent = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    let elapsed = sent.elapsed();
    assert_eq!(status.code(), Some(130), "{status}");
    // A correctness bound, not a benchmark: the ten-minute answer was not waited for.
    assert!(elapsed < std::time::Duration::from_secs(5), "{elapsed:?}");
}
