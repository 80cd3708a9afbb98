//! Arctic Wolf against wiremock: the Organizations API, then each organization's Ticket
//! API on its own pod, with method, path, every query parameter, the Bearer header and
//! the bodies as vendor-docs/arcticwolf-ticket-api.txt and research/arcticwolf-connectwise.md
//! §1.4–§1.10 specify. `TIX_ARCTICWOLF_URL` = the mock puts pods under `/pods/{pod}`.

use crate::harness::{KEY, code, fixture, lines, run, stderr, stdout};
use serde_json::{Value, json};
use std::collections::HashSet;
use wiremock::matchers::{
    any, body_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const BACON: &str = "2c3ef37e-2142-44fc-9621-0242ac131202";
const FJORD: &str = "7f1d0a52-9b8e-4c3a-8d21-5a6b7c8d9e0f";
const MAPLE: &str = "550e8400-e29b-41d4-a716-446655440000";

fn tickets_path(pod: &str, org: &str) -> String {
    format!("/pods/{pod}/api/v1/organizations/{org}/tickets")
}

/// A ticket shaped like the spec's example, numbered `i`.
fn ticket(org: &str, i: u64) -> Value {
    let mut t = fixture("arcticwolf", "tickets-page.json")["results"][0].clone();
    t["id"] = json!(i);
    t["organizationUuid"] = json!(org);
    t
}

fn page(org: &str, total: u64, offset: u64, range: std::ops::Range<u64>) -> ResponseTemplate {
    let results: Vec<Value> = range.clone().map(|i| ticket(org, i)).collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "results": results,
        "meta": {"offset": offset, "limit": 100, "total": total}
    }))
}

/// Every request the tests did not expect fails loudly and is not retried.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(418)
                .set_body_json(json!({"code": "test", "description": "unmatched request"})),
        )
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    server
}

fn bearer() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {KEY}").as_str())
}

async fn mount_orgs(s: &MockServer, times: u64) {
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations"))
        .and(query_param_is_missing("root"))
        .and(bearer())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("arcticwolf", "organizations.json")),
        )
        .expect(times)
        .mount(s)
        .await;
}

fn list_of(pod: &str, org: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(tickets_path(pod, org)))
        .and(bearer())
}

async fn aw(url: &str, args: &[&str]) -> std::process::Output {
    run(
        args,
        &[("TIX_ARCTICWOLF_URL", url), ("TIX_ARCTICWOLF_API_KEY", KEY)],
    )
    .await
}

