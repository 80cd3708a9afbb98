//! Printing lists that are not tickets — organizations, indicators, attachments, tags,
//! comments, sync runs — in the same four formats, from any `Serialize` record.
//!
//! These lists are small (one API answer), so the writer takes them whole; tickets,
//! which can be millions, stream through [`super::TicketWriter`] instead.

use super::fields::text;
use super::table::STYLE;
use super::{Format, OutputOptions, printable};
use comfy_table::{Attribute, Cell, ContentArrangement, Table};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::{self, Write};

/// Checks `--fields` against a record's keys; the error lists them.
pub fn parse_record_fields(s: &str, keys: &[&str]) -> crate::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for key in s.split(',').map(str::trim) {
        if !keys.contains(&key) {
            return Err(crate::Error::invalid(
                "--fields",
                key,
                format!("one of: {}", keys.join(", ")),
            ));
        }
        if !out.iter().any(|k| k == key) {
            out.push(key.to_owned());
        }
    }
    Ok(out)
}

/// Writes `items` in `opts.format`, with the columns `opts.fields` or else `keys`.
pub fn write_records<T: Serialize>(
    opts: &OutputOptions,
    keys: &[&str],
    items: &[T],
    out: &mut dyn Write,
) -> io::Result<()> {
    let columns: Vec<String> = match &opts.fields {
        Some(f) => f.clone(),
        None => keys.iter().map(|k| (*k).to_owned()).collect(),
    };
    let rows: Vec<Map<String, Value>> = items
        .iter()
        .map(|item| match serde_json::to_value(item) {
            Ok(Value::Object(all)) => columns
                .iter()
                .map(|k| (k.clone(), all.get(k).cloned().unwrap_or(Value::Null)))
                .collect(),
            _ => Map::new(),
        })
        .collect();
    if let Some(jq) = &opts.jq {
        return write_filtered(jq, opts.format, rows, out);
    }
    match opts.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for row in &rows {
                serde_json::to_writer(&mut *out, row).map_err(io::Error::from)?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(&columns).map_err(io::Error::other)?;
            for row in &rows {
                w.write_record(
                    columns
                        .iter()
                        .map(|k| super::csv::cell(text(&row[k], ";"), opts.csv_raw)),
                )
                .map_err(io::Error::other)?;
            }
            w.flush()?;
        }
        Format::Ocsf => {
            return Err(io::Error::other(
                "-o ocsf prints tickets only; this list has table, json, jsonl and csv",
            ));
        }
        Format::Table => {
            if rows.is_empty() {
                return out.flush();
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    columns
                        .iter()
                        .map(|k| {
                            let v = &row[k];
                            let s = v.as_str().and_then(|s| super::time_text_of(opts, s));
                            printable(&s.unwrap_or_else(|| text(v, ", ")), false)
                        })
                        .collect()
                })
                .collect();
            let table = fitted(opts, columns, cells);
            for line in table.lines() {
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    out.flush()
}

/// `--jq` over the records: the one array for `-o json`, else each record.
fn write_filtered(
    jq: &super::Jq,
    format: Format,
    rows: Vec<Map<String, Value>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if format == Format::Json {
        jq.write(&rows, out)?;
    } else {
        for row in &rows {
            jq.write(row, out)?;
        }
    }
    out.flush()
}

/// Columns a record table never leaves out: what names the record.
const KEEP: &[&str] = &["provider", "id", "name", "value"];

/// The record table: one line per record and no value ever broken or cut (an
/// indicator cut in half is a different indicator). When it is wider than
/// `opts.width`, the widest columns are left out, except the first and [`KEEP`].
fn fitted(opts: &OutputOptions, mut columns: Vec<String>, mut cells: Vec<Vec<String>>) -> Table {
    loop {
        let mut table = Table::new();
        table.force_no_tty();
        if opts.color {
            table.enforce_styling().style_text_only();
        }
        table
            .load_style(STYLE)
            .set_content_arrangement(ContentArrangement::Disabled);
        table.set_header(columns.iter().map(|k| {
            let cell = Cell::new(k.to_uppercase());
            if opts.color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }));
        for row in &cells {
            table.add_row(row.clone());
        }
        let last = columns.len().saturating_sub(1);
        for column in table.column_iter_mut() {
            let right = if column.index == last { 0 } else { 2 };
            column.set_padding((0, right));
        }
        let width: usize = table
            .column_max_content_widths()
            .iter()
            .map(|w| usize::from(*w))
            .sum::<usize>()
            + 2 * last;
        let fits = opts.width == 0 || opts.wide || width <= opts.width;
        // The widest column goes first: it frees the most room for the others.
        let widths = table.column_max_content_widths();
        let droppable = (1..columns.len())
            .rev()
            .filter(|&i| !KEEP.contains(&columns[i].as_str()))
            .max_by_key(|&i| widths[i]);
        match droppable {
            Some(i) if !fits => {
                columns.remove(i);
                for row in &mut cells {
                    row.remove(i);
                }
            }
            _ => return table,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::sample;

    #[derive(Serialize)]
    struct Org {
        id: &'static str,
        name: Option<&'static str>,
        pods: Vec<&'static str>,
    }

    const KEYS: &[&str] = &["id", "name", "pods"];

    fn print(format: Format, fields: Option<Vec<String>>) -> String {
        let mut opts = sample::opts(format);
        opts.fields = fields;
        let items = [
            Org {
                id: "o-1",
                name: Some("Acme, Inc."),
                pods: vec!["us1", "eu1"],
            },
            Org {
                id: "o-2",
                name: None,
                pods: vec![],
            },
        ];
        let mut out = Vec::new();
        write_records(&opts, KEYS, &items, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format_prints_every_record() {
        assert_eq!(
            print(Format::Jsonl, None),
            "{\"id\":\"o-1\",\"name\":\"Acme, Inc.\",\"pods\":[\"us1\",\"eu1\"]}\n{\"id\":\"o-2\",\"name\":null,\"pods\":[]}\n"
        );
        assert_eq!(
            print(Format::Csv, None),
            "id,name,pods\no-1,\"Acme, Inc.\",us1;eu1\no-2,,\n"
        );
        let json: Value = serde_json::from_str(&print(Format::Json, None)).unwrap();
        assert_eq!(json[1]["id"], "o-2");
        let table = print(Format::Table, None);
        assert!(table.starts_with("ID"), "{table}");
        assert!(
            table.contains("Acme, Inc.") && table.contains("us1, eu1"),
            "{table}"
        );
    }

    #[test]
    fn fields_pick_and_order_keys() {
        assert_eq!(
            print(Format::Csv, Some(vec!["name".into(), "id".into()])),
            "name,id\n\"Acme, Inc.\",o-1\n,o-2\n"
        );
        let e = parse_record_fields("id,nmae", KEYS)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "invalid value 'nmae' for --fields: one of: id, name, pods"
        );
    }
}
