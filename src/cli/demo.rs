//! `tix demo`: the simulator in-process, and what tix shows of it, with the commands.

use super::Ctx;
use crate::config::SourceConfig;
use crate::error::Result;
use crate::http::HttpOptions;
use crate::model::{Query, SortField, SortOrder, Ticket};
use crate::output::{Format, OutputOptions, write_detail, writer};
use crate::sim::{self, SimOptions};
use crate::source::{PROVIDERS, TicketSource};
use futures::TryStreamExt;
use secrecy::SecretString;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

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
            provider: info,
            profile: None,
            http: HttpOptions::new(url),
            api_key: SecretString::from("demo"),
            options: Default::default(),
        };
        let source = (info.build)(cfg)?;
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
    super::cw::demo(&handle.base_url("connectwise"), &sources, &recent, &mut out).await?;
    writeln!(
        out,
        "\nFor programs: add -o json, -o jsonl or -o csv; `tix schema` prints the ticket's JSON Schema."
    )?;
    out.flush()?;
    handle.shutdown().await;
    Ok(0)
}
