//! `tix watch`: a live feed of new and changed tickets across providers, one line per
//! event, from the same overlapping `updated` window as `tix sync` (`sync::window`),
//! kept in memory: nothing is written unless the user redirects the feed.
//!
//! Each provider is polled every `--interval`. A poll lists `updated` from the last
//! watermark minus the overlap to now; a `(id, updated)` already seen is skipped, so the
//! overlap costs requests, never a duplicate line. A provider whose poll fails is shown
//! as degraded (stderr) and polled again after a back-off that doubles up to
//! [`MAX_BACKOFF_STEPS`] intervals; its watermark does not move until a poll succeeds.

use super::{Ctx, when};
use crate::error::{Error, Result};
use crate::model::{Priority, Query, Status, Ticket, TimeField};
use crate::output::one_line;
use crate::source::TicketSource;
use crate::sync::window::{Window, next_watermark, overlap_for};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Provider(s), comma-separated or repeated (see `tix providers`).
    #[arg(
        short,
        long,
        value_delimiter = ',',
        value_name = "NAME",
        required = true
    )]
    pub provider: Vec<String>,
    /// Time between polls of each provider (e.g. 30s, 2m; at least 1s).
    #[arg(long, default_value = "60s", value_name = "SPAN")]
    pub interval: String,
    /// How far each poll reaches back before the last one, for tickets whose update
    /// time lands late (at least a day for providers that filter by date).
    #[arg(long, default_value = "2m", value_name = "SPAN")]
    pub overlap: String,
    /// Report every change since this moment, instead of only those after the start.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Stop after N events.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Keep the feed in this file (written atomically after each poll) and resume from
    /// it: a restarted watch reports what changed while it was stopped, and nothing twice.
    /// Without it nothing is written.
    #[arg(long, value_name = "FILE", conflicts_with = "since")]
    pub state: Option<PathBuf>,
    /// Event lines for people (text) or JSON Lines for programs (jsonl).
    #[arg(short = 'o', long = "output", default_value = "text", value_parser = ["text", "jsonl"])]
    pub output: String,
    /// Run this command for each event, with the event's JSON (as -o jsonl prints it) on
    /// its stdin; no shell, and no ticket text in its arguments. Takes the rest of the
    /// line: put it last.
    #[arg(long, num_args = 1.., allow_hyphen_values = true, value_name = "CMD ARGS")]
    pub exec: Vec<String>,
    /// Kill an --exec command still running after this long.
    #[arg(long, default_value = "30s", value_name = "SPAN")]
    pub exec_timeout: String,
    /// Use this base URL instead of the profile's or the environment's.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Also trust this CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// The back-off of a failing provider stops doubling at 2^this intervals.
const MAX_BACKOFF_STEPS: u32 = 4;

/// The shortest `--interval`: a feed polling faster only loads the provider.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// What happened to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// First seen, created since the watch began (or `--since`).
    New,
    /// Its status changed.
    Status,
    /// Its priority changed (status unchanged).
    Priority,
    /// Anything else changed, or a ticket first seen with an old creation time.
    Update,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::New => "NEW",
            Kind::Status => "STATUS",
            Kind::Priority => "PRIORITY",
            Kind::Update => "UPDATE",
        }
    }
}

/// One line of the feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub event: Kind,
    pub provider: String,
    pub id: String,
    /// The status or priority before, for `status` and `priority` events.
    pub from: Option<String>,
    /// The status or priority after.
    pub to: Option<String>,
    pub ticket: Ticket,
}

impl Event {
    /// `STATUS argus 55 open→closed "Title"`: provider text stripped of control
    /// characters, the title quoted.
    pub fn line(&self) -> String {
        let t = &self.ticket;
        let mut s = format!(
            "{} {} {}",
            self.event.word(),
            self.provider,
            one_line(&self.id)
        );
        match (self.event, &self.from, &self.to) {
            (Kind::New, _, _) => s.push_str(&format!(" {}", t.priority.as_str())),
            (_, Some(from), Some(to)) => s.push_str(&format!(" {from}→{to}")),
            _ => {}
        }
        s.push_str(&format!(
            " {:?}",
            one_line(t.title.as_deref().unwrap_or(""))
        ));
        s
    }
}

