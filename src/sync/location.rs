//! Where the sync state lives: a SQLite file (the default, one host, the run lock) or a
//! PostgreSQL database (several hosts, leases). `--state` takes either, a path or a
//! `postgres://` URL; without it, `TIX_STATE_URL`, then the default file.

use super::postgres::{self, PgUrl};
use crate::config::Env;
use crate::error::{Error, Result};
use std::path::PathBuf;

/// The state's backend.
#[derive(Debug, Clone)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(Box<PgUrl>),
}

/// What [`resolve`] found, and whether the command line carried a password (visible to
/// every user of the host in the process list: the CLI warns).
#[derive(Debug)]
pub struct Resolved {
    pub location: Location,
    pub password_in_argv: bool,
}

/// `--state`, else `TIX_STATE_URL`, else the default file.
pub fn resolve(flag: Option<PathBuf>, env: &Env) -> Result<Resolved> {
    let pgpassword = env.get("PGPASSWORD");
    if let Some(flag) = flag {
        let text = flag.to_string_lossy();
        if postgres::is_url(&text) {
            let password_in_argv = url::Url::parse(&text).is_ok_and(|u| u.password().is_some());
            return Ok(Resolved {
                location: Location::Postgres(Box::new(PgUrl::parse(&text, "--state", pgpassword)?)),
                password_in_argv,
            });
        }
        return Ok(Resolved {
            location: Location::Sqlite(flag),
            password_in_argv: false,
        });
    }
    if let Some(url) = env.get("TIX_STATE_URL").filter(|u| !u.is_empty()) {
        if !postgres::is_url(&url) {
            return Err(Error::invalid(
                "TIX_STATE_URL",
                postgres::mask(&url),
                "a postgres:// URL (a SQLite file is given with --state)",
            ));
        }
        return Ok(Resolved {
            location: Location::Postgres(Box::new(PgUrl::parse(
                &url,
                "TIX_STATE_URL",
                pgpassword,
            )?)),
            password_in_argv: false,
        });
    }
    let path = super::default_state_path(env).ok_or_else(|| {
        Error::invalid(
            "--state",
            "",
            "required when neither XDG_STATE_HOME nor HOME is set",
        )
    })?;
    Ok(Resolved {
        location: Location::Sqlite(path),
        password_in_argv: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_then_the_environment_then_the_default_file() {
        let env = Env::from_pairs([("HOME", "/h"), ("TIX_STATE_URL", "postgres://tix@db/tix")]);
        let r = resolve(Some("/s/sync.db".into()), &env).unwrap();
        assert!(
            matches!(r.location, Location::Sqlite(p) if p == std::path::Path::new("/s/sync.db"))
        );
        let r = resolve(Some("postgresql://tix:pw@db/tix".into()), &env).unwrap();
        assert!(r.password_in_argv);
        assert!(
            matches!(&r.location, Location::Postgres(u) if u.shown() == "postgresql://tix:****@db/tix")
        );
        let r = resolve(None, &env).unwrap();
        assert!(!r.password_in_argv);
        assert!(
            matches!(&r.location, Location::Postgres(u) if u.shown() == "postgres://tix@db/tix")
        );
        let r = resolve(None, &Env::from_pairs([("HOME", "/h")])).unwrap();
        assert!(
            matches!(r.location, Location::Sqlite(p) if p == std::path::Path::new("/h/.local/state/tix/sync.db"))
        );
        let e = resolve(None, &Env::from_pairs([("TIX_STATE_URL", "/tmp/x.db")])).unwrap_err();
        assert!(e.to_string().contains("TIX_STATE_URL"), "{e}");
    }
}
