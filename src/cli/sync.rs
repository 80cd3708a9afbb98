//! `tix sync`: incremental, exactly-once dumps of each source's tickets (for cron), and
//! `tix sync status`. The work is in `crate::sync`; this file turns flags into jobs,
//! takes the run lock, and reports.

use super::Ctx;
use super::sync_status::printable;
use crate::config::Selection;
use crate::error::{Error, Result};
use crate::sinks::connectwise::CwSink;
use crate::source::TicketSource;
use crate::sync::dry_run::{Destination, DryRun};
use crate::sync::location::Location;
use crate::sync::{self, FileSink, Job, Out, RunLock, Settings, Sink, State};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum SyncCommand {
    /// Each source's watermark, kept keys and last run.
    Status(StatusArgs),
    /// Forget a source's window so its next run reads everything again (the repair for
    /// a state that holds a bad time); what it remembers writing is not written again.
    Reset(ResetArgs),
}

#[derive(Debug, clap::Args)]
pub struct ResetArgs {
    /// The source as `tix sync status` names it (e.g. sonar, a profile, connectwise:sonar).
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// State: a SQLite file, or a postgres:// URL (password from PGPASSWORD) [default:
    /// $TIX_STATE_URL, else $XDG_STATE_HOME/tix/sync.db].
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Provider(s), comma-separated or repeated: sonar, argus, cyderes, arcticwolf (see `tix providers`).
    #[arg(
        short,
        long,
        value_delimiter = ',',
        value_name = "NAME",
        conflicts_with = "all"
    )]
    pub provider: Vec<String>,
    /// Every profile in the config file and every provider set in the environment.
    #[arg(long)]
    pub all: bool,
    /// Directory for DIR/<source>/<date>/<window>.jsonl, or - for stdout.
    #[arg(long, value_name = "DIR|-")]
    pub out: Option<String>,
    /// State: a SQLite file, or a postgres:// URL (password from PGPASSWORD) [default:
    /// $TIX_STATE_URL, else $XDG_STATE_HOME/tix/sync.db].
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<PathBuf>,
    /// How far each window reaches back before the watermark (at least 1d for providers
    /// that filter by date).
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration, value_name = "SPAN")]
    pub overlap: Duration,
    /// How long to wait for another sync on the same state to finish; then exit 0.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration, value_name = "SPAN")]
    pub wait: Duration,
    /// Tickets per request [default: the provider's maximum].
    #[arg(long, value_name = "N")]
    pub page_size: Option<u64>,
    /// Add each written ticket's comments (one more request per ticket).
    #[arg(long)]
    pub with_comments: bool,
    /// Print nothing on success (cron mails only failures).
    #[arg(short, long)]
    pub quiet: bool,
    /// Longest a sync may run: past it, each source stops reading, commits what it
    /// wrote without moving its window, and the run exits 6 (the next one goes on).
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration, value_name = "SPAN")]
    pub max_runtime: Duration,
    /// Print what would be written (target, id, updated, title per ticket) and change
    /// nothing: no file, no push, no lock, and the state only read.
    #[arg(long)]
    pub dry_run: bool,
    /// Use this base URL instead of the profile's or the environment's (one provider).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub cw: super::cw::SyncToArgs,
    /// Workers syncing at once, each one source at a time (a PostgreSQL state only:
    /// hosts running the same command share the work).
    #[arg(long, default_value = "1", value_name = "N")]
    pub workers: usize,
    /// How long a worker's hold on a source lasts without its heartbeat (PostgreSQL
    /// state): a worker that dies leaves its sources to the others after this.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration, value_name = "SPAN")]
    pub lease: Duration,
}

/// Sources that failed: label, message, and the error when there is one.
pub(super) type Failures = Vec<(String, String, Option<Error>)>;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// State: a SQLite file, or a postgres:// URL (password from PGPASSWORD) [default:
    /// $TIX_STATE_URL, else $XDG_STATE_HOME/tix/sync.db].
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", default_value = "table", value_parser = ["table", "json"])]
    pub output: String,
}

