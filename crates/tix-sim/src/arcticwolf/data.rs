//! The simulated Arctic Wolf tenants: the dataset's five customers spread over three pods,
//! as one MSP's personal API key sees them, and their tickets.

use super::super::dataset::{self, ANALYSTS, TENANTS};
use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use rand::rngs::StdRng;

/// (tenant index, pod, customerID, parent tenant index), over three of the pods research §1.3
/// lists (us001, eu001, au001). Hanbit Capital is the MSP-style
/// parent of Tasman Health and Meridian Retail, so `?root=` has something to narrow.
const PLACEMENT: [(usize, &str, &str, Option<usize>); 5] = [
    (0, "au001", "hanbit", None),
    (1, "eu001", "meridian", Some(0)),
    (2, "us001", "acmelog", None),
    (3, "eu001", "nordlys", None),
    (4, "au001", "tasman", Some(0)),
];

pub struct Organization {
    pub id: String,
    pub customer_id: &'static str,
    pub name: &'static str,
    pub pod: &'static str,
    pub parent: Option<usize>,
}

pub struct Ticket {
    pub number: u64,
    pub title: &'static str,
    pub status: &'static str,
    pub priority: &'static str,
    pub kind: &'static str,
    pub assignee: Option<usize>,
    pub created: i64,
    pub updated: i64,
}

pub const STATUSES: [&str; 5] = ["NEW", "OPEN", "PENDING", "HOLD", "CLOSED"];
pub const PRIORITIES: [&str; 4] = ["LOW", "NORMAL", "HIGH", "URGENT"];
pub const TYPES: [&str; 4] = ["QUESTION", "INCIDENT", "PROBLEM", "TASK"];

pub const TITLES: [&str; 8] = [
    "Suspicious sign-in from a new country",
    "Malware detected on endpoint",
    "Vulnerability scan results",
    "Phishing e-mail reported by a user",
    "Sensor offline",
    "Brute-force attempts against VPN",
    "Request to whitelist a scanner",
    "Impossible travel for a service account",
];

/// The organizations (by tenant order) and each one's tickets, numbered from 17,600,001
/// in creation order across all of them, as a real MSP's ids look (research §1.12).
pub fn generate(seed: u64, tickets: usize) -> (Vec<Organization>, Vec<Vec<Ticket>>) {
    let mut rng = dataset::rng(seed, "arcticwolf");
    let orgs: Vec<Organization> = PLACEMENT
        .iter()
        .map(|&(t, pod, customer_id, parent)| Organization {
            id: dataset::guid(&mut rng).hyphenated().to_string(),
            customer_id,
            name: TENANTS[t].name,
            pod,
            parent,
        })
        .collect();
    let mut per_org: Vec<Vec<Ticket>> = orgs.iter().map(|_| Vec::new()).collect();
    for (i, created) in dataset::creation_instants(&mut rng, tickets)
        .into_iter()
        .enumerate()
    {
        per_org[i % orgs.len()].push(ticket(&mut rng, 17_600_001 + i as u64, created));
    }
    (orgs, per_org)
}

fn ticket(rng: &mut StdRng, number: u64, created: i64) -> Ticket {
    let updated = (created + rng.random_range(0..14 * 24 * 3600)).min(dataset::REFERENCE_TIME);
    // Most real tickets are closed (research §1.12: 136 of 144).
    let status = if rng.random_bool(0.6) {
        "CLOSED"
    } else {
        STATUSES[rng.random_range(0..4)]
    };
    Ticket {
        number,
        title: TITLES[rng.random_range(0..TITLES.len())],
        status,
        priority: PRIORITIES[rng.random_range(0..PRIORITIES.len())],
        kind: TYPES[rng.random_range(0..TYPES.len())],
        assignee: rng
            .random_bool(0.8)
            .then(|| rng.random_range(0..ANALYSTS.len())),
        created,
        updated,
    }
}

/// The spec's date-time: milliseconds and `Z`.
pub fn time(secs: i64, millis: u32) -> String {
    DateTime::<Utc>::from_timestamp(secs, millis * 1_000_000)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An analyst as the API's `User`.
pub fn analyst(i: usize) -> serde_json::Value {
    let first = ANALYSTS[i % ANALYSTS.len()];
    serde_json::json!({
        "firstName": first,
        "lastName": "Wolfe",
        "email": format!("{}@soc.example.net", first.to_ascii_lowercase()),
    })
}
