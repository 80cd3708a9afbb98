//! One incremental run of one source: read the window page by page, write each
//! `(id, updated)` not written before, make the file durable, then move the cursor.
//!
//! The order is Singer's and XSOAR's rule: the state changes only after the output is
//! durable, and not at all when anything failed. A run killed before its state commit
//! is redone by the next run from the same cursor, under the same file name.

use super::crash;
use super::sink::{Out, Sink};
use super::state::{Commit, RunRow, State};
use super::window::{Window, keys_floor, next_watermark, overlap_for, stops_early};
use crate::error::{Error, Result};
use crate::model::{Query, SortField, SortOrder, Ticket, TimeField};
use crate::source::TicketSource;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One source to sync: its name in the state and under `--out` (the profile's name, or
/// the provider's), and the source itself.
pub struct Job {
    pub name: String,
    pub source: Box<dyn TicketSource>,
}

/// How every source of a `tix sync` is synced.
#[derive(Debug, Clone)]
pub struct Settings {
    pub out: Out,
    pub overlap: Duration,
    pub with_comments: bool,
    /// Tickets per request; `None` = the provider's maximum.
    pub page_size: Option<u64>,
}

/// What one successful run did.
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
    pub file: Option<PathBuf>,
    pub elapsed: Duration,
}

impl Report {
    /// `sonar: 12 new, 3 updated in 2.1 s`
    pub fn summary(&self) -> String {
        format!(
            "{}: {} new, {} updated in {:.1} s",
            self.name,
            self.new,
            self.updated,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Runs `job` once. `progress` is told the number of tickets read so far.
pub async fn run(
    state: &mut State,
    job: &Job,
    settings: &Settings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Report> {
    let started = Utc::now();
    let clock = Instant::now();
    let provider = job.source.provider();
    let cursor = state.cursor(&job.name)?;
    let overlap = overlap_for(provider, settings.overlap);
    let window = Window::plan(cursor.watermark, cursor.keys_floor, overlap, started);
    state.begin_run()?;
    let mut tally = Tally::default();
    let outcome = read(
        state,
        job,
        settings,
        window,
        cursor.files + 1,
        &mut tally,
        progress,
    )
    .await;
    let mut row = RunRow {
        source: job.name.clone(),
        started,
        ended: Utc::now(),
        window_from: window.from,
        window_to: window.to,
        seen: tally.seen,
        new: tally.new,
        updated: tally.updated,
        file: None,
        outcome: "ok".into(),
    };
    let file = match outcome {
        Ok(file) => file,
        Err(e) => {
            row.outcome = format!("failed: {e}");
            // The failure itself is what the user must hear about; a state that cannot
            // even record it is secondary.
            let _ = state.record_failure(&row);
            return Err(e);
        }
    };
    row.file = file.as_ref().map(|p| p.display().to_string());
    let watermark = next_watermark(cursor.watermark, tally.max_updated, started);
    state.commit(&Commit {
        source: &job.name,
        provider,
        watermark,
        keys_floor: keys_floor(watermark, overlap).max(cursor.keys_floor),
        wrote_file: file.is_some(),
        run: row,
    })?;
    crash::point("committed");
    Ok(Report {
        name: job.name.clone(),
        window,
        seen: tally.seen,
        new: tally.new,
        updated: tally.updated,
        file,
        elapsed: clock.elapsed(),
    })
}

#[derive(Default)]
struct Tally {
    seen: u64,
    new: u64,
    updated: u64,
    max_updated: Option<DateTime<Utc>>,
}

/// Lists the window and writes what is new; answers the durable file, if any.
async fn read(
    state: &State,
    job: &Job,
    settings: &Settings,
    window: Window,
    seq: u64,
    tally: &mut Tally,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<PathBuf>> {
    let source = &job.source;
    let query = window_query(source.as_ref(), window, settings.page_size)?;
    let mut sink = Sink::new(&settings.out, &job.name, window.file_name(seq));
    // Newest first, the first ticket older than the window ends it: later pages hold
    // only older ones, and a ticket changed meanwhile jumped to a page already read,
    // with a new version the next run will see.
    let stop_early = query.sort.is_some() && stops_early(source.provider());
    let mut tickets = source.list(&query);
    let mut read = 0u64;
    while let Some(ticket) = tickets.next().await {
        let mut ticket = ticket?;
        read += 1;
        if read.is_multiple_of(100) {
            progress(read);
        }
        // A ticket without an update time has only its creation to go by.
        let Some(updated) = ticket.updated.or(ticket.created) else {
            tracing::warn!(source = %job.name, id = %ticket.id, "no updated or created time; not synced");
            continue;
        };
        // Providers filter by whole seconds or days; the window is exact.
        if !window.contains(updated) {
            if stop_early && window.from.is_some_and(|f| updated < f) {
                break;
            }
            continue;
        }
        tally.seen += 1;
        tally.max_updated = tally.max_updated.max(Some(updated));
        if !state.admit(&job.name, &ticket.id, &updated)? {
            continue;
        }
        if settings.with_comments {
            ticket.comments = Some(source.comments(&ticket.id).await?);
        }
        if is_new(&ticket, window) {
            tally.new += 1;
        } else {
            tally.updated += 1;
        }
        sink.write(&ticket)?;
    }
    progress(read);
    sink.commit()
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
/// A provider that cannot sort that way is read in its own order.
///
/// One page at a time: pages fetched concurrently can be answered out of order (one is
/// retried after a 429), and a later page answered before an earlier one, while tickets
/// move to the top, leaves a gap between them that no later page covers.
pub(crate) fn window_query(
    source: &dyn TicketSource,
    window: Window,
    page_size: Option<u64>,
) -> Result<Query> {
    let mut q = Query {
        page_size,
        since: window.from,
        until: Some(window.to),
        time_field: TimeField::Updated,
        concurrency: 1,
        sort: Some((SortField::Updated, SortOrder::Desc)),
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
