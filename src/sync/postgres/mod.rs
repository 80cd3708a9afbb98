//! The sync state on PostgreSQL, for several hosts syncing the same profiles
//! (`--state postgres://…` or `TIX_STATE_URL`).
//!
//! - [`schema`]: the versioned migrations (`schema_version`), run by `tix state migrate`.
//! - [`rows`]: the state's tables ([`super::tables`]) read and written on PostgreSQL.
//! - [`lease`]: one row of `sync_work` per (profile, provider, sink); a worker takes one
//!   with `FOR UPDATE SKIP LOCKED` and a lease that expires unless its heartbeat renews it.
//! - [`checkout`]: a leased cursor's rows copied into a working SQLite state the engine
//!   runs on unchanged, and written back (cursor, keys, failures, runs and the sink's
//!   idempotency records) in one transaction that first checks the lease is still this
//!   worker's (fencing).
//!
//! The engine keeps running on SQLite: what PostgreSQL adds is where a cursor's rows live
//! between runs and who may run it. A worker that dies leaves its working copy behind
//! and its lease to expire; the next one starts from the last committed window.

pub mod checkout;
pub mod lease;
pub mod rows;
pub mod schema;

use crate::error::{Error, Result};
use rustls::pki_types::pem::PemObject as _;
use std::str::FromStr;
use tokio_postgres::Client;
use tokio_postgres::config::SslMode;

/// Whether a `--state` value names a PostgreSQL database rather than a file.
pub fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// The URL as it may be shown: its password, if any, replaced by `****`.
pub fn mask(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        // Not a URL we can take apart: show only its scheme.
        Err(_) => format!("{}://…", text.split("://").next().unwrap_or("postgres")),
    }
}

/// How long connecting (TCP, TLS, authentication) may take when the URL does not say.
pub const CONNECT_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// Silence on a connection after which TCP probes whether the server is still there.
const KEEPALIVE_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// Bounds on every statement tix sends, unless the URL's `options` set them: a statement
/// that waits on a lock a person holds in psql, or runs away on a loaded server, fails
/// with the server's own message instead of holding a cron job or a lease for ever.
/// Sent as `SET` once connected rather than as the `options` startup parameter, which
/// PgBouncer refuses unless told to ignore it.
const SESSION_BOUNDS: &[(&str, &str)] = &[("statement_timeout", "60s"), ("lock_timeout", "30s")];

