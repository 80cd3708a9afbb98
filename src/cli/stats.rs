//! `tix stats`: counts, open and closed, time to close and the oldest open ticket, per
//! provider, customer, status, priority or assignee; on a terminal (or with `--chart`)
//! a bar chart of the counts and a sparkline of tickets created per day.
//!
//! Every ticket in the window is read once and folded into per-group tallies; only the
//! close durations are kept (one number per closed ticket) for the percentiles.

use super::output_args::OutputArgs;
use super::{Ctx, when};
use crate::error::{Error, Result};
use crate::model::{Query, Status, Ticket, TimeField};
use crate::output::{Format, chart, write_records};
use crate::providers;
use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Provider(s), comma-separated or repeated (see `tix providers`).
    #[arg(short, long, value_delimiter = ',', value_name = "NAME")]
    pub provider: Vec<String>,
    /// One row per provider, customer (tenant), status, priority or assignee.
    #[arg(long, default_value = "status", value_parser = ["provider", "customer", "status", "priority", "assignee"])]
    pub by: String,
    /// Tickets created from this moment on (RFC 3339, a date, or a span back such as 30d).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Tickets created up to this moment.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Draw the charts even when stdout is not a terminal.
    #[arg(long, env = "TIX_STATS_CHART")]
    pub chart: bool,
    /// Use this base URL instead of the profile's or the environment's.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Also trust this CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// The keys of a row as `-o json|csv` print them: exact numbers and times.
const KEYS: &[&str] = &[
    "group",
    "count",
    "open",
    "closed",
    "median_close_secs",
    "p90_close_secs",
    "oldest_open_id",
    "oldest_open_provider",
    "oldest_open_created",
];

/// The keys the table shows: durations and the date as people read them, narrow
/// enough for 80 columns.
const TABLE_KEYS: &[&str] = &[
    "group",
    "count",
    "open",
    "closed",
    "median",
    "p90",
    "oldest_open",
];

/// Every key `--fields` may name.
const ALL_KEYS: &[&str] = &[
    "group",
    "count",
    "open",
    "closed",
    "median_close_secs",
    "p90_close_secs",
    "oldest_open_id",
    "oldest_open_provider",
    "oldest_open_created",
    "median",
    "p90",
    "oldest_open",
];

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub group: String,
    pub count: u64,
    pub open: u64,
    pub closed: u64,
    pub median_close_secs: Option<i64>,
    pub p90_close_secs: Option<i64>,
    pub oldest_open_id: Option<String>,
    pub oldest_open_provider: Option<String>,
    pub oldest_open_created: Option<DateTime<Utc>>,
    /// `median_close_secs` as `3d 4h`.
    pub median: Option<String>,
    /// `p90_close_secs` as `3d 4h`.
    pub p90: Option<String>,
    /// The date of `oldest_open_created`.
    pub oldest_open: Option<String>,
}

#[derive(Default)]
struct Tally {
    count: u64,
    open: u64,
    closed: u64,
    close_secs: Vec<i64>,
    oldest_open: Option<(DateTime<Utc>, String, String)>,
}

impl Tally {
    fn add(&mut self, t: &Ticket) {
        self.count += 1;
        if is_closed(t.status) {
            self.closed += 1;
            if let (Some(c), Some(d)) = (t.created, t.closed) {
                self.close_secs.push((d - c).num_seconds().max(0));
            }
        } else {
            self.open += 1;
            if let Some(c) = t.created {
                let candidate = (c, t.provider.to_string(), t.id.clone());
                if self.oldest_open.as_ref().is_none_or(|o| candidate < *o) {
                    self.oldest_open = Some(candidate);
                }
            }
        }
    }

    fn row(mut self, group: String) -> Row {
        self.close_secs.sort_unstable();
        let median = percentile(&self.close_secs, 50);
        let p90 = percentile(&self.close_secs, 90);
        let (oldest_created, oldest_provider, oldest_id) = match self.oldest_open {
            Some((c, p, i)) => (Some(c), Some(p), Some(i)),
            None => (None, None, None),
        };
        Row {
            group,
            count: self.count,
            open: self.open,
            closed: self.closed,
            median_close_secs: median,
            p90_close_secs: p90,
            oldest_open_id: oldest_id,
            oldest_open_provider: oldest_provider,
            oldest_open_created: oldest_created,
            median: median.map(span),
            p90: p90.map(span),
            oldest_open: oldest_created.map(|c| c.format("%Y-%m-%d").to_string()),
        }
    }
}

