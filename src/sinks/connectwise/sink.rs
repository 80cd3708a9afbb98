//! ConnectWise as a sink of the one sync engine (`crate::sync::engine`): the same
//! window, cursor and failure rules as files, on its own cursor named
//! `connectwise:<source>`. Each new or changed ticket is fetched in full and pushed in
//! one state transaction (its ledger writes commit together); with `--two-way` the way
//! back runs once the pushes are done.
//!
//! A run that failed or was killed is redone from the same cursor, and the redone
//! pushes write nothing twice (the lookups and marks of `push.rs`). A ticket
//! ConnectWise rejects is recorded and retried by later runs; the others go on.
//!
//! At MSP scale (issue 17) the window's tickets come in batches ([`Sink::fetch`]): the
//! ledger rows of a batch are read at once, the tickets the ledger does not know are
//! looked up in one `externalXRef in (…)` request per ~1,500 characters, and then up to
//! `concurrency` tickets are fetched from the provider (the ticket and its attachments at
//! once) and pushed at the same time, each in its own order (create, then its notes, then
//! its documents). What each push
//! would write to the ledger is kept in memory and written by [`Sink::put`] in that
//! ticket's own transaction, so a kill between a create and its commit is repaired by
//! the lookup exactly as before.

use super::client::CwClient;
use super::ledger::{Ledger, MemoryLedger, TicketKey};
use super::pull::{PullReport, pull};
use super::push::{Lookup, PushReport, Pusher};
use super::sqlite_ledger::SqliteLedger;
use super::target::Target;
use crate::error::Result;
use crate::model::Ticket;
use crate::source::TicketSource;
use crate::sync::engine::Report;
use crate::sync::sink::RunSummary;
use crate::sync::window::Window;
use crate::sync::{Sink, State};
use futures::StreamExt;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

/// Tickets pushed at once by default (`--concurrency`): at most this many requests in
/// flight to ConnectWise (each ticket's requests there go one after the other), and this
/// many tickets read from the provider, each with its parts at once (Sonar: the ticket,
/// its comments and its attachments: three requests).
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Tickets per [`Sink::fetch`] batch: big enough that lookups are few, small enough
/// that a run killed mid-way has little pushed but not committed.
const BATCH: usize = 200;

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
    /// Tickets pushed at once.
    pub concurrency: usize,
    /// What the current run pushed and pulled.
    push: PushReport,
    pull: Option<PullReport>,
    /// Pushed by `fetch`, not yet committed by `put`: each ticket's ledger writes and
    /// report, by provider id.
    /// A queue per id: the same ticket may come twice in one batch.
    staged: HashMap<String, VecDeque<(MemoryLedger, PushReport)>>,
}

impl<'a> CwSink<'a> {
    pub fn new(cw: &'a CwClient, target: Target, two_way: bool, close_upstream: bool) -> Self {
        CwSink {
            cw,
            target,
            two_way,
            close_upstream,
            concurrency: DEFAULT_CONCURRENCY,
            push: PushReport::default(),
            pull: None,
            staged: HashMap::new(),
        }
    }

    /// At most `n` tickets pushed at once (at least 1).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    fn pusher(&self) -> Pusher<'_> {
        Pusher {
            cw: self.cw,
            target: &self.target,
        }
    }
}

