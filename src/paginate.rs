//! Turns "fetch one page" into a stream of items: the only loop over pages in tix.
//!
//! Offset/limit with a total: the first page, then the rest concurrently (bounded) and
//! yielded in order; when a later page reports a larger total (items arrived while
//! paging, pushing the last ones past the first total), one page after another from
//! there until a short page, at most [`MAX_EXTRA_PAGES`]. Without a total: one page
//! after another until an empty page (a server may cap its pages below what was asked,
//! so a short page proves nothing).
//!
//! A provider is untrusted, so every listing ends: offsets only grow (each page starts
//! where the items read so far end), and the pager stops, with a warning item
//! ([`Error::Partial`], exit 6) rather than silently, when a page brings no id it has
//! not yielded (a server that ignores `offset`), at the API's largest offset, or after
//! [`MAX_PAGES`] pages (a `total` of 10^12). Objects of a page that could not be read
//! as items ([`Page::unreadable`]) are yielded as warning items too, and the listing
//! goes on. Never asks for more than `limit` needs; memory is bounded by the pages in
//! flight (including the ids remembered for de-duplication).

use crate::error::{Error, Result};
use futures::future::Either;
use futures::stream::{self, BoxStream, StreamExt};
use std::collections::{HashSet, VecDeque};
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
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The number of matches the server reports, when it reports one.
    pub total: Option<u64>,
    /// One line for each object of the page that could not be read as an item (no id, a
    /// broken value): reported, not yielded. They still count for the page's length, so
    /// the next offset is right.
    pub unreadable: Vec<Error>,
}

impl<T> Page<T> {
    /// A page whose every object was read.
    pub fn new(items: Vec<T>, total: Option<u64>) -> Self {
        Page {
            items,
            total,
            unreadable: Vec::new(),
        }
    }

    /// How many objects the server sent.
    fn len(&self) -> u64 {
        (self.items.len() + self.unreadable.len()) as u64
    }
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
    /// The largest `offset` the API serves (Argus, Arctic Wolf: 100000); `None` = no cap.
    pub max_offset: Option<u64>,
    /// Requests one listing makes at most; [`MAX_PAGES`] unless a test says less.
    pub max_pages: u64,
}

impl PagerSpec {
    pub fn new(page_size: u64, limit: Option<u64>, concurrency: usize) -> Self {
        PagerSpec {
            page_size,
            limit,
            concurrency,
            max_offset: None,
            max_pages: MAX_PAGES,
        }
    }

    /// Why the page at `offset`, the `pages`-th request, is not asked for, if it is not.
    fn refusal(&self, offset: u64, pages: u64) -> Option<Error> {
        let why = if self.max_offset.is_some_and(|max| offset > max) {
            format!(
                "stopped at offset {offset}: the API pages no further than offset {}; narrow with --since/--until",
                self.max_offset.unwrap_or_default()
            )
        } else if pages >= self.max_pages {
            format!(
                "stopped after {pages} pages, the most tix reads of one listing; narrow with --since/--until"
            )
        } else {
            return None;
        };
        Some(Error::Partial { failed: vec![why] })
    }
}

/// Requests one listing makes at most: a million tickets at 10 a page, and the end of a
/// server whose `total` never ends.
pub const MAX_PAGES: u64 = 100_000;

/// Pages through `fetch` and yields items in order, each id once, at most `limit`.
///
/// `key` gives an item's id. Offset paging shifts while items arrive on the server, so
/// an item may come back on two pages; the second is dropped. A non-empty page that
/// brings no new id ends the stream with a warning, so a server that ignores `offset`
/// cannot make tix loop.
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
    offset_pages_kept(spec, key, |_| true, fetch)
}

