//! `--sort` here (the Ticket API has no sort): every ticket must be seen before the first
//! is printed, but with `--limit K` only the best K are kept while reading, so memory is
//! K tickets, not the whole window.

use crate::error::Result;
use crate::model::{SortField, SortOrder, Ticket};
use futures::stream::{self, BoxStream, StreamExt};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A ticket with its sort key, ordered so that the heap's greatest is the one to drop
/// first: the worst key, and among equal keys the latest read (so the sort is stable).
struct Ranked {
    key: Option<i64>,
    seq: u64,
    order: SortOrder,
    ticket: Ticket,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        let by_key = match self.order {
            SortOrder::Asc => self.key.cmp(&other.key),
            SortOrder::Desc => other.key.cmp(&self.key),
        };
        by_key.then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

fn key(t: &Ticket, field: SortField) -> Option<i64> {
    match field {
        SortField::Id => t.number.as_deref().and_then(|n| n.parse::<i64>().ok()),
        SortField::Created => t.created.map(|d| d.timestamp_micros()),
        SortField::Updated => t.updated.map(|d| d.timestamp_micros()),
        SortField::Closed => t.closed.map(|d| d.timestamp_micros()),
    }
}

/// The tickets sorted, at most `limit` of them; warnings and errors keep their place
/// after the tickets.
pub(super) fn sorted(
    tickets: BoxStream<'static, Result<Ticket>>,
    (field, order): (SortField, SortOrder),
    limit: Option<u64>,
) -> BoxStream<'static, Result<Ticket>> {
    let keep = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    stream::once(async move {
        let mut best: BinaryHeap<Ranked> = BinaryHeap::new();
        let mut errors = Vec::new();
        let mut tickets = tickets;
        let mut seq = 0u64;
        while let Some(item) = tickets.next().await {
            match item {
                Ok(ticket) if keep > 0 => {
                    seq += 1;
                    best.push(Ranked {
                        key: key(&ticket, field),
                        seq,
                        order,
                        ticket,
                    });
                    if best.len() > keep {
                        best.pop();
                    }
                }
                Ok(_) => {}
                Err(e) => errors.push(Err(e)),
            }
        }
        let ordered = best.into_sorted_vec().into_iter().map(|r| Ok(r.ticket));
        stream::iter(ordered.chain(errors))
    })
    .flatten()
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ticket(n: u32) -> Ticket {
        let mut t = Ticket::new("arcticwolf", format!("org/{n}"));
        t.number = Some((n % 7).to_string());
        t
    }

    fn run(ns: &[u32], order: SortOrder, limit: Option<u64>) -> Vec<String> {
        let items: Vec<Result<Ticket>> = ns.iter().map(|n| Ok(ticket(*n))).collect();
        let out: Vec<Result<Ticket>> = futures::executor::block_on(
            sorted(stream::iter(items).boxed(), (SortField::Id, order), limit).collect(),
        );
        out.into_iter().map(|r| r.unwrap().id).collect()
    }

    proptest! {
        #[test]
        fn the_top_k_are_the_first_k_of_a_stable_full_sort(
            ns in proptest::collection::vec(0u32..40, 0..60),
            limit in proptest::option::of(0u64..70),
            desc in any::<bool>(),
        ) {
            let order = if desc { SortOrder::Desc } else { SortOrder::Asc };
            let mut all: Vec<Ticket> = ns.iter().map(|n| ticket(*n)).collect();
            all.sort_by(|a, b| {
                let ord = key(a, SortField::Id).cmp(&key(b, SortField::Id));
                if desc { ord.reverse() } else { ord }
            });
            let mut want: Vec<String> = all.into_iter().map(|t| t.id).collect();
            if let Some(l) = limit {
                want.truncate(l as usize);
            }
            prop_assert_eq!(run(&ns, order, limit), want);
        }
    }
}
