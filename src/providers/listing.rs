//! The one listing every offset-paged provider configures: which page size to ask for,
//! the pager, the client-side filter, the limit after it, and the summary of unreadable
//! fields when the listing ends. A provider says only how it pages ([`Paging`]), how
//! to ask for one page and how to read it (`lenient::Reader`).

use super::lenient;
use crate::error::Result;
use crate::model::Query;
use crate::paginate::{Page, PageRequest, PagerSpec, offset_pages_kept};
use futures::future::{BoxFuture, FutureExt, ready};
use futures::stream::{self, BoxStream, StreamExt};
use std::future::Future;

/// How a provider's list endpoint pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    /// The largest page the API accepts.
    pub max: u64,
    /// The page asked for without `--page-size`.
    pub default: u64,
    /// The largest `offset` the API serves; `None` = no cap.
    pub max_offset: Option<u64>,
}

impl Paging {
    /// Pages of up to `max`, `max` by default, no offset cap.
    pub const fn new(max: u64) -> Self {
        Paging {
            max,
            default: max,
            max_offset: None,
        }
    }

    /// `--page-size` or the default, never more than the API takes; and never more than
    /// `limit` needs, unless some filters run here (`client_side`): then the limit says
    /// nothing about how many tickets the server must send before `limit` of them pass.
    pub fn page_size(&self, q: &Query, client_side: bool) -> u64 {
        let size = q.page_size.unwrap_or(self.default).min(self.max);
        match q.limit {
            Some(limit) if !client_side => size.min(limit.max(1)),
            _ => size,
        }
    }

    /// The pager for `q`; with client-side filters the server's count is not the user's,
    /// so the limit is applied after filtering instead.
    pub fn spec(&self, q: &Query, client_side: bool) -> PagerSpec {
        PagerSpec {
            max_offset: self.max_offset,
            ..PagerSpec::new(
                self.page_size(q, client_side),
                if client_side { None } else { q.limit },
                q.concurrency,
            )
        }
    }
}

/// A provider's items for `q`: `fetch` answers one page, `keep` is the client-side
/// filter (`client_side` says whether it does anything), `key` an item's id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn offset_listing<T, K, F, Fut>(
    provider: &'static str,
    paging: &Paging,
    q: &Query,
    client_side: bool,
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
    // The filter runs inside the pager, one stream layer fewer for every ticket (issue 18).
    let kept = offset_pages_kept(paging.spec(q, client_side), key, keep, on_workers(fetch));
    let limited = match q.limit {
        Some(limit) if client_side => take_ok(kept, limit),
        _ => kept,
    };
    ended(provider, limited)
}

/// `fetch`, each page's request and decoding run as a task of their own on the runtime's
/// workers (issue 18): the pager polls at most `--concurrency` of them at once and yields
/// pages in order, but decoding one page no longer holds up receiving the others (all of
/// them were polled, and so decoded, on the one task that also writes the output).
/// Dropping the listing drops the tasks (`remote_handle`); a panic in one is resumed
/// here. Without a Tokio runtime (unit tests on a plain executor) pages run inline.
fn on_workers<T, F, Fut>(
    fetch: F,
) -> impl Fn(PageRequest) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync + 'static
where
    T: Send + 'static,
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    move |req| {
        let page = fetch(req);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (task, handle) = page.remote_handle();
                runtime.spawn(task);
                handle.boxed()
            }
            Err(_) => page.boxed(),
        }
    }
}

/// A listing that cannot start (its query was refused): that error, once.
pub(crate) fn refused<T: Send + 'static>(e: crate::error::Error) -> BoxStream<'static, Result<T>> {
    stream::once(async { Err(e) }).boxed()
}

/// At most `limit` items; warnings pass and do not count. Ends as soon as the last item
/// is out, without asking for another page.
pub(crate) fn take_ok<T: Send + 'static>(
    items: BoxStream<'static, Result<T>>,
    limit: u64,
) -> BoxStream<'static, Result<T>> {
    stream::unfold((items, limit), |(mut items, left)| async move {
        if left == 0 {
            return None;
        }
        let item = items.next().await?;
        let left = if item.is_ok() { left - 1 } else { left };
        Some((item, (items, left)))
    })
    .boxed()
}

/// `items`, then the collapsed warnings about unreadable fields of `provider`.
pub(crate) fn ended<T: Send + 'static>(
    provider: &'static str,
    items: BoxStream<'static, Result<T>>,
) -> BoxStream<'static, Result<T>> {
    let summary = stream::once(async move {
        lenient::summary(provider);
        None
    })
    .filter_map(ready);
    items.chain(summary).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn pages_are_the_default_never_above_the_max_nor_the_limit() {
        let argus = Paging {
            default: 1000,
            ..Paging::new(100_000)
        };
        assert_eq!(argus.page_size(&Query::default(), false), 1000);
        let ten = Query {
            limit: Some(10),
            ..Query::default()
        };
        assert_eq!(argus.page_size(&ten, false), 10);
        assert_eq!(argus.page_size(&ten, true), 1000);
        let big = Query {
            page_size: Some(200_000),
            ..Query::default()
        };
        assert_eq!(argus.page_size(&big, false), 100_000);
        assert_eq!(Paging::new(250).page_size(&Query::default(), false), 250);
    }

    #[test]
    fn the_limit_counts_tickets_not_warnings() {
        let items: Vec<Result<u32>> = vec![
            Ok(1),
            Err(Error::Partial {
                failed: vec!["x".into()],
            }),
            Ok(2),
            Ok(3),
        ];
        let out: Vec<Result<u32>> =
            futures::executor::block_on(take_ok(stream::iter(items).boxed(), 2).collect());
        assert_eq!(out.len(), 3);
        assert!(out[1].is_err() && *out[2].as_ref().unwrap() == 2);
    }
}
