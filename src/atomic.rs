//! Atomic file writes. Every file hwcost writes is staged in a temporary file (`.hwcost-*`) in
//! the target's directory, flushed, made readable as an ordinary file (mode 0644; temporary
//! files are created private) and renamed over the target, so a reader never sees half a file
//! and a failure leaves none behind. Callers map the `io::Error` into their own error with the
//! path.
//!
//! Only a regular file or a new path is ever replaced. A target that is something else (a
//! device such as `/dev/null`, a FIFO, a socket, or a symbolic link to one, like `/dev/stdout`)
//! is written through instead: opened and written in place, its node left as it was. A
//! symbolic link to a regular file is followed, and the file it names is replaced. A directory
//! is refused.
//!
//! [`remove_temps_on_signals`] makes SIGINT, SIGTERM and SIGHUP remove every staged temporary
//! file before the process dies.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

/// The staged temporary files that exist now; a signal removes them.
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn live() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where the bytes of a staged file end up.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// A regular file or a new path: the temporary file is renamed over it.
    Replace(PathBuf),
    /// A device, FIFO or socket: opened and written in place.
    WriteThrough(PathBuf),
}

/// How `path` is written: a regular file, a new path or a link to a regular file is replaced;
/// anything else that exists is written through; a directory is an error.
fn target_of(path: &Path) -> std::io::Result<Target> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Target::Replace(path.to_path_buf()))
        }
        Err(e) => return Err(e),
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(Target::Replace(path.to_path_buf()));
    }
    if kind.is_dir() {
        return Err(is_a_directory());
    }
    if kind.is_symlink() {
        return match std::fs::metadata(path) {
            // A link to a regular file: replace the file it names, keep the link.
            Ok(m) if m.is_file() => match std::fs::canonicalize(path) {
                Ok(real) => Ok(Target::Replace(real)),
                Err(_) => Ok(Target::WriteThrough(path.to_path_buf())),
            },
            Ok(m) if m.is_dir() => Err(is_a_directory()),
            // A dangling link: create what it names.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Target::WriteThrough(path.to_path_buf()))
            }
            Err(e) => Err(e),
            Ok(_) => Ok(Target::WriteThrough(path.to_path_buf())),
        };
    }
    Ok(Target::WriteThrough(path.to_path_buf()))
}

fn is_a_directory() -> std::io::Error {
    std::io::Error::other("it is a directory; name a file")
}

/// A staged output: a private temporary file that becomes the target on [`persist`] and is
/// removed when dropped (or when a signal ends the process).
pub struct Temp {
    /// `None` once persisted.
    file: Option<NamedTempFile>,
    path: PathBuf,
    target: Target,
}

impl Temp {
    /// The temporary file's path (for writers that open a path themselves).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn as_file(&self) -> &std::fs::File {
        self.file().as_file()
    }

    /// True when persisting renames over a regular file or makes a new one (false when the
    /// target is written through: a device, a FIFO).
    pub fn replaces(&self) -> bool {
        matches!(self.target, Target::Replace(_))
    }

    fn file(&self) -> &NamedTempFile {
        self.file
            .as_ref()
            .expect("a Temp holds its file until persisted")
    }
}

/// Writes go to the temporary file (for writers that stream into a staged output).
impl std::io::Write for Temp {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.as_file().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.as_file().flush()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        // Remove the file (if still there) before it leaves the signal handler's list.
        drop(self.file.take());
        live().remove(&self.path);
    }
}

/// Write `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    persist(stage(path, bytes)?)
}

/// Write `bytes` to a temporary file for `path`; [`persist`] it to commit, drop it to discard
/// (for outputs that must appear together or not at all).
pub fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<Temp> {
    let tmp = temp_beside(path, "")?;
    let mut file = tmp.as_file();
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(tmp)
}

