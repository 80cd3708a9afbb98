//! Profiles, the environment and secrets: everything that decides where a source
//! connects and with which key.
//!
//! One order of precedence for every setting of a source (README, "Configuration"):
//!
//! 1. a command-line flag (`--base-url`, `--ca-file`);
//! 2. the profile named by `--profile` or `TIX_PROFILE`;
//! 3. the environment (`TIX_<PROVIDER>_URL`, `TIX_<PROVIDER>_API_KEY`, ...);
//! 4. the config file's default profile for the provider: the profile named after it,
//!    the one marked `default = true`, or its only profile;
//! 5. the built-in default (the provider's public URL).
//!
//! So a variable set in the shell beats a profile picked implicitly, and a profile asked
//! for by name beats the shell. [`effective`] computes every value with its [`Origin`]
//! (what `tix config show` prints) and [`resolve`] turns that into a `SourceConfig`, so
//! the two cannot disagree. There is deliberately no `--api-key` flag: argv is visible to
//! every user of the machine.

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
use std::fmt;
use std::path::PathBuf;
use url::Url;

/// What the user picked on the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub provider: Option<String>,
    pub profile: Option<String>,
    pub base_url: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// Use no profile at all: the environment alone (`sync --all`'s source for a
    /// provider configured only in the environment).
    pub env_only: bool,
}

/// Everything needed to build one source.
pub struct SourceConfig {
    pub provider: &'static ProviderSpec,
    /// The profile it came from, if any (for messages).
    pub profile: Option<String>,
    pub http: HttpOptions,
    pub api_key: SecretString,
    /// The provider's own settings from the profile's `options` table or
    /// `TIX_<ENV>_<NAME>`; only names in `ProviderInfo::options`.
    pub options: BTreeMap<String, String>,
}

/// Where an effective value came from, as `tix config show` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--base-url`.
    Flag(&'static str),
    /// A profile of the config file; `explicit` when `--profile`/`TIX_PROFILE` named it.
    Profile {
        name: String,
        file: String,
        explicit: bool,
    },
    /// An environment variable.
    Env(String),
    /// The provider's built-in default.
    BuiltIn,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Profile { name, file, .. } => write!(f, "profile {name} in {file}"),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::BuiltIn => f.write_str("built-in default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

/// The profile a selection uses.
#[derive(Debug, Clone, Copy)]
pub struct Picked<'a> {
    pub name: &'a str,
    pub profile: &'a Profile,
    /// Named by `--profile`/`TIX_PROFILE` (precedence 2) rather than picked as the
    /// provider's default (precedence 4).
    pub explicit: bool,
}

/// Every setting of one source with its origin, before any secret is read.
#[derive(Debug)]
pub struct Effective<'a> {
    pub provider: &'static ProviderSpec,
    pub profile: Option<Picked<'a>>,
    pub base_url: Option<Sourced<String>>,
    /// Where the key is read from (`env TIX_SONAR_API_KEY`, ``command `pass sonar` ``),
    /// never the key.
    pub api_key: Option<Sourced<String>>,
    pub ca_file: Option<Sourced<PathBuf>>,
    /// SHA-256 pins of the server's certificate or key (`tix tls show` prints both).
    pub pin_sha256: Option<Sourced<String>>,
    pub options: BTreeMap<String, Sourced<String>>,
}

/// Picks the profile for `sel`: `--profile` by name; else, for `--provider X`, the
/// provider's default profile (named X, marked `default = true`, or its only one); else
/// none (the environment alone). Several candidates and no default is an error naming
/// them.
pub fn pick<'a>(
    file: &'a ConfigFile,
    sel: &Selection,
    catalog: &dyn Catalog,
) -> Result<(Option<Picked<'a>>, &'static ProviderSpec)> {
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
        let picked = Picked {
            name,
            profile,
            explicit: true,
        };
        return Ok((Some(picked), info));
    }
    let Some(provider) = &sel.provider else {
        return Err(Error::invalid(
            "--provider",
            "",
            format!("required; one of: {}", catalog.names()),
        ));
    };
    let info = catalog.find(provider)?;
    if sel.env_only {
        return Ok((None, info));
    }
    let implicit = |(name, profile): (&'a String, &'a Profile)| Picked {
        name: name.as_str(),
        profile,
        explicit: false,
    };
    if let Some(p) = file.profiles.get_key_value(info.name) {
        return Ok((Some(implicit(p)), info));
    }
    let of_provider: Vec<(&String, &Profile)> = file
        .profiles
        .iter()
        .filter(|(_, p)| p.provider.eq_ignore_ascii_case(info.name))
        .collect();
    if let Some(d) = of_provider.iter().find(|(_, p)| p.default) {
        return Ok((Some(implicit(*d)), info));
    }
    match of_provider.as_slice() {
        [] => Ok((None, info)),
        [one] => Ok((Some(implicit(*one)), info)),
        several => {
            let names: Vec<&str> = several.iter().map(|(n, _)| n.as_str()).collect();
            Err(Error::Config(format!(
                "several {} profiles in {} ({}): choose one with --profile or TIX_PROFILE, \
                 or mark one `default = true`",
                info.name,
                file.describe(),
                names.join(", ")
            )))
        }
    }
}

