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
    /// CSV cells exactly as sent: no leading ' before =, +, -, @, TAB or CR (which a
    /// spreadsheet would otherwise run as a formula).
    #[arg(long)]
    pub csv_raw: bool,
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
        Ok(OutputOptions {
            format,
            fields,
            color: io.color,
            width: io.width,
            tty: io.stdout_tty,
            now: chrono::Utc::now(),
            csv_raw: self.csv_raw,
        })
    }
}
