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
mod tests;
