use super::*;
use crate::model::Ticket;
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
        crate::source::Capabilities::default()
    }
    fn explain(&self, _q: &Query) -> Result<String> {
        Ok(String::new())
    }
    fn list(&self, _q: &Query) -> BoxStream<'static, Result<Ticket>> {
        let mut items: Vec<Result<Ticket>> = self
            .tickets
            .lock()
            .unwrap()
            .iter()
            .cloned()
            .map(Ok)
            .collect();
        if *self.fail.lock().unwrap() {
            items.insert(1, Err(Error::Config("page 2 failed".into())));
        }
        stream::iter(items).boxed()
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
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(&dir.path().join("state.db")).unwrap();
    let fake = Fake::default();
    let job = Job {
        name: "sonar".into(),
        source: Box::new(fake.clone()),
    };
    let settings = Settings {
        out: Out::Dir(dir.path().join("out")),
        overlap: Duration::from_secs(600),
        with_comments: false,
        page_size: None,
    };
    Rig {
        dir,
        state,
        fake,
        job,
        settings,
    }
}

impl Rig {
    async fn run(&mut self) -> Result<Report> {
        run(&mut self.state, &self.job, &self.settings, &|_| {}).await
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
    r.settings.out = Out::Stdout;
    r.fake.put("a", ago(60), ago(30));
    assert_eq!(r.run().await.unwrap().new, 1);
    assert_eq!(r.run().await.unwrap().new, 0);
}
