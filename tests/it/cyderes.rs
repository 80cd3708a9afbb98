//! Cyderes TSI API v2 against wiremock: method, path, every query parameter, headers and
//! bodies exactly as vendor-docs/cyderes-tsi-api-v2.txt specifies, and every error shape of
//! research/cyderes-cli-conventions.md A.3.

use crate::harness::{KEY, code, fixture, lines, run, stderr};
use serde_json::{Value, json};
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub(crate) const LIST: &str = "/v2/tickets";
pub(crate) const AUTHOR: &str = "Ada Lovelace";

/// Runs tix against a Cyderes at `url` with the test token and an author.
pub(crate) async fn cyderes(url: &str, args: &[&str]) -> std::process::Output {
    run(
        args,
        &[
            ("TIX_CYDERES_URL", url),
            ("TIX_CYDERES_TOKEN", KEY),
            ("TIX_CYDERES_AUTHOR", AUTHOR),
        ],
    )
    .await
}

/// Every request the tests did not expect fails loudly and is not retried.
pub(crate) async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(418).set_body_json(json!({"detail": "unmatched request"})),
        )
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

pub(crate) fn bearer() -> String {
    format!("Bearer {KEY}")
}

/// Matches when the query holds exactly these pairs (decoded), in any order.
pub(crate) fn exact_query(
    want: &[(&str, &str)],
) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    let mut want: Vec<(String, String)> = want
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    want.sort();
    move |r: &Request| {
        let mut got: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
        got.sort();
        got == want
    }
}

fn get_list(skip: u64, limit: u64, rest: &[(&str, &str)]) -> wiremock::MockBuilder {
    let (skip, limit) = (skip.to_string(), limit.to_string());
    let mut q = vec![("skip", skip.as_str()), ("limit", limit.as_str())];
    q.extend_from_slice(rest);
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("authorization", bearer().as_str()))
        .and(exact_query(&q))
}

/// The defaults tix always sends, so no ticket is hidden by the API's own.
const DEFAULTS: &[(&str, &str)] = &[
    ("ticket_type", "all"),
    ("lookup_fields", "created"),
    ("escalated_only", "false"),
];

/// Tickets shaped like the fixture's three types, numbered down from `from` (newest first).
fn tickets(range: std::ops::Range<u64>) -> Vec<Value> {
    let kinds = fixture("cyderes", "tickets.json");
    range
        .map(|i| {
            let mut t = kinds[(i % 3) as usize].clone();
            t["ticket_id"] = json!(format!("CYDERES-{:06}", 1000 - i));
            t["number"] = json!(format!("SIR{:07}", 1000 - i));
            t
        })
        .collect()
}

