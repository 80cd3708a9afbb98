//! `tix demo`: the simulator in-process, and what tix shows of it, with the commands.

use super::Ctx;
use crate::config::SourceConfig;
use crate::error::Result;
use crate::http::HttpOptions;
use crate::model::{Query, SortField, SortOrder, Ticket};
use crate::output::{Format, OutputOptions, write_detail, writer};
use crate::providers::PROVIDERS;
use crate::sinks::connectwise::{CwClient, CwConfig, MemoryLedger, PushReport, Pusher, TargetSpec};
use crate::source::TicketSource;
use futures::TryStreamExt;
use secrecy::SecretString;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use tix_sim::{self as sim, SimOptions};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Recent tickets to show per provider.
    #[arg(long, default_value_t = 5)]
    pub per_provider: u64,
}

/// The port the printed commands use for a simulator the reader starts by hand.
const SIM_PORT: u16 = 8787;

pub async fn run(args: DemoArgs, ctx: &Ctx) -> Result<u8> {
    let handle = sim::start(
        SimOptions::default(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await?;
    let mut out = ctx.io.out();
    writeln!(
        out,
        "tix demo: every provider API simulated on {} (no network, no key)\n",
        handle.addr()
    )?;
    writeln!(
        out,
        "To run these commands yourself, start the simulator in another terminal:"
    )?;
    writeln!(out, "  $ tix sim --port {SIM_PORT}\n")?;

    let mut recent: Vec<Ticket> = Vec::new();
    let mut sources: Vec<Box<dyn TicketSource>> = Vec::new();
    for info in PROVIDERS {
        let url = url::Url::parse(&handle.base_url(info.name)).expect("the simulator's URL parses");
        let cfg = SourceConfig {
            provider: &info.spec,
            profile: None,
            http: HttpOptions::new(url),
            api_key: SecretString::from("demo"),
            options: Default::default(),
        };
        let source = crate::providers::build(cfg)?;
        let query = Query {
            sort: Some((SortField::Created, SortOrder::Desc)),
            limit: Some(args.per_provider),
            concurrency: 1,
            ..Query::default()
        };
        let mut got: Vec<Ticket> = source.list(&query).try_collect().await?;
        recent.append(&mut got);
        sources.push(source);
    }
    recent.sort_by_key(|t| std::cmp::Reverse(t.created));

    let names: Vec<&str> = PROVIDERS.iter().map(|p| p.name).collect();
    writeln!(out, "Recent tickets from {}:", names.join(", "))?;
    for p in PROVIDERS {
        writeln!(
            out,
            "  $ TIX_{env}_URL=http://127.0.0.1:{SIM_PORT}/{name} {key}=demo \\\n      tix list --provider {name} --sort created --limit {n}",
            env = p.env,
            key = p.key_var(),
            name = p.name,
            n = args.per_provider
        )?;
    }
    writeln!(out)?;
    let opts = OutputOptions {
        format: Format::Table,
        fields: None,
        color: ctx.io.color,
        width: ctx.io.width,
        tty: true,
        now: chrono::Utc::now(),
        jq: None,
        csv_raw: false,
        wide: false,
        utc: false,
    };
    {
        let mut table = writer(&opts, Box::new(&mut out));
        for t in &recent {
            table.write(t)?;
        }
        table.finish()?;
    }

    if let Some(first) = recent.first()
        && let Some(source) = sources.iter().find(|s| s.provider() == first.provider)
    {
        let info = PROVIDERS
            .iter()
            .find(|p| p.name == first.provider)
            .expect("listed providers are registered");
        let full = source.get(&first.id).await?;
        writeln!(out, "\nOne ticket in full, with its comments:")?;
        writeln!(
            out,
            "  $ TIX_{env}_URL=http://127.0.0.1:{SIM_PORT}/{name} {key}=demo tix get {name} {id}\n",
            env = info.env,
            key = info.key_var(),
            name = info.name,
            id = first.id
        )?;
        write_detail(&opts, &full, &mut out)?;
    }
    connectwise(&handle.base_url("connectwise"), &sources, &recent, &mut out).await?;
    writeln!(
        out,
        "\nFor programs: add -o json, -o jsonl or -o csv; `tix schema` prints the ticket's JSON Schema."
    )?;
    out.flush()?;
    handle.shutdown().await;
    Ok(0)
}

/// The demo's ConnectWise step: the tickets just shown land on a simulated board.
async fn connectwise(
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
