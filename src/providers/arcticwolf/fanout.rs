//! Every selected organization's tickets, from its own pod, merged into one stream.
//!
//! The Ticket API serves one pod and one organization per request (vendor document:
//! "You can only invoke the Ticket API for one pod at a time"), so each organization is
//! paged on its own (`offset_pages`) and their tickets are interleaved as pages arrive.
//! One `--concurrency` budget is split between organizations and their pages
//! ([`split`]), so no more than `--concurrency` requests are ever in flight. An organization that fails (timeout,
//! 5xx after retries, 403) ends only its own listing; when the others are done, each
//! failure becomes one [`Error::Partial`] item, one per pod when a whole pod failed, so
//! the CLI prints one warning per pod and exits 6. When nothing succeeded at all, the
//! first failure is the error itself (a rejected key is exit 3, not "partial").

use super::discovery::OrgRef;
use super::endpoints::Endpoints;
use super::{NAME, map, wire};
use crate::error::{Error, Result};
use crate::http::{Body, HttpClient};
use crate::model::Ticket;
use crate::paginate::{Page, PageRequest, PagerSpec, offset_pages};
use crate::providers::lenient::{Reader, Shape};
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};

/// How to list one organization; shared by all of them.
pub(super) struct Lister {
    pub http: HttpClient,
    pub endpoints: Endpoints,
    /// Filters other than `offset`/`limit`.
    pub params: Vec<(&'static str, String)>,
    /// Each organization's pager; its `limit` is the tickets wanted from each, and its
    /// `concurrency` the whole budget, split by [`merged`].
    pub spec: PagerSpec,
    pub raw: bool,
}

/// `budget` requests in flight at most, over `orgs` organizations: how many
/// organizations are listed at once, and how many pages each fetches at once.
fn split(budget: usize, orgs: usize) -> (usize, usize) {
    let budget = budget.max(1);
    let at_once = budget.min(orgs.max(1));
    (at_once, (budget / at_once).max(1))
}

/// What became of each organization, for the warnings at the end.
#[derive(Default)]
struct Tally {
    succeeded: usize,
    failed: Vec<(OrgRef, Error)>,
}

pub(super) fn merged(mut lister: Lister, orgs: Vec<OrgRef>) -> BoxStream<'static, Result<Ticket>> {
    let (concurrency, pages) = split(lister.spec.concurrency, orgs.len());
    lister.spec.concurrency = pages;
    let lister = Arc::new(lister);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let per_pod: Vec<(String, usize)> = {
        let mut v: Vec<(String, usize)> = Vec::new();
        for o in &orgs {
            match v.iter_mut().find(|(p, _)| *p == o.pod) {
                Some((_, n)) => *n += 1,
                None => v.push((o.pod.clone(), 1)),
            }
        }
        v
    };
    let listings = {
        let tally = tally.clone();
        stream::iter(orgs)
            .map(move |org| one_org(lister.clone(), org, tally.clone()))
            .flatten_unordered(concurrency)
    };
    let warnings = stream::once(async move {
        let tally = std::mem::take(&mut *lock(&tally));
        stream::iter(failures(tally, &per_pod))
    })
    .flatten();
    listings.chain(warnings).boxed()
}

/// One organization's tickets; its first error ends it and goes to the tally, while
/// warnings (an unreadable ticket, where the pager stopped) pass through.
fn one_org(
    lister: Arc<Lister>,
    org: OrgRef,
    tally: Arc<Mutex<Tally>>,
) -> BoxStream<'static, Result<Ticket>> {
    let spec = lister.spec;
    let pages = {
        let org = org.clone();
        let lister = lister.clone();
        offset_pages(
            spec,
            |t: &Ticket| &t.id,
            move |req: PageRequest| {
                let lister = lister.clone();
                let org = org.clone();
                async move { fetch_page(&lister, &org, req).await }
            },
        )
    };
    stream::unfold(Some((pages, tally, org)), |state| async move {
        let (mut pages, tally, org) = state?;
        match pages.next().await {
            Some(Ok(ticket)) => Some((Some(Ok(ticket)), Some((pages, tally, org)))),
            Some(Err(e)) if e.is_partial() => Some((Some(Err(e)), Some((pages, tally, org)))),
            Some(Err(e)) => {
                lock(&tally).failed.push((org, e));
                Some((None, None))
            }
            None => {
                lock(&tally).succeeded += 1;
                Some((None, None))
            }
        }
    })
    .filter_map(futures::future::ready)
    .boxed()
}

fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(|e| e.into_inner())
}

async fn fetch_page(lister: &Lister, org: &OrgRef, req: PageRequest) -> Result<Page<Ticket>> {
    let url = lister.endpoints.tickets(&org.pod, &org.id, &[])?;
    let mut query = lister.params.clone();
    query.push(("offset", req.offset.to_string()));
    query.push(("limit", req.limit.to_string()));
    let reader = Reader {
        provider: NAME,
        raw: lister.raw,
        map: |w, raw| map::ticket(w, org, raw),
    };
    lister
        .http
        .send_read(Method::GET, url, &query, Body::Empty, true, |bytes| {
            reader.page::<Tickets, wire::Ticket, _>(bytes, req.offset, |t| &t.id)
        })
        .await
}

/// `{"results": [...], "meta": {"total": N}}`.
struct Tickets;

