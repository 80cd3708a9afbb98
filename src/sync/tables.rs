//! The state's tables as data, for what moves rows between the two backends: a lease's
//! working copy (PostgreSQL → SQLite and back, [`super::postgres::checkout`]) and
//! `tix state export|import` ([`super::dump`]). Both backends keep the same tables with
//! the same columns and the same text (RFC 3339 times, JSON), so a row is a JSON object
//! of its columns either way.

use crate::error::{Error, Result};
use rusqlite::Connection;
use serde_json::{Map, Value};

/// How a column's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
}

/// One table that moves between backends.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// The column a lease's copy selects by (`source` or `provider`).
    pub scope: &'static str,
    /// How PostgreSQL takes a row whose key is already there.
    pub on_conflict: &'static str,
}

impl Table {
    pub fn kind(&self, column: &str) -> Option<Kind> {
        self.columns
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, k)| *k)
    }
}

pub const SYNC_SOURCE: Table = Table {
    name: "sync_source",
    columns: &[
        ("source", Kind::Text),
        ("provider", Kind::Text),
        ("watermark", Kind::Text),
        ("keys_floor", Kind::Text),
        ("boundary_keys", Kind::Text),
        ("files", Kind::Int),
    ],
    scope: "source",
    on_conflict: "",
};

pub const SYNC_KEY: Table = Table {
    name: "sync_key",
    columns: &[
        ("source", Kind::Text),
        ("id", Kind::Text),
        ("updated", Kind::Text),
    ],
    scope: "source",
    on_conflict: "ON CONFLICT DO NOTHING",
};

pub const SYNC_FAILURE: Table = Table {
    name: "sync_failure",
    columns: &[
        ("source", Kind::Text),
        ("id", Kind::Text),
        ("updated", Kind::Text),
        ("error", Kind::Text),
        ("attempts", Kind::Int),
        ("first_failed", Kind::Text),
        ("last_failed", Kind::Text),
        ("next_attempt", Kind::Text),
    ],
    scope: "source",
    on_conflict: "",
};

/// Runs keep their order, not their ids (each backend numbers its own). `summary` is
/// copied where the SQLite state has it (the ConnectWise counts, a later migration).
pub const SYNC_RUN: Table = Table {
    name: "sync_run",
    columns: &[
        ("source", Kind::Text),
        ("started", Kind::Text),
        ("ended", Kind::Text),
        ("window_from", Kind::Text),
        ("window_to", Kind::Text),
        ("seen", Kind::Int),
        ("new", Kind::Int),
        ("updated", Kind::Int),
        ("file", Kind::Text),
        ("outcome", Kind::Text),
        ("summary", Kind::Text),
    ],
    scope: "source",
    on_conflict: "",
};

pub const CW_TICKET: Table = Table {
    name: "cw_ticket",
    columns: &[
        ("provider", Kind::Text),
        ("id", Kind::Text),
        ("cw_id", Kind::Int),
        ("state_json", Kind::Text),
    ],
    scope: "provider",
    on_conflict: "ON CONFLICT (provider, id) DO UPDATE SET cw_id = EXCLUDED.cw_id, state_json = EXCLUDED.state_json",
};

pub const CW_ITEM: Table = Table {
    name: "cw_item",
    columns: &[
        ("provider", Kind::Text),
        ("id", Kind::Text),
        ("item", Kind::Text),
    ],
    scope: "provider",
    on_conflict: "ON CONFLICT DO NOTHING",
};

/// Every table of a state, in the order an import writes them.
pub const ALL: [&Table; 6] = [
    &SYNC_SOURCE,
    &SYNC_KEY,
    &SYNC_FAILURE,
    &SYNC_RUN,
    &CW_TICKET,
    &CW_ITEM,
];

/// One row: its columns by name.
pub type Row = Map<String, Value>;

/// The table named `name`.
pub fn by_name(name: &str) -> Option<&'static Table> {
    ALL.into_iter().find(|t| t.name == name)
}

