//! Profiles, the environment and secrets: everything that decides where a source
//! connects and with which key.
//!
//! Order of precedence for one source: `--base-url` over the profile over
//! `TIX_<PROVIDER>_URL` over the provider's public URL; the key from the profile
//! (`api_key_cmd`, `api_key_env`, or a literal `api_key` in a file only its owner can
//! read) else `TIX_<PROVIDER>_API_KEY`. There is deliberately no `--api-key` flag:
//! argv is visible to every user of the machine.

mod catalog;
mod env;
mod file;
mod secret;

pub use catalog::{Catalog, ProviderSpec};
pub use env::Env;
pub use file::{ConfigFile, Profile};

use crate::error::{Error, Result};
use crate::http::HttpOptions;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::path::PathBuf;
use url::Url;

/// What the user picked on the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub provider: Option<String>,
    pub profile: Option<String>,
    pub base_url: Option<String>,
    pub ca_file: Option<PathBuf>,
}

/// Everything needed to build one source.
pub struct SourceConfig {
    pub provider: &'static ProviderSpec,
    /// The profile it came from, if any (for messages).
    pub profile: Option<String>,
    pub http: HttpOptions,
    pub api_key: SecretString,
    /// The provider's own settings from the profile's `options` table or
    /// `TIX_<ENV>_<NAME>` (profile first); only names in `ProviderInfo::options`.
    pub options: BTreeMap<String, String>,
}

/// Where a resolved value came from, for `tix config show` (never the value of a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    pub provider: &'static str,
    pub base_url: Option<String>,
    pub key_source: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub pin_sha256: Option<String>,
}

/// Picks the profile for `sel`: `--profile` by name; else, for `--provider X`, a
/// profile named X or the only profile whose provider is X; else none (env alone).
pub fn pick<'a>(
    file: &'a ConfigFile,
    sel: &Selection,
    catalog: &dyn Catalog,
) -> Result<(Option<(&'a str, &'a Profile)>, &'static ProviderSpec)> {
    if let Some(name) = &sel.profile {
        let (name, profile) = file.profiles.get_key_value(name).ok_or_else(|| {
            let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            Error::Config(format!(
                "no profile '{name}' in {}{}",
                file.describe(),
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (profiles: {})", known.join(", "))
                }
            ))
        })?;
        let info = catalog.find(&profile.provider).map_err(|_| {
            Error::Config(format!(
                "profile '{name}' names unknown provider '{}' (known: {})",
                profile.provider,
                catalog.names()
            ))
        })?;
        if let Some(p) = &sel.provider
            && !p.eq_ignore_ascii_case(info.name)
        {
            return Err(Error::Config(format!(
                "profile '{name}' is for {}, not {p}",
                info.name
            )));
        }
        return Ok((Some((name.as_str(), profile)), info));
    }
    let Some(provider) = &sel.provider else {
        return Err(Error::invalid(
            "--provider",
            "",
            format!("required; one of: {}", catalog.names()),
        ));
    };
    let info = catalog.find(provider)?;
    if let Some((name, p)) = file.profiles.get_key_value(info.name) {
        return Ok((Some((name.as_str(), p)), info));
    }
    let mut of_provider = file
        .profiles
        .iter()
        .filter(|(_, p)| p.provider.eq_ignore_ascii_case(info.name));
    match (of_provider.next(), of_provider.next()) {
        (Some((name, p)), None) => Ok((Some((name.as_str(), p)), info)),
        (Some((a, _)), Some((b, _))) => Err(Error::Config(format!(
            "several {} profiles ({a}, {b}, ...): choose one with --profile",
            info.name
        ))),
        _ => Ok((None, info)),
    }
}

