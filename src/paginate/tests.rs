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
    let items: Vec<String> =
        futures::executor::block_on(offset_pages(spec, id, fetch).map(|r| r.unwrap()).collect());
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
    let items: Vec<String> =
        futures::executor::block_on(offset_pages(spec, id, fetch).map(|r| r.unwrap()).collect());
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
    let got: Vec<String> =
        futures::executor::block_on(offset_pages(spec, id, fetch).map(|r| r.unwrap()).collect());
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
    fetch: impl Fn(PageRequest) -> futures::future::Ready<Result<Page<String>>> + Send + Sync + 'static,
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
