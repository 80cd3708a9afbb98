use super::Env;
use super::secret;
use crate::error::{Error, Result};
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The parsed config file (or an empty one when there is none).
#[derive(Debug, Default)]
pub struct ConfigFile {
    pub profiles: BTreeMap<String, Profile>,
    /// Where it was read from; `None` when no file exists.
    pub path: Option<PathBuf>,
    /// Group or others can read the file (unix mode & 0o077 != 0).
    pub shared: bool,
    /// Why this file may not run `api_key_cmd` (not the user's, or writable by others);
    /// `None` when it may (`secret::untrusted`).
    pub untrusted: Option<String>,
}

/// One `[profiles.<name>]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub provider: String,
    pub base_url: Option<String>,
    /// The name of an environment variable holding the key.
    pub api_key_env: Option<String>,
    /// A command that prints the key (`pass show sonar`, `op read ...`), run directly, or
    /// with `sh -c` when it holds shell syntax; only from a file `secret::untrusted` accepts.
    pub api_key_cmd: Option<String>,
    /// A literal key; refused unless only the file's owner can read the file.
    #[serde(default, deserialize_with = "secret::deserialize_key")]
    pub api_key: Option<SecretString>,
    /// An extra CA certificate (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// SHA-256 of the server's certificate or public key (`tix tls show` prints both).
    pub pin_sha256: Option<String>,
    /// The provider's default profile: what `--provider X` uses when X has several.
    #[serde(default)]
    pub default: bool,
    /// Provider-specific settings (`ProviderInfo::options`), e.g. Arctic Wolf's
    /// `ticket_url`; checked against the provider's list when the profile is used.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(skip)]
    env: Env,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Shape {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

impl ConfigFile {
    /// `--config`, else `TIX_CONFIG`, else `$XDG_CONFIG_HOME/tix/config.toml`
    /// (`~/.config/tix/config.toml`). A file named explicitly must exist; the default
    /// one may be absent, and then the environment alone configures tix.
    pub fn load(flag: Option<&Path>, env: &Env) -> Result<Self> {
        let explicit = flag
            .map(Path::to_path_buf)
            .or_else(|| env.get("TIX_CONFIG").map(PathBuf::from));
        let path = match explicit {
            Some(p) => {
                if !p.exists() {
                    return Err(Error::Config(format!("{} does not exist", p.display())));
                }
                p
            }
            None => match default_path(env) {
                Some(p) if p.exists() => p,
                _ => return Ok(ConfigFile::default()),
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        let mut file = Self::parse(&text, &path)?;
        file.shared = readable_by_others(&path);
        file.untrusted = secret::untrusted(&path);
        for p in file.profiles.values_mut() {
            p.env = env.clone();
        }
        Ok(file)
    }

    /// Parses the file's text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let shape: Shape = toml::from_str(text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.message())))?;
        for name in shape.profiles.keys() {
            secret::check_profile_name(name)
                .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        }
        // Two defaults for one provider is the one ambiguity the file itself can hold:
        // refuse it when the file is read, not when some later run picks a profile.
        let mut defaults: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (name, p) in shape.profiles.iter().filter(|(_, p)| p.default) {
            defaults
                .entry(p.provider.to_ascii_lowercase())
                .or_default()
                .push(name);
        }
        if let Some((provider, names)) = defaults.iter().find(|(_, n)| n.len() > 1) {
            return Err(Error::Config(format!(
                "{}: several {provider} profiles say `default = true` ({}): keep one",
                path.display(),
                names.join(", ")
            )));
        }
        Ok(ConfigFile {
            profiles: shape.profiles,
            path: Some(path.to_path_buf()),
            shared: false,
            untrusted: None,
        })
    }

    /// Attaches an environment to every profile (what `load` does with the real one).
    pub fn with_env(mut self, env: &Env) -> Self {
        for p in self.profiles.values_mut() {
            p.env = env.clone();
        }
        self
    }

    /// "the config file <path>" or "the config (no file)", for messages.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "the config (no config file found)".into(),
        }
    }
}

impl Profile {
    /// The profile's own key, if it names one.
    pub fn key(&self, name: &str, file: &ConfigFile) -> Result<Option<SecretString>> {
        if let Some(cmd) = &self.api_key_cmd {
            if let Some(why) = &file.untrusted {
                return Err(Error::Config(format!(
                    "profile '{name}': refusing to run api_key_cmd from {}: {why}",
                    file.describe()
                )));
            }
            return secret::from_command(name, cmd).map(Some);
        }
        if let Some(var) = &self.api_key_env {
            return self
                .env
                .get(var)
                .map(SecretString::from)
                .map(Some)
                .ok_or_else(|| {
                    Error::Config(format!(
                        "profile '{name}': api_key_env names {var}, which is not set"
                    ))
                });
        }
        if let Some(key) = &self.api_key {
            if file.shared {
                return Err(Error::Config(format!(
                    "profile '{name}': refusing the api_key in {} because group or others can read the file; \
                     chmod 600 it, or use api_key_env / api_key_cmd",
                    file.describe()
                )));
            }
            return Ok(Some(key.clone()));
        }
        Ok(None)
    }

    /// Where the key comes from, never the key.
    pub fn key_source(&self) -> Option<String> {
        if let Some(cmd) = &self.api_key_cmd {
            Some(format!("command `{cmd}`"))
        } else if let Some(var) = &self.api_key_env {
            Some(format!("env {var}"))
        } else {
            self.api_key
                .as_ref()
                .map(|_| "config file (masked)".to_owned())
        }
    }
}

fn default_path(env: &Env) -> Option<PathBuf> {
    let base = env
        .get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".config")))?;
    Some(base.join("tix").join("config.toml"))
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o077 != 0)
        .unwrap_or(true)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}