pub async fn run(args: SyncArgs, ctx: &mut Ctx) -> Result<u8> {
    match args.command {
        Some(SyncCommand::Status(s)) => super::sync_status::status(s, ctx).await,
        Some(SyncCommand::Reset(r)) => super::sync_status::reset(r, ctx).await,
        None => sync_run(args.run, ctx).await,
    }
}

/// `--state`, else `TIX_STATE_URL`, else the default file; a password on the command
/// line is warned about (every user of the host can read it in the process list).
pub(super) fn state_location(flag: Option<PathBuf>, ctx: &Ctx) -> Result<Location> {
    let resolved = sync::location::resolve(flag, &ctx.env)?;
    if resolved.password_in_argv {
        ctx.io.warn(
            "--state carries a password, which other users of this host can read in the process list; give it in PGPASSWORD or TIX_STATE_URL instead",
        );
    }
    Ok(resolved.location)
}

/// The flags that depend on where the state is, checked before any request.
fn check_workers(args: &RunArgs, location: &Location) -> Result<()> {
    if args.workers == 0 {
        return Err(Error::invalid("--workers", "0", "a number from 1"));
    }
    if args.lease < Duration::from_secs(1) {
        return Err(Error::invalid(
            "--lease",
            humantime::format_duration(args.lease),
            "at least 1s, e.g. 60s",
        ));
    }
    match location {
        Location::Sqlite(_) if args.workers > 1 => Err(Error::invalid(
            "--workers",
            args.workers,
            "1 with a SQLite state; more need a PostgreSQL one (--state postgres://…)",
        )),
        Location::Postgres(_) if args.dry_run && args.workers > 1 => Err(Error::invalid(
            "--workers",
            args.workers,
            "1 with --dry-run (a dry run takes no lease)",
        )),
        Location::Postgres(_) if args.workers > 1 && args.out.as_deref() == Some("-") => {
            Err(Error::invalid(
                "--out",
                "-",
                "a directory when --workers is more than 1 (runs would interleave on stdout)",
            ))
        }
        _ => Ok(()),
    }
}

