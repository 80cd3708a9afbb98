//! The simulated Argus's cases, generated from the seed, and what writes add to them.
//!
//! Field names and shapes follow the case model of research/argus-sonar.md §1.9 (`CaseVO`,
//! `CaseComment`, `CaseAttachment`, `CaseTag`); times are epoch milliseconds with
//! `closedTimestamp: 0` on open cases. Generated comments come from the seed when a case is
//! first asked for them, so a big dataset stays cheap.

use std::collections::HashMap;

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

use crate::dataset::{self, ANALYSTS, TENANTS};

/// Case ids start here, in creation order.
pub const FIRST_ID: i64 = 1_000_001;

/// A case id that was merged into [`FIRST_ID`]: its GET answers 301 (research §1.4).
pub const MERGED_ID: i64 = 1_000_000;

/// (id, shortName, name) of the services the customers subscribe to.
pub const SERVICES: &[(i64, &str, &str)] = &[
    (2, "ids", "Security Monitoring"),
    (6, "support", "Support"),
    (9, "vuln", "Vulnerability Management"),
];

pub const TYPES: &[&str] = &[
    "securityIncident",
    "operationalIncident",
    "informational",
    "change",
];

/// The statuses of the spec; the document's `waitingSoc`/`waitingCustomer` are accepted
/// as the older words for the `working*` ones (research §1.11).
pub const STATUSES: &[&str] = &[
    "pendingCustomer",
    "pendingSoc",
    "pendingVendor",
    "workingSoc",
    "workingCustomer",
    "pendingClose",
    "closed",
];

pub const PRIORITIES: &[&str] = &["low", "medium", "high", "critical"];

pub const SUBJECTS: &[&str] = &[
    "Possible credential phishing",
    "Outbound connection to known C2",
    "Brute force against VPN gateway",
    "Malware detected on endpoint",
    "Suspicious PowerShell execution",
    "Firewall rule change request",
    "Log source stopped sending",
    "Vulnerable service exposed to the internet",
];

pub struct Case {
    pub id: i64,
    pub subject: String,
    pub description: String,
    /// Index into `TENANTS`; the customer id is this + 1.
    pub customer: usize,
    pub service: usize,
    pub kind: &'static str,
    pub status: String,
    pub priority: String,
    pub access_mode: String,
    pub tech: Option<&'static str>,
    pub created: i64,
    pub updated: i64,
    pub closed: i64,
    /// Created through the API by the caller, who owns it (may change subject/description).
    pub owned: bool,
}

pub struct Comment {
    pub id: uuid::Uuid,
    pub author: &'static str,
    pub added: i64,
    pub text: String,
    pub internal: bool,
}

pub struct Attachment {
    pub id: uuid::Uuid,
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
    pub added: i64,
}

pub struct Tag {
    pub id: uuid::Uuid,
    pub key: String,
    pub value: String,
    pub added: i64,
}

pub struct Store {
    pub seed: u64,
    /// Ascending by id.
    pub cases: Vec<Case>,
    pub comments: HashMap<i64, Vec<Comment>>,
    pub attachments: HashMap<i64, Vec<Attachment>>,
    pub tags: HashMap<i64, Vec<Tag>>,
    pub next_id: i64,
}

pub fn generate(seed: u64, n: usize) -> Store {
    let mut rng = dataset::rng(seed, "argus");
    let at = dataset::creation_instants(&mut rng, n);
    let cases = at
        .iter()
        .enumerate()
        .map(|(i, created)| {
            let created = created * 1000;
            let status = *[
                "pendingSoc",
                "workingSoc",
                "pendingCustomer",
                "workingCustomer",
                "pendingVendor",
                "pendingClose",
                "closed",
                "closed",
                "closed",
            ]
            .choose(&mut rng)
            .expect("not empty");
            let updated =
                (created + rng.random_range(0..3 * 86_400_000)).min(dataset::REFERENCE_TIME * 1000);
            let subject = *SUBJECTS.choose(&mut rng).expect("not empty");
            let customer = rng.random_range(0..TENANTS.len());
            Case {
                id: FIRST_ID + i as i64,
                subject: subject.to_owned(),
                description: format!("<p>{subject} reported for {}.</p>", TENANTS[customer].name),
                customer,
                service: rng.random_range(0..SERVICES.len()),
                kind: TYPES[rng.random_range(0..TYPES.len())],
                status: status.to_owned(),
                priority: PRIORITIES[rng.random_range(0..PRIORITIES.len())].to_owned(),
                access_mode: "roleBased".to_owned(),
                tech: rng
                    .random_bool(0.8)
                    .then(|| *ANALYSTS.choose(&mut rng).expect("not empty")),
                created,
                updated,
                closed: if status == "closed" { updated } else { 0 },
                owned: false,
            }
        })
        .collect();
    Store {
        seed,
        cases,
        comments: HashMap::new(),
        attachments: HashMap::new(),
        tags: HashMap::new(),
        next_id: FIRST_ID + n as i64,
    }
}

