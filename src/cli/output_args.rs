//! `-o/--output` and `--fields`, shared by the verbs that print tickets.

use super::Io;
use crate::error::Result;
use crate::output::{Format, Jq, OutputOptions, parse_fields, parse_record_fields};

#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(short = 'o', long = "output", value_name = "FORMAT", value_parser = ["table", "json", "jsonl", "csv", "ocsf"])]
    pub output: Option<String>,
    /// Keys/columns to print, comma-separated (e.g. id,status,title,tenant.name).
    #[arg(long, value_name = "A,B,...")]
    pub fields: Option<String>,
    /// Filter the JSON output through this jq expression, one compact result per line
    /// (as `jq -c`); with -o json|jsonl|ocsf [default: jsonl].
    #[arg(long, value_name = "EXPR")]
    pub jq: Option<String>,
    /// CSV cells exactly as sent: no leading ' before =, +, -, @, TAB or CR (which a
    /// spreadsheet would otherwise run as a formula).
    #[arg(long)]
    pub csv_raw: bool,
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
        if self.output.as_deref() == Some("ocsf") {
            return Err(crate::Error::invalid(
                "--output",
                "ocsf",
                "only where tickets are printed; here one of: table, json, jsonl, csv",
            ));
        }
        self.build(io, fields)
    }

    fn build(&self, io: &Io, fields: Option<Vec<String>>) -> Result<OutputOptions> {
        let format = match &self.output {
            Some(o) => o.parse::<Format>()?,
            // A jq filter prints JSON whatever the terminal.
            None if io.stdout_tty && self.jq.is_none() => Format::Table,
            None => Format::Jsonl,
        };
        let jq = self.jq_filter(format)?;
        if format == Format::Ocsf && fields.is_some() {
            return Err(crate::Error::invalid(
                "--fields",
                self.fields.as_deref().unwrap_or_default(),
                "not with -o ocsf, whose keys are OCSF's (use --jq to pick)",
            ));
        }
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
            jq,
            csv_raw: self.csv_raw,
            wide: self.wide,
            utc: self.utc,
        })
    }

    /// `--jq`, compiled, for a format that prints JSON.
    fn jq_filter(&self, format: Format) -> Result<Option<Jq>> {
        let Some(expr) = &self.jq else {
            return Ok(None);
        };
        if !matches!(format, Format::Json | Format::Jsonl | Format::Ocsf) {
            return Err(crate::Error::invalid(
                "--jq",
                expr,
                format!("only with -o json, jsonl or ocsf, not -o {format}"),
            ));
        }
        Jq::parse(expr).map(Some)
    }
}
