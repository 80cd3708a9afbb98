//! `tix sync`: incremental, exactly-once dumps of each source's tickets for cron jobs.
//!
//! - [`state`]: the SQLite store (cursor per source, keys near the boundary, runs), its
//!   schema in [`schema`] as an extensible list of migrations.
//! - [`window`]: which `updated` span a run reads and where the cursor moves.
//! - [`sink`]: the `Sink` trait a run hands tickets to; [`files`]: durable JSON Lines
//!   files (or stdout). ConnectWise is the other sink (`crate::sinks::connectwise`).
//! - [`failures`]: tickets a sink could not take, retried later with back-off.
//! - [`lock`]: one run at a time per state database; [`fence`]: a run whose lock was
//!   taken over (it hung) commits nothing more.
//! - [`dry_run`]: `--dry-run`, the engine over a copy of the state into a sink that
//!   prints what would be written.
//! - [`engine`]: one run of one source into one sink, in the order that makes a crash
//!   harmless.
//! - [`postgres`]: the state on PostgreSQL for several hosts: versioned schema, a work
//!   list with leases instead of the lock, and a working copy per lease the engine runs
//!   on; [`tables`]: the tables both backends share, as data; [`dump`]: `tix state
//!   export|import` between them.
//!
//! The design follows the research note (`shared/research/cyderes-cli-conventions.md`
//! part C): an overlapping window (Airbyte's lookback), a persisted set of keys written
//! near the boundary (XSOAR's last-run ids), a cursor that never passes the run's start
//! and moves only after the output is durable (Singer, Meltano), and file names derived
//! from the stored state so a redone run replaces what a killed one may have renamed.

pub(crate) mod crash;
pub mod dry_run;
pub mod dump;
pub mod engine;
pub mod failures;
mod fence;
pub mod files;
pub mod location;
pub mod lock;
pub mod postgres;
pub mod schema;
pub mod sink;
pub mod state;
pub mod tables;
pub mod window;

pub use engine::{Job, Report, Settings};
pub use failures::TicketFailure;
pub use files::{FileSink, Out};
pub use lock::RunLock;
pub use sink::Sink;
pub use state::State;

use std::path::PathBuf;

/// The `locked` crash point, for the CLI, which takes the lock.
pub fn crash_point_locked() {
    crash::point("locked");
}

/// `$XDG_STATE_HOME/tix/sync.db`, else `~/.local/state/tix/sync.db`.
pub fn default_state_path(env: &crate::config::Env) -> Option<PathBuf> {
    let base = env
        .get("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            env.get("HOME")
                .map(|h| PathBuf::from(h).join(".local/state"))
        })?;
    Some(base.join("tix").join("sync.db"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;

    #[test]
    fn the_default_state_follows_xdg_then_home() {
        let env = Env::from_pairs([("XDG_STATE_HOME", "/s"), ("HOME", "/h")]);
        assert_eq!(
            default_state_path(&env),
            Some(PathBuf::from("/s/tix/sync.db"))
        );
        let env = Env::from_pairs([("XDG_STATE_HOME", "relative"), ("HOME", "/h")]);
        assert_eq!(
            default_state_path(&env),
            Some(PathBuf::from("/h/.local/state/tix/sync.db"))
        );
        assert_eq!(default_state_path(&Env::from_pairs([])), None);
    }
}
