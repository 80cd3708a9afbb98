//! `tix sync status` and `tix sync reset`: what the state holds, per source, on SQLite
//! (cursor, last run, its summary, the lock's holder) or PostgreSQL (every row of the work
//! list with its lease holder, last success and last error), and forgetting a source's
//! window.

use super::Ctx;
use super::sync::{ResetArgs, StatusArgs, state_location};
use crate::error::{Error, Result};
use crate::sync::location::Location;
use crate::sync::{self, RunLock, State};
use std::io::Write;

pub(super) async fn reset(args: ResetArgs, ctx: &Ctx) -> Result<u8> {
    let known = match state_location(args.state.clone(), ctx)? {
        Location::Postgres(url) => sync::postgres::reset(&url, &args.source).await?,
        Location::Sqlite(path) => reset_sqlite(&path, &args.source)?,
    };
    if !known {
        return Err(Error::invalid(
            "SOURCE",
            &args.source,
            "not a source of this state (see tix sync status)",
        ));
    }
    eprintln!(
        "tix: {}: the next run reads from the start again",
        printable(&args.source)
    );
    Ok(0)
}

/// `reset` on the SQLite state at `path`, not under a running sync's feet; answers
/// whether the source was known.
fn reset_sqlite(path: &std::path::Path, source: &str) -> Result<bool> {
    if !path.exists() {
        return Err(Error::invalid(
            "SOURCE",
            source,
            format!("no sync has run yet (state {})", path.display()),
        ));
    }
    let Some(_lock) = RunLock::try_acquire(path)? else {
        return Err(Error::Config(format!(
            "a sync is running on {}; reset once it ends",
            path.display()
        )));
    };
    State::open(path)?.reset(source)
}

pub(super) async fn status(args: StatusArgs, ctx: &Ctx) -> Result<u8> {
    let path = match state_location(args.state.clone(), ctx)? {
        Location::Sqlite(path) => path,
        Location::Postgres(url) => return pg_status(&url, &args.output, ctx).await,
    };
    let mut out = ctx.io.out();
    if !path.exists() {
        if args.output == "json" {
            writeln!(out, "[]")?;
        } else {
            ctx.io
                .note(&format!("no sync has run yet (state {})", path.display()));
            // A first run may hold the lock, or have died holding it, before it made
            // the database.
            if sync::lock::holder(&path).is_some() {
                writeln!(out, "Lock: {}", lock_line(&path))?;
            }
        }
        out.flush()?;
        return Ok(0);
    }
    let state = State::open(&path)?;
    let sources = state.status()?;
    if args.output == "json" {
        serde_json::to_writer_pretty(&mut out, &sources).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let mut table = comfy_table::Table::new();
        table
            .force_no_tty()
            .load_style(comfy_table::presets::NOTHING);
        table.set_header([
            "SOURCE",
            "WATERMARK",
            "FILES",
            "KEYS",
            "RUNS",
            "LAST RUN",
            "NEW",
            "UPDATED",
            "OUTCOME",
            "SUMMARY",
        ]);
        let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%SZ").to_string();
        for s in &sources {
            let last = s.last_run.as_ref();
            table.add_row([
                printable(&s.source),
                s.watermark.map(when).unwrap_or_else(|| "-".into()),
                s.files.to_string(),
                s.keys.to_string(),
                s.runs.to_string(),
                last.map(|r| when(r.ended)).unwrap_or_else(|| "-".into()),
                last.map(|r| r.new.to_string()).unwrap_or_default(),
                last.map(|r| r.updated.to_string()).unwrap_or_default(),
                last.map(|r| printable(&r.outcome)).unwrap_or_default(),
                last.and_then(|r| r.summary.as_deref())
                    .map(summary_text)
                    .unwrap_or_default(),
            ]);
        }
        writeln!(out, "{table}")?;
        writeln!(out, "\nLock: {}", lock_line(&path))?;
        let failed: Vec<_> = sources.iter().flat_map(|s| &s.failed_tickets).collect();
        if !failed.is_empty() {
            let mut table = comfy_table::Table::new();
            table
                .force_no_tty()
                .load_style(comfy_table::presets::NOTHING);
            table.set_header(["SOURCE", "TICKET", "ATTEMPTS", "NEXT ATTEMPT", "ERROR"]);
            for f in failed {
                table.add_row([
                    printable(&f.source),
                    printable(&f.id),
                    f.attempts.to_string(),
                    when(f.next_attempt),
                    printable(&f.error),
                ]);
            }
            writeln!(out, "\nFailed tickets (retried by later runs):\n{table}")?;
        }
    }
    out.flush()?;
    Ok(0)
}

