//! The tickets read most recently in this run, so that pushing a ticket elsewhere (its
//! fields, then its comments, then its attachments) reads it from Arctic Wolf once, not
//! once per step. Bounded: the last [`KEPT`] tickets, whatever the run's size.

use super::discovery::OrgRef;
use super::wire;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Tickets kept: more than the pushes a run makes at once.
const KEPT: usize = 64;

#[derive(Default)]
pub(super) struct Recent {
    kept: Mutex<VecDeque<(String, OrgRef, wire::Ticket)>>,
}

impl Recent {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(String, OrgRef, wire::Ticket)>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, id: &str) -> Option<(OrgRef, wire::Ticket)> {
        self.lock()
            .iter()
            .find(|(k, _, _)| k == id)
            .map(|(_, org, t)| (org.clone(), t.clone()))
    }

    pub fn put(&self, id: &str, org: &OrgRef, ticket: &wire::Ticket) {
        let mut kept = self.lock();
        kept.retain(|(k, _, _)| k != id);
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back((id.to_owned(), org.clone(), ticket.clone()));
    }

    /// After a write the ticket is read again.
    pub fn forget(&self, id: &str) {
        self.lock().retain(|(k, _, _)| k != id);
    }
}
