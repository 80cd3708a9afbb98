//! Secrets from a profile: `api_key_cmd` and the literal `api_key`.
//!
//! `api_key_cmd` runs a program with the user's rights, so the file that names it is
//! trusted only as far as ssh trusts `~/.ssh/config`: owned by the user, writable by no
//! one else. The command runs without a shell when it needs none, with no stdin, and is
//! killed after [`CMD_TIMEOUT`]: a vault prompt that never returns must not hang a cron job.

use crate::error::{Error, Result};
use secrecy::SecretString;
use serde::Deserialize;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `api_key_cmd` may take.
pub const CMD_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a config file may not run commands, or `None` when it may: owned by the user
/// running tix and not writable by group or others (ssh's rule for its config).
#[cfg(unix)]
pub fn untrusted(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(format!("cannot check who owns it ({e})")),
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Some(format!(
            "it is owned by uid {}, not by you (uid {me})",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Some(format!(
            "group or others can write it (mode {:o}); chmod go-w it",
            meta.mode() & 0o777
        ));
    }
    None
}

#[cfg(not(unix))]
pub fn untrusted(_path: &Path) -> Option<String> {
    None
}

/// Characters that give a command line a meaning only a shell knows: pipes, redirections,
/// expansions, quoting, globs, comments, several commands.
const SHELL_SYNTAX: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '#', '~',
    '=', '%', '{', '}', '\n', '\r',
];

/// The program and arguments to run: split on whitespace when the command has no shell
/// syntax (`pass show sonar`, `op read op://vault/sonar/key`), else `sh -c <cmd>`.
fn argv(cmd: &str) -> Vec<String> {
    if cmd.contains(SHELL_SYNTAX) {
        vec!["sh".into(), "-c".into(), cmd.into()]
    } else {
        cmd.split_whitespace().map(str::to_owned).collect()
    }
}

/// Runs a profile's `api_key_cmd` and takes its first line as the key. Its output never
/// appears in an error: only the exit status does.
pub fn from_command(profile: &str, cmd: &str) -> Result<SecretString> {
    from_command_within(profile, cmd, CMD_TIMEOUT)
}

fn from_command_within(profile: &str, cmd: &str, timeout: Duration) -> Result<SecretString> {
    let argv = argv(cmd);
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Config(format!(
            "profile '{profile}': api_key_cmd is empty"
        )));
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Error::Config(format!("profile '{profile}': cannot run api_key_cmd: {e}")))?;
    // Read on a thread so a command printing more than a pipe holds cannot block its exit.
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        // A key is short: a command that prints megabytes is not printing a key.
        let _ = (&mut stdout).take(64 * 1024).read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Config(format!(
                    "profile '{profile}': api_key_cmd did not finish within {}",
                    humantime::format_duration(timeout)
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                return Err(Error::Config(format!(
                    "profile '{profile}': cannot wait for api_key_cmd: {e}"
                )));
            }
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(Error::Config(format!(
            "profile '{profile}': api_key_cmd failed ({status})"
        )));
    }
    let text = String::from_utf8(out).map_err(|_| {
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

/// Reads a literal `api_key`, refusing any TOML value but a string without echoing it:
/// serde's own message would quote an `api_key = 123456` back to the terminal.
pub fn deserialize_key<'de, D>(d: D) -> std::result::Result<Option<SecretString>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Any {
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    match Any::deserialize(d)? {
        Any::Text(s) => Ok(Some(SecretString::from(s))),
        Any::Other(_) => Err(serde::de::Error::custom(
            "api_key must be a string in quotes (its value is not shown)",
        )),
    }
}

/// Profile names become file and directory names (sync state, `--out`): one plain path
/// component of 1 to 64 ASCII letters, digits, `_` or `-`, so `../../x` cannot climb.
pub fn check_profile_name(name: &str) -> std::result::Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "profile name '{name}' is not 1-64 of A-Z a-z 0-9 _ -"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn plain_commands_run_without_a_shell() {
        assert_eq!(argv("pass show  sonar"), ["pass", "show", "sonar"]);
        assert_eq!(argv("op read op://v/s/k"), ["op", "read", "op://v/s/k"]);
        assert_eq!(argv("echo a; echo b"), ["sh", "-c", "echo a; echo b"]);
        assert_eq!(argv("cat $HOME/k"), ["sh", "-c", "cat $HOME/k"]);
        // Without a shell, shell syntax is just text: `echo` prints it as is.
        let key = from_command("p", "echo k-1 2").unwrap();
        assert_eq!(key.expose_secret(), "k-1 2");
    }

    #[test]
    fn a_command_that_hangs_is_killed_at_the_timeout() {
        let started = Instant::now();
        let err = from_command_within("p", "sleep 30", Duration::from_millis(300))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "config: profile 'p': api_key_cmd did not finish within 300ms"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn profile_names_are_one_safe_path_component() {
        for ok in ["prod", "acme_eu-1", &"a".repeat(64)] {
            assert_eq!(check_profile_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "../../x",
            "a/b",
            "a.b",
            "ü",
            &"a".repeat(65),
            "x\u{1b}[2J",
        ] {
            assert!(check_profile_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_profile_name("x\u{1b}[2J").unwrap_err(),
            "profile name 'x\u{1b}[2J' is not 1-64 of A-Z a-z 0-9 _ -"
        );
    }

    #[cfg(unix)]
    #[test]
    fn only_a_file_of_ours_that_others_cannot_write_may_run_commands() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(untrusted(&f), None);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(
            untrusted(&f).unwrap(),
            "group or others can write it (mode 666); chmod go-w it"
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o620)).unwrap();
        assert!(untrusted(&f).is_some());
    }
}
