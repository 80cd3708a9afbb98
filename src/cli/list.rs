//! `tix list`: tickets from one or more providers, streamed to the chosen format.

use super::output_args::OutputArgs;
use super::{Ctx, merge, when, words};
use crate::config::Selection;
use crate::error::{Error, Result};
use crate::model::{
    ArcticWolfOptions, ArgusOptions, CyderesOptions, ListFlag, Priority, ProviderOptions, Query,
    SortField, SortOrder, Status, TimeField,
};
use crate::output::{Format, TicketWriter, writer};
use crate::providers::{self, ProviderInfo};
use crate::source::TicketSource;
use futures::FutureExt;
use futures::stream::{self, BoxStream, StreamExt};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Provider(s), comma-separated or repeated: sonar, argus, cyderes, arcticwolf (see `tix providers`).
    #[arg(short, long, value_delimiter = ',', value_name = "NAME")]
    pub provider: Vec<String>,
    /// Tickets from this moment on (RFC 3339, a date, or a span back such as 7d).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Tickets up to this moment (inclusive).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Which time --since/--until bound.
    #[arg(long, default_value = "created", value_parser = ["created", "updated", "closed"])]
    pub time_field: String,
    /// Normalized status(es): new, open, in_progress, waiting_customer, waiting_provider, resolved, closed, unknown.
    #[arg(long, value_delimiter = ',', value_name = "STATUS")]
    pub status: Vec<String>,
    /// Normalized priority(ies): critical, high, medium, low, unknown.
    #[arg(long, value_delimiter = ',', value_name = "PRIORITY")]
    pub priority: Vec<String>,
    /// The provider's ticket type(s) (Sonar: the ticket repository name; Cyderes: all, alert,
    /// service_task, service_proactive, service_request, phishing — default all).
    #[arg(long = "type", value_delimiter = ',', value_name = "TYPE")]
    pub kind: Vec<String>,
    /// Only tickets matching this keyword.
    #[arg(long, value_name = "TEXT")]
    pub keyword: Option<String>,
    /// Tenant id(s) or name(s): Argus customer, Arctic Wolf organization, Sonar site or company.
    #[arg(long, visible_aliases = ["customer", "org"], value_delimiter = ',', value_name = "TENANT")]
    pub tenant: Vec<String>,
    /// Leave out tickets in these normalized status(es).
    #[arg(long, value_delimiter = ',', value_name = "STATUS")]
    pub exclude_status: Vec<String>,
    /// Argus: service shortname(s) or id(s).
    #[arg(long, value_delimiter = ',', value_name = "SERVICE")]
    pub service: Vec<String>,
    /// Argus: JSON search criteria merged into the search request, for what flags do not cover.
    #[arg(long = "where", value_name = "JSON")]
    pub criteria: Option<String>,
    /// Cyderes: only escalated tickets (tix's default is all tickets).
    #[arg(long)]
    pub escalated_only: bool,
    /// Cyderes: include each alert's raw event.
    #[arg(long)]
    pub with_raw_event: bool,
    /// Arctic Wolf: only these pod(s).
    #[arg(long, value_delimiter = ',', value_name = "POD")]
    pub pod: Vec<String>,
    /// Arctic Wolf: only organizations under this one (id or name).
    #[arg(long, value_name = "ORG")]
    pub root: Option<String>,
    /// Assignee id(s) (Sonar: user GUIDs).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub assignee: Vec<String>,
    /// Approver id(s) (Sonar: user GUIDs).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub approver: Vec<String>,
    /// Sort key.
    #[arg(long, value_parser = ["id", "created", "updated", "closed"])]
    pub sort: Option<String>,
    /// Sort order (with --sort; default desc).
    #[arg(long, value_parser = ["asc", "desc"])]
    pub order: Option<String>,
    /// Return at most N tickets in all, or `all` [default: 50 on a terminal, all when piped].
    #[arg(long, value_name = "N|all", value_parser = parse_limit)]
    pub limit: Option<Limit>,
    /// Tickets per request [default: the provider's maximum].
    #[arg(long, value_name = "N")]
    pub page_size: Option<u64>,
    /// Requests in flight once the total is known.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// Use this base URL instead of the profile's or the environment's.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Also trust this CA certificate (PEM) — for servers with a private certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Print which filters run on the server and which here (on stderr), then list.
    #[arg(long)]
    pub explain: bool,
    /// Include each ticket's original provider object under "raw".
    #[arg(long)]
    pub raw: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `--limit`: a number of tickets, or every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    At(u64),
    All,
}

