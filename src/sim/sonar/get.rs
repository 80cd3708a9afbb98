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