/// What the feed remembers of a ticket to tell what changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    updated: DateTime<Utc>,
    status: Status,
    priority: Priority,
}

/// One provider's side of the feed: the watermark and every ticket seen.
pub struct Feed {
    watermark: Option<DateTime<Utc>>,
    /// Tickets created before this are not `New` when first seen.
    started: DateTime<Utc>,
    /// With `--since`: no window starts before it.
    floor: Option<DateTime<Utc>>,
    seen: HashMap<String, Seen>,
    /// Failed polls in a row.
    pub failures: u32,
    /// Whether the open tickets have been seen once (at the start; with `--since` the
    /// feed reports everything from then on instead).
    seeded: bool,
}

impl Feed {
    /// A feed reporting what changes after `start`; with `since`, everything updated
    /// from then on (the first poll reports instead of seeding).
    pub fn new(start: DateTime<Utc>, since: Option<DateTime<Utc>>) -> Feed {
        Feed {
            watermark: Some(since.unwrap_or(start)),
            started: since.unwrap_or(start),
            floor: since,
            seen: HashMap::new(),
            failures: 0,
            seeded: since.is_some(),
        }
    }

    /// Whether the feed still needs its first look: the open tickets, and every ticket
    /// of the first window.
    pub fn needs_seed(&self) -> bool {
        !self.seeded
    }

    /// Remembers the tickets as they are, reporting nothing: the state changes are
    /// told against (`STATUS argus 55 open→closed`). `window` is the first window,
    /// which the first look read: a ticket created in it and not seen is new.
    pub fn seed(&mut self, window: Window, tickets: &[Ticket]) {
        // Providers stamp whole seconds: a ticket made in the second the watch began
        // may carry a time just before it.
        if let Some(from) = window.from {
            self.started = self.started.min(from);
        }
        for t in tickets {
            if let Some(updated) = t.updated.or(t.created) {
                self.remember(t, updated);
            }
        }
        self.seeded = true;
        self.failures = 0;
    }

    fn remember(&mut self, t: &Ticket, updated: DateTime<Utc>) {
        self.seen.insert(
            t.id.clone(),
            Seen {
                updated,
                status: t.status,
                priority: t.priority,
            },
        );
    }

    /// The window of the next poll at `now`: from the watermark less the overlap (with
    /// `--since`, never before it). The first look covers the first window, so what it
    /// saw near the start is known, not reported.
    pub fn window(&self, overlap: chrono::TimeDelta, now: DateTime<Utc>) -> Window {
        Window::plan(self.watermark, self.floor, overlap, now)
    }

