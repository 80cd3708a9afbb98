//! The binary's contract: stdout carries data only, stderr messages only, exit codes.

use crate::harness::{code, run, stderr, stdout};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn schema_is_the_ticket_schema() {
    let o = run(&["schema"], &[]).await;
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["$id"], "tix.ticket/v1");
    for key in [
        "provider",
        "id",
        "number",
        "tenant",
        "status",
        "priority",
        "type",
        "created",
        "assignees",
    ] {
        assert!(v["properties"].get(key).is_some(), "{key}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn providers_lists_sonar_and_what_it_supports() {
    let o = run(&["providers", "--json"], &[]).await;
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sonar = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "sonar")
        .unwrap();
    assert_eq!(sonar["page_size"]["max"], 1000);
    assert!(
        sonar["supports"]
            .as_array()
            .unwrap()
            .contains(&"get".into())
    );
    let o = run(&["providers"], &[]).await;
    assert!(stdout(&o).contains("sonar"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_url_or_key_is_exit_3_with_what_to_set() {
    let o = run(
        &["list", "--provider", "sonar"],
        &[("TIX_SONAR_API_KEY", "k")],
    )
    .await;
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("TIX_SONAR_URL"), "{}", stderr(&o));
    let o = run(
        &["list", "--provider", "sonar"],
        &[("TIX_SONAR_URL", "https://s")],
    )
    .await;
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("TIX_SONAR_API_KEY"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_provider_and_unsupported_operation_are_exit_2() {
    let o = run(&["list", "--provider", "jira"], &[]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("one of: sonar"), "{}", stderr(&o));
    let o = run(&["list"], &[]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--provider"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_a_remote_host_is_refused() {
    let o = run(
        &[
            "list",
            "--provider",
            "sonar",
            "--base-url",
            "http://sonar.example.com",
        ],
        &[("TIX_SONAR_API_KEY", "k")],
    )
    .await;
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("only loopback"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn config_show_masks_secrets_and_refuses_shared_literal_keys() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[profiles.prod]\nprovider = \"sonar\"\nbase_url = \"https://sonar.example\"\napi_key = \"literal-secret-99\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let path = cfg.to_str().unwrap();
    let o = run(
        &["--config", path, "config", "show"],
        &[("TIX_SONAR_API_KEY", "env-secret-42")],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("prod") && out.contains("https://sonar.example"),
        "{out}"
    );
    assert!(
        !out.contains("literal-secret-99") && !out.contains("env-secret-42"),
        "{out}"
    );

    #[cfg(unix)]
    {
        let o = run(&["--config", path, "list", "--provider", "sonar"], &[]).await;
        assert_eq!(code(&o), 3);
        assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("literal-secret-99"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_config_file_named_explicitly_is_an_error() {
    let o = run(
        &[
            "--config",
            "/nonexistent/tix.toml",
            "list",
            "--provider",
            "sonar",
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("does not exist"));
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_print_a_script() {
    let o = run(&["completions", "bash"], &[]).await;
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("tix"));
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_are_clap_s_whole_message_with_a_tip_and_exit_2() {
    let o = run(&["get"], &[]).await;
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("<PROVIDER>") && err.contains("<ID>") && err.contains("Usage: tix get"),
        "{err}"
    );
    let o = run(&["list", "--limt", "3"], &[]).await;
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("'--limt'") && err.contains("a similar argument exists: '--limit'"),
        "{err}"
    );
    assert!(err.contains("Usage: tix list"), "{err}");
    let o = run(&["lsit"], &[]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("'list'"), "{}", stderr(&o));
    let o = run(&["list", "-o", "yaml"], &[]).await;
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("[possible values: table, json, jsonl, csv, ocsf]"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn help_has_examples_and_a_global_options_heading() {
    for verb in ["list", "get", "sync", "cw", "attach"] {
        let o = run(&[verb, "--help"], &[]).await;
        assert_eq!(code(&o), 0);
        let out = stdout(&o);
        assert!(out.contains("\nExamples:\n  tix "), "{verb}: {out}");
        let global = out
            .find("Global options:")
            .expect("a Global options heading");
        assert!(out[global..].contains("--profile"), "{verb}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn man_prints_a_man_page_with_every_verb() {
    let o = run(&["man"], &[]).await;
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains(".TH tix 1"), "{out}");
    for verb in ["list", "get", "sync", "config"] {
        assert!(out.contains(verb), "{verb}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn config_show_names_where_each_value_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[profiles.prod]\nprovider = \"sonar\"\nbase_url = \"https://prod.example\"\napi_key_env = \"PROD_KEY\"\n",
    )
    .unwrap();
    let path = cfg.to_str().unwrap();
    let env = [
        ("TIX_SONAR_URL", "https://env.example"),
        ("TIX_SONAR_API_KEY", "env-secret-42"),
    ];
    let o = run(&["--config", path, "config", "show", "-o", "json"], &env).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let by = |sel: &str| {
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["selection"] == sel)
            .unwrap_or_else(|| panic!("{sel}: {v}"))
            .clone()
    };
    // Named, the profile wins; as the provider's default, the environment does.
    let named = by("--profile prod");
    assert_eq!(
        named["settings"]["base_url"]["value"],
        "https://prod.example"
    );
    assert_eq!(
        named["settings"]["base_url"]["from"],
        format!("profile prod in {path}")
    );
    let default = by("--provider sonar");
    assert_eq!(
        default["settings"]["base_url"]["value"],
        "https://env.example"
    );
    assert_eq!(default["settings"]["base_url"]["from"], "env TIX_SONAR_URL");
    assert_eq!(
        default["settings"]["api_key"]["from"],
        "env TIX_SONAR_API_KEY"
    );
    assert!(!stdout(&o).contains("env-secret-42"));

    // Two sonar profiles and no default: an error now, naming both, exit 3.
    std::fs::write(
        &cfg,
        "[profiles.prod]\nprovider = \"sonar\"\nbase_url = \"https://p\"\napi_key_env = \"K\"\n\
         [profiles.staging]\nprovider = \"sonar\"\nbase_url = \"https://s\"\napi_key_env = \"K\"\n",
    )
    .unwrap();
    let o = run(&["--config", path, "config", "show"], &[]).await;
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("--provider sonar: config: several sonar profiles")
            && stdout(&o).contains("(prod, staging)"),
        "{}",
        stdout(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn providers_lists_connectwise_as_a_sink_and_speaks_in_words() {
    let o = run(&["providers", "-o", "json"], &[]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let cw = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "connectwise")
        .expect("connectwise is listed");
    assert_eq!(cw["role"], "sink");
    assert!(
        cw["env"]
            .as_array()
            .unwrap()
            .contains(&"TIX_CW_SITE".into())
    );
    let o = run(&["providers"], &[]).await;
    let out = stdout(&o);
    assert!(out.contains("connectwise (sink)"), "{out}");
    assert!(
        out.contains("adding comments") && !out.contains("add_comment"),
        "{out}"
    );
    for format in ["jsonl", "csv"] {
        let o = run(&["providers", "-o", format], &[]).await;
        assert_eq!(code(&o), 0, "{format}: {}", stderr(&o));
        assert!(stdout(&o).contains("connectwise"), "{format}");
    }
    let o = run(&["tags", "list", "sonar", "1"], &[]).await;
    assert_eq!(code(&o), 2);
    assert_eq!(stderr(&o).trim(), "tix: sonar does not support tags");
    let o = run(&["comment", "sonar", "1", "hi"], &[]).await;
    assert_eq!(
        stderr(&o).trim(),
        "tix: sonar does not support adding comments"
    );
}
