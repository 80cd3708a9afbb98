//! The push and the way back against wiremock, one mock per call with the exact body and
//! headers (research/arcticwolf-connectwise.md §2.4–2.7 and §3; the vendor document's
//! Discussion notes and attachments).

use crate::connectwise::{API, BASIC, CLIENT_ID, api_get, server};
use crate::harness::fixture;
use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::json;
use std::sync::Mutex;
use tix::config::Env;
use tix::model::{Attachment, Comment, Priority, Query, Status, Ticket};
use tix::sinks::connectwise::{
    CwClient, CwConfig, Ledger, Mapping, MemoryLedger, PushReport, Pushed, Pusher, Target,
    TicketKey, pull,
};
use tix::source::{Capabilities, TicketSource};
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A provider held in memory: comments can be added and tickets closed.
pub struct FakeSource {
    pub ticket: Mutex<Ticket>,
    pub attachment: Option<(Attachment, Vec<u8>)>,
}

impl std::fmt::Display for FakeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fake")
    }
}

#[async_trait]
impl TicketSource for FakeSource {
    fn provider(&self) -> &'static str {
        "sonar"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            list: true,
            get: true,
            comments: true,
            add_comment: true,
            close: true,
            attachments: self.attachment.is_some(),
            download: self.attachment.is_some(),
            ..Capabilities::default()
        }
    }
    fn explain(&self, _q: &Query) -> tix::Result<String> {
        Ok(String::new())
    }
    fn list(&self, _q: &Query) -> BoxStream<'static, tix::Result<Ticket>> {
        let t = self.ticket.lock().unwrap().clone();
        stream::iter([Ok(t)]).boxed()
    }
    async fn get(&self, _id: &str) -> tix::Result<Ticket> {
        Ok(self.ticket.lock().unwrap().clone())
    }
    async fn comments(&self, _id: &str) -> tix::Result<Vec<Comment>> {
        Ok(self
            .ticket
            .lock()
            .unwrap()
            .comments
            .clone()
            .unwrap_or_default())
    }
    async fn add_comment(&self, _id: &str, body: &str) -> tix::Result<Comment> {
        let c = Comment {
            id: Some(format!("up-{}", body.len())),
            author: Some("tix".into()),
            created: None,
            body: body.to_owned(),
            internal: None,
        };
        self.ticket
            .lock()
            .unwrap()
            .comments
            .get_or_insert_with(Vec::new)
            .push(c.clone());
        Ok(c)
    }
    async fn close(&self, _id: &str, comment: Option<&str>) -> tix::Result<()> {
        if let Some(c) = comment {
            self.add_comment("", c).await?;
        }
        self.ticket.lock().unwrap().status = Status::Closed;
        Ok(())
    }
    async fn attachments(&self, _id: &str) -> tix::Result<Vec<Attachment>> {
        Ok(self.attachment.iter().map(|(a, _)| a.clone()).collect())
    }
    async fn download(
        &self,
        _id: &str,
        _a: &str,
        sink: &mut (dyn tokio::io::AsyncWrite + Send + Unpin),
    ) -> tix::Result<Attachment> {
        use tokio::io::AsyncWriteExt;
        let (a, bytes) = self.attachment.clone().unwrap();
        sink.write_all(&bytes).await?;
        Ok(a)
    }
}

pub fn ticket() -> Ticket {
    let mut t = Ticket::new("sonar", "g-1");
    t.number = Some("42".into());
    t.title = Some("Suspicious login".into());
    t.status = Status::Open;
    t.priority = Priority::High;
    t.url = Some("https://sonar.example/t/42".into());
    t.comments = Some(vec![Comment {
        id: Some("c-1".into()),
        author: Some("Liam".into()),
        created: Some("2026-11-20T09:30:00Z".parse().unwrap()),
        body: "Host isolated.".into(),
        internal: None,
    }]);
    t
}

pub fn target() -> Target {
    Target {
        board: 12,
        board_name: "Security Operations".into(),
        status: 34,
        company: 250,
        priorities: [(Priority::High, 2)].into_iter().collect(),
    }
}