impl Limit {
    fn as_option(self) -> Option<u64> {
        match self {
            Limit::At(n) => Some(n),
            Limit::All => None,
        }
    }
}

fn parse_limit(s: &str) -> std::result::Result<Limit, String> {
    match s.trim() {
        "all" => Ok(Limit::All),
        n => n
            .parse::<u64>()
            .map(Limit::At)
            .map_err(|_| "a number of tickets, or `all`".to_owned()),
    }
}

/// Tickets `tix list` prints on a terminal without `--limit`: a screenful to read,
/// not a million rows to scroll past. Piped, the default is every ticket.
pub const TTY_LIMIT: u64 = 50;

/// A pull that takes longer than this gets a progress line (on a terminal's stderr).
const PROGRESS_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// The largest `--concurrency`: more would only queue at the provider.
const MAX_CONCURRENCY: usize = 32;

impl ListArgs {
    /// The validated query for one provider: every bound checked before any request.
    pub fn query(&self, info: &ProviderInfo, now: chrono::DateTime<chrono::Utc>) -> Result<Query> {
        let (since, until) = when::window(self.since.as_deref(), self.until.as_deref(), now)?;
        self.check_provider_flags(info)?;
        let statuses = words::parse_all::<Status>("--status", &self.status)?;
        let exclude_statuses =
            words::parse_all::<Status>("--exclude-status", &self.exclude_status)?;
        let priorities = words::parse_all::<Priority>("--priority", &self.priority)?;
        let criteria = self
            .criteria
            .as_deref()
            .map(|w| match serde_json::from_str::<serde_json::Value>(w) {
                Ok(v @ serde_json::Value::Object(_)) => Ok(v),
                _ => Err(Error::invalid(
                    "--where",
                    w,
                    "a JSON object of search criteria, e.g. '{\"includeFlags\":[\"MAJOR\"]}'",
                )),
            })
            .transpose()?;
        info.check_page_size(self.page_size)?;
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::invalid(
                "--concurrency",
                self.concurrency,
                format!("an integer in 1..={MAX_CONCURRENCY}"),
            ));
        }
        if self.order.is_some() && self.sort.is_none() {
            return Err(Error::invalid(
                "--order",
                self.order.as_deref().unwrap_or_default(),
                "only together with --sort id|created|updated|closed",
            ));
        }
        let sort = self.sort.as_deref().map(|s| {
            let field = match s {
                "id" => SortField::Id,
                "created" => SortField::Created,
                "updated" => SortField::Updated,
                _ => SortField::Closed,
            };
            let order = match self.order.as_deref() {
                Some("asc") => SortOrder::Asc,
                _ => SortOrder::Desc,
            };
            (field, order)
        });
        Ok(Query {
            since,
            until,
            time_field: match self.time_field.as_str() {
                "updated" => TimeField::Updated,
                "closed" => TimeField::Closed,
                _ => TimeField::Created,
            },
            statuses,
            priorities,
            types: self.kind.clone(),
            keyword: self.keyword.clone().filter(|k| !k.is_empty()),
            tenants: self.tenant.clone(),
            assignees: self.assignee.clone(),
            approvers: self.approver.clone(),
            limit: self.limit.and_then(Limit::as_option),
            page_size: self.page_size,
            concurrency: self.concurrency,
            sort,
            raw: self.raw,
            exclude_statuses,
            options: ProviderOptions {
                argus: ArgusOptions {
                    services: self.service.clone(),
                    criteria,
                },
                cyderes: CyderesOptions {
                    escalated_only: self.escalated_only.then_some(true),
                    with_raw_event: self.with_raw_event,
                },
                arcticwolf: ArcticWolfOptions {
                    pods: self.pod.clone(),
                    root: self.root.clone(),
                },
            },
        })
    }

    /// Refuses a provider-specific flag for a provider that does not take it, naming
    /// those that do.
    fn check_provider_flags(&self, info: &ProviderInfo) -> Result<()> {
        let given: [(ListFlag, Option<String>); 6] = [
            (
                ListFlag::Service,
                (!self.service.is_empty()).then(|| self.service.join(",")),
            ),
            (ListFlag::Where, self.criteria.clone()),
            (
                ListFlag::EscalatedOnly,
                self.escalated_only.then(|| "true".into()),
            ),
            (
                ListFlag::WithRawEvent,
                self.with_raw_event.then(|| "true".into()),
            ),
            (
                ListFlag::Pod,
                (!self.pod.is_empty()).then(|| self.pod.join(",")),
            ),
            (ListFlag::Root, self.root.clone()),
        ];
        for (flag, value) in given {
            let Some(value) = value else { continue };
            if info.list_flags.contains(&flag) {
                continue;
            }
            let takers: Vec<&str> = providers::PROVIDERS
                .iter()
                .filter(|p| p.list_flags.contains(&flag))
                .map(|p| p.name)
                .collect();
            let allowed = if takers.is_empty() {
                "not supported by any provider yet".to_owned()
            } else {
                format!("only with --provider {}", takers.join("|"))
            };
            return Err(Error::invalid(
                flag.name(),
                value,
                format!("{allowed}; {} does not take it", info.name),
            ));
        }
        Ok(())
    }
}

