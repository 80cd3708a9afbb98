//! A leased cursor's working copy: its rows copied from PostgreSQL into a fresh SQLite
//! state the engine runs on as it does on one host, then written back in one
//! transaction that checks the lease first.
//!
//! What one run commits reaches PostgreSQL together or not at all: the cursor, the keys
//! written near the boundary, the failed tickets, the run's row, and the sink's
//! idempotency records (the file sequence in `sync_source.files`, which names the next
//! file; the ConnectWise ledger's mappings and crossed items). A worker killed before
//! that transaction leaves the last committed window in place, and the next worker redoes
//! the run under the same file name (the ConnectWise push finds what it already created
//! by its `externalXRef`, as after any crash).

use super::super::State;
use super::super::tables::{self, ALL, Table};
use super::lease::Lease;
use super::{Chain, PgUrl, rows};
use crate::error::{Error, Result};
use tokio_postgres::Client;

/// Which of a cursor's rows a working copy holds.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub source: &'a str,
    pub provider: &'a str,
    /// The ConnectWise ledger's rows of the provider come along.
    pub ledger: bool,
}

impl Scope<'_> {
    /// The tables and the value of their scope column; runs stay behind (a working copy
    /// starts without any, and each run it records is added).
    fn tables(&self) -> Vec<(&'static Table, &str)> {
        ALL.into_iter()
            .filter(|t| t.name != tables::SYNC_RUN.name)
            .filter(|t| self.ledger || !t.name.starts_with("cw_"))
            .map(|t| {
                let value = if t.scope == "provider" {
                    self.provider
                } else {
                    self.source
                };
                (t, value)
            })
            .collect()
    }
}

/// Copies the cursor's rows from PostgreSQL into `copy`, a freshly opened state.
pub async fn checkout(
    url: &PgUrl,
    client: &Client,
    copy: &mut State,
    scope: Scope<'_>,
) -> Result<()> {
    for (table, value) in scope.tables() {
        let rows = rows::read(client, table, Some(value))
            .await
            .map_err(|e| url.error(Chain(e)))?;
        tables::write_sqlite(copy.connection(), table, &rows)?;
    }
    Ok(())
}

/// How the run under a lease ended, for its work row.
#[derive(Debug, Clone)]
pub enum Ended {
    Ok,
    Failed(String),
}

/// Writes the working copy back and ends the lease, in one transaction that first
/// checks the lease is still `lease` (fencing); a lease taken over fails with nothing
/// written and `false` answered. A failed run is written back too: the failed tickets it recorded, its run
/// row, and what its sink wrote before failing.
pub async fn checkin(
    url: &PgUrl,
    client: &mut Client,
    copy: &mut State,
    lease: &Lease,
    scope: Scope<'_>,
    ended: &Ended,
) -> Result<bool> {
    let fail = |e: tokio_postgres::Error| url.error(Chain(e));
    let tx = client.transaction().await.map_err(fail)?;
    let holder: Option<Option<i64>> = tx
        .query_opt(
            "SELECT lease_token FROM sync_work WHERE source = $1 FOR UPDATE",
            &[&lease.source],
        )
        .await
        .map_err(fail)?
        .map(|r| r.get(0));
    if holder != Some(Some(lease.token)) {
        return Ok(false);
    }
    let conn = copy.connection();
    let read = |table: &Table, value: &str| {
        tables::read_sqlite(conn, table, Some(value)).map_err(|e| {
            Error::Config(format!(
                "cannot read the working copy's {}: {e}",
                table.name
            ))
        })
    };
    for (table, value) in scope.tables() {
        let rows = read(table, value)?;
        // The ledger's rows are the provider's, shared by every cursor of it: merged.
        // A cursor's own rows are replaced by the copy's.
        if table.scope == "source" {
            let sql = format!("DELETE FROM {} WHERE source = $1", table.name);
            tx.execute(&sql, &[&value]).await.map_err(fail)?;
        }
        rows::write(&tx, table, &rows).await?.map_err(fail)?;
    }
    let runs = read(&tables::SYNC_RUN, scope.source)?;
    rows::write(&tx, &tables::SYNC_RUN, &runs)
        .await?
        .map_err(fail)?;
    // The run's error stays in the row after later successes, with its time.
    let error = match ended {
        Ended::Ok => None,
        Ended::Failed(why) => Some(why.as_str()),
    };
    tx.execute(
        "UPDATE sync_work SET last_taken = lease_taken,
           last_success = CASE WHEN $2::text IS NULL THEN now() ELSE last_success END,
           last_error = COALESCE($2, last_error),
           last_error_at = CASE WHEN $2::text IS NULL THEN last_error_at ELSE now() END,
           lease_token = NULL, lease_host = NULL, lease_pid = NULL,
           lease_taken = NULL, lease_until = NULL
         WHERE source = $1",
        &[&lease.source, &error],
    )
    .await
    .map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    Ok(true)
}
