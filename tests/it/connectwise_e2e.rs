//! Sonar, Argus and Cyderes → ConnectWise through the simulator over ten `tix sync --to connectwise`
//! runs of the real binary, with cases and
//! comments arriving, technicians writing and closing in ConnectWise, a run killed
//! between its POST and its state write, and the state file deleted: at the end exactly
//! one ConnectWise ticket per MSSP ticket, every MSSP comment once in ConnectWise, every
//! technician's note once upstream, and nothing echoed.

use crate::connectwise_push::client;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use tix::config::SourceConfig;
use tix::http::HttpOptions;
use tix::model::{NewTicket, Query};
use tix::sinks::connectwise::marker::comment_id;
use tix::sinks::connectwise::{MemoryLedger, PushReport, Pusher, TargetSpec};
use tix::source::TicketSource;
use tix_sim::{self as sim, SimOptions};

const API: &str = "/v2025_1/apis/3.0";

fn source(sim: &sim::SimHandle, name: &str) -> Box<dyn TicketSource> {
    let info = tix::providers::provider(name).unwrap();
    let url = url::Url::parse(&sim.base_url(name)).unwrap();
    (info.build)(SourceConfig {
        provider: &info.spec,
        profile: None,
        http: HttpOptions::new(url),
        api_key: secrecy::SecretString::from("e2e-key"),
        options: Default::default(),
    })
    .unwrap()
}

async fn all<T: futures::TryStream<Ok = tix::model::Ticket, Error = tix::Error>>(
    s: T,
) -> Vec<tix::model::Ticket> {
    use futures::TryStreamExt;
    s.try_collect().await.unwrap()
}

/// Acts as a technician in the ConnectWise web UI.
async fn technician(sim: &sim::SimHandle, path: &str, body: Value) {
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{}/_sim{path}", sim.base_url("connectwise")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
}

