//! `tix providers`: what tix can talk to, from the registry.

use super::Ctx;
use crate::error::Result;
use crate::providers::{PROVIDERS, ProviderInfo};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct ProvidersArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ProvidersArgs, ctx: &Ctx) -> Result<u8> {
    let mut out = ctx.io.out();
    if args.json {
        let list: Vec<serde_json::Value> = PROVIDERS
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "env": env_vars(p),
                    "default_base_url": p.default_base_url,
                    "page_size": {"min": p.min_page_size, "max": p.max_page_size},
                    "supports": p.capabilities.operations().map(|op| op.name()).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let mut table = comfy_table::Table::new();
        table
            .force_no_tty()
            .load_style(comfy_table::presets::NOTHING);
        table.set_header(["PROVIDER", "PAGE", "SUPPORTS", "ENVIRONMENT"]);
        for p in PROVIDERS {
            let ops: Vec<&str> = p.capabilities.operations().map(|op| op.name()).collect();
            table.add_row([
                p.name.to_owned(),
                format!("{}..={}", p.min_page_size, p.max_page_size),
                ops.join(", "),
                env_vars(p).join(", "),
            ]);
        }
        writeln!(out, "{}", table.trim_fmt())?;
    }
    out.flush()?;
    Ok(0)
}

/// The variables a provider reads: its URL, its key, and each of its own options
/// (Arctic Wolf's `TIX_ARCTICWOLF_TICKET_URL`).
fn env_vars(p: &ProviderInfo) -> Vec<String> {
    let mut vars = vec![format!("TIX_{}_URL", p.env), p.key_var()];
    vars.extend(
        p.options
            .iter()
            .map(|o| format!("TIX_{}_{}", p.env, o.to_ascii_uppercase())),
    );
    vars
}
