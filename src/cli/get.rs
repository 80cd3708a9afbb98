//! `tix get <provider> <id>`: one ticket in full, with its comments.

use super::output_args::OutputArgs;
use super::target::{self, Conn};
use super::{Ctx, Io};
use crate::error::{Error, Result};
use crate::model::{Query, Ticket};
use crate::output::{Format, OutputOptions, write_detail, writer};
use crate::source::Operation;
use crate::source::TicketSource;
use futures::StreamExt;
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
    let source = target::open(ctx, &args.provider, &args.conn, Operation::Get)?;
    let ticket = match source.get(&args.id).await {
        Ok(t) => t,
        // A table on a terminal shows long ids as a unique prefix, as git shows hashes;
        // such a prefix is taken here too.
        Err(e)
            if not_an_id(&e)
                && (MIN_PREFIX..=LONGEST_PREFIX).contains(&args.id.chars().count()) =>
        {
            match unique_prefix(source.as_ref(), &args.id).await? {
                Some(full) => source.get(&full).await?,
                None => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    print_ticket(&ctx.io, &opts, &ticket)?;
    Ok(0)
}

/// The shortest prefix `get` looks up (the table never shortens below 8).
const MIN_PREFIX: usize = 6;

/// The table shortens only ids longer than this (`output::table`'s `SHORT_ID`): a
/// longer id, or a match no longer than this, is a whole id that was not found, never
/// a prefix of another ticket's.
const LONGEST_PREFIX: usize = 20;

/// How many of the newest tickets a prefix is looked for in: the table that showed it
/// held recent tickets, and a prefix must never turn into a full pull of a large tenant.
const PREFIX_SCAN: u64 = 10_000;

/// The provider refused the id's shape before any request: Sonar wants a whole GUID,
/// Arctic Wolf `ORG/NUMBER`, the two whose ids the table shortens. A well-formed id that
/// is not found stays not found, with no extra request.
fn not_an_id(e: &Error) -> bool {
    matches!(e, Error::InvalidArgument { flag, .. } if flag == "<id>")
}

/// The one id among the newest [`PREFIX_SCAN`] tickets that starts with `prefix`; an
/// error naming the candidates when several do.
async fn unique_prefix(source: &dyn TicketSource, prefix: &str) -> Result<Option<String>> {
    let query = Query {
        limit: Some(PREFIX_SCAN),
        concurrency: 4,
        ..Query::default()
    };
    let mut stream = source.list(&query);
    let mut found: Vec<String> = Vec::new();
    while let Some(t) = stream.next().await {
        let t = t?;
        if t.id.chars().count() > LONGEST_PREFIX
            && t.id.starts_with(prefix)
            && !found.contains(&t.id)
        {
            found.push(t.id);
            if found.len() > 1 {
                return Err(Error::invalid(
                    "<id>",
                    prefix,
                    format!("a unique prefix; it starts {}", found.join(" and ")),
                ));
            }
        }
    }
    Ok(found.pop())
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