    /// Folds one poll's tickets (any order) into the feed; answers the events, oldest
    /// change first. `run_start` is when the poll began.
    ///
    /// With `limit`, stops after that many events and leaves the watermark where it
    /// was: the tickets not looked at are read again by the next poll (or the next run,
    /// with `--state`).
    pub fn observe(
        &mut self,
        window: Window,
        mut tickets: Vec<Ticket>,
        run_start: DateTime<Utc>,
        limit: Option<u64>,
    ) -> Vec<Event> {
        let key = |t: &Ticket| t.updated.or(t.created);
        tickets.retain(|t| key(t).is_some_and(|u| window.contains(u)));
        tickets.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id)));
        let max_seen = tickets.iter().filter_map(key).max();
        let mut events = Vec::new();
        let mut cut = false;
        for t in tickets {
            if limit.is_some_and(|l| events.len() as u64 >= l) {
                cut = true;
                break;
            }
            let Some(updated) = key(&t) else { continue };
            let before = self.seen.get(&t.id).cloned();
            if before.as_ref().is_some_and(|b| b.updated >= updated) {
                continue;
            }
            self.remember(&t, updated);
            let (event, from, to) = match before {
                None if t.created.is_some_and(|c| c >= self.started) => (Kind::New, None, None),
                None => (Kind::Update, None, None),
                Some(b) if b.status != t.status => (
                    Kind::Status,
                    Some(b.status.as_str().to_owned()),
                    Some(t.status.as_str().to_owned()),
                ),
                Some(b) if b.priority != t.priority => (
                    Kind::Priority,
                    Some(b.priority.as_str().to_owned()),
                    Some(t.priority.as_str().to_owned()),
                ),
                Some(_) => (Kind::Update, None, None),
            };
            events.push(Event {
                event,
                provider: t.provider.to_string(),
                id: t.id.clone(),
                from,
                to,
                ticket: t,
            });
        }
        if !cut {
            self.watermark = next_watermark(self.watermark, max_seen, run_start);
        }
        self.seeded = true;
        self.failures = 0;
        events
    }

    /// The feed as `--state` keeps it.
    fn saved(&self) -> Saved {
        Saved {
            watermark: self.watermark,
            started: self.started,
            seen: self.seen.clone(),
        }
    }

    /// A feed resumed from `--state`: no first look, the memory is the saved one.
    fn restore(saved: Saved) -> Feed {
        Feed {
            watermark: saved.watermark,
            started: saved.started,
            floor: None,
            seen: saved.seen,
            failures: 0,
            seeded: true,
        }
    }

    /// How long to wait after a failed poll: the interval doubled per failure in a row,
    /// up to 2^MAX_BACKOFF_STEPS intervals.
    pub fn backoff(&self, interval: Duration) -> Duration {
        interval * 2u32.pow(self.failures.min(MAX_BACKOFF_STEPS))
    }
}

/// One feed in the `--state` file.
#[derive(Serialize, Deserialize)]
struct Saved {
    watermark: Option<DateTime<Utc>>,
    started: DateTime<Utc>,
    seen: HashMap<String, Seen>,
}

/// The `--state` file: each source's feed, by name.
#[derive(Serialize, Deserialize, Default)]
struct StateFile {
    /// Bumped when the layout changes; another value is refused, not misread.
    version: u32,
    feeds: BTreeMap<String, Saved>,
}

const STATE_VERSION: u32 = 1;

impl StateFile {
    /// The saved feeds, or none when the file does not exist yet.
    fn load(path: &std::path::Path) -> Result<StateFile> {
        let bad = |why: String| Error::Config(format!("--state {}: {why}", path.display()));
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(StateFile {
                    version: STATE_VERSION,
                    feeds: BTreeMap::new(),
                });
            }
            Err(e) => return Err(bad(e.to_string())),
        };
        let state: StateFile = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("not a tix watch state ({e})")))?;
        if state.version != STATE_VERSION {
            return Err(bad(format!(
                "state version {} (this tix writes {STATE_VERSION})",
                state.version
            )));
        }
        Ok(state)
    }

    /// Replaces the file atomically, so a run killed mid-write leaves the last state.
    fn save(path: &std::path::Path, watched: &[Watched]) -> Result<()> {
        let state = StateFile {
            version: STATE_VERSION,
            feeds: watched
                .iter()
                .filter(|w| !w.feed.needs_seed())
                .map(|w| (w.name.clone(), w.feed.saved()))
                .collect(),
        };
        let bytes = serde_json::to_vec(&state).map_err(std::io::Error::from)?;
        crate::atomic_file::write(path, &bytes)?;
        Ok(())
    }
}

fn span(flag: &str, value: &str) -> Result<Duration> {
    humantime::parse_duration(value.trim())
        .map_err(|_| Error::invalid(flag, value, "a span such as 30s, 2m or 1h"))
}

/// The query of the first look: every ticket not yet resolved or closed.
fn seed_query() -> Query {
    Query {
        statuses: Status::ALL
            .into_iter()
            .filter(|s| !matches!(s, Status::Resolved | Status::Closed))
            .collect(),
        concurrency: 1,
        ..Query::default()
    }
}

/// The query for one poll: every ticket updated within the window.
fn poll_query(window: Window) -> Query {
    Query {
        since: window.from,
        until: Some(window.to),
        time_field: TimeField::Updated,
        concurrency: 1,
        ..Query::default()
    }
}

