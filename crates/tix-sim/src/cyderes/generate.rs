//! The seeded Cyderes dataset: tickets of every type over the 90 days before the reference time,
//! newest ones more likely open; texts, comments and files rebuilt from (seed, ticket) on demand.
//!
//! The spreads are ours (the documents give none): mostly alerts, escalated alerts a minority, so a
//! client that keeps the API's defaults (`ticket_type=alert`, `escalated_only=true`) visibly misses
//! most tickets.

use bytes::Bytes;
use rand::Rng;
use rand::rngs::StdRng;

use super::super::dataset::{self, ANALYSTS, REFERENCE_TIME, TENANTS, WINDOW_SECS};
use super::store::{CLOSED, Comment, File, Kind, Store, Ticket};

/// (kind, weight).
const KINDS: [(Kind, u32); 5] = [
    (Kind::Alert, 55),
    (Kind::ServiceTask, 10),
    (Kind::ServiceProactive, 8),
    (Kind::ServiceRequest, 12),
    (Kind::Phishing, 15),
];

/// Title templates per kind; `{}` is a host, user or domain drawn from the subject number.
pub const TITLES: [(Kind, &str); 12] = [
    (Kind::Alert, "Impossible travel for {}"),
    (Kind::Alert, "Encoded PowerShell on {}"),
    (Kind::Alert, "Brute force against VPN account {}"),
    (Kind::Alert, "Outbound beacon from {} to a known C2"),
    (Kind::ServiceTask, "Tune detection rule noise on {}"),
    (Kind::ServiceTask, "Onboard log source {}"),
    (Kind::ServiceProactive, "Threat hunt: exposed RDP on {}"),
    (
        Kind::ServiceProactive,
        "Advisory: patch the VPN appliance {}",
    ),
    (Kind::ServiceRequest, "Allow-list scanner {}"),
    (Kind::ServiceRequest, "Add analyst account {}"),
    (Kind::Phishing, "Reported phishing sent to {}"),
    (Kind::Phishing, "Credential harvester link reported by {}"),
];

pub fn generate(seed: u64, n: usize) -> Store {
    let mut rng = dataset::rng(seed, "cyderes");
    let created = dataset::creation_instants(&mut rng, n);
    let tickets = created
        .iter()
        .enumerate()
        .map(|(i, &at)| ticket(&mut rng, i as u32 + 1, at))
        .collect();
    Store::new(tickets, REFERENCE_TIME)
}

fn ticket(rng: &mut StdRng, n: u32, created: i64) -> Ticket {
    let kind = kind(rng);
    let template = template(rng, kind);
    let age = (REFERENCE_TIME - created) as f64 / WINDOW_SECS as f64;
    let state = if rng.random_bool(0.2 + 0.7 * age.clamp(0.0, 1.0)) {
        CLOSED
    } else {
        weighted(rng, &[25, 35, 20, 5, 15]) as u8
    };
    let escalated = escalated(rng, kind);
    let max_gap = (REFERENCE_TIME - created).min(7 * 24 * 3600);
    Ticket {
        n,
        kind,
        created: created as u32,
        updated: (created + rng.random_range(0..=max_gap)) as u32,
        state,
        priority: 1 + weighted(rng, &[20, 45, 35]) as u8,
        escalated,
        template,
        subject: rng.random(),
    }
}

/// A ticket arriving at `at` (`churn.rs`): drawn like the generated ones, `New` and not yet
/// worked on, so created and updated at once.
pub fn arrival(rng: &mut StdRng, n: u32, at: u32) -> Ticket {
    let kind = kind(rng);
    let template = template(rng, kind);
    let escalated = escalated(rng, kind);
    Ticket {
        n,
        kind,
        created: at,
        updated: at,
        state: 0,
        priority: 1 + weighted(rng, &[20, 45, 35]) as u8,
        escalated,
        template,
        subject: rng.random(),
    }
}

fn kind(rng: &mut StdRng) -> Kind {
    KINDS[weighted(rng, &KINDS.map(|(_, w)| w))].0
}

fn template(rng: &mut StdRng, kind: Kind) -> u8 {
    let of_kind: Vec<usize> = (0..TITLES.len()).filter(|&i| TITLES[i].0 == kind).collect();
    of_kind[rng.random_range(0..of_kind.len())] as u8
}

fn escalated(rng: &mut StdRng, kind: Kind) -> bool {
    match kind {
        Kind::Alert => rng.random_bool(0.3),
        Kind::Phishing => rng.random_bool(0.5),
        Kind::ServiceRequest => false,
        _ => rng.random_bool(0.1),
    }
}

fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

/// What a title's `{}` stands for.
pub fn subject(t: &Ticket) -> String {
    let tenant = &TENANTS[t.subject as usize % TENANTS.len()];
    match t.template % 3 {
        0 => format!(
            "{}-WS-{:03}",
            &tenant.name[..3].to_uppercase(),
            t.subject % 1000
        ),
        1 => tenant.contacts[(t.subject as usize / 7) % 2]
            .to_lowercase()
            .replace(' ', "."),
        _ => format!(
            "10.{}.{}.{}",
            t.subject % 200,
            (t.subject / 200) % 250,
            t.subject % 250 + 1
        ),
    }
}

pub fn title(t: &Ticket) -> String {
    TITLES[usize::from(t.template)].1.replace("{}", &subject(t))
}

/// The generated comments of a ticket, oldest first.
pub fn comments(seed: u64, t: &Ticket) -> Vec<Comment> {
    let mut rng = dataset::rng_for(seed, "cyderes.comments", u64::from(t.n));
    let count = rng.random_range(0..3);
    (0..count)
        .map(|k| {
            let span = i64::from(t.updated.saturating_sub(t.created)).max(1);
            Comment {
                id: format!("CMT{:07}{k}", t.n),
                created: i64::from(t.created) + span * (k + 1) / (count + 1),
                author: if k % 2 == 0 {
                    format!(
                        "{} (Cyderes SOC)",
                        ANALYSTS[rng.random_range(0..ANALYSTS.len())]
                    )
                } else {
                    TENANTS[t.subject as usize % TENANTS.len()].contacts[0].to_owned()
                },
                body: match k {
                    0 => format!("Investigating {}.", subject(t)),
                    _ => "Confirmed with the asset owner.".to_owned(),
                },
            }
        })
        .collect()
}

/// The generated files of a ticket: small, deterministic, of a few kinds.
pub fn files(seed: u64, t: &Ticket) -> Vec<File> {
    let mut rng = dataset::rng_for(seed, "cyderes.files", u64::from(t.n));
    let count = [0, 0, 1, 1, 2][rng.random_range(0..5)];
    (0..count)
        .map(|k| {
            let (name, mime, bytes) = if rng.random_bool(0.5) {
                let rows: String = (0..rng.random_range(2..40))
                    .map(|r| {
                        format!(
                            "{},{},process_start,pid={}\n",
                            t.created + r,
                            subject(t),
                            rng.random_range(100..9999)
                        )
                    })
                    .collect();
                (
                    format!("edr-timeline-{}.csv", t.n),
                    "text/csv",
                    Bytes::from(format!("time,host,event,detail\n{rows}")),
                )
            } else {
                let len = rng.random_range(64..4096);
                let data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                (
                    format!("capture-{}-{k}.pcap", t.n),
                    "application/vnd.tcpdump.pcap",
                    Bytes::from(data),
                )
            };
            File {
                id: format!("ATT{:07}{k}", t.n),
                name,
                mime: mime.to_owned(),
                created: i64::from(t.updated),
                bytes,
            }
        })
        .collect()
}
