//! `tix iocs --provider P [--since] [--until] [--limit]`: indicators of compromise.

use super::output_args::OutputArgs;
use super::target::{self, Conn};
use super::{Ctx, when};
use crate::error::{Error, Result};
use crate::model::{Ioc, IocQuery};
use crate::output::write_records;
use crate::source::Operation;

#[derive(Debug, clap::Args)]
pub struct IocsArgs {
    /// The provider (see `tix providers`).
    #[arg(short, long, value_name = "NAME")]
    pub provider: String,
    /// Indicators from this moment on [default: the provider's, Cyderes 7 days].
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Indicators up to this moment.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Print at most N.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    #[command(flatten)]
    pub conn: Conn,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(args: IocsArgs, ctx: &mut Ctx) -> Result<u8> {
    let opts = args.out.record_options(&ctx.io, Ioc::FIELDS)?;
    let (since, until) = when::window(
        args.since.as_deref(),
        args.until.as_deref(),
        chrono::Utc::now(),
    )?;
    if args.limit == Some(0) {
        return Err(Error::invalid("--limit", 0, "a positive integer"));
    }
    let source = target::open(ctx, &args.provider, &args.conn, Operation::Iocs)?;
    let mut iocs = source
        .iocs(&IocQuery {
            since,
            until,
            limit: args.limit,
        })
        .await?;
    if let Some(l) = args.limit {
        iocs.truncate(l as usize);
    }
    write_records(&opts, Ioc::FIELDS, &iocs, &mut ctx.io.out())?;
    if iocs.is_empty() {
        ctx.io.note("no indicators");
    }
    Ok(0)
}