/// Resolved or closed: the provider is done with it.
fn is_closed(s: Status) -> bool {
    matches!(s, Status::Resolved | Status::Closed)
}

/// The nearest-rank percentile of sorted `values`: the smallest value with at least
/// `p` percent of the values at or below it (no interpolation, so it is always a
/// time some ticket really took).
pub fn percentile(sorted: &[i64], p: u64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p as usize * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// A duration as people read it: the two largest units, `3d 4h`, `2h 5m`, `40s`.
fn span(secs: i64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// The groups a ticket counts in: one, except by assignee, where it counts for each.
fn groups(by: &str, t: &Ticket) -> Vec<String> {
    match by {
        "provider" => vec![t.provider.to_string()],
        "customer" => vec![
            t.tenant
                .as_ref()
                .and_then(|x| x.name.clone().or_else(|| x.id.clone()))
                .unwrap_or_else(|| "(none)".to_owned()),
        ],
        "priority" => vec![t.priority.as_str().to_owned()],
        "assignee" if t.assignees.is_empty() => vec!["(unassigned)".to_owned()],
        "assignee" => t.assignees.clone(),
        _ => vec![t.status.as_str().to_owned()],
    }
}

/// Everything `tix stats` prints, from the tickets.
#[derive(Default)]
pub struct Stats {
    by: String,
    groups: BTreeMap<String, Tally>,
    total: Tally,
    per_day: BTreeMap<NaiveDate, u64>,
}

impl Stats {
    pub fn new(by: &str) -> Self {
        Stats {
            by: by.to_owned(),
            ..Stats::default()
        }
    }

    pub fn add(&mut self, t: &Ticket) {
        for g in groups(&self.by, t) {
            self.groups.entry(g).or_default().add(t);
        }
        self.total.add(t);
        if let Some(c) = t.created {
            *self.per_day.entry(c.date_naive()).or_default() += 1;
        }
    }

    /// The rows, largest group first (ties by name), then the total.
    pub fn rows(self) -> (Vec<Row>, Row) {
        let mut rows: Vec<Row> = self
            .groups
            .into_iter()
            .map(|(g, tally)| tally.row(g))
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.group.cmp(&b.group)));
        (rows, self.total.row("total".to_owned()))
    }

    /// Tickets created per day from `from` (else the first day seen) to `to` (else the
    /// last), days without any included.
    fn days(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Option<(NaiveDate, Vec<u64>)> {
        let first = from.or_else(|| self.per_day.keys().next().copied())?;
        let last = to.or_else(|| self.per_day.keys().next_back().copied())?;
        if last < first {
            return None;
        }
        let counts = first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| self.per_day.get(&d).copied().unwrap_or(0))
            .collect();
        Some((first, counts))
    }
}

