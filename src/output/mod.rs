//! Printing tickets: one writer per `--output` format, each a format object over any
//! `io::Write` (aesthetics.md §2.10).
//!
//! Writers never look at the terminal or the environment: the CLI decides colour, width
//! and TTY-ness once and passes them in [`OutputOptions`], and tests hand in a `Vec<u8>`.
//! Writers use `out` exactly as given; block buffering (a `BufWriter`) is the caller's
//! choice, because only the caller knows whether someone is reading the pipe live.

pub mod chart;
mod csv;
mod detail;
mod fields;
mod jq;
mod json;
mod jsonl;
mod ocsf;
mod records;
pub mod sanitize;
mod table;
mod ticket_json;

use crate::model::{Priority, Status, Ticket};
use chrono::{DateTime, Utc};
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

pub use detail::write_detail;
pub use fields::parse_fields;
pub use jq::Jq;
pub use ocsf::OCSF_VERSION;
pub use records::{parse_record_fields, write_records};
pub use table::plain_table;

/// An `--output` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people; the only format that holds rows before printing.
    Table,
    /// One JSON array, streamed item by item.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// A header row, then one row per ticket.
    Csv,
    /// One OCSF Incident Finding (class 2005) per line.
    Ocsf,
}

impl Format {
    /// What `--output` accepts, in the order help lists them.
    pub const NAMES: [&'static str; 5] = ["table", "json", "jsonl", "csv", "ocsf"];

    /// The word `--output` takes for this format.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Ocsf => "ocsf",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = crate::Error;

    /// Accepts the names in [`Format::NAMES`], case-insensitively.
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            "ocsf" => Ok(Format::Ocsf),
            _ => Err(crate::Error::invalid(
                "--output",
                s,
                format!("one of: {}", Format::NAMES.join(", ")),
            )),
        }
    }
}

/// How to print; built by the CLI from flags and the terminal.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    /// Which writer [`writer`] builds.
    pub format: Format,
    /// `--fields`, already checked by [`parse_fields`]; `None` = the format's default
    /// columns or keys.
    pub fields: Option<Vec<String>>,
    /// Colour the table and the detail view. The CLI decides (TTY and no `NO_COLOR`).
    pub color: bool,
    /// Terminal width in columns for the table and the detail view; 0 = do not fit.
    pub width: usize,
    /// Stdout is a terminal.
    pub tty: bool,
    /// When the command started (the footer's and the detail view's reference).
    pub now: DateTime<Utc>,
    /// `--jq`: print the filter's results over the JSON the format would print.
    pub jq: Option<Jq>,
    /// `--csv-raw`: CSV cells exactly as the provider sent them, without the leading `'`
    /// that keeps a spreadsheet from reading `=`, `+`, `-`, `@` as a formula.
    pub csv_raw: bool,
    /// `--wide`: every column, whole ids, nothing cut.
    pub wide: bool,
    /// `--utc`: times in tables and the detail view in UTC instead of local time.
    pub utc: bool,
}

/// A sink for tickets in one output format.
///
/// Call [`write`](TicketWriter::write) once per ticket, in order, then
/// [`finish`](TicketWriter::finish) once. Streaming formats have written the ticket to
/// `out` when `write` returns; the table writes everything in `finish`. Errors are the
/// underlying `io::Error`, kind preserved: a closed pipe comes back as `BrokenPipe`,
/// which the caller may treat as success.
pub trait TicketWriter {
    /// Writes one ticket (or, for the table, keeps its row).
    fn write(&mut self, ticket: &Ticket) -> io::Result<()>;
    /// Writes what must come last (json's `]`, the table) and flushes.
    fn finish(&mut self) -> io::Result<()>;
    /// How many tickets were written so far.
    fn count(&self) -> u64;
    /// Hands what was written so far to the reader (the CLI calls it when no more
    /// tickets are at hand, so a pipe sees rows as pages arrive). The table prints
    /// nothing before `finish`, so by default this does nothing.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The writer for `opts.format`, printing into `out`.
///
/// An empty result prints nothing, except json, which prints `[]` so that the output
/// is always one JSON document.
pub fn writer<'a>(
    opts: &OutputOptions,
    out: Box<dyn Write + Send + 'a>,
) -> Box<dyn TicketWriter + Send + 'a> {
    let fields = opts.fields.clone();
    if let Some(jq) = &opts.jq {
        let shape = match opts.format {
            Format::Ocsf => jq::Shape::Ocsf(opts.now),
            _ => jq::Shape::Ticket(fields),
        };
        let array = opts.format == Format::Json;
        return Box::new(jq::JqWriter::new(out, jq.clone(), shape, array));
    }
    match opts.format {
        Format::Table => Box::new(table::TableWriter::new(opts, out)),
        Format::Json => Box::new(json::JsonWriter::new(out, fields)),
        Format::Jsonl => Box::new(jsonl::JsonlWriter::new(out, fields)),
        Format::Csv => Box::new(csv::CsvWriter::new(out, fields, opts.csv_raw)),
        Format::Ocsf => Box::new(ocsf::OcsfWriter::new(opts, out)),
    }
}

