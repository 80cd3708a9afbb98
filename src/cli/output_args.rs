//! `-o/--output` and `--fields`, shared by the verbs that print tickets.

use super::Io;
use crate::error::Result;
use crate::output::{Format, OutputOptions, parse_fields, parse_record_fields};

#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(short = 'o', long = "output", value_name = "FORMAT", value_parser = ["table", "json", "jsonl", "csv"])]
    pub output: Option<String>,
    /// Keys/columns to print, comma-separated (e.g. id,status,title,tenant.name).
    #[arg(long, value_name = "A,B,...")]
    pub fields: Option<String>,
    /// Tables: every column, whole ids, nothing cut.
    #[arg(long)]
    pub wide: bool,
    /// Tables: fit this many columns [default: the terminal's width; piped: no limit].
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,
    /// Tables and the detail view: times in UTC instead of local time.
    #[arg(long)]
    pub utc: bool,
}

impl OutputArgs {
    /// Checks the flags and decides the format from the terminal.
    pub fn options(&self, io: &Io) -> Result<OutputOptions> {
        let fields = self.fields.as_deref().map(parse_fields).transpose()?;
        self.build(io, fields)
    }

    /// Like [`options`](Self::options) for lists of other records, whose keys are `keys`.
    pub fn record_options(&self, io: &Io, keys: &[&str]) -> Result<OutputOptions> {
        let fields = self
            .fields
            .as_deref()
            .map(|f| parse_record_fields(f, keys))
            .transpose()?;
        self.build(io, fields)
    }

    fn build(&self, io: &Io, fields: Option<Vec<String>>) -> Result<OutputOptions> {
        let format = match &self.output {
            Some(o) => o.parse::<Format>()?,
            None if io.stdout_tty => Format::Table,
            None => Format::Jsonl,
        };
        // A table fits the terminal; piped, it is cut only when --width asks.
        let width = match self.width {
            Some(w) if w < 20 => {
                return Err(crate::Error::invalid("--width", w, "at least 20 columns"));
            }
            Some(w) => w,
            None if io.stdout_tty => io.width,
            None => 0,
        };
        Ok(OutputOptions {
            format,
            fields,
            color: io.color,
            width,
            tty: io.stdout_tty,
            now: chrono::Utc::now(),
            wide: self.wide,
            utc: self.utc,
        })
    }
}
