use super::*;
use crate::model::Ticket;
use crate::sync::{FileSink, Out, Sink};
use chrono::TimeDelta;
use futures::stream::{self, BoxStream};
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};

/// An in-memory provider whose tickets tests change between runs.
#[derive(Clone, Default)]
struct Fake {
    tickets: Arc<Mutex<Vec<Ticket>>>,
    fail: Arc<Mutex<bool>>,
    /// Tickets the engine pulled from `list`.
    listed: Arc<Mutex<usize>>,
    /// Warning items the listing yields after its first ticket: a ticket it could not
    /// read, or a pager that stopped early.
    warnings: Arc<Mutex<Vec<Error>>>,
    /// How long each listed item takes to arrive (a slow provider).
    delay: Arc<Mutex<Option<Duration>>>,
}

/// The same warning item for each listing (an error is not `Clone`).
fn again(e: &Error) -> Error {
    match e {
        Error::Unreadable {
            provider,
            position,
            why,
        } => Error::Unreadable {
            provider: provider.clone(),
            position: *position,
            why: why.clone(),
        },
        Error::Partial { failed } => Error::Partial {
            failed: failed.clone(),
        },
        other => panic!("the fake lists only warning items, not {other}"),
    }
}

impl fmt::Display for Fake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fake")
    }
}

#[async_trait::async_trait]
impl TicketSource for Fake {
    fn provider(&self) -> &'static str {
        "sonar"
    }
    fn capabilities(&self) -> crate::source::Capabilities {
        crate::source::Capabilities {
            get: true,
            ..Default::default()
        }
    }
    async fn get(&self, id: &str) -> Result<Ticket> {
        let all = self.tickets.lock().unwrap();
        all.iter()
            .find(|t| t.id == id)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                provider: "sonar".into(),
                id: id.into(),
            })
    }
    fn explain(&self, _q: &Query) -> Result<String> {
        Ok(String::new())
    }
    /// Newest first when asked, as Sonar is.
    fn list(&self, q: &Query) -> BoxStream<'static, Result<Ticket>> {
        let mut all = self.tickets.lock().unwrap().clone();
        if q.sort == Some((SortField::Updated, SortOrder::Desc)) {
            all.sort_by_key(|t| std::cmp::Reverse(t.updated));
        }
        let listed = self.listed.clone();
        let mut items: Vec<Result<Ticket>> = all.into_iter().map(Ok).collect();
        if *self.fail.lock().unwrap() {
            items.insert(1, Err(Error::Config("page 2 failed".into())));
        }
        for w in self.warnings.lock().unwrap().iter().rev() {
            let at = 1.min(items.len());
            items.insert(at, Err(again(w)));
        }
        let delay = *self.delay.lock().unwrap();
        stream::iter(items)
            .then(move |item| async move {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                item
            })
            .inspect(move |_| *listed.lock().unwrap() += 1)
            .boxed()
    }
}

impl Fake {
    fn put(&self, id: &str, created: DateTime<Utc>, updated: DateTime<Utc>) {
        let mut all = self.tickets.lock().unwrap();
        all.retain(|t| t.id != id);
        let mut t = Ticket::new("sonar", id);
        t.created = Some(created);
        t.updated = Some(updated);
        all.push(t);
    }
}

fn ago(minutes: i64) -> DateTime<Utc> {
    Utc::now() - TimeDelta::minutes(minutes)
}

struct Rig {
    dir: tempfile::TempDir,
    state: State,
    fake: Fake,
    job: Job,
    settings: Settings,
    sink: FileSink,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(&dir.path().join("state.db")).unwrap();
    let fake = Fake::default();
    let job = Job {
        name: "sonar".into(),
        source: Box::new(fake.clone()),
        server_sort: true,
    };
    let settings = Settings {
        overlap: Duration::from_secs(600),
        page_size: None,
        deadline: None,
    };
    let sink = FileSink::new(Out::Dir(dir.path().join("out")), false);
    Rig {
        dir,
        state,
        fake,
        job,
        settings,
        sink,
    }
}

