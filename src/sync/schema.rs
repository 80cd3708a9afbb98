//! The state database's schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` holds how many migrations have run. A later feature (the
//! ConnectWise push side) adds its tables by appending one entry to [`MIGRATIONS`];
//! entries already shipped are never edited, because databases in the field ran them.

use rusqlite::Connection;

/// Each entry runs once, in order, inside one transaction with the version bump.
pub const MIGRATIONS: &[&str] = &[
    // 1: per-source cursor, written keys near the boundary, and a row per run.
    "CREATE TABLE sync_source (
        source        TEXT PRIMARY KEY,
        provider      TEXT NOT NULL,
        -- RFC 3339 UTC; NULL until the first successful run.
        watermark     TEXT,
        -- Keys with `updated` at or after this are all in sync_key; windows never start earlier.
        keys_floor    TEXT,
        -- The ids whose `updated` equals the watermark, as a JSON array (the ties at the boundary).
        boundary_keys TEXT NOT NULL DEFAULT '[]',
        -- Files written so far; the next file's sequence number is files + 1.
        files         INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sync_key (
        source  TEXT NOT NULL,
        id      TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (source, id, updated)
    ) WITHOUT ROWID;
    CREATE INDEX sync_key_updated ON sync_key (source, updated);
    CREATE TABLE sync_run (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        source       TEXT NOT NULL,
        started      TEXT NOT NULL,
        ended        TEXT NOT NULL,
        window_from  TEXT,
        window_to    TEXT NOT NULL,
        seen         INTEGER NOT NULL,
        new          INTEGER NOT NULL,
        updated      INTEGER NOT NULL,
        file         TEXT,
        outcome      TEXT NOT NULL
    );
    CREATE INDEX sync_run_source ON sync_run (source, id);",
    // 2: the ConnectWise push side (src/sinks/connectwise/ledger.rs): each MSSP ticket's
    // ConnectWise ticket with what was last pushed, and the items already crossed.
    "CREATE TABLE cw_ticket (
        provider   TEXT NOT NULL,
        id         TEXT NOT NULL,
        cw_id      INTEGER NOT NULL,
        state_json TEXT NOT NULL,
        PRIMARY KEY (provider, id)
    ) WITHOUT ROWID;
    CREATE TABLE cw_item (
        provider TEXT NOT NULL,
        id       TEXT NOT NULL,
        item     TEXT NOT NULL,
        PRIMARY KEY (provider, id, item)
    ) WITHOUT ROWID;",
    // 3: tickets a sink could not take (src/sync/failures.rs), per cursor: retried on
    // later runs with back-off while the window moves on for the others.
    "CREATE TABLE sync_failure (
        source       TEXT NOT NULL,
        id           TEXT NOT NULL,
        -- RFC 3339 UTC: the version that failed last.
        updated      TEXT NOT NULL,
        error        TEXT NOT NULL,
        attempts     INTEGER NOT NULL,
        first_failed TEXT NOT NULL,
        last_failed  TEXT NOT NULL,
        -- No run tries the ticket again before this, unless it changed.
        next_attempt TEXT NOT NULL,
        PRIMARY KEY (source, id)
    ) WITHOUT ROWID;",
    // 4: what a run did in its sink's own counts (issue 17), as JSON: created, updated,
    // notes, attachments, failed, seconds (`crate::sync::sink::RunSummary`). NULL for
    // runs before, failed runs, and sinks without counts of their own (files).
    "ALTER TABLE sync_run ADD COLUMN summary TEXT;",
    // 5: fencing (src/sync/fence.rs): each run that takes the lock moves the epoch, and
    // a run whose epoch is no longer the state's commits nothing more.
    "CREATE TABLE sync_fence (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        epoch INTEGER NOT NULL
    );
    INSERT INTO sync_fence (id, epoch) VALUES (1, 0);",
];

/// Brings `conn` up to the latest schema. A database from a newer tix is refused rather
/// than misread.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), String>> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Ok(Err(format!(
            "the sync state is schema version {version}, newer than this tix knows ({known}); upgrade tix"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        // PRAGMA takes no bound parameters; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_record_the_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap().unwrap();
        migrate(&mut conn).unwrap().unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        conn.execute("INSERT INTO sync_key VALUES ('s', 'a', 'b')", [])
            .unwrap();
    }

    #[test]
    fn migration_4_adds_a_nullable_summary_to_the_runs_already_there() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch("PRAGMA user_version = 3").unwrap();
        conn.execute(
            "INSERT INTO sync_run (source, started, ended, window_to, seen, new, updated, outcome)
             VALUES ('s', 'a', 'b', 'c', 1, 1, 0, 'ok')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap().unwrap();
        let summary: Option<String> = conn
            .query_row("SELECT summary FROM sync_run", [], |r| r.get(0))
            .unwrap();
        assert_eq!(summary, None);
        let kind: String = conn
            .query_row(
                "SELECT type FROM pragma_table_info('sync_run') WHERE name = 'summary'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kind, "TEXT");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        let e = migrate(&mut conn).unwrap().unwrap_err();
        assert!(e.contains("99") && e.contains("upgrade"), "{e}");
    }
}
