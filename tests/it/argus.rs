//! Argus against wiremock: method, path, query, the `Argus-API-Key` header and the JSON
//! body exactly as vendor-docs/argus-case-api.txt shows them, and every documented error
//! (research/argus-sonar.md §1.4: 401, 403 FIELD_ERROR, 404, 412; 301 for a merged case).

use crate::harness::{KEY, code, fixture, lines, run, stderr, stdout};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SEARCH: &str = "/cases/v2/case/search";

pub async fn argus(url: &str, args: &[&str]) -> std::process::Output {
    run(args, &[("TIX_ARGUS_URL", url), ("TIX_ARGUS_API_KEY", KEY)]).await
}

/// A case shaped like the fixture, numbered `i`.
fn case(i: u64) -> Value {
    let mut c = fixture("argus", "search.json")["data"][0].clone();
    c["id"] = json!(i);
    c
}

pub fn envelope(data: Value, count: i64) -> ResponseTemplate {
    let size = data.as_array().map_or(0, Vec::len);
    ResponseTemplate::new(200).set_body_json(json!({
        "responseCode": 200, "limit": 0, "offset": 0, "count": count, "size": size,
        "metaData": {}, "messages": [], "data": data,
    }))
}

fn page(count: i64, range: std::ops::Range<u64>) -> ResponseTemplate {
    envelope(Value::Array(range.map(case).collect()), count)
}

/// Every request the tests did not expect fails loudly and is not retried.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418).set_body_json(
            json!({"messages": [{"type": "ACTION_ERROR", "message": "unmatched request"}]}),
        ))
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

pub fn call(verb: &str, p: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(p))
        .and(header("argus-api-key", KEY))
}

fn search() -> wiremock::MockBuilder {
    call("POST", SEARCH).and(header("content-type", "application/json"))
}

// "Searching for cases", advanced search: limit/offset in the body, sorted newest first.
#[tokio::test(flavor = "multi_thread")]
async fn pulls_2345_cases_in_three_pages_once_the_count_is_known() {
    let s = server().await;
    for (offset, limit, end) in [(0, 1000, 1000), (1000, 1000, 2000), (2000, 345, 2345)] {
        search()
            .and(body_json(
                json!({"sortBy": ["-id"], "limit": limit, "offset": offset}),
            ))
            .respond_with(page(2345, offset..end))
            .expect(1)
            .mount(&s)
            .await;
    }
    let o = argus(&s.uri(), &["list", "--provider", "argus", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 2345);
    let ids: std::collections::HashSet<&str> =
        items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2345);
    let t = &items[0];
    assert_eq!(t["provider"], "argus");
    assert_eq!(t["status"], "waiting_customer");
    assert_eq!(t["status_raw"], "pendingCustomer");
    assert_eq!(
        t["tenant"],
        json!({"id": "1", "name": "Example AS", "pod": null})
    );
    assert_eq!(t["created"], "2023-11-14T22:13:20Z");
    assert_eq!(t["closed"], Value::Null);
}

