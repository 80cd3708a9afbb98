use super::super::{SimHandle, SimOptions, harness};
use serde_json::{Value, json};

const API: &str = "/v2025_1/apis/3.0";

fn url(sim: &SimHandle, path: &str) -> String {
    format!("{}{API}{path}", sim.base_url("connectwise"))
}

fn authed(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.basic_auth("acme+pub", Some("priv"))
        .header("clientId", "c0ffee")
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value, reqwest::header::HeaderMap) {
    let resp = authed(req).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        headers,
    )
}

async fn sim() -> SimHandle {
    harness::sim(SimOptions {
        tickets: 1,
        api_key: Some("priv".into()),
        ..SimOptions::default()
    })
    .await
}

fn new_ticket(xref: &str) -> Value {
    json!({"summary": "[sonar 1] x", "board": {"id": 12}, "status": {"id": 34},
           "company": {"id": 250}, "initialDescription": "hello [tix:sonar:1 state a]",
           "externalXRef": xref})
}

#[tokio::test]
async fn companyinfo_needs_no_auth_and_names_the_codebase() {
    let sim = sim().await;
    let resp = harness::client()
        .get(format!(
            "{}/login/companyinfo/acme",
            sim.base_url("connectwise")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["Codebase"], "v2025_1/");
    sim.shutdown().await;
}

#[tokio::test]
async fn basic_auth_and_client_id_are_required() {
    let sim = sim().await;
    let c = harness::client();
    let u = url(&sim, "/system/info");
    for req in [
        c.get(&u).header("clientId", "x"),
        c.get(&u)
            .basic_auth("acme+pub", Some("wrong"))
            .header("clientId", "x"),
        c.get(&u)
            .basic_auth("acmepub", Some("priv"))
            .header("clientId", "x"),
        c.get(&u).basic_auth("acme+pub", Some("priv")),
    ] {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "Unauthorized");
    }
    let (status, _, _) = send(c.get(&u)).await;
    assert_eq!(status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn create_checks_summary_company_and_the_boards_status() {
    let sim = sim().await;
    let c = harness::client();
    let u = url(&sim, "/service/tickets");
    let mut long = new_ticket("x");
    long["summary"] = json!("s".repeat(101));
    let (status, body, _) = send(c.post(&u).json(&long)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("MaxLengthField"))
    );
    let mut wrong = new_ticket("x");
    wrong["status"] = json!({"id": 1});
    let (status, body, _) = send(c.post(&u).json(&wrong)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["message"],
        "Service Status 1 not found for Service Board 12"
    );
    assert_eq!(body["errors"][0]["field"], "status/id");
    let mut none = new_ticket("x");
    none.as_object_mut().unwrap().remove("company");
    assert_eq!(send(c.post(&u).json(&none)).await.0, 400);

    let (status, created, _) = send(c.post(&u).json(&new_ticket("tix:sonar:1"))).await;
    assert_eq!(status, 201);
    assert!(created.get("initialDescription").is_none());
    let id = created["id"].as_u64().unwrap();
    let (_, notes, _) = send(c.get(url(&sim, &format!("/service/tickets/{id}/notes")))).await;
    assert_eq!(notes[0]["text"], "hello [tix:sonar:1 state a]");
    assert_eq!(notes[0]["detailDescriptionFlag"], true);
    sim.shutdown().await;
}

#[tokio::test]
async fn conditions_on_external_xref_and_link_paging() {
    let sim = sim().await;
    let c = harness::client();
    let u = url(&sim, "/service/tickets");
    for i in 0..30 {
        send(c.post(&u).json(&new_ticket(&format!("tix:sonar:{i}")))).await;
    }
    let (status, found, _) = send(
        c.get(&u)
            .query(&[("conditions", "externalXRef=\"tix:sonar:7\"")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["externalXRef"], "tix:sonar:7");

    // The default page is 25: the trap the research warns of.
    let (_, first, headers) = send(
        c.get(&u)
            .query(&[("conditions", "externalXRef like \"tix:%\"")]),
    )
    .await;
    assert_eq!(first.as_array().unwrap().len(), 25);
    let link = headers["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"last\""),
        "{link}"
    );
    let next = link
        .split('<')
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let (_, second, headers) = send(c.get(&next)).await;
    assert_eq!(second.as_array().unwrap().len(), 5);
    assert!(!headers["link"].to_str().unwrap().contains("rel=\"next\""));

    let (status, body, _) = send(c.get(&u).query(&[("conditions", "summary =")])).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().starts_with("conditions:"));
    let (_, count, _) = send(
        c.get(url(&sim, "/service/tickets/count"))
            .query(&[("conditions", "board/id=12")]),
    )
    .await;
    assert_eq!(count["count"], 30);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_note_moves_the_tickets_last_updated_and_patch_closes() {
    let sim = sim().await;
    let c = harness::client();
    let (_, t, _) = send(c.post(url(&sim, "/service/tickets")).json(&new_ticket("a"))).await;
    let id = t["id"].as_u64().unwrap();
    let one = url(&sim, &format!("/service/tickets/{id}"));
    let before = send(c.get(&one)).await.1["_info"]["lastUpdated"].clone();
    let (status, _, _) = send(c.post(format!("{one}/notes")).json(&json!({"text": "hi"}))).await;
    assert_eq!(status, 400, "a note needs one of the three flags");
    let (status, note, _) = send(
        c.post(format!("{one}/notes"))
            .json(&json!({"text": "hi", "detailDescriptionFlag": true})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(note["ticketId"], id);
    let after = send(c.get(&one)).await.1["_info"]["lastUpdated"].clone();
    assert!(after.as_str() > before.as_str());

    let (status, patched, _) = send(
        c.patch(&one)
            .json(&json!([{"op": "replace", "path": "status", "value": {"id": 36}}])),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(patched["closedFlag"], true);
    let (status, _, _) = send(c.patch(&one).json(&json!({"summary": "x"}))).await;
    assert_eq!(status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn documents_take_multipart_only() {
    let sim = sim().await;
    let c = harness::client();
    let (_, t, _) = send(c.post(url(&sim, "/service/tickets")).json(&new_ticket("a"))).await;
    let id = t["id"].as_u64().unwrap();
    let docs = url(&sim, "/system/documents");
    let (status, _, _) = send(c.post(&docs).json(&json!({"recordType": "Ticket"}))).await;
    assert_eq!(status, 415);
    let form = reqwest::multipart::Form::new()
        .text("recordType", "Ticket")
        .text("recordId", id.to_string())
        .text("title", "evidence")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"PK\x03\x04 zip".to_vec()).file_name("e.zip"),
        );
    let (status, doc, _) = send(c.post(&docs).multipart(form)).await;
    assert_eq!(status, 201, "{doc}");
    assert_eq!(
        (doc["fileName"].as_str(), doc["size"].as_u64()),
        (Some("e.zip"), Some(8))
    );
    let (_, list, _) = send(
        c.get(&docs)
            .query(&[("recordType", "Ticket"), ("recordId", &id.to_string())]),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_denied_area_answers_403_security() {
    let sim = sim().await;
    let c = harness::client();
    let resp = c
        .post(format!("{}/_sim/deny", sim.base_url("connectwise")))
        .json(&json!({"areas": ["companies"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (status, body, _) = send(c.get(url(&sim, "/company/companies"))).await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "Security");
    assert_eq!(send(c.get(url(&sim, "/service/boards"))).await.0, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_rejected_value_is_a_400_invalid_object_every_time() {
    let sim = sim().await;
    let c = harness::client();
    let resp = c
        .post(format!("{}/_sim/reject", sim.base_url("connectwise")))
        .json(&json!({"field": "externalXRef", "equals": "poison"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let poison = new_ticket("poison");
    for _ in 0..2 {
        let (status, body, _) = send(c.post(url(&sim, "/service/tickets")).json(&poison)).await;
        assert_eq!(status, 400);
        assert_eq!(body["code"], "InvalidObject");
        assert_eq!(body["errors"][0]["field"], "externalXRef");
    }
    let fine = new_ticket("fine");
    assert_eq!(
        send(c.post(url(&sim, "/service/tickets")).json(&fine))
            .await
            .0,
        201
    );
    sim.shutdown().await;
}