fn no_more_than_3_fractional_digits(req: &Request) -> bool {
    req.url.query_pairs().all(|(k, v)| {
        !k.ends_with("After") && !k.ends_with("Before")
            || v.split_once('.')
                .is_none_or(|(_, frac)| frac.trim_end_matches('Z').len() <= 3)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn discovers_organizations_then_pages_each_on_its_pod() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    for (offset, limit, end) in [(0, 100, 100), (100, 50, 150)] {
        list_of("us002", BACON)
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", limit.to_string()))
            .respond_with(page(BACON, 150, offset, offset..end))
            .expect(1)
            .mount(&s)
            .await;
    }
    list_of("eu001", FJORD)
        .and(query_param("offset", "0"))
        .and(query_param("limit", "100"))
        .respond_with(page(FJORD, 3, 0, 1..4))
        .expect(1)
        .mount(&s)
        .await;
    list_of("us002", MAPLE)
        .and(query_param("offset", "0"))
        .and(query_param("limit", "100"))
        .respond_with(page(MAPLE, 0, 0, 0..0))
        .expect(1)
        .mount(&s)
        .await;
    let o = aw(
        &s.uri(),
        &["list", "--provider", "arcticwolf", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 153);
    let ids: HashSet<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 153);
    for t in &items {
        let (org, number) = t["id"].as_str().unwrap().split_once('/').unwrap();
        assert_eq!(t["tenant"]["id"], org);
        assert_eq!(t["number"], number);
        let (name, pod) = if org == BACON {
            ("Bacon Security", "us002")
        } else {
            ("Fjord Shipping", "eu001")
        };
        assert_eq!(t["tenant"]["name"], name, "{t}");
        assert_eq!(t["tenant"]["pod"], pod, "{t}");
        assert_eq!(t["status"], "open");
        assert_eq!(t["priority"], "high");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn org_pod_and_root_narrow_what_is_asked() {
    let s = server().await;
    mount_orgs(&s, 3).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations"))
        .and(query_param("root", BACON))
        .and(bearer())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            fixture("arcticwolf", "organizations.json")[0].clone()
        ])))
        .expect(1)
        .mount(&s)
        .await;
    list_of("us002", BACON)
        .respond_with(page(BACON, 2, 0, 1..3))
        .expect(2)
        .mount(&s)
        .await;
    list_of("eu001", FJORD)
        .respond_with(page(FJORD, 1, 0, 1..2))
        .expect(1)
        .mount(&s)
        .await;
    let o = aw(
        &s.uri(),
        &[
            "list",
            "--provider",
            "arcticwolf",
            "--root",
            "bacon security",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 2);
    let o = aw(
        &s.uri(),
        &[
            "list",
            "--provider",
            "arcticwolf",
            "--pod",
            "eu001",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["tenant"]["name"], "Fjord Shipping");
    let o = aw(
        &s.uri(),
        &[
            "list",
            "--provider",
            "arcticwolf",
            "--org",
            BACON,
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_org_is_a_usage_error_before_any_ticket_request() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    let o = aw(
        &s.uri(),
        &[
            "list",
            "--provider",
            "arcticwolf",
            "--org",
            "Globex",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--org") && stderr(&o).contains("Maple Clinics"));
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_go_to_the_server_with_millisecond_dates() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    list_of("eu001", FJORD)
        .and(query_param("status", "OPEN,PENDING"))
        .and(query_param("priority", "URGENT"))
        .and(query_param("type", "INCIDENT,TASK"))
        .and(query_param("updatedAfter", "2026-11-01T10:00:00.122Z"))
        .and(query_param("updatedBefore", "2026-11-02T00:00:00.001Z"))
        .and(query_param("offset", "0"))
        .and(query_param("limit", "5"))
        .and(no_more_than_3_fractional_digits)
        .respond_with(page(FJORD, 1, 0, 1..2))
        .expect(1)
        .mount(&s)
        .await;
    let o = aw(
        &s.uri(),
        &[
            "list",
            "--provider",
            "arcticwolf",
            "--org",
            "Fjord Shipping",
            "--status",
            "open,waiting_customer",
            "--priority",
            "critical",
            "--type",
            "incident,task",
            "--time-field",
            "updated",
            "--since",
            "2026-11-01T10:00:00.123456789Z",
            "--until",
            "2026-11-02T00:00:00Z",
            "--limit",
            "5",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_pod_is_one_warning_and_exit_6() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    list_of("us002", BACON)
        .respond_with(page(BACON, 2, 0, 1..3))
        .mount(&s)
        .await;
    list_of("us002", MAPLE)
        .respond_with(page(MAPLE, 1, 0, 7..8))
        .mount(&s)
        .await;
    // --retries 1: the first answer and one retry.
    list_of("eu001", FJORD)
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream connect error"))
        .expect(2)
        .mount(&s)
        .await;
    let o = aw(
        &s.uri(),
        &[
            "--retries",
            "1",
            "list",
            "--provider",
            "arcticwolf",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 3);
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("eu001")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("upstream connect error"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forbidden_organization_is_named_and_the_rest_printed() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    list_of("us002", BACON)
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&s)
        .await;
    list_of("us002", MAPLE)
        .respond_with(page(MAPLE, 1, 0, 7..8))
        .mount(&s)
        .await;
    list_of("eu001", FJORD)
        .respond_with(page(FJORD, 1, 0, 1..2))
        .mount(&s)
        .await;
    let o = aw(
        &s.uri(),
        &["list", "--provider", "arcticwolf", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    assert_eq!(lines(&o).len(), 2);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "organization Bacon Security ({BACON}) in pod us002"
        )) && err.contains("HTTP 403"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ticket_api_error_body_is_the_message() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    list_of("eu001", FJORD)
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(fixture("arcticwolf", "error-invalid-request.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    let o = aw(
        &s.uri(),
        &["list", "--provider", "arcticwolf", "--pod", "eu001"],
    )
    .await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "tix: arcticwolf: The 'limit' parameter must be less than or equal to 100. (invalid_request) (HTTP 400)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_organizations_api_error_body_is_the_message() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(fixture("arcticwolf", "error-organizations.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    let o = aw(&s.uri(), &["orgs", "--provider", "arcticwolf"]).await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "tix: arcticwolf: organizations: invalid request parameters; root: must be an organization ID (HTTP 400)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bodiless_401_and_403_are_auth_errors() {
    for status in [401, 403] {
        let s = server().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/organizations"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&s)
            .await;
        let o = aw(&s.uri(), &["list", "--provider", "arcticwolf"]).await;
        assert_eq!(code(&o), 3, "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("HTTP {status}")),
            "{}",
            stderr(&o)
        );
    }
    // A Ticket API 401 on every organization is the key, not a partial result.
    let s = server().await;
    mount_orgs(&s, 1).await;
    Mock::given(method("GET"))
        .and(path_regex_tickets())
        .respond_with(ResponseTemplate::new(401))
        .expect(3)
        .mount(&s)
        .await;
    let o = aw(&s.uri(), &["list", "--provider", "arcticwolf"]).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
}

fn path_regex_tickets() -> wiremock::matchers::PathRegexMatcher {
    wiremock::matchers::path_regex(r"^/pods/[a-z0-9]+/api/v1/organizations/[0-9a-f-]+/tickets$")
}

#[tokio::test(flavor = "multi_thread")]
async fn orgs_lists_id_name_pod_and_customer_id() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    let o = aw(
        &s.uri(),
        &["orgs", "--provider", "arcticwolf", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = lines(&o);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["id"], FJORD);
    assert_eq!(rows[1]["pod"], "eu001");
    assert_eq!(rows[1]["customer_id"], "fjord");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_asks_for_comments_on_the_orgs_pod() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{}/17680744", tickets_path("us002", MAPLE))))
        .and(query_param("includeComments", "true"))
        .and(bearer())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("arcticwolf", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    let id = format!("{MAPLE}/17680744");
    let o = aw(&s.uri(), &["get", "arcticwolf", &id, "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(t["id"], id.as_str());
    assert_eq!(t["tenant"]["pod"], "us002");
    assert_eq!(t["comments"].as_array().unwrap().len(), 2);
    assert_eq!(t["assignees"], json!(["Jane Roe"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_of_a_missing_ticket_is_exit_4() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("{}/12345", tickets_path("eu001", FJORD))))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(fixture("arcticwolf", "error-not-found.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    let id = format!("{FJORD}/12345");
    let o = aw(&s.uri(), &["get", "arcticwolf", &id]).await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("ticket {id} not found")),
        "{}",
        stderr(&o)
    );
    let o = aw(&s.uri(), &["get", "arcticwolf", "12345"]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("ORGANIZATION_ID/NUMBER"));
}

#[tokio::test(flavor = "multi_thread")]
async fn comment_is_posted_once_even_when_the_pod_fails() {
    let s = server().await;
    mount_orgs(&s, 2).await;
    let url = format!("{}/17680744/comments", tickets_path("us002", MAPLE));
    Mock::given(method("POST"))
        .and(path(url.as_str()))
        .and(bearer())
        .and(body_json(json!({"body": "Thanks, closing on our side."})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("arcticwolf", "comment.json")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&s)
        .await;
    // Once the server may have acted, a comment is never sent again: one 503, no retry.
    Mock::given(method("POST"))
        .and(path(url.as_str()))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s)
        .await;
    let id = format!("{MAPLE}/17680744");
    let o = aw(
        &s.uri(),
        &[
            "comment",
            "arcticwolf",
            &id,
            "Thanks, closing on our side.",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["id"], "90003");
    let o = aw(
        &s.uri(),
        &["comment", "arcticwolf", &id, "Thanks, closing on our side."],
    )
    .await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn close_sends_the_comment_or_an_empty_object() {
    let s = server().await;
    mount_orgs(&s, 2).await;
    let url = format!("{}/17680744/close", tickets_path("us002", MAPLE));
    let mut closed = fixture("arcticwolf", "ticket.json");
    closed["status"] = json!("CLOSED");
    for body in [json!({"comment": "False positive."}), json!({})] {
        Mock::given(method("POST"))
            .and(path(url.as_str()))
            .and(bearer())
            .and(body_json(body))
            .respond_with(ResponseTemplate::new(200).set_body_json(closed.clone()))
            .expect(1)
            .mount(&s)
            .await;
    }
    let id = format!("{MAPLE}/17680744");
    let o = aw(
        &s.uri(),
        &["close", "arcticwolf", &id, "--comment", "False positive."],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = aw(&s.uri(), &["close", "arcticwolf", &id]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_get_follows_the_presigned_url_without_the_key() {
    let s = server().await;
    mount_orgs(&s, 1).await;
    let base = tickets_path("us002", MAPLE);
    Mock::given(method("GET"))
        .and(path(format!("{base}/17680744")))
        .and(query_param("includeComments", "true"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("arcticwolf", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/17680744/attachments/70001")))
        .and(bearer())
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"url": format!("{}/s3/70001/signin-log.txt?X-Amz-Expires=3600", s.uri())}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/s3/70001/signin-log.txt"))
        .and(query_param("X-Amz-Expires", "3600"))
        .and(|req: &Request| !req.headers.contains_key("authorization"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("sign-in at 03:12 from 203.0.113.9\n"),
        )
        .expect(1)
        .mount(&s)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("log.txt");
    let id = format!("{MAPLE}/17680744");
    let o = aw(
        &s.uri(),
        &[
            "attach",
            "get",
            "arcticwolf",
            &id,
            "70001",
            "--to",
            to.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&to).unwrap(),
        "sign-in at 03:12 from 203.0.113.9\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_is_unsupported_before_any_request() {
    let o = aw(
        "http://127.0.0.1:9",
        &["create", "arcticwolf", "--title", "x", "--description", "y"],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("arcticwolf does not support creating tickets"),
        "{}",
        stderr(&o)
    );
}