/// The `SET` statements for the bounds the URL's `options` (`-c name=value ...`) leave
/// unset.
fn session_bounds(options: Option<&str>) -> String {
    let given = options.unwrap_or_default();
    SESSION_BOUNDS
        .iter()
        .filter(|(name, _)| !given.contains(name))
        .map(|(name, value)| format!("SET {name} = '{value}';"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A parsed PostgreSQL URL, with the password from the URL or `PGPASSWORD`.
#[derive(Clone)]
pub struct PgUrl {
    config: tokio_postgres::Config,
    shown: String,
    /// `sslrootcert`: CAs trusted for this server besides the system's.
    root_cert: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl PgUrl {
    /// Parses `text` (`flag` names where it came from in errors); `pgpassword` is
    /// `PGPASSWORD`, used when the URL carries no password.
    pub fn parse(text: &str, flag: &str, pgpassword: Option<String>) -> Result<PgUrl> {
        let shown = mask(text);
        let (text, root_cert) = libpq_tls(text).map_err(|why| Error::invalid(flag, &shown, why))?;
        let mut config = tokio_postgres::Config::from_str(&text)
            .map_err(|e| Error::invalid(flag, &shown, format!("not a PostgreSQL URL: {e}")))?;
        if let Some(path) = &root_cert {
            if config.get_ssl_mode() == SslMode::Disable {
                return Err(Error::invalid(
                    flag,
                    &shown,
                    "sslrootcert with sslmode=disable: drop one of them",
                ));
            }
            let pem = std::fs::read(path).map_err(|e| {
                Error::invalid(
                    flag,
                    &shown,
                    format!("sslrootcert {}: cannot be read: {e}", path.display()),
                )
            })?;
            let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
                .collect::<std::result::Result<Vec<_>, _>>()
                .unwrap_or_default();
            if certs.is_empty() {
                return Err(Error::invalid(
                    flag,
                    &shown,
                    format!("sslrootcert {}: holds no PEM certificate", path.display()),
                ));
            }
        }
        if config.get_password().is_none()
            && let Some(p) = pgpassword.filter(|p| !p.is_empty())
        {
            config.password(p);
        }
        if config.get_dbname().is_none() {
            return Err(Error::invalid(
                flag,
                &shown,
                "a PostgreSQL URL naming its database, e.g. postgres://tix@db.example/tix",
            ));
        }
        config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
        Ok(PgUrl {
            config,
            shown,
            root_cert,
        })
    }

    /// The URL with its password masked, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// A state error about this database.
    pub fn error(&self, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::State {
            path: self.shown.clone(),
            source: e.into(),
        }
    }

    /// Connects (TLS unless the URL says `sslmode=disable`; `prefer`, the default, falls
    /// back to plain text when the server offers no TLS). The connection runs on its own
    /// task until the client is dropped.
    ///
    /// Bounded as a whole, handshake included (tokio-postgres's own `connect_timeout`
    /// bounds only the TCP connect, so a server that accepts and never answers would hold
    /// a cron job forever): by the URL's `connect_timeout`, else [`CONNECT_BUDGET`]. TCP
    /// keepalives, probing after [`KEEPALIVE_IDLE`] of silence, end a connection whose
    /// server died, and with it the heartbeat, so a lease is never held by a dead link.
    pub async fn connect(&self) -> Result<Client> {
        let budget = self
            .config
            .get_connect_timeout()
            .copied()
            .unwrap_or(CONNECT_BUDGET);
        match tokio::time::timeout(budget, self.connect_unbounded()).await {
            Ok(client) => client,
            Err(_) => Err(self.error(format!(
                "no answer from the server within {} (connect_timeout in the URL sets this)",
                humantime::format_duration(budget)
            ))),
        }
    }

    async fn connect_unbounded(&self) -> Result<Client> {
        let fail = |e: tokio_postgres::Error| match crate::http::tls_errors::find(&e) {
            Some(tls) => self.error(tls_advice(&tls)),
            None => self.error(Chain(e)),
        };
        let client = if self.config.get_ssl_mode() == SslMode::Disable {
            let (client, conn) = self
                .config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(fail)?;
            tokio::spawn(conn);
            client
        } else {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls_config()?);
            let (client, conn) = self.config.connect(tls).await.map_err(fail)?;
            tokio::spawn(conn);
            client
        };
        let bounds = session_bounds(self.config.get_options());
        if !bounds.is_empty() {
            client.batch_execute(&bounds).await.map_err(fail)?;
        }
        Ok(client)
    }

    /// Connects and checks the schema is the one this tix knows: an older or missing one
    /// names `tix state migrate`, a newer one is refused.
    pub async fn open(&self) -> Result<Client> {
        let client = self.connect().await?;
        let found = schema::version(&client)
            .await
            .map_err(|e| self.error(Chain(e)))?;
        let known = schema::latest();
        if found > known {
            return Err(Error::Config(format!(
                "the sync state {} is schema version {found}, newer than this tix knows ({known}); upgrade tix",
                self.shown
            )));
        }
        if found < known {
            return Err(Error::Config(format!(
                "the sync state {} is schema version {found}, this tix needs {known}; run `tix state migrate --state <URL>` first",
                self.shown
            )));
        }
        Ok(client)
    }
}

/// `tix sync reset` on PostgreSQL: as on SQLite (`State::reset`), refused while a worker
/// holds the source. Answers whether the source was known.
pub async fn reset(url: &PgUrl, source: &str) -> Result<bool> {
    let mut client = url.open().await?;
    let fail = |e| url.error(Chain(e));
    let tx = client.transaction().await.map_err(fail)?;
    let held = tx
        .query_opt(
            &format!(
                "SELECT lease_host, lease_pid FROM sync_work
                 WHERE source = $1 AND {} FOR UPDATE",
                lease::LIVE
            ),
            &[&source],
        )
        .await
        .map_err(fail)?;
    if let Some(r) = held {
        let (host, pid): (Option<String>, Option<i64>) = (r.get(0), r.get(1));
        return Err(Error::Config(format!(
            "{source} is being synced by {} (pid {}); reset once it ends",
            host.unwrap_or_default(),
            pid.unwrap_or_default()
        )));
    }
    let known = tx
        .execute(
            "UPDATE sync_source SET watermark = NULL, keys_floor = NULL, boundary_keys = '[]'
             WHERE source = $1",
            &[&source],
        )
        .await
        .map_err(fail)?
        > 0;
    tx.execute(
        "DELETE FROM sync_key WHERE source = $1
           AND NOT (updated >= '1970-01-01T' AND updated < '2200-01-01T')",
        &[&source],
    )
    .await
    .map_err(fail)?;
    tx.execute("DELETE FROM sync_failure WHERE source = $1", &[&source])
        .await
        .map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    Ok(known)
}

/// The URL's TLS parameters in libpq's words that tokio-postgres does not take:
/// `sslrootcert=<PEM file>` is taken out (tix reads it) and `sslmode=verify-full` or
/// `verify-ca` become `require`, under which tix already checks the chain and the host
/// name (so `verify-ca` is checked as `verify-full`). Answers the URL for tokio-postgres
/// and the root certificate file. A URL without them is passed on unchanged.
fn libpq_tls(text: &str) -> std::result::Result<(String, Option<std::path::PathBuf>), String> {
    let Ok(mut url) = url::Url::parse(text) else {
        return Ok((text.to_owned(), None));
    };
    let mut root = None;
    let mut changed = false;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| match (&*k, &*v) {
            ("sslrootcert", path) => {
                root = Some(std::path::PathBuf::from(path));
                changed = true;
                None
            }
            ("sslmode", "verify-full" | "verify-ca") => {
                changed = true;
                Some((k.into_owned(), "require".to_owned()))
            }
            _ => Some((k.into_owned(), v.into_owned())),
        })
        .collect();
    if !changed {
        return Ok((text.to_owned(), None));
    }
    if root.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
        return Err("sslrootcert is empty: give the path of a PEM file".into());
    }
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    Ok((url.to_string(), root))
}

impl PgUrl {
    /// The TLS client: the system's roots, and `sslrootcert`'s CAs when the URL names a
    /// file, checked as a provider's `ca_file` is (`http::tls`), host name included.
    fn tls_config(&self) -> Result<rustls::ClientConfig> {
        let host = match self.config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(name)) => name.clone(),
            _ => "localhost".to_owned(),
        };
        let mut base = url::Url::parse("postgres://localhost").expect("a fixed URL");
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        base.set_host(Some(&bracketed))
            .map_err(|e| self.error(format!("host {bracketed}: {e}")))?;
        let trust = crate::http::tls::Trust {
            ca_file: self.root_cert.as_deref(),
            pin_sha256: None,
        };
        let mut config = crate::http::tls::client_config("--state", &base, &trust)?;
        // PostgreSQL's own protocol, not HTTP: a server that checks ALPN (direct TLS,
        // PostgreSQL 17) would refuse h2/http1.1.
        config.alpn_protocols = Vec::new();
        Ok(config)
    }
}

