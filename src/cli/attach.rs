//! `tix attach list|get|add`: a ticket's files. Downloads stream into a temporary file
//! beside the destination and are renamed into place only when complete, so an
//! interrupted download never leaves a half file, and an existing file is never
//! replaced without `--force`.

use super::Ctx;
use super::output_args::OutputArgs;
use super::target::{self, Conn};
use crate::atomic_file::AtomicFile;
use crate::error::{Error, Result};
use crate::output::write_records;
use crate::source::Operation;
use std::path::{Path, PathBuf};

/// The keys of a printed attachment.
pub const ATTACHMENT_KEYS: &[&str] = &["id", "name", "size", "content_type", "created"];

#[derive(Debug, clap::Subcommand)]
pub enum AttachCommand {
    /// The files attached to a ticket.
    List {
        /// The provider (see `tix providers`).
        provider: String,
        /// The ticket's id.
        id: String,
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Download one attachment to a file (written atomically).
    Get {
        provider: String,
        id: String,
        /// The attachment's id, as `tix attach list` prints it.
        attachment: String,
        /// Where to write: a file, a directory, or `-` for stdout [default: its name, here].
        #[arg(long, value_name = "PATH")]
        to: Option<PathBuf>,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        conn: Conn,
    },
    /// Attach a file to a ticket.
    Add {
        provider: String,
        id: String,
        /// The file to attach.
        file: PathBuf,
        /// The name the provider shows [default: the file's name].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[command(flatten)]
        conn: Conn,
        #[command(flatten)]
        out: OutputArgs,
    },
}

pub async fn run(cmd: AttachCommand, ctx: &mut Ctx) -> Result<u8> {
    match cmd {
        AttachCommand::List {
            provider,
            id,
            conn,
            out,
        } => {
            let opts = out.record_options(&ctx.io, ATTACHMENT_KEYS)?;
            let source = target::open(ctx, &provider, &conn, Operation::Attachments)?;
            let list = source.attachments(&id).await?;
            write_records(&opts, ATTACHMENT_KEYS, &list, &mut ctx.io.out())?;
            if list.is_empty() {
                ctx.io.note("no attachments");
            }
            Ok(0)
        }
        AttachCommand::Get {
            provider,
            id,
            attachment,
            to,
            force,
            conn,
        } => get(ctx, &provider, &id, &attachment, to, force, &conn).await,
        AttachCommand::Add {
            provider,
            id,
            file,
            name,
            conn,
            out,
        } => {
            let opts = out.record_options(&ctx.io, ATTACHMENT_KEYS)?;
            let meta = std::fs::metadata(&file).map_err(|e| {
                Error::invalid("<FILE>", file.display(), format!("a readable file ({e})"))
            })?;
            if !meta.is_file() {
                return Err(Error::invalid("<FILE>", file.display(), "a regular file"));
            }
            let name = match name {
                Some(n) if !n.trim().is_empty() => n,
                Some(_) => return Err(Error::invalid("--name", "", "a non-empty file name")),
                None => file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .ok_or_else(|| Error::invalid("<FILE>", file.display(), "a file path"))?,
            };
            let source = target::open(ctx, &provider, &conn, Operation::Upload)?;
            let added = source.upload(&id, &file, &name).await?;
            write_records(&opts, ATTACHMENT_KEYS, &[added], &mut ctx.io.out())?;
            Ok(0)
        }
    }
}

async fn get(
    ctx: &mut Ctx,
    provider: &str,
    id: &str,
    attachment: &str,
    to: Option<PathBuf>,
    force: bool,
    conn: &Conn,
) -> Result<u8> {
    if to.as_deref() == Some(Path::new("-")) {
        let source = target::open(ctx, provider, conn, Operation::Download)?;
        let mut stdout = tokio::io::stdout();
        source.download(id, attachment, &mut stdout).await?;
        return Ok(0);
    }
    // Where the file goes is known now when --to names a file; otherwise it is the
    // provider's name for it, known once the download answers.
    let (dir, fixed) = match &to {
        Some(p) if p.is_dir() => (p.clone(), None),
        // `--to evidence/` names a directory; one that is not there is a clear error
        // now, not "Not a directory" from the final rename.
        Some(p)
            if p.as_os_str()
                .to_string_lossy()
                .ends_with(std::path::MAIN_SEPARATOR) =>
        {
            return Err(Error::invalid(
                "--to",
                p.display(),
                "an existing directory (it does not exist), a file path, or - for stdout",
            ));
        }
        Some(p) => (
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
            Some(p.clone()),
        ),
        None => (PathBuf::from("."), None),
    };
    if let Some(dest) = &fixed {
        refuse_existing(dest, force)?;
    }
    let source = target::open(ctx, provider, conn, Operation::Download)?;
    let file = AtomicFile::new_in(&dir).map_err(|e| {
        Error::invalid("--to", dir.display(), format!("a writable directory ({e})"))
    })?;
    let mut sink = tokio::fs::File::from_std(file.try_clone()?);
    let meta = source.download(id, attachment, &mut sink).await?;
    drop(sink);
    let dest = match fixed {
        Some(d) => d,
        None => dir.join(safe_name(meta.name.as_deref(), attachment)),
    };
    refuse_existing(&dest, force)?;
    file.commit(&dest, force).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            exists(&dest)
        } else {
            Error::Io(e)
        }
    })?;
    let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
    ctx.io
        .note(&format!("saved {size} bytes to {}", dest.display()));
    // The path on stdout, so a script can pick the file up: `f=$(tix attach get ...)`.
    println!("{}", dest.display());
    Ok(0)
}

fn refuse_existing(dest: &Path, force: bool) -> Result<()> {
    if !force && dest.exists() {
        return Err(exists(dest));
    }
    Ok(())
}

fn exists(dest: &Path) -> Error {
    Error::invalid(
        "--to",
        dest.display(),
        "a path that does not exist yet (or add --force to replace it)",
    )
}

/// The provider's file name reduced to one plain path component, so a hostile name
/// (`../../.bashrc`, `/etc/passwd`) cannot write outside the chosen directory, without
/// controls or bidi/invisible characters, so `invoice\u{202e}fdp.exe` is not saved as a
/// file whose name reads `invoiceexe.pdf`.
fn safe_name(name: Option<&str>, fallback: &str) -> String {
    let base = |s: &str| -> Option<String> {
        let last = s.rsplit(['/', '\\']).next().unwrap_or("");
        let clean = crate::output::sanitize::strip(last);
        let clean = clean.trim().trim_start_matches('.').to_owned();
        (!clean.is_empty()).then_some(clean)
    };
    name.and_then(base)
        .or_else(|| base(fallback))
        .unwrap_or_else(|| "attachment".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_in_the_directory() {
        assert_eq!(safe_name(Some("../../.bashrc"), "a1"), "bashrc");
        assert_eq!(safe_name(Some("/etc/passwd"), "a1"), "passwd");
        assert_eq!(safe_name(Some("C:\\x\\report.pdf"), "a1"), "report.pdf");
        assert_eq!(safe_name(Some(".."), "a1"), "a1");
        assert_eq!(safe_name(None, "../"), "attachment");
        assert_eq!(safe_name(Some("evil\u{1b}[2J.txt"), "a1"), "evil[2J.txt");
        assert_eq!(
            safe_name(Some("invoice\u{202e}fdp.exe"), "a1"),
            "invoicefdp.exe"
        );
        assert_eq!(safe_name(Some("\u{200b}\u{feff}"), "a1"), "a1");
    }
}
