//! Argus's cases changing over time (`sim::churn`): new cases arrive as `pendingSoc` with
//! no tech assigned (what a create without a status gives); a changed case moves one step
//! along the workflow (pendingSoc, workingSoc, pendingCustomer, workingCustomer,
//! pendingClose, closed; pendingVendor goes back to workingSoc) or, once closed, is
//! touched again.
//!
//! Argus times are epoch milliseconds while a version's `updated` is Unix seconds, so a
//! change is dated on a whole second, at least one second after the case's last update:
//! `lastUpdatedTimestamp / 1000` is then the version's `updated`, strictly increasing per case.

use std::sync::{Arc, Mutex};

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::super::churn::{Churn, Version};
use super::super::dataset::{self, ANALYSTS, TENANTS};
use super::Argus;
use super::store::{Case, PRIORITIES, SERVICES, SUBJECTS, TYPES};

pub struct ArgusChurn {
    argus: Arc<Argus>,
    inner: Mutex<Inner>,
}

struct Inner {
    rng: StdRng,
}

impl ArgusChurn {
    pub fn new(argus: Arc<Argus>) -> ArgusChurn {
        let rng = dataset::rng(argus.read().seed, "argus-churn");
        ArgusChurn {
            argus,
            inner: Mutex::new(Inner { rng }),
        }
    }
}

/// The second a case's `lastUpdatedTimestamp` falls in, as a client truncates it.
fn secs(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

fn version(id: i64, secs: i64) -> Version {
    Version {
        provider: "argus",
        id: id.to_string(),
        updated: secs,
    }
}

/// The next workflow status of a changed case.
fn next(status: &str) -> &'static str {
    match status {
        "pendingSoc" | "pendingVendor" => "workingSoc",
        "workingSoc" => "pendingCustomer",
        "pendingCustomer" => "workingCustomer",
        "workingCustomer" => "pendingClose",
        _ => "closed",
    }
}

