//! `-o table`: aligned columns for people, gh-like: an upper-case header over a thin
//! rule, no borders, one line per ticket.
//!
//! The table fits the width it is given (the terminal's; none when piped unless
//! `--width`): long ids shrink to the shortest prefix that is unique in the table, as
//! git shortens hashes; if it is still too wide, whole columns are left out in a fixed
//! order of priority, and only then is the title cut. A header is never cut. `--wide`
//! prints every column in full.
//!
//! The only format that sees every row before printing, to size the columns; it keeps
//! rows as text, not tickets, so the memory held is what will be printed.

use super::fields::{columns, text};
use super::{OutputOptions, TicketWriter, Tone, printable, time_text};
use crate::model::{Priority, Status, Ticket};
use comfy_table::{
    Attribute, Cell, ColumnConstraint, ContentArrangement, LineStyle, Row, Table, TableStyle, Width,
};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The columns without `--fields`: what tells tickets apart at a glance.
const DEFAULT_COLUMNS: &[&str] = &[
    "provider", "id", "status", "priority", "created", "tenant", "title",
];

/// The columns with `--wide`.
const WIDE_COLUMNS: &[&str] = &[
    "provider",
    "id",
    "number",
    "status",
    "priority",
    "type",
    "created",
    "updated",
    "tenant",
    "assignees",
    "title",
];

/// Left out first to last when the default columns do not fit. The provider, id,
/// status and title are always shown: they are what `tix get` and a reader need.
const DROP_ORDER: &[&str] = &[
    "assignees",
    "type",
    "number",
    "updated",
    "tenant",
    "created",
    "priority",
];

/// Only the header rule. No junctions: any would make comfy-table put a space between
/// columns on top of our padding.
pub(super) const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─'));

/// Space between columns.
const GAP: u16 = 2;

/// Never cut: the provider and id are what `tix get` needs, a cut id is no id at all.
const NEVER_CUT: &[&str] = &["provider", "id", "number"];

/// The title keeps at least this much before columns are left out.
const MIN_TITLE: usize = 20;

/// Ids up to this long are printed whole (Argus numbers, `CYDERES-000500`, where a
/// prefix would save little and read like another id); longer ones (Sonar's
/// 36-character GUIDs, Arctic Wolf's `ORG/NUMBER`) shrink to a unique prefix of at
/// least [`MIN_ID`] characters.
const SHORT_ID: usize = 20;
const MIN_ID: usize = 8;

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
    /// `--fields` chose the columns: none is left out, only cut.
    chosen: bool,
    rows: Vec<Vec<String>>,
    count: u64,
}

impl<W: Write> TableWriter<W> {
    pub fn new(opts: &OutputOptions, out: W) -> Self {
        let default = if opts.wide {
            WIDE_COLUMNS
        } else {
            DEFAULT_COLUMNS
        };
        TableWriter {
            out,
            opts: opts.clone(),
            columns: columns(&opts.fields, default),
            chosen: opts.fields.is_some(),
            rows: Vec::new(),
            count: 0,
        }
    }