/// [`offset_pages`], yielding only the items `keep` passes: the client-side filter runs
/// on each page as it is de-duplicated, not as a stream layer of its own that every item
/// passes through (issue 18). The limit and the de-duplication count every new item,
/// kept or not, exactly as when the filter followed the pager.
pub fn offset_pages_kept<T, K, F, Fut>(
    spec: PagerSpec,
    key: fn(&T) -> &str,
    keep: K,
    fetch: F,
) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    K: Fn(&T) -> bool + Send + 'static,
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
    let pages = stream::once(start)
        .flat_map(move |first_page| -> BoxStream<'static, Result<Page<T>>> {
            let page = match first_page {
                Ok(page) => page,
                Err(e) => return stream::once(async { Err(e) }).boxed(),
            };
            let got = page.len();
            match page.total {
                Some(total) if got > 0 && got < total.min(limit) => {
                    // A server may cap the page below what was asked; step by what it gave.
                    let step = got.min(page_size);
                    let target = total.min(limit);
                    let rest = (1..)
                        .map(move |i: u64| (i, i * step))
                        .take_while(move |(_, offset)| *offset < target)
                        .map(move |(pages, offset)| match spec.refusal(offset, pages) {
                            Some(stop) => Err(stop),
                            None => Ok(PageRequest {
                                offset,
                                limit: step.min(target - offset),
                            }),
                        });
                    let largest = Arc::new(AtomicU64::new(total));
                    let seen = largest.clone();
                    let planned = {
                        let fetch = fetch.clone();
                        stream::iter(rest)
                            .map(move |req| match req {
                                Ok(req) => Either::Left(fetch(req)),
                                Err(stop) => Either::Right(futures::future::ready(Err(stop))),
                            })
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
                None => sequential(page, first, spec, limit, fetch.clone()),
            }
        })
        .boxed();
    // Pulls a page only while items may still go out, so the page after the last one
    // needed (or after a stop) is never asked for.
    let seen = Yielded::new(limit, page_size);
    stream::unfold((pages, seen, keep), move |(mut pages, mut seen, keep)| async move {
        if seen.done() {
            return None;
        }
        // A page's new tickets stay in its own vector (no copy of each into another),
        // followed by its warnings.
        let (items, warnings) = match pages.next().await? {
            Err(e) => {
                // The first error ends the stream; pages already in flight are dropped.
                seen.left = 0;
                (Vec::new(), vec![e])
            }
            Ok(mut page) => {
                let repeats = page.unreadable.is_empty() && !page.items.is_empty();
                let fresh = seen.admit(&mut page.items, key, &keep);
                if repeats && fresh == 0 {
                    // Offset paging repeats an item only when others arrive in front of
                    // it; a whole page of repeats is a server that ignores `offset`.
                    seen.left = 0;
                    let stop = Error::Partial {
                        failed: vec![
                            "stopped: a page brought only tickets already listed (the server may ignore offset)".into(),
                        ],
                    };
                    (Vec::new(), vec![stop])
                } else {
                    (page.items, page.unreadable)
                }
            }
        };
        let out = items
            .into_iter()
            .map(Ok)
            .chain(warnings.into_iter().map(Err));
        Some((stream::iter(out), (pages, seen, keep)))
    })
    .flatten()
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
                    let got = page.len();
                    let short = got < req.limit || got == 0;
                    Some((Ok(page), (offset + got, pages + 1, short)))
                }
                Err(e) => Some((Err(e), (offset, pages, true))),
            }
        }
    })
    .boxed()
}

