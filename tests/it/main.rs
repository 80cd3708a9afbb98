//! Integration tests: one binary, one module per area (aesthetics.md §2.13).
//!
//! Tests restate the ticket schema with `serde_json::Value` instead of importing
//! `tix::model::Ticket`, so an accidental schema change fails here.

mod architecture;
mod arcticwolf;
mod arcticwolf_e2e;
mod argus;
mod argus_e2e;
mod argus_verbs;
mod cli;
mod connectwise;
mod connectwise_crash;
mod connectwise_e2e;
mod connectwise_push;
mod cyderes;
mod cyderes_e2e;
mod cyderes_verbs;
mod e2e;
mod every_provider;
mod exit_codes;
mod harness;
mod hostile;
mod http;
mod identical;
mod jq;
mod merge_e2e;
mod ocsf;
mod postgres_server;
mod postgres_state;
mod postgres_workers;
mod readme;
mod sonar;
mod stats;
mod sync;
mod tables;
mod tls;
mod verbs;
mod watch;

#[test]
fn no_forgotten_test_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = name.strip_suffix(".rs")
            && module != "main"
        {
            assert!(
                main.contains(&format!("mod {module};")),
                "tests/it/{name} is not in main.rs"
            );
        }
    }
}
