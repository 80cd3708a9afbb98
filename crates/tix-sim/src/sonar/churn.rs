//! Sonar's tickets changing over time (`sim::churn`): new tickets arrive as NEW with no
//! assignee; a changed ticket moves one step along the review workflow (NEW, ASSIGNED,
//! IN_PROGRESS, SUBMITTED, APPROVED, CLOSED), or, once closed, is touched again.

use std::sync::{Arc, Mutex};

use rand::Rng;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::super::churn::{Churn, Version};
use super::super::dataset::{self, ANALYSTS, TENANTS};
use super::Sonar;
use super::catalog::{Priority, REPOS, Status, TEMPLATES};
use super::generate::tasks;
use super::store::Ticket;

pub struct SonarChurn {
    sonar: Arc<Sonar>,
    inner: Mutex<Inner>,
}

struct Inner {
    rng: StdRng,
}

impl SonarChurn {
    pub fn new(sonar: Arc<Sonar>) -> SonarChurn {
        let rng = dataset::rng(sonar.seed, "sonar-churn");
        SonarChurn {
            sonar,
            inner: Mutex::new(Inner { rng }),
        }
    }
}

fn version(guid: Uuid, updated: u32) -> Version {
    Version {
        provider: "sonar",
        id: guid.hyphenated().to_string(),
        updated: i64::from(updated),
    }
}

/// The next workflow status of a changed ticket.
fn next(status: Status) -> Status {
    match status {
        Status::New => Status::Assigned,
        Status::Assigned | Status::Rejected => Status::InProgress,
        Status::InProgress => Status::Submitted,
        Status::Submitted => Status::Approved,
        Status::Approved | Status::Closed => Status::Closed,
    }
}

impl Churn for SonarChurn {
    fn churn(&self, new: usize, updates: usize, now: i64) -> Vec<Version> {
        let now = u32::try_from(now).unwrap_or(u32::MAX);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Inner { rng } = &mut *inner;
        let mut store = self.sonar.write();
        let mut made = Vec::with_capacity(new + updates);
        for _ in 0..new {
            let repo = rng.random_range(0..REPOS.len());
            let template = TEMPLATES
                .iter()
                .position(|t| usize::from(t.repo) == repo)
                .unwrap_or(0);
            let (assignee_task, approver_task) = tasks(Status::New);
            let ticket = Ticket {
                guid: dataset::guid(rng),
                id: 0,
                created: now,
                updated: now,
                closed: 0,
                assignees: 0,
                approvers: 0,
                subject: rng.random(),
                count: 1,
                template: template as u8,
                site: rng.random_range(0..TENANTS.len()) as u8,
                repo: repo as u8,
                priority: [Priority::Low, Priority::Medium, Priority::High][rng.random_range(0..3)],
                status: Status::New,
                format: REPOS[repo].1,
                assignee_task,
                approver_task,
                attack: false,
                incident: false,
                authored: false,
            };
            let guid = ticket.guid;
            store.push(ticket);
            made.push(version(guid, now));
        }
        let n = store.tickets.len();
        for _ in 0..updates.min(n * 4) {
            let guid = store.tickets[rng.random_range(0..n)].guid;
            let analyst = rng.random_range(0..ANALYSTS.len());
            let Some(t) = store.get_mut(&guid) else {
                continue;
            };
            // Strictly later than the last version, so (id, updated) names one version.
            t.updated = now.max(t.updated.saturating_add(1));
            t.status = next(t.status);
            if t.assignees == 0 {
                t.assignees = 1 << analyst;
            }
            (t.assignee_task, t.approver_task) = tasks(t.status);
            if t.status == Status::Closed {
                t.closed = t.updated;
            }
            made.push(version(guid, t.updated));
        }
        made
    }

    fn current(&self) -> Vec<Version> {
        let store = self.sonar.read();
        store
            .tickets
            .iter()
            .map(|t| version(t.guid, t.updated))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::{SimOptions, harness};
    use std::collections::HashSet;

    /// Sonar's versions only: other providers churn in the same simulator.
    fn sonar_only(all: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
        all.into_iter()
            .filter(|v| v["provider"] == "sonar")
            .collect()
    }

    #[tokio::test]
    async fn churn_adds_and_changes_tickets_and_versions_list_every_one() {
        let sim = harness::sim(SimOptions {
            tickets: 20,
            ..SimOptions::default()
        })
        .await;
        let c = harness::client();
        let base = format!("http://{}", sim.addr());
        let versions = |c: reqwest::Client| {
            let url = format!("{base}/_sim/versions");
            async move {
                let v: Vec<serde_json::Value> =
                    c.get(url).send().await.unwrap().json().await.unwrap();
                sonar_only(v)
            }
        };
        assert_eq!(versions(c.clone()).await.len(), 20);
        let made = sonar_only(
            c.post(format!("{base}/_sim/churn?new=3&updates=5"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap(),
        );
        assert_eq!(made.len(), 8);
        let all = versions(c.clone()).await;
        assert_eq!(all.len(), 28, "20 + 3 new + 5 changed versions");
        let made_keys: HashSet<(String, String)> = made
            .iter()
            .map(|v| {
                (
                    v["id"].as_str().unwrap().into(),
                    v["updated"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(made_keys.len(), 8, "each version is distinct");

        // The API shows the 23 tickets, the changed ones with their new update time.
        let list: serde_json::Value = c
            .get(format!("{}/api/sonar/tickets", sim.base_url("sonar")))
            .bearer_auth("k")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 23);
        sim.shutdown().await;
    }
}
