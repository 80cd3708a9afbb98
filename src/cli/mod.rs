//! The command line: clap definitions and one file per verb. Nothing outside `src/cli`
//! and `main.rs` knows clap; each verb turns its flags into library values and runs.

mod attach;
mod close;
mod comment;
mod completions;
mod config;
mod create;
mod cw;
#[cfg(feature = "sim")]
mod demo;
mod examples;
mod get;
mod io;
mod iocs;
mod limits_args;
mod list;
pub mod logging;
mod merge;
mod orgs;
mod output_args;
mod providers;
mod schema;
#[cfg(feature = "sim")]
mod sim;
mod state;
mod stats;
mod sync;
mod sync_status;
mod sync_workers;
mod tags;
mod target;
mod text_input;
mod tls;
mod update;
mod watch;
mod when;
mod words;

pub use io::Io;

use crate::config::{ConfigFile, Env, Selection, SourceConfig};
use crate::error::Result;
use crate::http::RetryPolicy;
use crate::source::TicketSource;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// tix — one CLI for the tickets your MSSP/MDR providers open for you.
#[derive(Debug, Parser)]
#[command(name = "tix", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every verb takes.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Config file [default: $XDG_CONFIG_HOME/tix/config.toml].
    #[arg(long, global = true, env = "TIX_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile from the config file.
    #[arg(long, global = true, env = "TIX_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// Retries after a failed request (connect errors, timeouts, 429, 5xx).
    #[arg(long, global = true, default_value_t = 6, value_name = "N")]
    pub retries: usize,
    /// Most time one request may take, retries and waits included (e.g. 60s, 2m).
    #[arg(long, global = true, env = "TIX_TIMEOUT", default_value = "60s", value_name = "DURATION", value_parser = limits_args::duration)]
    pub timeout: std::time::Duration,
    /// Most time to wait for a connection.
    #[arg(long, global = true, env = "TIX_CONNECT_TIMEOUT", default_value = "10s", value_name = "DURATION", value_parser = limits_args::duration)]
    pub connect_timeout: std::time::Duration,
    /// Most time an answer may stay silent (no byte) before it counts as stalled.
    #[arg(long, global = true, env = "TIX_READ_TIMEOUT", default_value = "30s", value_name = "DURATION", value_parser = limits_args::duration)]
    pub read_timeout: std::time::Duration,
    /// Largest answer read, after decompression (e.g. 64MiB, 512k).
    #[arg(long, global = true, env = "TIX_MAX_BODY", default_value = "64MiB", value_name = "SIZE", value_parser = limits_args::size)]
    pub max_body: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List tickets from one or more providers.
    List(Box<list::ListArgs>),
    /// Show one ticket in full, with its comments.
    Get(get::GetArgs),
    /// Add a comment to a ticket (TEXT, --file, or stdin).
    Comment(comment::CommentArgs),
    /// Close a ticket, with an optional closing comment.
    Close(close::CloseArgs),
    /// Open a ticket (an Argus case, a Cyderes service request).
    Create(Box<create::CreateArgs>),
    /// Change a ticket's status or priority, or add a comment with the change.
    Update(update::UpdateArgs),
    /// A ticket's attachments: list, download, add.
    #[command(subcommand)]
    Attach(attach::AttachCommand),
    /// A ticket's tags: list, add, rm.
    Tags(tags::TagsArgs),
    /// The organizations (tenants) a key can see.
    Orgs(orgs::OrgsArgs),
    /// Indicators of compromise a provider shares (Cyderes MISP).
    Iocs(iocs::IocsArgs),
    /// ConnectWise Manage, where MSSP tickets land (`tix cw check`).
    #[command(subcommand)]
    Cw(cw::CwCommand),
    /// The providers tix knows and what each supports.
    Providers(providers::ProvidersArgs),
    /// Print the JSON Schema of the normalized ticket (tix.ticket/v1).
    Schema,
    /// Show the resolved configuration (secrets masked).
    Config(config::ConfigArgs),
    #[cfg(feature = "sim")]
    /// Run the embedded simulator of every provider API on loopback.
    Sim(sim::SimArgs),
    /// Write each source's new and changed tickets to files, exactly once (for cron).
    Sync(sync::SyncArgs),
    /// The sync state: migrate a PostgreSQL one, export and import between backends.
    #[command(subcommand)]
    State(state::StateCommand),
    #[cfg(feature = "sim")]
    /// Start the simulator and show what tix does, with no config and no key.
    Demo(demo::DemoArgs),
    /// TLS: the certificates a server presents and whether tix trusts them.
    #[command(subcommand)]
    Tls(tls::TlsCommand),
    /// Counts, open/closed, time to close and the oldest open ticket per group, with charts.
    Stats(Box<stats::StatsArgs>),
    /// A live feed of new and changed tickets across providers, one line per event.
    Watch(Box<watch::WatchArgs>),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) for `man`.
    Man,
}

