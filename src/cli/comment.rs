//! `tix comment <provider> <id> [TEXT]`: adds a comment, sent exactly once.

use super::output_args::OutputArgs;
use super::target::{self, Conn};
use super::{Ctx, text_input};
use crate::error::Result;
use crate::output::write_records;
use crate::source::Operation;
use std::path::PathBuf;

/// The keys of a printed comment.
pub const COMMENT_KEYS: &[&str] = &["id", "author", "created", "internal", "body"];

#[derive(Debug, clap::Args)]
pub struct CommentArgs {
    /// The provider (see `tix providers`).
    pub provider: String,
    /// The ticket's id.
    pub id: String,
    /// The comment; without it, --file or stdin.
    #[arg(value_name = "TEXT")]
    pub text: Option<String>,
    /// Read the comment from this file (`-` = stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub conn: Conn,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: CommentArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.record_options(&ctx.io, COMMENT_KEYS)?;
    let body = text_input::read("<TEXT>", args.text.as_deref(), args.file.as_deref())?;
    let source = target::open(ctx, &args.provider, &args.conn, Operation::AddComment)?;
    let comment = source.add_comment(&args.id, &body).await?;
    write_records(&opts, COMMENT_KEYS, &[comment], &mut ctx.io.out())?;
    Ok(0)
}
