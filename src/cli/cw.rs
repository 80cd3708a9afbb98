//! `tix cw …`: ConnectWise Manage as the place MSSP tickets land. The keys come from
//! `TIX_CW_SITE`, `TIX_CW_COMPANY`, `TIX_CW_PUBLIC_KEY`, `TIX_CW_PRIVATE_KEY` and
//! `TIX_CW_CLIENT_ID` only, never from flags (argv is visible to every user).

use super::Ctx;
use crate::error::Result;
use crate::model::Ticket;
use crate::sinks::connectwise::{
    CwClient, CwConfig, MemoryLedger, PushReport, Pusher, TargetSpec, check, parse_priority_map,
};
use crate::source::TicketSource;
use std::io::Write;

#[derive(Debug, clap::Subcommand)]
pub enum CwCommand {
    /// Check the keys, the board, the status, the company and the security role before
    /// any ticket is written; names the missing permission.
    Check(TargetArgs),
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

/// The ConnectWise client from the environment, with the global retry budget.
pub async fn connect(ctx: &Ctx) -> Result<CwClient> {
    let mut cfg = CwConfig::from_env(&ctx.env)?;
    cfg.retry.retries = ctx.global.retries;
    CwClient::connect(&cfg).await
}

pub async fn run(cmd: CwCommand, ctx: &mut Ctx) -> Result<u8> {
    match cmd {
        CwCommand::Check(args) => {
            let spec = args.spec()?;
            let cw = connect(ctx).await?;
            let findings = check::check(&cw, &spec).await;
            let mut out = ctx.io.out();
            for f in &findings {
                let mark = if f.ok { "ok  " } else { "FAIL" };
                writeln!(out, "{mark}  {:<12} {}", f.what, f.detail)?;
            }
            out.flush()?;
            match check::verdict(&findings) {
                Some(e) => Err(e),
                None => Ok(0),
            }
        }
    }
}

/// The demo's ConnectWise step: the tickets just shown land on a simulated board.
pub async fn demo(
    site: &str,
    sources: &[Box<dyn TicketSource>],
    recent: &[Ticket],
    out: &mut dyn Write,
) -> Result<()> {
    let env = crate::config::Env::from_pairs([
        ("TIX_CW_SITE", site),
        ("TIX_CW_COMPANY", "demo"),
        ("TIX_CW_PUBLIC_KEY", "demo"),
        ("TIX_CW_PRIVATE_KEY", "demo"),
        ("TIX_CW_CLIENT_ID", "demo"),
    ]);
    let cw = CwClient::connect(&CwConfig::from_env(&env)?).await?;
    let spec = TargetSpec {
        board: "Security Operations".into(),
        status: "New (MSSP)".into(),
        company: "ACME".into(),
        priorities: Vec::new(),
    };
    let target = spec.resolve(&cw).await?;
    let pusher = Pusher {
        cw: &cw,
        target: &target,
    };
    let mut ledger = MemoryLedger::default();
    let mut report = PushReport::default();
    writeln!(
        out,
        "\nConnectWise Manage: the same tickets on a service board, once, with their comments:"
    )?;
    writeln!(
        out,
        "  $ TIX_CW_SITE=http://127.0.0.1:8787/connectwise TIX_CW_COMPANY=demo TIX_CW_PUBLIC_KEY=demo \\\n      TIX_CW_PRIVATE_KEY=demo TIX_CW_CLIENT_ID=demo tix cw check --board 'Security Operations' \\\n      --status 'New (MSSP)' --company ACME"
    )?;
    for t in recent {
        let Some(source) = sources.iter().find(|s| s.provider() == t.provider) else {
            continue;
        };
        let full = source.get(&t.id).await?;
        let cw_id = pusher
            .push(&mut ledger, source.as_ref(), &full, &mut report)
            .await?;
        writeln!(
            out,
            "  {} {:<38} → ConnectWise ticket {cw_id}",
            t.provider, t.id
        )?;
    }
    let first = report;
    // The same push again, as the next cron run would do it: nothing new to write.
    let mut again = PushReport::default();
    for t in recent {
        if let Some(source) = sources.iter().find(|s| s.provider() == t.provider) {
            let full = source.get(&t.id).await?;
            pusher
                .push(&mut ledger, source.as_ref(), &full, &mut again)
                .await?;
        }
    }
    writeln!(
        out,
        "  {} tickets created, {} Discussion notes; run again: {} created, {} notes.",
        first.created, first.notes, again.created, again.notes
    )?;
    Ok(())
}
