//! `tix state`: the sync state itself. `migrate` creates or upgrades a PostgreSQL state's
//! schema; `export` and `import` move a state between SQLite and PostgreSQL as JSON Lines
//! (`crate::sync::dump`), so a team goes from one host to many without a resync.

use super::Ctx;
use super::sync::state_location;
use crate::error::{Error, Result};
use crate::sync::location::Location;
use crate::sync::postgres::{Chain, schema};
use crate::sync::{State, dump};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum StateCommand {
    /// Create or upgrade a PostgreSQL state's schema (a newer one is refused).
    Migrate(StateArgs),
    /// Write every row of the state as JSON Lines on stdout.
    Export(StateArgs),
    /// Read an export into a new, empty state (SQLite file or migrated PostgreSQL).
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct StateArgs {
    /// State: a SQLite file, or a postgres:// URL (password from PGPASSWORD) [default:
    /// $TIX_STATE_URL, else $XDG_STATE_HOME/tix/sync.db].
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The export to read, or - for stdin.
    #[arg(value_name = "FILE|-")]
    pub file: String,
    #[command(flatten)]
    pub state: StateArgs,
}

pub async fn run(cmd: StateCommand, ctx: &mut Ctx) -> Result<u8> {
    match cmd {
        StateCommand::Migrate(a) => migrate(a, ctx).await,
        StateCommand::Export(a) => export(a, ctx).await,
        StateCommand::Import(a) => import(a, ctx).await,
    }
}

async fn migrate(args: StateArgs, ctx: &Ctx) -> Result<u8> {
    let url = match state_location(args.state, ctx)? {
        Location::Postgres(url) => url,
        // SQLite migrates itself whenever it is opened.
        Location::Sqlite(path) => {
            State::open(&path)?;
            eprintln!(
                "tix: {} is up to date (SQLite migrates itself)",
                path.display()
            );
            return Ok(0);
        }
    };
    let mut client = url.connect().await?;
    let done = schema::migrate(&mut client)
        .await
        .map_err(|e| url.error(Chain(e)))?
        .map_err(|why| Error::Config(format!("{}: {why}", url.shown())))?;
    if done.from == done.to {
        eprintln!(
            "tix: {} is up to date (schema version {})",
            url.shown(),
            done.to
        );
    } else {
        eprintln!(
            "tix: {}: schema version {} -> {}",
            url.shown(),
            done.from,
            done.to
        );
    }
    Ok(0)
}

async fn export(args: StateArgs, ctx: &Ctx) -> Result<u8> {
    let mut out = ctx.io.out();
    let rows = match state_location(args.state, ctx)? {
        Location::Postgres(url) => dump::export_postgres(&url, &mut out).await?,
        Location::Sqlite(path) => {
            if !path.exists() {
                return Err(Error::invalid(
                    "--state",
                    path.display(),
                    "an existing state file (no sync has run with it)",
                ));
            }
            dump::export_sqlite(&mut State::open(&path)?, &mut out)?
        }
    };
    out.flush()?;
    ctx.io.note(&format!("{rows} rows exported"));
    Ok(0)
}

async fn import(args: ImportArgs, ctx: &Ctx) -> Result<u8> {
    let location = state_location(args.state.state, ctx)?;
    let mut input: Box<dyn std::io::BufRead> = if args.file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file)
            .map_err(|e| Error::invalid("FILE", &args.file, format!("a readable export ({e})")))?;
        Box::new(std::io::BufReader::new(file))
    };
    let counts = match location {
        Location::Postgres(url) => dump::import_postgres(&url, &mut input).await?,
        Location::Sqlite(path) => dump::import_sqlite(&mut State::open(&path)?, &mut input)?,
    };
    let said: Vec<String> = counts
        .iter()
        .map(|(table, n)| format!("{table} {n}"))
        .collect();
    eprintln!("tix: imported {}", said.join(", "));
    Ok(0)
}
