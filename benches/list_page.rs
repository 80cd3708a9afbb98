//! What `tix list` spends on one page apart from the transfer (issue 18): decoding a
//! 1,000-ticket list page of each provider into normalized tickets, and that plus writing
//! them as JSONL. `cargo bench --bench list_page`.
//!
//! The page is the provider's fixture ticket 1,000 times over with distinct ids, in the
//! provider's own page wrapper, so each run reads the same bytes.

use serde_json::{Value, json};
use tix::output::{Format, OutputOptions, writer};

fn main() {
    divan::main();
}

const PROVIDERS: [&str; 4] = ["sonar", "argus", "cyderes", "arcticwolf"];

/// Tickets a page.
const N: usize = 1000;

fn fixture(provider: &str, file: &str) -> Value {
    let path = format!("{}/fixtures/{provider}/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `base` `N` times, `id_key` set to `id(i)` in the i-th.
fn copies(base: &Value, id_key: &str, id: impl Fn(usize) -> Value) -> Vec<Value> {
    (0..N)
        .map(|i| {
            let mut t = base.clone();
            t[id_key] = id(i);
            t
        })
        .collect()
}

/// A 1,000-ticket list page as `provider` sends it.
fn page(provider: &str) -> Vec<u8> {
    let page = match provider {
        "sonar" => {
            let base = &fixture("sonar", "tickets.json")["tickets"][0];
            let tickets = copies(base, "guid", |i| {
                json!(format!("49272877-75f2-4c2f-9301-{i:012}"))
            });
            json!({"total": 100_000, "tickets": tickets})
        }
        "argus" => {
            let base = &fixture("argus", "search.json")["data"][0];
            let cases = copies(base, "id", |i| json!(1_000_000 + i));
            json!({"responseCode": 200, "count": 100_000, "data": cases})
        }
        "cyderes" => {
            let base = &fixture("cyderes", "tickets.json")[0];
            Value::from(copies(base, "ticket_id", |i| {
                json!(format!("CYDERES-{i:06}"))
            }))
        }
        "arcticwolf" => {
            let base = &fixture("arcticwolf", "tickets-page.json")["results"][0];
            let tickets = copies(base, "id", |i| json!(100 + i));
            json!({"results": tickets, "meta": {"total": 100_000}})
        }
        other => panic!("no page for {other}"),
    };
    serde_json::to_vec(&page).unwrap()
}

#[divan::bench(args = PROVIDERS)]
fn decode(bencher: divan::Bencher, provider: &str) {
    let bytes = page(provider);
    assert_eq!(
        tix::providers::read_list_page(provider, &bytes)
            .unwrap()
            .len(),
        N
    );
    bencher
        .counter(divan::counter::ItemsCount::new(N))
        .bench(|| tix::providers::read_list_page(provider, divan::black_box(&bytes)).unwrap());
}

#[divan::bench(args = PROVIDERS)]
fn decode_and_write_jsonl(bencher: divan::Bencher, provider: &str) {
    let bytes = page(provider);
    let opts = OutputOptions {
        format: Format::Jsonl,
        fields: None,
        color: false,
        width: 0,
        tty: false,
        now: chrono::Utc::now(),
        jq: None,
        csv_raw: false,
        wide: false,
        utc: true,
    };
    let mut out: Vec<u8> = Vec::with_capacity(4 << 20);
    bencher
        .counter(divan::counter::ItemsCount::new(N))
        .bench_local(|| {
            out.clear();
            let tickets =
                tix::providers::read_list_page(provider, divan::black_box(&bytes)).unwrap();
            let mut w = writer(&opts, Box::new(&mut out));
            for t in &tickets {
                w.write(t).unwrap();
            }
            w.finish().unwrap();
        });
}
