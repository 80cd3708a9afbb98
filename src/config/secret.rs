use crate::error::{Error, Result};
use secrecy::SecretString;
use std::process::{Command, Stdio};

/// Runs a profile's `api_key_cmd` and takes its first line as the key. Its output never
/// appears in an error: only the exit status does.
pub fn from_command(profile: &str, cmd: &str) -> Result<SecretString> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::Config(format!("profile '{profile}': cannot run api_key_cmd: {e}")))?;
    if !out.status.success() {
        return Err(Error::Config(format!(
            "profile '{profile}': api_key_cmd failed ({})",
            out.status
        )));
    }
    let text = String::from_utf8(out.stdout).map_err(|_| {
        Error::Config(format!(
            "profile '{profile}': api_key_cmd printed non-UTF-8"
        ))
    })?;
    let key = text.lines().next().unwrap_or("").trim().to_owned();
    if key.is_empty() {
        return Err(Error::Config(format!(
            "profile '{profile}': api_key_cmd printed nothing"
        )));
    }
    Ok(SecretString::from(key))
}
