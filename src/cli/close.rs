//! `tix close <provider> <id> [--comment TEXT]`.

use super::Ctx;
use super::target::{self, Conn};
use crate::error::{Error, Result};
use crate::source::Operation;

#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    /// The provider (see `tix providers`).
    pub provider: String,
    /// The ticket's id.
    pub id: String,
    /// A closing comment, sent with the close where the API allows.
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    #[command(flatten)]
    pub conn: Conn,
}

pub async fn run(args: CloseArgs, ctx: &mut Ctx) -> Result<u8> {
    if args.comment.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(Error::invalid("--comment", "", "non-empty text"));
    }
    let source = target::open(ctx, &args.provider, &args.conn, Operation::Close)?;
    source.close(&args.id, args.comment.as_deref()).await?;
    ctx.io
        .note(&format!("closed {} {}", source.provider(), args.id));
    Ok(0)
}