    /// The table to print: ids shortened and columns left out when the width asks.
    fn render(&mut self) -> Table {
        let fitting = self.opts.width > 0 && !self.opts.wide;
        if fitting {
            self.shorten_ids();
        }
        loop {
            let table = self.build();
            let natural: Vec<usize> = table
                .column_max_content_widths()
                .into_iter()
                .map(usize::from)
                .collect();
            if !fitting {
                return self.constrain(table, &natural, &natural);
            }
            let gaps = usize::from(GAP) * natural.len().saturating_sub(1);
            let budget = self.opts.width.saturating_sub(gaps);
            if natural.iter().sum::<usize>() <= budget {
                return self.constrain(table, &natural, &natural);
            }
            if !self.chosen {
                let title = self.columns.iter().position(|k| k == "title");
                let others: usize = natural
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| Some(*i) != title)
                    .map(|(_, w)| w)
                    .sum();
                let room = budget.saturating_sub(others);
                let title_ok = title.is_none_or(|t| room >= natural[t].min(MIN_TITLE));
                if !title_ok && self.drop_one() {
                    continue;
                }
            }
            let widths = fit(&self.columns, &natural, budget);
            return self.constrain(table, &widths, &natural);
        }
    }

    /// Leaves out the next column in [`DROP_ORDER`]; false when none is left to drop.
    fn drop_one(&mut self) -> bool {
        let Some(at) = DROP_ORDER
            .iter()
            .find_map(|d| self.columns.iter().position(|k| k == d))
        else {
            return false;
        };
        self.columns.remove(at);
        for row in &mut self.rows {
            row.remove(at);
        }
        true
    }

    /// Each id longer than [`SHORT_ID`] becomes its shortest prefix (at least
    /// [`MIN_ID`]) that no other id of the same provider in the table shares.
    fn shorten_ids(&mut self) {
        let Some(id) = self.columns.iter().position(|k| k == "id") else {
            return;
        };
        let provider = self.columns.iter().position(|k| k == "provider");
        let key = |row: &Vec<String>| provider.map(|p| row[p].clone()).unwrap_or_default();
        let mut by_provider: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in &self.rows {
            by_provider
                .entry(key(row))
                .or_default()
                .push(row[id].clone());
        }
        let mut short: BTreeMap<(String, String), String> = BTreeMap::new();
        for (p, mut ids) in by_provider {
            ids.sort();
            ids.dedup();
            for (i, full) in ids.iter().enumerate() {
                if full.chars().count() <= SHORT_ID {
                    continue;
                }
                let shared = |other: Option<&String>| other.map_or(0, |o| common_prefix(full, o));
                let need = shared(i.checked_sub(1).and_then(|j| ids.get(j)))
                    .max(shared(ids.get(i + 1)))
                    + 1;
                let keep = need.max(MIN_ID);
                if keep < full.chars().count() {
                    short.insert((p.clone(), full.clone()), full.chars().take(keep).collect());
                }
            }
        }
        for row in &mut self.rows {
            if let Some(s) = short.get(&(key(row), row[id].clone())) {
                row[id] = s.clone();
            }
        }
    }

    fn build(&self) -> Table {
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
        table
    }

    /// Sets each column's padding, and a fixed width where `widths` cuts it.
    fn constrain(&self, mut table: Table, widths: &[usize], natural: &[usize]) -> Table {
        let last = self.columns.len().saturating_sub(1);
        for (column, (&width, &natural)) in table.column_iter_mut().zip(widths.iter().zip(natural))
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
    // A header is never cut ("ST…" says nothing): the table overflows instead.
    for (i, w) in widths.iter_mut().enumerate() {
        *w = (*w).max(keys[i].chars().count().min(natural[i]));
    }
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
/// How many leading characters `a` and `b` share.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

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
    use crate::model::Ticket;

    fn print(opts: &OutputOptions, n: usize) -> String {
        sample::print(opts, n)
    }

    fn widest_line(s: &str) -> usize {
        s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
    }

    fn at(width: usize) -> OutputOptions {
        let mut opts = sample::opts(Format::Table);
        opts.width = width;
        opts
    }

    #[test]
    fn off_a_terminal_at_width_100() {
        let out = print(&at(100), 3);
        insta::assert_snapshot!(out);
        assert!(widest_line(&out) <= 100);
    }

    #[test]
    fn at_60_columns_are_left_out_before_the_title_is_cut_and_no_header_is_cut() {
        let out = print(&at(60), 3);
        insta::assert_snapshot!(out);
        assert_eq!(out.lines().count(), 5, "one line per ticket");
        let header = out.lines().next().unwrap();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            ["PROVIDER", "ID", "STATUS", "TITLE"]
        );
        assert!(out.contains("5f0c2a9e") && out.contains("8812345"));
        assert!(widest_line(&out) <= 60);
    }

    #[test]
    fn at_80_columns_the_priority_stays_and_the_tenant_goes() {
        let out = print(&at(80), 3);
        let header = out.lines().next().unwrap();
        assert!(!header.contains('…'), "{out}");
        assert!(
            header.contains("PRIORITY") && !header.contains("TENANT"),
            "{out}"
        );
        assert!(widest_line(&out) <= 80, "{out}");
    }

    #[test]
    fn times_are_one_style() {
        let out = print(&at(100), 3);
        for want in ["2026-10-01 11:55", "2026-08-01 08:30", "2026-09-28 12:00"] {
            assert!(out.contains(want), "{want} in\n{out}");
        }
        assert!(!out.contains("T11:55") && !out.contains("ago"));
    }

    #[test]
    fn long_ids_shrink_to_a_unique_prefix_only_when_fitting() {
        let mut tickets = Vec::new();
        for id in [
            "49272877-75f2-4c2f-9301-d21c4f9a106d",
            "49272877-aaaa-4c2f-9301-d21c4f9a106d",
            "c0ffee00-1111-2222-3333-444455556666",
        ] {
            let mut t = Ticket::new("sonar", id);
            t.title = Some("x".into());
            tickets.push(t);
        }
        let render = |opts: &OutputOptions| {
            let mut buf = Vec::new();
            let mut w = super::super::writer(opts, Box::new(&mut buf));
            for t in &tickets {
                w.write(t).unwrap();
            }
            w.finish().unwrap();
            drop(w);
            String::from_utf8(buf).unwrap()
        };
        let out = render(&at(80));
        // The two that share "49272877-" need one character more; the third needs 8.
        for want in ["49272877-7 ", "49272877-a ", "c0ffee00 "] {
            assert!(out.contains(want), "{want:?} in\n{out}");
        }
        assert!(!out.contains("d21c4f9a106d"), "{out}");
        let piped = render(&at(0));
        assert!(
            piped.contains("49272877-75f2-4c2f-9301-d21c4f9a106d"),
            "{piped}"
        );
        let mut wide = at(80);
        wide.wide = true;
        let out = render(&wide);
        assert!(
            out.contains("c0ffee00-1111-2222-3333-444455556666"),
            "{out}"
        );
        assert!(
            out.contains("ASSIGNEES") && out.contains("UPDATED"),
            "{out}"
        );
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
    fn the_title_is_cut_first_then_the_widest_columns_never_a_header_or_an_id() {
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let k = keys(&["id", "status", "tenant", "title"]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 100), [5, 16, 9, 40]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 50), [5, 16, 9, 20]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 40), [5, 8, 7, 20]);
        assert_eq!(fit(&k, &[5, 16, 9, 40], 4), [5, 6, 6, 20]);
        let k = keys(&["id", "url", "tenant.name"]);
        assert_eq!(fit(&k, &[5, 40, 11], 30), [5, 20, 11]);
        assert_eq!(fit(&keys(&["provider", "id"]), &[10, 10], 5), [10, 10]);
    }

    #[test]
    fn an_empty_result_prints_nothing() {
        assert_eq!(print(&sample::opts(Format::Table), 0), "");
    }

    #[test]
    fn width_zero_does_not_fit_or_cut() {
        let out = print(&at(0), 3);
        assert!(!out.contains('…'));
        assert!(out.contains("for svc-backup on the domain controller"));
    }
}
