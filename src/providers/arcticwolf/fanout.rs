//! Every selected organization's tickets, from its own pod, merged into one stream.
//!
//! The Ticket API serves one pod and one organization per request (vendor document:
//! "You can only invoke the Ticket API for one pod at a time"), so each organization is
//! paged on its own (`offset_pages`), at most `concurrency` organizations at once, and
//! their tickets are interleaved as pages arrive. An organization that fails (timeout,
//! 5xx after retries, 403) ends only its own listing; when the others are done, each
//! failure becomes one [`Error::Partial`] item, one per pod when a whole pod failed, so
//! the CLI prints one warning per pod and exits 6. When nothing succeeded at all, the
//! first failure is the error itself (a rejected key is exit 3, not "partial").

use super::discovery::OrgRef;
use super::endpoints::Endpoints;
use super::{NAME, map, wire};
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::model::Ticket;
use crate::paginate::{Page, PageRequest, PagerSpec, offset_pages};
use futures::stream::{self, BoxStream, StreamExt};
use std::sync::{Arc, Mutex};

/// The Ticket API's largest `offset` (research §1.8).
const MAX_OFFSET: u64 = 100_000;

/// How to list one organization; shared by all of them.
pub(super) struct Lister {
    pub http: HttpClient,
    pub endpoints: Endpoints,
    /// Filters other than `offset`/`limit`.
    pub params: Vec<(&'static str, String)>,
    pub page_size: u64,
    /// Tickets wanted from each organization; `None` = all.
    pub limit: Option<u64>,
    pub concurrency: usize,
    pub raw: bool,
}

/// What became of each organization, for the warnings at the end.
#[derive(Default)]
struct Tally {
    succeeded: usize,
    failed: Vec<(OrgRef, Error)>,
}

pub(super) fn merged(lister: Lister, orgs: Vec<OrgRef>) -> BoxStream<'static, Result<Ticket>> {
    let lister = Arc::new(lister);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let concurrency = lister.concurrency.max(1);
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

/// One organization's tickets; its first error ends it and goes to the tally.
fn one_org(
    lister: Arc<Lister>,
    org: OrgRef,
    tally: Arc<Mutex<Tally>>,
) -> BoxStream<'static, Result<Ticket>> {
    let spec = PagerSpec {
        page_size: lister.page_size,
        limit: lister.limit,
        concurrency: lister.concurrency,
    };
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
            Some(Ok(ticket)) => Some((Some(ticket), Some((pages, tally, org)))),
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
    .filter_map(|t| futures::future::ready(t.map(Ok)))
    .boxed()
}

fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(|e| e.into_inner())
}

async fn fetch_page(lister: &Lister, org: &OrgRef, req: PageRequest) -> Result<Page<Ticket>> {
    if req.offset > MAX_OFFSET {
        return Err(Error::Api {
            provider: NAME.into(),
            status: 400,
            message: format!(
                "more tickets match than the Ticket API pages through (offset {MAX_OFFSET} at most); narrow with --since/--until"
            ),
        });
    }
    let url = lister.endpoints.tickets(&org.pod, &org.id, &[])?;
    let mut query = lister.params.clone();
    query.push(("offset", req.offset.to_string()));
    query.push(("limit", req.limit.to_string()));
    let (items, meta) = if lister.raw {
        let list: wire::TicketList<serde_json::Value> = lister.http.get_json(url, &query).await?;
        let items = list
            .results
            .into_iter()
            .map(|v| {
                let w: wire::Ticket = crate::providers::decode(NAME, v.clone())?;
                Ok(map::ticket(w, org, Some(v)))
            })
            .collect::<Result<Vec<_>>>()?;
        (items, list.meta)
    } else {
        let list: wire::TicketList<wire::Ticket> = lister.http.get_json(url, &query).await?;
        let items = list
            .results
            .into_iter()
            .map(|w| map::ticket(w, org, None))
            .collect();
        (items, list.meta)
    };
    Ok(Page {
        items,
        total: meta.and_then(|m| m.total),
    })
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
