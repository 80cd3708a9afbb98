//! `tix config show`: every setting tix would use, each with where it comes from
//! (flag, profile, environment, built-in), secrets never shown.

use super::Ctx;
use crate::config::{Effective, Selection, Sourced};
use crate::error::{Error, Result};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum ConfigAction {
    /// Print each source's effective settings and where each comes from (never a secret).
    Show {
        /// Output format.
        #[arg(short = 'o', long = "output", value_name = "FORMAT", value_parser = ["table", "json"], default_value = "table")]
        output: String,
        /// The same as `-o json`.
        #[arg(long, conflicts_with = "output")]
        json: bool,
        /// Explain this provider as `--provider NAME` resolves it (with --base-url, --ca-file).
        #[arg(short, long, value_name = "NAME")]
        provider: Option<String>,
        /// As `tix list --base-url` would override it.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// As `tix list --ca-file` would override it.
        #[arg(long, value_name = "FILE")]
        ca_file: Option<std::path::PathBuf>,
    },
}

/// One explained selection: its label and its settings, or why it cannot be used.
struct Shown {
    label: String,
    result: std::result::Result<Vec<(String, Option<String>, String)>, String>,
}

pub fn run(args: ConfigArgs, ctx: &mut Ctx) -> Result<u8> {
    let ConfigAction::Show {
        output,
        json,
        provider,
        base_url,
        ca_file,
    } = args.action;
    let json = json || output == "json";
    let env = ctx.env.clone();
    let profile = ctx.global.profile.clone();
    let file = ctx.config()?;
    let catalog = crate::providers::Registry;
    let selections = if provider.is_some() || base_url.is_some() || ca_file.is_some() {
        vec![Selection {
            provider,
            profile: profile.clone(),
            base_url,
            ca_file,
            env_only: false,
        }]
    } else {
        crate::config::show_selections(file, &env, profile.as_deref(), &catalog)
    };
    let shown: Vec<Shown> = selections
        .iter()
        .map(|sel| Shown {
            label: label(sel),
            result: crate::config::effective(file, &env, sel, &catalog)
                .map(|e| settings(&e))
                .map_err(|e| e.to_string()),
        })
        .collect();
    let source = file.describe();
    let mut out = ctx.io.out();
    if json {
        let list: Vec<serde_json::Value> = shown
            .iter()
            .map(|s| match &s.result {
                Ok(rows) => {
                    let settings: serde_json::Map<String, serde_json::Value> = rows
                        .iter()
                        .map(|(k, v, from)| {
                            (k.clone(), serde_json::json!({"value": v, "from": from}))
                        })
                        .collect();
                    serde_json::json!({"selection": s.label, "settings": settings})
                }
                Err(e) => serde_json::json!({"selection": s.label, "error": e}),
            })
            .collect();
        serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({"file": source, "sources": list}),
        )
        .map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        writeln!(out, "config file: {source}")?;
        if shown.is_empty() {
            writeln!(out, "no profiles and no TIX_<PROVIDER>_* variables set")?;
        } else {
            let mut table = crate::output::plain_table(["SOURCE", "SETTING", "VALUE", "FROM"]);
            let mut errors = Vec::new();
            for s in &shown {
                match &s.result {
                    Ok(rows) => {
                        for (i, (k, v, from)) in rows.iter().enumerate() {
                            let first = if i == 0 { s.label.as_str() } else { "" };
                            let v = v.as_deref().unwrap_or("-");
                            // The file's text reaches a terminal here: a value may hold anything.
                            table.add_row(
                                [first, k.as_str(), v, from.as_str()]
                                    .map(|c| crate::output::sanitize::line(c).into_owned()),
                            );
                        }
                    }
                    Err(e) => errors.push(
                        crate::output::sanitize::line(&format!("{}: {e}", s.label)).into_owned(),
                    ),
                }
            }
            if !table.is_empty() {
                writeln!(out, "{}", table.trim_fmt())?;
            }
            for e in errors {
                writeln!(out, "{e}")?;
            }
        }
    }
    out.flush()?;
    // A selection that cannot resolve (two default-less profiles of one provider, a
    // missing URL) is a configuration error now, not on the next cron run.
    Ok(match shown.iter().find(|s| s.result.is_err()) {
        Some(_) => Error::Config(String::new()).exit_code(),
        None => 0,
    })
}

/// How the user would ask for this source.
fn label(sel: &Selection) -> String {
    match (&sel.profile, &sel.provider) {
        (Some(p), _) => format!("--profile {p}"),
        (None, Some(p)) => format!("--provider {p}"),
        (None, None) => "(none)".into(),
    }
}

/// Rows of (setting, value, where it comes from); an unset value says how to set it.
fn settings(e: &Effective<'_>) -> Vec<(String, Option<String>, String)> {
    let info = e.provider;
    let row = |name: &str, v: Option<(String, String)>, unset: String| match v {
        Some((value, from)) => (name.to_owned(), Some(value), from),
        None => (name.to_owned(), None, unset),
    };
    let text =
        |s: &Option<Sourced<String>>| s.as_ref().map(|s| (s.value.clone(), s.origin.to_string()));
    let mut rows = vec![
        (
            "provider".to_owned(),
            Some(info.name.to_owned()),
            match e.profile {
                Some(p) if p.explicit => format!("profile {} (named)", p.name),
                Some(p) => format!("profile {} (default for {})", p.name, info.name),
                None => "--provider".to_owned(),
            },
        ),
        row(
            "base_url",
            // A base URL may carry `user:password@`: never shown.
            e.base_url.as_ref().map(|s| {
                (
                    crate::http::redact::url_text(&s.value),
                    s.origin.to_string(),
                )
            }),
            format!("not set: TIX_{}_URL or a profile's base_url", info.env),
        ),
        row(
            "api_key",
            text(&e.api_key),
            format!("not set: {} or a profile's api_key_env", info.key_var()),
        ),
        row(
            "ca_file",
            e.ca_file
                .as_ref()
                .map(|c| (c.value.display().to_string(), c.origin.to_string())),
            String::new(),
        ),
        row("pin_sha256", text(&e.pin_sha256), String::new()),
    ];
    for (k, v) in &e.options {
        rows.push((
            format!("options.{k}"),
            Some(v.value.clone()),
            v.origin.to_string(),
        ));
    }
    rows
}
