//! `-o csv`: a header row, then one row per ticket as it arrives (RFC 4180 quoting by the
//! `csv` crate). An empty result prints nothing, not even the header.
//!
//! A CSV file is opened in a spreadsheet, which runs a cell starting with `=`, `+`, `-` or
//! `@` as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`), and a provider's title is
//! text an attacker may have written. Such cells get a leading `'`, as OWASP's "CSV
//! Injection" page advises; `--csv-raw` writes them as sent.

use super::TicketWriter;
use super::fields::{columns, text};
use crate::model::Ticket;
use std::io::{self, Write};

/// The columns without `--fields`: every flat key of the schema, the tenant split into
/// its parts, and no `comments` or `raw` (not one cell's worth).
const DEFAULT_COLUMNS: &[&str] = &[
    "provider",
    "id",
    "number",
    "tenant.id",
    "tenant.name",
    "title",
    "status",
    "status_raw",
    "priority",
    "priority_raw",
    "type",
    "created",
    "updated",
    "closed",
    "assignees",
    "url",
    "description",
];

pub(super) struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    columns: Vec<String>,
    count: u64,
    raw: bool,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W, fields: Option<Vec<String>>, raw: bool) -> Self {
        CsvWriter {
            csv: csv::Writer::from_writer(out),
            columns: columns(&fields, DEFAULT_COLUMNS),
            count: 0,
            raw,
        }
    }
}

/// The first characters a spreadsheet reads as the start of a formula (OWASP): `=`, `+`,
/// `-`, `@`, and TAB and CR, which some spreadsheets skip before looking for them.
const FORMULA_START: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet shows as text: a leading `'` before a formula start, unless `raw`.
pub(super) fn cell(value: String, raw: bool) -> String {
    if !raw && value.starts_with(FORMULA_START) {
        format!("'{value}")
    } else {
        value
    }
}

impl<W: Write> TicketWriter for CsvWriter<W> {
    fn write(&mut self, ticket: &Ticket) -> io::Result<()> {
        if self.count == 0 {
            self.csv.write_record(&self.columns).map_err(io_error)?;
        }
        let raw = self.raw;
        let row = self
            .columns
            .iter()
            .map(|k| cell(text(&ticket.field(k), "; "), raw));
        self.csv.write_record(row).map_err(io_error)?;
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.csv.flush()
    }

    fn count(&self) -> u64 {
        self.count
    }

    fn flush(&mut self) -> io::Result<()> {
        self.csv.flush()
    }
}

/// The io error inside a csv error, kind intact: csv's own `From` wraps every error as
/// `ErrorKind::Other`, which would hide a `BrokenPipe` from the caller.
fn io_error(err: csv::Error) -> io::Error {
    if !err.is_io_error() {
        return io::Error::other(err);
    }
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        kind => io::Error::other(format!("{kind:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, sample};

    fn print(fields: Option<Vec<String>>, n: usize) -> String {
        sample::print(&sample::with_fields(Format::Csv, fields), n)
    }

    #[test]
    fn rows_round_trip_through_a_csv_reader() {
        let out = print(None, 2);
        let mut r = csv::Reader::from_reader(out.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header.join(","),
            "provider,id,number,tenant.id,tenant.name,title,status,status_raw,priority,\
             priority_raw,type,created,updated,closed,assignees,url,description"
        );
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        let cell = |row: usize, key: &str| {
            let i = header.iter().position(|h| h == key).unwrap();
            rows[row][i].to_owned()
        };
        assert_eq!(
            cell(0, "title"),
            "Suspicious PowerShell, \"encoded\" command on WS-042 — Zürich"
        );
        assert_eq!(cell(0, "assignees"), "Ana Souza; Björn Ek");
        assert_eq!(cell(0, "tenant.name"), "Acme Corp");
        assert_eq!(cell(0, "closed"), "");
        assert_eq!(
            cell(0, "description"),
            "Encoded command spawned by winword.exe.\nHost isolated."
        );
        assert_eq!(cell(1, "number"), "CYD-1001");
        assert_eq!(cell(1, "tenant.id"), "");
        assert_eq!(cell(1, "closed"), "2026-08-03T17:05:00Z");
        assert_eq!(cell(1, "priority_raw"), "4 - Low");
    }

    #[test]
    fn the_title_is_quoted_as_rfc_4180_says() {
        let out = print(Some(vec!["id".into(), "title".into()]), 1);
        assert_eq!(
            out,
            "id,title\n8812345,\"Suspicious PowerShell, \"\"encoded\"\" command on WS-042 — Zürich\"\n"
        );
    }

    #[test]
    fn fields_choose_columns_and_objects_print_as_json() {
        let fields = ["tenant", "status", "provider"].map(String::from).to_vec();
        let out = print(Some(fields), 2);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "tenant,status,provider");
        assert_eq!(
            lines[1],
            r#""{""id"":""c-17"",""name"":""Acme Corp"",""pod"":null}",waiting_customer,argus"#
        );
        assert_eq!(lines[2], ",closed,cyderes");
    }

    #[test]
    fn formula_cells_are_text_unless_raw() {
        use super::cell;
        for (input, safe) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("a=1", "a=1"),
            ("", ""),
            ("Zürich", "Zürich"),
        ] {
            assert_eq!(cell(input.to_owned(), false), safe, "{input:?}");
            assert_eq!(cell(input.to_owned(), true), input, "{input:?}");
        }
    }

    #[test]
    fn a_formula_title_reaches_the_file_as_text() {
        let mut opts = sample::with_fields(Format::Csv, Some(vec!["id".into(), "title".into()]));
        let mut buf = Vec::new();
        let mut t = sample::tickets().remove(0);
        t.title = Some("=cmd|' /C calc'!A0".into());
        {
            let mut w = crate::output::writer(&opts, Box::new(&mut buf));
            w.write(&t).unwrap();
            w.finish().unwrap();
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "id,title\n8812345,'=cmd|' /C calc'!A0\n"
        );
        opts.csv_raw = true;
        let mut buf = Vec::new();
        {
            let mut w = crate::output::writer(&opts, Box::new(&mut buf));
            w.write(&t).unwrap();
            w.finish().unwrap();
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "id,title\n8812345,=cmd|' /C calc'!A0\n"
        );
    }

    #[test]
    fn an_empty_result_prints_nothing_not_even_the_header() {
        assert_eq!(print(None, 0), "");
    }
}
