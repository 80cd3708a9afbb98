//! The work list and its leases (`sync_work`): one row per cursor, i.e. per (profile,
//! provider, sink). A worker takes a free row with `SELECT … FOR UPDATE SKIP LOCKED`
//! and a lease until a time on the database's clock (so hosts' clocks need not agree);
//! a heartbeat moves that time on while the run lasts. A worker that dies stops renewing
//! it, and once it has passed another worker takes the row over with a new token. The
//! token is what fences: the commit of a run checks it in its own transaction
//! ([`super::checkout::checkin`]), so a worker whose lease was taken over commits nothing.
//!
//! A lease is also bound to its holder's database session: the holder takes a
//! session-level advisory lock keyed by the token in the transaction that takes the row,
//! and the server drops it the moment that session ends. A worker killed, interrupted or
//! crashed (its connection closes with the process) so frees its rows at once, instead of
//! leaving them to wait out `--lease`; the time bound still covers a holder that is alive
//! but cut off or paused, whose session the server cannot yet see gone.

use super::Holder;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio_postgres::{Client, Error};

/// One cursor the work list holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Work {
    /// The cursor's name in the state (`acme`, `connectwise:acme`).
    pub source: String,
    /// The profile (or the provider, when the source is set by the environment alone).
    pub profile: String,
    pub provider: String,
    /// `files` or `connectwise`.
    pub sink: String,
}

/// A lease this worker holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub source: String,
    pub token: i64,
}

/// Adds the cursors this host is configured to run (existing rows keep their leases and
/// history; their profile, provider and sink are brought up to date).
pub async fn register(client: &Client, works: &[Work]) -> Result<(), Error> {
    let stmt = client
        .prepare(
            "INSERT INTO sync_work (source, profile, provider, sink) VALUES ($1, $2, $3, $4)
             ON CONFLICT (source) DO UPDATE SET profile = EXCLUDED.profile,
               provider = EXCLUDED.provider, sink = EXCLUDED.sink",
        )
        .await?;
    for w in works {
        client
            .execute(&stmt, &[&w.source, &w.profile, &w.provider, &w.sink])
            .await?;
    }
    Ok(())
}

/// The database's clock: where a drain starts.
pub async fn now(client: &Client) -> Result<DateTime<Utc>, Error> {
    Ok(client.query_one("SELECT now()", &[]).await?.get(0))
}

/// SQL true for a `sync_work` row whose lease holds: its time has not run out and the
/// session that took it still holds the token's advisory lock. (`pg_advisory_lock(bigint)`
/// shows in `pg_locks` as the key's high half in `classid` and its low half in `objid`,
/// with `objsubid` 1.)
pub const LIVE: &str = "(lease_until >= now() AND EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND ((l.classid::bigint << 32) | l.objid::bigint) = lease_token))";

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Takes one of `sources` that is free (never leased, released, or with a lease that
/// expired) and has not been run by a lease taken since `since`; answers `None` when
/// there is none. Rows another worker is taking at this moment are skipped, not waited
/// for.
pub async fn take(
    client: &mut Client,
    sources: &[String],
    since: DateTime<Utc>,
    holder: &Holder,
    ttl: Duration,
) -> Result<Option<Lease>, Error> {
    // One transaction: the advisory lock is held before the new token is visible, so no
    // other worker ever sees this lease without its lock and takes it as abandoned.
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            &format!(
                "UPDATE sync_work w SET lease_token = nextval('sync_lease_token'),
                     lease_host = $3, lease_pid = $4, lease_taken = now(),
                     lease_until = now() + $5::bigint * interval '1 millisecond'
                 FROM (SELECT source FROM sync_work
                       WHERE source = ANY($1)
                         AND (lease_token IS NULL OR NOT {LIVE})
                         AND (last_taken IS NULL OR last_taken < $2)
                       ORDER BY last_taken NULLS FIRST, source
                       LIMIT 1
                       FOR UPDATE SKIP LOCKED) free
                 WHERE w.source = free.source
                 RETURNING w.source, w.lease_token"
            ),
            &[
                &sources,
                &since,
                &holder.host,
                &i64::from(holder.pid),
                &millis(ttl),
            ],
        )
        .await?;
    let lease = row.map(|r| Lease {
        source: r.get(0),
        token: r.get(1),
    });
    if let Some(l) = &lease {
        tx.execute("SELECT pg_advisory_lock($1)", &[&l.token])
            .await?;
    }
    tx.commit().await?;
    Ok(lease)
}