async fn cw_get(cw_base: &str, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{cw_base}{API}{path}"))
        .query(query)
        .query(&[("pageSize", "1000")])
        .basic_auth("acme+pub-key", Some("priv-key"))
        .header("clientId", crate::connectwise::CLIENT_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn count(haystack: &[String], needle: &str) -> usize {
    haystack.iter().map(|h| h.matches(needle).count()).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_runs_end_with_one_ticket_each_and_every_comment_once_on_each_side() {
    let sim = sim::start(
        SimOptions {
            tickets: 6,
            ..SimOptions::default()
        },
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let cw_base = sim.base_url("connectwise");
    let cw = client(&cw_base).await;
    let target = TargetSpec {
        board: "Security Operations".into(),
        status: "New (MSSP)".into(),
        company: "ACME".into(),
        priorities: vec![],
    }
    .resolve(&cw)
    .await
    .unwrap();
    let sources = [
        source(&sim, "sonar"),
        source(&sim, "argus"),
        source(&sim, "cyderes"),
    ];
    let argus = &sources[1];
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("sync.db");
    let mut created_argus = Vec::new();

    for n in 1..=10 {
        match n {
            2 | 6 => {
                let t = argus
                    .create(&NewTicket {
                        service: Some("support".into()),
                        kind: Some("securityIncident".into()),
                        title: format!("Case opened before run {n}"),
                        description: "Beaconing to a known C2.".into(),
                        ..NewTicket::default()
                    })
                    .await
                    .unwrap();
                argus
                    .add_comment(&t.id, "First analysis attached.")
                    .await
                    .unwrap();
                created_argus.push(t.id);
            }
            3 => {
                // A run killed between its POST and its state write: the ticket exists in
                // ConnectWise, the state knows nothing of it.
                let t = argus
                    .create(&NewTicket {
                        service: Some("ids".into()),
                        kind: Some("securityIncident".into()),
                        title: "Case whose run was killed".into(),
                        description: "Lateral movement.".into(),
                        ..NewTicket::default()
                    })
                    .await
                    .unwrap();
                let full = argus.get(&t.id).await.unwrap();
                Pusher {
                    cw: &cw,
                    target: &target,
                }
                .push(
                    &mut MemoryLedger::default(),
                    argus.as_ref(),
                    &full,
                    &mut PushReport::default(),
                )
                .await
                .unwrap();
                created_argus.push(t.id);
            }
            4 | 8 => {
                let tickets = cw_get(
                    &cw_base,
                    "/service/tickets",
                    &[("conditions", "externalXRef like \"tix:argus:%\"")],
                )
                .await;
                for t in tickets.iter().take(2) {
                    let id = t["id"].as_u64().unwrap();
                    technician(&sim, &format!("/tickets/{id}/notes"), json!({"text": format!("Technician note before run {n} on {id}"), "member": "jdoe"})).await;
                }
                argus
                    .add_comment(
                        &created_argus[0],
                        &format!("Provider update before run {n}"),
                    )
                    .await
                    .unwrap();
            }
            5 => {
                std::fs::remove_file(&state_path).unwrap();
            }
            7 => {
                let tickets = cw_get(
                    &cw_base,
                    "/service/tickets",
                    &[(
                        "conditions",
                        &format!("externalXRef=\"tix:argus:{}\"", created_argus[1]),
                    )],
                )
                .await;
                let id = tickets[0]["id"].as_u64().unwrap();
                technician(
                    &sim,
                    &format!("/tickets/{id}/close"),
                    json!({"member": "jdoe"}),
                )
                .await;
            }
            _ => {}
        }
        let state = state_path.display().to_string();
        let mut env = crate::connectwise::env(&cw_base);
        env.push(("TIX_SONAR_URL", sim.base_url("sonar")));
        env.push(("TIX_SONAR_API_KEY", "e2e-key".into()));
        env.push(("TIX_ARGUS_URL", sim.base_url("argus")));
        env.push(("TIX_ARGUS_API_KEY", "e2e-key".into()));
        env.push(("TIX_CYDERES_URL", sim.base_url("cyderes")));
        env.push(("TIX_CYDERES_TOKEN", "e2e-key".into()));
        let args = [
            "sync",
            "--provider",
            "sonar,argus,cyderes",
            "--state",
            &state,
            "--to",
            "connectwise",
            "--board",
            "Security Operations",
            "--status",
            "New (MSSP)",
            "--company",
            "ACME",
            "--two-way",
            "--close-upstream",
        ];
        if n == 9 {
            // The binary itself dies (as under kill -9) right after a ConnectWise ticket
            // is created and before its state is written; this run repairs it by lookup.
            let t = argus
                .create(&NewTicket {
                    service: Some("ids".into()),
                    kind: Some("securityIncident".into()),
                    title: "Case whose tix process died".into(),
                    description: "Credential stuffing.".into(),
                    ..NewTicket::default()
                })
                .await
                .unwrap();
            created_argus.push(t.id);
            let mut dying = env.clone();
            dying.push(("TIX_SYNC_CRASH_AT", "cw-created".into()));
            let dying: Vec<(&str, &str)> = dying.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let o = crate::harness::run(&args, &dying).await;
            assert_eq!(
                crate::harness::code(&o),
                137,
                "{}",
                crate::harness::stderr(&o)
            );
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let o = crate::harness::run(&args, &env).await;
        let err = crate::harness::stderr(&o);
        assert_eq!(crate::harness::code(&o), 0, "run {n}: {err}");
        // One summary per source; after the run killed in 9, a warning that its lock
        // is taken over.
        let taken_over = usize::from(n == 9);
        assert_eq!(
            err.lines().filter(|l| l.contains("taking it over")).count(),
            taken_over,
            "run {n}: {err}"
        );
        assert_eq!(err.lines().count(), 3 + taken_over, "run {n}: {err}");
        assert!(crate::harness::stdout(&o).is_empty());
    }

    // One ConnectWise ticket per MSSP ticket.
    let mut mssp = BTreeSet::new();
    for src in &sources {
        for t in all(src.list(&Query::default())).await {
            mssp.insert(format!("tix:{}:{}", t.provider, t.id));
        }
    }
    let on_board = cw_get(
        &cw_base,
        "/service/tickets",
        &[("conditions", "externalXRef like \"tix:%\"")],
    )
    .await;
    let mut per_xref: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for t in &on_board {
        per_xref
            .entry(t["externalXRef"].as_str().unwrap().to_owned())
            .or_default()
            .push(t["id"].as_u64().unwrap());
    }
    assert_eq!(per_xref.keys().cloned().collect::<BTreeSet<_>>(), mssp);
    assert!(per_xref.values().all(|ids| ids.len() == 1), "{per_xref:?}");

    let mut technician_notes = 0;
    for src in &sources {
        for t in all(src.list(&Query::default())).await {
            let xref = format!("tix:{}:{}", t.provider, t.id);
            let cw_id = per_xref[&xref][0];
            let notes: Vec<String> =
                cw_get(&cw_base, &format!("/service/tickets/{cw_id}/notes"), &[])
                    .await
                    .iter()
                    .map(|n| n["text"].as_str().unwrap_or("").to_owned())
                    .collect();
            let upstream = src.comments(&t.id).await.unwrap_or_default();
            let bodies: Vec<String> = upstream.iter().map(|c| c.body.clone()).collect();
            // Every MSSP comment once in ConnectWise; tix's own comments never.
            for c in &upstream {
                let mark = format!("[tix:{}:{} comment {}]", t.provider, t.id, comment_id(c));
                let want = usize::from(!c.body.contains("[tix:cw:"));
                assert_eq!(count(&notes, &mark), want, "{mark} in {notes:#?}");
            }
            assert_eq!(count(&notes, "[tix:cw:"), 0, "an echo in {notes:#?}");
            // Every technician's note once upstream (Argus takes comments).
            for text in &notes {
                if text.starts_with("Technician note") {
                    technician_notes += 1;
                    assert_eq!(count(&bodies, text), 1, "{text} upstream: {bodies:#?}");
                }
            }
        }
    }
    assert_eq!(technician_notes, 4);
    // The case closed in ConnectWise is closed upstream, once.
    let closed = argus.get(&created_argus[1]).await.unwrap();
    assert_eq!(closed.status, tix::model::Status::Closed);
    let closing: Vec<_> = closed
        .comments
        .unwrap()
        .into_iter()
        .filter(|c| c.body.contains("closed]"))
        .collect();
    assert_eq!(closing.len(), 1);
    sim.shutdown().await;
}

/// `tix sync status -o json` on `state`.
async fn status_json(state: &str) -> Value {
    let o = crate::harness::run(&["sync", "status", "-o", "json", "--state", state], &[]).await;
    assert_eq!(
        crate::harness::code(&o),
        0,
        "{}",
        crate::harness::stderr(&o)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_connectwise_always_rejects_fails_alone_and_the_window_moves() {
    let sim = sim::start(
        SimOptions {
            tickets: 300,
            ..SimOptions::default()
        },
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let cw_base = sim.base_url("connectwise");
    let sonar = source(&sim, "sonar");
    let ids: Vec<String> = all(sonar.list(&Query::default()))
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids.len(), 300);
    let poison = &ids[137];
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{cw_base}/_sim/reject"))
        .json(&json!({"field": "externalXRef", "equals": format!("tix:sonar:{poison}")}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sync.db").display().to_string();
    let mut env = crate::connectwise::env(&cw_base);
    env.push(("TIX_SONAR_URL", sim.base_url("sonar")));
    env.push(("TIX_SONAR_API_KEY", "e2e-key".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [
        "sync",
        "--provider",
        "sonar",
        "--state",
        &state,
        "--to",
        "connectwise",
        "--board",
        "Security Operations",
        "--status",
        "New (MSSP)",
        "--company",
        "ACME",
    ];
    let first = crate::harness::run(&args, &env).await;
    let err = crate::harness::stderr(&first);
    // Partial: the run did its work and says which ticket it could not push.
    assert_eq!(crate::harness::code(&first), 6, "{err}");
    assert!(
        err.contains("sonar → connectwise: created 299, updated 0, notes "),
        "{err}"
    );
    assert!(
        err.lines().any(
            |l| l.starts_with("tix: sync failed: sonar: 1 ticket(s) not synced")
                && l.contains(poison.as_str())
        ),
        "{err}"
    );

    // The other 299 are on the board, once each; the poison ticket is not.
    let on_board = cw_get(
        &cw_base,
        "/service/tickets",
        &[("conditions", "externalXRef like \"tix:sonar:%\"")],
    )
    .await;
    let xrefs: BTreeSet<String> = on_board
        .iter()
        .map(|t| t["externalXRef"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!((on_board.len(), xrefs.len()), (299, 299));
    assert!(!xrefs.contains(&format!("tix:sonar:{poison}")));

    // `sync status` lists the failure with its error and attempts; the window moved.
    let status = status_json(&state).await;
    let cw = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "connectwise:sonar")
        .unwrap();
    assert!(cw["watermark"].is_string(), "the window did not move: {cw}");
    // The run's summary is kept with it, the same counts as the stderr line.
    let summary = &cw["last_run"]["summary"];
    assert_eq!(
        (
            &summary["created"],
            &summary["updated"],
            &summary["attachments"],
            &summary["failed"]
        ),
        (&json!(299), &json!(0), &json!(0), &json!(1)),
        "{cw}"
    );
    let notes = summary["notes"].as_u64().unwrap();
    assert!(
        err.contains(&format!(
            "created 299, updated 0, notes {notes}, attachments 0, 1 failed"
        )),
        "{err} vs {summary}"
    );
    assert!(summary["seconds"].as_f64().unwrap() > 0.0, "{summary}");
    let failed = cw["failed_tickets"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{cw}");
    assert_eq!(failed[0]["id"], poison.as_str());
    assert_eq!(failed[0]["attempts"], 1);
    let error = failed[0]["error"].as_str().unwrap();
    assert!(
        error.contains("HTTP 400") && error.contains("externalXRef"),
        "{error}"
    );
    let table = crate::harness::run(&["sync", "status", "--state", &state], &[]).await;
    let text = crate::harness::stdout(&table);
    assert!(
        text.lines()
            .any(|l| l.contains(poison.as_str()) && l.contains("HTTP 400")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("connectwise:sonar")
                && l.contains(&format!(
                    "created 299, updated 0, notes {notes}, attachments 0, 1 failed, "
                ))),
        "{text}"
    );

    // The next run, before the back-off has passed, pushes nothing again and is clean.
    let second = crate::harness::run(&args, &env).await;
    let err = crate::harness::stderr(&second);
    assert_eq!(crate::harness::code(&second), 0, "{err}");
    assert!(
        err.contains("created 0, updated 0, notes 0, attachments 0, 0 failed"),
        "{err}"
    );
    assert_eq!(
        cw_get(
            &cw_base,
            "/service/tickets",
            &[("conditions", "externalXRef like \"tix:sonar:%\"")]
        )
        .await
        .len(),
        299
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cw_check_names_service_tickets_add_when_the_simulated_role_lacks_it() {
    let sim = sim::start(
        SimOptions {
            tickets: 1,
            ..SimOptions::default()
        },
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let cw_base = sim.base_url("connectwise");
    let env = crate::connectwise::env(&cw_base);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let check = [
        "cw",
        "check",
        "--board",
        "Security Operations",
        "--status",
        "New (MSSP)",
        "--company",
        "ACME",
    ];
    // The role the vendor document asks for passes.
    let o = crate::harness::run(&check, &env).await;
    assert_eq!(
        crate::harness::code(&o),
        0,
        "{}",
        crate::harness::stdout(&o)
    );
    // Without Add on Service Tickets (and without Manage Attachments Add) it fails,
    // naming each, one line each.
    for (function, module) in [
        ("Service Tickets", "Service Desk"),
        ("Manage Attachments", "Companies"),
    ] {
        technician(
            &sim,
            "/mysecurity",
            json!({"module": module, "function": function, "addLevel": "None"}),
        )
        .await;
    }
    let o = crate::harness::run(&check, &env).await;
    let out = crate::harness::stdout(&o);
    assert_eq!(crate::harness::code(&o), 3, "{out}");
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 2, "{out}");
    assert!(
        fails[0].contains("Service Desk › Service Tickets — Add"),
        "{out}"
    );
    assert!(
        fails[1].contains("Companies › Manage Attachments — Add"),
        "{out}"
    );
    assert!(
        crate::harness::stderr(&o).contains("Service Tickets — Add"),
        "{}",
        crate::harness::stderr(&o)
    );
    // Documents are not needed when the source has no attachments.
    let mut without = check.to_vec();
    without.push("--no-attachments");
    let o = crate::harness::run(&without, &env).await;
    let out = crate::harness::stdout(&o);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("FAIL")).count(),
        1,
        "{out}"
    );
}