impl Store {
    pub fn case(&self, id: i64) -> Option<&Case> {
        self.cases
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .map(|i| &self.cases[i])
    }

    pub fn case_mut(&mut self, id: i64) -> Option<&mut Case> {
        let i = self.cases.binary_search_by_key(&id, |c| c.id).ok()?;
        Some(&mut self.cases[i])
    }

    /// The case's comments, generating the seeded ones on first use.
    pub fn comments(&mut self, id: i64) -> &mut Vec<Comment> {
        let (seed, created) = (self.seed, self.case(id).map_or(0, |c| c.created));
        self.comments.entry(id).or_insert_with(|| {
            let mut rng = dataset::rng_for(seed, "argus-comments", id as u64);
            (0..rng.random_range(0..4))
                .map(|i| Comment {
                    id: dataset::guid(&mut rng),
                    author: ANALYSTS[rng.random_range(0..ANALYSTS.len())],
                    added: created + (i + 1) * 600_000,
                    text: format!("Analysis note {} on case {id}.", i + 1),
                    internal: rng.random_bool(0.25),
                })
                .collect()
        })
    }
}

fn user(name: &str) -> Value {
    json!({"id": 100 + name.len(), "customerID": 0, "userName": name.to_lowercase(), "name": name, "type": "user"})
}

fn iso(ms: i64) -> Value {
    if ms <= 0 {
        return Value::Null;
    }
    chrono::DateTime::from_timestamp_millis(ms).map_or(Value::Null, |t| {
        json!(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    })
}

impl Case {
    pub fn customer_id(&self) -> i64 {
        self.customer as i64 + 1
    }

    pub fn customer_short(&self) -> String {
        short_name(TENANTS[self.customer].name)
    }

    pub fn json(&self) -> Value {
        let t = &TENANTS[self.customer];
        let (sid, sshort, sname) = SERVICES[self.service];
        json!({
            "id": self.id,
            "subject": self.subject,
            "description": self.description,
            "descriptionTextFormat": "html",
            "customer": {"id": self.customer_id(), "name": t.name, "shortName": self.customer_short(), "domain": {"id": 1, "name": "mnemonic"}},
            "service": {"id": sid, "name": sname, "shortName": sshort, "localizedName": sname},
            "category": null,
            "type": self.kind,
            "status": self.status,
            "priority": self.priority,
            "accessMode": self.access_mode,
            "reporter": user(t.contacts[0]),
            "assignedUser": null,
            "assignedTech": self.tech.map(user),
            "createdTimestamp": self.created,
            "createdTime": iso(self.created),
            "lastUpdatedTimestamp": self.updated,
            "lastUpdatedTime": iso(self.updated),
            "closedTimestamp": self.closed,
            "closedTime": iso(self.closed),
            "flags": ["PUBLISHED"],
            "currentUserAccess": {"level": if self.owned { "owner" } else { "write" }, "role": "user"},
        })
    }
}

impl Comment {
    pub fn json(&self, status: &str, priority: &str) -> Value {
        json!({
            "id": self.id.hyphenated().to_string(),
            "addedByUser": user(self.author),
            "addedTimestamp": self.added,
            "addedTime": iso(self.added),
            "comment": self.text,
            "flags": if self.internal { vec!["INTERNAL"] } else { vec![] },
            "status": status,
            "priority": priority,
            "lastUpdatedTimestamp": self.added,
            "references": [],
            "textFormat": "plainText",
        })
    }
}

impl Attachment {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id.hyphenated().to_string(),
            "addedTimestamp": self.added,
            "addedTime": iso(self.added),
            "addedByUser": user("API user"),
            "name": self.name,
            "mimeType": self.mime,
            "flags": [],
            "size": self.bytes.len(),
        })
    }
}

impl Tag {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id.hyphenated().to_string(),
            "addedTimestamp": self.added,
            "addedTime": iso(self.added),
            "addedByUser": user("API user"),
            "key": self.key,
            "value": self.value,
            "flags": [],
        })
    }
}

/// A customer's shortname: its name in lower case, words joined by `-`.
pub fn short_name(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

/// The index of the customer given by id or shortname.
pub fn customer(given: &str) -> Option<usize> {
    (0..TENANTS.len()).find(|i| {
        given == (i + 1).to_string() || given.eq_ignore_ascii_case(&short_name(TENANTS[*i].name))
    })
}

/// The index of the service given by id or shortname.
pub fn service(given: &str) -> Option<usize> {
    SERVICES
        .iter()
        .position(|(id, short, _)| given == id.to_string() || given.eq_ignore_ascii_case(short))
}

/// A status word as the server takes it, the older `waiting*` words read as `working*`.
pub fn status(given: &str) -> Option<&'static str> {
    let given = match given {
        "waitingSoc" => "workingSoc",
        "waitingCustomer" => "workingCustomer",
        g => g,
    };
    STATUSES.iter().copied().find(|s| *s == given)
}
