//! `tix sync` end to end: the real binary against the in-process simulator, with tickets
//! arriving and changing between and during runs, faults, kills and concurrent runs.

use crate::harness::{KEY, code, stderr, stdout};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tix_sim::{self as sim, SimHandle, SimOptions};

type Key = (String, DateTime<Utc>);

/// The real binary as a plain process (to spawn, race and kill), hermetic like
/// `harness::tix`.
pub fn tix(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tix"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100");
    cmd
}

pub struct Rig {
    pub home: tempfile::TempDir,
    pub url: String,
}

impl Rig {
    pub fn new(sim: &SimHandle) -> Rig {
        Rig {
            home: tempfile::tempdir().unwrap(),
            url: sim.base_url("sonar"),
        }
    }

    pub fn out(&self) -> PathBuf {
        self.home.path().join("out")
    }

    pub fn state(&self) -> PathBuf {
        self.home.path().join("state/sync.db")
    }

    /// `tix sync --provider sonar` into this rig's directory and state.
    pub fn command(&self, extra: &[&str]) -> std::process::Command {
        let mut cmd: std::process::Command = tix(self.home.path());
        cmd.env("TIX_SONAR_URL", &self.url)
            .env("TIX_SONAR_API_KEY", KEY)
            .arg("sync")
            .args(["--provider", "sonar", "--page-size", "20"]);
        if !extra.contains(&"--out") {
            cmd.arg("--out").arg(self.out());
        }
        cmd.arg("--state").arg(self.state()).args(extra);
        cmd
    }

    pub async fn sync(&self, extra: &[&str]) -> Output {
        let mut cmd = self.command(extra);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    /// Every line of every file, and the files by name with their lines.
    pub fn written(&self) -> (Vec<Key>, HashMap<String, BTreeSet<String>>) {
        let mut keys = Vec::new();
        let mut files = HashMap::new();
        let mut dirs = vec![self.out()];
        while let Some(d) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let name = path.strip_prefix(self.out()).unwrap().display().to_string();
                assert!(name.ends_with(".jsonl"), "a stray file: {name}");
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(text.ends_with('\n'), "{name} is cut short");
                let mut lines = BTreeSet::new();
                for line in text.lines() {
                    keys.push(key(&serde_json::from_str(line).unwrap()));
                    lines.insert(line.to_owned());
                }
                files.insert(name, lines);
            }
        }
        (keys, files)
    }
}

fn key(v: &serde_json::Value) -> Key {
    (
        v["id"].as_str().unwrap().to_owned(),
        v["updated"].as_str().unwrap().parse().unwrap(),
    )
}

