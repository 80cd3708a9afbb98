//! Tickets that arrive and change over time, so `tix sync` can be tested for exactly-once
//! delivery against a moving dataset.
//!
//! - `POST /_sim/churn?new=N&updates=M`: every provider that registered a [`Churn`] adds
//!   `N` tickets and changes `M` existing ones now; the answer lists the versions made.
//! - `GET /_sim/versions`: every `(provider, id, updated)` version that existed: the
//!   dataset as it stood before the first churn, every version churn made since, and
//!   the current ones.
//! - `tix sim --churn N/s` calls the same hook N times a second.
//!
//! A provider's simulator joins by implementing [`Churn`] over its own store and adding
//! one line to its router: `churn.add(Arc::new(MyChurn::new(state)))`. Its `id` is
//! the id its API gives a client (the one the normalized ticket carries) and a version's
//! `updated` strictly increases per ticket, even within one second, so that `(id,
//! updated)` names one version.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};

/// One version of one ticket.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Version {
    pub provider: &'static str,
    pub id: String,
    #[serde(serialize_with = "rfc3339")]
    pub updated: i64,
}

fn rfc3339<S: Serializer>(secs: &i64, s: S) -> Result<S::Ok, S::Error> {
    let at = DateTime::<Utc>::from_timestamp(*secs, 0).unwrap_or_default();
    s.collect_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A provider simulator whose tickets can change over time.
pub trait Churn: Send + Sync {
    /// Adds `new` tickets and changes `updates` existing ones at `now` (Unix seconds);
    /// answers the versions made.
    fn churn(&self, new: usize, updates: usize, now: i64) -> Vec<Version>;
    /// Every ticket's version as it is now; the registry remembers the past ones.
    fn current(&self) -> Vec<Version>;
}

/// The providers that registered a churn hook, and every version churn has seen.
#[derive(Clone, Default)]
pub struct Registry {
    inner: Arc<Mutex<Hooks>>,
}

#[derive(Default)]
struct Hooks {
    hooks: Vec<Arc<dyn Churn>>,
    /// The dataset as it stood at the first churn, then every version made since.
    /// `None` until the first churn, so a simulator that never churns keeps no copy.
    log: Option<HashSet<Version>>,
}

impl Registry {
    pub fn add(&self, hook: Arc<dyn Churn>) {
        self.lock().hooks.push(hook);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Hooks> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Churns every registered provider now.
    pub fn churn(&self, new: usize, updates: usize) -> Vec<Version> {
        self.churn_at(new, updates, Utc::now().timestamp())
    }

    /// Churns every registered provider at `now` (Unix seconds).
    pub fn churn_at(&self, new: usize, updates: usize, now: i64) -> Vec<Version> {
        let mut inner = self.lock();
        let Hooks { hooks, log } = &mut *inner;
        let log = log.get_or_insert_with(|| hooks.iter().flat_map(|h| h.current()).collect());
        let made: Vec<Version> = hooks
            .iter()
            .flat_map(|h| h.churn(new, updates, now))
            .collect();
        log.extend(made.iter().cloned());
        made
    }

    /// Every version that existed, in no particular order: the log and what is current.
    pub fn versions(&self) -> Vec<Version> {
        let inner = self.lock();
        let mut all: HashSet<Version> = inner.hooks.iter().flat_map(|h| h.current()).collect();
        if let Some(log) = &inner.log {
            all.extend(log.iter().cloned());
        }
        all.into_iter().collect()
    }
}

#[derive(Deserialize)]
pub struct ChurnParams {
    #[serde(default)]
    new: usize,
    #[serde(default)]
    updates: usize,
}

/// The most one call may add or change, so a typo cannot stall the simulator.
const MAX_PER_CALL: usize = 100_000;

pub async fn churn(
    State(registry): State<Registry>,
    Query(p): Query<ChurnParams>,
) -> Json<Vec<Version>> {
    let (new, updates) = (p.new.min(MAX_PER_CALL), p.updates.min(MAX_PER_CALL));
    let made = tokio::task::spawn_blocking(move || registry.churn(new, updates))
        .await
        .unwrap_or_default();
    Json(made)
}

pub async fn versions(State(registry): State<Registry>) -> Json<Vec<Version>> {
    let all = tokio::task::spawn_blocking(move || registry.versions())
        .await
        .unwrap_or_default();
    Json(all)
}

/// Parses `--churn`: events per second, as `N/s` (or `N/m`, or a plain `N`).
pub fn parse_rate(s: &str) -> Option<f64> {
    let (n, per) = match s.split_once('/') {
        Some((n, "s")) => (n, 1.0),
        Some((n, "m")) => (n, 60.0),
        Some(_) => return None,
        None => (s, 1.0),
    };
    let n: f64 = n.trim().parse().ok()?;
    (n.is_finite() && n > 0.0).then_some(n / per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("5/s"), Some(5.0));
        assert_eq!(parse_rate("30/m"), Some(0.5));
        assert_eq!(parse_rate("2"), Some(2.0));
        assert_eq!(parse_rate("0/s"), None);
        assert_eq!(parse_rate("5/h"), None);
        assert_eq!(parse_rate("x/s"), None);
    }

    #[test]
    fn versions_serialize_as_rfc3339() {
        let v = Version {
            provider: "sonar",
            id: "a".into(),
            updated: 1_793_491_200,
        };
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({"provider": "sonar", "id": "a", "updated": "2026-11-01T00:00:00Z"})
        );
    }
}
