//! The seeded Sonar dataset: tickets created over the 90 days before the reference time, ids in
//! creation order, older tickets more likely closed.
//!
//! The spreads are ours (the documents give none) and aim at what a SOC queue looks like: most tickets
//! are Threat detections, about half are closed, NEW tickets are the recent ones.

use rand::Rng;
use rand::rngs::StdRng;

use super::super::dataset::{self, ANALYSTS, REFERENCE_TIME, TENANTS, WINDOW_SECS};
use super::catalog::{Directory, Priority, REPO_WEIGHTS, REPOS, Status, TEMPLATES, Task};
use super::store::{Store, Ticket};

/// Open statuses other than NEW-or-CLOSED, with weights.
const OPEN: [(Status, u32); 6] = [
    (Status::New, 20),
    (Status::Assigned, 20),
    (Status::InProgress, 30),
    (Status::Submitted, 12),
    (Status::Approved, 10),
    (Status::Rejected, 8),
];

pub fn generate(seed: u64, n: usize) -> (Directory, Store) {
    let mut rng = dataset::rng(seed, "sonar");
    let dir = Directory::generate(&mut rng);
    let created = dataset::creation_instants(&mut rng, n);
    let tickets = created
        .iter()
        .enumerate()
        .map(|(i, &at)| ticket(&mut rng, i as u32 + 1, at))
        .collect();
    (dir, Store::new(tickets))
}

fn ticket(rng: &mut StdRng, id: u32, created: i64) -> Ticket {
    let site = rng.random_range(0..TENANTS.len());
    let repo = weighted(rng, &REPO_WEIGHTS);
    // TEMPLATES lists each repository's templates together.
    let of_repo = |t: &&super::catalog::Template| usize::from(t.repo) == repo;
    let first = TEMPLATES.iter().position(|t| of_repo(&t)).unwrap_or(0);
    let template = first + rng.random_range(0..TEMPLATES.iter().filter(of_repo).count());
    let priority = [Priority::Low, Priority::Medium, Priority::High][weighted(rng, &[45, 35, 20])];

    // Closing chance grows with age: 15% for today's tickets, 85% for the oldest.
    let age = (REFERENCE_TIME - created) as f64 / WINDOW_SECS as f64;
    let status = if rng.random_bool(0.15 + 0.7 * age.clamp(0.0, 1.0)) {
        Status::Closed
    } else {
        OPEN[weighted(rng, &OPEN.map(|(_, w)| w))].0
    };

    let max_gap = (REFERENCE_TIME - created).min(10 * 24 * 3600);
    let updated = created + rng.random_range(0..=max_gap);
    let closed = if status == Status::Closed { updated } else { 0 };

    let (assignees, approvers) = people(rng, status, site);
    let (assignee_task, approver_task) = tasks(status);
    let attack = match repo {
        0 => rng.random_bool(0.6),
        2 => true,
        _ => false,
    };
    let incident = repo == 2 || (attack && rng.random_bool(0.1));
    let count = if rng.random_bool(0.2) {
        rng.random_range(4..60)
    } else {
        rng.random_range(1..4)
    };
    Ticket {
        guid: dataset::guid(rng),
        id,
        created: created as u32,
        updated: updated as u32,
        closed: closed as u32,
        assignees,
        approvers,
        subject: rng.random(),
        count,
        template: template as u8,
        site: site as u8,
        repo: repo as u8,
        priority,
        status,
        format: REPOS[repo].1,
        assignee_task,
        approver_task,
        attack,
        incident,
        authored: false,
    }
}

/// Assignee and approver bit sets: NEW tickets have nobody; the rest have one analyst (sometimes
/// two); tickets that went through approval, and some others, have one contact of their site.
fn people(rng: &mut StdRng, status: Status, site: usize) -> (u32, u32) {
    if status == Status::New {
        return (0, 0);
    }
    let mut assignees = 1 << rng.random_range(0..ANALYSTS.len());
    if rng.random_bool(0.1) {
        assignees |= 1 << rng.random_range(0..ANALYSTS.len());
    }
    let reviewed = matches!(
        status,
        Status::Submitted | Status::Approved | Status::Rejected
    );
    let approvers = if reviewed || rng.random_bool(0.3) {
        1 << Directory::contact(site, rng.random_range(0..2))
    } else {
        0
    };
    (assignees, approvers)
}

/// The assignee's and approver's task statuses that go with a ticket status.
pub fn tasks(status: Status) -> (Task, Task) {
    match status {
        Status::New | Status::Assigned => (Task::Assigned, Task::Assigned),
        Status::InProgress => (Task::InProgress, Task::Assigned),
        Status::Submitted => (Task::Closed, Task::InProgress),
        Status::Approved | Status::Closed => (Task::Closed, Task::Closed),
        Status::Rejected => (Task::InProgress, Task::Closed),
    }
}

fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let mut pick = rng.random_range(0..weights.iter().sum::<u32>());
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dataset_is_realistic_and_consistent() {
        let (_, store) = generate(1, 5000);
        let t = &store.tickets;
        assert_eq!(t.len(), 5000);
        assert!(
            t.windows(2)
                .all(|w| w[0].id < w[1].id && w[0].created <= w[1].created)
        );
        let count = |s: Status| t.iter().filter(|x| x.status == s).count();
        assert!(count(Status::Closed) > count(Status::New));
        for s in Status::ALL {
            assert!(count(s) > 0, "{s:?}");
        }
        for x in t {
            assert!(x.updated >= x.created);
            assert!(i64::from(x.updated) <= REFERENCE_TIME);
            assert_eq!(x.closed != 0, x.status == Status::Closed);
            assert!(x.closed == 0 || x.closed >= x.updated);
            assert_eq!(x.assignees == 0, x.status == Status::New);
        }
        let sites: std::collections::HashSet<u8> = t.iter().map(|x| x.site).collect();
        assert_eq!(sites.len(), TENANTS.len());
    }

    #[test]
    fn the_same_seed_gives_the_same_tickets() {
        let (_, a) = generate(9, 300);
        let (_, b) = generate(9, 300);
        let (_, c) = generate(10, 300);
        let guids = |s: &Store| s.tickets.iter().map(|t| t.guid).collect::<Vec<_>>();
        assert_eq!(guids(&a), guids(&b));
        assert_ne!(guids(&a), guids(&c));
    }
}
