//! Turns "fetch one page" into a stream of items: the only loop over pages in tix.
//!
//! Offset/limit with a total: the first page, then the rest concurrently (bounded) and
//! yielded in order; when a later page reports a larger total (items arrived while
//! paging, pushing the last ones past the first total), one page after another from
//! there until a short page, at most [`MAX_EXTRA_PAGES`]. Without a total: one page
//! after another until a short page.
//! Never asks for more than `limit` needs; memory is bounded by the pages in flight
//! (including the ids remembered for de-duplication).

use crate::error::Result;
use futures::stream::{self, BoxStream, StreamExt};
use std::collections::HashSet;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The slice of results one request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u64,
}

/// One page as the provider answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The number of matches the server reports, when it reports one.
    pub total: Option<u64>,
}

/// How to page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagerSpec {
    /// Items per request (already checked against the provider's bounds; at least 1).
    pub page_size: u64,
    /// Items to yield in all; `None` = every item.
    pub limit: Option<u64>,
    /// Requests in flight once the total is known; at least 1.
    pub concurrency: usize,
}

/// Pages through `fetch` and yields items in order, each id once, at most `limit`.
///
/// `key` gives an item's id. Offset paging shifts while items arrive on the server, so
/// an item may come back on two pages; the second is dropped. A page that brings no new
/// id ends the stream, so a server that ignores `offset` cannot make tix loop forever.
pub fn offset_pages<T, F, Fut>(
    spec: PagerSpec,
    key: fn(&T) -> &str,
    fetch: F,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let page_size = spec.page_size.max(1);
    let limit = spec.limit.unwrap_or(u64::MAX);
    if limit == 0 {
        return stream::empty().boxed();
    }
    let fetch = Arc::new(fetch);
    let first = PageRequest {
        offset: 0,
        limit: page_size.min(limit),
    };
    let start = {
        let fetch = fetch.clone();
        async move { fetch(first).await }
    };
    stream::once(start)
        .flat_map(move |first_page| -> BoxStream<'static, Result<Page<T>>> {
            let page = match first_page {
                Ok(page) => page,
                Err(e) => return stream::once(async { Err(e) }).boxed(),
            };
            let got = page.items.len() as u64;
            match page.total {
                Some(total) if got > 0 && got < total.min(limit) => {
                    // A server may cap the page below what was asked; step by what it gave.
                    let step = got.min(page_size);
                    let target = total.min(limit);
                    let rest = (1..)
                        .map(move |i: u64| i * step)
                        .take_while(move |offset| *offset < target)
                        .map(move |offset| PageRequest {
                            offset,
                            limit: step.min(target - offset),
                        });
                    let largest = Arc::new(AtomicU64::new(total));
                    let seen = largest.clone();
                    let planned = {
                        let fetch = fetch.clone();
                        stream::iter(rest)
                            .map(move |req| fetch(req))
                            .buffered(spec.concurrency.max(1))
                            .inspect(move |p| {
                                if let Ok(Page { total: Some(t), .. }) = p {
                                    seen.fetch_max(*t, Ordering::Relaxed);
                                }
                            })
                    };
                    let tail = grown_tail(target, step, limit, largest, fetch.clone());
                    stream::once(async { Ok(page) })
                        .chain(planned)
                        .chain(tail)
                        .boxed()
                }
                Some(_) => stream::once(async { Ok(page) }).boxed(),
                None => sequential(page, first, page_size, limit, fetch.clone()),
            }
        })
        .scan(Yielded::new(limit), move |seen, page| {
            let out = match page {
                Err(e) => {
                    // The first error ends the stream; pages already in flight are dropped.
                    seen.left = 0;
                    Some(vec![Err(e)])
                }
                Ok(_) if seen.done() => None,
                Ok(page) => {
                    let bounded = page.total.is_some();
                    let fresh = seen.admit(page.items, key);
                    // Without a total, a non-empty page with nothing new means the server
                    // repeats itself. With one the pages are bounded anyway, and a page of
                    // repeats is what many arrivals during paging look like: reading on
                    // is what finds the items they pushed down.
                    if fresh.is_empty() && !bounded {
                        None
                    } else {
                        Some(fresh.into_iter().map(Ok).collect())
                    }
                }
            };
            futures::future::ready(out)
        })
        .flat_map(stream::iter)
        .boxed()
}

