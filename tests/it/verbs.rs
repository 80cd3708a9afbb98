//! The verbs beyond list and get, on what every provider shares: input checked before
//! any request, unsupported operations refused before any config is read.

use crate::harness::{KEY, code, lines, run, sonar, stderr, stdout};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GUID: &str = "49272877-75f2-4c2f-9301-d21c4f9a106d";

#[tokio::test(flavor = "multi_thread")]
async fn operations_sonar_lacks_are_exit_2_before_any_config() {
    // No URL and no key: reaching the config would be exit 3, a request exit 1.
    for args in [
        vec!["close", "sonar", GUID],
        vec!["comment", "sonar", GUID, "hello"],
        vec!["create", "sonar", "--subject", "s", "--description", "d"],
        vec!["update", "sonar", GUID, "--status", "closed"],
        vec!["tags", "list", "sonar", GUID],
        vec!["orgs", "--provider", "sonar"],
        vec!["iocs", "--provider", "sonar"],
        vec!["attach", "get", "sonar", GUID, "a1"],
    ] {
        let o = run(&args, &[]).await;
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("sonar does not support"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_names_the_flag_and_exits_2() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["update", "sonar", GUID],
            "at least one of --status, --priority, --comment",
        ),
        (
            &["update", "sonar", GUID, "--status", "unknown"],
            "--status",
        ),
        (
            &["update", "sonar", GUID, "--priority", "urgent"],
            "--priority",
        ),
        (
            &[
                "create",
                "sonar",
                "--subject",
                "s",
                "--description",
                "d",
                "--priority",
                "p1",
            ],
            "--priority",
        ),
        (&["comment", "sonar", GUID, "   "], "<TEXT>"),
        (&["attach", "add", "sonar", GUID, "/no/such/file"], "<FILE>"),
        (
            &["attach", "get", "argus", "1", "a1", "--to", "/no/such/dir/"],
            "--to",
        ),
    ];
    for (args, flag) in cases {
        let o = run(args, &[]).await;
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(flag), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_list_prints_records_in_every_format() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/api/sonar/tickets/{GUID}/attachments")))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(crate::harness::fixture("sonar", "attachments.json")),
        )
        .mount(&s)
        .await;
    let o = sonar(&s.uri(), &["attach", "list", "sonar", GUID, "-o", "jsonl"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = lines(&o);
    assert!(!rows.is_empty());
    for row in &rows {
        let keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 5, "{row}");
        assert!(row["id"].is_string(), "{row}");
    }
    let o = sonar(
        &s.uri(),
        &[
            "attach", "list", "sonar", GUID, "-o", "csv", "--fields", "name,id",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("name,id\n"), "{}", stdout(&o));
    let o = sonar(
        &s.uri(),
        &["attach", "list", "sonar", GUID, "--fields", "nmae"],
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("one of: id, name, size, content_type, created"));
}
