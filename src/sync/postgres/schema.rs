//! The PostgreSQL state's schema, as an ordered list of migrations recorded in
//! `schema_version`. Entries already shipped are never edited; a change appends one.
//!
//! The tables the SQLite state has keep its columns and its text (RFC 3339 times, JSON),
//! so rows move between the two unchanged ([`super::super::tables`]). `sync_run.summary`
//! is there from the start (the ConnectWise run counts). `sync_work` is PostgreSQL's
//! own: the work list and its leases.

use tokio_postgres::Client;

/// Each entry runs once, in order, in one transaction with the version bump.
pub const MIGRATIONS: &[&str] = &[
    // 1: the SQLite state's tables, and the work list with its leases.
    "CREATE TABLE sync_source (
        source        TEXT PRIMARY KEY,
        provider      TEXT NOT NULL,
        watermark     TEXT,
        keys_floor    TEXT,
        boundary_keys TEXT NOT NULL DEFAULT '[]',
        files         BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE sync_key (
        source  TEXT NOT NULL,
        id      TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (source, id, updated)
    );
    CREATE INDEX sync_key_updated ON sync_key (source, updated);
    CREATE TABLE sync_run (
        id           BIGSERIAL PRIMARY KEY,
        source       TEXT NOT NULL,
        started      TEXT NOT NULL,
        ended        TEXT NOT NULL,
        window_from  TEXT,
        window_to    TEXT NOT NULL,
        seen         BIGINT NOT NULL,
        new          BIGINT NOT NULL,
        updated      BIGINT NOT NULL,
        file         TEXT,
        outcome      TEXT NOT NULL,
        -- The sink's counts as JSON (ConnectWise), NULL when it has none.
        summary      TEXT
    );
    CREATE INDEX sync_run_source ON sync_run (source, id);
    CREATE TABLE cw_ticket (
        provider   TEXT NOT NULL,
        id         TEXT NOT NULL,
        cw_id      BIGINT NOT NULL,
        state_json TEXT NOT NULL,
        PRIMARY KEY (provider, id)
    );
    CREATE TABLE cw_item (
        provider TEXT NOT NULL,
        id       TEXT NOT NULL,
        item     TEXT NOT NULL,
        PRIMARY KEY (provider, id, item)
    );
    CREATE TABLE sync_failure (
        source       TEXT NOT NULL,
        id           TEXT NOT NULL,
        updated      TEXT NOT NULL,
        error        TEXT NOT NULL,
        attempts     BIGINT NOT NULL,
        first_failed TEXT NOT NULL,
        last_failed  TEXT NOT NULL,
        next_attempt TEXT NOT NULL,
        PRIMARY KEY (source, id)
    );
    -- One row per cursor (a profile or provider into a sink): who may run it now.
    CREATE TABLE sync_work (
        source        TEXT PRIMARY KEY,
        profile       TEXT NOT NULL,
        provider      TEXT NOT NULL,
        sink          TEXT NOT NULL,
        -- The current lease: a token no other lease had, its holder, and until when it
        -- holds unless renewed. NULL when free.
        lease_token   BIGINT,
        lease_host    TEXT,
        lease_pid     BIGINT,
        lease_taken   TIMESTAMPTZ,
        lease_until   TIMESTAMPTZ,
        -- When the last lease that ended (committed, well or with an error) was taken.
        last_taken    TIMESTAMPTZ,
        last_success  TIMESTAMPTZ,
        last_error    TEXT,
        last_error_at TIMESTAMPTZ
    );
    CREATE SEQUENCE sync_lease_token;",
];

/// The version this tix writes and reads.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// The schema version of the database: 0 when tix never migrated it.
pub async fn version(client: &Client) -> Result<i64, tokio_postgres::Error> {
    let exists = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?
        .get::<_, bool>(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_opt("SELECT version FROM schema_version", &[])
        .await?
        .map(|r| r.get::<_, i64>(0))
        .unwrap_or(0))
}

/// What `migrate` did: the version found and the version left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    pub from: i64,
    pub to: i64,
}

/// Creates or upgrades the schema. Hosts migrating at once take turns (an advisory lock
/// held by the transaction); a database from a newer tix is refused, naming both
/// versions.
pub async fn migrate(
    client: &mut Client,
) -> Result<std::result::Result<Migrated, String>, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    // Any fixed number: the lock only orders tix's own migrations.
    tx.execute("SELECT pg_advisory_xact_lock(20201)", &[])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .await?;
    let from = tx
        .query_opt("SELECT version FROM schema_version", &[])
        .await?
        .map(|r| r.get::<_, i64>(0));
    let known = latest();
    let start = from.unwrap_or(0);
    if start > known {
        return Ok(Err(format!(
            "the sync state is schema version {start}, newer than this tix knows ({known}); upgrade tix"
        )));
    }
    for sql in MIGRATIONS.iter().skip(start as usize) {
        tx.batch_execute(sql).await?;
    }
    if from.is_none() {
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&known],
        )
        .await?;
    } else {
        tx.execute("UPDATE schema_version SET version = $1", &[&known])
            .await?;
    }
    tx.commit().await?;
    Ok(Ok(Migrated {
        from: start,
        to: known,
    }))
}
