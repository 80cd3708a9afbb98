//! `tix cw check` against wiremock: codebase discovery, the Basic credential and the
//! `clientId` header on every call, `conditions` and `page`/`pageSize` exactly as
//! research/arcticwolf-connectwise.md §2.2–2.8 describes them, and the vendor document's
//! security-role permissions named in one line when a read is refused.

use crate::harness::{code, fixture, run, stderr, stdout};
use serde_json::json;
use wiremock::matchers::{any, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const API: &str = "/v2025_1/apis/3.0";
/// base64("acme+pub-key:priv-key")
pub const BASIC: &str = "Basic YWNtZStwdWIta2V5OnByaXYta2V5";
pub const CLIENT_ID: &str = "3f7a1c2e-0000-4000-8000-00000000c11d";

pub fn env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TIX_CW_SITE", url.to_owned()),
        ("TIX_CW_COMPANY", "acme".to_owned()),
        ("TIX_CW_PUBLIC_KEY", "pub-key".to_owned()),
        ("TIX_CW_PRIVATE_KEY", "priv-key".to_owned()),
        ("TIX_CW_CLIENT_ID", CLIENT_ID.to_owned()),
    ]
}

async fn cw(url: &str, args: &[&str]) -> std::process::Output {
    let env = env(url);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(args, &pairs).await
}

/// Every request the tests did not expect fails loudly.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(418)
                .set_body_json(json!({"code": "Test", "message": "unmatched request"})),
        )
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/login/companyinfo/acme"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("connectwise", "companyinfo.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    server
}

/// A GET under the API root with the credential, the clientId and the paging the
/// research asks for (`page=1&pageSize=1000`: the default 25 is a trap).
pub fn api_get(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("{API}{p}")))
        .and(header("authorization", BASIC))
        .and(header("clientid", CLIENT_ID))
}

fn listed(p: &str, conditions: &str) -> wiremock::MockBuilder {
    api_get(p)
        .and(query_param("conditions", conditions))
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "1000"))
}

async fn mount_setup(s: &MockServer, companies: ResponseTemplate) {
    mount_setup_with_role(s, companies, fixture("connectwise", "mysecurity.json")).await;
}

