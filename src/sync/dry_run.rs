//! `tix sync --dry-run`: the same engine over a copy of the state, into a sink that only
//! prints what the real one would be given, one line per ticket:
//! `<target>\t<id>\t<updated>\t<title>`. No file is written, no lock taken, and the real
//! state is only read (a consistent copy, `State::snapshot`), so a later real run does
//! exactly what it would have done without the look.

use super::engine::Report;
use super::files::Out;
use super::sink::Sink;
use super::state::State;
use super::window::{Window, stamp};
use crate::error::Result;
use crate::model::Ticket;
use crate::output::sanitize;
use crate::source::TicketSource;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

/// Where the real run would put the tickets.
#[derive(Debug, Clone)]
pub enum Destination {
    /// `--out`: a file per run and source, or stdout.
    Files(Out),
    /// Another sink (ConnectWise), as the user should read it.
    Described(String),
}

/// The sink of a dry run.
pub struct DryRun {
    destination: Destination,
    /// The real sink's cursor name for each job: the dry run reads the same window.
    cursors: HashMap<String, String>,
    /// The target of the run in progress.
    target: String,
    out: Box<dyn Write + Send>,
}

impl DryRun {
    /// A dry run of `destination`, with the real sink's cursor names by job, printing to
    /// `out`.
    pub fn new(
        destination: Destination,
        cursors: HashMap<String, String>,
        out: Box<dyn Write + Send>,
    ) -> DryRun {
        DryRun {
            destination,
            cursors,
            target: String::new(),
            out,
        }
    }
}

#[async_trait::async_trait]
impl Sink for DryRun {
    fn cursor_name(&self, job: &str) -> String {
        self.cursors
            .get(job)
            .cloned()
            .unwrap_or_else(|| job.to_owned())
    }

    fn begin(&mut self, job: &str, window: &Window, seq: u64) -> Result<()> {
        self.target = match &self.destination {
            Destination::Files(Out::Dir(dir)) => {
                let (date, name) = window.file_name(seq);
                dir.join(job).join(date).join(name).display().to_string()
            }
            Destination::Files(Out::Stdout) => "stdout".into(),
            Destination::Described(d) => d.clone(),
        };
        Ok(())
    }

    async fn put(
        &mut self,
        _state: &mut State,
        _source: &dyn TicketSource,
        ticket: Ticket,
    ) -> Result<()> {
        let updated = ticket.updated.or(ticket.created);
        writeln!(
            self.out,
            "{}\t{}\t{}\t{}",
            sanitize::line(&self.target),
            sanitize::line(&ticket.id),
            updated.as_ref().map(stamp).unwrap_or_default(),
            sanitize::line(ticket.title.as_deref().unwrap_or_default()),
        )?;
        Ok(())
    }

    async fn finish(
        &mut self,
        _state: &mut State,
        _source: &dyn TicketSource,
    ) -> Result<Option<PathBuf>> {
        self.out.flush()?;
        Ok(None)
    }

    fn summary(&self, r: &Report) -> String {
        format!(
            "{}: would write {} new, {} updated{} to {} (dry run: nothing written, state unchanged)",
            r.name,
            r.new,
            r.updated,
            r.failed_note(),
            self.target
        )
    }
}
