//! Arctic Wolf's tickets changing over time (`sim::churn`): new tickets arrive as NEW with no
//! assignee, numbered on from the highest number and spread over the organizations (and so the
//! pods) the way the generated ones are; a changed ticket moves one step along the Ticket API's
//! statuses (NEW, OPEN, PENDING, CLOSED; HOLD back to OPEN), gaining an analyst when it opens,
//! or, once closed, is touched again.
//!
//! A version's id is what a client reads off the API: `ORGANIZATION_ID/NUMBER`, ticket numbers
//! being per organization. Its `updated` is the ticket's `updatedAt`, served in whole seconds.

use std::sync::{Arc, Mutex};

use rand::Rng;
use rand::rngs::StdRng;

use super::super::churn::{Churn, Version};
use super::super::dataset::{self, ANALYSTS};
use super::ArcticWolf;
use super::data::{self, PRIORITIES, TYPES};

/// The first generated ticket's number (`data::generate`).
const FIRST_NUMBER: u64 = 17_600_001;

pub struct ArcticWolfChurn {
    aw: Arc<ArcticWolf>,
    inner: Mutex<Inner>,
}

struct Inner {
    rng: StdRng,
}

impl ArcticWolfChurn {
    pub fn new(seed: u64, aw: Arc<ArcticWolf>) -> ArcticWolfChurn {
        ArcticWolfChurn {
            aw,
            inner: Mutex::new(Inner {
                rng: dataset::rng(seed, "arcticwolf-churn"),
            }),
        }
    }

    fn version(&self, org: usize, number: u64, updated: i64) -> Version {
        Version {
            provider: "arcticwolf",
            id: format!("{}/{number}", self.aw.orgs[org].id),
            updated,
        }
    }
}

/// The status a changed ticket moves to.
fn next(status: &'static str) -> &'static str {
    match status {
        "NEW" | "HOLD" => "OPEN",
        "OPEN" => "PENDING",
        _ => "CLOSED",
    }
}

fn current(tickets: &[Vec<data::Ticket>]) -> impl Iterator<Item = (usize, u64, i64)> + '_ {
    tickets
        .iter()
        .enumerate()
        .flat_map(|(o, list)| list.iter().map(move |t| (o, t.number, t.updated)))
}

impl Churn for ArcticWolfChurn {
    fn churn(&self, new: usize, updates: usize, now: i64) -> Vec<Version> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Inner { rng } = &mut *inner;
        let mut tickets = self.aw.tickets_mut();
        let mut made = Vec::with_capacity(new + updates);
        let orgs = tickets.len();
        let mut number = tickets
            .iter()
            .filter_map(|l| l.last().map(|t| t.number))
            .max()
            .unwrap_or(FIRST_NUMBER - 1);
        for _ in 0..new {
            number += 1;
            // Round the organizations as generation does, so every pod gets new tickets.
            let org = ((number - FIRST_NUMBER) % orgs as u64) as usize;
            tickets[org].push(data::Ticket {
                number,
                title: data::TITLES[rng.random_range(0..data::TITLES.len())],
                status: "NEW",
                priority: PRIORITIES[rng.random_range(0..PRIORITIES.len())],
                kind: TYPES[rng.random_range(0..TYPES.len())],
                assignee: None,
                // A second before it is served, so `createdAt` (with its milliseconds) stays
                // before `updatedAt`.
                created: now - 1,
                updated: now,
            });
            made.push(self.version(org, number, now));
        }
        let n: usize = tickets.iter().map(Vec::len).sum();
        for _ in 0..updates.min(n * 4) {
            let mut k = rng.random_range(0..n);
            let org = tickets
                .iter()
                .position(|l| {
                    let here = k < l.len();
                    if !here {
                        k -= l.len();
                    }
                    here
                })
                .unwrap_or(0);
            let analyst = rng.random_range(0..ANALYSTS.len());
            let t = &mut tickets[org][k];
            // Strictly later than the last version, so (id, updated) names one version.
            t.updated = now.max(t.updated + 1);
            t.status = next(t.status);
            if t.status == "OPEN" && t.assignee.is_none() {
                t.assignee = Some(analyst);
            }
            made.push(self.version(org, t.number, t.updated));
        }
        made
    }

    fn current(&self) -> Vec<Version> {
        let tickets = self.aw.tickets();
        current(&tickets)
            .map(|(o, n, u)| self.version(o, n, u))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::{SimOptions, harness};
    use super::super::data::STATUSES;
    use serde_json::Value;
    use std::collections::{HashMap, HashSet};

    async fn json(req: reqwest::RequestBuilder) -> Value {
        req.send().await.unwrap().json().await.unwrap()
    }

    /// Arctic Wolf's versions only: Sonar churns in the same simulator.
    async fn ours(req: reqwest::RequestBuilder) -> Vec<Value> {
        let all = json(req).await;
        let all = all.as_array().unwrap().iter().cloned();
        all.filter(|v| v["provider"] == "arcticwolf").collect()
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
        let versions = || ours(c.get(format!("{base}/_sim/versions")));
        let before = versions().await;
        assert_eq!(before.len(), 20);
        let made = ours(c.post(format!("{base}/_sim/churn?new=3&updates=5"))).await;
        assert_eq!(made.len(), 8);
        let all = versions().await;
        assert_eq!(all.len(), 28, "20 + 3 new + 5 changed versions");
        assert!(before.iter().all(|v| all.contains(v)), "keeps the dataset");
        let keys: HashSet<(&str, &str)> = made
            .iter()
            .map(|v| (v["id"].as_str().unwrap(), v["updated"].as_str().unwrap()))
            .collect();
        assert_eq!(keys.len(), 8, "each version is distinct");
        // Per ticket, versions strictly increase in the order they were made.
        let mut last: HashMap<&str, &str> = HashMap::new();
        for v in before.iter().chain(&made) {
            let (id, at) = (v["id"].as_str().unwrap(), v["updated"].as_str().unwrap());
            if let Some(prev) = last.insert(id, at) {
                assert!(prev < at, "{id}: {prev} then {at}");
            }
        }

        // The API lists the 23 tickets; each one serves its latest version as `updatedAt`.
        let orgs = json(
            c.get(format!(
                "{}/api/v1/organizations",
                sim.base_url("arcticwolf")
            ))
            .bearer_auth("k"),
        )
        .await;
        let mut served = HashMap::new();
        let mut new_orgs = HashSet::new();
        for o in orgs.as_array().unwrap() {
            let (id, pod) = (o["id"].as_str().unwrap(), o["pod"].as_str().unwrap());
            let url = format!(
                "{}/pods/{pod}/api/v1/organizations/{id}/tickets?limit=100",
                sim.base_url("arcticwolf")
            );
            let page = json(c.get(url).bearer_auth("k")).await;
            for t in page["results"].as_array().unwrap() {
                assert!(STATUSES.contains(&t["status"].as_str().unwrap()));
                let key = format!("{id}/{}", t["id"]);
                let at = t["updatedAt"].as_str().unwrap();
                assert!(at.ends_with(".000Z"), "{at}");
                if made[..3].iter().any(|v| v["id"] == key.as_str()) {
                    assert_eq!(t["status"], "NEW");
                    new_orgs.insert(pod.to_owned());
                }
                served.insert(key, at.replace(".000Z", "Z"));
            }
        }
        assert_eq!(served.len(), 23);
        assert!(new_orgs.len() > 1, "new tickets spread over pods");
        for (id, at) in last {
            assert_eq!(served[id], at, "{id}");
        }
        sim.shutdown().await;
    }
}
