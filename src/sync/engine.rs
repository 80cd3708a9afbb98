//! One incremental run of one source into one sink: retry the tickets that failed
//! before and whose back-off has passed, read the window page by page, hand each
//! `(id, updated)` not written before to the sink, make the output durable, then move
//! the cursor. The same engine serves every sink ([`super::sink::Sink`]): JSON Lines
//! files and ConnectWise.
//!
//! The order is Singer's and XSOAR's rule: the state changes only after the output is
//! durable, and not at all when the run failed. A run killed before its state commit
//! is redone by the next run from the same cursor, under the same file name.
//!
//! A ticket the sink rejects (a 4xx about that ticket, a ticket gone) is that ticket's
//! failure, not the run's: it is recorded with its error ([`super::failures`]), retried
//! by later runs with back-off, and the window moves on for the others. A failure that
//! is not about one ticket (keys, network, disk, the state) stops the run as before.

use super::crash;
use super::failures;
use super::sink::Sink;
use super::state::{Commit, RunRow, State};
use super::window::{Window, keys_floor, next_watermark, overlap_for, plausible, stops_early};
use crate::error::{Error, Result};
use crate::model::{Query, SortField, SortOrder, Ticket, TimeField};
use crate::source::TicketSource;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One source to sync: its name in the state and under `--out` (the profile's name, or
/// the provider's), and the source itself.
pub struct Job {
    pub name: String,
    pub source: Box<dyn TicketSource>,
    /// The provider's API sorts its listing itself (the registry says which do): only
    /// then does a run ask for newest first. Sorting by tix would fetch the whole window
    /// before the first ticket, holding it in memory for nothing.
    pub server_sort: bool,
}

/// How every source of a `tix sync` is read.
#[derive(Debug, Clone)]
pub struct Settings {
    pub overlap: Duration,
    /// Tickets per request; `None` = the provider's maximum.
    pub page_size: Option<u64>,
    /// When the whole `tix sync` must end (`--max-runtime`): a run past it stops
    /// reading, makes what it wrote durable and commits it without moving the window.
    pub deadline: Option<tokio::time::Instant>,
}

/// After this many failed tickets of the window with none delivered, the failures are
/// likely not about the tickets (a board removed, a role changed): the run stops and the
/// window stays. The failures are recorded, so the next run skips them while they back
/// off and goes on with the others: a run that trips this never stalls the ones after.
const FAILURES_BEFORE_GIVING_UP: u64 = 10;

/// What one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub name: String,
    pub window: Window,
    /// Tickets read within the window, written or not.
    pub seen: u64,
    /// Written, created within the window.
    pub new: u64,
    /// Written, created before the window (a change to a ticket seen before).
    pub updated: u64,
    /// Tickets that failed this run (recorded for a later run).
    pub failed: u64,
    /// Earlier failures tried again this run.
    pub retried: u64,
    /// The first ticket failure of the run: `<id>: <error>`.
    pub first_failure: Option<String>,
    /// The run reached the deadline before the end of its window: what it wrote is
    /// committed, the window did not move, and the next run goes on from there.
    pub out_of_time: bool,
    pub file: Option<PathBuf>,
    pub elapsed: Duration,
}

impl Report {
    /// `, 1 failed` when tickets failed, for a sink's summary line.
    pub fn failed_note(&self) -> String {
        if self.failed == 0 {
            String::new()
        } else {
            format!(", {} failed (see tix sync status)", self.failed)
        }
    }
}

/// Whether `e` stops the whole run (the window stays) rather than failing one ticket.
/// A ticket's own failure is a client error about it: a 4xx other than 408 and 429, a
/// ticket that is not found or gone, a body that cannot be encoded, an answer about that
/// one ticket that cannot be decoded (fetching it in full, or a sink's answer about it).
/// A listing page that cannot be decoded never reaches here: it ends the listing, so
/// the run stops with it.
pub fn stops_the_run(e: &Error) -> bool {
    match e {
        Error::Api { status, .. } => !(400..500).contains(status) || matches!(status, 408 | 429),
        Error::NotFound { .. } | Error::Gone { .. } | Error::Encode { .. } => false,
        Error::Decode { .. } => false,
        _ => true,
    }
}

/// Why a ticket the listing sent has no time the window can use.
fn no_usable_time(provider: &str, id: &str, why: &str) -> Error {
    Error::Decode {
        provider: provider.to_owned(),
        message: format!("ticket {id} {why}; not synced"),
        source: None,
    }
}

/// Where a run is, for a progress line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Tickets the listing sent so far.
    pub read: u64,
    /// With a sink that fetches each ticket in full ([`Sink::fetches_full`]): those
    /// fetched and handed over so far, of `to_send` the listing found new.
    pub sent: u64,
    pub to_send: u64,
}

