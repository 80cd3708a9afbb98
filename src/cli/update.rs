//! `tix update <provider> <id> [--status] [--priority] [--comment]`.

use super::get::print_ticket;
use super::output_args::OutputArgs;
use super::target::{self, Conn};
use super::{Ctx, words};
use crate::error::{Error, Result};
use crate::model::TicketUpdate;
use crate::source::Operation;

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// The provider (see `tix providers`).
    pub provider: String,
    /// The ticket's id.
    pub id: String,
    /// New normalized status: new, open, in_progress, waiting_customer, waiting_provider, resolved, closed.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// New normalized priority: critical, high, medium, low.
    #[arg(long, value_name = "PRIORITY")]
    pub priority: Option<String>,
    /// A comment added with the change.
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    #[command(flatten)]
    pub conn: Conn,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: UpdateArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.options(&ctx.io)?;
    let status = words::status_to_set("--status", args.status.as_deref())?;
    let priority = words::priority_to_set("--priority", args.priority.as_deref())?;
    if args.comment.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(Error::invalid("--comment", "", "non-empty text"));
    }
    let change = TicketUpdate {
        status,
        priority,
        comment: args.comment,
    };
    if change.is_empty() {
        return Err(Error::invalid(
            "--status",
            "",
            "at least one of --status, --priority, --comment",
        ));
    }
    let source = target::open(ctx, &args.provider, &args.conn, Operation::Update)?;
    let ticket = source.update(&args.id, &change).await?;
    print_ticket(&ctx.io, &opts, &ticket)?;
    Ok(0)
}