pub async fn run(mut args: ListArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.options(&ctx.io)?;
    let defaulted = args.limit.is_none() && ctx.io.stdout_tty;
    if defaulted {
        args.limit = Some(Limit::At(TTY_LIMIT));
    }
    if args.provider.is_empty() && ctx.global.profile.is_none() {
        return Err(Error::invalid(
            "--provider",
            "",
            format!(
                "required (or --profile); one of: {}",
                providers::provider_names()
            ),
        ));
    }
    let names: Vec<Option<String>> = if args.provider.is_empty() {
        vec![None]
    } else {
        args.provider
            .iter()
            .map(|p| Some(p.trim().to_owned()))
            .collect()
    };
    // Everything is validated and every source built before the first request.
    let now = chrono::Utc::now();
    let mut sources: Vec<(Box<dyn TicketSource>, Query)> = Vec::new();
    for name in names {
        // A named provider's flags are checked before any config is read; with only
        // --profile the provider is known once the profile is resolved, which happens
        // once (its api_key_cmd may prompt or hit a vault).
        let early = match name.as_deref() {
            Some(n) => Some(args.query(providers::provider(n)?, now)?),
            None => None,
        };
        let cfg = ctx.source_config(Selection {
            provider: name,
            profile: None,
            base_url: args.base_url.clone(),
            ca_file: args.ca_file.clone(),
            env_only: false,
        })?;
        let query = match early {
            Some(q) => q,
            None => args.query(providers::info(cfg.provider), now)?,
        };
        let source = providers::build(cfg)?;
        let plan = source.explain(&query)?;
        if args.explain {
            eprint!("{plan}");
        }
        sources.push((source, query));
    }
    let several = sources.len() > 1;
    let sort = sources.first().and_then(|(_, q)| merge::sort_key(q.sort));
    let limit = args.limit.and_then(Limit::as_option);
    let mut out = writer(&opts, ctx.io.out());
    // The table prints at the end, so a progress line cannot tangle with rows; a
    // streaming format on the same terminal shows its rows instead.
    let progress = (ctx.io.stderr_tty && (!ctx.io.stdout_tty || opts.format == Format::Table))
        .then(progress_bar);
    let outcome = if several {
        let streams: Vec<(merge::Label, BoxStream<'static, merge::Item>)> = sources
            .iter()
            .map(|(s, q)| {
                let label: merge::Label = s.to_string().into();
                let tag = label.clone();
                (label, s.list(q).map(move |r| (tag.clone(), r)).boxed())
            })
            .collect();
        // With --sort the answer is a merge of the sorted streams; without it, tickets
        // print as they arrive. --limit cuts after either.
        let merged: BoxStream<'static, merge::Item> = match sort {
            Some(key) => {
                let m = merge::SortedMerge::new(key, streams);
                stream::unfold(m, |mut m| async move { m.next().await.map(|i| (i, m)) }).boxed()
            }
            None => stream::select_all(streams.into_iter().map(|(_, s)| s)).boxed(),
        };
        let mut merged = limited(merged, limit);
        print_all(&mut merged, None, out.as_mut(), progress.as_ref(), &ctx.io).await
    } else {
        // One source is its own stream: its tickets are not labelled one by one, the
        // label is said once for a warning (issue 18: a layer every ticket passed).
        let (source, query) = &sources[0];
        let label: merge::Label = source.to_string().into();
        let mut tickets = limited(source.list(query), limit);
        print_all(
            &mut tickets,
            Some(&label),
            out.as_mut(),
            progress.as_ref(),
            &ctx.io,
        )
        .await
    };
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let failed = match outcome {
        Ok(failed) => failed,
        Err(e) => {
            out.finish()?;
            return Err(e);
        }
    };
    out.finish()?;
    if out.count() == 0 && failed.is_empty() {
        ctx.io.note("no tickets matched");
    }
    if defaulted && out.count() == TTY_LIMIT {
        // Only ever on a terminal (the default limit is), so a person reads it.
        eprintln!("tix: showing the first {TTY_LIMIT} tickets: --limit N or --limit all for more");
    }
    // Each failure already has its warning line: what is left to say is the exit code.
    // Partial (6) when anything was printed or a source failed only in part; otherwise
    // every source failed outright and the first failure's own code says why.
    let any_partial = failed.iter().any(|(_, e)| e.is_partial());
    Ok(match failed.first() {
        None => 0,
        Some(_) if out.count() > 0 || any_partial => {
            Error::Partial { failed: Vec::new() }.exit_code()
        }
        Some((_, first)) => first.exit_code(),
    })
}

