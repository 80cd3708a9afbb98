//! Where a run's tickets go. The engine ([`super::engine`]) reads the window, keeps the
//! cursor and the failures; a [`Sink`] only takes tickets: JSON Lines files
//! ([`super::files::FileSink`]) or ConnectWise (`crate::sinks::connectwise::CwSink`).

use super::engine::Report;
use super::state::State;
use super::window::Window;
use crate::error::Result;
use crate::model::Ticket;
use crate::source::TicketSource;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What a run did in a sink's own counts (issue 17): kept with the run as JSON
/// (`sync_run.summary`) and shown by `tix sync status`. Only ConnectWise has counts of
/// its own; a file sink's run is said by the run's new and updated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub created: u64,
    pub updated: u64,
    pub notes: u64,
    pub attachments: u64,
    pub failed: u64,
    /// The run's wall time, to the millisecond.
    pub seconds: f64,
}

impl RunSummary {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("numbers always serialize")
    }

    /// `created 212, updated 61, notes 430, attachments 12, 0 failed, 9.4 s`.
    pub fn line(&self) -> String {
        format!(
            "created {}, updated {}, notes {}, attachments {}, {} failed, {:.1} s",
            self.created, self.updated, self.notes, self.attachments, self.failed, self.seconds
        )
    }
}

#[async_trait::async_trait]
pub trait Sink: Send {
    /// The cursor this sink keeps for `job` in the state: each sink has its own, so
    /// files and ConnectWise sync the same source independently.
    fn cursor_name(&self, job: &str) -> String;

    /// True when the run first reads the window's ids and then fetches each ticket in
    /// full (`TicketSource::get`) before [`Sink::put`]: a sink slow per ticket must not
    /// hold a page stream open while the list moves on.
    fn fetches_full(&self) -> bool {
        false
    }

    /// How many of the window's tickets [`Sink::fetch`] takes at once (with
    /// [`Sink::fetches_full`]); 1 keeps the one-by-one order of old.
    fn batch(&self) -> usize {
        1
    }

    /// Fetches `ids` in full, in order, one answer per id, before each is handed to
    /// [`Sink::put`] in its own transaction. A sink may do its slow network work for the
    /// whole batch here, concurrently, and keep what `put` then writes to the state; an
    /// error is that ticket's (or, per `engine::stops_the_run`, the run's). Default: one
    /// `TicketSource::get` after the other. `done` is called once per id as its answer
    /// is ready (the progress line counts them).
    async fn fetch(
        &mut self,
        _state: &mut State,
        source: &dyn TicketSource,
        ids: &[String],
        done: &(dyn Fn() + Sync),
    ) -> Vec<Result<Ticket>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(source.get(id).await);
            done();
        }
        out
    }

    /// A run of `job` starts over `window`; `seq` is its file sequence number.
    fn begin(&mut self, job: &str, window: &Window, seq: u64) -> Result<()>;

    /// Takes one ticket. Runs inside the ticket's state transaction: what the sink
    /// writes to `state` commits with the ticket, or not at all. An error here is that
    /// ticket's failure (recorded, retried later) unless it is one that stops the run
    /// (`engine::stops_the_run`).
    async fn put(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
        ticket: Ticket,
    ) -> Result<()>;

    /// Makes everything taken durable, before the cursor moves; answers the file written,
    /// if any.
    async fn finish(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
    ) -> Result<Option<PathBuf>>;

    /// The run failed: drop what it took and has not made durable.
    fn abort(&mut self) {}

    /// The one line a run reports on stderr.
    fn summary(&self, report: &Report) -> String;

    /// The counts kept with the run when it commits; `None` for a sink that has none
    /// beyond the run's own.
    fn counts(&self, _report: &Report) -> Option<RunSummary> {
        None
    }
}
