//! Atomic file writes. Every file hwcost writes is staged in a temporary file in the target's
//! directory, flushed, made readable as an ordinary file (mode 0644; temporary files are created
//! private) and renamed over the target, so a reader never sees half a file and a failure
//! leaves none behind. Callers map the `io::Error` into their own error with the path.

use std::io::Write as _;
use std::path::Path;

use tempfile::NamedTempFile;

/// Write `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    persist(stage(path, bytes)?, path)
}

/// Write `bytes` to a temporary file next to `path`; [`persist`] it to commit, drop it to
/// discard (for outputs that must appear together or not at all).
pub fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<NamedTempFile> {
    let mut tmp = temp_beside(path, "")?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

/// An empty temporary file in `path`'s directory whose name ends in `suffix` (some writers
/// pick their encoding from the extension).
pub fn temp_beside(path: &Path, suffix: &str) -> std::io::Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".hwcost-")
        .suffix(suffix)
        .tempfile_in(dir)
}

/// Rename a finished temporary file onto `path`, readable by all.
pub fn persist(tmp: NamedTempFile, path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
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
        // A staged file that is dropped leaves nothing.
        drop(stage(&dir.path().join("dropped"), b"x").unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
