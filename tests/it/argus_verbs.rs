//! The Argus verbs beyond list against wiremock, each request exactly as
//! vendor-docs/argus-case-api.txt shows it. Writes that may have acted (comment, close,
//! create, update with a comment, upload, tag) are sent once even when the answer is a
//! 503; the section each test checks is named above it.

use crate::argus::{argus, call, documented_error, envelope, server};
use crate::harness::{code, fixture, lines, stderr, stdout};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, header, query_param};

const CASE: &str = "/cases/v2/case/1234567";

fn one(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture("argus", name))
}

fn json_out(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

// "Fetching a case" and "Listing comments" (limit=0: all of them, not the first 25).
#[tokio::test(flavor = "multi_thread")]
async fn get_shows_the_case_with_every_comment() {
    let s = server().await;
    call("GET", CASE)
        .respond_with(one("case.json"))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", &format!("{CASE}/comments"))
        .and(query_param("limit", "0"))
        .respond_with(one("comments.json"))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(&s.uri(), &["get", "argus", "1234567", "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = json_out(&o);
    assert_eq!(t["id"], "1234567");
    assert_eq!(t["title"], "Possible credential phishing");
    assert_eq!(t["closed"], Value::Null);
    assert_eq!(t["comments"].as_array().unwrap().len(), 2);
    assert_eq!(t["comments"][1]["internal"], true);
    assert_eq!(t["comments"][0]["author"], "SOC Analyst");
}

// research §1.4: GET /case/{id} answers 301 for a merged case; tix follows and says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_merged_case_is_followed_and_reported() {
    let s = server().await;
    call("GET", "/cases/v2/case/1000")
        .respond_with(ResponseTemplate::new(301).insert_header("location", CASE))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", CASE)
        .respond_with(one("case.json"))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/cases/v2/case/1000/comments")
        .respond_with(envelope(json!([]), 0))
        .mount(&s)
        .await;
    call("GET", &format!("{CASE}/comments"))
        .and(query_param("limit", "0"))
        .respond_with(one("comments.json"))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(&s.uri(), &["get", "argus", "1000", "-o", "json"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json_out(&o)["id"], "1234567");
    assert_eq!(json_out(&o)["comments"].as_array().unwrap().len(), 2);
    assert!(
        stderr(&o).contains("case 1000 was merged into case 1234567"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_case_is_exit_4_and_a_bad_id_makes_no_request() {
    let s = server().await;
    let (status, body) = documented_error("404");
    call("GET", "/cases/v2/case/999")
        .respond_with(ResponseTemplate::new(status).set_body_json(body.clone()))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", "/cases/v2/case/999/comments")
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&s)
        .await;
    let o = argus(&s.uri(), &["get", "argus", "999"]).await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert_eq!(stderr(&o).trim(), "tix: argus: ticket 999 not found");
    let o = argus(&s.uri(), &["get", "argus", "abc"]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("<id>"), "{}", stderr(&o));
}

// "Adding a comment": POST …/comments {"comment": …}, once even on a 503.
#[tokio::test(flavor = "multi_thread")]
async fn comment_is_the_documents_body_sent_once() {
    let s = server().await;
    call("POST", &format!("{CASE}/comments"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"comment": "My comment"})))
        .respond_with(one("comment.json"))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &["comment", "argus", "1234567", "My comment", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["author"], "SOC Analyst");

    let s = server().await;
    call("POST", &format!("{CASE}/comments"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(&s.uri(), &["comment", "argus", "1234567", "again"]).await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
}

// "Closing a case": PUT …/close with the optional comment, once.
#[tokio::test(flavor = "multi_thread")]
async fn close_sends_the_comment_once() {
    let s = server().await;
    call("PUT", &format!("{CASE}/close"))
        .and(body_json(json!({"comment": "Closing this case"})))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &[
            "close",
            "argus",
            "1234567",
            "--comment",
            "Closing this case",
        ],
    )
    .await;
    assert_eq!(code(&o), 5, "a close that may have acted is not sent again");

    let s = server().await;
    call("PUT", &format!("{CASE}/close"))
        .and(body_json(json!({})))
        .respond_with(one("case.json"))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(&s.uri(), &["close", "argus", "1234567"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

// "Creating a case" and "Creating a restricted case".
#[tokio::test(flavor = "multi_thread")]
async fn create_sends_the_documents_body_once() {
    let s = server().await;
    call("POST", "/cases/v2/case")
        .and(body_json(json!({
            "customer": "mnemonic",
            "service": "support",
            "type": "operationalIncident",
            "subject": "My testcase",
            "description": "This is the description of the case",
            "priority": "high",
            "accessMode": "readRestricted",
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("argus", "case.json")))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &[
            "create",
            "argus",
            "--customer",
            "mnemonic",
            "--service",
            "support",
            "--type",
            "operationalIncident",
            "--subject",
            "My testcase",
            "--description",
            "This is the description of the case",
            "--priority",
            "high",
            "--restricted",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json_out(&o)["id"], "1234567");
    let o = argus(
        &s.uri(),
        &[
            "create",
            "argus",
            "--subject",
            "s",
            "--description",
            "d",
            "--type",
            "change",
        ],
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--service"), "{}", stderr(&o));
}

// "Updating a case" / "Update with comment"; "Restricted fields": 403 FIELD_ERROR.
#[tokio::test(flavor = "multi_thread")]
async fn update_sends_status_priority_and_comment_and_explains_a_refused_field() {
    let s = server().await;
    call("PUT", CASE)
        .and(body_json(
            json!({"status": "pendingSoc", "priority": "high", "comment": "please look"}),
        ))
        .respond_with(one("case.json"))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &[
            "update",
            "argus",
            "1234567",
            "--status",
            "open",
            "--priority",
            "high",
            "--comment",
            "please look",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let s = server().await;
    let (status, body) = documented_error("403 FIELD_ERROR");
    call("PUT", CASE)
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &["update", "argus", "1234567", "--priority", "low"],
    )
    .await;
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("permission denied to change subject")
            && err.contains("restricted field")
            && err.contains("requires TECH role or case ownership")
            && !err.contains("authentication"),
        "{err}"
    );
    let o = argus(
        &s.uri(),
        &["update", "argus", "1234567", "--status", "closed"],
    )
    .await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("tix close argus"), "{}", stderr(&o));
}

// "Listing attachments", "Downloading an attachment", "Adding an attachment".
#[tokio::test(flavor = "multi_thread")]
async fn attachments_list_download_and_upload() {
    let s = server().await;
    let att = "/cases/v2/case/1234567/attachments";
    let aid = "12345678-1234-4bcd-8234-123456789abc";
    call("GET", att)
        .and(query_param("limit", "0"))
        .respond_with(one("attachments.json"))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", &format!("{att}/{aid}"))
        .respond_with(one("attachment.json"))
        .expect(1)
        .mount(&s)
        .await;
    call("GET", &format!("{att}/{aid}/download"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("abcdef", "text/plain"))
        .expect(1)
        .mount(&s)
        .await;
    call("POST", att)
        .and(body_json(
            json!({"name": "filename.log", "mimeType": "text/plain", "data": "YWJjZGVm"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("argus", "attachment.json")))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &["attach", "list", "argus", "1234567", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(lines(&o)[0]["name"], "proxy.log");

    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().to_str().unwrap().to_owned();
    let o = argus(
        &s.uri(),
        &["attach", "get", "argus", "1234567", aid, "--to", &to],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("proxy.log")).unwrap(),
        "abcdef"
    );

    let file = dir.path().join("filename.log");
    std::fs::write(&file, "abcdef").unwrap();
    let o = argus(
        &s.uri(),
        &[
            "attach",
            "add",
            "argus",
            "1234567",
            file.to_str().unwrap(),
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

// "Managing case tags": list (limit=0), add as key/value strings, remove by key/value.
#[tokio::test(flavor = "multi_thread")]
async fn tags_list_add_and_remove() {
    let s = server().await;
    let tags = "/cases/v2/case/1234567/tags";
    call("GET", tags)
        .and(query_param("limit", "0"))
        .respond_with(one("tags.json"))
        .expect(3)
        .mount(&s)
        .await;
    call("POST", tags)
        .and(body_json(
            json!({"tags": ["campaign/phishing", "customer/vip"]}),
        ))
        .respond_with(one("tags.json"))
        .expect(1)
        .mount(&s)
        .await;
    call("DELETE", &format!("{tags}/campaign/phishing"))
        .respond_with(one("tags.json"))
        .expect(1)
        .mount(&s)
        .await;
    let o = argus(
        &s.uri(),
        &["tags", "list", "argus", "1234567", "-o", "jsonl"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let got: Vec<Value> = lines(&o).into_iter().map(|l| l["tag"].clone()).collect();
    assert_eq!(got, vec![json!("campaign/phishing"), json!("customer/vip")]);
    let o = argus(
        &s.uri(),
        &[
            "tags",
            "add",
            "argus",
            "1234567",
            "campaign/phishing",
            "customer/vip",
            "-o",
            "jsonl",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = argus(
        &s.uri(),
        &["tags", "rm", "argus", "1234567", "campaign/phishing"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = argus(&s.uri(), &["tags", "add", "argus", "1234567", "vip"]).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("key/value"), "{}", stderr(&o));
}
