//! The shared HTTP layer, tested once: retry matrix, idempotency, TLS/URL policy, headers.

use serde_json::{Value, json};
use std::time::Duration;
use tix::Error;
use tix::http::{Body, Credential, Failure, HttpClient, HttpOptions, RetryPolicy};
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn parse(status: reqwest::StatusCode, body: &[u8]) -> Failure {
    Failure::new(Error::Api {
        provider: "test".into(),
        status: status.as_u16(),
        message: String::from_utf8_lossy(body).into_owned(),
    })
}

fn client(url: &str) -> HttpClient {
    let mut opts = HttpOptions::new(url.parse().unwrap());
    opts.retry = RetryPolicy {
        retries: 3,
        base: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    HttpClient::new(
        "test",
        &opts,
        Credential::Bearer("s3cret".to_string().into()),
        parse,
    )
    .unwrap()
}

#[tokio::test]
async fn sends_user_agent_gzip_and_auth() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/base/x"))
        .and(header(
            "user-agent",
            concat!("tix/", env!("CARGO_PKG_VERSION")),
        ))
        .and(header("authorization", "Bearer s3cret"))
        .and(header_exists("accept-encoding"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&format!("{}/base", s.uri()));
    let v: Value = c.get_json(c.url(&["x"]), &[]).await.unwrap();
    assert_eq!(v["ok"], true);
}

#[tokio::test]
async fn a_post_is_not_retried_on_503_but_is_on_429() {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/c"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let r: Result<Value, _> = c
        .send_json(
            reqwest::Method::POST,
            c.url(&["c"]),
            &[],
            Body::Json(json!({})),
        )
        .await;
    assert!(matches!(r, Err(Error::Api { status: 503, .. })));

    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let v: Value = c
        .send_json(
            reqwest::Method::POST,
            c.url(&["c"]),
            &[],
            Body::Json(json!({})),
        )
        .await
        .unwrap();
    assert_eq!(v["id"], 1);
}

#[tokio::test]
async fn a_post_500_is_not_retried_a_get_500_is() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .expect(4)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    assert!(c.get_json::<Value>(c.url(&["a"]), &[]).await.is_err());
    assert!(
        c.send_json::<Value>(reqwest::Method::POST, c.url(&["a"]), &[], Body::Empty)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for status in [400, 401, 403, 404, 409, 412, 422] {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&s)
            .await;
        let c = client(&s.uri());
        assert!(
            c.get_json::<Value>(c.url(&["a"]), &[]).await.is_err(),
            "{status}"
        );
    }
}

#[tokio::test]
async fn a_long_retry_after_fails_instead_of_hanging() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let e = c.get_json::<Value>(c.url(&["a"]), &[]).await.unwrap_err();
    assert!(e.to_string().contains("3600"), "{e}");
    assert_eq!(e.exit_code(), 5);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = client(&format!("http://127.0.0.1:{port}"));
    let e = c.get_json::<Value>(c.url(&["a"]), &[]).await.unwrap_err();
    assert!(e.to_string().contains("could not connect"), "{e}");
    assert!(!e.to_string().contains("s3cret"));
}

#[test]
fn plain_http_only_to_loopback() {
    for ok in [
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://[::1]:1",
        "https://example.com",
    ] {
        let opts = HttpOptions::new(ok.parse().unwrap());
        assert!(
            HttpClient::new(
                "t",
                &opts,
                Credential::Bearer("k".to_string().into()),
                parse
            )
            .is_ok(),
            "{ok}"
        );
    }
    let opts = HttpOptions::new("http://sonar.example.com".parse().unwrap());
    let e = HttpClient::new(
        "t",
        &opts,
        Credential::Bearer("k".to_string().into()),
        parse,
    )
    .err()
    .unwrap();
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().contains("only loopback"), "{e}");
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ca.pem");
    std::fs::write(&f, "not a certificate").unwrap();
    let mut opts = HttpOptions::new("https://sonar.example".parse().unwrap());
    opts.ca_file = Some(f);
    let e = HttpClient::new(
        "t",
        &opts,
        Credential::Bearer("k".to_string().into()),
        parse,
    )
    .err()
    .unwrap();
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().contains("ca_file"), "{e}");
}

