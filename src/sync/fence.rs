//! Fencing for the SQLite state: a run that took the lock over from a hung one (`--max-
//! runtime` passed, `lock::RunLock::try_acquire_or_take_over`) must not be undone by that
//! one waking up. The lock alone cannot stop it: the hung process still believes it holds
//! its lock (on a file that has since been replaced). So every run that takes the lock
//! also moves an epoch in the database (`sync_fence`, migration 5), and every write a run
//! commits first checks, under SQLite's write lock, that the epoch is still its own: a
//! run whose lock was taken over commits nothing more, and its file is not renamed over
//! the newer run's.

use super::state::{State, check_epoch, db_error};
use crate::error::Result;

impl State {
    /// Makes this run the one the state answers to; the runs before it, if any is still
    /// alive, are fenced off. Called once the run lock is held.
    pub fn fence(&mut self) -> Result<()> {
        let path = self.path().to_path_buf();
        let epoch: i64 = self
            .connection()
            .query_row(
                "UPDATE sync_fence SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch",
                [],
                |r| r.get(0),
            )
            .map_err(|e| db_error(&path, e))?;
        self.set_epoch(epoch);
        Ok(())
    }

    /// Fails when a newer run has fenced this one off. Meant inside a write transaction
    /// (`BEGIN IMMEDIATE`), where the epoch cannot move until it ends. A state no run
    /// fenced (a dry run's copy, a lease's working copy) answers `Ok`.
    pub(super) fn check_fence(&self) -> Result<()> {
        check_epoch(self.conn(), self.epoch(), self.path())
    }

    /// Runs `f` (a file's rename) under the write lock with the fence checked: no newer
    /// run can take over between the check and `f`.
    pub fn fenced<T>(&mut self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if self.epoch().is_none() {
            return f();
        }
        self.connection()
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.fail(e))?;
        let outcome = self.check_fence().and_then(|()| f());
        // Nothing was written in the transaction: it only held the lock.
        let _ = self.connection().execute_batch("COMMIT");
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::sync::state::RunRow;

    fn row() -> RunRow {
        let t = chrono::Utc::now();
        RunRow {
            source: "s".into(),
            started: t,
            ended: t,
            window_from: None,
            window_to: t,
            seen: 0,
            new: 0,
            updated: 0,
            file: None,
            outcome: "ok".into(),
            summary: None,
        }
    }

    #[tokio::test]
    async fn a_run_fenced_off_by_a_newer_one_commits_nothing_more() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut hung = State::open(&path).unwrap();
        hung.fence().unwrap();
        hung.ticket(async |_| Ok(())).await.unwrap();
        assert_eq!(hung.fenced(|| Ok(1)).unwrap(), 1);

        // The lock is taken over; the newer run fences.
        let mut newer = State::open(&path).unwrap();
        newer.fence().unwrap();

        let e = hung.ticket(async |_| Ok(())).await.unwrap_err();
        assert!(matches!(e, Error::Fenced { .. }), "{e}");
        let mut renamed = false;
        let e = hung
            .fenced(|| {
                renamed = true;
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(e, Error::Fenced { .. }), "{e}");
        assert!(!renamed, "the file is not renamed");
        assert!(matches!(
            hung.record_failure(&row()).unwrap_err(),
            Error::Fenced { .. }
        ));
        assert!(newer.runs("s", 10).unwrap().is_empty(), "nothing recorded");

        newer.ticket(async |_| Ok(())).await.unwrap();
        newer.record_failure(&row()).unwrap();
        assert_eq!(newer.runs("s", 10).unwrap().len(), 1);
    }

    #[test]
    fn a_state_no_run_fenced_checks_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let mut copy = State::open(&path).unwrap();
        let mut run = State::open(&path).unwrap();
        run.fence().unwrap();
        assert_eq!(copy.fenced(|| Ok(2)).unwrap(), 2);
        copy.record_failure(&row()).unwrap();
    }
}