pub async fn client(url: &str) -> CwClient {
    let env = Env::from_pairs([
        ("TIX_CW_SITE", url),
        ("TIX_CW_COMPANY", "acme"),
        ("TIX_CW_PUBLIC_KEY", "pub-key"),
        ("TIX_CW_PRIVATE_KEY", "priv-key"),
        ("TIX_CW_CLIENT_ID", CLIENT_ID),
    ]);
    CwClient::connect(&CwConfig::from_env(&env).unwrap())
        .await
        .unwrap()
}

fn api_post(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!("{API}{p}")))
        .and(header("authorization", BASIC))
        .and(header("clientid", CLIENT_ID))
}

async fn mount_lookup(s: &MockServer, found: serde_json::Value) {
    api_get("/service/tickets")
        .and(query_param("conditions", "externalXRef=\"tix:sonar:g-1\""))
        .and(query_param("fields", "id,externalXRef"))
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(found))
        .expect(1)
        .mount(s)
        .await;
}

fn state_mark(t: &Ticket) -> String {
    format!("[tix:sonar:g-1 state {}]", Pushed::of(t).fingerprint())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_ticket_is_one_post_carrying_its_comments_with_no_note_read_or_posted() {
    let s = server().await;
    let t = ticket();
    mount_lookup(&s, json!([])).await;
    let description = "Suspicious login\n\nProvider: sonar\nTicket: g-1\nNumber: 42\nStatus: open\nPriority: high\nLink: https://sonar.example/t/42";
    let comment =
        "Liam on sonar, 2026-11-20 09:30 UTC:\n\nHost isolated.\n\n[tix:sonar:g-1 comment c-1]";
    api_post("/service/tickets")
        .and(body_json(json!({
            "summary": "[sonar 42] Suspicious login",
            "board": {"id": 12}, "status": {"id": 34}, "company": {"id": 250},
            "priority": {"id": 2},
            "initialDescription": format!("{description}\n\n{}\n\n---\n\n{comment}", state_mark(&t)),
            "externalXRef": "tix:sonar:g-1"
        })))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("connectwise", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    // Just created: its notes are only what tix wrote, so they are not read back; the
    // comment is in the description, so no note is posted.
    api_get("/service/tickets/1001/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(0)
        .mount(&s)
        .await;
    api_post("/service/tickets/1001/notes")
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(fixture("connectwise", "notes.json")[0].clone()),
        )
        .expect(0)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let tg = target();
    let source = FakeSource {
        ticket: Mutex::new(t.clone()),
        attachment: None,
    };
    let mut ledger = MemoryLedger::default();
    let mut report = PushReport::default();
    let pusher = Pusher {
        cw: &cw,
        target: &tg,
    };
    assert_eq!(
        pusher
            .push(&mut ledger, &source, &t, &mut report)
            .await
            .unwrap(),
        1001
    );
    assert_eq!((report.created, report.notes), (1, 1));
    assert!(
        ledger
            .has_item(&TicketKey::new("sonar", "g-1"), "comment:c-1")
            .unwrap()
    );
    // The next run, with the ledger: nothing at all is sent (the mocks expect one call each).
    pusher
        .push(&mut ledger, &source, &t, &mut report)
        .await
        .unwrap();
    assert_eq!((report.created, report.notes), (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_history_longer_than_fold_max_goes_on_as_notes_in_order() {
    use tix::sinks::connectwise::push::FOLD_MAX;
    let s = server().await;
    let mut t = ticket();
    let body = "x".repeat(FOLD_MAX / 2);
    t.comments = Some(
        (1..=3)
            .map(|i| Comment {
                id: Some(format!("c-{i}")),
                author: Some("Liam".into()),
                created: Some(format!("2026-11-20T09:3{i}:00Z").parse().unwrap()),
                body: body.clone(),
                internal: None,
            })
            .collect(),
    );
    // Over 50 MB: a note naming it, no download; after the comments, so a note too.
    let big = Attachment {
        id: "a-9".into(),
        name: Some("disk.img".into()),
        size: Some(60 * 1024 * 1024),
        content_type: None,
        created: None,
    };
    mount_lookup(&s, json!([])).await;
    api_post("/service/tickets")
        .and(body_string_contains("[tix:sonar:g-1 comment c-1]"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("connectwise", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    api_post("/service/tickets/1001/notes")
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(fixture("connectwise", "notes.json")[0].clone()),
        )
        .expect(3)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let tg = target();
    let source = FakeSource {
        ticket: Mutex::new(t.clone()),
        attachment: Some((big, Vec::new())),
    };
    let mut ledger = MemoryLedger::default();
    let mut report = PushReport::default();
    Pusher {
        cw: &cw,
        target: &tg,
    }
    .push(&mut ledger, &source, &t, &mut report)
    .await
    .unwrap();
    let posts: Vec<String> = s
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(posts.len(), 4, "{posts:?}");
    let create: serde_json::Value = serde_json::from_str(&posts[0]).unwrap();
    let description = create["initialDescription"].as_str().unwrap();
    assert!(description.len() <= FOLD_MAX, "{}", description.len());
    assert!(!description.contains("comment c-2]"));
    for (post, mark) in posts[1..]
        .iter()
        .zip(["comment c-2]", "comment c-3]", "attachment a-9]"])
    {
        assert!(post.contains(mark), "{mark} in {post}");
    }
    assert_eq!((report.created, report.notes), (1, 4));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_ledger_finds_the_ticket_and_its_notes_instead_of_writing_again() {
    let s = server().await;
    let t = ticket();
    mount_lookup(&s, json!([{"id": 1001, "externalXRef": "tix:sonar:g-1"}])).await;
    api_get("/service/tickets/1001/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "ticketId": 1001, "detailDescriptionFlag": true, "text": format!("desc\n\n{}", state_mark(&t))},
            {"id": 2, "ticketId": 1001, "detailDescriptionFlag": true, "text": "Host isolated.\n\n[tix:sonar:g-1 comment c-1]"}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let tg = target();
    let source = FakeSource {
        ticket: Mutex::new(t.clone()),
        attachment: None,
    };
    let mut ledger = MemoryLedger::default();
    let mut report = PushReport::default();
    let pusher = Pusher {
        cw: &cw,
        target: &tg,
    };
    assert_eq!(
        pusher
            .push(&mut ledger, &source, &t, &mut report)
            .await
            .unwrap(),
        1001
    );
    assert_eq!(
        report,
        PushReport {
            found: 1,
            ..PushReport::default()
        }
    );
    let key = TicketKey::new("sonar", "g-1");
    assert_eq!(ledger.mapping(&key).unwrap().unwrap().cw_id, 1001);
    assert!(ledger.has_item(&key, "comment:c-1").unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_is_a_patch_and_a_note_saying_what_moved() {
    let s = server().await;
    let was = ticket();
    let mut now = ticket();
    now.status = Status::Closed;
    now.priority = Priority::Critical;
    now.comments = None;
    api_get("/service/tickets/1001/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&s)
        .await;
    // The priority moves on the ConnectWise ticket (critical is mapped to 1); the
    // status is the board's own, so only the note tells of it.
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/service/tickets/1001")))
        .and(body_json(
            json!([{"op": "replace", "path": "priority", "value": {"id": 1}}]),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("connectwise", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    api_post("/service/tickets/1001/notes")
        .and(body_json(json!({
            "text": format!("sonar ticket g-1 changed:\n- status: open → closed\n- priority: high → critical\n\n{}", state_mark(&now)),
            "detailDescriptionFlag": true, "internalAnalysisFlag": false, "resolutionFlag": false
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("connectwise", "notes.json")[0].clone()))
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let mut tg = target();
    tg.priorities.insert(Priority::Critical, 1);
    let source = FakeSource {
        ticket: Mutex::new(now.clone()),
        attachment: None,
    };
    let mut ledger = MemoryLedger::default();
    ledger
        .set_mapping(
            &TicketKey::new("sonar", "g-1"),
            &Mapping {
                cw_id: 1001,
                pushed: Pushed::of(&was),
                cw_seen: None,
                closed_upstream: false,
            },
        )
        .unwrap();
    let mut report = PushReport::default();
    Pusher {
        cw: &cw,
        target: &tg,
    }
    .push(&mut ledger, &source, &now, &mut report)
    .await
    .unwrap();
    assert_eq!(report.notes, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_title_is_a_json_patch_of_the_summary() {
    let s = server().await;
    let was = ticket();
    let mut now = ticket();
    now.title = Some("Suspicious login from Tor".into());
    now.comments = None;
    api_get("/service/tickets/1001/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{API}/service/tickets/1001")))
        .and(header("authorization", BASIC))
        .and(header("clientid", CLIENT_ID))
        .and(body_json(
            json!([{"op": "replace", "path": "summary", "value": "Suspicious login from Tor"}]),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("connectwise", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    api_post("/service/tickets/1001/notes")
        .and(body_string_contains(
            "- title: Suspicious login → Suspicious login from Tor",
        ))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(fixture("connectwise", "notes.json")[0].clone()),
        )
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let tg = target();
    let source = FakeSource {
        ticket: Mutex::new(now.clone()),
        attachment: None,
    };
    let mut ledger = MemoryLedger::default();
    ledger
        .set_mapping(
            &TicketKey::new("sonar", "g-1"),
            &Mapping {
                cw_id: 1001,
                pushed: Pushed::of(&was),
                cw_seen: None,
                closed_upstream: false,
            },
        )
        .unwrap();
    Pusher {
        cw: &cw,
        target: &tg,
    }
    .push(&mut ledger, &source, &now, &mut PushReport::default())
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attachment_is_a_multipart_document_and_a_note() {
    let s = server().await;
    let mut t = ticket();
    t.comments = None;
    let a = Attachment {
        id: "a-9".into(),
        name: Some("evidence.zip".into()),
        size: Some(11),
        content_type: Some("application/zip".into()),
        created: None,
    };
    api_get("/service/tickets/1001/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s)
        .await;
    api_post("/system/documents")
        .and(header_regex_multipart())
        .and(body_string_contains(
            "name=\"recordType\"\r\n\r\nTicket\r\n",
        ))
        .and(body_string_contains("name=\"recordId\"\r\n\r\n1001\r\n"))
        .and(body_string_contains(
            "name=\"title\"\r\n\r\nevidence.zip\r\n",
        ))
        .and(body_string_contains("filename=\"evidence.zip\""))
        .and(body_string_contains("PK zip body"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("connectwise", "document.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    api_post("/service/tickets/1001/notes")
        .and(body_json(json!({
            "text": "Attachment from sonar: evidence.zip (11 B), document 7001.\n\n[tix:sonar:g-1 attachment a-9]",
            "detailDescriptionFlag": true, "internalAnalysisFlag": false, "resolutionFlag": false
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(fixture("connectwise", "notes.json")[0].clone()))
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let tg = target();
    let source = FakeSource {
        ticket: Mutex::new(t.clone()),
        attachment: Some((a, b"PK zip body".to_vec())),
    };
    let mut ledger = MemoryLedger::default();
    ledger
        .set_mapping(
            &TicketKey::new("sonar", "g-1"),
            &Mapping {
                cw_id: 1001,
                pushed: Pushed::of(&t),
                cw_seen: None,
                closed_upstream: false,
            },
        )
        .unwrap();
    let mut report = PushReport::default();
    Pusher {
        cw: &cw,
        target: &tg,
    }
    .push(&mut ledger, &source, &t, &mut report)
    .await
    .unwrap();
    assert_eq!((report.documents, report.notes), (1, 1));
}

fn header_regex_multipart() -> wiremock::matchers::HeaderRegexMatcher {
    wiremock::matchers::header_regex("content-type", "^multipart/form-data; boundary=")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_error_body_is_the_users_error_and_a_post_is_not_retried() {
    let s = server().await;
    let t = ticket();
    mount_lookup(&s, json!([])).await;
    api_post("/service/tickets")
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(fixture("connectwise", "errors.json")[0]["body"].clone()),
        )
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let tg = target();
    let source = FakeSource {
        ticket: Mutex::new(t.clone()),
        attachment: None,
    };
    let err = Pusher {
        cw: &cw,
        target: &tg,
    }
    .push(
        &mut MemoryLedger::default(),
        &source,
        &t,
        &mut PushReport::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connectwise: ticket object is invalid: Service Status 17 not found for Service Board 21 (status/id) (HTTP 400)"
    );
    assert_eq!(err.exit_code(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_follow_link_headers_and_429_waits_for_retry_after() {
    let s = server().await;
    let next = format!(
        "{}{API}/service/tickets/1001/notes?page=2&pageSize=1000",
        s.uri()
    );
    api_get("/service/tickets/1001/notes")
        .and(query_param("page", "1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": 1, "text": "a", "detailDescriptionFlag": true}]))
                .insert_header(
                    "link",
                    format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str(),
                ),
        )
        .expect(1)
        .mount(&s)
        .await;
    // The second page is refused once with 429, then answered.
    api_get("/service/tickets/1001/notes")
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    api_get("/service/tickets/1001/notes")
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"id": 2, "text": "b", "detailDescriptionFlag": true}])),
        )
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let started = std::time::Instant::now();
    let notes: Vec<serde_json::Value> = cw
        .all(&["service/tickets", "1001", "notes"], None, &[])
        .await
        .unwrap();
    // Not a benchmark: only that the server's one-second wait was not skipped.
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        notes
            .iter()
            .map(|n| n["id"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn people_s_notes_go_upstream_once_and_tix_s_own_never() {
    let s = server().await;
    api_get("/service/tickets")
        .and(query_param("conditions", "externalXRef like \"tix:%\" and board/id=12"))
        .and(query_param("fields", "id,externalXRef,closedFlag,closedBy,_info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1001, "closedFlag": true, "closedBy": "jdoe", "_info": {"lastUpdated": "2026-11-20T11:00:00Z"}}
        ])))
        .expect(2)
        .mount(&s)
        .await;
    api_get("/service/tickets/1001/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "text": "desc\n\n[tix:sonar:g-1 state abc]", "detailDescriptionFlag": true},
            fixture("connectwise", "notes.json")[0].clone(),
            {"id": 3, "text": "internal only", "detailDescriptionFlag": false, "internalAnalysisFlag": true}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let t = ticket();
    let source = FakeSource {
        ticket: Mutex::new(t.clone()),
        attachment: None,
    };
    let mut ledger = MemoryLedger::default();
    let key = TicketKey::new("sonar", "g-1");
    ledger
        .set_mapping(
            &key,
            &Mapping {
                cw_id: 1001,
                pushed: Pushed::of(&t),
                cw_seen: None,
                closed_upstream: false,
            },
        )
        .unwrap();
    let sources: [&dyn TicketSource; 1] = [&source];
    let r = pull(&cw, &target(), &mut ledger, &sources, true)
        .await
        .unwrap();
    assert_eq!((r.comments, r.closed), (1, 1));
    let now = source.ticket.lock().unwrap().clone();
    assert_eq!(now.status, Status::Closed);
    let bodies: Vec<String> = now.comments.unwrap().into_iter().map(|c| c.body).collect();
    assert_eq!(
        bodies[1],
        "A technician's reply: the user confirmed the login.\n\n— jdoe in ConnectWise [tix:cw:1001 note 5001]"
    );
    assert_eq!(
        bodies[2],
        "Closed in ConnectWise (ticket 1001) by jdoe. [tix:cw:1001 closed]"
    );
    // Nothing moved since: the second pass reads no notes and writes nothing.
    let r = pull(&cw, &target(), &mut ledger, &sources, true)
        .await
        .unwrap();
    assert_eq!((r.comments, r.closed), (0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_unknown_tickets_are_looked_up_in_one_request() {
    let s = server().await;
    let keys: Vec<TicketKey> = (1..=50)
        .map(|i| TicketKey::new("sonar", &format!("t-{i}")))
        .collect();
    let list: Vec<String> = (1..=50).map(|i| format!("\"tix:sonar:t-{i}\"")).collect();
    // Two of them exist; t-7 twice (a duplicate from before): the older id wins.
    api_get("/service/tickets")
        .and(query_param(
            "conditions",
            format!("externalXRef in ({})", list.join(",")),
        ))
        .and(query_param("fields", "id,externalXRef"))
        .and(query_param("page", "1"))
        .and(query_param("pageSize", "1000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 2001, "externalXRef": "tix:sonar:t-3"},
            {"id": 2009, "externalXRef": "tix:sonar:t-7"},
            {"id": 2002, "externalXRef": "tix:sonar:t-7"}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let tg = target();
    let pusher = Pusher {
        cw: &cw,
        target: &tg,
    };
    let found = pusher.find_many(&keys).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found["tix:sonar:t-3"], 2001);
    assert_eq!(found["tix:sonar:t-7"], 2002);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_with_retry_after_2_pauses_every_worker_of_the_host() {
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    let s = server().await;
    let refused_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let other_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let r = Arc::clone(&refused_at);
    api_get("/service/tickets/1/notes")
        .respond_with(move |_: &wiremock::Request| {
            *r.lock().unwrap() = Some(Instant::now());
            ResponseTemplate::new(429).insert_header("retry-after", "2")
        })
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    api_get("/service/tickets/1/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&s)
        .await;
    let o = Arc::clone(&other_at);
    api_get("/service/tickets/2/notes")
        .respond_with(move |_: &wiremock::Request| {
            o.lock().unwrap().get_or_insert(Instant::now());
            ResponseTemplate::new(200).set_body_json(json!([]))
        })
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    // Worker A is refused with Retry-After: 2 …
    let a = {
        let cw = cw.clone();
        tokio::spawn(async move {
            cw.all::<serde_json::Value>(&["service/tickets", "1", "notes"], None, &[])
                .await
        })
    };
    let mut polls = 0;
    while cw.paused_until().is_none() {
        assert!(polls < 1000, "no back-off was taken");
        polls += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // … and worker B, starting during A's back-off, waits for it instead of asking.
    let b: Vec<serde_json::Value> = cw
        .all(&["service/tickets", "2", "notes"], None, &[])
        .await
        .unwrap();
    assert!(b.is_empty());
    assert!(a.await.unwrap().unwrap().is_empty());
    let refused = refused_at.lock().unwrap().unwrap();
    let other = other_at.lock().unwrap().unwrap();
    assert!(
        other.duration_since(refused) >= Duration::from_secs(2),
        "B asked {:?} after A's 429",
        other.duration_since(refused)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_ticket_twice_in_one_concurrent_batch_is_created_once() {
    use tix::sync::sink::Sink;
    let s = server().await;
    let t = ticket();
    // The batch's one lookup: neither copy is known.
    api_get("/service/tickets")
        .and(query_param(
            "conditions",
            "externalXRef in (\"tix:sonar:g-1\",\"tix:sonar:g-1\")",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&s)
        .await;
    // The second push asks again, after the first created it.
    mount_lookup(&s, json!([{"id": 1001, "externalXRef": "tix:sonar:g-1"}])).await;
    // The comment goes with the create, in its description.
    api_post("/service/tickets")
        .and(body_string_contains("[tix:sonar:g-1 comment c-1]"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("connectwise", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    api_post("/service/tickets/1001/notes")
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(fixture("connectwise", "notes.json")[0].clone()),
        )
        .expect(0)
        .mount(&s)
        .await;
    // What the second push reads back: the description with the comment, and their marks.
    api_get("/service/tickets/1001/notes")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 1, "text": format!("Suspicious login\n\n{}\n\n---\n\nLiam on sonar:\n\nHost isolated.\n\n[tix:sonar:g-1 comment c-1]", state_mark(&t)), "detailDescriptionFlag": true}
        ])))
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let source = FakeSource {
        ticket: Mutex::new(t.clone()),
        attachment: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut state = tix::sync::State::open(&dir.path().join("sync.db")).unwrap();
    let mut sink =
        tix::sinks::connectwise::CwSink::new(&cw, target(), false, false).with_concurrency(8);
    let got = sink
        .fetch(
            &mut state,
            &source,
            &["g-1".to_owned(), "g-1".to_owned()],
            &|| {},
        )
        .await;
    assert_eq!(got.len(), 2);
    for g in got {
        assert_eq!(g.unwrap().id, "g-1");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_count_answer_without_a_count_is_a_decode_error_not_an_http_status() {
    let s = server().await;
    api_get("/service/tickets/count")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 3})))
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let err = cw.count(&["service/tickets"], None).await.unwrap_err();
    assert!(matches!(err, tix::Error::Decode { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 5);
    let text = err.to_string();
    assert!(
        text.contains("service/tickets/count has no count") && !text.contains("HTTP"),
        "{text}"
    );
}

/// A Sonar source as `tix` builds it, against the mock.
fn sonar_source(url: &str) -> Box<dyn TicketSource> {
    tix::providers::build(tix::config::SourceConfig {
        provider: &tix::providers::sonar::INFO.spec,
        profile: None,
        http: tix::http::HttpOptions::new(url.parse().unwrap()),
        api_key: crate::harness::KEY.to_string().into(),
        options: Default::default(),
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_sonar_ticket_with_a_comment_and_an_attachment_costs_three_reads_and_one_post() {
    use tix::sync::sink::Sink;
    const GUID: &str = "49272877-75f2-4c2f-9301-d21c4f9a106d";
    let s = server().await;
    let sonar_get = |p: String| {
        Mock::given(method("GET")).and(path(p)).and(header(
            "authorization",
            format!("Bearer {}", crate::harness::KEY).as_str(),
        ))
    };
    for (p, file) in [
        (format!("/api/sonar/tickets/{GUID}"), "ticket.json"),
        (
            format!("/api/sonar/tickets/{GUID}/comments"),
            "comments.json",
        ),
        (
            format!("/api/sonar/tickets/{GUID}/attachments"),
            "attachments.json",
        ),
    ] {
        sonar_get(p)
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sonar", file)))
            .expect(1)
            .mount(&s)
            .await;
    }
    api_get("/service/tickets")
        .and(query_param(
            "conditions",
            format!("externalXRef in (\"tix:sonar:{GUID}\")").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&s)
        .await;
    // The comment and the attachment (Sonar lets tix name it, not download it) ride in
    // the create's description.
    api_post("/service/tickets")
        .and(body_string_contains(format!(
            "[tix:sonar:{GUID} comment 0c7f3a52-1d2e-4b8a-9f61-2a7d5e9c4b10]"
        )))
        .and(body_string_contains(format!(
            "[tix:sonar:{GUID} attachment a1e0c4d2-58b3-4f0e-9d6a-7c2b1e3f4a55]"
        )))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(fixture("connectwise", "ticket.json")),
        )
        .expect(1)
        .mount(&s)
        .await;
    let cw = client(&s.uri()).await;
    let source = sonar_source(&s.uri());
    let dir = tempfile::tempdir().unwrap();
    let mut state = tix::sync::State::open(&dir.path().join("sync.db")).unwrap();
    let mut sink = tix::sinks::connectwise::CwSink::new(&cw, target(), false, false);
    let got = sink
        .fetch(&mut state, source.as_ref(), &[GUID.to_owned()], &|| {})
        .await;
    assert_eq!(got.len(), 1);
    assert_eq!(got.into_iter().next().unwrap().unwrap().id, GUID);
    // Past the client's one company lookup: three Sonar reads, one lookup, one create.
    let served = s.received_requests().await.unwrap();
    let after_connect = served
        .iter()
        .filter(|r| r.url.path() != "/login/companyinfo/acme")
        .count();
    assert_eq!(after_connect, 5, "{served:#?}");
}
