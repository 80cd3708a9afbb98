//! Files written so that a reader sees the old content or the new, never a mix, and a
//! crash (kill -9, power loss) leaves no partial file under the final name.
//!
//! The bytes go to a hidden temporary file in the destination's own directory (a rename
//! is atomic only within one filesystem), which is fsynced, renamed over or beside the
//! destination, and then the directory is fsynced so that the rename itself survives.
//! A temporary file left by a crash is `.tix-*.tmp` and is never read back.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// A file being written; nothing exists under the final name until [`commit`](Self::commit).
/// Dropped without a commit, the temporary file is removed.
pub struct AtomicFile {
    tmp: NamedTempFile,
    dir: PathBuf,
}

impl AtomicFile {
    /// Starts a file that will be committed in `dir`.
    pub fn new_in(dir: &Path) -> io::Result<Self> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let tmp = tempfile::Builder::new()
            .prefix(".tix-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        Ok(AtomicFile {
            tmp,
            dir: dir.to_path_buf(),
        })
    }

    /// Like [`new_in`](Self::new_in), for a file that holds no secret (a sync's tickets):
    /// created as a shell's `>` would, 0666 less the umask, instead of owner-only 0600.
    pub fn shared_in(dir: &Path) -> io::Result<Self> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".tix-").suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir)?;
        Ok(AtomicFile {
            tmp,
            dir: dir.to_path_buf(),
        })
    }

    /// Starts a file that will be committed as `dest` (in `dest`'s directory).
    pub fn for_path(dest: &Path) -> io::Result<Self> {
        Self::new_in(dest.parent().unwrap_or(Path::new(".")))
    }

    /// The open temporary file, for writing.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// A second handle on the temporary file, for async writers (`tokio::fs::File::from_std`).
    pub fn try_clone(&self) -> io::Result<File> {
        self.tmp.as_file().try_clone()
    }

    /// Makes the content durable under `dest`, which must be in the directory this file was
    /// started in. With `overwrite` false an existing `dest` is an `AlreadyExists` error and
    /// is left untouched.
    pub fn commit(mut self, dest: &Path, overwrite: bool) -> io::Result<()> {
        self.tmp.as_file_mut().flush()?;
        self.tmp.as_file().sync_all()?;
        if overwrite {
            self.tmp.persist(dest).map_err(|e| e.error)?;
        } else {
            self.tmp.persist_noclobber(dest).map_err(|e| e.error)?;
        }
        sync_dir(&self.dir)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// Writes `bytes` to `dest` atomically, replacing what was there.
pub fn write(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::for_path(dest)?;
    f.write_all(bytes)?;
    f.commit(dest, true)
}

/// Makes a directory's entries (a rename, a new file) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    // Only Unix can open a directory to fsync it; elsewhere the rename is what we get.
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_under_the_name_until_commit_and_no_leftovers_after() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.jsonl");
        let mut f = AtomicFile::for_path(&dest).unwrap();
        f.write_all(b"one\n").unwrap();
        assert!(!dest.exists());
        f.commit(&dest, false).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"one\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temporary file left behind");
    }

    #[test]
    fn without_overwrite_an_existing_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("report.pdf");
        std::fs::write(&dest, b"mine").unwrap();
        let mut f = AtomicFile::for_path(&dest).unwrap();
        f.write_all(b"theirs").unwrap();
        let err = f.commit(&dest, false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&dest).unwrap(), b"mine");
    }

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut f = AtomicFile::new_in(dir.path()).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("state");
        write(&dest, b"a").unwrap();
        write(&dest, b"b").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"b");
    }
}