/// Runs `job` once into `sink`, as of `now` (the window's end; the clock failures and
/// back-off are measured by). `progress` is told how far the run is: every 100 tickets
/// read, then every ticket a fetching sink takes.
pub async fn run(
    state: &mut State,
    job: &Job,
    sink: &mut dyn Sink,
    settings: &Settings,
    now: DateTime<Utc>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report> {
    let clock = Instant::now();
    let name = sink.cursor_name(&job.name);
    let provider = job.source.provider();
    let cursor = state.cursor(&name)?;
    let overlap = overlap_for(provider, settings.overlap);
    let window = Window::plan(cursor.watermark, cursor.keys_floor, overlap, now);
    state.begin_run()?;
    let mut run = Run {
        name: &name,
        now,
        tally: Tally::default(),
        deadline: settings.deadline,
        retrying: false,
        fresh_failures: 0,
    };
    let outcome = run
        .read(
            state,
            job,
            sink,
            settings,
            window,
            cursor.files + 1,
            progress,
        )
        .await;
    let tally = run.tally;
    let mut row = RunRow {
        source: name.clone(),
        started: now,
        ended: Utc::now(),
        window_from: window.from,
        window_to: window.to,
        seen: tally.seen,
        new: tally.new,
        updated: tally.updated,
        file: None,
        outcome: "ok".into(),
        summary: None,
    };
    let file = match outcome {
        Ok(file) => file,
        Err(e) => {
            sink.abort();
            row.outcome = format!("failed: {e}");
            // The failure itself is what the user must hear about; a state that cannot
            // even record it is secondary.
            let _ = state.record_failure(&row);
            return Err(e);
        }
    };
    if tally.failed > 0 {
        row.outcome = format!("ok, {} tickets failed", tally.failed);
    }
    if tally.out_of_time {
        row.outcome = "stopped at --max-runtime; the window did not move".into();
    }
    row.file = file.as_ref().map(|p| p.display().to_string());
    let report = Report {
        name: job.name.clone(),
        window,
        seen: tally.seen,
        new: tally.new,
        updated: tally.updated,
        failed: tally.failed,
        retried: tally.retried,
        first_failure: tally.first_failure,
        out_of_time: tally.out_of_time,
        file,
        elapsed: clock.elapsed(),
    };
    row.summary = sink.counts(&report).map(|c| c.to_json());
    // A run cut short read the window newest first or in the provider's order: what it
    // did not read may be older than anything it wrote, so the window stays; what it
    // wrote is remembered by its keys and not written again.
    let max_updated = if tally.out_of_time {
        None
    } else {
        tally.max_updated
    };
    let watermark = next_watermark(cursor.watermark, max_updated, now);
    state.commit(&Commit {
        source: &name,
        provider,
        watermark,
        keys_floor: keys_floor(watermark, overlap).max(cursor.keys_floor),
        wrote_file: report.file.is_some(),
        run: row,
    })?;
    crash::point("committed");
    Ok(report)
}

#[derive(Default)]
struct Tally {
    seen: u64,
    new: u64,
    updated: u64,
    failed: u64,
    retried: u64,
    first_failure: Option<String>,
    max_updated: Option<DateTime<Utc>>,
    out_of_time: bool,
}

/// One run in progress: its cursor's name, its clock and what it did so far.
struct Run<'a> {
    name: &'a str,
    now: DateTime<Utc>,
    tally: Tally,
    deadline: Option<tokio::time::Instant>,
    /// True while earlier failures are tried again: those never trip the give-up
    /// threshold, or a few poison tickets would stop every later run before its window.
    retrying: bool,
    /// Failures of tickets listed in this run's window.
    fresh_failures: u64,
}

