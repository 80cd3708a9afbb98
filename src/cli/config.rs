//! `tix config show`: the profiles and environment tix would use, secrets masked.

use super::Ctx;
use crate::error::Result;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum ConfigAction {
    /// Print the resolved profiles (never a secret).
    Show {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ConfigArgs, ctx: &mut Ctx) -> Result<u8> {
    let ConfigAction::Show { json } = args.action;
    let env = ctx.env.clone();
    let file = ctx.config()?;
    let mut rows = crate::config::describe(file, &env, &crate::providers::Registry);
    // A base URL may carry `user:password@`: never shown.
    for r in &mut rows {
        r.base_url = r.base_url.as_deref().map(crate::http::redact::url_text);
    }
    let source = file.describe();
    let mut out = ctx.io.out();
    if json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name, "provider": r.provider, "base_url": r.base_url,
                    "api_key": r.key_source, "ca_file": r.ca_file,
                    "pin_sha256": r.pin_sha256,
                })
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({"file": source, "profiles": list}),
        )
        .map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        writeln!(out, "config: {source}")?;
        let mut table = comfy_table::Table::new();
        table
            .force_no_tty()
            .load_style(comfy_table::presets::NOTHING);
        table.set_header([
            "PROFILE",
            "PROVIDER",
            "BASE URL",
            "API KEY FROM",
            "CA FILE",
            "PIN SHA256",
        ]);
        for r in &rows {
            // The file's text reaches a terminal here: an api_key_cmd may hold anything.
            let row = [
                r.name.clone(),
                r.provider.to_owned(),
                r.base_url.clone().unwrap_or_else(|| "-".into()),
                r.key_source.clone().unwrap_or_else(|| "(not set)".into()),
                r.ca_file
                    .as_ref()
                    .map_or("-".into(), |p| p.display().to_string()),
                r.pin_sha256.clone().unwrap_or_else(|| "-".into()),
            ];
            table.add_row(row.map(|c| crate::output::sanitize::line(&c).into_owned()));
        }
        if rows.is_empty() {
            writeln!(out, "no profiles and no TIX_<PROVIDER>_* variables set")?;
        } else {
            writeln!(out, "{}", table.trim_fmt())?;
        }
    }
    out.flush()?;
    Ok(0)
}
