//! `tix get <provider> <id>`: one ticket in full, with its comments.

use super::output_args::OutputArgs;
use super::target::{self, Conn};
use super::{Ctx, Io};
use crate::error::Result;
use crate::model::Ticket;
use crate::output::{Format, OutputOptions, write_detail, writer};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The provider (see `tix providers`).
    pub provider: String,
    /// The ticket's id, as `tix list` prints it.
    pub id: String,
    #[command(flatten)]
    pub conn: Conn,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: GetArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.options(&ctx.io)?;
    let source = target::open(ctx, &args.provider, &args.conn, "get")?;
    let ticket = source.get(&args.id).await?;
    print_ticket(&ctx.io, &opts, &ticket)?;
    Ok(0)
}

/// One ticket: the detail view on a terminal, one JSON object for `-o json` (so
/// `tix get ... -o json | jq .status` works), else the format's writer.
pub fn print_ticket(io: &Io, opts: &OutputOptions, ticket: &Ticket) -> Result<()> {
    let mut out = io.out();
    if opts.format == Format::Table && opts.fields.is_none() {
        write_detail(opts, ticket, &mut out)?;
        out.flush()?;
    } else if let Some(jq) = opts.jq.as_ref().filter(|_| opts.format == Format::Json) {
        // `-o json` prints the ticket itself, not an array: that is the filter's input.
        jq.write(ticket, &mut out)?;
        out.flush()?;
    } else if opts.format == Format::Json && opts.fields.is_none() {
        serde_json::to_writer_pretty(&mut out, ticket).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        let mut w = writer(opts, out);
        w.write(ticket)?;
        w.finish()?;
    }
    Ok(())
}