/// Every setting of the source `sel` names, each with where it comes from, following
/// the order of precedence in the module documentation. Reads no secret.
pub fn effective<'a>(
    file: &'a ConfigFile,
    env: &Env,
    sel: &Selection,
    catalog: &dyn Catalog,
) -> Result<Effective<'a>> {
    let (picked, info) = pick(file, sel, catalog)?;
    let origin = |p: &Picked<'_>| Origin::Profile {
        name: p.name.to_owned(),
        file: file.describe(),
        explicit: p.explicit,
    };
    let (explicit, implicit) = match picked {
        Some(p) if p.explicit => (Some(p), None),
        p => (None, p),
    };
    let from_env = |var: String| {
        env.get(&var).map(|value| Sourced {
            value,
            origin: Origin::Env(var),
        })
    };
    // The five layers, highest first, for a value that may come from each.
    let layered = |flag: Option<Sourced<String>>,
                   of_profile: &dyn Fn(&Profile) -> Option<String>,
                   var: Option<String>,
                   builtin: Option<&str>| {
        let profile = |p: Option<Picked<'_>>| {
            p.and_then(|p| {
                of_profile(p.profile).map(|value| Sourced {
                    value,
                    origin: origin(&p),
                })
            })
        };
        flag.or_else(|| profile(explicit))
            .or_else(|| var.and_then(&from_env))
            .or_else(|| profile(implicit))
            .or_else(|| {
                builtin.map(|b| Sourced {
                    value: b.to_owned(),
                    origin: Origin::BuiltIn,
                })
            })
    };
    let base_url = layered(
        sel.base_url.clone().map(|value| Sourced {
            value,
            origin: Origin::Flag("--base-url"),
        }),
        &|p| p.base_url.clone(),
        Some(format!("TIX_{}_URL", info.env)),
        info.default_base_url,
    );
    let api_key = layered(
        None,
        &|p| p.key_source(),
        env.get(&info.key_var()).map(|_| info.key_var()),
        None,
    )
    .map(|s| match s.origin {
        // The environment layer's value is the variable's name, never its content.
        Origin::Env(var) => Sourced {
            value: format!("env {var}"),
            origin: Origin::Env(var),
        },
        _ => s,
    });
    let ca_file = layered(
        sel.ca_file.as_ref().map(|p| Sourced {
            value: p.display().to_string(),
            origin: Origin::Flag("--ca-file"),
        }),
        &|p| p.ca_file.as_ref().map(|c| c.display().to_string()),
        Some(format!("TIX_{}_CA_FILE", info.env)),
        None,
    )
    .map(|s| Sourced {
        value: PathBuf::from(s.value),
        origin: s.origin,
    });
    let pin_sha256 = layered(
        None,
        &|p| p.pin_sha256.clone(),
        Some(format!("TIX_{}_PIN_SHA256", info.env)),
        None,
    );
    if let Some(p) = picked {
        for k in p.profile.options.keys() {
            if !info.options.contains(&k.as_str()) {
                let allowed = if info.options.is_empty() {
                    "none".to_owned()
                } else {
                    info.options.join(", ")
                };
                return Err(Error::Config(format!(
                    "profile {}: unknown option '{k}' for {} (allowed: {allowed})",
                    p.name, info.name
                )));
            }
        }
    }
    let mut options = BTreeMap::new();
    for k in info.options {
        let var = format!("TIX_{}_{}", info.env, k.to_ascii_uppercase());
        if let Some(v) = layered(None, &|p| p.options.get(*k).cloned(), Some(var), None) {
            options.insert((*k).to_owned(), v);
        }
    }
    Ok(Effective {
        provider: info,
        profile: picked,
        base_url,
        api_key,
        ca_file,
        pin_sha256,
        options,
    })
}

