//! One sync at a time per state database: an exclusive lock on `<state>.lock`, held
//! until the run ends. The kernel drops the lock when the process dies, so a killed run
//! never blocks the next one.
//!
//! The file also says who holds it (`{"pid", "started"}`), cleared when a run ends. A
//! run that finds it filled while the lock is free takes over from a run that died
//! (`kill -9`, a crash) and says so; `tix sync status` and a run that gives way name the
//! holder.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Held while a run goes on; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    /// A run that held the lock before and died without releasing it, or (with
    /// `stale`) one still alive that has held it longer than a run may last.
    pub taken_over: Option<Holder>,
    /// The run taken over was alive, but older than the maximum run time: hung.
    pub stale: bool,
}

/// Who holds (or held) the lock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub started: DateTime<Utc>,
}

impl Holder {
    /// Whether the process still exists (Linux `/proc`; elsewhere assumed alive).
    pub fn alive(&self) -> bool {
        let proc = Path::new("/proc");
        !proc.is_dir() || proc.join(self.pid.to_string()).exists()
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {}, started {}",
            self.pid,
            self.started.format("%Y-%m-%d %H:%M:%SZ")
        )
    }
}

/// Who the lock file of `state` names, if anyone (also a holder that died).
pub fn holder(state: &Path) -> Option<Holder> {
    let text = std::fs::read_to_string(lock_path(state)).ok()?;
    serde_json::from_str(text.trim()).ok()
}

impl Drop for RunLock {
    /// A run that ends (also by an error or Ctrl-C) leaves the file empty: only a run
    /// that died leaves its name behind.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// The lock file that goes with a state database.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl RunLock {
    /// Takes the lock if no other run holds it, or if the run holding it started more
    /// than `max_age` ago: no run lasts that long (`--max-runtime`), so that one hangs
    /// (stopped, stuck in a system call). Its lock file is replaced, atomically, by a
    /// new one this run holds; the hung process keeps a lock on a file no one else
    /// opens. A guard lock makes two runs that find it stale at once take over once.
    pub fn try_acquire_or_take_over(state: &Path, max_age: Duration) -> Result<Option<RunLock>> {
        if let Some(lock) = Self::try_acquire(state)? {
            return Ok(Some(lock));
        }
        let path = lock_path(state);
        let Some(old) = holder(state).filter(|h| is_stale(h, max_age)) else {
            return Ok(None);
        };
        let mut guard_name = path.as_os_str().to_owned();
        guard_name.push(".takeover");
        let guard_path = PathBuf::from(guard_name);
        let fail = |e| Error::state(&path, e);
        let guard = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&guard_path)
            .map_err(fail)?;
        match guard.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(fail(e)),
        }
        // Under the guard, again: another run may have taken over meanwhile, or the
        // hung one ended.
        if let Some(lock) = Self::try_acquire(state)? {
            return Ok(Some(lock));
        }
        if holder(state).as_ref() != Some(&old) {
            return Ok(None);
        }
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let fresh = tempfile::Builder::new()
            .prefix(".tix-lock-")
            .tempfile_in(dir.unwrap_or(Path::new(".")))
            .map_err(fail)?;
        fresh.as_file().try_lock().map_err(|e| match e {
            TryLockError::WouldBlock => Error::state(&path, "a new lock file is held"),
            TryLockError::Error(e) => fail(e),
        })?;
        let file = fresh.persist(&path).map_err(|e| fail(e.error))?;
        let mut lock = RunLock::hold(file).map_err(fail)?;
        lock.taken_over = Some(old);
        lock.stale = true;
        Ok(Some(lock))
    }

    /// Takes the lock if no other run holds it.
    pub fn try_acquire(state: &Path) -> Result<Option<RunLock>> {
        let path = lock_path(state);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::state(dir, e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::state(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(
                RunLock::hold(file).map_err(|e| Error::state(&path, e))?,
            )),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(Error::state(&path, e)),
        }
    }

    /// Takes the lock, waiting up to `wait` for a running sync to finish; `None` when it
    /// is still held after that. The wait is asynchronous: dropping the future (Ctrl-C)
    /// ends it at once.
    pub async fn acquire(
        state: &Path,
        wait: Duration,
        max_age: Duration,
    ) -> Result<Option<RunLock>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(lock) = Self::try_acquire_or_take_over(state, max_age)? {
                return Ok(Some(lock));
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(POLL.min(deadline - now)).await;
        }
    }
}

