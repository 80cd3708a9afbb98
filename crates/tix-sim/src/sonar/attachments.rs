//! `GET /api/sonar/tickets/:guid/attachments` → `{"attachments": [{guid, user_guid, ticket_guid,
//! file_name, file_size}]}` (Sonar 5.0 "Get ticket attachments", research §3.3).
//!
//! Metadata only: a generated ticket has 0 to 2 attachments, rebuilt from (seed, ticket id). The
//! upload flow (tokens, `POST /api/sonar/upload`) is not simulated, so API-created tickets have none.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::super::dataset::{self, ANALYSTS, Guid};
use super::error::SonarError;
use super::json::{Attachment, Attachments};
use super::{Sonar, path_guid};

pub async fn list(
    State(sonar): State<Arc<Sonar>>,
    Path(raw): Path<String>,
) -> Result<Response, SonarError> {
    let guid = path_guid(&raw)?;
    let store = sonar.read();
    let t = store
        .get(&guid)
        .ok_or_else(|| SonarError::ticket_not_found(&guid))?;
    let mut attachments = Vec::new();
    if !t.authored {
        let mut rng = dataset::rng_for(sonar.seed, "sonar.attachments", u64::from(t.id));
        let n = [0, 0, 0, 1, 1, 2][rng.random_range(0..6)];
        for k in 0..n {
            let file_name = match rng.random_range(0..4) {
                0 => format!("capture-{}-{k}.pcap", t.id),
                1 => format!("edr-timeline-{}.csv", t.id),
                2 => format!("screenshot-{k}.png"),
                _ => "incident-report.pdf".to_string(),
            };
            let uploader = rng.random_range(0..ANALYSTS.len());
            attachments.push(Attachment {
                guid: Guid(dataset::guid(&mut rng)),
                user_guid: Guid(sonar.dir.users[uploader].guid),
                ticket_guid: Guid(t.guid),
                file_name,
                file_size: rng.random_range(1_024..20_000_000),
            });
        }
    }
    Ok(Json(Attachments { attachments }).into_response())
}

#[cfg(test)]
mod tests {
    use super::super::super::{SimOptions, harness};

    #[tokio::test]
    async fn attachments_belong_to_their_ticket() {
        let sim = harness::sim(SimOptions {
            tickets: 40,
            ..SimOptions::default()
        })
        .await;
        let (_, list) = harness::get(&sim, "sonar", "/api/sonar/tickets", &[]).await;
        let mut total = 0;
        for item in list["tickets"].as_array().unwrap() {
            let path = format!(
                "/api/sonar/tickets/{}/attachments",
                item["guid"].as_str().unwrap()
            );
            let (status, body) = harness::get(&sim, "sonar", &path, &[]).await;
            assert_eq!(status, 200);
            for a in body["attachments"].as_array().unwrap() {
                total += 1;
                assert_eq!(a["ticket_guid"], item["guid"]);
                assert!(a["guid"].is_string() && a["user_guid"].is_string());
                assert!(a["file_name"].is_string() && a["file_size"].as_u64().unwrap() > 0);
            }
        }
        assert!(total > 0);
        sim.shutdown().await;
    }
}