async fn sync_run(args: RunArgs, ctx: &mut Ctx) -> Result<u8> {
    // The run time counts from the start: waiting for a lock is part of it.
    let deadline = tokio::time::Instant::now() + args.max_runtime;
    if args.max_runtime.is_zero() {
        return Err(Error::invalid(
            "--max-runtime",
            "0s",
            "a duration longer than zero, e.g. 30m",
        ));
    }
    let to_cw = args.cw.spec()?;
    let out = match args.out.as_deref() {
        // Not written to: --to connectwise pushes instead.
        None if to_cw.is_some() => Out::Stdout,
        Some("-") => Out::Stdout,
        Some(dir) if !dir.is_empty() => Out::Dir(PathBuf::from(dir)),
        _ => {
            return Err(Error::invalid(
                "--out",
                "",
                "required: a directory, or - for stdout",
            ));
        }
    };
    if args.provider.is_empty() && !args.all && ctx.global.profile.is_none() {
        return Err(Error::invalid(
            "--provider",
            "",
            format!(
                "required (or --all, or --profile); one of: {}",
                crate::providers::provider_names()
            ),
        ));
    }
    for p in &args.provider {
        crate::providers::provider(p.trim())?;
    }
    let location = state_location(args.state.clone(), ctx)?;
    check_workers(&args, &location)?;

    // Every source is resolved before the lock, the database and the first request;
    // one that cannot be built is that source's failure, not the others'.
    let mut failures: Vec<(String, String, Option<Error>)> = Vec::new();
    let mut jobs = Vec::new();
    for sel in selections(&args, ctx)? {
        let label = sel
            .profile
            .clone()
            .or_else(|| sel.provider.clone())
            .unwrap_or_default();
        match build(sel, &args, ctx) {
            Ok(job) => jobs.push(job),
            Err(e @ (Error::InvalidArgument { .. } | Error::Unsupported { .. })) => return Err(e),
            Err(e) => failures.push((label, e.to_string(), Some(e))),
        }
    }
    // Nothing to run: the command failed as `tix list` does for the same sources, with
    // no lock taken and no database created.
    if jobs.is_empty() {
        let mut failures = failures.into_iter();
        let (_, _, first) = failures
            .next()
            .expect("a selection that is neither job nor failure");
        for (label, message, _) in failures {
            eprintln!(
                "tix: sync failed: {}: {}",
                printable(&label),
                printable(&message)
            );
        }
        return Err(first.expect("build failures keep their error"));
    }
    // ConnectWise is reached (keys, board, status, company) before the lock too.
    let cw = match &to_cw {
        Some(spec) => {
            let client = super::cw::connect(ctx).await?;
            let target = spec.resolve(&client).await?;
            Some((client, target))
        }
        None => None,
    };

    if args.dry_run {
        let target = cw.map(|(_, t)| t);
        let settings = Settings {
            overlap: args.overlap,
            page_size: args.page_size,
            deadline: Some(deadline),
        };
        let ledger = target.is_some();
        let sink = dry_run_sink(out, target, &jobs);
        return dry_run(
            &args, sink, &location, ledger, &jobs, failures, ctx, settings,
        )
        .await;
    }
    let state_path = match location {
        Location::Sqlite(path) => path,
        Location::Postgres(url) => {
            let settings = Settings {
                overlap: args.overlap,
                page_size: args.page_size,
                deadline: Some(deadline),
            };
            return super::sync_workers::run(&args, &url, out, jobs, failures, cw, settings).await;
        }
    };
    let Some(lock) = wait_for_lock(&state_path, args.wait, args.quiet, args.max_runtime).await?
    else {
        return busy(&state_path, args.quiet);
    };
    match &lock.taken_over {
        // Said even with --quiet: a run that died or hangs says nothing itself.
        Some(hung) if lock.stale => ctx.io.warn(&format!(
            "the sync of {hung} has held the lock longer than --max-runtime ({}) and is likely hung; taking it over",
            humantime::format_duration(args.max_runtime)
        )),
        Some(dead) => ctx.io.warn(&format!(
            "the sync of {dead} ended without releasing its lock (killed?); taking it over"
        )),
        None => {}
    }
    sync::crash_point_locked();
    let mut state = State::open(&state_path)?;
    // A hung run this one took over commits nothing from here on.
    state.fence()?;
    let settings = Settings {
        overlap: args.overlap,
        page_size: args.page_size,
        deadline: Some(deadline),
    };
    let mut files = FileSink::new(out, args.with_comments);
    let mut to_cw;
    let sink: &mut dyn Sink = match &cw {
        Some((client, target)) => {
            to_cw = CwSink::new(
                client,
                target.clone(),
                args.cw.two_way,
                args.cw.close_upstream,
            )
            .with_concurrency(args.cw.concurrency);
            &mut to_cw
        }
        None => &mut files,
    };
    run_jobs(&args, ctx, &mut state, sink, &settings, &jobs, failures).await
}

/// A look at what a run would do: the engine over a copy of the state (or a new empty
/// one), into a sink that prints each ticket and its target; no lock or lease is taken
/// and nothing the real run reads or writes is changed. On PostgreSQL the copy holds the
/// rows of the sources the run would sync, read without a lease.
#[allow(clippy::too_many_arguments)]
async fn dry_run(
    args: &RunArgs,
    mut sink: DryRun,
    location: &Location,
    ledger: bool,
    jobs: &[Job],
    failures: Vec<(String, String, Option<Error>)>,
    ctx: &mut Ctx,
    settings: Settings,
) -> Result<u8> {
    let scratch = tempfile::tempdir()?;
    let copy = scratch.path().join("sync.db");
    let mut state = match location {
        Location::Sqlite(state_path) if state_path.exists() => State::snapshot(state_path, &copy)?,
        Location::Sqlite(_) => State::open(&copy)?,
        Location::Postgres(url) => {
            let client = url.open().await?;
            let mut state = State::open(&copy)?;
            let mut providers = std::collections::BTreeSet::new();
            for job in jobs {
                let provider = job.source.provider();
                let scope = sync::postgres::checkout::Scope {
                    source: &sink.cursor_name(&job.name),
                    provider,
                    // The ledger is the provider's: copied once per provider.
                    ledger: ledger && providers.insert(provider),
                };
                sync::postgres::checkout::checkout(url, &client, &mut state, scope).await?;
            }
            state
        }
    };
    run_jobs(args, ctx, &mut state, &mut sink, &settings, jobs, failures).await
}

