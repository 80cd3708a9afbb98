//! The simulated Sonar's tickets, held compactly so a million of them stay cheap: a generated
//! ticket is about 60 bytes (no strings, no JSON values; titles, content, comments and attachments
//! are rebuilt from the seed when asked for), and only tickets created through the API carry text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::catalog::{Format, Priority, Status, TEMPLATES, Task};

/// One ticket. Times are Unix seconds (u32 lasts until 2106); `closed == 0` means not closed.
pub struct Ticket {
    pub guid: Uuid,
    pub id: u32,
    pub created: u32,
    pub updated: u32,
    pub closed: u32,
    /// Bit `u` set when user `u` of the directory is an assignee (a `u32` holds every user).
    pub assignees: u32,
    pub approvers: u32,
    /// What the title template's `{}` stands for.
    pub subject: u32,
    pub count: u16,
    pub template: u8,
    pub site: u8,
    pub repo: u8,
    pub priority: Priority,
    pub status: Status,
    pub format: Format,
    pub assignee_task: Task,
    pub approver_task: Task,
    pub attack: bool,
    pub incident: bool,
    /// Created through `POST /api/sonar/tickets`: title and content live in [`Store::authored`].
    pub authored: bool,
}

/// The text of a ticket created through the API.
pub struct Authored {
    pub title: String,
    pub content: String,
}

/// A sortable column of the list endpoint (`sort_column`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    Id,
    Created,
    Updated,
    Closed,
}

pub struct Store {
    /// Ascending by id, which is also creation order; deleted tickets are removed.
    pub tickets: Vec<Ticket>,
    by_guid: HashMap<Uuid, u32>,
    authored: HashMap<u32, Authored>,
    next_id: u32,
    /// Positions in `tickets` sorted ascending by (column, id), built on first use and dropped on
    /// every write, so paging a sorted list does not sort a million tickets per page.
    orders: Mutex<HashMap<Column, Arc<Vec<u32>>>>,
}

impl Store {
    pub fn new(tickets: Vec<Ticket>) -> Store {
        let by_guid = tickets.iter().map(|t| (t.guid, t.id)).collect();
        let next_id = tickets.last().map_or(1, |t| t.id + 1);
        Store {
            tickets,
            by_guid,
            authored: HashMap::new(),
            next_id,
            orders: Mutex::new(HashMap::new()),
        }
    }

    pub fn contains(&self, guid: &Uuid) -> bool {
        self.by_guid.contains_key(guid)
    }

    pub fn get(&self, guid: &Uuid) -> Option<&Ticket> {
        let at = self.position(guid)?;
        Some(&self.tickets[at])
    }

    pub fn get_mut(&mut self, guid: &Uuid) -> Option<&mut Ticket> {
        let at = self.position(guid)?;
        self.written();
        Some(&mut self.tickets[at])
    }

    fn position(&self, guid: &Uuid) -> Option<usize> {
        let id = self.by_guid.get(guid)?;
        self.tickets.binary_search_by_key(id, |t| t.id).ok()
    }

    /// Adds a ticket created through the API; its id is the next one.
    pub fn insert(&mut self, mut ticket: Ticket, text: Authored) {
        ticket.id = self.next_id;
        ticket.authored = true;
        self.next_id += 1;
        self.by_guid.insert(ticket.guid, ticket.id);
        self.authored.insert(ticket.id, text);
        self.tickets.push(ticket);
        self.written();
    }

    /// Adds a generated ticket (simulated churn); its id is the next one, which it answers.
    pub fn push(&mut self, mut ticket: Ticket) -> u32 {
        ticket.id = self.next_id;
        self.next_id += 1;
        self.by_guid.insert(ticket.guid, ticket.id);
        let id = ticket.id;
        self.tickets.push(ticket);
        self.written();
        id
    }

    /// Removes the tickets that exist and returns the GUIDs that did not.
    pub fn remove(&mut self, guids: &[Uuid]) -> Vec<Uuid> {
        let mut missing = Vec::new();
        let mut doomed = Vec::new();
        for guid in guids {
            match self.by_guid.remove(guid) {
                Some(id) => doomed.push(id),
                None => missing.push(*guid),
            }
        }
        if !doomed.is_empty() {
            doomed.sort_unstable();
            self.tickets
                .retain(|t| doomed.binary_search(&t.id).is_err());
            for id in doomed {
                self.authored.remove(&id);
            }
            self.written();
        }
        missing
    }

    pub fn title(&self, t: &Ticket) -> String {
        match self.authored.get(&t.id) {
            Some(a) if t.authored => a.title.clone(),
            _ => TEMPLATES[usize::from(t.template)].title(t.subject),
        }
    }

    pub fn authored(&self, t: &Ticket) -> Option<&Authored> {
        self.authored.get(&t.id).filter(|_| t.authored)
    }

    /// Positions of all tickets, ascending by `column` then id. `Column::Id` needs no table: it is
    /// the order of `tickets` itself, and callers should not ask for it.
    pub fn order(&self, column: Column) -> Arc<Vec<u32>> {
        let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        let order = orders.entry(column).or_insert_with(|| {
            let key = |t: &Ticket| match column {
                Column::Id => 0,
                Column::Created => t.created,
                Column::Updated => t.updated,
                Column::Closed => t.closed,
            };
            let mut at: Vec<u32> = (0..self.tickets.len() as u32).collect();
            at.sort_by_key(|&i| {
                let t = &self.tickets[i as usize];
                (key(t), t.id)
            });
            Arc::new(at)
        });
        Arc::clone(order)
    }

    fn written(&mut self) {
        self.orders
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_ticket_stays_compact() {
        assert!(std::mem::size_of::<super::Ticket>() <= 64);
    }
}
