//! A hermetic `tix` command: no real config, no real keys, fixed width, no colour.

use std::process::Output;

pub const KEY: &str = "test-key-7f3a9c";

/// The real binary with a clean environment: only what a test passes is set.
pub fn tix(home: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("tix").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("NO_COLOR", "1")
        // Tables and the detail view print local time: make it the same everywhere.
        .env("TZ", "UTC")
        .env("COLUMNS", "100");
    cmd
}

/// Runs tix with `args` and `env` off the async runtime (the mock server lives on it).
pub async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = tix(home.path());
        cmd.args(&args);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

/// Runs tix against a Sonar at `url` with the test key.
pub async fn sonar(url: &str, args: &[&str]) -> Output {
    run(args, &[("TIX_SONAR_URL", url), ("TIX_SONAR_API_KEY", KEY)]).await
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// JSON Lines on stdout, each parsed.
pub fn lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A fixture under fixtures/<provider>/.
pub fn fixture(provider: &str, name: &str) -> serde_json::Value {
    let path = format!("{}/fixtures/{provider}/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}
