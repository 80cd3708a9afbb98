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
    /// A run that held the lock before and died without releasing it.
    pub taken_over: Option<Holder>,
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
    pub async fn acquire(state: &Path, wait: Duration) -> Result<Option<RunLock>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(lock) = Self::try_acquire(state)? {
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
        Ok(RunLock { file, taken_over })
    }
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
            RunLock::acquire(&state, Duration::from_secs(120))
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
        let (got, ()) = tokio::join!(RunLock::acquire(&state, Duration::from_secs(60)), release);
        assert!(got.unwrap().is_some());
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{:?}",
            start.elapsed()
        );
    }
}