impl Run<'_> {
    /// Retries, lists the window and delivers what is new; answers the durable file.
    #[allow(clippy::too_many_arguments)]
    async fn read(
        &mut self,
        state: &mut State,
        job: &Job,
        sink: &mut dyn Sink,
        settings: &Settings,
        window: Window,
        seq: u64,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Option<PathBuf>> {
        let source = job.source.as_ref();
        let query = window_query(source, window, settings.page_size, job.server_sort)?;
        sink.begin(&job.name, &window, seq)?;
        self.retrying = true;
        self.retry(state, source, sink, window).await?;
        self.retrying = false;

        // Newest first, the first ticket older than the window ends it: later pages hold
        // only older ones, and a ticket changed meanwhile jumped to a page already read,
        // with a new version the next run will see.
        let stop_early = query.sort.is_some() && stops_early(source.provider());
        // With a sink that fetches each ticket in full: the ids first, then the tickets.
        let mut pending: Vec<(String, DateTime<Utc>, bool)> = Vec::new();
        let mut tickets = source.list(&query);
        let mut read = 0u64;
        loop {
            // A request in flight at the deadline is dropped, not waited for.
            let next = match self.deadline {
                Some(d) => match tokio::time::timeout_at(d, tickets.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        self.tally.out_of_time = true;
                        break;
                    }
                },
                None => tickets.next().await,
            };
            let Some(ticket) = next else { break };
            read += 1;
            if read.is_multiple_of(100) {
                progress(Progress {
                    read,
                    ..Progress::default()
                });
            }
            // A ticket the provider sent and tix could not read is that ticket's failure:
            // recorded, and the listing goes on. Any other error ends the run.
            let ticket = match ticket {
                Ok(t) => t,
                // Every other warning item of a listing (a pager that stopped early: the
                // window was not read to its end) is not about one ticket and stops the run.
                Err(Error::Unreadable {
                    provider,
                    position,
                    why,
                }) => {
                    // Recorded as the provider's answer that could not be read, not as
                    // "1 of the sources failed".
                    let e = Error::Decode {
                        provider,
                        message: format!("ticket {position} of the listing {why}; skipped"),
                        source: None,
                    };
                    self.unsynced(state, &failures::position_id(position), e)?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            // A ticket without an update time has only its creation to go by; one with
            // neither, or with a time no clock shows, cannot be placed in any window: a
            // failed ticket (its time never becomes the window), retried by id later.
            let Some(updated) = ticket.updated.or(ticket.created) else {
                let e = no_usable_time(
                    source.provider(),
                    &ticket.id,
                    "has no updated or created time",
                );
                self.unsynced(state, &ticket.id, e)?;
                continue;
            };
            if !plausible(&updated) {
                let why = format!("was updated at {updated}, outside 1970-2199");
                let e = no_usable_time(source.provider(), &ticket.id, &why);
                self.unsynced(state, &ticket.id, e)?;
                continue;
            }
            // Providers filter by whole seconds or days; the window is exact.
            if !window.contains(updated) {
                if stop_early && window.from.is_some_and(|f| updated < f) {
                    break;
                }
                continue;
            }
            self.tally.seen += 1;
            self.tally.max_updated = self.tally.max_updated.max(Some(updated));
            if !state.admit(self.name, &ticket.id, &updated)? {
                continue;
            }
            if state.backing_off(self.name, &ticket.id, &updated, self.now)? {
                state.forget(&ticket.id, &updated)?;
                continue;
            }
            let new = is_new(&ticket, window);
            if sink.fetches_full() {
                pending.push((ticket.id, updated, new));
            } else {
                self.deliver(state, source, sink, ticket, updated, new)
                    .await?;
            }
        }
        drop(tickets);
        let to_send = pending.len() as u64;
        progress(Progress {
            read,
            sent: 0,
            to_send,
        });
        // Counted as each ticket of a batch is fetched, in whatever order they finish.
        let sent = AtomicU64::new(0);
        let one_sent = || {
            let sent = sent.fetch_add(1, Ordering::Relaxed) + 1;
            progress(Progress {
                read,
                sent,
                to_send,
            });
        };
        for batch in pending.chunks(sink.batch().max(1)) {
            if self.out_of_time() {
                // Not delivered: not remembered as written either.
                for (id, updated, _) in batch {
                    state.forget(id, updated)?;
                }
                continue;
            }
            let ids: Vec<String> = batch.iter().map(|(id, _, _)| id.clone()).collect();
            let fetched = sink.fetch(state, source, &ids, &one_sent).await;
            debug_assert_eq!(fetched.len(), ids.len(), "one answer per id");
            for ((id, updated, new), got) in batch.iter().zip(fetched) {
                match got {
                    Ok(full) => {
                        self.deliver(state, source, sink, full, *updated, *new)
                            .await?
                    }
                    Err(e) => self.failed(state, id, updated, e)?,
                }
            }
        }
        sink.finish(state, source).await
    }

    /// Tries again the tickets whose back-off has passed, as they are now.
    async fn retry(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
        sink: &mut dyn Sink,
        window: Window,
    ) -> Result<()> {
        if !source.capabilities().get {
            // Retried when it changes and the window lists it again.
            return Ok(());
        }
        for f in state.due_failures(self.name, self.now)? {
            if self.out_of_time() {
                break;
            }
            if failures::is_position(&f.id) {
                // No id to fetch it by: it stays listed in `sync status` until
                // `tix sync reset` (or is recorded again if the provider sends it again).
                continue;
            }
            self.tally.retried += 1;
            let ticket = match source.get(&f.id).await {
                Ok(t) => t,
                Err(e) => {
                    self.failed(state, &f.id, &f.updated, e)?;
                    continue;
                }
            };
            // Still without a time a window can hold: failed again (it would otherwise be
            // written under a made-up time, and again on every later retry).
            let updated = match ticket.updated.or(ticket.created) {
                Some(u) if plausible(&u) => u,
                Some(u) => {
                    let why = format!("was updated at {u}, outside 1970-2199");
                    let e = no_usable_time(source.provider(), &f.id, &why);
                    self.unsynced(state, &f.id, e)?;
                    continue;
                }
                None => {
                    let why = "has no updated or created time";
                    let e = no_usable_time(source.provider(), &f.id, why);
                    self.unsynced(state, &f.id, e)?;
                    continue;
                }
            };
            if !state.admit(self.name, &ticket.id, &updated)? {
                state.clear_failure(self.name, &f.id)?;
                continue;
            }
            let new = is_new(&ticket, window);
            self.deliver(state, source, sink, ticket, updated, new)
                .await?;
        }
        Ok(())
    }

    /// Hands one ticket to the sink in its own state transaction.
    async fn deliver(
        &mut self,
        state: &mut State,
        source: &dyn TicketSource,
        sink: &mut dyn Sink,
        ticket: Ticket,
        updated: DateTime<Utc>,
        new: bool,
    ) -> Result<()> {
        let id = ticket.id.clone();
        let name = self.name;
        let outcome = state
            .ticket(async |st: &mut State| {
                sink.put(st, source, ticket).await?;
                st.clear_failure(name, &id)
            })
            .await;
        match outcome {
            Ok(()) => {
                if new {
                    self.tally.new += 1;
                } else {
                    self.tally.updated += 1;
                }
                Ok(())
            }
            Err(e) => self.failed(state, &id, &updated, e),
        }
    }

    /// Whether the deadline has passed (and so noted in the tally).
    fn out_of_time(&mut self) -> bool {
        if self
            .deadline
            .is_some_and(|d| tokio::time::Instant::now() >= d)
        {
            self.tally.out_of_time = true;
        }
        self.tally.out_of_time
    }

    /// Records a ticket the listing sent that cannot be synced (unreadable, or without
    /// a usable time). It is the provider's data, not the sink refusing: it never stops
    /// the run nor counts toward giving up, or one such ticket would stall every run.
    fn unsynced(&mut self, state: &State, id: &str, e: Error) -> Result<()> {
        let attempts = state.record_ticket_failure(self.name, id, &self.now, &e, self.now)?;
        tracing::warn!(source = %self.name, %id, attempts, "ticket not synced: {e}");
        self.tally.failed += 1;
        self.tally
            .first_failure
            .get_or_insert_with(|| format!("{id}: {e}"));
        Ok(())
    }

    /// Records `id`'s failure, or answers `e` when it is not about that ticket.
    fn failed(&mut self, state: &State, id: &str, updated: &DateTime<Utc>, e: Error) -> Result<()> {
        if stops_the_run(&e) {
            return Err(e);
        }
        state.forget(id, updated)?;
        let attempts = state.record_ticket_failure(self.name, id, updated, &e, self.now)?;
        tracing::warn!(source = %self.name, %id, attempts, "ticket not synced: {e}");
        self.tally.failed += 1;
        self.tally
            .first_failure
            .get_or_insert_with(|| format!("{id}: {e}"));
        if !self.retrying {
            self.fresh_failures += 1;
        }
        if self.tally.new + self.tally.updated == 0
            && self.fresh_failures >= FAILURES_BEFORE_GIVING_UP
        {
            return Err(e);
        }
        Ok(())
    }
}

fn is_new(t: &Ticket, window: Window) -> bool {
    match (window.from, t.created) {
        (None, _) => true,
        (Some(from), Some(created)) => created >= from,
        (Some(_), None) => false,
    }
}

/// The provider query for a window: on `updated`, newest first. Newest first matters
/// for offset paging: a ticket changed during the run jumps to a page already read
/// (caught by the next run's overlap) instead of pushing an unread one out of reach.
/// A provider that cannot sort that way, or sorts only client-side (`server_sort`
/// false), is read in its own order.
///
/// One page at a time: pages fetched concurrently can be answered out of order (one is
/// retried after a 429), and a later page answered before an earlier one, while tickets
/// move to the top, leaves a gap between them that no later page covers.
pub(crate) fn window_query(
    source: &dyn TicketSource,
    window: Window,
    page_size: Option<u64>,
    server_sort: bool,
) -> Result<Query> {
    let mut q = Query {
        page_size,
        since: window.from,
        until: Some(window.to),
        time_field: TimeField::Updated,
        concurrency: 1,
        sort: server_sort.then_some((SortField::Updated, SortOrder::Desc)),
        ..Query::default()
    };
    if source.explain(&q).is_err() {
        q.sort = None;
    }
    source.explain(&q).map_err(|e| match e {
        Error::InvalidArgument { .. } => Error::Config(format!("cannot sync {source}: {e}")),
        e => e,
    })?;
    Ok(q)
}

#[cfg(test)]
mod tests;