pub async fn run(args: StatsArgs, ctx: &mut Ctx) -> Result<u8> {
    let keys = |format: Format| {
        if format == Format::Table {
            TABLE_KEYS
        } else {
            KEYS
        }
    };
    let mut opts = args.out.record_options(&ctx.io, ALL_KEYS)?;
    // `--chart` without `-o` asks for what a terminal shows: the table and the charts.
    if args.chart && args.out.output.is_none() && opts.jq.is_none() {
        opts.format = Format::Table;
    }
    if opts.fields.is_none() {
        opts.fields = Some(keys(opts.format).iter().map(|k| (*k).to_owned()).collect());
    }
    if args.provider.is_empty() {
        return Err(Error::invalid(
            "--provider",
            "",
            format!("required; one or more of: {}", providers::provider_names()),
        ));
    }
    let now = Utc::now();
    let (since, until) = when::window(args.since.as_deref(), args.until.as_deref(), now)?;
    let mut sources = Vec::new();
    for name in &args.provider {
        let source = ctx.provider_source(name, args.base_url.clone(), args.ca_file.clone())?;
        let query = Query {
            since,
            until,
            time_field: TimeField::Created,
            concurrency: 4,
            ..Query::default()
        };
        source.explain(&query)?;
        sources.push((source, query));
    }
    let mut tickets = stream::select_all(sources.iter().map(|(s, q)| s.list(q)));
    let mut stats = Stats::new(&args.by);
    while let Some(t) = tickets.next().await {
        // A figure over part of the tickets would look like a figure over all of them.
        stats.add(&t?);
    }
    let days = stats.days(since.map(|s| s.date_naive()), until.map(|u| u.date_naive()));
    let (rows, total) = stats.rows();
    let mut out = ctx.io.out();
    let mut all = rows.clone();
    all.push(total);
    write_records(&opts, KEYS, &all, &mut out)?;
    let show_chart = opts.format == Format::Table && (ctx.io.stdout_tty || args.chart);
    if show_chart {
        let width = if ctx.io.width == 0 { 80 } else { ctx.io.width };
        let counts: Vec<(String, u64)> = rows.iter().map(|r| (r.group.clone(), r.count)).collect();
        writeln!(out, "\ntickets by {}", args.by)?;
        write!(out, "{}", chart::bars(&counts, width))?;
        if let Some((first, per_day)) = days {
            let (line, days_per) = chart::sparkline(&per_day, width);
            let last = first + chrono::Days::new(per_day.len().saturating_sub(1) as u64);
            let unit = if days_per == 1 {
                "one column a day".to_owned()
            } else {
                format!("one column per {days_per} days")
            };
            writeln!(out, "\ntickets created per day, {first} to {last} ({unit})")?;
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tenant;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn ticket(id: &str, status: Status, created: u32, closed: Option<u32>) -> Ticket {
        let mut t = Ticket::new("sonar", id);
        t.status = status;
        t.created = Some(at(created, 0));
        t.closed = closed.map(|c| at(c, 0));
        t
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn spans_read_as_two_units() {
        assert_eq!(span(40), "40s");
        assert_eq!(span(125), "2m 5s");
        assert_eq!(span(7_500), "2h 5m");
        assert_eq!(span(3 * 86_400 + 4 * 3600 + 9), "3d 4h");
    }

    #[test]
    fn groups_count_open_closed_close_times_and_the_oldest_open() {
        let mut s = Stats::new("customer");
        let mut a = ticket("a", Status::Open, 3, None);
        a.tenant = Some(Tenant {
            id: Some("1".into()),
            name: Some("Acme".into()),
            pod: None,
        });
        let mut b = ticket("b", Status::Closed, 1, Some(2));
        b.tenant = a.tenant.clone();
        let mut c = ticket("c", Status::Resolved, 1, Some(4));
        c.tenant = a.tenant.clone();
        let d = ticket("d", Status::New, 2, None);
        for t in [&a, &b, &c, &d] {
            s.add(t);
        }
        let days = s.days(None, None).unwrap();
        assert_eq!(days, (at(1, 0).date_naive(), vec![2, 1, 1]));
        let (rows, total) = s.rows();
        assert_eq!(rows.len(), 2);
        let acme = &rows[0];
        assert_eq!(
            (acme.group.as_str(), acme.count, acme.open, acme.closed),
            ("Acme", 3, 1, 2)
        );
        assert_eq!(acme.median_close_secs, Some(86_400));
        assert_eq!(acme.p90_close_secs, Some(3 * 86_400));
        assert_eq!(acme.oldest_open_id.as_deref(), Some("a"));
        assert_eq!(rows[1].group, "(none)");
        assert_eq!((total.count, total.open, total.closed), (4, 2, 2));
        assert_eq!(total.oldest_open_id.as_deref(), Some("d"));
    }

    #[test]
    fn a_ticket_counts_for_each_assignee() {
        let mut s = Stats::new("assignee");
        let mut t = ticket("a", Status::Open, 1, None);
        t.assignees = vec!["Ana".into(), "Björn".into()];
        s.add(&t);
        s.add(&ticket("b", Status::Open, 1, None));
        let (rows, total) = s.rows();
        let names: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
        assert_eq!(names, ["(unassigned)", "Ana", "Björn"]);
        assert_eq!(total.count, 2);
    }
}
