//! `GET /api/sonar/tickets/:guid` → `{"ticket": {...}}`: the list item plus the rule, the content,
//! the risk score and the MITRE ATT&CK techniques (Sonar 5.0 "Get ticket", research §3.3).
//!
//! An unknown GUID is HTTP 500 `illegal-state` "ticket not found: <guid>", not 404 (research §3.1).
//! The content of a generated ticket is rebuilt from the seed and the ticket id on each call.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::json;

use super::super::dataset::{self, Guid};
use super::catalog::{Format, Priority, Subject, TEMPLATES, render_subject};
use super::error::SonarError;
use super::json::{self, Detail, Tactic, Technique};
use super::store::{Store, Ticket};
use super::{Sonar, path_guid};

pub async fn ticket(
    State(sonar): State<Arc<Sonar>>,
    Path(raw): Path<String>,
) -> Result<Response, SonarError> {
    let guid = path_guid(&raw)?;
    let store = sonar.read();
    let t = store
        .get(&guid)
        .ok_or_else(|| SonarError::ticket_not_found(&guid))?;
    let mut ticket = json::ticket(&sonar.dir, &store, t);
    ticket.detail = Some(detail(&sonar, &store, t));
    Ok(Json(json::One { ticket }).into_response())
}

const PORTS: [u16; 6] = [22, 80, 443, 445, 3389, 8080];

fn detail(sonar: &Sonar, store: &Store, t: &Ticket) -> Detail {
    if let Some(text) = store.authored(t) {
        // Created through the API: no rule made it, so there is no rule, score or technique.
        return Detail {
            rule_guid: None,
            rule_type: None,
            rule_name: None,
            content: text.content.clone(),
            risk_score: None,
            mitre_techniques: Vec::new(),
        };
    }
    let template = &TEMPLATES[usize::from(t.template)];
    let mut rng = dataset::rng_for(sonar.seed, "sonar.detail", u64::from(t.id));
    let risk_score = match t.priority {
        Priority::Low => rng.random_range(10..40),
        Priority::Medium => rng.random_range(40..70),
        Priority::High => rng.random_range(70..=100),
    };
    let subject = render_subject(template.subject, t.subject);
    let title = store.title(t);
    let content = match t.format {
        // The keys of the documents' JSON content example (create-ticket, get-ticket).
        Format::Json => json!({
            "first_seen": json::stamp(t, t.created).to_string(),
            "last_seen": json::stamp(t, t.updated).to_string(),
            "priority": t.priority.name(),
            "src_ip": match template.subject {
                Subject::Ip => subject.clone(),
                _ => render_subject(Subject::Ip, rng.random()),
            },
            "dst_ip": render_subject(Subject::Ip, rng.random()),
            "dst_port": PORTS[rng.random_range(0..PORTS.len())],
            "msg": title,
            "logger_name": format!("{}\\fw{}", ["siem", "edge", "dmz"][rng.random_range(0..3)], rng.random_range(1..5)),
        })
        .to_string(),
        Format::Markdown => format!(
            "## {title}\n\n- **Target**: `{subject}`\n- **Rule**: {}\n- **Events merged**: {}\n\n\
             Please review and confirm whether this is expected activity.\n",
            template.rule, t.count
        ),
        Format::Plain => format!(
            "{title}. Detected by rule \"{}\"; {} event(s) merged.",
            template.rule, t.count
        ),
    };
    Detail {
        rule_guid: Some(Guid(sonar.dir.rules[usize::from(t.template)])),
        // Threat detections run on the live stream; the other repositories come from scheduled rules.
        rule_type: Some(if t.repo == 0 { "STREAM" } else { "BATCH" }),
        rule_name: Some(template.rule),
        content,
        risk_score: Some(risk_score),
        mitre_techniques: template
            .mitre
            .iter()
            .map(|m| Technique {
                mitre_id: m.id,
                name: m.name,
                display_name: format!("{} {}", m.id, m.name),
                url: format!(
                    "https://attack.mitre.org/techniques/{}/",
                    m.id.replace('.', "/")
                ),
                tactics: vec![Tactic {
                    mitre_id: m.tactic_id,
                    name: m.tactic,
                }],
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::super::{SimOptions, harness};

    #[tokio::test]
    async fn a_ticket_is_the_list_item_plus_its_detail() {
        let sim = harness::sim(SimOptions {
            tickets: 200,
            ..SimOptions::default()
        })
        .await;
        let (_, list) = harness::get(&sim, "sonar", "/api/sonar/tickets", &[]).await;
        for item in list["tickets"].as_array().unwrap().iter().take(40) {
            let path = format!("/api/sonar/tickets/{}", item["guid"].as_str().unwrap());
            let (status, body) = harness::get(&sim, "sonar", &path, &[]).await;
            assert_eq!(status, 200);
            let ticket = body["ticket"].as_object().unwrap();
            for (key, value) in item.as_object().unwrap() {
                assert_eq!(&ticket[key], value, "{key}");
            }
            assert!(["STREAM", "BATCH"].contains(&ticket["rule_type"].as_str().unwrap()));
            assert!(ticket["rule_guid"].is_string() && ticket["rule_name"].is_string());
            assert!(ticket["risk_score"].as_u64().unwrap() <= 100);
            let content = ticket["content"].as_str().expect("content is a string");
            if ticket["format"] == "JSON" {
                let inner: Value = serde_json::from_str(content).unwrap();
                assert_eq!(inner["priority"], ticket["priority"]);
                assert_eq!(inner["first_seen"], ticket["created"]);
            }
            for m in ticket["mitre_techniques"].as_array().unwrap() {
                assert!(m["mitre_id"].as_str().unwrap().starts_with('T'));
                assert!(
                    m["tactics"][0]["mitre_id"]
                        .as_str()
                        .unwrap()
                        .starts_with("TA")
                );
            }
        }
        sim.shutdown().await;
    }

    // Research §3.1: a missing ticket is HTTP 500 illegal-state, not 404.
    #[tokio::test]
    async fn unknown_and_malformed_guids() {
        let sim = harness::sim(SimOptions {
            tickets: 5,
            ..SimOptions::default()
        })
        .await;
        let unknown = "201dc306-5ef7-4d4f-b872-1fa0f4d7dc57";
        for suffix in ["", "/comments", "/attachments"] {
            let path = format!("/api/sonar/tickets/{unknown}{suffix}");
            let (status, body) = harness::get(&sim, "sonar", &path, &[]).await;
            assert_eq!(status, 500);
            assert_eq!(body["error_code"], "illegal-state");
            assert_eq!(body["error_msg"], format!("ticket not found: {unknown}"));

            let path = format!("/api/sonar/tickets/12345{suffix}");
            let (status, body) = harness::get(&sim, "sonar", &path, &[]).await;
            assert_eq!(status, 400);
            assert_eq!(body["error_code"], "invalid-param-type");
            assert_eq!(body["error_msg"], "guid should be guid type.");
        }
        sim.shutdown().await;
    }
}
