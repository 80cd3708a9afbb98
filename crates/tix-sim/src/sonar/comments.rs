//! `GET /api/sonar/tickets/:guid/comments` → `{"comments": [...]}`, unpaged (Sonar 4.0 "Get ticket
//! comments", research §3.2–3.3).
//!
//! A generated ticket has 0 to 5 comments, rebuilt from (seed, ticket id) on each call, written
//! between its creation and its last update by its assignees and its site's contacts. Tickets created
//! through the API have none. The `output_html` parameter is accepted and ignored.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::super::dataset::{self, ANALYSTS, Guid};
use super::catalog::Directory;
use super::error::SonarError;
use super::json::{self, Comment, Comments};
use super::store::Ticket;
use super::{Sonar, path_guid};

const PLAIN: [&str; 6] = [
    "Checked the source address against our threat intelligence feeds; no prior sightings.",
    "Blocked the address at the perimeter firewall as a precaution.",
    "Customer confirmed this was a scheduled maintenance window.",
    "Escalating to tier 2 for host forensics.",
    "No further activity observed in the last 24 hours.",
    "Asked the customer to confirm whether the account owner initiated this.",
];

const MARKDOWN: [&str; 3] = [
    "**Triage**\n\n- Source reputation: low\n- Related events: 3\n- Next step: monitor",
    "Containment done:\n\n1. Isolated the host\n2. Reset credentials\n3. Collected `memory.dmp`",
    "See the [runbook](https://runbooks.example/soc/phishing) for the standard response.",
];

pub async fn list(
    State(sonar): State<Arc<Sonar>>,
    Path(raw): Path<String>,
) -> Result<Response, SonarError> {
    let guid = path_guid(&raw)?;
    let store = sonar.read();
    let t = store
        .get(&guid)
        .ok_or_else(|| SonarError::ticket_not_found(&guid))?;
    let comments = if t.authored {
        Vec::new()
    } else {
        generate(sonar.seed, &sonar.dir, t)
    };
    Ok(Json(Comments { comments }).into_response())
}

fn generate(seed: u64, dir: &Directory, t: &Ticket) -> Vec<Comment> {
    let mut rng = dataset::rng_for(seed, "sonar.comments", u64::from(t.id));
    let n = rng.random_range(0..=5);
    let mut at: Vec<u32> = (0..n)
        .map(|_| rng.random_range(t.created..=t.updated))
        .collect();
    at.sort_unstable();
    at.into_iter()
        .map(|created| {
            let author = author(&mut rng, t);
            let markdown = rng.random_bool(0.3);
            let content = if markdown {
                MARKDOWN[rng.random_range(0..MARKDOWN.len())]
            } else {
                PLAIN[rng.random_range(0..PLAIN.len())]
            };
            // Some comments were edited later, never after the ticket's last update.
            let updated = if rng.random_bool(0.2) {
                rng.random_range(created..=t.updated)
            } else {
                created
            };
            Comment {
                guid: Guid(dataset::guid(&mut rng)),
                user_guid: Guid(dir.users[author].guid),
                user_name: dir.users[author].name,
                kind: "TEXT",
                format: if markdown { "MARKDOWN" } else { "PLAIN" },
                content: content.to_string(),
                created: json::stamp(t, created),
                updated: json::stamp(t, updated),
                x_login: None,
                x_user: None,
                x_dept: None,
            }
        })
        .collect()
}

/// One of the ticket's assignees, or a contact of its site, or any analyst for an unassigned ticket.
fn author(rng: &mut impl Rng, t: &Ticket) -> usize {
    if rng.random_bool(0.25) {
        return Directory::contact(usize::from(t.site), rng.random_range(0..2));
    }
    let assigned: Vec<usize> = (0..ANALYSTS.len())
        .filter(|u| t.assignees & (1 << u) != 0)
        .collect();
    match assigned.as_slice() {
        [] => rng.random_range(0..ANALYSTS.len()),
        some => some[rng.random_range(0..some.len())],
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::{SimOptions, harness};

    #[tokio::test]
    async fn comments_are_shaped_like_the_document_and_stable() {
        let sim = harness::sim(SimOptions {
            tickets: 60,
            ..SimOptions::default()
        })
        .await;
        let (_, list) = harness::get(&sim, "sonar", "/api/sonar/tickets", &[]).await;
        let mut total = 0;
        for item in list["tickets"].as_array().unwrap() {
            let path = format!(
                "/api/sonar/tickets/{}/comments",
                item["guid"].as_str().unwrap()
            );
            let (status, body) = harness::get(&sim, "sonar", &path, &[]).await;
            assert_eq!(status, 200);
            let comments = body["comments"].as_array().unwrap();
            assert!(comments.len() <= 5);
            total += comments.len();
            for c in comments {
                assert_eq!(c["type"], "TEXT");
                assert!(["PLAIN", "MARKDOWN"].contains(&c["format"].as_str().unwrap()));
                for key in [
                    "guid",
                    "user_guid",
                    "user_name",
                    "content",
                    "created",
                    "updated",
                ] {
                    assert!(c[key].is_string(), "{key}");
                }
                for key in ["x_login", "x_user", "x_dept"] {
                    assert!(c[key].is_null(), "{key}");
                }
            }
            assert_eq!(harness::get(&sim, "sonar", &path, &[]).await.1, body);
        }
        assert!(total > 0);
        sim.shutdown().await;
    }
}