/// The setup reads, with `role` as the answer to `GET /system/mysecurity`.
async fn mount_setup_with_role(
    s: &MockServer,
    companies: ResponseTemplate,
    role: serde_json::Value,
) {
    api_get("/system/info")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": "v2025.1.10428"})))
        .expect(1)
        .mount(s)
        .await;
    api_get("/system/mysecurity")
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(role))
        .expect(1)
        .mount(s)
        .await;
    listed("/service/boards", "name=\"Security Operations\"")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("connectwise", "boards.json")),
        )
        .expect(1)
        .mount(s)
        .await;
    listed("/service/boards/12/statuses", "name=\"New (MSSP)\"")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("connectwise", "statuses.json")),
        )
        .expect(1)
        .mount(s)
        .await;
    listed("/company/companies", "identifier=\"ACME\"")
        .respond_with(companies)
        .expect(1)
        .mount(s)
        .await;
    api_get("/service/tickets/count")
        .and(query_param("conditions", "board/id=12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 3})))
        .expect(1)
        .mount(s)
        .await;
    api_get("/system/documents")
        .and(query_param("recordType", "Ticket"))
        .and(query_param("recordId", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(s)
        .await;
}

const CHECK: &[&str] = &[
    "cw",
    "check",
    "--board",
    "Security Operations",
    "--status",
    "New (MSSP)",
    "--company",
    "ACME",
];

#[tokio::test(flavor = "multi_thread")]
async fn check_passes_with_every_permission() {
    let s = server().await;
    mount_setup(
        &s,
        ResponseTemplate::new(200).set_body_json(fixture("connectwise", "companies.json")),
    )
    .await;
    let o = cw(&s.uri(), CHECK).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ok    board        Security Operations (id 12)"),
        "{out}"
    );
    assert!(
        out.contains("ok    company      Acme Corporation (id 250)"),
        "{out}"
    );
    assert!(
        out.contains("ok    role         the API member's security role grants what sync needs (6 permissions)"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 7, "{out}");
    assert!(!out.contains("priv-key") && !stderr(&o).contains("priv-key"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_permission_is_named_in_one_line_and_exits_3() {
    let s = server().await;
    let forbidden = ResponseTemplate::new(403)
        .set_body_json(fixture("connectwise", "errors.json")[2]["body"].clone());
    mount_setup(&s, forbidden).await;
    let o = cw(&s.uri(), CHECK).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stdout(&o).contains(
        "FAIL  company      the API member's security role lacks Companies › Company Maintenance: Inquire Level All (GET /company/companies answered 403)"
    ), "{}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("Company Maintenance"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_without_service_tickets_add_is_named_from_mysecurity_and_exits_3() {
    let s = server().await;
    let mut role = fixture("connectwise", "mysecurity.json");
    // The vendor document's "Service Desk / Service Tickets" row, without Add.
    role[4]["addLevel"] = json!("None");
    mount_setup_with_role(
        &s,
        ResponseTemplate::new(200).set_body_json(fixture("connectwise", "companies.json")),
        role,
    )
    .await;
    let o = cw(&s.uri(), CHECK).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let out = stdout(&o);
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        fails,
        [
            "FAIL  role         missing Service Desk › Service Tickets — Add: sync creates a service ticket per MSSP ticket"
        ],
        "{out}"
    );
    assert!(
        stderr(&o).contains("Service Tickets — Add"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_keys_stop_the_check_at_once() {
    let s = server().await;
    api_get("/system/info")
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(fixture("connectwise", "errors.json")[3]["body"].clone()),
        )
        .expect(1)
        .mount(&s)
        .await;
    let o = cw(&s.uri(), CHECK).await;
    assert_eq!(code(&o), 3);
    assert!(
        stdout(&o).contains("Incorrect public/private key"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stdout(&o).lines().count(), 1);
}

/// Issue 15: ConnectWise's own text reaches the terminal escaped, never as control
/// sequences (an OSC that retitles the terminal, a CSI that clears it, a bidi override).
#[tokio::test(flavor = "multi_thread")]
async fn check_shows_connectwise_text_with_its_controls_escaped() {
    let s = server().await;
    api_get("/system/info")
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "Unauthorized",
            "message": "bad key\u{1b}]0;pwned\u{7}\u{1b}[2J \u{202e}txt.exe",
        })))
        .expect(1)
        .mount(&s)
        .await;
    let o = cw(&s.uri(), CHECK).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    for text in [&out, &err] {
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "a control reached the terminal: {text:?}"
        );
    }
    assert!(out.contains("bad key"), "{out}");
    assert!(out.contains("\\x1b]0;pwned"), "shown escaped: {out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_variables_are_named_before_any_request() {
    let o = run(CHECK, &[("TIX_CW_SITE", "cw.example")]).await;
    assert_eq!(code(&o), 3);
    let err = stderr(&o);
    assert!(
        err.contains("TIX_CW_COMPANY, TIX_CW_PUBLIC_KEY, TIX_CW_PRIVATE_KEY, TIX_CW_CLIENT_ID"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_priority_map_names_the_flag_before_any_request() {
    let mut args = CHECK.to_vec();
    args.extend(["--priority-map", "urgent=1"]);
    let o = run(&args, &[]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--priority-map"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_flags_for_connectwise_name_what_is_missing_before_any_request() {
    for (args, flag) in [
        (vec!["sync", "--provider", "sonar", "--board", "12"], "--to"),
        (
            vec![
                "sync",
                "--provider",
                "sonar",
                "--to",
                "connectwise",
                "--board",
                "12",
                "--company",
                "ACME",
            ],
            "--status",
        ),
        (
            vec![
                "sync",
                "--provider",
                "sonar",
                "--to",
                "connectwise",
                "--board",
                "12",
                "--status",
                "34",
                "--company",
                "ACME",
                "--close-upstream",
            ],
            "--close-upstream",
        ),
        (
            vec![
                "sync",
                "--provider",
                "sonar",
                "--to",
                "connectwise",
                "--board",
                "12",
                "--status",
                "34",
                "--company",
                "ACME",
                "--concurrency",
                "0",
            ],
            "--concurrency",
        ),
        (
            vec!["sync", "--provider", "sonar", "--concurrency", "4"],
            "--to",
        ),
    ] {
        let o = run(&args, &[]).await;
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(flag), "{args:?}: {err}");
    }
}

/// `--max-body` bounds ConnectWise's answers as it bounds the providers': a server that
/// answers the codebase lookup with more than the cap is cut off, not read to the end.
#[tokio::test(flavor = "multi_thread")]
async fn the_global_max_body_bounds_connectwise_answers() {
    let s = MockServer::start().await;
    let padding = "x".repeat(64 * 1024);
    Mock::given(method("GET"))
        .and(path("/login/companyinfo/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "CompanyName": "Acme", "Codebase": "v2025_1/", "VersionCode": "v2025.1",
            "padding": padding,
        })))
        .expect(1)
        .mount(&s)
        .await;
    let mut args = CHECK.to_vec();
    args.extend(["--max-body", "1KiB"]);
    let o = cw(&s.uri(), &args).await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("larger than 1 KiB (--max-body)"),
        "{}",
        stderr(&o)
    );
}
