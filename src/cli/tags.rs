//! `tix tags list|add|rm <provider> <id> [TAG...]`.

use super::Ctx;
use super::output_args::OutputArgs;
use super::target::{self, Conn};
use crate::error::{Error, Result};
use crate::output::write_records;
use crate::source::Operation;
use serde::Serialize;

const TAG_KEYS: &[&str] = &["tag"];

#[derive(Serialize)]
struct Tag<'a> {
    tag: &'a str,
}

#[derive(Debug, clap::Args)]
pub struct TagsArgs {
    /// What to do.
    #[arg(value_parser = ["list", "add", "rm"])]
    pub action: String,
    /// The provider (see `tix providers`).
    pub provider: String,
    /// The ticket's id.
    pub id: String,
    /// Tags to add or remove.
    #[arg(value_name = "TAG")]
    pub tags: Vec<String>,
    #[command(flatten)]
    pub conn: Conn,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: TagsArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.record_options(&ctx.io, TAG_KEYS)?;
    if args.action == "list" && !args.tags.is_empty() {
        return Err(Error::invalid(
            "<TAG>",
            args.tags.join(" "),
            "no tags with `list` (use add or rm)",
        ));
    }
    if args.action != "list" && args.tags.iter().all(|t| t.trim().is_empty()) {
        return Err(Error::invalid("<TAG>", "", "at least one tag"));
    }
    let source = target::open(ctx, &args.provider, &args.conn, Operation::Tags)?;
    let tags = match args.action.as_str() {
        "add" => source.add_tags(&args.id, &args.tags).await?,
        "rm" => {
            for t in &args.tags {
                source.remove_tag(&args.id, t).await?;
            }
            source.tags(&args.id).await?
        }
        _ => source.tags(&args.id).await?,
    };
    let rows: Vec<Tag> = tags.iter().map(|t| Tag { tag: t }).collect();
    write_records(&opts, TAG_KEYS, &rows, &mut ctx.io.out())?;
    Ok(0)
}