/// A run's stored counts as the run said them (`created 212, updated 61, …`); a
/// summary this tix cannot read is shown as it is.
fn summary_text(json: &str) -> String {
    match serde_json::from_str::<sync::sink::RunSummary>(json) {
        Ok(c) => c.line(),
        Err(_) => printable(json),
    }
}

/// Who holds the run lock, as `sync status` says it.
fn lock_line(state: &std::path::Path) -> String {
    match sync::lock::holder(state) {
        None => "free".into(),
        Some(h) if h.alive() => format!("held by the sync of {h}"),
        Some(h) => format!("left by the sync of {h}, which is gone; the next run takes it over"),
    }
}

/// Provider text (an error message, an id, a run's outcome) as one safe terminal line:
/// controls, ESC sequences and bidi characters shown escaped by the shared sanitizer.
pub(super) fn printable(s: &str) -> String {
    crate::output::sanitize::line(s).into_owned()
}

/// `tix sync status` on PostgreSQL: every row of the work list, who holds it (host, pid)
/// while its lease holds, its last success and its last error.
async fn pg_status(url: &sync::postgres::PgUrl, output: &str, ctx: &Ctx) -> Result<u8> {
    let client = url.open().await?;
    let rows = sync::postgres::lease::status(&client)
        .await
        .map_err(|e| url.error(sync::postgres::Chain(e)))?;
    let mut out = ctx.io.out();
    if output == "json" {
        serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(0);
    }
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%SZ").to_string();
    let mut table = comfy_table::Table::new();
    table
        .force_no_tty()
        .load_style(comfy_table::presets::NOTHING);
    table.set_header([
        "SOURCE",
        "PROFILE",
        "PROVIDER",
        "SINK",
        "WATERMARK",
        "LEASE",
        "LAST SUCCESS",
        "LAST ERROR",
    ]);
    for r in &rows {
        let lease = match (&r.lease_host, r.lease_pid, r.lease_until) {
            (Some(host), Some(pid), Some(until)) => {
                format!("{} pid {pid} until {}", printable(host), when(until))
            }
            _ => "free".into(),
        };
        let error = match (&r.last_error, r.last_error_at) {
            (Some(e), Some(at)) => format!("{}: {}", when(at), printable(e)),
            _ => "-".into(),
        };
        table.add_row([
            printable(&r.source),
            printable(&r.profile),
            printable(&r.provider),
            printable(&r.sink),
            r.watermark
                .as_deref()
                .map(printable)
                .unwrap_or_else(|| "-".into()),
            lease,
            r.last_success.map(when).unwrap_or_else(|| "-".into()),
            error,
        ]);
    }
    if rows.is_empty() {
        ctx.io
            .note(&format!("no sync has run yet (state {})", url.shown()));
    } else {
        writeln!(out, "{table}")?;
    }
    out.flush()?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_summary_reads_as_the_runs_own_line() {
        let json = r#"{"created":212,"updated":61,"notes":430,"attachments":12,"failed":0,"seconds":9.43}"#;
        assert_eq!(
            summary_text(json),
            "created 212, updated 61, notes 430, attachments 12, 0 failed, 9.4 s"
        );
        let odd = summary_text("not\u{1b}[31mjson");
        assert!(odd.starts_with("not") && !odd.contains('\u{1b}'), "{odd}");
    }
}