pub async fn simulator(opts: SimOptions) -> SimHandle {
    sim::start(opts, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

/// Every version the simulator produced for Sonar, the provider these runs sync (other
/// providers churn too).
pub async fn versions(sim: &SimHandle) -> HashSet<Key> {
    let all: Vec<serde_json::Value> = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{}/_sim/versions", sim.addr()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.iter()
        .filter(|v| v["provider"] == "sonar")
        .map(key)
        .collect()
}

/// The current version of every ticket: per id, its latest (updates only move forward).
pub async fn current(sim: &SimHandle) -> HashSet<Key> {
    let mut latest: HashMap<String, DateTime<Utc>> = HashMap::new();
    for (id, at) in versions(sim).await {
        let e = latest.entry(id).or_insert(at);
        *e = (*e).max(at);
    }
    latest.into_iter().collect()
}

/// Churns the simulator (ten changes a second) until the returned flag is set. Each
/// change pushes every older ticket one place down the newest-first pages a run reads.
fn churn_meanwhile(sim: &SimHandle) -> (Arc<AtomicBool>, tokio::task::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let churns = sim.churns();
    let task = tokio::spawn(async move {
        while !flag.load(Ordering::Relaxed) {
            churns.churn(1, 0);
            tokio::time::sleep(Duration::from_millis(100)).await;
            churns.churn(0, 1);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    (stop, task)
}

fn assert_no_duplicate(keys: &[Key]) -> HashSet<Key> {
    let set: HashSet<Key> = keys.iter().cloned().collect();
    assert_eq!(set.len(), keys.len(), "a version was written twice");
    set
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_runs_with_churn_and_faults_write_every_version_once() {
    let sim = simulator(SimOptions {
        tickets: 150,
        fault_rate: 0.2,
        fault_seed: 11,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    // Versions current both when a successful run started and when it ended, and dated
    // before it started, were in its window for the whole run: each must be in some file. A version that lived only during a
    // run may or may not be, once at most. A failed run promises nothing: a version
    // live through it may be replaced by the next churn before any run succeeds.
    let mut must = HashSet::new();
    let mut ok = 0;
    for run in 0..20 {
        sim.churn(2, 4);
        let before = current(&sim).await;
        let (stop, churner) = churn_meanwhile(&sim);
        let started = Utc::now();
        let o = rig.sync(&["--quiet"]).await;
        stop.store(true, Ordering::Relaxed);
        churner.await.unwrap();
        let after = current(&sim).await;
        match code(&o) {
            0 => {
                ok += 1;
                // The simulator stamps a change at least a second after the last one, so a
                // version may be dated after the run began: it belongs to the next window.
                must.extend(
                    before
                        .intersection(&after)
                        .filter(|(_, updated)| *updated <= started)
                        .cloned(),
                );
                assert_eq!(stderr(&o), "", "--quiet prints nothing on success");
            }
            // A run may fail when faults outlast the retries; it must then change nothing.
            _ => assert!(!stderr(&o).is_empty(), "run {run} failed silently"),
        }
    }
    assert!(ok >= 15, "only {ok} of 20 runs succeeded");
    // A last run with nothing moving: everything current must be written by now. The
    // simulator dates a second change within one second a second later, so the newest
    // version may be dated ahead of the clock; a run that starts before that instant
    // rightly leaves it to the next window, so this one starts after it.
    settle(&sim).await;
    let mut last = rig.sync(&[]).await;
    for _ in 0..3 {
        if code(&last) == 0 {
            break;
        }
        last = rig.sync(&[]).await;
    }
    assert_eq!(code(&last), 0, "{}", stderr(&last));
    must.extend(current(&sim).await);

    let (keys, _) = rig.written();
    let union = assert_no_duplicate(&keys);
    let produced = versions(&sim).await;
    let missing: Vec<_> = must.difference(&union).collect();
    assert!(missing.is_empty(), "never written: {missing:?}");
    let invented: Vec<_> = union.difference(&produced).collect();
    assert!(
        invented.is_empty(),
        "not a version the simulator made: {invented:?}"
    );
    assert!(union.len() > 150 + 20 * 6, "{} versions", union.len());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_report_per_source_and_status_shows_them() {
    let sim = simulator(SimOptions {
        tickets: 30,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let first = rig.sync(&[]).await;
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(
        stderr(&first).starts_with("sonar: 30 new, 0 updated in "),
        "{}",
        stderr(&first)
    );
    let again = rig.sync(&[]).await;
    assert!(stderr(&again).starts_with("sonar: 0 new, 0 updated in "));
    sim.churn(1, 2);
    let third = rig.sync(&[]).await;
    assert!(
        stderr(&third).starts_with("sonar: 1 new, 2 updated in "),
        "{}",
        stderr(&third)
    );
    let (keys, files) = rig.written();
    assert_eq!(keys.len(), 33);
    assert_eq!(
        files.len(),
        2,
        "no file for a run with nothing new: {files:?}"
    );

    let mut status: std::process::Command = tix(rig.home.path());
    status
        .arg("sync")
        .arg("status")
        .arg("--state")
        .arg(rig.state());
    let table = status.output().unwrap();
    assert_eq!(code(&table), 0);
    let text = stdout(&table);
    assert!(text.contains("SOURCE") && text.contains("sonar"), "{text}");
    let json = status.args(["-o", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["source"], "sonar");
    assert_eq!(v[0]["runs"], 3);
    assert_eq!(v[0]["files"], 2);
    assert_eq!(v[0]["last_run"]["new"], 1);
    assert_eq!(v[0]["last_run"]["outcome"], "ok");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stdout_is_a_sink_too() {
    let sim = simulator(SimOptions {
        tickets: 12,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let o = rig.sync(&["--out", "-", "--quiet"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 12);
    assert!(!rig.out().exists(), "the last --out wins");
    let o = rig.sync(&["--out", "-", "--quiet"]).await;
    assert_eq!(stdout(&o), "");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_failing_source_does_not_stop_the_others() {
    let sim = simulator(SimOptions {
        tickets: 10,
        ..SimOptions::default()
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.good]\nprovider = \"sonar\"\nbase_url = \"{}\"\napi_key_env = \"K\"\n\n\
             [profiles.down]\nprovider = \"sonar\"\nbase_url = \"http://127.0.0.1:9/sonar\"\napi_key_env = \"K\"\n",
            sim.base_url("sonar")
        ),
    )
    .unwrap();
    let state = home.path().join("s.db");
    let run = |args: &[&str]| {
        let mut cmd: std::process::Command = tix(home.path());
        cmd.env("K", KEY)
            .env("TIX_CONFIG", &config)
            .args(["--retries", "0"])
            .args(args)
            .arg("--state")
            .arg(&state);
        cmd.output().unwrap()
    };
    let out = home.path().join("out");
    let o = run(&["sync", "--all", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    let err = stderr(&o);
    let failures: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("tix: sync failed: "))
        .collect();
    assert_eq!(failures.len(), 1, "{err}");
    assert!(failures[0].starts_with("tix: sync failed: down: "), "{err}");
    assert!(err.contains("good: 10 new"), "{err}");
    assert!(out.join("good").is_dir() && !out.join("down").exists());

    let s = run(&["sync", "status", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let by: HashMap<&str, &serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["source"].as_str().unwrap(), s))
        .collect();
    assert!(by["good"]["watermark"].is_string());
    assert!(
        by["down"]["watermark"].is_null(),
        "a failed source keeps its state"
    );
    assert!(
        by["down"]["last_run"]["outcome"]
            .as_str()
            .unwrap()
            .starts_with("failed: ")
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_flags_are_one_line_errors_before_any_request() {
    let home = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (
            vec!["sync", "--provider", "jira", "--out", "o"],
            "--provider",
        ),
        (vec!["sync", "--out", "o"], "--provider"),
        (
            vec![
                "sync",
                "--provider",
                "sonar",
                "--out",
                "o",
                "--overlap",
                "soon",
            ],
            "--overlap",
        ),
        (
            vec![
                "sync",
                "--provider",
                "sonar",
                "--out",
                "o",
                "--page-size",
                "5000",
            ],
            "--page-size",
        ),
        (vec!["sync", "--provider", "sonar"], "--out"),
    ] {
        let mut cmd: std::process::Command = tix(home.path());
        cmd.env("TIX_SONAR_URL", "http://127.0.0.1:9/sonar")
            .env("TIX_SONAR_API_KEY", KEY)
            .args(&args);
        let o = cmd.output().unwrap();
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        // tix's own checks are one line; clap's parse errors come whole, with their tip
        // and usage, and name the flag on the first line.
        if err.starts_with("tix: ") {
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert!(
            err.lines().next().unwrap().contains(flag),
            "{args:?}: {err}"
        );
    }
    assert!(!home.path().join("o").exists());
}

/// The files of two rigs that synced the same simulator, name by name and line by line.
fn assert_same_files(killed: &Rig, reference: &Rig, step: &str) {
    let (keys, files) = killed.written();
    assert_no_duplicate(&keys);
    let (_, want) = reference.written();
    let mut names: Vec<_> = files.keys().collect();
    names.sort();
    let mut want_names: Vec<_> = want.keys().collect();
    want_names.sort();
    assert_eq!(names, want_names, "{step}: different files");
    for (name, lines) in &want {
        assert_eq!(&files[name], lines, "{step}: {name} differs");
    }
}

fn watermark(rig: &Rig) -> serde_json::Value {
    let o = tix(rig.home.path())
        .args(["sync", "status", "-o", "json", "--state"])
        .arg(rig.state())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v[0]["watermark"].clone()
}

/// Churns, then waits until the clock has passed the whole second after the newest
/// version, so two runs a moment apart see the same versions (a change can be dated one
/// second ahead to keep a ticket's versions distinct, and providers filter by whole
/// seconds). A wait on that condition, not a guess of how long it takes.
pub async fn churn_and_settle(sim: &SimHandle, new: usize, updates: usize) {
    sim.churn(new, updates);
    settle(sim).await;
}

/// Waits until the clock is past the second of the newest version the simulator dated.
pub async fn settle(sim: &SimHandle) {
    use chrono::{DurationRound, TimeDelta};
    let newest = versions(sim).await.into_iter().map(|(_, at)| at).max();
    let Some(newest) = newest else { return };
    let settled = newest.duration_trunc(TimeDelta::seconds(1)).unwrap() + TimeDelta::seconds(1);
    while let Ok(left) = (settled - Utc::now()).to_std() {
        tokio::time::sleep(left + Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_at_each_point_is_redone_by_the_next_under_the_same_names() {
    let sim = simulator(SimOptions {
        tickets: 60,
        ..SimOptions::default()
    })
    .await;
    let killed = Rig::new(&sim);
    let reference = Rig::new(&sim);
    for point in [
        "locked",
        "first-ticket",
        "before-rename",
        "after-rename",
        "committed",
    ] {
        churn_and_settle(&sim, 2, 3).await;
        let before = watermark(&killed);
        let mut cmd = killed.command(&[]);
        cmd.env("TIX_SYNC_CRASH_AT", point);
        let dead = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        assert_eq!(code(&dead), 137, "{point}: {}", stderr(&dead));
        if point != "committed" {
            assert_eq!(watermark(&killed), before, "{point}: the state moved");
        }
        let redo = killed.sync(&[]).await;
        assert_eq!(code(&redo), 0, "{point}: {}", stderr(&redo));
        let r = reference.sync(&[]).await;
        assert_eq!(code(&r), 0, "{}", stderr(&r));
        assert_same_files(&killed, &reference, point);
        assert_eq!(watermark(&killed), watermark(&reference), "{point}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_killed_with_sigkill_at_random_moments_converge_to_the_same_files() {
    use rand::{Rng, SeedableRng};
    let sim = simulator(SimOptions {
        tickets: 200,
        latency: Duration::from_millis(5),
        ..SimOptions::default()
    })
    .await;
    let killed = Rig::new(&sim);
    let reference = Rig::new(&sim);
    let seed: u64 = rand::random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for step in 0..6 {
        churn_and_settle(&sim, 3, 5).await;
        let delay = Duration::from_millis(rng.random_range(0..400));
        let mut cmd = killed.command(&["--quiet"]);
        let status = tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().unwrap();
            std::thread::sleep(delay);
            // SIGKILL on Unix; a run already finished is simply reaped.
            let _ = child.kill();
            child.wait().unwrap()
        })
        .await
        .unwrap();
        let redo = killed.sync(&[]).await;
        let what = format!("seed {seed}, step {step}, killed after {delay:?} ({status})");
        assert_eq!(code(&redo), 0, "{what}: {}", stderr(&redo));
        let r = reference.sync(&[]).await;
        assert_eq!(code(&r), 0, "{}", stderr(&r));
        assert_same_files(&killed, &reference, &what);
        assert_eq!(watermark(&killed), watermark(&reference), "{what}");
    }
    sim.shutdown().await;
}

/// Holds the run lock of `state` as another `tix sync` would (naming this process as
/// its holder, as src/sync/lock.rs writes it), until dropped.
fn hold_lock(state: &Path) -> std::fs::File {
    hold_lock_since(state, Utc::now())
}

/// Holds the lock of `state` as a live run started at `started` would.
fn hold_lock_since(state: &Path, started: DateTime<Utc>) -> std::fs::File {
    use std::io::Write;
    let mut name = state.as_os_str().to_owned();
    name.push(".lock");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    let mut file = std::fs::File::create(PathBuf::from(name)).unwrap();
    file.try_lock().unwrap();
    write!(
        file,
        r#"{{"pid":{},"started":"{}"}}"#,
        std::process::id(),
        started.to_rfc3339()
    )
    .unwrap();
    file
}

fn status_table(rig: &Rig) -> String {
    let o = tix(rig.home.path())
        .args(["sync", "status", "--state"])
        .arg(rig.state())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

/// Starts `cmd` and reads its stderr up to the line saying it waits for the lock, so
/// what the test does next happens during the wait, whatever the machine's speed.
fn spawn_waiting(mut cmd: std::process::Command) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("waiting up to"), "{line}");
    // The rest of stderr is drained on its own thread so the child never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    (child, line)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_gives_way_to_a_held_lock_or_waits_for_it_and_never_writes_beside_it() {
    let sim = simulator(SimOptions {
        tickets: 100,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let held = hold_lock(&rig.state());
    // Without --wait it gives way at once, successfully, touching nothing.
    let o = rig.sync(&[]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another sync is running"),
        "{}",
        stderr(&o)
    );
    assert!(!rig.out().exists() && !rig.state().exists());

    // With --wait it waits while the lock is held, then runs.
    let cmd = rig.command(&["--wait", "60s"]);
    let (child, _) = tokio::task::spawn_blocking(move || spawn_waiting(cmd))
        .await
        .unwrap();
    assert!(!rig.out().exists(), "wrote while another run held the lock");
    drop(held);
    let o = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(code(&o), 0);
    let (keys, files) = rig.written();
    assert_no_duplicate(&keys);
    assert_eq!((files.len(), keys.len()), (1, 100));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_the_lock_wait_exits_130_at_once_and_creates_nothing() {
    let sim = simulator(SimOptions {
        tickets: 5,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let _held = hold_lock(&rig.state());
    let cmd = rig.command(&["--wait", "10m"]);
    let o = tokio::task::spawn_blocking(move || {
        let (child, _) = spawn_waiting(cmd);
        let sent = std::time::Instant::now();
        let kill = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let o = child.wait_with_output().unwrap();
        (o, sent.elapsed())
    })
    .await
    .unwrap();
    let (o, elapsed) = o;
    assert_eq!(code(&o), 130, "{o:?}");
    // A correctness bound, not a benchmark: the 10-minute wait did not run its course.
    assert!(
        elapsed < Duration::from_secs(5),
        "took {elapsed:?} after SIGINT"
    );
    assert!(
        !rig.out().exists() && !rig.state().exists(),
        "committed something"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_comments_adds_each_written_tickets_comments() {
    let sim = simulator(SimOptions {
        tickets: 6,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let o = rig
        .sync(&["--out", "-", "--with-comments", "--quiet"])
        .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().all(|t| t["comments"].is_array()));
    assert!(
        lines
            .iter()
            .any(|t| !t["comments"].as_array().unwrap().is_empty()),
        "no ticket has a comment"
    );
    let plain = Rig::new(&sim).sync(&["--out", "-", "--quiet"]).await;
    assert!(stdout(&plain).lines().all(|l| !l.contains("\"comments\"")));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poisoned_window_names_its_repair_and_reset_repairs_it() {
    let sim = simulator(SimOptions {
        tickets: 8,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let o = rig.sync(&["--quiet"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let status = tix(rig.home.path())
        .args(["sync", "status", "-o", "json", "--state"])
        .arg(rig.state())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let kept = v[0]["keys"].as_u64().unwrap() as usize;
    // What an older tix stored from a provider's year -1.
    rusqlite::Connection::open(rig.state())
        .unwrap()
        .execute(
            "UPDATE sync_source SET watermark = '-0001-12-31T00:00:00.000000000Z'",
            [],
        )
        .unwrap();
    let bad = rig.sync(&["--quiet"]).await;
    assert_eq!(code(&bad), 3, "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("run `tix sync reset sonar`"),
        "{}",
        stderr(&bad)
    );
    let reset = tix(rig.home.path())
        .args(["sync", "reset", "sonar", "--state"])
        .arg(rig.state())
        .output()
        .unwrap();
    assert_eq!(code(&reset), 0, "{}", stderr(&reset));
    let again = rig.sync(&[]).await;
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    // Versions older than the keys kept near the old window are written again, into a
    // new file beside the first, never over it; the kept ones are not.
    let (keys, files) = rig.written();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(keys.len(), 8 + (8 - kept));
    assert!(watermark(&rig).as_str().unwrap() > "2000");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lock_of_a_run_that_died_is_reported_and_taken_over() {
    let sim = simulator(SimOptions {
        tickets: 4,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let mut cmd = rig.command(&["--quiet"]);
    cmd.env("TIX_SYNC_CRASH_AT", "locked");
    let dead = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(code(&dead), 137);
    let pid = {
        let text = std::fs::read_to_string(format!("{}.lock", rig.state().display())).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["pid"].as_u64().unwrap()
    };
    let table = status_table(&rig);
    assert!(
        table.contains(&format!("Lock: left by the sync of pid {pid}, started "))
            && table.contains("which is gone"),
        "{table}"
    );
    let o = rig.sync(&["--quiet"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("the sync of pid {pid}, started "))
            && stderr(&o).contains("taking it over"),
        "{}",
        stderr(&o)
    );
    assert_eq!(rig.written().0.len(), 4);
    assert!(status_table(&rig).contains("Lock: free"));
    sim.shutdown().await;
}

/// Issue 24, sync side: a page holding a ticket tix cannot read (Sonar's
/// `tickets-broken.json`: a lone-surrogate title, an unreadable `created`, a ticket
/// without an id, an ordinary ticket). The three readable ones are written, the one
/// without an id is a failed ticket named by its position in `sync status`, the window
/// moves, and the run exits 6 (partial).
#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_tix_cannot_read_is_a_failed_ticket_and_the_window_still_moves() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/sonar/tickets"))
        .respond_with(crate::sonar::raw_fixture("sonar", "tickets-broken.json"))
        .mount(&server)
        .await;
    let rig = Rig {
        home: tempfile::tempdir().unwrap(),
        url: server.uri(),
    };
    let o = rig.sync(&[]).await;
    let err = stderr(&o);
    assert_eq!(code(&o), 6, "{err}");
    assert!(
        err.contains("sonar: 3 new, 0 updated, 1 failed (see tix sync status)"),
        "{err}"
    );
    assert!(
        err.contains("tix: sync failed: sonar: 1 ticket(s) not synced")
            && err.contains(
                "(position 3): sonar: ticket 3 of the listing cannot be read (missing field `guid`); skipped"
            ),
        "{err}"
    );
    let (keys, _) = rig.written();
    assert_eq!(keys.len(), 3, "the readable tickets are written");
    assert!(
        watermark(&rig).is_string(),
        "the window moved: {}",
        watermark(&rig)
    );
    let table = status_table(&rig);
    assert!(
        table.contains("(position 3)") && table.contains("ticket 3 of the listing cannot be read"),
        "{table}"
    );
    // The next run writes nothing twice; the provider still sends the broken ticket,
    // so it is recorded again and the run still says so.
    let again = rig.sync(&[]).await;
    assert_eq!(code(&again), 6, "{}", stderr(&again));
    assert_eq!(rig.written().0.len(), 3);
}

/// Provider text in the `sync` failure lines and in `sync status` goes through the one
/// sanitizer: ESC, OSC, C1 and bidi controls are shown escaped, never sent raw.
#[tokio::test(flavor = "multi_thread")]
async fn provider_text_in_sync_failures_and_status_is_shown_escaped() {
    let sim = simulator(SimOptions {
        tickets: 3,
        ..SimOptions::default()
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let state = home.path().join("s.db");
    let hostile = format!("http://{}/hostile/escape-text", sim.addr());
    let o = tix(home.path())
        .env("TIX_SONAR_URL", &hostile)
        .env("TIX_SONAR_API_KEY", KEY)
        .env("TIX_ARGUS_URL", sim.base_url("argus"))
        .env("TIX_ARGUS_API_KEY", KEY)
        .args(["--retries", "0", "sync", "-p", "sonar,argus", "--out"])
        .arg(home.path().join("out"))
        .arg("--state")
        .arg(&state)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 6, "{err}");
    let escaped = "boom\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\u{9b}1m \\u{202e}txt.exe";
    assert!(
        err.contains(&format!(
            "tix: sync failed: sonar: sonar: {escaped} (HTTP 400)\n"
        )),
        "{err}"
    );
    let hostile_chars = |s: &str| {
        s.chars()
            .any(|c| matches!(c, '\x1b' | '\x07' | '\u{9b}' | '\u{202e}'))
    };
    assert!(!hostile_chars(&err), "{err:?}");
    let status = tix(home.path())
        .args(["sync", "status", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    let table = stdout(&status);
    assert!(table.contains(escaped), "{table}");
    assert!(!hostile_chars(&table), "{table:?}");
    sim.shutdown().await;
}

/// Issue 16 point 6: `--dry-run` prints each ticket a run would write and where, and
/// changes nothing: no file, no lock, no database; after a real run, it leaves that
/// state as it was, so the next real run writes exactly what the look showed.
#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_shows_what_would_be_written_and_changes_nothing() {
    let sim = simulator(SimOptions {
        tickets: 5,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let look = rig.sync(&["--dry-run"]).await;
    assert_eq!(code(&look), 0, "{}", stderr(&look));
    let lines: Vec<String> = stdout(&look).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "{}", stdout(&look));
    let sonar_dir = rig.out().join("sonar").display().to_string();
    for l in &lines {
        let fields: Vec<&str> = l.split('\t').collect();
        assert_eq!(fields.len(), 4, "{l}");
        assert!(
            fields[0].starts_with(&sonar_dir) && fields[0].ends_with(".jsonl"),
            "{l}"
        );
    }
    assert!(
        stderr(&look).contains("sonar: would write 5 new, 0 updated to ")
            && stderr(&look).contains("(dry run: nothing written, state unchanged)"),
        "{}",
        stderr(&look)
    );
    assert!(!rig.out().exists(), "no file");
    assert!(
        !rig.state().parent().unwrap().exists(),
        "no state directory, database or lock file"
    );

    // The real run writes what the look showed.
    let o = rig.sync(&["--quiet"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (keys, _) = rig.written();
    let shown: BTreeSet<String> = lines
        .iter()
        .map(|l| l.split('\t').nth(1).unwrap().to_owned())
        .collect();
    let written: BTreeSet<String> = keys.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(shown, written);

    // A look over an existing state: it sees the changes and leaves the state as it was.
    churn_and_settle(&sim, 2, 0).await;
    let before = std::fs::read(rig.state()).unwrap();
    let status_before = status_table(&rig);
    let look = rig.sync(&["--dry-run"]).await;
    assert_eq!(code(&look), 0, "{}", stderr(&look));
    assert_eq!(stdout(&look).lines().count(), 2, "{}", stdout(&look));
    assert_eq!(
        std::fs::read(rig.state()).unwrap(),
        before,
        "the state is unchanged"
    );
    assert_eq!(status_table(&rig), status_before);
    let o = rig.sync(&["--quiet"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        rig.written().0.len(),
        7,
        "the real run still writes the two"
    );
    sim.shutdown().await;
}

/// `sync --out -` whose reader goes away (`| head -1`): the run stops on the broken
/// pipe, quietly, and commits nothing, so the next run delivers every ticket again.
/// The tickets are far more than the pipe and tix's buffer hold, so tix is still
/// writing when the reader closes: no race.
#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_goes_away_leaves_the_state_uncommitted() {
    use std::io::BufRead;
    let sim = simulator(SimOptions {
        tickets: 1500,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let mut cmd = rig.command(&["--out", "-"]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let o = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        assert!(first.starts_with('{'), "{first}");
        drop(reader);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "quietly, like head: {err}");
    assert!(!err.contains("sync failed"), "{err}");
    assert!(watermark(&rig).is_null(), "nothing committed");
    let again = rig.sync(&["--quiet"]).await;
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        rig.written().0.len(),
        1500,
        "every ticket, the first line's too"
    );
    sim.shutdown().await;
}

/// Sync files hold tickets, not secrets: they get what the umask allows, as a shell's
/// `>` would (0640 under umask 027), not owner-only 0600.
#[tokio::test(flavor = "multi_thread")]
async fn sync_files_respect_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let sim = simulator(SimOptions {
        tickets: 3,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let inner = rig.command(&["--quiet"]);
    let mut cmd = std::process::Command::new("sh");
    cmd.env_clear()
        .args(["-c", "umask 027 && exec \"$0\" \"$@\""])
        .arg(inner.get_program())
        .args(inner.get_args());
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut files = Vec::new();
    let mut dirs = vec![rig.out()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "{:o}", mode);
    sim.shutdown().await;
}

/// Issue 15 point 1: `--max-runtime` bounds a sync. Every answer takes 2 s and the run
/// may take 1 s, so the first page is still in flight at the deadline whatever the
/// machine's speed: the run stops there, commits without moving the window, and exits 6
/// saying so; the next run, given the time, writes everything.
#[tokio::test(flavor = "multi_thread")]
async fn a_sync_past_its_max_runtime_stops_cleanly_and_the_next_run_goes_on() {
    let sim = simulator(SimOptions {
        tickets: 5,
        latency: Duration::from_secs(2),
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let o = rig.sync(&["--max-runtime", "1s"]).await;
    let err = stderr(&o);
    assert_eq!(code(&o), 6, "{err}");
    assert!(
        err.contains(
            "tix: sync failed: sonar: stopped at --max-runtime (1s) after writing 0 ticket(s)"
        ),
        "{err}"
    );
    assert!(watermark(&rig).is_null(), "the window did not move");
    assert!(
        status_table(&rig).contains("stopped at --max-runtime"),
        "{}",
        status_table(&rig)
    );
    let o = rig.sync(&["--quiet"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(rig.written().0.len(), 5);
    let o = rig.sync(&["--max-runtime", "0s"]).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-runtime"), "{}", stderr(&o));
    sim.shutdown().await;
}

/// Issue 15 point 4: a lock held by a live run that started longer ago than the
/// maximum run time (a hung run) is reported and taken over; a younger one is not.
#[tokio::test(flavor = "multi_thread")]
async fn a_lock_older_than_the_maximum_run_time_is_reported_and_taken_over() {
    let sim = simulator(SimOptions {
        tickets: 3,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let _hung = hold_lock_since(&rig.state(), Utc::now() - chrono::TimeDelta::hours(2));
    let o = rig.sync(&["--quiet", "--max-runtime", "3h"]).await;
    assert_ne!(code(&o), 0, "younger than 3h: held, and --quiet says so");
    assert!(rig.written().0.is_empty());
    let o = rig.sync(&["--quiet", "--max-runtime", "1h"]).await;
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains(&format!("the sync of pid {}, started ", std::process::id()))
            && err.contains("has held the lock longer than --max-runtime (1h)")
            && err.contains("taking it over"),
        "{err}"
    );
    assert_eq!(rig.written().0.len(), 3);
    sim.shutdown().await;
}

/// `--dry-run --to connectwise` names the board each ticket would go to and pushes
/// nothing: the real run that follows still creates every ticket.
#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_to_connectwise_names_the_board_and_pushes_nothing() {
    let sim = simulator(SimOptions {
        tickets: 4,
        ..SimOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state/sync.db");
    let state_s = state.display().to_string();
    let mut env = crate::connectwise::env(&sim.base_url("connectwise"));
    env.push(("TIX_SONAR_URL", sim.base_url("sonar")));
    env.push(("TIX_SONAR_API_KEY", KEY.into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = |dry: bool| {
        let mut a = vec![
            "sync",
            "--provider",
            "sonar",
            "--state",
            &state_s,
            "--to",
            "connectwise",
            "--board",
            "Security Operations",
            "--status",
            "New (MSSP)",
            "--company",
            "ACME",
        ];
        if dry {
            a.push("--dry-run");
        }
        a
    };
    let look = crate::harness::run(&args(true), &env).await;
    assert_eq!(code(&look), 0, "{}", stderr(&look));
    let printed = stdout(&look);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 4, "{printed}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("connectwise board Security Operations (#")),
        "{lines:?}"
    );
    assert!(!state.parent().unwrap().exists(), "no state, no lock");
    let real = crate::harness::run(&args(false), &env).await;
    let err = stderr(&real);
    assert_eq!(code(&real), 0, "{err}");
    assert!(
        err.contains("created 4,"),
        "nothing was pushed by the look: {err}"
    );
    sim.shutdown().await;
}

/// An output that cannot be written is blamed on the output, by its path (not on the
/// provider, nor on the state), and the window stays for the next run.
#[tokio::test(flavor = "multi_thread")]
async fn an_output_that_cannot_be_written_is_named_and_the_window_stays() {
    let sim = simulator(SimOptions {
        tickets: 2,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let blocker = rig.home.path().join("not-a-dir");
    std::fs::write(&blocker, "a file where a directory should be").unwrap();
    let out = blocker.join("archive");
    let o = rig.sync(&["--out", out.to_str().unwrap()]).await;
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    let dest = out.join("sonar").display().to_string();
    assert!(
        err.contains(&format!("tix: writing {dest}/")) && err.contains(".jsonl: "),
        "{err}"
    );
    assert!(watermark(&rig).is_null());
    sim.shutdown().await;
}

/// A run that hung and whose lock a newer run took over commits nothing when it wakes:
/// not its file (which would replace the newer run's of the same name with an older
/// window) and not its cursor. The hang is a SIGSTOP while it waits for its listing; its
/// lock file is then dated two hours back, as a run hung that long would have it.
/// (Without the fence the woken run renames its file over the newer one's and counts a
/// second file.)
#[tokio::test(flavor = "multi_thread")]
async fn a_hung_run_whose_lock_was_taken_over_commits_nothing_when_it_wakes() {
    let sim = simulator(SimOptions {
        tickets: 3,
        latency: Duration::from_secs(2),
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    let hung = rig
        .command(&["--max-runtime", "3h"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = hung.id() as libc::pid_t;
    let lock = {
        let mut name = rig.state().into_os_string();
        name.push(".lock");
        PathBuf::from(name)
    };
    // Stopped once it has fenced the state (its database work before the listing is
    // done) and while it waits the simulator's two seconds for its listing.
    let fenced = || {
        let db = rusqlite::Connection::open_with_flags(
            rig.state(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .ok()?;
        db.query_row("SELECT epoch FROM sync_fence", [], |r| r.get::<_, i64>(0))
            .ok()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while fenced() != Some(1) {
        assert!(std::time::Instant::now() < deadline, "the run never fenced");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill(2) on the child this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    std::fs::write(
        &lock,
        format!(
            r#"{{"pid":{pid},"started":"{}"}}"#,
            (Utc::now() - chrono::TimeDelta::hours(2)).to_rfc3339()
        ),
    )
    .unwrap();

    let newer = rig.sync(&["--max-runtime", "1h"]).await;
    let err = stderr(&newer);
    assert_eq!(code(&newer), 0, "{err}");
    assert!(err.contains("is likely hung; taking it over"), "{err}");
    let (keys, files) = rig.written();
    assert_eq!((keys.len(), files.len()), (3, 1), "{files:?}");

    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    let woke = tokio::task::spawn_blocking(move || hung.wait_with_output().unwrap())
        .await
        .unwrap();
    let err = stderr(&woke);
    assert_eq!(code(&woke), 1, "{err}");
    assert!(
        err.contains("was taken over by a newer sync while this one was stopped"),
        "{err}"
    );
    assert_eq!(
        rig.written().1,
        files,
        "the newer run's file is as it wrote it"
    );
    let runs = tix(rig.home.path())
        .args(["sync", "status", "-o", "json", "--state"])
        .arg(rig.state())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert_eq!(v[0]["files"], 1, "only the newer run counted a file: {v}");
    sim.shutdown().await;
}