/// Resolves one source's URL, key and TLS settings.
pub fn resolve(
    file: &ConfigFile,
    env: &Env,
    sel: &Selection,
    catalog: &dyn Catalog,
) -> Result<SourceConfig> {
    let eff = effective(file, env, sel, catalog)?;
    let info = eff.provider;
    let base_url = parse_url(info, eff.base_url.as_ref())?;
    let key = match &eff.api_key {
        Some(Sourced {
            origin: Origin::Env(var),
            ..
        }) => env.get(var).map(SecretString::from),
        Some(_) => match eff.profile {
            Some(p) => p.profile.key(p.name, file)?,
            None => None,
        },
        None => None,
    };
    let api_key = key.ok_or_else(|| Error::Auth {
        provider: info.name.into(),
        message: format!(
            "no API key: set {}, or api_key_env / api_key_cmd in a profile",
            info.key_var()
        ),
    })?;
    let mut http = HttpOptions::new(base_url);
    http.ca_file = eff.ca_file.map(|c| c.value);
    http.pin_sha256 = eff.pin_sha256.map(|p| p.value);
    http.tls_names = Some(crate::http::tls_errors::SettingNames {
        env_prefix: format!("TIX_{}", info.env),
        profile: true,
    });
    Ok(SourceConfig {
        provider: info,
        profile: eff.profile.map(|p| p.name.to_owned()),
        http,
        api_key,
        options: eff.options.into_iter().map(|(k, v)| (k, v.value)).collect(),
    })
}

fn parse_url(info: &ProviderSpec, url: Option<&Sourced<String>>) -> Result<Url> {
    let Some(Sourced { value: raw, origin }) = url else {
        return Err(Error::Config(format!(
            "{} has no public URL: set TIX_{}_URL, a profile's base_url, or --base-url",
            info.name, info.env
        )));
    };
    Url::parse(raw.trim()).map_err(|e| {
        if *origin == Origin::Flag("--base-url") {
            Error::invalid(
                "--base-url",
                raw,
                format!("an absolute URL such as https://host ({e})"),
            )
        } else {
            Error::Config(format!("{origin}: '{raw}' is not a URL: {e}"))
        }
    })
}

/// The selections `tix config show` explains: with `--profile` that one; otherwise every
/// profile by name and every provider that a profile or the environment configures, as
/// `--provider X` would resolve it.
pub fn show_selections(
    file: &ConfigFile,
    env: &Env,
    profile: Option<&str>,
    catalog: &dyn Catalog,
) -> Vec<Selection> {
    if let Some(name) = profile {
        return vec![Selection {
            profile: Some(name.to_owned()),
            ..Selection::default()
        }];
    }
    let mut out: Vec<Selection> = file
        .profiles
        .keys()
        .map(|name| Selection {
            profile: Some(name.clone()),
            ..Selection::default()
        })
        .collect();
    for info in catalog.specs() {
        let in_env = env.get(&format!("TIX_{}_URL", info.env)).is_some()
            || env.get(&info.key_var()).is_some();
        let in_file = file
            .profiles
            .values()
            .any(|p| p.provider.eq_ignore_ascii_case(info.name));
        if in_env || in_file {
            out.push(Selection {
                provider: Some(info.name.to_owned()),
                ..Selection::default()
            });
        }
    }
    out
}

/// What `sync --all` runs: every profile once, by name, and for each provider the
/// environment configures on its own (a key, and a URL or a public default) a source of
/// the environment alone, unless a profile already is exactly that source.
pub fn all_sources(file: &ConfigFile, env: &Env, catalog: &dyn Catalog) -> Vec<Selection> {
    let mut out: Vec<Selection> = Vec::new();
    let mut seen: Vec<(&'static str, Option<String>, Option<String>)> = Vec::new();
    for name in file.profiles.keys() {
        let sel = Selection {
            profile: Some(name.clone()),
            ..Selection::default()
        };
        if let Ok(e) = effective(file, env, &sel, catalog) {
            seen.push((
                e.provider.name,
                e.base_url.map(|u| u.value),
                e.api_key.map(|k| k.value),
            ));
        }
        out.push(sel);
    }
    for info in catalog.specs() {
        let sel = Selection {
            provider: Some(info.name.to_owned()),
            env_only: true,
            ..Selection::default()
        };
        let Ok(e) = effective(file, env, &sel, catalog) else {
            continue;
        };
        if e.api_key.is_none() || e.base_url.is_none() {
            continue;
        }
        let key = (
            info.name,
            e.base_url.map(|u| u.value),
            e.api_key.map(|k| k.value),
        );
        if !seen.contains(&key) {
            out.push(sel);
        }
    }
    out
}

#[cfg(test)]
mod tests;