/// The full command tree: clap's from the derive, with every command's EXAMPLES.
/// Parsing, `--help`, the man page and the completions all use this one.
pub fn command() -> clap::Command {
    examples::with_examples(<Cli as clap::CommandFactory>::command())
}

/// Parses the process's arguments with [`command`].
pub fn parse() -> std::result::Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = command();
    let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// What every verb gets: the terminal, the environment and the config, loaded once.
pub struct Ctx {
    pub io: Io,
    pub env: Env,
    pub global: Global,
    config: Option<ConfigFile>,
}

impl Ctx {
    pub fn new(io: Io, env: Env, global: Global) -> Self {
        Ctx {
            io,
            env,
            global,
            config: None,
        }
    }

    /// The config file, read on first use (verbs like `schema` never read it).
    pub fn config(&mut self) -> Result<&ConfigFile> {
        if self.config.is_none() {
            self.config = Some(ConfigFile::load(self.global.config.as_deref(), &self.env)?);
        }
        Ok(self.config.as_ref().expect("just loaded"))
    }

    /// Resolves a selection into a source's settings, with the global retry budget.
    pub fn source_config(&mut self, mut sel: Selection) -> Result<SourceConfig> {
        if sel.profile.is_none() && !sel.env_only {
            sel.profile = self.global.profile.clone();
        }
        let env = self.env.clone();
        let retries = self.global.retries;
        let mut cfg =
            crate::config::resolve(self.config()?, &env, &sel, &crate::providers::Registry)?;
        cfg.http.retry = RetryPolicy {
            retries,
            ..RetryPolicy::default()
        };
        cfg.http.limits = limits_args::limits(&self.global);
        Ok(cfg)
    }

    /// The source of `--provider NAME` (checked against the registry first, so a typo
    /// is a usage error before any config is read), with the command's URL and CA file.
    pub fn provider_source(
        &mut self,
        name: &str,
        base_url: Option<String>,
        ca_file: Option<std::path::PathBuf>,
    ) -> Result<Box<dyn TicketSource>> {
        let name = name.trim();
        crate::providers::provider(name)?;
        self.source(Selection {
            provider: Some(name.to_owned()),
            base_url,
            ca_file,
            ..Selection::default()
        })
    }

    /// Builds the source for a selection.
    pub fn source(&mut self, sel: Selection) -> Result<Box<dyn TicketSource>> {
        let cfg = self.source_config(sel)?;
        crate::providers::build(cfg)
    }
}

/// Runs the parsed command; the `u8` is the exit code for outcomes that are not errors
/// (partial results print what they can and still say so).
pub async fn run(cli: Cli, io: Io) -> Result<u8> {
    let Cli { global, command } = cli;
    let mut ctx = Ctx::new(io, Env::system(), global);
    match command {
        Command::List(args) => list::run(*args, &mut ctx).await,
        Command::Get(args) => get::run(args, &mut ctx).await,
        Command::Comment(args) => comment::run(args, &mut ctx).await,
        Command::Close(args) => close::run(args, &mut ctx).await,
        Command::Create(args) => create::run(*args, &mut ctx).await,
        Command::Update(args) => update::run(args, &mut ctx).await,
        Command::Attach(cmd) => attach::run(cmd, &mut ctx).await,
        Command::Tags(args) => tags::run(args, &mut ctx).await,
        Command::Orgs(args) => orgs::run(args, &mut ctx).await,
        Command::Iocs(args) => iocs::run(args, &mut ctx).await,
        Command::Cw(cmd) => cw::run(cmd, &mut ctx).await,
        Command::Providers(args) => providers::run(args, &ctx),
        Command::Schema => schema::run(),
        Command::Config(args) => config::run(args, &mut ctx),
        Command::Sync(args) => sync::run(args, &mut ctx).await,
        Command::State(cmd) => state::run(cmd, &mut ctx).await,
        #[cfg(feature = "sim")]
        Command::Sim(args) => sim::run(args).await,
        #[cfg(feature = "sim")]
        Command::Demo(args) => demo::run(args, &ctx).await,
        Command::Tls(cmd) => tls::run(cmd, &mut ctx).await,
        Command::Stats(args) => stats::run(*args, &mut ctx).await,
        Command::Watch(args) => watch::run(*args, &mut ctx).await,
        Command::Completions { shell } => {
            // Profile names as the config file has them now; a broken or absent file
            // still gives a script, without them.
            let profiles: Vec<String> = ctx
                .config()
                .map(|c| c.profiles.keys().cloned().collect())
                .unwrap_or_default();
            let names: Vec<&'static str> =
                crate::providers::PROVIDERS.iter().map(|p| p.name).collect();
            let mut cmd = completions::command(&names, &profiles);
            let mut out = ctx.io.out();
            clap_complete::generate(shell, &mut cmd, "tix", &mut out);
            out.flush()?;
            Ok(0)
        }
        Command::Man => {
            let mut out = ctx.io.out();
            clap_mangen::Man::new(self::command()).render(&mut out)?;
            out.flush()?;
            Ok(0)
        }
    }
}