/// One organization's list page read as `list` reads it, without `raw`
/// (benches/list_page.rs).
pub(crate) fn read_page(bytes: &[u8], org: &OrgRef) -> Result<Vec<Ticket>> {
    let reader = Reader {
        provider: NAME,
        raw: false,
        map: |w, raw| map::ticket(w, org, raw),
    };
    let page = reader.page::<Tickets, wire::Ticket, _>(bytes, 0, |t| &t.id)?;
    Ok(page.items)
}

impl Shape for Tickets {
    type Of<X: DeserializeOwned> = wire::TicketList<X>;
    fn parts<X: DeserializeOwned>(page: wire::TicketList<X>) -> (Vec<X>, Option<u64>) {
        (page.results, page.meta.and_then(|m| m.total))
    }
}

/// The failures as stream items: one per pod whose every organization failed, else one
/// per organization; or, when no organization succeeded, the first failure itself.
fn failures(tally: Tally, per_pod: &[(String, usize)]) -> Vec<Result<Ticket>> {
    let Tally { succeeded, failed } = tally;
    if succeeded == 0 {
        return failed
            .into_iter()
            .next()
            .map(|(_, e)| Err(e))
            .into_iter()
            .collect();
    }
    let mut out = Vec::new();
    for (pod, count) in per_pod {
        let in_pod: Vec<&(OrgRef, Error)> = failed.iter().filter(|(o, _)| &o.pod == pod).collect();
        let Some((_, first)) = in_pod.first() else {
            continue;
        };
        if in_pod.len() == *count {
            let orgs = if *count == 1 {
                "1 organization".to_owned()
            } else {
                format!("{count} organizations")
            };
            out.push(partial(format!("pod {pod} ({orgs}): {}", bare(first))));
        } else {
            for (o, e) in in_pod {
                let name = o.name.as_deref().unwrap_or("unnamed");
                out.push(partial(format!(
                    "organization {name} ({}) in pod {pod}: {}",
                    o.id,
                    bare(e)
                )));
            }
        }
    }
    out
}

fn partial(what: String) -> Result<Ticket> {
    Err(Error::Partial { failed: vec![what] })
}

/// An error's message without the provider's name, which the CLI already prints.
fn bare(e: &Error) -> String {
    let s = e.to_string();
    s.strip_prefix(&format!("{NAME}: "))
        .map(str::to_owned)
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::lenient::isolation;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    proptest! {
        #[test]
        fn one_mutated_ticket_leaves_the_others_alone(m in isolation::mutation(), raw: bool) {
            let page: Value = serde_json::from_str(include_str!("../../../fixtures/arcticwolf/tickets-page.json")).unwrap();
            let tickets = isolation::tickets(&page["results"][0], "id", |i| json!(100 + i));
            let wrap = |t: Vec<Value>| json!({"results": t, "meta": {"total": t.len()}});
            let bacon = org("2c3ef37e-2142-44fc-9621-0242ac131202", "us002");
            let reader = Reader { provider: NAME, raw, map: |w, raw| map::ticket(w, &bacon, raw) };
            isolation::check::<Tickets, wire::Ticket, _, _>(&reader, &tickets, wrap, m, |t| &t.id)?;
        }
    }

    fn org(id: &str, pod: &str) -> OrgRef {
        OrgRef {
            id: id.into(),
            name: Some(format!("Org {id}")),
            pod: pod.into(),
        }
    }

    fn down() -> Error {
        Error::Api {
            provider: NAME.into(),
            status: 503,
            message: "unavailable".into(),
        }
    }

    fn messages(items: Vec<Result<Ticket>>) -> Vec<String> {
        items
            .into_iter()
            .map(|r| r.unwrap_err().to_string())
            .collect()
    }

    #[test]
    fn one_budget_is_split_between_organizations_and_pages() {
        for budget in 1..=32 {
            for orgs in 0..=40 {
                let (at_once, pages) = split(budget, orgs);
                assert!(at_once * pages <= budget.max(1), "{budget} {orgs}");
                assert!(at_once >= 1 && pages >= 1);
            }
        }
        assert_eq!(split(8, 1), (1, 8));
        assert_eq!(split(8, 3), (3, 2));
        assert_eq!(split(8, 20), (8, 1));
    }

    #[test]
    fn a_whole_pod_is_one_warning_and_a_lone_org_names_itself() {
        let pods = vec![("us001".to_owned(), 2), ("eu001".to_owned(), 2)];
        let tally = Tally {
            succeeded: 1,
            failed: vec![
                (org("a", "us001"), down()),
                (org("b", "us001"), down()),
                (org("c", "eu001"), down()),
            ],
        };
        assert_eq!(
            messages(failures(tally, &pods)),
            vec![
                "1 of the sources failed: pod us001 (2 organizations): unavailable (HTTP 503)",
                "1 of the sources failed: organization Org c (c) in pod eu001: unavailable (HTTP 503)",
            ]
        );
    }

    #[test]
    fn when_nothing_succeeded_the_first_failure_is_the_error() {
        let pods = vec![("us001".to_owned(), 1)];
        let tally = Tally {
            succeeded: 0,
            failed: vec![(org("a", "us001"), down())],
        };
        let out = failures(tally, &pods);
        assert_eq!(out.len(), 1);
        assert_eq!(out.into_iter().next().unwrap().unwrap_err().exit_code(), 5);
        assert!(failures(Tally::default(), &pods).is_empty());
    }
}