/// The sink of a dry run: where the real one would write, under its cursor names.
fn dry_run_sink(
    out: Out,
    cw: Option<crate::sinks::connectwise::target::Target>,
    jobs: &[Job],
) -> DryRun {
    let (destination, cursors) = match &cw {
        Some(t) => (
            Destination::Described(format!(
                "connectwise board {} (#{}), company #{}",
                t.board_name, t.board, t.company
            )),
            jobs.iter()
                .map(|j| {
                    (
                        j.name.clone(),
                        crate::sinks::connectwise::sink::cursor_name(&j.name),
                    )
                })
                .collect(),
        ),
        None => (
            Destination::Files(out),
            jobs.iter()
                .map(|j| (j.name.clone(), j.name.clone()))
                .collect(),
        ),
    };
    DryRun::new(destination, cursors, Box::new(std::io::stdout()))
}

/// Runs each job into `sink`, reports each, and answers the exit code of them all.
async fn run_jobs(
    args: &RunArgs,
    ctx: &mut Ctx,
    state: &mut State,
    sink: &mut dyn Sink,
    settings: &Settings,
    jobs: &[Job],
    mut failures: Vec<(String, String, Option<Error>)>,
) -> Result<u8> {
    let show_progress = ctx.io.stderr_tty && !args.quiet;
    let sources = jobs.len() + failures.len();
    for job in jobs {
        let bar = show_progress.then(|| progress_bar(&job.name));
        let tick = |p: sync::engine::Progress| {
            if let Some(b) = &bar {
                b.set_message(progress_text(p));
            }
        };
        let outcome =
            sync::engine::run(state, job, sink, settings, chrono::Utc::now(), &tick).await;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        note_outcome(args, &*sink, job, outcome, &mut failures)?;
    }
    outcome_code(&mut failures, sources)
}

/// Reports one run: its summary line, and what it leaves to fix (tickets not synced, a
/// window cut at --max-runtime, the run's own error) in `failures`. A reader of `--out -`
/// that went away ends the whole sync.
pub(super) fn note_outcome(
    args: &RunArgs,
    sink: &dyn Sink,
    job: &Job,
    outcome: Result<sync::Report>,
    failures: &mut Failures,
) -> Result<()> {
    match outcome {
        Ok(report) => {
            if !args.quiet {
                eprintln!("{}", printable(&sink.summary(&report)));
            }
            if report.out_of_time {
                let message = format!(
                    "stopped at --max-runtime ({}) after writing {} ticket(s); what was written is committed, the window did not move and the next run goes on",
                    humantime::format_duration(args.max_runtime),
                    report.new + report.updated
                );
                failures.push((job.name.clone(), message, None));
            }
            if let Some(first) = &report.first_failure {
                let message = format!(
                    "{} ticket(s) not synced (first: {first}); see tix sync status",
                    report.failed
                );
                failures.push((job.name.clone(), message, None));
            }
        }
        // The reader of `--out -` is gone: nothing more can be delivered, and what
        // was not read was not committed; quietly, as `head` would want.
        Err(e) if e.is_broken_pipe() => return Err(e),
        Err(e) => failures.push((job.name.clone(), e.to_string(), Some(e))),
    }
    Ok(())
}

/// The exit code of a sync of `sources` sources, from what failed.
pub(super) fn outcome_code(failures: &mut Failures, sources: usize) -> Result<u8> {
    match failures.len() {
        0 => Ok(0),
        // One source, and it failed: its own error and exit code say the most.
        1 if sources == 1 && failures[0].2.is_some() => {
            Err(failures.pop().and_then(|f| f.2).expect("checked"))
        }
        _ => {
            for (label, message, _) in failures.iter() {
                eprintln!(
                    "tix: sync failed: {}: {}",
                    printable(label),
                    printable(message)
                );
            }
            Ok(Error::Partial { failed: Vec::new() }.exit_code())
        }
    }
}

