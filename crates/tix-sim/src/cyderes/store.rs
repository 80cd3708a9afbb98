//! The simulated Cyderes tickets: generated ones are a few bytes each (texts are rebuilt from
//! templates); comments, attachments and tickets written through the API are kept beside them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// The documented `ticket_type` values, in the document's order (`all` is a query value only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Alert,
    ServiceTask,
    ServiceProactive,
    ServiceRequest,
    Phishing,
}

impl Kind {
    pub fn slug(self) -> &'static str {
        match self {
            Kind::Alert => "alert",
            Kind::ServiceTask => "service_task",
            Kind::ServiceProactive => "service_proactive",
            Kind::ServiceRequest => "service_request",
            Kind::Phishing => "phishing",
        }
    }

    pub fn is_service(self) -> bool {
        matches!(
            self,
            Kind::ServiceTask | Kind::ServiceProactive | Kind::ServiceRequest
        )
    }
}

/// States the simulated SOC uses (ServiceNow-style words; the documents give none).
pub const STATES: [&str; 6] = [
    "New",
    "In Progress",
    "Awaiting Customer",
    "On Hold",
    "Resolved",
    "Closed",
];
pub const CLOSED: u8 = 5;

pub struct Ticket {
    /// `CYDERES-<n>` and `SIR<n>`; `n` is the 1-based position in creation order.
    pub n: u32,
    pub kind: Kind,
    pub created: u32,
    pub updated: u32,
    pub state: u8,
    /// 1 (most urgent) ..= 3.
    pub priority: u8,
    pub escalated: bool,
    pub template: u8,
    pub subject: u32,
}

/// Text of a ticket created through `POST /v2/tickets/create`.
pub struct Authored {
    pub short_description: String,
    pub description: String,
    pub category: Option<String>,
    pub kind: Option<String>,
}

#[derive(Clone)]
pub struct Comment {
    pub id: String,
    pub created: i64,
    pub author: String,
    pub body: String,
}

#[derive(Clone)]
pub struct File {
    pub id: String,
    pub name: String,
    pub mime: String,
    pub created: i64,
    pub bytes: Bytes,
}

pub struct Store {
    /// In creation order, which is also ascending `created`.
    pub tickets: Vec<Ticket>,
    pub authored: HashMap<u32, Authored>,
    /// Comments added through the API, after the generated ones.
    pub comments: HashMap<u32, Vec<Comment>>,
    /// Files uploaded through the API, after the generated ones.
    pub files: HashMap<u32, Vec<File>>,
    /// Seconds after the reference time handed to the next write, so writes are ordered and the
    /// dataset stays free of the wall clock.
    pub clock: i64,
    /// Positions sorted newest-updated first, built on first use and dropped on every write.
    by_updated: Mutex<Option<Arc<Vec<u32>>>>,
}

impl Store {
    pub fn new(tickets: Vec<Ticket>, now: i64) -> Store {
        Store {
            tickets,
            authored: HashMap::new(),
            comments: HashMap::new(),
            files: HashMap::new(),
            clock: now,
            by_updated: Mutex::new(None),
        }
    }

    /// The ticket called `CYDERES-<n>`.
    pub fn position(&self, id: &str) -> Option<usize> {
        let n: usize = id.strip_prefix("CYDERES-")?.parse().ok()?;
        (1..=self.tickets.len()).contains(&n).then(|| n - 1)
    }

    /// The next write's instant; also marks every cached order stale.
    pub fn tick(&mut self) -> i64 {
        self.clock += 1;
        *self.by_updated.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
        self.clock
    }

    /// Records a write made at `at` (churn, on the wall clock): later API writes come after
    /// it; also marks every cached order stale.
    pub fn stamp(&mut self, at: i64) {
        self.clock = self.clock.max(at);
        *self.by_updated.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Positions newest first by `updated` (ties: newer ticket first).
    pub fn by_updated(&self) -> Arc<Vec<u32>> {
        let mut cached = self.by_updated.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(cached.get_or_insert_with(|| {
            let mut at: Vec<u32> = (0..self.tickets.len() as u32).collect();
            at.sort_by_key(|&i| std::cmp::Reverse((self.tickets[i as usize].updated, i)));
            Arc::new(at)
        }))
    }
}
