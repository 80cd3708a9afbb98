//! `tix get <provider> <id>`: one ticket in full, with its comments.

use super::Ctx;
use super::output_args::OutputArgs;
use crate::config::Selection;
use crate::error::Result;
use crate::output::{Format, write_detail, writer};
use crate::source;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The provider (see `tix providers`).
    pub provider: String,
    /// The ticket's id, as `tix list` prints it.
    pub id: String,
    /// Use this base URL instead of the profile's or the environment's.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Also trust this CA certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: GetArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.options(&ctx.io)?;
    let info = source::provider(&args.provider)?;
    if !info.capabilities.get {
        return Err(crate::Error::Unsupported {
            provider: info.name.into(),
            operation: "get",
        });
    }
    let source = ctx.source(Selection {
        provider: Some(args.provider.clone()),
        profile: None,
        base_url: args.base_url.clone(),
        ca_file: args.ca_file.clone(),
    })?;
    let ticket = source.get(&args.id).await?;
    let mut out = ctx.io.out();
    if opts.format == Format::Table && opts.fields.is_none() {
        write_detail(&opts, &ticket, &mut out)?;
        out.flush()?;
    } else if opts.format == Format::Json && opts.fields.is_none() {
        // One ticket is one JSON object, so `tix get ... -o json | jq .status` works.
        serde_json::to_writer_pretty(&mut out, &ticket).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        let mut w = writer(&opts, out);
        w.write(&ticket)?;
        w.finish()?;
    }
    Ok(0)
}
