//! Cyderes verbs beyond list against wiremock: get, comment, close, attachments, create and
//! MISP IOCs, each request exactly as vendor-docs/cyderes-tsi-api-v2.txt specifies.

use crate::cyderes::{AUTHOR, LIST, bearer, cyderes, exact_query, server};
use crate::harness::{KEY, code, fixture, lines, run, stderr, stdout};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, Request, ResponseTemplate};

#[tokio::test(flavor = "multi_thread")]
async fn get_shows_the_ticket_with_its_comments() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/CYDERES-000770")))
        .and(header("authorization", bearer().as_str()))
        .and(exact_query(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("cyderes", "ticket.json")))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &["get", "cyderes", "CYDERES-000770", "-o", "json"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(t["id"], "CYDERES-000770");
    assert_eq!(t["number"], "SIR0000770");
    assert_eq!(t["status"], "waiting_customer");
    assert_eq!(t["priority"], "medium");
    assert_eq!(t["created"], "2026-10-30T08:00:00Z");
    assert_eq!(t["comments"][1]["author"], "Ada Lovelace");
    assert_eq!(t["comments"][1]["created"], "2026-10-30T09:30:00Z");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_ticket_is_exit_4_without_retries() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/CYDERES-999999")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(fixture("cyderes", "errors.json")["ticket_not_found"].clone()),
        )
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(&s.uri(), &["get", "cyderes", "CYDERES-999999"]).await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        "tix: cyderes: ticket CYDERES-999999 not found"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_is_posted_once_with_author_and_body() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path(format!("{LIST}/CYDERES-000770/comment")))
        .and(header("authorization", bearer().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"author": AUTHOR, "body": "User confirmed; closing."}),
        ))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &[
            "comment",
            "cyderes",
            "CYDERES-000770",
            "User confirmed; closing.",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["author"], AUTHOR);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_comment_is_never_retried() {
    for status in [500, 502, 503] {
        let s = server().await;
        Mock::given(method("POST"))
            .and(path(format!("{LIST}/CYDERES-000770/comment")))
            .respond_with(ResponseTemplate::new(status).set_body_string("upstream trouble"))
            .expect(1)
            .mount(&s)
            .await;
        let o = cyderes(&s.uri(), &["comment", "cyderes", "CYDERES-000770", "hello"]).await;
        assert_eq!(code(&o), 5, "{}", stderr(&o));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn comment_and_create_need_an_author_before_any_request() {
    let s = server().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&s)
        .await;
    let env = [
        ("TIX_CYDERES_URL", s.uri()),
        ("TIX_CYDERES_TOKEN", KEY.to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for args in [
        vec!["comment", "cyderes", "CYDERES-000770", "hello"],
        vec!["create", "cyderes", "--subject", "s", "--description", "d"],
    ] {
        let o = run(&args, &env).await;
        assert_eq!(code(&o), 3, "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1);
        assert!(stderr(&o).contains("TIX_CYDERES_AUTHOR"), "{}", stderr(&o));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn close_sends_the_comment_percent_encoded_in_the_query() {
    let s = server().await;
    let comment = "Benign: admin test & approved 100%";
    Mock::given(method("POST"))
        .and(path(format!("{LIST}/CYDERES-000770/close")))
        .and(header("authorization", bearer().as_str()))
        .and(exact_query(&[("comment", comment)]))
        .and(|r: &Request| {
            r.url
                .query()
                .is_some_and(|q| q.contains("%26") && q.contains("100%25") && !q.contains(' '))
        })
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{LIST}/CYDERES-000771/close")))
        .and(exact_query(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "closed"})))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &["close", "cyderes", "CYDERES-000770", "--comment", comment],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cyderes(&s.uri(), &["close", "cyderes", "CYDERES-000771"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn attachment_list_never_prints_the_inline_bytes() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/CYDERES-000770/attachments")))
        .and(header("authorization", bearer().as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("cyderes", "attachments.json")),
        )
        .expect(2)
        .mount(&s)
        .await;
    for format in ["jsonl", "csv"] {
        let o = cyderes(
            &s.uri(),
            &["attach", "list", "cyderes", "CYDERES-000770", "-o", format],
        )
        .await;
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains("edr-timeline.csv") && out.contains("att-2"),
            "{out}"
        );
        assert!(!out.contains("dGltZSxl"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attachment_get_streams_the_raw_form_to_a_file() {
    let s = server().await;
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i * 31 % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/CYDERES-000770/attachments/att-1")))
        .and(header("authorization", bearer().as_str()))
        .and(exact_query(&[]))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/octet-stream")
                .insert_header(
                    "content-disposition",
                    "attachment; filename=\"capture.pcap\"",
                )
                .set_body_bytes(bytes.clone()),
        )
        .expect(1)
        .mount(&s)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().to_str().unwrap().to_owned();
    let o = cyderes(
        &s.uri(),
        &[
            "attach",
            "get",
            "cyderes",
            "CYDERES-000770",
            "att-1",
            "--to",
            &to,
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let saved = dir.path().join("capture.pcap");
    assert_eq!(stdout(&o).trim(), saved.display().to_string());
    assert_eq!(std::fs::read(saved).unwrap(), bytes);
}

#[tokio::test(flavor = "multi_thread")]
async fn attachment_add_sends_multipart_field_file() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path(format!("{LIST}/CYDERES-000770/attachment")))
        .and(header("authorization", bearer().as_str()))
        .and(|r: &Request| {
            let ct = r
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let body = String::from_utf8_lossy(&r.body);
            ct.starts_with("multipart/form-data; boundary=")
                && body.contains(
                    "Content-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"",
                )
                && body.contains("host isolated at 08:05")
        })
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&s)
        .await;
    // The upload's answer names no id (none is documented), so the list is asked.
    let mut listed = fixture("cyderes", "attachments.json");
    listed.as_array_mut().unwrap().push(json!({"id": "att-3", "file_name": "notes.txt", "file_type": "text/plain", "attachment_byte_data": "aG9zdA=="}));
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/CYDERES-000770/attachments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed))
        .expect(1)
        .mount(&s)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "host isolated at 08:05\n").unwrap();
    let o = cyderes(
        &s.uri(),
        &[
            "attach",
            "add",
            "cyderes",
            "CYDERES-000770",
            file.to_str().unwrap(),
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["id"], "att-3");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_sends_a_service_request_and_reads_a_numeric_ticket_id() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path(format!("{LIST}/create")))
        .and(header("authorization", bearer().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": AUTHOR,
            "short_description": "Add VPN range to allow-list",
            "description": "Please allow 10.20.0.0/16.",
            "priority": "2",
            "category": "Network",
            "type": "Change"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"status": 201, "ticket_id": 778, "message": "Ticket has been created."}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let mut created = fixture("cyderes", "tickets.json")[1].clone();
    created["ticket_id"] = json!("778");
    Mock::given(method("GET"))
        .and(path(format!("{LIST}/778")))
        .respond_with(ResponseTemplate::new(200).set_body_json(created))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &[
            "create",
            "cyderes",
            "--subject",
            "Add VPN range to allow-list",
            "--description",
            "Please allow 10.20.0.0/16.",
            "--priority",
            "medium",
            "--category",
            "Network",
            "--type",
            "Change",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(t["id"], "778");
    assert_eq!(t["type"], "service_request");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_create_is_never_retried() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path(format!("{LIST}/create")))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &["create", "cyderes", "--subject", "s", "--description", "d"],
    )
    .await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn iocs_come_from_misp_without_v2_with_encoded_times() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/misp"))
        .and(header("authorization", bearer().as_str()))
        .and(|r: &Request| {
            r.url.query()
                == Some(
                    "created_from=2000-01-01%2000%3A00%3A00&created_to=2000-01-02%2000%3A00%3A00",
                )
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("cyderes", "misp.json")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/misp"))
        .and(exact_query(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("cyderes", "misp.json")))
        .expect(2)
        .mount(&s)
        .await;
    let o = cyderes(
        &s.uri(),
        &[
            "iocs",
            "--provider",
            "cyderes",
            "--since",
            "2000-01-01T00:00:00Z",
            "--until",
            "2000-01-02T00:00:00Z",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let items = lines(&o);
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["type"], "domain");
    assert_eq!(items[1]["value"], "invoice-portal-4471.example");
    assert_eq!(
        items[1]["event_info"],
        "Credential phishing campaign, invoice lure"
    );
    assert_eq!(items[1]["timestamp"], "2026-10-31T00:00:00Z");
    let o = cyderes(&s.uri(), &["iocs", "--provider", "cyderes", "-o", "csv"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("provider,id,uuid,event_id,event_info"),
        "{out}"
    );
    assert!(out.contains("invoice-portal-4471.example"));
    let o = cyderes(&s.uri(), &["iocs", "--provider", "cyderes", "-o", "table"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_tags_and_orgs_are_unsupported_before_any_config() {
    for args in [
        vec!["update", "cyderes", "CYDERES-1", "--status", "closed"],
        vec!["tags", "list", "cyderes", "CYDERES-1"],
        vec!["orgs", "--provider", "cyderes"],
    ] {
        let o = run(&args, &[]).await;
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cyderes does not support"),
            "{}",
            stderr(&o)
        );
    }
}
