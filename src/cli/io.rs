//! The one place that asks whether stdout and stderr are terminals.

use super::logging;
use crate::output::sanitize;
use std::io::IsTerminal;

/// What the process writes to, decided once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Io {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Colour on stdout: a terminal, and neither `NO_COLOR` nor `CLICOLOR=0`.
    pub color: bool,
    /// Terminal columns for tables.
    pub width: usize,
}

impl Io {
    /// The real streams. `TIX_FORCE_TTY=1` makes stdout count as a terminal (for `fzf
    /// --preview` and tests of the terminal layout); `COLUMNS` sets the width.
    pub fn system() -> Self {
        let forced = std::env::var_os("TIX_FORCE_TTY").is_some_and(|v| !v.is_empty() && v != "0");
        let stdout_tty = forced || std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("CLICOLOR").is_ok_and(|v| v == "0");
        let force_color = std::env::var("CLICOLOR_FORCE").is_ok_and(|v| !v.is_empty() && v != "0");
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse::<usize>().ok())
            .filter(|w| *w >= 20)
            .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
            .unwrap_or(100);
        Io {
            stdout_tty,
            stderr_tty,
            color: !no_color && (stdout_tty || force_color),
            width,
        }
    }
}

impl Io {
    /// Standard output: line-buffered on a terminal, so a person sees each ticket as it
    /// arrives; block-buffered otherwise (pipes, files). Writers flush when they finish.
    pub fn out(&self) -> Box<dyn std::io::Write + Send> {
        if self.stdout_tty {
            Box::new(std::io::LineWriter::new(std::io::stdout()))
        } else {
            Box::new(std::io::BufWriter::with_capacity(
                64 * 1024,
                std::io::stdout(),
            ))
        }
    }

    /// A one-line note for a person: on stderr, and only when stderr is a terminal, so
    /// cron and pipelines see nothing on success. Sanitized like every line on stderr.
    pub fn note(&self, msg: &str) {
        if self.stderr_tty {
            eprintln!("{}", sanitize::line(msg));
        }
    }

    /// A warning that always goes to stderr (partial failures, truncation): sanitized,
    /// since it often quotes a provider, and said once (`logging::finish` counts repeats).
    pub fn warn(&self, msg: &str) {
        if logging::first_time(msg) {
            eprintln!("tix: warning: {}", sanitize::line(msg));
        }
    }

    /// The error that ends the run, sanitized: provider text travels inside errors.
    pub fn error(&self, msg: &str) {
        eprintln!("tix: {}", sanitize::line(msg));
    }
}
