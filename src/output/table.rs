//! `-o table`: aligned columns for people, gh-like: an upper-case header over a thin
//! rule, no borders, one line per ticket.
//!
//! The only format that sees every row before printing, to size the columns; it keeps
//! rows as text, not tickets, so the memory held is what will be printed.

use super::fields::{columns, text};
use super::{OutputOptions, TicketWriter, Tone, printable, time_text};
use crate::model::{Priority, Status, Ticket};
use comfy_table::{
    Attribute, Cell, ColumnConstraint, ContentArrangement, LineStyle, Row, Table, TableStyle, Width,
};
use std::io::{self, Write};

/// The columns without `--fields`: what tells tickets apart at a glance.
const DEFAULT_COLUMNS: &[&str] = &[
    "provider", "id", "status", "priority", "created", "tenant", "title",
];

/// Only the header rule. No junctions: any would make comfy-table put a space between
/// columns on top of our padding.
pub(super) const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─'));

/// Space between columns.
const GAP: u16 = 2;

/// Never cut: the provider and id are what `tix get` needs, a cut id is no id at all.
const NEVER_CUT: &[&str] = &["provider", "id", "number"];

/// The title keeps at least this much before other columns are cut.
const MIN_TITLE: usize = 12;

/// Splits cells "between words" at a character that never survives [`printable`], so
/// that comfy-table cuts an over-wide cell at the column's full width instead of after
/// the last word that fits; with rows one line high, that cut is where `…` goes.
const NO_DELIMITER: char = '\0';

/// A table of plain text cells in the house style (the header over a thin rule, no
/// borders, two spaces between columns), for verbs that print records that are not
/// tickets (`config show`, `providers`). Never cut: it is sized to its content.
pub fn plain_table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut table = Table::new();
    table
        .force_no_tty()
        .load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(
        header
            .into_iter()
            .map(|h| Cell::new(h.into()))
            .collect::<Vec<_>>(),
    );
    for column in table.column_iter_mut() {
        column.set_padding((0, GAP));
    }
    table
}

pub(super) struct TableWriter<W> {
    out: W,
    opts: OutputOptions,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    count: u64,
}

impl<W: Write> TableWriter<W> {
    pub fn new(opts: &OutputOptions, out: W) -> Self {
        TableWriter {
            out,
            opts: opts.clone(),
            columns: columns(&opts.fields, DEFAULT_COLUMNS),
            rows: Vec::new(),
            count: 0,
        }
    }

    fn render(&self) -> Table {
        let mut table = Table::new();
        // comfy-table would otherwise ask stdout itself whether it is a terminal; the
        // CLI has already decided (OutputOptions) and we may not be writing to stdout.
        table.force_no_tty();
        if self.opts.color {
            table.enforce_styling().style_text_only();
        }
        // Widths are ours (`fit`); comfy-table's dynamic arrangement shares the width
        // evenly and would cut short columns such as STATUS as soon as the title is long.
        table
            .load_style(STYLE)
            .set_delimiter(NO_DELIMITER)
            .set_content_arrangement(ContentArrangement::Disabled);

        let mut header: Row = self
            .columns
            .iter()
            .map(|k| {
                let cell = Cell::new(k.to_uppercase());
                if self.opts.color {
                    cell.add_attribute(Attribute::Bold)
                } else {
                    cell
                }
            })
            .collect::<Vec<_>>()
            .into();
        header.max_height(1);
        table.set_header(header);

        for values in &self.rows {
            let mut row: Row = self
                .columns
                .iter()
                .zip(values)
                .map(|(key, value)| self.styled(key, value))
                .collect::<Vec<_>>()
                .into();
            row.max_height(1);
            table.add_row(row);
        }

        let content: Vec<usize> = table
            .column_max_content_widths()
            .into_iter()
            .map(usize::from)
            .collect();
        let gaps = usize::from(GAP) * content.len().saturating_sub(1);
        let widths = match self.opts.width {
            0 => content.clone(),
            width => fit(&self.columns, &content, width.saturating_sub(gaps)),
        };
        let last = self.columns.len().saturating_sub(1);
        for (column, (&width, &natural)) in table.column_iter_mut().zip(widths.iter().zip(&content))
        {
            let right = if column.index == last { 0 } else { GAP };
            column.set_padding((0, right));
            if width < natural {
                let width = u16::try_from(width).unwrap_or(u16::MAX);
                column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(
                    width.saturating_add(right),
                )));
            }
        }
        table
    }

    fn styled(&self, key: &str, value: &str) -> Cell {
        let cell = Cell::new(value);
        if !self.opts.color {
            return cell;
        }
        let tone = match key {
            "status" => value.parse::<Status>().map(Tone::of_status).ok(),
            "priority" => value.parse::<Priority>().map(Tone::of_priority).ok(),
            _ => None,
        };
        match tone.and_then(Tone::color) {
            Some(color) => cell.fg(color),
            None => cell,
        }
    }
}

