//! Cyderes' tickets changing over time (`sim::churn`).
//!
//! - New tickets are drawn like the generated ones (type, template, priority, escalation) and
//!   arrive `New`, created and updated at once. They are dated no earlier than any ticket's last
//!   write, so they come first in the newest-first list by either `lookup_fields`.
//! - A changed ticket moves one step along the simulated SOC's workflow (the documents give no
//!   states): `New` → `In Progress` → `Awaiting Customer` → `Resolved` → `Closed`, `On Hold` →
//!   `In Progress`; a closed ticket is touched again.
//! - A version's id is the API's `ticket_id` (`CYDERES-000042`), the id tix's ticket carries, and
//!   its `updated` is what the API then serves; it strictly increases per ticket, even within one
//!   second. Churn runs on the wall clock and moves the store's write clock along, so API writes
//!   made later are dated after it.

use std::sync::{Arc, Mutex};

use rand::Rng;
use rand::rngs::StdRng;

use super::super::churn::{Churn, Version};
use super::super::dataset;
use super::Cyderes;
use super::generate;
use super::render::ticket_id;
use super::store::CLOSED;

pub struct CyderesChurn {
    api: Arc<Cyderes>,
    inner: Mutex<Inner>,
}

struct Inner {
    rng: StdRng,
}

impl CyderesChurn {
    pub fn new(api: Arc<Cyderes>) -> CyderesChurn {
        let rng = dataset::rng(api.seed, "cyderes-churn");
        CyderesChurn {
            api,
            inner: Mutex::new(Inner { rng }),
        }
    }
}

fn version(n: u32, updated: u32) -> Version {
    Version {
        provider: "cyderes",
        id: ticket_id(n),
        updated: i64::from(updated),
    }
}

/// The next workflow state (an index into `STATES`) of a changed ticket.
fn next(state: u8) -> u8 {
    match state {
        0 | 3 => 1,
        1 => 2,
        2 => 4,
        _ => CLOSED,
    }
}

impl Churn for CyderesChurn {
    fn churn(&self, new: usize, updates: usize, now: i64) -> Vec<Version> {
        let now = u32::try_from(now.max(0)).unwrap_or(u32::MAX);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let Inner { rng } = &mut *inner;
        let mut store = self.api.write();
        let mut made = Vec::with_capacity(new + updates);
        let n = store.tickets.len();
        for _ in 0..if n == 0 { 0 } else { updates.min(n * 4) } {
            let t = &mut store.tickets[rng.random_range(0..n)];
            // Strictly later than the last version, so (id, updated) names one version.
            t.updated = now.max(t.updated.saturating_add(1));
            t.state = next(t.state);
            let (id, at) = (t.n, t.updated);
            store.stamp(i64::from(at));
            made.push(version(id, at));
        }
        for _ in 0..new {
            // Not before any write so far: created order stays store order, and the newest
            // ticket heads the list by `updated` too (ties go to the newer ticket).
            let at = i64::from(now).max(store.clock);
            let at = u32::try_from(at).unwrap_or(u32::MAX);
            let id = store.tickets.len() as u32 + 1;
            let ticket = generate::arrival(rng, id, at);
            store.tickets.push(ticket);
            store.stamp(i64::from(at));
            made.push(version(id, at));
        }
        made
    }

    fn current(&self) -> Vec<Version> {
        let store = self.api.read();
        store
            .tickets
            .iter()
            .map(|t| version(t.n, t.updated))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, RwLock};

    use serde_json::Value;

    use super::super::super::dataset::REFERENCE_TIME;
    use super::super::super::{SimOptions, harness};
    use super::super::store::STATES;
    use super::super::{Cyderes, generate};
    use super::CyderesChurn;

    fn churn(tickets: usize) -> CyderesChurn {
        CyderesChurn::new(Arc::new(Cyderes {
            seed: 7,
            tickets,
            api_key: None,
            store: RwLock::new(generate::generate(7, tickets)),
        }))
    }

    #[test]
    fn versions_keep_the_dataset_and_increase_strictly_per_ticket() {
        let c = Arc::new(churn(5));
        let registry = crate::churn::Registry::default();
        registry.add(c.clone());
        let before: HashSet<_> = registry.versions().into_iter().collect();
        assert_eq!(before.len(), 5);
        let now = REFERENCE_TIME + 3600;
        // Far more changes than tickets, all in one second: each ticket changes many times.
        let mut made = registry.churn_at(2, 20, now);
        made.extend(registry.churn_at(1, 20, now));
        assert_eq!(made.len(), 43);
        let mut last: HashMap<String, i64> = HashMap::new();
        for v in &made {
            assert_eq!(v.provider, "cyderes");
            if let Some(prev) = last.insert(v.id.clone(), v.updated) {
                assert!(
                    v.updated > prev,
                    "{} went from {prev} to {}",
                    v.id,
                    v.updated
                );
            }
            assert!(v.updated >= now);
        }
        let all: HashSet<_> = registry.versions().into_iter().collect();
        assert!(before.is_subset(&all), "the pre-churn dataset is kept");
        assert!(made.iter().all(|v| all.contains(v)));
        assert_eq!(all.len(), 5 + 43);
        let store = c.api.read();
        assert_eq!(store.tickets.len(), 8);
        assert!(store.clock >= made.iter().map(|v| v.updated).max().unwrap());
        assert_eq!(STATES[usize::from(store.tickets[7].state)], "New");
    }

    #[tokio::test]
    async fn new_tickets_head_the_list_by_either_lookup_field_with_their_versions() {
        let sim = harness::sim(SimOptions {
            tickets: 20,
            api_key: Some(harness::KEY.into()),
            ..SimOptions::default()
        })
        .await;
        let made: Vec<Value> = harness::client()
            .post(format!("http://{}/_sim/churn?new=3&updates=2", sim.addr()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ours: Vec<&Value> = made.iter().filter(|v| v["provider"] == "cyderes").collect();
        assert_eq!(ours.len(), 5);
        let new_ids = ["CYDERES-000023", "CYDERES-000022", "CYDERES-000021"];
        for lookup in ["created", "updated"] {
            let (status, list) = harness::get(
                &sim,
                "cyderes",
                "/v2/tickets",
                &[
                    ("ticket_type", "all"),
                    ("escalated_only", "false"),
                    ("lookup_fields", lookup),
                ],
            )
            .await;
            assert_eq!(status, 200);
            let list = list.as_array().unwrap();
            assert_eq!(list.len(), 23);
            let top: Vec<&str> = list[..3]
                .iter()
                .map(|t| t["ticket_id"].as_str().unwrap())
                .collect();
            assert_eq!(top, new_ids, "lookup_fields={lookup}");
            assert!(list[..3].iter().all(|t| t["state"] == "New"));
        }
        // Each ticket's latest version is what the API serves as its `updated`.
        let mut latest: HashMap<&str, &str> = HashMap::new();
        for v in &ours {
            let (id, at) = (v["id"].as_str().unwrap(), v["updated"].as_str().unwrap());
            let e = latest.entry(id).or_insert(at);
            *e = (*e).max(at);
        }
        for (id, at) in latest {
            let (_, one) = harness::get(&sim, "cyderes", &format!("/v2/tickets/{id}"), &[]).await;
            let served = one["updated"].as_str().unwrap().replace(' ', "T");
            assert_eq!(
                served.trim_end_matches('Z'),
                at.trim_end_matches('Z'),
                "{id}"
            );
        }
        sim.shutdown().await;
    }
}