fn page(range: std::ops::Range<u64>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(tickets(range))
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_777_tickets_of_every_type_reading_until_an_empty_page() {
    let s = server().await;
    // Without a total a short page proves nothing (a server may cap its pages): the
    // listing ends at the empty page after it.
    for (skip, end) in [(0, 250), (250, 500), (500, 750), (750, 777), (777, 777)] {
        get_list(skip, 250, DEFAULTS)
            .respond_with(page(skip..end))
            .expect(1)
            .mount(&s)
            .await;
    }
    let o = cyderes(&s.uri(), &["list", "--provider", "cyderes", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 777);
    let ids: std::collections::HashSet<&str> =
        items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 777);
    let types: std::collections::HashSet<&str> =
        items.iter().map(|t| t["type"].as_str().unwrap()).collect();
    assert_eq!(types.len(), 3, "{types:?}");
    assert_eq!(items[0]["provider"], "cyderes");
    assert_eq!(items[0]["status"], "in_progress");
    assert_eq!(items[0]["priority"], "high");
    assert!(
        items[0].get("comments").is_none(),
        "list leaves comments out"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_300_is_two_requests_of_250_and_50() {
    let s = server().await;
    get_list(0, 250, DEFAULTS)
        .respond_with(page(0..250))
        .expect(1)
        .mount(&s)
        .await;
    get_list(250, 50, DEFAULTS)
        .respond_with(page(250..300))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &[
            "list",
            "--provider",
            "cyderes",
            "--limit",
            "300",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 300);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_list_flag_reaches_the_server_as_documented() {
    let s = server().await;
    let mut with_event = tickets(0..1);
    with_event[0]["raw_event_description"] = json!("{\"EventID\": 4624}");
    with_event[0]["updated"] = json!("2026-10-15T12:00:00Z");
    get_list(
        0,
        40,
        &[
            ("ticket_type", "alert"),
            ("lookup_fields", "updated"),
            ("escalated_only", "true"),
            ("include_raw_event", "true"),
            ("updated_from", "2026-10-01"),
            ("updated_to", "2026-10-31"),
        ],
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(with_event))
    .expect(1)
    .mount(&s)
    .await;
    get_list(
        1,
        40,
        &[
            ("ticket_type", "alert"),
            ("lookup_fields", "updated"),
            ("escalated_only", "true"),
            ("include_raw_event", "true"),
            ("updated_from", "2026-10-01"),
            ("updated_to", "2026-10-31"),
        ],
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
    .expect(1)
    .mount(&s)
    .await;
    let o = cyderes(
        &s.uri(),
        &[
            "list",
            "--provider",
            "cyderes",
            "--type",
            "alert",
            "--escalated-only",
            "--with-raw-event",
            "--time-field",
            "updated",
            "--since",
            "2026-10-01T12:00:00Z",
            "--until",
            "2026-10-31T06:00:00Z",
            "--page-size",
            "40",
            "--explain",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("ticket_type=alert") && err.contains("escalated_only=true"),
        "{err}"
    );
    let items = lines(&o);
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["raw"]["raw_event_description"],
        "{\"EventID\": 4624}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_shows_the_defaults_tix_sends() {
    let s = server().await;
    get_list(0, 5, DEFAULTS)
        .respond_with(page(0..5))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &[
            "list",
            "--provider",
            "cyderes",
            "--limit",
            "5",
            "--explain",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("server-side: ticket_type=all lookup_fields=created escalated_only=false"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_list_values_make_no_request() {
    let s = server().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&s)
        .await;
    for (args, flag) in [
        (vec!["--page-size", "251"], "--page-size"),
        (vec!["--page-size", "0"], "--page-size"),
        (vec!["--type", "incident"], "--type"),
        (vec!["--sort", "created", "--order", "asc"], "--sort"),
        (vec!["--pod", "us1"], "--pod"),
    ] {
        let mut argv = vec!["list", "--provider", "cyderes"];
        argv.extend(args);
        let o = cyderes(&s.uri(), &argv).await;
        assert_eq!(code(&o), 2, "{argv:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{argv:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_422_shape_is_shown_as_flag_and_message_without_retry() {
    let errors = fixture("cyderes", "errors.json");
    for (case, want) in [
        (
            "limit_251",
            "--page-size (limit): Input should be less than or equal to 250 (got \"251\")",
        ),
        (
            "two_bad",
            "--page-size (limit): Input should be less than or equal to 250 (got \"251\"); --type (ticket_type): Input should be 'all', 'alert', 'service_task', 'service_proactive', 'service_request' or 'phishing' (got \"bogus\")",
        ),
        (
            "date_inexact",
            "--since (created_from): Datetimes provided to dates should have zero time - e.g. be exact dates (got \"2024-01-01T10:00:00\")",
        ),
        (
            "v1_not_le",
            "--page-size (limit): ensure this value is less than or equal to 250",
        ),
    ] {
        let s = server().await;
        get_list(0, 250, DEFAULTS)
            .respond_with(ResponseTemplate::new(422).set_body_json(errors[case].clone()))
            .expect(1)
            .mount(&s)
            .await;
        let o = cyderes(&s.uri(), &["list", "--provider", "cyderes"]).await;
        assert_eq!(code(&o), 5, "{case}: {}", stderr(&o));
        assert_eq!(
            stderr(&o).trim(),
            format!("tix: cyderes: {want} (HTTP 422)")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_is_exit_3_for_401_and_403() {
    let errors = fixture("cyderes", "errors.json");
    for (status, case) in [
        (401, "not_authenticated"),
        (403, "not_authenticated"),
        (403, "invalid_credentials"),
    ] {
        let s = server().await;
        get_list(0, 250, DEFAULTS)
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("WWW-Authenticate", "Bearer")
                    .set_body_json(errors[case].clone()),
            )
            .expect(1)
            .mount(&s)
            .await;
        let o = cyderes(&s.uri(), &["list", "--provider", "cyderes"]).await;
        assert_eq!(code(&o), 3, "{}", stderr(&o));
        let detail = errors[case]["detail"].as_str().unwrap();
        assert_eq!(
            stderr(&o).trim(),
            format!(
                "tix: cyderes: authentication failed: the token was rejected (HTTP {status}: {detail}); ask your Cyderes CSM for a new one"
            )
        );
        assert!(!stderr(&o).contains(KEY));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_502_page_is_retried() {
    let s = server().await;
    get_list(0, 250, DEFAULTS)
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&s)
        .await;
    get_list(0, 250, DEFAULTS)
        .respond_with(page(0..3))
        .expect(1)
        .mount(&s)
        .await;
    get_list(3, 250, DEFAULTS)
        .respond_with(page(3..3))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(&s.uri(), &["list", "--provider", "cyderes", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 3);
}
