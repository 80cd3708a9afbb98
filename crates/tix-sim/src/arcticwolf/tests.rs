use super::super::{SimOptions, harness};
use serde_json::Value;

async fn sim(tickets: usize, fail_pods: &[&str]) -> super::super::SimHandle {
    harness::sim(SimOptions {
        tickets,
        api_key: Some(harness::KEY.into()),
        fail_pods: fail_pods.iter().map(|p| p.to_string()).collect(),
        ..SimOptions::default()
    })
    .await
}

async fn get(url: &str) -> (u16, Value) {
    harness::send(harness::client().get(url).bearer_auth(harness::KEY)).await
}

#[tokio::test]
async fn five_organizations_in_three_pods_sorted_by_name_and_root_narrows() {
    let s = sim(10, &[]).await;
    let base = s.base_url("arcticwolf");
    let (status, orgs) = get(&format!("{base}/api/v1/organizations")).await;
    assert_eq!(status, 200);
    let orgs = orgs.as_array().unwrap();
    assert_eq!(orgs.len(), 5);
    let names: Vec<&str> = orgs.iter().map(|o| o["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let pods: std::collections::HashSet<&str> =
        orgs.iter().map(|o| o["pod"].as_str().unwrap()).collect();
    assert_eq!(pods.len(), 3);
    let hanbit = orgs.iter().find(|o| o["name"] == "Hanbit Capital").unwrap();
    let (_, under) = get(&format!(
        "{base}/api/v1/organizations?root={}",
        hanbit["id"].as_str().unwrap()
    ))
    .await;
    assert_eq!(under.as_array().unwrap().len(), 3);
    let (status, body) = get(&format!("{base}/api/v1/organizations?root=nope")).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "root");
    let resp = harness::client()
        .get(format!("{base}/api/v1/organizations"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.bytes().await.unwrap().is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn tickets_page_on_the_orgs_own_pod_and_bad_parameters_are_400() {
    let s = sim(250, &[]).await;
    let base = s.base_url("arcticwolf");
    let (_, orgs) = get(&format!("{base}/api/v1/organizations")).await;
    let org = &orgs[0];
    let (id, pod) = (org["id"].as_str().unwrap(), org["pod"].as_str().unwrap());
    let list = format!("{base}/pods/{pod}/api/v1/organizations/{id}/tickets");
    let (status, page) = get(&format!("{list}?offset=40&limit=100")).await;
    assert_eq!(status, 200);
    assert_eq!(page["meta"]["total"], 50);
    assert_eq!(page["results"].as_array().unwrap().len(), 10);
    assert!(page["results"][0].get("comments").is_none());
    for bad in [
        "limit=101",
        "limit=0",
        "offset=100001",
        "status=SOLVED",
        "createdAfter=2026-11-01T00:00:00.123456789Z",
        "updatedBefore=2026-11-01",
    ] {
        let (status, body) = get(&format!("{list}?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["code"], "invalid_request", "{bad}");
    }
    let (status, _) = get(&format!(
        "{list}?createdAfter=2026-08-01T00:00:00.123Z&status=OPEN,CLOSED"
    ))
    .await;
    assert_eq!(status, 200);
    let other = if pod == "us001" { "eu001" } else { "us001" };
    let (status, body) = get(&format!(
        "{base}/pods/{other}/api/v1/organizations/{id}/tickets"
    ))
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "forbidden");
    let number = page["results"][0]["id"].as_u64().unwrap();
    let (status, one) = get(&format!("{list}/{number}?includeComments=true")).await;
    assert_eq!(status, 200);
    assert!(one["comments"].is_array() && one["attachments"].is_array());
    let (status, body) = get(&format!("{list}/1")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    s.shutdown().await;
}

#[tokio::test]
async fn a_failing_pod_answers_503_every_time() {
    let s = sim(10, &["eu001"]).await;
    let base = s.base_url("arcticwolf");
    let (_, orgs) = get(&format!("{base}/api/v1/organizations")).await;
    for o in orgs.as_array().unwrap() {
        let url = format!(
            "{base}/pods/{}/api/v1/organizations/{}/tickets",
            o["pod"].as_str().unwrap(),
            o["id"].as_str().unwrap()
        );
        let resp = harness::client()
            .get(&url)
            .bearer_auth(harness::KEY)
            .send()
            .await
            .unwrap();
        let want = if o["pod"] == "eu001" { 503 } else { 200 };
        assert_eq!(resp.status(), want);
    }
    s.shutdown().await;
}