#[tokio::test]
async fn a_download_streams_the_body_and_sends_no_key_when_told_not_to() {
    let s = MockServer::start().await;
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path("/presigned/file.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(body.clone()))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let mut sink: Vec<u8> = Vec::new();
    let url = format!("{}/presigned/file.bin", s.uri()).parse().unwrap();
    let (n, _) = c.download(url, &[], false, &mut sink).await.unwrap();
    assert_eq!(n, body.len() as u64);
    assert_eq!(sink, body);
    let seen = &s.received_requests().await.unwrap()[0];
    assert!(
        !seen.headers.contains_key("authorization"),
        "the key went to a pre-signed URL"
    );
}

#[tokio::test]
async fn a_download_is_retried_before_the_first_byte() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/f"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/f"))
        .and(header("authorization", "Bearer s3cret"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"ok".to_vec()))
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let mut sink: Vec<u8> = Vec::new();
    c.download(c.url(&["f"]), &[], true, &mut sink)
        .await
        .unwrap();
    assert_eq!(sink, b"ok");
}

#[tokio::test]
async fn a_get_follows_a_same_origin_redirect_a_post_says_where_it_moved() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/case/1"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/case/2"))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/case/2"))
        .and(header("authorization", "Bearer s3cret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 2})))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/case/1/comments"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/case/2/comments"))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let v: Value = c.get_json(c.url(&["case/1"]), &[]).await.unwrap();
    assert_eq!(v["id"], 2);
    let e = c
        .send_json::<Value>(
            reqwest::Method::POST,
            c.url(&["case/1/comments"]),
            &[],
            Body::Json(json!({"comment": "x"})),
        )
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "test: /case/1/comments has moved to /case/2/comments (HTTP 301)"
    );
}

#[tokio::test]
async fn an_empty_answer_reads_as_null_and_basic_auth_and_extra_headers_are_sent() {
    let s = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/tag/x"))
        // base64("acme+pub:priv")
        .and(header("authorization", "Basic YWNtZStwdWI6cHJpdg=="))
        .and(header("clientid", "cid-1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&s)
        .await;
    let c = HttpClient::new(
        "test",
        &HttpOptions::new(s.uri().parse().unwrap()),
        Credential::Basic {
            user: "acme+pub".into(),
            password: "priv".to_string().into(),
        },
        parse,
    )
    .unwrap()
    .with_header("clientid", "cid-1")
    .unwrap();
    let v: Value = c
        .send_json(reqwest::Method::DELETE, c.url(&["tag/x"]), &[], Body::Empty)
        .await
        .unwrap();
    assert_eq!(v, Value::Null);
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_a_decode_error_asked_once() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Want {
        tickets: Vec<u32>,
    }
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/shape"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"tickets": "none"})))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let e = c
        .get_json::<Want>(c.url(&["shape"]), &[])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_eq!(e.exit_code(), 5);
    let shown = e.to_string();
    assert!(!shown.contains("HTTP"), "no HTTP status was wrong: {shown}");
    assert!(
        shown.contains("/shape") && shown.contains("invalid type"),
        "{shown}"
    );
    assert!(
        std::error::Error::source(&e).is_some(),
        "the parser's error is kept"
    );
}

#[tokio::test]
async fn json_cut_short_is_retried_as_a_transport_error() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cut"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"tickets": [1, 2"#, "application/json"),
        )
        // Four tries of the GET (three retries), then the one of the request that may not be repeated.
        .expect(5)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let e = c.get_json::<Value>(c.url(&["cut"]), &[]).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(e.to_string().contains("cut short"), "{e}");
    // Read by the caller: its "cut short" is retried the same way, here not at all as
    // the request may not be repeated.
    let e = c
        .send_read(
            reqwest::Method::GET,
            c.url(&["cut"]),
            &[],
            Body::Empty,
            false,
            |b| match serde_json::from_slice::<Value>(b) {
                Err(e) if e.is_eof() => Err(Error::Transport {
                    provider: "test".into(),
                    message: "cut short".into(),
                }),
                other => other.map_err(|e| Error::decode("test", "bad", e)),
            },
        )
        .await;
    assert!(matches!(e, Err(Error::Transport { .. })), "{e:?}");
}

/// Issue 24 for every typed answer (ConnectWise's among them, which read through the same
/// client): a string cut in half of a UTF-16 pair is read as U+FFFD, not lost with the
/// whole answer, and it is not asked again.
#[tokio::test]
async fn a_lone_surrogate_in_an_answer_reads_as_a_replacement_character() {
    #[derive(Debug, serde::Deserialize)]
    struct Note {
        text: String,
        id: u32,
    }
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"[{"id": 1, "text": "cut \ud83d"}, {"id": 2, "text": "whole \ud83d\ude00"}]"#,
            "application/json",
        ))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let notes: Vec<Note> = c.get_json(c.url(&["notes"]), &[]).await.unwrap();
    assert_eq!(notes[0].id, 1);
    assert_eq!(notes[0].text, "cut \u{fffd}");
    assert_eq!(notes[1].text, "whole \u{1f600}");
}
