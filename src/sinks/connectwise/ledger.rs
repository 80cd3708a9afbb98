//! What tix remembers between runs about the ConnectWise side: which ConnectWise ticket
//! each MSSP ticket became, what was last pushed, and which items (comments, notes,
//! attachments) have already crossed in either direction.
//!
//! The ledger is a cache of the truth, never the only copy of it: every create is
//! preceded by a lookup of tix's marker on the ConnectWise side, so a lost ledger or a
//! run killed before its ledger write never makes a duplicate (see `push.rs`).

use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// An MSSP ticket: its provider and the provider's id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketKey {
    pub provider: String,
    pub id: String,
}

impl TicketKey {
    pub fn new(provider: &str, id: &str) -> Self {
        TicketKey {
            provider: provider.to_owned(),
            id: id.to_owned(),
        }
    }

    /// The `externalXRef` that anchors the ticket in ConnectWise: `tix:<provider>:<id>`
    /// (at most 100 characters, research §2.4; longer ids are hashed).
    pub fn xref(&self) -> String {
        let plain = format!("tix:{}:{}", self.provider, self.id);
        if plain.chars().count() <= 100 {
            plain
        } else {
            format!("tix:{}:#{:016x}", self.provider, fnv1a(self.id.as_bytes()))
        }
    }
}

/// FNV-1a: a stable hash (std's `DefaultHasher` may change between Rust releases, and
/// this one is written into ConnectWise).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The MSSP ticket's fields as last pushed, to say what changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    pub title: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub updated: Option<String>,
}

impl Pushed {
    /// What a ticket shows now, in the words a change note uses.
    pub fn of(t: &crate::model::Ticket) -> Self {
        Pushed {
            title: t.title.clone(),
            status: Some(t.status.as_str().to_owned()),
            priority: Some(t.priority.as_str().to_owned()),
            updated: t.updated.map(|u| u.to_rfc3339()),
        }
    }

    /// A short, stable fingerprint of what a change note reports (title, status,
    /// priority; not `updated`, which moves with every comment).
    pub fn fingerprint(&self) -> String {
        let text = format!(
            "{}\u{1f}{}\u{1f}{}",
            self.title.as_deref().unwrap_or(""),
            self.status.as_deref().unwrap_or(""),
            self.priority.as_deref().unwrap_or("")
        );
        format!("{:012x}", fnv1a(text.as_bytes()) & 0xffff_ffff_ffff)
    }
}

/// One MSSP ticket's ConnectWise ticket and what tix last saw on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub cw_id: u64,
    pub pushed: Pushed,
    /// The ConnectWise ticket's `_info.lastUpdated` when its notes were last read.
    #[serde(default)]
    pub cw_seen: Option<String>,
    /// Whether tix already closed the MSSP ticket because it was closed in ConnectWise.
    #[serde(default)]
    pub closed_upstream: bool,
}

/// Storage of mappings and crossed items. Implemented in memory (tests) and on the sync
/// state's SQLite database.
pub trait Ledger: Send {
    fn mapping(&self, key: &TicketKey) -> Result<Option<Mapping>>;
    fn set_mapping(&mut self, key: &TicketKey, mapping: &Mapping) -> Result<()>;
    /// Every mapping, for the way back (`--two-way`).
    fn mappings(&self) -> Result<Vec<(TicketKey, Mapping)>>;
    /// Whether `item` (e.g. `comment:17`, `note:4021`, `attachment:a1`) already crossed.
    fn has_item(&self, key: &TicketKey, item: &str) -> Result<bool>;
    fn add_item(&mut self, key: &TicketKey, item: &str) -> Result<()>;
    /// The items recorded for one ticket.
    fn items(&self, key: &TicketKey) -> Result<Vec<String>>;
}

/// A ledger held in memory.
#[derive(Debug, Default, Clone)]
pub struct MemoryLedger {
    mappings: BTreeMap<TicketKey, Mapping>,
    items: BTreeSet<(TicketKey, String)>,
}

impl Ledger for MemoryLedger {
    fn mapping(&self, key: &TicketKey) -> Result<Option<Mapping>> {
        Ok(self.mappings.get(key).cloned())
    }

    fn set_mapping(&mut self, key: &TicketKey, mapping: &Mapping) -> Result<()> {
        self.mappings.insert(key.clone(), mapping.clone());
        Ok(())
    }

    fn mappings(&self) -> Result<Vec<(TicketKey, Mapping)>> {
        Ok(self
            .mappings
            .iter()
            .map(|(k, m)| (k.clone(), m.clone()))
            .collect())
    }

    fn has_item(&self, key: &TicketKey, item: &str) -> Result<bool> {
        Ok(self.items.contains(&(key.clone(), item.to_owned())))
    }

    fn add_item(&mut self, key: &TicketKey, item: &str) -> Result<()> {
        self.items.insert((key.clone(), item.to_owned()));
        Ok(())
    }

    fn items(&self, key: &TicketKey) -> Result<Vec<String>> {
        Ok(self
            .items
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, i)| i.clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xref_is_readable_and_never_over_100_characters() {
        assert_eq!(TicketKey::new("sonar", "g-1").xref(), "tix:sonar:g-1");
        let long = TicketKey::new("argus", &"9".repeat(200));
        let x = long.xref();
        assert!(x.len() <= 100 && x.starts_with("tix:argus:#"), "{x}");
        assert_eq!(x, long.xref());
    }

    #[test]
    fn memory_ledger_keeps_mappings_and_items_per_ticket() {
        let mut l = MemoryLedger::default();
        let a = TicketKey::new("sonar", "a");
        let b = TicketKey::new("sonar", "b");
        assert_eq!(l.mapping(&a).unwrap(), None);
        let m = Mapping {
            cw_id: 7,
            pushed: Pushed::default(),
            cw_seen: None,
            closed_upstream: false,
        };
        l.set_mapping(&a, &m).unwrap();
        l.add_item(&a, "comment:1").unwrap();
        assert_eq!(l.mapping(&a).unwrap(), Some(m));
        assert!(l.has_item(&a, "comment:1").unwrap());
        assert!(!l.has_item(&b, "comment:1").unwrap());
        assert_eq!(l.items(&a).unwrap(), vec!["comment:1".to_owned()]);
        assert_eq!(l.mappings().unwrap().len(), 1);
    }
}