impl Rig {
    async fn run(&mut self) -> Result<Report> {
        self.run_at(Utc::now()).await
    }

    async fn run_at(&mut self, now: DateTime<Utc>) -> Result<Report> {
        run(
            &mut self.state,
            &self.job,
            &mut self.sink,
            &self.settings,
            now,
            &|_| {},
        )
        .await
    }

    /// Every line of every file, as (id, updated).
    fn written(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut dirs = vec![self.dir.path().join("out")];
        while let Some(d) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                if e.path().is_dir() {
                    dirs.push(e.path());
                    continue;
                }
                let name = e.file_name().into_string().unwrap();
                assert!(name.ends_with(".jsonl"), "stray file {name}");
                for line in std::fs::read_to_string(e.path()).unwrap().lines() {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    out.push((
                        v["id"].as_str().unwrap().to_owned(),
                        v["updated"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
        out.sort();
        out
    }
}

#[tokio::test]
async fn each_version_is_written_once_across_runs() {
    let mut r = rig();
    r.fake.put("a", ago(600), ago(300));
    r.fake.put("b", ago(500), ago(5));
    let first = r.run().await.unwrap();
    assert_eq!((first.new, first.updated), (2, 0));
    assert!(
        first
            .file
            .unwrap()
            .ends_with("1970-01-01/19700101T000000Z-000001.jsonl")
    );

    // Nothing changed: "b" is re-read in the overlap but not written again, and no
    // empty file appears.
    let second = r.run().await.unwrap();
    assert_eq!((second.seen, second.new, second.updated), (1, 0, 0));
    assert_eq!(second.file, None);

    r.fake.put("a", ago(600), ago(1));
    r.fake.put("c", ago(2), ago(2));
    let third = r.run().await.unwrap();
    assert_eq!((third.new, third.updated), (1, 1));
    assert!(
        third
            .file
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with("-000002.jsonl")
    );

    let written = r.written();
    let unique: HashSet<_> = written.iter().collect();
    assert_eq!(written.len(), 4);
    assert_eq!(unique.len(), 4, "a version written twice: {written:?}");
}

#[tokio::test]
async fn a_failed_run_changes_nothing_and_the_next_one_writes_its_file() {
    let mut r = rig();
    r.fake.put("a", ago(60), ago(30));
    r.fake.put("b", ago(60), ago(20));
    *r.fake.fail.lock().unwrap() = true;
    let e = r.run().await.unwrap_err();
    assert!(e.to_string().contains("page 2 failed"));
    assert!(r.written().is_empty(), "no partial file");
    assert_eq!(r.state.cursor("sonar").unwrap().watermark, None);
    let runs = r.state.runs("sonar", 5).unwrap();
    assert!(runs[0].outcome.starts_with("failed: "), "{runs:?}");

    *r.fake.fail.lock().unwrap() = false;
    let ok = r.run().await.unwrap();
    assert_eq!(ok.new, 2);
    assert!(ok.file.unwrap().ends_with("19700101T000000Z-000001.jsonl"));
}

#[tokio::test]
async fn the_watermark_stops_at_the_run_start_and_a_future_version_waits() {
    let mut r = rig();
    r.fake.put("now", ago(10), ago(1));
    r.fake.put("future", ago(10), ago(-30));
    let first = r.run().await.unwrap();
    assert_eq!(
        first.new, 1,
        "a version after the run's start is the next run's"
    );
    let w = r.state.cursor("sonar").unwrap().watermark.unwrap();
    assert!(w <= first.window.to);
    // The window reaches back by the overlap from the watermark.
    let second = r.run().await.unwrap();
    assert_eq!(second.window.from, Some(w - TimeDelta::minutes(10)));
    assert_eq!(second.new, 0);
}

#[tokio::test]
async fn stdout_sinks_still_commit_the_state() {
    let mut r = rig();
    r.sink.out = Out::Stdout;
    r.fake.put("a", ago(60), ago(30));
    assert_eq!(r.run().await.unwrap().new, 1);
    assert_eq!(r.run().await.unwrap().new, 0);
}

#[tokio::test]
async fn a_newest_first_list_is_read_only_down_to_the_window() {
    let mut r = rig();
    for i in 0..50 {
        r.fake.put(&format!("old{i}"), ago(5000), ago(3000 + i));
    }
    r.fake.put("recent", ago(100), ago(60));
    r.run().await.unwrap();
    *r.fake.listed.lock().unwrap() = 0;
    r.fake.put("changed", ago(100), ago(1));
    let report = r.run().await.unwrap();
    assert_eq!((report.new, report.updated), (0, 1));
    // "changed", "recent" (in the overlap), and the first old one, which ends the run.
    assert_eq!(*r.fake.listed.lock().unwrap(), 3);
}

#[test]
fn only_a_provider_that_sorts_server_side_is_asked_for_an_order() {
    let fake = Fake::default();
    let window = Window::plan(None, None, TimeDelta::minutes(10), base());
    let sorted = window_query(&fake, window, None, true).unwrap();
    assert_eq!(sorted.sort, Some((SortField::Updated, SortOrder::Desc)));
    let unsorted = window_query(&fake, window, None, false).unwrap();
    assert_eq!(unsorted.sort, None);
    assert_eq!(unsorted.until, Some(base()));
}

/// A file sink that rejects some tickets as ConnectWise rejects one (a 400 about it),
/// or fails every ticket as a revoked key does.
struct Picky {
    files: FileSink,
    reject: Arc<Mutex<HashSet<String>>>,
    auth_fails: bool,
}

#[async_trait::async_trait]
impl Sink for Picky {
    fn cursor_name(&self, job: &str) -> String {
        self.files.cursor_name(job)
    }
    fn begin(&mut self, job: &str, window: &Window, seq: u64) -> Result<()> {
        self.files.begin(job, window, seq)
    }
    async fn put(&mut self, st: &mut State, src: &dyn TicketSource, t: Ticket) -> Result<()> {
        if self.auth_fails {
            return Err(Error::Auth {
                provider: "connectwise".into(),
                message: "revoked".into(),
            });
        }
        if self.reject.lock().unwrap().contains(&t.id) {
            return Err(Error::Api {
                provider: "connectwise".into(),
                status: 400,
                message: format!("ticket {} is invalid", t.id),
            });
        }
        self.files.put(st, src, t).await
    }
    async fn finish(&mut self, st: &mut State, src: &dyn TicketSource) -> Result<Option<PathBuf>> {
        self.files.finish(st, src).await
    }
    fn abort(&mut self) {
        self.files.abort();
    }
    fn summary(&self, r: &Report) -> String {
        self.files.summary(r)
    }
}

fn base() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
}

#[tokio::test]
async fn a_rejected_ticket_is_recorded_retried_with_back_off_and_never_holds_the_window() {
    let mut r = rig();
    let t0 = base();
    let m = TimeDelta::minutes;
    for (id, updated) in [("a", 30), ("b", 20), ("c", 10)] {
        r.fake.put(id, t0 - m(60), t0 - m(updated));
    }
    let reject = Arc::new(Mutex::new(HashSet::from(["b".to_string()])));
    let mut sink = Picky {
        files: FileSink::new(Out::Dir(r.dir.path().join("out")), false),
        reject: reject.clone(),
        auth_fails: false,
    };
    let at = async |r: &mut Rig, sink: &mut Picky, now| {
        run(&mut r.state, &r.job, sink, &r.settings, now, &|_| {}).await
    };

    let first = at(&mut r, &mut sink, t0).await.unwrap();
    assert_eq!((first.new, first.failed, first.retried), (2, 1, 0));
    assert!(first.first_failure.unwrap().starts_with("b: "));
    // The window moved past the rejected ticket.
    assert_eq!(r.state.cursor("sonar").unwrap().watermark, Some(t0 - m(10)));
    let f = r.state.failures().unwrap();
    assert_eq!((f[0].id.as_str(), f[0].attempts), ("b", 1));
    assert!(
        f[0].error.contains("ticket b is invalid (HTTP 400)"),
        "{}",
        f[0].error
    );
    assert_eq!(f[0].next_attempt, t0 + m(5));

    // Before its back-off has passed, "b" is left alone.
    let early = at(&mut r, &mut sink, t0 + m(4)).await.unwrap();
    assert_eq!((early.retried, early.failed), (0, 0));
    assert_eq!(r.state.failures().unwrap()[0].attempts, 1);

    // After it, tried again; still rejected, it waits twice as long.
    let again = at(&mut r, &mut sink, t0 + m(5)).await.unwrap();
    assert_eq!((again.retried, again.failed), (1, 1));
    let f = r.state.failures().unwrap();
    assert_eq!((f[0].attempts, f[0].next_attempt), (2, t0 + m(15)));

    // Accepted at last: written once, the failure gone.
    reject.lock().unwrap().clear();
    let last = at(&mut r, &mut sink, t0 + m(15)).await.unwrap();
    assert_eq!(
        (last.retried, last.failed, last.new + last.updated),
        (1, 0, 1)
    );
    assert!(r.state.failures().unwrap().is_empty());
    let written = r.written();
    let ids: Vec<&str> = written.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_failure_that_is_not_about_one_ticket_stops_the_run_and_keeps_the_window() {
    let mut r = rig();
    let t0 = base();
    r.fake.put(
        "a",
        t0 - TimeDelta::minutes(60),
        t0 - TimeDelta::minutes(30),
    );
    let mut sink = Picky {
        files: FileSink::new(Out::Dir(r.dir.path().join("out")), false),
        reject: Arc::default(),
        auth_fails: true,
    };
    let e = run(&mut r.state, &r.job, &mut sink, &r.settings, t0, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e}");
    assert_eq!(r.state.cursor("sonar").unwrap().watermark, None);
    assert!(r.state.failures().unwrap().is_empty());
    assert!(r.written().is_empty());
}

#[tokio::test]
async fn when_every_ticket_fails_the_run_stops_instead_of_moving_the_window() {
    let mut r = rig();
    let t0 = base();
    let mut reject = HashSet::new();
    for i in 0..20 {
        let id = format!("t{i}");
        r.fake.put(
            &id,
            t0 - TimeDelta::minutes(60),
            t0 - TimeDelta::minutes(i + 1),
        );
        reject.insert(id);
    }
    let mut sink = Picky {
        files: FileSink::new(Out::Dir(r.dir.path().join("out")), false),
        reject: Arc::new(Mutex::new(reject)),
        auth_fails: false,
    };
    let e = run(&mut r.state, &r.job, &mut sink, &r.settings, t0, &|_| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("(HTTP 400)"), "{e}");
    assert_eq!(r.state.cursor("sonar").unwrap().watermark, None);
    assert_eq!(r.state.failures().unwrap().len(), 10);

    // The ten recorded back off; the next run goes on with the others, and once the
    // others go through, the window moves. Those ten, retried later and still failing,
    // never stop a run again.
    sink.reject.lock().unwrap().retain(|id| {
        let n: i64 = id[1..].parse().unwrap();
        n < 10
    });
    let next = run(&mut r.state, &r.job, &mut sink, &r.settings, t0, &|_| {})
        .await
        .unwrap();
    assert_eq!((next.new, next.failed), (10, 0));
    assert!(r.state.cursor("sonar").unwrap().watermark.is_some());
    let later = t0 + TimeDelta::minutes(5);
    let retried = run(&mut r.state, &r.job, &mut sink, &r.settings, later, &|_| {})
        .await
        .unwrap();
    assert_eq!((retried.retried, retried.failed, retried.new), (10, 10, 0));
}

#[tokio::test]
async fn a_time_outside_1970_to_2199_is_skipped_and_never_becomes_the_window() {
    use chrono::TimeZone;
    let mut r = rig();
    let t0 = base();
    r.fake.put(
        "ok",
        t0 - TimeDelta::minutes(60),
        t0 - TimeDelta::minutes(30),
    );
    let year = |y| Utc.with_ymd_and_hms(y, 6, 1, 0, 0, 0).unwrap();
    r.fake.put("ancient", year(1900), year(1900));
    r.fake.put("negative", year(-1), year(-1));
    let report = r.run_at(t0).await.unwrap();
    assert_eq!((report.seen, report.new, report.failed), (1, 1, 2));
    assert_eq!(
        r.state.cursor("sonar").unwrap().watermark,
        Some(t0 - TimeDelta::minutes(30))
    );
    assert_eq!(r.written().len(), 1);
    // Each is a failed ticket in the state, stamped with the run's time, not its own.
    let failed = r.state.failures().unwrap();
    let ids: Vec<_> = failed.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["ancient", "negative"]);
    assert!(failed.iter().all(|f| f.updated == t0), "{failed:?}");
    assert!(failed[1].error.contains("outside 1970-2199"), "{failed:?}");
    // And the next run starts from that window as usual.
    assert_eq!(r.run_at(t0).await.unwrap().new, 0);
}

#[tokio::test]
async fn an_unreadable_ticket_is_a_recorded_failure_and_the_window_moves() {
    let mut r = rig();
    let t0 = base();
    r.fake.put(
        "a",
        t0 - TimeDelta::minutes(60),
        t0 - TimeDelta::minutes(20),
    );
    r.fake.put(
        "b",
        t0 - TimeDelta::minutes(60),
        t0 - TimeDelta::minutes(10),
    );
    r.fake
        .tickets
        .lock()
        .unwrap()
        .push(Ticket::new("sonar", "c"));
    r.fake.warnings.lock().unwrap().push(Error::Unreadable {
        provider: "sonar".into(),
        position: 2,
        why: "cannot be read (`id`: invalid type)".into(),
    });
    let report = r.run_at(t0).await.unwrap();
    assert_eq!((report.new, report.failed), (2, 2), "{report:?}");
    assert_eq!(
        r.state.cursor("sonar").unwrap().watermark,
        Some(t0 - TimeDelta::minutes(10)),
        "the window moved past the written tickets"
    );
    let failed = r.state.failures().unwrap();
    let rows: Vec<_> = failed
        .iter()
        .map(|f| (f.id.as_str(), f.error.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "(position 2)",
                "sonar: ticket 2 of the listing cannot be read (`id`: invalid type); skipped"
            ),
            (
                "c",
                "sonar: ticket c has no updated or created time; not synced"
            ),
        ]
    );
    // A position cannot be fetched again: a later run past its back-off leaves it as
    // it is (listed until `sync reset`) and retries only the real id.
    let later = r.run_at(t0 + TimeDelta::hours(1)).await.unwrap();
    assert_eq!(later.retried, 1, "{later:?}");
    assert_eq!(
        later.new + later.updated,
        0,
        "c is not written under a made-up time"
    );
    let after = r.state.failures().unwrap();
    assert_eq!(after[0].id, "(position 2)");
    assert_eq!(after[0].attempts, 2, "listed again, recorded again");
}

#[tokio::test]
async fn a_pager_that_stops_early_stops_the_run_and_keeps_the_window() {
    let mut r = rig();
    let t0 = base();
    r.fake.put(
        "a",
        t0 - TimeDelta::minutes(60),
        t0 - TimeDelta::minutes(20),
    );
    r.fake.warnings.lock().unwrap().push(Error::Partial {
        failed: vec![
            "stopped after 100000 pages, the most tix reads of one listing; narrow with --since/--until".into(),
        ],
    });
    let e = r.run_at(t0).await.unwrap_err();
    assert!(matches!(e, Error::Partial { .. }), "{e}");
    assert_eq!(r.state.cursor("sonar").unwrap().watermark, None);
    assert!(r.state.failures().unwrap().is_empty());
}

#[test]
fn only_a_ticket_the_listing_could_not_read_is_one_tickets_failure() {
    let decode = Error::Decode {
        provider: "sonar".into(),
        message: "the answer to GET /api/sonar/tickets/1 is not as documented".into(),
        source: None,
    };
    assert!(
        !stops_the_run(&decode),
        "one ticket's answer is that ticket's failure"
    );
}

// The paused clock makes the deadline exact: no race with a wall clock.
#[tokio::test(start_paused = true)]
async fn past_the_deadline_a_run_commits_what_it_wrote_and_the_window_stays() {
    let mut r = rig();
    let t0 = base();
    for i in 0..5 {
        r.fake.put(
            &format!("t{i}"),
            t0 - TimeDelta::minutes(60),
            t0 - TimeDelta::minutes(10 + i),
        );
    }
    *r.fake.delay.lock().unwrap() = Some(Duration::from_secs(1));
    r.settings.deadline = Some(tokio::time::Instant::now() + Duration::from_millis(2500));
    let report = r.run_at(t0).await.unwrap();
    assert!(report.out_of_time, "{report:?}");
    assert_eq!((report.new, report.failed), (2, 0));
    assert_eq!(r.written().len(), 2, "what was written is durable");
    assert_eq!(
        r.state.cursor("sonar").unwrap().watermark,
        None,
        "the window did not move past what was not read"
    );
    // The next run in time writes the other three, and only those.
    r.settings.deadline = None;
    let next = r.run_at(t0).await.unwrap();
    assert!(!next.out_of_time);
    assert_eq!(next.new, 3);
    assert_eq!(r.written().len(), 5);
    assert_eq!(
        r.state.cursor("sonar").unwrap().watermark,
        Some(t0 - TimeDelta::minutes(10))
    );
}

/// A file sink that fetches each ticket in full, two at a time, as ConnectWise does.
struct Fetching(FileSink);

#[async_trait::async_trait]
impl Sink for Fetching {
    fn cursor_name(&self, job: &str) -> String {
        self.0.cursor_name(job)
    }
    fn fetches_full(&self) -> bool {
        true
    }
    fn batch(&self) -> usize {
        2
    }
    fn begin(&mut self, job: &str, window: &Window, seq: u64) -> Result<()> {
        self.0.begin(job, window, seq)
    }
    async fn put(&mut self, st: &mut State, src: &dyn TicketSource, t: Ticket) -> Result<()> {
        self.0.put(st, src, t).await
    }
    async fn finish(&mut self, st: &mut State, src: &dyn TicketSource) -> Result<Option<PathBuf>> {
        self.0.finish(st, src).await
    }
    fn summary(&self, r: &Report) -> String {
        self.0.summary(r)
    }
}

#[tokio::test]
async fn progress_counts_the_tickets_read_then_each_one_a_fetching_sink_takes() {
    let mut r = rig();
    for (id, age) in [("a", 30), ("b", 20), ("c", 10)] {
        r.fake.put(id, ago(age + 60), ago(age));
    }
    let mut sink = Fetching(FileSink::new(Out::Dir(r.dir.path().join("out")), false));
    let seen = Mutex::new(Vec::new());
    let report = run(
        &mut r.state,
        &r.job,
        &mut sink,
        &r.settings,
        Utc::now(),
        &|p| seen.lock().unwrap().push(p),
    )
    .await
    .unwrap();
    assert_eq!(report.new, 3);
    let at = |read, sent| Progress {
        read,
        sent,
        to_send: 3,
    };
    // Across two batches (2 + 1), one step per ticket.
    assert_eq!(
        seen.into_inner().unwrap(),
        vec![at(3, 0), at(3, 1), at(3, 2), at(3, 3)]
    );
}