/// The columns of `table` the SQLite database has (an older one may lack a later column).
fn sqlite_columns(conn: &Connection, table: &Table) -> rusqlite::Result<Vec<(&'static str, Kind)>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let present: Vec<String> = stmt
        .query_map([table.name], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(table
        .columns
        .iter()
        .filter(|(c, _)| present.iter().any(|p| p == c))
        .copied()
        .collect())
}

/// The rows of `table` in SQLite, those whose scope column equals `scope` when given, in
/// the order they were written.
pub fn read_sqlite(
    conn: &Connection,
    table: &Table,
    scope: Option<&str>,
) -> rusqlite::Result<Vec<Row>> {
    let columns = sqlite_columns(conn, table)?;
    let list = columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let filter = match scope {
        Some(_) => format!(" WHERE \"{}\" = ?1", table.scope),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {list} FROM {} {filter} ORDER BY {}",
        table.name,
        order(table, "BINARY")
    );
    let mut stmt = conn.prepare(&sql)?;
    let params: Vec<&dyn rusqlite::ToSql> = match &scope {
        Some(s) => vec![s as &dyn rusqlite::ToSql],
        None => vec![],
    };
    let rows = stmt.query_map(params.as_slice(), |r| {
        let mut row = Row::new();
        for (i, (c, kind)) in columns.iter().enumerate() {
            let v = match kind {
                Kind::Text => r.get::<_, Option<String>>(i)?.map(Value::from),
                Kind::Int => r.get::<_, Option<i64>>(i)?.map(Value::from),
            };
            row.insert((*c).to_owned(), v.unwrap_or(Value::Null));
        }
        Ok(row)
    })?;
    rows.collect()
}

/// The order both backends read a table in, so their exports of the same state are the
/// same bytes: runs as they were written, the others by every column, byte-wise (the C
/// collation on PostgreSQL is SQLite's BINARY).
pub fn order(table: &Table, collation: &str) -> String {
    if table.name == SYNC_RUN.name {
        return "id".into();
    }
    table
        .columns
        .iter()
        .map(|(c, kind)| match kind {
            Kind::Text => format!("\"{c}\" COLLATE {collation}"),
            Kind::Int => format!("\"{c}\""),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `rows` into `table` in SQLite (columns the database lacks are left out).
pub fn write_sqlite(conn: &Connection, table: &Table, rows: &[Row]) -> Result<()> {
    let fail = |e: rusqlite::Error| Error::Config(format!("cannot write {}: {e}", table.name));
    let columns = sqlite_columns(conn, table).map_err(fail)?;
    let list = columns
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = (1..=columns.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let verb = if table.on_conflict.is_empty() {
        "INSERT"
    } else {
        "INSERT OR REPLACE"
    };
    let sql = format!("{verb} INTO {} ({list}) VALUES ({marks})", table.name);
    let mut stmt = conn.prepare_cached(&sql).map_err(fail)?;
    for row in rows {
        let values = columns
            .iter()
            .map(|(c, kind)| sqlite_value(table, row, c, *kind))
            .collect::<Result<Vec<_>>>()?;
        stmt.execute(rusqlite::params_from_iter(values))
            .map_err(fail)?;
    }
    Ok(())
}

fn sqlite_value(
    table: &Table,
    row: &Row,
    column: &str,
    kind: Kind,
) -> Result<rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    Ok(match (row.get(column).unwrap_or(&Value::Null), kind) {
        (Value::Null, _) => V::Null,
        (Value::String(s), Kind::Text) => V::Text(s.clone()),
        (Value::Number(n), Kind::Int) if n.is_i64() => V::Integer(n.as_i64().unwrap_or_default()),
        (other, _) => return Err(bad_value(table, column, other)),
    })
}

/// A row whose column holds what the table cannot: a dump edited by hand, or from
/// something else.
pub fn bad_value(table: &Table, column: &str, value: &Value) -> Error {
    Error::Config(format!(
        "{}.{column}: {value} is not a {} value",
        table.name,
        match table.kind(column) {
            Some(Kind::Int) => "integer",
            _ => "text",
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_as_written_and_a_missing_column_is_left_out() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap().unwrap();
        let run: Row = serde_json::from_value(serde_json::json!({
            "source": "s", "started": "a", "ended": "b", "window_from": null,
            "window_to": "c", "seen": 3, "new": 2, "updated": 1, "file": "f",
            "outcome": "ok", "summary": "{}"
        }))
        .unwrap();
        write_sqlite(&conn, &SYNC_RUN, std::slice::from_ref(&run)).unwrap();
        let back = read_sqlite(&conn, &SYNC_RUN, Some("s")).unwrap();
        let mut expected = run.clone();
        // Today's SQLite state has no summary column (a later migration adds it).
        if conn.prepare("SELECT summary FROM sync_run").is_err() {
            expected.remove("summary");
        }
        assert_eq!(back, vec![expected]);
        assert!(
            read_sqlite(&conn, &SYNC_RUN, Some("other"))
                .unwrap()
                .is_empty()
        );
        let mut bad = run;
        bad.insert("seen".into(), Value::from("three"));
        let e = write_sqlite(&conn, &SYNC_RUN, &[bad]).unwrap_err();
        assert!(e.to_string().contains("sync_run.seen"), "{e}");
    }
}
