//! The file sink: one durable JSON Lines file per run and source, or stdout.
//!
//! A file is written through [`AtomicFile`] (temporary file in the same directory, fsync,
//! rename, fsync of the directory), so a run killed at any point leaves either no file
//! or the whole file under its final name; directories created on the way are fsynced
//! too, so the rename cannot outlive its own directory entry.

use super::crash;
use super::engine::Report;
use super::sink::Sink;
use super::state::State;
use super::window::Window;
use crate::atomic_file::{AtomicFile, sync_dir};
use crate::error::Result;
use crate::model::Ticket;
use crate::source::TicketSource;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where `--out` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Dir(PathBuf),
    Stdout,
}

/// `tix sync --out`: each run's tickets as one file (or on stdout), with their comments
/// when asked.
pub struct FileSink {
    pub out: Out,
    pub with_comments: bool,
    run: Option<Output>,
}

impl FileSink {
    pub fn new(out: Out, with_comments: bool) -> FileSink {
        FileSink {
            out,
            with_comments,
            run: None,
        }
    }
}

#[async_trait::async_trait]
impl Sink for FileSink {
    fn cursor_name(&self, job: &str) -> String {
        job.to_owned()
    }

    fn begin(&mut self, job: &str, window: &Window, seq: u64) -> Result<()> {
        self.run = Some(Output::new(&self.out, job, window.file_name(seq)));
        Ok(())
    }

    async fn put(
        &mut self,
        _state: &mut State,
        source: &dyn TicketSource,
        mut ticket: Ticket,
    ) -> Result<()> {
        if self.with_comments {
            ticket.comments = Some(source.comments(&ticket.id).await?);
        }
        self.run
            .as_mut()
            .expect("begin comes before put")
            .write(&ticket)
    }

    async fn finish(
        &mut self,
        state: &mut State,
        _source: &dyn TicketSource,
    ) -> Result<Option<PathBuf>> {
        // The rename under the fence: a hung run that wakes after a newer one took its
        // lock must not put its older file over the newer run's of the same name.
        match self.run.take() {
            Some(run) => state.fenced(|| run.commit()),
            None => Ok(None),
        }
    }

    /// The temporary file goes with its writer.
    fn abort(&mut self) {
        self.run = None;
    }

    fn summary(&self, r: &Report) -> String {
        // `sonar: 12 new, 3 updated in 2.1 s`
        format!(
            "{}: {} new, {} updated{} in {:.1} s",
            r.name,
            r.new,
            r.updated,
            r.failed_note(),
            r.elapsed.as_secs_f64()
        )
    }
}

/// The output of one source's run. Nothing is created until the first ticket.
pub struct Output {
    target: Target,
    written: u64,
}

enum Target {
    File {
        dest: PathBuf,
        open: Option<BufWriter<AtomicFile>>,
    },
    Stdout(BufWriter<std::io::Stdout>),
}

impl Output {
    /// An output for `DIR/<source>/<date>/<name>`, or for stdout.
    pub fn new(out: &Out, source: &str, (date, name): (String, String)) -> Output {
        let target = match out {
            Out::Dir(dir) => Target::File {
                dest: dir.join(source).join(date).join(name),
                open: None,
            },
            Out::Stdout => Target::Stdout(BufWriter::with_capacity(64 * 1024, std::io::stdout())),
        };
        Output { target, written: 0 }
    }

    pub fn write(&mut self, ticket: &Ticket) -> Result<()> {
        let (w, what): (&mut dyn Write, &Path) = match &mut self.target {
            Target::Stdout(w) => (w, Path::new("stdout")),
            Target::File { dest, open } => {
                if open.is_none() {
                    let file = start(dest).map_err(|e| blame(dest, e))?;
                    *open = Some(BufWriter::with_capacity(256 * 1024, file));
                }
                (open.as_mut().expect("just opened"), dest.as_path())
            }
        };
        serde_json::to_writer(&mut *w, ticket)
            .map_err(std::io::Error::from)
            .and_then(|()| w.write_all(b"\n"))
            .map_err(|e| blame(what, e))?;
        self.written += 1;
        if self.written == 1 {
            crash::point("first-ticket");
        }
        Ok(())
    }

