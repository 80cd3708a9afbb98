//! The sync state: one SQLite database (rusqlite, bundled) holding each source's cursor,
//! the keys written near its boundary, and a row per run.
//!
//! Durability: write-ahead log with `synchronous = NORMAL`. A transaction is atomic
//! (an uncommitted one leaves nothing, also under `kill -9`), and commits reach the disk
//! in order; only a power loss can undo the last few. Measured on this project's
//! machine (ext4, shared) with the 300-ticket ConnectWise run of
//! `tests/it/connectwise_e2e.rs`: rollback journal + `FULL` with a commit per write
//! (the old way) 35–41 s; the same with one transaction per ticket 17–18 s; WAL +
//! `NORMAL` with one transaction per ticket 5–6 s. `NORMAL` is safe here because every
//! commit a power loss undoes is a crash earlier: a run redone from the older cursor
//! rewrites the same file names, and a ConnectWise push redone finds its tickets and notes by their marks.
//!
//! A run's keys go to a connection-local temporary table while it runs and reach
//! `sync_key` only in the one transaction that also moves the watermark, after the
//! output file is durable. What a sink writes for one ticket (the ConnectWise ledger)
//! commits in one transaction per ticket ([`State::ticket`]).

use super::schema;
use super::window::stamp;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// An open state database.
pub struct State {
    conn: Connection,
    path: PathBuf,
    /// The epoch this run fenced the state at (`super::fence`); `None` when no run did.
    epoch: Option<i64>,
}

/// What is stored for one source before a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cursor {
    pub watermark: Option<DateTime<Utc>>,
    pub keys_floor: Option<DateTime<Utc>>,
    /// Files written so far for this source.
    pub files: u64,
}

/// Everything a successful run commits at once.
#[derive(Debug, Clone)]
pub struct Commit<'a> {
    pub source: &'a str,
    pub provider: &'a str,
    pub watermark: Option<DateTime<Utc>>,
    pub keys_floor: Option<DateTime<Utc>>,
    pub wrote_file: bool,
    pub run: RunRow,
}

/// One row of `sync_run`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunRow {
    pub source: String,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
    pub window_from: Option<DateTime<Utc>>,
    pub window_to: DateTime<Utc>,
    pub seen: u64,
    pub new: u64,
    pub updated: u64,
    pub file: Option<String>,
    /// `ok`, or `failed: <reason>`.
    pub outcome: String,
    /// The sink's counts as JSON (`sync_run.summary`, `crate::sync::sink::RunSummary`),
    /// shown as an object; `None` before migration 4, for failed runs and for files.
    #[serde(serialize_with = "embedded_json")]
    pub summary: Option<String>,
}

/// A JSON text column written as the JSON it holds (text that is not JSON as a string).
fn embedded_json<S: serde::Serializer>(
    text: &Option<String>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match text
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
    {
        Some(Ok(v)) => v.serialize(s),
        Some(Err(_)) => text.serialize(s),
        None => s.serialize_none(),
    }
}

/// One source as `tix sync status` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceStatus {
    pub source: String,
    pub provider: String,
    pub watermark: Option<DateTime<Utc>>,
    pub boundary_keys: Vec<String>,
    pub files: u64,
    pub keys: u64,
    pub runs: u64,
    pub last_run: Option<RunRow>,
    /// Tickets that failed and wait for a later run.
    pub failed_tickets: Vec<super::failures::TicketFailure>,
}

