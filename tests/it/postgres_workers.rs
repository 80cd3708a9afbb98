//! Issue 20's acceptance test: three worker processes (each its own HOME and config, one
//! PostgreSQL state, one shared output directory) sync 30 profiles from the simulator
//! over five rounds with tickets arriving and changing between them; in one round a
//! worker is killed with SIGKILL while it holds leases. At the end every version of every
//! ticket reached each profile's files exactly once, and the simulator's request log
//! shows no profile read by two workers at the same time.

use crate::harness::{code, stderr};
use crate::postgres_server::{PASSWORD, PgServer};
use crate::postgres_state::{migrate, run};
use crate::sync::{churn_and_settle, current, simulator, tix, versions};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tix_sim::SimOptions;
use tix_sim::request_log::{Logged, caller_of};

const WORKERS: usize = 3;
const PROFILES: usize = 30;
const ROUNDS: usize = 5;
/// The round in which worker 0 is killed.
const KILL_ROUND: usize = 1;

/// The key worker `w` uses for profile `p`: the simulator's log tells them apart by it.
fn key(w: usize, p: usize) -> String {
    format!("w{w}-key-p{p:02}")
}

/// One worker host: its HOME, with a config file naming the 30 profiles.
struct Host {
    home: tempfile::TempDir,
    index: usize,
}

impl Host {
    fn new(index: usize, sonar: &str) -> Host {
        let home = tempfile::tempdir().unwrap();
        let mut config = String::new();
        for p in 0..PROFILES {
            config.push_str(&format!(
                "[profiles.p{p:02}]\nprovider = \"sonar\"\nbase_url = \"{sonar}\"\napi_key_env = \"KEY_P{p:02}\"\n\n"
            ));
        }
        std::fs::write(home.path().join("config.toml"), config).unwrap();
        Host { home, index }
    }

    fn command(&self, server: &PgServer, out: &Path) -> std::process::Command {
        let mut cmd = tix(self.home.path());
        cmd.env("TIX_CONFIG", self.home.path().join("config.toml"))
            .env("TIX_STATE_URL", server.url_without_password())
            .env("PGPASSWORD", PASSWORD)
            .args(["sync", "--all", "--workers", "2", "--lease", "2s"])
            .args(["--page-size", "5", "--quiet", "--out"])
            .arg(out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for p in 0..PROFILES {
            cmd.env(format!("KEY_P{p:02}"), key(self.index, p));
        }
        cmd
    }
}

/// Every line of every file under `out`, per profile: (id, updated).
fn written(out: &Path) -> BTreeMap<String, Vec<(String, DateTime<Utc>)>> {
    let mut by_profile: BTreeMap<String, Vec<_>> = BTreeMap::new();
    let mut dirs = vec![out.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path: PathBuf = e.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            // A killed worker's unfinished temporary file is not output.
            if name.starts_with(".tix-") {
                continue;
            }
            assert!(name.ends_with(".jsonl"), "a stray file: {}", path.display());
            let profile = path
                .strip_prefix(out)
                .unwrap()
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                by_profile.entry(profile.clone()).or_default().push((
                    v["id"].as_str().unwrap().to_owned(),
                    v["updated"].as_str().unwrap().parse().unwrap(),
                ));
            }
        }
    }
    by_profile
}

/// Checks no two workers' requests for one profile overlap in time: per profile, in
/// order of arrival, each worker's consecutive requests form a block, and every block
/// ends before the next begins. Answers the blocks per profile (worker indexes).
fn assert_one_worker_at_a_time(
    log: &[Logged],
    callers: &HashMap<String, (usize, usize)>,
) -> HashMap<usize, Vec<usize>> {
    let mut per_profile: HashMap<usize, Vec<(usize, &Logged)>> = HashMap::new();
    for entry in log {
        let (w, p) = callers
            .get(&entry.caller)
            .unwrap_or_else(|| panic!("a request by an unknown caller: {entry:?}"));
        per_profile.entry(*p).or_default().push((*w, entry));
    }
    let mut blocks_of = HashMap::new();
    for (p, mut requests) in per_profile {
        requests.sort_by_key(|(_, e)| e.started_us);
        // (worker, first start, last end)
        let mut blocks: Vec<(usize, u64, u64)> = Vec::new();
        for (w, e) in requests {
            match blocks.last_mut() {
                Some(b) if b.0 == w => b.2 = b.2.max(e.ended_us),
                _ => blocks.push((w, e.started_us, e.ended_us)),
            }
        }
        for pair in blocks.windows(2) {
            assert!(
                pair[0].2 <= pair[1].1,
                "profile p{p:02}: worker {} was still reading ({}us) when worker {} began ({}us)",
                pair[0].0,
                pair[0].2,
                pair[1].0,
                pair[1].1
            );
        }
        blocks_of.insert(p, blocks.iter().map(|b| b.0).collect());
    }
    blocks_of
}