/// Column widths (content only) that fit `budget` columns, from each column's
/// `natural` content width: the title (or, without one, the widest column) is cut to
/// what the others leave it; if that is under [`MIN_TITLE`], the other columns are cut
/// too, the widest first, to an even share. [`NEVER_CUT`] columns keep their width even
/// if the table then overflows.
fn fit(keys: &[String], natural: &[usize], budget: usize) -> Vec<usize> {
    let mut widths = natural.to_vec();
    if natural.iter().sum::<usize>() <= budget {
        return widths;
    }
    let (kept, cuttable): (Vec<usize>, Vec<usize>) =
        (0..keys.len()).partition(|&i| NEVER_CUT.contains(&keys[i].as_str()));
    let room = budget.saturating_sub(kept.iter().map(|&i| natural[i]).sum());
    let title = keys.iter().position(|k| k == "title");
    let Some(flex) = title
        .filter(|i| cuttable.contains(i))
        .or_else(|| cuttable.iter().copied().max_by_key(|&i| natural[i]))
    else {
        return widths;
    };
    let others: Vec<usize> = cuttable.into_iter().filter(|&i| i != flex).collect();
    let others_need: usize = others.iter().map(|&i| natural[i]).sum();
    if others_need + natural[flex].min(MIN_TITLE) <= room {
        widths[flex] = room - others_need;
        return widths;
    }
    widths[flex] = natural[flex].min(MIN_TITLE);
    let room = room.saturating_sub(widths[flex]);
    share(&mut widths, others, room);
    widths
}

/// Shares `room` among `columns` (water-filling): the narrowest keep their width while
/// it is within an even share of what is left; the wider ones split the rest evenly,
/// the remainder going to the leftmost, and never below one column.
fn share(widths: &mut [usize], mut columns: Vec<usize>, mut room: usize) {
    columns.sort_by_key(|&i| widths[i]);
    while let Some(&narrowest) = columns.first() {
        let even = room / columns.len();
        if widths[narrowest] > even {
            let extra = room - even * columns.len();
            columns.sort_unstable();
            for (n, &i) in columns.iter().enumerate() {
                widths[i] = even.max(1) + usize::from(n < extra);
            }
            return;
        }
        room -= widths[narrowest];
        columns.remove(0);
    }
}

/// One cell's text; times and the tenant read differently here than in json or csv.
fn cell_text(opts: &OutputOptions, ticket: &Ticket, key: &str) -> String {
    let time = |t: Option<_>| t.map(|t| time_text(opts, t)).unwrap_or_default();
    let s = match key {
        "created" => time(ticket.created),
        "updated" => time(ticket.updated),
        "closed" => time(ticket.closed),
        "tenant" => ticket
            .tenant
            .as_ref()
            .and_then(|t| t.name.clone().or_else(|| t.id.clone()))
            .unwrap_or_default(),
        "comments" => ticket
            .comments
            .as_ref()
            .map(|c| c.len().to_string())
            .unwrap_or_default(),
        _ => text(&ticket.field(key), ", "),
    };
    printable(&s, false)
}