/// A refused TLS handshake in plain words, with what to put in the URL.
fn tls_advice(failure: &crate::http::tls_errors::TlsFailure) -> String {
    use crate::http::tls_errors::{Reason, TlsFailure};
    match failure {
        TlsFailure::Certificate(
            reason @ (Reason::SelfSigned { .. } | Reason::UnknownCa { .. } | Reason::Other(_)),
        ) => format!(
            "cannot trust the server: {reason}; to trust it, add sslrootcert=<its CA or certificate, PEM> to the URL"
        ),
        TlsFailure::Certificate(reason @ Reason::NameMismatch { .. }) => {
            format!("cannot trust the server: {reason}; connect to one of those names")
        }
        TlsFailure::Certificate(reason) => format!("cannot trust the server: {reason}"),
        TlsFailure::Handshake(text) => format!("TLS handshake failed: {text}"),
    }
}

/// A tokio-postgres error with its causes on one line: its own `Display` says only
/// "invalid configuration" or "db error" and keeps the why in its source.
#[derive(Debug)]
pub struct Chain(pub tokio_postgres::Error);

impl std::fmt::Display for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(db) = self.0.as_db_error() {
            return write!(f, "{}: {}", db.severity(), db.message());
        }
        write!(f, "{}", self.0)?;
        let mut source = std::error::Error::source(&self.0);
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl std::error::Error for Chain {}

