//! The k-way merge behind `tix list --sort` over several providers.
//!
//! Each provider already yields its tickets sorted (server-side where its API can,
//! otherwise locally), so the whole answer is a merge of sorted streams: the next ticket
//! out is the smallest head among the streams. A run of tickets with the same sort key
//! within one stream is gathered and ordered by id first, so ties break on
//! (provider, id) whatever order a provider sends them in, and the same data gives the
//! same bytes on every run. `--limit` is applied by the caller after the merge.

use crate::error::Result;
use crate::model::{SortField, SortOrder, Ticket};
use futures::stream::{BoxStream, StreamExt};
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::sync::Arc;

/// The name of a source in warnings: shared, so labelling each ticket costs a reference
/// count, not a copy of the name (issue 18).
pub type Label = Arc<str>;

/// One labelled item of a source's stream: the label names the source in warnings.
pub type Item = (Label, Result<Ticket>);

/// How tickets compare under `--sort` and `--order`, ties on (provider, id).
#[derive(Debug, Clone, Copy)]
pub struct SortKey {
    pub field: SortField,
    pub order: SortOrder,
}

impl SortKey {
    /// The order of the sort key alone, with `--order` applied.
    fn key_cmp(self, a: &Ticket, b: &Ticket) -> Ordering {
        let ord = match self.field {
            SortField::Id => id_cmp(&a.id, &b.id),
            SortField::Created => a.created.cmp(&b.created),
            SortField::Updated => a.updated.cmp(&b.updated),
            SortField::Closed => a.closed.cmp(&b.closed),
        };
        match self.order {
            SortOrder::Asc => ord,
            SortOrder::Desc => ord.reverse(),
        }
    }

    /// The full order: the key, then provider, then id (both ascending, so the tie-break
    /// does not flip with `--order`).
    pub fn cmp(self, a: &Ticket, b: &Ticket) -> Ordering {
        self.key_cmp(a, b)
            .then_with(|| a.provider.cmp(&b.provider))
            .then_with(|| id_cmp(&a.id, &b.id))
    }
}

/// Ids compare as numbers when both are (Argus `8812345` before `10000000`), as text
/// when neither is, and a number before a text; a total order, so the merge of
/// providers with numeric and GUID ids is still one order.
fn id_cmp(a: &str, b: &str) -> Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// One source's stream with its current run of equal-key tickets.
struct Lane {
    stream: BoxStream<'static, Item>,
    label: Label,
    /// Tickets sharing one sort key, ordered by (provider, id); the lane's head.
    run: VecDeque<Ticket>,
    /// The first ticket of the next run, read while finding where this run ends.
    next: Option<Ticket>,
    done: bool,
}

/// Merges sorted streams into one sorted stream; errors pass through at once.
pub struct SortedMerge {
    key: SortKey,
    lanes: Vec<Lane>,
    /// Errors read while filling a run, handed out before the next ticket.
    errors: VecDeque<Item>,
}

impl SortedMerge {
    pub fn new(key: SortKey, streams: Vec<(Label, BoxStream<'static, Item>)>) -> Self {
        let lanes = streams
            .into_iter()
            .map(|(label, stream)| Lane {
                stream,
                label,
                run: VecDeque::new(),
                next: None,
                done: false,
            })
            .collect();
        SortedMerge {
            key,
            lanes,
            errors: VecDeque::new(),
        }
    }

    /// The next item in merged order, or `None` when every stream has ended.
    pub async fn next(&mut self) -> Option<Item> {
        for i in 0..self.lanes.len() {
            self.fill(i).await;
        }
        if let Some(e) = self.errors.pop_front() {
            return Some(e);
        }
        let key = self.key;
        let best = self
            .lanes
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.run.front().map(|t| (i, t)))
            .min_by(|(_, a), (_, b)| key.cmp(a, b))
            .map(|(i, _)| i)?;
        let lane = &mut self.lanes[best];
        let t = lane.run.pop_front()?;
        Some((lane.label.clone(), Ok(t)))
    }