/// Pages read past the first total, at most: enough for items arriving while a large
/// result is paged, bounded so a server that keeps growing cannot keep tix reading.
pub const MAX_EXTRA_PAGES: u64 = 100;

/// The pages past `target` (the first total, or the limit) when a page reported a larger
/// total: sequential from `target` until a short page, the latest total or the limit.
/// Offset paging shifts items down while new ones arrive; without this, the last ones
/// of the result were silently never read.
fn grown_tail<T, F, Fut>(
    target: u64,
    step: u64,
    limit: u64,
    largest: Arc<AtomicU64>,
    fetch: Arc<F>,
) -> BoxStream<'static, Result<Page<T>>>
where
    T: Send + 'static,
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    stream::unfold((target, 0u64, false), move |(offset, pages, done)| {
        let fetch = fetch.clone();
        let largest = largest.clone();
        async move {
            let end = largest.load(Ordering::Relaxed).min(limit);
            if done || offset >= end || pages >= MAX_EXTRA_PAGES {
                return None;
            }
            let req = PageRequest {
                offset,
                limit: step.min(limit - offset),
            };
            match fetch(req).await {
                Ok(page) => {
                    if let Some(t) = page.total {
                        largest.fetch_max(t, Ordering::Relaxed);
                    }
                    let got = page.items.len() as u64;
                    let short = got < req.limit || got == 0;
                    Some((Ok(page), (offset + got, pages + 1, short)))
                }
                Err(e) => Some((Err(e), (offset, pages, true))),
            }
        }
    })
    .boxed()
}

