//! External EDA tools (yosys, OpenSTA `sta`, iverilog, vvp): finding them on a search path,
//! running them with checked exit status, and quoting their error lines.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tool {
    Yosys,
    Sta,
    Iverilog,
    Vvp,
}

impl Tool {
    pub fn binary(self) -> &'static str {
        match self {
            Tool::Yosys => "yosys",
            Tool::Sta => "sta",
            Tool::Iverilog => "iverilog",
            Tool::Vvp => "vvp",
        }
    }

    /// The Debian package that installs the binary.
    pub fn debian_package(self) -> &'static str {
        match self {
            Tool::Yosys => "yosys",
            Tool::Sta => "opensta",
            Tool::Iverilog | Tool::Vvp => "iverilog",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error(
        "`{binary}` was not found on the search path; install it with `apt-get install {package}`"
    )]
    Missing {
        binary: &'static str,
        package: &'static str,
    },
    #[error("could not run `{binary}`: {source}")]
    Spawn {
        binary: &'static str,
        source: std::io::Error,
    },
    #[error("`{binary}` failed ({status}): {line}  [log: {}]", log.display())]
    Failed {
        binary: &'static str,
        status: String,
        line: String,
        log: PathBuf,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where the tools are looked up: `$PATH` by default, or an explicit list of directories.
#[derive(Debug, Clone)]
pub struct Toolchain {
    search_path: Vec<PathBuf>,
}

/// What one tool run printed.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// stdout and stderr, in that order
    pub text: String,
}

impl Toolchain {
    pub fn from_env() -> Toolchain {
        let search_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        Toolchain { search_path }
    }

    pub fn with_search_path(dirs: Vec<PathBuf>) -> Toolchain {
        Toolchain { search_path: dirs }
    }

    pub fn locate(&self, tool: Tool) -> Result<PathBuf, ToolError> {
        self.search_path
            .iter()
            .map(|d| d.join(tool.binary()))
            .find(|p| is_executable(p))
            .ok_or(ToolError::Missing {
                binary: tool.binary(),
                package: tool.debian_package(),
            })
    }

    /// Runs a tool in `cwd` and saves everything it printed to `log`. It fails when the tool
    /// exits non-zero, or, with `error_line_fails`, when it prints a line `is_error` accepts
    /// (the 2019 `sta` reports errors and still exits 0). The error quotes the first such
    /// line, else the last line printed.
    pub fn run<I, S>(
        &self,
        tool: Tool,
        args: I,
        cwd: &Path,
        log: &Path,
        is_error: &dyn Fn(&str) -> bool,
        error_line_fails: bool,
    ) -> Result<ToolOutput, ToolError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let exe = self.locate(tool)?;
        let out = Command::new(&exe)
            .args(args)
            .current_dir(cwd)
            .output()
            .map_err(|source| ToolError::Spawn {
                binary: tool.binary(),
                source,
            })?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        std::fs::write(log, &text).map_err(|source| ToolError::Io {
            path: log.to_path_buf(),
            source,
        })?;
        let error_line = text.lines().find(|l| is_error(l)).map(str::to_string);
        if !out.status.success() || (error_line_fails && error_line.is_some()) {
            let line = error_line
                .or_else(|| {
                    text.lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "(no output)".to_string());
            return Err(ToolError::Failed {
                binary: tool.binary(),
                status: out.status.to_string(),
                line: line.trim().to_string(),
                log: log.to_path_buf(),
            });
        }
        Ok(ToolOutput { text })
    }

    /// First line of `<tool> -V` / `--version` output, for cache keys and reports.
    pub fn version(&self, tool: Tool) -> Result<String, ToolError> {
        let exe = self.locate(tool)?;
        let flag = match tool {
            Tool::Yosys | Tool::Iverilog | Tool::Vvp => "-V",
            Tool::Sta => "-version",
        };
        let out = Command::new(&exe)
            .arg(flag)
            .output()
            .map_err(|source| ToolError::Spawn {
                binary: tool.binary(),
                source,
            })?;
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text.lines().next().unwrap_or("").trim().to_string())
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tool_names_its_debian_package() {
        let empty = tempfile::tempdir().unwrap();
        let tc = Toolchain::with_search_path(vec![empty.path().to_path_buf()]);
        for (tool, pkg) in [
            (Tool::Yosys, "yosys"),
            (Tool::Sta, "opensta"),
            (Tool::Iverilog, "iverilog"),
            (Tool::Vvp, "iverilog"),
        ] {
            let err = tc.locate(tool).unwrap_err();
            assert!(
                matches!(err, ToolError::Missing { package, .. } if package == pkg),
                "{err}"
            );
            assert!(
                err.to_string().contains(&format!("apt-get install {pkg}")),
                "{err}"
            );
        }
    }
}
