//! `tix state export|import`: a state as JSON Lines, one row per line
//! (`{"table": "sync_key", "row": {...}}`), so a team moves its state from SQLite to
//! PostgreSQL (or back) without a resync. Every table of [`super::tables`] is in it; the
//! PostgreSQL work list and its leases are not (the next `tix sync` adds the rows).
//!
//! An import writes into an empty state only, all rows in one transaction: a state that
//! already holds cursors would be merged with another's history, which no one can check.

use super::State;
use super::postgres::{Chain, PgUrl, rows};
use super::tables::{self, ALL, Row};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

/// One line of a dump.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Line {
    pub table: String,
    pub row: Row,
}

/// What an import wrote: rows per table, in the tables' order.
pub type Counts = Vec<(&'static str, u64)>;

/// A column that is NULL is left out of its line (an import reads it as NULL): a column
/// one backend has and the other lacks then reads the same from both.
fn write_line(out: &mut dyn Write, table: &str, mut row: Row) -> Result<()> {
    row.retain(|_, v| !v.is_null());
    let line = Line {
        table: table.to_owned(),
        row,
    };
    serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes every row of a SQLite state.
pub fn export_sqlite(state: &mut State, out: &mut dyn Write) -> Result<u64> {
    let path = state.path().to_path_buf();
    let conn = state.connection();
    let mut n = 0;
    for table in ALL {
        let rows = tables::read_sqlite(conn, table, None).map_err(|e| Error::state(&path, e))?;
        for row in rows {
            write_line(out, table.name, row)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Writes every row of a PostgreSQL state, read in one snapshot.
pub async fn export_postgres(url: &PgUrl, out: &mut dyn Write) -> Result<u64> {
    let mut client = url.open().await?;
    let fail = |e| url.error(Chain(e));
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(fail)?;
    let mut n = 0;
    for table in ALL {
        for row in rows::read(&tx, table, None).await.map_err(fail)? {
            write_line(out, table.name, row)?;
            n += 1;
        }
    }
    tx.commit().await.map_err(fail)?;
    Ok(n)
}

/// Reads a dump: rows per table in the order of [`ALL`], each line checked.
fn read_dump(input: &mut dyn BufRead) -> Result<Vec<Vec<Row>>> {
    let mut by_table: Vec<Vec<Row>> = vec![Vec::new(); ALL.len()];
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line)
            .map_err(|e| Error::Config(format!("dump line {}: not a state row: {e}", i + 1)))?;
        let Some(at) = ALL.iter().position(|t| t.name == parsed.table) else {
            return Err(Error::Config(format!(
                "dump line {}: unknown table '{}' (known: {})",
                i + 1,
                crate::output::sanitize::line(&parsed.table),
                ALL.map(|t| t.name).join(", ")
            )));
        };
        let table = ALL[at];
        if let Some(c) = parsed.row.keys().find(|c| table.kind(c).is_none()) {
            return Err(Error::Config(format!(
                "dump line {}: {} has no column '{}'",
                i + 1,
                table.name,
                crate::output::sanitize::line(c)
            )));
        }
        by_table[at].push(parsed.row);
    }
    Ok(by_table)
}

fn counts(by_table: &[Vec<Row>]) -> Counts {
    ALL.iter()
        .zip(by_table)
        .map(|(t, rows)| (t.name, rows.len() as u64))
        .collect()
}

fn not_empty(where_: &str) -> Error {
    Error::Config(format!(
        "{where_} already holds sync state; import into a new, empty one"
    ))
}

/// Imports a dump into a SQLite state that holds nothing yet.
pub fn import_sqlite(state: &mut State, input: &mut dyn BufRead) -> Result<Counts> {
    let by_table = read_dump(input)?;
    let path = state.path().to_path_buf();
    let fail = |e| Error::state(&path, e);
    let tx = state.connection().transaction().map_err(fail)?;
    for table in ALL {
        let any: bool = tx
            .query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM {})", table.name),
                [],
                |r| r.get(0),
            )
            .map_err(fail)?;
        if any {
            return Err(not_empty(&path.display().to_string()));
        }
    }
    for (table, rows) in ALL.iter().zip(&by_table) {
        tables::write_sqlite(&tx, table, rows)?;
    }
    tx.commit().map_err(fail)?;
    Ok(counts(&by_table))
}

/// Imports a dump into a migrated PostgreSQL state that holds nothing yet.
pub async fn import_postgres(url: &PgUrl, input: &mut dyn BufRead) -> Result<Counts> {
    let by_table = read_dump(input)?;
    let mut client = url.open().await?;
    let fail = |e| url.error(Chain(e));
    let tx = client.transaction().await.map_err(fail)?;
    for table in ALL {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", table.name);
        if tx
            .query_one(&sql, &[])
            .await
            .map_err(fail)?
            .get::<_, bool>(0)
        {
            return Err(not_empty(url.shown()));
        }
    }
    for (table, rows) in ALL.iter().zip(&by_table) {
        rows::write(&tx, table, rows).await?.map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    Ok(counts(&by_table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_state_round_trips_through_a_dump_and_an_import_needs_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = State::open(&dir.path().join("a.db")).unwrap();
        a.connection()
            .execute_batch(
                "INSERT INTO sync_source VALUES ('sonar', 'sonar', '2026-12-03T09:30:00.000000Z', NULL, '[\"x\"]', 2);
                 INSERT INTO sync_key VALUES ('sonar', 'x', '2026-12-03T09:30:00.000000Z');
                 INSERT INTO cw_ticket VALUES ('sonar', 'x', 17, '{}');
                 INSERT INTO cw_item VALUES ('sonar', 'x', 'comment:1');",
            )
            .unwrap();
        let mut dump = Vec::new();
        assert_eq!(export_sqlite(&mut a, &mut dump).unwrap(), 4);
        let mut b = State::open(&dir.path().join("b.db")).unwrap();
        let counts = import_sqlite(&mut b, &mut dump.as_slice()).unwrap();
        assert_eq!(counts[0], ("sync_source", 1));
        let mut again = Vec::new();
        export_sqlite(&mut b, &mut again).unwrap();
        assert_eq!(
            String::from_utf8(again).unwrap(),
            String::from_utf8(dump.clone()).unwrap()
        );
        let e = import_sqlite(&mut b, &mut dump.as_slice()).unwrap_err();
        assert!(e.to_string().contains("already holds sync state"), "{e}");
    }

    #[test]
    fn a_line_that_is_not_a_state_row_is_named() {
        let e = read_dump(&mut "{\"table\":\"nope\",\"row\":{}}\n".as_bytes()).unwrap_err();
        assert!(
            e.to_string().contains("line 1: unknown table 'nope'"),
            "{e}"
        );
        let e = read_dump(&mut "\n{\"table\":\"sync_key\",\"row\":{\"bogus\":1}}".as_bytes())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2: sync_key has no column 'bogus'"),
            "{e}"
        );
    }
}
