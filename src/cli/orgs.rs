//! `tix orgs --provider P [--root ORG]`: the organizations a key can see.

use super::Ctx;
use super::output_args::OutputArgs;
use super::target::{self, Conn};
use crate::error::Result;
use crate::model::Org;
use crate::output::write_records;
use crate::source::Operation;

#[derive(Debug, clap::Args)]
pub struct OrgsArgs {
    /// The provider (see `tix providers`).
    #[arg(short, long, value_name = "NAME")]
    pub provider: String,
    /// Only this organization and those under it (id or name).
    #[arg(long, value_name = "ORG")]
    pub root: Option<String>,
    #[command(flatten)]
    pub conn: Conn,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: OrgsArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.record_options(&ctx.io, Org::FIELDS)?;
    let source = target::open(ctx, &args.provider, &args.conn, Operation::Orgs)?;
    let orgs = source.orgs(args.root.as_deref()).await?;
    write_records(&opts, Org::FIELDS, &orgs, &mut ctx.io.out())?;
    if orgs.is_empty() {
        ctx.io.note("no organizations");
    }
    Ok(0)
}
