//! `tix create <provider> --subject … --description …`: opens a ticket (an Argus case,
//! a Cyderes service request) and prints it as the provider now holds it.

use super::get::print_ticket;
use super::output_args::OutputArgs;
use super::target::{self, Conn};
use super::{Ctx, text_input, words};
use crate::error::{Error, Result};
use crate::model::NewTicket;
use crate::source::Operation;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The provider (see `tix providers`).
    pub provider: String,
    /// The subject (Cyderes: the request's short description).
    #[arg(long, visible_aliases = ["title", "name"], value_name = "TEXT")]
    pub subject: String,
    /// The description; or --description-file, or stdin.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Read the description from this file (`-` = stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "description")]
    pub description_file: Option<PathBuf>,
    /// Argus: the customer's id or shortname.
    #[arg(long, visible_alias = "tenant", value_name = "CUSTOMER")]
    pub customer: Option<String>,
    /// Argus: the service's shortname or id.
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// The provider's case or request type.
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// Normalized priority: critical, high, medium, low.
    #[arg(long, value_name = "PRIORITY")]
    pub priority: Option<String>,
    /// Cyderes: the request's category.
    #[arg(long, value_name = "CATEGORY")]
    pub category: Option<String>,
    /// Not used by Cyderes, whose one-line summary is --subject.
    #[arg(long, value_name = "TEXT")]
    pub short_description: Option<String>,
    /// Argus: visible only to those the provider restricts it to.
    #[arg(long)]
    pub restricted: bool,
    #[command(flatten)]
    pub conn: Conn,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: CreateArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.options(&ctx.io)?;
    if args.subject.trim().is_empty() {
        return Err(Error::invalid("--subject", "", "non-empty text"));
    }
    let priority = words::priority_to_set("--priority", args.priority.as_deref())?;
    let description = text_input::read(
        "--description",
        args.description.as_deref(),
        args.description_file.as_deref(),
    )?;
    let new = NewTicket {
        tenant: args.customer,
        service: args.service,
        kind: args.kind,
        title: args.subject,
        short_description: args.short_description,
        description,
        priority,
        category: args.category,
        restricted: args.restricted,
    };
    let source = target::open(ctx, &args.provider, &args.conn, Operation::Create)?;
    let ticket = source.create(&new).await?;
    print_ticket(&ctx.io, &opts, &ticket)?;
    Ok(0)
}