impl State {
    /// Opens (creating it and its directory when missing) and migrates the database.
    /// A consistent copy of the database at `path` written to `into` (SQLite's
    /// `VACUUM INTO`, through a read-only connection), opened: what a dry run reads and
    /// changes instead of the real state, which it leaves as it was.
    pub fn snapshot(path: &Path, into: &Path) -> Result<State> {
        let fail = |e: rusqlite::Error| db_error(path, e);
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail)?;
        conn.execute("VACUUM INTO ?1", [into.to_string_lossy()])
            .map_err(fail)?;
        drop(conn);
        State::open(into)
    }

    pub fn open(path: &Path) -> Result<State> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::state(dir, e))?;
        }
        let fail = |e: rusqlite::Error| db_error(path, e);
        let mut conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;",
        )
        .map_err(fail)?;
        schema::migrate(&mut conn)
            .map_err(fail)?
            .map_err(Error::Config)?;
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS run_key (
                id TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (id, updated)
            ) WITHOUT ROWID;",
        )
        .map_err(fail)?;
        Ok(State {
            conn,
            path: path.to_path_buf(),
            epoch: None,
        })
    }

    /// The database itself, for features that keep their own tables in it (through a
    /// migration appended to `schema::MIGRATIONS`).
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn epoch(&self) -> Option<i64> {
        self.epoch
    }

    pub(super) fn set_epoch(&mut self, epoch: i64) {
        self.epoch = Some(epoch);
    }

    pub(super) fn fail(&self, e: rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }

    /// Runs `f` as one transaction: what it writes commits together when it answers
    /// `Ok`, and not at all when it fails or is dropped (Ctrl-C), so one ticket's writes
    /// are never half there.
    pub async fn ticket<T, F>(&mut self, f: F) -> Result<T>
    where
        F: AsyncFnOnce(&mut State) -> Result<T>,
    {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.fail(e))?;
        if let Err(e) = self.check_fence() {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(e);
        }
        let mut guard = Rollback(Some(self));
        let state = guard.0.as_deref_mut().expect("held until the end");
        let outcome = f(state).await;
        let state = guard.0.take().expect("held until the end");
        match outcome {
            Ok(v) => {
                state
                    .conn
                    .execute_batch("COMMIT")
                    .map_err(|e| state.fail(e))?;
                Ok(v)
            }
            Err(e) => {
                let _ = state.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The stored cursor of `source` (defaults before its first run).
    pub fn cursor(&self, source: &str) -> Result<Cursor> {
        let row = self
            .conn
            .query_row(
                "SELECT watermark, keys_floor, files FROM sync_source WHERE source = ?1",
                [source],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        let Some((watermark, floor, files)) = row else {
            return Ok(Cursor::default());
        };
        // A cursor no run can use (an older tix stored a provider's year -1) names the
        // command that repairs it instead of failing the same way on every run.
        let repair = |what: &str, text: &Option<String>| {
            Error::Config(format!(
                "the sync state holds a bad {what} for {source} ('{}'); run `tix sync reset {source}` to read it from the start again",
                text.as_deref().unwrap_or_default()
            ))
        };
        let check = |what: &str, text: &Option<String>| -> Result<Option<DateTime<Utc>>> {
            match parse_opt(text.as_deref()) {
                Ok(t) if t.is_none_or(|t| super::window::plausible(&t)) => Ok(t),
                _ => Err(repair(what, text)),
            }
        };
        Ok(Cursor {
            watermark: check("watermark", &watermark)?,
            keys_floor: check("keys floor", &floor)?,
            files: files as u64,
        })
    }

    /// Forgets `source`'s window and failures so its next run reads everything again;
    /// the file count stays (new file names never replace old files) and the keys with a
    /// plausible time stay (what they name is not written again). Answers whether the
    /// source was known.
    pub fn reset(&mut self, source: &str) -> Result<bool> {
        let path = self.path.clone();
        let fail = |e| db_error(&path, e);
        let tx = self.conn.transaction().map_err(fail)?;
        let known = tx
            .execute(
                "UPDATE sync_source SET watermark = NULL, keys_floor = NULL, boundary_keys = '[]'
                 WHERE source = ?1",
                [source],
            )
            .map_err(fail)?
            > 0;
        tx.execute(
            "DELETE FROM sync_key WHERE source = ?1
               AND NOT (updated >= '1970-01-01T' AND updated < '2200-01-01T')",
            [source],
        )
        .map_err(fail)?;
        tx.execute("DELETE FROM sync_failure WHERE source = ?1", [source])
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(known)
    }

    /// Forgets the keys of a run that did not commit (this connection's only).
    pub fn begin_run(&mut self) -> Result<()> {
        self.conn
            .execute("DELETE FROM temp.run_key", [])
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// True when `(id, updated)` was written neither by an earlier run of `source` nor
    /// earlier in this run; it then counts as written by this run.
    pub fn admit(&self, source: &str, id: &str, updated: &DateTime<Utc>) -> Result<bool> {
        let updated = stamp(updated);
        let fail = |e| self.fail(e);
        let earlier = self
            .conn
            .prepare_cached("SELECT 1 FROM sync_key WHERE source = ?1 AND id = ?2 AND updated = ?3")
            .map_err(fail)?
            .exists(params![source, id, updated])
            .map_err(fail)?;
        if earlier {
            return Ok(false);
        }
        let inserted = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO temp.run_key (id, updated) VALUES (?1, ?2)")
            .map_err(fail)?
            .execute(params![id, updated])
            .map_err(fail)?;
        Ok(inserted == 1)
    }

    /// Forgets that this run wrote `(id, updated)`: its ticket failed.
    pub fn forget(&self, id: &str, updated: &DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM temp.run_key WHERE id = ?1 AND updated = ?2")
            .map_err(|e| self.fail(e))?
            .execute(params![id, stamp(updated)])
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Commits a run in one transaction: its keys at or after the new floor, the pruning
    /// of older keys, the cursor, and the run's row.
    pub fn commit(&mut self, c: &Commit<'_>) -> Result<()> {
        let path = self.path.clone();
        let fail = |e| db_error(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(fail)?;
        // Under the write lock: no takeover can come between the check and the commit.
        check_epoch(&tx, self.epoch, &path)?;
        let floor = c.keys_floor.as_ref().map(stamp).unwrap_or_default();
        tx.execute(
            "INSERT OR IGNORE INTO sync_key (source, id, updated)
             SELECT ?1, id, updated FROM temp.run_key WHERE updated >= ?2",
            params![c.source, floor],
        )
        .map_err(fail)?;
        tx.execute(
            "DELETE FROM sync_key WHERE source = ?1 AND updated < ?2",
            params![c.source, floor],
        )
        .map_err(fail)?;
        let watermark = c.watermark.as_ref().map(stamp);
        let boundary: Vec<String> = match &watermark {
            Some(w) => {
                let mut stmt = tx
                    .prepare(
                        "SELECT id FROM sync_key WHERE source = ?1 AND updated = ?2 ORDER BY id",
                    )
                    .map_err(fail)?;
                stmt.query_map(params![c.source, w], |r| r.get(0))
                    .map_err(fail)?
                    .collect::<rusqlite::Result<_>>()
                    .map_err(fail)?
            }
            None => Vec::new(),
        };
        let boundary = serde_json::to_string(&boundary).map_err(|e| Error::Io(e.into()))?;
        tx.execute(
            "INSERT INTO sync_source (source, provider, watermark, keys_floor, boundary_keys, files)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (source) DO UPDATE SET provider = excluded.provider,
                 watermark = excluded.watermark, keys_floor = excluded.keys_floor,
                 boundary_keys = excluded.boundary_keys, files = sync_source.files + ?6",
            params![
                c.source,
                c.provider,
                watermark,
                c.keys_floor.as_ref().map(stamp),
                boundary,
                i64::from(c.wrote_file)
            ],
        )
        .map_err(fail)?;
        insert_run(&tx, &c.run).map_err(fail)?;
        tx.execute("DELETE FROM temp.run_key", []).map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// Records a run that failed; the cursor and keys stay as they were.
    pub fn record_failure(&mut self, run: &RunRow) -> Result<()> {
        self.check_fence()?;
        let path = self.path.clone();
        self.conn
            .execute("DELETE FROM temp.run_key", [])
            .map_err(|e| db_error(&path, e))?;
        insert_run(&self.conn, run).map_err(|e| db_error(&path, e))?;
        Ok(())
    }

    /// Every source with its cursor and its most recent run, by name.
    pub fn status(&self) -> Result<Vec<SourceStatus>> {
        let fail = |e| self.fail(e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.source, s.provider, s.watermark, s.boundary_keys, s.files,
                    (SELECT count(*) FROM sync_key k WHERE k.source = s.source),
                    (SELECT count(*) FROM sync_run r WHERE r.source = s.source)
                 FROM sync_source s
                 UNION ALL
                 SELECT DISTINCT r.source, '', NULL, '[]', 0, 0,
                    (SELECT count(*) FROM sync_run x WHERE x.source = r.source)
                 FROM sync_run r WHERE r.source NOT IN (SELECT source FROM sync_source)
                 ORDER BY 1",
            )
            .map_err(fail)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })
            .map_err(fail)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(fail)?;
        let mut failed = self.failures()?;
        let mut out = Vec::with_capacity(rows.len());
        for (source, provider, watermark, boundary, files, keys, runs) in rows {
            let last_run = self.runs(&source, 1)?.pop();
            let (mine, rest) = failed.into_iter().partition(|f| f.source == source);
            failed = rest;
            out.push(SourceStatus {
                failed_tickets: mine,
                boundary_keys: serde_json::from_str(&boundary).unwrap_or_default(),
                watermark: parse_opt(watermark.as_deref())?,
                source,
                provider,
                files: files as u64,
                keys: keys as u64,
                runs: runs as u64,
                last_run,
            });
        }
        Ok(out)
    }

    /// The most recent `limit` runs of `source`, newest first.
    pub fn runs(&self, source: &str, limit: u32) -> Result<Vec<RunRow>> {
        let fail = |e| self.fail(e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source, started, ended, window_from, window_to, seen, new, updated, file, outcome, summary
                 FROM sync_run WHERE source = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(fail)?;
        let raw = stmt
            .query_map(params![source, limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    [
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(4)?,
                    ],
                    r.get::<_, Option<String>>(3)?,
                    [
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                    ],
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, Option<String>>(10)?,
                ))
            })
            .map_err(fail)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(fail)?;
        raw.into_iter()
            .map(
                |(
                    source,
                    [started, ended, to],
                    from,
                    [seen, new, updated],
                    file,
                    outcome,
                    summary,
                )| {
                    Ok(RunRow {
                        source,
                        started: parse(&started)?,
                        ended: parse(&ended)?,
                        window_from: parse_opt(from.as_deref())?,
                        window_to: parse(&to)?,
                        seen: seen as u64,
                        new: new as u64,
                        updated: updated as u64,
                        file,
                        outcome,
                        summary,
                    })
                },
            )
            .collect()
    }
}

fn insert_run(conn: &Connection, run: &RunRow) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO sync_run (source, started, ended, window_from, window_to, seen, new, updated, file, outcome, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            run.source,
            stamp(&run.started),
            stamp(&run.ended),
            run.window_from.as_ref().map(stamp),
            stamp(&run.window_to),
            run.seen as i64,
            run.new as i64,
            run.updated as i64,
            run.file,
            run.outcome,
            run.summary
        ],
    )
}

/// `super::fence`'s check: the state's epoch is still `mine` (or no run fenced it).
pub(super) fn check_epoch(tx: &Connection, mine: Option<i64>, path: &Path) -> Result<()> {
    let Some(mine) = mine else { return Ok(()) };
    let now: Option<i64> = tx
        .query_row("SELECT epoch FROM sync_fence WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| db_error(path, e))?;
    if now == Some(mine) {
        Ok(())
    } else {
        Err(Error::Fenced {
            path: path.display().to_string(),
        })
    }
}

/// A transaction a dropped future leaves open is rolled back here.
struct Rollback<'a>(Option<&'a mut State>);

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if let Some(state) = self.0.take() {
            let _ = state.conn.execute_batch("ROLLBACK");
        }
    }
}

