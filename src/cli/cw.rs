//! `tix cw …`: ConnectWise Manage as the place MSSP tickets land. The keys come from
//! `TIX_CW_SITE`, `TIX_CW_COMPANY`, `TIX_CW_PUBLIC_KEY`, `TIX_CW_PRIVATE_KEY` and
//! `TIX_CW_CLIENT_ID` only, never from flags (argv is visible to every user).

use super::Ctx;
use crate::error::{Error, Result};
use crate::sinks::connectwise::{CwClient, CwConfig, TargetSpec, check, parse_priority_map};
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum CwCommand {
    /// Check the keys, the board, the status, the company and the security role before
    /// any ticket is written; names the missing permission.
    Check(CheckArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Sync will push no attachments (the source has none): do not require
    /// Companies › Manage Attachments — Add.
    #[arg(long)]
    pub no_attachments: bool,
}

/// Where tickets land on the ConnectWise side.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Service board, by name or id.
    #[arg(long, value_name = "NAME|ID")]
    pub board: String,
    /// Status of that board new tickets get, by name or id.
    #[arg(long, value_name = "NAME|ID")]
    pub status: String,
    /// Company the tickets belong to: its id or its identifier (Companies > Company ID).
    #[arg(long, value_name = "ID")]
    pub company: String,
    /// ConnectWise priority per tix priority, e.g. critical=1,high=2,medium=3,low=4
    /// (ids or names); unmapped priorities get the board's default.
    #[arg(long, value_name = "MAP")]
    pub priority_map: Option<String>,
}

impl TargetArgs {
    /// The target as typed, with the priority map checked before any request.
    pub fn spec(&self) -> Result<TargetSpec> {
        Ok(TargetSpec {
            board: self.board.clone(),
            status: self.status.clone(),
            company: self.company.clone(),
            priorities: match &self.priority_map {
                Some(m) => parse_priority_map(m)?,
                None => Vec::new(),
            },
        })
    }
}

/// `tix sync --to connectwise …`: the flags `tix sync` takes for pushing instead of
/// writing files.
#[derive(Debug, Clone, clap::Args)]
pub struct SyncToArgs {
    /// Push each new or changed ticket to an ITSM instead of writing files: connectwise.
    #[arg(long, value_parser = ["connectwise"], value_name = "ITSM", conflicts_with = "out")]
    pub to: Option<String>,
    /// ConnectWise service board, by name or id (with --to connectwise).
    #[arg(long, value_name = "NAME|ID")]
    pub board: Option<String>,
    /// Status new ConnectWise tickets get, by name or id (with --to connectwise).
    #[arg(long, value_name = "NAME|ID")]
    pub status: Option<String>,
    /// ConnectWise company: its id or identifier (with --to connectwise).
    #[arg(long, value_name = "ID")]
    pub company: Option<String>,
    /// ConnectWise priority per tix priority, e.g. critical=1,high=2 (ids or names).
    #[arg(long, value_name = "MAP")]
    pub priority_map: Option<String>,
    /// Also bring Discussion notes people write in ConnectWise back as comments, where
    /// the provider takes comments.
    #[arg(long)]
    pub two_way: bool,
    /// With --two-way: close the provider's ticket when it is closed in ConnectWise.
    #[arg(long)]
    pub close_upstream: bool,
    /// With --to connectwise: tickets fetched and pushed at once, 1..=32 (each host sees
    /// at most this many requests in flight; one ticket's writes stay in order).
    #[arg(long, value_name = "N", default_value_t = crate::sinks::connectwise::sink::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}

impl Default for SyncToArgs {
    fn default() -> Self {
        SyncToArgs {
            to: None,
            board: None,
            status: None,
            company: None,
            priority_map: None,
            two_way: false,
            close_upstream: false,
            concurrency: crate::sinks::connectwise::sink::DEFAULT_CONCURRENCY,
        }
    }
}

/// The largest `--concurrency` of a push: more would only queue at ConnectWise.
pub const MAX_CONCURRENCY: usize = 32;

impl SyncToArgs {
    /// The target as typed, checked before any request.
    pub fn spec(&self) -> Result<Option<TargetSpec>> {
        if self.to.is_none() {
            let given = [
                ("--board", self.board.is_some()),
                ("--status", self.status.is_some()),
                ("--company", self.company.is_some()),
                ("--priority-map", self.priority_map.is_some()),
                ("--two-way", self.two_way),
                ("--close-upstream", self.close_upstream),
                (
                    "--concurrency",
                    self.concurrency != crate::sinks::connectwise::sink::DEFAULT_CONCURRENCY,
                ),
            ];
            if let Some((flag, _)) = given.iter().find(|(_, set)| *set) {
                return Err(Error::invalid(
                    "--to",
                    "",
                    format!("required with {flag}: connectwise"),
                ));
            }
            return Ok(None);
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(Error::invalid(
                "--concurrency",
                self.concurrency,
                format!("an integer in 1..={MAX_CONCURRENCY}"),
            ));
        }
        if self.close_upstream && !self.two_way {
            return Err(Error::invalid(
                "--close-upstream",
                "true",
                "only with --two-way",
            ));
        }
        let need = |v: &Option<String>, flag: &str| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| Error::invalid(flag, "", "required with --to connectwise"))
        };
        Ok(Some(TargetSpec {
            board: need(&self.board, "--board")?,
            status: need(&self.status, "--status")?,
            company: need(&self.company, "--company")?,
            priorities: match &self.priority_map {
                Some(m) => parse_priority_map(m)?,
                None => Vec::new(),
            },
        }))
    }
}

/// The ConnectWise client from the environment, with the global retry budget and
/// request bounds.
pub async fn connect(ctx: &Ctx) -> Result<CwClient> {
    let mut cfg = CwConfig::from_env(&ctx.env)?;
    cfg.retry.retries = ctx.global.retries;
    cfg.limits = super::limits_args::limits(&ctx.global);
    CwClient::connect(&cfg).await
}

pub async fn run(cmd: CwCommand, ctx: &mut Ctx) -> Result<u8> {
    match cmd {
        CwCommand::Check(args) => {
            let spec = args.target.spec()?;
            let cw = connect(ctx).await?;
            let findings = check::check(&cw, &spec, !args.no_attachments).await;
            let mut out = ctx.io.out();
            for f in &findings {
                let mark = if f.ok { "ok  " } else { "FAIL" };
                // The detail quotes ConnectWise (board names, error text): a terminal gets
                // it escaped.
                let detail = crate::output::sanitize::line(&f.detail);
                writeln!(out, "{mark}  {:<12} {detail}", f.what)?;
            }
            out.flush()?;
            match check::verdict(&findings) {
                Some(e) => Err(e),
                None => Ok(0),
            }
        }
    }
}
