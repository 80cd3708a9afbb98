//! `tix tls show URL`: the certificates a server presents, their SHA-256 fingerprints
//! (the values `pin_sha256` takes), and whether tix trusts the server under the settings
//! it would use for that URL, so an administrator can pick a CA file or copy a pin.

use super::Ctx;
use crate::config::{Catalog, ConfigFile, Env, Selection};
use crate::error::{Error, Result};
use crate::http::certificate::{CertSummary, hex};
use crate::http::tls::{self, Trust};
use crate::http::tls_errors::SettingNames;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

#[derive(Debug, clap::Subcommand)]
pub enum TlsCommand {
    /// Print the certificate chain a server presents, each certificate's fingerprints,
    /// and whether tix trusts it under the current settings (exit 1 when it does not).
    Show(ShowArgs),
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The server, e.g. https://sonar.example:8443 (a provider's base URL as it is).
    pub url: String,
    /// Judge with this source's settings (a provider, or connectwise); by default, those
    /// of the configured source whose URL has the same host and port.
    #[arg(short, long, value_name = "NAME")]
    pub provider: Option<String>,
    /// A CA file (PEM) to try instead of the configured one.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// A pin to try instead of the configured one.
    #[arg(long, value_name = "SHA256")]
    pub pin_sha256: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The trust settings `show` judges with, and where they came from.
struct Settings {
    from: String,
    ca_file: Option<PathBuf>,
    pin: Option<String>,
    names: SettingNames,
}

pub async fn run(cmd: TlsCommand, ctx: &mut Ctx) -> Result<u8> {
    let TlsCommand::Show(args) = cmd;
    let url = Url::parse(args.url.trim())
        .ok()
        .filter(|u| u.scheme() == "https" && u.host().is_some())
        .ok_or_else(|| Error::invalid("URL", &args.url, "an https:// URL with a host"))?;
    let mut settings = settings(&args, &url, ctx)?;
    if args.ca_file.is_some() || args.pin_sha256.is_some() {
        settings.from = format!("{} with the flags given", settings.from);
        settings.ca_file = args.ca_file.clone().or(settings.ca_file);
        settings.pin = args.pin_sha256.clone().or(settings.pin);
    }
    let trust = Trust {
        ca_file: settings.ca_file.as_deref(),
        pin_sha256: settings.pin.as_deref(),
    };
    let seen = tls::inspect(&url, &trust, Duration::from_secs(10)).await?;
    let origin = url.origin().ascii_serialization();
    let mut out = ctx.io.out();
    if args.json {
        let chain: Vec<serde_json::Value> = seen.chain.iter().map(cert_json).collect();
        let verdict = match &seen.verdict {
            Ok(how) => serde_json::json!({"trusted": true, "why": how.to_string()}),
            Err(reason) => serde_json::json!({
                "trusted": false, "why": reason.to_string(),
                "fix": settings.names.fix(reason, &origin),
            }),
        };
        let doc = serde_json::json!({
            "url": origin, "protocol": seen.protocol, "chain": chain,
            "settings": {"from": settings.from, "ca_file": settings.ca_file, "pin_sha256": settings.pin},
            "verdict": verdict,
        });
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let n = seen.chain.len();
        writeln!(
            out,
            "{origin} presents {n} certificate{}{}",
            if n == 1 { "" } else { "s" },
            seen.protocol
                .as_deref()
                .map_or(String::new(), |p| format!(" ({p})"))
        )?;
        for (i, cert) in seen.chain.iter().enumerate() {
            writeln!(out)?;
            let role = if i == 0 { "server" } else { "intermediate" };
            writeln!(out, "[{i}] {role}")?;
            let Some(c) = cert else {
                writeln!(out, "  (a certificate tix cannot read)")?;
                continue;
            };
            writeln!(out, "  subject     {}", c.subject)?;
            let own = if c.self_issued { " (self-signed)" } else { "" };
            writeln!(out, "  issuer      {}{own}", c.issuer)?;
            writeln!(
                out,
                "  valid       {} to {}",
                c.not_before.format("%Y-%m-%d %H:%M:%S UTC"),
                c.not_after.format("%Y-%m-%d %H:%M:%S UTC")
            )?;
            let names = if c.names.is_empty() {
                "(no subject alternative name)".to_owned()
            } else {
                c.names.join(", ")
            };
            writeln!(out, "  names       {names}")?;
            writeln!(out, "  sha256      {}", hex(&c.sha256))?;
            writeln!(out, "  key sha256  {}", hex(&c.spki_sha256))?;
        }
        writeln!(out)?;
        let shown = |p: &Option<String>| p.clone().unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "settings: {}: ca_file {}, pin_sha256 {}",
            settings.from,
            settings
                .ca_file
                .as_ref()
                .map_or("-".into(), |p| p.display().to_string()),
            shown(&settings.pin)
        )?;
        match &seen.verdict {
            Ok(how) => writeln!(out, "trusted: yes, {how}")?,
            Err(reason) => {
                writeln!(out, "trusted: no, {reason}")?;
                writeln!(out, "fix: {}", settings.names.fix(reason, &origin))?;
            }
        }
        writeln!(
            out,
            "pin_sha256 takes the server certificate's sha256, or its key sha256 (which \
             survives a new certificate for the same key)"
        )?;
    }
    out.flush()?;
    Ok(if seen.verdict.is_ok() { 0 } else { 1 })
}