/// One ticket's ledger rows, copied so its push can run away from the connection.
fn snapshot(ledger: &SqliteLedger<'_>, key: &TicketKey) -> Result<MemoryLedger> {
    let mut mem = MemoryLedger::default();
    if let Some(m) = ledger.mapping(key)? {
        mem.set_mapping(key, &m)?;
    }
    for item in ledger.items(key)? {
        mem.add_item(key, &item)?;
    }
    Ok(mem)
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

    fn batch(&self) -> usize {
        BATCH
    }

    /// Looks up the batch's unknown tickets at once, then fetches and pushes up to
    /// `concurrency` tickets at a time; answers them in the order asked.
    async fn fetch(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
        ids: &[String],
        done: &(dyn Fn() + Sync),
    ) -> Vec<Result<Ticket>> {
        self.staged.clear();
        let provider = source.provider();
        let mut snaps: Vec<Result<(TicketKey, MemoryLedger)>> = Vec::with_capacity(ids.len());
        {
            let ledger = SqliteLedger::new(state.connection());
            for id in ids {
                let key = TicketKey::new(provider, id);
                snaps.push(snapshot(&ledger, &key).map(|m| (key, m)));
            }
        }
        let unknown: Vec<TicketKey> = snaps
            .iter()
            .filter_map(|s| s.as_ref().ok())
            .filter(|(k, m)| m.mapping(k).ok().flatten().is_none())
            .map(|(k, _)| k.clone())
            .collect();
        let pusher = self.pusher();
        // A failed batch lookup leaves each ticket to look itself up (and fail alone).
        let found = if unknown.is_empty() {
            None
        } else {
            match pusher.find_many(&unknown).await {
                Ok(f) => Some(f),
                Err(e) => {
                    tracing::warn!(
                        "batched externalXRef lookup failed, looking up one by one: {e}"
                    );
                    None
                }
            }
        };
        let jobs: Vec<(String, Result<(TicketKey, MemoryLedger)>, Lookup)> = ids
            .iter()
            .zip(snaps)
            .map(|(id, snap)| {
                let lookup = match &found {
                    Some(f) => Lookup::Found(f.get(&TicketKey::new(provider, id).xref()).copied()),
                    None => Lookup::Ask,
                };
                (id.clone(), snap, lookup)
            })
            .collect();
        let pusher = &pusher;
        // One push per MSSP ticket at a time: the same ticket twice in a batch (listed
        // in two versions, or two ids answered as one merged case) is pushed one after
        // the other, and the later push asks ConnectWise what the earlier one did
        // instead of trusting a snapshot taken before it, so it never creates twice.
        let turns: std::sync::Mutex<HashMap<TicketKey, Arc<tokio::sync::Mutex<bool>>>> =
            std::sync::Mutex::default();
        let turns = &turns;
        let pushes = jobs
            .into_iter()
            .enumerate()
            .map(|(at, (id, snap, lookup))| async move {
                let pushed = async {
                    let (key, mut mem) = snap?;
                    // The attachments with the ticket, not after its create: those that
                    // need no upload go into a new ticket's description.
                    let (ticket, mut attachments) = if source.capabilities().attachments {
                        let (t, a) = futures::try_join!(source.get(&id), source.attachments(&id))?;
                        (t, Some(a))
                    } else {
                        (source.get(&id).await?, None)
                    };
                    let mut lookup = lookup;
                    let real = TicketKey::new(&ticket.provider, &ticket.id);
                    let turn = Arc::clone(
                        turns
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .entry(real.clone())
                            .or_default(),
                    );
                    let mut pushed_before = turn.lock().await;
                    // Set before pushing: a push that failed half-way may have created.
                    let again = std::mem::replace(&mut *pushed_before, true);
                    if real != key || again {
                        // Answered as another ticket (a merged case), or pushed already in
                        // this batch: the snapshot is not this push's, so its own lookup
                        // and the marks in the notes decide.
                        mem = MemoryLedger::default();
                        lookup = Lookup::Ask;
                    }
                    if real != key {
                        // Read for the id asked, not the ticket answered.
                        attachments = None;
                    }
                    let mut report = PushReport::default();
                    pusher
                        .push_found(&mut mem, source, &ticket, &mut report, lookup, attachments)
                        .await?;
                    Ok((ticket, mem, report))
                };
                let pushed = pushed.await;
                done();
                (at, pushed)
            });
        // Unordered, so one slow ticket never holds a slot it is not using; the answers
        // are put back in the order asked.
        let mut done: Vec<(usize, Result<(Ticket, MemoryLedger, PushReport)>)> =
            futures::stream::iter(pushes)
                .buffer_unordered(self.concurrency.max(1))
                .collect()
                .await;
        done.sort_by_key(|(at, _)| *at);
        done.into_iter()
            .map(|(_, r)| {
                r.map(|(ticket, mem, report)| {
                    self.staged
                        .entry(ticket.id.clone())
                        .or_default()
                        .push_back((mem, report));
                    ticket
                })
            })
            .collect()
    }

    fn begin(&mut self, _job: &str, _window: &Window, _seq: u64) -> Result<()> {
        self.push = PushReport::default();
        self.pull = None;
        self.staged.clear();
        Ok(())
    }

    /// Writes what `fetch` pushed for `ticket` to the ledger, in the ticket's
    /// transaction; a ticket not fetched in a batch (a retry) is pushed here.
    async fn put(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
        ticket: Ticket,
    ) -> Result<()> {
        let mut ledger = SqliteLedger::new(state.connection());
        if let Some((mem, report)) = self
            .staged
            .get_mut(&ticket.id)
            .and_then(VecDeque::pop_front)
        {
            for (key, mapping) in mem.mappings()? {
                ledger.set_mapping(&key, &mapping)?;
                for item in mem.items(&key)? {
                    ledger.add_item(&key, &item)?;
                }
            }
            self.push.created += report.created;
            self.push.found += report.found;
            self.push.notes += report.notes;
            self.push.documents += report.documents;
            return Ok(());
        }
        let pusher = Pusher {
            cw: self.cw,
            target: &self.target,
        };
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

    /// `sonar → connectwise: created 212, updated 61, notes 430, attachments 12, 0 failed,
    /// 9.4 s` (issue 17), then what came back with `--two-way`.
    fn summary(&self, r: &Report) -> String {
        let c = self.counts(r).expect("ConnectWise always counts");
        let mut s = format!(
            "{} → connectwise: created {}, updated {}, notes {}, attachments {}",
            r.name, c.created, c.updated, c.notes, c.attachments
        );
        if self.push.found > 0 {
            s.push_str(&format!(", {} found by externalXRef", self.push.found));
        }
        s.push_str(&format!(", {} failed", r.failed));
        if r.failed > 0 {
            s.push_str(" (see tix sync status)");
        }
        s.push_str(&format!(", {:.1} s", c.seconds));
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
        s
    }

    /// What `summary` says, as numbers for `sync status`.
    fn counts(&self, r: &Report) -> Option<RunSummary> {
        let pushed = r.new + r.updated;
        let created = self.push.created as u64;
        Some(RunSummary {
            created,
            updated: pushed.saturating_sub(created),
            notes: self.push.notes as u64,
            attachments: self.push.documents as u64,
            failed: r.failed,
            seconds: r.elapsed.as_millis() as f64 / 1000.0,
        })
    }
}