// General guide: `count` -1 means the server stopped counting; page until a short page.
#[tokio::test(flavor = "multi_thread")]
async fn count_minus_one_pages_one_after_another_until_an_empty_page() {
    let s = server().await;
    for (offset, end) in [(0, 100), (100, 200), (200, 207), (207, 207)] {
        search()
            .and(body_json(
                json!({"sortBy": ["-id"], "limit": 100, "offset": offset}),
            ))
            .respond_with(page(-1, offset..end))
            .expect(1)
            .mount(&s)
            .await;
    }
    let o = argus(
        &s.uri(),
        &[
            "list",
            "--provider",
            "argus",
            "--page-size",
            "100",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 207);
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_ten_is_one_request_of_ten() {
    let s = server().await;
    search()
        .and(body_json(
            json!({"sortBy": ["-id"], "limit": 10, "offset": 0}),
        ))
        .respond_with(page(5000, 0..10))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &[
            "list",
            "--provider",
            "argus",
            "--limit",
            "10",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 10);
}

// "Exclude subcriteria": one body with the statuses, the exclude and the window.
#[tokio::test(flavor = "multi_thread")]
async fn waiting_customer_excluding_closed_since_7d_is_one_exact_body() {
    let s = server().await;
    let seven_days_ago = chrono::Utc::now().timestamp_millis() - 7 * 24 * 3600 * 1000;
    search()
        .and(move |r: &Request| {
            let mut body: Value = serde_json::from_slice(&r.body).unwrap();
            let start = body["startTimestamp"].as_i64().unwrap_or(0);
            body.as_object_mut().unwrap().remove("startTimestamp");
            (start - seven_days_ago).abs() < 120_000
                && body
                    == json!({
                        "status": ["pendingCustomer", "workingCustomer"],
                        "subCriteria": [{"exclude": true, "status": ["closed"]}],
                        "timeFieldStrategy": ["createdTimestamp"],
                        "sortBy": ["-id"],
                        "limit": 1000,
                        "offset": 0,
                    })
        })
        .respond_with(page(1, 0..1))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &[
            "list",
            "--provider",
            "argus",
            "--status",
            "waiting_customer",
            "--exclude-status",
            "closed",
            "--since",
            "7d",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_list_flag_and_where_reach_the_body() {
    let s = server().await;
    search()
        .and(body_json(json!({
            "priority": ["critical", "high"],
            "type": ["securityIncident"],
            "keywords": ["vpn"],
            "customer": ["mnemonic"],
            "service": ["ids", "support"],
            "startTimestamp": 1_793_491_200_000_i64,
            "endTimestamp": 1_793_577_600_000_i64,
            "timeFieldStrategy": ["lastUpdatedTimestamp"],
            "sortBy": ["lastUpdatedTimestamp"],
            "includeDescription": false,
            "limit": 50,
            "offset": 0,
        })))
        .respond_with(page(1, 0..1))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &[
            "list",
            "--provider",
            "argus",
            "--priority",
            "critical,high",
            "--type",
            "securityIncident",
            "--keyword",
            "vpn",
            "--customer",
            "mnemonic",
            "--service",
            "ids,support",
            "--since",
            "2026-11-01T00:00:00Z",
            "--until",
            "2026-11-02T00:00:00Z",
            "--time-field",
            "updated",
            "--sort",
            "updated",
            "--order",
            "asc",
            "--where",
            r#"{"includeDescription": false}"#,
            "--page-size",
            "50",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_list_input_makes_no_request() {
    let s = server().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&s)
        .await;
    for (args, flag) in [
        (vec!["--type", "incident"], "--type"),
        (vec!["--where", "[1]"], "--where"),
        (vec!["--where", r#"{"limit": 5}"#], "--where"),
        (vec!["--page-size", "100001"], "--page-size"),
        (vec!["--approver", "x"], "--approver"),
        (vec!["--pod", "us1"], "--pod"),
    ] {
        let mut argv = vec!["list", "--provider", "argus"];
        argv.extend(args);
        let o = argus(&s.uri(), &argv).await;
        assert_eq!(code(&o), 2, "{argv:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{argv:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    }
}

pub fn documented_error(case: &str) -> (u16, Value) {
    let all = fixture("argus", "errors.json");
    let e = all
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["case"].as_str().unwrap().starts_with(case))
        .unwrap();
    (e["status"].as_u64().unwrap() as u16, e["body"].clone())
}

// research §1.4: 401, 403, 412 on the search, each with Argus's own text, never retried.
#[tokio::test(flavor = "multi_thread")]
async fn search_errors_carry_argus_messages_and_are_not_retried() {
    for (case, exit, message) in [
        (
            "401",
            3,
            "tix: argus: authentication failed: Authentication failed (HTTP 401)",
        ),
        (
            "403 Access",
            5,
            "tix: argus: permission denied: Access denied (HTTP 403)",
        ),
        (
            "412",
            5,
            "tix: argus: validation error: limit: must be less than or equal to 100000 (HTTP 412)",
        ),
    ] {
        let s = server().await;
        let (status, body) = documented_error(case);
        search()
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(1)
            .mount(&s)
            .await;
        let o = argus(&s.uri(), &["list", "--provider", "argus"]).await;
        assert_eq!(code(&o), exit, "{case}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim(), message, "{case}");
        assert!(stdout(&o).is_empty());
    }
}

// A search changes nothing, so a 503 (Argus: "overloaded, retry") is asked again.
#[tokio::test(flavor = "multi_thread")]
async fn a_503_on_the_search_is_retried() {
    let s = server().await;
    search()
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    search()
        .respond_with(page(1, 0..1))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(&s.uri(), &["list", "--provider", "argus", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 1);
}