struct Watched {
    name: String,
    source: Box<dyn TicketSource>,
    feed: Feed,
    overlap: chrono::TimeDelta,
    due: tokio::time::Instant,
}

pub async fn run(args: WatchArgs, ctx: &mut Ctx) -> Result<u8> {
    let interval = span("--interval", &args.interval)?;
    if interval < MIN_INTERVAL {
        return Err(Error::invalid("--interval", &args.interval, "at least 1s"));
    }
    let overlap = span("--overlap", &args.overlap)?;
    let exec_timeout = span("--exec-timeout", &args.exec_timeout)?;
    if args.count == Some(0) {
        return Err(Error::invalid("--count", 0, "an integer of at least 1"));
    }
    let start = Utc::now();
    let since = args
        .since
        .as_deref()
        .map(|s| when::parse("--since", s, start))
        .transpose()?;
    let mut saved = match &args.state {
        Some(path) => StateFile::load(path)?,
        None => StateFile::default(),
    };
    let mut watched = Vec::new();
    for name in &args.provider {
        let source = ctx.provider_source(name, args.base_url.clone(), args.ca_file.clone())?;
        let feed = match saved.feeds.remove(&source.to_string()) {
            Some(s) => Feed::restore(s),
            None => Feed::new(start, since),
        };
        source.explain(&seed_query())?;
        source.explain(&poll_query(feed.window(chrono::TimeDelta::zero(), start)))?;
        watched.push(Watched {
            name: source.to_string(),
            overlap: overlap_for(source.provider(), overlap),
            source,
            feed,
            due: tokio::time::Instant::now(),
        });
    }
    let jsonl = args.output == "jsonl";
    let mut printed = 0u64;
    let mut announced = false;
    let mut out = ctx.io.out();
    loop {
        // Once every provider has had its first look: from here on a change is an event.
        if !announced && watched.iter().all(|w| !w.feed.needs_seed()) {
            announced = true;
            let names: Vec<&str> = watched.iter().map(|w| w.name.as_str()).collect();
            eprintln!("tix: watching {}", names.join(", "));
        }
        let Some(next) = watched.iter().map(|w| w.due).min() else {
            return Ok(0);
        };
        tokio::time::sleep_until(next).await;
        let now_due = tokio::time::Instant::now();
        // By index: the state file is written from every feed while one is polled.
        for i in 0..watched.len() {
            if watched[i].due > now_due {
                continue;
            }
            let w = &mut watched[i];
            let run_start = Utc::now();
            let window = w.feed.window(w.overlap, run_start);
            let seeding = w.feed.needs_seed();
            let mut queries = vec![poll_query(window)];
            if seeding {
                queries.push(seed_query());
            }
            let mut listed: Result<Vec<Ticket>> = Ok(Vec::new());
            for query in &queries {
                let part: Result<Vec<Ticket>> = w
                    .source
                    .list(query)
                    .collect::<Vec<_>>()
                    .await
                    .into_iter()
                    .collect();
                listed = listed.and_then(|mut all| {
                    all.extend(part?);
                    Ok(all)
                });
            }
            let tickets = match listed {
                Ok(t) => t,
                Err(e) => {
                    w.feed.failures += 1;
                    let wait = w.feed.backoff(interval);
                    ctx.io.warn(&format!(
                        "{} degraded: {}; next poll in {}",
                        w.name,
                        one_line(&e.to_string()),
                        humantime::format_duration(wait)
                    ));
                    w.due = tokio::time::Instant::now() + wait;
                    continue;
                }
            };
            if w.feed.failures > 0 {
                ctx.io.warn(&format!("{} recovered", w.name));
            }
            w.due = tokio::time::Instant::now() + interval;
            if seeding {
                w.feed.seed(window, &tickets);
                if let Some(path) = &args.state {
                    StateFile::save(path, &watched)?;
                }
                continue;
            }
            let left = args.count.map(|c| c - printed);
            let events = w.feed.observe(window, tickets, run_start, left);
            for event in events {
                let json = serde_json::to_string(&event).map_err(std::io::Error::from)?;
                if jsonl {
                    writeln!(out, "{json}")?;
                } else {
                    writeln!(out, "{}", event.line())?;
                }
                // Someone is reading the feed live.
                out.flush()?;
                if !args.exec.is_empty() {
                    exec(ctx, &args.exec, &json, exec_timeout).await;
                }
                printed += 1;
            }
            if let Some(path) = &args.state {
                StateFile::save(path, &watched)?;
            }
            if args.count.is_some_and(|c| printed >= c) {
                return Ok(0);
            }
        }
    }
}

