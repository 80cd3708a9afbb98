//! `tix providers`: what tix can talk to, from the registry: the providers tickets come
//! from and ConnectWise Manage, the ITSM they can be pushed to.

use super::Ctx;
use super::output_args::OutputArgs;
use crate::error::Result;
use crate::output::{Format, write_records};
use crate::providers::{PROVIDERS, ProviderInfo};
use crate::sinks::connectwise;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct ProvidersArgs {
    /// The same as `-o json`.
    #[arg(long, conflicts_with = "output")]
    pub json: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// One row of `tix providers`.
#[derive(Debug, Serialize)]
struct Row {
    name: &'static str,
    /// `source` (tickets come from it) or `sink` (tickets are pushed to it).
    role: &'static str,
    /// What it supports, in words (`adding comments`); the table shows these.
    can: Vec<String>,
    /// The same as operation names (`add_comment`), stable for scripts.
    supports: Vec<&'static str>,
    page_size: Option<serde_json::Value>,
    default_base_url: Option<&'static str>,
    env: Vec<String>,
}

const KEYS: &[&str] = &[
    "name",
    "role",
    "can",
    "supports",
    "page_size",
    "default_base_url",
    "env",
];

/// What ConnectWise Manage does as the place tickets land.
const SINK_OPERATIONS: &[(&str, &str)] = &[
    ("push", "receiving tickets (tix sync --to connectwise)"),
    ("notes", "notes both ways (--two-way)"),
    ("attachments", "attachments as documents"),
    ("close_upstream", "closing upstream (--close-upstream)"),
    ("check", "checking setup (tix cw check)"),
];

pub fn run(args: ProvidersArgs, ctx: &Ctx) -> Result<u8> {
    let mut out_args = args.out.clone();
    if args.json {
        out_args.output = Some("json".into());
    }
    // A short list for people: a table unless asked otherwise, even in a pipe.
    if out_args.output.is_none() {
        out_args.output = Some("table".into());
    }
    let opts = out_args.record_options(&ctx.io, KEYS)?;
    let mut rows: Vec<Row> = PROVIDERS.iter().map(source_row).collect();
    rows.push(Row {
        name: connectwise::NAME,
        role: "sink",
        can: SINK_OPERATIONS
            .iter()
            .map(|(_, w)| (*w).to_owned())
            .collect(),
        supports: SINK_OPERATIONS.iter().map(|(n, _)| *n).collect(),
        page_size: None,
        default_base_url: None,
        env: connectwise::client::ENV_VARS
            .iter()
            .map(|v| (*v).to_owned())
            .collect(),
    });
    let mut out = ctx.io.out();
    if opts.format == Format::Table && opts.fields.is_none() {
        let width = if opts.width == 0 { 100 } else { opts.width };
        write_blocks(&rows, width, &mut out)?;
    } else {
        write_records(&opts, KEYS, &rows, &mut out)?;
    }
    Ok(0)
}

/// The people's view: one block per provider, its capabilities in words, wrapped to
/// `width` between items (a capability is never split).
fn write_blocks(rows: &[Row], width: usize, out: &mut dyn Write) -> std::io::Result<()> {
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{} ({})", r.name, r.role)?;
        for (label, items) in [("can", &r.can), ("env", &r.env)] {
            let mut line = format!("  {label}  ");
            let indent = line.len();
            for (n, item) in items.iter().enumerate() {
                let piece = if n + 1 < items.len() {
                    format!("{item},")
                } else {
                    item.clone()
                };
                let fresh = line.len() == indent;
                if !fresh && line.chars().count() + 1 + piece.chars().count() > width {
                    writeln!(out, "{line}")?;
                    line = " ".repeat(indent);
                }
                if line.len() > indent {
                    line.push(' ');
                }
                line.push_str(&piece);
            }
            writeln!(out, "{line}")?;
        }
    }
    out.flush()
}

fn source_row(p: &ProviderInfo) -> Row {
    let supported: Vec<crate::source::Operation> = p.capabilities.operations().collect();
    Row {
        name: p.name,
        role: "source",
        can: supported.iter().map(|op| op.doing().to_owned()).collect(),
        supports: supported.iter().map(|op| op.name()).collect(),
        page_size: Some(serde_json::json!({"min": p.min_page_size, "max": p.max_page_size})),
        default_base_url: p.default_base_url,
        env: env_vars(p),
    }
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
