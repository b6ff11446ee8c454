//! The results hwcost ships in `reports/` (synthesized costs, the calibration, the mixed
//! units), built into the binary as well, so a run outside the repository answers as a run
//! inside it. A file in the working directory's `reports/` always wins; the built-in copy is
//! read only for the default results directory when it lacks the file, and every such read
//! prints a note naming the file and why, so the origin of a number never changes silently.
//! An explicit `--results DIR` that lacks a file stays an error.

use std::path::Path;

/// The default results directory, relative to the working directory.
pub const DEFAULT_DIR: &str = "reports";

/// Each shipped file, by name, as it was when this hwcost was built.
const FILES: &[(&str, &str)] = &[
    (
        "synth-results.json",
        include_str!("../reports/synth-results.json"),
    ),
    (
        "synth-details.json",
        include_str!("../reports/synth-details.json"),
    ),
    (
        "calibration.json",
        include_str!("../reports/calibration.json"),
    ),
    (
        "mixed-synth.json",
        include_str!("../reports/mixed-synth.json"),
    ),
];

/// The built-in copy of `path` when `path` is `reports/NAME` of a shipped file.
fn builtin(path: &Path) -> Option<&'static str> {
    let name = path.strip_prefix(DEFAULT_DIR).ok()?.to_str()?;
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// True when `path` exists as a file or has a built-in copy.
pub fn is_file(path: &Path) -> bool {
    path.is_file() || (!path.exists() && builtin(path).is_some())
}

/// The text of `path`; for a shipped file missing from the working directory's `reports/`,
/// the built-in copy, with a note on stderr.
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match builtin(path) {
            Some(text) => {
                note_builtin(path);
                Ok(text.to_string())
            }
            None => Err(e),
        },
        other => other,
    }
}

/// Say once per file that the built-in copy answers.
fn note_builtin(path: &Path) {
    static NOTED: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut noted = NOTED.lock().unwrap_or_else(|e| e.into_inner());
    if !noted.iter().any(|p| p == path) {
        noted.push(path.to_path_buf());
        eprintln!(
            "hwcost: note: {} is not in the working directory; using the copy built into {} \
             (the results shipped with it)",
            path.display(),
            crate::cost::source::GENERATOR
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_are_built_in_for_the_default_directory_only() {
        for (name, text) in FILES {
            let path = Path::new(DEFAULT_DIR).join(name);
            assert!(is_file(&path), "{name}");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_ok(),
                "{name}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("synth-results.json");
        assert!(!is_file(&elsewhere));
        assert!(read_to_string(&elsewhere).is_err());
        assert!(!is_file(Path::new("reports/no-such.json")));
    }
}