/// Resolves one source's URL, key and TLS settings.
pub fn resolve(
    file: &ConfigFile,
    env: &Env,
    sel: &Selection,
    catalog: &dyn Catalog,
) -> Result<SourceConfig> {
    let (profile, info) = pick(file, sel, catalog)?;
    let base_url = base_url(info, profile.map(|p| p.1), env, sel)?;
    let api_key = match profile.and_then(|(name, p)| p.key(name, file).transpose()) {
        Some(key) => key?,
        None => env
            .get(&info.key_var())
            .map(SecretString::from)
            .ok_or_else(|| Error::Auth {
                provider: info.name.into(),
                message: format!(
                    "no API key: set {}, or api_key_env / api_key_cmd in a profile",
                    info.key_var()
                ),
            })?,
    };
    let mut options = BTreeMap::new();
    if let Some((name, p)) = profile {
        for (k, v) in &p.options {
            if !info.options.contains(&k.as_str()) {
                let allowed = if info.options.is_empty() {
                    "none".to_owned()
                } else {
                    info.options.join(", ")
                };
                return Err(Error::Config(format!(
                    "profile {name}: unknown option '{k}' for {} (allowed: {allowed})",
                    info.name
                )));
            }
            options.insert(k.clone(), v.clone());
        }
    }
    for k in info.options {
        if !options.contains_key(*k)
            && let Some(v) = env.get(&format!("TIX_{}_{}", info.env, k.to_ascii_uppercase()))
        {
            options.insert((*k).to_owned(), v);
        }
    }
    let mut http = HttpOptions::new(base_url);
    let (ca_file, pin_sha256) = trust(profile.map(|(_, p)| p), env, info);
    http.ca_file = sel.ca_file.clone().or(ca_file);
    http.pin_sha256 = pin_sha256;
    http.tls_names = Some(crate::http::tls_errors::SettingNames {
        env_prefix: format!("TIX_{}", info.env),
        profile: true,
    });
    Ok(SourceConfig {
        provider: info,
        profile: profile.map(|(n, _)| n.to_owned()),
        http,
        api_key,
        options,
    })
}

/// A source's TLS trust: the profile's `ca_file` and `pin_sha256`, each else
/// `TIX_<ENV>_CA_FILE` and `TIX_<ENV>_PIN_SHA256` (`--ca-file` overrides the first).
pub fn trust(
    profile: Option<&Profile>,
    env: &Env,
    info: &ProviderSpec,
) -> (Option<PathBuf>, Option<String>) {
    let ca_file = profile.and_then(|p| p.ca_file.clone()).or_else(|| {
        env.get(&format!("TIX_{}_CA_FILE", info.env))
            .map(PathBuf::from)
    });
    let pin = profile
        .and_then(|p| p.pin_sha256.clone())
        .or_else(|| env.get(&format!("TIX_{}_PIN_SHA256", info.env)));
    (ca_file, pin)
}

fn base_url(
    info: &ProviderSpec,
    profile: Option<&Profile>,
    env: &Env,
    sel: &Selection,
) -> Result<Url> {
    let env_name = format!("TIX_{}_URL", info.env);
    let (raw, from) = if let Some(u) = &sel.base_url {
        (u.clone(), "--base-url".to_owned())
    } else if let Some(u) = profile.and_then(|p| p.base_url.clone()) {
        (u, "the profile's base_url".to_owned())
    } else if let Some(u) = env.get(&env_name) {
        (u, env_name.clone())
    } else if let Some(u) = info.default_base_url {
        (u.to_owned(), "the default".to_owned())
    } else {
        return Err(Error::Config(format!(
            "{} has no public URL: set {env_name}, a profile's base_url, or --base-url",
            info.name
        )));
    };
    Url::parse(raw.trim()).map_err(|e| {
        if from == "--base-url" {
            Error::invalid(
                "--base-url",
                &raw,
                format!("an absolute URL such as https://host ({e})"),
            )
        } else {
            Error::Config(format!("{from} '{raw}' is not a URL: {e}"))
        }
    })
}

/// Every source the file and environment define, for `tix config show`.
pub fn describe(file: &ConfigFile, env: &Env, catalog: &dyn Catalog) -> Vec<Resolved> {
    let mut out: Vec<Resolved> = file
        .profiles
        .iter()
        .map(|(name, p)| Resolved {
            name: name.clone(),
            provider: catalog
                .find(&p.provider)
                .map(|i| i.name)
                .unwrap_or("unknown"),
            base_url: p.base_url.clone(),
            key_source: p.key_source(),
            ca_file: p.ca_file.clone(),
            pin_sha256: p.pin_sha256.clone(),
        })
        .collect();
    for info in catalog.specs() {
        let url = env.get(&format!("TIX_{}_URL", info.env));
        let key = info.key_var();
        if url.is_some() || env.get(&key).is_some() {
            out.push(Resolved {
                name: format!("(env) {}", info.name),
                provider: info.name,
                base_url: url.or(info.default_base_url.map(str::to_owned)),
                key_source: env.get(&key).map(|_| format!("env {key}")),
                ca_file: env
                    .get(&format!("TIX_{}_CA_FILE", info.env))
                    .map(PathBuf::from),
                pin_sha256: env.get(&format!("TIX_{}_PIN_SHA256", info.env)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