/// Lets go of `lease`'s session lock once its run has ended (committed or not), so a
/// long drain does not pile up locks in the server's shared lock table.
pub async fn unlock(client: &Client, lease: &Lease) -> Result<(), Error> {
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&lease.token])
        .await?;
    Ok(())
}

/// How many of `sources` a worker (of this host or another) holds now and has not run
/// since `since`: a drain waits for them, as their holder may die and leave them to it.
pub async fn held_elsewhere(
    client: &Client,
    sources: &[String],
    since: DateTime<Utc>,
) -> Result<i64, Error> {
    Ok(client
        .query_one(
            &format!(
                "SELECT count(*) FROM sync_work
                 WHERE source = ANY($1) AND {LIVE}
                   AND (last_taken IS NULL OR last_taken < $2)"
            ),
            &[&sources, &since],
        )
        .await?
        .get(0))
}

/// Renews `lease` for `ttl` from now; answers false when it is no longer this worker's.
pub async fn renew(client: &Client, lease: &Lease, ttl: Duration) -> Result<bool, Error> {
    let n = client
        .execute(
            "UPDATE sync_work SET lease_until = now() + $3::bigint * interval '1 millisecond'
             WHERE source = $1 AND lease_token = $2",
            &[&lease.source, &lease.token, &millis(ttl)],
        )
        .await?;
    Ok(n == 1)
}

/// Renews `lease` every third of `ttl` until it is lost or the database cannot be
/// reached; answers why it stopped. Run beside the work, which is dropped when this ends.
pub async fn heartbeat(client: &Client, lease: &Lease, ttl: Duration) -> String {
    let every = (ttl / 3).max(Duration::from_millis(50));
    loop {
        tokio::time::sleep(every).await;
        match renew(client, lease, ttl).await {
            Ok(true) => {}
            Ok(false) => {
                return format!(
                    "the lease on {} expired and another worker took it over; this run commits nothing",
                    lease.source
                );
            }
            Err(e) => {
                return format!(
                    "cannot renew the lease on {}: {}; this run commits nothing",
                    lease.source,
                    super::Chain(e)
                );
            }
        }
    }
}

/// One row as `tix sync status` shows it.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct WorkStatus {
    pub source: String,
    pub profile: String,
    pub provider: String,
    pub sink: String,
    pub watermark: Option<String>,
    /// Host and pid of the worker holding it, while its lease holds.
    pub lease_host: Option<String>,
    pub lease_pid: Option<i64>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// Every row of the work list with its cursor's watermark; a lease that expired or whose
/// holder's session ended shows as none.
pub async fn status(client: &Client) -> Result<Vec<WorkStatus>, Error> {
    let rows = client
        .query(
            &format!(
                "SELECT w.source, w.profile, w.provider, w.sink, s.watermark,
                        CASE WHEN {LIVE} THEN w.lease_host END,
                        CASE WHEN {LIVE} THEN w.lease_pid END,
                        CASE WHEN {LIVE} THEN w.lease_until END,
                        w.last_success, w.last_error, w.last_error_at
                 FROM sync_work w LEFT JOIN sync_source s ON s.source = w.source
                 ORDER BY w.source"
            ),
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| WorkStatus {
            source: r.get(0),
            profile: r.get(1),
            provider: r.get(2),
            sink: r.get(3),
            watermark: r.get(4),
            lease_host: r.get(5),
            lease_pid: r.get(6),
            lease_until: r.get(7),
            last_success: r.get(8),
            last_error: r.get(9),
            last_error_at: r.get(10),
        })
        .collect())
}
