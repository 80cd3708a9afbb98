//! `tix watch` against the simulator with tickets arriving and changing
//! (`SimHandle::churn`): every change once, in order; `--exec` fed the event's JSON and
//! killed past its timeout; a provider that fails shown as degraded.
//!
//! The feed is read line by line while tix runs. Nothing here waits on a clock: each
//! step waits for the lines the previous one must produce (with a generous guard that
//! only turns a hang into a failure).

use crate::every_provider::{PROVIDERS, env, simulator, tix};
use crate::harness::{KEY, code, lines, stderr, stdout};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;
use tix_sim::SimHandle;
use tix_sim::churn::Version;

/// Only a hang trips this: every wait below is for output that must come.
const GUARD: Duration = Duration::from_secs(20);

struct Feed {
    child: Child,
    out: Receiver<String>,
    err: Receiver<String>,
    _home: tempfile::TempDir,
}

impl Feed {
    fn start(sim: &SimHandle, args: &[&str]) -> Feed {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tix"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("NO_COLOR", "1")
            .args(["watch", "--interval", "1s"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env(sim) {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let out = pipe(child.stdout.take().unwrap());
        let err = pipe(child.stderr.take().unwrap());
        Feed {
            child,
            out,
            err,
            _home: home,
        }
    }

    fn wait_for_stderr(&self, needle: &str) {
        loop {
            let l = self.err.recv_timeout(GUARD).expect("the stderr line");
            if l.contains(needle) {
                return;
            }
        }
    }
}

impl Feed {
    /// Waits for tix to end (its `--count` reached); answers its exit code and any
    /// line printed after those already read.
    fn finish(mut self) -> (Option<i32>, Vec<String>) {
        let status = self.child.wait().unwrap();
        let rest = self.out.iter().collect();
        (status.code(), rest)
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pipe(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines() {
            let Ok(l) = l else { return };
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

/// The newest version of each ticket a churn made in `providers`: what the feed must
/// report, once.
fn latest(made: &[Version], providers: &[&str]) -> BTreeMap<(String, String), i64> {
    let mut m = BTreeMap::new();
    for v in made.iter().filter(|v| providers.contains(&v.provider)) {
        let e = m
            .entry((v.provider.to_owned(), v.id.clone()))
            .or_insert(v.updated);
        *e = (*e).max(v.updated);
    }
    m
}

fn key(e: &Value) -> (String, String) {
    (
        e["provider"].as_str().unwrap().to_owned(),
        e["id"].as_str().unwrap().to_owned(),
    )
}

fn updated_secs(e: &Value) -> i64 {
    let u = e["ticket"]["updated"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(u).unwrap().timestamp()
}

/// Reads events until every ticket in `want` has one; answers them in order.
fn read_batch(feed: &Feed, want: &BTreeMap<(String, String), i64>) -> Vec<Value> {
    let mut got = Vec::new();
    let mut missing: BTreeSet<&(String, String)> = want.keys().collect();
    while !missing.is_empty() {
        let Ok(l) = feed.out.recv_timeout(GUARD) else {
            let err: Vec<String> = feed.err.try_iter().collect();
            panic!("no event for {missing:?}; got {got:?}; stderr {err:?}");
        };
        let e: Value = serde_json::from_str(&l).unwrap();
        let k = key(&e);
        assert!(missing.remove(&k), "unexpected or repeated event {e}");
        assert_eq!(updated_secs(&e), want[&k], "the newest version of {k:?}");
        got.push(e);
    }
    got
}

#[tokio::test(flavor = "multi_thread")]
async fn every_change_is_reported_once_in_order() {
    let sim = simulator(40).await;
    let feed = Feed::start(&sim, &["--provider", &PROVIDERS.join(","), "-o", "jsonl"]);
    feed.wait_for_stderr("tix: watching");
    let mut all = Vec::new();
    for (new, updates) in [(2, 4), (1, 6), (3, 3)] {
        let before: HashSet<(String, String)> = sim
            .churns()
            .versions()
            .into_iter()
            .map(|v| (v.provider.to_owned(), v.id))
            .collect();
        let made = sim.churn(new, updates);
        let want = latest(&made, &PROVIDERS);
        let batch = read_batch(&feed, &want);
        // New in this churn: `new`; a ticket seen before (in the dataset or an earlier
        // churn): a change.
        for e in &batch {
            let kind = e["event"].as_str().unwrap();
            assert_eq!(kind == "new", !before.contains(&key(e)), "{e}");
        }
        all.extend(batch);
    }
    // A last new ticket per provider: anything repeated from before would show up in
    // the polls that bring it, ahead of it (older `updated`).
    let sentinel = latest(&sim.churn(1, 0), &PROVIDERS);
    let tail = read_batch(&feed, &sentinel);
    assert_eq!(tail.len(), PROVIDERS.len());
    for provider in PROVIDERS {
        let times: Vec<i64> = all
            .iter()
            .filter(|e| e["provider"] == provider)
            .map(updated_secs)
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "{provider}: {times:?}"
        );
    }
    for e in &all {
        if e["event"] == "status" {
            assert_ne!(e["from"], e["to"]);
            assert_eq!(e["to"], e["ticket"]["status"]);
        }
    }
    assert!(
        all.iter().any(|e| e["event"] == "status"),
        "some change is a status change"
    );
    sim.shutdown().await;
}

/// `--since` a moment before the churn: the feed's first poll reports it, so a bounded
/// `--count` ends the run.
fn since_now() -> String {
    (chrono::Utc::now() - chrono::TimeDelta::seconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_gets_each_events_json_on_stdin() {
    let sim = simulator(10).await;
    let since = since_now();
    let made = latest(&sim.churn(2, 0), &["sonar", "argus"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let env_file = dir.path().join("env");
    let script = format!(
        "cat >> '{}'; env >> '{}'",
        file.display(),
        env_file.display()
    );
    let count = made.len().to_string();
    let o = tix(
        &sim,
        &[
            "watch",
            "--provider",
            "sonar,argus",
            "--interval",
            "1s",
            "--since",
            &since,
            "--count",
            &count,
            "-o",
            "jsonl",
            "--exec",
            "sh",
            "-c",
            &script,
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let printed = lines(&o);
    assert_eq!(printed.len(), made.len());
    let got: BTreeSet<(String, String)> = printed.iter().map(key).collect();
    assert_eq!(got, made.keys().cloned().collect());
    let fed = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        fed,
        stdout(&o),
        "each command read its event's line, in order"
    );
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(env.contains("PATH="), "{env}");
    assert!(
        !env.contains("TIX_") && !env.contains(KEY),
        "no key reaches the hook: {env}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_is_killed_past_its_timeout() {
    let sim = simulator(10).await;
    let since = since_now();
    let made = latest(&sim.churn(1, 0), &["sonar", "argus"]);
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!("echo $$ >> '{}'; exec sleep 300", pids.display());
    let count = made.len().to_string();
    let o = tix(
        &sim,
        &[
            "watch",
            "--provider",
            "sonar,argus",
            "--interval",
            "1s",
            "--since",
            &since,
            "--count",
            &count,
            "--exec-timeout",
            "300ms",
            "--exec",
            "sh",
            "-c",
            &script,
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.matches("--exec sh: killed after 300ms").count(),
        made.len(),
        "{err}"
    );
    let pids = std::fs::read_to_string(&pids).unwrap();
    assert_eq!(pids.lines().count(), made.len());
    for pid in pids.lines() {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "command {pid} still runs"
        );
    }
    // The text lines name each event.
    for l in stdout(&o).lines() {
        assert!(
            l.starts_with("NEW sonar ") || l.starts_with("NEW argus "),
            "{l}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_provider_is_degraded_and_the_others_go_on() {
    let sim = simulator(10).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/argus", closed.local_addr().unwrap());
    drop(closed);
    let since = since_now();
    let sonar = latest(&sim.churn(2, 0), &["sonar"]).len().to_string();
    let o = tix(
        &sim,
        &[
            "--retries",
            "0",
            "watch",
            "--provider",
            "argus,sonar",
            "--interval",
            "1s",
            "--since",
            &since,
            "--count",
            &sonar,
            "-o",
            "jsonl",
        ],
        &[("TIX_ARGUS_URL", dead.as_str())],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("tix: warning: argus degraded: "),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("next poll in 2s"), "{}", stderr(&o));
    assert!(lines(&o).iter().all(|e| e["provider"] == "sonar"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_flags_are_refused_before_any_request() {
    let sim = simulator(5).await;
    for (args, flag) in [
        (vec!["--interval", "10ms"], "--interval"),
        (vec!["--interval", "soon"], "--interval"),
        (vec!["--count", "0"], "--count"),
        (vec!["--since", "yesterday-ish"], "--since"),
    ] {
        let mut full = vec!["watch", "--provider", "sonar"];
        full.extend_from_slice(&args);
        let o = tix(&sim, &full, &[]).await;
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{}", stderr(&o));
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_state_a_restart_reports_what_changed_meanwhile_and_nothing_twice() {
    let sim = simulator(10).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch.json");
    let state = state.to_str().unwrap();
    let args = |count: &str| {
        [
            "--provider",
            "sonar",
            "-o",
            "jsonl",
            "--state",
            state,
            "--count",
            count,
        ]
        .map(str::to_owned)
    };
    let first_args = args("1");
    let first_args: Vec<&str> = first_args.iter().map(String::as_str).collect();
    let feed = Feed::start(&sim, &first_args);
    feed.wait_for_stderr("tix: watching");
    let first = latest(&sim.churn(1, 0), &["sonar"]);
    read_batch(&feed, &first);
    assert_eq!(feed.finish(), (Some(0), vec![]));
    assert!(std::path::Path::new(state).exists());

    // While nothing watches: a new ticket and changes. The next run resumes from the
    // file: no first look, every change since, and not the event already printed.
    let meanwhile = latest(&sim.churn(2, 2), &["sonar"]);
    let count = meanwhile.len().to_string();
    let next_args = args(&count);
    let next_args: Vec<&str> = next_args.iter().map(String::as_str).collect();
    let feed = Feed::start(&sim, &next_args);
    let got = read_batch(&feed, &meanwhile);
    assert!(got.iter().any(|e| e["event"] == "new"));
    assert_eq!(feed.finish(), (Some(0), vec![]));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_file_that_is_not_one_is_refused() {
    let sim = simulator(5).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("watch.json");
    std::fs::write(&state, "{\"version\": 9, \"feeds\": {}}").unwrap();
    let o = tix(
        &sim,
        &[
            "watch",
            "--provider",
            "sonar",
            "--state",
            state.to_str().unwrap(),
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("--state"), "{}", stderr(&o));
    let o = tix(
        &sim,
        &[
            "watch",
            "--provider",
            "sonar",
            "--state",
            "x.json",
            "--since",
            "1h",
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    sim.shutdown().await;
}