impl Churn for ArgusChurn {
    fn churn(&self, new: usize, updates: usize, now: i64) -> Vec<Version> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Inner { rng } = &mut *inner;
        let mut store = self.argus.write();
        let mut made = Vec::with_capacity(new + updates);
        let at = now * 1000;
        for _ in 0..new {
            let subject = *SUBJECTS.choose(rng).expect("not empty");
            let customer = rng.random_range(0..TENANTS.len());
            let case = Case {
                id: store.next_id,
                subject: subject.to_owned(),
                description: format!("<p>{subject} reported for {}.</p>", TENANTS[customer].name),
                customer,
                service: rng.random_range(0..SERVICES.len()),
                kind: TYPES[rng.random_range(0..TYPES.len())],
                status: "pendingSoc".to_owned(),
                priority: PRIORITIES[rng.random_range(0..PRIORITIES.len())].to_owned(),
                access_mode: "roleBased".to_owned(),
                tech: None,
                created: at,
                updated: at,
                closed: 0,
                owned: false,
            };
            store.next_id += 1;
            made.push(version(case.id, now));
            store.cases.push(case);
        }
        let n = store.cases.len();
        for _ in 0..updates.min(n * 4) {
            let c = &mut store.cases[rng.random_range(0..n)];
            // A whole second strictly after the last version, so (id, updated) names one.
            let s = now.max(secs(c.updated) + 1);
            c.updated = s * 1000;
            if c.status != "closed" {
                c.status = next(&c.status).to_owned();
                if c.status == "closed" {
                    c.closed = c.updated;
                }
            }
            if c.tech.is_none() {
                c.tech = ANALYSTS.choose(rng).copied();
            }
            made.push(version(c.id, s));
        }
        made
    }

    fn current(&self) -> Vec<Version> {
        let store = self.argus.read();
        store
            .cases
            .iter()
            .map(|c| version(c.id, secs(c.updated)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::{SimOptions, harness};
    use super::super::{Argus, store};
    use super::*;
    use serde_json::Value;
    use std::sync::RwLock;

    fn argus(tickets: usize) -> Arc<Argus> {
        Arc::new(Argus {
            api_key: None,
            store: RwLock::new(store::generate(7, tickets)),
        })
    }

    #[test]
    fn versions_of_one_case_strictly_increase_within_one_second() {
        let a = argus(1);
        let registry = crate::churn::Registry::default();
        registry.add(Arc::new(ArgusChurn::new(Arc::clone(&a))));
        let before = secs(a.read().cases[0].updated);
        let now = before - 10;
        let made: Vec<i64> = (0..4)
            .flat_map(|_| registry.churn_at(0, 1, now))
            .map(|v| v.updated)
            .collect();
        assert_eq!(made, vec![before + 1, before + 2, before + 3, before + 4]);
        let c = &a.read().cases[0];
        assert_eq!(c.updated, (before + 4) * 1000);
        let all = registry.versions();
        assert_eq!(all.len(), 5, "the generated version and four changes");
        assert!(all.contains(&version(c.id, before)));
    }

    #[test]
    fn new_cases_arrive_pending_soc_with_the_next_ids() {
        let a = argus(5);
        let made = ArgusChurn::new(Arc::clone(&a)).churn(3, 0, 1_800_000_000);
        let ids: Vec<&str> = made.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["1000006", "1000007", "1000008"]);
        let store = a.read();
        assert_eq!(store.next_id, 1_000_009);
        for c in &store.cases[5..] {
            assert_eq!(c.status, "pendingSoc");
            assert_eq!(
                (c.created, c.updated, c.closed),
                (1_800_000_000_000, 1_800_000_000_000, 0)
            );
            assert!(c.tech.is_none());
        }
    }

    #[test]
    fn a_changed_case_moves_along_the_workflow_and_stays_closed() {
        let mut s = "pendingVendor";
        let mut seen = vec![s];
        while s != "closed" {
            s = next(s);
            seen.push(s);
        }
        assert_eq!(
            seen,
            [
                "pendingVendor",
                "workingSoc",
                "pendingCustomer",
                "workingCustomer",
                "pendingClose",
                "closed"
            ]
        );
        assert_eq!(next("closed"), "closed");
    }

    #[tokio::test]
    async fn new_cases_are_listed_and_versions_keep_the_dataset() {
        let sim = harness::sim(SimOptions {
            tickets: 20,
            api_key: Some(harness::KEY.into()),
            ..SimOptions::default()
        })
        .await;
        let c = harness::client();
        let versions_url = format!("http://{}/_sim/versions", sim.addr());
        let argus_versions = |all: Vec<Value>| -> std::collections::HashSet<(String, String)> {
            all.iter()
                .filter(|v| v["provider"] == "argus")
                .map(|v| {
                    (
                        v["id"].as_str().unwrap().into(),
                        v["updated"].as_str().unwrap().into(),
                    )
                })
                .collect()
        };
        let get = |url: String| {
            let c = c.clone();
            async move {
                c.get(url)
                    .send()
                    .await
                    .unwrap()
                    .json::<Vec<Value>>()
                    .await
                    .unwrap()
            }
        };
        let before = argus_versions(get(versions_url.clone()).await);
        assert_eq!(before.len(), 20);
        let made: Vec<Value> = c
            .post(format!("http://{}/_sim/churn?new=3&updates=5", sim.addr()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let made: Vec<&Value> = made.iter().filter(|v| v["provider"] == "argus").collect();
        assert_eq!(made.len(), 8);
        let new_ids: Vec<&str> = made[..3]
            .iter()
            .map(|v| v["id"].as_str().unwrap())
            .collect();
        assert_eq!(new_ids, ["1000021", "1000022", "1000023"]);
        let after = argus_versions(get(versions_url).await);
        assert!(after.is_superset(&before), "the pre-churn dataset stays");
        assert_eq!(after.len(), 28, "20 + 3 new + 5 changed versions");

        let list: Value = c
            .get(harness::url(&sim, "argus", "/cases/v2/case?limit=0"))
            .header("Argus-API-Key", harness::KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["count"], 23);
        let cases = list["data"].as_array().unwrap();
        for (id, v) in new_ids.iter().zip(&made) {
            let case = cases
                .iter()
                .find(|c| c["id"].as_i64() == id.parse().ok())
                .unwrap();
            let created = case["createdTimestamp"].as_i64().unwrap() / 1000;
            let at = chrono::DateTime::from_timestamp(created, 0).unwrap();
            assert_eq!(
                v["updated"],
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            assert!(case["subject"].as_str().is_some_and(|s| !s.is_empty()));
        }
        // Each case's latest version is what the API serves, to the second.
        for case in cases {
            let id = case["id"].to_string();
            let latest = after
                .iter()
                .filter(|(i, _)| *i == id)
                .map(|(_, u)| u)
                .max()
                .unwrap();
            let served = case["lastUpdatedTimestamp"]
                .as_i64()
                .unwrap()
                .div_euclid(1000);
            let at = chrono::DateTime::from_timestamp(served, 0).unwrap();
            assert_eq!(
                latest,
                &at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "{id}"
            );
        }
        sim.shutdown().await;
    }
}
