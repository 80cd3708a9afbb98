//! `tix sync` on a PostgreSQL state: `--workers N` workers drain the work list, each
//! taking one cursor at a time under a lease (`crate::sync::postgres::lease`), running
//! the engine on its working copy, and committing it back with the lease checked. Hosts
//! running the same command share the list: a row another host holds is skipped, and
//! taken over once its lease expires.
//!
//! A drain ends when every cursor of this host has been run by a lease taken after the
//! drain began (by this host or another), or has failed; rows another worker holds are
//! waited for, as their holder may die and leave them to this one.

use super::sync::{Failures, RunArgs, note_outcome, outcome_code};
use crate::error::{Error, Result};
use crate::sinks::connectwise::CwSink;
use crate::sinks::connectwise::client::CwClient;
use crate::sinks::connectwise::target::Target;
use crate::sync::engine;
use crate::sync::postgres::checkout::{self, Ended, Scope};
use crate::sync::postgres::lease::{self, Work};
use crate::sync::postgres::{Chain, Holder, PgUrl};
use crate::sync::{FileSink, Job, Out, Settings, Sink, State};
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::time::Duration;

/// What every worker of one drain shares.
struct Pool<'a> {
    url: &'a PgUrl,
    jobs: &'a [Job],
    works: Vec<Work>,
    sources: Vec<String>,
    since: DateTime<Utc>,
    holder: Holder,
    ttl: Duration,
    settings: &'a Settings,
    args: &'a RunArgs,
    sink: SinkKind<'a>,
    failures: Mutex<Failures>,
}

/// Where runs go: each lease gets a sink of its own.
enum SinkKind<'a> {
    Files(Out, bool),
    ConnectWise(&'a CwClient, Target, &'a RunArgs),
}

impl SinkKind<'_> {
    fn make(&self) -> Box<dyn Sink + '_> {
        match self {
            SinkKind::Files(out, with_comments) => {
                Box::new(FileSink::new(out.clone(), *with_comments))
            }
            SinkKind::ConnectWise(client, target, args) => Box::new(
                CwSink::new(
                    client,
                    target.clone(),
                    args.cw.two_way,
                    args.cw.close_upstream,
                )
                .with_concurrency(args.cw.concurrency),
            ),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            SinkKind::Files(..) => "files",
            SinkKind::ConnectWise(..) => "connectwise",
        }
    }
}

/// Drains the work list of `jobs` with `args.workers` workers.
pub(super) async fn run(
    args: &RunArgs,
    url: &PgUrl,
    out: Out,
    jobs: Vec<Job>,
    failures: Failures,
    cw: Option<(CwClient, Target)>,
    settings: Settings,
) -> Result<u8> {
    let pg = |e| url.error(Chain(e));
    let client = url.open().await?;
    let sink = match &cw {
        Some((client, target)) => SinkKind::ConnectWise(client, target.clone(), args),
        None => SinkKind::Files(out, args.with_comments),
    };
    let probe = sink.make();
    let works: Vec<Work> = jobs
        .iter()
        .map(|j| Work {
            source: probe.cursor_name(&j.name),
            profile: j.name.clone(),
            provider: j.source.provider().to_owned(),
            sink: sink.name().to_owned(),
        })
        .collect();
    drop(probe);
    lease::register(&client, &works).await.map_err(pg)?;
    let since = lease::now(&client).await.map_err(pg)?;
    drop(client);
    let sources_count = jobs.len() + failures.len();
    let pool = Pool {
        url,
        jobs: &jobs,
        sources: works.iter().map(|w| w.source.clone()).collect(),
        works,
        since,
        holder: Holder::this_process(),
        ttl: args.lease,
        settings: &settings,
        args,
        sink,
        failures: Mutex::new(failures),
    };
    let outcomes = futures::future::join_all((0..args.workers).map(|_| worker(&pool))).await;
    let mut failures = pool
        .failures
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    // A worker that lost the database stops; the others finish, and the error is said.
    for outcome in outcomes {
        outcome?;
    }
    outcome_code(&mut failures, sources_count)
}

/// One worker: takes a lease, runs it, commits it, until nothing is left to take or wait
/// for.
async fn worker(pool: &Pool<'_>) -> Result<()> {
    let url = pool.url;
    let pg = |e| url.error(Chain(e));
    let mut client = url.connect().await?;
    let scratch = tempfile::tempdir()?;
    let poll = (pool.ttl / 4).clamp(Duration::from_millis(50), Duration::from_millis(500));
    loop {
        if pool
            .settings
            .deadline
            .is_some_and(|d| tokio::time::Instant::now() >= d)
        {
            let message = format!(
                "stopped at --max-runtime ({}) with work left; the next run goes on",
                humantime::format_duration(pool.args.max_runtime)
            );
            pool.fail("sync", message, None);
            return Ok(());
        }
        let taken = lease::take(
            &mut client,
            &pool.sources,
            pool.since,
            &pool.holder,
            pool.ttl,
        )
        .await
        .map_err(pg)?;
        let Some(lease) = taken else {
            if lease::held_elsewhere(&client, &pool.sources, pool.since)
                .await
                .map_err(pg)?
                == 0
            {
                return Ok(());
            }
            tokio::time::sleep(poll).await;
            continue;
        };
        let at = pool
            .works
            .iter()
            .position(|w| w.source == lease.source)
            .expect("only this host's sources are taken");
        let (work, job) = (&pool.works[at], &pool.jobs[at]);
        let scope = Scope {
            source: &work.source,
            provider: &work.provider,
            ledger: work.sink == "connectwise",
        };
        let path = scratch.path().join(format!("lease-{}.db", lease.token));
        let mut copy = State::open(&path)?;
        checkout::checkout(url, &client, &mut copy, scope).await?;
        let mut sink = pool.sink.make();
        // The run and its lease's heartbeat side by side: a lease lost drops the run,
        // which then commits nothing (its ticket transaction rolls back).
        let outcome = tokio::select! {
            o = engine::run(&mut copy, job, sink.as_mut(), pool.settings, Utc::now(), &|_| {}) => Ok(o),
            lost = lease::heartbeat(&client, &lease, pool.ttl) => Err(lost),
        };
        let checked = match &outcome {
            Ok(o) => {
                let ended = match o {
                    Ok(_) => Ended::Ok,
                    Err(e) => Ended::Failed(e.to_string()),
                };
                checkout::checkin(url, &mut client, &mut copy, &lease, scope, &ended).await
            }
            Err(_) => Ok(true),
        };
        drop(copy);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        // The run has ended either way; its row is free (or fenced) by now. A failure here
        // only leaves the lock to the end of this session.
        let _ = lease::unlock(&client, &lease).await;
        match (outcome, checked) {
            (Err(lost), _) => pool.fail(&job.name, lost, None),
            (Ok(_), Ok(false)) => pool.fail(
                &job.name,
                format!(
                    "the lease on {} was taken over by another worker; this run's work is not committed",
                    lease.source
                ),
                None,
            ),
            // The database is gone: this worker stops, the run is redone later.
            (Ok(_), Err(e)) => return Err(e),
            (Ok(o), Ok(true)) => {
                let mut failures = pool.failures.lock().unwrap_or_else(|e| e.into_inner());
                note_outcome(pool.args, sink.as_ref(), job, o, &mut failures)?;
            }
        }
    }
}

impl Pool<'_> {
    fn fail(&self, label: &str, message: String, e: Option<Error>) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((label.to_owned(), message, e));
    }
}
