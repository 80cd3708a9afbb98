//! One sync at a time per state database: an exclusive lock on `<state>.lock`, held
//! until the run ends. The kernel drops the lock when the process dies, so a killed run
//! never blocks the next one.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
    /// Takes the lock, waiting up to `wait` for a running sync to finish; `None` when it
    /// is still held after that.
    pub fn acquire(state: &Path, wait: Duration) -> Result<Option<RunLock>> {
        let path = lock_path(state);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Config(format!("cannot open {}: {e}", path.display())))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(RunLock { _file: file })),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50).min(wait));
                }
                Err(TryLockError::WouldBlock) => return Ok(None),
                Err(TryLockError::Error(e)) => {
                    return Err(Error::Config(format!(
                        "cannot lock {}: {e}",
                        path.display()
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up_and_gets_it_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("new/state.db");
        let first = RunLock::acquire(&state, Duration::ZERO).unwrap();
        assert!(first.is_some());
        assert!(
            RunLock::acquire(&state, Duration::from_millis(120))
                .unwrap()
                .is_none()
        );
        drop(first);
        assert!(RunLock::acquire(&state, Duration::ZERO).unwrap().is_some());
        assert!(lock_path(&state).ends_with("state.db.lock"));
    }
}
