//! Shared helpers for the integration tests: external tools and temp directories.
#![allow(dead_code)]

use std::process::Command;

/// True if `tool` runs. When it does not: in CI (`CI` set) the test fails, naming the Debian
/// package; on a developer machine it prints a visible SKIP line and the caller returns early.
pub fn require_tool(tool: &str, debian_pkg: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok()
        || Command::new(tool).arg("-V").output().is_ok();
    if found {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("`{tool}` is missing in CI: install it with `apt-get install -y {debian_pkg}`");
    }
    eprintln!("SKIP: `{tool}` not found; install it with `apt-get install -y {debian_pkg}`");
    false
}

/// The hwcost binary built for this test run.
pub fn hwcost() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hwcost"))
}

/// True if every tool of the synthesis flow (Yosys, OpenSTA, Icarus) is found. When one is
/// not: in CI the test fails; on a developer machine it prints a visible SKIP line naming the
/// packages and the caller returns early.
pub fn require_flow() -> bool {
    use hwcost::synth::tools::{Tool, Toolchain};
    let tools = Toolchain::from_env();
    let missing: Vec<String> = [Tool::Yosys, Tool::Sta, Tool::Iverilog, Tool::Vvp]
        .into_iter()
        .filter_map(|t| tools.locate(t).err().map(|e| e.to_string()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("missing in CI: {}", missing.join("; "));
    }
    eprintln!(
        "SKIP: {} (install with apt-get install yosys opensta iverilog)",
        missing.join("; ")
    );
    false
}