/// Without a total: the next request goes out when the previous page is in, and a
/// page shorter than asked for is the last.
fn sequential<T, F, Fut>(
    first: Page<T>,
    first_req: PageRequest,
    page_size: u64,
    limit: u64,
    fetch: Arc<F>,
) -> BoxStream<'static, Result<Page<T>>>
where
    T: Send + 'static,
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let next_of = move |req: PageRequest, got: u64| -> Option<PageRequest> {
        let offset = req.offset + got;
        (got >= req.limit && got > 0 && offset < limit).then(|| PageRequest {
            offset,
            limit: page_size.min(limit - offset),
        })
    };
    let after_first = next_of(first_req, first.items.len() as u64);
    let rest = stream::unfold(after_first, move |next| {
        let fetch = fetch.clone();
        async move {
            let req = next?;
            match fetch(req).await {
                Ok(page) => {
                    let following = next_of(req, page.items.len() as u64);
                    Some((Ok(page), following))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    stream::once(async { Ok(first) }).chain(rest).boxed()
}

/// Ids yielded from the most recent pages, and how many more items may go out.
///
/// Offset paging repeats an item only when items arriving on the server push it from
/// one page onto a following one, so remembering the ids of the last `WINDOW` pages
/// catches every such repeat while memory stays bounded by pages, not by the result
/// (a million ids would otherwise cost ~20 MB).
struct Yielded {
    pages: std::collections::VecDeque<HashSet<u64>>,
    hasher: std::hash::RandomState,
    left: u64,
}

/// Pages whose ids are remembered: those in flight at the largest `--concurrency`
/// (32) plus a margin.
const WINDOW: usize = 40;

impl Yielded {
    fn new(limit: u64) -> Self {
        Yielded {
            pages: std::collections::VecDeque::new(),
            hasher: std::hash::RandomState::new(),
            left: limit,
        }
    }

    fn done(&self) -> bool {
        self.left == 0
    }

    fn admit<T>(&mut self, items: Vec<T>, key: fn(&T) -> &str) -> Vec<T> {
        let mut fresh = Vec::with_capacity(items.len());
        let mut ids = HashSet::with_capacity(items.len());
        for item in items {
            if self.left == 0 {
                break;
            }
            let h = self.hasher.hash_one(key(&item));
            if !self.pages.iter().any(|p| p.contains(&h)) && ids.insert(h) {
                self.left -= 1;
                fresh.push(item);
            }
        }
        if self.pages.len() == WINDOW {
            self.pages.pop_front();
        }
        self.pages.push_back(ids);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use proptest::prelude::*;
    use std::sync::Mutex;

    type Log = Arc<Mutex<Vec<PageRequest>>>;

    /// A fake server of `total` items "0".."total-1" that records what it was asked.
    fn server(
        total: u64,
        report_total: bool,
        cap: u64,
    ) -> (
        Log,
        impl Fn(PageRequest) -> futures::future::Ready<Result<Page<String>>> + Send + Sync + 'static,
    ) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        let fetch = move |req: PageRequest| {
            seen.lock().unwrap().push(req);
            let end = (req.offset + req.limit.min(cap)).min(total);
            let items = (req.offset.min(total)..end)
                .map(|i| i.to_string())
                .collect();
            futures::future::ready(Ok(Page {
                items,
                total: report_total.then_some(total),
            }))
        };
        (log, fetch)
    }

    fn id(s: &String) -> &str {
        s
    }

    fn run(
        spec: PagerSpec,
        total: u64,
        report_total: bool,
        cap: u64,
    ) -> (Vec<String>, Vec<PageRequest>) {
        let (log, fetch) = server(total, report_total, cap);
        let items: Vec<String> = futures::executor::block_on(
            offset_pages(spec, id, fetch).map(|r| r.unwrap()).collect(),
        );
        let reqs = log.lock().unwrap().clone();
        (items, reqs)
    }

    proptest! {
        #[test]
        fn every_item_once_in_order(
            total in 0u64..300,
            page_size in 1u64..50,
            limit in proptest::option::of(0u64..350),
            concurrency in 1usize..9,
            report_total in any::<bool>(),
        ) {
            let spec = PagerSpec { page_size, limit, concurrency };
            let (items, reqs) = run(spec, total, report_total, u64::MAX);
            let want = total.min(limit.unwrap_or(u64::MAX));
            let expected: Vec<String> = (0..want).map(|i| i.to_string()).collect();
            prop_assert_eq!(&items, &expected);
            // Never asks for more than the limit needs.
            for r in &reqs {
                prop_assert!(r.limit <= page_size);
                prop_assert!(r.offset + r.limit <= limit.unwrap_or(u64::MAX));
            }
            if let Some(l) = limit {
                let asked: u64 = reqs.iter().map(|r| r.limit).sum();
                prop_assert!(asked <= l);
            }
        }

        #[test]
        fn a_server_capping_pages_still_yields_everything(
            total in 0u64..200,
            cap in 1u64..20,
            report_total in any::<bool>(),
        ) {
            // Asked for 50 but answering at most `cap`: without a total a short page
            // ends the stream (that is the contract), with one the pager steps by `cap`.
            let spec = PagerSpec { page_size: 50, limit: None, concurrency: 3 };
            let (items, _) = run(spec, total, report_total, cap);
            let want = if report_total { total } else { total.min(cap) };
            prop_assert_eq!(items.len() as u64, want);
        }
    }

    #[test]
    fn with_a_total_the_pages_are_the_expected_ones() {
        let spec = PagerSpec {
            page_size: 1000,
            limit: None,
            concurrency: 4,
        };
        let (items, reqs) = run(spec, 2345, true, u64::MAX);
        assert_eq!(items.len(), 2345);
        let got: Vec<(u64, u64)> = reqs.iter().map(|r| (r.offset, r.limit)).collect();
        assert_eq!(got, vec![(0, 1000), (1000, 1000), (2000, 345)]);
    }

    #[test]
    fn limit_ten_asks_for_ten_once() {
        let spec = PagerSpec {
            page_size: 10,
            limit: Some(10),
            concurrency: 4,
        };
        let (items, reqs) = run(spec, 2345, true, u64::MAX);
        assert_eq!(items.len(), 10);
        assert_eq!(
            reqs,
            vec![PageRequest {
                offset: 0,
                limit: 10
            }]
        );
    }

    #[test]
    fn duplicates_from_shifting_offsets_are_dropped() {
        // Page 2 repeats the last item of page 1, as when a new ticket arrives between requests.
        let fetch = |req: PageRequest| {
            let items: Vec<String> = match req.offset {
                0 => vec!["a", "b", "c"],
                3 => vec!["c", "d", "e"],
                _ => vec!["f"],
            }
            .into_iter()
            .map(String::from)
            .collect();
            futures::future::ready(Ok(Page {
                items,
                total: Some(7),
            }))
        };
        let spec = PagerSpec {
            page_size: 3,
            limit: None,
            concurrency: 2,
        };
        let items: Vec<String> = futures::executor::block_on(
            offset_pages(spec, id, fetch).map(|r| r.unwrap()).collect(),
        );
        assert_eq!(items, vec!["a", "b", "c", "d", "e", "f"]);
    }

    #[test]
    fn items_arriving_while_paging_push_none_out_of_reach() {
        // Newest first; before each request after the first, three new items arrive on
        // top, so every older item moves three places down (and the total grows).
        let items: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(
            (0..50).rev().map(|i| format!("old{i}")).collect(),
        ));
        let calls = Arc::new(Mutex::new(0u32));
        let fetch = {
            let items = items.clone();
            move |req: PageRequest| {
                let mut n = calls.lock().unwrap();
                let mut all = items.lock().unwrap();
                if *n > 0 {
                    for k in 0..3 {
                        all.insert(0, format!("new{n}-{k}"));
                    }
                }
                *n += 1;
                let end = ((req.offset + req.limit) as usize).min(all.len());
                let page = all[(req.offset as usize).min(end)..end].to_vec();
                futures::future::ready(Ok(Page {
                    items: page,
                    total: Some(all.len() as u64),
                }))
            }
        };
        let spec = PagerSpec {
            page_size: 5,
            limit: None,
            concurrency: 1,
        };
        let got: Vec<String> = futures::executor::block_on(
            offset_pages(spec, id, fetch).map(|r| r.unwrap()).collect(),
        );
        let unique: HashSet<&String> = got.iter().collect();
        assert_eq!(unique.len(), got.len(), "an item yielded twice");
        for i in 0..50 {
            assert!(
                got.contains(&format!("old{i}")),
                "old{i} was never read: {got:?}"
            );
        }
    }

    #[test]
    fn a_server_that_ignores_offset_does_not_loop() {
        let fetch = |_req: PageRequest| {
            futures::future::ready(Ok(Page {
                items: vec!["a".to_string(), "b".to_string()],
                total: None,
            }))
        };
        let spec = PagerSpec {
            page_size: 2,
            limit: None,
            concurrency: 1,
        };
        let items: Vec<String> = futures::executor::block_on(
            offset_pages(spec, id, fetch).map(|r| r.unwrap()).collect(),
        );
        assert_eq!(items, vec!["a", "b"]);
    }

    #[test]
    fn an_error_is_yielded_and_ends_the_stream() {
        let fetch = |req: PageRequest| {
            futures::future::ready(if req.offset == 0 {
                Ok(Page {
                    items: vec!["a".to_string()],
                    total: None,
                })
            } else {
                Err(Error::Config("boom".into()))
            })
        };
        let spec = PagerSpec {
            page_size: 1,
            limit: None,
            concurrency: 1,
        };
        let out: Vec<Result<String>> =
            futures::executor::block_on(offset_pages(spec, id, fetch).collect());
        assert_eq!(out.len(), 2);
        assert!(out[0].is_ok() && out[1].is_err());
    }
}