impl RunLock {
    /// Reads who held the lock before (a run that died), then writes this run's name.
    fn hold(mut file: File) -> std::io::Result<RunLock> {
        let mut before = String::new();
        file.read_to_string(&mut before)?;
        let taken_over = serde_json::from_str(before.trim()).ok();
        let me = Holder {
            pid: std::process::id(),
            started: Utc::now(),
        };
        file.set_len(0)?;
        file.rewind()?;
        file.write_all(
            serde_json::to_string(&me)
                .map_err(std::io::Error::other)?
                .as_bytes(),
        )?;
        Ok(RunLock {
            file,
            taken_over,
            stale: false,
        })
    }
}

/// Whether the run `h` started more than `max_age` ago.
fn is_stale(h: &Holder, max_age: Duration) -> bool {
    let max_age = chrono::TimeDelta::from_std(max_age).unwrap_or(chrono::TimeDelta::MAX);
    Utc::now().signed_duration_since(h.started) > max_age
}

/// How often a waiting run looks at the lock again.
const POLL: Duration = Duration::from_millis(50);

#[cfg(test)]
mod tests {
    use super::*;

    // The paused clock makes the wait exact and instant: no race with a wall clock.
    #[tokio::test(start_paused = true)]
    async fn a_second_holder_waits_then_gives_up_and_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("new/state.db");
        let first = RunLock::try_acquire(&state).unwrap();
        assert!(first.is_some());
        let start = tokio::time::Instant::now();
        assert!(
            RunLock::acquire(&state, Duration::from_secs(120), Duration::from_secs(3600))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(start.elapsed(), Duration::from_secs(120), "waited it out");
        drop(first);
        assert!(RunLock::try_acquire(&state).unwrap().is_some());
        assert!(lock_path(&state).ends_with("state.db.lock"));
    }

    #[test]
    fn the_file_names_the_holder_and_a_dead_holder_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.db");
        let lock = RunLock::try_acquire(&state).unwrap().unwrap();
        assert_eq!(lock.taken_over, None);
        let me = holder(&state).unwrap();
        assert_eq!(me.pid, std::process::id());
        assert!(me.alive());
        drop(lock);
        assert_eq!(holder(&state), None, "a run that ends clears its name");
        // A run that died: its name stays, the kernel released its lock.
        let dead = Holder {
            pid: u32::MAX - 1,
            started: "2026-12-03T10:00:00Z".parse().unwrap(),
        };
        std::fs::write(lock_path(&state), serde_json::to_string(&dead).unwrap()).unwrap();
        assert!(!dead.alive());
        let lock = RunLock::try_acquire(&state).unwrap().unwrap();
        assert_eq!(lock.taken_over, Some(dead));
        assert_eq!(holder(&state).unwrap().pid, std::process::id());
    }

    #[test]
    fn a_live_holder_older_than_the_maximum_run_time_is_taken_over_once() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.db");
        // A run that hangs: it holds the lock (its own open file) and started 2 h ago.
        let hung = RunLock::try_acquire(&state).unwrap().unwrap();
        let old = Holder {
            pid: std::process::id(),
            started: Utc::now() - chrono::TimeDelta::hours(2),
        };
        std::fs::write(lock_path(&state), serde_json::to_string(&old).unwrap()).unwrap();
        assert!(old.alive());
        let hour = Duration::from_secs(3600);
        let three = Duration::from_secs(3 * 3600);
        assert!(
            RunLock::try_acquire_or_take_over(&state, three)
                .unwrap()
                .is_none(),
            "younger than the maximum: it is waited for"
        );
        let lock = RunLock::try_acquire_or_take_over(&state, hour)
            .unwrap()
            .unwrap();
        assert_eq!(lock.taken_over, Some(old.clone()));
        assert!(lock.stale);
        // The new holder is named and really holds the lock: a third run gives way.
        let now = holder(&state).unwrap();
        assert!(now.started > old.started, "{now:?}");
        assert!(
            RunLock::try_acquire_or_take_over(&state, hour)
                .unwrap()
                .is_none()
        );
        assert!(RunLock::try_acquire(&state).unwrap().is_none());
        drop(hung);
        assert!(
            RunLock::try_acquire(&state).unwrap().is_none(),
            "still held"
        );
        drop(lock);
        assert!(RunLock::try_acquire(&state).unwrap().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_holder_gets_the_lock_when_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.db");
        let first = RunLock::try_acquire(&state).unwrap();
        let release = async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            drop(first);
        };
        let start = tokio::time::Instant::now();
        let (got, ()) = tokio::join!(
            RunLock::acquire(&state, Duration::from_secs(60), Duration::from_secs(3600)),
            release
        );
        assert!(got.unwrap().is_some());
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{:?}",
            start.elapsed()
        );
    }
}