/// A time as people read it in tables and the detail view, one style everywhere:
/// `2026-12-04 09:15`, local time (UTC with `--utc`). JSON and CSV keep RFC 3339 UTC.
fn time_text(opts: &OutputOptions, t: DateTime<Utc>) -> String {
    const STYLE: &str = "%Y-%m-%d %H:%M";
    if opts.utc {
        t.format(STYLE).to_string()
    } else {
        t.with_timezone(&chrono::Local).format(STYLE).to_string()
    }
}

/// A JSON string that is an RFC 3339 time, in [`time_text`]'s style (record tables).
fn time_text_of(opts: &OutputOptions, s: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| time_text(opts, t.with_timezone(&Utc)))
}

/// `s` without control characters, so that a title or description a provider sends
/// cannot move the cursor or recolour the terminal (ESC sequences) or break a table
/// row. Tabs become spaces; newlines are kept only when `keep_newlines`.
fn printable(s: &str, keep_newlines: bool) -> String {
    let s = s.replace("\r\n", "\n");
    s.chars()
        .filter_map(|c| match c {
            '\n' if keep_newlines => Some('\n'),
            '\t' | '\n' | '\r' => Some(' '),
            c if sanitize::is_hostile(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Provider text for one terminal line (a `tix watch` event, an error): control and
/// escape characters dropped, line breaks and tabs as spaces.
pub fn one_line(s: &str) -> String {
    printable(s, false)
}

/// The colour a status or priority word gets, shared by the table and the detail view
/// so the two never disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    Red,
    Yellow,
    Green,
    Cyan,
    Blue,
    /// Done with: closed and resolved tickets, low priority.
    Dim,
}

impl Tone {
    fn of_status(s: Status) -> Tone {
        match s {
            Status::New => Tone::Cyan,
            Status::Open => Tone::Green,
            Status::InProgress => Tone::Blue,
            // The provider waits for us: the one status that asks the reader to act.
            Status::WaitingCustomer => Tone::Yellow,
            Status::WaitingProvider | Status::Unknown => Tone::Plain,
            Status::Resolved | Status::Closed => Tone::Dim,
        }
    }

    fn of_priority(p: Priority) -> Tone {
        match p {
            Priority::Critical => Tone::Red,
            Priority::High => Tone::Yellow,
            Priority::Medium | Priority::Unknown => Tone::Plain,
            Priority::Low => Tone::Dim,
        }
    }

    /// The ANSI SGR parameters for this tone (the detail view writes escapes itself).
    fn sgr(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Red => Some("1;31"),
            Tone::Yellow => Some("33"),
            Tone::Green => Some("32"),
            Tone::Cyan => Some("36"),
            Tone::Blue => Some("34"),
            Tone::Dim => Some("2"),
        }
    }

    fn color(self) -> Option<comfy_table::Color> {
        use comfy_table::Color;
        match self {
            Tone::Plain => None,
            Tone::Red => Some(Color::Red),
            Tone::Yellow => Some(Color::Yellow),
            Tone::Green => Some(Color::Green),
            Tone::Cyan => Some(Color::Cyan),
            Tone::Blue => Some(Color::Blue),
            Tone::Dim => Some(Color::DarkGrey),
        }
    }
}

/// Tickets the writers' tests print: two providers, a tenant, assignees, a closed time,
/// a title with a comma, quotes and non-ASCII text, and one long enough to truncate.
#[cfg(test)]
mod sample {
    use super::OutputOptions;
    use crate::model::{Comment, Priority, Status, Tenant, Ticket};
    use chrono::{DateTime, TimeZone, Utc};

    pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// 2026-10-01T12:00:00Z.
    pub fn now() -> DateTime<Utc> {
        at(2026, 10, 1, 12, 0)
    }

    pub fn opts(format: super::Format) -> OutputOptions {
        OutputOptions {
            format,
            fields: None,
            color: false,
            width: 100,
            tty: false,
            now: now(),
            jq: None,
            csv_raw: false,
            wide: false,
            utc: true,
        }
    }

    /// `opts(format)` with `--fields` set.
    pub fn with_fields(format: super::Format, fields: Option<Vec<String>>) -> OutputOptions {
        OutputOptions {
            fields,
            ..opts(format)
        }
    }

    /// The first `n` sample tickets through the writer `opts` picks. `finish` runs twice:
    /// a second call must add nothing.
    pub fn print(opts: &OutputOptions, n: usize) -> String {
        let mut buf = Vec::new();
        let mut w = super::writer(opts, Box::new(&mut buf));
        for t in tickets().iter().take(n) {
            w.write(t).unwrap();
        }
        w.finish().unwrap();
        w.finish().unwrap();
        assert_eq!(w.count(), n as u64);
        drop(w);
        String::from_utf8(buf).unwrap()
    }

    pub fn tickets() -> Vec<Ticket> {
        let mut a = Ticket::new("argus", "8812345");
        a.tenant = Some(Tenant {
            id: Some("c-17".into()),
            name: Some("Acme Corp".into()),
            pod: None,
        });
        a.title = Some("Suspicious PowerShell, \"encoded\" command on WS-042 — Zürich".into());
        a.description = Some("Encoded command spawned by winword.exe.\nHost isolated.".into());
        a.status = Status::WaitingCustomer;
        a.status_raw = Some("pendingCustomer".into());
        a.priority = Priority::Critical;
        a.priority_raw = Some("critical".into());
        a.kind = Some("securityIncident".into());
        a.created = Some(at(2026, 10, 1, 11, 55));
        a.updated = Some(at(2026, 10, 1, 9, 0));
        a.assignees = vec!["Ana Souza".into(), "Björn Ek".into()];
        a.url = Some("https://portal.mnemonic.no/spa/case/view/8812345".into());

        let mut b = Ticket::new("cyderes", "5f0c2a9e");
        b.number = Some("CYD-1001".into());
        b.title = Some("Phishing report: invoice.pdf".into());
        b.status = Status::Closed;
        b.status_raw = Some("Closed".into());
        b.priority = Priority::Low;
        b.priority_raw = Some("4 - Low".into());
        b.kind = Some("Incident".into());
        b.created = Some(at(2026, 8, 1, 8, 30));
        b.updated = Some(at(2026, 8, 3, 17, 5));
        b.closed = Some(at(2026, 8, 3, 17, 5));

        let mut c = Ticket::new("sonar", "g-4471");
        c.tenant = Some(Tenant {
            id: Some("site-9".into()),
            name: None,
            pod: None,
        });
        c.title = Some(
            "Multiple failed logins followed by a successful login from a new country \
             for svc-backup on the domain controller"
                .into(),
        );
        c.status = Status::InProgress;
        c.status_raw = Some("in progress".into());
        c.priority = Priority::High;
        c.priority_raw = Some("high".into());
        c.created = Some(at(2026, 9, 28, 12, 0));
        c.assignees = vec!["SOC Tier 2".into()];
        c.comments = Some(vec![
            Comment {
                id: Some("n-1".into()),
                author: Some("Ana Souza".into()),
                created: Some(at(2026, 9, 28, 12, 30)),
                body: "Blocked the source IP at the edge. Please confirm whether svc-backup \
                       is expected to log in from outside the EU."
                    .into(),
                internal: Some(false),
            },
            Comment {
                id: Some("n-2".into()),
                author: None,
                created: None,
                body: "Escalated to tier 2.".into(),
                internal: Some(true),
            },
        ]);
        vec![a, b, c]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_parse_and_print() {
        for name in Format::NAMES {
            let f: Format = name.parse().unwrap();
            assert_eq!(f.to_string(), name);
        }
        assert_eq!("JSONL".parse::<Format>().unwrap(), Format::Jsonl);
    }

    #[test]
    fn unknown_format_names_the_flag_and_the_choices() {
        let err = "yaml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value 'yaml' for --output: one of: table, json, jsonl, csv, ocsf"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn one_time_style_in_utc_or_local() {
        let mut o = sample::opts(Format::Table);
        assert_eq!(
            time_text(&o, sample::at(2026, 12, 4, 9, 15)),
            "2026-12-04 09:15"
        );
        o.utc = false;
        let local = sample::at(2026, 12, 4, 9, 15).with_timezone(&chrono::Local);
        assert_eq!(
            time_text(&o, sample::at(2026, 12, 4, 9, 15)),
            local.format("%Y-%m-%d %H:%M").to_string()
        );
        o.utc = true;
        assert_eq!(
            time_text_of(&o, "2026-09-30T07:05:00Z").as_deref(),
            Some("2026-09-30 07:05")
        );
        assert_eq!(time_text_of(&o, "not a time"), None);
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let s = "ok\x1b[2J\r\nnext\tcol\x07";
        assert_eq!(printable(s, true), "ok[2J\nnext col");
        assert_eq!(printable(s, false), "ok[2J next col");
    }

    #[test]
    fn a_closed_pipe_comes_back_as_broken_pipe() {
        struct ClosedPipe;
        impl Write for ClosedPipe {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        for format in Format::NAMES {
            let opts = sample::opts(format.parse().unwrap());
            let mut w = writer(&opts, Box::new(ClosedPipe));
            let tickets = sample::tickets();
            // csv buffers a row internally, so the error may surface on finish.
            let err = tickets
                .iter()
                .try_for_each(|t| w.write(t))
                .and_then(|()| w.finish())
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{format}");
        }
    }
}