pub(super) fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::state(path, e)
}

pub(super) fn parse(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Config(format!("sync state holds a bad time '{s}': {e}")))
}

fn parse_opt(s: Option<&str>) -> Result<Option<DateTime<Utc>>> {
    s.map(parse).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).unwrap()
    }

    fn run_row(source: &str) -> RunRow {
        RunRow {
            source: source.into(),
            started: at(10, 0),
            ended: at(10, 1),
            window_from: None,
            window_to: at(10, 0),
            seen: 2,
            new: 2,
            updated: 0,
            file: Some("f".into()),
            outcome: "ok".into(),
            summary: None,
        }
    }

    #[test]
    fn keys_are_admitted_once_and_survive_only_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.db");
        let mut st = State::open(&path).unwrap();
        st.begin_run().unwrap();
        assert!(st.admit("sonar", "a", &at(9, 0)).unwrap());
        assert!(!st.admit("sonar", "a", &at(9, 0)).unwrap(), "same run");
        assert!(st.admit("sonar", "a", &at(9, 5)).unwrap(), "a new version");
        // Not committed: a new connection (the next process) sees nothing.
        drop(st);
        let mut st = State::open(&path).unwrap();
        st.begin_run().unwrap();
        assert!(st.admit("sonar", "a", &at(9, 0)).unwrap());
        assert!(st.admit("sonar", "b", &at(9, 30)).unwrap());
        st.commit(&Commit {
            source: "sonar",
            provider: "sonar",
            watermark: Some(at(9, 30)),
            keys_floor: Some(at(9, 10)),
            wrote_file: true,
            run: run_row("sonar"),
        })
        .unwrap();
        drop(st);
        let mut st = State::open(&path).unwrap();
        st.begin_run().unwrap();
        // Below the floor the key was pruned (windows never reach there); above it, kept.
        assert!(st.admit("sonar", "a", &at(9, 0)).unwrap());
        assert!(!st.admit("sonar", "b", &at(9, 30)).unwrap());
        assert!(
            st.admit("argus", "b", &at(9, 30)).unwrap(),
            "keys are per source"
        );
        let c = st.cursor("sonar").unwrap();
        assert_eq!(c.watermark, Some(at(9, 30)));
        assert_eq!(c.keys_floor, Some(at(9, 10)));
        assert_eq!(c.files, 1);
        assert_eq!(st.cursor("none").unwrap(), Cursor::default());
    }

    #[tokio::test]
    async fn a_ticket_transaction_commits_whole_or_leaves_nothing_also_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = State::open(&dir.path().join("s.db")).unwrap();
        let write = |st: &mut State, item: &str| {
            st.connection()
                .execute(
                    "INSERT INTO cw_item (provider, id, item) VALUES ('sonar', '1', ?1)",
                    [item],
                )
                .unwrap();
        };
        let items = |st: &mut State| -> i64 {
            st.connection()
                .query_row("SELECT count(*) FROM cw_item", [], |r| r.get(0))
                .unwrap()
        };
        st.ticket(async |st: &mut State| {
            write(st, "a");
            write(st, "b");
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(items(&mut st), 2);
        let e = st
            .ticket(async |st: &mut State| -> Result<()> {
                write(st, "c");
                Err(Error::Config("rejected".into()))
            })
            .await;
        assert!(e.is_err());
        assert_eq!(items(&mut st), 2, "a failed ticket writes nothing");
        // Ctrl-C: the future is dropped halfway, between two writes.
        let halfway = st.ticket(async |st: &mut State| {
            write(st, "d");
            std::future::pending::<()>().await;
            Ok(())
        });
        let cut = tokio::time::timeout(std::time::Duration::from_millis(10), halfway).await;
        assert!(cut.is_err());
        assert_eq!(items(&mut st), 2, "a dropped ticket writes nothing");
        st.ticket(async |st: &mut State| {
            write(st, "e");
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(items(&mut st), 3, "and the next ticket starts cleanly");
    }

    #[test]
    fn a_bad_watermark_names_the_repair_and_reset_repairs_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = State::open(&dir.path().join("s.db")).unwrap();
        st.begin_run().unwrap();
        st.commit(&Commit {
            source: "sonar",
            provider: "sonar",
            watermark: Some(at(9, 30)),
            keys_floor: Some(at(9, 0)),
            wrote_file: true,
            run: run_row("sonar"),
        })
        .unwrap();
        st.connection()
            .execute(
                "UPDATE sync_source SET watermark = '-0001-12-31T00:00:00Z'",
                [],
            )
            .unwrap();
        let e = st.cursor("sonar").unwrap_err();
        assert!(e.to_string().contains("run `tix sync reset sonar`"), "{e}");
        assert_eq!(e.exit_code(), 3);
        assert!(st.reset("sonar").unwrap());
        assert!(!st.reset("argus").unwrap());
        let c = st.cursor("sonar").unwrap();
        assert_eq!((c.watermark, c.files), (None, 1), "files keep counting");
    }

    #[test]
    fn status_shows_cursors_and_failed_sources() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = State::open(&dir.path().join("s.db")).unwrap();
        st.begin_run().unwrap();
        st.admit("sonar", "x", &at(9, 30)).unwrap();
        st.commit(&Commit {
            source: "sonar",
            provider: "sonar",
            watermark: Some(at(9, 30)),
            keys_floor: Some(at(9, 0)),
            wrote_file: true,
            run: run_row("sonar"),
        })
        .unwrap();
        let mut failed = run_row("argus");
        failed.outcome = "failed: boom".into();
        st.record_failure(&failed).unwrap();
        let s = st.status().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].source, "argus");
        assert_eq!(s[0].watermark, None);
        assert_eq!(s[0].last_run.as_ref().unwrap().outcome, "failed: boom");
        assert_eq!(s[1].boundary_keys, vec!["x".to_string()]);
        assert_eq!((s[1].files, s[1].keys, s[1].runs), (1, 1, 1));
    }

    #[test]
    fn a_runs_summary_is_kept_and_shown_as_the_json_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = State::open(&dir.path().join("s.db")).unwrap();
        st.begin_run().unwrap();
        let mut row = run_row("connectwise:sonar");
        row.summary = Some(
            r#"{"created":2,"updated":0,"notes":3,"attachments":0,"failed":0,"seconds":1.5}"#
                .into(),
        );
        st.commit(&Commit {
            source: "connectwise:sonar",
            provider: "sonar",
            watermark: Some(at(9, 30)),
            keys_floor: Some(at(9, 0)),
            wrote_file: false,
            run: row.clone(),
        })
        .unwrap();
        let runs = st.runs("connectwise:sonar", 5).unwrap();
        assert_eq!(runs, vec![row]);
        let json = serde_json::to_value(&runs[0]).unwrap();
        assert_eq!(json["summary"]["notes"], 3);
        assert_eq!(json["summary"]["seconds"], 1.5);
        assert!(serde_json::to_value(run_row("sonar")).unwrap()["summary"].is_null());
    }
}
