//! The sync state on a real PostgreSQL (tests/it/postgres_server.rs): `tix state
//! migrate`, a sync and its status, the lease fencing, and `tix state export|import`
//! between SQLite and PostgreSQL.

use crate::harness::{KEY, code, stderr, stdout};
use crate::postgres_server::{PASSWORD, PgServer};
use crate::sync::{Rig, churn_and_settle, simulator, tix, versions};
use std::collections::HashSet;
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use tix::sync::State;
use tix::sync::postgres::checkout::{self, Ended, Scope};
use tix::sync::postgres::lease::{self, Work};
use tix::sync::postgres::{Holder, PgUrl, schema};
use tix_sim::SimOptions;

/// Runs tix off the async runtime with `args` and `env` in `home`.
pub async fn run(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tix(home);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// Migrates the server's database through the binary.
pub async fn migrate(server: &PgServer, home: &Path) -> Output {
    run(
        home,
        &["state", "migrate"],
        &[("TIX_STATE_URL", &server.url())],
    )
    .await
}

async fn client(server: &PgServer) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

/// Runs `cmd` with `input` on its stdin.
async fn with_stdin(mut cmd: std::process::Command, input: String) -> Output {
    use std::io::Write;
    tokio::task::spawn_blocking(move || {
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn all_output(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_creates_upgrades_and_refuses_a_newer_schema_never_showing_the_password() {
    let server = PgServer::start();
    let home = tempfile::tempdir().unwrap();
    let sonar = [
        ("TIX_SONAR_URL", "http://127.0.0.1:9/sonar"),
        ("TIX_SONAR_API_KEY", KEY),
    ];
    let url = server.url();
    // Before any migration: a sync names the command that creates the schema.
    let mut env = sonar.to_vec();
    env.push(("TIX_STATE_URL", &url));
    let o = run(home.path(), &["sync", "-p", "sonar", "--out", "o"], &env).await;
    assert_eq!(code(&o), 3, "{}", all_output(&o));
    assert!(
        stderr(&o).contains("schema version 0, this tix needs 1; run `tix state migrate"),
        "{}",
        stderr(&o)
    );
    // On the command line: migrated, with a warning that argv shows the password.
    let o = run(home.path(), &["state", "migrate", "--state", &url], &[]).await;
    assert_eq!(code(&o), 0, "{}", all_output(&o));
    assert!(
        stderr(&o).contains("schema version 0 -> 1"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("process list"), "{}", stderr(&o));
    assert!(!all_output(&o).contains(PASSWORD), "{}", all_output(&o));
    // From the environment, the password from PGPASSWORD: already up to date.
    let o = run(
        home.path(),
        &["state", "migrate"],
        &[
            ("TIX_STATE_URL", &server.url_without_password()),
            ("PGPASSWORD", PASSWORD),
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", all_output(&o));
    assert!(
        stderr(&o).contains("up to date (schema version 1)"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("process list"));
    // A wrong password: refused, and neither password is shown.
    let wrong = url.replace(PASSWORD, "not-the-password");
    let o = run(
        home.path(),
        &["state", "migrate"],
        &[("TIX_STATE_URL", &wrong)],
    )
    .await;
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("password authentication failed"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("tix:****@127.0.0.1"), "{}", stderr(&o));
    assert!(!all_output(&o).contains("not-the-password"));
    // A newer tix migrated it: refused, naming both versions.
    client(&server)
        .await
        .execute("UPDATE schema_version SET version = 99", &[])
        .await
        .unwrap();
    let o = migrate(&server, home.path()).await;
    assert_eq!(code(&o), 3, "{}", all_output(&o));
    assert!(
        stderr(&o).contains("schema version 99, newer than this tix knows (1); upgrade tix"),
        "{}",
        stderr(&o)
    );
    let o = run(home.path(), &["sync", "-p", "sonar", "--out", "o"], &env).await;
    assert!(
        stderr(&o).contains("newer than this tix knows"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_on_postgres_writes_each_version_once_and_status_shows_its_row() {
    let server = PgServer::start();
    let sim = simulator(SimOptions {
        tickets: 30,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    assert_eq!(code(&migrate(&server, rig.home.path()).await), 0);
    let url = server.url_without_password();
    let out = rig.out().display().to_string();
    let env = [
        ("TIX_SONAR_URL", rig.url.as_str()),
        ("TIX_SONAR_API_KEY", KEY),
        ("TIX_STATE_URL", url.as_str()),
        ("PGPASSWORD", PASSWORD),
    ];
    let args = ["sync", "-p", "sonar", "--page-size", "20", "--out", &out];
    let sync = || run(rig.home.path(), &args, &env);
    let first = sync().await;
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(
        stderr(&first).starts_with("sonar: 30 new, 0 updated"),
        "{}",
        stderr(&first)
    );
    let again = sync().await;
    assert!(
        stderr(&again).starts_with("sonar: 0 new, 0 updated"),
        "{}",
        stderr(&again)
    );
    churn_and_settle(&sim, 2, 3).await;
    // A dry run shows what the next run writes, and changes nothing.
    let dry_args = [&args[..], &["--dry-run"]].concat();
    let dry = run(rig.home.path(), &dry_args, &env).await;
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    assert_eq!(stdout(&dry).lines().count(), 5, "{}", stdout(&dry));
    let third = sync().await;
    assert!(
        stderr(&third).starts_with("sonar: 2 new, 3 updated"),
        "{}",
        stderr(&third)
    );
    assert!(
        !rig.state().exists(),
        "no SQLite file beside a PostgreSQL state"
    );
    let (keys, _) = rig.written();
    let unique: HashSet<_> = keys.iter().cloned().collect();
    assert_eq!(unique.len(), keys.len(), "a version was written twice");
    assert_eq!(
        unique,
        versions(&sim).await,
        "every version reached the files"
    );

    let status = run(
        rig.home.path(),
        &["sync", "status", "-o", "json"],
        &[("TIX_STATE_URL", &url), ("PGPASSWORD", PASSWORD)],
    )
    .await;
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["source"], "sonar");
    assert_eq!(v[0]["profile"], "sonar");
    assert_eq!(v[0]["sink"], "files");
    assert_eq!(v[0]["lease_host"], serde_json::Value::Null, "released");
    assert!(v[0]["last_success"].is_string(), "{v}");
    assert!(v[0]["watermark"].is_string(), "{v}");
    let table = run(
        rig.home.path(),
        &["sync", "status"],
        &[("TIX_STATE_URL", &url), ("PGPASSWORD", PASSWORD)],
    )
    .await;
    let text = stdout(&table);
    assert!(text.contains("LEASE") && text.contains("free"), "{text}");

    // `tix sync reset` forgets the window, as on SQLite; an unknown source is named.
    let pg = [("TIX_STATE_URL", url.as_str()), ("PGPASSWORD", PASSWORD)];
    let o = run(rig.home.path(), &["sync", "reset", "nope"], &pg).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a source of this state"),
        "{}",
        stderr(&o)
    );
    let o = run(rig.home.path(), &["sync", "reset", "sonar"], &pg).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(rig.home.path(), &["sync", "status", "-o", "json"], &pg).await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["watermark"], serde_json::Value::Null, "{v}");
    sim.shutdown().await;
}

fn work(source: &str) -> Work {
    Work {
        source: source.into(),
        profile: source.into(),
        provider: "sonar".into(),
        sink: "files".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_whose_lease_was_taken_over_commits_nothing() {
    let server = PgServer::start();
    let url = PgUrl::parse(&server.url(), "--state", None).unwrap();
    let mut admin = url.connect().await.unwrap();
    schema::migrate(&mut admin).await.unwrap().unwrap();
    let sources = vec!["acme".to_owned()];
    lease::register(&admin, &[work("acme")]).await.unwrap();
    let since = lease::now(&admin).await.unwrap();
    let a = Holder {
        host: "host-a".into(),
        pid: 1,
    };
    let b = Holder {
        host: "host-b".into(),
        pid: 2,
    };
    let ttl = Duration::from_secs(60);
    let held = lease::take(&mut admin, &sources, since, &a, ttl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        lease::take(&mut admin, &sources, since, &b, ttl)
            .await
            .unwrap(),
        None,
        "held"
    );
    assert_eq!(
        lease::held_elsewhere(&admin, &sources, since)
            .await
            .unwrap(),
        1
    );
    // A's heartbeat stops (a pause, a partition): its lease runs out.
    admin
        .execute(
            "UPDATE sync_work SET lease_until = now() - interval '1 minute'",
            &[],
        )
        .await
        .unwrap();
    let taken = lease::take(&mut admin, &sources, since, &b, ttl)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(taken.token, held.token);
    assert!(
        !lease::renew(&admin, &held, ttl).await.unwrap(),
        "A's heartbeat learns it"
    );
    // `tix sync status` names the holder of the row while its lease holds.
    let home = tempfile::tempdir().unwrap();
    let status = run(
        home.path(),
        &["sync", "status"],
        &[("TIX_STATE_URL", &server.url())],
    )
    .await;
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let line = stdout(&status)
        .lines()
        .find(|l| l.contains("acme"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.contains("host-b pid 2 until "), "{}", stdout(&status));

    let scope = Scope {
        source: "acme",
        provider: "sonar",
        ledger: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut copy = State::open(&dir.path().join("a.db")).unwrap();
    checkout::checkout(&url, &admin, &mut copy, scope)
        .await
        .unwrap();
    copy.connection()
        .execute_batch(
            "INSERT INTO sync_source VALUES ('acme', 'sonar', '2026-12-03T09:30:00.000000Z', NULL, '[]', 1);
             INSERT INTO cw_ticket VALUES ('sonar', '7', 70, '{}');",
        )
        .unwrap();
    let committed = checkout::checkin(&url, &mut admin, &mut copy, &held, scope, &Ended::Ok)
        .await
        .unwrap();
    assert!(!committed, "the lease was taken over");
    let reader = url.connect().await.unwrap();
    let count = |table: &'static str| {
        let reader = &reader;
        async move {
            reader
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(
        count("sync_source").await,
        0,
        "the fenced worker wrote nothing"
    );
    assert_eq!(count("cw_ticket").await, 0, "nor its sink's records");

    // B commits the cursor and the ledger together, and frees the row.
    assert!(
        checkout::checkin(&url, &mut admin, &mut copy, &taken, scope, &Ended::Ok)
            .await
            .unwrap()
    );
    assert_eq!(count("sync_source").await, 1);
    assert_eq!(count("cw_ticket").await, 1);
    let rows = lease::status(&admin).await.unwrap();
    assert_eq!(rows[0].lease_host, None);
    assert!(rows[0].last_success.is_some());
    // Run since the drain began: neither taken again nor waited for.
    assert_eq!(
        lease::take(&mut admin, &sources, since, &a, ttl)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        lease::held_elsewhere(&admin, &sources, since)
            .await
            .unwrap(),
        0
    );
    // A later drain takes it again, from where B left it.
    let later = lease::now(&admin).await.unwrap();
    let again = lease::take(&mut admin, &sources, later, &a, ttl)
        .await
        .unwrap()
        .unwrap();
    let mut copy = State::open(&dir.path().join("b.db")).unwrap();
    checkout::checkout(&url, &admin, &mut copy, scope)
        .await
        .unwrap();
    assert_eq!(copy.cursor("acme").unwrap().files, 1);
    let failed = Ended::Failed("boom".into());
    assert!(
        checkout::checkin(&url, &mut admin, &mut copy, &again, scope, &failed)
            .await
            .unwrap()
    );
    let rows = lease::status(&admin).await.unwrap();
    assert_eq!(rows[0].last_error.as_deref(), Some("boom"));
    assert!(rows[0].last_success.is_some(), "the last success stays");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_and_import_move_a_state_between_sqlite_and_postgres_without_a_resync() {
    let server = PgServer::start();
    let sim = simulator(SimOptions {
        tickets: 25,
        ..SimOptions::default()
    })
    .await;
    let rig = Rig::new(&sim);
    assert_eq!(code(&rig.sync(&[]).await), 0);
    churn_and_settle(&sim, 2, 2).await;
    assert_eq!(code(&rig.sync(&[]).await), 0);
    let state = rig.state().display().to_string();
    let export = run(
        rig.home.path(),
        &["state", "export", "--state", &state],
        &[],
    )
    .await;
    assert_eq!(code(&export), 0, "{}", stderr(&export));
    let dump = stdout(&export);
    assert!(
        dump.lines()
            .any(|l| l.starts_with("{\"table\":\"sync_run\"")),
        "{dump}"
    );
    let file = rig.home.path().join("state.jsonl");
    std::fs::write(&file, &dump).unwrap();
    let file = file.display().to_string();

    assert_eq!(code(&migrate(&server, rig.home.path()).await), 0);
    let pg = [("TIX_STATE_URL", server.url())];
    let pg: Vec<(&str, &str)> = pg.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let import = run(rig.home.path(), &["state", "import", &file], &pg).await;
    assert_eq!(code(&import), 0, "{}", stderr(&import));
    assert!(
        stderr(&import).contains("sync_source 1"),
        "{}",
        stderr(&import)
    );
    let back = run(rig.home.path(), &["state", "export"], &pg).await;
    assert_eq!(stdout(&back), dump, "PostgreSQL holds the same rows");
    // And back to a new SQLite file, the same again.
    let other = rig.home.path().join("other.db").display().to_string();
    let mut cmd = tix(rig.home.path());
    cmd.args(["state", "import", "-", "--state", &other]);
    let o = with_stdin(cmd, stdout(&back)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let again = run(
        rig.home.path(),
        &["state", "export", "--state", &other],
        &[],
    )
    .await;
    assert_eq!(stdout(&again), dump);
    // An import never merges into a state that holds cursors.
    let twice = run(rig.home.path(), &["state", "import", &file], &pg).await;
    assert_ne!(code(&twice), 0);
    assert!(
        stderr(&twice).contains("already holds sync state"),
        "{}",
        stderr(&twice)
    );

    // The sync goes on from PostgreSQL where SQLite left off: nothing is written again.
    let (before, _) = rig.written();
    let mut env = pg.clone();
    let url = sim.base_url("sonar");
    env.extend([("TIX_SONAR_URL", url.as_str()), ("TIX_SONAR_API_KEY", KEY)]);
    let out = rig.out().display().to_string();
    let o = run(
        rig.home.path(),
        &["sync", "-p", "sonar", "--page-size", "20", "--out", &out],
        &env,
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("sonar: 0 new, 0 updated"),
        "{}",
        stderr(&o)
    );
    assert_eq!(rig.written().0.len(), before.len());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn worker_flags_are_one_line_errors_before_any_request_or_connection() {
    let home = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: a request or a connection would fail differently.
    let env = [
        ("TIX_SONAR_URL", "http://127.0.0.1:9/sonar"),
        ("TIX_SONAR_API_KEY", KEY),
    ];
    let nowhere = "postgres://tix:pw-never-shown@127.0.0.1:9/sync";
    let cases: [(&[&str], &str); 5] = [
        (&["--out", "o", "--workers", "2"], "--workers"),
        (&["--out", "o", "--workers", "0"], "--workers"),
        (
            &["--out", "o", "--lease", "0s", "--state", nowhere],
            "--lease",
        ),
        (
            &[
                "--out",
                "o",
                "--dry-run",
                "--workers",
                "2",
                "--state",
                nowhere,
            ],
            "--workers",
        ),
        (
            &["--workers", "2", "--out", "-", "--state", nowhere],
            "--out",
        ),
    ];
    for (extra, flag) in cases {
        let mut args = vec!["sync", "-p", "sonar"];
        args.extend_from_slice(extra);
        let o = run(home.path(), &args, &env).await;
        assert_eq!(code(&o), 2, "{extra:?}: {}", stderr(&o));
        let err = stderr(&o);
        let errors: Vec<&str> = err.lines().filter(|l| !l.contains("warning")).collect();
        assert_eq!(errors.len(), 1, "{extra:?}: {err}");
        assert!(errors[0].contains(flag), "{extra:?}: {err}");
        assert!(!err.contains("pw-never-shown"), "{err}");
    }
    let o = run(
        home.path(),
        &["sync", "status"],
        &[("TIX_STATE_URL", "/not/a/url.db")],
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("TIX_STATE_URL"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connectwise_push_on_postgres_keeps_its_ledger_there() {
    let server = PgServer::start();
    let sim = simulator(SimOptions {
        tickets: 40,
        ..SimOptions::default()
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    assert_eq!(code(&migrate(&server, home.path()).await), 0);
    let mut env = crate::connectwise::env(&sim.base_url("connectwise"));
    env.push(("TIX_SONAR_URL", sim.base_url("sonar")));
    env.push(("TIX_SONAR_API_KEY", KEY.into()));
    env.push(("TIX_STATE_URL", server.url()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let args = [
        "sync",
        "--provider",
        "sonar",
        "--to",
        "connectwise",
        "--board",
        "Security Operations",
        "--status",
        "New (MSSP)",
        "--company",
        "ACME",
    ];
    let first = run(home.path(), &args, &env).await;
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(
        stderr(&first).contains("sonar → connectwise: created 40, updated 0"),
        "{}",
        stderr(&first)
    );
    churn_and_settle(&sim, 2, 0).await;
    let second = run(home.path(), &args, &env).await;
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    assert!(
        stderr(&second).contains("sonar → connectwise: created 2, updated 0"),
        "{}",
        stderr(&second)
    );
    // The ledger (which ConnectWise ticket each became) is in PostgreSQL, one per ticket.
    let db = client(&server).await;
    let row = db
        .query_one(
            "SELECT count(*), count(DISTINCT cw_id) FROM cw_ticket WHERE provider = 'sonar'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (42, 42));
    let work = db
        .query_one("SELECT source, sink FROM sync_work", &[])
        .await
        .unwrap();
    assert_eq!(work.get::<_, String>(0), "connectwise:sonar");
    assert_eq!(work.get::<_, String>(1), "connectwise");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_is_used_unless_disabled_and_required_when_asked() {
    // The test server offers no TLS: `prefer` (the default) falls back to plain text,
    // `require` refuses to go on without it.
    let server = PgServer::start();
    let home = tempfile::tempdir().unwrap();
    let plain = server.url();
    let prefer = plain.replace("sslmode=disable", "sslmode=prefer");
    let o = run(
        home.path(),
        &["state", "migrate"],
        &[("TIX_STATE_URL", &prefer)],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let require = plain.replace("sslmode=disable", "sslmode=require");
    let o = run(
        home.path(),
        &["state", "migrate"],
        &[("TIX_STATE_URL", &require)],
    )
    .await;
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("TLS"), "{}", stderr(&o));
    assert!(!stderr(&o).contains(PASSWORD), "{}", stderr(&o));
}

/// A lease lives with its holder's session: when the worker's connection ends (a kill, a
/// Ctrl-C, a crash), the row is free at once, not after `--lease` has run out; while the
/// session lives, the lease holds; and the holder letting go of its lock frees it too.
#[tokio::test(flavor = "multi_thread")]
async fn a_lease_ends_with_its_holders_session_not_only_with_its_time() {
    let server = PgServer::start();
    let url = PgUrl::parse(&server.url(), "--state", None).unwrap();
    let mut admin = url.connect().await.unwrap();
    schema::migrate(&mut admin).await.unwrap().unwrap();
    let sources = vec!["acme".to_owned()];
    lease::register(&admin, &[work("acme")]).await.unwrap();
    let since = lease::now(&admin).await.unwrap();
    let ten_minutes = Duration::from_secs(600);
    let a = Holder {
        host: "host-a".into(),
        pid: 1,
    };
    let b = Holder {
        host: "host-b".into(),
        pid: 2,
    };
    let mut worker_a = url.connect().await.unwrap();
    let held = lease::take(&mut worker_a, &sources, since, &a, ten_minutes)
        .await
        .unwrap()
        .expect("the row is free");
    assert_eq!(
        lease::take(&mut admin, &sources, since, &b, ten_minutes)
            .await
            .unwrap(),
        None,
        "held while A's session lives"
    );
    assert_eq!(
        lease::status(&admin).await.unwrap()[0]
            .lease_host
            .as_deref(),
        Some("host-a")
    );

    // A's process dies: its connection closes and the server drops its locks.
    drop(worker_a);
    let mut taken = None;
    for _ in 0..100 {
        taken = lease::take(&mut admin, &sources, since, &b, ten_minutes)
            .await
            .unwrap();
        if taken.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let taken = taken.expect("taken over within 5 s, not after the 10-minute lease");
    assert_ne!(taken.token, held.token);
    assert_eq!(
        lease::status(&admin).await.unwrap()[0]
            .lease_host
            .as_deref(),
        Some("host-b")
    );

    // The holder letting go of its lock (what a worker does once its run has ended) frees
    // the row as well.
    lease::unlock(&admin, &taken).await.unwrap();
    assert_eq!(lease::status(&admin).await.unwrap()[0].lease_host, None);
    assert_eq!(
        lease::held_elsewhere(&admin, &sources, since)
            .await
            .unwrap(),
        0
    );
}

/// A server that accepts the connection and never answers (a hung PostgreSQL, a black-hole
/// proxy) ends the command within the URL's `connect_timeout`, naming the state and not
/// the password; without it the handshake would wait for ever.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_ends_within_the_connect_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        // Accepts and keeps the sockets open, saying nothing.
        let mut sockets = Vec::new();
        for s in listener.incoming().take(4) {
            sockets.push(s);
        }
        std::thread::sleep(Duration::from_secs(5));
    });
    let url =
        format!("postgres://tix:s3cret@127.0.0.1:{port}/tix?sslmode=disable&connect_timeout=1");
    let home = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let o = run(home.path(), &["state", "migrate", "--state", &url], &[]).await;
    let took = started.elapsed();
    let err = stderr(&o);
    assert_ne!(code(&o), 0, "{err}");
    assert!(took < Duration::from_secs(4), "took {took:?}: {err}");
    assert!(err.contains("no answer from the server within 1s"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    drop(held);
}

/// Every statement is bounded: a lock a person holds in psql makes `tix sync status` fail
/// with the server's lock-timeout message (here the URL's 1 s), not wait for ever; and a
/// URL without `options` gets tix's own bounds.
#[tokio::test(flavor = "multi_thread")]
async fn a_statement_waiting_on_a_held_lock_fails_within_the_lock_timeout() {
    let server = PgServer::start();
    let home = tempfile::tempdir().unwrap();
    let o = migrate(&server, home.path()).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let url = PgUrl::parse(&server.url(), "--state", None).unwrap();
    let bounded = url.connect().await.unwrap();
    let show = |name: &'static str| {
        let c = &bounded;
        async move {
            let row = c.query_one(&format!("SHOW {name}"), &[]).await.unwrap();
            row.get::<_, String>(0)
        }
    };
    assert_eq!(show("statement_timeout").await, "1min");
    assert_eq!(show("lock_timeout").await, "30s");

    let mut holder = client(&server).await;
    let tx = holder.transaction().await.unwrap();
    tx.batch_execute("LOCK TABLE sync_work IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let quick = format!("{}&options=-c%20lock_timeout%3D1s", server.url());
    let started = std::time::Instant::now();
    let o = run(
        home.path(),
        &["sync", "status"],
        &[("TIX_STATE_URL", &quick)],
    )
    .await;
    let took = started.elapsed();
    let err = stderr(&o);
    assert_ne!(code(&o), 0, "{err}");
    assert!(took < Duration::from_secs(10), "took {took:?}: {err}");
    assert!(err.contains("lock timeout"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
    tx.rollback().await.unwrap();
}

/// On-prem TLS for the state: a server whose certificate a private CA signed is refused
/// under `sslmode=require` until the URL names that CA in `sslrootcert` (libpq's word);
/// then the same command works, over TLS, under `require`, `verify-full` and `verify-ca`.
/// A file that cannot be read is a one-line error before any connection.
#[tokio::test(flavor = "multi_thread")]
async fn a_private_ca_named_in_sslrootcert_is_trusted() {
    let server = PgServer::start_tls();
    let home = tempfile::tempdir().unwrap();
    let with_mode = |mode: &str| {
        server
            .url()
            .replace("sslmode=disable", &format!("sslmode={mode}"))
    };
    let o = run(
        home.path(),
        &["state", "migrate"],
        &[("TIX_STATE_URL", &with_mode("require"))],
    )
    .await;
    let err = stderr(&o);
    assert_ne!(code(&o), 0, "{err}");
    assert!(
        err.contains("cannot trust the server") && err.contains("add sslrootcert="),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");

    let mut trusted = String::new();
    for mode in ["require", "verify-full", "verify-ca"] {
        trusted = format!("{}&sslrootcert={}", with_mode(mode), server.ca().display());
        let o = run(
            home.path(),
            &["state", "migrate"],
            &[("TIX_STATE_URL", &trusted)],
        )
        .await;
        assert_eq!(code(&o), 0, "{mode}: {}", stderr(&o));
    }
    let url = PgUrl::parse(&trusted, "--state", None).unwrap();
    let c = url.connect().await.unwrap();
    let row = c
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "the connection is not TLS");

    let missing = format!("{}&sslrootcert=/nonexistent/ca.pem", with_mode("require"));
    let o = run(
        home.path(),
        &["sync", "status"],
        &[("TIX_STATE_URL", &missing)],
    )
    .await;
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("sslrootcert /nonexistent/ca.pem: cannot be read"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