/// Without a total: the next request goes out when the previous page is in, from where
/// that page ended, and an empty page is the last.
fn sequential<T, F, Fut>(
    first: Page<T>,
    first_req: PageRequest,
    spec: PagerSpec,
    limit: u64,
    fetch: Arc<F>,
) -> BoxStream<'static, Result<Page<T>>>
where
    T: Send + 'static,
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let page_size = spec.page_size.max(1);
    // `got > 0` is what makes offsets strictly grow: no request is ever asked twice.
    let next_of = move |req: PageRequest, got: u64, pages: u64| -> Option<Result<PageRequest>> {
        let offset = req.offset + got;
        if got == 0 || offset >= limit {
            return None;
        }
        Some(match spec.refusal(offset, pages) {
            Some(stop) => Err(stop),
            None => Ok(PageRequest {
                offset,
                limit: page_size.min(limit - offset),
            }),
        })
    };
    let after_first = next_of(first_req, first.len(), 1).map(|next| (next, 1));
    let rest = stream::unfold(after_first, move |next| {
        let fetch = fetch.clone();
        async move {
            let (req, pages) = match next? {
                (Ok(req), pages) => (req, pages),
                (Err(stop), _) => return Some((Err(stop), None)),
            };
            match fetch(req).await {
                Ok(page) => {
                    let following = next_of(req, page.len(), pages + 1).map(|n| (n, pages + 1));
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
///
/// One set holds every remembered id, so a ticket costs one hash of its id and one
/// lookup, whatever the window (scanning a set per page cost 40 lookups a ticket). Each
/// id is in the set at most once, so the ids a page added are exactly those to forget
/// when it leaves the window.
struct Yielded {
    /// The 64-bit hash of every id of the window's pages.
    ids: HashSet<u64, foldhash::fast::RandomState>,
    /// The hashes each page of the window added, oldest first.
    pages: VecDeque<Vec<u64>>,
    /// Seeded per process: a provider cannot choose ids whose hashes collide (a collision
    /// would drop a ticket as a repeat).
    hasher: foldhash::fast::RandomState,
    left: u64,
}

/// Pages whose ids are remembered: those in flight at the largest `--concurrency`
/// (32) plus a margin.
const WINDOW: usize = 40;

impl Yielded {
    /// Room for the whole window's ids from the start (or for `limit` of them, if fewer):
    /// growing the set from empty re-inserted every id several times over (issue 18).
    fn new(limit: u64, page_size: u64) -> Self {
        let room = (page_size.saturating_mul(WINDOW as u64))
            .min(limit)
            .min(MAX_ROOM) as usize;
        Yielded {
            ids: HashSet::with_capacity_and_hasher(room, Default::default()),
            pages: VecDeque::with_capacity(WINDOW),
            hasher: foldhash::fast::RandomState::default(),
            left: limit,
        }
    }

    fn done(&self) -> bool {
        self.left == 0
    }

    /// Keeps in `items` those not yielded before that `keep` passes, up to the limit;
    /// answers how many were new, kept or not.
    fn admit<T>(
        &mut self,
        items: &mut Vec<T>,
        key: fn(&T) -> &str,
        keep: &impl Fn(&T) -> bool,
    ) -> usize {
        // The oldest page's list is reused for this page's hashes once it is forgotten.
        let full = self.pages.len() == WINDOW;
        let mut added = match self.pages.front_mut() {
            Some(oldest) if full => std::mem::take(oldest),
            _ => Vec::with_capacity(items.len()),
        };
        let oldest = added.len();
        // `retain` moves no item while every one is kept, the usual page.
        items.retain(|item| {
            if self.left == 0 {
                return false;
            }
            let h = self.hasher.hash_one(key(item));
            if !self.ids.insert(h) {
                return false;
            }
            added.push(h);
            self.left -= 1;
            keep(item)
        });
        // The oldest page is forgotten only now, so this page was checked against all
        // of the last WINDOW pages. Its ids are not among this page's (those were new).
        if full {
            for h in added.drain(..oldest) {
                self.ids.remove(&h);
            }
            self.pages.pop_front();
        }
        let fresh = added.len();
        self.pages.push_back(added);
        fresh
    }
}

/// The most ids the set makes room for at the start: the window of pages of 1,000.
const MAX_ROOM: u64 = 40_000;

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
            futures::future::ready(Ok(Page::new(items, report_total.then_some(total))))
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
            let spec = PagerSpec::new(page_size, limit, concurrency);
            let (items, reqs) = run(spec, total, report_total, u64::MAX);
            let want = total.min(limit.unwrap_or(u64::MAX));
            let expected: Vec<String> = (0..want).map(|i| i.to_string()).collect();
            prop_assert_eq!(&items, &expected);
            // Never asks for more than the limit needs.
            for r in &reqs {
                prop_assert!(r.limit <= page_size);
                prop_assert!(r.offset + r.limit <= limit.unwrap_or(u64::MAX));
            }
            // With a total, not one item more is asked for; without, the empty page
            // that proves the end may ask for one more.
            if let (Some(l), true) = (limit, report_total) {
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
            // Asked for 50 but answering at most `cap`: with a total the pager steps by
            // `cap`; without one a short page proves nothing, and only an empty page ends.
            let spec = PagerSpec::new(50, None, 3);
            let (items, _) = run(spec, total, report_total, cap);
            let expected: Vec<String> = (0..total).map(|i| i.to_string()).collect();
            prop_assert_eq!(items, expected);
        }
    }

    #[test]
    fn with_a_total_the_pages_are_the_expected_ones() {
        let spec = PagerSpec::new(1000, None, 4);
        let (items, reqs) = run(spec, 2345, true, u64::MAX);
        assert_eq!(items.len(), 2345);
        let got: Vec<(u64, u64)> = reqs.iter().map(|r| (r.offset, r.limit)).collect();
        assert_eq!(got, vec![(0, 1000), (1000, 1000), (2000, 345)]);
    }

    #[test]
    fn limit_ten_asks_for_ten_once() {
        let spec = PagerSpec::new(10, Some(10), 4);
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
            futures::future::ready(Ok(Page::new(items, Some(7))))
        };
        let spec = PagerSpec::new(3, None, 2);
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
                futures::future::ready(Ok(Page::new(page, Some(all.len() as u64))))
            }
        };
        let spec = PagerSpec::new(5, None, 1);
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

    /// The items, and the warning texts, of a whole listing.
    fn drain(
        spec: PagerSpec,
        fetch: impl Fn(PageRequest) -> futures::future::Ready<Result<Page<String>>>
        + Send
        + Sync
        + 'static,
    ) -> (Vec<String>, Vec<String>) {
        let out: Vec<Result<String>> =
            futures::executor::block_on(offset_pages(spec, id, fetch).collect());
        let mut items = Vec::new();
        let mut warnings = Vec::new();
        for r in out {
            match r {
                Ok(item) => items.push(item),
                Err(Error::Partial { failed }) => warnings.extend(failed),
                Err(e @ Error::Unreadable { .. }) => warnings.push(e.to_string()),
                Err(e) => panic!("not a warning: {e}"),
            }
        }
        (items, warnings)
    }

    #[test]
    fn a_server_that_ignores_offset_stops_with_a_warning() {
        let calls = Arc::new(AtomicU64::new(0));
        for total in [None, Some(1_000_000_000_000)] {
            calls.store(0, Ordering::Relaxed);
            let counted = calls.clone();
            let fetch = move |_req: PageRequest| {
                counted.fetch_add(1, Ordering::Relaxed);
                futures::future::ready(Ok(Page::new(vec!["a".to_string(), "b".to_string()], total)))
            };
            let (items, warnings) = drain(PagerSpec::new(2, None, 1), fetch);
            assert_eq!(items, vec!["a", "b"], "total {total:?}");
            assert_eq!(warnings.len(), 1, "total {total:?}");
            assert!(warnings[0].contains("ignore offset"), "{warnings:?}");
            assert_eq!(calls.load(Ordering::Relaxed), 2, "total {total:?}");
        }
    }

    #[test]
    fn a_server_without_end_stops_at_the_page_ceiling_with_a_warning() {
        // Fresh ids forever, with and without a total of 10^12.
        for total in [None, Some(1_000_000_000_000)] {
            let fetch = move |req: PageRequest| {
                futures::future::ready(Ok(Page::new(vec![req.offset.to_string()], total)))
            };
            let spec = PagerSpec {
                max_pages: 50,
                ..PagerSpec::new(1, None, 4)
            };
            let (items, warnings) = drain(spec, fetch);
            assert_eq!(items.len(), 50, "total {total:?}");
            assert_eq!(warnings.len(), 1, "total {total:?}");
            assert!(warnings[0].contains("after 50 pages"), "{warnings:?}");
        }
    }

    #[test]
    fn the_apis_largest_offset_ends_the_listing_with_a_warning() {
        for report_total in [false, true] {
            let (_, fetch) = server(1000, report_total, u64::MAX);
            let spec = PagerSpec {
                max_offset: Some(300),
                ..PagerSpec::new(100, None, 2)
            };
            let (items, warnings) = drain(spec, fetch);
            assert_eq!(items.len(), 400, "report_total {report_total}");
            assert_eq!(warnings.len(), 1);
            assert!(
                warnings[0].contains("no further than offset 300"),
                "{warnings:?}"
            );
        }
    }

    #[test]
    fn unreadable_objects_are_warnings_that_count_for_the_offset() {
        // Two objects a page; the second of the first page could not be read.
        let fetch = |req: PageRequest| {
            let page = match req.offset {
                0 => Page {
                    items: vec!["a".to_string()],
                    total: None,
                    unreadable: vec![Error::Unreadable {
                        provider: "p".into(),
                        position: 2,
                        why: "has no id".into(),
                    }],
                },
                2 => Page::new(vec!["c".to_string(), "d".to_string()], None),
                _ => Page::new(Vec::new(), None),
            };
            futures::future::ready(Ok(page))
        };
        let (items, warnings) = drain(PagerSpec::new(2, None, 1), fetch);
        assert_eq!(items, vec!["a", "c", "d"]);
        assert_eq!(
            warnings,
            vec!["p: ticket 2 of the listing has no id; skipped"]
        );
    }

    #[test]
    fn repeats_are_caught_across_the_whole_window_and_only_the_window_is_kept() {
        let page = |p: usize| -> Vec<String> { (0..10).map(|i| format!("{p}-{i}")).collect() };
        let mut seen = Yielded::new(u64::MAX, 10);
        let admit = |seen: &mut Yielded, mut items: Vec<String>| -> Vec<String> {
            seen.admit(&mut items, id, &|_| true);
            items
        };
        assert_eq!(admit(&mut seen, page(0)).len(), 10);
        // Page 0's ids come back on each of the next WINDOW - 1 pages: all dropped.
        for p in 1..WINDOW {
            let mut items = page(p);
            items.push(format!("0-{}", p % 10));
            let fresh = admit(&mut seen, items);
            assert_eq!(fresh, page(p), "page {p}");
        }
        // A repeat within a page is dropped too.
        let mut twice = page(WINDOW);
        twice.push(format!("{WINDOW}-3"));
        assert_eq!(admit(&mut seen, twice), page(WINDOW));
        // Page 0 has left the window: its ids are forgotten, and so memory stays at the
        // window's ids however long the listing.
        assert_eq!(admit(&mut seen, vec!["0-1".to_string()]), vec!["0-1"]);
        for p in WINDOW + 2..WINDOW * 5 {
            admit(&mut seen, page(p));
        }
        assert_eq!(seen.pages.len(), WINDOW);
        assert_eq!(seen.ids.len(), WINDOW * 10);
    }

    #[test]
    fn an_error_is_yielded_and_ends_the_stream() {
        let fetch = |req: PageRequest| {
            futures::future::ready(if req.offset == 0 {
                Ok(Page::new(vec!["a".to_string()], None))
            } else {
                Err(Error::Config("boom".into()))
            })
        };
        let spec = PagerSpec::new(1, None, 1);
        let out: Vec<Result<String>> =
            futures::executor::block_on(offset_pages(spec, id, fetch).collect());
        assert_eq!(out.len(), 2);
        assert!(out[0].is_ok() && out[1].is_err());
    }

    #[test]
    fn the_filter_drops_items_that_still_count_as_listed_and_for_the_limit() {
        let (_, fetch) = server(10, true, u64::MAX);
        let even = |s: &String| s.parse::<u32>().unwrap() % 2 == 0;
        let spec = PagerSpec::new(3, Some(5), 2);
        let items: Vec<String> = futures::executor::block_on(
            offset_pages_kept(spec, id, even, fetch)
                .map(|r| r.unwrap())
                .collect(),
        );
        // The limit counts the five items listed (0..5), of which the filter keeps three.
        assert_eq!(items, vec!["0", "2", "4"]);
    }

    #[test]
    fn a_page_of_repeats_the_filter_drops_still_stops_the_listing() {
        // A server that ignores offset: every page is "a", "b"; the filter keeps none.
        let fetch = |_: PageRequest| {
            futures::future::ready(Ok(Page::new(vec!["a".to_string(), "b".to_string()], None)))
        };
        let out: Vec<Result<String>> = futures::executor::block_on(
            offset_pages_kept(PagerSpec::new(2, None, 1), id, |_| false, fetch).collect(),
        );
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], Err(Error::Partial { .. })));
    }
}
