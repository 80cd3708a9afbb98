//! Tickets a sink could not take: recorded per cursor with the error and the number of
//! attempts, retried by later runs with exponential back-off, and never holding back
//! the window of the others (table `sync_failure`, migration 3 of [`super::schema`]).

use super::state::State;
use super::window::stamp;
use crate::error::{Error, Result};
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::params;
use serde::Serialize;

/// One ticket that failed, as `tix sync status` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TicketFailure {
    pub source: String,
    pub id: String,
    /// The version that failed last.
    pub updated: DateTime<Utc>,
    pub error: String,
    pub attempts: u32,
    pub first_failed: DateTime<Utc>,
    pub last_failed: DateTime<Utc>,
    pub next_attempt: DateTime<Utc>,
}

/// The name under which a ticket the listing sent without a readable id is recorded:
/// its position in the run's listing, e.g. `(position 3)`. No provider's id looks like
/// that (they are numbers, GUIDs and keys), so it can be told from a real id.
pub fn position_id(at: u64) -> String {
    format!("(position {at})")
}

/// Whether `id` is a [`position_id`]: there is nothing to fetch again by it.
pub fn is_position(id: &str) -> bool {
    id.starts_with("(position ") && id.ends_with(')')
}

/// The wait after the `attempts`-th failure: 5 minutes, doubling, at most a day. A
/// cron run every few minutes tries a poison ticket about a dozen times the first day,
/// then daily.
pub fn backoff(attempts: u32) -> TimeDelta {
    let minutes = 5i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(20));
    TimeDelta::minutes(minutes).min(TimeDelta::days(1))
}

impl State {
    /// Records that `id` (at version `updated`) failed with `error` at `now`; answers
    /// the number of attempts so far.
    pub fn record_ticket_failure(
        &self,
        source: &str,
        id: &str,
        updated: &DateTime<Utc>,
        error: &Error,
        now: DateTime<Utc>,
    ) -> Result<u32> {
        let fail = |e| self.fail(e);
        let attempts: u32 = self
            .conn()
            .query_row(
                "SELECT attempts FROM sync_failure WHERE source = ?1 AND id = ?2",
                params![source, id],
                |r| r.get::<_, u32>(0),
            )
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(0),
                e => Err(e),
            })
            .map_err(fail)?
            .saturating_add(1);
        self.conn()
            .execute(
                "INSERT INTO sync_failure
                   (source, id, updated, error, attempts, first_failed, last_failed, next_attempt)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
                 ON CONFLICT (source, id) DO UPDATE SET updated = ?3, error = ?4,
                   attempts = ?5, last_failed = ?6, next_attempt = ?7",
                params![
                    source,
                    id,
                    stamp(updated),
                    error.to_string(),
                    attempts,
                    stamp(&now),
                    stamp(&(now + backoff(attempts))),
                ],
            )
            .map_err(fail)?;
        Ok(attempts)
    }

    /// `id` went through: it is no longer failing.
    pub fn clear_failure(&self, source: &str, id: &str) -> Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM sync_failure WHERE source = ?1 AND id = ?2")
            .map_err(|e| self.fail(e))?
            .execute(params![source, id])
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// True when this very version of `id` failed and its back-off has not passed at
    /// `now`: the window lists it again, and it waits its turn. A newer version is
    /// tried at once.
    pub fn backing_off(
        &self,
        source: &str,
        id: &str,
        updated: &DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.conn()
            .prepare_cached(
                "SELECT 1 FROM sync_failure
                 WHERE source = ?1 AND id = ?2 AND updated = ?3 AND next_attempt > ?4",
            )
            .map_err(|e| self.fail(e))?
            .exists(params![source, id, stamp(updated), stamp(&now)])
            .map_err(|e| self.fail(e))
    }

    /// The failed tickets of `source` whose back-off has passed at `now`, oldest first.
    pub fn due_failures(&self, source: &str, now: DateTime<Utc>) -> Result<Vec<TicketFailure>> {
        self.select_failures(
            "WHERE source = ?1 AND next_attempt <= ?2 ORDER BY next_attempt, id",
            params![source, stamp(&now)],
        )
    }

    /// Every failed ticket, by source and id.
    pub fn failures(&self) -> Result<Vec<TicketFailure>> {
        self.select_failures("ORDER BY source, id", params![])
    }

    fn select_failures(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<TicketFailure>> {
        let fail = |e| self.fail(e);
        let mut stmt = self
            .conn()
            .prepare_cached(&format!(
                "SELECT source, id, updated, error, attempts, first_failed, last_failed, next_attempt
                 FROM sync_failure {clause}"
            ))
            .map_err(fail)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    [r.get::<_, String>(0)?, r.get(1)?, r.get(3)?],
                    r.get::<_, u32>(4)?,
                    [r.get::<_, String>(2)?, r.get(5)?, r.get(6)?, r.get(7)?],
                ))
            })
            .map_err(fail)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(fail)?;
        rows.into_iter()
            .map(
                |([source, id, error], attempts, [updated, first, last, next])| {
                    Ok(TicketFailure {
                        source,
                        id,
                        updated: super::state::parse(&updated)?,
                        error,
                        attempts,
                        first_failed: super::state::parse(&first)?,
                        last_failed: super::state::parse(&last)?,
                        next_attempt: super::state::parse(&next)?,
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).unwrap()
    }

    #[test]
    fn the_back_off_doubles_from_five_minutes_up_to_a_day() {
        let m = |n| backoff(n).num_minutes();
        assert_eq!([m(1), m(2), m(3), m(4)], [5, 10, 20, 40]);
        assert_eq!(m(9), 1280);
        assert_eq!(m(10), 24 * 60);
        assert_eq!(m(u32::MAX), 24 * 60);
    }

    #[test]
    fn a_failure_counts_attempts_waits_its_back_off_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let st = State::open(&dir.path().join("s.db")).unwrap();
        let e = Error::Config("rejected".into());
        assert_eq!(
            st.record_ticket_failure("cw", "7", &at(9, 0), &e, at(10, 0))
                .unwrap(),
            1
        );
        assert!(st.due_failures("cw", at(10, 4)).unwrap().is_empty());
        let due = st.due_failures("cw", at(10, 5)).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].id.as_str(), due[0].attempts), ("7", 1));
        assert_eq!(due[0].error, "config: rejected");
        assert_eq!(
            st.record_ticket_failure("cw", "7", &at(9, 30), &e, at(10, 5))
                .unwrap(),
            2
        );
        let all = st.failures().unwrap();
        assert_eq!(all[0].next_attempt, at(10, 15));
        assert_eq!(all[0].first_failed, at(10, 0));
        assert_eq!(all[0].updated, at(9, 30));
        assert!(st.due_failures("other", at(23, 0)).unwrap().is_empty());
        st.clear_failure("cw", "7").unwrap();
        assert!(st.failures().unwrap().is_empty());
    }
}
