//! Sonar against wiremock: method, path, every query parameter and the Bearer header
//! exactly as vendor-docs/logpresso-sonar-get-tickets.txt specifies.

use crate::harness::{KEY, code, fixture, lines, sonar, stderr, stdout};
use serde_json::{Value, json};
use wiremock::matchers::{any, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const LIST: &str = "/api/sonar/tickets";

/// A ticket shaped like the document's example, numbered `i`.
fn ticket(i: u64) -> Value {
    let mut t = fixture("sonar", "tickets.json")["tickets"][0].clone();
    t["id"] = json!(i);
    t["guid"] = json!(format!("00000000-0000-4000-8000-{i:012}"));
    t
}

fn page(total: u64, range: std::ops::Range<u64>) -> ResponseTemplate {
    let tickets: Vec<Value> = range.map(ticket).collect();
    ResponseTemplate::new(200).set_body_json(json!({"total": total, "tickets": tickets}))
}

/// Every request the tests did not expect fails loudly and is not retried.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(418)
                .set_body_json(json!({"error_code": "test", "error_msg": "unmatched request"})),
        )
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

fn get_list() -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(LIST))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
}

#[tokio::test(flavor = "multi_thread")]
async fn pulls_2345_tickets_in_three_pages() {
    let s = server().await;
    for (offset, limit, end) in [(0, 1000, 1000), (1000, 1000, 2000), (2000, 345, 2345)] {
        get_list()
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", limit.to_string()))
            .respond_with(page(2345, offset..end))
            .expect(1)
            .mount(&s)
            .await;
    }
    let o = sonar(&s.uri(), &["list", "--provider", "sonar", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 2345);
    let ids: std::collections::HashSet<&str> =
        items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2345);
    assert_eq!(items[2344]["number"], "2344");
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_ten_is_one_request_of_ten() {
    let s = server().await;
    get_list()
        .and(query_param("offset", "0"))
        .and(query_param("limit", "10"))
        .respond_with(page(2345, 0..10))
        .expect(1)
        .mount(&s)
        .await;
    let o = sonar(
        &s.uri(),
        &[
            "list",
            "--provider",
            "sonar",
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

#[tokio::test(flavor = "multi_thread")]
async fn page_size_1001_fails_before_any_request() {
    let s = server().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&s)
        .await;
    let o = sonar(
        &s.uri(),
        &["list", "--provider", "sonar", "--page-size", "1001"],
    )
    .await;
    assert_eq!(code(&o), 2);
    assert_eq!(
        stderr(&o).trim(),
        "tix: invalid value '1001' for --page-size: an integer in 1..=1000 for sonar"
    );
    assert!(stdout(&o).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_flag_values_make_no_request() {
    let s = server().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&s)
        .await;
    for (args, flag) in [
        (vec!["--status", "ASSIGNED"], "--status"),
        (vec!["--priority", "4"], "--priority"),
        (vec!["--since", "last tuesday"], "--since"),
        (vec!["--assignee", "joshua"], "--assignee"),
        (vec!["--approver", "1,2"], "--approver"),
        (vec!["--concurrency", "0"], "--concurrency"),
        (vec!["-o", "xml"], "--output"),
        (vec!["--fields", "id,nope"], "--fields"),
        (vec!["--sort", "title"], "--sort"),
    ] {
        let mut argv = vec!["list", "--provider", "sonar"];
        argv.extend(args);
        let o = sonar(&s.uri(), &argv).await;
        assert_eq!(code(&o), 2, "{argv:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{argv:?}: {}", stderr(&o));
        // tix's own checks are one line; clap's parse errors come whole (tip, usage).
        if stderr(&o).starts_with("tix: ") {
            assert_eq!(
                stderr(&o).trim().lines().count(),
                1,
                "{argv:?}: {}",
                stderr(&o)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_filter_reaches_the_server_as_documented() {
    let s = server().await;
    get_list()
        .and(query_param("offset", "0"))
        .and(query_param("limit", "50"))
        .and(query_param("from", "2026-11-01 00:00:00+0000"))
        .and(query_param("to", "2026-11-02 06:30:00+0000"))
        .and(query_param("statuses", "NEW,ASSIGNED"))
        .and(query_param("priorities", "3,2"))
        .and(query_param("keywords", "web server"))
        .and(query_param(
            "assignees",
            "bfd00bb0-be99-4fd5-8380-166f544975fa",
        ))
        .and(query_param(
            "approvers",
            "6fbe27b7-f1ae-4d7a-a1a5-76d8fa9aa311",
        ))
        .and(query_param("sort_column", "updated_at"))
        .and(query_param("sort_type", "ASC"))
        // The `+` of the offset must be percent-encoded, or Sonar reads a space.
        .and(|r: &Request| r.url.query().is_some_and(|q| q.contains("%2B0000")))
        .respond_with(page(1, 0..1))
        .expect(1)
        .mount(&s)
        .await;
    let o = sonar(
        &s.uri(),
        &[
            "list",
            "--provider",
            "sonar",
            "-o",
            "jsonl",
            "--page-size",
            "50",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-02T07:30:00+01:00",
            "--status",
            "new,open",
            "--priority",
            "high,medium",
            "--keyword",
            "web server",
            "--assignee",
            "bfd00bb0-be99-4fd5-8380-166f544975fa",
            "--approver",
            "6fbe27b7-f1ae-4d7a-a1a5-76d8fa9aa311",
            "--sort",
            "updated",
            "--order",
            "asc",
        ],
    )
    .await;
    // The document's example ticket was created in 2022, so the exact client-side
    // re-check of the window drops it: the request is what this test is about.
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_list_sends_only_offset_and_limit() {
    let s = server().await;
    get_list()
        .and(query_param("offset", "0"))
        .and(query_param("limit", "1000"))
        .and(query_param_is_missing("statuses"))
        .and(query_param_is_missing("from"))
        .and(query_param_is_missing("sort_type"))
        .respond_with(ResponseTemplate::new(200).set_body_json({
            let mut body = fixture("sonar", "tickets.json");
            body["total"] = json!(1);
            body
        }))
        .expect(1)
        .mount(&s)
        .await;
    let o = sonar(&s.uri(), &["list", "--provider", "sonar", "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let t = &v[0];
    assert_eq!(t["provider"], "sonar");
    assert_eq!(t["id"], "49272877-75f2-4c2f-9301-d21c4f9a106d");
    assert_eq!(t["number"], "2");
    assert_eq!(t["status"], "open");
    assert_eq!(t["status_raw"], "ASSIGNED");
    assert_eq!(t["priority"], "low");
    assert_eq!(t["type"], "Threat");
    assert_eq!(t["created"], "2022-09-14T08:34:19Z");
    assert_eq!(t["tenant"]["name"], "Logpresso");
    assert_eq!(t["assignees"], json!(["Joshua"]));
    assert_eq!(t["closed"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_400_reaches_the_user_and_is_not_retried() {
    let cases = fixture("sonar", "errors.json");
    for case in cases.as_array().unwrap() {
        let s = server().await;
        get_list()
            .respond_with(ResponseTemplate::new(400).set_body_json(case["body"].clone()))
            .expect(1)
            .mount(&s)
            .await;
        let o = sonar(&s.uri(), &["list", "--provider", "sonar"]).await;
        let msg = case["body"]["error_msg"].as_str().unwrap();
        assert_eq!(code(&o), 5, "{}", case["case"]);
        assert_eq!(stderr(&o).trim(), format!("tix: sonar: {msg} (HTTP 400)"));
        assert!(stdout(&o).is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unauthorized_is_exit_3_and_not_retried() {
    let s = server().await;
    get_list()
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&s)
        .await;
    let o = sonar(&s.uri(), &["list", "--provider", "sonar"]).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("authentication failed"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_and_unavailable_are_retried_then_succeed() {
    // Each first answer, and the least time the retry must wait for it.
    for (first, wait) in [
        (
            ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            std::time::Duration::from_secs(1),
        ),
        (ResponseTemplate::new(503), std::time::Duration::ZERO),
        (ResponseTemplate::new(500), std::time::Duration::ZERO),
    ] {
        let s = server().await;
        get_list()
            .respond_with(first)
            .up_to_n_times(1)
            .expect(1)
            .with_priority(1)
            .mount(&s)
            .await;
        get_list()
            .respond_with(page(3, 0..3))
            .expect(1)
            .mount(&s)
            .await;
        let started = std::time::Instant::now();
        let o = sonar(&s.uri(), &["list", "--provider", "sonar", "-o", "jsonl"]).await;
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(lines(&o).len(), 3);
        assert!(
            stderr(&o).is_empty(),
            "retries are not warnings: {}",
            stderr(&o)
        );
        // Not a benchmark: only that a Retry-After was waited out, not skipped.
        assert!(
            started.elapsed() >= wait,
            "{:?} < {wait:?}",
            started.elapsed()
        );
        // Both mocks' `expect(1)` are checked when the server drops: the retry happened.
        drop(s);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_is_honoured() {
    let s = server().await;
    get_list()
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    get_list().respond_with(page(1, 0..1)).mount(&s).await;
    let started = std::time::Instant::now();
    let o = sonar(&s.uri(), &["list", "--provider", "sonar", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Not a timing benchmark: only that the server's wait was not skipped.
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn persistent_503_gives_up_with_exit_5() {
    let s = server().await;
    get_list()
        .respond_with(ResponseTemplate::new(503).set_body_string("overloaded"))
        .expect(3)
        .mount(&s)
        .await;
    let o = sonar(&s.uri(), &["list", "--provider", "sonar", "--retries", "2"]).await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert!(stderr(&o).contains("overloaded"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_short_body_is_retried() {
    let s = server().await;
    get_list()
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"total": 3, "tick"#, "application/json"),
        )
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    get_list()
        .respond_with(page(3, 0..3))
        .expect(1)
        .mount(&s)
        .await;
    let o = sonar(&s.uri(), &["list", "--provider", "sonar", "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_result_prints_nothing_and_exits_0() {
    let s = server().await;
    get_list()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 0, "tickets": []})))
        .expect(1)
        .mount(&s)
        .await;
    for format in ["jsonl", "csv", "table"] {
        let o = sonar(&s.uri(), &["list", "--provider", "sonar", "-o", format]).await;
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).is_empty(), "{format}: {}", stdout(&o));
        assert!(
            stderr(&o).is_empty(),
            "{format}: not a TTY, so no note: {}",
            stderr(&o)
        );
        s.reset().await;
        get_list()
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"total": 0, "tickets": []})),
            )
            .mount(&s)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_shows_the_ticket_with_comments() {
    let s = server().await;
    let guid = "49272877-75f2-4c2f-9301-d21c4f9a106d";
    let auth = format!("Bearer {KEY}");
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/{guid}")))
        .and(header("authorization", auth.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sonar", "ticket.json")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/{guid}/comments")))
        .and(header("authorization", auth.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sonar", "comments.json")))
        .expect(1)
        .mount(&s)
        .await;
    let o = sonar(&s.uri(), &["get", "sonar", guid, "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(t["status"], "resolved");
    assert_eq!(t["comments"][0]["author"], "Joshua");
    assert_eq!(
        t["comments"][0]["body"],
        "Blocked 20.0.31.172 at the perimeter firewall."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_unknown_ticket_is_not_found_exit_4_without_retries() {
    let s = server().await;
    let guid = "00000000-0000-4000-8000-000000000000";
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/{guid}")))
        .respond_with(ResponseTemplate::new(500).set_body_json(fixture("sonar", "not-found.json")))
        // The ticket and its comments are asked for together and the first "not found"
        // ends the command, so the other request may never leave: at most one each.
        .expect(0..=1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/{guid}/comments")))
        .respond_with(ResponseTemplate::new(500).set_body_json(fixture("sonar", "not-found.json")))
        .expect(0..=1)
        .mount(&s)
        .await;
    let o = sonar(&s.uri(), &["get", "sonar", guid]).await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        format!("tix: sonar: ticket {guid} not found")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_never_appears_in_debug_logs_or_errors() {
    let s = server().await;
    get_list()
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    get_list().respond_with(page(1, 0..1)).mount(&s).await;
    let o = sonar(
        &s.uri(),
        &["-vv", "list", "--provider", "sonar", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("retrying"),
        "the debug log shows the retry: {}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains(KEY), "{}", stderr(&o));
    assert!(!stdout(&o).contains(KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profiles_key_command_runs_once_per_invocation() {
    let s = server().await;
    get_list()
        .respond_with(page(1, 0..1))
        .expect(1)
        .mount(&s)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("runs");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.prod]\nprovider = \"sonar\"\nbase_url = \"{}\"\napi_key_cmd = \"echo run >> {}; echo {KEY}\"\n",
            s.uri(),
            count.display()
        ),
    )
    .unwrap();
    let o = crate::harness::run(
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--profile",
            "prod",
            "list",
            "-o",
            "jsonl",
        ],
        &[],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 1);
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 1);
}

/// On a terminal each ticket line is on screen as soon as it is decoded, not when a
/// 64 KiB buffer fills or the listing ends: here the second page takes two minutes, and
/// the first line must come long before that.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_each_line_is_out_before_the_listing_ends() {
    use std::io::BufRead;
    let s = server().await;
    get_list()
        .and(query_param("offset", "0"))
        .respond_with(page(40, 0..20))
        .with_priority(1)
        .mount(&s)
        .await;
    // Any later page takes two minutes: the line must not wait for it.
    get_list()
        .respond_with(page(40, 20..40).set_delay(std::time::Duration::from_secs(120)))
        .with_priority(2)
        .mount(&s)
        .await;
    let url = s.uri();
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tix"))
            .env_clear()
            .env("HOME", home.path())
            .env("TIX_FORCE_TTY", "1")
            .env("NO_COLOR", "1")
            .env("TIX_SONAR_URL", &url)
            .env("TIX_SONAR_API_KEY", KEY)
            .args(["--retries", "0", "list", "-p", "sonar", "--page-size", "20"])
            .args(["-o", "jsonl"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let waited = started.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        assert!(line.contains("\"provider\":\"sonar\""), "{line}");
        // A correctness bound far below the two-minute page (the 60 s request timeout
        // would end a block-buffered listing first), not a benchmark.
        assert!(
            waited < std::time::Duration::from_secs(20),
            "the first line waited for the listing to end ({waited:?})"
        );
    })
    .await
    .unwrap();
}

/// The body of `fixtures/<provider>/<name>` as the server sends it, byte for byte (a
/// lone surrogate escape survives no JSON round trip).
pub(crate) fn raw_fixture(provider: &str, name: &str) -> ResponseTemplate {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(provider)
        .join(name);
    ResponseTemplate::new(200).set_body_raw(std::fs::read(file).unwrap(), "application/json")
}

/// A `*-broken.json` fixture as JSON, its lone surrogate read as U+FFFD.
pub(crate) fn broken_fixture(provider: &str, name: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(provider)
        .join(name);
    let text = std::fs::read_to_string(file).unwrap();
    serde_json::from_str(&text.replace("\\ud83d", "\\ufffd")).unwrap()
}

/// What every provider does with its `*-broken.json` page (issue 24): a lone-surrogate
/// title, an unreadable time (`time_key` = `bad_time`), a ticket without an id and an
/// ordinary ticket. The first two are printed (U+FFFD in the title, normalized and raw;
/// a null time, the original in raw), the third is a warning naming its position and
/// the provider, the fourth is printed intact, and the run exits 6.
pub(crate) fn a_broken_page_loses_only_its_unreadable_ticket(
    o: &std::process::Output,
    provider: &str,
    (title_key, time_key, bad_time): (&str, &str, &str),
    ordinary: &Value,
) {
    let err = stderr(o);
    assert_eq!(code(o), 6, "{err}");
    let items = lines(o);
    assert_eq!(items.len(), 3, "{}", stdout(o));
    let cut = items[0]["title"].as_str().unwrap();
    assert!(cut.ends_with("from \u{fffd}"), "{cut}");
    assert_eq!(items[0]["raw"][title_key], cut, "raw holds U+FFFD too");
    assert_eq!(items[1]["created"], Value::Null, "{}", items[1]);
    assert_eq!(
        items[1]["raw"][time_key], bad_time,
        "raw keeps the original"
    );
    assert!(items[2]["created"].is_string(), "{}", items[2]);
    assert_eq!(items[2]["title"], ordinary[title_key]);
    assert_eq!(items[2]["raw"], *ordinary, "the ordinary ticket is intact");
    assert!(
        err.contains(&format!("{provider}: ticket 3 of the listing")),
        "the ticket without an id is named by position: {err}"
    );
    assert!(
        err.contains(&format!("unreadable `{time_key}`")),
        "the unreadable time is a warning: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_broken_ticket_never_sinks_a_page() {
    let s = server().await;
    get_list()
        .respond_with(raw_fixture("sonar", "tickets-broken.json"))
        .expect(1)
        .mount(&s)
        .await;
    let o = sonar(
        &s.uri(),
        &["list", "--provider", "sonar", "--raw", "-o", "jsonl"],
    )
    .await;
    let ordinary = broken_fixture("sonar", "tickets-broken.json")["tickets"][3].clone();
    a_broken_page_loses_only_its_unreadable_ticket(
        &o,
        "sonar",
        ("title", "created", "the 14th of September"),
        &ordinary,
    );
}
