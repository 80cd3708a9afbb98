//! Every ```` ```sh run ```` block of the README runs against the simulator, so the
//! README's examples cannot drift from the binary.

use std::net::SocketAddr;
use std::path::Path;
use tix_sim::{self as sim, SimOptions};

/// The README's runnable blocks, each with the line it starts on.
fn runnable_blocks(readme: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```sh run" => current = Some((n + 1, String::new())),
            None => {}
            Some(_) if line.trim() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```sh run block");
    blocks
}

#[tokio::test(flavor = "multi_thread")]
async fn every_runnable_readme_example_runs_against_the_simulator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = runnable_blocks(&readme);
    assert!(blocks.len() >= 6, "only {} runnable blocks", blocks.len());
    assert!(
        readme.starts_with("# tix") && readme.contains("```sh\ncargo install --path .\n```"),
        "the README starts with how to install"
    );

    let handle = sim::start(SimOptions::default(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_tix"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let url = |p: &str| handle.base_url(p);
    // What a reader who followed the README's `export` lines against `tix sim` has set.
    let env: Vec<(String, String)> = vec![
        ("PATH".into(), path),
        ("TZ".into(), "UTC".into()),
        ("NO_COLOR".into(), "1".into()),
        ("TIX_SONAR_URL".into(), url("sonar")),
        ("TIX_SONAR_API_KEY".into(), "sim".into()),
        ("TIX_ARGUS_URL".into(), url("argus")),
        ("TIX_ARGUS_API_KEY".into(), "sim".into()),
        ("TIX_CYDERES_URL".into(), url("cyderes")),
        ("TIX_CYDERES_TOKEN".into(), "sim".into()),
        ("TIX_CYDERES_AUTHOR".into(), "Ana Souza".into()),
        ("TIX_ARCTICWOLF_URL".into(), url("arcticwolf")),
        ("TIX_ARCTICWOLF_API_KEY".into(), "sim".into()),
    ];
    let outcomes = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        blocks
            .into_iter()
            .map(|(line, script)| {
                let o = std::process::Command::new("bash")
                    .args(["-e", "-o", "pipefail", "-c", &script])
                    .current_dir(dir.path())
                    .env_clear()
                    .env("HOME", dir.path())
                    .env("XDG_CONFIG_HOME", dir.path().join(".config"))
                    .env("XDG_STATE_HOME", dir.path().join(".state"))
                    .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .output()
                    .unwrap();
                (line, script, o)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (line, script, o) in &outcomes {
        assert!(
            o.status.success(),
            "README.md:{line}: the block failed ({:?})\n{script}\nstdout:\n{}\nstderr:\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("tix: "), "README.md:{line}: {err}");
    }
    handle.shutdown().await;
}

#[test]
fn blocks_are_found_with_their_line() {
    let text = "x\n```sh run\ntix a\ntix b\n```\n```sh\nnot run\n```\n```sh run\ntix c\n```\n";
    assert_eq!(
        runnable_blocks(text),
        [(2, "tix a\ntix b\n".to_owned()), (9, "tix c\n".to_owned())]
    );
}

/// The README's precedence table is the order `config::effective` implements (its
/// matrix test restates the same five ranks).
#[test]
fn the_readme_states_the_precedence_the_code_implements() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let ranks = [
        "| 1 | a command-line flag |",
        "| 2 | the profile named by `--profile` or `TIX_PROFILE` |",
        "| 3 | the environment |",
        "| 4 | the config file's default profile for `--provider X` |",
        "| 5 | the built-in default |",
    ];
    let mut at = 0;
    for rank in ranks {
        let found = readme[at..]
            .find(rank)
            .unwrap_or_else(|| panic!("README lacks, or misorders, {rank}"));
        at += found + rank.len();
    }
}