impl<W: Write> TicketWriter for TableWriter<W> {
    fn write(&mut self, ticket: &Ticket) -> io::Result<()> {
        let row = self
            .columns
            .iter()
            .map(|k| cell_text(&self.opts, ticket, k))
            .collect();
        self.rows.push(row);
        self.count += 1;
        Ok(())
    }

    /// Prints the table (nothing for an empty result); a second call prints nothing.
    fn finish(&mut self) -> io::Result<()> {
        if !self.rows.is_empty() {
            let table = self.render();
            self.rows = Vec::new();
            for line in table.lines() {
                self.out.write_all(line.trim_end().as_bytes())?;
                self.out.write_all(b"\n")?;
            }
        }
        self.out.flush()
    }

    fn count(&self) -> u64 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, OutputOptions, sample};
    use super::fit;

    fn print(opts: &OutputOptions, n: usize) -> String {
        sample::print(opts, n)
    }

    fn widest_line(s: &str) -> usize {
        s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
    }

    #[test]
    fn off_a_terminal_at_width_100() {
        let opts = sample::opts(Format::Table);
        let out = print(&opts, 3);
        insta::assert_snapshot!(out);
        assert!(widest_line(&out) <= 100);
    }

    #[test]
    fn on_a_terminal_at_width_60_cells_are_cut_but_ids_are_not() {
        let mut opts = sample::opts(Format::Table);
        opts.width = 60;
        opts.tty = true;
        let out = print(&opts, 3);
        insta::assert_snapshot!(out);
        assert_eq!(out.lines().count(), 5, "one line per ticket");
        assert!(out.contains("Suspicious …") && out.contains("5f0c2a9e"));
        assert!(widest_line(&out) <= 60);
    }

    #[test]
    fn on_a_terminal_times_are_relative() {
        let mut opts = sample::opts(Format::Table);
        opts.tty = true;
        let out = print(&opts, 3);
        for want in ["5m ago", "2026-08-01", "3d ago"] {
            assert!(out.contains(want), "{want} in\n{out}");
        }
        assert!(!out.contains("T11:55"));
    }

    #[test]
    fn fields_choose_the_columns() {
        let mut opts = sample::opts(Format::Table);
        opts.fields = Some(
            ["tenant.id", "assignees", "closed", "comments"]
                .map(String::from)
                .to_vec(),
        );
        let out = print(&opts, 3);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn colour_only_when_asked() {
        let mut opts = sample::opts(Format::Table);
        assert!(!print(&opts, 3).contains('\x1b'));
        opts.color = true;
        let out = print(&opts, 3);
        assert!(out.contains("\x1b["), "{out}");
    }

    #[test]
    fn the_title_is_cut_first_then_the_widest_columns_ids_never() {
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let k = keys(&["id", "status", "tenant", "title"]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 100), [5, 16, 9, 40]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 50), [5, 16, 9, 20]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 30), [5, 7, 6, 12]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 4), [5, 1, 1, 12]);
        let k = keys(&["id", "url", "tenant.name"]);
        assert_eq!(fit(&k, &[5, 40, 9], 30), [5, 16, 9]);
        assert_eq!(fit(&keys(&["provider", "id"]), &[10, 10], 5), [10, 10]);
    }

    #[test]
    fn an_empty_result_prints_nothing() {
        assert_eq!(print(&sample::opts(Format::Table), 0), "");
    }

    #[test]
    fn width_zero_does_not_fit_or_cut() {
        let mut opts = sample::opts(Format::Table);
        opts.width = 0;
        let out = print(&opts, 3);
        assert!(!out.contains('…'));
        assert!(out.contains("for svc-backup on the domain controller"));
    }
}