#[tokio::test(flavor = "multi_thread")]
async fn three_workers_thirty_profiles_five_rounds_one_killed_every_version_once() {
    let server = PgServer::start();
    let sim = simulator(SimOptions {
        tickets: 20,
        // Slow enough that a run is still reading when its worker is killed.
        latency: Duration::from_millis(15),
        ..SimOptions::default()
    })
    .await;
    let sonar = sim.base_url("sonar");
    let hosts: Vec<Host> = (0..WORKERS).map(|i| Host::new(i, &sonar)).collect();
    let out = tempfile::tempdir().unwrap();
    let o = migrate(&server, hosts[0].home.path()).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let callers: HashMap<String, (usize, usize)> = (0..WORKERS)
        .flat_map(|w| (0..PROFILES).map(move |p| (caller_of(&key(w, p)), (w, p))))
        .collect();
    let mut kill_round_log = Vec::new();
    // Every version current when a round starts stays so through it (nothing churns
    // during a round): each must reach every profile's files. A version a second change
    // replaced within the same churn was never there to read.
    let mut must = HashSet::new();

    for round in 0..ROUNDS {
        if round > 0 {
            churn_and_settle(&sim, 3, 4).await;
        }
        must.extend(current(&sim).await);
        let seen_before = sim.requests().len();
        let children: Vec<std::process::Child> = hosts
            .iter()
            .map(|h| h.command(&server, out.path()).spawn().unwrap())
            .collect();
        let mut children: Vec<Option<std::process::Child>> =
            children.into_iter().map(Some).collect();
        if round == KILL_ROUND {
            // Worker 0 is killed once it is reading: it holds leases, mid-run.
            let w0: HashSet<String> = (0..PROFILES).map(|p| caller_of(&key(0, p))).collect();
            let started = std::time::Instant::now();
            while !sim.requests()[seen_before..]
                .iter()
                .any(|e| w0.contains(&e.caller))
            {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "worker 0 never started reading"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let mut victim = children[0].take().unwrap();
            victim.kill().unwrap(); // SIGKILL
            let _ = tokio::task::spawn_blocking(move || victim.wait())
                .await
                .unwrap();
        }
        for (i, child) in children.into_iter().enumerate() {
            let Some(child) = child else { continue };
            let o = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
                .await
                .unwrap();
            assert_eq!(code(&o), 0, "round {round}, worker {i}: {}", stderr(&o));
        }
        if round == KILL_ROUND {
            kill_round_log = sim.requests()[seen_before..].to_vec();
        }
    }

    // Exactly once, per profile: every version that was there to read, no line twice,
    // nothing the simulator did not make.
    let all = versions(&sim).await;
    let by_profile = written(out.path());
    assert_eq!(by_profile.len(), PROFILES, "{:?}", by_profile.keys());
    for (profile, lines) in &by_profile {
        let unique: HashSet<_> = lines.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            lines.len(),
            "{profile}: a version written twice"
        );
        let missing: Vec<_> = must.difference(&unique).collect();
        assert!(missing.is_empty(), "{profile}: never written: {missing:?}");
        assert!(
            unique.is_subset(&all),
            "{profile}: a version the simulator never made"
        );
    }
    assert!(must.len() > 20 + 4 * 3, "{} versions", must.len());

    // One worker at a time per profile, over the whole test.
    assert_one_worker_at_a_time(&sim.requests(), &callers);
    // The killed worker's runs were taken over: some profile it was reading was then
    // read by another worker in the same round.
    let blocks = assert_one_worker_at_a_time(&kill_round_log, &callers);
    assert!(
        blocks
            .values()
            .any(|ws| ws.windows(2).any(|pair| pair[0] == 0 && pair[1] != 0)),
        "no run of the killed worker was taken over: {blocks:?}"
    );

    // Every row is free again, with its last success.
    let status = run(
        hosts[1].home.path(),
        &["sync", "status", "-o", "json"],
        &[
            ("TIX_STATE_URL", &server.url_without_password()),
            ("PGPASSWORD", PASSWORD),
        ],
    )
    .await;
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(rows.len(), PROFILES);
    for r in &rows {
        assert!(r["lease_host"].is_null(), "{r}");
        assert!(r["last_success"].is_string(), "{r}");
    }
    sim.shutdown().await;
}