/// Runs `cmd` with `json` on its stdin, its stdout on our stderr (the feed owns
/// stdout), and kills it past `timeout`. A failure is a warning: the feed goes on.
async fn exec(ctx: &Ctx, cmd: &[String], json: &str, timeout: Duration) {
    let program = &cmd[0];
    let stdout = {
        use std::os::fd::AsFd;
        std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null())
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(&cmd[1..])
        .stdin(Stdio::piped())
        .stdout(stdout)
        .kill_on_drop(true);
    // The hook gets the event, not tix's configuration: no TIX_* variable, which is
    // where provider keys and tokens live.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TIX_") {
            command.env_remove(&name);
        }
    }
    let spawned = command.spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            ctx.io.warn(&format!("--exec {program}: {e}"));
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input closes the pipe: not an error.
        let _ = stdin.write_all(json.as_bytes()).await;
        let _ = stdin.write_all(b"\n").await;
    }
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => ctx.io.warn(&format!("--exec {program}: {status}")),
        Ok(Err(e)) => ctx.io.warn(&format!("--exec {program}: {e}")),
        Err(_) => {
            let _ = child.kill().await;
            ctx.io.warn(&format!(
                "--exec {program}: killed after {}",
                humantime::format_duration(timeout)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    fn at(m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 10, m, s).unwrap()
    }

    fn ticket(id: &str, created: DateTime<Utc>, updated: DateTime<Utc>, status: Status) -> Ticket {
        let mut t = Ticket::new("sonar", id);
        t.created = Some(created);
        t.updated = Some(updated);
        t.status = status;
        t.title = Some(format!("t{id}"));
        t
    }

    fn poll(feed: &mut Feed, now: DateTime<Utc>, tickets: Vec<Ticket>) -> Vec<(Kind, String)> {
        let w = feed.window(TimeDelta::minutes(2), now);
        feed.observe(w, tickets, now, None)
            .into_iter()
            .map(|e| (e.event, e.id))
            .collect()
    }

    #[test]
    fn the_first_look_seeds_then_changes_are_reported_once_in_order() {
        let mut feed = Feed::new(at(10, 0), None);
        let old = ticket("1", at(0, 0), at(9, 0), Status::Open);
        assert!(feed.needs_seed());
        let w = feed.window(TimeDelta::minutes(2), at(10, 0));
        feed.seed(w, std::slice::from_ref(&old));
        assert!(!feed.needs_seed());
        // A new ticket and a status change; the overlap lists `old` again, unchanged.
        let new = ticket("2", at(10, 30), at(10, 30), Status::New);
        let mut closed = old.clone();
        closed.status = Status::Closed;
        closed.updated = Some(at(10, 20));
        let got = poll(&mut feed, at(11, 0), vec![new.clone(), closed.clone()]);
        assert_eq!(got, [(Kind::Status, "1".into()), (Kind::New, "2".into())]);
        // The next poll overlaps both: nothing twice.
        assert_eq!(poll(&mut feed, at(12, 0), vec![new.clone(), closed]), []);
        let mut urgent = new;
        urgent.priority = Priority::Critical;
        urgent.updated = Some(at(12, 30));
        assert_eq!(
            poll(&mut feed, at(13, 0), vec![urgent]),
            [(Kind::Priority, "2".into())]
        );
    }

    #[test]
    fn the_window_reaches_back_by_the_overlap_from_the_watermark() {
        let overlap = TimeDelta::seconds(30);
        let mut feed = Feed::new(at(10, 0), None);
        feed.seed(feed.window(overlap, at(10, 0)), &[]);
        let w = feed.window(overlap, at(11, 0));
        assert_eq!((w.from, w.to), (Some(at(9, 30)), at(11, 0)));
        let t = ticket("1", at(0, 0), at(10, 50), Status::Open);
        feed.observe(w, vec![t], at(11, 0), None);
        // The watermark is the newest update seen (10:50), never past the poll's start.
        let w = feed.window(overlap, at(12, 0));
        assert_eq!((w.from, w.to), (Some(at(10, 20)), at(12, 0)));
        // A ticket stamped after the poll began is outside its window: the next poll
        // reads it, and the watermark does not jump past what was read.
        feed.observe(
            w,
            vec![ticket("2", at(0, 0), at(13, 0), Status::Open)],
            at(12, 0),
            None,
        );
        assert_eq!(feed.window(overlap, at(14, 0)).from, Some(at(10, 20)));
    }

    #[test]
    fn since_reports_from_the_first_poll_and_old_tickets_are_updates() {
        let mut feed = Feed::new(at(30, 0), Some(at(5, 0)));
        assert_eq!(
            feed.window(TimeDelta::minutes(2), at(30, 0)).from,
            Some(at(5, 0))
        );
        let got = poll(
            &mut feed,
            at(30, 0),
            vec![
                ticket("a", at(6, 0), at(7, 0), Status::New),
                ticket("b", at(0, 0), at(8, 0), Status::Open),
                ticket("c", at(0, 0), at(4, 0), Status::Open),
            ],
        );
        assert_eq!(got, [(Kind::New, "a".into()), (Kind::Update, "b".into())]);
    }

    #[test]
    fn backoff_doubles_and_stops_doubling() {
        let mut feed = Feed::new(at(0, 0), None);
        let i = Duration::from_secs(10);
        feed.failures = 1;
        assert_eq!(feed.backoff(i), Duration::from_secs(20));
        feed.failures = 3;
        assert_eq!(feed.backoff(i), Duration::from_secs(80));
        feed.failures = 50;
        assert_eq!(feed.backoff(i), Duration::from_secs(160));
    }

    #[test]
    fn lines_name_the_change_and_carry_no_control_characters() {
        let mut t = ticket("55", at(0, 0), at(1, 0), Status::Closed);
        t.provider = "argus".into();
        t.title = Some("Beacon \x1b[2Jto \"c2\"\r\nnow".into());
        let e = Event {
            event: Kind::Status,
            provider: "argus".into(),
            id: "55".into(),
            from: Some("open".into()),
            to: Some("closed".into()),
            ticket: t.clone(),
        };
        assert_eq!(
            e.line(),
            "STATUS argus 55 open→closed \"Beacon [2Jto \\\"c2\\\" now\""
        );
        t.priority = Priority::High;
        t.id = "1234\x07".into();
        let e = Event {
            event: Kind::New,
            provider: "sonar".into(),
            id: t.id.clone(),
            from: None,
            to: None,
            ticket: t,
        };
        assert!(
            e.line().starts_with("NEW sonar 1234 high \"Beacon"),
            "{}",
            e.line()
        );
    }

    #[test]
    fn a_poll_cut_by_the_count_leaves_the_watermark_for_the_rest() {
        let mut feed = Feed::new(at(10, 0), None);
        feed.seed(feed.window(TimeDelta::minutes(2), at(10, 0)), &[]);
        let w = feed.window(TimeDelta::minutes(2), at(11, 0));
        let a = ticket("a", at(10, 10), at(10, 10), Status::New);
        let b = ticket("b", at(10, 20), at(10, 20), Status::New);
        let got = feed.observe(w, vec![b.clone(), a.clone()], at(11, 0), Some(1));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, "a");
        // The same poll again brings `b` only.
        let w = feed.window(TimeDelta::minutes(2), at(12, 0));
        assert_eq!(w.from, Some(at(8, 0)));
        assert_eq!(
            poll(&mut feed, at(12, 0), vec![a, b]),
            [(Kind::New, "b".into())]
        );
    }
}