fn cert_json(cert: &Option<CertSummary>) -> serde_json::Value {
    match cert {
        None => serde_json::Value::Null,
        Some(c) => serde_json::json!({
            "subject": c.subject, "issuer": c.issuer, "self_signed": c.self_issued,
            "not_before": c.not_before, "not_after": c.not_after, "names": c.names,
            "sha256": hex(&c.sha256), "spki_sha256": hex(&c.spki_sha256),
        }),
    }
}

/// The settings of `--provider`/`--profile`, else of the source configured for the
/// same host and port, else none (the system's roots).
fn settings(args: &ShowArgs, url: &Url, ctx: &mut Ctx) -> Result<Settings> {
    let env = ctx.env.clone();
    let profile = ctx.global.profile.clone();
    let file = ctx.config()?;
    let registry = crate::providers::Registry;
    let connectwise = || Settings {
        from: "connectwise (TIX_CW_*)".into(),
        ca_file: env.get("TIX_CW_CA_FILE").map(PathBuf::from),
        pin: env.get("TIX_CW_PIN_SHA256"),
        names: SettingNames {
            env_prefix: "TIX_CW".into(),
            profile: false,
        },
    };
    if let Some(p) = &args.provider
        && matches!(p.to_ascii_lowercase().as_str(), "connectwise" | "cw")
    {
        return Ok(connectwise());
    }
    if args.provider.is_some() || profile.is_some() {
        let sel = Selection {
            provider: args.provider.clone(),
            profile,
            ..Selection::default()
        };
        let eff = crate::config::effective(file, &env, &sel, &registry)?;
        return Ok(provider_settings(&eff));
    }
    if let Some(found) = same_host(file, &env, url, &registry) {
        return Ok(found);
    }
    if env
        .get("TIX_CW_SITE")
        .and_then(|s| Url::parse(&s).ok())
        .is_some_and(|s| same_origin(&s, url))
    {
        return Ok(connectwise());
    }
    Ok(Settings {
        from: "no source configured for this host".into(),
        ca_file: None,
        pin: None,
        names: SettingNames {
            env_prefix: "TIX_<PROVIDER>".into(),
            profile: true,
        },
    })
}

/// The trust settings of one resolved source, in the precedence every command uses.
fn provider_settings(eff: &crate::config::Effective<'_>) -> Settings {
    let info = eff.provider;
    Settings {
        from: match &eff.profile {
            Some(p) => format!("{} (profile {})", info.name, p.name),
            None => format!("{} (TIX_{}_*)", info.name, info.env),
        },
        ca_file: eff.ca_file.as_ref().map(|c| c.value.clone()),
        pin: eff.pin_sha256.as_ref().map(|p| p.value.clone()),
        names: SettingNames {
            env_prefix: format!("TIX_{}", info.env),
            profile: true,
        },
    }
}

/// The first profile, then the first `TIX_<PROVIDER>_URL`, that points at `url`'s host and port.
fn same_host(file: &ConfigFile, env: &Env, url: &Url, registry: &dyn Catalog) -> Option<Settings> {
    for (name, p) in &file.profiles {
        let Ok(info) = registry.find(&p.provider) else {
            continue;
        };
        let base = p
            .base_url
            .clone()
            .or_else(|| env.get(&format!("TIX_{}_URL", info.env)))
            .or(info.default_base_url.map(str::to_owned));
        if base
            .and_then(|b| Url::parse(&b).ok())
            .is_some_and(|b| same_origin(&b, url))
        {
            let sel = Selection {
                profile: Some(name.clone()),
                ..Selection::default()
            };
            if let Ok(eff) = crate::config::effective(file, env, &sel, registry) {
                return Some(provider_settings(&eff));
            }
        }
    }
    registry.specs().into_iter().find_map(|info| {
        env.get(&format!("TIX_{}_URL", info.env))
            .and_then(|b| Url::parse(&b).ok())
            .filter(|b| same_origin(b, url))
            .and_then(|_| {
                let sel = Selection {
                    provider: Some(info.name.to_owned()),
                    env_only: true,
                    ..Selection::default()
                };
                crate::config::effective(file, env, &sel, registry).ok()
            })
            .map(|eff| provider_settings(&eff))
    })
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.host() == b.host() && a.port_or_known_default() == b.port_or_known_default()
}
