//! Private files and folders: 0700 directories, 0600 files, and atomic replacement.
//!
//! Every file verbatim writes goes through here, so the permission rule lives in one place.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of every directory verbatim creates.
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of every file verbatim creates.
pub(crate) const FILE_MODE: u32 = 0o600;

/// A filesystem failure with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{}: {action}: {source}{}", path.display(), hint(source))]
pub struct FsError {
    /// The file or folder concerned.
    pub(crate) path: PathBuf,
    /// What we were doing, in words.
    pub(crate) action: &'static str,
    /// The operating system's error.
    #[source]
    pub(crate) source: io::Error,
}

fn hint(err: &io::Error) -> &'static str {
    match err.kind() {
        io::ErrorKind::StorageFull => " (the disk is full: free some space and try again)",
        io::ErrorKind::PermissionDenied => " (check that you own this folder)",
        io::ErrorKind::AlreadyExists => " (it already exists; choose another name or remove it)",
        _ => "",
    }
}

/// Attaches a path and an action to an `io::Error`.
pub(crate) trait IoContext<T> {
    /// Names the path and what was being done when the error happened.
    fn at(self, path: &Path, action: &'static str) -> Result<T, FsError>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: &Path, action: &'static str) -> Result<T, FsError> {
        self.map_err(|source| FsError { path: path.to_path_buf(), action, source })
    }
}

/// Creates one directory with mode 0700; fails if it exists.
pub(crate) fn create_dir(path: &Path) -> Result<(), FsError> {
    DirBuilder::new().mode(DIR_MODE).create(path).at(path, "creating folder")?;
    // The umask may have removed bits we asked for; it cannot add any, so this only tightens.
    fs::set_permissions(path, fs::Permissions::from_mode(DIR_MODE)).at(path, "setting folder mode")
}

/// Creates a directory and its missing parents, each with mode 0700.
pub fn create_dir_all(path: &Path) -> Result<(), FsError> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        create_dir_all(parent)?;
    }
    match create_dir(path) {
        Err(e) if e.source.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Creates a new file with mode 0600; fails if it exists.
pub(crate) fn create_new(path: &Path) -> Result<File, FsError> {
    OpenOptions::new().write(true).create_new(true).mode(FILE_MODE).open(path).at(path, "creating file")
}

/// Writes a file that must not exist yet straight under its name, with mode 0600, and syncs it.
///
/// For files handed to the user (exports, keys): no copy under another name, even for a
/// moment, and never replacing a file. A failed write removes the partial file.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let mut file = create_new(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if written.is_err() {
        drop(file);
        let _ = fs::remove_file(path);
    }
    written.at(path, "writing")
}

/// Flushes a directory entry to disk, so a rename or create inside it survives power loss.
pub fn sync_dir(dir: &Path) -> Result<(), FsError> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir, "syncing folder")
}

/// Writes `bytes` to `path` atomically: temp file, fsync, rename, fsync of the folder.
///
/// A reader sees either the old file or the new one, never a mix, even after a crash.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let dir = parent_of(path);
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = create_new(&tmp)?;
        file.write_all(bytes).at(&tmp, "writing")?;
        file.sync_all().at(&tmp, "syncing")?;
        fs::rename(&tmp, path).at(path, "replacing")?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        // Best effort: the temp file holds ciphertext only, but should not linger.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Renames `from` to `to` and syncs the folder holding `to`.
pub(crate) fn rename_durable(from: &Path, to: &Path) -> Result<(), FsError> {
    fs::rename(from, to).at(to, "renaming")?;
    sync_dir(&parent_of(to))
}

/// The folder holding `path` (`.` for a bare file name).
pub(crate) fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A hidden, unique temp name next to `path`, so a rename stays on one filesystem.
pub(crate) fn temp_sibling(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let unique = format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
    );
    parent_of(path).join(unique)
}

/// Overwrites a small key file with zeros before unlinking it, so the ciphertext does not
/// linger in freed blocks on filesystems that overwrite in place.
pub(crate) fn overwrite_and_remove(path: &Path) -> Result<(), FsError> {
    let len = fs::metadata(path).at(path, "reading the key file")?.len();
    let mut file = fs::OpenOptions::new().write(true).open(path).at(path, "opening the key file")?;
    file.write_all(&vec![0u8; usize::try_from(len).unwrap_or(0)]).at(path, "overwriting the key")?;
    file.sync_all().at(path, "syncing")?;
    fs::remove_file(path).at(path, "deleting the key")?;
    Ok(())
}

/// verbatim's folder for the user's own data (models, ONNX Runtime): `$XDG_DATA_HOME/verbatim`,
/// else `~/.local/share/verbatim`; `None` with neither set.
pub fn user_data_dir() -> Option<PathBuf> {
    // The XDG spec says to ignore a relative XDG_DATA_HOME.
    let data = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).filter(|p| p.is_absolute());
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|home| Path::new(&home).join(".local/share"));
    Some(data.or(home)?.join("verbatim"))
}

/// Turns off core dumps for this process (and stops other processes of the same user from
/// attaching to it): keys, audio and transcripts in memory must never reach a core file.
pub fn no_core_dumps() -> std::io::Result<()> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) })?;
    set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn atomic_write_creates_private_file_and_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.age");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, FILE_MODE);
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file may remain");
    }

    #[test]
    fn folders_are_private_even_with_a_loose_umask() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b/c");
        create_dir_all(&nested).unwrap();
        for p in [dir.path().join("a"), dir.path().join("a/b"), nested] {
            assert_eq!(fs::metadata(&p).unwrap().mode() & 0o777, DIR_MODE, "{}", p.display());
        }
    }

    #[test]
    fn create_new_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        create_new(&path).unwrap();
        let err = create_new(&path).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert!(err.to_string().contains(&path.display().to_string()));
    }
}