/// This process as a lease holder names it: host and pid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
}

impl Holder {
    pub fn this_process() -> Holder {
        Holder {
            host: host_name(),
            pid: std::process::id(),
        }
    }
}

fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_masked_and_taken_from_pgpassword_when_the_url_has_none() {
        assert_eq!(
            mask("postgres://tix:s3cret@db:5432/tix?sslmode=disable"),
            "postgres://tix:****@db:5432/tix?sslmode=disable"
        );
        assert_eq!(mask("postgres://tix@db/tix"), "postgres://tix@db/tix");
        let url = PgUrl::parse("postgres://tix:s3cret@db/tix", "--state", None).unwrap();
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.shown(), "postgres://tix:****@db/tix");
        let url = PgUrl::parse("postgres://tix@db/tix", "--state", Some("fromenv".into())).unwrap();
        assert_eq!(url.config.get_password(), Some(&b"fromenv"[..]));
        let url = PgUrl::parse(
            "postgres://tix:inurl@db/tix",
            "--state",
            Some("fromenv".into()),
        )
        .unwrap();
        assert_eq!(url.config.get_password(), Some(&b"inurl"[..]));
    }

    #[test]
    fn a_bad_url_is_named_without_its_password() {
        let e = PgUrl::parse(
            "postgres://tix:s3cret@db/tix?sslmode=bogus",
            "--state",
            None,
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("--state") && !text.contains("s3cret"),
            "{text}"
        );
        let e = PgUrl::parse("postgres://tix:s3cret@db", "--state", None).unwrap_err();
        assert!(e.to_string().contains("naming its database"), "{e}");
    }

    #[test]
    fn every_statement_is_bounded_unless_the_url_says_otherwise() {
        assert_eq!(
            session_bounds(None),
            "SET statement_timeout = '60s'; SET lock_timeout = '30s';"
        );
        assert_eq!(
            session_bounds(Some("-c lock_timeout=1s")),
            "SET statement_timeout = '60s';"
        );
        assert_eq!(
            session_bounds(Some("-c statement_timeout=0 -c lock_timeout=5s")),
            ""
        );
    }

    #[test]
    fn libpq_tls_words_are_taken_out_or_translated_and_nothing_else_changes() {
        let plain = "postgres://tix:p%40ss@db/tix?sslmode=prefer";
        assert_eq!(libpq_tls(plain).unwrap(), (plain.to_owned(), None));
        let (url, root) =
            libpq_tls("postgres://tix@db/tix?sslmode=verify-full&sslrootcert=/etc/ca.pem").unwrap();
        assert_eq!(url, "postgres://tix@db/tix?sslmode=require");
        assert_eq!(root.as_deref(), Some(std::path::Path::new("/etc/ca.pem")));
        let (url, root) = libpq_tls("postgres://tix@db/tix?sslrootcert=ca.pem").unwrap();
        assert_eq!(url, "postgres://tix@db/tix");
        assert_eq!(root.as_deref(), Some(std::path::Path::new("ca.pem")));
        assert!(libpq_tls("postgres://tix@db/tix?sslrootcert=").is_err());
        let e = PgUrl::parse(
            "postgres://tix:s3cret@db/tix?sslmode=disable&sslrootcert=/etc/ca.pem",
            "--state",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("sslmode=disable") && !e.contains("s3cret"),
            "{e}"
        );
    }
}
