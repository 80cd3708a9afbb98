//! `-o ocsf`: every ticket of every provider as an OCSF Incident Finding that validates
//! against the schema fragment in fixtures/ocsf/.

use crate::every_provider::{PROVIDERS, simulator, tix};
use crate::harness::{code, lines, stderr};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let path = format!(
        "{}/fixtures/ocsf/incident_finding.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_providers_tickets_validate_as_incident_findings() {
    let sim = simulator(60).await;
    let validator = validator();
    for provider in PROVIDERS {
        let list = tix(&sim, &["list", "--provider", provider, "-o", "jsonl"], &[]).await;
        assert_eq!(code(&list), 0, "{}", stderr(&list));
        let tickets = lines(&list);
        let o = tix(&sim, &["list", "--provider", provider, "-o", "ocsf"], &[]).await;
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let events = lines(&o);
        assert_eq!(events.len(), tickets.len(), "{provider}");
        assert!(!events.is_empty(), "{provider}");
        // Arctic Wolf's pods answer in any order: pair each event with its ticket by id.
        let by_id: std::collections::HashMap<&str, &Value> = tickets
            .iter()
            .map(|t| (t["id"].as_str().unwrap(), t))
            .collect();
        for e in &events {
            let t = by_id[e["metadata"]["uid"].as_str().unwrap()];
            if let Err(err) = validator.validate(e) {
                panic!("{provider}: {err} in {e}");
            }
            assert_eq!(e["class_uid"], 2005);
            assert_eq!(e["metadata"]["uid"], t["id"]);
            assert_eq!(e["unmapped"]["provider"], provider);
            assert_eq!(
                e["finding_info_list"][0]["uid"],
                format!("{provider}:{}", t["id"].as_str().unwrap())
            );
            let want_severity = match t["priority"].as_str().unwrap() {
                "critical" => 5,
                "high" => 4,
                "medium" => 3,
                "low" => 2,
                _ => 0,
            };
            assert_eq!(e["severity_id"], want_severity, "{t}");
            let want_status = match t["status"].as_str().unwrap() {
                "new" => 1,
                "open" | "in_progress" => 2,
                "waiting_customer" | "waiting_provider" => 3,
                "resolved" => 4,
                "closed" => 5,
                _ => 99,
            };
            assert_eq!(e["status_id"], want_status, "{t}");
            let created = t["created"].as_str().map(|c| {
                chrono::DateTime::parse_from_rfc3339(c)
                    .unwrap()
                    .timestamp_millis()
            });
            if let Some(created) = created {
                assert_eq!(e["time"], created, "{t}");
            }
            if let Some(tenant) = t["tenant"]["id"].as_str() {
                assert_eq!(e["metadata"]["tenant_uid"], tenant);
            }
        }
    }
    sim.shutdown().await;
}

#[test]
fn the_schema_fragment_refuses_what_ocsf_requires() {
    let validator = validator();
    let ok: Value = serde_json::json!({
        "activity_id": 1, "category_uid": 2, "class_uid": 2005, "type_uid": 200501,
        "time": 1, "severity_id": 3, "status_id": 1,
        "metadata": {"version": "1.2.0", "product": {"vendor_name": "v"}},
        "finding_info_list": [{"uid": "a", "title": "t"}],
        "assignee_group": {"name": "g"}
    });
    assert!(validator.is_valid(&ok));
    for key in [
        "class_uid",
        "time",
        "metadata",
        "finding_info_list",
        "assignee_group",
    ] {
        let mut bad = ok.clone();
        bad.as_object_mut().unwrap().remove(key);
        assert!(!validator.is_valid(&bad), "without {key}");
    }
    let mut bad = ok.clone();
    bad["class_uid"] = 2004.into();
    assert!(!validator.is_valid(&bad));
    let mut bad = ok;
    bad["time"] = "2026-01-01T00:00:00Z".into();
    assert!(!validator.is_valid(&bad));
}

#[tokio::test(flavor = "multi_thread")]
async fn fields_and_ocsf_do_not_mix_and_lists_of_orgs_are_not_findings() {
    let sim = simulator(5).await;
    let o = tix(
        &sim,
        &[
            "list",
            "--provider",
            "sonar",
            "-o",
            "ocsf",
            "--fields",
            "id",
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--fields"), "{}", stderr(&o));
    let o = tix(
        &sim,
        &["orgs", "--provider", "arcticwolf", "-o", "ocsf"],
        &[],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--output"), "{}", stderr(&o));
    sim.shutdown().await;
}
