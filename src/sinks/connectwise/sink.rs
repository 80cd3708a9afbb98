//! ConnectWise as a sink of the one sync engine (`crate::sync::engine`): the same
//! window, cursor and failure rules as files, on its own cursor named
//! `connectwise:<source>`. Each new or changed ticket is fetched in full and pushed in
//! one state transaction (its ledger writes commit together); with `--two-way` the way
//! back runs once the pushes are done.
//!
//! A run that failed or was killed is redone from the same cursor, and the redone
//! pushes write nothing twice (the lookups and marks of `push.rs`). A ticket
//! ConnectWise rejects is recorded and retried by later runs; the others go on.

use super::client::CwClient;
use super::pull::{PullReport, pull};
use super::push::{PushReport, Pusher};
use super::sqlite_ledger::SqliteLedger;
use super::target::Target;
use crate::error::Result;
use crate::model::Ticket;
use crate::source::TicketSource;
use crate::sync::engine::Report;
use crate::sync::window::Window;
use crate::sync::{Sink, State};
use std::path::PathBuf;

/// The name of a source's ConnectWise cursor in the sync state.
pub fn cursor_name(job: &str) -> String {
    format!("connectwise:{job}")
}

/// `tix sync --to connectwise`.
pub struct CwSink<'a> {
    pub cw: &'a CwClient,
    pub target: Target,
    pub two_way: bool,
    pub close_upstream: bool,
    /// What the current run pushed and pulled.
    push: PushReport,
    pull: Option<PullReport>,
}

impl<'a> CwSink<'a> {
    pub fn new(cw: &'a CwClient, target: Target, two_way: bool, close_upstream: bool) -> Self {
        CwSink {
            cw,
            target,
            two_way,
            close_upstream,
            push: PushReport::default(),
            pull: None,
        }
    }
}

#[async_trait::async_trait]
impl Sink for CwSink<'_> {
    fn cursor_name(&self, job: &str) -> String {
        cursor_name(job)
    }

    /// Each ticket is pushed with its comments, as `get` answers it; the ids come first
    /// so no page stream stays open across many slow writes.
    fn fetches_full(&self) -> bool {
        true
    }

    fn begin(&mut self, _job: &str, _window: &Window, _seq: u64) -> Result<()> {
        self.push = PushReport::default();
        self.pull = None;
        Ok(())
    }

    async fn put(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
        ticket: Ticket,
    ) -> Result<()> {
        let pusher = Pusher {
            cw: self.cw,
            target: &self.target,
        };
        let mut ledger = SqliteLedger::new(state.connection());
        pusher
            .push(&mut ledger, source, &ticket, &mut self.push)
            .await?;
        Ok(())
    }

    async fn finish(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
    ) -> Result<Option<PathBuf>> {
        if self.two_way {
            let mut ledger = SqliteLedger::new(state.connection());
            self.pull = Some(
                pull(
                    self.cw,
                    &self.target,
                    &mut ledger,
                    &[source],
                    self.close_upstream,
                )
                .await?,
            );
        }
        Ok(None)
    }

    /// `sonar → connectwise: 3 changed, 2 created, 5 notes, 1 documents in 0.4 s`
    fn summary(&self, r: &Report) -> String {
        let mut s = format!(
            "{} → connectwise: {} changed, {} created, {} notes, {} documents",
            r.name,
            r.new + r.updated,
            self.push.created,
            self.push.notes,
            self.push.documents
        );
        if self.push.found > 0 {
            s.push_str(&format!(", {} found by externalXRef", self.push.found));
        }
        s.push_str(&r.failed_note());
        if let Some(p) = self.pull {
            s.push_str(&format!(
                "; back: {} comments, {} closed",
                p.comments, p.closed
            ));
            if p.skipped > 0 {
                s.push_str(&format!(
                    " ({} notes not sent: the provider takes no comments)",
                    p.skipped
                ));
            }
        }
        format!("{s} in {:.1} s", r.elapsed.as_secs_f64())
    }
}