    /// Reads lane `i` until its head run is complete: every ticket with the head's key
    /// and the first one after it (or the end of the stream).
    async fn fill(&mut self, i: usize) {
        let key = self.key;
        let lane = &mut self.lanes[i];
        if !lane.run.is_empty() {
            return;
        }
        if let Some(t) = lane.next.take() {
            lane.run.push_back(t);
        }
        while !lane.done {
            match lane.stream.next().await {
                None => lane.done = true,
                Some((label, Err(e))) => self.errors.push_back((label, Err(e))),
                Some((_, Ok(t))) => match lane.run.front() {
                    None => lane.run.push_back(t),
                    Some(head) if key.key_cmp(head, &t) == Ordering::Equal => {
                        let at = lane.run.partition_point(|x| key.cmp(x, &t).is_lt());
                        lane.run.insert(at, t);
                    }
                    Some(_) => {
                        lane.next = Some(t);
                        break;
                    }
                },
            }
        }
    }
}

/// The sort key of `--sort`/`--order`, when given.
pub fn sort_key(sort: Option<(SortField, SortOrder)>) -> Option<SortKey> {
    sort.map(|(field, order)| SortKey { field, order })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use chrono::{TimeZone, Utc};
    use futures::stream;

    fn t(provider: &str, id: &str, minute: u32) -> Ticket {
        let mut t = Ticket::new(provider.to_owned(), id);
        t.updated = Some(Utc.with_ymd_and_hms(2026, 12, 4, 9, minute, 0).unwrap());
        t
    }

    fn lane(label: &str, items: Vec<Ticket>) -> (Label, BoxStream<'static, Item>) {
        let l: Label = label.into();
        (
            label.into(),
            stream::iter(items.into_iter().map(move |t| (l.clone(), Ok(t)))).boxed(),
        )
    }

    async fn merged(key: SortKey, lanes: Vec<(Label, BoxStream<'static, Item>)>) -> Vec<String> {
        let mut m = SortedMerge::new(key, lanes);
        let mut out = Vec::new();
        while let Some((_, r)) = m.next().await {
            let t = r.unwrap();
            out.push(format!("{}:{}", t.provider, t.id));
        }
        out
    }

    #[tokio::test]
    async fn interleaves_two_sorted_streams_and_breaks_ties_on_provider_then_id() {
        let key = SortKey {
            field: SortField::Updated,
            order: SortOrder::Desc,
        };
        // Sonar sends its tie (minute 30) as b, a: the merge puts a first.
        let sonar = vec![
            t("sonar", "s3", 50),
            t("sonar", "b", 30),
            t("sonar", "a", 30),
        ];
        let argus = vec![
            t("argus", "9", 40),
            t("argus", "10", 30),
            t("argus", "2", 10),
        ];
        let got = merged(key, vec![lane("sonar", sonar), lane("argus", argus)]).await;
        assert_eq!(
            got,
            [
                "sonar:s3", "argus:9", "argus:10", "sonar:a", "sonar:b", "argus:2"
            ]
        );
    }

    #[test]
    fn ids_are_a_total_order_numbers_first() {
        let mut ids = ["1a", "10", "9", "b", "100"];
        ids.sort_by(|a, b| id_cmp(a, b));
        assert_eq!(ids, ["9", "10", "100", "1a", "b"]);
    }

    #[tokio::test]
    async fn errors_come_through_and_the_rest_goes_on() {
        let key = SortKey {
            field: SortField::Updated,
            order: SortOrder::Asc,
        };
        let failing = stream::iter(vec![
            ("a".into(), Ok(t("argus", "1", 5))),
            ("a".into(), Err(Error::Config("gone".into()))),
        ])
        .boxed();
        let mut m = SortedMerge::new(
            key,
            vec![("a".into(), failing), lane("s", vec![t("sonar", "x", 1)])],
        );
        let mut seen = Vec::new();
        while let Some((label, r)) = m.next().await {
            seen.push(match r {
                Ok(t) => t.id,
                Err(_) => format!("error from {label}"),
            });
        }
        assert_eq!(seen, ["error from a", "x", "1"]);
    }
}
