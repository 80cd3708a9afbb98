//! The [`Ledger`] on the sync state's SQLite database (tables `cw_ticket` and `cw_item`,
//! migration 2 of `crate::sync::schema`). During a sync a ticket's writes commit together
//! (`State::ticket`); the ledger is a cache of what ConnectWise already holds (see
//! `ledger.rs`), so it may run ahead of the sync cursor, and a ticket's writes lost to a
//! crash are found again by `externalXRef` and the marks in the notes.

use super::ledger::{Ledger, Mapping, TicketKey};
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};

/// The ledger in an open state database.
pub struct SqliteLedger<'a> {
    conn: &'a mut Connection,
}

impl<'a> SqliteLedger<'a> {
    pub fn new(conn: &'a mut Connection) -> Self {
        SqliteLedger { conn }
    }
}

fn fail(e: rusqlite::Error) -> Error {
    Error::state(std::path::Path::new("(ConnectWise ledger)"), e)
}

impl Ledger for SqliteLedger<'_> {
    fn mapping(&self, key: &TicketKey) -> Result<Option<Mapping>> {
        let row: Option<String> = self
            .conn
            .prepare_cached("SELECT state_json FROM cw_ticket WHERE provider = ?1 AND id = ?2")
            .map_err(fail)?
            .query_row(params![key.provider, key.id], |r| r.get(0))
            .optional()
            .map_err(fail)?;
        row.map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| Error::state(std::path::Path::new("(ConnectWise ledger)"), e))
        })
        .transpose()
    }

    fn set_mapping(&mut self, key: &TicketKey, mapping: &Mapping) -> Result<()> {
        let json = serde_json::to_string(mapping).expect("a mapping encodes");
        self.conn
            .prepare_cached(
                "INSERT INTO cw_ticket (provider, id, cw_id, state_json) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (provider, id) DO UPDATE SET cw_id = ?3, state_json = ?4",
            )
            .map_err(fail)?
            .execute(params![key.provider, key.id, mapping.cw_id as i64, json])
            .map_err(fail)?;
        Ok(())
    }

    fn mappings(&self) -> Result<Vec<(TicketKey, Mapping)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT provider, id, state_json FROM cw_ticket ORDER BY provider, id")
            .map_err(fail)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(fail)?;
        let mut out = Vec::new();
        for row in rows {
            let (provider, id, json) = row.map_err(fail)?;
            let mapping: Mapping = serde_json::from_str(&json)
                .map_err(|e| Error::state(std::path::Path::new("(ConnectWise ledger)"), e))?;
            out.push((TicketKey { provider, id }, mapping));
        }
        Ok(out)
    }

    fn has_item(&self, key: &TicketKey, item: &str) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM cw_item WHERE provider = ?1 AND id = ?2 AND item = ?3")
            .map_err(fail)?
            .exists(params![key.provider, key.id, item])
            .map_err(fail)
    }

    fn add_item(&mut self, key: &TicketKey, item: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO cw_item (provider, id, item) VALUES (?1, ?2, ?3)",
            )
            .map_err(fail)?
            .execute(params![key.provider, key.id, item])
            .map_err(fail)?;
        Ok(())
    }

    fn items(&self, key: &TicketKey) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT item FROM cw_item WHERE provider = ?1 AND id = ?2 ORDER BY item")
            .map_err(fail)?;
        let rows = stmt
            .query_map(params![key.provider, key.id], |r| r.get(0))
            .map_err(fail)?;
        rows.collect::<rusqlite::Result<Vec<String>>>()
            .map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::connectwise::ledger::Pushed;

    #[test]
    fn mappings_and_items_survive_reopening_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.db");
        let key = TicketKey::new("sonar", "g-1");
        let m = Mapping {
            cw_id: 1001,
            pushed: Pushed {
                status: Some("open".into()),
                ..Pushed::default()
            },
            cw_seen: Some("2026-11-20T10:00:00Z".into()),
            closed_upstream: false,
        };
        {
            let mut state = crate::sync::State::open(&path).unwrap();
            let mut l = SqliteLedger::new(state.connection());
            l.set_mapping(&key, &m).unwrap();
            l.add_item(&key, "comment:1").unwrap();
            l.add_item(&key, "comment:1").unwrap();
        }
        let mut state = crate::sync::State::open(&path).unwrap();
        let mut l = SqliteLedger::new(state.connection());
        assert_eq!(l.mapping(&key).unwrap(), Some(m.clone()));
        assert!(l.has_item(&key, "comment:1").unwrap());
        assert_eq!(l.items(&key).unwrap(), vec!["comment:1".to_owned()]);
        let mut changed = m;
        changed.cw_id = 1002;
        l.set_mapping(&key, &changed).unwrap();
        assert_eq!(l.mappings().unwrap(), vec![(key, changed)]);
    }
}
