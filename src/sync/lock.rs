//! One sync at a time per state database: an exclusive lock on `<state>.lock`, held
//! until the run ends. The kernel drops the lock when the process dies, so a killed run
//! never blocks the next one.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Held while a run goes on; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
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
            .write(true)
            .open(&path)
            .map_err(|e| Error::state(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(RunLock { _file: file })),
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
