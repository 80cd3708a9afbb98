//! One `tix sync --to connectwise` run of one source: the sync window of `crate::sync`
//! (same cursor rules, its own cursor named `connectwise:<source>`), each new or changed
//! ticket fetched in full and pushed, then, with `--two-way`, the way back.
//!
//! The cursor commits only after every push succeeded; a run that failed or was killed
//! is redone from the same cursor, and the redone pushes write nothing twice (the
//! lookups and marks of `push.rs`).

use super::client::CwClient;
use super::pull::{PullReport, pull};
use super::push::{PushReport, Pusher};
use super::sqlite_ledger::SqliteLedger;
use super::target::Target;
use crate::error::Result;
use crate::sync::state::{Commit, RunRow};
use crate::sync::window::{Window, keys_floor, next_watermark, overlap_for};
use crate::sync::{Job, State};
use chrono::Utc;
use futures::StreamExt;
use std::time::{Duration, Instant};

/// How tickets go to ConnectWise.
#[derive(Debug, Clone)]
pub struct Settings {
    pub target: Target,
    pub overlap: Duration,
    pub two_way: bool,
    pub close_upstream: bool,
}

/// What one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub name: String,
    pub window: Window,
    /// Tickets new or changed in the window, each pushed.
    pub changed: u64,
    pub push: PushReport,
    pub pull: Option<PullReport>,
    pub elapsed: Duration,
}

impl Report {
    /// `sonar → connectwise: 3 changed, 2 created, 5 notes, 1 document in 0.4 s`
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} → connectwise: {} changed, {} created, {} notes, {} documents",
            self.name, self.changed, self.push.created, self.push.notes, self.push.documents
        );
        if self.push.found > 0 {
            s.push_str(&format!(", {} found by externalXRef", self.push.found));
        }
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
        format!("{s} in {:.1} s", self.elapsed.as_secs_f64())
    }
}

/// The name of a source's ConnectWise cursor in the sync state.
pub fn cursor_name(job: &str) -> String {
    format!("connectwise:{job}")
}

/// Runs `job` once against `cw`.
pub async fn run(
    state: &mut State,
    cw: &CwClient,
    job: &Job,
    settings: &Settings,
) -> Result<Report> {
    let started = Utc::now();
    let clock = Instant::now();
    let name = cursor_name(&job.name);
    let source = job.source.as_ref();
    let provider = source.provider();
    let cursor = state.cursor(&name)?;
    let overlap = overlap_for(provider, settings.overlap);
    let window = Window::plan(cursor.watermark, cursor.keys_floor, overlap, started);
    state.begin_run()?;
    let mut row = RunRow {
        source: name.clone(),
        started,
        ended: started,
        window_from: window.from,
        window_to: window.to,
        seen: 0,
        new: 0,
        updated: 0,
        file: None,
        outcome: "ok".into(),
    };
    let mut max_updated = None;
    let outcome = push_window(state, cw, job, settings, window, &mut row, &mut max_updated).await;
    row.ended = Utc::now();
    let (push, pull) = match outcome {
        Ok(done) => done,
        Err(e) => {
            row.outcome = format!("failed: {e}");
            let _ = state.record_failure(&row);
            return Err(e);
        }
    };
    let changed = row.new + row.updated;
    let watermark = next_watermark(cursor.watermark, max_updated, started);
    state.commit(&Commit {
        source: &name,
        provider,
        watermark,
        keys_floor: keys_floor(watermark, overlap).max(cursor.keys_floor),
        wrote_file: false,
        run: row,
    })?;
    Ok(Report {
        name: job.name.clone(),
        window,
        changed,
        push,
        pull,
        elapsed: clock.elapsed(),
    })
}

async fn push_window(
    state: &mut State,
    cw: &CwClient,
    job: &Job,
    settings: &Settings,
    window: Window,
    row: &mut RunRow,
    max_updated: &mut Option<chrono::DateTime<Utc>>,
) -> Result<(PushReport, Option<PullReport>)> {
    let source = job.source.as_ref();
    let name = row.source.clone();
    // The ids first, then the pushes: a page stream held open across many slow writes
    // would page a list that has moved on.
    let mut changed: Vec<String> = Vec::new();
    let mut tickets = source.list(&crate::sync::engine::window_query(source, window, None)?);
    while let Some(ticket) = tickets.next().await {
        let ticket = ticket?;
        let Some(updated) = ticket.updated.or(ticket.created) else {
            continue;
        };
        if !window.contains(updated) {
            continue;
        }
        row.seen += 1;
        *max_updated = (*max_updated).max(Some(updated));
        if !state.admit(&name, &ticket.id, &updated)? {
            continue;
        }
        match (window.from, ticket.created) {
            (Some(from), Some(c)) if c < from => row.updated += 1,
            (Some(_), None) => row.updated += 1,
            _ => row.new += 1,
        }
        changed.push(ticket.id);
    }
    drop(tickets);
    let pusher = Pusher {
        cw,
        target: &settings.target,
    };
    let mut push = PushReport::default();
    for id in &changed {
        let full = source.get(id).await?;
        let mut ledger = SqliteLedger::new(state.connection());
        pusher.push(&mut ledger, source, &full, &mut push).await?;
    }
    let pulled = if settings.two_way {
        let mut ledger = SqliteLedger::new(state.connection());
        Some(
            pull(
                cw,
                &settings.target,
                &mut ledger,
                &[source],
                settings.close_upstream,
            )
            .await?,
        )
    } else {
        None
    };
    Ok((push, pulled))
}