    /// Makes what was written durable; answers the file's path when one was written.
    pub fn commit(self) -> Result<Option<PathBuf>> {
        match self.target {
            Target::Stdout(mut w) => {
                w.flush().map_err(|e| blame(Path::new("stdout"), e))?;
                Ok(None)
            }
            Target::File { open: None, .. } => Ok(None),
            Target::File {
                dest,
                open: Some(w),
            } => {
                let file = w.into_inner().map_err(|e| blame(&dest, e.into_error()))?;
                crash::point("before-rename");
                // The same name as a run killed after its rename and before its state
                // commit: this run saw everything that one did, so it replaces it.
                file.commit(&dest, true).map_err(|e| blame(&dest, e))?;
                crash::point("after-rename");
                Ok(Some(dest))
            }
        }
    }
}

/// An output error that names the output (`--out`'s file, or stdout), not the provider
/// or the state; the kind is kept, so a reader gone away is still a broken pipe.
fn blame(what: &Path, e: std::io::Error) -> crate::error::Error {
    crate::error::Error::Io(std::io::Error::new(
        e.kind(),
        format!("writing {}: {e}", what.display()),
    ))
}

/// Creates the file's directories durably, clears temporary files a killed run left
/// there (the caller holds the run lock, so none is in use), and starts the file.
fn start(dest: &Path) -> std::io::Result<AtomicFile> {
    let dir = dest.parent().expect("dest has a directory");
    create_dirs(dir)?;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tix-") && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    // Tickets are no secret: the file gets what the umask allows, like any other output.
    AtomicFile::shared_in(dir)
}

/// `create_dir_all`, then an fsync of the parent of every directory it made.
fn create_dirs(dir: &Path) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut at = dir;
    while !at.exists() {
        missing.push(at.to_path_buf());
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => break,
        }
    }
    std::fs::create_dir_all(dir)?;
    for d in missing.iter().rev() {
        if let Some(parent) = d.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: &str) -> Ticket {
        Ticket::new("sonar", id.to_string())
    }

    #[test]
    fn a_file_appears_whole_at_commit_and_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let out = Out::Dir(dir.path().to_path_buf());
        let mut sink = Output::new(
            &out,
            "sonar",
            ("2026-12-03".into(), "a-000001.jsonl".into()),
        );
        sink.write(&ticket("1")).unwrap();
        sink.write(&ticket("2")).unwrap();
        let day = dir.path().join("sonar/2026-12-03");
        assert_eq!(
            std::fs::read_dir(&day).unwrap().count(),
            1,
            "only the temporary file"
        );
        assert!(!day.join("a-000001.jsonl").exists());
        let path = sink.commit().unwrap().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let ids: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(std::fs::read_dir(&day).unwrap().count(), 1);
    }

    #[test]
    fn nothing_written_means_no_file_and_no_directory() {
        let dir = tempfile::tempdir().unwrap();
        let sink = Output::new(
            &Out::Dir(dir.path().to_path_buf()),
            "sonar",
            ("d".into(), "n".into()),
        );
        assert_eq!(sink.commit().unwrap(), None);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn leftovers_of_a_killed_run_are_cleared_and_a_redo_replaces_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let day = dir.path().join("sonar/d");
        std::fs::create_dir_all(&day).unwrap();
        std::fs::write(day.join(".tix-abc.tmp"), "half").unwrap();
        std::fs::write(day.join("n.jsonl"), "old\n").unwrap();
        let mut sink = Output::new(
            &Out::Dir(dir.path().to_path_buf()),
            "sonar",
            ("d".into(), "n.jsonl".into()),
        );
        sink.write(&ticket("9")).unwrap();
        sink.commit().unwrap();
        let names: Vec<_> = std::fs::read_dir(&day)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["n.jsonl"]);
        assert!(
            std::fs::read_to_string(day.join("n.jsonl"))
                .unwrap()
                .contains("\"9\"")
        );
    }
}