/// Takes the run lock, waiting up to `wait` for a running sync; Ctrl-C ends the wait
/// at once (the wait is a future, dropped with the command).
async fn wait_for_lock(
    state: &std::path::Path,
    wait: Duration,
    quiet: bool,
    max_age: Duration,
) -> Result<Option<RunLock>> {
    if let Some(lock) = RunLock::try_acquire_or_take_over(state, max_age)? {
        return Ok(Some(lock));
    }
    if wait.is_zero() {
        return Ok(None);
    }
    if !quiet {
        eprintln!(
            "tix: another sync is running (state {}); waiting up to {}",
            state.display(),
            humantime::format_duration(wait)
        );
    }
    RunLock::acquire(state, wait, max_age).await
}

/// Another sync holds the lock. A person is told and it is not a failure (that run does
/// the work); with `--quiet` (cron) it is one, so a sync stuck for hours is not mistaken
/// for a healthy one.
fn busy(state: &std::path::Path, quiet: bool) -> Result<u8> {
    let holder = sync::lock::holder(state)
        .map(|h| h.to_string())
        .unwrap_or_else(|| "holder unknown".into());
    if quiet {
        return Err(Error::Locked {
            path: state.display().to_string(),
            holder,
        });
    }
    eprintln!(
        "tix: another sync is running (state {}, {holder})",
        state.display()
    );
    Ok(0)
}

/// The sources to sync: the named providers, the `--profile`, or with `--all` every
/// profile and every provider the environment sets.
fn selections(args: &RunArgs, ctx: &mut Ctx) -> Result<Vec<Selection>> {
    let sel = |provider: Option<String>, profile: Option<String>| Selection {
        provider,
        profile,
        base_url: args.base_url.clone(),
        ca_file: None,
        env_only: false,
    };
    if args.all {
        let env = ctx.env.clone();
        // Each profile once, and each provider the environment alone configures.
        let out = crate::config::all_sources(ctx.config()?, &env, &crate::providers::Registry);
        if out.is_empty() {
            return Err(Error::Config(
                "--all: no profile in the config file and no TIX_<PROVIDER>_URL or key in the environment"
                    .into(),
            ));
        }
        return Ok(out
            .into_iter()
            .map(|s| Selection {
                base_url: args.base_url.clone(),
                ..s
            })
            .collect());
    }
    if args.provider.is_empty() {
        return Ok(vec![sel(None, None)]);
    }
    Ok(args
        .provider
        .iter()
        .map(|p| sel(Some(p.trim().to_owned()), None))
        .collect())
}

fn build(sel: Selection, args: &RunArgs, ctx: &mut Ctx) -> Result<Job> {
    let cfg = ctx.source_config(sel)?;
    let name = cfg
        .profile
        .clone()
        .unwrap_or_else(|| cfg.provider.name.to_owned());
    let info = crate::providers::info(cfg.provider);
    info.check_page_size(args.page_size)?;
    let source: Box<dyn TicketSource> = (info.build)(cfg)?;
    if args.with_comments && !source.capabilities().comments {
        return Err(source.lacks(crate::source::Operation::Comments));
    }
    Ok(Job {
        name,
        source,
        server_sort: info.sorts_server_side(),
    })
}

fn progress_bar(name: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg} {elapsed}")
    {
        bar.set_style(style);
    }
    bar.set_prefix(name.to_owned());
    bar.set_message(progress_text(sync::engine::Progress::default()));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// `300 tickets read, 120 of 212 pushed`: the pushing part once the listing is read and
/// the sink fetches each new ticket (ConnectWise).
fn progress_text(p: sync::engine::Progress) -> String {
    if p.to_send == 0 {
        format!("{} tickets read", p.read)
    } else {
        format!(
            "{} tickets read, {} of {} pushed",
            p.read, p.sent, p.to_send
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::engine::Progress;

    #[test]
    fn the_progress_line_says_what_was_pushed_once_there_is_something_to_push() {
        let p = Progress {
            read: 300,
            sent: 0,
            to_send: 0,
        };
        assert_eq!(progress_text(p), "300 tickets read");
        let p = Progress {
            read: 300,
            sent: 120,
            to_send: 212,
        };
        assert_eq!(progress_text(p), "300 tickets read, 120 of 212 pushed");
    }
}