/// At most `limit` items of `items`.
fn limited<T: Send + 'static>(
    items: BoxStream<'static, T>,
    limit: Option<u64>,
) -> BoxStream<'static, T> {
    match limit {
        Some(l) => items.take(l as usize).boxed(),
        None => items,
    }
}

/// An item of the stream [`print_all`] writes: a ticket or a source's failure, and the
/// source it came from when several are listed.
trait Listed: Send {
    fn split(self) -> (Option<merge::Label>, Result<crate::model::Ticket>);
}

impl Listed for merge::Item {
    fn split(self) -> (Option<merge::Label>, Result<crate::model::Ticket>) {
        (Some(self.0), self.1)
    }
}

impl Listed for Result<crate::model::Ticket> {
    fn split(self) -> (Option<merge::Label>, Result<crate::model::Ticket>) {
        (None, self)
    }
}

/// Writes every ticket of `merged` as it comes; whenever the next one is not already at
/// hand (a page is being fetched), what was written is flushed, so a pipe or a terminal
/// sees rows as pages arrive. `only` is the label of the one source listed, `None` when
/// several are (each item then carries its own). Returns the failures of sources that
/// failed in part (or, with several sources, outright); any other failure ends the
/// listing.
async fn print_all<T: Listed>(
    merged: &mut BoxStream<'static, T>,
    only: Option<&merge::Label>,
    out: &mut (dyn TicketWriter + Send + '_),
    progress: Option<&indicatif::ProgressBar>,
    io: &super::Io,
) -> Result<Vec<(String, Error)>> {
    let several = only.is_none();
    let mut failed: Vec<(String, Error)> = Vec::new();
    loop {
        let next = match merged.next().now_or_never() {
            Some(next) => next,
            None => {
                out.flush()?;
                merged.next().await
            }
        };
        let Some(next) = next else { break };
        let (label, item) = next.split();
        match item {
            Ok(t) => {
                out.write(&t)?;
                if let Some(bar) = progress {
                    bar.inc(1);
                }
            }
            // A source that fans out (Arctic Wolf's pods) reports a part that failed as a
            // `Partial` item and goes on with the rest.
            Err(e) if several || e.is_partial() => {
                let label = label.as_deref().or(only.map(|l| &**l)).unwrap_or_default();
                let warn = || io.warn(&format!("{label}: {e}"));
                match progress {
                    Some(bar) => bar.suspend(warn),
                    None => warn(),
                }
                failed.push((label.to_string(), e));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(failed)
}

/// A spinner with the count of tickets read, drawn on stderr only once the pull has
/// taken [`PROGRESS_AFTER`]: a quick answer shows no flicker.
fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {pos} tickets read {elapsed}")
    {
        bar.set_style(style);
    }
    let shown = bar.clone();
    tokio::spawn(async move {
        tokio::time::sleep(PROGRESS_AFTER).await;
        if !shown.is_finished() {
            shown.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            shown.enable_steady_tick(std::time::Duration::from_millis(120));
        }
    });
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        args: ListArgs,
    }

    fn query(argv: &[&str]) -> Result<Query> {
        let mut full = vec!["t"];
        full.extend_from_slice(argv);
        let t = T::try_parse_from(full).unwrap();
        t.args
            .query(&crate::providers::sonar::INFO, chrono::Utc::now())
    }

    /// A shared buffer standing in for stdout.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rows_reach_the_reader_while_the_next_page_is_still_coming() {
        // One page of three tickets, then a page that never arrives.
        let page = (0..3).map(|i| {
            (
                merge::Label::from("sonar"),
                Ok(crate::model::Ticket::new("sonar", format!("t{i}"))),
            )
        });
        let mut merged: BoxStream<'static, merge::Item> =
            stream::iter(page).chain(stream::pending()).boxed();
        let shared = Shared::default();
        let opts = crate::output::OutputOptions {
            format: Format::Jsonl,
            fields: Some(vec!["id".into()]),
            color: false,
            width: 0,
            tty: false,
            now: chrono::Utc::now(),
            wide: false,
            utc: true,
            jq: None,
            csv_raw: false,
        };
        // Block-buffered, as stdout is: only a flush hands the rows over.
        let mut out = writer(&opts, Box::new(std::io::BufWriter::new(shared.clone())));
        let io = crate::cli::Io {
            stdout_tty: false,
            stderr_tty: false,
            color: false,
            width: 80,
        };
        let label = merge::Label::from("sonar");
        let mut printing = Box::pin(print_all(
            &mut merged,
            Some(&label),
            out.as_mut(),
            None,
            &io,
        ));
        assert!(
            futures::FutureExt::now_or_never(&mut printing).is_none(),
            "still waiting"
        );
        let seen = String::from_utf8(shared.0.lock().unwrap().clone()).unwrap();
        assert_eq!(seen, "{\"id\":\"t0\"}\n{\"id\":\"t1\"}\n{\"id\":\"t2\"}\n");
    }

    #[test]
    fn limit_takes_a_number_or_all() {
        assert_eq!(parse_limit("20"), Ok(Limit::At(20)));
        assert_eq!(parse_limit("all"), Ok(Limit::All));
        assert!(parse_limit("lots").is_err());
        let q = query(&["--limit", "all"]).unwrap();
        assert_eq!(q.limit, None);
        assert_eq!(query(&["--limit", "7"]).unwrap().limit, Some(7));
    }

    #[test]
    fn page_size_is_checked_against_the_provider() {
        let e = query(&["--page-size", "1001"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value '1001' for --page-size: an integer in 1..=1000 for sonar"
        );
        assert_eq!(e.exit_code(), 2);
        assert!(query(&["--page-size", "0"]).is_err());
        assert_eq!(
            query(&["--page-size", "1000"]).unwrap().page_size,
            Some(1000)
        );
    }

    #[test]
    fn statuses_and_priorities_are_normalized_words() {
        let q = query(&["--status", "open,in-progress", "--priority", "HIGH"]).unwrap();
        assert_eq!(q.statuses, vec![Status::Open, Status::InProgress]);
        assert_eq!(q.priorities, vec![Priority::High]);
        let e = query(&["--status", "ASSIGNED"]).unwrap_err().to_string();
        assert!(
            e.contains("--status") && e.contains("waiting_customer"),
            "{e}"
        );
        let e = query(&["--priority", "4"]).unwrap_err().to_string();
        assert!(e.contains("--priority") && e.contains("critical"), "{e}");
    }

    #[test]
    fn since_after_until_is_refused() {
        let e = query(&["--since", "2026-11-02", "--until", "2026-11-01"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--until"), "{e}");
    }

    #[test]
    fn order_needs_sort_and_concurrency_is_bounded() {
        assert!(query(&["--order", "asc"]).is_err());
        assert_eq!(
            query(&["--sort", "updated", "--order", "asc"])
                .unwrap()
                .sort,
            Some((SortField::Updated, SortOrder::Asc))
        );
        assert!(query(&["--concurrency", "0"]).is_err());
        assert!(query(&["--concurrency", "33"]).is_err());
    }

    #[test]
    fn a_provider_specific_flag_is_refused_for_another_provider() {
        let e = query(&["--pod", "us1"]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let e = e.to_string();
        assert!(
            e.contains("--pod") && e.contains("sonar does not take it"),
            "{e}"
        );
        let e = query(&["--exclude-status", "closd"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--exclude-status"), "{e}");
        assert_eq!(
            query(&["--exclude-status", "closed"])
                .unwrap()
                .exclude_statuses,
            vec![Status::Closed]
        );
    }
}
