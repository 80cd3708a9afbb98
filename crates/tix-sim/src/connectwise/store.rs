//! The simulated instance's records, held as the JSON the API answers, so `conditions`
//! and `fields` work on exactly what a client sees.

use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The codebase `/login/companyinfo` answers (research §2.2: trailing slash included).
pub const CODEBASE: &str = "v2025_1/";

/// Security-role areas a test can take away (`POST /_sim/deny`), named after the vendor
/// document's permission table.
pub const AREAS: [&str; 5] = ["boards", "priorities", "companies", "tickets", "documents"];

pub struct Store {
    pub boards: Vec<Value>,
    pub statuses: Vec<Value>,
    pub companies: Vec<Value>,
    pub priorities: Vec<Value>,
    pub tickets: Vec<Value>,
    pub notes: Vec<Value>,
    pub documents: Vec<Value>,
    pub denied: BTreeSet<String>,
    /// Validation rules a test adds (`POST /_sim/reject`): a new ticket whose `field`
    /// equals the value is refused, as a workflow rule or custom-field validation refuses
    /// it on a real instance.
    pub rejected: Vec<(String, String)>,
    /// The API member's security role (`GET /system/mysecurity`).
    pub security: Vec<Value>,
    next_id: u64,
    /// Seconds since the seeded epoch: every write moves the clock one second, so
    /// `lastUpdated` is strictly increasing and deterministic.
    clock: i64,
}

impl Store {
    pub fn seeded(seed: u64) -> Self {
        let board = |id: u64, name: &str| json!({"id": id, "name": name, "inactiveFlag": false});
        let status = |id: u64, name: &str, board: u64, closed: bool| {
            json!({"id": id, "name": name, "board": {"id": board}, "sortOrder": id,
                   "displayOnBoard": true, "inactive": false, "closedStatus": closed})
        };
        let company =
            |id: u64, ident: &str, name: &str| json!({"id": id, "identifier": ident, "name": name});
        let priority = |id: u64, name: &str| json!({"id": id, "name": name, "sort": id});
        let mut store = Store {
            boards: vec![board(1, "Help Desk"), board(12, "Security Operations")],
            statuses: vec![
                status(1, "New", 1, false),
                status(2, "Completed", 1, true),
                status(34, "New (MSSP)", 12, false),
                status(35, "In Progress", 12, false),
                status(36, ">Closed", 12, true),
            ],
            companies: vec![
                company(250, "ACME", "Acme Corporation"),
                company(251, "GLOBEX", "Globex Inc."),
            ],
            priorities: vec![
                priority(1, "Priority 1 - Emergency Response"),
                priority(2, "Priority 2 - Quick Response"),
                priority(3, "Priority 3 - Normal Response"),
                priority(4, "Priority 4 - Schedule Maintenance"),
            ],
            tickets: Vec::new(),
            notes: Vec::new(),
            documents: Vec::new(),
            denied: BTreeSet::new(),
            rejected: Vec::new(),
            security: super::security::documented_role(),
            next_id: 1000 + seed % 1000,
            clock: 1_795_000_000,
        };
        // Tickets people opened by hand, so a lookup has something to not find.
        for (i, summary) in ["Printer offline", "New laptop for J. Doe", "VPN slow"]
            .iter()
            .enumerate()
        {
            let id = store.id();
            let at = store.tick();
            store.tickets.push(json!({
                "id": id, "summary": summary, "recordType": "ServiceTicket",
                "board": {"id": 1, "name": "Help Desk"},
                "status": {"id": 1, "name": "New"},
                "company": {"id": 250, "identifier": "ACME", "name": "Acme Corporation"},
                "priority": {"id": 3, "name": "Priority 3 - Normal Response"},
                "closedFlag": i == 2,
                "_info": {"dateEntered": at, "lastUpdated": at, "updatedBy": "jdoe"}
            }));
        }
        store
    }

    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The next instant, as ConnectWise writes dates (`yyyy-MM-ddTHH:mm:ssZ`).
    pub fn tick(&mut self) -> String {
        self.clock += 1;
        chrono::DateTime::from_timestamp(self.clock, 0)
            .expect("in range")
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    pub fn ticket_mut(&mut self, id: u64) -> Option<&mut Value> {
        self.tickets.iter_mut().find(|t| t["id"] == id)
    }

    /// Marks a ticket as changed now.
    pub fn touch(&mut self, id: u64, by: &str) {
        let at = self.tick();
        if let Some(t) = self.ticket_mut(id) {
            t["_info"]["lastUpdated"] = json!(at);
            t["_info"]["updatedBy"] = json!(by);
        }
    }

    /// Adds a note and moves its ticket's `lastUpdated`.
    pub fn add_note(&mut self, ticket: u64, text: &str, flags: [bool; 3], by: &str) -> Value {
        let id = self.id();
        let at = self.tick();
        let note = json!({
            "id": id, "ticketId": ticket, "text": text,
            "detailDescriptionFlag": flags[0], "internalAnalysisFlag": flags[1],
            "resolutionFlag": flags[2], "internalFlag": flags[1], "externalFlag": false,
            "dateCreated": at, "createdBy": by,
            "member": {"identifier": by, "name": by},
            "_info": {"lastUpdated": at, "updatedBy": by}
        });
        self.notes.push(note.clone());
        self.touch(ticket, by);
        note
    }

    /// Closes a ticket the way a technician does: its board's closed status.
    pub fn close(&mut self, id: u64, by: &str) -> bool {
        let Some(board) = self.ticket_mut(id).map(|t| t["board"]["id"].clone()) else {
            return false;
        };
        let closed = self
            .statuses
            .iter()
            .find(|s| s["board"]["id"] == board && s["closedStatus"] == true)
            .cloned();
        let at = self.tick();
        if let Some(t) = self.ticket_mut(id) {
            if let Some(s) = closed {
                t["status"] = json!({"id": s["id"], "name": s["name"]});
            }
            t["closedFlag"] = json!(true);
            t["closedBy"] = json!(by);
            t["closedDate"] = json!(at);
        }
        self.touch(id, by);
        true
    }
}