/// An empty temporary file for `path` whose name ends in `suffix` (some writers pick their
/// encoding from the extension): in the directory of the file it will replace, or in the
/// system's temporary directory when the target is written through.
pub fn temp_beside(path: &Path, suffix: &str) -> std::io::Result<Temp> {
    let target = target_of(path)?;
    let dir = match &target {
        Target::Replace(p) => match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        },
        Target::WriteThrough(_) => std::env::temp_dir(),
    };
    // Create and register under the lock, so a signal never leaves an unregistered file.
    let mut live = live();
    let file = tempfile::Builder::new()
        .prefix(".hwcost-")
        .suffix(suffix)
        .tempfile_in(dir)?;
    live.insert(file.path().to_path_buf());
    Ok(Temp {
        path: file.path().to_path_buf(),
        file: Some(file),
        target,
    })
}

/// Commit a finished temporary file: rename it over its target, readable by all, or copy it
/// into a target that is written through.
pub fn persist(mut tmp: Temp) -> std::io::Result<()> {
    match &tmp.target {
        Target::Replace(path) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                tmp.as_file()
                    .set_permissions(std::fs::Permissions::from_mode(0o644))?;
            }
            let path = path.clone();
            let file = tmp.file.take().expect("a Temp is persisted once");
            // On failure the file comes back and is removed when `tmp` drops.
            file.persist(&path).map(drop).map_err(|e| {
                tmp.file = Some(e.file);
                e.error
            })
        }
        Target::WriteThrough(path) => {
            let mut from = std::fs::File::open(tmp.path())?;
            let mut to = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(path)?;
            std::io::copy(&mut from, &mut to)?;
            to.flush()
        }
    }
}

/// True when `a` and `b` name the same file: the same path once links and `..` are resolved,
/// or, for files that exist, the same file on disk.
pub fn same_target(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return (x.dev(), x.ino()) == (y.dev(), y.ino());
    }
    resolved(a) == resolved(b)
}

/// `path` with its directory made absolute and free of links, when it exists.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(d), Some(name)) => d.join(name),
        _ => path.to_path_buf(),
    }
}

/// Remove every staged temporary file when SIGINT, SIGTERM or SIGHUP arrives, then die of
/// that signal as if it had not been caught. Call once, at the start of `main`.
#[cfg(unix)]
pub fn remove_temps_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("hwcost-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Hold the lock until the end, so no new temporary file appears meanwhile.
                let live = live();
                for path in live.iter() {
                    let _ = std::fs::remove_file(path);
                }
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write(&path, b"first").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        // A directory that does not exist: an error, nothing written.
        assert!(write(&dir.path().join("no/such/dir/x"), b"x").is_err());
        // A staged file that is dropped leaves nothing, and is no longer registered.
        let staged = stage(&dir.path().join("dropped"), b"x").unwrap();
        let staged_path = staged.path().to_path_buf();
        assert!(live().contains(&staged_path));
        drop(staged);
        assert!(!live().contains(&staged_path));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A directory is refused by name, and left as it was.
        let e = write(dir.path(), b"x").unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
    }

    #[test]
    fn same_target_sees_through_spellings_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.npy");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(same_target(&a, &dir.path().join("sub/../a.npy")));
        assert!(same_target(&a, &dir.path().join(".").join("a.npy")));
        assert!(!same_target(&a, &dir.path().join("b.npy")));
        std::fs::write(&a, b"x").unwrap();
        #[cfg(unix)]
        {
            let link = dir.path().join("l.npy");
            std::os::unix::fs::symlink(&a, &link).unwrap();
            assert!(same_target(&a, &link));
        }
    }

    /// Issue 16, item 1: `-o /dev/null` (as root) turned /dev/null into a regular file.
    #[cfg(unix)]
    #[test]
    fn writes_replace_device_nodes_and_fifos() {
        use std::os::unix::fs::FileTypeExt;
        // A device: written through, still a character device afterwards.
        write(Path::new("/dev/null"), b"discarded").unwrap();
        let kind = std::fs::symlink_metadata("/dev/null").unwrap().file_type();
        assert!(kind.is_char_device(), "/dev/null is no longer a device");
        // A full device: the write fails, with the OS's reason.
        if Path::new("/dev/full").exists() {
            assert!(write(Path::new("/dev/full"), b"x").is_err());
            assert!(std::fs::symlink_metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device());
        }
        // A FIFO: a reader gets the bytes, the FIFO stays a FIFO, the directory holds nothing
        // else.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A link to a regular file: the file is replaced, the link stays a link.
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, b"new").unwrap();
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }
}
